//! The plugin run through the SDK harness (the real ABI path), on small
//! books built here and on the CDNOW sample.

mod backtest;
mod cdnow;
mod explain;
mod listing;

use kehu_core::{Config, Customer, Date, Metrics};
use kehu_plugin::protocol::Response;
use kehu_plugin_sdk::testing::{TestHost, run_plugin};
use serde_json::Value;

use crate::Churn;

pub fn day(text: &str) -> Date {
    text.parse().unwrap()
}

/// A customer with `orders` orders between `first` and `last`.
pub fn customer(id: &str, orders: i64, first: &str, last: &str) -> Customer {
    Customer {
        id: id.into(),
        name: id.to_uppercase(),
        stage: "won".into(),
        metrics: Metrics {
            orders_total: Some(orders),
            first_order: Some(day(first)),
            last_order: Some(day(last)),
            ..Metrics::default()
        },
        ..Customer::default()
    }
}

/// kehu.toml's defaults with these churn weights (alive, gap, downgrade,
/// overdue, satisfaction, revenue), as the host sends it.
pub fn config_with_weights(w: [f64; 6]) -> Value {
    let mut config = Config::default();
    let weights = &mut config.churn.weights;
    weights.alive = w[0];
    weights.gap = w[1];
    weights.downgrade = w[2];
    weights.overdue = w[3];
    weights.satisfaction = w[4];
    weights.revenue = w[5];
    serde_json::to_value(config).unwrap()
}

pub fn run(host: &TestHost, args: &[&str]) -> Response {
    run_plugin::<Churn>(host, "churn", args).unwrap()
}

pub fn run_json(host: &TestHost, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let response = run(host, &all);
    assert_eq!(response.exit_code, 0, "{}", response.stderr);
    serde_json::from_str(&response.stdout).unwrap()
}
