//! Seeing and steering calls: per-call options, hooks, the audit log,
//! metrics and request ids, against the sandbox on manual time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use billkit::ExposeSecret;
use billkit::billmora::{self, InvoiceFilter, NewUser};
use billkit::http::{
    AttemptEvent, AuditLog, CallOptions, Config, Decision, FallbackEvent, Hook, ManualClock,
    RateLimit, RateLimitEvent, Request, ResponseEvent, RetryEvent, RetryPolicy, Transport,
};
use billkit_sandbox::billmora::BillmoraSandbox;
use billkit_sandbox::{FakeApi, FakeServer, SandboxRequest, SandboxResponse};

/// Records every event as one line of text, and everything a hook can
/// read (payload views included) for the canary checks.
#[derive(Default)]
struct Recorder {
    lines: Mutex<Vec<String>>,
    payloads: Mutex<Vec<String>>,
}

impl Recorder {
    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
    fn push(&self, line: String, payload: String) {
        self.lines.lock().unwrap().push(line);
        self.payloads.lock().unwrap().push(payload);
    }
}

impl Hook for Recorder {
    fn before_attempt(&self, e: &AttemptEvent<'_>) {
        let line = format!("attempt {} {} #{}", e.call.method, e.call.route, e.attempt);
        let payload = format!("{e:?} {:?} {:?}", e.request.query(), e.request.body());
        self.push(line, payload);
    }
    fn after_response(&self, e: &ResponseEvent<'_>) {
        let status = e.status.map_or("-".to_owned(), |s| s.as_u16().to_string());
        let line = format!(
            "response {} {} #{} {status} {}",
            e.call.method,
            e.call.route,
            e.attempt,
            e.error_type.unwrap_or("ok")
        );
        let payload = format!(
            "{e:?} {:?} {:?}",
            e.response.map(|r| r.headers()),
            e.response.map(|r| r.body())
        );
        self.push(line, payload);
    }
    fn on_retry_decision(&self, e: &RetryEvent<'_>) {
        let decision = match e.decision {
            Decision::Retry(d) => format!("retry in {}ms", d.as_millis()),
            Decision::Stop(why) => format!("stop {why:?}"),
            _ => "other".to_owned(),
        };
        let line = format!(
            "decision {} {} #{} {decision} {}",
            e.call.method,
            e.call.route,
            e.attempt,
            e.outcome.as_str()
        );
        self.push(line, format!("{e:?}"));
    }
    fn on_rate_limit_wait(&self, e: &RateLimitEvent<'_>) {
        let line = format!(
            "wait {} {} #{} {}ms {} granted={}",
            e.call.method,
            e.call.route,
            e.attempt,
            e.wait.as_millis(),
            e.limiter.as_str(),
            e.granted
        );
        self.push(line, format!("{e:?}"));
    }
    fn on_shared_limit_fallback(&self, e: &FallbackEvent<'_>) {
        self.push("fallback".to_owned(), format!("{e:?}"));
    }
}

/// A Billmora client of `sandbox` on manual time with `hook`, no
/// client-side quota (so no rate-limit wait but those a test sets up).
fn billmora_client(
    sandbox: &BillmoraSandbox,
    clock: &ManualClock,
    hook: Option<Arc<dyn Hook>>,
) -> billmora::Client {
    let mut builder = sandbox.client_builder().manual_time(clock).rate_limit(None);
    if let Some(hook) = hook {
        builder = builder.hook(hook);
    }
    builder.build().expect("valid client")
}

#[tokio::test]
async fn a_per_call_deadline_overrides_the_clients_and_leaves_it_for_other_calls() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let client = sandbox
        .client_builder()
        .manual_time(&clock)
        .rate_limit(None)
        .retry(RetryPolicy::default().max_attempts(5))
        .build()
        .unwrap();
    // 429 with Retry-After: 10 s to every try. The call may take 15 s: the
    // second 10 s wait would pass it, so it stops after two attempts.
    sandbox.faults().on("GET", "/invoices").throttle(10, 10);
    let scoped = client.with_options(CallOptions::new().deadline(Some(Duration::from_secs(15))));
    let err = first_page(&scoped).await.unwrap_err();
    assert_eq!(err.attempts(), Some(2), "{err}");
    assert_eq!(clock.elapsed(), Duration::from_secs(10));
    assert_eq!(sandbox.journal().entries().len(), 2);

    // The client's own 120 s deadline still holds for the next call: all
    // five attempts are made, 40 s of waits.
    let err = first_page(&client).await.unwrap_err();
    assert_eq!(err.attempts(), Some(5), "{err}");
    assert_eq!(clock.elapsed(), Duration::from_secs(10 + 40));
    assert_eq!(sandbox.journal().entries().len(), 7);
}

#[tokio::test]
async fn a_scoped_view_shares_the_clients_rate_limiter() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let client = sandbox
        .client_builder()
        .manual_time(&clock)
        .rate_limit(Some(RateLimit::per_minute(2)))
        .build()
        .unwrap();
    let scoped = client.with_options(CallOptions::new().retry(RetryPolicy::none()));
    first_page(&scoped).await.unwrap();
    first_page(&scoped).await.unwrap();
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
    // Two of the two a minute were spent through the view: the client
    // itself waits for the window.
    first_page(&client).await.unwrap();
    assert_eq!(clock.sleeps().len(), 1, "{:?}", clock.sleeps());
    assert!(
        clock.sleeps()[0] >= Duration::from_secs(59),
        "{:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn lists_from_a_scoped_view_keep_its_options_for_every_page() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let client = billmora_client(&sandbox, &clock, None);
    // One 503: the client's policy would retry it; the view's does not.
    sandbox.faults().on("GET", "/invoices").fail(1, 503);
    let scoped = client.with_options(CallOptions::new().retry(RetryPolicy::none()));
    let err = scoped
        .invoices()
        .list(&InvoiceFilter::new())
        .collect_all()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), Some(1));
    sandbox.faults().on("GET", "/invoices").fail(1, 503);
    client
        .invoices()
        .list(&InvoiceFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(sandbox.journal().entries().len(), 3);
}

/// The first page of invoices, the read every test here makes.
async fn first_page(
    client: &billmora::Client,
) -> billkit::Result<billkit::http::Page<billmora::Invoice>> {
    client.invoices().list(&InvoiceFilter::new()).page(1).await
}

/// The events one page of invoices gives with the fault `arm` sets, and
/// the waits it slept.
async fn list_page_recorded(
    arm: impl FnOnce(&billkit_sandbox::Faults),
) -> (Vec<String>, Vec<Duration>) {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let recorder = Arc::new(Recorder::default());
    let client = billmora_client(&sandbox, &clock, Some(recorder.clone() as Arc<dyn Hook>));
    arm(sandbox.faults());
    first_page(&client).await.unwrap();
    (recorder.lines(), clock.sleeps())
}

#[tokio::test]
async fn hooks_see_a_503_then_success_in_order() {
    let (lines, sleeps) = list_page_recorded(|f| {
        f.on("GET", "/invoices").fail(1, 503);
    })
    .await;
    assert_eq!(
        lines,
        [
            "attempt GET /invoices #1",
            "response GET /invoices #1 503 503",
            // The first backoff: half of 500 ms, and no jitter.
            "decision GET /invoices #1 retry in 250ms not_applied",
            "attempt GET /invoices #2",
            "response GET /invoices #2 200 ok",
        ]
    );
    assert_eq!(sleeps, [Duration::from_millis(250)]);
}

#[tokio::test]
async fn hooks_see_a_429_with_retry_after_and_the_wait_it_asks_for() {
    let (lines, sleeps) = list_page_recorded(|f| {
        f.on("GET", "/invoices").throttle(1, 7);
    })
    .await;
    assert_eq!(
        lines,
        [
            "attempt GET /invoices #1",
            "response GET /invoices #1 429 429",
            "decision GET /invoices #1 retry in 7000ms not_applied",
            "attempt GET /invoices #2",
            "response GET /invoices #2 200 ok",
        ]
    );
    assert_eq!(sleeps, [Duration::from_secs(7)]);
}

#[tokio::test]
async fn hooks_see_a_dropped_create_its_lookup_and_the_resend() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let recorder = Arc::new(Recorder::default());
    let client = billmora_client(&sandbox, &clock, Some(recorder.clone() as Arc<dyn Hook>));
    sandbox.faults().on("POST", "/users").drop_connection(1);
    let user = client
        .users()
        .create(&NewUser::new(
            "Dana",
            "Borys",
            "dana@example.com",
            "pw-12345678",
        ))
        .await
        .unwrap();
    assert_eq!(user.email, "dana@example.com");
    let lines = recorder.lines();
    assert_eq!(
        lines,
        [
            "attempt POST /users #1",
            "response POST /users #1 - connection",
            "decision POST /users #1 stop NotRetryable unknown",
            // The lookup by the unique email: not there.
            "attempt GET /users #1",
            "response GET /users #1 200 ok",
            // The server refuses a second user with this email: sent again
            // after the first backoff (half of 500 ms with no jitter).
            "decision POST /users #1 retry in 250ms unknown",
            "attempt POST /users #1",
            "response POST /users #1 201 ok",
        ],
        "{lines:#?}"
    );
}

#[tokio::test]
async fn a_rate_limit_wait_is_reported_before_the_transport_sleeps() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let recorder = Arc::new(Recorder::default());
    let client = sandbox
        .client_builder()
        .manual_time(&clock)
        .rate_limit(Some(RateLimit::per_minute(1)))
        .hook(recorder.clone())
        .build()
        .unwrap();
    first_page(&client).await.unwrap();
    first_page(&client).await.unwrap();
    assert_eq!(
        recorder.lines(),
        [
            "attempt GET /invoices #1",
            "response GET /invoices #1 200 ok",
            "wait GET /invoices #1 60100ms local granted=true",
            "attempt GET /invoices #1",
            "response GET /invoices #1 200 ok",
        ]
    );
    // The window and its 100 ms margin.
    assert_eq!(clock.sleeps(), [Duration::from_millis(60_100)]);
}

/// Fails when any canary is in what hooks were given or in the audit log.
fn assert_absent(canaries: &[&str], payloads: &str, audit: &str) {
    for canary in canaries {
        assert!(
            !payloads.contains(canary),
            "{canary} reached a hook: {payloads}"
        );
        assert!(
            !audit.contains(canary),
            "{canary} reached the audit log: {audit}"
        );
    }
}

/// Secrets a test sends, each of which must be blanked everywhere.
const CANARY_PASSWORD: &str = "canary-pw-5f1e";
const CANARY_QUERY: &str = "canary-query-9b2c";

#[tokio::test]
async fn no_canary_secret_reaches_a_hook_or_the_audit_log() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let canary_token = sandbox.add_token(&["*"]);
    let clock = ManualClock::new();
    let recorder = Arc::new(Recorder::default());
    let audit = SharedBuf::default();
    let client = sandbox
        .client_builder()
        .token(canary_token.clone())
        .manual_time(&clock)
        .rate_limit(None)
        .hook(recorder.clone())
        .hook(Arc::new(AuditLog::new(audit.clone()).with_bodies(true)))
        .build()
        .unwrap();
    // A secret in the body (a password), answered once with a 503 so the
    // failure paths are seen too.
    sandbox.faults().on("POST", "/users").fail(1, 503);
    let _ = client
        .users()
        .create(&NewUser::new(
            "Dana",
            "Borys",
            "dana@example.com",
            CANARY_PASSWORD,
        ))
        .await;
    client
        .users()
        .create(&NewUser::new(
            "Eve",
            "Borys",
            "eve@example.com",
            CANARY_PASSWORD,
        ))
        .await
        .unwrap();
    // A secret in the query.
    let raw = client
        .transport()
        .send(&Request::<()>::get("/users").query("access_token", CANARY_QUERY))
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 200);

    let payloads = recorder.payloads.lock().unwrap().join("\n");
    let audit = audit.text();
    assert!(payloads.contains("[REDACTED]"), "{payloads}");
    // The body is a JSON text inside the line's JSON: its quotes escaped.
    assert!(audit.contains(r#"\"password\":\"[REDACTED]\""#), "{audit}");
    assert!(
        audit.contains("[\"access_token\",\"[REDACTED]\"]"),
        "{audit}"
    );
    assert_absent(
        &[canary_token.as_str(), CANARY_PASSWORD, CANARY_QUERY],
        &payloads,
        &audit,
    );
}

#[tokio::test]
async fn no_api_key_reaches_a_hook_or_the_audit_log() {
    let sandbox = billkit_sandbox::billy::BillySandbox::start().await.unwrap();
    let clock = ManualClock::new();
    let recorder = Arc::new(Recorder::default());
    let audit = SharedBuf::default();
    let builder = sandbox
        .client_builder()
        .manual_time(&clock)
        .hook(recorder.clone())
        .hook(Arc::new(AuditLog::new(audit.clone()).with_bodies(true)));
    // The key in every request's Authorization header.
    let client = builder.clone().build().unwrap();
    client
        .invoices()
        .list(&billkit::billy::InvoiceFilter::new())
        .page(1)
        .await
        .unwrap();
    // A processor key in a form body, and a new company's API key in the
    // answer's JSON.
    let registered = builder
        .register_company("canary-processor-key-77")
        .await
        .unwrap();
    let new_key = registered.api_key().expose_secret().to_owned();

    let payloads = recorder.payloads.lock().unwrap().join("\n");
    let audit = audit.text();
    assert!(audit.contains("processor_key=%5BREDACTED%5D"), "{audit}");
    assert!(audit.contains(r#"\"api_key\":\"[REDACTED]\""#), "{audit}");
    assert_absent(
        &[
            sandbox.api_key(),
            "canary-processor-key-77",
            new_key.as_str(),
        ],
        &payloads,
        &audit,
    );
}

#[tokio::test]
async fn the_audit_log_writes_one_json_line_per_event_with_stable_fields() {
    let sandbox = BillmoraSandbox::start().await.unwrap();
    let clock = ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let audit = SharedBuf::default();
    let client = billmora_client(
        &sandbox,
        &clock,
        Some(Arc::new(AuditLog::new(audit.clone()))),
    );
    sandbox.faults().on("GET", "/invoices").fail(1, 503);
    first_page(&client).await.unwrap();
    let lines: Vec<serde_json::Value> = audit
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let common = |event: &str, attempt: u32| {
        // The retry waits 250 ms on the manual clock.
        let at = if attempt == 1 {
            "2023-11-14T22:13:20.000Z"
        } else {
            "2023-11-14T22:13:20.250Z"
        };
        serde_json::json!({
            "event": event, "at": at, "api": "Billmora", "method": "GET",
            "route": "/invoices", "attempt": attempt,
        })
    };
    let with = |mut base: serde_json::Value, more: serde_json::Value| {
        base.as_object_mut()
            .unwrap()
            .extend(more.as_object().unwrap().clone());
        base
    };
    let query = serde_json::json!({ "query": [["page", "1"]] });
    assert_eq!(
        lines,
        [
            with(common("attempt", 1), query.clone()),
            with(
                common("response", 1),
                serde_json::json!({"status": 503, "error_type": "503", "elapsed_ms": 0, "request_id": null})
            ),
            with(
                common("retry", 1),
                serde_json::json!({"decision": "retry", "delay_ms": 250, "stop_reason": null, "outcome": "not_applied"})
            ),
            with(common("attempt", 2), query),
            with(
                common("response", 2),
                serde_json::json!({"status": 200, "error_type": null, "elapsed_ms": 0, "request_id": null})
            ),
        ]
    );
}

/// An audit-log sink the test can read back.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A server that names each request by a request-id header of its own
/// kind: `/ok`, `/cut` and `/missing` by `x-request-id`, `/half` by
/// `cf-ray`.
struct Ids;

impl FakeApi for Ids {
    fn handle(&self, request: &SandboxRequest) -> SandboxResponse {
        match request.path.as_str() {
            "/ok" => SandboxResponse::json(200, &serde_json::json!({"id": 1}))
                .with_header("x-request-id", "req-ok-1"),
            "/cut" => {
                SandboxResponse::json(200, &serde_json::json!({"id": 1, "pad": "x".repeat(64)}))
                    .with_header("x-request-id", "req-cut-3")
            }
            "/half" => {
                SandboxResponse::raw_json(200, "{\"id\": ").with_header("cf-ray", "8c1f-LHR")
            }
            _ => SandboxResponse::json(404, &serde_json::json!({"message": "No such thing"}))
                .with_header("x-request-id", "req-missing-2"),
        }
    }
}

#[tokio::test]
async fn request_ids_are_kept_on_success_and_on_errors() {
    let server = FakeServer::start(Ids).await.unwrap();
    let clock = ManualClock::new();
    let recorder = Arc::new(Recorder::default());
    let transport = Transport::new(
        Config::new()
            .base_url(server.url())
            .unwrap()
            .manual_time(&clock)
            .retry(RetryPolicy::none())
            .hook(recorder.clone()),
    )
    .unwrap();
    let ok = transport.send(&Request::<()>::get("/ok")).await.unwrap();
    assert_eq!(ok.request_id(), Some("req-ok-1"));
    let err = transport
        .send(&Request::<()>::get("/missing"))
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("req-missing-2"));
    assert_eq!(
        err.api_error().and_then(|e| e.request_id()),
        Some("req-missing-2")
    );
    let err = transport
        .execute(Request::<serde_json::Value>::get("/half"))
        .await
        .unwrap_err();
    assert!(matches!(err, billkit::Error::Decode(_)), "{err}");
    assert_eq!(err.request_id(), Some("8c1f-LHR"));
    // The head arrives, the body is cut off half way.
    server.faults().on("GET", "/cut").truncate(1);
    let err = transport
        .send(&Request::<()>::get("/cut"))
        .await
        .unwrap_err();
    assert!(matches!(err, billkit::Error::BodyRead { .. }), "{err}");
    assert_eq!(err.request_id(), Some("req-cut-3"));
    let seen = recorder.payloads.lock().unwrap().join("\n");
    for id in ["req-ok-1", "req-missing-2", "8c1f-LHR"] {
        assert!(
            seen.contains(&format!("request_id: Some(\"{id}\")")),
            "{id}: {seen}"
        );
    }
}

#[cfg(feature = "metrics")]
mod metrics;
