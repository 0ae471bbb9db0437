//! Services: `/services` (no create: services come from orders).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::checks::{check_one_of, check_opt_text, check_timestamp_day};
use super::shared;
use super::{BillingPeriod, BillingType};
use super::{Deleted, PAGES, Package, User};
use super::{PackageId, PluginId, ServiceId, ServiceScalingId, UserId};
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

crate::open_enum! {
    /// A service's lifecycle state.
    pub enum ServiceStatus {
        /// Ordered, not yet provisioned.
        Pending => "pending",
        /// Running.
        Active => "active",
        /// Stopped, e.g. for non-payment.
        Suspended => "suspended",
        /// Removed from the provisioning backend.
        Terminated => "terminated",
        /// Cancelled by the customer or staff.
        Cancelled => "cancelled",
    }
}

crate::open_enum! {
    /// The state of a package change (scaling) of a service.
    pub enum ScalingStatus {
        /// Waiting to run.
        Pending => "pending",
        /// Done.
        Completed => "completed",
        /// Failed; see `error_message`.
        Failed => "failed",
    }
}

/// A provisioned product a user pays for.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Service {
    /// The id.
    pub id: ServiceId,
    /// The human-facing number.
    pub service_number: String,
    /// Lifecycle state.
    pub status: ServiceStatus,
    /// Name.
    pub name: String,
    /// How it is billed.
    pub billing_type: BillingType,
    /// The period of a recurring service.
    #[serde(default)]
    pub billing_period: Option<BillingPeriod>,
    /// How many periods one cycle lasts.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub billing_interval: Option<u32>,
    /// Price per cycle.
    #[serde(with = "crate::money::two_places")]
    pub price: Decimal,
    /// One-time setup fee.
    #[serde(with = "crate::money::two_places")]
    pub setup_fee: Decimal,
    /// ISO currency code.
    pub currency: String,
    /// Display text of the cycle, e.g. "Every 3 Month(s)".
    pub cycle_label: String,
    /// When it was activated.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub activated_at: Option<DateTime<Utc>>,
    /// When the next payment is due.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub next_due_date: Option<DateTime<Utc>>,
    /// When it was suspended.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub suspended_at: Option<DateTime<Utc>>,
    /// When it was terminated.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub terminated_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The provisioning plugin.
    #[serde(default)]
    pub plugin_id: Option<PluginId>,
    /// Chosen variant options (a JSON column: `null`, `[]` or an object).
    #[serde(default, with = "crate::lenient::json_object")]
    pub variant_selections: Option<Map<String, Value>>,
    /// Provisioning configuration (a JSON column).
    #[serde(default, with = "crate::lenient::json_object")]
    pub configuration: Option<Map<String, Value>>,
    /// The owner, when the endpoint includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// The package, when the endpoint includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Box<Package>>,
    /// Package changes, when the endpoint includes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scalings: Option<Vec<ServiceScaling>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// A change of a service from one package to another.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ServiceScaling {
    /// The id.
    pub id: ServiceScalingId,
    /// The service.
    pub service_id: ServiceId,
    /// State of the change.
    pub status: ScalingStatus,
    /// Package before.
    #[serde(default)]
    pub old_package_id: Option<PackageId>,
    /// Package after.
    #[serde(default)]
    pub new_package_id: Option<PackageId>,
    /// Price before.
    #[serde(default, with = "crate::money::two_places_opt")]
    pub old_price: Option<Decimal>,
    /// Price after.
    #[serde(default, with = "crate::money::two_places_opt")]
    pub new_price: Option<Decimal>,
    /// ISO currency code.
    #[serde(default)]
    pub currency: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub error_message: Option<String>,
}

const REQUEST_STATUSES: [ServiceStatus; 5] = [
    ServiceStatus::Active,
    ServiceStatus::Suspended,
    ServiceStatus::Terminated,
    ServiceStatus::Cancelled,
    ServiceStatus::Pending,
];

/// The body of `PUT /services/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<ServiceStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_due_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin_id: Option<PluginId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant_selections: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    configuration: Option<Map<String, Value>>,
}

impl ServiceUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// New state.
    pub fn status(mut self, v: impl Into<ServiceStatus>) -> Self {
        self.status = Some(v.into());
        self
    }

    /// New name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }

    /// New due date (taken by the server as its local date).
    pub fn next_due_date(mut self, v: NaiveDate) -> Self {
        self.next_due_date = Some(v);
        self
    }

    /// New provisioning plugin.
    pub fn plugin_id(mut self, v: impl Into<PluginId>) -> Self {
        self.plugin_id = Some(v.into());
        self
    }

    /// Replaces the variant selections.
    pub fn variant_selections(mut self, v: Map<String, Value>) -> Self {
        self.variant_selections = Some(v);
        self
    }

    /// Replaces the provisioning configuration.
    pub fn configuration(mut self, v: Map<String, Value>) -> Self {
        self.configuration = Some(v);
        self
    }

    fn validate(&self) -> Result<()> {
        if let Some(s) = &self.status {
            check_one_of("status", s, &REQUEST_STATUSES)?;
        }
        if let Some(d) = self.next_due_date {
            check_timestamp_day("next_due_date", d)?;
        }
        check_opt_text("name", self.name.as_ref(), 255)
    }
}

super::filter::list_filter! {
    /// Filters of `GET /services`.
    ///
    /// Server bug (`app/Http/Controllers/Api/ServicesController.php:23-24`): `search` is an
    /// ungrouped `where service_number LIKE ... OR name LIKE ...` added after the other
    /// filters, so rows whose `name` matches come back whatever `status`,
    /// `user_id` say (other users' services included). Filter again on the
    /// client when combining `search` with them. `%` and `_` are wildcards.
    ServiceFilter {
        text {
            /// Only services in this state.
            status: ServiceStatus,
            /// Matches number or name.
            search: String,
        }
        ids {
            /// Only this user's services.
            user_id: UserId,
        }
    }
}

/// The `/services` endpoints.
#[derive(Debug, Clone, Copy)]
pub struct Services<'a> {
    transport: &'a Transport,
}

impl<'a> Services<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Services { transport }
    }

    /// The transport, for the waiters and feeds of `crate::watch`.
    pub(crate) fn transport(&self) -> &'a Transport {
        self.transport
    }

    /// Services, newest first.
    ///
    /// **Fails on every current Billmora server** as soon as one service
    /// matches ([`KnownServerBug::ServiceScalingsRelation`](super::KnownServerBug::ServiceScalingsRelation)):
    /// the controller eager-loads a `scalings` relation the model lacks.
    /// An empty page still works.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let services = client.services().list(&billkit::billmora::ServiceFilter::new().user_id(12)).collect_all().await?;
    /// println!("{} services", services.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, filter: &ServiceFilter) -> Paginator<Service> {
        let request = filter.apply(Request::get("/services"));
        crate::http::keyed(Paginator::new(self.transport.clone(), request, PAGES))
    }

    /// One service, with user, package and scalings.
    ///
    /// **Fails on every current Billmora server** with 500
    /// ([`KnownServerBug::ServiceScalingsRelation`](super::KnownServerBug::ServiceScalingsRelation)).
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let service = client.services().get(30).await?;
    /// println!("{}", service.service_number);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<ServiceId>) -> Result<Service> {
        shared::data(
            self.transport,
            Request::get("/services/{id}").param(id.into()),
        )
        .await
    }

    /// Changes the fields set in `update`.
    ///
    /// **On every current Billmora server the change is saved and then the
    /// call fails** with 500 while re-reading the service
    /// ([`KnownServerBug::ServiceScalingsRelation`](super::KnownServerBug::ServiceScalingsRelation)).
    /// Only the sent columns change: a status change sets no
    /// `suspended_at`/`terminated_at`/`activated_at`, but the observer
    /// still runs (activating from anything but `suspended` takes one unit
    /// of package stock; terminating or cancelling gives one back;
    /// activating the last pending service of an order completes it).
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let update = billkit::billmora::ServiceUpdate::new().status(billkit::billmora::ServiceStatus::Active);
    /// let service = client.services().update(30, &update).await?;
    /// println!("{:?}", service.status);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(
        &self,
        id: impl Into<ServiceId>,
        update: &ServiceUpdate,
    ) -> Result<Service> {
        update.validate()?;
        shared::data(
            self.transport,
            Request::put("/services/{id}").param(id.into()).json(update),
        )
        .await
    }

    /// Deletes a service.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let deleted = client.services().delete(30).await?;
    /// println!("{}", deleted.message);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, id: impl Into<ServiceId>) -> Result<Deleted> {
        self.transport
            .execute(Request::delete("/services/{id}").param(id.into()))
            .await
    }
}
