//! Grade calibration: of the open deals graded A, B and C one, three and
//! six months (kehu.toml `[pipeline]`) before the end of the period, how
//! many closed within the promise (kehu-analytics' `calibration`). Reads
//! the book as it was at each window's start; a customer renamed since is
//! counted as gone.

use kehu_analytics::PipelineGrade;
use kehu_analytics::calibration::{GradeCheck, check};
use kehu_core::{Customer, Date};

use super::Snapshot;

/// One grade's window: (grade, months, first day) and the book on that
/// day (`None` when the book did not exist yet).
pub type Window<'a> = ((PipelineGrade, u32, Date), Option<&'a [Customer]>);

/// Each window's check against the book at `until`. Windows without a book
/// are left out.
pub fn calibration(windows: &[Window<'_>], end: &Snapshot<'_>, until: Date) -> Vec<GradeCheck> {
    windows
        .iter()
        .filter_map(|(window, book)| {
            let start = (*book)?
                .iter()
                .map(|c| (c.id.as_str(), c.grade.pipeline.as_deref(), c.stage.as_str()));
            Some(check(*window, until, start, |id| {
                end.find(id).map(|c| c.stage.as_str())
            }))
        })
        .collect()
}
