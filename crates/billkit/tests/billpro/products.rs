//! Products: list (paged), filter, get.

use billkit::billpro::{ProductFilter, ProductStatus, PurchaseType, ScheduleUnit};
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::{header, method, path};

use crate::common::*;

fn page_query(page: &str) -> ExactQuery {
    query(&[("page", page), ("profile_id", "5")])
}

#[tokio::test]
async fn list_reads_the_seed_example_verbatim() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/products"))
        .and(page_query("1"))
        .and(header("authorization", BEARER))
        .and(header("accept", "application/json"))
        .respond_with(json(200, fixture("products_seed_example.json")))
        .expect(1)
        .mount(&server)
        .await;

    let products = client
        .products()
        .list(&ProductFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(products.len(), 1);
    let p = &products[0];
    assert_eq!(p.id.get(), 1);
    assert_eq!(p.product_id, "E2824181D8");
    assert_eq!(p.currency, "GBP");
    assert_eq!(p.price, dec("44.99"));
    assert_eq!(p.price.to_string(), "44.99");
    assert_eq!(p.product_type, PurchaseType::Subscription);
    assert_eq!(p.product_status, ProductStatus::Active);
    assert!(p.lock_price);
    assert!(!p.lock_payment_config);
    assert_eq!(p.product_group.as_deref(), Some("Memberships"));
    assert_eq!(p.scheduled_interval, Some(1));
    assert_eq!(p.scheduled_unit, Some(ScheduleUnit::Month));
    assert!(p.fee_for_initial_payment_only);
    assert!(p.discount_for_initial_payment_only);
    assert_eq!(
        p.deposit_amount.map(|d| d.to_string()),
        Some("42.74".into())
    );
    assert_eq!(p.created_at, ts("2024-02-12T15:12:37.314Z"));
    let discount = p.discount.as_ref().unwrap();
    assert_eq!(discount.name, "Discount 5%");
    assert_eq!(discount.percentage.to_string(), "5.00");
    assert_eq!(
        discount.description.as_deref(),
        Some("Five Percent New Customer Discount")
    );
    assert_eq!(discount.created_at, Some(ts("2022-05-05T15:23:16.666Z")));
    assert_eq!(discount.updated_at, Some(ts("2022-06-14T10:45:13.933Z")));
    let tax = p.tax.as_ref().unwrap();
    assert_eq!(tax.name, "VAT Spain");
    assert_eq!(tax.percentage.to_string(), "21.00");
    assert_eq!(
        tax.description.as_deref(),
        Some("Spain Value Added Tax 21%")
    );
    assert_eq!(tax.created_at, Some(ts("2022-05-05T15:18:09.958Z")));
    assert_eq!(tax.updated_at, Some(ts("2022-05-08T16:06:29.185Z")));
    // Every field, once more, through the model's own serialization.
    assert_eq!(
        serde_json::to_value(p).unwrap(),
        json!({
            "id": 1, "product_id": "E2824181D8", "currency": "GBP", "price": "44.99",
            "product_type": "subscription", "product_status": "active",
            "lock_price": true, "lock_payment_config": false, "product_group": "Memberships",
            "scheduled_interval": 1, "scheduled_unit": "MONTH",
            "fee_for_initial_payment_only": true, "discount_for_initial_payment_only": true,
            "deposit_amount": "42.74", "created_at": "2024-02-12T15:12:37.314Z",
            "discount": {"name": "Discount 5%", "percentage": "5.00",
                "description": "Five Percent New Customer Discount",
                "created_at": "2022-05-05T15:23:16.666Z", "updated_at": "2022-06-14T10:45:13.933Z"},
            "tax": {"name": "VAT Spain", "percentage": "21.00",
                "description": "Spain Value Added Tax 21%",
                "created_at": "2022-05-05T15:18:09.958Z", "updated_at": "2022-05-08T16:06:29.185Z"}
        })
    );
}

#[tokio::test]
async fn list_with_a_product_id_filter_keeps_it_on_the_query() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/products"))
        .and(query(&[
            ("product_id", "E2824181D8"),
            ("page", "1"),
            ("profile_id", "5"),
        ]))
        .and(header("authorization", BEARER))
        .respond_with(json(200, fixture("products_seed_example.json")))
        .expect(1)
        .mount(&server)
        .await;
    let found = client
        .products()
        .list(&ProductFilter::new().product_id("E2824181D8"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].product_id, "E2824181D8");
    assert_eq!(found[0].price, dec("44.99"));
}

#[tokio::test]
async fn get_reads_numbers_as_exact_money_and_null_discount_and_tax() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/products/7"))
        .and(profile_only())
        .and(header("authorization", BEARER))
        .respond_with(json(200, fixture("product_single_payment.json")))
        .expect(1)
        .mount(&server)
        .await;
    let p = client.products().get(7).await.unwrap();
    assert_eq!(p.id.get(), 7);
    assert_eq!(p.product_id, "A1B2C3D4E5");
    assert_eq!(p.currency, "EUR");
    // `20.00` sent as a JSON number keeps its two decimals.
    assert_eq!(p.price.to_string(), "20.00");
    assert_eq!(p.product_type, PurchaseType::SinglePayment);
    assert_eq!(p.product_status, ProductStatus::Active);
    assert_eq!(p.product_group, None);
    assert_eq!(p.scheduled_interval, None);
    assert_eq!(p.scheduled_unit, None);
    assert_eq!(p.deposit_amount, None);
    assert_eq!(p.discount, None);
    assert_eq!(p.tax, None);
    assert_eq!(p.created_at, ts("2024-03-01T09:00:00.120Z"));
}
