//! A hostile server on raw TCP: absurd headers, bodies cut short or
//! endless, redirects off the origin. Each answer must become a typed error
//! (or a retry), never a panic, a hang or unbounded memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use billkit::Error;
use billkit::http::{Config, Credentials, ManualClock, RateLimit, Request, RetryPolicy, Transport};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one connection.
#[derive(Clone)]
pub enum Answer {
    /// Writes these bytes, then closes.
    Bytes(Vec<u8>),
    /// Writes the head, then `chunk` again and again until the client goes
    /// away (or `limit` bytes are out).
    Endless {
        head: Vec<u8>,
        chunk: Vec<u8>,
        limit: usize,
    },
}

/// A loopback server answering the n-th connection with the n-th answer
/// (the last one repeats). It keeps every request head it read.
pub struct RawServer {
    pub url: String,
    pub heads: Arc<Mutex<Vec<String>>>,
    pub bytes_out: Arc<AtomicUsize>,
}

impl RawServer {
    pub async fn start(answers: Vec<Answer>) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let bytes_out = Arc::new(AtomicUsize::new(0));
        let (h, out) = (heads.clone(), bytes_out.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while let Ok((stream, _)) = listener.accept().await {
                let answer = answers[n.min(answers.len() - 1)].clone();
                n += 1;
                tokio::spawn(serve(stream, answer, h.clone(), out.clone()));
            }
        });
        RawServer {
            url,
            heads,
            bytes_out,
        }
    }

    pub fn requests(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    answer: Answer,
    heads: Arc<Mutex<Vec<String>>>,
    out: Arc<AtomicUsize>,
) {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    // Read the head and a body of Content-Length bytes.
    loop {
        let Ok(n) = stream.read(&mut tmp).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let len = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                match stream.read(&mut tmp).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&tmp[..n]),
                }
            }
            heads
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf).to_string());
            break;
        }
    }
    match answer {
        Answer::Bytes(b) => {
            let _ = stream.write_all(&b).await;
            out.fetch_add(b.len(), Ordering::Relaxed);
        }
        Answer::Endless { head, chunk, limit } => {
            if stream.write_all(&head).await.is_err() {
                return;
            }
            let mut sent = 0;
            while sent < limit {
                if stream.write_all(&chunk).await.is_err() {
                    break;
                }
                sent += chunk.len();
                out.fetch_add(chunk.len(), Ordering::Relaxed);
            }
        }
    }
    let _ = stream.shutdown().await;
}

pub fn response(status: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut s = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("Connection: close\r\n\r\n");
    s.push_str(body);
    Answer::Bytes(s.into_bytes())
}

fn transport_to(url: &str, clock: &ManualClock, tweak: impl FnOnce(Config) -> Config) -> Transport {
    let config = Config::new()
        .base_url(url)
        .unwrap()
        .credentials(Credentials::bearer("secret-token-123"))
        .manual_time(clock);
    Transport::new(tweak(config)).unwrap()
}

const HUGE: [&str; 3] = [
    "18446744073709551615",
    "9223372036854775807",
    "99999999999999999999999",
];

#[tokio::test]
async fn an_absurd_retry_after_ends_the_call_at_once_without_panicking() {
    for value in HUGE {
        for status in ["429 Too Many Requests", "503 Service Unavailable"] {
            let server = RawServer::start(vec![response(
                status,
                &[("Retry-After", value)],
                "slow down",
            )])
            .await;
            let clock = ManualClock::new();
            let t = transport_to(&server.url, &clock, |c| {
                c.rate_limit(Some(RateLimit::per_second(40)))
            });
            let err = t
                .execute::<Value>(Request::get("/things"))
                .await
                .unwrap_err();
            assert!(matches!(err, Error::Api(_)), "{value} {status}: {err}");
            assert_eq!(server.requests().len(), 1, "{value} {status}");
            assert!(clock.sleeps().is_empty(), "{value}: {:?}", clock.sleeps());
            if value != HUGE[2] {
                assert!(err.retry_after().unwrap() > Duration::from_secs(1 << 40));
            }
            // A POST through the same limiter afterwards: no panic, no wait,
            // nothing sent.
            let err = t
                .execute::<Value>(Request::post("/things"))
                .await
                .unwrap_err();
            if status.starts_with("429") && value != HUGE[2] {
                assert!(matches!(err, Error::RateLimited { .. }), "{err}");
                assert_eq!(server.requests().len(), 1);
            }
        }
    }
}

#[tokio::test]
async fn a_long_server_hold_never_outlasts_a_calls_deadline() {
    let server = RawServer::start(vec![
        response("429 Too Many Requests", &[("Retry-After", "3600")], "{}"),
        response("200 OK", &[("Content-Type", "application/json")], "{}"),
    ])
    .await;
    let clock = ManualClock::new();
    let t = transport_to(&server.url, &clock, |c| {
        c.rate_limit(Some(RateLimit::per_minute(60)))
            .deadline(Some(Duration::from_secs(5)))
    });
    let err = t
        .execute::<Value>(Request::get("/users/{id}").param(1u64))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    // Every clone is held, and each call fails at once with the wait.
    let other = t.clone();
    let err = other
        .execute::<Value>(Request::get("/users/{id}").param(2u64))
        .await
        .unwrap_err();
    match &err {
        Error::RateLimited { wait, attempts, .. } => {
            assert_eq!(*wait, Duration::from_secs(3600));
            assert_eq!(*attempts, 0);
        }
        other => panic!("{other}"),
    }
    assert!(err.is_retryable());
    assert_eq!(server.requests().len(), 1);
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
}

#[tokio::test]
async fn a_declared_huge_body_is_refused_unread() {
    let server = RawServer::start(vec![Answer::Endless {
        head: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n"
            .to_vec(),
        chunk: vec![b' '; 64 * 1024],
        limit: 1 << 30,
    }])
    .await;
    let clock = ManualClock::new();
    let t = transport_to(&server.url, &clock, |c| c.max_response_bytes(1 << 20));
    let err = t.execute::<Value>(Request::get("/big")).await.unwrap_err();
    match &err {
        Error::ResponseTooLarge { limit, status, .. } => {
            assert_eq!(*limit, 1 << 20);
            assert_eq!(status.as_u16(), 200);
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("1048576-byte cap"), "{err}");
    // Not retried: a larger answer will not come smaller.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_cap() {
    let server = RawServer::start(vec![Answer::Endless {
        head: b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec(),
        chunk: {
            let data = vec![b'7'; 32 * 1024];
            let mut c = format!("{:x}\r\n", data.len()).into_bytes();
            c.extend_from_slice(&data);
            c.extend_from_slice(b"\r\n");
            c
        },
        limit: 256 << 20,
    }])
    .await;
    let clock = ManualClock::new();
    let t = transport_to(&server.url, &clock, |c| c.max_response_bytes(2 << 20));
    let err = t
        .execute::<Value>(Request::get("/endless"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err}");
    // The client hung up near the cap, long before the server's 256 MiB.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(server.bytes_out.load(Ordering::Relaxed) < 64 << 20);
}

#[tokio::test]
async fn an_error_page_larger_than_the_cap_keeps_its_start() {
    let page = format!(
        "<html><title>502 Bad Gateway</title>{}</html>",
        "x".repeat(1 << 20)
    );
    let server = RawServer::start(vec![response("502 Bad Gateway", &[], &page)]).await;
    let clock = ManualClock::new();
    let t = transport_to(&server.url, &clock, |c| c.retry(RetryPolicy::none()));
    let err = t.execute::<Value>(Request::get("/x")).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert!(
        err.raw_body()
            .unwrap()
            .starts_with("<html><title>502 Bad Gateway")
    );
    assert!(err.raw_body().unwrap().len() < 8 * 1024);
}

#[tokio::test]
async fn a_get_body_cut_short_is_retried() {
    let cut = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\": 1, \"na";
    let server = RawServer::start(vec![
        Answer::Bytes(cut.as_bytes().to_vec()),
        response(
            "200 OK",
            &[("Content-Type", "application/json")],
            r#"{"id":1}"#,
        ),
    ])
    .await;
    let clock = ManualClock::new();
    let t = transport_to(&server.url, &clock, |c| c);
    let v: Value = t
        .execute(Request::get("/things/{id}").param(1u64))
        .await
        .unwrap();
    assert_eq!(v, serde_json::json!({"id": 1}));
    assert_eq!(server.requests().len(), 2);
    assert_eq!(clock.sleeps().len(), 1);
}

#[tokio::test]
async fn a_post_body_cut_short_is_not_sent_again() {
    let cut = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\": 1, \"na";
    let server = RawServer::start(vec![Answer::Bytes(cut.as_bytes().to_vec())]).await;
    let clock = ManualClock::new();
    let t = transport_to(&server.url, &clock, |c| c);
    let err = t
        .execute::<Value>(Request::post("/things").json(&serde_json::json!({"a": 1})))
        .await
        .unwrap_err();
    // The 201 came: the create landed though its answer was cut off.
    assert!(matches!(err, Error::BodyRead { .. }), "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(201));
    assert_eq!(err.outcome(), billkit::Outcome::Applied);
    assert!(!err.is_retryable());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn redirects_never_carry_a_body_or_leave_the_origin() {
    let elsewhere = RawServer::start(vec![response("200 OK", &[], "{}")]).await;
    let to_elsewhere = format!("{}/collect?token=abc", elsewhere.url);
    for (m, status) in [
        ("POST", "307 Temporary Redirect"),
        ("POST", "308 Permanent Redirect"),
        ("POST", "302 Found"),
        ("GET", "302 Found"),
        ("PUT", "307 Temporary Redirect"),
    ] {
        let server =
            RawServer::start(vec![response(status, &[("Location", &to_elsewhere)], "")]).await;
        let clock = ManualClock::new();
        let t = transport_to(&server.url, &clock, |c| c.retry(RetryPolicy::none()));
        let req = Request::<Value>::new(m.parse().unwrap(), "/customers")
            .json(&serde_json::json!({"email": "dana@example.com"}));
        let err = t.execute(req).await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("not followed"), "{m} {status}: {msg}");
        assert!(!msg.contains("token=abc"), "{msg}");
        assert_eq!(server.requests().len(), 1);
    }
    assert!(elsewhere.requests().is_empty());
}

#[tokio::test]
async fn a_same_origin_redirect_of_a_get_is_followed_but_not_of_a_post() {
    let server = RawServer::start(vec![
        response(
            "301 Moved Permanently",
            &[("Location", "/api/v2/things")],
            "",
        ),
        response(
            "200 OK",
            &[("Content-Type", "application/json")],
            r#"{"ok":true}"#,
        ),
    ])
    .await;
    let clock = ManualClock::new();
    let t = transport_to(&server.url, &clock, |c| c.retry(RetryPolicy::none()));
    let v: Value = t.execute(Request::get("/things")).await.unwrap();
    assert_eq!(v, serde_json::json!({"ok": true}));
    let reqs = server.requests();
    assert!(
        reqs[1].starts_with("GET /api/v2/things HTTP/1.1"),
        "{}",
        reqs[1]
    );
    assert!(
        reqs[1]
            .to_ascii_lowercase()
            .contains("authorization: bearer")
    );

    let server = RawServer::start(vec![response(
        "307 Temporary Redirect",
        &[("Location", "/api/v2/things")],
        "",
    )])
    .await;
    let t = transport_to(&server.url, &clock, |c| c.retry(RetryPolicy::none()));
    let err = t
        .execute::<Value>(Request::post("/things").json(&serde_json::json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(307));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_amount_with_too_many_digits_is_a_decode_error_naming_the_field() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Price {
        #[serde(with = "billkit::money::decimal")]
        price: Decimal,
    }
    for text in [
        format!("\"0.{}\"", "9".repeat(10_000)),
        "1.0000000000000000000000000000001".to_owned(),
    ] {
        let body = format!(r#"{{"price": {text}}}"#);
        let server = RawServer::start(vec![response(
            "200 OK",
            &[("Content-Type", "application/json")],
            &body,
        )])
        .await;
        let clock = ManualClock::new();
        let t = transport_to(&server.url, &clock, |c| c);
        match t.execute::<Price>(Request::get("/p")).await.unwrap_err() {
            Error::Decode(d) => assert_eq!(d.json_path(), "price"),
            other => panic!("{other}"),
        }
    }
}

#[tokio::test]
async fn garbage_heads_and_bodies_are_typed_errors() {
    let answers: [&[u8]; 6] = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n\xff\xfe\x00{[",
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 9\r\n\r\nnot json\n",
        b"HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n{}",
        b"NOT HTTP AT ALL\r\n\r\n",
        b"",
    ];
    for a in answers {
        let server = RawServer::start(vec![Answer::Bytes(a.to_vec())]).await;
        let clock = ManualClock::new();
        let t = transport_to(&server.url, &clock, |c| c.retry(RetryPolicy::none()));
        let err = t.execute::<Value>(Request::get("/x")).await.unwrap_err();
        assert!(!err.to_string().is_empty(), "{a:?}");
    }
}

#[test]
fn a_token_with_a_trailing_newline_is_a_clear_build_error() {
    let err = Transport::new(
        Config::new()
            .base_url("https://example.com")
            .unwrap()
            .credentials(Credentials::bearer("tok-123\n")),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(err.to_string().contains("trailing newline"), "{err}");
    assert!(!err.to_string().contains("tok-123"));
}
