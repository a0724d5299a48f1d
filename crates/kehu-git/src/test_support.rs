//! Hermetic temporary books for tests: the git CLI with no global or system
//! config, fixed names, emails and dates.

use std::path::Path;
use std::process::Command;
use std::sync::Once;

use tempfile::TempDir;

use crate::Book;

/// The environment every git process (and every [`Book`]) in tests sees.
pub(crate) fn hermetic_env(date: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GIT_CONFIG_GLOBAL", "/dev/null".to_owned()),
        ("GIT_CONFIG_NOSYSTEM", "1".to_owned()),
        ("GIT_AUTHOR_NAME", "Tess Tester".to_owned()),
        ("GIT_AUTHOR_EMAIL", "tess@example.com".to_owned()),
        ("GIT_COMMITTER_NAME", "Tess Tester".to_owned()),
        ("GIT_COMMITTER_EMAIL", "tess@example.com".to_owned()),
        ("GIT_AUTHOR_DATE", date.to_owned()),
        ("GIT_COMMITTER_DATE", date.to_owned()),
        ("HOME", "/nonexistent".to_owned()),
        ("LC_ALL", "C".to_owned()),
    ]
}

/// Runs git in `dir` with the hermetic environment at `date`; panics on failure.
pub(crate) fn git_at(dir: &Path, date: &str, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .envs(hermetic_env(date))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs git at a fixed default date.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    git_at(dir, "2026-01-05T10:00:00+00:00", args)
}

/// Keeps libgit2 inside tests from reading the user's global config.
fn isolate_libgit2() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for level in [
            git2::ConfigLevel::Global,
            git2::ConfigLevel::System,
            git2::ConfigLevel::XDG,
            git2::ConfigLevel::ProgramData,
        ] {
            // SAFETY: runs once, before any test opens a repository.
            let _ = unsafe { git2::opts::set_search_path(level, "/nonexistent") };
        }
    });
}

/// Writes a file (creating directories) relative to `root`.
pub(crate) fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

/// A customer file with a comment, in canonical order.
pub(crate) fn customer(id: &str, tier: &str) -> String {
    format!(
        "# {id}: hand-kept notes stay\nid = \"{id}\"\nname = \"{id} Ltd\"\nowner = \"alice\"   # manager\nstage = \"won\"\n\n[grade]\ntier = \"{tier}\"\nabc = \"B\"\n\n[metrics]\nrevenue_12m = 1000.0\n"
    )
}

/// A book with `kehu.toml` and two customers (acme, zhongshan) in one commit.
pub(crate) fn new_book() -> TempDir {
    isolate_libgit2();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["config", "user.name", "Tess Tester"]);
    git(root, &["config", "user.email", "tess@example.com"]);
    write(root, "kehu.toml", "[book]\nname = \"test\"\n");
    write(root, "customers/ac/acme.toml", &customer("acme", "key"));
    write(
        root,
        "customers/zh/zhongshan.toml",
        &customer("zhongshan", "small"),
    );
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "Start the book"]);
    dir
}

/// Opens a test book with the hermetic identity.
pub(crate) fn open(root: &Path) -> Book {
    isolate_libgit2();
    Book::open(root)
        .unwrap()
        .with_env(hermetic_env("2026-01-06T09:00:00+00:00"))
}
