//! `kehu churn --model`: the fitted BG/NBD parameters.

use kehu_analytics::bgnbd::{self, BgNbdFit, Observation};
use kehu_plugin_sdk::{Output, PluginError};
use serde_json::{Value, json};

use crate::Run;
use crate::render::{Format, Table, json_document, num};

/// The parameters and fit figures as JSON.
pub fn params_json(fit: &BgNbdFit) -> Value {
    let p = fit.params;
    json!({
        "r": num(p.r),
        "alpha": num(p.alpha),
        "a": num(p.a),
        "b": num(p.b),
        "log_likelihood": num(fit.log_likelihood),
        "customers": fit.customers,
        "distinct": fit.distinct,
        "iterations": fit.iterations,
    })
}

/// How the observations are read, for the output.
pub const CONVENTION: &str =
    "x = orders_total - 1, t_x = last_order - first_order, T = as-of - first_order, in weeks";

/// `kehu churn --model`.
pub fn run(run: &Run<'_, '_>) -> Result<Output, PluginError> {
    let book = run.ctx.book()?;
    let as_of = book.as_of;
    let mut observations = Vec::with_capacity(book.customers.len());
    let mut skipped = 0usize;
    for c in &book.customers {
        match Observation::from_metrics(&c.metrics, as_of) {
            Some(o) => observations.push(o),
            None => skipped += 1,
        }
    }
    let fit = bgnbd::fit(&observations).map_err(|e| {
        PluginError::Data(format!(
            "{e} ({} customers with orders as of {as_of})",
            observations.len()
        ))
    })?;
    let p = fit.params;
    let mut out = Output::new().pure();
    if run.format == Format::Json {
        out.stdout = json_document(vec![
            ("as_of", json!(as_of)),
            ("model", params_json(&fit)),
            ("skipped", json!(skipped)),
            ("observation", json!(CONVENTION)),
        ])?;
        return Ok(out);
    }
    let mut table = Table::new(&["parameter", "value"]);
    let rows: [(&str, String); 8] = [
        ("r", format!("{:.4}", p.r)),
        ("alpha", format!("{:.4}", p.alpha)),
        ("a", format!("{:.4}", p.a)),
        ("b", format!("{:.4}", p.b)),
        ("log_likelihood", format!("{:.2}", fit.log_likelihood)),
        ("customers", fit.customers.to_string()),
        ("distinct", fit.distinct.to_string()),
        ("skipped", skipped.to_string()),
    ];
    for (name, value) in rows {
        table.push(vec![name.to_owned(), value]);
    }
    let people = matches!(run.format, Format::Table | Format::Markdown);
    if people {
        out.stdout.push_str(&format!(
            "BG/NBD fit as of {as_of} (Fader, Hardie & Lee 2005); {CONVENTION}\n"
        ));
        if run.format == Format::Markdown {
            out.stdout.push('\n');
        }
    }
    out.stdout.push_str(&table.render(run.format, false)?);
    Ok(out)
}
