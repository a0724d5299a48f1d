//! The solver for books too large for the exact search: greedy placement in
//! the objective's order, then local search. Deterministic (fixed orders,
//! ties by slot then customer position), O(customers × eligible owners) for
//! the placement; the local search moves one customer at a time.
//!
//! 1. Keep: customers free to move stay with their valid current owner,
//!    heaviest first, while it has room.
//! 2. Place: the rest, heaviest first and the most restricted (fewest
//!    eligible owners) first, each on the eligible owner with room whose
//!    utilisation after the move is lowest (pools and owners without a
//!    capacity count as 0).
//! 3. Repair: for a customer left over, make room at an eligible owner by
//!    moving customers that were not kept there to other owners with room.
//! 4. Balance: while the most utilised owner has a customer it did not keep
//!    that another eligible owner can take and stay below the current
//!    maximum, move the one that leaves the receiving owner lowest.

use crate::problem::Problem;
use crate::solve::{Method, Ratio, Solution, Start, objective_of};

/// Local search moves before the balance step stops.
const MOVE_LIMIT: usize = 200_000;

struct State<'p> {
    problem: &'p Problem,
    load: Vec<i64>,
    choice: Vec<Option<usize>>,
    /// Items on each slot that may move (not fixed).
    members: Vec<Vec<usize>>,
}

impl State<'_> {
    fn room(&self, s: usize, weight: i64) -> bool {
        self.problem.slots[s]
            .capacity
            .is_none_or(|cap| self.load[s] + weight <= cap)
    }

    fn util_with(&self, s: usize, weight: i64) -> Ratio {
        self.problem.slots[s]
            .capacity
            .map_or(Ratio::ZERO, |cap| Ratio::new(self.load[s] + weight, cap))
    }

    fn util(&self, s: usize) -> Ratio {
        self.util_with(s, 0)
    }

    fn put(&mut self, i: usize, s: usize) {
        self.load[s] += self.problem.items[i].weight;
        self.choice[i] = Some(s);
        self.members[s].push(i);
    }

    fn take(&mut self, i: usize) {
        if let Some(s) = self.choice[i].take() {
            self.load[s] -= self.problem.items[i].weight;
            if let Some(pos) = self.members[s].iter().position(|&m| m == i) {
                self.members[s].remove(pos);
            }
        }
    }

    /// Whether item `i` sits with its valid current owner.
    fn kept(&self, i: usize) -> bool {
        self.choice[i].is_some() && self.choice[i] == self.problem.items[i].valid_current
    }

    /// The eligible slot other than `except` with room for `i` whose
    /// utilisation after taking it is lowest, if it is below `under`.
    fn best_slot(&self, i: usize, except: Option<usize>, under: Option<Ratio>) -> Option<usize> {
        let item = &self.problem.items[i];
        item.eligible
            .iter()
            .copied()
            .filter(|&s| Some(s) != except && self.room(s, item.weight))
            .map(|s| (self.util_with(s, item.weight), s))
            .filter(|(u, _)| under.is_none_or(|limit| *u < limit))
            .min()
            .map(|(_, s)| s)
    }

    /// Tries to fit item `u` on slot `s` by moving items not kept there to
    /// other slots with room; undoes everything when it cannot.
    fn make_room(&mut self, u: usize, s: usize) -> bool {
        let weight = self.problem.items[u].weight;
        let Some(cap) = self.problem.slots[s].capacity else {
            return false;
        };
        let mut moved: Vec<(usize, usize)> = Vec::new();
        let mut candidates: Vec<usize> = self.members[s]
            .iter()
            .copied()
            .filter(|&i| !self.kept(i))
            .collect();
        candidates.sort_by_key(|&i| (std::cmp::Reverse(self.problem.items[i].weight), i));
        for i in candidates {
            if self.load[s] + weight <= cap {
                break;
            }
            if let Some(target) = self.best_slot(i, Some(s), None) {
                self.take(i);
                self.put(i, target);
                moved.push((i, s));
            }
        }
        if self.load[s] + weight <= cap {
            self.put(u, s);
            return true;
        }
        for (i, from) in moved.into_iter().rev() {
            self.take(i);
            self.put(i, from);
        }
        false
    }

    /// Moves one customer off the most utilised slot; false when none can go.
    fn balance_step(&mut self) -> bool {
        let Some((top_util, top)) = (0..self.problem.slots.len())
            .filter(|&s| self.problem.slots[s].capacity.is_some())
            .map(|s| (self.util(s), s))
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        else {
            return false;
        };
        if top_util == Ratio::ZERO {
            return false;
        }
        let mut tried: Vec<(&[usize], i64)> = Vec::new();
        let mut best: Option<(Ratio, usize, usize)> = None;
        for &i in &self.members[top] {
            let item = &self.problem.items[i];
            if self.kept(i) || tried.contains(&(&item.eligible[..], item.weight)) {
                continue;
            }
            tried.push((&item.eligible[..], item.weight));
            if let Some(target) = self.best_slot(i, Some(top), Some(top_util)) {
                let after = self.util_with(target, item.weight);
                if best.is_none_or(|(u, _, _)| after < u) {
                    best = Some((after, i, target));
                }
            }
        }
        match best {
            Some((_, i, target)) => {
                self.take(i);
                self.put(i, target);
                true
            }
            None => false,
        }
    }
}

/// The greedy + local search plan from `start`.
pub fn solve(problem: &Problem, start: &Start) -> Solution {
    let mut state = State {
        problem,
        load: start.load.clone(),
        choice: start.choice.clone(),
        members: vec![Vec::new(); problem.slots.len()],
    };
    let mut free: Vec<usize> = start.free().collect();
    free.sort_by(|&a, &b| {
        let (x, y) = (&problem.items[a], &problem.items[b]);
        y.weight
            .cmp(&x.weight)
            .then(x.eligible.len().cmp(&y.eligible.len()))
            .then(a.cmp(&b))
    });
    for &i in &free {
        let item = &problem.items[i];
        if let Some(s) = item.valid_current
            && state.room(s, item.weight)
        {
            state.put(i, s);
        }
    }
    for &i in &free {
        if state.choice[i].is_none()
            && let Some(s) = state.best_slot(i, None, None)
        {
            state.put(i, s);
        }
    }
    for &i in &free {
        if state.choice[i].is_none() {
            let eligible = problem.items[i].eligible.clone();
            for &s in eligible.iter() {
                if state.make_room(i, s) {
                    break;
                }
            }
        }
    }
    let mut moves = 0;
    while moves < MOVE_LIMIT && state.balance_step() {
        moves += 1;
    }
    Solution {
        objective: objective_of(problem, &state.choice),
        choice: state.choice,
        method: Method::Greedy,
        nodes: 0,
        proven: false,
        bounds: None,
    }
}
