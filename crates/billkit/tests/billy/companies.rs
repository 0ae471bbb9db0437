//! Companies: registration (the one call without a key) and `get`.

use billkit::billy::Client;
use billkit::http::ManualClock;
use billkit::{Error, ExposeSecret};
use wiremock::MockServer;
use wiremock::matchers::{body_string, header, method, path};

use crate::*;

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
