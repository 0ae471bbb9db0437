//! The public domain-availability check, `POST /api/domains/check`
//! (outside `/api/v1`, no token sent).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Client;
use crate::error::{Error, Result};
use crate::http::Request;

/// The answer of a domain check.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct DomainCheck {
    /// The domain that was checked.
    pub domain: String,
    /// Whether it can be registered.
    pub available: bool,
    /// Whether the registry prices it as premium.
    #[serde(default)]
    pub premium: bool,
    /// Registration price, when known.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub price: Option<Decimal>,
    /// The server's explanation.
    #[serde(default)]
    pub message: Option<String>,
    /// The TLD's id, when the installation sells it.
    #[serde(default)]
    pub tld_id: Option<u64>,
    /// Whether the check ran.
    #[serde(default)]
    pub success: bool,
}

#[derive(Serialize)]
struct CheckBody<'a> {
    domain: &'a str,
}

/// The domain check endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Domains<'a> {
    pub(super) client: &'a Client,
}

impl Domains<'_> {
    /// Checks whether `domain` (e.g. `example.com`) can be registered.
    ///
    /// No token is sent. A refusal (unsupported TLD, malformed name) is a
    /// 422 `{"success": false, "message": ...}`, returned as
    /// [`Error::Api`](crate::Error::Api) whose `message()` holds the reason.
    /// Safe to retry: it changes nothing on the server.
    pub async fn check(&self, domain: &str) -> Result<DomainCheck> {
        let domain = domain.trim();
        crate::validate::text("domain", domain, 255)?;
        if !domain.contains('.') || domain.contains(char::is_whitespace) {
            return Err(Error::invalid_input(
                "domain",
                format!("`{domain}` is not a full domain name such as example.com"),
            ));
        }
        let request = Request::post("/domains/check")
            .json(&CheckBody { domain })
            .unauthenticated()
            .retry_mode(crate::http::RetryMode::Idempotent);
        self.client.public.execute(request).await
    }
}
