//! Contract tests: top-level domains, and the lookup by TLD, against `fixtures/billmora/`.

use crate::common::*;
use billkit::billmora::*;
use serde_json::json;
use wiremock::matchers::{body_json, query_param};
use wiremock::{MockServer, ResponseTemplate};

/// Every field of TLD 1 (`tlds.show.ok`, seq 164), stored without a dot.
pub fn assert_com(t: &Tld) {
    assert_eq!(t.id, 1.into());
    assert_eq!(t.tld, "com");
    assert_eq!(t.status, TldStatus::Visible);
    assert_eq!(t.plugin_id, None);
    assert_eq!((t.min_years, t.max_years), (1, 8));
    assert_eq!(
        (t.grace_period_days, t.redemption_period_days),
        (Some(0), Some(0))
    );
    assert_eq!(t.sort_order, Some(0));
    assert_eq!(t.auto_renew, None);
    assert_eq!(t.created_at, ts("2026-12-03T06:32:11Z"));
    assert_eq!(t.updated_at, ts("2026-12-03T07:31:48Z"));
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
    // `tlds.list.default`: org, net, com.
    assert_com(&page.items[2]);
    assert_eq!(page.items[2].prices, None);
    assert_eq!(
        (
            page.items[0].id,
            page.items[0].tld.as_str(),
            page.items[0].plugin_id
        ),
        (2.into(), "org", None)
    );

    let server = MockServer::start().await;
    api("GET", "/tlds/1")
        .respond_with(ok("tlds_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server).tlds().get(1).await.unwrap();
    assert_com(&t);
    let p = &t.prices.as_ref().unwrap()[0];
    assert_eq!((p.id, p.currency.as_str()), (1.into(), "USD"));
    assert_eq!(p.register_price.to_string(), "10.99");
    assert_eq!(p.renew_price.to_string(), "12.99");
    assert_eq!(p.transfer_price.to_string(), "9.99");
}

#[tokio::test]
async fn tlds_create_update_delete() {
    let server = MockServer::start().await;
    api("POST", "/tlds")
        .and(body_json(
            json!({"tld": ".io", "status": "visible", "min_years": 1, "max_years": 5}),
        ))
        .respond_with(created("tlds_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/tlds/1")
        .and(body_json(json!({"max_years": 5, "sort_order": 3})))
        .respond_with(ok("tlds_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("DELETE", "/tlds/1")
        .respond_with(ok_json(r#"{"message": "TLD deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let made = c
        .tlds()
        .create(&NewTld::new(".io", TldStatus::Visible, 1, 5))
        .await
        .unwrap();
    // TldsController::store: as inserted; the columns the API cannot set
    // come back null although the database holds 0
    // (`tlds.create.required_only`).
    assert_eq!((made.id, made.tld.as_str()), (5.into(), ".io"));
    assert_eq!(made.status, TldStatus::Visible);
    assert_eq!(
        (made.plugin_id, made.min_years, made.max_years),
        (None, 1, 5)
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
    assert_eq!(made.created_at, ts("2026-12-03T07:46:23Z"));
    assert_com(
        &c.tlds()
            .update(1, &TldUpdate::new().max_years(5).sort_order(3))
            .await
            .unwrap(),
    );
    assert_eq!(
        c.tlds().delete(1).await.unwrap().message,
        "TLD deleted successfully."
    );
}

#[tokio::test]
async fn tld_show_with_no_prices() {
    let server = MockServer::start().await;
    // `tlds.update.tld`: a TLD made through the API, with no prices.
    api("GET", "/tlds/6")
        .respond_with(ok("tlds_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server).tlds().get(6).await.unwrap();
    assert_eq!((t.id, t.status.clone()), (6.into(), TldStatus::Hidden));
    assert_eq!(t.tld, ".devs");
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
        .and(query_param("search", "COM"))
        .respond_with(ok("tlds_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/tlds")
        .and(query_param("search", ".com"))
        .respond_with(ok("tlds_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let com = c.tlds().find_by_tld("COM").await.unwrap().unwrap();
    assert_eq!((com.id, com.tld.as_str()), (1.into(), "com"));
    assert_eq!(com.status, TldStatus::Visible);
    // `.com` is another TLD to the server: `com` does not match it.
    assert_eq!(c.tlds().find_by_tld(".com").await.unwrap(), None);
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
            "search=COM&page=1&per_page=100",
            "search=.com&page=1&per_page=100"
        ]
    );
}
