//! The benchmark harness: builds (or reuses) the generated books, runs every
//! row, and prints one table with each command's wall time, peak memory,
//! ratio to its baseline, target and PASS/FAIL/SKIP.

mod measure;
mod report;
mod rows;
mod table;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub use measure::{Measurement, Outcome, measure};
pub use report::{to_json, write_reports};
pub use rows::{
    Action, BookSize, CACHE_DIR, CACHE_FILES, CAT, CDNOW_END, CHECK, CHECK_WARM, CLASSIFY, HANDOFF,
    HISTORY_MEMORY_FACTOR, HISTORY_MEMORY_SLACK, IMPORT, LIFETIMES, NO_CACHE_ENV, NO_REPLAY_ENV,
    PARSE, Row, Target, default_rows,
};
pub use table::{Line, lines, render_table};

use crate::calendar::{as_of, days_before};
use crate::error::{BenchError, Result, io_at};
use crate::fit::REPORTED_PREFIX;
use crate::history::{LargeBookInfo, LargeBookSpec, write_large_book};

/// How to run the harness.
#[derive(Clone, Debug)]
pub struct Options {
    /// The kehu binary.
    pub kehu: PathBuf,
    /// This binary, for the parse baseline (`kehu-bench parse DIR`).
    pub self_exe: PathBuf,
    /// Where generated books are kept between runs.
    pub cache: PathBuf,
    /// The policy the books start from.
    pub policy_template: String,
    /// Timed runs per row (the first run over 30 s is the only one).
    pub runs: usize,
    /// Time limit of one run.
    pub timeout: Duration,
    /// The books, by size.
    pub books: Vec<(BookSize, LargeBookSpec)>,
    /// Only rows whose label contains one of these texts (and the rows
    /// they are compared with); every row when empty.
    pub filter: Vec<String>,
    /// `CDNOW_master.txt`, for the import row.
    pub cdnow: Option<PathBuf>,
    /// Build missing books with `BIN book …` in a subprocess (normally this
    /// binary) instead of in this process.
    pub build_with: Option<PathBuf>,
}

/// The UTC time and the load average now, for the report's header:
/// `2026-11-22 19:40 UTC, load 3.1 2.8 2.5`.
pub fn describe_machine() -> String {
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let load = fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned());
    format!("{now}, load {load}")
}

/// The commit the repository at `root` is on, `main at abc1234`, or
/// `unknown commit` outside git.
pub fn describe_commit(root: &Path) -> String {
    let output = Command::new("git")
        .current_dir(root)
        .args(["log", "-1", "--format=%h", "HEAD"])
        .output();
    match output {
        Ok(o) if o.status.success() => {
            format!("commit {}", String::from_utf8_lossy(&o.stdout).trim())
        }
        _ => "unknown commit".to_owned(),
    }
}

/// A row's runs, or why it has none.
#[derive(Clone, Debug)]
pub enum RowStatus {
    /// Every run ended with an accepted exit code.
    Ran {
        /// Wall time of each run.
        walls: Vec<Duration>,
        /// CPU time (user + system) of each run.
        cpus: Vec<Duration>,
        /// Highest peak RSS over the runs, in bytes.
        peak_rss: u64,
    },
    /// The command does not exist yet or failed.
    Skipped(String),
    /// The command ran past the time limit.
    TimedOut(Duration),
}

/// A row with its measurements.
#[derive(Clone, Debug)]
pub struct RowResult {
    /// The row.
    pub row: Row,
    /// What happened.
    pub status: RowStatus,
}

impl RowResult {
    /// Fastest run.
    pub fn best(&self) -> Option<Duration> {
        match &self.status {
            RowStatus::Ran { walls, .. } => walls.iter().min().copied(),
            _ => None,
        }
    }

    /// Slowest run.
    pub fn worst(&self) -> Option<Duration> {
        match &self.status {
            RowStatus::Ran { walls, .. } => walls.iter().max().copied(),
            _ => None,
        }
    }

    /// Median run (the lower middle for an even count).
    pub fn median(&self) -> Option<Duration> {
        match &self.status {
            RowStatus::Ran { walls, .. } => median(walls),
            _ => None,
        }
    }

    /// Median CPU time of the runs.
    pub fn cpu(&self) -> Option<Duration> {
        match &self.status {
            RowStatus::Ran { cpus, .. } => median(cpus),
            _ => None,
        }
    }

    /// Peak memory over the runs.
    pub fn peak_rss(&self) -> Option<u64> {
        match &self.status {
            RowStatus::Ran { peak_rss, .. } => Some(*peak_rss),
            _ => None,
        }
    }
}

/// The lower middle of some durations.
fn median(values: &[Duration]) -> Option<Duration> {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

/// One book's results.
#[derive(Clone, Debug)]
pub struct BookResult {
    /// Which book.
    pub size: BookSize,
    /// What was built.
    pub info: LargeBookInfo,
    /// Its rows, in order.
    pub rows: Vec<RowResult>,
}

impl BookResult {
    /// The memory limit of kehu commands on this book: 3× its size + 64 MiB.
    pub fn memory_limit(&self) -> u64 {
        3 * self.info.bytes + 64 * 1024 * 1024
    }

    /// The result of the row labelled `label`.
    pub fn row(&self, label: &str) -> Option<&RowResult> {
        self.rows.iter().find(|r| r.row.label == label)
    }
}

/// The cache directory of a book spec, keyed by the generator version so
/// that books of an older generator are never reused.
pub fn book_dir(cache: &Path, spec: &LargeBookSpec) -> PathBuf {
    cache.join(format!(
        "c{}-m{}-s{}-g{}",
        spec.customers,
        spec.commits,
        spec.seed,
        crate::history::GENERATOR_VERSION
    ))
}

/// The book for `spec` in the cache, built unless a complete one is there.
///
/// With `builder` (this binary), the book is built by a `builder book …`
/// subprocess, so the harness itself stays small: a child forked from a
/// process holding 100,000 generated customers would report that memory as
/// its own peak.
pub fn ensure_book(
    cache: &Path,
    spec: &LargeBookSpec,
    policy: &str,
    builder: Option<&Path>,
) -> Result<LargeBookInfo> {
    let dir = book_dir(cache, spec);
    if let Some(info) = LargeBookInfo::load(&dir, spec) {
        return Ok(info);
    }
    if dir.exists() {
        // An unfinished build of ours: start again.
        fs::remove_dir_all(&dir).map_err(io_at(&dir))?;
    }
    fs::create_dir_all(cache).map_err(io_at(cache))?;
    eprintln!(
        "kehu-bench: building {} ({} customers, {} commits)…",
        dir.display(),
        spec.customers,
        spec.commits
    );
    let Some(builder) = builder else {
        return write_large_book(&dir, spec, policy);
    };
    let mut command = Command::new(builder);
    command.arg("book").args([
        "--customers",
        &spec.customers.to_string(),
        "--commits",
        &spec.commits.to_string(),
        "--seed",
        &spec.seed.to_string(),
    ]);
    command.arg(&dir);
    let shown = format!("{command:?}");
    let status = command.status().map_err(|e| BenchError::Command {
        command: shown.clone(),
        detail: e.to_string(),
    })?;
    match LargeBookInfo::load(&dir, spec) {
        Some(info) if status.success() => Ok(info),
        _ => Err(BenchError::Command {
            command: shown,
            detail: format!("{status}, and no complete book in {}", dir.display()),
        }),
    }
}

/// What a row's placeholders stand for.
pub struct Context<'a> {
    /// The generated book.
    pub info: &'a LargeBookInfo,
    /// The kehu binary.
    pub kehu: &'a Path,
    /// The row's own scratch directory.
    pub scratch: &'a Path,
    /// The row's own directory in memory (`/dev/shm`), else `scratch`.
    pub tmpfs: &'a Path,
    /// The CDNOW master file, when present.
    pub cdnow: Option<&'a Path>,
    /// Where the books are kept (`{cache}`).
    pub cache: &'a Path,
}

/// This crate's `scripts/` directory (`{scripts}`).
pub fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts")
}

/// The repository this crate was built from (`{repo}`).
pub fn repo_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Deletes kehu's derived files ([`CACHE_FILES`] in [`CACHE_DIR`]) of the
/// book at `dir`, so the next command runs as the first after a clone.
pub fn clear_caches(dir: &Path) -> Result<()> {
    let cache = dir.join(CACHE_DIR);
    let entries = match fs::read_dir(&cache) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_at(&cache)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io_at(&cache))?;
        let path = entry.path();
        // The caches, and the temporary files of a writer killed by a
        // timed-out run (`.history-v2.tmp-PID`).
        let derived = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| n.trim_start_matches('.'))
            .is_some_and(|n| CACHE_FILES.iter().any(|prefix| n.starts_with(prefix)));
        if !derived {
            continue;
        }
        let removed = if entry.file_type().map_err(io_at(&path))?.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.map_err(io_at(&path))?;
    }
    Ok(())
}

/// Fills the placeholders of a row's arguments or scripts.
pub fn expand(template: &str, cx: &Context<'_>) -> String {
    let cdnow = cx
        .cdnow
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    template
        .replace("{focus_path}", &cx.info.focus_path())
        .replace("{focus}", &cx.info.focus)
        .replace("{as_of}", &as_of().to_string())
        .replace("{week}", &days_before(as_of(), 7).to_string())
        .replace("{year}", &days_before(as_of(), 365).to_string())
        .replace("{kehu}", &cx.kehu.display().to_string())
        .replace("{scratch}", &cx.scratch.display().to_string())
        .replace("{tmpfs}", &cx.tmpfs.display().to_string())
        .replace("{cdnow}", &cdnow)
        .replace("{cache}", &cx.cache.display().to_string())
        .replace("{scripts}", &scripts_dir().display().to_string())
        .replace("{repo}", &repo_dir().display().to_string())
}

fn command_for(row: &Row, cx: &Context<'_>, options: &Options) -> Command {
    let mut command = match &row.action {
        Action::Kehu(args) => {
            let mut c = Command::new(&options.kehu);
            c.args(expand(args, cx).split_whitespace());
            c
        }
        Action::Git(args) => {
            let mut c = Command::new("git");
            c.args(expand(args, cx).split_whitespace());
            c
        }
        Action::Shell(script) => shell(&expand(script, cx)),
        Action::ParseToml => {
            let mut c = Command::new(&options.self_exe);
            c.arg("parse").arg(&cx.info.dir);
            c
        }
        Action::FitCdnow => {
            let mut c = Command::new(&options.self_exe);
            c.arg("fit-cdnow").arg(expand("{cdnow}", cx));
            c
        }
    };
    let dir = match &row.dir {
        Some(dir) => PathBuf::from(expand(dir, cx)),
        None => cx.info.dir.clone(),
    };
    hermetic(&mut command, &dir);
    if !row.warm {
        command.env(NO_CACHE_ENV, "1");
    }
    if !row.replay {
        command.env(NO_REPLAY_ENV, "1");
    }
    command
}

fn shell(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(script);
    c
}

fn hermetic(command: &mut Command, dir: &Path) {
    command
        .current_dir(dir)
        .env("KEHU_BOOK", dir)
        .env("KEHU_TODAY", as_of().to_string())
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_PAGER", "cat")
        .env("GIT_AUTHOR_NAME", "kehu-bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "kehu-bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com");
}

/// The line of a failed command's stderr that says why: the first one that
/// mentions an error, else the first non-empty one, cut to 90 characters.
fn first_line(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.to_ascii_lowercase().contains("error"))
        .or_else(|| lines.next())
        .unwrap_or("");
    let mut short: String = line.chars().take(90).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

fn mentions(row: &Row, placeholder: &str) -> bool {
    let in_action = match &row.action {
        Action::Kehu(text) | Action::Git(text) | Action::Shell(text) => text.contains(placeholder),
        Action::ParseToml => false,
        Action::FitCdnow => placeholder == "{cdnow}",
    };
    in_action
        || row
            .prepare
            .as_deref()
            .is_some_and(|p| p.contains(placeholder))
        || row.dir.as_deref().is_some_and(|d| d.contains(placeholder))
}

fn failure(what: &str, m: &Measurement) -> String {
    match m.outcome {
        Outcome::Exited(code) => format!("{what}exit {code}: {}", first_line(&m.stderr)),
        Outcome::Signalled(signal) => {
            format!("{what}killed by signal {signal}: {}", first_line(&m.stderr))
        }
        Outcome::TimedOut => format!("{what}timed out"),
    }
}

/// Runs one row `options.runs` times.
pub fn run_row(row: &Row, info: &LargeBookInfo, options: &Options) -> RowStatus {
    let uses_kehu = matches!(row.action, Action::Kehu(_)) || mentions(row, "{kehu}");
    if uses_kehu && !options.kehu.is_file() {
        return RowStatus::Skipped(format!(
            "no kehu binary at {} (cargo build --release)",
            options.kehu.display()
        ));
    }
    if mentions(row, "{cdnow}") && options.cdnow.is_none() {
        return RowStatus::Skipped("no CDNOW_master.txt (shared/data beside the repo)".into());
    }
    let scratch = options
        .cache
        .join("scratch")
        .join(crate::names::slug(&format!(
            "{}-{}",
            info.spec.customers, row.label
        )));
    if let Err(e) = fs::create_dir_all(&scratch) {
        return RowStatus::Skipped(format!("{}: {e}", scratch.display()));
    }
    let shm = Path::new("/dev/shm");
    let tmpfs = if mentions(row, "{tmpfs}") && shm.is_dir() {
        let dir = shm.join(format!("kehu-bench-{}", std::process::id()));
        if let Err(e) = fs::create_dir_all(&dir) {
            return RowStatus::Skipped(format!("{}: {e}", dir.display()));
        }
        dir
    } else {
        scratch.clone()
    };
    let status = run_row_in(row, info, options, &scratch, &tmpfs);
    if tmpfs != scratch {
        let _ = fs::remove_dir_all(&tmpfs);
    }
    status
}

fn run_row_in(
    row: &Row,
    info: &LargeBookInfo,
    options: &Options,
    scratch: &Path,
    tmpfs: &Path,
) -> RowStatus {
    let cx = Context {
        info,
        kehu: &options.kehu,
        scratch,
        tmpfs,
        cdnow: options.cdnow.as_deref(),
        cache: &options.cache,
    };
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut peak = 0;
    // A warm row's first, untimed run fills the cache.
    let first = if row.warm { 0 } else { 1 };
    let cold = matches!(row.action, Action::Kehu(_)) && !row.warm && row.dir.is_none();
    for run in first..=options.runs.max(1) {
        if cold && let Err(e) = clear_caches(&info.dir) {
            return RowStatus::Skipped(format!("clearing the caches: {e}"));
        }
        if let Some(prepare) = &row.prepare {
            let mut command = shell(&expand(prepare, &cx));
            hermetic(&mut command, &info.dir);
            match measure(&mut command, options.timeout) {
                Ok(m) if m.outcome == Outcome::Exited(0) => {}
                Ok(m) => return RowStatus::Skipped(failure("prepare: ", &m)),
                Err(e) => return RowStatus::Skipped(format!("prepare: {e}")),
            }
        }
        // The untimed warm-up may build the history index from nothing
        // (minutes on a 200,000-commit book): killing it at the row's limit
        // would leave the timed runs as cold as the first.
        let limit = if run == 0 {
            options.timeout.max(WARM_UP_LIMIT)
        } else {
            options.timeout
        };
        let m = match measure(&mut command_for(row, &cx, options), limit) {
            Ok(m) => m,
            Err(e) => return RowStatus::Skipped(e.to_string()),
        };
        match m.outcome {
            Outcome::Exited(code) if row.ok_codes.contains(&code) => {}
            Outcome::TimedOut => return RowStatus::TimedOut(limit),
            _ => return RowStatus::Skipped(failure("", &m)),
        }
        if run == 0 {
            continue;
        }
        if row.reported_time {
            let Some(reported) = reported_seconds(&m.stderr) else {
                return RowStatus::Skipped(format!(
                    "no `{REPORTED_PREFIX}` line on stderr: {}",
                    first_line(&m.stderr)
                ));
            };
            walls.push(reported);
            cpus.push(reported);
        } else {
            walls.push(m.wall);
            cpus.push(m.cpu);
        }
        peak = peak.max(m.peak_rss);
        if run == 1 && m.wall > Duration::from_secs(30) {
            break;
        }
    }
    RowStatus::Ran {
        walls,
        cpus,
        peak_rss: peak,
    }
}

/// The time a command reported on its stderr (`bench-seconds: S`, the last
/// such line).
fn reported_seconds(stderr: &str) -> Option<Duration> {
    let line = stderr
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix(REPORTED_PREFIX))?;
    let seconds = line.trim().parse::<f64>().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// The time limit of a warm row's untimed first run, when `--timeout` is
/// shorter: long enough to build kehu's caches on the large book.
const WARM_UP_LIMIT: Duration = Duration::from_secs(30 * 60);

/// The rows whose label contains one of `filters` (all rows without
/// filters), with the rows they are compared with.
pub fn wanted_rows(rows: &[Row], filters: &[String]) -> Vec<Row> {
    if filters.is_empty() {
        return rows.to_vec();
    }
    let mut keep: Vec<bool> = rows
        .iter()
        .map(|r| filters.iter().any(|f| r.label.contains(f.as_str())))
        .collect();
    // Keep the rows kept rows refer to, transitively: baselines come
    // earlier, so one backward pass after marking the memory references.
    for i in 0..rows.len() {
        if keep[i] {
            mark(rows, &mut keep, i, rows[i].memory_like.as_deref());
        }
    }
    for i in (0..rows.len()).rev() {
        if keep[i] {
            mark(rows, &mut keep, i, rows[i].baseline.as_deref());
        }
    }
    rows.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(r, _)| r.clone())
        .collect()
}

/// Marks the row of row `i`'s book labelled `label`.
fn mark(rows: &[Row], keep: &mut [bool], i: usize, label: Option<&str>) {
    let Some(label) = label else { return };
    for (j, candidate) in rows.iter().enumerate() {
        if candidate.book == rows[i].book && candidate.label == label {
            keep[j] = true;
        }
    }
}

/// Builds the books and runs `rows` on them, printing progress to stderr
/// and handing `after_book` the results so far (smallest book first) each
/// time a book is done, so a long run that is cut short still leaves the
/// books it finished.
pub fn run(
    rows: &[Row],
    options: &Options,
    mut after_book: impl FnMut(&[BookResult]) -> Result<()>,
) -> Result<Vec<BookResult>> {
    let rows = wanted_rows(rows, &options.filter);
    let mut results = Vec::new();
    for (size, spec) in &options.books {
        let book_rows: Vec<&Row> = rows.iter().filter(|r| r.book == *size).collect();
        if book_rows.is_empty() {
            continue;
        }
        let info = ensure_book(
            &options.cache,
            spec,
            &options.policy_template,
            options.build_with.as_deref(),
        )?;
        // Warm the page cache so the first timed row is not the one that
        // pays for the disk.
        let warm = Row::shell(
            *size,
            "warm-up",
            "cat kehu.toml >/dev/null; find customers -type f -print0 | xargs -0 cat >/dev/null; git rev-list --count HEAD >/dev/null",
        );
        let warm_options = Options {
            runs: 1,
            ..options.clone()
        };
        if let RowStatus::Skipped(reason) = run_row(&warm, &info, &warm_options) {
            return Err(BenchError::Command {
                command: "warm-up".to_owned(),
                detail: reason,
            });
        }
        let mut book = BookResult {
            size: *size,
            info,
            rows: Vec::new(),
        };
        for row in book_rows {
            eprintln!("kehu-bench: {} {}", size, row.label);
            let status = run_row(row, &book.info, options);
            book.rows.push(RowResult {
                row: row.clone(),
                status,
            });
        }
        results.push(book);
        results.sort_by_key(|b| b.info.spec.customers);
        after_book(&results)?;
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearing_removes_every_cache_and_stale_temporary_files_only() {
        let book = tempfile::tempdir().unwrap();
        let cache = book.path().join(CACHE_DIR);
        fs::create_dir_all(cache.join("history-v3")).unwrap();
        for file in [
            "parse-v1",
            "history-v3/seg-000001.jsonl",
            ".history-v2.tmp-42",
            "keep.me",
        ] {
            fs::write(cache.join(file), "x").unwrap();
        }
        clear_caches(book.path()).unwrap();
        let left: Vec<String> = fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, ["keep.me"]);
    }

    #[test]
    fn a_reported_time_is_the_last_bench_seconds_line() {
        assert_eq!(
            reported_seconds("noise\nbench-seconds: 0.5\nbench-seconds: 0.012500\n"),
            Some(Duration::from_micros(12_500))
        );
        assert_eq!(reported_seconds("bench-seconds: nan\nfit failed\n"), None);
        assert_eq!(reported_seconds(""), None);
    }

    #[test]
    fn reasons_prefer_the_error_line() {
        assert_eq!(
            first_line("\nwarning: x\nkehu: error: no such plugin\n"),
            "kehu: error: no such plugin"
        );
        assert_eq!(first_line("\n  just this\nand that"), "just this");
        assert!(first_line(&"e".repeat(200)).ends_with('…'));
    }

    #[test]
    fn filter_keeps_baselines() {
        let rows = default_rows();
        let kept = wanted_rows(&rows, &["history".to_owned()]);
        let labels: Vec<&str> = kept.iter().map(|r| r.label.as_str()).collect();
        assert!(labels.contains(&"kehu history {focus}"));
        assert!(labels.contains(&"git log --format=%H -- {focus_path}"));
        assert!(!labels.contains(&"kehu check"));
    }

    #[test]
    fn runs_rows_on_a_small_book_and_skips_a_missing_kehu() {
        let temp = tempfile::tempdir().unwrap();
        let spec = LargeBookSpec {
            seed: 3,
            customers: 200,
            commits: 80,
        };
        let policy = "[book]\nname = \"t\"\n\n[owners.x]\nname = \"X\"\ncapacity = 1\n";
        let options = Options {
            kehu: temp.path().join("no-such-kehu"),
            self_exe: PathBuf::from("/bin/true"),
            cache: temp.path().join("cache"),
            policy_template: policy.to_owned(),
            runs: 2,
            timeout: Duration::from_secs(60),
            books: vec![(BookSize::Small, spec)],
            filter: Vec::new(),
            cdnow: None,
            build_with: None,
        };
        let rows = vec![
            Row::shell(
                BookSize::Small,
                CAT,
                "find customers -type f | xargs cat >/dev/null",
            ),
            Row::git(BookSize::Small, "log --format=%H -- {focus_path}"),
            Row::git(BookSize::Small, "no-such-git-command"),
            Row::kehu(BookSize::Small, "check").vs(CAT).at_most(1.0),
            Row::shell(
                BookSize::Small,
                "fresh",
                "test -f {scratch}/made && test ! -f kehu.toml",
            )
            .prepare("touch {scratch}/made")
            .in_dir("{scratch}"),
            Row::shell(BookSize::Small, "bad prepare", "true").prepare("exit 4"),
            Row::shell(BookSize::Small, "needs cdnow", "cat {cdnow}"),
        ];
        let mut reported = Vec::new();
        let results = run(&rows, &options, |so_far| {
            reported.push(so_far.len());
            Ok(())
        })
        .unwrap();
        assert_eq!(reported, [1]);
        assert_eq!(results.len(), 1);
        let book = &results[0];
        let cat = book.row(CAT).unwrap();
        assert!(matches!(&cat.status, RowStatus::Ran { walls, .. } if walls.len() == 2));
        assert!(
            book.row("git log --format=%H -- {focus_path}")
                .unwrap()
                .median()
                .is_some()
        );
        assert!(
            matches!(&book.row("git no-such-git-command").unwrap().status,
            RowStatus::Skipped(reason) if reason.starts_with("exit 1"))
        );
        assert!(matches!(&book.row("kehu check").unwrap().status,
            RowStatus::Skipped(reason) if reason.contains("no kehu binary")));
        assert!(book.row("fresh").unwrap().median().is_some());
        assert!(matches!(&book.row("bad prepare").unwrap().status,
            RowStatus::Skipped(reason) if reason.starts_with("prepare: exit 4")));
        assert!(matches!(&book.row("needs cdnow").unwrap().status,
            RowStatus::Skipped(reason) if reason.contains("CDNOW")));
        let table = render_table(&results);
        assert!(table.contains("SKIP"), "{table}");
        // The second run reuses the cached book.
        let again = ensure_book(&options.cache, &spec, policy, None).unwrap();
        assert_eq!(again, book.info);
    }
}
