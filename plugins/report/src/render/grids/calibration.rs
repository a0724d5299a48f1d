//! Grade calibration: pipeline grades against what happened.

use super::{Grid, percent};
use crate::model::Report;

/// The calibration grid, when asked for (`--calibrate`).
pub fn grids(r: &Report) -> Vec<Grid> {
    let Some(rows) = &r.calibration else {
        return Vec::new();
    };
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
    for c in rows {
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
