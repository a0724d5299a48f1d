//! `kehu agenda` end to end: the cadence follows the grade a contact sets
//! (issue 7, item 6), and `[agenda] history_days = 0` in kehu.toml reaches
//! the plugin.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{hermetic, plugin_dir, stderr, write};
use serde_json::Value;

/// `program` in `dir`, hermetic, with git's dates set to `date` (noon
/// UTC), so commits land on that day and `--as-of` reads them back.
fn on(program: &str, dir: &Path, date: &str) -> Command {
    let stamp = format!("{date}T12:00:00+00:00");
    let mut command = Command::new(program);
    hermetic(&mut command)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", &stamp)
        .env("GIT_COMMITTER_DATE", &stamp);
    command
}

fn kehu_on(dir: &Path, date: &str, args: &[&str]) -> Output {
    on(env!("CARGO_BIN_EXE_kehu"), dir, date)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .args(args)
        .output()
        .expect("run kehu")
}

fn git_on(dir: &Path, date: &str, args: &[&str]) {
    let output = on("git", dir, date).args(args).output().expect("run git");
    assert!(output.status.success(), "git {args:?}: {}", stderr(&output));
}

/// The agenda as of `day`, in JSON.
fn agenda(dir: &Path, day: &str, args: &[&str]) -> Value {
    let mut all = vec!["--as-of", day, "agenda", "--format", "json"];
    all.extend(args);
    let output = kehu_on(dir, "2026-11-20", &all);
    assert!(output.status.success(), "agenda: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn overdue_ids(doc: &Value) -> Vec<String> {
    doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn customer(id: &str, pipeline: &str, last: &str) -> String {
    format!(
        "id = \"{id}\"\nname = \"{id}\"\nowner = \"alice\"\nstage = \"won\"\n\n[grade]\ntier = \"small\"\npipeline = \"{pipeline}\"\n\n[contact]\nlast = {last}\nchannel = \"call\"\n"
    )
}

/// A book started on 2026-10-01 with acme (small, pipeline D: every 30 days,
/// at most 60) last contacted on 2026-08-01, and beta (small, E: every 180
/// days) contacted on 2026-09-30.
fn book() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git_on(root, "2026-10-01", &["init", "-q", "-b", "main"]);
    std::fs::copy(
        common::repo_root().join("templates/kehu.toml"),
        root.join("kehu.toml"),
    )
    .unwrap();
    write(
        root,
        "customers/ac/acme.toml",
        &customer("acme", "D", "2026-08-01"),
    );
    write(
        root,
        "customers/be/beta.toml",
        &customer("beta", "E", "2026-09-30"),
    );
    git_on(root, "2026-10-01", &["add", "-A"]);
    git_on(root, "2026-10-01", &["commit", "-qm", "Start the book"]);
    dir
}

#[test]
fn a_contact_with_a_new_grade_resets_the_follow_up_at_the_new_cadence() {
    let dir = book();
    let root = dir.path();
    // 95 days since 08-01, past D's maximum of 60.
    assert_eq!(
        overdue_ids(&agenda(root, "2026-11-04", &["--overdue"])),
        ["acme"]
    );
    let contact = kehu_on(
        root,
        "2026-11-05",
        &[
            "contact",
            "acme",
            "--channel",
            "call",
            "--note",
            "Renewal talk",
            "--grade",
            "B",
            "--at",
            "2026-11-05",
        ],
    );
    assert!(contact.status.success(), "contact: {}", stderr(&contact));
    // Five days later: off the overdue list, and not due under B (7 / 14).
    let after = agenda(root, "2026-11-10", &["--days", "1"]);
    assert!(overdue_ids(&agenda(root, "2026-11-10", &["--overdue"])).is_empty());
    assert!(!overdue_ids(&after).contains(&"acme".to_owned()));
    // Fifteen days after the contact it is back, at B's cadence: under D it
    // would not even be due until 12-05.
    let back = agenda(root, "2026-11-20", &["--overdue"]);
    assert_eq!(overdue_ids(&back), ["acme"]);
    let item = &back["items"][0];
    assert_eq!(item["cadence"]["ideal"], 7);
    assert_eq!(item["cadence"]["max"], 14);
    assert_eq!(item["last_contact"], "2026-11-05");
    assert_eq!(item["contact_logged"], "2026-11-05");
    assert_eq!(item["overdue_on"], "2026-11-20");
}

#[test]
fn history_days_zero_in_kehu_toml_reaches_the_agenda() {
    let dir = book();
    let root = dir.path();
    // A contact commit that did not write [contact].last.
    let path = root.join("customers/be/beta.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("channel = \"call\"", "channel = \"visit\""),
    )
    .unwrap();
    git_on(
        root,
        "2026-11-10",
        &[
            "commit",
            "-qam",
            "contact: beta by visit\n\nKehu-Command: contact\nKehu-Customer: beta\nKehu-Contact: visit",
        ],
    );
    let explain = |doc: Value| doc["explain"].clone();
    let with_history = explain(agenda(root, "2026-11-20", &["--explain", "beta"]));
    assert_eq!(with_history["contact_logged"], "2026-11-10");
    assert!(
        with_history["note"]
            .as_str()
            .unwrap()
            .contains("a commit without the field"),
        "{with_history}"
    );
    let policy = root.join("kehu.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, format!("{text}\n[agenda]\nhistory_days = 0\n")).unwrap();
    git_on(
        root,
        "2026-11-11",
        &["commit", "-qam", "Agenda: no history"],
    );
    let without = explain(agenda(root, "2026-11-20", &["--explain", "beta"]));
    assert_eq!(without["contact_logged"], Value::Null);
    assert_eq!(without["note"], Value::Null);
    assert_eq!(without["last_contact"], "2026-09-30");
}
