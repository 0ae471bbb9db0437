//! A request as data: method, path template and its parameters, query, body
//! and whether retrying it is safe. API modules describe requests; only
//! [`Transport`](super::Transport) sends them.

use std::borrow::Cow;
use std::fmt::{self, Display};
use std::marker::PhantomData;

use reqwest::Method;
use serde::Serialize;
use url::Url;

use crate::error::{Error, Result};

/// When a failed attempt may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryMode {
    /// Retry on connection errors, timeouts, 429 and 502/503/504 (the
    /// default for GET, PUT and DELETE, whose repetition is harmless).
    Idempotent,
    /// Retry only when the request provably never reached the server
    /// (connection refused, DNS failure), or the API's rules prove the
    /// server refused it before its handler ran
    /// ([`Dialect::refused_before_handler`](super::Dialect::refused_before_handler)): the
    /// default for POST, so a create or a charge is never sent twice by
    /// accident.
    UnsentOnly,
    /// Never retry.
    Never,
}

impl RetryMode {
    fn for_method(method: &Method) -> Self {
        if *method == Method::GET
            || *method == Method::PUT
            || *method == Method::DELETE
            || *method == Method::HEAD
        {
            RetryMode::Idempotent
        } else {
            RetryMode::UnsentOnly
        }
    }
}

/// A request body.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Body {
    /// No body.
    Empty,
    /// A serialized JSON document.
    Json(Vec<u8>),
    /// `application/x-www-form-urlencoded` pairs, in order.
    Form(Vec<(String, String)>),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies may hold personal data: show only their shape.
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Json(b) => write!(f, "Json({} bytes)", b.len()),
            Body::Form(p) => write!(f, "Form({} fields)", p.len()),
        }
    }
}

/// The longest path parameter accepted, in bytes.
pub const MAX_PATH_PARAM_LEN: usize = 128;

/// A value that fills one `{…}` placeholder of a path template.
///
/// Integers must be positive (no API numbers its records from 0); text may
/// hold only ASCII letters, digits, `-`, `_`, `.` and `~`, must not be `.`
/// or `..`, and is at most [`MAX_PATH_PARAM_LEN`] bytes long. So an id can
/// never change the route, whatever a server or URL normaliser does with
/// `/`, `%2F`, dot segments or control characters.
pub trait PathParam {
    /// The segment, or what is wrong with the value.
    fn to_segment(&self) -> std::result::Result<String, String>;
}

macro_rules! unsigned_path_param {
    ($($t:ty),*) => {$(
        impl PathParam for $t {
            fn to_segment(&self) -> std::result::Result<String, String> {
                if *self == 0 {
                    return Err("must be a positive integer, not 0".into());
                }
                Ok(self.to_string())
            }
        }
    )*};
}
unsigned_path_param!(u8, u16, u32, u64, usize);

macro_rules! signed_path_param {
    ($($t:ty),*) => {$(
        impl PathParam for $t {
            fn to_segment(&self) -> std::result::Result<String, String> {
                if *self <= 0 {
                    return Err(format!("must be a positive integer, not {self}"));
                }
                Ok(self.to_string())
            }
        }
    )*};
}
signed_path_param!(i32, i64);

impl PathParam for str {
    fn to_segment(&self) -> std::result::Result<String, String> {
        check_segment(self).map(|()| self.to_owned())
    }
}

impl PathParam for String {
    fn to_segment(&self) -> std::result::Result<String, String> {
        self.as_str().to_segment()
    }
}

impl<P: PathParam + ?Sized> PathParam for &P {
    fn to_segment(&self) -> std::result::Result<String, String> {
        (**self).to_segment()
    }
}

fn check_segment(s: &str) -> std::result::Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s == "." || s == ".." {
        return Err(format!("`{s}` is not an id: it would change the route"));
    }
    if s.len() > MAX_PATH_PARAM_LEN {
        return Err(format!(
            "is {} bytes long; an id is at most {MAX_PATH_PARAM_LEN}",
            s.len()
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')))
    {
        return Err(format!(
            "contains {c:?}; an id holds only ASCII letters, digits, `-`, `_`, `.` and `~`"
        ));
    }
    Ok(())
}

/// A request described as data. `T` is the type the response body decodes to.
///
/// The path is a template whose `{…}` placeholders are filled, in order, by
/// [`param`](Request::param) values; each value is checked ([`PathParam`])
/// and becomes exactly one path segment, so an id can never change the route.
/// A bad value fails the request with [`Error::InvalidInput`] naming the
/// placeholder, before anything is sent.
///
/// ```
/// use billkit::http::{Body, Request};
/// let req = Request::<serde_json::Value>::put("/orders/{id}/cancel_order")
///     .param(42)
///     .query("profile_id", 5);
/// assert_eq!(req.path().unwrap(), "/orders/42/cancel_order");
/// assert_eq!(req.query_pairs(), &[("profile_id".into(), "5".to_string())]);
/// assert_eq!(req.body(), &Body::Empty);
/// ```
pub struct Request<T> {
    method: Method,
    template: &'static str,
    params: Vec<std::result::Result<String, String>>,
    query: Vec<(Cow<'static, str>, String)>,
    body: Body,
    body_error: Option<String>,
    retry: RetryMode,
    authenticated: bool,
    _response: PhantomData<fn() -> T>,
}

impl<T> Clone for Request<T> {
    fn clone(&self) -> Self {
        Request {
            method: self.method.clone(),
            template: self.template,
            params: self.params.clone(),
            query: self.query.clone(),
            body: self.body.clone(),
            body_error: self.body_error.clone(),
            retry: self.retry,
            authenticated: self.authenticated,
            _response: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Request<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("template", &self.template)
            .field("params", &self.params)
            .field("query", &self.query)
            .field("body", &self.body)
            .field("retry", &self.retry)
            .finish()
    }
}

impl<T> Request<T> {
    /// A request with `method` to `template` (relative to the client's base URL).
    pub fn new(method: Method, template: &'static str) -> Self {
        Request {
            retry: RetryMode::for_method(&method),
            method,
            template,
            params: Vec::new(),
            query: Vec::new(),
            body: Body::Empty,
            body_error: None,
            authenticated: true,
            _response: PhantomData,
        }
    }

    /// A GET request.
    pub fn get(template: &'static str) -> Self {
        Self::new(Method::GET, template)
    }

    /// A POST request (retried only when provably unsent).
    pub fn post(template: &'static str) -> Self {
        Self::new(Method::POST, template)
    }

    /// A PUT request.
    pub fn put(template: &'static str) -> Self {
        Self::new(Method::PUT, template)
    }

    /// A DELETE request.
    pub fn delete(template: &'static str) -> Self {
        Self::new(Method::DELETE, template)
    }

    /// Fills the next `{…}` placeholder of the path template; a value that
    /// is not a valid [`PathParam`] makes the request fail before sending.
    pub fn param(mut self, value: impl PathParam) -> Self {
        self.params.push(value.to_segment());
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<Cow<'static, str>>, value: impl Display) -> Self {
        self.query.push((key.into(), value.to_string()));
        self
    }

    /// Adds a query parameter when `value` is `Some`.
    pub fn query_opt(self, key: impl Into<Cow<'static, str>>, value: Option<impl Display>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Sets a JSON body. A value that cannot be serialized makes the request
    /// fail with [`Error::InvalidInput`] before anything is sent.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Body::Json(bytes),
            Err(e) => self.body_error = Some(e.to_string()),
        }
        self
    }

    /// Sets a form-encoded body from pairs, sent in order.
    pub fn form<K: Into<String>, V: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.body = Body::Form(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Overrides when the request may be retried.
    pub fn retry_mode(mut self, mode: RetryMode) -> Self {
        self.retry = mode;
        self
    }

    /// Sends the request without credentials (for the few endpoints that
    /// need none).
    pub fn unauthenticated(mut self) -> Self {
        self.authenticated = false;
        self
    }

    /// Changes the response type.
    pub fn with_response<U>(self) -> Request<U> {
        Request {
            method: self.method,
            template: self.template,
            params: self.params,
            query: self.query,
            body: self.body,
            body_error: self.body_error,
            retry: self.retry,
            authenticated: self.authenticated,
            _response: PhantomData,
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path template, e.g. `/orders/{id}` (used in tracing).
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The query pairs, in order.
    pub fn query_pairs(&self) -> &[(Cow<'static, str>, String)] {
        &self.query
    }

    /// Replaces the query parameter `key` (all occurrences) with `value`
    /// (a [`PageScheme`](super::PageScheme) sets its paging parameters so).
    pub fn set_query(&mut self, key: &'static str, value: impl Display) {
        self.query.retain(|(k, _)| k != key);
        self.query.push((Cow::Borrowed(key), value.to_string()));
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// When the request may be retried.
    pub fn retry(&self) -> RetryMode {
        self.retry
    }

    /// Whether credentials are sent.
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// The path segments with the placeholders filled, not yet encoded.
    /// Fails when a parameter is empty or the count does not match.
    pub fn segments(&self) -> Result<Vec<&str>> {
        let mut params = self.params.iter();
        let mut out = Vec::new();
        for seg in self.template.split('/').filter(|s| !s.is_empty()) {
            if seg.starts_with('{') && seg.ends_with('}') {
                let name = &seg[1..seg.len() - 1];
                let value = params.next().ok_or_else(|| {
                    Error::invalid_input(
                        name,
                        format!("missing value for `{seg}` in {}", self.template),
                    )
                })?;
                match value {
                    Ok(v) => out.push(v.as_str()),
                    Err(why) => return Err(Error::invalid_input(name, why.clone())),
                }
            } else {
                out.push(seg);
            }
        }
        if params.next().is_some() {
            return Err(Error::invalid_input(
                "path",
                format!("too many parameters for {}", self.template),
            ));
        }
        Ok(out)
    }

    /// The filled path, each parameter percent-encoded as one segment.
    pub fn path(&self) -> Result<String> {
        let mut url = Url::parse("http://x/").expect("static URL parses");
        url.path_segments_mut()
            .expect("http URL has a path")
            .pop_if_empty()
            .extend(self.segments()?);
        Ok(url.path().to_owned())
    }

    /// The full URL under `base` (whose own path is kept as a prefix), with
    /// `extra_query` appended after the request's own query.
    pub fn url(&self, base: &Url, extra_query: &[(String, String)]) -> Result<Url> {
        if let Some(e) = &self.body_error {
            return Err(Error::invalid_input(
                "body",
                format!("cannot be serialized: {e}"),
            ));
        }
        let mut url = base.clone();
        {
            let mut segs = url
                .path_segments_mut()
                .map_err(|_| Error::Config(format!("base URL {base} cannot hold a path")))?;
            segs.pop_if_empty().extend(self.segments()?);
        }
        url.set_query(None);
        let pairs = self
            .query
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_str()))
            .chain(extra_query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut any = false;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k, v);
                any = true;
            }
        }
        if !any {
            url.set_query(None);
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_params_that_could_change_the_route_are_refused() {
        let long = "a".repeat(100_000);
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "../plans/PL1",
            "a\\b",
            "CU1\n",
            "CU1\r\n",
            "a%2Fb",
            "a?b",
            "a#b",
            "a b",
            " ",
            "\u{0}",
            "é",
            &long,
        ] {
            let e = Request::<()>::delete("/v1/customers/{guid}")
                .param(bad)
                .url(&Url::parse("http://h/").unwrap(), &[])
                .unwrap_err();
            match &e {
                Error::InvalidInput { field, .. } => assert_eq!(field, "guid", "{bad:?}"),
                other => panic!("{bad:?}: {other}"),
            }
        }
        let e = Request::<()>::get("/invoices/{id}")
            .param(0u64)
            .path()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid input: id: must be a positive integer, not 0"
        );
        let e = Request::<()>::get("/invoices/{id}")
            .param(-3i64)
            .path()
            .unwrap_err();
        assert!(e.is_invalid_input(), "{e}");
        let ok = Request::<()>::get("/v1/customers/{guid}").param("CU4NheKs3Be5DmuRnBEjt1Tu");
        assert_eq!(ok.path().unwrap(), "/v1/customers/CU4NheKs3Be5DmuRnBEjt1Tu");
        let ok = Request::<()>::get("/x/{a}/y/{b}")
            .param(7u32)
            .param(String::from("a.b-c_d~e"));
        assert_eq!(ok.path().unwrap(), "/x/7/y/a.b-c_d~e");
    }

    #[test]
    fn empty_or_missing_params_are_refused() {
        let e = Request::<()>::get("/customers/{id}")
            .param("")
            .path()
            .unwrap_err();
        assert!(e.is_invalid_input(), "{e}");
        let e = Request::<()>::get("/customers/{id}").path().unwrap_err();
        assert!(e.to_string().contains("missing value"), "{e}");
        let e = Request::<()>::get("/customers")
            .param(1)
            .path()
            .unwrap_err();
        assert!(e.to_string().contains("too many"), "{e}");
    }

    #[test]
    fn url_keeps_base_prefix_and_appends_default_query() {
        let base = Url::parse("https://app.bill.pro/api/v1/").unwrap();
        let r = Request::<()>::get("/products").query("page", 2);
        let url = r.url(&base, &[("profile_id".into(), "5".into())]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://app.bill.pro/api/v1/products?page=2&profile_id=5"
        );
        let base = Url::parse("https://h/api/v1").unwrap();
        let url = Request::<()>::get("/x").url(&base, &[]).unwrap();
        assert_eq!(url.as_str(), "https://h/api/v1/x");
    }

    #[test]
    fn retry_mode_follows_the_method() {
        assert_eq!(Request::<()>::get("/").retry(), RetryMode::Idempotent);
        assert_eq!(Request::<()>::put("/").retry(), RetryMode::Idempotent);
        assert_eq!(Request::<()>::delete("/").retry(), RetryMode::Idempotent);
        assert_eq!(Request::<()>::post("/").retry(), RetryMode::UnsentOnly);
    }

    #[test]
    fn unserializable_json_is_invalid_input() {
        let mut m = std::collections::HashMap::new();
        m.insert(vec![1u8], 1);
        let r = Request::<()>::post("/x").json(&m);
        let e = r.url(&Url::parse("https://h").unwrap(), &[]).unwrap_err();
        assert!(e.is_invalid_input(), "{e}");
    }

    #[test]
    fn form_body_keeps_order_and_debug_hides_values() {
        let r = Request::<()>::post("/v1/invoices")
            .form([("item_name1", "A"), ("item_amount1", "1000")]);
        assert_eq!(
            r.body(),
            &Body::Form(vec![
                ("item_name1".into(), "A".into()),
                ("item_amount1".into(), "1000".into())
            ])
        );
        assert!(!format!("{r:?}").contains("1000"));
    }
}
