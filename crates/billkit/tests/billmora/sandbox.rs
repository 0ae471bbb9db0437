//! The Billmora sandbox: the example workflow through the client, and the
//! fake's behaviour per endpoint (status codes, errors, paging, rate limit,
//! state rules).

use std::time::Duration;

use billkit::billmora::*;
use billkit::http::{ManualClock, RetryPolicy};
use billkit::{Decimal, TryStreamExt};
use billkit_sandbox::billmora::*;
use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::common::dec;

async fn start() -> (BillmoraSandbox, Client) {
    let sandbox = BillmoraSandbox::start().await.expect("sandbox starts");
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .token(sandbox.token())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (sandbox, client)
}

fn due() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 8, 3).unwrap()
}

/// A raw request, to see what the fake sends on the wire.
async fn raw(
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    accept_json: bool,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = http.request(method, url);
    if accept_json {
        req = req.header("accept", "application/json");
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn the_example_workflow_runs_against_the_sandbox() {
    let (sandbox, client) = start().await;
    let user = client
        .users()
        .create(&NewUser::new(
            "Dana",
            "Borys",
            "dana@example.com",
            "correct horse",
        ))
        .await
        .unwrap();
    assert_eq!(user.fullname, "Dana Borys");
    // UsersController::store answers the model as inserted.
    assert_eq!(
        (
            user.status.clone(),
            user.language.clone(),
            user.auto_credit_payment
        ),
        (None, None, None)
    );
    let stored = client.users().get(user.id).await.unwrap();
    assert_eq!(stored.status, Some(UserStatus::Active));
    assert_eq!(stored.language.as_deref(), Some("en_US"));
    assert_eq!(stored.auto_credit_payment, Some(false));
    assert_eq!(
        client
            .users()
            .find_by_email("DANA@example.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(user.id)
    );

    // The server computes the totals: positive lines are the subtotal,
    // negative ones the discount. The answer is re-read (tax present). A
    // second after the seed data, so it lists before the seed's invoices.
    sandbox.clock().advance(Duration::from_secs(1));
    let invoice = client
        .invoices()
        .create(
            &NewInvoice::new(user.id, due())
                .item("Hosting", 1, dec("30.00"))
                .item("Domain", 2, dec("12.99"))
                .item("Loyalty discount", 1, dec("-5.00")),
        )
        .await
        .unwrap();
    assert_eq!(invoice.status, InvoiceStatus::Unpaid);
    assert_eq!(invoice.subtotal.to_string(), "55.98");
    assert_eq!(invoice.discount.to_string(), "5.00");
    assert_eq!(invoice.total.to_string(), "50.98");
    assert_eq!(invoice.tax.to_string(), "0.00");
    assert_eq!(invoice.amount_due, dec("50.98"));
    assert_eq!(invoice.due_day(), due());
    let items = invoice.items.as_ref().unwrap();
    assert_eq!(items[1].amount.to_string(), "25.98");
    assert_eq!(items[2].unit_price.to_string(), "-5.00");
    assert_eq!(invoice.user.as_ref().map(|u| u.id), Some(user.id));
    // Nothing to pay: paid at once (InvoiceObserver). A second later, so
    // it is the newest (rows of one second list in id order, as on the
    // recorded server).
    sandbox.clock().advance(Duration::from_secs(1));
    let free = client
        .invoices()
        .create(&NewInvoice::new(user.id, due()).item("Voucher", 1, dec("-1.00")))
        .await
        .unwrap();
    assert_eq!(free.status, InvoiceStatus::Paid);
    assert!(free.paid_at.is_some());
    assert_eq!(free.amount_due, dec("0"));
    let mine = client
        .invoices()
        .list(&InvoiceFilter::new().user_id(user.id))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        mine.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![free.id, invoice.id]
    );
    assert_eq!(mine[0].items, None, "lists omit items");

    // Marking paid changes the status only: no paid_at, no transaction.
    let paid = client.invoices().mark_paid(SEED_INVOICE_ID).await.unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.paid_at, None);
    assert_eq!(paid.amount_due, dec("10.00"));
    assert_eq!(paid.tax, dec("0.00"));
    assert_eq!(paid.items.as_ref().map(Vec::len), Some(1));

    let unpaid: Vec<Invoice> = client
        .invoices()
        .list(&InvoiceFilter::new().status(InvoiceStatus::Unpaid))
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        unpaid.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![invoice.id, SEED_ORDER_INVOICE_ID]
    );
    assert_eq!(unpaid[0].items, None, "lists omit items");

    let again = client
        .invoices()
        .mark_unpaid(SEED_INVOICE_ID)
        .await
        .unwrap();
    assert_eq!((again.status, again.paid_at), (InvoiceStatus::Unpaid, None));
    // A due date is midnight in the server's timezone (Asia/Jakarta).
    let moved = client
        .invoices()
        .update(SEED_INVOICE_ID, &InvoiceUpdate::new().due_date(due()))
        .await
        .unwrap();
    assert_eq!(
        moved.due_date,
        chrono::DateTime::parse_from_rfc3339("2026-08-02T17:00:00Z").unwrap()
    );
    assert_eq!(moved.due_day(), due());
}

#[tokio::test]
async fn lists_are_laravel_pages_with_default_15() {
    let (sandbox, client) = start().await;
    sandbox.set_rate_limit(1000);
    for i in 0..19 {
        // One second apart: rows of the same second list oldest first (in
        // id order), as on the recorded server.
        sandbox.clock().advance(Duration::from_secs(1));
        client
            .users()
            .create(&NewUser::new(
                "Page",
                format!("User{i:02}"),
                format!("p{i}@example.com"),
                "password1",
            ))
            .await
            .unwrap();
    }
    let first = client
        .users()
        .list(&UserFilter::new())
        .page(1)
        .await
        .unwrap();
    assert_eq!(first.items.len(), 15, "per_page defaults to 15");
    assert_eq!((first.total, first.last_page), (Some(20), Some(2)));
    assert_eq!(first.items[0].last_name, "User18", "newest first");

    // A filtered walk keeps its filters and per_page on every page.
    let found: Vec<User> = client
        .users()
        .list(&UserFilter::new().search("user1"))
        .per_page(4)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<&str> = found.iter().map(|u| u.last_name.as_str()).collect();
    assert_eq!(names.len(), 9, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("User1")), "{names:?}");
    assert_eq!(
        sandbox.server().requests_served(),
        19 + 1 + 3,
        "9 matches in pages of 4: three requests"
    );

    // The envelope as sent: links carry only ?page=N.
    let (status, headers, body) = raw(
        reqwest::Method::GET,
        format!("{}/users?search=Page&per_page=4&page=2", sandbox.base_url()),
        Some(sandbox.token()),
        true,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    let meta = &body["meta"];
    assert_eq!(meta["current_page"], 2);
    assert_eq!(
        (meta["from"].clone(), meta["to"].clone()),
        (json!(5), json!(8))
    );
    assert_eq!(
        (
            meta["per_page"].clone(),
            meta["total"].clone(),
            meta["last_page"].clone()
        ),
        (json!(4), json!(19), json!(5))
    );
    let next = body["links"]["next"].as_str().unwrap();
    assert!(next.ends_with("/api/v1/users?page=3"), "{next}");
    let (_, _, empty) = raw(
        reqwest::Method::GET,
        format!(
            "{}/users?search=nobody&page=abc&per_page=0",
            sandbox.base_url()
        ),
        Some(sandbox.token()),
        true,
        None,
    )
    .await;
    assert_eq!(empty["data"], json!([]));
    assert_eq!(
        empty["meta"]["current_page"], 1,
        "a page that is not a number means 1"
    );
    assert_eq!(empty["meta"]["per_page"], 15, "0 means 15");
    assert_eq!(
        (empty["meta"]["from"].clone(), empty["meta"]["to"].clone()),
        (Value::Null, Value::Null)
    );
}

#[tokio::test]
async fn auth_failures() {
    let (sandbox, _) = start().await;
    let url = format!("{}/invoices", sandbox.base_url());
    let (status, headers, body) = raw(reqwest::Method::GET, url.clone(), None, true, None).await;
    assert_eq!(
        (status, body),
        (401, json!({"message": "Unauthenticated."}))
    );
    assert!(headers.get("x-ratelimit-limit").is_none());
    let (status, _, _) = raw(
        reqwest::Method::GET,
        url.clone(),
        Some("9|nope"),
        true,
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, headers, _) = raw(reqwest::Method::GET, url, None, false, None).await;
    assert_eq!(
        status, 302,
        "without Accept: application/json Laravel redirects to login"
    );
    let login = format!("{}/auth/login", sandbox.installation_url());
    assert_eq!(header(&headers, "location"), Some(login.as_str()));

    let client = Client::builder()
        .base_url(sandbox.installation_url())
        .token("9|nope")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.users().get(SEED_USER_ID).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn abilities_are_enforced() {
    let (sandbox, _) = start().await;
    let token = sandbox.add_token(&["invoices.view", "orders.view"]);
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .token(token)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert_eq!(
        client.invoices().get(SEED_INVOICE_ID).await.unwrap().id,
        SEED_INVOICE_ID
    );
    let err = client.users().get(SEED_USER_ID).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(err.missing_ability().as_deref(), Some("users.view"));
    let order = NewOrder::new(SEED_USER_ID, "USD", OrderStatus::Pending)
        .package_item(PackageItem::new(SEED_PACKAGE_ID, SEED_MONTHLY_PRICE_ID));
    let err = client.orders().create(&order).await.unwrap_err();
    assert_eq!(
        err.missing_ability().as_deref(),
        Some("orders.create"),
        "only * may create orders"
    );
    let err = client
        .invoices()
        .mark_paid(SEED_INVOICE_ID)
        .await
        .unwrap_err();
    assert_eq!(err.missing_ability().as_deref(), Some("invoices.update"));
}

#[tokio::test]
async fn middleware_runs_in_the_servers_order() {
    let (sandbox, _) = start().await;
    let base = sandbox.base_url();
    // Route-model binding runs right after authentication: an unknown id
    // is 404 before the IP allow list, the limiter and the ability check.
    let no_users = sandbox.add_token(&["invoices.view"]);
    let (status, headers, _) = raw(
        reqwest::Method::GET,
        format!("{base}/users/999"),
        Some(&no_users),
        true,
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(header(&headers, "x-ratelimit-limit"), None);
    let blocked = sandbox.add_ip_restricted_token(&["*"], &["203.0.113.7"]);
    let (status, _, _) = raw(
        reqwest::Method::GET,
        format!("{base}/users/999"),
        Some(&blocked),
        true,
        None,
    )
    .await;
    assert_eq!(status, 404);
    // The ability check comes after the limiter: a refusal is counted and
    // carries the rate headers.
    let (status, headers, body) = raw(
        reqwest::Method::GET,
        format!("{base}/users/{SEED_USER_ID}"),
        Some(&no_users),
        true,
        None,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(header(&headers, "x-ratelimit-limit"), Some("60"));
    assert_eq!(header(&headers, "x-ratelimit-remaining"), Some("59"));
    // The IP check comes before the limiter: not counted.
    let (status, headers, _) = raw(
        reqwest::Method::GET,
        format!("{base}/users/{SEED_USER_ID}"),
        Some(&blocked),
        true,
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(header(&headers, "x-ratelimit-limit"), None);
}

#[tokio::test]
async fn ip_allow_lists_and_the_webhook_route() {
    let (sandbox, _) = start().await;
    let blocked = sandbox.add_ip_restricted_token(&["*"], &["203.0.113.7"]);
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .token(blocked)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.tlds().get(SEED_TLD_ID).await.unwrap_err();
    assert!(err.is_ip_not_allowed(), "{err}");
    let allowed = sandbox.add_ip_restricted_token(&["tlds.view"], &["127.0.0.1"]);
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .token(allowed)
        .build()
        .unwrap();
    assert_eq!(client.tlds().get(SEED_TLD_ID).await.unwrap().tld, "com");

    let url = format!("{}/api/gateways/stripe/webhook", sandbox.installation_url());
    let (status, _, body) = raw(
        reqwest::Method::POST,
        url,
        None,
        true,
        Some(json!({"id": "evt_1"})),
    )
    .await;
    // No gateway plugin is installed (as on the recorded server): the route
    // cannot bind `{plugin}`.
    assert_eq!(
        (status, body),
        (
            404,
            json!({"message": "No query results for model [App\\Models\\Plugin] stripe"})
        )
    );
}

#[tokio::test]
async fn per_token_rate_limit_with_headers_and_429() {
    let (sandbox, _) = start().await;
    sandbox.set_rate_limit(3);
    let url = format!("{}/tlds", sandbox.base_url());
    let token = sandbox.token();
    for remaining in ["2", "1", "0"] {
        let (status, headers, _) =
            raw(reqwest::Method::GET, url.clone(), Some(token), true, None).await;
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "x-ratelimit-limit"), Some("3"));
        assert_eq!(header(&headers, "x-ratelimit-remaining"), Some(remaining));
    }
    // 404s are answered before the limiter, without rate headers.
    let (status, headers, body) = raw(
        reqwest::Method::GET,
        format!("{url}/999"),
        Some(token),
        true,
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        r"No query results for model [App\Models\Tld] 999"
    );
    assert!(headers.get("x-ratelimit-remaining").is_none());

    let (status, headers, body) =
        raw(reqwest::Method::GET, url.clone(), Some(token), true, None).await;
    assert_eq!(status, 429);
    assert_eq!(
        body["message"],
        "Too many requests. Please try again later."
    );
    let retry: u64 = header(&headers, "retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(header(&headers, "x-ratelimit-remaining"), Some("0"));

    // Through the client: a typed 429 with Retry-After (no real waiting).
    let clock = ManualClock::new();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .token(token)
        .manual_time(&clock)
        .build()
        .unwrap();
    let err = client.tlds().get(SEED_TLD_ID).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(
        err.retry_after()
            .is_some_and(|d| d <= Duration::from_secs(60))
    );

    // Other tokens have their own quota.
    let other = sandbox.add_token(&["*"]);
    let (status, _, _) = raw(reqwest::Method::GET, url.clone(), Some(&other), true, None).await;
    assert_eq!(status, 200);
    sandbox.reset_rate_limits();
    let (status, _, _) = raw(reqwest::Method::GET, url, Some(token), true, None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn not_found_and_method_not_allowed() {
    let (sandbox, client) = start().await;
    let err = client.invoices().get(4242).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.api_error().unwrap().message(),
        Some(r"No query results for model [App\Models\Invoice] 4242")
    );
    let token = sandbox.token();
    let (status, _, body) = raw(
        reqwest::Method::PATCH,
        format!("{}/users/1", sandbox.base_url()),
        Some(token),
        true,
        Some(json!({"first_name": "X"})),
    )
    .await;
    assert_eq!(status, 405);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("The PATCH method is not supported for route api/v1/users/1.")
    );
    let (status, _, _) = raw(
        reqwest::Method::POST,
        format!("{}/services", sandbox.base_url()),
        Some(token),
        true,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 405, "services have no create");
    let (status, _, _) = raw(
        reqwest::Method::GET,
        format!("{}/nothing", sandbox.base_url()),
        Some(token),
        true,
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn validation_errors_and_server_errors() {
    let (sandbox, client) = start().await;
    let token = sandbox.token();
    let base = sandbox.base_url();

    // Laravel's 422 map, field by field.
    let (status, _, body) = raw(
        reqwest::Method::POST,
        format!("{base}/users"),
        Some(token),
        true,
        Some(json!({"first_name": "A", "password": "short"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["message"],
        "The last name field is required. (and 2 more errors)"
    );
    assert_eq!(
        body["errors"]["email"],
        json!(["The email field is required."])
    );
    assert_eq!(
        body["errors"]["password"],
        json!(["The password field must be at least 8 characters."])
    );

    // Through the client: a taken email.
    let err = client
        .users()
        .create(&NewUser::new(
            "Dup",
            "User",
            "customer@example.com",
            "password1",
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.validation_errors()["email"],
        vec!["The email has already been taken.".to_string()]
    );
    assert!(err.is_duplicate());

    // An invoice item error names the nested field.
    let (status, _, body) = raw(
        reqwest::Method::POST,
        format!("{base}/invoices"),
        Some(token),
        true,
        Some(json!({"user_id": 1, "due_date": "2026-08-03", "items": [{"description": "x", "quantity": 0, "unit_price": 1}]})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["items.0.quantity"],
        json!(["The items.0.quantity field must be at least 1."])
    );

    // Orders: no items is a message-only 422; a missing `coupon` key a 500.
    let (status, _, body) = raw(
        reqwest::Method::POST,
        format!("{base}/orders"),
        Some(token),
        true,
        Some(json!({"user_id": 1, "currency": "USD", "coupon": null, "status": "pending"})),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            422,
            json!({"message": "At least one package or domain item is required."})
        )
    );
    let (status, _, body) = raw(
        reqwest::Method::POST,
        format!("{base}/orders"),
        Some(token),
        true,
        Some(json!({"user_id": 1, "currency": "USD", "status": "pending", "package_items": [{"package_id": 1, "billing_id": 1}]})),
    )
    .await;
    assert_eq!(status, 500);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Failed to create order:")
    );

    // A package without slug/description, a user with currency: 500.
    let (status, _, body) = raw(
        reqwest::Method::POST,
        format!("{base}/packages"),
        Some(token),
        true,
        Some(json!({"name": "X", "catalog_id": 1})),
    )
    .await;
    assert_eq!((status, body), (500, json!({"message": "Server Error"})));
    let (status, _, _) = raw(
        reqwest::Method::POST,
        format!("{base}/users"),
        Some(token),
        true,
        Some(json!({"first_name": "A", "last_name": "B", "email": "ab@example.com", "password": "password1", "currency": "USD"})),
    )
    .await;
    assert_eq!(status, 500);

    // Amounts beyond decimal(15,2) pass `numeric` and fail in MySQL.
    let (status, _, body) = raw(
        reqwest::Method::POST,
        format!("{base}/invoices"),
        Some(token),
        true,
        Some(json!({"user_id": 1, "due_date": "2026-08-03",
                    "items": [{"description": "x", "quantity": 1000000, "unit_price": 1e27}]})),
    )
    .await;
    assert_eq!((status, body), (500, json!({"message": "Server Error"})));
    // A date the `date` rule accepts and a MySQL timestamp cannot hold.
    let (status, _, _) = raw(
        reqwest::Method::PUT,
        format!("{base}/invoices/{SEED_INVOICE_ID}"),
        Some(token),
        true,
        Some(json!({"due_date": "2107-01-01"})),
    )
    .await;
    assert_eq!(status, 500);
    // `language` passes `max:10` and overflows the char(5) column.
    let (status, _, _) = raw(
        reqwest::Method::POST,
        format!("{base}/users"),
        Some(token),
        true,
        Some(
            json!({"first_name": "A", "last_name": "B", "email": "ab@example.com",
                    "password": "password1", "language": "en_US_x"}),
        ),
    )
    .await;
    assert_eq!(status, 500);

    // Unknown billing id and currency.
    let order = NewOrder::new(SEED_USER_ID, "GBP", OrderStatus::Pending)
        .package_item(PackageItem::new(SEED_PACKAGE_ID, 999));
    let err = client.orders().create(&order).await.unwrap_err();
    let fields = err.validation_errors();
    assert!(fields.contains_key("currency"), "{fields:?}");
    assert!(
        fields.contains_key("package_items.0.billing_id"),
        "{fields:?}"
    );
}

#[tokio::test]
async fn orders_services_and_domains_follow_the_server() {
    let (sandbox, client) = start().await;
    // OrderService::createOrder: the order as inserted (no tax), with its
    // services, domains and invoice loaded.
    sandbox.clock().advance(Duration::from_secs(1));
    let placed = client
        .orders()
        .create(
            &NewOrder::new(SEED_USER_ID, "USD", OrderStatus::Pending)
                .package_item(PackageItem::new(SEED_PACKAGE_ID, SEED_MONTHLY_PRICE_ID).quantity(2))
                .domain_item(DomainItem::register("borys.com", SEED_TLD_ID, 2)),
        )
        .await
        .unwrap();
    assert_eq!(placed.status, OrderStatus::Pending);
    assert_eq!(placed.tax, None, "not re-read");
    assert_eq!(
        placed.subtotal.to_string(),
        "45.98",
        "2 x 10.00 + 2 years x 12.99"
    );
    assert_eq!(placed.setup_fee.to_string(), "10.00");
    assert_eq!(placed.total.to_string(), "55.98");
    assert_eq!(placed.services.as_ref().map(Vec::len), Some(2));
    assert_eq!(placed.registrants.as_ref().unwrap()[0].domain, "borys.com");
    let invoice = &placed.invoices.as_ref().unwrap()[0];
    assert_eq!((invoice.total, invoice.tax), (dec("55.98"), dec("0.00")));
    let reread = client.orders().get(placed.id).await.unwrap();
    assert_eq!(reread.tax, Some(dec("0.00")));
    let orders = client
        .orders()
        .list(&OrderFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        orders.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![placed.id, SEED_ORDER_ID]
    );

    // The seeded order, with every relation.
    let order = client.orders().get(SEED_ORDER_ID).await.unwrap();
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.tax, Some(dec("0.00")));
    let services = order.services.as_ref().unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].status, ServiceStatus::Pending);
    let regs = order.registrants.as_ref().unwrap();
    assert_eq!((regs[0].domain.as_str(), regs[0].years), ("borys.net", 1));
    let invoices = order.invoices.as_ref().unwrap();
    assert_eq!(invoices[0].id, SEED_ORDER_INVOICE_ID);

    // Completing activates services and pending domains; the invoice stays
    // unpaid (OrderService reads a relation that does not exist).
    let done = client
        .orders()
        .update(SEED_ORDER_ID, &OrderUpdate::new(OrderStatus::Completed))
        .await
        .unwrap();
    assert!(done.completed_at.is_some() && done.cancelled_at.is_none());
    assert_eq!(
        done.services.as_ref().unwrap()[0].status,
        ServiceStatus::Active
    );
    assert_eq!(
        done.registrants.as_ref().unwrap()[0].status,
        RegistrantStatus::Active
    );
    assert_eq!(
        done.invoices.as_ref().unwrap()[0].status,
        InvoiceStatus::Unpaid
    );
    let failed = client
        .orders()
        .update(SEED_ORDER_ID, &OrderUpdate::new(OrderStatus::Failed))
        .await
        .unwrap();
    assert!(failed.cancelled_at.is_some() && failed.completed_at.is_none());
    assert_eq!(
        failed.services.as_ref().unwrap()[0].status,
        ServiceStatus::Cancelled
    );

    // Every service read fails (the missing `scalings` relation); an
    // update lands before the 500.
    for err in [
        client.services().get(SEED_SERVICE_ID).await.unwrap_err(),
        client
            .services()
            .list(&ServiceFilter::new())
            .collect_all()
            .await
            .unwrap_err(),
        client
            .services()
            .update(SEED_SERVICE_ID, &ServiceUpdate::new().name("Renamed"))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(
            err.known_server_bug(),
            Some(KnownServerBug::ServiceScalingsRelation)
        );
    }
    let order = client.orders().get(SEED_ORDER_ID).await.unwrap();
    assert_eq!(order.services.as_ref().unwrap()[0].name, "Renamed");
    let none = client
        .services()
        .list(&ServiceFilter::new().status(ServiceStatus::Terminated))
        .collect_all()
        .await
        .unwrap();
    assert!(none.is_empty(), "an empty page loads no relation");

    // Registrants: only the sent columns change.
    let reg = client
        .registrants()
        .update(
            SEED_REGISTRANT_ID,
            &RegistrantUpdate::new()
                .status(RegistrantStatus::Suspended)
                .nameservers(["ns1.example.net", "ns2.example.net"]),
        )
        .await
        .unwrap();
    assert_eq!(reg.status, RegistrantStatus::Suspended);
    assert_eq!(reg.suspended_at, None);
    assert_eq!(reg.nameservers.as_ref().map(Vec::len), Some(2));
    assert_eq!(reg.tld.as_ref().map(|t| t.tld.as_str()), Some(".net"));

    // The domain check finds only TLDs stored with their dot.
    let check = client.domains().check("borys.net").await.unwrap();
    assert!(!check.available && check.success);
    assert_eq!(check.tld_id, Some(SEED_DOTTED_TLD_ID));
    let check = client.domains().check("fresh-name.net").await.unwrap();
    assert!(check.available);
    let err = client.domains().check("fresh-name.com").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(
        err.known_server_bug(),
        Some(KnownServerBug::DomainCheckTldLookup)
    );
    assert!(
        client
            .domains()
            .check("a.net")
            .await
            .unwrap_err()
            .is_invalid_input()
    );
}

#[tokio::test]
async fn seed_catalog_package_variant_and_tld() {
    let (_sandbox, client) = start().await;
    let package = client.packages().get(SEED_PACKAGE_ID).await.unwrap();
    assert_eq!(package.name, "Starter");
    assert_eq!(
        package.catalog.as_ref().map(|c| c.id),
        Some(SEED_CATALOG_ID)
    );
    let prices = package.prices.as_ref().unwrap();
    let monthly = prices
        .iter()
        .find(|p| p.id == SEED_MONTHLY_PRICE_ID)
        .unwrap();
    assert_eq!(
        monthly.rates.as_ref().unwrap()["USD"].price,
        Some(dec("10.00"))
    );
    assert_eq!(package.variants.as_ref().unwrap()[0].id, SEED_VARIANT_ID);
    let listed = client
        .packages()
        .list(&PackageFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert!(listed[0].catalog.is_some() && listed[0].prices.is_none());

    let catalog = client.catalogs().get(SEED_CATALOG_ID).await.unwrap();
    assert_eq!(catalog.packages.as_ref().map(Vec::len), Some(1));
    let variants = client
        .variants()
        .list(&VariantFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(variants[0].options.as_ref().map(Vec::len), Some(2));
    let tld = client.tlds().get(SEED_TLD_ID).await.unwrap();
    assert_eq!(tld.tld, "com");
    assert_eq!(tld.prices.as_ref().unwrap()[0].register_price, dec("12.99"));
    let tlds = client
        .tlds()
        .list(&TldFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert_eq!(tlds[0].prices, None, "lists omit prices");
}

#[tokio::test]
async fn catalog_management_round_trip() {
    let (_sandbox, client) = start().await;
    let catalog = client
        .catalogs()
        .create(&NewCatalog::new("VPS", "vps", "Virtual servers").sort_order(5))
        .await
        .unwrap();
    // As inserted: what was not sent is null, and nothing is loaded.
    assert_eq!(
        (
            catalog.status.clone(),
            catalog.sort_order,
            catalog.packages.clone()
        ),
        (None, Some(5), None)
    );
    let package = client
        .packages()
        .create(
            &NewPackage::new(catalog.id, "VPS 1", "vps-1", "1 vCPU")
                .stock(10)
                .allow_quantity(AllowQuantity::Multiple),
        )
        .await
        .unwrap();
    assert_eq!(
        (package.stock, package.allow_quantity.clone()),
        (Some(10), Some(AllowQuantity::Multiple))
    );
    assert_eq!(
        (
            package.per_user_limit,
            package.auto_provision,
            package.status.clone()
        ),
        (None, None, None)
    );
    assert_eq!(package.catalog.as_ref().map(|c| c.id), Some(catalog.id));
    let stored = client.packages().get(package.id).await.unwrap();
    assert_eq!(
        (stored.per_user_limit, stored.auto_provision),
        (Some(-1), Some(true))
    );
    let err = client
        .packages()
        .create(&NewPackage::new(catalog.id, "VPS 2", "vps-1", "again"))
        .await
        .unwrap_err();
    assert!(err.validation_errors().contains_key("slug"));
    let package = client
        .packages()
        .update(
            package.id,
            &PackageUpdate::new().status(PackageStatus::Hidden),
        )
        .await
        .unwrap();
    assert_eq!(package.status, Some(PackageStatus::Hidden));
    let hidden = client
        .packages()
        .list(&PackageFilter::new().status(PackageStatus::Hidden))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(hidden.len(), 1);

    let err = client
        .variants()
        .create(&NewVariant::new("Disk", "disk"))
        .await
        .unwrap_err();
    assert_eq!(
        err.known_server_bug(),
        Some(KnownServerBug::VariantTypeColumn)
    );
    let variant = client
        .variants()
        .update(
            SEED_VARIANT_ID,
            &VariantUpdate::new().status(VariantStatus::Hidden),
        )
        .await
        .unwrap();
    assert_eq!(
        (variant.status.clone(), variant.is_scalable),
        (VariantStatus::Hidden, true)
    );
    let tld = client
        .tlds()
        .create(&NewTld::new("dev", TldStatus::Visible, 1, 5))
        .await
        .unwrap();
    assert_eq!((tld.min_years, tld.max_years), (1, 5));
    assert_eq!(
        (tld.grace_period_days, tld.sort_order, tld.prices.clone()),
        (None, None, None)
    );
    let err = client
        .tlds()
        .create(&NewTld::new("dev", TldStatus::Visible, 1, 5))
        .await
        .unwrap_err();
    assert_eq!(
        err.validation_errors()["tld"],
        vec!["The tld has already been taken.".to_string()]
    );
    // The API has no min <= max rule.
    let tld = client
        .tlds()
        .update(tld.id, &TldUpdate::new().min_years(6))
        .await
        .unwrap();
    assert_eq!((tld.min_years, tld.max_years), (6, 5));
    assert_eq!(tld.grace_period_days, Some(0));
    // A catalog that still holds packages cannot go (foreign key).
    let err = client.catalogs().delete(SEED_CATALOG_ID).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));

    assert_eq!(
        client.packages().delete(package.id).await.unwrap().message,
        "Package deleted successfully."
    );
    assert!(
        client
            .packages()
            .get(package.id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(
        client.catalogs().delete(catalog.id).await.unwrap().message,
        "Catalog deleted successfully."
    );
    assert_eq!(
        client.variants().delete(variant.id).await.unwrap().message,
        "Variant deleted successfully."
    );
    assert_eq!(
        client.tlds().delete(tld.id).await.unwrap().message,
        "TLD deleted successfully."
    );
}

#[tokio::test]
async fn tickets_and_users_lifecycle() {
    let (_sandbox, client) = start().await;
    let ticket = client
        .tickets()
        .create(&NewTicket::new(
            SEED_USER_ID,
            "Site down",
            "Technical",
            TicketPriority::High,
            "Help!",
        ))
        .await
        .unwrap();
    assert_eq!(ticket.status, TicketStatus::Open);
    let msgs = ticket.messages.as_ref().unwrap();
    assert_eq!(
        (msgs.len(), msgs[0].message.as_str(), msgs[0].is_staff_reply),
        (1, "Help!", false)
    );
    let closed = client
        .tickets()
        .update(ticket.id, &TicketUpdate::new().status(TicketStatus::Closed))
        .await
        .unwrap();
    assert_eq!(closed.status, TicketStatus::Closed);
    assert_eq!(closed.closed_at, None, "the API sets only the status");
    let err = client
        .tickets()
        .update(
            ticket.id,
            &TicketUpdate::new().status(TicketStatus::CustomerReply),
        )
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "not a value of the column: refused");
    let high = client
        .tickets()
        .list(
            &TicketFilter::new()
                .priority(TicketPriority::High)
                .user_id(SEED_USER_ID),
        )
        .collect_all()
        .await
        .unwrap();
    assert_eq!(high.len(), 1);
    assert_eq!(
        client.tickets().delete(ticket.id).await.unwrap().message,
        "Ticket deleted successfully."
    );

    let user = client
        .users()
        .update(SEED_USER_ID, &UserUpdate::new().last_name("Renamed"))
        .await
        .unwrap();
    assert_eq!(user.fullname, "Sandbox Renamed");
    let suspended = client
        .users()
        .update(
            SEED_USER_ID,
            &UserUpdate::new().status(UserStatus::Suspended),
        )
        .await
        .unwrap();
    assert_eq!(suspended.status, Some(UserStatus::Suspended));
    assert_eq!(
        client.users().delete(SEED_USER_ID).await.unwrap().message,
        "User deleted successfully."
    );
    assert!(
        client
            .users()
            .get(SEED_USER_ID)
            .await
            .unwrap_err()
            .is_not_found()
    );
    // Soft-deleted: the email stays taken but the user is invisible (so a
    // lookup by email finds nothing), and the user's invoices render their
    // loaded `user` as null.
    let err = client
        .users()
        .create(&NewUser::new(
            "New",
            "Owner",
            "customer@example.com",
            "password1",
        ))
        .await
        .unwrap_err();
    assert!(err.validation_errors().contains_key("email"));
    assert_eq!(
        client
            .users()
            .find_by_email("customer@example.com")
            .await
            .unwrap(),
        None
    );
    let invoices = client
        .invoices()
        .list(&InvoiceFilter::new())
        .collect_all()
        .await
        .unwrap();
    assert!(invoices.iter().all(|i| i.user.is_none()));
    let raw_invoice = client.invoices().get(SEED_INVOICE_ID).await.unwrap();
    assert_eq!(raw_invoice.user, None);
    let d = client.invoices().delete(SEED_INVOICE_ID).await.unwrap();
    assert_eq!(d.message, "Invoice deleted successfully.");
}

#[tokio::test]
async fn faults_from_the_core_reach_the_client() {
    let (sandbox, _) = start().await;
    let clock = ManualClock::new();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .token(sandbox.token())
        .manual_time(&clock)
        .build()
        .unwrap();
    sandbox.server().faults().fail_next(2, 503);
    let tld = client.tlds().get(SEED_TLD_ID).await.unwrap();
    assert_eq!(tld.id, SEED_TLD_ID);
    assert_eq!(clock.sleeps().len(), 2, "two 503s retried");
    // A create keyed by a unique column is resent after an unknown
    // outcome (Billmora refuses a second user with the email).
    sandbox.server().faults().on("POST", "/users").fail(1, 503);
    let before = sandbox.server().requests_served();
    let user = client
        .users()
        .create(&NewUser::new("A", "B", "ab@example.com", "password1"))
        .await
        .unwrap();
    assert_eq!(user.email, "ab@example.com");
    // The 503, the lookup by email, the second create.
    assert_eq!(sandbox.server().requests_served() - before, 3);
    let _ = Decimal::ZERO;
}

#[tokio::test]
async fn paying_an_order_invoice_provisions_its_services_and_domains() {
    let (_sandbox, client) = start().await;
    let paid = client
        .invoices()
        .mark_paid(SEED_ORDER_INVOICE_ID)
        .await
        .unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    // The Paid listeners (queued on a real installation): the order's
    // pending auto-provisioned service goes active, which completes the
    // order; its pending domain is registered.
    let order = client.orders().get(SEED_ORDER_ID).await.unwrap();
    let service = &order.services.as_ref().unwrap()[0];
    assert_eq!(service.status, ServiceStatus::Active);
    assert!(service.activated_at.is_some());
    let domain = &order.registrants.as_ref().unwrap()[0];
    assert_eq!(domain.status, RegistrantStatus::Active);
    assert!(domain.registered_at.is_some() && domain.expires_at.is_some());
    assert_eq!(order.status, OrderStatus::Completed);
    assert!(order.completed_at.is_some());
    // Marking it unpaid again undoes none of that.
    client
        .invoices()
        .mark_unpaid(SEED_ORDER_INVOICE_ID)
        .await
        .unwrap();
    let order = client.orders().get(SEED_ORDER_ID).await.unwrap();
    assert_eq!(order.status, OrderStatus::Completed);
}

#[tokio::test]
async fn search_escapes_the_other_filters_as_on_the_server() {
    let (_sandbox, client) = start().await;
    let other = client
        .users()
        .create(&NewUser::new(
            "Ola",
            "Nowak",
            "ola@example.com",
            "password1",
        ))
        .await
        .unwrap();
    for user in [SEED_USER_ID, other.id] {
        client
            .tickets()
            .create(&NewTicket::new(
                user,
                "Site down",
                "Technical",
                TicketPriority::Low,
                "Help",
            ))
            .await
            .unwrap();
    }
    // `user_id` binds to `ticket_number LIKE`, not to `subject LIKE`.
    let found = client
        .tickets()
        .list(&TicketFilter::new().user_id(SEED_USER_ID).search("down"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(found.len(), 2, "the other user's ticket leaks in");
    let mine = client
        .tickets()
        .list(&TicketFilter::new().user_id(SEED_USER_ID))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    // Users: `status` binds to `last_name LIKE` only.
    let suspended = client
        .users()
        .list(
            &UserFilter::new()
                .search("example.com")
                .status(UserStatus::Suspended),
        )
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        suspended.len(),
        2,
        "no user is suspended, both emails match"
    );
}
