//! The report as titled grids of text cells: what the table, Markdown, CSV
//! and HTML renderers print. Cells are plain text here; each renderer
//! escapes them for its own syntax.

use kehu_analytics::money::{cents, format_cents, format_percent};

use crate::model::{Bucket, Report};

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
    pub(crate) fn new(
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

fn signed_money(change: Option<f64>) -> String {
    match change {
        None => "–".to_owned(),
        Some(n) if n > 0.0 => format!("+{}", money(n)),
        Some(n) => money(n),
    }
}

fn signed_percent(change: Option<f64>) -> String {
    match change {
        None => "–".to_owned(),
        Some(n) if n > 0.0 => format!("+{}", format_percent(n)),
        Some(n) => format_percent(n),
    }
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| v.to_string())
}

fn kpis(r: &Report) -> Grid {
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
        "revenue growth vs previous period",
        signed_percent(k.revenue_growth),
    );
    g
}

fn buckets(key: &'static str, title: &str, rows: &[Bucket]) -> Grid {
    let mut g = Grid::new(
        key,
        title,
        &[
            "name",
            "customers",
            "revenue",
            "share",
            "Δ customers",
            "Δ revenue",
        ],
        "no customers",
    );
    for b in rows {
        g.rows.push(vec![
            b.name.clone(),
            b.count.to_string(),
            money(b.revenue),
            percent(b.share),
            signed_count(b.count_change),
            signed_money(b.revenue_change),
        ]);
    }
    g
}

/// Every grid of the report, in reading order.
pub fn grids(r: &Report) -> Vec<Grid> {
    let mut out = vec![kpis(r)];
    out.extend(super::kpi_service::grids(&r.service));
    out.extend(super::kpi_service::lifecycle_grids(&r.lifecycle));
    out.push(buckets(
        "tiers",
        "Portfolio by value tier",
        &r.portfolio.tiers,
    ));
    out.push(buckets("abc", "Portfolio by ABC class", &r.portfolio.abc));
    out.push(buckets("rfm", "Portfolio by RFM segment", &r.portfolio.rfm));

    let mut g = Grid::new(
        "movements",
        "Upgrades and downgrades",
        &[
            "date", "customer", "name", "grade", "from", "to", "move", "by", "why",
        ],
        "no grade moved in the period",
    );
    for m in &r.movements {
        g.rows.push(vec![
            m.date.to_string(),
            m.customer.clone(),
            m.name.clone(),
            m.field.to_owned(),
            m.from.clone(),
            m.to.clone(),
            m.direction.to_owned(),
            m.author.clone(),
            m.why.clone(),
        ]);
    }
    out.push(g);

    if let Some(m) = &r.migration {
        let mut columns = vec!["start \\ end".to_owned()];
        columns.extend(m.labels.iter().cloned());
        let mut g = Grid::new("migration", "Tier migration (recorded grade.tier)", &[], "");
        g.columns = columns;
        for (label, counts) in m.labels.iter().zip(&m.counts) {
            let mut row = vec![label.clone()];
            row.extend(counts.iter().map(ToString::to_string));
            g.rows.push(row);
        }
        out.push(g);
    }

    let mut g = Grid::new(
        "contacts",
        "Contacts by owner and channel",
        &["owner", "channel", "contacts"],
        "no contacts in the period",
    );
    for c in &r.contacts {
        g.rows.push(vec![
            c.owner.clone(),
            c.channel.clone(),
            c.count.to_string(),
        ]);
    }
    out.push(g);

    let mut g = Grid::new(
        "overdue",
        format!("Follow-ups overdue on {}", r.period.until),
        &[
            "customer",
            "name",
            "owner",
            "last contact",
            "days",
            "cadence",
        ],
        "no follow-up overdue",
    );
    for o in &r.overdue {
        g.rows.push(vec![
            o.customer.clone(),
            o.name.clone(),
            o.owner.clone(),
            opt(o.last_contact),
            opt(o.days_since),
            o.cadence.clone(),
        ]);
    }
    out.push(g);

    let mut g = Grid::new(
        "at_risk",
        "Most at risk",
        &["customer", "name", "owner", "risk", "band", "why"],
        "nobody scored at risk",
    );
    for a in &r.at_risk {
        g.rows.push(vec![
            a.customer.clone(),
            a.name.clone(),
            a.owner.clone(),
            format!("{:.2}", a.score),
            a.band.to_owned(),
            a.reason.clone(),
        ]);
    }
    out.push(g);

    let mut g = Grid::new(
        "funnel",
        "Funnel",
        &["stage", "customers", "Δ customers"],
        "no stages",
    );
    for s in &r.funnel.stages {
        let change = s.count_start.map(|b| s.count as i64 - b as i64);
        g.rows.push(vec![
            s.stage.clone(),
            s.count.to_string(),
            signed_count(change),
        ]);
    }
    out.push(g);

    let mut g = Grid::new(
        "transitions",
        "Stage transitions in the period",
        &["from", "to", "customers"],
        "no stage changed in the period",
    );
    for t in &r.funnel.transitions {
        g.rows
            .push(vec![t.from.clone(), t.to.clone(), t.count.to_string()]);
    }
    out.push(g);
    out
}

/// The report's one-line title.
pub fn title(r: &Report) -> String {
    format!(
        "kehu weekly report {} ({} to {})",
        r.period.label, r.period.since, r.period.until
    )
}
