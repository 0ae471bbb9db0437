//! What the core must know about one API, behind two traits.
//!
//! A [`Dialect`] says how an API answers: which error bodies it sends,
//! which answers mean *not found*, *duplicate* or *unauthorized*, which
//! refusals prove nothing was done, and which headers announce its quota.
//! A [`PageScheme`] says how one of its lists is paged: the query that asks
//! for a page and the envelope a page comes in (as google-cloud-rust's
//! `PageableResponse` and async-stripe's `PaginableList` do). Each API
//! module implements both; the core calls them and names no API, so a new
//! API touches no core file.
//!
//! ```
//! use billkit::http::{Config, Cursor, Dialect, PageParts, PageScheme, PageStyle, Request};
//! use billkit::{ApiError, ApiErrorBody};
//! use serde::Deserialize;
//!
//! /// An API that answers `{"fault": "..."}` and pages `?p=N` over
//! /// `{"results": [...], "pages": N}`.
//! #[derive(Debug)]
//! struct Toy;
//!
//! impl Dialect for Toy {
//!     fn name(&self) -> &'static str {
//!         "Toy"
//!     }
//!     fn parse_error_body(&self, text: &str) -> Option<ApiErrorBody> {
//!         let v: serde_json::Value = serde_json::from_str(text).ok()?;
//!         let fault = v.get("fault")?.as_str()?.to_owned();
//!         Some(ApiErrorBody::Error { error: fault })
//!     }
//!     fn is_duplicate(&self, err: &ApiError) -> bool {
//!         err.status().as_u16() == 409
//!     }
//! }
//!
//! #[derive(Deserialize)]
//! struct ToyPage<T> {
//!     results: Vec<T>,
//!     pages: u64,
//! }
//!
//! impl<T> From<ToyPage<T>> for PageParts<T> {
//!     fn from(p: ToyPage<T>) -> Self {
//!         PageParts::new(p.results).last_page(p.pages)
//!     }
//! }
//!
//! #[derive(Debug)]
//! struct ToyPages;
//!
//! impl PageScheme for ToyPages {
//!     type Body<T: serde::de::DeserializeOwned> = ToyPage<T>;
//!     const ITEMS: Option<&'static str> = Some("results");
//!     fn style(&self) -> PageStyle {
//!         PageStyle::PageNumberSized { per_page: None }
//!     }
//!     fn set_query(request: &mut Request<()>, cursor: Cursor, _style: PageStyle) {
//!         if let Cursor::Page(n) = cursor {
//!             request.set_query("p", n);
//!         }
//!     }
//! }
//!
//! let config = Config::new().dialect(Toy);
//! # let _ = config;
//! ```

use std::fmt;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::{Cursor, PageStyle, Request};
use crate::error::{ApiError, ApiErrorBody};

/// How one API answers, for the core's decisions and the error predicates.
///
/// Every method has a default that is plain HTTP: a `404` is *not found*,
/// a `401` is *unauthorized*, nothing is a duplicate, no refusal proves
/// nothing was done, and the quota is announced in `X-RateLimit-Limit` and
/// `X-RateLimit-Remaining`.
pub trait Dialect: fmt::Debug + Send + Sync + 'static {
    /// The API's name, as errors ([`ApiError::api`]) and shared rate-limit
    /// keys show it.
    fn name(&self) -> &'static str;

    /// Reads an error body this API sends in a shape of its own; `None`
    /// leaves the body to the generic reader
    /// ([`ApiErrorBody::parse`]).
    fn parse_error_body(&self, text: &str) -> Option<ApiErrorBody> {
        let _ = text;
        None
    }

    /// Whether the answer means there is no such record.
    fn is_not_found(&self, err: &ApiError) -> bool {
        err.status() == StatusCode::NOT_FOUND
    }

    /// Whether the answer refuses a record because one with the same
    /// unique key exists.
    fn is_duplicate(&self, err: &ApiError) -> bool {
        let _ = err;
        false
    }

    /// Whether the answer refuses the credential rather than the request.
    fn is_unauthorized(&self, err: &ApiError) -> bool {
        err.status() == StatusCode::UNAUTHORIZED
    }

    /// Whether the server's source shows that this answer is given before
    /// its handler runs, so nothing of the request was carried out and a
    /// create may be sent again after the answer's `Retry-After`. Say `true`
    /// only where the server's code proves it.
    fn refused_before_handler(&self, status: StatusCode, headers: &HeaderMap) -> bool {
        let _ = (status, headers);
        false
    }

    /// The quota an answer announces.
    fn announced_quota(&self, headers: &HeaderMap) -> AnnouncedQuota {
        AnnouncedQuota {
            limit: header_number(headers, "x-ratelimit-limit"),
            remaining: header_number(headers, "x-ratelimit-remaining"),
        }
    }
}

/// A header's value as a whole number, if it is one.
pub fn header_number(headers: &HeaderMap, name: &str) -> Option<u32> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// What an answer says of the client's quota (see
/// [`Dialect::announced_quota`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AnnouncedQuota {
    /// Requests allowed per window.
    pub limit: Option<u32>,
    /// Requests left in the current window.
    pub remaining: Option<u32>,
}

impl AnnouncedQuota {
    /// A quota announcement.
    pub fn new(limit: Option<u32>, remaining: Option<u32>) -> Self {
        AnnouncedQuota { limit, remaining }
    }
}

/// Plain HTTP: the rules of [`Dialect`]'s defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct GenericDialect;

impl Dialect for GenericDialect {
    fn name(&self) -> &'static str {
        "HTTP"
    }
}

/// How one list is paged: the query that asks for a page and the envelope
/// a page comes in. The walk itself (order, prefetch, resumption, guards)
/// is the core's; the page size and where to stop are the [`PageStyle`]'s.
pub trait PageScheme: Send + Sync + 'static {
    /// A page's body as the server sends it, for items of type `T`.
    type Body<T: DeserializeOwned>: DeserializeOwned + Into<PageParts<T>>;

    /// The top-level member of the body that holds the items, or `None`
    /// when the body is the bare array. The repeated-page guard compares
    /// this member alone, since counters around it change from page to
    /// page.
    const ITEMS: Option<&'static str>;

    /// How the list counts its pages, how big they are and where it ends.
    fn style(&self) -> PageStyle;

    /// Sets the paging parameters of `request` for the page at `cursor`
    /// (the page size, where the caller may choose one, is in `style`).
    fn set_query(request: &mut Request<()>, cursor: Cursor, style: PageStyle);
}

/// One page as its envelope describes it: the items, and what the page
/// says of the list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PageParts<T> {
    /// The items, in the server's order.
    pub items: Vec<T>,
    /// The page's own number, when the envelope says.
    pub current_page: Option<u64>,
    /// The number of the last page, when the envelope says.
    pub last_page: Option<u64>,
    /// The number of items in the list, when the envelope says.
    pub total: Option<u64>,
}

impl<T> PageParts<T> {
    /// A page of `items` that says nothing else.
    pub fn new(items: Vec<T>) -> Self {
        PageParts {
            items,
            current_page: None,
            last_page: None,
            total: None,
        }
    }

    /// The page's own number.
    pub fn current_page(mut self, n: impl Into<Option<u64>>) -> Self {
        self.current_page = n.into();
        self
    }

    /// The last page's number.
    pub fn last_page(mut self, n: impl Into<Option<u64>>) -> Self {
        self.last_page = n.into();
        self
    }

    /// The list's size.
    pub fn total(mut self, n: impl Into<Option<u64>>) -> Self {
        self.total = n.into();
        self
    }
}

/// A bare JSON array is a page that says nothing but its items.
impl<T> From<Vec<T>> for PageParts<T> {
    fn from(items: Vec<T>) -> Self {
        PageParts::new(items)
    }
}

/// What a walk keeps of a [`PageScheme`], as plain functions (a scheme is a
/// type; a walk is not generic over it).
pub(crate) struct SchemeFns<T> {
    pub(crate) decode: fn(&super::RawResponse) -> crate::Result<PageParts<T>>,
    pub(crate) set_query: fn(&mut Request<()>, Cursor, PageStyle),
    pub(crate) items: Option<&'static str>,
}

impl<T> Clone for SchemeFns<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SchemeFns<T> {}

impl<T: DeserializeOwned> SchemeFns<T> {
    pub(crate) fn of<S: PageScheme>() -> Self {
        SchemeFns {
            decode: decode_page::<S, T>,
            set_query: S::set_query,
            items: S::ITEMS,
        }
    }
}

fn decode_page<S: PageScheme, T: DeserializeOwned>(
    raw: &super::RawResponse,
) -> crate::Result<PageParts<T>> {
    raw.decode::<S::Body<T>>().map(Into::into)
}
