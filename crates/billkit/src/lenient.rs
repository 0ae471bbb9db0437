//! Serde helpers for the quirks the real servers have. Private: the API
//! modules use them on their models, and users see only the typed fields,
//! so these can change without a breaking release.
//!
//! - [`int`] / [`int_opt`]: integers sent as numbers or as strings (`"1"`).
//! - [`int_from_str_or_num`]: the same, fixed to `i64`.
//! - [`string`] / [`string_opt`]: a string that is sometimes sent as a number.
//! - [`dmy_date_opt`]: dates written `DD/MM/YYYY`.
//! - [`timestamp`] / [`timestamp_opt`]: RFC 3339 with or without a fraction,
//!   with `Z` or an offset, always read into UTC.
//! - [`json_object`]: a JSON column that may be `null`, `[]` or an object.
//! - `open_enum!`: enums that keep unknown values.

use std::fmt::Display;
use std::marker::PhantomData;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serializer};

struct IntVisitor<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for IntVisitor<T>
where
    T: TryFrom<i64> + TryFrom<u64> + FromStr,
    <T as FromStr>::Err: Display,
{
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an integer, or an integer in a string")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom(format!("integer {v} is out of range")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::custom(format!("integer {v} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Err(E::custom(format!("expected an integer, found {v}")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.trim()
            .parse()
            .map_err(|e| E::custom(format!("`{v}` is not an integer: {e}")))
    }
}

/// An integer of any width sent as a number or as a string (`"1"`).
///
/// Use with `#[serde(with = "crate::lenient::int")]`; written back as a number.
pub(crate) mod int {
    use super::*;

    /// Deserializes a JSON integer or an integer in a string.
    pub(crate) fn deserialize<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i64> + TryFrom<u64> + FromStr,
        <T as FromStr>::Err: Display,
    {
        d.deserialize_any(IntVisitor(PhantomData))
    }

    /// Serializes the integer as a JSON number.
    pub(crate) fn serialize<S: Serializer, T: serde::Serialize>(
        v: &T,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

/// An optional integer sent as a number, a string, `null`, `""` or not at all.
///
/// Use with `#[serde(default, with = "crate::lenient::int_opt")]`.
pub(crate) mod int_opt {
    use super::*;

    /// Deserializes `null`, `""`, a JSON integer or an integer in a string.
    pub(crate) fn deserialize<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i64> + TryFrom<u64> + FromStr,
        <T as FromStr>::Err: Display,
    {
        d.deserialize_option(IntOptVisitor(PhantomData))
    }

    /// `null`, `""`, a number or a string, read without copying the string.
    struct IntOptVisitor<T>(PhantomData<T>);

    /// The message the untagged enum this replaces gave for anything else.
    const NO_MATCH: &str = "data did not match any variant of untagged enum Raw";

    impl<'de, T> Visitor<'de> for IntOptVisitor<T>
    where
        T: TryFrom<i64> + TryFrom<u64> + FromStr,
        <T as FromStr>::Err: Display,
    {
        type Value = Option<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer, or an integer in a string")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            IntVisitor::<T>(PhantomData).visit_u64(v).map(Some)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            // A non-negative i64 is what `Number::as_u64` took first.
            match u64::try_from(v) {
                Ok(u) => IntVisitor::<T>(PhantomData).visit_u64(u).map(Some),
                Err(_) => IntVisitor::<T>(PhantomData).visit_i64(v).map(Some),
            }
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            match serde_json::Number::from_f64(v) {
                Some(n) => Err(E::custom(format!("expected an integer, found {n}"))),
                None => Err(E::custom(NO_MATCH)),
            }
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.trim().is_empty() {
                return Ok(None);
            }
            IntVisitor::<T>(PhantomData).visit_str(v).map(Some)
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(E::custom(NO_MATCH))
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            Err(de::Error::custom(NO_MATCH))
        }

        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map
                .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                .is_some()
            {}
            Err(de::Error::custom(NO_MATCH))
        }
    }

    /// Serializes `Some` as a JSON number and `None` as `null`.
    pub(crate) fn serialize<S: Serializer, T: serde::Serialize>(
        v: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(v, s)
    }
}

/// An `i64` sent as a number or a string; the adapter behind
/// [`Cents`](crate::Cents).
pub(crate) mod int_from_str_or_num {
    use super::*;

    /// Deserializes a JSON integer or an integer in a string.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        super::int::deserialize(d)
    }
}

struct StringVisitor;

impl Visitor<'_> for StringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// A string that some servers send as a number (`"42"` or `42` → `"42"`).
pub(crate) mod string {
    use super::*;

    /// Deserializes a JSON string, integer or boolean as a string.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        d.deserialize_any(StringVisitor)
    }

    /// Serializes the string as is.
    pub(crate) fn serialize<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }
}

/// An optional [`string`]: `null` and absence are `None`.
pub(crate) mod string_opt {
    use super::*;

    /// Deserializes `null`, a JSON string, integer or boolean.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        struct Opt;
        impl<'de> Visitor<'de> for Opt {
            type Value = Option<String>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("null, a string or a number")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(StringVisitor).map(Some)
            }
        }
        d.deserialize_option(Opt)
    }

    /// Serializes `Some` as a string and `None` as `null`.
    pub(crate) fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(v),
            None => s.serialize_none(),
        }
    }
}

/// Parses a `DD/MM/YYYY` date (`"12/05/1995"` is 12 May 1995).
pub(crate) fn parse_dmy(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%d/%m/%Y")
        .map_err(|e| format!("`{text}` is not a DD/MM/YYYY date: {e}"))
}

/// An optional `DD/MM/YYYY` date: `null`, `""` and absence are `None`.
///
/// Use with `#[serde(default, with = "crate::lenient::dmy_date_opt")]`.
pub(crate) mod dmy_date_opt {
    use super::*;

    /// Deserializes `null`, `""` or a `DD/MM/YYYY` string.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => parse_dmy(&s).map(Some).map_err(de::Error::custom),
        }
    }

    /// Serializes `Some` as `DD/MM/YYYY` and `None` as `null`.
    pub(crate) fn serialize<S: Serializer>(v: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(&v.format("%d/%m/%Y")),
            None => s.serialize_none(),
        }
    }
}

/// Reads a string without copying it (borrowed when the input allows, a
/// transient slice otherwise) and parses it with the function.
struct StrWith<F>(F);

impl<'de, T, F: FnOnce(&str) -> Result<T, String>> Visitor<'de> for StrWith<F> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.0)(v).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<T, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(v), &self)),
        }
    }
}

/// [`StrWith`] for an optional string: `null` is `None` without calling
/// the function.
struct OptStrWith<F>(F);

impl<'de, T, F: FnOnce(&str) -> Result<Option<T>, String>> Visitor<'de> for OptStrWith<F> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(StrWith(self.0))
    }
}

/// Parses an RFC 3339 timestamp with or without a fraction and with `Z` or
/// an offset, into UTC.
pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{text}` is not an RFC 3339 timestamp: {e}"))
}

/// An RFC 3339 timestamp read into UTC (`2024-02-12T15:12:37.314Z`,
/// `2014-02-08T08:22:10.629000+00:00`, `2030-01-31T18:00:00+00:00`).
pub(crate) mod timestamp {
    use super::*;

    /// Deserializes an RFC 3339 string.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_str(StrWith(|s: &str| parse_timestamp(s)))
    }

    /// Serializes as RFC 3339 in UTC with `Z` and as many fraction digits as
    /// needed (none, 3, 6 or 9).
    pub(crate) fn serialize<S: Serializer>(v: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&v.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

/// An optional RFC 3339 timestamp: `null`, `""` and absence are `None`.
///
/// Use with `#[serde(default, with = "crate::lenient::timestamp_opt")]`.
pub(crate) mod timestamp_opt {
    use super::*;

    /// Deserializes `null`, `""` or an RFC 3339 string.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        d.deserialize_option(OptStrWith(|s: &str| {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                parse_timestamp(s).map(Some)
            }
        }))
    }

    /// Serializes `Some` as RFC 3339 and `None` as `null`.
    pub(crate) fn serialize<S: Serializer>(
        v: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::timestamp::serialize(v, s),
            None => s.serialize_none(),
        }
    }
}

/// A JSON column that PHP servers send as `null`, `[]` (an empty array) or
/// an object. `null` and absence are `None`; `[]` is an empty map.
///
/// Use with `#[serde(default, with = "crate::lenient::json_object")]`.
pub(crate) mod json_object {
    use super::*;
    use serde_json::{Map, Value};

    /// Deserializes `null`, `[]` or an object; a non-empty array is an error.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Map<String, Value>>, D::Error> {
        match Option::<Value>::deserialize(d)? {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(Value::Array(a)) if a.is_empty() => Ok(Some(Map::new())),
            Some(other) => Err(de::Error::custom(format!(
                "expected an object, `[]` or null, found {other}"
            ))),
        }
    }

    /// Serializes `Some` as an object and `None` as `null`.
    pub(crate) fn serialize<S: Serializer>(
        v: &Option<Map<String, Value>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(v, s)
    }
}

/// Declares an open enum: known wire values get their own variant, anything
/// else is kept in `Unknown(String)` instead of failing the parse, so a value
/// a server adds later never breaks a decode.
///
/// ```text
/// crate::open_enum! {
///     /// What a plan does.
///     pub enum PlanType {
///         /// Charges the customer.
///         Debit => "debit",
///         /// Pays the customer out.
///         Credit => "credit" | "credt",
///     }
/// }
/// ```
///
/// Extra spellings accepted on input may follow the wire value with `|`;
/// output always uses the first. The generated enum is public to users
/// (`#[non_exhaustive]`, `as_str`, `KNOWN`, `is_unknown`, `FromStr`,
/// `Display`, serde); the macro itself is crate-private, so its shape can
/// change without a breaking release. The unit tests below show it at work.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => $wire:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
            /// A value this version of billkit does not know, kept as sent.
            Unknown(::std::string::String),
        }

        impl $name {
            /// The value as the server spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// Every known value, in declaration order.
            pub const KNOWN: &'static [$name] = &[$( $name::$variant ),+];

            /// `true` for a value this version of billkit does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(match s {
                    $( $wire $(| $alias)* => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                })
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                match s.parse() {
                    Ok(v) => v,
                    Err(never) => match never {},
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                // Read from the borrowed or transient text: a known value
                // allocates nothing.
                struct Text;
                impl<'de> ::serde::de::Visitor<'de> for Text {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> ::std::result::Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_bytes<E: ::serde::de::Error>(self, v: &[u8]) -> ::std::result::Result<$name, E> {
                        match ::std::str::from_utf8(v) {
                            Ok(s) => Ok($name::from(s)),
                            Err(_) => Err(E::invalid_value(::serde::de::Unexpected::Bytes(v), &self)),
                        }
                    }
                }
                d.deserialize_str(Text)
            }
        }
    };
}

pub(crate) use open_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Deserialize, Serialize, Debug, PartialEq)]
    struct Ints {
        #[serde(with = "int")]
        a: u32,
        #[serde(default, with = "int_opt")]
        b: Option<i64>,
    }

    #[test]
    fn integers_as_strings_or_numbers() {
        let v: Ints = serde_json::from_str(r#"{"a":"1","b":"-7"}"#).unwrap();
        assert_eq!(v, Ints { a: 1, b: Some(-7) });
        let v: Ints = serde_json::from_str(r#"{"a":12}"#).unwrap();
        assert_eq!(v, Ints { a: 12, b: None });
        let v: Ints = serde_json::from_str(r#"{"a":12,"b":null}"#).unwrap();
        assert_eq!(v.b, None);
        let v: Ints = serde_json::from_str(r#"{"a":12,"b":""}"#).unwrap();
        assert_eq!(v.b, None);
        let v: Ints = serde_json::from_str(r#"{"a":12,"b":3}"#).unwrap();
        assert_eq!(v.b, Some(3));
        assert!(serde_json::from_str::<Ints>(r#"{"a":"x"}"#).is_err());
        assert!(serde_json::from_str::<Ints>(r#"{"a":-1}"#).is_err());
        assert!(serde_json::from_str::<Ints>(r#"{"a":1.5}"#).is_err());
        assert!(serde_json::from_str::<Ints>(r#"{"a":1,"b":"2.5"}"#).is_err());
        assert_eq!(
            serde_json::to_string(&Ints { a: 1, b: None }).unwrap(),
            r#"{"a":1,"b":null}"#
        );
    }

    #[test]
    fn strings_sent_as_numbers() {
        #[derive(Deserialize)]
        struct S {
            #[serde(with = "string")]
            a: String,
            #[serde(default, with = "string_opt")]
            b: Option<String>,
        }
        let v: S = serde_json::from_str(r#"{"a":42,"b":7}"#).unwrap();
        assert_eq!((v.a.as_str(), v.b.as_deref()), ("42", Some("7")));
        let v: S = serde_json::from_str(r#"{"a":"x","b":null}"#).unwrap();
        assert_eq!((v.a.as_str(), v.b), ("x", None));
    }

    #[test]
    fn dmy_dates() {
        #[derive(Deserialize, Serialize)]
        struct D {
            #[serde(default, with = "dmy_date_opt")]
            a: Option<NaiveDate>,
            #[serde(default, with = "dmy_date_opt")]
            b: Option<NaiveDate>,
        }
        let v: D = serde_json::from_str(r#"{"a":"12/05/1995","b":null}"#).unwrap();
        assert_eq!(v.a, NaiveDate::from_ymd_opt(1995, 5, 12));
        assert_eq!(v.b, None);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"a":"12/05/1995","b":null}"#
        );
        let v: D = serde_json::from_str(r#"{"a":"","b":" 03/01/2026 "}"#).unwrap();
        assert_eq!(v.a, None);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"a":null,"b":"03/01/2026"}"#
        );
        assert!(serde_json::from_str::<D>(r#"{"a":"1995-05-12"}"#).is_err());
        assert!(serde_json::from_str::<D>(r#"{"a":"31/02/2020"}"#).is_err());
        assert_eq!(
            parse_dmy("03/01/2026"),
            Ok(NaiveDate::from_ymd_opt(2026, 1, 3).unwrap())
        );
    }

    #[test]
    fn timestamps_with_and_without_fraction_and_offsets() {
        #[derive(Deserialize)]
        struct T {
            #[serde(with = "timestamp")]
            t: DateTime<Utc>,
            #[serde(default, with = "timestamp_opt")]
            u: Option<DateTime<Utc>>,
        }
        let cases = [
            ("2024-02-12T15:12:37.314Z", "2024-02-12T15:12:37.314+00:00"),
            (
                "2014-02-08T08:22:10.629000+00:00",
                "2014-02-08T08:22:10.629+00:00",
            ),
            ("2030-01-31T18:00:00+00:00", "2030-01-31T18:00:00+00:00"),
            ("2026-07-20T05:25:52.000000Z", "2026-07-20T05:25:52+00:00"),
            (
                "2026-11-21T12:01:12.654086+02:00",
                "2026-11-21T10:01:12.654086+00:00",
            ),
        ];
        for (input, want) in cases {
            let v: T = serde_json::from_str(&format!(r#"{{"t":"{input}"}}"#)).unwrap();
            assert_eq!(v.t.to_rfc3339(), want, "{input}");
            assert_eq!(v.u, None);
        }
        let v: T = serde_json::from_str(r#"{"t":"2030-01-31T18:00:00Z","u":null}"#).unwrap();
        assert_eq!(v.u, None);
        assert!(serde_json::from_str::<T>(r#"{"t":"2030-01-31"}"#).is_err());
        // chrono's own impl agrees, so models may use DateTime<Utc> directly.
        let plain: DateTime<Utc> =
            serde_json::from_str(r#""2014-02-08T08:22:10.629000+00:00""#).unwrap();
        assert_eq!(plain.timestamp_subsec_micros(), 629_000);
    }

    #[test]
    fn json_columns() {
        #[derive(Deserialize)]
        struct J {
            #[serde(default, with = "json_object")]
            c: Option<serde_json::Map<String, serde_json::Value>>,
        }
        assert_eq!(serde_json::from_str::<J>(r#"{"c":null}"#).unwrap().c, None);
        assert_eq!(serde_json::from_str::<J>(r#"{}"#).unwrap().c, None);
        assert_eq!(
            serde_json::from_str::<J>(r#"{"c":[]}"#).unwrap().c,
            Some(serde_json::Map::new())
        );
        let j = serde_json::from_str::<J>(r#"{"c":{"ram":"2G"}}"#).unwrap();
        assert_eq!(j.c.unwrap()["ram"], "2G");
        assert!(serde_json::from_str::<J>(r#"{"c":[1]}"#).is_err());
    }

    crate::open_enum! {
        /// Test enum.
        pub enum Kind {
            /// A.
            Single => "single_payment",
            /// B.
            Subscription => "subscription" | "subscripton",
        }
    }

    #[test]
    fn open_enums_keep_unknown_values_and_aliases() {
        let k: Kind = serde_json::from_str(r#""subscripton""#).unwrap();
        assert_eq!(k, Kind::Subscription);
        assert_eq!(serde_json::to_string(&k).unwrap(), r#""subscription""#);
        let k: Kind = serde_json::from_str(r#""barter""#).unwrap();
        assert_eq!(k, Kind::Unknown("barter".into()));
        assert!(k.is_unknown());
        assert_eq!(k.as_str(), "barter");
        assert_eq!(serde_json::to_string(&k).unwrap(), r#""barter""#);
        assert_eq!(
            serde_json::from_str::<Kind>(r#""single_payment""#).unwrap(),
            Kind::Single
        );
        assert_eq!(
            serde_json::to_string(&Kind::Single).unwrap(),
            r#""single_payment""#
        );
        assert_eq!("subscripton".parse::<Kind>(), Ok(Kind::Subscription));
        assert_eq!(Kind::from("x"), Kind::Unknown("x".into()));
        assert_eq!(Kind::KNOWN, &[Kind::Single, Kind::Subscription]);
        assert_eq!(Kind::Single.to_string(), "single_payment");
        assert!(serde_json::from_str::<Kind>("3").is_err());
    }
}
