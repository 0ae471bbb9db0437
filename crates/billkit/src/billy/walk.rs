//! Where Billy's records sit in its lists, for walks that stay
//! exactly-once on a live list.
//!
//! Billy 1.1.3's models sort every list `created_at DESC`
//! (`billy/models/*.py`, `list_by_context`), except the invoices of a
//! subscription or a plan: `scheduled_at DESC, created_at DESC`. Times
//! carry microseconds; equal ones are told apart by GUID.

use super::customers::Customer;
use super::invoices::{Invoice, InvoiceKind};
use super::plans::Plan;
use super::subscriptions::Subscription;
use super::transactions::Transaction;
use crate::http::{ItemKey, ListOrder, Listed, Paginator};

macro_rules! newest_first {
    ($($t:ty),*) => {$(
        impl Listed for $t {
            const ORDER: ListOrder = ListOrder::Descending;
            fn key(&self) -> ItemKey {
                ItemKey::time(self.created_at, &self.guid)
            }
        }
    )*};
}

newest_first!(Customer, Plan, Subscription, Invoice, Transaction);

/// Keys the invoices of a subscription or a plan: latest period first.
pub(crate) fn latest_period_first(list: Paginator<Invoice>) -> Paginator<Invoice> {
    list.ordered(ListOrder::Descending, |invoice| {
        let period = match &invoice.kind {
            InvoiceKind::Subscription { scheduled_at, .. } => *scheduled_at,
            // Only subscription invoices are in these lists.
            _ => invoice.created_at,
        };
        ItemKey::times(&[period, invoice.created_at], &invoice.guid)
    })
}
