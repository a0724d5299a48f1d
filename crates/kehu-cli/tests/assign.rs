//! `kehu assign` end to end: the plan applied as a commit, and `--review`
//! figures read from a real git history with commits on known days.

mod common;

use std::path::Path;

use common::{customer_path, git, kehu, plugin_dir, stderr, stdout, write};
use serde_json::Value;

const POLICY: &str = r#"[book]
name = "Assign review"

[owners.alice]
name = "Alice"
capacity = 16

[owners.bob]
name = "Bob"
capacity = 4
"#;

fn customer(id: &str, owner: Option<&str>, tier: &str) -> String {
    let owner = owner.map_or_else(String::new, |o| format!("owner = \"{o}\"\n"));
    format!(
        "id = \"{id}\"\nname = \"{}\"\nregion = \"north\"\n{owner}stage = \"won\"\n\n[grade]\ntier = \"{tier}\"\n",
        id.to_uppercase()
    )
}

/// Commits everything, authored on `day`.
fn commit_on(dir: &Path, day: &str, message: &str) {
    git(dir, &["add", "-A"]);
    let date = format!("{day}T12:00:00+00:00");
    git(dir, &["commit", "-q", "--date", &date, "-m", message]);
}

fn assign(dir: &Path, args: &[&str]) -> (i32, String) {
    let plugins = plugin_dir().display().to_string();
    let mut all = vec![
        "--plugin-dir",
        plugins.as_str(),
        "--as-of",
        "2026-11-20",
        "assign",
    ];
    all.extend_from_slice(args);
    let output = kehu(dir, &all);
    assert!(
        output.status.code().is_some_and(|c| c < 2),
        "kehu {all:?}: {}",
        stderr(&output)
    );
    (output.status.code().unwrap_or(-1), stdout(&output))
}

fn review(dir: &Path) -> Value {
    let (code, text) = assign(
        dir,
        &["--review", "--since", "2026-08-20", "--format", "json"],
    );
    assert_eq!(code, 0);
    serde_json::from_str(&text).unwrap()
}

fn owner<'v>(doc: &'v Value, id: &str) -> &'v Value {
    doc["owners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["owner"] == id)
        .unwrap_or_else(|| panic!("no {id} in {doc}"))
}

#[test]
fn review_reads_reassignments_and_tier_changes_from_git_and_sees_its_own_plan() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write(dir, "kehu.toml", POLICY);
    write(
        dir,
        &customer_path("acme"),
        &customer("acme", Some("bob"), "key"),
    );
    write(
        dir,
        &customer_path("beta"),
        &customer("beta", Some("alice"), "key"),
    );
    write(
        dir,
        &customer_path("delta"),
        &customer("delta", Some("bob"), "small"),
    );
    commit_on(dir, "2026-08-01", "the book");
    write(
        dir,
        &customer_path("acme"),
        &customer("acme", Some("alice"), "key"),
    );
    commit_on(dir, "2026-09-15", "hand acme over to alice");
    write(
        dir,
        &customer_path("beta"),
        &customer("beta", Some("alice"), "strategic"),
    );
    commit_on(dir, "2026-10-05", "beta is strategic now");

    let doc = review(dir);
    assert_eq!(doc["commits"], 2);
    let alice = owner(&doc, "alice");
    assert_eq!(alice["moved_in"], 1);
    assert_eq!(
        (&alice["held_at_start"], &alice["kept"]),
        (&1.into(), &1.into())
    );
    let loads: Vec<f64> = alice["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["load"].as_f64().unwrap())
        .collect();
    // 08-19, 08-31, 09-30, 10-31, 11-20: beta (4), + acme (4), beta strategic (8).
    assert_eq!(loads, [4.0, 4.0, 8.0, 12.0, 12.0]);
    let bob = owner(&doc, "bob");
    assert_eq!((&bob["moved_out"], &bob["kept"]), (&1.into(), &1.into()));
    assert_eq!(bob["points"][0]["utilisation"], 5.0 / 4.0);
    let changed = &doc["tier_changed_since_assigned"];
    assert_eq!(changed[0]["customer"], "beta");
    assert_eq!(changed[0]["tier_then"], "key");

    // Bob leaves; the plan hands delta over, and the review sees that commit.
    write(
        dir,
        "kehu.toml",
        &POLICY.replace("capacity = 4\n", "capacity = 4\nactive = false\n"),
    );
    commit_on(dir, "2026-11-01", "bob leaves");
    let (code, plan) = assign(dir, &["--format", "json"]);
    assert_eq!(code, 0, "{plan}");
    let plan: Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(plan["solver"]["optimal"], true);
    let delta = plan["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer"] == "delta")
        .unwrap()
        .clone();
    assert_eq!(delta["reason"], "bob is inactive");
    assert_eq!(delta["to"], "pool-north");
    let (code, _) = assign(dir, &["--apply"]);
    assert_eq!(code, 0);
    let message = git(dir, &["log", "-1", "--format=%B"]);
    assert!(
        message.contains("delta: bob → pool-north: bob is inactive"),
        "{message}"
    );
    assert_eq!(git(dir, &["status", "--porcelain"]), "");

    let doc = review(dir);
    assert_eq!(doc["commits"], 3);
    assert_eq!(owner(&doc, "bob")["moved_out"], 2);
    assert_eq!(owner(&doc, "bob")["unavailable"], "inactive");
    assert_eq!(owner(&doc, "pool-north")["moved_in"], 1);
    assert_eq!(doc["unassigned"].as_array().unwrap().len(), 0);
    let (_, table) = assign(dir, &["--review", "--since", "2026-08-20"]);
    assert!(
        table.contains("Assignment review 2026-08-20 … 2026-11-20"),
        "{table}"
    );
}
