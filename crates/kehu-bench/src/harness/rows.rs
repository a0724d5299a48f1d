//! The rows of the benchmark table: what to run on which book, what it is
//! compared with, and the target it must meet.
//!
//! Adding a row is one line in [`default_rows`], e.g.
//!
//! ```text
//! Row::kehu(Large, "agenda").vs("kehu check").at_most(1.3),
//! ```
//!
//! Arguments are split on whitespace after these placeholders are filled:
//! `{focus}` (a big customer with a long history), `{focus_path}` (its file),
//! `{as_of}` (2026-11-20, the book's last day), `{week}` and `{year}` (a week
//! and a year before it), `{kehu}` (the binary), `{scratch}` (an empty
//! directory of the row's own, for commands that need a fresh book) and
//! `{cdnow}` (`CDNOW_master.txt` of the shared data, when present). A row
//! whose command fails or does not exist yet prints SKIP with the reason.
//!
//! A row may run an untimed `prepare` script before each timed run (to drop
//! a cache for a cold run, or to create a fresh book), and may run somewhere
//! else than the generated book (`in_dir`).

use std::fmt;

/// Which generated book a row runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BookSize {
    /// 10,000 customers (history benchmarks of the history issue).
    Small,
    /// 100,000 customers (the scale targets).
    Large,
}

impl fmt::Display for BookSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BookSize::Small => "10k",
            BookSize::Large => "100k",
        })
    }
}

/// What a row runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The kehu binary with these arguments, in the book.
    Kehu(String),
    /// git with these arguments, in the book.
    Git(String),
    /// A `sh -c` script, in the book.
    Shell(String),
    /// This binary's single-threaded `toml::from_str` of every customer
    /// file into `kehu_core::Customer` (`kehu-bench parse`).
    ParseToml,
}

/// What a row must meet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Shown for information only.
    None,
    /// Median time at most this multiple of the baseline's median.
    RatioAtMost(f64),
    /// Median time at most this many milliseconds above the baseline's.
    OverheadAtMostMs(f64),
    /// Median time at most this many seconds, whatever the baseline.
    SecondsAtMost(f64),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::None => f.write_str("-"),
            Target::RatioAtMost(r) => write!(f, "≤ {r:.1}×"),
            Target::OverheadAtMostMs(ms) => write!(f, "≤ +{ms} ms"),
            Target::SecondsAtMost(s) => write!(f, "≤ {s} s"),
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The book it runs on.
    pub book: BookSize,
    /// The label in the table, unique per book (baselines refer to it).
    pub label: String,
    /// What runs.
    pub action: Action,
    /// The label of the row (same book) it is compared with.
    pub baseline: Option<String>,
    /// The time target.
    pub target: Target,
    /// Whether peak memory must stay under 3× the book's size plus 64 MiB.
    pub memory_target: bool,
    /// Exit codes that count as a successful run (`check` exits 1 when it
    /// finds problems, which is still a complete run).
    pub ok_codes: Vec<i32>,
    /// A `sh -c` script run, untimed, before each timed run.
    pub prepare: Option<String>,
    /// Where the command runs (and `KEHU_BOOK`), if not in the book.
    pub dir: Option<String>,
}

impl Row {
    fn new(book: BookSize, label: String, action: Action, memory_target: bool) -> Row {
        Row {
            book,
            label,
            action,
            baseline: None,
            target: Target::None,
            memory_target,
            ok_codes: vec![0],
            prepare: None,
            dir: None,
        }
    }

    /// `kehu ARGS` in the book, labelled `kehu ARGS`, with the memory target.
    pub fn kehu(book: BookSize, args: &str) -> Row {
        Row::new(
            book,
            format!("kehu {args}"),
            Action::Kehu(args.to_owned()),
            true,
        )
    }

    /// `git ARGS` in the book, a baseline.
    pub fn git(book: BookSize, args: &str) -> Row {
        Row::new(
            book,
            format!("git {args}"),
            Action::Git(args.to_owned()),
            false,
        )
    }

    /// A shell script in the book, a baseline labelled `label`.
    pub fn shell(book: BookSize, label: &str, script: &str) -> Row {
        Row::new(
            book,
            label.to_owned(),
            Action::Shell(script.to_owned()),
            false,
        )
    }

    /// The single-threaded plain toml parse baseline.
    pub fn parse_toml(book: BookSize) -> Row {
        Row::new(book, PARSE.to_owned(), Action::ParseToml, false)
    }

    /// Compares this row with the row labelled `label` on the same book.
    pub fn vs(mut self, label: &str) -> Row {
        self.baseline = Some(label.to_owned());
        self
    }

    /// Target: at most `ratio` times the baseline.
    pub fn at_most(mut self, ratio: f64) -> Row {
        self.target = Target::RatioAtMost(ratio);
        self
    }

    /// Target: at most `ms` milliseconds above the baseline.
    pub fn overhead_ms(mut self, ms: f64) -> Row {
        self.target = Target::OverheadAtMostMs(ms);
        self
    }

    /// Target: at most `seconds`, whatever the baseline.
    pub fn within_s(mut self, seconds: f64) -> Row {
        self.target = Target::SecondsAtMost(seconds);
        self
    }

    /// An untimed script to run before each timed run.
    pub fn prepare(mut self, script: &str) -> Row {
        self.prepare = Some(script.to_owned());
        self
    }

    /// Runs the command in `dir` (placeholders allowed) instead of the book.
    pub fn in_dir(mut self, dir: &str) -> Row {
        self.dir = Some(dir.to_owned());
        self
    }

    /// No memory target (for rows that do not run on the generated book,
    /// whose size sets the limit).
    pub fn no_memory_target(mut self) -> Row {
        self.memory_target = false;
        self
    }

    /// Exit codes that count as success.
    pub fn codes(mut self, codes: &[i32]) -> Row {
        self.ok_codes = codes.to_vec();
        self
    }

    /// A different label.
    pub fn label(mut self, label: &str) -> Row {
        self.label = label.to_owned();
        self
    }
}

/// Label of the `cat` baseline.
pub const CAT: &str = "cat customers/**";
/// Label of the parse baseline.
pub const PARSE: &str = "toml parse, 1 thread";
/// Label of the `kehu check` row that later rows compare with.
pub const CHECK: &str = "kehu check";

const CAT_SCRIPT: &str = "find customers -type f -name '*.toml' -print0 | xargs -0 cat >/dev/null";

/// Every row of the harness, in table order.
pub fn default_rows() -> Vec<Row> {
    use BookSize::{Large, Small};
    vec![
        // Foundation (issue 2, 11): reading and checking.
        Row::shell(Small, CAT, CAT_SCRIPT),
        Row::parse_toml(Small).vs(CAT),
        Row::kehu(Small, "check")
            .codes(&[0, 1])
            .vs(PARSE)
            .at_most(1.0),
        // History (issue 3) on 10,000 customers and 200,000 commits.
        Row::git(Small, "log --format=%H -- {focus_path}"),
        Row::kehu(Small, "history {focus}")
            .vs("git log --format=%H -- {focus_path}")
            .at_most(1.5),
        Row::git(Small, "log --since={week} --raw -- customers/"),
        Row::kehu(Small, "log --since {week}")
            .vs("git log --since={week} --raw -- customers/")
            .at_most(2.0),
        Row::git(Small, "log --raw -- customers/"),
        Row::kehu(Small, "log").vs("git log --raw -- customers/"),
        // Import (issue 3): all CDNOW transactions into a new book.
        Row::kehu(Small, "import orders {cdnow} --format cdnow --create")
            .label("kehu import orders CDNOW_master --create")
            .prepare("rm -rf {scratch}/book && {kehu} init {scratch}/book >/dev/null")
            .in_dir("{scratch}/book")
            .no_memory_target()
            .within_s(5.0),
        // Plugins (issue 4): discovery overhead.
        Row::kehu(Small, "--version"),
        Row::kehu(Small, "plugins")
            .vs("kehu --version")
            .overhead_ms(10.0),
        // Scale (issue 11) on 100,000 customers and 200,000 commits.
        Row::shell(Large, CAT, CAT_SCRIPT),
        Row::parse_toml(Large).vs(CAT),
        Row::kehu(Large, "check")
            .codes(&[0, 1])
            .vs(PARSE)
            .at_most(1.0),
        Row::kehu(Large, "classify --format json")
            .vs(CHECK)
            .at_most(1.3),
        Row::kehu(Large, "assign --plan").vs(CHECK).at_most(2.0),
        Row::kehu(Large, "agenda").vs(CHECK).at_most(1.3),
        Row::kehu(Large, "churn").vs(CHECK).at_most(2.0),
        Row::kehu(Large, "churn --model").vs(CHECK),
        Row::kehu(Large, "report --since {week}")
            .vs(CHECK)
            .at_most(3.0),
        Row::kehu(Large, "report --since {year}").vs(CHECK),
        Row::git(Large, "log --format=%H -- {focus_path}"),
        Row::kehu(Large, "history {focus}")
            .vs("git log --format=%H -- {focus_path}")
            .at_most(1.5),
        Row::git(Large, "log --since={week} --raw -- customers/"),
        Row::kehu(Large, "log --since {week}")
            .vs("git log --since={week} --raw -- customers/")
            .at_most(2.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_baseline_names_an_earlier_row_on_the_same_book() {
        let rows = default_rows();
        for (i, row) in rows.iter().enumerate() {
            if let Some(baseline) = &row.baseline {
                assert!(
                    rows[..i]
                        .iter()
                        .any(|r| r.book == row.book && &r.label == baseline),
                    "{}: no baseline {baseline}",
                    row.label
                );
            }
            assert_eq!(
                rows.iter()
                    .filter(|r| r.book == row.book && r.label == row.label)
                    .count(),
                1,
                "{} twice",
                row.label
            );
        }
    }
}
