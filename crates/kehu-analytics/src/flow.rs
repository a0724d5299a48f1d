//! Maximum flow (Dinic's algorithm) on a small integer network: the
//! relaxation `kehu assign` bounds its plans with. Customers are grouped
//! into classes of identical eligibility, so the network has one node per
//! class and per owner (hundreds), whatever the number of customers.
//!
//! Capacities are `i64`; [`UNLIMITED`] stands for "no limit" and is large
//! enough never to bind, small enough never to overflow when summed over a
//! few thousand arcs.

use std::collections::VecDeque;

/// A capacity that never binds.
pub const UNLIMITED: i64 = i64::MAX / (1 << 20);

#[derive(Clone, Debug)]
struct Arc {
    to: usize,
    /// Residual capacity.
    cap: i64,
}

/// A directed network with integer capacities; arcs are added, then
/// [`Network::max_flow`] runs once.
#[derive(Clone, Debug, Default)]
pub struct Network {
    arcs: Vec<Arc>,
    /// Arc indices leaving each node (an arc `2k` is paired with its reverse `2k+1`).
    out: Vec<Vec<usize>>,
}

impl Network {
    /// A network of `nodes` nodes and no arcs.
    pub fn new(nodes: usize) -> Network {
        Network {
            arcs: Vec::new(),
            out: vec![Vec::new(); nodes],
        }
    }

    /// Adds the arc `from → to` of capacity `cap` (negative counts as zero);
    /// returns its id for [`Network::flow`].
    pub fn add_arc(&mut self, from: usize, to: usize, cap: i64) -> usize {
        let id = self.arcs.len();
        self.arcs.push(Arc {
            to,
            cap: cap.max(0),
        });
        self.arcs.push(Arc { to: from, cap: 0 });
        self.out[from].push(id);
        self.out[to].push(id + 1);
        id
    }

    /// The flow on arc `id` after [`Network::max_flow`] (the reverse arc's
    /// residual capacity).
    pub fn flow(&self, id: usize) -> i64 {
        self.arcs[id + 1].cap
    }

    /// Pushes as much flow as possible from `source` to `sink` and returns
    /// its value. O(V²E) in the worst case; a few milliseconds on the
    /// class networks of a 100,000-customer book.
    pub fn max_flow(&mut self, source: usize, sink: usize) -> i64 {
        let nodes = self.out.len();
        let mut total = 0i64;
        let mut level = vec![usize::MAX; nodes];
        let mut next = vec![0usize; nodes];
        loop {
            level.fill(usize::MAX);
            level[source] = 0;
            let mut queue = VecDeque::from([source]);
            while let Some(node) = queue.pop_front() {
                for &a in &self.out[node] {
                    let arc = &self.arcs[a];
                    if arc.cap > 0 && level[arc.to] == usize::MAX {
                        level[arc.to] = level[node] + 1;
                        queue.push_back(arc.to);
                    }
                }
            }
            if level[sink] == usize::MAX {
                return total;
            }
            next.fill(0);
            loop {
                let pushed = self.augment(source, sink, UNLIMITED, &level, &mut next);
                if pushed == 0 {
                    break;
                }
                total += pushed;
            }
        }
    }

    /// One blocking-flow path search (iterative depth-first along levels).
    fn augment(
        &mut self,
        source: usize,
        sink: usize,
        limit: i64,
        level: &[usize],
        next: &mut [usize],
    ) -> i64 {
        // Path of arc ids from the source.
        let mut path: Vec<usize> = Vec::new();
        let mut node = source;
        loop {
            if node == sink {
                let pushed = path.iter().map(|&a| self.arcs[a].cap).fold(limit, i64::min);
                for &a in &path {
                    self.arcs[a].cap -= pushed;
                    self.arcs[a ^ 1].cap += pushed;
                }
                return pushed;
            }
            let mut advanced = false;
            while next[node] < self.out[node].len() {
                let a = self.out[node][next[node]];
                let arc = &self.arcs[a];
                if arc.cap > 0 && level[arc.to] == level[node] + 1 {
                    path.push(a);
                    node = arc.to;
                    advanced = true;
                    break;
                }
                next[node] += 1;
            }
            if !advanced {
                // Dead end: retreat and skip the arc that led here.
                match path.pop() {
                    None => return 0,
                    Some(a) => {
                        node = self.arcs[a ^ 1].to;
                        next[node] += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_network() {
        // s=0, t=5; the classic CLRS example with max flow 23.
        let mut n = Network::new(6);
        for (a, b, c) in [
            (0, 1, 16),
            (0, 2, 13),
            (1, 3, 12),
            (2, 1, 4),
            (2, 4, 14),
            (3, 2, 9),
            (3, 5, 20),
            (4, 3, 7),
            (4, 5, 4),
        ] {
            n.add_arc(a, b, c);
        }
        assert_eq!(n.max_flow(0, 5), 23);
    }

    #[test]
    fn bipartite_flows_are_read_back() {
        let mut n = Network::new(4);
        let s_a = n.add_arc(0, 1, 5);
        let a_b = n.add_arc(1, 2, UNLIMITED);
        n.add_arc(2, 3, 3);
        assert_eq!(n.max_flow(0, 3), 3);
        assert_eq!(n.flow(s_a), 3);
        assert_eq!(n.flow(a_b), 3);
        // Nothing reaches an unconnected sink.
        let mut n = Network::new(3);
        n.add_arc(0, 1, 4);
        assert_eq!(n.max_flow(0, 2), 0);
    }
}
