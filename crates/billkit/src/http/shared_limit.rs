//! A rate limit shared by every process that uses the same credential,
//! kept in Redis (feature `redis`).
//!
//! Each acquire is one Lua script, so it is atomic across processes: the
//! same sliding log as the in-process limiter (no window of the quota's
//! length ever holds more grants than the quota), kept in a sorted set and
//! timed by the Redis server's clock, so the workers' clocks need not
//! agree. What one worker learns from the server (a 429's `Retry-After`,
//! `X-RateLimit-Remaining: 0`, a new `X-RateLimit-Limit`) is written there
//! too and holds back all of them.
//!
//! The keys are `<prefix>:<api>:<fingerprint>:{log,hold,limit}`, where the
//! fingerprint is an HMAC-SHA256 of the credential under a key of yours
//! ([`SharedRateLimit::fingerprint_key`]): the token itself never reaches
//! Redis.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::OnceCell;

use super::AnnouncedQuota;
use super::rate_limit::{Grant, RateLimit, StoreFuture};
use crate::error::{Error, Result};

/// What a client does when Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StoreFailure {
    /// Carry on with this process's own limiter (the same quota, no longer
    /// shared), logging a `tracing` warning; try Redis again after a
    /// second. Workers keep going, but together they may exceed the quota
    /// until Redis is back.
    #[default]
    FallBackToLocal,
    /// Send nothing: the call fails at once with
    /// [`Error::RateLimitStore`](crate::Error::RateLimitStore).
    FailClosed,
}

/// A rate limit shared through Redis by every client, in any process, that
/// uses the same API and credential. Give it to a client builder's
/// `shared_rate_limit`, next to its `rate_limit` quota: every API's builder
/// requires that quota of yours and fails to build without it (an API's
/// default quota is not shared).
///
/// ```no_run
/// # fn demo() -> billkit::Result<()> {
/// use billkit::http::{Config, Credentials, RateLimit, SharedRateLimit, Transport};
/// let transport = Transport::new(
///     Config::new()
///         .base_url("https://billing.example.com/api/v1")?
///         .credentials(Credentials::bearer(std::env::var("API_TOKEN").unwrap_or_default()))
///         .rate_limit(Some(RateLimit::per_minute(60)))
///         .shared_rate_limit(
///             SharedRateLimit::redis("redis://127.0.0.1:6379")?
///                 .fingerprint_key(std::env::var("BILLKIT_FINGERPRINT_KEY").unwrap_or_default()),
///         ),
/// )?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SharedRateLimit {
    client: redis::Client,
    on_failure: StoreFailure,
    fingerprint_key: Vec<u8>,
    timeout: Duration,
    prefix: String,
}

impl fmt::Debug for SharedRateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: show only where it points.
        let info = self.client.get_connection_info();
        f.debug_struct("SharedRateLimit")
            .field("redis", &info.addr().to_string())
            .field("on_failure", &self.on_failure)
            .field("timeout", &self.timeout)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl SharedRateLimit {
    /// A shared limit in the Redis at `url` (`redis://host:port/db`,
    /// `rediss://` for TLS). Nothing is connected until the first request.
    pub fn redis(url: &str) -> Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| Error::Config(format!("the Redis URL is not valid: {e}")))?;
        Ok(SharedRateLimit {
            client,
            on_failure: StoreFailure::default(),
            fingerprint_key: b"billkit shared rate limit".to_vec(),
            timeout: Duration::from_millis(250),
            prefix: "billkit:rl".to_owned(),
        })
    }

    /// What to do when Redis cannot be reached (default: fall back to the
    /// local limiter with a warning).
    pub fn on_failure(mut self, choice: StoreFailure) -> Self {
        self.on_failure = choice;
        self
    }

    /// The key of the HMAC that turns the credential into the Redis key.
    /// Set one secret to your deployment (the same in every worker), so
    /// that someone who can read Redis cannot test guesses of the token.
    pub fn fingerprint_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.fingerprint_key = key.as_ref().to_vec();
        self
    }

    /// How long one Redis call may take before it counts as a failure
    /// (default 250 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The prefix of the Redis keys (default `billkit:rl`).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    pub(crate) fn on_failure_choice(&self) -> StoreFailure {
        self.on_failure
    }

    /// The store for one API and credential.
    pub(crate) fn store(&self, api: &str, secret: &[u8], quota: RateLimit) -> RedisStore {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.fingerprint_key)
            .expect("HMAC takes a key of any length");
        mac.update(api.as_bytes());
        mac.update(b"\0");
        mac.update(secret);
        let digest = mac.finalize().into_bytes();
        let fingerprint: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let api = api.to_ascii_lowercase();
        let base = format!("{}:{api}:{fingerprint}", self.prefix);
        RedisStore {
            client: self.client.clone(),
            conn: OnceCell::new(),
            timeout: self.timeout,
            keys: [
                format!("{base}:log"),
                format!("{base}:hold"),
                format!("{base}:limit"),
            ],
            quota,
            down_until: Mutex::new(None),
        }
    }
}

/// Reserves a send time in the shared log; see the module docs.
/// KEYS: log, hold, limit. ARGV: quota, window µs, max wait µs, member.
/// Returns {1, wait µs} when granted, {0, wait µs} when the wait is too long.
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(redis.call('GET', KEYS[3]) or ARGV[1])
local window = tonumber(ARGV[2])
local at = now
local hold = tonumber(redis.call('GET', KEYS[2]) or '0')
if hold > at then at = hold end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) > at then at = tonumber(last[2]) end
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local kth = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  local free = tonumber(kth[2]) + window
  if free > at then at = free end
end
local wait = at - now
if wait > tonumber(ARGV[3]) then return {0, wait} end
redis.call('ZADD', KEYS[1], at, ARGV[4])
if n + 1 > limit then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - limit) end
redis.call('PEXPIRE', KEYS[1], math.ceil((wait + window) / 1000) + 1000)
return {1, wait}
";

/// Shares what a response said. KEYS: log, hold, limit. ARGV: quota,
/// window µs, learned limit or '', remaining or '', hold µs or '', tag.
const OBSERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
if ARGV[3] ~= '' then redis.call('SET', KEYS[3], ARGV[3], 'PX', 86400000) end
local limit = tonumber(redis.call('GET', KEYS[3]) or ARGV[1])
if ARGV[5] ~= '' then
  local hold_until = now + tonumber(ARGV[5])
  local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
  if hold_until > cur then
    redis.call('SET', KEYS[2], string.format('%.0f', hold_until), 'PX', math.ceil(tonumber(ARGV[5]) / 1000) + 1000)
  end
elseif ARGV[4] ~= '' then
  local used = limit - tonumber(ARGV[4])
  local recent = redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%.0f', now - window), '+inf')
  for i = recent + 1, used do
    redis.call('ZADD', KEYS[1], now, 'seen:' .. ARGV[6] .. ':' .. i)
  end
  local n = redis.call('ZCARD', KEYS[1])
  if n > limit then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - limit - 1) end
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
end
return 1
";

/// How an error starts when Redis was skipped because it just failed.
pub(crate) const RECENTLY_DOWN: &str = "Redis was unreachable a moment ago";

/// The Redis side of one client's limiter.
pub(crate) struct RedisStore {
    client: redis::Client,
    conn: OnceCell<redis::aio::ConnectionManager>,
    timeout: Duration,
    keys: [String; 3],
    quota: RateLimit,
    /// After a failure Redis is left alone for a second, so a dead Redis
    /// costs one timeout per second, not one per request.
    down_until: Mutex<Option<Instant>>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("key", &self.keys[0])
            .finish_non_exhaustive()
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl RedisStore {
    fn is_down(&self) -> bool {
        let mut down = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        match *down {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                *down = None;
                false
            }
            None => false,
        }
    }

    fn mark_down(&self) {
        *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) =
            Instant::now().checked_add(Duration::from_secs(1));
    }

    async fn connection(&self) -> std::result::Result<redis::aio::ConnectionManager, String> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1);
        self.conn
            .get_or_try_init(|| async {
                redis::aio::ConnectionManager::new_with_config(self.client.clone(), config)
                    .await
                    .map_err(|e| e.to_string())
            })
            .await
            .cloned()
    }

    /// Runs `script`, bounded by the timeout; a failure marks Redis down.
    async fn run<T: redis::FromRedisValue>(
        &self,
        script: &redis::Script,
        args: &[String],
    ) -> std::result::Result<T, String> {
        if self.is_down() {
            return Err(format!("{RECENTLY_DOWN}: not tried again yet"));
        }
        let call = async {
            let mut conn = self.connection().await?;
            let mut invocation = script.prepare_invoke();
            for key in &self.keys {
                invocation.key(key);
            }
            for arg in args {
                invocation.arg(arg);
            }
            invocation
                .invoke_async::<T>(&mut conn)
                .await
                .map_err(|e| e.to_string())
        };
        let result = match tokio::time::timeout(self.timeout * 2, call).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "Redis did not answer within {:?}",
                self.timeout * 2
            )),
        };
        if result.is_err() {
            self.mark_down();
        }
        result
    }

    pub(crate) fn reserve(&self, max_wait: Duration) -> StoreFuture<'_, Grant> {
        Box::pin(async move {
            static SCRIPT: std::sync::OnceLock<redis::Script> = std::sync::OnceLock::new();
            let script = SCRIPT.get_or_init(|| redis::Script::new(RESERVE));
            let member = format!("{}:{}", std::process::id(), fastrand::u64(..));
            let args = [
                self.quota.requests.to_string(),
                micros(self.quota.spaced_window()).to_string(),
                micros(max_wait).to_string(),
                member,
            ];
            let (granted, wait): (i64, i64) = self.run(script, &args).await?;
            let wait = Duration::from_micros(u64::try_from(wait).unwrap_or(0));
            Ok(if granted == 1 {
                Grant::Wait(wait)
            } else {
                Grant::TooLong(wait)
            })
        })
    }

    /// Shares a 429's hold, a `Remaining: 0` or a new quota; other
    /// responses are not written, to keep Redis off the hot path.
    pub(crate) fn observe(
        &self,
        announced: AnnouncedQuota,
        hold: Option<Duration>,
    ) -> Option<StoreFuture<'_, ()>> {
        // Like the local limiter: a header may lower the quota, not raise it.
        let limit = announced
            .limit
            .filter(|l| *l > 0 && *l < self.quota.requests);
        let remaining = announced.remaining.filter(|r| *r == 0);
        if hold.is_none() && remaining.is_none() && limit.is_none() {
            return None;
        }
        let args = [
            self.quota.requests.to_string(),
            micros(self.quota.spaced_window()).to_string(),
            limit.map(|l| l.to_string()).unwrap_or_default(),
            remaining.map(|r| r.to_string()).unwrap_or_default(),
            hold.map(|h| micros(h.min(Duration::from_secs(24 * 3600))).to_string())
                .unwrap_or_default(),
            format!("{}:{}", std::process::id(), fastrand::u64(..)),
        ];
        Some(Box::pin(async move {
            static SCRIPT: std::sync::OnceLock<redis::Script> = std::sync::OnceLock::new();
            let script = SCRIPT.get_or_init(|| redis::Script::new(OBSERVE));
            self.run::<i64>(script, &args).await.map(|_| ())
        }))
    }
}
