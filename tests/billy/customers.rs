//! Customer endpoints.

use billkit::billy::NewCustomer;
use wiremock::matchers::{body_string, header, query_param};

use crate::*;

#[tokio::test]
async fn create_without_fields_sends_an_empty_form() {
    let (server, client) = setup().await;
    authed("POST", "/v1/customers")
        .and(header("content-type", FORM))
        .and(body_string(""))
        .respond_with(json("customer_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let cu = client
        .customers()
        .create(&NewCustomer::new())
        .await
        .unwrap();
    assert_seed_customer(&cu, false);
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
    authed("DELETE", "/v1/customers/CU4NheTMcQqXgmAtg1aGTJPK")
        .respond_with(json("customer_delete.json"))
        .expect(1)
        .mount(&server)
        .await;
    let cu = client
        .customers()
        .get("CU4NheTMcQqXgmAtg1aGTJPK")
        .await
        .unwrap();
    assert_seed_customer(&cu, false);
    let cu = client
        .customers()
        .delete("CU4NheTMcQqXgmAtg1aGTJPK")
        .await
        .unwrap();
    assert_seed_customer(&cu, true);
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
    let all = client.customers().list().collect_all().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_seed_customer(&all[0], false);
}

#[tokio::test]
async fn list_by_processor_uri_keeps_the_filter() {
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
        .list_by_processor_uri("/v1/customers/CUCChwFzuMRlBGgoBwjRgqr")
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert_seed_customer(&all[0], false);
    assert!(client
        .customers()
        .list_by_processor_uri("")
        .unwrap_err()
        .is_invalid_input());
}

#[tokio::test]
async fn sub_lists() {
    let (server, client) = setup().await;
    for (sub, body) in [
        ("invoices", "invoice_list.json"),
        ("subscriptions", "subscription_list.json"),
        ("transactions", "transaction_list.json"),
    ] {
        authed(
            "GET",
            &format!("/v1/customers/CU4NheTMcQqXgmAtg1aGTJPK/{sub}"),
        )
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json(body))
        .expect(1)
        .mount(&server)
        .await;
    }
    let customers = client.customers();
    let invoices = customers
        .invoices("CU4NheTMcQqXgmAtg1aGTJPK")
        .collect_all()
        .await
        .unwrap();
    assert_seed_invoice(&invoices[0], Some(CARD));
    let subs = customers
        .subscriptions("CU4NheTMcQqXgmAtg1aGTJPK")
        .collect_all()
        .await
        .unwrap();
    assert_seed_subscription(&subs[0], false);
    let txs = customers
        .transactions("CU4NheTMcQqXgmAtg1aGTJPK")
        .collect_all()
        .await
        .unwrap();
    assert_seed_transaction(&txs[0]);
}

#[tokio::test]
async fn a_guid_that_could_change_the_route_is_refused_before_sending() {
    let (server, client) = setup().await;
    for bad in ["CU1/../plans", "..", ".", "", "CU1\n", "CU1%2F..%2Fplans"] {
        let err = client.customers().delete(bad).await.unwrap_err();
        assert!(err.is_invalid_input(), "{bad:?}: {err}");
        let err = client.customers().get(bad).await.unwrap_err();
        assert!(err.is_invalid_input(), "{bad:?}: {err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
