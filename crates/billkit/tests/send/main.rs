//! Compile-time guard: every public future and stream of billkit is `Send`
//! (and `'static` where it owns its data), so callers can `tokio::spawn`
//! them or await them inside axum / actix-web handlers.
//!
//! The checks are type checks only: the functions below build each future
//! (or stream) and hand it to an assertion whose bounds are those of
//! `tokio::spawn` or of a `Send` handler future; nothing is ever polled and
//! no network is used. If a change makes one of them `!Send` (a `Cell`, an
//! `Rc`, a `MutexGuard` or a `&T` with `T: !Sync` held across an `.await`),
//! or makes an owned one borrow, this target stops compiling and the error
//! names the method.
//!
//! - Methods that borrow the client (`client.invoices().get(..)`) give a
//!   future that is `Send` with a `Send` output ([`assert_send`]); they are
//!   also spawned the usual way, moved with a clone of the client into an
//!   `async move` block ([`spawnable`]).
//! - Whatever owns its data is checked against the full `tokio::spawn`
//!   bound `Send + 'static` ([`spawnable`], [`spawnable_stream`]):
//!   [`Paginator`]s, their `stream()` / `pages()` / `collect_all()`, the
//!   sandbox `start()`s, `billy::ClientBuilder::register_company`,
//!   `billy::Client::register_company` and the `Sleeper` futures.
//! - Every method returning a [`Paginator`] goes through [`paginator!`],
//!   which checks the paginator and all of its futures and streams:
//!   `page(n)`, `fetch(cursor)`, `collect_all()`, `pages()`, `stream()`.
//!
//! ## How completeness was checked
//!
//! The list was made from the signatures in `src/` (multi-line signatures
//! joined): every `pub async fn`, and every `pub fn` whose return type
//! mentions `Paginator`, `Items`, `Pages`, `Future`, `Stream`, `Feed` or
//! `SleepFuture`, in `src/billpro`, `src/billmora`, `src/billy`, `src/http`
//! and `../billkit-sandbox/src` — `grep -rn "pub async fn\|pub fn" src/` then reading
//! the `pub fn` return types; `grep -rn "Future\|Stream\|-> impl" src/` for
//! trait methods and hand-written futures (only `Sleeper::sleep`). That gave
//! 87 `pub async fn`s (BillPro 16, Billmora 41, Billy 19, core 6,
//! sandbox 5) and 34 `pub fn`s returning a `Paginator` (BillPro 7,
//! Billmora 10, Billy 17), plus `Paginator::new` / `pages` / `stream` and
//! the two `Sleeper` impls.
//!
//! The same scan runs as the test [`inventory_matches_src`]: it lists the
//! public async API found in `src/` and fails when it differs from
//! [`INVENTORY`]. When you add or remove a public async method or a list,
//! update [`INVENTORY`] and add (or remove) its assertion below.

#[path = "../support/schemes.rs"]
mod schemes;

use std::future::Future;
use std::time::Duration;

use billkit::http::{
    Cursor, End, ItemKey, ListOrder, ManualClock, PageStyle, Request, Sleeper, TokioSleeper,
    Transport, Uniqueness,
};
use billkit::{Error, LookupKey, billmora, billpro, billy};
use billkit_sandbox::{FakeApi, FakeServer, Sandbox, SandboxRequest, SandboxResponse};
use futures_util::stream::Stream;
use serde_json::Value;

// ---------------------------------------------------------------------------
// The assertions.

/// A future that can be awaited in a `Send` context (an axum handler, a
/// spawned task): it is `Send` and so is its output.
fn assert_send<F: Future + Send>(_: &F)
where
    F::Output: Send,
{
}

/// `tokio::spawn`'s bound: `Send + 'static`, output too.
fn spawnable<F: Future + Send + 'static>(_: F)
where
    F::Output: Send + 'static,
{
}

/// A stream that can be moved into a spawned task and drained there.
fn spawnable_stream<S: Stream + Send + 'static>(_: S)
where
    S::Item: Send + 'static,
{
}

/// A value that can be moved into (or shared with) spawned tasks.
fn assert_send_sync_static<T: Send + Sync + 'static>(_: &T) {}

/// Checks a `Paginator` and everything it yields: the paginator itself
/// (`Send + Sync + 'static`), the borrowing futures `page(n)` and
/// `fetch(cursor)` (`Send`, and spawnable with the paginator moved in), and
/// the owned `collect_all()` future and `pages()` / `stream()` streams
/// (`Send + 'static`).
macro_rules! paginator {
    ($p:expr_2021) => {{
        let p = $p;
        assert_send_sync_static(&p);
        assert_send(&p.page(2));
        assert_send(&p.fetch(Cursor::Page(1)));
        let moved = p.clone();
        spawnable(async move { moved.page(1).await });
        spawnable(p.clone().collect_all());
        spawnable_stream(p.clone().pages());
        spawnable_stream(p.stream());
    }};
}

// ---------------------------------------------------------------------------
// BillPro: 16 async methods, 7 paginators.

#[allow(clippy::too_many_arguments)]
fn billpro_futures(
    client: &billpro::Client,
    new_customer: &billpro::NewCustomer,
    customer_update: &billpro::CustomerUpdate,
    single: &billpro::NewSingleOrder,
    instalment: &billpro::NewInstalmentOrder,
    subscription: &billpro::NewSubscriptionOrder,
    metered: &billpro::NewMeteredOrder,
    payment_update: &billpro::ScheduledPaymentUpdate,
) {
    assert_send_sync_static(client);

    // customers.rs
    assert_send(&client.customers().create(new_customer));
    assert_send(&client.customers().get(1));
    assert_send(&client.customers().get(billpro::CustomerId::new(1)));
    assert_send(&client.customers().update(1, customer_update));
    assert_send(&client.customers().find_by_email("a@example.com"));
    assert_send(
        &client
            .customers()
            .find_by_email_since("a@example.com", chrono::Utc::now()),
    );
    assert_send(&client.customers().find_by_customer_id("C-1"));
    paginator!(client.customers().list());

    // orders.rs
    assert_send(&client.orders().create_single_order(single));
    assert_send(&client.orders().create_instalment_order(instalment));
    assert_send(&client.orders().create_subscription_order(subscription));
    assert_send(&client.orders().create_metered_order(metered));
    assert_send(&client.orders().get(1));
    assert_send(&client.orders().find_by_invoice_id("INV-1"));
    assert_send(
        &client
            .orders()
            .find_by_invoice_id_since("INV-1", billpro::Since::new(chrono::Utc::now())),
    );
    assert_send(&client.orders().cancel(1));
    assert_send(&client.orders().pause(1));
    assert_send(&client.orders().resume(1));
    assert_send(&client.orders().renew_checkout(1));
    paginator!(client.orders().list());

    // products.rs
    assert_send(&client.products().get(1));
    paginator!(client.products().list(&billpro::ProductFilter::new()));
    paginator!(
        client
            .products()
            .list(&billpro::ProductFilter::new().product_id("P-1"))
    );

    // scheduled_payments.rs
    assert_send(&client.scheduled_payments().get(1));
    assert_send(&client.scheduled_payments().update(1, payment_update));
    paginator!(client.scheduled_payments().list());
    paginator!(client.scheduled_payments().list_for_order(1));

    // The usual way to spawn a call: move a clone of the client in.
    let c = client.clone();
    spawnable(async move { c.orders().get(1).await });
    let (c, new_customer) = (client.clone(), new_customer.clone());
    spawnable(async move { c.customers().create(&new_customer).await });
}

// ---------------------------------------------------------------------------
// Billmora: 41 async methods, 10 paginators.

#[allow(clippy::too_many_arguments)]
fn billmora_futures(
    client: &billmora::Client,
    (catalog_filter, new_catalog, catalog_update): (
        &billmora::CatalogFilter,
        &billmora::NewCatalog,
        &billmora::CatalogUpdate,
    ),
    (invoice_filter, new_invoice, invoice_update): (
        &billmora::InvoiceFilter,
        &billmora::NewInvoice,
        &billmora::InvoiceUpdate,
    ),
    (order_filter, new_order, order_update): (
        &billmora::OrderFilter,
        &billmora::NewOrder,
        &billmora::OrderUpdate,
    ),
    (package_filter, new_package, package_update): (
        &billmora::PackageFilter,
        &billmora::NewPackage,
        &billmora::PackageUpdate,
    ),
    (registrant_filter, registrant_update): (
        &billmora::RegistrantFilter,
        &billmora::RegistrantUpdate,
    ),
    (service_filter, service_update): (&billmora::ServiceFilter, &billmora::ServiceUpdate),
    (ticket_filter, new_ticket, ticket_update): (
        &billmora::TicketFilter,
        &billmora::NewTicket,
        &billmora::TicketUpdate,
    ),
    (tld_filter, new_tld, tld_update): (
        &billmora::TldFilter,
        &billmora::NewTld,
        &billmora::TldUpdate,
    ),
    (user_filter, new_user, user_update): (
        &billmora::UserFilter,
        &billmora::NewUser,
        &billmora::UserUpdate,
    ),
    (variant_filter, new_variant, variant_update): (
        &billmora::VariantFilter,
        &billmora::NewVariant,
        &billmora::VariantUpdate,
    ),
) {
    assert_send_sync_static(client);

    // catalogs.rs
    paginator!(client.catalogs().list(catalog_filter));
    assert_send(&client.catalogs().get(1));
    assert_send(&client.catalogs().create(new_catalog));
    assert_send(&client.catalogs().update(1, catalog_update));
    assert_send(&client.catalogs().delete(1));

    // domains.rs
    assert_send(&client.domains().check("example.com"));

    // invoices.rs
    paginator!(client.invoices().list(invoice_filter));
    assert_send(&client.invoices().get(1));
    assert_send(&client.invoices().create(new_invoice));
    assert_send(&client.invoices().update(1, invoice_update));
    assert_send(&client.invoices().mark_paid(1));
    assert_send(&client.invoices().mark_unpaid(1));
    assert_send(&client.invoices().delete(1));

    // orders.rs
    paginator!(client.orders().list(order_filter));
    assert_send(&client.orders().get(1));
    assert_send(&client.orders().create(new_order));
    assert_send(&client.orders().update(1, order_update));
    assert_send(&client.orders().delete(1));

    // packages.rs
    paginator!(client.packages().list(package_filter));
    assert_send(&client.packages().get(1));
    assert_send(&client.packages().create(new_package));
    assert_send(&client.packages().update(1, package_update));
    assert_send(&client.packages().delete(1));

    // registrants.rs
    paginator!(client.registrants().list(registrant_filter));
    assert_send(&client.registrants().get(1));
    assert_send(&client.registrants().update(1, registrant_update));
    assert_send(&client.registrants().delete(1));

    // services.rs
    paginator!(client.services().list(service_filter));
    assert_send(&client.services().get(1));
    assert_send(&client.services().update(1, service_update));
    assert_send(&client.services().delete(1));

    // tickets.rs
    paginator!(client.tickets().list(ticket_filter));
    assert_send(&client.tickets().get(1));
    assert_send(&client.tickets().create(new_ticket));
    assert_send(&client.tickets().update(1, ticket_update));
    assert_send(&client.tickets().delete(1));

    // tlds.rs
    paginator!(client.tlds().list(tld_filter));
    assert_send(&client.tlds().get(1));
    assert_send(&client.tlds().create(new_tld));
    assert_send(&client.tlds().update(1, tld_update));
    assert_send(&client.tlds().delete(1));

    // users.rs
    paginator!(client.users().list(user_filter));
    assert_send(&client.users().get(1));
    assert_send(&client.users().find_by_email("dana@example.com"));
    assert_send(&client.catalogs().find_by_slug("hosting"));
    assert_send(&client.packages().find_by_slug("basic"));
    assert_send(&client.tlds().find_by_tld(".com"));
    assert_send(&client.users().create(new_user));
    assert_send(&client.users().update(1, user_update));
    assert_send(&client.users().delete(1));

    // variants.rs
    paginator!(client.variants().list(variant_filter));
    assert_send(&client.variants().get(1));
    assert_send(&client.variants().create(new_variant));
    assert_send(&client.variants().update(1, variant_update));
    assert_send(&client.variants().delete(1));

    // The usual way to spawn a call: move a clone of the client in.
    let c = client.clone();
    spawnable(async move { c.invoices().mark_paid(1).await });
    let (c, new_ticket) = (client.clone(), new_ticket.clone());
    spawnable(async move { c.tickets().create(&new_ticket).await });
}

// ---------------------------------------------------------------------------
// Billy: 20 async methods, 17 paginators.

fn billy_futures(
    client: &billy::Client,
    builder: billy::ClientBuilder,
    new_customer: &billy::NewCustomer,
    new_invoice: &billy::NewInvoice,
    new_plan: &billy::NewPlan,
    new_subscription: &billy::NewSubscription,
) {
    assert_send_sync_static(client);

    // mod.rs — both `register_company`s own their data: spawnable.
    spawnable(builder.register_company("processor-key"));
    spawnable(billy::Client::register_company(
        String::from("http://127.0.0.1:1"),
        String::from("processor-key"),
    ));
    assert_send(&client.server_info());

    let cp = billy::CompanyGuid::new("CP1").unwrap();
    let cu = billy::CustomerGuid::new("CU1").unwrap();
    let pl = billy::PlanGuid::new("PL1").unwrap();
    let su = billy::SubscriptionGuid::new("SU1").unwrap();
    let iv = billy::InvoiceGuid::new("IV1").unwrap();
    let tx = billy::TransactionGuid::new("TX1").unwrap();

    // companies.rs
    assert_send(&client.companies().get(&cp));

    // customers.rs
    assert_send(&client.customers().create(new_customer));
    assert_send(&client.customers().get(&cu));
    assert_send(&client.customers().delete(&cu));
    paginator!(client.customers().list(&billy::CustomerFilter::new()));
    paginator!(
        client
            .customers()
            .list(&billy::CustomerFilter::new().processor_uri("/cus/1"))
    );
    // A walk that yields each customer once: its own stream and collector.
    let customers = client.customers().list_for_plan(&pl);
    assert_send_sync_static(&customers);
    spawnable_stream(client.customers().list_for_plan(&pl).stream());
    paginator!(customers.paginator().clone());
    spawnable(customers.collect_all());

    // invoices.rs — `create` holds its "looked up" flag across the checked
    // create's awaits; it must be `Sync` (an `AtomicBool`, not a `Cell`).
    assert_send(&client.invoices().create(new_invoice));
    assert_send(&client.invoices().find_by_external_id(&cu, "ext-1"));
    assert_send(&client.invoices().get(&iv));
    assert_send(&client.invoices().update_funding_instrument(&iv, "/cards/1"));
    assert_send(&client.invoices().refund(&iv, 100));
    assert_send(&client.invoices().cancel(&iv));
    paginator!(client.invoices().list(&billy::InvoiceFilter::new()));
    paginator!(
        client
            .invoices()
            .list(&billy::InvoiceFilter::new().external_id("ext-1"))
    );
    paginator!(client.invoices().list_for_customer(&cu));
    paginator!(client.invoices().list_for_plan(&pl));
    paginator!(client.invoices().list_for_subscription(&su));

    // plans.rs
    assert_send(&client.plans().create(new_plan));
    assert_send(&client.plans().get(&pl));
    assert_send(&client.plans().delete(&pl));
    paginator!(client.plans().list());

    // subscriptions.rs
    assert_send(&client.subscriptions().create(new_subscription));
    assert_send(&client.subscriptions().get(&su));
    assert_send(&client.subscriptions().cancel(&su));
    paginator!(client.subscriptions().list());
    paginator!(client.subscriptions().list_for_customer(&cu));
    paginator!(client.subscriptions().list_for_plan(&pl));

    // transactions.rs
    assert_send(&client.transactions().get(&tx));
    paginator!(client.transactions().list());
    paginator!(client.transactions().list_for_customer(&cu));
    paginator!(client.transactions().list_for_plan(&pl));
    paginator!(client.transactions().list_for_subscription(&su));
    paginator!(client.transactions().list_for_invoice(&iv));

    // The usual way to spawn a call: move a clone of the client in.
    let (c, new_invoice) = (client.clone(), new_invoice.clone());
    spawnable(async move { c.invoices().create(&new_invoice).await });
}

// ---------------------------------------------------------------------------
// Core (`billkit::http`): 6 async methods, `Paginator::new` and its
// builders, `pages`, `stream`, and the `Sleeper` futures.

fn http_futures(transport: &Transport, clock: &ManualClock) {
    assert_send_sync_static(transport);

    // mod.rs
    assert_send(&transport.execute(Request::<Value>::get("/things/{id}").param(1)));
    let request = Request::<Value>::post("/things").json(&serde_json::json!({"a": 1}));
    assert_send(&transport.send(&request));
    // `execute_create` is `Send` whenever its lookup is: a plain one, and
    // one that is itself a transport call (as Billy's and BillPro's are).
    assert_send(&transport.execute_create(
        request.clone(),
        LookupKey::new("ref", "r-1"),
        Uniqueness::NotEnforced,
        || async { Ok::<Option<Value>, Error>(None) },
    ));
    assert_send(&transport.execute_create(
        request.clone(),
        LookupKey::new("ref", "r-1"),
        Uniqueness::Enforced(|_| false),
        || transport.execute(Request::<Option<Value>>::get("/things").query("ref", "r-1")),
    ));
    let t = transport.clone();
    spawnable(async move { t.execute(request).await });

    // paginate.rs: `new` (each page style), the builders, `page`, `fetch`,
    // `collect_all`, `pages`, `stream`.
    paginator!(crate::schemes::paginator::<Value, _>(
        transport.clone(),
        Request::<()>::get("/things"),
        PageStyle::PageNumber { page_size: 25 },
    ));
    paginator!(
        crate::schemes::paginator::<Value, _>(
            transport.clone(),
            Request::<()>::get("/things"),
            PageStyle::PageNumberSized { per_page: None },
        )
        .per_page(50)
        .max_pages(10)
        .start_at(Cursor::Page(3))
    );
    paginator!(
        crate::schemes::paginator::<Value, _>(
            transport.clone(),
            Request::<()>::get("/things"),
            PageStyle::OffsetLimit {
                limit: 20,
                end: End::EmptyPage,
            },
        )
        .start_at(Cursor::Offset(40))
    );
    // A keyed walk, resumed from a checkpoint: its futures and streams
    // carry the key function and the mark.
    let keyed = crate::schemes::paginator::<Value, _>(
        transport.clone(),
        Request::<()>::get("/things"),
        PageStyle::PageNumberSized { per_page: Some(5) },
    )
    .ordered(ListOrder::Descending, |v| {
        ItemKey::new(v["at"].to_string(), v["id"].to_string())
    });
    let checkpoint = keyed.clone().stream().checkpoint();
    paginator!(keyed.resume(&checkpoint).unwrap().concurrency(3));

    // clock.rs: `SleepFuture` from both `Sleeper`s.
    spawnable(TokioSleeper.sleep(Duration::from_millis(1)));
    spawnable(clock.sleep(Duration::from_millis(1)));
}

// ---------------------------------------------------------------------------
// Sandbox: 5 async methods, all owning their data.

/// A fake API for `FakeServer::start`.
struct NotFound;

impl FakeApi for NotFound {
    fn handle(&self, _: &SandboxRequest) -> SandboxResponse {
        SandboxResponse::empty(404)
    }
}

fn sandbox_futures() {
    // mod.rs
    spawnable(Sandbox::start());
    spawnable(FakeServer::start(NotFound));
    // billpro.rs, billmora.rs, billy.rs
    spawnable(billkit_sandbox::billpro::BillProSandbox::start());
    spawnable(billkit_sandbox::billmora::BillmoraSandbox::start());
    spawnable(billkit_sandbox::billy::BillySandbox::start());
    // The same on chosen addresses and a shared clock, and the admin API.
    let (addr, clock) = (
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        billkit_sandbox::SandboxClock::new(),
    );
    spawnable(Sandbox::start_with(
        billkit_sandbox::SandboxOptions::default(),
    ));
    spawnable(FakeServer::start_on(addr, NotFound));
    spawnable(FakeServer::start_with(addr, clock.clone(), NotFound));
    spawnable(billkit_sandbox::billpro::BillProSandbox::start_with(
        addr,
        clock.clone(),
    ));
    spawnable(billkit_sandbox::billmora::BillmoraSandbox::start_with(
        addr,
        clock.clone(),
    ));
    spawnable(billkit_sandbox::billy::BillySandbox::start_with(
        addr, clock,
    ));
}

fn admin_future(sandbox: std::sync::Arc<Sandbox>, addr: std::net::SocketAddr) {
    spawnable(billkit_sandbox::admin::serve(sandbox, addr));
}

/// Payment notifications: the handler's futures must fit an axum/hyper
/// handler, and the sandbox's delivery rounds a spawned task.
#[cfg(feature = "billpro-notifications")]
fn notification_futures(
    listener: &billpro::notifications::Listener,
    dedup: billpro::notifications::Dedup,
    locator: &billpro::notifications::OrderLocator,
    client: &billpro::Client,
    payment: &billpro::notifications::PaymentPayload,
    headers: &billkit_sandbox::HeaderMap,
    sandbox: &billkit_sandbox::billpro::BillProSandbox,
) {
    use billpro::notifications::Begin;
    // confirm.rs, listener.rs
    assert_send(&locator.confirm(client, payment));
    assert_send(&listener.handle(headers, b"", |_, _| async { Ok::<(), Error>(()) }));
    let owned = listener.clone();
    spawnable(async move {
        let _ = owned
            .handle(&billkit_sandbox::HeaderMap::new(), b"", |_, _| async {
                Ok::<(), Error>(())
            })
            .await;
    });
    // dedup.rs
    assert_send(&dedup.begin("id"));
    assert_send(&dedup.once("id", || async { Ok::<(), Error>(()) }));
    spawnable(async move {
        if let Ok(Begin::Process(claim)) = dedup.begin("id").await {
            let _ = claim.done().await;
        }
        if let Ok(Begin::Process(claim)) = dedup.begin("id").await {
            let _ = claim.release().await;
        }
    });
    // sandbox/billpro/notify.rs
    assert_send(&sandbox.notifications().deliver_round());
    assert_send(&sandbox.notifications().deliver_all(1));
}

/// Waiters and change feeds (`billkit::watch`): the waiters borrow their
/// handle; a feed owns its list and is spawned and drained as any stream.
fn watch_futures(
    billpro: &billpro::Client,
    billmora: &billmora::Client,
    billy: &billy::Client,
    invoice_guid: &billy::InvoiceGuid,
    transaction_guid: &billy::TransactionGuid,
) {
    use billkit::watch::{Feed, FeedOptions, Verdict, WaitOptions, wait_until};
    let o = WaitOptions::default();
    // watch/billpro.rs
    assert_send(&billpro.orders().wait_until_active(1, &o));
    assert_send(&billpro.orders().wait_until_complete(1, &o));
    assert_send(&billpro.orders().wait_until_cancelled(1, &o));
    assert_send(&billpro.scheduled_payments().wait_until_paid(1, &o));
    assert_send(&billpro.scheduled_payments().wait_until_failed(1, &o));
    let owned = billpro.clone();
    spawnable(async move {
        owned
            .orders()
            .wait_until_active(1, &WaitOptions::default())
            .await
    });
    // watch/billmora.rs
    assert_send(&billmora.invoices().wait_until_paid(1, &o));
    assert_send(&billmora.invoices().wait_until_cancelled(1, &o));
    assert_send(&billmora.invoices().wait_until_overdue(1, &o));
    assert_send(
        &billmora
            .orders()
            .wait_until_status(1, billmora::OrderStatus::Completed, &o),
    );
    assert_send(
        &billmora
            .services()
            .wait_until_status(1, billmora::ServiceStatus::Active, &o),
    );
    // watch/billy.rs
    assert_send(&billy.invoices().wait_until_settled(invoice_guid, &o));
    assert_send(&billy.invoices().wait_until_failed(invoice_guid, &o));
    assert_send(
        &billy
            .transactions()
            .wait_until_succeeded(transaction_guid, &o),
    );
    assert_send(&billy.transactions().wait_until_failed(transaction_guid, &o));
    // watch/wait.rs
    let invoices = billmora.invoices();
    assert_send(&wait_until(
        billmora.transport(),
        &o,
        || invoices.get(1),
        |_| Verdict::NotYet,
    ));
    // watch/feed.rs and every `watch`: owned streams; `poll_once` borrows.
    let f = FeedOptions::default();
    fn feed<T: billkit::watch::Watched>(mut feed: Feed<T>) {
        assert_send(&feed.poll_once());
        spawnable(async move { feed.poll_once().await });
    }
    spawnable_stream(billpro.orders().watch(f));
    spawnable_stream(billpro.scheduled_payments().watch(f));
    spawnable_stream(billmora.invoices().watch(&Default::default(), f));
    spawnable_stream(billmora.orders().watch(&Default::default(), f));
    spawnable_stream(billmora.services().watch(&Default::default(), f));
    spawnable_stream(billy.invoices().watch(&Default::default(), f));
    spawnable_stream(billy.subscriptions().watch(f));
    spawnable_stream(billy.transactions().watch(f));
    feed(billy.transactions().watch(f));
}

/// Calls through a scoped view (`with_options`) and the observing types:
/// the view is a client like any other, and hooks and the audit log can be
/// shared with spawned tasks.
fn observe_futures(
    billpro: &billpro::Client,
    billmora: &billmora::Client,
    billy: &billy::Client,
    guid: billy::InvoiceGuid,
) {
    use billkit::http::{AuditLog, CallOptions, Hook};
    let options = CallOptions::new().deadline(Some(Duration::from_secs(5)));
    assert_send_sync_static(&options);
    let scoped = billpro.with_options(options.clone());
    assert_send_sync_static(&scoped);
    spawnable(async move { scoped.products().get(1).await });
    let scoped = billmora.with_options(options.clone());
    spawnable(async move { scoped.invoices().get(1).await });
    paginator!(
        billmora
            .with_options(options.clone())
            .invoices()
            .list(&billmora::InvoiceFilter::new())
    );
    let scoped = billy.with_options(options);
    spawnable(async move { scoped.invoices().get(&guid).await });
    let hook: std::sync::Arc<dyn Hook> = std::sync::Arc::new(AuditLog::new(std::io::sink()));
    assert_send_sync_static(&hook);
    assert_send_sync_static(&AuditLog::new(Vec::<u8>::new()));
}

/// The checks above are done by the compiler; this test only makes sure
/// the checking functions are part of the build (it runs none of them).
#[test]
fn public_futures_and_streams_are_send() {
    let _ = billpro_futures;
    let _ = billmora_futures;
    let _ = billy_futures;
    let _ = http_futures;
    let _ = sandbox_futures;
    let _ = admin_future;
    let _ = watch_futures;
    let _ = observe_futures;
    #[cfg(feature = "billpro-notifications")]
    let _ = notification_futures;
}

// ---------------------------------------------------------------------------
// Inventory: keeps the checks above in step with `src/`.

/// Every public async method and every public method returning a
/// paginator, a stream or a future, as `file: name` (a name appears once
/// per definition). Each has an assertion above.
const INVENTORY: &[&str] = &[
    // BillPro
    "src/billpro/customers.rs: create",
    "src/billpro/customers.rs: find_by_customer_id",
    "src/billpro/customers.rs: find_by_email",
    "src/billpro/customers.rs: find_by_email_since",
    "src/billpro/customers.rs: get",
    "src/billpro/customers.rs: list",
    "src/billpro/customers.rs: update",
    "src/billpro/orders/mod.rs: cancel",
    "src/billpro/orders/mod.rs: create_instalment_order",
    "src/billpro/orders/mod.rs: create_metered_order",
    "src/billpro/orders/mod.rs: create_single_order",
    "src/billpro/orders/mod.rs: create_subscription_order",
    "src/billpro/orders/mod.rs: find_by_invoice_id",
    "src/billpro/orders/mod.rs: find_by_invoice_id_since",
    "src/billpro/orders/mod.rs: get",
    "src/billpro/orders/mod.rs: list",
    "src/billpro/orders/mod.rs: pause",
    "src/billpro/orders/mod.rs: renew_checkout",
    "src/billpro/orders/mod.rs: resume",
    "src/billpro/products.rs: get",
    "src/billpro/products.rs: list",
    "src/billpro/scheduled_payments.rs: get",
    "src/billpro/scheduled_payments.rs: list",
    "src/billpro/scheduled_payments.rs: list_for_order",
    "src/billpro/scheduled_payments.rs: update",
    // Billmora
    "src/billmora/catalogs.rs: create",
    "src/billmora/catalogs.rs: delete",
    "src/billmora/catalogs.rs: get",
    "src/billmora/catalogs.rs: list",
    "src/billmora/catalogs.rs: update",
    "src/billmora/domains.rs: check",
    "src/billmora/invoices.rs: create",
    "src/billmora/invoices.rs: delete",
    "src/billmora/invoices.rs: get",
    "src/billmora/invoices.rs: list",
    "src/billmora/invoices.rs: mark_paid",
    "src/billmora/invoices.rs: mark_unpaid",
    "src/billmora/invoices.rs: update",
    "src/billmora/orders.rs: create",
    "src/billmora/orders.rs: delete",
    "src/billmora/orders.rs: get",
    "src/billmora/orders.rs: list",
    "src/billmora/orders.rs: update",
    "src/billmora/packages.rs: create",
    "src/billmora/packages.rs: delete",
    "src/billmora/packages.rs: get",
    "src/billmora/packages.rs: list",
    "src/billmora/packages.rs: update",
    "src/billmora/registrants.rs: delete",
    "src/billmora/registrants.rs: get",
    "src/billmora/registrants.rs: list",
    "src/billmora/registrants.rs: update",
    "src/billmora/services.rs: delete",
    "src/billmora/services.rs: get",
    "src/billmora/services.rs: list",
    "src/billmora/services.rs: update",
    "src/billmora/tickets.rs: create",
    "src/billmora/tickets.rs: delete",
    "src/billmora/tickets.rs: get",
    "src/billmora/tickets.rs: list",
    "src/billmora/tickets.rs: update",
    "src/billmora/tlds.rs: create",
    "src/billmora/tlds.rs: delete",
    "src/billmora/tlds.rs: get",
    "src/billmora/tlds.rs: list",
    "src/billmora/tlds.rs: update",
    "src/billmora/catalogs.rs: find_by_slug",
    "src/billmora/packages.rs: find_by_slug",
    "src/billmora/tlds.rs: find_by_tld",
    "src/billmora/users.rs: find_by_email",
    "src/billmora/users.rs: create",
    "src/billmora/users.rs: delete",
    "src/billmora/users.rs: get",
    "src/billmora/users.rs: list",
    "src/billmora/users.rs: update",
    "src/billmora/variants.rs: create",
    "src/billmora/variants.rs: delete",
    "src/billmora/variants.rs: get",
    "src/billmora/variants.rs: list",
    "src/billmora/variants.rs: update",
    // Billy
    "src/billy/companies.rs: get",
    "src/billy/customers.rs: create",
    "src/billy/customers.rs: delete",
    "src/billy/customers.rs: get",
    "src/billy/customers.rs: list",
    "src/billy/invoices/mod.rs: cancel",
    "src/billy/invoices/mod.rs: create",
    "src/billy/invoices/mod.rs: find_by_external_id",
    "src/billy/invoices/mod.rs: get",
    "src/billy/invoices/mod.rs: list",
    "src/billy/invoices/mod.rs: list_for_customer",
    "src/billy/invoices/mod.rs: list_for_plan",
    "src/billy/invoices/mod.rs: list_for_subscription",
    "src/billy/invoices/mod.rs: refund",
    "src/billy/invoices/mod.rs: update_funding_instrument",
    "src/billy/mod.rs: register_company",
    "src/billy/mod.rs: register_company",
    "src/billy/mod.rs: server_info",
    "src/billy/plans.rs: collect_all",
    "src/billy/plans.rs: create",
    "src/billy/plans.rs: delete",
    "src/billy/plans.rs: get",
    "src/billy/plans.rs: list",
    "src/billy/plans.rs: paginator",
    "src/billy/subscriptions.rs: cancel",
    "src/billy/subscriptions.rs: create",
    "src/billy/subscriptions.rs: get",
    "src/billy/subscriptions.rs: list",
    "src/billy/subscriptions.rs: list_for_customer",
    "src/billy/subscriptions.rs: list_for_plan",
    "src/billy/transactions.rs: get",
    "src/billy/transactions.rs: list",
    "src/billy/transactions.rs: list_for_customer",
    "src/billy/transactions.rs: list_for_invoice",
    "src/billy/transactions.rs: list_for_plan",
    "src/billy/transactions.rs: list_for_subscription",
    // Core
    "src/http/mod.rs: execute",
    "src/http/mod.rs: execute_create",
    "src/http/mod.rs: send",
    "src/http/paginate.rs: collect_all",
    "src/http/paginate.rs: fetch",
    "src/http/paginate.rs: page",
    "src/http/paginate.rs: pages",
    "src/http/paginate.rs: stream",
    // Sandbox
    "billkit-sandbox/src/billmora/mod.rs: start",
    "billkit-sandbox/src/billpro/mod.rs: start",
    "billkit-sandbox/src/billy/mod.rs: start",
    "billkit-sandbox/src/lib.rs: start",
    "billkit-sandbox/src/lib.rs: start",
    "billkit-sandbox/src/billmora/mod.rs: start_with",
    "billkit-sandbox/src/billpro/mod.rs: start_with",
    "billkit-sandbox/src/billy/mod.rs: start_with",
    "billkit-sandbox/src/lib.rs: start_on",
    "billkit-sandbox/src/lib.rs: start_with",
    "billkit-sandbox/src/lib.rs: start_with",
    "billkit-sandbox/src/admin.rs: serve",
    // Payment notifications
    "src/billpro/notifications/confirm.rs: confirm",
    "src/billpro/notifications/dedup.rs: begin",
    "src/billpro/notifications/dedup.rs: done",
    "src/billpro/notifications/dedup.rs: once",
    "src/billpro/notifications/dedup.rs: release",
    "src/billpro/notifications/listener.rs: handle",
    "billkit-sandbox/src/billpro/notify.rs: deliver_all",
    "billkit-sandbox/src/billpro/notify.rs: deliver_round",
    // Waiters and change feeds
    "src/watch/billmora.rs: wait_until_cancelled",
    "src/watch/billmora.rs: wait_until_overdue",
    "src/watch/billmora.rs: wait_until_paid",
    "src/watch/billmora.rs: wait_until_status",
    "src/watch/billmora.rs: wait_until_status",
    "src/watch/billmora.rs: watch",
    "src/watch/billmora.rs: watch",
    "src/watch/billmora.rs: watch",
    "src/watch/billpro.rs: wait_until_active",
    "src/watch/billpro.rs: wait_until_cancelled",
    "src/watch/billpro.rs: wait_until_complete",
    "src/watch/billpro.rs: wait_until_failed",
    "src/watch/billpro.rs: wait_until_paid",
    "src/watch/billpro.rs: watch",
    "src/watch/billpro.rs: watch",
    "src/watch/billy.rs: wait_until_failed",
    "src/watch/billy.rs: wait_until_failed",
    "src/watch/billy.rs: wait_until_settled",
    "src/watch/billy.rs: wait_until_succeeded",
    "src/watch/billy.rs: watch",
    "src/watch/billy.rs: watch",
    "src/watch/billy.rs: watch",
    "src/watch/feed.rs: poll_once",
    "src/watch/wait.rs: wait_until",
];

/// Return types that make a `pub fn` part of the async API.
const ASYNC_RETURN_TYPES: &[&str] = &[
    "Paginator<",
    "Items<",
    "Pages<",
    "Future",
    "Stream",
    "SleepFuture",
    "Feed<",
];

/// The public async API found in `src/`: every `pub async fn`, and every
/// `pub fn` whose return type is one of [`ASYNC_RETURN_TYPES`]
/// (signatures spread over several lines are joined first).
fn scan_src() -> Vec<String> {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable src dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // The sandbox crate's futures are awaited in the same tests.
    let sandbox = root.join("../billkit-sandbox");
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&sandbox.join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        let rel = match file.strip_prefix(&sandbox) {
            Ok(rel) => std::path::Path::new("billkit-sandbox").join(rel),
            Err(_) => file
                .strip_prefix(root)
                .expect("under the manifest dir")
                .to_path_buf(),
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim_start();
            let (is_async, rest) = if let Some(rest) = line.strip_prefix("pub async fn ") {
                (true, rest)
            } else if let Some(rest) = line.strip_prefix("pub fn ") {
                (false, rest)
            } else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let mut signature = String::new();
            for l in &lines[i..] {
                signature.push_str(l.trim());
                signature.push(' ');
                if l.contains('{') || l.trim_end().ends_with(';') {
                    break;
                }
            }
            let returns = signature
                .split_once("->")
                .map_or("", |(_, r)| r.split('{').next().unwrap_or(""));
            if is_async || ASYNC_RETURN_TYPES.iter().any(|t| returns.contains(t)) {
                found.push(format!("{rel}: {name}"));
            }
        }
    }
    found
}

#[test]
fn inventory_matches_src() {
    let mut found = scan_src();
    found.sort();
    let mut listed: Vec<String> = INVENTORY.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    let missing: Vec<&String> = found.iter().filter(|f| !listed.contains(f)).collect();
    let stale: Vec<&String> = listed.iter().filter(|l| !found.contains(l)).collect();
    assert!(
        missing.is_empty() && stale.is_empty() && found.len() == listed.len(),
        "the public async API in src/ changed: add a Send assertion and an INVENTORY \
         entry for each new method, drop those of removed ones.\n\
         in src/ but not in INVENTORY: {missing:#?}\n\
         in INVENTORY but not in src/: {stale:#?}\n\
         ({} found, {} listed)",
        found.len(),
        listed.len()
    );
}
