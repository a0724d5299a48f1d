//! Scoring a book: kehu-analytics' [`churn`](kehu_analytics::churn) (the
//! BG/NBD fit, then each customer's risk from the signals of
//! `kehu_analytics::risk`), with its errors as the plugin's and the notes
//! about what the scoring could not use.

use kehu_analytics::Policy;
pub use kehu_analytics::churn::{
    Scored, Scorer, Scoring, Settings, by_risk, inputs, tier_order, why_unscored,
};
use kehu_core::{Config, Customer};
use kehu_plugin_sdk::PluginError;

use crate::history::Trails;

/// kehu.toml in the shape the computations take.
pub fn policy(config: &Config) -> Result<Policy, PluginError> {
    Policy::from_config(config).map_err(|e| PluginError::Data(e.to_string()))
}

/// Scores every customer with orders ([`kehu_analytics::churn::score_book`]).
pub fn score_book(
    customers: &[Customer],
    config: &Config,
    trails: Option<&Trails>,
    settings: &Settings,
) -> Result<Scoring, PluginError> {
    kehu_analytics::churn::score_book(customers, config, trails, settings)
        .map_err(|e| PluginError::Data(e.to_string()))
}

/// Stderr notes about what the scoring could not use.
pub fn notes(scoring: &Scoring, history_error: Option<&str>) -> Vec<String> {
    let mut notes = Vec::new();
    if let Err(e) = &scoring.fit {
        notes.push(format!(
            "note: {e}; P(alive) and expected orders are left out of the risk"
        ));
    }
    if !scoring.skipped.is_empty() {
        notes.push(format!(
            "note: {} customer(s) not scored (no orders or inconsistent order metrics)",
            scoring.skipped.len()
        ));
    }
    if let Some(e) = history_error {
        notes.push(format!(
            "note: {e}; downgrade, satisfaction and revenue signals are left out"
        ));
    }
    notes
}
