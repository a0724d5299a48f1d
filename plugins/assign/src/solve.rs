//! The objective, the start every solver shares, and the choice of solver.
//!
//! The objective is lexicographic and compared exactly in integers:
//! (1) assigned weight, maximised; (2) kept weight, maximised; (3) the
//! highest utilisation over slots with a capacity, minimised as a
//! fraction.
//!
//! Up to [`EXACT_ITEMS`] customers free to move, the exact branch and bound
//! (`exact`) runs first; when it proves its plan optimal within
//! [`NODE_LIMIT`] nodes, that plan is the answer. Otherwise (a large book,
//! or a search too long) the greedy + local search solver (`greedy`) runs
//! too, the better plan wins, and the flow relaxation (`bound`) says how far
//! from optimal it can be: each term's bound and gap are printed, and a plan
//! that meets all three bounds is proven optimal all the same.

use std::cmp::Ordering;

use crate::bound::{self, Bounds};
use crate::problem::Problem;
use crate::{exact, greedy};

/// The most customers free to move for which the exact search runs.
pub const EXACT_ITEMS: usize = 2_000;

/// Search nodes before the exact search stops with the best plan so far.
pub const NODE_LIMIT: u64 = 1_000_000;

/// A utilisation `num / den`, compared exactly (as a fraction: 1/1 == 3/3).
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    /// Load in milli-units.
    pub num: i64,
    /// Capacity in milli-units (≥ 1).
    pub den: i64,
}

impl Ratio {
    /// The zero utilisation.
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };

    /// `load / capacity`; a zero capacity counts as one milli-unit.
    pub fn new(load: i64, capacity: i64) -> Ratio {
        Ratio {
            num: load,
            den: capacity.max(1),
        }
    }

    /// As a float, for display.
    pub fn value(self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Ratio) -> Ordering {
        (i128::from(self.num) * i128::from(other.den))
            .cmp(&(i128::from(other.num) * i128::from(self.den)))
    }
}

impl PartialEq for Ratio {
    fn eq(&self, other: &Ratio) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ratio {}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Ratio) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The objective's three terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Objective {
    /// Weight of assigned customers (milli-units).
    pub assigned: i64,
    /// Weight of customers kept with their valid current owner (milli-units).
    pub kept: i64,
    /// Highest utilisation over slots with a capacity.
    pub max_utilisation: Ratio,
}

impl Objective {
    /// Whether `self` is strictly better than `other`.
    pub fn better_than(&self, other: &Objective) -> bool {
        self.assigned
            .cmp(&other.assigned)
            .then(self.kept.cmp(&other.kept))
            .then(other.max_utilisation.cmp(&self.max_utilisation))
            == Ordering::Greater
    }
}

/// Which solver produced the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Branch and bound over every customer free to move.
    Exact,
    /// Greedy placement by classes, then local search (repair, balance).
    Greedy,
}

impl Method {
    /// Its name in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Exact => "exact branch and bound",
            Method::Greedy => "greedy + local search",
        }
    }
}

/// The solver's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    /// Slot per item (same order as `Problem::items`); `None` = unassigned.
    pub choice: Vec<Option<usize>>,
    /// Objective of `choice`.
    pub objective: Objective,
    /// The solver whose plan this is.
    pub method: Method,
    /// Search nodes the exact solver visited (0 when it did not run).
    pub nodes: u64,
    /// Whether `choice` is proven optimal: the exact search finished, or
    /// the plan meets the relaxation's bounds.
    pub proven: bool,
    /// The relaxation's bounds (`None` when the exact search proved the
    /// plan optimal and they were not needed).
    pub bounds: Option<Bounds>,
}

/// What every solver starts from: pinned customers on their stored owner
/// and, without `--rebalance`, each valid relationship whose owner's
/// current customers fit its capacity. `fixed` customers never move.
#[derive(Clone, Debug, PartialEq)]
pub struct Start {
    /// Load per slot of the fixed customers (milli-units).
    pub load: Vec<i64>,
    /// Slot per item; set for fixed items only.
    pub choice: Vec<Option<usize>>,
    /// Whether the item is fixed.
    pub fixed: Vec<bool>,
}

impl Start {
    /// Fixes what `rebalance` says may not move.
    pub fn new(problem: &Problem, rebalance: bool) -> Start {
        let mut load = vec![0i64; problem.slots.len()];
        let mut choice: Vec<Option<usize>> = vec![None; problem.items.len()];
        let mut fixed = vec![false; problem.items.len()];
        // Pinned owners stay, whatever their capacity says.
        for (i, item) in problem.items.iter().enumerate() {
            if item.pinned {
                fixed[i] = true;
                if let Some(slot) = item.current_slot {
                    choice[i] = Some(slot);
                    load[slot] += item.weight;
                }
            }
        }
        // Without --rebalance, valid relationships stay while the owner's
        // current customers fit its capacity.
        if !rebalance {
            let mut current = load.clone();
            for (i, item) in problem.items.iter().enumerate() {
                if let (false, Some(slot)) = (fixed[i], item.valid_current) {
                    current[slot] += item.weight;
                }
            }
            for (i, item) in problem.items.iter().enumerate() {
                if let (false, Some(slot)) = (fixed[i], item.valid_current)
                    && problem.slots[slot]
                        .capacity
                        .is_none_or(|cap| current[slot] <= cap)
                {
                    fixed[i] = true;
                    choice[i] = Some(slot);
                    load[slot] += item.weight;
                }
            }
        }
        Start {
            load,
            choice,
            fixed,
        }
    }

    /// Items free to move.
    pub fn free(&self) -> impl Iterator<Item = usize> + '_ {
        self.fixed
            .iter()
            .enumerate()
            .filter(|(_, f)| !**f)
            .map(|(i, _)| i)
    }
}

/// The objective of a complete choice.
pub fn objective_of(problem: &Problem, choice: &[Option<usize>]) -> Objective {
    let mut load = vec![0i64; problem.slots.len()];
    let (mut assigned, mut kept) = (0, 0);
    for (item, choice) in problem.items.iter().zip(choice) {
        if let Some(s) = *choice {
            load[s] += item.weight;
            assigned += item.weight;
            if item.valid_current == Some(s) {
                kept += item.weight;
            }
        }
    }
    Objective {
        assigned,
        kept,
        max_utilisation: max_utilisation(problem, &load),
    }
}

/// Solves `problem`; `rebalance` frees customers with a valid current owner.
pub fn solve(problem: &Problem, rebalance: bool) -> Solution {
    let start = Start::new(problem, rebalance);
    let free = start.free().count();
    let mut best = None;
    if free <= EXACT_ITEMS {
        let exact = exact::solve(problem, &start, NODE_LIMIT);
        if exact.proven {
            return exact;
        }
        best = Some(exact);
    }
    let greedy = greedy::solve(problem, &start);
    let mut best = match best {
        Some(exact) if !greedy.objective.better_than(&exact.objective) => exact,
        _ => greedy,
    };
    let bounds = bound::bounds(problem, &start, &best.objective);
    best.proven = bounds.met(&best.objective);
    best.bounds = Some(bounds);
    best
}

/// The highest utilisation over slots with a capacity.
pub fn max_utilisation(problem: &Problem, load: &[i64]) -> Ratio {
    problem
        .slots
        .iter()
        .zip(load)
        .filter_map(|(slot, load)| slot.capacity.map(|cap| Ratio::new(*load, cap)))
        .max()
        .unwrap_or(Ratio::ZERO)
}
