//! Billmora's rules for the shared core: how it answers and how it pages.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;

use crate::error::ApiError;
use crate::http::{Cursor, Dialect, PageParts, PageScheme, PageStyle, Request};

/// Billmora's rules ([`Dialect`]).
///
/// - Errors: Laravel's `{"message": ..., "errors": {...}}` (the generic
///   shape).
/// - Duplicate: a 422 whose field messages say "has already been taken"
///   (Laravel's `unique` rule).
/// - Unauthorized: 401 (`Unauthenticated.`) and 403. Every 403 of
///   Billmora's API comes from its two token checks, which run before any
///   controller (`CheckApiWhitelistIp`: "Your IP address is not allowed to
///   use this token."; `CheckApiTokenAbility`: "This token does not have
///   the required permission: ..."); no API controller answers 403
///   (`Billmora/billmora` at `7799ffac`). Both refuse the token, not the
///   request's data.
/// - Refused before the handler: a 429 with `Retry-After`. Every `/api/v1`
///   route sits in one group whose middleware runs `auth:sanctum`,
///   `CheckApiWhitelistIp` and then `ApiRateLimiter` before the route's own
///   `CheckApiTokenAbility` and the controller (`routes/api.php`).
///   `ApiRateLimiter::handle` answers 429 with `Retry-After`,
///   `X-RateLimit-Limit` and `X-RateLimit-Remaining: 0` *instead of*
///   calling `$next($request)`, and does not even count the refused request
///   (`app/Http/Middleware/ApiRateLimiter.php`). Nothing else answers 429:
///   no controller throttles, and the `api` group gets no `throttle`
///   middleware (`bootstrap/app.php`). So a create refused with 429 was not
///   carried out, and billkit sends it again after the wait. Not included:
///   the 503 of maintenance mode also comes before routing, but a 503 can
///   as well come from a proxy that forwarded the request and lost the
///   answer; 401 and 403 come before the controller too, but sending them
///   again cannot help.
/// - Quota: `X-RateLimit-Limit` and `X-RateLimit-Remaining`.
///
/// ```
/// use billkit::{ApiError, Error};
/// use billkit::billmora::BillmoraDialect;
/// use billkit::http::{Method, StatusCode};
/// let err: Error = ApiError::from_response(
///     Method::POST, "/api/v1/users", StatusCode::UNPROCESSABLE_ENTITY, None,
///     br#"{"message": "The email has already been taken.",
///          "errors": {"email": ["The email has already been taken."]}}"#,
///     None, 1,
/// )
/// .in_dialect(BillmoraDialect)
/// .into();
/// assert!(err.is_duplicate());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct BillmoraDialect;

impl Dialect for BillmoraDialect {
    fn name(&self) -> &'static str {
        "Billmora"
    }

    fn is_duplicate(&self, err: &ApiError) -> bool {
        err.status() == StatusCode::UNPROCESSABLE_ENTITY
            && err
                .validation_errors()
                .values()
                .flatten()
                .any(|m| m.contains("has already been taken"))
    }

    fn is_unauthorized(&self, err: &ApiError) -> bool {
        matches!(err.status().as_u16(), 401 | 403)
    }

    fn refused_before_handler(&self, status: StatusCode, headers: &HeaderMap) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS && headers.contains_key(RETRY_AFTER)
    }
}

/// Billmora's lists: `?page=N&per_page=M` over Laravel's
/// `{data, links, meta}` envelope, ending when `meta.current_page` reaches
/// `meta.last_page` or a page is empty.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BillmoraPages {
    /// Items per page to ask for; `None` leaves the server's default.
    pub(crate) per_page: Option<u32>,
}

#[derive(Deserialize)]
pub(crate) struct LaravelPage<T> {
    data: Vec<T>,
    #[serde(default)]
    meta: Option<LaravelMeta>,
}

#[derive(Deserialize)]
struct LaravelMeta {
    #[serde(default, with = "crate::lenient::int_opt")]
    current_page: Option<u64>,
    #[serde(default, with = "crate::lenient::int_opt")]
    last_page: Option<u64>,
    #[serde(default, with = "crate::lenient::int_opt")]
    total: Option<u64>,
}

impl<T> From<LaravelPage<T>> for PageParts<T> {
    fn from(page: LaravelPage<T>) -> Self {
        let parts = PageParts::new(page.data);
        match page.meta {
            Some(m) => parts
                .current_page(m.current_page)
                .last_page(m.last_page)
                .total(m.total),
            None => parts,
        }
    }
}

impl PageScheme for BillmoraPages {
    type Body<T: serde::de::DeserializeOwned> = LaravelPage<T>;
    const ITEMS: Option<&'static str> = Some("data");

    fn style(&self) -> PageStyle {
        PageStyle::PageNumberSized {
            per_page: self.per_page,
        }
    }

    fn set_query(request: &mut Request<()>, cursor: Cursor, style: PageStyle) {
        if let Cursor::Page(n) = cursor {
            request.set_query("page", n);
        }
        if let PageStyle::PageNumberSized { per_page: Some(n) } = style {
            request.set_query("per_page", n);
        }
    }
}
