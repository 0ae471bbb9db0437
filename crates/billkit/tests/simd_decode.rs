//! The decode path with and without the `simd` feature: amounts, timestamps
//! and every model read the same through sonic-rs as through serde_json,
//! the transport decodes successful bodies and still names the JSON path of
//! a failure, and the amount adapters read any deserializer that gives
//! strings and integers, never a float.
//!
//! Run both ways: `cargo test -p billkit --all-features --test simd_decode`
//! and `cargo test -p billkit --no-default-features --features
//! billpro,billmora,billy,rustls-tls,test-util --test simd_decode`.

use std::fmt::Debug;

use billkit::{Cents, Decimal};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::de::value::{Error as ValueError, F64Deserializer, StrDeserializer, U64Deserializer};

#[derive(Deserialize, Debug, PartialEq)]
struct Amounts {
    #[serde(with = "billkit::money::decimal")]
    exact: Decimal,
    #[serde(default, with = "billkit::money::decimal_opt")]
    maybe: Option<Decimal>,
    #[serde(with = "billkit::money::two_places")]
    column: Decimal,
    #[serde(default, with = "billkit::money::at_least_two_places_opt")]
    rate: Option<Decimal>,
    cents: Cents,
}

fn amounts(exact: &str, maybe: &str, column: &str, rate: &str, cents: &str) -> String {
    format!(
        r#"{{"exact":{exact},"maybe":{maybe},"column":{column},"rate":{rate},"cents":{cents}}}"#
    )
}

/// serde_json, and sonic-rs with `simd`: the same answer from both.
fn read_both<T: DeserializeOwned + Debug>(text: &str) -> Result<T, String> {
    let slow = serde_json::from_str::<T>(text).map_err(|e| e.to_string());
    #[cfg(feature = "simd")]
    {
        let fast = sonic_rs::from_str::<T>(text).map_err(|e| e.to_string());
        assert_eq!(
            format!("{:?}", fast.as_ref().ok()),
            format!("{:?}", slow.as_ref().ok()),
            "sonic-rs and serde_json disagree on {text}"
        );
    }
    slow
}

fn dec(text: &str) -> Decimal {
    billkit::money::parse_decimal(text).unwrap()
}

#[test]
fn amounts_keep_their_own_digits_through_each_parser() {
    // Digits no f64 holds, trailing zeros, an exponent, PHP float noise,
    // an escaped digit inside a string.
    let a: Amounts = read_both(&amounts(
        "1234567.8912345678",
        r#""19.990""#,
        "0.19999999999999998",
        "1.5e-3",
        r#""1\u0032""#,
    ))
    .unwrap();
    assert_eq!(a.exact, dec("1234567.8912345678"));
    assert_eq!(a.exact.to_string(), "1234567.8912345678");
    assert_eq!(a.maybe.unwrap().to_string(), "19.990");
    assert_eq!(a.column.to_string(), "0.20");
    assert_eq!(a.rate.unwrap().to_string(), "0.0015");
    assert_eq!(a.cents, Cents::new(12));

    let a: Amounts = read_both(&amounts(
        "79228162514264337593543950335",
        "null",
        "20",
        "null",
        "-7",
    ))
    .unwrap();
    assert_eq!(a.exact.to_string(), "79228162514264337593543950335");
    assert_eq!((a.maybe, a.rate), (None, None));
    assert_eq!(a.column.to_string(), "20.00");
    assert_eq!(a.cents, Cents::new(-7));
}

#[test]
fn amounts_a_decimal_cannot_hold_are_refused_by_each_parser() {
    for (exact, column) in [
        // 29 places: a rounding through f64 or Decimal would accept it.
        ("1.0000000000000000000000000000001", "1"),
        // One more than the largest mantissa.
        ("79228162514264337593543950336", "1"),
        // A real third place in a two-place column.
        ("1", "0.105"),
        ("1", r#""0.123""#),
        // Not a number at all.
        (r#""12,5""#, "1"),
        ("true", "1"),
    ] {
        let text = amounts(exact, "null", column, "null", "1");
        let err = read_both::<Amounts>(&text).unwrap_err();
        assert!(!err.is_empty(), "{text}");
    }
    // Cents are integers: a fraction is refused by both.
    assert!(read_both::<Amounts>(&amounts("1", "null", "1", "null", "5.5")).is_err());
}

#[derive(Deserialize, Debug, PartialEq)]
struct Flat {
    #[serde(flatten)]
    inner: Inner,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Inner {
    #[serde(with = "billkit::money::decimal")]
    v: Decimal,
}

/// A deserializer that knows neither raw-text name (serde's own buffered
/// content, as behind `flatten`) still gives exact strings and integers,
/// and a float is refused instead of read through `f64`.
#[test]
fn a_deserializer_without_raw_text_gives_strings_and_integers_and_no_floats() {
    let v: Flat = read_both(r#"{"v":"12.50"}"#).unwrap();
    assert_eq!(v.inner.v.to_string(), "12.50");
    let v: Flat = read_both(r#"{"v":18446744073709551615}"#).unwrap();
    assert_eq!(v.inner.v.to_string(), "18446744073709551615");
    let v: Flat = read_both(r#"{"v":-3}"#).unwrap();
    assert_eq!(v.inner.v, Decimal::new(-3, 0));
    let err = read_both::<Flat>(r#"{"v":12.5}"#).unwrap_err();
    assert!(err.contains("binary float"), "{err}");

    let d = |de| billkit::money::decimal::deserialize(de);
    assert_eq!(
        d(StrDeserializer::<ValueError>::new("0.10")).unwrap(),
        Decimal::new(10, 2)
    );
    assert_eq!(
        billkit::money::decimal::deserialize(U64Deserializer::<ValueError>::new(7)).unwrap(),
        Decimal::new(7, 0)
    );
    let err = billkit::money::decimal::deserialize(F64Deserializer::<ValueError>::new(0.1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("binary float"), "{err}");
}

/// Timestamps, open enums and integers sent as strings read the same way:
/// a whole Billmora invoice, its amounts as strings and as numbers.
#[test]
fn a_billmora_invoice_reads_alike_through_each_parser() {
    #[derive(Deserialize, Debug)]
    struct Data<T> {
        data: T,
    }
    let text = include_str!("../fixtures/billmora/invoices_show.json");
    let invoice = read_both::<Data<billkit::billmora::Invoice>>(text)
        .unwrap()
        .data;
    let doc: serde_json::Value = serde_json::from_str(text).unwrap();
    let sent = |key: &str| match &doc["data"][key] {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    assert_eq!(
        invoice.total,
        billkit::money::parse_two_places(&sent("total")).unwrap()
    );
    let created: billkit::chrono::DateTime<billkit::chrono::Utc> =
        sent("created_at").parse().unwrap();
    assert_eq!(invoice.created_at, created);
    // The same invoice with every amount a bare JSON number.
    let numbers = text.replace(&format!("\"{}\"", sent("total")), &sent("total"));
    assert_ne!(numbers, text);
    let again = read_both::<Data<billkit::billmora::Invoice>>(&numbers)
        .unwrap()
        .data;
    assert_eq!(again.total, invoice.total);
}

/// Every response fixture decodes through sonic-rs as its model, so the
/// differential checks of `tests/hostile_decode` compare real decodes and
/// not two refusals.
#[cfg(feature = "simd")]
#[test]
fn every_model_fixture_decodes_through_sonic_rs() {
    #[derive(Deserialize, Debug)]
    struct Data<T> {
        #[allow(dead_code)]
        data: T,
    }
    fn both<T: DeserializeOwned + Debug>(name: &str, text: &str) {
        sonic_rs::from_str::<T>(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        read_both::<T>(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    use billkit::{billmora, billpro, billy};
    macro_rules! fixtures {
        ($($ty:ty => $file:literal),+ $(,)?) => {
            $( both::<$ty>($file, include_str!(concat!("../fixtures/", $file))); )+
        };
    }
    fixtures! {
        billpro::Order => "billpro/order_single_payment.json",
        billpro::Order => "billpro/order_instalment.json",
        billpro::Order => "billpro/order_subscription.json",
        billpro::Order => "billpro/order_metered.json",
        Vec<billpro::Product> => "billpro/products_page_full.json",
        billpro::Customer => "billpro/customer.json",
        billpro::ScheduledPayment => "billpro/scheduled_payment.json",
        billy::Invoice => "billy/invoice_get.json",
        billy::Invoice => "billy/invoice_negative.json",
        billy::Invoice => "billy/invoice_unknown_type.json",
        Data<billmora::Invoice> => "billmora/invoices_show.json",
        Data<Vec<billmora::Invoice>> => "billmora/invoices_list.json",
        Data<Vec<billmora::Order>> => "billmora/orders_list.json",
        Data<Vec<billmora::Service>> => "billmora/services_list.json",
        Data<Vec<billmora::Package>> => "billmora/packages_list.json",
        Data<Vec<billmora::Tld>> => "billmora/tlds_list.json",
        Data<Vec<billmora::User>> => "billmora/users_list.json",
    }
}

/// A server's bytes that are not UTF-8, inside an amount the exact-amount
/// path reads as raw text: the transport answers a typed decode error (the
/// SIMD parser never sees such a body), never a panic.
#[tokio::test]
async fn invalid_utf8_in_an_amount_is_a_decode_error() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/billmora/invoices_show.json"
    ))
    .unwrap();
    let text = String::from_utf8(fixture).unwrap();
    let mut body = text
        .replacen(r#""total":"30.88""#, r#""total":"30.8X""#, 1)
        .into_bytes();
    let at = body
        .windows(5)
        .position(|w| w == b"30.8X")
        .expect("the planted amount")
        + 4;
    body[at] = 0xFF;
    assert!(std::str::from_utf8(&body).is_err());
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/invoices/2"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let client = billkit::billmora::Client::builder()
        .base_url(server.uri())
        .token("1|t")
        .manual_time(&billkit::http::ManualClock::new())
        .build()
        .unwrap();
    let err = client.invoices().get(2).await.unwrap_err();
    assert!(
        matches!(err, billkit::Error::Decode(_)),
        "a decode error, got {err:?}"
    );
    assert_eq!(err.status(), Some(billkit::http::StatusCode::OK));
}
