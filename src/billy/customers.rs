//! Customers: the people a company bills, optionally mapped to a Balanced
//! customer through `processor_uri`.
//!
//! ```no_run
//! # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
//! use billkit::billy::NewCustomer;
//! let customer = billy
//!     .customers()
//!     .create(&NewCustomer::new().processor_uri("/v1/customers/CUCChwFzuMRlBGgoBwjRgqr"))
//!     .await?;
//! let same = billy.customers().list_by_processor_uri("/v1/customers/CUCChwFzuMRlBGgoBwjRgqr")?.collect_all().await?;
//! let invoices = billy.customers().invoices(&customer.guid)?.collect_all().await?;
//! # let _ = (same, invoices);
//! # Ok(()) }
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Invoice, Subscription, Transaction};
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

// ---- models ----

/// A customer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Customer {
    /// The customer's GUID (`CU...`).
    pub guid: String,
    /// The company the customer belongs to.
    pub company_guid: String,
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
    pub fn validate(&self) -> Result<()> {
        if let Some(uri) = &self.processor_uri {
            crate::validate::not_blank("processor_uri", uri)?;
        }
        Ok(())
    }

    /// The form fields sent, in order.
    pub fn form(&self) -> Vec<(String, String)> {
        let mut form = Vec::new();
        if let Some(uri) = &self.processor_uri {
            form.push(("processor_uri".to_owned(), uri.clone()));
        }
        form
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
    pub async fn create(&self, customer: &NewCustomer) -> Result<Customer> {
        customer.validate()?;
        self.transport
            .execute(Request::post("/v1/customers").form(customer.form()))
            .await
    }

    /// `GET /v1/customers/{guid}`.
    pub async fn get(&self, guid: &str) -> Result<Customer> {
        check(guid)?;
        self.transport
            .execute(Request::get("/v1/customers/{guid}").param(guid))
            .await
    }

    /// `DELETE /v1/customers/{guid}`: a soft delete; the customer comes back
    /// with `deleted: true`. Deleting twice answers 400.
    pub async fn delete(&self, guid: &str) -> Result<Customer> {
        check(guid)?;
        self.transport
            .execute(Request::delete("/v1/customers/{guid}").param(guid))
            .await
    }

    /// `GET /v1/customers`, newest first.
    pub fn list(&self) -> Paginator<Customer> {
        super::list(self.transport, Request::get("/v1/customers"))
    }

    /// `GET /v1/customers?processor_uri=...`: the customers mapped to a
    /// Balanced customer. An empty URI is refused (it would list everyone).
    pub fn list_by_processor_uri(&self, processor_uri: &str) -> Result<Paginator<Customer>> {
        crate::validate::not_blank("processor_uri", processor_uri)?;
        Ok(super::list(
            self.transport,
            Request::get("/v1/customers").query("processor_uri", processor_uri),
        ))
    }

    /// `GET /v1/customers/{guid}/invoices`: the customer's one-off invoices
    /// (subscription invoices are listed under the subscription).
    pub fn invoices(&self, guid: &str) -> Result<Paginator<Invoice>> {
        check(guid)?;
        Ok(super::list(
            self.transport,
            Request::get("/v1/customers/{guid}/invoices").param(guid),
        ))
    }

    /// `GET /v1/customers/{guid}/subscriptions`.
    pub fn subscriptions(&self, guid: &str) -> Result<Paginator<Subscription>> {
        check(guid)?;
        Ok(super::list(
            self.transport,
            Request::get("/v1/customers/{guid}/subscriptions").param(guid),
        ))
    }

    /// `GET /v1/customers/{guid}/transactions`: transactions of the
    /// customer's one-off invoices.
    pub fn transactions(&self, guid: &str) -> Result<Paginator<Transaction>> {
        check(guid)?;
        Ok(super::list(
            self.transport,
            Request::get("/v1/customers/{guid}/transactions").param(guid),
        ))
    }
}

/// Refuses what cannot be a customer GUID (`CU...`).
fn check(guid: &str) -> Result<()> {
    super::check_guid("guid", guid, "CU")
}
