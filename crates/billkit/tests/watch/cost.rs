//! What a feed costs: the requests of one walk over N records, counted in
//! the sandbox's journal, times the walks a minute at the default interval
//! (the table in `billkit::watch`'s docs).

use std::time::Duration;

use billkit::watch::{DEFAULT_FEED_INTERVAL, Feed, Watched};
use billkit_sandbox::Journal;

use crate::common::Script;

/// Walks `feed` three times and returns the requests of one walk, checking
/// that each went to `path` and that the walks were one interval apart.
async fn requests_per_walk<T: Watched>(
    mut feed: Feed<T>,
    journal: &Journal,
    path: &str,
    time: &crate::common::SharedTime,
) -> usize {
    let before = journal.last_seq();
    let sleeps = time.manual.sleeps().len();
    for _ in 0..3 {
        feed.poll_once().await.unwrap();
    }
    let walked = journal.since(before);
    assert!(
        walked
            .iter()
            .all(|e| e.method == "GET" && e.path.ends_with(path) && e.status == Some(200)),
        "{walked:?}"
    );
    assert_eq!(
        time.manual.sleeps()[sleeps..],
        [DEFAULT_FEED_INTERVAL, DEFAULT_FEED_INTERVAL]
    );
    assert_eq!(walked.len() % 3, 0);
    walked.len() / 3
}

/// Requests a minute at the default interval.
fn per_minute(per_walk: usize) -> usize {
    let walks_a_minute = Duration::from_secs(60).as_secs() / DEFAULT_FEED_INTERVAL.as_secs();
    per_walk * usize::try_from(walks_a_minute).unwrap()
}

#[tokio::test]
async fn billmora_feed_reads_15_records_a_request() {
    let mut script = crate::billmora::Invoices::start().await;
    script.sandbox.set_rate_limit(1_000_000);
    for n in [100, 1000] {
        while script.count() < n {
            script.create(1_000).await;
        }
        let feed = script
            .client
            .invoices()
            .watch(&Default::default(), Default::default());
        let per_walk =
            requests_per_walk(feed, script.sandbox.journal(), "/invoices", &script.time).await;
        eprintln!(
            "Billmora, {n} records: {per_walk} requests a walk, {} a minute",
            per_minute(per_walk)
        );
        // The envelope names the last page.
        assert_eq!(per_walk, n.div_ceil(15));
    }
}

#[tokio::test]
async fn billpro_feed_reads_25_records_a_request() {
    let mut script = crate::billpro::Payments::start().await;
    for n in [100, 1000] {
        while script.count() < n {
            let left = u32::try_from(n - script.count()).unwrap();
            script.place(left.min(4)).await;
        }
        let feed = script.client.scheduled_payments().watch(Default::default());
        let per_walk = requests_per_walk(
            feed,
            script.sandbox.journal(),
            "/scheduled_payments",
            &script.time,
        )
        .await;
        eprintln!(
            "BillPro, {n} records: {per_walk} requests a walk, {} a minute",
            per_minute(per_walk)
        );
        // Pages of 25, ending on a short (here empty) page.
        assert_eq!(per_walk, n / 25 + 1);
    }
}

#[tokio::test]
async fn billy_feed_reads_20_records_a_request() {
    let mut script = crate::billy::Invoices::start().await;
    for n in [100, 1000] {
        while script.count() < n {
            script.file(1_000, None).await;
        }
        let feed = script
            .client
            .invoices()
            .watch(&Default::default(), Default::default());
        let per_walk =
            requests_per_walk(feed, script.sandbox.journal(), "/v1/invoices", &script.time).await;
        eprintln!(
            "Billy, {n} records: {per_walk} requests a walk, {} a minute",
            per_minute(per_walk)
        );
        // Pages of 20, ending on a short (here empty) page.
        assert_eq!(per_walk, n / 20 + 1);
    }
}
