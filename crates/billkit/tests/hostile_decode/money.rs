//! Money from arbitrary JSON scalars: exact or an error, never rounded.

use billkit::{Cents, Decimal};
use proptest::prelude::*;

use crate::oracle::{self, Exact, Known};
use crate::{config, fixtures};

#[test]
fn the_exactness_oracle_reads_numerals() {
    let e = |s| Exact::parse(s).unwrap();
    assert_eq!(e("44.99"), e("4499e-2"));
    assert_eq!(e("-0012.3400"), e("-12.34"));
    assert_eq!(e("0"), e("-0.000e5"));
    assert_eq!(e("1.5E2"), e("150"));
    assert_eq!(e(".5"), e("0.5"));
    assert_ne!(e("1"), e("-1"));
    assert_ne!(e("1.0000000000000000000000000000001"), e("1"));
    for bad in [
        "", "-", ".", "1e", "e5", "1_000", "0x10", "1.2.3", "NaN", "inf",
    ] {
        assert_eq!(Exact::parse(bad), None, "{bad}");
    }
    assert!(e("79228162514264337593543950335").fits_decimal());
    assert!(!e("79228162514264337593543950336").fits_decimal());
    assert!(e("0.0000000000000000000000000001").fits_decimal());
    assert!(!e("0.00000000000000000000000000001").fits_decimal());
    assert!(!e("1.0000000000000000000000000000001").fits_decimal());
}

/// Found by the `money` fuzz target: an underscore and 29 fractional
/// digits before the exponent, two defects at once. It is refused now, and
/// the oracle needs to tolerate nothing.
#[test]
fn a_fuzzed_amount_with_two_defects_is_refused() {
    let s = "-.1725555555000400062822630005_8E2";
    assert!(billkit::money::parse_decimal(s).is_err());
    oracle::money_with(&format!("\"{s}\""), Known::NONE);
}

#[test]
fn amounts_in_the_fixtures_are_exact() {
    let re_key = |k: &str| {
        k.contains("amount") || k.contains("price") || k == "total" || k.starts_with("total_")
    };
    let mut seen = 0;
    for f in fixtures::all() {
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&f.bytes) else {
            continue;
        };
        let mut stack = vec![&doc];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, c) in m {
                        if re_key(k) && (c.is_number() || c.is_string()) {
                            oracle::money_with(&c.to_string(), Known::NONE);
                            seen += 1;
                        }
                        stack.push(c);
                    }
                }
                serde_json::Value::Array(a) => stack.extend(a),
                _ => {}
            }
        }
    }
    assert!(seen > 50, "only {seen} amounts found");
}

/// Decimal numerals of any length, in the forms servers write them.
fn numeral() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just(""), Just("-"), Just("+")],
        "[0-9]{0,34}",
        proptest::option::of("[0-9]{0,34}"),
        proptest::option::of((
            "[eE]",
            prop_oneof![Just(""), Just("-"), Just("+")],
            0u32..40,
        )),
    )
        .prop_map(|(sign, int, frac, exp)| {
            let mut s = format!("{sign}{int}");
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            if let Some((e, es, n)) = exp {
                s.push_str(&format!("{e}{es}{n}"));
            }
            s
        })
}

/// A JSON scalar holding an amount: a number token, or a string (with white
/// space around it, as some servers send).
fn amount_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        numeral(),
        (numeral(), "[ \t]{0,2}", "[ \t]{0,2}")
            .prop_map(|(n, a, b)| serde_json::to_string(&format!("{a}{n}{b}")).unwrap()),
    ]
}

/// Whatever a JSON scalar can be.
fn any_scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        amount_scalar(),
        Just("null".to_owned()),
        Just("true".to_owned()),
        "\\PC{0,24}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        "[-+0-9.eE_ ,xXa-f\"]{0,24}",
        any::<f64>().prop_map(|f| serde_json::to_string(&f).unwrap()),
        any::<i64>().prop_map(|i| i.to_string()),
        any::<u64>().prop_map(|i| i.to_string()),
        any::<i128>().prop_map(|i| i.to_string()),
    ]
}

proptest! {
    #![proptest_config(config(1000))]

    /// Never a panic, whatever the scalar; and when the number fits in a
    /// `Decimal`, the value read is exactly the value sent.
    #[test]
    fn any_scalar_never_panics_and_representable_amounts_are_exact(s in any_scalar()) {
        oracle::money_with(&s, Known::ALL);
    }

    /// A Decimal written by billkit (string or number) reads back unchanged.
    #[test]
    fn decimals_round_trip(m in any::<i64>(), hi in any::<u32>(), scale in 0u32..=28, neg in any::<bool>()) {
        let d = Decimal::from_parts(m as u32, (m >> 32) as u32, hi, neg, scale);
        oracle::money_with(&d.to_string(), Known::NONE);
        oracle::money_with(&serde_json::to_string(&d.to_string()).unwrap(), Known::NONE);
    }

    /// Billy's cents: any i64 as a number or a string is read as itself; a
    /// fraction never is.
    #[test]
    fn cents_are_exact_integers(v in any::<i64>(), frac in 1u32..100) {
        #[derive(serde::Deserialize)]
        struct C { v: Cents }
        let read = |doc: String| serde_json::from_str::<C>(&doc).map(|c| c.v.get());
        let (number, string) = (format!("{{\"v\":{v}}}"), format!("{{\"v\":\"{v}\"}}"));
        prop_assert_eq!(read(number).unwrap(), v);
        prop_assert_eq!(read(string).unwrap(), v);
        let (number, string) = (
            format!("{{\"v\":{v}.{frac:02}}}"),
            format!("{{\"v\":\"{v}.{frac:02}\"}}"),
        );
        prop_assert!(read(number).is_err());
        prop_assert!(read(string).is_err());
        let frac_str = format!("{v}.{frac:02}");
        let signed = if v < 0 { -i64::from(frac) } else { i64::from(frac) };
        let want = v.checked_mul(100).and_then(|c| c.checked_add(signed));
        let got = Cents::from_decimal(frac_str.parse::<Decimal>().unwrap()).map(Cents::get);
        prop_assert_eq!(got, want);
    }
}

proptest! {
    #![proptest_config(config(1000))]

    /// Money is exact or an error: a number with more digits than a
    /// `Decimal` holds must be refused, not rounded.
    ///
    /// Reproducers (each is accepted and rounded today):
    /// `{"v":"1.0000000000000000000000000000001"}` reads as
    /// `1.0000000000000000000000000000`; `{"v":"0." + "9" * 10_000}` reads as
    /// `1.0`; `{"v":0.00000000000000000000000000001}` reads as `0`;
/// `{"v":0.00000000000000000000000000001e1}` (1e-28, which a `Decimal` holds)
/// reads as `0`.
    #[test]
    fn amounts_are_never_rounded(s in amount_scalar()) {
        oracle::money_with(&s, Known { rounding: false, ..Known::ALL });
    }
}

/// Reproducers for the rounding defect, one per form.
#[test]
fn amounts_with_more_digits_than_a_decimal_holds_are_refused() {
    let nines = format!("\"0.{}\"", "9".repeat(10_000));
    for s in [
        "\"1.0000000000000000000000000000001\"",
        "1.0000000000000000000000000000001",
        "0.00000000000000000000000000001",
        // The value fits (1e-28), but the part before the exponent is parsed
        // (and rounded to 0) first.
        "0.00000000000000000000000000001e1",
        "\"0.000000000018446744467852716802e05\"",
        nines.as_str(),
    ] {
        oracle::money_with(s, Known::NONE);
    }
}

/// `rust_decimal`'s `FromStr` skips `_`, so an amount string with
/// underscores is read as if they were not there; and
/// `Decimal::from_scientific` reads the exponent after `-` with
/// `u32::from_str`, which accepts a `+`.
///
/// Reproducers: `{"v":"1_000"}` reads as `1000`, `{"v":"0_"}` as `0`,
/// `{"v":"1_2.5_"}` as `12.5`, `{"v":"1e-+9"}` as `0.000000001` (through
/// `money::decimal`, `decimal_opt`, `decimal_number` and
/// `money::parse_decimal`).
#[test]
fn malformed_amount_strings_are_refused() {
    for s in ["\"1_000\"", "\"0_\"", "\"1_2.5_\"", "\"1e-+9\""] {
        oracle::money_with(s, Known::NONE);
    }
}

/// What PHP prints for `max(0, a - b)` computed in doubles, for two
/// two-place amounts given in cents (shortest round-trip digits, as
/// `json_encode` with `serialize_precision = -1`).
fn php_difference(a: i64, b: i64) -> String {
    let as_double = |c: i64| Decimal::new(c, 2).to_string().parse::<f64>().unwrap();
    let diff = as_double(a) - as_double(b);
    if diff > 0.0 {
        diff.to_string()
    } else {
        "0".to_owned()
    }
}

/// Amounts as Billmora might send them: float differences of two-place
/// amounts (noise to remove), and two-place amounts followed by runs of
/// `0` or `9` and more digits (noise, or real places to refuse).
fn billmora_amount() -> impl Strategy<Value = String> {
    let cents = 0i64..1_000_000_000_000;
    prop_oneof![
        (cents.clone(), cents).prop_map(|(a, b)| php_difference(a.max(b), a.min(b))),
        (
            "-?[0-9]{1,13}\\.[0-9]{2}",
            "(0{0,14}|9{0,14})",
            "[0-9]{0,6}"
        )
            .prop_map(|(base, run, tail)| format!("{base}{run}{tail}")),
    ]
    .prop_flat_map(|text| {
        prop_oneof![
            Just(text.clone()),
            Just(serde_json::to_string(&text).unwrap())
        ]
    })
}

proptest! {
    #![proptest_config(config(1000))]

    /// Billmora's two-place rule on noisy and over-precise amounts: float
    /// noise is read as its cents, anything further off is refused, and
    /// what is read is written back with two places.
    #[test]
    fn billmora_amounts_are_cents_or_refused(s in billmora_amount()) {
        oracle::money_with(&s, Known::NONE);
    }
}

/// The float differences a real Billmora server sent, and amounts with real
/// extra places, through the oracle; the recorded differences read as
/// their cents and a real third place is refused.
#[test]
fn recorded_float_amounts_and_real_extra_places_through_the_oracle() {
    for s in [
        "0.19999999999999998",
        "9.999999999999998",
        "0.010000000000005116",
        "1.0999999999999999",
        "\"1.0999999999999999\"",
        "0.123",
        "0.105",
        "\"50.985\"",
        "0.000001",
        "0.0000009",
    ] {
        oracle::money_with(s, Known::NONE);
    }
    for (a, b) in [(30, 10), (1999, 999), (10000, 9999), (115, 5), (1010, 20)] {
        let text = php_difference(a, b);
        let read = billkit::money::parse_two_places(&text).unwrap();
        assert_eq!(read, Decimal::new(a - b, 2), "{text}");
        assert_eq!(read.scale(), 2, "{text}");
    }
    assert!(billkit::money::parse_two_places("0.123").is_err());
}
