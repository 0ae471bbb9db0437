//! `billkit reconcile`.

use crate::{Error, Exit};

/// The arguments of `billkit reconcile`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) async fn run(_args: Args) -> Result<Exit, Error> {
    Err("not built yet".into())
}
