//! Recovery from states a killed writer leaves, made by hand: a real commit,
//! then the branch, index and files put back part-way, with the journal the
//! writer would have left.

use std::fs;
use std::path::Path;

use git2::{ObjectType, Oid};

use super::super::journal::{Journal, JournalFile};
use crate::error::GitError;
use crate::lock::Owner;
use crate::test_support::{git, new_book, open, write};
use crate::write::CommitRequest;

const ACME: &str = "customers/ac/acme.toml";
const NEW: &str = "customers/ne/newco.toml";

fn blob(bytes: &[u8]) -> Oid {
    Oid::hash_object(ObjectType::Blob, bytes).unwrap()
}

/// A committed change of ACME plus a new customer, and what each file and
/// the index held before and after, with the journal that describes it (its
/// owner a process that cannot be running).
struct Interrupted {
    old_head: String,
    new_head: String,
    old_index: Vec<u8>,
    old_acme: Vec<u8>,
    new_acme: Vec<u8>,
    new_newco: Vec<u8>,
    journal: Journal,
}

fn committed(root: &Path) -> Interrupted {
    let old_head = git(root, &["rev-parse", "HEAD"]).trim().to_owned();
    let old_index = fs::read(root.join(".git/index")).unwrap();
    let old_acme = fs::read(root.join(ACME)).unwrap();
    let new_acme = [old_acme.as_slice(), b"# edited\n"].concat();
    let new_newco = b"id = \"newco\"\nname = \"NewCo\"\n".to_vec();
    let done = open(root)
        .commit(&CommitRequest {
            files: vec![
                (ACME.into(), new_acme.clone()),
                (NEW.into(), new_newco.clone()),
            ],
            subject: "two files".into(),
            ..CommitRequest::default()
        })
        .unwrap();
    let journal = Journal {
        owner: Owner {
            pid: 4_000_000_000,
            host: Owner::me().host,
        },
        reference: "refs/heads/main".into(),
        old: Some(Oid::from_str(&old_head).unwrap()),
        new: Oid::from_str(&done.id).unwrap(),
        files: vec![
            JournalFile {
                git_path: ACME.into(),
                old: Some(blob(&old_acme)),
                new: blob(&new_acme),
                mode: 0o100644,
            },
            JournalFile {
                git_path: NEW.into(),
                old: None,
                new: blob(&new_newco),
                mode: 0o100644,
            },
        ],
    };
    Interrupted {
        old_head,
        new_head: done.id,
        old_index,
        old_acme,
        new_acme,
        new_newco,
        journal,
    }
}

impl Interrupted {
    /// Moves the branch back and restores the index file: the writer was
    /// killed before step 5.
    fn branch_and_index_as_before(&self, root: &Path) {
        git(root, &["update-ref", "refs/heads/main", &self.old_head]);
        fs::write(root.join(".git/index"), &self.old_index).unwrap();
    }
}

fn status(root: &Path) -> String {
    git(root, &["status", "--porcelain=v1", "--untracked-files=all"])
}

#[test]
fn killed_before_the_branch_moved_rolls_back_to_the_old_files() {
    let dir = new_book();
    let root = dir.path();
    let state = committed(root);
    // The branch and index as before, one file written, a temporary file
    // of the dead writer, its lock and its journal.
    state.branch_and_index_as_before(root);
    fs::write(root.join(ACME), &state.old_acme).unwrap();
    write(
        root,
        "customers/ne/.newco.toml.kehu-tmp-4000000000-3",
        "half",
    );
    state.journal.write(&root.join(".git")).unwrap();
    fs::write(
        root.join(".git/index.lock"),
        format!("kehu pid=4000000000 host={}\n", Owner::me().host),
    )
    .unwrap();

    let err = open(root).recover().unwrap_err();
    assert!(matches!(err, GitError::Interrupted { .. }), "{err}");
    assert!(err.to_string().contains("rolled back 2 file(s)"), "{err}");
    assert!(err.to_string().contains("run the command again"), "{err}");
    assert_eq!(git(root, &["rev-parse", "HEAD"]).trim(), state.old_head);
    assert_eq!(fs::read(root.join(ACME)).unwrap(), state.old_acme);
    assert!(!root.join("customers/ne").exists(), "new directory removed");
    assert_eq!(status(root), "");
    assert!(!root.join(".git/index.lock").exists());
    assert!(!root.join(".git/kehu-write.journal").exists());
    assert_eq!(open(root).recover().unwrap(), None, "nothing left to do");
}

#[test]
fn killed_after_the_branch_moved_finishes_the_commit() {
    let dir = new_book();
    let root = dir.path();
    let state = committed(root);
    // The branch moved, the index not yet installed; one file not written.
    fs::write(root.join(".git/index"), &state.old_index).unwrap();
    fs::remove_file(root.join(NEW)).unwrap();
    state.journal.write(&root.join(".git")).unwrap();

    let err = open(root).recover().unwrap_err();
    assert!(
        err.to_string().contains("finished writing 2 file(s)"),
        "{err}"
    );
    assert_eq!(git(root, &["rev-parse", "HEAD"]).trim(), state.new_head);
    assert_eq!(fs::read(root.join(ACME)).unwrap(), state.new_acme);
    assert_eq!(fs::read(root.join(NEW)).unwrap(), state.new_newco);
    assert_eq!(status(root), "");
}

#[test]
fn a_file_edited_by_hand_since_is_named_and_nothing_changes() {
    let dir = new_book();
    let root = dir.path();
    let state = committed(root);
    state.branch_and_index_as_before(root);
    fs::write(root.join(ACME), b"id = \"acme\"\n# mine\n").unwrap();
    state.journal.write(&root.join(".git")).unwrap();

    let err = open(root).recover().unwrap_err();
    assert!(matches!(err, GitError::Unrecoverable { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(ACME) && text.contains("git checkout --"),
        "{text}"
    );
    assert_eq!(
        fs::read(root.join(ACME)).unwrap(),
        b"id = \"acme\"\n# mine\n"
    );
    assert_eq!(fs::read(root.join(NEW)).unwrap(), state.new_newco);
    assert!(
        root.join(".git/kehu-write.journal").exists(),
        "kept for the user"
    );
    // A commit refuses too, rather than writing over the half-done state.
    let err = open(root)
        .commit(&CommitRequest {
            files: vec![(
                "customers/zh/zhongshan.toml".into(),
                b"id = \"zhongshan\"\n".to_vec(),
            )],
            subject: "x".into(),
            ..CommitRequest::default()
        })
        .unwrap_err();
    assert!(matches!(err, GitError::Unrecoverable { .. }), "{err}");
}

#[test]
fn a_file_changed_by_another_writer_since_it_was_read_is_refused() {
    let dir = new_book();
    let root = dir.path();
    let read = fs::read(root.join(ACME)).unwrap();
    // Another writer commits ACME after this one read it.
    committed(root);
    let head = git(root, &["rev-parse", "HEAD"]);
    let err = open(root)
        .commit(&CommitRequest {
            files: vec![(ACME.into(), [read.as_slice(), b"# mine\n"].concat())],
            subject: "stale".into(),
            based_on: vec![(ACME.into(), Some(read))],
            ..CommitRequest::default()
        })
        .unwrap_err();
    assert!(matches!(err, GitError::Changed { .. }), "{err}");
    assert!(err.to_string().contains("run the command again"), "{err}");
    assert_eq!(git(root, &["rev-parse", "HEAD"]), head);
    assert_eq!(status(root), "");
}

/// The committed change undone as a writer killed before its branch moved
/// leaves it: branch and index as before, no file written yet, and the
/// journal (written after the commit object, so no older than anything
/// the writer did next).
fn killed_before_the_move(root: &Path) -> Interrupted {
    let state = committed(root);
    state.branch_and_index_as_before(root);
    fs::write(root.join(ACME), &state.old_acme).unwrap();
    fs::remove_file(root.join(NEW)).unwrap();
    state.journal.write(&root.join(".git")).unwrap();
    state
}

#[test]
fn killed_while_moving_the_branch_removes_exactly_the_journalled_ref_lock() {
    let new_id = |state: &Interrupted| format!("{}\n", state.journal.new);
    // The kill left the branch's lock empty, cut short, or whole.
    for cut in [0, 7, 41] {
        let dir = new_book();
        let root = dir.path();
        // Another process's lock on another branch, from before the write.
        let other = root.join(".git/refs/heads/other.lock");
        fs::write(&other, b"").unwrap();
        let state = killed_before_the_move(root);
        let lock = root.join(".git/refs/heads/main.lock");
        fs::write(&lock, &new_id(&state).as_bytes()[..cut]).unwrap();

        let err = open(root).recover().unwrap_err();
        assert!(err.to_string().contains("rolled back"), "{cut}: {err}");
        assert!(
            !lock.exists(),
            "{cut}: the journalled ref's lock is removed"
        );
        assert!(other.exists(), "{cut}: any other lock stays");
        assert_eq!(git(root, &["rev-parse", "HEAD"]).trim(), state.old_head);
        assert_eq!(status(root), "");
        // And the branch can move again.
        fs::remove_file(&other).unwrap();
        open(root)
            .commit(&CommitRequest {
                files: vec![(ACME.into(), state.new_acme.clone())],
                subject: "again".into(),
                ..CommitRequest::default()
            })
            .unwrap();
    }
}

#[test]
fn a_ref_lock_that_is_not_the_dead_writers_stays() {
    let dir = new_book();
    let root = dir.path();
    let state = killed_before_the_move(root);
    // Someone else is moving the branch to another commit.
    let lock = root.join(".git/refs/heads/main.lock");
    fs::write(&lock, format!("{}\n", state.old_head)).unwrap();
    let err = open(root).recover().unwrap_err();
    assert!(err.to_string().contains("rolled back"), "{err}");
    assert!(lock.exists(), "a lock holding another id is not ours");
}
