//! Concurrent writers: several `kehu` processes write the same book at once
//! (`contact` on different customers, `classify --apply`). Each either
//! commits or fails with a message that says why and what to do; no commit
//! loses another's change; the final history holds every successful write,
//! and every line a successful commit added is still in HEAD.

mod common;
mod writers;

use std::path::Path;
use std::process::Output;

use common::{customer_path, git, plugin_dir, stderr, stdout};
use writers::{
    assert_check_passes, assert_fsck_clean, customer_id, orders_book, spawn_kehu, status,
};

const CHANNELS: [&str; 5] = ["call", "visit", "email", "meeting", "message"];

/// A write one process made: its commit (short id) and output.
struct Outcome {
    args: Vec<String>,
    output: Output,
}

/// Starts every command at once and waits for all of them.
fn run_together(root: &Path, commands: Vec<Vec<String>>) -> Vec<Outcome> {
    let children: Vec<_> = commands
        .iter()
        .map(|args| spawn_kehu(root, args, true))
        .collect();
    children
        .into_iter()
        .zip(commands)
        .map(|(child, args)| Outcome {
            output: child.wait_with_output().unwrap(),
            args,
        })
        .collect()
}

fn contact(i: usize) -> Vec<String> {
    [
        "contact",
        &customer_id(i),
        "--channel",
        CHANNELS[i % CHANNELS.len()],
        "--note",
        &format!("concurrent call {i}"),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn classify() -> Vec<String> {
    let dir = plugin_dir().display().to_string();
    ["--plugin-dir", &dir, "classify", "--apply"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The commit a successful write reports (`Committed 1a2b3c4d5e: …`).
fn committed_id(outcome: &Outcome) -> Option<String> {
    let text = stdout(&outcome.output);
    let line = text.lines().find(|l| l.starts_with("Committed "))?;
    let id = line.strip_prefix("Committed ")?.split(':').next()?;
    Some(id.trim().to_owned())
}

/// Checks every process's outcome against the final book and returns how
/// many committed.
fn check_outcomes(root: &Path, base: &str, outcomes: &[Outcome]) -> usize {
    let mut commits = Vec::new();
    for outcome in outcomes {
        let err = stderr(&outcome.output);
        assert!(!err.contains("panicked"), "{:?}: {err}", outcome.args);
        match outcome.output.status.code() {
            Some(0 | 1) => {
                if let Some(id) = committed_id(outcome) {
                    commits.push(id);
                }
            }
            Some(2) => assert!(
                err.contains("run the command again")
                    || err.contains("index.lock")
                    || err.contains("nothing to commit: the files already have this content"),
                "{:?} failed without saying what to do: {err}",
                outcome.args
            ),
            other => panic!("{:?}: exit {other:?}: {err}", outcome.args),
        }
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| o.output.status.code() == Some(2))
        .map(|o| stderr(&o.output).lines().last().unwrap_or("").to_owned())
        .collect();
    eprintln!(
        "{} writers: {} committed, failed: {failed:?}",
        outcomes.len(),
        commits.len()
    );
    // The history holds each successful write once, on top of the base.
    let history = git(root, &["log", "--format=%H", &format!("{base}..HEAD")]);
    assert_eq!(history.lines().count(), commits.len(), "{history}");
    for id in &commits {
        git(root, &["merge-base", "--is-ancestor", id, "HEAD"]);
        // Every line it added is still in HEAD (no two writers here set
        // the same field of the same customer to different values).
        let diff = git(root, &["show", "--format=", "-U0", id]);
        let mut file = String::new();
        for line in diff.lines() {
            if let Some(path) = line.strip_prefix("+++ b/") {
                file = git(root, &["show", &format!("HEAD:{path}")]);
            } else if let Some(added) = line.strip_prefix('+') {
                assert!(
                    file.lines().any(|l| l == added),
                    "commit {id}'s line `{added}` is lost in HEAD"
                );
            }
        }
    }
    assert_eq!(status(root), "");
    assert_fsck_clean(root);
    assert_check_passes(root);
    commits.len()
}

#[test]
fn eight_contacts_at_once_all_land() {
    let book = orders_book(45);
    let root = book.path();
    let base = git(root, &["rev-parse", "HEAD"]).trim().to_owned();
    let outcomes = run_together(root, (0..8).map(contact).collect());
    let committed = check_outcomes(root, &base, &outcomes);
    // Different customers never conflict: every one commits (waiting for
    // the index lock in turn).
    assert_eq!(committed, 8);
    for (i, outcome) in outcomes.iter().enumerate() {
        let path = customer_path(&customer_id(i));
        let file = git(root, &["show", &format!("HEAD:{path}")]);
        assert!(
            file.contains(&format!("channel = \"{}\"", CHANNELS[i % CHANNELS.len()])),
            "{:?}: {file}",
            outcome.args
        );
    }
}

#[test]
fn classify_and_contacts_at_once_lose_nothing() {
    let book = orders_book(45);
    let root = book.path();
    let base = git(root, &["rev-parse", "HEAD"]).trim().to_owned();
    let mut commands = vec![classify(), classify()];
    commands.extend((10..14).map(contact));
    let outcomes = run_together(root, commands);
    let committed = check_outcomes(root, &base, &outcomes);
    assert!(committed >= 1, "no write succeeded");
}
