//! Many workers, one quota: the Redis-backed rate limit (feature `redis`).
//!
//! These tests need a Redis: `BILLKIT_TEST_REDIS_URL` (set by `.ci/run`,
//! which starts one), and `redis-server` on the PATH for the test that
//! stops its own. Without them they say so and pass locally; under CI
//! (`CI` set) a missing Redis fails them, so they are never skipped there.

mod builders;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use billkit::Error;
use billkit::billmora::Client;
use billkit::http::{RateLimit, RetryPolicy, SharedRateLimit, StoreFailure};
use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};

const QUOTA: u32 = 50;

/// The tests here measure against one machine's worth of CPU: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const WORKERS: usize = 4;
const PER_WORKER: usize = 100;

/// The test Redis, or `None` (with a note) when there is none locally.
fn redis_url() -> Option<String> {
    match std::env::var("BILLKIT_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI must provide a Redis: BILLKIT_TEST_REDIS_URL is not set")
        }
        _ => {
            eprintln!("skipped: no Redis (set BILLKIT_TEST_REDIS_URL, as .ci/run does)");
            None
        }
    }
}

/// A key prefix no other run shares, so leftovers cannot interfere.
fn fresh_prefix() -> String {
    format!("billkit-test:{}:{}", std::process::id(), fastrand::u64(..))
}

fn client(
    base_url: &str,
    token: &str,
    shared: SharedRateLimit,
) -> billkit::Result<billkit::billmora::Client> {
    Client::builder()
        .base_url(base_url)
        .token(token)
        .rate_limit(Some(RateLimit::per_second(QUOTA)))
        .shared_rate_limit(shared)
        // A 429 must surface, not be waited out.
        .retry(RetryPolicy::none())
        .build()
}

/// One worker process: `PER_WORKER` calls, then a report line on stdout.
/// Runs only when spawned by `four_processes_share_one_quota`.
#[test]
fn worker() {
    let Ok(spec) = std::env::var("BILLKIT_SHARED_LIMIT_WORKER") else {
        return;
    };
    // Sanctum tokens hold `|`: lines keep the fields apart.
    let parts: Vec<&str> = spec.lines().collect();
    let [base_url, token, redis, prefix] = parts[..] else {
        panic!("bad worker spec {spec}");
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let shared = SharedRateLimit::redis(redis).unwrap().key_prefix(prefix);
        let c = client(base_url, token, shared).unwrap();
        let (mut ok, mut throttled, mut other) = (0, 0, 0);
        for _ in 0..PER_WORKER {
            match c.users().get(SEED_USER_ID).await {
                Ok(_) => ok += 1,
                Err(e) if e.status().map(|s| s.as_u16()) == Some(429) => throttled += 1,
                Err(e) => {
                    eprintln!("worker error: {e}");
                    other += 1
                }
            }
        }
        println!("WORKER ok={ok} throttled={throttled} other={other}");
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_one_quota() {
    let Some(redis) = redis_url() else {
        return;
    };
    let _one_at_a_time = SERIAL.lock().await;
    let sandbox = BillmoraSandbox::start().await.unwrap();
    sandbox.set_rate_limit(1_000_000);
    // The server counts in sliding windows: 51 in any second is a 429.
    sandbox
        .server()
        .sliding_rate_limit(Some((QUOTA, Duration::from_secs(1))));
    let prefix = fresh_prefix();
    let spec = format!(
        "{}\n{}\n{}\n{}",
        sandbox.base_url(),
        sandbox.token(),
        redis,
        prefix
    );
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let children: Vec<_> = (0..WORKERS)
        .map(|_| {
            Command::new(&exe)
                .args(["--exact", "worker", "--nocapture", "--test-threads=1"])
                .env("BILLKIT_SHARED_LIMIT_WORKER", &spec)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    let (mut ok, mut throttled, mut other) = (0, 0, 0);
    for out in &outputs {
        assert!(out.status.success(), "a worker failed: {:?}", out.status);
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.split_once("WORKER ").map(|(_, r)| r))
            .unwrap_or_else(|| panic!("no report in {text}"));
        for field in line.split_whitespace() {
            let (k, v) = field.split_once('=').unwrap();
            let v: usize = v.parse().unwrap();
            match k {
                "ok" => ok += v,
                "throttled" => throttled += v,
                _ => other += v,
            }
        }
    }
    let total = WORKERS * PER_WORKER;
    let ideal = Duration::from_secs_f64((total as f64 / f64::from(QUOTA)).max(1.0));
    println!(
        "{WORKERS} processes x {PER_WORKER} requests, quota {QUOTA}/s: ok {ok}, 429s {throttled}, other {other}; {:.2} s, {:.2}x the ideal {:.0} s",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() / ideal.as_secs_f64(),
        ideal.as_secs_f64()
    );
    assert_eq!(throttled, 0, "the shared quota was exceeded");
    assert_eq!(sandbox.server().throttled(), 0);
    assert_eq!(ok, total);
    assert_eq!(other, 0);

    // The state is keyed by a fingerprint, never by the token.
    let r = redis::Client::open(redis.as_str()).unwrap();
    let mut conn = r.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    let token = sandbox.token();
    let secret = token.split('|').next_back().unwrap();
    for key in &keys {
        assert!(!key.contains(secret), "{key}");
        assert!(key.starts_with(&format!("{prefix}:billmora:")), "{key}");
    }
}

/// Starts a private `redis-server` on a free port; `None` when the binary
/// is missing locally.
fn private_redis() -> Option<(std::process::Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(_) if std::env::var_os("CI").is_some() => panic!("CI must install redis-server"),
        Err(_) => {
            eprintln!("skipped: redis-server is not installed");
            return None;
        }
    };
    // Wait until it accepts connections.
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((child, format!("redis://127.0.0.1:{port}")));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("redis-server did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_redis_stops_workers_carry_on_or_fail_closed_as_chosen() {
    let _one_at_a_time = SERIAL.lock().await;
    let Some((mut redis, url)) = private_redis() else {
        return;
    };
    let sandbox = BillmoraSandbox::start().await.unwrap();
    sandbox.set_rate_limit(1_000_000);
    let prefix = fresh_prefix();
    let open = client(
        &sandbox.base_url(),
        sandbox.token(),
        SharedRateLimit::redis(&url).unwrap().key_prefix(&prefix),
    )
    .unwrap();
    let closed = client(
        &sandbox.base_url(),
        sandbox.token(),
        SharedRateLimit::redis(&url)
            .unwrap()
            .key_prefix(&prefix)
            .on_failure(StoreFailure::FailClosed),
    )
    .unwrap();
    for _ in 0..10 {
        open.users().get(SEED_USER_ID).await.unwrap();
        closed.users().get(SEED_USER_ID).await.unwrap();
    }
    redis.kill().unwrap();
    redis.wait().unwrap();
    // Falling back: every call still goes through, with the local quota.
    let before = sandbox.server().requests_served();
    for _ in 0..60 {
        open.users().get(SEED_USER_ID).await.unwrap();
    }
    assert_eq!(sandbox.server().requests_served() - before, 60);
    // Failing closed: a typed error at once, nothing sent, no hang.
    let before = sandbox.server().requests_served();
    let started = Instant::now();
    let err = closed.users().get(SEED_USER_ID).await.unwrap_err();
    assert!(matches!(err, Error::RateLimitStore(_)), "{err}");
    assert_eq!(err.outcome(), billkit::Outcome::NotApplied);
    assert!(err.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(sandbox.server().requests_served(), before);
}

#[test]
fn the_redis_key_never_holds_the_token() {
    let shared = SharedRateLimit::redis("redis://:hunter2@127.0.0.1:1/0").unwrap();
    let shown = format!("{shared:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let c = client("http://127.0.0.1:1/api/v1", "tok-secret-123", shared).unwrap();
    assert!(!format!("{c:?}").contains("tok-secret-123"));
}
