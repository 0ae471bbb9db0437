//! Creates keyed by a merchant id: never sent twice unless that provably
//! cannot duplicate them, and every failure says whether they landed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use billkit::http::{Clock, ManualClock, Request, RetryPolicy, Uniqueness};
use billkit::{Error, LookupKey, Outcome};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{json as ok_json, transport};

fn create() -> Request<Value> {
    Request::post("/v1/invoices").form([("external_id", "A-1"), ("amount", "1000")])
}

fn key() -> LookupKey {
    LookupKey::new("external_id", "A-1")
}

fn duplicate(e: &Error) -> bool {
    e.status().map(|s| s.as_u16()) == Some(409)
}

async fn failing_then(server: &MockServer, status: u16, then: ResponseTemplate) {
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status).set_body_string("Bad Gateway"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
}

async fn posts(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn a_landed_create_is_found_and_not_sent_again() {
    let server = MockServer::start().await;
    failing_then(&server, 504, ok_json("{}")).await;
    let clock = ManualClock::new();
    let t = transport(&server, &clock, RetryPolicy::default());
    let lookups = Arc::new(AtomicU32::new(0));
    let l = lookups.clone();
    let got = t
        .execute_create(create(), key(), Uniqueness::NotEnforced, || {
            l.fetch_add(1, Ordering::SeqCst);
            async { Ok(Some(json!({"guid": "IV1", "external_id": "A-1"}))) }
        })
        .await
        .unwrap();
    assert_eq!(got, json!({"guid": "IV1", "external_id": "A-1"}));
    assert_eq!(lookups.load(Ordering::SeqCst), 1);
    assert_eq!(posts(&server).await, 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_lookup_that_finds_nothing_does_not_license_a_resend() {
    let server = MockServer::start().await;
    failing_then(&server, 503, ok_json(r#"{"guid":"IV2"}"#)).await;
    let clock = ManualClock::new();
    let sent = clock.system_now();
    let t = transport(&server, &clock, RetryPolicy::default());
    let err = t
        .execute_create(create(), key(), Uniqueness::NotEnforced, || async {
            Ok(None)
        })
        .await
        .unwrap_err();
    assert_eq!(err.outcome(), Outcome::Unknown);
    assert!(!err.is_retryable());
    // The key says when the create was sent, for a lookup starting there.
    assert_eq!(err.lookup_key(), Some(&key().with_sent_at(sent.into())));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(matches!(err, Error::MayHaveLanded { .. }));
    assert!(
        err.to_string().contains(
            "it may have taken effect: look it up by external_id = \"A-1\" before sending it again (first sent at "
        ),
        "{err}"
    );
    assert_eq!(posts(&server).await, 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn resend_after_lookup_is_opt_in_and_waits_the_settle_time() {
    let server = MockServer::start().await;
    failing_then(&server, 503, ok_json(r#"{"guid":"IV2"}"#)).await;
    let clock = ManualClock::new();
    let policy = RetryPolicy::default().resend_unconfirmed_after(Duration::from_secs(45));
    let t = transport(&server, &clock, policy);
    let lookups = Arc::new(AtomicU32::new(0));
    let l = lookups.clone();
    let got = t
        .execute_create(create(), key(), Uniqueness::NotEnforced, || {
            l.fetch_add(1, Ordering::SeqCst);
            async { Ok(None) }
        })
        .await
        .unwrap();
    assert_eq!(got, json!({"guid": "IV2"}));
    // Looked up at once, then again after the settle time, then resent.
    assert_eq!(lookups.load(Ordering::SeqCst), 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(45)]);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].body, reqs[1].body);
}

#[tokio::test]
async fn the_settle_time_is_never_shorter_than_an_attempt() {
    let server = MockServer::start().await;
    failing_then(&server, 502, ok_json(r#"{"guid":"IV2"}"#)).await;
    let clock = ManualClock::new();
    let policy = RetryPolicy::default().resend_unconfirmed_after(Duration::from_millis(1));
    let t = transport(&server, &clock, policy);
    t.execute_create(create(), key(), Uniqueness::NotEnforced, || async {
        Ok(None)
    })
    .await
    .unwrap();
    // The default attempt timeout is 30 s.
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(30)]);
}

#[tokio::test]
async fn where_the_server_refuses_duplicates_a_resend_is_made_and_a_409_returns_the_record() {
    let server = MockServer::start().await;
    failing_then(
        &server,
        502,
        ResponseTemplate::new(409).set_body_raw(
            r#"{"error_class":"DuplicateExternalIDError","error_message":"exists"}"#,
            "application/json",
        ),
    )
    .await;
    let clock = ManualClock::new();
    let t = transport(&server, &clock, RetryPolicy::default());
    let lookups = Arc::new(AtomicU32::new(0));
    let l = lookups.clone();
    let got = t
        .execute_create(create(), key(), Uniqueness::Enforced(duplicate), || {
            // Not visible yet at the first look (a slow commit), then there.
            let n = l.fetch_add(1, Ordering::SeqCst);
            async move { Ok((n > 0).then(|| json!({"guid": "IV1"}))) }
        })
        .await
        .unwrap();
    assert_eq!(got, json!({"guid": "IV1"}));
    assert_eq!(posts(&server).await, 2);
    assert_eq!(lookups.load(Ordering::SeqCst), 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);
}

#[tokio::test]
async fn a_failed_lookup_ends_in_may_have_landed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let sent = clock.system_now();
    let t = transport(&server, &clock, RetryPolicy::default());
    let err = t
        .execute_create(create(), key(), Uniqueness::NotEnforced, || async {
            Err(Error::invalid_input("x", "lookup failed"))
        })
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(err.outcome(), Outcome::Unknown);
    assert_eq!(err.lookup_key(), Some(&key().with_sent_at(sent.into())));
}

#[tokio::test]
async fn a_refused_create_is_never_looked_up_or_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(409).set_body_raw(
            r#"{"error_class":"DuplicateExternalIDError","error_message":"exists"}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::default());
    let err = t
        .execute_create(create(), key(), Uniqueness::Enforced(duplicate), || async {
            panic!("no lookup for a definite refusal")
        })
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    assert_eq!(err.outcome(), Outcome::NotApplied);
    assert!(err.lookup_key().is_none());
}

#[tokio::test]
async fn an_undecodable_success_is_applied_keeps_the_body_and_is_looked_up() {
    let body = format!(
        r#"{{"data":{{"id":77,"tax":null,"note":"{}"}}}}"#,
        "x".repeat(10_000)
    );
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_raw(body.clone(), "application/json"))
        .mount(&server)
        .await;
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Strict {
        data: Inner,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        tax: String,
    }
    let t = transport(&server, &ManualClock::new(), RetryPolicy::default());
    let err = t
        .execute(Request::<Strict>::post("/orders").json(&json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.outcome(), Outcome::Applied);
    assert!(!err.is_retryable());
    assert_eq!(err.record_id(), Some("77"));
    assert_eq!(err.raw_body(), Some(body.as_str()));
    assert!(
        err.to_string()
            .contains("the server did carry the request out (record id 77)"),
        "{err}"
    );

    // Through execute_create, a lookup by the key returns the record.
    let got = t
        .execute_create(
            Request::<Strict>::post("/orders").json(&json!({})),
            key(),
            Uniqueness::NotEnforced,
            || async {
                Ok(Some(Strict {
                    data: Inner { tax: "0.00".into() },
                }))
            },
        )
        .await
        .unwrap();
    assert_eq!(got.data.tax, "0.00");
    assert_eq!(posts(&server).await, 2);
}

/// A create the server refused before its handler ran is sent again by
/// the transport itself: no lookup is needed, since nothing was carried out.
#[tokio::test]
async fn a_create_refused_before_the_handler_is_resent_without_a_lookup() {
    let server = crate::retry::throttled_post_once().await;
    let clock = ManualClock::new();
    let config = crate::config(&server, &clock).dialect(crate::retry::RefusesBeforeHandler);
    let t = billkit::http::Transport::new(config).unwrap();
    let lookups = AtomicU32::new(0);
    let got = t
        .execute_create(create(), key(), Uniqueness::NotEnforced, || {
            lookups.fetch_add(1, Ordering::Relaxed);
            async { Ok(None) }
        })
        .await
        .unwrap();
    assert_eq!(got, json!({"id": 5}));
    assert_eq!(posts(&server).await, 2);
    assert_eq!(lookups.load(Ordering::Relaxed), 0);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}
