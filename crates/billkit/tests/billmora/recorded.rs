//! billkit reads every answer recorded from a real Billmora (7799ffac, see
//! `fixtures/billmora/recorded/README.md`): each exchange's response is
//! served as recorded, the request is sent through the client's transport
//! (its auth, dialect and error mapping), and
//! - a 2xx body's `data` decodes into the resource's typed model with the
//!   recorded id (a delete into `Deleted`, a domain check into
//!   `DomainCheck` through the typed call);
//! - any other status becomes `Error::Api` with the recorded status, message,
//!   validation map and `Retry-After`, and the not-found / unauthorized
//!   predicates answer as the body says;
//! - a GET or DELETE of one record by id also goes through the typed
//!   handler method, which must send the recorded path and agree.
//!
//! Expectations are read from the recorded JSON by this test, not from
//! billkit.

use std::collections::BTreeMap;
use std::time::Duration;

use billkit::Error;
use billkit::billmora::{
    Catalog, Client, Deleted, Invoice, Order, Package, Registrant, Service, Ticket, Tld, User,
    Variant,
};
use billkit::http::{ManualClock, Request, RetryPolicy};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::TOKEN;

/// One recorded exchange.
struct Exchange {
    seq: u64,
    name: String,
    method: String,
    path: String,
    query: String,
    headers: serde_json::Map<String, Value>,
    body: Option<String>,
    status: u16,
    response_headers: serde_json::Map<String, Value>,
    response_body: String,
}

fn exchanges() -> Vec<Exchange> {
    let text = crate::common::fixture("recorded/exchanges.jsonl");
    text.lines()
        .map(|line| {
            let e: Value = serde_json::from_str(line).expect("a JSON line");
            let req = &e["request"];
            let res = &e["response"];
            Exchange {
                seq: e["seq"].as_u64().expect("seq"),
                name: e["name"].as_str().expect("name").to_owned(),
                method: req["method"].as_str().expect("method").to_owned(),
                path: req["path"].as_str().expect("path").to_owned(),
                query: req["query"].as_str().unwrap_or("").to_owned(),
                headers: req["headers"].as_object().cloned().unwrap_or_default(),
                body: req["body"].as_str().map(str::to_owned),
                status: res["status"].as_u64().expect("status") as u16,
                response_headers: res["headers"].as_object().cloned().unwrap_or_default(),
                response_body: res["body"].as_str().unwrap_or("").to_owned(),
            }
        })
        .collect()
}

/// Why an exchange is not one billkit can send, if it is not.
fn not_sendable(e: &Exchange) -> Option<&'static str> {
    if !e.headers.contains_key("Accept") {
        return Some("billkit always sends Accept: application/json");
    }
    if e.headers.contains_key("Origin") {
        return Some("a browser's CORS request; billkit sends no Origin");
    }
    if e.method == "PATCH" || e.method == "OPTIONS" {
        return Some("billkit sends no PATCH or OPTIONS");
    }
    None
}

/// What decoding a 2xx answer gave: the record's id as text.
type Decoded = Result<Option<String>, String>;

fn data_of<T: DeserializeOwned>(body: &Value) -> Decoded {
    fn one<T: DeserializeOwned>(v: &Value) -> Result<(), String> {
        serde_path_to_error::deserialize::<_, T>(v)
            .map(|_| ())
            .map_err(|e| format!("{} at {}", e.inner(), e.path()))
    }
    match &body["data"] {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                one::<T>(item).map_err(|e| format!("item {i}: {e}"))?;
            }
            Ok(None)
        }
        data @ Value::Object(_) => {
            one::<T>(data)?;
            Ok(data.get("id").map(|id| id.to_string()))
        }
        other => Err(format!("no `data` object or array: {other}")),
    }
}

/// Decodes a 2xx body by the resource its path names.
fn decode_success(e: &Exchange, body: &Value) -> Decoded {
    if e.method == "DELETE" {
        return serde_json::from_value::<Deleted>(body.clone())
            .map(|_| None)
            .map_err(|err| err.to_string());
    }
    let resource = e
        .path
        .strip_prefix("/api/v1/")
        .and_then(|p| p.split('/').next())
        .unwrap_or("");
    match resource {
        "users" => data_of::<User>(body),
        "invoices" => data_of::<Invoice>(body),
        "orders" => data_of::<Order>(body),
        "services" => data_of::<Service>(body),
        "tickets" => data_of::<Ticket>(body),
        "packages" => data_of::<Package>(body),
        "catalogs" => data_of::<Catalog>(body),
        "variants" => data_of::<Variant>(body),
        "registrants" => data_of::<Registrant>(body),
        "tlds" => data_of::<Tld>(body),
        other => Err(format!("no model for resource `{other}`")),
    }
}

/// Checks an error against what the recorded answer says, or says how it
/// differs.
fn check_error(e: &Exchange, err: &Error) -> Result<(), String> {
    let Some(api) = err.api_error() else {
        return Err(format!("not an API error: {err}"));
    };
    if api.status().as_u16() != e.status {
        return Err(format!("status {} instead of {}", api.status(), e.status));
    }
    let body: Value = serde_json::from_str(&e.response_body).unwrap_or(Value::Null);
    let message = body.get("message").and_then(Value::as_str);
    if api.message() != message {
        return Err(format!(
            "message {:?} instead of {message:?}",
            api.message()
        ));
    }
    let want_fields: BTreeMap<String, Vec<String>> = body
        .get("errors")
        .map(|v| serde_json::from_value(v.clone()).expect("a recorded validation map"))
        .unwrap_or_default();
    if *err.validation_errors() != want_fields {
        return Err(format!(
            "validation map {:?} instead of {want_fields:?}",
            err.validation_errors()
        ));
    }
    let retry_after = e
        .response_headers
        .get("Retry-After")
        .and_then(Value::as_str)
        .map(|s| Duration::from_secs(s.parse().expect("recorded Retry-After is seconds")));
    if err.retry_after() != retry_after {
        return Err(format!(
            "retry-after {:?} instead of {retry_after:?}",
            err.retry_after()
        ));
    }
    let not_found = e.status == 404;
    if err.is_not_found() != not_found {
        return Err(format!("is_not_found() is {}", err.is_not_found()));
    }
    // Billmora's 403s are all about the token (an ability it lacks, an IP
    // its allow list does not hold), as the recorded messages say.
    let unauthorized = e.status == 401 || e.status == 403;
    if err.is_unauthorized() != unauthorized {
        return Err(format!("is_unauthorized() is {}", err.is_unauthorized()));
    }
    Ok(())
}

fn client(server: &MockServer) -> Client {
    // The recorded answers carry the real tokens' quotas; the client must
    // read them, not sleep on them.
    Client::builder()
        .base_url(server.uri())
        .token(TOKEN)
        .retry(RetryPolicy::none())
        .manual_time(&ManualClock::new())
        .build()
        .expect("client builds")
}

/// Serves the recorded answer for the recorded method and path.
async fn serve(server: &MockServer, e: &Exchange) {
    server.reset().await;
    let mut answer = ResponseTemplate::new(e.status);
    let mut content_type = None;
    for (name, value) in &e.response_headers {
        let value = value.as_str().expect("header text");
        if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.to_owned());
        } else {
            answer = answer.insert_header(name.as_str(), value);
        }
    }
    answer = match content_type {
        Some(ct) => answer.set_body_raw(e.response_body.clone().into_bytes(), &ct),
        None => answer.set_body_bytes(e.response_body.clone().into_bytes()),
    };
    Mock::given(method(e.method.as_str()))
        .and(path(e.path.as_str()))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Sends the recorded request through the client's transport.
async fn replay(client: &Client, server: &MockServer, e: &Exchange) -> billkit::Result<Value> {
    let method: Method = e.method.parse().expect("a method");
    // A recorded path is not a template billkit knows: leaked, as a test
    // may, to stand as one (no parameters, so nothing is re-encoded).
    let (transport, rest) = match e.path.strip_prefix("/api/v1") {
        Some(rest) => (client.transport().clone(), rest.to_owned()),
        None => (
            client
                .transport()
                .with_base_url(format!("{}/api", server.uri()))?,
            e.path.strip_prefix("/api").unwrap_or(&e.path).to_owned(),
        ),
    };
    let template: &'static str = Box::leak(rest.into_boxed_str());
    let mut request = Request::<Value>::new(method, template);
    for (k, v) in url::form_urlencoded::parse(e.query.as_bytes()) {
        request = request.query(k.into_owned(), v);
    }
    if let Some(Ok(json)) = e.body.as_deref().map(serde_json::from_str::<Value>) {
        request = request.json(&json);
    }
    let raw = transport.send(&request).await?;
    Ok(serde_json::from_slice(raw.body()).unwrap_or(Value::Null))
}

/// The same GET or DELETE by id through the typed handler: the status it
/// saw, or 2xx.
async fn typed_by_id(client: &Client, e: &Exchange) -> Option<Result<u16, Error>> {
    let rest = e.path.strip_prefix("/api/v1/")?;
    let (resource, id) = rest.split_once('/')?;
    let id: u64 = id.parse().ok().filter(|id| *id > 0)?;
    macro_rules! by_id {
        ($handler:ident) => {
            match e.method.as_str() {
                "GET" => Some(client.$handler().get(id).await.map(|_| 200)),
                "DELETE" => Some(client.$handler().delete(id).await.map(|_| 200)),
                _ => None,
            }
        };
    }
    match resource {
        "users" => by_id!(users),
        "invoices" => by_id!(invoices),
        "orders" => by_id!(orders),
        "services" => by_id!(services),
        "tickets" => by_id!(tickets),
        "packages" => by_id!(packages),
        "catalogs" => by_id!(catalogs),
        "variants" => by_id!(variants),
        "registrants" => by_id!(registrants),
        "tlds" => by_id!(tlds),
        _ => None,
    }
}

#[tokio::test]
async fn billkit_reads_every_recorded_answer() {
    let server = MockServer::start().await;
    let all = exchanges();
    assert_eq!(all.len(), 462, "the recording holds 462 exchanges");
    let mut differences = Vec::new();
    let mut skipped = Vec::new();
    let (mut decoded, mut errors, mut typed) = (0, 0, 0);
    // The recorded token's name stands for its secret; any token will do
    // against a server that answers as recorded. One client: building one
    // loads the TLS roots.
    let client = client(&server);
    for e in &all {
        if let Some(why) = not_sendable(e) {
            skipped.push(format!("{} {}: {why}", e.seq, e.name));
            continue;
        }
        serve(&server, e).await;
        let mut fail = |what: String| differences.push(format!("{} {}: {what}", e.seq, e.name));

        if e.path == "/api/domains/check" && e.method == "POST" {
            // Through the typed call: the 422s with `success: false` are
            // answers about the domain, the others errors.
            let domain = serde_json::from_str::<Value>(e.body.as_deref().unwrap_or("{}"))
                .ok()
                .and_then(|b| b["domain"].as_str().map(str::to_owned));
            let Some(domain) = domain else {
                // `{}` and `{"domain": 42}`: billkit cannot send these.
                skipped.push(format!(
                    "{} {}: billkit sends the domain as text",
                    e.seq, e.name
                ));
                continue;
            };
            match client.domains().check(&domain).await {
                Ok(check) if e.status == 200 => {
                    decoded += 1;
                    let want: Value = serde_json::from_str(&e.response_body).unwrap();
                    if check.domain != want["domain"].as_str().unwrap_or_default()
                        || check.available != want["available"].as_bool().unwrap_or(true)
                    {
                        fail(format!("decoded {check:?}"));
                    }
                }
                Ok(check) => fail(format!("{} answered, decoded as {check:?}", e.status)),
                Err(err) if err.is_invalid_input() => {
                    skipped.push(format!(
                        "{} {}: refused before sending ({err})",
                        e.seq, e.name
                    ));
                }
                Err(err) => match check_error(e, &err) {
                    Ok(()) => errors += 1,
                    Err(what) => fail(what),
                },
            }
            continue;
        }

        match replay(&client, &server, e).await {
            Ok(body) if (200..300).contains(&e.status) => match decode_success(e, &body) {
                Ok(id) => {
                    decoded += 1;
                    let want: Value = serde_json::from_str(&e.response_body).unwrap();
                    let want_id = want["data"].get("id").map(|id| id.to_string());
                    if want["data"].is_object() && id != want_id {
                        fail(format!("id {id:?} instead of {want_id:?}"));
                    }
                }
                Err(what) => fail(format!("2xx body does not decode: {what}")),
            },
            Ok(_) => fail(format!("{} answered but the call succeeded", e.status)),
            Err(err) if (200..300).contains(&e.status) => fail(format!("2xx became {err}")),
            Err(err) => match check_error(e, &err) {
                Ok(()) => errors += 1,
                Err(what) => fail(what),
            },
        }

        if let Some(result) = typed_by_id(&client, e).await {
            typed += 1;
            match (result, e.status) {
                (Ok(_), s) if (200..300).contains(&s) => {}
                (Err(err), s) if err.status().map(|x| x.as_u16()) == Some(s) => {}
                (Ok(_), s) => fail(format!("typed call succeeded where the server said {s}")),
                (Err(err), s) => fail(format!("typed call: {err} where the server said {s}")),
            }
            let sent = server.received_requests().await.expect("recording is on");
            if sent.iter().any(|r| r.url.path() != e.path) {
                fail("the typed call sent another path".to_owned());
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} recorded answers read wrongly:\n{}",
        differences.len(),
        all.len(),
        differences.join("\n")
    );
    println!(
        "{decoded} bodies decoded, {errors} errors matched, {typed} typed calls agreed, {} not sendable:\n{}",
        skipped.len(),
        skipped.join("\n")
    );
    assert_eq!(decoded + errors + skipped.len(), all.len());
}

/// The money checks of the recording: `amount_due` as sent is a PHP float
/// (`0.19999999999999998`); billkit reads the total less the payments,
/// never below zero, to the cent. The figures come from each exchange's
/// name (`money.show.<total>-<payment>[x<times>]`, `none`, `_overpaid`).
#[test]
fn recorded_amount_due_is_total_less_payments() {
    use billkit::Decimal;
    use std::str::FromStr;
    let mut seen = 0;
    for e in exchanges() {
        let Some(figures) = e.name.strip_prefix("money.show.") else {
            continue;
        };
        let (total, paid) = figures.split_once('-').expect("total-payments");
        let total = Decimal::from_str(total).unwrap();
        let paid = match paid.trim_end_matches("_overpaid") {
            "none" => Decimal::ZERO,
            p => match p.split_once('x') {
                Some((each, times)) => {
                    Decimal::from_str(each).unwrap() * Decimal::from_str(times).unwrap()
                }
                None => Decimal::from_str(p).unwrap(),
            },
        };
        let want = (total - paid).max(Decimal::ZERO);
        let body: Value = serde_json::from_str(&e.response_body).unwrap();
        let invoice: Invoice = serde_json::from_value(body["data"].clone())
            .unwrap_or_else(|err| panic!("{}: {err}", e.name));
        assert_eq!(
            invoice.amount_due, want,
            "{}: sent {}",
            e.name, body["data"]["amount_due"]
        );
        assert_eq!(invoice.total, total, "{}", e.name);
        seen += 1;
    }
    assert_eq!(seen, 10, "the recording's ten money checks");
}
