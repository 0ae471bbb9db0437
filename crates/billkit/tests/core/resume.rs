//! Resumable walks: a checkpoint serialised to JSON and taken back by a new
//! client yields every item exactly once; prefetching and concurrent pages
//! keep the order and ask for no page twice or past the end.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use billkit::http::{End, ManualClock, PageStyle, Paginator, Request, RetryPolicy};
use billkit::{Error, StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::transport;

const TOTAL: u64 = 10_000;

/// A list of `TOTAL` items `{"id": n}` in any of the three page styles,
/// filtered by `status=open` (anything else is a 422). Counts requests.
#[derive(Clone)]
struct Generated {
    requests: Arc<AtomicUsize>,
}

impl Respond for Generated {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        if q.get("status").map(String::as_str) != Some("open") {
            return ResponseTemplate::new(422).set_body_string("status filter missing");
        }
        let num = |k: &str| q.get(k).and_then(|v| v.parse::<u64>().ok());
        let ids = |from: u64, n: u64| -> Vec<Value> {
            (from..(from + n).min(TOTAL))
                .map(|i| json!({ "id": i }))
                .collect()
        };
        let body = if let Some(offset) = num("offset") {
            let limit = num("limit").unwrap_or(10);
            json!({"items": ids(offset, limit), "offset": offset, "limit": limit})
        } else if let Some(per_page) = num("per_page") {
            let page = num("page").unwrap_or(1);
            let last = TOTAL.div_ceil(per_page);
            json!({
                "data": ids((page - 1) * per_page, per_page),
                "meta": {"current_page": page, "last_page": last, "total": TOTAL}
            })
        } else {
            let page = num("page").unwrap_or(1);
            json!(ids((page - 1) * 100, 100))
        };
        ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json")
    }
}

async fn server() -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let requests = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .respond_with(Generated {
            requests: requests.clone(),
        })
        .mount(&server)
        .await;
    (server, requests)
}

fn styles() -> [PageStyle; 3] {
    [
        PageStyle::PageNumber { page_size: 100 },
        PageStyle::PageNumberSized {
            per_page: Some(100),
        },
        PageStyle::OffsetLimit {
            limit: 100,
            end: End::ShortPage,
        },
    ]
}

fn list(server: &MockServer, style: PageStyle) -> Paginator<Value> {
    // A fresh client each time, as another process would make.
    let t = transport(server, &ManualClock::new(), RetryPolicy::none());
    crate::schemes::paginator(
        t,
        Request::<()>::get("/things").query("status", "open"),
        style,
    )
}

fn id(v: &Value) -> u64 {
    v["id"].as_u64().unwrap()
}

#[tokio::test]
async fn a_walk_interrupted_at_a_random_page_resumes_from_its_json_checkpoint() {
    let (server, _) = server().await;
    let mut rng = fastrand::Rng::with_seed(0x5eed_0013);
    for style in styles() {
        for concurrency in [1, 4] {
            // Stop somewhere inside a random page, with pages prefetched.
            let stop_after = rng.u64(1..TOTAL);
            let mut first = list(&server, style)
                .prefetch(2)
                .concurrency(concurrency)
                .stream();
            let mut seen = Vec::new();
            while (seen.len() as u64) < stop_after {
                seen.push(id(&first.next().await.unwrap().unwrap()));
            }
            let saved = serde_json::to_string(&first.checkpoint()).unwrap();
            drop(first); // the process is killed

            let checkpoint = serde_json::from_str(&saved).unwrap();
            let rest: Vec<Value> = list(&server, style)
                .resume(&checkpoint)
                .unwrap()
                .concurrency(concurrency)
                .stream()
                .try_collect()
                .await
                .unwrap();
            seen.extend(rest.iter().map(id));
            assert_eq!(
                seen,
                (0..TOTAL).collect::<Vec<u64>>(),
                "{style:?}, k = {concurrency}, stopped after {stop_after}: {saved}"
            );
        }
    }
}

#[tokio::test]
async fn a_checkpoint_between_pages_and_after_the_end_loses_and_repeats_nothing() {
    let (server, _) = server().await;
    for style in styles() {
        let mut pages = list(&server, style).pages();
        let mut seen: Vec<u64> = Vec::new();
        for _ in 0..3 {
            let page = pages.next().await.unwrap().unwrap();
            seen.extend(page.items.iter().map(id));
        }
        let saved = serde_json::to_string(&pages.checkpoint()).unwrap();
        drop(pages);
        let mut resumed = list(&server, style)
            .resume(&serde_json::from_str(&saved).unwrap())
            .unwrap()
            .stream();
        while let Some(item) = resumed.next().await {
            seen.push(id(&item.unwrap()));
        }
        assert_eq!(seen, (0..TOTAL).collect::<Vec<u64>>(), "{style:?}");
        // A finished walk's checkpoint resumes to nothing.
        let done = serde_json::to_string(&resumed.checkpoint()).unwrap();
        let after: Vec<Value> = list(&server, style)
            .resume(&serde_json::from_str(&done).unwrap())
            .unwrap()
            .collect_all()
            .await
            .unwrap();
        assert!(after.is_empty(), "{style:?}: {done}");
    }
}

#[tokio::test]
async fn a_checkpoint_of_another_list_is_refused() {
    let (server, _) = server().await;
    let style = PageStyle::OffsetLimit {
        limit: 100,
        end: End::ShortPage,
    };
    let mut walk = list(&server, style).stream();
    walk.next().await.unwrap().unwrap();
    let checkpoint = walk.checkpoint();
    let t = || transport(&server, &ManualClock::new(), RetryPolicy::none());

    let other_path: Paginator<Value> = crate::schemes::paginator(
        t(),
        Request::<()>::get("/others").query("status", "open"),
        style,
    );
    let other_filter: Paginator<Value> = crate::schemes::paginator(
        t(),
        Request::<()>::get("/things").query("status", "paid"),
        style,
    );
    let other_style: Paginator<Value> = crate::schemes::paginator(
        t(),
        Request::<()>::get("/things").query("status", "open"),
        PageStyle::PageNumber { page_size: 100 },
    );
    for refused in [other_path, other_filter, other_style] {
        match refused.resume(&checkpoint) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "checkpoint"),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn concurrent_pages_come_in_order_each_asked_for_once_and_none_past_the_end() {
    let (server, requests) = server().await;
    let all: Vec<Value> = list(
        &server,
        PageStyle::PageNumberSized {
            per_page: Some(100),
        },
    )
    .concurrency(4)
    .stream()
    .try_collect()
    .await
    .unwrap();
    assert_eq!(
        all.iter().map(id).collect::<Vec<_>>(),
        (0..TOTAL).collect::<Vec<u64>>()
    );
    assert_eq!(requests.load(Ordering::SeqCst), 100);
    let mut pages: Vec<u64> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .unwrap()
                .1
                .parse()
                .unwrap()
        })
        .collect();
    pages.sort_unstable();
    assert_eq!(pages, (1..=100).collect::<Vec<u64>>());
}

#[tokio::test]
async fn concurrent_pages_keep_the_page_cap() {
    let (server, requests) = server().await;
    let err = list(
        &server,
        PageStyle::PageNumberSized {
            per_page: Some(100),
        },
    )
    .concurrency(4)
    .max_pages(10)
    .collect_all()
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Pagination { .. }), "{err:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 10);
}

#[tokio::test]
async fn a_prefetching_walk_stops_at_the_last_page_without_an_extra_request() {
    for style in styles() {
        let (server, requests) = server().await;
        let all = list(&server, style)
            .prefetch(3)
            .collect_all()
            .await
            .unwrap();
        assert_eq!(all.len() as u64, TOTAL);
        // 100 full pages: page-number and offset lists need one more (empty)
        // page to see the end; Laravel's `last_page` says so.
        let expected = match style {
            PageStyle::PageNumberSized { .. } => 100,
            _ => 101,
        };
        assert_eq!(requests.load(Ordering::SeqCst), expected, "{style:?}");
    }
}

#[tokio::test]
async fn a_prefetching_walk_holds_at_most_depth_plus_one_pages() {
    for depth in [0usize, 1, 3] {
        let (server, requests) = server().await;
        let mut walk = list(&server, PageStyle::PageNumber { page_size: 100 })
            .prefetch(depth)
            .stream();
        walk.next().await.unwrap().unwrap();
        // Let the background fetches run until they stop on their own.
        let mut last = usize::MAX;
        for _ in 0..200 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            let now = requests.load(Ordering::SeqCst);
            if now == last && now == depth + 1 {
                break;
            }
            last = now;
        }
        assert_eq!(requests.load(Ordering::SeqCst), depth + 1, "depth {depth}");
    }
}
