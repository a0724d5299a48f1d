//! Funnel conversion from stage transitions (DESIGN §3: lead → qualified →
//! proposal → negotiation → won, or lost).
//!
//! Of the customers who *entered* a stage in a period (a stage change into
//! it, or a new customer file at it), each ends the period in one of four
//! places: still in the stage (**stayed**), further down the funnel
//! (**moved on**), back up it (**moved back**), or out of it (**dropped**:
//! a drop stage such as `lost` or `churned`, or gone from the book). The
//! conversion of a stage is moved on / entered.
//!
//! Days per stage are measured on the stays that both began and ended
//! inside the transitions given (a stay whose start is not among them is
//! not measured), so the figure needs no history before the period; a
//! longer period measures more stays.

use std::collections::{BTreeMap, BTreeSet};

use kehu_core::Date;
use serde::Serialize;

/// The stages a customer leaves the funnel through.
pub const DROP_STAGES: [&str; 2] = ["lost", "churned"];

/// One customer's stage change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageMove {
    /// The customer, under the id it has at the end of the period (follow
    /// renames before calling).
    pub customer: String,
    /// The day of the change.
    pub day: Date,
    /// The stage before; `None` for a new customer file.
    pub from: Option<String>,
    /// The stage after.
    pub to: String,
}

/// Where the customers who entered one stage were at the end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageFlow {
    /// The stage.
    pub stage: String,
    /// Customers who entered it in the period.
    pub entered: usize,
    /// Of them, in a later funnel stage at the end.
    pub moved_on: usize,
    /// In an earlier stage at the end.
    pub moved_back: usize,
    /// In a drop stage, or gone from the book, at the end.
    pub dropped: usize,
    /// Still in the stage at the end.
    pub stayed: usize,
    /// moved_on / entered; `None` when nobody entered.
    pub conversion: Option<f64>,
    /// Stays in the stage that began and ended in the period.
    pub stays_measured: usize,
    /// Their median length in days; `None` when none was measured.
    pub median_days: Option<f64>,
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid] as f64
    } else {
        (values[mid - 1] + values[mid]) as f64 / 2.0
    })
}

/// The flow of every stage in `order` (the funnel's order, kehu.toml's),
/// from `moves` (oldest first) and each customer's stage at the end
/// (`None`: no longer in the book).
pub fn flows<'a>(
    order: &[String],
    moves: &[StageMove],
    end_stage: impl Fn(&str) -> Option<&'a str>,
) -> Vec<StageFlow> {
    let rank = |stage: &str| order.iter().position(|s| s == stage);
    // (stage, customer) pairs: a customer entering a stage twice counts once.
    let mut entered: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut stays: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let mut current: BTreeMap<&str, (&str, Date)> = BTreeMap::new();
    for m in moves {
        if let (Some(from), Some((stage, since))) = (&m.from, current.get(m.customer.as_str()))
            && from == stage
        {
            stays
                .entry(stage)
                .or_default()
                .push(since.days_until(m.day));
        }
        current.insert(&m.customer, (&m.to, m.day));
        entered.insert((&m.to, &m.customer));
    }
    order
        .iter()
        .map(|stage| {
            let mut flow = StageFlow {
                stage: stage.clone(),
                entered: 0,
                moved_on: 0,
                moved_back: 0,
                dropped: 0,
                stayed: 0,
                conversion: None,
                stays_measured: 0,
                median_days: None,
            };
            let here = rank(stage);
            for (_, customer) in entered
                .range((stage.as_str(), "")..)
                .take_while(|(s, _)| s == stage)
            {
                flow.entered += 1;
                match end_stage(customer) {
                    None => flow.dropped += 1,
                    Some(end) if end == stage => flow.stayed += 1,
                    Some(end) if DROP_STAGES.contains(&end) => flow.dropped += 1,
                    Some(end) => match (rank(end), here) {
                        (Some(e), Some(h)) if e > h => flow.moved_on += 1,
                        _ => flow.moved_back += 1,
                    },
                }
            }
            flow.conversion =
                (flow.entered > 0).then(|| flow.moved_on as f64 / flow.entered as f64);
            if let Some(days) = stays.get_mut(stage.as_str()) {
                flow.stays_measured = days.len();
                flow.median_days = median(days);
            }
            flow
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(customer: &str, day: &str, from: Option<&str>, to: &str) -> StageMove {
        StageMove {
            customer: customer.into(),
            day: day.parse().unwrap(),
            from: from.map(Into::into),
            to: to.into(),
        }
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3.0));
        assert_eq!(median(&mut [4, 1, 3, 10]), Some(3.5));
    }

    #[test]
    fn flows_by_hand() {
        let order: Vec<String> = ["lead", "qualified", "proposal", "won", "lost"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let moves = vec![
            // a: new lead on the 1st, qualified on the 4th, proposal on the 9th.
            mv("a", "2026-11-01", None, "lead"),
            mv("a", "2026-11-04", Some("lead"), "qualified"),
            mv("a", "2026-11-09", Some("qualified"), "proposal"),
            // b: qualified (entered before: not measured), then lost on the 6th.
            mv("b", "2026-11-02", Some("lead"), "qualified"),
            mv("b", "2026-11-06", Some("qualified"), "lost"),
            // c: a new lead that stays; d: a lead that left the book.
            mv("c", "2026-11-03", None, "lead"),
            mv("d", "2026-11-03", None, "lead"),
            // e: proposal back to qualified.
            mv("e", "2026-11-05", Some("proposal"), "qualified"),
        ];
        let end = |id: &str| match id {
            "a" => Some("proposal"),
            "b" => Some("lost"),
            "c" => Some("lead"),
            "e" => Some("qualified"),
            _ => None,
        };
        let flows = flows(&order, &moves, end);
        let row = |i: usize| {
            let f = &flows[i];
            (
                f.stage.as_str(),
                f.entered,
                f.moved_on,
                f.moved_back,
                f.dropped,
                f.stayed,
                f.stays_measured,
                f.median_days,
            )
        };
        // lead: a (on), c (stayed), d (gone); a's stay 3 days.
        assert_eq!(row(0), ("lead", 3, 1, 0, 1, 1, 1, Some(3.0)));
        // qualified: a (on), b (lost), e (stayed); a 5 days, b 4 days.
        assert_eq!(row(1), ("qualified", 3, 1, 0, 1, 1, 2, Some(4.5)));
        assert_eq!(row(2), ("proposal", 1, 0, 0, 0, 1, 0, None));
        assert_eq!(flows[0].conversion, Some(1.0 / 3.0));
        assert_eq!(flows[3].conversion, None);
        // lost: b entered and stayed.
        assert_eq!(row(4), ("lost", 1, 0, 0, 0, 1, 0, None));
    }

    #[test]
    fn a_move_back_up_the_funnel() {
        let order: Vec<String> = ["lead", "qualified", "proposal"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let moves = vec![mv("a", "2026-11-01", Some("lead"), "proposal")];
        let flows = flows(&order, &moves, |_| Some("qualified"));
        assert_eq!((flows[2].entered, flows[2].moved_back), (1, 1));
    }
}
