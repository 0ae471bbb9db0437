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

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CustomerGuid, InvoiceGuid, PlanGuid, SubscriptionGuid, TransactionType};
use crate::Cents;
use crate::error::{Error, LookupKey, Result};
use crate::http::{Paginator, Request, Transport, Uniqueness};

// ---- models ----

crate::open_enum! {
    /// Who an invoice is for.
    pub enum InvoiceType {
        /// A one-off invoice created for a customer.
        Customer => "customer",
        /// An invoice a subscription filed.
        Subscription => "subscription",
    }
}

crate::open_enum! {
    /// Where an invoice is in being paid.
    pub enum InvoiceStatus {
        /// Not charged yet (no funding instrument).
        Staged => "staged",
        /// Submitted; waiting for the processor.
        Processing => "processing",
        /// Paid (or nothing to pay).
        Settled => "settled",
        /// Canceled before it was paid.
        Canceled => "canceled",
        /// Charging failed; set another funding instrument to retry.
        Failed => "failed",
    }
}

/// A line on an invoice. Informational: items do not change the amount.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct InvoiceItem {
    /// What was sold.
    pub name: String,
    /// Its amount in US cents.
    pub amount: Cents,
    /// A short kind, e.g. `Bandwidth`.
    #[serde(rename = "type", default)]
    pub item_type: Option<String>,
    /// How many.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub quantity: Option<i64>,
    /// How much.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub volume: Option<i64>,
    /// The unit of `volume`, e.g. `hours`.
    #[serde(default)]
    pub unit: Option<String>,
}

/// A discount (negative) or fee (positive) applied to an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Adjustment {
    /// The change to the effective amount, in US cents.
    pub amount: Cents,
    /// Why, e.g. `Coupon discount`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// What kind of invoice it is, with the fields only that kind has
/// (Billy's `invoice_type` union).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvoiceKind {
    /// A one-off invoice created for a customer.
    Customer {
        /// The customer billed.
        customer_guid: CustomerGuid,
        /// The caller's own id, unique per customer.
        external_id: Option<String>,
    },
    /// An invoice filed by a subscription (it has no `customer_guid`).
    Subscription {
        /// The subscription that filed it.
        subscription_guid: SubscriptionGuid,
        /// The period it bills for.
        scheduled_at: DateTime<Utc>,
    },
    /// An `invoice_type` this version of billkit does not know, with
    /// whatever of the known fields it carried.
    Unknown {
        /// The `invoice_type` as sent.
        invoice_type: String,
        /// `customer_guid`, if sent.
        customer_guid: Option<CustomerGuid>,
        /// `external_id`, if sent.
        external_id: Option<String>,
        /// `subscription_guid`, if sent.
        subscription_guid: Option<SubscriptionGuid>,
        /// `scheduled_at`, if sent.
        scheduled_at: Option<DateTime<Utc>>,
    },
}

/// An invoice.
///
/// The fields every invoice has are here; the fields that depend on
/// `invoice_type` are in [`kind`](Invoice::kind) (with shortcuts such as
/// [`customer_guid`](Invoice::customer_guid)).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "RawInvoice", into = "RawInvoice")]
#[non_exhaustive]
pub struct Invoice {
    /// The invoice's GUID (`IV...`).
    pub guid: InvoiceGuid,
    /// Customer or subscription invoice, with the fields of that kind.
    pub kind: InvoiceKind,
    /// Charge (`debit`) or payout (`credit`).
    pub transaction_type: TransactionType,
    /// Where the invoice is in being paid.
    pub status: InvoiceStatus,
    /// The amount before adjustments, in US cents.
    pub amount: Cents,
    /// What is charged: `amount` plus the adjustments.
    pub effective_amount: Cents,
    /// The sum of the adjustments.
    pub total_adjustment_amount: Cents,
    /// The title, if set.
    pub title: Option<String>,
    /// The statement text, if set.
    pub appears_on_statement_as: Option<String>,
    /// What is charged, if set.
    pub funding_instrument_uri: Option<String>,
    /// The lines, in the order of their numbers.
    pub items: Vec<InvoiceItem>,
    /// Discounts and fees.
    pub adjustments: Vec<Adjustment>,
    /// When the invoice was created.
    pub created_at: DateTime<Utc>,
    /// When the invoice was last changed.
    pub updated_at: DateTime<Utc>,
}

impl Invoice {
    /// The `invoice_type`.
    pub fn invoice_type(&self) -> InvoiceType {
        match &self.kind {
            InvoiceKind::Customer { .. } => InvoiceType::Customer,
            InvoiceKind::Subscription { .. } => InvoiceType::Subscription,
            InvoiceKind::Unknown { invoice_type, .. } => InvoiceType::from(invoice_type.as_str()),
        }
    }

    /// The customer billed, for customer invoices (subscription invoices
    /// do not say).
    pub fn customer_guid(&self) -> Option<&CustomerGuid> {
        match &self.kind {
            InvoiceKind::Customer { customer_guid, .. } => Some(customer_guid),
            InvoiceKind::Unknown { customer_guid, .. } => customer_guid.as_ref(),
            InvoiceKind::Subscription { .. } => None,
        }
    }

    /// The caller's own id of a customer invoice.
    pub fn external_id(&self) -> Option<&str> {
        match &self.kind {
            InvoiceKind::Customer { external_id, .. }
            | InvoiceKind::Unknown { external_id, .. } => external_id.as_deref(),
            InvoiceKind::Subscription { .. } => None,
        }
    }

    /// The subscription that filed a subscription invoice.
    pub fn subscription_guid(&self) -> Option<&SubscriptionGuid> {
        match &self.kind {
            InvoiceKind::Subscription {
                subscription_guid, ..
            } => Some(subscription_guid),
            InvoiceKind::Unknown {
                subscription_guid, ..
            } => subscription_guid.as_ref(),
            InvoiceKind::Customer { .. } => None,
        }
    }

    /// The period a subscription invoice bills for.
    pub fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        match &self.kind {
            InvoiceKind::Subscription { scheduled_at, .. } => Some(*scheduled_at),
            InvoiceKind::Unknown { scheduled_at, .. } => *scheduled_at,
            InvoiceKind::Customer { .. } => None,
        }
    }
}

/// The wire form of an invoice: every field of every kind, flat. Read
/// straight from the stream (no buffering as internally-tagged enums do),
/// then checked and split by `invoice_type`.
#[derive(Deserialize, Serialize)]
struct RawInvoice {
    guid: InvoiceGuid,
    invoice_type: InvoiceType,
    transaction_type: TransactionType,
    status: InvoiceStatus,
    amount: Cents,
    effective_amount: Cents,
    total_adjustment_amount: Cents,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    appears_on_statement_as: Option<String>,
    #[serde(default)]
    funding_instrument_uri: Option<String>,
    #[serde(default)]
    items: Vec<InvoiceItem>,
    #[serde(default)]
    adjustments: Vec<Adjustment>,
    #[serde(with = "crate::lenient::timestamp")]
    created_at: DateTime<Utc>,
    #[serde(with = "crate::lenient::timestamp")]
    updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_guid: Option<CustomerGuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subscription_guid: Option<SubscriptionGuid>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::lenient::timestamp_opt"
    )]
    scheduled_at: Option<DateTime<Utc>>,
}

impl TryFrom<RawInvoice> for Invoice {
    type Error = String;

    fn try_from(raw: RawInvoice) -> std::result::Result<Self, String> {
        let kind = match raw.invoice_type {
            InvoiceType::Customer => InvoiceKind::Customer {
                customer_guid: raw
                    .customer_guid
                    .ok_or_else(|| format!("customer invoice {} has no customer_guid", raw.guid))?,
                external_id: raw.external_id,
            },
            InvoiceType::Subscription => InvoiceKind::Subscription {
                subscription_guid: raw.subscription_guid.ok_or_else(|| {
                    format!("subscription invoice {} has no subscription_guid", raw.guid)
                })?,
                scheduled_at: raw.scheduled_at.ok_or_else(|| {
                    format!("subscription invoice {} has no scheduled_at", raw.guid)
                })?,
            },
            InvoiceType::Unknown(invoice_type) => InvoiceKind::Unknown {
                invoice_type,
                customer_guid: raw.customer_guid,
                external_id: raw.external_id,
                subscription_guid: raw.subscription_guid,
                scheduled_at: raw.scheduled_at,
            },
        };
        Ok(Invoice {
            guid: raw.guid,
            kind,
            transaction_type: raw.transaction_type,
            status: raw.status,
            amount: raw.amount,
            effective_amount: raw.effective_amount,
            total_adjustment_amount: raw.total_adjustment_amount,
            title: raw.title,
            appears_on_statement_as: raw.appears_on_statement_as,
            funding_instrument_uri: raw.funding_instrument_uri,
            items: raw.items,
            adjustments: raw.adjustments,
            created_at: raw.created_at,
            updated_at: raw.updated_at,
        })
    }
}

impl From<Invoice> for RawInvoice {
    fn from(inv: Invoice) -> Self {
        let invoice_type = inv.invoice_type();
        let (customer_guid, external_id, subscription_guid, scheduled_at) = match inv.kind {
            InvoiceKind::Customer {
                customer_guid,
                external_id,
            } => (Some(customer_guid), external_id, None, None),
            InvoiceKind::Subscription {
                subscription_guid,
                scheduled_at,
            } => (None, None, Some(subscription_guid), Some(scheduled_at)),
            InvoiceKind::Unknown {
                customer_guid,
                external_id,
                subscription_guid,
                scheduled_at,
                ..
            } => (customer_guid, external_id, subscription_guid, scheduled_at),
        };
        RawInvoice {
            guid: inv.guid,
            invoice_type,
            transaction_type: inv.transaction_type,
            status: inv.status,
            amount: inv.amount,
            effective_amount: inv.effective_amount,
            total_adjustment_amount: inv.total_adjustment_amount,
            title: inv.title,
            appears_on_statement_as: inv.appears_on_statement_as,
            funding_instrument_uri: inv.funding_instrument_uri,
            items: inv.items,
            adjustments: inv.adjustments,
            created_at: inv.created_at,
            updated_at: inv.updated_at,
            customer_guid,
            external_id,
            subscription_guid,
            scheduled_at,
        }
    }
}

// ---- requests ----

/// A line to put on a new invoice (sent as `item_name<N>`,
/// `item_amount<N>`, `item_type<N>`, `item_quantity<N>`, `item_volume<N>`,
/// `item_unit<N>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    name: String,
    amount: Cents,
    item_type: Option<String>,
    quantity: Option<i64>,
    volume: Option<i64>,
    unit: Option<String>,
}

impl NewItem {
    /// A line named `name` of `amount` cents (it does not change the
    /// invoice's amount).
    pub fn new(name: impl Into<String>, amount: impl Into<Cents>) -> Self {
        NewItem {
            name: name.into(),
            amount: amount.into(),
            item_type: None,
            quantity: None,
            volume: None,
            unit: None,
        }
    }

    /// A short kind, e.g. `Bandwidth`.
    pub fn item_type(mut self, item_type: impl Into<String>) -> Self {
        self.item_type = Some(item_type.into());
        self
    }

    /// How many.
    pub fn quantity(mut self, quantity: i64) -> Self {
        self.quantity = Some(quantity);
        self
    }

    /// How much (see [`unit`](NewItem::unit)).
    pub fn volume(mut self, volume: i64) -> Self {
        self.volume = Some(volume);
        self
    }

    /// The unit of the volume, e.g. `hours`.
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }
}

/// A discount (negative) or fee (positive) to apply to a new invoice (sent
/// as `adjustment_amount<N>`, `adjustment_reason<N>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdjustment {
    amount: Cents,
    reason: Option<String>,
}

impl NewAdjustment {
    /// Changes the effective amount by `amount` cents (negative for a
    /// discount).
    pub fn new(amount: impl Into<Cents>) -> Self {
        NewAdjustment {
            amount: amount.into(),
            reason: None,
        }
    }

    /// Why, e.g. `Coupon discount`.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// A one-off invoice to create for a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvoice {
    customer_guid: CustomerGuid,
    amount: Cents,
    funding_instrument_uri: Option<String>,
    title: Option<String>,
    external_id: Option<String>,
    appears_on_statement_as: Option<String>,
    items: Vec<NewItem>,
    adjustments: Vec<NewAdjustment>,
}

impl NewInvoice {
    /// An invoice of `amount` cents (0 or more) for `customer_guid`.
    pub fn new(customer_guid: &CustomerGuid, amount: impl Into<Cents>) -> Self {
        NewInvoice {
            customer_guid: customer_guid.clone(),
            amount: amount.into(),
            funding_instrument_uri: None,
            title: None,
            external_id: None,
            appears_on_statement_as: None,
            items: Vec::new(),
            adjustments: Vec::new(),
        }
    }

    /// Charges this card or bank account at once. Without one the invoice
    /// stays `staged` until one is set.
    pub fn funding_instrument_uri(mut self, uri: impl Into<String>) -> Self {
        self.funding_instrument_uri = Some(uri.into());
        self
    }

    /// A title (at most 128 characters).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Your own id for the invoice, unique per customer: Billy refuses a
    /// second one with 409, and [`Invoices::create`] uses it to find out
    /// whether a create whose answer was lost went through.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// The text on the customer's statement: at most 18 characters, ASCII
    /// letters, digits, space and `` .<>(){}[]+&!$;-%_?:#@~='"^\`| ``.
    pub fn appears_on_statement_as(mut self, text: impl Into<String>) -> Self {
        self.appears_on_statement_as = Some(text.into());
        self
    }

    /// Adds a line (numbered in the order added, from 1).
    pub fn item(mut self, item: NewItem) -> Self {
        self.items.push(item);
        self
    }

    /// Adds lines.
    pub fn items(mut self, items: impl IntoIterator<Item = NewItem>) -> Self {
        self.items.extend(items);
        self
    }

    /// Adds a discount or fee (numbered in the order added, from 1).
    pub fn adjustment(mut self, adjustment: NewAdjustment) -> Self {
        self.adjustments.push(adjustment);
        self
    }

    /// Adds discounts or fees.
    pub fn adjustments(mut self, adjustments: impl IntoIterator<Item = NewAdjustment>) -> Self {
        self.adjustments.extend(adjustments);
        self
    }

    /// Checks the request as Billy would, what would crash it (every item
    /// needs a name, and has an amount by construction) and what it would
    /// wrongly accept: a customer GUID of the wrong shape (one read from a
    /// server is taken as sent), an effective amount (amount plus
    /// adjustments) below zero.
    pub(crate) fn validate(&self) -> Result<()> {
        super::recheck(
            "customer_guid",
            self.customer_guid.as_str(),
            super::check_customer_guid,
        )?;
        super::check_not_negative("amount", self.amount)?;
        self.check_effective_amount()?;
        if let Some(uri) = &self.funding_instrument_uri {
            crate::validate::not_blank("funding_instrument_uri", uri)?;
        }
        if let Some(title) = &self.title {
            crate::validate::not_blank("title", title)?;
            let count = title.chars().count();
            if count > super::TITLE_MAX_CHARS {
                return Err(Error::invalid_input(
                    "title",
                    format!(
                        "is {count} characters long; at most {} are allowed",
                        super::TITLE_MAX_CHARS
                    ),
                ));
            }
        }
        if let Some(id) = &self.external_id {
            crate::validate::not_blank("external_id", id)?;
        }
        if let Some(text) = &self.appears_on_statement_as {
            super::check_statement(text)?;
        }
        for (i, item) in self.items.iter().enumerate() {
            crate::validate::not_blank(&format!("item_name{}", i + 1), &item.name)?;
        }
        Ok(())
    }

    /// Refuses adjustments that take the invoice below zero: Billy accepts
    /// such an invoice and records a *succeeded debit of a negative
    /// amount*, which no processor would honour and no ledger expects. The
    /// refusal names the last negative adjustment, the one to reduce.
    fn check_effective_amount(&self) -> Result<()> {
        let total = self
            .adjustments
            .iter()
            .fold(i128::from(self.amount.get()), |sum, a| {
                sum + i128::from(a.amount.get())
            });
        if total >= 0 {
            return Ok(());
        }
        let n = self
            .adjustments
            .iter()
            .rposition(|a| a.amount.get() < 0)
            .map_or(0, |i| i + 1);
        Err(Error::invalid_input(
            format!("adjustment_amount{n}"),
            format!(
                "the adjustments take the invoice's {} cents to {total} cents; \
                 the effective amount must be 0 or more (Billy would record a negative debit)",
                self.amount
            ),
        ))
    }

    /// The form fields sent, in order, with Billy's real item and
    /// adjustment keys.
    pub(crate) fn form(&self) -> Vec<(String, String)> {
        let mut form = vec![
            ("customer_guid".to_owned(), self.customer_guid.to_string()),
            ("amount".to_owned(), self.amount.to_string()),
        ];
        let mut opt = |key: &str, value: &Option<String>| {
            if let Some(v) = value {
                form.push((key.to_owned(), v.clone()));
            }
        };
        opt("funding_instrument_uri", &self.funding_instrument_uri);
        opt("title", &self.title);
        opt("external_id", &self.external_id);
        opt("appears_on_statement_as", &self.appears_on_statement_as);
        for (i, item) in self.items.iter().enumerate() {
            let n = i + 1;
            form.push((format!("item_name{n}"), item.name.clone()));
            form.push((format!("item_amount{n}"), item.amount.to_string()));
            if let Some(t) = &item.item_type {
                form.push((format!("item_type{n}"), t.clone()));
            }
            if let Some(q) = item.quantity {
                form.push((format!("item_quantity{n}"), q.to_string()));
            }
            if let Some(v) = item.volume {
                form.push((format!("item_volume{n}"), v.to_string()));
            }
            if let Some(u) = &item.unit {
                form.push((format!("item_unit{n}"), u.clone()));
            }
        }
        for (i, adj) in self.adjustments.iter().enumerate() {
            let n = i + 1;
            form.push((format!("adjustment_amount{n}"), adj.amount.to_string()));
            if let Some(r) = &adj.reason {
                form.push((format!("adjustment_reason{n}"), r.clone()));
            }
        }
        form
    }
}

/// Which invoices [`Invoices::list`] returns: all of them
/// (`InvoiceFilter::new()`), or those with your `external_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    external_id: Option<String>,
}

impl InvoiceFilter {
    /// No filter: every invoice of the company.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the invoices with this `external_id` (one per customer at
    /// most). An empty id is refused (Billy would list all).
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// The request for the list, or why it is refused.
    fn request(&self) -> Result<Request<()>> {
        let mut request = Request::get("/v1/invoices");
        if let Some(id) = &self.external_id {
            crate::validate::not_blank("external_id", id)?;
            request = request.query("external_id", id);
        }
        Ok(request)
    }
}

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
