//! The review workflow of a team, end to end: changes proposed on branches
//! (`--branch`), pushed to a shared bare remote, read by a reviewer with
//! `kehu diff`, gated in CI by `kehu classify --check`, merged into main,
//! and answered for afterwards by `kehu history`.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

const ACME: &str = "customers/ac/acme-civil.toml";

/// `kehu classify --check`'s exit code in `dir` (the CI gate).
fn gate(dir: &Path) -> Option<i32> {
    let plugins = plugin_dir().display().to_string();
    kehu(dir, &["--plugin-dir", &plugins, "classify", "--check"])
        .status
        .code()
}

/// The changed fields of `kehu diff RANGE`, as `customer field old → new`.
fn diff(dir: &Path, range: &str) -> Vec<String> {
    let doc: Value = serde_json::from_str(&ok(dir, &["--format", "json", "diff", range])).unwrap();
    let mut rows = Vec::new();
    for customer in doc["customers"].as_array().unwrap() {
        for field in customer["fields"].as_array().unwrap() {
            rows.push(format!(
                "{} {} {} → {}",
                customer["id"].as_str().unwrap(),
                field["field"].as_str().unwrap(),
                field["old"],
                field["new"]
            ));
        }
    }
    rows
}

/// The event of `kehu history ID` that set grade.tier to `to`.
fn tier_event(dir: &Path, id: &str, to: &str) -> Value {
    let history: Value =
        serde_json::from_str(&ok(dir, &["--format", "json", "history", id])).unwrap();
    history["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "grade.tier" && e["to"] == to)
        .cloned()
        .unwrap_or_else(|| panic!("{history:#}"))
}

#[test]
fn a_regrade_and_a_reassignment_go_through_review_ci_and_merge() {
    let plugins = plugin_dir().display().to_string();
    let with_plugins = |dir: &Path, args: &[&str]| {
        let mut all = vec!["--plugin-dir", plugins.as_str()];
        all.extend_from_slice(args);
        ok(dir, &all)
    };

    // The team's remote, and Alice's clone: the sample book, graded.
    let remote = tempfile::tempdir().unwrap();
    git(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    let origin = remote.path().to_str().unwrap();
    let alice_book = sample_git_book();
    let alice = alice_book.path();
    with_plugins(alice, &["classify", "--apply"]);
    git(alice, &["remote", "add", "origin", origin]);
    git(alice, &["push", "-q", "origin", "main"]);
    assert_eq!(gate(alice), Some(0), "main starts green");

    // New figures land on main: the stored grades are stale, CI turns red.
    let text = std::fs::read_to_string(alice.join(ACME)).unwrap();
    write(
        alice,
        ACME,
        &text.replace("revenue_12m = 6316.74", "revenue_12m = 46316.74"),
    );
    git(
        alice,
        &[
            "commit",
            "-q",
            "-a",
            "-m",
            "acme-civil: revenue from the ERP",
        ],
    );
    assert_eq!(gate(alice), Some(1), "stale grades fail the gate");

    // Alice proposes the regrade, a hand regrade and a reassignment, each on
    // its own branch; her checkout does not move.
    let head = git(alice, &["rev-parse", "HEAD"]);
    let out = with_plugins(alice, &["classify", "--branch", "review/regrade"]);
    assert!(out.contains("on new branch review/regrade"), "{out}");
    ok(
        alice,
        &[
            "grade",
            "zipser-home",
            "--tier",
            "key",
            "--reason",
            "framework contract signed for 2027",
            "--branch",
            "review/zipser",
            "--author",
            "Alice Example <alice@example.com>",
        ],
    );
    let assign = kehu(
        alice,
        &[
            "--plugin-dir",
            &plugins,
            "assign",
            "--branch",
            "review/assign",
        ],
    );
    assert!(
        stdout(&assign).contains("on new branch review/assign"),
        "{}{}",
        stdout(&assign),
        stderr(&assign)
    );
    assert_eq!(git(alice, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(alice, &["status", "--porcelain"]), "");
    // Main moves on meanwhile: a contact with acme-civil.
    ok(
        alice,
        &[
            "contact",
            "acme-civil",
            "--channel",
            "call",
            "--at",
            "2026-11-19",
            "--note",
            "renewal talk",
        ],
    );
    git(
        alice,
        &[
            "push",
            "-q",
            "origin",
            "main",
            "review/regrade",
            "review/zipser",
            "review/assign",
        ],
    );

    // Bob reviews in his own clone, with the merge driver configured.
    let bob_home = tempfile::tempdir().unwrap();
    git(bob_home.path(), &["clone", "-q", origin, "book"]);
    let bob = &bob_home.path().join("book");
    git(
        bob,
        &["config", "merge.kehu.driver", "kehu merge-file %O %A %B %P"],
    );

    // The reviewer's view: field by field. `...` shows the branch's own
    // changes; `..` compares the tips, so it also shows main's newer contact
    // undone.
    let own = diff(bob, "origin/main...origin/review/regrade");
    assert!(
        own.contains(&"acme-civil grade.tier \"small\" → \"ordinary\"".to_owned()),
        "{own:#?}"
    );
    assert!(own.iter().all(|row| row.contains(" grade.")), "{own:#?}");
    let tips = diff(bob, "origin/main..origin/review/regrade");
    assert!(
        tips.contains(&"acme-civil contact.last \"2026-11-19\" → \"2026-10-18\"".to_owned()),
        "{tips:#?}"
    );
    assert_eq!(
        diff(bob, "origin/main...origin/review/zipser"),
        vec![
            "zipser-home grade.pinned null → [\"tier\"]",
            "zipser-home grade.tier \"ordinary\" → \"key\"",
        ]
    );
    let moves = diff(bob, "origin/main...origin/review/assign");
    assert!(!moves.is_empty());
    assert!(
        moves.iter().all(|row| row.contains(" owner ")),
        "{moves:#?}"
    );

    // CI runs the gate on each branch: the regrade is green, main is red.
    assert_eq!(gate(bob), Some(1));
    git(
        bob,
        &["checkout", "-q", "--detach", "origin/review/regrade"],
    );
    assert_eq!(gate(bob), Some(0), "the regrade branch passes the gate");
    git(bob, &["checkout", "-q", "main"]);

    // Bob merges the three pull requests and pushes; main is green again.
    for branch in [
        "origin/review/regrade",
        "origin/review/zipser",
        "origin/review/assign",
    ] {
        let out = git_with_kehu(bob, &["merge", "-q", "--no-ff", "--no-edit", branch]);
        assert!(out.status.success(), "{branch}: {}", stderr(&out));
    }
    assert_eq!(gate(bob), Some(0), "merged main passes the gate");
    assert!(kehu(bob, &["check"]).status.success());
    git(bob, &["push", "-q", "origin", "main"]);

    // After the merge, Alice's pull answers who, when and why.
    git(alice, &["pull", "-q", "--ff-only", "origin", "main"]);
    let regrade = tier_event(alice, "zipser-home", "key");
    assert_eq!(regrade["who"], "Alice Example");
    assert_eq!(regrade["date"], "2026-11-20");
    assert_eq!(regrade["note"], "framework contract signed for 2027");
    assert_eq!(regrade["kind"], "regrade");
    let tier = tier_event(alice, "acme-civil", "ordinary");
    assert!(
        tier["note"].as_str().unwrap().starts_with("classify:"),
        "the classify commit on the branch, not the merge: {tier:#}"
    );
    let contact = std::fs::read_to_string(alice.join(ACME)).unwrap();
    assert!(contact.contains("last = 2026-11-19\n"), "{contact}");
}
