//! Variants (configurable options of packages): `/variants`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::checks::{check_one_of, check_opt_text};
use super::shared;
use super::{Deleted, PAGES, Rate};
use super::{VariantId, VariantOptionId, VariantOptionPriceId};
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};
use std::collections::BTreeMap;

crate::open_enum! {
    /// Whether a variant is offered (`variants.status`: `visible` or `hidden`).
    pub enum VariantStatus {
        /// Offered.
        Visible => "visible",
        /// Not offered.
        Hidden => "hidden",
    }
}

/// A configurable option of packages (e.g. "Memory"), with its choices.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Variant {
    /// The id.
    pub id: VariantId,
    /// Name.
    pub name: String,
    /// Machine code.
    pub code: String,
    /// Offered or not.
    pub status: VariantStatus,
    /// Whether a service may change this option later (scaling).
    pub is_scalable: bool,
    /// The choices, with their prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<VariantOption>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// One choice of a variant (its id is what an order line picks).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct VariantOption {
    /// The id.
    pub id: VariantOptionId,
    /// Display name.
    pub name: String,
    /// Value handed to provisioning.
    #[serde(with = "crate::lenient::string")]
    pub value: String,
    /// Prices of this choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<Vec<VariantOptionPrice>>,
}

/// The price of a variant option.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct VariantOptionPrice {
    /// The id.
    pub id: VariantOptionPriceId,
    /// Amounts per currency code (a JSON column: `null`, `[]` or an object).
    #[serde(default, deserialize_with = "super::de::php_map")]
    pub rates: Option<BTreeMap<String, Rate>>,
}

/// The body of `POST /variants`.
///
/// `code` is required here although the server's validation lists it as
/// optional: the column is `NOT NULL` without a default, so without it the
/// server answers 500.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewVariant {
    name: String,
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<VariantStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_scalable: Option<bool>,
}

impl NewVariant {
    /// A variant.
    pub fn new(name: impl Into<String>, code: impl Into<String>) -> Self {
        NewVariant {
            name: name.into(),
            code: code.into(),
            status: None,
            is_scalable: None,
        }
    }

    /// Offered or not.
    pub fn status(mut self, v: impl Into<VariantStatus>) -> Self {
        self.status = Some(v.into());
        self
    }

    /// Whether services may change this option later.
    pub fn is_scalable(mut self, v: bool) -> Self {
        self.is_scalable = Some(v);
        self
    }

    fn validate(&self) -> Result<()> {
        crate::validate::text("name", &self.name, 255)?;
        crate::validate::text("code", &self.code, 255)?;
        if let Some(s) = &self.status {
            check_one_of("status", s, VariantStatus::KNOWN)?;
        }
        Ok(())
    }
}

/// The body of `PUT /variants/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VariantUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<VariantStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_scalable: Option<bool>,
}

impl VariantUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// New name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }

    /// New code.
    pub fn code(mut self, v: impl Into<String>) -> Self {
        self.code = Some(v.into());
        self
    }

    /// Offered or not.
    pub fn status(mut self, v: impl Into<VariantStatus>) -> Self {
        self.status = Some(v.into());
        self
    }

    /// Whether services may change this option later.
    pub fn is_scalable(mut self, v: bool) -> Self {
        self.is_scalable = Some(v);
        self
    }

    fn validate(&self) -> Result<()> {
        check_opt_text("name", self.name.as_ref(), 255)?;
        check_opt_text("code", self.code.as_ref(), 255)?;
        if let Some(s) = &self.status {
            check_one_of("status", s, VariantStatus::KNOWN)?;
        }
        Ok(())
    }
}

super::filter::list_filter! {
    /// Filters of `GET /variants`.
    VariantFilter {
        text {
            /// Only variants with this status.
            status: VariantStatus,
            /// Matches the name.
            search: String,
        }
    }
}

/// The `/variants` endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Variants<'a> {
    transport: &'a Transport,
}

impl<'a> Variants<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Variants { transport }
    }

    /// Variants, newest first (then `sort_order`, id), with options and prices.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let variants = client.variants().list(&billkit::billmora::VariantFilter::new()).collect_all().await?;
    /// println!("{} variants", variants.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, filter: &VariantFilter) -> Paginator<Variant> {
        let request = filter.apply(Request::get("/variants"));
        crate::http::keyed(Paginator::new(self.transport.clone(), request, PAGES))
    }

    /// One variant with options and prices.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let variant = client.variants().get(5).await?;
    /// println!("{}", variant.name);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<VariantId>) -> Result<Variant> {
        shared::data(
            self.transport,
            Request::get("/variants/{id}").param(id.into()),
        )
        .await
    }

    /// Creates a variant.
    ///
    /// **Fails on every current Billmora server** with a 500
    /// ([`KnownServerBug::VariantTypeColumn`](super::KnownServerBug::VariantTypeColumn)):
    /// the `variants.type` column is required and the API cannot set it.
    /// Nothing is saved, so retrying is harmless but useless; create
    /// variants in the admin UI.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let variant = client.variants().create(&billkit::billmora::NewVariant::new("Memory", "memory")).await?;
    /// println!("variant {}", variant.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, variant: &NewVariant) -> Result<Variant> {
        variant.validate()?;
        shared::data(self.transport, Request::post("/variants").json(variant)).await
    }

    /// Changes the fields set in `update`.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let variant = client.variants().update(5, &billkit::billmora::VariantUpdate::new().name("RAM")).await?;
    /// println!("{}", variant.name);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(
        &self,
        id: impl Into<VariantId>,
        update: &VariantUpdate,
    ) -> Result<Variant> {
        update.validate()?;
        shared::data(
            self.transport,
            Request::put("/variants/{id}").param(id.into()).json(update),
        )
        .await
    }

    /// Deletes a variant.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let deleted = client.variants().delete(5).await?;
    /// println!("{}", deleted.message);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, id: impl Into<VariantId>) -> Result<Deleted> {
        self.transport
            .execute(Request::delete("/variants/{id}").param(id.into()))
            .await
    }
}
