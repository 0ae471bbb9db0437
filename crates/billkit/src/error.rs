//! The one error type.
//!
//! Every failure comes back as an [`Error`]. A server's refusal is
//! [`Error::Api`], which keeps the status, the parsed body when it has one
//! of the known shapes ([`ApiErrorBody`]), the raw body (truncated), the
//! `Retry-After` delay, the method and path (never a credential) and how many
//! attempts were made. The predicates ([`Error::status`],
//! [`Error::is_retryable`], [`Error::validation_errors`], ...) answer the
//! usual questions without a `match`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};

use crate::http::{Dialect, GenericDialect};

/// `Result` with billkit's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How much of a response body an error keeps.
pub const MAX_RAW_BODY: usize = 4096;

/// Everything that can go wrong when calling an API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success status.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The request could not be sent or its response could not be read
    /// (connection refused, DNS failure, TLS error, connection reset).
    #[error("{method} {path}: {} after {attempts} attempt(s): {source}", describe_transport(.source))]
    #[non_exhaustive]
    Transport {
        /// The request's method.
        method: Method,
        /// The request's path (without query).
        path: String,
        /// How many attempts were made.
        attempts: u32,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },

    /// The answer's head arrived (with `status`) but its body could not be
    /// read: the connection broke or the body was cut short.
    #[error(
        "{method} {path}: the {status} answer was cut off after {attempts} attempt(s): {source}"
    )]
    #[non_exhaustive]
    BodyRead {
        /// The request's method.
        method: Method,
        /// The request's path (without query).
        path: String,
        /// The status the answer came with.
        status: StatusCode,
        /// How many attempts were made.
        attempts: u32,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
        /// The id the server gave the request, when the answer's head
        /// named one ([`Error::request_id`]).
        request_id: Option<String>,
    },

    /// A create whose outcome is unknown (see [`Outcome::Unknown`]) and that
    /// was not sent again, because nothing proved that doing so could not
    /// make a second record. Look the record up by `key` before creating it
    /// again: it may exist. The key says when the create was first sent
    /// ([`LookupKey::sent_at`]), so the lookup can start there: each API's
    /// `find_by_*_since` lookups cannot miss a record however many were
    /// created after it.
    #[error(
        "{source}; it may have taken effect: look it up by {key} before sending it again{}",
        sent_note(key)
    )]
    #[non_exhaustive]
    MayHaveLanded {
        /// The merchant key the record can be found by, and when the create
        /// was first sent.
        key: LookupKey,
        /// What ended the call.
        source: Box<Error>,
    },

    /// An attempt or the whole call ran out of time.
    #[error(
        "{method} {path}: {kind} after {attempts} attempt(s); raise the timeout or try again later"
    )]
    #[non_exhaustive]
    Timeout {
        /// The request's method.
        method: Method,
        /// The request's path (without query).
        path: String,
        /// How many attempts were made.
        attempts: u32,
        /// Which limit was reached.
        kind: TimeoutKind,
    },

    /// A success response whose body is not what the API documents.
    #[error(transparent)]
    Decode(Box<DecodeError>),

    /// Nothing was sent: the rate limit (the client's quota, or a server's
    /// earlier `Retry-After`) allows the next request only after `wait`,
    /// longer than the call's deadline or the retry policy's `max_wait`.
    #[error(
        "{method} {path}: not sent: the rate limit allows the next request in {}s, later than this call may wait; try again later",
        wait.as_secs()
    )]
    #[non_exhaustive]
    RateLimited {
        /// The request's method.
        method: Method,
        /// The request's path (without query).
        path: String,
        /// How many attempts were made before (0 when none was).
        attempts: u32,
        /// How long the call would have had to wait.
        wait: Duration,
    },

    /// Nothing was sent: the shared rate-limit store (Redis) could not be
    /// reached and the client is set to fail closed
    /// ([`StoreFailure::FailClosed`](crate::http::StoreFailure)).
    #[error(
        "not sent: the shared rate limit store could not be reached ({0}); check Redis, or let the client fall back to its own limiter"
    )]
    RateLimitStore(String),

    /// A success response's body was larger than the client's cap
    /// (`max_response_bytes`); it was not read.
    #[error(
        "{method} {path}: the {status} response body is larger than the {limit}-byte cap; raise max_response_bytes if the server really sends that much"
    )]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The request's method.
        method: Method,
        /// The request's path (without query).
        path: String,
        /// The response's status.
        status: StatusCode,
        /// The cap, in bytes.
        limit: usize,
        /// The id the server gave the request, when the answer's head
        /// named one ([`Error::request_id`]).
        request_id: Option<String>,
    },

    /// The caller's input was refused before anything was sent.
    #[error("invalid input: {field}: {message}")]
    #[non_exhaustive]
    InvalidInput {
        /// The field (or parameter) at fault, as the API names it.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },

    /// A client could not be built from its settings.
    #[error("configuration error: {0}")]
    Config(String),

    /// A list walk was stopped because the server misbehaved.
    #[error("{method} {path}: pagination stopped at {position}: {kind}")]
    #[non_exhaustive]
    Pagination {
        /// The request's method.
        method: Method,
        /// The request's path (without query).
        path: String,
        /// Where the walk stopped (page number or offset).
        position: String,
        /// Why it stopped.
        kind: PaginationErrorKind,
    },
}

fn describe_transport(e: &reqwest::Error) -> &'static str {
    if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "could not read the response"
    } else {
        "transport failure"
    }
}

/// What happened to a request that failed: whether it took effect on the
/// server. It answers "did my payment go through?" and is not the same
/// question as [`Error::is_retryable`].
///
/// ```
/// use billkit::{Error, Outcome};
/// let e = Error::invalid_input("amount", "must be at least 50 cents");
/// assert_eq!(e.outcome(), Outcome::NotApplied);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// It did not take effect: it was never sent, or the server refused it
    /// (4xx), or it only read. Sending it again cannot make a duplicate.
    NotApplied,
    /// The server carried it out (it answered with a success status), but
    /// the answer could not be read; the error keeps the raw body and the
    /// record's id when one can be read from it.
    Applied,
    /// It may or may not have taken effect: the connection broke, a time
    /// limit passed or a 5xx came back after it was sent. Find out before
    /// sending it again ([`Error::lookup_key`] says by what, when known).
    Unknown,
}

impl Outcome {
    /// Its name in audit logs and traces: `not_applied`, `applied`,
    /// `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NotApplied => "not_applied",
            Outcome::Applied => "applied",
            Outcome::Unknown => "unknown",
        }
    }
}

/// A merchant key a record can be looked up by, e.g. `invoice_id = INV-42`,
/// and when the create that carried it was first sent.
///
/// The time matters because a lookup that reads only where a new record
/// can be must know what "new" means: a record created by that create is
/// no older than [`sent_at`](Self::sent_at) (give or take the difference
/// between the client's and the server's clocks).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LookupKey {
    field: &'static str,
    value: String,
    sent_at: Option<DateTime<Utc>>,
}

impl LookupKey {
    /// A key: the field as the API names it, and its value.
    pub fn new(field: &'static str, value: impl Into<String>) -> Self {
        LookupKey {
            field,
            value: value.into(),
            sent_at: None,
        }
    }

    /// The same key, noting when the create was first sent (by the client's
    /// clock). A create sent through the client notes it itself.
    pub fn with_sent_at(mut self, at: DateTime<Utc>) -> Self {
        self.sent_at = Some(at);
        self
    }

    /// The field, as the API names it (`invoice_id`, `external_id`, `email`).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// When the create was first sent, by the client's clock (the one given
    /// to the client builder, the system clock by default): the record, if
    /// it exists, was created no earlier, give or take clock skew. Always
    /// set on the key of an [`Error::MayHaveLanded`].
    pub fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.sent_at
    }
}

impl fmt::Display for LookupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {:?}", self.field, self.value)
    }
}

/// Where a lookup may start, for the message of [`Error::MayHaveLanded`].
fn sent_note(key: &LookupKey) -> String {
    match key.sent_at {
        Some(at) => format!(
            " (first sent at {}: a record it made is no older, so a lookup may start there)",
            at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ),
        None => String::new(),
    }
}

/// Which time limit ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Connecting took longer than the connect timeout.
    Connect,
    /// One attempt took longer than the per-attempt timeout.
    Attempt,
    /// The overall deadline of the call passed.
    Deadline,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect timed out",
            TimeoutKind::Attempt => "attempt timed out",
            TimeoutKind::Deadline => "overall deadline passed",
        })
    }
}

/// Why a list walk was stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationErrorKind {
    /// The server sent the same page twice in a row.
    RepeatedPage,
    /// The walk reached its page cap without an end in sight.
    TooManyPages {
        /// The cap that was reached.
        max_pages: u32,
    },
    /// A page came out of the list's order while a walk resumed by key,
    /// which could then skip items it never yielded.
    OutOfOrder,
}

impl fmt::Display for PaginationErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaginationErrorKind::RepeatedPage => f.write_str(
                "the server sent the same page twice; it may be ignoring the page parameter",
            ),
            PaginationErrorKind::TooManyPages { max_pages } => write!(
                f,
                "more than {max_pages} pages; raise max_pages if the list really is that long"
            ),
            PaginationErrorKind::OutOfOrder => f.write_str(
                "a page is out of the list's order, so the resumed walk cannot tell what it already yielded",
            ),
        }
    }
}

/// A non-success answer from the server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    pub(crate) dialect: Arc<dyn Dialect>,
    pub(crate) summary: Option<String>,
    pub(crate) status: StatusCode,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) body: ApiErrorBody,
    pub(crate) raw_body: String,
    pub(crate) content_type: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) attempts: u32,
    pub(crate) before_handler: BeforeHandler,
    pub(crate) request_id: Option<String>,
}

/// What the answering API's rules say about where a refusal came from:
/// whether it was given before the server's handler ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum BeforeHandler {
    /// Nothing to say (a read, or a refusal that is not a 429).
    #[default]
    Unstated,
    /// The API's source shows this answer comes before its handler: nothing
    /// was carried out.
    Shown,
    /// A 429 to a request that changes something, from an API where nothing
    /// shows the 429 comes first; billkit did not send it again.
    NotShown,
}

impl ApiError {
    /// Builds an error from a response: the body is parsed into one of the
    /// known shapes and kept raw (truncated to [`MAX_RAW_BODY`] bytes).
    pub fn from_response(
        method: Method,
        path: impl Into<String>,
        status: StatusCode,
        content_type: Option<String>,
        body: &[u8],
        retry_after: Option<Duration>,
        attempts: u32,
    ) -> Self {
        Self::from_response_in(
            Arc::new(GenericDialect),
            method,
            path,
            status,
            content_type,
            body,
            retry_after,
            attempts,
        )
    }

    /// The same error as the API `dialect` answered it: its body read by
    /// that API's rules, and its predicates ([`Error::is_not_found`], …)
    /// answered by them. The body is read again from what the error kept
    /// ([`raw_body`](Self::raw_body), at most [`MAX_RAW_BODY`] bytes).
    ///
    /// ```
    /// use billkit::ApiError;
    /// use billkit::http::{Method, StatusCode};
    /// let err = ApiError::from_response(
    ///     Method::POST, "/v1/customers", StatusCode::CONFLICT, None, b"", None, 1,
    /// )
    /// .in_dialect(billkit::http::GenericDialect);
    /// assert_eq!(err.api(), "HTTP");
    /// ```
    pub fn in_dialect(self, dialect: impl Dialect) -> Self {
        let dialect: Arc<dyn Dialect> = Arc::new(dialect);
        let parsed = ApiErrorBody::parse_in(&*dialect, &self.raw_body);
        ApiError {
            summary: summarize(&parsed),
            body: parsed,
            dialect,
            ..self
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_response_in(
        dialect: Arc<dyn Dialect>,
        method: Method,
        path: impl Into<String>,
        status: StatusCode,
        content_type: Option<String>,
        body: &[u8],
        retry_after: Option<Duration>,
        attempts: u32,
    ) -> Self {
        let text = String::from_utf8_lossy(body);
        let parsed = ApiErrorBody::parse_in(&*dialect, &text);
        ApiError {
            dialect,
            summary: summarize(&parsed),
            status,
            method,
            path: path.into(),
            body: parsed,
            raw_body: truncate(&text, MAX_RAW_BODY),
            content_type,
            retry_after,
            attempts,
            before_handler: BeforeHandler::Unstated,
            request_id: None,
        }
    }

    /// The id the server gave the request (`x-request-id`, `request-id`,
    /// `cf-ray`, ...: [`REQUEST_ID_HEADERS`](crate::http::REQUEST_ID_HEADERS)),
    /// to quote to the API's support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request's path, without query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The body, parsed into one of the known shapes.
    pub fn body(&self) -> &ApiErrorBody {
        &self.body
    }

    /// The body as sent, truncated to [`MAX_RAW_BODY`] bytes.
    pub fn raw_body(&self) -> &str {
        &self.raw_body
    }

    /// The response's `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The delay the server asked for in `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// How many attempts were made before giving up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether the answering API's rules show that this refusal was given
    /// before the server's handler ran, so nothing of the request was
    /// carried out ([`Dialect::refused_before_handler`]). `false` says
    /// nothing either way.
    pub fn refused_before_handler(&self) -> bool {
        self.before_handler == BeforeHandler::Shown
    }

    /// The server's message in one short line, when the body carries one:
    /// the title of an HTML error page, the sentence of a text page that
    /// says what is wrong ("No such plan PL…"), at most 200 bytes.
    /// The whole body is in [`raw_body`](Self::raw_body).
    pub fn message(&self) -> Option<&str> {
        self.summary.as_deref()
    }

    /// The name of the API that answered ([`Dialect::name`]; `"HTTP"`
    /// for an error built without one). Its rules decide
    /// [`Error::is_not_found`] and the other predicates.
    pub fn api(&self) -> &'static str {
        self.dialect.name()
    }

    /// The rules of the API that answered.
    pub fn dialect(&self) -> &dyn Dialect {
        &*self.dialect
    }

    /// Field → messages, when the body lists invalid fields.
    pub fn validation_errors(&self) -> &BTreeMap<String, Vec<String>> {
        self.body.validation_errors()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} failed with {}",
            self.method, self.path, self.status
        )?;
        match &self.body {
            ApiErrorBody::Empty => f.write_str(" and an empty body")?,
            body => {
                if let Some(m) = &self.summary {
                    write!(f, ": {m}")?;
                }
                let fields = body.validation_errors();
                if !fields.is_empty() {
                    let list: Vec<String> = fields
                        .iter()
                        .map(|(k, v)| format!("{k}: {}", v.join("; ")))
                        .collect();
                    write!(f, " [{}]", one_line(&list.join(", "), 300))?;
                }
            }
        }
        match self.before_handler {
            BeforeHandler::Shown => f.write_str("; refused before it was carried out: nothing was done")?,
            BeforeHandler::NotShown => f.write_str(
                "; not sent again: nothing shows this server answers 429 before carrying a request out, so check before sending it again",
            )?,
            BeforeHandler::Unstated => {}
        }
        if let Some(d) = self.retry_after {
            write!(f, "; retry after {}s", d.as_secs())?;
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The known shapes of error bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiErrorBody {
    /// Nothing (or only white space) was sent.
    Empty,
    /// `{"error": "Bad Request"}`.
    Error {
        /// The `error` text.
        error: String,
    },
    /// A bare field map, `{"phone": ["is invalid"]}`.
    Fields(BTreeMap<String, Vec<String>>),
    /// `{"message": ..., "errors": {...}}`; `errors` is empty when only
    /// `message` was sent.
    Message {
        /// The `message` text.
        message: String,
        /// Field → messages.
        errors: BTreeMap<String, Vec<String>>,
    },
    /// A message with the class of error it belongs to, such as
    /// `{"error_class": ..., "error_message": ...}`.
    Classed {
        /// The `error_class`, e.g. `InvalidOperationError`.
        error_class: String,
        /// The `error_message`.
        error_message: String,
    },
    /// A text or HTML page that lists invalid parameters, with its
    /// sentence and the fields parsed out.
    FormErrors {
        /// The page's sentence, e.g. "There are errors in following
        /// parameters".
        message: String,
        /// Field → messages.
        fields: BTreeMap<String, Vec<String>>,
    },
    /// Some other JSON body.
    Json(serde_json::Value),
    /// A body that is not JSON (plain text, an HTML page, a truncated
    /// document), truncated to [`MAX_RAW_BODY`] bytes.
    Text(String),
}

impl ApiErrorBody {
    /// Recognises one of the generic shapes (JSON `error`, `message` and
    /// `errors`, a field map; anything else as JSON or text).
    ///
    /// ```
    /// use billkit::ApiErrorBody;
    /// let body = ApiErrorBody::parse(r#"{"phone": ["is invalid"]}"#);
    /// assert_eq!(body.validation_errors()["phone"], ["is invalid"]);
    /// ```
    pub fn parse(text: &str) -> Self {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return ApiErrorBody::Empty;
        }
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) {
            return Self::from_json(value);
        }
        ApiErrorBody::Text(truncate(trimmed, MAX_RAW_BODY))
    }

    /// Recognises the shapes of one API's errors ([`Dialect::parse_error_body`]),
    /// then the generic ones.
    pub fn parse_in(dialect: &dyn Dialect, text: &str) -> Self {
        if text.trim().is_empty() {
            return ApiErrorBody::Empty;
        }
        dialect
            .parse_error_body(text.trim())
            .unwrap_or_else(|| Self::parse(text))
    }

    fn from_json(value: serde_json::Value) -> Self {
        use serde_json::Value;
        let Value::Object(map) = &value else {
            return ApiErrorBody::Json(value);
        };
        let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
        if let Some(message) = text("message") {
            let errors = map.get("errors").and_then(field_map).unwrap_or_default();
            return ApiErrorBody::Message { message, errors };
        }
        if map.len() == 1
            && let Some(error) = text("error")
        {
            return ApiErrorBody::Error { error };
        }
        match field_map(&value) {
            Some(fields) if !fields.is_empty() => ApiErrorBody::Fields(fields),
            _ => ApiErrorBody::Json(value),
        }
    }

    /// The one human-readable message the body carries, if any.
    pub fn message(&self) -> Option<&str> {
        match self {
            ApiErrorBody::Error { error } => Some(error),
            ApiErrorBody::Message { message, .. } => Some(message),
            ApiErrorBody::Classed { error_message, .. } => Some(error_message),
            ApiErrorBody::FormErrors { message, .. } => Some(message),
            ApiErrorBody::Text(t) => Some(t),
            ApiErrorBody::Empty | ApiErrorBody::Fields(_) | ApiErrorBody::Json(_) => None,
        }
    }

    /// Field → messages, empty when the body lists no fields.
    pub fn validation_errors(&self) -> &BTreeMap<String, Vec<String>> {
        static NONE: BTreeMap<String, Vec<String>> = BTreeMap::new();
        match self {
            ApiErrorBody::Fields(f) | ApiErrorBody::FormErrors { fields: f, .. } => f,
            ApiErrorBody::Message { errors, .. } => errors,
            _ => &NONE,
        }
    }
}

/// One short line for a body: its message, or for a text or HTML page
/// the part that says what is wrong.
fn summarize(body: &ApiErrorBody) -> Option<String> {
    let line = match body {
        ApiErrorBody::Text(t) => page_summary(t),
        other => one_line(other.message()?, 200),
    };
    (!line.is_empty()).then_some(line)
}

/// An HTML page's `<title>` (or `<h1>`); for a text page whose first
/// paragraph is a status line ("404 Not Found"), its last paragraph, which
/// holds the detail.
fn page_summary(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    for tag in ["title", "h1"] {
        let open = format!("<{tag}>");
        if let Some(start) = lower.find(&open).map(|i| i + open.len()) {
            let end = lower[start..]
                .find(&format!("</{tag}>"))
                .map_or(text.len(), |e| start + e);
            let inner = unescape_html(&strip_tags(&text[start..end]));
            if !inner.trim().is_empty() {
                return one_line(&inner, 200);
            }
        }
    }
    if lower.contains("<html") || lower.contains("<body") {
        return one_line(&unescape_html(&strip_tags(text)), 200);
    }
    let paragraphs: Vec<&str> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let status_line = paragraphs.first().is_some_and(|p| {
        p.len() <= 60
            && p.split_whitespace()
                .next()
                .is_some_and(|w| w.len() == 3 && w.bytes().all(|b| b.is_ascii_digit()))
    });
    match paragraphs.as_slice() {
        [.., last] if status_line && paragraphs.len() > 1 => one_line(last, 200),
        _ => one_line(text, 200),
    }
}

/// Drops `<…>` tags; an unclosed `<` ends the text.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        out.push(' ');
        match rest[i..].find('>') {
            Some(j) => rest = &rest[i + j + 1..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// `{"field": ["msg", ...]}` (a lone string counts as one message).
fn field_map(value: &serde_json::Value) -> Option<BTreeMap<String, Vec<String>>> {
    use serde_json::Value;
    let Value::Object(map) = value else {
        return None;
    };
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let msgs = match v {
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()?,
            Value::String(s) => vec![s.clone()],
            _ => return None,
        };
        out.insert(k.clone(), msgs);
    }
    Some(out)
}

/// Undoes the HTML escapes error pages use.
pub(crate) fn unescape_html(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Cuts `s` to at most `max` bytes on a character boundary, marking the cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[truncated]", &s[..end])
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&flat, max)
}

/// A success response whose body could not be read as the documented type.
#[derive(Debug, Clone)]
pub struct DecodeError {
    pub(crate) status: StatusCode,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) json_path: String,
    pub(crate) message: String,
    pub(crate) raw_body: String,
    pub(crate) content_type: Option<String>,
    pub(crate) record_id: Option<String>,
    pub(crate) request_id: Option<String>,
}

impl DecodeError {
    /// Builds the error for a success body that could not be read; the
    /// whole body is kept, and the record's id when one can be read.
    pub(crate) fn new(
        status: StatusCode,
        method: Method,
        path: String,
        json_path: String,
        message: String,
        body: &[u8],
        content_type: Option<String>,
    ) -> Self {
        DecodeError {
            record_id: read_record_id(body),
            raw_body: if is_safe_method(&method) {
                truncate(&String::from_utf8_lossy(body), MAX_RAW_BODY)
            } else {
                String::from_utf8_lossy(body).into_owned()
            },
            status,
            method,
            path,
            json_path,
            message,
            content_type,
            request_id: None,
        }
    }

    /// The id the server gave the request, when its answer named one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The id of the record the answer describes, when one can be read from
    /// it (`id` or `guid`, at the top or under `data`): after a create whose
    /// answer could not be decoded, the record exists under this id.
    pub fn record_id(&self) -> Option<&str> {
        self.record_id.as_deref()
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request's path, without query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where in the JSON document parsing failed, e.g. `data[3].price`
    /// (`.` for the document itself).
    pub fn json_path(&self) -> &str {
        &self.json_path
    }

    /// What the parser reported.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The body as sent: whole (within the client's response cap) for a
    /// request that changes something, since the server carried it out and
    /// nothing of its answer may be lost; truncated to [`MAX_RAW_BODY`]
    /// bytes for a read.
    pub fn raw_body(&self) -> &str {
        &self.raw_body
    }

    /// The response's `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}

/// `id` or `guid` at the top of a JSON object or under its `data`.
fn read_record_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Ids {
        id: Option<serde_json::Value>,
        guid: Option<serde_json::Value>,
        data: Option<Box<serde_json::value::RawValue>>,
    }
    fn scalar(v: Option<serde_json::Value>) -> Option<String> {
        match v? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    let ids: Ids = serde_json::from_slice(body).ok()?;
    let Ids { id, guid, data } = ids;
    scalar(id)
        .or_else(|| scalar(guid))
        .or_else(|| read_record_id(data?.get().as_bytes()))
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: the {} response could not be read at `{}`: {}",
            self.method,
            self.path,
            self.status,
            self.json_path,
            one_line(&self.message, 300)
        )?;
        if self.status.is_success() && !is_safe_method(&self.method) {
            f.write_str("; the server did carry the request out")?;
            if let Some(id) = &self.record_id {
                write!(f, " (record id {})", one_line(id, 64))?;
            }
        }
        if let Some(ct) = &self.content_type
            && !ct.contains("json")
        {
            write!(f, " (content type {ct})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    ///
    /// ```
    /// let err = billkit::Error::invalid_input("amount", "must be at least 50 cents");
    /// assert!(err.is_invalid_input());
    /// assert_eq!(err.to_string(), "invalid input: amount: must be at least 50 cents");
    /// ```
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// What happened to the request: it did not take effect, it took
    /// effect, or it may have. See [`Outcome`].
    ///
    /// Reads (GET) never take effect. A 4xx or a redirect means refused; a
    /// 5xx, a broken connection or a time limit after sending means
    /// unknown; a success answer that could not be read means it took
    /// effect.
    ///
    /// ```
    /// use billkit::{ApiError, Error, Outcome};
    /// use billkit::http::{Method, StatusCode};
    /// let refused: Error = ApiError::from_response(
    ///     Method::POST, "/orders", StatusCode::UNPROCESSABLE_ENTITY, None, b"", None, 1,
    /// ).into();
    /// assert_eq!(refused.outcome(), Outcome::NotApplied);
    /// let lost: Error = ApiError::from_response(
    ///     Method::POST, "/orders", StatusCode::BAD_GATEWAY, None, b"", None, 1,
    /// ).into();
    /// assert_eq!(lost.outcome(), Outcome::Unknown);
    /// ```
    pub fn outcome(&self) -> Outcome {
        let effectful = |m: &Method| !is_safe_method(m);
        match self {
            Error::InvalidInput { .. }
            | Error::Config(_)
            | Error::RateLimited { .. }
            | Error::RateLimitStore(_)
            | Error::Pagination { .. } => Outcome::NotApplied,
            Error::Api(e) => status_outcome(&e.method, e.status),
            Error::BodyRead { method, status, .. } => status_outcome(method, *status),
            Error::Decode(e) if effectful(&e.method) => Outcome::Applied,
            Error::ResponseTooLarge { method, .. } if effectful(method) => Outcome::Applied,
            Error::Decode(_) | Error::ResponseTooLarge { .. } => Outcome::NotApplied,
            Error::Transport { method, source, .. } => {
                if source.is_connect() || !effectful(method) {
                    Outcome::NotApplied
                } else {
                    Outcome::Unknown
                }
            }
            Error::Timeout { method, kind, .. } => {
                if *kind == TimeoutKind::Connect || !effectful(method) {
                    Outcome::NotApplied
                } else {
                    Outcome::Unknown
                }
            }
            Error::MayHaveLanded { .. } => Outcome::Unknown,
        }
    }

    /// The merchant key to look the record up by, when a create may have
    /// landed ([`Error::MayHaveLanded`]).
    ///
    /// ```no_run
    /// # async fn run(billpro: billkit::billpro::Client, order: &billkit::billpro::NewSingleOrder) -> billkit::Result<()> {
    /// match billpro.orders().create_single_order(order).await {
    ///     Ok(made) => println!("order {}", made.id),
    ///     Err(err) => match err.lookup_key() {
    ///         // Look it up by this key (and its sent_at) before sending it again.
    ///         Some(key) => println!("may have landed: look up {key}"),
    ///         None => return Err(err),
    ///     },
    /// }
    /// # Ok(()) }
    /// ```
    pub fn lookup_key(&self) -> Option<&LookupKey> {
        match self {
            Error::MayHaveLanded { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The id of the record a create made, when it took effect but its
    /// answer could not be decoded ([`DecodeError::record_id`]).
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, new: &billkit::billy::NewCustomer) {
    /// if let Err(err) = billy.customers().create(new).await {
    ///     if let Some(id) = err.record_id() {
    ///         println!("created {id}, but its answer could not be read");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn record_id(&self) -> Option<&str> {
        match self.innermost() {
            Error::Decode(e) => e.record_id(),
            _ => None,
        }
    }

    /// The id the server gave the request that failed, when its answer
    /// named one ([`REQUEST_ID_HEADERS`](crate::http::REQUEST_ID_HEADERS)):
    /// kept on refusals ([`Error::Api`]), undecodable answers
    /// ([`Error::Decode`]), answers cut off ([`Error::BodyRead`]) or too
    /// large ([`Error::ResponseTooLarge`]), also under
    /// [`Error::MayHaveLanded`].
    ///
    /// ```
    /// use billkit::{ApiError, Error};
    /// use billkit::http::{Method, StatusCode};
    /// let err: Error = ApiError::from_response(
    ///     Method::GET, "/x", StatusCode::NOT_FOUND, None, b"", None, 1,
    /// ).into();
    /// assert_eq!(err.request_id(), None); // built by hand: no answer's headers
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        match self.innermost() {
            Error::Api(e) => e.request_id(),
            Error::Decode(e) => e.request_id(),
            Error::BodyRead { request_id, .. } | Error::ResponseTooLarge { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// What went wrong, as OpenTelemetry's `error.type` names it: the
    /// status code of a refusal (`"503"`), else a short name of the kind.
    pub(crate) fn error_type(&self) -> &str {
        match self.innermost() {
            Error::Api(e) => e.status.as_str(),
            Error::Transport { source, .. } if source.is_connect() => "connect",
            Error::Transport { .. } => "connection",
            Error::BodyRead { .. } => "body_read",
            Error::Timeout { .. } => "timeout",
            Error::Decode(_) => "decode",
            Error::RateLimited { .. } => "rate_limited",
            Error::RateLimitStore(_) => "rate_limit_store",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::InvalidInput { .. } => "invalid_input",
            Error::Config(_) => "config",
            Error::Pagination { .. } => "pagination",
            Error::MayHaveLanded { .. } => "_OTHER",
        }
    }

    /// The error under [`Error::MayHaveLanded`], or this one.
    fn innermost(&self) -> &Error {
        match self {
            Error::MayHaveLanded { source, .. } => source.innermost(),
            other => other,
        }
    }

    /// The HTTP status, when a response was received.
    ///
    /// ```
    /// use billkit::{ApiError, Error, Outcome};
    /// use billkit::http::{Method, StatusCode};
    /// let err: Error = ApiError::from_response(
    ///     Method::GET, "/x", StatusCode::SERVICE_UNAVAILABLE, None, b"", None, 1,
    /// ).into();
    /// assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    /// assert_eq!(Error::invalid_input("id", "must not be 0").status(), None);
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self.innermost() {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::ResponseTooLarge { status, .. } | Error::BodyRead { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The API error, when the server refused the request.
    ///
    /// ```
    /// use billkit::{ApiError, Error, Outcome};
    /// use billkit::http::{Method, StatusCode};
    /// let err: Error = ApiError::from_response(
    ///     Method::GET, "/x", StatusCode::NOT_FOUND, None, b"No such thing", None, 1,
    /// ).into();
    /// assert_eq!(err.api_error().map(|e| e.raw_body()), Some("No such thing"));
    /// ```
    pub fn api_error(&self) -> Option<&ApiError> {
        match self.innermost() {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether sending the same request again is safe and may succeed: a
    /// transient failure (connection, time limit, 408, 429, 502, 503, 504)
    /// of a request that did not take effect, or of an idempotent one (GET,
    /// PUT, DELETE). A create whose [`outcome`](Error::outcome) is unknown
    /// is never retryable: look it up first. The client's own retries have
    /// already been spent when you see this.
    ///
    /// ```
    /// use billkit::{ApiError, Error, Outcome};
    /// use billkit::http::{Method, StatusCode};
    /// let read: Error = ApiError::from_response(
    ///     Method::GET, "/x", StatusCode::SERVICE_UNAVAILABLE, None, b"", None, 3,
    /// ).into();
    /// assert!(read.is_retryable());
    /// let create: Error = ApiError::from_response(
    ///     Method::POST, "/x", StatusCode::SERVICE_UNAVAILABLE, None, b"", None, 1,
    /// ).into();
    /// assert!(!create.is_retryable()); // it may have been carried out
    /// ```
    pub fn is_retryable(&self) -> bool {
        let transient = match self {
            Error::Api(e) => is_retryable_status(e.status),
            Error::BodyRead { .. }
            | Error::Timeout { .. }
            | Error::RateLimited { .. }
            | Error::RateLimitStore(_) => true,
            Error::Transport { source, .. } => {
                source.is_connect() || source.is_timeout() || source.is_request()
            }
            _ => false,
        };
        let safe = match self {
            Error::Api(e) => is_idempotent_method(&e.method),
            Error::BodyRead { method, .. }
            | Error::Timeout { method, .. }
            | Error::Transport { method, .. } => is_idempotent_method(method),
            _ => false,
        };
        transient && (safe || self.outcome() == Outcome::NotApplied)
    }

    /// Whether a time limit ended the call.
    ///
    /// ```
    /// assert!(!billkit::Error::invalid_input("id", "must not be 0").is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether the caller's input was refused before sending.
    ///
    /// ```
    /// assert!(billkit::Error::invalid_input("id", "must not be 0").is_invalid_input());
    /// ```
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput { .. })
    }

    /// Whether the server refused a record because one with the same
    /// unique key exists, by the rules of the API that answered
    /// ([`Dialect::is_duplicate`]; each API's module says which answers
    /// those are); plain HTTP knows no such answer.
    ///
    /// ```
    /// use billkit::{ApiError, Error};
    /// use billkit::http::{Method, StatusCode};
    /// let err: Error = ApiError::from_response(
    ///     Method::POST, "/customers", StatusCode::CONFLICT, None, b"", None, 1,
    /// ).into();
    /// // Plain HTTP: a 409 alone proves no duplicate.
    /// assert!(!err.is_duplicate());
    /// ```
    pub fn is_duplicate(&self) -> bool {
        self.api_error()
            .is_some_and(|api| api.dialect.is_duplicate(api))
    }

    /// Whether the server said there is no such record, by the rules of
    /// the API that answered ([`Dialect::is_not_found`]; some APIs answer
    /// a missing record with another status): a 404 for plain HTTP.
    ///
    /// ```
    /// use billkit::{ApiError, Error};
    /// use billkit::http::{Method, StatusCode};
    /// let err: Error = ApiError::from_response(
    ///     Method::GET, "/orders/9", StatusCode::NOT_FOUND, None, b"", None, 1,
    /// ).into();
    /// assert!(err.is_not_found());
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.api_error()
            .is_some_and(|api| api.dialect.is_not_found(api))
    }

    /// Whether the server refused the credential: it is missing, wrong,
    /// expired, or not allowed to make this request. Fix the token (or its
    /// abilities, or its IP allow list) rather than the request; sending
    /// the same request again cannot help. By the rules of the API that
    /// answered ([`Dialect::is_unauthorized`]; each API's module says which
    /// answers those are): a 401 for plain HTTP.
    ///
    /// ```
    /// use billkit::{ApiError, Error};
    /// use billkit::http::{Method, StatusCode};
    /// let err: Error = ApiError::from_response(
    ///     Method::GET, "/products", StatusCode::UNAUTHORIZED, None,
    ///     br#"{"error": "Unauthorized"}"#, None, 1,
    /// ).into();
    /// assert!(err.is_unauthorized());
    /// ```
    pub fn is_unauthorized(&self) -> bool {
        self.api_error()
            .is_some_and(|api| api.dialect.is_unauthorized(api))
    }

    /// Field → messages from a validation error body (a field map, the
    /// `errors` of a `message` body, a page's parameter list); empty
    /// otherwise.
    ///
    /// Borrowed from the error, except for [`Error::InvalidInput`], whose
    /// one field is put in a map of its own.
    ///
    /// ```
    /// use billkit::{ApiError, Error, Outcome};
    /// use billkit::http::{Method, StatusCode};
    /// let err: Error = ApiError::from_response(
    ///     Method::POST, "/customers", StatusCode::UNPROCESSABLE_ENTITY, None,
    ///     br#"{"phone": ["is invalid"]}"#, None, 1,
    /// ).into();
    /// assert_eq!(err.validation_errors()["phone"], ["is invalid"]);
    /// ```
    pub fn validation_errors(&self) -> std::borrow::Cow<'_, BTreeMap<String, Vec<String>>> {
        use std::borrow::Cow;
        match self.innermost() {
            Error::Api(e) => Cow::Borrowed(e.validation_errors()),
            Error::InvalidInput { field, message } => {
                Cow::Owned(BTreeMap::from([(field.clone(), vec![message.clone()])]))
            }
            _ => Cow::Owned(BTreeMap::new()),
        }
    }

    /// How long to wait before trying again: the `Retry-After` delay the
    /// server asked for, or the rate-limit wait of [`Error::RateLimited`].
    ///
    /// ```
    /// use billkit::{ApiError, Error, Outcome};
    /// use billkit::http::{Method, StatusCode};
    /// use std::time::Duration;
    /// let err: Error = ApiError::from_response(
    ///     Method::GET, "/x", StatusCode::TOO_MANY_REQUESTS, None, b"",
    ///     Some(Duration::from_secs(30)), 3,
    /// ).into();
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self.innermost() {
            Error::RateLimited { wait, .. } => Some(*wait),
            _ => self.api_error().and_then(|e| e.retry_after),
        }
    }

    /// How many attempts were made, when a request was sent.
    ///
    /// ```
    /// use billkit::{ApiError, Error, Outcome};
    /// use billkit::http::{Method, StatusCode};
    /// let err: Error = ApiError::from_response(
    ///     Method::GET, "/x", StatusCode::BAD_GATEWAY, None, b"", None, 3,
    /// ).into();
    /// assert_eq!(err.attempts(), Some(3));
    /// ```
    pub fn attempts(&self) -> Option<u32> {
        match self.innermost() {
            Error::Api(e) => Some(e.attempts),
            Error::Transport { attempts, .. }
            | Error::Timeout { attempts, .. }
            | Error::RateLimited { attempts, .. }
            | Error::BodyRead { attempts, .. } => Some(*attempts),
            Error::ResponseTooLarge { .. } => Some(1),
            Error::Decode(_) => Some(1),
            _ => None,
        }
    }

    /// The raw response body, when a response was received.
    ///
    /// ```
    /// use billkit::{ApiError, Error, Outcome};
    /// use billkit::http::{Method, StatusCode};
    /// let err: Error = ApiError::from_response(
    ///     Method::GET, "/x", StatusCode::INTERNAL_SERVER_ERROR, None, b"oops", None, 1,
    /// ).into();
    /// assert_eq!(err.raw_body(), Some("oops"));
    /// ```
    pub fn raw_body(&self) -> Option<&str> {
        match self.innermost() {
            Error::Api(e) => Some(&e.raw_body),
            Error::Decode(e) => Some(&e.raw_body),
            _ => None,
        }
    }
}

pub(crate) fn is_safe_method(method: &Method) -> bool {
    *method == Method::GET || *method == Method::HEAD || *method == Method::OPTIONS
}

/// Safe methods plus PUT and DELETE: sending them twice does no harm.
pub(crate) fn is_idempotent_method(method: &Method) -> bool {
    is_safe_method(method) || *method == Method::PUT || *method == Method::DELETE
}

fn status_outcome(method: &Method, status: StatusCode) -> Outcome {
    if is_safe_method(method) {
        Outcome::NotApplied
    } else if status.is_success() {
        Outcome::Applied
    } else if status.is_server_error() {
        Outcome::Unknown
    } else {
        Outcome::NotApplied
    }
}

pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 502 | 503 | 504)
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn recognises_each_known_shape() {
        assert_eq!(ApiErrorBody::parse("  \n"), ApiErrorBody::Empty);
        assert_eq!(
            ApiErrorBody::parse(r#"{"error": "Bad Request"}"#),
            ApiErrorBody::Error {
                error: "Bad Request".into()
            }
        );
        assert_eq!(
            ApiErrorBody::parse(r#"{"phone":["is invalid"]}"#),
            ApiErrorBody::Fields(fields(&[("phone", &["is invalid"])]))
        );
        assert_eq!(
            ApiErrorBody::parse(
                r#"{"message":"The given data was invalid.","errors":{"status":["The selected status is invalid."]}}"#
            ),
            ApiErrorBody::Message {
                message: "The given data was invalid.".into(),
                errors: fields(&[("status", &["The selected status is invalid."])]),
            }
        );
        assert_eq!(
            ApiErrorBody::parse(r#"{"message":"Unauthenticated."}"#),
            ApiErrorBody::Message {
                message: "Unauthenticated.".into(),
                errors: BTreeMap::new()
            }
        );
        assert_eq!(
            ApiErrorBody::parse("No such plan PLxxx"),
            ApiErrorBody::Text("No such plan PLxxx".into())
        );
        assert_eq!(
            ApiErrorBody::parse("[1,2]"),
            ApiErrorBody::Json(serde_json::json!([1, 2]))
        );
        assert!(matches!(
            ApiErrorBody::parse(r#"{"data": [1"#),
            ApiErrorBody::Text(_)
        ));
    }

    #[test]
    fn display_is_one_actionable_line() {
        let e = ApiError::from_response(
            Method::POST,
            "/customers",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("application/json".into()),
            br#"{"phone":["is invalid"]}"#,
            None,
            1,
        );
        assert_eq!(
            e.to_string(),
            "POST /customers failed with 422 Unprocessable Entity [phone: is invalid]"
        );
        let e = ApiError::from_response(
            Method::GET,
            "/products",
            StatusCode::TOO_MANY_REQUESTS,
            None,
            b"",
            Some(Duration::from_secs(30)),
            3,
        );
        assert_eq!(
            e.to_string(),
            "GET /products failed with 429 Too Many Requests and an empty body; retry after 30s (after 3 attempts)"
        );
        assert!(!Error::from(e).to_string().contains('\n'));
    }

    #[test]
    fn pages_are_summed_up_in_one_short_line() {
        let nginx = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
        let e = ApiError::from_response(
            Method::GET,
            "/x",
            StatusCode::SERVICE_UNAVAILABLE,
            Some("text/html".into()),
            nginx.as_bytes(),
            None,
            1,
        );
        assert_eq!(e.message(), Some("503 Service Temporarily Unavailable"));
        assert_eq!(
            e.to_string(),
            "GET /x failed with 503 Service Unavailable: 503 Service Temporarily Unavailable"
        );
        assert_eq!(e.raw_body(), nginx);
        let text_page =
            "404 Not Found\n\nThe resource could not be found.\n\n\nNo such plan PLnope";
        let e = ApiError::from_response(
            Method::GET,
            "/v1/plans/PLnope",
            StatusCode::NOT_FOUND,
            Some("text/plain".into()),
            text_page.as_bytes(),
            None,
            1,
        );
        assert_eq!(e.message(), Some("No such plan PLnope"));
        let long = "x".repeat(10_000);
        let e = ApiError::from_response(
            Method::GET,
            "/x",
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            long.as_bytes(),
            None,
            1,
        );
        assert!(e.message().unwrap().len() <= 200 + "…[truncated]".len());
        for cut in ["<title>", "<html><title>a", "<h1>é", "<html><body><b"] {
            let _ = page_summary(cut);
        }
    }

    #[test]
    fn raw_body_is_truncated_on_a_char_boundary() {
        let body = "é".repeat(MAX_RAW_BODY);
        let e = ApiError::from_response(
            Method::GET,
            "/x",
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            body.as_bytes(),
            None,
            1,
        );
        assert!(e.raw_body().len() <= MAX_RAW_BODY + "…[truncated]".len());
        assert!(e.raw_body().ends_with("…[truncated]"));
    }

    #[test]
    fn predicates() {
        let e: Error = ApiError::from_response(
            Method::GET,
            "/x",
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            b"down",
            None,
            2,
        )
        .into();
        assert!(e.is_retryable());
        assert_eq!(e.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(e.attempts(), Some(2));
        assert_eq!(e.raw_body(), Some("down"));
        let e = Error::invalid_input("amount", "must be at least 50 cents");
        assert!(!e.is_retryable());
        assert!(e.is_invalid_input());
        assert_eq!(
            *e.validation_errors(),
            fields(&[("amount", &["must be at least 50 cents"])])
        );
        assert_eq!(
            e.to_string(),
            "invalid input: amount: must be at least 50 cents"
        );
    }
}
