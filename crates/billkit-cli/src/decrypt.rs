//! `billkit notifications`.

use crate::{Error, Exit};

/// Commands of `billkit notifications`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Decrypt a notification and print it typed.
    Decrypt(DecryptArgs),
}

/// The arguments of `Decrypt`.
#[derive(Debug, clap::Args)]
pub(crate) struct DecryptArgs {}

pub(crate) async fn run(command: Command) -> Result<Exit, Error> {
    match command {
        Command::Decrypt(_) => Err("not built yet".into()),
    }
}
