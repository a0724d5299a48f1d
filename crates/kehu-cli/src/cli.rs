//! The one clap definition of kehu's built-in commands. Help, the man page
//! and shell completions are all generated from it.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use kehu_core::Date;

use crate::output::Format;

/// kehu — a customer book in git, from the command line.
///
/// A book is a git repository: `kehu.toml` (policy) and one TOML file per
/// customer under `customers/`. Every change kehu makes is a commit; every
/// question about the past is answered from the history.
#[derive(Debug, Parser)]
#[command(
    name = "kehu",
    version,
    propagate_version = true,
    allow_external_subcommands = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The book (a directory holding kehu.toml); default: KEHU_BOOK, else the
    /// nearest ancestor of the current directory that holds kehu.toml.
    #[arg(long, global = true, value_name = "DIR", env = "KEHU_BOOK")]
    pub book: Option<PathBuf>,
    /// Output format (each command accepts the ones that fit it).
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// Read the book as committed at the end of this day (YYYY-MM-DD; default today).
    #[arg(long, global = true, value_name = "DATE")]
    pub as_of: Option<Date>,
    /// When to colour output; NO_COLOR in the environment means never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Look for plugins in DIR first (repeatable).
    #[arg(long, global = true, value_name = "DIR")]
    pub plugin_dir: Vec<PathBuf>,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The built-in commands; any other name is looked up among the plugins.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new book: kehu.toml, customers/, a git repository and a first commit.
    Init(InitArgs),
    /// Add a customer from the template, in its canonical place.
    New(NewArgs),
    /// Validate every file and run the policy checks of kehu.toml.
    Check(CheckArgs),
    /// Print every customer, flattened (csv, json or jsonl).
    Export(ExportArgs),
    /// List the plugins found, with versions and paths.
    Plugins(PluginsArgs),
    /// Generate shell completions.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout.
    Man,
    /// A plugin subcommand (classify, assign, agenda, report, churn, or your own).
    #[command(external_subcommand)]
    External(Vec<OsString>),
}

/// `kehu init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create the book (default: the current directory).
    pub dir: Option<PathBuf>,
}

/// `kehu new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The customer id: lowercase letters, digits and '-', 2 to 64 characters.
    pub id: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub industry: Option<String>,
    /// Account manager (an owner id from kehu.toml).
    #[arg(long)]
    pub owner: Option<String>,
    /// Funnel stage (default: lead).
    #[arg(long, default_value = "lead")]
    pub stage: String,
    /// Start of the relationship (default: --as-of).
    #[arg(long, value_name = "DATE")]
    pub since: Option<Date>,
}

/// `kehu check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Do not print warnings, only errors.
    #[arg(long)]
    pub no_warnings: bool,
}

/// `kehu export`.
#[derive(Debug, Args)]
pub struct ExportArgs {}

/// `kehu plugins`.
#[derive(Debug, Args)]
pub struct PluginsArgs {}

/// `kehu completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    pub shell: clap_complete::Shell,
}
