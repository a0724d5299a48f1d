//! `kehu-bench`: regenerate the sample book, build large books, and run the
//! benchmark harness.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use kehu_bench::harness::{self, BookSize};
use kehu_bench::history::{self, LargeBookSpec};
use kehu_bench::parse;
use kehu_bench::{BookSpec, generate, sample, stats};

/// The policy every generated book starts from; its owners are replaced by
/// the generated ones.
const POLICY_TEMPLATE: &str = include_str!("../../../templates/kehu.toml");

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
    /// Build a large book: kehu.toml, customers and a git history, in DIR
    /// (which must be absent or empty).
    Book {
        /// Number of customers.
        #[arg(long, default_value_t = 10_000)]
        customers: usize,
        /// Number of commits in all, the first (the whole book) included.
        #[arg(long, default_value_t = 1)]
        commits: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where to build the book.
        dir: PathBuf,
    },
    /// Run the benchmark harness: build (or reuse) books of 10,000 and
    /// 100,000 customers with 200,000-commit histories, time every command
    /// against its baseline, and print one table with PASS/FAIL per target.
    Run {
        /// The kehu binary (default: `kehu` beside this binary, else
        /// target/release/kehu).
        #[arg(long, env = "KEHU_BIN")]
        kehu: Option<PathBuf>,
        /// Where generated books are kept (default: target/bench-books).
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Timed runs per row; the table shows the best and the median.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Time limit of one run, in seconds.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Customers in the small book.
        #[arg(long, default_value_t = 10_000)]
        small: usize,
        /// Customers in the large book.
        #[arg(long, default_value_t = 100_000)]
        large: usize,
        /// Commits in each book's history.
        #[arg(long, default_value_t = 200_000)]
        commits: usize,
        /// Seed of the books.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Which books to run on (default: both).
        #[arg(long = "book", value_enum)]
        books: Vec<BookChoice>,
        /// Only rows whose command contains this text (and their baselines).
        #[arg(long)]
        only: Option<String>,
        /// The CDNOW master file for the import row (default:
        /// shared/data/CDNOW_master.txt beside the repository or an
        /// ancestor of it).
        #[arg(long)]
        cdnow: Option<PathBuf>,
    },
    /// The parse baseline: read and parse every customer file of a book
    /// into `kehu_core::Customer` with `toml::from_str`, on one thread.
    #[command(hide = true)]
    Parse {
        /// The book.
        dir: PathBuf,
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

/// A book size on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BookChoice {
    /// 10,000 customers by default.
    Small,
    /// 100,000 customers by default.
    Large,
}

fn repo_root() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `shared/data/CDNOW_master.txt` beside the repository or beside one of
/// its ancestors (a worktree lives deeper than a clone).
fn find_cdnow() -> Option<PathBuf> {
    repo_root()
        .ancestors()
        .map(|dir| dir.join("shared/data/CDNOW_master.txt"))
        .find(|path| path.is_file())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Sample { root } => {
            let root = root.unwrap_or_else(repo_root);
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
        Command::Book {
            customers,
            commits,
            seed,
            dir,
        } => {
            let started = Instant::now();
            let spec = LargeBookSpec {
                seed,
                customers,
                commits,
            };
            let info = history::write_large_book(&dir, &spec, POLICY_TEMPLATE)?;
            println!(
                "{}: {} customers, {} commits ({} merges), {:.1} MB of files, focus customer {}, built in {:.1} s",
                dir.display(),
                customers,
                commits.max(1),
                info.merges,
                info.bytes as f64 / 1e6,
                info.focus,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Run {
            kehu,
            cache,
            runs,
            timeout,
            small,
            large,
            commits,
            seed,
            books,
            only,
            cdnow,
        } => {
            let cdnow = cdnow.or_else(find_cdnow);
            let self_exe = std::env::current_exe()?;
            let exe_dir = self_exe.parent().map(PathBuf::from).unwrap_or_default();
            let kehu = kehu.unwrap_or_else(|| {
                let beside = exe_dir.join("kehu");
                if beside.is_file() {
                    beside
                } else {
                    repo_root().join("target/release/kehu")
                }
            });
            let cache = cache.unwrap_or_else(|| match exe_dir.parent() {
                Some(target)
                    if target.join("release").is_dir() || target.join("debug").is_dir() =>
                {
                    target.join("bench-books")
                }
                _ => repo_root().join("target/bench-books"),
            });
            let books = if books.is_empty() {
                vec![BookChoice::Small, BookChoice::Large]
            } else {
                books
            };
            let spec = |customers| LargeBookSpec {
                seed,
                customers,
                commits,
            };
            let options = harness::Options {
                kehu,
                build_with: Some(self_exe.clone()),
                self_exe,
                cache,
                policy_template: POLICY_TEMPLATE.to_owned(),
                runs,
                timeout: Duration::from_secs(timeout),
                books: books
                    .iter()
                    .map(|b| match b {
                        BookChoice::Small => (BookSize::Small, spec(small)),
                        BookChoice::Large => (BookSize::Large, spec(large)),
                    })
                    .collect(),
                filter: only,
                cdnow,
            };
            println!(
                "kehu-bench run: kehu {}, {} runs per row (best and median), {} CPUs, as-of {}",
                options.kehu.display(),
                options.runs,
                std::thread::available_parallelism().map_or(1, |n| n.get()),
                kehu_bench::calendar::as_of()
            );
            let results = harness::run(&harness::default_rows(), &options)?;
            print!("{}", harness::render_table(&results));
        }
        Command::Parse { dir } => {
            let summary = parse::parse_book(&dir)?;
            println!(
                "{} files, {} bytes, {} did not parse",
                summary.files, summary.bytes, summary.errors
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
