//! One file per command; `run` dispatches.

pub mod check;
mod completions;
mod contact;
mod demo;
mod export;
mod grade;
mod import;
pub mod init;
mod man;
mod new;

mod plugins;

use crate::cli::Command;
use crate::context::Context;
use crate::exit::Outcome;

/// Runs one parsed command.
pub fn run(context: &mut Context, command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::Init(args) => init::run(context, args),
        Command::New(args) => new::run(context, args),
        Command::Check(args) => check::run(context, args),
        Command::Export(args) => export::run(context, args),
        Command::Contact(args) => contact::run(context, args),
        Command::Grade(args) => grade::run(context, args),
        Command::Import(command) => import::run(context, command),
        Command::Demo(args) => demo::run(context, args),
        Command::Plugins(args) => plugins::run(context, args),
        Command::Completions(args) => completions::run(args),
        Command::Man => man::run(),
        Command::External(argv) => anyhow::bail!(
            "no plugin provides `{}` yet",
            argv.first()
                .map(|a| a.to_string_lossy())
                .unwrap_or_default()
        ),
        other => anyhow::bail!("{other:?} is not built yet"),
    }
}
