//! Billy's waiters and feeds: invoices, subscriptions and transactions.

use serde::{Deserialize, Serialize};

use super::wait::wait_for_status;
use super::{Feed, FeedOptions, Verdict, WaitError, WaitOptions, Watched, wait_until};
use crate::Cents;
use crate::billy::{
    Invoice, InvoiceFilter, InvoiceGuid, InvoiceStatus, Invoices, SubmitStatus, Subscription,
    SubscriptionGuid, Subscriptions, Transaction, TransactionGuid, TransactionStatus, Transactions,
};

// What is charged: `effective_amount`, the amount plus adjustments.
super::watched!(Invoice, "billy.invoices", guid: InvoiceGuid, InvoiceStatus, Cents, |i| i
    .effective_amount);

/// Where a Billy subscription stands, for its [`Feed`]: Billy gives a
/// subscription no status, only `canceled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionState {
    /// Billing.
    Active,
    /// Canceled: no more invoices.
    Canceled,
}

impl Watched for Subscription {
    const KIND: &'static str = "billy.subscriptions";
    type Id = SubscriptionGuid;
    type Status = SubscriptionState;
    type Amount = Cents;

    fn id(&self) -> SubscriptionGuid {
        self.guid.clone()
    }
    fn status(&self) -> SubscriptionState {
        if self.canceled {
            SubscriptionState::Canceled
        } else {
            SubscriptionState::Active
        }
    }
    /// What each invoice charges (`effective_amount`).
    fn amount(&self) -> Cents {
        self.effective_amount
    }
}

/// Where a Billy transaction stands, for its [`Feed`]: its submission and
/// the processor's verdict, which change apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TransactionState {
    /// Where Billy is in submitting it.
    pub submit_status: SubmitStatus,
    /// The processor's verdict, once there is one.
    pub status: Option<TransactionStatus>,
}

impl Watched for Transaction {
    const KIND: &'static str = "billy.transactions";
    type Id = TransactionGuid;
    type Status = TransactionState;
    type Amount = Cents;

    fn id(&self) -> TransactionGuid {
        self.guid.clone()
    }
    fn status(&self) -> TransactionState {
        TransactionState {
            submit_status: self.submit_status.clone(),
            status: self.status.clone(),
        }
    }
    fn amount(&self) -> Cents {
        self.amount
    }
}

impl<'a> Invoices<'a> {
    /// Waits until the invoice is `settled` (paid), ending early with
    /// [`WaitError::Unreachable`] when it is canceled. A `failed` invoice
    /// is waited on: setting another funding instrument charges it again.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billy::Client, guid: billkit::billy::InvoiceGuid) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// let settled = client.invoices().wait_until_settled(&guid, &WaitOptions::default()).await?;
    /// println!("{} settled", settled.guid);
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_settled(
        &self,
        guid: &InvoiceGuid,
        options: &WaitOptions,
    ) -> Result<Invoice, WaitError<Invoice>> {
        use InvoiceStatus as S;
        let (wanted, ends) = ([S::Settled], [S::Canceled]);
        wait_for_status(
            self.transport(),
            options,
            || self.get(guid),
            |i| &i.status,
            &wanted,
            &ends,
        )
        .await
    }

    /// Waits until charging the invoice has `failed`, ending early when it
    /// is settled or canceled.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billy::Client, guid: billkit::billy::InvoiceGuid) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// client.invoices().wait_until_failed(&guid, &WaitOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_failed(
        &self,
        guid: &InvoiceGuid,
        options: &WaitOptions,
    ) -> Result<Invoice, WaitError<Invoice>> {
        use InvoiceStatus as S;
        let (wanted, ends) = ([S::Failed], [S::Settled, S::Canceled]);
        wait_for_status(
            self.transport(),
            options,
            || self.get(guid),
            |i| &i.status,
            &wanted,
            &ends,
        )
        .await
    }

    /// A feed of the changes to the invoices `filter` lists ([`Feed`]).
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::StreamExt;
    /// use billkit::billy::{InvoiceFilter, InvoiceStatus};
    /// use billkit::watch::{Change, FeedOptions};
    ///
    /// let mut feed = client.invoices().watch(&InvoiceFilter::new(), FeedOptions::default());
    /// while let Some(change) = feed.next().await {
    ///     if let Change::StatusChanged { record, to: InvoiceStatus::Failed, .. } = change? {
    ///         println!("charging {} failed", record.guid);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch(&self, filter: &InvoiceFilter, options: FeedOptions) -> Feed<Invoice> {
        Feed::new(self.transport(), self.list(filter), options)
    }
}

impl<'a> Subscriptions<'a> {
    /// A feed of the changes to every subscription ([`Feed`]): created,
    /// canceled ([`SubscriptionState`]), amount changed.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::StreamExt;
    /// use billkit::watch::FeedOptions;
    ///
    /// let mut feed = client.subscriptions().watch(FeedOptions::default());
    /// while let Some(change) = feed.next().await {
    ///     println!("{:?}", change?);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch(&self, options: FeedOptions) -> Feed<Subscription> {
        Feed::new(self.transport(), self.list(), options)
    }
}

/// The verdict on a transaction waited on to succeed (`succeed`) or to
/// fail: the processor's verdict decides; a submission Billy gave up on
/// fails it, and one canceled with its invoice reaches neither.
fn transaction_verdict(t: &Transaction, succeed: bool) -> Verdict {
    let succeeded = t.status == Some(TransactionStatus::Succeeded);
    let failed =
        t.status == Some(TransactionStatus::Failed) || t.submit_status == SubmitStatus::Failed;
    let canceled = t.submit_status == SubmitStatus::Canceled;
    let (reached, ended) = if succeed {
        (succeeded, failed || canceled)
    } else {
        (failed, succeeded || canceled)
    };
    if reached {
        Verdict::Reached
    } else if ended {
        Verdict::Unreachable
    } else {
        Verdict::NotYet
    }
}

impl<'a> Transactions<'a> {
    /// Waits until the processor settled the transaction (`succeeded`),
    /// ending early when it failed or Billy gave up or canceled it.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billy::Client, guid: billkit::billy::TransactionGuid) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// client.transactions().wait_until_succeeded(&guid, &WaitOptions::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_succeeded(
        &self,
        guid: &TransactionGuid,
        options: &WaitOptions,
    ) -> Result<Transaction, WaitError<Transaction>> {
        wait_until(
            self.transport(),
            options,
            || self.get(guid),
            |t| transaction_verdict(t, true),
        )
        .await
    }

    /// Waits until the transaction failed (the processor refused it, or
    /// Billy gave up submitting it), ending early when it succeeded or was
    /// canceled.
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billy::Client, guid: billkit::billy::TransactionGuid) -> Result<(), Box<dyn std::error::Error>> {
    /// use billkit::watch::WaitOptions;
    ///
    /// let failed = client.transactions().wait_until_failed(&guid, &WaitOptions::default()).await?;
    /// println!("{} failures", failed.failure_count);
    /// # Ok(()) }
    /// ```
    pub async fn wait_until_failed(
        &self,
        guid: &TransactionGuid,
        options: &WaitOptions,
    ) -> Result<Transaction, WaitError<Transaction>> {
        wait_until(
            self.transport(),
            options,
            || self.get(guid),
            |t| transaction_verdict(t, false),
        )
        .await
    }

    /// A feed of the changes to every transaction ([`Feed`]).
    ///
    /// ```no_run
    /// # async fn demo(client: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::StreamExt;
    /// use billkit::watch::FeedOptions;
    ///
    /// let mut feed = client.transactions().watch(FeedOptions::default());
    /// while let Some(change) = feed.next().await {
    ///     println!("{:?}", change?);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch(&self, options: FeedOptions) -> Feed<Transaction> {
        Feed::new(self.transport(), self.list(), options)
    }
}
