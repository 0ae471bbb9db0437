//! Every error body Billy sends becomes a typed error.

use std::collections::BTreeMap;

use billkit::billy::{BillyErrorExt, ErrorKind, Frequency, NewPlan, PlanType};
use billkit::{ApiErrorBody, Error};
use wiremock::matchers::any;
use wiremock::{Mock, ResponseTemplate};

use crate::*;

const TEXT: &str = "text/plain; charset=UTF-8";

async fn fail_with(template: ResponseTemplate) -> Error {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(template)
        .expect(1)
        .mount(&server)
        .await;
    client.plans().get(&pl_id("PLxxx")).await.unwrap_err()
}

fn fields() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([
        (
            "amount".to_string(),
            vec!["This field is required.".to_string()],
        ),
        // wtforms' Required() replaces the invalid-choice message.
        (
            "plan_type".to_string(),
            vec!["This field is required.".to_string()],
        ),
    ])
}

#[tokio::test]
async fn forbidden_403_for_a_bad_key() {
    let err =
        fail_with(ResponseTemplate::new(403).set_body_raw(fixture("error_403_bad_key.txt"), TEXT))
            .await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(err.error_kind(), Some(ErrorKind::Forbidden));
    assert!(err.raw_body().unwrap().contains("failed permission check"));
    assert!(err.is_unauthorized());
    assert_eq!(err.attempts(), Some(1));
    assert!(!err.is_retryable());
    assert!(!err.is_duplicate_external_id());
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn not_found_404_plain_text() {
    let err =
        fail_with(ResponseTemplate::new(404).set_body_raw(fixture("error_404_plan.txt"), TEXT))
            .await;
    assert!(err.is_not_found());
    assert!(!err.is_unauthorized());
    assert_eq!(err.error_kind(), Some(ErrorKind::NotFound));
    let api = err.api_error().unwrap();
    assert!(matches!(api.body(), ApiErrorBody::Text(t) if t.contains("No such plan PLxxx")));
    assert_eq!(api.path(), "/v1/plans/PLxxx");
    assert_eq!(api.content_type(), Some(TEXT));
}

#[tokio::test]
async fn validation_400_plain_text_lists_the_fields() {
    let err =
        fail_with(ResponseTemplate::new(400).set_body_raw(fixture("error_400_form.txt"), TEXT))
            .await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.error_kind(), Some(ErrorKind::Validation));
    assert_eq!(*err.validation_errors(), fields());
    assert_eq!(err.raw_body(), Some(fixture("error_400_form.txt").as_str()));
    let line = err.to_string();
    assert!(!line.contains('\n'), "{line}");
    assert!(line.contains("amount: This field is required."), "{line}");
}

#[tokio::test]
async fn validation_400_html_page_lists_the_fields() {
    // Pyramid HTML-escapes the list in its HTML page.
    let err = fail_with(
        ResponseTemplate::new(400)
            .set_body_raw(fixture("error_400_form.html"), "text/html; charset=UTF-8"),
    )
    .await;
    assert_eq!(err.error_kind(), Some(ErrorKind::Validation));
    assert_eq!(*err.validation_errors(), fields());
    assert!(
        err.raw_body()
            .unwrap()
            .contains("<title>400 Bad Request</title>")
    );
}

#[tokio::test]
async fn bad_request_400_plain_text_view_check() {
    let err =
        fail_with(ResponseTemplate::new(400).set_body_raw(fixture("error_400_text.txt"), TEXT))
            .await;
    assert_eq!(err.error_kind(), Some(ErrorKind::BadRequest));
    assert!(
        err.api_error()
            .unwrap()
            .message()
            .unwrap()
            .contains("Cannot cancel a canceled subscription")
    );
    assert!(err.validation_errors().is_empty());
}

#[tokio::test]
async fn business_error_400_json() {
    let err = fail_with(ResponseTemplate::new(400).set_body_raw(
        fixture("error_400_invalid_operation.json"),
        "application/json",
    ))
    .await;
    assert_eq!(err.error_class(), Some("InvalidOperationError"));
    assert_eq!(
        err.error_kind(),
        Some(ErrorKind::Operation {
            error_class: "InvalidOperationError".into(),
            error_message: "You can only refund a settled invoice".into(),
        })
    );
    assert_eq!(
        err.api_error().unwrap().message(),
        Some("You can only refund a settled invoice")
    );
    assert!(!err.is_duplicate_external_id());
}

#[tokio::test]
async fn duplicate_external_id_409_json_is_distinguishable() {
    let err = fail_with(ResponseTemplate::new(409).set_body_raw(
        fixture("error_409_duplicate_external_id.json"),
        "application/json",
    ))
    .await;
    assert!(err.is_duplicate_external_id());
    assert!(err.is_duplicate());
    assert!(!err.is_not_found());
    assert_eq!(err.error_kind(), Some(ErrorKind::DuplicateExternalId));
    assert_eq!(err.error_class(), Some("DuplicateExternalIDError"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
}

#[tokio::test]
async fn server_crash_500_plain_text_is_not_retried() {
    let err = fail_with(
        ResponseTemplate::new(500)
            .set_body_raw(fixture("error_500.txt"), "text/plain")
            .insert_header("connection", "close"),
    )
    .await;
    assert_eq!(err.error_kind(), Some(ErrorKind::Server));
    assert_eq!(err.attempts(), Some(1));
    assert!(err.raw_body().unwrap().contains("(generated by waitress)"));
}

#[tokio::test]
async fn a_json_error_on_a_post_keeps_everything() {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_raw(fixture("error_400_form.txt"), TEXT))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .plans()
        .create(&NewPlan::new(PlanType::Debit, Frequency::Monthly, c(500)))
        .await
        .unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.method().as_str(), "POST");
    assert_eq!(api.path(), "/v1/plans");
    assert_eq!(*err.validation_errors(), fields());
}

#[test]
fn input_errors_have_no_kind() {
    let err = Error::invalid_input("amount", "too small");
    assert_eq!(err.error_kind(), None);
    assert!(!err.is_duplicate_external_id());
    assert_eq!(err.validation_errors().len(), 1);
}

/// The API traits import together: no method name is shared, so each call
/// below resolves (a clash would not compile). BillPro has no trait on this
/// branch yet.
#[test]
fn every_api_error_trait_imports_together() {
    #[cfg(feature = "billmora")]
    use billkit::billmora::BillmoraErrorExt;
    use billkit::billy::BillyErrorExt;
    let err = billkit::Error::invalid_input("guid", "not a GUID");
    assert_eq!(err.error_kind(), None);
    assert_eq!(err.error_class(), None);
    assert!(!err.is_duplicate_external_id());
    #[cfg(feature = "billmora")]
    assert_eq!(err.missing_ability(), None);
}
