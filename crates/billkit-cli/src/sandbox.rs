//! `billkit sandbox serve`: the fakes of the three APIs and their admin API
//! over HTTP, for tests in any language.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use billkit_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

use crate::{Error, Exit};

/// Commands of `billkit sandbox`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Serve the fakes of BillPro, Billmora and Billy, and an admin API,
    /// until interrupted (SIGINT or SIGTERM), then save the state and
    /// exit 0.
    #[command(after_long_help = ADMIN_ROUTES)]
    Serve(ServeArgs),
}

/// The admin API's routes, shown by `billkit sandbox serve --help`.
const ADMIN_ROUTES: &str = "\
Admin API (JSON in and out; {api} is billpro, billmora or billy):
  GET    /status                                   URLs, credentials, clock, state file
  POST   /reset                                    every fake back to its seed data
  POST   /reset/{api}                              one fake back to its seed data
  GET    /state                                    the whole state document
  PUT    /state                                    load a state document (seed)
  GET    /clock                                    {\"now\", \"offset_ms\"}
  POST   /clock/advance                            {\"days\", \"hours\", \"minutes\", \"seconds\"}
  POST   /billing/run-due                          collect/file what is due by the clock
  POST   /billpro/checkouts/{id}/complete          the customer pays a pending order
  POST   /billpro/checkouts/{id}/decline           the gateway declines it
  POST   /billpro/scheduled-payments/{id}/collect  a scheduled payment is collected
  POST   /billpro/scheduled-payments/{id}/decline  {\"hard\": bool}
  GET    /faults/{api}                             armed faults
  POST   /faults/{api}                             arm {\"kind\", \"n\", \"method\", \"path\",
                                                   \"status\", \"retry_after\", \"delay_ms\"}
  DELETE /faults/{api}, DELETE /faults             clear faults
  GET    /journal/{api}?since=N                    requests received, redacted
  DELETE /journal/{api}                            forget the journal
Fault kinds: fail, fail_after_commit, throttle, drop, lose_answer, truncate,
malformed_body, slow_answer, late_commit. Unknown routes answer 404, bad
bodies 400, each with {\"error\": \"...\"}.

Exit status: 0 stopped by a signal (state saved) or --check done; 2 usage;
3 a port in use, an unreadable or foreign state file, or a failed save.";

/// The arguments of `billkit sandbox serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// BillPro's port (0 for any free one).
    #[arg(long, value_name = "PORT", default_value_t = 8701)]
    billpro_port: u16,
    /// Billmora's port (0 for any free one).
    #[arg(long, value_name = "PORT", default_value_t = 8702)]
    billmora_port: u16,
    /// Billy's port (0 for any free one).
    #[arg(long, value_name = "PORT", default_value_t = 8703)]
    billy_port: u16,
    /// The admin API's port (0 for any free one).
    #[arg(long, value_name = "PORT", default_value_t = 8704)]
    admin_port: u16,
    /// The address to listen on. Anything but loopback exposes the fakes
    /// and their admin API (no credentials) to the network: give it only
    /// on purpose; it is warned about.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    host: IpAddr,
    /// Keep the state in FILE: loaded at start when it exists (a file
    /// that is not a sandbox state is an error, never overwritten), saved
    /// atomically after each change and at exit.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Print one JSON object with every URL and credential on stdout, and
    /// nothing else on stdout afterwards.
    #[arg(long)]
    json: bool,
    /// Start, print the URLs and credentials, and exit 0 (a smoke test
    /// for CI).
    #[arg(long)]
    check: bool,
    /// How many requests each fake's journal keeps.
    #[arg(long, value_name = "N", default_value_t = billkit_sandbox::DEFAULT_JOURNAL_CAPACITY)]
    journal_size: usize,
}

pub(crate) async fn run(command: Command) -> Result<Exit, Error> {
    match command {
        Command::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> Result<Exit, Error> {
    if !args.host.is_loopback() {
        eprintln!(
            "warning: serving on {}: the fakes and their admin API (which needs no credentials) are reachable from the network",
            args.host
        );
    }
    let mut options = SandboxOptions::default();
    options.host = args.host;
    options.billpro_port = args.billpro_port;
    options.billmora_port = args.billmora_port;
    options.billy_port = args.billy_port;
    options.journal_capacity = args.journal_size;
    let sandbox = Arc::new(Sandbox::start_with(options).await?);
    if let Some(path) = &args.state {
        sandbox.persist_to(path)?;
    }
    let admin =
        billkit_sandbox::admin::serve(sandbox.clone(), SocketAddr::new(args.host, args.admin_port))
            .await?;
    let mut status = billkit_sandbox::admin::status(&sandbox);
    status["admin"] = json!({ "url": admin.url() });
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{status}")?;
    } else {
        write!(out, "{}", table(&status, args.check))?;
    }
    out.flush()?;
    drop(out);
    if args.check {
        sandbox.save_now()?;
        return Ok(Exit::Success);
    }
    stopped().await?;
    sandbox.save_now()?;
    if !args.json {
        eprintln!("stopped");
    }
    Ok(Exit::Success)
}

/// Waits for SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn stopped() -> Result<(), Error> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// The status as a table for a person.
fn table(status: &Value, check: bool) -> String {
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let rows = [
        (
            "BillPro",
            text(&status["billpro"]["base_url"]),
            format!(
                "token {} with profile_id {}",
                text(&status["billpro"]["token"]),
                status["billpro"]["profile_id"]
            ),
        ),
        (
            "Billmora",
            text(&status["billmora"]["base_url"]),
            format!("token {}", text(&status["billmora"]["token"])),
        ),
        (
            "Billy",
            text(&status["billy"]["base_url"]),
            format!("api key {}", text(&status["billy"]["api_key"])),
        ),
        (
            "Admin",
            text(&status["admin"]["url"]),
            "none (routes: billkit sandbox serve --help)".to_owned(),
        ),
    ];
    let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let mut out = format!("{:<9} {:<width$}  credentials\n", "API", "URL");
    for (name, url, credentials) in rows {
        out.push_str(&format!("{name:<9} {url:<width$}  {credentials}\n"));
    }
    match status["state_file"].as_str() {
        Some(path) => out.push_str(&format!("State saved in {path}\n")),
        None => out.push_str("State kept in memory only (--state FILE keeps it)\n"),
    }
    if !check {
        out.push_str("Serving until Ctrl-C or SIGTERM.\n");
    }
    out
}
