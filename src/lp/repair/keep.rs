//! Choosing which of a phase's rounded placements to keep, as a small integer program.
//!
//! Rounding the LP's flows down can leave a load a fraction above its bound. Where every
//! practice is full (today's loads are the bounds of practices above their ceiling), only
//! exchanges whose care weights balance exactly are integral, and taking back one placement
//! pushes its origin over instead. Which placements to keep is a knapsack over the
//! practices' rows: `keep[m] ∈ 0..=k[m]` per placement, one row per practice
//! (`Σ w·kept in − Σ w·kept out ≤ bound − load before the phase's placements`), the excess
//! above the ceiling priced as in the objective. Its LP is nearly integral and it has one
//! variable per placement, so HiGHS solves it quickly; taking everything back is always
//! feasible, so there is always an answer.
//!
//! Each kept patient is valued by what it changes over the phases left: stay cost at the
//! destination instead of the origin (or instead of waiting, for a registration) and the
//! move itself. The value of making room for later phases is not seen here; the LP's flows
//! that did that are kept when they fit.

use highs::{HighsModelStatus, RowProblem, Sense};

use super::{Phase, Placement, State};

/// The most branch-and-bound nodes per phase: the solve must end the same way on every
/// machine, so it is bounded by work, not by the clock.
const MAX_NODES: i32 = 2_000;

/// Keeps the best subset of `placed` that fits every bound; `None` if HiGHS did not prove
/// an optimum within its node limit (the caller then takes placements back by itself).
pub(super) fn solve(st: &State, ph: &Phase, placed: &[Placement]) -> Option<Vec<u64>> {
    let inst = st.instance;
    let w = inst.policy.weights;
    let phases_left = (inst.phases() - ph.t + 1) as f64;
    let n = inst.practices.len();
    // Loads before the placements: the current loads with every placement taken back.
    let mut before = st.load.clone();
    let mut pb = RowProblem::default();
    let mut rows: Vec<Vec<(highs::Col, f64)>> = vec![Vec::new(); n];
    for pl in placed {
        let d = &st.f.destinations[pl.destination];
        let weight = inst.areas[d.area].care_weight;
        let k = pl.patients as f64;
        let stay_in = st.f.columns[d.joined[0]].cost;
        let cost = match pl.origin {
            Some(i) => {
                // The last remain column carries −W.move (moves telescope); add it back.
                let o = &st.f.origins[i];
                let last = if o.remain.len() == 1 { w.moves } else { 0.0 };
                let stay_out = st.f.columns[o.remain[0]].cost + last;
                (stay_in - stay_out) * phases_left + w.moves
            }
            None => (stay_in - w.waiting) * phases_left,
        };
        let col = pb.add_integer_column(cost, 0.0..=k);
        before[d.practice] -= weight * k;
        rows[d.practice].push((col, weight));
        if let Some(i) = pl.origin {
            let p = st.f.origins[i].practice;
            before[p] += weight * k;
            rows[p].push((col, -weight));
        }
    }
    for (x, terms) in rows.iter_mut().enumerate() {
        if terms.is_empty() {
            continue;
        }
        pb.add_row(..=ph.bound[x] - before[x], terms.iter().copied());
        // Excess above the ceiling: e ≥ before + Σ terms − C.
        let c = inst.ceiling(x, ph.t);
        if ph.bound[x] > c {
            let e = pb.add_column(w.excess * phases_left, 0.0..);
            terms.push((e, -1.0));
            pb.add_row(..=c - before[x], terms.iter().copied());
        }
    }
    let mut model = pb.try_optimise(Sense::Minimise).ok()?;
    model.make_quiet();
    model.try_set_option("threads", 1).ok()?;
    model.try_set_option("random_seed", 0).ok()?;
    model.try_set_option("mip_max_nodes", MAX_NODES).ok()?;
    model.try_set_option("mip_rel_gap", 1e-9).ok()?;
    let solved = model.try_solve().ok()?;
    if solved.status() != HighsModelStatus::Optimal {
        return None;
    }
    let solution = solved.get_solution();
    Some(
        solution.columns()[..]
            .iter()
            .zip(placed)
            .map(|(&v, pl)| (v.round().max(0.0) as u64).min(pl.patients))
            .collect(),
    )
}
