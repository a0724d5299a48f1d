//! Upgrades and downgrades, and the tier migration matrix.

use super::Grid;
use crate::model::Report;

/// The movements and (with history) the migration matrix.
pub fn grids(r: &Report) -> Vec<Grid> {
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
    let mut out = vec![g];
    if let Some(m) = &r.migration {
        let mut g = Grid::new("migration", "Tier migration (recorded grade.tier)", &[], "");
        g.columns = vec!["start \\ end".to_owned()];
        g.columns.extend(m.labels.iter().cloned());
        for (label, counts) in m.labels.iter().zip(&m.counts) {
            let mut row = vec![label.clone()];
            row.extend(counts.iter().map(ToString::to_string));
            g.rows.push(row);
        }
        out.push(g);
    }
    out
}
