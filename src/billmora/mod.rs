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
//!   [`known_server_bug`] names them ([`KnownServerBug`]).
//! - The client starts at Billmora's default 60 requests per minute per
//!   token and adopts the token's real quota from `X-RateLimit-Limit`
//!   (higher or lower; a quota you set with `rate_limit` is only ever
//!   lowered), counts `X-RateLimit-Remaining`, and waits out `Retry-After`
//!   on a 429. A create answered 429 is sent again after the wait (within
//!   the retry policy and the deadline): Billmora's rate limiter answers
//!   before any controller runs, so nothing was carried out (see
//!   [`refused_before_handler`]).
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
mod dialect;
mod domains;
mod invoices;
mod orders;
mod packages;
mod registrants;
mod services;
mod tickets;
mod tlds;
mod users;
mod variants;
mod walk;

pub use catalogs::*;
pub use dialect::BillmoraDialect;
pub use domains::*;
pub use invoices::*;
pub use orders::*;
pub use packages::*;
pub use registrants::*;
pub use services::*;
pub use tickets::*;
pub use tlds::*;
pub use users::*;
pub use variants::*;

use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::{Error, Result};
use crate::http::{Config, Credentials, RateLimit, Request, StatusCode, Transport};

/// Billmora's default quota: 60 requests per minute per token.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 60;

/// Whether a Billmora answer is a refusal given before any controller ran,
/// that may succeed after its wait: a 429 with `Retry-After`.
///
/// From the server's source (`Billmora/billmora` at `7799ffac`): every
/// `/api/v1` route sits in one group whose middleware runs `auth:sanctum`,
/// `CheckApiWhitelistIp` and then `ApiRateLimiter` before the route's own
/// `CheckApiTokenAbility` and the controller (`routes/api.php`).
/// `ApiRateLimiter::handle` answers 429 with `Retry-After`,
/// `X-RateLimit-Limit` and `X-RateLimit-Remaining: 0` *instead of* calling
/// `$next($request)`, and it does not even count the refused request
/// (`app/Http/Middleware/ApiRateLimiter.php`). Nothing else in the
/// application answers 429: no controller throttles, and the `api` group
/// gets no `throttle` middleware (`bootstrap/app.php`). So a create refused
/// with 429 was not carried out, and billkit sends it again after the wait.
///
/// Not included: Billmora's 503 in maintenance mode also comes before
/// routing, but a 503 can as well come from a proxy that forwarded the
/// request and lost the answer, and the two cannot be told apart; 401 and
/// 403 come before the controller too, but sending them again cannot help.
pub fn refused_before_handler(status: StatusCode, headers: &HeaderMap) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS && headers.contains_key(RETRY_AFTER)
}

/// Builds a [`Client`].
///
/// ```
/// let client = billkit::billmora::Client::builder()
///     .base_url("https://billing.example.com/")
///     .token("1|TzXyexampletoken")
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "https://billing.example.com/api/v1");
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
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The Sanctum personal access token, `<id>|<secret>` (the `|` is part
    /// of the token). Sent as `Authorization: Bearer ...`; never shown in
    /// `Debug` output.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
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
    pub fn base_url(&self) -> &str {
        self.transport.base_url().as_str()
    }

    /// The shared transport, for requests this module does not cover.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Users.
    pub fn users(&self) -> Users<'_> {
        Users { client: self }
    }

    /// Services (no create: services come from orders).
    pub fn services(&self) -> Services<'_> {
        Services { client: self }
    }

    /// Invoices.
    pub fn invoices(&self) -> Invoices<'_> {
        Invoices { client: self }
    }

    /// Orders (create and update need a `*` token).
    pub fn orders(&self) -> Orders<'_> {
        Orders { client: self }
    }

    /// Support tickets.
    pub fn tickets(&self) -> Tickets<'_> {
        Tickets { client: self }
    }

    /// Packages (products).
    pub fn packages(&self) -> Packages<'_> {
        Packages { client: self }
    }

    /// Catalogs (package groups).
    pub fn catalogs(&self) -> Catalogs<'_> {
        Catalogs { client: self }
    }

    /// Variants (configurable options).
    pub fn variants(&self) -> Variants<'_> {
        Variants { client: self }
    }

    /// Registrants (registered domains; no create: they come from orders).
    pub fn registrants(&self) -> Registrants<'_> {
        Registrants { client: self }
    }

    /// Top-level domains on sale.
    pub fn tlds(&self) -> Tlds<'_> {
        Tlds { client: self }
    }

    /// The public domain-availability check.
    pub fn domains(&self) -> Domains<'_> {
        Domains { client: self }
    }

    /// Sends a request whose answer is `{"data": T}` and unwraps it.
    async fn data<T: DeserializeOwned>(&self, request: Request<Data<T>>) -> Result<T> {
        self.transport.execute(request).await.map(|d| d.data)
    }

    /// Sends a create whose `key` is a unique column: the server refuses a
    /// second record with it (422 "has already been taken", or a 500 from
    /// the database's unique index in a race), so after an unknown outcome
    /// the record is looked up by `lookup` and, if absent, the create is
    /// sent again; a refusal as taken then returns the record.
    async fn create_unique<T, F, Fut>(
        &self,
        request: Request<Data<T>>,
        key: crate::LookupKey,
        mut lookup: F,
    ) -> Result<T>
    where
        T: DeserializeOwned,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        let found = self
            .transport
            .execute_create(
                request,
                key,
                crate::http::Uniqueness::Enforced(is_taken),
                || {
                    let fut = lookup();
                    async move { fut.await.map(|o| o.map(|data| Data { data })) }
                },
            )
            .await?;
        Ok(found.data)
    }
}

/// A Laravel `unique` rule's refusal: 422 with "has already been taken".
fn is_taken(err: &Error) -> bool {
    err.is_duplicate()
}

/// Billmora's wrapper around single resources.
#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

/// What a delete answers: `{"message": "Invoice deleted successfully."}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Deleted {
    /// The server's confirmation.
    pub message: String,
}

const MISSING_ABILITY_PREFIX: &str = "This token does not have the required permission:";
const IP_NOT_ALLOWED: &str = "Your IP address is not allowed to use this token.";

/// The ability a 403 says the token lacks (`users.view`), if `err` is that
/// refusal.
///
/// ```
/// # use billkit::{ApiError, Error};
/// # use billkit::http::{Method, StatusCode};
/// let err: Error = ApiError::from_response(
///     Method::GET, "/api/v1/users", StatusCode::FORBIDDEN, None,
///     br#"{"message": "This token does not have the required permission: users.view"}"#,
///     None, 1,
/// ).into();
/// assert_eq!(billkit::billmora::missing_ability(&err).as_deref(), Some("users.view"));
/// ```
pub fn missing_ability(err: &Error) -> Option<String> {
    let api = billmora_api_error(err)?;
    if api.status().as_u16() != 403 {
        return None;
    }
    let rest = api.message()?.trim().strip_prefix(MISSING_ABILITY_PREFIX)?;
    let ability = rest.trim().trim_end_matches('.');
    (!ability.is_empty()).then(|| ability.to_owned())
}

/// Whether `err` is the 403 for a caller IP not on the token's allow list.
pub fn is_ip_not_allowed(err: &Error) -> bool {
    billmora_api_error(err).is_some_and(|api| {
        api.status().as_u16() == 403 && api.message().map(str::trim) == Some(IP_NOT_ALLOWED)
    })
}

/// Whether `err` is the 503 Billmora sends in maintenance mode.
pub fn is_maintenance(err: &Error) -> bool {
    let other_api = err.api_error().is_some() && billmora_api_error(err).is_none();
    !other_api && err.status().is_some_and(|s| s.as_u16() == 503)
}

/// The server's refusal, unless it came from another API's client: these
/// helpers answer by Billmora's rules, which say nothing about a BillPro or
/// Billy error. An error of no known API (built by hand, or from a bare
/// [`Transport`]) is read by Billmora's rules.
fn billmora_api_error(err: &Error) -> Option<&crate::ApiError> {
    err.api_error()
        .filter(|api| matches!(api.api(), "Billmora" | "HTTP"))
}

/// A defect in Billmora's own source that makes a call fail whatever the
/// client sends. [`known_server_bug`] recognises the resulting error.
///
/// Found by reading `Billmora/billmora` (commit `7799ffac`); a later server
/// release may fix them, so billkit still sends the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KnownServerBug {
    /// `GET /services`, `GET /services/{id}` and `PUT /services/{id}`
    /// eager-load a `scalings` relation the `Service` model does not define
    /// (`app/Http/Controllers/Api/ServicesController.php:20,39,64`): 500 for
    /// any list with at least one service, every show, and every update
    /// *after* the change was saved.
    ServiceScalingsRelation,
    /// `POST /variants` always answers 500: the `variants.type` column is
    /// `NOT NULL` without a default and the API neither accepts nor sets it
    /// (`app/Http/Controllers/Api/VariantsController.php:57`,
    /// `database/migrations/2025_12_31_163849_create_variants_table.php:18`).
    VariantTypeColumn,
    /// `POST /api/domains/check` answers 422 `TLD is not supported.` for
    /// every TLD stored without a leading dot (all TLDs made in the admin
    /// UI): it looks up `.com` where the table holds `com`
    /// (`app/Http/Controllers/Api/DomainsController.php:39,42`). The same
    /// answer is given for TLDs the installation really does not sell.
    DomainCheckTldLookup,
}

impl KnownServerBug {
    /// One line a person can act on.
    pub fn description(&self) -> &'static str {
        match self {
            KnownServerBug::ServiceScalingsRelation => {
                "Billmora server bug: service endpoints load a `scalings` relation that does not exist (an update is saved before the 500)"
            }
            KnownServerBug::VariantTypeColumn => {
                "Billmora server bug: variant creation leaves the required `type` column empty; nothing was saved"
            }
            KnownServerBug::DomainCheckTldLookup => {
                "Billmora server bug (or an unsold TLD): the domain check looks TLDs up with a leading dot"
            }
        }
    }
}

impl std::fmt::Display for KnownServerBug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.description())
    }
}

/// Which [`KnownServerBug`] caused `err`, if it is the 500 that bug
/// produces (matched on method, route and status; the message is
/// `Server Error` unless the server runs in debug mode).
pub fn known_server_bug(err: &Error) -> Option<KnownServerBug> {
    let api = billmora_api_error(err)?;
    if api.status().as_u16() == 500 {
        // Paths are `.../api/v1/<resource>[/<id>]`, whatever the prefix.
        known_500_bug(api)
    } else {
        domain_check_bug(api)
    }
}

/// The 422 of the public domain check, whose path is `/api/domains/check`.
fn domain_check_bug(api: &crate::ApiError) -> Option<KnownServerBug> {
    let is_check = api.method().as_str() == "POST"
        && api
            .path()
            .trim_end_matches('/')
            .ends_with("/api/domains/check");
    (is_check && api.status().as_u16() == 422 && api.message() == Some("TLD is not supported."))
        .then_some(KnownServerBug::DomainCheckTldLookup)
}

fn known_500_bug(api: &crate::ApiError) -> Option<KnownServerBug> {
    let method = api.method().as_str();
    let path = api.path().trim_end_matches('/');
    let rest = path.rsplit_once("/api/v1/").map_or(path, |(_, r)| r);
    let mut parts = rest.split('/');
    let resource = parts.next().unwrap_or_default();
    let has_id = parts.next().is_some();
    match (method, resource, has_id) {
        ("GET" | "PUT", "services", _) => Some(KnownServerBug::ServiceScalingsRelation),
        ("POST", "variants", false) => Some(KnownServerBug::VariantTypeColumn),
        _ => None,
    }
}

/// Billmora's `config/app.php` default timezone (`Asia/Jakarta`, UTC+7,
/// no daylight saving); an installation may change it with `APP_TIMEZONE`.
pub const DEFAULT_SERVER_UTC_OFFSET_SECONDS: i32 = 7 * 3600;

/// The calendar day a Billmora date column holds.
///
/// Billmora stores a day the user chose (an invoice's `due_date`, a
/// service's `next_due_date` set through the API) as midnight in the
/// installation's timezone and sends that instant in UTC, so `2026-08-01`
/// on a default (`Asia/Jakarta`) server arrives as
/// `2026-07-31T17:00:00.000000Z`. Rounding to the nearest UTC midnight
/// gives the chosen day back for any server timezone from UTC−11:59 to
/// UTC+11:59; use [`calendar_day_in`] when you know the offset. Not
/// meaningful for instants the server computed with a time of day (a
/// `next_due_date` set by activation).
///
/// ```
/// use chrono::{DateTime, NaiveDate};
/// let sent = DateTime::parse_from_rfc3339("2026-07-31T17:00:00Z").unwrap().to_utc();
/// assert_eq!(billkit::billmora::calendar_day(sent), NaiveDate::from_ymd_opt(2026, 8, 1).unwrap());
/// ```
pub fn calendar_day(instant: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    (instant + chrono::Duration::hours(12)).date_naive()
}

/// The calendar day `instant` falls on at the server's UTC `offset`
/// (exact, for installations whose `APP_TIMEZONE` you know).
pub fn calendar_day_in(
    instant: chrono::DateTime<chrono::Utc>,
    offset: chrono::FixedOffset,
) -> chrono::NaiveDate {
    instant.with_timezone(&offset).date_naive()
}

/// Billmora-specific questions about an [`Error`], as methods. Each answers
/// `None` (or `false`) for an error from a BillPro or Billy client.
pub trait BillmoraErrorExt {
    /// See [`missing_ability`].
    fn missing_ability(&self) -> Option<String>;
    /// See [`is_ip_not_allowed`].
    fn is_ip_not_allowed(&self) -> bool;
    /// See [`is_maintenance`].
    fn is_maintenance(&self) -> bool;
    /// See [`known_server_bug`].
    fn known_server_bug(&self) -> Option<KnownServerBug>;
}

impl BillmoraErrorExt for Error {
    fn missing_ability(&self) -> Option<String> {
        missing_ability(self)
    }
    fn is_ip_not_allowed(&self) -> bool {
        is_ip_not_allowed(self)
    }
    fn is_maintenance(&self) -> bool {
        is_maintenance(self)
    }
    fn known_server_bug(&self) -> Option<KnownServerBug> {
        known_server_bug(self)
    }
}

/// Declares a list filter: optional fields, chained setters, and the query
/// parameters they become (in declaration order: `text` fields take
/// `impl Into<T>`, `ids` fields take the id itself).
macro_rules! list_filter {
    (
        $(#[$meta:meta])*
        $name:ident {
            text { $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),+ $(,)? }
            $( ids { $( $(#[$imeta:meta])* $ifield:ident : $ity:ty ),+ $(,)? } )?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: Option<$ty>, )+
            $( $( $(#[$imeta])* pub $ifield: Option<$ity>, )+ )?
        }

        impl $name {
            /// No filter: every record.
            pub fn new() -> Self {
                Self::default()
            }

            $(
                $(#[$fmeta])*
                pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )+

            $( $(
                $(#[$imeta])*
                pub fn $ifield(mut self, value: $ity) -> Self {
                    self.$ifield = Some(value);
                    self
                }
            )+ )?

            fn apply(&self, request: crate::http::Request<()>) -> crate::http::Request<()> {
                request
                    $( .query_opt(stringify!($field), self.$field.as_ref()) )+
                    $( $( .query_opt(stringify!($ifield), self.$ifield.as_ref()) )+ )?
            }
        }
    };
}
use list_filter;

/// The page style of every Billmora list (server default 15 per page).
const PAGES: dialect::BillmoraPages = dialect::BillmoraPages { per_page: None };

// ---- validation helpers -------------------------------------------------

fn check_opt_text(field: &str, value: Option<&String>, max: usize) -> Result<()> {
    value.map_or(Ok(()), |v| crate::validate::text(field, v, max))
}

fn check_range<T: PartialOrd + std::fmt::Display + Copy>(
    field: &str,
    value: T,
    min: T,
    max: T,
) -> Result<()> {
    if value < min || value > max {
        return Err(Error::invalid_input(
            field,
            format!("must be between {min} and {max} (got {value})"),
        ));
    }
    Ok(())
}

/// A MySQL `integer` column is signed 32-bit; Laravel's `integer` rule lets
/// larger values through to a database error (500).
fn check_int_column(field: &str, value: i64) -> Result<()> {
    check_range(field, value, i64::from(i32::MIN), i64::from(i32::MAX))
}

/// Billmora's amounts are `decimal(15, 2)`: two places and at most 13
/// integer digits. Laravel's `numeric` rule lets more through, and MySQL
/// then rounds (or, out of range, fails with 500).
fn check_money_column(field: &str, value: rust_decimal::Decimal) -> Result<()> {
    if value.normalize().scale() > 2 {
        return Err(Error::invalid_input(
            field,
            format!("`{value}` has more than 2 decimal places; Billmora stores cents"),
        ));
    }
    let max = rust_decimal::Decimal::new(999_999_999_999_999, 2);
    if value.abs() > max {
        return Err(Error::invalid_input(
            field,
            format!("`{value}` is beyond Billmora's decimal(15,2) range"),
        ));
    }
    Ok(())
}

/// Billmora keeps dates in `timestamp` columns; its `date` rule lets any
/// day through. MariaDB 11.5+ (Billmora's default database) holds
/// 1970-01-01 00:00:01 to 2106-02-07 06:28:15 UTC, so days outside that
/// fail with 500 everywhere and are refused. MySQL and older MariaDB stop
/// at 2038-01-19 03:14:07: there a later day is a 500 billkit cannot
/// foresee. A day is stored as midnight in the server's timezone, so the
/// first and last day are left out.
fn check_timestamp_day(field: &str, day: chrono::NaiveDate) -> Result<()> {
    let first = chrono::NaiveDate::from_ymd_opt(1970, 1, 2).unwrap_or_default();
    let last = chrono::NaiveDate::from_ymd_opt(2106, 2, 6).unwrap_or_default();
    if day < first || day > last {
        return Err(Error::invalid_input(
            field,
            format!("{day} is outside what Billmora's timestamp columns hold ({first} to {last})"),
        ));
    }
    Ok(())
}

fn check_one_of<T: PartialEq + std::fmt::Display>(
    field: &str,
    value: &T,
    allowed: &[T],
) -> Result<()> {
    if allowed.contains(value) {
        return Ok(());
    }
    let list: Vec<String> = allowed.iter().map(ToString::to_string).collect();
    Err(Error::invalid_input(
        field,
        format!("`{value}` is not accepted; use one of {}", list.join(", ")),
    ))
}

fn check_password(field: &str, value: &SecretString) -> Result<()> {
    if value.expose_secret().chars().count() < 8 {
        return Err(Error::invalid_input(field, "must be at least 8 characters"));
    }
    Ok(())
}

fn serialize_secret<S: serde::Serializer>(
    v: &SecretString,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(v.expose_secret())
}

fn serialize_secret_opt<S: serde::Serializer>(
    v: &Option<SecretString>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(v.expose_secret()),
        None => s.serialize_none(),
    }
}

// ---- deserialization helpers for Billmora's quirks ----------------------

/// Serde helpers for values Billmora sends in more than one form.
pub(crate) mod de {
    use std::collections::BTreeMap;
    use std::fmt;
    use std::marker::PhantomData;

    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    use serde::Deserialize;
    use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

    /// Parses a Laravel date: ISO 8601 (`2026-07-20T05:25:52.000000Z`),
    /// `Y-m-d H:i:s` or `Y-m-d` (both taken as UTC).
    pub(crate) fn parse_date_time(text: &str) -> Result<DateTime<Utc>, String> {
        let t = text.trim();
        if let Ok(v) = crate::lenient::parse_timestamp(t) {
            return Ok(v);
        }
        if let Ok(v) = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S") {
            return Ok(v.and_utc());
        }
        if let Ok(v) = NaiveDate::parse_from_str(t, "%Y-%m-%d")
            && let Some(v) = v.and_hms_opt(0, 0, 0)
        {
            return Ok(v.and_utc());
        }
        Err(format!("`{t}` is not a date or timestamp"))
    }

    /// A required date or timestamp.
    pub(crate) fn date_time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        parse_date_time(&s).map_err(de::Error::custom)
    }

    /// An optional date or timestamp: `null`, `""` and absence are `None`.
    pub(crate) fn date_time_opt<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => parse_date_time(&s).map(Some).map_err(de::Error::custom),
        }
    }

    /// A JSON column holding a map of `T`: `null` is `None`, `[]` is empty.
    /// Values are read straight from the document (exact amounts survive).
    pub(crate) fn php_map<'de, D, T>(d: D) -> Result<Option<BTreeMap<String, T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        struct V<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = Option<BTreeMap<String, T>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object, `[]` or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom(
                        "expected an object or `[]`, found a non-empty array",
                    ));
                }
                Ok(Some(BTreeMap::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(k) = map.next_key::<String>()? {
                    let v = map.next_value::<T>()?;
                    out.insert(k, v);
                }
                Ok(Some(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }

    /// Name servers: `null`, a list of strings, or an object whose values
    /// are the names (`{"ns1": "a.example"}`), in order.
    pub(crate) fn nameservers<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<String>>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Vec<String>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of name servers, an object of them, or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<Option<String>>()? {
                    out.extend(v);
                }
                Ok(Some(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((_, v)) = map.next_entry::<String, Option<String>>()? {
                    out.extend(v);
                }
                Ok(Some(out))
            }
        }
        d.deserialize_any(V)
    }

    /// A flag stored by PHP as `true`, `1`, `"1"`, `"on"`, ...; `null` and
    /// absence are `None`.
    pub(crate) fn bool_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Int(i64),
            Str(String),
        }
        match Option::<Raw>::deserialize(d)? {
            None => Ok(None),
            Some(Raw::Bool(b)) => Ok(Some(b)),
            Some(Raw::Int(i)) => Ok(Some(i != 0)),
            Some(Raw::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "on" | "yes" => Ok(Some(true)),
                "0" | "false" | "off" | "no" | "" => Ok(Some(false)),
                other => Err(de::Error::custom(format!("`{other}` is not a flag"))),
            },
        }
    }
}

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

    fn api_error(method: crate::http::Method, path: &str, status: u16, body: &str) -> Error {
        crate::ApiError::from_response(
            method,
            path,
            crate::http::StatusCode::from_u16(status).unwrap(),
            None,
            body.as_bytes(),
            None,
            1,
        )
        .into()
    }

    #[test]
    fn known_server_bugs_are_recognised_by_route_and_status() {
        use crate::http::Method;
        let bare = r#"{"message": "Server Error"}"#;
        let cases = [
            (
                Method::POST,
                "/billing/api/v1/variants",
                500,
                bare,
                Some(KnownServerBug::VariantTypeColumn),
            ),
            (
                Method::GET,
                "/api/v1/services",
                500,
                bare,
                Some(KnownServerBug::ServiceScalingsRelation),
            ),
            (
                Method::GET,
                "/api/v1/services/30",
                500,
                bare,
                Some(KnownServerBug::ServiceScalingsRelation),
            ),
            (
                Method::PUT,
                "/api/v1/services/30",
                500,
                bare,
                Some(KnownServerBug::ServiceScalingsRelation),
            ),
            (
                Method::POST,
                "/api/domains/check",
                422,
                r#"{"success": false, "message": "TLD is not supported."}"#,
                Some(KnownServerBug::DomainCheckTldLookup),
            ),
            // Other failures are not blamed on a known bug.
            (Method::POST, "/api/v1/invoices", 500, bare, None),
            (
                Method::POST,
                "/api/v1/orders",
                500,
                r#"{"message": "Failed to create order: Undefined array key \"coupon\""}"#,
                None,
            ),
            (Method::DELETE, "/api/v1/services/30", 500, bare, None),
            (
                Method::POST,
                "/api/v1/variants",
                422,
                r#"{"message": "x", "errors": {}}"#,
                None,
            ),
            (
                Method::POST,
                "/api/domains/check",
                422,
                r#"{"success": false, "message": "Invalid domain name format."}"#,
                None,
            ),
            (Method::GET, "/api/v1/users", 500, bare, None),
        ];
        for (method, path, status, body, want) in cases {
            let err = api_error(method.clone(), path, status, body);
            assert_eq!(known_server_bug(&err), want, "{method} {path} {status}");
            assert_eq!(err.known_server_bug(), want);
        }
        assert_eq!(known_server_bug(&Error::Config("x".into())), None);
        assert!(
            KnownServerBug::ServiceScalingsRelation
                .to_string()
                .contains("scalings")
        );
    }

    #[test]
    fn calendar_days_survive_the_server_timezone() {
        use chrono::{DateTime, FixedOffset, NaiveDate};
        let day = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
        // Midnight of 2026-08-01 in zones from UTC-11 to UTC+11, as sent in UTC.
        for hours in -11..=11 {
            let offset = FixedOffset::east_opt(hours * 3600).unwrap();
            let local_midnight = day
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_local_timezone(offset)
                .unwrap();
            let sent: DateTime<chrono::Utc> = local_midnight.to_utc();
            assert_eq!(calendar_day(sent), day, "UTC{hours:+}");
            assert_eq!(calendar_day_in(sent, offset), day, "UTC{hours:+}");
        }
    }

    #[test]
    fn money_columns_are_decimal_15_2() {
        use rust_decimal::Decimal;
        assert!(check_money_column("x", Decimal::new(1999, 2)).is_ok());
        assert!(
            check_money_column("x", Decimal::new(19990, 3)).is_ok(),
            "19.990 is 19.99"
        );
        assert!(check_money_column("x", Decimal::new(1005, 3)).is_err());
        assert!(check_money_column("x", Decimal::new(999_999_999_999_999, 2)).is_ok());
        assert!(check_money_column("x", Decimal::new(1_000_000_000_000_000, 2)).is_err());
        assert!(check_int_column("x", i64::from(i32::MAX)).is_ok());
        assert!(check_int_column("x", i64::from(i32::MAX) + 1).is_err());
    }

    #[test]
    fn date_forms() {
        let a = de::parse_date_time("2026-07-20T05:25:52.123456Z").unwrap();
        assert_eq!(a.timestamp_subsec_micros(), 123_456);
        let b = de::parse_date_time("2026-07-20").unwrap();
        assert_eq!(b.to_rfc3339(), "2026-07-20T00:00:00+00:00");
        let c = de::parse_date_time("2026-07-20 10:11:12").unwrap();
        assert_eq!(c.to_rfc3339(), "2026-07-20T10:11:12+00:00");
        assert!(de::parse_date_time("soon").is_err());
    }
}
