//! A backtest on a small book whose churners are known, every figure
//! worked out by hand.
//!
//! Only the `gap` signal weighs (weights 0, 1, 0, 0, 0, 0), so a risk is
//! `clamp((days − g) / 2g, 0, 1)` with g = 30 days (5 orders over 120 days)
//! and `days` since the last order on 2026-06-30:
//!
//! | id | days | risk | what followed in (06-30, 09-28] | churned |
//! | --- | --- | --- | --- | --- |
//! | c1 | 120 | 1.00 | nothing | yes |
//! | c2 | 90 | 1.00 | nothing | yes |
//! | c3 | 66 | 0.60 | order 08-01 | no |
//! | c4 | 51 | 0.35 | nothing | yes |
//! | c5 | 45 | 0.25 | order 07-15 | no |
//! | c6 | 10 | 0.00 | order 09-01 | no |
//! | c7 | 75 | 0.75 | order 11-01 only (book on 09-28: none) | yes |
//! | c8 | 30 | 0.00 | orders 09-20 and 11-10 | no |
//! | c9 | 60 | 0.50 | removed from the book | left out |
//! | lead | – | – | no orders | not scored |
//!
//! At threshold 0.6: predicted c1 c2 c3 c7 → TP 3 (c1 c2 c7), FP 1 (c3),
//! FN 1 (c4), TN 3 (c5 c6 c8): precision = recall = F1 = 0.75. ROC AUC:
//! churners {1, 1, 0.75, 0.35} against stayers {0.6, 0.25, 0, 0}: 15 of 16
//! pairs ordered right (0.35 < 0.6) = 0.9375. Calibration by deciles of the
//! eight scores (rank r of a tie's first member → decile ⌊10r/8⌋ + 1): c6
//! c8 (0) in 1 at rate 0; c5 in 3 at 0; c4 in 4 at 1; c3 in 6 at 0; c7 in 7
//! at 1; c1 c2 (1) in 8 at 1.

use kehu_core::Customer;
use kehu_plugin_sdk::testing::TestHost;

use super::{config_with_weights, customer, day, run, run_json};

const AT: &str = "2026-06-30";
const END: &str = "2026-09-28";

fn past_customer(id: &str, days: i64) -> Customer {
    let at = day(AT);
    let last = crate::history::shift(at, -days);
    let first = crate::history::shift(last, -120);
    customer(id, 5, &first.to_string(), &last.to_string())
}

fn later(mut c: Customer, orders: i64, last: &str) -> Customer {
    c.metrics.orders_total = Some(c.metrics.orders_total.unwrap() + orders);
    c.metrics.last_order = Some(day(last));
    c
}

fn host() -> TestHost {
    let past: Vec<Customer> = [
        ("c1", 120),
        ("c2", 90),
        ("c3", 66),
        ("c4", 51),
        ("c5", 45),
        ("c6", 10),
        ("c7", 75),
        ("c8", 30),
        ("c9", 60),
    ]
    .iter()
    .map(|(id, days)| past_customer(id, *days))
    .chain([Customer {
        id: "lead".into(),
        stage: "lead".into(),
        ..Customer::default()
    }])
    .collect();
    let find = |id: &str| past.iter().find(|c| c.id == id).unwrap().clone();
    let now = vec![
        find("c1"),
        find("c2"),
        later(find("c3"), 1, "2026-08-01"),
        find("c4"),
        later(find("c5"), 1, "2026-07-15"),
        later(find("c6"), 1, "2026-09-01"),
        later(find("c7"), 1, "2026-11-01"),
        later(find("c8"), 2, "2026-11-10"),
        find("lead"),
    ];
    let at_end = vec![find("c7"), later(find("c8"), 1, "2026-09-20"), find("c9")];
    TestHost::new(day("2026-11-18"))
        .with_config(config_with_weights([0.0, 1.0, 0.0, 0.0, 0.0, 0.0]))
        .with_customers(now)
        .with_book_at(day(AT), past)
        .with_book_at(day(END), at_end)
}

#[test]
fn figures_match_the_hand_count() {
    let doc = run_json(&host(), &["--backtest", "--at", AT]);
    assert_eq!(doc["at"], AT);
    assert_eq!(doc["until"], END);
    assert_eq!(doc["left_out"], 1);
    let b = &doc["backtest"];
    assert_eq!(
        (b["customers"].as_u64(), b["churned"].as_u64()),
        (Some(8), Some(4))
    );
    assert_eq!(b["threshold"], 0.6);
    assert_eq!(
        [
            &b["true_positives"],
            &b["false_positives"],
            &b["false_negatives"],
            &b["true_negatives"]
        ],
        [3, 1, 1, 3]
    );
    assert_eq!(
        (&b["precision"], &b["recall"], &b["f1"]),
        (&0.75.into(), &0.75.into(), &0.75.into())
    );
    assert_eq!(b["roc_auc"], 0.9375);
    let bins: Vec<(u64, Option<f64>)> = b["calibration"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bin| {
            (
                bin["count"].as_u64().unwrap(),
                bin["observed_rate"].as_f64(),
            )
        })
        .collect();
    assert_eq!(
        bins,
        [
            (2, Some(0.0)),
            (0, None),
            (1, Some(0.0)),
            (1, Some(1.0)),
            (0, None),
            (1, Some(0.0)),
            (1, Some(1.0)),
            (2, Some(1.0)),
            (0, None),
            (0, None),
        ]
    );
}

#[test]
fn threshold_flag_and_table() {
    let doc = run_json(&host(), &["--backtest", "--at", AT, "--threshold", "0.3"]);
    let b = &doc["backtest"];
    // At 0.3 c4 is caught too: TP 4, FP 1, FN 0, TN 3.
    assert_eq!([&b["true_positives"], &b["false_negatives"]], [4, 0]);
    assert_eq!(b["recall"], 1.0);
    let table = run(&host(), &["--backtest", "--at", AT]);
    assert_eq!(table.exit_code, 0, "{}", table.stderr);
    assert!(
        table.stdout.contains("8 customers, 4 churned"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("roc_auc"));
    assert!(table.stdout.contains("0.9375") || table.stdout.contains("0.938"));
    assert!(
        table
            .stderr
            .contains("1 customer(s) scored on 2026-06-30 are no longer")
    );
    // The same run twice gives the same bytes.
    assert_eq!(
        table.stdout,
        run(&host(), &["--backtest", "--at", AT]).stdout
    );
}

#[test]
fn refuses_a_window_that_has_not_passed() {
    let r = run(&host(), &["--backtest", "--at", "2026-10-01"]);
    assert_eq!(r.exit_code, 2);
    assert!(r.stderr.contains("2026-12-30"), "{}", r.stderr);
    let r = run(&host(), &["--backtest", "--at", "2026-05-01"]);
    assert_eq!(r.exit_code, 3, "no book served for that day: {}", r.stderr);
}
