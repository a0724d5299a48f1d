//! A warm load must equal a cold one: on real temporary git repositories
//! built from the sample book, through hand edits, renames, deletes, branch
//! checkouts, policy changes and a damaged cache file.

use std::path::{Path, PathBuf};
use std::process::Command;

use kehu_core::{Book, LoadOptions};

use super::*;

/// The sample book of this repository.
fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", "/nonexistent")
        .env("GIT_AUTHOR_NAME", "Tess Tester")
        .env("GIT_AUTHOR_EMAIL", "tess@example.com")
        .env("GIT_COMMITTER_NAME", "Tess Tester")
        .env("GIT_COMMITTER_EMAIL", "tess@example.com")
        .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00+00:00")
        .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00+00:00")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A committed copy of the sample book (its first `count` customers).
pub(crate) fn book(count: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy(sample().join("templates/kehu.toml"), root.join("kehu.toml")).unwrap();
    let mut files: Vec<PathBuf> = walk(&sample().join("customers"));
    files.sort();
    for file in files.into_iter().take(count) {
        let rel = file.strip_prefix(sample()).unwrap();
        std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(&file, root.join(rel)).unwrap();
    }
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "book"]);
    dir
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn options() -> LoadOptions {
    LoadOptions {
        as_of: "2026-11-20".parse().unwrap(),
    }
}

fn cold(root: &Path) -> Book {
    kehu_core::load_book(root, &options()).unwrap()
}

fn warm(root: &Path) -> (Book, Stats) {
    let cache = BookCache::open(root).unwrap().expect("a git book");
    let book = kehu_core::load_book_cached(root, &options(), &cache).unwrap();
    (book, cache.save().unwrap())
}

/// Loads warm and checks the result against a cold load.
fn warm_equals_cold(root: &Path) -> Stats {
    let (book, stats) = warm(root);
    let expected = cold(root);
    assert_eq!(book.customers, expected.customers);
    assert_eq!(book.diagnostics, expected.diagnostics);
    assert_eq!(book.config, expected.config);
    stats
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_second_run_parses_nothing_and_writes_nothing() {
    let dir = book(40);
    let root = dir.path();
    let first = warm_equals_cold(root);
    assert_eq!(first.unused, Some(Unused::Missing));
    assert_eq!(first.parsed, 40);
    assert!(first.written);
    assert!(root.join(".git").join(CACHE_FILE).is_file());

    let second = warm_equals_cold(root);
    assert_eq!(second.unused, None);
    assert_eq!(second.entries, 40);
    assert_eq!(second.parsed, 0);
    assert!(!second.written);
    // Found through the index without reading, except files git could not
    // vouch for (racily clean right after the commit).
    assert_eq!(second.by_stat + second.by_content, 40);

    // The cache is inside .git: the work tree stays clean.
    let status = Command::new("git")
        .current_dir(root)
        .args(["status", "--porcelain"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");
}

#[test]
fn hand_edits_renames_deletes_and_new_files_are_seen() {
    let dir = book(30);
    let root = dir.path();
    warm_equals_cold(root);
    let files: Vec<String> = kehu_core::load_book(root, &options())
        .unwrap()
        .customers
        .iter()
        .map(|c| c.path.clone())
        .collect();

    // A hand edit, not staged: same size and a new value.
    edit(root, &files[0], "stage = \"", "stage = \"x");
    // A value outside kehu.toml: loads, with a placed diagnostic.
    edit(root, &files[1], "region = \"", "region = \"nowhere-");
    // Deleted, renamed to a wrong name, copied to a new id.
    std::fs::remove_file(root.join(&files[2])).unwrap();
    git(root, &["mv", &files[3], "customers/zz-renamed.toml"]);
    let copy = std::fs::read_to_string(root.join(&files[4])).unwrap();
    let old_id = files[4]
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".toml");
    std::fs::create_dir_all(root.join("customers/ne")).unwrap();
    std::fs::write(
        root.join("customers/ne/new-one.toml"),
        copy.replacen(&format!("id = \"{old_id}\""), "id = \"new-one\"", 1),
    )
    .unwrap();

    let stats = warm_equals_cold(root);
    let book = cold(root);
    assert!(book.customer(old_id).is_some() && book.customer("new-one").is_some());
    assert!(
        book.diagnostics
            .iter()
            .any(|d| d.path == files[1] && d.line.is_some())
    );
    assert!(
        book.diagnostics
            .iter()
            .any(|d| d.path == "customers/zz-renamed.toml")
    );
    assert!(stats.written);
    // Only the changed files were parsed and kept anew: the two edited
    // ones (their problems depend on kehu.toml, so their parses are kept)
    // and the new id. The renamed file's contents are cached already.
    assert_eq!(stats.parsed, 3, "{stats:?}");

    // Committing changes the index, not the contents: nothing to parse.
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "edits"]);
    let stats = warm_equals_cold(root);
    assert_eq!(stats.parsed, 0, "{stats:?}");
}

#[test]
fn a_checkout_of_another_branch_loads_that_branch() {
    let dir = book(30);
    let root = dir.path();
    git(root, &["checkout", "-q", "-b", "other"]);
    let files: Vec<String> = cold(root)
        .customers
        .iter()
        .map(|c| c.path.clone())
        .collect();
    for file in &files[..5] {
        edit(root, file, "name = \"", "name = \"Renamed ");
    }
    std::fs::remove_file(root.join(&files[5])).unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "other"]);
    warm_equals_cold(root);

    git(root, &["checkout", "-q", "main"]);
    let stats = warm_equals_cold(root);
    assert_eq!(stats.parsed, 6, "{stats:?}");
    git(root, &["checkout", "-q", "other"]);
    let stats = warm_equals_cold(root);
    assert_eq!(stats.parsed, 5, "{stats:?}");
}

#[test]
fn a_policy_change_reruns_the_policy_checks() {
    let dir = book(20);
    let root = dir.path();
    warm_equals_cold(root);
    // Drop a region from kehu.toml: customers of that region get a
    // diagnostic at their line, though their files did not change.
    edit(root, "kehu.toml", "west = \"West\"\n", "");
    let stats = warm_equals_cold(root);
    assert_eq!(stats.parsed, 0);
    let book = cold(root);
    assert!(
        book.diagnostics
            .iter()
            .any(|d| d.code == "unknown-value" && d.line.is_some()),
        "{:?}",
        book.diagnostics
    );
    // And a later day makes no date "in the future" any more, or does.
    let cache = BookCache::open(root).unwrap().unwrap();
    let past = LoadOptions {
        as_of: "2020-01-01".parse().unwrap(),
    };
    let warm = kehu_core::load_book_cached(root, &past, &cache).unwrap();
    let cold = kehu_core::load_book(root, &past).unwrap();
    assert_eq!(warm.customers, cold.customers);
    assert_eq!(warm.diagnostics, cold.diagnostics);
}

#[test]
fn a_damaged_cache_is_rebuilt() {
    let dir = book(20);
    let root = dir.path();
    warm_equals_cold(root);
    let file = root.join(".git").join(CACHE_FILE);
    let good = std::fs::read(&file).unwrap();

    std::fs::write(&file, &good[..good.len() / 2]).unwrap();
    let stats = warm_equals_cold(root);
    assert!(
        matches!(stats.unused, Some(Unused::Corrupt(_))),
        "{stats:?}"
    );
    assert!(stats.written && stats.parsed == 20);
    assert_eq!(std::fs::read(&file).unwrap(), good);

    let mut garbled = good.clone();
    let middle = garbled.len() / 2;
    garbled[middle] ^= 0x01;
    std::fs::write(&file, &garbled).unwrap();
    let stats = warm_equals_cold(root);
    assert!(
        matches!(stats.unused, Some(Unused::Corrupt(_))),
        "{stats:?}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), good);

    std::fs::write(&file, b"").unwrap();
    assert!(matches!(
        warm_equals_cold(root).unused,
        Some(Unused::Corrupt(_))
    ));
}

#[test]
fn a_book_outside_git_loads_cold() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        sample().join("templates/kehu.toml"),
        dir.path().join("kehu.toml"),
    )
    .unwrap();
    assert!(BookCache::open(dir.path()).unwrap().is_none());
}

#[test]
fn a_book_in_a_subdirectory_uses_the_repository_index() {
    let dir = book(10);
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("books/east");
    std::fs::create_dir_all(outer.path().join("books")).unwrap();
    std::fs::rename(dir.path().join(".git"), outer.path().join(".git")).unwrap();
    std::fs::rename(dir.path(), &root).unwrap();
    git(outer.path(), &["add", "-A"]);
    git(outer.path(), &["commit", "-q", "-m", "moved"]);
    let cache = BookCache::open(&root).unwrap().unwrap();
    assert_eq!(cache.index.len(), 10);
    warm_equals_cold(&root);
    let stats = warm_equals_cold(&root);
    assert_eq!(stats.parsed, 0);
}

#[test]
fn racily_clean_files_are_hashed() {
    let dir = book(5);
    let root = dir.path();
    let rel = cold(root).customers[0].path.clone();
    // A file stamped after the index is written: its stat data cannot
    // vouch for its contents.
    let file = std::fs::File::options()
        .append(true)
        .open(root.join(&rel))
        .unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    file.set_modified(later).unwrap();
    drop(file);
    git(root, &["add", "-A"]);
    let cache = BookCache::open(root).unwrap().unwrap();
    assert!(cache.index.unchanged(root, &rel).is_none());
    let other = cold(root).customers[1].path.clone();
    assert!(cache.index.unchanged(root, &other).is_some());
}

#[test]
fn the_cache_is_off_for_any_value_but_empty_or_zero() {
    use std::ffi::OsStr;
    assert!(!disabled_by(None));
    assert!(!disabled_by(Some(OsStr::new(""))));
    assert!(!disabled_by(Some(OsStr::new("0"))));
    assert!(disabled_by(Some(OsStr::new("1"))));
    assert!(disabled_by(Some(OsStr::new("yes"))));
}
