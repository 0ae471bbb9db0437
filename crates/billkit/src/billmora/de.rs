//! Serde helpers for values Billmora sends in more than one form.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

/// Parses a Laravel date: ISO 8601 (`2026-07-20T05:25:52.000000Z`),
/// `Y-m-d H:i:s` or `Y-m-d` (both taken as UTC).
pub(crate) fn parse_date_time(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(v) = crate::lenient::parse_timestamp(t) {
        return Ok(v);
    }
    if let Ok(v) = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S") {
        return Ok(v.and_utc());
    }
    if let Ok(v) = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && let Some(v) = v.and_hms_opt(0, 0, 0)
    {
        return Ok(v.and_utc());
    }
    Err(format!("`{t}` is not a date or timestamp"))
}

/// A required date or timestamp, read from the borrowed or transient text
/// (no copy).
pub(crate) fn date_time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    d.deserialize_str(Text)
}

/// An optional date or timestamp: `null`, `""` and absence are `None`.
pub(crate) fn date_time_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    struct Opt;
    impl<'de> Visitor<'de> for Opt {
        type Value = Option<DateTime<Utc>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a date, a timestamp or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(OptText)
        }
    }
    d.deserialize_option(Opt)
}

/// A date or timestamp string.
struct Text;

impl Visitor<'_> for Text {
    type Value = DateTime<Utc>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse_date_time(v).map_err(E::custom)
    }
}

/// A date or timestamp string, `""` (or blanks) being none.
struct OptText;

impl Visitor<'_> for OptText {
    type Value = Option<DateTime<Utc>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        parse_date_time(v).map(Some).map_err(E::custom)
    }
}

/// A JSON column holding a map of `T`: `null` is `None`, `[]` is empty.
/// Values are read straight from the document (exact amounts survive).
pub(crate) fn php_map<'de, D, T>(d: D) -> Result<Option<BTreeMap<String, T>>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
        type Value = Option<BTreeMap<String, T>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object, `[]` or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            if seq.next_element::<de::IgnoredAny>()?.is_some() {
                return Err(de::Error::custom(
                    "expected an object or `[]`, found a non-empty array",
                ));
            }
            Ok(Some(BTreeMap::new()))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(k) = map.next_key::<String>()? {
                let v = map.next_value::<T>()?;
                out.insert(k, v);
            }
            Ok(Some(out))
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// Name servers: `null`, a list of strings, or an object whose values
/// are the names (`{"ns1": "a.example"}`), in order.
pub(crate) fn nameservers<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of name servers, an object of them, or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element::<Option<String>>()? {
                out.extend(v);
            }
            Ok(Some(out))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((_, v)) = map.next_entry::<String, Option<String>>()? {
                out.extend(v);
            }
            Ok(Some(out))
        }
    }
    d.deserialize_any(V)
}

/// A flag stored by PHP as `true`, `1`, `"1"`, `"on"`, ...; `null` and
/// absence are `None`.
pub(crate) fn bool_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Int(i64),
        Str(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Bool(b)) => Ok(Some(b)),
        Some(Raw::Int(i)) => Ok(Some(i != 0)),
        Some(Raw::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => Ok(Some(true)),
            "0" | "false" | "off" | "no" | "" => Ok(Some(false)),
            other => Err(de::Error::custom(format!("`{other}` is not a flag"))),
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn date_forms() {
        let a = super::parse_date_time("2026-07-20T05:25:52.123456Z").unwrap();
        assert_eq!(a.timestamp_subsec_micros(), 123_456);
        let b = super::parse_date_time("2026-07-20").unwrap();
        assert_eq!(b.to_rfc3339(), "2026-07-20T00:00:00+00:00");
        let c = super::parse_date_time("2026-07-20 10:11:12").unwrap();
        assert_eq!(c.to_rfc3339(), "2026-07-20T10:11:12+00:00");
        assert!(super::parse_date_time("soon").is_err());
    }
}
