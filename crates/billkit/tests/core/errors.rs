use std::collections::BTreeMap;

use billkit::http::{ManualClock, Request, RetryPolicy};
use billkit::{ApiErrorBody, Error};
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::transport;

async fn answer(status: u16, content_type: &str, body: &str) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body.to_owned(), content_type))
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    t.execute(Request::<Value>::get("/orders/{id}").param(9))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn html_502_page_is_an_api_error_with_its_status() {
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    let err = answer(502, "text/html", page).await;
    let api = err.api_error().expect("an API error");
    assert_eq!(api.status().as_u16(), 502);
    assert_eq!(api.method().as_str(), "GET");
    assert_eq!(api.path(), "/api/v1/orders/9");
    assert_eq!(api.content_type(), Some("text/html"));
    assert_eq!(api.raw_body(), page);
    assert!(matches!(api.body(), ApiErrorBody::Text(t) if t.contains("502 Bad Gateway")));
    assert!(err.is_retryable());
    assert!(!err.to_string().contains('\n'), "{err}");
}

#[tokio::test]
async fn empty_body_error_keeps_the_status() {
    let err = answer(500, "text/plain", "").await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.api_error().unwrap().body(), &ApiErrorBody::Empty);
    assert_eq!(
        err.to_string(),
        "GET /api/v1/orders/9 failed with 500 Internal Server Error and an empty body"
    );
}

#[tokio::test]
async fn non_json_500_is_kept_as_text() {
    let err = answer(500, "text/plain", "Internal Server Error").await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(
        err.api_error().unwrap().body(),
        &ApiErrorBody::Text("Internal Server Error".into())
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn truncated_json_success_is_a_decode_error_with_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"id": 1, "items": [{"na"#, "application/json"),
        )
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let err = t.execute(Request::<Value>::get("/x")).await.unwrap_err();
    match &err {
        Error::Decode(d) => {
            assert_eq!(d.status().as_u16(), 200);
            assert_eq!(d.raw_body(), r#"{"id": 1, "items": [{"na"#);
            assert!(d.message().contains("EOF"), "{}", d.message());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
}

#[tokio::test]
async fn html_success_page_is_a_decode_error_naming_the_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html"))
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let err = t.execute(Request::<Value>::get("/x")).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)));
    assert!(err.to_string().contains("content type text/html"), "{err}");
}

#[tokio::test]
async fn empty_success_body_fails_only_where_a_value_is_required() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let none: Option<Value> = t.execute(Request::delete("/x")).await.unwrap();
    assert_eq!(none, None);
    t.execute(Request::<()>::delete("/x")).await.unwrap();
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Thing {
        id: u64,
    }
    let err = t.execute(Request::<Thing>::delete("/x")).await.unwrap_err();
    assert!(err.to_string().contains("the body is empty"), "{err}");
}

#[tokio::test]
async fn validation_errors_from_each_shape() {
    let err = answer(422, "application/json", r#"{"phone":["is invalid"]}"#).await;
    assert_eq!(
        *err.validation_errors(),
        BTreeMap::from([("phone".to_owned(), vec!["is invalid".to_owned()])])
    );

    let err = answer(
        422,
        "application/json",
        r#"{"message":"The email field is required. (and 1 more error)","errors":{"email":["The email field is required."],"items.0.quantity":["The items.0.quantity field must be at least 1."]}}"#,
    )
    .await;
    let v = err.validation_errors();
    assert_eq!(
        v["items.0.quantity"],
        vec!["The items.0.quantity field must be at least 1."]
    );
    assert_eq!(
        err.api_error().unwrap().message(),
        Some("The email field is required. (and 1 more error)")
    );

    // A form page is one API's shape (Billy's): its rules read it.
    let err = answer(
        400,
        "text/plain",
        "There are errors in following parameters: <ul><li>amount:<ul><li>This field is required.</li></ul></li></ul>",
    )
    .await;
    assert!(err.validation_errors().is_empty());
    #[cfg(feature = "billy")]
    let err: Error = err
        .api_error()
        .unwrap()
        .clone()
        .in_dialect(billkit::billy::BillyDialect)
        .into();
    #[cfg(feature = "billy")]
    assert_eq!(
        *err.validation_errors(),
        BTreeMap::from([(
            "amount".to_owned(),
            vec!["This field is required.".to_owned()]
        )])
    );

    let err = answer(400, "application/json", r#"{"error": "Bad Request"}"#).await;
    assert_eq!(
        err.api_error().unwrap().body(),
        &ApiErrorBody::Error {
            error: "Bad Request".into()
        }
    );
    assert!(err.validation_errors().is_empty());

    let err = answer(409, "application/json", r#"{"error_class": "DuplicateExternalIDError", "error_message": "Invoice IV1 with external_id A1 already exists"}"#).await;
    // Plain HTTP knows no error class; Billy's rules read it.
    assert!(!matches!(
        err.api_error().unwrap().body(),
        ApiErrorBody::Classed { .. }
    ));
    #[cfg(feature = "billy")]
    assert!(matches!(
        err.api_error().unwrap().clone().in_dialect(billkit::billy::BillyDialect).body(),
        ApiErrorBody::Classed { error_class, .. } if error_class == "DuplicateExternalIDError"
    ));
}
