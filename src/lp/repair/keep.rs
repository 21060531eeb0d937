//! Choosing a phase's moves and registrations from the LP's rounded-up flows, as a small
//! integer program.
//!
//! Rounding the LP's flows down loses up to one patient per flow: where the phase's move
//! budget or every practice is full, the LP's fractions add up to whole patients that a
//! floor never places (on a 120-area city that was ~200 residents left waiting per phase).
//! Rounding up overshoots. So the candidates are the LP's flows rounded *up*, and this
//! program keeps the best integer part of each: `keep[m] ∈ 0..=k[m]` per candidate, with
//! every limit of the phase as a row — each practice's load bound (`Σ w·in − Σ w·out ≤
//! bound − load`), its intake and outflow, the phase's move budget, and per area no more
//! registrations than residents waiting — and the excess above the ceiling priced as in the
//! objective. Where every practice is full only exchanges whose care weights balance are
//! integral; this finds them. Keeping nothing is always feasible, so there is an answer
//! whenever HiGHS finds any solution within its node limit.
//!
//! Each kept patient is valued by the LP's reduced cost of the placement over the phases
//! left, with the rows of this phase left to the program (see [`super::prices`]): so the
//! LP's moves that make room for a later phase (ahead of a closure, for a growth) keep their
//! value. Without duals (an LP that stopped early) it is valued by the stay costs it
//! changes and the move itself, and the value of room for later phases is not seen.

use std::time::Instant;

use highs::{RowProblem, Sense};

use super::{Phase, Placement, Prices, State};

/// The most branch-and-bound nodes per phase: the solve must end the same way on every
/// machine, so it is bounded by work, not by the clock. The best solution found within it
/// is used even if not proved optimal.
const MAX_NODES: i32 = 2_000;

/// What keeping one patient of a candidate is worth beyond its price, so that where prices
/// tie (no resource of the phase binds, as when the LP empties a practice ahead of its
/// closure at no cost of its own) the program follows the LP's flow instead of dropping it.
/// Small against every weight that matters (10 m of walk for one phase at the default
/// `walk_km` weight).
const TIE: f64 = 1e-3;

/// How many of each candidate to place (none placed yet); `None` if HiGHS found no
/// solution (the caller then rounds down and takes back by itself).
pub(super) fn choose(
    st: &State,
    ph: &Phase,
    candidates: &[Placement],
    prices: Option<&Prices>,
    deadline: Instant,
) -> Option<Vec<u64>> {
    if candidates.is_empty() {
        return Some(Vec::new());
    }
    let seconds_left = deadline
        .saturating_duration_since(Instant::now())
        .as_secs_f64();
    if seconds_left <= 0.0 {
        return None;
    }
    let inst = st.instance;
    let w = inst.policy.weights;
    let phases_left = (inst.phases() - ph.t + 1) as f64;
    let n = inst.practices.len();
    let mut pb = RowProblem::default();
    let mut load_rows: Vec<Vec<(highs::Col, f64)>> = vec![Vec::new(); n];
    let mut intake_rows: Vec<Vec<(highs::Col, f64)>> = vec![Vec::new(); n];
    let mut outflow_rows: Vec<Vec<(highs::Col, f64)>> = vec![Vec::new(); n];
    let mut registration_rows: Vec<Vec<(highs::Col, f64)>> = vec![Vec::new(); inst.areas.len()];
    let mut budget_row = Vec::with_capacity(candidates.len());
    for pl in candidates {
        let d = &st.f.destinations[pl.destination];
        let weight = inst.areas[d.area].care_weight;
        let stay_in = st.f.columns[d.joined[0]].cost;
        let cost = match prices {
            // The LP's reduced cost of the placement, later phases included (see `prices`).
            Some(prices) => prices.placement(st.f, pl.origin, pl.destination, ph.t) - TIE,
            None => match pl.origin {
                Some(i) => {
                    // The last remain column carries −W.move (moves telescope); add it back.
                    let o = &st.f.origins[i];
                    let last = if o.remain.len() == 1 { w.moves } else { 0.0 };
                    let stay_out = st.f.columns[o.remain[0]].cost + last;
                    (stay_in - stay_out) * phases_left + w.moves
                }
                None => (stay_in - w.waiting) * phases_left,
            },
        };
        let col = pb.add_integer_column(cost, 0.0..=pl.patients as f64);
        load_rows[d.practice].push((col, weight));
        intake_rows[d.practice].push((col, 1.0));
        budget_row.push((col, 1.0));
        match pl.origin {
            Some(i) => {
                let p = st.f.origins[i].practice;
                load_rows[p].push((col, -weight));
                outflow_rows[p].push((col, 1.0));
            }
            None => registration_rows[d.area].push((col, 1.0)),
        }
    }
    for (x, terms) in load_rows.iter_mut().enumerate() {
        if terms.is_empty() {
            continue;
        }
        pb.add_row(..=ph.bound[x] - st.load[x], terms.iter().copied());
        // Excess above the ceiling: e ≥ load + Σ terms − C.
        let c = inst.ceiling(x, ph.t);
        if ph.bound[x] > c {
            // With prices, the later phases' excess is in them (the duals of their load
            // rows); without, this phase's excess is assumed to last.
            let excess_phases = if prices.is_some() { 1.0 } else { phases_left };
            let e = pb.add_column(w.excess * excess_phases, 0.0..);
            terms.push((e, -1.0));
            pb.add_row(..=c - st.load[x], terms.iter().copied());
        }
    }
    let limited = |left: u64| (left != u64::MAX).then_some(left as f64);
    for (x, terms) in intake_rows.into_iter().enumerate() {
        if let (false, Some(left)) = (terms.is_empty(), limited(ph.intake_left[x])) {
            pb.add_row(..=left, terms);
        }
    }
    for (x, terms) in outflow_rows.into_iter().enumerate() {
        if let (false, Some(left)) = (terms.is_empty(), limited(ph.outflow_left[x])) {
            pb.add_row(..=left, terms);
        }
    }
    for (a, terms) in registration_rows.into_iter().enumerate() {
        if !terms.is_empty() {
            pb.add_row(..=st.waiting[a] as f64, terms);
        }
    }
    if let Some(left) = limited(ph.moves_left) {
        pb.add_row(..=left, budget_row);
    }
    let mut model = pb.try_optimise(Sense::Minimise).ok()?;
    model.make_quiet();
    model.try_set_option("threads", 1).ok()?;
    model.try_set_option("random_seed", 0).ok()?;
    model.try_set_option("mip_max_nodes", MAX_NODES).ok()?;
    model.try_set_option("time_limit", seconds_left).ok()?;
    model.try_set_option("mip_rel_gap", 1e-9).ok()?;
    let solved = model.try_solve().ok()?;
    let feasible = super::super::solve::has_feasible_solution(&solved);
    if !feasible {
        return None;
    }
    if std::env::var_os("SPREIDING_TRACE").is_some() {
        eprintln!(
            "    keep program: {:?}, value {:.1}, gap {:.2e}",
            solved.status(),
            solved.objective_value(),
            solved.mip_gap()
        );
    }
    let solution = solved.get_solution();
    Some(
        solution.columns()[..]
            .iter()
            .zip(candidates)
            .map(|(&v, pl)| ((v + 1e-6).floor().max(0.0) as u64).min(pl.patients))
            .collect(),
    )
}
