//! Invoice endpoints, the invoice union, and the safe create.

use billkit::billy::{
    Invoice, InvoiceKind, InvoiceStatus, InvoiceType, NewAdjustment, NewInvoice, NewItem,
    TransactionType,
};
use billkit::Error;
use wiremock::matchers::{body_string, header, query_param};
use wiremock::ResponseTemplate;

use crate::*;

/// The seed's curl example, with the keys the server really reads.
const SEED_FORM: &str = "customer_guid=CU4NheTMcQqXgmAtg1aGTJPK&amount=1000\
&appears_on_statement_as=FooBar+Hosting\
&item_name1=Hosting+Service+A&item_amount1=1000\
&adjustment_amount1=-100&adjustment_reason1=Coupon+discount";

fn seed_invoice() -> NewInvoice {
    NewInvoice::new("CU4NheTMcQqXgmAtg1aGTJPK", c(1000))
        .appears_on_statement_as("FooBar Hosting")
        .item(NewItem::new("Hosting Service A", c(1000)))
        .adjustment(NewAdjustment::new(c(-100)).reason("Coupon discount"))
}

#[tokio::test]
async fn create_sends_real_item_and_adjustment_keys() {
    let (server, client) = setup().await;
    authed("POST", "/v1/invoices")
        .and(header("content-type", FORM))
        .and(body_string(SEED_FORM))
        .respond_with(json("invoice_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let invoice = client.invoices().create(&seed_invoice()).await.unwrap();
    assert_seed_invoice(&invoice, None);
    let body = only_body(&server).await;
    // The documented keys are silently ignored by the server: never send them.
    assert!(!body.contains("adjustments_"), "{body}");
    assert!(!body.contains("quanity"), "{body}");
}

#[tokio::test]
async fn create_with_every_field_numbers_items_and_adjustments_in_order() {
    let (server, client) = setup().await;
    let want = concat!(
        "customer_guid=CU4NheTMcQqXgmAtg1aGTJPK&amount=4000",
        "&funding_instrument_uri=%2Fv1%2Fmarketplaces%2FTEST-MP6lD3dBpta7OAXJsN766qA%2Fcards%2FCCBXYdbpYDwX68hv69UH1eS",
        "&title=November+%26+hosting&external_id=order-42&appears_on_statement_as=FooBar+Hosting",
        "&item_name1=Hosting+Service+A&item_amount1=1000&item_type1=Hosting&item_quantity1=1",
        "&item_name2=Bandwidth&item_amount2=3000&item_type2=Bandwidth&item_quantity2=2&item_volume2=300&item_unit2=GB",
        "&adjustment_amount1=-1000&adjustment_reason1=Coupon+discount",
        "&adjustment_amount2=200",
    );
    authed("POST", "/v1/invoices")
        .and(body_string(want))
        .respond_with(json("invoice_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewInvoice::new("CU4NheTMcQqXgmAtg1aGTJPK", c(4000))
        .funding_instrument_uri(CARD)
        .title("November & hosting")
        .external_id("order-42")
        .appears_on_statement_as("FooBar Hosting")
        .items([
            NewItem::new("Hosting Service A", c(1000))
                .item_type("Hosting")
                .quantity(1),
            NewItem::new("Bandwidth", c(3000))
                .item_type("Bandwidth")
                .quantity(2)
                .volume(300)
                .unit("GB"),
        ])
        .adjustments([
            NewAdjustment::new(c(-1000)).reason("Coupon discount"),
            NewAdjustment::new(c(200)),
        ]);
    client.invoices().create(&new).await.unwrap();
}

#[tokio::test]
async fn zero_amount_invoice_is_allowed() {
    let (server, client) = setup().await;
    authed("POST", "/v1/invoices")
        .and(body_string("customer_guid=CU1&amount=0"))
        .respond_with(json("invoice_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    client
        .invoices()
        .create(&NewInvoice::new("CU1", c(0)))
        .await
        .unwrap();
}

#[tokio::test]
async fn get_list_and_list_by_external_id() {
    let (server, client) = setup().await;
    authed("GET", "/v1/invoices/IV4gVtDyP3CD9zQyv8AtPwx5")
        .respond_with(json("invoice_get.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET", "/v1/invoices")
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .and(|r: &wiremock::Request| !r.url.query().unwrap_or("").contains("external_id"))
        .respond_with(json("invoice_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET", "/v1/invoices")
        .and(query_param("external_id", "order-42"))
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("invoice_list_external_id.json"))
        .expect(1)
        .mount(&server)
        .await;
    assert_seed_invoice(
        &client
            .invoices()
            .get("IV4gVtDyP3CD9zQyv8AtPwx5")
            .await
            .unwrap(),
        None,
    );
    let all = client.invoices().list().collect_all().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_seed_invoice(&all[0], Some(CARD));
    let found = client
        .invoices()
        .list_by_external_id("order-42")
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(found[0].external_id(), Some("order-42"));
    assert!(client
        .invoices()
        .list_by_external_id(" ")
        .unwrap_err()
        .is_invalid_input());
}

#[tokio::test]
async fn update_funding_instrument_is_a_form_put() {
    let (server, client) = setup().await;
    authed("PUT", "/v1/invoices/IV4gVtDyP3CD9zQyv8AtPwx5")
        .and(header("content-type", FORM))
        .and(body_string(
            "funding_instrument_uri=%2Fv1%2Fmarketplaces%2FTEST-MP6lD3dBpta7OAXJsN766qA%2Fcards%2FCCBXYdbpYDwX68hv69UH1eS",
        ))
        .respond_with(json("invoice_update.json"))
        .expect(1)
        .mount(&server)
        .await;
    let inv = client
        .invoices()
        .update_funding_instrument("IV4gVtDyP3CD9zQyv8AtPwx5", CARD)
        .await
        .unwrap();
    assert_seed_invoice(&inv, Some(CARD));
}

#[tokio::test]
async fn refund_and_cancel() {
    let (server, client) = setup().await;
    authed("POST", "/v1/invoices/IV4gVtDyP3CD9zQyv8AtPwx5/refund")
        .and(body_string("amount=1000"))
        .respond_with(json("invoice_refund.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("POST", "/v1/invoices/IV4gVtDyP3CD9zQyv8AtPwx5/cancel")
        .and(body_string(""))
        .respond_with(json("invoice_cancel.json"))
        .expect(1)
        .mount(&server)
        .await;
    let inv = client
        .invoices()
        .refund("IV4gVtDyP3CD9zQyv8AtPwx5", c(1000))
        .await
        .unwrap();
    assert_seed_invoice(&inv, Some(CARD));
    let inv = client
        .invoices()
        .cancel("IV4gVtDyP3CD9zQyv8AtPwx5")
        .await
        .unwrap();
    assert_eq!(inv.status, InvoiceStatus::Canceled);
    assert_eq!(inv.effective_amount, c(900));
}

#[tokio::test]
async fn transactions_of_an_invoice() {
    let (server, client) = setup().await;
    authed("GET", "/v1/invoices/IV4SUGxQ3hu2ZB6FU5NXNj4u/transactions")
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("transaction_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let txs = client
        .invoices()
        .transactions("IV4SUGxQ3hu2ZB6FU5NXNj4u")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(txs.len(), 1);
    assert_seed_transaction(&txs[0]);
}

#[tokio::test]
async fn subscription_invoice_has_no_customer_guid() {
    let (server, client) = setup().await;
    authed("GET", "/v1/invoices/IV4SUGxQ3hu2ZB6FU5NXNj4u")
        .respond_with(json("invoice_subscription.json"))
        .expect(1)
        .mount(&server)
        .await;
    let inv = client
        .invoices()
        .get("IV4SUGxQ3hu2ZB6FU5NXNj4u")
        .await
        .unwrap();
    assert_eq!(
        inv.kind,
        InvoiceKind::Subscription {
            subscription_guid: "SU4ST39srWVLGbiTg174QyfF".into(),
            scheduled_at: ts("2030-01-31T18:00:00+00:00"),
        }
    );
    assert_eq!(inv.invoice_type(), InvoiceType::Subscription);
    assert_eq!(inv.customer_guid(), None);
    assert_eq!(inv.external_id(), None);
    assert_eq!(inv.scheduled_at(), Some(ts("2030-01-31T18:00:00+00:00")));
    assert_eq!(inv.status, InvoiceStatus::Settled);
    assert_eq!(inv.transaction_type, TransactionType::Debit);
    assert_eq!(
        (
            inv.amount,
            inv.effective_amount,
            inv.total_adjustment_amount
        ),
        (c(500), c(500), c(0))
    );
    assert!(inv.items.is_empty() && inv.adjustments.is_empty());
    assert_eq!(inv.created_at, ts("2030-01-31T18:00:00+00:00"));
    assert_eq!(inv.updated_at, ts("2026-11-21T12:01:12.654086+00:00"));
}

#[test]
fn unknown_invoice_types_and_statuses_are_kept() {
    let inv: Invoice = serde_json::from_str(&fixture("invoice_unknown_type.json")).unwrap();
    assert_eq!(inv.invoice_type(), InvoiceType::Unknown("payout".into()));
    assert_eq!(
        inv.kind,
        InvoiceKind::Unknown {
            invoice_type: "payout".into(),
            customer_guid: Some("CU4NheTMcQqXgmAtg1aGTJPK".into()),
            external_id: None,
            subscription_guid: None,
            scheduled_at: None,
        }
    );
    assert_eq!(inv.status, InvoiceStatus::Unknown("on_hold".into()));
    assert_eq!(inv.transaction_type, TransactionType::Credit);
    assert_eq!(inv.customer_guid(), Some("CU4NheTMcQqXgmAtg1aGTJPK"));
}

#[test]
fn invoices_round_trip_through_serde() {
    for name in [
        "invoice_get.json",
        "invoice_subscription.json",
        "invoice_unknown_type.json",
    ] {
        let inv: Invoice = serde_json::from_str(&fixture(name)).unwrap();
        let again: Invoice = serde_json::from_str(&serde_json::to_string(&inv).unwrap()).unwrap();
        assert_eq!(inv, again, "{name}");
    }
    let text = serde_json::to_string(
        &serde_json::from_str::<Invoice>(&fixture("invoice_subscription.json")).unwrap(),
    )
    .unwrap();
    assert!(!text.contains("customer_guid"), "{text}");
    assert!(text.contains("\"invoice_type\":\"subscription\""), "{text}");
}

#[tokio::test]
async fn a_broken_invoice_is_a_decode_error_not_a_panic() {
    let (server, client) = setup().await;
    let body = fixture("invoice_subscription.json").replace("\"subscription_guid\"", "\"x\"");
    authed("GET", "/v1/invoices/IV1")
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let err = client.invoices().get("IV1").await.unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert!(d.message().contains("no subscription_guid"), "{err}");
    let body = fixture("invoice_get.json").replace("\"amount\": 1000", "\"amount\": 10.5");
    authed("GET", "/v1/invoices/IV2")
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let err = client.invoices().get("IV2").await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

// ---- a create whose answer was lost is looked up, not blindly re-sent ----

async fn mount_lost_create(server: &wiremock::MockServer) {
    authed("POST", "/v1/invoices")
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
}

fn posts(reqs: &[wiremock::Request]) -> usize {
    reqs.iter().filter(|r| r.method.as_str() == "POST").count()
}

#[tokio::test]
async fn lost_create_with_external_id_is_found_by_lookup() {
    let (server, client) = setup().await;
    mount_lost_create(&server).await;
    authed("GET", "/v1/invoices")
        .and(query_param("external_id", "order-42"))
        .respond_with(json("invoice_list_external_id.json"))
        .expect(1)
        .mount(&server)
        .await;
    let inv = client
        .invoices()
        .create(&seed_invoice().external_id("order-42"))
        .await
        .unwrap();
    assert_eq!(inv.external_id(), Some("order-42"));
    assert_eq!(posts(&server.received_requests().await.unwrap()), 1);
}

#[tokio::test]
async fn lost_create_not_found_is_sent_once_more() {
    let (server, client) = setup().await;
    mount_lost_create(&server).await;
    authed("GET", "/v1/invoices")
        .and(query_param("external_id", "order-42"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"items": [], "limit": 20, "offset": 0}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    authed("POST", "/v1/invoices")
        .respond_with(json("invoice_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let inv = client
        .invoices()
        .create(&seed_invoice().external_id("order-42"))
        .await
        .unwrap();
    assert_seed_invoice(&inv, None);
    assert_eq!(posts(&server.received_requests().await.unwrap()), 2);
}

#[tokio::test]
async fn lost_create_without_external_id_is_not_resent() {
    let (server, client) = setup().await;
    mount_lost_create(&server).await;
    let err = client.invoices().create(&seed_invoice()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "no lookup, no second POST");
}

#[tokio::test]
async fn a_refused_create_is_not_looked_up() {
    let (server, client) = setup().await;
    authed("POST", "/v1/invoices")
        .respond_with(ResponseTemplate::new(409).set_body_raw(
            fixture("error_409_duplicate_external_id.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .invoices()
        .create(&seed_invoice().external_id("order-42"))
        .await
        .unwrap_err();
    assert!(billkit::billy::is_duplicate_external_id(&err), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
