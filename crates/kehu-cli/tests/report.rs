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

/// `kehu report --out FILE`: the host writes the report to FILE (the same
/// bytes as stdout, nothing on stdout); a failed run leaves FILE as it was
/// and no temporary file behind; a directory is refused.
#[test]
fn out_writes_the_file_whole_or_not_at_all() {
    let book = made_book();
    let root = book.path();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("week.md");
    let args = ["--week", "2026-W47", "--format", "markdown"];
    let printed = report(root, &args);
    let mut with_out = args.to_vec();
    with_out.extend(["--out", file.to_str().unwrap()]);
    assert_eq!(report(root, &with_out), "");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), printed);

    let leftovers = || -> Vec<String> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "week.md")
            .collect()
    };
    let run = |args: &[&str]| {
        let mut all = vec!["--plugin-dir", plugin_dir().to_str().unwrap(), "report"];
        all.extend_from_slice(args);
        kehu(root, &all)
    };
    // A usage error of the plugin (exit 2): the old report stays whole.
    let bad = run(&["--week", "2026-W99", "--out", file.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), printed);
    assert_eq!(leftovers(), Vec::<String>::new());
    // A directory is refused before the plugin runs.
    let out = run(&["--out", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
}

/// Writes a customer with orders for the risk test: tier, orders between
/// `first` and `last`, satisfaction and revenue_12m.
fn put_buyer(root: &Path, id: &str, tier: &str, orders: u32, last: &str, sat: f64, rev: f64) {
    let text = format!(
        "id = \"{id}\"\nname = \"{id} Ltd\"\nowner = \"alice\"\nsince = 2024-01-01\n\
         stage = \"won\"\n\n[grade]\ntier = \"{tier}\"\n\n[metrics]\nrevenue_12m = {rev:.1}\n\
         orders_total = {orders}\nfirst_order = 2024-01-10\nlast_order = {last}\n\
         satisfaction = {sat:.1}\n\n[contact]\nlast = 2026-11-02\n"
    );
    write(root, &format!("customers/{}/{id}.toml", &id[..2]), &text);
}

/// The report's at-risk list is `kehu churn`'s ranking as of the period's
/// end, history signals included: a downgrade, satisfaction and revenue
/// falling in the last 90 days move customers up both lists alike.
#[test]
fn at_risk_is_churns_order() {
    let book = new_book();
    let root = book.path();
    git(root, &["init", "-q", "-b", "main"]);
    let buyers = [
        ("alba", "key", 40, "2026-11-01", 4.5, 900.0),
        ("bern", "key", 12, "2026-06-01", 4.0, 500.0),
        ("cora", "ordinary", 30, "2026-10-20", 4.5, 700.0),
        ("dora", "key", 25, "2026-10-01", 4.0, 800.0),
        ("ella", "ordinary", 20, "2026-09-15", 4.5, 300.0),
        ("fay", "ordinary", 18, "2026-08-20", 4.0, 1000.0),
        ("gus", "small", 3, "2025-12-01", 3.5, 50.0),
    ];
    for (id, tier, orders, last, sat, rev) in buyers {
        put_buyer(root, id, tier, orders, last, sat, rev);
    }
    commit(root, "2026-09-01", "the book");
    put_buyer(root, "dora", "ordinary", 25, "2026-10-01", 4.0, 800.0);
    put_buyer(root, "ella", "ordinary", 20, "2026-09-15", 2.5, 300.0);
    put_buyer(root, "fay", "ordinary", 18, "2026-08-20", 4.0, 400.0);
    commit(
        root,
        "2026-10-15",
        "dora downgraded; ella's survey; fay's orders fell",
    );
    let dir = plugin_dir().to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--plugin-dir", dir, "--as-of", "2026-11-22"];
        all.extend_from_slice(args);
        let out = kehu(root, &all);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str::<Value>(&stdout(&out)).unwrap()
    };
    let churn = run(&["churn", "--all", "--format", "json"]);
    let report = run(&["report", "--top", "7", "--format", "json"]);
    let rows = |v: &Value, list: &str, id: &str, score: &str| -> Vec<(String, f64)> {
        v[list]
            .as_array()
            .unwrap_or_else(|| panic!("no {list} in {v}"))
            .iter()
            .map(|r| {
                let s = r[score].as_f64().unwrap();
                (r[id].as_str().unwrap().to_owned(), (s * 1e6).round() / 1e6)
            })
            .collect()
    };
    let from_churn = rows(&churn, "customers", "id", "risk");
    let from_report = rows(&report, "at_risk", "customer", "score");
    assert_eq!(from_churn.len(), 7);
    assert_eq!(from_report, from_churn);
    let reason = |id: &str| -> String {
        let rows = report["at_risk"].as_array().unwrap();
        let row = rows.iter().find(|r| r["customer"] == id).unwrap();
        row["reason"].as_str().unwrap().to_owned()
    };
    assert!(reason("dora").contains("downgraded: tier key → ordinary"));
    assert!(reason("ella").contains("satisfaction 4.5 → 2.5"));
    assert!(
        reason("fay").contains("revenue_12m 1,000 → 400"),
        "{}",
        reason("fay")
    );
}
