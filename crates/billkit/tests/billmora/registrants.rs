//! Contract tests: registrants, against `fixtures/billmora/`.

use crate::common::*;
use crate::tlds::assert_com;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

/// Every field of registrant 2 (`registrants.show.ok`, seq 321), made by
/// `orders.create.domain_item`.
pub fn assert_registrant_2(r: &Registrant) {
    assert_eq!(r.id, 2.into());
    assert_eq!(r.registrant_number, "DOM-0001");
    assert_eq!(r.domain, "example-rec");
    assert_eq!(r.status, RegistrantStatus::Active);
    assert_eq!(r.registration_type, DomainItemType::Register);
    assert_eq!(r.years, 1);
    assert_eq!(r.price.to_string(), "10.99");
    assert_eq!(r.currency, "USD");
    assert!(r.auto_renew);
    assert_eq!(r.nameservers, None);
    assert_eq!(r.configuration, None);
    assert_eq!(r.registered_at, Some(ts("2026-12-03T07:46:31Z")));
    // Set when the order completed: now plus the registered years.
    assert_eq!(r.expires_at, Some(ts("2027-12-03T07:46:31Z")));
    assert_eq!((r.suspended_at, r.cancelled_at), (None, None));
    assert_eq!(
        r.user.as_ref().map(|u| (u.id, u.fullname.as_str())),
        Some((3.into(), "Renamed Seed"))
    );
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
                .user_id(3),
        )
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=pending_transfer&user_id=3&page=1").await;
    // `registrants.list.default`: the one registrant.
    assert_eq!((page.items.len(), page.total), (1, Some(1)));
    assert_registrant_2(&page.items[0]);
}

#[tokio::test]
async fn registrants_get_update_delete() {
    let server = MockServer::start().await;
    api("GET", "/registrants/2")
        .respond_with(ok("registrants_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/registrants/2")
        .and(body_json(
            json!({"auto_renew": false, "nameservers": ["ns1.rec.test", "ns2.rec.test"]}),
        ))
        .respond_with(ok("registrants_update_nameservers.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("DELETE", "/registrants/2")
        .respond_with(ok_json(
            r#"{"message": "Registrant deleted successfully."}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_registrant_2(&c.registrants().get(2).await.unwrap());
    let update = RegistrantUpdate::new()
        .auto_renew(false)
        .nameservers(["ns1.rec.test", "ns2.rec.test"]);
    let updated = c.registrants().update(2, &update).await.unwrap();
    // `registrants.update.nameservers`: the server kept a `null` it was
    // sent in the list; billkit drops it.
    assert_eq!(
        updated.nameservers.as_deref(),
        Some(&["ns1.rec.test".to_string(), "ns2.rec.test".to_string()][..])
    );
    assert!(!updated.auto_renew);
    assert_eq!(updated.status, RegistrantStatus::Suspended);
    assert_eq!(updated.suspended_at, None);
    assert_eq!(
        c.registrants().delete(2).await.unwrap().message,
        "Registrant deleted successfully."
    );
}

#[tokio::test]
async fn registrant_show_of_a_deleted_user() {
    let server = MockServer::start().await;
    api("GET", "/registrants/2")
        .respond_with(ok("registrants_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server).registrants().get(2).await.unwrap();
    assert_eq!(r.id, 2.into());
    assert_eq!(r.user, None);
    assert_eq!(r.tld.as_ref().map(|t| t.id), Some(1.into()));
}
