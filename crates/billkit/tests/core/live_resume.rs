//! Walks on a live list: a keyed walk stopped at a random item, resumed
//! from its JSON checkpoint after records were created and up to a page
//! deleted, yields every record that existed when it began exactly once;
//! in every page style, newest first and oldest first, with concurrent and
//! prefetched pages. Also: progress, the page size a checkpoint fixes,
//! checkpoints of billkit 0.1, and lists out of their declared order.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use billkit::error::PaginationErrorKind;
use billkit::http::{
    Cursor, End, ItemKey, ListOrder, ManualClock, PageStyle, Paginator, Request, RetryPolicy,
    WalkCheckpoint,
};
use billkit::{Error, StreamExt};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::transport;

/// BillPro's fixed page size, scaled down so that walks cross many pages.
const FIXED_PAGE: u64 = 7;

struct Rec {
    id: u64,
    /// The second it was created in (many records share one).
    at: u64,
}

/// A list the test changes between (and during) walks, served in the page
/// style the request asks for.
struct LiveList {
    order: ListOrder,
    recs: Vec<Rec>,
    next_id: u64,
    now: u64,
    requests: usize,
}

impl LiveList {
    /// The server's order. Newest first sorts by the second alone and
    /// leaves ties in a "database" order unrelated to ids or insertion
    /// (stable from one query to the next).
    fn rows(&self) -> Vec<Value> {
        let mut rows: Vec<&Rec> = self.recs.iter().collect();
        match self.order {
            ListOrder::Ascending => rows.sort_by_key(|r| r.id),
            _ => rows.sort_by_key(|r| {
                (
                    std::cmp::Reverse(r.at),
                    r.id.wrapping_mul(0x9E37_79B9_7F4A_7C15),
                )
            }),
        }
        rows.iter()
            .map(|r| json!({"id": r.id, "at": r.at}))
            .collect()
    }

    fn create(&mut self, rng: &mut fastrand::Rng) -> u64 {
        // Often in the same second as the record before.
        self.now += u64::from(rng.u8(0..4) == 0);
        let id = self.next_id;
        self.next_id += 1;
        self.recs.push(Rec { id, at: self.now });
        id
    }

    fn delete_at(&mut self, position: usize) -> Option<u64> {
        let rows = self.rows();
        let id = rows.get(position)?["id"].as_u64()?;
        self.recs.retain(|r| r.id != id);
        Some(id)
    }
}

#[derive(Clone)]
struct Live(Arc<Mutex<LiveList>>);

impl Respond for Live {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let mut list = self.0.lock().unwrap();
        list.requests += 1;
        let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        let num = |k: &str| q.get(k).and_then(|v| v.parse::<u64>().ok());
        let rows = list.rows();
        let total = rows.len() as u64;
        let window = |from: u64, n: u64| -> Vec<Value> {
            rows.iter()
                .skip(from as usize)
                .take(n as usize)
                .cloned()
                .collect()
        };
        let body = if let Some(offset) = num("offset") {
            let limit = num("limit").unwrap_or(20);
            json!({"items": window(offset, limit), "offset": offset, "limit": limit})
        } else if let Some(per_page) = num("per_page") {
            let page = num("page").unwrap_or(1).max(1);
            json!({
                "data": window((page - 1) * per_page, per_page),
                "meta": {
                    "current_page": page,
                    "last_page": total.div_ceil(per_page).max(1),
                    "total": total,
                }
            })
        } else {
            let page = num("page").unwrap_or(1).max(1);
            json!(window((page - 1) * FIXED_PAGE, FIXED_PAGE))
        };
        ResponseTemplate::new(200).set_body_raw(body.to_string(), "application/json")
    }
}

async fn live_server(order: ListOrder) -> (MockServer, Live) {
    let server = MockServer::start().await;
    let live = Live(Arc::new(Mutex::new(LiveList {
        order,
        recs: Vec::new(),
        next_id: 1,
        now: 1_000,
        requests: 0,
    })));
    Mock::given(method("GET"))
        .respond_with(live.clone())
        .mount(&server)
        .await;
    (server, live)
}

/// A newest-first live list of `n` records (their ids), and the generator
/// that made them.
async fn newest_first(n: usize, seed: u64) -> (MockServer, Live, fastrand::Rng, Vec<u64>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let (server, live) = live_server(ListOrder::Descending).await;
    let ids = {
        let mut list = live.0.lock().unwrap();
        (0..n).map(|_| list.create(&mut rng)).collect()
    };
    (server, live, rng, ids)
}

fn key(v: &Value) -> ItemKey {
    ItemKey::new(
        format!("{:012}", v["at"].as_u64().unwrap_or(0)),
        v["id"].to_string(),
    )
}

fn id(v: &Value) -> u64 {
    v["id"].as_u64().unwrap()
}

async fn ids_of(list: Paginator<Value>) -> Vec<u64> {
    list.collect_all().await.unwrap().iter().map(id).collect()
}

fn keyed(server: &MockServer, style: PageStyle, order: ListOrder) -> Paginator<Value> {
    // A fresh client each time, as another process would make.
    let t = transport(server, &ManualClock::new(), RetryPolicy::none());
    crate::schemes::paginator(t, Request::<()>::get("/things"), style).ordered(order, key)
}

fn styles(size: u32) -> [PageStyle; 3] {
    [
        PageStyle::PageNumber {
            page_size: FIXED_PAGE as u32,
        },
        PageStyle::PageNumberSized {
            per_page: Some(size),
        },
        PageStyle::OffsetLimit {
            limit: size,
            end: End::ShortPage,
        },
    ]
}

/// The measured defect, at random: stop anywhere (up to three times),
/// create records and delete up to a page between stop and resume (and
/// create records while walking), resume from JSON in a new client; every
/// record that existed at the start and was not deleted comes exactly once,
/// and nothing comes twice.
#[tokio::test]
async fn a_resumed_walk_on_a_live_list_yields_every_record_exactly_once() {
    let mut rng = fastrand::Rng::with_seed(0x17_0003);
    let mut rounds = 0;
    let mut resumed_after_changes = 0;
    for order in [ListOrder::Descending, ListOrder::Ascending] {
        let (server, live) = live_server(order).await;
        for round in 0..40 {
            let size = rng.u32(2..9);
            let style = styles(size)[round % 3];
            let page = match style {
                PageStyle::PageNumber { page_size } => page_size,
                _ => size,
            } as usize;
            let (concurrency, prefetch) = (rng.usize(1..4), rng.usize(0..3));
            let original: HashSet<u64> = {
                let mut list = live.0.lock().unwrap();
                list.recs.clear();
                (0..rng.usize(0..60))
                    .map(|_| list.create(&mut rng))
                    .collect()
            };
            let mut deleted = HashSet::new();
            let mut created = HashSet::new();
            let mut seen: Vec<u64> = Vec::new();
            let mut saved: Option<String> = None;
            let stops = rng.usize(1..4);
            for segment in 0..=stops {
                let list = keyed(&server, style, order)
                    .concurrency(concurrency)
                    .prefetch(prefetch);
                let list = match &saved {
                    Some(json) => list.resume(&serde_json::from_str(json).unwrap()).unwrap(),
                    None => list,
                };
                let mut walk = list.stream();
                let stop_after = if segment < stops {
                    rng.usize(0..=original.len() / stops + 1)
                } else {
                    usize::MAX
                };
                let mut taken = 0;
                while taken < stop_after {
                    let Some(item) = walk.next().await else { break };
                    seen.push(id(&item.unwrap()));
                    taken += 1;
                    if concurrency == 1 && rng.u8(0..8) == 0 {
                        // A record created while the walk is under way
                        // (pages fetched side by side would straddle it).
                        created.insert(live.0.lock().unwrap().create(&mut rng));
                    }
                }
                if segment == stops {
                    assert!(walk.next().await.is_none());
                    break;
                }
                saved = Some(serde_json::to_string(&walk.checkpoint()).unwrap());
                drop(walk); // the process is killed
                let mut list = live.0.lock().unwrap();
                for _ in 0..rng.usize(0..3 * page) {
                    created.insert(list.create(&mut rng));
                }
                for _ in 0..rng.usize(0..=page) {
                    let at = rng.usize(0..list.recs.len().max(1));
                    deleted.extend(list.delete_at(at));
                }
                resumed_after_changes += 1;
            }
            let mut once = HashSet::new();
            for id in &seen {
                assert!(
                    once.insert(*id),
                    "{order:?} {style:?} k={concurrency} prefetch={prefetch}: {id} came twice in {seen:?}"
                );
                assert!(original.contains(id) || created.contains(id));
            }
            for id in original.difference(&deleted) {
                assert!(
                    once.contains(id),
                    "{order:?} {style:?} k={concurrency} prefetch={prefetch}: {id} is missing from {seen:?}"
                );
            }
            rounds += 1;
        }
    }
    assert_eq!(rounds, 80);
    assert!(resumed_after_changes > 120, "{resumed_after_changes}");
}

/// Many records created at the head of a newest-first list between stop
/// and resume: the resumed walk skips page after page of records already
/// yielded (and the new ones above them) and goes on where it stopped.
#[tokio::test]
async fn a_resumption_skips_across_pages_when_many_records_were_created() {
    let (server, live, mut rng, all) = newest_first(40, 7).await;
    for style in styles(5) {
        let mut walk = keyed(&server, style, ListOrder::Descending).stream();
        let mut seen = Vec::new();
        for _ in 0..23 {
            seen.push(id(&walk.next().await.unwrap().unwrap()));
        }
        let saved = serde_json::to_string(&walk.checkpoint()).unwrap();
        drop(walk);
        for _ in 0..37 {
            live.0.lock().unwrap().create(&mut rng);
        }
        let rest: Vec<Value> = keyed(&server, style, ListOrder::Descending)
            .resume(&serde_json::from_str(&saved).unwrap())
            .unwrap()
            .collect_all()
            .await
            .unwrap();
        seen.extend(rest.iter().map(id));
        let mut expected = all.clone();
        expected.sort_unstable();
        seen.sort_unstable();
        assert_eq!(seen, expected, "{style:?}: {saved}");
        live.0.lock().unwrap().recs.retain(|r| all.contains(&r.id));
    }
}

/// A saved page size is kept: asking for another one after `resume` fails
/// before anything is sent, asking for another one before it is refused at
/// once, and asking for the same one is fine.
#[tokio::test]
async fn resume_refuses_another_page_size() {
    let (server, live, _, _) = newest_first(32, 3).await;
    for style in [styles(4)[1], styles(4)[2]] {
        let mut walk = keyed(&server, style, ListOrder::Descending)
            .prefetch(0)
            .stream();
        for _ in 0..6 {
            walk.next().await.unwrap().unwrap();
        }
        let checkpoint = walk.checkpoint();
        drop(walk);
        let before = live.0.lock().unwrap().requests;

        let after_resume = keyed(&server, style, ListOrder::Descending)
            .resume(&checkpoint)
            .unwrap()
            .per_page(10);
        let mut walk = after_resume.clone().stream();
        match walk.next().await {
            Some(Err(Error::InvalidInput { field, message, .. })) => {
                assert_eq!(field, "per_page");
                assert!(message.contains("4 items per page"), "{message}");
            }
            other => panic!("{style:?}: {other:?}"),
        }
        assert!(walk.next().await.is_none(), "the refused walk ends");
        assert!(after_resume.collect_all().await.is_err());
        match keyed(&server, style, ListOrder::Descending)
            .per_page(10)
            .resume(&checkpoint)
        {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "per_page"),
            other => panic!("{style:?}: {other:?}"),
        }
        assert_eq!(live.0.lock().unwrap().requests, before, "nothing was sent");
        let rest = keyed(&server, style, ListOrder::Descending)
            .per_page(4)
            .resume(&checkpoint)
            .unwrap()
            .per_page(4)
            .collect_all()
            .await
            .unwrap();
        assert_eq!(rest.len(), 26, "{style:?}");
    }
    // A checkpoint taken with the server's default page size keeps it too.
    let default = PageStyle::PageNumberSized { per_page: None };
    let checkpoint = keyed(&server, default, ListOrder::Descending)
        .stream()
        .checkpoint();
    let before = live.0.lock().unwrap().requests;
    let refused = keyed(&server, default, ListOrder::Descending)
        .resume(&checkpoint)
        .unwrap()
        .per_page(10)
        .collect_all()
        .await;
    match refused {
        Err(Error::InvalidInput { field, message, .. }) => {
            assert_eq!(field, "per_page");
            assert!(message.contains("the server's default"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(live.0.lock().unwrap().requests, before);
}

/// The walk tells how far it is: items yielded (across a resumption) and
/// the total the server reports, without an extra request.
#[tokio::test]
async fn a_walk_reports_items_yielded_and_the_servers_total() {
    let (server, live, mut rng, _) = newest_first(23, 5).await;
    let laravel = styles(5)[1];
    let mut walk = keyed(&server, laravel, ListOrder::Descending)
        .prefetch(0)
        .stream();
    assert_eq!((walk.yielded(), walk.total()), (0, None));
    for n in 1..=7 {
        walk.next().await.unwrap().unwrap();
        assert_eq!((walk.yielded(), walk.total()), (n, Some(23)));
    }
    let checkpoint = walk.checkpoint();
    assert_eq!(checkpoint.yielded, 7);
    drop(walk);
    live.0.lock().unwrap().create(&mut rng);
    let mut pages = keyed(&server, laravel, ListOrder::Descending)
        .resume(&checkpoint)
        .unwrap()
        .prefetch(0)
        .pages();
    let mut yielded = Vec::new();
    while let Some(page) = pages.next().await {
        page.unwrap();
        yielded.push(pages.items_yielded());
        assert_eq!(
            pages.total(),
            Some(24),
            "the server's total, as it says now"
        );
    }
    assert_eq!(yielded.last(), Some(&23));
    // Two pages, then pages 1 to 5 again: nothing asked for the total.
    assert_eq!(live.0.lock().unwrap().requests, 2 + 5);

    // Lists that do not say have no total.
    for style in [styles(5)[0], styles(5)[2]] {
        let mut walk = keyed(&server, style, ListOrder::Descending).stream();
        walk.next().await.unwrap().unwrap();
        assert_eq!((walk.yielded(), walk.total()), (1, None), "{style:?}");
    }
}

/// A checkpoint saved by billkit 0.1 (no mark, no count) still loads and
/// resumes by position.
#[tokio::test]
async fn a_checkpoint_without_a_mark_still_resumes_by_position() {
    let (server, _, _, _) = newest_first(20, 11).await;
    let all = ids_of(keyed(&server, styles(6)[2], ListOrder::Descending)).await;
    let old = r#"{"path":"/things","query":[],"style":{"OffsetLimit":{"limit":6,"end":"ShortPage"}},"cursor":{"Offset":6},"skip":2}"#;
    let checkpoint: WalkCheckpoint = serde_json::from_str(old).unwrap();
    assert_eq!((checkpoint.mark.clone(), checkpoint.yielded), (None, 0));
    let resumed = keyed(&server, styles(6)[2], ListOrder::Descending).resume(&checkpoint);
    let rest = ids_of(resumed.unwrap()).await;
    assert_eq!(rest, all[8..].to_vec());
}

/// A list that is not in the order declared: a fresh walk goes on by
/// position and yields every item once; a walk resumed by key stops with
/// an error rather than skip items by a wrong order.
#[tokio::test]
async fn a_list_out_of_its_declared_order_is_walked_by_position_or_refused() {
    let mut rng = fastrand::Rng::with_seed(13);
    // The server runs newest first; the walk is told oldest first.
    let (server, live) = live_server(ListOrder::Descending).await;
    {
        let mut list = live.0.lock().unwrap();
        for _ in 0..30 {
            list.now += 1;
            list.create(&mut rng);
        }
    }
    for style in styles(4) {
        let all = keyed(&server, style, ListOrder::Ascending)
            .collect_all()
            .await
            .unwrap();
        assert_eq!(all.len(), 30, "{style:?}");

        let mut checkpoint = keyed(&server, style, ListOrder::Ascending)
            .stream()
            .checkpoint();
        checkpoint.cursor = Some(match style {
            PageStyle::OffsetLimit { .. } => Cursor::Offset(8),
            _ => Cursor::Page(3),
        });
        checkpoint.mark = serde_json::from_value(json!({"sort": "000000000000", "ids": []})).ok();
        let err = keyed(&server, style, ListOrder::Ascending)
            .resume(&checkpoint)
            .unwrap()
            .collect_all()
            .await
            .unwrap_err();
        match err {
            Error::Pagination { kind, .. } => {
                assert_eq!(kind, PaginationErrorKind::OutOfOrder, "{style:?}")
            }
            other => panic!("{style:?}: {other:?}"),
        }
    }
}

/// Pages fetched concurrently, with records created at the head between
/// the fetches of one walk: nothing repeats although page windows moved.
#[tokio::test]
async fn records_created_during_a_walk_do_not_repeat_items() {
    let (server, live, mut rng, original) = newest_first(50, 17).await;
    for style in styles(6) {
        let mut walk = keyed(&server, style, ListOrder::Descending)
            .prefetch(0)
            .stream();
        let mut seen = Vec::new();
        while let Some(item) = walk.next().await {
            seen.push(id(&item.unwrap()));
            if seen.len() % 4 == 0 {
                live.0.lock().unwrap().create(&mut rng);
            }
        }
        let unique: HashSet<u64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "{style:?}: {seen:?}");
        assert!(original.iter().all(|i| unique.contains(i)), "{style:?}");
        live.0
            .lock()
            .unwrap()
            .recs
            .retain(|r| original.contains(&r.id));
    }
}

/// A few items of a page are already yielded: the checkpoint inside a page
/// keeps its mark and the resumption drops them with `Pages` as well.
#[tokio::test]
async fn a_checkpoint_inside_a_page_resumes_after_its_last_item() {
    let (server, _, _, _) = newest_first(12, 19).await;
    let style = styles(5)[2];
    let all = ids_of(keyed(&server, style, ListOrder::Descending)).await;
    let mut walk = keyed(&server, style, ListOrder::Descending).stream();
    for _ in 0..7 {
        walk.next().await.unwrap().unwrap();
    }
    let checkpoint = walk.checkpoint();
    assert_eq!(checkpoint.cursor, Some(Cursor::Offset(5)));
    let mut pages = keyed(&server, style, ListOrder::Descending)
        .resume(&checkpoint)
        .unwrap()
        .pages();
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.cursor, Cursor::Offset(0), "one page early");
    assert!(first.items.is_empty(), "all of page 1 was yielded");
    let mut rest: Vec<u64> = Vec::new();
    while let Some(page) = pages.next().await {
        rest.extend(page.unwrap().items.iter().map(id));
    }
    assert_eq!(rest, all[7..].to_vec());
}
