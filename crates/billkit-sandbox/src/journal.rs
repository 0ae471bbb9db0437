//! The requests a fake received, kept for a test to read, with secrets
//! blanked out.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

// Secrets are the names billkit's hooks and audit log blank, so the
// journal hides what the client hides.
use billkit::http::is_secret_name as is_secret;

use crate::{FaultKind, SandboxRequest};

/// What stands in for a secret in the journal: the same mark billkit's
/// hooks and audit log use.
pub use billkit::http::REDACTED;

/// How many entries a journal keeps unless told otherwise.
pub const DEFAULT_JOURNAL_CAPACITY: usize = 1000;

/// One request a fake received, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct JournalEntry {
    /// Its place in the fake's sequence, from 1; never reused.
    pub seq: u64,
    /// When it arrived, on the sandbox's clock.
    pub at: DateTime<Utc>,
    /// The method.
    pub method: String,
    /// The raw path.
    pub path: String,
    /// The decoded query pairs, secrets blanked.
    pub query: Vec<(String, String)>,
    /// The headers, credentials blanked.
    pub headers: Vec<(String, String)>,
    /// The body as text, secrets blanked (JSON and form bodies field by
    /// field; other bodies as sent, lossily decoded).
    pub body: String,
    /// The status answered; `None` when the connection was closed without
    /// an answer (a `drop` or `lose_answer` fault).
    pub status: Option<u16>,
    /// The fault applied, by its admin-API name (`fail`, `throttle`, ...).
    pub fault: Option<String>,
}

/// The last requests a fake received, oldest first, bounded.
///
/// Credentials never enter it: `Authorization`, `Cookie` and API-key
/// headers, and secret fields of the query and body (passwords, tokens,
/// keys, card fields: see [`REDACTED`]) are replaced before an entry is
/// kept.
#[derive(Debug)]
pub struct Journal {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    entries: VecDeque<JournalEntry>,
    capacity: usize,
    next_seq: u64,
}

impl Default for Journal {
    fn default() -> Self {
        Journal {
            inner: Mutex::new(Inner {
                entries: VecDeque::new(),
                capacity: DEFAULT_JOURNAL_CAPACITY,
                next_seq: 1,
            }),
        }
    }
}

impl Journal {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every entry kept, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.since(0)
    }

    /// The entries after sequence number `seq` (0 for all), oldest first:
    /// a reader that remembers the last `seq` it saw reads each entry once.
    pub fn since(&self, seq: u64) -> Vec<JournalEntry> {
        self.lock()
            .entries
            .iter()
            .filter(|e| e.seq > seq)
            .cloned()
            .collect()
    }

    /// The sequence number of the latest entry (0 before any).
    pub fn last_seq(&self) -> u64 {
        self.lock().next_seq - 1
    }

    /// Keeps at most the last `capacity` entries (at least 1), dropping
    /// the oldest beyond it now and from then on.
    pub fn set_capacity(&self, capacity: usize) {
        let mut inner = self.lock();
        inner.capacity = capacity.max(1);
        while inner.entries.len() > inner.capacity {
            inner.entries.pop_front();
        }
    }

    /// Forgets every entry (sequence numbers go on from where they were).
    pub fn clear(&self) {
        self.lock().entries.clear();
    }

    pub(crate) fn record(
        &self,
        request: &SandboxRequest,
        at: DateTime<Utc>,
        status: Option<u16>,
        fault: Option<FaultKind>,
    ) {
        let headers = request
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = if is_secret(name.as_str()) {
                    REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), shown)
            })
            .collect();
        let mut inner = self.lock();
        let entry = JournalEntry {
            seq: inner.next_seq,
            at,
            method: request.method.as_str().to_owned(),
            path: request.path.clone(),
            query: redact_pairs(&request.query),
            headers,
            body: redact_body(request),
            status,
            fault: fault.map(|f| fault_name(f).to_owned()),
        };
        inner.next_seq += 1;
        inner.entries.push_back(entry);
        while inner.entries.len() > inner.capacity {
            inner.entries.pop_front();
        }
    }
}

/// The admin API's name of a fault kind.
pub(crate) fn fault_name(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::Drop => "drop",
        FaultKind::LoseAnswer => "lose_answer",
        FaultKind::Fail(_) => "fail",
        FaultKind::FailAfterCommit(_) => "fail_after_commit",
        FaultKind::Throttle(_) => "throttle",
        FaultKind::Truncate => "truncate",
        FaultKind::MalformedBody => "malformed_body",
        FaultKind::SlowAnswer(_) => "slow_answer",
        FaultKind::LateCommit(_) => "late_commit",
    }
}

fn redact_pairs(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| {
            let v = if is_secret(k) { REDACTED } else { v.as_str() };
            (k.clone(), v.to_owned())
        })
        .collect()
}

fn redact_body(request: &SandboxRequest) -> String {
    if request.body.is_empty() {
        return String::new();
    }
    if let Ok(mut value) = serde_json::from_slice::<Value>(&request.body) {
        redact_json(&mut value);
        return value.to_string();
    }
    let form_type = request
        .header("content-type")
        .is_some_and(|t| t.contains("application/x-www-form-urlencoded"));
    // A form sent without its content type is still read as one when it
    // names a secret field, so the secret cannot slip through as text.
    if form_type || request.form().iter().any(|(k, _)| is_secret(k)) {
        let pairs = redact_pairs(&request.form());
        return url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
    }
    String::from_utf8_lossy(&request.body).into_owned()
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret(key) {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}
