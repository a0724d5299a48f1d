//! `kehu man`: the man page, rendered from the clap definition.

use anyhow::Context as _;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::Outcome;

/// Prints kehu(1) as roff.
pub fn run() -> anyhow::Result<Outcome> {
    let page = clap_mangen::Man::new(Cli::command());
    page.render(&mut std::io::stdout())
        .context("cannot write the man page")?;
    Ok(Outcome::Clean)
}
