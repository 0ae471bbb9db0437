//! Once each: concurrent claims of one id, done and release, lease and
//! record expiry on a manual clock, and the Redis store shared by two
//! "replicas" (skipped without `BILLKIT_TEST_REDIS_URL`, failing under CI).

use std::sync::Arc;
use std::time::Duration;

use billkit::billpro::notifications::{Begin, Dedup, DedupStore, MemoryStore, Once, OnceError};
use billkit::http::ManualClock;

/// `n` claims of one id at once: how many got to process it.
async fn race(dedup: &Dedup, id: &str, n: usize) -> usize {
    let claims = futures_util::future::join_all((0..n).map(|_| dedup.begin(id))).await;
    let mut winners = 0;
    for c in claims {
        match c.unwrap() {
            Begin::Process(claim) => {
                winners += 1;
                claim.done().await.unwrap();
            }
            Begin::InProgress | Begin::AlreadyProcessed => {}
        }
    }
    winners
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_concurrent_claims_exactly_one_processes() {
    let dedup = Dedup::new(MemoryStore::new());
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let dedup = dedup.clone();
            tokio::spawn(async move { race(&dedup, "tx-1", 4).await })
        })
        .collect();
    let mut winners = 0;
    for t in tasks {
        winners += t.await.unwrap();
    }
    assert_eq!(winners, 1);
    assert!(matches!(
        dedup.begin("tx-1").await.unwrap(),
        Begin::AlreadyProcessed
    ));
}

#[tokio::test]
async fn a_held_id_is_in_progress_and_a_released_one_is_processed_again() {
    let dedup = Dedup::new(MemoryStore::new());
    let Begin::Process(first) = dedup.begin("tx").await.unwrap() else {
        panic!("a fresh id is claimed")
    };
    assert!(matches!(
        dedup.begin("tx").await.unwrap(),
        Begin::InProgress
    ));
    first.release().await.unwrap();
    let Begin::Process(second) = dedup.begin("tx").await.unwrap() else {
        panic!("a released id is claimed again")
    };
    second.done().await.unwrap();
    assert!(matches!(
        dedup.begin("tx").await.unwrap(),
        Begin::AlreadyProcessed
    ));
    // Other ids are untouched.
    assert!(matches!(
        dedup.begin("other").await.unwrap(),
        Begin::Process(_)
    ));
}

#[tokio::test]
async fn a_stale_release_does_not_drop_a_newer_claim() {
    let clock = Arc::new(ManualClock::new());
    let dedup = Dedup::new(MemoryStore::with_clock(clock.clone())).lease(Duration::from_secs(30));
    let Begin::Process(crashed) = dedup.begin("tx").await.unwrap() else {
        panic!()
    };
    clock.advance(Duration::from_secs(31));
    let Begin::Process(_newer) = dedup.begin("tx").await.unwrap() else {
        panic!("an expired lease frees the id")
    };
    crashed.release().await.unwrap();
    assert!(matches!(
        dedup.begin("tx").await.unwrap(),
        Begin::InProgress
    ));
}

#[tokio::test]
async fn leases_and_records_expire_on_the_clock() {
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::with_clock(clock.clone());
    let dedup = Dedup::new(store.clone())
        .lease(Duration::from_secs(60))
        .keep(Duration::from_secs(3600));
    let Begin::Process(held) = dedup.begin("tx").await.unwrap() else {
        panic!()
    };
    clock.advance(Duration::from_secs(59));
    assert!(matches!(
        dedup.begin("tx").await.unwrap(),
        Begin::InProgress
    ));
    clock.advance(Duration::from_secs(1));
    // The worker died: the lease ran out and a retry takes over.
    let Begin::Process(retry) = dedup.begin("tx").await.unwrap() else {
        panic!("an expired lease frees the id")
    };
    drop(held);
    retry.done().await.unwrap();
    clock.advance(Duration::from_secs(3599));
    assert!(matches!(
        dedup.begin("tx").await.unwrap(),
        Begin::AlreadyProcessed
    ));
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        dedup.begin("tx").await.unwrap(),
        Begin::Process(_)
    ));
    assert_eq!(store.len(), 1, "expired entries are swept");
}

#[tokio::test]
async fn once_records_success_and_releases_failure() {
    let dedup = Dedup::new(MemoryStore::new());
    let failed = dedup
        .once("tx", || async { Err::<(), _>("BillPro unreachable") })
        .await;
    assert!(matches!(
        failed,
        Err(OnceError::Work("BillPro unreachable"))
    ));
    let mut runs = 0;
    for _ in 0..3 {
        let r = dedup
            .once("tx", || async {
                runs += 1;
                Ok::<_, &str>(7)
            })
            .await
            .unwrap();
        assert!(matches!(r, Once::Processed(7) | Once::AlreadyProcessed));
    }
    assert_eq!(runs, 1);
}

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

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_replicas_process_each_id_once() {
    use billkit::billpro::notifications::{ClaimState, RedisStore};
    let Some(url) = redis_url() else { return };
    let prefix = format!("billkit-test:{}:{}", std::process::id(), fastrand::u64(..));
    let replicas: Vec<Dedup> = (0..3)
        .map(|_| {
            Dedup::new(RedisStore::new(&url).unwrap().prefix(prefix.clone()))
                .lease(Duration::from_secs(30))
                .keep(Duration::from_secs(120))
        })
        .collect();
    for id in ["a", "b", "c"] {
        let tasks: Vec<_> = replicas
            .iter()
            .cycle()
            .take(24)
            .map(|d| {
                let d = d.clone();
                tokio::spawn(async move { race(&d, id, 2).await })
            })
            .collect();
        let mut winners = 0;
        for t in tasks {
            winners += t.await.unwrap();
        }
        assert_eq!(winners, 1, "{id}");
    }
    // Release only drops the caller's claim; leases and records carry
    // their expiry (read back, not waited for).
    let store = RedisStore::new(&url).unwrap().prefix(prefix.clone());
    assert_eq!(
        store
            .claim("d", "token-1", Duration::from_secs(30))
            .await
            .unwrap(),
        ClaimState::Claimed
    );
    store.release("d", "token-2").await.unwrap();
    assert_eq!(
        store
            .claim("d", "token-3", Duration::from_secs(30))
            .await
            .unwrap(),
        ClaimState::Held
    );
    store.release("d", "token-1").await.unwrap();
    assert_eq!(
        store
            .claim("d", "token-4", Duration::from_secs(30))
            .await
            .unwrap(),
        ClaimState::Claimed
    );
    store.complete("d", Duration::from_secs(120)).await.unwrap();
    assert_eq!(
        store
            .claim("d", "token-5", Duration::from_secs(30))
            .await
            .unwrap(),
        ClaimState::Done
    );
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}:d"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((110_000..=120_000).contains(&ttl), "{ttl}");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}:a"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((110_000..=120_000).contains(&ttl), "{ttl}");
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn an_unreachable_redis_is_a_store_error_without_the_password() {
    use billkit::billpro::notifications::RedisStore;
    // Nothing listens on port 1.
    let dedup = Dedup::new(
        RedisStore::new("redis://:hunter2@127.0.0.1:1/0")
            .unwrap()
            .timeout(Duration::from_millis(200)),
    );
    let err = dedup.begin("tx").await.unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let store = RedisStore::new("redis://:hunter2@127.0.0.1:1/0").unwrap();
    assert!(!format!("{store:?}").contains("hunter2"));
}
