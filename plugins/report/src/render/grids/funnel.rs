//! The funnel: stage counts, transitions, conversion and days per stage.

use super::{Grid, percent, signed_count};
use crate::model::Report;

/// The stage counts, the conversion table and the transitions.
pub fn grids(r: &Report) -> Vec<Grid> {
    let mut stages = Grid::new(
        "funnel",
        "Funnel",
        &["stage", "customers", "Δ customers"],
        "no stages",
    );
    for s in &r.funnel.stages {
        let change = s.count_start.map(|b| s.count as i64 - b as i64);
        stages.rows.push(vec![
            s.stage.clone(),
            s.count.to_string(),
            signed_count(change),
        ]);
    }
    let mut conversion = Grid::new(
        "conversion",
        "Stage conversion in the period (of those who entered each stage)",
        &[
            "stage",
            "entered",
            "moved on",
            "moved back",
            "dropped",
            "stayed",
            "conversion",
            "median days",
            "stays measured",
        ],
        "no customer entered a stage in the period",
    );
    for f in r
        .funnel
        .conversion
        .iter()
        .filter(|f| f.entered > 0 || f.stays_measured > 0)
    {
        conversion.rows.push(vec![
            f.stage.clone(),
            f.entered.to_string(),
            f.moved_on.to_string(),
            f.moved_back.to_string(),
            f.dropped.to_string(),
            f.stayed.to_string(),
            percent(f.conversion),
            f.median_days
                .map_or_else(|| "–".to_owned(), |d| format!("{d:.1}")),
            f.stays_measured.to_string(),
        ]);
    }
    let mut transitions = Grid::new(
        "transitions",
        "Stage transitions in the period",
        &["from", "to", "customers"],
        "no stage changed in the period",
    );
    for t in &r.funnel.transitions {
        transitions
            .rows
            .push(vec![t.from.clone(), t.to.clone(), t.count.to_string()]);
    }
    vec![stages, conversion, transitions]
}
