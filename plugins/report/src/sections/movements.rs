//! Grade movements in the period (who, when, why, from the commits), the
//! movements per day or week for the chart, and the tier migration matrix.

use std::collections::BTreeMap;

use chrono::Datelike;
use kehu_core::Date;
use serde::Serialize;

use super::start::Start;
use super::{NONE, Period, Snapshot, scalar};
use crate::history::{Change, Renames};
use crate::period::shift;

const PIPELINE: [&str; 5] = ["A", "B", "C", "D", "E"];

/// A tier or pipeline grade that moved in the period.
#[derive(Clone, Debug, Serialize)]
pub struct Movement {
    /// The commit's day.
    pub date: Date,
    /// Customer id (at the end of the period, if renamed since).
    pub customer: String,
    /// Customer name at the end (the id when it left the book): set by
    /// [`name`] once the end book is whole again (the book is undone while
    /// the movements are gathered).
    pub name: String,
    /// `tier` or `pipeline`.
    pub field: &'static str,
    /// Before.
    pub from: String,
    /// After.
    pub to: String,
    /// `upgrade` or `downgrade`.
    pub direction: &'static str,
    /// The commit's author.
    pub author: String,
    /// `Kehu-Reason`, else the commit subject.
    pub why: String,
}

/// Upgrades and downgrades in one day or week of the period (the chart).
#[derive(Clone, Debug, Serialize)]
pub struct MovementCount {
    /// `2026-11-16`, or the ISO week `2026-W47`.
    pub label: String,
    /// The first day counted.
    pub since: Date,
    /// Tier and pipeline upgrades.
    pub upgrades: usize,
    /// Tier and pipeline downgrades.
    pub downgrades: usize,
}

/// Recorded tier (`grade.tier`) at the start × at the end.
#[derive(Clone, Debug, Serialize)]
pub struct Migration {
    /// Row and column labels: the tiers, then `(none)` (absent or ungraded).
    pub labels: Vec<String>,
    /// `counts[start][end]`.
    pub counts: Vec<Vec<usize>>,
}

/// The tier and pipeline grades `change` raised or lowered, named by their
/// ids at the end (`renames` knows every rename newer than the change).
/// Tiers rank in `tiers`' order (kehu.toml's, first = best), pipeline
/// grades A (soonest) to E.
pub fn of_change(
    change: &Change,
    renames: &Renames,
    tiers: &[&str],
    mut out: impl FnMut(Movement),
) {
    for (field, label, order) in [
        ("grade.tier", "tier", tiers),
        ("grade.pipeline", "pipeline", PIPELINE.as_slice()),
    ] {
        let Some((old, new)) = change.field(field) else {
            continue;
        };
        let (Some(from), Some(to)) = (scalar(old), scalar(new)) else {
            continue;
        };
        let rank = |name: &str| order.iter().position(|t| *t == name);
        let (Some(a), Some(b)) = (rank(&from), rank(&to)) else {
            continue;
        };
        if a == b {
            continue;
        }
        let id = renames.resolve(&change.id);
        out(Movement {
            date: change.day,
            customer: id.to_owned(),
            name: String::new(),
            field: label,
            from,
            to,
            direction: if b < a { "upgrade" } else { "downgrade" },
            author: change.author.clone(),
            why: change.why.clone(),
        });
    }
}

/// Names each of `movements` after its customer in the `end` book (by its
/// id when it left the book).
pub fn name(movements: &mut [Movement], end: &Snapshot<'_>) {
    for movement in movements {
        movement.name = end
            .find(&movement.customer)
            .map_or_else(|| movement.customer.clone(), |c| c.name.clone());
    }
}

/// Movements per day for a period of up to 14 days, else per ISO week
/// (Monday first; the first bucket starts on the period's first day).
/// Every day or week of the period has a bucket, empty or not.
pub fn series(movements: &[Movement], since: Date, until: Date) -> Vec<MovementCount> {
    let daily = since.days_until(until) < 14;
    let bucket_of = |day: Date| -> Date {
        if daily {
            day
        } else {
            let back = i64::from(day.0.weekday().num_days_from_monday());
            shift(day, -back).max(since)
        }
    };
    let mut buckets: BTreeMap<Date, MovementCount> = BTreeMap::new();
    let mut day = since;
    while day <= until {
        let key = bucket_of(day);
        buckets.entry(key).or_insert_with(|| MovementCount {
            label: if daily {
                key.to_string()
            } else {
                let week = key.0.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            },
            since: key,
            upgrades: 0,
            downgrades: 0,
        });
        let next = shift(day, 1);
        if next == day {
            break;
        }
        day = next;
    }
    for m in movements {
        if let Some(b) = buckets.get_mut(&bucket_of(m.date)) {
            if m.direction == "upgrade" {
                b.upgrades += 1;
            } else {
                b.downgrades += 1;
            }
        }
    }
    buckets.into_values().collect()
}

/// Recorded tiers (`grade.tier`) at the start × at the end, over every
/// customer in either book (a customer renamed in the period is one row
/// under its end id); `(none)` = absent from that book or ungraded.
pub fn migration(start: &Start, end: &Snapshot<'_>, period: &Period) -> Migration {
    let mut labels: Vec<String> = end.config.tiers.iter().map(|t| t.name.clone()).collect();
    let mut extra: Vec<String> = start
        .touched_tiers
        .iter()
        .filter_map(|(_, tier)| tier.as_deref())
        .chain(end.customers.iter().filter_map(|c| c.grade.tier.as_deref()))
        .filter(|t| !labels.iter().any(|l| l == t))
        .map(str::to_owned)
        .collect();
    extra.sort();
    extra.dedup();
    labels.extend(extra);
    labels.push(NONE.to_owned());
    let index = |tier: Option<&str>| {
        tier.and_then(|t| labels.iter().position(|l| l == t))
            .unwrap_or(labels.len() - 1)
    };
    let mut counts = vec![vec![0usize; labels.len()]; labels.len()];
    // A customer no change touched kept its recorded tier; the touched
    // ones are paired by id (a renamed one under its id at the end).
    let touched = &period.touched;
    let mut pairs: BTreeMap<&str, (Option<&str>, Option<&str>)> = BTreeMap::new();
    for (id, tier) in &start.touched_tiers {
        pairs.entry(period.renames.resolve(id)).or_default().0 = tier.as_deref();
    }
    for c in end.customers {
        let tier = c.grade.tier.as_deref();
        if touched.contains(c.id.as_str()) {
            pairs.entry(&c.id).or_default().1 = tier;
        } else {
            counts[index(tier)][index(tier)] += 1;
        }
    }
    for (from, to) in pairs.values() {
        counts[index(*from)][index(*to)] += 1;
    }
    Migration { labels, counts }
}
