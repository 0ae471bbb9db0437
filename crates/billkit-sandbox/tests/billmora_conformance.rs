//! The Billmora sandbox answers as the real server did: every one of the
//! 462 exchanges recorded from Billmora 7799ffac
//! (`crates/billkit/fixtures/billmora/recorded/`, README.md there) is
//! replayed against the sandbox, seeded to the state the recording began
//! in, and its status, recorded headers and body compared.
//!
//! - Seeding: `scripts/billmora/state.json` (the sandbox's own state
//!   document, written by `scripts/billmora/make-state` from the README and
//!   the first answers that show each row) is loaded with
//!   [`BillmoraSandbox::restore`]; the tokens are the stand-ins of
//!   `scripts/billmora/sandbox-tokens.json`.
//! - Time: the recording does not keep when each request was sent, and the
//!   server's clock is one of its inputs. The sandbox's clock is pinned,
//!   before each request, to the newest write time (a timestamp inside the
//!   recording's window, 07:46-07:55 UTC) the recorded answer carries, and
//!   otherwise left where it was; so `created_at`, `updated_at`, due dates
//!   a week on, `expires_at` a year on and rate-limit windows are compared
//!   exactly, not masked.
//! - What the recording did outside the API (payments and ticket times
//!   written with SQL, maintenance mode) and the 27 concurrent ticket
//!   creates are described, with reasons, in `scripts/billmora/conformance.json`,
//!   which `scripts/billmora-conformance` reads too; so are the masks.
//! - Request `Host` is the recording's (`127.0.0.1:8790`), so the URLs the
//!   server builds from it (pagination links, the login redirect) compare
//!   exactly.
//! - Bodies are compared as JSON values (object keys in any order: the
//!   fake's maps are sorted; numbers exactly, so `0.19999999999999998` is
//!   not `0.2` and `0` is not `0.0`), plus their layout: pretty-printed
//!   (Laravel's exception handler) or compact. Other bodies as text.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};

use billkit_sandbox::SandboxClock;
use billkit_sandbox::billmora::BillmoraSandbox;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

const RECORDING: &str = include_str!("../../billkit/fixtures/billmora/recorded/exchanges.jsonl");
const STATE: &str = include_str!("../../../scripts/billmora/state.json");
const TOKENS: &str = include_str!("../../../scripts/billmora/sandbox-tokens.json");
const RULES: &str = include_str!("../../../scripts/billmora/conformance.json");

/// Differences kept on purpose: (seq, what differs, why). Each is still
/// compared; only a difference it names is forgiven, and one that no longer
/// occurs fails the test (so the table cannot go stale). None is needed:
/// what the sandbox cannot reproduce is masked in conformance.json, each
/// mask with its reason.
const KEPT: &[(u64, &str, &str)] = &[];

/// The headers the recording kept (README, Record format).
const KEPT_HEADERS: [&str; 7] = [
    "Content-Type",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "Retry-After",
    "Location",
    "Access-Control-Allow-Origin",
    "Allow",
];

#[derive(Debug)]
struct Exchange {
    seq: u64,
    name: String,
    request: Value,
    response: Value,
}

fn exchanges() -> Vec<Exchange> {
    RECORDING
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a recorded exchange is JSON");
            Exchange {
                seq: v["seq"].as_u64().expect("seq"),
                name: v["name"].as_str().expect("name").to_owned(),
                request: v["request"].clone(),
                response: v["response"].clone(),
            }
        })
        .collect()
}

/// The order of replay: `seq`, except the concurrent creates, in the order
/// the server took them (conformance.json, `concurrent`).
fn replay_order(all: &[Exchange], rules: &Value) -> Vec<usize> {
    let concurrent: Vec<u64> = rules["concurrent"]["seqs"]
        .as_array()
        .expect("concurrent.seqs")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    let index = |seq: u64| all.iter().position(|e| e.seq == seq).expect("a seq");
    let mut order = Vec::new();
    let mut placed = false;
    for (i, e) in all.iter().enumerate() {
        if concurrent.contains(&e.seq) {
            if !placed {
                order.extend(concurrent.iter().map(|s| index(*s)));
                placed = true;
            }
        } else {
            order.push(i);
        }
    }
    order
}

/// Whether `name` matches a pattern with `*` wildcards.
fn matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    rest.is_empty()
}

/// Replaces the value at a dotted path (`*` for every element or member).
fn mask_path(value: &mut Value, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        *value = json!("<masked>");
        return;
    };
    match (value, *first) {
        (Value::Array(items), "*") => items.iter_mut().for_each(|v| mask_path(v, rest)),
        (Value::Object(m), "*") => m.values_mut().for_each(|v| mask_path(v, rest)),
        (Value::Object(m), key) => {
            if let Some(v) = m.get_mut(key) {
                mask_path(v, rest);
            }
        }
        _ => {}
    }
}

/// The newest timestamp inside the recording's window in an answer: the
/// server's clock when it wrote it.
fn newest_write(body: &str) -> Option<DateTime<Utc>> {
    let mut newest: Option<DateTime<Utc>> = None;
    let bytes = body.as_bytes();
    let mut i = 0;
    while let Some(at) = body[i..].find("2026-12-03T07:") {
        let start = i + at;
        let end = start + "2026-12-03T07:46:12.000000Z".len();
        if end <= bytes.len()
            && let Ok(t) = DateTime::parse_from_rfc3339(&body[start..end])
        {
            let t = t.with_timezone(&Utc);
            let window = (
                "2026-12-03T07:46:00Z"
                    .parse::<DateTime<Utc>>()
                    .expect("a time"),
                "2026-12-03T07:55:00Z"
                    .parse::<DateTime<Utc>>()
                    .expect("a time"),
            );
            if t >= window.0 && t < window.1 && newest.is_none_or(|n| t > n) {
                newest = Some(t);
            }
        }
        i = start + 1;
    }
    newest
}

/// The body sent: the recording's, with each masked password replaced by
/// one of the recorded length (README: `<password:N chars>`).
fn body_to_send(recorded: &str) -> String {
    let mut out = String::new();
    let mut rest = recorded;
    while let Some(at) = rest.find("<password:") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + "<password:".len()..];
        let Some(end) = tail.find(" chars>") else {
            out.push_str(&rest[at..]);
            return out;
        };
        let n: usize = tail[..end].parse().expect("a password length");
        out.push_str(&"p".repeat(n));
        rest = &tail[end + " chars>".len()..];
    }
    out.push_str(rest);
    out
}

struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

/// What one comparison found: (what, detail).
fn compare(
    recorded: &Value,
    got: &Answer,
    masks: &[(String, Vec<String>)],
) -> Vec<(String, String)> {
    let mut diffs = Vec::new();
    let want_status = recorded["status"].as_u64().unwrap_or(0);
    if u64::from(got.status) != want_status {
        diffs.push((
            "status".to_owned(),
            format!("recorded {want_status}, sandbox {}", got.status),
        ));
    }
    let masked_headers: Vec<&str> = masks
        .iter()
        .filter(|(kind, _)| kind == "header")
        .flat_map(|(_, v)| v.iter().map(String::as_str))
        .collect();
    for name in KEPT_HEADERS {
        let want = recorded["headers"]
            .as_object()
            .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .and_then(|(_, v)| v.as_str());
        let have = got
            .headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str);
        if masked_headers.contains(&name) && want.is_some() == have.is_some() {
            continue;
        }
        if want != have {
            diffs.push((
                format!("header {name}"),
                format!("recorded {want:?}, sandbox {have:?}"),
            ));
        }
    }
    let want_body = recorded["body"].as_str().unwrap_or("");
    let is_json = recorded["headers"]["Content-Type"].as_str() == Some("application/json");
    if is_json {
        match (
            serde_json::from_str::<Value>(want_body),
            serde_json::from_str::<Value>(&got.body),
        ) {
            (Ok(mut want), Ok(mut have)) => {
                for (kind, path) in masks {
                    if kind == "json" {
                        let path: Vec<&str> = path[0].split('.').collect();
                        mask_path(&mut want, &path);
                        mask_path(&mut have, &path);
                    }
                }
                if want != have {
                    diffs.push(("body".to_owned(), json_diff(&want, &have)));
                }
                let pretty = |t: &str| t.contains("\n    ");
                if pretty(want_body) != pretty(&got.body) {
                    diffs.push((
                        "layout".to_owned(),
                        format!(
                            "recorded {}, sandbox {}",
                            if pretty(want_body) {
                                "pretty"
                            } else {
                                "compact"
                            },
                            if pretty(&got.body) {
                                "pretty"
                            } else {
                                "compact"
                            }
                        ),
                    ));
                }
            }
            (_, Err(e)) => diffs.push((
                "body".to_owned(),
                format!("sandbox body is not JSON ({e}): {}", short(&got.body)),
            )),
            (Err(e), _) => {
                diffs.push(("body".to_owned(), format!("recorded body is not JSON: {e}")))
            }
        }
    } else if want_body != got.body {
        diffs.push((
            "body".to_owned(),
            format!(
                "recorded {}\n        sandbox  {}",
                short(want_body),
                short(&got.body)
            ),
        ));
    }
    diffs
}

fn short(text: &str) -> String {
    let t: String = text.chars().take(300).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// The first few paths where two JSON values differ.
fn json_diff(want: &Value, have: &Value) -> String {
    let mut out = Vec::new();
    walk_diff("", want, have, &mut out);
    let n = out.len();
    let mut text = out
        .into_iter()
        .take(8)
        .collect::<Vec<_>>()
        .join("\n        ");
    if n > 8 {
        text.push_str(&format!("\n        … and {} more", n - 8));
    }
    text
}

fn walk_diff(path: &str, want: &Value, have: &Value, out: &mut Vec<String>) {
    match (want, have) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let p = format!("{path}.{k}");
                match b.get(k) {
                    Some(w) => walk_diff(&p, v, w, out),
                    None => out.push(format!(
                        "{p}: recorded {}, sandbox has no such key",
                        short(&v.to_string())
                    )),
                }
            }
            for (k, v) in b {
                if !a.contains_key(k) {
                    out.push(format!(
                        "{path}.{k}: not recorded, sandbox {}",
                        short(&v.to_string())
                    ));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                walk_diff(&format!("{path}[{i}]"), v, w, out);
            }
        }
        _ if want != have => out.push(format!(
            "{}: recorded {}, sandbox {}",
            if path.is_empty() { "." } else { path },
            short(&want.to_string()),
            short(&have.to_string())
        )),
        _ => {}
    }
}

/// The sandbox's stand-in for a recorded token name.
fn token_for(tokens: &Value, header: &str) -> String {
    match header
        .strip_prefix("<token:")
        .and_then(|t| t.strip_suffix('>'))
    {
        Some(name) => format!(
            "Bearer {}",
            tokens["tokens"][name]["token"]
                .as_str()
                .unwrap_or_else(|| panic!("sandbox-tokens.json has no token `{name}`"))
        ),
        None => header.to_owned(),
    }
}

/// Carries out what the recording did outside the API before `seq`.
fn run_events(sandbox: &BillmoraSandbox, rules: &Value, seq: u64) {
    for event in rules["events"].as_array().into_iter().flatten() {
        if event["before"].as_u64() != Some(seq) {
            continue;
        }
        if let Some(p) = event.get("payment") {
            let invoice = p["invoice"].as_u64().expect("payment.invoice");
            for amount in p["amounts"].as_array().into_iter().flatten() {
                let amount: billkit::Decimal = amount
                    .as_str()
                    .and_then(|a| a.parse().ok())
                    .expect("a payment amount");
                assert!(sandbox.record_payment(invoice, amount), "invoice {invoice}");
            }
        }
        if let Some(t) = event.get("tickets_created_at") {
            // What the recording's SQL did, done on the state document.
            let mut state = sandbox.snapshot();
            assert_eq!(t["to"], "earliest", "the one rule conformance.json uses");
            let ids: Vec<String> = t["ids"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|id| id.as_u64().expect("a ticket id").to_string())
                .collect();
            let earliest = ids
                .iter()
                .filter_map(|id| state["tables"]["Ticket"][id]["created_at"].as_str())
                .min()
                .map(str::to_owned)
                .expect("the tickets exist");
            for id in &ids {
                state["tables"]["Ticket"][id]["created_at"] = json!(earliest);
            }
            sandbox.restore(&state).expect("the edited state loads");
        }
        if let Some(on) = event.get("maintenance").and_then(Value::as_bool) {
            sandbox.set_maintenance(on);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recorded_exchange_answers_as_the_recorded_server_did() {
    let rules: Value = serde_json::from_str(RULES).expect("conformance.json");
    let tokens: Value = serde_json::from_str(TOKENS).expect("sandbox-tokens.json");
    let state: Value = serde_json::from_str(STATE).expect("state.json");
    let all = exchanges();
    assert_eq!(all.len(), 462, "the recording holds 462 exchanges");

    let clock = SandboxClock::new();
    let mut now: DateTime<Utc> = "2026-12-03T07:46:00Z".parse().expect("a time");
    clock.pin(Some(now));
    let sandbox =
        BillmoraSandbox::start_with(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), clock.clone())
            .await
            .expect("the sandbox starts");
    sandbox.restore(&state).expect("state.json loads");

    let host = rules["recorded_host"].as_str().expect("recorded_host");
    let collide: Vec<u64> = rules["concurrent"]["collide"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");

    let mut differences = Vec::new();
    let mut kept_seen = vec![false; KEPT.len()];
    let mut masks_used = BTreeMap::new();
    let mut compared = 0;
    let mut last_seq = 0;
    for i in replay_order(&all, &rules) {
        let e = &all[i];
        for seq in (last_seq + 1)..=e.seq {
            run_events(&sandbox, &rules, seq);
        }
        last_seq = last_seq.max(e.seq);
        if let Some(t) = newest_write(e.response["body"].as_str().unwrap_or("")) {
            now = now.max(t);
        }
        clock.pin(Some(now));
        if collide.contains(&e.seq) {
            sandbox.collide_next_ticket_number();
        }

        let r = &e.request;
        let method = reqwest::Method::from_bytes(r["method"].as_str().unwrap_or("GET").as_bytes())
            .expect("a method");
        let query = r["query"].as_str().unwrap_or("");
        let url = format!(
            "{}{}{}{}",
            sandbox.installation_url(),
            r["path"].as_str().unwrap_or("/"),
            if query.is_empty() { "" } else { "?" },
            query
        );
        let mut request = http.request(method, &url).header("Host", host);
        for (name, value) in r["headers"].as_object().into_iter().flatten() {
            let value = value.as_str().unwrap_or("");
            let value = if name.eq_ignore_ascii_case("authorization") {
                token_for(&tokens, value)
            } else {
                value.to_owned()
            };
            request = request.header(name.as_str(), value);
        }
        if let Some(body) = r["body"].as_str() {
            request = request.body(body_to_send(body));
        }
        let answer = request.send().await.expect("the sandbox answers");
        let status = answer.status().as_u16();
        let headers = answer
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let body = answer.text().await.expect("a body");
        let got = Answer {
            status,
            headers,
            body,
        };

        let masks: Vec<(String, Vec<String>)> = rules["masks"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| matches(m["names"].as_str().unwrap_or(""), &e.name))
            .inspect(|m| *masks_used.entry(m.to_string()).or_insert(0) += 1)
            .filter_map(|m| {
                if let Some(h) = m["header"].as_str() {
                    Some(("header".to_owned(), vec![h.to_owned()]))
                } else {
                    m["json"]
                        .as_str()
                        .map(|p| ("json".to_owned(), vec![p.to_owned()]))
                }
            })
            .collect();
        compared += 1;
        for (what, detail) in compare(&e.response, &got, &masks) {
            let kept = KEPT
                .iter()
                .position(|(seq, k, _)| *seq == e.seq && what.starts_with(k));
            if let Some(k) = kept {
                kept_seen[k] = true;
            } else {
                differences.push(format!("seq {} {}: {what}: {detail}", e.seq, e.name));
            }
        }
    }
    clock.pin(None);
    for (k, seen) in KEPT.iter().zip(kept_seen) {
        if !seen {
            differences.push(format!(
                "kept difference {k:?} no longer occurs: remove it from KEPT"
            ));
        }
    }
    for m in rules["masks"].as_array().into_iter().flatten() {
        if !masks_used.contains_key(&m.to_string()) {
            differences.push(format!(
                "mask {m} matches no exchange: remove it from conformance.json"
            ));
        }
    }

    if differences.is_empty() {
        println!("no differences ({compared} exchanges)");
    } else {
        panic!(
            "{} differences in {compared} exchanges:\n{}",
            differences.len(),
            differences.join("\n")
        );
    }
}

/// Whether `python3` can be run; under `CI=true` a missing interpreter
/// fails the test instead of skipping it.
fn python3_or_skip() -> bool {
    let found = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 is not on PATH, and CI=true: install Python 3 to run scripts/billmora-conformance"
        );
        eprintln!("skipped: python3 is not on PATH (set CI=true to make this a failure)");
    }
    found
}

/// Runs scripts/billmora-conformance with `args`: (exit code, stdout, stderr).
async fn run_script(args: Vec<String>) -> (Option<i32>, String, String) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new("python3")
            .arg(root.join("scripts/billmora-conformance"))
            .args(&args)
            .output()
            .expect("python3 runs the script");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .expect("the script's thread")
}

/// scripts/billmora-conformance against the sandbox served over HTTP with
/// its admin API (as `billkit sandbox serve` serves them): the whole
/// recording replays with no difference, and a recording changed on
/// purpose (the root admin's e-mail) is a difference naming the exchange,
/// exit 1. No token is ever printed.
#[cfg(all(feature = "billpro", feature = "billmora", feature = "billy"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_script_replays_the_recording_against_the_sandbox_over_http() {
    if !python3_or_skip() {
        return;
    }
    let sandbox = std::sync::Arc::new(
        billkit_sandbox::Sandbox::start()
            .await
            .expect("the sandbox starts"),
    );
    let admin =
        billkit_sandbox::admin::serve(sandbox.clone(), SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("the admin API starts");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tokens_file = root.join("scripts/billmora/sandbox-tokens.json");
    let tokens: Value = serde_json::from_str(TOKENS).expect("sandbox-tokens.json");
    let secrets: Vec<String> = tokens["tokens"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, t)| t["token"].as_str().map(str::to_owned))
        .collect();
    let common = |extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "check".to_owned(),
            sandbox.billmora.installation_url(),
            "--sandbox-admin".to_owned(),
            admin.url(),
            "--tokens".to_owned(),
            tokens_file.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };

    let (code, stdout, stderr) = run_script(common(&[])).await;
    assert_eq!(
        code,
        Some(0),
        "the sandbox differs from the recording:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("no differences (462 exchanges)"),
        "{stdout}"
    );

    // The same replay against an expectation changed on purpose.
    let changed =
        std::env::temp_dir().join(format!("billmora-conformance-{}.jsonl", std::process::id()));
    // Only seq 40's answer changes (the address shows in other lists too).
    let text: String = RECORDING
        .lines()
        .map(|l| {
            if l.starts_with(r#"{"seq": 40,"#) {
                l.replace("root@billmora.test", "someone-else@billmora.test")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&changed, text).expect("a temporary recording");
    let (code, stdout, stderr) =
        run_script(common(&["--recording", &changed.display().to_string()])).await;
    let _ = std::fs::remove_file(&changed);
    assert_eq!(
        code,
        Some(1),
        "a changed expectation must differ:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("seq 40 users.show.root_admin: body: .data.email: \"someone-else@billmora.test\" vs \"root@billmora.test\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 differences in 462 exchanges"),
        "{stdout}"
    );
    for secret in &secrets {
        assert!(
            !stdout.contains(secret.as_str()) && !stderr.contains(secret.as_str()),
            "a token was printed"
        );
    }
}
