//! A stateful, in-process fake of the Billy API (v1.1.3), recorded
//! against the real server.
//!
//! [`BillySandbox::start`] serves every Billy endpoint on `127.0.0.1` and
//! answers as Billy 1.1.3 does — its warts and bugs included, because a
//! fake kinder than the server hides the defects a client must handle.
//! `scripts/billy-conformance` runs one scenario against this fake and a
//! real server and diffs the answers (ids and times masked).
//!
//! - Every success is `200` with pretty-printed JSON (4-space indent,
//!   sorted keys, non-ASCII escaped), `Content-Type: application/json`;
//!   datetimes are ISO 8601 with `+00:00`, microseconds unless zero.
//! - Input is read only from the query and a form body: a JSON body is
//!   ignored. Form reports list the fields in the order Python 2's `dict`
//!   iterates them, with wtforms 1.0.5's messages (an invalid `plan_type`
//!   or an `amount` of 0 on a plan is "This field is required.").
//! - Errors: `403` plain text `Unauthorized: PlanIndexView failed
//!   permission check`; `404` `No such plan PL...`, the path for an unknown
//!   path, `predicate mismatch for view ...` (or nothing) for a wrong
//!   method; `400` form reports and view checks in plain text (Pyramid's
//!   HTML page when `Accept` mentions `html` or `*/*`); `400`/`409` JSON
//!   `{error_class, error_message}`; `500` from "waitress" where the real
//!   server crashes (an item without its amount, a bare date as
//!   `started_at`, a non-integer `offset`/`limit`, a filter the list does
//!   not know, refunding an invoice with no settled debit).
//! - Money warts kept: an invoice whose adjustments take it below zero is
//!   charged a *succeeded debit of a negative amount*; an invoice of amount
//!   0 is settled whatever its adjustments. Canceling any invoice cancels
//!   every running charge of every invoice (Billy's query has no filter).
//! - `plans/{guid}/customers` pages over one row per subscription and
//!   de-duplicates only within a page, so a customer comes back on several
//!   pages and pages are short before the end.
//! - The payment processor acts like the local test server's scripted
//!   processor: a funding instrument URI containing `INVALID` is refused
//!   (`400` `InvalidFundingInstrument`); one containing `FAIL` or
//!   `DECLINED` fails each charge (the transaction is `retrying` with a
//!   failure record, the invoice stays `processing`; after 10 retries, made
//!   by [`BillySandbox::bill_due_subscriptions`], it is `failed`). Others
//!   succeed with `MOCK_DEBIT_TX_URI`-style processor URIs.
//! - One company is seeded ([`BillySandbox::api_key`]); more can be
//!   registered with any non-empty processor key.
//!
//! Use it in an application's tests:
//!
//! ```
//! use billkit::billy::{Frequency, NewPlan, PlanType};
//! use billkit_sandbox::billy::BillySandbox;
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

mod companies;
mod customers;
mod form;
mod invoices;
mod plans;
mod subscriptions;
mod tamper;
mod transactions;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{FakeApi, FakeServer, Method, SandboxClock, SandboxRequest, SandboxResponse};
use companies::CompanyRec;
use customers::CustomerRec;
use invoices::InvoiceRec;
use plans::PlanRec;
use subscriptions::SubscriptionRec;
use transactions::TransactionRec;

/// Billy's sandbox: a [`FakeServer`] with a seeded company.
pub struct BillySandbox {
    server: FakeServer,
    state: Arc<Mutex<State>>,
    clock: SandboxClock,
    company_guid: billkit::billy::CompanyGuid,
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

/// The seeded company's GUID: the same in every run, so a script or a
/// saved state can name it.
pub const SEED_COMPANY_GUID: &str = "CPSandboxSeededCompany7B";

/// The seeded company's API key (44 base58 characters, like the keys
/// Billy makes): the same in every run, as the other fakes' tokens are.
/// Companies registered through the API get random keys.
pub const SEED_API_KEY: &str = "SandboxBiLLyApiKeyForTheSeededCompany7Acme8x";

impl BillySandbox {
    /// Starts the fake on an ephemeral loopback port. Needs a tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(crate::LOOPBACK_ANY_PORT, SandboxClock::new()).await
    }

    /// Starts the fake on `addr` (port 0 for any free one), living in
    /// `clock`'s time. A port in use is an error that names it.
    pub async fn start_with(addr: SocketAddr, clock: SandboxClock) -> std::io::Result<Self> {
        // A constant, so always a valid GUID; a failure here is a bug in
        // the fake, reported rather than panicked on.
        let company_guid =
            billkit::billy::CompanyGuid::new(SEED_COMPANY_GUID).map_err(std::io::Error::other)?;
        let state = Arc::new(Mutex::new(State::seeded(clock.now())));
        let server = FakeServer::start_with(
            addr,
            clock.clone(),
            BillyFake {
                state: state.clone(),
                clock: clock.clone(),
            },
        )
        .await?;
        Ok(BillySandbox {
            server,
            state,
            clock,
            company_guid,
        })
    }

    /// The clock the fake reads its time from.
    pub fn clock(&self) -> SandboxClock {
        self.clock.clone()
    }

    /// The requests received, redacted (shorthand for `server().journal()`).
    pub fn journal(&self) -> &crate::Journal {
        self.server.journal()
    }

    /// The whole state (companies and their keys, customers, plans,
    /// subscriptions, invoices, transactions) as JSON, for
    /// [`restore`](Self::restore) in this or a later run.
    pub fn snapshot(&self) -> serde_json::Value {
        crate::persist::snapshot(&*self.lock())
    }

    /// Replaces the state with one from [`snapshot`](Self::snapshot); a
    /// document of another shape is refused and the state left as it was.
    /// The seeded credentials work when the document holds the seeded
    /// company, as every snapshot does.
    pub fn restore(&self, document: &serde_json::Value) -> Result<(), crate::StateError> {
        let loaded: State = crate::persist::restore(document, "billy")?;
        *self.lock() = loaded;
        Ok(())
    }

    /// Returns to the seeded company alone, as just started.
    pub fn reset(&self) {
        *self.lock() = State::seeded(self.clock.now());
    }

    /// [`bill_due_subscriptions`](Self::bill_due_subscriptions) at the
    /// clock's time. Returns how many invoices were filed.
    pub fn run_due(&self) -> usize {
        self.bill_due_subscriptions(self.clock.now())
    }

    /// A function that snapshots this fake's state, for a hook that
    /// outlives the borrow of `self`.
    #[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
    pub(crate) fn snapshotter(&self) -> impl Fn() -> Value + Send + Sync + 'static {
        let state = self.state.clone();
        move || crate::persist::snapshot(&*state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The base URL to give [`ClientBuilder::base_url`](billkit::billy::ClientBuilder::base_url).
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// The seeded company's API key ([`SEED_API_KEY`]).
    pub fn api_key(&self) -> &str {
        SEED_API_KEY
    }

    /// The seeded company's GUID.
    pub fn company_guid(&self) -> billkit::billy::CompanyGuid {
        self.company_guid.clone()
    }

    /// A processor key for [`Client::register_company`](billkit::billy::Client::register_company).
    pub fn processor_key(&self) -> String {
        PROCESSOR_KEY.to_owned()
    }

    /// A client builder for the seeded company, with the URL and API key
    /// set: add what your test needs (`manual_time`, `retry`,
    /// `attempt_timeout`, ...) and `build()`.
    pub fn client_builder(&self) -> billkit::billy::ClientBuilder {
        billkit::billy::Client::builder()
            .base_url(self.base_url())
            .api_key(self.api_key())
    }

    /// A client for the seeded company, default settings.
    pub fn client(&self) -> billkit::Result<billkit::billy::Client> {
        self.client_builder().build()
    }

    /// The fault injector (shorthand for `server().faults()`).
    pub fn faults(&self) -> &crate::Faults {
        self.server.faults()
    }

    /// Does what the real server's scheduled processing (`billy-process`)
    /// does at `now`: files (and charges) every invoice the subscriptions
    /// owe up to `now`, and retries the charges that failed. Returns how
    /// many invoices were filed. Use it to move a subscription with a
    /// future `started_at`, or into its next period, in a test.
    pub fn bill_due_subscriptions(&self, now: DateTime<Utc>) -> usize {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let filed = state.bill_all_due(now);
        state.retry_running(now);
        filed
    }

    /// The HTTP server, for fault injection and counters.
    pub fn server(&self) -> &FakeServer {
        &self.server
    }
}

// ---- state ----

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct State {
    companies: Vec<CompanyRec>,
    customers: Vec<CustomerRec>,
    plans: Vec<PlanRec>,
    subscriptions: Vec<SubscriptionRec>,
    invoices: Vec<InvoiceRec>,
    transactions: Vec<TransactionRec>,
}

impl State {
    /// The seeded company alone.
    fn seeded(now: DateTime<Utc>) -> Self {
        State {
            companies: vec![CompanyRec {
                guid: SEED_COMPANY_GUID.to_owned(),
                api_key: SEED_API_KEY.to_owned(),
                created_at: now,
                updated_at: now,
            }],
            ..State::default()
        }
    }
}

/// Whether `document` loads as this fake's state, without applying it.
#[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
pub(crate) fn check_state(document: &Value) -> Result<(), crate::StateError> {
    crate::persist::restore::<State>(document, "billy").map(|_| ())
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn base58(len: usize) -> String {
    (0..len)
        .map(|_| char::from(BASE58[fastrand::usize(..BASE58.len())]))
        .collect()
}

/// Billy's `prefix + b58encode(uuid1().bytes)`: 22 characters after the
/// prefix (21 when the UUID's first byte is small).
fn new_guid(prefix: &str) -> String {
    format!("{prefix}{}", base58(22))
}

/// Python's `datetime.isoformat()` of a UTC time: microseconds unless zero.
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

/// Python's `str(datetime)` of a UTC time (`2026-11-28 22:29:00+00:00`).
fn py_str(t: &DateTime<Utc>) -> String {
    ts(t).replacen('T', " ", 1)
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

fn response(status: u16, content_type: &str, body: String) -> SandboxResponse {
    SandboxResponse {
        status,
        headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
        body: body.into_bytes(),
    }
}

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
        response(
            status,
            "text/html; charset=UTF-8",
            format!(
                "<html>\n <head>\n  <title>{status} {title}</title>\n </head>\n <body>\n  <h1>{status} {title}</h1>\n  {explanation}<br/><br/>\n{}\n\n\n </body>\n</html>",
                html_escape(detail)
            ),
        )
    } else {
        response(
            status,
            "text/plain; charset=UTF-8",
            format!("{status} {title}\n\n{explanation}\n\n\n{detail}\n\n"),
        )
    }
}

/// Billy's JSON renderer: `json.dumps(v, sort_keys=True, indent=4,
/// separators=(',', ': '))`, so non-ASCII is escaped as `\uXXXX`.
fn render(value: &Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    let sorted = sort_keys(value);
    if serde::Serialize::serialize(&sorted, &mut ser).is_err() {
        return "null".to_owned();
    }
    let text = String::from_utf8_lossy(&out);
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() && c != '\x7f' {
            escaped.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    escaped
}

/// A copy with object keys in sorted order (whatever map serde_json uses).
fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

fn ok(value: Value) -> SandboxResponse {
    response(200, "application/json", render(&value))
}

/// A `BillyError` as Billy's error view renders it.
fn billy_error(status: u16, class: &str, message: impl Into<String>) -> SandboxResponse {
    response(
        status,
        "application/json",
        render(&json!({"error_class": class, "error_message": message.into()})),
    )
}

fn invalid_operation(message: impl Into<String>) -> SandboxResponse {
    billy_error(400, "InvalidOperationError", message)
}

/// What waitress answers when the application raises.
fn crash() -> SandboxResponse {
    response(
        500,
        "text/plain",
        "Internal Server Error\r\n\r\nThe server encountered an unexpected internal server error\r\n\r\n(generated by waitress)".to_owned(),
    )
    .with_header("Connection", "close")
}

// ---- input ----

/// `request.params`: the query, then a form body (a JSON body is ignored).
struct Params(Vec<(String, String)>);

impl Params {
    fn new(req: &SandboxRequest) -> Self {
        let mut pairs = req.query.clone();
        // webob reads a body as a form when it says so, or says nothing.
        let is_form = req.header("content-type").is_none_or(|ct| {
            ct.is_empty()
                || ct.starts_with("application/x-www-form-urlencoded")
                || ct.starts_with("multipart/form-data")
        });
        if is_form && !req.body.is_empty() {
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

    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A value that is present and not blank (what `if not x: x = None`
    /// leaves after wtforms' `Optional`).
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
                if let Some(suffix) = key.strip_prefix(&full)
                    && let Some(n) = form::py_int(suffix)
                {
                    let group = groups.entry(n).or_default();
                    if !group.iter().any(|(k, _)| k == kw) {
                        group.push(((*kw).to_owned(), value.clone()));
                    }
                }
            }
        }
        groups.into_values().collect()
    }
}

/// `offset` and `limit` as `int()` reads them; `None` makes Billy crash.
fn paging(params: &Params) -> Option<(i64, i64)> {
    let offset = params.get("offset").map_or(Some(0), form::py_int)?;
    let limit = params.get("limit").map_or(Some(20), form::py_int)?;
    Some((offset, limit))
}

/// SQLite's `LIMIT`/`OFFSET`: a negative offset is 0, a negative limit
/// none.
fn window<T>(rows: Vec<T>, offset: i64, limit: i64) -> Vec<T> {
    let skip = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    rows.into_iter().skip(skip).take(take).collect()
}

fn page_of(items: Vec<Value>, offset: i64, limit: i64) -> SandboxResponse {
    ok(json!({"items": window(items, offset, limit), "limit": limit, "offset": offset}))
}

// ---- the fake ----

struct BillyFake {
    state: Arc<Mutex<State>>,
    clock: SandboxClock,
}

impl FakeApi for BillyFake {
    fn handle(&self, req: &SandboxRequest) -> SandboxResponse {
        let mut state: MutexGuard<'_, State> = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.route(req, self.clock.now())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
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

/// The view a request reaches, as Pyramid picks it.
enum Route {
    /// The view, and whether it needs a key.
    View { authenticated: bool },
    /// No view for this method: 404 with this detail.
    Mismatch(String),
}

/// Pyramid's view lookup: one view per (context, name); a single-method
/// view names its methods in the 404, a multi-method one says nothing;
/// the named sub-lists answer any method.
fn route(coll: Coll, entity: bool, name: Option<&str>, method: &Method) -> Option<Route> {
    let get = *method == Method::GET || *method == Method::HEAD;
    let post = *method == Method::POST;
    let single = |view: String, ok: bool, methods: &str| {
        if ok {
            Route::View {
                authenticated: true,
            }
        } else {
            Route::Mismatch(format!(
                "predicate mismatch for view {view} (request_method = {methods})"
            ))
        }
    };
    let multi = |ok: bool| {
        if ok {
            Route::View {
                authenticated: true,
            }
        } else {
            Route::Mismatch(String::new())
        }
    };
    let view = coll.view();
    Some(match (coll, entity, name) {
        (Coll::Companies, false, None) => match single(format!("{view}IndexView"), post, "POST") {
            Route::View { .. } => Route::View {
                authenticated: false,
            },
            other => other,
        },
        (Coll::Transactions, false, None) => single(format!("{view}IndexView"), get, "GET,HEAD"),
        (_, false, None) => multi(get || post),
        (Coll::Companies | Coll::Subscriptions | Coll::Transactions, true, None) => {
            single(format!("{view}View"), get, "GET,HEAD")
        }
        (Coll::Customers | Coll::Plans, true, None) => multi(get || *method == Method::DELETE),
        (Coll::Invoices, true, None) => multi(get || *method == Method::PUT),
        (Coll::Customers, true, Some("invoices" | "subscriptions" | "transactions"))
        | (Coll::Plans, true, Some("customers" | "subscriptions" | "invoices" | "transactions"))
        | (Coll::Subscriptions, true, Some("invoices" | "transactions"))
        | (Coll::Invoices, true, Some("transactions")) => Route::View {
            authenticated: true,
        },
        (Coll::Subscriptions, true, Some("cancel"))
        | (Coll::Invoices, true, Some("refund" | "cancel")) => {
            single(format!("{view}View"), post, "POST")
        }
        _ => return None,
    })
}

impl State {
    fn owner_of(&self, coll: Coll, guid: &str) -> Option<String> {
        match coll {
            Coll::Companies => self.company(guid).map(|c| c.guid.clone()),
            Coll::Customers => self.customer(guid).map(|c| c.company_guid.clone()),
            Coll::Plans => self.plan(guid).map(|p| p.company_guid.clone()),
            Coll::Subscriptions => self.subscription(guid).map(|s| s.company_guid.clone()),
            Coll::Invoices => self.invoice(guid).map(|i| i.company_guid.clone()),
            Coll::Transactions => self.transaction(guid).map(|t| t.company_guid.clone()),
        }
    }

    fn route(&mut self, req: &SandboxRequest, now: DateTime<Utc>) -> SandboxResponse {
        let segments = req.segments();
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        let params = Params::new(req);
        if segs.is_empty() {
            return if req.method == Method::GET || req.method == Method::HEAD {
                self.server_info()
            } else {
                pyramid(
                    req,
                    NOT_FOUND,
                    "predicate mismatch for view server_info (request_method = GET,HEAD)",
                )
            };
        }
        let (coll, guid, name) = match segs.as_slice() {
            ["v1", c] => (Coll::parse(c), None, None),
            ["v1", c, g] => (Coll::parse(c), Some(*g), None),
            ["v1", c, g, n] => (Coll::parse(c), Some(*g), Some(*n)),
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
        let authenticated = match route(coll, guid.is_some(), name, &req.method) {
            None => return pyramid(req, NOT_FOUND, &req.path),
            Some(Route::Mismatch(detail)) => return pyramid(req, NOT_FOUND, &detail),
            Some(Route::View { authenticated }) => authenticated,
        };
        if !authenticated {
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
        let get = *method == Method::GET || *method == Method::HEAD;
        match (coll, guid, name) {
            (_, None, _) if get => self.list_index(coll, &company, &params),
            (Coll::Customers, None, _) => self.create_customer(&company, &params, now),
            (Coll::Plans, None, _) => self.create_plan(req, &company, &params, now),
            (Coll::Subscriptions, None, _) => self.create_subscription(req, &company, &params, now),
            (Coll::Invoices, None, _) => self.create_invoice(req, &company, &params, now),
            (_, Some(g), None) if get => self.get(coll, g),
            (Coll::Customers, Some(g), None) => self.delete_customer(req, g),
            (Coll::Plans, Some(g), None) => self.delete_plan(req, g),
            (Coll::Invoices, Some(g), None) => self.update_invoice(req, g, &params, now),
            (Coll::Subscriptions, Some(g), Some("cancel")) => self.cancel_subscription(req, g, now),
            (Coll::Invoices, Some(g), Some("refund")) => self.refund(req, g, &params, now),
            (Coll::Invoices, Some(g), Some("cancel")) => self.cancel_invoice(g, now),
            (_, Some(g), Some(n)) => self.sub_list(coll, g, n, &params),
            _ => pyramid(req, NOT_FOUND, &req.path),
        }
    }

    fn server_info(&self) -> SandboxResponse {
        let last = self.transactions.iter().map(|t| t.created_at).max();
        ok(json!({
            "last_transaction_created_at": ts_opt(&last),
            "powered_by": "BalancedPayments.com",
            "revision": null,
            "server": "Billy - The recurring payment server",
            "version": "1.1.3",
        }))
    }

    fn get(&self, coll: Coll, guid: &str) -> SandboxResponse {
        let found = match coll {
            Coll::Companies => self.company(guid).map(CompanyRec::to_json),
            Coll::Customers => self.customer(guid).map(CustomerRec::to_json),
            Coll::Plans => self.plan(guid).map(PlanRec::to_json),
            Coll::Subscriptions => self.subscription(guid).map(SubscriptionRec::to_json),
            Coll::Invoices => self.invoice(guid).map(InvoiceRec::to_json),
            Coll::Transactions => self.transaction(guid).map(TransactionRec::to_json),
        };
        found.map_or_else(crash, ok)
    }

    /// `GET /v1/<collection>`: the company's records, newest first.
    fn list_index(&self, coll: Coll, company: &str, params: &Params) -> SandboxResponse {
        // `list_by_context` hands these filters to any model; the models
        // that do not take them raise.
        if (params.has("external_id") && coll != Coll::Invoices)
            || (params.has("processor_uri") && coll != Coll::Customers)
        {
            return crash();
        }
        let Some((offset, limit)) = paging(params) else {
            return crash();
        };
        let items = match coll {
            Coll::Customers => self.company_customers(company, params.get("processor_uri")),
            Coll::Plans => self.company_plans(company),
            Coll::Subscriptions => self.company_subscriptions(company),
            Coll::Invoices => self.company_invoices(company, params.get("external_id")),
            Coll::Transactions => self.company_transactions(company),
            Coll::Companies => Vec::new(),
        };
        page_of(items, offset, limit)
    }

    /// `GET /v1/<collection>/<guid>/<name>`.
    fn sub_list(&self, coll: Coll, guid: &str, name: &str, params: &Params) -> SandboxResponse {
        let model = match name {
            "customers" => Coll::Customers,
            "subscriptions" => Coll::Subscriptions,
            "invoices" => Coll::Invoices,
            _ => Coll::Transactions,
        };
        if (params.has("external_id") && model != Coll::Invoices)
            || (params.has("processor_uri") && model != Coll::Customers)
        {
            return crash();
        }
        let Some((offset, limit)) = paging(params) else {
            return crash();
        };
        if (coll, model) == (Coll::Plans, Coll::Customers) {
            return self.plan_customers(guid, params.get("processor_uri"), offset, limit);
        }
        let external_id = params.get("external_id");
        // Billy 1.1.3's query joins the invoice table to itself here and
        // SQLAlchemy refuses it: a 500, whatever the value.
        if coll == Coll::Customers && model == Coll::Invoices && external_id.is_some() {
            return crash();
        }
        let items = match (coll, model) {
            (Coll::Customers, Coll::Invoices) => self.customer_invoices(guid, external_id),
            (Coll::Customers, Coll::Subscriptions) => self.customer_subscriptions(guid),
            (Coll::Customers, _) => self.customer_transactions(guid),
            (Coll::Plans, Coll::Subscriptions) => self.plan_subscriptions(guid),
            (Coll::Plans, Coll::Invoices) => self.plan_invoices(guid, external_id),
            (Coll::Plans, _) => self.plan_transactions(guid),
            (Coll::Subscriptions, Coll::Invoices) => self.subscription_invoices(guid, external_id),
            (Coll::Subscriptions, _) => self.subscription_transactions(guid),
            (Coll::Invoices, _) => self.invoice_transactions(guid),
            _ => Vec::new(),
        };
        page_of(items, offset, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_keep_microseconds_unless_zero() {
        let t = crate::time::parse_timestamp("2026-11-21T12:01:12.654086Z").unwrap();
        assert_eq!(ts(&t), "2026-11-21T12:01:12.654086+00:00");
        assert_eq!(py_str(&t), "2026-11-21 12:01:12.654086+00:00");
        let t = crate::time::parse_timestamp("2030-01-31T18:00:00Z").unwrap();
        assert_eq!(ts(&t), "2030-01-31T18:00:00+00:00");
    }

    #[test]
    fn json_is_rendered_as_python_renders_it() {
        let v = json!({"b": [], "a": {"y": "é", "x": 1}, "c": [1, null]});
        assert_eq!(
            render(&v),
            "{\n    \"a\": {\n        \"x\": 1,\n        \"y\": \"\\u00e9\"\n    },\n    \"b\": [],\n    \"c\": [\n        1,\n        null\n    ]\n}"
        );
    }

    #[test]
    fn windows_follow_sqlite() {
        let rows = vec![1, 2, 3];
        assert_eq!(window(rows.clone(), -1, 20), [1, 2, 3]);
        assert_eq!(window(rows.clone(), 1, -1), [2, 3]);
        assert_eq!(window(rows, 0, 0), Vec::<i32>::new());
    }
}
