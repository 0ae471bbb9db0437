//! Customer endpoints.

use billkit::billy::{NewCustomer, TransactionStatus};
use wiremock::matchers::{body_string, header, query_param};

use crate::*;

#[tokio::test]
async fn create_without_fields_sends_an_empty_form() {
    let (server, client) = setup().await;
    authed("POST", "/v1/customers")
        .and(header("content-type", FORM))
        .and(body_string(""))
        .respond_with(json("customer_create_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let cu = client
        .customers()
        .create(&NewCustomer::new())
        .await
        .unwrap();
    assert_bare_customer(&cu, false, "2026-11-29T22:39:47.328659+00:00");
}

/// The customer created without fields: the processor gave it a URI.
fn assert_bare_customer(cu: &billkit::billy::Customer, deleted: bool, created: &str) {
    assert_eq!(cu.guid, "CURGJN3rG3Fozkpg3ueXu76z");
    assert_eq!(cu.company_guid, "CP4MXZG4ThUdbLpiX8e9Yx3j");
    assert_eq!(cu.processor_uri.as_deref(), Some("MOCK_CUSTOMER_URI"));
    assert_eq!(cu.deleted, deleted);
    assert_eq!(cu.created_at, ts(created));
    assert_eq!(cu.updated_at, ts(created));
}

#[tokio::test]
async fn create_with_processor_uri() {
    let (server, client) = setup().await;
    authed("POST", "/v1/customers")
        .and(body_string(
            "processor_uri=%2Fv1%2Fcustomers%2FCUCChwFzuMRlBGgoBwjRgqr",
        ))
        .respond_with(json("customer_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let cu = client
        .customers()
        .create(&NewCustomer::new().processor_uri("/v1/customers/CUCChwFzuMRlBGgoBwjRgqr"))
        .await
        .unwrap();
    assert_seed_customer(&cu, false);
}

#[tokio::test]
async fn get_and_delete() {
    let (server, client) = setup().await;
    authed("GET", "/v1/customers/CU4NheTMcQqXgmAtg1aGTJPK")
        .respond_with(json("customer_get.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("DELETE", "/v1/customers/CURGJN3rG3Fozkpg3ueXu76z")
        .respond_with(json("customer_delete.json"))
        .expect(1)
        .mount(&server)
        .await;
    let cu = client
        .customers()
        .get(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK"))
        .await
        .unwrap();
    assert_seed_customer(&cu, false);
    // A soft delete; Billy leaves `updated_at` as it was.
    let cu = client
        .customers()
        .delete(&cu_id("CURGJN3rG3Fozkpg3ueXu76z"))
        .await
        .unwrap();
    assert_bare_customer(&cu, true, "2026-11-29T22:39:47.328659+00:00");
}

#[tokio::test]
async fn list() {
    let (server, client) = setup().await;
    authed("GET", "/v1/customers")
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("customer_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let all = client
        .customers()
        .list(&CustomerFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_seed_customer(&all[0], false);
}

#[tokio::test]
async fn list_filtered_by_processor_uri_keeps_the_filter() {
    let (server, client) = setup().await;
    authed("GET", "/v1/customers")
        .and(query_param(
            "processor_uri",
            "/v1/customers/CUCChwFzuMRlBGgoBwjRgqr",
        ))
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("customer_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let all = client
        .customers()
        .list(&CustomerFilter::new().processor_uri("/v1/customers/CUCChwFzuMRlBGgoBwjRgqr"))
        .collect_all()
        .await
        .unwrap();
    assert_seed_customer(&all[0], false);
    assert!(
        client
            .customers()
            .list(&CustomerFilter::new().processor_uri(""))
            .collect_all()
            .await
            .unwrap_err()
            .is_invalid_input()
    );
}

#[tokio::test]
async fn sub_lists() {
    let (server, client) = setup().await;
    for sub in ["invoices", "subscriptions", "transactions"] {
        authed(
            "GET",
            &format!("/v1/customers/CU4NheTMcQqXgmAtg1aGTJPK/{sub}"),
        )
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json(&format!("customer_{sub}.json")))
        .expect(1)
        .mount(&server)
        .await;
    }
    // The customer's one-off invoices, newest first.
    let invoices = client
        .invoices()
        .list_for_customer(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK"))
        .collect_all()
        .await
        .unwrap();
    let got: Vec<_> = invoices
        .iter()
        .map(|i| {
            (
                i.guid.as_str(),
                i.status.as_str(),
                i.amount,
                i.effective_amount,
                i.external_id(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("IVTFthMKpUqZyGLxeU9nvEdk", "canceled", c(300), c(300), None),
            (
                "IVPjvCYgEd1Gjk5iJLnNDt1p",
                "processing",
                c(700),
                c(700),
                None
            ),
            ("IV1S9Ssf25SvRKtvncVYJP9p", "staged", c(1000), c(1000), None),
            // Billy's wart: settled below zero.
            ("IVWLxu9sLCc6jesDi1TyAKVe", "settled", c(100), c(-200), None),
            ("IVX14DWJSohMh1d895aSYb3Z", "settled", c(0), c(0), None),
            (
                "IV5kWXdZ8UL2fXfvMYdNLHkd",
                "canceled",
                c(1000),
                c(1000),
                None
            ),
            (
                "IVXtHbG7aFr2YELzXB8FdHcq",
                "canceled",
                c(1000),
                c(1000),
                Some("order-42")
            ),
            ("IV4gVtDyP3CD9zQyv8AtPwx5", "settled", c(1000), c(900), None),
        ]
    );
    assert_seed_invoice(&invoices[7], Some(CARD));
    let subs = client
        .subscriptions()
        .list_for_customer(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0].guid, "SU5LKCkL2zsVbB8ekbD3CHuV");
    assert_seed_subscription(&subs[1], true);
    // Transactions of the one-off invoices only (not the subscription's).
    let txs = client
        .transactions()
        .list_for_customer(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK"))
        .collect_all()
        .await
        .unwrap();
    let got: Vec<_> = txs
        .iter()
        .map(|t| {
            (
                t.guid.as_str(),
                t.transaction_type.as_str(),
                t.submit_status.as_str(),
                t.status.clone(),
                t.amount,
                t.invoice_guid.as_str(),
            )
        })
        .collect();
    let ok = Some(TransactionStatus::Succeeded);
    assert_eq!(
        got,
        [
            (
                "TX8WERgk6jkSX398X941YzhU",
                "debit",
                "canceled",
                None,
                c(700),
                "IVPjvCYgEd1Gjk5iJLnNDt1p"
            ),
            (
                "TXXTj8bmxB91bYSu81hXSZQR",
                "debit",
                "done",
                ok.clone(),
                c(-200),
                "IVWLxu9sLCc6jesDi1TyAKVe"
            ),
            (
                "TX5kWXdZ8UL2fXfvMYdNLHkd",
                "debit",
                "canceled",
                None,
                c(1000),
                "IV5kWXdZ8UL2fXfvMYdNLHkd"
            ),
            (
                "TXBRST1jEdBCVwikAZTnLxTJ",
                "refund",
                "done",
                ok.clone(),
                c(300),
                "IV4gVtDyP3CD9zQyv8AtPwx5"
            ),
            (
                "TXAZRscbzPxAtHLdLQSxVzsX",
                "debit",
                "done",
                ok,
                c(900),
                "IV4gVtDyP3CD9zQyv8AtPwx5"
            ),
        ]
    );
}
