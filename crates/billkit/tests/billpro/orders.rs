//! Orders: the four creates, get (all four order types), list, actions.

use billkit::billpro::{
    NewInstalmentOrder, NewMeteredOrder, NewSingleOrder, NewSubscriptionOrder, Order, OrderLine,
    OrderSource, OrderStatus, PaymentChannel, PurchaseType, Schedule, ScheduleUnit,
};
use billkit::http::{ManualClock, RetryPolicy};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;

pub(crate) async fn mount_create(
    server: &wiremock::MockServer,
    endpoint: &str,
    body: serde_json::Value,
    status: u16,
    response: &str,
) {
    Mock::given(method("POST"))
        .and(path(format!("/api/v1/orders/{endpoint}")))
        .and(profile_only())
        .and(header("authorization", BEARER))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(json(status, fixture(response)))
        .expect(1)
        .mount(server)
        .await;
}

fn assert_single(o: &Order) {
    assert_eq!(o.id.get(), 501);
    assert_eq!(o.profile_id, Some(5));
    assert_eq!(o.order_type, PurchaseType::SinglePayment);
    assert_eq!(o.status, OrderStatus::Pending);
    assert_eq!(o.invoice_id.as_deref(), Some("W58XGHF"));
    assert_eq!(o.customer_id.get(), 42);
    assert_eq!(o.monthly_amount, None);
    assert_eq!(o.scheduled_duration_unit, None);
    assert_eq!(o.scheduled_duration_number, None);
    assert_eq!(o.total_to_pay.unwrap().to_string(), "64.99");
    assert_eq!(o.count_to_pay, Some(1));
    assert_eq!(o.description.as_deref(), Some("Two items"));
    assert_eq!(o.profile_payment_method, Some(PaymentChannel::Ecom));
    assert_eq!(o.order_source, Some(OrderSource::Api));
    assert_eq!(o.collect_initial_payment, Some(false));
    assert_eq!(o.total_instalment_amount, None);
    assert_eq!(o.total_discount_amount.unwrap().to_string(), "2.25");
    assert_eq!(o.total_tax_amount.unwrap().to_string(), "9.45");
    assert_eq!(o.total_fee_amount.unwrap().to_string(), "0.00");
    assert_eq!(o.created_at, Some(ts("2024-02-13T10:11:12.130Z")));
    assert_eq!(o.updated_at, Some(ts("2024-02-13T10:11:12.130Z")));
    assert_eq!(o.products.len(), 2);
    // The first line wraps its product: `{"product": {...}, "qty": 1, ...}`.
    let a = &o.products[0];
    assert_eq!(a.id.map(|i| i.get()), Some(1));
    assert_eq!(a.product_id.as_deref(), Some("E2824181D8"));
    assert_eq!(a.currency.as_deref(), Some("GBP"));
    assert_eq!(a.product_type, Some(PurchaseType::SinglePayment));
    assert_eq!(a.qty, Some(1));
    assert_eq!(a.price.unwrap().to_string(), "44.99");
    assert_eq!(a.amount.unwrap().to_string(), "44.99");
    assert_eq!(a.discount_amount.unwrap().to_string(), "2.25");
    assert_eq!(a.fee_amount.unwrap().to_string(), "0.00");
    assert_eq!(a.subtotal_amount.unwrap().to_string(), "42.74");
    let b = &o.products[1];
    assert_eq!(b.id.map(|i| i.get()), Some(7));
    assert_eq!(b.qty, Some(1));
    assert_eq!(b.price.unwrap().to_string(), "20.00");
    assert_eq!(b.amount.unwrap().to_string(), "20");
    assert_eq!(b.discount_amount, None);
    assert_eq!(b.subtotal_amount.unwrap().to_string(), "22.25");
    assert_eq!(b.discount, None);
    assert_eq!(b.tax.as_ref().unwrap().percentage.to_string(), "21.00");
    let customer = o.customer.as_ref().unwrap();
    assert_eq!(customer.id.map(|i| i.get()), Some(42));
    assert_eq!(customer.customer_id.as_deref(), Some("C7Q2M9X4KD"));
    assert_eq!(customer.phone.as_deref(), Some("+447700900123"));
}

fn assert_instalment(o: &Order) {
    assert_eq!(o.id.get(), 502);
    assert_eq!(o.profile_id, Some(5));
    assert_eq!(o.order_type, PurchaseType::Instalment);
    assert_eq!(o.status, OrderStatus::Active);
    assert_eq!(o.invoice_id.as_deref(), Some("INST-0001"));
    assert_eq!(o.monthly_amount.unwrap().to_string(), "50.00");
    assert_eq!(o.scheduled_duration_unit, Some(ScheduleUnit::Month));
    assert_eq!(o.scheduled_duration_number, Some(6));
    assert_eq!(o.total_to_pay.unwrap().to_string(), "400.00");
    assert_eq!(o.count_to_pay, Some(7));
    assert_eq!(o.description, None);
    assert_eq!(o.profile_payment_method, Some(PaymentChannel::Moto));
    assert_eq!(o.order_source, Some(OrderSource::Api));
    assert_eq!(o.collect_initial_payment, Some(true));
    // `total_installment_amount` on the wire, a JSON number with two decimals.
    assert_eq!(o.total_instalment_amount.unwrap().to_string(), "400.00");
    assert_eq!(o.total_discount_amount, None);
    assert_eq!(o.total_tax_amount, None);
    assert_eq!(o.total_fee_amount, None);
    // A single `product` object.
    assert_eq!(o.products.len(), 1);
    assert_eq!(o.products[0].id.map(|i| i.get()), Some(1002));
    assert_eq!(o.products[0].subtotal_amount.unwrap().to_string(), "400.00");
    assert_eq!(
        o.customer.as_ref().unwrap().phone.as_deref(),
        Some("+447700900123")
    );
    assert_eq!(o.updated_at, Some(ts("2024-02-14T08:05:00.001Z")));
}

fn assert_subscription(o: &Order) {
    assert_eq!(o.id.get(), 503);
    // `subscripton`, as the docs once spell it.
    assert_eq!(o.order_type, PurchaseType::Subscription);
    assert_eq!(o.status, OrderStatus::Paused);
    assert_eq!(o.customer_id.get(), 42);
    assert_eq!(o.monthly_amount.unwrap().to_string(), "44.99");
    assert_eq!(o.scheduled_duration_unit, Some(ScheduleUnit::Month));
    assert_eq!(o.total_to_pay, None);
    assert_eq!(o.description.as_deref(), Some("Membership"));
    assert_eq!(o.order_source, Some(OrderSource::Ui));
    assert_eq!(o.total_discount_amount.unwrap().to_string(), "2.25");
    assert_eq!(o.total_tax_amount.unwrap().to_string(), "9.45");
    // `products` as one object rather than a list.
    assert_eq!(o.products.len(), 1);
    assert_eq!(o.products[0].product_id.as_deref(), Some("E2824181D8"));
    assert_eq!(o.products[0].subtotal_amount.unwrap().to_string(), "52.19");
}

fn assert_metered(o: &Order) {
    assert_eq!(o.id.get(), 504);
    assert_eq!(o.order_type, PurchaseType::Metered);
    assert_eq!(o.status, OrderStatus::Draft);
    assert_eq!(o.monthly_amount.unwrap().to_string(), "0.00");
    assert_eq!(o.scheduled_duration_unit, Some(ScheduleUnit::Week));
    assert_eq!(o.total_tax_amount.unwrap().to_string(), "0.00");
    assert_eq!(o.total_fee_amount.unwrap().to_string(), "1.50");
    assert_eq!(o.products.len(), 1);
    assert_eq!(o.products[0].price.unwrap().to_string(), "0.15");
    assert_eq!(o.products[0].product_type, Some(PurchaseType::Metered));
}

#[tokio::test]
async fn create_single_order_minimal_body_is_the_documented_one() {
    let (server, client) = setup().await;
    mount_create(
        &server,
        "create_single_order",
        json!({"order":{"create_checkout":false,"invoice_id":"W58XGHF","currency":"EUR","customer_id":42,"order_products":[{"product_id":7}]}}),
        201,
        "order_single_payment.json",
    )
    .await;
    let order = NewSingleOrder::new(42, "EUR", "W58XGHF")
        .product(OrderLine::new(7))
        .create_checkout(false);
    let created = client.orders().create_single_order(&order).await.unwrap();
    assert_single(&created);
}

#[tokio::test]
async fn create_single_order_sends_exact_decimal_strings_and_options() {
    let (server, client) = setup().await;
    mount_create(
        &server,
        "create_single_order",
        json!({"order": {
            "currency": "EUR", "customer_id": 42, "invoice_id": "INV-42",
            "create_checkout": true, "create_registration": false,
            "redirect_url": "https://shop.example/ok", "failed_redirect_url": "https://shop.example/failed",
            "note": "Two items",
            "order_products": [
                {"product_id": 1, "qty": 1, "amount": "44.99", "discount_amount": "2.25", "fee_amount": "0.00"},
                {"product_id": 7, "qty": 2, "amount": "20.00"}
            ]
        }}),
        201,
        "order_single_payment.json",
    )
    .await;
    let order = NewSingleOrder::new(42, "EUR", "INV-42")
        .product(
            OrderLine::new(1)
                .qty(1)
                .amount(dec("44.99"))
                .discount_amount(dec("2.25"))
                .fee_amount(dec("0.00")),
        )
        .product(OrderLine::new(7).qty(2).amount(dec("20.00")))
        .create_checkout(true)
        .create_registration(false)
        .redirect_url("https://shop.example/ok")
        .failed_redirect_url("https://shop.example/failed")
        .note("Two items");
    let created = client.orders().create_single_order(&order).await.unwrap();
    assert_single(&created);
}

#[tokio::test]
async fn create_instalment_order_sends_request_names() {
    let (server, client) = setup().await;
    mount_create(
        &server,
        "create_instalment_order",
        json!({"order": {
            "currency": "EUR", "customer_id": 42, "invoice_id": "INST-0001",
            "order_products": [{"product_id": 1002}],
            "initial_amount": "100.00", "split_number": 6,
            "scheduled_unit": "MONTH", "scheduled_interval": "1",
            "start_date": "14/03/2024"
        }}),
        201,
        "order_instalment.json",
    )
    .await;
    let order = NewInstalmentOrder::new(
        42,
        "EUR",
        "INST-0001",
        OrderLine::new(1002),
        6,
        Schedule::monthly(),
    )
    .initial_amount(dec("100.00"))
    .start_date(date(2024, 3, 14));
    let created = client
        .orders()
        .create_instalment_order(&order)
        .await
        .unwrap();
    assert_instalment(&created);
}

#[tokio::test]
async fn create_subscription_order_with_a_trial_start_date() {
    let (server, client) = setup().await;
    mount_create(
        &server,
        "create_subscription_order",
        json!({"order": {
            "currency": "GBP", "customer_id": 42, "invoice_id": "SUB-0001",
            "order_products": [{"product_id": 1, "qty": 1}],
            "scheduled_unit": "WEEK", "scheduled_interval": "2",
            "start_date": "01/04/2024", "recurring_collection_interval": 1,
            "create_checkout": false
        }}),
        201,
        "order_subscription.json",
    )
    .await;
    let order = NewSubscriptionOrder::new(
        42,
        "GBP",
        "SUB-0001",
        OrderLine::new(1).qty(1),
        Schedule::new(2, ScheduleUnit::Week),
    )
    .start_date(date(2024, 4, 1))
    .recurring_collection_interval(1)
    .create_checkout(false);
    let created = client
        .orders()
        .create_subscription_order(&order)
        .await
        .unwrap();
    assert_subscription(&created);
}

#[tokio::test]
async fn create_metered_order_with_a_zero_pre_authorisation() {
    let (server, client) = setup().await;
    mount_create(
        &server,
        "create_metered_order",
        json!({"order": {
            "currency": "EUR", "customer_id": 42, "invoice_id": "MET-0001",
            "order_products": [{"product_id": 1004}],
            "initial_amount": "0"
        }}),
        201,
        "order_metered.json",
    )
    .await;
    let order = NewMeteredOrder::new(42, "EUR", "MET-0001", OrderLine::new(1004)).initial_amount(0);
    let created = client.orders().create_metered_order(&order).await.unwrap();
    assert_metered(&created);
}

#[tokio::test]
async fn get_reads_every_order_type() {
    let (server, client) = setup().await;
    type Check = fn(&Order);
    let cases: [(u64, &str, Check); 4] = [
        (501, "order_single_payment.json", assert_single),
        (502, "order_instalment.json", assert_instalment),
        (503, "order_subscription.json", assert_subscription),
        (504, "order_metered.json", assert_metered),
    ];
    for (id, file, _) in &cases {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/orders/{id}")))
            .and(profile_only())
            .and(header("authorization", BEARER))
            .respond_with(json(200, fixture(file)))
            .expect(1)
            .mount(&server)
            .await;
    }
    for (id, _, check) in &cases {
        let order = client.orders().get(*id).await.unwrap();
        check(&order);
    }
}

#[tokio::test]
async fn list_walks_orders() {
    let (server, client) = setup().await;
    let page = format!(
        "[{},{},{},{}]",
        fixture("order_single_payment.json"),
        fixture("order_instalment.json"),
        fixture("order_subscription.json"),
        fixture("order_metered.json")
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/orders"))
        .and(query(&[("page", "1"), ("profile_id", "5")]))
        .and(header("authorization", BEARER))
        .respond_with(json(200, page))
        .expect(1)
        .mount(&server)
        .await;
    let orders = client.orders().list().collect_all().await.unwrap();
    assert_eq!(orders.len(), 4);
    assert_single(&orders[0]);
    assert_instalment(&orders[1]);
    assert_subscription(&orders[2]);
    assert_metered(&orders[3]);
}

#[tokio::test]
async fn find_by_invoice_id_walks_the_list() {
    let (server, client) = setup().await;
    let page = format!(
        "[{},{}]",
        fixture("order_single_payment.json"),
        fixture("order_instalment.json")
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/orders"))
        .and(query(&[("page", "1"), ("profile_id", "5")]))
        .respond_with(json(200, page))
        .expect(2)
        .mount(&server)
        .await;
    let found = client
        .orders()
        .find_by_invoice_id("INST-0001")
        .await
        .unwrap();
    assert_eq!(found.map(|o| o.id.get()), Some(502));
    let missing = client.orders().find_by_invoice_id("NOPE").await.unwrap();
    assert_eq!(missing, None);
}

#[tokio::test]
async fn cancel_pause_and_resume_are_puts_without_body() {
    let (server, client) = setup().await;
    for action in ["cancel_order", "pause_order", "resume_order"] {
        Mock::given(method("PUT"))
            .and(path(format!("/api/v1/orders/503/{action}")))
            .and(profile_only())
            .and(header("authorization", BEARER))
            .and(wiremock::matchers::body_string(""))
            .respond_with(json(200, fixture("order_subscription.json")))
            .expect(1)
            .mount(&server)
            .await;
    }
    let o = client.orders();
    assert_subscription(&o.cancel(503).await.unwrap().unwrap());
    assert_subscription(&o.pause(503).await.unwrap().unwrap());
    assert_subscription(&o.resume(503).await.unwrap().unwrap());
}

#[tokio::test]
async fn an_action_answered_with_an_empty_body_is_none() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/orders/501/cancel_order"))
        .and(profile_only())
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client.orders().cancel(501).await.unwrap(), None);
}

#[tokio::test]
async fn pausing_a_non_subscription_is_refused_by_the_server() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/orders/501/pause_order"))
        .and(profile_only())
        .respond_with(json(
            422,
            r#"{"error": "Only active subscriptions can be paused"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client.orders().pause(501).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(
        err.api_error().unwrap().message(),
        Some("Only active subscriptions can be paused")
    );
}

#[tokio::test]
async fn renew_checkout_posts_to_order_checkouts() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/order_checkouts/501"))
        .and(profile_only())
        .and(header("authorization", BEARER))
        .respond_with(json(201, r#"{"checkout_id": "8ac7a4a1", "order_id": 501}"#))
        .expect(1)
        .mount(&server)
        .await;
    let renewed = client.orders().renew_checkout(501).await.unwrap();
    assert_eq!(renewed, json!({"checkout_id": "8ac7a4a1", "order_id": 501}));
}

/// A create whose answer was lost is looked up by `invoice_id` and not sent
/// again when BillPro had carried it out.
#[tokio::test]
async fn an_uncertain_create_is_looked_up_by_invoice_id_before_any_resend() {
    let server = wiremock::MockServer::start().await;
    // Sent just before the fixture's order was created: it can be the one.
    let sent = ts("2024-02-13T10:11:00Z");
    let clock = ManualClock::starting_at(sent.into());
    let client = manual_client(&server, &clock, RetryPolicy::default());
    Mock::given(method("POST"))
        .and(path("/api/v1/orders/create_single_order"))
        .respond_with(ResponseTemplate::new(504).set_body_string("Gateway Timeout"))
        .expect(1)
        .mount(&server)
        .await;
    let page = format!("[{}]", fixture("order_single_payment.json"));
    Mock::given(method("GET"))
        .and(path("/api/v1/orders"))
        .and(query(&[("page", "1"), ("profile_id", "5")]))
        .respond_with(json(200, page))
        .expect(1)
        .mount(&server)
        .await;
    let order = NewSingleOrder::new(42, "EUR", "W58XGHF").product(OrderLine::new(7));
    let found = client.orders().create_single_order(&order).await.unwrap();
    assert_single(&found);
}

/// A client of `server` on manual time with `retry`.
fn manual_client(
    server: &wiremock::MockServer,
    clock: &ManualClock,
    retry: RetryPolicy,
) -> billkit::billpro::Client {
    billkit::billpro::Client::builder()
        .token(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .profile_id(5)
        .manual_time(clock)
        .retry(retry)
        .build()
        .unwrap()
}

/// When the lookup finds nothing, the create is not sent again: the error
/// says it may have landed and carries the `invoice_id`.
#[tokio::test]
async fn an_uncertain_create_not_found_ends_in_may_have_landed() {
    let (server, clock) = (wiremock::MockServer::start().await, ManualClock::new());
    let client = manual_client(&server, &clock, RetryPolicy::default());
    Mock::given(method("POST"))
        .and(path("/api/v1/orders/create_single_order"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders"))
        .and(query(&[("page", "1"), ("profile_id", "5")]))
        .respond_with(json(200, "[]"))
        .expect(1)
        .mount(&server)
        .await;
    let order = NewSingleOrder::new(42, "EUR", "W58XGHF").product(OrderLine::new(7));
    let err = client
        .orders()
        .create_single_order(&order)
        .await
        .unwrap_err();
    assert_eq!(err.outcome(), billkit::Outcome::Unknown);
    assert!(!err.is_retryable());
    let key = err.lookup_key().unwrap();
    assert_eq!((key.field(), key.value()), ("invoice_id", "W58XGHF"));
    assert!(clock.sleeps().is_empty());
}

/// With the opt-in resend, the create goes again only after the settle
/// time and a second lookup.
#[tokio::test]
async fn an_opted_in_resend_waits_and_looks_again() {
    let (server, clock) = (wiremock::MockServer::start().await, ManualClock::new());
    let policy = RetryPolicy::default().resend_unconfirmed_after(Duration::from_secs(90));
    let client = manual_client(&server, &clock, policy);
    Mock::given(method("POST"))
        .and(path("/api/v1/orders/create_single_order"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/orders/create_single_order"))
        .respond_with(json(201, fixture("order_single_payment.json")))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders"))
        .respond_with(json(200, "[]"))
        .expect(2)
        .mount(&server)
        .await;
    let order = NewSingleOrder::new(42, "EUR", "W58XGHF").product(OrderLine::new(7));
    let created = client.orders().create_single_order(&order).await.unwrap();
    assert_single(&created);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(90)]);
}
