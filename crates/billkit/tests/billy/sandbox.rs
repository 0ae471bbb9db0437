//! The Billy sandbox: the example workflow through the client, and the
//! sandbox's behaviour per endpoint.

use billkit::billy::{
    self, Client, ErrorKind, Frequency, InvoiceKind, InvoiceStatus, NewAdjustment, NewCustomer,
    NewInvoice, NewItem, NewPlan, NewSubscription, PlanType, SubmitStatus, TransactionStatus,
    TransactionType,
};
use billkit::http::ManualClock;
use billkit::{ApiError, Error, ExposeSecret};
use billkit_sandbox::billy::BillySandbox;
use chrono::{Duration, Utc};
use serde_json::Value;

use crate::*;

const DECLINED: &str = "/v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCdeclined";

async fn start() -> (BillySandbox, Client) {
    let sandbox = BillySandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    (sandbox, client)
}

fn kind(err: &Error) -> ErrorKind {
    err.error_kind()
        .unwrap_or_else(|| panic!("no response: {err:?}"))
}

async fn plan(client: &Client) -> billy::Plan {
    client
        .plans()
        .create(&NewPlan::new(PlanType::Debit, Frequency::Monthly, c(500)))
        .await
        .unwrap()
}

async fn customer(client: &Client) -> billy::Customer {
    client
        .customers()
        .create(&NewCustomer::new())
        .await
        .unwrap()
}

/// A raw request, to see exactly what the sandbox answers.
async fn raw(
    sandbox: &BillySandbox,
    verb: &str,
    p: &str,
    key: Option<&str>,
    accept: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, String, String) {
    let http = reqwest::Client::new();
    let mut req = http
        .request(verb.parse().unwrap(), format!("{}{p}", sandbox.base_url()))
        .header("accept", accept)
        .body(body.to_owned());
    if let Some(key) = key {
        req = req.basic_auth(key, Some(""));
    }
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, resp.text().await.unwrap())
}

#[tokio::test]
async fn the_example_workflow_runs_through_the_client() {
    let sandbox = BillySandbox::start().await.unwrap();
    let registered = Client::register_company(sandbox.base_url(), sandbox.processor_key())
        .await
        .unwrap();
    assert!(registered.company.guid.as_str().starts_with("CP"));
    assert_ne!(registered.api_key().expose_secret(), sandbox.api_key());
    let client = registered.client().unwrap();
    let company = client
        .companies()
        .get(&registered.company.guid)
        .await
        .unwrap();
    assert_eq!(company, registered.company);

    let plan = plan(&client).await;
    assert_eq!(
        (plan.amount, plan.interval, plan.deleted),
        (c(500), 1, false)
    );
    assert_eq!(plan.company_guid, registered.company.guid);
    let cu = customer(&client).await;

    let sub = client
        .subscriptions()
        .create(&NewSubscription::new(&plan.guid, &cu.guid).funding_instrument_uri(CARD))
        .await
        .unwrap();
    assert_eq!(sub.invoice_count, 1);
    assert_eq!(sub.effective_amount, c(500));
    assert_eq!(sub.amount, None);
    assert!(sub.next_invoice_at > sub.started_at);

    let invoices = client
        .invoices()
        .list_for_subscription(&sub.guid)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(invoices.len(), 1);
    let first = &invoices[0];
    assert_eq!(first.status, InvoiceStatus::Settled);
    assert_eq!(first.subscription_guid(), Some(&sub.guid));
    assert_eq!(first.customer_guid(), None);
    assert_eq!(first.scheduled_at(), Some(sub.started_at));
    assert_eq!(first.effective_amount, c(500));

    let inv = client
        .invoices()
        .create(
            &NewInvoice::new(&cu.guid, c(1000))
                .external_id("order-1")
                .funding_instrument_uri(CARD)
                .title("Setup")
                .item(
                    NewItem::new("Hosting Service A", c(1000))
                        .quantity(2)
                        .unit("months"),
                )
                .adjustment(NewAdjustment::new(c(-100)).reason("Coupon discount")),
        )
        .await
        .unwrap();
    assert_eq!(inv.status, InvoiceStatus::Settled);
    assert_eq!(
        (
            inv.amount,
            inv.effective_amount,
            inv.total_adjustment_amount
        ),
        (c(1000), c(900), c(-100))
    );
    assert_eq!(
        inv.kind,
        InvoiceKind::Customer {
            customer_guid: cu.guid.clone(),
            external_id: Some("order-1".into())
        }
    );
    assert_eq!(inv.items[0].quantity, Some(2));
    assert_eq!(inv.items[0].unit.as_deref(), Some("months"));
    assert_eq!(
        inv.adjustments[0].reason.as_deref(),
        Some("Coupon discount")
    );
    assert_eq!(inv.title.as_deref(), Some("Setup"));

    let refunded = client.invoices().refund(&inv.guid, c(300)).await.unwrap();
    assert_eq!(refunded.guid, inv.guid);
    let txs = client
        .transactions()
        .list_for_invoice(&inv.guid)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(txs.len(), 2);
    assert_eq!(
        (txs[0].transaction_type.clone(), txs[0].amount),
        (TransactionType::Refund, c(300))
    );
    assert_eq!(
        (txs[1].transaction_type.clone(), txs[1].amount),
        (TransactionType::Debit, c(900))
    );
    assert_eq!(txs[1].status, Some(TransactionStatus::Succeeded));
    assert_eq!(txs[1].submit_status, SubmitStatus::Done);

    // Refunds never exceed the effective amount in total.
    let err = client
        .invoices()
        .refund(&inv.guid, c(601))
        .await
        .unwrap_err();
    assert_eq!(err.error_class(), Some("InvalidOperationError"));
    client.invoices().refund(&inv.guid, c(600)).await.unwrap();

    // A second invoice with the same external_id for the customer: 409.
    let err = client
        .invoices()
        .create(&NewInvoice::new(&cu.guid, c(100)).external_id("order-1"))
        .await
        .unwrap_err();
    assert!(err.is_duplicate_external_id(), "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    let found = client
        .invoices()
        .list(&InvoiceFilter::new().external_id("order-1"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].guid, inv.guid);

    // The customer's lists: one-off invoices only, its subscription.
    let mine = client
        .invoices()
        .list_for_customer(&cu.guid)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    let subs = client
        .subscriptions()
        .list_for_customer(&cu.guid)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(subs[0].guid, sub.guid);
    assert_eq!(
        client
            .transactions()
            .list_for_customer(&cu.guid)
            .collect_all()
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        client
            .invoices()
            .list_for_plan(&plan.guid)
            .collect_all()
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        client
            .transactions()
            .list_for_plan(&plan.guid)
            .collect_all()
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        client
            .subscriptions()
            .list_for_plan(&plan.guid)
            .collect_all()
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        client
            .transactions()
            .list_for_subscription(&sub.guid)
            .collect_all()
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        client
            .transactions()
            .list()
            .collect_all()
            .await
            .unwrap()
            .len(),
        4
    );
    let tx = client.transactions().get(&txs[1].guid).await.unwrap();
    assert_eq!(tx, txs[1]);

    let canceled = client.subscriptions().cancel(&sub.guid).await.unwrap();
    assert!(canceled.canceled);
    assert!(canceled.canceled_at.is_some());
}

#[tokio::test]
async fn keys_403_unknown_records_and_paths_404() {
    let (sandbox, client) = start().await;
    let p = plan(&client).await;

    for key in [None, Some("wrong-key")] {
        let (status, ct, body) = raw(
            &sandbox,
            "GET",
            "/v1/plans",
            key,
            "application/json",
            None,
            "",
        )
        .await;
        assert_eq!(status, 403);
        assert!(ct.starts_with("text/plain"), "{ct}");
        assert!(
            body.contains("Unauthorized: ") && body.contains("failed permission check"),
            "{body}"
        );
    }
    let bad = Client::builder()
        .base_url(sandbox.base_url())
        .api_key("nope")
        .build()
        .unwrap();
    let err = bad.plans().get(&p.guid).await.unwrap_err();
    assert_eq!(kind(&err), ErrorKind::Forbidden);

    // Another company's records are forbidden.
    let other = Client::register_company(sandbox.base_url(), sandbox.processor_key())
        .await
        .unwrap()
        .client()
        .unwrap();
    let err = other.plans().get(&p.guid).await.unwrap_err();
    assert_eq!(kind(&err), ErrorKind::Forbidden);
    assert!(other.plans().list().collect_all().await.unwrap().is_empty());
    let err = other
        .companies()
        .get(&sandbox.company_guid())
        .await
        .unwrap_err();
    assert_eq!(kind(&err), ErrorKind::Forbidden);

    let err = client.plans().get(&pl_id("PLxxx")).await.unwrap_err();
    assert_eq!(kind(&err), ErrorKind::NotFound);
    assert!(err.raw_body().unwrap().contains("No such plan PLxxx"));
    let (status, ct, _) = raw(
        &sandbox,
        "GET",
        "/v1/companies",
        Some(sandbox.api_key()),
        "application/json",
        None,
        "",
    )
    .await;
    assert_eq!((status, ct.starts_with("text/plain")), (404, true));
    let (status, ..) = raw(
        &sandbox,
        "GET",
        "/v1/nothing",
        Some(sandbox.api_key()),
        "application/json",
        None,
        "",
    )
    .await;
    assert_eq!(status, 404);
    // The named sub-lists answer any method, as Billy's views do.
    let (status, ..) = raw(
        &sandbox,
        "DELETE",
        &format!("/v1/plans/{}/customers", p.guid),
        Some(sandbox.api_key()),
        "application/json",
        None,
        "",
    )
    .await;
    assert_eq!(status, 200);
    // A wrong method: Pyramid names a single-method view, not a multi one.
    let (status, _, body) = raw(
        &sandbox,
        "POST",
        "/v1/transactions",
        Some(sandbox.api_key()),
        "application/json",
        None,
        "",
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        body.contains(
            "predicate mismatch for view TransactionIndexView (request_method = GET,HEAD)"
        ),
        "{body}"
    );
    let (status, _, body) = raw(
        &sandbox,
        "PUT",
        "/v1/plans",
        Some(sandbox.api_key()),
        "application/json",
        None,
        "",
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (
            404,
            "404 Not Found\n\nThe resource could not be found.\n\n\n\n\n"
        )
    );

    let info = client.server_info().await.unwrap();
    assert_eq!(info.version, "1.1.3");
}

#[tokio::test]
async fn input_is_read_only_from_forms() {
    let (sandbox, _client) = start().await;
    let key = sandbox.api_key();
    let (status, ct, body) = raw(
        &sandbox,
        "POST",
        "/v1/plans",
        Some(key),
        "application/json",
        Some("application/json"),
        r#"{"plan_type": "debit", "frequency": "monthly", "amount": 500}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(ct.starts_with("text/plain"), "{ct}");
    assert!(
        body.contains("There are errors in following parameters"),
        "{body}"
    );
    let err: Error = ApiError::from_response(
        reqwest::Method::POST,
        "/v1/plans",
        reqwest::StatusCode::BAD_REQUEST,
        Some(ct),
        body.as_bytes(),
        None,
        1,
    )
    .in_dialect(billkit::billy::BillyDialect)
    .into();
    let fields = err.validation_errors();
    for f in ["plan_type", "frequency", "amount"] {
        assert_eq!(
            fields[f],
            vec!["This field is required.".to_string()],
            "{fields:?}"
        );
    }

    // With Accept */* (curl's default) the same report is Pyramid's HTML page.
    let (status, ct, body) = raw(
        &sandbox,
        "POST",
        "/v1/plans",
        Some(key),
        "*/*",
        Some(FORM),
        "plan_type=debit&frequency=monthly&amount=10",
    )
    .await;
    assert_eq!(status, 400);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(body.contains("&lt;ul&gt;"), "{body}");
    let err: Error = ApiError::from_response(
        reqwest::Method::POST,
        "/v1/plans",
        reqwest::StatusCode::BAD_REQUEST,
        Some(ct),
        body.as_bytes(),
        None,
        1,
    )
    .in_dialect(billkit::billy::BillyDialect)
    .into();
    assert_eq!(
        err.validation_errors()["amount"],
        vec!["Number must be at least 50.".to_string()]
    );
}

#[tokio::test]
async fn documented_item_and_adjustment_keys_are_ignored() {
    let (sandbox, client) = start().await;
    let cu = customer(&client).await;
    let key = sandbox.api_key();
    let form = format!(
        "customer_guid={}&amount=1000&item_name1=A&item_amount1=1000&item_quanity1=3&adjustments_amount1=-100&adjustments_reason1=Coupon",
        cu.guid
    );
    let (status, _, body) = raw(
        &sandbox,
        "POST",
        "/v1/invoices",
        Some(key),
        "application/json",
        Some(FORM),
        &form,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v["effective_amount"], 1000,
        "the docs' adjustment keys are ignored"
    );
    assert_eq!(v["adjustments"], serde_json::json!([]));
    assert_eq!(
        v["items"][0]["quantity"],
        Value::Null,
        "`quanity` is ignored"
    );

    let form = format!(
        "customer_guid={}&amount=1000&item_name2=B&item_amount2=5&item_name1=A&item_amount1=1000&item_quantity1=3&adjustment_amount1=-100&adjustment_reason1=Coupon",
        cu.guid
    );
    let (status, _, body) = raw(
        &sandbox,
        "POST",
        "/v1/invoices",
        Some(key),
        "application/json",
        Some(FORM),
        &form,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["effective_amount"], 900);
    assert_eq!(v["items"][0]["name"], "A", "items sorted by number");
    assert_eq!(v["items"][0]["quantity"], 3);
    assert_eq!(v["items"][1]["name"], "B");

    // Amounts at the edge of i64 do not take the fake down.
    let form = format!(
        "customer_guid={}&amount=9223372036854775807&adjustment_amount1=5",
        cu.guid
    );
    let (status, _, body) = raw(
        &sandbox,
        "POST",
        "/v1/invoices",
        Some(key),
        "application/json",
        Some(FORM),
        &form,
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // What the real server crashes on: an item without its amount.
    let form = format!("customer_guid={}&amount=1000&item_name1=A", cu.guid);
    let (status, ct, body) = raw(
        &sandbox,
        "POST",
        "/v1/invoices",
        Some(key),
        "application/json",
        Some(FORM),
        &form,
    )
    .await;
    assert_eq!(status, 500);
    assert!(
        ct.starts_with("text/plain") && body.contains("Internal Server Error"),
        "{body}"
    );
    // ... and a non-integer limit.
    let (status, ..) = raw(
        &sandbox,
        "GET",
        "/v1/invoices?limit=abc",
        Some(key),
        "application/json",
        None,
        "",
    )
    .await;
    assert_eq!(status, 500);
}

#[tokio::test]
async fn invoice_settle_update_cancel_rules() {
    let (_sandbox, client) = start().await;
    let cu = customer(&client).await;
    let invoices = client.invoices();

    // No instrument: staged, nothing charged; PUT charges it.
    let staged = invoices
        .create(&NewInvoice::new(&cu.guid, c(700)))
        .await
        .unwrap();
    assert_eq!(staged.status, InvoiceStatus::Staged);
    assert!(
        client
            .transactions()
            .list_for_invoice(&staged.guid)
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );
    let err = invoices.refund(&staged.guid, c(100)).await.unwrap_err();
    assert_eq!(err.error_class(), Some("InvalidOperationError"));
    let paid = invoices
        .update_funding_instrument(&staged.guid, CARD)
        .await
        .unwrap();
    assert_eq!(paid.status, InvoiceStatus::Settled);
    assert_eq!(paid.funding_instrument_uri.as_deref(), Some(CARD));
    assert_eq!(
        client
            .transactions()
            .list_for_invoice(&staged.guid)
            .collect_all()
            .await
            .unwrap()[0]
            .amount,
        c(700)
    );
    let err = invoices
        .update_funding_instrument(&staged.guid, CARD)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    let err = invoices.cancel(&staged.guid).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));

    // Amount 0 with an instrument: settled without a transaction.
    let zero = invoices
        .create(&NewInvoice::new(&cu.guid, c(0)).funding_instrument_uri(CARD))
        .await
        .unwrap();
    assert_eq!(zero.status, InvoiceStatus::Settled);
    assert!(
        client
            .transactions()
            .list_for_invoice(&zero.guid)
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );

    // A declined card: the charge is retried later, the invoice stays
    // processing (as on the real server with its scripted processor).
    let failed = invoices
        .create(&NewInvoice::new(&cu.guid, c(500)).funding_instrument_uri(DECLINED))
        .await
        .unwrap();
    assert_eq!(failed.status, InvoiceStatus::Processing);
    let tx = &client
        .transactions()
        .list_for_invoice(&failed.guid)
        .collect_all()
        .await
        .unwrap()[0];
    assert_eq!(tx.status, None);
    assert_eq!(tx.submit_status, SubmitStatus::Retrying);
    assert_eq!(tx.failure_count, 1);
    assert_eq!(
        tx.failures[0].error_message.as_deref(),
        Some(format!("Scripted processor failure for {DECLINED}").as_str())
    );
    assert_eq!(tx.failures[0].error_code, None);
    assert_eq!(tx.failures[0].error_number, None);
    let canceled = invoices.cancel(&failed.guid).await.unwrap();
    assert_eq!(canceled.status, InvoiceStatus::Canceled);
    let err = invoices.cancel(&failed.guid).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    let err = invoices
        .update_funding_instrument(&failed.guid, CARD)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));

    // A staged invoice can be canceled.
    let staged = invoices
        .create(&NewInvoice::new(&cu.guid, c(100)))
        .await
        .unwrap();
    assert_eq!(
        invoices.cancel(&staged.guid).await.unwrap().status,
        InvoiceStatus::Canceled
    );

    // A deleted customer cannot be invoiced; deleting twice is refused.
    let gone = client.customers().delete(&cu.guid).await.unwrap();
    assert!(gone.deleted);
    assert!(client.customers().get(&cu.guid).await.unwrap().deleted);
    let err = client.customers().delete(&cu.guid).await.unwrap_err();
    assert_eq!(kind(&err), ErrorKind::BadRequest);
    let err = invoices
        .create(&NewInvoice::new(&cu.guid, c(100)))
        .await
        .unwrap_err();
    assert_eq!(kind(&err), ErrorKind::BadRequest);
    let err = invoices
        .create(&NewInvoice::new(&cu_id("CUnope"), c(100)))
        .await
        .unwrap_err();
    assert_eq!(kind(&err), ErrorKind::Validation);
    assert!(err.validation_errors()["customer_guid"][0].contains("No such Customer record CUnope"));
}

#[tokio::test]
async fn subscription_start_and_cancel_rules() {
    let (sandbox, client) = start().await;
    let p = plan(&client).await;
    let cu = customer(&client).await;
    let later = Utc::now() + Duration::days(30);
    let sub = client
        .subscriptions()
        .create(
            &NewSubscription::new(&p.guid, &cu.guid)
                .started_at(later)
                .amount(c(450)),
        )
        .await
        .unwrap();
    assert_eq!(sub.invoice_count, 0);
    assert_eq!(sub.effective_amount, c(450));
    assert_eq!(sub.amount, Some(c(450)));
    assert_eq!(sub.started_at.timestamp_micros(), later.timestamp_micros());
    assert!(
        client
            .invoices()
            .list_for_subscription(&sub.guid)
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );

    // Billy's scheduled processing, driven by the test.
    assert_eq!(
        sandbox.bill_due_subscriptions(later - Duration::seconds(1)),
        0
    );
    assert_eq!(sandbox.bill_due_subscriptions(later), 1);
    let first = client.subscriptions().get(&sub.guid).await.unwrap();
    assert_eq!(first.invoice_count, 1);
    assert!(first.next_invoice_at > later + Duration::days(27));
    let invoices = client
        .invoices()
        .list_for_subscription(&sub.guid)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(invoices[0].scheduled_at(), Some(first.started_at));
    assert_eq!(invoices[0].amount, c(450));
    assert_eq!(invoices[0].status, InvoiceStatus::Staged);
    assert_eq!(
        sandbox.bill_due_subscriptions(later + Duration::days(40)),
        1
    );
    assert_eq!(
        client
            .subscriptions()
            .get(&sub.guid)
            .await
            .unwrap()
            .invoice_count,
        2
    );

    let err = client
        .subscriptions()
        .create(&NewSubscription::new(&p.guid, &cu.guid).started_at(Utc::now() - Duration::days(1)))
        .await
        .unwrap_err();
    assert!(
        err.validation_errors()["started_at"][0].contains("in the past"),
        "{err}"
    );
    let (status, ..) = raw(
        &sandbox,
        "POST",
        "/v1/subscriptions",
        Some(sandbox.api_key()),
        "application/json",
        Some(FORM),
        &format!(
            "plan_guid={}&customer_guid={}&started_at=2030-01-31",
            p.guid, cu.guid
        ),
    )
    .await;
    assert_eq!(status, 500, "a bare date crashes the real server");

    // No instrument: the first invoice is filed at once, staged.
    let now_sub = client
        .subscriptions()
        .create(&NewSubscription::new(&p.guid, &cu.guid))
        .await
        .unwrap();
    assert_eq!(now_sub.invoice_count, 1);
    let inv = &client
        .invoices()
        .list_for_subscription(&now_sub.guid)
        .collect_all()
        .await
        .unwrap()[0];
    assert_eq!(inv.status, InvoiceStatus::Staged);

    let canceled = client.subscriptions().cancel(&sub.guid).await.unwrap();
    assert!(canceled.canceled);
    let err = client.subscriptions().cancel(&sub.guid).await.unwrap_err();
    assert_eq!(kind(&err), ErrorKind::BadRequest);
    assert!(
        err.raw_body()
            .unwrap()
            .contains("Cannot cancel a canceled subscription")
    );
    assert!(
        client
            .subscriptions()
            .get(&sub.guid)
            .await
            .unwrap()
            .canceled
    );
}

#[tokio::test]
async fn lists_are_newest_first_and_paged() {
    let (sandbox, client) = start().await;
    let mut made = Vec::new();
    for _ in 0..23 {
        made.push(customer(&client).await.guid);
    }
    let all = client
        .customers()
        .list(&CustomerFilter::new())
        .collect_all()
        .await
        .unwrap();
    let got: Vec<CustomerGuid> = all.iter().map(|c| c.guid.clone()).collect();
    made.reverse();
    assert_eq!(got, made);
    let page = client
        .customers()
        .list(&CustomerFilter::new())
        .per_page(5)
        .page(2)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 5);
    assert_eq!(page.items[0].guid, made[5]);
    let (_, _, body) = raw(
        &sandbox,
        "GET",
        "/v1/customers?offset=20&limit=5",
        Some(sandbox.api_key()),
        "application/json",
        None,
        "",
    )
    .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            v["offset"].as_u64(),
            v["limit"].as_u64(),
            v["items"].as_array().map(Vec::len)
        ),
        (Some(20), Some(5), Some(3))
    );

    let with_uri = client
        .customers()
        .create(&NewCustomer::new().processor_uri("/v1/customers/CUbalanced"))
        .await
        .unwrap();
    let found = client
        .customers()
        .list(&CustomerFilter::new().processor_uri("/v1/customers/CUbalanced"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0], with_uri);
}

#[tokio::test]
async fn plan_customers_repeat_across_pages_and_the_walk_removes_them() {
    let (sandbox, client) = start().await;
    let p = plan(&client).await;
    let a = customer(&client).await;
    let b = customer(&client).await;
    // Three subscriptions each, as in the recording from the real server.
    for cu in [&a, &b, &a, &b, &a, &b] {
        client
            .subscriptions()
            .create(&NewSubscription::new(&p.guid, &cu.guid))
            .await
            .unwrap();
    }
    // Billy's pages: rows are subscriptions (newest customer first),
    // de-duplicated only within the page.
    let mut pages = Vec::new();
    for offset in [0, 2, 4, 6] {
        let (_, _, body) = raw(
            &sandbox,
            "GET",
            &format!("/v1/plans/{}/customers?offset={offset}&limit=2", p.guid),
            Some(sandbox.api_key()),
            "application/json",
            None,
            "",
        )
        .await;
        let v: Value = serde_json::from_str(&body).unwrap();
        let guids: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["guid"].as_str().unwrap().to_owned())
            .collect();
        pages.push(guids);
    }
    assert_eq!(
        pages,
        [
            vec![b.guid.to_string()],
            vec![b.guid.to_string(), a.guid.to_string()],
            vec![a.guid.to_string()],
            vec![],
        ]
    );
    let all = client
        .customers()
        .list_for_plan(&p.guid)
        .per_page(2)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all, [b.clone(), a.clone()]);
}

/// Two sub-list filters as real Billy 1.1.3 answers them (found by
/// `scripts/billy-conformance`): a plan's customers honour `processor_uri`,
/// and a customer's invoices filtered by `external_id` crash the server.
#[tokio::test]
async fn sub_list_filters_answer_as_the_real_server() {
    let (sandbox, client) = start().await;
    let p = plan(&client).await;
    let a = customer(&client).await;
    client
        .subscriptions()
        .create(&NewSubscription::new(&p.guid, &a.guid))
        .await
        .unwrap();
    let key = Some(sandbox.api_key());
    let count = |body: &str| {
        let v: Value = serde_json::from_str(body).unwrap();
        v["items"].as_array().unwrap().len()
    };
    let path = format!(
        "/v1/plans/{}/customers?processor_uri=/v1/customers/CUnobody",
        p.guid
    );
    let (status, _, body) = raw(&sandbox, "GET", &path, key, "application/json", None, "").await;
    assert_eq!((status, count(&body)), (200, 0));
    let uri = a.processor_uri.clone().unwrap();
    let path = format!("/v1/plans/{}/customers?processor_uri={uri}", p.guid);
    let (status, _, body) = raw(&sandbox, "GET", &path, key, "application/json", None, "").await;
    assert_eq!((status, count(&body)), (200, 1));
    let path = format!("/v1/customers/{}/invoices?external_id=order-42", a.guid);
    let (status, _, _) = raw(&sandbox, "GET", &path, key, "application/json", None, "").await;
    assert_eq!(status, 500);
}

#[tokio::test]
async fn plan_rules_and_deletes() {
    let (_sandbox, client) = start().await;
    let p = client
        .plans()
        .create(&NewPlan::new(PlanType::Credit, Frequency::Weekly, c(50)).interval(2))
        .await
        .unwrap();
    assert_eq!(
        (p.plan_type.clone(), p.frequency.clone(), p.interval),
        (PlanType::Credit, Frequency::Weekly, 2)
    );
    let deleted = client.plans().delete(&p.guid).await.unwrap();
    assert!(deleted.deleted);
    assert_eq!(
        client.plans().list().collect_all().await.unwrap()[0].guid,
        p.guid
    );
    let err = client.plans().delete(&p.guid).await.unwrap_err();
    assert_eq!(kind(&err), ErrorKind::BadRequest);
    let cu = customer(&client).await;
    let err = client
        .subscriptions()
        .create(&NewSubscription::new(&p.guid, &cu.guid))
        .await
        .unwrap_err();
    assert_eq!(kind(&err), ErrorKind::BadRequest);
}

#[tokio::test]
async fn faults_are_injected_by_the_core() {
    let sandbox = BillySandbox::start().await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .api_key(sandbox.api_key())
        .manual_time(&ManualClock::new())
        .build()
        .unwrap();
    sandbox.server().faults().fail_next(1, 503);
    // A GET is retried past the 503.
    assert!(
        client
            .plans()
            .list()
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );
    sandbox.server().faults().fail_next(1, 503);
    // A create is not: it may have been processed.
    let err = client
        .customers()
        .create(&NewCustomer::new())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(
        client
            .customers()
            .list(&CustomerFilter::new())
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn money_warts_of_the_real_server_are_kept() {
    let (sandbox, client) = start().await;
    let cu = customer(&client).await;
    let key = sandbox.api_key();
    // billkit refuses this invoice; Billy settles it with a negative debit.
    let form = format!(
        "customer_guid={}&amount=100&funding_instrument_uri={CARD}&adjustment_amount1=-300&adjustment_reason1=Too+generous",
        cu.guid
    );
    let (status, ct, body) = raw(
        &sandbox,
        "POST",
        "/v1/invoices",
        Some(key),
        "application/json",
        Some(FORM),
        &form,
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "application/json"), "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            &v["status"],
            &v["effective_amount"],
            &v["total_adjustment_amount"]
        ),
        (
            &Value::from("settled"),
            &Value::from(-200),
            &Value::from(-300)
        )
    );
    let guid = iv_id(v["guid"].as_str().unwrap());
    let txs = client
        .transactions()
        .list_for_invoice(&guid)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(txs.len(), 1);
    assert_eq!(txs[0].amount, c(-200));
    assert_eq!(txs[0].status, Some(TransactionStatus::Succeeded));
    assert_eq!(txs[0].submit_status, SubmitStatus::Done);

    // Canceling one invoice cancels every running charge, of any invoice.
    let retrying = client
        .invoices()
        .create(&NewInvoice::new(&cu.guid, c(700)).funding_instrument_uri(DECLINED))
        .await
        .unwrap();
    let other = client
        .invoices()
        .create(&NewInvoice::new(&cu.guid, c(300)))
        .await
        .unwrap();
    client.invoices().cancel(&other.guid).await.unwrap();
    let tx = &client
        .transactions()
        .list_for_invoice(&retrying.guid)
        .collect_all()
        .await
        .unwrap()[0];
    assert_eq!(tx.submit_status, SubmitStatus::Canceled);
    assert_eq!(
        client.invoices().get(&retrying.guid).await.unwrap().status,
        InvoiceStatus::Processing
    );

    // An invalid instrument is refused by the processor, as JSON.
    let err = client
        .invoices()
        .create(&NewInvoice::new(&cu.guid, c(100)).funding_instrument_uri("/v1/cards/CCINVALID"))
        .await
        .unwrap_err();
    assert_eq!(err.error_class(), Some("InvalidFundingInstrument"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
}

#[tokio::test]
async fn duplicate_external_id_answers_as_the_real_server() {
    let (sandbox, client) = start().await;
    let cu = customer(&client).await;
    let form = format!("customer_guid={}&amount=100&external_id=order-42", cu.guid);
    let first = raw(
        &sandbox,
        "POST",
        "/v1/invoices",
        Some(sandbox.api_key()),
        "application/json",
        Some(FORM),
        &form,
    )
    .await;
    assert_eq!(first.0, 200);
    let (status, ct, body) = raw(
        &sandbox,
        "POST",
        "/v1/invoices",
        Some(sandbox.api_key()),
        "application/json",
        Some(FORM),
        &form,
    )
    .await;
    assert_eq!((status, ct.as_str()), (409, "application/json"));
    // Billy's message names the customer where it says "Invoice".
    assert_eq!(
        body,
        fixture("error_409_duplicate_external_id.json")
            .replace("CU4NheTMcQqXgmAtg1aGTJPK", cu.guid.as_str())
    );
}
