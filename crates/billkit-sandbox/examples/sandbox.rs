//! Serves billkit's fakes of BillPro, Billmora and Billy on loopback and
//! prints their URLs and credentials, so you can try them with `curl`.
//!
//! ```sh
//! cargo run -p billkit-sandbox --example sandbox            # until Ctrl-C
//! cargo run -p billkit-sandbox --example sandbox -- --check # prove each answers, then exit
//! ```

use std::error::Error;

use billkit_sandbox::Sandbox;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("sandbox failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let check = std::env::args().any(|a| a == "--check");
    let sandbox = Sandbox::start().await?;
    let (billpro, billmora, billy) = (&sandbox.billpro, &sandbox.billmora, &sandbox.billy);

    println!("BillPro");
    println!("  base URL    {}", billpro.base_url());
    println!("  token       {}", billpro.token());
    println!(
        "  profile_id  {} (the token reaches {:?}, so every request must name one)",
        billpro.profile_id(),
        billpro.profile_ids()
    );
    println!(
        "  try         curl -H 'Authorization: Bearer {}' -H 'Accept: application/json' '{}/products?page=1&profile_id={}'",
        billpro.token(),
        billpro.base_url(),
        billpro.profile_id()
    );
    println!();
    println!("Billmora");
    println!("  base URL    {}", billmora.base_url());
    println!("  token       {} (abilities: *)", billmora.token());
    println!(
        "  try         curl -H 'Authorization: Bearer {}' -H 'Accept: application/json' '{}/invoices?per_page=5'",
        billmora.token(),
        billmora.base_url()
    );
    println!();
    println!("Billy");
    println!("  base URL    {}", billy.base_url());
    println!(
        "  API key     {} (HTTP basic user name, empty password)",
        billy.api_key()
    );
    println!("  company     {}", billy.company_guid());
    println!(
        "  try         curl -u '{}:' '{}/v1/plans'",
        billy.api_key(),
        billy.base_url()
    );

    if check {
        let products = billpro
            .client()?
            .products()
            .list(&billkit::billpro::ProductFilter::new())
            .page(1)
            .await?;
        let users = billkit::billmora::Client::builder()
            .base_url(billmora.base_url())
            .token(billmora.token())
            .build()?
            .users()
            .list(&Default::default())
            .page(1)
            .await?;
        let plans = billy.client()?.plans().list().page(1).await?;
        println!();
        println!(
            "check: BillPro served {} products, Billmora {} users, Billy {} plans",
            products.items.len(),
            users.items.len(),
            plans.items.len()
        );
        return Ok(());
    }
    println!();
    println!("Serving until Ctrl-C.");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
