//! Which failures are retried, how long to wait, and `Retry-After`.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

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
}
