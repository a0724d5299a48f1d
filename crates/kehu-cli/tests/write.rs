//! End-to-end tests of the commands that change the book (`contact`,
//! `grade`) and of the shared apply path: one-line diffs, trailers that git
//! reads back, pins, refusals that leave the repository exactly as before,
//! `--dry-run` and `--branch`.

mod common;

use std::fs;
use std::path::Path;

use common::{git, kehu, new_book, stderr, stdout};

const ACME: &str = "customers/ac/acme.toml";

/// A hand-written customer file: comments and layout must survive edits.
const ACME_TEXT: &str = r#"# Our oldest account.
id = "acme"
name = "ACME Corporation"
region = "east"
owner = "alice"          # since the 2023 reorganisation
since = 2023-04-01
stage = "won"

[grade]
tier = "key"
pipeline = "C"

[metrics]
revenue_12m = 1250000.0
satisfaction = 4.0       # spring survey

[contact]
last = 2026-10-01
channel = "email"
"#;

/// A new book with ACME committed by hand with plain git.
fn book_with_acme() -> tempfile::TempDir {
    let book = new_book();
    let dir = book.path();
    fs::create_dir_all(dir.join("customers/ac")).unwrap();
    fs::write(dir.join(ACME), ACME_TEXT).unwrap();
    git(dir, &["add", ACME]);
    git(dir, &["commit", "-q", "-m", "acme by hand"]);
    book
}

/// Everything a failed command must leave as it was.
#[derive(Debug, PartialEq)]
struct RepoState {
    head: String,
    status: String,
    branches: String,
    acme: Vec<u8>,
    index: Vec<u8>,
}

fn state(dir: &Path) -> RepoState {
    RepoState {
        head: git(dir, &["rev-parse", "HEAD"]),
        status: git(dir, &["status", "--porcelain", "--untracked-files=all"]),
        branches: git(dir, &["branch", "--list"]),
        acme: fs::read(dir.join(ACME)).unwrap(),
        index: fs::read(dir.join(".git/index")).unwrap(),
    }
}

/// Runs each `(args, expected)`: kehu exits 2 naming `expected` on stderr
/// and leaves the repository exactly as it was.
fn assert_refused(dir: &Path, cases: &[(Vec<&str>, &str)]) {
    let before = state(dir);
    for (args, expected) in cases {
        let output = kehu(dir, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(state(dir), before, "{args:?}");
    }
}

/// The `-`/`+` lines of the last commit's diff of ACME, without headers.
fn last_diff(dir: &Path) -> Vec<String> {
    git(dir, &["diff", "--unified=0", "HEAD~1", "HEAD", "--", ACME])
        .lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .map(str::to_owned)
        .collect()
}

const CONTACT: &[&str] = &[
    "contact",
    "acme",
    "--channel",
    "call",
    "--note",
    "Quarterly review with the CFO; renewal likely in Q1.",
    "--at",
    "2026-11-18",
];

#[test]
fn contact_changes_only_its_lines_and_commits_with_trailers() {
    let book = book_with_acme();
    let dir = book.path();
    let mut args = CONTACT.to_vec();
    args.extend(["--satisfaction", "4.5", "--grade", "B"]);
    let output = kehu(dir, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("contact: acme by call"));

    assert_eq!(
        last_diff(dir),
        [
            "-pipeline = \"C\"",
            "+pipeline = \"B\"",
            "-satisfaction = 4.0       # spring survey",
            "+satisfaction = 4.5       # spring survey",
            "-last = 2026-10-01",
            "-channel = \"email\"",
            "+last = 2026-11-18",
            "+channel = \"call\"",
        ]
    );
    let message = git(dir, &["log", "-1", "--format=%B"]);
    assert!(message.starts_with(
        "contact: acme by call\n\nQuarterly review with the CFO; renewal likely in Q1.\n\n"
    ));
    let mut parse = std::process::Command::new("git");
    common::hermetic(&mut parse)
        .current_dir(dir)
        .args(["interpret-trailers", "--parse"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = parse.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(message.as_bytes())
        .unwrap();
    let trailers = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    assert!(
        trailers.starts_with(
            "Kehu-Command: contact\nKehu-Customer: acme\nKehu-Contact: call\nKehu-Rules: "
        ),
        "{trailers}"
    );
    assert_eq!(git(dir, &["status", "--porcelain"]), "");
    let check = kehu(dir, &["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn contact_validates_before_writing() {
    let book = book_with_acme();
    let dir = book.path();
    let cases = [
        (
            vec!["contact", "acme", "--channel", "fax", "--note", "x"],
            "not a channel of this book",
        ),
        (
            vec![
                "contact",
                "acme",
                "--channel",
                "call",
                "--note",
                "x",
                "--at",
                "2999-01-01",
            ],
            "is in the future",
        ),
        (
            vec![
                "contact",
                "acme",
                "--channel",
                "call",
                "--note",
                "x",
                "--at",
                "2026-09-01",
            ],
            "before acme's latest recorded contact",
        ),
        (
            vec![
                "contact",
                "acme",
                "--channel",
                "call",
                "--note",
                "x",
                "--satisfaction",
                "7",
            ],
            "between 1 and 5",
        ),
        (
            vec![
                "contact",
                "acme",
                "--channel",
                "call",
                "--note",
                "x",
                "--grade",
                "F",
            ],
            "A, B, C, D, E",
        ),
        (
            vec!["contact", "nobody", "--channel", "call", "--note", "x"],
            "no customer `nobody`",
        ),
    ];
    assert_refused(dir, &cases);
}

#[test]
fn grade_pins_and_unpin_releases() {
    let book = book_with_acme();
    let dir = book.path();
    let output = kehu(
        dir,
        &[
            "grade",
            "acme",
            "--tier",
            "strategic",
            "--reason",
            "Board decision, Nov 2026",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        last_diff(dir),
        [
            "-tier = \"key\"",
            "+tier = \"strategic\"",
            "+pinned = [\"tier\"]",
        ]
    );
    let message = git(dir, &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("grade: acme tier=strategic\n"),
        "{message}"
    );
    assert!(message.contains(
        "\nKehu-Command: grade\nKehu-Customer: acme\nKehu-Reason: Board decision, Nov 2026\n"
    ));

    // A contact's --grade may not overwrite a pinned field either.
    let output = kehu(
        dir,
        &["grade", "acme", "--pipeline", "b", "--reason", "Signed LOI"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        fs::read_to_string(dir.join(ACME))
            .unwrap()
            .contains("pinned = [\"tier\", \"pipeline\"]")
    );
    let mut args = CONTACT.to_vec();
    args.extend(["--grade", "A"]);
    let before = state(dir);
    let output = kehu(dir, &args);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("grade.pipeline of `acme`: it is pinned"),
        "{}",
        stderr(&output)
    );
    assert_eq!(state(dir), before);

    let output = kehu(
        dir,
        &[
            "grade",
            "acme",
            "--unpin",
            "tier",
            "--reason",
            "Back to the rules",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        last_diff(dir),
        [
            "-pinned = [\"tier\", \"pipeline\"]",
            "+pinned = [\"pipeline\"]"
        ]
    );
    let output = kehu(
        dir,
        &[
            "grade",
            "acme",
            "--unpin",
            "pipeline",
            "--reason",
            "Rules again",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(last_diff(dir), ["-pinned = [\"pipeline\"]"]);
}

#[test]
fn grade_refuses_values_outside_the_policy() {
    let book = book_with_acme();
    let dir = book.path();
    let cases = [
        (
            vec!["grade", "acme", "--tier", "gold", "--reason", "x"],
            "strategic, key, ordinary, small",
        ),
        (
            vec!["grade", "acme", "--abc", "D", "--reason", "x"],
            "A, B or C",
        ),
        (
            vec!["grade", "acme", "--rfm", "vip", "--reason", "x"],
            "important-value",
        ),
        (vec!["grade", "acme", "--reason", "x"], "nothing to do"),
        (
            vec!["grade", "acme", "--unpin", "tier", "--reason", "x"],
            "is not pinned",
        ),
        (
            vec!["grade", "acme", "--tier", "key", "--reason", " "],
            "--reason is empty",
        ),
    ];
    assert_refused(dir, &cases);
}

#[test]
fn a_dirty_file_is_refused_and_left_alone() {
    let book = book_with_acme();
    let dir = book.path();
    let dirty = format!("{ACME_TEXT}# a note I have not committed\n");
    fs::write(dir.join(ACME), &dirty).unwrap();
    let before = state(dir);
    let output = kehu(dir, CONTACT);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("customers/ac/acme.toml has uncommitted changes"),
        "{}",
        stderr(&output)
    );
    assert_eq!(state(dir), before);
    assert_eq!(fs::read_to_string(dir.join(ACME)).unwrap(), dirty);
}

#[test]
fn a_held_index_lock_leaves_the_repository_as_it_was() {
    let book = book_with_acme();
    let dir = book.path();
    fs::write(dir.join(".git/index.lock"), b"").unwrap();
    let before = state(dir);
    let started = std::time::Instant::now();
    let output = kehu(dir, CONTACT);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("index.lock exists"),
        "{}",
        stderr(&output)
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "it retries first"
    );
    assert!(
        dir.join(".git/index.lock").exists(),
        "another process's lock stays"
    );
    fs::remove_file(dir.join(".git/index.lock")).unwrap();
    assert_eq!(state(dir), before);
    assert_eq!(fs::read(dir.join(ACME)).unwrap(), ACME_TEXT.as_bytes());
}

#[test]
fn a_merge_in_progress_is_refused() {
    let book = book_with_acme();
    let dir = book.path();
    let head = git(dir, &["rev-parse", "HEAD"]);
    fs::write(dir.join(".git/MERGE_HEAD"), head).unwrap();
    let before = state(dir);
    let output = kehu(dir, CONTACT);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("in the middle of a merge"),
        "{}",
        stderr(&output)
    );
    assert_eq!(state(dir), before);
}

#[test]
fn outside_a_git_repository_nothing_is_written() {
    let book = book_with_acme();
    let plain = tempfile::tempdir().unwrap();
    let dir = plain.path();
    fs::copy(book.path().join("kehu.toml"), dir.join("kehu.toml")).unwrap();
    fs::create_dir_all(dir.join("customers/ac")).unwrap();
    fs::write(dir.join(ACME), ACME_TEXT).unwrap();
    let output = kehu(dir, CONTACT);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not a git repository"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read(dir.join(ACME)).unwrap(), ACME_TEXT.as_bytes());
    assert!(!dir.join(".git").exists());
}

#[test]
fn dry_run_shows_the_change_and_writes_nothing() {
    let book = book_with_acme();
    let dir = book.path();
    let before = state(dir);
    let mut args = CONTACT.to_vec();
    args.push("--dry-run");
    let output = kehu(dir, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let shown = stdout(&output);
    assert!(shown.contains("customers/ac/acme.toml\n"), "{shown}");
    assert!(
        shown.contains("  contact.last: \"2026-10-01\" → \"2026-11-18\"\n"),
        "{shown}"
    );
    assert!(
        shown.contains("  contact.channel: \"email\" → \"call\"\n"),
        "{shown}"
    );
    assert!(shown.contains("    contact: acme by call\n"), "{shown}");
    assert!(shown.contains("    Kehu-Contact: call\n"), "{shown}");
    assert_eq!(state(dir), before);
}

#[test]
fn branch_commits_for_review_without_touching_head_or_the_work_tree() {
    let book = book_with_acme();
    let dir = book.path();
    let before = state(dir);
    let output = kehu(
        dir,
        &[
            "grade",
            "acme",
            "--tier",
            "strategic",
            "--reason",
            "Proposal",
            "--branch",
            "review/acme",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("on new branch review/acme"));
    let after = state(dir);
    assert_eq!(after.head, before.head);
    assert_eq!(after.status, before.status);
    assert_eq!(after.acme, before.acme);
    assert_eq!(after.index, before.index);
    assert!(after.branches.contains("review/acme"));
    let on_branch = git(dir, &["show", &format!("review/acme:{ACME}")]);
    assert!(on_branch.contains("tier = \"strategic\"\npipeline = \"C\"\npinned = [\"tier\"]\n"));
    assert_eq!(git(dir, &["rev-parse", "review/acme~1"]), before.head);

    // The branch exists now: a second run refuses and changes nothing.
    let output = kehu(
        dir,
        &[
            "grade",
            "acme",
            "--tier",
            "key",
            "--reason",
            "x",
            "--branch",
            "review/acme",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("already exists"));
    assert_eq!(state(dir), after);
}
