//! A stateful, in-process fake of the Billy API (v1.1.3).
//!
//! [`BillySandbox::start`] serves every Billy endpoint on `127.0.0.1` with
//! the real server's behaviour:
//!
//! - Every success is `200`, with JSON whose keys are sorted; datetimes are
//!   ISO 8601 with `+00:00`, with microseconds unless they are zero.
//! - Input is read only from the query and a form-encoded body: a JSON body
//!   is ignored, so a JSON create answers `400` "This field is required".
//!   Invoice items and adjustments are read from the keys the real server
//!   reads (`item_name1`, `item_quantity1`, `adjustment_amount1`, ...); the
//!   published docs' `quanity` and `adjustments_amount1` are ignored.
//! - Errors look like the real ones: `403` plain text `Unauthorized: ...
//!   failed permission check` for a missing, wrong or foreign key; `404`
//!   plain text `No such plan PL...` for an unknown record, path or method;
//!   `400` form reports (`There are errors in following parameters: <ul>...`)
//!   and view checks ("Cannot cancel a canceled subscription") in plain text,
//!   or as Pyramid's HTML page (list HTML-escaped) when `Accept` mentions
//!   `html` or `*/*`; `400`/`409` JSON `{error_class, error_message}` for
//!   business errors and a duplicate `external_id`; and a `500` plain-text
//!   crash (with `Connection: close`) where the real server crashes: an item
//!   or adjustment without its name or amount, a non-integer amount, a bare
//!   date as `started_at`, a non-integer `offset`/`limit`.
//! - State: an invoice created with a funding instrument and an effective
//!   amount above 0 is charged at once and `settled` (or `failed`, see
//!   below); amount 0 is `settled` with no transaction; without an
//!   instrument it stays `staged` until `PUT` sets one. Refunds only from
//!   `settled` and never beyond the effective amount in total; cancel from
//!   `staged`, `processing` or `failed`; `PUT` on a settled or canceled
//!   invoice is refused. A subscription without `started_at` bills its
//!   first invoice at once (`invoice_count` 1); with a future `started_at`
//!   nothing is billed until then. Later periods are billed when the test
//!   says time has come ([`BillySandbox::bill_due_subscriptions`], the
//!   real server's scheduled processing). Canceling twice is refused.
//!   Deletes are soft.
//! - Lists page with `offset`/`limit` (default 20), newest first, in
//!   `{items, limit, offset}`; `plans/{guid}/customers` de-duplicates after
//!   the limit, as the real server does, so its pages can be short before
//!   the end.
//! - A funding instrument URI containing `declined` makes every charge to it
//!   fail: the invoice turns `failed` and its transaction carries a typed
//!   failure (`card-declined`, 402). Any other URI is charged successfully.
//! - One company is seeded ([`BillySandbox::api_key`]); more can be
//!   registered with any non-empty processor key
//!   ([`BillySandbox::processor_key`] is one).
//!
//! Use it in an application's tests:
//!
//! ```
//! use billkit::billy::{Frequency, NewInvoice, NewPlan, PlanType};
//! use billkit::sandbox::billy::BillySandbox;
//! use billkit::Cents;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let sandbox = BillySandbox::start().await?;
//! let billy = sandbox.client()?;
//! let plan = billy
//!     .plans()
//!     .create(&NewPlan::new(PlanType::Debit, Frequency::Monthly, Cents::new(500)))
//!     .await?;
//! assert_eq!(plan.amount, Cents::new(500));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Months, Utc};
use serde_json::{json, Value};

use super::{FakeApi, FakeServer, Method, SandboxRequest, SandboxResponse};

/// Billy's sandbox: a [`FakeServer`] with a seeded company.
pub struct BillySandbox {
    server: FakeServer,
    state: Arc<Mutex<State>>,
    api_key: String,
    company_guid: String,
}

impl fmt::Debug for BillySandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillySandbox")
            .field("server", &self.server)
            .field("company_guid", &self.company_guid)
            .finish_non_exhaustive()
    }
}

/// A processor key the sandbox accepts for registering companies (any
/// non-empty key is accepted).
pub const PROCESSOR_KEY: &str = "ef13dce2093b11e388de026ba7d31e6f";

impl BillySandbox {
    /// Starts the fake on an ephemeral loopback port. Needs a tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        let mut state = State::default();
        let now = Utc::now();
        let company = state.new_company(now);
        let api_key = company.api_key.clone();
        let company_guid = company.guid.clone();
        state.companies.push(company);
        let state = Arc::new(Mutex::new(state));
        let server = FakeServer::start(BillyFake {
            state: state.clone(),
        })
        .await?;
        Ok(BillySandbox {
            server,
            state,
            api_key,
            company_guid,
        })
    }

    /// The base URL to give [`ClientBuilder::base_url`](crate::billy::ClientBuilder::base_url).
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// The seeded company's API key.
    pub fn api_key(&self) -> String {
        self.api_key.clone()
    }

    /// The seeded company's GUID.
    pub fn company_guid(&self) -> String {
        self.company_guid.clone()
    }

    /// A processor key for [`Client::register_company`](crate::billy::Client::register_company).
    pub fn processor_key(&self) -> String {
        PROCESSOR_KEY.to_owned()
    }

    /// A client for the seeded company.
    pub fn client(&self) -> crate::Result<crate::billy::Client> {
        crate::billy::Client::builder()
            .base_url(self.base_url())
            .api_key(self.api_key())
            .build()
    }

    /// Files (and charges) every invoice the subscriptions owe up to `now`,
    /// as the real server's scheduled processing (`billy-process`) does,
    /// and returns how many were filed. Use it to move a subscription with
    /// a future `started_at`, or into its next period, in a test.
    pub fn bill_due_subscriptions(&self, now: DateTime<Utc>) -> usize {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .bill_all_due(now)
    }

    /// The HTTP server, for fault injection and counters.
    pub fn server(&self) -> &FakeServer {
        &self.server
    }
}

// ---- records ----

#[derive(Debug, Clone)]
struct CompanyRec {
    guid: String,
    api_key: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct CustomerRec {
    guid: String,
    company_guid: String,
    processor_uri: Option<String>,
    deleted: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct PlanRec {
    guid: String,
    company_guid: String,
    plan_type: String,
    frequency: String,
    amount: i64,
    interval: i64,
    deleted: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct SubscriptionRec {
    guid: String,
    company_guid: String,
    customer_guid: String,
    plan_guid: String,
    amount: Option<i64>,
    effective_amount: i64,
    funding_instrument_uri: Option<String>,
    appears_on_statement_as: Option<String>,
    invoice_count: i64,
    canceled: bool,
    canceled_at: Option<DateTime<Utc>>,
    started_at: DateTime<Utc>,
    next_invoice_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
enum InvoiceOwner {
    Customer {
        customer_guid: String,
        external_id: Option<String>,
    },
    Subscription {
        subscription_guid: String,
        scheduled_at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Default)]
struct ItemRec {
    name: Option<String>,
    amount: Option<i64>,
    item_type: Option<String>,
    quantity: Option<i64>,
    volume: Option<i64>,
    unit: Option<String>,
}

#[derive(Debug, Clone)]
struct InvoiceRec {
    guid: String,
    company_guid: String,
    owner: InvoiceOwner,
    transaction_type: String,
    status: String,
    amount: i64,
    adjustments: Vec<(i64, Option<String>)>,
    title: Option<String>,
    appears_on_statement_as: Option<String>,
    funding_instrument_uri: Option<String>,
    items: Vec<ItemRec>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl InvoiceRec {
    fn total_adjustment_amount(&self) -> i64 {
        self.adjustments
            .iter()
            .fold(0i64, |sum, (a, _)| sum.saturating_add(*a))
    }

    fn effective_amount(&self) -> i64 {
        self.amount.saturating_add(self.total_adjustment_amount())
    }
}

#[derive(Debug, Clone)]
struct FailureRec {
    guid: String,
    error_message: String,
    error_number: i64,
    error_code: String,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct TransactionRec {
    guid: String,
    company_guid: String,
    invoice_guid: String,
    transaction_type: String,
    submit_status: String,
    status: Option<String>,
    amount: i64,
    funding_instrument_uri: Option<String>,
    processor_uri: Option<String>,
    appears_on_statement_as: Option<String>,
    failures: Vec<FailureRec>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct State {
    companies: Vec<CompanyRec>,
    customers: Vec<CustomerRec>,
    plans: Vec<PlanRec>,
    subscriptions: Vec<SubscriptionRec>,
    invoices: Vec<InvoiceRec>,
    transactions: Vec<TransactionRec>,
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn base58(len: usize) -> String {
    (0..len)
        .map(|_| char::from(BASE58[fastrand::usize(..BASE58.len())]))
        .collect()
}

fn new_guid(prefix: &str) -> String {
    format!("{prefix}{}", base58(22))
}

/// Billy's datetime format: microseconds unless zero, `+00:00`.
fn ts(t: &DateTime<Utc>) -> String {
    let format = if t.timestamp_subsec_micros() == 0 {
        chrono::SecondsFormat::Secs
    } else {
        chrono::SecondsFormat::Micros
    };
    t.to_rfc3339_opts(format, false)
}

fn ts_opt(t: &Option<DateTime<Utc>>) -> Value {
    t.as_ref().map_or(Value::Null, |t| json!(ts(t)))
}

// ---- JSON ----

impl State {
    fn new_company(&mut self, now: DateTime<Utc>) -> CompanyRec {
        CompanyRec {
            guid: new_guid("CP"),
            api_key: base58(44),
            created_at: now,
            updated_at: now,
        }
    }

    fn company_json(c: &CompanyRec) -> Value {
        json!({
            "api_key": c.api_key,
            "created_at": ts(&c.created_at),
            "guid": c.guid,
            "updated_at": ts(&c.updated_at),
        })
    }

    fn customer_json(c: &CustomerRec) -> Value {
        json!({
            "company_guid": c.company_guid,
            "created_at": ts(&c.created_at),
            "deleted": c.deleted,
            "guid": c.guid,
            "processor_uri": c.processor_uri,
            "updated_at": ts(&c.updated_at),
        })
    }

    fn plan_json(p: &PlanRec) -> Value {
        json!({
            "amount": p.amount,
            "company_guid": p.company_guid,
            "created_at": ts(&p.created_at),
            "deleted": p.deleted,
            "frequency": p.frequency,
            "guid": p.guid,
            "interval": p.interval,
            "plan_type": p.plan_type,
            "updated_at": ts(&p.updated_at),
        })
    }

    fn subscription_json(s: &SubscriptionRec) -> Value {
        json!({
            "amount": s.amount,
            "appears_on_statement_as": s.appears_on_statement_as,
            "canceled": s.canceled,
            "canceled_at": ts_opt(&s.canceled_at),
            "created_at": ts(&s.created_at),
            "customer_guid": s.customer_guid,
            "effective_amount": s.effective_amount,
            "funding_instrument_uri": s.funding_instrument_uri,
            "guid": s.guid,
            "invoice_count": s.invoice_count,
            "next_invoice_at": ts(&s.next_invoice_at),
            "plan_guid": s.plan_guid,
            "started_at": ts(&s.started_at),
            "updated_at": ts(&s.updated_at),
        })
    }

    fn invoice_json(i: &InvoiceRec) -> Value {
        let items: Vec<Value> = i
            .items
            .iter()
            .map(|it| {
                json!({
                    "amount": it.amount,
                    "name": it.name,
                    "quantity": it.quantity,
                    "type": it.item_type,
                    "unit": it.unit,
                    "volume": it.volume,
                })
            })
            .collect();
        let adjustments: Vec<Value> = i
            .adjustments
            .iter()
            .map(|(amount, reason)| json!({"amount": amount, "reason": reason}))
            .collect();
        let mut v = json!({
            "adjustments": adjustments,
            "amount": i.amount,
            "appears_on_statement_as": i.appears_on_statement_as,
            "created_at": ts(&i.created_at),
            "effective_amount": i.effective_amount(),
            "funding_instrument_uri": i.funding_instrument_uri,
            "guid": i.guid,
            "items": items,
            "status": i.status,
            "title": i.title,
            "total_adjustment_amount": i.total_adjustment_amount(),
            "transaction_type": i.transaction_type,
            "updated_at": ts(&i.updated_at),
        });
        if let Value::Object(map) = &mut v {
            match &i.owner {
                InvoiceOwner::Customer {
                    customer_guid,
                    external_id,
                } => {
                    map.insert("invoice_type".into(), json!("customer"));
                    map.insert("customer_guid".into(), json!(customer_guid));
                    map.insert("external_id".into(), json!(external_id));
                }
                InvoiceOwner::Subscription {
                    subscription_guid,
                    scheduled_at,
                } => {
                    map.insert("invoice_type".into(), json!("subscription"));
                    map.insert("subscription_guid".into(), json!(subscription_guid));
                    map.insert("scheduled_at".into(), json!(ts(scheduled_at)));
                }
            }
        }
        v
    }

    fn transaction_json(t: &TransactionRec) -> Value {
        let failures: Vec<Value> = t
            .failures
            .iter()
            .map(|f| {
                json!({
                    "created_at": ts(&f.created_at),
                    "error_code": f.error_code,
                    "error_message": f.error_message,
                    "error_number": f.error_number,
                    "guid": f.guid,
                })
            })
            .collect();
        json!({
            "amount": t.amount,
            "appears_on_statement_as": t.appears_on_statement_as,
            "created_at": ts(&t.created_at),
            "failure_count": t.failures.len(),
            "failures": failures,
            "funding_instrument_uri": t.funding_instrument_uri,
            "guid": t.guid,
            "invoice_guid": t.invoice_guid,
            "processor_uri": t.processor_uri,
            "status": t.status,
            "submit_status": t.submit_status,
            "transaction_type": t.transaction_type,
            "updated_at": ts(&t.updated_at),
        })
    }
}

// ---- responses in the real server's shapes ----

struct Page {
    status: u16,
    title: &'static str,
    explanation: &'static str,
}

const BAD_REQUEST: Page = Page {
    status: 400,
    title: "Bad Request",
    explanation: "The server could not comply with the request since it is either malformed or otherwise incorrect.",
};
const FORBIDDEN: Page = Page {
    status: 403,
    title: "Forbidden",
    explanation: "Access was denied to this resource.",
};
const NOT_FOUND: Page = Page {
    status: 404,
    title: "Not Found",
    explanation: "The resource could not be found.",
};

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Pyramid's error page: plain text, or HTML (detail escaped) when the
/// client's `Accept` mentions html or `*/*`.
fn pyramid(req: &SandboxRequest, page: Page, detail: &str) -> SandboxResponse {
    let accept = req.header("accept").unwrap_or("");
    let Page {
        status,
        title,
        explanation,
    } = page;
    if accept.contains("html") || accept.contains("*/*") {
        SandboxResponse::html(
            status,
            format!(
                "<html>\n <head>\n  <title>{status} {title}</title>\n </head>\n <body>\n  <h1>{status} {title}</h1>\n  {explanation}<br/><br/>\n{}\n\n\n </body>\n</html>",
                html_escape(detail)
            ),
        )
    } else {
        SandboxResponse::text(
            status,
            format!("{status} {title}\n\n{explanation}\n\n\n{detail}\n"),
        )
    }
}

fn form_errors(req: &SandboxRequest, errors: &[(&str, String)]) -> SandboxResponse {
    let mut lines = vec!["<ul>".to_owned()];
    let mut seen: Vec<&str> = Vec::new();
    for (field, _) in errors {
        if seen.contains(field) {
            continue;
        }
        seen.push(field);
        lines.push("    <li>".into());
        lines.push(format!("        {field}:<ul>"));
        for (_, msg) in errors.iter().filter(|(f, _)| f == field) {
            lines.push(format!("            <li>{msg}</li>"));
        }
        lines.push("        </ul>".into());
        lines.push("    </li>".into());
    }
    lines.push("</ul>".into());
    let detail = format!(
        "There are errors in following parameters: {}",
        lines.join("\n")
    );
    pyramid(req, BAD_REQUEST, &detail)
}

fn business(status: u16, class: &str, message: impl Into<String>) -> SandboxResponse {
    SandboxResponse::json(
        status,
        &json!({"error_class": class, "error_message": message.into()}),
    )
}

/// What waitress answers when the application raises.
fn crash() -> SandboxResponse {
    SandboxResponse::text(
        500,
        "Internal Server Error\n\nThe server encountered an unexpected internal server error\n\n(generated by waitress)",
    )
    .with_header("Connection", "close")
}

fn ok(value: Value) -> SandboxResponse {
    SandboxResponse::json(200, &value)
}

const REQUIRED: &str = "This field is required.";

// ---- input ----

/// `request.params`: the query, then a form body (a JSON body is ignored).
struct Params(Vec<(String, String)>);

impl Params {
    fn new(req: &SandboxRequest) -> Self {
        let mut pairs = req.query.clone();
        let is_form = req
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            pairs.extend(req.form());
        }
        Params(pairs)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty value (wtforms' `Optional` treats "" as absent).
    fn text(&self, key: &str) -> Option<String> {
        self.get(key)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
    }

    /// `<prefix><keyword><N>` groups, sorted by N (Billy's `parse_items`).
    fn numbered(&self, prefix: &str, keywords: &[&str]) -> Vec<Vec<(String, String)>> {
        let mut groups: std::collections::BTreeMap<i64, Vec<(String, String)>> =
            std::collections::BTreeMap::new();
        for (key, value) in &self.0 {
            for kw in keywords {
                let full = format!("{prefix}{kw}");
                if let Some(suffix) = key.strip_prefix(&full) {
                    if let Ok(n) = suffix.parse::<i64>() {
                        groups
                            .entry(n)
                            .or_default()
                            .push(((*kw).to_owned(), value.clone()));
                    }
                }
            }
        }
        groups.into_values().collect()
    }
}

/// Reads an integer the way wtforms' `IntegerField` does.
fn int_field(value: Option<&str>) -> Result<Option<i64>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| "Not a valid integer value".to_owned()),
    }
}

fn statement_errors(value: Option<&str>, errors: &mut Vec<(&'static str, String)>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        if !v.chars().all(crate::billy::is_statement_char) {
            errors.push(("appears_on_statement_as", "Invalid input.".into()));
        }
        if v.chars().count() > 18 {
            errors.push((
                "appears_on_statement_as",
                "Field cannot be longer than 18 characters.".into(),
            ));
        }
    }
}

fn paging(params: &Params) -> Option<(usize, usize)> {
    let offset = params
        .get("offset")
        .map_or(Ok(0), |v| v.trim().parse::<usize>());
    let limit = params
        .get("limit")
        .map_or(Ok(20), |v| v.trim().parse::<usize>());
    match (offset, limit) {
        (Ok(o), Ok(l)) => Some((o, l)),
        _ => None,
    }
}

fn list_page(params: &Params, newest_first: Vec<Value>) -> SandboxResponse {
    let Some((offset, limit)) = paging(params) else {
        return crash();
    };
    let items: Vec<Value> = newest_first.into_iter().skip(offset).take(limit).collect();
    ok(json!({"items": items, "limit": limit, "offset": offset}))
}

fn add_period(t: DateTime<Utc>, frequency: &str, interval: i64, n: i64) -> DateTime<Utc> {
    let steps = interval.saturating_mul(n).clamp(0, 100_000);
    let months = |m: i64| {
        t.checked_add_months(Months::new(u32::try_from(m).unwrap_or(u32::MAX)))
            .unwrap_or(t)
    };
    match frequency {
        "daily" => t
            .checked_add_signed(chrono::Duration::days(steps))
            .unwrap_or(t),
        "weekly" => t
            .checked_add_signed(chrono::Duration::weeks(steps))
            .unwrap_or(t),
        "yearly" => months(steps.saturating_mul(12)),
        _ => months(steps),
    }
}

// ---- the fake ----

struct BillyFake {
    state: Arc<Mutex<State>>,
}

impl BillyFake {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl FakeApi for BillyFake {
    fn handle(&self, req: &SandboxRequest) -> SandboxResponse {
        let mut state = self.lock();
        state.route(req, Utc::now())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Coll {
    Companies,
    Customers,
    Plans,
    Subscriptions,
    Invoices,
    Transactions,
}

impl Coll {
    fn parse(s: &str) -> Option<Coll> {
        Some(match s {
            "companies" => Coll::Companies,
            "customers" => Coll::Customers,
            "plans" => Coll::Plans,
            "subscriptions" => Coll::Subscriptions,
            "invoices" => Coll::Invoices,
            "transactions" => Coll::Transactions,
            _ => return None,
        })
    }

    fn entity(self) -> &'static str {
        match self {
            Coll::Companies => "company",
            Coll::Customers => "customer",
            Coll::Plans => "plan",
            Coll::Subscriptions => "subscription",
            Coll::Invoices => "invoice",
            Coll::Transactions => "transaction",
        }
    }

    fn view(self) -> &'static str {
        match self {
            Coll::Companies => "Company",
            Coll::Customers => "Customer",
            Coll::Plans => "Plan",
            Coll::Subscriptions => "Subscription",
            Coll::Invoices => "Invoice",
            Coll::Transactions => "Transaction",
        }
    }
}

fn allowed(coll: Coll, sub: Option<&str>, method: &Method, entity: bool) -> bool {
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    match (coll, entity, sub) {
        (Coll::Companies, false, None) => post,
        (Coll::Transactions, false, None) => get,
        (_, false, None) => get || post,
        (Coll::Companies | Coll::Subscriptions | Coll::Transactions, true, None) => get,
        (Coll::Customers | Coll::Plans, true, None) => get || *method == Method::DELETE,
        (Coll::Invoices, true, None) => get || *method == Method::PUT,
        (Coll::Customers, true, Some("invoices" | "subscriptions" | "transactions")) => get,
        (Coll::Plans, true, Some("customers" | "subscriptions" | "invoices" | "transactions")) => {
            get
        }
        (Coll::Subscriptions, true, Some("invoices" | "transactions")) => get,
        (Coll::Subscriptions, true, Some("cancel")) => post,
        (Coll::Invoices, true, Some("transactions")) => get,
        (Coll::Invoices, true, Some("refund" | "cancel")) => post,
        _ => false,
    }
}

impl State {
    fn owner_of(&self, coll: Coll, guid: &str) -> Option<String> {
        match coll {
            Coll::Companies => self
                .companies
                .iter()
                .find(|c| c.guid == guid)
                .map(|c| c.guid.clone()),
            Coll::Customers => self
                .customers
                .iter()
                .find(|c| c.guid == guid)
                .map(|c| c.company_guid.clone()),
            Coll::Plans => self
                .plans
                .iter()
                .find(|p| p.guid == guid)
                .map(|p| p.company_guid.clone()),
            Coll::Subscriptions => self
                .subscriptions
                .iter()
                .find(|s| s.guid == guid)
                .map(|s| s.company_guid.clone()),
            Coll::Invoices => self
                .invoices
                .iter()
                .find(|i| i.guid == guid)
                .map(|i| i.company_guid.clone()),
            Coll::Transactions => self
                .transactions
                .iter()
                .find(|t| t.guid == guid)
                .map(|t| t.company_guid.clone()),
        }
    }

    fn route(&mut self, req: &SandboxRequest, now: DateTime<Utc>) -> SandboxResponse {
        let segments = req.segments();
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        let params = Params::new(req);
        if segs.is_empty() {
            return if req.method == Method::GET {
                ok(json!({
                    "last_transaction_created_at": self.transactions.last().map(|t| ts(&t.created_at)),
                    "powered_by": "BalancedPayments.com",
                    "revision": "billkit-sandbox",
                    "server": "Billy - The recurring payment server",
                    "version": "1.1.3",
                }))
            } else {
                pyramid(req, NOT_FOUND, &req.path)
            };
        }
        let (coll, guid, sub) = match segs.as_slice() {
            ["v1", c] => (Coll::parse(c), None, None),
            ["v1", c, g] => (Coll::parse(c), Some(*g), None),
            ["v1", c, g, s] => (Coll::parse(c), Some(*g), Some(*s)),
            _ => (None, None, None),
        };
        let Some(coll) = coll else {
            return pyramid(req, NOT_FOUND, &req.path);
        };
        // Traversal finds the record before the view and its permission.
        let owner = match guid {
            Some(g) => match self.owner_of(coll, g) {
                Some(owner) => Some(owner),
                None => return pyramid(req, NOT_FOUND, &format!("No such {} {g}", coll.entity())),
            },
            None => None,
        };
        if !allowed(coll, sub, &req.method, guid.is_some()) {
            return pyramid(req, NOT_FOUND, &req.path);
        }
        if coll == Coll::Companies && guid.is_none() {
            return self.register(req, &params, now);
        }
        let denied = || {
            let kind = if guid.is_some() { "" } else { "Index" };
            pyramid(
                req,
                FORBIDDEN,
                &format!(
                    "Unauthorized: {}{kind}View failed permission check",
                    coll.view()
                ),
            )
        };
        let key = req.basic_user().unwrap_or_default();
        let Some(company) = self
            .companies
            .iter()
            .find(|c| !key.is_empty() && c.api_key == key)
            .map(|c| c.guid.clone())
        else {
            return denied();
        };
        if owner.as_ref().is_some_and(|o| *o != company) {
            return denied();
        }
        let method = &req.method;
        match (coll, guid, sub) {
            (_, None, _) if *method == Method::GET => self.list_index(coll, &company, &params),
            (Coll::Customers, None, _) => self.create_customer(&company, &params, now),
            (Coll::Plans, None, _) => self.create_plan(req, &company, &params, now),
            (Coll::Subscriptions, None, _) => self.create_subscription(req, &company, &params, now),
            (Coll::Invoices, None, _) => self.create_invoice(req, &company, &params, now),
            (_, Some(g), None) if *method == Method::GET => self.get(coll, g),
            (_, Some(g), None) if *method == Method::DELETE => self.delete(req, coll, g, now),
            (Coll::Invoices, Some(g), None) => self.update_invoice(req, g, &params, now),
            (Coll::Subscriptions, Some(g), Some("cancel")) => self.cancel_subscription(req, g, now),
            (Coll::Invoices, Some(g), Some("refund")) => self.refund(req, g, &params, now),
            (Coll::Invoices, Some(g), Some("cancel")) => self.cancel_invoice(g, now),
            (_, Some(g), Some(s)) => self.sub_list(coll, g, s, &params),
            _ => pyramid(req, NOT_FOUND, &req.path),
        }
    }

    fn register(
        &mut self,
        req: &SandboxRequest,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        if params.text("processor_key").is_none() {
            return form_errors(req, &[("processor_key", REQUIRED.into())]);
        }
        let company = self.new_company(now);
        let body = Self::company_json(&company);
        self.companies.push(company);
        ok(body)
    }

    fn get(&self, coll: Coll, guid: &str) -> SandboxResponse {
        let found = match coll {
            Coll::Companies => self
                .companies
                .iter()
                .find(|c| c.guid == guid)
                .map(Self::company_json),
            Coll::Customers => self
                .customers
                .iter()
                .find(|c| c.guid == guid)
                .map(Self::customer_json),
            Coll::Plans => self
                .plans
                .iter()
                .find(|c| c.guid == guid)
                .map(Self::plan_json),
            Coll::Subscriptions => self
                .subscriptions
                .iter()
                .find(|c| c.guid == guid)
                .map(Self::subscription_json),
            Coll::Invoices => self
                .invoices
                .iter()
                .find(|c| c.guid == guid)
                .map(Self::invoice_json),
            Coll::Transactions => self
                .transactions
                .iter()
                .find(|c| c.guid == guid)
                .map(Self::transaction_json),
        };
        found.map_or_else(crash, ok)
    }

    fn delete(
        &mut self,
        req: &SandboxRequest,
        coll: Coll,
        guid: &str,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        match coll {
            Coll::Customers => {
                let Some(c) = self.customers.iter_mut().find(|c| c.guid == guid) else {
                    return crash();
                };
                if c.deleted {
                    return pyramid(req, BAD_REQUEST, "The customer is already deleted");
                }
                c.deleted = true;
                c.updated_at = now;
                ok(Self::customer_json(c))
            }
            Coll::Plans => {
                let Some(p) = self.plans.iter_mut().find(|p| p.guid == guid) else {
                    return crash();
                };
                if p.deleted {
                    return pyramid(req, BAD_REQUEST, "The plan is already deleted");
                }
                p.deleted = true;
                p.updated_at = now;
                ok(Self::plan_json(p))
            }
            _ => pyramid(req, NOT_FOUND, &req.path),
        }
    }

    fn list_index(&self, coll: Coll, company: &str, params: &Params) -> SandboxResponse {
        let processor_uri = params.get("processor_uri");
        let external_id = params.get("external_id");
        let items: Vec<Value> = match coll {
            Coll::Customers => self
                .customers
                .iter()
                .rev()
                .filter(|c| c.company_guid == company)
                .filter(|c| processor_uri.is_none_or(|u| c.processor_uri.as_deref() == Some(u)))
                .map(Self::customer_json)
                .collect(),
            Coll::Plans => self
                .plans
                .iter()
                .rev()
                .filter(|p| p.company_guid == company)
                .map(Self::plan_json)
                .collect(),
            Coll::Subscriptions => self
                .subscriptions
                .iter()
                .rev()
                .filter(|s| s.company_guid == company)
                .map(Self::subscription_json)
                .collect(),
            Coll::Invoices => self
                .invoices
                .iter()
                .rev()
                .filter(|i| i.company_guid == company)
                .filter(|i| {
                    external_id.is_none_or(|id| {
                        matches!(&i.owner, InvoiceOwner::Customer { external_id: Some(e), .. } if e == id)
                    })
                })
                .map(Self::invoice_json)
                .collect(),
            Coll::Transactions => self
                .transactions
                .iter()
                .rev()
                .filter(|t| t.company_guid == company)
                .map(Self::transaction_json)
                .collect(),
            Coll::Companies => Vec::new(),
        };
        list_page(params, items)
    }

    fn transactions_of(&self, invoice_guids: &[String]) -> Vec<Value> {
        self.transactions
            .iter()
            .rev()
            .filter(|t| invoice_guids.contains(&t.invoice_guid))
            .map(Self::transaction_json)
            .collect()
    }

    fn sub_list(&self, coll: Coll, guid: &str, sub: &str, params: &Params) -> SandboxResponse {
        let invoice_guids = |pred: &dyn Fn(&InvoiceRec) -> bool| -> Vec<String> {
            self.invoices
                .iter()
                .filter(|i| pred(i))
                .map(|i| i.guid.clone())
                .collect()
        };
        let sub_guids_of_plan: Vec<String> = self
            .subscriptions
            .iter()
            .filter(|s| s.plan_guid == guid)
            .map(|s| s.guid.clone())
            .collect();
        let customer_invoice = |i: &InvoiceRec| matches!(&i.owner, InvoiceOwner::Customer { customer_guid, .. } if customer_guid == guid);
        let of_subscriptions = |subs: &[String], i: &InvoiceRec| matches!(&i.owner, InvoiceOwner::Subscription { subscription_guid, .. } if subs.contains(subscription_guid));
        let items: Vec<Value> = match (coll, sub) {
            (Coll::Customers, "invoices") => self
                .invoices
                .iter()
                .rev()
                .filter(|i| customer_invoice(i))
                .map(Self::invoice_json)
                .collect(),
            (Coll::Customers, "subscriptions") => self
                .subscriptions
                .iter()
                .rev()
                .filter(|s| s.customer_guid == guid)
                .map(Self::subscription_json)
                .collect(),
            (Coll::Customers, "transactions") => {
                self.transactions_of(&invoice_guids(&customer_invoice))
            }
            (Coll::Plans, "customers") => return self.plan_customers(guid, params),
            (Coll::Plans, "subscriptions") => self
                .subscriptions
                .iter()
                .rev()
                .filter(|s| s.plan_guid == guid)
                .map(Self::subscription_json)
                .collect(),
            (Coll::Plans, "invoices") => self
                .invoices
                .iter()
                .rev()
                .filter(|i| of_subscriptions(&sub_guids_of_plan, i))
                .map(Self::invoice_json)
                .collect(),
            (Coll::Plans, "transactions") => {
                self.transactions_of(&invoice_guids(&|i| of_subscriptions(&sub_guids_of_plan, i)))
            }
            (Coll::Subscriptions, "invoices") => {
                let subs = [guid.to_owned()];
                self.invoices
                    .iter()
                    .rev()
                    .filter(|i| of_subscriptions(&subs, i))
                    .map(Self::invoice_json)
                    .collect()
            }
            (Coll::Subscriptions, "transactions") => {
                let subs = [guid.to_owned()];
                self.transactions_of(&invoice_guids(&|i| of_subscriptions(&subs, i)))
            }
            (Coll::Invoices, "transactions") => self.transactions_of(&[guid.to_owned()]),
            _ => Vec::new(),
        };
        list_page(params, items)
    }

    /// The plan's customers: its subscriptions are paged first, then their
    /// customers de-duplicated, so a page may be short before the end.
    fn plan_customers(&self, plan_guid: &str, params: &Params) -> SandboxResponse {
        let Some((offset, limit)) = paging(params) else {
            return crash();
        };
        let mut items: Vec<Value> = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for s in self
            .subscriptions
            .iter()
            .rev()
            .filter(|s| s.plan_guid == plan_guid)
            .skip(offset)
            .take(limit)
        {
            if seen.contains(&s.customer_guid.as_str()) {
                continue;
            }
            seen.push(&s.customer_guid);
            if let Some(c) = self.customers.iter().find(|c| c.guid == s.customer_guid) {
                items.push(Self::customer_json(c));
            }
        }
        ok(json!({"items": items, "limit": limit, "offset": offset}))
    }

    fn create_customer(
        &mut self,
        company: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let c = CustomerRec {
            guid: new_guid("CU"),
            company_guid: company.to_owned(),
            processor_uri: params.text("processor_uri"),
            deleted: false,
            created_at: now,
            updated_at: now,
        };
        let body = Self::customer_json(&c);
        self.customers.push(c);
        ok(body)
    }

    fn create_plan(
        &mut self,
        req: &SandboxRequest,
        company: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let mut errors: Vec<(&str, String)> = Vec::new();
        let plan_type = params.text("plan_type");
        match plan_type.as_deref() {
            None => errors.push(("plan_type", REQUIRED.into())),
            Some("debit" | "credit") => {}
            Some(_) => errors.push((
                "plan_type",
                "Invalid value, must be one of: debit, credit.".into(),
            )),
        }
        let frequency = params.text("frequency");
        match frequency.as_deref() {
            None => errors.push(("frequency", REQUIRED.into())),
            Some("daily" | "weekly" | "monthly" | "yearly") => {}
            Some(_) => errors.push((
                "frequency",
                "Invalid value, must be one of: daily, weekly, monthly, yearly.".into(),
            )),
        }
        let amount = match int_field(params.get("amount")) {
            Ok(None) => {
                errors.push(("amount", REQUIRED.into()));
                None
            }
            Ok(Some(a)) if a < 50 => {
                errors.push(("amount", "Number must be at least 50.".into()));
                None
            }
            Ok(a) => a,
            Err(e) => {
                errors.push(("amount", e));
                None
            }
        };
        let interval = match int_field(params.get("interval")) {
            Ok(Some(i)) if i < 1 => {
                errors.push(("interval", "Number must be at least 1.".into()));
                1
            }
            Ok(i) => i.unwrap_or(1),
            Err(e) => {
                errors.push(("interval", e));
                1
            }
        };
        let (Some(plan_type), Some(frequency), Some(amount), true) =
            (plan_type, frequency, amount, errors.is_empty())
        else {
            return form_errors(req, &errors);
        };
        let p = PlanRec {
            guid: new_guid("PL"),
            company_guid: company.to_owned(),
            plan_type,
            frequency,
            amount,
            interval,
            deleted: false,
            created_at: now,
            updated_at: now,
        };
        let body = Self::plan_json(&p);
        self.plans.push(p);
        ok(body)
    }

    fn create_subscription(
        &mut self,
        req: &SandboxRequest,
        company: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let mut errors: Vec<(&str, String)> = Vec::new();
        let customer_guid = params.text("customer_guid");
        let customer = match &customer_guid {
            None => {
                errors.push(("customer_guid", REQUIRED.into()));
                None
            }
            Some(g) => {
                let c = self.customers.iter().find(|c| c.guid == *g).cloned();
                if c.is_none() {
                    errors.push(("customer_guid", format!("No such Customer record {g}")));
                }
                c
            }
        };
        let plan_guid = params.text("plan_guid");
        let plan = match &plan_guid {
            None => {
                errors.push(("plan_guid", REQUIRED.into()));
                None
            }
            Some(g) => {
                let p = self.plans.iter().find(|p| p.guid == *g).cloned();
                if p.is_none() {
                    errors.push(("plan_guid", format!("No such Plan record {g}")));
                }
                p
            }
        };
        let amount = match int_field(params.get("amount")) {
            Ok(Some(a)) if a < 50 => {
                errors.push(("amount", "Number must be at least 50.".into()));
                None
            }
            Ok(a) => a,
            Err(_) => return crash(),
        };
        let started_at = match params.text("started_at") {
            None => None,
            Some(text) => {
                // A bare date makes the real server fail.
                if !text.contains('T') {
                    return crash();
                }
                // iso8601 reads a datetime without offset as UTC.
                let parsed = crate::lenient::parse_timestamp(&text).or_else(|e| {
                    chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f")
                        .map(|n| n.and_utc())
                        .map_err(|_| e)
                });
                match parsed {
                    Ok(t) if t < now => {
                        errors.push((
                            "started_at",
                            format!("Datetime {} in the past is not allowed", t.naive_utc()),
                        ));
                        None
                    }
                    Ok(t) => Some(t),
                    Err(_) => {
                        errors.push(("started_at", format!("Invalid ISO8601 datetime {text}")));
                        None
                    }
                }
            }
        };
        statement_errors(params.get("appears_on_statement_as"), &mut errors);
        let (Some(customer), Some(plan), true) = (customer, plan, errors.is_empty()) else {
            return form_errors(req, &errors);
        };
        if customer.company_guid != company || plan.company_guid != company {
            return pyramid(
                req,
                FORBIDDEN,
                "Can only subscribe to your own plan with your own customer",
            );
        }
        if plan.deleted {
            return pyramid(req, BAD_REQUEST, "Cannot subscript to a deleted plan");
        }
        if customer.deleted {
            return pyramid(req, BAD_REQUEST, "Cannot subscript to a deleted customer");
        }
        let effective_amount = amount.unwrap_or(plan.amount);
        let start = started_at.unwrap_or(now);
        let sub = SubscriptionRec {
            guid: new_guid("SU"),
            company_guid: company.to_owned(),
            customer_guid: customer.guid.clone(),
            plan_guid: plan.guid.clone(),
            amount,
            effective_amount,
            funding_instrument_uri: params.text("funding_instrument_uri"),
            appears_on_statement_as: params.text("appears_on_statement_as"),
            invoice_count: 0,
            canceled: false,
            canceled_at: None,
            started_at: start,
            next_invoice_at: start,
            created_at: now,
            updated_at: now,
        };
        self.subscriptions.push(sub);
        let index = self.subscriptions.len() - 1;
        if started_at.is_none() {
            // Billed at once: the first period's invoice.
            self.bill_due(index, now);
        }
        self.subscriptions
            .get(index)
            .map(Self::subscription_json)
            .map_or_else(crash, ok)
    }

    /// Files (and charges) the invoices subscription `index` owes up to
    /// `now`, as Billy's scheduled processing does; returns how many.
    fn bill_due(&mut self, index: usize, now: DateTime<Utc>) -> usize {
        let mut filed = 0;
        loop {
            let Some(sub) = self.subscriptions.get(index) else {
                return filed;
            };
            if sub.canceled || sub.next_invoice_at > now || filed >= 1000 {
                return filed;
            }
            let Some(plan) = self.plans.iter().find(|p| p.guid == sub.plan_guid) else {
                return filed;
            };
            let (frequency, interval) = (plan.frequency.clone(), plan.interval);
            let invoice = InvoiceRec {
                guid: new_guid("IV"),
                company_guid: sub.company_guid.clone(),
                owner: InvoiceOwner::Subscription {
                    subscription_guid: sub.guid.clone(),
                    scheduled_at: sub.next_invoice_at,
                },
                transaction_type: plan.plan_type.clone(),
                status: "staged".into(),
                amount: sub.effective_amount,
                adjustments: Vec::new(),
                title: None,
                appears_on_statement_as: sub.appears_on_statement_as.clone(),
                funding_instrument_uri: sub.funding_instrument_uri.clone(),
                items: Vec::new(),
                created_at: now,
                updated_at: now,
            };
            self.invoices.push(invoice);
            let invoice_index = self.invoices.len() - 1;
            self.settle(invoice_index, now);
            if let Some(sub) = self.subscriptions.get_mut(index) {
                sub.invoice_count += 1;
                sub.next_invoice_at =
                    add_period(sub.started_at, &frequency, interval, sub.invoice_count);
                sub.updated_at = now;
            }
            filed += 1;
        }
    }

    fn bill_all_due(&mut self, now: DateTime<Utc>) -> usize {
        (0..self.subscriptions.len())
            .map(|i| self.bill_due(i, now))
            .sum()
    }

    /// Charges (or pays out) invoice `index` if it has an instrument and
    /// something to charge.
    fn settle(&mut self, index: usize, now: DateTime<Utc>) {
        let Some(invoice) = self.invoices.get_mut(index) else {
            return;
        };
        let Some(uri) = invoice.funding_instrument_uri.clone() else {
            invoice.status = "staged".into();
            return;
        };
        let amount = invoice.effective_amount();
        if amount <= 0 {
            invoice.status = "settled".into();
            invoice.updated_at = now;
            return;
        }
        let declined = uri.contains("declined");
        invoice.status = if declined { "failed" } else { "settled" }.into();
        invoice.updated_at = now;
        let kind = if invoice.transaction_type == "credit" {
            "credits"
        } else {
            "debits"
        };
        let tx = TransactionRec {
            guid: new_guid("TX"),
            company_guid: invoice.company_guid.clone(),
            invoice_guid: invoice.guid.clone(),
            transaction_type: invoice.transaction_type.clone(),
            submit_status: if declined { "failed" } else { "done" }.into(),
            status: Some(if declined { "failed" } else { "succeeded" }.into()),
            amount,
            funding_instrument_uri: Some(uri),
            processor_uri: (!declined)
                .then(|| format!("/v1/marketplaces/TEST-MPsandbox/{kind}/WD{}", base58(21))),
            appears_on_statement_as: invoice.appears_on_statement_as.clone(),
            failures: if declined {
                vec![FailureRec {
                    guid: new_guid("TF"),
                    error_message: "Card was declined".into(),
                    error_number: 402,
                    error_code: "card-declined".into(),
                    created_at: now,
                }]
            } else {
                Vec::new()
            },
            created_at: now,
            updated_at: now,
        };
        self.transactions.push(tx);
    }

    fn create_invoice(
        &mut self,
        req: &SandboxRequest,
        company: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let mut errors: Vec<(&str, String)> = Vec::new();
        let customer = match params.text("customer_guid") {
            None => {
                errors.push(("customer_guid", REQUIRED.into()));
                None
            }
            Some(g) => {
                let c = self.customers.iter().find(|c| c.guid == g).cloned();
                if c.is_none() {
                    errors.push(("customer_guid", format!("No such Customer record {g}")));
                }
                c
            }
        };
        let amount = match int_field(params.get("amount")) {
            Ok(None) => {
                errors.push(("amount", REQUIRED.into()));
                None
            }
            Ok(Some(a)) if a < 0 => {
                errors.push(("amount", "Number must be at least 0.".into()));
                None
            }
            Ok(a) => a,
            Err(e) => {
                errors.push(("amount", e));
                None
            }
        };
        let title = params.text("title");
        if title.as_ref().is_some_and(|t| t.chars().count() > 128) {
            errors.push((
                "title",
                "Field cannot be longer than 128 characters.".into(),
            ));
        }
        statement_errors(params.get("appears_on_statement_as"), &mut errors);
        let (Some(customer), Some(amount), true) = (customer, amount, errors.is_empty()) else {
            return form_errors(req, &errors);
        };
        // Items and adjustments: a missing name or amount, or a non-integer
        // number, makes the real server crash.
        let mut items = Vec::new();
        for group in params.numbered(
            "item_",
            &["type", "name", "volume", "amount", "unit", "quantity"],
        ) {
            let mut item = ItemRec::default();
            for (kw, value) in group {
                let number = || value.trim().parse::<i64>().ok();
                match kw.as_str() {
                    "name" => item.name = Some(value.clone()),
                    "type" => item.item_type = Some(value.clone()),
                    "unit" => item.unit = Some(value.clone()),
                    "amount" => match number() {
                        Some(n) => item.amount = Some(n),
                        None => return crash(),
                    },
                    "quantity" => match number() {
                        Some(n) => item.quantity = Some(n),
                        None => return crash(),
                    },
                    "volume" => match number() {
                        Some(n) => item.volume = Some(n),
                        None => return crash(),
                    },
                    _ => {}
                }
            }
            if item.name.is_none() || item.amount.is_none() {
                return crash();
            }
            items.push(item);
        }
        let mut adjustments = Vec::new();
        for group in params.numbered("adjustment_", &["amount", "reason"]) {
            let mut amount = None;
            let mut reason = None;
            for (kw, value) in group {
                if kw == "amount" {
                    match value.trim().parse::<i64>() {
                        Ok(n) => amount = Some(n),
                        Err(_) => return crash(),
                    }
                } else {
                    reason = Some(value);
                }
            }
            let Some(amount) = amount else {
                return crash();
            };
            adjustments.push((amount, reason));
        }
        if customer.company_guid != company {
            return pyramid(
                req,
                FORBIDDEN,
                "Can only create an invoice for your own customer",
            );
        }
        if customer.deleted {
            return pyramid(
                req,
                BAD_REQUEST,
                "Cannot create an invoice for a deleted customer",
            );
        }
        let external_id = params.text("external_id");
        if let Some(id) = &external_id {
            let taken = self.invoices.iter().any(|i| {
                matches!(&i.owner, InvoiceOwner::Customer { customer_guid, external_id: Some(e) }
                    if *customer_guid == customer.guid && e == id)
            });
            if taken {
                return business(
                    409,
                    "DuplicateExternalIDError",
                    format!(
                        "Invoice with external_id {id} already exists for customer {}",
                        customer.guid
                    ),
                );
            }
        }
        let invoice = InvoiceRec {
            guid: new_guid("IV"),
            company_guid: company.to_owned(),
            owner: InvoiceOwner::Customer {
                customer_guid: customer.guid.clone(),
                external_id,
            },
            transaction_type: "debit".into(),
            status: "staged".into(),
            amount,
            adjustments,
            title,
            appears_on_statement_as: params.text("appears_on_statement_as"),
            funding_instrument_uri: params.text("funding_instrument_uri"),
            items,
            created_at: now,
            updated_at: now,
        };
        self.invoices.push(invoice);
        let index = self.invoices.len() - 1;
        self.settle(index, now);
        self.invoices
            .get(index)
            .map(Self::invoice_json)
            .map_or_else(crash, ok)
    }

    fn invoice_index(&self, guid: &str) -> Option<usize> {
        self.invoices.iter().position(|i| i.guid == guid)
    }

    fn update_invoice(
        &mut self,
        req: &SandboxRequest,
        guid: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let Some(index) = self.invoice_index(guid) else {
            return crash();
        };
        let Some(uri) = params.text("funding_instrument_uri") else {
            return form_errors(req, &[("funding_instrument_uri", REQUIRED.into())]);
        };
        let Some(invoice) = self.invoices.get_mut(index) else {
            return crash();
        };
        if invoice.status == "settled" || invoice.status == "canceled" {
            return business(
                400,
                "InvalidOperationError",
                format!(
                    "Invalid operation, you can only update funding_instrument_uri of a staged, processing or failed invoice, this one is {}",
                    invoice.status
                ),
            );
        }
        invoice.funding_instrument_uri = Some(uri);
        invoice.updated_at = now;
        self.settle(index, now);
        self.invoices
            .get(index)
            .map(Self::invoice_json)
            .map_or_else(crash, ok)
    }

    fn refund(
        &mut self,
        req: &SandboxRequest,
        guid: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let amount = match int_field(params.get("amount")) {
            Ok(None) => return form_errors(req, &[("amount", REQUIRED.into())]),
            Ok(Some(a)) if a < 0 => {
                return form_errors(req, &[("amount", "Number must be at least 0.".into())])
            }
            Ok(Some(a)) => a,
            Err(e) => return form_errors(req, &[("amount", e)]),
        };
        let Some(index) = self.invoice_index(guid) else {
            return crash();
        };
        let refunded: i64 = self
            .transactions
            .iter()
            .filter(|t| {
                t.invoice_guid == guid
                    && (t.transaction_type == "refund" || t.transaction_type == "reverse")
            })
            .fold(0i64, |sum, t| sum.saturating_add(t.amount));
        let Some(invoice) = self.invoices.get_mut(index) else {
            return crash();
        };
        if invoice.status != "settled" {
            return business(
                400,
                "InvalidOperationError",
                "You can only refund a settled invoice",
            );
        }
        if refunded.saturating_add(amount) > invoice.effective_amount() {
            return business(
                400,
                "InvalidOperationError",
                format!(
                    "Refund total amount {} exceeds the invoice effective amount {}",
                    refunded.saturating_add(amount),
                    invoice.effective_amount()
                ),
            );
        }
        invoice.updated_at = now;
        let kind = if invoice.transaction_type == "credit" {
            "reverse"
        } else {
            "refund"
        };
        let tx = TransactionRec {
            guid: new_guid("TX"),
            company_guid: invoice.company_guid.clone(),
            invoice_guid: invoice.guid.clone(),
            transaction_type: kind.into(),
            submit_status: "done".into(),
            status: Some("succeeded".into()),
            amount,
            funding_instrument_uri: invoice.funding_instrument_uri.clone(),
            processor_uri: Some(format!(
                "/v1/marketplaces/TEST-MPsandbox/refunds/RF{}",
                base58(21)
            )),
            appears_on_statement_as: invoice.appears_on_statement_as.clone(),
            failures: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        let body = Self::invoice_json(invoice);
        self.transactions.push(tx);
        ok(body)
    }

    fn cancel_invoice(&mut self, guid: &str, now: DateTime<Utc>) -> SandboxResponse {
        let Some(invoice) = self.invoices.iter_mut().find(|i| i.guid == guid) else {
            return crash();
        };
        if !matches!(invoice.status.as_str(), "staged" | "processing" | "failed") {
            return business(
                400,
                "InvalidOperationError",
                format!(
                    "Invalid operation, you can only cancel a staged, processing or failed invoice, this one is {}",
                    invoice.status
                ),
            );
        }
        invoice.status = "canceled".into();
        invoice.updated_at = now;
        let body = Self::invoice_json(invoice);
        for t in self
            .transactions
            .iter_mut()
            .filter(|t| t.invoice_guid == guid)
        {
            if t.submit_status == "staged" || t.submit_status == "retrying" {
                t.submit_status = "canceled".into();
                t.updated_at = now;
            }
        }
        ok(body)
    }

    fn cancel_subscription(
        &mut self,
        req: &SandboxRequest,
        guid: &str,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let Some(sub) = self.subscriptions.iter_mut().find(|s| s.guid == guid) else {
            return crash();
        };
        if sub.canceled {
            return pyramid(req, BAD_REQUEST, "Cannot cancel a canceled subscription");
        }
        sub.canceled = true;
        sub.canceled_at = Some(now);
        sub.updated_at = now;
        ok(Self::subscription_json(sub))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_keep_microseconds_unless_zero() {
        let t = crate::lenient::parse_timestamp("2026-11-21T12:01:12.654086Z").unwrap();
        assert_eq!(ts(&t), "2026-11-21T12:01:12.654086+00:00");
        let t = crate::lenient::parse_timestamp("2030-01-31T18:00:00Z").unwrap();
        assert_eq!(ts(&t), "2030-01-31T18:00:00+00:00");
    }

    #[test]
    fn periods() {
        let t = crate::lenient::parse_timestamp("2013-01-30T00:00:00Z").unwrap();
        assert_eq!(
            ts(&add_period(t, "monthly", 1, 1)),
            "2013-02-28T00:00:00+00:00"
        );
        assert_eq!(
            ts(&add_period(t, "weekly", 2, 1)),
            "2013-02-13T00:00:00+00:00"
        );
        assert_eq!(
            ts(&add_period(t, "yearly", 1, 1)),
            "2014-01-30T00:00:00+00:00"
        );
        assert_eq!(
            ts(&add_period(t, "daily", 3, 1)),
            "2013-02-02T00:00:00+00:00"
        );
    }
}
