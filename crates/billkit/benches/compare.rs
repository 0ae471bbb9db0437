//! billkit side by side with the code a user would write by hand, against a
//! local server started here that answers canned bytes. Every measure runs
//! its contenders interleaved, round after round, and prints the median of
//! the per-round ratios next to its target (see `benches/README.md`).
//!
//! `cargo bench --bench compare` (all of it, about a minute) or
//! `cargo bench --bench compare -- decode` (only measures whose name holds
//! `decode`). `ROUNDS=15` changes the number of rounds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use billkit::StreamExt;
use billkit::http::{Config, Credentials, PageStyle, Paginator, RateLimit, Request, Transport};
use serde::Deserialize;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------- allocations

/// Counts allocations made on threads that opted in, and the heap's current
/// and peak size on all threads.
struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNT_HERE: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe {
            if COUNT_HERE.with(Cell::get) {
                ALLOCS.fetch_add(1, Ordering::Relaxed);
            }
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
            System.alloc(layout)
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            System.dealloc(ptr, layout)
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe {
            if COUNT_HERE.with(Cell::get) {
                ALLOCS.fetch_add(1, Ordering::Relaxed);
            }
            if new_size > layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
            System.realloc(ptr, layout, new_size)
        }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

// ---------------------------------------------------------------- the server

/// What the server answers to a path and query: status, extra headers, body.
type Handler = Arc<dyn Fn(&str) -> (u16, Vec<(String, String)>, Arc<Vec<u8>>) + Send + Sync>;

struct Server {
    url: String,
    connections: Arc<AtomicUsize>,
}

/// A keep-alive HTTP/1.1 server on its own thread (so its CPU time is not
/// the client's), answering each request after `delay`.
fn serve(handler: Handler, delay: Duration) -> Server {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (mut sock, _) = listener.accept().await.unwrap();
                sock.set_nodelay(true).unwrap();
                count.fetch_add(1, Ordering::SeqCst);
                let handler = handler.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::with_capacity(4096);
                    let mut chunk = [0u8; 4096];
                    loop {
                        let end = loop {
                            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break i + 4;
                            }
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                        buf.drain(..end);
                        let target = head.split(' ').nth(1).unwrap_or("/").to_owned();
                        if !delay.is_zero() {
                            tokio::time::sleep(delay).await;
                        }
                        let (status, headers, body) = handler(&target);
                        let mut out = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                            body.len()
                        );
                        for (k, v) in headers {
                            out.push_str(&format!("{k}: {v}\r\n"));
                        }
                        out.push_str("\r\n");
                        if sock.write_all(out.as_bytes()).await.is_err()
                            || sock.write_all(&body).await.is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
    });
    Server { url, connections }
}

fn canned(body: Vec<u8>) -> Handler {
    let body = Arc::new(body);
    Arc::new(move |_| (200, Vec::new(), body.clone()))
}

fn query_num(target: &str, key: &str) -> Option<u64> {
    let q = target.split_once('?')?.1;
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
}

// ---------------------------------------------------------------- data

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn billpro_product() -> Value {
    fixture(include_str!(
        "../fixtures/billpro/product_single_payment.json"
    ))
}

fn billmora_invoice() -> Value {
    fixture(include_str!("../fixtures/billmora/invoices_show.json"))["data"].clone()
}

fn billy_invoice() -> Value {
    fixture(include_str!("../fixtures/billy/invoice_get.json"))
}

/// `n` copies of `one` with ids counting from 1.
fn many(one: &Value, n: usize, id_key: &str) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let mut v = one.clone();
            if let Some(id) = v.get_mut(id_key) {
                *id = match id {
                    Value::String(s) => Value::String(format!("{s}{i}")),
                    _ => Value::from(i + 1),
                };
            }
            v
        })
        .collect()
}

/// `n` copies of `one` as a newest-first list holds them after its first
/// `skip` of `total` items: ids and creation times fall item by item.
fn newest_first(one: &Value, skip: u64, n: u64, total: u64) -> Vec<Value> {
    let newest = chrono::DateTime::parse_from_rfc3339("2026-07-20T05:31:00Z").unwrap();
    (skip..skip + n)
        .map(|i| {
            let mut v = one.clone();
            v["id"] = Value::from(total - i);
            let at = newest - chrono::Duration::seconds(i as i64);
            v["created_at"] = Value::from(at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
            v
        })
        .collect()
}

fn laravel_page(items: Vec<Value>, page: u64, last: u64) -> Vec<u8> {
    let total = items.len() as u64 * last;
    serde_json::to_vec(&serde_json::json!({
        "data": items,
        "links": {"first": "https://billing.example.com/api/v1/invoices?page=1", "last": null, "prev": null, "next": null},
        "meta": {"current_page": page, "from": 1, "last_page": last, "path": "https://billing.example.com/api/v1/invoices", "per_page": 15, "to": 15, "total": total}
    }))
    .unwrap()
}

fn billpro_orders(n: usize) -> Vec<Value> {
    let kinds = [
        include_str!("../fixtures/billpro/order_single_payment.json"),
        include_str!("../fixtures/billpro/order_instalment.json"),
        include_str!("../fixtures/billpro/order_subscription.json"),
        include_str!("../fixtures/billpro/order_metered.json"),
    ];
    let orders: Vec<Value> = kinds.iter().map(|k| fixture(k)).collect();
    (0..n)
        .map(|i| {
            let mut v = orders[i % orders.len()].clone();
            v["id"] = Value::from(i + 1);
            v
        })
        .collect()
}

// ---------------------------------------------------------------- measuring

fn rounds() -> usize {
    std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(9)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn spread(v: &[f64]) -> String {
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(0.0, f64::max);
    format!("[{lo:.2}–{hi:.2}]")
}

fn report(name: &str, what: &str, ratios: Vec<f64>, target: &str) {
    println!(
        "{name:<44} {what:<26} {:>6.2}  {:<13} target {target}",
        median(ratios.clone()),
        spread(&ratios)
    );
}

/// Wall time, client CPU time and allocations of `n` runs of `f`.
#[derive(Default, Clone, Copy)]
struct Cost {
    wall: f64,
    cpu: f64,
    allocs: f64,
}

fn cost<F: Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    n: usize,
    mut f: impl FnMut() -> F,
) -> Cost {
    let wall = Instant::now();
    let cpu = thread_cpu();
    ALLOCS.store(0, Ordering::SeqCst);
    COUNT_HERE.with(|c| c.set(true));
    rt.block_on(async {
        for _ in 0..n {
            f().await;
        }
    });
    COUNT_HERE.with(|c| c.set(false));
    Cost {
        wall: wall.elapsed().as_secs_f64() / n as f64,
        cpu: (thread_cpu() - cpu).as_secs_f64() / n as f64,
        allocs: ALLOCS.load(Ordering::SeqCst) as f64 / n as f64,
    }
}

fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The request a user would write: same headers, same timeout.
fn bare_get(client: &reqwest::Client, url: &str, auth: &str) -> reqwest::RequestBuilder {
    let b = client
        .get(url)
        .timeout(Duration::from_secs(30))
        .header("accept", "application/json")
        .header("user-agent", billkit::http::USER_AGENT_PREFIX);
    if auth == "basic" {
        b.basic_auth("AK-key", Some(""))
    } else {
        b.bearer_auth("secret-token")
    }
}

/// The body of a bare GET, fetched as a user would.
async fn bare_body(client: &reqwest::Client, url: &str, auth: &str) -> bytes::Bytes {
    bare_get(client, url, auth)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
}

/// The cost of `n` runs of each contender per round, after `warm` runs of
/// each; which goes first alternates between rounds.
fn interleaved<A, B, FA, FB>(warm: usize, n: usize, ours: &mut A, bare: &mut B) -> Vec<(Cost, Cost)>
where
    A: FnMut() -> FA,
    B: FnMut() -> FB,
    FA: Future<Output = ()>,
    FB: Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Warm up: connections, caches.
    cost(&rt, warm, &mut *ours);
    cost(&rt, warm, &mut *bare);
    (0..rounds())
        .map(|round| {
            if round % 2 == 0 {
                let o = cost(&rt, n, &mut *ours);
                (o, cost(&rt, n, &mut *bare))
            } else {
                let b = cost(&rt, n, &mut *bare);
                (cost(&rt, n, &mut *ours), b)
            }
        })
        .collect()
}

/// billkit (`ours`) against the bare request (`bare`), `n` requests each,
/// interleaved, over several rounds.
fn versus<A, B, FA, FB>(name: &str, target_note: &str, n: usize, mut ours: A, mut bare: B)
where
    A: FnMut() -> FA,
    B: FnMut() -> FB,
    FA: Future<Output = ()>,
    FB: Future<Output = ()>,
{
    let (mut wall, mut cpu, mut a_ours, mut a_bare) = (vec![], vec![], vec![], vec![]);
    for (o, b) in interleaved(50, n, &mut ours, &mut bare) {
        wall.push(o.wall / b.wall);
        cpu.push(o.cpu / b.cpu);
        a_ours.push(o.allocs);
        a_bare.push(b.allocs);
    }
    report(name, "wall, billkit ÷ bare", wall, "≤ 1.02");
    report(name, "client CPU, billkit ÷ bare", cpu, "≤ 1.05");
    println!(
        "{name:<44} {:<26} {:>6.0} vs {:.0} bare  {target_note}",
        "allocations per request",
        median(a_ours),
        median(a_bare)
    );
}

fn selected(name: &str) -> bool {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()))
}

// ---------------------------------------------------------------- requests

fn requests() {
    let n = 300;
    let client = bare_client();

    if selected("request billpro products().get") {
        let server = serve(
            canned(serde_json::to_vec(&billpro_product()).unwrap()),
            Duration::ZERO,
        );
        let billpro = billkit::billpro::Client::builder()
            .token("secret-token")
            .base_url(&server.url)
            .build()
            .unwrap();
        let url = format!(
            "{}/products/7",
            billpro.base_url().as_str().trim_end_matches('/')
        );
        versus(
            "request billpro products().get",
            "(bare: same typed Product)",
            n,
            || async {
                black_box(billpro.products().get(7).await.unwrap());
            },
            || async {
                let body = bare_get(&client, &url, "bearer")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                black_box(serde_json::from_slice::<billkit::billpro::Product>(&body).unwrap());
            },
        );
    }
    let billmora_server = |handler: Handler| {
        let server = serve(handler, Duration::ZERO);
        let billmora = billkit::billmora::Client::builder()
            .token("secret-token")
            .base_url(&server.url)
            .rate_limit(None)
            .build()
            .unwrap();
        (server, billmora)
    };
    if selected("request billmora invoices().get") {
        let body = serde_json::to_vec(&serde_json::json!({ "data": billmora_invoice() })).unwrap();
        let (server, billmora) = billmora_server(canned(body));
        let url = format!("{}/api/v1/invoices/55", server.url);
        versus(
            "request billmora invoices().get",
            "(bare: Value)",
            n,
            || async {
                black_box(billmora.invoices().get(55).await.unwrap());
            },
            || async {
                let body = bare_get(&client, &url, "bearer")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                black_box(serde_json::from_slice::<Value>(&body).unwrap());
            },
        );
    }
    let billy_server = |body: Vec<u8>| {
        let server = serve(canned(body), Duration::ZERO);
        let billy = billkit::billy::Client::builder()
            .api_key("AK-key")
            .base_url(&server.url)
            .build()
            .unwrap();
        (server, billy)
    };
    if selected("request billy invoices().get") {
        let (server, billy) = billy_server(serde_json::to_vec(&billy_invoice()).unwrap());
        let url = format!("{}/v1/invoices/IV4gVtDyP3CD9zQyv8AtPwx5", server.url);
        let guid = billkit::billy::InvoiceGuid::new("IV4gVtDyP3CD9zQyv8AtPwx5").unwrap();
        let guid = &guid;
        versus(
            "request billy invoices().get",
            "(bare: Value)",
            n,
            || async {
                black_box(billy.invoices().get(guid).await.unwrap());
            },
            || async {
                let body = bare_get(&client, &url, "basic")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                black_box(serde_json::from_slice::<Value>(&body).unwrap());
            },
        );
    }
    if selected("request billy invoices().list, 100 items") {
        let items = many(&billy_invoice(), 100, "guid");
        let body =
            serde_json::to_vec(&serde_json::json!({"items": items, "limit": 100, "offset": 0}))
                .unwrap();
        let (server, billy) = billy_server(body);
        let url = format!("{}/v1/invoices?offset=0&limit=100", server.url);
        versus(
            "request billy invoices().list, 100 items",
            "(bare: Value)",
            n / 5,
            || async {
                black_box(
                    billy
                        .invoices()
                        .list(&billkit::billy::InvoiceFilter::new())
                        .per_page(100)
                        .page(1)
                        .await
                        .unwrap(),
                );
            },
            || async {
                let body = bare_get(&client, &url, "basic")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                black_box(serde_json::from_slice::<Value>(&body).unwrap());
            },
        );
    }
    if selected("walk 2 pages of 1,000 billmora invoices") {
        // The repeated-page guard measured where a user meets it: a real
        // walk, comparing page 2 with page 1 (different from their first
        // item on, as pages of a live list are). The bare walk decodes the
        // same typed pages, so the ratio is the page path's own cost: the
        // guard, the envelope, the walk's order keys and bookkeeping.
        let one = billmora_invoice();
        let pages = (0..2)
            .map(|p| {
                Arc::new(laravel_page(
                    newest_first(&one, p * 1000, 1000, 2000),
                    p + 1,
                    2,
                ))
            })
            .collect();
        let (server, billmora) = billmora_server(paged(pages));
        let url = format!("{}/api/v1/invoices", server.url);
        let every = billkit::billmora::InvoiceFilter::new();
        versus(
            "walk 2 pages of 1,000 billmora invoices",
            "(bare: same typed pages)",
            n / 30,
            || async {
                let mut pages = billmora.invoices().list(&every).pages();
                while let Some(page) = pages.next().await {
                    black_box(page.unwrap());
                }
            },
            || async {
                for p in 1..=2 {
                    let body = bare_body(&client, &format!("{url}?page={p}"), "bearer").await;
                    black_box(
                        serde_json::from_slice::<LaravelPage<billkit::billmora::Invoice>>(&body)
                            .unwrap(),
                    );
                }
            },
        );
    }
}

fn black_box<T>(v: T) -> T {
    std::hint::black_box(v)
}

// ---------------------------------------------------------------- decoding

/// Billmora's list page, typed as a user would write it.
#[derive(Deserialize)]
struct LaravelPage<T> {
    #[allow(dead_code)]
    data: Vec<T>,
    #[allow(dead_code)]
    meta: Option<Value>,
}

/// Laravel's envelope, as the bench's own [`PageScheme`].
#[derive(Debug, Clone, Copy)]
struct LaravelPages(Option<u32>);

#[derive(Deserialize)]
struct LaravelEnvelope<T> {
    data: Vec<T>,
    #[serde(default)]
    meta: Option<Value>,
}

impl<T> From<LaravelEnvelope<T>> for billkit::http::PageParts<T> {
    fn from(p: LaravelEnvelope<T>) -> Self {
        let last = p
            .meta
            .as_ref()
            .and_then(|m| m.get("last_page"))
            .and_then(Value::as_u64);
        billkit::http::PageParts::new(p.data).last_page(last)
    }
}

impl billkit::http::PageScheme for LaravelPages {
    type Body<T: serde::de::DeserializeOwned> = LaravelEnvelope<T>;
    const ITEMS: Option<&'static str> = Some("data");
    fn style(&self) -> PageStyle {
        PageStyle::PageNumberSized { per_page: self.0 }
    }
    fn set_query(request: &mut Request<()>, cursor: billkit::http::Cursor, style: PageStyle) {
        if let billkit::http::Cursor::Page(n) = cursor {
            request.set_query("page", n);
        }
        if let PageStyle::PageNumberSized { per_page: Some(n) } = style {
            request.set_query("per_page", n);
        }
    }
}

/// Time per call of each contender, interleaved.
fn race(name: &str, contenders: &mut [(&str, &mut dyn FnMut())], target: &str) {
    let per_round = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < Duration::from_millis(120) {
            f();
            n += 1;
        }
        start.elapsed().as_secs_f64() / n as f64
    };
    for (_, f) in contenders.iter_mut() {
        per_round(*f);
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    for round in 0..rounds() {
        for k in 0..contenders.len() {
            let i = (k + round) % contenders.len();
            times[i].push(per_round(contenders[i].1));
        }
    }
    // Speed-ups over the last contender (`Value`), per round.
    let base = times.last().unwrap().clone();
    for (i, (label, _)) in contenders.iter().enumerate().take(contenders.len() - 1) {
        let ratios: Vec<f64> = base.iter().zip(&times[i]).map(|(b, t)| b / t).collect();
        let t = if i == 0 { target } else { "(for reference)" };
        report(name, &format!("{label}, ×Value speed"), ratios, t);
    }
    println!(
        "{name:<44} {:<26} {:>6.2} ms",
        "Value time",
        median(base) * 1e3
    );
}

fn decoding() {
    if selected("decode 1,000 billmora invoices") {
        let body = laravel_page(many(&billmora_invoice(), 1000, "id"), 1, 1);
        let name = format!("decode 1,000 billmora invoices ({} KB)", body.len() / 1000);
        race(
            "decode 1,000 billmora invoices",
            &mut [
                ("typed", &mut || {
                    black_box(
                        serde_json::from_slice::<LaravelPage<billkit::billmora::Invoice>>(&body)
                            .unwrap(),
                    );
                }),
                ("typed, sonic-rs", &mut || {
                    black_box(
                        sonic_rs::from_slice::<LaravelPage<billkit::billmora::Invoice>>(&body)
                            .unwrap(),
                    );
                }),
                ("sonic_rs::Value", &mut || {
                    black_box(sonic_rs::from_slice::<sonic_rs::Value>(&body).unwrap());
                }),
                ("Value", &mut || {
                    black_box(serde_json::from_slice::<Value>(&body).unwrap());
                }),
            ],
            "≥ 1.5, aim 2",
        );
        println!("{name}");
    }
    if selected("decode 1,000 billpro orders") {
        let body = serde_json::to_vec(&billpro_orders(1000)).unwrap();
        let name = format!("decode 1,000 billpro orders ({} KB)", body.len() / 1000);
        race(
            "decode 1,000 billpro orders",
            &mut [
                ("typed", &mut || {
                    black_box(
                        serde_json::from_slice::<Vec<billkit::billpro::Order>>(&body).unwrap(),
                    );
                }),
                ("typed, sonic-rs", &mut || {
                    black_box(sonic_rs::from_slice::<Vec<billkit::billpro::Order>>(&body).unwrap());
                }),
                ("Value", &mut || {
                    black_box(serde_json::from_slice::<Value>(&body).unwrap());
                }),
            ],
            "≥ 1.5",
        );
        println!("{name}");
    }
    if selected("decode 1,000 billpro orders of one type") {
        // Where the time goes, per order type (for reference).
        let kinds = [
            (
                "single payment (wrapped lines)",
                include_str!("../fixtures/billpro/order_single_payment.json"),
            ),
            (
                "instalment",
                include_str!("../fixtures/billpro/order_instalment.json"),
            ),
            (
                "subscription",
                include_str!("../fixtures/billpro/order_subscription.json"),
            ),
            (
                "metered",
                include_str!("../fixtures/billpro/order_metered.json"),
            ),
        ];
        for (kind, text) in kinds {
            let body = serde_json::to_vec(&many(&fixture(text), 1000, "id")).unwrap();
            race(
                &format!("decode 1,000 billpro orders: {kind}"),
                &mut [
                    ("typed", &mut || {
                        black_box(
                            serde_json::from_slice::<Vec<billkit::billpro::Order>>(&body).unwrap(),
                        );
                    }),
                    ("Value", &mut || {
                        black_box(serde_json::from_slice::<Value>(&body).unwrap());
                    }),
                ],
                "(for reference)",
            );
        }
    }
    if selected("decode a 25-product page") {
        let body = serde_json::to_vec(&many(&billpro_product(), 25, "id")).unwrap();
        race(
            "decode a 25-product page",
            &mut [
                ("typed", &mut || {
                    black_box(
                        serde_json::from_slice::<Vec<billkit::billpro::Product>>(&body).unwrap(),
                    );
                }),
                ("Value", &mut || {
                    black_box(serde_json::from_slice::<Value>(&body).unwrap());
                }),
            ],
            "≥ 1.5",
        );
    }
    if selected("decode 100 billy invoices") {
        let items = many(&billy_invoice(), 100, "guid");
        let body =
            serde_json::to_vec(&serde_json::json!({"items": items, "limit": 100, "offset": 0}))
                .unwrap();
        #[derive(Deserialize)]
        struct ItemsPage<T> {
            #[allow(dead_code)]
            items: Vec<T>,
        }
        race(
            "decode 100 billy invoices",
            &mut [
                ("typed", &mut || {
                    black_box(
                        serde_json::from_slice::<ItemsPage<billkit::billy::Invoice>>(&body)
                            .unwrap(),
                    );
                }),
                ("Value", &mut || {
                    black_box(serde_json::from_slice::<Value>(&body).unwrap());
                }),
            ],
            "≥ 1.5",
        );
    }
}

// ---------------------------------------------------------------- pages

/// billkit (`ours`) against the bare request (`bare`), `n` requests each,
/// interleaved, reported as billkit's speed-up over bare (bare ÷ billkit).
fn speedup<A, B, FA, FB>(name: &str, target: &str, n: usize, mut ours: A, mut bare: B)
where
    A: FnMut() -> FA,
    B: FnMut() -> FB,
    FA: Future<Output = ()>,
    FB: Future<Output = ()>,
{
    let (mut wall, mut cpu, mut a_ours, mut a_bare) = (vec![], vec![], vec![], vec![]);
    let (mut ms_ours, mut ms_bare) = (vec![], vec![]);
    for (o, b) in interleaved(3, n, &mut ours, &mut bare) {
        ms_ours.push(o.wall * 1e3);
        ms_bare.push(b.wall * 1e3);
        wall.push(b.wall / o.wall);
        cpu.push(b.cpu / o.cpu);
        a_ours.push(o.allocs);
        a_bare.push(b.allocs);
    }
    report(name, "wall, bare ÷ billkit", wall, target);
    report(name, "client CPU, bare ÷ billkit", cpu, target);
    println!(
        "{name:<44} {:<26} {:>6.2} vs {:.2} ms bare; {:.0} vs {:.0} allocations",
        "billkit per page",
        median(ms_ours),
        median(ms_bare),
        median(a_ours),
        median(a_bare),
    );
}

/// A bare GET whose body is decoded into `T` with serde_json.
async fn bare_typed<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    auth: &str,
) {
    black_box(serde_json::from_slice::<T>(&bare_body(client, url, auth).await).unwrap());
}

/// One page through `list(..).page(1)` against bare reqwest decoding the
/// same typed page with serde_json, for the four pages of the decode
/// measures: the page path's whole cost (transport, envelope, parser).
fn pages() {
    let client = bare_client();
    if selected("page 1,000 billmora invoices") {
        let body = laravel_page(many(&billmora_invoice(), 1000, "id"), 1, 1);
        let server = serve(canned(body), Duration::ZERO);
        let billmora = billkit::billmora::Client::builder()
            .token("secret-token")
            .base_url(&server.url)
            .rate_limit(None)
            .build()
            .unwrap();
        let url = format!("{}/api/v1/invoices?page=1", server.url);
        let every = billkit::billmora::InvoiceFilter::new();
        speedup(
            "page 1,000 billmora invoices vs bare typed",
            "≥ 1.6",
            10,
            || async {
                black_box(billmora.invoices().list(&every).page(1).await.unwrap());
            },
            || bare_typed::<LaravelPage<billkit::billmora::Invoice>>(&client, &url, "bearer"),
        );
    }
    let billpro_server = |body: Vec<u8>| {
        let server = serve(canned(body), Duration::ZERO);
        let billpro = billkit::billpro::Client::builder()
            .token("secret-token")
            .base_url(&server.url)
            .build()
            .unwrap();
        (server, billpro)
    };
    if selected("page 1,000 billpro orders") {
        let (server, billpro) = billpro_server(serde_json::to_vec(&billpro_orders(1000)).unwrap());
        let url = format!("{}/orders?page=1", server.url);
        speedup(
            "page 1,000 billpro orders vs bare typed",
            "≥ 1.6",
            10,
            || async {
                black_box(billpro.orders().list().page(1).await.unwrap());
            },
            || bare_typed::<Vec<billkit::billpro::Order>>(&client, &url, "bearer"),
        );
    }
    if selected("page a 25-product page") {
        let body = serde_json::to_vec(&many(&billpro_product(), 25, "id")).unwrap();
        let (server, billpro) = billpro_server(body);
        let url = format!("{}/products?page=1", server.url);
        let every = billkit::billpro::ProductFilter::new();
        speedup(
            "page a 25-product page vs bare typed",
            "≥ 1.2",
            200,
            || async {
                black_box(billpro.products().list(&every).page(1).await.unwrap());
            },
            || bare_typed::<Vec<billkit::billpro::Product>>(&client, &url, "bearer"),
        );
    }
    if selected("page 100 billy invoices") {
        let items = many(&billy_invoice(), 100, "guid");
        let body =
            serde_json::to_vec(&serde_json::json!({"items": items, "limit": 100, "offset": 0}))
                .unwrap();
        let server = serve(canned(body), Duration::ZERO);
        let billy = billkit::billy::Client::builder()
            .api_key("AK-key")
            .base_url(&server.url)
            .build()
            .unwrap();
        let url = format!("{}/v1/invoices?offset=0&limit=100", server.url);
        #[derive(Deserialize)]
        struct ItemsPage<T> {
            #[allow(dead_code)]
            items: Vec<T>,
        }
        let every = billkit::billy::InvoiceFilter::new();
        speedup(
            "page 100 billy invoices vs bare typed",
            "(no target)",
            60,
            || async {
                black_box(
                    billy
                        .invoices()
                        .list(&every)
                        .per_page(100)
                        .page(1)
                        .await
                        .unwrap(),
                );
            },
            || bare_typed::<ItemsPage<billkit::billy::Invoice>>(&client, &url, "basic"),
        );
    }
}

// ---------------------------------------------------------------- walks

fn transport(url: &str, limit: Option<RateLimit>) -> Transport {
    Transport::new(
        Config::new()
            .base_url(url)
            .unwrap()
            .credentials(Credentials::bearer("secret-token"))
            .rate_limit(limit),
    )
    .unwrap()
}

/// A Laravel list of `pages` pages of `per_page` small items.
fn laravel_list(pages: u64, per_page: u64) -> Handler {
    let bodies: Vec<Arc<Vec<u8>>> = (1..=pages)
        .map(|p| {
            let items = (0..per_page)
                .map(|i| serde_json::json!({"id": (p - 1) * per_page + i, "name": "item"}))
                .collect();
            Arc::new(laravel_page(items, p, pages))
        })
        .collect();
    paged(bodies)
}

/// Answers `?page=N` with the N-th body (the last one past the end).
fn paged(bodies: Vec<Arc<Vec<u8>>>) -> Handler {
    Arc::new(move |target| {
        let p = query_num(target, "page")
            .unwrap_or(1)
            .clamp(1, bodies.len() as u64);
        (200, Vec::new(), bodies[p as usize - 1].clone())
    })
}

fn walk_time(rt: &tokio::runtime::Runtime, list: Paginator<Value>, work: Duration) -> f64 {
    let start = Instant::now();
    rt.block_on(async {
        let mut pages = list.pages();
        while let Some(page) = pages.next().await {
            black_box(page.unwrap());
            if !work.is_zero() {
                tokio::time::sleep(work).await;
            }
        }
    });
    start.elapsed().as_secs_f64()
}

fn walks() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let page = Duration::from_millis(20);
    if selected("walk 50 pages") {
        let server = serve(laravel_list(50, 20), page);
        let t = transport(&server.url, None);
        let style = LaravelPages(Some(20));
        let list = || Paginator::<Value>::new(t.clone(), Request::<()>::get("/invoices"), style);
        let (mut prefetched, mut concurrent) = (vec![], vec![]);
        for _ in 0..rounds().min(5) {
            let naive = walk_time(&rt, list().prefetch(0), page);
            prefetched.push(walk_time(&rt, list(), page) / naive);
            let sequential = walk_time(&rt, list().prefetch(0), Duration::ZERO);
            concurrent.push(walk_time(&rt, list().concurrency(4), Duration::ZERO) / sequential);
        }
        report(
            "walk 50 pages, server+consumer 20 ms/page",
            "default ÷ naive time",
            prefetched,
            "≤ 0.6",
        );
        report(
            "walk 50 pages, server 20 ms/page",
            "concurrency(4) ÷ sequential",
            concurrent,
            "≤ 0.35",
        );
    }
    if selected("walk peak memory") {
        let per_page = 100;
        let peak = |pages: u64| {
            let server = serve(laravel_list(pages, per_page), Duration::ZERO);
            let t = transport(&server.url, None);
            let list = Paginator::<Value>::new(
                t,
                Request::<()>::get("/invoices"),
                LaravelPages(Some(per_page as u32)),
            );
            // The server's bodies are made before the baseline is taken.
            std::thread::sleep(Duration::from_millis(50));
            let base = LIVE.load(Ordering::SeqCst);
            PEAK.store(base, Ordering::SeqCst);
            rt.block_on(async {
                let mut items = list.stream();
                while let Some(item) = items.next().await {
                    black_box(item.unwrap());
                }
            });
            (PEAK.load(Ordering::SeqCst) - base) as f64
        };
        let small = peak(100);
        let big = peak(1000);
        report(
            "walk peak memory, 100,000 items",
            "peak ÷ 10,000-item peak",
            vec![big / small],
            "≤ 1.2",
        );
    }
    if selected("1,000 sequential requests") {
        // On both runtimes; bare reqwest alongside, as hyper may open a new
        // connection when the last one is not yet back in its pool.
        for (label, rt) in [
            ("multi-thread", &rt),
            (
                "current-thread",
                &tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap(),
            ),
        ] {
            let server = serve(canned(b"{\"id\":1}".to_vec()), Duration::ZERO);
            let t = transport(&server.url, None);
            rt.block_on(async {
                for _ in 0..1000 {
                    t.execute(Request::<Value>::get("/x")).await.unwrap();
                }
            });
            let bare_server = serve(canned(b"{\"id\":1}".to_vec()), Duration::ZERO);
            let client = bare_client();
            let url = format!("{}/x", bare_server.url);
            rt.block_on(async {
                for _ in 0..1000 {
                    let body = bare_get(&client, &url, "bearer")
                        .send()
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap();
                    black_box(serde_json::from_slice::<Value>(&body).unwrap());
                }
            });
            println!(
                "{:<44} {:<26} {:>6} vs {} bare  target 1",
                format!("1,000 sequential requests, {label}"),
                "TCP connections",
                server.connections.load(Ordering::SeqCst),
                bare_server.connections.load(Ordering::SeqCst),
            );
        }
    }
    if selected("8 tasks, limit 50/s") {
        let window: Arc<Mutex<VecDeque<Instant>>> = Arc::default();
        let too_many = Arc::new(AtomicUsize::new(0));
        let (w, tm) = (window.clone(), too_many.clone());
        let ok = Arc::new(b"{\"id\":1}".to_vec());
        let handler: Handler = Arc::new(move |_| {
            let now = Instant::now();
            let mut w = w.lock().unwrap();
            while w
                .front()
                .is_some_and(|t| now - *t >= Duration::from_secs(1))
            {
                w.pop_front();
            }
            if w.len() >= 50 {
                tm.fetch_add(1, Ordering::SeqCst);
                return (
                    429,
                    vec![("retry-after".into(), "1".into())],
                    Arc::new(b"{}".to_vec()),
                );
            }
            w.push_back(now);
            (200, Vec::new(), ok.clone())
        });
        let server = serve(handler, Duration::ZERO);
        let t = transport(&server.url, Some(RateLimit::per_second(50)));
        let total = 150;
        let start = Instant::now();
        rt.block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|i| {
                    let t = t.clone();
                    tokio::spawn(async move {
                        for _ in (i..total).step_by(8) {
                            t.execute(Request::<Value>::get("/x")).await.unwrap();
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        // The ideal, as in the issue: 50 a second.
        let ideal = total as f64 / 50.0;
        let ratio = start.elapsed().as_secs_f64() / ideal;
        report(
            "8 tasks, limit 50/s, 150 requests",
            "time ÷ ideal",
            vec![ratio],
            "≤ 1.15",
        );
        println!(
            "{:<44} {:<26} {:>6}  {:<13} target 0",
            "8 tasks, limit 50/s, 150 requests",
            "429 answers",
            too_many.load(Ordering::SeqCst),
            ""
        );
    }
}

fn main() {
    println!(
        "billkit {} — {} rounds; ratios are medians of per-round ratios, [min–max] across rounds",
        env!("CARGO_PKG_VERSION"),
        rounds()
    );
    decoding();
    pages();
    requests();
    walks();
}
