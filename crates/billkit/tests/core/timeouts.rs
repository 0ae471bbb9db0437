use std::time::Duration;

use billkit::Error;
use billkit::error::TimeoutKind;
use billkit::http::{ManualClock, Request, RetryPolicy, Timeouts, Transport};
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::config;

#[test]
fn defaults_are_sensible() {
    let t = Timeouts::default();
    assert_eq!(t.connect, Duration::from_secs(10));
    assert_eq!(t.attempt, Duration::from_secs(30));
    assert_eq!(t.overall, Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn an_attempt_that_outlives_its_timeout_is_a_timeout_error() {
    let server = MockServer::start().await;
    // The server answers far later than the attempt may take.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = Transport::new(
        config(&server, &clock)
            .attempt_timeout(Duration::from_millis(50))
            .retry(RetryPolicy::default().max_attempts(2)),
    )
    .unwrap();
    let err = t.execute(Request::<Value>::get("/slow")).await.unwrap_err();
    match &err {
        Error::Timeout {
            kind,
            attempts,
            path,
            ..
        } => {
            assert_eq!(*kind, TimeoutKind::Attempt);
            assert_eq!(*attempts, 2);
            assert_eq!(path, "/api/v1/slow");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(err.is_timeout() && err.is_retryable());
}

#[tokio::test]
async fn overall_deadline_stops_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "8"))
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = Transport::new(
        config(&server, &clock)
            .deadline(Some(Duration::from_secs(15)))
            .retry(RetryPolicy::default().max_attempts(10)),
    )
    .unwrap();
    let err = t.execute(Request::<Value>::get("/x")).await.unwrap_err();
    // 0 s: attempt 1; 8 s: attempt 2; waiting again would pass the 15 s deadline.
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(8)]);
    assert_eq!(err.attempts(), Some(2));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn a_connection_that_cannot_be_made_in_time_is_a_connect_timeout() {
    // A loopback listener that never accepts, with its accept queue filled:
    // the kernel drops further SYNs, so connecting hangs.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        let s = tokio::net::TcpSocket::new_v4().unwrap();
        if let Ok(Ok(stream)) =
            tokio::time::timeout(Duration::from_millis(200), s.connect(addr)).await
        {
            fillers.push(stream);
        }
    }
    let clock = ManualClock::new();
    let t = Transport::new(
        billkit::http::Config::new()
            .base_url(format!("http://{addr}"))
            .unwrap()
            .manual_time(&clock)
            .connect_timeout(Duration::from_millis(100))
            .retry(RetryPolicy::none()),
    )
    .unwrap();
    let err = t
        .execute(Request::<Value>::post("/v1/invoices"))
        .await
        .unwrap_err();
    match &err {
        Error::Timeout { kind, attempts, .. } => {
            assert_eq!(*kind, TimeoutKind::Connect, "{err}");
            assert_eq!(*attempts, 1);
        }
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    drop(listener);
}
