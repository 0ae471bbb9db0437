//! The BillPro sandbox: the whole first-steps workflow through the client,
//! then the fake's behaviour per endpoint (status codes, error bodies,
//! paging, profiles, state rules).

use billkit::billpro::{
    Address, AddressUpdate, BillProErrorExt, Client, CustomerUpdate, NewCustomer,
    NewInstalmentOrder, NewMeteredOrder, NewSingleOrder, NewSubscriptionOrder, OrderLine,
    OrderStatus, Product, ProductFilter, PurchaseType, Schedule, ScheduleUnit,
    ScheduledPaymentStatus, ScheduledPaymentUpdate, TargetStatus,
};
use billkit::http::{Request, RetryPolicy};
use billkit::{ApiErrorBody, TryStreamExt};
use billkit_sandbox::billpro::{BillProSandbox, SEEDED_PRODUCTS};
use serde_json::json;

use crate::common::{date, dec};

async fn start() -> (BillProSandbox, Client) {
    let sandbox = BillProSandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    (sandbox, client)
}

fn client_with(sandbox: &BillProSandbox, token: &str, profile: Option<u64>) -> Client {
    let mut b = Client::builder()
        .token(token)
        .base_url(sandbox.base_url())
        .retry(RetryPolicy::none());
    if let Some(p) = profile {
        b = b.profile_id(p);
    }
    b.build().unwrap()
}

fn dana() -> NewCustomer {
    NewCustomer::new("Dana", "Borys", "dana@example.com")
        .date_of_birth(date(1995, 5, 12))
        .phone("+447700900123")
        .billing_address(Address::new("28 Milsom St", "Bath", "GB", "BA1 1DG").state("Avon"))
        .shipping_address(Address::new("1 Quay St", "Bristol", "GB", "BS1 4DJ"))
}

async fn product_of(client: &Client, kind: PurchaseType) -> Product {
    let all: Vec<Product> = client
        .products()
        .list(&ProductFilter::new())
        .stream()
        .try_collect()
        .await
        .unwrap();
    all.into_iter().find(|p| p.product_type == kind).unwrap()
}

fn status(err: &billkit::Error) -> u16 {
    err.status()
        .map(|s| s.as_u16())
        .unwrap_or_else(|| panic!("no status: {err:?}"))
}

#[tokio::test]
async fn the_first_steps_workflow_runs_against_the_sandbox() {
    let (_sandbox, client) = start().await;
    // Create a customer.
    let customer = client.customers().create(&dana()).await.unwrap();
    assert_eq!(customer.first_name, "Dana");
    assert_eq!(customer.customer_id.len(), 10);
    assert_eq!(customer.date_of_birth, Some(date(1995, 5, 12)));
    assert!(
        customer
            .addresses
            .billing_address
            .as_ref()
            .unwrap()
            .created_at
            .is_some()
    );
    // List products.
    let products: Vec<Product> = client
        .products()
        .list(&ProductFilter::new())
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(products.len(), SEEDED_PRODUCTS);
    let instalment = products
        .iter()
        .find(|p| p.product_type == PurchaseType::Instalment)
        .unwrap();
    // Create an order.
    let order = client
        .orders()
        .create_instalment_order(
            &NewInstalmentOrder::new(
                customer.id,
                &instalment.currency,
                "WF-1",
                OrderLine::new(instalment.id),
                4,
                Schedule::monthly(),
            )
            .initial_amount(dec("20.00"))
            .start_date(date(2030, 1, 31)),
        )
        .await
        .unwrap();
    assert_eq!(order.order_type, PurchaseType::Instalment);
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.customer_id, customer.id);
    // Get it.
    let again = client.orders().get(order.id).await.unwrap();
    assert_eq!(again, order);
    assert_eq!(again.total_instalment_amount, Some(instalment.price));
    assert_eq!(again.count_to_pay, Some(5));
    assert_eq!(again.products.len(), 1);
    // List its scheduled payments: exact split, month ends clamped.
    let payments = client
        .scheduled_payments()
        .list_for_order(order.id)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(payments.len(), 4);
    let total: billkit::Decimal = payments.iter().map(|p| p.amount).sum();
    assert_eq!(total + dec("20.00"), instalment.price);
    let dates: Vec<_> = payments.iter().map(|p| p.scheduled_date.unwrap()).collect();
    assert_eq!(
        dates,
        [
            date(2030, 1, 31),
            date(2030, 2, 28),
            date(2030, 3, 31),
            date(2030, 4, 30)
        ]
    );
    assert!(
        payments
            .iter()
            .all(|p| p.status == ScheduledPaymentStatus::Scheduled)
    );
    assert!(
        payments
            .iter()
            .all(|p| p.scheduled_duration_unit == Some(ScheduleUnit::Month))
    );
}

#[tokio::test]
async fn creates_answer_201_and_reads_answer_200() {
    let (_sandbox, client) = start().await;
    let t = client.transport();
    let created = t
        .send(&Request::<()>::post("/customers").json(
            &json!({"customer": {"first_name": "A", "last_name": "B", "email": "a@example.com"}}),
        ))
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(
        created
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let read = t.send(&Request::<()>::get("/products/1")).await.unwrap();
    assert_eq!(read.status().as_u16(), 200);
}

#[tokio::test]
async fn product_one_is_the_guides_example_and_pages_hold_25() {
    let (sandbox, client) = start().await;
    let p = client.products().get(1).await.unwrap();
    let seed: Vec<Product> =
        serde_json::from_str(&crate::common::fixture("products_seed_example.json")).unwrap();
    assert_eq!(p, seed[0]);
    let before = sandbox.server().requests_served();
    let page1 = client
        .products()
        .list(&ProductFilter::new())
        .page(1)
        .await
        .unwrap();
    assert_eq!(page1.items.len(), 25);
    assert!(!page1.is_last());
    let page2 = client
        .products()
        .list(&ProductFilter::new())
        .page(2)
        .await
        .unwrap();
    assert_eq!(page2.items.len(), SEEDED_PRODUCTS - 25);
    assert!(page2.is_last());
    assert_eq!(sandbox.server().requests_served() - before, 2);
    // A walk makes exactly those two requests.
    let all = client
        .products()
        .list(&ProductFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), SEEDED_PRODUCTS);
    assert_eq!(sandbox.server().requests_served() - before, 4);
    for kind in [
        PurchaseType::SinglePayment,
        PurchaseType::Instalment,
        PurchaseType::Subscription,
        PurchaseType::Metered,
    ] {
        assert!(all.iter().any(|p| p.product_type == kind), "{kind}");
    }
    let filtered = client
        .products()
        .list(&ProductFilter::new().product_id("E2824181D8"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].id.get(), 1);
}

#[tokio::test]
async fn profiles_and_tokens() {
    let sandbox = BillProSandbox::start().await.unwrap();
    // The default token reaches two profiles: profile_id is required.
    let no_profile = client_with(&sandbox, sandbox.token(), None);
    let err = no_profile.products().get(1).await.unwrap_err();
    assert_eq!(status(&err), 400);
    assert!(
        err.api_error()
            .unwrap()
            .message()
            .unwrap()
            .contains("profile_id"),
        "{err}"
    );
    // The other profile has its own catalogue.
    let other = client_with(&sandbox, sandbox.token(), Some(6));
    let products = other
        .products()
        .list(&ProductFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(products.len(), 3);
    assert!(
        other
            .products()
            .get(1)
            .await
            .unwrap_err()
            .is_record_not_found()
    );
    // A profile the token cannot reach, an unknown token.
    let err = client_with(&sandbox, sandbox.token(), Some(7))
        .products()
        .get(1)
        .await
        .unwrap_err();
    assert_eq!(status(&err), 403);
    let err = client_with(&sandbox, "wrong", Some(5))
        .products()
        .get(1)
        .await
        .unwrap_err();
    assert_eq!(status(&err), 401);
    assert_eq!(
        err.api_error().unwrap().body(),
        &ApiErrorBody::Error {
            error: "Unauthorized".into()
        }
    );
    // A single-profile token needs no profile_id.
    let single = client_with(&sandbox, sandbox.single_profile_token(), None);
    assert_eq!(
        single.products().get(1).await.unwrap().product_id,
        "E2824181D8"
    );
}

#[tokio::test]
async fn customer_validation_is_a_422_field_map() {
    let (_sandbox, client) = start().await;
    // The guide's phone: too long for +44.
    let err = client
        .customers()
        .create(&NewCustomer::new("Dana", "Borys", "dana@example.com").phone("+44770000000000"))
        .await
        .unwrap_err();
    assert_eq!(status(&err), 422);
    assert_eq!(
        err.api_error().unwrap().body(),
        &ApiErrorBody::Fields([("phone".to_string(), vec!["is invalid".to_string()])].into())
    );
    // Blank fields, sent around the client's own checks.
    let raw = client
        .transport()
        .send(&Request::<()>::post("/customers").json(
            &json!({"customer": {"first_name": "", "email": "x", "date_of_birth": "1995-05-12"}}),
        ))
        .await
        .unwrap_err();
    let fields = raw.validation_errors();
    assert_eq!(fields["first_name"], ["can't be blank"]);
    assert_eq!(fields["last_name"], ["can't be blank"]);
    assert_eq!(fields["email"], ["is invalid"]);
    assert_eq!(fields["date_of_birth"], ["is invalid"]);
    // Not found is a 422.
    let err = client.customers().get(424242).await.unwrap_err();
    assert_eq!(status(&err), 422);
    assert!(err.is_record_not_found());
}

#[tokio::test]
async fn customers_list_filter_and_update_removes_addresses_not_resent() {
    let (_sandbox, client) = start().await;
    let dana = client.customers().create(&dana()).await.unwrap();
    client
        .customers()
        .create(&NewCustomer::new("Ari", "Lund", "ari@example.com"))
        .await
        .unwrap();
    assert_eq!(
        client.customers().list().collect_all().await.unwrap().len(),
        2
    );
    let found = client
        .customers()
        .find_by_customer_id(&dana.customer_id)
        .await
        .unwrap()
        .expect("dana, by her merchant id");
    assert_eq!(found.id, dana.id);

    // Keeping the addresses keeps them.
    let kept = client
        .customers()
        .update(
            dana.id,
            &CustomerUpdate::keeping_addresses_of(&dana).first_name("Danuta"),
        )
        .await
        .unwrap();
    assert_eq!(kept.first_name, "Danuta");
    assert_eq!(
        kept.addresses
            .billing_address
            .as_ref()
            .unwrap()
            .city
            .as_deref(),
        Some("Bath")
    );
    assert_eq!(
        kept.addresses
            .shipping_address
            .as_ref()
            .unwrap()
            .city
            .as_deref(),
        Some("Bristol")
    );
    assert_eq!(kept.last_name, "Borys");
    // Removing one removes it, server side.
    let update =
        CustomerUpdate::keeping_addresses_of(&kept).shipping_address(AddressUpdate::Remove);
    let removed = client.customers().update(dana.id, &update).await.unwrap();
    assert!(removed.addresses.shipping_address.is_none());
    assert!(removed.addresses.billing_address.is_some());
    assert_eq!(client.customers().get(dana.id).await.unwrap(), removed);
}

#[tokio::test]
async fn bad_order_input_is_400_bad_request() {
    let (_sandbox, client) = start().await;
    let customer = client.customers().create(&dana()).await.unwrap();
    let single = product_of(&client, PurchaseType::SinglePayment).await;
    let subscription = product_of(&client, PurchaseType::Subscription).await;
    let cases = [
        // A product of another purchase type.
        NewSingleOrder::new(customer.id, "GBP", "B1").product(OrderLine::new(subscription.id)),
        // An unknown product, an unknown customer, the wrong currency.
        NewSingleOrder::new(customer.id, "GBP", "B2").product(OrderLine::new(9999)),
        NewSingleOrder::new(999_999, "GBP", "B3").product(OrderLine::new(single.id)),
        NewSingleOrder::new(customer.id, "USD", "B4").product(OrderLine::new(single.id)),
    ];
    for order in &cases {
        let err = client
            .orders()
            .create_single_order(order)
            .await
            .unwrap_err();
        assert_eq!(status(&err), 400, "{order:?}");
        assert_eq!(
            err.api_error().unwrap().body(),
            &ApiErrorBody::Error {
                error: "Bad Request".into()
            }
        );
    }
}

#[tokio::test]
async fn single_order_totals_are_exact_and_cancel_is_state_dependent() {
    let (sandbox, client) = start().await;
    let customer = client.customers().create(&dana()).await.unwrap();
    let product = product_of(&client, PurchaseType::SinglePayment).await;
    let order = client
        .orders()
        .create_single_order(
            &NewSingleOrder::new(customer.id, &product.currency, "S-1")
                .product(
                    OrderLine::new(product.id)
                        .qty(3)
                        .amount(dec("10.10"))
                        .discount_amount(dec("0.30")),
                )
                .create_checkout(true),
        )
        .await
        .unwrap();
    assert_eq!(order.total_to_pay.unwrap().to_string(), "30.00");
    assert_eq!(order.total_discount_amount.unwrap().to_string(), "0.30");
    assert_eq!(
        order.products[0].subtotal_amount.unwrap().to_string(),
        "30.00"
    );
    let checkout = client.orders().renew_checkout(order.id).await.unwrap();
    assert_eq!(checkout["order_id"], json!(order.id.get()));
    // A preliminary order becomes cancelled; cancelling again is refused.
    assert_eq!(
        client
            .orders()
            .cancel(order.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Cancelled
    );
    assert_eq!(
        status(&client.orders().cancel(order.id).await.unwrap_err()),
        422
    );
    assert_eq!(
        status(&client.orders().renew_checkout(order.id).await.unwrap_err()),
        422
    );
    // A paid single order is complete.
    let paid = client
        .orders()
        .create_single_order(
            &NewSingleOrder::new(customer.id, &product.currency, "S-2")
                .product(OrderLine::new(product.id)),
        )
        .await
        .unwrap();
    assert!(sandbox.complete_checkout(paid.id.get()));
    assert_eq!(
        client.orders().get(paid.id).await.unwrap().status,
        OrderStatus::Complete
    );
    let listed = client.orders().list().collect_all().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(
        client
            .orders()
            .find_by_invoice_id("S-2")
            .await
            .unwrap()
            .map(|o| o.id),
        Some(paid.id)
    );
}

#[tokio::test]
async fn subscriptions_pause_resume_and_cancel_by_the_rules() {
    let (sandbox, client) = start().await;
    let customer = client.customers().create(&dana()).await.unwrap();
    let product = product_of(&client, PurchaseType::Subscription).await;
    let order = client
        .orders()
        .create_subscription_order(&NewSubscriptionOrder::new(
            customer.id,
            &product.currency,
            "SUB-1",
            OrderLine::new(product.id),
            Schedule::monthly(),
        ))
        .await
        .unwrap();
    assert_eq!(order.order_type, PurchaseType::Subscription);
    assert_eq!(order.monthly_amount, Some(product.price));
    // Only an active subscription can be paused.
    let err = client.orders().pause(order.id).await.unwrap_err();
    assert_eq!(status(&err), 422);
    assert!(sandbox.complete_checkout(order.id.get()));
    let paused = client.orders().pause(order.id).await.unwrap().unwrap();
    assert_eq!(paused.status, OrderStatus::Paused);
    let payments = client
        .scheduled_payments()
        .list_for_order(order.id)
        .collect_all()
        .await
        .unwrap();
    assert!(
        payments
            .iter()
            .all(|p| p.status == ScheduledPaymentStatus::Paused)
    );
    // A paused payment cannot be changed: refused by the client, and by the
    // sandbox when asked directly.
    let err = client
        .scheduled_payments()
        .update(
            payments[0].id,
            &ScheduledPaymentUpdate::new().status(TargetStatus::Skipped),
        )
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    let raw = client
        .transport()
        .send(
            &Request::<()>::put("/scheduled_payments/{id}")
                .param(payments[0].id)
                .json(&json!({"scheduled_payment": {"status": "skipped"}})),
        )
        .await
        .unwrap_err();
    assert_eq!(status(&raw), 422);
    // Resume, then cancel a live order: it completes, its payments cancel.
    assert_eq!(
        client
            .orders()
            .resume(order.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Active
    );
    assert_eq!(
        status(&client.orders().resume(order.id).await.unwrap_err()),
        422
    );
    assert_eq!(
        client
            .orders()
            .cancel(order.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        OrderStatus::Complete
    );
    let after = client
        .scheduled_payments()
        .list()
        .collect_all()
        .await
        .unwrap();
    assert!(
        after
            .iter()
            .all(|p| p.status == ScheduledPaymentStatus::Cancelled)
    );
    // Pausing a non-subscription is refused.
    let metered = product_of(&client, PurchaseType::Metered).await;
    let m = client
        .orders()
        .create_metered_order(
            &NewMeteredOrder::new(
                customer.id,
                &metered.currency,
                "M-1",
                OrderLine::new(metered.id),
            )
            .initial_amount(0),
        )
        .await
        .unwrap();
    assert!(sandbox.complete_checkout(m.id.get()));
    assert_eq!(status(&client.orders().pause(m.id).await.unwrap_err()), 422);
}

#[tokio::test]
async fn scheduled_payment_updates_follow_the_documented_rules() {
    let (sandbox, client) = start().await;
    let customer = client.customers().create(&dana()).await.unwrap();
    let product = product_of(&client, PurchaseType::Subscription).await;
    let order = client
        .orders()
        .create_subscription_order(&NewSubscriptionOrder::new(
            customer.id,
            &product.currency,
            "SUB-2",
            OrderLine::new(product.id),
            Schedule::monthly(),
        ))
        .await
        .unwrap();
    sandbox.complete_checkout(order.id.get());
    let sp = client.scheduled_payments();
    let payments = sp.list_for_order(order.id).collect_all().await.unwrap();
    assert_eq!(payments.len(), 3);
    let (first, second, last) = (&payments[0], &payments[1], &payments[2]);

    // Skip the first; a skipped payment cannot be changed again.
    let skipped = sp
        .update(
            first.id,
            &ScheduledPaymentUpdate::new().status(TargetStatus::Skipped),
        )
        .await
        .unwrap();
    assert_eq!(skipped.status, ScheduledPaymentStatus::Skipped);
    let err = sp
        .update(
            first.id,
            &ScheduledPaymentUpdate::new().status(TargetStatus::Scheduled),
        )
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");

    // A new amount changes the later payments and the order.
    let changed = sp
        .update(
            second.id,
            &ScheduledPaymentUpdate::new().amount(dec("12.34")),
        )
        .await
        .unwrap();
    assert_eq!(changed.amount.to_string(), "12.34");
    assert_eq!(sp.get(last.id).await.unwrap().amount.to_string(), "12.34");
    assert_eq!(
        client.orders().get(order.id).await.unwrap().monthly_amount,
        Some(dec("12.34"))
    );

    // The cycle changes only on the last scheduled payment.
    let err = sp
        .update(
            second.id,
            &ScheduledPaymentUpdate::new().schedule(2, ScheduleUnit::Week),
        )
        .await
        .unwrap_err();
    assert_eq!(status(&err), 422);
    let recycled = sp
        .update(
            last.id,
            &ScheduledPaymentUpdate::new().schedule(2, ScheduleUnit::Week),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            recycled.scheduled_interval,
            recycled.scheduled_duration_unit
        ),
        (Some(2), Some(ScheduleUnit::Week))
    );

    // A declined payment is retried by scheduling it with a new date.
    assert!(sandbox.decline_payment(second.id.get(), false));
    assert_eq!(
        client.orders().get(order.id).await.unwrap().status,
        OrderStatus::Failed
    );
    let retried = sp
        .update(
            second.id,
            &ScheduledPaymentUpdate::new()
                .status(TargetStatus::Scheduled)
                .scheduled_date(date(2031, 6, 1)),
        )
        .await
        .unwrap();
    assert_eq!(retried.status, ScheduledPaymentStatus::Scheduled);
    assert_eq!(retried.scheduled_date, Some(date(2031, 6, 1)));
    assert_eq!(
        client.orders().get(order.id).await.unwrap().status,
        OrderStatus::Active
    );

    // Invalid values sent around the client are a field map.
    let raw = client
        .transport()
        .send(
            &Request::<()>::put("/scheduled_payments/{id}")
                .param(last.id)
                .json(&json!({"scheduled_payment": {"status": "complete", "amount": "-1"}})),
        )
        .await
        .unwrap_err();
    let fields = raw.validation_errors();
    assert_eq!(fields["status"], ["is invalid"]);
    assert_eq!(fields["amount"], ["is invalid"]);
    assert!(sp.get(1).await.unwrap_err().is_record_not_found());
}

#[tokio::test]
async fn unknown_paths_bad_pages_and_faults_never_break_the_sandbox() {
    let (sandbox, client) = start().await;
    let t = client.transport();
    assert_eq!(
        status(&t.send(&Request::<()>::get("/nowhere")).await.unwrap_err()),
        404
    );
    assert_eq!(
        status(
            &t.send(&Request::<()>::delete("/products/1"))
                .await
                .unwrap_err()
        ),
        404
    );
    assert_eq!(
        status(
            &t.send(&Request::<()>::get("/products").query("page", "zero"))
                .await
                .unwrap_err()
        ),
        400
    );
    assert_eq!(
        status(
            &t.send(&Request::<()>::get("/products/abc"))
                .await
                .unwrap_err()
        ),
        422
    );
    let not_json = t
        .send(&Request::<()>::post("/orders/create_single_order").form([("order", "x")]))
        .await
        .unwrap_err();
    assert_eq!(status(&not_json), 400);
    // Hostile numbers are a 400, never a crash (a 500).
    let customer = client.customers().create(&dana()).await.unwrap();
    let single = product_of(&client, PurchaseType::SinglePayment).await;
    let instalment = product_of(&client, PurchaseType::Instalment).await;
    for (path, order) in [
        (
            "/orders/create_single_order",
            json!({"currency": single.currency, "customer_id": customer.id, "invoice_id": "H1",
            "order_products": [{"product_id": single.id, "qty": u32::MAX, "amount": "79228162514264337593543950335"}]}),
        ),
        (
            "/orders/create_instalment_order",
            json!({"currency": instalment.currency, "customer_id": customer.id, "invoice_id": "H2",
            "order_products": [{"product_id": instalment.id}], "split_number": 1_000_000_000u64,
            "scheduled_unit": "MONTH", "scheduled_interval": "1"}),
        ),
        (
            "/orders/create_instalment_order",
            json!({"currency": instalment.currency, "customer_id": customer.id, "invoice_id": "H3",
            "order_products": [{"product_id": instalment.id}], "split_number": 3,
            "scheduled_unit": "YEAR", "scheduled_interval": u32::MAX}),
        ),
    ] {
        let req = match path {
            "/orders/create_single_order" => Request::<()>::post("/orders/create_single_order"),
            _ => Request::<()>::post("/orders/create_instalment_order"),
        };
        let err = t
            .send(&req.json(&json!({ "order": order })))
            .await
            .unwrap_err();
        assert_eq!(status(&err), 400, "{path}: {err}");
    }
    let page9 = client
        .products()
        .list(&ProductFilter::new())
        .page(9)
        .await
        .unwrap();
    assert!(page9.items.is_empty());
    // Injected faults come from the core server; a GET recovers by retrying.
    sandbox.server().faults().fail_next(1, 503);
    let clock = billkit::http::ManualClock::new();
    let retrying = Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .profile_id(sandbox.profile_id())
        .manual_time(&clock)
        .build()
        .unwrap();
    assert_eq!(retrying.products().get(1).await.unwrap().id.get(), 1);
}

/// The BillPro sandbox's seeded products are what its docs say, a
/// single-payment example has a single-payment product to use, and fault
/// examples aimed at the real order routes hit them.
mod seeded_products {
    use billkit::billpro::{
        CustomerId, NewCustomer, NewSingleOrder, Order, OrderLine, OrderStatus, ProductFilter,
        PurchaseType,
    };
    use billkit::{Outcome, TryStreamExt};
    use billkit_sandbox::billpro::*;

    use crate::common::dec;

    async fn customer(client: &billkit::billpro::Client) -> CustomerId {
        client
            .customers()
            .create(&NewCustomer::new("Dana", "Borys", "dana@example.com"))
            .await
            .unwrap()
            .id
    }

    async fn orders(client: &billkit::billpro::Client) -> Vec<Order> {
        client.orders().list().stream().try_collect().await.unwrap()
    }

    /// The table in `billkit_sandbox::billpro`'s docs, product by product.
    #[tokio::test]
    async fn the_seeded_products_are_as_documented() {
        let sandbox = BillProSandbox::start().await.unwrap();
        let client = sandbox.client().unwrap();
        let products = client
            .products()
            .list(&ProductFilter::new())
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
        assert_eq!(products.len(), SEEDED_PRODUCTS);
        for p in &products {
            let id = p.id.get();
            let want = match id {
                1 => PurchaseType::Subscription,
                _ => [
                    PurchaseType::SinglePayment,
                    PurchaseType::Instalment,
                    PurchaseType::Subscription,
                    PurchaseType::Metered,
                ][(id as usize - 2) % 4]
                    .clone(),
            };
            assert_eq!(p.product_type, want, "product {id}");
            let currency = if id % 5 == 0 { "EUR" } else { "GBP" };
            assert_eq!(p.currency, currency, "product {id}");
        }
        for (id, kind, currency, price) in [
            (
                FIRST_STEPS_PRODUCT_ID,
                PurchaseType::Subscription,
                "GBP",
                "44.99",
            ),
            (
                SINGLE_PAYMENT_PRODUCT_ID,
                PurchaseType::SinglePayment,
                "GBP",
                "19.99",
            ),
            (
                SINGLE_PAYMENT_EUR_PRODUCT_ID,
                PurchaseType::SinglePayment,
                "EUR",
                "35.00",
            ),
            (
                INSTALMENT_PRODUCT_ID,
                PurchaseType::Instalment,
                "GBP",
                "120.00",
            ),
            (
                SUBSCRIPTION_PRODUCT_ID,
                PurchaseType::Subscription,
                "GBP",
                "44.99",
            ),
            (METERED_PRODUCT_ID, PurchaseType::Metered, "EUR", "0.02"),
        ] {
            let p = client.products().get(id).await.unwrap();
            assert_eq!(
                (p.product_type, p.currency.as_str(), p.price),
                (kind, currency, dec(price)),
                "product {id}"
            );
        }
        let first = client.products().get(FIRST_STEPS_PRODUCT_ID).await.unwrap();
        assert_eq!(first.deposit_amount, Some(dec("42.74")));
        let instalment = client.products().get(INSTALMENT_PRODUCT_ID).await.unwrap();
        assert_eq!(instalment.deposit_amount, Some(dec("10.00")));
    }

    /// The first-steps product is a subscription: a single-payment order for
    /// it is BillPro's bare 400, refused before anything was made. The
    /// single-payment products take the order, in their own currency.
    #[tokio::test]
    async fn a_single_payment_order_takes_the_single_payment_products_only() {
        let sandbox = BillProSandbox::start().await.unwrap();
        let client = sandbox.client().unwrap();
        let customer = customer(&client).await;

        // The subscription product, and a single-payment one in the wrong
        // currency.
        for (id, currency) in [
            (FIRST_STEPS_PRODUCT_ID, "GBP"),
            (SINGLE_PAYMENT_PRODUCT_ID, "EUR"),
        ] {
            let wrong =
                NewSingleOrder::new(customer, currency, "INV-1").product(OrderLine::new(id));
            let e = client
                .orders()
                .create_single_order(&wrong)
                .await
                .unwrap_err();
            assert_eq!(e.status().map(|s| s.as_u16()), Some(400), "{id}: {e}");
            assert_eq!(e.outcome(), Outcome::NotApplied);
        }

        for (id, currency, invoice) in [
            (SINGLE_PAYMENT_PRODUCT_ID, "GBP", "INV-2"),
            (SINGLE_PAYMENT_EUR_PRODUCT_ID, "EUR", "INV-3"),
        ] {
            let order =
                NewSingleOrder::new(customer, currency, invoice).product(OrderLine::new(id));
            let placed = client.orders().create_single_order(&order).await.unwrap();
            assert_eq!(placed.status, OrderStatus::Pending);
            assert_eq!(placed.invoice_id.as_deref(), Some(invoice));
        }
        assert_eq!(orders(&client).await.len(), 2);
    }

    /// A fault aimed at the real route of a single-payment order hits it, and
    /// only it: the order's answer is cut off mid-body after it was made, the
    /// client finds it by its invoice id, and exactly one order exists.
    #[tokio::test]
    async fn a_cut_off_order_create_on_the_real_route_is_found_not_made_twice() {
        let sandbox = BillProSandbox::start().await.unwrap();
        let client = sandbox.client().unwrap();
        let customer = customer(&client).await;
        sandbox
            .faults()
            .on("POST", "/orders/create_single_order")
            .truncate(1);
        // Aimed at a route BillPro does not have: never hit.
        sandbox.faults().on("POST", "/orders").fail(1, 503);
        let order = NewSingleOrder::new(customer, "GBP", "INV-CUT")
            .product(OrderLine::new(SINGLE_PAYMENT_PRODUCT_ID));
        let placed = client.orders().create_single_order(&order).await.unwrap();
        assert_eq!(placed.invoice_id.as_deref(), Some("INV-CUT"));
        assert_eq!(
            sandbox.faults().pending(),
            1,
            "only the real route's fault is spent"
        );
        assert_eq!(
            orders(&client)
                .await
                .iter()
                .filter(|o| o.invoice_id.as_deref() == Some("INV-CUT"))
                .count(),
            1
        );
    }
}
