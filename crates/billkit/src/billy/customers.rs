//! Customers: the people a company bills, optionally mapped to a Balanced
//! customer through `processor_uri`.
//!
//! ```no_run
//! # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
//! use billkit::billy::{CustomerFilter, NewCustomer};
//! let customer = billy
//!     .customers()
//!     .create(&NewCustomer::new().processor_uri("/v1/customers/CUCChwFzuMRlBGgoBwjRgqr"))
//!     .await?;
//! let same = billy
//!     .customers()
//!     .list(&CustomerFilter::new().processor_uri("/v1/customers/CUCChwFzuMRlBGgoBwjRgqr"))
//!     .collect_all()
//!     .await?;
//! let invoices = billy.invoices().list_for_customer(&customer.guid).collect_all().await?;
//! # let _ = (same, invoices);
//! # Ok(()) }
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CompanyGuid, CustomerGuid, PlanCustomers, PlanGuid};
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

// ---- models ----

/// A customer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Customer {
    /// The customer's GUID (`CU...`).
    pub guid: CustomerGuid,
    /// The company the customer belongs to.
    pub company_guid: CompanyGuid,
    /// The Balanced customer this one maps to, once there is one.
    #[serde(default)]
    pub processor_uri: Option<String>,
    /// Whether the customer was deleted (deleted customers stay readable).
    pub deleted: bool,
    /// When the customer was created.
    #[serde(with = "crate::lenient::timestamp")]
    pub created_at: DateTime<Utc>,
    /// When the customer was last changed.
    #[serde(with = "crate::lenient::timestamp")]
    pub updated_at: DateTime<Utc>,
}

// ---- requests ----

/// A customer to create. Everything is optional: `NewCustomer::default()`
/// creates a customer Billy maps to Balanced on the first charge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCustomer {
    processor_uri: Option<String>,
}

impl NewCustomer {
    /// A customer with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps the customer to an existing Balanced customer.
    pub fn processor_uri(mut self, uri: impl Into<String>) -> Self {
        self.processor_uri = Some(uri.into());
        self
    }

    /// Checks the request as Billy would.
    pub(crate) fn validate(&self) -> Result<()> {
        if let Some(uri) = &self.processor_uri {
            crate::validate::not_blank("processor_uri", uri)?;
        }
        Ok(())
    }

    /// The form fields sent, in order.
    pub(crate) fn form(&self) -> Vec<(String, String)> {
        let mut form = Vec::new();
        if let Some(uri) = &self.processor_uri {
            form.push(("processor_uri".to_owned(), uri.clone()));
        }
        form
    }
}

/// Which customers [`Customers::list`] returns: all of them
/// (`CustomerFilter::new()`), or those mapped to one Balanced customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    processor_uri: Option<String>,
}

impl CustomerFilter {
    /// No filter: every customer of the company.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the customers mapped to this Balanced customer. An empty URI is
    /// refused (Billy would list everyone).
    pub fn processor_uri(mut self, uri: impl Into<String>) -> Self {
        self.processor_uri = Some(uri.into());
        self
    }

    /// The request for the list, or why it is refused.
    fn request(&self) -> Result<Request<()>> {
        let mut request = Request::get("/v1/customers");
        if let Some(uri) = &self.processor_uri {
            crate::validate::not_blank("processor_uri", uri)?;
            request = request.query("processor_uri", uri);
        }
        Ok(request)
    }
}

// ---- endpoints ----

/// Customer endpoints; from [`Client::customers`](super::Client::customers).
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    transport: &'a Transport,
}

impl<'a> Customers<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Customers { transport }
    }

    /// `POST /v1/customers`. Never retried once it may have reached the
    /// server.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::NewCustomer;
    /// let customer = billy.customers().create(&NewCustomer::new()).await?;
    /// println!("created {}", customer.guid);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, customer: &NewCustomer) -> Result<Customer> {
        customer.validate()?;
        self.transport
            .execute(Request::post("/v1/customers").form(customer.form()))
            .await
    }

    /// `GET /v1/customers/{guid}`.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::CustomerGuid;
    /// let guid = CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK")?;
    /// let customer = billy.customers().get(&guid).await?;
    /// println!("deleted: {}", customer.deleted);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, guid: &CustomerGuid) -> Result<Customer> {
        self.transport
            .execute(Request::get("/v1/customers/{guid}").param(guid))
            .await
    }

    /// `DELETE /v1/customers/{guid}`: a soft delete; the customer comes back
    /// with `deleted: true`. Deleting twice answers 400.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::CustomerGuid;
    /// let guid = CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK")?;
    /// let customer = billy.customers().delete(&guid).await?;
    /// assert!(customer.deleted);
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, guid: &CustomerGuid) -> Result<Customer> {
        self.transport
            .execute(Request::delete("/v1/customers/{guid}").param(guid))
            .await
    }

    /// `GET /v1/customers[?processor_uri=...]`, newest first. A filter with
    /// an empty URI fails the walk's first poll, before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::CustomerFilter;
    /// let all = billy.customers().list(&CustomerFilter::new()).collect_all().await?;
    /// let mapped = billy
    ///     .customers()
    ///     .list(&CustomerFilter::new().processor_uri("/v1/customers/CUCChwFzuMRlBGgoBwjRgqr"))
    ///     .collect_all()
    ///     .await?;
    /// # let _ = (all, mapped);
    /// # Ok(()) }
    /// ```
    pub fn list(&self, filter: &CustomerFilter) -> Paginator<Customer> {
        match filter.request() {
            Ok(request) => super::list(self.transport, request),
            Err(err) => super::list(self.transport, Request::get("/v1/customers")).refuse(err),
        }
    }

    /// `GET /v1/plans/{guid}/customers`: the customers subscribed to the
    /// plan, each once.
    ///
    /// Billy pages this list over one row per *subscription* and removes
    /// duplicates only within a page, so a customer with several
    /// subscriptions comes back on several pages, and a short page does not
    /// prove the end. The walk therefore stops only on an empty page and
    /// skips customers it has already yielded.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::PlanGuid;
    /// let plan = PlanGuid::new("PL4RHCKW7GsGMjpcozHveQuw")?;
    /// let customers = billy.customers().list_for_plan(&plan).collect_all().await?;
    /// # let _ = customers;
    /// # Ok(()) }
    /// ```
    pub fn list_for_plan(&self, plan: &PlanGuid) -> PlanCustomers {
        super::plans::plan_customers(self.transport, plan)
    }
}
