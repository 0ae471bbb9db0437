//! Contract tests: packages, catalogs, variants.

use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

use crate::common::*;

fn assert_catalog_3(c: &Catalog) {
    assert_eq!(c.id, 3.into());
    assert_eq!(c.name, "Web Hosting");
    assert_eq!(c.slug, "web-hosting");
    assert_eq!(c.description, "Shared hosting plans");
    assert_eq!(c.icon, None);
    assert_eq!(c.status, Some(CatalogStatus::Visible));
    assert_eq!(c.sort_order, Some(1));
    assert_eq!(c.created_at, ts("2026-06-01T10:00:00Z"));
}

fn assert_starter(p: &Package) {
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

fn assert_memory_variant(v: &Variant) {
    assert_eq!(v.id, 5.into());
    assert_eq!(v.name, "Memory");
    assert_eq!(v.code, "memory");
    assert_eq!(v.status, VariantStatus::Visible);
    assert!(v.is_scalable);
    assert_eq!(
        v.updated_at.timestamp_subsec_micros(),
        0,
        "MySQL timestamps: whole seconds"
    );
    let options = v.options.as_ref().unwrap();
    assert_eq!(
        (
            options[0].id,
            options[0].name.as_str(),
            options[0].value.as_str()
        ),
        (51.into(), "2 GB", "2048")
    );
    let price = &options[0].prices.as_ref().unwrap()[0];
    assert_eq!(price.id, 511.into());
    let usd = &price.rates.as_ref().unwrap()["USD"];
    assert_eq!(usd.price.unwrap().to_string(), "0.00");
    assert_eq!(usd.setup_fee, None);
    assert_eq!(usd.enabled, Some(true));
    let empty = &options[1].prices.as_ref().unwrap()[0];
    assert_eq!(empty.rates.as_ref().map(|r| r.len()), Some(0), "[] rates");
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
async fn catalogs_list() {
    let server = MockServer::start().await;
    api("GET", "/catalogs")
        .respond_with(ok("catalogs_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .catalogs()
        .list(
            &CatalogFilter::new()
                .status(CatalogStatus::Visible)
                .search("Web"),
        )
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=visible&search=Web&page=1").await;
    assert_eq!(page.items.len(), 1);
    assert_catalog_3(&page.items[0]);
    assert_eq!(page.items[0].packages, None);
    assert_eq!(page.total, Some(1));
}

#[tokio::test]
async fn catalogs_get_with_packages() {
    let server = MockServer::start().await;
    api("GET", "/catalogs/3")
        .respond_with(ok("catalogs_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).catalogs().get(3).await.unwrap();
    assert_catalog_3(&c);
    assert_starter(&c.packages.as_ref().unwrap()[0]);
}

#[tokio::test]
async fn catalogs_create_and_update() {
    let server = MockServer::start().await;
    api("POST", "/catalogs")
        .and(body_json(json!({
            "name": "Web Hosting", "slug": "web-hosting", "description": "Shared hosting plans",
            "status": "visible", "sort_order": 1
        })))
        .respond_with(created("catalogs_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/catalogs/3")
        .and(body_json(json!({"status": "hidden"})))
        .respond_with(ok("catalogs_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let new = NewCatalog::new("Web Hosting", "web-hosting", "Shared hosting plans")
        .status(CatalogStatus::Visible)
        .sort_order(1);
    let made = c.catalogs().create(&new).await.unwrap();
    // CatalogsController::store: as inserted, nothing loaded.
    assert_eq!((made.id, made.slug.as_str()), (4.into(), "web-hosting"));
    assert_eq!(made.description, "Shared hosting plans");
    assert_eq!(made.status, Some(CatalogStatus::Visible));
    assert_eq!((made.sort_order, made.icon.clone()), (Some(1), None));
    assert_eq!(made.packages, None);
    assert_eq!(made.created_at, ts("2026-07-22T08:15:42.613907Z"));
    let updated = c
        .catalogs()
        .update(3, &CatalogUpdate::new().status(CatalogStatus::Hidden))
        .await
        .unwrap();
    assert_eq!(updated.id, 3.into());
}

#[tokio::test]
async fn catalogs_delete() {
    let server = MockServer::start().await;
    api("DELETE", "/catalogs/3")
        .respond_with(ok_json(r#"{"message": "Catalog deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).catalogs().delete(3).await.unwrap().message,
        "Catalog deleted successfully."
    );
}

#[tokio::test]
async fn variants_list_with_options() {
    let server = MockServer::start().await;
    api("GET", "/variants")
        .respond_with(ok("variants_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .variants()
        .list(&VariantFilter::new().search("Mem"))
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "search=Mem&page=1").await;
    assert_memory_variant(&page.items[0]);
    let loc = &page.items[1];
    assert_eq!(
        (loc.status.clone(), loc.is_scalable),
        (VariantStatus::Hidden, false)
    );
    assert_eq!(loc.options.as_deref(), Some(&[][..]));
}

#[tokio::test]
async fn variants_get() {
    let server = MockServer::start().await;
    api("GET", "/variants/5")
        .respond_with(ok("variants_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    assert_memory_variant(&client(&server).variants().get(5).await.unwrap());
}

#[tokio::test]
async fn variants_create_update_delete() {
    let server = MockServer::start().await;
    api("POST", "/variants")
        .and(body_json(
            json!({"name": "Memory", "code": "memory", "status": "visible", "is_scalable": true}),
        ))
        // Every current server: `variants.type` is NOT NULL, never set.
        .respond_with(reply(500, "error_500.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/variants/5")
        .and(body_json(json!({"is_scalable": false})))
        .respond_with(ok("variants_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("DELETE", "/variants/5")
        .respond_with(ok_json(r#"{"message": "Variant deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let new = NewVariant::new("Memory", "memory")
        .status(VariantStatus::Visible)
        .is_scalable(true);
    let err = c.variants().create(&new).await.unwrap_err();
    assert_eq!(
        err.known_server_bug(),
        Some(KnownServerBug::VariantTypeColumn)
    );
    let v = c
        .variants()
        .update(5, &VariantUpdate::new().is_scalable(false))
        .await
        .unwrap();
    assert_eq!(v.id, 5.into());
    assert_eq!(
        c.variants().delete(5).await.unwrap().message,
        "Variant deleted successfully."
    );
}
