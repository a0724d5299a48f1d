//! Shared harness for the end-to-end tests: the real `kehu` binary, run on
//! real temporary git repositories in a hermetic environment (no user or
//! system git config, fixed author and dates), as jj's tests do.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The fixed date every test runs "today" at (`KEHU_TODAY`, set by
/// [`hermetic`]): no test depends on the machine's clock.
pub const AS_OF: &str = "2026-11-20";

/// The repository root (for templates and the sample book).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Builds the five bundled plugins once per test process and returns the
/// directory that holds them (cargo does not build cdylib members for
/// `cargo test`). The nested build uses its own target directory so it never
/// waits on the lock of the outer `cargo test`.
pub fn plugin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let target = repo_root().join("target/e2e-plugins");
        let mut command = Command::new(env!("CARGO"));
        command
            .current_dir(repo_root())
            .args(["build", "--quiet", "--target-dir"])
            .arg(&target);
        for plugin in ["classify", "assign", "agenda", "report", "churn"] {
            command.args(["-p", &format!("kehu-{plugin}")]);
        }
        let status = command.status().expect("cargo build of the plugins");
        assert!(status.success(), "building the plugins failed");
        target.join("debug")
    })
}

/// A hermetic environment applied to every process a test starts: no user
/// or system git config, fixed names, emails and commit dates, and today
/// pinned to [`AS_OF`] (a test that needs another day passes `--today`).
pub fn hermetic(command: &mut Command) -> &mut Command {
    command
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Test Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00+00:00")
        .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00+00:00")
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env("KEHU_TODAY", AS_OF)
        .env_remove("KEHU_BOOK")
        .env_remove("KEHU_PLUGIN_PATH")
        .env("HOME", std::env::temp_dir())
}

/// Runs `kehu` with `args` in `dir`.
pub fn kehu(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kehu"));
    hermetic(&mut command).current_dir(dir).args(args);
    command.output().expect("run kehu")
}

/// Runs `git` with `args` in `dir`; panics when it fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let mut command = Command::new("git");
    hermetic(&mut command).current_dir(dir).args(args);
    let output = command.output().expect("run git");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs git with author and committer dates set to `day` at noon UTC.
pub fn git_on(dir: &Path, day: &str, args: &[&str]) -> String {
    let stamp = format!("{day}T12:00:00+00:00");
    let mut command = Command::new("git");
    hermetic(&mut command)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", &stamp)
        .env("GIT_COMMITTER_DATE", &stamp)
        .args(args);
    let output = command.output().unwrap();
    assert!(output.status.success(), "git {args:?}: {}", stderr(&output));
    String::from_utf8(output.stdout).unwrap()
}

/// Runs `kehu` with `args` in `dir` and returns stdout, failing the test
/// (with both streams) on a non-zero exit.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let output = kehu(dir, args);
    assert!(
        output.status.success(),
        "kehu {args:?} exited {:?}: {}{}",
        output.status.code(),
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// Commits everything in `dir` (`git add -A`), authored and committed on
/// `day` at noon UTC.
pub fn commit_all_on(dir: &Path, day: &str, message: &str) {
    git_on(dir, day, &["add", "-A"]);
    git_on(dir, day, &["commit", "-q", "-m", message]);
}

/// HEAD's commit id.
pub fn head(dir: &Path) -> String {
    git(dir, &["rev-parse", "HEAD"]).trim().to_owned()
}

/// The canonical path of customer `id`'s file (`customers/ac/acme.toml`).
pub fn customer_path(id: &str) -> String {
    format!("customers/{}/{id}.toml", &id[..2])
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A new empty book made by `kehu init` in a temporary directory.
pub fn new_book() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let output = kehu(temp.path(), &["init", "."]);
    assert!(output.status.success(), "kehu init: {}", stderr(&output));
    temp
}

/// Copies the sample book (templates/kehu.toml and customers/) into a new
/// temporary directory, without git.
pub fn sample_book() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let root = repo_root();
    std::fs::copy(
        root.join("templates/kehu.toml"),
        temp.path().join("kehu.toml"),
    )
    .unwrap();
    copy_dir(&root.join("customers"), &temp.path().join("customers"));
    temp
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Writes `text` to `path` under `root`, creating directories.
pub fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A copy of the `kehu` binary alone in a directory, so the plugins beside
/// the real build output are not found: only what a test passes in.
pub fn isolated_kehu() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("kehu");
    std::fs::copy(env!("CARGO_BIN_EXE_kehu"), &exe).unwrap();
    (dir, exe)
}

/// Runs the binary at `exe` with `args` in `dir`.
///
/// A freshly copied executable can be "busy" for a moment: a test thread that
/// forks while another holds the copy's write handle passes that handle to its
/// child until the child execs (the classic ETXTBSY race of parallel tests), so
/// exec is retried for a short while.
pub fn run_exe(exe: &Path, dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(exe);
    hermetic(&mut command).current_dir(dir).args(args);
    output_of_copied_exe(&mut command)
}

/// Runs a command whose program is a freshly copied executable, retrying
/// while it is "busy" (see [`run_exe`]).
pub fn output_of_copied_exe(command: &mut Command) -> Output {
    for _ in 0..100 {
        match command.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            result => return result.expect("run kehu"),
        }
    }
    panic!("run {:?}: stayed busy for 2 s", command.get_program())
}

/// The library file of a bundled plugin.
pub fn plugin_library(name: &str) -> PathBuf {
    plugin_dir().join(format!("libkehu_{name}.so"))
}

/// A git book holding the sample book, committed.
pub fn sample_git_book() -> tempfile::TempDir {
    let book = sample_book();
    git(book.path(), &["init", "-q", "-b", "main"]);
    git(book.path(), &["add", "-A"]);
    git(book.path(), &["commit", "-q", "-m", "the sample book"]);
    book
}

/// Runs `git` with `args` in `dir`, with the `kehu` under test first on
/// PATH, so a merge driver configured as `kehu merge-file …` runs this build.
/// Returns the output whatever the exit status (a merge may conflict).
pub fn git_with_kehu(dir: &Path, args: &[&str]) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_kehu")).parent().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    let mut command = Command::new("git");
    hermetic(&mut command)
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).unwrap())
        .args(args);
    command.output().expect("run git")
}
