//! A stateful, in-memory fake of Billmora's REST API.
//!
//! [`BillmoraSandbox::start`] serves every endpoint of `/api/v1` (users,
//! services, invoices, orders, tickets, packages, catalogs, variants,
//! registrants, TLDs) and the public `POST /api/domains/check` on
//! `127.0.0.1`, behaving like a Billmora installation:
//!
//! - single resources wrapped in `{"data": ...}`, lists paginated with
//!   Laravel's `{data, links, meta}` (`per_page` default 15; the `links`
//!   drop filters and `per_page`, as the real server's do);
//! - 401 `Unauthenticated.` without a valid token, 403 when the token lacks
//!   the ability (`invoices.view`, ...) or is used from an IP not on its
//!   allow list ([`BillmoraSandbox::add_ip_restricted_token`]), 404 `No query results for model
//!   ...` for unknown ids (answered before the rate limiter, without rate
//!   headers), 405 for wrong methods, 422 with Laravel's `{message, errors}`
//!   map, and the server's 500s for requests it cannot handle (a package
//!   without `slug`, an order without the `coupon` key, invoices and orders
//!   of a user deleted through the API: users are soft-deleted);
//! - a per-token rate limit (60 requests per minute unless changed with
//!   [`BillmoraSandbox::set_rate_limit`]) with `X-RateLimit-Limit` /
//!   `X-RateLimit-Remaining` on every limited answer and 429 +
//!   `Retry-After` when over;
//! - totals computed by the server from the items, invoices moving between
//!   `unpaid` and `paid` (`paid_at`, `amount_due`), orders creating their
//!   services, domains and invoice, order statuses setting
//!   `completed_at` / `cancelled_at`.
//!
//! Seed data: a wildcard (`*`) token ([`BillmoraSandbox::token`]), a user
//! with one unpaid invoice (USD 10.00), the `Web Hosting` catalog with the
//! `Starter` package and its monthly and yearly prices, a `Memory` variant,
//! and the `com` TLD with prices; the ids are the `SEED_*` constants.
//!
//! Use it in an application's tests:
//!
//! ```no_run
//! use billkit::billmora::{Client, InvoiceStatus, NewInvoice};
//! use billkit::sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};
//! use billkit::Decimal;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = BillmoraSandbox::start().await?;
//! let client = Client::builder()
//!     .base_url(sandbox.base_url())
//!     .token(sandbox.token())
//!     .build()?;
//! let due = chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
//! let invoice = client
//!     .invoices()
//!     .create(&NewInvoice::new(SEED_USER_ID, due).item("Hosting", 1, Decimal::new(1000, 2)))
//!     .await?;
//! assert_eq!(invoice.status, InvoiceStatus::Unpaid);
//! // Over-quota behaviour, for a rate-limit test:
//! sandbox.set_rate_limit(2);
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Map, Value};

use super::{FakeApi, FakeServer, Method, SandboxRequest, SandboxResponse};

/// The seeded user's id.
pub const SEED_USER_ID: u64 = 1;
/// The seeded catalog's id (`Web Hosting`).
pub const SEED_CATALOG_ID: u64 = 1;
/// The seeded package's id (`Starter`).
pub const SEED_PACKAGE_ID: u64 = 1;
/// The seeded package's monthly price id (USD 10.00 + 5.00 setup; EUR 9.50),
/// the `billing_id` of an order line.
pub const SEED_MONTHLY_PRICE_ID: u64 = 1;
/// The seeded package's yearly price id (USD 100.00).
pub const SEED_YEARLY_PRICE_ID: u64 = 2;
/// The seeded variant's id (`Memory`).
pub const SEED_VARIANT_ID: u64 = 1;
/// The seeded unpaid invoice's id (USD 10.00, for [`SEED_USER_ID`]).
pub const SEED_INVOICE_ID: u64 = 1;
/// The seeded TLD's id (`com`, USD 12.99 a year).
pub const SEED_TLD_ID: u64 = 1;
/// The quota of a token unless changed: 60 requests per minute.
pub const DEFAULT_RATE_LIMIT: u32 = 60;

const WILDCARD_TOKEN: &str = "1|billmoraSandboxWildcardToken0000000000000";
const WINDOW: Duration = Duration::from_secs(60);
const CURRENCIES: [&str; 2] = ["USD", "EUR"];

/// A running Billmora fake. Stops when dropped.
#[derive(Debug)]
pub struct BillmoraSandbox {
    server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl BillmoraSandbox {
    /// Starts the fake on an ephemeral loopback port, with the seed data.
    /// Needs a tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(State::seeded()));
        let server = FakeServer::start(BillmoraFake {
            state: state.clone(),
        })
        .await?;
        Ok(BillmoraSandbox { server, state })
    }

    /// The API base URL (`http://127.0.0.1:PORT/api/v1`), ready for
    /// [`ClientBuilder::base_url`](crate::billmora::ClientBuilder::base_url).
    pub fn base_url(&self) -> String {
        format!("{}/api/v1", self.server.url())
    }

    /// The installation's root URL (`http://127.0.0.1:PORT`).
    pub fn installation_url(&self) -> String {
        self.server.url()
    }

    /// The seeded token with the wildcard `*` ability (it may do anything,
    /// creating and updating orders included).
    pub fn token(&self) -> String {
        WILDCARD_TOKEN.to_owned()
    }

    /// Issues another token with only these abilities (e.g.
    /// `["invoices.view"]`) and the current quota.
    pub fn add_token(&self, abilities: &[&str]) -> String {
        let mut s = lock(&self.state);
        s.next_token += 1;
        let token = format!("{}|billmoraSandboxToken{:020}", s.next_token, s.next_token);
        let limit = s.rate_limit;
        s.tokens.insert(
            token.clone(),
            TokenState::new(abilities.iter().map(|a| (*a).to_owned()).collect(), limit),
        );
        token
    }

    /// Issues a token with these abilities that may only be used from
    /// `allowed_ips`. Requests reach the sandbox from `127.0.0.1`, so a list
    /// without that address makes every call a 403 "Your IP address is not
    /// allowed to use this token.".
    pub fn add_ip_restricted_token(&self, abilities: &[&str], allowed_ips: &[&str]) -> String {
        let token = self.add_token(abilities);
        if let Some(t) = lock(&self.state).tokens.get_mut(&token) {
            t.allowed_ips = Some(allowed_ips.iter().map(|ip| (*ip).to_owned()).collect());
        }
        token
    }

    /// Sets the quota (requests per minute) of every token, current and
    /// future; `0` is taken as 1.
    pub fn set_rate_limit(&self, per_minute: u32) {
        let mut s = lock(&self.state);
        s.rate_limit = per_minute.max(1);
        let limit = s.rate_limit;
        for t in s.tokens.values_mut() {
            t.limit = limit;
        }
    }

    /// Starts a fresh rate-limit window for every token.
    pub fn reset_rate_limits(&self) {
        let mut s = lock(&self.state);
        for t in s.tokens.values_mut() {
            t.used = 0;
            t.window_start = Instant::now();
        }
    }

    /// The underlying server (fault injection, request count).
    pub fn server(&self) -> &FakeServer {
        &self.server
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

struct BillmoraFake {
    state: Arc<Mutex<State>>,
}

impl FakeApi for BillmoraFake {
    fn handle(&self, request: &SandboxRequest) -> SandboxResponse {
        lock(&self.state).handle(request)
    }
}

// ---- model ----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    User,
    Service,
    Invoice,
    Order,
    Ticket,
    Package,
    Catalog,
    Variant,
    Registrant,
    Tld,
}

impl Kind {
    const ALL: [Kind; 10] = [
        Kind::User,
        Kind::Service,
        Kind::Invoice,
        Kind::Order,
        Kind::Ticket,
        Kind::Package,
        Kind::Catalog,
        Kind::Variant,
        Kind::Registrant,
        Kind::Tld,
    ];

    fn route(self) -> &'static str {
        match self {
            Kind::User => "users",
            Kind::Service => "services",
            Kind::Invoice => "invoices",
            Kind::Order => "orders",
            Kind::Ticket => "tickets",
            Kind::Package => "packages",
            Kind::Catalog => "catalogs",
            Kind::Variant => "variants",
            Kind::Registrant => "registrants",
            Kind::Tld => "tlds",
        }
    }

    fn model(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Service => "Service",
            Kind::Invoice => "Invoice",
            Kind::Order => "Order",
            Kind::Ticket => "Ticket",
            Kind::Package => "Package",
            Kind::Catalog => "Catalog",
            Kind::Variant => "Variant",
            Kind::Registrant => "Registrant",
            Kind::Tld => "Tld",
        }
    }

    fn deleted(self) -> &'static str {
        match self {
            Kind::User => "User deleted successfully.",
            Kind::Service => "Service deleted successfully.",
            Kind::Invoice => "Invoice deleted successfully.",
            Kind::Order => "Order deleted successfully.",
            Kind::Ticket => "Ticket deleted successfully.",
            Kind::Package => "Package deleted successfully.",
            Kind::Catalog => "Catalog deleted successfully.",
            Kind::Variant => "Variant deleted successfully.",
            Kind::Registrant => "Registrant deleted successfully.",
            Kind::Tld => "TLD deleted successfully.",
        }
    }

    fn can_create(self) -> bool {
        !matches!(self, Kind::Service | Kind::Registrant)
    }

    /// Newest first, or by `sort_order` then id.
    fn sorted_by_order(self) -> bool {
        matches!(
            self,
            Kind::Package | Kind::Catalog | Kind::Variant | Kind::Tld
        )
    }

    fn filters_user(self) -> bool {
        matches!(
            self,
            Kind::Service | Kind::Invoice | Kind::Order | Kind::Ticket | Kind::Registrant
        )
    }

    fn search_fields(self) -> &'static [&'static str] {
        match self {
            Kind::User => &["first_name", "last_name", "email"],
            Kind::Service => &["service_number", "name"],
            Kind::Invoice => &["invoice_number"],
            Kind::Order => &["order_number"],
            Kind::Ticket => &["ticket_number", "subject"],
            Kind::Package | Kind::Catalog | Kind::Variant => &["name"],
            Kind::Registrant => &["domain", "registrant_number"],
            Kind::Tld => &["tld"],
        }
    }
}

type Record = Map<String, Value>;

/// An invoice line: description, quantity, unit price, service, registrant.
type InvoiceLine = (String, u64, Decimal, Option<u64>, Option<u64>);

#[derive(Debug)]
struct TokenState {
    abilities: Vec<String>,
    /// IPs the token may be used from; `None` for any.
    allowed_ips: Option<Vec<String>>,
    limit: u32,
    used: u32,
    window_start: Instant,
}

impl TokenState {
    fn new(abilities: Vec<String>, limit: u32) -> Self {
        TokenState {
            abilities,
            allowed_ips: None,
            limit,
            used: 0,
            window_start: Instant::now(),
        }
    }

    fn can(&self, ability: &str) -> bool {
        self.abilities.iter().any(|a| a == "*" || a == ability)
    }
}

#[derive(Debug)]
struct State {
    tokens: HashMap<String, TokenState>,
    next_token: u64,
    rate_limit: u32,
    tables: BTreeMap<Kind, BTreeMap<u64, Record>>,
    next_id: BTreeMap<Kind, u64>,
    next_child_id: u64,
}

fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// A decimal as MySQL's `decimal(…,2)` column sends it: `"10.00"`.
fn money(d: Decimal) -> String {
    let mut d = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    d.rescale(2);
    d.to_string()
}

/// `a × b`, saturating instead of overflowing (absurd amounts must not
/// crash the fake).
fn mul(a: Decimal, b: Decimal) -> Decimal {
    a.checked_mul(b)
        .unwrap_or(if a.is_sign_negative() != b.is_sign_negative() {
            Decimal::MIN
        } else {
            Decimal::MAX
        })
}

/// `a + b`, saturating.
fn add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b).unwrap_or(if a.is_sign_negative() {
        Decimal::MIN
    } else {
        Decimal::MAX
    })
}

/// A decimal as PHP's float: a JSON number.
fn float(d: Decimal) -> Value {
    let text = money(d);
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn dec(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::Number(n) => {
            let t = n.to_string();
            if t.contains(['e', 'E']) {
                Decimal::from_scientific(&t).ok()
            } else {
                Decimal::from_str(&t).ok()
            }
        }
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

fn rec_dec(r: &Record, key: &str) -> Decimal {
    dec(r.get(key)).unwrap_or(Decimal::ZERO)
}

fn rec_u64(r: &Record, key: &str) -> Option<u64> {
    r.get(key).and_then(Value::as_u64)
}

fn obj(v: Value) -> Record {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl State {
    fn seeded() -> Self {
        let mut s = State {
            tokens: HashMap::new(),
            next_token: 1,
            rate_limit: DEFAULT_RATE_LIMIT,
            tables: Kind::ALL.iter().map(|k| (*k, BTreeMap::new())).collect(),
            next_id: Kind::ALL.iter().map(|k| (*k, 1)).collect(),
            next_child_id: 1,
        };
        s.tokens.insert(
            WILDCARD_TOKEN.to_owned(),
            TokenState::new(vec!["*".to_owned()], DEFAULT_RATE_LIMIT),
        );
        let t = now();
        s.insert(
            Kind::User,
            obj(json!({
                "first_name": "Sandbox", "last_name": "Customer", "fullname": "Sandbox Customer",
                "email": "customer@example.com", "status": "active", "currency": null,
                "language": "en_US", "auto_credit_payment": false, "email_verified_at": t,
                "created_at": t, "updated_at": t
            })),
        );
        s.insert(
            Kind::Catalog,
            obj(json!({
                "name": "Web Hosting", "slug": "web-hosting", "description": "Shared hosting plans",
                "icon": null, "status": "visible", "sort_order": 0, "created_at": t, "updated_at": t
            })),
        );
        let monthly = json!({
            "id": SEED_MONTHLY_PRICE_ID, "name": "Monthly", "type": "recurring", "billing_period": "monthly",
            "billing_interval": null, "enabled": null,
            "rates": {
                "USD": {"currency": "USD", "price": "10.00", "setup_fee": "5.00", "enabled": true},
                "EUR": {"currency": "EUR", "price": "9.50", "setup_fee": "0.00", "enabled": true}
            }
        });
        let yearly = json!({
            "id": SEED_YEARLY_PRICE_ID, "name": "Yearly", "type": "recurring", "billing_period": "yearly",
            "billing_interval": null, "enabled": null,
            "rates": {"USD": {"currency": "USD", "price": "100.00", "setup_fee": "0.00", "enabled": true}}
        });
        s.next_child_id = 3;
        let options = json!([
            {"id": s.child_id(), "name": "2 GB", "value": "2048",
             "prices": [{"id": s.child_id(), "rates": {"USD": {"currency": "USD", "price": "0.00", "setup_fee": "0.00", "enabled": true}}}]},
            {"id": s.child_id(), "name": "4 GB", "value": "4096",
             "prices": [{"id": s.child_id(), "rates": {"USD": {"currency": "USD", "price": "5.00", "setup_fee": "0.00", "enabled": true}}}]}
        ]);
        s.insert(
            Kind::Variant,
            obj(json!({
                "name": "Memory", "code": "memory", "status": "visible", "is_scalable": true,
                "sort_order": 0, "_options": options, "created_at": t, "updated_at": t
            })),
        );
        s.insert(
            Kind::Package,
            obj(json!({
                "name": "Starter", "slug": "starter", "description": "1 site, 10 GB SSD", "icon": null,
                "status": "visible", "stock": -1, "per_user_limit": -1, "allow_cancellation": true,
                "allow_quantity": "single", "prorata_day": null, "prorata_next_month_day": null,
                "auto_provision": false, "sort_order": 0, "plugin_id": null, "provisioning_config": [],
                "_catalog_id": SEED_CATALOG_ID, "_prices": [monthly, yearly], "_variant_ids": [SEED_VARIANT_ID],
                "created_at": t, "updated_at": t
            })),
        );
        let tld_price = json!([{"id": s.child_id(), "currency": "USD", "register_price": "12.99",
                                 "renew_price": "14.99", "transfer_price": "9.99"}]);
        s.insert(
            Kind::Tld,
            obj(json!({
                "tld": "com", "status": "visible", "plugin_id": null, "min_years": 1, "max_years": 10,
                "grace_period_days": 30, "redemption_period_days": 30, "sort_order": 0, "auto_renew": null,
                "_prices": tld_price, "created_at": t, "updated_at": t
            })),
        );
        let due = date_to_iso(&chrono::Utc::now().format("%Y-%m-%d").to_string());
        s.add_invoice(
            Some(SEED_USER_ID),
            None,
            "USD",
            "unpaid",
            &due,
            &[(
                "Starter - monthly".to_owned(),
                1,
                Decimal::new(1000, 2),
                None,
                None,
            )],
        );
        s
    }

    fn child_id(&mut self) -> u64 {
        let id = self.next_child_id;
        self.next_child_id += 1;
        id
    }

    fn table(&self, kind: Kind) -> Option<&BTreeMap<u64, Record>> {
        self.tables.get(&kind)
    }

    fn table_mut(&mut self, kind: Kind) -> &mut BTreeMap<u64, Record> {
        self.tables.entry(kind).or_default()
    }

    /// A live record (soft-deleted users are gone).
    fn get(&self, kind: Kind, id: u64) -> Option<&Record> {
        self.table(kind)?.get(&id).filter(|r| !is_trashed(r))
    }

    /// Whether `record` belongs to a soft-deleted user: rendering its
    /// `user` then fails on the real server (a 500).
    fn owner_trashed(&self, record: &Record) -> bool {
        rec_u64(record, "_user_id")
            .and_then(|id| self.table(Kind::User)?.get(&id))
            .is_some_and(is_trashed)
    }

    fn exists(&self, kind: Kind, id: Option<u64>) -> bool {
        id.is_some_and(|id| self.get(kind, id).is_some())
    }

    fn insert(&mut self, kind: Kind, mut record: Record) -> u64 {
        let next = self.next_id.entry(kind).or_insert(1);
        let id = *next;
        *next += 1;
        record.insert("id".into(), json!(id));
        self.table_mut(kind).insert(id, record);
        id
    }

    // ---- request pipeline -------------------------------------------------

    fn handle(&mut self, req: &SandboxRequest) -> SandboxResponse {
        let segs = req.segments();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        match segs.as_slice() {
            ["api", "domains", "check"] => {
                if req.method != Method::POST {
                    return method_not_allowed(req, "POST");
                }
                self.domain_check(req)
            }
            ["api", "gateways", _plugin, "webhook"] => {
                // Inbound payment-gateway callbacks: accepted and ignored.
                if req.method != Method::POST {
                    return method_not_allowed(req, "POST");
                }
                SandboxResponse::json(200, &json!({"success": true}))
            }
            ["api", "v1", resource, rest @ ..] if rest.len() <= 1 => {
                let Some(kind) = Kind::ALL.iter().copied().find(|k| k.route() == *resource) else {
                    return not_found_route(req);
                };
                self.api(req, kind, rest.first().copied())
            }
            _ => not_found_route(req),
        }
    }

    fn api(&mut self, req: &SandboxRequest, kind: Kind, id: Option<&str>) -> SandboxResponse {
        // Routing (404 / 405) comes first, as in Laravel.
        let allowed = match id {
            None if kind.can_create() => "GET, HEAD, POST",
            None => "GET, HEAD",
            Some(_) => "GET, HEAD, PUT, DELETE",
        };
        let method = req.method.as_str();
        let routed =
            method == "GET" || method == "HEAD" || allowed.split(", ").any(|m| m == method);
        if !routed {
            return method_not_allowed(req, allowed);
        }
        let wants_json = req.header("accept").is_some_and(|a| a.contains("json"));

        // auth:sanctum
        let Some(token) = req.bearer_token().filter(|t| self.tokens.contains_key(t)) else {
            if !wants_json {
                return SandboxResponse::html(302, redirect_page("/login"))
                    .with_header("Location", "/login");
            }
            return message(401, "Unauthenticated.");
        };

        // The token's IP allow list (callers are always on loopback).
        let ip_ok = self
            .tokens
            .get(&token)
            .and_then(|t| t.allowed_ips.as_ref())
            .is_none_or(|ips| ips.iter().any(|ip| ip == "127.0.0.1"));
        if !ip_ok {
            return message(403, "Your IP address is not allowed to use this token.");
        }

        // Abilities.
        let action = match method {
            "GET" | "HEAD" => "view",
            "POST" => "create",
            "PUT" => "update",
            _ => "delete",
        };
        let ability = format!("{}.{action}", kind.route());
        if !self.tokens.get(&token).is_some_and(|t| t.can(&ability)) {
            return message(
                403,
                &format!("This token does not have the required permission: {ability}"),
            );
        }

        // Route-model binding: unknown ids are 404 before the limiter.
        let id = match id {
            None => None,
            Some(text) => match text
                .parse::<u64>()
                .ok()
                .filter(|i| self.get(kind, *i).is_some())
            {
                Some(i) => Some(i),
                None => {
                    return message(
                        404,
                        &format!(
                            "No query results for model [App\\Models\\{}] {text}",
                            kind.model()
                        ),
                    )
                }
            },
        };

        // Per-token rate limit.
        let (limit, remaining) = match self.tokens.get_mut(&token) {
            Some(t) => {
                let now = Instant::now();
                if now.duration_since(t.window_start) >= WINDOW {
                    t.window_start = now;
                    t.used = 0;
                }
                if t.used >= t.limit {
                    let left = WINDOW.saturating_sub(now.duration_since(t.window_start));
                    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                    return message(429, "Too many requests. Please try again later.")
                        .with_header("Retry-After", secs.max(1).to_string())
                        .with_header("X-RateLimit-Limit", t.limit.to_string())
                        .with_header("X-RateLimit-Remaining", "0");
                }
                t.used += 1;
                (t.limit, t.limit - t.used)
            }
            None => (self.rate_limit, self.rate_limit),
        };

        let body = match req.json() {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let mut response = match (method, id) {
            ("GET" | "HEAD", None) => self.list(req, kind),
            ("GET" | "HEAD", Some(id)) => self.show(kind, id),
            ("POST", None) => self.create(kind, &body),
            ("PUT", Some(id)) => self.update(kind, id, &body),
            ("DELETE", Some(id)) => self.delete(kind, id),
            _ => method_not_allowed(req, allowed),
        };
        if response.status == 422 && !wants_json {
            response = SandboxResponse::html(302, redirect_page("/")).with_header("Location", "/");
        }
        response
            .with_header("X-RateLimit-Limit", limit.to_string())
            .with_header("X-RateLimit-Remaining", remaining.to_string())
    }

    // ---- rendering ------------------------------------------------------------

    fn render(&self, kind: Kind, record: &Record, full: bool) -> Value {
        let mut out: Record = record
            .iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let user = || {
            rec_u64(record, "_user_id")
                .and_then(|id| self.get(Kind::User, id))
                .map(|u| self.render(Kind::User, u, false))
        };
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(v) = value {
                out.insert(key.to_owned(), v);
            }
        };
        match kind {
            Kind::User | Kind::Catalog if !full => {}
            Kind::User => {}
            Kind::Catalog => {
                let packages: Vec<Value> = self
                    .sorted(Kind::Package)
                    .into_iter()
                    .filter(|p| rec_u64(p, "_catalog_id") == rec_u64(record, "id"))
                    .map(|p| self.render(Kind::Package, p, false))
                    .collect();
                put("packages", Some(Value::Array(packages)));
            }
            Kind::Service => {
                put("user", user());
                let package = rec_u64(record, "_package_id")
                    .and_then(|id| self.get(Kind::Package, id))
                    .map(|p| self.render(Kind::Package, p, false));
                put("package", package);
                put(
                    "scalings",
                    Some(record.get("_scalings").cloned().unwrap_or(json!([]))),
                );
            }
            Kind::Invoice => {
                put("user", user());
                if full {
                    put(
                        "items",
                        Some(record.get("_items").cloned().unwrap_or(json!([]))),
                    );
                }
            }
            Kind::Order => {
                put("user", user());
                if full {
                    put(
                        "items",
                        Some(record.get("_items").cloned().unwrap_or(json!([]))),
                    );
                    let oid = rec_u64(record, "id");
                    let children = |k: Kind| -> Value {
                        Value::Array(
                            self.table(k)
                                .into_iter()
                                .flat_map(|t| t.values())
                                .filter(|r| !is_trashed(r))
                                .filter(|r| rec_u64(r, "_order_id") == oid)
                                .map(|r| self.bare(r))
                                .collect(),
                        )
                    };
                    put("services", Some(children(Kind::Service)));
                    put("registrants", Some(children(Kind::Registrant)));
                    put("invoices", Some(children(Kind::Invoice)));
                }
            }
            Kind::Ticket => {
                put("user", user());
                if full {
                    let messages: Vec<Value> = record
                        .get("_messages")
                        .and_then(Value::as_array)
                        .map(|msgs| {
                            msgs.iter()
                                .map(|m| {
                                    let mut m = obj(m.clone());
                                    let author = m
                                        .remove("_user_id")
                                        .and_then(|v| v.as_u64())
                                        .and_then(|id| self.get(Kind::User, id))
                                        .map_or(Value::Null, |u| self.render(Kind::User, u, false));
                                    m.insert("user".into(), author);
                                    Value::Object(m)
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    put("messages", Some(Value::Array(messages)));
                }
            }
            Kind::Package => {
                let catalog = rec_u64(record, "_catalog_id")
                    .and_then(|id| self.get(Kind::Catalog, id))
                    .map(|c| self.render(Kind::Catalog, c, false));
                put("catalog", catalog);
                if full {
                    put(
                        "prices",
                        Some(record.get("_prices").cloned().unwrap_or(json!([]))),
                    );
                    let variants: Vec<Value> = record
                        .get("_variant_ids")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_u64)
                        .filter_map(|id| self.get(Kind::Variant, id))
                        .map(|v| self.render(Kind::Variant, v, true))
                        .collect();
                    put("variants", Some(Value::Array(variants)));
                }
            }
            Kind::Variant => {
                put(
                    "options",
                    Some(record.get("_options").cloned().unwrap_or(json!([]))),
                );
                out.remove("sort_order");
            }
            Kind::Registrant => {
                put("user", user());
                let tld = rec_u64(record, "_tld_id")
                    .and_then(|id| self.get(Kind::Tld, id))
                    .map(|t| self.render(Kind::Tld, t, false));
                put("tld", tld);
            }
            Kind::Tld => {
                if full {
                    put(
                        "prices",
                        Some(record.get("_prices").cloned().unwrap_or(json!([]))),
                    );
                }
            }
        }
        Value::Object(out)
    }

    /// A record without any relation (as nested in another resource).
    fn bare(&self, record: &Record) -> Value {
        Value::Object(
            record
                .iter()
                .filter(|(k, _)| !k.starts_with('_'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    fn sorted(&self, kind: Kind) -> Vec<&Record> {
        let mut rows: Vec<&Record> = self
            .table(kind)
            .into_iter()
            .flat_map(|t| t.values())
            .collect();
        if kind.sorted_by_order() {
            rows.sort_by_key(|r| {
                (
                    r.get("sort_order").and_then(Value::as_i64).unwrap_or(0),
                    rec_u64(r, "id").unwrap_or(0),
                )
            });
        } else {
            rows.sort_by_key(|r| std::cmp::Reverse(rec_u64(r, "id").unwrap_or(0)));
        }
        rows
    }

    fn list(&self, req: &SandboxRequest, kind: Kind) -> SandboxResponse {
        let non_empty = |k: &str| req.query_value(k).map(str::trim).filter(|v| !v.is_empty());
        let status = non_empty("status");
        let priority = non_empty("priority").filter(|_| kind == Kind::Ticket);
        let user_id = non_empty("user_id").filter(|_| kind.filters_user());
        let search = non_empty("search").map(str::to_lowercase);
        let rows: Vec<&Record> = self
            .sorted(kind)
            .into_iter()
            .filter(|r| status.is_none_or(|s| r.get("status").and_then(Value::as_str) == Some(s)))
            .filter(|r| {
                priority.is_none_or(|p| r.get("priority").and_then(Value::as_str) == Some(p))
            })
            .filter(|r| {
                user_id.is_none_or(|u| {
                    rec_u64(r, "_user_id").map(|id| id.to_string()).as_deref() == Some(u)
                })
            })
            .filter(|r| {
                search.as_ref().is_none_or(|q| {
                    kind.search_fields().iter().any(|f| {
                        r.get(*f)
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.to_lowercase().contains(q.as_str()))
                    })
                })
            })
            .collect();
        let page = req
            .query_value("page")
            .and_then(|p| p.trim().parse::<u64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        let per_page = req
            .query_value("per_page")
            .and_then(|p| p.trim().parse::<u64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(15);
        let total = rows.len() as u64;
        let last_page = total.div_ceil(per_page).max(1);
        let start = (page - 1).saturating_mul(per_page);
        let rows: Vec<&Record> = rows
            .into_iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .collect();
        if matches!(kind, Kind::Invoice | Kind::Order) && rows.iter().any(|r| self.owner_trashed(r))
        {
            return message(500, "Server Error");
        }
        let data: Vec<Value> = rows
            .into_iter()
            .map(|r| self.render(kind, r, false))
            .collect();
        let count = data.len() as u64;
        let path = format!(
            "http://{}/api/v1/{}",
            req.header("host").unwrap_or("127.0.0.1"),
            kind.route()
        );
        let url = |n: u64| json!(format!("{path}?page={n}"));
        let mut links = vec![
            json!({"url": if page > 1 { url(page - 1) } else { Value::Null },
                                    "label": "&laquo; Previous", "page": if page > 1 { json!(page - 1) } else { Value::Null },
                                    "active": false}),
        ];
        for n in 1..=last_page.min(10) {
            links.push(
                json!({"url": url(n), "label": n.to_string(), "page": n, "active": n == page}),
            );
        }
        links.push(json!({"url": if page < last_page { url(page + 1) } else { Value::Null },
                          "label": "Next &raquo;", "page": if page < last_page { json!(page + 1) } else { Value::Null },
                          "active": false}));
        let body = json!({
            "data": data,
            "links": {
                "first": url(1),
                "last": url(last_page),
                "prev": if page > 1 { url(page - 1) } else { Value::Null },
                "next": if page < last_page { url(page + 1) } else { Value::Null },
            },
            "meta": {
                "current_page": page,
                "from": if count > 0 { json!(start + 1) } else { Value::Null },
                "last_page": last_page,
                "links": links,
                "path": path,
                "per_page": per_page,
                "to": if count > 0 { json!(start + count) } else { Value::Null },
                "total": total,
            }
        });
        SandboxResponse::json(200, &body)
    }

    fn show(&self, kind: Kind, id: u64) -> SandboxResponse {
        match self.get(kind, id) {
            Some(r) if matches!(kind, Kind::Invoice | Kind::Order) && self.owner_trashed(r) => {
                message(500, "Server Error")
            }
            Some(r) => SandboxResponse::json(200, &json!({"data": self.render(kind, r, true)})),
            None => message(
                404,
                &format!(
                    "No query results for model [App\\Models\\{}] {id}",
                    kind.model()
                ),
            ),
        }
    }

    fn data(&self, status: u16, kind: Kind, id: u64) -> SandboxResponse {
        let mut r = self.show(kind, id);
        if r.status == 200 {
            r.status = status;
        }
        r
    }

    fn delete(&mut self, kind: Kind, id: u64) -> SandboxResponse {
        if kind == Kind::User {
            // Soft delete: the row stays (its email stays taken, its
            // invoices and orders keep pointing at it).
            self.touch(kind, id, obj(json!({"_deleted_at": now()})));
        } else {
            self.table_mut(kind).remove(&id);
        }
        SandboxResponse::json(200, &json!({"message": kind.deleted()}))
    }

    // ---- create / update ----------------------------------------------------

    fn create(&mut self, kind: Kind, body: &Record) -> SandboxResponse {
        match kind {
            Kind::User => self.create_user(body),
            Kind::Invoice => self.create_invoice(body),
            Kind::Order => self.create_order(body),
            Kind::Ticket => self.create_ticket(body),
            Kind::Package => self.create_package(body),
            Kind::Catalog => self.create_catalog(body),
            Kind::Variant => self.create_variant(body),
            Kind::Tld => self.create_tld(body),
            Kind::Service | Kind::Registrant => message(405, "Method not allowed."),
        }
    }

    fn update(&mut self, kind: Kind, id: u64, body: &Record) -> SandboxResponse {
        match kind {
            Kind::User => self.update_user(id, body),
            Kind::Service => self.update_service(id, body),
            Kind::Invoice => self.update_invoice(id, body),
            Kind::Order => self.update_order(id, body),
            Kind::Ticket => self.update_ticket(id, body),
            Kind::Package => self.update_package(id, body),
            Kind::Catalog => self.update_catalog(id, body),
            Kind::Variant => self.update_variant(id, body),
            Kind::Registrant => self.update_registrant(id, body),
            Kind::Tld => self.update_tld(id, body),
        }
    }

    fn touch(&mut self, kind: Kind, id: u64, changes: Record) {
        if let Some(r) = self.table_mut(kind).get_mut(&id) {
            for (k, v) in changes {
                r.insert(k, v);
            }
            r.insert("updated_at".into(), json!(now()));
        }
    }

    fn email_taken(&self, email: &str, except: Option<u64>) -> bool {
        self.table(Kind::User)
            .into_iter()
            .flat_map(|t| t.values())
            .any(|u| {
                u.get("email")
                    .and_then(Value::as_str)
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
                    && rec_u64(u, "id") != except
            })
    }

    fn create_user(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.string("first_name", true, 255);
        v.string("last_name", true, 255);
        if v.string("email", true, 255) {
            v.email("email");
        }
        if let Some(e) = v.str("email") {
            if self.email_taken(e, None) {
                v.fail("email", "The email has already been taken.");
            }
        }
        if v.string("password", true, usize::MAX) {
            v.min_len("password", 8);
        }
        v.one_of("status", false, &["active", "suspended", "closed"]);
        v.string("language", false, 10);
        if let Err(r) = v.finish() {
            return r;
        }
        if body.contains_key("currency") {
            // The users table has no currency column.
            return message(500, "Server Error");
        }
        let (first, last) = (
            v.str("first_name").unwrap_or(""),
            v.str("last_name").unwrap_or(""),
        );
        let t = now();
        let record = obj(json!({
            "first_name": first, "last_name": last, "fullname": format!("{first} {last}"),
            "email": v.str("email").unwrap_or(""), "status": v.str("status").unwrap_or("active"),
            "currency": null, "language": v.str("language").unwrap_or("en_US"),
            "auto_credit_payment": false, "email_verified_at": null, "created_at": t, "updated_at": t
        }));
        let id = self.insert(Kind::User, record);
        self.data(201, Kind::User, id)
    }

    fn update_user(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.string("first_name", false, 255);
        v.string("last_name", false, 255);
        if v.string("email", false, 255) {
            v.email("email");
            if let Some(e) = v.str("email") {
                if self.email_taken(e, Some(id)) {
                    v.fail("email", "The email has already been taken.");
                }
            }
        }
        if v.string("password", false, usize::MAX) {
            v.min_len("password", 8);
        }
        v.one_of("status", false, &["active", "suspended", "closed"]);
        v.string("language", false, 10);
        if let Err(r) = v.finish() {
            return r;
        }
        if body.contains_key("currency") {
            return message(500, "Server Error");
        }
        let mut changes = v.take(&["first_name", "last_name", "email", "status", "language"]);
        if let Some(u) = self.get(Kind::User, id) {
            let first = changes
                .get("first_name")
                .or(u.get("first_name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let last = changes
                .get("last_name")
                .or(u.get("last_name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let full = format!("{first} {last}");
            changes.insert("fullname".into(), json!(full));
        }
        self.touch(Kind::User, id, changes);
        self.data(200, Kind::User, id)
    }

    fn update_service(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.one_of(
            "status",
            false,
            &["active", "suspended", "terminated", "cancelled", "pending"],
        );
        v.string("name", false, 255);
        v.date("next_due_date", false);
        v.integer("plugin_id", false, 1, i64::MAX);
        v.object("variant_selections");
        v.object("configuration");
        if let Err(r) = v.finish() {
            return r;
        }
        let mut changes = v.take(&[
            "status",
            "name",
            "plugin_id",
            "variant_selections",
            "configuration",
        ]);
        if let Some(d) = v.str("next_due_date") {
            changes.insert("next_due_date".into(), json!(date_to_iso(d)));
        }
        if let Some(status) = v.str("status") {
            let stamp = match status {
                "active" => Some("activated_at"),
                "suspended" => Some("suspended_at"),
                "terminated" => Some("terminated_at"),
                "cancelled" => Some("cancelled_at"),
                _ => None,
            };
            if let Some(k) = stamp {
                changes.insert(k.into(), json!(now()));
            }
        }
        self.touch(Kind::Service, id, changes);
        self.data(200, Kind::Service, id)
    }

    fn create_invoice(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        if v.required("user_id") && !self.exists(Kind::User, v.u64("user_id")) {
            v.fail("user_id", "The selected user id is invalid.");
        }
        v.date("due_date", true);
        v.one_of(
            "status",
            false,
            &["unpaid", "paid", "cancelled", "refunded"],
        );
        v.string("currency", false, 3);
        v.string("notes", false, usize::MAX);
        v.boolean("send_email");
        let items = v.array("items", true, 1, usize::MAX);
        for (i, item) in items.iter().enumerate() {
            let item = obj(item.clone());
            let mut iv = Validator::nested(&item, format!("items.{i}."));
            iv.string("description", true, 255);
            iv.integer("quantity", true, 1, i64::MAX);
            iv.numeric("unit_price", true);
            v.absorb(iv);
        }
        if let Err(r) = v.finish() {
            return r;
        }
        let user_id = v.u64("user_id");
        let status = v.str("status").unwrap_or("unpaid").to_owned();
        let currency = v.str("currency").unwrap_or("USD").to_owned();
        let lines: Vec<InvoiceLine> = items
            .iter()
            .map(|it| {
                let it = obj(it.clone());
                (
                    it.get("description")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    int_of(it.get("quantity"))
                        .and_then(|q| u64::try_from(q).ok())
                        .unwrap_or(1),
                    dec(it.get("unit_price")).unwrap_or(Decimal::ZERO),
                    None,
                    None,
                )
            })
            .collect();
        let due = v.str("due_date").map(date_to_iso).unwrap_or_else(now);
        let id = self.add_invoice(user_id, None, &currency, &status, &due, &lines);
        self.data(201, Kind::Invoice, id)
    }

    /// Stores an invoice whose totals the "server" computes from the lines
    /// (description, quantity, unit price, service, registrant).
    fn add_invoice(
        &mut self,
        user_id: Option<u64>,
        order_id: Option<u64>,
        currency: &str,
        status: &str,
        due: &str,
        lines: &[InvoiceLine],
    ) -> u64 {
        let mut subtotal = Decimal::ZERO;
        let mut items = Vec::new();
        for (description, quantity, unit_price, service_id, registrant_id) in lines {
            let amount = mul(*unit_price, Decimal::from(*quantity));
            subtotal = add(subtotal, amount);
            items.push(json!({
                "id": self.child_id(), "service_id": service_id, "registrant_id": registrant_id,
                "description": description, "quantity": quantity,
                "unit_price": money(*unit_price), "amount": money(amount)
            }));
        }
        let t = now();
        let paid = status == "paid";
        let next = self.next_id.get(&Kind::Invoice).copied().unwrap_or(1);
        let record = obj(json!({
            "invoice_number": format!("INV-{next:06}"), "status": status,
            "subtotal": money(subtotal), "discount": "0.00", "tax": "0.00", "total": money(subtotal),
            "currency": currency, "notes": null, "due_date": due,
            "paid_at": if paid { json!(t) } else { Value::Null },
            "amount_due": if status == "unpaid" { float(subtotal) } else { float(Decimal::ZERO) },
            "_user_id": user_id, "_order_id": order_id, "_items": items,
            "created_at": t, "updated_at": t
        }));
        self.insert(Kind::Invoice, record)
    }

    fn update_invoice(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.one_of(
            "status",
            false,
            &["unpaid", "paid", "cancelled", "refunded"],
        );
        v.date("due_date", false);
        if let Err(r) = v.finish() {
            return r;
        }
        let mut changes = Map::new();
        if let Some(d) = v.str("due_date") {
            changes.insert("due_date".into(), json!(date_to_iso(d)));
        }
        if let Some(status) = v.str("status") {
            let total = self
                .get(Kind::Invoice, id)
                .map(|r| rec_dec(r, "total"))
                .unwrap_or_default();
            changes.insert("status".into(), json!(status));
            let paid_at = match status {
                "paid" => json!(now()),
                "unpaid" => Value::Null,
                _ => self
                    .get(Kind::Invoice, id)
                    .and_then(|r| r.get("paid_at").cloned())
                    .unwrap_or(Value::Null),
            };
            changes.insert("paid_at".into(), paid_at);
            let due = if status == "unpaid" {
                total
            } else {
                Decimal::ZERO
            };
            changes.insert("amount_due".into(), float(due));
        }
        self.touch(Kind::Invoice, id, changes);
        self.data(200, Kind::Invoice, id)
    }

    fn create_order(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        if v.required("user_id") && !self.exists(Kind::User, v.u64("user_id")) {
            v.fail("user_id", "The selected user id is invalid.");
        }
        if v.string("currency", true, 3)
            && !v.str("currency").is_some_and(|c| CURRENCIES.contains(&c))
        {
            v.fail("currency", "The selected currency is invalid.");
        }
        v.string("coupon", false, 255);
        v.one_of(
            "status",
            true,
            &["pending", "processing", "completed", "cancelled", "failed"],
        );
        let packages = v.array("package_items", false, 0, usize::MAX);
        let domains = v.array("domain_items", false, 0, usize::MAX);
        let currency = v.str("currency").unwrap_or("USD").to_owned();
        // (package id, price id, quantity, price, setup fee, description, variant options, configuration)
        let mut package_lines = Vec::new();
        for (i, item) in packages.iter().enumerate() {
            let item = obj(item.clone());
            let mut iv = Validator::nested(&item, format!("package_items.{i}."));
            let package = if iv.required("package_id") {
                let p = iv
                    .u64("package_id")
                    .and_then(|id| self.get(Kind::Package, id));
                if p.is_none() {
                    iv.fail(
                        "package_id",
                        &format!("The selected package_items.{i}.package_id is invalid."),
                    );
                }
                p
            } else {
                None
            };
            let mut price = None;
            if iv.required("billing_id") {
                price = package.and_then(|p| {
                    let wanted = iv.u64("billing_id")?;
                    p.get("_prices")?
                        .as_array()?
                        .iter()
                        .find(|pr| pr.get("id").and_then(Value::as_u64) == Some(wanted))
                        .cloned()
                });
                if package.is_some() && price.is_none() {
                    iv.fail(
                        "billing_id",
                        &format!("The selected package_items.{i}.billing_id is invalid."),
                    );
                }
            }
            iv.integer("quantity", false, 1, i64::MAX);
            iv.object("configuration");
            if let (Some(p), Some(price)) = (package, price) {
                let rate = price.get("rates").and_then(|r| r.get(currency.as_str()));
                let amount = rate
                    .and_then(|r| dec(r.get("price")))
                    .unwrap_or(Decimal::ZERO);
                let setup = rate
                    .and_then(|r| dec(r.get("setup_fee")))
                    .unwrap_or(Decimal::ZERO);
                package_lines.push((
                    rec_u64(p, "id").unwrap_or(0),
                    price,
                    iv.u64("quantity").unwrap_or(1).max(1),
                    amount,
                    setup,
                    p.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("Package")
                        .to_owned(),
                    item.get("variant_options").cloned().unwrap_or(json!([])),
                    item.get("configuration").cloned().unwrap_or(json!([])),
                ));
            }
            v.absorb(iv);
        }
        // (type, domain, tld id, years, price)
        let mut domain_lines = Vec::new();
        for (i, item) in domains.iter().enumerate() {
            let item = obj(item.clone());
            let mut iv = Validator::nested(&item, format!("domain_items.{i}."));
            iv.one_of("type", true, &["register", "transfer"]);
            iv.string("domain", true, 255);
            let tld = if iv.required("tld_id") {
                let t = iv.u64("tld_id").and_then(|id| self.get(Kind::Tld, id));
                if t.is_none() {
                    iv.fail(
                        "tld_id",
                        &format!("The selected domain_items.{i}.tld_id is invalid."),
                    );
                }
                t
            } else {
                None
            };
            let (lo, hi) = tld.map_or((1, 10), |t| {
                (
                    t.get("min_years").and_then(Value::as_i64).unwrap_or(1),
                    t.get("max_years").and_then(Value::as_i64).unwrap_or(10),
                )
            });
            iv.integer("years", true, lo, hi);
            if iv.str("type") == Some("transfer") {
                iv.string("epp_code", true, 255);
            }
            if let Some(t) = tld {
                let kind = iv.str("type").unwrap_or("register").to_owned();
                let key = if kind == "transfer" {
                    "transfer_price"
                } else {
                    "register_price"
                };
                let yearly = t
                    .get("_prices")
                    .and_then(Value::as_array)
                    .and_then(|ps| {
                        ps.iter().find(|p| {
                            p.get("currency").and_then(Value::as_str) == Some(currency.as_str())
                        })
                    })
                    .and_then(|p| dec(p.get(key)))
                    .unwrap_or(Decimal::ZERO);
                let years = iv.u64("years").unwrap_or(1);
                domain_lines.push((
                    kind,
                    iv.str("domain").unwrap_or("").to_owned(),
                    rec_u64(t, "id").unwrap_or(0),
                    years,
                    mul(yearly, Decimal::from(years)),
                ));
            }
            v.absorb(iv);
        }
        if let Err(r) = v.finish() {
            return r;
        }
        if packages.is_empty() && domains.is_empty() {
            return message(422, "At least one package or domain item is required.");
        }
        if !body.contains_key("coupon") {
            return message(
                500,
                "Failed to create order: Undefined array key \"coupon\"",
            );
        }
        if let Some(code) = v.str("coupon") {
            return message(
                422,
                &format!("The coupon code {code} is invalid or has expired."),
            );
        }

        let user_id = v.u64("user_id");
        let status = v.str("status").unwrap_or("pending").to_owned();
        let t = now();
        let order_id = self.next_id.get(&Kind::Order).copied().unwrap_or(1);
        let mut items = Vec::new();
        let mut invoice_lines = Vec::new();
        let (mut subtotal, mut setup_total) = (Decimal::ZERO, Decimal::ZERO);
        for (package_id, price, quantity, amount, setup, name, variants, configuration) in
            package_lines
        {
            let qty = Decimal::from(quantity);
            let line = mul(amount, qty);
            let setup_line = mul(setup, qty);
            subtotal = add(subtotal, line);
            setup_total = add(setup_total, setup_line);
            let period = price.get("billing_period").cloned().unwrap_or(Value::Null);
            let billing_type = price.get("type").cloned().unwrap_or(json!("recurring"));
            items.push(json!({
                "id": self.child_id(), "item_type": "service", "description": name, "quantity": quantity,
                "billing_type": billing_type, "billing_period": period, "billing_interval": 1,
                "unit_price": money(amount), "setup_fee": money(setup_line), "amount": money(add(line, setup_line))
            }));
            let cycle = match period.as_str() {
                Some("monthly") => "Every 1 Month(s)",
                Some("yearly") => "Every 1 Year(s)",
                Some("weekly") => "Every 1 Week(s)",
                Some("daily") => "Every 1 Day(s)",
                _ => "One Time",
            };
            let sid = self.next_id.get(&Kind::Service).copied().unwrap_or(1);
            let service_id = self.insert(
                Kind::Service,
                obj(json!({
                    "service_number": format!("SRV-{sid:06}"), "status": "pending", "name": name,
                    "billing_type": billing_type, "billing_period": period, "billing_interval": 1,
                    "price": money(amount), "setup_fee": money(setup), "currency": currency,
                    "cycle_label": cycle, "activated_at": null, "next_due_date": null, "suspended_at": null,
                    "terminated_at": null, "cancelled_at": null, "plugin_id": null,
                    "variant_selections": variants, "configuration": configuration,
                    "_user_id": user_id, "_package_id": package_id, "_order_id": order_id, "_scalings": [],
                    "created_at": t, "updated_at": t
                })),
            );
            invoice_lines.push((name.clone(), quantity, amount, Some(service_id), None));
            if !setup.is_zero() {
                invoice_lines.push((
                    format!("{name} setup fee"),
                    quantity,
                    setup,
                    Some(service_id),
                    None,
                ));
            }
        }
        for (kind, domain, tld_id, years, price) in domain_lines {
            subtotal = add(subtotal, price);
            let description = format!("{domain} ({kind}, {years} year(s))");
            items.push(json!({
                "id": self.child_id(), "item_type": "domain", "description": description, "quantity": 1,
                "billing_type": "onetime", "billing_period": null, "billing_interval": null,
                "unit_price": money(price), "setup_fee": "0.00", "amount": money(price)
            }));
            let rid = self.next_id.get(&Kind::Registrant).copied().unwrap_or(1);
            let registrant_id = self.insert(
                Kind::Registrant,
                obj(json!({
                    "registrant_number": format!("DOM-{rid:06}"), "domain": domain,
                    "status": if kind == "transfer" { "pending_transfer" } else { "pending" },
                    "registration_type": kind, "years": years, "price": money(price), "currency": currency,
                    "auto_renew": true, "nameservers": null, "configuration": [], "registered_at": null,
                    "expires_at": null, "suspended_at": null, "cancelled_at": null,
                    "_user_id": user_id, "_tld_id": tld_id, "_order_id": order_id,
                    "created_at": t, "updated_at": t
                })),
            );
            invoice_lines.push((description, 1, price, None, Some(registrant_id)));
        }
        let total = add(subtotal, setup_total);
        let record = obj(json!({
            "order_number": format!("ORD-{order_id:06}"), "status": status,
            "subtotal": money(subtotal), "discount": "0.00", "setup_fee": money(setup_total),
            "tax": "0.00", "total": money(total), "currency": currency, "notes": null,
            "completed_at": if status == "completed" { json!(t) } else { Value::Null },
            "cancelled_at": if status == "cancelled" { json!(t) } else { Value::Null },
            "_user_id": user_id, "_items": items, "created_at": t, "updated_at": t
        }));
        let id = self.insert(Kind::Order, record);
        let due = date_to_iso(&chrono::Utc::now().format("%Y-%m-%d").to_string());
        self.add_invoice(user_id, Some(id), &currency, "unpaid", &due, &invoice_lines);
        self.data(201, Kind::Order, id)
    }

    fn update_order(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.one_of(
            "status",
            true,
            &["pending", "processing", "completed", "cancelled", "failed"],
        );
        if let Err(r) = v.finish() {
            return r;
        }
        let status = v.str("status").unwrap_or("pending");
        let mut changes = v.take(&["status"]);
        match status {
            "completed" => {
                changes.insert("completed_at".into(), json!(now()));
            }
            "cancelled" => {
                changes.insert("cancelled_at".into(), json!(now()));
            }
            _ => {}
        }
        self.touch(Kind::Order, id, changes);
        self.data(200, Kind::Order, id)
    }

    fn create_ticket(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        if v.required("user_id") && !self.exists(Kind::User, v.u64("user_id")) {
            v.fail("user_id", "The selected user id is invalid.");
        }
        v.string("subject", true, 255);
        v.string("department", true, 255);
        v.one_of("priority", true, &["low", "medium", "high"]);
        v.string("message", true, usize::MAX);
        if let Err(r) = v.finish() {
            return r;
        }
        let t = now();
        let tid = self.next_id.get(&Kind::Ticket).copied().unwrap_or(1);
        let message_id = self.child_id();
        let record = obj(json!({
            "ticket_number": format!("TCK-{tid:06}"), "subject": v.str("subject"), "status": "open",
            "priority": v.str("priority"), "department": v.str("department"), "last_reply_at": t,
            "closed_at": null, "_user_id": v.u64("user_id"),
            "_messages": [{"id": message_id, "message": v.str("message"), "is_staff_reply": false,
                           "_user_id": v.u64("user_id"), "created_at": t}],
            "created_at": t, "updated_at": t
        }));
        let id = self.insert(Kind::Ticket, record);
        self.data(201, Kind::Ticket, id)
    }

    fn update_ticket(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.one_of(
            "status",
            false,
            &["open", "answered", "customer-reply", "closed"],
        );
        v.one_of("priority", false, &["low", "medium", "high"]);
        v.string("department", false, 255);
        if v.present("assigned_to") && !self.exists(Kind::User, v.u64("assigned_to")) {
            v.fail("assigned_to", "The selected assigned to is invalid.");
        }
        if let Err(r) = v.finish() {
            return r;
        }
        let mut changes = v.take(&["status", "priority", "department"]);
        match v.str("status") {
            Some("closed") => {
                changes.insert("closed_at".into(), json!(now()));
            }
            Some(_) => {
                changes.insert("closed_at".into(), Value::Null);
            }
            None => {}
        }
        self.touch(Kind::Ticket, id, changes);
        self.data(200, Kind::Ticket, id)
    }

    fn package_rules(&self, v: &mut Validator<'_>, creating: bool) {
        v.string("name", creating, 255);
        if (v.present("catalog_id") || creating)
            && v.required("catalog_id")
            && !self.exists(Kind::Catalog, v.u64("catalog_id"))
        {
            v.fail("catalog_id", "The selected catalog id is invalid.");
        }
        v.string("slug", false, 255);
        v.string("description", false, usize::MAX);
        v.one_of("status", false, &["visible", "hidden"]);
        v.string("icon", false, 255);
        v.integer("stock", false, -1, i64::MAX);
        v.integer("per_user_limit", false, -1, i64::MAX);
        v.boolean("allow_cancellation");
        v.one_of("allow_quantity", false, &["single", "multiple"]);
        v.integer("prorata_day", false, 0, 31);
        v.integer("prorata_next_month_day", false, 0, 31);
        v.boolean("auto_provision");
        v.integer("sort_order", false, i64::MIN, i64::MAX);
        v.integer("plugin_id", false, 1, i64::MAX);
        v.object("provisioning_config");
    }

    const PACKAGE_FIELDS: [&'static str; 15] = [
        "name",
        "slug",
        "description",
        "status",
        "icon",
        "stock",
        "per_user_limit",
        "allow_cancellation",
        "allow_quantity",
        "prorata_day",
        "prorata_next_month_day",
        "auto_provision",
        "sort_order",
        "plugin_id",
        "provisioning_config",
    ];

    fn create_package(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        self.package_rules(&mut v, true);
        if let Err(r) = v.finish() {
            return r;
        }
        if v.str("slug").is_none() || v.str("description").is_none() {
            // NOT NULL columns the validation does not require.
            return message(500, "Server Error");
        }
        let t = now();
        let mut record = obj(json!({
            "icon": null, "status": "visible", "stock": -1, "per_user_limit": -1, "allow_cancellation": true,
            "allow_quantity": "single", "prorata_day": null, "prorata_next_month_day": null,
            "auto_provision": false, "sort_order": 0, "plugin_id": null, "provisioning_config": null,
            "_prices": [], "_variant_ids": [], "created_at": t, "updated_at": t
        }));
        record.extend(v.take(&Self::PACKAGE_FIELDS));
        record.insert("_catalog_id".into(), json!(v.u64("catalog_id")));
        let id = self.insert(Kind::Package, record);
        self.data(201, Kind::Package, id)
    }

    fn update_package(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        self.package_rules(&mut v, false);
        if let Err(r) = v.finish() {
            return r;
        }
        let mut changes = v.take(&Self::PACKAGE_FIELDS);
        if let Some(c) = v.u64("catalog_id") {
            changes.insert("_catalog_id".into(), json!(c));
        }
        self.touch(Kind::Package, id, changes);
        self.data(200, Kind::Package, id)
    }

    fn catalog_rules(v: &mut Validator<'_>, creating: bool) {
        v.string("name", creating, 255);
        v.string("slug", false, 255);
        v.string("description", false, usize::MAX);
        v.string("icon", false, 255);
        v.one_of("status", false, &["visible", "hidden"]);
        v.integer("sort_order", false, i64::MIN, i64::MAX);
    }

    fn create_catalog(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        Self::catalog_rules(&mut v, true);
        if let Err(r) = v.finish() {
            return r;
        }
        if v.str("slug").is_none() || v.str("description").is_none() {
            return message(500, "Server Error");
        }
        let t = now();
        let mut record = obj(
            json!({"icon": null, "status": "visible", "sort_order": 0, "created_at": t, "updated_at": t}),
        );
        record.extend(v.take(&[
            "name",
            "slug",
            "description",
            "icon",
            "status",
            "sort_order",
        ]));
        let id = self.insert(Kind::Catalog, record);
        self.data(201, Kind::Catalog, id)
    }

    fn update_catalog(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        Self::catalog_rules(&mut v, false);
        if let Err(r) = v.finish() {
            return r;
        }
        let changes = v.take(&[
            "name",
            "slug",
            "description",
            "icon",
            "status",
            "sort_order",
        ]);
        self.touch(Kind::Catalog, id, changes);
        self.data(200, Kind::Catalog, id)
    }

    fn create_variant(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.string("name", true, 255);
        v.string("code", false, 255);
        v.one_of("status", false, &["visible", "hidden"]);
        v.boolean("is_scalable");
        if let Err(r) = v.finish() {
            return r;
        }
        if v.str("code").is_none() {
            return message(500, "Server Error");
        }
        let t = now();
        let mut record = obj(
            json!({"status": "visible", "is_scalable": false, "sort_order": 0,
                                    "_options": [], "created_at": t, "updated_at": t}),
        );
        record.extend(v.take(&["name", "code", "status", "is_scalable"]));
        let id = self.insert(Kind::Variant, record);
        self.data(201, Kind::Variant, id)
    }

    fn update_variant(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.string("name", false, 255);
        v.string("code", false, 255);
        v.one_of("status", false, &["visible", "hidden"]);
        v.boolean("is_scalable");
        if let Err(r) = v.finish() {
            return r;
        }
        let changes = v.take(&["name", "code", "status", "is_scalable"]);
        self.touch(Kind::Variant, id, changes);
        self.data(200, Kind::Variant, id)
    }

    fn update_registrant(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        v.one_of(
            "status",
            false,
            &[
                "pending",
                "active",
                "expired",
                "suspended",
                "pending_transfer",
                "transferred_away",
                "cancelled",
                "redemption",
                "terminated",
            ],
        );
        v.boolean("auto_renew");
        let ns = v.array("nameservers", false, 1, 5);
        for (i, n) in ns.iter().enumerate() {
            if !n.is_string() {
                v.fail(
                    &format!("nameservers.{i}"),
                    &format!("The nameservers.{i} field must be a string."),
                );
            }
        }
        if let Err(r) = v.finish() {
            return r;
        }
        let mut changes = v.take(&["status", "auto_renew", "nameservers"]);
        match v.str("status") {
            Some("active") => {
                changes.insert("registered_at".into(), json!(now()));
            }
            Some("suspended") => {
                changes.insert("suspended_at".into(), json!(now()));
            }
            Some("cancelled") => {
                changes.insert("cancelled_at".into(), json!(now()));
            }
            _ => {}
        }
        self.touch(Kind::Registrant, id, changes);
        self.data(200, Kind::Registrant, id)
    }

    fn tld_rules(&self, v: &mut Validator<'_>, creating: bool, except: Option<u64>) {
        if v.string("tld", creating, 20) {
            if let Some(t) = v.str("tld") {
                if t.contains('.') || t.contains(char::is_whitespace) {
                    v.fail("tld", "The tld field format is invalid.");
                } else if self
                    .table(Kind::Tld)
                    .into_iter()
                    .flat_map(|x| x.values())
                    .any(|r| {
                        r.get("tld").and_then(Value::as_str) == Some(t)
                            && rec_u64(r, "id") != except
                    })
                {
                    v.fail("tld", "The tld has already been taken.");
                }
            }
        }
        v.one_of("status", creating, &["visible", "hidden"]);
        v.integer("plugin_id", false, 1, i64::MAX);
        v.integer("min_years", creating, 1, 10);
        v.integer("max_years", creating, 1, 10);
        v.integer("sort_order", false, i64::MIN, i64::MAX);
    }

    fn create_tld(&mut self, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        self.tld_rules(&mut v, true, None);
        if let (Some(lo), Some(hi)) = (int_of(body.get("min_years")), int_of(body.get("max_years")))
        {
            if hi < lo {
                v.fail(
                    "max_years",
                    &format!("The max years field must be greater than or equal to {lo}."),
                );
            }
        }
        if let Err(r) = v.finish() {
            return r;
        }
        let t = now();
        let mut record = obj(json!({
            "plugin_id": null, "grace_period_days": 30, "redemption_period_days": 30, "sort_order": 0,
            "auto_renew": null, "_prices": [], "created_at": t, "updated_at": t
        }));
        record.extend(v.take(&[
            "tld",
            "status",
            "plugin_id",
            "min_years",
            "max_years",
            "sort_order",
        ]));
        let id = self.insert(Kind::Tld, record);
        self.data(201, Kind::Tld, id)
    }

    fn update_tld(&mut self, id: u64, body: &Record) -> SandboxResponse {
        let mut v = Validator::new(body);
        self.tld_rules(&mut v, false, Some(id));
        let current = self.get(Kind::Tld, id);
        let lo = int_of(body.get("min_years"))
            .or_else(|| current.and_then(|r| int_of(r.get("min_years"))));
        let hi = int_of(body.get("max_years"))
            .or_else(|| current.and_then(|r| int_of(r.get("max_years"))));
        if let (Some(lo), Some(hi)) = (lo, hi) {
            if hi < lo {
                v.fail(
                    "max_years",
                    &format!("The max years field must be greater than or equal to {lo}."),
                );
            }
        }
        if let Err(r) = v.finish() {
            return r;
        }
        let changes = v.take(&[
            "tld",
            "status",
            "plugin_id",
            "min_years",
            "max_years",
            "sort_order",
        ]);
        self.touch(Kind::Tld, id, changes);
        self.data(200, Kind::Tld, id)
    }

    fn domain_check(&self, req: &SandboxRequest) -> SandboxResponse {
        let body = match req.json() {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let fail = |m: &str| SandboxResponse::json(422, &json!({"success": false, "message": m}));
        let Some(domain) = body
            .get("domain")
            .and_then(Value::as_str)
            .map(|d| d.trim().to_lowercase())
            .filter(|d| !d.is_empty())
        else {
            return fail("The domain field is required.");
        };
        let Some((_, suffix)) = domain.split_once('.') else {
            return fail("Please enter a valid domain name.");
        };
        let tld = self
            .table(Kind::Tld)
            .into_iter()
            .flat_map(|t| t.values())
            .find(|t| {
                t.get("tld").and_then(Value::as_str) == Some(suffix)
                    && t.get("status") == Some(&json!("visible"))
            });
        let Some(tld) = tld else {
            return fail(&format!("The TLD .{suffix} is not supported."));
        };
        let taken = self
            .table(Kind::Registrant)
            .into_iter()
            .flat_map(|t| t.values())
            .any(|r| r.get("domain").and_then(Value::as_str) == Some(domain.as_str()));
        let price = tld
            .get("_prices")
            .and_then(Value::as_array)
            .and_then(|p| p.first())
            .and_then(|p| p.get("register_price"))
            .cloned()
            .unwrap_or(Value::Null);
        SandboxResponse::json(
            200,
            &json!({
                "domain": domain, "available": !taken, "premium": false,
                "price": price,
                "message": if taken { "Domain is already registered." } else { "Domain is available for registration." },
                "tld_id": tld.get("id"), "success": true
            }),
        )
    }
}

fn is_trashed(record: &Record) -> bool {
    record.get("_deleted_at").is_some_and(|v| !v.is_null())
}

fn message(status: u16, text: &str) -> SandboxResponse {
    SandboxResponse::json(status, &json!({"message": text}))
}

fn not_found_route(req: &SandboxRequest) -> SandboxResponse {
    message(
        404,
        &format!(
            "The route {} could not be found.",
            req.path.trim_start_matches('/')
        ),
    )
}

fn method_not_allowed(req: &SandboxRequest, allowed: &str) -> SandboxResponse {
    message(
        405,
        &format!(
            "The {} method is not supported for route {}. Supported methods: {allowed}.",
            req.method,
            req.path.trim_start_matches('/')
        ),
    )
    .with_header("Allow", allowed)
}

fn redirect_page(to: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head><meta http-equiv=\"refresh\" content=\"0;url='{to}'\" /><title>Redirecting to {to}</title></head>\n<body>Redirecting to <a href=\"{to}\">{to}</a>.</body>\n</html>"
    )
}

/// `Y-m-d` or `Y-m-d H:i:s` as Laravel serialises a date cast.
fn date_to_iso(text: &str) -> String {
    let t = text.trim();
    let date = t.get(..10).unwrap_or(t);
    let time = t.get(11..19).filter(|s| s.len() == 8).unwrap_or("00:00:00");
    format!("{date}T{time}.000000Z")
}

fn int_of(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Laravel-style validation with its messages.
struct Validator<'a> {
    body: &'a Record,
    prefix: String,
    errors: Vec<(String, String)>,
}

impl<'a> Validator<'a> {
    fn new(body: &'a Record) -> Self {
        Self::nested(body, String::new())
    }

    fn nested(body: &'a Record, prefix: String) -> Self {
        Validator {
            body,
            prefix,
            errors: Vec::new(),
        }
    }

    fn name(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    fn label(&self, field: &str) -> String {
        let full = self.name(field);
        if self.prefix.is_empty() {
            full.replace('_', " ")
        } else {
            full
        }
    }

    fn fail(&mut self, field: &str, msg: &str) {
        let name = self.name(field);
        if !self.errors.iter().any(|(f, _)| *f == name) {
            self.errors.push((name, msg.to_owned()));
        }
    }

    fn absorb(&mut self, other: Validator<'_>) {
        self.errors.extend(other.errors);
    }

    fn value(&self, field: &str) -> Option<&'a Value> {
        self.body
            .get(field)
            .filter(|v| !v.is_null() && *v != &json!(""))
    }

    fn present(&self, field: &str) -> bool {
        self.value(field).is_some()
    }

    fn str(&self, field: &str) -> Option<&'a str> {
        self.value(field).and_then(Value::as_str)
    }

    fn u64(&self, field: &str) -> Option<u64> {
        int_of(self.value(field)).and_then(|i| u64::try_from(i).ok())
    }

    fn required(&mut self, field: &str) -> bool {
        if self.present(field) {
            return true;
        }
        let msg = format!("The {} field is required.", self.label(field));
        self.fail(field, &msg);
        false
    }

    /// Checks an optional or required string; true when one is present and valid.
    fn string(&mut self, field: &str, required: bool, max: usize) -> bool {
        if !self.present(field) {
            if required {
                self.required(field);
            }
            return false;
        }
        let Some(s) = self.str(field) else {
            let msg = format!("The {} field must be a string.", self.label(field));
            self.fail(field, &msg);
            return false;
        };
        if s.chars().count() > max {
            let msg = format!(
                "The {} field must not be greater than {max} characters.",
                self.label(field)
            );
            self.fail(field, &msg);
            return false;
        }
        true
    }

    fn min_len(&mut self, field: &str, min: usize) {
        if self.str(field).is_some_and(|s| s.chars().count() < min) {
            let msg = format!(
                "The {} field must be at least {min} characters.",
                self.label(field)
            );
            self.fail(field, &msg);
        }
    }

    fn email(&mut self, field: &str) {
        let ok = self.str(field).is_some_and(|e| {
            e.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !e.contains(char::is_whitespace)
            })
        });
        if !ok {
            let msg = format!(
                "The {} field must be a valid email address.",
                self.label(field)
            );
            self.fail(field, &msg);
        }
    }

    fn one_of(&mut self, field: &str, required: bool, allowed: &[&str]) {
        if !self.present(field) {
            if required {
                self.required(field);
            }
            return;
        }
        if !self.str(field).is_some_and(|s| allowed.contains(&s)) {
            let msg = format!("The selected {} is invalid.", self.label(field));
            self.fail(field, &msg);
        }
    }

    fn integer(&mut self, field: &str, required: bool, min: i64, max: i64) {
        if !self.present(field) {
            if required {
                self.required(field);
            }
            return;
        }
        let label = self.label(field);
        match int_of(self.value(field)) {
            None => self.fail(field, &format!("The {label} field must be an integer.")),
            Some(n) if n < min && max == i64::MAX => {
                self.fail(field, &format!("The {label} field must be at least {min}."))
            }
            Some(n) if n < min || n > max => self.fail(
                field,
                &format!("The {label} field must be between {min} and {max}."),
            ),
            Some(_) => {}
        }
    }

    fn numeric(&mut self, field: &str, required: bool) {
        if !self.present(field) {
            if required {
                self.required(field);
            }
            return;
        }
        if dec(self.value(field)).is_none() {
            let msg = format!("The {} field must be a number.", self.label(field));
            self.fail(field, &msg);
        }
    }

    fn boolean(&mut self, field: &str) {
        let ok = match self.value(field) {
            None | Some(Value::Bool(_)) => true,
            Some(Value::Number(n)) => n.as_i64().is_some_and(|i| i == 0 || i == 1),
            Some(Value::String(s)) => matches!(s.as_str(), "0" | "1" | "true" | "false"),
            _ => false,
        };
        if !ok {
            let msg = format!("The {} field must be true or false.", self.label(field));
            self.fail(field, &msg);
        }
    }

    fn date(&mut self, field: &str, required: bool) {
        if !self.present(field) {
            if required {
                self.required(field);
            }
            return;
        }
        let ok = self.str(field).is_some_and(|s| {
            let s = s.trim();
            chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").is_ok()
        });
        if !ok {
            let msg = format!("The {} field must be a valid date.", self.label(field));
            self.fail(field, &msg);
        }
    }

    fn object(&mut self, field: &str) {
        if let Some(v) = self.value(field) {
            if !(v.is_object() || v.as_array().is_some_and(Vec::is_empty)) {
                let msg = format!("The {} field must be an array.", self.label(field));
                self.fail(field, &msg);
            }
        }
    }

    fn array(&mut self, field: &str, required: bool, min: usize, max: usize) -> Vec<Value> {
        let Some(v) = self.value(field) else {
            if required {
                self.required(field);
            }
            return Vec::new();
        };
        let label = self.label(field);
        let Some(items) = v.as_array() else {
            self.fail(field, &format!("The {label} field must be an array."));
            return Vec::new();
        };
        if items.len() < min {
            if required && items.is_empty() {
                self.fail(field, &format!("The {label} field is required."));
            } else {
                self.fail(
                    field,
                    &format!("The {label} field must have at least {min} items."),
                );
            }
        } else if items.len() > max {
            self.fail(
                field,
                &format!("The {label} field must not have more than {max} items."),
            );
        }
        items.clone()
    }

    /// The validated fields present in the body, for storing.
    fn take(&self, fields: &[&str]) -> Record {
        fields
            .iter()
            .filter_map(|f| {
                self.body
                    .get(*f)
                    .map(|v| ((*f).to_owned(), normalize(f, v)))
            })
            .collect()
    }

    fn finish(&self) -> Result<(), SandboxResponse> {
        let Some((_, first)) = self.errors.first() else {
            return Ok(());
        };
        let more = self.errors.len() - 1;
        let summary = match more {
            0 => first.clone(),
            1 => format!("{first} (and 1 more error)"),
            n => format!("{first} (and {n} more errors)"),
        };
        let mut errors = Map::new();
        for (field, msg) in &self.errors {
            let entry = errors.entry(field.clone()).or_insert_with(|| json!([]));
            if let Some(list) = entry.as_array_mut() {
                list.push(json!(msg));
            }
        }
        Err(SandboxResponse::json(
            422,
            &json!({"message": summary, "errors": errors}),
        ))
    }
}

/// Stores a value as the database would give it back (flags as booleans,
/// integers as numbers).
fn normalize(field: &str, v: &Value) -> Value {
    const FLAGS: [&str; 4] = [
        "allow_cancellation",
        "auto_provision",
        "is_scalable",
        "auto_renew",
    ];
    const INTS: [&str; 7] = [
        "stock",
        "per_user_limit",
        "prorata_day",
        "prorata_next_month_day",
        "sort_order",
        "min_years",
        "max_years",
    ];
    if FLAGS.contains(&field) {
        return match v {
            Value::String(s) => json!(s == "1" || s == "true"),
            Value::Number(n) => json!(n.as_i64() == Some(1)),
            other => other.clone(),
        };
    }
    if INTS.contains(&field) || field == "plugin_id" {
        if let Some(i) = int_of(Some(v)) {
            return json!(i);
        }
    }
    v.clone()
}
