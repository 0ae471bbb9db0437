//! Transactions: what Billy submitted to the payment processor for an
//! invoice (charges, payouts, refunds, reversals), with their failures.
//!
//! ```no_run
//! # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
//! use billkit::billy::{TransactionGuid, TransactionStatus};
//! let tx = billy.transactions().get(&TransactionGuid::new("TX4SVWm156bBTSY17KJKW88y")?).await?;
//! match &tx.status {
//!     Some(TransactionStatus::Succeeded) => println!("paid {} cents", tx.amount),
//!     None => println!("not processed yet ({})", tx.submit_status),
//!     Some(other) => println!("{other}: {} failure(s)", tx.failures.len()),
//! }
//! # Ok(()) }
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{CustomerGuid, FailureGuid, InvoiceGuid, PlanGuid, SubscriptionGuid, TransactionGuid};
use crate::Cents;
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

// ---- models ----

crate::open_enum! {
    /// Which way money moves.
    pub enum TransactionType {
        /// A charge.
        Debit => "debit",
        /// A payout.
        Credit => "credit",
        /// A refund of a charge.
        Refund => "refund",
        /// A reversal of a payout.
        Reverse => "reverse",
    }
}

crate::open_enum! {
    /// Where Billy is in submitting a transaction to the processor.
    pub enum SubmitStatus {
        /// Just created.
        Staged => "staged",
        /// A submission failed; Billy will try again.
        Retrying => "retrying",
        /// Submitted successfully.
        Done => "done",
        /// Too many failures; Billy gave up.
        Failed => "failed",
        /// The invoice was canceled first.
        Canceled => "canceled",
    }
}

crate::open_enum! {
    /// The processor's verdict on a submitted transaction.
    pub enum TransactionStatus {
        /// Submitted, not settled yet.
        Pending => "pending",
        /// Settled.
        Succeeded => "succeeded",
        /// Refused by the processor.
        Failed => "failed",
    }
}

/// One failed submission of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct TransactionFailure {
    /// The failure's GUID (`TF...`).
    pub guid: FailureGuid,
    /// The processor's message.
    #[serde(default)]
    pub error_message: Option<String>,
    /// The processor's numeric code (e.g. an HTTP status).
    #[serde(default, with = "crate::lenient::int_opt")]
    pub error_number: Option<i64>,
    /// The processor's error code (e.g. `card-declined`).
    #[serde(default, with = "crate::lenient::string_opt")]
    pub error_code: Option<String>,
    /// When the failure happened.
    #[serde(with = "crate::lenient::timestamp")]
    pub created_at: DateTime<Utc>,
}

/// A transaction.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Transaction {
    /// The transaction's GUID (`TX...`).
    pub guid: TransactionGuid,
    /// The invoice it belongs to.
    pub invoice_guid: InvoiceGuid,
    /// Charge, payout, refund or reversal.
    pub transaction_type: TransactionType,
    /// Where Billy is in submitting it.
    pub submit_status: SubmitStatus,
    /// The processor's verdict; `None` (null) until it is processed.
    #[serde(default)]
    pub status: Option<TransactionStatus>,
    /// The amount in US cents.
    pub amount: Cents,
    /// The card or bank account used.
    #[serde(default)]
    pub funding_instrument_uri: Option<String>,
    /// The processor's record of it, once submitted.
    #[serde(default)]
    pub processor_uri: Option<String>,
    /// The statement text, if set.
    #[serde(default)]
    pub appears_on_statement_as: Option<String>,
    /// How many submissions failed.
    #[serde(with = "crate::lenient::int")]
    pub failure_count: u32,
    /// The failed submissions, oldest first.
    #[serde(default)]
    pub failures: Vec<TransactionFailure>,
    /// When the transaction was created.
    #[serde(with = "crate::lenient::timestamp")]
    pub created_at: DateTime<Utc>,
    /// When the transaction was last changed.
    #[serde(with = "crate::lenient::timestamp")]
    pub updated_at: DateTime<Utc>,
}

// ---- endpoints ----

/// Transaction endpoints; from
/// [`Client::transactions`](super::Client::transactions).
#[derive(Debug, Clone, Copy)]
pub struct Transactions<'a> {
    transport: &'a Transport,
}

impl<'a> Transactions<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Transactions { transport }
    }

    /// The transport, for the waiters and feeds of `crate::watch`.
    pub(crate) fn transport(&self) -> &'a Transport {
        self.transport
    }

    /// `GET /v1/transactions/{guid}`.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::TransactionGuid;
    /// let tx = billy.transactions().get(&TransactionGuid::new("TX4SVWm156bBTSY17KJKW88y")?).await?;
    /// println!("{} cents, {}", tx.amount, tx.submit_status);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, guid: &TransactionGuid) -> Result<Transaction> {
        self.transport
            .execute(Request::get("/v1/transactions/{guid}").param(guid))
            .await
    }

    /// `GET /v1/transactions`, newest first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// let txs = billy.transactions().list().collect_all().await?;
    /// println!("{} transactions", txs.len());
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> Paginator<Transaction> {
        super::list(self.transport, Request::get("/v1/transactions"))
    }

    /// `GET /v1/customers/{guid}/transactions`: the transactions of the customer's one-off invoices, newest first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::CustomerGuid;
    /// let customer = CustomerGuid::new("CU4NheTMcQqXgmAtg1aGTJPK")?;
    /// let txs = billy.transactions().list_for_customer(&customer).collect_all().await?;
    /// # let _ = txs;
    /// # Ok(()) }
    /// ```
    pub fn list_for_customer(&self, customer: &CustomerGuid) -> Paginator<Transaction> {
        super::list(
            self.transport,
            Request::get("/v1/customers/{guid}/transactions").param(customer),
        )
    }

    /// `GET /v1/plans/{guid}/transactions`: the transactions of the plan's subscriptions, newest first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::PlanGuid;
    /// let plan = PlanGuid::new("PL4RHCKW7GsGMjpcozHveQuw")?;
    /// let txs = billy.transactions().list_for_plan(&plan).collect_all().await?;
    /// # let _ = txs;
    /// # Ok(()) }
    /// ```
    pub fn list_for_plan(&self, plan: &PlanGuid) -> Paginator<Transaction> {
        super::list(
            self.transport,
            Request::get("/v1/plans/{guid}/transactions").param(plan),
        )
    }

    /// `GET /v1/subscriptions/{guid}/transactions`: the transactions of the subscription's invoices, newest first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::SubscriptionGuid;
    /// let subscription = SubscriptionGuid::new("SU4ST39srWVLGbiTg174QyfF")?;
    /// let txs = billy.transactions().list_for_subscription(&subscription).collect_all().await?;
    /// # let _ = txs;
    /// # Ok(()) }
    /// ```
    pub fn list_for_subscription(&self, subscription: &SubscriptionGuid) -> Paginator<Transaction> {
        super::list(
            self.transport,
            Request::get("/v1/subscriptions/{guid}/transactions").param(subscription),
        )
    }

    /// `GET /v1/invoices/{guid}/transactions`: the invoice's charges and refunds, newest first.
    ///
    /// ```no_run
    /// # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
    /// use billkit::billy::InvoiceGuid;
    /// let invoice = InvoiceGuid::new("IV4gVtDyP3CD9zQyv8AtPwx5")?;
    /// let txs = billy.transactions().list_for_invoice(&invoice).collect_all().await?;
    /// # let _ = txs;
    /// # Ok(()) }
    /// ```
    pub fn list_for_invoice(&self, invoice: &InvoiceGuid) -> Paginator<Transaction> {
        super::list(
            self.transport,
            Request::get("/v1/invoices/{guid}/transactions").param(invoice),
        )
    }
}
