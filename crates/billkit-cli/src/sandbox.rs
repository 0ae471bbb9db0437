//! `billkit sandbox`.

use crate::{Error, Exit};

/// Commands of `billkit sandbox`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Serve the fakes until interrupted.
    Serve(ServeArgs),
}

/// The arguments of `Serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {}

pub(crate) async fn run(command: Command) -> Result<Exit, Error> {
    match command {
        Command::Serve(_) => Err("not built yet".into()),
    }
}
