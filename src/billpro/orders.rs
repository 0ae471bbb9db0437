//! Orders: a customer buying products, by one of four purchase types.
//!
//! Creates are `POST`s, so a create is never sent twice by accident: when
//! one fails in a way that leaves it unknown whether BillPro carried it out
//! (a timeout, a 502/503/504), the client first looks the order up by its
//! `invoice_id` among the orders created since it was sent
//! ([`Orders::find_by_invoice_id_since`]) and returns it if it exists; only
//! if it does not is the create sent again, within the retry policy. Use a
//! unique `invoice_id` per order for this to work.
//!
//! # Lookups that cannot miss
//!
//! BillPro has no filter for `invoice_id` and does not document how it
//! sorts a list (pages of 25, bare arrays, no count), so a lookup reads the
//! list itself. It reads every page that can hold the record and none that
//! cannot, whatever the list's length and however many records were made
//! after the one sought:
//!
//! - It learns the list's direction from the creation times on page 1 and
//!   checks it on every page it reads.
//! - Oldest first: it finds the first page that ends at or after
//!   [`Since::earliest`] (doubling the page number, then bisecting) and
//!   reads from there to the end, [`Since::concurrency`] pages at a time.
//!   New records are added at the end, so no record moves between pages.
//! - Newest first: it reads from page 1, one page after the other, until a
//!   page ends before [`Since::earliest`]. New records are added at the
//!   front and only push the others back, never past a page not yet read;
//!   pages fetched at once could let one slip past, so these are fetched
//!   in turn.
//! - A list out of creation order, or whose records lack `created_at`, is
//!   read whole, one page after the other, from page 1.
//!
//! It assumes what BillPro's API allows: records are added, never deleted
//! (a deletion while a lookup runs could move a record onto a page already
//! read). See [`Orders::find_by_invoice_id_since`] for what it costs.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use super::products::{Adjustment, PurchaseType, ScheduleUnit};
use super::{CustomerId, OrderId, PAGE_SIZE, ProductId, check_id, paginate};
use crate::error::LookupKey;
use crate::error::PaginationErrorKind;
use crate::error::{Error, Result};
use crate::http::{Paginator, Request, Transport, Uniqueness};
use crate::money::RawText;

crate::open_enum! {
    /// Where an order stands. Preliminary: `draft`, `pending`, `rejected`,
    /// `cancelled`; live: `active`, `failed`, `suspended`, `paused`,
    /// `review`, `complete`.
    pub enum OrderStatus {
        /// Created, not yet sent to the customer.
        Draft => "draft",
        /// A payment link was requested; waiting for the customer.
        Pending => "pending",
        /// The customer or the gateway refused the first payment.
        Rejected => "rejected",
        /// Cancelled before it went live.
        Cancelled => "cancelled",
        /// Live and collecting.
        Active => "active",
        /// A payment was soft-declined and is being retried.
        Failed => "failed",
        /// A payment was hard-declined.
        Suspended => "suspended",
        /// A subscription paused by the merchant.
        Paused => "paused",
        /// An instalment order was overpaid and needs a look.
        Review => "review",
        /// Fully paid, or ended.
        Complete => "complete",
    }
}

crate::open_enum! {
    /// The channel of an order's initial payment.
    pub enum PaymentChannel {
        /// Payment link (e-commerce).
        Ecom => "ECOM",
        /// Virtual terminal (mail order / telephone order).
        Moto => "MOTO",
    }
}

/// Where an order was made (`order_source`: 1 = UI, 2 = API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderSource {
    /// In the BillPro UI (`1`).
    Ui,
    /// Through the API (`2`).
    Api,
    /// A code this version of billkit does not know.
    Other(u32),
}

impl OrderSource {
    /// The wire code.
    pub fn code(self) -> u32 {
        match self {
            OrderSource::Ui => 1,
            OrderSource::Api => 2,
            OrderSource::Other(n) => n,
        }
    }
}

impl Serialize for OrderSource {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_u32(self.code())
    }
}

impl<'de> Deserialize<'de> for OrderSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let n: u32 = crate::lenient::int::deserialize(d)?;
        Ok(match n {
            1 => OrderSource::Ui,
            2 => OrderSource::Api,
            n => OrderSource::Other(n),
        })
    }
}

/// An order as BillPro returns it, for any of the four order types (the
/// fields an order type does not use are `None`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "OrderWire<'de>")]
#[non_exhaustive]
pub struct Order {
    /// The system id.
    pub id: OrderId,
    /// The merchant profile.
    pub profile_id: Option<u64>,
    /// The purchase type (`subscripton` is read as subscription).
    pub order_type: PurchaseType,
    /// Where the order stands.
    pub status: OrderStatus,
    /// The merchant's identifier of the order.
    pub invoice_id: Option<String>,
    /// The customer's system id.
    pub customer_id: CustomerId,
    /// The amount of each scheduled payment.
    pub monthly_amount: Option<Decimal>,
    /// The schedule unit of instalments or subscription payments.
    pub scheduled_duration_unit: Option<ScheduleUnit>,
    /// For an instalment order, the number of scheduled payments.
    pub scheduled_duration_number: Option<u32>,
    /// For an instalment order, the total including the initial payment.
    pub total_to_pay: Option<Decimal>,
    /// For an instalment order, the number of payments including the
    /// initial one.
    pub count_to_pay: Option<u32>,
    /// The description given at creation.
    pub description: Option<String>,
    /// The channel of the initial payment.
    pub profile_payment_method: Option<PaymentChannel>,
    /// Where the order was made.
    pub order_source: Option<OrderSource>,
    /// Whether BillPro collects a deposit.
    pub collect_initial_payment: Option<bool>,
    /// For an instalment order, the total including the deposit; spelled
    /// `total_installment_amount` on the wire.
    #[serde(rename = "total_installment_amount")]
    pub total_instalment_amount: Option<Decimal>,
    /// Total of the discounts on the products.
    pub total_discount_amount: Option<Decimal>,
    /// Total of the taxes on the products.
    pub total_tax_amount: Option<Decimal>,
    /// Total of the fees on the products.
    pub total_fee_amount: Option<Decimal>,
    /// The products: several for a single-payment order, one otherwise
    /// (sent as a list, a single object, or under `product`).
    pub products: Vec<OrderProduct>,
    /// The customer, when the server embeds it.
    pub customer: Option<OrderCustomer>,
    /// When the order was created.
    pub created_at: Option<DateTime<Utc>>,
    /// When the order was last changed.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A product inside an order.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderProduct {
    /// The product's system id.
    #[serde(default)]
    pub id: Option<ProductId>,
    /// The product code.
    #[serde(default, with = "crate::lenient::string_opt")]
    pub product_id: Option<String>,
    /// The purchase type.
    #[serde(default)]
    pub product_type: Option<PurchaseType>,
    /// Currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Quantity.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub qty: Option<u32>,
    /// The unit price.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub price: Option<Decimal>,
    /// The amount charged per unit in this order.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
    /// Discount amount.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub discount_amount: Option<Decimal>,
    /// Tax amount.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub tax_amount: Option<Decimal>,
    /// Fee amount.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub fee_amount: Option<Decimal>,
    /// Price times quantity with fees and discounts applied.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub subtotal_amount: Option<Decimal>,
    /// The product's discount.
    #[serde(default)]
    pub discount: Option<Adjustment>,
    /// The product's tax.
    #[serde(default)]
    pub tax: Option<Adjustment>,
}

/// The customer embedded in an order.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct OrderCustomer {
    /// The customer's system id.
    #[serde(default)]
    pub id: Option<CustomerId>,
    /// The merchant customer id.
    #[serde(default, with = "crate::lenient::string_opt")]
    pub customer_id: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Mobile phone with `+` and country code.
    #[serde(default)]
    pub phone: Option<String>,
}

/// The order as sent; products are normalised into [`Order::products`].
#[derive(Deserialize)]
struct OrderWire<'a> {
    id: OrderId,
    #[serde(default, with = "crate::lenient::int_opt")]
    profile_id: Option<u64>,
    order_type: PurchaseType,
    status: OrderStatus,
    #[serde(default, with = "crate::lenient::string_opt")]
    invoice_id: Option<String>,
    customer_id: CustomerId,
    #[serde(default, with = "crate::money::decimal_opt")]
    monthly_amount: Option<Decimal>,
    #[serde(default)]
    scheduled_duration_unit: Option<ScheduleUnit>,
    #[serde(default, with = "crate::lenient::int_opt")]
    scheduled_duration_number: Option<u32>,
    #[serde(default, with = "crate::money::decimal_opt")]
    total_to_pay: Option<Decimal>,
    #[serde(default, with = "crate::lenient::int_opt")]
    count_to_pay: Option<u32>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    profile_payment_method: Option<PaymentChannel>,
    #[serde(default)]
    order_source: Option<OrderSource>,
    #[serde(default)]
    collect_initial_payment: Option<bool>,
    #[serde(default, with = "crate::money::decimal_opt")]
    total_installment_amount: Option<Decimal>,
    #[serde(default, with = "crate::money::decimal_opt")]
    total_discount_amount: Option<Decimal>,
    #[serde(default, with = "crate::money::decimal_opt")]
    total_tax_amount: Option<Decimal>,
    #[serde(default, with = "crate::money::decimal_opt")]
    total_fee_amount: Option<Decimal>,
    #[serde(default, borrow)]
    products: Option<RawText<'a>>,
    #[serde(default, borrow)]
    product: Option<RawText<'a>>,
    #[serde(default)]
    customer: Option<OrderCustomer>,
    #[serde(default, with = "crate::lenient::timestamp_opt")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::lenient::timestamp_opt")]
    updated_at: Option<DateTime<Utc>>,
}

impl<'de> TryFrom<OrderWire<'de>> for Order {
    type Error = String;

    fn try_from(w: OrderWire<'de>) -> std::result::Result<Self, String> {
        let mut products = match &w.products {
            Some(raw) => read_products(raw.get()).map_err(|e| format!("products: {e}"))?,
            None => Vec::new(),
        };
        if let Some(raw) = &w.product {
            products.extend(read_products(raw.get()).map_err(|e| format!("product: {e}"))?);
        }
        Ok(Order {
            id: w.id,
            profile_id: w.profile_id,
            order_type: w.order_type,
            status: w.status,
            invoice_id: w.invoice_id,
            customer_id: w.customer_id,
            monthly_amount: w.monthly_amount,
            scheduled_duration_unit: w.scheduled_duration_unit,
            scheduled_duration_number: w.scheduled_duration_number,
            total_to_pay: w.total_to_pay,
            count_to_pay: w.count_to_pay,
            description: w.description,
            profile_payment_method: w.profile_payment_method,
            order_source: w.order_source,
            collect_initial_payment: w.collect_initial_payment,
            total_instalment_amount: w.total_installment_amount,
            total_discount_amount: w.total_discount_amount,
            total_tax_amount: w.total_tax_amount,
            total_fee_amount: w.total_fee_amount,
            products,
            customer: w.customer,
            created_at: w.created_at,
            updated_at: w.updated_at,
        })
    }
}

/// Reads `products` / `product`: a list, one object, or either with each
/// product wrapped as `{"product": {...}, ...}`. Raw values keep amounts
/// exact (no detour through `f64`).
///
/// Every line is read in one pass ([`Line`]) and merged; anything that
/// pass refuses (a repeated field, a bad value) goes the general way
/// ([`read_products_general`]), which decides those cases the way it
/// always has and names the failing line and field.
fn read_products(raw: &str) -> std::result::Result<Vec<OrderProduct>, String> {
    let text = raw.trim();
    if text == "null" {
        return Ok(Vec::new());
    }
    let one_pass = if text.starts_with('[') {
        serde_json::from_str::<Vec<Option<Line>>>(text)
            .ok()
            .map(|lines| lines.into_iter().flatten().map(Line::merge).collect())
    } else {
        serde_json::from_str::<Line>(text)
            .ok()
            .map(|line| vec![line.merge()])
    };
    match one_pass {
        Some(products) => Ok(products),
        None => read_products_general(text),
    }
}

fn read_products_general(raw: &str) -> std::result::Result<Vec<OrderProduct>, String> {
    let text = raw.trim();
    if text.starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        return items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.get().trim() != "null")
            .map(|(i, item)| read_product(item.get()).map_err(|e| format!("[{i}]: {e}")))
            .collect();
    }
    read_product(text).map(|p| vec![p])
}

fn read_product(raw: &str) -> std::result::Result<OrderProduct, String> {
    let mut fields: BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(raw).map_err(|e| e.to_string())?;
    // `{"product": {...}, "qty": 2}`: the inner product, with the line's own
    // fields on top.
    if let Some(inner) = fields.remove("product")
        && inner.get().trim_start().starts_with('{')
    {
        let mut merged: BTreeMap<String, Box<RawValue>> =
            serde_json::from_str(inner.get()).map_err(|e| e.to_string())?;
        merged.extend(fields);
        fields = merged;
    }
    let text = serde_json::to_string(&fields).map_err(|e| e.to_string())?;
    let mut de = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| format!("{}: {}", e.path(), e.inner()))
}

/// A product line read in one pass: each of [`OrderProduct`]'s fields with
/// whether it was sent at all (`Some(None)` is an explicit `null`), and the
/// wrapped product, if any. A repeated field fails this reading, so the
/// general one decides which copy wins.
#[derive(Deserialize, Default)]
struct Line {
    #[serde(default, deserialize_with = "sent")]
    id: Option<Option<ProductId>>,
    #[serde(default, deserialize_with = "sent_string")]
    product_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent")]
    product_type: Option<Option<PurchaseType>>,
    #[serde(default, deserialize_with = "sent")]
    currency: Option<Option<String>>,
    #[serde(default, deserialize_with = "sent_int")]
    qty: Option<Option<u32>>,
    #[serde(default, deserialize_with = "sent_amount")]
    price: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "sent_amount")]
    amount: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "sent_amount")]
    discount_amount: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "sent_amount")]
    tax_amount: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "sent_amount")]
    fee_amount: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "sent_amount")]
    subtotal_amount: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "sent")]
    discount: Option<Option<Adjustment>>,
    #[serde(default, deserialize_with = "sent")]
    tax: Option<Option<Adjustment>>,
    #[serde(default)]
    product: WrappedProduct,
}

fn sent<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn sent_string<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<String>>, D::Error> {
    crate::lenient::string_opt::deserialize(d).map(Some)
}

fn sent_int<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Option<u32>>, D::Error> {
    crate::lenient::int_opt::deserialize(d).map(Some)
}

fn sent_amount<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<Decimal>>, D::Error> {
    crate::money::decimal_opt::deserialize(d).map(Some)
}

impl Line {
    /// The product: the line's own fields over the wrapped product's, as
    /// [`read_product`] merges them.
    fn merge(self) -> OrderProduct {
        let inner = match self.product {
            WrappedProduct::Object(inner) => *inner,
            WrappedProduct::Not => Line::default(),
        };
        fn pick<T>(outer: Option<Option<T>>, inner: Option<Option<T>>) -> Option<T> {
            match outer {
                Some(v) => v,
                None => inner.flatten(),
            }
        }
        OrderProduct {
            id: pick(self.id, inner.id),
            product_id: pick(self.product_id, inner.product_id),
            product_type: pick(self.product_type, inner.product_type),
            currency: pick(self.currency, inner.currency),
            qty: pick(self.qty, inner.qty),
            price: pick(self.price, inner.price),
            amount: pick(self.amount, inner.amount),
            discount_amount: pick(self.discount_amount, inner.discount_amount),
            tax_amount: pick(self.tax_amount, inner.tax_amount),
            fee_amount: pick(self.fee_amount, inner.fee_amount),
            subtotal_amount: pick(self.subtotal_amount, inner.subtotal_amount),
            discount: pick(self.discount, inner.discount),
            tax: pick(self.tax, inner.tax),
        }
    }
}

/// A line's `product` member: a wrapped product when it is an object;
/// anything else is skipped, as [`read_product`] skips it.
#[derive(Default)]
enum WrappedProduct {
    Object(Box<Line>),
    #[default]
    Not,
}

impl<'de> Deserialize<'de> for WrappedProduct {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WrappedProduct;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<WrappedProduct, A::Error> {
                let de = serde::de::value::MapAccessDeserializer::new(map);
                Line::deserialize(de).map(|l| WrappedProduct::Object(Box::new(l)))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<WrappedProduct, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(WrappedProduct::Not)
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<WrappedProduct, E> {
                Ok(WrappedProduct::Not)
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<WrappedProduct, E> {
                Ok(WrappedProduct::Not)
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<WrappedProduct, E> {
                Ok(WrappedProduct::Not)
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<WrappedProduct, E> {
                Ok(WrappedProduct::Not)
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<WrappedProduct, E> {
                Ok(WrappedProduct::Not)
            }
            fn visit_unit<E>(self) -> std::result::Result<WrappedProduct, E> {
                Ok(WrappedProduct::Not)
            }
            fn visit_none<E>(self) -> std::result::Result<WrappedProduct, E> {
                Ok(WrappedProduct::Not)
            }
            fn visit_some<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> std::result::Result<WrappedProduct, D::Error> {
                d.deserialize_any(V)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod product_line_tests {
    use super::*;

    /// The one-pass and borrowed readings give what the general reading
    /// gives, for every shape of line and every failure.
    #[test]
    fn every_reading_agrees_with_the_general_one() {
        let lines = [
            r#"{"id": 7, "price": "20.00", "amount": 20, "qty": "2"}"#,
            r#"{"product": {"id": 1, "price": 44.99, "qty": 5}, "qty": 1, "amount": "44.990"}"#,
            r#"{"product": {"id": 1, "price": 44.99}, "price": null}"#,
            r#"{"product": 5, "id": 3}"#,
            r#"{"product": null, "id": 3}"#,
            r#"{"id": 1, "qty": 1, "qty": 2}"#,
            r#"{"product": {"id": 1}, "product": {"id": 2}}"#,
            r#"{"pr\u0069ce": "1.5", "id": 4}"#,
            r#"{"id": 1, "price": "abc"}"#,
            r#"{"product": {"id": 1, "price": "1.00000000000000000000000000001"}}"#,
            r#"{"id": 1, "qty": 1.5}"#,
            r#"{"id": 1, "discount": {"percentage": "10.00"}, "unknown": [1, {"a": 2}]}"#,
            r#"{"product": {"id": 1, "product": {"id": 9, "price": "x"}}, "qty": 2}"#,
            r#"{"product": {"id": 1, "price": "x"}, "price": "2.50"}"#,
            r#"{"product": [1, 2], "qty": 0}"#,
            r#"17"#,
            r#"null"#,
        ];
        let mut texts: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for a in lines {
            for b in lines {
                texts.push(format!("[{a}, {b}]"));
                texts.push(format!("[{a}, null, {b}]"));
            }
        }
        for text in texts {
            let ours = read_products(&text);
            let general = if text.trim() == "null" {
                Ok(Vec::new())
            } else {
                read_products_general(&text)
            };
            assert_eq!(ours, general, "{text}");
        }
    }
}

/// A payment schedule: a payment every `interval` `unit`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Schedule {
    /// Units between payments, 1 or more (sent as a string, `"1"`).
    #[serde(rename = "scheduled_interval", serialize_with = "int_as_string")]
    pub interval: u32,
    /// The unit (sent as `scheduled_unit`; responses say
    /// `scheduled_duration_unit`).
    #[serde(rename = "scheduled_unit")]
    pub unit: ScheduleUnit,
}

fn int_as_string<S: Serializer>(v: &u32, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl Schedule {
    /// A payment every `interval` `unit`s.
    pub fn new(interval: u32, unit: ScheduleUnit) -> Self {
        Schedule { interval, unit }
    }

    /// Once a month.
    pub fn monthly() -> Self {
        Schedule::new(1, ScheduleUnit::Month)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.interval == 0 {
            return Err(Error::invalid_input(
                "scheduled_interval",
                "must be 1 or more",
            ));
        }
        check_unit("scheduled_unit", &self.unit)
    }
}

pub(crate) fn check_unit(field: &str, unit: &ScheduleUnit) -> Result<()> {
    if unit.is_unknown() {
        return Err(Error::invalid_input(
            field,
            format!("`{unit}` is not one of DAY, WEEK, MONTH, YEAR"),
        ));
    }
    Ok(())
}

/// One product line of a new order: the product's system id and, when the
/// product allows it, a quantity and amounts of your own. Amounts are sent
/// as decimal strings (`"20.00"`) so they arrive exact.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OrderLine {
    product_id: ProductId,
    #[serde(skip_serializing_if = "Option::is_none")]
    qty: Option<u32>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::money::decimal_opt"
    )]
    amount: Option<Decimal>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::money::decimal_opt"
    )]
    discount_amount: Option<Decimal>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::money::decimal_opt"
    )]
    fee_amount: Option<Decimal>,
}

impl OrderLine {
    /// A line for the product with system id `product_id`.
    pub fn new(product_id: impl Into<ProductId>) -> Self {
        OrderLine {
            product_id: product_id.into(),
            qty: None,
            amount: None,
            discount_amount: None,
            fee_amount: None,
        }
    }

    /// Quantity (1 or more).
    pub fn qty(mut self, qty: u32) -> Self {
        self.qty = Some(qty);
        self
    }

    /// Unit amount instead of the product's price (when not locked).
    pub fn amount(mut self, amount: impl Into<Decimal>) -> Self {
        self.amount = Some(amount.into());
        self
    }

    /// Discount amount.
    pub fn discount_amount(mut self, amount: impl Into<Decimal>) -> Self {
        self.discount_amount = Some(amount.into());
        self
    }

    /// Fee amount.
    pub fn fee_amount(mut self, amount: impl Into<Decimal>) -> Self {
        self.fee_amount = Some(amount.into());
        self
    }

    fn validate(&self, at: &str) -> Result<()> {
        check_id(&format!("{at}.product_id"), self.product_id.get())?;
        if self.qty == Some(0) {
            return Err(Error::invalid_input(
                format!("{at}.qty"),
                "must be 1 or more",
            ));
        }
        for (name, v) in [
            ("amount", self.amount),
            ("discount_amount", self.discount_amount),
            ("fee_amount", self.fee_amount),
        ] {
            check_not_negative(&format!("{at}.{name}"), v)?;
        }
        Ok(())
    }
}

fn check_not_negative(field: &str, v: Option<Decimal>) -> Result<()> {
    match v {
        Some(v) if v.is_sign_negative() && !v.is_zero() => {
            Err(Error::invalid_input(field, format!("{v} is negative")))
        }
        _ => Ok(()),
    }
}

/// The fields every create-order body has.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct OrderCommon {
    currency: String,
    customer_id: CustomerId,
    invoice_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    create_checkout: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    create_registration: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed_redirect_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl OrderCommon {
    fn new(customer_id: CustomerId, currency: String, invoice_id: String) -> Self {
        OrderCommon {
            currency,
            customer_id,
            invoice_id,
            create_checkout: None,
            create_registration: None,
            redirect_url: None,
            failed_redirect_url: None,
            note: None,
        }
    }

    fn validate(&self) -> Result<()> {
        check_id("customer_id", self.customer_id.get())?;
        crate::validate::currency_code("currency", &self.currency)?;
        crate::validate::not_blank("invoice_id", &self.invoice_id)?;
        for (name, url) in [
            ("redirect_url", &self.redirect_url),
            ("failed_redirect_url", &self.failed_redirect_url),
        ] {
            if let Some(u) = url {
                let ok = url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https"));
                if !ok {
                    return Err(Error::invalid_input(
                        name,
                        format!("`{u}` is not an http(s) URL"),
                    ));
                }
            }
        }
        Ok(())
    }
}

macro_rules! common_order_setters {
    () => {
        /// Whether to create a custom checkout for the order.
        pub fn create_checkout(mut self, yes: bool) -> Self {
            self.common.create_checkout = Some(yes);
            self
        }

        /// Whether to register the card for later payments.
        pub fn create_registration(mut self, yes: bool) -> Self {
            self.common.create_registration = Some(yes);
            self
        }

        /// Where the customer goes after paying.
        pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
            self.common.redirect_url = Some(url.into());
            self
        }

        /// Where the customer goes after a failed payment.
        pub fn failed_redirect_url(mut self, url: impl Into<String>) -> Self {
            self.common.failed_redirect_url = Some(url.into());
            self
        }

        /// A note on the order.
        pub fn note(mut self, note: impl Into<String>) -> Self {
            self.common.note = Some(note.into());
            self
        }
    };
}

/// Serializes one product as the one-element `order_products` list.
fn one_line<S: Serializer>(line: &OrderLine, s: S) -> std::result::Result<S::Ok, S::Error> {
    [line].serialize(s)
}

/// A new single-payment order for [`Orders::create_single_order`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewSingleOrder {
    #[serde(flatten)]
    common: OrderCommon,
    order_products: Vec<OrderLine>,
}

impl NewSingleOrder {
    /// An order for the customer with system id `customer_id`, in
    /// `currency` (ISO 4217), under your `invoice_id`. Add products with
    /// [`product`](Self::product).
    pub fn new(
        customer_id: impl Into<CustomerId>,
        currency: impl Into<String>,
        invoice_id: impl Into<String>,
    ) -> Self {
        NewSingleOrder {
            common: OrderCommon::new(customer_id.into(), currency.into(), invoice_id.into()),
            order_products: Vec::new(),
        }
    }

    /// Adds a product line.
    pub fn product(mut self, line: OrderLine) -> Self {
        self.order_products.push(line);
        self
    }

    common_order_setters!();

    /// Checks the order before sending.
    pub fn validate(&self) -> Result<()> {
        self.common.validate()?;
        if self.order_products.is_empty() {
            return Err(Error::invalid_input(
                "order_products",
                "add at least one product",
            ));
        }
        for (i, line) in self.order_products.iter().enumerate() {
            line.validate(&format!("order_products[{i}]"))?;
        }
        Ok(())
    }
}

/// A new instalment order for [`Orders::create_instalment_order`]: an
/// optional initial payment, then `split_number` scheduled payments.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewInstalmentOrder {
    #[serde(flatten)]
    common: OrderCommon,
    #[serde(rename = "order_products", serialize_with = "one_line")]
    product: OrderLine,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::money::decimal_opt"
    )]
    initial_amount: Option<Decimal>,
    split_number: u32,
    #[serde(flatten)]
    schedule: Schedule,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::lenient::dmy_date_opt"
    )]
    start_date: Option<NaiveDate>,
}

impl NewInstalmentOrder {
    /// An order for one product paid in `split_number` instalments on
    /// `schedule`.
    pub fn new(
        customer_id: impl Into<CustomerId>,
        currency: impl Into<String>,
        invoice_id: impl Into<String>,
        product: OrderLine,
        split_number: u32,
        schedule: Schedule,
    ) -> Self {
        NewInstalmentOrder {
            common: OrderCommon::new(customer_id.into(), currency.into(), invoice_id.into()),
            product,
            initial_amount: None,
            split_number,
            schedule,
            start_date: None,
        }
    }

    /// The initial payment (deposit).
    pub fn initial_amount(mut self, amount: impl Into<Decimal>) -> Self {
        self.initial_amount = Some(amount.into());
        self
    }

    /// The date of the first scheduled payment (sent as `DD/MM/YYYY`).
    pub fn start_date(mut self, date: NaiveDate) -> Self {
        self.start_date = Some(date);
        self
    }

    common_order_setters!();

    /// Checks the order before sending.
    pub fn validate(&self) -> Result<()> {
        self.common.validate()?;
        self.product.validate("order_products[0]")?;
        check_not_negative("initial_amount", self.initial_amount)?;
        if self.split_number == 0 {
            return Err(Error::invalid_input("split_number", "must be 1 or more"));
        }
        self.schedule.validate()
    }
}

/// A new subscription order for [`Orders::create_subscription_order`]. A
/// `start_date` in the future gives a trial until then.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewSubscriptionOrder {
    #[serde(flatten)]
    common: OrderCommon,
    #[serde(rename = "order_products", serialize_with = "one_line")]
    product: OrderLine,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::money::decimal_opt"
    )]
    initial_amount: Option<Decimal>,
    #[serde(flatten)]
    schedule: Schedule,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::lenient::dmy_date_opt"
    )]
    start_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recurring_collection_interval: Option<u32>,
}

impl NewSubscriptionOrder {
    /// A subscription to one product, paid on `schedule` until cancelled.
    pub fn new(
        customer_id: impl Into<CustomerId>,
        currency: impl Into<String>,
        invoice_id: impl Into<String>,
        product: OrderLine,
        schedule: Schedule,
    ) -> Self {
        NewSubscriptionOrder {
            common: OrderCommon::new(customer_id.into(), currency.into(), invoice_id.into()),
            product,
            initial_amount: None,
            schedule,
            start_date: None,
            recurring_collection_interval: None,
        }
    }

    /// The initial payment.
    pub fn initial_amount(mut self, amount: impl Into<Decimal>) -> Self {
        self.initial_amount = Some(amount.into());
        self
    }

    /// The date of the first scheduled payment; a future date gives a
    /// trial (sent as `DD/MM/YYYY`).
    pub fn start_date(mut self, date: NaiveDate) -> Self {
        self.start_date = Some(date);
        self
    }

    /// Collect every this many schedule periods.
    pub fn recurring_collection_interval(mut self, n: u32) -> Self {
        self.recurring_collection_interval = Some(n);
        self
    }

    common_order_setters!();

    /// Checks the order before sending.
    pub fn validate(&self) -> Result<()> {
        self.common.validate()?;
        self.product.validate("order_products[0]")?;
        check_not_negative("initial_amount", self.initial_amount)?;
        if self.recurring_collection_interval == Some(0) {
            return Err(Error::invalid_input(
                "recurring_collection_interval",
                "must be 1 or more",
            ));
        }
        self.schedule.validate()
    }
}

/// A new metered order for [`Orders::create_metered_order`]. An initial
/// amount of 0 makes a card pre-authorisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewMeteredOrder {
    #[serde(flatten)]
    common: OrderCommon,
    #[serde(rename = "order_products", serialize_with = "one_line")]
    product: OrderLine,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::money::decimal_opt"
    )]
    initial_amount: Option<Decimal>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    schedule: Option<Schedule>,
}

impl NewMeteredOrder {
    /// A metered order for one product.
    pub fn new(
        customer_id: impl Into<CustomerId>,
        currency: impl Into<String>,
        invoice_id: impl Into<String>,
        product: OrderLine,
    ) -> Self {
        NewMeteredOrder {
            common: OrderCommon::new(customer_id.into(), currency.into(), invoice_id.into()),
            product,
            initial_amount: None,
            schedule: None,
        }
    }

    /// The initial payment; 0 makes a pre-authorisation.
    pub fn initial_amount(mut self, amount: impl Into<Decimal>) -> Self {
        self.initial_amount = Some(amount.into());
        self
    }

    /// The billing schedule, when not the product's.
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = Some(schedule);
        self
    }

    common_order_setters!();

    /// Checks the order before sending.
    pub fn validate(&self) -> Result<()> {
        self.common.validate()?;
        self.product.validate("order_products[0]")?;
        check_not_negative("initial_amount", self.initial_amount)?;
        match &self.schedule {
            Some(s) => s.validate(),
            None => Ok(()),
        }
    }
}

/// Where a lookup after a create of unknown outcome starts: when the create
/// was first sent ([`LookupKey::sent_at`]), less a margin for the
/// difference between the client's clock and BillPro's
/// ([`skew`](Self::skew)).
///
/// ```
/// use std::time::Duration;
/// use billkit::billpro::Since;
/// # let sent_at = chrono::Utc::now();
/// let since = Since::new(sent_at).skew(Duration::from_secs(600)).concurrency(2);
/// assert_eq!(since.earliest(), sent_at - chrono::Duration::seconds(600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Since {
    at: DateTime<Utc>,
    skew: Duration,
    concurrency: usize,
}

impl Since {
    /// The default clock-skew margin: 5 minutes. Machines kept on time by
    /// NTP differ by far less; a larger margin only costs the pages of the
    /// records created within it.
    pub const DEFAULT_SKEW: Duration = Duration::from_secs(300);

    /// The default number of pages fetched at once where that is safe
    /// (an oldest-first list): 4.
    pub const DEFAULT_CONCURRENCY: usize = 4;

    /// From `at`, the time the create was first sent, with the default skew
    /// and concurrency.
    pub fn new(at: DateTime<Utc>) -> Self {
        Since {
            at,
            skew: Self::DEFAULT_SKEW,
            concurrency: Self::DEFAULT_CONCURRENCY,
        }
    }

    /// How far BillPro's clock may be behind the client's. Too small a
    /// margin can miss a record whose `created_at`, by a slow server
    /// clock, is earlier than `at`.
    pub fn skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// How many pages an oldest-first list is read at once (`0` is taken as
    /// `1`). Up to this many less one are fetched past the end.
    pub fn concurrency(mut self, k: usize) -> Self {
        self.concurrency = k.max(1);
        self
    }

    /// The pages read at once (see [`concurrency`](Self::concurrency)).
    pub fn pages_at_once(&self) -> usize {
        self.concurrency
    }

    /// When the create was sent.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The oldest `created_at` the record can carry: `at` less the skew
    /// (the earliest representable time if that underflows).
    pub fn earliest(&self) -> DateTime<Utc> {
        chrono::Duration::from_std(self.skew)
            .ok()
            .and_then(|skew| self.at.checked_sub_signed(skew))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

impl From<DateTime<Utc>> for Since {
    fn from(at: DateTime<Utc>) -> Self {
        Since::new(at)
    }
}

/// What a lookup reads from a listed record: an id unique in the list, and
/// when it was created.
pub(crate) trait Listed: Clone {
    fn list_id(&self) -> u64;
    fn listed_at(&self) -> Option<DateTime<Utc>>;
}

impl Listed for Order {
    fn list_id(&self) -> u64 {
        self.id.get()
    }
    fn listed_at(&self) -> Option<DateTime<Utc>> {
        self.created_at
    }
}

/// The most pages one lookup reads (250,000 records).
const MAX_LOOKUP_PAGES: u64 = 10_000;

/// How a list runs by creation time, as far as the pages read show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    OldestFirst,
    NewestFirst,
    Unsorted,
}

/// The direction of one page; a page whose items share one time counts as
/// oldest first (the pages around it decide).
fn direction<T: Listed>(items: &[T]) -> Direction {
    let Some(times) = times(items) else {
        return Direction::Unsorted;
    };
    if times.windows(2).all(|w| w[0] <= w[1]) {
        Direction::OldestFirst
    } else if times.windows(2).all(|w| w[0] >= w[1]) {
        Direction::NewestFirst
    } else {
        Direction::Unsorted
    }
}

fn times<'a, T: Listed + 'a>(items: impl IntoIterator<Item = &'a T>) -> Option<Vec<DateTime<Utc>>> {
    items.into_iter().map(Listed::listed_at).collect()
}

/// The first and last creation time of each page read of an oldest-first
/// list, to check that every page read agrees with the others.
#[derive(Default)]
struct OldestFirst {
    pages: BTreeMap<u64, (DateTime<Utc>, DateTime<Utc>)>,
    /// Every page read, and whether it was short (the end of the list).
    read: BTreeMap<u64, bool>,
    ids: HashSet<u64>,
}

impl OldestFirst {
    /// Notes page `n`; `Ok(false)` when it is out of order (inside, or with
    /// a page read before), so the list cannot be trusted to be oldest
    /// first.
    fn record<T: Listed>(&mut self, n: u64, items: &[T], path: &str) -> Result<bool> {
        self.read.insert(n, items.len() < PAGE);
        if items.len() >= PAGE && items.iter().all(|t| self.ids.contains(&t.list_id())) {
            return Err(repeated(path, n));
        }
        // Records never move in an oldest-first list: an id on two pages
        // means it is not one.
        if !items.iter().all(|t| self.ids.insert(t.list_id())) {
            return Ok(false);
        }
        let Some(times) = times(items) else {
            return Ok(false);
        };
        let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
            return Ok(true);
        };
        let inside = times.windows(2).all(|w| w[0] <= w[1]);
        let before = self
            .pages
            .range(..n)
            .next_back()
            .is_none_or(|(_, (_, l))| *l <= first);
        let after = self
            .pages
            .range(n + 1..)
            .next()
            .is_none_or(|(_, (f, _))| last <= *f);
        self.pages.insert(n, (first, last));
        Ok(inside && before && after)
    }
}

const PAGE: usize = PAGE_SIZE as usize;

fn too_many(path: &str, n: u64) -> Error {
    Error::Pagination {
        method: reqwest::Method::GET,
        path: path.to_owned(),
        position: format!("page {n}"),
        kind: PaginationErrorKind::TooManyPages {
            max_pages: MAX_LOOKUP_PAGES as u32,
        },
    }
}

fn repeated(path: &str, n: u64) -> Error {
    Error::Pagination {
        method: reqwest::Method::GET,
        path: path.to_owned(),
        position: format!("page {n}"),
        kind: PaginationErrorKind::RepeatedPage,
    }
}

/// One lookup of a record in a BillPro list; see the [module
/// docs](self#lookups-that-cannot-miss).
pub(crate) struct Lookup<'a, T, M> {
    list: &'a Paginator<T>,
    earliest: Option<DateTime<Utc>>,
    concurrency: usize,
    matches: M,
    requests: u64,
}

impl<'a, T, M> Lookup<'a, T, M>
where
    T: Listed + serde::de::DeserializeOwned + Send + Sync + 'static,
    M: Fn(&T) -> bool + Sync,
{
    /// A lookup for the record `matches` accepts, created at or after
    /// `earliest` when given (anywhere in the list when not).
    pub(crate) fn new(
        list: &'a Paginator<T>,
        earliest: Option<DateTime<Utc>>,
        concurrency: usize,
        matches: M,
    ) -> Self {
        Lookup {
            list,
            earliest,
            concurrency: concurrency.max(1),
            matches,
            requests: 0,
        }
    }

    fn path(&self) -> &'static str {
        self.list.request().template()
    }

    /// Counts `k` page requests against the cap before they are sent.
    fn spend(&mut self, k: u64, n: u64) -> Result<()> {
        self.requests = self.requests.saturating_add(k);
        if self.requests > MAX_LOOKUP_PAGES {
            return Err(too_many(self.path(), n));
        }
        Ok(())
    }

    async fn fetch(&mut self, n: u64) -> Result<Vec<T>> {
        self.spend(1, n)?;
        Ok(self.list.page(n).await?.items)
    }

    /// The record sought, if on `items`: it matches and is not older than
    /// the lookup's start (a record without a time is not ruled out).
    fn hit(&self, items: &[T]) -> Option<T> {
        items
            .iter()
            .find(|t| {
                (self.matches)(t)
                    && self
                        .earliest
                        .is_none_or(|e| t.listed_at().is_none_or(|at| at >= e))
            })
            .cloned()
    }

    /// Whether `items` reaches the records the lookup wants: a short page
    /// (the end), or one ending at or after the start.
    fn reaches(&self, items: &[T]) -> bool {
        items.len() < PAGE
            || match (self.earliest, items.last().and_then(Listed::listed_at)) {
                (None, _) => true,
                (Some(e), Some(last)) => last >= e,
                (Some(_), None) => true,
            }
    }

    pub(crate) async fn run(mut self) -> Result<Option<T>> {
        let first = self.fetch(1).await?;
        if let Some(hit) = self.hit(&first) {
            return Ok(Some(hit));
        }
        if first.len() < PAGE {
            return Ok(None);
        }
        match direction(&first) {
            Direction::OldestFirst => self.oldest_first(first).await,
            Direction::NewestFirst => self.newest_first(first).await,
            Direction::Unsorted => self.in_turn(Some(first)).await,
        }
    }

    /// Finds the first page that reaches the start, then reads from there
    /// to the end.
    async fn oldest_first(mut self, first: Vec<T>) -> Result<Option<T>> {
        let path = self.path();
        let mut order = OldestFirst::default();
        if !order.record(1, &first, path)? {
            return self.in_turn(None).await;
        }
        if self.reaches(&first) {
            return self.forward(2, order).await;
        }
        // Page `below` ends before the start; page `above` reaches it.
        let mut below = 1u64;
        let mut n = 2u64;
        let (mut above, mut above_short) = loop {
            let items = self.fetch(n).await?;
            if let Some(hit) = self.hit(&items) {
                return Ok(Some(hit));
            }
            if !order.record(n, &items, path)? {
                return self.in_turn(None).await;
            }
            if self.reaches(&items) {
                break (n, items.len() < PAGE);
            }
            below = n;
            n = n.checked_mul(2).ok_or_else(|| too_many(path, n))?;
        };
        while above - below > 1 {
            let mid = below + (above - below) / 2;
            let items = self.fetch(mid).await?;
            if let Some(hit) = self.hit(&items) {
                return Ok(Some(hit));
            }
            if !order.record(mid, &items, path)? {
                return self.in_turn(None).await;
            }
            if self.reaches(&items) {
                (above, above_short) = (mid, items.len() < PAGE);
            } else {
                below = mid;
            }
        }
        // Every page up to `below` ends before the start, and `above`, the
        // next, has been read.
        if above_short {
            return Ok(None);
        }
        self.forward(above + 1, order).await
    }

    /// Reads pages `from`, `from + 1`, … to the end, `concurrency` at a
    /// time: safe only on an oldest-first list, where records never move.
    /// A page the search already read (after the lookup began, so it held
    /// then whatever it holds for the lookup) is not read again, and a short
    /// one read is the end.
    async fn forward(mut self, from: u64, mut order: OldestFirst) -> Result<Option<T>> {
        let path = self.path();
        let mut n = from;
        loop {
            let end = order
                .read
                .iter()
                .find(|(_, short)| **short)
                .map(|(p, _)| *p);
            let numbers: Vec<u64> = (n..)
                .filter(|p| !order.read.contains_key(p))
                .take_while(|p| end.is_none_or(|e| *p < e))
                .take(self.concurrency)
                .collect();
            let Some(&highest) = numbers.last() else {
                return Ok(None);
            };
            self.spend(numbers.len() as u64, n)?;
            let list = self.list;
            let pages = futures_util::future::try_join_all(
                numbers.iter().map(|&p| async move { list.page(p).await }),
            )
            .await?;
            for (&p, page) in numbers.iter().zip(pages) {
                if let Some(hit) = self.hit(&page.items) {
                    return Ok(Some(hit));
                }
                if !order.record(p, &page.items, path)? {
                    return self.in_turn(None).await;
                }
                if page.items.len() < PAGE {
                    return Ok(None);
                }
            }
            n = highest.checked_add(1).ok_or_else(|| too_many(path, n))?;
        }
    }

    /// Reads pages 2, 3, … one after the other until one ends before the
    /// start. A record added at the front between two reads shows up again
    /// on the next page and is skipped.
    async fn newest_first(mut self, first: Vec<T>) -> Result<Option<T>> {
        let path = self.path();
        let mut ids: HashSet<u64> = first.iter().map(Listed::list_id).collect();
        let Some(mut last) = first.last().and_then(Listed::listed_at) else {
            return self.in_turn(None).await;
        };
        let mut n = 1u64;
        loop {
            if self.earliest.is_some_and(|e| last < e) {
                return Ok(None);
            }
            n += 1;
            let items = self.fetch(n).await?;
            if let Some(hit) = self.hit(&items) {
                return Ok(Some(hit));
            }
            let fresh: Vec<&T> = items
                .iter()
                .filter(|t| !ids.contains(&t.list_id()))
                .collect();
            if items.len() >= PAGE && fresh.is_empty() {
                return Err(repeated(path, n));
            }
            let in_order = times(fresh.iter().copied()).is_some_and(|times| {
                times.first().is_none_or(|f| *f <= last) && times.windows(2).all(|w| w[0] >= w[1])
            });
            if !in_order {
                return self.in_turn(None).await;
            }
            if items.len() < PAGE {
                return Ok(None);
            }
            ids.extend(fresh.iter().map(|t| t.list_id()));
            if let Some(t) = fresh.last().and_then(|t| t.listed_at()) {
                last = t;
            }
        }
    }

    /// Reads the whole list one page after the other, from page 1 (or from
    /// page 2 when page 1, already searched, is given). A record can only
    /// be pushed onto a later page by one added before it, never onto one
    /// already read.
    async fn in_turn(mut self, first: Option<Vec<T>>) -> Result<Option<T>> {
        let path = self.path();
        let mut ids = HashSet::new();
        let mut n = 1u64;
        if let Some(first) = first {
            ids.extend(first.iter().map(Listed::list_id));
            n = 2;
        }
        loop {
            let items = self.fetch(n).await?;
            if let Some(hit) = self.hit(&items) {
                return Ok(Some(hit));
            }
            if items.len() < PAGE {
                return Ok(None);
            }
            let before = ids.len();
            ids.extend(items.iter().map(Listed::list_id));
            if ids.len() == before {
                return Err(repeated(path, n));
            }
            n += 1;
        }
    }
}

#[derive(Serialize)]
struct Wrapped<'a, T> {
    order: &'a T,
}

/// The orders endpoints, from [`Client::orders`](super::Client::orders).
///
/// Invalid order input is answered with 400 `{"error": "Bad Request"}`.
#[derive(Debug, Clone, Copy)]
pub struct Orders<'a> {
    transport: &'a Transport,
}

impl<'a> Orders<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Orders { transport }
    }

    async fn create<T: Serialize>(
        &self,
        path: &'static str,
        order: &T,
        invoice_id: &str,
    ) -> Result<Order> {
        let request = Request::post(path).json(&Wrapped { order });
        // Noted before the first send, so the order, if it lands, is no
        // older; the error's key carries the same time.
        let sent_at = self.transport.wall_clock();
        let since = Since::new(sent_at);
        self.transport
            .execute_create(
                request,
                LookupKey::new("invoice_id", invoice_id).with_sent_at(sent_at),
                Uniqueness::NotEnforced,
                || self.find_by_invoice_id_since(invoice_id, since),
            )
            .await
    }

    /// Creates a single-payment order
    /// (`POST /orders/create_single_order`, body `{"order": {…}}`).
    ///
    /// Did it go through? On failure, the error's
    /// [`outcome`](crate::Error::outcome) says: `NotApplied`, no order was
    /// made (a 400 `{"error": "Bad Request"}` usually means an unknown
    /// `customer_id` or `product_id`, or a field the order type does not
    /// take: check them with `customers().get` and `products().get`);
    /// `Unknown`, it may exist. After an unknown outcome the client has
    /// already looked for the order by its `invoice_id` among the orders
    /// created since it was sent
    /// ([`find_by_invoice_id_since`](Self::find_by_invoice_id_since), which
    /// cannot miss it) and returned it if found; otherwise the error is
    /// [`Error::MayHaveLanded`] with that key and the time it was sent
    /// ([`LookupKey::sent_at`]): look again with both before creating the
    /// order again. It is never sent again unless the retry policy opts in
    /// ([`RetryPolicy::resend_unconfirmed_after`](crate::http::RetryPolicy::resend_unconfirmed_after)).
    pub async fn create_single_order(&self, order: &NewSingleOrder) -> Result<Order> {
        order.validate()?;
        self.create(
            "/orders/create_single_order",
            order,
            &order.common.invoice_id,
        )
        .await
    }

    /// Creates an instalment order (`POST /orders/create_instalment_order`).
    ///
    /// Did it go through? On failure, the error's
    /// [`outcome`](crate::Error::outcome) says: `NotApplied`, no order was
    /// made (a 400 `{"error": "Bad Request"}` usually means an unknown
    /// `customer_id` or `product_id`, or a field the order type does not
    /// take: check them with `customers().get` and `products().get`);
    /// `Unknown`, it may exist. After an unknown outcome the client has
    /// already looked for the order by its `invoice_id` among the orders
    /// created since it was sent
    /// ([`find_by_invoice_id_since`](Self::find_by_invoice_id_since), which
    /// cannot miss it) and returned it if found; otherwise the error is
    /// [`Error::MayHaveLanded`] with that key and the time it was sent
    /// ([`LookupKey::sent_at`]): look again with both before creating the
    /// order again. It is never sent again unless the retry policy opts in
    /// ([`RetryPolicy::resend_unconfirmed_after`](crate::http::RetryPolicy::resend_unconfirmed_after)).
    pub async fn create_instalment_order(&self, order: &NewInstalmentOrder) -> Result<Order> {
        order.validate()?;
        self.create(
            "/orders/create_instalment_order",
            order,
            &order.common.invoice_id,
        )
        .await
    }

    /// Creates a subscription order (`POST /orders/create_subscription_order`).
    ///
    /// Did it go through? On failure, the error's
    /// [`outcome`](crate::Error::outcome) says: `NotApplied`, no order was
    /// made (a 400 `{"error": "Bad Request"}` usually means an unknown
    /// `customer_id` or `product_id`, or a field the order type does not
    /// take: check them with `customers().get` and `products().get`);
    /// `Unknown`, it may exist. After an unknown outcome the client has
    /// already looked for the order by its `invoice_id` among the orders
    /// created since it was sent
    /// ([`find_by_invoice_id_since`](Self::find_by_invoice_id_since), which
    /// cannot miss it) and returned it if found; otherwise the error is
    /// [`Error::MayHaveLanded`] with that key and the time it was sent
    /// ([`LookupKey::sent_at`]): look again with both before creating the
    /// order again. It is never sent again unless the retry policy opts in
    /// ([`RetryPolicy::resend_unconfirmed_after`](crate::http::RetryPolicy::resend_unconfirmed_after)).
    pub async fn create_subscription_order(&self, order: &NewSubscriptionOrder) -> Result<Order> {
        order.validate()?;
        self.create(
            "/orders/create_subscription_order",
            order,
            &order.common.invoice_id,
        )
        .await
    }

    /// Creates a metered order (`POST /orders/create_metered_order`).
    ///
    /// Did it go through? On failure, the error's
    /// [`outcome`](crate::Error::outcome) says: `NotApplied`, no order was
    /// made (a 400 `{"error": "Bad Request"}` usually means an unknown
    /// `customer_id` or `product_id`, or a field the order type does not
    /// take: check them with `customers().get` and `products().get`);
    /// `Unknown`, it may exist. After an unknown outcome the client has
    /// already looked for the order by its `invoice_id` among the orders
    /// created since it was sent
    /// ([`find_by_invoice_id_since`](Self::find_by_invoice_id_since), which
    /// cannot miss it) and returned it if found; otherwise the error is
    /// [`Error::MayHaveLanded`] with that key and the time it was sent
    /// ([`LookupKey::sent_at`]): look again with both before creating the
    /// order again. It is never sent again unless the retry policy opts in
    /// ([`RetryPolicy::resend_unconfirmed_after`](crate::http::RetryPolicy::resend_unconfirmed_after)).
    pub async fn create_metered_order(&self, order: &NewMeteredOrder) -> Result<Order> {
        order.validate()?;
        self.create(
            "/orders/create_metered_order",
            order,
            &order.common.invoice_id,
        )
        .await
    }

    /// One order by system id (`GET /orders/{id}`), of any order type.
    pub async fn get(&self, id: impl Into<OrderId>) -> Result<Order> {
        let id = id.into();
        check_id("id", id.get())?;
        self.transport
            .execute(Request::get("/orders/{id}").param(id))
            .await
    }

    /// All orders, walked lazily 25 per page (`GET /orders?page=N`).
    pub fn list(&self) -> Paginator<Order> {
        paginate(self.transport, Request::<()>::get("/orders"))
    }

    /// The order whose `invoice_id` is `invoice_id`, wherever it is in the
    /// list: every page is read (BillPro has no filter for it). It cannot
    /// miss an order that exists; it costs one request per 25 orders, plus
    /// one, plus up to three pages past the end fetched at once when the
    /// list is oldest first (4,001 to 4,004 requests for 100,000 orders).
    ///
    /// After a create whose outcome is unknown, use
    /// [`find_by_invoice_id_since`](Self::find_by_invoice_id_since) with the
    /// error's [`LookupKey::sent_at`]: it reads only the pages that can hold
    /// an order that new, a few dozen requests however long the list.
    pub async fn find_by_invoice_id(&self, invoice_id: &str) -> Result<Option<Order>> {
        crate::validate::not_blank("invoice_id", invoice_id)?;
        let matches = |o: &Order| o.invoice_id.as_deref() == Some(invoice_id);
        Lookup::new(&self.list(), None, Since::DEFAULT_CONCURRENCY, matches)
            .run()
            .await
    }

    /// The order whose `invoice_id` is `invoice_id` created at or after
    /// [`since.earliest()`](Since::earliest) (by BillPro's clock), for a
    /// create whose outcome is unknown: pass the error's
    /// [`LookupKey::sent_at`] (always set on [`Error::MayHaveLanded`]).
    /// `Ok(None)` means no such order exists: it cannot miss one, wherever
    /// it sits and however many orders were created after it (see [the
    /// module docs](self#lookups-that-cannot-miss) for how). An order
    /// created while the lookup runs may or may not be seen: while an
    /// attempt may still be on its way, finding nothing proves nothing.
    ///
    /// ```no_run
    /// # use billkit::billpro::{Client, NewSingleOrder, Order};
    /// # async fn run(client: Client, order: NewSingleOrder) -> billkit::Result<Order> {
    /// match client.orders().create_single_order(&order).await {
    ///     Ok(placed) => Ok(placed),
    ///     Err(err) => {
    ///         let Some((key, Some(sent_at))) = err.lookup_key().map(|k| (k, k.sent_at())) else {
    ///             return Err(err);
    ///         };
    ///         // Later (once no attempt can still be on its way):
    ///         match client.orders().find_by_invoice_id_since(key.value(), sent_at).await? {
    ///             Some(placed) => Ok(placed), // it landed: do not create it again
    ///             None => client.orders().create_single_order(&order).await,
    ///         }
    ///     }
    /// }
    /// # }
    /// ```
    ///
    /// Cost, for a list of `n` orders of which `m` were created at or after
    /// `since.earliest()`, with `c` = [`Since::concurrency`]:
    /// - oldest first (as the sandbox and, by observation, BillPro list):
    ///   at most `2·⌈log2(⌈n/25⌉ + 1)⌉ + ⌈m/25⌉ + c` requests; for `m` = 80
    ///   and the defaults, 20 for 1,000 orders, 26 for 10,000 and 32 for
    ///   100,000 (measured: 12 to 16, 18 to 22 and 24 to 28);
    /// - newest first: at most `⌈m/25⌉ + 1`, one after the other;
    /// - a list in neither order: the whole list, `⌈n/25⌉ + 1` requests one
    ///   after the other, on top of those already made.
    ///
    /// A larger [`Since::skew`] raises `m`. At most 10,000 pages are read;
    /// beyond that, or when the server answers every page with the same
    /// items, the lookup stops with [`Error::Pagination`] rather than
    /// guessing.
    pub async fn find_by_invoice_id_since(
        &self,
        invoice_id: &str,
        since: impl Into<Since>,
    ) -> Result<Option<Order>> {
        crate::validate::not_blank("invoice_id", invoice_id)?;
        let since = since.into();
        let matches = |o: &Order| o.invoice_id.as_deref() == Some(invoice_id);
        Lookup::new(
            &self.list(),
            Some(since.earliest()),
            since.concurrency,
            matches,
        )
        .run()
        .await
    }

    async fn action(&self, path: &'static str, id: OrderId) -> Result<Option<Order>> {
        check_id("id", id.get())?;
        self.transport.execute(Request::put(path).param(id)).await
    }

    /// Cancels or completes an order (`PUT /orders/{id}/cancel_order`): a
    /// preliminary order becomes cancelled, a live one complete. Returns
    /// the order when the server sends it back.
    pub async fn cancel(&self, id: impl Into<OrderId>) -> Result<Option<Order>> {
        self.action("/orders/{id}/cancel_order", id.into()).await
    }

    /// Pauses an active subscription (`PUT /orders/{id}/pause_order`).
    pub async fn pause(&self, id: impl Into<OrderId>) -> Result<Option<Order>> {
        self.action("/orders/{id}/pause_order", id.into()).await
    }

    /// Resumes a paused subscription, back to active or failed
    /// (`PUT /orders/{id}/resume_order`).
    pub async fn resume(&self, id: impl Into<OrderId>) -> Result<Option<Order>> {
        self.action("/orders/{id}/resume_order", id.into()).await
    }

    /// Renews the custom checkout of an order, which expires after 25
    /// minutes (`POST /order_checkouts/{id}`). The answer's shape is not
    /// documented, so it comes back as JSON (`null` for an empty body).
    pub async fn renew_checkout(&self, id: impl Into<OrderId>) -> Result<serde_json::Value> {
        let id = id.into();
        check_id("id", id.get())?;
        self.transport
            .execute(Request::post("/order_checkouts/{id}").param(id))
            .await
    }
}
