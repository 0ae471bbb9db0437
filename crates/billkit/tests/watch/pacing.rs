//! Feeds against a server that counts requests in sliding windows
//! (`FakeServer::sliding_rate_limit`, on tokio's clock): paced by their
//! interval and the client's rate limit they get no 429; unpaced, the same
//! walks do. On paused tokio time, so a minute costs nothing.

use std::time::Duration;

use billkit::http::{RateLimit, RetryPolicy};
use billkit::watch::{Feed, FeedOptions, MIN_FEED_INTERVAL, Watched};
use billkit_sandbox::FakeServer;

use crate::common::Script;

const MINUTE: Duration = Duration::from_secs(60);
/// The server's quota: this many requests in any sliding minute, fewer
/// than one walk's pages, so the client's rate limit must space them.
const QUOTA: u32 = 4;
const WALKS: usize = 6;

/// Walks `feed` `WALKS` times; returns the 429s the server sent and the
/// requests it served meanwhile.
async fn walk<T: Watched>(mut feed: Feed<T>, server: &FakeServer) -> (u64, u64) {
    let (throttled, served) = (server.throttled(), server.requests_served());
    for _ in 0..WALKS {
        // A walk cut short by a 429 fails; the next one starts afresh.
        let _ = feed.poll_once().await;
    }
    (
        server.throttled() - throttled,
        server.requests_served() - served,
    )
}

/// The 429s of a paced feed (the default interval and a client quota
/// equal to the server's) and of an unpaced one (the shortest interval,
/// no client quota), each on a fresh minute.
async fn paced_and_unpaced<T: Watched>(
    server: &FakeServer,
    paced: Feed<T>,
    unpaced: Feed<T>,
    pages: u64,
) {
    server.sliding_rate_limit(Some((QUOTA, MINUTE)));
    let (throttled, served) = walk(paced, server).await;
    assert_eq!(throttled, 0, "a paced feed was answered 429");
    assert_eq!(served, pages * WALKS as u64, "every page of every walk");
    tokio::time::sleep(MINUTE).await;
    let (throttled, _) = walk(unpaced, server).await;
    assert!(
        throttled > 0,
        "the server's quota never bit: the test proves nothing"
    );
}

/// A client paced by a quota equal to the server's, and one with no
/// quota that does not wait a 429 out; both on tokio's (paused) clock.
macro_rules! clients {
    ($sandbox:expr) => {
        (
            $sandbox
                .client_builder()
                .rate_limit(Some(RateLimit::new(QUOTA, MINUTE)))
                .build()
                .unwrap(),
            $sandbox
                .client_builder()
                .rate_limit(None)
                .retry(RetryPolicy::none())
                .build()
                .unwrap(),
        )
    };
}

fn unpaced() -> FeedOptions {
    FeedOptions::new().interval(MIN_FEED_INTERVAL)
}

#[tokio::test(start_paused = true)]
async fn billy_feed_stays_within_a_sliding_quota() {
    let mut script = crate::billy::Invoices::start().await;
    for _ in 0..100 {
        script.file(1_000, None).await;
    }
    let sandbox = &script.sandbox;
    // Real (paused) tokio time, the sliding window's clock.
    let (paced, unpaced_client) = clients!(sandbox);
    paced_and_unpaced(
        sandbox.server(),
        paced
            .invoices()
            .watch(&Default::default(), FeedOptions::default()),
        unpaced_client
            .invoices()
            .watch(&Default::default(), unpaced()),
        6,
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn billpro_feed_stays_within_a_sliding_quota() {
    let mut script = crate::billpro::Payments::start().await;
    while script.count() < 100 {
        script.place(4).await;
    }
    let sandbox = &script.sandbox;
    let (paced, unpaced_client) = clients!(sandbox);
    paced_and_unpaced(
        sandbox.server(),
        paced.scheduled_payments().watch(FeedOptions::default()),
        unpaced_client.scheduled_payments().watch(unpaced()),
        u64::try_from(script.count() / 25 + 1).unwrap(),
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn billmora_feed_stays_within_a_sliding_quota() {
    let mut script = crate::billmora::Invoices::start().await;
    // Only the sliding quota counts here, not Billmora's own.
    script.sandbox.set_rate_limit(1_000_000);
    while script.count() < 100 {
        script.create(1_000).await;
    }
    let sandbox = &script.sandbox;
    let (paced, unpaced_client) = clients!(sandbox);
    paced_and_unpaced(
        sandbox.server(),
        paced
            .invoices()
            .watch(&Default::default(), FeedOptions::default()),
        unpaced_client
            .invoices()
            .watch(&Default::default(), unpaced()),
        u64::try_from(script.count().div_ceil(15)).unwrap(),
    )
    .await;
}

/// Two workers' feeds, one credential: with the quota shared through Redis
/// the server sees no more than the quota between them, in real time (a
/// few seconds); each with only its own limiter, it sees twice as much.
/// Needs `BILLKIT_TEST_REDIS_URL` (set by `.ci/run`); without it the test
/// says so and passes locally, and fails under CI.
#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_of_two_workers_share_a_redis_quota() {
    use billkit::http::SharedRateLimit;

    const PER_SECOND: u32 = 10;
    let redis = match std::env::var("BILLKIT_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI must provide a Redis: BILLKIT_TEST_REDIS_URL is not set")
        }
        _ => {
            eprintln!("skipped: no Redis (set BILLKIT_TEST_REDIS_URL, as .ci/run does)");
            return;
        }
    };
    let mut script = crate::billy::Invoices::start().await;
    for _ in 0..100 {
        script.file(1_000, None).await;
    }
    let sandbox = &script.sandbox;
    let prefix = format!(
        "billkit-watch-test:{}:{}",
        std::process::id(),
        fastrand::u64(..)
    );
    let worker = |shared: bool| {
        let builder = sandbox
            .client_builder()
            .rate_limit(Some(RateLimit::per_second(PER_SECOND)))
            .retry(RetryPolicy::none());
        let builder = if shared {
            builder.shared_rate_limit(SharedRateLimit::redis(&redis).unwrap().key_prefix(&prefix))
        } else {
            builder
        };
        let client = builder.build().unwrap();
        client.invoices().watch(&Default::default(), unpaced())
    };
    let server = sandbox.server();
    server.sliding_rate_limit(Some((PER_SECOND, Duration::from_secs(1))));
    let (before, served) = (server.throttled(), server.requests_served());
    let (a, b) = tokio::join!(walk(worker(true), server), walk(worker(true), server));
    assert_eq!((a.0, b.0), (0, 0), "a shared quota was exceeded");
    assert_eq!(server.throttled(), before);
    // Six pages a walk (100 records, 20 a page), WALKS walks each.
    assert_eq!(server.requests_served() - served, 2 * 6 * WALKS as u64);

    tokio::time::sleep(Duration::from_secs(1)).await;
    let (a, b) = tokio::join!(walk(worker(false), server), walk(worker(false), server));
    assert!(
        a.0 + b.0 > 0,
        "two unshared quotas never met the server's: the test proves nothing"
    );
}
