//! BillPro's waiters and feeds: orders and scheduled payments.

use rust_decimal::Decimal;

use super::wait::{other_ends, wait_for_status};
use super::{Feed, FeedOptions, WaitError, WaitOptions};
use crate::billpro::{
    Order, OrderId, OrderStatus, Orders, ScheduledPayment, ScheduledPaymentId,
    ScheduledPaymentStatus, ScheduledPayments,
};

// What the order charges in all where BillPro says (an instalment order's
// `total_to_pay`), else each payment (`monthly_amount`).
super::watched!(Order, "billpro.orders", id: OrderId, OrderStatus, Option<Decimal>, |o| o
    .total_to_pay
    .or(o.monthly_amount));
super::watched!(
    ScheduledPayment,
    "billpro.scheduled_payments",
    id: ScheduledPaymentId,
    ScheduledPaymentStatus,
    Decimal,
    |p| p.amount
);

/// Order states no other follows.
const ORDER_ENDS: [OrderStatus; 4] = [
    OrderStatus::Rejected,
    OrderStatus::Cancelled,
    OrderStatus::Failed,
    OrderStatus::Complete,
];

impl<'a> Orders<'a> {
    async fn wait_for(
        &self,
        id: OrderId,
        options: &WaitOptions,
        wanted: OrderStatus,
    ) -> Result<Order, WaitError<Order>> {
        wait_for_status(
            self.transport(),
            options,
            || self.get(id),
            |o| &o.status,
            std::slice::from_ref(&wanted),
            &other_ends(&ORDER_ENDS, &wanted),
        )
        .await
    }

    /// Waits until the order is `active` (its first payment taken), ending
    /// early with [`WaitError::Unreachable`] when it is rejected,
    /// cancelled, failed or complete instead.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billpro::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// let order = client.orders().wait_until_active(7, &WaitOptions::default()).await?;
    /// println!("provision order {}", order.id);
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_active(
        &self,
        id: impl Into<OrderId>,
        options: &WaitOptions,
    ) -> Result<Order, WaitError<Order>> {
        self.wait_for(id.into(), options, OrderStatus::Active).await
    }

    /// Waits until the order is `complete` (every payment taken), ending
    /// early when it is rejected, cancelled or failed.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billpro::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// client.orders().wait_until_complete(7, &WaitOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_complete(
        &self,
        id: impl Into<OrderId>,
        options: &WaitOptions,
    ) -> Result<Order, WaitError<Order>> {
        self.wait_for(id.into(), options, OrderStatus::Complete)
            .await
    }

    /// Waits until the order is `cancelled`, ending early when it is
    /// rejected, failed or complete.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billpro::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// client.orders().wait_until_cancelled(7, &WaitOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_cancelled(
        &self,
        id: impl Into<OrderId>,
        options: &WaitOptions,
    ) -> Result<Order, WaitError<Order>> {
        self.wait_for(id.into(), options, OrderStatus::Cancelled)
            .await
    }

    /// A feed of the changes to every order ([`Feed`]).
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billpro::Client) -> billkit::Result<()> {
    /// use billkit::StreamExt;
    /// use billkit::watch::{Change, FeedOptions};
    ///
    /// let mut feed = client.orders().watch(FeedOptions::default());
    /// while let Some(change) = feed.next().await {
    ///     if let Change::StatusChanged { record, to, .. } = change? {
    ///         println!("order {} is now {to}", record.id);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch(&self, options: FeedOptions) -> Feed<Order> {
        Feed::new(self.transport(), self.list(), options)
    }
}

impl<'a> ScheduledPayments<'a> {
    async fn wait_for(
        &self,
        id: ScheduledPaymentId,
        options: &WaitOptions,
        wanted: &[ScheduledPaymentStatus],
        dead_ends: &[ScheduledPaymentStatus],
    ) -> Result<ScheduledPayment, WaitError<ScheduledPayment>> {
        wait_for_status(
            self.transport(),
            options,
            || self.get(id),
            |p| &p.status,
            wanted,
            dead_ends,
        )
        .await
    }

    /// Waits until the payment is paid (`complete`, or `recovered` after a
    /// decline: a hard decline too can still be collected), ending early
    /// when it is cancelled, skipped or merged into another.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billpro::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// client.scheduled_payments().wait_until_paid(12, &WaitOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_paid(
        &self,
        id: impl Into<ScheduledPaymentId>,
        options: &WaitOptions,
    ) -> Result<ScheduledPayment, WaitError<ScheduledPayment>> {
        use ScheduledPaymentStatus as S;
        self.wait_for(
            id.into(),
            options,
            &[S::Complete, S::Recovered],
            &[S::Cancelled, S::Skipped, S::Merged],
        )
        .await
    }

    /// Waits until the payment is declined (`soft-declined`, to be
    /// retried, or `hard-declined`), ending early when it is paid,
    /// cancelled, skipped or merged.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billpro::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// let declined = client.scheduled_payments().wait_until_failed(12, &WaitOptions::default()).await?;
    /// println!("payment {} was {}", declined.id, declined.status);
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_failed(
        &self,
        id: impl Into<ScheduledPaymentId>,
        options: &WaitOptions,
    ) -> Result<ScheduledPayment, WaitError<ScheduledPayment>> {
        use ScheduledPaymentStatus as S;
        self.wait_for(
            id.into(),
            options,
            &[S::SoftDeclined, S::HardDeclined],
            &[
                S::Complete,
                S::Recovered,
                S::Cancelled,
                S::Skipped,
                S::Merged,
            ],
        )
        .await
    }

    /// A feed of the changes to every scheduled payment ([`Feed`]).
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billpro::Client) -> billkit::Result<()> {
    /// use billkit::StreamExt;
    /// use billkit::billpro::ScheduledPaymentStatus;
    /// use billkit::watch::{Change, FeedOptions};
    ///
    /// let mut feed = client.scheduled_payments().watch(FeedOptions::default());
    /// while let Some(change) = feed.next().await {
    ///     if let Change::StatusChanged { record, to: ScheduledPaymentStatus::HardDeclined, .. } = change? {
    ///         println!("payment {} failed for good", record.id);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch(&self, options: FeedOptions) -> Feed<ScheduledPayment> {
        Feed::new(self.transport(), self.list(), options)
    }
}
