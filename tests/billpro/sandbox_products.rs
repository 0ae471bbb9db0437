//! The BillPro sandbox's seeded products are what its docs say, a
//! single-payment example has a single-payment product to use, and fault
//! examples aimed at the real order routes hit them.

use billkit::billpro::{
    CustomerId, NewCustomer, NewSingleOrder, Order, OrderLine, OrderStatus, ProductFilter,
    PurchaseType,
};
use billkit::sandbox::billpro::*;
use billkit::{Outcome, TryStreamExt};

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

/// The table in `billkit::sandbox::billpro`'s docs, product by product.
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
        let wrong = NewSingleOrder::new(customer, currency, "INV-1").product(OrderLine::new(id));
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
        let order = NewSingleOrder::new(customer, currency, invoice).product(OrderLine::new(id));
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
