//! `kehu-bench`: regenerate the sample book, build large books, and run the
//! benchmark harness.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use kehu_bench::harness::{self, BookSize};
use kehu_bench::history::{self, LargeBookSpec};
use kehu_bench::{BookSpec, generate, sample, stats};
use kehu_bench::{fit, parse};

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
        /// Timed runs per row; the table shows the median and the spread
        /// (default 3, 1 with --quick).
        #[arg(long)]
        runs: Option<usize>,
        /// A quick look: one run per row on books of 2,000 and 20,000
        /// customers with 20,000 commits (unless given), e.g. to check one's
        /// own rows with --only before a full run.
        #[arg(long)]
        quick: bool,
        /// Time limit of one run, in seconds.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Customers in the small book (default 10,000).
        #[arg(long)]
        small: Option<usize>,
        /// Customers in the large book (default 100,000).
        #[arg(long)]
        large: Option<usize>,
        /// Commits in each book's history (default 200,000).
        #[arg(long)]
        commits: Option<usize>,
        /// Seed of the books.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Which books to run on (default: both).
        #[arg(long = "book", value_enum)]
        books: Vec<BookChoice>,
        /// Only rows whose command contains this text (and the rows they are
        /// compared with); repeat or separate with commas for several, e.g.
        /// `--only classify,agenda`.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Where to write bench.md and bench.json (default:
        /// bench-results beside the book cache).
        #[arg(long)]
        out: Option<PathBuf>,
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
    /// The fit row of issue 9: fit BG/NBD to a CDNOW file three times and
    /// print the parameters, with the best fit time on stderr.
    #[command(hide = true)]
    FitCdnow {
        /// `CDNOW_master.txt` or `CDNOW_sample.txt`.
        file: PathBuf,
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

/// `shared/data/CDNOW_master.txt` beside the repository or beside one of
/// its ancestors (a worktree lives deeper than a clone).
fn find_cdnow() -> Option<PathBuf> {
    harness::repo_dir()
        .ancestors()
        .map(|dir| dir.join("shared/data/CDNOW_master.txt"))
        .find(|path| path.is_file())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Sample { root } => {
            let root = root.unwrap_or_else(harness::repo_dir);
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
            out,
            quick,
            cdnow,
        } => {
            let runs = runs.unwrap_or(if quick { 1 } else { 3 });
            let small = small.unwrap_or(if quick { 2_000 } else { 10_000 });
            let large = large.unwrap_or(if quick { 20_000 } else { 100_000 });
            let commits = commits.unwrap_or(if quick { 20_000 } else { 200_000 });
            let cdnow = cdnow.or_else(find_cdnow);
            let self_exe = std::env::current_exe()?;
            let exe_dir = self_exe.parent().map(PathBuf::from).unwrap_or_default();
            let kehu = kehu.unwrap_or_else(|| {
                let beside = exe_dir.join("kehu");
                if beside.is_file() {
                    beside
                } else {
                    harness::repo_dir().join("target/release/kehu")
                }
            });
            let cache = cache.unwrap_or_else(|| match exe_dir.parent() {
                Some(target)
                    if target.join("release").is_dir() || target.join("debug").is_dir() =>
                {
                    target.join("bench-books")
                }
                _ => harness::repo_dir().join("target/bench-books"),
            });
            // The large book first: its rows are the issues' targets, and a
            // run cut short keeps them.
            let books = if books.is_empty() {
                vec![BookChoice::Large, BookChoice::Small]
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
            let out = out.unwrap_or_else(|| {
                options.cache.parent().map_or_else(
                    || PathBuf::from("bench-results"),
                    |p| p.join("bench-results"),
                )
            });
            let started = harness::describe_machine();
            // The commit the binaries were built from: read now, as the
            // worktree may move on while a long run goes.
            let commit = harness::describe_commit(&harness::repo_dir());
            let preamble = || {
                format!(
                    "kehu-bench run: kehu {} ({}), {} runs per row (median and spread), {} CPUs, books as of {}; started {started}, ended {}",
                    options.kehu.display(),
                    commit,
                    options.runs,
                    std::thread::available_parallelism().map_or(1, |n| n.get()),
                    kehu_bench::calendar::as_of(),
                    harness::describe_machine(),
                )
            };
            let results = harness::run(&harness::default_rows(), &options, |so_far| {
                let [markdown, _] = harness::write_reports(&out, &preamble(), so_far)?;
                eprintln!(
                    "kehu-bench: {} book(s) done, written to {}",
                    so_far.len(),
                    markdown.display()
                );
                Ok(())
            })?;
            let preamble = preamble();
            println!("{preamble}");
            print!("{}", harness::render_table(&results));
            let [markdown, json] = harness::write_reports(&out, &preamble, &results)?;
            println!("written: {} and {}", markdown.display(), json.display());
        }
        Command::Parse { dir } => {
            let summary = parse::parse_book(&dir)?;
            println!(
                "{} files, {} bytes, {} did not parse",
                summary.files, summary.bytes, summary.errors
            );
        }
        Command::FitCdnow { file } => {
            let end: kehu_core::Date = harness::CDNOW_END.parse()?;
            let timed = fit::fit_cdnow(&file, end)?;
            let p = timed.fit.params;
            println!(
                "{} customers ({} distinct), {} iterations: r = {:.4}  alpha = {:.4}  a = {:.4}  b = {:.4}",
                timed.fit.customers,
                timed.fit.distinct,
                timed.fit.iterations,
                p.r,
                p.alpha,
                p.a,
                p.b
            );
            eprintln!("{} {:.6}", fit::REPORTED_PREFIX, timed.best.as_secs_f64());
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
