//! Invoices: `/invoices`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::checks::{check_money_column, check_one_of, check_range, check_timestamp_day};
use super::shared;
use super::{Deleted, PAGES, User};
use super::{InvoiceId, InvoiceItemId, RegistrantId, ServiceId, UserId};
use crate::error::{Error, Result};
use crate::http::{Paginator, Request, Transport};

crate::open_enum! {
    /// An invoice's payment state.
    pub enum InvoiceStatus {
        /// Waiting for payment.
        Unpaid => "unpaid",
        /// Paid in full.
        Paid => "paid",
        /// Voided.
        Cancelled => "cancelled",
        /// Paid, then refunded.
        Refunded => "refunded",
    }
}

/// A bill sent to a user, as `app/Http/Resources/InvoiceResource.php`
/// renders it. Totals are computed by the server from the items.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Invoice {
    /// The id.
    pub id: InvoiceId,
    /// The human-facing number.
    pub invoice_number: String,
    /// Payment state.
    pub status: InvoiceStatus,
    /// Sum of the items before discount and tax.
    #[serde(with = "crate::money::two_places")]
    pub subtotal: Decimal,
    /// Discount.
    #[serde(with = "crate::money::two_places")]
    pub discount: Decimal,
    /// Tax (the API never sets it; 0 unless the server's own billing did).
    #[serde(with = "crate::money::two_places")]
    pub tax: Decimal,
    /// What the user owes in all.
    #[serde(with = "crate::money::two_places")]
    pub total: Decimal,
    /// ISO currency code.
    pub currency: String,
    /// Always `null`: the `invoices` table has no `notes` column.
    #[serde(default)]
    pub notes: Option<String>,
    /// When payment is due: midnight of the chosen day in the server's
    /// timezone, as a UTC instant ([`due_day`](Self::due_day) gives the day).
    #[serde(deserialize_with = "super::de::date_time")]
    pub due_date: DateTime<Utc>,
    /// When it was paid.
    #[serde(default, deserialize_with = "super::de::date_time_opt")]
    pub paid_at: Option<DateTime<Utc>>,
    /// What is still to pay: `max(0, total - payments)`, which Billmora
    /// computes in PHP floats and sends as a JSON number, so a partly paid
    /// invoice may arrive as `0.19999999999999998`. Read as the two-place
    /// amount it stands for (`0.20`, see
    /// [`parse_two_places`](crate::money::parse_two_places)) and written as
    /// a string like every amount; a value further from cents than a
    /// float's rounding error is a decode error at this field.
    #[serde(with = "crate::money::two_places")]
    pub amount_due: Decimal,
    /// The user, when the endpoint includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// The lines, when the endpoint includes them (show, create, update).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<InvoiceItem>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

impl Invoice {
    /// The calendar day the invoice is due, as chosen when it was made
    /// (see [`calendar_day`](super::calendar_day)).
    pub fn due_day(&self) -> NaiveDate {
        super::calendar_day(self.due_date)
    }
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct InvoiceItem {
    /// The id.
    pub id: InvoiceItemId,
    /// The service billed, if any.
    #[serde(default)]
    pub service_id: Option<ServiceId>,
    /// The domain billed, if any.
    #[serde(default)]
    pub registrant_id: Option<RegistrantId>,
    /// Text of the line.
    pub description: String,
    /// Quantity.
    #[serde(with = "crate::lenient::int")]
    pub quantity: u32,
    /// Price of one unit (negative for a discount).
    #[serde(with = "crate::money::two_places")]
    pub unit_price: Decimal,
    /// `quantity × unit_price`.
    #[serde(with = "crate::money::two_places")]
    pub amount: Decimal,
}

/// A line of a new invoice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewInvoiceItem {
    /// Text of the line (at most 255 characters).
    pub description: String,
    /// Quantity, 1 or more.
    pub quantity: u32,
    /// Price of one unit; negative for a discount line (sent as a JSON
    /// number with two places, never through a float).
    #[serde(with = "crate::money::two_places_number")]
    pub unit_price: Decimal,
}

impl NewInvoiceItem {
    /// A line.
    pub fn new(description: impl Into<String>, quantity: u32, unit_price: Decimal) -> Self {
        NewInvoiceItem {
            description: description.into(),
            quantity,
            unit_price,
        }
    }
}

/// The body of `POST /invoices`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewInvoice {
    user_id: UserId,
    due_date: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<InvoiceStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    items: Vec<NewInvoiceItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    send_email: Option<bool>,
}

impl NewInvoice {
    /// An invoice for `user_id` due on `due_date` (the server's local date).
    /// Add at least one line with [`item`](Self::item).
    pub fn new(user_id: impl Into<UserId>, due_date: NaiveDate) -> Self {
        NewInvoice {
            user_id: user_id.into(),
            due_date,
            status: None,
            currency: None,
            notes: None,
            items: Vec::new(),
            send_email: None,
        }
    }

    /// Adds a line; a negative `unit_price` makes it a discount.
    pub fn item(
        mut self,
        description: impl Into<String>,
        quantity: u32,
        unit_price: Decimal,
    ) -> Self {
        self.items
            .push(NewInvoiceItem::new(description, quantity, unit_price));
        self
    }

    /// Adds a prepared line.
    pub fn push_item(mut self, item: NewInvoiceItem) -> Self {
        self.items.push(item);
        self
    }

    /// Initial state (default `unpaid`).
    pub fn status(mut self, v: impl Into<InvoiceStatus>) -> Self {
        self.status = Some(v.into());
        self
    }

    /// ISO currency code, 3 letters (default: the installation's). The
    /// server does not check it exists.
    pub fn currency(mut self, v: impl Into<String>) -> Self {
        self.currency = Some(v.into());
        self
    }

    /// Notes. The server accepts them and throws them away: the `invoices`
    /// table has no `notes` column, and Eloquent silently drops keys that
    /// are not columns of a `$guarded` model.
    #[deprecated(
        note = "Billmora has no invoices.notes column: the server accepts and discards notes"
    )]
    pub fn notes(mut self, v: impl Into<String>) -> Self {
        self.notes = Some(v.into());
        self
    }

    /// Whether the server emails the invoice to the user.
    pub fn send_email(mut self, v: bool) -> Self {
        self.send_email = Some(v);
        self
    }

    fn validate(&self) -> Result<()> {
        check_timestamp_day("due_date", self.due_date)?;
        if let Some(s) = &self.status {
            check_one_of("status", s, InvoiceStatus::KNOWN)?;
        }
        if let Some(c) = &self.currency {
            // `max:10` on the API, but the column is `char(3)`-sized: longer fails with 500.
            crate::validate::text("currency", c, 3)?;
        }
        if self.items.is_empty() {
            return Err(Error::invalid_input(
                "items",
                "an invoice needs at least one item",
            ));
        }
        for (i, item) in self.items.iter().enumerate() {
            // `max:1000` on the API, but the column is `varchar(255)`.
            crate::validate::text(&format!("items.{i}.description"), &item.description, 255)?;
            check_range(
                &format!("items.{i}.quantity"),
                i64::from(item.quantity),
                1,
                i64::from(i32::MAX),
            )?;
            check_money_column(&format!("items.{i}.unit_price"), item.unit_price)?;
            check_money_column(
                &format!("items.{i}.amount"),
                item.unit_price * Decimal::from(item.quantity),
            )?;
        }
        Ok(())
    }
}

/// The body of `PUT /invoices/{id}`: only the fields that are set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InvoiceUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<InvoiceStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    due_date: Option<NaiveDate>,
}

impl InvoiceUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// New state. Only the status changes: this endpoint neither sets nor
    /// clears `paid_at`.
    pub fn status(mut self, v: impl Into<InvoiceStatus>) -> Self {
        self.status = Some(v.into());
        self
    }

    /// New due date.
    pub fn due_date(mut self, v: NaiveDate) -> Self {
        self.due_date = Some(v);
        self
    }

    fn validate(&self) -> Result<()> {
        if let Some(s) = &self.status {
            check_one_of("status", s, InvoiceStatus::KNOWN)?;
        }
        if let Some(d) = self.due_date {
            check_timestamp_day("due_date", d)?;
        }
        Ok(())
    }
}

super::filter::list_filter! {
    /// Filters of `GET /invoices`.
    InvoiceFilter {
        text {
            /// Only invoices in this state.
            status: InvoiceStatus,
            /// Matches the invoice number.
            search: String,
        }
        ids {
            /// Only this user's invoices.
            user_id: UserId,
        }
    }
}

/// The `/invoices` endpoints.
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

    /// Invoices, newest first, each with its user.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let unpaid = billkit::billmora::InvoiceFilter::new().status(billkit::billmora::InvoiceStatus::Unpaid);
    /// let invoices = client.invoices().list(&unpaid).collect_all().await?;
    /// println!("{} unpaid", invoices.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, filter: &InvoiceFilter) -> Paginator<Invoice> {
        let request = filter.apply(Request::get("/invoices"));
        crate::http::keyed(Paginator::new(self.transport.clone(), request, PAGES))
    }

    /// One invoice with user and items.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let invoice = client.invoices().get(55).await?;
    /// println!("{} {}", invoice.total, invoice.currency);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<InvoiceId>) -> Result<Invoice> {
        shared::data(
            self.transport,
            Request::get("/invoices/{id}").param(id.into()),
        )
        .await
    }

    /// Creates an invoice; the server computes the totals: `subtotal` is
    /// the sum of the positive lines, `discount` that of the negative ones.
    ///
    /// The answer is re-read (InvoiceObserver refreshes the model after the
    /// commit) and carries `user` and `items`. An invoice whose total is 0
    /// or less comes back already `paid`; one for a user with
    /// `auto_credit_payment` may be paid from their credit. Nothing in the
    /// request is unique, so a create that may have landed cannot be
    /// looked up: when the error's [`outcome`](crate::Error::outcome) is
    /// `Unknown`, check the user's newest invoices (lists are newest first)
    /// before sending again; `NotApplied` means none was made.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let due = chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
    /// let new = billkit::billmora::NewInvoice::new(12, due).item("Hosting, August", 1, billkit::Decimal::new(1000, 2));
    /// let invoice = client.invoices().create(&new).await?;
    /// println!("{}", invoice.invoice_number);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, invoice: &NewInvoice) -> Result<Invoice> {
        invoice.validate()?;
        shared::data(self.transport, Request::post("/invoices").json(invoice)).await
    }

    /// Changes the fields set in `update`.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let due = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    /// let invoice = client.invoices().update(55, &billkit::billmora::InvoiceUpdate::new().due_date(due)).await?;
    /// println!("due {}", invoice.due_day());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(
        &self,
        id: impl Into<InvoiceId>,
        update: &InvoiceUpdate,
    ) -> Result<Invoice> {
        update.validate()?;
        shared::data(
            self.transport,
            Request::put("/invoices/{id}").param(id.into()).json(update),
        )
        .await
    }

    /// Marks an invoice paid (`PUT {"status": "paid"}`).
    ///
    /// Only the status column changes in the answer (`paid_at` stays, no
    /// transaction is recorded, so `amount_due` does not change). The
    /// server's `Invoice\Paid` listeners then run on its queue: the
    /// invoice's order gets its pending auto-provisioned services activated
    /// and its pending domains registered (which may complete the order),
    /// services billed on the invoice's lines are renewed (and unsuspended),
    /// and a `Credit Deposit...` invoice credits the user's wallet.
    /// [`mark_unpaid`](Self::mark_unpaid) undoes none of it.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let invoice = client.invoices().mark_paid(55).await?;
    /// println!("{:?}", invoice.status);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn mark_paid(&self, id: impl Into<InvoiceId>) -> Result<Invoice> {
        self.update(id, &InvoiceUpdate::new().status(InvoiceStatus::Paid))
            .await
    }

    /// Marks an invoice unpaid again (`PUT {"status": "unpaid"}`): the
    /// status only.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let invoice = client.invoices().mark_unpaid(55).await?;
    /// println!("{:?}", invoice.status);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn mark_unpaid(&self, id: impl Into<InvoiceId>) -> Result<Invoice> {
        self.update(id, &InvoiceUpdate::new().status(InvoiceStatus::Unpaid))
            .await
    }

    /// Deletes an invoice.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let deleted = client.invoices().delete(55).await?;
    /// println!("{}", deleted.message);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, id: impl Into<InvoiceId>) -> Result<Deleted> {
        self.transport
            .execute(Request::delete("/invoices/{id}").param(id.into()))
            .await
    }
}
