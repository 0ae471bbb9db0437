//! The recorded fixtures and ways to damage them.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::Value;

/// A fixture file: its name (`billy/invoice_get.json`) and bytes.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Fixture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The index in `oracle::MODELS` of the model this fixture is a response
    /// of (bare, in a list, or in a wrapper), if it is one.
    pub fn model(&self) -> Option<usize> {
        let (api, file) = self.name.split_once('/')?;
        let m = |p: &str| file.starts_with(p);
        let index = match api {
            "billpro" if m("customer_create") => return None,
            "billpro" if m("customer") => 0,
            "billpro" if m("order_") => 1,
            "billpro" if m("product") => 2,
            "billpro" if m("scheduled_payment") => 3,
            "billy" if m("invoice") => 12,
            "billy" if m("customer") => 13,
            "billy" if m("plan") => 14,
            "billy" if m("subscription") => 15,
            "billy" if m("transaction") => 16,
            "billy" if m("server_info") => 17,
            "billy" if m("company") => 18,
            "billmora" if m("users") => 22,
            "billmora" if m("invoices") => 23,
            "billmora" if m("orders") => 24,
            "billmora" if m("services") => 25,
            "billmora" if m("tickets") => 26,
            "billmora" if m("packages") => 27,
            "billmora" if m("catalogs") => 28,
            "billmora" if m("variants") => 29,
            "billmora" if m("registrants") => 30,
            "billmora" if m("tlds") => 31,
            "billmora" if file == "domains_check.json" => 32,
            _ => return None,
        };
        Some(index)
    }

    pub fn is_error(&self) -> bool {
        self.name.contains("/error") || self.name.ends_with("_422.json")
    }
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every fixture, sorted by name.
pub fn all() -> &'static [Fixture] {
    static ALL: OnceLock<Vec<Fixture>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = Vec::new();
        for api in ["billpro", "billmora", "billy"] {
            for entry in std::fs::read_dir(dir().join(api)).unwrap() {
                let path = entry.unwrap().path();
                // `billmora/recorded/` is the whole recording, read by its own test.
                if path.is_dir() {
                    continue;
                }
                out.push(Fixture {
                    name: format!("{api}/{}", path.file_name().unwrap().to_string_lossy()),
                    bytes: std::fs::read(&path).unwrap(),
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        assert!(out.len() > 50, "fixtures not found in {}", dir().display());
        out
    })
}

/// The error-body fixtures (JSON, text and HTML).
pub fn errors() -> Vec<&'static Fixture> {
    all().iter().filter(|f| f.is_error()).collect()
}

/// The fixtures that are responses of a known model, with that model.
pub fn responses() -> Vec<(&'static Fixture, usize)> {
    all()
        .iter()
        .filter_map(|f| f.model().map(|m| (f, m)))
        .collect()
}

/// Texts that break parsers: markup, entities, multi-byte characters.
pub const NASTY: &[&str] = &[
    "<",
    ">",
    "&",
    "&lt;",
    "&gt;",
    "&amp;",
    "&#39;",
    "&lt",
    "<ul>",
    "</ul>",
    "<li>",
    "</li>",
    "<ul",
    "é",
    "€",
    "😀",
    "\u{0}",
    "\u{2028}",
    "\r\n",
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ":",
    "There are errors in following parameters",
    "There are errors in following parameters: ",
];

/// A damaged copy of `bytes`.
#[derive(Debug, Clone)]
pub enum Damage {
    /// Cut after `at` bytes (modulo the length).
    Truncate(usize),
    /// Insert a nasty text at `at`.
    Insert(usize, &'static str),
    /// Remove `len` bytes from `at`.
    Remove(usize, usize),
    /// Overwrite one byte.
    Flip(usize, u8),
}

impl Damage {
    pub fn apply(&self, bytes: &[u8]) -> Vec<u8> {
        let n = bytes.len().max(1);
        match *self {
            Damage::Truncate(at) => bytes[..at % (bytes.len() + 1)].to_vec(),
            Damage::Insert(at, s) => {
                let at = at % (bytes.len() + 1);
                [&bytes[..at], s.as_bytes(), &bytes[at..]].concat()
            }
            Damage::Remove(at, len) => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                [&bytes[..at.min(bytes.len())], &bytes[end..]].concat()
            }
            Damage::Flip(at, b) => {
                let mut v = bytes.to_vec();
                if !v.is_empty() {
                    v[at % n] = b;
                }
                v
            }
        }
    }
}

pub fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), proptest::sample::select(NASTY)).prop_map(|(a, s)| Damage::Insert(a, s)),
        (any::<usize>(), 1usize..16).prop_map(|(a, l)| Damage::Remove(a, l)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Damage::Flip(a, b)),
    ]
}

/// A replacement for one JSON value: the type swaps and odd values servers
/// send.
pub fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(Value::Bool(true)),
        Just(Value::String(String::new())),
        Just(Value::String("zzz_unknown_value".into())),
        Just(Value::Array(vec![])),
        Just(Value::Object(Default::default())),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(0)),
        Just(serde_json::json!(1.5)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(i64::MIN)),
        Just(serde_json::json!("1.0000000000000000000000000000001")),
        Just(serde_json::json!("79228162514264337593543950336")),
        Just(serde_json::json!("-0")),
        Just(serde_json::json!("2026-02-30T25:61:00Z")),
        Just(serde_json::json!("31/02/2020")),
        Just(serde_json::json!([null])),
        Just(serde_json::json!({"a": [1, "x", null]})),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ]
}

/// The same value with the type swapped: number ↔ string, the rest as is.
pub fn swap_type(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(s) => serde_json::from_str::<serde_json::Number>(s.trim())
            .map(Value::Number)
            .unwrap_or_else(|_| Value::String(s.clone())),
        other => other.clone(),
    }
}

/// Every value position in a document, as a JSON pointer.
pub fn pointers(v: &Value) -> Vec<String> {
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    walk(c, p, out);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    walk(c, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}
