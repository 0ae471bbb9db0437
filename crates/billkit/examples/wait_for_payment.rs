//! Knowing when money moved, against the offline Billmora sandbox: wait for
//! one invoice to be paid, then follow every invoice through a change feed
//! and keep its checkpoint as a restart would.
//!
//! ```text
//! cargo run --example wait_for_payment
//! ```
//!
//! The "customer" pays a few seconds in, from another task; the feed walks
//! the list every two seconds (a minute is the default) and stops after
//! the two changes made meanwhile.

use std::process::ExitCode;
use std::time::Duration;

use billkit::Decimal;
use billkit::StreamExt;
use billkit::billmora::{Invoice, InvoiceFilter, InvoiceStatus, InvoiceUpdate, NewInvoice};
use billkit::watch::{Change, FeedCheckpoint, FeedOptions, WaitOptions};
use billkit_sandbox::billmora::{BillmoraSandbox, SEED_USER_ID};
use chrono::{Days, Utc};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = BillmoraSandbox::start().await?;
    println!("Billmora sandbox at {}", sandbox.base_url());
    let client = sandbox.client()?;
    let due = Utc::now().date_naive() + Days::new(14);
    let new = NewInvoice::new(SEED_USER_ID, due).item("Hosting", 1, Decimal::new(2500, 2));
    let invoice = client.invoices().create(&new).await?;
    println!(
        "invoice {} for {}: {}",
        invoice.invoice_number, invoice.total, invoice.status
    );

    // The customer pays in three seconds.
    let payer = client.clone();
    let id = invoice.id;
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let _ = payer.invoices().mark_paid(id).await;
    });

    // Look after one second, then every two, for a minute at most.
    let options = WaitOptions::new(Duration::from_secs(60))
        .initial_interval(Duration::from_secs(1))
        .max_interval(Duration::from_secs(2));
    let paid = client.invoices().wait_until_paid(id, &options).await?;
    println!("paid: invoice {} is {}", paid.invoice_number, paid.status);

    // A feed of every invoice, its first walk the baseline.
    let mut feed = client.invoices().watch(
        &InvoiceFilter::new(),
        FeedOptions::new().interval(Duration::from_secs(2)),
    );
    feed.poll_once().await?;
    println!("watching {} invoices", feed.watched());

    // Meanwhile: the paid invoice refunded, and a new one.
    let refund = InvoiceUpdate::new().status(InvoiceStatus::Refunded);
    client.invoices().update(id, &refund).await?;
    client.invoices().create(&new).await?;

    let mut saved: Option<String> = None;
    let mut seen = 0;
    while let Some(change) = feed.next().await {
        match change {
            Ok(change) => print_change(&change),
            // One walk failed; the next comes one interval later.
            Err(e) => eprintln!("a walk failed: {e}"),
        }
        // Saved with the handling of each change: a restart from it
        // repeats none and misses none.
        saved = Some(serde_json::to_string(&feed.checkpoint())?);
        seen += 1;
        if seen == 2 {
            break;
        }
    }
    if let Some(json) = saved {
        let checkpoint: FeedCheckpoint<Invoice> = serde_json::from_str(&json)?;
        let resumed = client
            .invoices()
            .watch(&InvoiceFilter::new(), FeedOptions::default())
            .resume(&checkpoint)?;
        println!(
            "checkpoint of {} bytes; a restarted feed resumes watching {} invoices",
            json.len(),
            resumed.watched()
        );
    }
    Ok(())
}

fn print_change(change: &Change<Invoice>) {
    match change {
        Change::Created(i) => println!("created: {} ({})", i.invoice_number, i.status),
        Change::StatusChanged { record, from, to } => {
            println!("{}: {from} -> {to}", record.invoice_number)
        }
        Change::AmountChanged { record, from, to } => {
            println!("{}: total {from} -> {to}", record.invoice_number)
        }
        Change::Updated(i) => println!("{} updated", i.invoice_number),
        Change::Deleted { id } => println!("invoice {id} deleted"),
        other => println!("{other:?}"),
    }
}
