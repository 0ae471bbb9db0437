use std::time::Duration;

use billkit::http::{ManualClock, RateLimit, Request, RetryPolicy, Transport};
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{config, json as ok_json};

#[tokio::test]
async fn requests_beyond_the_quota_wait_for_the_next_window() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json("{}"))
        .expect(3)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = Transport::new(
        config(&server, &clock).rate_limit(Some(RateLimit::new(2, Duration::from_secs(10)))),
    )
    .unwrap();
    let other = t.clone();
    let _: Value = t.execute(Request::get("/a")).await.unwrap();
    let _: Value = other.execute(Request::get("/b")).await.unwrap();
    assert!(clock.sleeps().is_empty());
    let _: Value = t.execute(Request::get("/c")).await.unwrap();
    // The window plus the limiter's margin (5%, at most 100 ms).
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(10_100)]);
}

#[tokio::test]
async fn the_limiter_learns_the_real_quota_from_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ok_json("{}")
                .insert_header("X-RateLimit-Limit", "2")
                .insert_header("X-RateLimit-Remaining", "0"),
        )
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = Transport::new(config(&server, &clock).rate_limit(Some(RateLimit::per_minute(60))))
        .unwrap();
    let _: Value = t.execute(Request::get("/a")).await.unwrap();
    let _: Value = t.execute(Request::get("/b")).await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(60_100)]);
}

#[tokio::test]
async fn a_429_holds_every_clone_until_retry_after_has_passed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ok_json("{}"))
        .with_priority(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = Transport::new(
        config(&server, &clock)
            .rate_limit(Some(RateLimit::per_minute(1000)))
            .retry(RetryPolicy::none()),
    )
    .unwrap();
    let err = t.execute(Request::<Value>::get("/a")).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    let other = t.clone();
    let _: Value = other.execute(Request::get("/b")).await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(30)]);
}

#[tokio::test]
async fn without_a_limit_nothing_waits() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json("{}").insert_header("X-RateLimit-Remaining", "0"))
        .expect(3)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let t = Transport::new(config(&server, &clock)).unwrap();
    for _ in 0..3 {
        let _: Value = t.execute(Request::get("/a")).await.unwrap();
    }
    assert!(clock.sleeps().is_empty());
}
