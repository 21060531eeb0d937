//! What the LP says a placement is worth, counting the phases after the one being rounded.
//!
//! The keep program and the chains decide one phase at a time. Valued only by the stay
//! costs a placement changes, they drop the LP's moves that prepare later phases (emptying
//! a practice before it closes, so that its patients need no registration in the closing
//! phase, where intake and moves are scarce; making room for a practice's growth) and fill
//! the budget with whoever waits now: on a 120-area city with ceilings 10% above the norm
//! the rounding lost 1.6% against the LP that way.
//!
//! The LP's row duals `y` price all of that. A placement in phase `t` is a direction in the
//! formulation's columns: a move of origin pair i to destination pair j lowers `s[i,τ]` and
//! raises `h[j,τ]` by one for every τ ≥ t; a registration raises `h[j,τ]` and lowers
//! `wait[a,τ]`. Its value is its reduced cost `Σ_col Δ_col · (c_col − Σ_r y_r A[r,col])`,
//! leaving out the rows of phase t that the keep program holds exactly (that phase's load,
//! intake, outflow, moves, registrations ≤ waiting, and the weight-balance rows of a
//! balanced LP). It is the Lagrangian of everything but phase t at the LP's duals: the LP's
//! own flows come out at the prices of the phase-t resources they use, so the keep program
//! keeps them where they fit and weighs them against each other, and a placement that
//! takes room the LP keeps for a later phase pays for it.

use super::super::formulation::{Formulation, RowKind};

/// Per column, the row duals' part of its reduced cost, split by whether the keep program
/// holds the row exactly when the column's own phase is rounded.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// `Σ_r y_r · A[r,col]` over every row.
    all: Vec<f64>,
    /// The part of `all` from rows of the column's own phase that the keep program holds.
    own: Vec<f64>,
    /// Each column's phase (1..=T), 0 for columns of no phase.
    phase: Vec<usize>,
    /// Per phase (index t−1), what one more unit of the move budget is worth to the LP
    /// (minus the dual of the phase's move row; 0 without a budget or where it is slack).
    budget: Vec<f64>,
}

impl Prices {
    /// Prices from the row duals of `f`, whose columns are the rounded formulation's (the
    /// weight-balanced formulation only adds rows).
    pub fn new(f: &Formulation, duals: &[f64]) -> Prices {
        let n = f.columns.len();
        let mut phase = vec![0; n];
        let states = f
            .origins
            .iter()
            .map(|o| &o.remain)
            .chain(f.destinations.iter().map(|d| &d.joined))
            .chain(&f.waiting);
        for cols in states {
            for (k, &c) in cols.iter().enumerate() {
                phase[c] = k + 1;
            }
        }
        let (mut all, mut own) = (vec![0.0; n], vec![0.0; n]);
        let mut budget = Vec::new();
        for ((row, kind), &y) in f.rows.iter().zip(&f.row_kinds).zip(duals) {
            if y == 0.0 {
                continue;
            }
            if let RowKind::Moves { phase } = *kind {
                if budget.len() < phase {
                    budget.resize(phase, 0.0);
                }
                budget[phase - 1] = -y;
            }
            let held = match *kind {
                RowKind::Registrations { phase, .. }
                | RowKind::Load { phase, .. }
                | RowKind::Intake { phase, .. }
                | RowKind::Outflow { phase, .. }
                | RowKind::Moves { phase }
                | RowKind::WeightBalance { phase, .. } => Some(phase),
                RowKind::Monotone | RowKind::Conservation { .. } => None,
            };
            for &(c, a) in &row.terms {
                all[c] += y * a;
                if held.is_some_and(|t| t == phase[c]) {
                    own[c] += y * a;
                }
            }
        }
        Prices {
            all,
            own,
            phase,
            budget,
        }
    }

    /// What one more move in phase `t` is worth to the LP (≥ 0).
    pub fn budget(&self, t: usize) -> f64 {
        self.budget.get(t - 1).copied().unwrap_or(0.0).max(0.0)
    }

    /// `Σ_{τ ≥ t} (c − y·A)` over a state's columns (indexed by phase − 1), without the
    /// rows of phase `t` that the keep program holds.
    pub(super) fn after(&self, f: &Formulation, states: &[usize], t: usize) -> f64 {
        states
            .iter()
            .skip(t - 1)
            .map(|&c| {
                let held = if self.phase[c] == t { self.own[c] } else { 0.0 };
                f.columns[c].cost - (self.all[c] - held)
            })
            .sum()
    }

    /// The value of placing one patient of origin pair `origin` (or one waiting resident of
    /// the destination's area, `None`) into destination pair `destination` in phase `t`:
    /// negative where it pays.
    pub fn placement(
        &self,
        f: &Formulation,
        origin: Option<usize>,
        destination: usize,
        t: usize,
    ) -> f64 {
        let d = &f.destinations[destination];
        let leave = match origin {
            Some(i) => self.after(f, &f.origins[i].remain, t),
            None => self.after(f, &f.waiting[d.area], t),
        };
        self.after(f, &d.joined, t) - leave
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::time::{Duration, Instant};

    use crate::geo::Distances;
    use crate::lp::Formulation;
    use crate::lp::phase_mip::PhaseMip;
    use crate::lp::repair::{Guide, Rounding, repair};
    use crate::lp::solve::{keeps_every_row, mip_optimum, objective, refresher, solve_lp};

    use super::Prices;

    /// The LP's flows as they are, each keep program solved to optimality.
    const EXACT: Rounding = Rounding {
        stretch: 1,
        margin: 0,
        enough: 0.0,
        quick: 0.0,
    };

    /// A1 (10 patients, all at P1, 100 m away) and P2 (300 m, ceiling 20, empty). P1
    /// closes in phase 3 and P2 takes at most 6 a phase. Optimum (4.58): move 4 to P2 in
    /// phase 2 (4 × W.move), orphan and register the other 6 in phase 3; walk 0.1 + 0.18 +
    /// 0.3. Moving them in phase 1 costs 0.08 more walk; not moving them leaves 4 waiting in
    /// phase 3 (+4,000).
    const PREPARED_CLOSURE: &str = r#"{
      "format": "spreiding/instance@1", "name": "prepared closure",
      "policy": {"norm_per_fte": 10, "ceiling_ratio": 1.0, "max_walk_m": 2000,
                 "detour_factor": 1.0, "phases": 3, "max_moves_per_phase": null,
                 "max_intake_per_phase": 6, "max_outflow_per_phase": null},
      "areas": [{"id": "A1", "district": "C", "location": {"x": 0, "y": 0},
                 "residents": 10, "noni": 0}],
      "practices": [
        {"id": "P1", "district": "C", "location": {"x": 100, "y": 0}, "fte": 1.0,
         "changes": [{"phase": 3, "closes": true}]},
        {"id": "P2", "district": "C", "location": {"x": 300, "y": 0}, "fte": 2.0}],
      "registrations": [{"area": "A1", "practice": "P1", "patients": 10}]
    }"#;

    /// The LP rounded phase by phase (LP re-solved after each phase, no phase programs),
    /// with the LP's prices or without any.
    pub(in crate::lp::repair) fn rounded(text: &str, priced: bool) -> (f64, f64) {
        let instance = crate::validate::parse_instance(text).expect("valid instance");
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let mip = PhaseMip::new(&f, instance.phases());
        let left = || 60.0;
        let (mut model, lp) = solve_lp(&f, 60.0).expect("LP");
        let value = lp.bound.expect("bound");
        let guide = Guide {
            values: lp.values.expect("values"),
            prices: lp.row_duals.filter(|_| priced).map(|y| Prices::new(&f, &y)),
        };
        let mut refresh = refresher(&f, (&mut model, value), (&mip, f64::INFINITY), &left);
        let mut refresh = |t: usize, values: &mut [f64]| {
            refresh(t, values).map(|g| Guide {
                prices: g.prices.filter(|_| priced),
                ..g
            })
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let plan =
            repair(&instance, &f, guide, EXACT, deadline, &mut refresh).expect("a rounded plan");
        assert!(keeps_every_row(&f, &plan));
        (objective(&f, &plan), mip_optimum(&f))
    }

    /// Valued by its own phase, moving patients out of a practice before it closes only
    /// costs (a move, a longer walk), so the rounding drops the LP's moves and the closing
    /// phase has more orphans than intake. Priced by the LP's duals, the rounding keeps
    /// them and reaches the optimum.
    #[test]
    fn prices_keep_the_moves_that_prepare_a_closure() {
        let (priced, optimum) = rounded(PREPARED_CLOSURE, true);
        assert!((optimum - 4.58).abs() < 1e-6, "optimum {optimum}");
        assert!((priced - optimum).abs() < 1e-6, "priced {priced}");
        let (unpriced, _) = rounded(PREPARED_CLOSURE, false);
        assert!(unpriced > optimum + 3_900.0, "unpriced {unpriced}");
    }
}
