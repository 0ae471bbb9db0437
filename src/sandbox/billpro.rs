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
//! use billkit::sandbox::billpro::{BillProSandbox, SINGLE_PAYMENT_PRODUCT_ID};
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
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use super::{FakeApi, FakeServer, Method, SandboxRequest, SandboxResponse};

#[cfg(feature = "billpro-notifications")]
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
pub const FIRST_STEPS_PRODUCT_ID: u64 = 1;
/// A single-payment product at GBP 19.99, for `create_single_order`.
pub const SINGLE_PAYMENT_PRODUCT_ID: u64 = 2;
/// A single-payment product at EUR 35.00, for `create_single_order` in
/// euros.
pub const SINGLE_PAYMENT_EUR_PRODUCT_ID: u64 = 10;
/// An instalment product at GBP 120.00 (deposit 10.00, monthly), for
/// `create_instalment_order`.
pub const INSTALMENT_PRODUCT_ID: u64 = 3;
/// A monthly subscription product at GBP 44.99, for
/// `create_subscription_order`.
pub const SUBSCRIPTION_PRODUCT_ID: u64 = 4;
/// A weekly metered product at EUR 0.02, for `create_metered_order`.
pub const METERED_PRODUCT_ID: u64 = 5;

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
        let state = Arc::new(Mutex::new(State::seeded()));
        let server = FakeServer::start(Api {
            state: state.clone(),
        })
        .await?;
        Ok(BillProSandbox { server, state })
    }

    /// The API base URL, `http://127.0.0.1:PORT/api/v1`, for
    /// [`ClientBuilder::base_url`](crate::billpro::ClientBuilder::base_url).
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
    pub fn client_builder(&self) -> crate::billpro::ClientBuilder {
        crate::billpro::Client::builder()
            .token(self.token())
            .base_url(self.base_url())
            .profile_id(self.profile_id())
    }

    /// A client for this sandbox: default token, its profile, default
    /// settings.
    pub fn client(&self) -> crate::Result<crate::billpro::Client> {
        self.client_builder().build()
    }

    /// The fault injector (shorthand for `server().faults()`).
    pub fn faults(&self) -> &super::Faults {
        self.server.faults()
    }

    /// Simulates the customer paying an order's checkout: a pending or
    /// draft single-payment order becomes `complete`, any other order
    /// `active`. Returns `false` when there is no such order in that state.
    pub fn complete_checkout(&self, order_id: u64) -> bool {
        let mut s = lock(&self.state);
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
        order.updated_at = Utc::now();
        #[cfg(feature = "billpro-notifications")]
        notify::payment_result(&mut s, order_id, None, true);
        true
    }

    /// Simulates a card decline of a `scheduled` payment: soft (retried;
    /// the order becomes `failed`) or hard (the order becomes `suspended`).
    /// Returns `false` when there is no such scheduled payment.
    pub fn decline_payment(&self, scheduled_payment_id: u64, hard: bool) -> bool {
        let mut s = lock(&self.state);
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
        p.updated_at = Utc::now();
        let order_id = p.order_id;
        if let Some(o) = s.orders.iter_mut().find(|o| o.id == order_id) {
            o.status = if hard { "suspended" } else { "failed" }.to_owned();
            o.updated_at = Utc::now();
        }
        #[cfg(feature = "billpro-notifications")]
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

struct Product {
    id: u64,
    profile: u64,
    product_type: &'static str,
    currency: &'static str,
    price: Decimal,
    deposit: Option<Decimal>,
    interval: Option<u32>,
    unit: Option<&'static str>,
    json: Value,
}

struct Customer {
    id: u64,
    profile: u64,
    json: Map<String, Value>,
}

struct Line {
    discount: Option<Decimal>,
    fee: Option<Decimal>,
    subtotal: Decimal,
    product: Value,
}

struct Order {
    id: u64,
    profile: u64,
    order_type: &'static str,
    status: String,
    invoice_id: String,
    customer_id: u64,
    customer: Value,
    lines: Vec<Line>,
    monthly_amount: Option<Decimal>,
    unit: Option<String>,
    interval: Option<u32>,
    split_number: Option<u32>,
    total_to_pay: Option<Decimal>,
    count_to_pay: Option<u32>,
    initial_amount: Decimal,
    note: Option<String>,
    checkout: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

struct Payment {
    id: u64,
    order_id: u64,
    profile: u64,
    amount: Decimal,
    status: String,
    interval: u32,
    unit: String,
    date: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Default)]
struct State {
    products: Vec<Product>,
    customers: Vec<Customer>,
    orders: Vec<Order>,
    payments: Vec<Payment>,
    next_customer: u64,
    next_order: u64,
    next_payment: u64,
    next_checkout: u64,
    #[cfg(feature = "billpro-notifications")]
    outbox: notify::Outbox,
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
    fn seeded() -> Self {
        let mut s = State {
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

    fn add_product(&mut self, p: Product) {
        self.products.push(p);
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

    // ------------------------------------------------------------ products

    fn list_products(&self, req: &SandboxRequest, profile: u64) -> Answer {
        let filter = req.query_value("product_id");
        let items = self
            .products
            .iter()
            .filter(|p| p.profile == profile)
            .filter(|p| filter.is_none_or(|f| p.json["product_id"].as_str() == Some(f)))
            .map(|p| p.json.clone())
            .collect();
        page(req, items)
    }

    fn get_product(&self, id: &str, profile: u64) -> Answer {
        let id = parse_id(id)?;
        self.products
            .iter()
            .find(|p| p.id == id && p.profile == profile)
            .map(|p| SandboxResponse::json(200, &p.json))
            .ok_or_else(not_found)
    }

    // ----------------------------------------------------------- customers

    fn create_customer(&mut self, req: &SandboxRequest, profile: u64) -> Answer {
        let body = wrapped(req, "customer")?;
        let mut errors = BTreeMap::new();
        for field in ["first_name", "last_name", "email"] {
            if text(&body, field).is_none() {
                errors.insert(field.to_owned(), "can't be blank");
            }
        }
        check_customer_fields(&body, &mut errors);
        if !errors.is_empty() {
            return Err(field_errors(errors));
        }
        self.next_customer += 1;
        let id = self.next_customer;
        let now = stamp(Utc::now());
        let mut json = Map::new();
        json.insert("id".into(), json!(id));
        json.insert("customer_id".into(), json!(merchant_code(id)));
        for field in ["first_name", "last_name", "date_of_birth", "email", "phone"] {
            json.insert(
                field.into(),
                body.get(field).cloned().unwrap_or(Value::Null),
            );
        }
        json.insert(
            "organisation".into(),
            organisation_json(body.get("organisation"), &now, None),
        );
        json.insert(
            "addresses".into(),
            addresses_json(body.get("addresses"), &now, None),
        );
        json.insert("created_at".into(), json!(now));
        json.insert("updated_at".into(), json!(now));
        let answer = SandboxResponse::json(201, &Value::Object(json.clone()));
        self.customers.push(Customer { id, profile, json });
        Ok(answer)
    }

    fn list_customers(&self, req: &SandboxRequest, profile: u64) -> Answer {
        let filter = req.query_value("customer_id");
        let items = self
            .customers
            .iter()
            .filter(|c| c.profile == profile)
            .filter(|c| filter.is_none_or(|f| c.json["customer_id"].as_str() == Some(f)))
            .map(|c| Value::Object(c.json.clone()))
            .collect();
        page(req, items)
    }

    fn find_customer(&self, id: &str, profile: u64) -> Result<usize, SandboxResponse> {
        let id = parse_id(id)?;
        self.customers
            .iter()
            .position(|c| c.id == id && c.profile == profile)
            .ok_or_else(not_found)
    }

    fn get_customer(&self, id: &str, profile: u64) -> Answer {
        let i = self.find_customer(id, profile)?;
        Ok(SandboxResponse::json(
            200,
            &Value::Object(self.customers[i].json.clone()),
        ))
    }

    fn update_customer(&mut self, req: &SandboxRequest, id: &str, profile: u64) -> Answer {
        let i = self.find_customer(id, profile)?;
        let body = wrapped(req, "customer")?;
        let mut errors = BTreeMap::new();
        for field in ["first_name", "last_name", "email"] {
            if body.contains_key(field) && text(&body, field).is_none() {
                errors.insert(field.to_owned(), "can't be blank");
            }
        }
        check_customer_fields(&body, &mut errors);
        if !errors.is_empty() {
            return Err(field_errors(errors));
        }
        let now = stamp(Utc::now());
        let customer = &mut self.customers[i].json;
        for field in ["first_name", "last_name", "date_of_birth", "email", "phone"] {
            if let Some(v) = body.get(field) {
                customer.insert(field.into(), v.clone());
            }
        }
        if let Some(org) = body.get("organisation") {
            let old = customer.get("organisation").cloned();
            customer.insert(
                "organisation".into(),
                organisation_json(Some(org), &now, old.as_ref()),
            );
        }
        // BillPro removes every address an update does not resend.
        let old = customer.get("addresses").cloned();
        customer.insert(
            "addresses".into(),
            addresses_json(body.get("addresses"), &now, old.as_ref()),
        );
        customer.insert("updated_at".into(), json!(now));
        Ok(SandboxResponse::json(200, &Value::Object(customer.clone())))
    }

    // -------------------------------------------------------------- orders

    fn create_order(&mut self, req: &SandboxRequest, kind: &str, profile: u64) -> Answer {
        let order_type = match kind {
            "create_single_order" => "single_payment",
            "create_instalment_order" => "instalment",
            "create_subscription_order" => "subscription",
            "create_metered_order" => "metered",
            _ => return Err(error(404, "Not Found")),
        };
        let body = wrapped(req, "order").map_err(|_| bad_request())?;
        let order = self
            .build_order(&body, order_type, profile)
            .ok_or_else(bad_request)?;
        let answer = SandboxResponse::json(201, &self.order_json(&order));
        self.orders.push(order);
        Ok(answer)
    }

    /// `None` for any invalid input: BillPro answers all of it with
    /// `{"error": "Bad Request"}`.
    fn build_order(
        &mut self,
        body: &Map<String, Value>,
        order_type: &'static str,
        profile: u64,
    ) -> Option<Order> {
        let currency = text(body, "currency")?;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let customer_id = body.get("customer_id").and_then(as_u64)?;
        let customer = self
            .customers
            .iter()
            .find(|c| c.id == customer_id && c.profile == profile)?;
        let customer_json = json!({
            "id": customer.id,
            "customer_id": customer.json.get("customer_id"),
            "first_name": customer.json.get("first_name"),
            "last_name": customer.json.get("last_name"),
            "email": customer.json.get("email"),
            "phone": customer.json.get("phone"),
        });
        let invoice_id = text(body, "invoice_id")?;
        let raw_lines = body.get("order_products")?.as_array()?;
        if raw_lines.is_empty() || (order_type != "single_payment" && raw_lines.len() != 1) {
            return None;
        }
        let mut lines = Vec::new();
        let mut first_product = None;
        for raw in raw_lines {
            let raw = raw.as_object()?;
            let product_id = raw.get("product_id").and_then(as_u64)?;
            let product = self.products.iter().find(|p| {
                p.id == product_id && p.profile == profile && p.product_type == order_type
            })?;
            if product.currency != currency {
                return None;
            }
            let qty = match raw.get("qty") {
                None | Some(Value::Null) => 1,
                Some(v) => u32::try_from(as_u64(v)?).ok().filter(|q| *q >= 1)?,
            };
            let amount = opt_amount(raw, "amount")?.unwrap_or(product.price);
            let discount = opt_amount(raw, "discount_amount")?;
            let fee = opt_amount(raw, "fee_amount")?;
            let subtotal = amount
                .checked_mul(Decimal::from(qty))?
                .checked_sub(discount.unwrap_or_default())?
                .checked_add(fee.unwrap_or_default())?;
            if subtotal.is_sign_negative() && !subtotal.is_zero() {
                return None;
            }
            let mut product_json = product.json.clone();
            if let Some(obj) = product_json.as_object_mut() {
                obj.insert("qty".into(), json!(qty));
                obj.insert("amount".into(), json!(money(amount)));
                obj.insert("discount_amount".into(), money_opt(discount));
                obj.insert("fee_amount".into(), money_opt(fee));
                obj.insert("subtotal_amount".into(), json!(money(subtotal)));
            }
            first_product.get_or_insert((product.deposit, product.interval, product.unit));
            lines.push(Line {
                discount,
                fee,
                subtotal,
                product: product_json,
            });
        }
        let (deposit, product_interval, product_unit) = first_product?;
        let total = checked_sum(lines.iter().map(|l| l.subtotal))?;
        let initial = match opt_amount(body, "initial_amount")? {
            Some(a) => a,
            None if order_type == "instalment" => deposit.unwrap_or_default(),
            None => Decimal::ZERO,
        };
        if initial > total && order_type == "instalment" {
            return None;
        }
        let interval = match body.get("scheduled_interval") {
            None | Some(Value::Null) => product_interval,
            Some(v) => Some(u32::try_from(as_u64(v)?).ok().filter(|n| *n >= 1)?),
        };
        let unit = match body.get("scheduled_unit") {
            None | Some(Value::Null) => product_unit.map(str::to_owned),
            Some(v) => Some(
                v.as_str()
                    .filter(|u| ["DAY", "WEEK", "MONTH", "YEAR"].contains(u))?
                    .to_owned(),
            ),
        };
        let start_date = match body.get("start_date") {
            None | Some(Value::Null) => None,
            Some(v) => Some(crate::lenient::parse_dmy(v.as_str()?).ok()?),
        };
        let now = Utc::now();
        self.next_order += 1;
        let mut order = Order {
            id: self.next_order,
            profile,
            order_type,
            status: "pending".into(),
            invoice_id,
            customer_id,
            customer: customer_json,
            lines,
            monthly_amount: None,
            unit: None,
            interval: None,
            split_number: None,
            total_to_pay: None,
            count_to_pay: None,
            initial_amount: initial,
            note: text(body, "note"),
            checkout: body
                .get("create_checkout")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            created_at: now,
            updated_at: now,
        };
        match order_type {
            "single_payment" => {
                order.total_to_pay = Some(total);
                order.count_to_pay = Some(1);
            }
            "instalment" => {
                let (interval, unit) = (interval?, unit?);
                let n = body
                    .get("split_number")
                    .and_then(as_u64)
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| (1..=MAX_INSTALMENTS).contains(n))?;
                let remaining = total.checked_sub(initial)?;
                let each = (remaining / Decimal::from(n))
                    .round_dp_with_strategy(2, RoundingStrategy::ToZero);
                let last = remaining.checked_sub(each.checked_mul(Decimal::from(n - 1))?)?;
                let first = start_date.or_else(|| advance(now.date_naive(), interval, &unit))?;
                for k in 0..n {
                    let date = advance(first, interval.checked_mul(k)?, &unit)?;
                    let amount = if k + 1 == n { last } else { each };
                    self.add_payment(&order, amount, interval, &unit, date);
                }
                order.monthly_amount = Some(each);
                order.split_number = Some(n);
                order.total_to_pay = Some(total);
                order.count_to_pay = Some(n.saturating_add(u32::from(!initial.is_zero())));
                order.interval = Some(interval);
                order.unit = Some(unit);
            }
            "subscription" => {
                let (interval, unit) = (interval?, unit?);
                let first = start_date.or_else(|| advance(now.date_naive(), interval, &unit))?;
                // The next three cycles are scheduled ahead.
                for k in 0..3 {
                    let date = advance(first, interval.checked_mul(k)?, &unit)?;
                    self.add_payment(&order, total, interval, &unit, date);
                }
                order.monthly_amount = Some(total);
                order.interval = Some(interval);
                order.unit = Some(unit);
            }
            _ => {
                order.interval = interval;
                order.unit = unit;
            }
        }
        Some(order)
    }

    fn add_payment(
        &mut self,
        order: &Order,
        amount: Decimal,
        interval: u32,
        unit: &str,
        date: NaiveDate,
    ) {
        self.next_payment += 1;
        self.payments.push(Payment {
            id: self.next_payment,
            order_id: order.id,
            profile: order.profile,
            amount,
            status: "scheduled".into(),
            interval,
            unit: unit.to_owned(),
            date,
            created_at: order.created_at,
            updated_at: order.created_at,
        });
    }

    fn order_json(&self, o: &Order) -> Value {
        let sum = |f: fn(&Line) -> Option<Decimal>| -> Value {
            let vals: Vec<Decimal> = o.lines.iter().filter_map(f).collect();
            if vals.is_empty() {
                Value::Null
            } else {
                checked_sum(vals.into_iter()).map_or(Value::Null, |d| json!(money(d)))
            }
        };
        let mut v = json!({
            "id": o.id,
            "profile_id": o.profile,
            "order_type": o.order_type,
            "status": o.status,
            "invoice_id": o.invoice_id,
            "customer_id": o.customer_id,
            "monthly_amount": money_opt(o.monthly_amount),
            "scheduled_duration_unit": o.unit,
            "scheduled_duration_number": o.split_number,
            "total_to_pay": money_opt(o.total_to_pay),
            "count_to_pay": o.count_to_pay,
            "description": o.note,
            "profile_payment_method": "ECOM",
            "order_source": 2,
            "collect_initial_payment": !o.initial_amount.is_zero(),
            "total_installment_amount": if o.order_type == "instalment" { money_opt(o.total_to_pay) } else { Value::Null },
            "total_discount_amount": sum(|l| l.discount),
            "total_tax_amount": Value::Null,
            "total_fee_amount": sum(|l| l.fee),
            "customer": o.customer,
            "created_at": stamp(o.created_at),
            "updated_at": stamp(o.updated_at),
        });
        if let Some(obj) = v.as_object_mut() {
            let products: Vec<Value> = o.lines.iter().map(|l| l.product.clone()).collect();
            if o.order_type == "single_payment" {
                obj.insert("products".into(), Value::Array(products));
            } else if let Some(one) = products.into_iter().next() {
                obj.insert("product".into(), one);
            }
        }
        v
    }

    fn find_order(&self, id: &str, profile: u64) -> Result<u64, SandboxResponse> {
        let id = parse_id(id)?;
        self.orders
            .iter()
            .find(|o| o.id == id && o.profile == profile)
            .map(|o| o.id)
            .ok_or_else(not_found)
    }

    fn list_orders(&self, req: &SandboxRequest, profile: u64) -> Answer {
        let items = self
            .orders
            .iter()
            .filter(|o| o.profile == profile)
            .map(|o| self.order_json(o))
            .collect();
        page(req, items)
    }

    fn get_order(&self, id: &str, profile: u64) -> Answer {
        let id = self.find_order(id, profile)?;
        let order = self
            .orders
            .iter()
            .find(|o| o.id == id)
            .ok_or_else(not_found)?;
        Ok(SandboxResponse::json(200, &self.order_json(order)))
    }

    fn order_action(&mut self, id: &str, action: &str, profile: u64) -> Answer {
        let id = self.find_order(id, profile)?;
        let declined = self.payments.iter().any(|p| {
            p.order_id == id && matches!(p.status.as_str(), "soft-declined" | "hard-declined")
        });
        let order = self
            .orders
            .iter_mut()
            .find(|o| o.id == id)
            .ok_or_else(not_found)?;
        let (next, payments_from, payments_to): (&str, &[&str], &str) = match action {
            "cancel_order" => match order.status.as_str() {
                "draft" | "pending" | "rejected" => {
                    ("cancelled", &["scheduled", "paused"], "cancelled")
                }
                "active" | "failed" | "suspended" | "paused" | "review" => (
                    "complete",
                    &["scheduled", "soft-declined", "hard-declined", "paused"],
                    "cancelled",
                ),
                _ => return Err(error(422, "Order cannot be cancelled")),
            },
            "pause_order" => {
                if order.order_type != "subscription" || order.status != "active" {
                    return Err(error(422, "Only active subscriptions can be paused"));
                }
                ("paused", &["scheduled"], "paused")
            }
            "resume_order" => {
                if order.status != "paused" {
                    return Err(error(422, "Only paused orders can be resumed"));
                }
                (
                    if declined { "failed" } else { "active" },
                    &["paused"],
                    "scheduled",
                )
            }
            _ => return Err(error(404, "Not Found")),
        };
        let now = Utc::now();
        order.status = next.to_owned();
        order.updated_at = now;
        for p in self.payments.iter_mut().filter(|p| p.order_id == id) {
            if payments_from.contains(&p.status.as_str()) {
                p.status = payments_to.to_owned();
                p.updated_at = now;
            }
        }
        let order = self
            .orders
            .iter()
            .find(|o| o.id == id)
            .ok_or_else(not_found)?;
        Ok(SandboxResponse::json(200, &self.order_json(order)))
    }

    fn renew_checkout(&mut self, id: &str, profile: u64) -> Answer {
        let id = self.find_order(id, profile)?;
        let order = self
            .orders
            .iter()
            .find(|o| o.id == id)
            .ok_or_else(not_found)?;
        if !matches!(order.status.as_str(), "pending" | "draft") {
            return Err(error(
                422,
                "Checkout can only be renewed for pending orders",
            ));
        }
        let created_with_checkout = order.checkout;
        self.next_checkout += 1;
        let now = Utc::now();
        let expires = now + chrono::Duration::minutes(25);
        Ok(SandboxResponse::json(
            201,
            &json!({
                "order_id": id,
                "checkout_id": format!("{:032X}", self.next_checkout.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                "custom_checkout": created_with_checkout,
                "created_at": stamp(now),
                "expires_at": stamp(expires),
            }),
        ))
    }

    // -------------------------------------------------- scheduled payments

    fn find_payment(&self, id: &str, profile: u64) -> Result<usize, SandboxResponse> {
        let id = parse_id(id)?;
        self.payments
            .iter()
            .position(|p| p.id == id && p.profile == profile)
            .ok_or_else(not_found)
    }

    fn update_payment(&mut self, req: &SandboxRequest, id: &str, profile: u64) -> Answer {
        let i = self.find_payment(id, profile)?;
        let body = wrapped(req, "scheduled_payment")?;
        let current = &self.payments[i];
        if !matches!(
            current.status.as_str(),
            "scheduled" | "soft-declined" | "hard-declined"
        ) {
            return Err(error(
                422,
                "Only scheduled, soft-declined or hard-declined payments can be updated",
            ));
        }
        let order_id = current.order_id;
        let mut errors = BTreeMap::new();
        let status = match body.get("status") {
            None | Some(Value::Null) => None,
            Some(Value::String(s))
                if ["cancelled", "skipped", "scheduled"].contains(&s.as_str()) =>
            {
                Some(s.clone())
            }
            Some(_) => {
                errors.insert("status".to_owned(), "is invalid");
                None
            }
        };
        let amount = match opt_amount(&body, "amount") {
            Some(Some(a)) if a > Decimal::ZERO => Some(a),
            Some(None) => None,
            _ => {
                errors.insert("amount".to_owned(), "is invalid");
                None
            }
        };
        let date = match body.get("scheduled_date") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_str().map(|s| {
                crate::lenient::parse_dmy(s).or_else(|_| {
                    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|e| e.to_string())
                })
            }) {
                Some(Ok(d)) => Some(d),
                _ => {
                    errors.insert("scheduled_date".to_owned(), "is invalid");
                    None
                }
            },
        };
        let interval = match body.get("scheduled_interval") {
            None | Some(Value::Null) => None,
            Some(v) => match as_u64(v)
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n >= 1)
            {
                Some(n) => Some(n),
                None => {
                    errors.insert("scheduled_interval".to_owned(), "is invalid");
                    None
                }
            },
        };
        let unit = match body.get("scheduled_duration_unit") {
            None | Some(Value::Null) => None,
            Some(Value::String(u)) if ["DAY", "WEEK", "MONTH", "YEAR"].contains(&u.as_str()) => {
                Some(u.clone())
            }
            Some(_) => {
                errors.insert("scheduled_duration_unit".to_owned(), "is invalid");
                None
            }
        };
        if !errors.is_empty() {
            return Err(field_errors(errors));
        }
        if interval.is_some() || unit.is_some() {
            let is_subscription = self
                .orders
                .iter()
                .any(|o| o.id == order_id && o.order_type == "subscription");
            let last = self
                .payments
                .iter()
                .filter(|p| p.order_id == order_id && p.status == "scheduled")
                .map(|p| p.date)
                .max();
            if !is_subscription || last != Some(self.payments[i].date) {
                return Err(error(
                    422,
                    "The cycle can only be changed on the last scheduled payment of a subscription",
                ));
            }
        }
        let now = Utc::now();
        let this_date = self.payments[i].date;
        if let Some(a) = amount {
            // Also changes the order amount for the payments still to come.
            for p in self
                .payments
                .iter_mut()
                .filter(|p| p.order_id == order_id && p.status == "scheduled" && p.date > this_date)
            {
                p.amount = a;
                p.updated_at = now;
            }
            if let Some(o) = self.orders.iter_mut().find(|o| o.id == order_id) {
                o.monthly_amount = Some(a);
                o.updated_at = now;
            }
        }
        let p = &mut self.payments[i];
        if let Some(a) = amount {
            p.amount = a;
        }
        if let Some(d) = date {
            p.date = d;
        }
        if let Some(n) = interval {
            p.interval = n;
        }
        if let Some(u) = &unit {
            p.unit = u.clone();
        }
        if let Some(s) = status {
            p.status = s;
        }
        p.updated_at = now;
        let answer = SandboxResponse::json(200, &payment_json(p));
        let still_declined = self.payments.iter().any(|p| {
            p.order_id == order_id && matches!(p.status.as_str(), "soft-declined" | "hard-declined")
        });
        if let Some(o) = self.orders.iter_mut().find(|o| o.id == order_id) {
            if interval.is_some() || unit.is_some() {
                o.interval = interval.or(o.interval);
                o.unit = unit.or(o.unit.take());
            }
            if !still_declined && matches!(o.status.as_str(), "failed" | "suspended") {
                o.status = "active".into();
                o.updated_at = now;
            }
        }
        Ok(answer)
    }
}

// ------------------------------------------------------------- helpers

#[allow(clippy::too_many_arguments)]
fn product_json(
    id: u64,
    kind: &str,
    currency: &str,
    price: Decimal,
    deposit: Option<Decimal>,
    interval: Option<u32>,
    unit: Option<&str>,
    discount: Value,
    tax: Value,
) -> Value {
    json!({
        "id": id,
        "product_id": format!("SBX{id:07}"),
        "currency": currency,
        "price": money(price),
        "product_type": kind,
        "product_status": "active",
        "lock_price": false,
        "lock_payment_config": false,
        "product_group": match kind { "single_payment" => "One-off", "metered" => "Usage", _ => "Plans" },
        "scheduled_interval": interval.map(|n| n.to_string()),
        "scheduled_unit": unit,
        "fee_for_initial_payment_only": false,
        "discount_for_initial_payment_only": true,
        "deposit_amount": money_opt(deposit),
        "created_at": seed_time((id % 28) as u32 + 1, (id * 37) as u32),
        "discount": discount,
        "tax": tax,
    })
}

fn payment_json(p: &Payment) -> Value {
    json!({
        "id": p.id,
        "order_id": p.order_id,
        "amount": money(p.amount),
        "status": p.status,
        "scheduled_interval": p.interval.to_string(),
        "scheduled_duration_unit": p.unit,
        "scheduled_date": p.date.format("%Y-%m-%d").to_string(),
        "created_at": stamp(p.created_at),
        "updated_at": stamp(p.updated_at),
    })
}

fn organisation_json(input: Option<&Value>, now: &str, old: Option<&Value>) -> Value {
    let Some(Value::Object(org)) = input else {
        return Value::Null;
    };
    let created = old
        .and_then(|o| o.get("created_at"))
        .cloned()
        .unwrap_or_else(|| json!(now));
    let mut out = Map::new();
    for field in [
        "name",
        "registration_number",
        "web_url",
        "vat",
        "description",
    ] {
        out.insert(field.into(), org.get(field).cloned().unwrap_or(Value::Null));
    }
    out.insert("created_at".into(), created);
    out.insert("updated_at".into(), json!(now));
    Value::Object(out)
}

fn addresses_json(input: Option<&Value>, now: &str, old: Option<&Value>) -> Value {
    let mut out = Map::new();
    for kind in ["billing_address", "shipping_address"] {
        let value = match input.and_then(|a| a.get(kind)) {
            Some(Value::Object(a)) => {
                let created = old
                    .and_then(|o| o.get(kind))
                    .and_then(|o| o.get("created_at"))
                    .filter(|c| !c.is_null())
                    .cloned()
                    .unwrap_or_else(|| json!(now));
                let mut addr = Map::new();
                for field in ["street", "city", "state", "country", "postal_code"] {
                    addr.insert(field.into(), a.get(field).cloned().unwrap_or(Value::Null));
                }
                addr.insert("created_at".into(), created);
                addr.insert("updated_at".into(), json!(now));
                Value::Object(addr)
            }
            _ => Value::Null,
        };
        out.insert(kind.into(), value);
    }
    Value::Object(out)
}

fn check_customer_fields(body: &Map<String, Value>, errors: &mut BTreeMap<String, &'static str>) {
    if let Some(email) = text(body, "email") {
        let ok = email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@'));
        if !ok {
            errors.insert("email".into(), "is invalid");
        }
    }
    match body.get("phone") {
        None | Some(Value::Null) => {}
        Some(Value::String(p)) if phone_fits_country(p) => {}
        Some(_) => {
            errors.insert("phone".into(), "is invalid");
        }
    }
    match body.get("date_of_birth") {
        None | Some(Value::Null) => {}
        Some(Value::String(d)) if crate::lenient::parse_dmy(d).is_ok() => {}
        Some(_) => {
            errors.insert("date_of_birth".into(), "is invalid");
        }
    }
    if let Some(Value::Object(addresses)) = body.get("addresses") {
        for kind in ["billing_address", "shipping_address"] {
            if let Some(Value::Object(a)) = addresses.get(kind) {
                let country_ok = a
                    .get("country")
                    .and_then(Value::as_str)
                    .is_some_and(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()));
                if !country_ok {
                    errors.insert(format!("{kind}.country"), "is invalid");
                }
            }
        }
    }
}

/// E.164, and the length must fit the country code (a small table, enough
/// to reproduce the guide's example: `+44` takes 10 more digits, `+1` 10).
fn phone_fits_country(phone: &str) -> bool {
    let Some(digits) = phone.strip_prefix('+') else {
        return false;
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let national = |code: &str, len: usize| digits.strip_prefix(code).map(|rest| rest.len() == len);
    national("44", 10)
        .or_else(|| national("1", 10))
        .or_else(|| national("353", 9))
        .or_else(|| national("34", 9))
        .unwrap_or((8..=15).contains(&digits.len()))
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
        Some(Value::String(s)) => crate::money::parse_decimal(s).ok()?,
        Some(Value::Number(n)) => crate::money::parse_decimal(&n.to_string()).ok()?,
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
