//! Tracing, in a binary of its own: tracing caches each callsite's interest
//! process-wide, so a test running beside others without a subscriber can
//! leave the span disabled for the capture here.

use std::sync::{Arc, Mutex};

use billkit::http::{ManualClock, Request, RetryPolicy};
use serde_json::Value;
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use billkit::http::{Config, Credentials, Transport};

fn transport(server: &MockServer, clock: &ManualClock, retry: RetryPolicy) -> Transport {
    let config = Config::new()
        .base_url(format!("{}/api/v1", server.uri()))
        .expect("valid URL")
        .credentials(Credentials::bearer("secret-token-123"))
        .manual_time(clock)
        .retry(retry);
    Transport::new(config).expect("valid config")
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(String, String, String)>>>);

struct Fields<'a>(&'a Capture, String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.0.lock().unwrap().push((
            self.1.clone(),
            field.name().to_owned(),
            format!("{value:?}"),
        ));
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        attrs.record(&mut Fields(self, attrs.metadata().name().to_owned()));
    }
    fn on_record(&self, _id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        values.record(&mut Fields(self, "record".to_owned()));
    }
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        event.record(&mut Fields(self, "event".to_owned()));
    }
}

/// A capture installed as this thread's subscriber while the guard lives.
fn capture() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    (
        capture.clone(),
        tracing::subscriber::set_default(subscriber),
    )
}

/// The values recorded into spans (not events) under the field `name`.
fn span_values(seen: &[(String, String, String)], name: &str) -> Vec<String> {
    seen.iter()
        .filter(|(s, f, _)| s != "event" && f == name)
        .map(|(_, _, v)| v.clone())
        .collect()
}

#[tokio::test]
async fn one_span_per_request_with_template_status_attempt_and_latency_but_no_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"card":"4242"}"#, "application/json"),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let (capture, _guard) = capture();
    let t = transport(&server, &ManualClock::new(), RetryPolicy::default());
    let _: Value = t
        .execute(Request::get("/customers/{id}").param("C-77"))
        .await
        .unwrap();

    let seen = capture.0.lock().unwrap().clone();
    let get = |name: &str| span_values(&seen, name);
    let spans: Vec<_> = seen
        .iter()
        .filter(|(s, f, _)| s == "billkit.request" && f == "http.request.method")
        .collect();
    assert_eq!(spans.len(), 1, "{seen:?}");
    // OpenTelemetry's HTTP client names, and billkit's own.
    assert_eq!(get("url.template"), vec!["\"/customers/{id}\""]);
    assert_eq!(get("http.request.method"), vec!["GET"]);
    assert_eq!(get("server.address"), vec!["\"127.0.0.1\""]);
    assert_eq!(get("billkit.api"), vec!["\"HTTP\""]);
    assert_eq!(get("http.response.status_code"), vec!["503", "200"]);
    assert_eq!(get("billkit.attempt"), vec!["1", "2"]);
    assert_eq!(get("billkit.latency_ms").len(), 2);
    assert_eq!(get("billkit.outcome"), vec!["\"success\""]);
    assert!(get("error.type").is_empty(), "{seen:?}");
    let all = format!("{seen:?}");
    for secret in [
        "secret-token-123",
        "C-77",
        "4242",
        "authorization",
        "Bearer",
    ] {
        assert!(!all.contains(secret), "{secret} leaked into tracing: {all}");
    }
}

#[tokio::test]
async fn a_failed_call_records_its_error_type_and_outcome_and_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("x-request-id", "req-9"))
        .mount(&server)
        .await;
    let (capture, _guard) = capture();
    let t = transport(&server, &ManualClock::new(), RetryPolicy::default());
    // Secrets in the path, the query and the body; the token in the header.
    let err = t
        .execute(
            Request::<Value>::post("/cards/{id}")
                .param("card-canary-1")
                .query("api_key", "key-canary-2")
                .json(&serde_json::json!({"password": "pw-canary-3"})),
        )
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("req-9"));

    let seen = capture.0.lock().unwrap().clone();
    let get = |name: &str| span_values(&seen, name);
    // A create answered 503 is not sent again: it may have been carried out.
    assert_eq!(get("http.response.status_code"), vec!["503"]);
    assert_eq!(get("error.type"), vec!["\"503\""]);
    assert_eq!(get("billkit.outcome"), vec!["\"unknown\""]);
    assert_eq!(get("url.template"), vec!["\"/cards/{id}\""]);
    let all = format!("{seen:?}");
    for secret in [
        "secret-token-123",
        "card-canary-1",
        "key-canary-2",
        "pw-canary-3",
        "Bearer",
    ] {
        assert!(!all.contains(secret), "{secret} leaked into tracing: {all}");
    }
}
