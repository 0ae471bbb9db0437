//! The Billy API client (Balanced Payments' open-source recurring billing
//! server, v1).
//!
//! Billy is self-hosted (the public host is gone), so a client needs the
//! server's base URL (its root, without `/v1`) and a company's API key,
//! sent as the HTTP basic user name. The one call that needs no key,
//! registering a company, is [`Client::register_company`]; it hands back
//! the key and a ready client.
//!
//! Each resource has a handler reached from the [`Client`]:
//! [`companies`](Client::companies), [`customers`](Client::customers),
//! [`plans`](Client::plans), [`subscriptions`](Client::subscriptions),
//! [`invoices`](Client::invoices) and [`transactions`](Client::transactions).
//! Request bodies are form-encoded (Billy ignores JSON bodies), amounts are
//! integer US cents ([`Cents`](crate::Cents)), and what the server would
//! refuse or crash on is refused before anything is sent
//! ([`Error::InvalidInput`]) — and so is what it would wrongly accept: a
//! GUID of the wrong shape or kind (each kind is a type checked when
//! built: [`CustomerGuid`] `CU…`, [`PlanGuid`] `PL…`, ..., then up to 22
//! base58 characters), an invoice whose adjustments take it below zero
//! (Billy would record a succeeded debit of a negative amount). Lists are
//! lazy [`Paginator`]s over `offset`/`limit`; a list under a record is
//! `list_for_<parent>` on the listed resource's handler
//! ([`Invoices::list_for_customer`], ...).
//!
//! ```no_run
//! # async fn run() -> billkit::Result<()> {
//! use billkit::billy::{self, Frequency, NewInvoice, NewItem, NewAdjustment, NewPlan, PlanType};
//! use billkit::{Cents, TryStreamExt};
//!
//! let billy = billy::Client::builder()
//!     .base_url("https://billy.example.com")
//!     .api_key(std::env::var("BILLY_API_KEY").unwrap_or_default())
//!     .build()?;
//!
//! let plan = billy.plans().create(&NewPlan::new(PlanType::Debit, Frequency::Monthly, Cents::new(500))).await?;
//! let customer = billy.customers().create(&Default::default()).await?;
//! let invoice = billy
//!     .invoices()
//!     .create(
//!         &NewInvoice::new(&customer.guid, Cents::new(1_000))
//!             .external_id("order-42")
//!             .item(NewItem::new("Hosting Service A", Cents::new(1_000)))
//!             .adjustment(NewAdjustment::new(Cents::new(-100)).reason("Coupon discount")),
//!     )
//!     .await?;
//! assert_eq!(invoice.effective_amount, Cents::new(900));
//!
//! let mut plans = billy.plans().list().stream();
//! while let Some(p) = plans.try_next().await? {
//!     println!("{} {} every {} {}", p.guid, p.amount, p.interval, p.frequency);
//! }
//! # let _ = plan;
//! # Ok(()) }
//! ```
//!
//! ## Errors
//!
//! Billy answers 403 (plain text) for a missing, wrong or foreign key
//! ([`Error::is_unauthorized`]), 404
//! (plain text) for an unknown record, 400 as a plain-text or HTML form
//! report ("There are errors in following parameters", whose fields
//! [`Error::validation_errors`] returns), 400/409 as JSON `{error_class, error_message}`
//! ([`BillyErrorExt::error_kind`], [`BillyErrorExt::is_duplicate_external_id`])
//! and 500 when it crashes.
//!
//! Billy never answers 429: version 1.1.3 has no rate limiting at all (no
//! middleware, tween or view in `balanced/billy` counts requests, and
//! Pyramid sends no 429 of its own). A 429 therefore comes from something
//! in front of the server that billkit knows nothing about, so a create
//! answered 429 is not sent again: it comes back as the error, whose
//! message says so, and what to do is yours to decide. Give the client no
//! quota unless your deployment has one.

mod companies;
mod customers;
mod dialect;
mod invoices;
mod plans;
mod subscriptions;
mod transactions;
mod walk;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{ApiErrorBody, Error, Result};
use crate::http::{Config, Credentials, End, Paginator, Request, Transport};

pub use companies::{Companies, Company, RegisteredCompany};
pub use customers::{Customer, CustomerFilter, Customers, NewCustomer};
pub use dialect::BillyDialect;
pub use invoices::{
    Adjustment, Invoice, InvoiceFilter, InvoiceItem, InvoiceKind, InvoiceStatus, InvoiceType,
    Invoices, NewAdjustment, NewInvoice, NewItem,
};
pub use plans::{Frequency, NewPlan, Plan, PlanCustomers, PlanType, Plans, UniqueCustomers};
pub use subscriptions::{NewSubscription, Subscription, Subscriptions};
pub use transactions::{
    SubmitStatus, Transaction, TransactionFailure, TransactionStatus, TransactionType, Transactions,
};

/// Items per page the lists ask for (Billy's own default).
pub const DEFAULT_LIMIT: u32 = 20;

/// The smallest amount Billy charges or pays out: 50 cents (plans and
/// subscription overrides).
pub const MINIMUM_AMOUNT: crate::Cents = crate::Cents::new(50);

/// The longest `appears_on_statement_as` text Billy accepts.
pub const STATEMENT_MAX_CHARS: usize = 18;

/// The punctuation allowed in `appears_on_statement_as`, besides ASCII
/// letters and digits (Balanced's set, which Billy's validator copies):
/// `` .<>(){}[]+&!$;-%_?:#@~='" ^\`| `` (the space included).
pub const STATEMENT_PUNCTUATION: &str = ".<>(){}[]+&!$;-%_?:#@~='\" ^\\`|";

/// The longest invoice title Billy accepts.
pub const TITLE_MAX_CHARS: usize = 128;

/// Builds a [`Client`].
///
/// Required: [`base_url`](ClientBuilder::base_url) and
/// [`api_key`](ClientBuilder::api_key). The shared settings (timeouts,
/// retries, rate limit, ...) come from the core.
///
/// ```
/// let billy = billkit::billy::ClientBuilder::new()
///     .base_url("https://billy.example.com")
///     .api_key("5MyxREWaEymNWunpGseySVGBZkTWDW57FUXsyTo2WtGC")
///     .build()?;
/// assert_eq!(billy.base_url().as_str(), "https://billy.example.com/");
/// # Ok::<(), billkit::Error>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct ClientBuilder {
    config: Config,
    api_key: Option<SecretString>,
    base_url: Option<String>,
}

impl ClientBuilder {
    /// A builder with nothing set (the same as [`Client::builder`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// The company's API key (sent as the HTTP basic user name with an
    /// empty password). Takes a `&str`, a `String` or a key already held
    /// as a [`SecretString`]; it is kept as a secret either way.
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The server's root URL, e.g. `https://billy.example.com` (or with a
    /// path prefix if the server is mounted under one). Requests go to
    /// `<base>/v1/...`, so do not include `/v1` yourself.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base_url = Some(url.as_ref().to_owned());
        self
    }

    crate::http::common_builder_methods!();

    fn config_with_base(&self) -> Result<Config> {
        let base = self.base_url.as_deref().ok_or_else(|| {
            Error::Config(
                "Billy has no public host; call .base_url(\"https://your-billy-server\")".into(),
            )
        })?;
        let config = self.config.clone().base_url(base)?;
        if let Some(url) = config.get_base_url() {
            let path = url.path().trim_end_matches('/');
            if path.ends_with("/v1") {
                return Err(Error::Config(format!(
                    "base URL `{base}` ends in /v1; give the server root (billkit adds /v1/...)"
                )));
            }
        }
        Ok(config)
    }

    /// Builds the client. Fails without a base URL or an API key, or when
    /// the key would go over plain `http://` to a host that is not loopback.
    pub fn build(self) -> Result<Client> {
        let config = self.config_with_base()?;
        let key = self
            .api_key
            .ok_or_else(|| Error::Config("no Billy API key; call .api_key(...)".into()))?;
        let config = config.credentials(Credentials::BasicKey(key));
        Ok(Client {
            transport: Transport::new(config.dialect(BillyDialect))?,
        })
    }

    /// Registers a company with this builder's base URL and settings (no
    /// API key is needed or sent) and returns it with its new key. See
    /// [`Client::register_company`].
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// use std::time::Duration;
    /// let registered = billkit::billy::Client::builder()
    ///     .base_url("https://billy.example.com")
    ///     .attempt_timeout(Duration::from_secs(10))
    ///     .register_company("ef13dce2093b11e388de026ba7d31e6f")
    ///     .await?;
    /// let billy = registered.client()?;
    /// # let _ = billy;
    /// # Ok(()) }
    /// ```
    pub async fn register_company(
        self,
        processor_key: impl Into<String>,
    ) -> Result<RegisteredCompany> {
        let processor_key = processor_key.into();
        if processor_key.trim().is_empty() {
            return Err(Error::invalid_input(
                "processor_key",
                "must not be empty (the Balanced API key of your marketplace)",
            ));
        }
        let config = self.config_with_base()?;
        if let Some(url) = config.get_base_url() {
            // The processor key is a secret too: same rule as for API keys.
            if url.scheme() == "http" && !crate::http::is_loopback(url) {
                return Err(Error::Config(format!(
                    "refusing to send the processor key over plain http to {}; use https",
                    url.host_str().unwrap_or("?")
                )));
            }
        }
        let transport = Transport::new(config.dialect(BillyDialect))?;
        let company: Company = transport
            .execute(
                Request::post("/v1/companies")
                    .unauthenticated()
                    .form([("processor_key", processor_key)]),
            )
            .await?;
        Ok(RegisteredCompany::new(company, self))
    }
}

/// A Billy client. Cheap to clone; clones share connections and the rate
/// limiter. `Debug` never shows the API key.
#[derive(Debug, Clone)]
pub struct Client {
    transport: Transport,
}

impl Client {
    /// Starts building a client (the same as [`ClientBuilder::new`]).
    ///
    /// ```
    /// let billy = billkit::billy::Client::builder()
    ///     .base_url("https://billy.example.com")
    ///     .api_key("5MyxREWaEymNWunpGseySVGBZkTWDW57FUXsyTo2WtGC")
    ///     .build()?;
    /// # let _ = billy;
    /// # Ok::<(), billkit::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Registers a company on the Billy server at `base_url` with the
    /// Balanced `processor_key` — the one call that needs no API key.
    ///
    /// The answer holds the company's API key (as a secret, shown nowhere
    /// in `Debug`); save it, Billy cannot show it again. Turn it into a
    /// client with [`RegisteredCompany::client`]. To set timeouts or
    /// retries for this call, use [`ClientBuilder::register_company`].
    ///
    /// The request is a POST: it is never retried once it may have reached
    /// the server, so one call registers at most one company.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let registered = billkit::billy::Client::register_company(
    ///     "https://billy.example.com",
    ///     "ef13dce2093b11e388de026ba7d31e6f",
    /// )
    /// .await?;
    /// println!("company {}", registered.company.guid);
    /// # Ok(()) }
    /// ```
    pub async fn register_company(
        base_url: impl AsRef<str>,
        processor_key: impl Into<String>,
    ) -> Result<RegisteredCompany> {
        Client::builder()
            .base_url(base_url)
            .register_company(processor_key)
            .await
    }

    /// The server root every request goes under (`<base>/v1/...`).
    ///
    /// ```
    /// let billy = billkit::billy::Client::builder()
    ///     .base_url("https://example.com/billy")
    ///     .api_key("5MyxREWaEymNWunpGseySVGBZkTWDW57FUXsyTo2WtGC")
    ///     .build()?;
    /// assert_eq!(billy.base_url().path(), "/billy");
    /// # Ok::<(), billkit::Error>(())
    /// ```
    pub fn base_url(&self) -> &url::Url {
        self.transport.base_url()
    }

    /// A view of this client whose calls use `options` (time limits, retry
    /// policy) over the client's own; it shares the client's connections,
    /// rate limiter, hooks and clock, and is cheap to make per call.
    ///
    /// ```no_run
    /// # async fn run(client: billkit::billy::Client) -> billkit::Result<()> {
    /// use std::time::Duration;
    /// let quick = billkit::http::CallOptions::new().deadline(Some(Duration::from_secs(5)));
    /// let scoped = client.with_options(quick);
    /// # let _ = scoped;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: crate::http::CallOptions) -> Self {
        Client {
            transport: self.transport.with_options(&options),
        }
    }

    /// The transport under this client, for requests billkit does not cover.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// // A request this crate does not describe, with the client's auth and retries.
    /// let raw = billy.transport().send(&billkit::http::Request::<()>::get("/v1/customers")).await?;
    /// println!("{}", raw.status());
    /// # Ok(()) }
    /// ```
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The server's self-description (`GET /`, no key needed).
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// let info = billy.server_info().await?;
    /// println!("{} {}", info.server, info.version);
    /// # Ok(()) }
    /// ```
    pub async fn server_info(&self) -> Result<ServerInfo> {
        self.transport
            .execute(Request::get("/").unauthenticated())
            .await
    }

    /// Companies: get.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// let company = billy.companies().get(&billkit::billy::CompanyGuid::new("CP4MXZG4ThUdbLpiX8e9Yx3j")?).await?;
    /// # let _ = company;
    /// # Ok(()) }
    /// ```
    pub fn companies(&self) -> Companies<'_> {
        Companies::new(&self.transport)
    }

    /// Customers: create, get, delete, list, and the customers of a plan.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// let customers = billy.customers().list(&Default::default()).collect_all().await?;
    /// # let _ = customers;
    /// # Ok(()) }
    /// ```
    pub fn customers(&self) -> Customers<'_> {
        Customers::new(&self.transport)
    }

    /// Plans: create, get, delete, list.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// let plans = billy.plans().list().collect_all().await?;
    /// # let _ = plans;
    /// # Ok(()) }
    /// ```
    pub fn plans(&self) -> Plans<'_> {
        Plans::new(&self.transport)
    }

    /// Subscriptions: create, get, cancel, list, and those of a customer or a
    /// plan.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// let subs = billy.subscriptions().list().collect_all().await?;
    /// # let _ = subs;
    /// # Ok(()) }
    /// ```
    pub fn subscriptions(&self) -> Subscriptions<'_> {
        Subscriptions::new(&self.transport)
    }

    /// Invoices: create, find by `external_id`, get, list (all, or those of a
    /// customer, subscription or plan), update the funding instrument,
    /// refund, cancel.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// let invoices = billy.invoices().list(&Default::default()).collect_all().await?;
    /// # let _ = invoices;
    /// # Ok(()) }
    /// ```
    pub fn invoices(&self) -> Invoices<'_> {
        Invoices::new(&self.transport)
    }

    /// Transactions: get, list (all, or those of a customer, plan,
    /// subscription or invoice).
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// let txs = billy.transactions().list().collect_all().await?;
    /// # let _ = txs;
    /// # Ok(()) }
    /// ```
    pub fn transactions(&self) -> Transactions<'_> {
        Transactions::new(&self.transport)
    }
}

/// What `GET /` says about the server.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ServerInfo {
    /// The server's name (`"Billy - The recurring payment server"`).
    pub server: String,
    /// Who runs it.
    pub powered_by: String,
    /// The server version, e.g. `1.1.3`.
    pub version: String,
    /// The source revision, when the server knows it.
    #[serde(default)]
    pub revision: Option<String>,
    /// When the latest transaction was created, when there is one.
    #[serde(default, with = "crate::lenient::timestamp_opt")]
    pub last_transaction_created_at: Option<DateTime<Utc>>,
}

/// What kind of refusal a Billy error is (see [`BillyErrorExt::error_kind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 403: the API key is missing, wrong or belongs to another company
    /// (then [`Error::is_unauthorized`]), or a record named in the request
    /// belongs to another company ("Can only subscribe to your own plan").
    Forbidden,
    /// 404: no such record, path or method.
    NotFound,
    /// 400 with the "There are errors in following parameters" report; the
    /// fields are in [`Error::validation_errors`].
    Validation,
    /// 409 (or `DuplicateExternalIDError`): the customer already has an
    /// invoice with this `external_id`.
    DuplicateExternalId,
    /// A JSON business error `{error_class, error_message}`, e.g.
    /// `InvalidOperationError`.
    Operation {
        /// The `error_class`.
        error_class: String,
        /// The `error_message`.
        error_message: String,
    },
    /// Some other 400 refusal in plain text ("already deleted", "cannot
    /// cancel a canceled subscription", "No such Customer record ...").
    BadRequest,
    /// 5xx: the server failed.
    Server,
    /// Any other status.
    Other,
}

/// Billy's own questions about an [`Error`], as methods; import the trait
/// to use them. Each answers `None` or `false` for an error that no Billy
/// server answered (input refused, transport failure, an error from a
/// BillPro or Billmora client).
pub trait BillyErrorExt {
    /// Classifies a Billy refusal; `None` when no response was received
    /// (input refused, transport failure, timeout, ...) and for an error
    /// from a BillPro or Billmora client, which Billy's rules say nothing
    /// about.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, guid: billkit::billy::SubscriptionGuid) {
    /// use billkit::billy::{BillyErrorExt, ErrorKind};
    /// match billy.subscriptions().cancel(&guid).await {
    ///     Ok(sub) => println!("canceled {}", sub.guid),
    ///     Err(e) if e.error_kind() == Some(ErrorKind::BadRequest) => println!("already canceled"),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// # }
    /// ```
    fn error_kind(&self) -> Option<ErrorKind>;

    /// The `error_class` of a JSON Billy error (e.g. `InvalidOperationError`).
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, guid: billkit::billy::InvoiceGuid) {
    /// use billkit::billy::BillyErrorExt;
    /// if let Err(e) = billy.invoices().cancel(&guid).await {
    ///     println!("{}", e.error_class().unwrap_or("no error class"));
    /// }
    /// # }
    /// ```
    fn error_class(&self) -> Option<&str>;

    /// Whether this is Billy's refusal of a second invoice with the same
    /// `external_id` for a customer (409, or the `DuplicateExternalIDError`
    /// class on any status).
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, invoice: billkit::billy::NewInvoice) -> billkit::Result<()> {
    /// use billkit::billy::BillyErrorExt;
    /// match billy.invoices().create(&invoice).await {
    ///     Ok(created) => println!("created {}", created.guid),
    ///     Err(e) if e.is_duplicate_external_id() => println!("already invoiced"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    fn is_duplicate_external_id(&self) -> bool;
}

impl BillyErrorExt for Error {
    fn error_kind(&self) -> Option<ErrorKind> {
        let api = own_api_error(self)?;
        let status = api.status().as_u16();
        if self.is_duplicate_external_id() {
            return Some(ErrorKind::DuplicateExternalId);
        }
        Some(match (status, api.body()) {
            (403, _) => ErrorKind::Forbidden,
            (404, _) => ErrorKind::NotFound,
            (
                _,
                ApiErrorBody::Classed {
                    error_class,
                    error_message,
                },
            ) => ErrorKind::Operation {
                error_class: error_class.clone(),
                error_message: error_message.clone(),
            },
            (400, ApiErrorBody::FormErrors { .. }) => ErrorKind::Validation,
            (400, _) if api.raw_body().contains(dialect::FORM_ERRORS_MARK) => ErrorKind::Validation,
            (400, _) => ErrorKind::BadRequest,
            (500..=599, _) => ErrorKind::Server,
            _ => ErrorKind::Other,
        })
    }

    fn error_class(&self) -> Option<&str> {
        match own_api_error(self)?.body() {
            ApiErrorBody::Classed { error_class, .. } => Some(error_class),
            _ => None,
        }
    }

    fn is_duplicate_external_id(&self) -> bool {
        let Some(api) = own_api_error(self) else {
            return false;
        };
        if let ApiErrorBody::Classed { error_class, .. } = api.body()
            && error_class.eq_ignore_ascii_case("DuplicateExternalIDError")
        {
            return true;
        }
        api.status().as_u16() == 409
    }
}

/// The server's refusal, unless it came from another API's client. An
/// error of no known API (built by hand, or from a bare [`Transport`]) is
/// read by Billy's rules. The one place that asks which API answered.
fn own_api_error(err: &Error) -> Option<&crate::ApiError> {
    err.api_error().filter(|api| {
        use crate::http::{Dialect, GenericDialect};
        [BillyDialect.name(), GenericDialect.name()].contains(&api.api())
    })
}

// ---- shared helpers for the resource modules ----

/// A lazy offset/limit list that ends on a short page, newest first.
pub(crate) fn list<T: crate::http::Listed>(
    transport: &Transport,
    request: Request<()>,
) -> Paginator<T> {
    crate::http::keyed(Paginator::new(
        transport.clone(),
        request,
        dialect::BillyPages {
            limit: DEFAULT_LIMIT,
            end: End::ShortPage,
        },
    ))
}

/// The longest base58 part of a Billy GUID: Billy's `make_guid` base58-encodes
/// the 16 bytes of a UUID1 (without padding), so at most 22 characters.
pub const GUID_MAX_BODY_CHARS: usize = 22;

/// The base58 alphabet of GUIDs (no `0`, `O`, `I`, `l`).
const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Whether `value` has the shape of a Billy GUID with `prefix`: the two
/// letters Billy puts before every id of that kind (`CP` company, `CU`
/// customer, `PL` plan, `SU` subscription, `IV` invoice, `TX` transaction,
/// `TF` transaction failure) and 1 to 22 base58 characters
/// (`CU4NheTMcQqXgmAtg1aGTJPK`).
fn is_guid(value: &str, prefix: &str) -> bool {
    value.strip_prefix(prefix).is_some_and(|body| {
        !body.is_empty()
            && body.len() <= GUID_MAX_BODY_CHARS
            && body.chars().all(|c| BASE58.contains(c))
    })
}

/// Says what is wrong with a value that cannot be a Billy GUID of the
/// `prefix` kind; the id types refuse it when built, and again before it
/// goes into a path.
fn check_guid(value: &str, prefix: &str) -> std::result::Result<(), String> {
    if is_guid(value, prefix) {
        return Ok(());
    }
    // Quote a bounded, escaped prefix of the value: it may be huge or binary.
    let shown: String = value.chars().take(40).collect();
    let more = if value.chars().count() > 40 {
        "..."
    } else {
        ""
    };
    Err(format!(
        "{shown:?}{more} is not a Billy GUID: `{prefix}` then 1 to {GUID_MAX_BODY_CHARS} base58 characters, like `{prefix}4NheTMcQqXgmAtg1aGTJPK`"
    ))
}

fn check_company_guid(value: &str) -> std::result::Result<(), String> {
    check_guid(value, "CP")
}

pub(crate) fn check_customer_guid(value: &str) -> std::result::Result<(), String> {
    check_guid(value, "CU")
}

pub(crate) fn check_plan_guid(value: &str) -> std::result::Result<(), String> {
    check_guid(value, "PL")
}

fn check_subscription_guid(value: &str) -> std::result::Result<(), String> {
    check_guid(value, "SU")
}

fn check_invoice_guid(value: &str) -> std::result::Result<(), String> {
    check_guid(value, "IV")
}

fn check_transaction_guid(value: &str) -> std::result::Result<(), String> {
    check_guid(value, "TX")
}

fn check_failure_guid(value: &str) -> std::result::Result<(), String> {
    check_guid(value, "TF")
}

crate::id::string_id! {
    /// A company's GUID: `CP` then 1 to 22 base58 characters
    /// (`CP4MXZG4ThUdbLpiX8e9Yx3j`), checked when built.
    ///
    /// ```
    /// use billkit::billy::CompanyGuid;
    /// assert!(CompanyGuid::new("CP4MXZG4ThUdbLpiX8e9Yx3j").is_ok());
    /// assert!(CompanyGuid::new("CU4NheTMcQqXgmAtg1aGTJPK").is_err());
    /// ```
    CompanyGuid, field = "company_guid", check = check_company_guid
}

crate::id::string_id! {
    /// A customer's GUID: `CU` then 1 to 22 base58 characters
    /// (`CU4NheTMcQqXgmAtg1aGTJPK`), checked when built.
    ///
    /// ```
    /// use billkit::billy::CustomerGuid;
    /// let guid: CustomerGuid = "CU4NheTMcQqXgmAtg1aGTJPK".parse()?;
    /// assert_eq!(guid.as_str(), "CU4NheTMcQqXgmAtg1aGTJPK");
    /// assert!(CustomerGuid::new("PL4RHCKW7GsGMjpcozHveQuw").is_err());
    /// # Ok::<(), billkit::Error>(())
    /// ```
    CustomerGuid, field = "customer_guid", check = check_customer_guid
}

crate::id::string_id! {
    /// A plan's GUID: `PL` then 1 to 22 base58 characters
    /// (`PL4RHCKW7GsGMjpcozHveQuw`), checked when built.
    ///
    /// ```
    /// use billkit::billy::PlanGuid;
    /// assert!(PlanGuid::new("PL4RHCKW7GsGMjpcozHveQuw").is_ok());
    /// assert!(PlanGuid::new("PL0").is_err()); // `0` is not base58
    /// ```
    PlanGuid, field = "plan_guid", check = check_plan_guid
}

crate::id::string_id! {
    /// A subscription's GUID: `SU` then 1 to 22 base58 characters
    /// (`SU4ST39srWVLGbiTg174QyfF`), checked when built.
    ///
    /// ```
    /// use billkit::billy::SubscriptionGuid;
    /// assert!(SubscriptionGuid::new("SU4ST39srWVLGbiTg174QyfF").is_ok());
    /// assert!(SubscriptionGuid::new("SU").is_err());
    /// ```
    SubscriptionGuid, field = "subscription_guid", check = check_subscription_guid
}

crate::id::string_id! {
    /// An invoice's GUID: `IV` then 1 to 22 base58 characters
    /// (`IV4gVtDyP3CD9zQyv8AtPwx5`), checked when built.
    ///
    /// ```
    /// use billkit::billy::InvoiceGuid;
    /// assert!(InvoiceGuid::new("IV4gVtDyP3CD9zQyv8AtPwx5").is_ok());
    /// assert!(InvoiceGuid::new("IV/../x").is_err());
    /// ```
    InvoiceGuid, field = "invoice_guid", check = check_invoice_guid
}

crate::id::string_id! {
    /// A transaction's GUID: `TX` then 1 to 22 base58 characters
    /// (`TX4SVWm156bBTSY17KJKW88y`), checked when built.
    ///
    /// ```
    /// use billkit::billy::TransactionGuid;
    /// assert!(TransactionGuid::new("TX4SVWm156bBTSY17KJKW88y").is_ok());
    /// assert!(TransactionGuid::new("tx4SVWm156bBTSY17KJKW88y").is_err());
    /// ```
    TransactionGuid, field = "transaction_guid", check = check_transaction_guid
}

crate::id::string_id! {
    /// A transaction failure's GUID: `TF` then 1 to 22 base58 characters,
    /// checked when built. Billy has no endpoint for failures; they come
    /// inside a [`Transaction`].
    ///
    /// ```
    /// use billkit::billy::FailureGuid;
    /// assert!(FailureGuid::new("TF4SVWm156bBTSY17KJKW88y").is_ok());
    /// ```
    FailureGuid, field = "failure_guid", check = check_failure_guid
}

/// Checks again an id that may have come from a server (ids read from a
/// server are taken as sent) before it goes into a form, so a request body
/// never carries what cannot be a GUID of its kind.
pub(crate) fn recheck(
    field: &str,
    value: &str,
    check: fn(&str) -> std::result::Result<(), String>,
) -> Result<()> {
    check(value).map_err(|message| Error::invalid_input(field, message))
}

/// Refuses an amount under Billy's 50-cent minimum.
pub(crate) fn check_min_amount(field: &str, amount: crate::Cents) -> Result<()> {
    if amount < MINIMUM_AMOUNT {
        return Err(Error::invalid_input(
            field,
            format!("{amount} cents is below Billy's minimum of {MINIMUM_AMOUNT} cents"),
        ));
    }
    Ok(())
}

/// Refuses a negative amount.
pub(crate) fn check_not_negative(field: &str, amount: crate::Cents) -> Result<()> {
    if amount.get() < 0 {
        return Err(Error::invalid_input(
            field,
            format!("{amount} cents is negative; it must be 0 or more"),
        ));
    }
    Ok(())
}

/// Whether `c` may appear in `appears_on_statement_as`.
pub fn is_statement_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || STATEMENT_PUNCTUATION.contains(c)
}

/// Refuses statement text that is longer than 18 characters or has a
/// character outside the allowed set.
pub(crate) fn check_statement(value: &str) -> Result<()> {
    let field = "appears_on_statement_as";
    let count = value.chars().count();
    if count > STATEMENT_MAX_CHARS {
        return Err(Error::invalid_input(
            field,
            format!("is {count} characters long; at most {STATEMENT_MAX_CHARS} are allowed"),
        ));
    }
    if let Some(bad) = value.chars().find(|c| !is_statement_char(*c)) {
        return Err(Error::invalid_input(
            field,
            format!(
                "character {bad:?} is not allowed; use ASCII letters, digits, space and {STATEMENT_PUNCTUATION}"
            ),
        ));
    }
    Ok(())
}

/// Formats a timestamp as ISO 8601 with its time part and offset, the way
/// Billy writes them (`2030-01-31T18:00:00+00:00`).
pub(crate) fn format_datetime(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

pub(crate) fn deserialize_secret<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::from)
}

pub(crate) fn deserialize_secret_opt<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<SecretString>, D::Error> {
    Option::<String>::deserialize(d).map(|s| s.map(SecretString::from))
}

pub(crate) fn same_secret(a: &SecretString, b: &SecretString) -> bool {
    a.expose_secret() == b.expose_secret()
}
