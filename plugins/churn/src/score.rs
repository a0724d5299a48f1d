//! Scoring a book: kehu-analytics' [`churn`](kehu_analytics::churn) (the
//! BG/NBD fit, then each customer's risk from the signals of
//! `kehu_analytics::risk`), with its errors as the plugin's and the notes
//! about what the scoring could not use.

use kehu_analytics::Policy;
pub use kehu_analytics::churn::{
    Scored, Scorer, Scoring, Settings, by_risk, inputs, tier_order, why_unscored,
};
use kehu_analytics::churn::{fit_and_model, score_fitted};
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

/// Scores `customers` as of `settings.as_of` with the history signals of
/// the same day: the model is fitted and applied to every customer on a
/// thread of its own while this one asks the host for the history
/// (`read_trails`), so the two overlap. The
/// scoring is the same as [`score_book`]'s.
pub fn score_with_history(
    customers: &[Customer],
    config: &Config,
    settings: &Settings,
    read_trails: impl FnOnce() -> Result<Trails, String>,
) -> Result<(Scoring, Result<Trails, String>), PluginError> {
    let (fitted, trails) = std::thread::scope(|scope| {
        let fitting = scope.spawn(|| fit_and_model(customers, settings));
        let trails = read_trails();
        let fitted = fitting
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (fitted, trails)
    });
    let scoring = score_fitted(customers, config, trails.as_ref().ok(), settings, fitted)
        .map_err(|e| PluginError::Data(e.to_string()))?;
    Ok((scoring, trails))
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
