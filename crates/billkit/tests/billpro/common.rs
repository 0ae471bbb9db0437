//! Shared helpers: a client pointed at a mock server, fixtures, and an
//! exact query matcher.

#![allow(dead_code)]

use std::str::FromStr;

use billkit::Decimal;
use billkit::billpro::Client;
use billkit::http::RetryPolicy;
use chrono::{DateTime, NaiveDate, Utc};
use wiremock::{Match, MockServer, Request, ResponseTemplate};

pub const TOKEN: &str = "abcd12341234123412341234abcd1234123412341234abcd12342342134";
pub const BEARER: &str = "Bearer abcd12341234123412341234abcd1234123412341234abcd12342342134";

/// A fixture's text, byte for byte.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/billpro/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture parsed as JSON (for `body_json` matchers).
pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// A JSON response with the given status and body text.
pub fn json(status: u16, body: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.into(), "application/json")
}

/// A client for `server` with profile 5 and no retries.
pub fn client(server: &MockServer) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .profile_id(5)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

pub async fn setup() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let c = client(&server);
    (server, c)
}

/// Matches when the query holds exactly these pairs (any order), nothing
/// more.
pub struct ExactQuery(Vec<(String, String)>);

impl Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        let mut got: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        got.sort();
        let mut want = self.0.clone();
        want.sort();
        got == want
    }
}

/// `ExactQuery` from pairs.
pub fn query(pairs: &[(&str, &str)]) -> ExactQuery {
    ExactQuery(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// The query every non-list request carries: the profile id alone.
pub fn profile_only() -> ExactQuery {
    query(&[("profile_id", "5")])
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Mounts a catch-all mock that must never be hit (input refused before
/// sending).
pub async fn expect_no_request(server: &MockServer) {
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(server)
        .await;
}

/// Asserts `err` is an invalid-input error about `field`.
pub fn assert_invalid(err: &billkit::Error, field: &str) {
    match err {
        billkit::Error::InvalidInput { field: f, .. } => assert_eq!(f, field, "{err}"),
        other => panic!("expected invalid input about {field}, got {other:?}"),
    }
}
