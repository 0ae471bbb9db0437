//! Confirming a notification against its order: the exact request BillPro
//! receives for each of the two candidate order-id fields, and typed
//! errors for a payload without a usable reference (nothing sent then).

use billkit::billpro::notifications::{
    ConfirmError, Notification, OrderField, OrderKey, OrderLocator, OrderRef, OrderVerdict,
    PaymentPayload,
};
use billkit::billpro::{Client, OrderId, OrderStatus};
use billkit::http::RetryPolicy;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "notification-test-token";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .profile_id(5)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn order_json(status: &str) -> String {
    let path = format!(
        "{}/fixtures/billpro/order_single_payment.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap().replace(
        r#""status": "pending""#,
        &format!(r#""status": "{status}""#),
    )
}

fn payment(extra: &str, code: &str) -> PaymentPayload {
    let json = format!(
        r#"{{"type":"PAYMENT","payload":{{"id":"tx-1","paymentType":"DB","result":{{"code":"{code}"}}{extra}}}}}"#
    );
    Notification::from_json(json.as_bytes())
        .unwrap()
        .payment()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn order_id_in_custom_parameters_is_confirmed_with_get_order() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/501"))
        .and(query_param("profile_id", "5"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(order_json("complete"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let locator = OrderLocator::new(
        OrderField::CustomParameter("order_id".into()),
        OrderKey::SystemId,
    );
    let p = payment(r#","customParameters":{"order_id":"501"}"#, "000.000.000");
    assert_eq!(locator.locate(&p).unwrap(), OrderRef::Id(OrderId::new(501)));
    let c = locator.confirm(&client(&server), &p).await.unwrap();
    assert_eq!(c.order.id, OrderId::new(501));
    assert_eq!(c.order.status, OrderStatus::Complete);
    assert_eq!(c.verdict, OrderVerdict::Paid);
    assert!(c.notified_approved && c.agrees());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn invoice_id_in_merchant_transaction_id_is_confirmed_by_invoice_lookup() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders"))
        .and(query_param("page", "1"))
        .and(query_param("profile_id", "5"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(format!("[{}]", order_json("rejected")), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let locator = OrderLocator::new(OrderField::MerchantTransactionId, OrderKey::InvoiceId);
    let p = payment(r#","merchantTransactionId":"W58XGHF""#, "800.100.151");
    assert_eq!(
        locator.locate(&p).unwrap(),
        OrderRef::InvoiceId("W58XGHF".into())
    );
    let c = locator.confirm(&client(&server), &p).await.unwrap();
    assert_eq!(c.order.invoice_id.as_deref(), Some("W58XGHF"));
    assert_eq!(c.verdict, OrderVerdict::Declined);
    assert!(!c.notified_approved && c.agrees());
}

#[tokio::test]
async fn a_paid_order_disagrees_with_a_declined_notification() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/501"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(order_json("complete"), "application/json"),
        )
        .mount(&server)
        .await;
    let locator = OrderLocator::new(OrderField::MerchantTransactionId, OrderKey::SystemId);
    let p = payment(r#","merchantTransactionId":"501""#, "800.100.151");
    let c = locator.confirm(&client(&server), &p).await.unwrap();
    assert_eq!(c.verdict, OrderVerdict::Paid);
    assert!(!c.agrees());
}

#[tokio::test]
async fn a_missing_or_unusable_reference_is_typed_and_sends_nothing() {
    let server = MockServer::start().await;
    let by_param = OrderLocator::new(
        OrderField::CustomParameter("order_id".into()),
        OrderKey::SystemId,
    );
    let by_mtid = OrderLocator::new(OrderField::MerchantTransactionId, OrderKey::SystemId);
    // The other candidate field holds it: this locator finds nothing.
    let p = payment(r#","merchantTransactionId":"501""#, "000.000.000");
    let err = by_param.confirm(&client(&server), &p).await.unwrap_err();
    assert!(
        matches!(&err, ConfirmError::NoOrderReference { field: OrderField::CustomParameter(n) } if n == "order_id"),
        "{err:?}"
    );
    for bad in [
        r#""0""#,
        r#""INV-1""#,
        r#""-3""#,
        r#""""#,
        r#""18446744073709551616""#,
    ] {
        let p = payment(&format!(r#","merchantTransactionId":{bad}"#), "000.000.000");
        let err = by_mtid.confirm(&client(&server), &p).await.unwrap_err();
        assert!(
            matches!(
                err,
                ConfirmError::BadOrderReference { .. } | ConfirmError::NoOrderReference { .. }
            ),
            "{bad}: {err:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unknown_order_and_a_failing_billpro_are_told_apart() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/404"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_raw(r#"{"error": "Record not found"}"#, "application/json"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/500"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let locator = OrderLocator::new(OrderField::MerchantTransactionId, OrderKey::SystemId);
    let p = payment(r#","merchantTransactionId":"404""#, "000.000.000");
    let err = locator.confirm(&client(&server), &p).await.unwrap_err();
    assert!(matches!(err, ConfirmError::OrderNotFound), "{err:?}");
    let p = payment(r#","merchantTransactionId":"500""#, "000.000.000");
    let err = locator.confirm(&client(&server), &p).await.unwrap_err();
    assert!(matches!(err, ConfirmError::Api(_)), "{err:?}");
}

/// Both candidates against the sandbox, which fills both fields.
#[tokio::test]
async fn both_candidate_fields_against_the_sandbox() {
    use crate::support::{Faults, customer, product, setup};
    use billkit::billpro::{NewSingleOrder, OrderLine, PurchaseType};
    for locator in [
        OrderLocator::new(OrderField::MerchantTransactionId, OrderKey::InvoiceId),
        OrderLocator::new(
            OrderField::CustomParameter("order_id".into()),
            OrderKey::SystemId,
        ),
    ] {
        let (sandbox, client, listener) = setup(locator.clone(), Faults::NONE).await;
        let single = product(&client, PurchaseType::SinglePayment).await;
        let customer = customer(&client).await;
        let order = client
            .orders()
            .create_single_order(
                &NewSingleOrder::new(customer.id, "GBP", "INV-77")
                    .product(OrderLine::new(single.id)),
            )
            .await
            .unwrap();
        assert!(sandbox.complete_checkout(order.id.get()));
        let report = sandbox.notifications().deliver_all(3).await;
        assert_eq!((report.delivered, report.pending), (1, 0), "{locator:?}");
        let seen = listener.seen.lock().unwrap();
        let (runs, verdict, id, amount) = seen.processed.values().next().unwrap().clone();
        assert_eq!((runs, verdict, id), (1, OrderVerdict::Paid, order.id.get()));
        assert_eq!(amount, single.price.to_string());
    }
}

/// BillPro still shows the order pending: the handler answers 503 without
/// acting and frees the id, so the gateway's retry acts once it is paid.
#[tokio::test]
async fn a_listener_waits_while_billpro_shows_the_order_pending() {
    use billkit::billpro::notifications::{Dedup, Encrypted, Handled, Listener, MemoryStore};
    use billkit_sandbox::HeaderMap;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/501"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(order_json("pending"), "application/json"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/501"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(order_json("complete"), "application/json"),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let key = crate::support::random_key();
    let listener = Listener::new(
        key.clone(),
        Dedup::new(MemoryStore::new()),
        crate::support::system_id_locator(),
        client(&server),
    );
    let sealed = Encrypted::seal(
        &key,
        br#"{"type":"PAYMENT","payload":{"id":"tx-9","paymentType":"DB","amount":"19.99","result":{"code":"000.000.000"},"customParameters":{"order_id":"501"}}}"#,
    );
    let mut headers = HeaderMap::new();
    headers.insert("X-Initialization-Vector", sealed.iv.parse().unwrap());
    headers.insert("X-Authentication-Tag", sealed.tag.parse().unwrap());
    let mut acted = 0;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let handled = listener
            .handle(&headers, sealed.body.as_bytes(), |p, c| {
                acted += 1;
                assert_eq!((p.id.as_str(), &c.verdict), ("tx-9", &OrderVerdict::Paid));
                async { Ok::<(), std::io::Error>(()) }
            })
            .await;
        let kind = match handled {
            Handled::TryLater => "TryLater",
            Handled::Processed(_) => "Processed",
            Handled::AlreadyProcessed => "AlreadyProcessed",
            _ => "other",
        };
        statuses.push((handled.status(), kind));
    }
    assert_eq!(
        statuses,
        [
            (503, "TryLater"),
            (200, "Processed"),
            (200, "AlreadyProcessed")
        ]
    );
    assert_eq!(acted, 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
