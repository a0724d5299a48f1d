use std::fs;
use std::path::Path;

use serde_json::json;

use super::*;
use crate::test_support::{git, new_book, open, write};

const ACME: &str = "customers/ac/acme.toml";

fn regrade(root: &Path) -> CommitRequest {
    let old = fs::read_to_string(root.join(ACME)).unwrap();
    let tier = json!("strategic");
    let abc = json!("A");
    let new =
        kehu_core::edit::apply_edits(&old, [("grade.tier", &tier), ("grade.abc", &abc)]).unwrap();
    CommitRequest {
        files: vec![(ACME.to_owned(), new.into_bytes())],
        subject: "grade: acme strategic".into(),
        body: "Board decision.".into(),
        command: Some("grade".into()),
        customers: vec!["acme".into(), "acme".into()],
        reason: Some("largest order this year".into()),
        ..CommitRequest::default()
    }
}

/// Everything a failed command must leave as it was.
fn snapshot(root: &Path) -> (String, Vec<u8>, String, Vec<u8>) {
    (
        git(root, &["rev-parse", "HEAD"]),
        fs::read(root.join(".git/index")).unwrap(),
        git(root, &["status", "--porcelain=v1", "--untracked-files=all"]),
        fs::read(root.join(ACME)).unwrap(),
    )
}

#[test]
fn a_commit_stages_exactly_its_files_and_carries_trailers() {
    let dir = new_book();
    let root = dir.path();
    // Someone else's staged change must stay staged and out of kehu's commit.
    write(root, "customers/zh/zhongshan.toml", "id = \"zhongshan\"\n");
    git(root, &["add", "customers/zh/zhongshan.toml"]);
    let book = open(root);
    let done = book.commit(&regrade(root)).unwrap();
    assert_eq!(done.files, vec![ACME.to_owned()]);
    assert_eq!(git(root, &["rev-parse", "HEAD"]).trim(), done.id);
    let changed = git(root, &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(changed.trim(), ACME);
    assert_eq!(
        git(root, &["status", "--porcelain=v1"]),
        "M  customers/zh/zhongshan.toml\n"
    );
    // The trailers, as git reads them.
    let raw = git(root, &["log", "-1", "--format=%B"]);
    let parsed = std::process::Command::new("git")
        .args(["interpret-trailers", "--parse"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(raw.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    let rules = git(root, &["rev-parse", "HEAD~1:kehu.toml"]);
    assert_eq!(
        String::from_utf8(parsed.stdout).unwrap(),
        format!(
            "Kehu-Command: grade\nKehu-Customer: acme\nKehu-Reason: largest order this year\nKehu-Rules: {}\n",
            rules.trim()
        )
    );
    assert!(raw.starts_with("grade: acme strategic\n\nBoard decision.\n\n"));
    // Author from the (hermetic) environment, date as given there.
    assert_eq!(
        git(root, &["log", "-1", "--format=%an <%ae> %aI"]).trim(),
        "Tess Tester <tess@example.com> 2026-01-06T09:00:00Z"
    );
}

#[test]
fn a_regrade_diff_is_one_line_per_changed_field() {
    let dir = new_book();
    let root = dir.path();
    open(root).commit(&regrade(root)).unwrap();
    let diff = git(root, &["diff", "--unified=0", "HEAD~1", "HEAD"]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        vec![
            "-tier = \"key\"",
            "-abc = \"B\"",
            "+tier = \"strategic\"",
            "+abc = \"A\""
        ]
    );
}

#[test]
fn author_override_and_fixed_date() {
    let dir = new_book();
    let root = dir.path();
    let mut request = regrade(root);
    request.author = Some("Bo Account <bo@example.com>".into());
    request.date = Some("2026-03-01T12:00:00+01:00".into());
    open(root).commit(&request).unwrap();
    assert_eq!(
        git(root, &["log", "-1", "--format=%an <%ae> %aI | %cn %cI"]).trim(),
        "Bo Account <bo@example.com> 2026-03-01T12:00:00+01:00 | Tess Tester 2026-03-01T12:00:00+01:00"
    );
    request.author = Some("nobody".into());
    assert!(matches!(
        open(root).commit(&request),
        Err(GitError::BadAuthor { .. })
    ));
}

#[test]
fn a_dirty_file_is_refused_and_left_unchanged() {
    let dir = new_book();
    let root = dir.path();
    let request = regrade(root);
    let hand = "id = \"acme\"\n# my unsaved thoughts\n";
    write(root, ACME, hand);
    let before = snapshot(root);
    let err = open(root).commit(&request).unwrap_err();
    assert!(
        matches!(&err, GitError::Dirty { path, detail } if path == ACME && detail == "unstaged changes"),
        "{err}"
    );
    assert_eq!(snapshot(root), before);
    assert_eq!(fs::read_to_string(root.join(ACME)).unwrap(), hand);
    // Staged counts as dirty too, and so does an untracked file in the way.
    git(root, &["add", ACME]);
    let err = open(root).commit(&request).unwrap_err();
    assert!(matches!(err, GitError::Dirty { ref detail, .. } if detail == "staged changes"));
    write(root, "customers/ne/new-co.toml", "id = \"new-co\"\n");
    let err = open(root)
        .check_writable(&["customers/ne/new-co.toml"])
        .unwrap_err();
    assert!(matches!(err, GitError::Dirty { ref detail, .. } if detail == "untracked"));
}

#[test]
fn a_symlinked_directory_on_the_way_is_refused_and_nothing_lands_outside() {
    let dir = new_book();
    let root = dir.path();
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("customers/zz")).unwrap();
    let request = CommitRequest {
        files: vec![(
            "customers/zz/zed.toml".to_owned(),
            b"id = \"zed\"\n".to_vec(),
        )],
        subject: "new: zed".into(),
        ..CommitRequest::default()
    };
    let err = open(root).commit(&request).unwrap_err();
    assert!(
        matches!(&err, GitError::SymlinkOnPath { link, .. } if link == "customers/zz"),
        "{err}"
    );
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn a_held_index_lock_fails_the_commit_and_changes_nothing() {
    let dir = new_book();
    let root = dir.path();
    let request = regrade(root);
    fs::write(root.join(".git/index.lock"), b"").unwrap();
    let before = snapshot_without_status(root);
    let started = std::time::Instant::now();
    let err = open(root).commit(&request).unwrap_err();
    assert!(started.elapsed() >= std::time::Duration::from_millis(1900));
    match &err {
        GitError::Locked { path } => assert!(path.ends_with(".git/index.lock")),
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("index.lock"));
    // The other process's lock is still there, and nothing else moved.
    assert!(root.join(".git/index.lock").exists());
    assert_eq!(snapshot_without_status(root), before);
    fs::remove_file(root.join(".git/index.lock")).unwrap();
    assert_eq!(git(root, &["status", "--porcelain=v1"]), "");
}

/// `git status` would want the index lock itself, so compare without it.
fn snapshot_without_status(root: &Path) -> (String, Vec<u8>, Vec<u8>, Vec<String>) {
    let mut files: Vec<String> = walk(root);
    files.sort();
    (
        git(root, &["rev-parse", "HEAD"]),
        fs::read(root.join(".git/index")).unwrap(),
        fs::read(root.join(ACME)).unwrap(),
        files,
    )
}

fn walk(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.join("customers")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.display().to_string());
            }
        }
    }
    out
}

#[test]
fn a_failure_after_writing_restores_files_and_index() {
    let dir = new_book();
    let root = dir.path();
    let mut request = regrade(root);
    request.files.push((
        "customers/ne/new-co.toml".into(),
        b"id = \"new-co\"\n".to_vec(),
    ));
    // Holding the branch's ref lock makes the final step (moving main) fail
    // after both files were written and the new index was prepared.
    fs::write(root.join(".git/refs/heads/main.lock"), b"").unwrap();
    let before = snapshot(root);
    let err = open(root).commit(&request).unwrap_err();
    assert!(matches!(err, GitError::Backend { .. }), "{err}");
    fs::remove_file(root.join(".git/refs/heads/main.lock")).unwrap();
    assert_eq!(snapshot(root), before);
    assert!(!root.join("customers/ne").exists());
    assert!(!root.join(".git/index.lock").exists());
    let leftovers: Vec<_> = fs::read_dir(root.join(".git"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("index."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn refuses_during_a_merge_and_outside_a_repository() {
    let dir = new_book();
    let root = dir.path();
    git(root, &["checkout", "-q", "-b", "side"]);
    write(root, "kehu.toml", "[book]\nname = \"side\"\n");
    git(root, &["commit", "-q", "-am", "side"]);
    git(root, &["checkout", "-q", "main"]);
    write(root, "kehu.toml", "[book]\nname = \"main\"\n");
    git(root, &["commit", "-q", "-am", "main"]);
    let status = std::process::Command::new("git")
        .current_dir(root)
        .envs(crate::test_support::hermetic_env(
            "2026-01-05T10:00:00+00:00",
        ))
        .args(["merge", "-q", "side"])
        .output()
        .unwrap();
    assert!(!status.status.success(), "the merge should conflict");
    let err = open(root).commit(&regrade(root)).unwrap_err();
    assert!(
        matches!(&err, GitError::InProgress { operation } if operation == "merge"),
        "{err}"
    );
    let plain = tempfile::tempdir().unwrap();
    assert!(matches!(
        Book::open(plain.path()),
        Err(GitError::NotARepository { .. })
    ));
}

#[test]
fn nothing_to_commit_is_an_error() {
    let dir = new_book();
    let root = dir.path();
    let same = fs::read(root.join(ACME)).unwrap();
    let request = CommitRequest {
        files: vec![(ACME.into(), same)],
        subject: "noop".into(),
        ..CommitRequest::default()
    };
    assert!(matches!(
        open(root).commit(&request),
        Err(GitError::NothingToCommit)
    ));
    let request = CommitRequest {
        files: vec![("../escape.toml".into(), b"x".to_vec())],
        subject: "bad".into(),
        ..CommitRequest::default()
    };
    assert!(matches!(
        open(root).commit(&request),
        Err(GitError::BadPath { .. })
    ));
}

#[test]
fn commit_on_branch_leaves_work_tree_index_and_head_alone() {
    let dir = new_book();
    let root = dir.path();
    // A dirty work tree does not matter: the branch starts from HEAD.
    write(root, ACME, "id = \"acme\"\n# unsaved\n");
    let before = snapshot(root);
    let book = open(root);
    let head_text = String::from_utf8(book.head_file(ACME).unwrap().unwrap()).unwrap();
    let tier = json!("strategic");
    let new = kehu_core::edit::apply_edits(&head_text, [("grade.tier", &tier)]).unwrap();
    let request = CommitRequest {
        files: vec![(ACME.into(), new.into_bytes())],
        subject: "classify: 1 regrade".into(),
        command: Some("classify".into()),
        customers: vec!["acme".into()],
        ..CommitRequest::default()
    };
    let done = book.commit_on_branch("review/regrades", &request).unwrap();
    assert_eq!(done.branch.as_deref(), Some("review/regrades"));
    assert_eq!(snapshot(root), before);
    let diff = git(root, &["diff", "--stat", "main", "review/regrades"]);
    assert!(diff.contains("customers/ac/acme.toml | 2 +-"), "{diff}");
    assert!(matches!(
        book.commit_on_branch("review/regrades", &request),
        Err(GitError::BranchExists { .. })
    ));
    assert!(matches!(
        book.commit_on_branch("bad..name", &request),
        Err(GitError::BadBranchName { .. })
    ));
}

#[test]
fn first_commit_of_an_empty_repository() {
    crate::test_support::new_book(); // warms the libgit2 isolation
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    let book = open(root);
    assert!(book.head_id().unwrap().is_none());
    let request = CommitRequest {
        files: vec![
            ("kehu.toml".into(), b"[book]\n".to_vec()),
            (ACME.into(), b"id = \"acme\"\n".to_vec()),
        ],
        subject: "init: new book".into(),
        command: Some("init".into()),
        ..CommitRequest::default()
    };
    book.commit(&request).unwrap();
    assert_eq!(git(root, &["status", "--porcelain=v1"]), "");
    assert_eq!(git(root, &["log", "--format=%s"]).trim(), "init: new book");
    assert!(matches!(
        book.commit_on_branch("x", &request),
        Err(GitError::NothingToCommit)
    ));
}

#[test]
fn a_book_in_a_subdirectory_of_a_repository() {
    crate::test_support::new_book();
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path();
    git(top, &["init", "-q", "-b", "main"]);
    write(top, "README.md", "company repo\n");
    write(top, "crm/book/kehu.toml", "[book]\n");
    write(
        top,
        "crm/book/customers/ac/acme.toml",
        &crate::test_support::customer("acme", "key"),
    );
    git(top, &["add", "-A"]);
    git(top, &["commit", "-q", "-m", "Add the book"]);
    let book = open(&top.join("crm/book"));
    let old = fs::read_to_string(top.join("crm/book").join(ACME)).unwrap();
    let tier = json!("small");
    let new = kehu_core::edit::apply_edits(&old, [("grade.tier", &tier)]).unwrap();
    let request = CommitRequest {
        files: vec![
            (ACME.into(), b"overwritten below".to_vec()),
            (ACME.into(), new.into_bytes()),
        ],
        subject: "grade: acme small".into(),
        command: Some("grade".into()),
        ..CommitRequest::default()
    };
    book.commit(&request).unwrap();
    assert_eq!(
        git(top, &["show", "--name-only", "--format=", "HEAD"]).trim(),
        "crm/book/customers/ac/acme.toml"
    );
    assert_eq!(git(top, &["status", "--porcelain=v1"]), "");
    let rules = git(top, &["rev-parse", "HEAD~1:crm/book/kehu.toml"]);
    assert!(
        git(top, &["log", "-1", "--format=%B"]).contains(&format!("Kehu-Rules: {}", rules.trim()))
    );
    let events = book.history().customer("acme", None).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0].customers[0].field("grade.tier").unwrap().new,
        Some(json!("small"))
    );
    assert_eq!(events[0].customers[0].path, ACME);
    let snapshot = book.history().snapshot("HEAD").unwrap();
    let paths: Vec<&str> = snapshot.files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, vec![ACME, "kehu.toml"]);
}

#[test]
fn a_commit_of_many_new_files_is_quick_and_leaves_a_clean_status() {
    let dir = new_book();
    let root = dir.path();
    let book = open(root);
    let files: Vec<(String, Vec<u8>)> = (0..2000)
        .map(|i| {
            let id = format!("{i:05}");
            let path = format!("customers/{}/{id}.toml", &id[..2]);
            (path, format!("id = \"{id}\"\n").into_bytes())
        })
        .collect();
    let started = std::time::Instant::now();
    let committed = book
        .commit(&CommitRequest {
            files: files.clone(),
            subject: "import: 2000 customers".into(),
            ..CommitRequest::default()
        })
        .unwrap();
    // One flush per file would take ~20 s on a journaling file system.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(committed.files.len(), 2000);
    assert_eq!(
        git(root, &["status", "--porcelain=v1", "--untracked-files=all"]),
        ""
    );
    for (path, bytes) in files.iter().step_by(97) {
        assert_eq!(&fs::read(root.join(path)).unwrap(), bytes);
    }
    let leftovers = walk(root)
        .into_iter()
        .filter(|p| p.contains("kehu-tmp"))
        .count();
    assert_eq!(leftovers, 0);

    // The same bulk path on a review branch: objects packed, tree readable.
    let changed: Vec<(String, Vec<u8>)> = files
        .iter()
        .take(150)
        .map(|(path, bytes)| {
            (
                path.clone(),
                [bytes.as_slice(), b"stage = \"won\"\n"].concat(),
            )
        })
        .collect();
    let head = git(root, &["rev-parse", "HEAD"]);
    book.commit_on_branch(
        "review/bulk",
        &CommitRequest {
            files: changed.clone(),
            subject: "bulk review".into(),
            ..CommitRequest::default()
        },
    )
    .unwrap();
    assert_eq!(git(root, &["rev-parse", "HEAD"]), head);
    let (path, bytes) = &changed[149];
    let shown = git(root, &["show", &format!("review/bulk:{path}")]);
    assert_eq!(shown.as_bytes(), bytes.as_slice());
    git(root, &["fsck", "--no-dangling"]);
}

#[cfg(unix)]
#[test]
fn replacing_a_file_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("script.toml");
    fs::write(&path, b"old").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    replace_file(&path, b"new").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"new");
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn a_path_given_twice_keeps_its_first_place_and_last_contents() {
    let files: Vec<(String, Vec<u8>)> = vec![
        ("b".into(), b"1".to_vec()),
        ("a".into(), b"2".to_vec()),
        ("b".into(), b"3".to_vec()),
        ("c".into(), b"4".to_vec()),
        ("a".into(), b"5".to_vec()),
    ];
    let kept: Vec<(&str, &[u8])> = last_per_path(&files)
        .into_iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    assert_eq!(kept, [("b", &b"3"[..]), ("a", &b"5"[..]), ("c", &b"4"[..])]);
}
