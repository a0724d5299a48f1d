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

/// A failure the user should see, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Exit 2: bad usage or bad data.
    #[error("{0:#}")]
    Usage(anyhow::Error),
    /// Exit 3: a plugin failed.
    #[error("{0:#}")]
    Plugin(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Failure {
        Failure::Usage(error)
    }
}

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
        Err(failure) => {
            let code = match failure {
                Failure::Usage(_) => 2,
                Failure::Plugin(_) => 3,
            };
            let _ = writeln!(std::io::stderr(), "kehu: error: {failure}");
            ExitCode::from(code)
        }
    }
}
