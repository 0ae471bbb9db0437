//! An HTTP API that drives a [`Sandbox`] from any language: reset and
//! seed, the clock, due billing, checkouts, faults and the journal.
//!
//! `billkit sandbox serve` serves it on its own port; [`serve`] does the
//! same from Rust. Every body in and out is JSON. An unknown route is
//! `404 {"error": …}`, a known path with another method `405`, and a body
//! that does not fit `400 {"error": "…what is wrong…"}`. `{api}` is
//! `billpro`, `billmora` or `billy`.
//!
//! | Method and path | Body | Answer |
//! | --- | --- | --- |
//! | `GET /status` | | every fake's URLs and credentials, the clock, the state file |
//! | `POST /reset` | | every fake back to its seed data (the clock stays) |
//! | `POST /reset/{api}` | | one fake back to its seed data |
//! | `GET /state` | | the whole state document (see [`Sandbox::snapshot`]) |
//! | `PUT /state` | a state document | loads it (seed); `400` and nothing changed when it does not load |
//! | `GET /clock` | | `{"now", "offset_ms"}` |
//! | `POST /clock/advance` | `{"days", "hours", "minutes", "seconds"}` (whole, ≥ 0, at least one) | moves the clock forward; the new `{"now", "offset_ms"}` |
//! | `POST /billing/run-due` | | runs due billing ([`Sandbox::run_due_billing`]); `{"billpro_payments_collected", "billmora_invoices_changed", "billy_invoices_filed"}` |
//! | `POST /billpro/checkouts/{order_id}/complete` | | the customer pays ([`complete_checkout`](crate::billpro::BillProSandbox::complete_checkout)); `409` when no pending order has that id |
//! | `POST /billpro/checkouts/{order_id}/decline` | | the gateway declines ([`decline_checkout`](crate::billpro::BillProSandbox::decline_checkout)); `409` likewise |
//! | `POST /billpro/scheduled-payments/{id}/collect` | | a scheduled payment is collected; `409` when not collectable |
//! | `POST /billpro/scheduled-payments/{id}/decline` | `{"hard": bool}` (optional, soft by default) | a scheduled payment is declined; `409` when not `scheduled` |
//! | `GET /faults/{api}` | | `{"pending", "armed": [{"method", "path", "kind", "left", …}]}` |
//! | `POST /faults/{api}` | a fault (below) | arms it; the new list |
//! | `DELETE /faults/{api}` | | clears that fake's faults |
//! | `DELETE /faults` | | clears every fake's faults |
//! | `GET /journal/{api}?since=N` | | `{"last_seq", "entries": [...]}`: the requests after sequence number `N` (all without it), redacted ([`JournalEntry`](crate::JournalEntry)) |
//! | `DELETE /journal/{api}` | | forgets that fake's journal |
//!
//! A fault is `{"kind", "n", "method", "path", "status", "retry_after",
//! "delay_ms"}`, the same kinds and aim as
//! [`Faults::on`](crate::Faults::on) and [`Faults::any`](crate::Faults::any):
//!
//! - `kind`: `fail` (answers `status`, default 503, not carried out),
//!   `fail_after_commit` (carried out, then `status`, default 503),
//!   `throttle` (429 with `Retry-After: retry_after`, default 1),
//!   `drop` (connection closed, not carried out), `lose_answer` (carried
//!   out, connection closed), `truncate` (body cut off mid-transfer),
//!   `malformed_body` (half the body, complete), `slow_answer` (carried
//!   out, answered `delay_ms` later, default 1000), `late_commit` (carried
//!   out `delay_ms` later);
//! - `n`: how many requests it hits (default 1, at least 1);
//! - `method` and `path` together aim it (`"POST"`, `"/v1/plans"`; `*`
//!   matches one segment; matched against the end of the path); without
//!   them it hits any request.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! let sandbox = Arc::new(billkit_sandbox::Sandbox::start().await?);
//! let admin = billkit_sandbox::admin::serve(sandbox.clone(), "127.0.0.1:0".parse()?).await?;
//! let http = reqwest::Client::new();
//! let armed = http
//!     .post(format!("{}/faults/billy", admin.url()))
//!     .body(r#"{"kind": "fail", "n": 2, "status": 503, "method": "GET", "path": "/v1/plans"}"#)
//!     .send()
//!     .await?;
//! assert_eq!(armed.status(), 200);
//! assert_eq!(sandbox.billy.faults().pending(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    FakeApi, FakeServer, FaultKind, Faults, Method, Sandbox, SandboxRequest, SandboxResponse,
};

/// Serves the admin API of `sandbox` on `addr` (port 0 for any free one).
pub async fn serve(sandbox: Arc<Sandbox>, addr: SocketAddr) -> std::io::Result<FakeServer> {
    FakeServer::start_on(addr, AdminApi::new(sandbox)).await
}

/// The admin API as a [`FakeApi`], for serving it some other way.
#[derive(Debug)]
pub struct AdminApi {
    sandbox: Arc<Sandbox>,
}

impl AdminApi {
    /// The admin API of `sandbox`.
    pub fn new(sandbox: Arc<Sandbox>) -> Self {
        AdminApi { sandbox }
    }
}

impl FakeApi for AdminApi {
    fn handle(&self, request: &SandboxRequest) -> SandboxResponse {
        match self.route(request) {
            Ok(r) | Err(r) => r,
        }
    }
}

type Answer = Result<SandboxResponse, SandboxResponse>;

fn error(status: u16, message: impl Into<String>) -> SandboxResponse {
    SandboxResponse::json(status, &json!({ "error": message.into() }))
}

fn ok(value: Value) -> Answer {
    Ok(SandboxResponse::json(200, &value))
}

/// The body as `T`, or a 400 saying what does not fit. An empty body is
/// read as `{}`.
fn body<T: for<'de> Deserialize<'de>>(request: &SandboxRequest) -> Result<T, SandboxResponse> {
    let bytes: &[u8] = if request.body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &request.body
    };
    serde_json::from_slice(bytes)
        .map_err(|e| error(400, format!("the body does not fit this route: {e}")))
}

/// Which fake a path segment names.
#[derive(Clone, Copy)]
enum Api {
    BillPro,
    Billmora,
    Billy,
}

impl Api {
    fn parse(name: &str) -> Result<Api, SandboxResponse> {
        match name {
            "billpro" => Ok(Api::BillPro),
            "billmora" => Ok(Api::Billmora),
            "billy" => Ok(Api::Billy),
            other => Err(error(
                404,
                format!("no API `{other}`: use billpro, billmora or billy"),
            )),
        }
    }
}

impl AdminApi {
    fn server(&self, api: Api) -> &FakeServer {
        match api {
            Api::BillPro => self.sandbox.billpro.server(),
            Api::Billmora => self.sandbox.billmora.server(),
            Api::Billy => self.sandbox.billy.server(),
        }
    }

    fn route(&self, request: &SandboxRequest) -> Answer {
        let segments = request.segments();
        let path: Vec<&str> = segments.iter().map(String::as_str).collect();
        let m = &request.method;
        let (get, post, put, delete) = (
            m == Method::GET,
            m == Method::POST,
            m == Method::PUT,
            m == Method::DELETE,
        );
        match path.as_slice() {
            ["status"] if get => ok(self.status()),
            ["reset"] if post => {
                self.sandbox.reset();
                ok(json!({"reset": ["billpro", "billmora", "billy"]}))
            }
            ["reset", api] if post => {
                match Api::parse(api)? {
                    Api::BillPro => self.sandbox.billpro.reset(),
                    Api::Billmora => self.sandbox.billmora.reset(),
                    Api::Billy => self.sandbox.billy.reset(),
                }
                self.saved()?;
                ok(json!({ "reset": [api] }))
            }
            ["state"] if get => ok(self.sandbox.snapshot()),
            ["state"] if put => {
                let document: Value = serde_json::from_slice(&request.body)
                    .map_err(|e| error(400, format!("the body is not JSON: {e}")))?;
                self.sandbox
                    .restore(&document)
                    .map_err(|e| error(400, e.to_string()))?;
                ok(json!({"loaded": true}))
            }
            ["clock"] if get => ok(self.clock()),
            ["clock", "advance"] if post => {
                let by = advance_by(body(request)?)?;
                self.sandbox.advance_clock(by);
                ok(self.clock())
            }
            ["billing", "run-due"] if post => {
                let report = self.sandbox.run_due_billing();
                ok(serde_json::to_value(report).unwrap_or(Value::Null))
            }
            ["billpro", "checkouts", id, action] if post => {
                let id = number(id, "order id")?;
                let done = match *action {
                    "complete" => self.sandbox.billpro.complete_checkout(id),
                    "decline" => self.sandbox.billpro.decline_checkout(id),
                    _ => return Err(not_found(request)),
                };
                self.saved()?;
                if done {
                    ok(json!({ "order_id": id, "done": action }))
                } else {
                    Err(error(
                        409,
                        format!("BillPro has no pending or draft order {id} to {action}"),
                    ))
                }
            }
            ["billpro", "scheduled-payments", id, action] if post => {
                let id = number(id, "scheduled payment id")?;
                let done = match *action {
                    "collect" => self.sandbox.billpro.collect_payment(id),
                    "decline" => {
                        let Decline { hard } = body(request)?;
                        self.sandbox.billpro.decline_payment(id, hard)
                    }
                    _ => return Err(not_found(request)),
                };
                self.saved()?;
                if done {
                    ok(json!({ "scheduled_payment_id": id, "done": action }))
                } else {
                    Err(error(
                        409,
                        format!("BillPro scheduled payment {id} is not in a state to {action}"),
                    ))
                }
            }
            ["faults"] if delete => {
                for api in [Api::BillPro, Api::Billmora, Api::Billy] {
                    self.server(api).faults().clear();
                }
                ok(json!({"cleared": true}))
            }
            ["faults", api] if get => ok(armed(self.server(Api::parse(api)?).faults())),
            ["faults", api] if post => {
                let faults = self.server(Api::parse(api)?).faults();
                arm(faults, body(request)?)?;
                ok(armed(faults))
            }
            ["faults", api] if delete => {
                let faults = self.server(Api::parse(api)?).faults();
                faults.clear();
                ok(armed(faults))
            }
            ["journal", api] if get => {
                let journal = self.server(Api::parse(api)?).journal();
                let since = match request.query_value("since") {
                    None => 0,
                    Some(v) => number(v, "`since`")?,
                };
                ok(json!({
                    "last_seq": journal.last_seq(),
                    "entries": journal.since(since),
                }))
            }
            ["journal", api] if delete => {
                self.server(Api::parse(api)?).journal().clear();
                ok(json!({"cleared": true}))
            }
            _ if known(&path) => Err(error(
                405,
                format!(
                    "{} is not served on {}; see the route table in `billkit sandbox serve --help`",
                    request.method, request.path
                ),
            )),
            _ => Err(not_found(request)),
        }
    }

    /// The result of the last state-file write after a change made here:
    /// a failure is the caller's to see, not only the log's.
    fn saved(&self) -> Result<(), SandboxResponse> {
        self.sandbox
            .save_now()
            .map_err(|e| error(500, format!("the change was made but not saved: {e}")))
    }

    fn clock(&self) -> Value {
        clock_json(&self.sandbox)
    }

    fn status(&self) -> Value {
        status(&self.sandbox)
    }
}

fn clock_json(sandbox: &Sandbox) -> Value {
    let clock = sandbox.clock();
    json!({
        "now": clock.now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "offset_ms": clock.offset().num_milliseconds(),
    })
}

/// What `GET /status` answers: each fake's `url`, `base_url` and
/// credentials (BillPro's `token`, `single_profile_token`, `profile_id`,
/// `profile_ids`; Billmora's `token`; Billy's `api_key`, `company_guid`,
/// `processor_key`), the `clock`, the `state_file` and the last
/// `save_error`.
pub fn status(sandbox: &Sandbox) -> Value {
    let s = sandbox;
    json!({
        "billpro": {
            "url": s.billpro.server().url(),
            "base_url": s.billpro.base_url(),
            "token": s.billpro.token(),
            "single_profile_token": s.billpro.single_profile_token(),
            "profile_id": s.billpro.profile_id(),
            "profile_ids": s.billpro.profile_ids(),
        },
        "billmora": {
            "url": s.billmora.installation_url(),
            "base_url": s.billmora.base_url(),
            "token": s.billmora.token(),
        },
        "billy": {
            "url": s.billy.base_url(),
            "base_url": s.billy.base_url(),
            "api_key": s.billy.api_key(),
            "company_guid": s.billy.company_guid(),
            "processor_key": s.billy.processor_key(),
        },
        "clock": clock_json(s),
        "state_file": s.state_path().map(|p| p.display().to_string()),
        "save_error": s.save_error(),
    })
}

/// The paths the admin API serves (with any method), to tell a wrong
/// method (405) from a wrong path (404).
fn known(path: &[&str]) -> bool {
    matches!(
        path,
        ["status"]
            | ["reset"]
            | ["reset", _]
            | ["state"]
            | ["clock"]
            | ["clock", "advance"]
            | ["billing", "run-due"]
            | ["billpro", "checkouts", _, "complete" | "decline"]
            | ["billpro", "scheduled-payments", _, "collect" | "decline"]
            | ["faults"]
            | ["faults", _]
            | ["journal", _]
    )
}

fn not_found(request: &SandboxRequest) -> SandboxResponse {
    error(
        404,
        format!(
            "no admin route {} {}; the routes are listed in `billkit sandbox serve --help`",
            request.method, request.path
        ),
    )
}

fn number(text: &str, what: &str) -> Result<u64, SandboxResponse> {
    text.trim()
        .parse()
        .map_err(|_| error(400, format!("{what} must be a whole number, not `{text}`")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decline {
    #[serde(default)]
    hard: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    days: Option<u64>,
    hours: Option<u64>,
    minutes: Option<u64>,
    seconds: Option<u64>,
}

fn advance_by(a: Advance) -> Result<Duration, SandboxResponse> {
    if a.days.is_none() && a.hours.is_none() && a.minutes.is_none() && a.seconds.is_none() {
        return Err(error(
            400,
            "say how far to advance: one or more of `days`, `hours`, `minutes`, `seconds`",
        ));
    }
    [
        (a.days, 86_400u64),
        (a.hours, 3_600),
        (a.minutes, 60),
        (a.seconds, 1),
    ]
    .into_iter()
    .try_fold(0u64, |total, (n, unit)| {
        n.unwrap_or(0)
            .checked_mul(unit)
            .and_then(|secs| total.checked_add(secs))
    })
    .map(Duration::from_secs)
    .ok_or_else(|| error(400, "that is too far to advance the clock"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    kind: String,
    n: Option<u32>,
    method: Option<String>,
    path: Option<String>,
    status: Option<u16>,
    retry_after: Option<u64>,
    delay_ms: Option<u64>,
}

/// Arms the fault `spec` describes, or says what is wrong with it.
fn arm(faults: &Faults, spec: FaultSpec) -> Result<(), SandboxResponse> {
    let n = spec.n.unwrap_or(1);
    if n == 0 {
        return Err(error(400, "`n` must be at least 1"));
    }
    let status = match spec.status {
        None => 503,
        Some(s) if (100..=599).contains(&s) => s,
        Some(s) => {
            return Err(error(
                400,
                format!("`status` {s} is not an HTTP status (100 to 599)"),
            ));
        }
    };
    let delay = Duration::from_millis(spec.delay_ms.unwrap_or(1000));
    let kind = match spec.kind.as_str() {
        "fail" => FaultKind::Fail(status),
        "fail_after_commit" => FaultKind::FailAfterCommit(status),
        "throttle" => FaultKind::Throttle(spec.retry_after.unwrap_or(1)),
        "drop" => FaultKind::Drop,
        "lose_answer" => FaultKind::LoseAnswer,
        "truncate" => FaultKind::Truncate,
        "malformed_body" => FaultKind::MalformedBody,
        "slow_answer" => FaultKind::SlowAnswer(delay),
        "late_commit" => FaultKind::LateCommit(delay),
        other => {
            return Err(error(
                400,
                format!(
                    "unknown fault kind `{other}`: use fail, fail_after_commit, throttle, drop, lose_answer, truncate, malformed_body, slow_answer or late_commit"
                ),
            ));
        }
    };
    match (spec.method, spec.path) {
        (None, None) => {
            faults.any().inject(n, kind);
        }
        (Some(method), Some(path)) => {
            let known = method.parse::<Method>().ok().filter(|m| {
                [
                    Method::GET,
                    Method::POST,
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                    Method::HEAD,
                    Method::OPTIONS,
                ]
                .contains(m)
            });
            if known.is_none() {
                return Err(error(
                    400,
                    format!(
                        "`method` `{method}` is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
                    ),
                ));
            }
            faults.on(&method, &path).inject(n, kind);
        }
        _ => {
            return Err(error(
                400,
                "give `method` and `path` together to aim the fault, or neither to hit any request",
            ));
        }
    }
    Ok(())
}

fn armed(faults: &Faults) -> Value {
    let armed: Vec<Value> = faults
        .armed()
        .into_iter()
        .map(|f| {
            let mut v = json!({
                "method": f.method.map(|m| m.to_string()),
                "path": f.path,
                "kind": crate::journal::fault_name(f.kind),
                "left": f.left,
            });
            match f.kind {
                FaultKind::Fail(s) | FaultKind::FailAfterCommit(s) => v["status"] = json!(s),
                FaultKind::Throttle(secs) => v["retry_after"] = json!(secs),
                FaultKind::SlowAnswer(d) | FaultKind::LateCommit(d) => {
                    v["delay_ms"] = json!(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                }
                _ => {}
            }
            v
        })
        .collect();
    json!({ "pending": faults.pending(), "armed": armed })
}
