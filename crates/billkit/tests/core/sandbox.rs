//! The sandbox's server core: request parsing and fault injection, seen
//! through the client's transport.

use std::time::Duration;

use billkit::Error;
use billkit::http::{Config, Credentials, ManualClock, Request, RetryPolicy, Transport};
use billkit_sandbox::{FakeApi, FakeServer, SandboxRequest, SandboxResponse};
use serde_json::{Value, json};

/// Echoes what it received.
struct Echo;

impl FakeApi for Echo {
    fn handle(&self, r: &SandboxRequest) -> SandboxResponse {
        if r.segments().first().map(String::as_str) == Some("panic") {
            panic!("handler bug");
        }
        SandboxResponse::json(
            200,
            &json!({
                "method": r.method.as_str(),
                "path": r.path,
                "segments": r.segments(),
                "query": r.query,
                "form": r.form(),
                "json": r.json(),
                "bearer": r.bearer_token(),
                "basic": r.basic_user(),
            }),
        )
    }
}

fn transport(
    server: &FakeServer,
    clock: &ManualClock,
    credentials: Credentials,
    retry: RetryPolicy,
) -> Transport {
    Transport::new(
        Config::new()
            .base_url(server.url())
            .unwrap()
            .credentials(credentials)
            .manual_time(clock)
            .retry(retry),
    )
    .unwrap()
}

#[tokio::test]
async fn requests_are_parsed_for_the_fake() {
    let server = FakeServer::start(Echo).await.unwrap();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    let t = transport(
        &server,
        &ManualClock::new(),
        Credentials::basic_key("KEY"),
        RetryPolicy::none(),
    );
    let v: Value = t
        .execute(
            Request::post("/v1/invoices/{id}/refund")
                .param("IV1.2")
                .query("x", "a b")
                .form([("amount", "1000"), ("item_name1", "A&B")]),
        )
        .await
        .unwrap();
    assert_eq!(v["method"], "POST");
    assert_eq!(v["path"], "/v1/invoices/IV1.2/refund");
    assert_eq!(v["segments"], json!(["v1", "invoices", "IV1.2", "refund"]));
    assert_eq!(v["query"], json!([["x", "a b"]]));
    assert_eq!(
        v["form"],
        json!([["amount", "1000"], ["item_name1", "A&B"]])
    );
    assert_eq!(v["json"], Value::Null);
    assert_eq!(v["basic"], "KEY");
    assert_eq!(v["bearer"], Value::Null);

    let t = transport(
        &server,
        &ManualClock::new(),
        Credentials::bearer("1|abc"),
        RetryPolicy::none(),
    );
    let v: Value = t
        .execute(Request::put("/x").json(&json!({"a": 1})))
        .await
        .unwrap();
    assert_eq!(v["json"], json!({"a": 1}));
    assert_eq!(v["bearer"], "1|abc");
    assert_eq!(server.requests_served(), 2);
}

#[tokio::test]
async fn injected_5xx_bursts_are_retried_by_idempotent_requests() {
    let server = FakeServer::start(Echo).await.unwrap();
    server.faults().fail_next(2, 503);
    let clock = ManualClock::new();
    let t = transport(
        &server,
        &clock,
        Credentials::bearer("t"),
        RetryPolicy::default().max_attempts(3),
    );
    let v: Value = t.execute(Request::get("/ok")).await.unwrap();
    assert_eq!(v["path"], "/ok");
    assert_eq!(server.requests_served(), 3);
    assert_eq!(clock.sleeps().len(), 2);
}

#[tokio::test]
async fn injected_429_carries_retry_after() {
    let server = FakeServer::start(Echo).await.unwrap();
    server.faults().throttle_next(1, 12);
    let clock = ManualClock::new();
    let t = transport(
        &server,
        &clock,
        Credentials::bearer("t"),
        RetryPolicy::default(),
    );
    let _: Value = t.execute(Request::get("/ok")).await.unwrap();
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(12)]);
}

#[tokio::test]
async fn injected_502_page_is_html_and_500_is_text() {
    let server = FakeServer::start(Echo).await.unwrap();
    server.faults().fail_next(1, 502);
    server.faults().fail_next(1, 500);
    let t = transport(
        &server,
        &ManualClock::new(),
        Credentials::bearer("t"),
        RetryPolicy::none(),
    );
    let e = t.execute(Request::<Value>::get("/a")).await.unwrap_err();
    assert_eq!(
        e.api_error().unwrap().content_type(),
        Some("text/html; charset=utf-8")
    );
    assert!(e.raw_body().unwrap().contains("502 Bad Gateway"));
    let e = t.execute(Request::<Value>::get("/a")).await.unwrap_err();
    assert_eq!(e.raw_body(), Some("Internal Server Error"));
}

#[tokio::test]
async fn dropped_connections_fail_a_post_and_are_retried_for_a_get() {
    let server = FakeServer::start(Echo).await.unwrap();
    server.faults().drop_next(1);
    let clock = ManualClock::new();
    let t = transport(
        &server,
        &clock,
        Credentials::bearer("t"),
        RetryPolicy::default(),
    );
    // The POST reached the server before the connection dropped: no retry.
    let e = t
        .execute(Request::<Value>::post("/charge"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { attempts: 1, .. }), "{e:?}");
    server.faults().drop_next(1);
    let v: Value = t.execute(Request::get("/list")).await.unwrap();
    assert_eq!(v["path"], "/list");
    assert_eq!(server.requests_served(), 3);
}

/// A transport with a bearer token and manual time.
fn plain(server: &FakeServer, retry: RetryPolicy) -> Transport {
    transport(server, &ManualClock::new(), Credentials::bearer("t"), retry)
}

/// One request over a raw connection (`Connection: close`): the declared
/// `Content-Length` and the body bytes that really arrived before the
/// server closed the connection.
async fn raw_exchange(server: &FakeServer, method: &str, path: &str) -> (usize, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    // A reset after the cut is the end of the transfer too.
    let _ = conn.read_to_end(&mut got).await;
    let split = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a status line and headers arrived");
    let headers = String::from_utf8_lossy(&got[..split]).to_ascii_lowercase();
    let declared = headers
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("a Content-Length header");
    (declared, got[split + 4..].to_vec())
}

fn carried_out(counter: &Counter) -> u32 {
    counter.0.load(std::sync::atomic::Ordering::SeqCst)
}

/// `truncate` is a transfer cut off: the whole body's length is declared,
/// half of it is sent, then the connection closes.
#[tokio::test]
async fn a_truncated_answer_declares_the_whole_length_and_stops_halfway() {
    let server = FakeServer::start(Echo).await.unwrap();
    let (declared, whole) = raw_exchange(&server, "GET", "/a").await;
    assert_eq!(declared, whole.len());
    server.faults().on("GET", "/a").truncate(1);
    let (declared_cut, cut) = raw_exchange(&server, "GET", "/a").await;
    assert_eq!(declared_cut, whole.len());
    assert_eq!(cut, whole[..whole.len() / 2].to_vec());
    assert_eq!(server.faults().pending(), 0);
}

/// `malformed_body` is a complete transfer of half a document: the length
/// declared is the length sent.
#[tokio::test]
async fn a_malformed_body_is_a_complete_transfer_of_half_the_document() {
    let server = FakeServer::start(Echo).await.unwrap();
    let (_, whole) = raw_exchange(&server, "GET", "/a").await;
    server.faults().malformed_body_next(1);
    let (declared, half) = raw_exchange(&server, "GET", "/a").await;
    assert_eq!(declared, half.len());
    assert_eq!(half, whole[..whole.len() / 2].to_vec());
    assert!(serde_json::from_slice::<Value>(&half).is_err());
}

/// A read cut off mid-body is a `BodyRead` error with the status that
/// arrived, retried like a lost connection: the second attempt answers.
#[tokio::test]
async fn a_cut_off_read_is_retried_and_reported_with_its_status() {
    let counter = Counter::default();
    let server = FakeServer::start(counter.clone()).await.unwrap();
    server.faults().truncate_next(1);
    let t = plain(&server, RetryPolicy::default());
    let v: Value = t.execute(Request::get("/a")).await.unwrap();
    assert_eq!(v, json!({ "n": 2 }));
    assert_eq!(server.requests_served(), 2);

    server.faults().truncate_next(1);
    let once = plain(&server, RetryPolicy::none());
    let e = once.execute(Request::<Value>::get("/a")).await.unwrap_err();
    assert!(matches!(e, Error::BodyRead { attempts: 1, .. }), "{e:?}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(e.outcome(), billkit::Outcome::NotApplied);
    assert!(e.is_retryable());
}

/// A create whose success answer is cut off was carried out (its status
/// arrived): the outcome is `Applied`, and it is not sent again. A 5xx cut
/// off is `Unknown`.
#[tokio::test]
async fn a_cut_off_create_is_applied_and_never_sent_again() {
    let counter = Counter::default();
    let server = FakeServer::start(counter.clone()).await.unwrap();
    let t = plain(&server, RetryPolicy::default());
    server.faults().on("POST", "/charge").truncate(1);
    let e = t
        .execute(Request::<Value>::post("/charge"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::BodyRead { attempts: 1, .. }), "{e:?}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(e.outcome(), billkit::Outcome::Applied);
    assert_eq!(carried_out(&counter), 1);
    assert_eq!(server.requests_served(), 1);

    let echo = FakeServer::start(Echo).await.unwrap();
    echo.faults().on("POST", "/panic").truncate(1);
    let t = plain(&echo, RetryPolicy::default());
    let e = t
        .execute(Request::<Value>::post("/panic"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::BodyRead { .. }), "{e:?}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(e.outcome(), billkit::Outcome::Unknown);
    assert_eq!(echo.requests_served(), 1);
}

/// A malformed body is a decode error with the status, not retried (the
/// same answer would come again); after a create it is `Applied` and the
/// body is kept whole.
#[tokio::test]
async fn a_malformed_body_is_a_decode_error_never_retried() {
    let counter = Counter::default();
    let server = FakeServer::start(counter.clone()).await.unwrap();
    let t = plain(&server, RetryPolicy::default());
    server.faults().malformed_body_next(1);
    let e = t.execute(Request::<Value>::get("/a")).await.unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(server.requests_served(), 1);

    server.faults().on("POST", "/charge").malformed_body(1);
    let e = t
        .execute(Request::<Value>::post("/charge"))
        .await
        .unwrap_err();
    let Error::Decode(d) = &e else {
        panic!("expected a decode error, got {e:?}");
    };
    assert_eq!(d.raw_body(), r#"{"n"#);
    assert_eq!(e.outcome(), billkit::Outcome::Applied);
    assert_eq!(carried_out(&counter), 2);
    assert_eq!(server.requests_served(), 2);
}

#[tokio::test]
async fn delay_and_clear() {
    let server = FakeServer::start(Echo).await.unwrap();
    server.faults().set_delay(Duration::from_secs(5));
    server.faults().fail_next(3, 503);
    server.faults().clear();
    let t = transport(
        &server,
        &ManualClock::new(),
        Credentials::bearer("t"),
        RetryPolicy::none(),
    );
    let _: Value = t.execute(Request::get("/a")).await.unwrap();
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_server_lives_on() {
    let server = FakeServer::start(Echo).await.unwrap();
    let t = transport(
        &server,
        &ManualClock::new(),
        Credentials::bearer("t"),
        RetryPolicy::none(),
    );
    let e = t
        .execute(Request::<Value>::get("/panic"))
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
    let _: Value = t.execute(Request::get("/fine")).await.unwrap();
}

/// Counts the requests it carried out.
#[derive(Default, Clone)]
struct Counter(std::sync::Arc<std::sync::atomic::AtomicU32>);

impl FakeApi for Counter {
    fn handle(&self, _: &SandboxRequest) -> SandboxResponse {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        SandboxResponse::json(200, &json!({ "n": n }))
    }
}

#[tokio::test]
async fn a_lost_answer_was_carried_out_but_never_reaches_the_client() {
    let counter = Counter::default();
    let server = FakeServer::start(counter.clone()).await.unwrap();
    server.faults().lose_answer_next(1);
    let t = transport(
        &server,
        &ManualClock::new(),
        Credentials::bearer("t"),
        RetryPolicy::default(),
    );
    let e = t
        .execute(Request::<Value>::post("/charge"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { attempts: 1, .. }), "{e:?}");
    assert_eq!(counter.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    let v: Value = t.execute(Request::post("/charge")).await.unwrap();
    assert_eq!(v, json!({ "n": 2 }));
}

#[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
#[tokio::test]
async fn the_combined_sandbox_serves_each_api_with_working_credentials() {
    let sandbox = billkit_sandbox::Sandbox::start().await.unwrap();
    let urls = [
        sandbox.billpro.base_url(),
        sandbox.billmora.base_url(),
        sandbox.billy.base_url(),
    ];
    assert!(urls[0] != urls[1] && urls[1] != urls[2] && urls[0] != urls[2]);
    let products = sandbox
        .billpro
        .client()
        .unwrap()
        .products()
        .list(&billkit::billpro::ProductFilter::new())
        .page(1)
        .await
        .unwrap();
    assert_eq!(products.items.len(), 25);
    let billmora = billkit::billmora::Client::builder()
        .base_url(sandbox.billmora.base_url())
        .token(sandbox.billmora.token())
        .build()
        .unwrap();
    let users = billmora
        .users()
        .list(&Default::default())
        .collect_all()
        .await
        .unwrap();
    assert!(!users.is_empty());
    let billy = sandbox.billy.client().unwrap();
    let company = billy
        .companies()
        .get(&sandbox.billy.company_guid())
        .await
        .unwrap();
    assert_eq!(company.guid, sandbox.billy.company_guid());
}
