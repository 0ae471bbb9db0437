//! Every Billy method taking a GUID refuses, before sending, what cannot be
//! one of the right kind; a real GUID goes out as one path segment.

use billkit::Error;
use billkit::billy::{Client, NewInvoice, NewSubscription};
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
        "customers.invoices",
        "GET",
        "/v1/customers/{g}/invoices",
        "CU",
        "guid",
    ),
    (
        "customers.subscriptions",
        "GET",
        "/v1/customers/{g}/subscriptions",
        "CU",
        "guid",
    ),
    (
        "customers.transactions",
        "GET",
        "/v1/customers/{g}/transactions",
        "CU",
        "guid",
    ),
    ("plans.get", "GET", "/v1/plans/{g}", "PL", "guid"),
    ("plans.delete", "DELETE", "/v1/plans/{g}", "PL", "guid"),
    (
        "plans.customers",
        "GET",
        "/v1/plans/{g}/customers",
        "PL",
        "guid",
    ),
    (
        "plans.subscriptions",
        "GET",
        "/v1/plans/{g}/subscriptions",
        "PL",
        "guid",
    ),
    (
        "plans.invoices",
        "GET",
        "/v1/plans/{g}/invoices",
        "PL",
        "guid",
    ),
    (
        "plans.transactions",
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
        "subscriptions.invoices",
        "GET",
        "/v1/subscriptions/{g}/invoices",
        "SU",
        "guid",
    ),
    (
        "subscriptions.transactions",
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
        "invoices.transactions",
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

/// Calls endpoint `name` with `g` where its GUID goes.
async fn call(client: &Client, name: &str, g: &str) -> Result<(), Error> {
    let cu = valid("CU");
    let pl = valid("PL");
    match name {
        "companies.get" => client.companies().get(g).await.map(drop),
        "customers.get" => client.customers().get(g).await.map(drop),
        "customers.delete" => client.customers().delete(g).await.map(drop),
        "customers.invoices" => client
            .customers()
            .invoices(g)?
            .collect_all()
            .await
            .map(drop),
        "customers.subscriptions" => client
            .customers()
            .subscriptions(g)?
            .collect_all()
            .await
            .map(drop),
        "customers.transactions" => client
            .customers()
            .transactions(g)?
            .collect_all()
            .await
            .map(drop),
        "plans.get" => client.plans().get(g).await.map(drop),
        "plans.delete" => client.plans().delete(g).await.map(drop),
        "plans.customers" => client.plans().customers(g)?.collect_all().await.map(drop),
        "plans.subscriptions" => client
            .plans()
            .subscriptions(g)?
            .collect_all()
            .await
            .map(drop),
        "plans.invoices" => client.plans().invoices(g)?.collect_all().await.map(drop),
        "plans.transactions" => client
            .plans()
            .transactions(g)?
            .collect_all()
            .await
            .map(drop),
        "subscriptions.get" => client.subscriptions().get(g).await.map(drop),
        "subscriptions.cancel" => client.subscriptions().cancel(g).await.map(drop),
        "subscriptions.invoices" => client
            .subscriptions()
            .invoices(g)?
            .collect_all()
            .await
            .map(drop),
        "subscriptions.transactions" => client
            .subscriptions()
            .transactions(g)?
            .collect_all()
            .await
            .map(drop),
        "invoices.get" => client.invoices().get(g).await.map(drop),
        "invoices.update_funding_instrument" => client
            .invoices()
            .update_funding_instrument(g, CARD)
            .await
            .map(drop),
        "invoices.refund" => client.invoices().refund(g, c(100)).await.map(drop),
        "invoices.cancel" => client.invoices().cancel(g).await.map(drop),
        "invoices.transactions" => client
            .invoices()
            .transactions(g)?
            .collect_all()
            .await
            .map(drop),
        "transactions.get" => client.transactions().get(g).await.map(drop),
        "subscriptions.create(plan)" => client
            .subscriptions()
            .create(&NewSubscription::new(g, cu))
            .await
            .map(drop),
        "subscriptions.create(customer)" => client
            .subscriptions()
            .create(&NewSubscription::new(pl, g))
            .await
            .map(drop),
        "invoices.create(customer)" => client
            .invoices()
            .create(&NewInvoice::new(g, c(100)))
            .await
            .map(drop),
        other => panic!("no endpoint {other}"),
    }
}

/// What the server answers a valid call with.
fn answer(name: &str) -> ResponseTemplate {
    let body = match name.split('.').next().unwrap_or("") {
        _ if ["invoices", "subscriptions", "transactions", "customers"]
            .iter()
            .any(|s| name.ends_with(&format!(".{s}"))) =>
        {
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
    use billkit::billy::is_guid;
    // Billy's make_guid: prefix + base58 of a UUID's 16 bytes (1 to 22 chars).
    assert!(is_guid("CU4NheTMcQqXgmAtg1aGTJPK", "CU"));
    assert!(is_guid("TX1", "TX"));
    assert!(!is_guid("CU4NheTMcQqXgmAtg1aGTJPK", "PL"));
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
        assert!(!is_guid(bad, "CU"), "{bad}");
    }
}
