//! `billkit`: the command line of the billkit SDK.
//!
//! Serve the sandbox to any language, export any list of the three APIs,
//! reconcile the money in them, and decrypt a BillPro notification. `billkit
//! --help` and `billkit <command> --help` say the rest; the exit statuses
//! are those of [`Exit`].
#![forbid(unsafe_code)]

mod credentials;
mod decrypt;
mod export;
mod reconcile;
mod sandbox;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// billkit's command line: the sandbox, exports, reconciliation and
/// notification decryption for BillPro, Billmora and Billy.
#[derive(Debug, Parser)]
#[command(
    name = "billkit",
    version,
    about,
    long_about = None,
    after_help = EXIT_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the fakes of the three APIs over HTTP.
    #[command(subcommand)]
    Sandbox(sandbox::Command),
    /// Export a list of records to CSV or JSON Lines, resumably.
    #[command(after_help = EXIT_HELP)]
    Export(export::Args),
    /// Check the money invariants of the records and report each break.
    #[command(after_help = EXIT_HELP)]
    Reconcile(reconcile::Args),
    /// Work with BillPro payment notifications.
    #[command(subcommand)]
    Notifications(decrypt::Command),
}

/// The exit statuses as `--help` states them.
const EXIT_HELP: &str = "Exit status: 0 success, 1 checks found a break (reconcile) or a \
                         notification failed to decrypt, 2 usage error, 3 the API, the \
                         network or a file failed.";

/// The three APIs, as commands name them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Api {
    /// BillPro.
    Billpro,
    /// Billmora.
    Billmora,
    /// Billy.
    Billy,
}

impl Api {
    /// The name commands and reports use.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Api::Billpro => "billpro",
            Api::Billmora => "billmora",
            Api::Billy => "billy",
        }
    }
}

/// The exit statuses, documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Done, nothing found wrong.
    Success = 0,
    /// Checks ran and found a break, or a notification did not decrypt.
    Found = 1,
    /// The API, the network or a file failed.
    Failed = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// An error that ends a command, printed as `error: …` with exit status 3.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    // Usage errors exit 2 through clap.
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Failed.into();
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Sandbox(c) => sandbox::run(c).await,
            Command::Export(a) => export::run(a).await,
            Command::Reconcile(a) => reconcile::run(a).await,
            Command::Notifications(c) => decrypt::run(c).await,
        }
    });
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {e}");
            Exit::Failed.into()
        }
    }
}
