//! The client itself: base URL forms, headers, secrets, rate limiting.

use std::time::Duration;

use billkit::Error;
use billkit::billmora::{Client, NewUser, UserUpdate};
use billkit::http::{ManualClock, RateLimit};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

use crate::common::*;

#[tokio::test]
async fn every_base_url_form_reaches_api_v1() {
    let server = MockServer::start().await;
    api("GET", "/users/2")
        .respond_with(ok("users_show.json"))
        .expect(6)
        .mount(&server)
        .await;
    let uri = server.uri();
    for base in [
        uri.clone(),
        format!("{uri}/"),
        format!("{uri}/api"),
        format!("{uri}/api/"),
        format!("{uri}/api/v1"),
        format!("{uri}/api/v1/"),
    ] {
        let c = Client::builder()
            .base_url(&base)
            .token(TOKEN)
            .build()
            .unwrap();
        assert_eq!(c.base_url().as_str(), format!("{uri}/api/v1"), "{base}");
        assert_eq!(c.users().get(2).await.unwrap().id, 2.into(), "{base}");
    }
}

#[tokio::test]
async fn accept_json_and_content_type_are_always_sent() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/users/2"))
        .respond_with(ok("users_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/users/2"))
        .respond_with(ok_json(r#"{"message": "User deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    c.users()
        .update(2, &UserUpdate::new().first_name("Dana"))
        .await
        .unwrap();
    c.users().delete(2).await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(
            r.headers.get("accept").unwrap(),
            "application/json",
            "{} {}",
            r.method,
            r.url
        );
        assert_eq!(
            r.headers.get("authorization").unwrap().to_str().unwrap(),
            format!("Bearer {TOKEN}")
        );
        assert!(
            r.headers
                .get("user-agent")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("billkit/")
        );
    }
    assert_eq!(
        reqs[0].headers.get("content-type").unwrap(),
        "application/json"
    );
    assert!(reqs[1].body.is_empty(), "DELETE carries no body");
}

#[test]
fn building_needs_url_and_token_and_hides_the_token() {
    let err = Client::builder()
        .base_url("https://b.example.com")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Config(ref m) if m.contains(".token(")),
        "{err}"
    );
    let err = Client::builder().token(TOKEN).build().unwrap_err();
    assert!(
        matches!(err, Error::Config(ref m) if m.contains(".base_url(")),
        "{err}"
    );
    let err = Client::builder()
        .base_url("not a url")
        .token(TOKEN)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    let err = Client::builder()
        .base_url("http://billing.example.com")
        .token(TOKEN)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("plain http"), "{err}");

    let builder = Client::builder()
        .base_url("https://b.example.com")
        .token(TOKEN);
    assert!(!format!("{builder:?}").contains("Sb3kQ9"), "{builder:?}");
    let c = builder.build().unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains("Sb3kQ9"), "{shown}");
    assert!(shown.contains("REDACTED"), "{shown}");
    let user = NewUser::new("A", "B", "a@b.c", "secret-password");
    assert!(!format!("{user:?}").contains("secret-password"));
}

/// A GET answered 200 (no rate headers) to count requests.
async fn users_server(times: u64) -> MockServer {
    let server = MockServer::start().await;
    api("GET", "/users/2")
        .respond_with(ok("users_show.json"))
        .expect(times)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn default_limit_is_60_requests_per_minute() {
    let server = users_server(61).await;
    let clock = ManualClock::new();
    let c = Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .manual_time(&clock)
        .build()
        .unwrap();
    for _ in 0..60 {
        c.users().get(2).await.unwrap();
    }
    assert!(
        clock.sleeps().is_empty(),
        "60 requests fit in the first minute"
    );
    c.users().get(2).await.unwrap();
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(60_100)],
        "the 61st waits for the next window (and the limiter's 100 ms margin)"
    );
}

#[tokio::test]
async fn the_limit_can_be_changed_or_removed() {
    let server = users_server(3).await;
    let clock = ManualClock::new();
    let c = Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .manual_time(&clock)
        .rate_limit(Some(RateLimit::per_minute(2)))
        .build()
        .unwrap();
    for _ in 0..3 {
        c.users().get(2).await.unwrap();
    }
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(60_100)]);

    let server = users_server(70).await;
    let clock = ManualClock::new();
    let c = Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .manual_time(&clock)
        .rate_limit(None)
        .build()
        .unwrap();
    for _ in 0..70 {
        c.users().get(2).await.unwrap();
    }
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn learns_the_quota_from_rate_limit_headers() {
    let server = MockServer::start().await;
    api("GET", "/users/2")
        .respond_with(
            ok("users_show.json")
                .insert_header("X-RateLimit-Limit", "5")
                .insert_header("X-RateLimit-Remaining", "0"),
        )
        .expect(2)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .manual_time(&clock)
        .build()
        .unwrap();
    c.users().get(2).await.unwrap();
    assert!(clock.sleeps().is_empty());
    clock.advance(Duration::from_secs(10));
    c.users().get(2).await.unwrap();
    // The window (60 s and the limiter's 100 ms margin) after the first.
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_millis(50_100)],
        "remaining 0: wait for the window"
    );
}

#[tokio::test]
async fn a_429_is_waited_out_and_the_get_retried() {
    let server = MockServer::start().await;
    api("GET", "/users/2")
        .respond_with(
            reply(429, "error_429.json")
                .insert_header("Retry-After", "7")
                .insert_header("X-RateLimit-Limit", "60")
                .insert_header("X-RateLimit-Remaining", "0"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/users/2")
        .respond_with(ok("users_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .manual_time(&clock)
        .build()
        .unwrap();
    let user = c.users().get(2).await.unwrap();
    assert_eq!(user.id, 2.into());
    assert_eq!(
        clock.elapsed(),
        Duration::from_secs(7),
        "slept exactly Retry-After"
    );
    assert!(clock.sleeps().iter().all(|d| *d <= Duration::from_secs(7)));
}

/// Billmora's 429 comes from its rate limiter, before any controller: a
/// create so refused is sent again after each wait, until the attempts
/// run out, and the error says nothing was carried out.
#[tokio::test]
async fn a_create_answered_429_is_sent_again_until_the_attempts_run_out() {
    let server = MockServer::start().await;
    api("POST", "/users")
        .respond_with(reply(429, "error_429.json").insert_header("Retry-After", "7"))
        .expect(3)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .manual_time(&clock)
        .build()
        .unwrap();
    let err = c
        .users()
        .create(&NewUser::new(
            "Dana",
            "Borys",
            "dana@example.com",
            "correct horse",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.attempts(), Some(3));
    assert!(err.is_retryable());
    assert!(err.api_error().unwrap().refused_before_handler());
    assert!(err.to_string().contains("nothing was done"), "{err}");
    let seven = Duration::from_secs(7);
    assert_eq!(clock.sleeps(), vec![seven, seven]);
}

#[test]
fn response_enums_are_open() {
    use billkit::billmora::{InvoiceStatus, OrderStatus, TicketStatus};
    let s: InvoiceStatus = serde_json::from_str(r#""partially_paid""#).unwrap();
    assert_eq!(s, InvoiceStatus::Unknown("partially_paid".into()));
    let s: OrderStatus = serde_json::from_str(r#""fraud""#).unwrap();
    assert!(s.is_unknown());
    let s: TicketStatus = serde_json::from_str(r#""customer-reply""#).unwrap();
    assert_eq!(s, TicketStatus::CustomerReply);
}
