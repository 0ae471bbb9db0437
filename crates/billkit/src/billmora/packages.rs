//! Packages (products): `/packages`, with their prices and the billing
//! enums shared by services and orders.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::checks::{check_int_column, check_one_of, check_opt_text, check_range};
use super::shared;
use super::{Catalog, Deleted, PAGES, Variant};
use super::{CatalogId, PackageId, PackagePriceId, PluginId};
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

crate::open_enum! {
    /// How something is billed.
    pub enum BillingType {
        /// Nothing to pay.
        Free => "free",
        /// Paid once.
        Onetime => "onetime",
        /// Paid every cycle.
        Recurring => "recurring",
    }
}

crate::open_enum! {
    /// The unit of a billing cycle.
    pub enum BillingPeriod {
        /// Days.
        Daily => "daily",
        /// Weeks.
        Weekly => "weekly",
        /// Months.
        Monthly => "monthly",
        /// Years.
        Yearly => "yearly",
    }
}

crate::open_enum! {
    /// Whether a package (or catalog) is offered in the store.
    pub enum PackageStatus {
        /// Shown.
        Visible => "visible",
        /// Hidden.
        Hidden => "hidden",
    }
}

crate::open_enum! {
    /// Whether a customer may order several of a package at once.
    pub enum AllowQuantity {
        /// One per order line.
        Single => "single",
        /// Any quantity.
        Multiple => "multiple",
    }
}

/// A product on sale, as `app/Http/Resources/PackageResource.php` renders
/// it. `POST /packages` answers with the model as inserted, so every column
/// the request did not set is `None` there although the database fills in
/// its default.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Package {
    /// The id.
    pub id: PackageId,
    /// Name.
    pub name: String,
    /// URL slug.
    pub slug: String,
    /// Description.
    pub description: String,
    /// Icon.
    #[serde(default)]
    pub icon: Option<String>,
    /// Shown or hidden (`None` in a create answer without it; default `visible`).
    #[serde(default)]
    pub status: Option<PackageStatus>,
    /// Units left, -1 for unlimited (`None` in a create answer without it; default -1).
    #[serde(default, with = "crate::lenient::int_opt")]
    pub stock: Option<i64>,
    /// Most services one user may hold, -1 for no limit (`None` in a create answer without it; default -1).
    #[serde(default, with = "crate::lenient::int_opt")]
    pub per_user_limit: Option<i64>,
    /// Whether users may cancel (`None` in a create answer without it; default `true`).
    #[serde(default, deserialize_with = "super::de::bool_opt")]
    pub allow_cancellation: Option<bool>,
    /// One or many per order line (`None` in a create answer without it; default `single`).
    #[serde(default)]
    pub allow_quantity: Option<AllowQuantity>,
    /// Day of the month prorated billing aligns to.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub prorata_day: Option<u8>,
    /// Day after which proration rolls into next month.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub prorata_next_month_day: Option<u8>,
    /// Whether paid services are set up automatically (`None` in a create answer without it; default `true`).
    #[serde(default, deserialize_with = "super::de::bool_opt")]
    pub auto_provision: Option<bool>,
    /// Position in listings (`None` in a create answer without it; default 0).
    #[serde(default, with = "crate::lenient::int_opt")]
    pub sort_order: Option<i64>,
    /// The provisioning plugin.
    #[serde(default)]
    pub plugin_id: Option<PluginId>,
    /// Provisioning configuration (a JSON column).
    #[serde(default, with = "crate::lenient::json_object")]
    pub provisioning_config: Option<Map<String, Value>>,
    /// The catalog, when the endpoint includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<Box<Catalog>>,
    /// The prices (show).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<Vec<PackagePrice>>,
    /// The variants with options and prices (show).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<Variant>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// One billing option of a package; its id is the `billing_id` of an
/// order line.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct PackagePrice {
    /// The id (`billing_id` when ordering).
    pub id: PackagePriceId,
    /// Name, e.g. "Monthly".
    pub name: String,
    /// Free, one-time or recurring.
    #[serde(rename = "type")]
    pub price_type: BillingType,
    /// Period of a recurring price.
    #[serde(default)]
    pub billing_period: Option<BillingPeriod>,
    /// Always `null` on current servers: `PackagePriceResource` reads
    /// `billing_interval`, the column is `time_interval`.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub billing_interval: Option<u32>,
    /// Always `null` on current servers: `package_prices` has no
    /// `enabled` column (see each rate's own `enabled`).
    #[serde(default, deserialize_with = "super::de::bool_opt")]
    pub enabled: Option<bool>,
    /// Amounts per currency code (a JSON column: `null`, `[]` or an object).
    #[serde(default, deserialize_with = "super::de::php_map")]
    pub rates: Option<BTreeMap<String, Rate>>,
}

/// The amounts of a price in one currency.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Rate {
    /// ISO currency code.
    #[serde(default)]
    pub currency: Option<String>,
    /// Price per cycle. Rates live in a JSON column that the admin fills
    /// with any `numeric` value, so no two-place column bounds them: float
    /// noise is removed, any other value is kept exactly
    /// ([`parse_at_least_two_places`](crate::money::parse_at_least_two_places)).
    #[serde(default, with = "crate::money::at_least_two_places_opt")]
    pub price: Option<Decimal>,
    /// Setup fee.
    #[serde(default, with = "crate::money::at_least_two_places_opt")]
    pub setup_fee: Option<Decimal>,
    /// Whether this currency is offered.
    #[serde(default, deserialize_with = "super::de::bool_opt")]
    pub enabled: Option<bool>,
}

/// Optional package fields shared by create and update.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
struct PackageOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<PackageStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stock: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_user_limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_cancellation: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_quantity: Option<AllowQuantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prorata_day: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prorata_next_month_day: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_provision: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_order: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin_id: Option<PluginId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provisioning_config: Option<Map<String, Value>>,
}

impl PackageOptions {
    fn validate(&self) -> Result<()> {
        if let Some(s) = &self.status {
            check_one_of("status", s, PackageStatus::KNOWN)?;
        }
        check_opt_text("icon", self.icon.as_ref(), 255)?;
        if let Some(v) = self.sort_order {
            check_int_column("sort_order", v)?;
        }
        if let Some(v) = self.stock {
            check_range("stock", v, -1, i64::from(i32::MAX))?;
        }
        if let Some(v) = self.per_user_limit {
            check_range("per_user_limit", v, -1, i64::from(i32::MAX))?;
        }
        if let Some(q) = &self.allow_quantity {
            check_one_of("allow_quantity", q, AllowQuantity::KNOWN)?;
        }
        if let Some(d) = self.prorata_day {
            check_range("prorata_day", d, 0, 31)?;
        }
        if let Some(d) = self.prorata_next_month_day {
            check_range("prorata_next_month_day", d, 0, 31)?;
        }
        Ok(())
    }
}

macro_rules! package_setters {
    () => {
        /// `visible` or `hidden`.
        pub fn status(mut self, v: impl Into<PackageStatus>) -> Self {
            self.options.status = Some(v.into());
            self
        }

        /// Icon.
        pub fn icon(mut self, v: impl Into<String>) -> Self {
            self.options.icon = Some(v.into());
            self
        }

        /// Units in stock; `-1` for unlimited.
        pub fn stock(mut self, v: i64) -> Self {
            self.options.stock = Some(v);
            self
        }

        /// Most units one user may own; `-1` for unlimited.
        pub fn per_user_limit(mut self, v: i64) -> Self {
            self.options.per_user_limit = Some(v);
            self
        }

        /// Whether customers may cancel.
        pub fn allow_cancellation(mut self, v: bool) -> Self {
            self.options.allow_cancellation = Some(v);
            self
        }

        /// `single` or `multiple`.
        pub fn allow_quantity(mut self, v: impl Into<AllowQuantity>) -> Self {
            self.options.allow_quantity = Some(v.into());
            self
        }

        /// Day of the month to prorate to, 0..=31 (0 turns proration off).
        pub fn prorata_day(mut self, v: u8) -> Self {
            self.options.prorata_day = Some(v);
            self
        }

        /// Day after which proration rolls into next month, 0..=31.
        pub fn prorata_next_month_day(mut self, v: u8) -> Self {
            self.options.prorata_next_month_day = Some(v);
            self
        }

        /// Whether services are provisioned automatically.
        pub fn auto_provision(mut self, v: bool) -> Self {
            self.options.auto_provision = Some(v);
            self
        }

        /// Position in listings.
        pub fn sort_order(mut self, v: i64) -> Self {
            self.options.sort_order = Some(v);
            self
        }

        /// The provisioning plugin.
        pub fn plugin_id(mut self, v: impl Into<PluginId>) -> Self {
            self.options.plugin_id = Some(v.into());
            self
        }

        /// Provisioning configuration.
        pub fn provisioning_config(mut self, v: Map<String, Value>) -> Self {
            self.options.provisioning_config = Some(v);
            self
        }
    };
}

/// The body of `POST /packages`.
///
/// `slug` and `description` are required here although the server's
/// validation lists them as optional: without them it answers 500.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPackage {
    name: String,
    catalog_id: CatalogId,
    slug: String,
    description: String,
    #[serde(flatten)]
    options: PackageOptions,
}

impl NewPackage {
    /// A package in `catalog_id`.
    pub fn new(
        catalog_id: impl Into<CatalogId>,
        name: impl Into<String>,
        slug: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        NewPackage {
            name: name.into(),
            catalog_id: catalog_id.into(),
            slug: slug.into(),
            description: description.into(),
            options: PackageOptions::default(),
        }
    }

    package_setters!();

    fn validate(&self) -> Result<()> {
        crate::validate::text("name", &self.name, 255)?;
        crate::validate::text("slug", &self.slug, 255)?;
        crate::validate::text("description", &self.description, 65_535)?;
        self.options.validate()
    }
}

/// The body of `PUT /packages/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PackageUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    catalog_id: Option<CatalogId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(flatten)]
    options: PackageOptions,
}

impl PackageUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// New name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }

    /// Moves the package to another catalog.
    pub fn catalog_id(mut self, v: impl Into<CatalogId>) -> Self {
        self.catalog_id = Some(v.into());
        self
    }

    /// New slug.
    pub fn slug(mut self, v: impl Into<String>) -> Self {
        self.slug = Some(v.into());
        self
    }

    /// New description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.description = Some(v.into());
        self
    }

    package_setters!();

    fn validate(&self) -> Result<()> {
        check_opt_text("name", self.name.as_ref(), 255)?;
        check_opt_text("slug", self.slug.as_ref(), 255)?;
        check_opt_text("description", self.description.as_ref(), 65_535)?;
        self.options.validate()
    }
}

super::filter::list_filter! {
    /// Filters of `GET /packages`.
    PackageFilter {
        text {
            /// Only `visible` or `hidden` packages.
            status: PackageStatus,
            /// Matches the name.
            search: String,
        }
    }
}

/// The `/packages` endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Packages<'a> {
    transport: &'a Transport,
}

impl<'a> Packages<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Packages { transport }
    }

    /// Packages, newest first (the controller's `latest()` comes before the
    /// model's `sort_order`, `id` scope), each with its catalog.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let packages = client.packages().list(&billkit::billmora::PackageFilter::new()).collect_all().await?;
    /// println!("{} packages", packages.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, filter: &PackageFilter) -> Paginator<Package> {
        let request = filter.apply(Request::get("/packages"));
        crate::http::keyed(Paginator::new(self.transport.clone(), request, PAGES))
    }

    /// One package with catalog, prices and variants.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let package = client.packages().get(7).await?;
    /// println!("{}", package.name);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<PackageId>) -> Result<Package> {
        shared::data(
            self.transport,
            Request::get("/packages/{id}").param(id.into()),
        )
        .await
    }

    /// Finds the package whose `slug` is `slug`, ignoring case. The API
    /// refuses a slug any package already has (`unique:packages,slug`, all
    /// catalogs); the list's `search` only matches names, so this walks
    /// every package (100 per page, one page after the other: a package
    /// created meanwhile only pushes the others later, never past the walk,
    /// so it cannot miss one that exists; one page per 100 packages). Only
    /// a deletion during the walk could move a package onto a page already
    /// read, and then the unique slug still refuses a second create.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// if let Some(package) = client.packages().find_by_slug("starter").await? {
    ///     println!("package {}", package.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn find_by_slug(&self, slug: &str) -> Result<Option<Package>> {
        use futures_util::TryStreamExt;
        let wanted = slug.trim();
        let mut all = self.list(&PackageFilter::new()).per_page(100).stream();
        while let Some(found) = all.try_next().await? {
            if found.slug.trim().eq_ignore_ascii_case(wanted) {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Creates a package. The answer is the model as inserted plus its
    /// catalog: every option not sent is `None` (see [`Package`]). The
    /// server checks `slug` is unique across all catalogs.
    ///
    /// Never made twice: the `slug` is unique on the server, so after an
    /// unknown outcome the package is looked up with [`find_by_slug`](Self::find_by_slug) and
    /// returned if there, else sent again (a refusal as taken then returns
    /// the one the first attempt made).
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let new = billkit::billmora::NewPackage::new(3, "Starter", "starter", "1 site, 10 GB");
    /// let package = client.packages().create(&new).await?;
    /// println!("package {}", package.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, package: &NewPackage) -> Result<Package> {
        package.validate()?;
        shared::create_unique(
            self.transport,
            Request::post("/packages").json(package),
            crate::LookupKey::new("slug", &package.slug),
            || self.find_by_slug(&package.slug),
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
    /// let package = client.packages().update(7, &billkit::billmora::PackageUpdate::new().name("Starter+")).await?;
    /// println!("{}", package.name);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(
        &self,
        id: impl Into<PackageId>,
        update: &PackageUpdate,
    ) -> Result<Package> {
        update.validate()?;
        shared::data(
            self.transport,
            Request::put("/packages/{id}").param(id.into()).json(update),
        )
        .await
    }

    /// Deletes a package. One that services still use cannot be deleted
    /// (`services.package_id` restricts): the server answers 500.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let deleted = client.packages().delete(7).await?;
    /// println!("{}", deleted.message);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, id: impl Into<PackageId>) -> Result<Deleted> {
        self.transport
            .execute(Request::delete("/packages/{id}").param(id.into()))
            .await
    }
}
