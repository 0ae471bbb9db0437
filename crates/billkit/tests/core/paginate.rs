use billkit::error::PaginationErrorKind;
use billkit::http::{Cursor, End, ManualClock, PageStyle, Paginator, Request, RetryPolicy};
use billkit::{Error, StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{json as ok_json, transport};

fn items(start: usize, n: usize) -> String {
    let v: Vec<Value> = (start..start + n).map(|i| json!({"id": i})).collect();
    serde_json::to_string(&v).unwrap()
}

fn ids(v: &[Value]) -> Vec<u64> {
    v.iter().map(|x| x["id"].as_u64().unwrap()).collect()
}

/// The `(key, value)` query of every received request, in order.
async fn queries(server: &MockServer) -> Vec<Vec<(String, String)>> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .collect()
}

fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn page_number_server(sizes: &[usize]) -> MockServer {
    let server = MockServer::start().await;
    let mut start = 0;
    for (i, n) in sizes.iter().enumerate() {
        Mock::given(method("GET"))
            .and(path("/api/v1/products"))
            .and(query_param("page", (i + 1).to_string()))
            .respond_with(ok_json(&items(start, *n)))
            .expect(1)
            .mount(&server)
            .await;
        start += n;
    }
    server
}

#[tokio::test]
async fn page_number_walk_stops_on_a_short_page() {
    let server = page_number_server(&[25, 25, 25, 3]).await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Value> = crate::schemes::paginator(
        t,
        Request::<()>::get("/products").query("product_id", "E28"),
        PageStyle::PageNumber { page_size: 25 },
    );
    let all: Vec<Value> = list.stream().try_collect().await.unwrap();
    assert_eq!(ids(&all), (0..78).collect::<Vec<u64>>());
    let qs = queries(&server).await;
    assert_eq!(qs.len(), 4);
    for (i, query) in qs.iter().enumerate() {
        assert_eq!(
            query,
            &q(&[("product_id", "E28"), ("page", &(i + 1).to_string())])
        );
    }
}

#[tokio::test]
async fn page_number_walk_with_a_full_last_page_asks_once_more() {
    let server = page_number_server(&[25, 25, 0]).await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Value> = crate::schemes::paginator(
        t,
        Request::<()>::get("/products"),
        PageStyle::PageNumber { page_size: 25 },
    );
    let all = list.collect_all().await.unwrap();
    assert_eq!(all.len(), 50);
    assert_eq!(queries(&server).await.len(), 3);
}

fn laravel(page: u64, last: u64, total: u64, data: &str) -> String {
    format!(
        r#"{{"data":{data},"links":{{"first":"http://h/api/v1/invoices?page=1","last":"http://h/api/v1/invoices?page={last}","prev":null,"next":null}},"meta":{{"current_page":{page},"from":1,"last_page":{last},"path":"http://h/api/v1/invoices","per_page":2,"to":2,"total":{total}}}}}"#
    )
}

#[tokio::test]
async fn laravel_walk_keeps_filters_and_per_page_and_stops_at_last_page() {
    let server = MockServer::start().await;
    for p in 1..=3u64 {
        let n = if p == 3 { 1 } else { 2 };
        Mock::given(method("GET"))
            .and(path("/api/v1/invoices"))
            .and(query_param("page", p.to_string()))
            .respond_with(ok_json(&laravel(
                p,
                3,
                5,
                &items(((p - 1) * 2) as usize, n),
            )))
            .expect(1)
            .mount(&server)
            .await;
    }
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Value> = crate::schemes::paginator(
        t,
        Request::<()>::get("/invoices").query("status", "unpaid"),
        PageStyle::PageNumberSized { per_page: None },
    )
    .per_page(2);
    let pages: Vec<_> = list.pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[0].total, Some(5));
    assert_eq!(pages[0].last_page, Some(3));
    assert_eq!(pages[2].cursor, Cursor::Page(3));
    assert!(pages[2].is_last() && !pages[1].is_last());
    let qs = queries(&server).await;
    assert_eq!(
        qs[2],
        q(&[("status", "unpaid"), ("page", "3"), ("per_page", "2")])
    );
}

fn envelope(offset: u64, limit: u64, data: &str) -> String {
    format!(r#"{{"items":{data},"limit":{limit},"offset":{offset}}}"#)
}

/// Serves each `(offset, items)` page of an offset list, `times` times.
async fn offset_pages(server: &MockServer, limit: u64, pages: &[(u64, String)], times: u64) {
    for (offset, data) in pages {
        Mock::given(method("GET"))
            .and(query_param("offset", offset.to_string()))
            .respond_with(ok_json(&envelope(*offset, limit, data)))
            .expect(times)
            .mount(server)
            .await;
    }
}

/// A list that ends only on an empty page (Billy's plan customers), two
/// rows a page.
fn plan_customers(server: &MockServer) -> Paginator<Value> {
    let t = transport(server, &ManualClock::new(), RetryPolicy::none());
    crate::schemes::paginator(
        t,
        Request::<()>::get("/v1/plans/PL1/customers"),
        PageStyle::OffsetLimit {
            limit: 2,
            end: End::EmptyPage,
        },
    )
}

#[tokio::test]
async fn offset_walk_ends_on_a_short_page() {
    let server = MockServer::start().await;
    for (offset, n) in [(0u64, 3usize), (3, 3), (6, 1)] {
        Mock::given(method("GET"))
            .and(query_param("offset", offset.to_string()))
            .respond_with(ok_json(&envelope(offset, 3, &items(offset as usize, n))))
            .expect(1)
            .mount(&server)
            .await;
    }
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Value> = crate::schemes::paginator(
        t,
        Request::<()>::get("/v1/plans"),
        PageStyle::OffsetLimit {
            limit: 20,
            end: End::ShortPage,
        },
    )
    .per_page(3);
    let all = list.collect_all().await.unwrap();
    assert_eq!(ids(&all), vec![0, 1, 2, 3, 4, 5, 6]);
    let qs = queries(&server).await;
    assert_eq!(
        qs,
        vec![
            q(&[("offset", "0"), ("limit", "3")]),
            q(&[("offset", "3"), ("limit", "3")]),
            q(&[("offset", "6"), ("limit", "3")]),
        ]
    );
}

#[tokio::test]
async fn offset_walk_configured_for_empty_page_goes_past_short_pages() {
    let server = MockServer::start().await;
    let pages: Vec<(u64, String)> = [(0u64, 1usize), (2, 2), (4, 0)]
        .iter()
        .map(|&(offset, n)| (offset, items(offset as usize, n)))
        .collect();
    offset_pages(&server, 2, &pages, 1).await;
    let all = plan_customers(&server).collect_all().await.unwrap();
    assert_eq!(ids(&all), vec![0, 2, 3]);
    assert_eq!(queries(&server).await.len(), 3);
}

#[tokio::test]
async fn a_single_page_by_number() {
    let server = MockServer::start().await;
    Mock::given(query_param("offset", "40"))
        .and(query_param("limit", "20"))
        .respond_with(ok_json(&envelope(40, 20, &items(40, 2))))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Value> = crate::schemes::paginator(
        t,
        Request::<()>::get("/v1/invoices"),
        PageStyle::OffsetLimit {
            limit: 20,
            end: End::ShortPage,
        },
    );
    let page = list.page(3).await.unwrap();
    assert_eq!(page.cursor, Cursor::Offset(40));
    assert_eq!(ids(&page.items), vec![40, 41]);
    assert!(page.is_last());
}

#[tokio::test]
async fn a_server_repeating_the_same_page_is_stopped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json(&items(0, 25)))
        .expect(2)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Value> = crate::schemes::paginator(
        t,
        Request::<()>::get("/products"),
        PageStyle::PageNumber { page_size: 25 },
    );
    let mut stream = list.stream();
    let mut got = 0;
    let err = loop {
        match stream.next().await {
            Some(Ok(_)) => got += 1,
            Some(Err(e)) => break e,
            None => panic!("the walk should have been stopped"),
        }
    };
    assert_eq!(got, 25);
    match &err {
        Error::Pagination { kind, position, .. } => {
            assert_eq!(kind, &PaginationErrorKind::RepeatedPage);
            assert_eq!(position, "page 2");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        stream.next().await.is_none(),
        "the walk ends after a repeated page"
    );
}

#[tokio::test]
async fn a_never_ending_list_is_stopped_at_the_page_cap() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(|req: &wiremock::Request| {
            let page: usize = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1);
            ResponseTemplate::new(200).set_body_raw(items(page * 25, 25), "application/json")
        })
        .expect(4)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Value> = crate::schemes::paginator(
        t,
        Request::<()>::get("/products"),
        PageStyle::PageNumber { page_size: 25 },
    )
    .max_pages(4);
    let err = list.collect_all().await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Pagination {
                kind: PaginationErrorKind::TooManyPages { max_pages: 4 },
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn after_an_error_the_walk_resumes_at_the_page_that_failed() {
    let server = MockServer::start().await;
    Mock::given(query_param("page", "1"))
        .respond_with(ok_json(&items(0, 25)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(query_param("page", "2"))
        .respond_with(ok_json(&items(25, 5)))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Value> = crate::schemes::paginator(
        t,
        Request::<()>::get("/products"),
        PageStyle::PageNumber { page_size: 25 },
    );
    let mut stream = list.clone().stream();
    let mut seen = Vec::new();
    let err = loop {
        match stream.next().await.unwrap() {
            Ok(v) => seen.push(v),
            Err(e) => break e,
        }
    };
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(seen.len(), 25);
    assert_eq!(stream.cursor(), Some(Cursor::Page(2)));
    // Polling again retries page 2 and finishes the walk.
    let rest: Vec<Value> = stream.try_collect().await.unwrap();
    assert_eq!(ids(&rest), (25..30).collect::<Vec<u64>>());
}

#[tokio::test]
async fn a_walk_can_start_at_a_saved_cursor() {
    let server = MockServer::start().await;
    Mock::given(query_param("page", "3"))
        .respond_with(ok_json(&items(50, 2)))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Value> = crate::schemes::paginator(
        t,
        Request::<()>::get("/products"),
        PageStyle::PageNumber { page_size: 25 },
    )
    .start_at(Cursor::Page(3));
    assert_eq!(ids(&list.collect_all().await.unwrap()), vec![50, 51]);
}

#[tokio::test]
async fn a_bad_item_reports_its_json_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json(
            r#"{"data":[{"id":1},{"id":"x"}],"meta":{"current_page":1,"last_page":1,"total":2}}"#,
        ))
        .mount(&server)
        .await;
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        id: u64,
    }
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Item> = crate::schemes::paginator(
        t,
        Request::<()>::get("/users"),
        PageStyle::PageNumberSized { per_page: None },
    );
    let err = list.collect_all().await.unwrap_err();
    match err {
        Error::Decode(d) => {
            assert_eq!(d.json_path(), "data[1].id");
            assert_eq!(d.status().as_u16(), 200);
        }
        other => panic!("{other:?}"),
    }
}

/// A server that ignores the page parameter but echoes it (Laravel's
/// `meta.current_page`, Billy's `offset`) still repeats its items: the
/// guard compares the items, not the whole body.
#[tokio::test]
async fn a_repeated_page_is_seen_through_echoed_page_metadata() {
    struct Echo;
    impl wiremock::Respond for Echo {
        fn respond(&self, req: &wiremock::Request) -> wiremock::ResponseTemplate {
            let q: std::collections::HashMap<_, _> = req.url.query_pairs().into_owned().collect();
            let items: Vec<Value> = (0..2).map(|i| serde_json::json!({"id": i})).collect();
            let body = match q.get("offset") {
                Some(offset) => serde_json::json!({"items": items, "offset": offset, "limit": 2}),
                None => serde_json::json!({
                    "data": items,
                    "meta": {"current_page": q.get("page"), "last_page": 9, "total": 18}
                }),
            };
            ok_json(&body.to_string())
        }
    }
    for style in [
        PageStyle::OffsetLimit {
            limit: 2,
            end: End::ShortPage,
        },
        PageStyle::PageNumberSized { per_page: Some(2) },
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(Echo)
            .mount(&server)
            .await;
        let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
        let list: Paginator<Value> =
            crate::schemes::paginator(t, Request::<()>::get("/things"), style);
        let err = list.collect_all().await.unwrap_err();
        match &err {
            Error::Pagination { kind, .. } => {
                assert_eq!(kind, &PaginationErrorKind::RepeatedPage, "{style:?}")
            }
            other => panic!("{style:?}: {other}"),
        }
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            2,
            "{style:?}"
        );
    }
}

/// Fetching pages concurrently does not blind the repeated-page guard.
#[tokio::test]
async fn a_repeated_page_is_seen_when_pages_are_fetched_concurrently() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json(
            &json!({"data": [{"id": 1}, {"id": 2}], "meta": {"current_page": 1, "last_page": 9}})
                .to_string(),
        ))
        .mount(&server)
        .await;
    let t = transport(&server, &ManualClock::new(), RetryPolicy::none());
    let list: Paginator<Value> = crate::schemes::paginator(
        t,
        Request::<()>::get("/things"),
        PageStyle::PageNumberSized { per_page: Some(2) },
    )
    .concurrency(4);
    let mut stream = list.stream();
    let mut got = 0;
    let err = loop {
        match stream.next().await {
            Some(Ok(_)) => got += 1,
            Some(Err(e)) => break e,
            None => panic!("the walk should have been stopped"),
        }
    };
    assert_eq!(got, 2);
    match &err {
        Error::Pagination { kind, position, .. } => {
            assert_eq!(kind, &PaginationErrorKind::RepeatedPage);
            assert_eq!(position, "page 2");
        }
        other => panic!("{other:?}"),
    }
    assert!(stream.next().await.is_none());
}

/// A list that ends only on an empty page, served as real Billy serves a
/// plan's customers: rows collapsed within each page, so short pages repeat
/// ([7, 3], [3], [3], [3], []). The walk goes through every page without
/// calling them repeats (the de-duplication is the caller's, or the keys').
#[tokio::test]
async fn collapsed_short_pages_alike_are_not_a_repeated_page() {
    let server = MockServer::start().await;
    let pages: Vec<(u64, String)> = [
        (0, r#"[{"id":7},{"id":3}]"#),
        (2, r#"[{"id":3}]"#),
        (4, r#"[{"id":3}]"#),
        (6, r#"[{"id":3}]"#),
        (8, "[]"),
    ]
    .iter()
    .map(|&(offset, data)| (offset, data.to_owned()))
    .collect();
    // Each page once per walk: with and without prefetching.
    offset_pages(&server, 2, &pages, 2).await;
    let list = plan_customers(&server);
    for prefetch in [0, 2] {
        let all = list.clone().prefetch(prefetch).collect_all().await.unwrap();
        assert_eq!(ids(&all), vec![7, 3, 3, 3, 3], "prefetch {prefetch}");
    }
}

/// The same list from a server that ignores the offset: its pages are full,
/// so the repeat is proof and the walk stops after two requests.
#[tokio::test]
async fn a_full_page_repeated_on_a_list_ending_on_an_empty_page_is_stopped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json(&envelope(0, 2, r#"[{"id":7},{"id":3}]"#)))
        .mount(&server)
        .await;
    match plan_customers(&server).collect_all().await.unwrap_err() {
        Error::Pagination { kind, position, .. } => {
            assert_eq!(kind, PaginationErrorKind::RepeatedPage);
            assert_eq!(position, "offset 2");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(queries(&server).await.len(), 2);
}
