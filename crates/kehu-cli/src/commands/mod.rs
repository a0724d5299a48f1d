//! One file per command; `run` dispatches.

mod audit;
mod blame;
pub mod check;
mod complaints;
mod completions;
mod contact;
mod demo;
mod diff;
mod export;
mod grade;
pub mod history;
mod import;
pub mod init;
pub mod log;
mod man;
mod merge_file;
mod new;
mod plan;
pub mod plugin;
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
        Command::Plan(args) => plan::run(context, args),
        Command::History(args) => history::run(context, args),
        Command::Log(args) => log::run(context, args),
        Command::Diff(args) => diff::run(context, args),
        Command::Blame(args) => blame::run(context, args),
        Command::MergeFile(args) => merge_file::run(context, args),
        Command::Demo(args) => demo::run(context, args),
        Command::Plugins(args) => plugins::run(context, args),
        Command::Completions(args) => completions::run(args),
        Command::Man => man::run(),
        Command::External(argv) => plugin::run(context, argv),
    }
}
