//! The Billmora REST API (`{installation}/api/v1`).
//!
//! Billmora is a self-hosted Laravel billing platform, so there is no fixed
//! host: give the client your installation's URL and a Sanctum personal
//! access token (`<id>|<secret>`, created under *Settings > API Tokens*).
//! Each resource has a handler on [`Client`] (`client.invoices()`, ...)
//! with exactly the operations the server offers for it.
//!
//! Everything here follows the server's source (`Billmora/billmora`,
//! commit `7799ffac`: routes, controllers, resources, models, migrations,
//! middleware), not its documentation:
//!
//! - Single resources come back unwrapped from Billmora's `{"data": ...}`.
//! - Lists are [`Paginator`](crate::http::Paginator)s over Laravel's
//!   `?page=N&per_page=M` envelope; the walk builds every request itself,
//!   so filters and `per_page` are kept on every page (the server's own
//!   `links` drop them). Every list is newest first.
//! - Creates answer the model *as inserted*, not re-read: a column the
//!   request did not set is `null` in the answer even though the database
//!   filled in its default. Those fields are `Option` (a user's `status`,
//!   a package's `stock`, ...); read the record again for stored values.
//! - Money has two places ([`Decimal`](crate::Decimal) with scale 2),
//!   whether the server sends `"10.00"`, `95.5` or a PHP float's
//!   `0.19999999999999998` (an invoice's `amount_due`); float noise is
//!   removed, a value further from cents is a decode error naming the field
//!   ([`money::parse_two_places`](crate::money::parse_two_places)).
//! - Day-only values are midnight in the server's timezone sent as UTC;
//!   [`calendar_day`] and [`Invoice::due_day`] give the chosen day back.
//! - Every status enum is open: values a newer server sends are kept in
//!   `Unknown(..)` instead of failing the call.
//! - Request bodies are checked before anything is sent
//!   ([`InvalidInput`](crate::Error::InvalidInput)) against the server's
//!   validation rules *and* its columns: what passes the rules but fails in
//!   the database (a `language` over 5 characters, a third decimal place)
//!   is refused too.
//! - Some endpoints fail on every current server because of bugs in its
//!   source (variant creates; service reads and updates; the domain
//!   check's TLD lookup).
//!   [`BillmoraErrorExt::known_server_bug`] names them ([`KnownServerBug`]).
//! - The client starts at Billmora's default 60 requests per minute per
//!   token and adopts the token's real quota from `X-RateLimit-Limit`
//!   (higher or lower; a quota you set with `rate_limit` is only ever
//!   lowered), counts `X-RateLimit-Remaining`, and waits out `Retry-After`
//!   on a 429. A create answered 429 is sent again after the wait (within
//!   the retry policy and the deadline): Billmora's rate limiter answers
//!   before any controller runs, so nothing was carried out (see
//!   [`BillmoraDialect`]).
//!
//! ```no_run
//! use billkit::billmora::{
//!     BillmoraErrorExt, Client, InvoiceFilter, InvoiceStatus, KnownServerBug, NewInvoice, NewUser,
//!     OrderFilter,
//! };
//! use billkit::{Decimal, TryStreamExt};
//! use chrono::NaiveDate;
//!
//! # async fn run() -> billkit::Result<()> {
//! let client = Client::builder()
//!     .base_url("https://billing.example.com")      // `/api/v1` is appended
//!     .token("1|TzXyexampletoken")
//!     .build()?;
//!
//! let user = match client.users().find_by_email("dana@example.com").await? {
//!     Some(user) => user,
//!     None => {
//!         let new = NewUser::new("Dana", "Borys", "dana@example.com", "s3cret-passw0rd");
//!         let created = client.users().create(&new).await?;
//!         client.users().get(created.id).await? // the stored defaults
//!     }
//! };
//! let due = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
//! let new_invoice = NewInvoice::new(user.id, due)
//!     .item("Hosting, August", 1, Decimal::new(1000, 2))
//!     .item("Loyalty discount", 1, Decimal::new(-150, 2));
//! let invoice = client.invoices().create(&new_invoice).await?;
//! println!("invoice {} due {}", invoice.invoice_number, invoice.due_day());
//!
//! match client.services().get(30).await {
//!     Ok(service) => println!("service {}", service.service_number),
//!     Err(e) if e.known_server_bug() == Some(KnownServerBug::ServiceScalingsRelation) => {
//!         // Every current server fails here; read services through their order.
//!         let orders = client.orders().list(&OrderFilter::new().user_id(user.id)).collect_all().await?;
//!         println!("{} orders", orders.len());
//!     }
//!     Err(e) => return Err(e),
//! }
//!
//! let mut unpaid = client
//!     .invoices()
//!     .list(&InvoiceFilter::new().status(InvoiceStatus::Unpaid))
//!     .per_page(50)
//!     .stream();
//! while let Some(invoice) = unpaid.try_next().await? {
//!     println!("{} {} {}", invoice.invoice_number, invoice.total, invoice.currency);
//! }
//! # Ok(())
//! # }
//! ```

mod catalogs;
mod checks;
mod dates;
mod de;
mod dialect;
mod domains;
mod filter;
mod invoices;
mod orders;
mod packages;
mod registrants;
mod server_bugs;
mod services;
mod shared;
mod tickets;
mod tlds;
mod users;
mod variants;
mod walk;

pub use catalogs::{Catalog, CatalogFilter, CatalogStatus, CatalogUpdate, Catalogs, NewCatalog};
pub use dates::{DEFAULT_SERVER_UTC_OFFSET_SECONDS, calendar_day, calendar_day_in};
pub use dialect::BillmoraDialect;
pub use domains::{DomainCheck, Domains};
pub use invoices::{
    Invoice, InvoiceFilter, InvoiceItem, InvoiceStatus, InvoiceUpdate, Invoices, NewInvoice,
    NewInvoiceItem,
};
pub use orders::{
    DomainItem, DomainItemType, NewOrder, Order, OrderFilter, OrderItem, OrderItemType,
    OrderStatus, OrderUpdate, Orders, PackageItem, VariantChoice,
};
pub use packages::{
    AllowQuantity, BillingPeriod, BillingType, NewPackage, Package, PackageFilter, PackagePrice,
    PackageStatus, PackageUpdate, Packages, Rate,
};
pub use registrants::{
    Registrant, RegistrantFilter, RegistrantStatus, RegistrantUpdate, Registrants,
};
pub use server_bugs::KnownServerBug;
pub use services::{
    ScalingStatus, Service, ServiceFilter, ServiceScaling, ServiceStatus, ServiceUpdate, Services,
};
pub use shared::Deleted;
pub use tickets::{
    NewTicket, Ticket, TicketFilter, TicketMessage, TicketPriority, TicketStatus, TicketUpdate,
    Tickets,
};
pub use tlds::{NewTld, Tld, TldFilter, TldPrice, TldStatus, TldUpdate, Tlds};
pub use users::{NewUser, User, UserFilter, UserStatus, UserUpdate, Users};
pub use variants::{
    NewVariant, Variant, VariantFilter, VariantOption, VariantOptionPrice, VariantStatus,
    VariantUpdate, Variants,
};

use secrecy::{ExposeSecret, SecretString};

use crate::error::{ApiError, Error, Result};
use crate::http::{Config, Credentials, RateLimit, Transport};
use url::Url;

crate::id::int_id! {
    /// A user's id (`users.id`); also a ticket's assignee, who is a staff user.
    UserId
}
crate::id::int_id! {
    /// An invoice's id.
    InvoiceId
}
crate::id::int_id! {
    /// The id of one line of an invoice.
    InvoiceItemId
}
crate::id::int_id! {
    /// An order's id.
    OrderId
}
crate::id::int_id! {
    /// The id of one line of an order.
    OrderItemId
}
crate::id::int_id! {
    /// A service's id.
    ServiceId
}
crate::id::int_id! {
    /// The id of one scaling (package change) of a service.
    ServiceScalingId
}
crate::id::int_id! {
    /// A support ticket's id.
    TicketId
}
crate::id::int_id! {
    /// The id of one message in a ticket.
    TicketMessageId
}
crate::id::int_id! {
    /// A catalog's id (a group of packages).
    CatalogId
}
crate::id::int_id! {
    /// A package's id.
    PackageId
}
crate::id::int_id! {
    /// The id of one billing option of a package: the `billing_id` of an
    /// order's package item.
    PackagePriceId
}
crate::id::int_id! {
    /// A variant's id (a configurable option).
    VariantId
}
crate::id::int_id! {
    /// The id of one choice of a variant.
    VariantOptionId
}
crate::id::int_id! {
    /// The id of one price of a variant option.
    VariantOptionPriceId
}
crate::id::int_id! {
    /// A top-level domain's id.
    TldId
}
crate::id::int_id! {
    /// The id of one price of a top-level domain.
    TldPriceId
}
crate::id::int_id! {
    /// A registrant's id (a registered domain).
    RegistrantId
}
crate::id::int_id! {
    /// The id of a provisioning plugin installed on the server.
    PluginId
}

/// Billmora's default quota: 60 requests per minute per token.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 60;

/// Builds a [`Client`].
///
/// ```
/// let client = billkit::billmora::Client::builder()
///     .base_url("https://billing.example.com/")
///     .token("1|TzXyexampletoken")
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url().as_str(), "https://billing.example.com/api/v1");
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    config: Config,
    token: Option<SecretString>,
    base_url: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            config: Config::new()
                .default_rate_limit(Some(RateLimit::per_minute(DEFAULT_RATE_LIMIT_PER_MINUTE))),
            token: None,
            base_url: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults: 60 requests per minute until the server
    /// announces the token's quota, which is then adopted.
    pub fn new() -> Self {
        Self::default()
    }

    /// The installation's URL. `/api/v1` is appended when missing, so
    /// `https://host`, `https://host/`, `https://host/api` and
    /// `https://host/api/v1/` all mean the same API.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base_url = Some(url.as_ref().to_owned());
        self
    }

    /// The Sanctum personal access token, `<id>|<secret>` (the `|` is part
    /// of the token). Sent as `Authorization: Bearer ...`; never shown in
    /// `Debug` output.
    pub fn token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    crate::http::common_builder_methods!();

    /// Builds the client. Fails without a base URL or token, or when the
    /// token would travel over plain `http://` to a non-loopback host.
    pub fn build(self) -> Result<Client> {
        let base = self.base_url.ok_or_else(|| {
            Error::Config("no Billmora installation URL; call .base_url(\"https://your-billmora-domain.com\")".into())
        })?;
        let token = self.token.ok_or_else(|| {
            Error::Config("no Billmora API token; call .token(\"<id>|<secret>\")".into())
        })?;
        let (api_v1, api_root) = normalize_base_url(&base)?;
        let config = self
            .config
            .base_url(&api_v1)?
            .credentials(Credentials::bearer(token.expose_secret()));
        let transport = Transport::new(config.dialect(BillmoraDialect))?;
        let public = transport.with_base_url(&api_root)?;
        Ok(Client { transport, public })
    }
}

/// Turns an installation URL into (`.../api/v1`, `.../api`).
fn normalize_base_url(input: &str) -> Result<(String, String)> {
    let mut url = url::Url::parse(input.trim())
        .map_err(|e| Error::Config(format!("base URL `{input}` is not a valid URL: {e}")))?;
    let path = url.path().trim_end_matches('/').to_owned();
    let root = if let Some(p) = path.strip_suffix("/api/v1") {
        format!("{p}/api")
    } else if path.ends_with("/api") {
        path
    } else {
        format!("{path}/api")
    };
    url.set_path(&root);
    let api_root = url.to_string();
    url.set_path(&format!("{root}/v1"));
    Ok((url.to_string(), api_root))
}

/// A Billmora API client. Cheap to clone; clones share the connection pool
/// and the rate limiter.
#[derive(Debug, Clone)]
pub struct Client {
    transport: Transport,
    /// `{installation}/api`, for the unauthenticated endpoints outside `/v1`.
    public: Transport,
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The API base URL (`{installation}/api/v1`).
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// assert!(billmora.base_url().as_str().ends_with("/api/v1"));
    /// # Ok(()) }
    /// ```
    pub fn base_url(&self) -> &Url {
        self.transport.base_url()
    }

    /// A view of this client whose calls use `options` (time limits, retry
    /// policy) over the client's own; it shares the client's connections,
    /// rate limiter, hooks and clock, and is cheap to make per call.
    ///
    /// ```no_run
    /// # async fn run(client: billkit::billmora::Client) -> billkit::Result<()> {
    /// use std::time::Duration;
    /// let quick = billkit::http::CallOptions::new().deadline(Some(Duration::from_secs(5)));
    /// let scoped = client.with_options(quick);
    /// # let _ = scoped;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: crate::http::CallOptions) -> Self {
        Client {
            transport: self.transport.with_options(&options),
            public: self.public.with_options(&options),
        }
    }

    /// The shared transport, for requests this module does not cover.
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// // A request this crate does not describe, with the client's auth and retries.
    /// let raw = billmora.transport().send(&billkit::http::Request::<()>::get("/users")).await?;
    /// println!("{}", raw.status());
    /// # Ok(()) }
    /// ```
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Users.
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let user = billmora.users().get(1).await?;
    /// # let _ = user;
    /// # Ok(()) }
    /// ```
    pub fn users(&self) -> Users<'_> {
        Users::new(&self.transport)
    }

    /// Services (no create: services come from orders).
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let service = billmora.services().get(1).await?;
    /// # let _ = service;
    /// # Ok(()) }
    /// ```
    pub fn services(&self) -> Services<'_> {
        Services::new(&self.transport)
    }

    /// Invoices.
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let invoice = billmora.invoices().get(1).await?;
    /// # let _ = invoice;
    /// # Ok(()) }
    /// ```
    pub fn invoices(&self) -> Invoices<'_> {
        Invoices::new(&self.transport)
    }

    /// Orders (create and update need a `*` token).
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let order = billmora.orders().get(1).await?;
    /// # let _ = order;
    /// # Ok(()) }
    /// ```
    pub fn orders(&self) -> Orders<'_> {
        Orders::new(&self.transport)
    }

    /// Support tickets.
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let ticket = billmora.tickets().get(1).await?;
    /// # let _ = ticket;
    /// # Ok(()) }
    /// ```
    pub fn tickets(&self) -> Tickets<'_> {
        Tickets::new(&self.transport)
    }

    /// Packages (products).
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let package = billmora.packages().get(1).await?;
    /// # let _ = package;
    /// # Ok(()) }
    /// ```
    pub fn packages(&self) -> Packages<'_> {
        Packages::new(&self.transport)
    }

    /// Catalogs (package groups).
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let catalog = billmora.catalogs().get(1).await?;
    /// # let _ = catalog;
    /// # Ok(()) }
    /// ```
    pub fn catalogs(&self) -> Catalogs<'_> {
        Catalogs::new(&self.transport)
    }

    /// Variants (configurable options).
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let variant = billmora.variants().get(1).await?;
    /// # let _ = variant;
    /// # Ok(()) }
    /// ```
    pub fn variants(&self) -> Variants<'_> {
        Variants::new(&self.transport)
    }

    /// Registrants (registered domains; no create: they come from orders).
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let registrant = billmora.registrants().get(1).await?;
    /// # let _ = registrant;
    /// # Ok(()) }
    /// ```
    pub fn registrants(&self) -> Registrants<'_> {
        Registrants::new(&self.transport)
    }

    /// Top-level domains on sale.
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let tld = billmora.tlds().get(1).await?;
    /// # let _ = tld;
    /// # Ok(()) }
    /// ```
    pub fn tlds(&self) -> Tlds<'_> {
        Tlds::new(&self.transport)
    }

    /// The public domain-availability check.
    ///
    /// ```no_run
    /// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
    /// let check = billmora.domains().check("example.com").await?;
    /// # let _ = check;
    /// # Ok(()) }
    /// ```
    pub fn domains(&self) -> Domains<'_> {
        Domains::new(&self.public)
    }
}

const MISSING_ABILITY_PREFIX: &str = "This token does not have the required permission:";
const IP_NOT_ALLOWED: &str = "Your IP address is not allowed to use this token.";

/// The server's refusal, unless it came from another API's client: the
/// extension methods answer by Billmora's rules, which say nothing about a
/// BillPro or Billy error. An error of no known API (built by hand, or from
/// a bare [`Transport`]) is read by Billmora's rules.
fn own_api_error(err: &Error) -> Option<&ApiError> {
    err.api_error().filter(|api| {
        use crate::http::{Dialect, GenericDialect};
        [BillmoraDialect.name(), GenericDialect.name()].contains(&api.api())
    })
}

/// Billmora-specific questions about an [`Error`], as methods. Each answers
/// `None` (or `false`) for an error from a BillPro or Billy client; the
/// names are Billmora's own, so this trait can be imported beside the other
/// APIs' traits.
pub trait BillmoraErrorExt {
    /// The ability a 403 says the token lacks (`users.view`), if the error
    /// is that refusal: ask for a token with that ability.
    ///
    /// ```no_run
    /// use billkit::billmora::{BillmoraErrorExt, Client};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let client = Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// match client.users().get(7).await {
    ///     Err(e) if e.missing_ability().is_some() => {
    ///         println!("the token lacks {}", e.missing_ability().unwrap_or_default());
    ///     }
    ///     other => println!("{:?}", other?.email),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    fn missing_ability(&self) -> Option<String>;

    /// Whether the error is the 403 for a caller IP not on the token's
    /// allow list: retrying from here cannot help.
    ///
    /// ```no_run
    /// use billkit::billmora::{BillmoraErrorExt, Client};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let client = Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// if let Err(e) = client.invoices().get(42).await
    ///     && e.is_ip_not_allowed()
    /// {
    ///     eprintln!("add this host to the token's IP allow list");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    fn is_ip_not_allowed(&self) -> bool;

    /// Whether the error is the 503 Billmora sends in maintenance mode:
    /// try again once the installation is back.
    ///
    /// ```no_run
    /// use billkit::billmora::{BillmoraErrorExt, Client};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let client = Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// if let Err(e) = client.orders().get(3).await
    ///     && e.is_maintenance()
    /// {
    ///     eprintln!("Billmora is in maintenance mode");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    fn is_maintenance(&self) -> bool;

    /// Which [`KnownServerBug`] caused the error, if it is the failure that
    /// bug produces (matched on method, route and status; the message is
    /// `Server Error` unless the server runs in debug mode).
    ///
    /// ```no_run
    /// use billkit::billmora::{BillmoraErrorExt, Client, KnownServerBug};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let client = Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// match client.services().get(30).await {
    ///     Ok(service) => println!("{}", service.service_number),
    ///     Err(e) if e.known_server_bug() == Some(KnownServerBug::ServiceScalingsRelation) => {
    ///         eprintln!("{}", KnownServerBug::ServiceScalingsRelation);
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    fn known_server_bug(&self) -> Option<KnownServerBug>;
}

impl BillmoraErrorExt for Error {
    fn missing_ability(&self) -> Option<String> {
        let api = own_api_error(self)?;
        if api.status().as_u16() != 403 {
            return None;
        }
        let rest = api.message()?.trim().strip_prefix(MISSING_ABILITY_PREFIX)?;
        let ability = rest.trim().trim_end_matches('.');
        (!ability.is_empty()).then(|| ability.to_owned())
    }

    fn is_ip_not_allowed(&self) -> bool {
        own_api_error(self).is_some_and(|api| {
            api.status().as_u16() == 403 && api.message().map(str::trim) == Some(IP_NOT_ALLOWED)
        })
    }

    fn is_maintenance(&self) -> bool {
        let other_api = self.api_error().is_some() && own_api_error(self).is_none();
        !other_api && self.status().is_some_and(|s| s.as_u16() == 503)
    }

    fn known_server_bug(&self) -> Option<KnownServerBug> {
        own_api_error(self).and_then(server_bugs::recognise)
    }
}

/// The page style of every Billmora list (server default 15 per page).
const PAGES: dialect::BillmoraPages = dialect::BillmoraPages { per_page: None };

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_forms_all_reach_api_v1() {
        for input in [
            "https://b.example.com",
            "https://b.example.com/",
            "https://b.example.com/api",
            "https://b.example.com/api/",
            "https://b.example.com/api/v1",
            "https://b.example.com/api/v1/",
        ] {
            let (v1, root) = normalize_base_url(input).unwrap();
            assert_eq!(v1, "https://b.example.com/api/v1", "{input}");
            assert_eq!(root, "https://b.example.com/api", "{input}");
        }
        let (v1, root) = normalize_base_url("https://h.example/billing/").unwrap();
        assert_eq!(v1, "https://h.example/billing/api/v1");
        assert_eq!(root, "https://h.example/billing/api");
    }
}
