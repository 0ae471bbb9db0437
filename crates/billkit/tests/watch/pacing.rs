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
