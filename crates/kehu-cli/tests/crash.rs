//! Crash safety: `kehu import orders`, `classify --apply` and `assign
//! --apply` are killed with SIGKILL at seeded random moments spread over the
//! command's measured run time, on a real book of 45 customers. After every
//! kill:
//!
//! - every customer file has its old or its new content, never anything else;
//! - `git fsck --strict` is clean and `kehu check` finds no errors;
//! - either nothing happened (HEAD, index and work tree as before), or the
//!   commit exists and the work tree matches it, or kehu left its journal
//!   and/or lock: then running the command again names the recovery (the
//!   stale lock it removed, the write it rolled back or finished), repairs
//!   the book before reading it, and ends in exactly the commit an
//!   uninterrupted run makes.
//!
//! Today is pinned (tests/common), never the clock: `import` and `assign`
//! run with `--as-of` today and read the work tree; `classify` runs with
//! `--today` a day later, so `--as-of` reads the book from git. A last test
//! makes the state of a writer killed while moving the branch (its ref lock
//! half written) by hand.
//!
//! Each test prints where its kills landed (`cargo test -- --nocapture`).

mod common;
mod writers;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{AS_OF, copy_dir, git, head, kehu, plugin_dir, stderr};
use writers::{
    Rng, assert_check_passes, assert_fsck_clean, customer_files, orders_book, orders_csv, run_ok,
    spawn_kehu, status,
};

/// Customers in the book, and in the second orders file (15 of them new).
const CUSTOMERS: usize = 30;
const CUSTOMERS_LATER: usize = 45;
/// Kills per command: 3 × 35 = 105 runs.
const RUNS: usize = 35;

/// The state of a book a kill is compared with.
struct State {
    head: String,
    files: BTreeMap<String, Vec<u8>>,
}

impl State {
    fn of(root: &Path) -> State {
        State {
            head: head(root),
            files: customer_files(root),
        }
    }
}

/// Where a kill left the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum KillPoint {
    /// The command had already finished.
    Finished,
    /// Nothing written: HEAD, index and files as before, no lock.
    Untouched,
    /// Nothing written, but kehu's `index.lock` left behind.
    StaleLock,
    /// The journal left, the branch not moved: `n` files already new.
    JournalBranchOld { written: usize },
    /// The journal left, the branch moved to the new commit.
    JournalBranchNew,
    /// The commit is complete (maybe with the lock still there).
    Committed { lock: bool },
}

/// The book for `import orders`: 30 customers, and a later orders file
/// naming 45 (30 updated, 15 created) committed beside it.
fn import_book() -> tempfile::TempDir {
    let book = orders_book(CUSTOMERS);
    let root = book.path();
    std::fs::write(root.join("later.csv"), orders_csv(CUSTOMERS_LATER, 2)).unwrap();
    git(root, &["add", "later.csv"]);
    git(root, &["commit", "-q", "-m", "later orders"]);
    book
}

fn import_args() -> Vec<String> {
    args(&["import", "orders", "later.csv", "--create"])
}

/// `kehu --plugin-dir … COMMAND --apply`, with `today` pinned to a day.
fn plugin_args(command: &str, today: &str) -> Vec<String> {
    let dir = plugin_dir().display().to_string();
    args(&["--today", today, "--plugin-dir", &dir, command, "--apply"])
}

/// The day after [`AS_OF`]: `--as-of` then names a past day, read from git.
const LATER: &str = "2026-11-21";

fn args(rest: &[&str]) -> Vec<String> {
    let mut out = vec!["--as-of".to_owned(), AS_OF.to_owned()];
    out.extend(rest.iter().map(|s| (*s).to_owned()));
    out
}

/// Runs `command` to completion on `book`: one more step of the chain.
fn apply(book: &Path, command: &[String]) {
    let refs: Vec<&str> = command.iter().map(String::as_str).collect();
    run_ok(book, &refs);
}

/// Kills `command` on copies of `template` `RUNS` times and checks each
/// outcome; returns how many kills landed where.
fn kill_runs(template: &Path, command: &[String], seed: u64) -> BTreeMap<KillPoint, usize> {
    let before = State::of(template);
    // The uninterrupted run: what "new" means, and how long the command takes.
    let scratch = tempfile::tempdir().unwrap();
    let reference = scratch.path().join("reference");
    copy_dir(template, &reference);
    let started = Instant::now();
    let status_code = spawn_kehu(&reference, command, false).wait().unwrap();
    let duration = started.elapsed();
    assert!(
        matches!(status_code.code(), Some(0 | 1)),
        "{command:?}: {status_code}"
    );
    let after = State::of(&reference);
    assert_ne!(after.head, before.head, "{command:?} made no commit");

    let mut rng = Rng(seed);
    let mut tally = BTreeMap::new();
    for run in 0..RUNS {
        // Half the kills anywhere in the run, half in its second half,
        // where the writing is.
        let span = duration.as_micros() as u64;
        let delay = if run % 2 == 0 {
            rng.below(span)
        } else {
            span / 2 + rng.below(span * 11 / 20)
        };
        let dir = scratch.path().join(format!("run-{run}"));
        copy_dir(template, &dir);
        let mut child = spawn_kehu(&dir, command, false);
        std::thread::sleep(Duration::from_micros(delay));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        child.wait().unwrap();
        let point = inspect(&dir, command, &before, &after, finished);
        *tally.entry(point).or_insert(0) += 1;
        std::fs::remove_dir_all(&dir).unwrap();
    }
    eprintln!(
        "{command:?}: {RUNS} kills over {:?} (seed {seed}): {tally:?}",
        duration
    );
    tally
}

/// Checks the book a kill left and, where kehu left something behind, that
/// running the command again names the recovery and converges.
fn inspect(
    root: &Path,
    command: &[String],
    before: &State,
    after: &State,
    finished: bool,
) -> KillPoint {
    let files = customer_files(root);
    for (path, bytes) in &files {
        assert!(
            before.files.get(path) == Some(bytes) || after.files.get(path) == Some(bytes),
            "{}: {path} is neither its old nor its new content:\n{}",
            root.display(),
            String::from_utf8_lossy(bytes)
        );
    }
    for path in before.files.keys() {
        assert!(files.contains_key(path), "{path} vanished");
    }
    assert_fsck_clean(root);
    let check = assert_check_passes(root);

    let git_dir = root.join(".git");
    let journal = git_dir.join("kehu-write.journal").exists();
    let lock = git_dir.join("index.lock").exists();
    let now = head(root);
    let point = if journal {
        if now == before.head {
            let written = files
                .iter()
                .filter(|(path, bytes)| before.files.get(*path) != Some(*bytes))
                .count();
            KillPoint::JournalBranchOld { written }
        } else {
            assert_eq!(now, after.head, "the branch moved elsewhere");
            KillPoint::JournalBranchNew
        }
    } else if now == before.head {
        assert_is(root, before, "no journal, branch not moved");
        if lock {
            KillPoint::StaleLock
        } else {
            KillPoint::Untouched
        }
    } else {
        assert_is(root, after, "no journal, branch moved");
        if finished {
            return KillPoint::Finished;
        }
        KillPoint::Committed { lock }
    };
    if journal || lock {
        // `kehu check` names what was left and the fix.
        assert!(
            check.contains("warning: ")
                && check.contains(if journal {
                    "kehu-write.journal"
                } else {
                    "index.lock"
                }),
            "kehu check does not name the leftover: {check}"
        );
        if point == (KillPoint::Committed { lock: true }) {
            // Nothing left to write: follow the fix `kehu check` gives.
            assert!(check.contains("`rm "), "{check}");
            std::fs::remove_file(git_dir.join("index.lock")).unwrap();
        } else {
            recover(root, command, journal);
        }
        assert_is(root, after, "after recovery");
        assert!(!git_dir.join("kehu-write.journal").exists());
        assert!(!git_dir.join("index.lock").exists());
        assert_fsck_clean(root);
    }
    point
}

/// The book is exactly `state`: HEAD, every customer file, and a clean
/// index and work tree (`git status` empty).
fn assert_is(root: &Path, state: &State, what: &str) {
    assert_eq!(head(root), state.head, "{what}: HEAD");
    assert_eq!(
        customer_files(root),
        state.files,
        "{what}: the customer files"
    );
    assert_eq!(status(root), "", "{what}: git status");
}

/// Runs the command again after a kill that left kehu's journal or lock:
/// kehu must say what it found and did, then carry on from the repaired book.
fn recover(root: &Path, command: &[String], journal: bool) {
    let refs: Vec<&str> = command.iter().map(String::as_str).collect();
    let output = kehu(root, &refs);
    let text = stderr(&output);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{text}");
    if journal {
        assert!(text.contains("was interrupted"), "{text}");
        assert!(
            text.contains("rolled back") || text.contains("finished writing"),
            "{text}"
        );
    } else {
        assert!(
            text.contains("index.lock") && text.contains("no longer running"),
            "the stale lock is named: {text}"
        );
    }
}

/// The kill points every test must reach besides "untouched": a stale lock,
/// or a journal (a write in progress), or a commit.
fn assert_reached_writes(tally: &BTreeMap<KillPoint, usize>) {
    let total: usize = tally.values().sum();
    assert_eq!(total, RUNS);
    let during = tally
        .iter()
        .filter(|(p, _)| !matches!(p, KillPoint::Untouched | KillPoint::Finished))
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(
        during > 0,
        "no kill landed while kehu was writing: {tally:?}"
    );
}

#[test]
fn killing_import_orders_loses_nothing() {
    let book = import_book();
    let tally = kill_runs(book.path(), &import_args(), 10);
    assert_reached_writes(&tally);
}

#[test]
fn killing_classify_apply_loses_nothing() {
    let book = import_book();
    apply(book.path(), &import_args());
    let tally = kill_runs(book.path(), &plugin_args("classify", LATER), 20);
    assert_reached_writes(&tally);
}

#[test]
fn killing_assign_apply_loses_nothing() {
    let book = import_book();
    apply(book.path(), &import_args());
    apply(book.path(), &plugin_args("classify", AS_OF));
    let tally = kill_runs(book.path(), &plugin_args("assign", AS_OF), 30);
    assert_reached_writes(&tally);
}

/// The git blob id of `bytes`.
fn blob_id(root: &Path, bytes: &[u8]) -> String {
    let path = root.join(".git/blob-to-hash");
    std::fs::write(&path, bytes).unwrap();
    let id = git(root, &["hash-object", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    id.trim().to_owned()
}

#[test]
fn a_writer_killed_while_moving_the_branch_leaves_no_lock_behind() {
    // An uninterrupted import: the old and new book.
    let book = import_book();
    let root = book.path();
    let before = State::of(root);
    apply(root, &import_args());
    let after = State::of(root);
    // The state of the same import killed while git moved the branch: the
    // branch and index as before, half the files written, and the journal,
    // index.lock and the branch's lock (cut short) of a process that
    // cannot be running.
    let branch = git(root, &["symbolic-ref", "HEAD"]).trim().to_owned();
    git(root, &["update-ref", &branch, &before.head]);
    git(root, &["read-tree", &before.head]);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let host = host.trim();
    let dead = 4_000_000_000_u32;
    let mut journal = format!(
        "kehu write journal 1\npid {dead}\nhost {host}\nref {branch}\nold {}\nnew {}\n",
        before.head, after.head
    );
    for (n, (path, new)) in after.files.iter().enumerate() {
        let old = before.files.get(path);
        if old == Some(new) {
            continue;
        }
        let old_id = old.map_or_else(|| "-".to_owned(), |b| blob_id(root, b));
        let new_id = blob_id(root, new);
        journal.push_str(&format!("file {old_id} {new_id} 100644 {path}\n"));
        if n % 2 == 0 {
            match old {
                Some(bytes) => std::fs::write(root.join(path), bytes).unwrap(),
                None => std::fs::remove_file(root.join(path)).unwrap(),
            }
        }
    }
    let git_dir = root.join(".git");
    std::fs::write(git_dir.join("kehu-write.journal"), journal).unwrap();
    std::fs::write(
        git_dir.join("index.lock"),
        format!("kehu pid={dead} host={host}\n"),
    )
    .unwrap();
    let ref_lock = git_dir.join(format!("{branch}.lock"));
    std::fs::write(&ref_lock, &after.head[..12]).unwrap();
    let check = assert_check_passes(root);
    assert!(check.contains("kehu-write.journal"), "{check}");

    // A dry run writes nothing, not even the repair, and will not plan
    // from the half-written files: it names the journal and stops.
    let command = import_args();
    let mut refs: Vec<&str> = command.iter().map(String::as_str).collect();
    refs.push("--dry-run");
    let output = kehu(root, &refs);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("kehu-write.journal") && text.contains("--dry-run writes nothing"),
        "{text}"
    );
    assert!(ref_lock.exists() && git_dir.join("kehu-write.journal").exists());

    // The same command again repairs the book (the ref lock included, or
    // the branch could never move again) and makes the commit.
    refs.pop();
    let output = kehu(root, &refs);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("rolled back"), "{text}");
    assert!(!ref_lock.exists(), "the journalled ref lock is removed");
    assert!(!git_dir.join("index.lock").exists());
    assert!(!git_dir.join("kehu-write.journal").exists());
    assert_is(root, &after, "after recovery");
    assert_fsck_clean(root);
}
