//! The builder, company registration, companies and server info.

use billkit::billy::{Client, ServerInfo};
use billkit::http::ManualClock;
use billkit::{Error, ExposeSecret};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer};

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
async fn register_company_sends_the_processor_key_without_auth_and_returns_a_secret_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/companies"))
        .and(header("content-type", FORM))
        .and(body_string(
            "processor_key=ef13dce2093b11e388de026ba7d31e6f",
        ))
        .respond_with(json("company_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let registered = Client::register_company(server.uri(), "ef13dce2093b11e388de026ba7d31e6f")
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());

    let company = &registered.company;
    assert_eq!(company.guid, "CP4MXZG4ThUdbLpiX8e9Yx3j");
    assert_eq!(registered.api_key().expose_secret(), KEY);
    assert_eq!(company.api_key.expose_secret(), KEY);
    assert!(company.callback_key.is_none());
    assert_eq!(company.created_at, ts("2026-11-29T22:39:47.231926+00:00"));
    assert_eq!(company.updated_at, ts("2026-11-29T22:39:47.231926+00:00"));
    let shown = format!("{registered:?}");
    assert!(!shown.contains("5Myx"), "{shown}");
    assert!(shown.contains("CP4MXZG4ThUdbLpiX8e9Yx3j"), "{shown}");

    // The registration turns into a client that uses the new key.
    authed("GET", "/v1/companies/CP4MXZG4ThUdbLpiX8e9Yx3j")
        .respond_with(json("company_get.json"))
        .expect(1)
        .mount(&server)
        .await;
    let client = registered.client().unwrap();
    let got = client.companies().get(&company.guid).await.unwrap();
    assert_eq!(&got, company);
}

#[tokio::test]
async fn register_company_refuses_an_empty_processor_key() {
    let server = MockServer::start().await;
    let err = Client::builder()
        .base_url(server.uri())
        .manual_time(&ManualClock::new())
        .register_company(" ")
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
    // The processor key is a secret: never over plain http to another host.
    let err = Client::register_company(
        "http://billy.example.com",
        "ef13dce2093b11e388de026ba7d31e6f",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("plain http")),
        "{err}"
    );
}

#[tokio::test]
async fn get_company() {
    let (server, client) = setup().await;
    authed("GET", "/v1/companies/CP4MXZG4ThUdbLpiX8e9Yx3j")
        .respond_with(json("company_get.json"))
        .expect(1)
        .mount(&server)
        .await;
    let company = client
        .companies()
        .get(&cp_id("CP4MXZG4ThUdbLpiX8e9Yx3j"))
        .await
        .unwrap();
    assert_eq!(company.guid, "CP4MXZG4ThUdbLpiX8e9Yx3j");
    assert_eq!(company.api_key.expose_secret(), KEY);
    assert_eq!(company.created_at, ts("2026-11-29T22:39:47.231926+00:00"));
    assert!(!format!("{company:?}").contains("5Myx"));
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
