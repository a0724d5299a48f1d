//! Bounds on the optimum from the flow relaxation, for plans the exact
//! search did not prove: customers free to move are grouped into classes of
//! identical eligibility and weight, and a class may be split across owners
//! (a fractional relaxation), which can only do better than any real plan.
//!
//! - (1) assigned weight ≤ the fixed weight + the maximum flow from classes
//!   (their weight) through eligible owners (only those with room for one
//!   customer of the class) to the sink (each owner's remaining capacity).
//! - (2) kept weight ≤ the fixed kept weight + Σ over owners of the weight
//!   of their current customers that may stay, capped by their remaining
//!   capacity (rounded down to a multiple of those customers' weights' gcd).
//! - (3) for plans that assign the bound of (1): max utilisation ≥ the
//!   lowest `t` at which the flow with each owner capped at `t × capacity`
//!   still carries it (bisection); and a plan whose utilisation `h` is
//!   reached is optimal when no flow with every owner strictly below `h`
//!   carries it. When the plan also keeps the bound of (2), every owner
//!   whose current customers all fit keeps all of them in any such plan,
//!   so those customers are fixed first, which tightens (3).

use std::collections::HashMap;
use std::sync::Arc;

use kehu_analytics::flow::{Network, UNLIMITED};

use crate::problem::Problem;
use crate::solve::{Objective, Ratio, Start};

/// Bisection steps for the utilisation bound.
const STEPS: u32 = 40;

/// What no plan from the same start can beat.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// Upper bound on the assigned weight (milli-units).
    pub assigned: i64,
    /// Upper bound on the kept weight (milli-units).
    pub kept: i64,
    /// Lower bound on the highest utilisation of a plan that assigns
    /// `assigned`; `None` when the plan assigns less (the bound would not
    /// apply to it).
    pub max_utilisation: Option<f64>,
    /// Whether no plan assigning `assigned` (and, when the plan keeps
    /// `kept`, keeping that) has every utilisation below the plan's own, so
    /// that the plan's third term is optimal.
    pub utilisation_met: bool,
}

impl Bounds {
    /// Whether `objective` meets every bound, which proves it optimal.
    pub fn met(&self, objective: &Objective) -> bool {
        objective.assigned == self.assigned && objective.kept == self.kept && self.utilisation_met
    }
}

/// Customers free to move with the same eligibility and weight.
struct Class {
    eligible: Arc<[usize]>,
    weight: i64,
    total: i64,
}

fn classes(problem: &Problem, start: &Start) -> Vec<Class> {
    let mut index: HashMap<(&[usize], i64), usize> = HashMap::new();
    let mut out: Vec<Class> = Vec::new();
    for i in start.free() {
        let item = &problem.items[i];
        let k = *index
            .entry((&item.eligible[..], item.weight))
            .or_insert_with(|| {
                out.push(Class {
                    eligible: item.eligible.clone(),
                    weight: item.weight,
                    total: 0,
                });
                out.len() - 1
            });
        out[k].total += item.weight;
    }
    out
}

/// The maximum flow when slot `s` may take at most `limit(s)` in all
/// (fixed load included; `None` = unlimited).
fn flow(
    problem: &Problem,
    start: &Start,
    classes: &[Class],
    limit: impl Fn(usize) -> Option<i64>,
) -> i64 {
    let slots = problem.slots.len();
    let (source, sink) = (0, 1);
    let mut net = Network::new(2 + slots + classes.len());
    let room: Vec<i64> = (0..slots)
        .map(|s| limit(s).map_or(UNLIMITED, |l| (l - start.load[s]).max(0)))
        .collect();
    for (s, room) in room.iter().enumerate() {
        net.add_arc(2 + s, sink, *room);
    }
    for (k, class) in classes.iter().enumerate() {
        let node = 2 + slots + k;
        net.add_arc(source, node, class.total);
        for &s in class.eligible.iter() {
            if room[s] >= class.weight {
                net.add_arc(node, 2 + s, UNLIMITED);
            }
        }
    }
    net.max_flow(source, sink)
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The three bounds, and whether `objective` meets the third.
pub fn bounds(problem: &Problem, start: &Start, objective: &Objective) -> Bounds {
    let classes = classes(problem, start);
    let capacity = |s: usize| problem.slots[s].capacity;
    let (mut fixed_assigned, mut fixed_kept) = (0, 0);
    for (item, choice) in problem.items.iter().zip(&start.choice) {
        if let Some(s) = *choice {
            fixed_assigned += item.weight;
            if item.valid_current == Some(s) {
                fixed_kept += item.weight;
            }
        }
    }
    let needed = flow(problem, start, &classes, capacity);
    let assigned = fixed_assigned + needed;

    // (2): per owner, its current customers that may stay.
    let mut stay = vec![(0i64, 0i64); problem.slots.len()];
    for i in start.free() {
        let item = &problem.items[i];
        if let Some(s) = item.valid_current {
            stay[s].0 += item.weight;
            stay[s].1 = gcd(stay[s].1, item.weight);
        }
    }
    let kept = fixed_kept
        + stay
            .iter()
            .enumerate()
            .map(|(s, &(total, step))| match capacity(s) {
                Some(cap) if total > 0 => {
                    let room = (cap - start.load[s]).max(0);
                    total.min(room / step * step)
                }
                _ => total,
            })
            .sum::<i64>();

    // (3): only for a plan that assigns the bound of (1).
    if objective.assigned != assigned {
        return Bounds {
            assigned,
            kept,
            max_utilisation: None,
            utilisation_met: false,
        };
    }
    // A plan that also keeps the bound of (2) keeps, on every owner whose
    // current customers all fit, every one of them: fix those too.
    let forced;
    let (start, classes, needed) = if objective.kept == kept {
        let mut more = start.clone();
        let mut forced_weight = 0;
        for i in start.free() {
            let item = &problem.items[i];
            if let Some(s) = item.valid_current
                && capacity(s).is_none_or(|cap| stay[s].0 <= cap - start.load[s])
            {
                more.fixed[i] = true;
                more.choice[i] = Some(s);
                more.load[s] += item.weight;
                forced_weight += item.weight;
            }
        }
        forced = more;
        let classes = self::classes(problem, &forced);
        (&forced, classes, needed - forced_weight)
    } else {
        (start, classes, needed)
    };
    let fixed_max = crate::solve::max_utilisation(problem, &start.load).value();
    let carries = |t: f64| {
        flow(problem, start, &classes, |s| {
            capacity(s).map(|cap| (t * cap as f64).floor() as i64)
        }) >= needed
    };
    let floor = if carries(fixed_max) {
        fixed_max
    } else {
        let (mut low, mut high) = (fixed_max, objective.max_utilisation.value().max(fixed_max));
        for _ in 0..STEPS {
            let mid = (low + high) / 2.0;
            if carries(mid) {
                high = mid;
            } else {
                low = mid;
            }
        }
        low
    };
    // Every slot strictly below h = num/den: load·den < num·cap.
    let h: Ratio = objective.max_utilisation;
    let below = |s: usize| {
        capacity(s).map(|cap| {
            let top = i128::from(h.num) * i128::from(cap) - 1;
            i64::try_from(top.div_euclid(i128::from(h.den))).unwrap_or(i64::MAX)
        })
    };
    let fixed_at_h = (0..problem.slots.len()).any(|s| below(s).is_some_and(|b| start.load[s] > b));
    let utilisation_met = fixed_at_h || flow(problem, start, &classes, below) < needed;
    Bounds {
        assigned,
        kept,
        max_utilisation: Some(floor),
        utilisation_met,
    }
}
