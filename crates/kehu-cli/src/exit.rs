//! Exit codes and the top-level error report.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::commands;
use crate::context::Context;

/// How a command ended, when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Clean,
    /// Exit 1: a check found something.
    Findings,
}

/// An error raised by a plugin (it panicked, returned garbage, or failed):
/// the process exits 3 instead of 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PluginFailure(pub String);

/// Parses `args`, runs the command, and reports.
pub fn run(args: Vec<OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let mut context = Context::new(cli.global.clone());
    match commands::run(&mut context, cli.command) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(error) => {
            let code = if error.downcast_ref::<PluginFailure>().is_some() {
                3
            } else {
                2
            };
            let _ = writeln!(std::io::stderr(), "kehu: error: {error:#}");
            ExitCode::from(code)
        }
    }
}
