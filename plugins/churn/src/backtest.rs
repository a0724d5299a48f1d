//! `kehu churn --backtest --at DATE`: how good the risk score was.
//!
//! The book as it was on DATE (host call `book_at`) is scored as of DATE,
//! with the history signals read up to DATE and today's kehu.toml (so a
//! change of weights can be tried on the past). Then what happened in the
//! following horizon is read from the current book: a customer *churned*
//! when it placed no order in (DATE, DATE + horizon]. The current
//! `last_order` says so directly when it falls inside that window (ordered)
//! or on or before DATE (churned). When it is later than the window, the
//! customer did come back but maybe only afterwards: the book as of the end
//! of the window (a second `book_at`, fetched only then) decides, by whether
//! its `last_order` is after DATE. Customers no longer in the book are left
//! out and counted.
//!
//! Reported: precision, recall and F1 at the threshold (predicted churn when
//! risk ≥ threshold, default kehu.toml `[churn] high`), ROC AUC, and the
//! calibration table over ten deciles of predicted risk (kehu-analytics
//! `backtest`).

use std::collections::HashMap;

use kehu_analytics::backtest::{Backtest, backtest};
use kehu_core::{Customer, Date};
use kehu_plugin_sdk::{Book, Output, PluginError};
use serde_json::{Value, json};

use crate::Run;
use crate::history::shift;
use crate::model::params_json;
use crate::render::{Format, Table, fixed, json_document, num, opt_num};
use crate::score;

/// What happened to one customer after DATE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// An order in (DATE, DATE + horizon].
    Ordered,
    /// No order in the window.
    Churned,
    /// Not in the current book any more.
    Gone,
}

/// Customers by id.
fn index(customers: &[Customer]) -> HashMap<&str, &Customer> {
    customers.iter().map(|c| (c.id.as_str(), c)).collect()
}

/// The outcomes of `ids` after `at` over (at, end], from the current book
/// and, only when needed, the book as of `end` (`book_at_end`).
pub fn outcomes(
    ids: &[&str],
    current: &[Customer],
    at: Date,
    end: Date,
    book_at_end: impl FnOnce() -> Result<Book, PluginError>,
) -> Result<Vec<Outcome>, PluginError> {
    let now = index(current);
    let mut out = Vec::with_capacity(ids.len());
    let mut later = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let outcome = match now.get(id).map(|c| c.metrics.last_order) {
            None => Outcome::Gone,
            Some(Some(last)) if last > at && last <= end => Outcome::Ordered,
            Some(Some(last)) if last > end => {
                later.push(i);
                Outcome::Gone
            }
            Some(_) => Outcome::Churned,
        };
        out.push(outcome);
    }
    if !later.is_empty() {
        let then = book_at_end()?;
        let then = index(&then.customers);
        for i in later {
            out[i] = match then.get(ids[i]).map(|c| c.metrics.last_order) {
                None => Outcome::Gone,
                Some(Some(last)) if last > at => Outcome::Ordered,
                Some(_) => Outcome::Churned,
            };
        }
    }
    Ok(out)
}

fn rate(x: Option<f64>) -> String {
    x.map_or("n/a".to_owned(), |v| format!("{v:.3}"))
}

/// `kehu churn --backtest --at DATE`.
pub fn run(run: &Run<'_, '_>, at: Date) -> Result<Output, PluginError> {
    let current = run.ctx.book()?;
    let as_of = current.as_of;
    let settings = run.settings(at);
    let end = shift(at, i64::from(settings.horizon_days));
    if at >= as_of {
        return Err(PluginError::Usage(format!(
            "`--at {at}` must be before the as-of day {as_of}"
        )));
    }
    if end > as_of {
        return Err(PluginError::Usage(format!(
            "the {} d after {at} end on {end}, after the as-of day {as_of}: \
             pick an earlier --at or a shorter --horizon",
            settings.horizon_days
        )));
    }
    let past = run.ctx.book_at(at)?;
    let (scoring, trails) =
        score::score_with_history(&past.customers, &run.config, &settings, || run.trails(at))?;
    let ids: Vec<&str> = scoring
        .scored
        .iter()
        .map(|s| past.customers[s.index].id.as_str())
        .collect();
    let outcomes = outcomes(&ids, &current.customers, at, end, || run.ctx.book_at(end))?;
    let pairs: Vec<(f64, bool)> = scoring
        .scored
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| **o != Outcome::Gone)
        .map(|(s, o)| (s.risk.score, *o == Outcome::Churned))
        .collect();
    let gone = outcomes.iter().filter(|o| **o == Outcome::Gone).count();
    let threshold = run.options.threshold.unwrap_or(run.config.churn.high);
    let result = backtest(&pairs, threshold);

    let mut out = Output::new().pure();
    let history_error = trails.as_ref().err().map(String::as_str);
    for note in score::notes(&scoring, history_error) {
        out = out.with_note(note);
    }
    if gone > 0 {
        out = out.with_note(format!(
            "note: {gone} customer(s) scored on {at} are no longer in the book and are left out"
        ));
    }
    let model = scoring.fit.as_ref().ok().map_or(Value::Null, params_json);
    if run.format == Format::Json {
        out.stdout = json_document(vec![
            ("at", json!(at)),
            ("until", json!(end)),
            ("as_of", json!(as_of)),
            ("horizon_days", json!(settings.horizon_days)),
            ("model", model),
            ("left_out", json!(gone)),
            ("backtest", backtest_json(&result)),
        ])?;
        return Ok(out);
    }
    let people = matches!(run.format, Format::Table | Format::Markdown);
    let gap = if run.format == Format::Markdown {
        "\n"
    } else {
        ""
    };
    if people {
        out.stdout.push_str(&format!(
            "Backtest: the book as of {at} scored, then orders in ({at}, {end}] ({} d): \
             {} customers, {} churned\n{gap}",
            settings.horizon_days, result.customers, result.churned
        ));
    }
    let c = &result.confusion;
    let mut summary = Table::new(&["metric", "value"]);
    for (name, value) in [
        ("threshold", format!("{threshold}")),
        ("customers", result.customers.to_string()),
        ("churned", result.churned.to_string()),
        ("true_positives", c.true_positives.to_string()),
        ("false_positives", c.false_positives.to_string()),
        ("false_negatives", c.false_negatives.to_string()),
        ("true_negatives", c.true_negatives.to_string()),
        ("precision", rate(c.precision)),
        ("recall", rate(c.recall)),
        ("f1", rate(c.f1)),
        ("roc_auc", rate(result.roc_auc)),
    ] {
        summary.push(vec![name.to_owned(), value]);
    }
    let mut calibration = Table::new(&[
        "decile",
        "risk",
        "customers",
        "mean_predicted",
        "observed_churn",
    ]);
    for bin in &result.calibration {
        let range = match (bin.from, bin.to) {
            (Some(from), Some(to)) => format!("{from:.3}-{to:.3}"),
            _ => "-".to_owned(),
        };
        calibration.push(vec![
            bin.decile.to_string(),
            range,
            bin.count.to_string(),
            fixed(bin.mean_predicted, 3),
            fixed(bin.observed_rate, 3),
        ]);
    }
    out.stdout.push_str(&summary.render(run.format, false)?);
    if people {
        out.stdout.push_str(&format!(
            "{gap}Calibration (deciles of predicted risk × observed churn rate)\n{gap}"
        ));
    } else {
        out.stdout.push('\n');
    }
    out.stdout.push_str(&calibration.render(run.format, false)?);
    Ok(out)
}

fn backtest_json(b: &Backtest) -> Value {
    let c = &b.confusion;
    json!({
        "customers": b.customers,
        "churned": b.churned,
        "threshold": num(c.threshold),
        "true_positives": c.true_positives,
        "false_positives": c.false_positives,
        "false_negatives": c.false_negatives,
        "true_negatives": c.true_negatives,
        "precision": opt_num(c.precision),
        "recall": opt_num(c.recall),
        "f1": opt_num(c.f1),
        "roc_auc": opt_num(b.roc_auc),
        "calibration": b.calibration.iter().map(|bin| json!({
            "decile": bin.decile,
            "from": opt_num(bin.from),
            "to": opt_num(bin.to),
            "count": bin.count,
            "mean_predicted": opt_num(bin.mean_predicted),
            "observed_rate": opt_num(bin.observed_rate),
        })).collect::<Vec<_>>(),
    })
}
