//! Improving an integer plan by re-optimising small windows of it in integers.
//!
//! The rounding ([`super::repair`]) follows the LP, and some of what the LP does has no
//! integer image to follow: a practice with room for 0.6 of a patient, or a cycle of full
//! practices trading patients of different care weights to bring them home. An integer plan
//! can often do nearly as well by other means (a 1.0 patient where a 1.3 one does not fit, a
//! swap of equal weights), but only a search over integers finds those. The full MIP is far
//! too slow for that (docs/performance.md); small ones are not. A *window* frees every
//! column of a few nearby practices (each area's patients and arrivals there, their excess,
//! the waiting of the areas involved) and keeps the rest of the plan fixed; HiGHS solves
//! that integer program from the current plan, and a better solution replaces the window's
//! part of the plan. The plan stays feasible: every row a free column appears in is part of
//! the small program, with the fixed columns' share moved to its right-hand side, and the
//! result is checked against those rows before it is taken.
//!
//! The small program is written in increments like the LP ([`Increments`]): HiGHS's root
//! processing was 5–8 times faster on it than on the states with their monotone rows.
//!
//! Windows are visited in a fixed order, each program is bounded by a node limit and the
//! search by a number of programs ([`MAX_SOLVES`]), not by the clock, so the same instance
//! gives the same plan on any machine. The time limit is only a guard: a window cut off by
//! it is discarded, no further window is tried, and the plan then depends on the machine.

use std::collections::BTreeMap;
use std::time::Instant;

use highs::HighsModelStatus;

use super::formulation::{Formulation, Row, RowKind, Sense};
use super::fragments::Fragments;
use super::increments::Increments;
use super::lp_model::highs_model;
use super::solve::{SolveError, configure, has_feasible_solution, solve_from};
use crate::geo::straight_m;
use crate::model::Instance;

/// Branch-and-bound nodes per window. Most of a window's gain is found at its root (a
/// 250-area instance: the same gain with 50 nodes as with 500).
const NODES_PER_WINDOW: i32 = 50;

/// Practices per window: the seed practice and its nearest neighbours. Three found as much
/// as four on the synthetic city (29k of 30k) in a quarter of the time; six made single
/// windows take 20 s.
const PRACTICES_PER_WINDOW: usize = 3;

/// Passes over the windows at most. After the first, a window is solved again only if a
/// row it holds changed since, and the search stops once a pass improves nothing.
const MAX_PASSES: usize = 5;

/// Window programs solved at most, over all passes: a budget in work, not time, so that
/// the plan does not depend on the machine. Most of the gain comes from the first windows
/// (they are ordered by potential): on a 250 × 150 × 8 instance 97% of it in the first 100
/// of 292, on a 500 × 300 × 12 region 95% in the first 100 (~1 s each there, so the region
/// stays well inside the default time limit).
const MAX_SOLVES: usize = 120;

/// Fragment windows ([`Fragments`]) solved at most, after the nearest-neighbour ones.
const MAX_FRAGMENT_SOLVES: usize = 200;

/// HiGHS's LP iterations the fragment windows may spend together: a budget in work that
/// is the same on every machine, and that follows how hard the windows are, which their
/// number does not. On the 120-area city all of them (41) took 4,832 iterations, 0.1 s
/// each; on that city with 12 phases 64 took 267k, 1.9 s each, and ran the plan into the
/// default time limit for a gain of 0.006%.
const FRAGMENT_ITERATIONS: u64 = 30_000;

/// No fragment windows above this many columns: on a 500 × 300 × 12 region (103k) they
/// gained 8.5k of the 600k its rounding lost, at 1.6 s each, and ran the plan into the
/// default time limit (where it would depend on the machine).
const FRAGMENT_MAX_COLUMNS: usize = 50_000;

/// A change of the city-wide moves row makes windows solved before it worth another try
/// only when fewer than this many moves are left in that phase.
const MOVES_SLACK_THAT_MATTERS: f64 = 50.0;

/// A window must improve the objective by more than this to be taken.
const MIN_IMPROVEMENT: f64 = 1e-6;

/// Row activities are checked against their bounds with this tolerance.
const FEASIBILITY_TOL: f64 = 1e-6;

/// The search state: the formulation's transpose and the plan's row activities.
pub(super) struct Search<'a> {
    instance: &'a Instance,
    f: &'a Formulation,
    /// Rows in which each column appears.
    rows_of: Vec<Vec<usize>>,
    /// `Σ coef · value` of every row for the current plan.
    activity: Vec<f64>,
    /// Columns of every pair at a practice and of its excess.
    columns_at: Vec<Vec<usize>>,
    /// Areas with a pair at a practice.
    areas_at: Vec<Vec<usize>>,
    /// Origin pairs at a practice.
    origins_at: Vec<Vec<usize>>,
    /// Destination pairs at a practice.
    destinations_at: Vec<Vec<usize>>,
    /// The number of improvements taken so far.
    stamp: u64,
    /// The stamp at which each row's activity last changed.
    changed_at: Vec<u64>,
    /// Scratch: local index of each column in the current window.
    local: Vec<Option<usize>>,
    /// Scratch: whether a row is in the current window.
    in_window: Vec<bool>,
    /// HiGHS's LP iterations in every window program solved so far: the work done, the
    /// same on every machine (one thread, fixed seed).
    iterations: u64,
}

/// What the search did, for the trace.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Report {
    /// Windows solved.
    pub windows: usize,
    /// Windows that improved the plan.
    pub improved: usize,
    /// Objective gained.
    pub gain: f64,
}

/// The practices whose columns a window program frees, and the phases in which it may
/// change them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Window {
    /// The practices, ascending.
    pub practices: Vec<usize>,
    /// The first and last phase whose increments may change; `None`: every phase.
    pub phases: Option<(usize, usize)>,
}

impl Window {
    /// A window over every phase.
    fn all_phases(practices: Vec<usize>) -> Window {
        Window {
            practices,
            phases: None,
        }
    }
}

/// What every pass of one [`Search::run`] shares: when each window was last solved, the
/// deadline, whether to trace, and the running report.
struct Run {
    /// The stamp at which each window was last solved (see [`Search::solve_window`]).
    solved_at: BTreeMap<Window, u64>,
    deadline: Instant,
    trace: bool,
    report: Report,
    /// No window is started once [`Search::iterations`] reaches this.
    iterations_until: u64,
}

/// How a pass over a list of windows ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PassEnd {
    /// At least one window improved the plan.
    Improved,
    /// Every window was solved or clean, none improved the plan.
    Nothing,
    /// The budget of solves ran out.
    OutOfBudget,
    /// The deadline passed or cut a window short.
    OutOfTime,
}

/// What solving one window did.
enum Outcome {
    /// The plan is better by this much.
    Improved(f64),
    /// Nothing better in the window (or HiGHS found nothing within its node limit).
    Unchanged,
    /// Nothing the window holds changed since it was last solved: not solved again.
    Clean,
    /// The time limit cut the window's program short; its result is discarded.
    TimedOut,
}

/// A window's program: the window as a formulation of its own, written in increments.
struct Program {
    increments: Increments,
    /// The current plan's values of the window's columns.
    start: Vec<f64>,
}

impl<'a> Search<'a> {
    /// Prepares the search of `f` around the plan `values`. O(columns + non-zeros).
    pub fn new(instance: &'a Instance, f: &'a Formulation, values: &[f64]) -> Search<'a> {
        let mut rows_of = vec![Vec::new(); f.columns.len()];
        for (r, row) in f.rows.iter().enumerate() {
            for &(c, _) in &row.terms {
                rows_of[c].push(r);
            }
        }
        let activity = f.rows.iter().map(|row| row.activity(values)).collect();
        let n_practices = instance.practices.len();
        let mut columns_at: Vec<Vec<usize>> = vec![Vec::new(); n_practices];
        let mut areas_at: Vec<Vec<usize>> = vec![Vec::new(); n_practices];
        let mut origins_at: Vec<Vec<usize>> = vec![Vec::new(); n_practices];
        let mut destinations_at: Vec<Vec<usize>> = vec![Vec::new(); n_practices];
        for (i, o) in f.origins.iter().enumerate() {
            origins_at[o.practice].push(i);
            columns_at[o.practice].extend(&o.remain);
            columns_at[o.practice].extend(o.leave_at_close);
            areas_at[o.practice].push(o.area);
        }
        for (j, d) in f.destinations.iter().enumerate() {
            destinations_at[d.practice].push(j);
            columns_at[d.practice].extend(&d.joined);
            areas_at[d.practice].push(d.area);
        }
        for (p, cols) in f.excess.iter().enumerate() {
            columns_at[p].extend(cols.iter().flatten());
        }
        for areas in &mut areas_at {
            areas.sort_unstable();
            areas.dedup();
        }
        Search {
            instance,
            f,
            rows_of,
            activity,
            columns_at,
            areas_at,
            origins_at,
            destinations_at,
            stamp: 0,
            changed_at: vec![0; f.rows.len()],
            local: vec![None; f.columns.len()],
            in_window: vec![false; f.rows.len()],
            iterations: 0,
        }
    }

    /// Improves `values` window by window until nothing more is found, the budgets in
    /// solves are spent or `deadline` passes. First the nearest-neighbour windows, most
    /// promising first (by how much more the plan costs than `lp` on the window's
    /// columns), in passes until one finds nothing or [`MAX_PASSES`] or [`MAX_SOLVES`] are
    /// done; then the fragment windows ([`Fragments`]), drawn again from the plan before
    /// each pass, within [`MAX_FRAGMENT_SOLVES`] and [`FRAGMENT_ITERATIONS`] (none on large
    /// models, see [`FRAGMENT_MAX_COLUMNS`]). `trace` prints every window solved.
    pub fn run(
        &mut self,
        values: &mut [f64],
        lp: &[f64],
        deadline: Instant,
        trace: bool,
    ) -> Result<Report, SolveError> {
        let mut run = Run {
            solved_at: BTreeMap::new(),
            deadline,
            trace,
            report: Report::default(),
            iterations_until: u64::MAX,
        };
        let windows = self.windows(values, lp);
        let mut budget = MAX_SOLVES;
        for _ in 0..MAX_PASSES {
            match self.pass(&windows, &mut budget, values, &mut run)? {
                PassEnd::Improved => {}
                PassEnd::Nothing | PassEnd::OutOfBudget => break,
                PassEnd::OutOfTime => return Ok(run.report),
            }
        }
        let columns = self.f.columns.len();
        if columns > FRAGMENT_MAX_COLUMNS {
            return Ok(run.report);
        }
        let fragments = Fragments::new(self.instance, self.f);
        let mut budget = MAX_FRAGMENT_SOLVES;
        run.iterations_until = self.iterations + FRAGMENT_ITERATIONS;
        for _ in 0..MAX_PASSES {
            let windows = fragments.windows(self.f, &self.activity, values);
            if self.pass(&windows, &mut budget, values, &mut run)? != PassEnd::Improved {
                break;
            }
        }
        Ok(run.report)
    }

    /// Solves each of `windows` in order that is not clean (see [`Self::solve_window`]),
    /// one solve of `budget` each.
    fn pass(
        &mut self,
        windows: &[(f64, Window)],
        budget: &mut usize,
        values: &mut [f64],
        run: &mut Run,
    ) -> Result<PassEnd, SolveError> {
        let before = run.report.improved;
        for (potential, window) in windows {
            if *budget == 0 || self.iterations >= run.iterations_until {
                return Ok(PassEnd::OutOfBudget);
            }
            let left = run
                .deadline
                .saturating_duration_since(Instant::now())
                .as_secs_f64();
            if left <= 0.0 {
                return Ok(PassEnd::OutOfTime);
            }
            let started = Instant::now();
            let iterations_before = self.iterations;
            let since = run.solved_at.get(window).copied();
            let outcome = self.solve_window(window, since, values, left)?;
            if run.trace && !matches!(outcome, Outcome::Clean) {
                let gain = match outcome {
                    Outcome::Improved(gain) => gain,
                    _ => 0.0,
                };
                eprintln!(
                    "          window {:?} phases {:?}: {:.3}s, {} LP iterations, gain {gain:.1}, \
                     potential {potential:.1}",
                    window.practices,
                    window.phases,
                    started.elapsed().as_secs_f64(),
                    self.iterations - iterations_before,
                );
            }
            match outcome {
                Outcome::Improved(gain) => {
                    run.report.improved += 1;
                    run.report.gain += gain;
                }
                Outcome::Unchanged => {}
                Outcome::Clean => continue,
                Outcome::TimedOut => return Ok(PassEnd::OutOfTime),
            }
            run.solved_at.insert(window.clone(), self.stamp);
            run.report.windows += 1;
            *budget -= 1;
        }
        Ok(if run.report.improved > before {
            PassEnd::Improved
        } else {
            PassEnd::Nothing
        })
    }

    /// Every practice with its nearest neighbours (straight line, then index), once per
    /// distinct set, in decreasing order of what the plan costs above `lp` on their columns.
    fn windows(&self, values: &[f64], lp: &[f64]) -> Vec<(f64, Window)> {
        let practices = &self.instance.practices;
        let mut out: Vec<Vec<usize>> = Vec::new();
        for (p, seed) in practices.iter().enumerate() {
            if self.columns_at[p].is_empty() {
                continue;
            }
            let mut near: Vec<(f64, usize)> = practices
                .iter()
                .enumerate()
                .filter(|&(q, _)| q != p && !self.columns_at[q].is_empty())
                .map(|(q, other)| (straight_m(seed.location, other.location), q))
                .collect();
            near.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            let mut window: Vec<usize> = std::iter::once(p)
                .chain(near.iter().take(PRACTICES_PER_WINDOW - 1).map(|&(_, q)| q))
                .collect();
            window.sort_unstable();
            if !out.contains(&window) {
                out.push(window);
            }
        }
        let excess_cost = |window: &Vec<usize>| -> f64 {
            self.free_columns(window)
                .iter()
                .map(|&c| self.f.columns[c].cost * (values[c] - lp[c]))
                .sum()
        };
        let mut keyed: Vec<(f64, Vec<usize>)> =
            out.into_iter().map(|w| (excess_cost(&w), w)).collect();
        keyed.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
        keyed
            .into_iter()
            .map(|(potential, w)| (potential, Window::all_phases(w)))
            .collect()
    }

    /// The free columns of a window of practices: their pairs and excess, and the waiting
    /// of every area with a pair there.
    fn free_columns(&self, practices: &[usize]) -> Vec<usize> {
        let mut free: Vec<usize> = Vec::new();
        let mut areas: Vec<usize> = Vec::new();
        for &p in practices {
            free.extend(&self.columns_at[p]);
            areas.extend(&self.areas_at[p]);
        }
        areas.sort_unstable();
        areas.dedup();
        for a in areas {
            free.extend(&self.f.waiting[a]);
        }
        free.sort_unstable();
        free.dedup();
        free
    }

    /// Solves the window of `practices`, unless it was solved at stamp `since` and none
    /// of its rows changed after that.
    fn solve_window(
        &mut self,
        window: &Window,
        since: Option<u64>,
        values: &mut [f64],
        seconds: f64,
    ) -> Result<Outcome, SolveError> {
        let free = self.free_columns(&window.practices);
        for (k, &c) in free.iter().enumerate() {
            self.local[c] = Some(k);
        }
        let mut rows: Vec<usize> = Vec::new();
        for &c in &free {
            for &r in &self.rows_of[c] {
                if !self.in_window[r] {
                    self.in_window[r] = true;
                    rows.push(r);
                }
            }
        }
        rows.sort_unstable();
        let clean = since.is_some_and(|s| rows.iter().all(|&r| self.changed_at[r] <= s));
        let outcome = if clean {
            Ok(Outcome::Clean)
        } else {
            let program = self.program(window, &free, &rows, values);
            let (solution, iterations) = solve_program(&program, seconds)?;
            self.iterations += iterations;
            match solution {
                Solution::Found(states) => Ok(self.take(&free, &rows, states, values)),
                Solution::None => Ok(Outcome::Unchanged),
                Solution::TimedOut => Ok(Outcome::TimedOut),
            }
        };
        for &c in &free {
            self.local[c] = None;
        }
        for &r in &rows {
            self.in_window[r] = false;
        }
        outcome
    }

    /// The window as a formulation of its own, written in increments like the LP: the free
    /// columns (in `free`'s order), every row that holds one with the fixed columns' share
    /// taken into its right-hand side, and the window's pairs.
    fn program(&self, window: &Window, free: &[usize], rows: &[usize], values: &[f64]) -> Program {
        let f = self.f;
        let local = |c: usize| self.local[c].expect("a pair of the window is free");
        let mut sub = Formulation {
            columns: free.iter().map(|&c| f.columns[c]).collect(),
            rows: Vec::with_capacity(rows.len()),
            row_kinds: rows.iter().map(|&r| f.row_kinds[r]).collect(),
            objective_offset: 0.0,
            origins: Vec::new(),
            destinations: Vec::new(),
            waiting: Vec::new(),
            excess: Vec::new(),
        };
        for &r in rows {
            let row = &f.rows[r];
            let mut fixed = self.activity[r];
            let mut terms = Vec::new();
            for &(c, k) in &row.terms {
                if let Some(l) = self.local[c] {
                    fixed -= k * values[c];
                    terms.push((l, k));
                }
            }
            sub.rows.push(Row {
                terms,
                sense: row.sense,
                rhs: row.rhs - fixed,
            });
        }
        for &p in &window.practices {
            for &i in &self.origins_at[p] {
                let mut o = f.origins[i].clone();
                o.remain.iter_mut().for_each(|c| *c = local(*c));
                o.leave_at_close = o.leave_at_close.map(local);
                sub.origins.push(o);
            }
            for &j in &self.destinations_at[p] {
                let mut d = f.destinations[j].clone();
                d.joined.iter_mut().for_each(|c| *c = local(*c));
                sub.destinations.push(d);
            }
        }
        let start: Vec<f64> = free.iter().map(|&c| values[c]).collect();
        let mut increments = Increments::new(&sub);
        // Phases outside the window's keep their increments: the plan before them stays,
        // and what the window changes carries over into the phases after them unchanged.
        if let Some((first, last)) = window.phases {
            for t in (1..first).chain(last + 1..=self.instance.phases()) {
                for (c, step) in increments.phase_values(t, &start) {
                    let column = &mut increments.columns[c];
                    column.lower = step;
                    column.upper = step;
                }
            }
        }
        Program { increments, start }
    }

    /// Takes the window's solution `states` (in `free`'s order) if it is integral after
    /// snapping, keeps every row of the window within its bounds and costs less.
    fn take(
        &mut self,
        free: &[usize],
        rows: &[usize],
        states: Vec<f64>,
        values: &mut [f64],
    ) -> Outcome {
        let f = self.f;
        let mut candidate: Vec<f64> = free
            .iter()
            .zip(&states)
            .map(|(&c, &v)| {
                let col = &f.columns[c];
                let v = if col.integer { v.round() } else { v };
                v.clamp(col.lower, col.upper)
            })
            .collect();
        self.settle_excess(free, &mut candidate, values);
        let old: f64 = free.iter().map(|&c| f.columns[c].cost * values[c]).sum();
        let new: f64 = free
            .iter()
            .zip(&candidate)
            .map(|(&c, &v)| f.columns[c].cost * v)
            .sum();
        if new >= old - MIN_IMPROVEMENT {
            return Outcome::Unchanged;
        }
        for &r in rows {
            let row = &f.rows[r];
            let mut a = self.activity[r];
            for &(c, k) in &row.terms {
                if let Some(l) = self.local[c] {
                    a += k * (candidate[l] - values[c]);
                }
            }
            let ok = match row.sense {
                Sense::Le => a <= row.rhs + FEASIBILITY_TOL,
                Sense::Eq => (a - row.rhs).abs() <= FEASIBILITY_TOL,
            };
            if !ok {
                return Outcome::Unchanged;
            }
        }
        for (&c, &v) in free.iter().zip(&candidate) {
            values[c] = v;
        }
        self.stamp += 1;
        for &r in rows {
            let before = self.activity[r];
            let after = f.rows[r].activity(values);
            self.activity[r] = after;
            // The city-wide moves row changes with every window; it only matters to others
            // while it is nearly used up.
            let matters = match f.row_kinds[r] {
                RowKind::Moves { .. } => {
                    f.rows[r].rhs - before.max(after) < MOVES_SLACK_THAT_MATTERS
                }
                _ => true,
            };
            if (after - before).abs() > FEASIBILITY_TOL && matters {
                self.changed_at[r] = self.stamp;
            }
        }
        Outcome::Improved(old - new)
    }

    /// Sets every free excess column to exactly what its load row needs (HiGHS returns
    /// them within its tolerances), so that the plan's objective is exact.
    fn settle_excess(&self, free: &[usize], candidate: &mut [f64], values: &[f64]) {
        let f = self.f;
        for (k, &c) in free.iter().enumerate() {
            let col = &f.columns[c];
            if col.integer {
                continue;
            }
            // An excess column sits in exactly one row, its load row, with coefficient −1.
            let Some(&r) = self.rows_of[c].first() else {
                continue;
            };
            let row = &f.rows[r];
            let load: f64 = row
                .terms
                .iter()
                .filter(|&&(other, _)| other != c)
                .map(|&(other, w)| w * self.local[other].map_or(values[other], |l| candidate[l]))
                .sum();
            candidate[k] = (load - row.rhs).clamp(col.lower, col.upper);
        }
    }
}

/// What HiGHS made of a window's program.
enum Solution {
    /// A feasible solution, as the window's states.
    Found(Vec<f64>),
    /// No solution (HiGHS keeps the start, so this only happens on numerical trouble).
    None,
    /// Cut off by the time limit.
    TimedOut,
}

/// Solves a window's integer program from the current plan, single-threaded with a fixed
/// seed and a node limit.
fn solve_program(program: &Program, seconds: f64) -> Result<(Solution, u64), SolveError> {
    let inc = &program.increments;
    let (mut model, _) = highs_model(&inc.columns, &inc.rows, true)?;
    configure(&mut model, seconds, false)?;
    model
        .try_set_option("mip_max_nodes", NODES_PER_WINDOW)
        .and_then(|()| model.try_set_option("mip_rel_gap", 0.0))
        // HiGHS's own RENS/RINS sub-MIPs and restarts took most of a window's time and
        // found little the root did not (a 250-area instance: windows 220 s → 85 s, same
        // gain).
        .and_then(|()| model.try_set_option("mip_heuristic_run_rens", false))
        .and_then(|()| model.try_set_option("mip_heuristic_run_rins", false))
        .and_then(|()| model.try_set_option("mip_allow_restart", false))
        .map_err(|e| SolveError::Rejected(format!("option: {e:?}")))?;
    let solved = solve_from(model, Some(&inc.increments(&program.start)))?;
    // After a MIP, HiGHS reports the LP iterations of the whole search here.
    let iterations = u64::try_from(solved.simplex_iteration_count()).unwrap_or(0);
    let solution = if solved.status() == HighsModelStatus::ReachedTimeLimit {
        Solution::TimedOut
    } else if has_feasible_solution(&solved) {
        Solution::Found(inc.states(solved.get_solution().columns()))
    } else {
        Solution::None
    };
    Ok((solution, iterations))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::geo::Distances;
    use crate::lp::solve::{mip_optimum, objective};

    use crate::lp::SMALL;

    /// Every bound and row of `f` holds for `values`, and integer columns are integers.
    fn assert_feasible(f: &Formulation, values: &[f64]) {
        for (c, v) in f.columns.iter().zip(values) {
            assert!(*v >= c.lower - 1e-9 && *v <= c.upper + 1e-9, "{c:?}: {v}");
            assert!(!c.integer || v.fract() == 0.0, "{c:?}: {v} not integral");
        }
        for row in &f.rows {
            let lhs = row.activity(values);
            match row.sense {
                Sense::Le => assert!(lhs <= row.rhs + 1e-6, "{row:?}: {lhs}"),
                Sense::Eq => assert!((lhs - row.rhs).abs() <= 1e-6, "{row:?}: {lhs}"),
            }
        }
    }

    /// Improves the plan that moves nobody; the LP guiding the order is that plan itself.
    fn from_idle(instance: &Instance, f: &Formulation) -> (Vec<f64>, Report) {
        let mut values = f.idle_solution(instance);
        let lp = values.clone();
        let deadline = Instant::now() + Duration::from_secs(120);
        let report = Search::new(instance, f, &values)
            .run(&mut values, &lp, deadline, false)
            .expect("search");
        (values, report)
    }

    /// With at most three practices the one window is the whole model, so from the plan
    /// that moves nobody the search must reach the MIP optimum.
    #[test]
    fn one_window_reaches_the_mip_optimum() {
        for text in SMALL {
            let instance = crate::validate::parse_instance(text).expect("valid instance");
            assert!(instance.practices.len() <= PRACTICES_PER_WINDOW);
            let f = Formulation::build(&instance, &Distances::compute(&instance));
            let (values, report) = from_idle(&instance, &f);
            assert_feasible(&f, &values);
            let optimum = mip_optimum(&f);
            let value = objective(&f, &values);
            assert!(
                (value - optimum).abs() <= 1e-6 * optimum.abs().max(1.0),
                "{}: windows {value}, MIP {optimum}",
                instance.name
            );
            let idle = objective(&f, &f.idle_solution(&instance));
            assert!((report.gain - (idle - value)).abs() <= 1e-6 * idle.abs().max(1.0));
        }
    }

    /// On Enschede (39 practices, many windows that share areas, the moves row and the
    /// registrations of closing practices) every plan the search takes is feasible, it
    /// gains what its report says, and a second run gives the same plan.
    #[test]
    fn windows_keep_the_plan_feasible_and_are_deterministic() {
        let text = include_str!("../../instances/enschede.json");
        let instance = crate::validate::parse_instance(text).expect("valid instance");
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let idle = objective(&f, &f.idle_solution(&instance));
        let (values, report) = from_idle(&instance, &f);
        assert_feasible(&f, &values);
        let value = objective(&f, &values);
        assert!(
            report.improved > 0 && value < idle,
            "{value} vs idle {idle}"
        );
        assert!((report.gain - (idle - value)).abs() <= 1e-6 * idle);
        let (again, _) = from_idle(&instance, &f);
        assert_eq!(values, again);
    }

    /// Where the two practices that must swap patients are never nearest neighbours
    /// ([`super::super::fragments::tests::apart`]), the fragment window still finds the swap
    /// and the search reaches the MIP optimum: nobody waits.
    #[test]
    fn fragment_windows_reach_what_the_nearest_do_not() {
        let instance = crate::lp::fragments::tests::apart(1);
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let (values, report) = from_idle(&instance, &f);
        assert_feasible(&f, &values);
        assert_eq!(values[f.waiting[0][0]], 0.0);
        let optimum = mip_optimum(&f);
        let value = objective(&f, &values);
        assert!(
            (value - optimum).abs() <= 1e-6 * optimum,
            "{value} vs MIP {optimum}"
        );
        assert_eq!(report.improved, 1);
    }

    /// A window over phase 2 alone keeps phase 1 as it is and carries its change into the
    /// phases after it: on `apart` with three phases, the resident waits in phase 1 and is
    /// registered from phase 2 on (2 moves and a registration, in phase 2).
    #[test]
    fn a_window_changes_only_its_phases() {
        let instance = crate::lp::fragments::tests::apart(3);
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let mut values = f.idle_solution(&instance);
        let mut search = Search::new(&instance, &f, &values);
        let window = Window {
            practices: vec![0, 3],
            phases: Some((2, 2)),
        };
        let outcome = search
            .solve_window(&window, None, &mut values, 60.0)
            .expect("window");
        assert!(matches!(outcome, Outcome::Improved(_)));
        assert_feasible(&f, &values);
        let waiting: Vec<f64> = f.waiting[0].iter().map(|&c| values[c]).collect();
        assert_eq!(waiting, [1.0, 0.0, 0.0]);
    }
}
