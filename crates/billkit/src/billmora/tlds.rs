//! Top-level domains on sale: `/tlds`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::checks::{check_int_column, check_one_of, check_range};
use super::shared;
use super::{Deleted, PAGES};
use super::{PluginId, TldId, TldPriceId};
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

crate::open_enum! {
    /// Whether a TLD is on sale (`tlds.status`: `visible` or `hidden`).
    pub enum TldStatus {
        /// On sale.
        Visible => "visible",
        /// Not on sale.
        Hidden => "hidden",
    }
}

/// A top-level domain the installation sells (e.g. `com`), as
/// `app/Http/Resources/TldResource.php` renders it.
///
/// `POST /tlds` answers with the model as inserted: `grace_period_days`,
/// `redemption_period_days` (the API cannot set them; the columns default
/// to 0) and an unsent `sort_order` and `plugin_id` are `None` there.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Tld {
    /// The id.
    pub id: TldId,
    /// The TLD as stored, e.g. `com` (the admin UI refuses a leading dot;
    /// the API accepts one).
    pub tld: String,
    /// On sale or not.
    pub status: TldStatus,
    /// The registrar plugin.
    #[serde(default)]
    pub plugin_id: Option<PluginId>,
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
    /// Position in listings; `None` in a create answer that did not send it.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub sort_order: Option<i64>,
    /// Always `null`: the `tlds` table has no `auto_renew` column.
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
    pub id: TldPriceId,
    /// ISO currency code.
    pub currency: String,
    /// Registration, per year.
    #[serde(with = "crate::money::two_places")]
    pub register_price: Decimal,
    /// Renewal, per year.
    #[serde(with = "crate::money::two_places")]
    pub renew_price: Decimal,
    /// Transfer in.
    #[serde(with = "crate::money::two_places")]
    pub transfer_price: Decimal,
}

/// `POST`/`PUT /tlds`: `tld` is `required|string|max:20` (trimmed by the
/// server first); no format rule, so `com` and `.com` both pass.
fn check_tld(tld: &str) -> Result<()> {
    crate::validate::text("tld", tld.trim(), 20)
}

/// `min_years`/`max_years` are `integer|min:1` with no upper bound and no
/// ordering rule on the API (the admin UI's 1..10 does not apply); the
/// columns are signed 32-bit.
fn check_years(min: Option<u32>, max: Option<u32>) -> Result<()> {
    for (field, v) in [("min_years", min), ("max_years", max)] {
        if let Some(v) = v {
            check_range(field, i64::from(v), 1, i64::from(i32::MAX))?;
        }
    }
    Ok(())
}

/// The body of `POST /tlds`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewTld {
    tld: String,
    status: TldStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin_id: Option<PluginId>,
    min_years: u32,
    max_years: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_order: Option<i64>,
}

impl NewTld {
    /// A TLD (at most 20 characters, e.g. `com`; unique) sold for
    /// `min_years..=max_years` (each 1 or more).
    ///
    /// The public domain check looks TLDs up *with* the leading dot
    /// (`.com`, see [`Domains::check`](super::Domains::check)), so only a
    /// TLD stored as `.com` is ever found by it.
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
    pub fn plugin_id(mut self, v: impl Into<PluginId>) -> Self {
        self.plugin_id = Some(v.into());
        self
    }

    /// Position in listings.
    pub fn sort_order(mut self, v: i64) -> Self {
        self.sort_order = Some(v);
        self
    }

    fn validate(&self) -> Result<()> {
        check_tld(&self.tld)?;
        check_one_of("status", &self.status, TldStatus::KNOWN)?;
        if let Some(v) = self.sort_order {
            check_int_column("sort_order", v)?;
        }
        check_years(Some(self.min_years), Some(self.max_years))
    }
}

/// The body of `PUT /tlds/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TldUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    tld: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<TldStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin_id: Option<PluginId>,
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

    /// New TLD text (at most 20 characters).
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
    pub fn plugin_id(mut self, v: impl Into<PluginId>) -> Self {
        self.plugin_id = Some(v.into());
        self
    }

    /// Shortest term in years (1 or more).
    pub fn min_years(mut self, v: u32) -> Self {
        self.min_years = Some(v);
        self
    }

    /// Longest term in years (1 or more; the API does not compare it with `min_years`).
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
            check_one_of("status", s, TldStatus::KNOWN)?;
        }
        if let Some(v) = self.sort_order {
            check_int_column("sort_order", v)?;
        }
        check_years(self.min_years, self.max_years)
    }
}

super::filter::list_filter! {
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
    transport: &'a Transport,
}

impl<'a> Tlds<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Tlds { transport }
    }

    /// TLDs, newest first (the controller's `latest()` comes before the
    /// model's `sort_order`, `id` scope).
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let tlds = client.tlds().list(&billkit::billmora::TldFilter::new()).collect_all().await?;
    /// println!("{} TLDs", tlds.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, filter: &TldFilter) -> Paginator<Tld> {
        let request = filter.apply(Request::get("/tlds"));
        crate::http::keyed(Paginator::new(self.transport.clone(), request, PAGES))
    }

    /// One TLD with its prices.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let tld = client.tlds().get(2).await?;
    /// println!("{}", tld.tld);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<TldId>) -> Result<Tld> {
        shared::data(self.transport, Request::get("/tlds/{id}").param(id.into())).await
    }

    /// Finds the TLD stored as `tld` (compared without regard to case, as
    /// the unique index does): `GET /tlds?search=` (a `LIKE` on the TLD),
    /// every matching page one after the other, the exact match kept, so it
    /// cannot miss one that exists (a TLD created meanwhile only pushes the
    /// others later). `com` and `.com` are different TLDs to the server.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// if let Some(tld) = client.tlds().find_by_tld("com").await? {
    ///     println!("TLD {}", tld.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn find_by_tld(&self, tld: &str) -> Result<Option<Tld>> {
        use futures_util::TryStreamExt;
        let wanted = tld.trim();
        let mut tlds = self
            .list(&TldFilter::new().search(wanted))
            .per_page(100)
            .stream();
        while let Some(found) = tlds.try_next().await? {
            if found.tld.trim().eq_ignore_ascii_case(wanted) {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Creates a TLD (answered with the model as inserted: see [`Tld`];
    /// without `prices`, which the API cannot set).
    ///
    /// Never made twice: the `tld` is unique on the server, so after an
    /// unknown outcome the TLD is looked up with [`find_by_tld`](Self::find_by_tld) and
    /// returned if there, else sent again (a refusal as taken then returns
    /// the one the first attempt made).
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let new = billkit::billmora::NewTld::new("com", billkit::billmora::TldStatus::Visible, 1, 10);
    /// let tld = client.tlds().create(&new).await?;
    /// println!("TLD {}", tld.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, tld: &NewTld) -> Result<Tld> {
        tld.validate()?;
        shared::create_unique(
            self.transport,
            Request::post("/tlds").json(tld),
            crate::LookupKey::new("tld", &tld.tld),
            || self.find_by_tld(&tld.tld),
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
    /// let tld = client.tlds().update(2, &billkit::billmora::TldUpdate::new().max_years(5)).await?;
    /// println!("{}", tld.max_years);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, id: impl Into<TldId>, update: &TldUpdate) -> Result<Tld> {
        update.validate()?;
        shared::data(
            self.transport,
            Request::put("/tlds/{id}").param(id.into()).json(update),
        )
        .await
    }

    /// Deletes a TLD. A TLD that registrants still use cannot be deleted
    /// (`registrants.tld_id` restricts): the server answers 500.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let deleted = client.tlds().delete(2).await?;
    /// println!("{}", deleted.message);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, id: impl Into<TldId>) -> Result<Deleted> {
        self.transport
            .execute(Request::delete("/tlds/{id}").param(id.into()))
            .await
    }
}
