//! One file per command; `run` dispatches.

mod completions;
mod man;

use crate::cli::Command;
use crate::context::Context;
use crate::exit::{Failure, Outcome};

/// Runs one parsed command.
pub fn run(context: &mut Context, command: Command) -> Result<Outcome, Failure> {
    match command {
        Command::Completions(args) => completions::run(args),
        Command::Man => man::run(),
        other => Err(Failure::Usage(anyhow::anyhow!(
            "{other:?} is not built yet"
        ))),
    }
}
