//! Products: what a merchant sells. Products are created in the BillPro UI;
//! the API can only list and read them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{ProductId, check_id, paginate};
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

crate::open_enum! {
    /// A purchase type: how a product (and an order for it) is paid.
    pub enum PurchaseType {
        /// Paid at once.
        SinglePayment => "single_payment",
        /// Paid in a fixed number of scheduled payments.
        Instalment => "instalment" | "installment",
        /// Paid every period until cancelled (the docs once spell it
        /// `subscripton`; both are accepted).
        Subscription => "subscription" | "subscripton",
        /// Paid by usage.
        Metered => "metered",
    }
}

crate::open_enum! {
    /// The unit of a payment schedule.
    pub enum ScheduleUnit {
        /// Days.
        Day => "DAY" | "day",
        /// Weeks.
        Week => "WEEK" | "week",
        /// Months.
        Month => "MONTH" | "month",
        /// Years.
        Year => "YEAR" | "year",
    }
}

crate::open_enum! {
    /// Whether a product can be sold.
    pub enum ProductStatus {
        /// On sale.
        Active => "active",
        /// Withdrawn from sale.
        Inactive => "inactive",
    }
}

/// A product as BillPro returns it. The API does not return the product's
/// name.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Product {
    /// The system id (use it as `product_id` in order lines).
    pub id: ProductId,
    /// The merchant's own product code, e.g. `E2824181D8`.
    #[serde(with = "crate::lenient::string")]
    pub product_id: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The price, exact.
    #[serde(with = "crate::money::decimal")]
    pub price: Decimal,
    /// The purchase type.
    pub product_type: PurchaseType,
    /// Whether the product is on sale.
    pub product_status: ProductStatus,
    /// Whether orders must use the product's price.
    pub lock_price: bool,
    /// Whether orders must use the product's payment schedule.
    pub lock_payment_config: bool,
    /// The group the product is shown under.
    #[serde(default)]
    pub product_group: Option<String>,
    /// Schedule periods between payments (sent as a string, `"1"`).
    #[serde(default, with = "crate::lenient::int_opt")]
    pub scheduled_interval: Option<u32>,
    /// Schedule unit.
    #[serde(default)]
    pub scheduled_unit: Option<ScheduleUnit>,
    /// Whether the fee is charged on the initial payment only.
    pub fee_for_initial_payment_only: bool,
    /// Whether the discount applies to the initial payment only.
    pub discount_for_initial_payment_only: bool,
    /// The deposit (initial payment) amount.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub deposit_amount: Option<Decimal>,
    /// When the product was created.
    #[serde(with = "crate::lenient::timestamp")]
    pub created_at: DateTime<Utc>,
    /// The discount applied to the product, if any.
    #[serde(default)]
    pub discount: Option<Adjustment>,
    /// The tax applied to the product, if any.
    #[serde(default)]
    pub tax: Option<Adjustment>,
}

/// A discount or a tax attached to a product: a named percentage.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Adjustment {
    /// The name, e.g. `VAT Spain`.
    pub name: String,
    /// The percentage, exact (`"21.00"`).
    #[serde(with = "crate::money::decimal")]
    pub percentage: Decimal,
    /// A longer description.
    #[serde(default)]
    pub description: Option<String>,
    /// When it was created.
    #[serde(default, with = "crate::lenient::timestamp_opt")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it was last changed.
    #[serde(default, with = "crate::lenient::timestamp_opt")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Which products [`Products::list`] returns: all of them
/// ([`ProductFilter::new`]), or those with one merchant code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductFilter {
    product_id: Option<String>,
}

impl ProductFilter {
    /// No filter: every product.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the products whose merchant code is `product_id` (sent as
    /// `?product_id=…`); the merchant chooses the codes, so several
    /// products may share one.
    pub fn product_id(mut self, product_id: impl Into<String>) -> Self {
        self.product_id = Some(product_id.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        match &self.product_id {
            Some(code) => crate::validate::not_blank("product_id", code),
            None => Ok(()),
        }
    }
}

/// The products endpoints, from [`Client::products`](super::Client::products).
///
/// Products cannot be created, changed or deleted through the API: create
/// them in the BillPro UI (in staging and in production).
#[derive(Debug, Clone, Copy)]
pub struct Products<'a> {
    transport: &'a Transport,
}

impl<'a> Products<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Products { transport }
    }

    /// The products `filter` lets through, walked lazily 25 per page
    /// (`GET /products?page=N`, with `product_id=…` when the filter names
    /// a merchant code). A blank code fails the walk's first poll, before
    /// anything is sent.
    ///
    /// ```no_run
    /// use billkit::TryStreamExt;
    /// use billkit::billpro::{Client, ProductFilter};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let filter = ProductFilter::new().product_id("E2824181D8");
    /// let products: Vec<_> = billpro.products().list(&filter).stream().try_collect().await?;
    /// println!("{} products", products.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, filter: &ProductFilter) -> Paginator<Product> {
        let mut request = Request::<()>::get("/products");
        if let Some(code) = &filter.product_id {
            request = request.query("product_id", code);
        }
        let list = paginate(self.transport, request);
        match filter.validate() {
            Ok(()) => list,
            Err(e) => list.refuse(e),
        }
    }

    /// One product by system id (`GET /products/{id}`).
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let product = billpro.products().get(7).await?;
    /// println!("{} costs {} {}", product.product_id, product.price, product.currency);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<ProductId>) -> Result<Product> {
        let id = id.into();
        check_id("id", id.get())?;
        self.transport
            .execute(Request::get("/products/{id}").param(id))
            .await
    }
}
