//! Layered left-to-right graph layout (a small Sugiyama): longest-path layers from the roots
//! (the client first), dummy points for edges that skip layers, and barycentre ordering to
//! reduce crossings. Pure and deterministic: the same graph always gives the same layout.

use std::collections::BTreeMap;

/// A slot in a layer: a node, or a waypoint of a long edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    /// A node, by index.
    Node(usize),
    /// The `k`-th waypoint of edge `e` (index into the edges given).
    Dummy {
        /// Edge index.
        edge: usize,
        /// Waypoint number along the edge, from 0.
        k: usize,
    },
}

/// The layout of a graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Layer of each node.
    pub layer: Vec<usize>,
    /// Slots of each layer, top to bottom.
    pub order: Vec<Vec<Slot>>,
    /// Edges drawn against the flow (they close a cycle) or from a node to itself.
    pub back: Vec<bool>,
}

impl Layout {
    /// Position of a slot: (layer, index within the layer).
    pub fn position(&self, slot: Slot) -> Option<(usize, usize)> {
        self.order
            .iter()
            .enumerate()
            .find_map(|(l, s)| s.iter().position(|x| *x == slot).map(|i| (l, i)))
    }

    /// The most slots in one layer.
    pub fn height(&self) -> usize {
        self.order.iter().map(Vec::len).max().unwrap_or(0)
    }
}

/// Lay out `n` nodes and `edges` (source, target). Nodes are visited in index order after
/// `root`, so callers order nodes by name for a stable result.
pub fn layout(n: usize, edges: &[(usize, usize)], root: Option<usize>) -> Layout {
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (e, &(s, t)) in edges.iter().enumerate() {
        if s < n && t < n {
            out[s].push((t, e));
        }
    }
    for o in &mut out {
        o.sort_unstable();
    }

    // 1. Back edges by depth-first search (iterative), from the root first.
    let mut back = vec![false; edges.len()];
    let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
    let mut discovered = Vec::with_capacity(n);
    let starts = root.into_iter().filter(|r| *r < n).chain(0..n);
    for start in starts {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        discovered.push(start);
        while let Some(top) = stack.last_mut() {
            let v = top.0;
            if let Some(&(t, e)) = out[v].get(top.1) {
                top.1 += 1;
                match state[t] {
                    0 => {
                        state[t] = 1;
                        discovered.push(t);
                        stack.push((t, 0));
                    }
                    1 => back[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    for (e, &(s, t)) in edges.iter().enumerate() {
        if s == t {
            back[e] = true;
        }
    }

    // 2. Longest-path layers over the forward edges (Kahn's order).
    let mut indeg = vec![0usize; n];
    for (e, &(s, t)) in edges.iter().enumerate() {
        if !back[e] && s < n && t < n {
            indeg[t] += 1;
        }
    }
    let mut layer = vec![0usize; n];
    let mut ready: std::collections::BTreeSet<usize> = (0..n).filter(|v| indeg[*v] == 0).collect();
    while let Some(v) = ready.pop_first() {
        for &(t, e) in &out[v] {
            if back[e] {
                continue;
            }
            layer[t] = layer[t].max(layer[v] + 1);
            indeg[t] -= 1;
            if indeg[t] == 0 {
                ready.insert(t);
            }
        }
    }
    let layers = layer.iter().max().map_or(0, |m| m + 1);

    // 3. Slots: nodes in discovery order, then waypoints for edges that skip layers.
    let mut order: Vec<Vec<Slot>> = vec![Vec::new(); layers];
    for &v in &discovered {
        order[layer[v]].push(Slot::Node(v));
    }
    // Each forward edge as a chain of slots, for ordering.
    let mut chains: Vec<Vec<Slot>> = Vec::new();
    for (e, &(s, t)) in edges.iter().enumerate() {
        if back[e] || s >= n || t >= n {
            continue;
        }
        let mut chain = vec![Slot::Node(s)];
        for (k, l) in (layer[s] + 1..layer[t]).enumerate() {
            let d = Slot::Dummy { edge: e, k };
            order[l].push(d);
            chain.push(d);
        }
        chain.push(Slot::Node(t));
        chains.push(chain);
    }
    let mut preds: BTreeMap<Slot, Vec<Slot>> = BTreeMap::new();
    let mut succs: BTreeMap<Slot, Vec<Slot>> = BTreeMap::new();
    for c in &chains {
        for w in c.windows(2) {
            succs.entry(w[0]).or_default().push(w[1]);
            preds.entry(w[1]).or_default().push(w[0]);
        }
    }

    // 4. Barycentre sweeps, keeping the order with the fewest crossings.
    let mut best = order.clone();
    let mut best_cross = crossings(&order, &succs);
    for sweep in 0..8 {
        let down = sweep % 2 == 0;
        let ls: Vec<usize> = if down {
            (1..layers).collect()
        } else {
            (0..layers.saturating_sub(1)).rev().collect()
        };
        for l in ls {
            let refl = if down { l - 1 } else { l + 1 };
            let pos: BTreeMap<Slot, usize> = order[refl]
                .iter()
                .enumerate()
                .map(|(i, s)| (*s, i))
                .collect();
            let nb = if down { &preds } else { &succs };
            let mut keyed: Vec<(f64, usize, Slot)> = order[l]
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let ps: Vec<usize> = nb
                        .get(s)
                        .map(|v| v.iter().filter_map(|x| pos.get(x).copied()).collect())
                        .unwrap_or_default();
                    let key = if ps.is_empty() {
                        i as f64
                    } else {
                        ps.iter().sum::<usize>() as f64 / ps.len() as f64
                    };
                    (key, i, *s)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            order[l] = keyed.into_iter().map(|k| k.2).collect();
        }
        let c = crossings(&order, &succs);
        if c < best_cross {
            best_cross = c;
            best = order.clone();
        }
    }
    Layout {
        layer,
        order: best,
        back,
    }
}

/// Edge crossings between adjacent layers.
fn crossings(order: &[Vec<Slot>], succs: &BTreeMap<Slot, Vec<Slot>>) -> usize {
    let mut total = 0;
    for l in 0..order.len().saturating_sub(1) {
        let pos: BTreeMap<Slot, usize> = order[l + 1]
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, i))
            .collect();
        let mut segs: Vec<(usize, usize)> = Vec::new();
        for (i, s) in order[l].iter().enumerate() {
            for t in succs.get(s).into_iter().flatten() {
                if let Some(&j) = pos.get(t) {
                    segs.push((i, j));
                }
            }
        }
        for a in 0..segs.len() {
            for b in a + 1..segs.len() {
                let (x, y) = (segs[a], segs[b]);
                if (x.0 < y.0 && x.1 > y.1) || (x.0 > y.0 && x.1 < y.1) {
                    total += 1;
                }
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_follow_the_longest_path_from_the_client() {
        // 0 client -> 1 api -> 2 fn -> 3 table; 2 -> 4 fn2 -> 3 table; 0 -> 4 (skips layers).
        let edges = [(0, 1), (1, 2), (2, 3), (2, 4), (4, 3), (0, 4)];
        let l = layout(5, &edges, Some(0));
        assert_eq!(l.layer, vec![0, 1, 2, 4, 3]);
        assert!(l.back.iter().all(|b| !b));
        // The long edge 0 -> 4 has waypoints in layers 1 and 2.
        assert_eq!(
            l.position(Slot::Dummy { edge: 5, k: 0 }).map(|p| p.0),
            Some(1)
        );
        assert_eq!(
            l.position(Slot::Dummy { edge: 5, k: 1 }).map(|p| p.0),
            Some(2)
        );
        assert_eq!(l.height(), 2);
        assert_eq!(l, layout(5, &edges, Some(0)), "deterministic");
    }

    #[test]
    fn cycles_and_self_loops_become_back_edges() {
        let edges = [(0, 1), (1, 2), (2, 1), (2, 2)];
        let l = layout(3, &edges, Some(0));
        assert_eq!(l.back, vec![false, false, true, true]);
        assert_eq!(l.layer, vec![0, 1, 2]);
        // Unreachable nodes and out-of-range edges don't break the layout.
        let l = layout(4, &[(0, 1), (3, 9)], Some(0));
        assert_eq!(l.layer, vec![0, 1, 0, 0]);
    }

    #[test]
    fn ordering_removes_avoidable_crossings() {
        // 0 -> 2, 0 -> 3, 1 -> 4; discovery gives [2, 3, 4] or similar; cross-free exists.
        let edges = [(0, 3), (1, 2), (0, 4), (1, 5)];
        let l = layout(6, &edges, None);
        let succs: BTreeMap<Slot, Vec<Slot>> =
            edges.iter().fold(BTreeMap::new(), |mut m, &(s, t)| {
                m.entry(Slot::Node(s))
                    .or_insert_with(Vec::new)
                    .push(Slot::Node(t));
                m
            });
        assert_eq!(crossings(&l.order, &succs), 0, "{:?}", l.order);
    }
}
