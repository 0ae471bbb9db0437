//! Contract tests: services, against `fixtures/billmora/`.

use crate::common::*;
use crate::users::assert_cust01;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::{body_json, query_param};

/// Every field of service 2 in the hand-written `services_show.json`: the
/// service as `orders.update.status_completed` (seq 282) shows it, with the
/// user, package and one scaling a fixed server would add.
pub fn assert_service_2(s: &Service) {
    assert_eq!(s.id, 2.into());
    assert_eq!(s.service_number, "SVC-0001");
    assert_eq!(s.status, ServiceStatus::Active);
    assert_eq!(s.name, "Starter+");
    assert_eq!(s.billing_type, BillingType::Recurring);
    assert_eq!(s.billing_period, Some(BillingPeriod::Monthly));
    assert_eq!(s.billing_interval, Some(1));
    assert_eq!(s.price.to_string(), "12.50");
    assert_eq!(s.setup_fee.to_string(), "5.00");
    assert_eq!(s.currency, "USD");
    assert_eq!(s.cycle_label, "Monthly");
    assert_eq!(s.activated_at, Some(ts("2026-12-03T07:46:33Z")));
    assert_eq!(s.next_due_date, Some(ts("2027-01-03T07:46:33Z")));
    assert_eq!(
        (s.suspended_at, s.terminated_at, s.cancelled_at),
        (None, None, None)
    );
    assert_eq!(s.plugin_id, None);
    assert_eq!(
        s.variant_selections,
        Some(serde_json::Map::new()),
        "[] is an empty JSON column"
    );
    // The package's `provisioning_config`, copied when the order was made.
    assert_eq!(s.configuration.as_ref().unwrap()["disk"], json!(10));
    assert_cust01(s.user.as_ref().unwrap());
    let pkg = s.package.as_ref().unwrap();
    assert_eq!((pkg.id, pkg.name.as_str()), (1.into(), "Starter+"));
    let scaling = &s.scalings.as_ref().unwrap()[0];
    assert_eq!(scaling.id, 1.into());
    assert_eq!(scaling.service_id, 2.into());
    assert_eq!(scaling.status, ScalingStatus::Failed);
    assert_eq!(
        (scaling.old_package_id, scaling.new_package_id),
        (Some(1.into()), Some(3.into()))
    );
    assert_eq!(scaling.old_price, Some(dec("12.50")));
    assert_eq!(scaling.new_price.unwrap().to_string(), "25.00");
    assert_eq!(scaling.currency.as_deref(), Some("USD"));
    assert_eq!(
        scaling.error_message.as_deref(),
        Some("Provisioning plugin timed out")
    );
    assert_eq!(s.updated_at, ts("2026-12-03T07:46:33Z"));
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
                .status(ServiceStatus::Active)
                .user_id(2)
                .search("S"),
        )
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=active&search=S&user_id=2&page=1").await;
    assert_service_2(&page.items[0]);
    // Service 3 as `orders.create.package_completed` (seq 259) shows it.
    let s = &page.items[1];
    assert_eq!((s.id, s.service_number.as_str()), (3.into(), "SVC-0002"));
    assert_eq!(s.status, ServiceStatus::Active);
    assert_eq!(s.billing_type, BillingType::Recurring);
    assert_eq!(
        (s.billing_period.clone(), s.billing_interval),
        (Some(BillingPeriod::Monthly), Some(1))
    );
    assert_eq!(s.activated_at, Some(ts("2026-12-03T07:46:31Z")));
    assert_eq!(s.variant_selections, Some(serde_json::Map::new()));
    assert_eq!(s.user.as_ref().map(|u| u.id), Some(4.into()));
    assert_eq!(s.scalings.as_deref(), Some(&[][..]));
}

#[tokio::test]
async fn services_get() {
    let server = MockServer::start().await;
    api("GET", "/services/2")
        .respond_with(ok("services_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let s = client(&server).services().get(2).await.unwrap();
    assert_service_2(&s);
}

#[tokio::test]
async fn services_update_partial() {
    let server = MockServer::start().await;
    let mut selections = serde_json::Map::new();
    selections.insert("5".into(), json!(51));
    api("PUT", "/services/2")
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
    let s = client(&server).services().update(2, &update).await.unwrap();
    assert_eq!(s.id, 2.into());
}

#[tokio::test]
async fn services_delete() {
    let server = MockServer::start().await;
    api("DELETE", "/services/2")
        .respond_with(ok_json(r#"{"message": "Service deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let d = client(&server).services().delete(2).await.unwrap();
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
        .and(query_param("status", "pending"))
        .respond_with(ok("services_list_empty.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/services/2")
        .respond_with(reply(500, "error_500.json"))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/services/2")
        .and(body_json(json!({"name": "Renamed service"})))
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
        .list(&ServiceFilter::new().status(ServiceStatus::Pending))
        .page(1)
        .await
        .unwrap();
    assert!(empty.items.is_empty());
    assert_eq!(empty.total, Some(0));
    let err = c.services().get(2).await.unwrap_err();
    assert_eq!(
        err.known_server_bug(),
        Some(KnownServerBug::ServiceScalingsRelation)
    );
    let err = c
        .services()
        .update(2, &ServiceUpdate::new().name("Renamed service"))
        .await
        .unwrap_err();
    assert_eq!(
        err.known_server_bug(),
        Some(KnownServerBug::ServiceScalingsRelation)
    );
    assert_eq!(err.attempts(), Some(1));
}
