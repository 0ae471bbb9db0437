//! Caller mistakes are typed errors (`Error::InvalidInput` naming the
//! field) before anything is sent, for every resource.

use billkit::Error;
use billkit::billpro::{
    Address, AddressUpdate, CustomerUpdate, NewCustomer, NewInstalmentOrder, NewMeteredOrder,
    NewSingleOrder, NewSubscriptionOrder, OrderLine, Organisation, ProductFilter, Schedule,
    ScheduleUnit, ScheduledPaymentUpdate, TargetStatus,
};

use crate::common::*;

#[tokio::test]
async fn invalid_customers_are_refused_before_sending() {
    let (server, client) = setup().await;
    expect_no_request(&server).await;
    let c = client.customers();
    let base = || NewCustomer::new("Dana", "Borys", "dana@example.com");
    assert_invalid(
        &c.create(&base().phone("07700 900123")).await.unwrap_err(),
        "phone",
    );
    assert_invalid(
        &c.create(&base().phone("+44 7700")).await.unwrap_err(),
        "phone",
    );
    assert_invalid(
        &c.create(&NewCustomer::new("Dana", "Borys", "not-an-email"))
            .await
            .unwrap_err(),
        "email",
    );
    assert_invalid(
        &c.create(&NewCustomer::new(" ", "Borys", "d@example.com"))
            .await
            .unwrap_err(),
        "first_name",
    );
    assert_invalid(
        &c.create(&base().billing_address(Address::new("1 St", "Bath", "gbr", "BA1")))
            .await
            .unwrap_err(),
        "addresses.billing_address.country",
    );
    assert_invalid(
        &c.create(&base().shipping_address(Address::new("1 St", "", "GB", "BA1")))
            .await
            .unwrap_err(),
        "addresses.shipping_address.city",
    );
    assert_invalid(
        &c.create(&base().organisation(Organisation::new("")))
            .await
            .unwrap_err(),
        "organisation.name",
    );
    let keep = CustomerUpdate::new(AddressUpdate::Remove, AddressUpdate::Remove);
    assert_invalid(&c.update(0, &keep).await.unwrap_err(), "id");
    assert_invalid(
        &c.update(42, &keep.clone().phone("12345"))
            .await
            .unwrap_err(),
        "phone",
    );
    assert_invalid(&c.get(0).await.unwrap_err(), "id");
    assert_invalid(&c.find_by_customer_id("").await.unwrap_err(), "customer_id");
    assert!(matches!(
        c.create(&base().phone("x")).await.unwrap_err(),
        Error::InvalidInput { .. }
    ));
}

#[tokio::test]
async fn invalid_orders_are_refused_before_sending() {
    let (server, client) = setup().await;
    expect_no_request(&server).await;
    let o = client.orders();
    let line = || OrderLine::new(7);
    assert_invalid(
        &o.create_single_order(&NewSingleOrder::new(42, "EUR", "I1"))
            .await
            .unwrap_err(),
        "order_products",
    );
    assert_invalid(
        &o.create_single_order(&NewSingleOrder::new(42, "eur", "I1").product(line()))
            .await
            .unwrap_err(),
        "currency",
    );
    assert_invalid(
        &o.create_single_order(&NewSingleOrder::new(0, "EUR", "I1").product(line()))
            .await
            .unwrap_err(),
        "customer_id",
    );
    assert_invalid(
        &o.create_single_order(&NewSingleOrder::new(42, "EUR", "").product(line()))
            .await
            .unwrap_err(),
        "invoice_id",
    );
    assert_invalid(
        &o.create_single_order(&NewSingleOrder::new(42, "EUR", "I1").product(line().qty(0)))
            .await
            .unwrap_err(),
        "order_products[0].qty",
    );
    assert_invalid(
        &o.create_single_order(
            &NewSingleOrder::new(42, "EUR", "I1")
                .product(line())
                .product(OrderLine::new(0)),
        )
        .await
        .unwrap_err(),
        "order_products[1].product_id",
    );
    assert_invalid(
        &o.create_single_order(
            &NewSingleOrder::new(42, "EUR", "I1").product(line().amount(dec("-1.00"))),
        )
        .await
        .unwrap_err(),
        "order_products[0].amount",
    );
    assert_invalid(
        &o.create_single_order(
            &NewSingleOrder::new(42, "EUR", "I1")
                .product(line())
                .redirect_url("javascript:x"),
        )
        .await
        .unwrap_err(),
        "redirect_url",
    );
    assert_invalid(
        &o.create_instalment_order(&NewInstalmentOrder::new(
            42,
            "EUR",
            "I2",
            line(),
            0,
            Schedule::monthly(),
        ))
        .await
        .unwrap_err(),
        "split_number",
    );
    assert_invalid(
        &o.create_instalment_order(&NewInstalmentOrder::new(
            42,
            "EUR",
            "I2",
            line(),
            3,
            Schedule::new(0, ScheduleUnit::Day),
        ))
        .await
        .unwrap_err(),
        "scheduled_interval",
    );
    assert_invalid(
        &o.create_subscription_order(&NewSubscriptionOrder::new(
            42,
            "EUR",
            "I3",
            line(),
            Schedule::new(1, ScheduleUnit::from("FORTNIGHT")),
        ))
        .await
        .unwrap_err(),
        "scheduled_unit",
    );
    assert_invalid(
        &o.create_metered_order(
            &NewMeteredOrder::new(42, "EUR", "I4", line()).initial_amount(dec("-0.01")),
        )
        .await
        .unwrap_err(),
        "initial_amount",
    );
    assert_invalid(&o.get(0).await.unwrap_err(), "id");
    assert_invalid(&o.cancel(0).await.unwrap_err(), "id");
    assert_invalid(&o.pause(0).await.unwrap_err(), "id");
    assert_invalid(&o.resume(0).await.unwrap_err(), "id");
    assert_invalid(&o.renew_checkout(0).await.unwrap_err(), "id");
    assert_invalid(&o.find_by_invoice_id("").await.unwrap_err(), "invoice_id");
}

#[tokio::test]
async fn invalid_product_input_is_refused_before_sending() {
    let (server, client) = setup().await;
    expect_no_request(&server).await;
    assert_invalid(&client.products().get(0).await.unwrap_err(), "id");
    assert_invalid(
        &client
            .products()
            .list(&ProductFilter::new().product_id(" "))
            .collect_all()
            .await
            .unwrap_err(),
        "product_id",
    );
}

#[tokio::test]
async fn invalid_scheduled_payment_updates_are_refused_before_any_request() {
    let (server, client) = setup().await;
    expect_no_request(&server).await;
    let s = client.scheduled_payments();
    let err = s
        .update(9001, &ScheduledPaymentUpdate::new())
        .await
        .unwrap_err();
    assert_invalid(&err, "scheduled_payment");
    let err = s
        .update(9001, &ScheduledPaymentUpdate::new().amount(dec("0")))
        .await
        .unwrap_err();
    assert_invalid(&err, "amount");
    let err = s
        .update(
            9001,
            &ScheduledPaymentUpdate::new().schedule(0, ScheduleUnit::Month),
        )
        .await
        .unwrap_err();
    assert_invalid(&err, "scheduled_interval");
    let err = s
        .update(
            9001,
            &ScheduledPaymentUpdate::new().schedule(1, ScheduleUnit::from("QUARTER")),
        )
        .await
        .unwrap_err();
    assert_invalid(&err, "scheduled_duration_unit");
    let err = s
        .update(
            0,
            &ScheduledPaymentUpdate::new().status(TargetStatus::Skipped),
        )
        .await
        .unwrap_err();
    assert_invalid(&err, "id");
    assert_invalid(&s.get(0).await.unwrap_err(), "id");
    // Order id 0: the walk fails on its first poll, before sending.
    assert_invalid(
        &s.list_for_order(0).collect_all().await.unwrap_err(),
        "order_id",
    );
}
