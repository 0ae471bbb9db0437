//! BillPro's error answers as typed errors, and `BillProErrorExt`.

use billkit::billpro::{BillProErrorExt, NewSingleOrder, OrderLine};
use billkit::{ApiErrorBody, Error};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;
use crate::customers::seed_customer;
use crate::orders::mount_create;

#[tokio::test]
async fn create_with_an_invalid_phone_is_a_422_field_map() {
    let (server, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/customers"))
        .and(profile_only())
        .respond_with(json(422, fixture("error_phone_invalid.json")))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .customers()
        .create(&seed_customer())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    let api = err.api_error().unwrap();
    assert_eq!(
        api.body(),
        &ApiErrorBody::Fields([("phone".to_string(), vec!["is invalid".to_string()])].into())
    );
    assert_eq!(
        err.validation_errors()["phone"],
        vec!["is invalid".to_string()]
    );
    assert!(!err.is_record_not_found());
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn not_found_answered_as_422_is_recognised() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customers/999"))
        .and(profile_only())
        .respond_with(json(422, fixture("error_not_found.json")))
        .expect(1)
        .mount(&server)
        .await;
    let err = client.customers().get(999).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert!(err.is_record_not_found(), "{err}");
    // The method answers by BillPro's rules too.
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.api_error().unwrap().message(), Some("Record not found"));
}

#[tokio::test]
async fn an_empty_error_body_is_kept_as_empty() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/customers/42"))
        .respond_with(
            ResponseTemplate::new(400).set_body_raw(fixture("error_empty.txt"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client.customers().get(42).await.unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.status().as_u16(), 400);
    assert_eq!(api.body(), &ApiErrorBody::Empty);
    assert_eq!(api.raw_body(), "");
    assert!(err.to_string().contains("empty body"), "{err}");
}

#[tokio::test]
async fn create_order_with_bad_data_is_a_400_bad_request() {
    let (server, client) = setup().await;
    mount_create(
        &server,
        "create_single_order",
        json!({"order":{"invoice_id":"W58XGHF","currency":"EUR","customer_id":42,"order_products":[{"product_id":999}]}}),
        400,
        "error_bad_request.json",
    )
    .await;
    let order = NewSingleOrder::new(42, "EUR", "W58XGHF").product(OrderLine::new(999));
    let err = client
        .orders()
        .create_single_order(&order)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(
        err.api_error().unwrap().body(),
        &ApiErrorBody::Error {
            error: "Bad Request".into()
        }
    );
    assert_eq!(err.api_error().unwrap().message(), Some("Bad Request"));
    assert!(!err.is_record_not_found());
}

#[tokio::test]
async fn a_strange_order_is_a_decode_error_with_its_path() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orders/501"))
        .respond_with(json(
            200,
            fixture("order_single_payment.json").replace("\"64.99\"", "\"64,99\""),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client.orders().get(501).await.unwrap_err();
    match err {
        billkit::Error::Decode(d) => {
            assert_eq!(d.json_path(), "total_to_pay");
            assert!(d.message().contains("64,99"), "{}", d.message());
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

/// The three APIs' error traits imported together: `is_record_not_found`
/// resolves to BillPro's alone (a name another trait shared would not
/// compile here), and answers by BillPro's rules on one `Error`.
#[test]
fn the_three_error_traits_import_together_without_a_clash() {
    #[allow(unused_imports)]
    use billkit::billmora::BillmoraErrorExt;
    use billkit::billpro::BillProErrorExt;
    #[allow(unused_imports)]
    use billkit::billy::BillyErrorExt;
    use billkit::http::{Method, StatusCode};

    let missing: Error = billkit::ApiError::from_response(
        Method::GET,
        "/customers/7",
        StatusCode::NOT_FOUND,
        None,
        br#"{"error": "Record not found"}"#,
        None,
        1,
    )
    .into();
    // Not from any particular API: BillPro's trait answers by the plain
    // HTTP rules (its 422 rules need a BillPro client: see
    // `not_found_answered_as_422_is_recognised`).
    assert!(missing.is_record_not_found());
    let refused: Error = billkit::ApiError::from_response(
        Method::POST,
        "/orders/create_single_order",
        StatusCode::BAD_REQUEST,
        None,
        br#"{"error": "Bad Request"}"#,
        None,
        1,
    )
    .into();
    assert!(!refused.is_record_not_found());
    assert!(!Error::invalid_input("id", "must be 1 or more").is_record_not_found());
}
