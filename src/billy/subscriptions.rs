//! Subscriptions: a customer on a plan. Billy files an invoice every period.
//!
//! ```no_run
//! # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
//! use billkit::billy::NewSubscription;
//! use billkit::Cents;
//! use chrono::{TimeZone, Utc};
//! let sub = billy
//!     .subscriptions()
//!     .create(
//!         &NewSubscription::new("PL4RHCKW7GsGMjpcozHveQuw", "CU4NheTMcQqXgmAtg1aGTJPK")
//!             .amount(Cents::new(450)) // a discount on the plan's amount
//!             .started_at(Utc.with_ymd_and_hms(2030, 1, 31, 18, 0, 0).unwrap())
//!             .appears_on_statement_as("FooBar Hosting"),
//!     )
//!     .await?;
//! let invoices = billy.subscriptions().invoices(&sub.guid)?.collect_all().await?;
//! billy.subscriptions().cancel(&sub.guid).await?;
//! # let _ = invoices;
//! # Ok(()) }
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Invoice, Transaction};
use crate::Cents;
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

// ---- models ----

/// A subscription.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Subscription {
    /// The subscription's GUID (`SU...`).
    pub guid: String,
    /// The subscribed customer.
    pub customer_guid: String,
    /// The plan.
    pub plan_guid: String,
    /// The amount overriding the plan's, if one was given.
    #[serde(default)]
    pub amount: Option<Cents>,
    /// What each invoice charges: `amount`, or the plan's amount.
    pub effective_amount: Cents,
    /// What is charged, if set.
    #[serde(default)]
    pub funding_instrument_uri: Option<String>,
    /// The statement text, if set.
    #[serde(default)]
    pub appears_on_statement_as: Option<String>,
    /// How many invoices have been filed.
    #[serde(with = "crate::lenient::int")]
    pub invoice_count: u32,
    /// Whether the subscription was canceled.
    pub canceled: bool,
    /// When it was canceled (null on some servers even when canceled).
    #[serde(default, with = "crate::lenient::timestamp_opt")]
    pub canceled_at: Option<DateTime<Utc>>,
    /// When the subscription started (or will start).
    #[serde(with = "crate::lenient::timestamp")]
    pub started_at: DateTime<Utc>,
    /// When the next invoice will be filed.
    #[serde(with = "crate::lenient::timestamp")]
    pub next_invoice_at: DateTime<Utc>,
    /// When the subscription was created.
    #[serde(with = "crate::lenient::timestamp")]
    pub created_at: DateTime<Utc>,
    /// When the subscription was last changed.
    #[serde(with = "crate::lenient::timestamp")]
    pub updated_at: DateTime<Utc>,
}

// ---- requests ----

/// A subscription to create.
///
/// Without [`started_at`](NewSubscription::started_at) Billy starts it now
/// and files (and, with a funding instrument, charges) the first invoice at
/// once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    plan_guid: String,
    customer_guid: String,
    funding_instrument_uri: Option<String>,
    amount: Option<Cents>,
    started_at: Option<DateTime<Utc>>,
    appears_on_statement_as: Option<String>,
}

impl NewSubscription {
    /// Subscribes `customer_guid` to `plan_guid`.
    pub fn new(plan_guid: impl Into<String>, customer_guid: impl Into<String>) -> Self {
        NewSubscription {
            plan_guid: plan_guid.into(),
            customer_guid: customer_guid.into(),
            funding_instrument_uri: None,
            amount: None,
            started_at: None,
            appears_on_statement_as: None,
        }
    }

    /// The Balanced card or bank account to charge (or pay). Without one,
    /// invoices are filed unpaid (`staged`) until one is set on them.
    pub fn funding_instrument_uri(mut self, uri: impl Into<String>) -> Self {
        self.funding_instrument_uri = Some(uri.into());
        self
    }

    /// Overrides the plan's amount (at least 50 cents), e.g. for a discount.
    pub fn amount(mut self, amount: impl Into<Cents>) -> Self {
        self.amount = Some(amount.into());
        self
    }

    /// Starts the subscription later (sent as ISO 8601 with its time and
    /// offset; Billy refuses a time in the past). Nothing is billed until
    /// then.
    pub fn started_at(mut self, at: impl Into<DateTime<Utc>>) -> Self {
        self.started_at = Some(at.into());
        self
    }

    /// The text on the customer's statement: at most 18 characters, ASCII
    /// letters, digits, space and `` .<>(){}[]+&!$;-%_?:#@~='"^\`| ``.
    pub fn appears_on_statement_as(mut self, text: impl Into<String>) -> Self {
        self.appears_on_statement_as = Some(text.into());
        self
    }

    /// Checks the request as Billy would.
    pub fn validate(&self) -> Result<()> {
        super::check_guid("plan_guid", &self.plan_guid, "PL")?;
        super::check_guid("customer_guid", &self.customer_guid, "CU")?;
        if let Some(uri) = &self.funding_instrument_uri {
            crate::validate::not_blank("funding_instrument_uri", uri)?;
        }
        if let Some(amount) = self.amount {
            super::check_min_amount("amount", amount)?;
        }
        if let Some(text) = &self.appears_on_statement_as {
            super::check_statement(text)?;
        }
        Ok(())
    }

    /// The form fields sent, in order.
    pub fn form(&self) -> Vec<(String, String)> {
        let mut form = vec![
            ("plan_guid".to_owned(), self.plan_guid.clone()),
            ("customer_guid".to_owned(), self.customer_guid.clone()),
        ];
        if let Some(uri) = &self.funding_instrument_uri {
            form.push(("funding_instrument_uri".to_owned(), uri.clone()));
        }
        if let Some(amount) = self.amount {
            form.push(("amount".to_owned(), amount.to_string()));
        }
        if let Some(at) = &self.started_at {
            form.push(("started_at".to_owned(), super::format_datetime(at)));
        }
        if let Some(text) = &self.appears_on_statement_as {
            form.push(("appears_on_statement_as".to_owned(), text.clone()));
        }
        form
    }
}

// ---- endpoints ----

/// Subscription endpoints; from
/// [`Client::subscriptions`](super::Client::subscriptions).
#[derive(Debug, Clone, Copy)]
pub struct Subscriptions<'a> {
    transport: &'a Transport,
}

impl<'a> Subscriptions<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Subscriptions { transport }
    }

    /// `POST /v1/subscriptions`. Never retried once it may have reached the
    /// server, so a customer is never subscribed (and charged) twice by
    /// accident.
    ///
    /// Did it go through? Ask the error's
    /// [`outcome`](crate::Error::outcome): `NotApplied` means no
    /// subscription was made; `Unknown` (a timeout, a lost connection, a
    /// 5xx) means it may exist. Billy does not refuse a second subscription
    /// with the same `external_id`, so the client cannot check for you: list
    /// the customer's subscriptions
    /// ([`Customers::subscriptions`](super::customers::Customers::subscriptions))
    /// before subscribing again.
    pub async fn create(&self, subscription: &NewSubscription) -> Result<Subscription> {
        subscription.validate()?;
        self.transport
            .execute(Request::post("/v1/subscriptions").form(subscription.form()))
            .await
    }

    /// `GET /v1/subscriptions/{guid}`.
    pub async fn get(&self, guid: &str) -> Result<Subscription> {
        check(guid)?;
        self.transport
            .execute(Request::get("/v1/subscriptions/{guid}").param(guid))
            .await
    }

    /// `POST /v1/subscriptions/{guid}/cancel`: no further invoices; nothing
    /// is refunded. Canceling twice answers 400.
    pub async fn cancel(&self, guid: &str) -> Result<Subscription> {
        check(guid)?;
        self.transport
            .execute(Request::post("/v1/subscriptions/{guid}/cancel").param(guid))
            .await
    }

    /// `GET /v1/subscriptions`, newest first.
    pub fn list(&self) -> Paginator<Subscription> {
        super::list(self.transport, Request::get("/v1/subscriptions"))
    }

    /// `GET /v1/subscriptions/{guid}/invoices`.
    pub fn invoices(&self, guid: &str) -> Result<Paginator<Invoice>> {
        check(guid)?;
        Ok(super::walk::latest_period_first(super::list(
            self.transport,
            Request::get("/v1/subscriptions/{guid}/invoices").param(guid),
        )))
    }

    /// `GET /v1/subscriptions/{guid}/transactions`.
    pub fn transactions(&self, guid: &str) -> Result<Paginator<Transaction>> {
        check(guid)?;
        Ok(super::list(
            self.transport,
            Request::get("/v1/subscriptions/{guid}/transactions").param(guid),
        ))
    }
}

/// Refuses what cannot be a subscription GUID (`SU...`).
fn check(guid: &str) -> Result<()> {
    super::check_guid("guid", guid, "SU")
}
