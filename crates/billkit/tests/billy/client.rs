//! The builder, auth, headers and server info.

use billkit::Error;
use billkit::billy::{Client, ServerInfo};
use wiremock::Mock;
use wiremock::matchers::{header, method, path};

use crate::*;

#[test]
fn builder_needs_a_base_url_and_a_key() {
    let err = Client::builder().api_key(KEY).build().unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains(".base_url(")),
        "{err}"
    );
    let err = Client::builder()
        .base_url("https://billy.example.com")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains(".api_key(")),
        "{err}"
    );
    let err = Client::builder()
        .base_url("https://billy.example.com")
        .api_key("  ")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
}

#[test]
fn builder_refuses_a_base_url_ending_in_v1_and_keys_over_plain_http() {
    let err = Client::builder()
        .base_url("https://billy.example.com/v1/")
        .api_key(KEY)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("/v1"), "{err}");
    let err = Client::builder()
        .base_url("http://billy.example.com")
        .api_key(KEY)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("plain http"), "{err}");
    // A path prefix other than /v1 is kept.
    let client = Client::builder()
        .base_url("https://example.com/billy")
        .api_key(KEY)
        .build()
        .unwrap();
    assert_eq!(
        client.transport().base_url().as_str(),
        "https://example.com/billy"
    );
}

#[test]
fn the_builder_has_one_shape() {
    // `new()` is `builder()` is `Default`; the key may already be a secret.
    let key = billkit::SecretString::from(KEY.to_owned());
    for builder in [
        Client::builder(),
        billkit::billy::ClientBuilder::new(),
        billkit::billy::ClientBuilder::default(),
    ] {
        let client = builder
            .base_url(String::from("https://billy.example.com/prefix"))
            .api_key(key.clone())
            .build()
            .unwrap();
        let url: &url::Url = client.base_url();
        assert_eq!(url.as_str(), "https://billy.example.com/prefix");
    }
}

#[test]
fn debug_never_shows_the_key() {
    let builder = Client::builder()
        .base_url("https://billy.example.com")
        .api_key(KEY);
    assert!(!format!("{builder:?}").contains("5Myx"));
    let client = builder.build().unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains("5Myx"), "{shown}");
    assert!(shown.contains("REDACTED"), "{shown}");
}

#[tokio::test]
async fn server_info_needs_no_key() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(json("server_info.json"))
        .expect(1)
        .mount(&server)
        .await;
    let info: ServerInfo = client.server_info().await.unwrap();
    assert_eq!(info.server, "Billy - The recurring payment server");
    assert_eq!(info.powered_by, "BalancedPayments.com");
    assert_eq!(info.version, "1.1.3");
    // Billy knows its revision only when run from a git checkout.
    assert_eq!(info.revision, None);
    assert_eq!(
        info.last_transaction_created_at,
        Some(ts("2026-11-29T22:39:48.933473+00:00"))
    );
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn every_request_asks_for_json() {
    let (server, client) = setup().await;
    authed("GET", "/v1/plans/PL4RHCKW7GsGMjpcozHveQuw")
        .and(header("accept", "application/json"))
        .respond_with(json("plan_get.json"))
        .expect(1)
        .mount(&server)
        .await;
    client
        .plans()
        .get(&pl_id("PL4RHCKW7GsGMjpcozHveQuw"))
        .await
        .unwrap();
}
