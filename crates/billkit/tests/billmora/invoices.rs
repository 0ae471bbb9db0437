//! Contract tests: invoices, and how their amounts are read and written (the money paths), against `fixtures/billmora/`.

use crate::common::*;
use billkit::billmora::*;
use billkit::{Error, TryStreamExt};
use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};
use chrono::NaiveDate;
use serde_json::{Value, json};
use wiremock::MockServer;
use wiremock::matchers::body_json;

/// The owner of invoices 2 and 8: customer 3, renamed and closed before
/// the recording.
fn assert_renamed_seed(u: &User) {
    assert_eq!(u.id, 3.into());
    assert_eq!(u.fullname, "Renamed Seed");
    assert_eq!(u.email, "cust02@example.test");
    assert_eq!(u.status, Some(UserStatus::Closed));
    assert_eq!(u.language.as_deref(), Some("fr_FR"));
}

/// Every field of invoice 2 (`invoices.show.ok`, seq 195 and 203).
pub fn assert_invoice_2(i: &Invoice) {
    assert_eq!(i.id, 2.into());
    assert_eq!(i.invoice_number, "INV-0002");
    assert_eq!(i.status, InvoiceStatus::Unpaid);
    // Positive lines make the subtotal, negative ones the discount.
    assert_eq!(i.subtotal.to_string(), "40.88");
    assert_eq!(i.discount.to_string(), "10.00");
    assert_eq!(i.tax.to_string(), "0.00");
    assert_eq!(i.total, dec("30.88"));
    assert_eq!(i.currency, "USD");
    assert_eq!(i.notes, None);
    // Midnight of 2026-09-15 in Asia/Jakarta, the server's default zone.
    assert_eq!(i.due_date, ts("2026-09-14T17:00:00Z"));
    assert_eq!(
        i.due_day(),
        chrono::NaiveDate::from_ymd_opt(2026, 9, 15).unwrap()
    );
    assert_eq!(i.paid_at, None);
    assert_eq!(
        i.amount_due.to_string(),
        "30.88",
        "amount_due is a JSON number, read as cents"
    );
    assert_renamed_seed(i.user.as_ref().unwrap());
    assert_eq!(i.created_at, ts("2026-12-03T06:32:18Z"));
    assert_eq!(i.updated_at, ts("2026-12-03T07:31:49Z"));
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
                .user_id(3),
        )
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=unpaid&search=INV&user_id=3&page=1").await;
    // `invoices.list.default`: the five seeded invoices, newest first.
    assert_eq!(page.items.len(), 5);
    assert_eq!(page.total, Some(5));
    assert_invoice_2(&page.items[4]);
    assert_eq!(page.items[4].items, None, "lists omit items");
    let newest = &page.items[0];
    assert_eq!(
        (newest.id, newest.invoice_number.as_str()),
        (4.into(), "INV-0004")
    );
    assert_eq!(newest.status, InvoiceStatus::Unpaid);
    assert_eq!(newest.paid_at, None);
    assert_eq!(newest.amount_due, dec("8.50"));
}

#[tokio::test]
async fn invoices_get_with_items() {
    let server = MockServer::start().await;
    api("GET", "/invoices/2")
        .respond_with(ok("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let inv = client(&server).invoices().get(2).await.unwrap();
    assert_invoice_2(&inv);
    let items = inv.items.unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].id, 3.into());
    // The recording has no invoice line of a service or a domain.
    assert_eq!((items[0].service_id, items[0].registrant_id), (None, None));
    assert_eq!(items[0].description, "Hosting");
    assert_eq!(items[0].quantity, 1);
    assert_eq!(items[0].unit_price.to_string(), "40.88");
    assert_eq!(items[0].amount.to_string(), "40.88");
    assert_eq!(
        (items[1].id, items[1].description.as_str()),
        (4.into(), "Discount")
    );
    assert_eq!(items[1].unit_price.to_string(), "-10.00");
    assert_eq!(items[1].amount, dec("-10.00"));
}

#[tokio::test]
async fn invoices_create_sends_items_as_exact_numbers() {
    let server = MockServer::start().await;
    api("POST", "/invoices")
        .and(body_json(json!({
            "user_id": 2,
            "due_date": "2026-08-01",
            "items": [
                {"description": "Hosting", "quantity": 1, "unit_price": 12.50},
                {"description": "Loyalty discount", "quantity": 1, "unit_price": -5.00}
            ],
            "send_email": false
        })))
        // InvoiceObserver refreshes the invoice after the commit: the
        // answer is the stored row with user and items, like a show
        // (`invoices.create.due_date_2026_08_01`, seq 207).
        .respond_with(created("invoices_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewInvoice::new(2, NaiveDate::from_ymd_opt(2026, 8, 1).unwrap())
        .item("Hosting", 1, dec("12.50"))
        .item("Loyalty discount", 1, dec("-5.00"))
        .send_email(false);
    let inv = client(&server).invoices().create(&new).await.unwrap();
    assert_eq!(
        (inv.id, inv.invoice_number.as_str()),
        (7.into(), "INV-0007")
    );
    assert_eq!(inv.status, InvoiceStatus::Unpaid);
    assert_eq!(inv.total, dec("12.50"));
    assert_eq!(inv.amount_due, dec("12.50"));
    // `2026-08-01` is midnight in Asia/Jakarta, sent back in UTC.
    assert_eq!(inv.due_date, ts("2026-07-31T17:00:00Z"));
    assert_eq!(inv.due_day(), NaiveDate::from_ymd_opt(2026, 8, 1).unwrap());
    assert_eq!(inv.user.as_ref().map(|u| u.id), Some(2.into()));
    assert_eq!(inv.items.as_ref().map(Vec::len), Some(1));
    assert_eq!(inv.created_at, ts("2026-12-03T07:46:26Z"));
    // Amounts travel as JSON numbers with their exact digits, never via f64.
    let req = only_request(&server).await;
    let body = String::from_utf8(req.body).unwrap();
    assert!(body.contains(r#""unit_price":12.50"#), "{body}");
    assert!(body.contains(r#""unit_price":-5.00"#), "{body}");
}

#[tokio::test]
async fn invoices_update_and_mark_paid() {
    let server = MockServer::start().await;
    api("PUT", "/invoices/7")
        .and(body_json(json!({"status": "paid"})))
        .respond_with(ok("invoices_update_status_paid.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/invoices/2")
        .and(body_json(json!({"due_date": "2026-09-15"})))
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
    // `invoices.update.status_paid`: paid, yet `paid_at` stays null.
    let paid = c.invoices().mark_paid(7).await.unwrap();
    assert_eq!(
        (paid.id, paid.status.clone()),
        (7.into(), InvoiceStatus::Paid)
    );
    assert_eq!(paid.paid_at, None);
    assert_eq!(paid.updated_at, ts("2026-12-03T07:46:28Z"));
    let update = InvoiceUpdate::new().due_date(NaiveDate::from_ymd_opt(2026, 9, 15).unwrap());
    assert_invoice_2(&c.invoices().update(2, &update).await.unwrap());
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
    api("GET", "/invoices/2")
        .respond_with(ok("invoices_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let i = client(&server).invoices().get(2).await.unwrap();
    assert_eq!((i.id, i.invoice_number.as_str()), (2.into(), "INV-0002"));
    assert_eq!(i.user, None, "a soft-deleted owner renders as null");
    assert_eq!(i.items, Some(Vec::new()));
    assert_eq!(i.total, dec("30.88"));
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
    // `money.show.19.99-9.99` sent this `amount_due`.
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
    assert_eq!(body["data"]["amount_due"], json!(30.88));
    assert_eq!(body["data"]["total"], json!("30.88"));
    let invoice: Invoice = serde_json::from_value(body["data"].clone()).unwrap();
    let written = serde_json::to_value(&invoice).unwrap();
    for field in ["subtotal", "discount", "tax", "total", "amount_due"] {
        assert!(written[field].is_string(), "{field}: {}", written[field]);
    }
    assert_eq!(written["amount_due"], json!("30.88"));
    assert_eq!(written["total"], json!("30.88"));
    assert_eq!(written["tax"], json!("0.00"));
    let back: Invoice = serde_json::from_value(written).unwrap();
    assert_eq!(back, invoice);
}

/// `money.show.0.30-0.10` (seq 235) as the real server sent it: a total of
/// 0.30 less a payment of 0.10 is `0.19999999999999998`, read as `0.20`.
#[tokio::test]
async fn the_recorded_float_amount_due_is_read_as_cents() {
    let text = fixture("invoices_show_money_0.30-0.10.json");
    assert_eq!(amount_due_token(&text), "0.19999999999999998");
    let server = MockServer::start().await;
    api("GET", "/invoices/10")
        .respond_with(ok("invoices_show_money_0.30-0.10.json"))
        .expect(1)
        .mount(&server)
        .await;
    let invoice = client(&server).invoices().get(10).await.unwrap();
    assert_eq!(
        (invoice.id, invoice.invoice_number.as_str()),
        (10.into(), "INV-0010")
    );
    assert_eq!(invoice.total.to_string(), "0.30");
    assert_eq!(invoice.amount_due.to_string(), "0.20");
    assert_eq!(invoice.user.as_ref().map(|u| u.id), Some(5.into()));
}
