//! Grade calibration: pipeline grades against what happened.

use super::{Grid, percent};
use crate::model::Report;

/// The calibration grid.
pub fn grids(r: &Report) -> Vec<Grid> {
    let mut g = Grid::new(
        "calibration",
        format!(
            "Grade calibration: open deals graded A/B/C closed within the promise (by {})",
            r.period.until
        ),
        &[
            "grade",
            "promise",
            "graded on",
            "graded",
            "closed",
            "lost",
            "open",
            "closed %",
        ],
        "no book old enough to calibrate the grades",
    );
    for c in &r.calibration {
        g.rows.push(vec![
            c.grade.as_str().to_owned(),
            if c.months == 1 {
                "1 month".to_owned()
            } else {
                format!("{} months", c.months)
            },
            c.since.to_string(),
            c.graded.to_string(),
            c.closed.to_string(),
            c.lost.to_string(),
            c.open.to_string(),
            percent(c.rate),
        ]);
    }
    vec![g]
}
