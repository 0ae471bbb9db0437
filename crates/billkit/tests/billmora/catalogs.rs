//! Contract tests: catalogs, and lookups by slug, against `fixtures/billmora/`.

use crate::common::*;
use crate::packages::assert_starter;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

/// Every field of catalog 1 (`catalogs.show.ok`, seq 80).
pub fn assert_catalog_1(c: &Catalog) {
    assert_eq!(c.id, 1.into());
    assert_eq!(c.name, "Web Hosting");
    assert_eq!(c.slug, "hosting");
    assert_eq!(c.description, "Web hosting");
    assert_eq!(c.icon, None);
    assert_eq!(c.status, Some(CatalogStatus::Visible));
    assert_eq!(c.sort_order, Some(2));
    assert_eq!(c.created_at, ts("2026-12-03T06:32:08Z"));
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
    // `catalogs.list.default`: Domains, VPS, Web Hosting.
    assert_eq!(page.items.len(), 3);
    assert_catalog_1(&page.items[2]);
    assert_eq!(page.items[2].packages, None);
    assert_eq!(page.total, Some(3));
}

#[tokio::test]
async fn catalogs_get_with_packages() {
    let server = MockServer::start().await;
    api("GET", "/catalogs/1")
        .respond_with(ok("catalogs_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).catalogs().get(1).await.unwrap();
    assert_catalog_1(&c);
    assert_starter(&c.packages.as_ref().unwrap()[0]);
    assert_eq!(c.packages.as_ref().map(Vec::len), Some(3));
}

#[tokio::test]
async fn catalogs_create_and_update() {
    let server = MockServer::start().await;
    api("POST", "/catalogs")
        .and(body_json(json!({
            "name": "Email", "slug": "email", "description": "Mailboxes",
            "icon": "mail", "status": "hidden", "sort_order": 4
        })))
        .respond_with(created("catalogs_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/catalogs/1")
        .and(body_json(json!({"status": "hidden"})))
        .respond_with(ok("catalogs_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let new = NewCatalog::new("Email", "email", "Mailboxes")
        .icon("mail")
        .status(CatalogStatus::Hidden)
        .sort_order(4);
    let made = c.catalogs().create(&new).await.unwrap();
    // CatalogsController::store: as inserted, nothing loaded
    // (`catalogs.create.full`).
    assert_eq!((made.id, made.slug.as_str()), (5.into(), "email"));
    assert_eq!(made.description, "Mailboxes");
    assert_eq!(made.status, Some(CatalogStatus::Hidden));
    assert_eq!(
        (made.sort_order, made.icon.as_deref()),
        (Some(4), Some("mail"))
    );
    assert_eq!(made.packages, None);
    assert_eq!(made.created_at, ts("2026-12-03T07:46:16Z"));
    let updated = c
        .catalogs()
        .update(1, &CatalogUpdate::new().status(CatalogStatus::Hidden))
        .await
        .unwrap();
    assert_eq!(updated.id, 1.into());
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
async fn catalog_show_with_no_packages() {
    let server = MockServer::start().await;
    api("GET", "/catalogs/1")
        .respond_with(ok("catalogs_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).catalogs().get(1).await.unwrap();
    assert_eq!(
        (c.id, c.status.clone()),
        (1.into(), Some(CatalogStatus::Visible))
    );
    assert_eq!(c.packages, Some(Vec::new()));
}

#[tokio::test]
async fn find_by_slug_walks_every_catalog_and_package() {
    let server = MockServer::start().await;
    api("GET", "/catalogs")
        .respond_with(ok("catalogs_list.json"))
        .expect(2)
        .mount(&server)
        .await;
    api("GET", "/packages")
        .respond_with(ok("packages_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let catalog = c.catalogs().find_by_slug("Hosting").await.unwrap();
    assert_eq!(catalog.map(|c| c.id), Some(1.into()));
    assert_eq!(c.catalogs().find_by_slug("email").await.unwrap(), None);
    let package = c.packages().find_by_slug("pro").await.unwrap().unwrap();
    assert_eq!((package.id, package.slug.as_str()), (3.into(), "pro"));
    let queries: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.url.path(), r.url.query().unwrap_or("")))
        .collect();
    assert_eq!(
        queries,
        vec![
            "/api/v1/catalogs page=1&per_page=100",
            "/api/v1/catalogs page=1&per_page=100",
            "/api/v1/packages page=1&per_page=100",
        ]
    );
}
