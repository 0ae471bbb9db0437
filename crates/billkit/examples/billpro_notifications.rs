//! A BillPro payment-notification listener on hyper: decrypt, process each
//! transaction once, confirm it with BillPro, answer 2xx.
//!
//! ```text
//! cargo run --example billpro_notifications            # one round trip against the sandbox
//! cargo run --example billpro_notifications -- --serve # keep listening
//! ```
//!
//! With `BILLPRO_API_TOKEN`, `BILLPRO_PROFILE_ID` and
//! `BILLPRO_NOTIFICATION_KEY` (the listener's 64-hex-character secret) set,
//! `--serve` listens on `LISTEN_ADDR` (default `127.0.0.1:8080`) for the
//! real gateway (put it behind HTTPS). Without them it starts the BillPro
//! sandbox, registers itself as the sandbox's listener, pays one order
//! (the gateway sending it twice), and prints what it processed; `--check`
//! (CI) does the same and exits.

#[cfg(feature = "billpro-notifications")]
mod app {
    use std::convert::Infallible;
    use std::error::Error;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use billkit::TryStreamExt;
    use billkit::billpro::notifications::{
        Dedup, Handled, Listener, MemoryStore, NotificationKey, OrderField, OrderKey, OrderLocator,
    };
    use billkit::billpro::{Client, NewCustomer, NewSingleOrder, OrderLine, PurchaseType};
    use billkit_sandbox::billpro::BillProSandbox;
    use http_body_util::{BodyExt, Full, Limited};
    use hyper::body::{Bytes, Incoming};
    use hyper::service::service_fn;

    type Res = Result<(), Box<dyn Error + Send + Sync>>;

    /// Transactions acted on, so the round trip can check "once".
    static PROCESSED: AtomicU32 = AtomicU32::new(0);

    /// Where this merchant's payloads carry the order: not documented by
    /// BillPro, so check one decrypted payload of your account and adjust.
    fn locator() -> OrderLocator {
        OrderLocator::new(
            OrderField::CustomParameter("order_id".into()),
            OrderKey::SystemId,
        )
    }

    /// One request: the body is read up to the decrypt bound, handed to
    /// the listener, and answered with the status it says.
    async fn answer(
        req: hyper::Request<Incoming>,
        listener: Arc<Listener>,
    ) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
        let (parts, body) = req.into_parts();
        let status = match Limited::new(body, billkit::billpro::notifications::MAX_BODY_HEX + 64)
            .collect()
            .await
        {
            Err(_) => 413,
            Ok(body) => {
                let body = body.to_bytes();
                let handled = listener
                    .handle(&parts.headers, &body, |payment, confirmation| {
                        // Your business goes here: mark the order paid or
                        // declined, ship, e-mail. Failing makes the gateway
                        // retry. Never log the payload: it holds card data.
                        println!(
                            "transaction {}: order {} is {:?} ({} {})",
                            payment.id,
                            confirmation.order.id,
                            confirmation.verdict,
                            payment.amount.map(|a| a.to_string()).unwrap_or_default(),
                            payment.currency.as_deref().unwrap_or(""),
                        );
                        PROCESSED.fetch_add(1, Ordering::Relaxed);
                        std::future::ready(Ok::<(), Infallible>(()))
                    })
                    .await;
                match &handled {
                    Handled::AlreadyProcessed => println!("a copy, already processed"),
                    Handled::Undecryptable(e) => eprintln!("refused: {e}"),
                    Handled::Unconfirmed(e) => eprintln!("not confirmed yet: {e}"),
                    _ => {}
                }
                handled.status()
            }
        };
        let mut response = hyper::Response::new(Full::new(Bytes::new()));
        *response.status_mut() =
            hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        Ok(response)
    }

    /// Serves `listener` on `addr` until the task is dropped.
    async fn serve(
        listener: Listener,
        addr: &str,
    ) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
        let socket = tokio::net::TcpListener::bind(addr).await?;
        let local = socket.local_addr()?;
        let listener = Arc::new(listener);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = socket.accept().await else {
                    continue;
                };
                let listener = listener.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| answer(req, listener.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok((local, task))
    }

    fn listener(key: NotificationKey, client: Client) -> Listener {
        // With several replicas, use RedisStore (feature `redis`) instead.
        Listener::new(key, Dedup::new(MemoryStore::new()), locator(), client)
    }

    /// Listens for the real gateway until interrupted.
    async fn serve_real(token: String, key: &str) -> Res {
        let key: NotificationKey = key.parse()?;
        let mut builder = Client::builder().token(token);
        if let Ok(profile) = std::env::var("BILLPRO_PROFILE_ID") {
            builder = builder.profile_id(profile.parse()?);
        }
        if let Ok(url) = std::env::var("BILLPRO_BASE_URL") {
            builder = builder.base_url(url);
        }
        let addr = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
        let (local, _task) = serve(listener(key, builder.build()?), &addr).await?;
        println!("listening on http://{local}/ (Ctrl-C to stop)");
        tokio::signal::ctrl_c().await?;
        Ok(())
    }

    /// The sandbox's gateway pays one order and notifies this listener.
    async fn round_trip(keep_serving: bool) -> Res {
        let sandbox = BillProSandbox::start().await?;
        let client = sandbox.client()?;
        let key = NotificationKey::from_bytes(std::array::from_fn(|_| fastrand::u8(..)));
        let (local, _task) = serve(listener(key.clone(), client.clone()), "127.0.0.1:0").await?;
        let url = format!("http://{local}/billpro/notifications");
        sandbox.register_listener(url.clone(), key);
        println!("listening on {url}, registered with the BillPro sandbox");

        let products: Vec<_> = client
            .products()
            .list(&billkit::billpro::ProductFilter::new())
            .stream()
            .try_collect()
            .await?;
        let product = products
            .iter()
            .find(|p| p.product_type == PurchaseType::SinglePayment)
            .ok_or("the sandbox has no single-payment product")?;
        let customer = client
            .customers()
            .create(&NewCustomer::new("Dana", "Borys", "dana@example.com"))
            .await?;
        let order = client
            .orders()
            .create_single_order(
                &NewSingleOrder::new(customer.id, product.currency.clone(), "INV-NOTIFY-1")
                    .product(OrderLine::new(product.id)),
            )
            .await?;
        // The customer pays; the gateway sends the result twice.
        sandbox.notifications().duplicate(1);
        sandbox.complete_checkout(order.id.get());
        let report = sandbox.notifications().deliver_all(10).await;
        println!(
            "gateway: {} deliveries, {} answered 2xx, {} still queued",
            report.attempts, report.delivered, report.pending
        );
        let notified = sandbox.notifications().transactions();
        let processed = PROCESSED.load(Ordering::Relaxed);
        if report.pending != 0 || notified.len() != 1 || report.delivered != 2 || processed != 1 {
            return Err("the notification was not delivered as expected".into());
        }
        if keep_serving {
            println!("serving until Ctrl-C");
            tokio::signal::ctrl_c().await?;
        }
        Ok(())
    }

    pub async fn main() -> Res {
        let serve_flag = std::env::args().any(|a| a == "--serve");
        match (
            std::env::var("BILLPRO_API_TOKEN"),
            std::env::var("BILLPRO_NOTIFICATION_KEY"),
        ) {
            (Ok(token), Ok(key)) if serve_flag => serve_real(token, &key).await,
            _ => round_trip(serve_flag).await,
        }
    }
}

#[cfg(feature = "billpro-notifications")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match app::main().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "billpro-notifications"))]
fn main() {
    eprintln!("billpro_notifications needs the `billpro-notifications` feature");
}
