//! Billmora's waiters and feeds: invoices, orders and services.

use rust_decimal::Decimal;

use super::wait::{other_ends, wait_for_status};
use super::{Feed, FeedOptions, Verdict, WaitError, WaitOptions, wait_until};
use crate::billmora::{
    Invoice, InvoiceFilter, InvoiceId, InvoiceStatus, Invoices, Order, OrderFilter, OrderId,
    OrderStatus, Orders, Service, ServiceFilter, ServiceId, ServiceStatus, Services,
};

super::watched!(Invoice, "billmora.invoices", id: InvoiceId, InvoiceStatus, Decimal, |i| i.total);
super::watched!(Order, "billmora.orders", id: OrderId, OrderStatus, Decimal, |o| o.total);
// A service's amount is its recurring price.
super::watched!(Service, "billmora.services", id: ServiceId, ServiceStatus, Decimal, |s| s.price);

/// Order states no other follows.
const ORDER_ENDS: [OrderStatus; 3] = [
    OrderStatus::Completed,
    OrderStatus::Cancelled,
    OrderStatus::Failed,
];

/// Service states no other follows.
const SERVICE_ENDS: [ServiceStatus; 2] = [ServiceStatus::Terminated, ServiceStatus::Cancelled];

/// Invoice states no other follows.
const INVOICE_SETTLED: [InvoiceStatus; 3] = [
    InvoiceStatus::Paid,
    InvoiceStatus::Cancelled,
    InvoiceStatus::Refunded,
];

impl<'a> Invoices<'a> {
    /// Waits until the invoice is `paid`, ending early with
    /// [`WaitError::Unreachable`] when it is cancelled or refunded.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billmora::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// let paid = client.invoices().wait_until_paid(7, &WaitOptions::default()).await?;
    /// println!("invoice {} paid", paid.invoice_number);
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_paid(
        &self,
        id: impl Into<InvoiceId>,
        options: &WaitOptions,
    ) -> Result<Invoice, WaitError<Invoice>> {
        let id = id.into();
        let wanted = InvoiceStatus::Paid;
        let ends = other_ends(&INVOICE_SETTLED, &wanted);
        wait_for_status(
            self.transport(),
            options,
            || self.get(id),
            |i| &i.status,
            &[wanted],
            &ends,
        )
        .await
    }

    /// Waits until the invoice is `cancelled`, ending early when it is paid
    /// or refunded.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billmora::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// client.invoices().wait_until_cancelled(7, &WaitOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_cancelled(
        &self,
        id: impl Into<InvoiceId>,
        options: &WaitOptions,
    ) -> Result<Invoice, WaitError<Invoice>> {
        let id = id.into();
        let wanted = InvoiceStatus::Cancelled;
        let ends = other_ends(&INVOICE_SETTLED, &wanted);
        wait_for_status(
            self.transport(),
            options,
            || self.get(id),
            |i| &i.status,
            &[wanted],
            &ends,
        )
        .await
    }

    /// Waits until the invoice is overdue: still `unpaid` after its due
    /// date (by the client's clock). Ends early when it is paid, cancelled
    /// or refunded first.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billmora::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use billkit::watch::WaitOptions;
    ///
    /// let week = WaitOptions::new(Duration::from_secs(7 * 24 * 3600))
    ///     .max_interval(Duration::from_secs(3600));
    /// let late = client.invoices().wait_until_overdue(7, &week).await?;
    /// println!("send a reminder for {}", late.invoice_number);
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_overdue(
        &self,
        id: impl Into<InvoiceId>,
        options: &WaitOptions,
    ) -> Result<Invoice, WaitError<Invoice>> {
        let id = id.into();
        let transport = self.transport();
        wait_until(
            transport,
            options,
            || self.get(id),
            |i| {
                if INVOICE_SETTLED.contains(&i.status) {
                    Verdict::Unreachable
                } else if i.status == InvoiceStatus::Unpaid && i.due_date < transport.wall_clock() {
                    Verdict::Reached
                } else {
                    Verdict::NotYet
                }
            },
        )
        .await
    }

    /// A feed of the changes to the invoices `filter` lists ([`Feed`]).
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billmora::Client) -> billkit::Result<()> {
    /// use billkit::StreamExt;
    /// use billkit::billmora::{InvoiceFilter, InvoiceStatus};
    /// use billkit::watch::{Change, FeedOptions};
    ///
    /// let mut feed = client.invoices().watch(&InvoiceFilter::new(), FeedOptions::default());
    /// while let Some(change) = feed.next().await {
    ///     if let Change::StatusChanged { record, to: InvoiceStatus::Paid, .. } = change? {
    ///         println!("invoice {} paid", record.invoice_number);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch(&self, filter: &InvoiceFilter, options: FeedOptions) -> Feed<Invoice> {
        Feed::new(self.transport(), self.list(filter), options)
    }
}

impl<'a> Orders<'a> {
    /// Waits until the order is in `wanted`, ending early when it reaches
    /// another final state (`completed`, `cancelled`, `failed`).
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billmora::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::billmora::OrderStatus;
    /// use billkit::watch::WaitOptions;
    ///
    /// client.orders().wait_until_status(7, OrderStatus::Completed, &WaitOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_status(
        &self,
        id: impl Into<OrderId>,
        wanted: OrderStatus,
        options: &WaitOptions,
    ) -> Result<Order, WaitError<Order>> {
        let id = id.into();
        let ends = other_ends(&ORDER_ENDS, &wanted);
        wait_for_status(
            self.transport(),
            options,
            || self.get(id),
            |o| &o.status,
            &[wanted],
            &ends,
        )
        .await
    }

    /// A feed of the changes to the orders `filter` lists ([`Feed`]).
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billmora::Client) -> billkit::Result<()> {
    /// use billkit::StreamExt;
    /// use billkit::billmora::OrderFilter;
    /// use billkit::watch::FeedOptions;
    ///
    /// let mut feed = client.orders().watch(&OrderFilter::new(), FeedOptions::default());
    /// while let Some(change) = feed.next().await {
    ///     println!("{:?}", change?);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch(&self, filter: &OrderFilter, options: FeedOptions) -> Feed<Order> {
        Feed::new(self.transport(), self.list(filter), options)
    }
}

impl<'a> Services<'a> {
    /// Waits until the service is in `wanted`, ending early when it is
    /// terminated or cancelled instead.
    ///
    /// Billmora's service endpoints answer 500 as of the server's source
    /// billkit was checked against
    /// ([`KnownServerBug::ServiceScalingsRelation`](crate::billmora::KnownServerBug::ServiceScalingsRelation)):
    /// there, this waiter ends with that error.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billmora::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::billmora::ServiceStatus;
    /// use billkit::watch::WaitOptions;
    ///
    /// client.services().wait_until_status(3, ServiceStatus::Active, &WaitOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_status(
        &self,
        id: impl Into<ServiceId>,
        wanted: ServiceStatus,
        options: &WaitOptions,
    ) -> Result<Service, WaitError<Service>> {
        let id = id.into();
        let ends = other_ends(&SERVICE_ENDS, &wanted);
        wait_for_status(
            self.transport(),
            options,
            || self.get(id),
            |s| &s.status,
            &[wanted],
            &ends,
        )
        .await
    }

    /// A feed of the changes to the services `filter` lists ([`Feed`]).
    ///
    /// Where the server has
    /// [`KnownServerBug::ServiceScalingsRelation`](crate::billmora::KnownServerBug::ServiceScalingsRelation),
    /// every walk of a list with a service fails with it: the feed yields
    /// the error each interval and reports nothing.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billmora::Client) -> billkit::Result<()> {
    /// use billkit::StreamExt;
    /// use billkit::billmora::ServiceFilter;
    /// use billkit::watch::FeedOptions;
    ///
    /// let mut feed = client.services().watch(&ServiceFilter::new(), FeedOptions::default());
    /// while let Some(change) = feed.next().await {
    ///     println!("{:?}", change?);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch(&self, filter: &ServiceFilter, options: FeedOptions) -> Feed<Service> {
        Feed::new(self.transport(), self.list(filter), options)
    }
}
