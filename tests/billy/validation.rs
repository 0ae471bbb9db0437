//! What Billy refuses or crashes on is refused before anything is sent.

use billkit::Error;
use billkit::billy::{
    self, Client, Frequency, NewAdjustment, NewInvoice, NewItem, NewPlan, NewSubscription, PlanType,
};
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
    assert!(
        NewPlan::new(PlanType::Debit, Frequency::Daily, c(50))
            .interval(1)
            .validate()
            .is_ok()
    );
}

#[tokio::test]
async fn subscriptions() {
    let (_server, client) = silent().await;
    let subs = client.subscriptions();
    let cases = [
        (NewSubscription::new("PL1", "CU1").amount(c(49)), "amount"),
        (NewSubscription::new("", "CU1"), "plan_guid"),
        (NewSubscription::new("PL1", " "), "customer_guid"),
        (
            NewSubscription::new("PL1", "CU1").funding_instrument_uri(""),
            "funding_instrument_uri",
        ),
        (
            NewSubscription::new("PL1", "CU1").appears_on_statement_as("Nineteen characters"),
            "appears_on_statement_as",
        ),
        (
            NewSubscription::new("PL1", "CU1").appears_on_statement_as("Café"),
            "appears_on_statement_as",
        ),
        (
            NewSubscription::new("PL1", "CU1").appears_on_statement_as("a*b"),
            "appears_on_statement_as",
        ),
    ];
    for (sub, field) in cases {
        let err = subs.create(&sub).await.unwrap_err();
        assert_eq!(field_of(&err), field, "{sub:?}");
    }
    // Exactly 18 characters of the allowed set pass.
    let ok = NewSubscription::new("PL1", "CU1")
        .amount(c(50))
        .appears_on_statement_as(".<>(){}[]+&!$;-%_?");
    assert!(ok.validate().is_ok());
    assert!(
        NewSubscription::new("PL1", "CU1")
            .appears_on_statement_as(":#@~='\" ^\\`|Az09")
            .validate()
            .is_ok()
    );
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
        (NewInvoice::new("CU1", c(-1)), "amount"),
        (NewInvoice::new("", c(100)), "customer_guid"),
        (
            NewInvoice::new("CU1", c(100)).title("x".repeat(129)),
            "title",
        ),
        (NewInvoice::new("CU1", c(100)).title(""), "title"),
        (
            NewInvoice::new("CU1", c(100)).external_id(""),
            "external_id",
        ),
        (
            NewInvoice::new("CU1", c(100)).funding_instrument_uri(" "),
            "funding_instrument_uri",
        ),
        (
            NewInvoice::new("CU1", c(100)).appears_on_statement_as("FooBar Hosting Ltd."),
            "appears_on_statement_as",
        ),
        (
            NewInvoice::new("CU1", c(100))
                .item(NewItem::new("A", c(1)))
                .item(NewItem::new("", c(1))),
            "item_name2",
        ),
    ];
    for (inv, field) in cases {
        let err = invoices.create(&inv).await.unwrap_err();
        assert_eq!(field_of(&err), field, "{inv:?}");
    }
    // 128 characters (not bytes) pass.
    assert!(
        NewInvoice::new("CU1", c(0))
            .title("é".repeat(128))
            .validate()
            .is_ok()
    );

    let err = invoices.refund("IV1", c(-5)).await.unwrap_err();
    assert_eq!(field_of(&err), "amount");
    let err = invoices
        .update_funding_instrument("IV1", "")
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "funding_instrument_uri");
    let err = invoices.cancel("").await.unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
}

#[tokio::test]
async fn adjustments_below_zero_are_refused_before_sending() {
    // Billy 1.1.3 accepts such an invoice and records a succeeded debit of
    // a negative amount (fixtures invoice_negative.json and
    // transaction_list_negative.json): refuse it here.
    let (_server, client) = silent().await;
    let cu = "CU4NheTMcQqXgmAtg1aGTJPK";
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
    let err = NewInvoice::new(cu, c(0))
        .adjustment(NewAdjustment::new(c(i64::MIN)))
        .adjustment(NewAdjustment::new(c(i64::MIN)))
        .validate()
        .unwrap_err();
    assert_eq!(field_of(&err), "adjustment_amount2");
    // Down to exactly zero is fine, as are fees and discounts that net positive.
    for ok in [
        NewInvoice::new(cu, c(100)).adjustment(NewAdjustment::new(c(-100))),
        NewInvoice::new(cu, c(100))
            .adjustment(NewAdjustment::new(c(-300)))
            .adjustment(NewAdjustment::new(c(250))),
        NewInvoice::new(cu, c(i64::MAX)).adjustment(NewAdjustment::new(c(i64::MAX))),
    ] {
        assert!(ok.validate().is_ok(), "{ok:?}");
    }
}
