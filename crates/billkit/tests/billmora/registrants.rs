//! Contract tests: registrants, against `fixtures/billmora/`.

use crate::common::*;
use crate::tlds::assert_com;
use crate::users::assert_dana;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

pub fn assert_registrant_40(r: &Registrant) {
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
