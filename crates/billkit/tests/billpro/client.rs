//! The client: environments, base URL, token, profile id, secrecy.

use billkit::Error;
use billkit::billpro::{Client, Environment, ProductFilter};
use wiremock::Mock;
use wiremock::matchers::{method, path};

use crate::common::*;

#[test]
fn environments_have_their_documented_urls() {
    let staging = Client::builder()
        .token(TOKEN)
        .environment(Environment::Staging)
        .build()
        .unwrap();
    assert_eq!(
        staging.base_url().as_str(),
        "https://staging.bill.pro/api/v1"
    );
    let production = Client::builder()
        .token(TOKEN)
        .environment(Environment::Production)
        .build()
        .unwrap();
    assert_eq!(
        production.base_url().as_str(),
        "https://app.bill.pro/api/v1"
    );
    let default = Client::builder().token(TOKEN).build().unwrap();
    assert_eq!(default.base_url().as_str(), "https://app.bill.pro/api/v1");
    let custom = Client::builder()
        .token(TOKEN)
        .environment(Environment::Staging)
        .base_url("https://test.bill.pro/api/v1")
        .build()
        .unwrap();
    assert_eq!(custom.base_url().as_str(), "https://test.bill.pro/api/v1");
    assert_eq!(custom.profile_id(), None);
}

#[test]
fn a_missing_token_or_bad_settings_are_config_errors() {
    let err = Client::builder().build().unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains(".token(")),
        "{err}"
    );
    let err = Client::builder().token("  ").build().unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    let err = Client::builder()
        .token(TOKEN)
        .profile_id(0)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    let err = Client::builder()
        .token(TOKEN)
        .base_url("http://bill.example.com/api/v1")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("plain http"), "{err}");
    let err = Client::builder()
        .token(TOKEN)
        .base_url("not a url")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
}

#[test]
fn debug_never_shows_the_token() {
    let client = Client::builder()
        .token(TOKEN)
        .profile_id(5)
        .build()
        .unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("REDACTED"), "{shown}");
    assert_eq!(client.profile_id(), Some(5));
    let builder = format!("{:?}", Client::builder().token(TOKEN));
    assert!(!builder.contains(TOKEN), "{builder}");
}

#[tokio::test]
async fn without_a_profile_id_the_query_holds_only_the_page() {
    let server = wiremock::MockServer::start().await;
    let client = Client::builder()
        .token(TOKEN)
        .base_url(format!("{}/api/v1", server.uri()))
        .build()
        .unwrap();
    Mock::given(method("GET"))
        .and(path("/api/v1/products"))
        .and(query(&[("page", "1")]))
        .respond_with(json(200, "[]"))
        .expect(1)
        .mount(&server)
        .await;
    assert!(
        client
            .products()
            .list(&ProductFilter::new())
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_unauthorised_token_is_a_401_api_error_without_the_token() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/products/1"))
        .respond_with(json(401, r#"{"error": "Unauthorized"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let err = client.products().get(1).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(!format!("{err} {err:?}").contains(TOKEN));
}
