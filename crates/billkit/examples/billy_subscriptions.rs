//! Billy workflow: register a company → plan → customer → subscription →
//! its invoices → a one-off invoice with an item and a discount → refund.
//!
//! Runs against a real Billy server when `BILLY_BASE_URL` is set (with
//! `BILLY_API_KEY`, or `BILLY_PROCESSOR_KEY` to register a new company;
//! `BILLY_FUNDING_INSTRUMENT_URI` picks the card to charge), and against
//! billkit's in-process sandbox otherwise:
//!
//! ```text
//! cargo run --example billy_subscriptions
//! BILLY_BASE_URL=https://billy.example.com BILLY_API_KEY=... cargo run --example billy_subscriptions
//! ```

use billkit::billy::{
    BillyErrorExt, Client, Frequency, NewAdjustment, NewCustomer, NewInvoice, NewItem, NewPlan,
    NewSubscription, PlanType,
};
use billkit::{Cents, ExposeSecret};
use billkit_sandbox::billy::BillySandbox;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const TEST_CARD: &str =
    "/v1/marketplaces/TEST-MP6lD3dBpta7OAXJsN766qA/cards/CCBXYdbpYDwX68hv69UH1eS";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn dollars(c: Cents) -> String {
    let d = c.to_decimal();
    if d.is_sign_negative() {
        format!("-${}", -d)
    } else {
        format!("${d}")
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    // Keep the sandbox alive for the whole run when there is no real server.
    let mut _sandbox = None;
    let (base_url, api_key, processor_key) = match env("BILLY_BASE_URL") {
        Some(url) => {
            println!("Using the Billy server at {url}");
            (url, env("BILLY_API_KEY"), env("BILLY_PROCESSOR_KEY"))
        }
        None => {
            let sandbox = BillySandbox::start().await?;
            println!(
                "BILLY_BASE_URL is not set: using billkit's Billy sandbox at {}",
                sandbox.base_url()
            );
            let url = sandbox.base_url();
            let processor_key = sandbox.processor_key();
            _sandbox = Some(sandbox);
            (url, None, Some(processor_key))
        }
    };
    let card = env("BILLY_FUNDING_INSTRUMENT_URI").unwrap_or_else(|| TEST_CARD.to_owned());

    let client = match (api_key, processor_key) {
        (Some(key), _) => Client::builder().base_url(&base_url).api_key(key).build()?,
        (None, Some(processor_key)) => {
            let registered = Client::register_company(&base_url, processor_key).await?;
            // The key is a secret: store it somewhere safe, never print it.
            let _key_to_store: &str = registered.api_key().expose_secret();
            println!(
                "1. Registered company {} (its API key is in hand; Billy cannot show it again)",
                registered.company.guid
            );
            registered.client()?
        }
        (None, None) => {
            return Err("set BILLY_API_KEY, or BILLY_PROCESSOR_KEY to register a company".into());
        }
    };

    let plan = client
        .plans()
        .create(&NewPlan::new(
            PlanType::Debit,
            Frequency::Monthly,
            Cents::new(500),
        ))
        .await?;
    println!(
        "2. Plan {}: {} every {} {} ({})",
        plan.guid,
        dollars(plan.amount),
        plan.interval,
        plan.frequency,
        plan.plan_type
    );

    let customer = client.customers().create(&NewCustomer::new()).await?;
    println!("3. Customer {}", customer.guid);

    let subscription = client
        .subscriptions()
        .create(
            &NewSubscription::new(&plan.guid, &customer.guid)
                .funding_instrument_uri(&card)
                .appears_on_statement_as("BILLKIT DEMO"),
        )
        .await?;
    println!(
        "4. Subscription {}: {} per period, {} invoice(s) so far, next on {}",
        subscription.guid,
        dollars(subscription.effective_amount),
        subscription.invoice_count,
        subscription.next_invoice_at.format("%Y-%m-%d")
    );

    let invoices = client
        .invoices()
        .list_for_subscription(&subscription.guid)
        .collect_all()
        .await?;
    println!("5. The subscription's invoices:");
    for inv in &invoices {
        println!(
            "   - {} {} {} (scheduled {})",
            inv.guid,
            dollars(inv.effective_amount),
            inv.status,
            inv.scheduled_at()
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        );
    }

    let invoice = client
        .invoices()
        .create(
            &NewInvoice::new(&customer.guid, Cents::new(1_000))
                .title("Setup and hosting")
                .external_id(format!("billkit-demo-{}", customer.guid))
                .funding_instrument_uri(&card)
                .item(NewItem::new("Hosting Service A", Cents::new(1_000)).quantity(1))
                .adjustment(NewAdjustment::new(Cents::new(-100)).reason("Coupon discount")),
        )
        .await?;
    println!(
        "6. One-off invoice {}: {} with {} discount → charged {} ({})",
        invoice.guid,
        dollars(invoice.amount),
        dollars(invoice.total_adjustment_amount),
        dollars(invoice.effective_amount),
        invoice.status
    );
    if invoice.effective_amount != Cents::new(900) {
        return Err(format!(
            "the discount was lost: effective amount {} instead of 900",
            invoice.effective_amount
        )
        .into());
    }

    let refunded = client
        .invoices()
        .refund(&invoice.guid, Cents::new(300))
        .await?;
    println!(
        "7. Refunded {} of invoice {}",
        dollars(Cents::new(300)),
        refunded.guid
    );
    let transactions = client
        .transactions()
        .list_for_invoice(&invoice.guid)
        .collect_all()
        .await?;
    for tx in &transactions {
        println!(
            "   - {} {} {} ({})",
            tx.guid,
            tx.transaction_type,
            dollars(tx.amount),
            tx.status.as_ref().map_or("not processed", |s| s.as_str())
        );
    }

    match client
        .invoices()
        .create(
            &NewInvoice::new(&customer.guid, Cents::new(1_000))
                .external_id(format!("billkit-demo-{}", customer.guid)),
        )
        .await
    {
        Err(e) if e.is_duplicate_external_id() => {
            println!("8. A second invoice with the same external_id was refused, as it should be")
        }
        Err(e) => return Err(e.into()),
        Ok(inv) => return Err(format!("duplicate external_id was accepted: {}", inv.guid).into()),
    }
    println!("Done.");
    Ok(())
}
