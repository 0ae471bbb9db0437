//! Billmora money arrives as money: `amount_due` is a PHP float on the wire
//! and is read as the two-place amount it stands for; anything further from
//! cents than float noise is a decode error naming the field; every amount
//! is written with two places.

use billkit::billmora::{Invoice, InvoiceFilter, NewInvoice};
use billkit::sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};
use billkit::{Error, TryStreamExt};
use chrono::NaiveDate;
use serde_json::{Value, json};
use wiremock::MockServer;

use crate::common::{api, client, dec, fixture, ok_json};

/// The body of `GET path` as the sandbox sent it, byte for byte.
async fn raw_text(sandbox: &BillmoraSandbox, path: &str) -> String {
    reqwest::Client::new()
        .get(format!("{}{path}", sandbox.base_url()))
        .bearer_auth(sandbox.token())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The `amount_due` token of a body's first invoice, as sent.
fn amount_due_token(body: &str) -> &str {
    let at = body
        .find("\"amount_due\":")
        .expect("amount_due in the body")
        + 13;
    let rest = &body[at..];
    &rest[..rest.find([',', '}']).unwrap()]
}

fn due() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 8, 3).unwrap()
}

/// One line of `total`, then the payments, in the sandbox; the invoice id.
async fn invoice_paid_in_part(
    sandbox: &BillmoraSandbox,
    client: &billkit::billmora::Client,
    total: &str,
    payments: &[&str],
) -> billkit::billmora::InvoiceId {
    let invoice = client
        .invoices()
        .create(&NewInvoice::new(SEED_USER_ID, due()).item("Hosting", 1, dec(total)))
        .await
        .unwrap();
    for p in payments {
        assert!(sandbox.record_payment(invoice.id, dec(p)));
    }
    invoice.id
}

/// The issue's test: a partial payment whose float difference is not
/// representable (0.30 − 0.10 is `0.19999999999999998` in doubles) reaches
/// the client as the server sends it and is decoded to `0.20`, in `get`
/// and in the list alike.
#[tokio::test]
async fn a_partly_paid_invoice_in_the_sandbox_is_decoded_to_two_places() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let id = invoice_paid_in_part(&sandbox, &client, "0.30", &["0.10"]).await;

    let body = raw_text(&sandbox, &format!("/invoices/{id}")).await;
    assert_eq!(amount_due_token(&body), "0.19999999999999998", "{body}");
    assert!(body.contains(r#""total":"0.30""#), "{body}");

    let invoice = client.invoices().get(id).await.unwrap();
    assert_eq!(invoice.amount_due.to_string(), "0.20");
    assert_eq!(invoice.total.to_string(), "0.30");
    let listed: Vec<Invoice> = client
        .invoices()
        .list(&InvoiceFilter::new().user_id(SEED_USER_ID))
        .stream()
        .try_collect()
        .await
        .unwrap();
    let listed = listed.iter().find(|i| i.id == id).unwrap();
    assert_eq!(listed.amount_due.to_string(), "0.20");
    // Written back with two places, and the status is untouched.
    let written = serde_json::to_value(&invoice).unwrap();
    assert_eq!(written["amount_due"], json!("0.20"));
    assert_eq!(written["status"], json!("unpaid"));
}

/// Every money case recorded on a real Billmora server (total, payments,
/// `amount_due` exactly as sent; `shared/recordings/billmora-7799ffac`):
/// the sandbox sends the same token, and the client reads the cents.
#[tokio::test]
async fn the_sandbox_sends_amount_due_as_the_real_server_did() {
    let recorded: [(&str, &[&str], &str, &str); 10] = [
        ("0.30", &["0.10"], "0.19999999999999998", "0.20"),
        ("10.10", &["0.20"], "9.9", "9.90"),
        ("19.99", &["9.99"], "9.999999999999998", "10.00"),
        ("0.30", &["0.30"], "0", "0.00"),
        ("0.30", &[], "0.3", "0.30"),
        ("0.30", &["0.50"], "0", "0.00"),
        (
            "100.00",
            &["33.33", "33.33", "33.33"],
            "0.010000000000005116",
            "0.01",
        ),
        ("1.15", &["0.05"], "1.0999999999999999", "1.10"),
        ("0.70", &["0.10"], "0.6", "0.60"),
        ("3.00", &["1.10"], "1.9", "1.90"),
    ];
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    for (total, payments, sent, cents) in recorded {
        let id = invoice_paid_in_part(&sandbox, &client, total, payments).await;
        let body = raw_text(&sandbox, &format!("/invoices/{id}")).await;
        assert_eq!(
            amount_due_token(&body),
            sent,
            "{total} less {payments:?}: {body}"
        );
        let invoice = client.invoices().get(id).await.unwrap();
        assert_eq!(
            invoice.amount_due.to_string(),
            cents,
            "{total} less {payments:?}"
        );
    }
    // Whole amounts have no `.0` (no JSON_PRESERVE_ZERO_FRACTION), as the
    // recorded `1` and `100`.
    let id = invoice_paid_in_part(&sandbox, &client, "100.00", &[]).await;
    let body = raw_text(&sandbox, &format!("/invoices/{id}")).await;
    assert_eq!(amount_due_token(&body), "100");
    assert!(!sandbox.record_payment(999_999, dec("1.00")));
}

/// A Billmora amount further from cents than float noise (`0.123`, or
/// `0.105`, a midpoint no float error produces) is refused with a decode
/// error at its field, not rounded; the request was sent once.
#[tokio::test]
async fn an_amount_off_by_more_than_float_noise_is_a_decode_error_at_its_field() {
    for (field, value) in [
        ("amount_due", json!(0.123)),
        ("amount_due", json!(0.105)),
        ("total", json!("50.985")),
    ] {
        let mut body: Value = serde_json::from_str(&fixture("invoices_show.json")).unwrap();
        body["data"][field] = value.clone();
        let server = MockServer::start().await;
        api("GET", "/invoices/55")
            .respond_with(ok_json(&body.to_string()))
            .expect(1)
            .mount(&server)
            .await;
        let err = client(&server).invoices().get(55).await.unwrap_err();
        let Error::Decode(d) = &err else {
            panic!("{field} = {value}: expected a decode error, got {err:?}");
        };
        assert_eq!(d.json_path(), format!("data.{field}"), "{d}");
        assert!(d.message().contains("not a two-place amount"), "{d}");
    }
}

/// The fixture's amounts (strings with two places and a float
/// `amount_due`) and a float-noisy `amount_due` all come out with two
/// places, and the written invoice reads back equal.
#[test]
fn every_billmora_amount_is_written_with_two_places() {
    let mut body: Value = serde_json::from_str(&fixture("invoices_show.json")).unwrap();
    body["data"]["amount_due"] = serde_json::from_str("9.999999999999998").unwrap();
    body["data"]["tax"] = json!(0);
    body["data"]["discount"] = json!("5.0");
    let invoice: Invoice = serde_json::from_value(body["data"].clone()).unwrap();
    let written = serde_json::to_value(&invoice).unwrap();
    assert_eq!(written["amount_due"], json!("10.00"));
    assert_eq!(written["tax"], json!("0.00"));
    assert_eq!(written["discount"], json!("5.00"));
    for item in written["items"].as_array().unwrap() {
        for field in ["unit_price", "amount"] {
            let text = item[field].as_str().unwrap();
            assert_eq!(text.split('.').nth(1).map(str::len), Some(2), "{text}");
        }
    }
    let back: Invoice = serde_json::from_value(written).unwrap();
    assert_eq!(back, invoice);
}
