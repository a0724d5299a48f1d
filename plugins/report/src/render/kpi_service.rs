//! The service KPI grids: satisfaction and complaints per tier and per
//! owner against the targets of kehu.toml `[targets]`, and the complaints
//! open at the end of the period with their age.

use kehu_analytics::complaints::{ServiceKpi, ServiceKpis};
use kehu_analytics::money::format_percent;

use super::grids::{Grid, percent};

const COLUMNS: [&str; 11] = [
    "group",
    "customers",
    "surveyed",
    "satisfied",
    "opened",
    "resolved",
    "open",
    "oldest open (d)",
    "complaints/customer/yr",
    "repeat customers",
    "on target",
];

fn on_target(k: &ServiceKpi) -> String {
    let word = |ok: Option<bool>| match ok {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "–",
    };
    format!(
        "satisfied {} · complaints {}",
        word(k.satisfied_on_target),
        word(k.complaints_on_target)
    )
}

fn row(k: &ServiceKpi) -> Vec<String> {
    vec![
        k.group.clone(),
        k.customers.to_string(),
        k.surveyed.to_string(),
        percent(k.satisfied_share),
        k.opened.to_string(),
        k.resolved.to_string(),
        k.open.to_string(),
        k.oldest_open_days.map_or("–".to_owned(), |d| d.to_string()),
        k.per_customer_year
            .map_or("–".to_owned(), |r| format!("{r:.2}")),
        k.repeat_customers.len().to_string(),
        on_target(k),
    ]
}

/// The grids, in reading order.
pub fn grids(s: &ServiceKpis) -> Vec<Grid> {
    let targets = format!(
        "targets: satisfied (score ≥ {}) ≥ {}, complaints ≤ {} per customer per year",
        s.targets.satisfied_score,
        format_percent(s.targets.satisfied_share),
        s.targets.complaints_per_customer
    );
    let mut by_tier = Grid::new(
        "service_tiers",
        format!("Satisfaction and complaints by tier ({targets})"),
        &COLUMNS,
        "no customers",
    );
    by_tier.rows.push(row(&s.total));
    by_tier.rows.extend(s.by_tier.iter().map(row));
    let mut by_owner = Grid::new(
        "service_owners",
        "Satisfaction and complaints by owner",
        &COLUMNS,
        "no customers",
    );
    by_owner.rows.extend(s.by_owner.iter().map(row));
    let mut open = Grid::new(
        "complaints_open",
        "Open complaints, oldest first",
        &["customer", "opened", "age (d)", "complaint", "ref"],
        "no open complaint",
    );
    for o in &s.open {
        let c = &o.complaint;
        open.rows.push(vec![
            c.customer.clone(),
            c.opened.to_string(),
            o.age_days.to_string(),
            c.text.clone(),
            c.id[..c.id.len().min(10)].to_owned(),
        ]);
    }
    let mut repeat = Grid::new(
        "complaints_repeat",
        "Customers with more than one complaint in the last year",
        &["customer"],
        "none",
    );
    repeat
        .rows
        .extend(s.total.repeat_customers.iter().map(|id| vec![id.clone()]));
    vec![by_tier, by_owner, open, repeat]
}

/// The lifecycle grids: counts per stage and the moves between stages.
pub fn lifecycle_grids(l: &crate::sections::lifecycle::LifecycleSummary) -> Vec<Grid> {
    let mut counts = Grid::new(
        "lifecycle",
        "Lifecycle stages",
        &["stage", "start", "end", "change"],
        "no customer with orders",
    );
    for c in &l.counts {
        let change = c.start.map(|s| c.end as i64 - s as i64);
        counts.rows.push(vec![
            c.stage.to_string(),
            c.start.map_or("–".to_owned(), |s| s.to_string()),
            c.end.to_string(),
            super::grids::signed_count(change),
        ]);
    }
    let mut moves = Grid::new(
        "lifecycle_moves",
        "Lifecycle movements in the period",
        &["from", "to", "customers", "who"],
        "no customer changed stage",
    );
    for m in &l.movements {
        moves.rows.push(vec![
            m.from.to_string(),
            m.to.to_string(),
            m.customers.to_string(),
            m.ids.join(", "),
        ]);
    }
    vec![counts, moves]
}
