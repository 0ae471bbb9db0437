//! What `billkit sandbox serve` is built from, tested through the
//! library: the shared clock and due billing, snapshots and the state
//! file, the journal's redaction and bounds, the admin API's refusals, and
//! fixed ports.

use std::sync::Arc;
use std::time::Duration;

use billkit::billpro::{
    NewCustomer as ProCustomer, NewInstalmentOrder, NewSingleOrder, OrderLine, OrderStatus,
    Schedule, ScheduledPaymentStatus,
};
use billkit::billy::{Frequency, NewCustomer, NewPlan, NewSubscription, PlanType};
use billkit::{Cents, ExposeSecret};
use billkit_sandbox::billpro::{INSTALMENT_PRODUCT_ID, SINGLE_PAYMENT_PRODUCT_ID};
use billkit_sandbox::{
    DueReport, FakeServer, REDACTED, Sandbox, SandboxOptions, SandboxRequest, SandboxResponse,
    StateError,
};
use serde_json::{Value, json};

const MONTH_AND_A_DAY: Duration = Duration::from_secs(32 * 24 * 3600);

/// A BillPro customer, Dana.
async fn dana(billpro: &billkit::billpro::Client) -> billkit::billpro::Customer {
    billpro
        .customers()
        .create(&ProCustomer::new("Dana", "Borys", "dana@example.com"))
        .await
        .unwrap()
}

/// A pending single-payment BillPro order for `customer`.
async fn single_order(
    billpro: &billkit::billpro::Client,
    customer: &billkit::billpro::Customer,
    invoice_id: &str,
) -> billkit::billpro::Order {
    billpro
        .orders()
        .create_single_order(
            &NewSingleOrder::new(customer.id, "GBP", invoice_id)
                .product(OrderLine::new(SINGLE_PAYMENT_PRODUCT_ID)),
        )
        .await
        .unwrap()
}

async fn billy_subscription(sandbox: &Sandbox) -> billkit::billy::SubscriptionGuid {
    let billy = sandbox.billy.client().unwrap();
    let plan = billy
        .plans()
        .create(&NewPlan::new(
            PlanType::Debit,
            Frequency::Monthly,
            Cents::new(500),
        ))
        .await
        .unwrap();
    let customer = billy.customers().create(&NewCustomer::new()).await.unwrap();
    let sub = billy
        .subscriptions()
        .create(
            &NewSubscription::new(&plan.guid, &customer.guid)
                .funding_instrument_uri("/v1/cards/CC1"),
        )
        .await
        .unwrap();
    assert_eq!(sub.invoice_count, 1);
    sub.guid
}

async fn billy_invoices(sandbox: &Sandbox, sub: &billkit::billy::SubscriptionGuid) -> usize {
    let billy = sandbox.billy.client().unwrap();
    billy
        .invoices()
        .list_for_subscription(sub)
        .collect_all()
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn advancing_the_clock_then_running_due_billing_bills_what_fell_due() {
    let sandbox = Sandbox::start().await.unwrap();
    let sub = billy_subscription(&sandbox).await;
    let billpro = sandbox.billpro.client().unwrap();
    let customer = dana(&billpro).await;
    // Four monthly instalments, the first a month from today.
    let order = billpro
        .orders()
        .create_instalment_order(&NewInstalmentOrder::new(
            customer.id,
            "GBP",
            "INST-1",
            OrderLine::new(INSTALMENT_PRODUCT_ID),
            4,
            Schedule::monthly(),
        ))
        .await
        .unwrap();

    // Nothing is due yet.
    assert_eq!(sandbox.run_due_billing(), DueReport::default());
    assert_eq!(billy_invoices(&sandbox, &sub).await, 1);

    sandbox.advance_clock(MONTH_AND_A_DAY);
    let report = sandbox.run_due_billing();
    assert_eq!(report.billy_invoices_filed, 1);
    assert_eq!(report.billpro_payments_collected, 1);
    assert_eq!(report.billmora_invoices_changed, 0);
    assert_eq!(billy_invoices(&sandbox, &sub).await, 2);
    let payments = billpro
        .scheduled_payments()
        .list_for_order(order.id)
        .collect_all()
        .await
        .unwrap();
    let statuses: Vec<_> = payments.iter().map(|p| p.status.clone()).collect();
    assert_eq!(
        statuses,
        [
            ScheduledPaymentStatus::Complete,
            ScheduledPaymentStatus::Scheduled,
            ScheduledPaymentStatus::Scheduled,
            ScheduledPaymentStatus::Scheduled,
        ]
    );
    // Run again at the same time: nothing more is due.
    assert_eq!(sandbox.run_due_billing(), DueReport::default());
}

#[tokio::test]
async fn the_clock_stamps_new_records_with_its_time() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.advance_clock(Duration::from_secs(400 * 24 * 3600));
    let billy = sandbox.billy.client().unwrap();
    let customer = billy.customers().create(&NewCustomer::new()).await.unwrap();
    let ahead = customer.created_at - chrono::Utc::now();
    assert!(
        ahead >= chrono::TimeDelta::days(399),
        "created {ahead} ahead of the real time"
    );
}

#[tokio::test]
async fn a_snapshot_restored_into_a_new_sandbox_is_readable_through_the_clients() {
    let first = Sandbox::start().await.unwrap();
    let billpro = first.billpro.client().unwrap();
    let customer = dana(&billpro).await;
    let order = single_order(&billpro, &customer, "INV-1").await;
    assert!(first.billpro.complete_checkout(order.id));
    let user = first
        .billmora
        .client()
        .unwrap()
        .users()
        .create(&billkit::billmora::NewUser::new(
            "Ola",
            "Nowak",
            "ola@example.com",
            "correct horse",
        ))
        .await
        .unwrap();
    let token = first.billmora.add_token(&["users.view"]);
    let sub = billy_subscription(&first).await;
    let registered = billkit::billy::Client::register_company(
        first.billy.base_url(),
        first.billy.processor_key(),
    )
    .await
    .unwrap();
    first.advance_clock(Duration::from_secs(3600));
    let document = first.snapshot();
    assert_eq!(document["format"], "billkit-sandbox-state");
    assert_eq!(document["version"], 1);
    assert_eq!(document["clock_offset_ms"], 3_600_000);

    let second = Sandbox::start().await.unwrap();
    second.restore(&document).unwrap();
    assert_eq!(second.clock().offset(), chrono::TimeDelta::hours(1));
    let billpro = second.billpro.client().unwrap();
    assert_eq!(
        billpro.customers().get(customer.id).await.unwrap(),
        customer
    );
    let restored = billpro.orders().get(order.id).await.unwrap();
    assert_eq!(restored.status, OrderStatus::Complete);
    // The counters came along: the next customer gets the next id.
    let next = billpro
        .customers()
        .create(&ProCustomer::new("Kai", "Last", "kai@example.com"))
        .await
        .unwrap();
    assert_eq!(next.id.get(), customer.id.get() + 1);
    let billmora = second.billmora.client().unwrap();
    assert_eq!(
        billmora.users().get(user.id).await.unwrap().email,
        user.email
    );
    // Issued tokens survive too.
    let limited = billkit::billmora::Client::builder()
        .base_url(second.billmora.base_url())
        .token(token)
        .build()
        .unwrap();
    assert_eq!(limited.users().get(user.id).await.unwrap().id, user.id);
    assert_eq!(billy_invoices(&second, &sub).await, 1);
    // A registered company's key still works after the restore.
    let other = billkit::billy::Client::builder()
        .base_url(second.billy.base_url())
        .api_key(registered.api_key().expose_secret())
        .build()
        .unwrap();
    assert_eq!(
        other
            .companies()
            .get(&registered.company.guid)
            .await
            .unwrap()
            .guid,
        registered.company.guid
    );
}

#[tokio::test]
async fn restore_refuses_what_is_not_a_state_and_changes_nothing() {
    let sandbox = Sandbox::start().await.unwrap();
    let billpro = sandbox.billpro.client().unwrap();
    let customer = dana(&billpro).await;
    let good = sandbox.snapshot();

    let message = |e: StateError| e.to_string();
    let foreign = sandbox.restore(&json!({"orders": []})).unwrap_err();
    assert!(
        message(foreign).contains("not a billkit sandbox state"),
        "foreign document"
    );
    let mut future = good.clone();
    future["version"] = json!(99);
    assert!(
        message(sandbox.restore(&future).unwrap_err())
            .contains("sandbox state version 99 cannot be read by this build")
    );
    // A broken Billy part is found before BillPro's is applied.
    let mut broken = good.clone();
    broken["billpro"]["customers"] = json!([]);
    broken["billy"]["companies"] = json!("many");
    let why = message(sandbox.restore(&broken).unwrap_err());
    assert!(
        why.contains("the `billy` part is not a billy sandbox state"),
        "{why}"
    );
    assert_eq!(
        billpro.customers().get(customer.id).await.unwrap(),
        customer
    );
    assert_eq!(sandbox.snapshot(), good);
}

#[tokio::test]
async fn the_state_file_is_written_after_each_change_and_loaded_at_start() {
    let dir = std::env::temp_dir().join(format!("billkit-sandbox-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = std::fs::remove_file(&path);

    let first = Sandbox::start().await.unwrap();
    assert!(!first.persist_to(&path).unwrap(), "no file yet");
    let customer = dana(&first.billpro.client().unwrap()).await;
    // Written before the answer arrived, with no explicit save.
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        saved["billpro"]["customers"][0]["json"]["email"],
        "dana@example.com"
    );
    drop(first);

    let second = Sandbox::start().await.unwrap();
    assert!(second.persist_to(&path).unwrap(), "loaded the file");
    let again = second
        .billpro
        .client()
        .unwrap()
        .customers()
        .get(customer.id)
        .await
        .unwrap();
    assert_eq!(again, customer);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_state_file_that_is_not_a_state_is_an_error_and_left_alone() {
    let dir = std::env::temp_dir().join(format!("billkit-sandbox-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sandbox = Sandbox::start().await.unwrap();
    for (name, text, says) in [
        ("corrupt.json", "{\"format\": \"billkit-sandb", "not JSON"),
        (
            "foreign.json",
            "{\"name\": \"my-app\"}",
            "not a billkit sandbox state",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let why = sandbox.persist_to(&path).unwrap_err().to_string();
        assert!(why.contains(says) && why.contains(name), "{why}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        assert_eq!(sandbox.state_path(), None);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_journal_never_shows_a_credential() {
    const CANARY: &str = "canary-4e1f9b7d";
    let sandbox = Sandbox::start().await.unwrap();
    // A password in a JSON body.
    sandbox
        .billmora
        .client()
        .unwrap()
        .users()
        .create(&billkit::billmora::NewUser::new(
            "Ola",
            "Nowak",
            "ola@example.com",
            format!("pw-{CANARY}"),
        ))
        .await
        .unwrap();
    // A token in a header and in the query, and a key in a form body.
    let http = reqwest::Client::new();
    let answer = http
        .post(format!(
            "{}/users?api_key={CANARY}&page=2",
            sandbox.billmora.base_url()
        ))
        .header("Authorization", format!("Bearer {CANARY}"))
        .header("Cookie", format!("session={CANARY}"))
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("processor_key={CANARY}&name=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    // Billy's key travels in Basic auth.
    sandbox
        .billy
        .client()
        .unwrap()
        .plans()
        .list()
        .page(1)
        .await
        .unwrap();

    let entries = sandbox.billmora.journal().entries();
    let text = serde_json::to_string(&entries).unwrap()
        + &serde_json::to_string(&sandbox.billy.journal().entries()).unwrap();
    assert!(!text.contains(CANARY), "{text}");
    assert!(!text.contains(sandbox.billmora.token()));
    assert!(!text.contains(sandbox.billy.api_key()));
    let refused = entries.last().unwrap();
    assert_eq!(refused.status, Some(401));
    assert_eq!(refused.path, "/api/v1/users");
    assert_eq!(
        refused.query,
        [
            ("api_key".to_owned(), REDACTED.to_owned()),
            ("page".to_owned(), "2".to_owned())
        ]
    );
    let header = |name: &str| {
        refused
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("authorization"), Some(REDACTED));
    assert_eq!(header("cookie"), Some(REDACTED));
    assert_eq!(refused.body, "processor_key=%5BREDACTED%5D&name=x");
    let created = &entries[0];
    let body: Value = serde_json::from_str(&created.body).unwrap();
    assert_eq!(body["password"], REDACTED);
    assert_eq!(body["email"], "ola@example.com");
}

#[tokio::test]
async fn the_journal_keeps_the_last_n_with_sequence_numbers_and_faults() {
    let mut options = SandboxOptions::default();
    options.journal_capacity = 3;
    let sandbox = Sandbox::start_with(options).await.unwrap();
    sandbox.billy.faults().on("GET", "/v1/plans").fail(1, 503);
    let billy = sandbox.billy.client().unwrap();
    for _ in 0..4 {
        billy.plans().list().page(1).await.unwrap();
    }
    // 5 requests: the faulted one was retried.
    let journal = sandbox.billy.journal();
    assert_eq!(journal.last_seq(), 5);
    let kept: Vec<(u64, Option<u16>)> = journal
        .entries()
        .iter()
        .map(|e| (e.seq, e.status))
        .collect();
    assert_eq!(kept, [(3, Some(200)), (4, Some(200)), (5, Some(200))]);
    let after: Vec<u64> = journal.since(4).iter().map(|e| e.seq).collect();
    assert_eq!(after, [5]);

    let sandbox = Sandbox::start().await.unwrap();
    sandbox.billy.faults().on("GET", "/v1/plans").fail(1, 503);
    sandbox
        .billy
        .client()
        .unwrap()
        .plans()
        .list()
        .page(1)
        .await
        .unwrap();
    let seen: Vec<(Option<u16>, Option<String>)> = sandbox
        .billy
        .journal()
        .entries()
        .into_iter()
        .map(|e| (e.status, e.fault))
        .collect();
    assert_eq!(
        seen,
        [(Some(503), Some("fail".to_owned())), (Some(200), None)]
    );
}

async fn admin() -> (Arc<Sandbox>, FakeServer) {
    let sandbox = Arc::new(Sandbox::start().await.unwrap());
    let server = billkit_sandbox::admin::serve(sandbox.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    (sandbox, server)
}

async fn call(server: &FakeServer, method: &str, path: &str, body: &str) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{}{path}", server.url()))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn the_admin_api_refuses_bad_input_saying_what_is_wrong() {
    let (sandbox, server) = admin().await;
    let cases = [
        (
            "POST",
            "/faults/billy",
            "{\"kind\": \"explode\"}",
            400,
            "unknown fault kind `explode`",
        ),
        (
            "POST",
            "/faults/billy",
            "kind=fail",
            400,
            "the body does not fit this route",
        ),
        (
            "POST",
            "/faults/billy",
            "{\"kind\": \"fail\", \"n\": 0}",
            400,
            "`n` must be at least 1",
        ),
        (
            "POST",
            "/faults/billy",
            "{\"kind\": \"fail\", \"status\": 999}",
            400,
            "`status` 999 is not an HTTP status",
        ),
        (
            "POST",
            "/faults/billy",
            "{\"kind\": \"fail\", \"method\": \"GET\"}",
            400,
            "give `method` and `path` together",
        ),
        (
            "POST",
            "/faults/billy",
            "{\"kind\": \"fail\", \"method\": \"FETCH\", \"path\": \"/v1/plans\"}",
            400,
            "`method` `FETCH` is not one of",
        ),
        (
            "POST",
            "/faults/billy",
            "{\"kind\": \"fail\", \"count\": 2}",
            400,
            "unknown field `count`",
        ),
        (
            "POST",
            "/faults/stripe",
            "{\"kind\": \"fail\"}",
            404,
            "no API `stripe`",
        ),
        (
            "POST",
            "/clock/advance",
            "{}",
            400,
            "say how far to advance",
        ),
        (
            "POST",
            "/clock/advance",
            "{\"days\": -1}",
            400,
            "the body does not fit this route",
        ),
        (
            "PUT",
            "/state",
            "{\"orders\": []}",
            400,
            "not a billkit sandbox state",
        ),
        ("PUT", "/state", "[1, 2", 400, "the body is not JSON"),
        (
            "GET",
            "/journal/billy?since=yesterday",
            "",
            400,
            "`since` must be a whole number",
        ),
        (
            "POST",
            "/billpro/checkouts/abc/complete",
            "",
            400,
            "order id must be a whole number",
        ),
        (
            "POST",
            "/billpro/checkouts/77/complete",
            "",
            409,
            "no pending or draft order 77",
        ),
        (
            "GET",
            "/no/such/route",
            "",
            404,
            "no admin route GET /no/such/route",
        ),
        (
            "DELETE",
            "/status",
            "",
            405,
            "DELETE is not served on /status",
        ),
    ];
    for (method, path, body, status, says) in cases {
        let (got, answer) = call(&server, method, path, body).await;
        assert_eq!(got, status, "{method} {path} {body}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(says), "{method} {path} {body}: {error}");
    }
    assert_eq!(sandbox.billy.faults().pending(), 0, "nothing was armed");
    assert_eq!(sandbox.clock().offset(), chrono::TimeDelta::zero());
}

#[tokio::test]
async fn faults_armed_through_the_admin_api_hit_as_faults_on_does() {
    let (sandbox, server) = admin().await;
    let (status, armed) = call(
        &server,
        "POST",
        "/faults/billpro",
        r#"{"kind": "throttle", "n": 2, "retry_after": 7, "method": "GET", "path": "/products/*"}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        armed,
        json!({"pending": 2, "armed": [{"method": "GET", "path": "/products/*", "kind": "throttle", "left": 2, "retry_after": 7}]})
    );
    let answer = reqwest::Client::new()
        .get(format!(
            "{}/products/1?profile_id=5",
            sandbox.billpro.base_url()
        ))
        .bearer_auth(sandbox.billpro.token())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 429);
    assert_eq!(answer.headers()["retry-after"], "7");
    let (_, journal) = call(&server, "GET", "/journal/billpro", "").await;
    assert_eq!(journal["entries"][0]["fault"], "throttle");
    assert_eq!(journal["entries"][0]["status"], 429);
    let (_, cleared) = call(&server, "DELETE", "/faults/billpro", "").await;
    assert_eq!(cleared, json!({"pending": 0, "armed": []}));
}

#[tokio::test]
async fn the_admin_api_completes_a_checkout_and_resets() {
    let (sandbox, server) = admin().await;
    let billpro = sandbox.billpro.client().unwrap();
    let customer = dana(&billpro).await;
    let order = single_order(&billpro, &customer, "INV-9").await;
    let path = format!("/billpro/checkouts/{}/complete", order.id.get());
    assert_eq!(call(&server, "POST", &path, "").await.0, 200);
    assert_eq!(
        billpro.orders().get(order.id).await.unwrap().status,
        OrderStatus::Complete
    );
    assert_eq!(call(&server, "POST", "/reset/billpro", "").await.0, 200);
    let gone = billpro.customers().get(customer.id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
}

#[tokio::test]
async fn a_port_in_use_is_an_error_naming_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    struct Nothing;
    impl billkit_sandbox::FakeApi for Nothing {
        fn handle(&self, _: &SandboxRequest) -> SandboxResponse {
            SandboxResponse::empty(204)
        }
    }
    let why = FakeServer::start_on(taken.local_addr().unwrap(), Nothing)
        .await
        .unwrap_err();
    assert_eq!(why.kind(), std::io::ErrorKind::AddrInUse);
    assert!(
        why.to_string().contains(&format!(
            "cannot listen on 127.0.0.1:{port}: port {port} is in use"
        )),
        "{why}"
    );
    let mut options = SandboxOptions::default();
    options.billy_port = port;
    let why = Sandbox::start_with(options).await.unwrap_err();
    assert!(
        why.to_string().starts_with(&format!(
            "Billy: cannot listen on 127.0.0.1:{port}: port {port} is in use"
        )),
        "{why}"
    );
}

#[tokio::test]
async fn fixed_ports_are_used_as_given() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let mut options = SandboxOptions::default();
    options.billmora_port = port;
    let sandbox = Sandbox::start_with(options).await.unwrap();
    assert_eq!(
        sandbox.billmora.base_url(),
        format!("http://127.0.0.1:{port}/api/v1")
    );
}
