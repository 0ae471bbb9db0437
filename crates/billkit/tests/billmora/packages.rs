//! Contract tests: packages, against `fixtures/billmora/`.

use crate::catalogs::assert_catalog_3;
use crate::common::*;
use crate::variants::assert_memory_variant;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

pub fn assert_starter(p: &Package) {
    assert_eq!(p.id, 7.into());
    assert_eq!(p.name, "Starter");
    assert_eq!(p.slug, "starter");
    assert_eq!(p.description, "1 site, 10 GB");
    assert_eq!(p.icon, None);
    assert_eq!(p.status, Some(PackageStatus::Visible));
    assert_eq!((p.stock, p.per_user_limit), (Some(-1), Some(-1)));
    assert_eq!(p.allow_cancellation, Some(true));
    assert_eq!(p.allow_quantity, Some(AllowQuantity::Single));
    assert_eq!((p.prorata_day, p.prorata_next_month_day), (None, None));
    assert_eq!(p.auto_provision, Some(false));
    assert_eq!(p.sort_order, Some(0));
    assert_eq!(p.plugin_id, None);
    assert_eq!(
        p.provisioning_config,
        Some(serde_json::Map::new()),
        "[] column"
    );
    assert_eq!(p.created_at, ts("2026-06-01T10:02:00Z"));
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
    assert_starter(&page.items[0]);
    assert_catalog_3(page.items[0].catalog.as_ref().unwrap());
    assert_eq!(page.items[0].prices, None);
    let b = &page.items[1];
    assert_eq!(b.status, Some(PackageStatus::Hidden));
    assert_eq!((b.stock, b.per_user_limit), (Some(25), Some(2)));
    assert_eq!(b.allow_quantity, Some(AllowQuantity::Multiple));
    assert_eq!(
        (b.prorata_day, b.prorata_next_month_day),
        (Some(1), Some(20))
    );
    assert_eq!(b.auto_provision, Some(true));
    assert_eq!(b.plugin_id, Some(4.into()));
    assert_eq!(
        b.provisioning_config.as_ref().unwrap()["server_group"],
        json!("eu-1")
    );
}

#[tokio::test]
async fn packages_get_with_prices_and_variants() {
    let server = MockServer::start().await;
    api("GET", "/packages/7")
        .respond_with(ok("packages_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let p = client(&server).packages().get(7).await.unwrap();
    assert_starter(&p);
    assert_catalog_3(p.catalog.as_ref().unwrap());
    let price = &p.prices.as_ref().unwrap()[0];
    assert_eq!(price.id, 21.into());
    assert_eq!(price.name, "Monthly");
    assert_eq!(price.price_type, BillingType::Recurring);
    assert_eq!(price.billing_period, Some(BillingPeriod::Monthly));
    assert_eq!((price.billing_interval, price.enabled), (None, None));
    let rates = price.rates.as_ref().unwrap();
    let usd = &rates["USD"];
    assert_eq!(usd.currency.as_deref(), Some("USD"));
    assert_eq!(usd.price.unwrap().to_string(), "10.00");
    assert_eq!(usd.setup_fee.unwrap().to_string(), "5.00");
    assert_eq!(usd.enabled, Some(true));
    let eur = &rates["EUR"];
    assert_eq!(eur.price, Some(dec("9.50")));
    assert_eq!((eur.setup_fee, eur.enabled), (None, Some(false)));
    assert_memory_variant(&p.variants.as_ref().unwrap()[0]);
}

#[tokio::test]
async fn packages_create_sends_exact_body() {
    let server = MockServer::start().await;
    api("POST", "/packages")
        .and(body_json(json!({
            "name": "Starter", "catalog_id": 3, "slug": "starter", "description": "1 site, 10 GB",
            "status": "visible", "stock": -1, "per_user_limit": -1, "allow_cancellation": true,
            "allow_quantity": "single", "prorata_day": 0, "auto_provision": false, "sort_order": 0,
            "provisioning_config": {"server_group": "eu-1"}
        })))
        .respond_with(created("packages_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = serde_json::Map::new();
    config.insert("server_group".into(), json!("eu-1"));
    let new = NewPackage::new(3, "Starter", "starter", "1 site, 10 GB")
        .status(PackageStatus::Visible)
        .stock(-1)
        .per_user_limit(-1)
        .allow_cancellation(true)
        .allow_quantity(AllowQuantity::Single)
        .prorata_day(0)
        .auto_provision(false)
        .sort_order(0)
        .provisioning_config(config);
    let p = client(&server).packages().create(&new).await.unwrap();
    // PackagesController::store: the model as inserted, plus its catalog.
    assert_eq!(
        (p.id, p.name.as_str(), p.slug.as_str()),
        (8.into(), "Starter", "starter")
    );
    assert_eq!(p.status, Some(PackageStatus::Visible));
    assert_eq!((p.stock, p.per_user_limit), (Some(-1), Some(-1)));
    assert_eq!(p.allow_cancellation, Some(true));
    assert_eq!(p.allow_quantity, Some(AllowQuantity::Single));
    assert_eq!((p.prorata_day, p.prorata_next_month_day), (Some(0), None));
    assert_eq!((p.auto_provision, p.sort_order), (Some(false), Some(0)));
    assert_eq!((p.icon.clone(), p.plugin_id), (None, None));
    assert_eq!(
        p.provisioning_config
            .as_ref()
            .and_then(|c| c.get("server_group")),
        Some(&json!("eu-1"))
    );
    let catalog = p.catalog.as_deref().unwrap();
    assert_catalog_3(catalog);
    assert_eq!(catalog.packages, None);
    assert_eq!((p.prices.clone(), p.variants.clone()), (None, None));
    assert_eq!(p.created_at, ts("2026-07-22T08:15:42.613907Z"));
}

#[tokio::test]
async fn packages_update_partial() {
    let server = MockServer::start().await;
    api("PUT", "/packages/7")
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
            .update(7, &update)
            .await
            .unwrap()
            .id,
        7.into()
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
    api("GET", "/packages/7")
        .respond_with(ok("packages_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let p = client(&server).packages().get(7).await.unwrap();
    assert_eq!(p.id, 7.into());
    // `packages.catalog_id` restricts deletes: a package always has one.
    assert_eq!(p.catalog.as_ref().map(|c| c.id), Some(3.into()));
    assert_eq!(p.prices, Some(Vec::new()));
    assert_eq!(p.variants, Some(Vec::new()));
}
