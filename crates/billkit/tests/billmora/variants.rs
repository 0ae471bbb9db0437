//! Contract tests: variants, against `fixtures/billmora/`.

use crate::common::*;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

/// Every field of variant 2 (`variants.show.ok`, seq 447), the one row
/// the recording has (inserted with SQL: its times are 7 hours behind).
pub fn assert_ram(v: &Variant) {
    assert_eq!(v.id, 2.into());
    assert_eq!(v.name, "RAM");
    assert_eq!(v.code, "ram");
    assert_eq!(v.status, VariantStatus::Visible);
    assert!(!v.is_scalable);
    assert_eq!(v.created_at, ts("2026-12-03T00:46:09Z"));
    assert_eq!(v.updated_at, ts("2026-12-03T00:46:09Z"));
    let options = v.options.as_ref().unwrap();
    assert_eq!(options.len(), 1);
    assert_eq!(
        (
            options[0].id,
            options[0].name.as_str(),
            options[0].value.as_str()
        ),
        (2.into(), "1 GB", "1024")
    );
    assert_eq!(options[0].prices, Some(Vec::new()));
}

/// The variant of the hand-written `variants_show_priced.json`: option
/// prices, which the recording has none of.
pub fn assert_memory_variant(v: &Variant) {
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
async fn variants_list_with_options() {
    let server = MockServer::start().await;
    api("GET", "/variants")
        .respond_with(ok("variants_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .variants()
        .list(&VariantFilter::new().search("RA"))
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "search=RA&page=1").await;
    assert_eq!((page.items.len(), page.total), (1, Some(1)));
    assert_ram(&page.items[0]);
}

#[tokio::test]
async fn variants_get() {
    let server = MockServer::start().await;
    api("GET", "/variants/2")
        .respond_with(ok("variants_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    assert_ram(&client(&server).variants().get(2).await.unwrap());
}

#[tokio::test]
async fn variants_get_with_priced_options() {
    let server = MockServer::start().await;
    api("GET", "/variants/5")
        .respond_with(ok("variants_show_priced.json"))
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
    api("PUT", "/variants/2")
        .and(body_json(json!({"is_scalable": false})))
        .respond_with(ok("variants_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("DELETE", "/variants/2")
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
        .update(2, &VariantUpdate::new().is_scalable(false))
        .await
        .unwrap();
    assert_eq!(v.id, 2.into());
    assert_eq!(
        c.variants().delete(2).await.unwrap().message,
        "Variant deleted successfully."
    );
}

#[tokio::test]
async fn variant_show_with_no_options() {
    let server = MockServer::start().await;
    api("GET", "/variants/2")
        .respond_with(ok("variants_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let v = client(&server).variants().get(2).await.unwrap();
    assert_eq!((v.id, v.status.clone()), (2.into(), VariantStatus::Visible));
    assert_eq!(v.options, Some(Vec::new()));
}
