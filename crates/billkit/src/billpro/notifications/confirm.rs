//! From a notification to its BillPro order, confirmed by BillPro itself:
//! the webhook is the fast signal, `GET /orders/{id}` the truth.

use super::model::PaymentPayload;
use crate::billpro::{Client, Order, OrderId, OrderStatus};

/// Which payload field carries the BillPro order reference.
///
/// BillPro's page says the order is identified "using BillPro's merchant
/// `order_id` and merchant `customer_id`" but is cut off before naming the
/// JSON field, so it is not documented: pick the one your gateway account
/// sends (log one decrypted payload on staging to see).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderField {
    /// `merchantTransactionId`.
    MerchantTransactionId,
    /// `customParameters[NAME]`, e.g. `order_id`.
    CustomParameter(String),
}

/// What the value in the [`OrderField`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderKey {
    /// BillPro's system order id (`Order::id`): confirmed with
    /// `GET /orders/{id}`.
    SystemId,
    /// The merchant's `invoice_id`: confirmed with
    /// [`Orders::find_by_invoice_id`](crate::billpro::Orders::find_by_invoice_id).
    InvoiceId,
}

/// Where and how to find a notification's order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderLocator {
    field: OrderField,
    key: OrderKey,
}

/// An order reference read from a payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderRef {
    /// A system id.
    Id(OrderId),
    /// An invoice id.
    InvoiceId(String),
}

impl OrderLocator {
    /// The value of `field`, read as `key`.
    pub fn new(field: OrderField, key: OrderKey) -> Self {
        OrderLocator { field, key }
    }

    /// The order reference in `payment`.
    pub fn locate(&self, payment: &PaymentPayload) -> Result<OrderRef, ConfirmError> {
        let value = match &self.field {
            OrderField::MerchantTransactionId => payment.merchant_transaction_id.as_deref(),
            OrderField::CustomParameter(name) => {
                payment.custom_parameters.get(name).map(String::as_str)
            }
        };
        let value = value
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ConfirmError::NoOrderReference {
                field: self.field.clone(),
            })?;
        match self.key {
            OrderKey::SystemId => match value.parse::<u64>() {
                Ok(id) if id > 0 => Ok(OrderRef::Id(OrderId::new(id))),
                _ => Err(ConfirmError::BadOrderReference {
                    field: self.field.clone(),
                }),
            },
            OrderKey::InvoiceId => Ok(OrderRef::InvoiceId(value.to_owned())),
        }
    }

    /// Looks the order up in BillPro and says where it stands, next to
    /// what the notification claimed. Act on [`Confirmation::verdict`],
    /// never on the notification alone.
    pub async fn confirm(
        &self,
        client: &Client,
        payment: &PaymentPayload,
    ) -> Result<Confirmation, ConfirmError> {
        let order = match self.locate(payment)? {
            OrderRef::Id(id) => client.orders().get(id).await.map_err(|e| {
                if e.is_not_found() {
                    ConfirmError::OrderNotFound
                } else {
                    ConfirmError::Api(Box::new(e))
                }
            })?,
            OrderRef::InvoiceId(invoice) => client
                .orders()
                .find_by_invoice_id(&invoice)
                .await
                .map_err(|e| ConfirmError::Api(Box::new(e)))?
                .ok_or(ConfirmError::OrderNotFound)?,
        };
        Ok(Confirmation {
            verdict: OrderVerdict::of(&order.status),
            notified_approved: payment.is_approved(),
            order,
        })
    }
}

/// Where an order stands, as a payment handler needs it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderVerdict {
    /// Paid: `complete`, or `active` (live and collecting).
    Paid,
    /// The payment was refused: `rejected`, `failed` or `suspended`.
    Declined,
    /// Still waiting for the customer: `pending` or `draft`.
    Pending,
    /// Cancelled before it went live.
    Cancelled,
    /// Another status (`paused`, `review`, or one billkit does not know).
    Other(OrderStatus),
}

impl OrderVerdict {
    /// The verdict for an order status.
    pub fn of(status: &OrderStatus) -> Self {
        match status {
            OrderStatus::Complete | OrderStatus::Active => OrderVerdict::Paid,
            OrderStatus::Rejected | OrderStatus::Failed | OrderStatus::Suspended => {
                OrderVerdict::Declined
            }
            OrderStatus::Pending | OrderStatus::Draft => OrderVerdict::Pending,
            OrderStatus::Cancelled => OrderVerdict::Cancelled,
            other => OrderVerdict::Other(other.clone()),
        }
    }
}

/// A notification checked against its order.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Confirmation {
    /// The order as BillPro has it now.
    pub order: Order,
    /// Where it stands.
    pub verdict: OrderVerdict,
    /// Whether the notification said approved (BillPro's rule).
    pub notified_approved: bool,
}

impl Confirmation {
    /// Whether BillPro agrees with a debit or pre-authorisation
    /// notification: approved and paid, or declined and declined. A
    /// disagreement is normal for a while (the order may lag the gateway,
    /// or a later attempt may have paid a declined order): trust the order.
    pub fn agrees(&self) -> bool {
        match self.verdict {
            OrderVerdict::Paid => self.notified_approved,
            OrderVerdict::Declined => !self.notified_approved,
            _ => false,
        }
    }
}

/// Why a notification could not be confirmed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfirmError {
    /// The payload lacks the configured field (or it is empty): check the
    /// [`OrderField`] your account's payloads use.
    #[error("the notification carries no order reference in {field:?}")]
    NoOrderReference {
        /// The field looked in.
        field: OrderField,
    },
    /// The field does not hold a system order id.
    #[error("the notification's {field:?} is not a BillPro order id")]
    BadOrderReference {
        /// The field looked in.
        field: OrderField,
    },
    /// BillPro has no such order (for an invoice id: not among the orders
    /// `find_by_invoice_id` searches).
    #[error("BillPro has no order for this notification")]
    OrderNotFound,
    /// Asking BillPro failed.
    #[error(transparent)]
    Api(Box<crate::Error>),
}
