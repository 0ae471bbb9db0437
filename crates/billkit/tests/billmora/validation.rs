//! Invalid input is refused before anything is sent.

use billkit::billmora::*;
use billkit::{Decimal, Error};
use chrono::NaiveDate;
use wiremock::MockServer;

use crate::common::*;

fn due() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 8, 3).unwrap()
}

/// Asserts `result` is an invalid-input error about `field`.
fn refused<T: std::fmt::Debug>(result: billkit::Result<T>, field: &str) {
    match result {
        Err(Error::InvalidInput {
            field: f, message, ..
        }) => {
            assert_eq!(f, field, "{message}");
            assert!(!message.is_empty());
        }
        other => panic!("expected invalid input on `{field}`, got {other:?}"),
    }
}

#[tokio::test]
async fn nothing_invalid_reaches_the_server() {
    let server = MockServer::start().await;
    let c = client(&server);
    let long = "x".repeat(256);

    // users
    let u = || NewUser::new("Dana", "Borys", "dana@example.com", "correct horse");
    refused(
        c.users()
            .create(&NewUser::new("Dana", "Borys", "dana@example.com", "short"))
            .await,
        "password",
    );
    refused(
        c.users()
            .create(&NewUser::new(
                "",
                "Borys",
                "dana@example.com",
                "correct horse",
            ))
            .await,
        "first_name",
    );
    refused(
        c.users()
            .create(&NewUser::new(
                "Dana",
                &long,
                "dana@example.com",
                "correct horse",
            ))
            .await,
        "last_name",
    );
    refused(
        c.users()
            .create(&NewUser::new(
                "Dana",
                "Borys",
                "dana.example.com",
                "correct horse",
            ))
            .await,
        "email",
    );
    refused(
        c.users().create(&u().status(UserStatus::Inactive)).await,
        "status",
    );
    refused(
        c.users().create(&u().language("en_US_POSIX")).await,
        "language",
    );
    refused(
        c.users()
            .update(12, &UserUpdate::new().password("1234567"))
            .await,
        "password",
    );

    // services
    refused(
        c.services()
            .update(30, &ServiceUpdate::new().status("paused"))
            .await,
        "status",
    );

    // invoices
    refused(
        c.invoices().create(&NewInvoice::new(12, due())).await,
        "items",
    );
    refused(
        c.invoices()
            .create(&NewInvoice::new(12, due()).item("Hosting", 0, Decimal::ONE))
            .await,
        "items.0.quantity",
    );
    refused(
        c.invoices()
            .create(
                &NewInvoice::new(12, due())
                    .item("Hosting", 1, Decimal::ONE)
                    .item(&long, 1, Decimal::ONE),
            )
            .await,
        "items.1.description",
    );
    refused(
        c.invoices()
            .create(
                &NewInvoice::new(12, due())
                    .item("Hosting", 1, Decimal::ONE)
                    .status("void"),
            )
            .await,
        "status",
    );
    refused(
        c.invoices()
            .update(55, &InvoiceUpdate::new().status("overdue"))
            .await,
        "status",
    );

    // orders
    refused(
        c.orders()
            .create(&NewOrder::new(12, "USD", OrderStatus::Pending))
            .await,
        "items",
    );
    let pkg = || PackageItem::new(7, 21);
    refused(
        c.orders()
            .create(&NewOrder::new(12, "USDX", OrderStatus::Pending).package_item(pkg()))
            .await,
        "currency",
    );
    refused(
        c.orders()
            .create(&NewOrder::new(12, "USD", "on_hold").package_item(pkg()))
            .await,
        "status",
    );
    refused(
        c.orders()
            .create(&NewOrder::new(12, "USD", OrderStatus::Pending).package_item(pkg().quantity(0)))
            .await,
        "package_items.0.quantity",
    );
    refused(
        c.orders()
            .create(
                &NewOrder::new(12, "USD", OrderStatus::Pending)
                    .package_item(pkg().variant_option(5, Vec::<u64>::new())),
            )
            .await,
        "package_items.0.variant_options.5",
    );
    refused(
        c.orders()
            .create(
                &NewOrder::new(12, "USD", OrderStatus::Pending)
                    .domain_item(DomainItem::register("a.com", 2, 0)),
            )
            .await,
        "domain_items.0.years",
    );
    refused(
        c.orders()
            .create(
                &NewOrder::new(12, "USD", OrderStatus::Pending).domain_item(DomainItem::register(
                    "x".repeat(256),
                    2,
                    1,
                )),
            )
            .await,
        "domain_items.0.domain",
    );
    refused(
        c.orders().update(77, &OrderUpdate::new("shipped")).await,
        "status",
    );

    // tickets
    refused(
        c.tickets()
            .create(&NewTicket::new(12, "", "Tech", TicketPriority::Low, "Hi"))
            .await,
        "subject",
    );
    refused(
        c.tickets()
            .create(&NewTicket::new(
                12,
                "Hi",
                "Tech",
                TicketPriority::Normal,
                "Hi",
            ))
            .await,
        "priority",
    );
    refused(
        c.tickets()
            .create(&NewTicket::new(12, "Hi", "Tech", TicketPriority::Low, " "))
            .await,
        "message",
    );
    refused(
        c.tickets()
            .update(9, &TicketUpdate::new().status(TicketStatus::Replied))
            .await,
        "status",
    );

    // packages
    let p = || NewPackage::new(3, "Starter", "starter", "1 site");
    refused(c.packages().create(&p().stock(-2)).await, "stock");
    refused(
        c.packages().create(&p().per_user_limit(-5)).await,
        "per_user_limit",
    );
    refused(
        c.packages().create(&p().prorata_day(32)).await,
        "prorata_day",
    );
    refused(
        c.packages().create(&p().prorata_next_month_day(40)).await,
        "prorata_next_month_day",
    );
    refused(c.packages().create(&p().status("archived")).await, "status");
    refused(
        c.packages()
            .create(&NewPackage::new(3, "Starter", "starter", ""))
            .await,
        "description",
    );
    refused(
        c.packages()
            .update(7, &PackageUpdate::new().allow_quantity("many"))
            .await,
        "allow_quantity",
    );

    // catalogs and variants
    refused(
        c.catalogs()
            .create(&NewCatalog::new("Web", "", "Plans"))
            .await,
        "slug",
    );
    refused(
        c.variants().create(&NewVariant::new("Memory", "")).await,
        "code",
    );
    refused(
        c.variants().update(5, &VariantUpdate::new().name("")).await,
        "name",
    );

    // registrants
    refused(
        c.registrants()
            .update(
                40,
                &RegistrantUpdate::new().nameservers(Vec::<String>::new()),
            )
            .await,
        "nameservers",
    );
    let six: Vec<String> = (1..=6).map(|i| format!("ns{i}.example.net")).collect();
    refused(
        c.registrants()
            .update(40, &RegistrantUpdate::new().nameservers(six))
            .await,
        "nameservers",
    );

    // tlds
    refused(
        c.tlds()
            .create(&NewTld::new("a".repeat(21), TldStatus::Visible, 1, 10))
            .await,
        "tld",
    );
    refused(
        c.tlds()
            .create(&NewTld::new(
                "com",
                TldStatus::Unknown("active".into()),
                1,
                10,
            ))
            .await,
        "status",
    );
    refused(
        c.tlds()
            .create(&NewTld::new("com", TldStatus::Visible, 0, 10))
            .await,
        "min_years",
    );
    refused(
        c.tlds().update(2, &TldUpdate::new().min_years(0)).await,
        "min_years",
    );

    // domain check
    refused(c.domains().check("localhost").await, "domain");
    refused(c.domains().check("").await, "domain");

    let sent = server.received_requests().await.unwrap();
    assert!(
        sent.is_empty(),
        "{} invalid request(s) were sent",
        sent.len()
    );
}

#[test]
fn limits_themselves_are_accepted() {
    // The edges of each range are valid (checked without a server through
    // the request body the endpoint would send).
    let order = NewOrder::new(12, "USD", OrderStatus::Pending)
        .domain_item(DomainItem::register("a.com", 2, 10));
    assert_eq!(
        serde_json::to_value(&order).unwrap()["coupon"],
        serde_json::Value::Null,
        "coupon is always present"
    );
    let p = NewPackage::new(3, "S", "s", "d")
        .stock(-1)
        .per_user_limit(-1)
        .prorata_day(31);
    assert_eq!(serde_json::to_value(&p).unwrap()["prorata_day"], 31);
}

#[tokio::test]
async fn values_the_columns_cannot_hold_are_refused() {
    let server = MockServer::start().await;
    let c = client(&server);
    let late = NaiveDate::from_ymd_opt(2106, 2, 7).unwrap();
    refused(
        c.invoices()
            .update(55, &InvoiceUpdate::new().due_date(late))
            .await,
        "due_date",
    );
    refused(
        c.invoices()
            .create(&NewInvoice::new(12, late).item("x", 1, dec("1.00")))
            .await,
        "due_date",
    );
    refused(
        c.services()
            .update(30, &ServiceUpdate::new().next_due_date(late))
            .await,
        "next_due_date",
    );
    refused(
        c.invoices()
            .create(&NewInvoice::new(12, due()).item("x", 1, dec("1.005")))
            .await,
        "items.0.unit_price",
    );
    refused(
        c.users()
            .create(&NewUser::new("A", "B", "ab@example.com", "password1").language("en_US_x"))
            .await,
        "language",
    );
    refused(
        c.tickets()
            .update(9, &TicketUpdate::new().status(TicketStatus::CustomerReply))
            .await,
        "status",
    );
    refused(
        c.registrants()
            .update(
                40,
                &RegistrantUpdate::new().status(RegistrantStatus::Redemption),
            )
            .await,
        "status",
    );
    refused(
        c.packages()
            .update(7, &PackageUpdate::new().sort_order(i64::from(i32::MAX) + 1))
            .await,
        "sort_order",
    );
    refused(c.domains().check("a.com").await, "domain");
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing reached the server"
    );
}
