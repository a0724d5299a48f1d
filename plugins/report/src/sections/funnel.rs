//! The funnel: customers per stage at the end and the start, the stage
//! transitions in the period, and each stage's conversion and median days
//! (kehu-analytics' `funnel::flows`), all from the period's commits.

use std::collections::BTreeMap;

use kehu_analytics::funnel::{StageFlow, StageMove, flows};
use kehu_core::Customer;
use serde::Serialize;

use super::start::Start;
use super::{Period, Snapshot, scalar};
use crate::history::{Change, Renames};

/// The funnel.
#[derive(Clone, Debug, Serialize)]
pub struct Funnel {
    /// Customers per stage at the end, in kehu.toml's order.
    pub stages: Vec<StageCount>,
    /// Stage changes in the period.
    pub transitions: Vec<Transition>,
    /// Of those who entered each stage in the period: moved on, moved
    /// back, dropped or stayed at its end; conversion; median days.
    pub conversion: Vec<StageFlow>,
}

/// Customers in one stage.
#[derive(Clone, Debug, Serialize)]
pub struct StageCount {
    /// The stage.
    pub stage: String,
    /// Customers at the end.
    pub count: usize,
    /// Customers at the start (`None` without history).
    pub count_start: Option<usize>,
}

/// Customers who moved between two stages in the period.
#[derive(Clone, Debug, Serialize)]
pub struct Transition {
    /// Stage before (`(new)` for a customer added in the period).
    pub from: String,
    /// Stage after.
    pub to: String,
    /// How many moves.
    pub count: usize,
}

/// The label of a new customer's "stage before".
const NEW: &str = "(new)";

/// The stage change `change` makes, under the customer's end id (`renames`
/// knows every rename newer than the change).
pub fn stage_move(change: &Change, renames: &Renames) -> Option<StageMove> {
    let (old, new) = change.field("stage")?;
    Some(StageMove {
        customer: renames.resolve(&change.id).to_owned(),
        day: change.day,
        from: scalar(old),
        to: scalar(new)?,
    })
}

/// The funnel at the end of `period` (and its start, when known).
pub fn funnel(period: &Period, end: &Snapshot<'_>, start: Option<&Start>) -> Funnel {
    let mut order: Vec<String> = end.config.book.stages.clone();
    let mut extra: Vec<String> = end
        .customers
        .iter()
        .map(|c| c.stage.as_str())
        .chain(
            start
                .into_iter()
                .flat_map(|s| s.stages.keys().map(String::as_str)),
        )
        .filter(|s| !order.iter().any(|o| o == s))
        .map(str::to_owned)
        .collect();
    extra.sort();
    extra.dedup();
    order.extend(extra);
    let count =
        |customers: &[Customer], stage: &str| customers.iter().filter(|c| c.stage == stage).count();
    let stages = order
        .iter()
        .map(|stage| StageCount {
            stage: stage.clone(),
            count: count(end.customers, stage),
            count_start: start.map(|s| s.stages.get(stage).copied().unwrap_or(0)),
        })
        .collect();
    let moves = &period.stage_moves;
    let rank = |stage: &str| order.iter().position(|s| s == stage).map_or(0, |i| i + 1);
    let mut pairs: BTreeMap<(usize, &str, usize, &str), usize> = BTreeMap::new();
    for m in moves {
        let from = m.from.as_deref().unwrap_or(NEW);
        *pairs
            .entry((rank(from), from, rank(&m.to), &m.to))
            .or_insert(0) += 1;
    }
    let transitions = pairs
        .into_iter()
        .map(|((_, from, _, to), count)| Transition {
            from: from.to_owned(),
            to: to.to_owned(),
            count,
        })
        .collect();
    let conversion = flows(&order, moves, |id| end.find(id).map(|c| c.stage.as_str()));
    Funnel {
        stages,
        transitions,
        conversion,
    }
}
