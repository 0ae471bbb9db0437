//! The typed notification: open enums, exact money, result-code classes,
//! unknown keys kept, typed errors for payloads of the wrong shape.

use billkit::Decimal;
use billkit::billpro::notifications::{
    DeclineReason, Notification, NotificationType, Payload, PaymentType, RegistrationAction,
    ResultClass,
};

/// A payment notification shaped like the gateway's documented example.
pub const PAYMENT: &str = r#"{
  "type": "PAYMENT",
  "payload": {
    "id": "8a82944a4cc25ebf014cc2c782423202",
    "paymentType": "DB",
    "paymentBrand": "VISA",
    "amount": "92.00",
    "currency": "EUR",
    "descriptor": "4149.0046.3106 OPP_Channel",
    "merchantTransactionId": "INV-4149",
    "result": {"code": "000.000.000", "description": "Transaction succeeded"},
    "resultDetails": {"ConnectorTxID1": "8a82944a4cc25ebf014cc2c782423202"},
    "card": {"bin": "420000", "last4Digits": "0000", "holder": "Jane Jones", "expiryMonth": "05", "expiryYear": "2034"},
    "customer": {"givenName": "Jane", "surname": "Jones", "email": "jane@example.com", "merchantCustomerId": "C000000042", "ip": "192.168.0.1"},
    "customParameters": {"order_id": "17", "SHOPPER_promo": "12", "flag": true, "gone": null},
    "risk": {"score": "0"},
    "buildNumber": "ec3c704170e54f6d7cf86c6f1969b20f6d855ce5@2015-04-15 06:46:57 +0000",
    "timestamp": "2015-12-07 16:46:07+0000",
    "ndc": "8a82941746287806014628a0e6a71f2f_9f3b6e2ed2b14f4e9ed7c4ddbf7ff6b0",
    "bigNumber": 12345678901234567890.123456789
  },
  "extraEnvelopeKey": [1, 2]
}"#;

#[test]
fn a_payment_decodes_typed_with_exact_money_and_unknown_keys_kept() {
    let n = Notification::from_json(PAYMENT.as_bytes()).unwrap();
    assert_eq!(n.kind, NotificationType::Payment);
    assert_eq!(n.action, None);
    assert!(n.billpro_acts_on());
    assert_eq!(n.extra["extraEnvelopeKey"].get(), "[1, 2]");
    let p = n.payment().unwrap();
    assert_eq!(p.id, "8a82944a4cc25ebf014cc2c782423202");
    assert_eq!(p.payment_type, Some(PaymentType::Debit));
    assert_eq!(p.amount, Some("92.00".parse::<Decimal>().unwrap()));
    assert_eq!(p.amount.unwrap().to_string(), "92.00");
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    assert_eq!(p.merchant_transaction_id.as_deref(), Some("INV-4149"));
    assert!(p.is_approved());
    assert_eq!(p.result_class(), ResultClass::Approved);
    assert_eq!(
        p.result.as_ref().unwrap().description.as_deref(),
        Some("Transaction succeeded")
    );
    let card = p.card.as_ref().unwrap();
    assert_eq!(card.bin.as_deref(), Some("420000"));
    assert_eq!(card.last4_digits.as_deref(), Some("0000"));
    assert_eq!(card.holder.as_deref(), Some("Jane Jones"));
    assert_eq!(card.expiry_year.as_deref(), Some("2034"));
    let customer = p.customer.as_ref().unwrap();
    assert_eq!(customer.merchant_customer_id.as_deref(), Some("C000000042"));
    assert_eq!(customer.extra["ip"].get(), "\"192.168.0.1\"");
    assert_eq!(
        p.custom_parameters.get("order_id").map(String::as_str),
        Some("17")
    );
    assert_eq!(
        p.custom_parameters.get("flag").map(String::as_str),
        Some("true")
    );
    assert!(!p.custom_parameters.contains_key("gone"));
    assert_eq!(
        p.timestamp.unwrap().to_rfc3339(),
        "2015-12-07T16:46:07+00:00"
    );
    // Unknown keys keep their exact text, digits included.
    assert_eq!(p.extra["bigNumber"].get(), "12345678901234567890.123456789");
    assert_eq!(p.extra["risk"].get(), r#"{"score": "0"}"#);
    assert!(p.extra.contains_key("resultDetails") && p.extra.contains_key("ndc"));
}

#[test]
fn amounts_are_never_rounded() {
    for (sent, shown) in [
        (r#""0.1""#, "0.1"),
        (r#""19.990""#, "19.990"),
        (r#""1234567.8912345678""#, "1234567.8912345678"),
        ("44.99", "44.99"),
    ] {
        let json = format!(r#"{{"type":"PAYMENT","payload":{{"id":"a","amount":{sent}}}}}"#);
        let n = Notification::from_json(json.as_bytes()).unwrap();
        assert_eq!(n.payment().unwrap().amount.unwrap().to_string(), shown);
    }
    for bad in [
        r#""92,00""#,
        r#""""#,
        "true",
        r#""1.00000000000000000000000000001""#,
    ] {
        let json = format!(r#"{{"type":"PAYMENT","payload":{{"id":"a","amount":{bad}}}}}"#);
        let err = Notification::from_json(json.as_bytes()).unwrap_err();
        assert_eq!(
            err.message(),
            "`payload.amount` is not an exact amount",
            "{bad}"
        );
    }
}

#[test]
fn unknown_types_and_payment_types_decode() {
    let n = Notification::from_json(br#"{"type":"CHARGEBACK_V2","payload":{"x":1}}"#).unwrap();
    assert_eq!(n.kind, NotificationType::Unknown("CHARGEBACK_V2".into()));
    assert!(!n.billpro_acts_on());
    match &n.payload {
        Payload::Other(Some(raw)) => assert_eq!(raw.get(), r#"{"x":1}"#),
        other => panic!("{other:?}"),
    }
    let n = Notification::from_json(br#"{"type":"RISK"}"#).unwrap();
    assert!(matches!(n.payload, Payload::Other(None)));

    let n = Notification::from_json(
        br#"{"type":"PAYMENT","payload":{"id":"b","paymentType":"ZZ","result":{"code":"800.100.151"}}}"#,
    )
    .unwrap();
    let p = n.payment().unwrap();
    assert_eq!(p.payment_type, Some(PaymentType::Unknown("ZZ".into())));
    assert!(!n.billpro_acts_on());
    assert!(!p.is_approved());
    assert_eq!(p.result_class(), ResultClass::Declined(DeclineReason::Bank));

    let n = Notification::from_json(
        br#"{"type":"REGISTRATION","action":"DELETED","payload":{"id":"c","paymentType":"RG"}}"#,
    )
    .unwrap();
    assert_eq!(n.kind, NotificationType::Registration);
    assert_eq!(n.action, Some(RegistrationAction::Deleted));
    assert!(n.billpro_acts_on());
    // No result at all is not approved by BillPro's rule.
    assert!(!n.payment().unwrap().is_approved());
    assert_eq!(
        n.payment().unwrap().result_class(),
        ResultClass::Unrecognised
    );
}

#[test]
fn billpro_acts_on_db_rf_rg_pa_only() {
    for (t, acts) in [
        ("DB", true),
        ("RF", true),
        ("RG", true),
        ("PA", true),
        ("CP", false),
        ("RV", false),
    ] {
        let json = format!(r#"{{"type":"PAYMENT","payload":{{"id":"a","paymentType":"{t}"}}}}"#);
        assert_eq!(
            Notification::from_json(json.as_bytes())
                .unwrap()
                .billpro_acts_on(),
            acts,
            "{t}"
        );
    }
}

#[test]
fn approved_is_billpro_rule_even_where_the_gateway_class_is_success() {
    // The gateway counts 000.100.110 (test mode) as successful; BillPro
    // approves only 000.000.000.
    let n = Notification::from_json(
        br#"{"type":"PAYMENT","payload":{"id":"a","result":{"code":"000.100.110"}}}"#,
    )
    .unwrap();
    let p = n.payment().unwrap();
    assert_eq!(p.result_class(), ResultClass::Approved);
    assert!(!p.is_approved());
}

#[test]
fn wrong_shapes_are_typed_errors_naming_the_field_not_the_value() {
    let cases: &[(&str, &str)] = &[
        ("[]", "the notification is not a JSON object"),
        ("{", "the notification is not a JSON object"),
        (r#"{"payload":{}}"#, "no `type`"),
        (r#"{"type":7}"#, "`type` is not a string"),
        (
            r#"{"type":"PAYMENT","payload":{}}"#,
            "`payload` has no `id`",
        ),
        (
            r#"{"type":"PAYMENT","payload":{"id":""}}"#,
            "`payload` has no `id`",
        ),
        (
            r#"{"type":"PAYMENT","payload":"4200000000000000"}"#,
            "`payload` is not a JSON object",
        ),
        (
            r#"{"type":"PAYMENT","payload":{"id":"a","card":"4200000000000000"}}"#,
            "`payload.card` is not a JSON object",
        ),
        (
            r#"{"type":"PAYMENT","payload":{"id":"a","card":{"holder":4200000000000000}}}"#,
            "`holder` is not a string",
        ),
        (
            r#"{"type":"PAYMENT","payload":{"id":"a","result":{}}}"#,
            "`payload.result` has no `code`",
        ),
        (
            r#"{"type":"PAYMENT","payload":{"id":"a","timestamp":"yesterday"}}"#,
            "`payload.timestamp` is not a time",
        ),
        (
            r#"{"type":"PAYMENT","payload":{"id":"a","customParameters":{"k":[1]}}}"#,
            "a `payload.customParameters` value is not text",
        ),
    ];
    for (json, message) in cases {
        let err = Notification::from_json(json.as_bytes()).unwrap_err();
        assert_eq!(err.message(), *message, "{json}");
        assert!(!err.to_string().contains("4200000000000000"), "{err}");
    }
}

#[test]
fn debug_never_shows_card_data() {
    let n = Notification::from_json(PAYMENT.as_bytes()).unwrap();
    let shown = format!("{n:?}");
    for secret in ["420000", "Jane Jones", "2034", "\"0000\""] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("Card([REDACTED])"), "{shown}");
}
