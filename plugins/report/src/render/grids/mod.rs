//! The report as titled grids of text cells: what the table, Markdown, CSV
//! and HTML renderers print. Cells are plain text here; each renderer
//! escapes them for its own syntax. One module per report section.

mod calibration;
mod contacts;
mod followup;
mod funnel;
mod kpi;
mod movements;
mod portfolio;

use kehu_analytics::money::{cents, format_cents, format_percent};

use crate::model::Report;

/// A grid of text cells under column names.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// A short machine name (the CSV `table` column).
    pub key: &'static str,
    /// The heading people read.
    pub title: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows of cells, as many as columns.
    pub rows: Vec<Vec<String>>,
    /// Shown instead of an empty grid.
    pub empty: &'static str,
}

impl Grid {
    /// An empty grid.
    pub fn new(
        key: &'static str,
        title: impl Into<String>,
        columns: &[&str],
        empty: &'static str,
    ) -> Grid {
        Grid {
            key,
            title: title.into(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
            empty,
        }
    }
}

/// An amount of money.
pub fn money(amount: f64) -> String {
    format_cents(cents(Some(amount)))
}

/// A share as a percentage, `–` when undefined.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_owned(), format_percent)
}

/// A signed change, `–` when undefined.
pub fn signed_count(change: Option<i64>) -> String {
    match change {
        None => "–".to_owned(),
        Some(n) if n > 0 => format!("+{n}"),
        Some(n) => n.to_string(),
    }
}

/// A signed amount of money, `–` when undefined.
pub fn signed_money(change: Option<f64>) -> String {
    match change {
        None => "–".to_owned(),
        Some(n) if n > 0.0 => format!("+{}", money(n)),
        Some(n) => money(n),
    }
}

/// A signed share as a percentage, `–` when undefined.
pub fn signed_percent(change: Option<f64>) -> String {
    match change {
        None => "–".to_owned(),
        Some(n) if n > 0.0 => format!("+{}", format_percent(n)),
        Some(n) => format_percent(n),
    }
}

/// A value, `–` when undefined.
pub fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| v.to_string())
}

/// Every grid of the report, in reading order.
pub fn grids(r: &Report) -> Vec<Grid> {
    let mut out = Vec::new();
    out.extend(kpi::grids(r));
    out.extend(super::kpi_service::grids(&r.service));
    out.extend(super::kpi_service::lifecycle_grids(&r.lifecycle));
    out.extend(portfolio::grids(r));
    out.extend(funnel::grids(r));
    out.extend(movements::grids(r));
    out.extend(contacts::grids(r));
    out.extend(followup::grids(r));
    out.extend(calibration::grids(r));
    out
}

/// The report's one-line title.
pub fn title(r: &Report) -> String {
    if r.period.label.contains("-W") {
        format!(
            "kehu weekly report {} ({} to {})",
            r.period.label, r.period.since, r.period.until
        )
    } else {
        format!("kehu report {} to {}", r.period.since, r.period.until)
    }
}
