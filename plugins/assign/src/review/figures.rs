//! The review's figures from the replayed history and the book as of
//! `--as-of`: per owner at each point (customers by tier, weighted load,
//! utilisation, revenue), fairness over time, reassignments in and out,
//! relationships kept, and the lists a reviewer acts on.
//!
//! Weights and capacities are today's kehu.toml: the review measures the
//! portfolios as they were against today's policy, so a change of policy
//! does not show up as drift.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kehu_core::config::POOL_PREFIX;
use kehu_core::{Config, Customer, Date};

use super::history::{Record, Replay};
use crate::plan::{Fairness, fairness};

/// One owner at one point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Holding {
    /// Customers per tier, in tier order (unknown tiers count as the last).
    pub by_tier: Vec<usize>,
    /// Weighted load.
    pub load: f64,
    /// Revenue (12 months) of the customers.
    pub revenue: f64,
}

impl Holding {
    /// Number of customers.
    pub fn customers(&self) -> usize {
        self.by_tier.iter().sum()
    }
}

/// The book at one point, per owner id (pools included).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Point {
    /// Per owner id.
    pub owners: BTreeMap<String, Holding>,
    /// Customers without an owner of kehu.toml (none, or an unknown id).
    pub unassigned: usize,
}

/// Measures one point of the replay.
pub fn measure(config: &Config, state: &HashMap<String, Record>) -> Point {
    let mut point = Point::default();
    let tiers = config.tiers.len().max(1);
    for record in state.values() {
        let Some(owner) = record
            .owner
            .as_deref()
            .filter(|o| config.owners.contains_key(*o) || o.starts_with(POOL_PREFIX))
        else {
            point.unassigned += 1;
            continue;
        };
        let (index, weight) = tier_of(config, record.tier.as_deref());
        let holding = point
            .owners
            .entry(owner.to_owned())
            .or_insert_with(|| Holding {
                by_tier: vec![0; tiers],
                ..Holding::default()
            });
        holding.by_tier[index] += 1;
        holding.load += weight;
        holding.revenue += record.revenue;
    }
    point
}

/// A tier's position and weight; no tier or an unknown one is the last.
fn tier_of(config: &Config, tier: Option<&str>) -> (usize, f64) {
    let last = config.tiers.len().saturating_sub(1);
    let index = tier
        .and_then(|t| config.tiers.iter().position(|x| x.name == t))
        .unwrap_or(last);
    (index, config.tiers.get(index).map_or(1.0, |t| t.weight))
}

/// One owner's review line.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnerReview {
    /// Owner or pool id.
    pub id: String,
    /// Capacity; `None` is unlimited.
    pub capacity: Option<f64>,
    /// Why the owner takes nobody today (inactive, away), if so.
    pub unavailable: Option<String>,
    /// At each point, oldest first.
    pub points: Vec<Holding>,
    /// Customers reassigned to this owner in the window.
    pub moved_in: usize,
    /// Customers reassigned away in the window.
    pub moved_out: usize,
    /// Customers held at the start of the window.
    pub held_at_start: usize,
    /// Of those, still held at the end.
    pub kept: usize,
    /// Assignments with no contact for longer than the tier's cadence.
    pub overdue: usize,
}

impl OwnerReview {
    /// Utilisation at point `p`.
    pub fn utilisation(&self, p: usize) -> Option<f64> {
        let cap = self.capacity?;
        let load = self.points.get(p).map_or(0.0, |h| h.load);
        Some(if cap > 0.0 { load / cap } else { f64::INFINITY })
    }
}

/// A customer whose tier changed since it was assigned.
#[derive(Clone, Debug, PartialEq)]
pub struct TierChange {
    /// Customer id.
    pub customer: String,
    /// Owner.
    pub owner: String,
    /// When it was assigned; `None` before the window.
    pub assigned: Option<Date>,
    /// Tier then (at the assignment, or at the start of the window).
    pub then: String,
    /// Tier now.
    pub now: String,
}

/// An assignment with no contact for longer than the tier's cadence.
#[derive(Clone, Debug, PartialEq)]
pub struct Silent {
    /// Customer id.
    pub customer: String,
    /// Owner.
    pub owner: String,
    /// Tier.
    pub tier: String,
    /// Last contact (`contact.last`).
    pub last_contact: Option<Date>,
    /// When it was assigned in the window, if it was.
    pub assigned: Option<Date>,
    /// Days without contact from the owner; `None`: never contacted.
    pub days: Option<i64>,
    /// The tier's maximum interval.
    pub max: u32,
}

/// A customer without an owner.
#[derive(Clone, Debug, PartialEq)]
pub struct Unowned {
    /// Customer id.
    pub customer: String,
    /// Tier.
    pub tier: String,
    /// Why: no owner, or an owner id kehu.toml does not know.
    pub reason: String,
    /// Since when, when that happened in the window.
    pub since: Option<Date>,
}

/// The whole review.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    /// First day of the window.
    pub since: Date,
    /// Last day (`--as-of`).
    pub until: Date,
    /// The points measured: the start (the day before `since`), each month
    /// end in between, and `until`.
    pub days: Vec<Date>,
    /// Tier names, best first.
    pub tiers: Vec<String>,
    /// Fairness over owners with a capacity, per point.
    pub fairness: Vec<Fairness>,
    /// Customers without an owner, per point.
    pub unassigned_count: Vec<usize>,
    /// Owners of kehu.toml, then pools.
    pub owners: Vec<OwnerReview>,
    /// Tier changed since assigned.
    pub tier_changes: Vec<TierChange>,
    /// No contact beyond cadence, longest first.
    pub silent: Vec<Silent>,
    /// Customers without an owner now.
    pub unowned: Vec<Unowned>,
    /// Commits in the window that changed customers.
    pub commits: usize,
}

/// The points of a window: the day before `since`, the month ends inside,
/// and `until`.
pub fn days(since: Date, until: Date) -> Vec<Date> {
    use chrono::{Datelike, Days, Months};
    let start = Date(since.0 - Days::new(1));
    let mut days = vec![start];
    let mut month = since.0.with_day(1).unwrap_or(since.0);
    while let Some(next) = month.checked_add_months(Months::new(1)) {
        let end = next - Days::new(1);
        if end >= until.0 {
            break;
        }
        if end > start.0 {
            days.push(Date(end));
        }
        month = next;
    }
    if until > start {
        days.push(until);
    }
    days
}

fn unavailable(config: &Config, id: &str, as_of: Date) -> Option<String> {
    let owner = config.owners.get(id)?;
    if !owner.active {
        return Some("inactive".to_owned());
    }
    owner
        .away_until
        .filter(|until| *until >= as_of)
        .map(|until| format!("away until {until}"))
}

/// Builds the review from the replay and the book as of `until`.
pub fn review(
    config: &Config,
    customers: &[Customer],
    replay: &Replay<Point>,
    since: Date,
    until: Date,
) -> Review {
    let points: Vec<&Point> = replay.points.iter().map(|(_, p)| p).collect();
    let pools: BTreeSet<&String> = points
        .iter()
        .flat_map(|p| p.owners.keys())
        .filter(|id| !config.owners.contains_key(*id))
        .collect();
    let ids: Vec<&String> = config.owners.keys().chain(pools).collect();
    let mut owners: Vec<OwnerReview> = ids
        .iter()
        .map(|id| OwnerReview {
            id: (*id).clone(),
            capacity: config.owners.get(*id).and_then(|o| o.capacity),
            unavailable: unavailable(config, id, until),
            points: points
                .iter()
                .map(|p| {
                    p.owners.get(*id).cloned().unwrap_or_else(|| Holding {
                        by_tier: vec![0; config.tiers.len().max(1)],
                        ..Holding::default()
                    })
                })
                .collect(),
            moved_in: 0,
            moved_out: 0,
            held_at_start: 0,
            kept: 0,
            overdue: 0,
        })
        .collect();
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    for m in &replay.moves {
        if let Some(&i) = m.to.as_deref().and_then(|id| index.get(id)) {
            owners[i].moved_in += 1;
        }
        if let Some(&i) = m.from.as_deref().and_then(|id| index.get(id)) {
            owners[i].moved_out += 1;
        }
    }
    let now: HashMap<&str, &Customer> = customers.iter().map(|c| (c.id.as_str(), c)).collect();
    for (key, record) in &replay.start {
        let owner = record.owner.as_deref();
        if let Some(&i) = owner.and_then(|id| index.get(id)) {
            owners[i].held_at_start += 1;
            if now.get(key.as_str()).and_then(|c| c.owner.as_deref()) == owner {
                owners[i].kept += 1;
            }
        }
    }

    let default_tier = config.tiers.last().map_or("", |t| t.name.as_str());
    let mut tier_changes = Vec::new();
    let mut silent = Vec::new();
    let mut unowned = Vec::new();
    for customer in customers {
        let tier = customer.grade.tier.as_deref().unwrap_or(default_tier);
        let last = replay.last_move.get(&customer.id);
        let owner = customer.owner.as_deref().filter(|o| index.contains_key(o));
        let Some(owner) = owner else {
            unowned.push(Unowned {
                customer: customer.id.clone(),
                tier: tier.to_owned(),
                reason: match &customer.owner {
                    None => "no owner".to_owned(),
                    Some(id) => format!("{id} is not an owner in kehu.toml"),
                },
                since: last.map(|m| m.day),
            });
            continue;
        };
        let then = match last {
            Some(m) => m.tier.as_deref().unwrap_or(default_tier),
            None => replay
                .start
                .get(&customer.id)
                .and_then(|r| r.tier.as_deref())
                .unwrap_or(default_tier),
        };
        if then != tier {
            tier_changes.push(TierChange {
                customer: customer.id.clone(),
                owner: owner.to_owned(),
                assigned: last.map(|m| m.day),
                then: then.to_owned(),
                now: tier.to_owned(),
            });
        }
        let cadence = config
            .tiers
            .iter()
            .find(|t| t.name == tier)
            .and_then(|t| t.cadence);
        if let Some(cadence) = cadence {
            let from = match (customer.contact.last, last.map(|m| m.day)) {
                (Some(c), Some(a)) => Some(c.max(a)),
                (c, a) => c.or(a),
            };
            let days = from.map(|d| (until.0 - d.0).num_days());
            if days.is_none_or(|d| d > i64::from(cadence.max)) {
                if let Some(&i) = index.get(owner) {
                    owners[i].overdue += 1;
                }
                silent.push(Silent {
                    customer: customer.id.clone(),
                    owner: owner.to_owned(),
                    tier: tier.to_owned(),
                    last_contact: customer.contact.last,
                    assigned: last.map(|m| m.day),
                    days,
                    max: cadence.max,
                });
            }
        }
    }
    silent.sort_by(|a, b| {
        b.days
            .unwrap_or(i64::MAX)
            .cmp(&a.days.unwrap_or(i64::MAX))
            .then_with(|| a.customer.cmp(&b.customer))
    });
    let fairness_at = |p: usize| {
        let utils: Vec<f64> = owners.iter().filter_map(|o| o.utilisation(p)).collect();
        fairness(&utils)
    };
    Review {
        since,
        until,
        days: replay.points.iter().map(|(d, _)| *d).collect(),
        tiers: config.tiers.iter().map(|t| t.name.clone()).collect(),
        fairness: (0..points.len()).map(fairness_at).collect(),
        unassigned_count: points.iter().map(|p| p.unassigned).collect(),
        owners,
        tier_changes,
        silent,
        unowned,
        commits: replay.commits,
    }
}
