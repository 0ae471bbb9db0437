//! Contract tests: registrants, TLDs and the public domain check.

use billkit::billmora::*;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer};

use crate::common::*;
use crate::contract_customers::assert_dana;

fn assert_com(t: &Tld) {
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

fn assert_registrant_40(r: &Registrant) {
    assert_eq!(r.id, 40.into());
    assert_eq!(r.registrant_number, "DOM-000040");
    assert_eq!(r.domain, "borys.com");
    assert_eq!(r.status, RegistrantStatus::Active);
    assert_eq!(r.registration_type, DomainItemType::Register);
    assert_eq!(r.years, 1);
    assert_eq!(r.price.to_string(), "12.99");
    assert_eq!(r.currency, "USD");
    assert!(r.auto_renew);
    assert_eq!(
        r.nameservers.as_deref(),
        Some(&["ns1.example.net".to_string(), "ns2.example.net".to_string()][..])
    );
    assert_eq!(r.configuration, Some(serde_json::Map::new()));
    assert_eq!(r.registered_at, Some(ts("2026-07-20T05:40:00Z")));
    assert_eq!(r.expires_at, Some(ts("2027-07-20T05:40:00Z")));
    assert_eq!((r.suspended_at, r.cancelled_at), (None, None));
    assert_dana(r.user.as_ref().unwrap());
    assert_com(r.tld.as_ref().unwrap());
    assert_eq!(r.updated_at.timestamp_subsec_micros(), 0);
}

#[tokio::test]
async fn registrants_list() {
    let server = MockServer::start().await;
    api("GET", "/registrants")
        .respond_with(ok("registrants_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .registrants()
        .list(
            &RegistrantFilter::new()
                .status(RegistrantStatus::PendingTransfer)
                .user_id(12),
        )
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=pending_transfer&user_id=12&page=1").await;
    assert_registrant_40(&page.items[0]);
    let dev = &page.items[1];
    assert_eq!(dev.status, RegistrantStatus::PendingTransfer);
    assert_eq!(dev.registration_type, DomainItemType::Transfer);
    assert_eq!(dev.nameservers, None);
    assert_eq!(
        dev.configuration.as_ref().unwrap()["epp_code"],
        json!("X1-Y2")
    );
    assert_eq!(dev.tld.as_ref().unwrap().status, TldStatus::Hidden);
}

#[tokio::test]
async fn registrants_get_update_delete() {
    let server = MockServer::start().await;
    api("GET", "/registrants/40")
        .respond_with(ok("registrants_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/registrants/40")
        .and(body_json(
            json!({"auto_renew": false, "nameservers": ["ns1.host.net", "ns2.host.net"]}),
        ))
        .respond_with(ok("registrants_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("DELETE", "/registrants/40")
        .respond_with(ok_json(
            r#"{"message": "Registrant deleted successfully."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_registrant_40(&c.registrants().get(40).await.unwrap());
    let update = RegistrantUpdate::new()
        .auto_renew(false)
        .nameservers(["ns1.host.net", "ns2.host.net"]);
    assert_registrant_40(&c.registrants().update(40, &update).await.unwrap());
    assert_eq!(
        c.registrants().delete(40).await.unwrap().message,
        "Registrant deleted successfully."
    );
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
async fn domain_check_is_public_and_outside_v1() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/domains/check"))
        .and(header("accept", "application/json"))
        .and(body_json(json!({"domain": "borys.com"})))
        .respond_with(ok("domains_check.json"))
        .expect(1)
        .mount(&server)
        .await;
    let check = client(&server).domains().check("borys.com").await.unwrap();
    assert_eq!(check.domain, "borys.com");
    assert!(check.available);
    assert!(!check.premium);
    assert_eq!(check.price.unwrap().to_string(), "12.99");
    assert_eq!(
        check.message.as_deref(),
        Some(""),
        "empty unless the registrar failed"
    );
    assert_eq!(check.tld_id, Some(2.into()));
    assert!(check.success);
    let req = only_request(&server).await;
    assert!(
        req.headers.get("authorization").is_none(),
        "the token must not be sent"
    );
}

#[tokio::test]
async fn domain_check_422_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/domains/check"))
        .respond_with(reply(422, "domains_check_422.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .domains()
        .check("borys.xyz")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    let api = err.api_error().unwrap();
    assert_eq!(api.message(), Some("TLD is not supported."));
    assert_eq!(
        err.known_server_bug(),
        Some(KnownServerBug::DomainCheckTldLookup)
    );
    assert!(err.validation_errors().is_empty());
    assert_eq!(api.path(), "/api/domains/check");
}
