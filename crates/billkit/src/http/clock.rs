//! Injectable time and randomness, so retry and rate-limit behaviour can be
//! tested instantly and deterministically.
//!
//! The traits and the real implementations are always public (inject your
//! own clock or sleeper); [`ManualClock`], which only tests need, is behind
//! the `test-util` feature so it is not part of the stable surface.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime};

/// A boxed future returned by a [`Sleeper`].
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Tells the time.
pub trait Clock: Debug + Send + Sync {
    /// A monotonic instant, for budgets and windows.
    fn now(&self) -> Instant;
    /// The wall-clock time, for `Retry-After` given as an HTTP date.
    fn system_now(&self) -> SystemTime;
}

/// Waits.
pub trait Sleeper: Debug + Send + Sync {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// Picks the random part of a backoff delay.
pub trait Jitter: Debug + Send + Sync {
    /// A duration in `0..=max`.
    fn jitter(&self, max: Duration) -> Duration;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        // tokio's clock, so a runtime with paused time (tests) moves it too.
        tokio::time::Instant::now().into_std()
    }
    fn system_now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Sleeps on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Uniform random jitter.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomJitter;

impl Jitter for RandomJitter {
    fn jitter(&self, max: Duration) -> Duration {
        let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// No jitter at all: backoff delays are exactly their computed base.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoJitter;

impl Jitter for NoJitter {
    fn jitter(&self, _max: Duration) -> Duration {
        Duration::ZERO
    }
}

/// A clock that only moves when told to, and a sleeper that moves it instead
/// of waiting: every sleep returns at once and is recorded. Needs the
/// `test-util` feature.
///
/// ```
/// use std::time::Duration;
/// use billkit::http::{Clock, ManualClock, Sleeper};
/// # tokio_test_block_on(async {
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.sleep(Duration::from_secs(5)).await;
/// assert_eq!(clock.now() - start, Duration::from_secs(5));
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(5)]);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: std::sync::Arc<std::sync::Mutex<ManualState>>,
}

#[cfg(any(test, feature = "test-util"))]
#[derive(Debug)]
struct ManualState {
    start: Instant,
    system_start: SystemTime,
    elapsed: Duration,
    sleeps: Vec<Duration>,
}

#[cfg(any(test, feature = "test-util"))]
impl ManualClock {
    /// A clock starting at the real current time.
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// A clock whose wall-clock time starts at `system_now`.
    pub fn starting_at(system_now: SystemTime) -> Self {
        ManualClock {
            inner: std::sync::Arc::new(std::sync::Mutex::new(ManualState {
                start: Instant::now(),
                system_start: system_now,
                elapsed: Duration::ZERO,
                sleeps: Vec::new(),
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.state().elapsed += by;
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state().sleeps.clone()
    }

    /// How far the clock has moved since it was made.
    pub fn elapsed(&self) -> Duration {
        self.state().elapsed
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let s = self.state();
        s.start + s.elapsed
    }
    fn system_now(&self) -> SystemTime {
        let s = self.state();
        s.system_start + s.elapsed
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Sleeper for ManualClock {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        {
            let mut s = self.state();
            s.elapsed += duration;
            s.sleeps.push(duration);
        }
        Box::pin(std::future::ready(()))
    }
}
