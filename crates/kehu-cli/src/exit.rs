//! Exit codes and the top-level error report.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use crate::cli::{Cli, GLOBAL_VALUE_OPTIONS};
use crate::commands;
use crate::context::Context;

/// How a command ended, when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Clean,
    /// Exit 1: a check found something.
    Findings,
    /// Another code a plugin chose (0..=255).
    Exit(u8),
}

/// An error raised by a plugin (it panicked, returned garbage, or failed):
/// the process exits 3 instead of 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PluginFailure(pub String);

/// The exit status when standard output's reader went away.
const READER_GONE: u8 = 141;

/// Whether `error` comes from writing to a pipe whose reader has gone.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Parses `args`, runs the command, and reports.
pub fn run(args: Vec<OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => {
            if is_top_level_help(&error, &args) {
                print_help_with_plugins(&args);
                return ExitCode::SUCCESS;
            }
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let mut context = Context::new(cli.global.clone());
    match commands::run(&mut context, cli.command) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::Exit(code)) => ExitCode::from(code),
        // A reader that stopped early (`kehu log | head`) needs no message;
        // the status is the one git's is there (killed by SIGPIPE: 128 + 13),
        // so a script can still tell a cut-short run from a complete one.
        Err(error) if is_broken_pipe(&error) => ExitCode::from(READER_GONE),
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

/// `kehu --help` (or bare `kehu`) rather than a subcommand's help: only
/// options come before the help flag.
fn is_top_level_help(error: &clap::Error, args: &[OsString]) -> bool {
    let help = matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    let mut words = args.iter().skip(1).map(|a| a.to_string_lossy());
    let mut takes_value = false;
    let subcommand = words.any(|word| {
        if takes_value {
            takes_value = false;
            return false;
        }
        if word.starts_with('-') {
            takes_value = !word.contains('=') && GLOBAL_VALUE_OPTIONS.contains(&word.as_ref());
            return false;
        }
        word != "help"
    });
    help && !subcommand
}

/// Prints the top-level help with the plugins found listed after the
/// built-in commands (loading them is only worth it here).
fn print_help_with_plugins(args: &[OsString]) {
    let mut dirs = Vec::new();
    let mut words = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(word) = words.next() {
        if word == "--plugin-dir" {
            dirs.extend(words.next().map(std::path::PathBuf::from));
        } else if let Some(dir) = word.strip_prefix("--plugin-dir=") {
            dirs.push(dir.into());
        }
    }
    let book = std::env::current_dir()
        .ok()
        .and_then(|cwd| crate::locate::find_book(None, &cwd).ok());
    let search = kehu_plugin::host::SearchPath::from_environment(&dirs, book.as_deref());
    let registry = kehu_plugin::host::Registry::load_all(&search);
    let mut listing = String::from("Plugins:\n");
    if registry.plugins().is_empty() {
        listing.push_str("  (none found; see `kehu plugins`)\n");
    }
    for plugin in registry.plugins() {
        listing.push_str(&format!(
            "  {:<12} {} (v{})\n",
            plugin.name(),
            plugin.about(),
            plugin.version()
        ));
    }
    let mut command = Cli::command()
        .before_long_help(None::<&str>)
        .after_help(listing.clone())
        .after_long_help(listing);
    let long = args.iter().any(|a| a == "--help" || a == "help");
    let text = if long {
        command.render_long_help()
    } else {
        command.render_help()
    };
    let _ = write!(std::io::stdout(), "{text}");
}
