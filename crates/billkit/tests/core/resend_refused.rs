//! Creates refused before they were carried out (issue 17, item 2): sent
//! again after the wait where the API's source shows the refusal precedes
//! its handler (Billmora's 429), returned untouched where it does not
//! (BillPro, Billy), and never waited past `max_wait` or the deadline.
#![cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]

use std::time::Duration;

use billkit::billmora::{ClientBuilder, Invoice, InvoiceFilter, NewInvoice};
use billkit::billpro::NewCustomer;
use billkit::http::{ManualClock, RetryPolicy};
use billkit::{Decimal, Error, Outcome};
use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};
use billkit_sandbox::billpro::BillProSandbox;
use chrono::NaiveDate;

fn invoice() -> NewInvoice {
    let due = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    NewInvoice::new(SEED_USER_ID, due).item("Hosting, September", 1, Decimal::new(1250, 2))
}

/// What one create did: its result, how many requests reached the server
/// and what the client slept.
struct Run<T> {
    result: Result<T, Error>,
    requests: u64,
    sleeps: Vec<Duration>,
}

/// Creates [`invoice`] with a manual-time client built by `tweak`.
async fn create_invoice(
    sandbox: &BillmoraSandbox,
    tweak: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> Run<Invoice> {
    let clock = ManualClock::new();
    let client = tweak(sandbox.client_builder().manual_time(&clock))
        .build()
        .unwrap();
    let served = sandbox.server().requests_served();
    let result = client.invoices().create(&invoice()).await;
    Run {
        result,
        requests: sandbox.server().requests_served() - served,
        sleeps: clock.sleeps(),
    }
}

async fn invoice_count(sandbox: &BillmoraSandbox) -> usize {
    let client = sandbox.client().unwrap();
    client
        .invoices()
        .list(&InvoiceFilter::new())
        .collect_all()
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_billmora_create_answered_429_is_sent_again_after_the_wait_and_lands_once() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let before = invoice_count(&sandbox).await;
    sandbox.faults().on("POST", "/invoices").throttle(1, 30);

    let run = create_invoice(&sandbox, |b| b).await;

    let made = run.result.unwrap();
    // Two POSTs reached the server: the refused one and the one that landed.
    assert_eq!(run.requests, 2);
    assert_eq!(sandbox.faults().pending(), 0);
    // Exactly the server's wait, once, and no other sleep.
    assert_eq!(run.sleeps, vec![Duration::from_secs(30)]);
    assert_eq!(invoice_count(&sandbox).await, before + 1);
    let stored = sandbox
        .client()
        .unwrap()
        .invoices()
        .get(made.id)
        .await
        .unwrap();
    assert_eq!(stored.total, Decimal::new(1250, 2));
}

#[tokio::test]
async fn a_billmora_429_whose_wait_passes_max_wait_ends_the_call_at_once() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let before = invoice_count(&sandbox).await;
    sandbox.faults().on("POST", "/invoices").throttle(1, 61);

    let run = create_invoice(&sandbox, |b| {
        b.retry(RetryPolicy::default().max_wait(Duration::from_secs(60)))
    })
    .await;

    let err = run.result.unwrap_err();
    assert_eq!(run.requests, 1);
    assert!(run.sleeps.is_empty(), "{:?}", run.sleeps);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(61)));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.outcome(), Outcome::NotApplied);
    assert!(err.api_error().unwrap().refused_before_handler());
    assert!(err.to_string().contains("nothing was done"), "{err}");
    assert_eq!(invoice_count(&sandbox).await, before);
}

#[tokio::test]
async fn a_billmora_429_whose_wait_passes_the_deadline_ends_the_call_at_once() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    sandbox.faults().on("POST", "/invoices").throttle(1, 30);

    let run = create_invoice(&sandbox, |b| b.deadline(Some(Duration::from_secs(20)))).await;

    let err = run.result.unwrap_err();
    assert_eq!(run.requests, 1);
    assert!(run.sleeps.is_empty(), "{:?}", run.sleeps);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert!(err.to_string().contains("nothing was done"), "{err}");
}

#[tokio::test]
async fn a_billmora_create_refused_until_the_attempts_run_out_lands_nothing() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let before = invoice_count(&sandbox).await;
    sandbox.faults().on("POST", "/invoices").throttle(5, 3);

    let run = create_invoice(&sandbox, |b| {
        b.retry(RetryPolicy::default().max_attempts(2))
    })
    .await;

    let err = run.result.unwrap_err();
    assert_eq!(run.requests, 2);
    assert_eq!(run.sleeps, vec![Duration::from_secs(3)]);
    assert_eq!(err.attempts(), Some(2));
    assert_eq!(err.outcome(), Outcome::NotApplied);
    assert_eq!(invoice_count(&sandbox).await, before);
}

/// A reply without `Retry-After` is not Billmora's rate limiter (which
/// always sends one): nothing proves it preceded the controller.
#[tokio::test]
async fn a_billmora_429_without_retry_after_is_not_sent_again() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    sandbox.faults().on("POST", "/invoices").fail(1, 429);

    let run = create_invoice(&sandbox, |b| b).await;

    let err = run.result.unwrap_err();
    assert_eq!(run.requests, 1);
    assert!(run.sleeps.is_empty());
    assert!(!err.api_error().unwrap().refused_before_handler());
    assert!(err.to_string().contains("not sent again"), "{err}");
}

/// The wrong turn a resend must never take: an answer after the handler
/// (a 503 from a proxy once the server committed) is not resent, even on
/// Billmora.
#[tokio::test]
async fn a_billmora_create_answered_503_after_commit_is_not_sent_again() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let before = invoice_count(&sandbox).await;
    sandbox
        .faults()
        .on("POST", "/invoices")
        .fail_after_commit(1, 503);

    let run = create_invoice(&sandbox, |b| b).await;

    let err = run.result.unwrap_err();
    assert_eq!(run.requests, 1);
    assert_eq!(err.outcome(), Outcome::Unknown);
    assert!(matches!(err, Error::Api(_)));
    assert_eq!(invoice_count(&sandbox).await, before + 1);
}

#[tokio::test]
async fn a_billpro_create_answered_429_is_not_sent_again_and_says_so() {
    let sandbox = BillProSandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let client = sandbox
        .client_builder()
        .manual_time(&clock)
        .build()
        .unwrap();
    let count = || async {
        let c = sandbox.client().unwrap();
        c.customers().list().collect_all().await.unwrap().len()
    };
    let before = count().await;
    sandbox.faults().on("POST", "/customers").throttle(1, 5);
    let served = sandbox.server().requests_served();

    let err = client
        .customers()
        .create(&NewCustomer::new("Dana", "Borys", "dana@example.com"))
        .await
        .unwrap_err();

    assert_eq!(sandbox.server().requests_served() - served, 1);
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(5)));
    assert_eq!(err.attempts(), Some(1));
    assert!(!err.api_error().unwrap().refused_before_handler());
    let text = err.to_string();
    assert!(text.contains("not sent again"), "{text}");
    assert!(text.contains("check before sending it again"), "{text}");
    assert_eq!(count().await, before);
}

#[tokio::test]
async fn a_billpro_read_answered_429_is_still_retried_after_the_wait() {
    let sandbox = BillProSandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let client = sandbox
        .client_builder()
        .manual_time(&clock)
        .build()
        .unwrap();
    sandbox.faults().on("GET", "/products").throttle(1, 4);
    let served = sandbox.server().requests_served();

    let page = client
        .products()
        .list(&billkit::billpro::ProductFilter::new())
        .page(1)
        .await
        .unwrap();

    assert!(!page.items.is_empty());
    assert_eq!(sandbox.server().requests_served() - served, 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(4)]);
}
