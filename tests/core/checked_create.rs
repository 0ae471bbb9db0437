//! A create is sent again only after a lookup proves it did not land.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use billkit::http::{ManualClock, Request, RetryPolicy};
use billkit::Error;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{json as ok_json, transport};

fn create() -> Request<Value> {
    Request::post("/v1/invoices").form([("external_id", "A-1"), ("amount", "1000")])
}

#[tokio::test]
async fn a_landed_create_is_found_and_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(504).set_body_string("Gateway Timeout"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = transport(&server, &clock, RetryPolicy::default());
    let lookups = Arc::new(AtomicU32::new(0));
    let l = lookups.clone();
    let got = t
        .execute_checked(create(), || {
            l.fetch_add(1, Ordering::SeqCst);
            async { Ok(Some(json!({"guid": "IV1", "external_id": "A-1"}))) }
        })
        .await
        .unwrap();
    assert_eq!(got, json!({"guid": "IV1", "external_id": "A-1"}));
    assert_eq!(lookups.load(Ordering::SeqCst), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_create_that_did_not_land_is_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_json(r#"{"guid":"IV2"}"#))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = transport(&server, &clock, RetryPolicy::default());
    let got = t
        .execute_checked(create(), || async { Ok(None) })
        .await
        .unwrap();
    assert_eq!(got, json!({"guid": "IV2"}));
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);
    let posts = server.received_requests().await.unwrap();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].body, posts[1].body);
}

#[tokio::test]
async fn a_failed_lookup_returns_the_original_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::default());
    let err = t
        .execute_checked(create(), || async {
            Err(Error::invalid_input("x", "lookup failed"))
        })
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
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
        .execute_checked(create(), || async {
            panic!("no lookup for a definite refusal")
        })
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
}
