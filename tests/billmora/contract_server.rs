//! Contract tests for what the real server sends that the happy-path
//! tests do not show: shows whose relations are loaded but empty (or whose
//! user was soft-deleted, which renders as `null`), creates with only the
//! required fields (the controllers answer the model as inserted), the
//! server's own bugs, and the lookup of a user by email.

use billkit::billmora::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, query_param};
use wiremock::{MockServer, ResponseTemplate};

use crate::common::*;

fn json_fixture(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

#[tokio::test]
async fn users_create_with_only_required_fields_answers_nulls() {
    let server = MockServer::start().await;
    api("POST", "/users")
        .and(body_json(json!({
            "first_name": "Dana", "last_name": "Borys", "email": "dana@example.com",
            "password": "correct horse"
        })))
        .respond_with(created("users_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server)
        .users()
        .create(&NewUser::new(
            "Dana",
            "Borys",
            "dana@example.com",
            "correct horse",
        ))
        .await
        .unwrap();
    assert_eq!(user.id, 14.into());
    assert_eq!(
        (user.first_name.as_str(), user.last_name.as_str()),
        ("Dana", "Borys")
    );
    assert_eq!(user.fullname, "Dana Borys");
    assert_eq!(user.email, "dana@example.com");
    // Columns the request did not set: the database filled them in
    // (`active`, `en_US`, `false`), the un-refreshed model says null.
    assert_eq!(user.status, None);
    assert_eq!(user.language, None);
    assert_eq!(user.auto_credit_payment, None);
    assert_eq!(
        (user.currency.clone(), user.email_verified_at),
        (None, None)
    );
    assert_eq!(user.created_at, ts("2026-07-22T08:15:42.613907Z"));
    assert_eq!(user.updated_at, user.created_at);
}

#[tokio::test]
async fn invoice_show_with_its_relations_empty() {
    let server = MockServer::start().await;
    api("GET", "/invoices/55")
        .respond_with(ok("invoices_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let i = client(&server).invoices().get(55).await.unwrap();
    assert_eq!((i.id, i.invoice_number.as_str()), (55.into(), "INV-000055"));
    assert_eq!(i.user, None, "a soft-deleted owner renders as null");
    assert_eq!(i.items, Some(Vec::new()));
    assert_eq!(i.total, dec("50.98"));
    assert_eq!(i.tax, dec("0.00"));
}

#[tokio::test]
async fn order_show_with_its_relations_empty() {
    let server = MockServer::start().await;
    api("GET", "/orders/77")
        .respond_with(ok("orders_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let o = client(&server).orders().get(77).await.unwrap();
    assert_eq!((o.id, o.order_number.as_str()), (77.into(), "ORD-000077"));
    assert_eq!(o.user, None);
    assert_eq!(o.items, Some(Vec::new()));
    assert_eq!(o.services, Some(Vec::new()));
    assert_eq!(o.registrants, Some(Vec::new()));
    assert_eq!(o.invoices, Some(Vec::new()));
    assert_eq!(o.total, dec("47.99"));
}

#[tokio::test]
async fn ticket_show_with_its_relations_empty() {
    let server = MockServer::start().await;
    api("GET", "/tickets/9")
        .respond_with(ok("tickets_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server).tickets().get(9).await.unwrap();
    assert_eq!((t.id, t.status.clone()), (9.into(), TicketStatus::Open));
    assert_eq!(t.user, None);
    assert_eq!(t.messages, Some(Vec::new()));
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

#[tokio::test]
async fn variant_show_with_no_options() {
    let server = MockServer::start().await;
    api("GET", "/variants/5")
        .respond_with(ok("variants_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let v = client(&server).variants().get(5).await.unwrap();
    assert_eq!((v.id, v.status.clone()), (5.into(), VariantStatus::Visible));
    assert_eq!(v.options, Some(Vec::new()));
}

#[tokio::test]
async fn tld_show_with_no_prices() {
    let server = MockServer::start().await;
    api("GET", "/tlds/2")
        .respond_with(ok("tlds_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server).tlds().get(2).await.unwrap();
    assert_eq!((t.id, t.status.clone()), (2.into(), TldStatus::Visible));
    assert_eq!(t.prices, Some(Vec::new()));
}

#[tokio::test]
async fn registrant_show_of_a_deleted_user() {
    let server = MockServer::start().await;
    api("GET", "/registrants/40")
        .respond_with(ok("registrants_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server).registrants().get(40).await.unwrap();
    assert_eq!(r.id, 40.into());
    assert_eq!(r.user, None);
    assert_eq!(r.tld.as_ref().map(|t| t.id), Some(2.into()));
}

#[tokio::test]
async fn an_unknown_enum_value_still_decodes() {
    let server = MockServer::start().await;
    let mut body = json_fixture("tlds_show_bare.json");
    body["data"]["status"] = json!("archived");
    api("GET", "/tlds/2")
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server).tlds().get(2).await.unwrap();
    assert_eq!(t.status, TldStatus::Unknown("archived".into()));
    assert!(t.status.is_unknown());
}

#[tokio::test]
async fn services_fail_on_the_missing_scalings_relation() {
    let server = MockServer::start().await;
    api("GET", "/services")
        .and(query_param("status", "active"))
        .respond_with(reply(500, "error_500.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/services")
        .and(query_param("status", "terminated"))
        .respond_with(ok("services_list_empty.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/services/30")
        .respond_with(reply(500, "error_500.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/services/30")
        .and(body_json(json!({"name": "Renamed"})))
        .respond_with(reply(500, "error_500.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c
        .services()
        .list(&ServiceFilter::new().status(ServiceStatus::Active))
        .page(1)
        .await
        .unwrap_err();
    assert_eq!(
        err.known_server_bug(),
        Some(KnownServerBug::ServiceScalingsRelation)
    );
    let empty = c
        .services()
        .list(&ServiceFilter::new().status(ServiceStatus::Terminated))
        .page(1)
        .await
        .unwrap();
    assert!(empty.items.is_empty());
    assert_eq!(empty.total, Some(0));
    let err = c.services().get(30).await.unwrap_err();
    assert_eq!(
        err.known_server_bug(),
        Some(KnownServerBug::ServiceScalingsRelation)
    );
    let err = c
        .services()
        .update(30, &ServiceUpdate::new().name("Renamed"))
        .await
        .unwrap_err();
    assert_eq!(
        err.known_server_bug(),
        Some(KnownServerBug::ServiceScalingsRelation)
    );
    assert_eq!(err.attempts(), Some(1));
}

/// `users_list.json` cut to the users with these ids, as page `page` of
/// `last`.
fn users_page(ids: &[u64], page: u64, last: u64) -> Value {
    let mut body = json_fixture("users_list.json");
    let data: Vec<Value> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| ids.contains(&u["id"].as_u64().unwrap()))
        .cloned()
        .collect();
    body["meta"]["current_page"] = json!(page);
    body["meta"]["last_page"] = json!(last);
    body["meta"]["per_page"] = json!(100);
    body["meta"]["total"] = json!(last);
    body["data"] = Value::Array(data);
    body
}

#[tokio::test]
async fn find_by_email_walks_the_search_and_keeps_the_exact_match() {
    let server = MockServer::start().await;
    // Page 1: a user whose name matched the LIKE search, not the address.
    api("GET", "/users")
        .and(query_param("search", "DANA@example.com"))
        .and(query_param("page", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(users_page(&[13], 1, 2)))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/users")
        .and(query_param("search", "DANA@example.com"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(users_page(&[12], 2, 2)))
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server)
        .users()
        .find_by_email("DANA@example.com")
        .await
        .unwrap()
        .expect("found on page 2");
    crate::contract_customers::assert_dana(&user);
    let queries: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.query().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        queries,
        vec![
            "search=DANA%40example.com&page=1&per_page=100",
            "search=DANA%40example.com&page=2&per_page=100",
        ]
    );
}

#[tokio::test]
async fn find_by_email_without_a_match_is_none() {
    let server = MockServer::start().await;
    api("GET", "/users")
        .and(query_param("search", "nobody@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(users_page(&[12, 13], 1, 1)))
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server)
        .users()
        .find_by_email("nobody@example.com")
        .await
        .unwrap();
    assert_eq!(found, None);
    assert_query(&server, "search=nobody%40example.com&page=1&per_page=100").await;
}

#[tokio::test]
async fn find_by_tld_searches_and_keeps_the_exact_tld() {
    let server = MockServer::start().await;
    api("GET", "/tlds")
        .and(query_param("search", "DEV"))
        .respond_with(ok("tlds_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/tlds")
        .and(query_param("search", ".dev"))
        .respond_with(ok("tlds_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let dev = c.tlds().find_by_tld("DEV").await.unwrap().unwrap();
    assert_eq!((dev.id, dev.tld.as_str()), (4.into(), "dev"));
    assert_eq!(dev.status, TldStatus::Hidden);
    // `.dev` is another TLD to the server: `dev` does not match it.
    assert_eq!(c.tlds().find_by_tld(".dev").await.unwrap(), None);
    let queries: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.query().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        queries,
        vec![
            "search=DEV&page=1&per_page=100",
            "search=.dev&page=1&per_page=100"
        ]
    );
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
