//! Exactly-once walks against the three sandboxes, through the clients:
//! a list walked with a random stop, records created (and on Billmora,
//! whose deletes remove rows, up to a page deleted) through the API
//! between stop and resume, resumed from JSON with a new client; every
//! record that existed at the start and was not deleted comes once, and
//! nothing comes twice. With random page sizes, `concurrency(k)` and
//! prefetch depths. Also Billy's collapsed plan-customer pages.

use std::collections::HashSet;

use billkit::http::{End, PageStyle, Paginator, RetryPolicy};
use billkit::{Cents, StreamExt, TryStreamExt};
use billkit_sandbox::billmora::BillmoraSandbox;
use billkit_sandbox::billpro::BillProSandbox;
use billkit_sandbox::billy::BillySandbox;
use futures_util::future::BoxFuture;
use serde::de::DeserializeOwned;

/// A card the Billy sandbox charges successfully.
const CARD: &str = "/v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCBXYdbpYDwX68hv69UH1eS";

/// One list of one API, and how to change it through the API.
struct Live<'a, T> {
    name: &'static str,
    list: Box<dyn Fn() -> Paginator<T> + 'a>,
    /// Creates a record that shows in the list; its id.
    create: Box<dyn Fn(u64) -> BoxFuture<'a, String> + 'a>,
    /// Deletes a record so that it leaves the list.
    delete: Option<Box<dyn Fn(String) -> BoxFuture<'a, ()> + 'a>>,
    id: fn(&T) -> String,
    /// Page sizes to pick from (ignored where the server fixes it).
    sizes: &'static [u32],
}

/// Walks `case` `rounds` times with a random stop, changes between stop
/// and resume, and checks that the walk was exactly-once.
async fn exactly_once<T: DeserializeOwned + Send + 'static>(
    case: &Live<'_, T>,
    initial: usize,
    rounds: usize,
    seed: u64,
) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut n = 0u64;
    for _ in 0..initial {
        (case.create)(n).await;
        n += 1;
    }
    let mut changed = 0;
    for round in 0..rounds {
        let ids = |items: &[T]| items.iter().map(case.id).collect::<Vec<_>>();
        let original: Vec<String> = ids(&(case.list)().collect_all().await.unwrap());
        let size = case.sizes[rng.usize(..case.sizes.len())];
        let (k, depth) = (rng.usize(1..4), rng.usize(0..3));
        let what = format!(
            "{} round {round}: per_page {size}, k {k}, prefetch {depth}",
            case.name
        );
        let mut walk = (case.list)()
            .per_page(size)
            .concurrency(k)
            .prefetch(depth)
            .stream();
        let mut seen = Vec::new();
        for _ in 0..rng.usize(0..=original.len()) {
            match walk.next().await {
                Some(item) => seen.push((case.id)(&item.unwrap())),
                None => break,
            }
        }
        let saved = serde_json::to_string(&walk.checkpoint()).unwrap();
        drop(walk); // the process is killed

        let mut created = HashSet::new();
        for _ in 0..rng.u32(0..=2 * size) {
            created.insert((case.create)(n).await);
            n += 1;
        }
        let mut deleted = HashSet::new();
        if let Some(delete) = &case.delete {
            for _ in 0..rng.u32(0..=size) {
                let victim =
                    original[rng.usize(..original.len().max(1)).min(original.len() - 1)].clone();
                if deleted.insert(victim.clone()) {
                    delete(victim).await;
                }
            }
        }
        changed += usize::from(!created.is_empty() || !deleted.is_empty());

        let rest = (case.list)()
            .resume(&serde_json::from_str(&saved).unwrap())
            .unwrap()
            .concurrency(k)
            .prefetch(depth)
            .collect_all()
            .await
            .unwrap();
        seen.extend(ids(&rest));
        let mut once = HashSet::new();
        for id in &seen {
            assert!(once.insert(id), "{what}: {id} came twice; {saved}");
            assert!(
                original.contains(id) || created.contains(id),
                "{what}: {id} came from nowhere"
            );
        }
        for id in &original {
            assert!(
                deleted.contains(id) || once.contains(id),
                "{what}: {id} is missing; {saved}"
            );
        }
    }
    assert!(
        changed > rounds / 2,
        "{}: {changed} rounds changed",
        case.name
    );
}

mod billpro {
    use billkit::billpro::{
        Client, Customer, NewCustomer, NewSingleOrder, Order, OrderLine, PurchaseType,
    };

    use super::*;

    fn customer(n: u64) -> NewCustomer {
        NewCustomer::new("Walk", format!("N{n}"), format!("walk{n}@example.com"))
    }

    #[tokio::test]
    async fn customer_and_order_lists_resume_exactly_once() {
        let sandbox = BillProSandbox::start().await.unwrap();
        let client: Client = sandbox.client().unwrap();
        let c = &client;
        let customers = Live::<Customer> {
            name: "billpro customers",
            list: Box::new(move || c.customers().list()),
            create: Box::new(move |n| {
                Box::pin(async move {
                    let made = c.customers().create(&customer(n)).await.unwrap();
                    made.id.to_string()
                })
            }),
            delete: None,
            id: |c| c.id.to_string(),
            sizes: &[25],
        };
        exactly_once(&customers, 60, 12, 1).await;

        let product = {
            let all: Vec<_> = c
                .products()
                .list(&billkit::billpro::ProductFilter::new())
                .collect_all()
                .await
                .unwrap();
            all.into_iter()
                .find(|p| p.product_type == PurchaseType::SinglePayment)
                .unwrap()
        };
        let buyer = c.customers().create(&customer(9999)).await.unwrap().id;
        let product = product.id;
        let orders = Live::<Order> {
            name: "billpro orders",
            list: Box::new(move || c.orders().list()),
            create: Box::new(move |n| {
                Box::pin(async move {
                    let order = NewSingleOrder::new(buyer, "GBP", format!("WALK-{n}"))
                        .product(OrderLine::new(product));
                    let made = c.orders().create_single_order(&order).await.unwrap();
                    made.id.to_string()
                })
            }),
            delete: None,
            id: |o| o.id.to_string(),
            sizes: &[25],
        };
        exactly_once(&orders, 60, 8, 2).await;
    }
}

mod billmora {
    use billkit::billmora::{
        Client, Invoice, NewInvoice, NewTicket, NewTld, NewUser, Ticket, TicketPriority, Tld,
        TldStatus, User,
    };
    use chrono::NaiveDate;

    use super::*;

    async fn start() -> (BillmoraSandbox, Client) {
        let sandbox = BillmoraSandbox::start().await.unwrap();
        sandbox.set_rate_limit(1_000_000);
        let client = sandbox
            .client_builder()
            .rate_limit(None)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        (sandbox, client)
    }

    fn user(n: u64) -> NewUser {
        NewUser::new(
            "Walk",
            format!("N{n}"),
            format!("walk{n}@example.com"),
            "password1",
        )
    }

    /// Billmora sorts by `created_at` to the second: records made this
    /// fast share seconds, so every page boundary falls inside a tie.
    #[tokio::test]
    async fn lists_resume_exactly_once_across_ties_inserts_and_deletes() {
        let (_sandbox, client) = start().await;
        let c = &client;
        let users = Live::<User> {
            name: "billmora users",
            list: Box::new(move || c.users().list(&Default::default())),
            create: Box::new(move |n| {
                Box::pin(async move { c.users().create(&user(n)).await.unwrap().id.to_string() })
            }),
            delete: Some(Box::new(move |id| {
                Box::pin(async move {
                    c.users().delete(id.parse::<u64>().unwrap()).await.unwrap();
                })
            })),
            id: |u| u.id.to_string(),
            sizes: &[2, 3, 5, 8, 15],
        };
        exactly_once(&users, 40, 25, 3).await;

        let owner = c.users().create(&user(100_000)).await.unwrap().id;
        let tickets = Live::<Ticket> {
            name: "billmora tickets",
            list: Box::new(move || c.tickets().list(&Default::default())),
            create: Box::new(move |n| {
                Box::pin(async move {
                    let t = NewTicket::new(
                        owner,
                        format!("Walk {n}"),
                        "Billing",
                        TicketPriority::Low,
                        "hello",
                    );
                    c.tickets().create(&t).await.unwrap().id.to_string()
                })
            }),
            delete: Some(Box::new(move |id| {
                Box::pin(async move {
                    c.tickets()
                        .delete(id.parse::<u64>().unwrap())
                        .await
                        .unwrap();
                })
            })),
            id: |t| t.id.to_string(),
            sizes: &[2, 4, 7],
        };
        exactly_once(&tickets, 30, 15, 4).await;

        let due = NaiveDate::from_ymd_opt(2026, 8, 3).unwrap();
        let invoices = Live::<Invoice> {
            name: "billmora invoices",
            list: Box::new(move || c.invoices().list(&Default::default())),
            create: Box::new(move |n| {
                Box::pin(async move {
                    let i = NewInvoice::new(owner, due).item(
                        format!("Line {n}"),
                        1,
                        billkit::Decimal::new(1250, 2),
                    );
                    c.invoices().create(&i).await.unwrap().id.to_string()
                })
            }),
            delete: Some(Box::new(move |id| {
                Box::pin(async move {
                    c.invoices()
                        .delete(id.parse::<u64>().unwrap())
                        .await
                        .unwrap();
                })
            })),
            id: |i| i.id.to_string(),
            sizes: &[3, 6],
        };
        exactly_once(&invoices, 25, 10, 5).await;

        let tlds = Live::<Tld> {
            name: "billmora tlds",
            list: Box::new(move || c.tlds().list(&Default::default())),
            create: Box::new(move |n| {
                Box::pin(async move {
                    let t = NewTld::new(format!(".w{n}"), TldStatus::Visible, 1, 10);
                    c.tlds().create(&t).await.unwrap().id.to_string()
                })
            }),
            delete: Some(Box::new(move |id| {
                Box::pin(async move {
                    // The seeded TLDs are referenced by prices: Billmora
                    // refuses to delete them (500) and they stay listed.
                    let _ = c.tlds().delete(id.parse::<u64>().unwrap()).await;
                })
            })),
            id: |t| t.id.to_string(),
            sizes: &[2, 5],
        };
        exactly_once(&tlds, 20, 10, 6).await;
    }

    /// Progress against the server's `meta.total`, without an extra request.
    #[tokio::test]
    async fn a_walk_reports_the_servers_total() {
        let (sandbox, client) = start().await;
        for n in 0..9 {
            client.users().create(&user(n)).await.unwrap();
        }
        let total = client.users().list(&Default::default()).page(1).await;
        let total = total.unwrap().total.unwrap();
        let before = sandbox.server().requests_served();
        let mut walk = client
            .users()
            .list(&Default::default())
            .per_page(4)
            .prefetch(0)
            .stream();
        let mut n = 0;
        while let Some(user) = walk.next().await {
            user.unwrap();
            n += 1;
            assert_eq!((walk.yielded(), walk.total()), (n, Some(total)));
        }
        assert_eq!(n, total);
        assert_eq!(
            sandbox.server().requests_served() - before,
            total.div_ceil(4)
        );
    }
}

mod billy {
    use billkit::billy::{
        Client, Customer, CustomerFilter, CustomerGuid, Frequency, Invoice, InvoiceFilter,
        NewCustomer, NewInvoice, NewPlan, NewSubscription, Plan, PlanGuid, PlanType, Subscription,
        Transaction,
    };

    use super::*;

    async fn plan(c: &Client) -> Plan {
        let new = NewPlan::new(PlanType::Debit, Frequency::Monthly, Cents::new(500));
        c.plans().create(&new).await.unwrap()
    }

    async fn new_customer(c: &Client) -> Customer {
        c.customers().create(&NewCustomer::new()).await.unwrap()
    }

    async fn subscribe(c: &Client, plan: &PlanGuid, customer: &CustomerGuid) -> Subscription {
        let new = NewSubscription::new(plan, customer).funding_instrument_uri(CARD);
        c.subscriptions().create(&new).await.unwrap()
    }

    #[tokio::test]
    async fn lists_resume_exactly_once_across_inserts() {
        let sandbox = BillySandbox::start().await.unwrap();
        let client = sandbox.client().unwrap();
        let c = &client;
        let customers = Live::<Customer> {
            name: "billy customers",
            list: Box::new(move || c.customers().list(&CustomerFilter::new())),
            create: Box::new(move |_| {
                Box::pin(async move { new_customer(c).await.guid.to_string() })
            }),
            delete: None,
            id: |c| c.guid.to_string(),
            sizes: &[2, 5, 20],
        };
        exactly_once(&customers, 30, 15, 7).await;

        let plans = Live::<Plan> {
            name: "billy plans",
            list: Box::new(move || c.plans().list()),
            create: Box::new(move |_| Box::pin(async move { plan(c).await.guid.to_string() })),
            delete: None,
            id: |p| p.guid.to_string(),
            sizes: &[3, 7],
        };
        exactly_once(&plans, 20, 10, 8).await;

        let payer = new_customer(c).await.guid;
        let payer = &payer;
        let invoices = Live::<Invoice> {
            name: "billy invoices",
            list: Box::new(move || c.invoices().list(&InvoiceFilter::new())),
            create: Box::new(move |_| {
                Box::pin(async move {
                    let new = NewInvoice::new(payer, Cents::new(700)).funding_instrument_uri(CARD);
                    c.invoices().create(&new).await.unwrap().guid.to_string()
                })
            }),
            delete: None,
            id: |i| i.guid.to_string(),
            sizes: &[2, 6],
        };
        exactly_once(&invoices, 20, 10, 9).await;

        // Each charged invoice made one transaction.
        let transactions = Live::<Transaction> {
            name: "billy transactions",
            list: Box::new(move || c.transactions().list()),
            create: Box::new(move |_| {
                Box::pin(async move {
                    let new = NewInvoice::new(payer, Cents::new(300)).funding_instrument_uri(CARD);
                    let invoice = c.invoices().create(&new).await.unwrap();
                    let txs = c.transactions().list_for_invoice(&invoice.guid);
                    let txs: Vec<Transaction> = txs.collect_all().await.unwrap();
                    txs[0].guid.to_string()
                })
            }),
            delete: None,
            id: |t| t.guid.to_string(),
            sizes: &[4],
        };
        exactly_once(&transactions, 0, 8, 10).await;

        // A plan's subscriptions, and their invoices by period.
        let monthly = plan(c).await.guid;
        let monthly = &monthly;
        let subscriptions = Live::<Subscription> {
            name: "billy plan subscriptions",
            list: Box::new(move || c.subscriptions().list_for_plan(monthly)),
            create: Box::new(move |_| {
                Box::pin(async move {
                    let who = new_customer(c).await;
                    subscribe(c, monthly, &who.guid).await.guid.to_string()
                })
            }),
            delete: None,
            id: |s| s.guid.to_string(),
            sizes: &[3, 5],
        };
        exactly_once(&subscriptions, 15, 8, 11).await;
        let plan_invoices = Live::<Invoice> {
            name: "billy plan invoices",
            list: Box::new(move || c.invoices().list_for_plan(monthly)),
            create: Box::new(move |_| {
                Box::pin(async move {
                    let who = new_customer(c).await;
                    let sub = subscribe(c, monthly, &who.guid).await;
                    let of_sub = c.invoices().list_for_subscription(&sub.guid);
                    let first: Vec<Invoice> = of_sub.collect_all().await.unwrap();
                    first[0].guid.to_string()
                })
            }),
            delete: None,
            id: |i| i.guid.to_string(),
            sizes: &[3, 5],
        };
        exactly_once(&plan_invoices, 0, 8, 12).await;

        // A plan's customers, each with one to three subscriptions: Billy
        // pages over subscription rows and collapses each page's repeats.
        let shared = plan(c).await.guid;
        let shared = &shared;
        let plan_customers = Live::<Customer> {
            name: "billy plan customers",
            list: Box::new(move || c.customers().list_for_plan(shared).paginator().clone()),
            create: Box::new(move |n| {
                Box::pin(async move {
                    let who = new_customer(c).await;
                    for _ in 0..=n % 3 {
                        subscribe(c, shared, &who.guid).await;
                    }
                    who.guid.to_string()
                })
            }),
            delete: None,
            id: |c| c.guid.to_string(),
            sizes: &[2, 3],
        };
        exactly_once(&plan_customers, 12, 12, 13).await;
    }

    /// The measured failure: a customer A with four subscriptions to a plan
    /// and a newer one B with one, walked two rows at a time. Billy answers
    /// [B, A], [A], [A] (A's rows collapsed within each page), then []:
    /// equal short pages are a correct answer, and the walk yields B then
    /// A, once each, after four requests; with seven rows of A, after five.
    #[tokio::test]
    async fn collapsed_plan_customer_pages_yield_each_customer_once() {
        let sandbox = BillySandbox::start().await.unwrap();
        let client = sandbox.client().unwrap();
        let plan = plan(&client).await;
        let a = new_customer(&client).await;
        let b = new_customer(&client).await;
        subscribe(&client, &plan.guid, &b.guid).await;
        for _ in 0..4 {
            subscribe(&client, &plan.guid, &a.guid).await;
        }
        let customers = client.customers().list_for_plan(&plan.guid).per_page(2);
        let raw = customers.paginator().clone();
        let pages: Vec<Vec<CustomerGuid>> = {
            let mut out = Vec::new();
            for offset in [0, 2, 4, 6] {
                let page = raw
                    .fetch(billkit::http::Cursor::Offset(offset))
                    .await
                    .unwrap();
                out.push(page.items.into_iter().map(|c| c.guid).collect());
            }
            out
        };
        assert_eq!(
            pages,
            vec![
                vec![b.guid.clone(), a.guid.clone()],
                vec![a.guid.clone()],
                vec![a.guid.clone()],
                vec![]
            ],
            "the sandbox answers as real Billy does"
        );
        let before = sandbox.server().requests_served();
        let all: Vec<CustomerGuid> = raw
            .clone()
            .stream()
            .map_ok(|c| c.guid)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, vec![b.guid.clone(), a.guid.clone()]);
        assert_eq!(sandbox.server().requests_served() - before, 4);
        let unique: Vec<CustomerGuid> = customers
            .stream()
            .map_ok(|c| c.guid)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(unique, vec![b.guid.clone(), a.guid.clone()]);

        // Seven rows of A: [B, A], [A], [A], [A], [], three equal pages in
        // a row, still one correct walk.
        for _ in 0..3 {
            subscribe(&client, &plan.guid, &a.guid).await;
        }
        let before = sandbox.server().requests_served();
        let all: Vec<CustomerGuid> = raw.stream().map_ok(|c| c.guid).try_collect().await.unwrap();
        assert_eq!(all, vec![b.guid, a.guid]);
        assert_eq!(sandbox.server().requests_served() - before, 5);
    }

    /// A server that really ignores the offset still stops the walk: its
    /// full pages repeat.
    #[tokio::test]
    async fn a_plan_customer_server_ignoring_the_offset_is_still_stopped() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        let customer = |guid: &str| {
            serde_json::json!({
                "guid": guid, "company_guid": "CP1", "processor_uri": null, "deleted": false,
                "created_at": "2026-12-03T07:46:00+00:00", "updated_at": "2026-12-03T07:46:00+00:00"
            })
        };
        let body = serde_json::json!({
            "items": [customer("CUB"), customer("CUA")], "offset": 0, "limit": 2
        });
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let client = Client::builder()
            .base_url(server.uri())
            .api_key("KEY")
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let plan = PlanGuid::new(format!("PL{}", "1".repeat(20))).unwrap();
        let customers = client.customers().list_for_plan(&plan).per_page(2);
        assert!(matches!(
            customers.paginator().style(),
            PageStyle::OffsetLimit {
                end: End::EmptyPage,
                ..
            }
        ));
        let err = customers.collect_all().await.unwrap_err();
        match err {
            billkit::Error::Pagination { kind, .. } => {
                assert_eq!(kind, billkit::error::PaginationErrorKind::RepeatedPage)
            }
            other => panic!("{other:?}"),
        }
        // Keyed walks let one repeat pass (a page of records created at
        // the head between two fetches); the second stops it.
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    }
}
