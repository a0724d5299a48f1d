//! The `kehu` binary: parses the command line, runs one command, maps the
//! outcome to an exit code (0 ok, 1 findings, 2 bad usage or data, 3 plugin
//! failure) and prints diagnostics on stderr.

mod apply;
mod cli;
mod commands;
mod context;
mod demo;
mod exit;
mod locate;
mod out_file;
mod output;
mod plugin_host;
mod replay;
mod session;

use std::process::ExitCode;

fn main() -> ExitCode {
    plugin_host::tune_malloc();
    exit::run(std::env::args_os().collect())
}
