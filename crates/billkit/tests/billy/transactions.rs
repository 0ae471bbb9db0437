//! Transaction endpoints and models.

use billkit::billy::{SubmitStatus, Transaction, TransactionStatus, TransactionType};
use wiremock::matchers::query_param;

use crate::*;

#[tokio::test]
async fn get_and_list() {
    let (server, client) = setup().await;
    authed("GET", "/v1/transactions/TX4SVWm156bBTSY17KJKW88y")
        .respond_with(json("transaction_get.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET", "/v1/transactions")
        .and(query_param("offset", "0"))
        .and(query_param("limit", "2"))
        .respond_with(json("transaction_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    assert_seed_transaction(
        &client
            .transactions()
            .get(&tx_id("TX4SVWm156bBTSY17KJKW88y"))
            .await
            .unwrap(),
    );
    // The newest two: a charge canceled while retrying, and Billy's
    // succeeded debit of a negative amount.
    let page = client
        .transactions()
        .list()
        .per_page(2)
        .page(1)
        .await
        .unwrap();
    let t = &page.items[0];
    assert_eq!(t.guid, "TXDornQZjSGtq9YgREwiDAs7");
    assert_eq!(t.invoice_guid, "IVUeNdbcfQyreCeNEq9au8K4");
    assert_eq!(t.transaction_type, TransactionType::Debit);
    assert_eq!(t.submit_status, SubmitStatus::Canceled);
    assert_eq!(t.status, None);
    assert_eq!(t.amount, c(700));
    assert_eq!(t.processor_uri, None);
    assert_eq!(
        t.funding_instrument_uri.as_deref(),
        Some("/v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCDECLINED")
    );
    assert_eq!(t.failure_count, 1);
    assert_eq!(t.created_at, ts("2026-11-29T22:41:47.450793+00:00"));
    assert_eq!(t.updated_at, ts("2026-11-29T22:41:47.569428+00:00"));
    let t = &page.items[1];
    assert_eq!(t.guid, "TX5seUBZBCW5EXgYjcnxAYD4");
    assert_eq!(t.submit_status, SubmitStatus::Done);
    assert_eq!(t.status, Some(TransactionStatus::Succeeded));
    assert_eq!(t.amount, c(-200));
    assert_eq!(t.processor_uri.as_deref(), Some("MOCK_DEBIT_TX_URI"));
    assert_eq!(t.funding_instrument_uri.as_deref(), Some(CARD));
    assert_eq!(t.failure_count, 0);
    assert_eq!(t.created_at, ts("2026-11-29T22:41:47.295478+00:00"));
    assert_eq!(t.updated_at, ts("2026-11-29T22:41:47.322171+00:00"));
}

#[tokio::test]
async fn a_retrying_transaction_has_null_status_and_typed_failures() {
    let (server, client) = setup().await;
    authed("GET", "/v1/transactions/TX5kWXdZ8UL2fXfvMYdNLHkd")
        .respond_with(json("transaction_failed.json"))
        .expect(1)
        .mount(&server)
        .await;
    let t = client
        .transactions()
        .get(&tx_id("TX5kWXdZ8UL2fXfvMYdNLHkd"))
        .await
        .unwrap();
    assert_eq!(t.status, None);
    assert_eq!(t.submit_status, SubmitStatus::Retrying);
    assert_eq!(t.transaction_type, TransactionType::Debit);
    assert_eq!(t.amount, c(1000));
    assert_eq!(t.processor_uri, None);
    assert_eq!(t.appears_on_statement_as.as_deref(), Some("FooBar Hosting"));
    assert_eq!(t.failure_count, 1);
    assert_eq!(t.failures.len(), 1);
    let f = &t.failures[0];
    assert_eq!(f.guid, "TF6YoA7Mf4mAAEDSk7JMXbQB");
    // The local server's scripted processor raised; Billy keeps its text
    // and has no number or code for it.
    assert_eq!(
        f.error_message.as_deref(),
        Some(
            "Scripted processor failure for /v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCDECLINED"
        )
    );
    assert_eq!(f.error_number, None);
    assert_eq!(f.error_code, None);
    assert_eq!(f.created_at, ts("2026-11-29T22:39:48.448353+00:00"));
    assert_eq!(t.created_at, ts("2026-11-29T22:39:48.424625+00:00"));
    assert_eq!(t.updated_at, ts("2026-11-29T22:39:48.446088+00:00"));
}

#[test]
fn transaction_enums_are_open() {
    let body = fixture("transaction_get.json")
        .replace("\"debit\"", "\"chargeback\"")
        .replace("\"done\"", "\"queued\"")
        .replace("\"succeeded\"", "\"disputed\"");
    let t: Transaction = serde_json::from_str(&body).unwrap();
    assert_eq!(
        t.transaction_type,
        TransactionType::Unknown("chargeback".into())
    );
    assert_eq!(t.submit_status.as_str(), "queued");
    assert_eq!(t.status.as_ref().map(|s| s.as_str()), Some("disputed"));
    for (wire, want) in [
        ("refund", TransactionType::Refund),
        ("reverse", TransactionType::Reverse),
    ] {
        let t: TransactionType = serde_json::from_str(&format!("\"{wire}\"")).unwrap();
        assert_eq!(t, want);
    }
}
