//! A stateful, in-process fake of the BillPro API.
//!
//! [`BillProSandbox::start`] serves every endpoint of BillPro API v1 on
//! `127.0.0.1` with the real server's behaviour:
//!
//! - `201` for a create, `200` otherwise; lists are bare JSON arrays of 25
//!   items, walked with `?page=N`.
//! - Bad order input is answered `400 {"error": "Bad Request"}`; customer
//!   validation `422` with a field map such as `{"phone": ["is invalid"]}`
//!   (a phone must be E.164 and fit its country code: `+44` numbers have 10
//!   digits after the code); a missing entity `422 {"error": "Record not found"}`.
//! - A missing or unknown token is `401 {"error": "Unauthorized"}`. The
//!   default token ([`BillProSandbox::token`]) reaches two merchant profiles,
//!   so every request must name one with `profile_id` (use
//!   [`BillProSandbox::profile_id`]); without it the answer is `400`, and a
//!   profile the token cannot reach is `403`. A single-profile token
//!   ([`BillProSandbox::single_profile_token`]) needs no `profile_id`.
//! - Products are seeded (products cannot be created through the API): 30
//!   in the main profile ([`PROFILE_ID`]), so lists span two pages. An
//!   order takes only products of its own purchase type and currency;
//!   anything else is BillPro's bare `400 {"error": "Bad Request"}`.
//!   Product 1 ([`FIRST_STEPS_PRODUCT_ID`]) is the example of BillPro's
//!   first-steps guide, verbatim: a monthly **subscription** at GBP 44.99,
//!   for `create_subscription_order`, not for a single-payment order.
//!   Products 2 to 30 take the purchase types in turn, and every id that is
//!   a multiple of 5 is priced in EUR, the others in GBP:
//!
//!   | ids | purchase type | schedule | ready-made id |
//!   | --- | --- | --- | --- |
//!   | 2, 6, 10, … 30 | single payment | | [`SINGLE_PAYMENT_PRODUCT_ID`] (2, GBP 19.99), [`SINGLE_PAYMENT_EUR_PRODUCT_ID`] (10, EUR 35.00) |
//!   | 3, 7, 11, … 27 | instalment, deposit 10.00 | monthly | [`INSTALMENT_PRODUCT_ID`] (3, GBP 120.00) |
//!   | 4, 8, 12, … 28 | subscription | monthly | [`SUBSCRIPTION_PRODUCT_ID`] (4, GBP 44.99) |
//!   | 5, 9, 13, … 29 | metered | weekly | [`METERED_PRODUCT_ID`] (5, EUR 0.02) |
//!
//!   [`OTHER_PROFILE_ID`] has three EUR products of its own (101 single
//!   payment, 102 instalment, 103 subscription, 12.00 each).
//! - Orders start `pending` (a payment link was sent). Cancel turns a
//!   preliminary order `cancelled` and a live one `complete`; only an
//!   `active` subscription can be paused; resume returns it to `active`
//!   (or `failed` when a payment is declined). Instalment and subscription
//!   orders get scheduled payments, which can be changed only while
//!   `scheduled`, `soft-declined` or `hard-declined`, to `cancelled`,
//!   `skipped` or `scheduled`.
//! - What the customer and the card network would do is simulated with
//!   [`BillProSandbox::complete_checkout`] and
//!   [`BillProSandbox::decline_payment`].
//!
//! Use it in an application's tests:
//!
//! ```
//! use billkit::billpro::{NewCustomer, NewSingleOrder, OrderLine, OrderStatus};
//! use billkit_sandbox::billpro::{BillProSandbox, SINGLE_PAYMENT_PRODUCT_ID};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let sandbox = BillProSandbox::start().await?;
//! let client = billkit::billpro::Client::builder()
//!     .token(sandbox.token())
//!     .base_url(sandbox.base_url())
//!     .profile_id(sandbox.profile_id())
//!     .build()?;
//!
//! let customer = client
//!     .customers()
//!     .create(&NewCustomer::new("Dana", "Borys", "dana@example.com"))
//!     .await?;
//! let order = client
//!     .orders()
//!     .create_single_order(
//!         &NewSingleOrder::new(customer.id, "GBP", "INV-1")
//!             .product(OrderLine::new(SINGLE_PAYMENT_PRODUCT_ID)),
//!     )
//!     .await?;
//! assert_eq!(order.status, OrderStatus::Pending);
//! sandbox.complete_checkout(order.id.get());
//! assert_eq!(client.orders().get(order.id).await?.status, OrderStatus::Complete);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! Faults (delays, 5xx and 429 bursts, dropped connections, transfers cut
//! off mid-body, malformed bodies) are injected through
//! [`BillProSandbox::faults`]; aim them at the real routes, e.g.
//! `faults().on("POST", "/orders/create_single_order")`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use billkit::billpro::{OrderId, ProductId, ScheduledPaymentId};

use serde::{Deserialize, Serialize};

use super::{FakeApi, FakeServer, Method, SandboxClock, SandboxRequest, SandboxResponse};

mod customers;
mod orders;
mod products;
mod scheduled_payments;
mod tamper;

use customers::Customer;
use orders::Order;
use products::{Product, product_json};
use scheduled_payments::{Payment, payment_json};

pub mod notify;

/// The default sandbox token; it reaches profiles [`PROFILE_ID`] and
/// [`OTHER_PROFILE_ID`], so requests must carry `profile_id`.
pub const TOKEN: &str = "billpro-sandbox-multi-profile-token";
/// A token that reaches [`PROFILE_ID`] only (no `profile_id` needed).
pub const SINGLE_PROFILE_TOKEN: &str = "billpro-sandbox-single-profile-token";
/// The merchant profile with the seeded catalogue.
pub const PROFILE_ID: u64 = 5;
/// A second merchant profile of [`TOKEN`], with a small catalogue of its own.
pub const OTHER_PROFILE_ID: u64 = 6;
/// Items per page.
const PAGE_SIZE: usize = 25;
/// The most instalments an order may have.
const MAX_INSTALMENTS: u32 = 120;
/// Products seeded into [`PROFILE_ID`].
pub const SEEDED_PRODUCTS: usize = 30;
/// The product of BillPro's first-steps guide: a monthly subscription at
/// GBP 44.99 (deposit 42.74), for subscription orders only.
pub const FIRST_STEPS_PRODUCT_ID: ProductId = ProductId::new(1);
/// A single-payment product at GBP 19.99, for `create_single_order`.
pub const SINGLE_PAYMENT_PRODUCT_ID: ProductId = ProductId::new(2);
/// A single-payment product at EUR 35.00, for `create_single_order` in
/// euros.
pub const SINGLE_PAYMENT_EUR_PRODUCT_ID: ProductId = ProductId::new(10);
/// An instalment product at GBP 120.00 (deposit 10.00, monthly), for
/// `create_instalment_order`.
pub const INSTALMENT_PRODUCT_ID: ProductId = ProductId::new(3);
/// A monthly subscription product at GBP 44.99, for
/// `create_subscription_order`.
pub const SUBSCRIPTION_PRODUCT_ID: ProductId = ProductId::new(4);
/// A weekly metered product at EUR 0.02, for `create_metered_order`.
pub const METERED_PRODUCT_ID: ProductId = ProductId::new(5);

/// A running BillPro fake. Stops when dropped.
pub struct BillProSandbox {
    server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for BillProSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillProSandbox")
            .field("base_url", &self.base_url())
            .field("profile_id", &PROFILE_ID)
            .finish_non_exhaustive()
    }
}

impl BillProSandbox {
    /// Starts the fake on an ephemeral loopback port, with seeded products.
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
            Api {
                state: state.clone(),
            },
        )
        .await?;
        Ok(BillProSandbox { server, state })
    }

    /// The clock the fake reads its time from.
    pub fn clock(&self) -> SandboxClock {
        lock(&self.state).clock.clone()
    }

    /// The requests received, redacted (shorthand for `server().journal()`).
    pub fn journal(&self) -> &crate::Journal {
        self.server.journal()
    }

    /// The whole state (customers, orders, scheduled payments, counters
    /// and the webhook's log and queue) as JSON, for
    /// [`restore`](Self::restore) in this or a later run. The seeded
    /// products are not in it (they cannot change), nor the registered
    /// listener (its key never leaves memory): register it again after a
    /// restore.
    pub fn snapshot(&self) -> serde_json::Value {
        crate::persist::snapshot(&*lock(&self.state))
    }

    /// Replaces the state with one from [`snapshot`](Self::snapshot); a
    /// document of another shape is refused and the state left as it was.
    pub fn restore(&self, document: &serde_json::Value) -> Result<(), crate::StateError> {
        let mut loaded: State = crate::persist::restore(document, "billpro")?;
        let mut s = lock(&self.state);
        let seeded = State::seeded(s.clock.clone());
        loaded.products = seeded.products;
        loaded.clock = seeded.clock;
        loaded.outbox.listener = s.outbox.listener.take();
        *s = loaded;
        Ok(())
    }

    /// Returns to the seeded catalogue with no customers or orders, as
    /// just started (a registered listener stays registered).
    pub fn reset(&self) {
        let mut s = lock(&self.state);
        let mut fresh = State::seeded(s.clock.clone());
        fresh.outbox.listener = s.outbox.listener.take();
        *s = fresh;
    }

    /// What the gateway's scheduler would have done by the clock's time:
    /// collects every `scheduled` payment dated today or earlier
    /// ([`collect_payment`](Self::collect_payment), which queues its
    /// notification). Returns how many were collected.
    pub fn run_due(&self) -> usize {
        let due: Vec<u64> = {
            let s = lock(&self.state);
            let today = s.clock.now().date_naive();
            s.payments
                .iter()
                .filter(|p| p.status == "scheduled" && p.date <= today)
                .map(|p| p.id)
                .collect()
        };
        due.into_iter()
            .filter(|id| self.collect_payment(*id))
            .count()
    }

    /// The API base URL, `http://127.0.0.1:PORT/api/v1`, for
    /// [`ClientBuilder::base_url`](billkit::billpro::ClientBuilder::base_url).
    pub fn base_url(&self) -> String {
        format!("{}/api/v1", self.server.url())
    }

    /// The default token. It reaches two merchant profiles, so every request
    /// must name one: use [`profile_id`](Self::profile_id).
    pub fn token(&self) -> &'static str {
        TOKEN
    }

    /// A token that reaches only [`profile_id`](Self::profile_id).
    pub fn single_profile_token(&self) -> &'static str {
        SINGLE_PROFILE_TOKEN
    }

    /// The merchant profile to use with [`token`](Self::token).
    pub fn profile_id(&self) -> u64 {
        PROFILE_ID
    }

    /// Every merchant profile [`token`](Self::token) reaches.
    pub fn profile_ids(&self) -> [u64; 2] {
        [PROFILE_ID, OTHER_PROFILE_ID]
    }

    /// The underlying server (URL, fault injection, request count).
    pub fn server(&self) -> &FakeServer {
        &self.server
    }

    /// A client builder for this sandbox with its URL, default token and
    /// profile set: add what your test needs (`manual_time`, `retry`,
    /// `attempt_timeout`, ...) and `build()`.
    pub fn client_builder(&self) -> billkit::billpro::ClientBuilder {
        billkit::billpro::Client::builder()
            .token(self.token())
            .base_url(self.base_url())
            .profile_id(self.profile_id())
    }

    /// A client for this sandbox: default token, its profile, default
    /// settings.
    pub fn client(&self) -> billkit::Result<billkit::billpro::Client> {
        self.client_builder().build()
    }

    /// The fault injector (shorthand for `server().faults()`).
    pub fn faults(&self) -> &super::Faults {
        self.server.faults()
    }

    /// Simulates the customer paying an order's checkout: a pending or
    /// draft single-payment order becomes `complete`, any other order
    /// `active`. Returns `false` when there is no such order in that state.
    pub fn complete_checkout(&self, order_id: impl Into<OrderId>) -> bool {
        let order_id = order_id.into().get();
        let mut s = lock(&self.state);
        let now = s.clock.now();
        let Some(order) = s.orders.iter_mut().find(|o| o.id == order_id) else {
            return false;
        };
        if !matches!(order.status.as_str(), "pending" | "draft") {
            return false;
        }
        order.status = if order.order_type == "single_payment" {
            "complete"
        } else {
            "active"
        }
        .to_owned();
        order.updated_at = now;
        notify::payment_result(&mut s, order_id, None, true);
        true
    }

    /// Simulates a card decline of a `scheduled` payment: soft (retried;
    /// the order becomes `failed`) or hard (the order becomes `suspended`).
    /// Returns `false` when there is no such scheduled payment.
    pub fn decline_payment(
        &self,
        scheduled_payment_id: impl Into<ScheduledPaymentId>,
        hard: bool,
    ) -> bool {
        let scheduled_payment_id = scheduled_payment_id.into().get();
        let mut s = lock(&self.state);
        let now = s.clock.now();
        let Some(p) = s
            .payments
            .iter_mut()
            .find(|p| p.id == scheduled_payment_id && p.status == "scheduled")
        else {
            return false;
        };
        p.status = if hard {
            "hard-declined"
        } else {
            "soft-declined"
        }
        .to_owned();
        p.updated_at = now;
        let order_id = p.order_id;
        if let Some(o) = s.orders.iter_mut().find(|o| o.id == order_id) {
            o.status = if hard { "suspended" } else { "failed" }.to_owned();
            o.updated_at = now;
        }
        notify::payment_result(&mut s, order_id, Some(scheduled_payment_id), false);
        true
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

struct Api {
    state: Arc<Mutex<State>>,
}

impl FakeApi for Api {
    fn handle(&self, request: &SandboxRequest) -> SandboxResponse {
        let mut state = lock(&self.state);
        match state.route(request) {
            Ok(r) | Err(r) => r,
        }
    }
}

type Answer = Result<SandboxResponse, SandboxResponse>;

// ---------------------------------------------------------------- state

#[derive(Default, Serialize, Deserialize)]
struct State {
    /// Seeded and never changed, so not saved: a restore seeds them again.
    #[serde(skip)]
    products: Vec<Product>,
    customers: Vec<Customer>,
    orders: Vec<Order>,
    payments: Vec<Payment>,
    next_customer: u64,
    next_order: u64,
    next_payment: u64,
    next_checkout: u64,
    outbox: notify::Outbox,
    /// The sandbox's clock, shared, not part of the saved state.
    #[serde(skip)]
    clock: SandboxClock,
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or(Decimal::ZERO)
}

/// Two decimals at least, never rounded (`20` → `20.00`).
fn money(d: Decimal) -> String {
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

fn money_opt(d: Option<Decimal>) -> Value {
    d.map_or(Value::Null, |d| Value::String(money(d)))
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn seed_time(day: u32, ms: u32) -> String {
    format!("2024-02-{:02}T15:12:37.{:03}Z", day.clamp(1, 28), ms % 1000)
}

impl State {
    fn seeded(clock: SandboxClock) -> Self {
        let mut s = State {
            clock,
            next_customer: 1000,
            next_order: 5000,
            next_payment: 90000,
            next_checkout: 1,
            ..State::default()
        };
        let discount = json!({"name": "Discount 5%", "percentage": "5.00", "description": "Five Percent New Customer Discount", "created_at": "2022-05-05T15:23:16.666Z", "updated_at": "2022-06-14T10:45:13.933Z"});
        let tax = json!({"name": "VAT Spain", "percentage": "21.00", "description": "Spain Value Added Tax 21%", "created_at": "2022-05-05T15:18:09.958Z", "updated_at": "2022-05-08T16:06:29.185Z"});
        // Product 1: the first-steps guide's example, verbatim.
        s.add_product(Product {
            id: 1,
            profile: PROFILE_ID,
            product_type: "subscription",
            currency: "GBP",
            price: dec("44.99"),
            deposit: Some(dec("42.74")),
            interval: Some(1),
            unit: Some("MONTH"),
            json: json!({"id":1,"product_id":"E2824181D8","currency":"GBP","price":"44.99","product_type":"subscription","product_status":"active","lock_price":true,"lock_payment_config":false,"product_group":"Memberships","scheduled_interval":"1","scheduled_unit":"MONTH","fee_for_initial_payment_only":true,"discount_for_initial_payment_only":true,"deposit_amount":"42.74","created_at":"2024-02-12T15:12:37.314Z","discount":discount.clone(),"tax":tax.clone()}),
        });
        let kinds: [(&str, Option<u32>, Option<&str>); 4] = [
            ("single_payment", None, None),
            ("instalment", Some(1), Some("MONTH")),
            ("subscription", Some(1), Some("MONTH")),
            ("metered", Some(1), Some("WEEK")),
        ];
        let prices = |kind: &str, n: usize| -> Decimal {
            let list: &[&str] = match kind {
                "single_payment" => &["19.99", "9.50", "35.00", "4.99"],
                "instalment" => &["120.00", "250.00", "399.99", "1200.00"],
                "subscription" => &["9.99", "44.99", "14.50"],
                _ => &["0.15", "0.02", "1.25"],
            };
            list.get(n % list.len()).map_or(Decimal::ONE, |p| dec(p))
        };
        for id in 2..=SEEDED_PRODUCTS as u64 {
            let (kind, interval, unit) = kinds[(id as usize - 2) % 4];
            let price = prices(kind, id as usize / 4);
            let deposit = (kind == "instalment").then(|| dec("10.00"));
            let currency = if id % 5 == 0 { "EUR" } else { "GBP" };
            s.add_product(Product {
                id,
                profile: PROFILE_ID,
                product_type: kind,
                currency,
                price,
                deposit,
                interval,
                unit,
                json: product_json(
                    id,
                    kind,
                    currency,
                    price,
                    deposit,
                    interval,
                    unit,
                    if id % 3 == 0 {
                        discount.clone()
                    } else {
                        Value::Null
                    },
                    if id % 4 == 0 {
                        tax.clone()
                    } else {
                        Value::Null
                    },
                ),
            });
        }
        for (i, (kind, interval, unit)) in kinds.iter().take(3).enumerate() {
            let id = 101 + i as u64;
            let price = dec("12.00");
            s.add_product(Product {
                id,
                profile: OTHER_PROFILE_ID,
                product_type: kind,
                currency: "EUR",
                price,
                deposit: None,
                interval: *interval,
                unit: *unit,
                json: product_json(
                    id,
                    kind,
                    "EUR",
                    price,
                    None,
                    *interval,
                    *unit,
                    Value::Null,
                    Value::Null,
                ),
            });
        }
        s
    }

    fn route(&mut self, req: &SandboxRequest) -> Answer {
        let segs = req.segments();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let rest = match segs.as_slice() {
            ["api", "v1", rest @ ..] => rest,
            _ => return Err(error(404, "Not Found")),
        };
        let profile = authorise(req)?;
        let m = &req.method;
        match rest {
            ["products"] if m == Method::GET => self.list_products(req, profile),
            ["products", id] if m == Method::GET => self.get_product(id, profile),
            ["customers"] if m == Method::POST => self.create_customer(req, profile),
            ["customers"] if m == Method::GET => self.list_customers(req, profile),
            ["customers", id] if m == Method::GET => self.get_customer(id, profile),
            ["customers", id] if m == Method::PUT => self.update_customer(req, id, profile),
            ["orders", kind] if m == Method::POST => self.create_order(req, kind, profile),
            ["orders"] if m == Method::GET => self.list_orders(req, profile),
            ["orders", id] if m == Method::GET => self.get_order(id, profile),
            ["orders", id, action] if m == Method::PUT => self.order_action(id, action, profile),
            ["orders", id, "scheduled_payments"] if m == Method::GET => {
                let order = self.find_order(id, profile)?;
                let items = self
                    .payments
                    .iter()
                    .filter(|p| p.order_id == order)
                    .map(payment_json)
                    .collect();
                page(req, items)
            }
            ["order_checkouts", id] if m == Method::POST => self.renew_checkout(id, profile),
            ["scheduled_payments"] if m == Method::GET => {
                let items = self
                    .payments
                    .iter()
                    .filter(|p| p.profile == profile)
                    .map(payment_json)
                    .collect();
                page(req, items)
            }
            ["scheduled_payments", id] if m == Method::GET => {
                let i = self.find_payment(id, profile)?;
                Ok(SandboxResponse::json(200, &payment_json(&self.payments[i])))
            }
            ["scheduled_payments", id] if m == Method::PUT => self.update_payment(req, id, profile),
            _ => Err(error(404, "Not Found")),
        }
    }
}

fn authorise(req: &SandboxRequest) -> Result<u64, SandboxResponse> {
    let profiles: &[u64] = match req.bearer_token().as_deref() {
        Some(TOKEN) => &[PROFILE_ID, OTHER_PROFILE_ID],
        Some(SINGLE_PROFILE_TOKEN) => &[PROFILE_ID],
        _ => return Err(error(401, "Unauthorized")),
    };
    match req.query_value("profile_id") {
        Some(v) => {
            let id: u64 = v.trim().parse().map_err(|_| bad_request())?;
            if profiles.contains(&id) {
                Ok(id)
            } else {
                Err(error(403, "Forbidden"))
            }
        }
        None if profiles.len() == 1 => Ok(profiles[0]),
        None => Err(error(
            400,
            "profile_id is required: this API user can access several merchant profiles",
        )),
    }
}

fn page(req: &SandboxRequest, items: Vec<Value>) -> Answer {
    let number: usize = match req.query_value("page") {
        None => 1,
        Some(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(bad_request)?,
    };
    let start = (number - 1).saturating_mul(PAGE_SIZE);
    let slice: Vec<Value> = items.into_iter().skip(start).take(PAGE_SIZE).collect();
    Ok(SandboxResponse::json(200, &Value::Array(slice)))
}

fn parse_id(text: &str) -> Result<u64, SandboxResponse> {
    text.parse().map_err(|_| not_found())
}

fn wrapped(req: &SandboxRequest, key: &str) -> Result<Map<String, Value>, SandboxResponse> {
    match req.json() {
        Some(Value::Object(mut body)) => match body.remove(key) {
            Some(Value::Object(inner)) => Ok(inner),
            _ => Err(bad_request()),
        },
        _ => Err(bad_request()),
    }
}

/// A non-blank string field.
fn text(body: &Map<String, Value>, key: &str) -> Option<String> {
    body.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A whole number sent as a number or a string.
fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `Some(None)` when absent or null, `Some(Some(x))` for a non-negative
/// amount sent as a string or number, `None` when invalid.
fn opt_amount(body: &Map<String, Value>, key: &str) -> Option<Option<Decimal>> {
    let amount = match body.get(key) {
        None | Some(Value::Null) => return Some(None),
        Some(Value::String(s)) => billkit::money::parse_decimal(s).ok()?,
        Some(Value::Number(n)) => billkit::money::parse_decimal(&n.to_string()).ok()?,
        Some(_) => return None,
    };
    (!amount.is_sign_negative() || amount.is_zero()).then_some(Some(amount))
}

fn advance(from: NaiveDate, n: u32, unit: &str) -> Option<NaiveDate> {
    match unit {
        "DAY" => from.checked_add_days(Days::new(u64::from(n))),
        "WEEK" => from.checked_add_days(Days::new(7 * u64::from(n))),
        "MONTH" => from.checked_add_months(Months::new(n)),
        "YEAR" => from.checked_add_months(Months::new(n.checked_mul(12)?)),
        _ => None,
    }
}

/// A 10-character merchant customer id.
fn merchant_code(id: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut n = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..10)
        .map(|_| {
            let c = ALPHABET[(n % 32) as usize] as char;
            n /= 32;
            c
        })
        .collect()
}

fn checked_sum(mut values: impl Iterator<Item = Decimal>) -> Option<Decimal> {
    values.try_fold(Decimal::ZERO, |acc, v| acc.checked_add(v))
}

fn error(status: u16, message: &str) -> SandboxResponse {
    SandboxResponse::json(status, &json!({ "error": message }))
}

fn bad_request() -> SandboxResponse {
    error(400, "Bad Request")
}

fn not_found() -> SandboxResponse {
    error(422, "Record not found")
}

fn field_errors(errors: BTreeMap<String, &'static str>) -> SandboxResponse {
    let body: Map<String, Value> = errors.into_iter().map(|(k, v)| (k, json!([v]))).collect();
    SandboxResponse::json(422, &Value::Object(body))
}

/// Whether `document` loads as this fake's state, without applying it.
#[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
pub(crate) fn check_state(document: &Value) -> Result<(), crate::StateError> {
    crate::persist::restore::<State>(document, "billpro").map(|_| ())
}

impl BillProSandbox {
    /// A function that snapshots this fake's state, for a hook that
    /// outlives the borrow of `self`.
    #[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
    pub(crate) fn snapshotter(&self) -> impl Fn() -> Value + Send + Sync + 'static {
        let state = self.state.clone();
        move || crate::persist::snapshot(&*lock(&state))
    }
}
