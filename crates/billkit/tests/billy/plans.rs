//! Plan endpoints.

use billkit::TryStreamExt;
use billkit::billy::{Frequency, NewPlan, PlanType};
use wiremock::matchers::{body_string, header, query_param};

use crate::*;

#[tokio::test]
async fn create_sends_the_form_and_reads_the_plan() {
    let (server, client) = setup().await;
    authed("POST", "/v1/plans")
        .and(header("content-type", FORM))
        .and(body_string("plan_type=debit&frequency=monthly&amount=500"))
        .respond_with(json("plan_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let plan = client
        .plans()
        .create(&NewPlan::new(PlanType::Debit, Frequency::Monthly, c(500)))
        .await
        .unwrap();
    assert_seed_plan(&plan, false);
}

#[tokio::test]
async fn create_with_interval() {
    let (server, client) = setup().await;
    authed("POST", "/v1/plans")
        .and(body_string(
            "plan_type=credit&frequency=weekly&amount=50&interval=2",
        ))
        .respond_with(json("plan_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    client
        .plans()
        .create(&NewPlan::new(PlanType::Credit, Frequency::Weekly, c(50)).interval(2))
        .await
        .unwrap();
}

#[tokio::test]
async fn get_delete_list() {
    let (server, client) = setup().await;
    authed("GET", "/v1/plans/PL4RHCKW7GsGMjpcozHveQuw")
        .respond_with(json("plan_get.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("DELETE", "/v1/plans/PLMA5HXUD3utQKXoLazzupQs")
        .respond_with(json("plan_delete.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET", "/v1/plans")
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("plan_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    assert_seed_plan(
        &client
            .plans()
            .get(&pl_id("PL4RHCKW7GsGMjpcozHveQuw"))
            .await
            .unwrap(),
        false,
    );
    // A soft delete: the plan comes back deleted, `updated_at` unchanged.
    let deleted = client
        .plans()
        .delete(&pl_id("PLMA5HXUD3utQKXoLazzupQs"))
        .await
        .unwrap();
    assert_credit_plan(&deleted);
    // Newest first; deleted plans stay listed.
    let all = client.plans().list().collect_all().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_credit_plan(&all[0]);
    assert_seed_plan(&all[1], false);
}

/// The deleted $0.50 payout every two weeks the scenario records.
fn assert_credit_plan(p: &billkit::billy::Plan) {
    assert_eq!(p.guid, "PLMA5HXUD3utQKXoLazzupQs");
    assert_eq!(p.company_guid, "CP4MXZG4ThUdbLpiX8e9Yx3j");
    assert_eq!(p.plan_type, PlanType::Credit);
    assert_eq!(p.frequency, Frequency::Weekly);
    assert_eq!(p.amount, c(50));
    assert_eq!(p.interval, 2);
    assert!(p.deleted);
    assert_eq!(p.created_at, ts("2026-11-29T22:39:47.436394+00:00"));
    assert_eq!(p.updated_at, ts("2026-11-29T22:39:47.436394+00:00"));
}

#[tokio::test]
async fn sub_lists() {
    let (server, client) = setup().await;
    for sub in ["subscriptions", "invoices", "transactions"] {
        authed("GET", &format!("/v1/plans/PL4RHCKW7GsGMjpcozHveQuw/{sub}"))
            .and(query_param("offset", "0"))
            .and(query_param("limit", "20"))
            .respond_with(json(&format!("plan_{sub}.json")))
            .expect(1)
            .mount(&server)
            .await;
    }
    let subs = client
        .subscriptions()
        .list_for_plan(&pl_id("PL4RHCKW7GsGMjpcozHveQuw"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(subs[0].guid, "SU5LKCkL2zsVbB8ekbD3CHuV");
    assert_eq!(subs[0].amount, Some(c(450)));
    assert_seed_subscription(&subs[1], true);
    let invoices = client
        .invoices()
        .list_for_plan(&pl_id("PL4RHCKW7GsGMjpcozHveQuw"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(invoices.len(), 1);
    assert_seed_subscription_invoice(&invoices[0]);
    let txs = client
        .transactions()
        .list_for_plan(&pl_id("PL4RHCKW7GsGMjpcozHveQuw"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(txs.len(), 1);
    assert_seed_transaction(&txs[0]);
}

#[tokio::test]
async fn customers_of_a_plan_come_once_although_billy_repeats_them() {
    // Recorded from Billy 1.1.3: two customers with three subscriptions each
    // to one plan, walked two rows at a time. Billy pages the subscription
    // rows and de-duplicates only within a page: 1 + 2 + 1 rows, then empty.
    let (server, client) = setup().await;
    for offset in [0, 2, 4, 6] {
        authed("GET", "/v1/plans/PLbsxKM3cJGxmHB1Rm4qp3sN/customers")
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "2"))
            .respond_with(json(&format!("plan_customers_page_{offset}.json")))
            .expect(1)
            .mount(&server)
            .await;
    }
    let walk = || {
        client
            .customers()
            .list_for_plan(&pl_id("PLbsxKM3cJGxmHB1Rm4qp3sN"))
            .per_page(2)
    };
    let all = walk().collect_all().await.unwrap();
    let guids: Vec<&str> = all.iter().map(|c| c.guid.as_str()).collect();
    assert_eq!(
        guids,
        ["CUTWGGBzjKnjoXX1PFdi3p8X", "CU9SdGERDmmBfkBjRZZgn7SA"]
    );
    assert_eq!(all[0].created_at, ts("2026-11-29T22:39:49.464210+00:00"));
    assert_eq!(all[0].processor_uri.as_deref(), Some("MOCK_CUSTOMER_URI"));
    assert_eq!(all[1].created_at, ts("2026-11-29T22:39:49.455267+00:00"));
    server.reset().await;
    for offset in [0, 2, 4, 6] {
        authed("GET", "/v1/plans/PLbsxKM3cJGxmHB1Rm4qp3sN/customers")
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "2"))
            .respond_with(json(&format!("plan_customers_page_{offset}.json")))
            .expect(1)
            .mount(&server)
            .await;
    }
    // The lazy stream skips the repeats too.
    let streamed: Vec<_> = walk().stream().try_collect().await.unwrap();
    assert_eq!(streamed, all);
    server.reset().await;
    for offset in [0, 2, 4, 6] {
        authed("GET", "/v1/plans/PLbsxKM3cJGxmHB1Rm4qp3sN/customers")
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", "2"))
            .respond_with(json(&format!("plan_customers_page_{offset}.json")))
            .expect(1)
            .mount(&server)
            .await;
    }
    // The walk under it (for checkpoints) is keyed by `created_at` and
    // GUID: the customers Billy repeats on later pages are dropped there too.
    let raw = walk().paginator().clone().collect_all().await.unwrap();
    let guids: Vec<&str> = raw.iter().map(|c| c.guid.as_str()).collect();
    assert_eq!(
        guids,
        ["CUTWGGBzjKnjoXX1PFdi3p8X", "CU9SdGERDmmBfkBjRZZgn7SA"]
    );
}

#[test]
fn plan_enums_are_open() {
    let t: PlanType = serde_json::from_str("\"barter\"").unwrap();
    assert_eq!(t, PlanType::Unknown("barter".into()));
    let f: Frequency = serde_json::from_str("\"hourly\"").unwrap();
    assert_eq!(f.as_str(), "hourly");
    assert_eq!(Frequency::Yearly.to_string(), "yearly");
}
