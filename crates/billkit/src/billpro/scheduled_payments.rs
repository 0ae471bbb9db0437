//! Scheduled payments (billing events): the payments instalment and
//! subscription orders collect over time.
//!
//! A scheduled payment can only be changed while it is `scheduled`,
//! `soft-declined` or `hard-declined`, and its status can only be set to
//! `cancelled`, `skipped` or `scheduled`. [`ScheduledPayments::update`]
//! checks this before sending: it reads the payment first (one extra `GET`)
//! so the check uses the payment's current status, not a copy the caller
//! may hold from minutes ago. BillPro still has the last word.
//!
//! The list paths are not documented; they are kept in the constants below
//! so they are easy to correct.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

use super::orders::check_unit;
use super::products::ScheduleUnit;
use super::{OrderId, ScheduledPaymentId, check_id, paginate};
use crate::error::{Error, Result};
use crate::http::{Paginator, Request, Transport};

/// Every scheduled payment of the merchant.
const LIST_ALL: &str = "/scheduled_payments";
/// The scheduled payments of one order.
const LIST_FOR_ORDER: &str = "/orders/{order_id}/scheduled_payments";
/// One scheduled payment.
const ONE: &str = "/scheduled_payments/{id}";

crate::open_enum! {
    /// Where a scheduled payment stands.
    pub enum ScheduledPaymentStatus {
        /// Waiting for its date.
        Scheduled => "scheduled",
        /// Declined, will be retried.
        SoftDeclined => "soft-declined",
        /// Declined for good.
        HardDeclined => "hard-declined",
        /// Paid.
        Complete => "complete",
        /// Needs a look (overpaid).
        Review => "review",
        /// Merged into another payment.
        Merged => "merged",
        /// Paid after a decline.
        Recovered => "recovered",
        /// Paused with its subscription.
        Paused => "paused",
        /// Cancelled.
        Cancelled => "cancelled",
        /// Skipped.
        Skipped => "skipped",
    }
}

impl ScheduledPaymentStatus {
    /// Whether a payment in this status may be changed: `scheduled`,
    /// `soft-declined` or `hard-declined`.
    pub fn is_updatable(&self) -> bool {
        matches!(
            self,
            ScheduledPaymentStatus::Scheduled
                | ScheduledPaymentStatus::SoftDeclined
                | ScheduledPaymentStatus::HardDeclined
        )
    }
}

/// A scheduled payment as BillPro returns it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ScheduledPayment {
    /// The system id.
    pub id: ScheduledPaymentId,
    /// The order it belongs to.
    pub order_id: OrderId,
    /// The amount, exact.
    #[serde(with = "crate::money::decimal")]
    pub amount: Decimal,
    /// Where it stands.
    pub status: ScheduledPaymentStatus,
    /// Schedule periods between payments.
    #[serde(default, with = "crate::lenient::int_opt")]
    pub scheduled_interval: Option<u32>,
    /// Schedule unit.
    #[serde(default)]
    pub scheduled_duration_unit: Option<ScheduleUnit>,
    /// When it is due. The field's wire name is not documented:
    /// `scheduled_date`, `date` and `due_date` are all read, as
    /// `YYYY-MM-DD`, `DD/MM/YYYY` or an RFC 3339 timestamp.
    #[serde(
        default,
        alias = "date",
        alias = "due_date",
        deserialize_with = "flexible_date_opt"
    )]
    pub scheduled_date: Option<NaiveDate>,
    /// When it was created.
    #[serde(default, with = "crate::lenient::timestamp_opt")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it was last changed.
    #[serde(default, with = "crate::lenient::timestamp_opt")]
    pub updated_at: Option<DateTime<Utc>>,
}

fn flexible_date_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<NaiveDate>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(Some(date));
    }
    if let Ok(date) = crate::lenient::parse_dmy(t) {
        return Ok(Some(date));
    }
    crate::lenient::parse_timestamp(t)
        .map(|ts| Some(ts.date_naive()))
        .map_err(|_| {
            D::Error::custom(format!(
                "`{t}` is not a date (YYYY-MM-DD, DD/MM/YYYY or RFC 3339)"
            ))
        })
}

/// The statuses a scheduled payment can be set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TargetStatus {
    /// Cancel the payment.
    Cancelled,
    /// Skip this payment.
    Skipped,
    /// Schedule it (again): with a new date, retries a declined payment.
    Scheduled,
}

/// A change to a scheduled payment for [`ScheduledPayments::update`], sent
/// as `{"scheduled_payment": {…}}`. Only the fields set are sent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduledPaymentUpdate {
    status: Option<TargetStatus>,
    scheduled_date: Option<NaiveDate>,
    amount: Option<Decimal>,
    schedule: Option<(u32, ScheduleUnit)>,
}

impl ScheduledPaymentUpdate {
    /// An empty change; set at least one field.
    pub fn new() -> Self {
        Self::default()
    }

    /// New status: cancelled, skipped or scheduled.
    pub fn status(mut self, status: TargetStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// New date (sent as `DD/MM/YYYY`); with [`TargetStatus::Scheduled`]
    /// it retries a declined payment on that date.
    pub fn scheduled_date(mut self, date: NaiveDate) -> Self {
        self.scheduled_date = Some(date);
        self
    }

    /// New amount, exact; also changes the order's amount for future
    /// payments.
    pub fn amount(mut self, amount: impl Into<Decimal>) -> Self {
        self.amount = Some(amount.into());
        self
    }

    /// New cycle, on the last scheduled payment of a subscription.
    pub fn schedule(mut self, interval: u32, unit: ScheduleUnit) -> Self {
        self.schedule = Some((interval, unit));
        self
    }

    /// Checks the change itself (not the payment's status) before sending.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.status.is_none()
            && self.scheduled_date.is_none()
            && self.amount.is_none()
            && self.schedule.is_none()
        {
            return Err(Error::invalid_input(
                "scheduled_payment",
                "nothing to change: set a status, date, amount or schedule",
            ));
        }
        if let Some(a) = self.amount
            && a <= Decimal::ZERO
        {
            return Err(Error::invalid_input(
                "amount",
                format!("{a} must be more than 0"),
            ));
        }
        if let Some((interval, unit)) = &self.schedule {
            if *interval == 0 {
                return Err(Error::invalid_input(
                    "scheduled_interval",
                    "must be 1 or more",
                ));
            }
            check_unit("scheduled_duration_unit", unit)?;
        }
        Ok(())
    }

    /// Checks the change against the payment as it is now.
    pub(crate) fn check_against(&self, current: &ScheduledPayment) -> Result<()> {
        if !current.status.is_updatable() {
            return Err(Error::invalid_input(
                "status",
                format!(
                    "scheduled payment {} is `{}`; only scheduled, soft-declined or hard-declined payments can be changed",
                    current.id, current.status
                ),
            ));
        }
        let declined = matches!(
            current.status,
            ScheduledPaymentStatus::SoftDeclined | ScheduledPaymentStatus::HardDeclined
        );
        if declined && self.status == Some(TargetStatus::Scheduled) && self.scheduled_date.is_none()
        {
            return Err(Error::invalid_input(
                "scheduled_date",
                "retrying a declined payment needs a new date",
            ));
        }
        Ok(())
    }

    fn body(&self) -> UpdateBody {
        UpdateBody {
            status: self.status,
            scheduled_date: self.scheduled_date,
            amount: self.amount,
            scheduled_interval: self.schedule.as_ref().map(|(i, _)| i.to_string()),
            scheduled_duration_unit: self.schedule.as_ref().map(|(_, u)| u.clone()),
        }
    }
}

#[derive(Serialize)]
struct UpdateBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<TargetStatus>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::lenient::dmy_date_opt"
    )]
    scheduled_date: Option<NaiveDate>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::money::decimal_opt"
    )]
    amount: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_duration_unit: Option<ScheduleUnit>,
}

#[derive(Serialize)]
struct Wrapped {
    scheduled_payment: UpdateBody,
}

/// The scheduled-payment endpoints, from
/// [`Client::scheduled_payments`](super::Client::scheduled_payments).
#[derive(Debug, Clone, Copy)]
pub struct ScheduledPayments<'a> {
    transport: &'a Transport,
}

impl<'a> ScheduledPayments<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        ScheduledPayments { transport }
    }

    /// The transport, for the waiters and feeds of `crate::watch`.
    pub(crate) fn transport(&self) -> &'a Transport {
        self.transport
    }

    /// Every scheduled payment, walked lazily 25 per page
    /// (`GET /scheduled_payments?page=N`).
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let payments = billpro.scheduled_payments().list().collect_all().await?;
    /// println!("{} scheduled payments", payments.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> Paginator<ScheduledPayment> {
        paginate(self.transport, Request::<()>::get(LIST_ALL))
    }

    /// The scheduled payments of one order
    /// (`GET /orders/{order_id}/scheduled_payments?page=N`).
    ///
    /// Order id 0 fails the walk's first poll, before anything is sent.
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let payments = billpro.scheduled_payments().list_for_order(12).collect_all().await?;
    /// for payment in payments {
    ///     println!("{:?}: {} ({})", payment.scheduled_date, payment.amount, payment.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_for_order(&self, order_id: impl Into<OrderId>) -> Paginator<ScheduledPayment> {
        let order_id = order_id.into();
        let list = paginate(
            self.transport,
            Request::<()>::get(LIST_FOR_ORDER).param(order_id),
        );
        match check_id("order_id", order_id.get()) {
            Ok(()) => list,
            Err(e) => list.refuse(e),
        }
    }

    /// One scheduled payment (`GET /scheduled_payments/{id}`).
    ///
    /// ```no_run
    /// use billkit::billpro::Client;
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let payment = billpro.scheduled_payments().get(31).await?;
    /// println!("{} is {}", payment.amount, payment.status);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<ScheduledPaymentId>) -> Result<ScheduledPayment> {
        let id = id.into();
        check_id("id", id.get())?;
        self.transport.execute(Request::get(ONE).param(id)).await
    }

    /// Changes a scheduled payment (`PUT /scheduled_payments/{id}`, body
    /// `{"scheduled_payment": {…}}`). Reads the payment first and refuses,
    /// without sending the change, when its status does not allow it.
    ///
    /// ```no_run
    /// use billkit::billpro::{Client, ScheduledPaymentStatus, ScheduledPaymentUpdate, TargetStatus};
    ///
    /// # async fn run() -> billkit::Result<()> {
    /// let billpro = Client::builder().token("token").build()?;
    /// let skip = ScheduledPaymentUpdate::new().status(TargetStatus::Skipped);
    /// let payment = billpro.scheduled_payments().update(31, &skip).await?;
    /// assert_eq!(payment.status, ScheduledPaymentStatus::Skipped);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(
        &self,
        id: impl Into<ScheduledPaymentId>,
        update: &ScheduledPaymentUpdate,
    ) -> Result<ScheduledPayment> {
        let id = id.into();
        check_id("id", id.get())?;
        update.validate()?;
        let current = self.get(id).await?;
        update.check_against(&current)?;
        self.transport
            .execute(Request::put(ONE).param(id).json(&Wrapped {
                scheduled_payment: update.body(),
            }))
            .await
    }
}
