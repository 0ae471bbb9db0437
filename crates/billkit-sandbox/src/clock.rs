//! The sandbox's own time, which a test can move forward.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// The time the fakes live in: the real time plus an offset that only
/// grows when asked ([`advance`](Self::advance)).
///
/// Every timestamp a fake writes (`created_at`, due dates, a Billmora
/// rate-limit window, a journal entry) is read from its clock, so moving
/// the clock a month ahead and running the due billing
/// ([`Sandbox::run_due_billing`](crate::Sandbox::run_due_billing)) does
/// what a month of waiting would. Clones share one offset: the fakes of a
/// [`Sandbox`](crate::Sandbox) share one clock.
///
/// ```
/// use std::time::Duration;
/// use billkit_sandbox::SandboxClock;
///
/// let clock = SandboxClock::new();
/// let before = clock.now();
/// clock.advance(Duration::from_secs(31 * 24 * 3600));
/// assert!(clock.now() - before >= chrono::TimeDelta::days(31));
/// ```
#[derive(Debug, Clone, Default)]
pub struct SandboxClock {
    offset: Arc<Mutex<TimeDelta>>,
    /// A time the clock stands still at ([`pin`](Self::pin)), for a replay
    /// that must reproduce recorded timestamps to the second.
    pinned: Arc<Mutex<Option<DateTime<Utc>>>>,
}

impl SandboxClock {
    /// A clock at the real time (offset zero).
    pub fn new() -> Self {
        Self::default()
    }

    /// The sandbox's current time: the real time plus the offset.
    pub fn now(&self) -> DateTime<Utc> {
        if let Some(at) = *self.pinned.lock().unwrap_or_else(|p| p.into_inner()) {
            return at;
        }
        let offset = self.offset();
        Utc::now()
            .checked_add_signed(offset)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Moves the clock forward by `by` (saturating far in the future).
    pub fn advance(&self, by: Duration) {
        let by = TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX);
        let mut offset = self.lock();
        *offset = offset.checked_add(&by).unwrap_or(TimeDelta::MAX);
        // A pinned clock moves by the same step and stays pinned.
        if let Some(at) = self
            .pinned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            *at = at
                .checked_add_signed(by)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
        }
    }

    /// How far ahead of the real time the clock is.
    pub fn offset(&self) -> TimeDelta {
        *self.lock()
    }

    /// Sets how far ahead of the real time the clock is (what a saved
    /// state restores).
    pub fn set_offset(&self, offset: TimeDelta) {
        *self.lock() = offset;
    }

    /// Stops the clock at `at` (`None` lets it run again from the real
    /// time plus the offset): every read answers `at` until the next pin,
    /// however long a request takes. A conformance replay pins each
    /// request to the second the recorded server answered in.
    pub fn pin(&self, at: Option<DateTime<Utc>>) {
        *self.pinned.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TimeDelta> {
        self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }
}
