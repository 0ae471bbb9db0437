//! Once each: the gateway sends a notification until it gets a 2xx, and
//! several replicas of a web service may receive copies at once, so every
//! transaction `id` is claimed before it is processed and recorded as done
//! after.
//!
//! Answer the gateway 2xx only after [`Claimed::done`] returned: if the
//! service dies between processing and recording, the gateway's retry
//! finds the claim expired and processes again (at least once, and once
//! only while the store keeps the record); if it answered first and died
//! before recording, nothing would be processed at all.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::http::{Clock, SystemClock};

/// A boxed future of a [`DedupStore`].
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// What a store found when asked to claim an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClaimState {
    /// Nobody had it: the caller now holds it.
    Claimed,
    /// It was processed already.
    Done,
    /// Another worker holds it and has not finished (or its lease has not
    /// run out yet).
    Held,
}

/// Where claims and records live. One [`claim`](Self::claim) must be a
/// single atomic step, so two replicas can never both get
/// [`ClaimState::Claimed`] for one id.
pub trait DedupStore: fmt::Debug + Send + Sync {
    /// Claims `id` for `lease` with the caller's `token`, unless it is
    /// held or done.
    fn claim<'a>(
        &'a self,
        id: &'a str,
        token: &'a str,
        lease: Duration,
    ) -> StoreFuture<'a, ClaimState>;
    /// Records `id` as done, kept for `keep`.
    fn complete<'a>(&'a self, id: &'a str, keep: Duration) -> StoreFuture<'a, ()>;
    /// Gives up a claim made with `token` (a later claim by someone else
    /// is left alone).
    fn release<'a>(&'a self, id: &'a str, token: &'a str) -> StoreFuture<'a, ()>;
}

/// A store that could not be reached or answered strangely. Answer the
/// gateway 5xx: it will try again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notification dedup store: {message}")]
pub struct StoreError {
    message: String,
}

impl StoreError {
    /// An error with a message (no secrets in it, please).
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
        }
    }
}

/// Processes each transaction id once across everything sharing its store.
///
/// ```
/// use billkit::billpro::notifications::{Begin, Dedup, MemoryStore};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let dedup = Dedup::new(MemoryStore::new());
/// match dedup.begin("8ac7a4a1").await? {
///     Begin::Process(claim) => {
///         // ... act on the payment, then record it, then answer 2xx.
///         claim.done().await?;
///     }
///     Begin::AlreadyProcessed => { /* answer 2xx: nothing to do */ }
///     Begin::InProgress => { /* answer 5xx: the gateway retries later */ }
/// }
/// assert!(matches!(dedup.begin("8ac7a4a1").await?, Begin::AlreadyProcessed));
/// # Ok::<(), billkit::billpro::notifications::StoreError>(()) }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct Dedup {
    store: Arc<dyn DedupStore>,
    lease: Duration,
    keep: Duration,
}

/// The outcome of [`Dedup::begin`].
#[derive(Debug)]
#[must_use = "a claim that is neither done nor released blocks its id until the lease ends"]
pub enum Begin<'a> {
    /// Process it, then call [`Claimed::done`] (or [`Claimed::release`] on
    /// failure).
    Process(Claimed<'a>),
    /// Processed before: answer 2xx and do nothing.
    AlreadyProcessed,
    /// Being processed elsewhere right now: answer 5xx so the gateway
    /// comes back (it then finds it done, or the lease expired).
    InProgress,
}

/// The right to process one id, until the lease runs out.
#[derive(Debug)]
#[must_use = "call done() after processing, or release() on failure"]
pub struct Claimed<'a> {
    dedup: &'a Dedup,
    id: String,
    token: String,
}

impl Claimed<'_> {
    /// Records the id as processed; answer the gateway 2xx after this.
    pub async fn done(self) -> Result<(), StoreError> {
        self.dedup.store.complete(&self.id, self.dedup.keep).await
    }

    /// Gives the id up so the gateway's next retry processes it.
    pub async fn release(self) -> Result<(), StoreError> {
        self.dedup.store.release(&self.id, &self.token).await
    }
}

impl Dedup {
    /// Over `store`, with a 60-second lease and records kept 7 days (the
    /// gateway retries for well under a day).
    pub fn new(store: impl DedupStore + 'static) -> Self {
        Dedup {
            store: Arc::new(store),
            lease: Duration::from_secs(60),
            keep: Duration::from_secs(7 * 24 * 3600),
        }
    }

    /// How long a claim holds when its worker neither finishes nor
    /// releases it (it crashed): then a retry may process the id again.
    /// Make it longer than processing ever takes.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(1));
        self
    }

    /// How long a processed id is remembered; past it, a late duplicate
    /// would be processed again.
    pub fn keep(mut self, keep: Duration) -> Self {
        self.keep = keep.max(Duration::from_millis(1));
        self
    }

    /// Claims the transaction `id`.
    pub async fn begin(&self, id: &str) -> Result<Begin<'_>, StoreError> {
        let token = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        Ok(match self.store.claim(id, &token, self.lease).await? {
            ClaimState::Claimed => Begin::Process(Claimed {
                dedup: self,
                id: id.to_owned(),
                token,
            }),
            ClaimState::Done => Begin::AlreadyProcessed,
            ClaimState::Held => Begin::InProgress,
        })
    }

    /// Runs `work` for `id` unless it was processed before or is being
    /// processed elsewhere; records it done when `work` succeeds and
    /// releases it when `work` fails.
    pub async fn once<T, E, F, Fut>(&self, id: &str, work: F) -> Result<Once<T>, OnceError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        match self.begin(id).await.map_err(OnceError::Store)? {
            Begin::AlreadyProcessed => Ok(Once::AlreadyProcessed),
            Begin::InProgress => Ok(Once::InProgress),
            Begin::Process(claim) => match work().await {
                Ok(value) => {
                    claim.done().await.map_err(OnceError::Store)?;
                    Ok(Once::Processed(value))
                }
                Err(e) => {
                    // The work's error is the one to report; a failed
                    // release only delays the retry until the lease ends.
                    let _ = claim.release().await;
                    Err(OnceError::Work(e))
                }
            },
        }
    }
}

/// What [`Dedup::once`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Once<T> {
    /// The work ran and was recorded: answer 2xx.
    Processed(T),
    /// It had run before: answer 2xx.
    AlreadyProcessed,
    /// It is running elsewhere: answer 5xx.
    InProgress,
}

/// Why [`Dedup::once`] failed: answer 5xx, the gateway retries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OnceError<E> {
    /// The work failed (and the id was released).
    #[error("processing the notification failed: {0}")]
    Work(E),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

/// An in-memory store: one process only (tests, a single instance).
/// Expired entries are dropped as new claims come in.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    inner: Arc<Mutex<HashMap<String, Entry>>>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug)]
struct Entry {
    token: Option<String>,
    until: Instant,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store on the system (tokio) clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// An empty store on `clock`, so tests can move time.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        MemoryStore {
            inner: Arc::new(Mutex::new(HashMap::new())),
            clock,
        }
    }

    /// How many ids are held or remembered (expired ones included until
    /// the next claim sweeps them).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is held or remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn until(&self, d: Duration) -> Instant {
        let now = self.clock.now();
        now.checked_add(d)
            .unwrap_or(now + Duration::from_secs(u32::MAX.into()))
    }
}

impl DedupStore for MemoryStore {
    fn claim<'a>(
        &'a self,
        id: &'a str,
        token: &'a str,
        lease: Duration,
    ) -> StoreFuture<'a, ClaimState> {
        let now = self.clock.now();
        let until = self.until(lease);
        let mut map = self.lock();
        map.retain(|_, e| e.until > now);
        let state = match map.get(id) {
            Some(Entry { token: None, .. }) => ClaimState::Done,
            Some(_) => ClaimState::Held,
            None => {
                map.insert(
                    id.to_owned(),
                    Entry {
                        token: Some(token.to_owned()),
                        until,
                    },
                );
                ClaimState::Claimed
            }
        };
        Box::pin(std::future::ready(Ok(state)))
    }

    fn complete<'a>(&'a self, id: &'a str, keep: Duration) -> StoreFuture<'a, ()> {
        let until = self.until(keep);
        self.lock()
            .insert(id.to_owned(), Entry { token: None, until });
        Box::pin(std::future::ready(Ok(())))
    }

    fn release<'a>(&'a self, id: &'a str, token: &'a str) -> StoreFuture<'a, ()> {
        let mut map = self.lock();
        if map.get(id).and_then(|e| e.token.as_deref()) == Some(token) {
            map.remove(id);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(feature = "redis")]
pub use self::redis_store::RedisStore;

#[cfg(feature = "redis")]
mod redis_store {
    use super::*;

    /// Claims atomically: the current value if there is one, else the
    /// caller's token with the lease as expiry and nothing returned.
    const CLAIM: &str = r"
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
";

    /// Deletes the claim only if it is still the caller's.
    const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
";

    /// The value of a processed id; tokens are hex, so never equal to it.
    const DONE: &str = "done";

    /// A store in Redis (feature `redis`), shared by every replica: each
    /// claim is one Lua script, so two replicas never both process an id.
    /// Keys are `PREFIX:ID` and expire on their own.
    #[derive(Clone)]
    pub struct RedisStore {
        client: redis::Client,
        conn: Arc<tokio::sync::OnceCell<redis::aio::ConnectionManager>>,
        prefix: String,
        timeout: Duration,
    }

    impl fmt::Debug for RedisStore {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            // The URL may hold a password: only the address is shown.
            let info = self.client.get_connection_info();
            f.debug_struct("RedisStore")
                .field("redis", &info.addr().to_string())
                .field("prefix", &self.prefix)
                .finish_non_exhaustive()
        }
    }

    impl RedisStore {
        /// A store in the Redis at `url` (`redis://host:port/db`,
        /// `rediss://` for TLS), keys under `billkit:notification`.
        /// Nothing is connected until the first claim.
        pub fn new(url: &str) -> Result<Self, StoreError> {
            let client = redis::Client::open(url)
                .map_err(|e| StoreError::new(format!("unusable Redis URL: {:?}", e.kind())))?;
            Ok(RedisStore {
                client,
                conn: Arc::default(),
                prefix: "billkit:notification".to_owned(),
                timeout: Duration::from_secs(2),
            })
        }

        /// The key prefix, to keep several listeners (or tests) apart.
        pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
            self.prefix = prefix.into();
            self
        }

        /// How long one Redis call may take before it is an error
        /// (default 2 s).
        pub fn timeout(mut self, timeout: Duration) -> Self {
            self.timeout = timeout;
            self
        }

        fn key(&self, id: &str) -> String {
            format!("{}:{id}", self.prefix)
        }

        async fn run<T: redis::FromRedisValue>(
            &self,
            cmd: impl FnOnce() -> redis::Cmd,
        ) -> Result<T, StoreError> {
            let call = async {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1);
                let mut conn = self
                    .conn
                    .get_or_try_init(|| {
                        redis::aio::ConnectionManager::new_with_config(self.client.clone(), config)
                    })
                    .await
                    .map_err(|e| StoreError::new(format!("{:?}", e.kind())))?
                    .clone();
                cmd()
                    .query_async::<T>(&mut conn)
                    .await
                    .map_err(|e| StoreError::new(format!("{:?}", e.kind())))
            };
            tokio::time::timeout(self.timeout * 2, call)
                .await
                .unwrap_or_else(|_| Err(StoreError::new("Redis did not answer in time")))
        }
    }

    /// `EVAL` of a short script: one atomic step in Redis.
    fn script(src: &str, key: String, args: &[String]) -> redis::Cmd {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(src).arg(1).arg(key);
        for a in args {
            cmd.arg(a);
        }
        cmd
    }

    fn millis(d: Duration) -> String {
        d.as_millis().clamp(1, u128::from(u64::MAX)).to_string()
    }

    impl DedupStore for RedisStore {
        fn claim<'a>(
            &'a self,
            id: &'a str,
            token: &'a str,
            lease: Duration,
        ) -> StoreFuture<'a, ClaimState> {
            Box::pin(async move {
                let found: Option<String> = self
                    .run(|| script(CLAIM, self.key(id), &[token.to_owned(), millis(lease)]))
                    .await?;
                Ok(match found.as_deref() {
                    None => ClaimState::Claimed,
                    Some(DONE) => ClaimState::Done,
                    Some(_) => ClaimState::Held,
                })
            })
        }

        fn complete<'a>(&'a self, id: &'a str, keep: Duration) -> StoreFuture<'a, ()> {
            Box::pin(async move {
                self.run::<()>(|| {
                    let mut cmd = redis::cmd("SET");
                    cmd.arg(self.key(id)).arg(DONE).arg("PX").arg(millis(keep));
                    cmd
                })
                .await
            })
        }

        fn release<'a>(&'a self, id: &'a str, token: &'a str) -> StoreFuture<'a, ()> {
            Box::pin(async move {
                self.run::<i64>(|| script(RELEASE, self.key(id), &[token.to_owned()]))
                    .await
                    .map(drop)
            })
        }
    }
}
