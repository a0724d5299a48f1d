//! The bad-input corpus (`tests/corpus/` at the repository root), run on the
//! real binary.
//!
//! Each case is a directory: `case.toml` says what to build and what must
//! happen, `book/` holds files laid over the base book (`tests/corpus/base`),
//! and other files are inputs a command reads (an orders CSV). The book is
//! committed to a real temporary git repository, then:
//!
//! 1. the case's command (default `check --format json`) must end with the
//!    stated exit code and print every stated diagnostic (file, line, field,
//!    code) or stderr text;
//! 2. every command in [`SWEEP`] runs on the same book and must not panic or
//!    die of a signal, whatever it decides to say.
//!
//! `case.toml`:
//!
//! ```toml
//! about = "what is broken"
//! command = ["import", "orders", "{case}/orders.csv"]  # optional; {case} = the case directory
//! exit = 1
//! stderr = ["orders.csv:3: date:"]     # optional, substrings of stderr
//! remove = ["customers/ac/acme.toml"]  # optional, base files to delete first
//! [[symlink]]                          # optional, links git cannot carry portably
//! path = "customers/ev/evil.toml"
//! target = "/etc/passwd"
//! [[generate]]                         # optional, big files made at run time
//! path = "customers/ac/acme.toml"
//! head = "id = \"acme\"\n"
//! repeat = "x"
//! times = 600000
//! tail = "\n"
//! [[expect]]                           # diagnostics `check --format json` must print
//! path = "customers/ac/acme.toml"
//! line = 3                             # optional
//! field = "name"                       # optional
//! code = "wrong-type"                  # optional
//! message = "substring"                # optional
//! ```

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{AS_OF, git, hermetic, plugin_dir, repo_root};
use serde::Deserialize;

/// What a case asks for (see the module docs).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    #[serde(default)]
    command: Vec<String>,
    exit: i32,
    #[serde(default)]
    stderr: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    symlink: Vec<Symlink>,
    #[serde(default)]
    generate: Vec<Generate>,
    #[serde(default)]
    expect: Vec<Expect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Symlink {
    path: String,
    target: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Generate {
    path: String,
    head: String,
    repeat: String,
    times: usize,
    tail: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    path: String,
    line: Option<u64>,
    field: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

impl Expect {
    fn matches(&self, d: &serde_json::Value) -> bool {
        let text = |key: &str| d.get(key).and_then(|v| v.as_str());
        text("path") == Some(self.path.as_str())
            && self
                .line
                .is_none_or(|line| d.get("line").and_then(|v| v.as_u64()) == Some(line))
            && self
                .field
                .as_ref()
                .is_none_or(|f| text("field") == Some(f.as_str()))
            && self
                .code
                .as_ref()
                .is_none_or(|c| text("code") == Some(c.as_str()))
            && self
                .message
                .as_ref()
                .is_none_or(|m| text("message").is_some_and(|t| t.contains(m.as_str())))
    }
}

/// Commands every case's book goes through; none may panic. `{plugins}` is
/// replaced by the directory of the freshly built bundled plugins. The
/// writing commands come last (they may change the book).
const SWEEP: &[&[&str]] = &[
    &["check"],
    &["check", "--format", "json"],
    &["--as-of", "2026-11-21", "check"],
    &["export", "--format", "csv"],
    &["export", "--format", "json"],
    &["log"],
    &["history", "acme"],
    &["blame", "acme"],
    &["--plugin-dir", "{plugins}", "classify", "--format", "json"],
    &["--plugin-dir", "{plugins}", "agenda", "--format", "ics"],
    &["--plugin-dir", "{plugins}", "report", "--format", "html"],
    &["--plugin-dir", "{plugins}", "churn", "--format", "csv"],
    &[
        "--plugin-dir",
        "{plugins}",
        "assign",
        "--format",
        "markdown",
    ],
    &["--plugin-dir", "{plugins}", "classify", "--apply"],
    &["contact", "acme", "--channel", "call", "--note", "corpus"],
];

fn corpus_dir() -> PathBuf {
    repo_root().join("tests/corpus")
}

/// Every case directory, sorted.
fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn read_case(dir: &Path) -> Case {
    let text = std::fs::read_to_string(dir.join("case.toml")).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

/// Copies a tree, keeping symbolic links as links.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            if target.is_dir() {
                std::fs::remove_dir_all(&target).unwrap();
            }
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn remove_path(path: &Path) {
    let meta = std::fs::symlink_metadata(path).unwrap();
    if meta.is_dir() {
        std::fs::remove_dir_all(path).unwrap();
    } else {
        std::fs::remove_file(path).unwrap();
    }
}

/// Builds the case's book in a new temporary git repository.
fn build_book(dir: &Path, case: &Case) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    copy_tree(&corpus_dir().join("base"), root);
    for path in &case.remove {
        remove_path(&root.join(path));
    }
    if dir.join("book").is_dir() {
        for entry in std::fs::read_dir(dir.join("book")).unwrap() {
            let entry = entry.unwrap();
            let target = root.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                if target.exists() && !target.is_dir() {
                    remove_path(&target);
                }
                copy_tree(&entry.path(), &target);
            } else {
                if target.is_dir() {
                    remove_path(&target);
                }
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    for g in &case.generate {
        let path = root.join(&g.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut text = String::with_capacity(g.head.len() + g.repeat.len() * g.times);
        text.push_str(&g.head);
        for _ in 0..g.times {
            text.push_str(&g.repeat);
        }
        text.push_str(&g.tail);
        std::fs::write(path, text).unwrap();
    }
    for link in &case.symlink {
        let path = root.join(&link.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&link.target, path).unwrap();
    }
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "corpus case"]);
    temp
}

fn run(book: &Path, args: &[String]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kehu"));
    hermetic(&mut command).current_dir(book).args(args);
    command.output().expect("run kehu")
}

/// The case's own command, with `{case}` replaced; `check` alone becomes
/// `check --format json` so diagnostics can be matched field by field.
fn case_command(dir: &Path, case: &Case) -> Vec<String> {
    if case.command.is_empty() || case.command == ["check"] {
        return vec!["check".into(), "--format".into(), "json".into()];
    }
    case.command
        .iter()
        .map(|a| a.replace("{case}", dir.to_str().unwrap()))
        .collect()
}

/// A description of what went wrong in one case, or `None`.
fn judge_case(dir: &Path) -> Option<String> {
    let case = read_case(dir);
    let book = build_book(dir, &case);
    let args = case_command(dir, &case);
    let output = run(book.path(), &args);
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    let mut problems = String::new();
    if output.status.code() != Some(case.exit) {
        let _ = write!(
            problems,
            "\n  exit {:?}, expected {}",
            output.status.code(),
            case.exit
        );
    }
    if !case.expect.is_empty() {
        let diagnostics: Vec<serde_json::Value> = serde_json::from_str::<serde_json::Value>(&out)
            .ok()
            .map(|v| {
                let mut all = v["diagnostics"].as_array().cloned().unwrap_or_default();
                all.extend(v["policy"].as_array().cloned().unwrap_or_default());
                all
            })
            .unwrap_or_default();
        for expect in &case.expect {
            if !diagnostics.iter().any(|d| expect.matches(d)) {
                let _ = write!(problems, "\n  no diagnostic like {expect:?}");
            }
        }
        if !problems.is_empty() {
            let _ = write!(problems, "\n  stdout: {}", clip(&out));
        }
    }
    for text in &case.stderr {
        if !err.contains(text.as_str()) {
            let _ = write!(problems, "\n  stderr lacks {text:?}");
        }
    }
    if !problems.is_empty() {
        let _ = write!(problems, "\n  stderr: {}", clip(&err));
    }
    problems.push_str(&crashed(&args, &output));
    (!problems.is_empty()).then(|| format!("{} ({}):{problems}", name(dir), case.about))
}

/// Runs every [`SWEEP`] command on the case's book; reports any crash.
fn sweep_case(dir: &Path) -> Option<String> {
    let case = read_case(dir);
    let book = build_book(dir, &case);
    let plugins = plugin_dir().to_str().unwrap();
    let mut problems = String::new();
    for command in SWEEP {
        let args: Vec<String> = command
            .iter()
            .map(|a| a.replace("{plugins}", plugins))
            .collect();
        let output = run(book.path(), &args);
        problems.push_str(&crashed(&args, &output));
    }
    (!problems.is_empty()).then(|| format!("{}:{problems}", name(dir)))
}

/// A panic, an abort or a signal: what no input may cause.
fn crashed(args: &[String], output: &Output) -> String {
    let err = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    if code.is_none()
        || code == Some(101)
        || err.contains("panicked")
        || err.contains("RUST_BACKTRACE")
    {
        format!(
            "\n  kehu {}: crashed ({:?}): {}",
            args.join(" "),
            output.status,
            clip(&err)
        )
    } else {
        String::new()
    }
}

fn clip(text: &str) -> String {
    let mut end = text.len().min(1500);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

fn name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

/// Runs `judge` on every case, spread over a few threads; panics listing
/// every failing case at once.
fn over_all_cases(judge: fn(&Path) -> Option<String>) {
    let dirs = case_dirs();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = dirs
            .chunks(dirs.len().div_ceil(threads))
            .map(|chunk| {
                scope.spawn(move || chunk.iter().filter_map(|d| judge(d)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_is_large_and_every_case_states_its_outcome() {
    let dirs = case_dirs();
    assert!(dirs.len() >= 40, "only {} cases", dirs.len());
    for dir in &dirs {
        let case = read_case(dir);
        assert!(!case.about.trim().is_empty(), "{}", dir.display());
        if case.exit != 0 {
            assert!(
                !case.expect.is_empty() || !case.stderr.is_empty(),
                "{}: a failing case must name its diagnostic",
                dir.display()
            );
        }
    }
    assert_eq!(
        AS_OF, "2026-11-20",
        "the sweep reads git as of the day after"
    );
}

#[test]
fn every_case_ends_with_its_exit_code_and_diagnostic() {
    over_all_cases(judge_case);
}

#[test]
fn no_command_crashes_on_any_case() {
    over_all_cases(sweep_case);
}
