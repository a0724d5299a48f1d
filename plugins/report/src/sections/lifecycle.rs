//! Lifecycle stages in the report: how many customers are new, growing,
//! mature, declining and lapsed at the start and the end of the period,
//! and how many moved from one stage to another. Stages are
//! kehu-analytics' [`lifecycle`](kehu_analytics::lifecycle), from each book's
//! orders and the `revenue_12m` values recorded up to that day.

use std::collections::BTreeMap;

use kehu_analytics::lifecycle::{STAGES, Stage, stages_only};
use kehu_core::Date;
use serde::Serialize;

use super::Snapshot;

/// Customers per stage at the start and the end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageCount {
    /// The stage.
    pub stage: Stage,
    /// At the start (`None` without the start book).
    pub start: Option<usize>,
    /// At the end.
    pub end: usize,
}

/// Customers that moved between two stages in the period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageMove {
    /// The stage at the start.
    pub from: Stage,
    /// The stage at the end.
    pub to: Stage,
    /// How many customers.
    pub customers: usize,
    /// Which, by id.
    pub ids: Vec<String>,
}

/// The lifecycle section.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LifecycleSummary {
    /// Per stage, in lifecycle order.
    pub counts: Vec<StageCount>,
    /// Moves between stages, by (from, to) in lifecycle order.
    pub movements: Vec<StageMove>,
}

/// `revenue` up to `day` only.
fn upto(
    revenue: &BTreeMap<String, Vec<(Date, f64)>>,
    day: Date,
) -> BTreeMap<String, Vec<(Date, f64)>> {
    revenue
        .iter()
        .map(|(id, values)| {
            let kept = values.iter().copied().filter(|(d, _)| *d <= day).collect();
            (id.clone(), kept)
        })
        .collect()
}

/// Each customer's stage in `book` on `day`, from its orders and the
/// `revenue_12m` values recorded up to that day.
pub fn stages_on(
    book: &Snapshot<'_>,
    day: Date,
    revenue: &BTreeMap<String, Vec<(Date, f64)>>,
) -> BTreeMap<String, Stage> {
    stages_only(
        book.customers,
        &upto(revenue, day),
        &book.config.lifecycle,
        day,
    )
}

/// The stages at the end (`until`) and, with the start book's
/// ([`stages_on`] its day), at the start.
pub fn lifecycle(
    end: &Snapshot<'_>,
    until: Date,
    at_start: Option<&BTreeMap<String, Stage>>,
    revenue: &BTreeMap<String, Vec<(Date, f64)>>,
) -> LifecycleSummary {
    let at_end = stages_on(end, until, revenue);
    let count =
        |map: &BTreeMap<String, Stage>, stage: Stage| map.values().filter(|s| **s == stage).count();
    let counts = STAGES
        .iter()
        .map(|s| StageCount {
            stage: *s,
            start: at_start.map(|m| count(m, *s)),
            end: count(&at_end, *s),
        })
        .collect();
    let mut moves: BTreeMap<(Stage, Stage), Vec<String>> = BTreeMap::new();
    if let Some(before) = at_start {
        for (id, now) in &at_end {
            if let Some(then) = before.get(id)
                && then != now
            {
                moves.entry((*then, *now)).or_default().push(id.clone());
            }
        }
    }
    LifecycleSummary {
        counts,
        movements: moves
            .into_iter()
            .map(|((from, to), ids)| StageMove {
                from,
                to,
                customers: ids.len(),
                ids,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_core::{Config, Customer};

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn customer(id: &str, first: &str, last: &str, orders: i64, revenue: f64) -> Customer {
        let mut c = Customer {
            id: id.into(),
            name: id.into(),
            stage: "won".into(),
            ..Customer::default()
        };
        c.metrics.first_order = Some(day(first));
        c.metrics.last_order = Some(day(last));
        c.metrics.orders_total = Some(orders);
        c.metrics.revenue_12m = Some(revenue);
        c
    }

    /// Start 2026-11-08, end 2026-11-15. "rise": 100 recorded 06-01, 102 on
    /// 11-01 (mature at the start, +2%), 130 on 11-12 (growing at the end,
    /// +30%). "kid": first order 2026-08-12, new at the start (88 d), not at
    /// the end (95 d): one value → mature. "calm": mature at both ends.
    #[test]
    fn counts_and_moves_by_hand() {
        let config = Config::default();
        let start_book = vec![
            customer("calm", "2023-01-01", "2026-11-01", 40, 100.0),
            customer("kid", "2026-08-12", "2026-11-01", 3, 20.0),
            customer("rise", "2023-01-01", "2026-11-01", 40, 102.0),
        ];
        let mut end_book = start_book.clone();
        end_book[2].metrics.revenue_12m = Some(130.0);
        let revenue = BTreeMap::from([(
            "rise".to_owned(),
            vec![
                (day("2026-06-01"), 100.0),
                (day("2026-11-01"), 102.0),
                (day("2026-11-12"), 130.0),
            ],
        )]);
        let end = Snapshot {
            customers: &end_book,
            config: &config,
        };
        let start = Snapshot {
            customers: &start_book,
            config: &config,
        };
        let at_start = stages_on(&start, day("2026-11-08"), &revenue);
        let l = lifecycle(&end, day("2026-11-15"), Some(&at_start), &revenue);
        let counts: Vec<(Stage, Option<usize>, usize)> =
            l.counts.iter().map(|c| (c.stage, c.start, c.end)).collect();
        assert_eq!(
            counts,
            [
                (Stage::New, Some(1), 0),
                (Stage::Growing, Some(0), 1),
                (Stage::Mature, Some(2), 2),
                (Stage::Declining, Some(0), 0),
                (Stage::Lapsed, Some(0), 0),
            ]
        );
        let moves: Vec<(Stage, Stage, Vec<String>)> = l
            .movements
            .iter()
            .map(|m| (m.from, m.to, m.ids.clone()))
            .collect();
        assert_eq!(
            moves,
            [
                (Stage::New, Stage::Mature, vec!["kid".to_owned()]),
                (Stage::Mature, Stage::Growing, vec!["rise".to_owned()]),
            ]
        );
    }
}
