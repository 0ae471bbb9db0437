//! Knowing when money moved: waiters and change feeds, built on polling.
//!
//! Billmora and Billy push nothing to an integrator, and BillPro pushes
//! only gateway transactions, so "tell me when this invoice is paid" means
//! asking again and again. This module does the asking once, for every
//! API, within the client's retries and rate limit (the Redis-shared one
//! included): every request goes through the client's transport like any
//! other call, and every pause is taken on the client's injected clock and
//! sleeper (so tests with `manual_time` wait no real time).
//!
//! # Waiters
//!
//! `wait_until_*` methods on the resource handles read one record until it
//! reaches the state waited for, pausing between looks (doubling from
//! [`WaitOptions::initial_interval`] to [`WaitOptions::max_interval`]) up to
//! [`WaitOptions::timeout`]. They end with:
//!
//! - the record, once it is in the wanted state;
//! - [`WaitError::Unreachable`] as soon as it is in a final state the wanted
//!   one cannot follow (waiting for paid, and the invoice was cancelled);
//! - [`WaitError::GaveUp`] at the deadline, with the last state read;
//! - [`WaitError::Api`] on an error waiting cannot mend (not found,
//!   refused credentials). Retryable failures that outlast the client's own
//!   retries do not end a wait; the last one is kept in `GaveUp`.
//!
//! Dropping a waiter's future cancels it: nothing more is sent.
//!
//! | API | waiters |
//! |---|---|
//! | BillPro | `orders().wait_until_active / _complete / _cancelled`, `scheduled_payments().wait_until_paid / _failed` |
//! | Billmora | `invoices().wait_until_paid / _cancelled / _overdue`, `orders().wait_until_status`, `services().wait_until_status` |
//! | Billy | `invoices().wait_until_settled / _failed`, `transactions().wait_until_succeeded / _failed` |
//!
//! [`wait_until`] waits for anything else.
//!
//! # Change feeds
//!
//! A [`Feed`] walks a whole list every [`FeedOptions::interval`] (a minute
//! unless set, and never more often) and compares it with what it saw
//! before, yielding [`Change`]s: created, status changed from X to Y,
//! amount changed, anything else updated, deleted. `watch` on the handles
//! makes one: BillPro orders and scheduled payments; Billmora invoices,
//! orders and services; Billy invoices, subscriptions and transactions.
//!
//! - **Memory**: per record, the feed keeps only a digest: its id, its
//!   status, its amount and a 64-bit hash of the rest, a few dozen bytes
//!   (plus the status text when the server sends one billkit does not
//!   know). Nothing else grows: O(records watched) × a few dozen bytes.
//!   While a walk runs it also holds the ids seen and the records that
//!   changed, and the list's pages in flight.
//! - **Failures**: a walk is read whole before anything is reported. A
//!   walk that fails (a network failure or 5xx that outlasts the client's
//!   retries, a truncated or malformed body) yields its error as one item
//!   of the stream, reports nothing and changes nothing; the next walk is
//!   one interval later. A record is reported deleted only when two walks
//!   in a row miss it, so a record that one walk skipped (offset paging
//!   shifts when another is deleted mid-walk) is never reported deleted.
//! - **Order**: the changes of one walk come in id order; one record's
//!   status change comes before its amount change.
//! - **Restarts**: [`Feed::checkpoint`] is the digest, serialisable with
//!   serde and versioned ([`FeedCheckpoint`]). Taken after an event, it
//!   covers exactly the events yielded so far, so [`Feed::resume`] from the
//!   checkpoint saved after event *k* yields event *k+1* onwards. Saved in
//!   the same transaction as your own handling of each event, every change
//!   is delivered exactly once; saved later, at least once (the events
//!   since are repeated, none is lost).
//!
//! ```no_run
//! # #[cfg(feature = "billmora")]
//! # async fn demo(client: billkit::billmora::Client, saved: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
//! use billkit::StreamExt;
//! use billkit::billmora::{Invoice, InvoiceFilter, InvoiceStatus};
//! use billkit::watch::{Change, FeedCheckpoint, FeedOptions};
//!
//! let mut feed = client.invoices().watch(&InvoiceFilter::new(), FeedOptions::default());
//! if let Some(json) = saved {
//!     let checkpoint: FeedCheckpoint<Invoice> = serde_json::from_str(&json)?;
//!     feed = feed.resume(&checkpoint)?;
//! }
//! while let Some(change) = feed.next().await {
//!     let change = match change {
//!         Ok(change) => change,
//!         // One walk failed; the feed tries again next interval.
//!         Err(e) => { eprintln!("{e}"); continue; }
//!     };
//!     if let Change::StatusChanged { record, to: InvoiceStatus::Paid, .. } = &change {
//!         println!("invoice {} paid", record.invoice_number);
//!     }
//!     // Save with your own write for exactly once.
//!     let _json = serde_json::to_string(&feed.checkpoint())?;
//! }
//! # Ok(()) }
//! ```
//!
//! # What polling cannot see
//!
//! A feed sees the list as it is at each walk. A record that changes and
//! changes back between two walks (an order suspended and reactivated
//! within the minute) yields nothing; one that passes through several
//! states yields one change, from the first to the last. A record created
//! and deleted between two walks is never seen. To narrow the gap, walk
//! more often (a shorter [`FeedOptions::interval`]: each walk costs the
//! requests below) or walk less (a filter, e.g. Billmora's
//! `InvoiceFilter::new().status(...)`, so each walk is fewer pages and a
//! shorter interval stays within the quota). Where a state must never be
//! missed, wait for it on the record itself (a waiter), or use the API's
//! own notifications where it has them (BillPro's payment notifications).
//!
//! # What a feed costs
//!
//! One walk reads every page of the list; the requests a minute are the
//! pages per walk times the walks per minute. At the default interval (one
//! walk a minute), counted in the sandbox's journal for 100 and 1,000
//! records (`tests/watch/cost.rs`), and by the same page arithmetic for
//! 10,000:
//!
//! | API (page size) | 100 records | 1,000 records | 10,000 records | default quota |
//! |---|---|---|---|---|
//! | BillPro (25 a page, ends on a short page) | 5 | 41 | 401 | none known |
//! | Billmora (15 a page, ends at the last page) | 7 | 67 | 667 | 60 a minute |
//! | Billy (20 a page, ends on a short page) | 6 | 51 | 501 | none known |
//!
//! A feed at interval *i* seconds costs 60 / *i* times that. A waiter costs
//! one request a look: at the defaults (2 s doubling to 60 s) about 10 in
//! its first five minutes, then one a minute.
//!
//! Billmora's default quota (60 requests a minute) is spent by a list of
//! about 900 records walked each minute: lengthen the interval (or filter)
//! for more, or the client's rate limit spaces the pages out and a walk
//! takes longer than its interval.

mod feed;
mod wait;

/// `Watched` for a model whose id, status and amount are fields (or, for
/// the amount, an expression of the record `$r`).
#[cfg_attr(
    not(any(feature = "billpro", feature = "billmora", feature = "billy")),
    allow(unused_macros)
)]
macro_rules! watched {
    ($t:ty, $kind:literal, $id_field:ident: $id:ty, $status:ty, $amount:ty, |$r:ident| $amount_of:expr) => {
        impl $crate::watch::Watched for $t {
            const KIND: &'static str = $kind;
            type Id = $id;
            type Status = $status;
            type Amount = $amount;

            fn id(&self) -> $id {
                self.$id_field.clone()
            }
            fn status(&self) -> $status {
                self.status.clone()
            }
            fn amount(&self) -> $amount {
                let $r = self;
                $amount_of
            }
        }
    };
}
#[cfg_attr(
    not(any(feature = "billpro", feature = "billmora", feature = "billy")),
    allow(unused_imports)
)]
use watched;

#[cfg(feature = "billmora")]
mod billmora;
#[cfg(feature = "billpro")]
mod billpro;
#[cfg(feature = "billy")]
mod billy;

#[cfg(feature = "billy")]
pub use billy::{SubscriptionState, TransactionState};
pub use feed::{
    Change, CheckpointEntry, DEFAULT_FEED_INTERVAL, FEED_CHECKPOINT_VERSION, Feed, FeedCheckpoint,
    FeedOptions, MIN_FEED_INTERVAL, Watched,
};
pub use wait::{
    DEFAULT_INITIAL_INTERVAL, DEFAULT_MAX_INTERVAL, DEFAULT_WAIT_TIMEOUT, Verdict, WaitError,
    WaitOptions, wait_until,
};
