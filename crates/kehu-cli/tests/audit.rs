//! End-to-end tests of the audit commands (`history`, `log`, `diff`,
//! `blame`) and of `--as-of` reads, on real temporary git repositories whose
//! history is made with plain git — hand edits without trailers, merges,
//! renames — as well as commits carrying kehu's trailers.

mod common;

use std::fs;
use std::path::Path;

use common::{commit_all_on, git, git_on, kehu, new_book, ok, stderr, write};
use serde_json::Value;

const ACME: &str = "customers/ac/acme.toml";
const GLOBEX: &str = "customers/gl/globex.toml";

const ACME_TEXT: &str = r#"id = "acme"
name = "ACME Corporation"
region = "east"
owner = "alice"
since = 2023-04-01
stage = "proposal"

[grade]
tier = "key"
pipeline = "C"

[metrics]
revenue_12m = 1250000.0
"#;

const GLOBEX_TEXT: &str = r#"id = "globex"
name = "Globex"
region = "south"
owner = "bruno"
since = 2024-02-01
stage = "won"

[grade]
tier = "ordinary"
"#;

/// Replaces one line that starts with `key = ` in a file.
fn set(dir: &Path, path: &str, key: &str, value: &str) {
    let text = fs::read_to_string(dir.join(path)).unwrap();
    let prefix = format!("{key} = ");
    let mut found = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with(&prefix) {
                found = true;
                format!("{key} = {value}")
            } else {
                line.to_owned()
            }
        })
        .collect();
    assert!(found, "{key} not in {path}");
    fs::write(dir.join(path), lines.join("\n") + "\n").unwrap();
}

/// Runs kehu with `--format json` and parses the document.
fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let doc: Value = serde_json::from_str(&ok(dir, &all)).unwrap();
    assert_eq!(doc["schema"], "kehu/1");
    doc
}

/// Replaces each short commit id in `text` with `@N` (its place in
/// `git log --reverse --all`) padded to the same width, so snapshots do not
/// depend on the bytes of the templates that `kehu init` commits.
fn redact(dir: &Path, text: &str) -> String {
    let ids = git(dir, &["log", "--all", "--reverse", "--format=%H"]);
    let mut out = text.to_owned();
    for (n, id) in ids.lines().enumerate() {
        out = out.replace(&id[..10], &format!("{:<10}", format!("@{n}")));
    }
    out
}

/// A book with ACME (2026-01-10) and Globex (2026-01-12), added by hand.
fn book() -> tempfile::TempDir {
    let temp = new_book();
    let dir = temp.path();
    write(dir, ACME, ACME_TEXT);
    commit_all_on(dir, "2026-01-10", "add acme by hand");
    write(dir, GLOBEX, GLOBEX_TEXT);
    commit_all_on(dir, "2026-01-12", "add globex by hand");
    temp
}

#[test]
fn history_shows_a_hand_edit_committed_without_trailers() {
    let temp = book();
    let dir = temp.path();
    set(dir, ACME, "tier", "\"strategic\"");
    set(dir, ACME, "owner", "\"chen\"");
    commit_all_on(dir, "2026-03-02", "acme moves up after the framework deal");

    let doc = json(dir, &["history", "acme"]);
    let events = doc["events"].as_array().unwrap();
    let tier = events
        .iter()
        .find(|e| e["field"] == "grade.tier" && e["to"] == "strategic")
        .expect("the hand regrade is in the history");
    assert_eq!(tier["change"], "grade");
    assert_eq!(tier["from"], "key");
    assert_eq!(tier["date"], "2026-03-02");
    assert_eq!(tier["who"], "Test Author");
    assert_eq!(tier["note"], "acme moves up after the framework deal");
    assert_eq!(tier["kind"], "edit");
    let owner = events
        .iter()
        .find(|e| e["change"] == "owner" && e["from"] == "alice")
        .unwrap();
    assert_eq!(owner["to"], "chen");
    // Newest first: the regrade before the creation.
    assert_eq!(events[0]["date"], "2026-03-02");
    assert_eq!(events.last().unwrap()["date"], "2026-01-10");

    let table = redact(dir, &ok(dir, &["history", "acme"]));
    insta::assert_snapshot!("history_hand_edit", table);
}

#[test]
fn history_reads_contacts_and_reasons_from_trailers() {
    let temp = book();
    let dir = temp.path();
    write(
        dir,
        ACME,
        &format!("{ACME_TEXT}\n[contact]\nlast = 2026-04-01\nchannel = \"visit\"\n"),
    );
    set(dir, ACME, "pipeline", "\"B\"");
    commit_all_on(
        dir,
        "2026-04-02",
        "contact: acme by visit\n\nMet the CFO on site;\nrenewal likely in Q1.\n\nKehu-Command: contact\nKehu-Customer: acme\nKehu-Contact: visit",
    );
    set(dir, ACME, "tier", "\"strategic\"");
    commit_all_on(
        dir,
        "2026-04-20",
        "grade: acme\n\nKehu-Command: grade\nKehu-Customer: acme\nKehu-Reason: Signed the three-year framework",
    );

    let doc = json(dir, &["history", "acme"]);
    let events = doc["events"].as_array().unwrap();
    assert_eq!(events[0]["change"], "grade");
    assert_eq!(events[0]["note"], "Signed the three-year framework");
    assert_eq!(events[0]["kind"], "regrade");
    let contact = events.iter().find(|e| e["change"] == "contact").unwrap();
    assert_eq!(
        contact["date"], "2026-04-01",
        "a contact is dated by its own day"
    );
    assert_eq!(contact["to"], "visit");
    assert_eq!(
        contact["note"],
        "Met the CFO on site;\nrenewal likely in Q1."
    );
    let pipeline = events
        .iter()
        .find(|e| e["field"] == "grade.pipeline")
        .unwrap();
    assert_eq!(
        (&pipeline["from"], &pipeline["to"]),
        (&Value::from("C"), &Value::from("B"))
    );

    let csv = ok(dir, &["history", "acme", "--format", "csv"]);
    assert!(
        csv.starts_with("date,change,field,from,to,who,note,commit\n"),
        "{csv}"
    );
    let markdown = ok(dir, &["history", "acme", "--format", "markdown"]);
    assert!(
        markdown.contains("| contact | contact.channel |  | visit |"),
        "{markdown}"
    );
    let table = redact(dir, &ok(dir, &["history", "acme"]));
    insta::assert_snapshot!("history_trailers", table);
}

#[test]
fn a_merge_of_two_branches_counts_each_change_once() {
    let temp = book();
    let dir = temp.path();
    let main = git(dir, &["rev-parse", "--abbrev-ref", "HEAD"])
        .trim()
        .to_owned();
    git(dir, &["branch", "side"]);
    set(dir, ACME, "tier", "\"strategic\"");
    commit_all_on(dir, "2026-02-01", "acme: strategic");
    git(dir, &["checkout", "-q", "side"]);
    set(dir, GLOBEX, "tier", "\"key\"");
    commit_all_on(dir, "2026-02-02", "globex: key");
    git(dir, &["checkout", "-q", &main]);
    git_on(
        dir,
        "2026-02-03",
        &["merge", "-q", "--no-ff", "-m", "merge side", "side"],
    );

    let log = json(dir, &["log", "--since", "2026-02-01"]);
    let changes = log["changes"].as_array().unwrap();
    let tiers: Vec<(&str, &str)> = changes
        .iter()
        .flat_map(|c| {
            c["fields"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["field"] == "grade.tier")
                .map(move |f| (c["customer"].as_str().unwrap(), f["new"].as_str().unwrap()))
        })
        .collect();
    assert_eq!(
        tiers,
        vec![("globex", "key"), ("acme", "strategic")],
        "{log:#}"
    );
    // globex's change is credited to the side commit that made it; the
    // merge decided nothing itself, so it has no line.
    assert_eq!(changes[0]["reason"], "globex: key");
    assert!(
        changes.iter().all(|c| c["reason"] != "merge side"),
        "{log:#}"
    );

    for (id, to) in [("acme", "strategic"), ("globex", "key")] {
        let history = json(dir, &["history", id]);
        let regrades: Vec<&Value> = history["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["field"] == "grade.tier" && e["to"] == to)
            .collect();
        assert_eq!(regrades.len(), 1, "{id}: {history:#}");
    }
    let globex = json(dir, &["history", "globex"]);
    assert_eq!(
        globex["events"][0]["note"], "globex: key",
        "the side commit, not the merge"
    );
}

#[test]
fn history_follows_a_rename_made_with_git_mv() {
    let temp = book();
    let dir = temp.path();
    set(dir, ACME, "tier", "\"strategic\"");
    commit_all_on(dir, "2026-02-01", "acme: strategic");
    git(dir, &["mv", ACME, "customers/ac/acme-corp.toml"]);
    set(dir, "customers/ac/acme-corp.toml", "id", "\"acme-corp\"");
    commit_all_on(dir, "2026-03-01", "rename acme to acme-corp");
    set(dir, "customers/ac/acme-corp.toml", "stage", "\"won\"");
    commit_all_on(dir, "2026-04-01", "acme-corp: won");

    let doc = json(dir, &["history", "acme-corp"]);
    let events = doc["events"].as_array().unwrap();
    let changes: Vec<&str> = events
        .iter()
        .map(|e| e["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes[0], "stage");
    let rename = events.iter().find(|e| e["change"] == "renamed").unwrap();
    assert_eq!(
        (&rename["from"], &rename["to"]),
        (&Value::from("acme"), &Value::from("acme-corp"))
    );
    assert!(
        events
            .iter()
            .any(|e| e["field"] == "grade.tier" && e["to"] == "strategic")
    );
    assert_eq!(
        changes.last(),
        Some(&"stage"),
        "back to the creation: {changes:?}"
    );
    assert!(changes.contains(&"created"));

    let diff = json(dir, &["diff", "HEAD~2", "HEAD"]);
    let customer = &diff["customers"][0];
    assert_eq!(customer["status"], "renamed");
    assert_eq!(customer["old_id"], "acme");
    assert_eq!(customer["id"], "acme-corp");
}

#[test]
fn as_of_reads_the_past_without_touching_the_work_tree() {
    let temp = book();
    let dir = temp.path();
    set(dir, ACME, "tier", "\"strategic\"");
    commit_all_on(dir, "2026-03-02", "acme: strategic");
    set(dir, ACME, "owner", "\"chen\"");
    commit_all_on(dir, "2026-05-02", "acme to chen");
    // An uncommitted edit that the past must not see nor lose.
    set(dir, ACME, "stage", "\"negotiation\"");
    let before = fs::read(dir.join(ACME)).unwrap();
    let status = git(dir, &["status", "--porcelain"]);

    let today = json(dir, &["blame", "acme"]);
    let past = json(dir, &["blame", "acme", "--as-of", "2026-02-15"]);
    let value = |doc: &Value, field: &str| {
        doc["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(value(&today, "grade.tier"), "strategic");
    assert_eq!(value(&past, "grade.tier"), "key");
    assert_eq!(value(&past, "owner"), "alice");

    let history = json(dir, &["history", "acme", "--as-of", "2026-03-31"]);
    let dates: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["date"].as_str().unwrap())
        .collect();
    assert!(dates.iter().all(|d| *d <= "2026-03-31"), "{dates:?}");
    assert_eq!(dates[0], "2026-03-02");

    let log = json(dir, &["log", "--as-of", "2026-01-11"]);
    let customers: Vec<&str> = log["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customer"].as_str().unwrap())
        .collect();
    assert!(
        customers.contains(&"acme") && !customers.contains(&"globex"),
        "{customers:?}"
    );

    let export_past = ok(
        dir,
        &["export", "--as-of", "2026-01-11", "--format", "json"],
    );
    let export_today = ok(dir, &["export", "--format", "json"]);
    assert!(!export_past.contains("globex") && export_today.contains("globex"));
    assert!(export_today.contains("negotiation") && !export_past.contains("negotiation"));

    let missing = kehu(dir, &["history", "acme", "--as-of", "2025-12-01"]);
    assert_eq!(missing.status.code(), Some(2));

    assert_eq!(fs::read(dir.join(ACME)).unwrap(), before);
    assert_eq!(git(dir, &["status", "--porcelain"]), status);
}

#[test]
fn diff_between_two_commits_is_field_level() {
    let temp = book();
    let dir = temp.path();
    let start = git(dir, &["rev-parse", "HEAD"]).trim().to_owned();
    set(dir, ACME, "tier", "\"strategic\"");
    set(dir, ACME, "revenue_12m", "1400000.0");
    write(
        dir,
        "customers/in/initech.toml",
        "id = \"initech\"\nname = \"Initech\"\nowner = \"alice\"\nsince = 2026-02-01\nstage = \"lead\"\nnotes = \"\"\"\nFirst call went well.\nBudget in March.\n\"\"\"\n",
    );
    fs::remove_file(dir.join(GLOBEX)).unwrap();
    commit_all_on(dir, "2026-02-01", "february clean-up");
    write(
        dir,
        "customers/in/initech.toml",
        "id = \"initech\"\nname = \"Initech\"\nowner = \"alice\"\nsince = 2026-02-01\nstage = \"lead\"\nnotes = \"\"\"\nFirst call went well.\nBudget in April.\nCTO joins next time.\n\"\"\"\n",
    );
    commit_all_on(dir, "2026-02-10", "initech notes");

    let table = ok(dir, &["diff", &start]);
    insta::assert_snapshot!("diff_table", table);
    assert_eq!(table, ok(dir, &["diff", &format!("{start}..HEAD")]));

    let doc = json(dir, &["diff", &start, "HEAD~1"]);
    let customers = doc["customers"].as_array().unwrap();
    let status = |id: &str| customers.iter().find(|c| c["id"] == id).unwrap()["status"].clone();
    assert_eq!(status("acme"), "modified");
    assert_eq!(status("globex"), "removed");
    assert_eq!(status("initech"), "added");
    let acme = customers.iter().find(|c| c["id"] == "acme").unwrap();
    let fields: Vec<(&str, &Value, &Value)> = acme["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), &f["old"], &f["new"]))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("grade.tier", &Value::from("key"), &Value::from("strategic")),
            (
                "metrics.revenue_12m",
                &Value::from(1250000.0),
                &Value::from(1400000.0)
            ),
        ]
    );
    insta::assert_snapshot!("diff_multi_line", ok(dir, &["diff", "HEAD~1"]));
    let notes = json(dir, &["diff", "HEAD~1"]);
    let text_diff = notes["customers"][0]["fields"][0]["text_diff"]
        .as_str()
        .unwrap();
    assert!(
        text_diff.contains("-Budget in March.\n") && text_diff.contains("+Budget in April.\n"),
        "{text_diff}"
    );

    let same = ok(dir, &["diff", "HEAD", "HEAD"]);
    assert!(same.starts_with("no changes to the book between"), "{same}");
    let bad = kehu(dir, &["diff", "no-such-rev"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("unknown revision `no-such-rev`"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn blame_names_the_hand_regrade_and_its_reason() {
    let temp = book();
    let dir = temp.path();
    set(dir, ACME, "tier", "\"strategic\"");
    commit_all_on(
        dir,
        "2026-03-02",
        "acme: strategic by hand\n\nKehu-Reason: Board approved the key-account plan",
    );
    set(dir, ACME, "stage", "\"won\"");
    commit_all_on(dir, "2026-03-09", "acme signed");

    let doc = json(dir, &["blame", "acme"]);
    let field = |name: &str| {
        doc["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == name)
            .unwrap()
            .clone()
    };
    let tier = field("grade.tier");
    assert_eq!(tier["value"], "strategic");
    assert_eq!(tier["date"], "2026-03-02");
    assert_eq!(tier["author"], "Test Author");
    assert_eq!(tier["reason"], "Board approved the key-account plan");
    assert_eq!(field("stage")["reason"], "acme signed");
    assert_eq!(field("region")["reason"], "add acme by hand");
    assert_eq!(field("region")["date"], "2026-01-10");

    let table = redact(dir, &ok(dir, &["blame", "acme"]));
    insta::assert_snapshot!("blame_table", table);
    let missing = kehu(dir, &["blame", "nobody"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no customer `nobody`"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn log_filters_by_window_kind_and_owner() {
    let temp = book();
    let dir = temp.path();
    set(dir, ACME, "tier", "\"strategic\"");
    commit_all_on(
        dir,
        "2026-03-02",
        "grade: acme\n\nKehu-Command: grade\nKehu-Reason: framework",
    );
    set(dir, GLOBEX, "stage", "\"churned\"");
    commit_all_on(dir, "2026-03-05", "globex churned");
    // ACME passes from alice to bruno; the hand-over shows for both.
    set(dir, ACME, "owner", "\"bruno\"");
    commit_all_on(dir, "2026-03-09", "acme to bruno");
    set(dir, ACME, "stage", "\"won\"");
    commit_all_on(dir, "2026-03-12", "acme won");

    let customers = |doc: &Value| -> Vec<String> {
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c["date"].as_str().unwrap(),
                    c["customer"].as_str().unwrap()
                )
            })
            .collect()
    };
    let window = json(
        dir,
        &["log", "--since", "2026-03-03", "--until", "2026-03-10"],
    );
    assert_eq!(customers(&window), ["2026-03-09 acme", "2026-03-05 globex"]);
    let regrades = json(dir, &["log", "--kind", "regrade"]);
    assert_eq!(customers(&regrades), ["2026-03-02 acme"]);
    assert_eq!(regrades["changes"][0]["reason"], "framework");

    // bruno: globex (his all along), acme from the hand-over on.
    let bruno = json(dir, &["log", "--owner", "bruno", "--since", "2026-02-01"]);
    assert_eq!(
        customers(&bruno),
        ["2026-03-12 acme", "2026-03-09 acme", "2026-03-05 globex"]
    );
    // alice: acme until the hand-over, nothing after.
    let alice = json(
        dir,
        &[
            "log",
            "--owner",
            "alice",
            "--since",
            "2026-02-01",
            "--until",
            "2026-03-31",
        ],
    );
    assert_eq!(customers(&alice), ["2026-03-09 acme", "2026-03-02 acme"]);
    // The author counts too.
    let author = json(
        dir,
        &[
            "log",
            "--owner",
            "Test Author",
            "--kind",
            "edit",
            "--since",
            "2026-03-10",
        ],
    );
    assert_eq!(customers(&author), ["2026-03-12 acme"]);

    let bad = kehu(dir, &["log", "--kind", "gossip"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("unknown kind `gossip`"),
        "{}",
        stderr(&bad)
    );

    let table = redact(dir, &ok(dir, &["log", "--since", "2026-03-01"]));
    insta::assert_snapshot!("log_table", table);
}
