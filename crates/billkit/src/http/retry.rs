//! Which failures are retried, how long to wait, and `Retry-After`.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::RetryMode;

/// How failed attempts are retried.
///
/// Defaults: 3 attempts in all, backoff from 500 ms doubling to at most
/// 30 s with jitter, at most 60 s spent waiting between attempts, and no
/// single wait (`Retry-After`, rate limit) longer than 120 s.
///
/// ```
/// use std::time::Duration;
/// use billkit::http::RetryPolicy;
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(200))
///     .max_retry_time(Duration::from_secs(10));
/// assert_eq!(policy.attempts(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_time: Duration,
    pub(crate) max_wait: Duration,
    pub(crate) resend_unconfirmed_after: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_time: Duration::from_secs(60),
            max_wait: Duration::from_secs(120),
            resend_unconfirmed_after: None,
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt only.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The base delay before the first retry; it doubles on each retry.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The cap on one backoff delay.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The most time spent waiting between attempts in one call; a retry
    /// whose wait would pass it is not made.
    pub fn max_retry_time(mut self, d: Duration) -> Self {
        self.max_retry_time = d;
        self
    }

    /// The longest single wait a call accepts (default 120 s, two minutes: a per-minute quota may need a whole window): a server's
    /// `Retry-After` or a rate-limit wait beyond it (or beyond the call's
    /// deadline) ends the call at once with an error carrying the wait
    /// ([`Error::retry_after`](crate::Error::retry_after)), instead of
    /// sleeping through it.
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }

    /// Opt-in, with risk: lets a create whose outcome is unknown, and which
    /// a lookup by its merchant key did not find, be sent again after
    /// waiting `settle` (at least the attempt timeout) and looking once
    /// more; the call's deadline must leave room for the wait (neither
    /// `max_wait` nor `max_retry_time` applies to it). Off by default: then
    /// such a call ends with
    /// [`Error::MayHaveLanded`](crate::Error::MayHaveLanded).
    ///
    /// The risk: a server may commit a request long after the client gave
    /// up on it (a slow database, a queue). If the first attempt commits
    /// after the second lookup, both land. Choose `settle` longer than the
    /// server can take to finish a request (its own request timeout), and
    /// use this only where a duplicate can be undone. It never applies
    /// where the server refuses duplicates itself: there a resend is
    /// always safe and always made.
    pub fn resend_unconfirmed_after(mut self, settle: Duration) -> Self {
        self.resend_unconfirmed_after = Some(settle);
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The capped exponential base for retry number `retry` (1 for the first
    /// retry): `initial * 2^(retry-1)`, at most `max_backoff`.
    pub(crate) fn base_delay(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }
}

/// The wait before retry number `retry`: half the capped base plus a random
/// share of the other half ("equal jitter"), so clients never retry in
/// lockstep yet always back off.
pub(crate) fn backoff(policy: &RetryPolicy, retry: u32, jitter: &dyn super::Jitter) -> Duration {
    let base = policy.base_delay(retry);
    let half = base / 2;
    half + jitter.jitter(base - half).min(base - half)
}

/// What went wrong in one attempt, as the retry decision sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptFailure {
    /// The server answered with a failure status.
    Status {
        /// The status.
        status: StatusCode,
        /// Whether the API's rules prove the answer came before the
        /// server's handler ran ([`Dialect::refused_before_handler`](super::Dialect::refused_before_handler)).
        refused_before_handler: bool,
    },
    /// No connection was made: the request never reached the server.
    Unsent,
    /// The connection broke or a time limit passed after the request may
    /// have reached the server.
    Lost,
    /// The answer's head arrived but its body could not be read.
    BodyCut,
    /// Nothing another attempt could change (a body over the size cap, a
    /// request that could not be built).
    Final,
    /// A create whose outcome is unknown and that a lookup by its key did
    /// not find.
    UnconfirmedCreate {
        /// Whether the server itself refuses a second record with the
        /// same key (then sending it again is always safe).
        duplicates_refused: bool,
        /// The wait the caller opted into before sending an unconfirmed
        /// create again ([`RetryPolicy::resend_unconfirmed_after`], at
        /// least the attempt time limit); `None`: it is never sent again.
        settle: Option<Duration>,
    },
}

/// One failed attempt and the call so far: everything the retry decision
/// depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptReport {
    /// The attempt that failed, from 1.
    pub attempt: u32,
    /// How it failed.
    pub failure: AttemptFailure,
    /// When the request may be sent again.
    pub mode: RetryMode,
    /// The wait the server asked for (`Retry-After`).
    pub retry_after: Option<Duration>,
    /// Time already spent waiting between attempts.
    pub waited: Duration,
    /// Time left before the call's deadline, if it has one.
    pub time_left: Option<Duration>,
}

impl AttemptReport {
    /// A report of attempt `attempt` failing with `failure`, sent in `mode`,
    /// with nothing waited yet, no `Retry-After` and no deadline.
    pub fn new(attempt: u32, failure: AttemptFailure, mode: RetryMode) -> Self {
        AttemptReport {
            attempt,
            failure,
            mode,
            retry_after: None,
            waited: Duration::ZERO,
            time_left: None,
        }
    }

    /// The wait the server asked for.
    pub fn retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }

    /// Time already spent waiting between attempts.
    pub fn waited(mut self, waited: Duration) -> Self {
        self.waited = waited;
        self
    }

    /// Time left before the call's deadline.
    pub fn time_left(mut self, left: Option<Duration>) -> Self {
        self.time_left = left;
        self
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Send the request again after waiting this long.
    Retry(Duration),
    /// Give up, for this reason.
    Stop(StopReason),
}

/// Why a call gives up after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// Sending it again could not help, or could make a second record.
    NotRetryable,
    /// The attempts allowed are spent.
    AttemptsSpent,
    /// The wait (this long) is longer than any single wait allowed.
    WaitTooLong(Duration),
    /// The wait would pass the time allowed for waiting in one call.
    BudgetSpent,
    /// The wait would pass the call's deadline.
    PastDeadline,
}

impl RetryPolicy {
    /// Whether and when to send a failed request again: the one rule for
    /// reads and creates, with no I/O and no clock (`jitter` is the only
    /// source of chance, and an injected one).
    ///
    /// A request is sent again only when the failure is transient and
    /// sending it again cannot do twice what it does:
    /// - idempotent requests (GET, PUT, DELETE) on 408, 429, 502, 503, 504,
    ///   lost connections, time limits and bodies cut short;
    /// - any request that never reached the server, or that the API's rules
    ///   prove was refused before its handler ran (not for
    ///   [`RetryMode::Never`]);
    /// - a create whose outcome is unknown only where the server refuses
    ///   duplicates, or after the opted-in settle time.
    ///
    /// The wait is the server's `Retry-After`, else capped exponential
    /// backoff with jitter (the settle time for an unconfirmed create); it
    /// must fit [`max_wait`](Self::max_wait),
    /// [`max_retry_time`](Self::max_retry_time) (neither bounds the settle
    /// time) and the deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// use billkit::http::{
    ///     AttemptFailure, AttemptReport, Decision, NoJitter, RetryMode, RetryPolicy, StatusCode,
    ///     StopReason,
    /// };
    /// let policy = RetryPolicy::default();
    /// let busy = AttemptFailure::Status {
    ///     status: StatusCode::SERVICE_UNAVAILABLE,
    ///     refused_before_handler: false,
    /// };
    /// // A read is retried after the server's Retry-After...
    /// let read = AttemptReport::new(1, busy, RetryMode::Idempotent)
    ///     .retry_after(Some(Duration::from_secs(2)));
    /// assert_eq!(policy.decide(&read, &NoJitter), Decision::Retry(Duration::from_secs(2)));
    /// // ...a create is not: it may have been carried out.
    /// let create = AttemptReport::new(1, busy, RetryMode::UnsentOnly);
    /// assert_eq!(policy.decide(&create, &NoJitter), Decision::Stop(StopReason::NotRetryable));
    /// ```
    pub fn decide(&self, report: &AttemptReport, jitter: &dyn super::Jitter) -> Decision {
        use AttemptFailure as F;
        let idempotent = report.mode == RetryMode::Idempotent;
        let may_resend = match report.failure {
            F::Status {
                status,
                refused_before_handler,
            } => {
                if idempotent {
                    crate::error::is_retryable_status(status)
                } else {
                    refused_before_handler && report.mode == RetryMode::UnsentOnly
                }
            }
            F::Unsent => report.mode != RetryMode::Never,
            F::Lost | F::BodyCut => idempotent,
            F::Final => false,
            F::UnconfirmedCreate {
                duplicates_refused,
                settle,
            } => duplicates_refused || settle.is_some(),
        };
        if !may_resend {
            return Decision::Stop(StopReason::NotRetryable);
        }
        if report.attempt >= self.max_attempts {
            return Decision::Stop(StopReason::AttemptsSpent);
        }
        let settle = match report.failure {
            F::UnconfirmedCreate {
                duplicates_refused: false,
                settle,
            } => settle,
            _ => None,
        };
        let delay = match settle {
            Some(settle) => settle,
            None => report
                .retry_after
                .unwrap_or_else(|| backoff(self, report.attempt, jitter)),
        };
        if report.time_left.is_some_and(|left| delay >= left) {
            return Decision::Stop(StopReason::PastDeadline);
        }
        // The settle time was chosen explicitly: only the deadline bounds it.
        if settle.is_none() {
            if delay > self.max_wait {
                return Decision::Stop(StopReason::WaitTooLong(delay));
            }
            if report.waited.saturating_add(delay) > self.max_retry_time {
                return Decision::Stop(StopReason::BudgetSpent);
            }
        }
        Decision::Retry(delay)
    }
}

/// Reads `Retry-After` as delta-seconds or as an HTTP date.
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Jitter, NoJitter};
    use reqwest::header::HeaderValue;

    #[derive(Debug)]
    struct FullJitter;
    impl Jitter for FullJitter {
        fn jitter(&self, max: Duration) -> Duration {
            max
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_secs(1))
            .max_backoff(Duration::from_secs(5));
        let got: Vec<_> = (1..=5).map(|n| backoff(&p, n, &NoJitter)).collect();
        let ms = |v: u64| Duration::from_millis(v);
        assert_eq!(got, vec![ms(500), ms(1000), ms(2000), ms(2500), ms(2500)]);
        let got: Vec<_> = (1..=4).map(|n| backoff(&p, n, &FullJitter)).collect();
        assert_eq!(got, vec![ms(1000), ms(2000), ms(4000), ms(5000)]);
        assert_eq!(backoff(&p, 200, &FullJitter), ms(5000));
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = httpdate::parse_http_date("Sat, 21 Nov 2026 12:00:00 GMT").unwrap();
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sat, 21 Nov 2026 12:00:42 GMT"),
        );
        assert_eq!(parse_retry_after(&h, now), Some(Duration::from_secs(42)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sat, 21 Nov 2026 11:00:00 GMT"),
        );
        assert_eq!(parse_retry_after(&h, now), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h, now), None);
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
    }

    fn status(code: u16, before_handler: bool) -> AttemptFailure {
        AttemptFailure::Status {
            status: StatusCode::from_u16(code).unwrap(),
            refused_before_handler: before_handler,
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .max_attempts(3)
            .initial_backoff(Duration::from_secs(1))
            .max_retry_time(Duration::from_secs(10))
            .max_wait(Duration::from_secs(20))
    }

    fn decide(report: AttemptReport) -> Decision {
        policy().decide(&report, &NoJitter)
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn which_failures_are_sent_again_by_mode() {
        use AttemptFailure as F;
        use RetryMode::{Idempotent, Never, UnsentOnly};
        let retry = Decision::Retry(Duration::from_millis(500));
        let stop = Decision::Stop(StopReason::NotRetryable);
        let cases = [
            (status(503, false), Idempotent, retry),
            (status(429, false), Idempotent, retry),
            (status(408, false), Idempotent, retry),
            (status(500, false), Idempotent, stop),
            (status(422, false), Idempotent, stop),
            (status(503, false), UnsentOnly, stop),
            (status(429, false), UnsentOnly, stop),
            (status(429, true), UnsentOnly, retry),
            (status(429, true), Never, stop),
            (F::Unsent, Idempotent, retry),
            (F::Unsent, UnsentOnly, retry),
            (F::Unsent, Never, stop),
            (F::Lost, Idempotent, retry),
            (F::Lost, UnsentOnly, stop),
            (F::BodyCut, Idempotent, retry),
            (F::BodyCut, UnsentOnly, stop),
            (F::Final, Idempotent, stop),
        ];
        for (failure, mode, want) in cases {
            assert_eq!(
                decide(AttemptReport::new(1, failure, mode)),
                want,
                "{failure:?} {mode:?}"
            );
        }
    }

    #[test]
    fn the_wait_is_the_servers_else_backoff_within_every_budget() {
        let busy = status(503, false);
        let report = |attempt| AttemptReport::new(attempt, busy, RetryMode::Idempotent);
        assert_eq!(decide(report(2)), Decision::Retry(SECOND));
        assert_eq!(
            decide(report(1).retry_after(Some(7 * SECOND))),
            Decision::Retry(7 * SECOND)
        );
        assert_eq!(decide(report(3)), Decision::Stop(StopReason::AttemptsSpent));
        assert_eq!(
            decide(report(1).retry_after(Some(21 * SECOND))),
            Decision::Stop(StopReason::WaitTooLong(21 * SECOND))
        );
        assert_eq!(
            decide(report(1).retry_after(Some(3 * SECOND)).waited(8 * SECOND)),
            Decision::Stop(StopReason::BudgetSpent)
        );
        assert_eq!(
            decide(
                report(1)
                    .retry_after(Some(3 * SECOND))
                    .time_left(Some(3 * SECOND))
            ),
            Decision::Stop(StopReason::PastDeadline)
        );
        assert_eq!(
            decide(
                report(1)
                    .retry_after(Some(3 * SECOND))
                    .time_left(Some(4 * SECOND))
            ),
            Decision::Retry(3 * SECOND)
        );
    }

    #[test]
    fn an_unconfirmed_create_is_resent_only_where_safe_or_opted_in() {
        let create = |duplicates_refused, settle| {
            AttemptReport::new(
                1,
                AttemptFailure::UnconfirmedCreate {
                    duplicates_refused,
                    settle,
                },
                RetryMode::UnsentOnly,
            )
        };
        assert_eq!(
            decide(create(false, None)),
            Decision::Stop(StopReason::NotRetryable)
        );
        assert_eq!(
            decide(create(true, None)),
            Decision::Retry(Duration::from_millis(500))
        );
        // The settle time is the caller's choice: past max_wait and the
        // retry budget, but not past the deadline.
        let settle = Some(60 * SECOND);
        assert_eq!(decide(create(false, settle)), Decision::Retry(60 * SECOND));
        assert_eq!(
            decide(create(false, settle).time_left(Some(30 * SECOND))),
            Decision::Stop(StopReason::PastDeadline)
        );
        // Where the server refuses duplicates, its Retry-After rules.
        assert_eq!(
            decide(create(true, settle).retry_after(Some(2 * SECOND))),
            Decision::Retry(2 * SECOND)
        );
    }
}
