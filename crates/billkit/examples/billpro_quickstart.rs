//! The BillPro first-steps workflow: create a customer, list products,
//! create an order, read it back, list its scheduled payments.
//!
//! Without `BILLPRO_API_TOKEN` it runs offline against billkit's BillPro
//! sandbox. Against a real BillPro (staging recommended):
//!
//! ```sh
//! BILLPRO_API_TOKEN=... BILLPRO_BASE_URL=https://staging.bill.pro/api/v1 \
//! BILLPRO_PROFILE_ID=5 cargo run --example billpro_quickstart
//! ```

use std::error::Error;

use billkit::TryStreamExt;
use billkit::billpro::{
    Client, Environment, NewCustomer, NewInstalmentOrder, NewSingleOrder, Order, OrderLine,
    Product, PurchaseType, Schedule,
};
use billkit_sandbox::billpro::BillProSandbox;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let Ok(token) = std::env::var("BILLPRO_API_TOKEN") else {
        // No credentials: run offline against the sandbox, which lives until
        // the end of `main`.
        let sandbox = BillProSandbox::start().await?;
        println!(
            "No BILLPRO_API_TOKEN: using the BillPro sandbox at {} (profile_id {})",
            sandbox.base_url(),
            sandbox.profile_id()
        );
        let client = Client::builder()
            .token(sandbox.token())
            .base_url(sandbox.base_url())
            .profile_id(sandbox.profile_id())
            .build()?;
        return run(&client).await;
    };
    let mut builder = Client::builder()
        .token(token)
        .environment(Environment::Staging);
    if let Ok(url) = std::env::var("BILLPRO_BASE_URL") {
        builder = builder.base_url(url);
    }
    if let Ok(id) = std::env::var("BILLPRO_PROFILE_ID") {
        let id = id
            .trim()
            .parse()
            .map_err(|_| "BILLPRO_PROFILE_ID must be a number")?;
        builder = builder.profile_id(id);
    }
    let client = builder.build()?;
    println!("BillPro at {}", client.base_url());
    run(&client).await
}

async fn run(client: &Client) -> Result<(), Box<dyn Error>> {
    // 1. A customer.
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
    let customer = client
        .customers()
        .create(
            &NewCustomer::new("Dana", "Borys", format!("dana.{stamp}@example.com"))
                .phone("+447700900123"),
        )
        .await?;
    println!(
        "created customer {} {} (id {}, merchant id {})",
        customer.first_name, customer.last_name, customer.id, customer.customer_id
    );

    // 2. The products (created in the BillPro UI; the API cannot create them).
    let products: Vec<Product> = client
        .products()
        .list(&billkit::billpro::ProductFilter::new())
        .stream()
        .try_collect()
        .await?;
    println!("{} products:", products.len());
    for p in products.iter().take(5) {
        println!(
            "  #{:<5} {:<12} {:>10} {} {}",
            p.id, p.product_id, p.price, p.currency, p.product_type
        );
    }
    let product = products
        .iter()
        // An instalment order has scheduled payments to show.
        .find(|p| p.product_type == PurchaseType::Instalment)
        .or_else(|| {
            products
                .iter()
                .find(|p| p.product_type == PurchaseType::SinglePayment)
        })
        .or_else(|| products.first())
        .ok_or("no products: create one in the BillPro UI first")?;

    // 3. An order for it.
    let invoice_id = format!("QS-{stamp}");
    let line = OrderLine::new(product.id).qty(1);
    let order = if product.product_type == PurchaseType::Instalment {
        let order = NewInstalmentOrder::new(
            customer.id,
            &product.currency,
            &invoice_id,
            line,
            3,
            Schedule::monthly(),
        );
        client.orders().create_instalment_order(&order).await?
    } else {
        let order = NewSingleOrder::new(customer.id, &product.currency, &invoice_id).product(line);
        client.orders().create_single_order(&order).await?
    };
    println!(
        "created {} order {} ({}), status {}",
        order.order_type, order.id, invoice_id, order.status
    );

    // 4. Read it back.
    let order: Order = client.orders().get(order.id).await?;
    let total = order
        .total_to_pay
        .map(|t| t.to_string())
        .unwrap_or_else(|| "-".into());
    println!(
        "order {}: status {}, total to pay {}, {} product(s)",
        order.id,
        order.status,
        total,
        order.products.len()
    );

    // 5. Its scheduled payments.
    let payments = client
        .scheduled_payments()
        .list_for_order(order.id)
        .collect_all()
        .await?;
    println!("{} scheduled payment(s)", payments.len());
    for p in &payments {
        let when = p
            .scheduled_date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "?".into());
        println!("  #{} {} {} on {}", p.id, p.amount, p.status, when);
    }
    Ok(())
}
