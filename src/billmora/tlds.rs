//! Top-level domains on sale: `/tlds`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{check_range, Client, Deleted, PAGES};
use crate::error::{Error, Result};
use crate::http::{Paginator, Request};

crate::open_enum! {
    /// Whether a TLD is on sale.
    pub enum TldStatus {
        /// On sale.
        Active => "active",
        /// Not on sale.
        Inactive => "inactive",
    }
}

/// A top-level domain the installation sells (e.g. `com`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Tld {
    /// The id.
    pub id: u64,
    /// The TLD without a dot, e.g. `com`.
    pub tld: String,
    /// On sale or not.
    pub status: TldStatus,
    /// The registrar plugin.
    #[serde(default)]
    pub plugin_id: Option<u64>,
    /// Shortest term in years.
    #[serde(with = "crate::lenient::int")]
    pub min_years: u32,
    /// Longest term in years.
    #[serde(with = "crate::lenient::int")]
    pub max_years: u32,
    /// Days after expiry the domain can still be renewed.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub grace_period_days: Option<u32>,
    /// Days of the registry's redemption period.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub redemption_period_days: Option<u32>,
    /// Position in listings.
    #[serde(with = "crate::lenient::int")]
    pub sort_order: i64,
    /// Always `null` on current servers.
    #[serde(default, deserialize_with = "super::de::bool_opt")]
    pub auto_renew: Option<bool>,
    /// Prices per currency (show, update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<Vec<TldPrice>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// A TLD's yearly prices in one currency.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct TldPrice {
    /// The id.
    pub id: u64,
    /// ISO currency code.
    pub currency: String,
    /// Registration, per year.
    #[serde(with = "crate::money::decimal")]
    pub register_price: Decimal,
    /// Renewal, per year.
    #[serde(with = "crate::money::decimal")]
    pub renew_price: Decimal,
    /// Transfer in.
    #[serde(with = "crate::money::decimal")]
    pub transfer_price: Decimal,
}

/// Registration terms a TLD may offer.
const YEARS: (u32, u32) = (1, 10);

fn check_tld(tld: &str) -> Result<()> {
    crate::validate::text("tld", tld, 20)?;
    if tld.contains('.') || tld.contains(char::is_whitespace) {
        return Err(Error::invalid_input(
            "tld",
            format!("`{tld}` must be given without a dot or spaces, e.g. `com`"),
        ));
    }
    Ok(())
}

fn check_years(min: Option<u32>, max: Option<u32>) -> Result<()> {
    if let Some(v) = min {
        check_range("min_years", v, YEARS.0, YEARS.1)?;
    }
    if let Some(v) = max {
        check_range("max_years", v, YEARS.0, YEARS.1)?;
    }
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            return Err(Error::invalid_input(
                "max_years",
                format!("must not be below min_years ({hi} < {lo})"),
            ));
        }
    }
    Ok(())
}

/// The body of `POST /tlds`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewTld {
    tld: String,
    status: TldStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin_id: Option<u64>,
    min_years: u32,
    max_years: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_order: Option<i64>,
}

impl NewTld {
    /// A TLD (`com`, without the dot, at most 20 characters) sold for
    /// `min_years..=max_years` (each 1 to 10).
    pub fn new(
        tld: impl Into<String>,
        status: impl Into<TldStatus>,
        min_years: u32,
        max_years: u32,
    ) -> Self {
        NewTld {
            tld: tld.into(),
            status: status.into(),
            plugin_id: None,
            min_years,
            max_years,
            sort_order: None,
        }
    }

    /// The registrar plugin.
    pub fn plugin_id(mut self, v: u64) -> Self {
        self.plugin_id = Some(v);
        self
    }

    /// Position in listings.
    pub fn sort_order(mut self, v: i64) -> Self {
        self.sort_order = Some(v);
        self
    }

    fn validate(&self) -> Result<()> {
        check_tld(&self.tld)?;
        crate::validate::not_blank("status", self.status.as_str())?;
        check_years(Some(self.min_years), Some(self.max_years))
    }
}

/// The body of `PUT /tlds/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TldUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    tld: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<TldStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_years: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_years: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_order: Option<i64>,
}

impl TldUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// New TLD text (without a dot).
    pub fn tld(mut self, v: impl Into<String>) -> Self {
        self.tld = Some(v.into());
        self
    }

    /// On sale or not.
    pub fn status(mut self, v: impl Into<TldStatus>) -> Self {
        self.status = Some(v.into());
        self
    }

    /// The registrar plugin.
    pub fn plugin_id(mut self, v: u64) -> Self {
        self.plugin_id = Some(v);
        self
    }

    /// Shortest term, 1 to 10 years.
    pub fn min_years(mut self, v: u32) -> Self {
        self.min_years = Some(v);
        self
    }

    /// Longest term, 1 to 10 years.
    pub fn max_years(mut self, v: u32) -> Self {
        self.max_years = Some(v);
        self
    }

    /// Position in listings.
    pub fn sort_order(mut self, v: i64) -> Self {
        self.sort_order = Some(v);
        self
    }

    fn validate(&self) -> Result<()> {
        if let Some(t) = &self.tld {
            check_tld(t)?;
        }
        if let Some(s) = &self.status {
            crate::validate::not_blank("status", s.as_str())?;
        }
        check_years(self.min_years, self.max_years)
    }
}

super::list_filter! {
    /// Filters of `GET /tlds`.
    TldFilter {
        text {
            /// Only TLDs with this status.
            status: TldStatus,
            /// Matches the TLD text.
            search: String,
        }
    }
}

/// The `/tlds` endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Tlds<'a> {
    pub(super) client: &'a Client,
}

impl Tlds<'_> {
    /// TLDs by `sort_order` then id.
    pub fn list(&self, filter: &TldFilter) -> Paginator<Tld> {
        let request = filter.apply(Request::get("/tlds"));
        Paginator::new(self.client.transport.clone(), request, PAGES)
    }

    /// One TLD with its prices.
    pub async fn get(&self, id: u64) -> Result<Tld> {
        self.client.data(Request::get("/tlds/{id}").param(id)).await
    }

    /// Creates a TLD.
    pub async fn create(&self, tld: &NewTld) -> Result<Tld> {
        tld.validate()?;
        self.client.data(Request::post("/tlds").json(tld)).await
    }

    /// Changes the fields set in `update`.
    pub async fn update(&self, id: u64, update: &TldUpdate) -> Result<Tld> {
        update.validate()?;
        self.client
            .data(Request::put("/tlds/{id}").param(id).json(update))
            .await
    }

    /// Deletes a TLD.
    pub async fn delete(&self, id: u64) -> Result<Deleted> {
        self.client
            .transport
            .execute(Request::delete("/tlds/{id}").param(id))
            .await
    }
}
