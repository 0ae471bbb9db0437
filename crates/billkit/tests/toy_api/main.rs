//! A fourth API, built outside the crate from its public surface alone: a
//! client, a handler, a typed id, its [`Dialect`] and its [`PageScheme`].
//! It touches no core file, yet gets everything the three APIs get: its own
//! error shapes read and its predicates answered by its rules, its page
//! envelope walked lazily and resumed, creates resent only where its rules
//! prove a refusal came before its handler, and its own quota header obeyed.
//!
//! The toy API answers errors as `{"fault": {"code": ..., "text": ...}}`,
//! pages `?p=N&n=M` over `{"results": [...], "page": {"this", "of",
//! "count"}}`, announces its quota as `X-Toy-Quota: <remaining>/<limit>`,
//! and refuses work before its handler with `503` + `X-Toy-Queue: full`.

use std::time::Duration;

use billkit::http::{
    AnnouncedQuota, Config, Credentials, Cursor, Dialect, HeaderMap, ManualClock, PageParts,
    PageScheme, PageStyle, Paginator, RateLimit, Request, RetryPolicy, StatusCode, Transport,
};
use billkit::{ApiError, ApiErrorBody, Error, Result, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The toy API's module, as an API module of billkit is written.
mod toy {
    use super::*;

    /// The toy API's rules.
    #[derive(Debug, Clone, Copy)]
    pub struct ToyDialect;

    #[derive(Deserialize)]
    struct Fault {
        fault: FaultBody,
    }

    #[derive(Deserialize)]
    struct FaultBody {
        code: String,
        text: String,
    }

    fn code(err: &ApiError) -> Option<&str> {
        match err.body() {
            ApiErrorBody::Classed { error_class, .. } => Some(error_class),
            _ => None,
        }
    }

    impl Dialect for ToyDialect {
        fn name(&self) -> &'static str {
            "Toy"
        }

        fn parse_error_body(&self, text: &str) -> Option<ApiErrorBody> {
            let f: Fault = serde_json::from_str(text).ok()?;
            Some(ApiErrorBody::Classed {
                error_class: f.fault.code,
                error_message: f.fault.text,
            })
        }

        fn is_not_found(&self, err: &ApiError) -> bool {
            code(err) == Some("NO_SUCH_WIDGET")
        }

        fn is_duplicate(&self, err: &ApiError) -> bool {
            code(err) == Some("WIDGET_EXISTS")
        }

        fn is_unauthorized(&self, err: &ApiError) -> bool {
            err.status() == StatusCode::UNAUTHORIZED || code(err) == Some("BAD_KEY")
        }

        fn refused_before_handler(&self, status: StatusCode, headers: &HeaderMap) -> bool {
            status == StatusCode::SERVICE_UNAVAILABLE
                && headers.get("x-toy-queue").is_some_and(|v| v == "full")
        }

        fn announced_quota(&self, headers: &HeaderMap) -> AnnouncedQuota {
            let quota = headers.get("x-toy-quota").and_then(|v| v.to_str().ok());
            let Some((remaining, limit)) = quota.and_then(|q| q.split_once('/')) else {
                return AnnouncedQuota::default();
            };
            AnnouncedQuota::new(limit.trim().parse().ok(), remaining.trim().parse().ok())
        }
    }

    /// The toy API's lists.
    #[derive(Debug, Clone, Copy)]
    pub struct ToyPages {
        pub per_page: Option<u32>,
    }

    #[derive(Deserialize)]
    pub struct ToyPage<T> {
        results: Vec<T>,
        page: PageInfo,
    }

    #[derive(Deserialize)]
    struct PageInfo {
        this: u64,
        of: u64,
        count: u64,
    }

    impl<T> From<ToyPage<T>> for PageParts<T> {
        fn from(p: ToyPage<T>) -> Self {
            PageParts::new(p.results)
                .current_page(p.page.this)
                .last_page(p.page.of)
                .total(p.page.count)
        }
    }

    impl PageScheme for ToyPages {
        type Body<T: serde::de::DeserializeOwned> = ToyPage<T>;
        const ITEMS: Option<&'static str> = Some("results");

        fn style(&self) -> PageStyle {
            PageStyle::PageNumberSized {
                per_page: self.per_page,
            }
        }

        fn set_query(request: &mut Request<()>, cursor: Cursor, style: PageStyle) {
            if let Cursor::Page(n) = cursor {
                request.set_query("p", n);
            }
            if let PageStyle::PageNumberSized { per_page: Some(n) } = style {
                request.set_query("n", n);
            }
        }
    }

    /// A widget's id.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(transparent)]
    pub struct WidgetId(pub u64);

    impl billkit::http::PathParam for WidgetId {
        fn to_segment(&self) -> std::result::Result<String, String> {
            self.0.to_segment()
        }
    }

    /// A widget.
    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    pub struct Widget {
        pub id: WidgetId,
        pub name: String,
    }

    /// The client.
    #[derive(Debug, Clone)]
    pub struct Client {
        transport: Transport,
    }

    impl Client {
        pub fn new(base_url: &str, clock: &ManualClock, quota: Option<RateLimit>) -> Self {
            let config = Config::new()
                .base_url(base_url)
                .unwrap()
                .credentials(Credentials::bearer("toy-secret"))
                .dialect(ToyDialect)
                .default_rate_limit(quota)
                .retry(RetryPolicy::default().max_attempts(3))
                .manual_time(clock);
            Client {
                transport: Transport::new(config).unwrap(),
            }
        }

        pub fn widgets(&self) -> Widgets<'_> {
            Widgets {
                transport: &self.transport,
            }
        }
    }

    /// Widgets.
    pub struct Widgets<'a> {
        transport: &'a Transport,
    }

    impl Widgets<'_> {
        pub fn list(&self) -> Paginator<Widget> {
            Paginator::new(
                self.transport.clone(),
                Request::<()>::get("/widgets"),
                ToyPages { per_page: None },
            )
        }

        pub async fn get(&self, id: WidgetId) -> Result<Widget> {
            self.transport
                .execute(Request::get("/widgets/{id}").param(id))
                .await
        }

        pub async fn create(&self, name: &str) -> Result<Widget> {
            self.transport
                .execute(Request::post("/widgets").json(&json!({ "name": name })))
                .await
        }
    }
}

use toy::{Client, WidgetId};

fn widgets(ids: std::ops::Range<u64>) -> Vec<serde_json::Value> {
    ids.map(|i| json!({"id": i, "name": format!("w{i}")}))
        .collect()
}

fn page(items: Vec<serde_json::Value>, this: u64, of: u64, count: u64) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"results": items, "page": {"this": this, "of": of, "count": count}}))
}

async fn mount_widget_pages(server: &MockServer) {
    for (p, range) in [(1, 1..3), (2, 3..5), (3, 5..6)] {
        Mock::given(method("GET"))
            .and(path("/widgets"))
            .and(query_param("p", p.to_string()))
            .and(query_param("n", "2"))
            .respond_with(page(widgets(range), p, 3, 5))
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn a_walk_asks_with_the_toy_parameters_and_reads_its_envelope() {
    let server = MockServer::start().await;
    mount_widget_pages(&server).await;
    let client = Client::new(&server.uri(), &ManualClock::new(), None);

    let mut items = client.widgets().list().per_page(2).stream();
    let mut names = Vec::new();
    while let Some(w) = items.try_next().await.unwrap() {
        names.push(w.name);
    }
    assert_eq!(names, ["w1", "w2", "w3", "w4", "w5"]);
    assert_eq!(items.total(), Some(5));

    let asked: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.url.path(), r.url.query().unwrap_or_default()))
        .collect();
    assert_eq!(
        asked,
        ["/widgets p=1&n=2", "/widgets p=2&n=2", "/widgets p=3&n=2"]
    );
}

#[tokio::test]
async fn a_toy_walk_resumes_from_its_checkpoint() {
    let server = MockServer::start().await;
    mount_widget_pages(&server).await;
    let client = Client::new(&server.uri(), &ManualClock::new(), None);

    let mut items = client.widgets().list().per_page(2).prefetch(0).stream();
    for want in ["w1", "w2", "w3"] {
        assert_eq!(items.try_next().await.unwrap().unwrap().name, want);
    }
    let saved = serde_json::to_string(&items.checkpoint()).unwrap();
    drop(items);

    let checkpoint = serde_json::from_str(&saved).unwrap();
    let rest: Vec<String> = client
        .widgets()
        .list()
        .resume(&checkpoint)
        .unwrap()
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(rest, ["w4", "w5"]);
}

#[tokio::test]
async fn errors_are_read_and_judged_by_the_toy_rules() {
    let server = MockServer::start().await;
    let fault = |status: u16, code: &str| {
        ResponseTemplate::new(status)
            .set_body_json(json!({"fault": {"code": code, "text": format!("{code} happened")}}))
    };
    Mock::given(method("GET"))
        .and(path("/widgets/7"))
        .respond_with(fault(400, "NO_SUCH_WIDGET"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/widgets/8"))
        .respond_with(fault(403, "BAD_KEY"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/widgets"))
        .respond_with(fault(400, "WIDGET_EXISTS"))
        .mount(&server)
        .await;
    let client = Client::new(&server.uri(), &ManualClock::new(), None);

    let missing = client.widgets().get(WidgetId(7)).await.unwrap_err();
    let api = missing.api_error().unwrap();
    assert_eq!(api.api(), "Toy");
    assert_eq!(api.message(), Some("NO_SUCH_WIDGET happened"));
    assert!(missing.is_not_found());
    assert!(!missing.is_duplicate() && !missing.is_unauthorized());

    let refused = client.widgets().get(WidgetId(8)).await.unwrap_err();
    assert!(refused.is_unauthorized() && !refused.is_not_found());

    let taken = client.widgets().create("w1").await.unwrap_err();
    assert!(taken.is_duplicate() && !taken.is_not_found());
    // A 400 to a create is final: one request each.
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_create_refused_before_the_toy_handler_is_sent_again_and_no_other() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/widgets"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("X-Toy-Queue", "full")
                .insert_header("Retry-After", "2"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/widgets"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 9, "name": "w9"})))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = Client::new(&server.uri(), &clock, None);
    let made = client.widgets().create("w9").await.unwrap();
    assert_eq!(made.id, WidgetId(9));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(clock.sleeps(), [Duration::from_secs(2)]);

    // A 503 without the toy's mark may come after the handler: not resent.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "2"))
        .mount(&server)
        .await;
    let client = Client::new(&server.uri(), &ManualClock::new(), None);
    let err = client.widgets().create("w9").await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(!err.api_error().unwrap().refused_before_handler());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_toy_quota_header_paces_the_next_request() {
    let server = MockServer::start().await;
    // "0 of 1 left": the window is used up.
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Toy-Quota", "0/1")
                .set_body_json(json!({"id": 1, "name": "w1"})),
        )
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = Client::new(&server.uri(), &clock, Some(RateLimit::per_second(100)));
    client.widgets().get(WidgetId(1)).await.unwrap();
    assert!(clock.sleeps().is_empty());
    client.widgets().get(WidgetId(1)).await.unwrap();
    // The default of 100 a second (a wait of 10 ms at most) gave way to
    // the announced 1 a second: the next request waits out the window.
    let slept: Duration = clock.sleeps().iter().sum();
    assert!(
        slept >= Duration::from_secs(1) && slept < Duration::from_secs(2),
        "{:?}",
        clock.sleeps()
    );
}

/// Errors of the toy API are [`Error`]s like any other.
#[allow(dead_code)]
fn errors_are_billkit_errors(e: Error) -> Option<StatusCode> {
    e.status()
}
