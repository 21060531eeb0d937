//! Relax-and-fix: one phase in integers, the phases after it as an LP.
//!
//! The rounding ([`super::repair`]) decides each phase by replaying the LP's flows, and a
//! phase's integer decisions fix what later phases can do. Where the move budget binds, a
//! registration one phase later costs a waiting patient-phase (weight 1000 against 10 for
//! a patient registered outside the district), and the replay cannot see which of the
//! phase's moves is worth giving up for it. HiGHS can, on a program that holds the whole
//! future: phase `t`'s increments integer, everything before fixed to the plan, everything
//! after continuous (so the future is priced by the LP, as in the rounding). That program
//! has a phase's worth of integer columns, and HiGHS starts it from the rounding's phase
//! together with the LP's continuation, so it only ever improves on it.
//!
//! It is bounded by a node limit, not the clock, so the result does not depend on the
//! machine; a program cut off by the time limit is discarded.

use highs::HighsModelStatus;

use super::formulation::{Column, Formulation};
use super::increments::Increments;
use super::lp_model::highs_model;
use super::solve::{SolveError, configure, has_feasible_solution};

/// Branch-and-bound nodes per phase program.
const NODES: i32 = 50;

/// Phase programs are run only while they have at most this many free columns (see
/// [`PhaseMip::free_columns`]). HiGHS's root node (cuts, and RENS/RINS sub-MIPs, which find
/// the improvements) grows with the program faster than what it finds: on a 120-area
/// city the programs of phases 3 to 6 (6,746 to 2,474 free columns) gained 15,000 in 26 s,
/// those of phases 1 and 2 (9,626 and 8,186) nothing in 40 s; on a 250-area instance
/// (14,509 to 33,619 for phases 1 to 6) nothing in 290 s. A node limit does not bound the
/// root, so this limit is what keeps the work bounded independently of the machine.
pub(super) const MAX_FREE_COLUMNS: usize = 7_000;

/// The model in increments and the phase of every increment.
pub(super) struct PhaseMip {
    increments: Increments,
    /// The phase (1-based) of each increment column; `None` for the columns outside the
    /// chains (waiting, excess), which the rows determine.
    phase_of: Vec<Option<usize>>,
}

impl PhaseMip {
    /// Prepares the phase programs of `f`. Linear in the model's non-zeros.
    pub fn new(f: &Formulation, phases: usize) -> PhaseMip {
        let increments = Increments::new(f);
        let zeros = vec![0.0; f.columns.len()];
        let mut phase_of = vec![None; increments.columns.len()];
        for t in 1..=phases {
            for (c, _) in increments.phase_values(t, &zeros) {
                phase_of[c] = Some(t);
            }
        }
        PhaseMip {
            increments,
            phase_of,
        }
    }

    /// The columns of phase `t`'s program that are not fixed: phase `t`'s and every later
    /// phase's increments, waiting and excess. What a program costs grows with it.
    pub fn free_columns(&self, t: usize) -> usize {
        self.phase_of
            .iter()
            .filter(|p| p.is_none_or(|p| p >= t))
            .count()
    }

    /// Re-optimises phase `t` of `start` (the formulation's columns: integral up to `t`,
    /// an LP continuation after it) with the phases before `t` fixed. Returns the program's
    /// solution as the formulation's columns (integral up to `t`), or `None` when HiGHS
    /// found nothing or ran out of `seconds`.
    pub fn improve(
        &self,
        t: usize,
        start: &[f64],
        seconds: f64,
    ) -> Result<Option<Vec<f64>>, SolveError> {
        let inc = &self.increments;
        let start = inc.increments(start);
        let columns: Vec<Column> = inc
            .columns
            .iter()
            .zip(&self.phase_of)
            .zip(&start)
            .map(|((col, phase), &value)| {
                let mut col = *col;
                match *phase {
                    Some(p) if p < t => {
                        col.lower = value.round();
                        col.upper = value.round();
                    }
                    Some(p) => col.integer = p == t,
                    None => col.integer = false,
                }
                col
            })
            .collect();
        let start: Vec<f64> = start
            .iter()
            .zip(&columns)
            .map(|(&v, c)| if c.integer { v.round() } else { v })
            .collect();
        let (mut model, _) = highs_model(&columns, &inc.rows, true)?;
        configure(&mut model, seconds, false)?;
        model
            .try_set_option("mip_max_nodes", NODES)
            .and_then(|()| model.try_set_option("mip_rel_gap", 0.0))
            .map_err(|e| SolveError::Rejected(format!("option: {e:?}")))?;
        model
            .try_set_solution(Some(&start), None, None, None)
            .map_err(|e| SolveError::Rejected(format!("initial solution: {e:?}")))?;
        let solved = model
            .try_solve()
            .map_err(|e| SolveError::Rejected(format!("{e:?}")))?;
        if solved.status() == HighsModelStatus::ReachedTimeLimit || !has_feasible_solution(&solved)
        {
            return Ok(None);
        }
        Ok(Some(inc.states(solved.get_solution().columns())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Distances;
    use crate::lp::solve::{
        keeps_every_row, lp_in_increments, mip_solution, objective, refresher, solve_lp,
    };
    use std::time::{Duration, Instant};

    use crate::lp::SMALL;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * a.abs().max(1.0)
    }

    /// Started from an optimal plan, every phase program keeps the phases it fixes and
    /// returns a plan of the optimal value: it cannot do better, and the start is feasible.
    #[test]
    fn from_the_optimum_every_phase_program_returns_the_optimum() {
        for text in SMALL {
            let instance = crate::validate::parse_instance(text).expect("valid instance");
            let f = Formulation::build(&instance, &Distances::compute(&instance));
            let optimum = mip_solution(&f);
            let mip = PhaseMip::new(&f, instance.phases());
            for t in 1..=instance.phases() {
                let got = mip
                    .improve(t, &optimum, 60.0)
                    .expect("solve")
                    .expect("a plan");
                assert!(keeps_every_row(&f, &got), "{} phase {t}", instance.name);
                assert!(
                    close(objective(&f, &got), objective(&f, &optimum)),
                    "{} phase {t}: {} vs optimum {}",
                    instance.name,
                    objective(&f, &got),
                    objective(&f, &optimum)
                );
                for c in f.columns_up_to(t - 1) {
                    assert_eq!(
                        got[c], optimum[c],
                        "{} phase {t}: column {c}",
                        instance.name
                    );
                }
            }
        }
    }

    /// Phase programs in order from the LP optimum (phase 1 integral, then phase 2, ...)
    /// end in an integral plan that keeps every row. Each fixes more than the one before,
    /// so the values rise from the LP bound, and none can beat the MIP optimum.
    #[test]
    fn phase_programs_in_order_turn_the_lp_into_a_plan() {
        for text in SMALL {
            let instance = crate::validate::parse_instance(text).expect("valid instance");
            let f = Formulation::build(&instance, &Distances::compute(&instance));
            let (bound, mut values, _) = lp_in_increments(&f);
            let optimum = objective(&f, &mip_solution(&f));
            let mip = PhaseMip::new(&f, instance.phases());
            let mut previous = bound;
            for t in 1..=instance.phases() {
                values = mip
                    .improve(t, &values, 60.0)
                    .expect("solve")
                    .expect("a plan");
                let value = objective(&f, &values);
                assert!(value >= previous - 1e-6 * previous.abs().max(1.0));
                previous = value;
            }
            assert!(keeps_every_row(&f, &values), "{}", instance.name);
            assert!(previous >= optimum - 1e-6 * optimum.abs().max(1.0));
        }
    }

    /// The LP rounded with the keep program's flows widened by `widen` (stretch, margin)
    /// and a phase program after every phase where the rounding lost more than `rise`.
    fn rounded(
        instance: &crate::model::Instance,
        f: &Formulation,
        rise: f64,
        widen: (u64, u64),
    ) -> Vec<f64> {
        let mip = PhaseMip::new(f, instance.phases());
        let left = || 60.0;
        let (mut model, lp) = solve_lp(f, 60.0).expect("LP");
        let (values, value) = (lp.values.expect("values"), lp.bound.expect("bound"));
        let guide = crate::lp::repair::Guide {
            values,
            prices: lp.row_duals.map(|y| crate::lp::repair::Prices::new(f, &y)),
        };
        let mut refresh = refresher(f, (&mut model, value), (&mip, rise), &left);
        let deadline = Instant::now() + Duration::from_secs(60);
        crate::lp::repair::repair(instance, f, guide, widen, deadline, &mut refresh)
            .expect("a rounded plan")
    }

    /// The LP rounded with a phase program after every phase where the rounding lost
    /// anything (threshold 0) and without any (threshold infinite).
    fn rounded_with_and_without(
        instance: &crate::model::Instance,
        f: &Formulation,
    ) -> [Vec<f64>; 2] {
        [0.0, f64::INFINITY].map(|rise| rounded(instance, f, rise, (1, 0)))
    }

    /// With the keep program's flows at twice the LP's or with a margin of 15 patients on
    /// each, the rounding still keeps every row, and stays between the LP bound and (on the
    /// small instances) the optimum.
    #[test]
    fn the_widened_roundings_keep_every_row() {
        let synthetic = include_str!("../../instances/synthetic/rounding-loses-20x10x3.json");
        for text in SMALL.into_iter().chain([synthetic]) {
            let instance = crate::validate::parse_instance(text).expect("valid instance");
            let f = Formulation::build(&instance, &Distances::compute(&instance));
            let (bound, _, _) = lp_in_increments(&f);
            for (rise, widen) in [(0.0, (2, 0)), (f64::INFINITY, (2, 0)), (0.0, (1, 15))] {
                let plan = rounded(&instance, &f, rise, widen);
                assert!(keeps_every_row(&f, &plan), "{}", instance.name);
                assert!(objective(&f, &plan) >= bound - 1e-6 * bound.abs().max(1.0));
            }
        }
    }

    /// On the small instances the rounding is already optimal, with or without phase
    /// programs; both plans keep every row.
    #[test]
    fn on_the_small_instances_the_rounding_stays_optimal() {
        for text in SMALL {
            let instance = crate::validate::parse_instance(text).expect("valid instance");
            let f = Formulation::build(&instance, &Distances::compute(&instance));
            let optimum = objective(&f, &mip_solution(&f));
            for plan in rounded_with_and_without(&instance, &f) {
                assert!(keeps_every_row(&f, &plan), "{}", instance.name);
                assert!(close(objective(&f, &plan), optimum), "{}", instance.name);
            }
        }
    }

    /// On an instance where the rounding loses in every phase (see instances/README.md),
    /// the phase programs replace rounded phases: the replay continues from them, the plan
    /// keeps every row, lies above the LP bound, and costs less than without them.
    #[test]
    fn where_the_rounding_loses_phase_programs_replace_phases() {
        let text = include_str!("../../instances/synthetic/rounding-loses-20x10x3.json");
        let instance = crate::validate::parse_instance(text).expect("valid instance");
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let (bound, _, _) = lp_in_increments(&f);
        let [with, without] = rounded_with_and_without(&instance, &f);
        for plan in [&with, &without] {
            assert!(keeps_every_row(&f, plan));
            assert!(objective(&f, plan) >= bound - 1e-6 * bound.abs());
        }
        let differs = f.columns_up_to(1).iter().any(|&c| with[c] != without[c]);
        assert!(differs, "the phase program did not change phase 1");
        assert!(
            objective(&f, &with) < objective(&f, &without) - 1.0,
            "with phase programs {}, without {}",
            objective(&f, &with),
            objective(&f, &without)
        );
    }
}
