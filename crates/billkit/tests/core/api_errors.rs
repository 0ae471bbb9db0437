//! Each API's refusals of a credential, as its sandbox sends them, answer
//! `Error::is_unauthorized`; each API's own error helpers say nothing
//! about another API's errors (issue 17, item 6).
#![cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]

use billkit::billmora::{BillmoraErrorExt, NewUser};
use billkit::billpro::BillProErrorExt;
use billkit::billy::{
    self, BillyErrorExt, ErrorKind, Frequency, NewPlan, NewSubscription, PlanType,
};
use billkit::http::RetryPolicy;
use billkit::{Cents, Error, billpro};
use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};
use billkit_sandbox::billpro::BillProSandbox;
use billkit_sandbox::billy::BillySandbox;

/// Billmora's and Billy's helpers about an error from another API: none
/// of them claims it.
fn no_billmora_or_billy_answer(err: &Error) {
    assert_eq!(err.error_kind(), None, "{err}");
    assert_eq!(err.error_class(), None);
    assert!(!err.is_duplicate_external_id());
    no_billmora_answer(err);
}

fn no_billmora_answer(err: &Error) {
    assert_eq!(err.missing_ability(), None, "{err}");
    assert!(!err.is_ip_not_allowed());
    assert!(!err.is_maintenance());
    assert_eq!(err.known_server_bug(), None);
}

fn no_billy_answer(err: &Error) {
    assert_eq!(err.error_kind(), None, "{err}");
    assert_eq!(err.error_class(), None);
    assert!(!err.is_duplicate_external_id());
}

#[tokio::test]
async fn billpro_401_is_unauthorized_and_no_other_apis_helper_claims_it() {
    let sandbox = BillProSandbox::start().await.unwrap();
    let stranger = billpro::Client::builder()
        .base_url(sandbox.base_url())
        .token("not-a-billpro-token")
        .profile_id(sandbox.profile_id())
        .build()
        .unwrap();
    let err = stranger
        .products()
        .list(&billkit::billpro::ProductFilter::new())
        .page(1)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(err.is_unauthorized());
    // The case: Billy's classifier used to answer `Some(Other)`.
    no_billmora_or_billy_answer(&err);

    // A refusal of the data is not one of the credential.
    let client = sandbox.client().unwrap();
    let err = client.customers().get(999_999).await.unwrap_err();
    assert!(err.is_record_not_found());
    assert!(!err.is_unauthorized());
    no_billmora_or_billy_answer(&err);
}

#[tokio::test]
async fn billmora_401_and_both_token_403s_are_unauthorized() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let with_token = |token: String| {
        sandbox
            .client_builder()
            .token(token)
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    };

    let err = with_token("9|notAToken".into())
        .users()
        .get(SEED_USER_ID)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(err.is_unauthorized());
    no_billy_answer(&err);

    let err = with_token(sandbox.add_token(&["invoices.view"]))
        .users()
        .get(SEED_USER_ID)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(err.missing_ability().as_deref(), Some("users.view"));
    assert!(err.is_unauthorized());
    no_billy_answer(&err);

    let err = with_token(sandbox.add_ip_restricted_token(&["*"], &["10.0.0.7"]))
        .users()
        .get(SEED_USER_ID)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert!(err.is_ip_not_allowed());
    assert!(err.is_unauthorized());

    // A refusal of the data (422) or of a missing record (404) is not.
    let client = sandbox.client().unwrap();
    let err = client
        .users()
        .create(&NewUser::new(
            "Dana",
            "Borys",
            "not-an-email",
            "s3cret-passw0rd",
        ))
        .await
        .unwrap_err();
    assert!(!err.is_unauthorized(), "{err}");
    let err = client.users().get(999_999).await.unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_unauthorized());
    // BillPro's reading of a 404 is BillPro's: it says nothing here.
    assert!(!err.is_record_not_found());
    no_billy_answer(&err);
}

#[tokio::test]
async fn billy_403_for_a_bad_key_is_unauthorized_but_a_foreign_plan_is_not() {
    let sandbox = BillySandbox::start().await.unwrap();
    let stranger = billy::Client::builder()
        .base_url(sandbox.base_url())
        .api_key("NotAKeyOfAnyCompany")
        .build()
        .unwrap();
    let err = stranger.plans().list().page(1).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert!(err.raw_body().unwrap().contains("failed permission check"));
    assert!(err.is_unauthorized());
    assert_eq!(err.error_kind(), Some(ErrorKind::Forbidden));
    no_billmora_answer(&err);

    // A valid key naming another company's plan: Billy's view check.
    let other = billy::Client::register_company(sandbox.base_url(), "another-processor-key")
        .await
        .unwrap()
        .client()
        .unwrap();
    let foreign_plan = other
        .plans()
        .create(&NewPlan::new(
            PlanType::Debit,
            Frequency::Monthly,
            Cents::new(500),
        ))
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let customer = client
        .customers()
        .create(&Default::default())
        .await
        .unwrap();
    let err = client
        .subscriptions()
        .create(&NewSubscription::new(&foreign_plan.guid, &customer.guid))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert!(
        err.raw_body()
            .unwrap()
            .contains("Can only subscribe to your own plan")
    );
    assert!(!err.is_unauthorized());

    // Billy's 404 is not BillPro's to read.
    let err = client
        .plans()
        .get(&billy::PlanGuid::new("PLnope").unwrap())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_record_not_found());
    assert!(!err.is_unauthorized());
    no_billmora_answer(&err);
}

/// Errors that carry no server answer have no API: every helper is silent.
#[test]
fn errors_without_an_answer_are_claimed_by_no_helper() {
    let err = Error::invalid_input("amount", "must be positive");
    assert!(!err.is_unauthorized());
    assert!(!err.is_record_not_found());
    no_billmora_or_billy_answer(&err);
}
