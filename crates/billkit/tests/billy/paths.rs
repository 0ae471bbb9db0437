//! Every Billy method taking a GUID refuses, before sending, what cannot be
//! one of the right kind; a real GUID goes out as one path segment.

use billkit::Error;
use billkit::billy::{
    Client, CompanyGuid, CustomerGuid, InvoiceGuid, NewInvoice, NewSubscription, PlanGuid,
    SubscriptionGuid, TransactionGuid,
};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::*;

/// `(name, method, path template, prefix, field)`; `{g}` is the GUID.
const ENDPOINTS: &[(&str, &str, &str, &str, &str)] = &[
    ("companies.get", "GET", "/v1/companies/{g}", "CP", "guid"),
    ("customers.get", "GET", "/v1/customers/{g}", "CU", "guid"),
    (
        "customers.delete",
        "DELETE",
        "/v1/customers/{g}",
        "CU",
        "guid",
    ),
    (
        "invoices.list_for_customer",
        "GET",
        "/v1/customers/{g}/invoices",
        "CU",
        "guid",
    ),
    (
        "subscriptions.list_for_customer",
        "GET",
        "/v1/customers/{g}/subscriptions",
        "CU",
        "guid",
    ),
    (
        "transactions.list_for_customer",
        "GET",
        "/v1/customers/{g}/transactions",
        "CU",
        "guid",
    ),
    ("plans.get", "GET", "/v1/plans/{g}", "PL", "guid"),
    ("plans.delete", "DELETE", "/v1/plans/{g}", "PL", "guid"),
    (
        "customers.list_for_plan",
        "GET",
        "/v1/plans/{g}/customers",
        "PL",
        "guid",
    ),
    (
        "subscriptions.list_for_plan",
        "GET",
        "/v1/plans/{g}/subscriptions",
        "PL",
        "guid",
    ),
    (
        "invoices.list_for_plan",
        "GET",
        "/v1/plans/{g}/invoices",
        "PL",
        "guid",
    ),
    (
        "transactions.list_for_plan",
        "GET",
        "/v1/plans/{g}/transactions",
        "PL",
        "guid",
    ),
    (
        "subscriptions.get",
        "GET",
        "/v1/subscriptions/{g}",
        "SU",
        "guid",
    ),
    (
        "subscriptions.cancel",
        "POST",
        "/v1/subscriptions/{g}/cancel",
        "SU",
        "guid",
    ),
    (
        "invoices.list_for_subscription",
        "GET",
        "/v1/subscriptions/{g}/invoices",
        "SU",
        "guid",
    ),
    (
        "transactions.list_for_subscription",
        "GET",
        "/v1/subscriptions/{g}/transactions",
        "SU",
        "guid",
    ),
    ("invoices.get", "GET", "/v1/invoices/{g}", "IV", "guid"),
    (
        "invoices.update_funding_instrument",
        "PUT",
        "/v1/invoices/{g}",
        "IV",
        "guid",
    ),
    (
        "invoices.refund",
        "POST",
        "/v1/invoices/{g}/refund",
        "IV",
        "guid",
    ),
    (
        "invoices.cancel",
        "POST",
        "/v1/invoices/{g}/cancel",
        "IV",
        "guid",
    ),
    (
        "transactions.list_for_invoice",
        "GET",
        "/v1/invoices/{g}/transactions",
        "IV",
        "guid",
    ),
    (
        "transactions.get",
        "GET",
        "/v1/transactions/{g}",
        "TX",
        "guid",
    ),
    (
        "subscriptions.create(plan)",
        "POST",
        "/v1/subscriptions",
        "PL",
        "plan_guid",
    ),
    (
        "subscriptions.create(customer)",
        "POST",
        "/v1/subscriptions",
        "CU",
        "customer_guid",
    ),
    (
        "invoices.create(customer)",
        "POST",
        "/v1/invoices",
        "CU",
        "customer_guid",
    ),
];

/// A GUID of each kind, as Billy makes them (22 base58 characters).
fn valid(prefix: &str) -> String {
    format!("{prefix}4NheTMcQqXgmAtg1aGTJPK")
}

/// An id as a server would send it: taken as sent, unchecked.
fn sent<T: serde::de::DeserializeOwned>(g: &str) -> T {
    serde_json::from_value(serde_json::Value::String(g.to_owned())).unwrap()
}

/// Builds the id of kind `prefix` from `value` as a caller would, returning
/// the field a refusal names.
fn build(prefix: &str, value: &str) -> Result<(), Error> {
    match prefix {
        "CP" => CompanyGuid::new(value).map(drop),
        "CU" => CustomerGuid::new(value).map(drop),
        "PL" => PlanGuid::new(value).map(drop),
        "SU" => SubscriptionGuid::new(value).map(drop),
        "IV" => InvoiceGuid::new(value).map(drop),
        "TX" => TransactionGuid::new(value).map(drop),
        other => panic!("no GUID kind {other}"),
    }
}

/// The field a caller's refusal names for each kind.
fn kind_field(prefix: &str) -> &'static str {
    match prefix {
        "CP" => "company_guid",
        "CU" => "customer_guid",
        "PL" => "plan_guid",
        "SU" => "subscription_guid",
        "IV" => "invoice_guid",
        "TX" => "transaction_guid",
        other => panic!("no GUID kind {other}"),
    }
}

/// Calls endpoint `name` with `g`, as a server sent it, where its GUID goes.
async fn call(client: &Client, name: &str, g: &str) -> Result<(), Error> {
    let cu = CustomerGuid::new(valid("CU"))?;
    let pl = PlanGuid::new(valid("PL"))?;
    match name {
        "companies.get" => client.companies().get(&sent(g)).await.map(drop),
        "customers.get" => client.customers().get(&sent(g)).await.map(drop),
        "customers.delete" => client.customers().delete(&sent(g)).await.map(drop),
        "invoices.list_for_customer" => client
            .invoices()
            .list_for_customer(&sent(g))
            .collect_all()
            .await
            .map(drop),
        "subscriptions.list_for_customer" => client
            .subscriptions()
            .list_for_customer(&sent(g))
            .collect_all()
            .await
            .map(drop),
        "transactions.list_for_customer" => client
            .transactions()
            .list_for_customer(&sent(g))
            .collect_all()
            .await
            .map(drop),
        "plans.get" => client.plans().get(&sent(g)).await.map(drop),
        "plans.delete" => client.plans().delete(&sent(g)).await.map(drop),
        "customers.list_for_plan" => client
            .customers()
            .list_for_plan(&sent(g))
            .collect_all()
            .await
            .map(drop),
        "subscriptions.list_for_plan" => client
            .subscriptions()
            .list_for_plan(&sent(g))
            .collect_all()
            .await
            .map(drop),
        "invoices.list_for_plan" => client
            .invoices()
            .list_for_plan(&sent(g))
            .collect_all()
            .await
            .map(drop),
        "transactions.list_for_plan" => client
            .transactions()
            .list_for_plan(&sent(g))
            .collect_all()
            .await
            .map(drop),
        "subscriptions.get" => client.subscriptions().get(&sent(g)).await.map(drop),
        "subscriptions.cancel" => client.subscriptions().cancel(&sent(g)).await.map(drop),
        "invoices.list_for_subscription" => client
            .invoices()
            .list_for_subscription(&sent(g))
            .collect_all()
            .await
            .map(drop),
        "transactions.list_for_subscription" => client
            .transactions()
            .list_for_subscription(&sent(g))
            .collect_all()
            .await
            .map(drop),
        "invoices.get" => client.invoices().get(&sent(g)).await.map(drop),
        "invoices.update_funding_instrument" => client
            .invoices()
            .update_funding_instrument(&sent(g), CARD)
            .await
            .map(drop),
        "invoices.refund" => client.invoices().refund(&sent(g), c(100)).await.map(drop),
        "invoices.cancel" => client.invoices().cancel(&sent(g)).await.map(drop),
        "transactions.list_for_invoice" => client
            .transactions()
            .list_for_invoice(&sent(g))
            .collect_all()
            .await
            .map(drop),
        "transactions.get" => client.transactions().get(&sent(g)).await.map(drop),
        "subscriptions.create(plan)" => client
            .subscriptions()
            .create(&NewSubscription::new(&sent(g), &cu))
            .await
            .map(drop),
        "subscriptions.create(customer)" => client
            .subscriptions()
            .create(&NewSubscription::new(&pl, &sent(g)))
            .await
            .map(drop),
        "invoices.create(customer)" => client
            .invoices()
            .create(&NewInvoice::new(&sent(g), c(100)))
            .await
            .map(drop),
        other => panic!("no endpoint {other}"),
    }
}

/// What the server answers a valid call with.
fn answer(name: &str) -> ResponseTemplate {
    let body = match name.split('.').next().unwrap_or("") {
        _ if name.contains(".list_for_") => {
            return ResponseTemplate::new(200).set_body_raw(
                r#"{"items": [], "limit": 20, "offset": 0}"#,
                "application/json",
            );
        }
        "companies" => "company_get.json",
        "customers" => "customer_get.json",
        "plans" => "plan_get.json",
        "subscriptions" => "subscription_get.json",
        "invoices" => "invoice_get.json",
        _ => "transaction_get.json",
    };
    json(body)
}

#[tokio::test]
async fn what_cannot_be_a_guid_never_leaves() {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let long = format!("CU{}", "a".repeat(100_000));
    let bad: Vec<&str> = vec!["..", ".", "a/b", "CU1\n", "", &long, " ", "CU", "CU0OIl"];
    for &(name, _, _, prefix, field) in ENDPOINTS {
        for value in bad.iter().copied().chain([
            // Another kind's GUID (e.g. plan and customer swapped).
            valid(if prefix == "CU" { "PL" } else { "CU" }).as_str(),
            // One base58 character too many.
            format!("{prefix}4NheTMcQqXgmAtg1aGTJPKx").as_str(),
            format!("{prefix}/../v1/plans").as_str(),
            format!("{prefix}4NheTMcQq%2F").as_str(),
        ]) {
            // A caller cannot build such an id at all...
            let err = build(prefix, value).unwrap_err();
            match &err {
                Error::InvalidInput {
                    field: f, message, ..
                } => {
                    assert_eq!(f, kind_field(prefix), "{name} {value:?}");
                    assert!(message.len() < 300, "{name}: {}", message.len());
                }
                other => panic!("{name} {value:?}: {other:?}"),
            }
            // ...and one a server sent is refused before it goes out again.
            let err = call(&client, name, value).await.unwrap_err();
            match &err {
                Error::InvalidInput {
                    field: f, message, ..
                } => {
                    assert_eq!(f, field, "{name} {value:?}");
                    // A huge value is not echoed whole.
                    assert!(message.len() < 300, "{name}: {}", message.len());
                }
                other => panic!("{name} {value:?}: {other:?}"),
            }
        }
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_real_guid_goes_out_as_expected() {
    for &(name, verb, template, prefix, _) in ENDPOINTS {
        let (server, client) = setup().await;
        let g = valid(prefix);
        let p = template.replace("{g}", &g);
        Mock::given(method(verb))
            .and(path(p.as_str()))
            .respond_with(answer(name))
            .expect(1)
            .mount(&server)
            .await;
        call(&client, name, &g)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let reqs = server.received_requests().await.unwrap();
        assert_eq!(reqs.len(), 1, "{name}");
        assert_eq!(reqs[0].method.as_str(), verb, "{name}");
        assert_eq!(reqs[0].url.path(), p, "{name}");
        let body = String::from_utf8(reqs[0].body.clone()).unwrap();
        match name {
            "subscriptions.create(plan)" | "subscriptions.create(customer)" => assert_eq!(
                body,
                "plan_guid=PL4NheTMcQqXgmAtg1aGTJPK&customer_guid=CU4NheTMcQqXgmAtg1aGTJPK"
            ),
            "invoices.create(customer)" => {
                assert_eq!(body, "customer_guid=CU4NheTMcQqXgmAtg1aGTJPK&amount=100")
            }
            "invoices.refund" => assert_eq!(body, "amount=100"),
            _ => {}
        }
    }
}

#[test]
fn the_guid_shape_is_billys() {
    // Billy's make_guid: prefix + base58 of a UUID's 16 bytes (1 to 22 chars).
    assert!(CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK").is_ok());
    assert!(TransactionGuid::new("TX1").is_ok());
    assert!(PlanGuid::new("CU4NheTMcQqXgmAtg1aGTJPK").is_err());
    for bad in [
        "CU",
        "CU0",
        "CUO",
        "CUI",
        "CUl",
        "CU+",
        "cu4Nhe",
        "CU4NheTMcQqXgmAtg1aGTJPKx",
    ] {
        let err = CustomerGuid::new(bad).unwrap_err();
        assert!(err.is_invalid_input(), "{bad}");
        // Today's message: what is wrong and what a GUID looks like.
        assert!(
            err.to_string()
                .contains("is not a Billy GUID: `CU` then 1 to 22 base58 characters"),
            "{err}"
        );
    }
}
