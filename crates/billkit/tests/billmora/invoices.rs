//! Contract tests: invoices, and how their amounts are read and written (the money paths), against `fixtures/billmora/`.

use crate::common::*;
use crate::users::assert_dana;
use billkit::billmora::*;
use billkit::{Error, TryStreamExt};
use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};
use chrono::NaiveDate;
use serde_json::{Value, json};
use wiremock::MockServer;
use wiremock::matchers::body_json;

pub fn assert_invoice_55(i: &Invoice) {
    assert_eq!(i.id, 55.into());
    assert_eq!(i.invoice_number, "INV-000055");
    assert_eq!(i.status, InvoiceStatus::Unpaid);
    // Positive lines make the subtotal, negative ones the discount.
    assert_eq!(i.subtotal.to_string(), "55.98");
    assert_eq!(i.discount.to_string(), "5.00");
    assert_eq!(i.tax.to_string(), "0.00");
    assert_eq!(i.total, dec("50.98"));
    assert_eq!(i.currency, "USD");
    assert_eq!(i.notes, None);
    // Midnight of 2026-08-03 in Asia/Jakarta, the server's default zone.
    assert_eq!(i.due_date, ts("2026-08-02T17:00:00Z"));
    assert_eq!(
        i.due_day(),
        chrono::NaiveDate::from_ymd_opt(2026, 8, 3).unwrap()
    );
    assert_eq!(i.paid_at, None);
    assert_eq!(
        i.amount_due.to_string(),
        "50.98",
        "amount_due is a JSON number, read as cents"
    );
    assert_dana(i.user.as_ref().unwrap());
    assert_eq!(i.created_at, ts("2026-07-20T05:31:00Z"));
    assert_eq!(i.updated_at, ts("2026-07-20T05:31:00Z"));
}

#[tokio::test]
async fn invoices_list_with_filters() {
    let server = MockServer::start().await;
    api("GET", "/invoices")
        .respond_with(ok("invoices_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .invoices()
        .list(
            &InvoiceFilter::new()
                .status(InvoiceStatus::Unpaid)
                .search("INV")
                .user_id(12),
        )
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=unpaid&search=INV&user_id=12&page=1").await;
    assert_eq!(page.items.len(), 2);
    assert_invoice_55(&page.items[0]);
    assert_eq!(page.items[0].items, None, "lists omit items");
    let paid = &page.items[1];
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.paid_at, Some(ts("2026-07-19T12:00:01Z")));
    assert_eq!(paid.amount_due, dec("0"));
}

#[tokio::test]
async fn invoices_get_with_items() {
    let server = MockServer::start().await;
    api("GET", "/invoices/55")
        .respond_with(ok("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let inv = client(&server).invoices().get(55).await.unwrap();
    assert_invoice_55(&inv);
    let items = inv.items.unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].id, 101.into());
    assert_eq!(
        (items[0].service_id, items[0].registrant_id),
        (Some(30.into()), None)
    );
    assert_eq!(items[0].description, "Starter (20/07/2026 - 20/10/2026)");
    assert_eq!(items[1].quantity, 2);
    assert_eq!(items[1].unit_price.to_string(), "12.99");
    assert_eq!(items[1].amount.to_string(), "25.98");
    assert_eq!(
        (items[1].service_id, items[1].registrant_id),
        (None, Some(40.into()))
    );
    assert_eq!(items[2].unit_price.to_string(), "-5.00");
    assert_eq!(items[2].amount, dec("-5.00"));
}

#[tokio::test]
async fn invoices_create_sends_items_as_exact_numbers() {
    let server = MockServer::start().await;
    api("POST", "/invoices")
        .and(body_json(json!({
            "user_id": 12,
            "due_date": "2026-08-03",
            "currency": "USD",
            "items": [
                {"description": "Starter (20/07/2026 - 20/10/2026)", "quantity": 1, "unit_price": 30.00},
                {"description": "Domain registration borys.com - 1 year", "quantity": 2, "unit_price": 12.99},
                {"description": "Loyalty discount", "quantity": 1, "unit_price": -5.00}
            ],
            "send_email": false
        })))
        // InvoiceObserver refreshes the invoice after the commit: the
        // answer is the stored row with user and items, like a show.
        .respond_with(created("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewInvoice::new(12, NaiveDate::from_ymd_opt(2026, 8, 3).unwrap())
        .currency("USD")
        .item("Starter (20/07/2026 - 20/10/2026)", 1, dec("30.00"))
        .item("Domain registration borys.com - 1 year", 2, dec("12.99"))
        .item("Loyalty discount", 1, dec("-5.00"))
        .send_email(false);
    let inv = client(&server).invoices().create(&new).await.unwrap();
    assert_invoice_55(&inv);
    assert_eq!(inv.items.as_ref().map(Vec::len), Some(3));
    // Amounts travel as JSON numbers with their exact digits, never via f64.
    let req = only_request(&server).await;
    let body = String::from_utf8(req.body).unwrap();
    assert!(body.contains(r#""unit_price":30.00"#), "{body}");
    assert!(body.contains(r#""unit_price":-5.00"#), "{body}");
}

#[tokio::test]
async fn invoices_update_and_mark_paid() {
    let server = MockServer::start().await;
    api("PUT", "/invoices/55")
        .and(body_json(json!({"status": "paid"})))
        .respond_with(ok("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/invoices/56")
        .and(body_json(json!({"due_date": "2026-09-01"})))
        .respond_with(ok("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/invoices/57")
        .and(body_json(json!({"status": "unpaid"})))
        .respond_with(ok("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(c.invoices().mark_paid(55).await.unwrap().id, 55.into());
    let update = InvoiceUpdate::new().due_date(NaiveDate::from_ymd_opt(2026, 9, 1).unwrap());
    assert_invoice_55(&c.invoices().update(56, &update).await.unwrap());
    c.invoices().mark_unpaid(57).await.unwrap();
}

#[tokio::test]
async fn invoices_delete() {
    let server = MockServer::start().await;
    api("DELETE", "/invoices/55")
        .respond_with(ok_json(r#"{"message": "Invoice deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let d = client(&server).invoices().delete(55).await.unwrap();
    assert_eq!(d.message, "Invoice deleted successfully.");
}

#[tokio::test]
async fn invoice_show_with_its_relations_empty() {
    let server = MockServer::start().await;
    api("GET", "/invoices/55")
        .respond_with(ok("invoices_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let i = client(&server).invoices().get(55).await.unwrap();
    assert_eq!((i.id, i.invoice_number.as_str()), (55.into(), "INV-000055"));
    assert_eq!(i.user, None, "a soft-deleted owner renders as null");
    assert_eq!(i.items, Some(Vec::new()));
    assert_eq!(i.total, dec("50.98"));
    assert_eq!(i.tax, dec("0.00"));
}

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

#[test]
fn every_invoice_amount_is_written_as_a_string_with_its_scale_and_round_trips() {
    let body: Value = serde_json::from_str(&fixture("invoices_show.json")).unwrap();
    // The server sends `amount_due` as a PHP float and the totals as strings.
    assert_eq!(body["data"]["amount_due"], json!(50.98));
    assert_eq!(body["data"]["total"], json!("50.98"));
    let invoice: Invoice = serde_json::from_value(body["data"].clone()).unwrap();
    let written = serde_json::to_value(&invoice).unwrap();
    for field in ["subtotal", "discount", "tax", "total", "amount_due"] {
        assert!(written[field].is_string(), "{field}: {}", written[field]);
    }
    assert_eq!(written["amount_due"], json!("50.98"));
    assert_eq!(written["total"], json!("50.98"));
    assert_eq!(written["tax"], json!("0.00"));
    let back: Invoice = serde_json::from_value(written).unwrap();
    assert_eq!(back, invoice);
}
