//! What Billy refuses or crashes on is refused before anything is sent.

use billkit::billy::{
    self, Client, CustomerGuid, Frequency, NewAdjustment, NewInvoice, NewItem, NewPlan,
    NewSubscription, PlanGuid, PlanType,
};
use billkit::{Error, Result};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

/// A server that fails the test if it gets any request.
async fn silent() -> (MockServer, Client) {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    (server, client)
}

/// A server that answers every request 500: a create that fails with
/// anything but `InvalidInput` passed the checks and was sent.
async fn answering() -> Client {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    // The server lives as long as the test's runtime.
    std::mem::forget(server);
    client
}

/// Whether the request passed the checks (and so went out).
fn passed<T>(result: Result<T>) -> bool {
    !matches!(result, Err(Error::InvalidInput { .. }))
}

fn field_of(err: &Error) -> &str {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("not invalid input: {other:?}"),
    }
}

#[tokio::test]
async fn plans() {
    let (_server, client) = silent().await;
    let plans = client.plans();
    let err = plans
        .create(&NewPlan::new(PlanType::Debit, Frequency::Daily, c(49)))
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "amount");
    assert!(err.to_string().contains("50"), "{err}");
    let err = plans
        .create(&NewPlan::new(PlanType::Debit, Frequency::Daily, c(50)).interval(0))
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "interval");
    let err = plans
        .create(&NewPlan::new(
            PlanType::from("barter"),
            Frequency::Daily,
            c(500),
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "plan_type");
    let err = plans
        .create(&NewPlan::new(
            PlanType::Credit,
            Frequency::from("hourly"),
            c(500),
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "frequency");
    let client = answering().await;
    assert!(passed(
        client
            .plans()
            .create(&NewPlan::new(PlanType::Debit, Frequency::Daily, c(50)).interval(1))
            .await
    ));
}

#[tokio::test]
async fn subscriptions() {
    let (_server, client) = silent().await;
    let subs = client.subscriptions();
    let cases = [
        (
            NewSubscription::new(&pl_id("PL1"), &cu_id("CU1")).amount(c(49)),
            "amount",
        ),
        (
            NewSubscription::new(&pl_id("PL1"), &cu_id("CU1")).funding_instrument_uri(""),
            "funding_instrument_uri",
        ),
        (
            NewSubscription::new(&pl_id("PL1"), &cu_id("CU1"))
                .appears_on_statement_as("Nineteen characters"),
            "appears_on_statement_as",
        ),
        (
            NewSubscription::new(&pl_id("PL1"), &cu_id("CU1")).appears_on_statement_as("Café"),
            "appears_on_statement_as",
        ),
        (
            NewSubscription::new(&pl_id("PL1"), &cu_id("CU1")).appears_on_statement_as("a*b"),
            "appears_on_statement_as",
        ),
    ];
    for (sub, field) in cases {
        let err = subs.create(&sub).await.unwrap_err();
        assert_eq!(field_of(&err), field, "{sub:?}");
    }
    // Exactly 18 characters of the allowed set pass.
    // A GUID that cannot be one is refused when the id is built.
    assert_eq!(field_of(&PlanGuid::new("").unwrap_err()), "plan_guid");
    assert_eq!(
        field_of(&CustomerGuid::new(" ").unwrap_err()),
        "customer_guid"
    );
    let client = answering().await;
    let ok = NewSubscription::new(&pl_id("PL1"), &cu_id("CU1"))
        .amount(c(50))
        .appears_on_statement_as(".<>(){}[]+&!$;-%_?");
    assert!(passed(client.subscriptions().create(&ok).await));
    let ok = NewSubscription::new(&pl_id("PL1"), &cu_id("CU1"))
        .appears_on_statement_as(":#@~='\" ^\\`|Az09");
    assert!(passed(client.subscriptions().create(&ok).await));
    assert!(
        billy::is_statement_char(' ')
            && !billy::is_statement_char('*')
            && !billy::is_statement_char('é')
    );
}

#[tokio::test]
async fn invoices() {
    let (_server, client) = silent().await;
    let invoices = client.invoices();
    let cases = [
        (NewInvoice::new(&cu_id("CU1"), c(-1)), "amount"),
        (
            NewInvoice::new(&cu_id("CU1"), c(100)).title("x".repeat(129)),
            "title",
        ),
        (NewInvoice::new(&cu_id("CU1"), c(100)).title(""), "title"),
        (
            NewInvoice::new(&cu_id("CU1"), c(100)).external_id(""),
            "external_id",
        ),
        (
            NewInvoice::new(&cu_id("CU1"), c(100)).funding_instrument_uri(" "),
            "funding_instrument_uri",
        ),
        (
            NewInvoice::new(&cu_id("CU1"), c(100)).appears_on_statement_as("FooBar Hosting Ltd."),
            "appears_on_statement_as",
        ),
        (
            NewInvoice::new(&cu_id("CU1"), c(100))
                .item(NewItem::new("A", c(1)))
                .item(NewItem::new("", c(1))),
            "item_name2",
        ),
    ];
    for (inv, field) in cases {
        let err = invoices.create(&inv).await.unwrap_err();
        assert_eq!(field_of(&err), field, "{inv:?}");
    }
    assert_eq!(
        field_of(&CustomerGuid::new("").unwrap_err()),
        "customer_guid"
    );
    // 128 characters (not bytes) pass.
    let answering = answering().await;
    let ok = NewInvoice::new(&cu_id("CU1"), c(0)).title("é".repeat(128));
    assert!(passed(answering.invoices().create(&ok).await));

    let err = invoices.refund(&iv_id("IV1"), c(-5)).await.unwrap_err();
    assert_eq!(field_of(&err), "amount");
    let err = invoices
        .update_funding_instrument(&iv_id("IV1"), "")
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "funding_instrument_uri");
    let err = billy::InvoiceGuid::new("").unwrap_err();
    assert_eq!(field_of(&err), "invoice_guid");
}

#[tokio::test]
async fn adjustments_below_zero_are_refused_before_sending() {
    // Billy 1.1.3 accepts such an invoice and records a succeeded debit of
    // a negative amount (fixtures invoice_negative.json and
    // transaction_list_negative.json): refuse it here.
    let (_server, client) = silent().await;
    let cu = &cu_id("CU4NheTMcQqXgmAtg1aGTJPK");
    let err = client
        .invoices()
        .create(
            &NewInvoice::new(cu, c(100))
                .adjustment(NewAdjustment::new(c(50)))
                .adjustment(NewAdjustment::new(c(-300)).reason("Too generous")),
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "adjustment_amount2");
    assert!(err.to_string().contains("-150"), "{err}");
    // Extreme amounts are summed without overflow.
    let err = client
        .invoices()
        .create(
            &NewInvoice::new(cu, c(0))
                .adjustment(NewAdjustment::new(c(i64::MIN)))
                .adjustment(NewAdjustment::new(c(i64::MIN))),
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "adjustment_amount2");
    let answering = answering().await;
    // Down to exactly zero is fine, as are fees and discounts that net positive.
    for ok in [
        NewInvoice::new(cu, c(100)).adjustment(NewAdjustment::new(c(-100))),
        NewInvoice::new(cu, c(100))
            .adjustment(NewAdjustment::new(c(-300)))
            .adjustment(NewAdjustment::new(c(250))),
        NewInvoice::new(cu, c(i64::MAX)).adjustment(NewAdjustment::new(c(i64::MAX))),
    ] {
        assert!(passed(answering.invoices().create(&ok).await), "{ok:?}");
    }
}
