//! Invoice endpoints, the invoice union, and the safe create.

use billkit::Error;
use billkit::billy::{
    Invoice, InvoiceKind, InvoiceStatus, InvoiceType, NewAdjustment, NewInvoice, NewItem,
    SubmitStatus, TransactionStatus, TransactionType,
};
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_string, header, query_param};

use crate::*;

/// The seed's curl example, with the keys the server really reads.
const SEED_FORM: &str = "customer_guid=CU4NheTMcQqXgmAtg1aGTJPK&amount=1000\
&appears_on_statement_as=FooBar+Hosting\
&item_name1=Hosting+Service+A&item_amount1=1000\
&adjustment_amount1=-100&adjustment_reason1=Coupon+discount";

fn seed_invoice() -> NewInvoice {
    NewInvoice::new(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK"), c(1000))
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
    let new = NewInvoice::new(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK"), c(4000))
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
        .and(body_string(
            "customer_guid=CU4NheTMcQqXgmAtg1aGTJPK&amount=0",
        ))
        .respond_with(json("invoice_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    client
        .invoices()
        .create(&NewInvoice::new(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK"), c(0)))
        .await
        .unwrap();
}

#[tokio::test]
async fn get_list_and_list_filtered_by_external_id() {
    let (server, client) = setup().await;
    authed("GET", "/v1/invoices/IV4gVtDyP3CD9zQyv8AtPwx5")
        .respond_with(json("invoice_get.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET", "/v1/invoices")
        .and(query_param("offset", "0"))
        .and(query_param("limit", "3"))
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
            .get(&iv_id("IV4gVtDyP3CD9zQyv8AtPwx5"))
            .await
            .unwrap(),
        None,
    );
    // The newest three: a staged one, the negative wart, one of amount 0.
    let page = client
        .invoices()
        .list(&InvoiceFilter::new())
        .per_page(3)
        .page(1)
        .await
        .unwrap();
    let got: Vec<_> = page
        .items
        .iter()
        .map(|i| {
            (
                i.guid.as_str(),
                i.status.as_str(),
                i.amount,
                i.effective_amount,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("IV1S9Ssf25SvRKtvncVYJP9p", "staged", c(1000), c(1000)),
            ("IVWLxu9sLCc6jesDi1TyAKVe", "settled", c(100), c(-200)),
            ("IVX14DWJSohMh1d895aSYb3Z", "settled", c(0), c(0)),
        ]
    );
    assert_eq!(
        page.items[1].created_at,
        ts("2026-11-29T22:39:48.635073+00:00")
    );
    assert_eq!(
        page.items[1].updated_at,
        ts("2026-11-29T22:39:48.683882+00:00")
    );
    let found = client
        .invoices()
        .list(&InvoiceFilter::new().external_id("order-42"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_order_42(&found[0], InvoiceStatus::Staged);
    assert!(
        client
            .invoices()
            .list(&InvoiceFilter::new().external_id(" "))
            .collect_all()
            .await
            .unwrap_err()
            .is_invalid_input()
    );
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
        .update_funding_instrument(&iv_id("IV4gVtDyP3CD9zQyv8AtPwx5"), CARD)
        .await
        .unwrap();
    assert_seed_invoice(&inv, Some(CARD));
}

#[tokio::test]
async fn refund_and_cancel() {
    let (server, client) = setup().await;
    authed("POST", "/v1/invoices/IV4gVtDyP3CD9zQyv8AtPwx5/refund")
        .and(body_string("amount=300"))
        .respond_with(json("invoice_refund.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("POST", "/v1/invoices/IVXtHbG7aFr2YELzXB8FdHcq/cancel")
        .and(body_string(""))
        .respond_with(json("invoice_cancel.json"))
        .expect(1)
        .mount(&server)
        .await;
    // Billy answers a refund with the invoice, unchanged.
    let inv = client
        .invoices()
        .refund(&iv_id("IV4gVtDyP3CD9zQyv8AtPwx5"), c(300))
        .await
        .unwrap();
    assert_seed_invoice(&inv, Some(CARD));
    let inv = client
        .invoices()
        .cancel(&iv_id("IVXtHbG7aFr2YELzXB8FdHcq"))
        .await
        .unwrap();
    assert_order_42(&inv, InvoiceStatus::Canceled);
}

/// The invoice with `external_id` order-42 and every item field.
fn assert_order_42(i: &Invoice, status: InvoiceStatus) {
    assert_eq!(i.guid, "IVXtHbG7aFr2YELzXB8FdHcq");
    assert_eq!(
        i.kind,
        InvoiceKind::Customer {
            customer_guid: cu_id("CU4NheTMcQqXgmAtg1aGTJPK"),
            external_id: Some("order-42".into()),
        }
    );
    assert_eq!(i.status, status);
    assert_eq!(i.title.as_deref(), Some("Setup"));
    assert_eq!(
        (i.amount, i.effective_amount, i.total_adjustment_amount),
        (c(1000), c(1000), c(0))
    );
    assert_eq!(i.funding_instrument_uri, None);
    assert_eq!(i.items.len(), 1);
    let item = &i.items[0];
    assert_eq!(
        (
            item.name.as_str(),
            item.amount,
            item.item_type.as_deref(),
            item.quantity,
            item.volume,
            item.unit.as_deref()
        ),
        (
            "Hosting Service A",
            c(1000),
            Some("Hosting"),
            Some(2),
            Some(3),
            Some("months")
        )
    );
    assert!(i.adjustments.is_empty());
    // Canceling does not move `updated_at`.
    assert_eq!(i.created_at, ts(ORDER_42_AT));
    assert_eq!(i.updated_at, ts(ORDER_42_AT));
}

const ORDER_42_AT: &str = "2026-11-29T22:39:48.130238+00:00";

#[tokio::test]
async fn transactions_of_an_invoice() {
    let (server, client) = setup().await;
    authed("GET", "/v1/invoices/IV4gVtDyP3CD9zQyv8AtPwx5/transactions")
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("invoice_transactions.json"))
        .expect(1)
        .mount(&server)
        .await;
    let txs = client
        .transactions()
        .list_for_invoice(&iv_id("IV4gVtDyP3CD9zQyv8AtPwx5"))
        .collect_all()
        .await
        .unwrap();
    // Newest first: the refund (no instrument, no statement text), then the charge.
    assert_eq!(txs.len(), 2);
    let refund = &txs[0];
    assert_eq!(refund.guid, "TXBRST1jEdBCVwikAZTnLxTJ");
    assert_eq!(refund.invoice_guid, "IV4gVtDyP3CD9zQyv8AtPwx5");
    assert_eq!(refund.transaction_type, TransactionType::Refund);
    assert_eq!(refund.submit_status, SubmitStatus::Done);
    assert_eq!(refund.status, Some(TransactionStatus::Succeeded));
    assert_eq!(refund.amount, c(300));
    assert_eq!(refund.funding_instrument_uri, None);
    assert_eq!(refund.processor_uri.as_deref(), Some("MOCK_REFUND_TX_URI"));
    assert_eq!(refund.appears_on_statement_as, None);
    assert_eq!(refund.created_at, ts("2026-11-29T22:39:47.965083+00:00"));
    assert_eq!(refund.updated_at, ts("2026-11-29T22:39:47.994072+00:00"));
    let charge = &txs[1];
    assert_eq!(charge.guid, "TXAZRscbzPxAtHLdLQSxVzsX");
    assert_eq!(charge.transaction_type, TransactionType::Debit);
    assert_eq!(charge.amount, c(900));
    assert_eq!(charge.funding_instrument_uri.as_deref(), Some(CARD));
    assert_eq!(charge.processor_uri.as_deref(), Some("MOCK_DEBIT_TX_URI"));
    assert_eq!(
        charge.appears_on_statement_as.as_deref(),
        Some("FooBar Hosting")
    );
    assert_eq!(charge.created_at, ts("2026-11-29T22:39:47.879147+00:00"));
    assert_eq!(charge.updated_at, ts("2026-11-29T22:39:47.896241+00:00"));
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
        .get(&iv_id("IV4SUGxQ3hu2ZB6FU5NXNj4u"))
        .await
        .unwrap();
    assert_seed_subscription_invoice(&inv);
    assert_eq!(inv.invoice_type(), InvoiceType::Subscription);
    assert_eq!(
        inv.scheduled_at(),
        Some(ts("2026-11-29T22:39:47.505691+00:00"))
    );
}

#[test]
fn unknown_invoice_types_and_statuses_are_kept() {
    let inv: Invoice = serde_json::from_str(&fixture("invoice_unknown_type.json")).unwrap();
    assert_eq!(inv.invoice_type(), InvoiceType::Unknown("payout".into()));
    assert_eq!(
        inv.kind,
        InvoiceKind::Unknown {
            invoice_type: "payout".into(),
            customer_guid: Some(cu_id("CU4NheTMcQqXgmAtg1aGTJPK")),
            external_id: None,
            subscription_guid: None,
            scheduled_at: None,
        }
    );
    assert_eq!(inv.status, InvoiceStatus::Unknown("on_hold".into()));
    assert_eq!(inv.transaction_type, TransactionType::Credit);
    assert_eq!(
        inv.customer_guid(),
        Some(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK"))
    );
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
    let err = client.invoices().get(&iv_id("IV1")).await.unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert!(d.message().contains("no subscription_guid"), "{err}");
    let body = fixture("invoice_get.json").replace("\"amount\": 1000", "\"amount\": 10.5");
    authed("GET", "/v1/invoices/IV2")
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let err = client.invoices().get(&iv_id("IV2")).await.unwrap_err();
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
    assert!(err.is_duplicate_external_id(), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn find_by_external_id_reads_the_filtered_list_and_picks_the_customers_invoice() {
    let (server, client) = setup().await;
    authed("GET", "/v1/invoices")
        .and(query_param("external_id", "order-42"))
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("invoice_list_external_id.json"))
        .expect(2)
        .mount(&server)
        .await;
    let invoices = client.invoices();
    let found = invoices
        .find_by_external_id(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK"), "order-42")
        .await
        .unwrap();
    assert_order_42(&found.unwrap(), InvoiceStatus::Staged);
    // Another customer's invoice with the same id is not this customer's.
    let other = invoices
        .find_by_external_id(&cu_id("CU1111111111111111111111"), "order-42")
        .await
        .unwrap();
    assert_eq!(other, None);
    // A blank id is refused before anything is sent (2 requests so far).
    let err = invoices
        .find_by_external_id(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK"), " ")
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
