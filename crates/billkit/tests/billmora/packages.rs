//! Contract tests: packages, against `fixtures/billmora/`.

use crate::catalogs::assert_catalog_1;
use crate::common::*;
use crate::variants::assert_memory_variant;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

/// Every field of package 1 (`packages.show.ok`, seq 110; also in
/// `packages.list.default` and `catalogs.show.ok`).
pub fn assert_starter(p: &Package) {
    assert_eq!(p.id, 1.into());
    assert_eq!(p.name, "Starter+");
    assert_eq!(p.slug, "starter");
    assert_eq!(p.description, "Bigger");
    assert_eq!(p.icon, None);
    assert_eq!(p.status, Some(PackageStatus::Visible));
    assert_eq!((p.stock, p.per_user_limit), (Some(-1), Some(-1)));
    assert_eq!(p.allow_cancellation, Some(true));
    assert_eq!(p.allow_quantity, Some(AllowQuantity::Single));
    assert_eq!((p.prorata_day, p.prorata_next_month_day), (None, None));
    assert_eq!(p.auto_provision, Some(true));
    assert_eq!(p.sort_order, Some(0));
    assert_eq!(p.plugin_id, None);
    assert_eq!(
        p.provisioning_config.as_ref().map(|c| c["disk"].clone()),
        Some(json!(10))
    );
    assert_eq!(p.created_at, ts("2026-12-03T06:32:09Z"));
}

#[tokio::test]
async fn packages_list_with_catalog() {
    let server = MockServer::start().await;
    api("GET", "/packages")
        .respond_with(ok("packages_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .packages()
        .list(
            &PackageFilter::new()
                .status(PackageStatus::Visible)
                .search("Star"),
        )
        .per_page(50)
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=visible&search=Star&page=1&per_page=50").await;
    // `packages.list.default`: Basic, Pro, Starter+.
    assert_starter(&page.items[2]);
    assert_catalog_1(page.items[2].catalog.as_ref().unwrap());
    assert_eq!(page.items[2].prices, None);
    let b = &page.items[1];
    assert_eq!((b.id, b.name.as_str()), (3.into(), "Pro"));
    assert_eq!(b.status, Some(PackageStatus::Hidden));
    assert_eq!((b.stock, b.per_user_limit), (Some(10), Some(2)));
    assert_eq!(b.allow_quantity, Some(AllowQuantity::Multiple));
    assert_eq!(
        (b.prorata_day, b.prorata_next_month_day),
        (Some(1), Some(20))
    );
    assert_eq!(b.auto_provision, Some(false));
    assert_eq!(b.plugin_id, None);
    assert_eq!(b.provisioning_config.as_ref().unwrap()["disk"], json!(50));
    // A `provisioning_config` never set is null, not `[]`.
    assert_eq!(page.items[0].provisioning_config, None);
}

#[tokio::test]
async fn packages_get_with_prices_and_variants() {
    let server = MockServer::start().await;
    api("GET", "/packages/1")
        .respond_with(ok("packages_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let p = client(&server).packages().get(1).await.unwrap();
    assert_starter(&p);
    assert_catalog_1(p.catalog.as_ref().unwrap());
    let price = &p.prices.as_ref().unwrap()[0];
    assert_eq!(price.id, 1.into());
    assert_eq!(price.name, "Monthly");
    assert_eq!(price.price_type, BillingType::Recurring);
    assert_eq!(price.billing_period, Some(BillingPeriod::Monthly));
    assert_eq!((price.billing_interval, price.enabled), (None, None));
    // The rates are JSON numbers here (`12.5`, `5`), read as cents.
    let rates = price.rates.as_ref().unwrap();
    assert_eq!(rates.len(), 1);
    let usd = &rates["USD"];
    assert_eq!(usd.currency, None);
    assert_eq!(usd.price.unwrap().to_string(), "12.50");
    assert_eq!(usd.setup_fee.unwrap().to_string(), "5.00");
    assert_eq!(usd.enabled, Some(true));
    assert_eq!(p.variants, Some(Vec::new()));
}

/// Variants with priced options inside a package: `packages.show.ok` with
/// a hand-written variant list, since the recording has no variant with
/// prices (the API cannot create variants or their prices).
#[tokio::test]
async fn packages_get_with_priced_variants() {
    let server = MockServer::start().await;
    api("GET", "/packages/1")
        .respond_with(ok("packages_show_with_variants.json"))
        .expect(1)
        .mount(&server)
        .await;
    let p = client(&server).packages().get(1).await.unwrap();
    assert_starter(&p);
    assert_eq!(p.variants.as_ref().map(Vec::len), Some(1));
    assert_memory_variant(&p.variants.as_ref().unwrap()[0]);
}

#[tokio::test]
async fn packages_create_sends_exact_body() {
    let server = MockServer::start().await;
    api("POST", "/packages")
        .and(body_json(json!({
            "name": "Business", "catalog_id": 1, "slug": "business", "description": "Bigger site",
            "status": "visible", "icon": "briefcase", "stock": -1, "per_user_limit": 2,
            "allow_cancellation": true, "allow_quantity": "multiple", "prorata_day": 0,
            "prorata_next_month_day": 0, "auto_provision": false, "sort_order": 3,
            "provisioning_config": {"disk": 50, "bandwidth": "unmetered"}
        })))
        .respond_with(created("packages_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = serde_json::Map::new();
    config.insert("disk".into(), json!(50));
    config.insert("bandwidth".into(), json!("unmetered"));
    let new = NewPackage::new(1, "Business", "business", "Bigger site")
        .status(PackageStatus::Visible)
        .icon("briefcase")
        .stock(-1)
        .per_user_limit(2)
        .allow_cancellation(true)
        .allow_quantity(AllowQuantity::Multiple)
        .prorata_day(0)
        .prorata_next_month_day(0)
        .auto_provision(false)
        .sort_order(3)
        .provisioning_config(config);
    let p = client(&server).packages().create(&new).await.unwrap();
    // PackagesController::store: the model as inserted, plus its catalog
    // (`packages.create.full`).
    assert_eq!(
        (p.id, p.name.as_str(), p.slug.as_str()),
        (5.into(), "Business", "business")
    );
    assert_eq!(p.status, Some(PackageStatus::Visible));
    assert_eq!((p.stock, p.per_user_limit), (Some(-1), Some(2)));
    assert_eq!(p.allow_cancellation, Some(true));
    assert_eq!(p.allow_quantity, Some(AllowQuantity::Multiple));
    assert_eq!(
        (p.prorata_day, p.prorata_next_month_day),
        (Some(0), Some(0))
    );
    assert_eq!((p.auto_provision, p.sort_order), (Some(false), Some(3)));
    assert_eq!((p.icon.as_deref(), p.plugin_id), (Some("briefcase"), None));
    assert_eq!(
        p.provisioning_config
            .as_ref()
            .and_then(|c| c.get("bandwidth")),
        Some(&json!("unmetered"))
    );
    let catalog = p.catalog.as_deref().unwrap();
    assert_catalog_1(catalog);
    assert_eq!(catalog.packages, None);
    assert_eq!((p.prices.clone(), p.variants.clone()), (None, None));
    assert_eq!(p.created_at, ts("2026-12-03T07:46:18Z"));
}

#[tokio::test]
async fn packages_update_partial() {
    let server = MockServer::start().await;
    api("PUT", "/packages/1")
        .and(body_json(
            json!({"name": "Starter Plus", "stock": 10, "prorata_next_month_day": 31}),
        ))
        .respond_with(ok("packages_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let update = PackageUpdate::new()
        .name("Starter Plus")
        .stock(10)
        .prorata_next_month_day(31);
    assert_eq!(
        client(&server)
            .packages()
            .update(1, &update)
            .await
            .unwrap()
            .id,
        1.into()
    );
}

#[tokio::test]
async fn packages_delete() {
    let server = MockServer::start().await;
    api("DELETE", "/packages/7")
        .respond_with(ok_json(r#"{"message": "Package deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).packages().delete(7).await.unwrap().message,
        "Package deleted successfully."
    );
}

#[tokio::test]
async fn package_show_with_no_prices_or_variants() {
    let server = MockServer::start().await;
    api("GET", "/packages/1")
        .respond_with(ok("packages_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let p = client(&server).packages().get(1).await.unwrap();
    assert_eq!(p.id, 1.into());
    // `packages.catalog_id` restricts deletes: a package always has one.
    assert_eq!(p.catalog.as_ref().map(|c| c.id), Some(1.into()));
    assert_eq!(p.prices, Some(Vec::new()));
    assert_eq!(p.variants, Some(Vec::new()));
}
