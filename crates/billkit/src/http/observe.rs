//! Seeing every call: the [`Hook`]s a transport calls as a call goes, the
//! redacting views they read requests and responses through, a ready-made
//! JSON Lines [`AuditLog`], and (feature `metrics`) counters and histograms
//! through the `metrics` facade.
//!
//! A hook sees the route template (`/invoices/{id}`), never the filled
//! path, and sees headers, query and bodies only through views that blank
//! credentials and secret fields, so an audit trail cannot leak a token.

use std::borrow::Cow;
use std::fmt;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use super::{AttemptFailure, Body, Decision, HeaderMap, Method, StatusCode, StopReason};
use crate::error::Outcome;

/// What stands in for a secret in every view.
pub const REDACTED: &str = "[REDACTED]";

/// Header names whose whole value is a credential.
const SECRET_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// Parts of a header, query or field name that mark its value as a secret
/// (so a new credential field is blanked before anyone lists it).
const SECRET_PARTS: [&str; 9] = [
    "token",
    "secret",
    "password",
    "api_key",
    "apikey",
    "api-key",
    "processor_key",
    "funding_instrument",
    "card",
];

/// Exact names of secret fields no part above catches.
const SECRET_FIELDS: [&str; 3] = ["cvv", "cvc", "pin"];

/// Whether a header, query or body field name holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_HEADERS.contains(&name.as_str())
        || SECRET_FIELDS.contains(&name.as_str())
        || SECRET_PARTS.iter().any(|part| name.contains(part))
}

/// The response headers a server names its request id in, most common
/// first: the first one present is the id.
pub const REQUEST_ID_HEADERS: [&str; 6] = [
    "x-request-id",
    "request-id",
    "x-correlation-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "cf-ray",
];

/// The longest request id kept; a longer header is cut (a hostile server
/// cannot make every error hold a megabyte).
const MAX_REQUEST_ID: usize = 128;

/// The request id a response carries ([`REQUEST_ID_HEADERS`]), if any.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS.iter().find_map(|name| {
        let value = headers.get(*name)?.to_str().ok()?.trim();
        if value.is_empty() {
            return None;
        }
        let mut end = value.len().min(MAX_REQUEST_ID);
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        Some(&value[..end])
    })
}

/// What every event says about its call.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CallInfo<'a> {
    /// The API's name, as its dialect gives it (`BillPro`, `Billmora`,
    /// `Billy`, `HTTP` for the generic one).
    pub api: &'static str,
    /// The request's method.
    pub method: &'a Method,
    /// The route template, e.g. `/invoices/{id}`: never the filled path,
    /// which holds ids and keys.
    pub route: &'static str,
}

/// Before an attempt is sent (after any rate-limit wait).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AttemptEvent<'a> {
    /// The call.
    pub call: CallInfo<'a>,
    /// The attempt, from 1.
    pub attempt: u32,
    /// When, by the transport's clock.
    pub at: SystemTime,
    /// The request's query and body, secrets blanked.
    pub request: RequestView<'a>,
}

/// After an attempt: its answer, or why none came.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ResponseEvent<'a> {
    /// The call.
    pub call: CallInfo<'a>,
    /// The attempt, from 1.
    pub attempt: u32,
    /// When, by the transport's clock.
    pub at: SystemTime,
    /// The status, when an answer's head arrived.
    pub status: Option<StatusCode>,
    /// What went wrong, as OpenTelemetry's `error.type` names it: the
    /// status code for a failure status (`"503"`), else `timeout`,
    /// `connect`, `connection`, `body_read`, `response_too_large` or
    /// `request`; `None` for a success.
    pub error_type: Option<&'a str>,
    /// How long the attempt took, by the transport's clock.
    pub elapsed: Duration,
    /// The request id the server returned ([`REQUEST_ID_HEADERS`]).
    pub request_id: Option<&'a str>,
    /// The answer's headers and body, secrets blanked; `None` when no
    /// answer came.
    pub response: Option<ResponseView<'a>>,
}

/// After a failed attempt: whether the call sends it again.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RetryEvent<'a> {
    /// The call.
    pub call: CallInfo<'a>,
    /// The attempt that failed, from 1.
    pub attempt: u32,
    /// When, by the transport's clock.
    pub at: SystemTime,
    /// How it failed, as the retry policy saw it.
    pub failure: AttemptFailure,
    /// What the retry policy decided.
    pub decision: Decision,
    /// Whether the failed attempt took effect on the server.
    pub outcome: Outcome,
}

/// Which limiter granted or refused a send slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimiterKind {
    /// This process's own limiter.
    Local,
    /// The limiter shared through Redis (feature `redis`).
    Shared,
    /// This process's limiter, standing in for an unreachable shared one.
    LocalFallback,
}

impl LimiterKind {
    /// The name the audit log and the metrics use: `local`, `shared`,
    /// `local_fallback`.
    pub fn as_str(self) -> &'static str {
        match self {
            LimiterKind::Local => "local",
            LimiterKind::Shared => "shared",
            LimiterKind::LocalFallback => "local_fallback",
        }
    }
}

/// A rate-limit wait: before the transport sleeps for a slot, or when it
/// gives up because the wait is longer than the call allows.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RateLimitEvent<'a> {
    /// The call.
    pub call: CallInfo<'a>,
    /// The attempt about to be sent, from 1.
    pub attempt: u32,
    /// When, by the transport's clock.
    pub at: SystemTime,
    /// How long the slot is away.
    pub wait: Duration,
    /// Which limiter answered.
    pub limiter: LimiterKind,
    /// Whether the slot was taken (`false`: the wait is longer than the
    /// call may wait, and nothing is sent).
    pub granted: bool,
}

/// The shared rate-limit store could not be used and this process's own
/// limiter stands in (feature `redis`, [`StoreFailure`](super::StoreFailure)
/// not `FailClosed`).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct FallbackEvent<'a> {
    /// The call.
    pub call: CallInfo<'a>,
    /// The attempt about to be sent, from 1.
    pub attempt: u32,
    /// When, by the transport's clock.
    pub at: SystemTime,
    /// Why the store could not be used (it names no credential).
    pub reason: &'a str,
}

/// Called by a transport as each call goes, to log, audit or count it.
///
/// Attempts are counted within one sending of a request. A create whose
/// outcome is unknown is looked up (a read, with its own events), then the
/// create-level decision is reported (`on_retry_decision` with the
/// create's route), and a create sent again starts again at attempt 1.
///
/// Every method has an empty default: implement the ones you need. They
/// run on the task that makes the call, in order, and must not block for
/// long (write to a buffer or a channel). Install with
/// [`Config::hook`](super::Config::hook) or a client builder's `hook`;
/// several hooks are called in the order installed.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use billkit::http::{Hook, ResponseEvent};
///
/// #[derive(Default)]
/// struct Count429(AtomicU64);
///
/// impl Hook for Count429 {
///     fn after_response(&self, event: &ResponseEvent<'_>) {
///         if event.status.is_some_and(|s| s.as_u16() == 429) {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
/// let counter = Arc::new(Count429::default());
/// let config = billkit::http::Config::new().hook(counter.clone());
/// # let _ = config;
/// ```
pub trait Hook: Send + Sync + 'static {
    /// Before each attempt is sent.
    fn before_attempt(&self, _event: &AttemptEvent<'_>) {}
    /// After each attempt, with its answer or why none came.
    fn after_response(&self, _event: &ResponseEvent<'_>) {}
    /// After each failed attempt, with the retry decision.
    fn on_retry_decision(&self, _event: &RetryEvent<'_>) {}
    /// Before each rate-limit wait, and when a wait is refused.
    fn on_rate_limit_wait(&self, _event: &RateLimitEvent<'_>) {}
    /// When the shared rate limit falls back to this process's limiter.
    fn on_shared_limit_fallback(&self, _event: &FallbackEvent<'_>) {}
}

/// A request as hooks see it: query and body with secret fields blanked.
/// The headers billkit sends are fixed (`Accept`, `User-Agent`,
/// `Content-Type`, and the credential, which no view shows).
#[derive(Clone, Copy)]
pub struct RequestView<'a> {
    pub(crate) query: &'a [(Cow<'static, str>, String)],
    pub(crate) default_query: &'a [(String, String)],
    pub(crate) body: &'a Body,
}

impl fmt::Debug for RequestView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestView")
            .field("query", &self.query())
            .field("body", &self.body())
            .finish()
    }
}

impl RequestView<'_> {
    /// The query pairs (the client's default ones first), secret values
    /// blanked.
    pub fn query(&self) -> Vec<(String, String)> {
        self.default_query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(self.query.iter().map(|(k, v)| (k.as_ref(), v.as_str())))
            .map(|(k, v)| (k.to_owned(), redact_value(k, v)))
            .collect()
    }

    /// The body as text (JSON, or a form encoded), secret fields blanked;
    /// `None` for no body.
    pub fn body(&self) -> Option<String> {
        match self.body {
            Body::Empty => None,
            Body::Json(bytes) => Some(redact_json_text(bytes)),
            Body::Form(pairs) => Some(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs.iter().map(|(k, v)| (k, redact_value(k, v))))
                    .finish(),
            ),
        }
    }
}

/// An answer as hooks see it: headers and body with secrets blanked.
#[derive(Clone, Copy)]
pub struct ResponseView<'a> {
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

impl fmt::Debug for ResponseView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseView")
            .field("headers", &self.headers())
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl ResponseView<'_> {
    /// The headers, credentials and cookies blanked.
    pub fn headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| {
                let text = String::from_utf8_lossy(v.as_bytes());
                (k.as_str().to_owned(), redact_value(k.as_str(), &text))
            })
            .collect()
    }

    /// The body as text: JSON with secret fields blanked, a form with
    /// secret fields blanked, other text as sent (cut to
    /// [`MAX_RAW_BODY`](crate::error::MAX_RAW_BODY) bytes).
    pub fn body(&self) -> String {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return String::new();
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(self.body).is_ok() {
            return redact_json_text(self.body);
        }
        let text = String::from_utf8_lossy(self.body);
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        // Text that reads as a form naming a secret field is blanked as
        // one, so a secret cannot slip through as plain text.
        if pairs.iter().any(|(k, _)| is_secret_name(k)) {
            return url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter().map(|(k, v)| (k, redact_value(k, v))))
                .finish();
        }
        crate::error::truncate(&text, crate::error::MAX_RAW_BODY)
    }
}

fn redact_value(name: &str, value: &str) -> String {
    if is_secret_name(name) {
        REDACTED.to_owned()
    } else {
        value.to_owned()
    }
}

fn redact_json_text(bytes: &[u8]) -> String {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) => {
            redact_json(&mut value);
            value.to_string()
        }
        // billkit only sends JSON it serialized; an answer that is not
        // JSON is not shown rather than shown unredacted.
        Err(_) => format!("[{} bytes, not JSON]", bytes.len()),
    }
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_name(key) {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// A [`Hook`] that writes one JSON object per line (JSON Lines) for every
/// event, to any writer: a file, stderr, a buffer.
///
/// Every line has `event` (`attempt`, `response`, `retry`,
/// `rate_limit_wait`, `shared_limit_fallback`), `at` (RFC 3339, the
/// transport's clock), `api`, `method`, `route` (the template, never the
/// filled path) and `attempt`; then by event:
///
/// | event | fields |
/// |---|---|
/// | `attempt` | `query` (pairs, secrets blanked); `body` with [`with_bodies`](Self::with_bodies) |
/// | `response` | `status` (or `null`), `error_type`, `elapsed_ms`, `request_id`; `body` with `with_bodies` |
/// | `retry` | `decision` (`retry`/`stop`), `delay_ms` (a retry's wait), `stop_reason`, `outcome` (`applied`, `not_applied`, `unknown`) |
/// | `rate_limit_wait` | `wait_ms`, `limiter` (`local`, `shared`, `local_fallback`), `granted` |
/// | `shared_limit_fallback` | `reason` |
///
/// These names are stable; new fields may be added. A line that cannot
/// be written is dropped (the call goes on).
///
/// ```
/// # #[cfg(feature = "billmora")] {
/// use std::sync::Arc;
/// let log = billkit::http::AuditLog::new(std::io::stderr());
/// let client = billkit::billmora::Client::builder()
///     .base_url("https://billing.example.com")
///     .token("token")
///     .hook(Arc::new(log))
///     .build()?;
/// # }
/// # Ok::<(), billkit::Error>(())
/// ```
pub struct AuditLog {
    out: Mutex<Box<dyn Write + Send>>,
    bodies: bool,
}

impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog")
            .field("bodies", &self.bodies)
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// An audit log writing to `out`, without bodies.
    pub fn new(out: impl Write + Send + 'static) -> Self {
        AuditLog {
            out: Mutex::new(Box::new(out)),
            bodies: false,
        }
    }

    /// Also logs request and response bodies (secret fields blanked):
    /// a full trail, at the cost of larger lines.
    pub fn with_bodies(mut self, bodies: bool) -> Self {
        self.bodies = bodies;
        self
    }

    fn write(&self, kind: &str, call: &CallInfo<'_>, attempt: u32, at: SystemTime, more: Value) {
        let mut line = Map::new();
        line.insert("event".into(), kind.into());
        line.insert(
            "at".into(),
            chrono::DateTime::<chrono::Utc>::from(at)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                .into(),
        );
        line.insert("api".into(), call.api.into());
        line.insert("method".into(), call.method.as_str().into());
        line.insert("route".into(), call.route.into());
        line.insert("attempt".into(), attempt.into());
        if let Value::Object(more) = more {
            line.extend(more);
        }
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        // An audit line that cannot be written must not fail the payment.
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The names the audit log gives a stop reason.
pub(crate) fn stop_reason_name(reason: StopReason) -> &'static str {
    match reason {
        StopReason::NotRetryable => "not_retryable",
        StopReason::AttemptsSpent => "attempts_spent",
        StopReason::WaitTooLong(_) => "wait_too_long",
        StopReason::BudgetSpent => "budget_spent",
        StopReason::PastDeadline => "past_deadline",
    }
}

impl Hook for AuditLog {
    fn before_attempt(&self, e: &AttemptEvent<'_>) {
        let mut more = json!({ "query": e.request.query() });
        if self.bodies {
            more["body"] = e.request.body().into();
        }
        self.write("attempt", &e.call, e.attempt, e.at, more);
    }

    fn after_response(&self, e: &ResponseEvent<'_>) {
        let mut more = json!({
            "status": e.status.map(|s| s.as_u16()),
            "error_type": e.error_type,
            "elapsed_ms": millis(e.elapsed),
            "request_id": e.request_id,
        });
        if self.bodies {
            more["body"] = e.response.map(|r| r.body()).into();
        }
        self.write("response", &e.call, e.attempt, e.at, more);
    }

    fn on_retry_decision(&self, e: &RetryEvent<'_>) {
        let (decision, delay, reason) = match e.decision {
            Decision::Retry(delay) => ("retry", Some(millis(delay)), None),
            Decision::Stop(why) => ("stop", None, Some(stop_reason_name(why))),
        };
        let more = json!({
            "decision": decision,
            "delay_ms": delay,
            "stop_reason": reason,
            "outcome": e.outcome.as_str(),
        });
        self.write("retry", &e.call, e.attempt, e.at, more);
    }

    fn on_rate_limit_wait(&self, e: &RateLimitEvent<'_>) {
        let more = json!({
            "wait_ms": millis(e.wait),
            "limiter": e.limiter.as_str(),
            "granted": e.granted,
        });
        self.write("rate_limit_wait", &e.call, e.attempt, e.at, more);
    }

    fn on_shared_limit_fallback(&self, e: &FallbackEvent<'_>) {
        let more = json!({ "reason": e.reason });
        self.write("shared_limit_fallback", &e.call, e.attempt, e.at, more);
    }
}

/// Counters and histograms through the `metrics` facade (feature
/// `metrics`). Names and labels are listed in the crate docs.
#[cfg(feature = "metrics")]
pub(crate) mod meter {
    use std::time::Duration;

    use super::{LimiterKind, Method, StatusCode};

    /// A method as a label: the standard ones by name, anything else
    /// `OTHER` (a label set must stay small).
    fn method_label(method: &Method) -> &'static str {
        match *method {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::DELETE => "DELETE",
            Method::PATCH => "PATCH",
            Method::HEAD => "HEAD",
            Method::OPTIONS => "OPTIONS",
            _ => "OTHER",
        }
    }

    fn status_class(status: Option<StatusCode>) -> &'static str {
        match status.map(|s| s.as_u16() / 100) {
            Some(1) => "1xx",
            Some(2) => "2xx",
            Some(3) => "3xx",
            Some(4) => "4xx",
            Some(5) => "5xx",
            _ => "none",
        }
    }

    /// One attempt ended (a request went out).
    pub(crate) fn attempt(
        api: &'static str,
        route: &'static str,
        method: &Method,
        status: Option<StatusCode>,
        elapsed: Duration,
    ) {
        let method = method_label(method);
        let labels = [
            ("api", api),
            ("route", route),
            ("method", method),
            ("status_class", status_class(status)),
        ];
        metrics::counter!("billkit_requests_total", &labels).increment(1);
        metrics::histogram!("billkit_request_duration_seconds", &labels)
            .record(elapsed.as_secs_f64());
        if status == Some(StatusCode::TOO_MANY_REQUESTS) {
            metrics::counter!("billkit_throttled_total", "api" => api, "route" => route, "method" => method)
                .increment(1);
        }
    }

    /// A failed attempt is sent again.
    pub(crate) fn retry(api: &'static str, route: &'static str, method: &Method) {
        metrics::counter!("billkit_retries_total", "api" => api, "route" => route, "method" => method_label(method))
            .increment(1);
    }

    /// A rate-limit wait begins.
    pub(crate) fn rate_limit_wait(api: &'static str, limiter: LimiterKind, wait: Duration) {
        let labels = [("api", api), ("limiter", limiter.as_str())];
        metrics::counter!("billkit_rate_limit_waits_total", &labels).increment(1);
        metrics::histogram!("billkit_rate_limit_wait_seconds", &labels).record(wait.as_secs_f64());
    }

    /// The shared limiter fell back to this process's.
    pub(crate) fn shared_limit_fallback(api: &'static str) {
        metrics::counter!("billkit_shared_limit_fallbacks_total", "api" => api).increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn secret_names_are_caught_by_part_and_by_name() {
        for name in [
            "Authorization",
            "Set-Cookie",
            "X-Api-Key",
            "access_token",
            "api_key",
            "password_confirmation",
            "card_number",
            "cvv",
            "client_secret",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["amount", "currency", "page", "x-request-id", "content-type"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn the_first_request_id_header_present_is_kept_and_cut_when_long() {
        let mut headers = HeaderMap::new();
        assert_eq!(request_id(&headers), None);
        headers.insert("cf-ray", HeaderValue::from_static("8a1b-LHR"));
        assert_eq!(request_id(&headers), Some("8a1b-LHR"));
        headers.insert("x-request-id", HeaderValue::from_static("req_42"));
        assert_eq!(request_id(&headers), Some("req_42"));
        let long = "a".repeat(400);
        headers.insert("x-request-id", HeaderValue::from_str(&long).unwrap());
        assert_eq!(request_id(&headers).map(str::len), Some(MAX_REQUEST_ID));
    }

    #[test]
    fn response_bodies_are_blanked_as_json_and_as_forms() {
        let headers = HeaderMap::new();
        let view = |body: &'static [u8]| {
            ResponseView {
                headers: &headers,
                body,
            }
            .body()
        };
        assert_eq!(
            view(br#"{"data":{"api_key":"k-1","name":"Acme"}}"#),
            r#"{"data":{"api_key":"[REDACTED]","name":"Acme"}}"#
        );
        assert_eq!(view(b"token=t-1&x=2"), "token=%5BREDACTED%5D&x=2");
        assert_eq!(view(b"plain text"), "plain text");
    }
}
