//! The plan: the solver's choice turned into moves, the customers left
//! unassigned with their reason, per-owner loads before and after, and
//! fairness figures.

use crate::bound::Bounds;
use crate::problem::{Problem, SCALE};
use crate::solve::{Method, Ratio, Solution};

/// What happens to one customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Stays with its current owner.
    Kept,
    /// `owner` pinned by hand: never touched.
    Pinned,
    /// Gets an owner, or a different one.
    Moved,
    /// Cannot be assigned.
    Unassigned,
}

impl Status {
    /// Lowercase name for CSV and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Kept => "kept",
            Status::Pinned => "pinned",
            Status::Moved => "moved",
            Status::Unassigned => "unassigned",
        }
    }
}

/// One customer's line of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Customer id.
    pub customer: String,
    /// Tier name.
    pub tier: String,
    /// Tier weight.
    pub weight: f64,
    /// Stored owner.
    pub from: Option<String>,
    /// Planned owner.
    pub to: Option<String>,
    /// What happens.
    pub status: Status,
    /// Why.
    pub reason: String,
}

/// One owner's figures, before (stored owners) and after the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnerRow {
    /// Owner or pool id.
    pub id: String,
    /// Customers per tier before the plan (stored owners), in tier order.
    pub by_tier_before: Vec<usize>,
    /// Customers per tier after the plan, in tier order.
    pub by_tier: Vec<usize>,
    /// Weighted load before.
    pub load_before: f64,
    /// Weighted load after.
    pub load_after: f64,
    /// Capacity; `None` is unlimited.
    pub capacity: Option<f64>,
    /// Utilisation before (when there is a capacity).
    pub util_before: Option<f64>,
    /// Utilisation after.
    pub util_after: Option<f64>,
    /// Revenue (12 months) of the customers before the plan.
    pub revenue_before: f64,
    /// Revenue (12 months) of the customers after the plan.
    pub revenue: f64,
}

/// Max, mean and Gini of utilisation over owners with a capacity.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Fairness {
    /// Highest utilisation.
    pub max: f64,
    /// Mean utilisation.
    pub mean: f64,
    /// Gini coefficient of utilisation (0 = perfectly even).
    pub gini: f64,
}

/// Everything the renderers print.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Every customer, in id order.
    pub lines: Vec<Line>,
    /// Every owner then pool.
    pub owners: Vec<OwnerRow>,
    /// Tier names, best first.
    pub tiers: Vec<String>,
    /// Fairness before and after.
    pub fairness: (Fairness, Fairness),
    /// Objective: assigned weight, total weight, kept weight, max utilisation.
    pub assigned_weight: f64,
    /// Weight of every customer.
    pub total_weight: f64,
    /// Weight kept with the valid current owner.
    pub kept_weight: f64,
    /// The objective's third term.
    pub max_utilisation: f64,
    /// The solver whose plan this is.
    pub method: Method,
    /// Nodes the exact solver visited.
    pub nodes: u64,
    /// Whether optimality is proven.
    pub proven: bool,
    /// The relaxation's bounds, when they were computed.
    pub bounds: Option<Bounds>,
    /// `--rebalance`.
    pub rebalance: bool,
}

impl Plan {
    /// Builds the plan from the solution.
    pub fn new(problem: &Problem, solution: &Solution, rebalance: bool) -> Plan {
        let slots = problem.slots.len();
        let mut before = vec![0i64; slots];
        let mut after = vec![0i64; slots];
        let mut by_tier = vec![vec![0usize; problem.tiers.len()]; slots];
        let mut by_tier_before = by_tier.clone();
        let mut revenue = vec![0f64; slots];
        let mut revenue_before = revenue.clone();
        let mut lines = Vec::with_capacity(problem.items.len());
        for (item, choice) in problem.items.iter().zip(&solution.choice) {
            if let Some(s) = item.current_slot {
                before[s] += item.weight;
                by_tier_before[s][item.tier_index] += 1;
                revenue_before[s] += item.revenue;
            }
            if let Some(s) = *choice {
                after[s] += item.weight;
                by_tier[s][item.tier_index] += 1;
                revenue[s] += item.revenue;
            }
            let to = choice.map(|s| problem.slots[s].id.clone());
            let (status, reason) = if item.pinned {
                (Status::Pinned, "owner pinned by hand".to_owned())
            } else if choice.is_none() {
                let reason = if item.eligible.is_empty() {
                    "no eligible owner".to_owned()
                } else {
                    let names: Vec<&str> = item
                        .eligible
                        .iter()
                        .map(|s| problem.slots[*s].id.as_str())
                        .collect();
                    format!("all eligible owners full ({})", names.join(", "))
                };
                (Status::Unassigned, reason)
            } else if to == item.current {
                (Status::Kept, "current owner, eligible".to_owned())
            } else {
                let reason = match (&item.current, &item.invalid_reason) {
                    (None, _) => "had no owner".to_owned(),
                    (Some(_), Some(why)) => why.clone(),
                    (Some(from), None) if rebalance => {
                        format!("rebalance: away from {from} to lower the highest utilisation")
                    }
                    (Some(from), None) => format!("{from} is over capacity"),
                };
                (Status::Moved, reason)
            };
            lines.push(Line {
                customer: item.id.clone(),
                tier: item.tier.clone(),
                weight: item.weight as f64 / SCALE,
                from: item.current.clone(),
                to,
                status,
                reason,
            });
        }
        let owners: Vec<OwnerRow> = problem
            .slots
            .iter()
            .enumerate()
            .map(|(s, slot)| OwnerRow {
                id: slot.id.clone(),
                by_tier_before: by_tier_before[s].clone(),
                by_tier: by_tier[s].clone(),
                load_before: before[s] as f64 / SCALE,
                load_after: after[s] as f64 / SCALE,
                capacity: slot.capacity.map(|c| c as f64 / SCALE),
                util_before: slot.capacity.map(|c| Ratio::new(before[s], c).value()),
                util_after: slot.capacity.map(|c| Ratio::new(after[s], c).value()),
                revenue_before: revenue_before[s],
                revenue: revenue[s],
            })
            .collect();
        let fairness = |pick: fn(&OwnerRow) -> Option<f64>| {
            fairness(&owners.iter().filter_map(pick).collect::<Vec<_>>())
        };
        let total: i64 = problem.items.iter().map(|i| i.weight).sum();
        Plan {
            fairness: (fairness(|o| o.util_before), fairness(|o| o.util_after)),
            owners,
            lines,
            tiers: problem.tiers.clone(),
            assigned_weight: solution.objective.assigned as f64 / SCALE,
            total_weight: total as f64 / SCALE,
            kept_weight: solution.objective.kept as f64 / SCALE,
            max_utilisation: solution.objective.max_utilisation.value(),
            method: solution.method,
            nodes: solution.nodes,
            proven: solution.proven,
            bounds: solution.bounds,
            rebalance,
        }
    }

    /// Customers that cannot be assigned.
    pub fn unassigned(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.status == Status::Unassigned)
    }

    /// Customers that get a (new) owner.
    pub fn moves(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.status == Status::Moved)
    }
}

/// Max, mean and Gini of `values`.
pub fn fairness(values: &[f64]) -> Fairness {
    if values.is_empty() {
        return Fairness::default();
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let max = values.iter().copied().fold(0.0, f64::max);
    let mut diff = 0.0;
    for a in values {
        for b in values {
            diff += (a - b).abs();
        }
    }
    let gini = if mean > 0.0 {
        diff / (2.0 * n * n * mean)
    } else {
        0.0
    };
    Fairness { max, mean, gini }
}

/// A weight for people, without trailing zeros.
pub fn number(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_of_even_and_uneven() {
        assert_eq!(fairness(&[0.5, 0.5]).gini, 0.0);
        let f = fairness(&[0.0, 1.0]);
        assert!((f.gini - 0.5).abs() < 1e-12);
        assert_eq!(f.max, 1.0);
        assert_eq!(f.mean, 0.5);
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(8.0), "8");
    }
}
