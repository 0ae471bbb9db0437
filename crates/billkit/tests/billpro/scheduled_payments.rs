//! Scheduled payments: list (overall and per order), get, update with the
//! status rules checked before sending.

use billkit::billpro::{
    ScheduleUnit, ScheduledPaymentStatus, ScheduledPaymentUpdate, TargetStatus,
};
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::{body_json, header, method, path};

use crate::common::*;

fn payment_with_status(status: &str) -> String {
    fixture("scheduled_payment.json").replace("\"scheduled\"", &format!("\"{status}\""))
}

async fn mount_get(server: &wiremock::MockServer, body: String) {
    Mock::given(method("GET"))
        .and(path("/api/v1/scheduled_payments/9001"))
        .and(profile_only())
        .and(header("authorization", BEARER))
        .respond_with(json(200, body))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn list_for_order_reads_every_date_spelling() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/502/scheduled_payments"))
        .and(query(&[("page", "1"), ("profile_id", "5")]))
        .and(header("authorization", BEARER))
        .respond_with(json(200, fixture("scheduled_payments_page_short.json")))
        .expect(1)
        .mount(&server)
        .await;
    let payments = client
        .scheduled_payments()
        .list_for_order(502)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(payments.len(), 3);
    let [a, b, c] = &payments[..] else {
        unreachable!()
    };
    assert_eq!(a.id.get(), 9001);
    assert_eq!(a.order_id.get(), 502);
    assert_eq!(a.amount.to_string(), "50.00");
    assert_eq!(a.status, ScheduledPaymentStatus::Scheduled);
    assert_eq!(a.scheduled_interval, Some(1));
    assert_eq!(a.scheduled_duration_unit, Some(ScheduleUnit::Month));
    assert_eq!(a.scheduled_date, Some(date(2024, 3, 14)));
    assert_eq!(a.created_at, Some(ts("2024-02-14T08:00:00.000Z")));
    // `date` as DD/MM/YYYY, amount as a JSON number, interval as a number.
    assert_eq!(b.amount.to_string(), "50");
    assert_eq!(b.status, ScheduledPaymentStatus::SoftDeclined);
    assert_eq!(b.scheduled_interval, Some(1));
    assert_eq!(b.scheduled_date, Some(date(2024, 4, 14)));
    assert_eq!(b.updated_at, Some(ts("2024-04-14T09:30:00.250Z")));
    // `due_date` as a timestamp, an unknown status kept, a null timestamp.
    assert_eq!(c.amount.to_string(), "50.10");
    assert_eq!(
        c.status,
        ScheduledPaymentStatus::Unknown("written-off".into())
    );
    assert_eq!(c.scheduled_date, Some(date(2024, 5, 14)));
    assert_eq!(c.updated_at, None);
}

#[tokio::test]
async fn list_overall_walks_pages() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/scheduled_payments"))
        .and(query(&[("page", "1"), ("profile_id", "5")]))
        .and(header("authorization", BEARER))
        .respond_with(json(200, fixture("scheduled_payments_page_short.json")))
        .expect(1)
        .mount(&server)
        .await;
    let payments = client
        .scheduled_payments()
        .list()
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<u64> = payments.iter().map(|p| p.id.get()).collect();
    assert_eq!(ids, [9001, 9002, 9003]);
}

#[tokio::test]
async fn get_reads_the_payment() {
    let (server, client) = setup().await;
    mount_get(&server, fixture("scheduled_payment.json")).await;
    let p = client.scheduled_payments().get(9001).await.unwrap();
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({"id": 9001, "order_id": 502, "amount": "50.00", "status": "scheduled",
            "scheduled_interval": 1, "scheduled_duration_unit": "MONTH",
            "scheduled_date": "2024-03-14",
            "created_at": "2024-02-14T08:00:00Z", "updated_at": "2024-02-14T08:00:00Z"})
    );
    assert_eq!(p.amount.to_string(), "50.00");
}

#[tokio::test]
async fn update_checks_the_current_status_then_puts_the_change() {
    let (server, client) = setup().await;
    mount_get(&server, fixture("scheduled_payment.json")).await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/scheduled_payments/9001"))
        .and(profile_only())
        .and(header("authorization", BEARER))
        .and(body_json(json!({"scheduled_payment": {
            "amount": "55.50", "scheduled_date": "20/03/2024",
            "scheduled_interval": "2", "scheduled_duration_unit": "WEEK"
        }})))
        .respond_with(json(
            200,
            fixture("scheduled_payment.json").replace("\"50.00\"", "\"55.50\""),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let update = ScheduledPaymentUpdate::new()
        .amount(dec("55.50"))
        .scheduled_date(date(2024, 3, 20))
        .schedule(2, ScheduleUnit::Week);
    let p = client
        .scheduled_payments()
        .update(9001, &update)
        .await
        .unwrap();
    assert_eq!(p.amount.to_string(), "55.50");
    let received = server.received_requests().await.unwrap();
    let methods: Vec<&str> = received.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["GET", "PUT"]);
}

#[tokio::test]
async fn retrying_a_declined_payment_sets_scheduled_with_a_date() {
    let (server, client) = setup().await;
    mount_get(&server, payment_with_status("hard-declined")).await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/scheduled_payments/9001"))
        .and(profile_only())
        .and(body_json(
            json!({"scheduled_payment": {"status": "scheduled", "scheduled_date": "01/05/2024"}}),
        ))
        .respond_with(json(200, fixture("scheduled_payment.json")))
        .expect(1)
        .mount(&server)
        .await;
    let update = ScheduledPaymentUpdate::new()
        .status(TargetStatus::Scheduled)
        .scheduled_date(date(2024, 5, 1));
    let p = client
        .scheduled_payments()
        .update(9001, &update)
        .await
        .unwrap();
    assert_eq!(p.status, ScheduledPaymentStatus::Scheduled);
}

#[tokio::test]
async fn cancel_and_skip_are_status_changes() {
    for (target, wire) in [
        (TargetStatus::Cancelled, "cancelled"),
        (TargetStatus::Skipped, "skipped"),
    ] {
        let (server, client) = setup().await;
        mount_get(&server, payment_with_status("soft-declined")).await;
        Mock::given(method("PUT"))
            .and(path("/api/v1/scheduled_payments/9001"))
            .and(profile_only())
            .and(body_json(json!({"scheduled_payment": {"status": wire}})))
            .respond_with(json(200, payment_with_status(wire)))
            .expect(1)
            .mount(&server)
            .await;
        let p = client
            .scheduled_payments()
            .update(9001, &ScheduledPaymentUpdate::new().status(target))
            .await
            .unwrap();
        assert_eq!(p.status.as_str(), wire);
    }
}

#[tokio::test]
async fn a_payment_that_is_not_updatable_is_refused_without_a_put() {
    for status in [
        "complete",
        "cancelled",
        "skipped",
        "merged",
        "recovered",
        "review",
        "paused",
        "written-off",
    ] {
        let (server, client) = setup().await;
        mount_get(&server, payment_with_status(status)).await;
        Mock::given(method("PUT"))
            .respond_with(json(200, "{}"))
            .expect(0)
            .mount(&server)
            .await;
        let err = client
            .scheduled_payments()
            .update(
                9001,
                &ScheduledPaymentUpdate::new().status(TargetStatus::Cancelled),
            )
            .await
            .unwrap_err();
        assert_invalid(&err, "status");
        assert!(err.to_string().contains(status), "{err}");
    }
}

#[tokio::test]
async fn retrying_a_declined_payment_without_a_date_is_refused_without_a_put() {
    let (server, client) = setup().await;
    mount_get(&server, payment_with_status("soft-declined")).await;
    Mock::given(method("PUT"))
        .respond_with(json(200, "{}"))
        .expect(0)
        .mount(&server)
        .await;
    let err = client
        .scheduled_payments()
        .update(
            9001,
            &ScheduledPaymentUpdate::new().status(TargetStatus::Scheduled),
        )
        .await
        .unwrap_err();
    assert_invalid(&err, "scheduled_date");
}
