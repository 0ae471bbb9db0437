//! Contract tests: invoices and orders (the money paths).

use billkit::billmora::*;
use chrono::NaiveDate;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

use crate::common::*;
use crate::contract_customers::assert_dana;

fn assert_invoice_55(i: &Invoice) {
    assert_eq!(i.id, 55.into());
    assert_eq!(i.invoice_number, "INV-000055");
    assert_eq!(i.status, InvoiceStatus::Unpaid);
    // Positive lines make the subtotal, negative ones the discount.
    assert_eq!(i.subtotal.to_string(), "55.98");
    assert_eq!(i.discount.to_string(), "5.00");
    assert_eq!(i.tax.to_string(), "0.00");
    assert_eq!(i.total, dec("50.98"));
    assert_eq!(i.currency, "USD");
    assert_eq!(i.notes, None);
    // Midnight of 2026-08-03 in Asia/Jakarta, the server's default zone.
    assert_eq!(i.due_date, ts("2026-08-02T17:00:00Z"));
    assert_eq!(
        i.due_day(),
        chrono::NaiveDate::from_ymd_opt(2026, 8, 3).unwrap()
    );
    assert_eq!(i.paid_at, None);
    assert_eq!(
        i.amount_due.to_string(),
        "50.98",
        "amount_due is a JSON number, read as cents"
    );
    assert_dana(i.user.as_ref().unwrap());
    assert_eq!(i.created_at, ts("2026-07-20T05:31:00Z"));
    assert_eq!(i.updated_at, ts("2026-07-20T05:31:00Z"));
}

#[tokio::test]
async fn invoices_list_with_filters() {
    let server = MockServer::start().await;
    api("GET", "/invoices")
        .respond_with(ok("invoices_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .invoices()
        .list(
            &InvoiceFilter::new()
                .status(InvoiceStatus::Unpaid)
                .search("INV")
                .user_id(12),
        )
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=unpaid&search=INV&user_id=12&page=1").await;
    assert_eq!(page.items.len(), 2);
    assert_invoice_55(&page.items[0]);
    assert_eq!(page.items[0].items, None, "lists omit items");
    let paid = &page.items[1];
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.paid_at, Some(ts("2026-07-19T12:00:01Z")));
    assert_eq!(paid.amount_due, dec("0"));
}

#[tokio::test]
async fn invoices_get_with_items() {
    let server = MockServer::start().await;
    api("GET", "/invoices/55")
        .respond_with(ok("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let inv = client(&server).invoices().get(55).await.unwrap();
    assert_invoice_55(&inv);
    let items = inv.items.unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].id, 101.into());
    assert_eq!(
        (items[0].service_id, items[0].registrant_id),
        (Some(30.into()), None)
    );
    assert_eq!(items[0].description, "Starter (20/07/2026 - 20/10/2026)");
    assert_eq!(items[1].quantity, 2);
    assert_eq!(items[1].unit_price.to_string(), "12.99");
    assert_eq!(items[1].amount.to_string(), "25.98");
    assert_eq!(
        (items[1].service_id, items[1].registrant_id),
        (None, Some(40.into()))
    );
    assert_eq!(items[2].unit_price.to_string(), "-5.00");
    assert_eq!(items[2].amount, dec("-5.00"));
}

#[tokio::test]
async fn invoices_create_sends_items_as_exact_numbers() {
    let server = MockServer::start().await;
    api("POST", "/invoices")
        .and(body_json(json!({
            "user_id": 12,
            "due_date": "2026-08-03",
            "currency": "USD",
            "items": [
                {"description": "Starter (20/07/2026 - 20/10/2026)", "quantity": 1, "unit_price": 30.00},
                {"description": "Domain registration borys.com - 1 year", "quantity": 2, "unit_price": 12.99},
                {"description": "Loyalty discount", "quantity": 1, "unit_price": -5.00}
            ],
            "send_email": false
        })))
        // InvoiceObserver refreshes the invoice after the commit: the
        // answer is the stored row with user and items, like a show.
        .respond_with(created("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewInvoice::new(12, NaiveDate::from_ymd_opt(2026, 8, 3).unwrap())
        .currency("USD")
        .item("Starter (20/07/2026 - 20/10/2026)", 1, dec("30.00"))
        .item("Domain registration borys.com - 1 year", 2, dec("12.99"))
        .item("Loyalty discount", 1, dec("-5.00"))
        .send_email(false);
    let inv = client(&server).invoices().create(&new).await.unwrap();
    assert_invoice_55(&inv);
    assert_eq!(inv.items.as_ref().map(Vec::len), Some(3));
    // Amounts travel as JSON numbers with their exact digits, never via f64.
    let req = only_request(&server).await;
    let body = String::from_utf8(req.body).unwrap();
    assert!(body.contains(r#""unit_price":30.00"#), "{body}");
    assert!(body.contains(r#""unit_price":-5.00"#), "{body}");
}

#[tokio::test]
async fn invoices_update_and_mark_paid() {
    let server = MockServer::start().await;
    api("PUT", "/invoices/55")
        .and(body_json(json!({"status": "paid"})))
        .respond_with(ok("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/invoices/56")
        .and(body_json(json!({"due_date": "2026-09-01"})))
        .respond_with(ok("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/invoices/57")
        .and(body_json(json!({"status": "unpaid"})))
        .respond_with(ok("invoices_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(c.invoices().mark_paid(55).await.unwrap().id, 55.into());
    let update = InvoiceUpdate::new().due_date(NaiveDate::from_ymd_opt(2026, 9, 1).unwrap());
    assert_invoice_55(&c.invoices().update(56, &update).await.unwrap());
    c.invoices().mark_unpaid(57).await.unwrap();
}

#[tokio::test]
async fn invoices_delete() {
    let server = MockServer::start().await;
    api("DELETE", "/invoices/55")
        .respond_with(ok_json(r#"{"message": "Invoice deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let d = client(&server).invoices().delete(55).await.unwrap();
    assert_eq!(d.message, "Invoice deleted successfully.");
}

fn assert_order_77(o: &Order) {
    assert_eq!(o.id, 77.into());
    assert_eq!(o.order_number, "ORD-000077");
    assert_eq!(o.status, OrderStatus::Pending);
    assert_eq!(o.subtotal.to_string(), "42.99");
    assert_eq!(o.discount.to_string(), "0.00");
    assert_eq!(o.setup_fee.to_string(), "5.00");
    assert_eq!(o.tax.map(|t| t.to_string()).as_deref(), Some("0.00"));
    assert_eq!(o.total.to_string(), "47.99");
    assert_eq!(o.currency, "USD");
    assert_eq!(o.notes, None);
    assert_eq!((o.completed_at, o.cancelled_at), (None, None));
    assert_dana(o.user.as_ref().unwrap());
    assert_eq!(o.created_at, ts("2026-07-20T05:31:00Z"));
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
        .list(
            &OrderFilter::new()
                .status(OrderStatus::Completed)
                .user_id(12),
        )
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=completed&user_id=12&page=1").await;
    assert_order_77(&page.items[0]);
    assert_eq!(page.items[0].items, None);
    assert_eq!(page.items[0].services, None);
    let done = &page.items[1];
    assert_eq!(done.status, OrderStatus::Completed);
    assert_eq!(done.notes.as_deref(), Some("Paid by bank transfer"));
    assert_eq!(done.completed_at, Some(ts("2026-07-19T12:00:02Z")));
}

#[tokio::test]
async fn orders_get_with_all_relations_and_raw_amounts() {
    let server = MockServer::start().await;
    api("GET", "/orders/77")
        .respond_with(ok("orders_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server).orders().get(77).await.unwrap();
    assert_order_77(&o);
    let items = o.items.as_ref().unwrap();
    assert_eq!(items[0].item_type, OrderItemType::Service);
    assert_eq!(items[0].billing_type, BillingType::Recurring);
    assert_eq!(items[0].billing_period, Some(BillingPeriod::Monthly));
    assert_eq!(items[0].billing_interval, Some(3));
    assert_eq!(
        items[0].unit_price.to_string(),
        "30.00",
        "string from MySQL"
    );
    assert_eq!(items[0].setup_fee.to_string(), "5.00");
    assert_eq!(items[0].amount.to_string(), "35.00");
    assert_eq!(items[1].item_type, OrderItemType::Domain);
    assert_eq!(items[1].billing_type, BillingType::Onetime);
    assert_eq!(items[1].billing_period, None);
    assert_eq!(
        items[1].unit_price.to_string(),
        "12.99",
        "number from SQLite"
    );
    assert_eq!(items[1].amount, dec("12.99"));
    assert_eq!(items[1].quantity, 1);
    let services = o.services.as_ref().unwrap();
    assert_eq!(
        (services[0].id, services[0].status.clone()),
        (30.into(), ServiceStatus::Pending)
    );
    assert_eq!(services[0].user, None, "nested services carry no user");
    let regs = o.registrants.as_ref().unwrap();
    assert_eq!(regs[0].domain, "borys.com");
    assert_eq!(regs[0].tld, None);
    let invs = o.invoices.as_ref().unwrap();
    assert_eq!(invs[0].id, 55.into());
    assert_eq!(invs[0].amount_due.to_string(), "50.98");
}

#[tokio::test]
async fn orders_create_always_sends_coupon() {
    let server = MockServer::start().await;
    api("POST", "/orders")
        .and(body_json(json!({
            "user_id": 12,
            "currency": "USD",
            "coupon": null,
            "status": "pending",
            "package_items": [
                {"package_id": 7, "billing_id": 21, "quantity": 1, "variant_options": {"5": 52, "6": [61, 62]}}
            ],
            "domain_items": [
                {"type": "register", "domain": "borys.com", "tld_id": 2, "years": 1}
            ]
        })))
        .respond_with(created("orders_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewOrder::new(12, "USD", OrderStatus::Pending)
        .package_item(
            PackageItem::new(7, 21)
                .quantity(1)
                .variant_option(5, 52)
                .variant_option(6, vec![61, 62]),
        )
        .domain_item(DomainItem::register("borys.com", 2, 1));
    let o = client(&server).orders().create(&new).await.unwrap();
    // OrderService's Order::create is not re-read: no tax, no notes; the
    // relations are loaded from the database.
    assert_eq!((o.id, o.order_number.as_str()), (77.into(), "ORD-000077"));
    assert_eq!(o.tax, None);
    assert_eq!(o.notes, None);
    assert_eq!(o.total, dec("47.99"));
    assert_eq!(o.created_at, ts("2026-07-22T08:15:42.613907Z"));
    assert_dana(o.user.as_ref().unwrap());
    assert_eq!(o.items.as_ref().map(Vec::len), Some(2));
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
    api("PUT", "/orders/77")
        .and(body_json(json!({"status": "cancelled"})))
        .respond_with(ok("orders_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server)
        .orders()
        .update(77, &OrderUpdate::new(OrderStatus::Cancelled))
        .await
        .unwrap();
    assert_order_77(&o);
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
