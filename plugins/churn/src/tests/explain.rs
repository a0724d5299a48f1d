//! `--explain ID`: every signal's value, weight, share and contribution,
//! from the customer's own history.

use super::listing::host;
use super::{run, run_json};

#[test]
fn explains_each_signal() {
    let doc = run_json(&host(), &["--explain", "bolt"]);
    assert_eq!(doc["id"], "bolt");
    assert_eq!(doc["observation"]["x"], 3);
    let signals = doc["signals"].as_array().unwrap();
    let names: Vec<&str> = signals
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "alive",
            "gap",
            "downgrade",
            "overdue",
            "satisfaction",
            "revenue"
        ]
    );
    let get = |name: &str| signals.iter().find(|s| s["name"] == name).unwrap();
    // Hand figures: gap 505 d against a typical 60 d → 1; satisfaction
    // 4.5 → 3 = 1.5 / 2; revenue 1000 → 400 = 0.6.
    assert_eq!(get("gap")["value"], 1.0);
    assert_eq!(get("downgrade")["value"], 1.0);
    assert_eq!(get("satisfaction")["value"], 0.75);
    assert_eq!(get("revenue")["value"], 0.6);
    assert_eq!(get("satisfaction")["weight"], 0.075);
    // Never contacted, no pipeline: the ordinary tier's cadence applies
    // when it sets one; either way the row says.
    let overdue = get("overdue");
    assert!(overdue["available"].is_boolean());
    let available: Vec<&serde_json::Value> =
        signals.iter().filter(|s| s["available"] == true).collect();
    let share: f64 = available.iter().map(|s| s["share"].as_f64().unwrap()).sum();
    assert!((share - 1.0).abs() < 1e-5, "{share}");
    let total: f64 = signals
        .iter()
        .map(|s| s["contribution"].as_f64().unwrap())
        .sum();
    assert!((total - doc["risk"].as_f64().unwrap()).abs() < 1e-5);
    for s in &available {
        let want = s["value"].as_f64().unwrap() * s["share"].as_f64().unwrap();
        assert!((s["contribution"].as_f64().unwrap() - want).abs() < 1e-5);
    }

    let table = run(&host(), &["--explain", "bolt"]);
    assert_eq!(table.exit_code, 0, "{}", table.stderr);
    assert!(table.stdout.starts_with("bolt: risk "), "{}", table.stdout);
    assert!(
        table
            .stdout
            .contains("orders 4 (x = 3 repeat), first 2025-01-01, last 2025-07-01"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("downgraded: tier key → ordinary on 2026-10-01")
    );
    assert!(table.stdout.contains("satisfaction 4.5 → 3"));
}

#[test]
fn missing_signals_say_why_and_bad_ids_fail() {
    // cora bought once: no typical gap.
    let mut h = host();
    h.histories.insert("cora".into(), serde_json::json!([]));
    let doc = run_json(&h, &["--explain", "cora"]);
    let gap = doc["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "gap")
        .unwrap()
        .clone();
    assert_eq!(gap["available"], false);
    assert_eq!(gap["reason"], "fewer than two orders: no typical gap");
    let none = run(&h, &["--explain", "nobody"]);
    assert_eq!(none.exit_code, 2);
    assert!(none.stderr.contains("no customer `nobody`"));
    let lead = run(&h, &["--explain", "dune"]);
    assert_eq!(lead.exit_code, 2);
    assert!(
        lead.stderr.contains("dune: cannot be scored"),
        "{}",
        lead.stderr
    );
    assert!(lead.stderr.contains("no orders"));
}
