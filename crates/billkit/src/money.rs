//! Exact money.
//!
//! Amounts are never `f64`. BillPro and Billmora send decimal amounts as
//! strings (`"44.99"`) or as JSON numbers (`44.99`, `20`); both are read from
//! their own digits into a [`Decimal`]. Billy counts integer US cents:
//! [`Cents`].
//!
//! Two rules, one per kind of server:
//!
//! - **Exact** (BillPro): the value is exactly the digits sent, so `19.990`
//!   keeps its scale and `1234567.8912345678` stays exact; anything a
//!   [`Decimal`] cannot hold exactly is an error, never rounded.
//! - **Two places** (Billmora): every amount lives in a `decimal(15,2)`
//!   column, but some reach the wire through PHP floats: `amount_due` is
//!   `max(0, total - sum(payments))` computed in doubles, so a partly paid
//!   invoice arrives as `0.19999999999999998` (meaning `0.20`). Read
//!   exactly, that is wrong money. [`parse_two_places`] rounds such a value
//!   to the column's two places (half away from zero) when it lies within a
//!   float's rounding error of them ([`FLOAT_ERROR`], one millionth), and
//!   refuses anything further off (`0.123`, `0.105`) with an error, so a
//!   value that is not a two-place amount never becomes one silently. The
//!   result always has two places (`10` and `10.0` read as `10.00`).
//!
//! The serde adapters here are used by the API models through
//! `#[serde(with = "...")]`:
//!
//! - [`decimal`]: a required amount, from a string or a number; written as a
//!   string (`"44.99"`).
//! - [`decimal_opt`]: the same, where `null` or a missing field is `None`.
//! - [`decimal_number`]: written as a JSON number with the exact digits.
//! - [`two_places`], [`two_places_opt`], [`two_places_number`]: Billmora's
//!   column amounts, read with [`parse_two_places`] and written with two
//!   places.
//! - [`at_least_two_places_opt`]: Billmora amounts that no two-place column
//!   bounds (a price's per-currency rates, which the admin may type with
//!   any number of places): float noise is rounded off as above, any other
//!   value is kept exactly, and at least two places are written.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// Parses the text of a JSON value (a string or a number) into an exact
/// [`Decimal`].
///
/// Quoted strings may carry surrounding white space; numbers may use an
/// exponent (`1.5e2`). A value a [`Decimal`] cannot hold exactly (more than
/// 28 fractional digits, or more than 96 bits of digits) is an error, never
/// rounded; trailing zeros past that are dropped, as they change nothing.
/// Anything else is an error naming the text.
///
/// ```
/// use billkit::money::parse_decimal;
/// assert_eq!(parse_decimal("19.990").unwrap().to_string(), "19.990");
/// assert!(parse_decimal("1.0000000000000000000000000000001").is_err());
/// ```
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty string is not an amount".to_owned());
    }
    // Most amounts are short plain numerals (`44.99`): their digits are
    // the mantissa, read in one pass. Zero goes the general way, which
    // decides the sign of `-0`.
    if let Some((negative, mantissa, places)) = plain_numeral(t, 18)
        && mantissa != 0
    {
        return Ok(signed(negative, mantissa, places));
    }
    parse_decimal_general(t)
}

/// [`parse_decimal`] for any text, trimmed and not empty.
fn parse_decimal_general(t: &str) -> Result<Decimal, String> {
    // Made only for an error message.
    let shown = || crate::error::truncate(t, 64);
    let Some(want) = Digits::of(t) else {
        let shown = shown();
        return Err(format!("`{shown}` is not a decimal amount"));
    };
    let parsed = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t)
    } else {
        Decimal::from_str_exact(t).or_else(|e| {
            // Zeros past the 28th fractional digit carry no value.
            match t.split_once('.') {
                Some((_, frac)) if frac.ends_with('0') => {
                    Decimal::from_str_exact(t.trim_end_matches('0').trim_end_matches('.'))
                }
                _ => Err(e),
            }
        })
    };
    let d = parsed.map_err(|e| format!("`{}` is not an exact decimal amount: {e}", shown()))?;
    if !want.is_value_of(&d) {
        return Err(format!(
            "`{}` has more digits than an exact decimal amount can hold (28 after the point)",
            shown()
        ));
    }
    Ok(d)
}

/// Reads a plain numeral, `-?[0-9]+(\.[0-9]+)?` with at most `max_places`
/// digits after the point and at most 18 digits in all (so the digits fit
/// a `u64` and their value is exact): its sign, digits as one integer, and
/// number of places. `None` for any other text (an exponent, a `+`, a bare
/// point, more digits), which the general parser reads.
fn plain_numeral(t: &str, max_places: usize) -> Option<(bool, u64, u32)> {
    let (negative, rest) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((int, frac)) if !frac.is_empty() => (int, frac),
        Some(_) => return None,
        None => (rest, ""),
    };
    if int.is_empty() || frac.len() > max_places || int.len() + frac.len() > 18 {
        return None;
    }
    let mut mantissa: u64 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        // At most 18 digits: below 10^18, no overflow.
        mantissa = mantissa * 10 + u64::from(b - b'0');
    }
    Some((negative, mantissa, u32::try_from(frac.len()).ok()?))
}

/// The decimal `±mantissa × 10^-places` of a [`plain_numeral`].
fn signed(negative: bool, mantissa: u64, places: u32) -> Decimal {
    // Below 10^18, so within `i64`.
    let m = i64::try_from(mantissa).unwrap_or(i64::MAX);
    Decimal::new(if negative { -m } else { m }, places)
}

/// A plain numeral with at most two places, as a two-place amount (`10`
/// → `10.00`, `-0.5` → `-0.50`, `-0` → `0.00`), without rounding: the
/// value [`parse_two_places`] gives it, read in one pass.
fn plain_two_places(t: &str) -> Option<Decimal> {
    let (negative, mantissa, places) = plain_numeral(t, 2)?;
    // 18 digits with two places or fewer: at most 10^18 × 100 fits `u64`.
    let cents = mantissa.checked_mul(10u64.pow(2 - places))?;
    let cents = i64::try_from(cents).ok()?;
    Some(Decimal::new(
        if negative && cents != 0 {
            -cents
        } else {
            cents
        },
        2,
    ))
}

/// A number's value as sign, significant digits and power of ten, so two
/// spellings of one value compare equal (`1.50` = `15e-1`). The digits are
/// borrowed from the text: the integer part and the fraction, with the
/// leading and trailing zeros of the whole trimmed off.
#[derive(Debug)]
struct Digits<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
    exponent: i64,
}

impl Digits<'_> {
    /// Whether `d` has exactly this value: the digits of its mantissa, its
    /// sign and its power of ten, compared without spelling it out.
    fn is_value_of(&self, d: &Decimal) -> bool {
        let m = d.mantissa();
        if m == 0 {
            return self.len() == 0 && !self.negative && self.exponent == 0;
        }
        let mut exponent = -i64::from(d.scale());
        let mut u = m.unsigned_abs();
        while u.is_multiple_of(10) {
            u /= 10;
            exponent += 1;
        }
        // The digits, most significant first (a mantissa has at most 29).
        let mut buf = [0u8; 40];
        let mut i = buf.len();
        match u64::try_from(u) {
            Ok(mut small) => {
                while small > 0 {
                    i -= 1;
                    buf[i] = b'0' + (small % 10) as u8;
                    small /= 10;
                }
            }
            Err(_) => {
                while u > 0 {
                    i -= 1;
                    buf[i] = b'0' + (u % 10) as u8;
                    u /= 10;
                }
            }
        }
        let digits = &buf[i..];
        (m < 0) == self.negative
            && exponent == self.exponent
            && digits.len() == self.len()
            && self.digits().eq(digits.iter().copied())
    }

    fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        self.int.bytes().chain(self.frac.bytes())
    }

    fn len(&self) -> usize {
        self.int.len() + self.frac.len()
    }
}

impl PartialEq for Digits<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.negative == other.negative
            && self.exponent == other.exponent
            && self.len() == other.len()
            && self.digits().eq(other.digits())
    }
}

impl<'a> Digits<'a> {
    fn of(text: &'a str) -> Option<Digits<'a>> {
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut exponent = exp.checked_sub(i64::try_from(frac.len()).ok()?)?;
        // Trailing zeros of the whole digit string (fraction first, then
        // the integer part when the fraction is all zeros).
        let frac_kept = frac.trim_end_matches('0');
        let (int, frac, trailing) = if frac_kept.is_empty() {
            let int_kept = int.trim_end_matches('0');
            (int_kept, "", frac.len() + int.len() - int_kept.len())
        } else {
            (int, frac_kept, frac.len() - frac_kept.len())
        };
        exponent = exponent.checked_add(i64::try_from(trailing).ok()?)?;
        // Leading zeros (of the integer part, then of the fraction when the
        // integer part is all zeros).
        let int_lead = int.trim_start_matches('0');
        let (int, frac) = if int_lead.is_empty() {
            ("", frac.trim_start_matches('0'))
        } else {
            (int_lead, frac)
        };
        if int.is_empty() && frac.is_empty() {
            return Some(Digits {
                negative: false,
                int: "",
                frac: "",
                exponent: 0,
            });
        }
        Some(Digits {
            negative,
            int,
            frac,
            exponent,
        })
    }
}

/// Reads a JSON string or number as the raw text it was sent as.
fn raw_decimal<'de, D: Deserializer<'de>>(raw: &str) -> Result<Option<Decimal>, D::Error> {
    raw_decimal_with::<D>(raw, parse_decimal)
}

/// Reads a JSON string's content or a number's text with `parse`; `null`
/// is `None`.
fn raw_decimal_with<'de, D: Deserializer<'de>>(
    raw: &str,
    parse: fn(&str) -> Result<Decimal, String>,
) -> Result<Option<Decimal>, D::Error> {
    let text = raw.trim();
    match text.as_bytes().first() {
        Some(b'"') => {
            // A string without escapes is its text between the quotes (the
            // parser that gave the raw text has checked it); one with
            // escapes is unescaped by serde_json.
            let s = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                Some(inner) if !inner.contains(['\\', '"']) => Cow::Borrowed(inner),
                _ => Cow::Owned(serde_json::from_str::<String>(text).map_err(de::Error::custom)?),
            };
            parse(&s).map(Some).map_err(de::Error::custom)
        }
        Some(b'-' | b'0'..=b'9') => parse(text).map(Some).map_err(de::Error::custom),
        _ if text == "null" => Ok(None),
        _ => Err(de::Error::custom(format!(
            "expected an amount as a string or a number, found `{text}`"
        ))),
    }
}

/// The text of one JSON value exactly as sent, like a `RawValue`, but
/// borrowed from the input when the deserializer allows it instead of
/// copied into a box, and read from any deserializer that can give it:
///
/// - sonic-rs hands out a value's raw text for the newtype name of its
///   `LazyValue` ([`SONIC_RAW_TOKEN`]);
/// - serde_json does for the name of its `RawValue` ([`RAW_VALUE_TOKEN`]);
/// - any other deserializer is asked for a plain value: a string or an
///   integer is spelled back as JSON text, exactly; a float is refused,
///   since its digits are gone.
///
/// A deserializer answers a newtype name it does not know by handing
/// itself back (`visit_newtype_struct`), so each name is tried in turn.
pub(crate) struct RawText<'de>(Cow<'de, str>);

impl RawText<'_> {
    /// The value's JSON text.
    pub(crate) fn get(&self) -> &str {
        &self.0
    }
}

/// The newtype name sonic-rs reads a `LazyValue` through: it answers with
/// the value's raw JSON text (borrowed, or copied when a string holds
/// escapes). Private to sonic-rs, so `tests/simd_decode` checks it still
/// works; with another name, sonic-rs treats this as a plain newtype and
/// the next name is tried.
const SONIC_RAW_TOKEN: &str = "$sonic_rs::LazyValue";

/// The name serde_json gives the newtype it reads a `RawValue` through; it
/// answers with a one-entry map whose value is the raw text.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl<'de: 'a, 'a> Deserialize<'de> for RawText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // sonic-rs first: it decodes the successful bodies by default.
        d.deserialize_newtype_struct(SONIC_RAW_TOKEN, Raw(Ask::SerdeJson))
    }
}

/// The next way to ask a deserializer that did not know the last name.
#[derive(Clone, Copy)]
enum Ask {
    /// serde_json's `RawValue` name.
    SerdeJson,
    /// A plain value (`deserialize_any`).
    Plain,
}

/// Takes the raw text whichever way the deserializer gives it.
struct Raw(Ask);

impl<'de> de::Visitor<'de> for Raw {
    type Value = RawText<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount as a JSON string or number")
    }

    // sonic-rs: the raw text itself.
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<RawText<'de>, E> {
        Ok(RawText(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawText<'de>, E> {
        Ok(RawText(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<RawText<'de>, E> {
        Ok(RawText(Cow::Owned(v)))
    }

    // serde_json: `{"$serde_json::private::RawValue": "<raw text>"}`.
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<RawText<'de>, A::Error> {
        if map.next_key::<de::IgnoredAny>()?.is_none() {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        map.next_value_seed(Text)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<RawText<'de>, D::Error> {
        match self.0 {
            Ask::SerdeJson => d.deserialize_newtype_struct(RAW_VALUE_TOKEN, Raw(Ask::Plain)),
            Ask::Plain => d.deserialize_any(Plain),
        }
    }

    // A deserializer that answers every request with its plain value.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawText<'de>, E> {
        Plain.visit_u64(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawText<'de>, E> {
        Plain.visit_i64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawText<'de>, E> {
        Plain.visit_f64(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<RawText<'de>, E> {
        Plain.visit_unit()
    }

    fn visit_none<E: de::Error>(self) -> Result<RawText<'de>, E> {
        Plain.visit_none()
    }
}

/// serde_json's raw text, inside its one-entry map.
struct Text;

impl<'de> de::DeserializeSeed<'de> for Text {
    type Value = RawText<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawText<'de>, D::Error> {
        // The entry's value is a string holding the raw text, which `Raw`
        // takes as it takes sonic-rs's.
        d.deserialize_str(Raw(Ask::Plain))
    }
}

/// A plain value spelled back as JSON text: a string quoted (its content
/// as given), an integer in its digits, a unit as `null`. A float is
/// refused: whatever produced it already rounded the amount.
struct Plain;

impl<'de> de::Visitor<'de> for Plain {
    type Value = RawText<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount as a string or an integer")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawText<'de>, E> {
        serde_json::to_string(v)
            .map(|quoted| RawText(Cow::Owned(quoted)))
            .map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawText<'de>, E> {
        Ok(RawText(Cow::Owned(v.to_string())))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawText<'de>, E> {
        Ok(RawText(Cow::Owned(v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawText<'de>, E> {
        Err(E::custom(format!(
            "the amount {v} reached billkit as a binary float, so its exact digits are \
             lost; decode it from the JSON text"
        )))
    }

    fn visit_unit<E: de::Error>(self) -> Result<RawText<'de>, E> {
        Ok(RawText(Cow::Borrowed("null")))
    }

    fn visit_none<E: de::Error>(self) -> Result<RawText<'de>, E> {
        Ok(RawText(Cow::Borrowed("null")))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawText<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

/// Serde adapter for a required decimal amount (string or number in, string out).
///
/// ```
/// use billkit::Decimal;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize, Serialize)]
/// struct Price {
///     #[serde(with = "billkit::money::decimal")]
///     amount: Decimal,
/// }
/// // A JSON number keeps its exact digits; it is written back as a string.
/// let p: Price = serde_json::from_str(r#"{"amount": 19.990}"#).unwrap();
/// assert_eq!(p.amount.to_string(), "19.990");
/// assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"amount":"19.990"}"#);
/// assert!(serde_json::from_str::<Price>(r#"{"amount": null}"#).is_err());
/// ```
pub mod decimal {
    use super::*;

    /// Deserializes a string or JSON number into an exact decimal.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let raw = RawText::deserialize(d)?;
        raw_decimal::<D>(raw.get())?.ok_or_else(|| de::Error::custom("amount is null"))
    }

    /// Serializes the decimal as a string with its exact digits.
    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
}

/// Serde adapter for an optional decimal amount; `null` and absence are `None`.
///
/// Use with `#[serde(default, with = "billkit::money::decimal_opt")]`.
///
/// ```
/// use billkit::Decimal;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Fee {
///     #[serde(default, with = "billkit::money::decimal_opt")]
///     deposit: Option<Decimal>,
/// }
/// let f: Fee = serde_json::from_str(r#"{"deposit": "5.50"}"#).unwrap();
/// assert_eq!(f.deposit, Some(Decimal::new(550, 2)));
/// assert_eq!(serde_json::from_str::<Fee>(r#"{"deposit": null}"#).unwrap().deposit, None);
/// assert_eq!(serde_json::from_str::<Fee>("{}").unwrap().deposit, None);
/// ```
pub mod decimal_opt {
    use super::*;

    /// Deserializes `null`, a string or a JSON number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        let raw = RawText::deserialize(d)?;
        raw_decimal::<D>(raw.get())
    }

    /// Serializes `Some` as a string, `None` as `null`.
    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }
}

/// Serde adapter that writes a decimal as a JSON number with its exact
/// digits (`20.00` stays `20.00`), and reads a string or number.
///
/// ```
/// use billkit::Decimal;
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct Line {
///     #[serde(with = "billkit::money::decimal_number")]
///     price: Decimal,
/// }
/// // Never through f64: the digits are written as they are.
/// let line = Line { price: Decimal::new(2000, 2) };
/// assert_eq!(serde_json::to_string(&line).unwrap(), r#"{"price":20.00}"#);
/// ```
pub mod decimal_number {
    use super::*;

    /// Deserializes a string or JSON number into an exact decimal.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        super::decimal::deserialize(d)
    }

    /// Serializes the decimal as a JSON number token, never through `f64`.
    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(v.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

/// Serde adapter for an optional decimal written as a JSON number.
///
/// ```
/// use billkit::Decimal;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize, Serialize)]
/// struct Line {
///     #[serde(default, with = "billkit::money::decimal_number_opt")]
///     discount: Option<Decimal>,
/// }
/// let line: Line = serde_json::from_str(r#"{"discount": "1.50"}"#).unwrap();
/// assert_eq!(serde_json::to_string(&line).unwrap(), r#"{"discount":1.50}"#);
/// let none = Line { discount: None };
/// assert_eq!(serde_json::to_string(&none).unwrap(), r#"{"discount":null}"#);
/// ```
pub mod decimal_number_opt {
    use super::*;

    /// Deserializes `null`, a string or a JSON number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        super::decimal_opt::deserialize(d)
    }

    /// Serializes `Some` as a JSON number token, `None` as `null`.
    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::decimal_number::serialize(v, s),
            None => s.serialize_none(),
        }
    }
}

/// The largest distance between a Billmora amount as sent and its
/// two-place value that is still taken for a float's rounding error: one
/// millionth (`0.000001`).
///
/// Why this much: PHP computes `amount_due` from two exact two-place
/// amounts `a ≥ b` as `double(a) - double(b)` and prints the shortest text
/// that reads back as the result. Each of the two conversions, the
/// subtraction and the printing is off by at most half a unit in the last
/// place of a double no larger than `a`, so the text is within `2 ulp(a)`
/// of the true amount: below 0.000001 for every amount under 2³² (about
/// 4.29 billion), and far below it for everyday ones (`0.19999999999999998`
/// is 2e-17 from `0.20`). A value with three to six places that is not a
/// two-place amount (`0.123`, `0.105`, `0.000001`) is at least one
/// millionth from every two-place value, so it is refused. What this rule
/// cannot tell apart: a value with seven or more places within a millionth
/// of a two-place amount is read as that amount (no Billmora column can
/// hold such a value anyway), and float noise on amounts of 2³² and more
/// may exceed the bound, which is then refused, never guessed.
///
/// ```
/// use billkit::Decimal;
/// use billkit::money::{FLOAT_ERROR, parse_two_places};
///
/// assert_eq!(FLOAT_ERROR, Decimal::new(1, 6));
/// // Within a millionth of 0.20: float noise, read as 0.20.
/// assert_eq!(parse_two_places("0.2000009").unwrap(), Decimal::new(20, 2));
/// // A millionth off: a real extra place, refused.
/// assert!(parse_two_places("0.200001").is_err());
/// ```
pub const FLOAT_ERROR: Decimal = Decimal::from_parts(1, 0, 0, false, 6);

/// Reads the text of a Billmora amount (a JSON number's digits or a
/// string's content) as a two-place [`Decimal`].
///
/// The text is read exactly (as [`parse_decimal`] does), rounded to two
/// places half away from zero, and accepted only when the rounding moved it
/// by less than [`FLOAT_ERROR`]: float noise is removed, real extra places
/// are an error. The result always has scale 2.
///
/// ```
/// use billkit::money::parse_two_places;
/// assert_eq!(parse_two_places("0.19999999999999998").unwrap().to_string(), "0.20");
/// assert_eq!(parse_two_places("0.010000000000005116").unwrap().to_string(), "0.01");
/// assert_eq!(parse_two_places("10").unwrap().to_string(), "10.00");
/// assert!(parse_two_places("0.123").is_err());
/// assert!(parse_two_places("0.105").is_err());
/// ```
pub fn parse_two_places(text: &str) -> Result<Decimal, String> {
    if let Some(d) = plain_two_places(text.trim()) {
        return Ok(d);
    }
    parse_two_places_general(text)
}

/// [`parse_two_places`] the general way, for any text.
fn parse_two_places_general(text: &str) -> Result<Decimal, String> {
    let exact = parse_decimal(text)?;
    match near_two_places(exact) {
        Near::Two(d) => Ok(d),
        Near::Off { rounded, off } => Err(format!(
            "`{}` is not a two-place amount: it is {off} from {rounded}, more than a \
             float's rounding error ({FLOAT_ERROR}); Billmora keeps cents",
            crate::error::truncate(text.trim(), 64)
        )),
        Near::TooLarge => Err(too_large(exact)),
    }
}

/// How an exact value relates to the two-place amounts.
enum Near {
    /// Within [`FLOAT_ERROR`] of this two-place value (scale 2).
    Two(Decimal),
    /// Further off: the nearest two-place value and the distance to it.
    Off { rounded: Decimal, off: Decimal },
    /// So large that two places do not fit in a `Decimal`.
    TooLarge,
}

fn near_two_places(exact: Decimal) -> Near {
    let rounded =
        exact.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    // Both have the same integer part, give or take one: no overflow.
    let off = (exact - rounded).abs();
    if off >= FLOAT_ERROR {
        return Near::Off { rounded, off };
    }
    match with_two_places(rounded) {
        Some(d) => Near::Two(d),
        None => Near::TooLarge,
    }
}

/// The same value with exactly two places, when it has no more than two
/// significant ones and two fit; `-0.00` is `0.00`.
fn with_two_places(v: Decimal) -> Option<Decimal> {
    let mut d = v;
    if d.normalize().scale() > 2 {
        return None;
    }
    d.rescale(2);
    if d.scale() != 2 {
        return None;
    }
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    Some(d)
}

fn too_large(v: Decimal) -> String {
    format!("`{v}` is too large for an amount with two decimal places")
}

/// Reads a Billmora amount that no two-place column bounds: float noise
/// (within [`FLOAT_ERROR`] of a two-place value) is rounded off as
/// [`parse_two_places`] does; any other value is kept exactly, with at
/// least two places (`12.5` → `12.50`, `12.555` stays `12.555`).
///
/// ```
/// use billkit::money::parse_at_least_two_places;
///
/// assert_eq!(parse_at_least_two_places("12.5").unwrap().to_string(), "12.50");
/// assert_eq!(parse_at_least_two_places("12.555").unwrap().to_string(), "12.555");
/// assert_eq!(parse_at_least_two_places("0.19999999999999998").unwrap().to_string(), "0.20");
/// assert!(parse_at_least_two_places("twelve").is_err());
/// ```
pub fn parse_at_least_two_places(text: &str) -> Result<Decimal, String> {
    if let Some(d) = plain_two_places(text.trim()) {
        return Ok(d);
    }
    let exact = parse_decimal(text)?;
    match near_two_places(exact) {
        Near::Two(d) => Ok(d),
        Near::Off { .. } | Near::TooLarge => Ok(exact),
    }
}

/// Reads a JSON string or number with `parse`; `null` is `None`.
fn raw_with<'de, D: Deserializer<'de>>(
    parse: fn(&str) -> Result<Decimal, String>,
    d: D,
) -> Result<Option<Decimal>, D::Error> {
    let raw = RawText::deserialize(d)?;
    raw_decimal_with::<D>(raw.get(), parse)
}

/// The value with exactly two places for writing; more places are an
/// error, never rounded away.
fn two_places_for_writing<E: serde::ser::Error>(v: &Decimal) -> Result<Decimal, E> {
    with_two_places(*v).ok_or_else(|| {
        E::custom(format!(
            "`{v}` has more than two decimal places; Billmora keeps cents"
        ))
    })
}

/// Serde adapter for a required Billmora column amount: read with
/// [`parse_two_places`] (string or number), written as a string with two
/// places (`"10.00"`).
///
/// ```
/// use billkit::Decimal;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize, Serialize)]
/// struct Invoice {
///     #[serde(with = "billkit::money::two_places")]
///     amount_due: Decimal,
/// }
/// // PHP float noise is removed; the result always has two places.
/// let inv: Invoice = serde_json::from_str(r#"{"amount_due": 0.19999999999999998}"#).unwrap();
/// assert_eq!(serde_json::to_string(&inv).unwrap(), r#"{"amount_due":"0.20"}"#);
/// assert!(serde_json::from_str::<Invoice>(r#"{"amount_due": 0.123}"#).is_err());
/// // More than two places is refused on the way out too, never rounded.
/// let bad = Invoice { amount_due: Decimal::new(1234, 3) };
/// assert!(serde_json::to_string(&bad).is_err());
/// ```
pub mod two_places {
    use super::*;

    /// Deserializes a string or JSON number into a two-place decimal.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        raw_with::<D>(parse_two_places, d)?.ok_or_else(|| de::Error::custom("amount is null"))
    }

    /// Serializes as a string with two places; a value with more places
    /// is an error.
    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&two_places_for_writing::<S::Error>(v)?)
    }
}

/// Serde adapter for an optional Billmora column amount; `null` and
/// absence are `None`.
///
/// Use with `#[serde(default, with = "billkit::money::two_places_opt")]`.
///
/// ```
/// use billkit::Decimal;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Order {
///     #[serde(default, with = "billkit::money::two_places_opt")]
///     tax: Option<Decimal>,
/// }
/// let o: Order = serde_json::from_str(r#"{"tax": "10"}"#).unwrap();
/// assert_eq!(o.tax.unwrap().to_string(), "10.00");
/// assert_eq!(serde_json::from_str::<Order>(r#"{"tax": null}"#).unwrap().tax, None);
/// ```
pub mod two_places_opt {
    use super::*;

    /// Deserializes `null`, a string or a JSON number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        raw_with::<D>(parse_two_places, d)
    }

    /// Serializes `Some` as a two-place string, `None` as `null`.
    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => super::two_places::serialize(v, s),
            None => s.serialize_none(),
        }
    }
}

/// Serde adapter for a Billmora amount sent as a JSON number (a request
/// body's `unit_price`): written with two places (`20.00`), never through
/// `f64`; a value with more places is an error.
///
/// ```
/// use billkit::Decimal;
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct NewItem {
///     #[serde(with = "billkit::money::two_places_number")]
///     unit_price: Decimal,
/// }
/// let item = NewItem { unit_price: Decimal::new(20, 0) };
/// assert_eq!(serde_json::to_string(&item).unwrap(), r#"{"unit_price":20.00}"#);
/// ```
pub mod two_places_number {
    use super::*;

    /// Deserializes a string or JSON number with [`parse_two_places`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        super::two_places::deserialize(d)
    }

    /// Serializes as a JSON number token with two places.
    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        super::decimal_number::serialize(&two_places_for_writing::<S::Error>(v)?, s)
    }
}

/// Serde adapter for an optional Billmora amount that no two-place column
/// bounds (see [`parse_at_least_two_places`]); written as a string with at
/// least two places.
///
/// ```
/// use billkit::Decimal;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize, Serialize)]
/// struct Rate {
///     #[serde(default, with = "billkit::money::at_least_two_places_opt")]
///     rate: Option<Decimal>,
/// }
/// let r: Rate = serde_json::from_str(r#"{"rate": 0.0125}"#).unwrap();
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"rate":"0.0125"}"#);
/// let r: Rate = serde_json::from_str(r#"{"rate": 3}"#).unwrap();
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"rate":"3.00"}"#);
/// ```
pub mod at_least_two_places_opt {
    use super::*;

    /// Deserializes `null`, a string or a JSON number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        raw_with::<D>(parse_at_least_two_places, d)
    }

    /// Serializes `Some` as a string with at least two places (fewer only
    /// for a value so large that a `Decimal` cannot hold two), `None` as
    /// `null`.
    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => {
                let padded = with_two_places(*v).unwrap_or(*v);
                s.collect_str(&padded)
            }
            None => s.serialize_none(),
        }
    }
}

/// An amount in integer cents (Billy counts US cents).
///
/// Reads a JSON integer or an integer sent as a string (`"500"`); a fraction
/// is an error, never rounded.
///
/// ```
/// use billkit::Cents;
/// let fee = Cents::new(1_000);
/// assert_eq!(fee.get(), 1_000);
/// assert_eq!(fee.to_string(), "1000");
/// assert_eq!(fee.to_decimal().to_string(), "10.00");
/// // On the wire: a JSON integer out, an integer or an integer string in.
/// assert_eq!(serde_json::to_string(&fee).unwrap(), "1000");
/// assert_eq!(serde_json::from_str::<Cents>(r#""500""#).unwrap(), Cents::new(500));
/// assert!(serde_json::from_str::<Cents>("5.5").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(i64);

impl Cents {
    /// Zero cents.
    ///
    /// ```
    /// use billkit::Cents;
    /// assert_eq!(Cents::ZERO, Cents::default());
    /// assert_eq!(Cents::ZERO.get(), 0);
    /// ```
    pub const ZERO: Cents = Cents(0);

    /// Wraps a number of cents (negative for a credit or a discount).
    ///
    /// ```
    /// use billkit::Cents;
    /// let discount = Cents::new(-250);
    /// assert_eq!(discount.get(), -250);
    /// assert_eq!(Cents::from(-250), discount);
    /// ```
    pub const fn new(cents: i64) -> Self {
        Cents(cents)
    }

    /// The number of cents.
    ///
    /// ```
    /// use billkit::Cents;
    /// assert_eq!(Cents::new(1_999).get(), 1_999);
    /// assert_eq!(i64::from(Cents::new(1_999)), 1_999);
    /// ```
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The amount in whole units with two decimal places (`1000` → `10.00`).
    ///
    /// ```
    /// use billkit::{Cents, Decimal};
    /// assert_eq!(Cents::new(1_000).to_decimal(), Decimal::new(1000, 2));
    /// assert_eq!(Cents::new(-5).to_decimal().to_string(), "-0.05");
    /// ```
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Converts an exact decimal amount of whole units to cents; `None` when
    /// it has more than two decimal places or does not fit, so a fraction
    /// of a cent is never rounded away.
    ///
    /// ```
    /// use billkit::{Cents, Decimal};
    /// assert_eq!(Cents::from_decimal(Decimal::new(1999, 2)), Some(Cents::new(1_999)));
    /// assert_eq!(Cents::from_decimal(Decimal::new(5, 0)), Some(Cents::new(500)));
    /// assert_eq!(Cents::from_decimal(Decimal::new(12345, 3)), None); // 12.345
    /// assert_eq!(Cents::from_decimal(Decimal::MAX), None);
    /// ```
    pub fn from_decimal(amount: Decimal) -> Option<Self> {
        let scaled = amount.checked_mul(Decimal::ONE_HUNDRED)?;
        if scaled.fract() != Decimal::ZERO {
            return None;
        }
        i64::try_from(scaled).ok().map(Cents)
    }
}

impl From<i64> for Cents {
    fn from(v: i64) -> Self {
        Cents(v)
    }
}

impl From<Cents> for i64 {
    fn from(v: Cents) -> Self {
        v.0
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Cents {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Cents {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::lenient::int_from_str_or_num::deserialize(d).map(Cents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// The allocating `Digits::of` this module used before it borrowed.
    fn reference_digits(text: &str) -> Option<(bool, String, i64)> {
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let all = format!("{int}{frac}");
        let mut exponent = exp.checked_sub(i64::try_from(frac.len()).ok()?)?;
        let trimmed_end = all.trim_end_matches('0');
        exponent = exponent.checked_add(i64::try_from(all.len() - trimmed_end.len()).ok()?)?;
        let digits = trimmed_end.trim_start_matches('0').to_owned();
        if digits.is_empty() {
            return Some((false, digits, 0));
        }
        Some((negative, digits, exponent))
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Amounts {
        #[serde(with = "decimal")]
        a: Decimal,
        #[serde(default, with = "decimal_opt")]
        b: Option<Decimal>,
    }

    /// Amounts read the same from every kind of serde_json input, borrowed
    /// or not, and through path tracking.
    #[test]
    fn amounts_read_alike_from_every_input() {
        let text = r#"{"a": 1234567.8912345678, "b": " 19.990\u0030 "}"#;
        let want = Amounts {
            a: Decimal::from_str("1234567.8912345678").unwrap(),
            b: Some(Decimal::from_str("19.9900").unwrap()),
        };
        assert_eq!(serde_json::from_str::<Amounts>(text).unwrap(), want);
        assert_eq!(
            serde_json::from_slice::<Amounts>(text.as_bytes()).unwrap(),
            want
        );
        assert_eq!(
            serde_json::from_reader::<_, Amounts>(text.as_bytes()).unwrap(),
            want
        );
        let mut de = serde_json::Deserializer::from_str(text);
        assert_eq!(
            serde_path_to_error::deserialize::<_, Amounts>(&mut de).unwrap(),
            want
        );
        let bad = r#"{"a": 1, "b": "1.0000000000000000000000000000001"}"#;
        let mut de = serde_json::Deserializer::from_str(bad);
        let err = serde_path_to_error::deserialize::<_, Amounts>(&mut de).unwrap_err();
        assert_eq!(err.path().to_string(), "b");
        assert!(
            err.inner().to_string().contains("not an exact decimal"),
            "{err}"
        );
        assert!(serde_json::from_reader::<_, Amounts>(bad.as_bytes()).is_err());
    }

    #[test]
    fn borrowed_digits_agree_with_the_allocating_ones() {
        let parts = ["", "0", "00", "1", "10", "010", "100", "12", "0012300", "9"];
        let mut checked = 0;
        for sign in ["", "-", "+"] {
            for int in parts {
                for frac in parts {
                    for dot in [false, true] {
                        for exp in ["", "e0", "e2", "E-3", "e+1", "ex"] {
                            let text = if dot {
                                format!("{sign}{int}.{frac}{exp}")
                            } else {
                                format!("{sign}{int}{frac}{exp}")
                            };
                            let ours = Digits::of(&text).map(|d| {
                                let digits: String = d.digits().map(char::from).collect();
                                (d.negative, digits, d.exponent)
                            });
                            assert_eq!(ours, reference_digits(&text), "{text}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 3000);
    }

    /// Comparing with the mantissa agrees with comparing with the decimal's
    /// spelling, the check this module made before.
    #[test]
    fn value_check_agrees_with_the_spelled_out_one() {
        let mut checked = 0;
        for int in [
            "0",
            "1",
            "10",
            "79228162514264337593543950335",
            "99999999999999999999",
        ] {
            for frac in [
                "",
                "0",
                "5",
                "50",
                "0000000000000000000000000001",
                "12345678901234567890",
            ] {
                for sign in ["", "-"] {
                    let text = if frac.is_empty() {
                        format!("{sign}{int}")
                    } else {
                        format!("{sign}{int}.{frac}")
                    };
                    let Some(want) = Digits::of(&text) else {
                        continue;
                    };
                    for d in [Decimal::from_str_exact(&text), Decimal::from_str(&text)]
                        .into_iter()
                        .flatten()
                    {
                        let spelled = d.to_string();
                        assert_eq!(
                            want.is_value_of(&d),
                            Digits::of(&spelled).as_ref() == Some(&want),
                            "{text} read as {spelled}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 50, "{checked}");
    }

    #[test]
    fn too_many_digits_is_an_error_never_a_rounding() {
        for bad in [
            "1.0000000000000000000000000000001".to_owned(),
            format!("0.{}", "9".repeat(10_000)),
            "79228162514264337593543950336".to_owned(),
            "1e-40".to_owned(),
            "123456789012345678901234567890e5".to_owned(),
        ] {
            let e = parse_decimal(&bad).unwrap_err();
            assert!(e.len() < 300, "{e}");
        }
        assert_eq!(
            parse_decimal("1.1000000000000000000000000000000000").unwrap(),
            Decimal::from_str("1.1").unwrap()
        );
        assert_eq!(parse_decimal("1.5e2").unwrap(), Decimal::from(150));
        assert_eq!(parse_decimal("-0.000").unwrap().to_string(), "0.000");
        assert_eq!(
            parse_decimal("0.0000000000000000000000000001")
                .unwrap()
                .to_string(),
            "0.0000000000000000000000000001"
        );
        for bad in ["", "-", ".", "1.2.3", "abc", "1e", "--1", "0x10"] {
            assert!(parse_decimal(bad).is_err(), "{bad:?}");
        }
    }
    use serde::Deserialize;

    #[derive(Deserialize, Serialize, Debug)]
    struct Amount {
        #[serde(with = "decimal")]
        v: Decimal,
    }

    #[derive(Deserialize, Serialize, Debug)]
    struct MaybeAmount {
        #[serde(default, with = "decimal_opt")]
        v: Option<Decimal>,
    }

    #[derive(Deserialize, Serialize, Debug)]
    struct NumberAmount {
        #[serde(with = "decimal_number")]
        v: Decimal,
    }

    fn amount(json: &str) -> Decimal {
        serde_json::from_str::<Amount>(json).unwrap().v
    }

    /// The one-pass reading of plain numerals gives what the general
    /// parser gives: the same value, scale and sign, for every length,
    /// sign, zero and place count around the limits.
    #[test]
    fn plain_numerals_read_as_the_general_parser_reads_them() {
        let mut texts = vec![
            "0",
            "-0",
            "0.00",
            "-0.00",
            "10",
            "10.0",
            "10.5",
            "-0.5",
            "007.50",
            "1.",
            ".5",
            "+5",
            "1e2",
            "999999999999999999",
            "9999999999999999.99",
            "99999999999999999.9",
            "1000000000000000000",
            "0.000000000000000001",
            "-123456789012345678",
            "12.345",
            "1_0",
            "1.2.3",
            "-",
            "--1",
            "١",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        let mut rng = fastrand::Rng::with_seed(24);
        for _ in 0..20_000 {
            let int: String = (0..rng.usize(0..20)).map(|_| rng.digit(10)).collect();
            let frac: String = (0..rng.usize(0..20)).map(|_| rng.digit(10)).collect();
            let sign = if rng.bool() { "-" } else { "" };
            texts.push(match rng.u8(0..3) {
                0 => format!("{sign}{int}"),
                _ => format!("{sign}{int}.{frac}"),
            });
        }
        let same = |a: &Result<Decimal, String>, b: &Result<Decimal, String>| match (a, b) {
            (Ok(a), Ok(b)) => {
                a == b && a.scale() == b.scale() && a.is_sign_negative() == b.is_sign_negative()
            }
            (Err(_), Err(_)) => true,
            _ => false,
        };
        for t in &texts {
            if t.is_empty() {
                continue;
            }
            let (fast, general) = (parse_decimal(t), parse_decimal_general(t));
            assert!(same(&fast, &general), "{t}: {fast:?} vs {general:?}");
            let (fast, general) = (parse_two_places(t), parse_two_places_general(t));
            assert!(same(&fast, &general), "{t}: {fast:?} vs {general:?}");
            // Where no column bounds the amount, a plain two-place numeral
            // is the same two-place value as the general way reads.
            if let Some(d) = plain_two_places(t) {
                let Ok(exact) = parse_decimal_general(t) else {
                    panic!("{t} read as {d} but the general parser refuses it");
                };
                let Near::Two(g) = near_two_places(exact) else {
                    panic!("{t} read as {d} but is not a two-place amount");
                };
                assert_eq!(
                    (d, d.scale(), d.is_sign_negative()),
                    (g, 2, g.is_sign_negative()),
                    "{t}"
                );
            }
        }
    }

    #[test]
    fn decimal_from_string_and_number_keeps_digits() {
        assert_eq!(amount(r#"{"v":"44.99"}"#).to_string(), "44.99");
        assert_eq!(amount(r#"{"v":44.99}"#).to_string(), "44.99");
        assert_eq!(amount(r#"{"v":20}"#).to_string(), "20");
        assert_eq!(amount(r#"{"v":"10"}"#).to_string(), "10");
        assert_eq!(amount(r#"{"v":19.990}"#).to_string(), "19.990");
        assert_eq!(amount(r#"{"v":19.990}"#).scale(), 3);
        assert_eq!(
            amount(r#"{"v":1234567.8912345678}"#).to_string(),
            "1234567.8912345678"
        );
        assert_eq!(amount(r#"{"v":"-1000.00"}"#).to_string(), "-1000.00");
        assert_eq!(amount(r#"{"v":1.5e2}"#).to_string(), "150");
        assert_eq!(amount(r#"{"v":" 7.10 "}"#).to_string(), "7.10");
    }

    #[test]
    fn decimal_rejects_garbage_with_a_message() {
        for bad in [
            r#"{"v":"abc"}"#,
            r#"{"v":""}"#,
            r#"{"v":true}"#,
            r#"{"v":null}"#,
            r#"{"v":[1]}"#,
        ] {
            let err = serde_json::from_str::<Amount>(bad).unwrap_err();
            assert!(!err.to_string().is_empty(), "{bad}");
        }
        let err = serde_json::from_str::<Amount>(r#"{"v":"12,5"}"#).unwrap_err();
        assert!(err.to_string().contains("12,5"), "{err}");
    }

    #[test]
    fn optional_decimal_accepts_null_and_absence() {
        let m: MaybeAmount = serde_json::from_str(r#"{"v":null}"#).unwrap();
        assert_eq!(m.v, None);
        let m: MaybeAmount = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(m.v, None);
        let m: MaybeAmount = serde_json::from_str(r#"{"v":"0.10"}"#).unwrap();
        assert_eq!(m.v.unwrap().to_string(), "0.10");
        assert_eq!(
            serde_json::to_string(&MaybeAmount { v: None }).unwrap(),
            r#"{"v":null}"#
        );
    }

    #[test]
    fn decimal_writes_exact_string_or_number() {
        let a = Amount {
            v: Decimal::from_str("20.00").unwrap(),
        };
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"v":"20.00"}"#);
        let n = NumberAmount {
            v: Decimal::from_str("1234567.8912345678").unwrap(),
        };
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            r#"{"v":1234567.8912345678}"#
        );
        let back: NumberAmount = serde_json::from_str(r#"{"v":19.990}"#).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), r#"{"v":19.990}"#);
    }

    fn two(text: &str) -> String {
        parse_two_places(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .to_string()
    }

    /// The `amount_due` values a real Billmora server (commit 7799ffac, PHP
    /// 8.2, MariaDB 10.11, recorded 2026-12-03) sent for partly paid
    /// invoices, and the plain ones beside them, read as the cents they
    /// stand for.
    #[test]
    fn recorded_float_amounts_read_as_their_cents() {
        for (sent, cents) in [
            ("0.19999999999999998", "0.20"),
            ("9.999999999999998", "10.00"),
            ("0.010000000000005116", "0.01"),
            ("1.0999999999999999", "1.10"),
            ("9.9", "9.90"),
            ("0", "0.00"),
            ("0.3", "0.30"),
            ("100", "100.00"),
            ("10.0", "10.00"),
            ("\t12.50 ", "12.50"),
            ("-5.00", "-5.00"),
            ("-0.0001e-3", "0.00"),
            ("1.5e2", "150.00"),
        ] {
            assert_eq!(two(sent), cents, "{sent}");
        }
    }

    /// PHP's `max(0, a - b)` in doubles, printed as the shortest text that
    /// reads back (Rust's `Display` picks the same digits as PHP's
    /// `serialize_precision = -1`), is read back as exactly `a - b`: every
    /// pair of amounts up to 5.00, and random pairs up to 2³².
    #[test]
    fn every_float_difference_of_two_place_amounts_reads_back_exactly() {
        let check = |a: i64, b: i64| {
            let (da, db) = (Decimal::new(a, 2), Decimal::new(b, 2));
            let fa: f64 = da.to_string().parse().unwrap();
            let fb: f64 = db.to_string().parse().unwrap();
            let diff = fa - fb;
            let printed = if diff > 0.0 {
                diff.to_string()
            } else {
                "0".to_owned()
            };
            let want = (da - db).max(Decimal::ZERO);
            let got = parse_two_places(&printed)
                .unwrap_or_else(|e| panic!("{da} - {db} printed as {printed}: {e}"));
            assert_eq!(got, want, "{da} - {db} printed as {printed}");
            assert_eq!(got.scale(), 2);
            printed.len() > 6
        };
        let mut noisy = 0;
        for a in 0..=500 {
            for b in 0..=500 {
                noisy += usize::from(check(a, b));
            }
        }
        // Most of them carry float noise: the rule is what reads them.
        assert!(noisy > 30_000, "{noisy}");
        let mut rng = fastrand::Rng::with_seed(17);
        let top = (1i64 << 32) * 100;
        for _ in 0..50_000 {
            let a = rng.i64(0..top);
            let b = rng.i64(0..=a);
            check(a, b);
            // Cancellation: both large, the difference small.
            let c = a.saturating_sub(rng.i64(0..1000)).max(0);
            check(a, c);
        }
    }

    #[test]
    fn more_than_float_noise_past_two_places_is_refused() {
        for bad in [
            "0.123",
            "0.105",
            "0.125",
            "-0.005",
            "0.000001",
            "0.009999",
            "19.990001",
            "1.0e-5",
            "\"0.001\"",
        ] {
            let e = parse_two_places(bad.trim_matches('"')).unwrap_err();
            assert!(e.contains("not a two-place amount"), "{bad}: {e}");
        }
        // Within a millionth: what the rule cannot tell from float noise.
        assert_eq!(two("0.0000009"), "0.00");
        assert_eq!(two("0.1199999"), "0.12");
        // Too large for two places in a Decimal.
        let e = parse_two_places("79228162514264337593543950335").unwrap_err();
        assert!(e.contains("too large"), "{e}");
        for bad in ["", "abc", "1.2.3", "1.0000000000000000000000000000001"] {
            assert!(parse_two_places(bad).is_err(), "{bad:?}");
        }
    }

    #[derive(Deserialize, Serialize, Debug, PartialEq)]
    struct Column {
        #[serde(with = "two_places")]
        a: Decimal,
        #[serde(default, with = "two_places_opt")]
        b: Option<Decimal>,
        #[serde(with = "two_places_number")]
        n: Decimal,
        #[serde(default, with = "at_least_two_places_opt")]
        r: Option<Decimal>,
    }

    #[test]
    fn billmora_amounts_are_written_with_two_places() {
        let read: Column = serde_json::from_str(
            r#"{"a": 0.19999999999999998, "b": "10", "n": 1.0999999999999999, "r": 12.5}"#,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"a":"0.20","b":"10.00","n":1.10,"r":"12.50"}"#
        );
        let read: Column =
            serde_json::from_str(r#"{"a": "-0.00", "b": null, "n": 20, "r": "12.555"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"a":"0.00","b":null,"n":20.00,"r":"12.555"}"#
        );
        let read: Column =
            serde_json::from_str(r#"{"a": 1, "n": 1, "r": 0.30000000000000004}"#).unwrap();
        assert_eq!(read.r.unwrap().to_string(), "0.30");
        // A value with more places is never rounded on the way out.
        for (a, n) in [("0.125", "1"), ("1", "0.125")] {
            let bad = Column {
                a: Decimal::from_str(a).unwrap(),
                b: None,
                n: Decimal::from_str(n).unwrap(),
                r: None,
            };
            let e = serde_json::to_string(&bad).unwrap_err();
            assert!(e.to_string().contains("0.125"), "{e}");
        }
        // Trailing zeros are not places: 19.990 is written as 19.99.
        let exact = Column {
            a: Decimal::from_str("19.990").unwrap(),
            b: Some(Decimal::from_str("7.5").unwrap()),
            n: Decimal::from_str("3").unwrap(),
            r: None,
        };
        assert_eq!(
            serde_json::to_string(&exact).unwrap(),
            r#"{"a":"19.99","b":"7.50","n":3.00,"r":null}"#
        );
    }

    /// The refusal names the field through the path the transport tracks.
    #[test]
    fn a_refused_billmora_amount_names_its_field() {
        let text = r#"{"a": 1, "b": 0.123, "n": 1}"#;
        let mut de = serde_json::Deserializer::from_str(text);
        let err = serde_path_to_error::deserialize::<_, Column>(&mut de).unwrap_err();
        assert_eq!(err.path().to_string(), "b");
        assert!(err.inner().to_string().contains("`0.123`"), "{err}");
    }

    #[test]
    fn cents_from_number_or_string_and_never_rounded() {
        #[derive(Deserialize)]
        struct C {
            v: Cents,
        }
        assert_eq!(
            serde_json::from_str::<C>(r#"{"v":500}"#).unwrap().v,
            Cents(500)
        );
        assert_eq!(
            serde_json::from_str::<C>(r#"{"v":"-100"}"#).unwrap().v,
            Cents(-100)
        );
        assert!(serde_json::from_str::<C>(r#"{"v":5.5}"#).is_err());
        assert!(serde_json::from_str::<C>(r#"{"v":"5.5"}"#).is_err());
        assert_eq!(serde_json::to_string(&Cents(900)).unwrap(), "900");
        assert_eq!(
            Cents::from_decimal(Decimal::from_str("10.05").unwrap()),
            Some(Cents(1005))
        );
        assert_eq!(
            Cents::from_decimal(Decimal::from_str("10.005").unwrap()),
            None
        );
        assert_eq!(Cents(-150).to_decimal().to_string(), "-1.50");
    }
}
