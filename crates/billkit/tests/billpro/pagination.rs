//! Walking BillPro's pages (bare arrays of 25, `?page=N`, until a short
//! or empty page), in `walks`; and lookups after a create of unknown
//! outcome, attacked: the record sits
//! anywhere in a long list, many records were created after it, the list
//! runs oldest first, newest first or in no order, records are added while
//! the lookup reads, and the server misbehaves. A lookup that returns
//! `None` for a record that exists licenses a second charge, so every test
//! checks the exact answer and the number of requests it cost.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use billkit::billpro::{
    Client, Customer, NewCustomer, NewSingleOrder, Order, OrderLine, ProductFilter, PurchaseType,
    Since,
};
use billkit::error::PaginationErrorKind;
use billkit::http::{ManualClock, RetryPolicy};
use billkit::{Error, LookupKey};
use billkit_sandbox::billpro::BillProSandbox;
use chrono::{DateTime, TimeZone, Utc};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{assert_invalid, client, expect_no_request};

/// Walks of a plain list: exact requests, exact values, laziness.
mod walks {
    use crate::common::*;
    use billkit::TryStreamExt;
    use billkit::billpro::{ProductFilter, PurchaseType, ScheduleUnit};

    use wiremock::Mock;
    use wiremock::matchers::{header, method, path};

    fn page_query(page: &str) -> ExactQuery {
        query(&[("page", page), ("profile_id", "5")])
    }

    /// The full-page fixture with its ids moved (`10xx` → `<prefix>xx`), so
    /// consecutive pages differ.
    fn full_page(prefix: &str) -> String {
        fixture("products_page_full.json").replace("\"id\":10", &format!("\"id\":{prefix}"))
    }

    #[tokio::test]
    async fn pages_mix_string_and_number_money_exactly() {
        let (server, client) = setup().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/products"))
            .and(page_query("1"))
            .respond_with(json(200, fixture("products_page_short.json")))
            .expect(1)
            .mount(&server)
            .await;
        let items = client
            .products()
            .list(&ProductFilter::new())
            .collect_all()
            .await
            .unwrap();
        let prices: Vec<String> = items.iter().map(|p| p.price.to_string()).collect();
        // Fixture: 20 (number), 19.990 (number), "10" (string).
        assert_eq!(prices, ["20", "19.990", "10"]);
        assert_eq!(items[0].product_type, PurchaseType::Instalment);
        assert_eq!(items[0].tax, None);
        assert_eq!(
            items[1].tax.as_ref().unwrap().percentage.to_string(),
            "21.00"
        );
        assert_eq!(items[2].discount.as_ref().unwrap().name, "Discount 5%");
        assert_eq!(items[2].scheduled_unit, Some(ScheduleUnit::Week));
    }

    #[tokio::test]
    async fn three_full_pages_and_a_short_one_make_exactly_four_requests() {
        let (server, client) = setup().await;
        for (page, body) in [
            ("1", full_page("11")),
            ("2", full_page("12")),
            ("3", full_page("13")),
            ("4", fixture("products_page_short.json")),
        ] {
            Mock::given(method("GET"))
                .and(path("/api/v1/products"))
                .and(page_query(page))
                .and(header("authorization", BEARER))
                .respond_with(json(200, body))
                .expect(1)
                .mount(&server)
                .await;
        }
        let all: Vec<_> = client
            .products()
            .list(&ProductFilter::new())
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all.len(), 3 * 25 + 3);
        assert_eq!(all[0].id.get(), 1101);
        assert_eq!(all[25].id.get(), 1201);
        assert_eq!(all[77].id.get(), 4003);
        assert_eq!(server.received_requests().await.unwrap().len(), 4);
    }

    #[tokio::test]
    async fn an_exactly_full_last_page_costs_one_more_request_that_returns_empty() {
        let (server, client) = setup().await;
        for (page, body) in [
            ("1", full_page("11")),
            ("2", full_page("12")),
            ("3", "[]".to_string()),
        ] {
            Mock::given(method("GET"))
                .and(path("/api/v1/products"))
                .and(page_query(page))
                .respond_with(json(200, body))
                .expect(1)
                .mount(&server)
                .await;
        }
        let all = client
            .products()
            .list(&ProductFilter::new())
            .collect_all()
            .await
            .unwrap();
        assert_eq!(all.len(), 50);
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn the_stream_is_lazy() {
        let (server, client) = setup().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/products"))
            .and(page_query("1"))
            .respond_with(json(200, full_page("11")))
            .expect(1)
            .mount(&server)
            .await;
        let mut stream = client.products().list(&ProductFilter::new()).stream();
        let first = stream.try_next().await.unwrap().unwrap();
        assert_eq!(first.id.get(), 1101);
        drop(stream);
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

// ---------------------------------------------------------------------------
// A BillPro list served from memory.

/// How the fake lists its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    OldestFirst,
    NewestFirst,
    /// A fixed scramble by id: no order by time, and a new record lands
    /// anywhere.
    Scrambled,
}

/// Which resource the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Orders,
    Customers,
}

struct Record {
    id: u64,
    key: String,
    created: DateTime<Utc>,
}

struct State {
    kind: Kind,
    listing: Listing,
    records: Vec<Record>,
    /// Records added before each page is served (live inserts).
    grow: usize,
    /// Whether records carry `created_at`.
    timed: bool,
    /// Answer every page with page 1 (a server ignoring `page`).
    ignore_page: bool,
    /// A slow commit: before page request number `n` is served, `key`
    /// lands, followed by 80 newer records.
    lands: Option<(u64, String)>,
    page_requests: u64,
    /// Pages served, in order.
    served: Vec<u64>,
}

/// The time of the `i`-th record made before a test's create: ten minutes
/// apart, so the five-minute skew margin holds none of them.
fn old_time(i: u64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(10 * i as i64)
}

#[derive(Clone)]
struct Fake(Arc<Mutex<State>>);

impl Fake {
    fn new(kind: Kind, listing: Listing) -> Self {
        Fake(Arc::new(Mutex::new(State {
            kind,
            listing,
            records: Vec::new(),
            grow: 0,
            timed: true,
            ignore_page: false,
            lands: None,
            page_requests: 0,
            served: Vec::new(),
        })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    /// Adds a record with `key` created at `at`; returns its id.
    fn add(&self, key: &str, at: DateTime<Utc>) -> u64 {
        let mut s = self.state();
        let id = 1000 + s.records.len() as u64;
        s.records.push(Record {
            id,
            key: key.to_owned(),
            created: at,
        });
        id
    }

    /// `n` records made long before the lookup's start.
    fn add_old(&self, n: u64) {
        for i in 0..n {
            self.add(&format!("OLD-{i}"), old_time(i));
        }
    }

    /// `n` records made after `since`, a second apart.
    fn add_after(&self, since: DateTime<Utc>, n: u64) {
        for i in 0..n {
            self.add(
                &format!("NEW-{i}"),
                since + chrono::Duration::seconds(1 + i as i64),
            );
        }
    }

    fn page_requests(&self) -> u64 {
        self.state().page_requests
    }

    fn count(&self, key: &str) -> usize {
        self.state().records.iter().filter(|r| r.key == key).count()
    }
}

impl State {
    /// The records in the order the list shows them.
    fn listed(&self) -> Vec<&Record> {
        let mut all: Vec<&Record> = self.records.iter().collect();
        match self.listing {
            Listing::OldestFirst => {}
            Listing::NewestFirst => all.reverse(),
            Listing::Scrambled => all.sort_by_key(|r| r.id.wrapping_mul(2_654_435_761) % 1_000_003),
        }
        all
    }

    fn json(&self, r: &Record) -> serde_json::Value {
        let mut v = match self.kind {
            Kind::Orders => serde_json::json!({
                "id": r.id,
                "order_type": "single_payment",
                "status": "pending",
                "invoice_id": r.key,
                "customer_id": 42,
            }),
            Kind::Customers => serde_json::json!({
                "id": r.id,
                "customer_id": format!("C{:09}", r.id),
                "first_name": "Dana",
                "last_name": "Borys",
                "email": r.key,
                "created_at": r.created.to_rfc3339(),
                "updated_at": r.created.to_rfc3339(),
            }),
        };
        if self.timed {
            v["created_at"] = r.created.to_rfc3339().into();
        }
        v
    }
}

impl Respond for Fake {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state();
        let page: u64 = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        s.page_requests += 1;
        s.served.push(page);
        if let Some((at, key)) = s.lands.clone()
            && s.page_requests == at
        {
            drop(s);
            let now = Utc::now();
            self.add(&key, now);
            self.add_after(now, 80);
            s = self.state();
        }
        for _ in 0..s.grow {
            let at = s
                .records
                .iter()
                .map(|r| r.created)
                .max()
                .unwrap_or_else(Utc::now)
                + chrono::Duration::seconds(1);
            let id = 1000 + s.records.len() as u64;
            s.records.push(Record {
                id,
                key: format!("LIVE-{id}"),
                created: at,
            });
        }
        let page = if s.ignore_page { 1 } else { page };
        let start = ((page - 1) * 25) as usize;
        let items: Vec<serde_json::Value> = s
            .listed()
            .into_iter()
            .skip(start)
            .take(25)
            .map(|r| s.json(r))
            .collect();
        ResponseTemplate::new(200).set_body_raw(
            serde_json::Value::Array(items).to_string(),
            "application/json",
        )
    }
}

async fn serve(fake: &Fake) -> (MockServer, Client) {
    let server = MockServer::start().await;
    let route = match fake.state().kind {
        Kind::Orders => "/api/v1/orders",
        Kind::Customers => "/api/v1/customers",
    };
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(fake.clone())
        .mount(&server)
        .await;
    let client = client(&server);
    (server, client)
}

/// The time a create was sent in the fake's world: just after the old
/// records.
fn sent_at(old: u64) -> DateTime<Utc> {
    old_time(old) + chrono::Duration::minutes(10)
}

/// Every listing the fake knows.
const LISTINGS: [Listing; 3] = [
    Listing::OldestFirst,
    Listing::NewestFirst,
    Listing::Scrambled,
];

/// The measured shape: 55 old records, the one sought (`key`, made just
/// after `since`), then 79 newer. Returns the fake, `since` and the id.
fn behind_80_newer(kind: Kind, listing: Listing, key: &str) -> (Fake, DateTime<Utc>, u64) {
    let fake = Fake::new(kind, listing);
    fake.add_old(55);
    let since = sent_at(55);
    let id = fake.add(key, since + chrono::Duration::seconds(1));
    fake.add_after(since + chrono::Duration::seconds(1), 79);
    (fake, since, id)
}

/// The documented bound on an oldest-first lookup's requests:
/// `2·⌈log2(⌈n/25⌉ + 1)⌉ + ⌈m/25⌉ + c`.
fn oldest_first_bound(n: u64, m: u64, c: u64) -> u64 {
    let pages = n.div_ceil(25) + 1;
    2 * u64::from(pages.next_power_of_two().trailing_zeros()) + m.div_ceil(25) + c
}

// ---------------------------------------------------------------------------
// The measured double charge, on the sandbox.

async fn sandbox() -> (BillProSandbox, Client) {
    let sandbox = BillProSandbox::start().await.unwrap();
    let client = sandbox
        .client_builder()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (sandbox, client)
}

/// 55 orders, then a create whose answer is a 503 after the commit and
/// whose own lookup fails, then 80 more orders; the documented recovery
/// (look up by the error's key and time, create only if absent) finds the
/// order on page 3 of 6 and creates nothing.
#[tokio::test]
async fn the_measured_double_charge_does_not_happen() {
    let (sandbox, client) = sandbox().await;
    let customer = client
        .customers()
        .create(&NewCustomer::new("Dana", "Borys", "dana@example.com"))
        .await
        .unwrap();
    let product = client
        .products()
        .list(&ProductFilter::new())
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.product_type == PurchaseType::SinglePayment)
        .unwrap();
    let order = |invoice_id: &str| {
        NewSingleOrder::new(customer.id, &product.currency, invoice_id)
            .product(OrderLine::new(product.id))
    };
    for n in 0..55 {
        let invoice = format!("BEFORE-{n}");
        client
            .orders()
            .create_single_order(&order(&invoice))
            .await
            .unwrap();
    }
    let faults = sandbox.faults();
    faults
        .on("POST", "/orders/create_single_order")
        .fail_after_commit(1, 503);
    faults.on("GET", "/orders").fail(1, 503);
    let err = client
        .orders()
        .create_single_order(&order("INV-42"))
        .await
        .unwrap_err();
    faults.clear();
    assert!(matches!(err, Error::MayHaveLanded { .. }), "{err:?}");
    let key: LookupKey = err.lookup_key().unwrap().clone();
    assert_eq!((key.field(), key.value()), ("invoice_id", "INV-42"));
    let sent_at = key.sent_at().expect("the key says when it was sent");
    assert!(
        err.to_string()
            .contains("look it up by invoice_id = \"INV-42\"")
    );
    for n in 0..80 {
        let invoice = format!("AFTER-{n}");
        client
            .orders()
            .create_single_order(&order(&invoice))
            .await
            .unwrap();
    }

    // The recovery the error and the docs describe.
    let before = sandbox.server().requests_served();
    let found = client
        .orders()
        .find_by_invoice_id_since(key.value(), sent_at)
        .await
        .unwrap();
    let lookup_requests = sandbox.server().requests_served() - before;
    let recovered = match found {
        Some(order) => order,
        None => client
            .orders()
            .create_single_order(&order("INV-42"))
            .await
            .unwrap(),
    };

    let all = client.orders().list().collect_all().await.unwrap();
    assert_eq!(all.len(), 136);
    let held: Vec<&Order> = all
        .iter()
        .filter(|o| o.invoice_id.as_deref() == Some("INV-42"))
        .collect();
    assert_eq!(held.len(), 1, "one order with the invoice id");
    assert_eq!(held[0].id, recovered.id);
    let position = all.iter().position(|o| o.id == recovered.id).unwrap();
    assert_eq!((position / 25 + 1, all.len().div_ceil(25)), (3, 6));
    // Every order here is younger than the skew margin: all are read.
    assert!(
        lookup_requests <= oldest_first_bound(136, 136, 4),
        "{lookup_requests} requests"
    );
}

/// The same for customers: a create of unknown outcome ends in
/// `MayHaveLanded` keyed by e-mail; after 80 more customers,
/// `find_by_email_since` finds it and nothing is created twice.
#[tokio::test]
async fn a_customer_of_unknown_outcome_is_found_by_email_after_80_more() {
    let (sandbox, client) = sandbox().await;
    let create = |email: String| NewCustomer::new("Dana", "Borys", email);
    for n in 0..55 {
        client
            .customers()
            .create(&create(format!("before{n}@example.com")))
            .await
            .unwrap();
    }
    let faults = sandbox.faults();
    faults.on("POST", "/customers").fail_after_commit(1, 503);
    faults.on("GET", "/customers").fail(1, 503);
    let err = client
        .customers()
        .create(&create("dana@example.com".into()))
        .await
        .unwrap_err();
    faults.clear();
    let key = err.lookup_key().expect("keyed by e-mail").clone();
    assert_eq!((key.field(), key.value()), ("email", "dana@example.com"));
    for n in 0..80 {
        client
            .customers()
            .create(&create(format!("after{n}@example.com")))
            .await
            .unwrap();
    }
    let found = client
        .customers()
        .find_by_email_since("DANA@example.com ", key.sent_at().unwrap())
        .await
        .unwrap()
        .expect("the customer that landed");
    let all = client.customers().list().collect_all().await.unwrap();
    let held: Vec<&Customer> = all
        .iter()
        .filter(|c| c.email == "dana@example.com")
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].id, found.id);
    assert_eq!(
        client
            .customers()
            .find_by_email("dana@example.com")
            .await
            .unwrap()
            .map(|c| c.id),
        Some(found.id)
    );
}

/// Creates order INV-42 (after 55 old orders) and checks that the one
/// that landed came back and that the fake holds no second one.
async fn create_finds_the_landed_order(client: &Client, fake: &Fake, listing: Listing) {
    let order = client
        .orders()
        .create_single_order(&NewSingleOrder::new(42, "EUR", "INV-42").product(OrderLine::new(7)))
        .await
        .unwrap();
    assert_eq!(order.invoice_id.as_deref(), Some("INV-42"), "{listing:?}");
    assert_eq!(order.id.get(), 1055, "{listing:?}");
    assert_eq!(fake.count("INV-42"), 1, "{listing:?}");
}

/// A create answered 503 after the commit, with 80 orders made after it
/// before the client looks: the automatic lookup inside the create finds
/// it (on a middle page) and returns it; the create is sent once.
#[tokio::test]
async fn the_create_path_finds_its_order_behind_80_newer_ones() {
    for listing in [Listing::OldestFirst, Listing::NewestFirst] {
        let fake = Fake::new(Kind::Orders, listing);
        fake.add_old(55);
        let (server, client) = serve(&fake).await;
        let landed = fake.clone();
        Mock::given(method("POST"))
            .and(path("/api/v1/orders/create_single_order"))
            .respond_with(move |_: &Request| {
                let now = Utc::now();
                landed.add("INV-42", now);
                landed.add_after(now, 80);
                ResponseTemplate::new(503)
            })
            .expect(1)
            .mount(&server)
            .await;
        create_finds_the_landed_order(&client, &fake, listing).await;
    }
}

/// A slow commit: the create's first lookup runs before the order lands,
/// then it lands with 80 newer orders behind it. With the resend opted in,
/// the client waits the settle time (on its manual clock), looks again
/// from the same start, finds the order and does not send it again.
#[tokio::test]
async fn a_slow_commit_behind_80_newer_orders_is_found_before_any_resend() {
    // What the first lookup reads of the 55 old orders: oldest first,
    // pages 1 and 2, 4 (empty) and 3 (short); newest first, page 1, which
    // already ends before the start.
    let cases: [(Listing, &[u64]); 2] = [
        (Listing::OldestFirst, &[1, 2, 4, 3]),
        (Listing::NewestFirst, &[1]),
    ];
    for (listing, first_lookup) in cases {
        let fake = Fake::new(Kind::Orders, listing);
        fake.add_old(55);
        // Lands before the first page request of the second lookup.
        fake.state().lands = Some((first_lookup.len() as u64 + 1, "INV-42".into()));
        let (server, _) = serve(&fake).await;
        Mock::given(method("POST"))
            .and(path("/api/v1/orders/create_single_order"))
            .respond_with(ResponseTemplate::new(503))
            .expect(1)
            .mount(&server)
            .await;
        let clock = ManualClock::new();
        let settle = Duration::from_secs(90);
        let client = Client::builder()
            .token(crate::common::TOKEN)
            .base_url(format!("{}/api/v1", server.uri()))
            .profile_id(5)
            .retry(RetryPolicy::default().resend_unconfirmed_after(settle))
            .manual_time(&clock)
            .build()
            .unwrap();
        create_finds_the_landed_order(&client, &fake, listing).await;
        assert_eq!(clock.sleeps(), vec![settle], "{listing:?}");
        let served = fake.state().served.clone();
        assert_eq!(&served[..first_lookup.len()], first_lookup, "{listing:?}");
    }
}

// ---------------------------------------------------------------------------
// Every direction, present and absent.

/// 55 old orders, the one sought, 80 newer: found in every listing, at a
/// cost within the documented bound for its direction.
#[tokio::test]
async fn found_behind_80_newer_orders_in_every_listing() {
    for listing in LISTINGS {
        let (fake, since, id) = behind_80_newer(Kind::Orders, listing, "INV-42");
        let (_server, client) = serve(&fake).await;
        let found = client
            .orders()
            .find_by_invoice_id_since("INV-42", since)
            .await
            .unwrap();
        assert_eq!(found.map(|o| o.id.get()), Some(id), "{listing:?}");
        let requests = fake.page_requests();
        let most = match listing {
            Listing::OldestFirst => oldest_first_bound(135, 80, 4),
            Listing::NewestFirst => 80u64.div_ceil(25) + 1,
            // Page 1 and then the list in turn until it is found.
            Listing::Scrambled => 1 + 135u64.div_ceil(25) + 1,
        };
        assert!(requests <= most, "{listing:?}: {requests} > {most}");
    }
}

/// The order is absent: `None` in every listing, after reading no more
/// than the documented bound (whole list only when out of order).
#[tokio::test]
async fn absent_is_none_after_a_bounded_walk_in_every_listing() {
    for listing in LISTINGS {
        let fake = Fake::new(Kind::Orders, listing);
        fake.add_old(1000);
        let since = sent_at(1000);
        fake.add_after(since, 80);
        let (_server, client) = serve(&fake).await;
        let found = client
            .orders()
            .find_by_invoice_id_since("INV-42", since)
            .await
            .unwrap();
        assert_eq!(found, None, "{listing:?}");
        let requests = fake.page_requests();
        let exact = match listing {
            Listing::OldestFirst => 13,
            // Pages 1..4 hold the 80 new ones; page 4 ends before the start.
            Listing::NewestFirst => 4,
            // Page 1, then pages 2..44 (1,080 orders, 43.2 pages) in turn.
            Listing::Scrambled => 1 + 43,
        };
        assert_eq!(requests, exact, "{listing:?}");
    }
}

/// An old order with the same invoice id is not the one a recent create
/// made: `_since` ignores it (the plain lookup finds it).
#[tokio::test]
async fn an_older_order_with_the_key_is_not_taken_for_the_new_one() {
    let fake = Fake::new(Kind::Orders, Listing::NewestFirst);
    fake.add("INV-42", old_time(0));
    fake.add_old(10);
    let (_server, client) = serve(&fake).await;
    let since = sent_at(10);
    assert_eq!(
        client
            .orders()
            .find_by_invoice_id_since("INV-42", since)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        client
            .orders()
            .find_by_invoice_id("INV-42")
            .await
            .unwrap()
            .map(|o| o.id.get()),
        Some(1000)
    );
}

/// BillPro's clock runs behind: the order's `created_at` is two minutes
/// before the client noted sending it. The default skew margin covers it
/// in an oldest-first list, where the bisection would otherwise start a
/// page too late.
#[tokio::test]
async fn a_server_clock_behind_by_less_than_the_skew_is_covered() {
    let fake = Fake::new(Kind::Orders, Listing::OldestFirst);
    // Old orders a second apart up to the create, so the page boundary
    // falls right at the order.
    let since = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
    for i in (0..=149).rev() {
        fake.add(
            &format!("OLD-{i}"),
            since - chrono::Duration::seconds(121 + i),
        );
    }
    let id = fake.add("INV-42", since - chrono::Duration::seconds(120));
    fake.add_after(since, 80);
    let (_server, client) = serve(&fake).await;
    let found = client
        .orders()
        .find_by_invoice_id_since("INV-42", since)
        .await;
    let found = found.unwrap();
    assert_eq!(found.map(|o| o.id.get()), Some(id));
    // With no margin at all the order is older than the start: not sought.
    let none = client
        .orders()
        .find_by_invoice_id_since("INV-42", Since::new(since).skew(Duration::ZERO))
        .await
        .unwrap();
    assert_eq!(none, None);
}

/// The plain lookup reads the whole list and finds an old order in the
/// middle (which the old first-and-last-pages lookup missed).
#[tokio::test]
async fn the_plain_lookup_reads_the_whole_list() {
    for listing in [Listing::OldestFirst, Listing::NewestFirst] {
        let fake = Fake::new(Kind::Orders, listing);
        fake.add_old(10_000);
        let (_server, client) = serve(&fake).await;
        let found = client
            .orders()
            .find_by_invoice_id("OLD-5000")
            .await
            .unwrap();
        assert_eq!(found.map(|o| o.id.get()), Some(6000), "{listing:?}");
        let absent = client.orders().find_by_invoice_id("NOPE").await.unwrap();
        assert_eq!(absent, None);
        let requests = fake.page_requests();
        let (found_cost, absent_cost) = match listing {
            // Page 1, then 4 at a time from page 2: OLD-5000 is on page
            // 201, in the 50th window (198..=201); then the 400 full pages
            // and the empty 401st, the last window being 398..=401.
            Listing::OldestFirst => (201, 401),
            // One page after the other: OLD-5000 is the 5,000th from the
            // front (page 200); then pages 1..=401.
            Listing::NewestFirst => (200, 401),
            Listing::Scrambled => unreachable!(),
        };
        assert_eq!(requests, found_cost + absent_cost, "{listing:?}");
    }
}

// ---------------------------------------------------------------------------
// Live inserts while the lookup reads.

/// Orders are added before every page is served (up to 20 a read, and in
/// an oldest-first list up to 200, eight pages). The order sought is
/// still found in every listing.
#[tokio::test]
async fn live_inserts_do_not_hide_the_order() {
    let cases = [
        (Listing::OldestFirst, 1),
        (Listing::OldestFirst, 20),
        (Listing::OldestFirst, 200),
        (Listing::NewestFirst, 1),
        (Listing::NewestFirst, 7),
        (Listing::NewestFirst, 20),
        (Listing::Scrambled, 1),
        (Listing::Scrambled, 7),
        (Listing::Scrambled, 20),
    ];
    for (listing, grow) in cases {
        {
            let fake = Fake::new(Kind::Orders, listing);
            fake.add_old(300);
            let since = sent_at(300);
            let id = fake.add("INV-42", since + chrono::Duration::seconds(1));
            fake.add_after(since + chrono::Duration::seconds(1), 80);
            fake.state().grow = grow;
            let (_server, client) = serve(&fake).await;
            let found = client
                .orders()
                .find_by_invoice_id_since("INV-42", since)
                .await;
            assert_eq!(
                found.unwrap().map(|o| o.id.get()),
                Some(id),
                "{listing:?} {grow}"
            );
            let found = client.orders().find_by_invoice_id("OLD-7").await.unwrap();
            assert_eq!(found.map(|o| o.id.get()), Some(1007), "{listing:?} {grow}");
        }
    }
}

/// Random lists: any listing, 0 to 600 old orders, 0 to 120 made after
/// the create around the one sought (or none sought), 0 to 9 added before
/// every page served, and any concurrency. Found exactly when present;
/// without live inserts, within the documented bound.
#[tokio::test]
async fn random_lists_find_exactly_what_is_there() {
    let mut rng = fastrand::Rng::with_seed(17);
    for case in 0..60 {
        let listing = LISTINGS[rng.usize(0..3)];
        let (old, before, after) = (rng.u64(0..600), rng.u64(0..60), rng.u64(0..60));
        let present = rng.bool();
        let grow = if rng.bool() { 0 } else { rng.usize(1..10) };
        let concurrency = rng.usize(1..7);
        let fake = Fake::new(Kind::Orders, listing);
        fake.add_old(old);
        let since = sent_at(old);
        fake.add_after(since, before);
        let last_before = since + chrono::Duration::seconds(before as i64);
        let id = present.then(|| fake.add("INV-42", last_before + chrono::Duration::seconds(1)));
        fake.add_after(last_before + chrono::Duration::seconds(1), after);
        fake.state().grow = grow;
        let (_server, client) = serve(&fake).await;
        let found = client
            .orders()
            .find_by_invoice_id_since("INV-42", Since::new(since).concurrency(concurrency))
            .await
            .unwrap();
        let what = format!(
            "case {case}: {listing:?} old {old} new {before}+{after} present {present} grow {grow} c {concurrency}"
        );
        assert_eq!(found.map(|o| o.id.get()), id, "{what}");
        if grow == 0 {
            let (n, m) = (
                old + before + after + u64::from(present),
                before + after + u64::from(present),
            );
            let bound = match listing {
                Listing::OldestFirst => oldest_first_bound(n, m, concurrency as u64),
                Listing::NewestFirst => m.div_ceil(25) + 1,
                Listing::Scrambled => n.div_ceil(25) + 1,
            };
            assert!(
                fake.page_requests() <= bound,
                "{what}: {} > {bound}",
                fake.page_requests()
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Hostile servers.

/// A server that ignores `page` and sends page 1 again: an error, not a
/// `None` that would license a second order.
#[tokio::test]
async fn a_server_ignoring_page_is_an_error_not_none() {
    for listing in LISTINGS {
        let fake = Fake::new(Kind::Orders, listing);
        fake.add_old(100);
        fake.state().ignore_page = true;
        let (_server, client) = serve(&fake).await;
        for since in [None, Some(sent_at(100))] {
            let got = match since {
                None => client.orders().find_by_invoice_id("INV-42").await,
                Some(t) => client.orders().find_by_invoice_id_since("INV-42", t).await,
            };
            match got {
                Err(Error::Pagination {
                    kind: PaginationErrorKind::RepeatedPage,
                    ..
                }) => {}
                // Newest first, page 1 already ends before the start: the
                // walk stops there, having read all that can hold it.
                Ok(None) if listing == Listing::NewestFirst && since.is_some() => {}
                other => panic!("{listing:?} {since:?}: {other:?}"),
            }
        }
    }
}

/// Orders without `created_at`: the direction cannot be known, so the
/// whole list is read in turn, and the order is found.
#[tokio::test]
async fn orders_without_times_are_read_whole() {
    let fake = Fake::new(Kind::Orders, Listing::OldestFirst);
    fake.add_old(100);
    let id = fake.add("INV-42", sent_at(100));
    fake.add_after(sent_at(100), 80);
    fake.state().timed = false;
    let (_server, client) = serve(&fake).await;
    let found = client
        .orders()
        .find_by_invoice_id_since("INV-42", sent_at(100))
        .await
        .unwrap();
    assert_eq!(found.map(|o| o.id.get()), Some(id));
    // Pages 1..=5 in turn (the order is the 101st).
    assert_eq!(fake.page_requests(), 5);
    assert_eq!(fake.state().served, vec![1, 2, 3, 4, 5]);
}

/// Page 1 looks oldest first but a later page does not: the lookup stops
/// trusting the order and reads the whole list in turn, and finds it.
#[tokio::test]
async fn a_list_out_of_order_past_page_1_falls_back_and_finds() {
    let fake = Fake::new(Kind::Orders, Listing::OldestFirst);
    fake.add_old(60);
    let since = sent_at(200);
    // Sits among old orders by position, but is new.
    let id = fake.add("INV-42", since + chrono::Duration::seconds(5));
    fake.add_old(60);
    let (_server, client) = serve(&fake).await;
    let found = client
        .orders()
        .find_by_invoice_id_since("INV-42", since)
        .await
        .unwrap();
    assert_eq!(found.map(|o| o.id.get()), Some(id));
}

/// Caller mistakes are refused before anything is sent.
#[tokio::test]
async fn blank_keys_are_refused_before_sending() {
    let server = MockServer::start().await;
    expect_no_request(&server).await;
    let client = client(&server);
    let now = Utc::now();
    assert_invalid(
        &client
            .orders()
            .find_by_invoice_id_since(" ", now)
            .await
            .unwrap_err(),
        "invoice_id",
    );
    assert_invalid(
        &client.customers().find_by_email("").await.unwrap_err(),
        "email",
    );
    assert_invalid(
        &client
            .customers()
            .find_by_email_since("", now)
            .await
            .unwrap_err(),
        "email",
    );
}

// ---------------------------------------------------------------------------
// Customers by e-mail, in every listing.

#[tokio::test]
async fn customers_are_found_by_email_in_every_listing() {
    for listing in LISTINGS {
        let (fake, since, id) = behind_80_newer(Kind::Customers, listing, "dana@example.com");
        let (_server, client) = serve(&fake).await;
        let found = client
            .customers()
            .find_by_email_since("Dana@Example.com", since)
            .await
            .unwrap();
        assert_eq!(found.map(|c| c.id.get()), Some(id), "{listing:?}");
        let absent = client
            .customers()
            .find_by_email_since("nobody@example.com", since)
            .await
            .unwrap();
        assert_eq!(absent, None, "{listing:?}");
        let old = client
            .customers()
            .find_by_email("OLD-3")
            .await
            .unwrap()
            .map(|c| c.id.get());
        assert_eq!(old, Some(1003), "{listing:?}");
    }
}

// ---------------------------------------------------------------------------
// What a lookup costs.

/// Requests for a lookup with 80 orders created since the create, in lists
/// of 1,000, 10,000 and 100,000 orders, found (the oldest of the 80) and
/// absent: within the documented bound (20, 26 and 32 oldest first, 5
/// newest first), and exactly these counts. Oldest first, 1,000 orders,
/// absent: page 1; doubling 2, 4, …, 64 (empty); bisecting 48, 40, 36, 38,
/// 37 (the first page holding new orders); then 38..=41 at once, 41 empty.
#[tokio::test]
async fn requests_for_1k_10k_and_100k_orders() {
    let mut report = Vec::new();
    let mut counts = Vec::new();
    for (total, oldest_found, oldest_absent) in
        [(1_000u64, 12, 16), (10_000, 18, 22), (100_000, 24, 28)]
    {
        let old = total - 80;
        for listing in [Listing::OldestFirst, Listing::NewestFirst] {
            for present in [true, false] {
                let fake = Fake::new(Kind::Orders, listing);
                fake.add_old(old);
                let since = sent_at(old);
                let key = if present { "NEW-0" } else { "INV-42" };
                fake.add_after(since, 80);
                let (_server, client) = serve(&fake).await;
                let found = client
                    .orders()
                    .find_by_invoice_id_since(key, since)
                    .await
                    .unwrap();
                assert_eq!(found.is_some(), present);
                let requests = fake.page_requests();
                report.push(format!(
                    "{total} orders, {listing:?}, {}: {requests} requests",
                    if present { "found" } else { "absent" }
                ));
                let bound = match listing {
                    Listing::OldestFirst => oldest_first_bound(total, 80, 4),
                    _ => 80u64.div_ceil(25) + 1,
                };
                assert!(
                    requests <= bound,
                    "{total} {listing:?}: {requests} > {bound}"
                );
                let exact = match (listing, present) {
                    (Listing::OldestFirst, true) => oldest_found,
                    (Listing::OldestFirst, false) => oldest_absent,
                    // NEW-0 is the oldest of the new: last of them, page 4.
                    _ => 4,
                };
                counts.push((requests, exact));
            }
        }
    }
    println!("{}", report.join("\n"));
    for (line, (got, want)) in report.iter().zip(counts) {
        assert_eq!(got, want, "{line}");
    }
}
