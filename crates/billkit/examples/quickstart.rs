//! billkit's first command: the BillPro workflow, end to end.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! Creates a customer, walks the product catalogue, creates a single-payment
//! and an instalment order, lists the instalment's scheduled payments and
//! cancels both orders. With no `BILLPRO_API_TOKEN` in the environment it
//! runs offline against billkit's BillPro sandbox; with `BILLPRO_API_TOKEN`
//! (and `BILLPRO_BASE_URL`, default staging, and `BILLPRO_PROFILE_ID` when
//! the token reaches several merchant profiles) it runs against BillPro.

use std::error::Error;

use billkit::TryStreamExt;
use billkit::billpro::{
    Address, Client, Environment, NewCustomer, NewInstalmentOrder, NewSingleOrder, Order,
    OrderLine, Product, PurchaseType, Schedule,
};
use billkit_sandbox::billpro::BillProSandbox;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("quickstart failed: {e}");
        std::process::exit(1);
    }
}

/// A client for the real BillPro when `BILLPRO_API_TOKEN` is set, for the
/// sandbox otherwise (the sandbox lives as long as the returned value).
async fn connect() -> Result<(Client, Option<BillProSandbox>), Box<dyn Error>> {
    if let Ok(token) = std::env::var("BILLPRO_API_TOKEN") {
        let mut builder = Client::builder()
            .token(token)
            .environment(Environment::Staging);
        if let Ok(url) = std::env::var("BILLPRO_BASE_URL") {
            builder = builder.base_url(url);
        }
        if let Ok(id) = std::env::var("BILLPRO_PROFILE_ID") {
            builder = builder.profile_id(
                id.trim()
                    .parse()
                    .map_err(|_| "BILLPRO_PROFILE_ID must be a number")?,
            );
        }
        let client = builder.build()?;
        println!("Using BillPro at {}", client.base_url());
        return Ok((client, None));
    }
    let sandbox = BillProSandbox::start().await?;
    println!(
        "No BILLPRO_API_TOKEN set: using the offline BillPro sandbox at {}",
        sandbox.base_url()
    );
    println!(
        "  its token reaches merchant profiles {:?}, so every request names profile_id={}",
        sandbox.profile_ids(),
        sandbox.profile_id()
    );
    let client = Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.base_url())
        .profile_id(sandbox.profile_id())
        .build()?;
    Ok((client, Some(sandbox)))
}

async fn run() -> Result<(), Box<dyn Error>> {
    let (client, _sandbox) = connect().await?;
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();

    println!("\n1. Customer");
    let customer = client
        .customers()
        .create(
            &NewCustomer::new("Dana", "Borys", format!("dana.{stamp}@example.com"))
                .date_of_birth(chrono::NaiveDate::from_ymd_opt(1995, 5, 12).ok_or("date")?)
                .phone("+447700900123")
                .billing_address(
                    Address::new("28 Milsom St", "Bath", "GB", "BA1 1DG").state("Avon"),
                ),
        )
        .await?;
    println!(
        "   created {} {} <{}>: id {}, merchant customer id {}",
        customer.first_name, customer.last_name, customer.email, customer.id, customer.customer_id
    );

    println!("\n2. Products (created in the BillPro UI; walked 25 per page)");
    let products: Vec<Product> = client
        .products()
        .list(&billkit::billpro::ProductFilter::new())
        .stream()
        .try_collect()
        .await?;
    println!("   {} products", products.len());
    for kind in [
        PurchaseType::SinglePayment,
        PurchaseType::Instalment,
        PurchaseType::Subscription,
        PurchaseType::Metered,
    ] {
        let of_kind: Vec<&Product> = products.iter().filter(|p| p.product_type == kind).collect();
        if let Some(p) = of_kind.first() {
            println!(
                "   {:<15} {:>3} product(s), e.g. #{} {} at {} {}",
                kind.as_str(),
                of_kind.len(),
                p.id,
                p.product_id,
                p.price,
                p.currency
            );
        }
    }
    let find = |kind: PurchaseType| products.iter().find(|p| p.product_type == kind);

    let mut orders: Vec<Order> = Vec::new();

    println!("\n3. Single-payment order");
    match find(PurchaseType::SinglePayment) {
        Some(product) => {
            let order = client
                .orders()
                .create_single_order(
                    &NewSingleOrder::new(customer.id, &product.currency, format!("QS-S-{stamp}"))
                        .product(OrderLine::new(product.id).qty(2)),
                )
                .await?;
            print_order(&order);
            orders.push(order);
        }
        None => println!("   skipped: no single-payment product"),
    }

    println!("\n4. Instalment order (3 monthly instalments)");
    match find(PurchaseType::Instalment) {
        Some(product) => {
            let mut new = NewInstalmentOrder::new(
                customer.id,
                &product.currency,
                format!("QS-I-{stamp}"),
                OrderLine::new(product.id),
                3,
                Schedule::monthly(),
            );
            if let Some(deposit) = product.deposit_amount {
                new = new.initial_amount(deposit);
            }
            let order = client.orders().create_instalment_order(&new).await?;
            print_order(&order);
            let order = client.orders().get(order.id).await?;
            println!("   read back: order {} is {}", order.id, order.status);

            println!("\n5. Its scheduled payments");
            let payments = client
                .scheduled_payments()
                .list_for_order(order.id)
                .collect_all()
                .await?;
            for p in &payments {
                let when = p
                    .scheduled_date
                    .map_or_else(|| "?".to_string(), |d| d.to_string());
                println!(
                    "   payment #{:<6} {:>9} {} due {} ({})",
                    p.id,
                    p.amount,
                    order_currency(&order),
                    when,
                    p.status
                );
            }
            orders.push(order);
        }
        None => println!("   skipped: no instalment product"),
    }

    println!("\n6. Cancel");
    for order in &orders {
        let after = match client.orders().cancel(order.id).await? {
            Some(o) => o,
            None => client.orders().get(order.id).await?,
        };
        println!(
            "   order {} ({}): {} -> {}",
            after.id, after.order_type, order.status, after.status
        );
        if after.order_type == PurchaseType::Instalment {
            let payments = client
                .scheduled_payments()
                .list_for_order(after.id)
                .collect_all()
                .await?;
            let states: Vec<String> = payments.iter().map(|p| p.status.to_string()).collect();
            println!("   its scheduled payments are now: {}", states.join(", "));
        }
    }
    println!("\nDone.");
    Ok(())
}

fn order_currency(order: &Order) -> String {
    order
        .products
        .first()
        .and_then(|p| p.currency.clone())
        .unwrap_or_default()
}

fn print_order(order: &Order) {
    let money = |d: Option<billkit::Decimal>| d.map_or_else(|| "-".to_string(), |d| d.to_string());
    println!(
        "   created {} order {} ({}), status {}: total to pay {} {}, scheduled amount {}",
        order.order_type,
        order.id,
        order.invoice_id.as_deref().unwrap_or("-"),
        order.status,
        money(order.total_to_pay),
        order_currency(order),
        money(order.monthly_amount),
    );
    for p in &order.products {
        println!(
            "     product #{} x{}: subtotal {}",
            p.id.map_or_else(|| "?".to_string(), |i| i.to_string()),
            p.qty.unwrap_or(1),
            money(p.subtotal_amount)
        );
    }
}
