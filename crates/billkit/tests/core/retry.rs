use std::time::{Duration, SystemTime};

use billkit::Error;
use billkit::http::{Config, Credentials, ManualClock, Request, RetryMode, RetryPolicy, Transport};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{json as ok_json, refused_port, transport};

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(500))
}

async fn failing_then_ok(server: &MockServer, m: &str, status: u16, failures: u64) {
    Mock::given(method(m))
        .respond_with(ResponseTemplate::new(status).set_body_string("busy"))
        .up_to_n_times(failures)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method(m))
        .respond_with(ok_json(r#"{"ok":1}"#))
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn get_put_delete_retry_502_503_504_with_exponential_backoff() {
    for (m, status) in [("GET", 502), ("PUT", 503), ("DELETE", 504)] {
        let server = MockServer::start().await;
        failing_then_ok(&server, m, status, 2).await;
        let clock = ManualClock::new();
        let t = transport(&server, &clock, policy());
        let req = Request::<Value>::new(m.parse().unwrap(), "/things/{id}").param(1);
        assert_eq!(t.execute(req).await.unwrap(), json!({"ok": 1}), "{m}");
        assert_eq!(server.received_requests().await.unwrap().len(), 3, "{m}");
        // No jitter under manual time: half of 500 ms, then half of 1 s.
        assert_eq!(
            clock.sleeps(),
            vec![Duration::from_millis(250), Duration::from_millis(500)]
        );
    }
}

#[tokio::test]
async fn retry_after_seconds_is_honoured_on_429() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ok_json("[]"))
        .with_priority(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = transport(&server, &clock, policy());
    let v: Value = t.execute(Request::get("/x")).await.unwrap();
    assert_eq!(v, json!([]));
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "Sat, 21 Nov 2026 12:00:42 GMT"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ok_json("{}"))
        .with_priority(2)
        .mount(&server)
        .await;
    let now: SystemTime = httpdate::parse_http_date("Sat, 21 Nov 2026 12:00:00 GMT").unwrap();
    let clock = ManualClock::starting_at(now);
    let t = transport(&server, &clock, policy());
    let _: Value = t.execute(Request::get("/x")).await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(42)]);
}

#[tokio::test]
async fn post_is_not_retried_after_it_reached_the_server() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/orders/create_single_order"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = transport(&server, &clock, policy());
    let err = t
        .execute(Request::<Value>::post("/orders/create_single_order").json(&json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), Some(1));
    // A 503 after the POST reached the server: it may have taken effect,
    // so sending it again is not called safe.
    assert!(!err.is_retryable());
    assert_eq!(err.outcome(), billkit::Outcome::Unknown);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn post_is_retried_when_the_connection_was_refused() {
    let port = refused_port().await;
    let clock = ManualClock::new();
    let t = Transport::new(
        Config::new()
            .base_url(format!("http://127.0.0.1:{port}"))
            .unwrap()
            .credentials(Credentials::bearer("t"))
            .manual_time(&clock)
            .retry(policy()),
    )
    .unwrap();
    let err = t
        .execute(Request::<Value>::post("/v1/invoices").form([("amount", "1000")]))
        .await
        .unwrap_err();
    match &err {
        Error::Transport {
            attempts, source, ..
        } => {
            assert_eq!(*attempts, 3);
            assert!(source.is_connect());
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(err.to_string().contains("after 3 attempt(s)"), "{err}");
    assert_eq!(clock.sleeps().len(), 2);
}

#[tokio::test]
async fn non_retryable_statuses_are_not_retried() {
    for status in [400, 401, 404, 409, 422, 500] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
        let t = transport(&server, &ManualClock::new(), policy());
        let err = t.execute(Request::<Value>::get("/x")).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.attempts(), Some(1));
    }
}

#[tokio::test]
async fn attempts_are_capped_and_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("down"))
        .expect(4)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), policy().max_attempts(4));
    let err = t.execute(Request::<Value>::get("/x")).await.unwrap_err();
    assert_eq!(err.attempts(), Some(4));
    assert!(err.to_string().ends_with("(after 4 attempts)"), "{err}");
}

#[tokio::test]
async fn retry_time_budget_stops_retries_and_keeps_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = transport(
        &server,
        &clock,
        policy().max_retry_time(Duration::from_secs(60)),
    );
    let err = t.execute(Request::<Value>::get("/x")).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.attempts(), Some(1));
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn retry_mode_never_sends_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), policy());
    let err = t
        .execute(Request::<Value>::get("/x").retry_mode(RetryMode::Never))
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), Some(1));
}

#[tokio::test]
async fn get_is_retried_after_a_refused_connection() {
    let port = refused_port().await;
    let clock = ManualClock::new();
    let t = Transport::new(
        Config::new()
            .base_url(format!("http://localhost:{port}"))
            .unwrap()
            .manual_time(&clock)
            .retry(policy().max_attempts(2)),
    )
    .unwrap();
    let err = t.execute(Request::<Value>::get("/x")).await.unwrap_err();
    assert_eq!(err.attempts(), Some(2));
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
}

/// An API whose source shows a 429 with `Retry-After` comes before its
/// handler (as Billmora's does).
#[derive(Debug)]
pub struct RefusesBeforeHandler;

impl billkit::http::Dialect for RefusesBeforeHandler {
    fn name(&self) -> &'static str {
        "Throttled"
    }

    fn refused_before_handler(
        &self,
        status: billkit::http::StatusCode,
        headers: &billkit::http::HeaderMap,
    ) -> bool {
        status.as_u16() == 429 && headers.contains_key("retry-after")
    }
}

/// A POST server answering 429 + `Retry-After: 7` once, then `{"id": 5}`.
pub async fn throttled_post_once() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_json(r#"{"id":5}"#))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

async fn post_with(
    server: &MockServer,
    clock: &ManualClock,
    config: impl FnOnce(Config) -> Config,
    mode: RetryMode,
) -> Result<Value, Error> {
    let t = Transport::new(config(crate::config(server, clock).retry(policy()))).unwrap();
    t.execute(
        Request::<Value>::post("/orders")
            .json(&json!({"n": 1}))
            .retry_mode(mode),
    )
    .await
}

#[tokio::test]
async fn a_post_refused_before_the_handler_is_sent_again_after_retry_after() {
    let server = throttled_post_once().await;
    let clock = ManualClock::new();
    let got = post_with(
        &server,
        &clock,
        |c| c.dialect(RefusesBeforeHandler),
        RetryMode::UnsentOnly,
    )
    .await
    .unwrap();
    assert_eq!(got, json!({"id": 5}));
    let posts = server.received_requests().await.unwrap();
    assert_eq!(posts.len(), 2);
    // The same body both times.
    assert_eq!(posts[0].body, posts[1].body);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
}

#[tokio::test]
async fn a_post_answered_429_is_sent_once_where_no_rule_proves_it_unprocessed() {
    let server = throttled_post_once().await;
    let clock = ManualClock::new();
    let err = post_with(&server, &clock, |c| c, RetryMode::UnsentOnly)
        .await
        .unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(clock.sleeps().is_empty());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert!(!err.api_error().unwrap().refused_before_handler());
    assert!(err.to_string().contains("not sent again"), "{err}");
}

#[tokio::test]
async fn retry_mode_never_is_not_resent_even_when_refused_before_the_handler() {
    let server = throttled_post_once().await;
    let clock = ManualClock::new();
    let err = post_with(
        &server,
        &clock,
        |c| c.dialect(RefusesBeforeHandler),
        RetryMode::Never,
    )
    .await
    .unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(clock.sleeps().is_empty());
    assert!(err.api_error().unwrap().refused_before_handler());
}

/// Only a 429 the rule names: a 503 to a POST is never resent by it.
#[tokio::test]
async fn the_rule_does_not_resend_what_it_does_not_prove() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "7"))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = post_with(
        &server,
        &clock,
        |c| c.dialect(RefusesBeforeHandler),
        RetryMode::UnsentOnly,
    )
    .await
    .unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(err.outcome(), billkit::Outcome::Unknown);
    assert!(!err.to_string().contains("not sent again"), "{err}");
}
