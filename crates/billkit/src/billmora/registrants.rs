//! Registrants (registered domains): `/registrants` (no create: they come
//! from orders).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::checks::check_one_of;
use super::shared;
use super::{Deleted, DomainItemType, PAGES, Tld, User};
use super::{RegistrantId, UserId};
use crate::error::{Error, Result};
use crate::http::{Paginator, Request, Transport};

crate::open_enum! {
    /// A registered domain's state.
    pub enum RegistrantStatus {
        /// Ordered, not yet registered.
        Pending => "pending",
        /// Registered and running.
        Active => "active",
        /// Past its expiry date.
        Expired => "expired",
        /// Suspended.
        Suspended => "suspended",
        /// A transfer in is under way.
        PendingTransfer => "pending_transfer",
        /// Transferred to another registrar.
        TransferredAway => "transferred_away",
        /// Cancelled.
        Cancelled => "cancelled",
        /// In the registry's redemption period.
        Redemption => "redemption",
        /// Terminated.
        Terminated => "terminated",
    }
}

/// A domain a user holds through the installation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Registrant {
    /// The id.
    pub id: RegistrantId,
    /// The human-facing number.
    pub registrant_number: String,
    /// The full domain name.
    pub domain: String,
    /// State.
    pub status: RegistrantStatus,
    /// Registered here or transferred in.
    pub registration_type: DomainItemType,
    /// Registration term in years.
    #[serde(with = "crate::lenient::int")]
    pub years: u32,
    /// Price of the term.
    #[serde(with = "crate::money::two_places")]
    pub price: Decimal,
    /// ISO currency code.
    pub currency: String,
    /// Whether it renews automatically.
    pub auto_renew: bool,
    /// Name servers (a JSON column: `null`, a list or an object of names).
    #[serde(default, deserialize_with = "super::de::nameservers")]
    pub nameservers: Option<Vec<String>>,
    /// Registrar configuration (a JSON column).
    #[serde(default, with = "crate::lenient::json_object")]
    pub configuration: Option<Map<String, Value>>,
    /// When it was registered.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub registered_at: Option<DateTime<Utc>>,
    /// When it expires.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was suspended.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub suspended_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The owner, when included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// The TLD, when included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tld: Option<Tld>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// What `PUT /registrants/{id}` accepts (`RegistrantsController.php:54`).
const REQUEST_STATUSES: [RegistrantStatus; 6] = [
    RegistrantStatus::Pending,
    RegistrantStatus::PendingTransfer,
    RegistrantStatus::Active,
    RegistrantStatus::Suspended,
    RegistrantStatus::Expired,
    RegistrantStatus::Cancelled,
];

/// The body of `PUT /registrants/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RegistrantUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<RegistrantStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_renew: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nameservers: Option<Vec<String>>,
}

impl RegistrantUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// New state.
    pub fn status(mut self, v: impl Into<RegistrantStatus>) -> Self {
        self.status = Some(v.into());
        self
    }

    /// Whether it renews automatically.
    pub fn auto_renew(mut self, v: bool) -> Self {
        self.auto_renew = Some(v);
        self
    }

    /// Replaces the name servers (1 to 5).
    pub fn nameservers<S: Into<String>>(mut self, v: impl IntoIterator<Item = S>) -> Self {
        self.nameservers = Some(v.into_iter().map(Into::into).collect());
        self
    }

    fn validate(&self) -> Result<()> {
        if let Some(s) = &self.status {
            check_one_of("status", s, &REQUEST_STATUSES)?;
        }
        if let Some(ns) = &self.nameservers {
            if ns.is_empty() || ns.len() > 5 {
                return Err(Error::invalid_input(
                    "nameservers",
                    format!("give 1 to 5 name servers (got {})", ns.len()),
                ));
            }
            for (i, n) in ns.iter().enumerate() {
                crate::validate::max_chars(&format!("nameservers.{i}"), n, 255)?;
            }
        }
        Ok(())
    }
}

super::filter::list_filter! {
    /// Filters of `GET /registrants`.
    ///
    /// Server bug (`app/Http/Controllers/Api/RegistrantsController.php:23-24`): `search` is an
    /// ungrouped `where registrant_number LIKE ... OR domain LIKE ...` added after the other
    /// filters, so rows whose `domain` matches come back whatever `status`,
    /// `user_id` say (other users' registrants included). Filter again on the
    /// client when combining `search` with them. `%` and `_` are wildcards.
    RegistrantFilter {
        text {
            /// Only domains in this state.
            status: RegistrantStatus,
            /// Matches the domain name or number.
            search: String,
        }
        ids {
            /// Only this user's domains.
            user_id: UserId,
        }
    }
}

/// The `/registrants` endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Registrants<'a> {
    transport: &'a Transport,
}

impl<'a> Registrants<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Registrants { transport }
    }

    /// Registered domains, newest first, with user and TLD.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let domains = client.registrants().list(&billkit::billmora::RegistrantFilter::new().user_id(12)).collect_all().await?;
    /// println!("{} domains", domains.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, filter: &RegistrantFilter) -> Paginator<Registrant> {
        let request = filter.apply(Request::get("/registrants"));
        crate::http::keyed(Paginator::new(self.transport.clone(), request, PAGES))
    }

    /// One registered domain with user and TLD.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let registrant = client.registrants().get(40).await?;
    /// println!("{}", registrant.domain);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<RegistrantId>) -> Result<Registrant> {
        shared::data(
            self.transport,
            Request::get("/registrants/{id}").param(id.into()),
        )
        .await
    }

    /// Changes the fields set in `update`.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let registrant = client.registrants().update(40, &billkit::billmora::RegistrantUpdate::new().auto_renew(true)).await?;
    /// println!("{:?}", registrant.auto_renew);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(
        &self,
        id: impl Into<RegistrantId>,
        update: &RegistrantUpdate,
    ) -> Result<Registrant> {
        update.validate()?;
        shared::data(
            self.transport,
            Request::put("/registrants/{id}")
                .param(id.into())
                .json(update),
        )
        .await
    }

    /// Deletes a registered domain record.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let deleted = client.registrants().delete(40).await?;
    /// println!("{}", deleted.message);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, id: impl Into<RegistrantId>) -> Result<Deleted> {
        self.transport
            .execute(Request::delete("/registrants/{id}").param(id.into()))
            .await
    }
}
