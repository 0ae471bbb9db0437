//! The shared HTTP core. It knows no API: the API modules describe
//! [`Request`]s and a [`Transport`] sends them, adding the base URL,
//! credentials, default query, headers, timeouts, retries, rate limiting and
//! tracing, and decoding the answer into a typed value or an [`Error`].
//!
//! ## Seeing and steering calls
//!
//! - [`CallOptions`] change the time limits or the retry policy of some
//!   calls: `client.with_options(options)` is a view of the client that
//!   shares its connections, rate limiter, hooks and clock.
//! - [`Hook`]s are called before each attempt, after each answer, on each
//!   retry decision and rate-limit wait; [`AuditLog`] writes them as JSON
//!   Lines. They see route templates, never filled paths, and headers,
//!   query and bodies only with secrets blanked.
//! - [`RawResponse::request_id`] and [`Error::request_id`] keep the id a
//!   server names its answer by ([`REQUEST_ID_HEADERS`]).
//! - Spans (`billkit.request`, one per call) carry OpenTelemetry's HTTP
//!   client fields: `http.request.method`, `url.template`,
//!   `server.address`, `http.response.status_code`, `error.type`; and
//!   billkit's `billkit.api`, `billkit.attempt`, `billkit.outcome`
//!   (`success`, `not_applied`, `applied`, `unknown`) and
//!   `billkit.latency_ms` (of the last attempt).
//! - With the feature `metrics`, every call is counted through the
//!   [`metrics`](https://docs.rs/metrics) facade, into whatever recorder
//!   the application installs (none: nothing is kept):
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `billkit_requests_total` | counter | `api`, `route`, `method`, `status_class` | every attempt sent (`status_class`: `2xx` … `5xx`, `none` when no answer came) |
//! | `billkit_request_duration_seconds` | histogram | `api`, `route`, `method`, `status_class` | each attempt's time, by the client's clock |
//! | `billkit_retries_total` | counter | `api`, `route`, `method` | failed attempts sent again (a create resent after its lookup included) |
//! | `billkit_throttled_total` | counter | `api`, `route`, `method` | answers with status 429 |
//! | `billkit_rate_limit_waits_total` | counter | `api`, `limiter` | waits for the client's rate limiter (`limiter`: `local`, `shared`, `local_fallback`), refused ones included |
//! | `billkit_rate_limit_wait_seconds` | histogram | `api`, `limiter` | how long each of those waits is |
//! | `billkit_shared_limit_fallbacks_total` | counter | `api` | slots taken from this process's limiter because the shared (Redis) one could not be reached |
//!
//! `api` is the dialect's name (`BillPro`, `Billmora`, `Billy`), `route`
//! the request's path template (`/invoices/{id}`): labels never hold ids,
//! keys or anything a caller sent.

mod auth;
mod clock;
mod dialect;
mod observe;
mod paginate;
mod rate_limit;
mod request;
mod retry;
#[cfg(feature = "redis")]
mod shared_limit;
mod walk_key;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, USER_AGENT};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

pub use auth::{Credentials, is_loopback};
#[cfg(any(test, feature = "test-util"))]
pub use clock::ManualClock;
pub use clock::{
    Clock, Jitter, NoJitter, RandomJitter, SleepFuture, Sleeper, SystemClock, TokioSleeper,
};
pub use dialect::{AnnouncedQuota, Dialect, GenericDialect, PageParts, PageScheme, header_number};
pub use observe::{
    AttemptEvent, AuditLog, CallInfo, FallbackEvent, Hook, LimiterKind, REDACTED,
    REQUEST_ID_HEADERS, RateLimitEvent, RequestView, ResponseEvent, ResponseView, RetryEvent,
    is_secret_name,
};
pub use paginate::{Cursor, End, Items, Page, PageStyle, Pages, Paginator, WalkCheckpoint};
pub use rate_limit::RateLimit;
pub use request::{Body, MAX_PATH_PARAM_LEN, PathParam, Request, RetryMode};
/// Response headers, as [`RawResponse`] and [`Dialect`] see them.
pub use reqwest::header::HeaderMap;
pub use reqwest::{Method, StatusCode};
pub use retry::{
    AttemptFailure, AttemptReport, Decision, RetryPolicy, StopReason, parse_retry_after,
};
#[cfg(feature = "redis")]
pub use shared_limit::{SharedRateLimit, StoreFailure};
pub use walk_key::{ItemKey, ListOrder, MAX_TIED_IDS, WalkMark};
pub(crate) use walk_key::{Listed, keyed};

use crate::error::{
    ApiError, ApiErrorBody, BeforeHandler, DecodeError, Error, LookupKey, Outcome, Result,
    TimeoutKind,
};
use observe::CallInfo as Call;
use rate_limit::{Ceiling, Limiter, Refusal};

/// The `User-Agent` every request carries, before any application suffix.
pub const USER_AGENT_PREFIX: &str = concat!("billkit/", env!("CARGO_PKG_VERSION"));

/// Time limits of a call.
///
/// Defaults: connect 10 s, each attempt 30 s, the whole call (all attempts
/// and waits) 120 s.
///
/// ```
/// use std::time::Duration;
/// let mut limits = billkit::http::Timeouts::default();
/// limits.attempt = Duration::from_secs(10);
/// assert_eq!(limits.overall, Some(Duration::from_secs(120)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a connection.
    pub connect: Duration,
    /// One attempt, from sending to the end of the body.
    pub attempt: Duration,
    /// The whole call, retries and waits included; `None` for no limit.
    pub overall: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            attempt: Duration::from_secs(30),
            overall: Some(Duration::from_secs(120)),
        }
    }
}

/// Settings of some calls rather than of the client: time limits and the
/// retry policy, applied through a scoped view of a client
/// (`client.with_options(options)`, [`Transport::with_options`]).
///
/// What is not set here stays the client's. The view shares the client's
/// connection pool, rate limiter (one quota, not a copy), hooks and clock;
/// lists started from it keep its options for every page. The connect
/// timeout belongs to the connection pool and so to the client: set it on
/// the client builder.
///
/// ```no_run
/// use std::time::Duration;
/// use billkit::http::{CallOptions, RetryPolicy};
/// # #[cfg(feature = "billmora")]
/// # async fn run(billmora: billkit::billmora::Client) -> billkit::Result<()> {
/// // This one read may take 5 s in all and is not retried.
/// let quick = CallOptions::new()
///     .deadline(Some(Duration::from_secs(5)))
///     .retry(RetryPolicy::none());
/// let invoice = billmora.with_options(quick).invoices().get(55).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    attempt_timeout: Option<Duration>,
    deadline: Option<Option<Duration>>,
    retry: Option<RetryPolicy>,
    resend_unconfirmed_after: Option<Duration>,
}

impl CallOptions {
    /// No overrides: every setting is the client's.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time limit of one attempt.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The time limit of the whole call, retries included; `None` for no
    /// limit.
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// How failed attempts are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Opts these calls into sending an unconfirmed create again after
    /// `settle` ([`RetryPolicy::resend_unconfirmed_after`]), on top of the
    /// retry policy in force: for the one create whose duplicate you can
    /// live with, not for the whole client.
    pub fn resend_unconfirmed_after(mut self, settle: Duration) -> Self {
        self.resend_unconfirmed_after = Some(settle);
        self
    }
}

/// Settings shared by every API client: what a client builder collects
/// before it builds a [`Transport`].
#[derive(Clone)]
pub struct Config {
    base_url: Option<Url>,
    credentials: Option<Credentials>,
    default_query: Vec<(String, String)>,
    app_info: Option<String>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    /// The caller's quota: `None` when the caller set none, `Some(None)`
    /// when they turned the limit off.
    rate_limit: Option<Option<RateLimit>>,
    default_rate_limit: Option<RateLimit>,
    #[cfg(feature = "redis")]
    shared_rate_limit: Option<SharedRateLimit>,
    max_response_bytes: usize,
    dialect: Arc<dyn Dialect>,
    http_client: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    jitter: Arc<dyn Jitter>,
    hooks: Vec<Arc<dyn Hook>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: None,
            credentials: None,
            default_query: Vec::new(),
            app_info: None,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            rate_limit: None,
            default_rate_limit: None,
            #[cfg(feature = "redis")]
            shared_rate_limit: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            dialect: Arc::new(GenericDialect),
            http_client: None,
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
            jitter: Arc::new(RandomJitter),
            hooks: Vec::new(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url.as_ref().map(Url::as_str))
            .field("credentials", &self.credentials)
            .field("default_query", &self.default_query)
            .field("app_info", &self.app_info)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("default_rate_limit", &self.default_rate_limit)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("dialect", &self.dialect.name())
            .field("hooks", &self.hooks.len())
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Empty settings with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The base URL every request path is appended to. Its path (such as
    /// `/api/v1`) is kept; a query or fragment is an error.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Result<Self> {
        self.base_url = Some(parse_base_url(url.as_ref())?);
        Ok(self)
    }

    /// The base URL, if set.
    pub fn get_base_url(&self) -> Option<&Url> {
        self.base_url.as_ref()
    }

    /// The credentials sent with every authenticated request.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// A query parameter added to every request (replacing an earlier one of
    /// the same name).
    pub fn default_query(mut self, key: impl Into<String>, value: impl fmt::Display) -> Self {
        let key = key.into();
        self.default_query.retain(|(k, _)| *k != key);
        self.default_query.push((key, value.to_string()));
        self
    }

    /// Appends `name/version` to the `User-Agent`.
    pub fn app_info(mut self, name: impl fmt::Display, version: impl fmt::Display) -> Self {
        self.app_info = Some(format!("{name}/{version}"));
        self
    }

    /// All time limits at once.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.timeouts.connect = d;
        self
    }

    /// The time limit of one attempt.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.timeouts.attempt = d;
        self
    }

    /// The time limit of a whole call, retries included; `None` for none.
    pub fn deadline(mut self, d: Option<Duration>) -> Self {
        self.timeouts.overall = d;
        self
    }

    /// How failed attempts are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// A client-side rate limit shared by every clone of the client; `None`
    /// turns the limit off (the API's default quota too).
    ///
    /// A quota set here is the most the client sends: a server's
    /// `X-RateLimit-Limit` may lower it, never raise it (the header may count
    /// another window than yours).
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// The quota an API client starts with when the caller sets none with
    /// [`rate_limit`](Self::rate_limit) (set by the API's client builder).
    /// The server knows the real quota better: the limit it announces
    /// ([`Dialect::announced_quota`]) replaces this one, higher or lower,
    /// for the same window.
    pub fn default_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.default_rate_limit = limit;
        self
    }

    /// Shares the rate limit through Redis with every client, in any
    /// process, that uses the same API and credential (feature `redis`).
    ///
    /// The quota shared is the one set with [`rate_limit`](Self::rate_limit),
    /// which every API's builder then requires: an API's default quota is
    /// not shared, and building without a quota of your own fails.
    #[cfg(feature = "redis")]
    pub fn shared_rate_limit(mut self, shared: SharedRateLimit) -> Self {
        self.shared_rate_limit = Some(shared);
        self
    }

    /// The largest success body read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`], 32 MiB); a larger one fails with
    /// [`Error::ResponseTooLarge`] without being held in memory. Error
    /// bodies are read up to 64 KiB and the rest dropped.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes.max(1);
        self
    }

    /// The API's rules ([`Dialect`]): how its errors read and which of
    /// them mean *not found*, *duplicate* or *unauthorized*, which refusals
    /// prove nothing was done (a create refused so is sent again within the
    /// retry policy, its `max_wait` and the deadline; otherwise a 429 to a
    /// create is returned, not resent, and its message says so), and how
    /// the server announces its quota. Each API's client builder sets its
    /// own; the default is plain HTTP ([`GenericDialect`]).
    pub fn dialect(mut self, dialect: impl Dialect) -> Self {
        self.dialect = Arc::new(dialect);
        self
    }

    /// Uses this `reqwest::Client` (its own connect timeout, proxy and TLS
    /// settings apply) instead of building one. Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: billkit follows
    /// redirects itself, and only safe ones; a client that follows them on
    /// its own may send a request body to another host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The clock used for budgets, deadlines and rate-limit windows.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// What waits between attempts and for the rate limiter.
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// The source of backoff jitter.
    pub fn jitter(mut self, jitter: Arc<dyn Jitter>) -> Self {
        self.jitter = jitter;
        self
    }

    /// Adds a [`Hook`], called before each attempt, after each answer, on
    /// each retry decision and rate-limit wait (an [`AuditLog`], metrics of
    /// your own). Several hooks are called in the order added; a
    /// transport without hooks builds no events.
    pub fn hook(mut self, hook: Arc<dyn Hook>) -> Self {
        self.hooks.push(hook);
        self
    }

    /// A [`ManualClock`] as clock and sleeper, and no jitter: retries and
    /// rate-limit waits happen at once and can be inspected. Needs the
    /// `test-util` feature.
    #[cfg(any(test, feature = "test-util"))]
    pub fn manual_time(self, clock: &ManualClock) -> Self {
        self.clock(Arc::new(clock.clone()))
            .sleeper(Arc::new(clock.clone()))
            .jitter(Arc::new(NoJitter))
    }
}

fn parse_base_url(text: &str) -> Result<Url> {
    let url = Url::parse(text.trim())
        .map_err(|e| Error::Config(format!("base URL `{text}` is not a valid URL: {e}")))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::Config(format!("base URL `{text}` has no host")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL `{text}` must not carry a query or fragment"
        )));
    }
    Ok(url)
}

/// A response that came back with a success status.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: bytes::Bytes,
    pub(crate) method: Method,
    pub(crate) path: String,
}

impl RawResponse {
    /// The id the server gave this request, from the first of
    /// [`REQUEST_ID_HEADERS`] present (`x-request-id`, `request-id`,
    /// `x-correlation-id`, `cf-ray`, ...): quote it to the API's support.
    pub fn request_id(&self) -> Option<&str> {
        observe::request_id(&self.headers)
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as sent.
    pub fn body(&self) -> &bytes::Bytes {
        &self.body
    }

    /// Decodes the body as `T`, reporting the JSON path of any failure. An
    /// empty body decodes as JSON `null` (so `()` and `Option<_>` accept it).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        let empty = self.body.iter().all(u8::is_ascii_whitespace);
        let body: &[u8] = if empty { b"null" } else { &self.body };
        // Path tracking costs allocations: run it only to explain a failure.
        if let Ok(v) = decode_fast(body) {
            return Ok(v);
        }
        let mut de = serde_json::Deserializer::from_slice(body);
        let value = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| (e.path().to_string(), e.into_inner()))
            .and_then(|v: T| de.end().map(|()| v).map_err(|e| (".".to_owned(), e)));
        value.map_err(|(json_path, e)| {
            let message = if empty {
                format!("the body is empty ({e})")
            } else {
                e.to_string()
            };
            let mut err = DecodeError::new(
                self.status,
                self.method.clone(),
                self.path.clone(),
                json_path,
                message,
                &self.body,
                content_type(&self.headers),
            );
            err.request_id = self.request_id().map(str::to_owned);
            err.into()
        })
    }
}

/// Decodes a body the fast way, without path tracking: SIMD (sonic-rs)
/// with the `simd` feature. A failure is decoded again by serde_json, which
/// names the JSON path or, where sonic-rs is the stricter of the two,
/// decodes the body as serde_json alone would have.
///
/// Only valid UTF-8 reaches sonic-rs: its raw-text path (what exact amounts
/// read) assumes it, asserting in debug builds and trusting it in release,
/// and a server's bytes are not to be trusted. Anything else goes to
/// serde_json, which checks.
#[cfg(feature = "simd")]
fn decode_fast<T: DeserializeOwned>(body: &[u8]) -> std::result::Result<T, ()> {
    std::str::from_utf8(body).map_err(drop)?;
    sonic_rs::from_slice(body).map_err(drop)
}

/// Decodes a body the fast way, without path tracking: serde_json without
/// the `simd` feature.
#[cfg(not(feature = "simd"))]
fn decode_fast<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    serde_json::from_slice(body)
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Sends [`Request`]s. Cheap to clone; clones share the connection pool and
/// the rate limiter.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    http: reqwest::Client,
    base_url: Url,
    credentials: Option<Credentials>,
    default_query: Vec<(String, String)>,
    user_agent: HeaderValue,
    timeouts: Timeouts,
    retry: RetryPolicy,
    limiter: Option<Limiter>,
    max_response_bytes: usize,
    dialect: Arc<dyn Dialect>,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    jitter: Arc<dyn Jitter>,
    /// Empty for most clients: then no event is built.
    hooks: Arc<[Arc<dyn Hook>]>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.inner.base_url.as_str())
            .field("credentials", &self.inner.credentials)
            .field("default_query", &self.inner.default_query)
            .field("timeouts", &self.inner.timeouts)
            .field("retry", &self.inner.retry)
            .field("rate_limited", &self.inner.limiter.is_some())
            .field("hooks", &self.inner.hooks.len())
            .finish()
    }
}

impl Transport {
    /// Builds a transport. Fails when the base URL is missing, or when
    /// credentials would go over plain `http://` to a host that is not
    /// loopback.
    pub fn new(config: Config) -> Result<Self> {
        let base_url = config
            .base_url
            .ok_or_else(|| Error::Config("no base URL was given".into()))?;
        if let Some(c) = &config.credentials {
            c.check()?;
        }
        auth::check_transport_security(&base_url, config.credentials.as_ref())?;
        let agent = match &config.app_info {
            Some(app) => format!("{USER_AGENT_PREFIX} {app}"),
            None => USER_AGENT_PREFIX.to_owned(),
        };
        let user_agent = HeaderValue::from_str(&agent).map_err(|_| {
            Error::Config(format!(
                "application name `{agent}` is not a valid header value"
            ))
        })?;
        let http = match config.http_client {
            Some(c) => c,
            None => reqwest::Client::builder()
                .connect_timeout(config.timeouts.connect)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?,
        };
        // The caller's quota is a ceiling; the API's default gives way to
        // whatever the server announces.
        let quota = match config.rate_limit {
            Some(caller) => caller.map(|l| (l, Ceiling::Fixed)),
            None => config.default_rate_limit.map(|l| (l, Ceiling::Adopt)),
        };
        let limiter = quota.map(|(l, ceiling)| Limiter::local(l, ceiling, config.clock.now()));
        #[cfg(feature = "redis")]
        let limiter = match (&config.shared_rate_limit, config.rate_limit.flatten()) {
            (None, _) => limiter,
            // One rule for every API: the quota shared is the caller's own,
            // never an API's default, so every builder fails the same way.
            (Some(_), None) => {
                return Err(Error::Config(
                    "a shared rate limit needs the quota to share: set rate_limit(Some(...)) too (an API's default quota is not shared)".into(),
                ))
            }
            (Some(shared), Some(quota)) => {
                let Some(credentials) = &config.credentials else {
                    return Err(Error::Config(
                        "a shared rate limit is keyed by the credential: set one".into(),
                    ));
                };
                let store = shared.store(
                    config.dialect.name(),
                    credentials.secret_bytes(),
                    quota,
                );
                Some(Limiter::shared(
                    quota,
                    config.clock.now(),
                    store,
                    shared.on_failure_choice(),
                ))
            }
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                http,
                base_url,
                credentials: config.credentials,
                default_query: config.default_query,
                user_agent,
                timeouts: config.timeouts,
                retry: config.retry,
                limiter,
                max_response_bytes: config.max_response_bytes,
                dialect: config.dialect,
                clock: config.clock,
                sleeper: config.sleeper,
                jitter: config.jitter,
                hooks: config.hooks.into(),
            }),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// A transport identical to this one (same pool, limiter and settings)
    /// under another base URL, for the few endpoints outside an API's prefix.
    pub fn with_base_url(&self, url: impl AsRef<str>) -> Result<Self> {
        let base_url = parse_base_url(url.as_ref())?;
        auth::check_transport_security(&base_url, self.inner.credentials.as_ref())?;
        let mut inner = (*self.inner).clone();
        inner.base_url = base_url;
        Ok(Transport {
            inner: Arc::new(inner),
        })
    }

    /// A view of this transport with some settings of its own
    /// ([`CallOptions`]): the same connection pool, rate limiter, hooks and
    /// clock; only the time limits and the retry policy may differ.
    pub fn with_options(&self, options: &CallOptions) -> Self {
        let mut inner = (*self.inner).clone();
        if let Some(t) = options.attempt_timeout {
            inner.timeouts.attempt = t;
        }
        if let Some(d) = options.deadline {
            inner.timeouts.overall = d;
        }
        if let Some(policy) = &options.retry {
            inner.retry = policy.clone();
        }
        if let Some(settle) = options.resend_unconfirmed_after {
            inner.retry.resend_unconfirmed_after = Some(settle);
        }
        Transport {
            inner: Arc::new(inner),
        }
    }

    /// The full URL a request would be sent to.
    pub fn url_for<T>(&self, request: &Request<T>) -> Result<Url> {
        request.url(&self.inner.base_url, &self.inner.default_query)
    }

    /// Sends `request` and decodes a success body as `T`.
    pub async fn execute<T: DeserializeOwned>(&self, request: Request<T>) -> Result<T> {
        self.send(&request).await?.decode()
    }

    /// The wall-clock time by this transport's clock: when a create is
    /// sent, and so where a lookup for it may start.
    pub(crate) fn wall_clock(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from(self.inner.clock.system_now())
    }

    /// The injected clock, for waits built on this transport (`watch`).
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The injected sleeper, for waits built on this transport (`watch`).
    pub(crate) fn sleeper(&self) -> &Arc<dyn Sleeper> {
        &self.inner.sleeper
    }

    /// Sends a create that can be found again by a merchant key, so that
    /// it is never made twice and a failure says whether it landed.
    ///
    /// The create is sent once (again only if the connection was never
    /// made, or the server refused it before its handler ran: see
    /// [`Dialect::refused_before_handler`]). When its outcome is unknown (a broken connection, a time
    /// limit or a 5xx after sending), `lookup` is asked for the record the
    /// key names; a record found is returned. `lookup` must not miss a
    /// record that exists (a miss licenses the second record); the key's
    /// [`sent_at`](LookupKey::sent_at), stamped here unless the caller did,
    /// says how old the record can be at most. Then:
    /// - with [`Uniqueness::Enforced`] (the server itself refuses a second
    ///   record with this key), the create
    ///   is sent again with the usual backoff; if the server refuses it as
    ///   a duplicate, the first attempt landed and the record is looked up
    ///   and returned;
    /// - with [`Uniqueness::NotEnforced`] it is sent again only when the
    ///   retry policy opts in ([`RetryPolicy::resend_unconfirmed_after`]),
    ///   after waiting that long and looking again.
    ///
    /// Otherwise the call ends with [`Error::MayHaveLanded`], carrying the
    /// key. A success answer that cannot be decoded is looked up too (the
    /// record exists); if it is not found the decode error is returned, its
    /// [`outcome`](Error::outcome) [`Outcome::Applied`].
    pub async fn execute_create<T, F, Fut>(
        &self,
        request: Request<T>,
        key: LookupKey,
        uniqueness: Uniqueness,
        mut lookup: F,
    ) -> Result<T>
    where
        T: DeserializeOwned,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        let i = &*self.inner;
        let started = i.clock.now();
        // The record, if it lands, is no older than this: the caller's
        // lookup starts here (a key already stamped by the caller keeps its
        // earlier time, which its own lookup uses).
        let key = match key.sent_at() {
            Some(_) => key,
            None => key.with_sent_at(self.wall_clock()),
        };
        let deadline = i.timeouts.overall.and_then(|d| started.checked_add(d));
        let request = request.retry_mode(RetryMode::UnsentOnly);
        let mut attempt = 0u32;
        let mut waited = Duration::ZERO;
        // Whether an earlier attempt may have landed.
        let mut uncertain = false;
        loop {
            attempt += 1;
            let err = match self.execute(request.clone()).await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let may_have_landed = |err: Error| Error::MayHaveLanded {
                key: key.clone(),
                source: Box::new(err),
            };
            match err.outcome() {
                Outcome::NotApplied if uncertain => {
                    if uniqueness.is_duplicate(&err) {
                        tracing::debug!(
                            attempt,
                            "refused as a duplicate: an earlier attempt landed"
                        );
                    }
                    // An earlier attempt may have landed: find it or say so.
                    return match lookup().await {
                        Ok(Some(found)) => Ok(found),
                        _ => Err(may_have_landed(err)),
                    };
                }
                Outcome::NotApplied => return Err(err),
                Outcome::Applied => {
                    return match lookup().await {
                        Ok(Some(found)) => Ok(found),
                        _ => Err(err),
                    };
                }
                Outcome::Unknown => {}
            }
            uncertain = true;
            match lookup().await {
                Ok(Some(found)) => {
                    tracing::debug!(attempt, "the create had landed");
                    return Ok(found);
                }
                Ok(None) => {}
                // Without a lookup, only the server's own refusal of a
                // duplicate makes a second send safe.
                Err(_) if matches!(uniqueness, Uniqueness::Enforced(_)) => {}
                Err(_) => return Err(may_have_landed(err)),
            }
            let failure = AttemptFailure::UnconfirmedCreate {
                duplicates_refused: matches!(uniqueness, Uniqueness::Enforced(_)),
                // The first attempt may still be on its way to a commit:
                // wait at least as long as an attempt may last.
                settle: i
                    .retry
                    .resend_unconfirmed_after
                    .map(|settle| settle.max(i.timeouts.attempt)),
            };
            let report = AttemptReport::new(attempt, failure, RetryMode::UnsentOnly)
                .retry_after(err.retry_after())
                .waited(waited)
                .time_left(deadline.map(|d| d.saturating_duration_since(i.clock.now())));
            let decision = i.retry.decide(&report, &*i.jitter);
            if OBSERVED || !i.hooks.is_empty() {
                let call = Call {
                    api: i.dialect.name(),
                    method: request.method(),
                    route: request.template(),
                };
                self.observe_decision(call, attempt, failure, decision, &err);
            }
            let delay = match decision {
                Decision::Retry(delay) => delay,
                Decision::Stop(_) => return Err(may_have_landed(err)),
            };
            i.sleeper.sleep(delay).await;
            waited = waited.saturating_add(delay);
            if matches!(uniqueness, Uniqueness::NotEnforced) {
                match lookup().await {
                    Ok(Some(found)) => return Ok(found),
                    Ok(None) => {}
                    Err(_) => return Err(may_have_landed(err)),
                }
            }
            tracing::debug!(attempt, "sending the create again");
        }
    }

    /// Sends `request` with retries; a success comes back raw, anything else
    /// as an [`Error`].
    pub async fn send<T>(&self, request: &Request<T>) -> Result<RawResponse> {
        let url = self.url_for(request)?;
        // Field names follow OpenTelemetry's HTTP client conventions; the
        // route template stands for the URL, whose path and query may hold
        // ids and keys.
        let span = tracing::info_span!(
            "billkit.request",
            http.request.method = %request.method(),
            url.template = request.template(),
            server.address = self.inner.base_url.host_str(),
            billkit.api = self.inner.dialect.name(),
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
            billkit.attempt = tracing::field::Empty,
            billkit.outcome = tracing::field::Empty,
            billkit.latency_ms = tracing::field::Empty,
        );
        let result = self.send_url(request, url).instrument(span.clone()).await;
        match &result {
            Ok(_) => span.record("billkit.outcome", "success"),
            Err(e) => span
                .record("error.type", e.error_type())
                .record("billkit.outcome", e.outcome().as_str()),
        };
        result
    }

    /// Calls every hook with an event; the caller checks first that there
    /// are hooks, so a transport without any builds no event.
    fn emit(&self, f: impl Fn(&dyn Hook)) {
        for hook in self.inner.hooks.iter() {
            f(&**hook);
        }
    }

    /// Reports one attempt's end to the hooks and the metrics.
    fn observe_attempt(
        &self,
        call: Call<'_>,
        attempt: u32,
        outcome: &std::result::Result<(StatusCode, HeaderMap, bytes::Bytes), Failure>,
        elapsed: Duration,
    ) {
        let (status, error_type, response) = match outcome {
            Ok((status, headers, body)) => (
                Some(*status),
                (!status.is_success()).then(|| status.as_str()),
                Some(ResponseView { headers, body }),
            ),
            Err(Failure::TooLarge { status, .. }) => {
                (Some(*status), Some("response_too_large"), None)
            }
            Err(Failure::Body { status, source, .. }) => {
                let kind = if source.is_timeout() {
                    "timeout"
                } else {
                    "body_read"
                };
                (Some(*status), Some(kind), None)
            }
            Err(Failure::Http(e)) => (None, Some(http_error_type(e)), None),
        };
        #[cfg(feature = "metrics")]
        observe::meter::attempt(call.api, call.route, call.method, status, elapsed);
        if self.inner.hooks.is_empty() {
            return;
        }
        let event = ResponseEvent {
            call,
            attempt,
            at: self.inner.clock.system_now(),
            status,
            error_type,
            elapsed,
            request_id: response.and_then(|r| observe::request_id(r.headers)),
            response,
        };
        self.emit(|h| h.after_response(&event));
    }

    /// Reports a retry decision to the hooks and the metrics.
    fn observe_decision(
        &self,
        call: Call<'_>,
        attempt: u32,
        failure: AttemptFailure,
        decision: Decision,
        err: &Error,
    ) {
        #[cfg(feature = "metrics")]
        if matches!(decision, Decision::Retry(_)) {
            observe::meter::retry(call.api, call.route, call.method);
        }
        if self.inner.hooks.is_empty() {
            return;
        }
        let event = RetryEvent {
            call,
            attempt,
            at: self.inner.clock.system_now(),
            failure,
            decision,
            outcome: err.outcome(),
        };
        self.emit(|h| h.on_retry_decision(&event));
    }

    /// Waits for a send slot, telling the hooks and the metrics of any
    /// wait and of a fallback from the shared limiter.
    async fn wait_for_slot(
        &self,
        limiter: &Limiter,
        call: Call<'_>,
        attempt: u32,
        max_wait: Duration,
    ) -> std::result::Result<(), Refusal> {
        let i = &*self.inner;
        let slot = limiter.reserve(&*i.clock, max_wait).await;
        let (wait, kind, granted) = match &slot {
            Ok(slot) => {
                if let Some(reason) = &slot.fallback {
                    #[cfg(feature = "metrics")]
                    observe::meter::shared_limit_fallback(call.api);
                    if !i.hooks.is_empty() {
                        let event = FallbackEvent {
                            call,
                            attempt,
                            at: i.clock.system_now(),
                            reason,
                        };
                        self.emit(|h| h.on_shared_limit_fallback(&event));
                    }
                }
                (slot.wait, slot.limiter, true)
            }
            Err(Refusal::TooLong(wait, kind)) => (*wait, *kind, false),
            Err(Refusal::StoreDown(_)) => return slot.map(drop),
        };
        if !wait.is_zero() {
            #[cfg(feature = "metrics")]
            observe::meter::rate_limit_wait(call.api, kind, wait);
            if !i.hooks.is_empty() {
                let event = RateLimitEvent {
                    call,
                    attempt,
                    at: i.clock.system_now(),
                    wait,
                    limiter: kind,
                    granted,
                };
                self.emit(|h| h.on_rate_limit_wait(&event));
            }
            if granted {
                i.sleeper.sleep(wait).await;
            }
        }
        slot.map(drop)
    }

    async fn send_url<T>(&self, request: &Request<T>, url: Url) -> Result<RawResponse> {
        let i = &*self.inner;
        let method = request.method().clone();
        let path = url.path().to_owned();
        let started = i.clock.now();
        let deadline = i.timeouts.overall.and_then(|d| started.checked_add(d));
        let mut waited = Duration::ZERO;
        let mut attempt: u32 = 0;
        let mut last_err: Option<Error> = None;
        let span = tracing::Span::current();
        let call = Call {
            api: i.dialect.name(),
            method: request.method(),
            route: request.template(),
        };
        loop {
            attempt += 1;
            span.record("billkit.attempt", attempt);
            let left = deadline.map(|d| d.saturating_duration_since(i.clock.now()));
            if let Some(limiter) = &i.limiter {
                let max_wait = left.map_or(i.retry.max_wait, |l| l.min(i.retry.max_wait));
                match self.wait_for_slot(limiter, call, attempt, max_wait).await {
                    Ok(()) => {}
                    Err(Refusal::TooLong(wait, _)) => {
                        tracing::debug!(?wait, "rate limit wait is longer than the call allows");
                        return Err(last_err.unwrap_or(Error::RateLimited {
                            method,
                            path,
                            attempts: attempt - 1,
                            wait,
                        }));
                    }
                    Err(Refusal::StoreDown(why)) => {
                        return Err(last_err.unwrap_or(Error::RateLimitStore(why)));
                    }
                }
            }
            let mut attempt_timeout = i.timeouts.attempt;
            let mut bound_by_deadline = false;
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(i.clock.now());
                if left.is_zero() {
                    return Err(last_err.unwrap_or(Error::Timeout {
                        method,
                        path,
                        attempts: attempt - 1,
                        kind: TimeoutKind::Deadline,
                    }));
                }
                if left < attempt_timeout {
                    attempt_timeout = left;
                    bound_by_deadline = true;
                }
            }
            if !i.hooks.is_empty() {
                let event = AttemptEvent {
                    call,
                    attempt,
                    at: i.clock.system_now(),
                    request: RequestView {
                        query: request.query_pairs(),
                        default_query: &i.default_query,
                        body: request.body(),
                    },
                };
                self.emit(|h| h.before_attempt(&event));
            }
            let sent_at = i.clock.now();
            let outcome = self.attempt(request, &url, attempt_timeout).await;
            let elapsed = i.clock.now().saturating_duration_since(sent_at);
            span.record("billkit.latency_ms", elapsed.as_millis() as u64);
            if OBSERVED || !i.hooks.is_empty() {
                self.observe_attempt(call, attempt, &outcome, elapsed);
            }

            let (err, failure, server_delay) = match outcome {
                Ok((status, headers, body)) => {
                    span.record("http.response.status_code", status.as_u16());
                    let retry_after = parse_retry_after(&headers, i.clock.system_now());
                    if let Some(limiter) = &i.limiter {
                        let hold = (status == StatusCode::TOO_MANY_REQUESTS)
                            .then(|| retry_after.unwrap_or(Duration::from_secs(1)));
                        let quota = i.dialect.announced_quota(&headers);
                        limiter.observe(quota, hold, i.clock.now()).await;
                    }
                    if status.is_success() {
                        tracing::debug!(attempt, status = status.as_u16(), "response");
                        return Ok(RawResponse {
                            status,
                            headers,
                            body,
                            method,
                            path,
                        });
                    }
                    let refused_before_handler = i.dialect.refused_before_handler(status, &headers);
                    let before_handler =
                        before_handler_note(request.retry(), status, refused_before_handler);
                    let mut err = ApiError::from_response_in(
                        i.dialect.clone(),
                        method.clone(),
                        path.clone(),
                        status,
                        content_type(&headers),
                        &body,
                        retry_after,
                        attempt,
                    );
                    err.before_handler = before_handler;
                    err.request_id = owned_request_id(&headers);
                    if status.is_redirection() {
                        let why = redirect_refusal(&headers);
                        err.summary = Some(why.clone());
                        err.body = ApiErrorBody::Text(why);
                    }
                    let failure = AttemptFailure::Status {
                        status,
                        refused_before_handler,
                    };
                    (Error::from(err), failure, retry_after)
                }
                Err(Failure::TooLarge {
                    status,
                    limit,
                    request_id,
                }) => {
                    let err = Error::ResponseTooLarge {
                        request_id,
                        method: method.clone(),
                        path: path.clone(),
                        status,
                        limit,
                    };
                    (err, AttemptFailure::Final, None)
                }
                Err(Failure::Body {
                    status,
                    source,
                    request_id,
                }) if !source.is_timeout() => {
                    span.record("http.response.status_code", status.as_u16());
                    let err = Error::BodyRead {
                        request_id,
                        method: method.clone(),
                        path: path.clone(),
                        status,
                        attempts: attempt,
                        source: source.without_url(),
                    };
                    (err, AttemptFailure::BodyCut, None)
                }
                Err(Failure::Body { source: e, .. }) | Err(Failure::Http(e)) => {
                    // A body cut short is as transient as a lost connection.
                    let failure = if e.is_builder() {
                        AttemptFailure::Final
                    } else if e.is_connect() {
                        AttemptFailure::Unsent
                    } else {
                        AttemptFailure::Lost
                    };
                    let err = if e.is_timeout() {
                        let kind = if bound_by_deadline {
                            TimeoutKind::Deadline
                        } else if e.is_connect() {
                            TimeoutKind::Connect
                        } else {
                            TimeoutKind::Attempt
                        };
                        Error::Timeout {
                            method: method.clone(),
                            path: path.clone(),
                            attempts: attempt,
                            kind,
                        }
                    } else {
                        Error::Transport {
                            method: method.clone(),
                            path: path.clone(),
                            attempts: attempt,
                            source: e.without_url(),
                        }
                    };
                    (err, failure, None)
                }
            };

            let report = AttemptReport::new(attempt, failure, request.retry())
                .retry_after(server_delay)
                .waited(waited)
                .time_left(deadline.map(|d| d.saturating_duration_since(i.clock.now())));
            let decision = i.retry.decide(&report, &*i.jitter);
            if OBSERVED || !i.hooks.is_empty() {
                self.observe_decision(call, attempt, failure, decision, &err);
            }
            let delay = match decision {
                Decision::Retry(delay) => delay,
                Decision::Stop(why) => {
                    tracing::debug!(attempt, ?why, "not retrying");
                    return Err(err);
                }
            };
            // The error's text holds the filled path; log only its kind and status.
            tracing::debug!(
                attempt,
                ?delay,
                status = err.status().map(|s| s.as_u16()),
                timeout = err.is_timeout(),
                "retrying"
            );
            i.sleeper.sleep(delay).await;
            waited = waited.saturating_add(delay);
            last_err = Some(err);
        }
    }

    /// One attempt: send, follow same-origin redirects of idempotent
    /// requests, and read the body within the size cap.
    async fn attempt<T>(
        &self,
        request: &Request<T>,
        url: &Url,
        timeout: Duration,
    ) -> std::result::Result<(StatusCode, HeaderMap, bytes::Bytes), Failure> {
        let i = &*self.inner;
        let mut url = std::borrow::Cow::Borrowed(url);
        let mut method = request.method().clone();
        let mut with_body = true;
        let mut hops = 0;
        loop {
            let response = self
                .build(request, &method, &url, with_body, timeout)
                .send()
                .await
                .map_err(Failure::Http)?;
            let status = response.status();
            if status.is_redirection() && hops < MAX_REDIRECTS {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok());
                if let Some(next) = follow_redirect(&i.base_url, &method, &url, location) {
                    hops += 1;
                    if status == StatusCode::SEE_OTHER {
                        method = Method::GET;
                        with_body = false;
                    }
                    url = std::borrow::Cow::Owned(next);
                    continue;
                }
            }
            let headers = response.headers().clone();
            let cap = if status.is_success() {
                i.max_response_bytes
            } else {
                i.max_response_bytes.min(MAX_ERROR_BODY)
            };
            // A success body declared too large is refused unread; an error
            // page's start is still read for its message.
            if status.is_success() && response.content_length().is_some_and(|n| n > cap as u64) {
                return Err(Failure::TooLarge {
                    status,
                    limit: cap,
                    request_id: owned_request_id(&headers),
                });
            }
            return match read_capped(response, cap).await {
                Ok(body) => Ok((status, headers, body)),
                // An error page is only read for its message: keep its start.
                Err(ReadError::TooLarge(partial)) if !status.is_success() => {
                    Ok((status, headers, partial))
                }
                Err(ReadError::TooLarge(_)) => Err(Failure::TooLarge {
                    status,
                    limit: cap,
                    request_id: owned_request_id(&headers),
                }),
                Err(ReadError::Http(e)) => Err(Failure::Body {
                    status,
                    source: e,
                    request_id: owned_request_id(&headers),
                }),
            };
        }
    }

    fn build<T>(
        &self,
        request: &Request<T>,
        method: &Method,
        url: &Url,
        with_body: bool,
        timeout: Duration,
    ) -> reqwest::RequestBuilder {
        let i = &*self.inner;
        let mut builder = i
            .http
            .request(method.clone(), url.clone())
            .timeout(timeout)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, i.user_agent.clone());
        if with_body {
            builder = match request.body() {
                Body::Empty => builder,
                Body::Json(bytes) => builder
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(bytes.clone()),
                Body::Form(pairs) => {
                    let encoded = url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                        .finish();
                    builder
                        .header(
                            CONTENT_TYPE,
                            HeaderValue::from_static("application/x-www-form-urlencoded"),
                        )
                        .body(encoded)
                }
            };
        }
        if request.is_authenticated()
            && let Some(c) = &i.credentials
        {
            builder = c.apply(builder);
        }
        builder
    }
}

/// Whether the server refuses a second record with the same merchant key
/// (see [`Transport::execute_create`]).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Uniqueness {
    /// The server refuses a duplicate key; the function recognises that
    /// refusal (usually [`Error::is_duplicate`], the API's own rule).
    Enforced(fn(&Error) -> bool),
    /// Nothing stops a second record with the same key.
    NotEnforced,
}

impl Uniqueness {
    fn is_duplicate(&self, err: &Error) -> bool {
        match self {
            Uniqueness::Enforced(f) => f(err),
            Uniqueness::NotEnforced => false,
        }
    }
}

/// What the API's rules say about where a refusal of a request sent only
/// once (a create) came from, for its message: proven to come before the
/// server's handler (nothing was carried out), or a 429 not proven so (its
/// message says why it was not sent again).
fn before_handler_note(
    mode: RetryMode,
    status: StatusCode,
    refused_before_handler: bool,
) -> BeforeHandler {
    if mode == RetryMode::Idempotent {
        BeforeHandler::Unstated
    } else if refused_before_handler {
        BeforeHandler::Shown
    } else if status == StatusCode::TOO_MANY_REQUESTS {
        BeforeHandler::NotShown
    } else {
        BeforeHandler::Unstated
    }
}

/// The request id of an answer that failed, kept for its error.
fn owned_request_id(headers: &HeaderMap) -> Option<String> {
    observe::request_id(headers).map(str::to_owned)
}

/// Whether every attempt is counted (feature `metrics`) even without hooks.
const OBSERVED: bool = cfg!(feature = "metrics");

/// OpenTelemetry's `error.type` of an attempt that got no answer.
fn http_error_type(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_builder() {
        "request"
    } else {
        "connection"
    }
}

/// How many redirects one attempt follows.
const MAX_REDIRECTS: u32 = 5;

/// How much of an error response is read (the rest is dropped): enough for
/// any error document, bounded for a hostile one.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The default cap on a success body (see [`Config::max_response_bytes`]).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// Why an attempt got no usable response.
enum Failure {
    /// reqwest failed before an answer's head arrived.
    Http(reqwest::Error),
    /// The head arrived with `status`; reading the body failed.
    Body {
        status: StatusCode,
        source: reqwest::Error,
        request_id: Option<String>,
    },
    /// A success body grew past the cap.
    TooLarge {
        status: StatusCode,
        limit: usize,
        request_id: Option<String>,
    },
}

enum ReadError {
    Http(reqwest::Error),
    TooLarge(bytes::Bytes),
}

/// Reads a body, never holding more than `cap` bytes of it.
async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> std::result::Result<bytes::Bytes, ReadError> {
    let declared = response.content_length();
    if declared.is_some_and(|len| len > cap as u64) {
        let mut partial = bytes::BytesMut::new();
        while partial.len() < cap {
            match response.chunk().await {
                Ok(Some(c)) => partial.extend_from_slice(&c[..c.len().min(cap - partial.len())]),
                _ => break,
            }
        }
        return Err(ReadError::TooLarge(partial.freeze()));
    }
    // Chunks are kept as they came and joined once at the end, so the
    // peak is at most twice the cap (no doubling growth); one chunk, the
    // common case, is returned without a copy.
    let mut chunks: Vec<bytes::Bytes> = Vec::new();
    let mut have = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Http)? {
        if have + chunk.len() > cap {
            chunks.push(chunk.slice(..cap - have));
            return Err(ReadError::TooLarge(join(chunks, cap)));
        }
        have += chunk.len();
        chunks.push(chunk);
    }
    Ok(join(chunks, have))
}

fn join(mut chunks: Vec<bytes::Bytes>, len: usize) -> bytes::Bytes {
    if chunks.len() == 1 {
        return chunks.pop().unwrap_or_default();
    }
    let mut out = bytes::BytesMut::with_capacity(len);
    for c in chunks {
        out.extend_from_slice(&c);
    }
    out.freeze()
}

/// The next URL when a redirect may be followed: only for GET, HEAD, PUT
/// and DELETE, only within the base URL's origin (so never from https to
/// http, and a request body never leaves the host it was meant for).
fn follow_redirect(
    base: &Url,
    method: &Method,
    current: &Url,
    location: Option<&str>,
) -> Option<Url> {
    let idempotent = [Method::GET, Method::HEAD, Method::PUT, Method::DELETE].contains(method);
    if !idempotent {
        return None;
    }
    let next = current.join(location?).ok()?;
    (next.origin() == base.origin()).then_some(next)
}

/// The message of a redirect that was not followed: where it pointed
/// (origin and path only: a query may hold secrets) and why.
fn redirect_refusal(headers: &HeaderMap) -> String {
    let target = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|l| {
            let l = l.split(['?', '#']).next().unwrap_or_default();
            crate::error::truncate(l, 200)
        })
        .unwrap_or_else(|| "nowhere (no Location header)".into());
    format!(
        "redirected to {target}; not followed: billkit follows redirects only for GET, HEAD, PUT and DELETE and only within the base URL's origin (check the base URL)"
    )
}

/// Adds the shared settings (timeouts, retries, rate limit, application
/// name, custom HTTP client, injected time) to an API client builder that
/// keeps a `config: crate::http::Config` field.
#[allow(unused_macros)]
macro_rules! common_builder_methods {
    () => {
        /// All time limits at once (connect, per attempt, overall).
        pub fn timeouts(mut self, timeouts: $crate::http::Timeouts) -> Self {
            self.config = self.config.timeouts(timeouts);
            self
        }

        /// The connect timeout (default 10 s).
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.config = self.config.connect_timeout(timeout);
            self
        }

        /// The time limit of one attempt (default 30 s).
        pub fn attempt_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.config = self.config.attempt_timeout(timeout);
            self
        }

        /// The time limit of a whole call, retries included (default 120 s;
        /// `None` for no limit).
        pub fn deadline(mut self, deadline: ::std::option::Option<::std::time::Duration>) -> Self {
            self.config = self.config.deadline(deadline);
            self
        }

        /// How failed attempts are retried (see [`RetryPolicy`](crate::http::RetryPolicy)).
        pub fn retry(mut self, policy: $crate::http::RetryPolicy) -> Self {
            self.config = self.config.retry(policy);
            self
        }

        /// A client-side rate limit shared by every clone of the client;
        /// `None` turns it off. A quota set here is only ever lowered by the
        /// server's announced limit; without one, the API's default quota
        /// (if it has one: see the API's module) follows the server's
        /// announcement up or down.
        pub fn rate_limit(mut self, limit: ::std::option::Option<$crate::http::RateLimit>) -> Self {
            self.config = self.config.rate_limit(limit);
            self
        }

        /// Shares the rate limit through Redis with every client, in any
        /// process, that uses the same credential (feature `redis`; see
        /// [`SharedRateLimit`](crate::http::SharedRateLimit)).
        ///
        /// The quota shared is yours: set it with `rate_limit(Some(...))`.
        /// The same rule holds for every API's builder: without a quota of
        /// your own, `build` fails with [`Error::Config`](crate::Error::Config)
        /// (an API's default quota is a guess the server corrects, and is
        /// not shared).
        #[cfg(feature = "redis")]
        pub fn shared_rate_limit(mut self, shared: $crate::http::SharedRateLimit) -> Self {
            self.config = self.config.shared_rate_limit(shared);
            self
        }

        /// Appends `name/version` to the `User-Agent`.
        pub fn app_info(
            mut self,
            name: impl ::std::fmt::Display,
            version: impl ::std::fmt::Display,
        ) -> Self {
            self.config = self.config.app_info(name, version);
            self
        }

        /// Uses this `reqwest::Client` instead of building one.
        pub fn http_client(mut self, client: ::reqwest::Client) -> Self {
            self.config = self.config.http_client(client);
            self
        }

        /// The clock used for retry budgets, deadlines and rate-limit windows.
        pub fn clock(mut self, clock: ::std::sync::Arc<dyn $crate::http::Clock>) -> Self {
            self.config = self.config.clock(clock);
            self
        }

        /// What waits between attempts and for the rate limiter.
        pub fn sleeper(mut self, sleeper: ::std::sync::Arc<dyn $crate::http::Sleeper>) -> Self {
            self.config = self.config.sleeper(sleeper);
            self
        }

        /// The source of backoff jitter.
        pub fn jitter(mut self, jitter: ::std::sync::Arc<dyn $crate::http::Jitter>) -> Self {
            self.config = self.config.jitter(jitter);
            self
        }

        /// Adds a hook called as every call goes (see
        /// [`Hook`](crate::http::Hook); [`AuditLog`](crate::http::AuditLog)
        /// writes JSON Lines). Several hooks are called in the order added.
        pub fn hook(mut self, hook: ::std::sync::Arc<dyn $crate::http::Hook>) -> Self {
            self.config = self.config.hook(hook);
            self
        }

        /// Uses `clock` as clock and sleeper with no jitter, so retries and
        /// rate-limit waits happen at once (for tests; needs the `test-util`
        /// feature).
        #[cfg(any(test, feature = "test-util"))]
        pub fn manual_time(mut self, clock: &$crate::http::ManualClock) -> Self {
            self.config = self.config.manual_time(clock);
            self
        }
    };
}
#[allow(unused_imports)]
pub(crate) use common_builder_methods;

#[cfg(test)]
mod redirect_tests {
    use super::*;

    #[test]
    fn only_same_origin_redirects_of_idempotent_methods_are_followed() {
        let base = Url::parse("https://api.example.com/v1/").unwrap();
        let here = Url::parse("https://api.example.com/v1/things").unwrap();
        let go = |m: Method, loc: &str| follow_redirect(&base, &m, &here, Some(loc));
        assert_eq!(
            go(Method::GET, "/v2/things").unwrap().as_str(),
            "https://api.example.com/v2/things"
        );
        assert!(go(Method::DELETE, "things2").is_some());
        // https to http on the same host is another origin.
        assert!(go(Method::GET, "http://api.example.com/v1/things").is_none());
        assert!(go(Method::GET, "https://api.example.com:8443/v1/things").is_none());
        assert!(go(Method::GET, "https://evil.example.com/v1/things").is_none());
        assert!(go(Method::GET, "//evil.example.com/x").is_none());
        assert!(go(Method::POST, "/v1/things").is_none());
        assert!(go(Method::PATCH, "/v1/things").is_none());
        assert!(follow_redirect(&base, &Method::GET, &here, None).is_none());
    }
}
