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

/// The global options that take a value: what a parser that walks the
/// command line by hand (top-level help, plugin arguments) must skip over.
pub const GLOBAL_VALUE_OPTIONS: [&str; 6] = [
    "--book",
    "--format",
    "--as-of",
    "--today",
    "--color",
    "--plugin-dir",
];

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
    /// The day kehu takes as today (YYYY-MM-DD; default: the system clock):
    /// pins every "days since" figure, for reproducible scripts and tests.
    #[arg(long, global = true, value_name = "DATE", env = "KEHU_TODAY")]
    pub today: Option<Date>,
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
    /// Record a contact (a follow-up): updates [contact], optionally
    /// satisfaction and the pipeline grade, in one commit; may record or
    /// resolve a complaint.
    Contact(ContactArgs),
    /// Set grades by hand, with a reason; the fields become pinned.
    Grade(GradeArgs),
    /// A customer's key account plan, and what changed since its last review.
    Plan(PlanArgs),
    /// One customer's timeline from git: grades, contacts, owners, metrics.
    History(HistoryArgs),
    /// The book-wide audit log from git.
    Log(LogArgs),
    /// A field-level diff of the book between two revisions.
    Diff(DiffArgs),
    /// For each field of a customer, the commit that last set it.
    Blame(BlameArgs),
    /// Import orders or customers from CSV (or CDNOW) files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Merge one customer file field by field: git's merge driver for
    /// `customers/**/*.toml` (see `kehu init --merge-driver`).
    ///
    /// Writes the result to OURS; exits 0 when the merge is clean, 1 when a
    /// field changed on both sides to different values (the file then holds
    /// conflict markers around that field, and stderr names it).
    MergeFile(MergeFileArgs),
    /// Build the sample book with a year of history and run the weekly job on it.
    Demo(DemoArgs),
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
    /// Also define kehu's field-level merge driver in this clone's
    /// .git/config (`kehu merge-file %O %A %B %P`); other clones set it
    /// themselves with `git config` (see the README).
    #[arg(long)]
    pub merge_driver: bool,
}

/// `kehu merge-file`: git's `%O %A %B %P`.
#[derive(Debug, Args)]
pub struct MergeFileArgs {
    /// The common ancestor's version (git's %O).
    pub base: PathBuf,
    /// Our version; the merged result is written here (git's %A).
    pub ours: PathBuf,
    /// Their version (git's %B).
    pub theirs: PathBuf,
    /// The file's path in the book, for messages (git's %P).
    pub path: Option<String>,
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

/// Options shared by commands that change the book.
#[derive(Debug, Clone, Args)]
pub struct WriteArgs {
    /// Show the change as a diff and write nothing.
    #[arg(long, conflicts_with = "branch")]
    pub dry_run: bool,
    /// Commit the change on a new branch NAME for review; the checked-out
    /// tree is not touched.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Commit as this author instead of the configured one ("Name <email>").
    #[arg(long, value_name = "NAME <EMAIL>")]
    pub author: Option<String>,
}

/// `kehu contact`.
#[derive(Debug, Args)]
pub struct ContactArgs {
    /// The customer id.
    pub id: String,
    /// How the contact happened (a channel from kehu.toml).
    #[arg(long)]
    pub channel: String,
    /// What was said; kept in the commit message.
    #[arg(long)]
    pub note: String,
    /// When (default: --as-of, i.e. today).
    #[arg(long, value_name = "DATE")]
    pub at: Option<Date>,
    /// A satisfaction score from this contact (1..5).
    #[arg(long, value_name = "1..5")]
    pub satisfaction: Option<f64>,
    /// The pipeline grade after this follow-up (A..E).
    #[arg(long, value_name = "A..E")]
    pub grade: Option<String>,
    /// Record a complaint made in this contact (the Kehu-Complaint
    /// trailer); its reference is the commit's id.
    #[arg(long, value_name = "TEXT")]
    pub complaint: Option<String>,
    /// Close the open complaint whose commit id starts with REF (at least
    /// 7 hex digits, as `git log --oneline` shows it).
    #[arg(long, value_name = "REF")]
    pub resolved: Option<String>,
    #[command(flatten)]
    pub write: WriteArgs,
}

/// `kehu grade`.
#[derive(Debug, Args)]
pub struct GradeArgs {
    /// The customer id.
    pub id: String,
    /// Value tier (a name from kehu.toml).
    #[arg(long)]
    pub tier: Option<String>,
    /// ABC class (A, B, C).
    #[arg(long)]
    pub abc: Option<String>,
    /// RFM segment.
    #[arg(long)]
    pub rfm: Option<String>,
    /// Pipeline grade (A..E).
    #[arg(long)]
    pub pipeline: Option<String>,
    /// Release a pinned field so classify may set it again (repeatable).
    #[arg(long, value_name = "FIELD")]
    pub unpin: Vec<String>,
    /// Why; required, recorded as the Kehu-Reason trailer.
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub write: WriteArgs,
}

/// `kehu plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The customer id.
    pub id: String,
}

/// `kehu history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The customer id.
    pub id: String,
}

/// `kehu log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only changes on or after this day.
    #[arg(long, value_name = "DATE")]
    pub since: Option<Date>,
    /// Only changes on or before this day.
    #[arg(long, value_name = "DATE")]
    pub until: Option<Date>,
    /// Only changes to customers of this owner, or made by this author.
    #[arg(long)]
    pub owner: Option<String>,
    /// Only changes of this kind: contact, regrade, assign, import or edit.
    #[arg(long)]
    pub kind: Option<String>,
}

/// `kehu diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old revision (or `A..B`; `A...B` starts from their common
    /// ancestor: a review branch's own changes).
    pub from: String,
    /// The new revision (default: the working tree's HEAD).
    pub to: Option<String>,
}

/// `kehu blame`.
#[derive(Debug, Args)]
pub struct BlameArgs {
    /// The customer id.
    pub id: String,
}

/// `kehu import`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Transactions (customer, date, amount[, quantity]) aggregated into [metrics].
    Orders(ImportOrdersArgs),
    /// Customers from a CRM export (CSV with a header).
    Customers(ImportCustomersArgs),
}

/// `kehu import orders`.
#[derive(Debug, Args)]
pub struct ImportOrdersArgs {
    /// The orders file; its layout is `--format csv` or `--format cdnow`
    /// (default: detected from the content).
    pub file: PathBuf,
    /// Create customers the book does not have yet.
    #[arg(long)]
    pub create: bool,
    /// Skip bad rows (they are listed) instead of refusing the whole file.
    #[arg(long)]
    pub skip_bad: bool,
    #[command(flatten)]
    pub write: WriteArgs,
}

/// `kehu import customers`.
#[derive(Debug, Args)]
pub struct ImportCustomersArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// Map a column to a field: `column=field` (`column=` ignores it); repeatable.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
    /// Skip bad rows (they are listed) instead of refusing the whole file.
    #[arg(long)]
    pub skip_bad: bool,
    #[command(flatten)]
    pub write: WriteArgs,
}

/// `kehu demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to build the demo book (default: a new temporary directory).
    pub dir: Option<PathBuf>,
}
