//! The listing, its formats, the history signals from one book-wide
//! `changes` call, and `--apply` / `--dry-run` / `--branch` changesets.

use kehu_core::{Contact, Customer};
use kehu_plugin::protocol::WriteMode;
use kehu_plugin_sdk::testing::TestHost;
use serde_json::{Value, json};

use super::{config_with_weights, customer, day, run, run_json};

pub const DEFAULT_WEIGHTS: [f64; 6] = [0.35, 0.25, 0.15, 0.10, 0.075, 0.075];

/// A small book as of 2026-11-18: `acme` buys every month, `bolt` stopped
/// in July 2025 and was downgraded, `cora` bought once, `dune` never.
pub fn book() -> Vec<Customer> {
    let mut acme = customer("acme", 23, "2025-01-01", "2026-11-01");
    acme.owner = Some("alice".into());
    acme.grade.tier = Some("key".into());
    acme.grade.pipeline = Some("B".into());
    acme.grade.risk = Some("low".into());
    acme.contact = Contact {
        last: Some(day("2026-11-10")),
        channel: Some("call".into()),
    };
    let mut bolt = customer("bolt", 4, "2025-01-01", "2025-07-01");
    bolt.owner = Some("bruno".into());
    bolt.grade.tier = Some("ordinary".into());
    bolt.metrics.satisfaction = Some(3.0);
    bolt.metrics.revenue_12m = Some(400.0);
    let mut cora = customer("cora", 1, "2026-03-01", "2026-03-01");
    cora.grade.risk = Some("high".into());
    cora.grade.pinned = vec!["risk".into()];
    let mut eden = customer("eden", 6, "2025-06-01", "2026-10-20");
    eden.grade.tier = Some("small".into());
    let mut fern = customer("fern", 3, "2024-01-01", "2026-09-15");
    fern.metrics.satisfaction = Some(4.0);
    let dune = Customer {
        id: "dune".into(),
        stage: "lead".into(),
        ..Customer::default()
    };
    vec![acme, bolt, cora, dune, eden, fern]
}

/// bolt's history in the last year, newest first, as kehu-git serializes it.
pub fn bolt_events() -> Value {
    json!([
        {"commit": {"date": "2026-10-01", "timestamp": 1790000000},
         "customers": [{"id": "bolt", "status": "modified", "fields": [
             {"field": "grade.tier", "old": "key", "new": "ordinary"}]}]},
        {"commit": {"date": "2026-09-01", "timestamp": 1787000000},
         "customers": [{"id": "bolt", "status": "modified", "fields": [
             {"field": "metrics.revenue_12m", "old": 1000.0, "new": 400.0},
             {"field": "metrics.satisfaction", "old": 4.5, "new": 3.0}]}]},
    ])
}

pub fn host() -> TestHost {
    let mut host = TestHost::new(day("2026-11-18"))
        .with_config(config_with_weights(DEFAULT_WEIGHTS))
        .with_customers(book());
    host.changes = bolt_events();
    host.histories.insert("bolt".into(), bolt_events());
    host.histories.insert("acme".into(), json!([]));
    host
}

#[test]
fn riskiest_first_with_history_signals() {
    let doc = run_json(&host(), &[]);
    assert_eq!(doc["schema"], "kehu/1");
    assert_eq!(doc["scored"], 5);
    assert_eq!(doc["skipped"], 1);
    let rows = doc["customers"].as_array().unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids[0], "bolt", "{ids:?}");
    assert!(!ids.contains(&"dune"));
    let risks: Vec<f64> = rows.iter().map(|r| r["risk"].as_f64().unwrap()).collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]), "{risks:?}");
    let bolt = &rows[0];
    assert_eq!(bolt["band"], "high");
    let signal = |name: &str| {
        bolt["signals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(signal("downgrade")["value"], 1.0);
    assert_eq!(
        signal("downgrade")["reason"],
        "downgraded: tier key → ordinary on 2026-10-01"
    );
    assert_eq!(signal("satisfaction")["value"], 0.75);
    assert_eq!(signal("revenue")["value"], 0.6);
    assert_eq!(signal("gap")["value"], 1.0);
    // fern's satisfaction did not move in the year: a flat trend, value 0.
    let fern = rows.iter().find(|r| r["id"] == "fern").unwrap();
    let flat = fern["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "satisfaction")
        .unwrap();
    assert_eq!(flat["value"], 0.0);
}

#[test]
fn top_min_risk_and_formats() {
    let h = host();
    let doc = run_json(&h, &["--top", "2"]);
    assert_eq!(doc["customers"].as_array().unwrap().len(), 2);
    let all = run_json(&h, &["--all", "--min-risk", "0.3"]);
    assert!(
        all["customers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["risk"].as_f64().unwrap() >= 0.3)
    );
    let csv = run(&h, &["--format", "csv"]);
    assert!(
        csv.stdout.starts_with(
            "id,owner,tier,risk,band,p_alive,expected_orders,reasons\nbolt,bruno,ordinary,"
        ),
        "{}",
        csv.stdout
    );
    let md = run(&h, &["--format", "markdown"]);
    assert!(
        md.stdout.contains("| id | owner | tier | risk |"),
        "{}",
        md.stdout
    );
    let table = run(&h, &[]);
    assert!(
        table
            .stdout
            .starts_with("Churn risk as of 2026-11-18, horizon 90 d: 5 customers scored"),
        "{}",
        table.stdout
    );
    assert!(table.stderr.contains("1 customer(s) not scored"));
    assert_eq!(table.stdout, run(&h, &[]).stdout, "deterministic");
    let short = run_json(&h, &["--horizon", "30"]);
    assert_eq!(short["horizon_days"], 30);
    let help = run(&h, &["--help"]);
    assert!(help.stdout.contains("--backtest"));
    let bad = run(&h, &["--apply", "--model"]);
    assert_eq!(bad.exit_code, 2);
}

#[test]
fn without_history_the_history_signals_are_left_out() {
    let mut h = host();
    h.changes = json!("not a list");
    let r = run(&h, &["--format", "json"]);
    assert_eq!(r.exit_code, 0);
    assert!(r.stderr.contains("history unavailable"), "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    let bolt = &doc["customers"][0];
    let names: Vec<&str> = bolt["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"downgrade"), "{names:?}");
    let off = run(&host(), &["--history-days", "0"]);
    assert!(
        off.stderr.contains("history off (--history-days 0)"),
        "{}",
        off.stderr
    );
    // A window that ends before bolt's changes: no downgrade seen.
    let short = run_json(&host(), &["--history-days", "30"]);
    let bolt = short["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "bolt")
        .unwrap()
        .clone();
    let downgrade = bolt["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "downgrade")
        .unwrap()
        .clone();
    assert_eq!(downgrade["value"], 0.0);
}

#[test]
fn apply_writes_changed_bands_with_reasons() {
    let h = host();
    let r = run(&h, &["--apply"]);
    assert_eq!(r.exit_code, 0, "{}", r.stderr);
    assert_eq!(r.mode, WriteMode::Apply);
    let changes = r.changeset.unwrap();
    assert!(
        changes.subject.starts_with("churn: "),
        "{}",
        changes.subject
    );
    assert!(changes.subject.ends_with("as of 2026-11-18"));
    assert!(
        changes
            .body
            .contains("high at risk >= 0.6, medium at >= 0.3")
    );
    let edited: Vec<&str> = changes.edits.iter().map(|e| e.customer.as_str()).collect();
    // cora pinned its risk; dune has no orders.
    assert!(
        !edited.contains(&"cora") && !edited.contains(&"dune"),
        "{edited:?}"
    );
    assert!(
        r.stderr.contains("cora: risk is pinned at high"),
        "{}",
        r.stderr
    );
    let bolt = changes.edits.iter().find(|e| e.customer == "bolt").unwrap();
    assert_eq!(bolt.field, "grade.risk");
    assert_eq!(bolt.value, json!("high"));
    assert!(bolt.reason.starts_with("risk 0."), "{}", bolt.reason);
    assert!(bolt.reason.contains("downgraded: tier key → ordinary"));
    assert_eq!(
        changes.edits.len(),
        changes
            .subject
            .split(' ')
            .nth(1)
            .unwrap()
            .parse::<usize>()
            .unwrap()
    );
    // Every edit names a band, and acme keeps `low` unless it moved.
    for edit in &changes.edits {
        assert!(["high", "medium", "low"].contains(&edit.value.as_str().unwrap()));
    }
    let dry = run(&h, &["--dry-run"]);
    assert_eq!(dry.mode, WriteMode::DryRun);
    assert_eq!(dry.changeset.unwrap().edits, changes.edits);
    let branch = run(&h, &["--branch", "risk-review"]);
    assert_eq!(branch.mode, WriteMode::Branch("risk-review".into()));
    // No write flag: report only.
    assert!(run(&h, &[]).changeset.is_none());
}
