//! Contract tests: the public domain check, against `fixtures/billmora/`.

use crate::common::*;
use billkit::billmora::*;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn domain_check_is_public_and_outside_v1() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/domains/check"))
        .and(header("accept", "application/json"))
        .and(body_json(json!({"domain": "example.io"})))
        .respond_with(ok("domains_check.json"))
        .expect(1)
        .mount(&server)
        .await;
    let check = client(&server).domains().check("example.io").await.unwrap();
    assert_eq!(check.domain, "example.io");
    assert!(check.available);
    assert!(!check.premium);
    assert_eq!(check.price.unwrap().to_string(), "12.99");
    assert_eq!(
        check.message.as_deref(),
        Some(""),
        "empty unless the registrar failed"
    );
    assert_eq!(check.tld_id, Some(5.into()));
    assert!(check.success);
    let req = only_request(&server).await;
    assert!(
        req.headers.get("authorization").is_none(),
        "the token must not be sent"
    );
}

#[tokio::test]
async fn domain_check_422_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/domains/check"))
        .respond_with(reply(422, "domains_check_422.json"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .domains()
        .check("example.zzz")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    let api = err.api_error().unwrap();
    assert_eq!(api.message(), Some("TLD is not supported."));
    assert_eq!(
        err.known_server_bug(),
        Some(KnownServerBug::DomainCheckTldLookup)
    );
    assert!(err.validation_errors().is_empty());
    assert_eq!(api.path(), "/api/domains/check");
}

/// `domains.check.tld_with_plugin_missing` (seq 187): a TLD the server
/// knows but no registrar serves answers 200 with `success: false`.
#[tokio::test]
async fn domain_check_without_a_registrar_says_why() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/domains/check"))
        .and(body_json(json!({"domain": "example.io"})))
        .respond_with(ok("domains_check_no_registrar.json"))
        .expect(1)
        .mount(&server)
        .await;
    let check = client(&server).domains().check("example.io").await.unwrap();
    assert_eq!(check.domain, "example.io");
    assert!(!check.available);
    assert!(!check.premium);
    assert_eq!(check.price, None);
    assert_eq!(
        check.message.as_deref(),
        Some(
            "Failed to check domain availability: \
             No registrar provider assigned to this domain or TLD."
        )
    );
    assert_eq!(check.tld_id, Some(5.into()));
    assert!(!check.success);
}
