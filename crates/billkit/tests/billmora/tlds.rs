//! Contract tests: top-level domains, and the lookup by TLD, against `fixtures/billmora/`.

use crate::common::*;
use billkit::billmora::*;
use serde_json::json;
use wiremock::matchers::{body_json, query_param};
use wiremock::{MockServer, ResponseTemplate};

pub fn assert_com(t: &Tld) {
    assert_eq!(t.id, 2.into());
    assert_eq!(t.tld, "com");
    assert_eq!(t.status, TldStatus::Visible);
    assert_eq!(t.plugin_id, Some(9.into()));
    assert_eq!((t.min_years, t.max_years), (1, 10));
    assert_eq!(
        (t.grace_period_days, t.redemption_period_days),
        (Some(30), Some(30))
    );
    assert_eq!(t.sort_order, Some(0));
    assert_eq!(t.auto_renew, None);
    assert_eq!(t.created_at, ts("2026-06-01T10:10:00Z"));
}

#[tokio::test]
async fn tlds_list_and_get() {
    let server = MockServer::start().await;
    api("GET", "/tlds")
        .respond_with(ok("tlds_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .tlds()
        .list(&TldFilter::new().status(TldStatus::Visible).search("co"))
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=visible&search=co&page=1").await;
    assert_com(&page.items[0]);
    assert_eq!(page.items[0].prices, None);
    assert_eq!(
        (page.items[1].tld.as_str(), page.items[1].plugin_id),
        ("dev", None)
    );

    let server = MockServer::start().await;
    api("GET", "/tlds/2")
        .respond_with(ok("tlds_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server).tlds().get(2).await.unwrap();
    assert_com(&t);
    let p = &t.prices.as_ref().unwrap()[0];
    assert_eq!((p.id, p.currency.as_str()), (31.into(), "USD"));
    assert_eq!(p.register_price.to_string(), "12.99");
    assert_eq!(p.renew_price.to_string(), "14.99");
    assert_eq!(p.transfer_price.to_string(), "9.99");
}

#[tokio::test]
async fn tlds_create_update_delete() {
    let server = MockServer::start().await;
    api("POST", "/tlds")
        .and(body_json(json!({"tld": "com", "status": "visible", "plugin_id": 9, "min_years": 1, "max_years": 10})))
        .respond_with(created("tlds_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/tlds/2")
        .and(body_json(json!({"max_years": 5, "sort_order": 3})))
        .respond_with(ok("tlds_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("DELETE", "/tlds/2")
        .respond_with(ok_json(r#"{"message": "TLD deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let made = c
        .tlds()
        .create(&NewTld::new("com", TldStatus::Visible, 1, 10).plugin_id(9))
        .await
        .unwrap();
    // TldsController::store: as inserted; the columns the API cannot set
    // come back null although the database holds 0.
    assert_eq!((made.id, made.tld.as_str()), (5.into(), "com"));
    assert_eq!(made.status, TldStatus::Visible);
    assert_eq!(
        (made.plugin_id, made.min_years, made.max_years),
        (Some(9.into()), 1, 10)
    );
    assert_eq!(
        (
            made.grace_period_days,
            made.redemption_period_days,
            made.sort_order
        ),
        (None, None, None)
    );
    assert_eq!((made.auto_renew, made.prices.clone()), (None, None));
    assert_eq!(made.created_at, ts("2026-07-22T08:15:42.613907Z"));
    assert_com(
        &c.tlds()
            .update(2, &TldUpdate::new().max_years(5).sort_order(3))
            .await
            .unwrap(),
    );
    assert_eq!(
        c.tlds().delete(2).await.unwrap().message,
        "TLD deleted successfully."
    );
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
