//! Helpers every Billy test file uses: the seed's key and fixtures, a
//! client against a mock server, checked GUIDs, and field-by-field
//! assertions on the seed's records.

use std::str::FromStr;

use billkit::Cents;
use billkit::billy::{
    Client, CompanyGuid, Customer, CustomerGuid, Frequency, Invoice, InvoiceGuid, InvoiceKind,
    InvoiceStatus, Plan, PlanGuid, PlanType, SubmitStatus, Subscription, SubscriptionGuid,
    Transaction, TransactionGuid, TransactionStatus, TransactionType,
};
use billkit::http::ManualClock;
use chrono::{DateTime, Utc};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// The seed's API key.
pub const KEY: &str = "5MyxREWaEymNWunpGseySVGBZkTWDW57FUXsyTo2WtGC";
/// `Basic base64("KEY:")`.
pub const BASIC: &str = "Basic NU15eFJFV2FFeW1OV3VucEdzZXlTVkdCWmtUV0RXNTdGVVhzeVRvMld0R0M6";
pub const FORM: &str = "application/x-www-form-urlencoded";
pub const CARD: &str =
    "/v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCBXYdbpYDwX68hv69UH1eS";

pub fn fixture(name: &str) -> String {
    let p = format!("{}/fixtures/billy/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// 200 with a JSON fixture.
pub fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name), "application/json")
}

/// A list fixture served as the page at `offset` (Billy echoes the offset).
pub fn page(name: &str, offset: u64) -> ResponseTemplate {
    let body = fixture(name).replace("\"offset\": 0", &format!("\"offset\": {offset}"));
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

/// A mock for `verb path` that requires the API key.
pub fn authed(verb: &str, p: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(p))
        .and(header("authorization", BASIC))
}

pub async fn setup() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let client = Client::builder()
        .base_url(server.uri())
        .api_key(KEY)
        .manual_time(&ManualClock::new())
        .build()
        .unwrap();
    (server, client)
}

/// A checked company GUID (test input; panics on a typo in the test).
pub fn cp_id(s: &str) -> CompanyGuid {
    CompanyGuid::new(s).unwrap()
}

/// A checked customer GUID.
pub fn cu_id(s: &str) -> CustomerGuid {
    CustomerGuid::new(s).unwrap()
}

/// A checked plan GUID.
pub fn pl_id(s: &str) -> PlanGuid {
    PlanGuid::new(s).unwrap()
}

/// A checked subscription GUID.
pub fn su_id(s: &str) -> SubscriptionGuid {
    SubscriptionGuid::new(s).unwrap()
}

/// A checked invoice GUID.
pub fn iv_id(s: &str) -> InvoiceGuid {
    InvoiceGuid::new(s).unwrap()
}

/// A checked transaction GUID.
pub fn tx_id(s: &str) -> TransactionGuid {
    TransactionGuid::new(s).unwrap()
}

pub fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn c(n: i64) -> Cents {
    Cents::new(n)
}

/// The body of the only request the server got.
pub async fn only_body(server: &MockServer) -> String {
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    String::from_utf8(reqs[0].body.clone()).unwrap()
}

// ---- the seed's objects, field by field ----

pub fn assert_seed_plan(p: &Plan, deleted: bool) {
    assert_eq!(p.guid, "PL4RHCKW7GsGMjpcozHveQuw");
    assert_eq!(p.company_guid, "CP4MXZG4ThUdbLpiX8e9Yx3j");
    assert_eq!(p.plan_type, PlanType::Debit);
    assert_eq!(p.frequency, Frequency::Monthly);
    assert_eq!(p.amount, c(500));
    assert_eq!(p.interval, 1);
    assert_eq!(p.deleted, deleted);
    assert_eq!(p.created_at, ts("2026-11-29T22:39:47.386184+00:00"));
    assert_eq!(p.updated_at, ts("2026-11-29T22:39:47.386184+00:00"));
}

pub fn assert_seed_customer(cu: &Customer, deleted: bool) {
    assert_eq!(cu.guid, "CU4NheTMcQqXgmAtg1aGTJPK");
    assert_eq!(cu.company_guid, "CP4MXZG4ThUdbLpiX8e9Yx3j");
    assert_eq!(
        cu.processor_uri.as_deref(),
        Some("/v1/customers/CUCChwFzuMRlBGgoBwjRgqr")
    );
    assert_eq!(cu.deleted, deleted);
    assert_eq!(cu.created_at, ts("2026-11-29T22:39:47.287124+00:00"));
    assert_eq!(cu.updated_at, ts("2026-11-29T22:39:47.287124+00:00"));
}

pub fn assert_seed_subscription(s: &Subscription, canceled: bool) {
    assert_eq!(s.guid, "SU4ST39srWVLGbiTg174QyfF");
    assert_eq!(s.customer_guid, "CU4NheTMcQqXgmAtg1aGTJPK");
    assert_eq!(s.plan_guid, "PL4RHCKW7GsGMjpcozHveQuw");
    assert_eq!(s.amount, None);
    assert_eq!(s.effective_amount, c(500));
    assert_eq!(s.funding_instrument_uri.as_deref(), Some(CARD));
    assert_eq!(s.appears_on_statement_as, None);
    assert_eq!(s.invoice_count, 1);
    assert_eq!(s.canceled, canceled);
    // Billy sets `canceled_at` on cancel and leaves `updated_at` as it was.
    assert_eq!(
        s.canceled_at,
        canceled.then(|| ts("2026-11-29T22:39:47.753603+00:00"))
    );
    assert_eq!(s.started_at, ts("2026-11-29T22:39:47.505691+00:00"));
    assert_eq!(s.next_invoice_at, ts("2026-12-29T22:39:47.505691+00:00"));
    assert_eq!(s.created_at, ts("2026-11-29T22:39:47.505691+00:00"));
    assert_eq!(s.updated_at, ts("2026-11-29T22:39:47.505691+00:00"));
}

/// The seed's invoice: staged without an instrument, then settled with
/// [`CARD`] (`PUT`), which also moves `updated_at`.
pub fn assert_seed_invoice(i: &Invoice, funding: Option<&str>) {
    assert_eq!(i.guid, "IV4gVtDyP3CD9zQyv8AtPwx5");
    assert_eq!(
        i.kind,
        InvoiceKind::Customer {
            customer_guid: cu_id("CU4NheTMcQqXgmAtg1aGTJPK"),
            external_id: None
        }
    );
    assert_eq!(i.customer_guid(), Some(&cu_id("CU4NheTMcQqXgmAtg1aGTJPK")));
    assert_eq!(i.subscription_guid(), None);
    assert_eq!(i.transaction_type, TransactionType::Debit);
    let status = if funding.is_some() {
        InvoiceStatus::Settled
    } else {
        InvoiceStatus::Staged
    };
    assert_eq!(i.status, status);
    assert_eq!(i.amount, c(1000));
    assert_eq!(i.effective_amount, c(900));
    assert_eq!(i.total_adjustment_amount, c(-100));
    assert_eq!(i.title, None);
    assert_eq!(i.appears_on_statement_as.as_deref(), Some("FooBar Hosting"));
    assert_eq!(i.funding_instrument_uri.as_deref(), funding);
    assert_eq!(i.items.len(), 1);
    let item = &i.items[0];
    assert_eq!(
        (
            item.name.as_str(),
            item.amount,
            &item.item_type,
            item.quantity,
            item.volume,
            &item.unit
        ),
        ("Hosting Service A", c(1000), &None, None, None, &None)
    );
    assert_eq!(i.adjustments.len(), 1);
    assert_eq!(i.adjustments[0].amount, c(-100));
    assert_eq!(i.adjustments[0].reason.as_deref(), Some("Coupon discount"));
    assert_eq!(i.created_at, ts("2026-11-29T22:39:47.801160+00:00"));
    let updated = if funding.is_some() {
        "2026-11-29T22:39:47.896255+00:00"
    } else {
        "2026-11-29T22:39:47.801160+00:00"
    };
    assert_eq!(i.updated_at, ts(updated));
}

/// The invoice the seed subscription filed (and charged) when created.
pub fn assert_seed_subscription_invoice(inv: &Invoice) {
    assert_eq!(inv.guid, "IV4SUGxQ3hu2ZB6FU5NXNj4u");
    assert_eq!(
        inv.kind,
        InvoiceKind::Subscription {
            subscription_guid: su_id("SU4ST39srWVLGbiTg174QyfF"),
            scheduled_at: ts("2026-11-29T22:39:47.505691+00:00"),
        }
    );
    assert_eq!(inv.customer_guid(), None);
    assert_eq!(inv.external_id(), None);
    assert_eq!(inv.status, InvoiceStatus::Settled);
    assert_eq!(inv.transaction_type, TransactionType::Debit);
    assert_eq!(
        (
            inv.amount,
            inv.effective_amount,
            inv.total_adjustment_amount
        ),
        (c(500), c(500), c(0))
    );
    assert_eq!(inv.title, None);
    assert_eq!(inv.appears_on_statement_as, None);
    assert_eq!(inv.funding_instrument_uri.as_deref(), Some(CARD));
    assert!(inv.items.is_empty() && inv.adjustments.is_empty());
    assert_eq!(inv.created_at, ts("2026-11-29T22:39:47.508423+00:00"));
    assert_eq!(inv.updated_at, ts("2026-11-29T22:39:47.543541+00:00"));
}

pub fn assert_seed_transaction(t: &Transaction) {
    assert_eq!(t.guid, "TX4SVWm156bBTSY17KJKW88y");
    assert_eq!(t.invoice_guid, "IV4SUGxQ3hu2ZB6FU5NXNj4u");
    assert_eq!(t.transaction_type, TransactionType::Debit);
    assert_eq!(t.submit_status, SubmitStatus::Done);
    assert_eq!(t.status, Some(TransactionStatus::Succeeded));
    assert_eq!(t.amount, c(500));
    assert_eq!(t.funding_instrument_uri.as_deref(), Some(CARD));
    // What the local server's scripted processor answers.
    assert_eq!(t.processor_uri.as_deref(), Some("MOCK_DEBIT_TX_URI"));
    assert_eq!(t.appears_on_statement_as, None);
    assert_eq!(t.failure_count, 0);
    assert!(t.failures.is_empty());
    assert_eq!(t.created_at, ts("2026-11-29T22:39:47.510170+00:00"));
    assert_eq!(t.updated_at, ts("2026-11-29T22:39:47.543524+00:00"));
}

#[allow(dead_code)]
pub fn dec(s: &str) -> billkit::Decimal {
    billkit::Decimal::from_str(s).unwrap()
}
