//! Subscription endpoints.

use billkit::billy::NewSubscription;
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use wiremock::matchers::{body_string, header, query_param};

use crate::*;

#[tokio::test]
async fn create_with_only_plan_and_customer() {
    let (server, client) = setup().await;
    authed("POST", "/v1/subscriptions")
        .and(header("content-type", FORM))
        .and(body_string(
            "plan_guid=PL4RHCKW7GsGMjpcozHveQuw&customer_guid=CU4NheTMcQqXgmAtg1aGTJPK",
        ))
        .respond_with(json("subscription_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let sub = client
        .subscriptions()
        .create(&NewSubscription::new(
            &pl_id("PL4RHCKW7GsGMjpcozHveQuw"),
            &cu_id("CU4NheTMcQqXgmAtg1aGTJPK"),
        ))
        .await
        .unwrap();
    assert_seed_subscription(&sub, false);
}

#[tokio::test]
async fn create_with_everything_sends_started_at_with_time_and_offset() {
    let (server, client) = setup().await;
    authed("POST", "/v1/subscriptions")
        .and(body_string(concat!(
            "plan_guid=PL4RHCKW7GsGMjpcozHveQuw&customer_guid=CU4NheTMcQqXgmAtg1aGTJPK",
            "&amount=450&started_at=2026-12-29T22%3A39%3A47%2B00%3A00",
            "&appears_on_statement_as=FooBar+Hosting",
        )))
        .respond_with(json("subscription_future.json"))
        .expect(1)
        .mount(&server)
        .await;
    let sub = client
        .subscriptions()
        .create(
            &NewSubscription::new(
                &pl_id("PL4RHCKW7GsGMjpcozHveQuw"),
                &cu_id("CU4NheTMcQqXgmAtg1aGTJPK"),
            )
            .amount(c(450))
            .started_at(Utc.with_ymd_and_hms(2026, 12, 29, 22, 39, 47).unwrap())
            .appears_on_statement_as("FooBar Hosting"),
        )
        .await
        .unwrap();
    // A datetime without fraction, a future start, nothing billed yet.
    assert_eq!(sub.guid, "SU5LKCkL2zsVbB8ekbD3CHuV");
    assert_eq!(sub.amount, Some(c(450)));
    assert_eq!(sub.effective_amount, c(450));
    assert_eq!(sub.invoice_count, 0);
    assert_eq!(sub.funding_instrument_uri, None);
    assert_eq!(
        sub.appears_on_statement_as.as_deref(),
        Some("FooBar Hosting")
    );
    assert_eq!(
        sub.started_at,
        Utc.with_ymd_and_hms(2026, 12, 29, 22, 39, 47).unwrap()
    );
    assert_eq!(sub.next_invoice_at, ts("2026-12-29T22:39:47+00:00"));
    assert_eq!(sub.created_at, ts("2026-11-29T22:39:47.593799+00:00"));
    assert_eq!(sub.updated_at, ts("2026-11-29T22:39:47.593799+00:00"));
    assert!(!sub.canceled);
}

#[tokio::test]
async fn started_at_in_another_offset_is_sent_in_utc_with_microseconds() {
    let (server, client) = setup().await;
    authed("POST", "/v1/subscriptions")
        .and(body_string(
            "plan_guid=PL1&customer_guid=CU1&started_at=2030-01-31T16%3A00%3A00.654086%2B00%3A00",
        ))
        .respond_with(json("subscription_future.json"))
        .expect(1)
        .mount(&server)
        .await;
    let at: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339("2030-01-31T18:00:00.654086+02:00").unwrap();
    client
        .subscriptions()
        .create(&NewSubscription::new(&pl_id("PL1"), &cu_id("CU1")).started_at(at))
        .await
        .unwrap();
}

#[tokio::test]
async fn get_cancel_list() {
    let (server, client) = setup().await;
    authed("GET", "/v1/subscriptions/SU4ST39srWVLGbiTg174QyfF")
        .respond_with(json("subscription_get.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("POST", "/v1/subscriptions/SU4ST39srWVLGbiTg174QyfF/cancel")
        .and(body_string(""))
        .respond_with(json("subscription_cancel.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET", "/v1/subscriptions")
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("subscription_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let subs = client.subscriptions();
    assert_seed_subscription(
        &subs.get(&su_id("SU4ST39srWVLGbiTg174QyfF")).await.unwrap(),
        false,
    );
    assert_seed_subscription(
        &subs
            .cancel(&su_id("SU4ST39srWVLGbiTg174QyfF"))
            .await
            .unwrap(),
        true,
    );
    // Newest first: the one starting later, then the seed's.
    let all = subs.list().collect_all().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].guid, "SU5LKCkL2zsVbB8ekbD3CHuV");
    assert_seed_subscription(&all[1], false);
}

#[tokio::test]
async fn sub_lists() {
    let (server, client) = setup().await;
    authed("GET", "/v1/subscriptions/SU4ST39srWVLGbiTg174QyfF/invoices")
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("invoice_list_subscription.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed(
        "GET",
        "/v1/subscriptions/SU4ST39srWVLGbiTg174QyfF/transactions",
    )
    .and(query_param("offset", "0"))
    .and(query_param("limit", "20"))
    .respond_with(json("subscription_transactions.json"))
    .expect(1)
    .mount(&server)
    .await;
    let invoices = client
        .invoices()
        .list_for_subscription(&su_id("SU4ST39srWVLGbiTg174QyfF"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(invoices.len(), 1);
    assert_seed_subscription_invoice(&invoices[0]);
    let txs = client
        .transactions()
        .list_for_subscription(&su_id("SU4ST39srWVLGbiTg174QyfF"))
        .collect_all()
        .await
        .unwrap();
    assert_seed_transaction(&txs[0]);
}
