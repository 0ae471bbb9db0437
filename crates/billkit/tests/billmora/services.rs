//! Contract tests: services, against `fixtures/billmora/`.

use crate::common::*;
use crate::users::assert_dana;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::{body_json, query_param};

pub fn assert_service_30(s: &Service) {
    assert_eq!(s.id, 30.into());
    assert_eq!(s.service_number, "SRV-000030");
    assert_eq!(s.status, ServiceStatus::Active);
    assert_eq!(s.name, "Starter - borys.com");
    assert_eq!(s.billing_type, BillingType::Recurring);
    assert_eq!(s.billing_period, Some(BillingPeriod::Monthly));
    assert_eq!(s.billing_interval, Some(3));
    assert_eq!(s.price.to_string(), "30.00");
    assert_eq!(s.setup_fee.to_string(), "5.00");
    assert_eq!(s.currency, "USD");
    assert_eq!(s.cycle_label, "Every 3 Month(s)");
    assert_eq!(s.activated_at, Some(ts("2026-07-20T05:45:00Z")));
    assert_eq!(s.next_due_date, Some(ts("2026-10-20T00:00:00Z")));
    assert_eq!(
        (s.suspended_at, s.terminated_at, s.cancelled_at),
        (None, None, None)
    );
    assert_eq!(s.plugin_id, None);
    assert_eq!(s.variant_selections.as_ref().unwrap()["5"], json!(52));
    assert_eq!(s.configuration, None);
    assert_dana(s.user.as_ref().unwrap());
    let pkg = s.package.as_ref().unwrap();
    assert_eq!((pkg.id, pkg.name.as_str()), (7.into(), "Starter"));
    let scaling = &s.scalings.as_ref().unwrap()[0];
    assert_eq!(scaling.id, 2.into());
    assert_eq!(scaling.service_id, 30.into());
    assert_eq!(scaling.status, ScalingStatus::Failed);
    assert_eq!(
        (scaling.old_package_id, scaling.new_package_id),
        (Some(7.into()), Some(8.into()))
    );
    assert_eq!(scaling.old_price, Some(dec("30.00")));
    assert_eq!(scaling.new_price.unwrap().to_string(), "90.00");
    assert_eq!(scaling.currency.as_deref(), Some("USD"));
    assert_eq!(
        scaling.error_message.as_deref(),
        Some("Provisioning plugin timed out")
    );
    assert_eq!(s.updated_at.timestamp_subsec_micros(), 0);
}

#[tokio::test]
async fn services_list_with_filters() {
    let server = MockServer::start().await;
    api("GET", "/services")
        .respond_with(ok("services_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .services()
        .list(
            &ServiceFilter::new()
                .status(ServiceStatus::Pending)
                .user_id(12)
                .search("SRV"),
        )
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=pending&search=SRV&user_id=12&page=1").await;
    assert_service_30(&page.items[0]);
    let s = &page.items[1];
    assert_eq!(s.status, ServiceStatus::Pending);
    assert_eq!(s.billing_type, BillingType::Onetime);
    assert_eq!((s.billing_period.clone(), s.billing_interval), (None, None));
    assert_eq!(
        s.variant_selections,
        Some(serde_json::Map::new()),
        "[] is an empty JSON column"
    );
    assert_eq!(s.configuration, Some(serde_json::Map::new()));
    assert_eq!(s.scalings.as_deref(), Some(&[][..]));
}

#[tokio::test]
async fn services_get() {
    let server = MockServer::start().await;
    api("GET", "/services/30")
        .respond_with(ok("services_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let s = client(&server).services().get(30).await.unwrap();
    assert_service_30(&s);
}

#[tokio::test]
async fn services_update_partial() {
    let server = MockServer::start().await;
    let mut selections = serde_json::Map::new();
    selections.insert("5".into(), json!(51));
    api("PUT", "/services/30")
        .and(body_json(json!({
            "status": "suspended", "next_due_date": "2026-11-20", "variant_selections": {"5": 51}
        })))
        .respond_with(ok("services_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let update = ServiceUpdate::new()
        .status(ServiceStatus::Suspended)
        .next_due_date(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
        .variant_selections(selections);
    let s = client(&server)
        .services()
        .update(30, &update)
        .await
        .unwrap();
    assert_eq!(s.id, 30.into());
}

#[tokio::test]
async fn services_delete() {
    let server = MockServer::start().await;
    api("DELETE", "/services/30")
        .respond_with(ok_json(r#"{"message": "Service deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let d = client(&server).services().delete(30).await.unwrap();
    assert_eq!(d.message, "Service deleted successfully.");
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
