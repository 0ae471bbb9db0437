//! Contract tests: catalogs, and lookups by slug, against `fixtures/billmora/`.

use crate::common::*;
use crate::packages::assert_starter;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

pub fn assert_catalog_3(c: &Catalog) {
    assert_eq!(c.id, 3.into());
    assert_eq!(c.name, "Web Hosting");
    assert_eq!(c.slug, "web-hosting");
    assert_eq!(c.description, "Shared hosting plans");
    assert_eq!(c.icon, None);
    assert_eq!(c.status, Some(CatalogStatus::Visible));
    assert_eq!(c.sort_order, Some(1));
    assert_eq!(c.created_at, ts("2026-06-01T10:00:00Z"));
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
async fn catalog_show_with_no_packages() {
    let server = MockServer::start().await;
    api("GET", "/catalogs/3")
        .respond_with(ok("catalogs_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).catalogs().get(3).await.unwrap();
    assert_eq!(
        (c.id, c.status.clone()),
        (3.into(), Some(CatalogStatus::Visible))
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
    let catalog = c.catalogs().find_by_slug("Web-Hosting").await.unwrap();
    assert_eq!(catalog.map(|c| c.id), Some(3.into()));
    assert_eq!(c.catalogs().find_by_slug("vps").await.unwrap(), None);
    let package = c
        .packages()
        .find_by_slug("business")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((package.id, package.slug.as_str()), (8.into(), "business"));
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
