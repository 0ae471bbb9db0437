//! Where BillPro's records sit in its lists, for walks that stay
//! exactly-once on a live list.
//!
//! BillPro does not document its order. Its lists are taken to be in the
//! order records were created, oldest first, by their growing system ids,
//! as the sandbox keeps them; a page out of that order turns the keying
//! off for the walk (it then goes by position, as before), and stops a
//! walk resumed by key with an error rather than let it skip anything.

use super::customers::Customer;
use super::orders::Order;
use super::products::Product;
use super::scheduled_payments::ScheduledPayment;
use crate::http::{ItemKey, ListOrder, Listed};

macro_rules! oldest_first {
    ($($t:ty),*) => {$(
        impl Listed for $t {
            const ORDER: ListOrder = ListOrder::Ascending;
            fn key(&self) -> ItemKey {
                ItemKey::number(self.id.get())
            }
        }
    )*};
}

oldest_first!(Customer, Order, Product, ScheduledPayment);
