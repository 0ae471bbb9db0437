//! Subscriptions: a customer on a plan. Billy files an invoice every period.
//!
//! ```no_run
//! # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
//! use billkit::billy::{CustomerGuid, NewSubscription, PlanGuid};
//! use billkit::Cents;
//! use chrono::{TimeZone, Utc};
//! let plan = PlanGuid::new("PL4RHCKW7GsGMjpcozHveQuw")?;
//! let customer = CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK")?;
//! let sub = billy
//!     .subscriptions()
//!     .create(
//!         &NewSubscription::new(&plan, &customer)
//!             .amount(Cents::new(450)) // a discount on the plan's amount
//!             .started_at(Utc.with_ymd_and_hms(2030, 1, 31, 18, 0, 0).unwrap())
//!             .appears_on_statement_as("FooBar Hosting"),
//!     )
//!     .await?;
//! let invoices = billy.invoices().list_for_subscription(&sub.guid).collect_all().await?;
//! billy.subscriptions().cancel(&sub.guid).await?;
//! # let _ = invoices;
//! # Ok(()) }
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CustomerGuid, PlanGuid, SubscriptionGuid};
use crate::Cents;
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

// ---- models ----

/// A subscription.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Subscription {
    /// The subscription's GUID (`SU...`).
    pub guid: SubscriptionGuid,
    /// The subscribed customer.
    pub customer_guid: CustomerGuid,
    /// The plan.
    pub plan_guid: PlanGuid,
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
    plan_guid: PlanGuid,
    customer_guid: CustomerGuid,
    funding_instrument_uri: Option<String>,
    amount: Option<Cents>,
    started_at: Option<DateTime<Utc>>,
    appears_on_statement_as: Option<String>,
}

impl NewSubscription {
    /// Subscribes `customer_guid` to `plan_guid`.
    pub fn new(plan_guid: &PlanGuid, customer_guid: &CustomerGuid) -> Self {
        NewSubscription {
            plan_guid: plan_guid.clone(),
            customer_guid: customer_guid.clone(),
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
    pub(crate) fn validate(&self) -> Result<()> {
        super::recheck("plan_guid", self.plan_guid.as_str(), super::check_plan_guid)?;
        super::recheck(
            "customer_guid",
            self.customer_guid.as_str(),
            super::check_customer_guid,
        )?;
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
    pub(crate) fn form(&self) -> Vec<(String, String)> {
        let mut form = vec![
            ("plan_guid".to_owned(), self.plan_guid.to_string()),
            ("customer_guid".to_owned(), self.customer_guid.to_string()),
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

    /// The transport, for the waiters and feeds of `crate::watch`.
    pub(crate) fn transport(&self) -> &'a Transport {
        self.transport
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
    /// ([`Subscriptions::list_for_customer`]) before subscribing again.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::{CustomerGuid, NewSubscription, PlanGuid};
    /// let plan = PlanGuid::new("PL4RHCKW7GsGMjpcozHveQuw")?;
    /// let customer = CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK")?;
    /// let sub = billy.subscriptions().create(&NewSubscription::new(&plan, &customer)).await?;
    /// println!("next invoice at {}", sub.next_invoice_at);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, subscription: &NewSubscription) -> Result<Subscription> {
        subscription.validate()?;
        self.transport
            .execute(Request::post("/v1/subscriptions").form(subscription.form()))
            .await
    }

    /// `GET /v1/subscriptions/{guid}`.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::SubscriptionGuid;
    /// let guid = SubscriptionGuid::new("SU4ST39srWVLGbiTg174QyfF")?;
    /// let sub = billy.subscriptions().get(&guid).await?;
    /// println!("{} invoices so far", sub.invoice_count);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, guid: &SubscriptionGuid) -> Result<Subscription> {
        self.transport
            .execute(Request::get("/v1/subscriptions/{guid}").param(guid))
            .await
    }

    /// `POST /v1/subscriptions/{guid}/cancel`: no further invoices; nothing
    /// is refunded. Canceling twice answers 400.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::SubscriptionGuid;
    /// let guid = SubscriptionGuid::new("SU4ST39srWVLGbiTg174QyfF")?;
    /// let sub = billy.subscriptions().cancel(&guid).await?;
    /// assert!(sub.canceled);
    /// # Ok(()) }
    /// ```
    pub async fn cancel(&self, guid: &SubscriptionGuid) -> Result<Subscription> {
        self.transport
            .execute(Request::post("/v1/subscriptions/{guid}/cancel").param(guid))
            .await
    }

    /// `GET /v1/subscriptions`, newest first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// let subs = billy.subscriptions().list().collect_all().await?;
    /// println!("{} active", subs.iter().filter(|s| !s.canceled).count());
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> Paginator<Subscription> {
        super::list(self.transport, Request::get("/v1/subscriptions"))
    }

    /// `GET /v1/customers/{guid}/subscriptions`: the customer's
    /// subscriptions, newest first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::CustomerGuid;
    /// let customer = CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK")?;
    /// let subs = billy.subscriptions().list_for_customer(&customer).collect_all().await?;
    /// # let _ = subs;
    /// # Ok(()) }
    /// ```
    pub fn list_for_customer(&self, customer: &CustomerGuid) -> Paginator<Subscription> {
        super::list(
            self.transport,
            Request::get("/v1/customers/{guid}/subscriptions").param(customer),
        )
    }

    /// `GET /v1/plans/{guid}/subscriptions`: the plan's subscriptions,
    /// newest first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::PlanGuid;
    /// let plan = PlanGuid::new("PL4RHCKW7GsGMjpcozHveQuw")?;
    /// let subs = billy.subscriptions().list_for_plan(&plan).collect_all().await?;
    /// # let _ = subs;
    /// # Ok(()) }
    /// ```
    pub fn list_for_plan(&self, plan: &PlanGuid) -> Paginator<Subscription> {
        super::list(
            self.transport,
            Request::get("/v1/plans/{guid}/subscriptions").param(plan),
        )
    }
}
