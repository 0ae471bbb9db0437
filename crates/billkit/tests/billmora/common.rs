//! Shared helpers: fixtures, a client pointed at a mock server, matchers.

#![allow(dead_code)]

use std::str::FromStr;

use billkit::Decimal;
use billkit::billmora::Client;
use billkit::http::ManualClock;
use chrono::{DateTime, Utc};
use wiremock::matchers::{header, method, path};
use wiremock::{MockBuilder, MockServer, ResponseTemplate};

/// A Sanctum token: `<id>|<secret>`.
pub const TOKEN: &str = "7|Sb3kQ9mZyX1pL0aR5tUvW8cD2eF4gH6iJ";

/// The text of `fixtures/billmora/<name>`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/billmora/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A JSON answer with `status` serving a fixture.
pub fn reply(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/json")
}

/// 200 with a fixture.
pub fn ok(name: &str) -> ResponseTemplate {
    reply(200, name)
}

/// 201 with a fixture (what Laravel sends for some creates).
pub fn created(name: &str) -> ResponseTemplate {
    reply(201, name)
}

/// 200 with a raw JSON body.
pub fn ok_json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json")
}

/// A mock for `METHOD /api/v1<path>` that also requires the bearer token
/// and `Accept: application/json`, and no query string at all unless it is
/// a list (`GET /resource`), whose tests assert the exact query.
pub fn api(verb: &str, p: &str) -> MockBuilder {
    let is_list = verb == "GET" && p.matches('/').count() == 1;
    wiremock::Mock::given(method(verb))
        .and(path(format!("/api/v1{p}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("accept", "application/json"))
        .and(move |req: &wiremock::Request| is_list || req.url.query().is_none())
}

/// A client for `server`, given the installation URL only (the client
/// appends `/api/v1`), with manual time so retries never wait.
pub fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .manual_time(&ManualClock::new())
        .build()
        .expect("client builds")
}

/// The single request the server received.
pub async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut reqs = server.received_requests().await.expect("recording is on");
    assert_eq!(
        reqs.len(),
        1,
        "expected exactly one request, got {}",
        reqs.len()
    );
    reqs.remove(0)
}

/// Asserts the query string of the single request the server received.
pub async fn assert_query(server: &MockServer, want: &str) {
    let req = only_request(server).await;
    assert_eq!(req.url.query().unwrap_or(""), want, "query of {}", req.url);
}

/// An exact decimal.
pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal literal")
}

/// A UTC timestamp.
pub fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("timestamp literal")
        .with_timezone(&Utc)
}

/// A fixture file of `fixtures/billmora/`, parsed.
pub fn json_fixture(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}
