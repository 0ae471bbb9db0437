//! Waiters: poll one record until it reaches a state, within a deadline.

use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

use crate::error::Error;
use crate::http::Transport;

/// How long a waiter waits and how often it looks.
///
/// The first look is at once; then the interval starts at
/// `initial_interval` and doubles after each look up to `max_interval`.
/// The last look is at the deadline (`timeout` after the call), so a record
/// that turns in the final interval is still seen.
///
/// ```
/// use std::time::Duration;
/// use billkit::watch::WaitOptions;
///
/// let quick = WaitOptions {
///     timeout: Duration::from_secs(120),
///     initial_interval: Duration::from_secs(1),
///     max_interval: Duration::from_secs(10),
/// };
/// assert_eq!(WaitOptions::new(Duration::from_secs(120)).timeout, quick.timeout);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// How long to wait in all, from the call.
    pub timeout: Duration,
    /// The pause after the first look; must be above zero.
    pub initial_interval: Duration,
    /// The longest pause between two looks.
    pub max_interval: Duration,
}

/// The default total wait: ten minutes, about what a card checkout takes.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(600);
/// The default first pause: two seconds.
pub const DEFAULT_INITIAL_INTERVAL: Duration = Duration::from_secs(2);
/// The default longest pause: one minute.
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(60);

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions::new(DEFAULT_WAIT_TIMEOUT)
    }
}

impl WaitOptions {
    /// Waits up to `timeout`, with the default intervals (2 s doubling up
    /// to 60 s).
    pub fn new(timeout: Duration) -> Self {
        WaitOptions {
            timeout,
            initial_interval: DEFAULT_INITIAL_INTERVAL,
            max_interval: DEFAULT_MAX_INTERVAL,
        }
    }

    /// The same with another first pause.
    pub fn initial_interval(mut self, interval: Duration) -> Self {
        self.initial_interval = interval;
        self
    }

    /// The same with another longest pause.
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }
}

/// What a waiter makes of the state it just read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The wanted state: stop and return it.
    Reached,
    /// Not yet: look again later.
    NotYet,
    /// A final state the wanted one can never follow (an invoice cancelled
    /// while waiting for it to be paid): stop now rather than at the
    /// deadline.
    Unreachable,
}

/// Why a waiter stopped without the wanted state.
///
/// Every variant but [`Api`](WaitError::Api) carries the last state read,
/// so the caller can say what the record was doing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError<T> {
    /// The deadline passed first. Wait longer ([`WaitOptions::timeout`]) or
    /// look at why the record is stuck (`last`).
    #[error(
        "gave up after {polls} looks over {waited:?}: the wanted state was not reached; wait longer (WaitOptions::timeout) or look at the last state read"
    )]
    GaveUp {
        /// The last state read; `None` when no look succeeded.
        last: Option<T>,
        /// How many looks were made.
        polls: u32,
        /// How long the waiter waited, by the client's clock.
        waited: Duration,
        /// The error of the last look, when it failed (a network failure
        /// or 5xx that outlasted the client's retries).
        #[source]
        last_error: Option<Error>,
    },
    /// The record reached a final state the wanted one cannot follow.
    #[error(
        "the record reached a final state the wanted one cannot follow (after {polls} looks); waiting longer would not help"
    )]
    Unreachable {
        /// The state read.
        last: T,
        /// How many looks were made.
        polls: u32,
    },
    /// A look failed in a way waiting cannot mend (the record does not
    /// exist, the credentials were refused, the answer made no sense).
    #[error(transparent)]
    Api(#[from] Error),
}

impl<T> WaitError<T> {
    /// The last state read, if any.
    pub fn last(&self) -> Option<&T> {
        match self {
            WaitError::GaveUp { last, .. } => last.as_ref(),
            WaitError::Unreachable { last, .. } => Some(last),
            WaitError::Api(_) => None,
        }
    }

    /// The last state read, if any, owned.
    pub fn into_last(self) -> Option<T> {
        match self {
            WaitError::GaveUp { last, .. } => last,
            WaitError::Unreachable { last, .. } => Some(last),
            WaitError::Api(_) => None,
        }
    }
}

/// Reads a record with `fetch` until `verdict` says it is
/// [`Reached`](Verdict::Reached) or [`Unreachable`](Verdict::Unreachable),
/// or the deadline passes.
///
/// Every look goes through `transport` (so through the client's retries
/// and rate limit, the Redis-shared one included), and every pause is
/// taken on the transport's clock and sleeper, so a test with
/// `manual_time` waits no real time. A look that fails with a retryable
/// error (the client's own retries exhausted) is not fatal: waiting goes
/// on, and the error is kept in [`WaitError::GaveUp`]. Any other error
/// ends the wait. Dropping the future cancels the wait: nothing more is
/// sent.
///
/// The typed waiters (`wait_until_paid`, ...) are this function with a
/// fixed verdict; this one waits for anything:
///
/// ```no_run
/// # #[cfg(feature = "billmora")]
/// # async fn demo(client: billkit::billmora::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use billkit::billmora::InvoiceStatus;
/// use billkit::watch::{Verdict, WaitOptions, wait_until};
///
/// let invoices = client.invoices();
/// let refunded = wait_until(
///     client.transport(),
///     &WaitOptions::default(),
///     || invoices.get(7),
///     |invoice| match invoice.status {
///         InvoiceStatus::Refunded => Verdict::Reached,
///         InvoiceStatus::Cancelled => Verdict::Unreachable,
///         _ => Verdict::NotYet,
///     },
/// )
/// .await?;
/// # let _ = refunded; Ok(()) }
/// ```
pub async fn wait_until<T, F, Fut, V>(
    transport: &Transport,
    options: &WaitOptions,
    mut fetch: F,
    mut verdict: V,
) -> Result<T, WaitError<T>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = crate::Result<T>>,
    V: FnMut(&T) -> Verdict,
{
    if options.initial_interval.is_zero() {
        return Err(WaitError::Api(Error::InvalidInput {
            field: "initial_interval".into(),
            message: "must be above zero (a waiter would look without pause)".into(),
        }));
    }
    let clock = transport.clock().clone();
    let sleeper = transport.sleeper().clone();
    let start = clock.now();
    let mut interval = options.initial_interval;
    let mut polls: u32 = 0;
    let mut last = None;
    let mut last_error;
    loop {
        polls = polls.saturating_add(1);
        match fetch().await {
            Ok(state) => match verdict(&state) {
                Verdict::Reached => return Ok(state),
                Verdict::Unreachable => return Err(WaitError::Unreachable { last: state, polls }),
                Verdict::NotYet => {
                    last = Some(state);
                    last_error = None;
                }
            },
            Err(e) if e.is_retryable() => last_error = Some(e),
            Err(e) => return Err(WaitError::Api(e)),
        }
        let waited = clock.now().saturating_duration_since(start);
        let left = options.timeout.saturating_sub(waited);
        if left.is_zero() {
            return Err(WaitError::GaveUp {
                last,
                polls,
                waited,
                last_error,
            });
        }
        tracing::debug!(polls, pause = ?interval.min(left), "waiting for a state");
        sleeper.sleep(interval.min(left)).await;
        interval = interval
            .saturating_mul(2)
            .min(options.max_interval.max(options.initial_interval));
    }
}

/// The verdict of a waiter whose state is one value: reached when it is
/// one of `wanted`, unreachable when it is one of `dead_ends`.
#[cfg_attr(
    not(any(feature = "billpro", feature = "billmora", feature = "billy")),
    allow(dead_code)
)]
pub(crate) fn status_verdict<S: PartialEq>(status: &S, wanted: &[S], dead_ends: &[S]) -> Verdict {
    if wanted.contains(status) {
        Verdict::Reached
    } else if dead_ends.contains(status) {
        Verdict::Unreachable
    } else {
        Verdict::NotYet
    }
}

/// [`wait_until`] for a record's status: the typed waiters' one body.
#[cfg_attr(
    not(any(feature = "billpro", feature = "billmora", feature = "billy")),
    allow(dead_code)
)]
pub(crate) async fn wait_for_status<T, S, F, Fut>(
    transport: &Transport,
    options: &WaitOptions,
    fetch: F,
    status: fn(&T) -> &S,
    wanted: &[S],
    dead_ends: &[S],
) -> Result<T, WaitError<T>>
where
    S: PartialEq,
    F: FnMut() -> Fut,
    Fut: Future<Output = crate::Result<T>>,
{
    wait_until(transport, options, fetch, |r| {
        status_verdict(status(r), wanted, dead_ends)
    })
    .await
}

/// The final states of a lifecycle other than `wanted`: those a waiter
/// for `wanted` stops at.
#[cfg_attr(not(any(feature = "billpro", feature = "billmora")), allow(dead_code))]
pub(crate) fn other_ends<S: PartialEq + Clone>(ends: &[S], wanted: &S) -> Vec<S> {
    ends.iter().filter(|s| *s != wanted).cloned().collect()
}
