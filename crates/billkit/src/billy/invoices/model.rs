//! What Billy returns for an invoice: the record, its lines, adjustments
//! and kind, and the flat wire form it is read from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Cents;
use crate::billy::{CustomerGuid, InvoiceGuid, SubscriptionGuid, TransactionType};

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
