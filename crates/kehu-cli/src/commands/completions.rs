//! `kehu completions SHELL`: shell completions from the clap definition.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::Outcome;

/// Prints the completion script for the chosen shell.
pub fn run(args: CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "kehu", &mut std::io::stdout());
    Ok(Outcome::Clean)
}
