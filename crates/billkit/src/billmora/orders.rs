//! Orders: `/orders`.
//!
//! Creating and updating orders needs the `orders.create` /
//! `orders.update` abilities, which Billmora's admin UI cannot tick: only a
//! token with the wildcard `*` ability can do either. Other tokens get a 403
//! whose ability name [`missing_ability`](super::missing_ability) reports.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::checks::{check_one_of, check_range};
use super::shared;
use super::{BillingPeriod, BillingType};
use super::{Deleted, Invoice, PAGES, Registrant, Service, User};
use super::{
    OrderId, OrderItemId, PackageId, PackagePriceId, TldId, UserId, VariantId, VariantOptionId,
};
use crate::error::{Error, Result};
use crate::http::{Paginator, Request, Transport};

crate::open_enum! {
    /// An order's state.
    pub enum OrderStatus {
        /// Placed, not yet handled.
        Pending => "pending",
        /// Being provisioned.
        Processing => "processing",
        /// Done.
        Completed => "completed",
        /// Cancelled.
        Cancelled => "cancelled",
        /// Could not be completed.
        Failed => "failed",
    }
}

crate::open_enum! {
    /// What an order line buys.
    pub enum OrderItemType {
        /// A package (becomes a service).
        Service => "service",
        /// A domain (becomes a registrant).
        Domain => "domain",
    }
}

crate::open_enum! {
    /// How a domain order line is fulfilled.
    pub enum DomainItemType {
        /// A new registration.
        Register => "register",
        /// A transfer in from another registrar.
        Transfer => "transfer",
    }
}

/// A customer's order.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Order {
    /// The id.
    pub id: OrderId,
    /// The human-facing number.
    pub order_number: String,
    /// State.
    pub status: OrderStatus,
    /// Sum of the lines.
    #[serde(with = "crate::money::two_places")]
    pub subtotal: Decimal,
    /// Discount (coupons).
    #[serde(with = "crate::money::two_places")]
    pub discount: Decimal,
    /// Setup fees.
    #[serde(with = "crate::money::two_places")]
    pub setup_fee: Decimal,
    /// Tax. `None` in a create answer: the order is not re-read and the
    /// API never sets it (the column defaults to 0).
    #[serde(default, with = "crate::money::two_places_opt")]
    pub tax: Option<Decimal>,
    /// Total.
    #[serde(with = "crate::money::two_places")]
    pub total: Decimal,
    /// ISO currency code.
    pub currency: String,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// When it was completed.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The user, when the endpoint includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// The lines (show, create, update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<OrderItem>>,
    /// Services created from it (show, create, update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<Service>>,
    /// Domains created from it (show, create, update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrants: Option<Vec<Registrant>>,
    /// Invoices raised for it (show, create, update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoices: Option<Vec<Invoice>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// One line of an order. `unit_price` and `amount` come raw from the
/// database (a string on MySQL, a number on SQLite); both are read as
/// two-place amounts ([`parse_two_places`](crate::money::parse_two_places)).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderItem {
    /// The id.
    pub id: OrderItemId,
    /// Package or domain.
    pub item_type: OrderItemType,
    /// Text of the line.
    pub description: String,
    /// Quantity.
    #[serde(with = "crate::lenient::int")]
    pub quantity: u32,
    /// How it is billed.
    pub billing_type: BillingType,
    /// Period of a recurring line.
    #[serde(default)]
    pub billing_period: Option<BillingPeriod>,
    /// Periods per cycle.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub billing_interval: Option<u32>,
    /// Price of one unit.
    #[serde(with = "crate::money::two_places")]
    pub unit_price: Decimal,
    /// Setup fee.
    #[serde(with = "crate::money::two_places")]
    pub setup_fee: Decimal,
    /// Line total.
    #[serde(with = "crate::money::two_places")]
    pub amount: Decimal,
}

/// The option(s) chosen for one variant of a package line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum VariantChoice {
    /// One option id.
    One(VariantOptionId),
    /// Several option ids (multi-select variants).
    Many(Vec<VariantOptionId>),
}

impl From<VariantOptionId> for VariantChoice {
    fn from(v: VariantOptionId) -> Self {
        VariantChoice::One(v)
    }
}

impl From<u64> for VariantChoice {
    fn from(v: u64) -> Self {
        VariantChoice::One(v.into())
    }
}

impl From<Vec<VariantOptionId>> for VariantChoice {
    fn from(v: Vec<VariantOptionId>) -> Self {
        VariantChoice::Many(v)
    }
}

impl From<Vec<u64>> for VariantChoice {
    fn from(v: Vec<u64>) -> Self {
        VariantChoice::Many(v.into_iter().map(VariantOptionId::from).collect())
    }
}

/// A package line of a new order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageItem {
    package_id: PackageId,
    billing_id: PackagePriceId,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<u32>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    variant_options: BTreeMap<String, VariantChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    configuration: Option<Map<String, Value>>,
}

impl PackageItem {
    /// `package_id` bought at `billing_id`, the id of one of that package's
    /// [prices](super::PackagePrice).
    pub fn new(package_id: impl Into<PackageId>, billing_id: impl Into<PackagePriceId>) -> Self {
        PackageItem {
            package_id: package_id.into(),
            billing_id: billing_id.into(),
            quantity: None,
            variant_options: BTreeMap::new(),
            configuration: None,
        }
    }

    /// Quantity (1 or more; default 1).
    pub fn quantity(mut self, n: u32) -> Self {
        self.quantity = Some(n);
        self
    }

    /// Chooses option(s) of a variant: `.variant_option(3, 7)` or
    /// `.variant_option(4, vec![8, 9])`.
    pub fn variant_option(
        mut self,
        variant_id: impl Into<VariantId>,
        choice: impl Into<VariantChoice>,
    ) -> Self {
        self.variant_options
            .insert(variant_id.into().to_string(), choice.into());
        self
    }

    /// Provisioning configuration for the service.
    pub fn configuration(mut self, v: Map<String, Value>) -> Self {
        self.configuration = Some(v);
        self
    }
}

/// A domain line of a new order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainItem {
    #[serde(rename = "type")]
    item_type: DomainItemType,
    domain: String,
    tld_id: TldId,
    years: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    epp_code: Option<String>,
}

impl DomainItem {
    /// Registers `domain` (full name, e.g. `example.com`) for `years`.
    pub fn register(domain: impl Into<String>, tld_id: impl Into<TldId>, years: u32) -> Self {
        DomainItem {
            item_type: DomainItemType::Register,
            domain: domain.into(),
            tld_id: tld_id.into(),
            years,
            epp_code: None,
        }
    }

    /// Transfers `domain` in with its EPP (authorisation) code.
    pub fn transfer(
        domain: impl Into<String>,
        tld_id: impl Into<TldId>,
        years: u32,
        epp_code: impl Into<String>,
    ) -> Self {
        DomainItem {
            item_type: DomainItemType::Transfer,
            domain: domain.into(),
            tld_id: tld_id.into(),
            years,
            epp_code: Some(epp_code.into()),
        }
    }
}

/// The body of `POST /orders` (needs a `*` token). `coupon` is always sent,
/// `null` when there is none, as the server expects the key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewOrder {
    user_id: UserId,
    currency: String,
    coupon: Option<String>,
    status: OrderStatus,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    package_items: Vec<PackageItem>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    domain_items: Vec<DomainItem>,
}

impl NewOrder {
    /// An order for `user_id` in `currency` (which must exist on the
    /// installation) starting in `status`. Add at least one package or
    /// domain line.
    pub fn new(
        user_id: impl Into<UserId>,
        currency: impl Into<String>,
        status: impl Into<OrderStatus>,
    ) -> Self {
        NewOrder {
            user_id: user_id.into(),
            currency: currency.into(),
            coupon: None,
            status: status.into(),
            package_items: Vec::new(),
            domain_items: Vec::new(),
        }
    }

    /// A coupon code.
    pub fn coupon(mut self, code: impl Into<String>) -> Self {
        self.coupon = Some(code.into());
        self
    }

    /// Adds a package line.
    pub fn package_item(mut self, item: PackageItem) -> Self {
        self.package_items.push(item);
        self
    }

    /// Adds a domain line.
    pub fn domain_item(mut self, item: DomainItem) -> Self {
        self.domain_items.push(item);
        self
    }

    fn validate(&self) -> Result<()> {
        // `exists:currencies,code`: a 3-character code the installation has.
        crate::validate::text("currency", &self.currency, 3)?;
        check_one_of("status", &self.status, OrderStatus::KNOWN)?;
        if let Some(c) = &self.coupon {
            crate::validate::not_blank("coupon", c)?;
        }
        if self.package_items.is_empty() && self.domain_items.is_empty() {
            return Err(Error::invalid_input(
                "items",
                "an order needs at least one package or domain item",
            ));
        }
        for (i, item) in self.package_items.iter().enumerate() {
            if let Some(q) = item.quantity {
                check_range(
                    &format!("package_items.{i}.quantity"),
                    i64::from(q),
                    1,
                    i64::from(i32::MAX),
                )?;
            }
            for (variant, choice) in &item.variant_options {
                if matches!(choice, VariantChoice::Many(v) if v.is_empty()) {
                    return Err(Error::invalid_input(
                        format!("package_items.{i}.variant_options.{variant}"),
                        "choose at least one option",
                    ));
                }
            }
        }
        for (i, item) in self.domain_items.iter().enumerate() {
            let field = |f: &str| format!("domain_items.{i}.{f}");
            check_one_of(&field("type"), &item.item_type, DomainItemType::KNOWN)?;
            // `required|string|max:255`; the server checks no format here.
            crate::validate::text(&field("domain"), &item.domain, 255)?;
            // `integer|min:1`, no upper bound (the TLD's own limits are not checked).
            check_range(
                &field("years"),
                i64::from(item.years),
                1,
                i64::from(i32::MAX),
            )?;
        }
        Ok(())
    }
}

/// The body of `PUT /orders/{id}` (needs a `*` token): the new status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderUpdate {
    status: OrderStatus,
}

impl OrderUpdate {
    /// Moves the order to `status`.
    pub fn new(status: impl Into<OrderStatus>) -> Self {
        OrderUpdate {
            status: status.into(),
        }
    }

    fn validate(&self) -> Result<()> {
        check_one_of("status", &self.status, OrderStatus::KNOWN)
    }
}

super::filter::list_filter! {
    /// Filters of `GET /orders`.
    OrderFilter {
        text {
            /// Only orders in this state.
            status: OrderStatus,
            /// Matches the order number.
            search: String,
        }
        ids {
            /// Only this user's orders.
            user_id: UserId,
        }
    }
}

/// The `/orders` endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Orders<'a> {
    transport: &'a Transport,
}

impl<'a> Orders<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Orders { transport }
    }

    /// The transport, for the waiters and feeds of `crate::watch`.
    pub(crate) fn transport(&self) -> &'a Transport {
        self.transport
    }

    /// Orders, newest first, each with its user.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let orders = client.orders().list(&billkit::billmora::OrderFilter::new().user_id(12)).collect_all().await?;
    /// println!("{} orders", orders.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, filter: &OrderFilter) -> Paginator<Order> {
        let request = filter.apply(Request::get("/orders"));
        crate::http::keyed(Paginator::new(self.transport.clone(), request, PAGES))
    }

    /// One order with user, items, services, registrants and invoices.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let order = client.orders().get(77).await?;
    /// println!("{}", order.order_number);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<OrderId>) -> Result<Order> {
        shared::data(
            self.transport,
            Request::get("/orders/{id}").param(id.into()),
        )
        .await
    }

    /// Places an order. **Needs a token with the `*` ability** (the admin
    /// UI cannot grant `orders.create`). Never retried once it may have
    /// reached the server; a 500 `Failed to create order: ...` comes back as
    /// [`Error::Api`](crate::Error::Api).
    ///
    /// The server creates the order, its services, domains and invoice in
    /// one transaction. The answer is the order as inserted, not re-read
    /// (`tax` and `notes` are `None`), with its user, items, services,
    /// registrants and invoices loaded. Nothing in the request is unique:
    /// when the error's [`outcome`](crate::Error::outcome) is `Unknown` (it
    /// may have landed), look at the user's newest orders (lists are newest
    /// first) before sending again; `NotApplied` means none was made.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let new = billkit::billmora::NewOrder::new(12, "USD", billkit::billmora::OrderStatus::Pending)
    ///     .package_item(billkit::billmora::PackageItem::new(7, 21));
    /// let order = client.orders().create(&new).await?;
    /// println!("{}", order.order_number);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, order: &NewOrder) -> Result<Order> {
        order.validate()?;
        shared::data(self.transport, Request::post("/orders").json(order)).await
    }

    /// Changes an order's status. **Needs a token with the `*` ability.**
    ///
    /// Side effects (`OrderService::updateOrderStatus`): `completed`
    /// activates its services and pending domains; `cancelled`/`failed`
    /// cancel them; any other status puts services back to `pending` and
    /// clears their dates. `completed_at`/`cancelled_at` are set or cleared.
    /// Server bug (`app/Services/Package/Admin/OrderService.php:463`): the
    /// order's invoice is meant to follow (paid/cancelled/unpaid) but reads
    /// an `invoice` relation that does not exist, so invoices never change.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let done = billkit::billmora::OrderUpdate::new(billkit::billmora::OrderStatus::Completed);
    /// let order = client.orders().update(77, &done).await?;
    /// println!("{:?}", order.status);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, id: impl Into<OrderId>, update: &OrderUpdate) -> Result<Order> {
        update.validate()?;
        shared::data(
            self.transport,
            Request::put("/orders/{id}").param(id.into()).json(update),
        )
        .await
    }

    /// Deletes an order.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let deleted = client.orders().delete(77).await?;
    /// println!("{}", deleted.message);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, id: impl Into<OrderId>) -> Result<Deleted> {
        self.transport
            .execute(Request::delete("/orders/{id}").param(id.into()))
            .await
    }
}
