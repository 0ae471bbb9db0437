//! Every error the reference page lists becomes a typed error with its
//! status, message and raw body; none panics.

use std::time::Duration;

use billkit::billmora::*;
use billkit::http::{ManualClock, RetryPolicy};
use billkit::{ApiErrorBody, Error};
use wiremock::MockServer;

use crate::common::*;

/// Serves `fixture` with `status` for `verb path` once and returns the
/// error of `call`.
async fn refused<F, Fut, T>(verb: &str, p: &str, status: u16, fixture_name: &str, call: F) -> Error
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = billkit::Result<T>>,
    T: std::fmt::Debug,
{
    let server = MockServer::start().await;
    api(verb, p)
        .respond_with(reply(status, fixture_name))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = call(c).await.expect_err("the server refused");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err}");
    assert_eq!(
        err.raw_body().map(str::trim),
        Some(fixture(fixture_name).trim())
    );
    assert!(
        !err.to_string().contains(TOKEN),
        "the token never appears in errors"
    );
    err
}

fn message(err: &Error) -> &str {
    err.api_error().and_then(|e| e.message()).unwrap_or("")
}

#[tokio::test]
async fn unauthenticated_401() {
    let err = refused("GET", "/users/12", 401, "error_401.json", |c| async move {
        c.users().get(12).await
    })
    .await;
    assert_eq!(message(&err), "Unauthenticated.");
    assert!(!err.is_retryable());
    assert!(err.is_unauthorized());
    assert_eq!(err.missing_ability(), None);
}

#[tokio::test]
async fn forbidden_403_names_the_missing_ability() {
    let err = refused(
        "GET",
        "/services",
        403,
        "error_403_ability.json",
        |c| async move { c.services().list(&ServiceFilter::new()).page(1).await },
    )
    .await;
    assert_eq!(err.missing_ability().as_deref(), Some("services.view"));
    assert_eq!(err.missing_ability().as_deref(), Some("services.view"));
    assert!(!err.is_ip_not_allowed());
    // The token lacks the ability: the token is what to fix.
    assert!(err.is_unauthorized());
    assert_eq!(
        message(&err),
        "This token does not have the required permission: services.view"
    );
}

#[tokio::test]
async fn forbidden_403_for_an_ip_not_allowed() {
    let err = refused("GET", "/users", 403, "error_403_ip.json", |c| async move {
        c.users().list(&UserFilter::new()).page(1).await
    })
    .await;
    assert!(err.is_ip_not_allowed());
    assert!(err.is_ip_not_allowed());
    assert!(err.is_unauthorized());
    assert_eq!(err.missing_ability(), None);
    assert_eq!(
        message(&err),
        "Your IP address is not allowed to use this token."
    );
}

#[tokio::test]
async fn not_found_404() {
    let err = refused(
        "GET",
        "/users/999999",
        404,
        "error_404.json",
        |c| async move { c.users().get(999_999).await },
    )
    .await;
    assert!(err.is_not_found());
    assert_eq!(
        message(&err),
        r"No query results for model [App\Models\User] 999999"
    );
    assert_eq!(err.api_error().unwrap().path(), "/api/v1/users/999999");
}

#[tokio::test]
async fn method_not_allowed_405() {
    let err = refused("PUT", "/users/1", 405, "error_405.json", |c| async move {
        c.users()
            .update(1, &UserUpdate::new().first_name("D"))
            .await
    })
    .await;
    assert!(
        message(&err)
            == "The PATCH method is not supported for route api/v1/users/1. \
                Supported methods: GET, HEAD, PUT, DELETE.",
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn validation_422_with_field_errors() {
    let err = refused("POST", "/users", 422, "error_422.json", |c| async move {
        c.users()
            .create(&NewUser::new(
                "Dana",
                "Borys",
                "dana@example.com",
                "correct horse",
            ))
            .await
    })
    .await;
    // `users.create.missing_all`: every required field named.
    let fields = err.validation_errors();
    assert_eq!(fields.len(), 4);
    for (field, text) in [
        ("first_name", "The first name field is required."),
        ("last_name", "The last name field is required."),
        ("email", "The email field is required."),
        ("password", "The password field is required."),
    ] {
        assert_eq!(fields[field], vec![text.to_string()], "{field}");
    }
    assert_eq!(
        message(&err),
        "The first name field is required. (and 3 more errors)"
    );
    assert!(matches!(
        err.api_error().unwrap().body(),
        ApiErrorBody::Message { .. }
    ));
}

#[tokio::test]
async fn validation_422_with_message_only() {
    let err = refused(
        "POST",
        "/orders",
        422,
        "error_422_order_items.json",
        |c| async move {
            c.orders()
                .create(
                    &NewOrder::new(12, "USD", OrderStatus::Pending)
                        .domain_item(DomainItem::register("a.com", 2, 1)),
                )
                .await
        },
    )
    .await;
    assert_eq!(
        message(&err),
        "At least one package or domain item is required."
    );
    assert!(err.validation_errors().is_empty());
}

#[tokio::test]
async fn rate_limited_429_carries_retry_after() {
    let server = MockServer::start().await;
    // `ratelimit.lowrate.post_when_limited`: its body and headers.
    api("GET", "/invoices/55")
        .respond_with(
            reply(429, "error_429.json")
                .insert_header("Retry-After", "60")
                .insert_header("X-RateLimit-Limit", "5")
                .insert_header("X-RateLimit-Remaining", "0"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.invoices().get(55).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(message(&err), "Too many requests. Please try again later.");
    assert!(err.is_retryable());
    assert!(!err.is_unauthorized());
}

#[tokio::test]
async fn server_error_500_is_not_retried() {
    let err = refused("GET", "/services", 500, "error_500.json", |c| async move {
        c.services().list(&ServiceFilter::new()).page(1).await
    })
    .await;
    assert_eq!(message(&err), "Server Error");
    assert_eq!(err.attempts(), Some(1));
}

#[tokio::test]
async fn order_create_failure_500_is_sent_once() {
    let server = MockServer::start().await;
    api("POST", "/orders")
        .respond_with(reply(500, "error_500_order.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server); // default retries: a POST must still go out once only
    let err = c
        .orders()
        .create(&NewOrder::new(2, "USD", OrderStatus::Pending).package_item(PackageItem::new(1, 1)))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(
        message(&err) == r#"Failed to create order: Undefined array key "coupon""#,
        "{err}"
    );
    assert_eq!(err.attempts(), Some(1));
}

#[tokio::test]
async fn maintenance_503_is_retried_for_reads_then_reported() {
    let server = MockServer::start().await;
    api("GET", "/tlds/2")
        .respond_with(reply(503, "error_503.json"))
        .expect(3)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let c = Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .manual_time(&clock)
        .build()
        .unwrap();
    let err = c.tlds().get(2).await.unwrap_err();
    assert!(err.is_maintenance());
    assert!(err.is_maintenance());
    assert_eq!(message(&err), "Service Unavailable");
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(clock.sleeps().len(), 2);
}

#[tokio::test]
async fn a_strange_success_body_is_a_decode_error() {
    let server = MockServer::start().await;
    api("GET", "/invoices/55")
        .respond_with(ok_json(r#"{"data": {"id": 55, "invoice_number": "INV-000055", "status": "unpaid", "subtotal": "ten"}}"#))
        .expect(1)
        .mount(&server)
        .await;
    api("GET", "/users/12")
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_raw("<html>Login</html>", "text/html"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.invoices().get(55).await.unwrap_err();
    match &err {
        Error::Decode(d) => assert!(d.to_string().contains("data.subtotal"), "{d}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    let err = c.users().get(12).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err}");
}

/// The Billmora trait's method names clash with no other API's: both traits
/// in scope, each Billmora question still answers by Billmora's rules.
#[test]
fn the_error_traits_import_together_without_a_clash() {
    use billkit::billmora::BillmoraErrorExt;
    use billkit::billy::BillyErrorExt;
    let err: Error = billkit::ApiError::from_response(
        billkit::http::Method::GET,
        "/api/v1/users",
        billkit::http::StatusCode::FORBIDDEN,
        None,
        br#"{"message": "This token does not have the required permission: users.view"}"#,
        None,
        1,
    )
    .into();
    assert_eq!(err.missing_ability().as_deref(), Some("users.view"));
    assert!(!err.is_ip_not_allowed());
    assert!(!err.is_maintenance());
    assert_eq!(err.known_server_bug(), None);
    assert!(!err.is_duplicate_external_id());
}
