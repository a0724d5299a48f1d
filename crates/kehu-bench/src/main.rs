//! `kehu-bench`: regenerate the sample book, build large books, and run the
//! benchmark harness.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kehu_bench::{BookSpec, generate, sample, stats};

/// Generators and benchmarks for kehu.
#[derive(Parser)]
#[command(name = "kehu-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the sample book: `customers/` and the `[owners.*]` of
    /// `templates/kehu.toml` in the repository.
    Sample {
        /// The repository root (default: the one this binary was built from).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Print how a generated book spreads over stages, tiers, grades and owners.
    Stats {
        /// Number of customers (default: the sample book).
        #[arg(long, default_value_t = sample::SAMPLE_CUSTOMERS)]
        customers: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = sample::SAMPLE_SEED)]
        seed: u64,
    },
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Sample { root } => {
            let root = root.unwrap_or_else(repo_root);
            let root = root.canonicalize().unwrap_or(root);
            let (summary, policy) = sample::write_sample(&root)?;
            println!(
                "sample book in {}: {} written, {} unchanged, {} removed; {} {}",
                root.join("customers").display(),
                summary.written,
                summary.unchanged,
                summary.removed,
                sample::POLICY_TEMPLATE,
                if policy { "updated" } else { "unchanged" }
            );
        }
        Command::Stats { customers, seed } => {
            let book = generate(&BookSpec { seed, customers });
            print!("{}", stats::summary(&book));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kehu-bench: {error:#}");
            ExitCode::from(2)
        }
    }
}
