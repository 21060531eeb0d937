//! Key figures of one moment of the plan (`metrics.before` / `metrics.after`).

use super::Registered;
use crate::format::SnapshotFile;
use crate::geo::Distances;
use crate::model::Instance;

/// Figures of `reg` at phase `t` (0 = today).
pub fn snapshot(instance: &Instance, d: &Distances, reg: &Registered, t: usize) -> SnapshotFile {
    let mut by_distance: Vec<(f64, u64)> = Vec::new();
    let (mut registered, mut outside, mut metres) = (0u64, 0u64, 0.0);
    for (a, area) in instance.areas.iter().enumerate() {
        for (p, practice) in instance.practices.iter().enumerate() {
            let n = reg.at(a, p);
            if n == 0 {
                continue;
            }
            registered += n;
            if area.district != practice.district {
                outside += n;
            }
            metres += n as f64 * d.walk_m(a, p);
            by_distance.push((d.walk_m(a, p), n));
        }
    }
    by_distance.sort_by(|x, y| x.0.total_cmp(&y.0));
    let p90 = percentile(&by_distance, registered, 0.9);
    let (mut above, mut excess) = (0u64, 0.0);
    for (p, load) in reg.loads(instance).into_iter().enumerate() {
        let over = load - instance.ceiling(p, t);
        if over > 1e-9 {
            above += 1;
            excess += over;
        }
    }
    let share = |k: u64| {
        if registered == 0 {
            0.0
        } else {
            k as f64 / registered as f64
        }
    };
    SnapshotFile {
        residents_without_gp: reg.waiting.iter().sum(),
        registered,
        out_of_district_share: share(outside),
        mean_walk_m: if registered == 0 {
            0.0
        } else {
            metres / registered as f64
        },
        p90_walk_m: p90,
        practices_above_ceiling: above,
        excess_total: excess,
    }
}

/// The smallest distance with at least `q` of the patients at or below it.
fn percentile(sorted: &[(f64, u64)], total: u64, q: f64) -> f64 {
    let needed = (q * total as f64).ceil() as u64;
    let mut seen = 0;
    for &(d, n) in sorted {
        seen += n;
        if seen >= needed.max(1) {
            return d;
        }
    }
    0.0
}
