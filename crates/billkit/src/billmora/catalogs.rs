//! Catalogs (groups of packages in the store): `/catalogs`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::CatalogId;
use super::checks::{check_int_column, check_one_of, check_opt_text};
use super::shared;
use super::{Deleted, PAGES, Package};
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

crate::open_enum! {
    /// Whether a catalog is shown in the store.
    pub enum CatalogStatus {
        /// Shown.
        Visible => "visible",
        /// Hidden.
        Hidden => "hidden",
    }
}

/// A group of packages, as `app/Http/Resources/CatalogResource.php`
/// renders it. `POST /catalogs` answers with the model as inserted (unsent
/// `status`, `sort_order`, `icon` are `None` there, and no `packages`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Catalog {
    /// The id.
    pub id: CatalogId,
    /// Name.
    pub name: String,
    /// URL slug.
    pub slug: String,
    /// Description.
    pub description: String,
    /// Icon.
    #[serde(default)]
    pub icon: Option<String>,
    /// Shown or hidden; `None` in a create answer that did not send it
    /// (the column defaults to `visible`).
    #[serde(default)]
    pub status: Option<CatalogStatus>,
    /// Position in listings; `None` in a create answer that did not send it
    /// (the column defaults to 0).
    #[serde(default, with = "crate::lenient::int_opt")]
    pub sort_order: Option<i64>,
    /// Its packages (show).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<Vec<Package>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// The body of `POST /catalogs`.
///
/// `slug` and `description` are required here although the server's
/// validation lists them as optional: both columns are `NOT NULL` without
/// a default, so without them it answers 500. `slug` must be unique.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCatalog {
    name: String,
    slug: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<CatalogStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_order: Option<i64>,
}

impl NewCatalog {
    /// A catalog.
    pub fn new(
        name: impl Into<String>,
        slug: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        NewCatalog {
            name: name.into(),
            slug: slug.into(),
            description: description.into(),
            icon: None,
            status: None,
            sort_order: None,
        }
    }

    /// Icon.
    pub fn icon(mut self, v: impl Into<String>) -> Self {
        self.icon = Some(v.into());
        self
    }

    /// Shown or hidden.
    pub fn status(mut self, v: impl Into<CatalogStatus>) -> Self {
        self.status = Some(v.into());
        self
    }

    /// Position in listings.
    pub fn sort_order(mut self, v: i64) -> Self {
        self.sort_order = Some(v);
        self
    }

    fn validate(&self) -> Result<()> {
        crate::validate::text("name", &self.name, 255)?;
        crate::validate::text("slug", &self.slug, 255)?;
        crate::validate::not_blank("description", &self.description)?;
        check_opt_text("icon", self.icon.as_ref(), 255)?;
        if let Some(v) = self.sort_order {
            check_int_column("sort_order", v)?;
        }
        if let Some(s) = &self.status {
            check_one_of("status", s, CatalogStatus::KNOWN)?;
        }
        Ok(())
    }
}

/// The body of `PUT /catalogs/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CatalogUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<CatalogStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_order: Option<i64>,
}

impl CatalogUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// New name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
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

    /// New icon.
    pub fn icon(mut self, v: impl Into<String>) -> Self {
        self.icon = Some(v.into());
        self
    }

    /// Shown or hidden.
    pub fn status(mut self, v: impl Into<CatalogStatus>) -> Self {
        self.status = Some(v.into());
        self
    }

    /// Position in listings.
    pub fn sort_order(mut self, v: i64) -> Self {
        self.sort_order = Some(v);
        self
    }

    fn validate(&self) -> Result<()> {
        check_opt_text("name", self.name.as_ref(), 255)?;
        check_opt_text("slug", self.slug.as_ref(), 255)?;
        if let Some(d) = &self.description {
            crate::validate::not_blank("description", d)?;
        }
        check_opt_text("icon", self.icon.as_ref(), 255)?;
        if let Some(v) = self.sort_order {
            check_int_column("sort_order", v)?;
        }
        if let Some(s) = &self.status {
            check_one_of("status", s, CatalogStatus::KNOWN)?;
        }
        Ok(())
    }
}

super::filter::list_filter! {
    /// Filters of `GET /catalogs`.
    CatalogFilter {
        text {
            /// Only catalogs with this status.
            status: CatalogStatus,
            /// Matches the name.
            search: String,
        }
    }
}

/// The `/catalogs` endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Catalogs<'a> {
    transport: &'a Transport,
}

impl<'a> Catalogs<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Catalogs { transport }
    }

    /// Catalogs, newest first (the controller's `latest()` comes before the
    /// model's `sort_order`, `id` scope).
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let catalogs = client.catalogs().list(&billkit::billmora::CatalogFilter::new()).collect_all().await?;
    /// println!("{} catalogs", catalogs.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, filter: &CatalogFilter) -> Paginator<Catalog> {
        let request = filter.apply(Request::get("/catalogs"));
        crate::http::keyed(Paginator::new(self.transport.clone(), request, PAGES))
    }

    /// One catalog with its packages.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let catalog = client.catalogs().get(3).await?;
    /// println!("{}", catalog.name);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<CatalogId>) -> Result<Catalog> {
        shared::data(
            self.transport,
            Request::get("/catalogs/{id}").param(id.into()),
        )
        .await
    }

    /// Finds the catalog whose `slug` (unique) is `slug`, ignoring case as
    /// the unique index does. The list's `search` only matches names, so
    /// this walks every catalog (100 per page, one page after the other:
    /// a catalog created meanwhile only pushes the others later, never past
    /// the walk, so it cannot miss one that exists; one page per 100
    /// catalogs). Only a deletion during the walk could move a catalog onto
    /// a page already read, and then the unique slug still refuses a second
    /// create.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// if let Some(catalog) = client.catalogs().find_by_slug("web-hosting").await? {
    ///     println!("catalog {}", catalog.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn find_by_slug(&self, slug: &str) -> Result<Option<Catalog>> {
        use futures_util::TryStreamExt;
        let wanted = slug.trim();
        let mut all = self.list(&CatalogFilter::new()).per_page(100).stream();
        while let Some(found) = all.try_next().await? {
            if found.slug.trim().eq_ignore_ascii_case(wanted) {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Creates a catalog. The answer is the model as inserted (see
    /// [`Catalog`]); `slug` must be unique (422), so after a failure that
    /// may have landed look for it with [`find_by_slug`](Self::find_by_slug).
    ///
    /// Never made twice: the `slug` is unique on the server, so after an
    /// unknown outcome the catalog is looked up with [`find_by_slug`](Self::find_by_slug) and
    /// returned if there, else sent again (a refusal as taken then returns
    /// the one the first attempt made).
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let new = billkit::billmora::NewCatalog::new("Web Hosting", "web-hosting", "Shared hosting plans");
    /// let catalog = client.catalogs().create(&new).await?;
    /// println!("catalog {}", catalog.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, catalog: &NewCatalog) -> Result<Catalog> {
        catalog.validate()?;
        shared::create_unique(
            self.transport,
            Request::post("/catalogs").json(catalog),
            crate::LookupKey::new("slug", &catalog.slug),
            || self.find_by_slug(&catalog.slug),
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
    /// let catalog = client.catalogs().update(3, &billkit::billmora::CatalogUpdate::new().name("Hosting")).await?;
    /// println!("{}", catalog.name);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(
        &self,
        id: impl Into<CatalogId>,
        update: &CatalogUpdate,
    ) -> Result<Catalog> {
        update.validate()?;
        shared::data(
            self.transport,
            Request::put("/catalogs/{id}").param(id.into()).json(update),
        )
        .await
    }

    /// Deletes a catalog. One that still holds packages cannot be deleted
    /// (`packages.catalog_id` restricts): the server answers 500.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let deleted = client.catalogs().delete(3).await?;
    /// println!("{}", deleted.message);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, id: impl Into<CatalogId>) -> Result<Deleted> {
        self.transport
            .execute(Request::delete("/catalogs/{id}").param(id.into()))
            .await
    }
}
