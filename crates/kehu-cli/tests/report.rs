//! `kehu report` on a real git book with a made history (week 2026-W47,
//! Monday 11-16 to Sunday 11-22): a contact, an order import, a stage
//! change, a hand regrade, and a customer file renamed with plain `git mv`.
//! Checks the figures by hand, a past week read as it was, and byte-identical
//! output in every format across two runs and two clones.

mod common;

use std::path::Path;

use common::*;
use serde_json::{Value, json};

const FORMATS: [&str; 5] = ["markdown", "html", "json", "csv", "table"];

/// Writes customer `id`'s file.
fn put(root: &Path, id: &str, stage: &str, tier: &str, total: &str, contact: &str) {
    let text = format!(
        "id = \"{id}\"\nname = \"{id} Ltd\"\nregion = \"east\"\nindustry = \"retail\"\n\
         owner = \"alice\"\nsince = 2024-01-01\nstage = \"{stage}\"\n\n[grade]\ntier = \"{tier}\"\n\
         pipeline = \"E\"\n\n[metrics]\nrevenue_12m = 1000.0\nrevenue_total = {total}\n\n\
         [contact]\nlast = {contact}\n"
    );
    write(root, &format!("customers/{}/{id}.toml", &id[..2]), &text);
}

/// Commits everything on `day`.
fn commit(root: &Path, day: &str, message: &str) {
    git(root, &["add", "-A"]);
    git_on(root, day, &["commit", "-q", "-m", message]);
}

/// One commit of the made history: its day, its message, the customer
/// files it writes (id, stage, tier, revenue_total, last contact), and
/// whether it first renames cyan with `git mv`.
type Step = (
    &'static str,
    &'static str,
    &'static [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    )],
    bool,
);

const HISTORY: [Step; 5] = [
    (
        "2026-11-10",
        "the book",
        &[
            ("acme", "won", "key", "100.0", "2026-11-01"),
            ("bolt", "negotiation", "ordinary", "0.0", "2026-11-01"),
            ("cyan", "won", "small", "0.0", "2026-11-01"),
        ],
        false,
    ),
    (
        "2026-11-17",
        "contact: acme by call\n\nKehu-Command: contact\nKehu-Customer: acme\nKehu-Contact: call",
        &[("acme", "won", "key", "100.0", "2026-11-17")],
        false,
    ),
    (
        "2026-11-18",
        "bolt signed; acme ordered",
        &[
            ("acme", "won", "key", "150.0", "2026-11-17"),
            ("bolt", "won", "ordinary", "0.0", "2026-11-01"),
        ],
        false,
    ),
    (
        "2026-11-19",
        "cyan is now cyan-labs",
        &[("cyan-labs", "won", "small", "0.0", "2026-11-01")],
        true,
    ),
    (
        "2026-11-20",
        "grade: acme tier strategic\n\nKehu-Command: grade\nKehu-Customer: acme\nKehu-Reason: three-year renewal",
        &[("acme", "won", "strategic", "150.0", "2026-11-17")],
        false,
    ),
];

fn made_book() -> tempfile::TempDir {
    let book = new_book();
    let root = book.path();
    git(root, &["init", "-q", "-b", "main"]);
    for (day, message, files, rename) in HISTORY {
        if rename {
            let (from, to) = ("customers/cy/cyan.toml", "customers/cy/cyan-labs.toml");
            git(root, &["mv", from, to]);
        }
        for (id, stage, tier, total, contact) in files {
            put(root, id, stage, tier, total, contact);
        }
        commit(root, day, message);
    }
    book
}

fn report(root: &Path, args: &[&str]) -> String {
    plugin_dir();
    let mut all = vec![
        "--plugin-dir",
        plugin_dir().to_str().unwrap(),
        "--as-of",
        "2026-11-22",
        "report",
    ];
    all.extend_from_slice(args);
    let out = kehu(root, &all);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

fn json_report(root: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&report(root, &all)).unwrap()
}

#[test]
fn figures_by_hand_from_git_history() {
    let book = made_book();
    let r = json_report(book.path(), &["--week", "2026-W47"]);
    let k = &r["kpis"];
    assert_eq!(
        (&k["customers"], &k["customers_start"]),
        (&json!(3), &json!(3))
    );
    assert_eq!(k["contacts"], 1);
    // Won at the start: acme and cyan; cyan renamed to cyan-labs is retained.
    assert_eq!(
        k["retention"],
        json!({"active_start": 2, "retained": 2, "rate": 1.0})
    );
    // acme's revenue_total +50 in the week, nothing the week before.
    assert_eq!(k["revenue_period"], 50.0);
    assert_eq!(k["revenue_previous"], 0.0);
    assert!(k["revenue_growth"].is_null());
    assert_eq!(
        r["contacts"],
        json!([{"owner": "alice", "channel": "call", "count": 1}])
    );
    let moves = r["movements"].as_array().unwrap();
    assert_eq!(moves.len(), 1);
    assert_eq!(
        (
            &moves[0]["customer"],
            &moves[0]["direction"],
            &moves[0]["why"]
        ),
        (
            &json!("acme"),
            &json!("upgrade"),
            &json!("three-year renewal")
        )
    );
    // The renamed file is one small → small customer, not a lost and a new one.
    let m = &r["migration"];
    assert_eq!(
        m["labels"],
        json!(["strategic", "key", "ordinary", "small", "(none)"])
    );
    assert_eq!(
        m["counts"],
        json!([
            [0, 0, 0, 0, 0],
            [1, 0, 0, 0, 0],
            [0, 0, 1, 0, 0],
            [0, 0, 0, 1, 0],
            [0, 0, 0, 0, 0]
        ])
    );
    assert_eq!(
        r["funnel"]["transitions"],
        json!([{"from": "negotiation", "to": "won", "count": 1}])
    );
    let won = r["funnel"]["conversion"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["stage"] == "won")
        .unwrap()
        .clone();
    assert_eq!((&won["entered"], &won["stayed"]), (&json!(1), &json!(1)));
}

#[test]
fn a_past_week_is_read_as_it_was() {
    let book = made_book();
    let r = json_report(book.path(), &["--week", "2026-W46"]);
    assert_eq!(r["period"]["until"], "2026-11-15");
    // On 11-15 bolt was in negotiation and cyan not renamed; the files
    // added on 11-10 book no revenue.
    assert_eq!(r["kpis"]["customers"], 3);
    assert_eq!(r["kpis"]["revenue_period"], 0.0);
    assert_eq!(r["movements"], json!([]));
    let stages: Vec<(&str, u64)> = r["funnel"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["stage"].as_str().unwrap(), s["count"].as_u64().unwrap()))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(stages, vec![("negotiation", 1), ("won", 2)]);
    assert!(!r.to_string().contains("cyan-labs"));
    // W47's start (rebuilt by undoing W47's commits) is W46's end (read from git).
    let next = json_report(book.path(), &["--week", "2026-W47"]);
    for key in ["tiers", "abc", "rfm"] {
        let start: Vec<(&Value, &Value, &Value)> = next["portfolio"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (&b["name"], &b["count_start"], &b["revenue_start"]))
            .collect();
        let end: Vec<(&Value, &Value, &Value)> = r["portfolio"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (&b["name"], &b["count"], &b["revenue"]))
            .collect();
        assert_eq!(start, end, "{key}");
    }
}

#[test]
fn every_format_is_byte_identical_across_runs_and_clones() {
    let book = made_book();
    let clones = tempfile::tempdir().unwrap();
    let clone = clones.path().join("clone");
    git(
        clones.path(),
        &["clone", "-q", book.path().to_str().unwrap(), "clone"],
    );
    for format in FORMATS {
        let args = ["--week", "2026-W47", "--format", format];
        let one = report(book.path(), &args);
        assert!(!one.is_empty(), "{format}");
        assert_eq!(one, report(book.path(), &args), "{format}: two runs");
        assert_eq!(one, report(&clone, &args), "{format}: two clones");
    }
}
