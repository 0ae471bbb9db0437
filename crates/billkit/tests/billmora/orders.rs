//! Contract tests: orders, against `fixtures/billmora/`.

use crate::common::*;
use crate::users::assert_cust01;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

/// Every field of order 2 (`orders.show.ok`, seq 276; also in
/// `orders.list.default`).
pub fn assert_order_2(o: &Order) {
    assert_eq!(o.id, 2.into());
    assert_eq!(o.order_number, "ORD-0001");
    assert_eq!(o.status, OrderStatus::Pending);
    assert_eq!(o.subtotal.to_string(), "12.50");
    assert_eq!(o.discount.to_string(), "0.00");
    assert_eq!(o.setup_fee.to_string(), "5.00");
    assert_eq!(o.tax.map(|t| t.to_string()).as_deref(), Some("0.00"));
    assert_eq!(o.total.to_string(), "17.50");
    assert_eq!(o.currency, "USD");
    assert_eq!(o.notes, None);
    assert_eq!((o.completed_at, o.cancelled_at), (None, None));
    assert_cust01(o.user.as_ref().unwrap());
    assert_eq!(o.created_at, ts("2026-12-03T07:46:31Z"));
}

#[tokio::test]
async fn orders_list_with_filters() {
    let server = MockServer::start().await;
    api("GET", "/orders")
        .respond_with(ok("orders_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .orders()
        .list(&OrderFilter::new().status(OrderStatus::Completed).user_id(2))
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=completed&user_id=2&page=1").await;
    assert_order_2(&page.items[0]);
    assert_eq!(page.items[0].items, None);
    assert_eq!(page.items[0].services, None);
    let done = &page.items[1];
    assert_eq!(
        (done.id, done.status.clone()),
        (3.into(), OrderStatus::Completed)
    );
    assert_eq!(done.notes, None);
    assert_eq!(done.completed_at, Some(ts("2026-12-03T07:46:31Z")));
}

#[tokio::test]
async fn orders_get_with_all_relations_and_raw_amounts() {
    let server = MockServer::start().await;
    api("GET", "/orders/2")
        .respond_with(ok("orders_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/orders/3")
        .respond_with(ok("orders_show_domain.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let o = c.orders().get(2).await.unwrap();
    assert_order_2(&o);
    let items = o.items.as_ref().unwrap();
    assert_eq!(items[0].item_type, OrderItemType::Service);
    assert_eq!(items[0].billing_type, BillingType::Recurring);
    assert_eq!(items[0].billing_period, Some(BillingPeriod::Monthly));
    assert_eq!(items[0].billing_interval, Some(1));
    assert_eq!(
        items[0].unit_price.to_string(),
        "12.50",
        "string from MySQL"
    );
    assert_eq!(items[0].setup_fee.to_string(), "5.00");
    assert_eq!(items[0].amount.to_string(), "17.50");
    assert_eq!(items[0].quantity, 1);
    let services = o.services.as_ref().unwrap();
    assert_eq!(
        (services[0].id, services[0].status.clone()),
        (2.into(), ServiceStatus::Pending)
    );
    assert_eq!(services[0].user, None, "nested services carry no user");
    assert_eq!(o.registrants, Some(Vec::new()));
    let invs = o.invoices.as_ref().unwrap();
    assert_eq!(invs[0].id, 20.into());
    assert_eq!(invs[0].amount_due.to_string(), "17.50");

    // The domain order: a one-time item that still names a period.
    let o = c.orders().get(3).await.unwrap();
    let items = o.items.as_ref().unwrap();
    assert_eq!(items[0].item_type, OrderItemType::Domain);
    assert_eq!(items[0].billing_type, BillingType::Onetime);
    assert_eq!(items[0].billing_period, Some(BillingPeriod::Yearly));
    assert_eq!(items[0].unit_price.to_string(), "10.99");
    assert_eq!(items[0].amount, dec("10.99"));
    assert_eq!(items[0].quantity, 1);
    let regs = o.registrants.as_ref().unwrap();
    assert_eq!(regs[0].domain, "example-rec");
    assert_eq!(regs[0].tld, None);
    let invs = o.invoices.as_ref().unwrap();
    assert_eq!(
        (invs[0].id, invs[0].status.clone()),
        (21.into(), InvoiceStatus::Paid)
    );
    assert_eq!(invs[0].amount_due.to_string(), "10.99");
}

#[tokio::test]
async fn orders_create_always_sends_coupon() {
    let server = MockServer::start().await;
    api("POST", "/orders")
        .and(body_json(json!({
            "user_id": 2,
            "currency": "USD",
            "coupon": null,
            "status": "pending",
            "package_items": [
                {"package_id": 1, "billing_id": 1, "quantity": 1, "variant_options": {"5": 52, "6": [61, 62]}}
            ],
            "domain_items": [
                {"type": "register", "domain": "borys.com", "tld_id": 1, "years": 1}
            ]
        })))
        .respond_with(created("orders_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewOrder::new(2, "USD", OrderStatus::Pending)
        .package_item(
            PackageItem::new(1, 1)
                .quantity(1)
                .variant_option(5, 52)
                .variant_option(6, vec![61, 62]),
        )
        .domain_item(DomainItem::register("borys.com", 1, 1));
    let o = client(&server).orders().create(&new).await.unwrap();
    // OrderService's Order::create is not re-read: no tax, no notes; the
    // relations are loaded from the database (`orders.create.package_item`).
    assert_eq!((o.id, o.order_number.as_str()), (2.into(), "ORD-0001"));
    assert_eq!(o.tax, None);
    assert_eq!(o.notes, None);
    assert_eq!(o.total, dec("17.50"));
    assert_eq!(o.created_at, ts("2026-12-03T07:46:31Z"));
    assert_cust01(o.user.as_ref().unwrap());
    assert_eq!(o.items.as_ref().map(Vec::len), Some(1));
    assert_eq!(o.invoices.as_ref().unwrap()[0].tax, dec("0.00"));
}

#[tokio::test]
async fn orders_create_with_coupon_and_transfer() {
    let server = MockServer::start().await;
    api("POST", "/orders")
        .and(body_json(json!({
            "user_id": 12, "currency": "EUR", "coupon": "SUMMER26", "status": "processing",
            "domain_items": [
                {"type": "transfer", "domain": "borys.dev", "tld_id": 4, "years": 2, "epp_code": "X1-Y2"}
            ]
        })))
        .respond_with(created("orders_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewOrder::new(12, "EUR", OrderStatus::Processing)
        .coupon("SUMMER26")
        .domain_item(DomainItem::transfer("borys.dev", 4, 2, "X1-Y2"));
    let o = client(&server).orders().create(&new).await.unwrap();
    assert_eq!(o.tax, None);
}

#[tokio::test]
async fn orders_update_status_only() {
    let server = MockServer::start().await;
    api("PUT", "/orders/2")
        .and(body_json(json!({"status": "cancelled"})))
        .respond_with(ok("orders_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server)
        .orders()
        .update(2, &OrderUpdate::new(OrderStatus::Cancelled))
        .await
        .unwrap();
    assert_order_2(&o);
}

#[tokio::test]
async fn orders_delete() {
    let server = MockServer::start().await;
    api("DELETE", "/orders/77")
        .respond_with(ok_json(r#"{"message": "Order deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).orders().delete(77).await.unwrap().message,
        "Order deleted successfully."
    );
}

#[tokio::test]
async fn order_show_with_its_relations_empty() {
    let server = MockServer::start().await;
    api("GET", "/orders/3")
        .respond_with(ok("orders_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server).orders().get(3).await.unwrap();
    assert_eq!((o.id, o.order_number.as_str()), (3.into(), "ORD-0002"));
    assert_eq!(o.user, None);
    assert_eq!(o.items, Some(Vec::new()));
    assert_eq!(o.services, Some(Vec::new()));
    assert_eq!(o.registrants, Some(Vec::new()));
    assert_eq!(o.invoices, Some(Vec::new()));
    assert_eq!(o.total, dec("10.99"));
}
