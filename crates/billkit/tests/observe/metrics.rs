//! The `metrics` feature: counts equal the sandbox's own journal.

use std::collections::BTreeMap;

use billkit::billmora::{InvoiceFilter, NewUser};
use billkit::http::{ManualClock, RetryPolicy};
use billkit_sandbox::billmora::BillmoraSandbox;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

/// Every counter as `name{label=value,...}` with its count.
fn counters(snapshotter: &Snapshotter) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        if let DebugValue::Counter(n) = value {
            let labels: Vec<String> = key
                .key()
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            out.insert(format!("{}{{{}}}", key.key().name(), labels.join(",")), n);
        }
    }
    out
}

/// Every label value of every metric, histograms included.
fn label_values(snapshotter: &Snapshotter) -> Vec<String> {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .flat_map(|(key, ..)| {
            key.key()
                .labels()
                .map(|l| l.value().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn request_and_429_counts_equal_the_sandboxs_journal() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The recorder is this thread's only, and the current-thread runtime
    // polls the client on this thread: other tests cannot add to it.
    let journal = metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let sandbox = BillmoraSandbox::start().await.unwrap();
            let canary_token = sandbox.add_token(&["*"]);
            let clock = ManualClock::new();
            let client = sandbox
                .client_builder()
                .token(canary_token.clone())
                .manual_time(&clock)
                .rate_limit(None)
                .retry(RetryPolicy::default().max_attempts(4))
                .build()
                .unwrap();
            let faults = sandbox.faults();
            faults.on("GET", "/invoices").fail(1, 503);
            faults.on("GET", "/invoices").throttle(2, 3);
            client
                .invoices()
                .list(&InvoiceFilter::new())
                .page(1)
                .await
                .unwrap();
            faults.on("POST", "/users").drop_connection(1);
            client
                .users()
                .create(&NewUser::new(
                    "Dana",
                    "Borys",
                    "dana@example.com",
                    super::CANARY_PASSWORD,
                ))
                .await
                .unwrap();
            let _ = client.users().get(999_999).await;
            (sandbox.journal().entries(), canary_token)
        })
    });
    let (entries, canary_token) = journal;
    let counters = counters(&snapshotter);

    let mut journal_by_class: BTreeMap<String, u64> = BTreeMap::new();
    for e in &entries {
        let class = e
            .status
            .map_or("none".to_owned(), |s| format!("{}xx", s / 100));
        *journal_by_class.entry(class).or_default() += 1;
    }
    let mut counted_by_class: BTreeMap<String, u64> = BTreeMap::new();
    for (key, n) in &counters {
        if let Some(rest) = key.strip_prefix("billkit_requests_total{") {
            let class = rest
                .split("status_class=")
                .nth(1)
                .unwrap()
                .trim_end_matches('}');
            *counted_by_class.entry(class.to_owned()).or_default() += n;
        }
    }
    assert_eq!(counted_by_class, journal_by_class, "{counters:#?}");
    let journal_429s = entries.iter().filter(|e| e.status == Some(429)).count() as u64;
    assert_eq!(journal_429s, 2);
    let throttled: u64 = counters
        .iter()
        .filter(|(k, _)| k.starts_with("billkit_throttled_total{"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(throttled, journal_429s, "{counters:#?}");
    // One retry after the 503, two after the 429s, one resend of the
    // dropped create.
    let retries: u64 = counters
        .iter()
        .filter(|(k, _)| k.starts_with("billkit_retries_total{"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(retries, 4, "{counters:#?}");
    // Labels name routes, never filled paths or secrets.
    let labels = label_values(&snapshotter);
    assert!(labels.contains(&"/users/{id}".to_owned()), "{labels:?}");
    for value in &labels {
        assert!(!value.contains("999999"), "{value}");
        assert!(!value.contains(&canary_token), "{value}");
        assert!(!value.contains(super::CANARY_PASSWORD), "{value}");
    }
}
