//! A stateful, in-memory fake of Billmora's REST API that answers as the
//! real server does, read from its source (`Billmora/billmora`, commit
//! `7799ffac`), not as the client's models might wish.
//!
//! [`BillmoraSandbox::start`] serves every endpoint of `/api/v1` (users,
//! services, invoices, orders, tickets, packages, catalogs, variants,
//! registrants, TLDs) and the public `POST /api/domains/check` on
//! `127.0.0.1`. Each resource's handlers live in their own file next to
//! this one (`users.rs`, `invoices.rs`, ...), like the client's.
//!
//! It is checked against 462 exchanges recorded from a real Billmora
//! (`crates/billkit/fixtures/billmora/recorded/`): the test
//! `tests/billmora_conformance.rs` replays them all and finds no
//! difference in status, headers or body.
//!
//! - Answers as Laravel writes them: the exception handler's bodies (404,
//!   405, 500 `Server Error`, 503) pretty-printed with four spaces, the
//!   controllers' compact, `/` escaped as `\/`;
//!   `Access-Control-Allow-Origin: *` on every answer; an `OPTIONS`
//!   preflight is 204; [`BillmoraSandbox::set_maintenance`] answers 503 to
//!   everything; numbers (`INV-0007`, `TKT-0002`) follow the newest row's,
//!   padded to 4; rows of the same second list in id order.
//! - Middleware in the server's order: route (404/405), `auth:sanctum`
//!   (401, or a 302 to the login page without `Accept: application/json`),
//!   route-model binding (404 `No query results for model ...`, before
//!   everything else, without rate headers), the token's IP allow list
//!   ([`BillmoraSandbox::add_ip_restricted_token`]), the per-token rate
//!   limit (60 a minute unless [`BillmoraSandbox::set_rate_limit`]; 429 +
//!   `Retry-After`), then the token ability (403, counted and with rate
//!   headers).
//! - Creates answer the model as inserted, not re-read: columns the request
//!   did not set are `null` (a user's `status`, `language`,
//!   `auto_credit_payment`; a package's options; a TLD's `sort_order`; an
//!   order's `tax`, ...), timestamps in whole seconds. Invoices
//!   are the exception: their observer refreshes them after the commit.
//!   Keys that are not columns (invoice `notes`) are dropped silently, as
//!   Eloquent does for `$guarded` models.
//! - Enum values from the migrations: TLD, variant, catalog and package
//!   statuses are `visible`/`hidden`.
//! - The server's own bugs: `POST /variants` always answers 500; service
//!   list (with rows), show and update answer 500 (an update is saved
//!   first); the domain check only finds TLDs stored with a leading dot;
//!   values that pass validation but not the columns (`language` over 5
//!   characters, `null` into `NOT NULL`, ticket status `customer-reply`, a
//!   `currency` for users, an invoice line over 255 characters, a date past
//!   2106) answer 500; a list's `search` is an ungrouped `OR`, so combined
//!   with `status`/`user_id` it lets other rows through; an order's status
//!   change never reaches its invoice.
//! - Side effects as the source has them, and no others: an invoice status
//!   change touches only the status (`amount_due` stays the total less the
//!   payments, which only [`BillmoraSandbox::record_payment`] adds, as a
//!   gateway would; it is a PHP float on the wire, `0.19999999999999998`
//!   and all), and paying one runs its queued listeners at once
//!   (the order's pending services and domains are activated); an invoice
//!   created with nothing to pay is paid at once; ticket, service and registrant updates set no
//!   timestamps; a service's status change moves package stock and may
//!   complete its order; an order's status change moves its services and
//!   domains but not its invoice; deleting a service cancels its order;
//!   deleting a catalog, package or TLD still in use answers 500; users are
//!   soft-deleted (their email stays taken, their records show `user: null`).
//! - Dates chosen by the caller are midnight in the server's timezone
//!   (`Asia/Jakarta`), sent as UTC: `2026-08-01` reads back as
//!   `2026-07-31T17:00:00.000000Z`.
//!
//! Seed data: a wildcard (`*`) token ([`BillmoraSandbox::token`]), a user
//! with one unpaid invoice (USD 10.00), the `Web Hosting` catalog with the
//! `Starter` package and its monthly and yearly prices, a `Memory` variant,
//! the TLDs `com` and `.net` (the latter with the sandbox's registrar
//! plugin, so the domain check answers for it), and a pending order (a service, the domain
//! `borys.net` and their invoice); the ids are the `SEED_*` constants.
//!
//! Use it in an application's tests:
//!
//! ```no_run
//! use billkit::billmora::{Client, InvoiceStatus, OrderStatus, OrderUpdate};
//! use billkit_sandbox::billmora::{BillmoraSandbox, SEED_INVOICE_ID, SEED_ORDER_ID};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = BillmoraSandbox::start().await?;
//! let client = Client::builder()
//!     .base_url(sandbox.base_url())
//!     .token(sandbox.token())
//!     .build()?;
//! let invoice = client.invoices().mark_paid(SEED_INVOICE_ID).await?;
//! assert_eq!(invoice.status, InvoiceStatus::Paid);
//! let order = client
//!     .orders()
//!     .update(SEED_ORDER_ID, &OrderUpdate::new(OrderStatus::Completed))
//!     .await?;
//! assert!(order.completed_at.is_some());
//! // Over-quota behaviour, for a rate-limit test:
//! sandbox.set_rate_limit(2);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use super::{FakeApi, FakeServer, Method, SandboxClock, SandboxRequest, SandboxResponse};

mod catalogs;
mod domains;
mod invoices;
mod orders;
mod packages;
mod registrants;
mod services;
mod tamper;
mod tickets;
mod tlds;
mod users;
mod variants;

/// The seeded user's id.
pub const SEED_USER_ID: billkit::billmora::UserId = billkit::billmora::UserId::new(1);
/// The seeded catalog's id (`Web Hosting`).
pub const SEED_CATALOG_ID: billkit::billmora::CatalogId = billkit::billmora::CatalogId::new(1);
/// The seeded package's id (`Starter`).
pub const SEED_PACKAGE_ID: billkit::billmora::PackageId = billkit::billmora::PackageId::new(1);
/// The seeded package's monthly price id (USD 10.00 + 5.00 setup; EUR 9.50),
/// the `billing_id` of an order line.
pub const SEED_MONTHLY_PRICE_ID: billkit::billmora::PackagePriceId =
    billkit::billmora::PackagePriceId::new(1);
/// The seeded package's yearly price id (USD 100.00).
pub const SEED_YEARLY_PRICE_ID: billkit::billmora::PackagePriceId =
    billkit::billmora::PackagePriceId::new(2);
/// The seeded variant's id (`Memory`).
pub const SEED_VARIANT_ID: billkit::billmora::VariantId = billkit::billmora::VariantId::new(1);
/// The seeded unpaid invoice's id (USD 10.00, for [`SEED_USER_ID`]).
pub const SEED_INVOICE_ID: billkit::billmora::InvoiceId = billkit::billmora::InvoiceId::new(1);
/// The seeded TLD's id (`com`, USD 12.99 a year; stored without a dot as
/// the admin UI stores it, so the domain check never finds it).
pub const SEED_TLD_ID: billkit::billmora::TldId = billkit::billmora::TldId::new(1);
/// A second seeded TLD, stored as `.net` (with the dot, as the API allows):
/// the one the public domain check can find.
pub const SEED_DOTTED_TLD_ID: billkit::billmora::TldId = billkit::billmora::TldId::new(2);
/// The seeded order's id (pending: one `Starter` yearly service, the
/// domain `borys.net` and their invoice).
pub const SEED_ORDER_ID: billkit::billmora::OrderId = billkit::billmora::OrderId::new(1);
/// The seeded order's service.
pub const SEED_SERVICE_ID: billkit::billmora::ServiceId = billkit::billmora::ServiceId::new(1);
/// The seeded order's invoice.
pub const SEED_ORDER_INVOICE_ID: billkit::billmora::InvoiceId =
    billkit::billmora::InvoiceId::new(2);
/// The seeded order's domain (`borys.net`, pending).
pub const SEED_REGISTRANT_ID: billkit::billmora::RegistrantId =
    billkit::billmora::RegistrantId::new(1);
/// The quota of a token unless changed: 60 requests per minute.
pub const DEFAULT_RATE_LIMIT: u32 = 60;

const INVOICE_ITEMS: &str = "invoice_items";
const ORDER_ITEMS: &str = "order_items";
const TICKET_MESSAGES: &str = "ticket_messages";
const PACKAGE_PRICES: &str = "package_prices";
const VARIANT_OPTIONS: &str = "variant_options";
const VARIANT_OPTION_PRICES: &str = "variant_option_prices";
const TLD_PRICES: &str = "tld_prices";

/// The seed's one plugin: a registrar that finds a name free unless a
/// registrant holds it (the `.net` TLD uses it).
const SANDBOX_REGISTRAR_PLUGIN: u64 = 1;

fn default_currencies() -> Vec<String> {
    CURRENCIES.iter().map(|c| (*c).to_owned()).collect()
}

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
        Self::start_with(crate::LOOPBACK_ANY_PORT, SandboxClock::new()).await
    }

    /// Starts the fake on `addr` (port 0 for any free one), living in
    /// `clock`'s time. A port in use is an error that names it.
    pub async fn start_with(addr: SocketAddr, clock: SandboxClock) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(State::seeded(clock.clone())));
        let server = FakeServer::start_with(
            addr,
            clock.clone(),
            BillmoraFake {
                state: state.clone(),
            },
        )
        .await?;
        Ok(BillmoraSandbox { server, state })
    }

    /// The clock the fake reads its time from.
    pub fn clock(&self) -> SandboxClock {
        lock(&self.state).clock.clone()
    }

    /// The requests received, redacted (shorthand for `server().journal()`).
    pub fn journal(&self) -> &crate::Journal {
        self.server.journal()
    }

    /// The whole state (records, counters, tokens and their rate-limit
    /// windows) as JSON, for [`restore`](Self::restore) in this or a later
    /// run.
    pub fn snapshot(&self) -> serde_json::Value {
        crate::persist::snapshot(&*lock(&self.state))
    }

    /// Replaces the state with one from [`snapshot`](Self::snapshot); a
    /// document of another shape is refused and the state left as it was.
    pub fn restore(&self, document: &serde_json::Value) -> Result<(), crate::StateError> {
        let mut loaded: State = crate::persist::restore(document, "billmora")?;
        let mut s = lock(&self.state);
        loaded.clock = s.clock.clone();
        *s = loaded;
        Ok(())
    }

    /// Returns to the seed data, as just started.
    pub fn reset(&self) {
        let mut s = lock(&self.state);
        *s = State::seeded(s.clock.clone());
    }

    /// What Billmora's own scheduled automation would do by now: nothing
    /// the API shows. Its invoices have no overdue status (`unpaid`,
    /// `paid`, `cancelled`, `refunded`); the reminder job only sends
    /// mail, so a past-due invoice stays `unpaid`, as here. Returns 0.
    pub fn run_due(&self) -> usize {
        0
    }

    /// The API base URL (`http://127.0.0.1:PORT/api/v1`), ready for
    /// [`ClientBuilder::base_url`](billkit::billmora::ClientBuilder::base_url).
    pub fn base_url(&self) -> String {
        format!("{}/api/v1", self.server.url())
    }

    /// The installation's root URL (`http://127.0.0.1:PORT`).
    pub fn installation_url(&self) -> String {
        self.server.url()
    }

    /// The seeded token with the wildcard `*` ability (it may do anything,
    /// creating and updating orders included).
    pub fn token(&self) -> &'static str {
        WILDCARD_TOKEN
    }

    /// A client builder for this sandbox with its URL and the wildcard
    /// token set: add what your test needs (`manual_time`, `retry`,
    /// `attempt_timeout`, ...) and `build()`.
    pub fn client_builder(&self) -> billkit::billmora::ClientBuilder {
        billkit::billmora::Client::builder()
            .base_url(self.base_url())
            .token(self.token())
    }

    /// A client with the wildcard token and default settings (the
    /// client's 60 requests a minute match the sandbox's quota).
    pub fn client(&self) -> billkit::Result<billkit::billmora::Client> {
        self.client_builder().build()
    }

    /// The fault injector (shorthand for `server().faults()`).
    pub fn faults(&self) -> &crate::Faults {
        self.server.faults()
    }

    /// Issues another token with only these abilities (e.g.
    /// `["invoices.view"]`) and the current quota.
    pub fn add_token(&self, abilities: &[&str]) -> String {
        let mut s = lock(&self.state);
        s.next_token += 1;
        let token = format!("{}|billmoraSandboxToken{:020}", s.next_token, s.next_token);
        let limit = s.rate_limit;
        let now = s.clock.now();
        s.tokens.insert(
            token.clone(),
            TokenState::new(
                abilities.iter().map(|a| (*a).to_owned()).collect(),
                limit,
                now,
            ),
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
        let now = s.clock.now();
        for t in s.tokens.values_mut() {
            t.used = 0;
            t.window_start = now;
        }
    }

    /// Puts the installation in maintenance mode (`php artisan down`) or
    /// takes it out: while down, every request, the public domain check
    /// and unauthenticated ones included, answers 503 `Service
    /// Unavailable` (an HTML page without `Accept: application/json`), with
    /// no `Retry-After`, as Billmora does.
    pub fn set_maintenance(&self, down: bool) {
        lock(&self.state).maintenance = down;
    }

    /// Makes the next valid ticket create fail as it does on a real server
    /// when two creates read the same last `ticket_number` at once: the
    /// insert breaks the unique key, the answer is 500 `Server Error`, the
    /// ticket's id is used up and nothing is stored. For a client's tests
    /// of a create that fails after validation (and for replaying the
    /// recorded race).
    pub fn collide_next_ticket_number(&self) {
        lock(&self.state).ticket_collisions += 1;
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
        // Billmora's CORS middleware (`paths: ['api/*']`, any origin) puts
        // the header on every answer, errors and 503s included.
        lock(&self.state)
            .handle(request)
            .with_header("Access-Control-Allow-Origin", "*")
    }
}

// ---- model ----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

    /// Models with the `sort_order`, `id` global scope (else newest first).
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

    /// The `LIKE` columns of `search`, in the controller's order: the
    /// first is `where`, the others `orWhere`, none of them grouped.
    fn search_fields(self) -> &'static [&'static str] {
        match self {
            Kind::User => &["email", "first_name", "last_name"],
            Kind::Service => &["service_number", "name"],
            Kind::Invoice => &["invoice_number"],
            Kind::Order => &["order_number"],
            Kind::Ticket => &["ticket_number", "subject"],
            Kind::Package | Kind::Catalog | Kind::Variant => &["name"],
            Kind::Registrant => &["registrant_number", "domain"],
            Kind::Tld => &["tld"],
        }
    }

    /// Whether the controller adds `search` before its other filters
    /// (UsersController) rather than after them (everyone else).
    fn searches_first(self) -> bool {
        self == Kind::User
    }
}

type Record = Map<String, Value>;

/// An invoice line: description, quantity, unit price, service, registrant.
type InvoiceLine = (String, u64, Decimal, Option<u64>, Option<u64>);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TokenState {
    abilities: Vec<String>,
    /// IPs the token may be used from; `None` for any.
    allowed_ips: Option<Vec<String>>,
    limit: u32,
    used: u32,
    /// When its rate-limit window opened, on the sandbox's clock.
    window_start: DateTime<Utc>,
}

impl TokenState {
    fn new(abilities: Vec<String>, limit: u32, now: DateTime<Utc>) -> Self {
        TokenState {
            abilities,
            allowed_ips: None,
            limit,
            used: 0,
            window_start: now,
        }
    }

    fn can(&self, ability: &str) -> bool {
        self.abilities.iter().any(|a| a == "*" || a == ability)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    // Ordered, so a saved state reads the same each time.
    tokens: BTreeMap<String, TokenState>,
    next_token: u64,
    rate_limit: u32,
    tables: BTreeMap<Kind, BTreeMap<u64, Record>>,
    next_id: BTreeMap<Kind, u64>,
    /// The auto-increments of the tables whose rows only show inside
    /// another resource (`invoice_items`, `order_items`,
    /// `ticket_messages`, ...), each its own as in the database.
    #[serde(default)]
    next_child_ids: BTreeMap<String, u64>,
    /// The `currencies` table's codes (an order's `currency` must be one).
    #[serde(default = "default_currencies")]
    currencies: Vec<String>,
    /// The ids of installed plugins (`exists:plugins,id`); the registrar
    /// of a TLD whose `plugin_id` is one of them answers domain checks.
    #[serde(default)]
    plugins: Vec<u64>,
    /// `php artisan down`: every request answers 503.
    #[serde(default)]
    maintenance: bool,
    /// Ticket creates still to fail as a concurrent one with the same
    /// `ticket_number` would.
    #[serde(default)]
    ticket_collisions: u32,
    /// The sandbox's clock, shared, not part of the saved state.
    #[serde(skip)]
    clock: SandboxClock,
}

/// A timestamp as read back from a MySQL `timestamp` column: whole seconds.
fn now(clock: &SandboxClock) -> String {
    clock.now().format("%Y-%m-%dT%H:%M:%S.000000Z").to_string()
}

/// A time as Laravel serialises a `datetime` read from MySQL.
fn stamp_of(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.000000Z").to_string()
}

/// Carbon's `addDays`/`addWeeks`/`addMonthsNoOverflow`/`addYears` on the
/// server's wall clock (Asia/Jakarta): a month on from 31 January is the
/// last day of February there.
fn advance_local(t: DateTime<Utc>, period: &str, n: u64) -> Option<DateTime<Utc>> {
    let offset = chrono::Duration::hours(SERVER_UTC_OFFSET_HOURS);
    let local = t + offset;
    let n32 = u32::try_from(n).ok()?;
    let moved = match period {
        "daily" => local.checked_add_signed(chrono::Duration::days(i64::from(n32))),
        "weekly" => local.checked_add_signed(chrono::Duration::weeks(i64::from(n32))),
        "monthly" => local.checked_add_months(chrono::Months::new(n32)),
        "yearly" => local.checked_add_months(chrono::Months::new(n32.checked_mul(12)?)),
        _ => None,
    }?;
    Some(moved - offset)
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
    fn seeded(clock: SandboxClock) -> Self {
        let mut s = State {
            tokens: BTreeMap::new(),
            next_token: 1,
            rate_limit: DEFAULT_RATE_LIMIT,
            tables: Kind::ALL.iter().map(|k| (*k, BTreeMap::new())).collect(),
            next_id: Kind::ALL.iter().map(|k| (*k, 1)).collect(),
            next_child_ids: BTreeMap::new(),
            maintenance: false,
            ticket_collisions: 0,
            currencies: default_currencies(),
            plugins: vec![SANDBOX_REGISTRAR_PLUGIN],
            clock,
        };
        s.tokens.insert(
            WILDCARD_TOKEN.to_owned(),
            TokenState::new(vec!["*".to_owned()], DEFAULT_RATE_LIMIT, s.clock.now()),
        );
        let t = now(&s.clock);
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
        s.next_child_ids.insert(PACKAGE_PRICES.to_owned(), 3);
        let options = json!([
            {"id": s.child_id(VARIANT_OPTIONS), "name": "2 GB", "value": "2048",
             "prices": [{"id": s.child_id(VARIANT_OPTION_PRICES), "rates": {"USD": {"currency": "USD", "price": "0.00", "setup_fee": "0.00", "enabled": true}}}]},
            {"id": s.child_id(VARIANT_OPTIONS), "name": "4 GB", "value": "4096",
             "prices": [{"id": s.child_id(VARIANT_OPTION_PRICES), "rates": {"USD": {"currency": "USD", "price": "5.00", "setup_fee": "0.00", "enabled": true}}}]}
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
                "auto_provision": true, "sort_order": 0, "plugin_id": null, "provisioning_config": [],
                "_catalog_id": SEED_CATALOG_ID, "_prices": [monthly, yearly], "_variant_ids": [SEED_VARIANT_ID],
                "created_at": t, "updated_at": t
            })),
        );
        let tld_price = json!([{"id": s.child_id(TLD_PRICES), "currency": "USD", "register_price": "12.99",
                                 "renew_price": "14.99", "transfer_price": "9.99"}]);
        s.insert(
            Kind::Tld,
            obj(json!({
                "tld": "com", "status": "visible", "plugin_id": null, "min_years": 1, "max_years": 10,
                "grace_period_days": 0, "redemption_period_days": 0, "sort_order": 0, "auto_renew": null,
                "_prices": tld_price, "created_at": t, "updated_at": t
            })),
        );
        // Stored with its dot, as only the API allows: the one TLD the
        // public domain check can find.
        let net_price = json!([{"id": s.child_id(TLD_PRICES), "currency": "USD", "register_price": "10.99",
                                 "renew_price": "12.99", "transfer_price": "8.99"}]);
        s.insert(
            Kind::Tld,
            obj(json!({
                "tld": ".net", "status": "visible", "plugin_id": SANDBOX_REGISTRAR_PLUGIN, "min_years": 1, "max_years": 10,
                "grace_period_days": 0, "redemption_period_days": 0, "sort_order": 1, "auto_renew": null,
                "_prices": net_price, "created_at": t, "updated_at": t
            })),
        );
        let due = date_to_iso(
            &(s.clock.now() + chrono::Duration::hours(SERVER_UTC_OFFSET_HOURS))
                .format("%Y-%m-%d")
                .to_string(),
        );
        s.add_invoice(
            Some(SEED_USER_ID.get()),
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
        // Order 1 with service 1, domain 1 (`borys.net`) and invoice 2. The
        // yearly price has no setup fee, so the invoice's total is its
        // subtotal (Billmora leaves an order's setup fees out of the
        // subtotal and puts them in a column the API does not show).
        let placed = s.place_order(&obj(json!({
            "user_id": SEED_USER_ID, "currency": "USD", "coupon": null, "status": "pending",
            "package_items": [{"package_id": SEED_PACKAGE_ID, "billing_id": SEED_YEARLY_PRICE_ID}],
            "domain_items": [{"type": "register", "domain": "borys.net",
                              "tld_id": SEED_DOTTED_TLD_ID, "years": 1}],
        })));
        debug_assert_eq!(placed.status, 201, "seed order");
        s
    }

    /// `Model::generate…Number()` with Billmora's default settings
    /// (`PREFIX-{number}`, padding 4, increment 1): the number in the
    /// newest row's (by id) plus one, or 1 for an empty table. Deleted
    /// rows' numbers are not reused unless they were the newest.
    fn next_number(&self, kind: Kind, field: &str, prefix: &str) -> String {
        let last = self
            .table(kind)
            .into_iter()
            .flat_map(|t| t.values())
            .filter(|r| r.get(field).is_some_and(Value::is_string))
            .max_by_key(|r| rec_u64(r, "id"))
            .and_then(|r| r.get(field).and_then(Value::as_str))
            .and_then(|n| {
                let digits: String = n
                    .chars()
                    .rev()
                    .take_while(char::is_ascii_digit)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                digits.parse::<u64>().ok()
            });
        format!("{prefix}-{:04}", last.map_or(1, |n| n.saturating_add(1)))
    }

    /// The next id of a child table (its own auto-increment, from 1).
    fn child_id(&mut self, table: &str) -> u64 {
        let next = self.next_child_ids.entry(table.to_owned()).or_insert(1);
        let id = *next;
        *next += 1;
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
        if self.maintenance {
            // PreventRequestsDuringMaintenance runs before everything.
            return if wants_json(req) {
                exception(503, "Service Unavailable")
            } else {
                SandboxResponse {
                    status: 503,
                    headers: vec![("Content-Type".into(), "text/html; charset=UTF-8".into())],
                    body: MAINTENANCE_PAGE.as_bytes().to_vec(),
                }
            };
        }
        if req.method.as_str() == "OPTIONS" {
            // HandleCors answers any preflight itself, before routing.
            return SandboxResponse::empty(204)
                .with_header("Content-Type", "text/html; charset=UTF-8");
        }
        let segs = req.segments();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        match segs.as_slice() {
            ["api", "domains", "check"] => {
                if req.method != Method::POST {
                    return method_not_allowed(req, "POST");
                }
                self.domain_check(req)
            }
            ["api", "gateways", plugin, "webhook"] => {
                if req.method != Method::POST {
                    return method_not_allowed(req, "POST");
                }
                // The route binds `{plugin}` to an installed gateway plugin;
                // the sandbox has none, as the recorded server had none.
                exception(
                    404,
                    &format!("No query results for model [App\\Models\\Plugin] {plugin}"),
                )
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
        let wants_json = wants_json(req);

        // auth:sanctum
        let Some(token) = req.bearer_token().filter(|t| self.tokens.contains_key(t)) else {
            if !wants_json {
                let to = format!("http://{}/auth/login", host(req));
                return SandboxResponse::html(302, redirect_page(&to)).with_header("Location", to);
            }
            return message(401, "Unauthenticated.");
        };

        // Route-model binding (SubstituteBindings): Laravel's middleware
        // priority runs it right after authentication, so an unknown id is
        // 404 before the IP allow list, the limiter and the ability check.
        let id = match id {
            None => None,
            Some(text) => match text
                .parse::<u64>()
                .ok()
                .filter(|i| self.get(kind, *i).is_some())
            {
                Some(i) => Some(i),
                None => {
                    return exception(
                        404,
                        &format!(
                            "No query results for model [App\\Models\\{}] {text}",
                            kind.model()
                        ),
                    );
                }
            },
        };

        // CheckApiWhitelistIp (callers are always on loopback).
        let ip_ok = self
            .tokens
            .get(&token)
            .and_then(|t| t.allowed_ips.as_ref())
            .is_none_or(|ips| ips.iter().any(|ip| ip == "127.0.0.1"));
        if !ip_ok {
            return message(403, "Your IP address is not allowed to use this token.");
        }

        // ApiRateLimiter: per token.
        let now = self.clock.now();
        let (limit, remaining) = match self.tokens.get_mut(&token) {
            Some(t) => {
                // A clock set back (a restored state) opens a new window.
                let since = (now - t.window_start).to_std().unwrap_or(WINDOW);
                // Laravel's limiter opens a window at its first hit.
                if t.used == 0 || since >= WINDOW {
                    t.window_start = now;
                    t.used = 0;
                }
                if t.used >= t.limit {
                    let since = (now - t.window_start).to_std().unwrap_or(WINDOW);
                    let left = WINDOW.saturating_sub(since);
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

        // CheckApiTokenAbility is a route middleware, so it runs after the
        // group's ApiRateLimiter: a refusal counts against the quota and
        // carries the rate headers.
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
            )
            .with_header("X-RateLimit-Limit", limit.to_string())
            .with_header("X-RateLimit-Remaining", remaining.to_string());
        }

        let body = request_body(req);
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
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(v) = value {
                out.insert(key.to_owned(), v);
            }
        };
        // Each resource's relations live in its own file.
        match kind {
            Kind::User => {}
            Kind::Catalog if !full => {}
            Kind::Catalog => self.catalog_relations(record, full, &mut put),
            Kind::Service => self.service_relations(record, full, &mut put),
            Kind::Invoice => self.invoice_relations(record, full, &mut put),
            Kind::Order => self.order_relations(record, full, &mut put),
            Kind::Ticket => self.ticket_relations(record, full, &mut put),
            Kind::Package => self.package_relations(record, full, &mut put),
            Kind::Variant => self.variant_relations(record, full, &mut put),
            Kind::Registrant => self.registrant_relations(record, full, &mut put),
            Kind::Tld => self.tld_relations(record, full, &mut put),
        }
        if kind == Kind::Variant {
            // VariantResource has no `sort_order`.
            out.remove("sort_order");
        }
        Value::Object(out)
    }

    /// A loaded `user` relation: `null` when the row is soft-deleted
    /// (JsonResource turns a nested resource of null into null).
    fn loaded_user(&self, record: &Record) -> Value {
        rec_u64(record, "_user_id")
            .and_then(|id| self.get(Kind::User, id))
            .map_or(Value::Null, |u| self.render(Kind::User, u, false))
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

    /// A list's order: every controller calls `latest()` (newest
    /// `created_at` first) before the model's own `sort_order`, `id`
    /// scope, which only breaks ties.
    fn listed(&self, kind: Kind) -> Vec<&Record> {
        let mut rows = self.sorted(kind);
        if !kind.sorted_by_order() {
            // MariaDB hands back rows of the same `created_at` in the order
            // they were inserted (ascending id), as every recorded walk shows;
            // nothing in the query asks for it.
            rows.reverse();
        }
        rows.sort_by(|a, b| {
            let at = |r: &Record| {
                r.get("created_at")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            at(b).cmp(&at(a))
        });
        rows
    }

    fn list(&self, req: &SandboxRequest, kind: Kind) -> SandboxResponse {
        let non_empty = |k: &str| req.query_value(k).map(str::trim).filter(|v| !v.is_empty());
        let status = non_empty("status");
        let priority = non_empty("priority").filter(|_| kind == Kind::Ticket);
        let user_id = non_empty("user_id").filter(|_| kind.filters_user());
        let search = non_empty("search").map(str::to_lowercase);
        let filters = |r: &Record| {
            status.is_none_or(|s| r.get("status").and_then(Value::as_str) == Some(s))
                && priority.is_none_or(|p| r.get("priority").and_then(Value::as_str) == Some(p))
                && user_id.is_none_or(|u| {
                    rec_u64(r, "_user_id").map(|id| id.to_string()).as_deref() == Some(u)
                })
        };
        let like = |r: &Record, field: &str, q: &str| {
            r.get(field)
                .and_then(Value::as_str)
                .is_some_and(|v| v.to_lowercase().contains(q))
        };
        // The controllers' SQL, with its precedence: `search` is an
        // ungrouped `where ... or where ...`, so AND binds the other filters
        // to only one of its columns (the last one when search comes first,
        // the first one otherwise). Other users' rows can leak in.
        let matches = |r: &Record| match search.as_deref() {
            None => filters(r),
            Some(q) => {
                let fields = kind.search_fields();
                let (bound, free): (&str, &[&str]) = if kind.searches_first() {
                    let (last, rest) = fields.split_last().unwrap_or((&"", &[]));
                    (last, rest)
                } else {
                    let (first, rest) = fields.split_first().unwrap_or((&"", &[]));
                    (first, rest)
                };
                (like(r, bound, q) && filters(r)) || free.iter().any(|f| like(r, f, q))
            }
        };
        let rows: Vec<&Record> = self
            .listed(kind)
            .into_iter()
            // SoftDeletes' global scope (Laravel groups the wheres above).
            .filter(|r| !is_trashed(r))
            .filter(|r| matches(r))
            .collect();
        let page = req
            .query_value("page")
            .and_then(|p| p.trim().parse::<u64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        // `paginate($request->input('per_page', 15))`: `0` or empty falls
        // back to the model's 15; a negative or non-numeric value reaches
        // the query and fails (500).
        let per_page = match req.query_value("per_page").map(str::trim) {
            None | Some("" | "0") => 15,
            Some(p) => match p.parse::<u64>() {
                Ok(n) => n,
                Err(_) => return server_error(),
            },
        };
        let total = rows.len() as u64;
        let last_page = total.div_ceil(per_page).max(1);
        let start = (page - 1).saturating_mul(per_page);
        let rows: Vec<&Record> = rows
            .into_iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .collect();
        if kind == Kind::Service && !rows.is_empty() {
            // ServicesController eager-loads `scalings`, a relation the
            // Service model lacks: 500 as soon as there is a row to load for.
            return server_error();
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
        for n in url_window(page, last_page) {
            links.push(match n {
                Some(n) => {
                    json!({"url": url(n), "label": n.to_string(), "page": n, "active": n == page})
                }
                None => json!({"url": null, "label": "...", "active": false}),
            });
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
        php_json(200, &body)
    }

    fn show(&self, kind: Kind, id: u64) -> SandboxResponse {
        match self.get(kind, id) {
            // `$service->load(['user', 'package', 'scalings'])`: no such relation.
            Some(_) if kind == Kind::Service => server_error(),
            Some(r) => php_json(200, &json!({"data": self.render(kind, r, true)})),
            None => exception(
                404,
                &format!(
                    "No query results for model [App\\Models\\{}] {id}",
                    kind.model()
                ),
            ),
        }
    }

    /// The record with only the relations every endpoint loads (not the
    /// show's).
    fn plain(&self, status: u16, kind: Kind, id: u64) -> SandboxResponse {
        match self.get(kind, id) {
            Some(r) => php_json(status, &json!({"data": self.render(kind, r, false)})),
            None => server_error(),
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
        // Restricting foreign keys: packages.catalog_id, services.package_id,
        // registrants.tld_id. MySQL refuses; Laravel answers a bare 500.
        let restricted = |child: Kind, key: &str| {
            self.table(child)
                .into_iter()
                .flat_map(|t| t.values())
                .any(|r| rec_u64(r, key) == Some(id))
        };
        let blocked = match kind {
            Kind::Catalog => restricted(Kind::Package, "_catalog_id"),
            Kind::Package => restricted(Kind::Service, "_package_id"),
            Kind::Tld => restricted(Kind::Registrant, "_tld_id"),
            _ => false,
        };
        if blocked {
            return server_error();
        }
        if kind == Kind::User {
            // Soft delete: the row stays (its email stays taken, its
            // invoices and orders keep pointing at it).
            self.touch(kind, id, obj(json!({"_deleted_at": now(&self.clock)})));
        } else {
            let removed = self.table_mut(kind).remove(&id);
            // Service::booted(): deleting a service cancels its order.
            if let Some(order_id) = removed
                .filter(|_| kind == Kind::Service)
                .and_then(|r| rec_u64(&r, "_order_id"))
            {
                self.touch(
                    Kind::Order,
                    order_id,
                    obj(json!({"status": "cancelled", "cancelled_at": now(&self.clock)})),
                );
            }
        }
        php_json(200, &json!({"message": kind.deleted()}))
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
            Kind::Service | Kind::Registrant => exception(405, "Method not allowed."),
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

    /// What a controller answers after `Model::create($validated)` without
    /// re-reading the row: each of `defaults` the request did not send is
    /// `null` (the database filled it in; the PHP model never saw it).
    fn created(&self, kind: Kind, id: u64, defaults: &[&str], sent: &Record) -> SandboxResponse {
        self.created_with(kind, id, defaults, sent, false)
    }

    /// [`created`](Self::created), with the show's relations loaded.
    fn created_with(
        &self,
        kind: Kind,
        id: u64,
        defaults: &[&str],
        sent: &Record,
        full: bool,
    ) -> SandboxResponse {
        let Some(record) = self.get(kind, id) else {
            return server_error();
        };
        let mut value = self.render(kind, record, full);
        if let Value::Object(m) = &mut value {
            let t = now(&self.clock);
            m.insert("created_at".into(), json!(t));
            m.insert("updated_at".into(), json!(t));
            for column in defaults {
                if !sent.contains_key(*column) {
                    m.insert((*column).to_owned(), Value::Null);
                }
            }
        }
        php_json(201, &json!({ "data": value }))
    }

    /// Changes a row without touching `updated_at` (a write inside the
    /// same second as its insert, or one SQL makes).
    fn touch_quietly(&mut self, kind: Kind, id: u64, changes: Record) {
        if let Some(r) = self.table_mut(kind).get_mut(&id) {
            r.extend(changes);
        }
    }

    fn touch(&mut self, kind: Kind, id: u64, changes: Record) {
        let stamp = now(&self.clock);
        if let Some(r) = self.table_mut(kind).get_mut(&id) {
            for (k, v) in changes {
                r.insert(k, v);
            }
            r.insert("updated_at".into(), json!(stamp));
        }
    }
}

fn is_trashed(record: &Record) -> bool {
    record.get("_deleted_at").is_some_and(|v| !v.is_null())
}

/// Whether the request sets one of these `NOT NULL` columns to `null`
/// (after Laravel's TrimStrings and ConvertEmptyStringsToNull): the rules
/// say `nullable`, the database refuses, the server answers 500.
fn nulls_a_not_null_column(body: &Record, not_null: &[&str]) -> bool {
    not_null.iter().any(|c| match body.get(*c) {
        Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    })
}

fn message(status: u16, text: &str) -> SandboxResponse {
    php_json(status, &json!({ "message": text }))
}

/// What Laravel's exception handler answers (404 model or route, 405,
/// 500 `Server Error`, 503): the same `{"message"}`, pretty-printed.
fn exception(status: u16, text: &str) -> SandboxResponse {
    SandboxResponse::raw_json(status, php_text(&json!({ "message": text }), true))
}

/// A query or database failure the exception handler hides (`APP_DEBUG`
/// off).
fn server_error() -> SandboxResponse {
    exception(500, "Server Error")
}

/// JSON as PHP's `json_encode` writes it for Laravel: `/` escaped as `\/`
/// and non-ASCII as `\uXXXX` (no `JSON_UNESCAPED_*` flags), compact, or
/// with `JSON_PRETTY_PRINT`'s four-space indent.
fn php_json(status: u16, value: &Value) -> SandboxResponse {
    SandboxResponse::raw_json(status, php_text(value, false))
}

/// [`php_json`]'s text, compact or pretty.
fn php_text(value: &Value, pretty: bool) -> String {
    let text = if pretty {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        match value.serialize(&mut ser) {
            Ok(()) => String::from_utf8(out).unwrap_or_else(|_| value.to_string()),
            Err(_) => value.to_string(),
        }
    } else {
        value.to_string()
    };
    let mut php = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // `/` only occurs inside strings in JSON text.
            '/' => php.push_str("\\/"),
            c if !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    php.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => php.push(c),
        }
    }
    php
}

/// The request's input as Laravel reads it: a JSON object, or a form
/// (`application/x-www-form-urlencoded`); malformed JSON is an empty input.
fn request_body(req: &SandboxRequest) -> Record {
    let form = req
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if form {
        return req
            .form()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
    }
    match req.json() {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The page numbers of a paginator's `meta.links`, `None` for a `...`:
/// Laravel's `UrlWindow` with `onEachSide` 3 (every page below 14 pages,
/// else the first 10, a window of 7 around the current page or the last
/// 10, with pages 1-2 and the last two at the ends).
fn url_window(page: u64, last: u64) -> Vec<Option<u64>> {
    const EACH_SIDE: u64 = 3;
    const WINDOW: u64 = EACH_SIDE + 4;
    let range = |a: u64, b: u64| (a..=b).map(Some).collect::<Vec<_>>();
    if last < EACH_SIDE * 2 + 8 {
        return range(1, last);
    }
    let (start, finish) = (range(1, 2), range(last - 1, last));
    let mut out;
    if page <= WINDOW {
        out = range(1, WINDOW + EACH_SIDE);
        out.push(None);
        out.extend(finish);
    } else if page > last - WINDOW {
        out = start;
        out.push(None);
        out.extend(range(last - (WINDOW + (EACH_SIDE - 1)), last));
    } else {
        out = start;
        out.push(None);
        out.extend(range(page - EACH_SIDE, page + EACH_SIDE));
        out.push(None);
        out.extend(finish);
    }
    out
}

/// Whether the client asked for JSON (Laravel's `expectsJson`).
fn wants_json(req: &SandboxRequest) -> bool {
    req.header("accept").is_some_and(|a| a.contains("json"))
}

/// The host the client addressed, which Laravel builds its URLs from.
fn host(req: &SandboxRequest) -> &str {
    req.header("host").unwrap_or("127.0.0.1")
}

/// Laravel's 503 page for a browser during maintenance.
const MAINTENANCE_PAGE: &str = include_str!("maintenance.html");

fn not_found_route(req: &SandboxRequest) -> SandboxResponse {
    exception(
        404,
        &format!(
            "The route {} could not be found.",
            req.path.trim_start_matches('/')
        ),
    )
}

fn method_not_allowed(req: &SandboxRequest, allowed: &str) -> SandboxResponse {
    exception(
        405,
        &format!(
            "The {} method is not supported for route {}. Supported methods: {allowed}.",
            req.method,
            req.path.trim_start_matches('/')
        ),
    )
    .with_header("Allow", allowed)
}

/// Symfony's `RedirectResponse` page.
fn redirect_page(to: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n    <head>\n        <meta charset=\"UTF-8\" />\n        <meta http-equiv=\"refresh\" content=\"0;url='{to}'\" />\n\n        <title>Redirecting to {to}</title>\n    </head>\n    <body>\n        Redirecting to <a href=\"{to}\">{to}</a>.\n    </body>\n</html>"
    )
}

/// `Y-m-d` or `Y-m-d H:i:s` as Laravel serialises a date cast.
/// The fake runs in Billmora's default timezone, `Asia/Jakarta` (UTC+7,
/// `config/app.php`).
const SERVER_UTC_OFFSET_HOURS: i64 = 7;

/// A request date (`Y-m-d` or `Y-m-d H:i:s`, any offset dropped, as
/// Eloquent's `fromDateTime` does) read as server wall-clock time and sent
/// back as Laravel serialises it: the UTC instant, so `2026-08-01` becomes
/// `2026-07-31T17:00:00.000000Z`.
fn date_to_iso(text: &str) -> String {
    let t = text.trim();
    let date = t.get(..10).unwrap_or(t);
    let time = t.get(11..19).filter(|s| s.len() == 8).unwrap_or("00:00:00");
    chrono::NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M:%S")
        .map(|local| {
            (local - chrono::Duration::hours(SERVER_UTC_OFFSET_HOURS))
                .format("%Y-%m-%dT%H:%M:%S.000000Z")
                .to_string()
        })
        .unwrap_or_else(|_| format!("{date}T{time}.000000Z"))
}

/// Whether a request date falls outside a `timestamp` column of MariaDB
/// 11.5+ (Billmora's default database: 1970-01-01 00:00:01 to 2106-02-07
/// 06:28:15 UTC): the `date` rule lets it through, the write fails.
fn beyond_timestamp(text: Option<&str>) -> bool {
    text.map(date_to_iso).is_some_and(|iso| {
        iso.as_str() < "1970-01-01T00:00:01" || iso.as_str() > "2106-02-07T06:28:15"
    })
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
    /// Rules of `sometimes` without `nullable`: a field sent as `null` is
    /// validated (and fails `string`) rather than skipped.
    null_fails: bool,
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
            null_fails: false,
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

    /// `v` unless Laravel's middleware made it null (`null`, `""`).
    fn value_of<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        Some(v).filter(|v| !v.is_null() && *v != &json!(""))
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
        if self.null_fails
            && self
                .body
                .get(field)
                .is_some_and(|v| self.value_of(v).is_none())
        {
            let msg = format!("The {} field must be a string.", self.label(field));
            self.fail(field, &msg);
            return false;
        }
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
            // `min:` and `max:` rules, each with its own message.
            Some(n) if n < min => {
                self.fail(field, &format!("The {label} field must be at least {min}."))
            }
            Some(n) if n > max => self.fail(
                field,
                &format!("The {label} field must not be greater than {max}."),
            ),
            Some(_) => {}
        }
    }

    /// `exists:<table>,id` against these ids (checked only when the
    /// field passed its other rules).
    fn exists_in(&mut self, field: &str, ids: &[u64]) {
        let name = self.name(field);
        if !self.present(field) || self.errors.iter().any(|(f, _)| *f == name) {
            return;
        }
        if !self.u64(field).is_some_and(|id| ids.contains(&id)) {
            let msg = format!("The selected {} is invalid.", self.label(field));
            self.fail(field, &msg);
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
            // Laravel's `boolean`: true, false, 0, 1, "0", "1"; not "true".
            Some(Value::String(s)) => matches!(s.as_str(), "0" | "1"),
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
        if let Some(v) = self.value(field)
            && !(v.is_object() || v.as_array().is_some_and(Vec::is_empty))
        {
            let msg = format!("The {} field must be an array.", self.label(field));
            self.fail(field, &msg);
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
        Err(php_json(
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
    if (INTS.contains(&field) || field == "plugin_id")
        && let Some(i) = int_of(Some(v))
    {
        return json!(i);
    }
    v.clone()
}

/// Whether `document` loads as this fake's state, without applying it.
#[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
pub(crate) fn check_state(document: &Value) -> Result<(), crate::StateError> {
    crate::persist::restore::<State>(document, "billmora").map(|_| ())
}

impl BillmoraSandbox {
    /// A function that snapshots this fake's state, for a hook that
    /// outlives the borrow of `self`.
    #[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
    pub(crate) fn snapshotter(&self) -> impl Fn() -> Value + Send + Sync + 'static {
        let state = self.state.clone();
        move || crate::persist::snapshot(&*lock(&state))
    }
}
