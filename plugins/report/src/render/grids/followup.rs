//! Overdue follow-ups and the customers most at risk.

use super::{Grid, opt};
use crate::model::Report;

/// The overdue and at-risk grids.
pub fn grids(r: &Report) -> Vec<Grid> {
    let mut overdue = Grid::new(
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
    vec![overdue, risk]
}
