//! Billmora invoicing workflow: create a user (and find them again by
//! email, the safe way to learn whether a create landed), invoice them for
//! two items with a discount line, mark the invoice paid, then walk every
//! unpaid invoice.
//!
//! ```text
//! BILLMORA_BASE_URL=https://billing.example.com BILLMORA_API_TOKEN='1|...' \
//!     cargo run --example billmora_invoices
//! ```
//!
//! Without those variables it runs against the in-process Billmora
//! sandbox, offline.

use std::process::ExitCode;

use billkit::billmora::{Client, InvoiceFilter, InvoiceStatus, NewInvoice, NewUser};
use billkit::{Decimal, TryStreamExt};
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

/// Keeps the sandbox (if any) alive while the client uses it.
enum Backend {
    Real,
    Sandbox(billkit_sandbox::billmora::BillmoraSandbox),
}

async fn connect() -> Result<(Client, Backend), Box<dyn std::error::Error>> {
    let url = std::env::var("BILLMORA_BASE_URL")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let token = std::env::var("BILLMORA_API_TOKEN")
        .ok()
        .filter(|v| !v.trim().is_empty());
    match (url, token) {
        (Some(url), Some(token)) => {
            println!("Using the Billmora installation at {url}");
            let client = Client::builder().base_url(url).token(token).build()?;
            Ok((client, Backend::Real))
        }
        (None, None) => {
            let sandbox = billkit_sandbox::billmora::BillmoraSandbox::start().await?;
            println!(
                "BILLMORA_BASE_URL / BILLMORA_API_TOKEN not set: using the offline sandbox at {}",
                sandbox.base_url()
            );
            let client = Client::builder()
                .base_url(sandbox.base_url())
                .token(sandbox.token())
                .build()?;
            Ok((client, Backend::Sandbox(sandbox)))
        }
        _ => Err(
            "set both BILLMORA_BASE_URL and BILLMORA_API_TOKEN, or neither to use the sandbox"
                .into(),
        ),
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (client, backend) = connect().await?;

    // 1. A customer. Emails are unique (soft-deleted users included), so
    //    make one per run; the create answer is the row as inserted, so
    //    read it back for the stored status and language.
    let stamp = Utc::now().format("%Y%m%d%H%M%S");
    let email = format!("dana.borys+{stamp}@example.com");
    let created = client
        .users()
        .create(&NewUser::new(
            "Dana",
            "Borys",
            &email,
            "correct horse battery",
        ))
        .await?;
    let user = client.users().get(created.id).await?;
    println!(
        "Created user #{} {} <{}>, status {}, language {}",
        user.id,
        user.fullname,
        user.email,
        user.status.as_ref().map_or("-", |s| s.as_str()),
        user.language.as_deref().unwrap_or("-"),
    );
    let found = client.users().find_by_email(&email).await?;
    println!(
        "Found again by email: #{}",
        found.map_or_else(|| "-".to_owned(), |u| u.id.to_string())
    );

    // 2. An invoice: two items and a discount line (negative unit price).
    let due = Utc::now()
        .date_naive()
        .checked_add_days(Days::new(14))
        .ok_or("date out of range")?;
    let new_invoice = NewInvoice::new(user.id, due)
        .item("Web hosting - Starter, 3 months", 1, Decimal::new(3000, 2))
        .item(
            "Domain registration borys.com, 1 year",
            2,
            Decimal::new(1299, 2),
        )
        .item("Loyalty discount", 1, Decimal::new(-500, 2));
    let invoice = client.invoices().create(&new_invoice).await?;
    println!(
        "Created invoice {} (#{}): subtotal {}, discount {}, tax {}, total {} {}, due {}",
        invoice.invoice_number,
        invoice.id,
        invoice.subtotal,
        invoice.discount,
        invoice.tax,
        invoice.total,
        invoice.currency,
        invoice.due_day(),
    );
    for item in invoice.items.as_deref().unwrap_or_default() {
        println!(
            "    {:>3} x {:>8}  = {:>8}  {}",
            item.quantity, item.unit_price, item.amount, item.description
        );
    }

    // 3. Paid. Only the status changes in the answer (no paid_at, and no
    //    transaction, so amount_due stays); the server's queued listeners
    //    then provision what the invoice's order bought.
    let paid = client.invoices().mark_paid(invoice.id).await?;
    println!(
        "Marked {} as {}; paid_at {}; amount due {:.2}",
        paid.invoice_number,
        paid.status,
        paid.paid_at
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "-".into()),
        paid.amount_due
    );

    // 4. Every unpaid invoice, page by page (50 per request).
    println!("Unpaid invoices:");
    let mut unpaid = client
        .invoices()
        .list(&InvoiceFilter::new().status(InvoiceStatus::Unpaid))
        .per_page(50)
        .stream();
    let mut count = 0u64;
    let mut owed = Decimal::ZERO;
    while let Some(inv) = unpaid.try_next().await? {
        count += 1;
        owed += inv.amount_due;
        println!(
            "    {} {:>10} {} due {}",
            inv.invoice_number,
            format!("{:.2}", inv.amount_due),
            inv.currency,
            inv.due_day()
        );
    }
    println!("{count} unpaid invoice(s), {owed:.2} outstanding in all");
    if let Backend::Sandbox(sandbox) = &backend {
        println!(
            "(offline sandbox: {} requests served, nothing was sent to a real server)",
            sandbox.server().requests_served()
        );
    }
    Ok(())
}
