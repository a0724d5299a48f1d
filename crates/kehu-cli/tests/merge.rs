//! End-to-end tests of `kehu merge-file` as git's merge driver: real
//! repositories, two branches (or two clones and a bare remote), `git merge`
//! and `git pull` calling the driver as configured by `kehu init`.

mod common;

use std::path::Path;

use common::*;

const ACME: &str = "customers/ac/acme-civil.toml";

/// A book made by `kehu init --merge-driver` holding one sample customer,
/// committed on `main`.
fn book_with_driver() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    git(root, &["init", "-q", "-b", "main"]);
    let out = kehu(root, &["init", "--merge-driver", "."]);
    assert!(out.status.success(), "{}", stderr(&out));
    add_acme(root);
    temp
}

fn add_acme(root: &Path) {
    let text = std::fs::read_to_string(repo_root().join(ACME)).unwrap();
    write(root, ACME, &text);
    git(root, &["add", ACME]);
    git(root, &["commit", "-q", "-m", "add acme-civil"]);
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap()
}

/// Replaces `from` by `to` in the file (exactly once) and commits.
fn edit_and_commit(root: &Path, from: &str, to: &str, message: &str) {
    let text = read(root, ACME);
    assert!(text.contains(from), "{from:?} not in {text}");
    write(root, ACME, &text.replacen(from, to, 1));
    git(root, &["commit", "-q", "-a", "-m", message]);
}

fn merge(root: &Path, branch: &str) -> std::process::Output {
    git_with_kehu(root, &["merge", "--no-edit", branch])
}

#[test]
fn init_writes_the_attributes_and_the_driver_is_opt_in() {
    let plain = new_book();
    let attributes = read(plain.path(), ".gitattributes");
    assert!(
        attributes.contains("\ncustomers/**/*.toml merge=kehu\n"),
        "{attributes}"
    );
    assert_eq!(
        git(plain.path(), &["check-attr", "merge", "--", ACME]),
        format!("{ACME}: merge: kehu\n")
    );
    assert_eq!(
        git(plain.path(), &["check-attr", "merge", "--", "kehu.toml"]),
        "kehu.toml: merge: unspecified\n",
        "kehu.toml keeps git's line merge"
    );
    // Without --merge-driver nothing is configured: git will not run kehu.
    let unset = git_with_kehu(plain.path(), &["config", "--get", "merge.kehu.driver"]);
    assert_eq!(unset.status.code(), Some(1));

    let book = book_with_driver();
    assert_eq!(
        git(book.path(), &["config", "--get", "merge.kehu.driver"]),
        "kehu merge-file %O %A %B %P\n"
    );
}

/// `kehu init --merge-driver .` in `dir` with PATH set to `path` only.
fn init_with_path(dir: &Path, path: &Path) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kehu"));
    hermetic(&mut command)
        .current_dir(dir)
        .env("PATH", path)
        .args(["init", "--merge-driver", "."]);
    command.output().unwrap()
}

#[test]
fn init_warns_when_git_cannot_find_kehu_and_keeps_existing_attributes() {
    let empty = tempfile::tempdir().unwrap();
    let book = tempfile::tempdir().unwrap();
    let out = init_with_path(book.path(), empty.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`kehu` is not on PATH, so git cannot run the merge driver"),
        "{}",
        stderr(&out)
    );

    // A book made in a repository that already has attributes keeps them.
    let bin = Path::new(env!("CARGO_BIN_EXE_kehu")).parent().unwrap();
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "-q", "-b", "main"]);
    write(repo.path(), ".gitattributes", "*.png binary");
    git(repo.path(), &["add", ".gitattributes"]);
    git(repo.path(), &["commit", "-q", "-m", "attributes"]);
    let out = init_with_path(repo.path(), bin);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "kehu is on PATH: no warning");
    let attributes = read(repo.path(), ".gitattributes");
    assert!(attributes.starts_with("*.png binary\n\n# "), "{attributes}");
    assert!(
        attributes.ends_with("customers/**/*.toml merge=kehu\n"),
        "{attributes}"
    );
}

#[test]
fn edits_to_adjacent_fields_merge_cleanly_and_comments_stay() {
    let book = book_with_driver();
    let root = book.path();
    git(root, &["branch", "side"]);
    // main: a comment above [grade], and the tier.
    edit_and_commit(
        root,
        "[grade]\ntier = \"ordinary\"",
        "# reviewed with Julia in November\n[grade]\ntier = \"key\"       # up from ordinary",
        "regrade acme-civil",
    );
    // side: the very next line.
    git(root, &["checkout", "-q", "side"]);
    edit_and_commit(root, "abc = \"C\"", "abc = \"B\"", "abc of acme-civil");
    git(root, &["checkout", "-q", "main"]);

    let out = merge(root, "side");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = read(root, ACME);
    assert!(
        text.contains(
            "# reviewed with Julia in November\n[grade]\ntier = \"key\"       # up from ordinary\nabc = \"B\"\nrfm"
        ),
        "{text}"
    );
    let check = kehu(root, &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(git(root, &["status", "--porcelain"]), "");
}

#[test]
fn without_the_driver_the_same_merge_is_a_line_conflict() {
    // The control for the test above: git's own line merge on a clone that
    // did not configure the driver.
    let book = book_with_driver();
    let root = book.path();
    git(root, &["config", "--remove-section", "merge.kehu"]);
    git(root, &["branch", "side"]);
    edit_and_commit(root, "tier = \"ordinary\"", "tier = \"key\"", "tier");
    git(root, &["checkout", "-q", "side"]);
    edit_and_commit(root, "abc = \"C\"", "abc = \"B\"", "abc");
    git(root, &["checkout", "-q", "main"]);
    let out = merge(root, "side");
    assert!(!out.status.success());
    assert!(read(root, ACME).contains("<<<<<<<"));
}

#[test]
fn both_sides_logging_a_contact_keep_the_later_one() {
    let book = book_with_driver();
    let root = book.path();
    git(root, &["branch", "side"]);
    let contact = |at: &str, channel: &str, satisfaction: &str| {
        let out = kehu(
            root,
            &[
                "contact",
                "acme-civil",
                "--at",
                at,
                "--channel",
                channel,
                "--note",
                "follow-up",
                "--satisfaction",
                satisfaction,
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    };
    contact("2026-11-18", "visit", "4.6");
    git(root, &["checkout", "-q", "side"]);
    contact("2026-11-10", "call", "3.9");
    git(root, &["checkout", "-q", "main"]);

    let out = merge(root, "side");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "kehu: {ACME}: contact: both sides logged a contact; kept the later one (2026-11-18, ours)"
        )),
        "{}",
        stderr(&out)
    );
    let text = read(root, ACME);
    assert!(
        text.contains("[contact]\nlast = 2026-11-18\nchannel = \"visit\"\n"),
        "{text}"
    );
    assert!(text.contains("satisfaction = 4.6\n"), "{text}");
    // Both contacts stay in the log: the history is git.
    let log = git(root, &["log", "--format=%s", "-3"]);
    assert!(log.contains("contact: acme-civil by visit"), "{log}");
    assert!(log.contains("contact: acme-civil by call"), "{log}");

    // Merged the other way round, the later contact still wins.
    git(root, &["checkout", "-q", "side"]);
    git(root, &["reset", "-q", "--hard", "side"]);
    let out = merge(root, "main~1");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        read(root, ACME).contains("[contact]\nlast = 2026-11-18\nchannel = \"visit\"\n"),
        "{}",
        read(root, ACME)
    );
}

#[test]
fn a_true_conflict_is_reported_and_marked_until_resolved() {
    let book = book_with_driver();
    let root = book.path();
    git(root, &["branch", "side"]);
    edit_and_commit(root, "owner = \"julia\"", "owner = \"alice\"", "to alice");
    git(root, &["checkout", "-q", "side"]);
    edit_and_commit(root, "owner = \"julia\"", "owner = \"bruno\"", "to bruno");
    edit_and_commit(root, "stage = \"won\"", "stage = \"churned\"", "churned");
    git(root, &["checkout", "-q", "main"]);

    let out = merge(root, "side");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!(
            "kehu: {ACME}: conflict in owner: ours \"alice\", theirs \"bruno\""
        )),
        "{}",
        stderr(&out)
    );
    let text = read(root, ACME);
    assert!(
        text.contains(
            "industry = \"construction\"\n<<<<<<< ours\nowner = \"alice\"\n=======\nowner = \"bruno\"\n>>>>>>> theirs\nsince"
        ),
        "{text}"
    );
    assert!(
        text.contains("stage = \"churned\"\n"),
        "the other field merged: {text}"
    );
    let check = kehu(root, &["check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stdout(&check));
    let report = format!("{}{}", stdout(&check), stderr(&check));
    assert!(report.contains("conflict marker"), "{report}");

    // A person resolves it; the book checks clean again.
    let resolved = text.replace(
        "<<<<<<< ours\nowner = \"alice\"\n=======\nowner = \"bruno\"\n>>>>>>> theirs\n",
        "owner = \"bruno\"\n",
    );
    write(root, ACME, &resolved);
    git(
        root,
        &["commit", "-q", "-a", "-m", "merge side: owner bruno"],
    );
    let check = kehu(root, &["check"]);
    assert!(check.status.success(), "{}", stdout(&check));
}

#[test]
fn a_file_that_does_not_parse_conflicts_whole_and_keeps_both_sides() {
    let book = book_with_driver();
    let root = book.path();
    git(root, &["branch", "side"]);
    edit_and_commit(root, "tier = \"ordinary\"", "tier = \"key", "broken tier");
    git(root, &["checkout", "-q", "side"]);
    edit_and_commit(root, "abc = \"C\"", "abc = \"B\"", "abc");
    git(root, &["checkout", "-q", "main"]);
    let out = merge(root, "side");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("conflict in the whole file: ours does not parse"),
        "{}",
        stderr(&out)
    );
    let text = read(root, ACME);
    assert!(text.starts_with("<<<<<<< ours\n"), "{text}");
    assert!(
        text.contains("tier = \"key\n") && text.contains("abc = \"B\"\n"),
        "{text}"
    );
}

#[test]
fn two_clones_push_concurrent_edits_through_a_bare_remote() {
    let remote = tempfile::tempdir().unwrap();
    git(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    let origin = remote.path().to_str().unwrap();
    let first = book_with_driver();
    let a = first.path();
    git(a, &["remote", "add", "origin", origin]);
    git(a, &["push", "-q", "origin", "main"]);

    let second = tempfile::tempdir().unwrap();
    git(second.path(), &["clone", "-q", origin, "b"]);
    let b = &second.path().join("b");
    // A clone gets the attributes, never the driver: each person opts in.
    let unset = git_with_kehu(b, &["config", "--get", "merge.kehu.driver"]);
    assert_eq!(unset.status.code(), Some(1));
    git(
        b,
        &["config", "merge.kehu.driver", "kehu merge-file %O %A %B %P"],
    );

    // Alice regrades on clone A and pushes first.
    let grade = kehu(
        a,
        &[
            "grade",
            "acme-civil",
            "--tier",
            "key",
            "--reason",
            "new framework contract",
        ],
    );
    assert!(grade.status.success(), "{}", stderr(&grade));
    git(a, &["push", "-q", "origin", "main"]);

    // Bruno logs a contact on clone B, pulls (merging through the driver), pushes.
    let contact = kehu(
        b,
        &[
            "contact",
            "acme-civil",
            "--at",
            "2026-11-19",
            "--channel",
            "call",
            "--note",
            "renewal",
        ],
    );
    assert!(contact.status.success(), "{}", stderr(&contact));
    let pull = git_with_kehu(
        b,
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );
    assert!(pull.status.success(), "{}", stderr(&pull));
    git(b, &["push", "-q", "origin", "main"]);

    // Clone A fast-forwards to the merge: both edits, a valid book.
    let pull = git_with_kehu(a, &["pull", "-q", "--ff-only", "origin", "main"]);
    assert!(pull.status.success(), "{}", stderr(&pull));
    let text = read(a, ACME);
    assert!(
        text.contains("tier = \"key\"\n") && text.contains("pinned = [\"tier\"]\n"),
        "{text}"
    );
    assert!(
        text.contains("[contact]\nlast = 2026-11-19\nchannel = \"call\"\n"),
        "{text}"
    );
    assert_eq!(read(a, ACME), read(b, ACME));
    let check = kehu(a, &["check"]);
    assert!(check.status.success(), "{}", stdout(&check));
    let parents = git(a, &["log", "-1", "--format=%P"]);
    assert_eq!(parents.split_whitespace().count(), 2, "a merge commit");
}
