//! `kehu completions SHELL`: shell completions from the clap definition.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::{Failure, Outcome};

/// Prints the completion script for the chosen shell.
pub fn run(args: CompletionsArgs) -> Result<Outcome, Failure> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "kehu", &mut std::io::stdout());
    Ok(Outcome::Clean)
}
