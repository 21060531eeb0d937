//! Walking distances between areas and practices (MODEL.md "Indices and data").
//!
//! Without a footpath graph, the walking distance is the straight line × `detour_factor`:
//! haversine on a sphere of radius [`EARTH_RADIUS_M`] for WGS84, euclidean for RD New.
//! With a graph it is snap(area) + shortest path + snap(practice), see [`graph`].

pub mod graph;

use crate::model::{Instance, Point};

/// Mean earth radius used by the haversine formula, in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// Straight-line distance in metres between two points of the same coordinate system.
///
/// Mixed systems never reach here: validation rejects them.
pub fn straight_m(a: Point, b: Point) -> f64 {
    match (a, b) {
        (Point::Wgs84 { lat: la, lon: lo }, Point::Wgs84 { lat: lb, lon: lob }) => {
            let (p1, p2) = (la.to_radians(), lb.to_radians());
            let dp = p2 - p1;
            let dl = (lob - lo).to_radians();
            let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
            2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
        }
        (Point::Rd { x: xa, y: ya }, Point::Rd { x: xb, y: yb }) => (xa - xb).hypot(ya - yb),
        _ => f64::NAN,
    }
}

/// `d(a,p)` for every area and practice, row-major by area.
#[derive(Debug, Clone, PartialEq)]
pub struct Distances {
    practices: usize,
    walk_m: Vec<f64>,
}

impl Distances {
    /// Walking distance in metres from area `a` to practice `p`.
    pub fn walk_m(&self, a: usize, p: usize) -> f64 {
        self.walk_m[a * self.practices + p]
    }

    /// Computes every distance of `instance`.
    ///
    /// Cost: O(A·P) without a graph; with one, O(P · (E log V)) for one Dijkstra per practice
    /// plus O((A+P)·V) for snapping.
    pub fn compute(instance: &Instance) -> Distances {
        let areas: Vec<Point> = instance.areas.iter().map(|a| a.location).collect();
        let practices: Vec<Point> = instance.practices.iter().map(|p| p.location).collect();
        let detour = instance.policy.detour_factor;
        let walk_m = match &instance.walk_graph {
            Some(g) => graph::distances(g, &areas, &practices, detour),
            None => {
                let mut out = Vec::with_capacity(areas.len() * practices.len());
                for &a in &areas {
                    for &p in &practices {
                        out.push(straight_m(a, p) * detour);
                    }
                }
                out
            }
        };
        Distances {
            practices: practices.len(),
            walk_m,
        }
    }
}
