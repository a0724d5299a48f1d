//! `kehu churn --model` on a book built from the CDNOW sample's calibration
//! period (1997-01-01..1997-09-30) gives the published fit.

use std::collections::{BTreeMap, BTreeSet};

use kehu_core::{Customer, Date, Metrics};
use kehu_plugin_sdk::testing::TestHost;

use super::{day, run, run_json};

/// The sample as customers with their calibration-period metrics (an order
/// is a day with purchases), as `kehu import orders` would write them.
fn cdnow_book(end: Date) -> Vec<Customer> {
    let text = include_str!("../../../../crates/kehu-analytics/tests/data/CDNOW_sample.txt");
    let mut days: BTreeMap<u32, BTreeSet<Date>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let d = cols[2];
        let date = Date::from_ymd(
            d[0..4].parse().unwrap(),
            d[4..6].parse().unwrap(),
            d[6..8].parse().unwrap(),
        )
        .unwrap();
        let id: u32 = cols[1].parse().unwrap();
        days.entry(id).or_default().insert(date);
    }
    days.into_iter()
        .map(|(id, days)| {
            let cal: Vec<Date> = days.into_iter().filter(|d| *d <= end).collect();
            Customer {
                id: format!("cdnow-{id:05}"),
                name: format!("CDNOW {id}"),
                stage: "won".into(),
                metrics: Metrics {
                    orders_total: Some(cal.len() as i64),
                    first_order: cal.first().copied(),
                    last_order: cal.last().copied(),
                    ..Metrics::default()
                },
                ..Customer::default()
            }
        })
        .collect()
}

#[test]
fn model_matches_the_paper_on_the_cdnow_sample() {
    let end = day("1997-09-30");
    let customers = cdnow_book(end);
    assert_eq!(customers.len(), 2357);
    let once = customers
        .iter()
        .find(|c| c.metrics.orders_total == Some(1))
        .map(|c| c.id.clone())
        .unwrap();
    let host = TestHost::new(end)
        .with_config(super::config_with_weights([
            0.35, 0.25, 0.15, 0.10, 0.075, 0.075,
        ]))
        .with_customers(customers);
    let doc = run_json(&host, &["--model"]);
    let m = &doc["model"];
    let at3 = |key: &str| (m[key].as_f64().unwrap() * 1000.0).round() / 1000.0;
    assert_eq!(
        (at3("r"), at3("alpha"), at3("a"), at3("b")),
        (0.243, 4.414, 0.793, 2.426)
    );
    let ll = m["log_likelihood"].as_f64().unwrap();
    assert!((ll - -9582.4).abs() < 0.05, "{ll}");
    assert_eq!(m["customers"], 2357);
    assert_eq!(doc["skipped"], 0);
    assert_eq!(doc["as_of"], "1997-09-30");

    let table = run(&host, &["--model"]);
    assert_eq!(table.exit_code, 0);
    assert!(
        table.stdout.contains("│ r              ┆ 0.2426"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("-9582.4"), "{}", table.stdout);

    // The listing on the same book: every customer scored, risk sorted.
    let list = run_json(&host, &["--all"]);
    let rows = list["customers"].as_array().unwrap();
    assert_eq!(rows.len(), 2357);
    let risks: Vec<f64> = rows.iter().map(|r| r["risk"].as_f64().unwrap()).collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]));
    // A one-order customer is alive for BG/NBD (it can only drop out after a
    // repeat purchase).
    let single = rows.iter().find(|r| r["id"] == once.as_str()).unwrap();
    assert_eq!(single["p_alive"], 1.0);
}
