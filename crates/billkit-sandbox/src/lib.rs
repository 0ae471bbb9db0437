//! Stateful fakes of the BillPro, Billmora and Billy APIs, for testing billing
//! code offline.
//!
//! Each fake is a real HTTP/1.1 server on `127.0.0.1` with an ephemeral
//! port, keeping its state in memory and behaving like the real server:
//! status codes, error bodies and content types, pagination, auth
//! failures, state transitions. The examples run against them when no
//! credentials are configured, and applications can test their own billing
//! code against them: each API's fake ([`billpro`], [`billmora`], [`billy`])
//! documents how. The `billkit sandbox serve` command serves them to any
//! language.
//!
//! A fake of another API is served the same way:
//!
//! ```
//! use billkit_sandbox::{FakeApi, FakeServer, SandboxRequest, SandboxResponse};
//!
//! struct Hello;
//!
//! impl FakeApi for Hello {
//!     fn handle(&self, request: &SandboxRequest) -> SandboxResponse {
//!         match request.bearer_token().as_deref() {
//!             Some("t0ken") => SandboxResponse::json(200, &serde_json::json!({"hello": request.path})),
//!             _ => SandboxResponse::text(401, "Unauthorized"),
//!         }
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let server = FakeServer::start(Hello).await?;
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! // Make the next two requests fail with 503, for a reliability test:
//! server.faults().fail_next(2, 503);
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```
//!
//! Faults can be injected into any fake through [`FakeServer::faults`],
//! aimed at a method and path or at any request: 5xx and 429 answers,
//! dropped connections, answers lost after the change was made, 5xx after
//! commit, slow answers, late commits, transfers cut off mid-body and
//! complete but malformed bodies ([`FaultKind`] says what billkit reports
//! under each).
//!
//! The building blocks ([`FakeApi`], [`FakeServer`], [`SandboxRequest`],
//! [`SandboxResponse`]) are public so that a fake of another API can be
//! served the same way.
//!
//! What `billkit sandbox serve` is made of is public too, for a Rust test
//! that wants it:
//!
//! - **Time**: the fakes of a [`Sandbox`] share one [`SandboxClock`];
//!   [`Sandbox::advance_clock`] then [`Sandbox::run_due_billing`] do what
//!   waiting would (BillPro collects the scheduled payments due, Billy
//!   bills its subscriptions).
//! - **State**: [`Sandbox::snapshot`] and [`Sandbox::restore`] move the
//!   whole state as one versioned JSON document; [`Sandbox::persist_to`]
//!   keeps it in a file, written atomically after each change.
//! - **Ports**: [`Sandbox::start_with`] and [`FakeServer::start_on`] take
//!   fixed addresses; a port in use is an error naming it.
//! - **Journal**: each fake keeps the last requests it received, with
//!   credentials blanked ([`Journal`], [`FakeServer::journal`]).
//! - **Admin API**: [`admin`] drives all of the above over HTTP.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(feature = "billmora")]
pub mod billmora;
#[cfg(feature = "billpro")]
pub mod billpro;
#[cfg(feature = "billy")]
pub mod billy;
mod clock;
mod journal;
mod persist;
mod time;

#[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
pub mod admin;

pub use clock::SandboxClock;
pub use journal::{DEFAULT_JOURNAL_CAPACITY, Journal, JournalEntry, REDACTED};
pub use persist::StateError;
#[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
pub use persist::{DueReport, STATE_FORMAT, STATE_VERSION};

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
pub use reqwest::Method;
pub use reqwest::header::HeaderMap;
use tokio::net::TcpListener;

/// The fakes of every enabled API, started together.
///
/// Each fake has the same shape: `client()`, `client_builder()` (URL and
/// credentials set), its credentials, and `faults()`. The example drives
/// time by hand, which needs billkit's `test-util` feature:
///
/// ```
/// # #[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use billkit::http::ManualClock;
/// let sandbox = billkit_sandbox::Sandbox::start().await?;
/// let clock = ManualClock::new();
/// let billpro = sandbox.billpro.client_builder().manual_time(&clock).build()?;
/// let billmora = sandbox.billmora.client_builder().manual_time(&clock).build()?;
/// let billy = sandbox.billy.client_builder().manual_time(&clock).build()?;
/// sandbox.billpro.faults().on("GET", "/products/*").fail(1, 503);
/// sandbox.billmora.faults().on("GET", "/users/*").fail(1, 503);
/// sandbox.billy.faults().on("GET", "/v1/plans").fail(1, 503);
/// // Each GET is retried once, after a backoff on the manual clock.
/// billpro.products().get(1).await?;
/// billmora.users().get(1).await?;
/// billy.plans().list().page(1).await?;
/// assert_eq!(clock.sleeps().len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// let sandbox = billkit_sandbox::Sandbox::start().await?;
/// # #[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))] {
/// println!("BillPro  {} token {}", sandbox.billpro.base_url(), sandbox.billpro.token());
/// println!("Billmora {} token {}", sandbox.billmora.base_url(), sandbox.billmora.token());
/// println!("Billy    {} key {}", sandbox.billy.base_url(), sandbox.billy.api_key());
/// # }
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Sandbox {
    clock: SandboxClock,
    #[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
    persister: std::sync::Arc<persist::Persister>,
    /// The BillPro fake.
    #[cfg(feature = "billpro")]
    pub billpro: billpro::BillProSandbox,
    /// The Billmora fake.
    #[cfg(feature = "billmora")]
    pub billmora: billmora::BillmoraSandbox,
    /// The Billy fake.
    #[cfg(feature = "billy")]
    pub billy: billy::BillySandbox,
}

impl Sandbox {
    /// Starts a fake of each enabled API on its own ephemeral loopback port.
    /// Needs a tokio runtime; the fakes stop when the value is dropped.
    pub async fn start() -> std::io::Result<Sandbox> {
        Self::start_with(SandboxOptions::default()).await
    }

    /// Starts a fake of each enabled API on the host and ports of
    /// `options` (port 0 for any free one), all living in its clock's
    /// time. A port in use is an error that names it.
    pub async fn start_with(options: SandboxOptions) -> std::io::Result<Sandbox> {
        let clock = options.clock.clone();
        #[cfg_attr(
            not(any(feature = "billpro", feature = "billmora", feature = "billy")),
            allow(unused_variables)
        )]
        let at = |port: u16| SocketAddr::new(options.host, port);
        #[cfg_attr(
            not(any(feature = "billpro", feature = "billmora", feature = "billy")),
            allow(dead_code)
        )]
        fn named(api: &str) -> impl FnOnce(std::io::Error) -> std::io::Error + '_ {
            move |e| std::io::Error::new(e.kind(), format!("{api}: {e}"))
        }
        let sandbox = Sandbox {
            #[cfg(feature = "billpro")]
            billpro: billpro::BillProSandbox::start_with(at(options.billpro_port), clock.clone())
                .await
                .map_err(named("BillPro"))?,
            #[cfg(feature = "billmora")]
            billmora: billmora::BillmoraSandbox::start_with(
                at(options.billmora_port),
                clock.clone(),
            )
            .await
            .map_err(named("Billmora"))?,
            #[cfg(feature = "billy")]
            billy: billy::BillySandbox::start_with(at(options.billy_port), clock.clone())
                .await
                .map_err(named("Billy"))?,
            #[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
            persister: std::sync::Arc::default(),
            clock,
        };
        for server in sandbox.servers() {
            server.journal().set_capacity(options.journal_capacity);
        }
        Ok(sandbox)
    }

    /// The clock every fake of this sandbox reads its time from.
    pub fn clock(&self) -> &SandboxClock {
        &self.clock
    }

    /// The servers of the enabled fakes, with the API each serves.
    fn servers(&self) -> Vec<&FakeServer> {
        vec![
            #[cfg(feature = "billpro")]
            self.billpro.server(),
            #[cfg(feature = "billmora")]
            self.billmora.server(),
            #[cfg(feature = "billy")]
            self.billy.server(),
        ]
    }
}

/// Where and how [`Sandbox::start_with`] starts the fakes.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let mut options = billkit_sandbox::SandboxOptions::default();
/// options.journal_capacity = 50;
/// let sandbox = billkit_sandbox::Sandbox::start_with(options).await?;
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SandboxOptions {
    /// The address every fake listens on: `127.0.0.1` unless changed.
    pub host: IpAddr,
    /// BillPro's port; 0 (the default) for any free one.
    pub billpro_port: u16,
    /// Billmora's port; 0 (the default) for any free one.
    pub billmora_port: u16,
    /// Billy's port; 0 (the default) for any free one.
    pub billy_port: u16,
    /// The clock the fakes share (a fresh one at the real time unless set).
    pub clock: SandboxClock,
    /// How many requests each fake's journal keeps.
    pub journal_capacity: usize,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            billpro_port: 0,
            billmora_port: 0,
            billy_port: 0,
            clock: SandboxClock::new(),
            journal_capacity: DEFAULT_JOURNAL_CAPACITY,
        }
    }
}

/// Any free loopback port, where the fakes start unless told otherwise.
pub(crate) const LOOPBACK_ANY_PORT: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// A request as the fake sees it.
#[derive(Debug, Clone)]
pub struct SandboxRequest {
    /// The method.
    pub method: Method,
    /// The raw (percent-encoded) path, e.g. `/api/v1/products`.
    pub path: String,
    /// The decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as sent.
    pub body: Vec<u8>,
}

impl SandboxRequest {
    /// The decoded, non-empty path segments.
    pub fn segments(&self) -> Vec<String> {
        self.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect()
    }

    /// The first value of query parameter `key`.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The form-encoded body, decoded, in order (empty if there is none).
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The body as JSON, `None` when it is not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A header's value, when it is valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The token of an `Authorization: Bearer …` header.
    pub fn bearer_token(&self) -> Option<String> {
        let value = self.header("authorization")?.trim();
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned())
    }

    /// The user name of an `Authorization: Basic …` header.
    pub fn basic_user(&self) -> Option<String> {
        let value = self.header("authorization")?.trim();
        let (scheme, encoded) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        Some(
            text.split_once(':')
                .map_or(text.clone(), |(u, _)| u.to_owned()),
        )
    }
}

/// A response from a fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxResponse {
    /// The status code.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl SandboxResponse {
    /// A JSON body (`Content-Type: application/json`).
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::raw_json(status, value.to_string())
    }

    /// A pre-serialized JSON body, sent as is (so number text is exact).
    pub fn raw_json(status: u16, body: impl Into<String>) -> Self {
        Self::with_type(status, "application/json", body.into())
    }

    /// A plain-text body.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self::with_type(status, "text/plain; charset=utf-8", body.into())
    }

    /// An HTML body.
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Self::with_type(status, "text/html; charset=utf-8", body.into())
    }

    /// No body.
    pub fn empty(status: u16) -> Self {
        SandboxResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn with_type(status: u16, content_type: &str, body: String) -> Self {
        SandboxResponse {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into_bytes(),
        }
    }
}

/// The behaviour of one fake API.
pub trait FakeApi: Send + Sync + 'static {
    /// Answers one request. Keep state behind a lock inside the type.
    fn handle(&self, request: &SandboxRequest) -> SandboxResponse;
}

/// What a fault does to a request it hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Closes the connection without carrying the request out.
    Drop,
    /// Carries the request out, then closes the connection before
    /// answering: the client cannot tell whether it took effect.
    LoseAnswer,
    /// Answers this status without carrying the request out (500 as plain
    /// text, any other status as a proxy's HTML page).
    Fail(u16),
    /// Carries the request out, then answers this status as a proxy's page
    /// would (a 502/503/504 after the server committed).
    FailAfterCommit(u16),
    /// Answers 429 with `Retry-After: secs`, not carrying the request out.
    Throttle(u64),
    /// Carries the request out, sends the answer's status and headers with
    /// the whole body's `Content-Length`, then only the first half of the
    /// body, and closes the connection: a transfer cut off mid-body (a
    /// proxy or server that died while writing).
    ///
    /// billkit reports [`Error::BodyRead`](billkit::Error::BodyRead) with the
    /// status that arrived. A read is retried like a lost connection. After
    /// a create or update the status decides the
    /// [`outcome`](billkit::Error::outcome): a 2xx is `Applied` (the server
    /// carried the request out; only its answer is missing, so a create's
    /// record must be looked up, which the checked creates do before
    /// giving up), a 5xx is `Unknown`, a 4xx `NotApplied`; it is never sent
    /// again blindly.
    Truncate,
    /// Carries the request out and answers with the first half of its body
    /// under a matching `Content-Length`: a complete transfer of a body
    /// that does not parse (a server that printed half a document).
    ///
    /// billkit reports [`Error::Decode`](billkit::Error::Decode) with the
    /// status and the raw text, and does not retry (the same answer would
    /// come again). After a create or update it is `Applied`: the body is
    /// kept whole, with the record's id when one can be read from it.
    MalformedBody,
    /// Carries the request out at once but answers only after the delay: a
    /// client that gives up first has still made the change.
    SlowAnswer(Duration),
    /// Carries the request out only after the delay, even when the client
    /// has given up by then (a slow commit), then answers.
    LateCommit(Duration),
}

#[derive(Debug)]
struct Rule {
    method: Option<Method>,
    path: Option<Vec<String>>,
    kind: FaultKind,
    left: u32,
}

impl Rule {
    fn hits(&self, request: &SandboxRequest) -> bool {
        if self.method.as_ref().is_some_and(|m| *m != request.method) {
            return false;
        }
        let Some(pattern) = &self.path else {
            return true;
        };
        let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
        segments.len() >= pattern.len()
            && segments[segments.len() - pattern.len()..]
                .iter()
                .zip(pattern)
                .all(|(seg, pat)| pat == "*" || seg == pat)
    }
}

#[derive(Debug, Default)]
struct FaultState {
    delay: Duration,
    rules: Vec<Rule>,
}

/// Faults injected into a fake's answers, for reliability tests.
///
/// A fault hits the next `n` requests it is aimed at: any request
/// (`fail_next`, `lose_answer_next`, ...) or only those with a method and a
/// path ([`Faults::on`]). When several are armed, the one armed first wins.
/// A path is matched against the end of the request's path, segment by
/// segment, `*` matching any one segment. Aim at the route the client
/// really calls: BillPro's orders are created at
/// `POST /orders/create_single_order` (and `create_instalment_order`, ...)
/// and cancelled at `PUT /orders/{id}/cancel_order`, Billmora's at
/// `POST /api/v1/orders`, Billy's invoices at `POST /v1/invoices`. So
/// `on("POST", "/orders")` hits Billmora's create but none of BillPro's,
/// and `on("PUT", "/orders/*/cancel_order")` hits any BillPro cancel.
/// [`pending`](Faults::pending) tells whether an armed fault was hit.
///
/// ```
/// # #[cfg(feature = "billpro")]
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use billkit::billpro::{NewCustomer, NewSingleOrder, OrderLine};
/// use billkit_sandbox::billpro::{BillProSandbox, SINGLE_PAYMENT_PRODUCT_ID};
/// use billkit_sandbox::FaultKind;
///
/// let sandbox = BillProSandbox::start().await?;
/// let client = sandbox.client()?;
/// let customer = client
///     .customers()
///     .create(&NewCustomer::new("Dana", "Borys", "dana@example.com"))
///     .await?;
/// // The next single-payment order is carried out and its answer lost;
/// // the lookups around it (GETs) are untouched.
/// sandbox.faults().on("POST", "/orders/create_single_order").lose_answer(1);
/// // The next two cancellations commit 2 s late, after a 1 s client has
/// // given up.
/// sandbox
///     .faults()
///     .on("PUT", "/orders/*/cancel_order")
///     .inject(2, FaultKind::LateCommit(Duration::from_secs(2)));
/// assert_eq!(sandbox.faults().pending(), 3);
///
/// let order = NewSingleOrder::new(customer.id, "GBP", "INV-7")
///     .product(OrderLine::new(SINGLE_PAYMENT_PRODUCT_ID));
/// // The answer is lost; the client finds the order by its invoice id.
/// let placed = client.orders().create_single_order(&order).await?;
/// assert_eq!(placed.invoice_id.as_deref(), Some("INV-7"));
/// // The create's fault was hit; the cancellations' are still armed.
/// assert_eq!(sandbox.faults().pending(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct Faults {
    state: Mutex<FaultState>,
}

/// A fault still armed, as [`Faults::armed`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArmedFault {
    /// The method aimed at; `None` for any.
    pub method: Option<Method>,
    /// The path aimed at (its segments, `*` for any one); `None` for any.
    pub path: Option<String>,
    /// What it does.
    pub kind: FaultKind,
    /// How many more requests it hits.
    pub left: u32,
}

/// Faults aimed at one method and path; from [`Faults::on`].
#[derive(Debug)]
pub struct AimedFaults<'a> {
    faults: &'a Faults,
    method: Option<Method>,
    path: Option<Vec<String>>,
}

impl AimedFaults<'_> {
    /// Arms `kind` for the next `n` requests aimed at.
    pub fn inject(&self, n: u32, kind: FaultKind) -> &Self {
        if n > 0 {
            self.faults.lock().rules.push(Rule {
                method: self.method.clone(),
                path: self.path.clone(),
                kind,
                left: n,
            });
        }
        self
    }

    /// Drops the connection of the next `n` requests, unanswered and not
    /// carried out.
    pub fn drop_connection(&self, n: u32) -> &Self {
        self.inject(n, FaultKind::Drop)
    }

    /// Carries out the next `n` requests and loses their answers.
    pub fn lose_answer(&self, n: u32) -> &Self {
        self.inject(n, FaultKind::LoseAnswer)
    }

    /// Answers the next `n` requests with `status`, not carrying them out.
    pub fn fail(&self, n: u32, status: u16) -> &Self {
        self.inject(n, FaultKind::Fail(status))
    }

    /// Carries out the next `n` requests, then answers `status` (a 502 or
    /// 503 from a proxy after the server committed).
    pub fn fail_after_commit(&self, n: u32, status: u16) -> &Self {
        self.inject(n, FaultKind::FailAfterCommit(status))
    }

    /// Answers the next `n` requests with 429 and `Retry-After: secs`.
    pub fn throttle(&self, n: u32, retry_after_secs: u64) -> &Self {
        self.inject(n, FaultKind::Throttle(retry_after_secs))
    }

    /// Cuts off the transfer of the next `n` answers halfway through the
    /// body and closes the connection ([`FaultKind::Truncate`]).
    pub fn truncate(&self, n: u32) -> &Self {
        self.inject(n, FaultKind::Truncate)
    }

    /// Sends the next `n` answers complete but with only the first half of
    /// their body ([`FaultKind::MalformedBody`]).
    pub fn malformed_body(&self, n: u32) -> &Self {
        self.inject(n, FaultKind::MalformedBody)
    }

    /// Carries out the next `n` requests at once and answers `delay` later.
    pub fn slow_answer(&self, n: u32, delay: Duration) -> &Self {
        self.inject(n, FaultKind::SlowAnswer(delay))
    }

    /// Carries out the next `n` requests only `delay` after they arrive,
    /// whether or not the client still waits.
    pub fn commit_late(&self, n: u32, delay: Duration) -> &Self {
        self.inject(n, FaultKind::LateCommit(delay))
    }
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Aims faults at requests with `method` (such as `"POST"`) whose path
    /// ends with `path` (segments; `*` matches any one).
    pub fn on(&self, method: &str, path: &str) -> AimedFaults<'_> {
        AimedFaults {
            faults: self,
            method: method.parse().ok(),
            path: Some(
                path.split('/')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
        }
    }

    /// Aims faults at every request.
    pub fn any(&self) -> AimedFaults<'_> {
        AimedFaults {
            faults: self,
            method: None,
            path: None,
        }
    }

    /// Delays every answer by `delay` (zero to stop), before the request is
    /// handled: a client that gives up first leaves nothing changed.
    pub fn set_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// Answers the next `n` requests, whatever they are, with `status`.
    pub fn fail_next(&self, n: u32, status: u16) {
        self.any().fail(n, status);
    }

    /// Answers the next `n` requests with 429 and `Retry-After: secs`.
    pub fn throttle_next(&self, n: u32, retry_after_secs: u64) {
        self.any().throttle(n, retry_after_secs);
    }

    /// Closes the connection of the next `n` requests without answering.
    pub fn drop_next(&self, n: u32) {
        self.any().drop_connection(n);
    }

    /// Carries out the next `n` requests, whatever they are, then closes
    /// the connection before answering. To hit only a create, aim it at
    /// its route, e.g. BillPro's
    /// `faults().on("POST", "/orders/create_single_order").lose_answer(1)`.
    pub fn lose_answer_next(&self, n: u32) {
        self.any().lose_answer(n);
    }

    /// Cuts off the transfer of the next `n` answers, whatever they are,
    /// halfway through the body ([`FaultKind::Truncate`]).
    pub fn truncate_next(&self, n: u32) {
        self.any().truncate(n);
    }

    /// Sends the next `n` answers, whatever they are, with only the first
    /// half of their body ([`FaultKind::MalformedBody`]).
    pub fn malformed_body_next(&self, n: u32) {
        self.any().malformed_body(n);
    }

    /// Removes every armed fault and the delay.
    pub fn clear(&self) {
        *self.lock() = FaultState::default();
    }

    /// The faults still armed, the one that would hit first first.
    pub fn armed(&self) -> Vec<ArmedFault> {
        self.lock()
            .rules
            .iter()
            .map(|r| ArmedFault {
                method: r.method.clone(),
                path: r.path.as_ref().map(|p| format!("/{}", p.join("/"))),
                kind: r.kind,
                left: r.left,
            })
            .collect()
    }

    /// How many faults are still armed (summed over their counts).
    pub fn pending(&self) -> u32 {
        self.lock().rules.iter().map(|r| r.left).sum()
    }

    fn take(&self, request: &SandboxRequest) -> (Duration, Option<FaultKind>) {
        let mut s = self.lock();
        let hit = s.rules.iter().position(|r| r.hits(request));
        let kind = hit.map(|i| {
            let rule = &mut s.rules[i];
            rule.left -= 1;
            let kind = rule.kind;
            if rule.left == 0 {
                s.rules.remove(i);
            }
            kind
        });
        (s.delay, kind)
    }
}

/// A hook run after each request the API handled.
type AfterHandled = Arc<dyn Fn() + Send + Sync>;

struct Shared {
    api: Box<dyn FakeApi>,
    faults: Faults,
    journal: Journal,
    clock: SandboxClock,
    after_handled: Mutex<Option<AfterHandled>>,
    served: AtomicU64,
    window: Mutex<Option<SlidingWindow>>,
    throttled: AtomicU64,
}

/// A server-side quota counted in sliding windows.
#[derive(Debug)]
struct SlidingWindow {
    limit: u32,
    window: Duration,
    seen: std::collections::VecDeque<tokio::time::Instant>,
}

impl SlidingWindow {
    /// Counts a request; `Some(retry_after)` when it is over the quota.
    fn admit(&mut self, now: tokio::time::Instant) -> Option<Duration> {
        while self
            .seen
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            self.seen.pop_front();
        }
        if self.seen.len() >= self.limit as usize {
            let oldest = self.seen.front().copied().unwrap_or(now);
            return Some(self.window.saturating_sub(now.duration_since(oldest)));
        }
        self.seen.push_back(now);
        None
    }
}

/// A fake API served over HTTP/1.1 on `127.0.0.1`; it stops when dropped.
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeServer")
            .field("url", &self.url())
            .field("requests_served", &self.requests_served())
            .finish()
    }
}

impl FakeServer {
    /// Serves `api` on an ephemeral loopback port. Needs a tokio runtime.
    pub async fn start(api: impl FakeApi) -> std::io::Result<FakeServer> {
        Self::start_on(LOOPBACK_ANY_PORT, api).await
    }

    /// Serves `api` on `addr` (port 0 for any free one). Needs a tokio
    /// runtime. A port in use is an error that names the address.
    pub async fn start_on(addr: SocketAddr, api: impl FakeApi) -> std::io::Result<FakeServer> {
        Self::start_with(addr, SandboxClock::new(), api).await
    }

    /// Serves `api` on `addr` (port 0 for any free one), stamping its
    /// journal with `clock`'s time.
    pub async fn start_with(
        addr: SocketAddr,
        clock: SandboxClock,
        api: impl FakeApi,
    ) -> std::io::Result<FakeServer> {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
                format!(
                    "port {} is in use: stop what listens there or choose another port (0 picks a free one)",
                    addr.port()
                )
            } else {
                e.to_string()
            };
            std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {hint}"))
        })?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            api: Box::new(api),
            faults: Faults::default(),
            journal: Journal::default(),
            clock,
            after_handled: Mutex::new(None),
            served: AtomicU64::new(0),
            window: Mutex::new(None),
            throttled: AtomicU64::new(0),
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(FakeServer { addr, shared, task })
    }

    /// The server's root URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The fault injector.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The requests received, with what was answered and any fault
    /// applied, credentials blanked ([`Journal`]).
    pub fn journal(&self) -> &Journal {
        &self.shared.journal
    }

    /// Runs `hook` after each request the API carried out (faulted
    /// requests not carried out excluded), before the answer is sent: a
    /// hook that saves the state makes every answered change durable.
    /// Replaces an earlier hook.
    pub fn after_handled(&self, hook: impl Fn() + Send + Sync + 'static) {
        *self
            .shared
            .after_handled
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(hook));
    }

    /// How many requests have been received (faulted ones included).
    pub fn requests_served(&self) -> u64 {
        self.shared.served.load(Ordering::Relaxed)
    }

    /// Answers 429 (with `Retry-After`) to every request past `limit` in
    /// any sliding `window`, whatever its credentials, as a server or proxy
    /// that counts in sliding windows does; `None` turns it off. Requests
    /// answered 429 do not count.
    pub fn sliding_rate_limit(&self, quota: Option<(u32, Duration)>) {
        *self.shared.window.lock().unwrap_or_else(|p| p.into_inner()) =
            quota.map(|(limit, window)| SlidingWindow {
                limit: limit.max(1),
                window,
                seen: std::collections::VecDeque::new(),
            });
    }

    /// How many requests the sliding rate limit answered with 429.
    pub fn throttled(&self) -> u64 {
        self.shared.throttled.load(Ordering::Relaxed)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let service = service_fn(move |req| serve_one(req, shared.clone()));
            // A connection ends with an error when a fault drops it; that is the point.
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(io, service)
                .await;
        });
    }
}

/// Stands for a dropped connection: hyper closes the socket without answering.
#[derive(Debug)]
struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

async fn serve_one(
    req: hyper::Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<hyper::Response<AnswerBody>, Dropped> {
    shared.served.fetch_add(1, Ordering::Relaxed);
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return Err(Dropped),
    };
    let request = SandboxRequest {
        method: parts.method.as_str().parse().unwrap_or(Method::GET),
        path: parts.uri.path().to_owned(),
        query: parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        headers: convert_headers(&parts.headers),
        body,
    };
    let over = shared
        .window
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_mut()
        .and_then(|w| w.admit(tokio::time::Instant::now()));
    if let Some(wait) = over {
        shared.throttled.fetch_add(1, Ordering::Relaxed);
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        shared
            .journal
            .record(&request, shared.clock.now(), Some(429), None);
        return Ok(to_hyper(
            SandboxResponse::text(429, "Too Many Requests")
                .with_header("Retry-After", secs.to_string()),
        ));
    }
    let at = shared.clock.now();
    let (delay, fault) = shared.faults.take(&request);
    let journaled = |status: Option<u16>| shared.journal.record(&request, at, status, fault);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let response = match fault {
        Some(FaultKind::Drop) => {
            journaled(None);
            return Err(Dropped);
        }
        Some(FaultKind::LoseAnswer) => {
            answer(&shared, &request);
            journaled(None);
            return Err(Dropped);
        }
        Some(FaultKind::Fail(status)) => failure_page(status),
        Some(FaultKind::FailAfterCommit(status)) => {
            answer(&shared, &request);
            failure_page(status)
        }
        Some(FaultKind::Throttle(secs)) => SandboxResponse::text(429, "Too Many Requests")
            .with_header("Retry-After", secs.to_string()),
        Some(FaultKind::Truncate) => {
            let r = answer(&shared, &request);
            journaled(Some(r.status));
            return Ok(cut_off(r));
        }
        Some(FaultKind::MalformedBody) => {
            let mut r = answer(&shared, &request);
            let keep = r.body.len() / 2;
            r.body.truncate(keep);
            r
        }
        Some(FaultKind::SlowAnswer(d)) => {
            let r = answer(&shared, &request);
            tokio::time::sleep(d).await;
            r
        }
        Some(FaultKind::LateCommit(d)) => {
            // A task of its own, so the commit happens even after the
            // client hangs up (which drops this future).
            let shared = shared.clone();
            let request = request.clone();
            let late = tokio::spawn(async move {
                tokio::time::sleep(d).await;
                answer(&shared, &request)
            });
            late.await.map_err(|_| Dropped)?
        }
        None => answer(&shared, &request),
    };
    journaled(Some(response.status));
    Ok(to_hyper(response))
}

/// Calls the fake, turning a panic into a 500 so one bad handler cannot take
/// the server down, then the after-handled hook, before anything is sent.
fn answer(shared: &Shared, request: &SandboxRequest) -> SandboxResponse {
    let response =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| shared.api.handle(request)))
            .unwrap_or_else(|_| SandboxResponse::text(500, "Internal Server Error"));
    let hook = shared
        .after_handled
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some(hook) = hook {
        // A hook that panics must not take the answer with it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook()));
    }
    response
}

fn failure_page(status: u16) -> SandboxResponse {
    if status == 500 {
        return SandboxResponse::text(500, "Internal Server Error");
    }
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    SandboxResponse::html(
        status,
        format!(
            "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        ),
    )
}

fn convert_headers(headers: &hyper::HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()),
            reqwest::header::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            out.append(n, v);
        }
    }
    out
}

fn to_hyper(r: SandboxResponse) -> hyper::Response<AnswerBody> {
    let body = AnswerBody::Whole(Full::new(Bytes::from(r.body)));
    build(r.status, &r.headers, body)
}

/// The answer with the whole body's `Content-Length` but only its first
/// half, then an error that makes hyper close the connection mid-body.
fn cut_off(r: SandboxResponse) -> hyper::Response<AnswerBody> {
    // An empty body is cut off by declaring one byte and sending none.
    let declared = r.body.len().max(1);
    let mut headers: Vec<(String, String)> = r
        .headers
        .into_iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
        .collect();
    headers.push(("Content-Length".to_owned(), declared.to_string()));
    let mut body = r.body;
    body.truncate(body.len() / 2);
    build(
        r.status,
        &headers,
        AnswerBody::Cut(Cut::Send(Bytes::from(body))),
    )
}

fn build(
    status: u16,
    headers: &[(String, String)],
    body: AnswerBody,
) -> hyper::Response<AnswerBody> {
    let mut builder = hyper::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(body).unwrap_or_else(|_| {
        let mut fallback = hyper::Response::new(AnswerBody::Whole(Full::new(Bytes::from_static(
            b"sandbox built an invalid response",
        ))));
        *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}

/// A fake's answer body: whole, or cut off after its first part. A cut
/// body's length is unknown to hyper, which therefore declares the
/// `Content-Length` header it was given.
enum AnswerBody {
    Whole(Full<Bytes>),
    Cut(Cut),
}

/// Where a cut-off body is.
enum Cut {
    /// The part to send.
    Send(Bytes),
    /// Sent: wait one turn, so that hyper writes out what it buffered.
    Flush,
    /// Fail, so that hyper closes the connection short of the length.
    Fail,
}

impl hyper::body::Body for AnswerBody {
    type Data = Bytes;
    type Error = Dropped;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Dropped>>> {
        match self.get_mut() {
            AnswerBody::Whole(full) => std::pin::Pin::new(full)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            AnswerBody::Cut(cut) => match std::mem::replace(cut, Cut::Fail) {
                Cut::Send(data) => {
                    *cut = Cut::Flush;
                    std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(data))))
                }
                Cut::Flush => {
                    // hyper flushes its buffer when the body is not ready.
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                }
                Cut::Fail => std::task::Poll::Ready(Some(Err(Dropped))),
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            AnswerBody::Whole(full) => full.is_end_stream(),
            AnswerBody::Cut(_) => false,
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self {
            AnswerBody::Whole(full) => full.size_hint(),
            AnswerBody::Cut(_) => hyper::body::SizeHint::default(),
        }
    }
}
