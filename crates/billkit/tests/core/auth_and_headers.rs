use billkit::Error;
use billkit::http::{
    Body, Config, Credentials, ManualClock, Request, RetryPolicy, Transport, USER_AGENT_PREFIX,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{config, json as ok_json, transport};

#[tokio::test]
async fn bearer_accept_and_user_agent_on_every_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/things"))
        .and(header("authorization", "Bearer secret-token-123"))
        .and(header("accept", "application/json"))
        .and(header("user-agent", USER_AGENT_PREFIX))
        .respond_with(ok_json(r#"{"ok":true}"#))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let v: Value = t.execute(Request::get("/things")).await.unwrap();
    assert_eq!(v, json!({"ok": true}));
    assert_eq!(
        USER_AGENT_PREFIX,
        concat!("billkit/", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn basic_auth_sends_key_as_user_with_empty_password() {
    let server = MockServer::start().await;
    // base64("KEY123:")
    Mock::given(method("GET"))
        .and(path("/v1/plans"))
        .and(header("authorization", "Basic S0VZMTIzOg=="))
        .respond_with(ok_json("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let t = Transport::new(
        Config::new()
            .base_url(server.uri())
            .unwrap()
            .credentials(Credentials::basic_key("KEY123")),
    )
    .unwrap();
    let _: Value = t.execute(Request::get("/v1/plans")).await.unwrap();
}

#[tokio::test]
async fn unauthenticated_requests_carry_no_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/open"))
        .respond_with(ok_json("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let _: Value = t
        .execute(Request::post("/open").unauthenticated())
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn app_info_is_appended_to_the_user_agent() {
    let server = MockServer::start().await;
    Mock::given(header(
        "user-agent",
        format!("{USER_AGENT_PREFIX} shop/2.1").as_str(),
    ))
    .respond_with(ok_json("null"))
    .expect(1)
    .mount(&server)
    .await;
    let t = Transport::new(config(&server, &ManualClock::new()).app_info("shop", "2.1")).unwrap();
    let _: Option<Value> = t.execute(Request::get("/x")).await.unwrap();
}

#[tokio::test]
async fn default_query_reaches_get_post_put_and_delete() {
    let server = MockServer::start().await;
    for m in ["GET", "POST", "PUT", "DELETE"] {
        Mock::given(method(m))
            .and(path("/api/v1/customers/7"))
            .and(query_param("profile_id", "5"))
            .respond_with(ok_json("{}"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let t = Transport::new(config(&server, &ManualClock::new()).default_query("profile_id", 5))
        .unwrap();
    let _: Value = t
        .execute(Request::get("/customers/{id}").param(7))
        .await
        .unwrap();
    let _: Value = t
        .execute(Request::post("/customers/{id}").param(7))
        .await
        .unwrap();
    let _: Value = t
        .execute(Request::put("/customers/{id}").param(7))
        .await
        .unwrap();
    let _: Value = t
        .execute(Request::delete("/customers/{id}").param(7))
        .await
        .unwrap();
}

#[tokio::test]
async fn path_params_arrive_as_one_segment_and_escapes_never_leave() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json("{}"))
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let long = "x".repeat(100_000);
    for bad in [
        "a/b?c d",
        "..",
        ".",
        "",
        "a\r\nb",
        "a%2Fb",
        "a\\b",
        long.as_str(),
    ] {
        let err = t
            .execute::<Value>(Request::get("/customers/{id}/invoices").param(bad))
            .await
            .unwrap_err();
        match &err {
            Error::InvalidInput { field, .. } => assert_eq!(field, "id"),
            other => panic!("{bad:?}: {other}"),
        }
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    let _: Value = t
        .execute(Request::get("/customers/{id}/invoices").param("CU_1.a-b~c"))
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].url.path(), "/api/v1/customers/CU_1.a-b~c/invoices");
    assert_eq!(reqs[0].url.query(), None);
}

#[tokio::test]
async fn empty_path_param_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json("{}"))
        .expect(0)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let err = t
        .execute(Request::<Value>::get("/customers/{id}").param(""))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
}

#[tokio::test]
async fn json_and_form_bodies_with_content_types() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/customers"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"customer": {"first_name": "Dana"}})))
        .respond_with(ResponseTemplate::new(201).set_body_raw(r#"{"id":1}"#, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/invoices"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "customer_guid=CU1&item_name1=Hosting+Service+A&adjustment_amount1=-100",
        ))
        .respond_with(ok_json(r#"{"guid":"IV1"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let created: Value = t
        .execute(Request::post("/customers").json(&json!({"customer": {"first_name": "Dana"}})))
        .await
        .unwrap();
    assert_eq!(created, json!({"id": 1}));
    let req = Request::<Value>::post("/invoices").form([
        ("customer_guid", "CU1"),
        ("item_name1", "Hosting Service A"),
        ("adjustment_amount1", "-100"),
    ]);
    assert!(matches!(req.body(), Body::Form(p) if p.len() == 3));
    let iv = t.execute(req).await.unwrap();
    assert_eq!(iv, json!({"guid": "IV1"}));
}

#[tokio::test]
async fn secrets_never_appear_in_debug_output() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_raw(r#"{"message":"Unauthenticated."}"#, "application/json"),
        )
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let cfg = config(&server, &clock);
    let t = Transport::new(cfg.clone()).unwrap();
    let err = t.execute(Request::<Value>::get("/x")).await.unwrap_err();
    for text in [
        format!("{cfg:?}"),
        format!("{t:?}"),
        format!("{err:?}"),
        err.to_string(),
    ] {
        assert!(!text.contains("secret-token-123"), "{text}");
    }
    assert!(format!("{t:?}").contains("[REDACTED]"));
    assert!(format!("{cfg:?}").contains("[REDACTED]"));
}

#[test]
fn credentials_over_plain_http_only_to_loopback() {
    let err = Transport::new(
        Config::new()
            .base_url("http://billing.example.com/api/v1")
            .unwrap()
            .credentials(Credentials::bearer("t")),
    )
    .unwrap_err();
    assert!(matches!(err, billkit::Error::Config(_)));
    assert!(err.to_string().contains("plain http"), "{err}");
    for ok in [
        "http://127.0.0.1:1/api",
        "http://localhost:8080",
        "https://billing.example.com",
    ] {
        Transport::new(
            Config::new()
                .base_url(ok)
                .unwrap()
                .credentials(Credentials::bearer("t")),
        )
        .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    let err = Transport::new(
        Config::new()
            .base_url("https://x.test")
            .unwrap()
            .credentials(Credentials::bearer(" ")),
    )
    .unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    assert!(Config::new().base_url("not a url").is_err());
    assert!(Config::new().base_url("https://x.test/api?x=1").is_err());
}
