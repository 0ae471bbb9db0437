//! Transactions: what Billy submitted to the payment processor for an
//! invoice (charges, payouts, refunds, reversals), with their failures.
//!
//! ```no_run
//! # async fn run(billy: billkit::billy::Client) -> billkit::Result<()> {
//! use billkit::billy::TransactionStatus;
//! let tx = billy.transactions().get("TX4SVWm156bBTSY17KJKW88y").await?;
//! match &tx.status {
//!     Some(TransactionStatus::Succeeded) => println!("paid {} cents", tx.amount),
//!     None => println!("not processed yet ({})", tx.submit_status),
//!     Some(other) => println!("{other}: {} failure(s)", tx.failures.len()),
//! }
//! # Ok(()) }
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    pub guid: String,
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
    pub guid: String,
    /// The invoice it belongs to.
    pub invoice_guid: String,
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

    /// `GET /v1/transactions/{guid}`.
    pub async fn get(&self, guid: &str) -> Result<Transaction> {
        super::check_guid("guid", guid, "TX")?;
        self.transport
            .execute(Request::get("/v1/transactions/{guid}").param(guid))
            .await
    }

    /// `GET /v1/transactions`, newest first.
    pub fn list(&self) -> Paginator<Transaction> {
        super::list(self.transport, Request::get("/v1/transactions"))
    }
}
