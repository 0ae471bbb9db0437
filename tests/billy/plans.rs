//! Plan endpoints.

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
    authed("DELETE", "/v1/plans/PL4RHCKW7GsGMjpcozHveQuw")
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
            .get("PL4RHCKW7GsGMjpcozHveQuw")
            .await
            .unwrap(),
        false,
    );
    assert_seed_plan(
        &client
            .plans()
            .delete("PL4RHCKW7GsGMjpcozHveQuw")
            .await
            .unwrap(),
        true,
    );
    let all = client.plans().list().collect_all().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_seed_plan(&all[0], true);
}

#[tokio::test]
async fn sub_lists() {
    let (server, client) = setup().await;
    for (sub, body) in [
        ("subscriptions", "subscription_list.json"),
        ("invoices", "invoice_list_subscription.json"),
        ("transactions", "transaction_list.json"),
    ] {
        authed("GET", &format!("/v1/plans/PL4RHCKW7GsGMjpcozHveQuw/{sub}"))
            .and(query_param("offset", "0"))
            .and(query_param("limit", "20"))
            .respond_with(json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let plans = client.plans();
    let subs = plans
        .subscriptions("PL4RHCKW7GsGMjpcozHveQuw")
        .collect_all()
        .await
        .unwrap();
    assert_seed_subscription(&subs[0], false);
    let invoices = plans
        .invoices("PL4RHCKW7GsGMjpcozHveQuw")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        invoices[0].subscription_guid(),
        Some("SU4ST39srWVLGbiTg174QyfF")
    );
    let txs = plans
        .transactions("PL4RHCKW7GsGMjpcozHveQuw")
        .collect_all()
        .await
        .unwrap();
    assert_seed_transaction(&txs[0]);
}

#[tokio::test]
async fn customers_of_a_plan_ends_only_on_an_empty_page() {
    let (server, client) = setup().await;
    // The first page is short (de-duplicated after the limit) but not the end.
    authed("GET", "/v1/plans/PL4RHCKW7GsGMjpcozHveQuw/customers")
        .and(query_param("offset", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("customer_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET", "/v1/plans/PL4RHCKW7GsGMjpcozHveQuw/customers")
        .and(query_param("offset", "20"))
        .and(query_param("limit", "20"))
        .respond_with(page("customer_list.json", 20))
        .expect(1)
        .mount(&server)
        .await;
    authed("GET", "/v1/plans/PL4RHCKW7GsGMjpcozHveQuw/customers")
        .and(query_param("offset", "40"))
        .and(query_param("limit", "20"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(
            r#"{"items": [], "limit": 20, "offset": 40}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let all = client
        .plans()
        .customers("PL4RHCKW7GsGMjpcozHveQuw")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_seed_customer(&all[1], false);
}

#[test]
fn plan_enums_are_open() {
    let t: PlanType = serde_json::from_str("\"barter\"").unwrap();
    assert_eq!(t, PlanType::Unknown("barter".into()));
    let f: Frequency = serde_json::from_str("\"hourly\"").unwrap();
    assert_eq!(f.as_str(), "hourly");
    assert_eq!(Frequency::Yearly.to_string(), "yearly");
}
