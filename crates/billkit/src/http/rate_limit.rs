//! A client-side limiter shared by every clone of a client.
//!
//! It never grants more than a number of requests in any sliding window of
//! its length, and learns from the server: `X-RateLimit-Limit` replaces an
//! API's default quota (higher or lower) and a caller's quota when lower,
//! `X-RateLimit-Remaining` lowers what is left of the window, and a 429's
//! `Retry-After` holds every request until it has passed. A wait longer than the call allows (its deadline, or the retry
//! policy's `max_wait`) ends the call at once instead. Many tasks sharing
//! one client therefore wait their turn instead of provoking a storm of 429s.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::AnnouncedQuota;
use super::clock::Clock;
#[cfg(test)]
use super::clock::Sleeper;
use super::observe::LimiterKind;

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
    /// The span the limiter keeps between a grant and the one `requests`
    /// later: the quota's window plus 5% (at most 100 ms), so that requests
    /// granted a window apart still arrive a window apart despite the
    /// jitter of scheduling and of the way to the server.
    pub(crate) fn spaced_window(&self) -> Duration {
        self.window + (self.window / 20).min(Duration::from_millis(100))
    }

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

/// The longest hold a server's `Retry-After` can put on the limiter; a
/// larger value is read as this (calls bounded by a deadline or
/// [`RetryPolicy::max_wait`](super::RetryPolicy::max_wait) fail at once anyway).
const MAX_HOLD: Duration = Duration::from_secs(365 * 24 * 3600);

/// Whether a server's `X-RateLimit-Limit` may raise the quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ceiling {
    /// The caller chose the quota: a header may lower it, never raise it
    /// (it may count another window than the caller's).
    Fixed,
    /// The quota is an API's default for the window the server counts in:
    /// the announced quota replaces it, higher or lower.
    Adopt,
}

/// The largest quota adopted from a server's announcement: far above any
/// real one (the APIs billkit knows allow at most 1,000 a minute), and low enough that
/// a hostile `X-RateLimit-Limit` with `X-RateLimit-Remaining: 0` cannot
/// make the limiter hold millions of grants.
const MAX_ADOPTED: u32 = 10_000;

/// The most grants one answer's `X-RateLimit-Remaining` may add (a caller
/// may set a quota of any size; a hostile answer must not fill memory).
const MAX_FILL: usize = 100_000;

#[derive(Debug)]
struct State {
    limit: u32,
    /// The quota the client was given.
    configured: u32,
    ceiling: Ceiling,
    window: Duration,
    /// The send times granted so far, in order, the newest `limit` kept.
    /// Entries may lie in the future: a task that waits holds its slot.
    granted: VecDeque<Instant>,
    blocked_until: Option<Instant>,
}

impl State {
    /// Keeps only the grants that can still hold a request back: the newest
    /// `limit`, and of those only the ones less than a window old (an
    /// adopted quota may be large; memory follows the traffic of one
    /// window, not the quota).
    fn trim(&mut self, now: Instant) {
        while self.granted.len() > self.limit as usize {
            self.granted.pop_front();
        }
        while self
            .granted
            .front()
            .is_some_and(|t| t.checked_add(self.window).is_some_and(|end| end <= now))
        {
            self.granted.pop_front();
        }
    }
}

/// The limiter itself; cheap to clone, clones share their state.
///
/// A sliding log: a request is granted the earliest time at which the
/// `limit`-th previous grant is a whole window old, so no window of that
/// length, wherever it starts, holds more than `limit` grants. Grants are
/// handed out in call order, which keeps tasks fair.
#[derive(Debug, Clone)]
pub(crate) struct RateLimiter {
    state: Arc<Mutex<State>>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit, ceiling: Ceiling, _now: Instant) -> Self {
        RateLimiter {
            state: Arc::new(Mutex::new(State {
                limit: limit.requests,
                configured: limit.requests,
                ceiling,
                window: limit.spaced_window(),
                granted: VecDeque::new(),
                blocked_until: None,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves the next send time and returns how long to wait for it; or,
    /// when that wait would exceed `max_wait`, reserves nothing and returns
    /// the wait as the error.
    fn reserve(&self, now: Instant, max_wait: Option<Duration>) -> Result<Duration, Duration> {
        let mut s = self.lock();
        let mut at = now;
        if let Some(until) = s.blocked_until {
            at = at.max(until);
        }
        if let Some(last) = s.granted.back() {
            at = at.max(*last);
        }
        if s.granted.len() >= s.limit as usize {
            let oldest = s.granted[s.granted.len() - s.limit as usize];
            match oldest.checked_add(s.window) {
                Some(free) => at = at.max(free),
                None => return Err(MAX_HOLD),
            }
        }
        let wait = at.saturating_duration_since(now);
        if max_wait.is_some_and(|max| wait > max) {
            return Err(wait);
        }
        s.granted.push_back(at);
        s.trim(now);
        Ok(wait)
    }

    /// Waits for a send slot. When the wait would be longer than `max_wait`,
    /// returns at once with that wait as the error and takes no slot.
    #[cfg(test)]
    pub(crate) async fn acquire(
        &self,
        clock: &dyn Clock,
        sleeper: &dyn Sleeper,
        max_wait: Option<Duration>,
    ) -> Result<Duration, Duration> {
        let wait = self.reserve(clock.now(), max_wait)?;
        if !wait.is_zero() {
            sleeper.sleep(wait).await;
        }
        Ok(wait)
    }

    /// Learns from a response's headers; `hold` is set for a 429 (its
    /// `Retry-After`, or a default).
    pub(crate) fn observe(&self, quota: AnnouncedQuota, hold: Option<Duration>, now: Instant) {
        let mut s = self.lock();
        if let Some(limit) = quota.limit
            && limit > 0
        {
            s.limit = match s.ceiling {
                Ceiling::Fixed => limit.min(s.configured),
                Ceiling::Adopt => limit.min(MAX_ADOPTED),
            };
            s.trim(now);
        }
        // A `Retry-After` says exactly when capacity returns; without one,
        // requests the server counted and we did not (other clients of the
        // same token) are counted as if granted now.
        let remaining = quota.remaining.filter(|_| hold.is_none());
        if let Some(remaining) = remaining {
            let used = s.limit.saturating_sub(remaining) as usize;
            let since = now.checked_sub(s.window);
            let recent = s
                .granted
                .iter()
                .filter(|t| since.is_none_or(|since| **t > since))
                .count();
            if used > recent {
                // In one pass: a quota may be large, and inserting one by
                // one would cost a pass each.
                let at = s.granted.partition_point(|t| *t <= now);
                let later = s.granted.split_off(at);
                s.granted
                    .extend(std::iter::repeat_n(now, (used - recent).min(MAX_FILL)));
                s.granted.extend(later);
                s.trim(now);
            }
        }
        if let Some(wait) = hold {
            let until = now
                .checked_add(wait.min(MAX_HOLD))
                .or_else(|| now.checked_add(Duration::from_secs(24 * 3600)))
                .unwrap_or(now);
            s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        }
    }

    #[cfg(test)]
    fn snapshot(&self) -> (u32, usize) {
        let s = self.lock();
        (s.limit, s.granted.len())
    }
}

/// What a store answers to a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) enum Grant {
    /// Granted: send after this wait.
    Wait(Duration),
    /// Not granted: the wait would be this, longer than allowed.
    TooLong(Duration),
}

/// A store's answer; the error says why the store could not be used.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) type StoreFuture<'a, T> = std::pin::Pin<
    Box<dyn std::future::Future<Output = std::result::Result<T, String>> + Send + 'a>,
>;

/// Why no slot was granted.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The wait would exceed what the call allows; the limiter that said so.
    TooLong(Duration, LimiterKind),
    /// The shared store is unreachable and the client fails closed.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    StoreDown(String),
}

/// A send slot reserved: how long to wait for it, which limiter granted
/// it, and why the shared store was not used when it fell back.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) wait: Duration,
    pub(crate) limiter: LimiterKind,
    pub(crate) fallback: Option<String>,
}

/// The limiter of a transport: its state in this process, and, with the
/// `redis` feature, in a store shared by every process with the same
/// credential (the local one is then the fallback).
#[derive(Debug, Clone)]
pub(crate) struct Limiter {
    local: RateLimiter,
    #[cfg(feature = "redis")]
    shared: Option<(
        Arc<super::shared_limit::RedisStore>,
        super::shared_limit::StoreFailure,
    )>,
}

impl Limiter {
    pub(crate) fn local(limit: RateLimit, ceiling: Ceiling, now: Instant) -> Self {
        Limiter {
            local: RateLimiter::new(limit, ceiling, now),
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    #[cfg(feature = "redis")]
    pub(crate) fn shared(
        limit: RateLimit,
        now: Instant,
        store: super::shared_limit::RedisStore,
        on_failure: super::shared_limit::StoreFailure,
    ) -> Self {
        Limiter {
            // The caller's quota: a shared limit never adopts upward.
            local: RateLimiter::new(limit, Ceiling::Fixed, now),
            shared: Some((Arc::new(store), on_failure)),
        }
    }

    /// Reserves a send slot at most `max_wait` away, without waiting for
    /// it: the transport reports the wait to its hooks before it sleeps.
    pub(crate) async fn reserve(
        &self,
        clock: &dyn Clock,
        max_wait: Duration,
    ) -> Result<Slot, Refusal> {
        #[cfg(feature = "redis")]
        let mut fallback = None;
        #[cfg(feature = "redis")]
        if let Some((store, on_failure)) = &self.shared {
            match store.reserve(max_wait).await {
                Ok(Grant::Wait(wait)) => {
                    return Ok(Slot {
                        wait,
                        limiter: LimiterKind::Shared,
                        fallback: None,
                    });
                }
                Ok(Grant::TooLong(wait)) => {
                    return Err(Refusal::TooLong(wait, LimiterKind::Shared));
                }
                Err(e) => match on_failure {
                    super::shared_limit::StoreFailure::FailClosed => {
                        return Err(Refusal::StoreDown(e));
                    }
                    _ => {
                        if !e.starts_with(super::shared_limit::RECENTLY_DOWN) {
                            tracing::warn!(error = %e, "shared rate limit unreachable; using this process's limiter");
                        }
                        fallback = Some(e);
                    }
                },
            }
        }
        #[cfg(not(feature = "redis"))]
        let fallback: Option<String> = None;
        let limiter = if fallback.is_some() {
            LimiterKind::LocalFallback
        } else {
            LimiterKind::Local
        };
        match self.local.reserve(clock.now(), Some(max_wait)) {
            Ok(wait) => Ok(Slot {
                wait,
                limiter,
                fallback,
            }),
            Err(wait) => Err(Refusal::TooLong(wait, limiter)),
        }
    }

    /// Learns from a response (and shares what matters).
    pub(crate) async fn observe(
        &self,
        quota: AnnouncedQuota,
        hold: Option<Duration>,
        now: Instant,
    ) {
        self.local.observe(quota, hold, now);
        #[cfg(feature = "redis")]
        if let Some((store, _)) = &self.shared
            && let Some(update) = store.observe(quota, hold)
            && let Err(e) = update.await
            && !e.starts_with(super::shared_limit::RECENTLY_DOWN)
        {
            tracing::warn!(error = %e, "could not share a rate-limit answer");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Dialect, GenericDialect};
    use reqwest::header::HeaderMap;

    fn quota(h: &HeaderMap) -> AnnouncedQuota {
        GenericDialect.announced_quota(h)
    }
    use crate::http::ManualClock;
    use reqwest::header::HeaderValue;

    #[tokio::test]
    async fn waits_until_the_oldest_grant_is_a_window_old() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(
            RateLimit::new(2, Duration::from_secs(10)),
            Ceiling::Fixed,
            clock.now(),
        );
        assert_eq!(rl.acquire(&clock, &clock, None).await, Ok(Duration::ZERO));
        clock.advance(Duration::from_secs(3));
        assert_eq!(rl.acquire(&clock, &clock, None).await, Ok(Duration::ZERO));
        // The first grant (t=0) leaves the window (10 s and a 100 ms
        // margin) at t=10.1: 7.1 s from now.
        let ms = Duration::from_millis;
        assert_eq!(rl.acquire(&clock, &clock, None).await, Ok(ms(7100)));
        // The second (t=3) at t=13.1.
        assert_eq!(rl.acquire(&clock, &clock, None).await, Ok(ms(3000)));
        assert_eq!(clock.sleeps(), vec![ms(7100), ms(3000)]);
    }

    #[tokio::test]
    async fn a_wait_past_max_wait_fails_at_once_and_takes_no_slot() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(
            RateLimit::new(1, Duration::from_secs(60)),
            Ceiling::Fixed,
            clock.now(),
        );
        assert_eq!(rl.acquire(&clock, &clock, None).await, Ok(Duration::ZERO));
        let max = Some(Duration::from_secs(5));
        assert_eq!(
            rl.acquire(&clock, &clock, max).await,
            Err(Duration::from_millis(60_100))
        );
        assert!(clock.sleeps().is_empty());
        assert_eq!(rl.snapshot(), (1, 1));
    }

    #[tokio::test]
    async fn learns_quota_and_remaining_from_headers() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(RateLimit::per_minute(60), Ceiling::Fixed, clock.now());
        let mut h = HeaderMap::new();
        h.insert("X-RateLimit-Limit", HeaderValue::from_static("5"));
        h.insert("X-RateLimit-Remaining", HeaderValue::from_static("1"));
        rl.observe(quota(&h), None, clock.now());
        assert_eq!(rl.snapshot(), (5, 4));
        assert_eq!(rl.acquire(&clock, &clock, None).await, Ok(Duration::ZERO));
        assert_eq!(
            rl.acquire(&clock, &clock, None).await,
            Ok(Duration::from_millis(60_100))
        );
    }

    fn announce(rl: &RateLimiter, clock: &ManualClock, limit: &'static str) -> u32 {
        let mut h = HeaderMap::new();
        h.insert("X-RateLimit-Limit", HeaderValue::from_static(limit));
        rl.observe(quota(&h), None, clock.now());
        rl.snapshot().0
    }

    #[test]
    fn a_default_quota_follows_the_announcement_up_and_down() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(RateLimit::per_minute(60), Ceiling::Adopt, clock.now());
        assert_eq!(announce(&rl, &clock, "1000"), 1000);
        assert_eq!(announce(&rl, &clock, "30"), 30);
        assert_eq!(announce(&rl, &clock, "500"), 500);
        // Nonsense changes nothing; an absurd quota is held to the cap.
        assert_eq!(announce(&rl, &clock, "0"), 500);
        assert_eq!(announce(&rl, &clock, "many"), 500);
        assert_eq!(announce(&rl, &clock, "4294967295"), MAX_ADOPTED);
    }

    #[test]
    fn a_callers_quota_is_only_ever_lowered() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(RateLimit::per_minute(60), Ceiling::Fixed, clock.now());
        assert_eq!(announce(&rl, &clock, "1000"), 60);
        assert_eq!(announce(&rl, &clock, "30"), 30);
        assert_eq!(announce(&rl, &clock, "500"), 60);
    }

    /// A hostile answer (the largest quota, none of it left) neither fills
    /// memory nor panics, and holds the next request a window.
    #[tokio::test]
    async fn a_hostile_quota_and_remaining_are_bounded() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(RateLimit::per_minute(60), Ceiling::Adopt, clock.now());
        let mut h = HeaderMap::new();
        h.insert("X-RateLimit-Limit", HeaderValue::from_static("4294967295"));
        h.insert("X-RateLimit-Remaining", HeaderValue::from_static("0"));
        rl.observe(quota(&h), None, clock.now());
        assert_eq!(rl.snapshot(), (MAX_ADOPTED, MAX_ADOPTED as usize));
        assert_eq!(
            rl.acquire(&clock, &clock, None).await,
            Ok(Duration::from_millis(60_100))
        );
    }

    /// Memory follows one window's traffic, not the quota: grants a window
    /// old are dropped.
    #[tokio::test]
    async fn grants_older_than_a_window_are_forgotten() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(RateLimit::per_minute(1_000), Ceiling::Fixed, clock.now());
        for _ in 0..100 {
            for _ in 0..10 {
                assert_eq!(rl.acquire(&clock, &clock, None).await, Ok(Duration::ZERO));
            }
            clock.advance(Duration::from_secs(61));
        }
        rl.acquire(&clock, &clock, None).await.unwrap();
        assert_eq!(rl.snapshot(), (1_000, 1));
    }

    #[tokio::test]
    async fn retry_after_holds_every_request() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(RateLimit::per_minute(100), Ceiling::Fixed, clock.now());
        rl.observe(
            quota(&HeaderMap::new()),
            Some(Duration::from_secs(9)),
            clock.now(),
        );
        let other = rl.clone();
        assert_eq!(
            other.acquire(&clock, &clock, None).await,
            Ok(Duration::from_secs(9))
        );
        assert_eq!(rl.acquire(&clock, &clock, None).await, Ok(Duration::ZERO));
    }

    #[tokio::test]
    async fn an_absurd_retry_after_neither_panics_nor_hangs_a_bounded_call() {
        let clock = ManualClock::new();
        let rl = RateLimiter::new(RateLimit::per_second(40), Ceiling::Fixed, clock.now());
        rl.observe(quota(&HeaderMap::new()), Some(Duration::MAX), clock.now());
        rl.observe(
            quota(&HeaderMap::new()),
            Some(Duration::from_secs(u64::MAX)),
            clock.now(),
        );
        let got = rl
            .acquire(&clock, &clock, Some(Duration::from_secs(5)))
            .await;
        assert_eq!(got, Err(MAX_HOLD));
    }

    /// Many tasks on tokio's paused clock: the grants never put more than
    /// the quota into any window, wherever it starts, and every task is
    /// served.
    #[tokio::test(start_paused = true)]
    async fn concurrent_tasks_never_exceed_the_quota_in_any_sliding_window() {
        use crate::http::{SystemClock as TokioClock, TokioSleeper};
        let limit = 40;
        let window = Duration::from_secs(1);
        let rl = RateLimiter::new(
            RateLimit::new(limit, window),
            Ceiling::Fixed,
            TokioClock.now(),
        );
        let times = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for task in 0..16u64 {
            let (rl, times) = (rl.clone(), times.clone());
            tasks.push(tokio::spawn(async move {
                // Stagger the starts so grants fall across window edges.
                tokio::time::sleep(Duration::from_millis(task * 3)).await;
                for _ in 0..25 {
                    rl.acquire(&TokioClock, &TokioSleeper, None).await.unwrap();
                    times.lock().unwrap().push(tokio::time::Instant::now());
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mut times = times.lock().unwrap().clone();
        times.sort();
        assert_eq!(times.len(), 400);
        let most = (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|t| **t < times[i] + window)
                    .count()
            })
            .max()
            .unwrap();
        assert_eq!(most, limit as usize, "most grants in one sliding window");
        // No capacity is wasted: grant k comes exactly a window (and the
        // 5% margin) after grant k-40.
        for k in 40..400 {
            assert_eq!(times[k] - times[k - 40], window + window / 20, "grant {k}");
        }
    }
}
