//! The quota a server announces (issue 17, item 6): adopted, higher or
//! lower, in place of an API's default; only ever lowering a quota the
//! caller set. Against a server that counts in sliding windows on the same
//! injected clock, so every 429 and every sleep is counted, not timed.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use billkit::http::{
    Clock, Config, Credentials, ManualClock, RateLimit, Request, RetryPolicy, Transport,
};
use billkit_sandbox::{FakeApi, FakeServer, SandboxRequest, SandboxResponse};
use serde_json::{Value, json};

const MINUTE: Duration = Duration::from_secs(60);

/// A server with a per-minute quota counted in sliding windows, which it
/// announces as Billmora does (`X-RateLimit-Limit`, `X-RateLimit-Remaining`
/// on every answer; 429 + `Retry-After` past the quota).
struct Quota {
    clock: ManualClock,
    limit: u32,
    seen: Mutex<VecDeque<Instant>>,
    throttled: AtomicU64,
}

impl FakeApi for Quota {
    fn handle(&self, _: &SandboxRequest) -> SandboxResponse {
        let now = self.clock.now();
        let mut seen = self.seen.lock().unwrap();
        while seen
            .front()
            .is_some_and(|t| now.duration_since(*t) >= MINUTE)
        {
            seen.pop_front();
        }
        if seen.len() >= self.limit as usize {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            let left = MINUTE - now.duration_since(seen[0]);
            return SandboxResponse::json(429, &json!({"message": "Too many requests."}))
                .with_header("Retry-After", left.as_secs().max(1).to_string())
                .with_header("X-RateLimit-Limit", self.limit.to_string())
                .with_header("X-RateLimit-Remaining", "0");
        }
        seen.push_back(now);
        let remaining = self.limit as usize - seen.len();
        SandboxResponse::json(200, &json!({}))
            .with_header("X-RateLimit-Limit", self.limit.to_string())
            .with_header("X-RateLimit-Remaining", remaining.to_string())
    }
}

/// What `calls` GETs cost against a server allowing `server_quota` a
/// minute: the 429s it sent and the client's sleeps.
async fn run(server_quota: u32, calls: usize, quota: impl FnOnce(Config) -> Config) -> Counted {
    let clock = ManualClock::new();
    let server = FakeServer::start(Quota {
        clock: clock.clone(),
        limit: server_quota,
        seen: Mutex::new(VecDeque::new()),
        throttled: AtomicU64::new(0),
    })
    .await
    .unwrap();
    let config = Config::new()
        .base_url(server.url())
        .unwrap()
        .credentials(Credentials::bearer("secret-token-123"))
        .manual_time(&clock)
        // A 429 must show, not be waited out.
        .retry(RetryPolicy::none());
    let transport = Transport::new(quota(config)).unwrap();
    let mut failed = 0;
    for _ in 0..calls {
        if transport
            .execute(Request::<Value>::get("/x"))
            .await
            .is_err()
        {
            failed += 1;
        }
    }
    let api = server.requests_served();
    Counted {
        requests: api,
        failed,
        sleeps: clock.sleeps(),
    }
}

#[derive(Debug, PartialEq)]
struct Counted {
    requests: u64,
    failed: usize,
    sleeps: Vec<Duration>,
}

fn counted(requests: u64, failed: usize, sleeps: &[Duration]) -> Counted {
    Counted {
        requests,
        failed,
        sleeps: sleeps.to_vec(),
    }
}

/// The measured case: a token allowed 1,000 a minute was held to the
/// default 60.
#[tokio::test]
async fn a_default_quota_is_raised_to_the_announced_one_without_waiting() {
    let got = run(1_000, 300, |c| {
        c.default_rate_limit(Some(RateLimit::per_minute(60)))
    })
    .await;
    assert_eq!(got, counted(300, 0, &[]));
}

/// The limiter's span is the window and its 100 ms margin.
const SPAN: Duration = Duration::from_millis(60_100);

#[tokio::test]
async fn a_default_quota_is_lowered_to_the_announced_one_with_no_429() {
    let got = run(10, 30, |c| {
        c.default_rate_limit(Some(RateLimit::per_minute(60)))
    })
    .await;
    // Ten at once, ten a window later, ten two windows later.
    assert_eq!(got, counted(30, 0, &[SPAN, SPAN]));
}

#[tokio::test]
async fn a_callers_quota_is_not_raised_by_a_higher_announcement() {
    let got = run(1_000, 150, |c| {
        c.rate_limit(Some(RateLimit::per_minute(100)))
    })
    .await;
    assert_eq!(got, counted(150, 0, &[SPAN]));
}

#[tokio::test]
async fn a_callers_quota_is_lowered_by_a_lower_announcement_with_no_429() {
    let got = run(10, 30, |c| c.rate_limit(Some(RateLimit::per_minute(100)))).await;
    assert_eq!(got, counted(30, 0, &[SPAN, SPAN]));
}

/// Without the adoption this is what the default costs: proof the server
/// above really does count and the client really did wait.
#[tokio::test]
async fn with_no_limiter_the_same_server_answers_429() {
    let got = run(10, 30, |c| c).await;
    assert_eq!(got.requests, 30);
    assert_eq!(got.failed, 20);
    assert!(got.sleeps.is_empty());
}

/// The Billmora client itself: no quota set, a token allowed 1,000 a
/// minute, 200 calls and not one sleep.
#[cfg(feature = "billmora")]
#[tokio::test]
async fn the_billmora_client_adopts_its_tokens_quota() {
    use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};
    let sandbox = BillmoraSandbox::start().await.unwrap();
    sandbox.set_rate_limit(1_000);
    let clock = ManualClock::new();
    let client = sandbox
        .client_builder()
        .manual_time(&clock)
        .build()
        .unwrap();
    let served = sandbox.server().requests_served();
    for _ in 0..200 {
        client.users().get(SEED_USER_ID).await.unwrap();
    }
    assert_eq!(sandbox.server().requests_served() - served, 200);
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
}
