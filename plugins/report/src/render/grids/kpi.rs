//! The headline figures.

use super::{Grid, money, opt, percent, signed_percent};
use crate::model::Report;

/// The headline grid.
pub fn grids(r: &Report) -> Vec<Grid> {
    let k = &r.kpis;
    let mut g = Grid::new("kpis", "Headline", &["figure", "value"], "");
    let mut row = |name: &str, value: String| g.rows.push(vec![name.to_owned(), value]);
    row("customers", k.customers.to_string());
    row("customers at start", opt(k.customers_start));
    row(&format!("revenue 12m ({})", r.currency), money(k.revenue));
    row(
        &format!(
            "revenue held by the top 20% ({} customers)",
            k.top20_customers
        ),
        percent(k.top20_share),
    );
    row(
        &format!("average satisfaction ({} rated)", k.satisfaction_customers),
        k.satisfaction
            .map_or_else(|| "–".to_owned(), |s| format!("{s:.2}")),
    );
    row("contacts made", k.contacts.to_string());
    row(
        "retention (active at start still active)",
        k.retention.as_ref().map_or_else(
            || "–".to_owned(),
            |t| format!("{} ({}/{})", percent(t.rate), t.retained, t.active_start),
        ),
    );
    row(
        "revenue 12m at start",
        k.revenue_start.map_or_else(|| "–".to_owned(), money),
    );
    row(
        "revenue booked in the period",
        k.revenue_period.map_or_else(|| "–".to_owned(), money),
    );
    row(
        &format!(
            "revenue booked in the previous period (from {})",
            r.previous_since
        ),
        k.revenue_previous.map_or_else(|| "–".to_owned(), money),
    );
    row(
        "revenue growth vs previous period",
        signed_percent(k.revenue_growth),
    );
    vec![g]
}
