//! Where Billmora's records sit in its lists, for walks that stay
//! exactly-once on a live list.
//!
//! Every API controller of Billmora 7799ffac lists with `->latest()`:
//! `ORDER BY created_at DESC` to the second, with nothing to break ties
//! (the models with a `sort_order, id` scope add those after it). Records
//! created in the same second come in the database's order, so a walk
//! tells them apart by id.

use super::{Catalog, Invoice, Order, Package, Registrant, Service, Ticket, Tld, User, Variant};
use crate::http::{ItemKey, ListOrder, Listed};

macro_rules! newest_first {
    ($($t:ty),*) => {$(
        impl Listed for $t {
            const ORDER: ListOrder = ListOrder::Descending;
            fn key(&self) -> ItemKey {
                ItemKey::time(self.created_at, self.id)
            }
        }
    )*};
}

newest_first!(
    Catalog, Invoice, Order, Package, Registrant, Service, Ticket, Tld, User, Variant
);
