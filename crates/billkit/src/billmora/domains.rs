//! The public domain-availability check, `POST /api/domains/check`
//! (outside `/api/v1`, no token sent).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::TldId;
use crate::error::{Error, Result};
use crate::http::{Request, Transport};

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
    /// Registration price, when known: the registrar plugin's figure, not a
    /// column, so read like a price's rates
    /// ([`parse_at_least_two_places`](crate::money::parse_at_least_two_places)).
    #[serde(default, with = "crate::money::at_least_two_places_opt")]
    pub price: Option<Decimal>,
    /// The server's explanation.
    #[serde(default)]
    pub message: Option<String>,
    /// The TLD's id, when the installation sells it.
    #[serde(default)]
    pub tld_id: Option<TldId>,
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
    transport: &'a Transport,
}

impl<'a> Domains<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Domains { transport }
    }

    /// Checks whether `domain` (e.g. `example.com`) can be registered.
    ///
    /// Server bug (`app/Http/Controllers/Api/DomainsController.php:39,42`):
    /// the TLD is looked up with its leading dot (`.com`), while the admin
    /// UI stores TLDs without one (`com`). On an installation whose TLDs
    /// were made in the admin UI every check answers 422 `TLD is not
    /// supported.` ([`KnownServerBug::DomainCheckTldLookup`](super::KnownServerBug::DomainCheckTldLookup)).
    /// Only `visible` TLDs are found. A registrar failure is a 200 with
    /// `success: false` and the reason in `message`.
    ///
    /// No token is sent. A refusal (unsupported TLD, malformed name) is a
    /// 422 `{"success": false, "message": ...}`, returned as
    /// [`Error::Api`](crate::Error::Api) whose `message()` holds the reason.
    /// Safe to retry: it changes nothing on the server.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let answer = client.domains().check("example.com").await?;
    /// println!("{:?}", answer);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn check(&self, domain: &str) -> Result<DomainCheck> {
        let domain = domain.trim();
        crate::validate::text("domain", domain, 255)?;
        if !matches_server_pattern(&domain.to_lowercase()) {
            return Err(Error::invalid_input(
                "domain",
                format!(
                    "`{domain}` is not a name the server accepts: a label of 2 or more letters, \
                     digits or inner hyphens, then one or two alphabetic TLD parts (example.com, example.co.uk)"
                ),
            ));
        }
        let request = Request::post("/domains/check")
            .json(&CheckBody { domain })
            .unauthenticated()
            .retry_mode(crate::http::RetryMode::Idempotent);
        self.transport.execute(request).await
    }
}

/// The server's own format check (`DomainsController.php:30`), on the
/// lower-cased name: `^[a-z0-9][a-z0-9\-]*[a-z0-9]\.[a-z]+(\.[a-z]+)?$`.
fn matches_server_pattern(domain: &str) -> bool {
    let Some((label, tld)) = domain.split_once('.') else {
        return false;
    };
    let b = label.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.len() < 2 || !alnum(&b[0]) || !alnum(&b[b.len() - 1]) {
        return false;
    }
    if !b.iter().all(|c| alnum(c) || *c == b'-') {
        return false;
    }
    let parts: Vec<&str> = tld.split('.').collect();
    parts.len() <= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::matches_server_pattern as ok;

    #[test]
    fn server_domain_pattern() {
        assert!(ok("example.com"));
        assert!(ok("my-shop2.co.uk"));
        assert!(!ok("a.com"), "one-character label");
        assert!(!ok("-ab.com"));
        assert!(!ok("ab-.com"));
        assert!(!ok("ab.c0m"));
        assert!(!ok("ab.a.b.c"));
        assert!(!ok("example"));
        assert!(!ok("ab..com"));
    }
}
