//! What you send about invoices: a new invoice with its lines and
//! adjustments, and the filter of the invoice list.

use crate::Cents;
use crate::billy::CustomerGuid;
use crate::error::{Error, Result};
use crate::http::Request;

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
    pub(super) customer_guid: CustomerGuid,
    amount: Cents,
    funding_instrument_uri: Option<String>,
    title: Option<String>,
    pub(super) external_id: Option<String>,
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
    /// second one with 409, and [`Invoices::create`](super::Invoices::create) uses it to find out
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
        crate::billy::recheck(
            "customer_guid",
            self.customer_guid.as_str(),
            crate::billy::check_customer_guid,
        )?;
        crate::billy::check_not_negative("amount", self.amount)?;
        self.check_effective_amount()?;
        if let Some(uri) = &self.funding_instrument_uri {
            crate::validate::not_blank("funding_instrument_uri", uri)?;
        }
        if let Some(title) = &self.title {
            crate::validate::not_blank("title", title)?;
            let count = title.chars().count();
            if count > crate::billy::TITLE_MAX_CHARS {
                return Err(Error::invalid_input(
                    "title",
                    format!(
                        "is {count} characters long; at most {} are allowed",
                        crate::billy::TITLE_MAX_CHARS
                    ),
                ));
            }
        }
        if let Some(id) = &self.external_id {
            crate::validate::not_blank("external_id", id)?;
        }
        if let Some(text) = &self.appears_on_statement_as {
            crate::billy::check_statement(text)?;
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

/// Which invoices [`Invoices::list`](super::Invoices::list) returns: all of them
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
    pub(super) fn request(&self) -> Result<Request<()>> {
        let mut request = Request::get("/v1/invoices");
        if let Some(id) = &self.external_id {
            crate::validate::not_blank("external_id", id)?;
            request = request.query("external_id", id);
        }
        Ok(request)
    }
}
