//! Companies: the accounts of a Billy server. A company is registered with
//! a Balanced processor key ([`Client::register_company`]) and gets the API
//! key every other call needs.
//!
//! ```no_run
//! # async fn run() -> billkit::Result<()> {
//! use billkit::ExposeSecret;
//! let registered = billkit::billy::Client::register_company(
//!     "https://billy.example.com",
//!     "ef13dce2093b11e388de026ba7d31e6f",
//! )
//! .await?;
//! // Keep the key somewhere safe: Billy cannot show it again.
//! let key: &str = registered.api_key().expose_secret();
//! let billy = registered.client()?;
//! let company = billy.companies().get(&registered.company.guid).await?;
//! # let _ = (key, company);
//! # Ok(()) }
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Deserialize;

use super::{Client, ClientBuilder, CompanyGuid};
use crate::error::Result;
use crate::http::{Request, Transport};

// ---- models ----

/// A company (an account on the Billy server).
///
/// Holds the company's API key, so it is not `Serialize` and its `Debug`
/// shows `[REDACTED]` instead of keys.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct Company {
    /// The company's GUID (`CP...`).
    pub guid: CompanyGuid,
    /// The API key for every other call.
    #[serde(deserialize_with = "super::deserialize_secret")]
    pub api_key: SecretString,
    /// The key Billy's processor callbacks carry, on setups that send one.
    #[serde(default, deserialize_with = "super::deserialize_secret_opt")]
    pub callback_key: Option<SecretString>,
    /// When the company was created.
    #[serde(with = "crate::lenient::timestamp")]
    pub created_at: DateTime<Utc>,
    /// When the company was last changed.
    #[serde(with = "crate::lenient::timestamp")]
    pub updated_at: DateTime<Utc>,
}

impl PartialEq for Company {
    fn eq(&self, other: &Self) -> bool {
        self.guid == other.guid
            && super::same_secret(&self.api_key, &other.api_key)
            && match (&self.callback_key, &other.callback_key) {
                (Some(a), Some(b)) => super::same_secret(a, b),
                (None, None) => true,
                _ => false,
            }
            && self.created_at == other.created_at
            && self.updated_at == other.updated_at
    }
}

/// A newly registered company, its API key, and what is needed to turn
/// them into a [`Client`].
///
/// `Debug` never shows the key.
#[derive(Clone)]
#[non_exhaustive]
pub struct RegisteredCompany {
    /// The company, as the server returned it (with the API key).
    pub company: Company,
    builder: ClientBuilder,
}

impl RegisteredCompany {
    pub(crate) fn new(company: Company, builder: ClientBuilder) -> Self {
        RegisteredCompany { company, builder }
    }

    /// The company's new API key. Save it: Billy cannot show it again.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// use billkit::ExposeSecret;
    /// let registered = billkit::billy::Client::register_company(
    ///     "https://billy.example.com",
    ///     "ef13dce2093b11e388de026ba7d31e6f",
    /// )
    /// .await?;
    /// std::fs::write("billy.key", registered.api_key().expose_secret()).ok();
    /// # Ok(()) }
    /// ```
    pub fn api_key(&self) -> &SecretString {
        &self.company.api_key
    }

    /// A client for this company, with the base URL and settings the
    /// registration used.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let registered = billkit::billy::Client::register_company(
    ///     "https://billy.example.com",
    ///     "ef13dce2093b11e388de026ba7d31e6f",
    /// )
    /// .await?;
    /// let billy = registered.client()?;
    /// let company = billy.companies().get(&registered.company.guid).await?;
    /// # let _ = company;
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> Result<Client> {
        self.client_builder().build()
    }

    /// A builder already holding the base URL, settings and API key, to
    /// change settings before building.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let registered = billkit::billy::Client::register_company(
    ///     "https://billy.example.com",
    ///     "ef13dce2093b11e388de026ba7d31e6f",
    /// )
    /// .await?;
    /// let billy = registered
    ///     .client_builder()
    ///     .attempt_timeout(std::time::Duration::from_secs(5))
    ///     .build()?;
    /// # let _ = billy;
    /// # Ok(()) }
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        self.builder.clone().api_key(self.company.api_key.clone())
    }
}

impl fmt::Debug for RegisteredCompany {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisteredCompany")
            .field("company", &self.company)
            .finish_non_exhaustive()
    }
}

// ---- endpoints ----

/// Company endpoints; from [`Client::companies`].
#[derive(Debug, Clone, Copy)]
pub struct Companies<'a> {
    transport: &'a Transport,
}

impl<'a> Companies<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Companies { transport }
    }

    /// `GET /v1/companies/{guid}`: the company the key belongs to (another
    /// company's GUID answers 403).
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::CompanyGuid;
    /// let company = billy.companies().get(&CompanyGuid::new("CP4MXZG4ThUdbLpiX8e9Yx3j")?).await?;
    /// println!("created {}", company.created_at);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, guid: &CompanyGuid) -> Result<Company> {
        self.transport
            .execute(Request::get("/v1/companies/{guid}").param(guid))
            .await
    }
}
