//! The BillPro API client (v1).
//!
//! BillPro sells products to customers through orders of four purchase
//! types (single payment, instalment, subscription, metered); instalment and
//! subscription orders collect their money through scheduled payments. A
//! [`Client`] reaches each resource through a handler:
//! [`customers`](Client::customers), [`products`](Client::products),
//! [`orders`](Client::orders) and
//! [`scheduled_payments`](Client::scheduled_payments).
//!
//! Lists are bare JSON arrays of 25 items walked with `?page=1,2,…` until a
//! short or empty page; they come back as lazy [`Paginator`]s. Amounts are
//! exact [`Decimal`](crate::Decimal)s. A token whose user can reach several
//! merchant profiles must name one with [`ClientBuilder::profile_id`]; it is
//! then added to the query of every request.
//!
//! ```no_run
//! use billkit::billpro::{
//!     Client, Environment, NewCustomer, NewSingleOrder, OrderLine, ProductFilter,
//! };
//! use billkit::TryStreamExt;
//!
//! # async fn run() -> billkit::Result<()> {
//! let billpro = Client::builder()
//!     .token(std::env::var("BILLPRO_API_TOKEN").unwrap_or_default())
//!     .environment(Environment::Staging)
//!     .profile_id(5)
//!     .build()?;
//!
//! let customer = billpro
//!     .customers()
//!     .create(&NewCustomer::new("Dana", "Borys", "dana@example.com").phone("+447700900123"))
//!     .await?;
//!
//! let mut products = billpro.products().list(&ProductFilter::new()).stream();
//! while let Some(product) = products.try_next().await? {
//!     println!("{} {} {}", product.product_id, product.price, product.currency);
//! }
//!
//! let order = billpro
//!     .orders()
//!     .create_single_order(
//!         &NewSingleOrder::new(customer.id, "EUR", "INV-42").product(OrderLine::new(10).qty(1)),
//!     )
//!     .await?;
//! println!("order {} is {}", order.id, order.status);
//! # Ok(())
//! # }
//! ```
//!
//! Errors: order creation refuses bad input with 400 `{"error": "Bad Request"}`,
//! customer validation with 422 and a field map (`{"phone": ["is invalid"]}`,
//! see [`Error::validation_errors`]), and a missing entity may be answered
//! with 422 instead of 404 (see [`BillProErrorExt::is_record_not_found`]). A missing or unknown
//! token is 401 ([`Error::is_unauthorized`]).
//!
//! Rate limits: BillPro documents none, and its server is closed, so
//! nothing shows whether a 429 (from BillPro or anything in front of it)
//! is given before an order or customer is created. A create answered 429
//! is therefore not sent again: it comes back as the error (its
//! [`retry_after`](Error::retry_after) included), whose message says so.
//! Whether to send it again is yours to decide — look the record up first
//! (an order by its `invoice_id`). Reads answered 429 are retried after
//! the wait as usual.

use secrecy::SecretString;
use url::Url;

use crate::error::{ApiError, Error, Result};
use crate::http::{Config, Credentials, Paginator, Request, Transport};

mod customers;
mod dialect;
#[cfg(feature = "billpro-notifications")]
pub mod notifications;
mod orders;
mod products;
mod scheduled_payments;
mod walk;

pub use customers::{
    Address, AddressUpdate, Addresses, Customer, CustomerUpdate, Customers, NewCustomer,
    Organisation,
};
pub use dialect::BillProDialect;
pub use orders::{
    NewInstalmentOrder, NewMeteredOrder, NewSingleOrder, NewSubscriptionOrder, Order,
    OrderCustomer, OrderLine, OrderProduct, OrderSource, OrderStatus, Orders, PaymentChannel,
    Schedule, Since,
};
pub use products::{
    Adjustment, Product, ProductFilter, ProductStatus, Products, PurchaseType, ScheduleUnit,
};
pub use scheduled_payments::{
    ScheduledPayment, ScheduledPaymentStatus, ScheduledPaymentUpdate, ScheduledPayments,
    TargetStatus,
};

/// BillPro's fixed page size.
pub const PAGE_SIZE: u32 = 25;

/// The BillPro environments with a known API address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Environment {
    /// Live production, `https://app.bill.pro/api/v1`.
    Production,
    /// The test environment, `https://staging.bill.pro/api/v1`.
    Staging,
}

impl Environment {
    /// The API base URL of the environment.
    pub fn base_url(self) -> &'static str {
        match self {
            Environment::Production => "https://app.bill.pro/api/v1",
            Environment::Staging => "https://staging.bill.pro/api/v1",
        }
    }
}

crate::id::int_id! {
    /// A customer's system id (`id` in the customer object, `customer_id`
    /// in orders) — not the merchant's 10-character `customer_id` string.
    CustomerId
}
crate::id::int_id! {
    /// A product's system id (`id` in the product object, `product_id` in
    /// order lines) — not the merchant's `product_id` string.
    ProductId
}
crate::id::int_id! {
    /// An order's system id.
    OrderId
}
crate::id::int_id! {
    /// A scheduled payment's system id.
    ScheduledPaymentId
}

/// Refuses id 0 before sending: BillPro ids start at 1.
pub(crate) fn check_id(field: &str, id: u64) -> Result<()> {
    if id == 0 {
        return Err(Error::invalid_input(
            field,
            "must be a BillPro system id (1 or more)",
        ));
    }
    Ok(())
}

/// The answer inside `err` when BillPro's rules apply to it: it came from
/// a BillPro client (or from no particular API); `None` for an error a
/// Billmora or Billy client returned, which BillPro's rules say nothing
/// about. The one place that asks which API answered.
fn own_api_error(err: &Error) -> Option<&ApiError> {
    err.api_error().filter(|api| {
        use crate::http::{Dialect, GenericDialect};
        [BillProDialect.name(), GenericDialect.name()].contains(&api.api())
    })
}

/// What only BillPro's errors tell, as methods on [`Error`]: import the
/// trait (`use billkit::billpro::BillProErrorExt;`) to call them. It can be
/// imported beside the other APIs' error traits: no method name is shared.
pub trait BillProErrorExt {
    /// Whether BillPro said there is no such record: a 404, a 422 to a
    /// `GET`, or a 422 "Record not found" (BillPro answers a missing
    /// entity either way). The same as [`Error::is_not_found`] for an error
    /// from a BillPro client; `false` for an error from a Billmora or Billy
    /// client, which BillPro's rules say nothing about.
    ///
    /// ```no_run
    /// use billkit::billpro::{BillProErrorExt, Client};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// match billpro.customers().get(7).await {
    ///     Ok(customer) => println!("{}", customer.email),
    ///     Err(e) if e.is_record_not_found() => println!("no customer 7"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    fn is_record_not_found(&self) -> bool;
}

impl BillProErrorExt for Error {
    fn is_record_not_found(&self) -> bool {
        own_api_error(self).is_some() && self.is_not_found()
    }
}

/// Builds a [`Client`]: [`ClientBuilder::new`] or [`Client::builder`].
#[derive(Debug, Default)]
pub struct ClientBuilder {
    config: Config,
    token: Option<SecretString>,
    base_url: Option<String>,
    profile_id: Option<u64>,
}

impl ClientBuilder {
    /// A builder with no token yet and every setting at its default; the
    /// same as [`Client::builder`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The API token of the integration user (sent as
    /// `Authorization: Bearer …`), kept as a secret so it never shows in
    /// `Debug` output. Required.
    pub fn token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Talks to a named environment (default [`Environment::Production`];
    /// a production token does not work on staging and vice versa).
    /// Replaces an earlier [`base_url`](Self::base_url).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.base_url = Some(environment.base_url().to_owned());
        self
    }

    /// Talks to another host, e.g. `https://test.bill.pro/api/v1` or a
    /// local sandbox. Include the `/api/v1` prefix. Replaces an earlier
    /// [`environment`](Self::environment).
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base_url = Some(url.as_ref().to_owned());
        self
    }

    /// The merchant profile to act for, added as `profile_id` to the query
    /// of every request. Required when the token's user can reach more than
    /// one merchant profile.
    pub fn profile_id(mut self, profile_id: u64) -> Self {
        self.profile_id = Some(profile_id);
        self
    }

    crate::http::common_builder_methods!();

    /// Builds the client. Fails without a token, with an unusable base URL,
    /// or with profile id 0.
    pub fn build(self) -> Result<Client> {
        let token = self.token.ok_or_else(|| {
            Error::Config("no BillPro API token was given; call .token(...)".into())
        })?;
        let base = self
            .base_url
            .unwrap_or_else(|| Environment::Production.base_url().to_owned());
        let mut config = self
            .config
            .base_url(&base)?
            .credentials(Credentials::Bearer(token));
        if let Some(id) = self.profile_id {
            if id == 0 {
                return Err(Error::Config("profile_id must be 1 or more".into()));
            }
            config = config.default_query("profile_id", id);
        }
        Ok(Client {
            transport: Transport::new(config.dialect(BillProDialect))?,
            profile_id: self.profile_id,
        })
    }
}

/// A BillPro API client. Cheap to clone; clones share connections.
///
/// `Debug` shows the base URL and profile id, never the token.
#[derive(Debug, Clone)]
pub struct Client {
    transport: Transport,
    profile_id: Option<u64>,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The API base URL.
    ///
    /// ```no_run
    /// # async fn run(billpro: billkit::billpro::Client) -> billkit::Result<()> {
    /// assert!(billpro.base_url().as_str().ends_with("/api/v1"));
    /// # Ok(()) }
    /// ```
    pub fn base_url(&self) -> &Url {
        self.transport.base_url()
    }

    /// The merchant profile every request names, if one was set.
    pub fn profile_id(&self) -> Option<u64> {
        self.profile_id
    }

    /// A view of this client whose calls use `options` (time limits, retry
    /// policy) over the client's own; it shares the client's connections,
    /// rate limiter, hooks and clock, and is cheap to make per call.
    ///
    /// ```no_run
    /// # async fn run(client: billkit::billpro::Client) -> billkit::Result<()> {
    /// use std::time::Duration;
    /// let quick = billkit::http::CallOptions::new().deadline(Some(Duration::from_secs(5)));
    /// let scoped = client.with_options(quick);
    /// # let _ = scoped;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: crate::http::CallOptions) -> Self {
        Client {
            transport: self.transport.with_options(&options),
            profile_id: self.profile_id,
        }
    }

    /// The shared transport, for requests this module does not describe.
    ///
    /// ```no_run
    /// # async fn run(billpro: billkit::billpro::Client) -> billkit::Result<()> {
    /// // A request this crate does not describe, with the client's auth and retries.
    /// let raw = billpro.transport().send(&billkit::http::Request::<()>::get("/products")).await?;
    /// println!("{}", raw.status());
    /// # Ok(()) }
    /// ```
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Customers: create, get, list, update.
    ///
    /// ```no_run
    /// # async fn run(billpro: billkit::billpro::Client) -> billkit::Result<()> {
    /// let customer = billpro.customers().get(7).await?;
    /// println!("{} {}", customer.first_name, customer.last_name);
    /// # Ok(()) }
    /// ```
    pub fn customers(&self) -> Customers<'_> {
        Customers::new(&self.transport)
    }

    /// Products: list and get (products cannot be created through the API).
    ///
    /// ```no_run
    /// # async fn run(billpro: billkit::billpro::Client) -> billkit::Result<()> {
    /// let product = billpro.products().get(10).await?;
    /// println!("{} {}", product.price, product.currency);
    /// # Ok(()) }
    /// ```
    pub fn products(&self) -> Products<'_> {
        Products::new(&self.transport)
    }

    /// Orders: the four creates, get, list, cancel, pause, resume, renew
    /// checkout.
    ///
    /// ```no_run
    /// # async fn run(billpro: billkit::billpro::Client) -> billkit::Result<()> {
    /// let order = billpro.orders().get(42).await?;
    /// println!("order {} is {}", order.id, order.status);
    /// # Ok(()) }
    /// ```
    pub fn orders(&self) -> Orders<'_> {
        Orders::new(&self.transport)
    }

    /// Scheduled payments (billing events): list, get, update.
    ///
    /// ```no_run
    /// # async fn run(billpro: billkit::billpro::Client) -> billkit::Result<()> {
    /// let payment = billpro.scheduled_payments().get(3).await?;
    /// println!("{:?}", payment.status);
    /// # Ok(()) }
    /// ```
    pub fn scheduled_payments(&self) -> ScheduledPayments<'_> {
        ScheduledPayments::new(&self.transport)
    }
}

/// A `?page=N` walk over a bare array of [`PAGE_SIZE`] items, oldest
/// first.
pub(crate) fn paginate<T>(transport: &Transport, request: Request<()>) -> Paginator<T>
where
    T: crate::http::Listed,
{
    crate::http::keyed(Paginator::new(
        transport.clone(),
        request,
        dialect::BillProPages,
    ))
}
