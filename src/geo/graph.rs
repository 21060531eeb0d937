//! Walking distances over a footpath network with petgraph's Dijkstra.

use petgraph::algo::dijkstra;
use petgraph::graph::{NodeIndex, UnGraph};

use super::straight_m;
use crate::model::{Point, WalkGraph};

/// Index of the node nearest to `at` and the straight-line distance to it (lowest index on ties).
fn snap(nodes: &[Point], at: Point) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &n) in nodes.iter().enumerate() {
        let d = straight_m(at, n);
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((i, d));
        }
    }
    best
}

/// Row-major area × practice walking distances: snap(area) + shortest path + snap(practice),
/// or straight line × `detour` where the graph has no nodes or no path joins the two snaps.
///
/// One Dijkstra per practice that has a snap node: O(P · E log V).
pub fn distances(graph: &WalkGraph, areas: &[Point], practices: &[Point], detour: f64) -> Vec<f64> {
    let mut g: UnGraph<(), f64> = UnGraph::with_capacity(graph.nodes.len(), graph.edges.len());
    for _ in &graph.nodes {
        g.add_node(());
    }
    for &(from, to, len) in &graph.edges {
        g.add_edge(NodeIndex::new(from), NodeIndex::new(to), len);
    }
    let area_snaps: Vec<Option<(usize, f64)>> =
        areas.iter().map(|&a| snap(&graph.nodes, a)).collect();
    let mut out = vec![0.0; areas.len() * practices.len()];
    for (p, &pp) in practices.iter().enumerate() {
        let practice_snap = snap(&graph.nodes, pp);
        let shortest = practice_snap.map(|(node, _)| {
            let mut dist = vec![f64::INFINITY; graph.nodes.len()];
            for (n, d) in dijkstra(&g, NodeIndex::new(node), None, |e| *e.weight()) {
                dist[n.index()] = d;
            }
            dist
        });
        for (a, &pa) in areas.iter().enumerate() {
            let via_graph = match (area_snaps[a], practice_snap, &shortest) {
                (Some((na, sa)), Some((_, sp)), Some(dist)) if dist[na].is_finite() => {
                    Some(sa + dist[na] + sp)
                }
                _ => None,
            };
            out[a * practices.len() + p] = via_graph.unwrap_or_else(|| straight_m(pa, pp) * detour);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rd(x: f64, y: f64) -> Point {
        Point::Rd { x, y }
    }

    #[test]
    fn path_goes_around_through_the_graph() {
        // A square path 0-1-2 where the direct line is 100 m but the path is 300 m.
        let graph = WalkGraph {
            nodes: vec![
                rd(0.0, 0.0),
                rd(0.0, 100.0),
                rd(100.0, 100.0),
                rd(100.0, 0.0),
            ],
            edges: vec![(0, 1, 100.0), (1, 2, 100.0), (2, 3, 100.0)],
        };
        let d = distances(&graph, &[rd(0.0, -10.0)], &[rd(100.0, -10.0)], 1.3);
        assert_eq!(d, vec![10.0 + 300.0 + 10.0]);
    }

    #[test]
    fn disconnected_snaps_fall_back_to_the_detour_line() {
        let graph = WalkGraph {
            nodes: vec![rd(0.0, 0.0), rd(100.0, 0.0)],
            edges: vec![],
        };
        let d = distances(&graph, &[rd(0.0, 0.0)], &[rd(100.0, 0.0)], 1.5);
        assert_eq!(d, vec![150.0]);
    }
}
