//! How good the pipeline grades were (DESIGN §3: A closes within a month,
//! B within three, C within six; kehu.toml `[pipeline]`): of the open deals
//! graded A, B or C at the start of a past window as long as the grade's
//! promise, how many had closed (`won`, or `won` and since `churned`) by its
//! end, how many were lost (or left the book), and how many are still open.
//!
//! Each grade gets its own window ending on the same day, so every promise
//! has just come due: A is checked against the book one month before, B
//! three months, C six.

use kehu_core::Date;
use serde::Serialize;

use crate::pipeline::{PipelineGrade, PipelineThresholds};

/// Stages that end a deal: it closed.
pub const CLOSED_STAGES: [&str; 2] = ["won", "churned"];
/// Stages that end a deal: it was lost.
pub const LOST_STAGES: [&str; 1] = ["lost"];

/// The day `months` calendar months before `day` (the month's last day
/// when it is shorter: 2026-03-31 − 1 month = 2026-02-28).
pub fn months_before(day: Date, months: u32) -> Option<Date> {
    day.0
        .checked_sub_months(chrono::Months::new(months))
        .map(Date)
}

/// The graded windows ending on `until`: (grade, promised months, the
/// window's first day = the day whose book is read).
pub fn windows(thresholds: &PipelineThresholds, until: Date) -> Vec<(PipelineGrade, u32, Date)> {
    [
        (PipelineGrade::A, thresholds.a_months),
        (PipelineGrade::B, thresholds.b_months),
        (PipelineGrade::C, thresholds.c_months),
    ]
    .into_iter()
    .filter_map(|(grade, months)| Some((grade, months, months_before(until, months)?)))
    .collect()
}

/// One grade's promise against what happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GradeCheck {
    /// `A`, `B` or `C`.
    pub grade: PipelineGrade,
    /// The promised horizon in months.
    pub months: u32,
    /// The window's first day: open deals graded then are counted.
    pub since: Date,
    /// Its last day.
    pub until: Date,
    /// Open deals with this grade on `since`.
    pub graded: usize,
    /// Of them, closed by `until`.
    pub closed: usize,
    /// Lost, or gone from the book, by `until`.
    pub lost: usize,
    /// Still open at `until`.
    pub open: usize,
    /// closed / graded; `None` when none was graded.
    pub rate: Option<f64>,
}

/// Whether a stage is an open deal (not closed, not lost).
pub fn is_open(stage: &str) -> bool {
    !CLOSED_STAGES.contains(&stage) && !LOST_STAGES.contains(&stage)
}

/// Checks one grade: `start` lists every customer at the window's start as
/// (id, recorded pipeline grade, stage); `end_stage` gives a customer's
/// stage at its end (`None`: gone from the book).
pub fn check<'a, 'b>(
    (grade, months, since): (PipelineGrade, u32, Date),
    until: Date,
    start: impl IntoIterator<Item = (&'a str, Option<&'a str>, &'a str)>,
    end_stage: impl Fn(&str) -> Option<&'b str>,
) -> GradeCheck {
    let mut row = GradeCheck {
        grade,
        months,
        since,
        until,
        graded: 0,
        closed: 0,
        lost: 0,
        open: 0,
        rate: None,
    };
    for (id, pipeline, stage) in start {
        if pipeline.and_then(PipelineGrade::parse) != Some(grade) || !is_open(stage) {
            continue;
        }
        row.graded += 1;
        match end_stage(id) {
            Some(end) if CLOSED_STAGES.contains(&end) => row.closed += 1,
            Some(end) if is_open(end) => row.open += 1,
            _ => row.lost += 1,
        }
    }
    row.rate = (row.graded > 0).then(|| row.closed as f64 / row.graded as f64);
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn windows_end_together() {
        let w = windows(&PipelineThresholds::default(), d("2026-03-31"));
        assert_eq!(
            w,
            vec![
                (PipelineGrade::A, 1, d("2026-02-28")),
                (PipelineGrade::B, 3, d("2025-12-31")),
                (PipelineGrade::C, 6, d("2025-09-30")),
            ]
        );
    }

    #[test]
    fn checks_by_hand() {
        let start = [
            ("a", Some("A"), "negotiation"), // closed
            ("b", Some("A"), "proposal"),    // still open
            ("c", Some("A"), "proposal"),    // lost
            ("d", Some("A"), "won"),         // already won: not an open deal
            ("e", Some("B"), "proposal"),    // another grade
            ("f", Some("A"), "qualified"),   // won, then churned: closed
            ("g", Some("A"), "lead"),        // gone from the book
            ("h", None, "lead"),
        ];
        let end = |id: &str| match id {
            "a" => Some("won"),
            "b" => Some("negotiation"),
            "c" => Some("lost"),
            "f" => Some("churned"),
            "g" => None,
            _ => Some("won"),
        };
        let row = check(
            (PipelineGrade::A, 1, d("2026-10-22")),
            d("2026-11-22"),
            start,
            end,
        );
        assert_eq!((row.graded, row.closed, row.lost, row.open), (5, 2, 2, 1));
        assert_eq!(row.rate, Some(0.4));
        let none = check(
            (PipelineGrade::C, 6, d("2026-05-22")),
            d("2026-11-22"),
            start,
            end,
        );
        assert_eq!((none.graded, none.rate), (0, None));
    }
}
