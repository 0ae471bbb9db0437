//! Invoices: one-off "customer" invoices you create, and "subscription"
//! invoices Billy files every period.
//!
//! Items and adjustments are sent as Billy's server reads them —
//! `item_name1`, `item_amount1`, `item_quantity1`, ... and
//! `adjustment_amount1`, `adjustment_reason1` — not as its published docs
//! spell them (`quanity`, `adjustments_amount1`), which the server silently
//! ignores. Adjustments change `effective_amount`; items do not.
//!
//! ```no_run
//! # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
//! use billkit::billy::{CustomerGuid, InvoiceStatus, NewAdjustment, NewInvoice, NewItem};
//! use billkit::Cents;
//! let customer = CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK")?;
//! let invoice = billy
//!     .invoices()
//!     .create(
//!         &NewInvoice::new(&customer, Cents::new(1_000))
//!             .external_id("order-42") // makes the create safe to recover after a network failure
//!             .appears_on_statement_as("FooBar Hosting")
//!             .item(NewItem::new("Hosting Service A", Cents::new(1_000)).quantity(1))
//!             .adjustment(NewAdjustment::new(Cents::new(-100)).reason("Coupon discount")),
//!     )
//!     .await?;
//! assert_eq!(invoice.effective_amount, Cents::new(900));
//! if invoice.status == InvoiceStatus::Staged {
//!     // No funding instrument yet: charge it now.
//!     billy.invoices().update_funding_instrument(&invoice.guid, "/v1/marketplaces/TEST-MP/cards/CC1").await?;
//! }
//! # Ok(()) }
//! ```

mod model;
mod request;

pub use model::{Adjustment, Invoice, InvoiceItem, InvoiceKind, InvoiceStatus, InvoiceType};
pub use request::{InvoiceFilter, NewAdjustment, NewInvoice, NewItem};

use super::{CustomerGuid, InvoiceGuid, PlanGuid, SubscriptionGuid};
use crate::Cents;
use crate::error::{Error, LookupKey, Result};
use crate::http::{Paginator, Request, Transport, Uniqueness};

// ---- endpoints ----

/// Invoice endpoints; from [`Client::invoices`](super::Client::invoices).
#[derive(Debug, Clone, Copy)]
pub struct Invoices<'a> {
    transport: &'a Transport,
}

impl<'a> Invoices<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Invoices { transport }
    }

    /// The transport, for the waiters and feeds of `crate::watch`.
    pub(crate) fn transport(&self) -> &'a Transport {
        self.transport
    }

    /// `POST /v1/invoices`. With a funding instrument and an amount above
    /// 0 Billy charges at once.
    ///
    /// Never sent twice by accident, and a failure says whether the invoice
    /// exists ([`Error::outcome`](crate::Error::outcome)):
    /// - With an `external_id` (recommended for every charge) Billy itself
    ///   refuses a second invoice with that id for the customer. When the
    ///   outcome is unknown (timeout, connection lost, 5xx), the client
    ///   looks the invoice up by `external_id` and returns it if it exists;
    ///   otherwise it sends the create again, and if Billy answers 409 the
    ///   first attempt landed and that invoice is returned. If it still
    ///   cannot tell, the error is
    ///   [`Error::MayHaveLanded`] with the key:
    ///   look it up with [`find_by_external_id`](Self::find_by_external_id)
    ///   (Billy filters by it, so the lookup cannot miss the invoice however
    ///   many were created after it).
    /// - Without one it is sent once; an unknown outcome is reported as
    ///   [`Outcome::Unknown`](crate::Outcome::Unknown), and only the
    ///   customer's invoice list can tell whether it landed.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::{CustomerGuid, NewInvoice};
    /// use billkit::Cents;
    /// let customer = CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK")?;
    /// let invoice = billy
    ///     .invoices()
    ///     .create(&NewInvoice::new(&customer, Cents::new(1_000)).external_id("order-42"))
    ///     .await?;
    /// println!("{} is {}", invoice.guid, invoice.status);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, invoice: &NewInvoice) -> Result<Invoice> {
        invoice.validate()?;
        let request = Request::post("/v1/invoices").form(invoice.form());
        let Some(external_id) = invoice.external_id.as_deref() else {
            return self.transport.execute(request).await;
        };
        let customer = &invoice.customer_guid;
        self.transport
            .execute_create(
                request,
                LookupKey::new("external_id", external_id),
                Uniqueness::Enforced(<Error as super::BillyErrorExt>::is_duplicate_external_id),
                || self.find_by_external_id(customer, external_id),
            )
            .await
    }

    /// The customer's invoice with your `external_id`, if there is one
    /// (`GET /v1/invoices?external_id=...`, every page, then the one of this
    /// customer). It cannot miss: Billy filters on the id, and an id is
    /// unique per customer. An empty id is refused before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::CustomerGuid;
    /// let customer = CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK")?;
    /// match billy.invoices().find_by_external_id(&customer, "order-42").await? {
    ///     Some(invoice) => println!("already invoiced: {}", invoice.guid),
    ///     None => println!("not invoiced yet"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_by_external_id(
        &self,
        customer: &CustomerGuid,
        external_id: &str,
    ) -> Result<Option<Invoice>> {
        crate::validate::not_blank("external_id", external_id)?;
        let all = self
            .list(&InvoiceFilter::new().external_id(external_id))
            .collect_all()
            .await?;
        Ok(all
            .into_iter()
            .find(|i| i.customer_guid() == Some(customer) && i.external_id() == Some(external_id)))
    }

    /// `GET /v1/invoices/{guid}`.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::InvoiceGuid;
    /// let invoice = billy.invoices().get(&InvoiceGuid::new("IV4gVtDyP3CD9zQyv8AtPwx5")?).await?;
    /// println!("{} cents, {}", invoice.effective_amount, invoice.status);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, guid: &InvoiceGuid) -> Result<Invoice> {
        self.transport
            .execute(Request::get("/v1/invoices/{guid}").param(guid))
            .await
    }

    /// `GET /v1/invoices[?external_id=...]`, newest first. A filter with an
    /// empty id fails the walk's first poll, before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::InvoiceFilter;
    /// let all = billy.invoices().list(&InvoiceFilter::new()).collect_all().await?;
    /// let tagged = billy
    ///     .invoices()
    ///     .list(&InvoiceFilter::new().external_id("order-42"))
    ///     .collect_all()
    ///     .await?;
    /// # let _ = (all, tagged);
    /// # Ok(()) }
    /// ```
    pub fn list(&self, filter: &InvoiceFilter) -> Paginator<Invoice> {
        match filter.request() {
            Ok(request) => super::list(self.transport, request),
            Err(err) => super::list(self.transport, Request::get("/v1/invoices")).refuse(err),
        }
    }

    /// `GET /v1/customers/{guid}/invoices`: the customer's one-off invoices
    /// (subscription invoices are listed under the subscription), newest
    /// first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::CustomerGuid;
    /// let customer = CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK")?;
    /// let invoices = billy.invoices().list_for_customer(&customer).collect_all().await?;
    /// # let _ = invoices;
    /// # Ok(()) }
    /// ```
    pub fn list_for_customer(&self, customer: &CustomerGuid) -> Paginator<Invoice> {
        super::list(
            self.transport,
            Request::get("/v1/customers/{guid}/invoices").param(customer),
        )
    }

    /// `GET /v1/subscriptions/{guid}/invoices`: the invoices the
    /// subscription filed, latest period first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::SubscriptionGuid;
    /// let sub = SubscriptionGuid::new("SU4ST39srWVLGbiTg174QyfF")?;
    /// let invoices = billy.invoices().list_for_subscription(&sub).collect_all().await?;
    /// # let _ = invoices;
    /// # Ok(()) }
    /// ```
    pub fn list_for_subscription(&self, subscription: &SubscriptionGuid) -> Paginator<Invoice> {
        super::walk::latest_period_first(super::list(
            self.transport,
            Request::get("/v1/subscriptions/{guid}/invoices").param(subscription),
        ))
    }

    /// `GET /v1/plans/{guid}/invoices`: the invoices of the plan's
    /// subscriptions, latest period first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::PlanGuid;
    /// let plan = PlanGuid::new("PL4RHCKW7GsGMjpcozHveQuw")?;
    /// let invoices = billy.invoices().list_for_plan(&plan).collect_all().await?;
    /// # let _ = invoices;
    /// # Ok(()) }
    /// ```
    pub fn list_for_plan(&self, plan: &PlanGuid) -> Paginator<Invoice> {
        super::walk::latest_period_first(super::list(
            self.transport,
            Request::get("/v1/plans/{guid}/invoices").param(plan),
        ))
    }

    /// `PUT /v1/invoices/{guid}` with `funding_instrument_uri`: sets what
    /// pays a `staged` or `failed` invoice and charges it at once. A settled
    /// or canceled invoice answers 400.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::InvoiceGuid;
    /// let guid = InvoiceGuid::new("IV4gVtDyP3CD9zQyv8AtPwx5")?;
    /// let invoice = billy
    ///     .invoices()
    ///     .update_funding_instrument(&guid, "/v1/marketplaces/TEST-MP/cards/CC1")
    ///     .await?;
    /// println!("{}", invoice.status);
    /// # Ok(()) }
    /// ```
    pub async fn update_funding_instrument(
        &self,
        guid: &InvoiceGuid,
        funding_instrument_uri: &str,
    ) -> Result<Invoice> {
        crate::validate::not_blank("funding_instrument_uri", funding_instrument_uri)?;
        self.transport
            .execute(
                Request::put("/v1/invoices/{guid}")
                    .param(guid)
                    .form([("funding_instrument_uri", funding_instrument_uri)]),
            )
            .await
    }

    /// `POST /v1/invoices/{guid}/refund`: refunds `amount` cents (0 or
    /// more) of a settled invoice; all refunds together may not exceed its
    /// effective amount. Returns the invoice; the refund is among its
    /// transactions ([`Transactions::list_for_invoice`](super::Transactions::list_for_invoice)).
    /// Never retried once it may have reached the server.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::InvoiceGuid;
    /// use billkit::Cents;
    /// let guid = InvoiceGuid::new("IV4gVtDyP3CD9zQyv8AtPwx5")?;
    /// let invoice = billy.invoices().refund(&guid, Cents::new(250)).await?;
    /// # let _ = invoice;
    /// # Ok(()) }
    /// ```
    pub async fn refund(&self, guid: &InvoiceGuid, amount: impl Into<Cents>) -> Result<Invoice> {
        let amount = amount.into();
        super::check_not_negative("amount", amount)?;
        self.transport
            .execute(
                Request::post("/v1/invoices/{guid}/refund")
                    .param(guid)
                    .form([("amount", amount.to_string())]),
            )
            .await
    }

    /// `POST /v1/invoices/{guid}/cancel`: cancels a `staged`, `processing`
    /// or `failed` invoice.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::InvoiceGuid;
    /// let guid = InvoiceGuid::new("IV4gVtDyP3CD9zQyv8AtPwx5")?;
    /// let invoice = billy.invoices().cancel(&guid).await?;
    /// println!("{}", invoice.status);
    /// # Ok(()) }
    /// ```
    pub async fn cancel(&self, guid: &InvoiceGuid) -> Result<Invoice> {
        self.transport
            .execute(Request::post("/v1/invoices/{guid}/cancel").param(guid))
            .await
    }
}
