//! Transaction endpoints and models.

use billkit::billy::{SubmitStatus, Transaction, TransactionType};
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
        .and(query_param("limit", "20"))
        .respond_with(json("transaction_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    assert_seed_transaction(
        &client
            .transactions()
            .get("TX4SVWm156bBTSY17KJKW88y")
            .await
            .unwrap(),
    );
    let all = client.transactions().list().collect_all().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_seed_transaction(&all[0]);
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
        .get("TX5kWXdZ8UL2fXfvMYdNLHkd")
        .await
        .unwrap();
    assert_eq!(t.status, None);
    assert_eq!(t.submit_status, SubmitStatus::Retrying);
    assert_eq!(t.transaction_type, TransactionType::Debit);
    assert_eq!(t.amount, c(1000));
    assert_eq!(t.processor_uri, None);
    assert_eq!(t.appears_on_statement_as.as_deref(), Some("FooBar Hosting"));
    assert_eq!(t.failure_count, 2);
    assert_eq!(t.failures.len(), 2);
    let f = &t.failures[0];
    assert_eq!(f.guid, "TF5kWXWkXg8tGNBvVKrbJmGq");
    assert_eq!(f.error_message.as_deref(), Some("Card was declined"));
    assert_eq!(f.error_number, Some(402));
    assert_eq!(f.error_code.as_deref(), Some("card-declined"));
    assert_eq!(f.created_at, ts("2026-11-21T12:01:13.1+00:00"));
    let g = &t.failures[1];
    assert_eq!(g.guid, "TF5kWXpVqX6nxnR7hXdHjzfT");
    assert_eq!(
        (
            g.error_message.as_ref(),
            g.error_number,
            g.error_code.as_ref()
        ),
        (None, None, None)
    );
    // No fraction at all.
    assert_eq!(g.created_at, ts("2026-11-21T12:31:13+00:00"));
    assert_eq!(t.updated_at, ts("2026-11-21T12:31:13+00:00"));
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
