//! What is sent to create an order of each of the four purchase types.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use super::super::products::ScheduleUnit;
use super::super::{CustomerId, ProductId, check_id};
use crate::error::{Error, Result};

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
pub(super) struct OrderCommon {
    currency: String,
    customer_id: CustomerId,
    pub(super) invoice_id: String,
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

/// A new single-payment order for [`Orders::create_single_order`](super::Orders::create_single_order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSingleOrder {
    #[serde(flatten)]
    pub(super) common: OrderCommon,
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
    pub(crate) fn validate(&self) -> Result<()> {
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

/// A new instalment order for [`Orders::create_instalment_order`](super::Orders::create_instalment_order): an
/// optional initial payment, then `split_number` scheduled payments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewInstalmentOrder {
    #[serde(flatten)]
    pub(super) common: OrderCommon,
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
    pub(crate) fn validate(&self) -> Result<()> {
        self.common.validate()?;
        self.product.validate("order_products[0]")?;
        check_not_negative("initial_amount", self.initial_amount)?;
        if self.split_number == 0 {
            return Err(Error::invalid_input("split_number", "must be 1 or more"));
        }
        self.schedule.validate()
    }
}

/// A new subscription order for [`Orders::create_subscription_order`](super::Orders::create_subscription_order). A
/// `start_date` in the future gives a trial until then.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSubscriptionOrder {
    #[serde(flatten)]
    pub(super) common: OrderCommon,
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
    pub(crate) fn validate(&self) -> Result<()> {
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

/// A new metered order for [`Orders::create_metered_order`](super::Orders::create_metered_order). An initial
/// amount of 0 makes a card pre-authorisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMeteredOrder {
    #[serde(flatten)]
    pub(super) common: OrderCommon,
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
    pub(crate) fn validate(&self) -> Result<()> {
        self.common.validate()?;
        self.product.validate("order_products[0]")?;
        check_not_negative("initial_amount", self.initial_amount)?;
        match &self.schedule {
            Some(s) => s.validate(),
            None => Ok(()),
        }
    }
}
