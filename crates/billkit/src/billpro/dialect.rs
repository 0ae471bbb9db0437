//! BillPro's rules for the shared core: how it answers and how it pages.

use reqwest::{Method, StatusCode};

use crate::error::ApiError;
use crate::http::{Cursor, Dialect, PageScheme, PageStyle, Request};

/// BillPro's rules ([`Dialect`]).
///
/// - Errors: `{"error": "Bad Request"}` and bare field maps (the generic
///   shapes).
/// - Not found: a 404, and also a 422 to a `GET` (which sends no data that
///   could be invalid) or a 422 whose message says "not found" (BillPro's
///   "Record not found").
/// - Unauthorized: a 401 (its reference documents no other refusal of a
///   token).
/// - Nothing proves a refusal came before a create was carried out: BillPro
///   documents no rate limit and its server is closed, so a 429 to a create
///   is returned, not sent again.
///
/// ```
/// use billkit::{ApiError, Error};
/// use billkit::billpro::BillProDialect;
/// use billkit::http::{Method, StatusCode};
/// let err: Error = ApiError::from_response(
///     Method::GET, "/orders/9", StatusCode::UNPROCESSABLE_ENTITY, None,
///     br#"{"error": "Record not found"}"#, None, 1,
/// )
/// .in_dialect(BillProDialect)
/// .into();
/// assert!(err.is_not_found());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct BillProDialect;

impl Dialect for BillProDialect {
    fn name(&self) -> &'static str {
        "BillPro"
    }

    fn is_not_found(&self, err: &ApiError) -> bool {
        match err.status() {
            StatusCode::NOT_FOUND => true,
            StatusCode::UNPROCESSABLE_ENTITY => {
                *err.method() == Method::GET
                    || err
                        .body()
                        .message()
                        .is_some_and(|m| m.to_ascii_lowercase().contains("not found"))
            }
            _ => false,
        }
    }
}

/// BillPro's lists: `?page=N` (from 1) over a bare JSON array of
/// [`PAGE_SIZE`](super::PAGE_SIZE) items, ending on a short page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BillProPages;

impl PageScheme for BillProPages {
    type Body<T: serde::de::DeserializeOwned> = Vec<T>;
    const ITEMS: Option<&'static str> = None;

    fn style(&self) -> PageStyle {
        PageStyle::PageNumber {
            page_size: super::PAGE_SIZE,
        }
    }

    fn set_query(request: &mut Request<()>, cursor: Cursor, _style: PageStyle) {
        if let Cursor::Page(n) = cursor {
            request.set_query("page", n);
        }
    }
}
