//! The exact solver: branch and bound over the customers that may move,
//! ordered so customers with identical eligibility (a class) are adjacent
//! and take owners in non-decreasing order (no symmetric duplicates). The
//! first optimum found in the fixed search order wins, so ties are
//! deterministic.

use crate::problem::Problem;
use crate::solve::{Method, Objective, Ratio, Solution, Start, max_utilisation};

/// Searches every plan from `start`, up to `node_limit` nodes.
pub fn solve(problem: &Problem, start: &Start, node_limit: u64) -> Solution {
    let load = start.load.clone();
    let choice = start.choice.clone();
    let fixed = &start.fixed;
    let mut free: Vec<usize> = (0..problem.items.len()).filter(|i| !fixed[*i]).collect();
    free.sort_by(|a, b| {
        let (x, y) = (&problem.items[*a], &problem.items[*b]);
        y.weight
            .cmp(&x.weight)
            .then_with(|| x.eligible.cmp(&y.eligible))
            .then_with(|| x.valid_current.cmp(&y.valid_current))
            .then_with(|| x.tier_index.cmp(&y.tier_index))
            .then_with(|| x.id.cmp(&y.id))
    });
    let mut assigned = 0;
    let mut kept = 0;
    for (i, item) in problem.items.iter().enumerate() {
        if let Some(slot) = choice[i] {
            assigned += item.weight;
            if item.valid_current == Some(slot) {
                kept += item.weight;
            }
        }
    }
    // Suffix bounds: weight that could still be assigned / kept.
    let mut rest_assign = vec![0i64; free.len() + 1];
    let mut rest_keep = vec![0i64; free.len() + 1];
    // Per slot, the weight of remaining customers that fit and would stay
    // with their valid current owner: when the first two terms can only tie
    // the best plan, all of them must stay, which bounds the third term.
    let mut forced = vec![0i64; problem.slots.len()];
    let mut forced_item = vec![None; free.len()];
    for (k, &i) in free.iter().enumerate().rev() {
        let item = &problem.items[i];
        let fits = item.eligible.iter().any(|&s| {
            problem.slots[s]
                .capacity
                .is_none_or(|cap| load[s] + item.weight <= cap)
        });
        rest_assign[k] = rest_assign[k + 1] + if fits { item.weight } else { 0 };
        rest_keep[k] = rest_keep[k + 1]
            + if fits && item.valid_current.is_some() {
                item.weight
            } else {
                0
            };
        if let (true, Some(slot)) = (fits, item.valid_current) {
            forced[slot] += item.weight;
            forced_item[k] = Some(slot);
        }
    }
    let mut search = Search {
        problem,
        free: &free,
        rest_assign,
        rest_keep,
        forced,
        forced_item,
        load,
        choice: choice.clone(),
        best: None,
        nodes: 0,
        stopped: false,
        node_limit,
    };
    search.descend(0, assigned, kept, 0);
    let (objective, best) = match search.best.take() {
        Some(best) => best,
        None => {
            let objective = Objective {
                assigned,
                kept,
                max_utilisation: max_utilisation(problem, &search.load),
            };
            (objective, choice)
        }
    };
    Solution {
        choice: best,
        objective,
        method: Method::Exact,
        nodes: search.nodes,
        proven: !search.stopped,
        bounds: None,
    }
}

struct Search<'p> {
    problem: &'p Problem,
    free: &'p [usize],
    rest_assign: Vec<i64>,
    rest_keep: Vec<i64>,
    forced: Vec<i64>,
    forced_item: Vec<Option<usize>>,
    load: Vec<i64>,
    choice: Vec<Option<usize>>,
    best: Option<(Objective, Vec<Option<usize>>)>,
    nodes: u64,
    stopped: bool,
    node_limit: u64,
}

impl Search<'_> {
    /// Tries every option for free item `k` and onwards; `floor` is the
    /// lowest option index allowed (class symmetry).
    fn descend(&mut self, k: usize, assigned: i64, kept: i64, floor: usize) {
        self.nodes += 1;
        if self.nodes > self.node_limit {
            self.stopped = true;
            return;
        }
        let current_max = max_utilisation(self.problem, &self.load);
        if let Some((best, _)) = &self.best {
            let mut bound = Objective {
                assigned: assigned + self.rest_assign[k],
                kept: kept + self.rest_keep[k],
                max_utilisation: current_max,
            };
            if bound.assigned == best.assigned && bound.kept == best.kept {
                bound.max_utilisation = self
                    .problem
                    .slots
                    .iter()
                    .enumerate()
                    .filter_map(|(s, slot)| {
                        slot.capacity
                            .map(|cap| Ratio::new(self.load[s] + self.forced[s], cap))
                    })
                    .max()
                    .unwrap_or(Ratio::ZERO);
            }
            if !bound.better_than(best) {
                return;
            }
        }
        let Some(&i) = self.free.get(k) else {
            let objective = Objective {
                assigned,
                kept,
                max_utilisation: current_max,
            };
            self.best = Some((objective, self.choice.clone()));
            return;
        };
        let problem = self.problem;
        let item = &problem.items[i];
        let same_class = |j: usize| {
            let other = &problem.items[j];
            other.weight == item.weight
                && other.eligible == item.eligible
                && other.valid_current == item.valid_current
                && other.tier_index == item.tier_index
        };
        let floor = match k.checked_sub(1).map(|p| self.free[p]) {
            Some(prev) if same_class(prev) => floor,
            _ => 0,
        };
        // Options: eligible positions that fit, current owner first, then by
        // utilisation after the move, then by position; unassigned last.
        let mut options: Vec<(usize, usize)> = item
            .eligible
            .iter()
            .enumerate()
            .filter(|(pos, _)| *pos >= floor)
            .filter(|(_, s)| {
                problem.slots[**s]
                    .capacity
                    .is_none_or(|cap| self.load[**s] + item.weight <= cap)
            })
            .map(|(pos, s)| (pos, *s))
            .collect();
        options.sort_by(|a, b| {
            let util = |s: usize| {
                problem.slots[s].capacity.map_or(Ratio::ZERO, |cap| {
                    Ratio::new(self.load[s] + item.weight, cap)
                })
            };
            (Some(b.1) == item.valid_current)
                .cmp(&(Some(a.1) == item.valid_current))
                .then_with(|| util(a.1).cmp(&util(b.1)))
                .then(a.0.cmp(&b.0))
        });
        let forced_slot = self.forced_item[k];
        if let Some(s) = forced_slot {
            self.forced[s] -= item.weight;
        }
        for (pos, slot) in options {
            let keep = if item.valid_current == Some(slot) {
                item.weight
            } else {
                0
            };
            self.load[slot] += item.weight;
            self.choice[i] = Some(slot);
            self.descend(k + 1, assigned + item.weight, kept + keep, pos);
            self.load[slot] -= item.weight;
            self.choice[i] = None;
            if self.stopped {
                break;
            }
        }
        if !self.stopped {
            self.descend(k + 1, assigned, kept, item.eligible.len());
        }
        if let Some(s) = forced_slot {
            self.forced[s] += item.weight;
        }
    }
}
