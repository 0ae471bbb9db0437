//! Serves billkit's Billy sandbox until interrupted, for tools that talk to
//! it over HTTP (`scripts/billy-conformance` compares it with a real Billy
//! server).
//!
//! ```text
//! cargo run --example billy_sandbox_server
//! ```
//!
//! The first line on stdout is the base URL; the second is the seeded
//! company's API key. With `--check` it exits after printing them (CI).

#[cfg(feature = "billy")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use std::io::Write;

    let sandbox = match billkit_sandbox::billy::BillySandbox::start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot start the Billy sandbox: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout();
    // A reader may be gone already; the server is still worth running.
    let _ = writeln!(out, "{}", sandbox.base_url());
    let _ = writeln!(out, "{}", sandbox.api_key());
    let _ = out.flush();
    if std::env::args().any(|a| a == "--check") {
        return std::process::ExitCode::SUCCESS;
    }
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
}

#[cfg(not(feature = "billy"))]
fn main() {
    eprintln!("billy_sandbox_server needs the `billy` feature");
}
