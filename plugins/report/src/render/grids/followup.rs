//! Overdue follow-ups and the customers most at risk.

use super::{Grid, opt};
use crate::model::Report;

/// The overdue follow-ups (per owner, then the longest overdue) and the
/// at-risk grids.
pub fn grids(r: &Report) -> Vec<Grid> {
    let followups = &r.overdue;
    let mut by_owner = Grid::new(
        "overdue_by_owner",
        format!(
            "Follow-ups overdue on {}: {}",
            r.period.until, followups.total
        ),
        &["owner", "overdue"],
        "no follow-up overdue",
    );
    for o in &followups.by_owner {
        by_owner
            .rows
            .push(vec![o.owner.clone(), o.count.to_string()]);
    }
    let title = if followups.listed.len() < followups.total {
        format!(
            "The {} longest overdue (every one: kehu agenda --overdue)",
            followups.listed.len()
        )
    } else {
        "The longest overdue".to_owned()
    };
    let mut overdue = Grid::new(
        "overdue",
        title,
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
    for o in &followups.listed {
        overdue.rows.push(vec![
            o.customer.clone(),
            o.name.clone(),
            o.owner.clone(),
            opt(o.last_contact),
            opt(o.days_since),
            o.cadence.clone(),
        ]);
    }
    let mut risk = Grid::new(
        "at_risk",
        "Most at risk",
        &["customer", "name", "owner", "risk", "band", "why"],
        "nobody scored at risk",
    );
    for a in &r.at_risk {
        risk.rows.push(vec![
            a.customer.clone(),
            a.name.clone(),
            a.owner.clone(),
            format!("{:.2}", a.score),
            a.band.to_owned(),
            a.reason.clone(),
        ]);
    }
    vec![by_owner, overdue, risk]
}
