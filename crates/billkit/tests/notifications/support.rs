//! A notification listener served over real HTTP for the sandbox to post
//! to, with faults of its own: 503 before processing, and a processed
//! notification answered 500 (a lost 2xx, so the gateway resends it).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use billkit::TryStreamExt;
use billkit::billpro::notifications::{
    Dedup, Handled, Listener, MemoryStore, NotificationKey, OrderField, OrderKey, OrderLocator,
    OrderVerdict,
};
use billkit::billpro::{Client, Product, PurchaseType};
use billkit_sandbox::billpro::BillProSandbox;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;

/// What the listener saw and did.
#[derive(Debug, Default)]
pub struct Seen {
    /// Per transaction id: how often `act` ran, the verdict and amount.
    pub processed: BTreeMap<String, (u32, OrderVerdict, u64, String)>,
    /// Order of first processing.
    pub order: Vec<String>,
    /// Answers by status.
    pub statuses: BTreeMap<u16, u32>,
    /// Handled::AlreadyProcessed answers.
    pub duplicates: u32,
    /// Requests answered 503 by injection, before any processing.
    pub refused: u32,
    /// Processed requests answered 500 by injection.
    pub lost: u32,
}

/// Injected faults, as one-in-N chances from a seeded generator.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub refuse_one_in: u32,
    pub lose_one_in: u32,
    pub seed: u64,
}

impl Faults {
    pub const NONE: Faults = Faults {
        refuse_one_in: 0,
        lose_one_in: 0,
        seed: 0,
    };
}

pub struct Running {
    pub url: String,
    pub seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn random_key() -> NotificationKey {
    NotificationKey::from_bytes(std::array::from_fn(|_| fastrand::u8(..)))
}

pub fn system_id_locator() -> OrderLocator {
    OrderLocator::new(
        OrderField::CustomParameter("order_id".into()),
        OrderKey::SystemId,
    )
}

/// Serves `listener` on an ephemeral loopback port.
pub async fn serve(listener: Listener, faults: Faults) -> Running {
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/billpro/notifications",
        socket.local_addr().unwrap()
    );
    let seen = Arc::new(Mutex::new(Seen::default()));
    let rng = Arc::new(Mutex::new(fastrand::Rng::with_seed(faults.seed)));
    let shared = (Arc::new(listener), seen.clone(), rng);
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = socket.accept().await else {
                continue;
            };
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| answer(req, shared.clone(), faults));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Running { url, seen, task }
}

type Shared = (Arc<Listener>, Arc<Mutex<Seen>>, Arc<Mutex<fastrand::Rng>>);

fn chance(rng: &Mutex<fastrand::Rng>, one_in: u32) -> bool {
    one_in > 0 && rng.lock().unwrap().u32(0..one_in) == 0
}

async fn answer(
    req: hyper::Request<Incoming>,
    (listener, seen, rng): Shared,
    faults: Faults,
) -> Result<hyper::Response<Full<Bytes>>, hyper::Error> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes();
    let status = if chance(&rng, faults.refuse_one_in) {
        seen.lock().unwrap().refused += 1;
        503
    } else {
        let handled = listener
            .handle(&parts.headers, &body, |payment, confirmation| {
                let mut s = seen.lock().unwrap();
                let entry = s.processed.entry(payment.id.clone()).or_insert((
                    0,
                    confirmation.verdict.clone(),
                    confirmation.order.id.get(),
                    payment.amount.map(|a| a.to_string()).unwrap_or_default(),
                ));
                entry.0 += 1;
                s.order.push(payment.id.clone());
                std::future::ready(Ok::<(), std::convert::Infallible>(()))
            })
            .await;
        let mut s = seen.lock().unwrap();
        if matches!(handled, Handled::AlreadyProcessed) {
            s.duplicates += 1;
        }
        match handled.status() {
            200 if chance(&rng, faults.lose_one_in) => {
                s.lost += 1;
                500
            }
            status => status,
        }
    };
    *seen.lock().unwrap().statuses.entry(status).or_default() += 1;
    Ok(hyper::Response::builder()
        .status(status)
        .body(Full::new(Bytes::new()))
        .unwrap())
}

/// A sandbox, its client, and a listener of `locator` registered with it.
pub async fn setup(locator: OrderLocator, faults: Faults) -> (BillProSandbox, Client, Running) {
    let sandbox = BillProSandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let key = random_key();
    let listener = Listener::new(
        key.clone(),
        Dedup::new(MemoryStore::new()),
        locator,
        client.clone(),
    );
    let running = serve(listener, faults).await;
    sandbox.register_listener(running.url.clone(), key);
    (sandbox, client, running)
}

/// The first seeded product of a purchase type in GBP.
pub async fn product(client: &Client, kind: PurchaseType) -> Product {
    let all: Vec<Product> = client
        .products()
        .list(&billkit::billpro::ProductFilter::new())
        .stream()
        .try_collect()
        .await
        .unwrap();
    all.into_iter()
        .find(|p| p.product_type == kind && p.currency == "GBP")
        .expect("a seeded GBP product of that type")
}

/// A new customer to order for.
pub async fn customer(client: &Client) -> billkit::billpro::Customer {
    client
        .customers()
        .create(&billkit::billpro::NewCustomer::new(
            "Dana",
            "Borys",
            "dana@example.com",
        ))
        .await
        .unwrap()
}
