//! A client-side limiter shared by every clone of a client.
//!
//! It allows a number of requests per window and also learns from the
//! server: `X-RateLimit-Limit` replaces the configured quota,
//! `X-RateLimit-Remaining` lowers what is left of the window, and a 429's
//! `Retry-After` holds every request until it has passed. Many tasks sharing
//! one client therefore wait their turn instead of provoking a storm of 429s.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

use super::clock::{Clock, Sleeper};

/// A quota of requests per window.
///
/// ```
/// use std::time::Duration;
/// use billkit::http::RateLimit;
/// let limit = RateLimit::per_minute(60);
/// assert_eq!(limit, RateLimit::new(60, Duration::from_secs(60)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub(crate) requests: u32,
    pub(crate) window: Duration,
}

impl RateLimit {
    /// `requests` per `window` (at least one request).
    pub fn new(requests: u32, window: Duration) -> Self {
        RateLimit {
            requests: requests.max(1),
            window,
        }
    }

    /// `requests` per minute.
    pub fn per_minute(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(60))
    }

    /// `requests` per second.
    pub fn per_second(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(1))
    }
}

#[derive(Debug)]
struct State {
    limit: u32,
    window: Duration,
    window_start: Instant,
    used: u32,
    blocked_until: Option<Instant>,
}

/// The limiter itself; cheap to clone, clones share their state.
#[derive(Debug, Clone)]
pub(crate) struct RateLimiter {
    state: Arc<Mutex<State>>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit, now: Instant) -> Self {
        RateLimiter {
            state: Arc::new(Mutex::new(State {
                limit: limit.requests,
                window: limit.window,
                window_start: now,
                used: 0,
                blocked_until: None,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long the caller must wait before it may send, taking a slot when
    /// the answer is zero.
    fn try_acquire(&self, now: Instant) -> Duration {
        let mut s = self.lock();
        if let Some(until) = s.blocked_until {
            if until > now {
                return until - now;
            }
            s.blocked_until = None;
            s.window_start = now;
            s.used = 0;
        }
        if now.duration_since(s.window_start) >= s.window {
            s.window_start = now;
            s.used = 0;
        }
        if s.used < s.limit {
            s.used += 1;
            Duration::ZERO
        } else {
            (s.window_start + s.window)
                .saturating_duration_since(now)
                .max(Duration::from_millis(1))
        }
    }

    /// Waits for a slot.
    pub(crate) async fn acquire(&self, clock: &dyn Clock, sleeper: &dyn Sleeper) -> Duration {
        let mut waited = Duration::ZERO;
        loop {
            let wait = self.try_acquire(clock.now());
            if wait.is_zero() {
                return waited;
            }
            waited += wait;
            sleeper.sleep(wait).await;
        }
    }

    /// Learns from a response's headers; `retry_after` is set for a 429.
    pub(crate) fn observe(&self, headers: &HeaderMap, retry_after: Option<Duration>, now: Instant) {
        let num =
            |name: &str| -> Option<u32> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        let mut s = self.lock();
        if let Some(limit) = num("x-ratelimit-limit") {
            if limit > 0 {
                s.limit = limit;
            }
        }
        if let Some(remaining) = num("x-ratelimit-remaining") {
            let used = s.limit.saturating_sub(remaining);
            s.used = s.used.max(used);
        }
        if let Some(wait) = retry_after {
            let until = now + wait;
            s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        }
    }

    #[cfg(test)]
    fn snapshot(&self) -> (u32, u32) {
        let s = self.lock();
        (s.limit, s.used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ManualClock;
    use reqwest::header::HeaderValue;

    #[tokio::test]
    async fn waits_for_the_next_window_when_the_quota_is_used() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(RateLimit::new(2, Duration::from_secs(10)), clock.now());
        assert_eq!(rl.acquire(&clock, &clock).await, Duration::ZERO);
        clock.advance(Duration::from_secs(3));
        assert_eq!(rl.acquire(&clock, &clock).await, Duration::ZERO);
        assert_eq!(rl.acquire(&clock, &clock).await, Duration::from_secs(7));
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(7)]);
    }

    #[tokio::test]
    async fn learns_quota_and_remaining_from_headers() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(RateLimit::per_minute(60), clock.now());
        let mut h = HeaderMap::new();
        h.insert("X-RateLimit-Limit", HeaderValue::from_static("5"));
        h.insert("X-RateLimit-Remaining", HeaderValue::from_static("1"));
        rl.observe(&h, None, clock.now());
        assert_eq!(rl.snapshot(), (5, 4));
        assert_eq!(rl.acquire(&clock, &clock).await, Duration::ZERO);
        assert_eq!(rl.acquire(&clock, &clock).await, Duration::from_secs(60));
    }

    #[tokio::test]
    async fn retry_after_holds_every_request() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(RateLimit::per_minute(100), clock.now());
        rl.observe(&HeaderMap::new(), Some(Duration::from_secs(9)), clock.now());
        let other = rl.clone();
        assert_eq!(other.acquire(&clock, &clock).await, Duration::from_secs(9));
        assert_eq!(rl.acquire(&clock, &clock).await, Duration::ZERO);
    }
}
