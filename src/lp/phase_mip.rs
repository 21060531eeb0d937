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
//! Where the whole future is too large (see [`MAX_FREE_COLUMNS`]: phase 1 and 2 of a
//! six-phase city, phases 1 to 9 of a twelve-phase one), the program holds only the next
//! phases, as many as fit ([`Reach::UpTo`]), and keeps the LP continuation's states after
//! them (and the LP with the phase fixed is then solved again for the next phase). On
//! 120-area cities with 12 phases that took the plan from 0.117% to 0.075% and from 0.066%
//! to 0.033% above the LP bound (docs/performance.md, sessions 20 and 21). It is written on the states, not in increments: fixing a
//! later phase's states leaves the phases between free to take any path to them, where
//! fixed increments would also pin every later phase to the path of the phases before
//! (tried: those programs found nothing). Where the whole future fits, the program stays
//! in increments, which did better there (a six-phase city 0.028% against 0.039% above
//! the bound when every program was on the states).
//!
//! It is bounded by a node limit, not the clock, so the result does not depend on the
//! machine; a program cut off by the time limit is discarded.

use highs::HighsModelStatus;

use super::formulation::{Column, Formulation, Row};
use super::increments::Increments;
use super::lp_model::highs_model;
use super::solve::{SolveError, configure, has_feasible_solution, solve_from};

/// Branch-and-bound nodes per phase program.
const NODES: i32 = 50;

/// Phase programs are run only while they have at most this many free columns (see
/// [`PhaseMip::reach`]). HiGHS's root node (cuts, and RENS/RINS sub-MIPs, which find
/// the improvements) grows with the program faster than what it finds: on a 120-area
/// city the programs of phases 3 to 6 (6,746 to 2,474 free columns) gained 15,000 in 26 s,
/// those of phases 1 and 2 (9,626 and 8,186) nothing in 40 s; on a 250-area instance
/// (14,509 to 33,619 for phases 1 to 6) nothing in 290 s. A node limit does not bound the
/// root, so this limit is what keeps the work bounded independently of the machine.
const MAX_FREE_COLUMNS: usize = 7_000;

/// The later phases that phase `t`'s program re-optimises together with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reach {
    /// Every later phase (the program in increments).
    All,
    /// The phases up to this one (the program on the states); the later ones keep the
    /// start's states.
    UpTo(usize),
}

/// The model in increments and the phase of every column, of both forms.
pub(super) struct PhaseMip {
    increments: Increments,
    /// The phase (1-based) of each increment column; `None` for the columns outside the
    /// chains (waiting, excess), which the rows determine.
    phase_of: Vec<Option<usize>>,
    /// The phase of each column of the formulation ([`Formulation::column_phases`]).
    column_phase: Vec<usize>,
    /// `free[t]`: the free columns of phase `t`'s program in increments, phase `t`'s and
    /// every later phase's increments, waiting and excess (index 0 unused).
    free: Vec<usize>,
    /// `per_phase[t]`: the formulation's columns of phase `t` (index 0 unused).
    per_phase: Vec<usize>,
    /// At most this many free columns per program.
    limit: usize,
}

impl PhaseMip {
    /// Prepares the phase programs of `f`. Linear in the model's non-zeros.
    pub fn new(f: &Formulation, phases: usize) -> PhaseMip {
        PhaseMip::with_limit(f, phases, MAX_FREE_COLUMNS)
    }

    /// As [`PhaseMip::new`], with programs of at most `limit` free columns.
    pub fn with_limit(f: &Formulation, phases: usize, limit: usize) -> PhaseMip {
        let increments = Increments::new(f);
        let zeros = vec![0.0; f.columns.len()];
        let mut phase_of = vec![None; increments.columns.len()];
        for t in 1..=phases {
            for (c, _) in increments.phase_values(t, &zeros) {
                phase_of[c] = Some(t);
            }
        }
        // Waiting and excess (no phase) are free in every program.
        let unchained = phase_of.iter().filter(|p| p.is_none()).count();
        let mut free = vec![0; phases + 2];
        free[phases + 1] = unchained;
        for p in phase_of.iter().flatten() {
            free[*p] += 1;
        }
        for t in (1..=phases).rev() {
            free[t] += free[t + 1];
        }
        let column_phase = f.column_phases();
        let mut per_phase = vec![0; phases + 1];
        for &p in &column_phase {
            per_phase[p] += 1;
        }
        PhaseMip {
            increments,
            phase_of,
            column_phase,
            free,
            per_phase,
            limit,
        }
    }

    /// What phase `t`'s program holds: every later phase if that keeps it within the
    /// limit, else the longest run of phases from `t` on whose columns do; `None` when
    /// not even phase `t`'s own do.
    pub fn reach(&self, t: usize) -> Option<Reach> {
        if self.free[t] <= self.limit {
            return Some(Reach::All);
        }
        let mut columns = 0;
        let mut last = None;
        for (p, &n) in self.per_phase.iter().enumerate().skip(t) {
            columns += n;
            if columns > self.limit {
                break;
            }
            last = Some(p);
        }
        last.map(Reach::UpTo)
    }

    /// Re-optimises phase `t` of `start` (the formulation's columns: integral up to `t`,
    /// an LP continuation after it) with the phases before `t` fixed and the later phases
    /// as far as `reach`. Returns the program's solution as the formulation's columns
    /// (integral up to `t`), or `None` when HiGHS found nothing or ran out of `seconds`.
    pub fn improve(
        &self,
        f: &Formulation,
        t: usize,
        reach: Reach,
        start: &[f64],
        seconds: f64,
    ) -> Result<Option<Vec<f64>>, SolveError> {
        match reach {
            Reach::All => {
                let inc = &self.increments;
                let (columns, start) = self.in_increments(t, &inc.increments(start));
                let solved = run(&columns, &inc.rows, &start, seconds)?;
                Ok(solved.map(|v| inc.states(&v)))
            }
            Reach::UpTo(last) => {
                let (columns, start) = self.on_states(f, t, last, start);
                run(&columns, &f.rows, &start, seconds)
            }
        }
    }

    /// Phase `t`'s program in increments: the columns with their bounds and integrality,
    /// and the start (`start`, in increments, rounded where integer).
    fn in_increments(&self, t: usize, start: &[f64]) -> (Vec<Column>, Vec<f64>) {
        let columns: Vec<Column> = (self.increments.columns.iter())
            .zip(&self.phase_of)
            .zip(start)
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
        let start = rounded_where_integer(start, &columns);
        (columns, start)
    }

    /// Phase `t`'s program on the states: the phases before `t` fixed to `start`, phase
    /// `t` integer, the phases up to `last` continuous, the states after `last` fixed to
    /// `start` (waiting and excess follow from the rows).
    fn on_states(
        &self,
        f: &Formulation,
        t: usize,
        last: usize,
        start: &[f64],
    ) -> (Vec<Column>, Vec<f64>) {
        let columns: Vec<Column> = (f.columns.iter())
            .zip(&self.column_phase)
            .zip(start)
            .map(|((col, &p), &value)| {
                let mut col = *col;
                if p < t || (p > last && col.integer) {
                    let value = if p < t && col.integer {
                        value.round()
                    } else {
                        value
                    };
                    col.lower = value;
                    col.upper = value;
                }
                col.integer &= p == t;
                col
            })
            .collect();
        let start = rounded_where_integer(start, &columns);
        (columns, start)
    }
}

/// `values` rounded in the integer columns of `columns`.
fn rounded_where_integer(values: &[f64], columns: &[Column]) -> Vec<f64> {
    (values.iter())
        .zip(columns)
        .map(|(&v, c)| if c.integer { v.round() } else { v })
        .collect()
}

/// Solves a phase program from `start` within `NODES` nodes and `seconds`: its columns,
/// or `None` when HiGHS found nothing or ran out of time.
fn run(
    columns: &[Column],
    rows: &[Row],
    start: &[f64],
    seconds: f64,
) -> Result<Option<Vec<f64>>, SolveError> {
    let (mut model, _) = highs_model(columns, rows, true)?;
    configure(&mut model, seconds, false)?;
    model
        .try_set_option("mip_max_nodes", NODES)
        .and_then(|()| model.try_set_option("mip_rel_gap", 0.0))
        .map_err(|e| SolveError::Rejected(format!("option: {e:?}")))?;
    let solved = solve_from(model, Some(start))?;
    if solved.status() == HighsModelStatus::ReachedTimeLimit || !has_feasible_solution(&solved) {
        return Ok(None);
    }
    Ok(Some(solved.get_solution().columns().to_vec()))
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
                    .improve(&f, t, Reach::All, &optimum, 60.0)
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

    /// Every column has a phase, and the columns up to phase `t` are those of phase at
    /// most `t`.
    #[test]
    fn column_phases_agree_with_the_columns_up_to_each_phase() {
        for text in SMALL {
            let instance = crate::validate::parse_instance(text).expect("valid instance");
            let f = Formulation::build(&instance, &Distances::compute(&instance));
            let phase = f.column_phases();
            assert!(phase.iter().all(|&p| (1..=instance.phases()).contains(&p)));
            for t in 0..=instance.phases() {
                let mut up_to = f.columns_up_to(t);
                up_to.sort_unstable();
                let by_phase: Vec<usize> = (0..phase.len()).filter(|&c| phase[c] <= t).collect();
                assert_eq!(up_to, by_phase, "{} phase {t}", instance.name);
            }
        }
    }

    /// The formulation's columns of each phase 1..=`phases`, counted from
    /// [`Formulation::columns_up_to`] (not from `column_phases`, which the tests check).
    fn columns_per_phase(f: &Formulation, phases: usize) -> Vec<usize> {
        (1..=phases)
            .map(|t| f.columns_up_to(t).len() - f.columns_up_to(t - 1).len())
            .collect()
    }

    /// A program holds every later phase while they fit the limit, else the longest run
    /// from its phase that fits: with a limit of one phase's columns, each phase alone;
    /// with the columns of phases 1 and 2, phase 1's program reaches phase 2.
    #[test]
    fn a_program_reaches_as_far_as_the_limit_allows() {
        let text = include_str!("../../instances/synthetic/rounding-loses-20x10x3.json");
        let instance = crate::validate::parse_instance(text).expect("valid instance");
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let phases = instance.phases();
        assert_eq!(phases, 3);
        let per_phase = columns_per_phase(&f, phases);
        let widest = *per_phase.iter().max().expect("phases");
        assert!(per_phase.windows(2).all(|w| w[0] + w[1] > widest));
        let all = PhaseMip::with_limit(&f, phases, usize::MAX);
        let alone = PhaseMip::with_limit(&f, phases, widest);
        let none = PhaseMip::with_limit(&f, phases, 0);
        for t in 1..=phases {
            assert_eq!(all.reach(t), Some(Reach::All));
            assert_eq!(none.reach(t), None);
        }
        assert_eq!(alone.reach(1), Some(Reach::UpTo(1)));
        assert_eq!(alone.reach(2), Some(Reach::UpTo(2)));
        // Phase 3's program in increments also frees the earlier phases' waiting and
        // excess, so it may or may not fit.
        assert!(matches!(alone.reach(3), Some(Reach::All | Reach::UpTo(3))));
        let two = PhaseMip::with_limit(&f, phases, per_phase[0] + per_phase[1]);
        assert_eq!(two.reach(1), Some(Reach::UpTo(2)));
    }

    /// Started from an optimal plan, a program on the states that reaches any number of
    /// later phases returns a plan of the optimal value and keeps the phases before it and
    /// the states after its reach.
    #[test]
    fn from_the_optimum_every_program_on_the_states_returns_the_optimum() {
        for text in SMALL {
            let instance = crate::validate::parse_instance(text).expect("valid instance");
            let f = Formulation::build(&instance, &Distances::compute(&instance));
            let optimum = mip_solution(&f);
            let phase = f.column_phases();
            let mip = PhaseMip::new(&f, instance.phases());
            for t in 1..=instance.phases() {
                for last in t..=instance.phases() {
                    let got = mip
                        .improve(&f, t, Reach::UpTo(last), &optimum, 60.0)
                        .expect("solve")
                        .expect("a plan");
                    let at = format!("{} phase {t} up to {last}", instance.name);
                    assert!(keeps_every_row(&f, &got), "{at}");
                    assert!(
                        close(objective(&f, &got), objective(&f, &optimum)),
                        "{at}: {} vs optimum {}",
                        objective(&f, &got),
                        objective(&f, &optimum)
                    );
                    for c in 0..phase.len() {
                        if phase[c] < t || (phase[c] > last && f.columns[c].integer) {
                            assert_eq!(got[c], optimum[c], "{at}: column {c}");
                        }
                    }
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
                    .improve(&f, t, Reach::All, &values, 60.0)
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
    /// and a phase program of at most `limit` free columns after every phase where the
    /// rounding lost more than `rise`.
    fn rounded(
        instance: &crate::model::Instance,
        f: &Formulation,
        (rise, limit): (f64, usize),
        widen: (u64, u64),
    ) -> Vec<f64> {
        let mip = PhaseMip::with_limit(f, instance.phases(), limit);
        let left = || 60.0;
        let (mut model, lp) = solve_lp(f, 60.0).expect("LP");
        let (values, value) = (lp.values.expect("values"), lp.bound.expect("bound"));
        let guide = crate::lp::repair::Guide {
            values,
            prices: lp.row_duals.map(|y| crate::lp::repair::Prices::new(f, &y)),
        };
        let mut refresh = refresher(f, (&mut model, value), (&mip, rise), &left);
        let deadline = Instant::now() + Duration::from_secs(60);
        let (stretch, margin) = widen;
        let rounding = crate::lp::repair::Rounding {
            stretch,
            margin,
            enough: 0.0,
            quick: 0.0,
        };
        crate::lp::repair::repair(instance, f, guide, rounding, deadline, &mut refresh)
            .expect("a rounded plan")
    }

    /// The LP rounded with a phase program after every phase where the rounding lost
    /// anything (threshold 0) and without any (threshold infinite).
    fn rounded_with_and_without(
        instance: &crate::model::Instance,
        f: &Formulation,
    ) -> [Vec<f64>; 2] {
        [0.0, f64::INFINITY].map(|rise| rounded(instance, f, (rise, MAX_FREE_COLUMNS), (1, 0)))
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
                let plan = rounded(&instance, &f, (rise, MAX_FREE_COLUMNS), widen);
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

    /// With programs limited to one phase's columns, every program holds its own phase
    /// only (on the states, the later phases kept at the LP continuation): the rounding
    /// still keeps every row, lies above the LP bound and costs less than without programs.
    #[test]
    fn programs_that_reach_one_phase_still_improve_the_rounding() {
        let text = include_str!("../../instances/synthetic/rounding-loses-20x10x3.json");
        let instance = crate::validate::parse_instance(text).expect("valid instance");
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let (bound, _, _) = lp_in_increments(&f);
        let widest = (columns_per_phase(&f, instance.phases()).into_iter())
            .max()
            .expect("phases");
        let short = rounded(&instance, &f, (0.0, widest), (1, 0));
        let without = rounded(&instance, &f, (f64::INFINITY, widest), (1, 0));
        for plan in [&short, &without] {
            assert!(keeps_every_row(&f, plan));
            assert!(objective(&f, plan) >= bound - 1e-6 * bound.abs());
        }
        assert!(
            objective(&f, &short) < objective(&f, &without) - 1.0,
            "with short programs {}, without {}",
            objective(&f, &short),
            objective(&f, &without)
        );
    }
}
