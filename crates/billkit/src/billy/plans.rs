//! Plans: what a subscription charges (or pays out) and how often.
//!
//! ```no_run
//! # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
//! use billkit::billy::{Frequency, NewPlan, PlanType};
//! use billkit::Cents;
//! // $5.00 every two weeks.
//! let plan = billy
//!     .plans()
//!     .create(&NewPlan::new(PlanType::Debit, Frequency::Weekly, Cents::new(500)).interval(2))
//!     .await?;
//! // Each subscribed customer once, although Billy repeats them across pages.
//! let customers = billy.customers().list_for_plan(&plan.guid).collect_all().await?;
//! # let _ = customers;
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::pin::Pin;
use std::task::{Context, Poll};

use chrono::{DateTime, Utc};
use futures_core::Stream;
use serde::{Deserialize, Serialize};

use super::{CompanyGuid, Customer, CustomerGuid, PlanGuid};
use crate::Cents;
use crate::error::{Error, Result};
use crate::http::{Cursor, End, Items, Paginator, Request, Transport};

// ---- models ----

crate::open_enum! {
    /// Whether a plan charges or pays out.
    pub enum PlanType {
        /// Charges the customer.
        Debit => "debit",
        /// Pays the customer out.
        Credit => "credit",
    }
}

crate::open_enum! {
    /// How often a plan bills (multiplied by its `interval`).
    pub enum Frequency {
        /// Every day.
        Daily => "daily",
        /// Every week.
        Weekly => "weekly",
        /// Every month (the closest day when a month is shorter).
        Monthly => "monthly",
        /// Every year.
        Yearly => "yearly",
    }
}

/// A plan.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Plan {
    /// The plan's GUID (`PL...`).
    pub guid: PlanGuid,
    /// The company the plan belongs to.
    pub company_guid: CompanyGuid,
    /// Charge or payout.
    pub plan_type: PlanType,
    /// The billing period's unit.
    pub frequency: Frequency,
    /// The amount per period, in US cents.
    pub amount: Cents,
    /// How many `frequency` units make one period (2 weekly = biweekly).
    #[serde(with = "crate::lenient::int")]
    pub interval: u32,
    /// Whether the plan was deleted (deleted plans stay readable).
    pub deleted: bool,
    /// When the plan was created.
    #[serde(with = "crate::lenient::timestamp")]
    pub created_at: DateTime<Utc>,
    /// When the plan was last changed.
    #[serde(with = "crate::lenient::timestamp")]
    pub updated_at: DateTime<Utc>,
}

// ---- requests ----

/// A plan to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    plan_type: PlanType,
    frequency: Frequency,
    amount: Cents,
    interval: Option<u32>,
}

impl NewPlan {
    /// A plan charging (or paying) `amount` cents (at least 50) every
    /// `frequency`.
    pub fn new(plan_type: PlanType, frequency: Frequency, amount: impl Into<Cents>) -> Self {
        NewPlan {
            plan_type,
            frequency,
            amount: amount.into(),
            interval: None,
        }
    }

    /// Multiplies the period (at least 1; Billy's default is 1).
    pub fn interval(mut self, interval: u32) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Checks the request as Billy would: amount at least 50 cents,
    /// interval at least 1, a known plan type and frequency.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.plan_type.is_unknown() {
            return Err(Error::invalid_input(
                "plan_type",
                format!(
                    "`{}` is not a plan type; use debit or credit",
                    self.plan_type
                ),
            ));
        }
        if self.frequency.is_unknown() {
            return Err(Error::invalid_input(
                "frequency",
                format!(
                    "`{}` is not a frequency; use daily, weekly, monthly or yearly",
                    self.frequency
                ),
            ));
        }
        super::check_min_amount("amount", self.amount)?;
        if self.interval == Some(0) {
            return Err(Error::invalid_input("interval", "must be at least 1"));
        }
        Ok(())
    }

    /// The form fields sent, in order.
    pub(crate) fn form(&self) -> Vec<(String, String)> {
        let mut form = vec![
            ("plan_type".to_owned(), self.plan_type.to_string()),
            ("frequency".to_owned(), self.frequency.to_string()),
            ("amount".to_owned(), self.amount.to_string()),
        ];
        if let Some(i) = self.interval {
            form.push(("interval".to_owned(), i.to_string()));
        }
        form
    }
}

// ---- endpoints ----

/// Plan endpoints; from [`Client::plans`](super::Client::plans).
#[derive(Debug, Clone, Copy)]
pub struct Plans<'a> {
    transport: &'a Transport,
}

impl<'a> Plans<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Plans { transport }
    }

    /// `POST /v1/plans`. Never retried once it may have reached the server.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::{Frequency, NewPlan, PlanType};
    /// use billkit::Cents;
    /// let plan = billy
    ///     .plans()
    ///     .create(&NewPlan::new(PlanType::Debit, Frequency::Monthly, Cents::new(500)))
    ///     .await?;
    /// println!("created {}", plan.guid);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, plan: &NewPlan) -> Result<Plan> {
        plan.validate()?;
        self.transport
            .execute(Request::post("/v1/plans").form(plan.form()))
            .await
    }

    /// `GET /v1/plans/{guid}`.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::PlanGuid;
    /// let plan = billy.plans().get(&PlanGuid::new("PL4RHCKW7GsGMjpcozHveQuw")?).await?;
    /// println!("{} cents every {} {}", plan.amount, plan.interval, plan.frequency);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, guid: &PlanGuid) -> Result<Plan> {
        self.transport
            .execute(Request::get("/v1/plans/{guid}").param(guid))
            .await
    }

    /// `DELETE /v1/plans/{guid}`: a soft delete (`deleted: true`); existing
    /// subscriptions go on.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::PlanGuid;
    /// let plan = billy.plans().delete(&PlanGuid::new("PL4RHCKW7GsGMjpcozHveQuw")?).await?;
    /// assert!(plan.deleted);
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, guid: &PlanGuid) -> Result<Plan> {
        self.transport
            .execute(Request::delete("/v1/plans/{guid}").param(guid))
            .await
    }

    /// `GET /v1/plans`, newest first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// let plans = billy.plans().list().collect_all().await?;
    /// println!("{} plans", plans.len());
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> Paginator<Plan> {
        super::list(self.transport, Request::get("/v1/plans"))
    }
}

/// The walk of [`Customers::list_for_plan`](super::Customers::list_for_plan):
/// it stops only on an empty page, because Billy pages over subscriptions
/// and a short page does not prove the end.
pub(crate) fn plan_customers(transport: &Transport, guid: &PlanGuid) -> PlanCustomers {
    PlanCustomers {
        paginator: crate::http::keyed(Paginator::new(
            transport.clone(),
            Request::<()>::get("/v1/plans/{guid}/customers").param(guid),
            super::dialect::BillyPages {
                limit: super::DEFAULT_LIMIT,
                end: End::EmptyPage,
            },
        )),
    }
}

/// The customers of a plan, from
/// [`Customers::list_for_plan`](super::Customers::list_for_plan): a walk that yields
/// each customer once although Billy repeats them across pages.
#[derive(Debug, Clone)]
pub struct PlanCustomers {
    paginator: Paginator<Customer>,
}

impl PlanCustomers {
    /// Rows per request (Billy's default is 20).
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, plan: billkit::billy::PlanGuid) -> billkit::Result<()> {
    /// let customers = billy.customers().list_for_plan(&plan).per_page(100).collect_all().await?;
    /// # let _ = customers;
    /// # Ok(()) }
    /// ```
    pub fn per_page(mut self, n: u32) -> Self {
        self.paginator = self.paginator.per_page(n);
        self
    }

    /// Stops the walk with an error after `n` pages.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, plan: billkit::billy::PlanGuid) -> billkit::Result<()> {
    /// let customers = billy.customers().list_for_plan(&plan).max_pages(50).collect_all().await?;
    /// # let _ = customers;
    /// # Ok(()) }
    /// ```
    pub fn max_pages(mut self, n: u32) -> Self {
        self.paginator = self.paginator.max_pages(n);
        self
    }

    /// Starts (or resumes) the walk at `cursor`; customers yielded before
    /// it are not known to this walk, so they may come again.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, plan: billkit::billy::PlanGuid) -> billkit::Result<()> {
    /// use billkit::http::Cursor;
    /// let rest = billy.customers().list_for_plan(&plan).start_at(Cursor::Offset(40)).collect_all().await?;
    /// # let _ = rest;
    /// # Ok(()) }
    /// ```
    pub fn start_at(mut self, cursor: Cursor) -> Self {
        self.paginator = self.paginator.start_at(cursor);
        self
    }

    /// The underlying walk, for checkpoints and resuming: keyed by
    /// `created_at` and GUID, it already drops a customer repeated on the
    /// pages after it ([`Paginator::fetch`] shows the pages as Billy sends
    /// them).
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, plan: billkit::billy::PlanGuid) -> billkit::Result<()> {
    /// let first = billy.customers().list_for_plan(&plan).paginator().page(1).await?;
    /// println!("{} rows on the first page", first.items.len());
    /// # Ok(()) }
    /// ```
    pub fn paginator(&self) -> &Paginator<Customer> {
        &self.paginator
    }

    /// Each customer once, lazily, in the server's order.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, plan: billkit::billy::PlanGuid) -> billkit::Result<()> {
    /// use billkit::TryStreamExt;
    /// let mut customers = billy.customers().list_for_plan(&plan).stream();
    /// while let Some(customer) = customers.try_next().await? {
    ///     println!("{}", customer.guid);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> UniqueCustomers {
        UniqueCustomers {
            items: self.paginator.stream(),
            seen: HashSet::new(),
        }
    }

    /// Every customer, each once.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, plan: billkit::billy::PlanGuid) -> billkit::Result<()> {
    /// let customers = billy.customers().list_for_plan(&plan).collect_all().await?;
    /// println!("{} customers", customers.len());
    /// # Ok(()) }
    /// ```
    pub async fn collect_all(self) -> Result<Vec<Customer>> {
        let mut seen = HashSet::new();
        let mut all = self.paginator.collect_all().await?;
        all.retain(|c| seen.insert(c.guid.clone()));
        Ok(all)
    }
}

/// The stream of [`PlanCustomers::stream`]: each customer once.
#[derive(Debug)]
pub struct UniqueCustomers {
    items: Items<Customer>,
    seen: HashSet<CustomerGuid>,
}

impl UniqueCustomers {
    /// The page the walk fetches next; `None` at the end.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client, plan: billkit::billy::PlanGuid) -> billkit::Result<()> {
    /// use billkit::TryStreamExt;
    /// let mut customers = billy.customers().list_for_plan(&plan).stream();
    /// if let Err(e) = customers.try_next().await {
    ///     println!("stopped at {:?}: {e}", customers.cursor());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn cursor(&self) -> Option<Cursor> {
        self.items.cursor()
    }
}

impl Stream for UniqueCustomers {
    type Item = Result<Customer>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match std::task::ready!(Pin::new(&mut this.items).poll_next(cx)) {
                Some(Ok(c)) if !this.seen.insert(c.guid.clone()) => continue,
                other => return Poll::Ready(other),
            }
        }
    }
}
