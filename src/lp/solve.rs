//! Solving the formulation with HiGHS: LP first, then rounding, then MIP only if needed.
//!
//! Branch-and-bound is the slow part of a MIP, and this model's LP relaxation is nearly
//! integral, so the order is:
//!
//! 1. solve the LP relaxation in increments ([`super::increments`], [`LpModel`]); its
//!    optimum is the bound, and if every count is integral it is the optimum;
//! 2. on models up to [`BALANCED_MAX_COLUMNS`], solve the weight-balanced LP
//!    ([`Formulation::weight_balanced`]: full practices only swap patients of equal or
//!    lower care weight, which integers can follow);
//! 3. replay them in integers ([`super::repair`]): the balanced LP when its value is
//!    within [`BALANCED_MAX_PRICE`] of the bound, and the plain one unless that plan is
//!    already within the gap tolerance (twice on models up to [`PORTFOLIO_MAX_COLUMNS`],
//!    see there), keeping the best; on models where not every full practice chooses its
//!    net change in the keep program (above [`CHOICE_MAX_COLUMNS`]) its (first) rounding
//!    takes phase 1 from the LP with only phase 1 weight-balanced (see
//!    [`first_phase_balanced`]). After each phase the LP is
//!    solved again from its basis with that phase fixed to the plan, so the next phase is
//!    rounded from an LP that agrees with the plan so far;
//! 4. where the rounding lost more than the tolerance against the LP it followed,
//!    re-optimise the plan a few nearby practices at a time in integers
//!    ([`super::neighbourhood`]): the swaps and partial rooms the LP has and the rounding
//!    cannot copy;
//! 5. only if the gap is still above the tolerance and the model is small
//!    ([`MIP_MAX_INTEGER_COLUMNS`]), run the full MIP from the best plan so far.
//!
//! Every solve gets what is left of one wall-clock budget. A MIP cut off by the clock is
//! discarded (its incumbent would depend on the machine's speed); the result is then the
//! rounded plan, with status `time_limit` when its gap to the LP bound is above the
//! tolerance. If even the LP does not finish, the plan that moves nobody (always feasible)
//! is returned.
//! HiGHS runs single-threaded with a fixed seed, so the same model gives the same solution.
//! `SPREIDING_TRACE=1` prints each step's time and value on stderr, `SPREIDING_TRACE=2` also
//! every window of step 4.

use std::cell::Cell;
use std::time::{Duration, Instant};

use good_lp::solvers::highs::highs;
use good_lp::{Expression, ProblemVariables, SolverModel, Variable, variable};
use highs::{HighsModelStatus, HighsSolutionStatus, HighsStatus, Model};

use super::formulation::{Formulation, Sense};
use super::lp_model::{LpModel, LpRun};
use super::neighbourhood::Search;
use super::phase_mip::{PhaseMip, Reach};
use super::repair::{CHOICE_MAX_COLUMNS, Guide, Prices, Rounding, repair};
use crate::model::Instance;

/// How to solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveOptions {
    /// Wall-clock budget for all solves together.
    pub time_limit: Duration,
    /// Relative gap under which a plan counts as optimal.
    pub gap: f64,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            time_limit: Duration::from_secs(300),
            gap: 1e-4,
        }
    }
}

/// How the returned solution was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The LP relaxation was already integral.
    Lp,
    /// The LP (or the weight-balanced LP) replayed in integers.
    Rounded,
    /// The full MIP.
    Mip,
    /// Nothing solved in time: the plan that moves nobody.
    Idle,
}

impl Method {
    /// Name used in the plan's `solver.method`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Lp => "lp",
            Method::Rounded => "rounded",
            Method::Mip => "mip",
            Method::Idle => "idle",
        }
    }
}

/// An integral solution of the formulation and what is known of its quality.
#[derive(Debug, Clone, PartialEq)]
pub struct Solved {
    /// Column values; integer columns hold exact integers.
    pub values: Vec<f64>,
    /// Lower bound on the optimum (objective offset included).
    pub bound: f64,
    /// Objective of `values` (offset included).
    pub value: f64,
    /// How it was found.
    pub method: Method,
    /// Row duals of the LP relaxation, when it solved to optimality.
    pub lp_row_duals: Option<Vec<f64>>,
}

impl Solved {
    /// Takes a rounded solution if it is better.
    fn improve(&mut self, f: &Formulation, rounded: Option<Vec<f64>>) {
        let Some(values) = rounded else { return };
        let value = objective(f, &values);
        if value >= self.value {
            return;
        }
        if !keeps_every_row(f, &values) {
            // Never expected (the rounding and the phase programs keep every row); kept
            // out rather than emitted, and said where someone is looking.
            if std::env::var_os("SPREIDING_TRACE").is_some() {
                eprintln!("  a rounded plan broke a row and was discarded");
            }
            return;
        }
        self.value = value;
        self.values = values;
        self.method = Method::Rounded;
    }
}

/// HiGHS failed in a way no plan can come from.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// HiGHS refused the model or an option.
    #[error("highs rejected the model: {0}")]
    Rejected(String),
}

/// The full MIP is tried only on models with at most this many integer columns. On a city
/// (Enschede: 793) HiGHS spends minutes in root cuts without improving the rounded plan
/// (docs/performance.md), and a MIP cut off by the clock is discarded anyway, so above this
/// size it would only burn the time limit.
const MIP_MAX_INTEGER_COLUMNS: usize = 400;

/// LPs with more columns than this are solved by HiGHS's interior-point method (with
/// crossover, so the solution is still a vertex and has duals): on a 120-area, 60-practice,
/// 6-phase instance (9,626 columns) dual simplex needed 25k degenerate iterations and 16.7 s,
/// IPM 1.7 s; on Enschede (3,291 columns) simplex is faster (0.2 s against 0.3 s).
const IPM_FROM_COLUMNS: usize = 5_000;

/// The plain LP is rounded twice on models up to this many columns, with the keep
/// programs' candidates at the LP's flows and at twice them (see `repair`), and the better
/// rounded plan is kept. On 15 generated instances of 40–80 areas the second was better in
/// 10 (by up to 0.04%) and worse in 4, and the rounded plan's value picked the better final
/// plan every time. Above this size a second rounding costs too much (a 500-area region:
/// ~130 s), and the LP is rounded once with [`MARGIN`]. The second rounding is skipped when
/// the first is within the gap tolerance, or took more than [`SECOND_ROUNDING_MAX_WORK`].
const PORTFOLIO_MAX_COLUMNS: usize = 20_000;

/// The second rounding runs only after a first that took at most this much [`work`]
/// (HiGHS's simplex iterations times the rows of their models), so that it leaves the
/// windows their time. Work, not seconds, so that the plan does not depend on the machine's
/// speed (session 23's rule, "less than twice the first rounding's time left", gave a
/// 120-area city one plan alone on the cores and another beside a second run). Measured:
/// 60 × 30 × 4 instances 11–153 million (first roundings of 7–60 s), the 120-area city 125
/// million (47 s; its second rounding gains 28); city seeds 40–42 415–504 million (130–190
/// s: a second rounding ended seed 40 at 235 s and seed 42 at 265 s), 150 × 80 × 8 412
/// million, 120 × 60 × 12 1.9 billion.
const SECOND_ROUNDING_MAX_WORK: u64 = 250_000_000;

/// How many patients the keep program may add to each of the LP's departures, arrivals and
/// registrations of a phase. Where every practice is full, exchanges of patients with
/// different care weights are integral only in counts whose weights balance (13 of weight
/// 1.0 for 10 of weight 1.3), often larger than the LP's fractions. 15 took 500 × 300 × 4
/// from 0.076% to 0.059% above the LP bound and 1000 × 600 × 4 from 0.100% to 0.075%. On the
/// 120-area city the plan ends better from the two roundings without it (0.024%) than from
/// one with it, which the windows then improve less (0.034–0.035%), so the portfolio of
/// smaller models keeps those.
const MARGIN: u64 = 15;

/// The weight-balanced LP is rounded instead of the plain one when its value is at most this
/// much (relative) above the plain LP's bound; see `solve`.
const BALANCED_MAX_PRICE: f64 = 1e-3;

/// On models up to [`KEEP_PROOF_MAX_COLUMNS`], a keep program stops once proved within this
/// share of the gap tolerance's part per phase (the tolerance times the LP bound, over the
/// phases): well inside what the plan may lose, where most of a small program's time went
/// into proving its last few units (Enschede's plain rounding: 52 s with its programs
/// proved optimal, 6 s with this, the plan 3.5 worse of 19.36 million).
const KEEP_PROOF_SHARE: f64 = 0.1;

/// On models up to [`KEEP_PROOF_MAX_COLUMNS`], a keep program whose full practices choose
/// their net changes takes its dive's plan (see `repair::Rounding::quick`) when that is
/// within this share of the gap tolerance's part per phase of the program's relaxation.
/// Enschede then takes 1.3 s instead of 5.7 s, at 0.0019% above the LP bound instead of
/// 0.0004%; with the whole part (1.0) 0.4 s and 0.0038%, but 60 × 30 × 4 seeds 3 and 5 end
/// at 0.0134% and 0.0096% (0.0093%, 0.0067% without dives); with 0.3 at 0.0101% and 0.0067%.
const DIVE_SHARE: f64 = 0.3;

/// Bigger models' keep programs are solved to their node limit without an absolute gap: they
/// seldom come near one, and the setting only changed HiGHS's search (one run of the region
/// ended 0.0104% worse with it, 150 × 80 × 8 0.0004% worse, 120 × 60 × 12 seed 5 0.0015%).
const KEEP_PROOF_MAX_COLUMNS: usize = 12_000;

/// The weight-balanced LP is only solved for models up to this many columns. It costs as
/// much as the LP itself (a 500-area region: 135 s on top of 70 s) and on the large
/// synthetic instances it was never close enough to the bound to be rounded (city: 1.4%,
/// region: 2.5% above it), so above this size the plain LP is rounded directly.
const BALANCED_MAX_COLUMNS: usize = 20_000;

/// Integer values closer than this to an integer count as integral.
const INTEGRALITY_TOL: f64 = 1e-6;

fn model(f: &Formulation, integer: bool, seconds: f64, gap: f64) -> Result<Model, SolveError> {
    let mut vars = ProblemVariables::new();
    let columns: Vec<Variable> = f
        .columns
        .iter()
        .map(|c| {
            let mut def = variable().min(c.lower);
            if c.upper.is_finite() {
                def = def.max(c.upper);
            }
            if integer && c.integer {
                def = def.integer();
            }
            vars.add(def)
        })
        .collect();
    let mut objective = Expression::with_capacity(columns.len());
    for (v, c) in columns.iter().zip(&f.columns) {
        if c.cost != 0.0 {
            objective.add_mul(c.cost, *v);
        }
    }
    let mut problem = vars.minimise(objective).using(highs);
    for row in &f.rows {
        let mut e = Expression::with_capacity(row.terms.len());
        for &(c, k) in &row.terms {
            e.add_mul(k, columns[c]);
        }
        let constraint = match row.sense {
            Sense::Le => e.leq(row.rhs),
            Sense::Eq => e.eq(row.rhs),
        };
        problem.add_constraint(constraint);
    }
    let mut model = problem
        .try_into_inner()
        .map_err(|e| SolveError::Rejected(e.to_string()))?;
    configure(
        &mut model,
        seconds,
        !integer && f.columns.len() > IPM_FROM_COLUMNS,
    )?;
    model
        .try_set_option("mip_rel_gap", gap)
        .map_err(|e| SolveError::Rejected(format!("option: {e:?}")))?;
    Ok(model)
}

/// The options of every HiGHS run: quiet (unless `SPREIDING_HIGHS_LOG` is set), one thread,
/// a fixed seed, the time left; interior point or simplex for an LP.
pub(super) fn configure(model: &mut Model, seconds: f64, ipm: bool) -> Result<(), SolveError> {
    model.make_quiet();
    if std::env::var_os("SPREIDING_HIGHS_LOG").is_some() {
        let _ = model.try_set_option("output_flag", true);
        let _ = model.try_set_option("log_to_console", true);
    }
    model
        .try_set_option("solver", if ipm { "ipm" } else { "choose" })
        .and_then(|()| model.try_set_option("threads", 1))
        .and_then(|()| model.try_set_option("random_seed", 0))
        .and_then(|()| model.try_set_option("time_limit", seconds.max(0.001)))
        .map_err(|e| SolveError::Rejected(format!("option: {e:?}")))
}

/// What one HiGHS run gave.
struct Run {
    values: Option<Vec<f64>>,
    /// Proved lower bound (objective for an optimal LP, MIP dual bound otherwise).
    bound: Option<f64>,
    optimal: bool,
}

/// Whether HiGHS holds a feasible primal solution. Read as an integer: the bindings'
/// `primal_solution_status()` panics on HiGHS's −1 ("not set"), which a model that presolve
/// reduced to nothing can report.
pub(super) fn has_feasible_solution(solved: &highs::SolvedModel) -> bool {
    solved
        .int_info_value(c"primal_solution_status")
        .is_ok_and(|v| v == HighsSolutionStatus::Feasible as i64)
}

/// Solves `model`, from `start` (HiGHS's initial solution) when given.
pub(super) fn solve_from(
    mut model: Model,
    start: Option<&[f64]>,
) -> Result<highs::SolvedModel, SolveError> {
    if let Some(start) = start {
        model
            .try_set_solution(Some(start), None, None, None)
            .map_err(|e| SolveError::Rejected(format!("initial solution: {e:?}")))?;
    }
    solve_counted(model).map_err(|e| SolveError::Rejected(format!("{e:?}")))
}

thread_local! {
    /// The work of HiGHS's runs on this thread so far, see [`work`].
    static WORK: Cell<u64> = const { Cell::new(0) };
}

/// Solves `model` and adds the run's work to [`work`]: its simplex iterations (after a MIP,
/// those of its whole search) times the model's rows, as an iteration's cost grows with
/// the basis. Every HiGHS run of the rounding goes through here.
pub(super) fn solve_counted(model: Model) -> Result<highs::SolvedModel, HighsStatus> {
    let rows = u64::try_from(model.num_rows()).unwrap_or(u64::MAX).max(1);
    let solved = model.try_solve();
    if let Ok(solved) = &solved {
        let iterations = u64::try_from(solved.simplex_iteration_count()).unwrap_or(0);
        WORK.with(|w| w.set(w.get().saturating_add(iterations.saturating_mul(rows))));
    }
    solved
}

/// The work of every [`solve_counted`] run on this thread so far: a measure that, unlike
/// seconds, is the same on every machine, for decisions the output must not depend on. A
/// solve runs on one thread from start to end (HiGHS itself is single-threaded, sensitivity
/// runs whole solves on rayon's threads), so the difference of two readings within a solve
/// is that solve's work alone.
pub(super) fn work() -> u64 {
    WORK.with(Cell::get)
}

fn run(model: Model, is_mip: bool, start: Option<&[f64]>) -> Result<Run, SolveError> {
    let solved = solve_from(model, start)?;
    let status = solved.status();
    let optimal = status == HighsModelStatus::Optimal;
    let feasible = has_feasible_solution(&solved);
    let solution = solved.get_solution();
    let objective = solved.objective_value();
    let bound = if is_mip {
        solved
            .double_info_value(c"mip_dual_bound")
            .ok()
            .filter(|b| b.is_finite())
    } else if optimal {
        Some(objective)
    } else {
        None
    };
    Ok(Run {
        values: feasible.then(|| solution.columns().to_vec()),
        bound,
        optimal,
    })
}

/// The LP relaxation of `f`, solved in increments (see [`super::increments`]) and mapped
/// back: values and duals of `f`'s columns and rows, bound with `f`'s offset included. The
/// model stays in the returned `LpModel` for re-solves.
pub(super) fn solve_lp(f: &Formulation, seconds: f64) -> Result<(LpModel, LpRun), SolveError> {
    let mut model = LpModel::new(f)?;
    let run = model.solve(seconds, f.columns.len() > IPM_FROM_COLUMNS)?;
    Ok((model, run))
}

/// `refresh` for [`super::repair::repair`]: fixes the phase just rounded in `model` and
/// solves it again, while time is left and the re-solves stay optimal.
///
/// A phase whose rounding raised the LP's value by more than `rise` (from `lp_value`, the
/// value of `model`'s LP before the rounding) is then re-optimised in integers from the
/// rounding and that LP continuation (see [`super::phase_mip`]), together with as many later
/// phases as [`PhaseMip::reach`] allows; a better phase replaces the rounded one in the plan
/// and in `model`. With `rise` = gap × value / phases, phases that each lose less cannot
/// add up to more than the gap tolerance (Enschede's lose 2.6 of 19 million together;
/// their programs would cost 1.5 s). A program gets a third of the time left at most, so
/// one that runs long leaves the rest of the rounding its time; one cut off is discarded.
pub(super) fn refresher<'a>(
    f: &'a Formulation,
    (model, lp_value): (&'a mut LpModel, f64),
    (mip, rise): (&'a PhaseMip, f64),
    left: &'a dyn Fn() -> f64,
) -> impl FnMut(usize, &mut [f64]) -> Option<Guide> + 'a {
    let mut failed = false;
    let mut previous = lp_value;
    move |t, values| {
        if failed || left() <= 0.0 {
            return None;
        }
        model.fix_phase(t, values);
        let started = Instant::now();
        let run = model.solve(left(), false).ok().filter(|r| r.optimal);
        if run.is_none() && std::env::var_os("SPREIDING_TRACE").is_some() {
            eprintln!(
                "  phase {t}: the LP re-solve failed after {:.2}s; no more re-solves",
                started.elapsed().as_secs_f64()
            );
        }
        let (fresh, duals) = match run {
            Some(LpRun {
                values: Some(values),
                row_duals,
                ..
            }) => (values, row_duals),
            _ => {
                failed = true;
                return None;
            }
        };
        // The duals of the re-solved LP price the later phases for the next phase's
        // rounding, also when a phase program replaces this phase below.
        let prices = duals.map(|y| Prices::new(f, &y));
        let value = objective(f, &fresh);
        let lost = value - std::mem::replace(&mut previous, value);
        if std::env::var("SPREIDING_TRACE").is_ok_and(|v| v == "2") {
            eprintln!("  phase {t}: LP after the rounding {value:.1} (rose {lost:.1})");
        }
        let Some(reach) = mip.reach(t).filter(|_| lost > rise) else {
            return Some(Guide {
                values: fresh,
                prices,
            });
        };
        let started = Instant::now();
        let better = mip
            .improve(f, t, reach, &fresh, left() / 3.0)
            .ok()
            .flatten()
            .filter(|b| objective(f, b) < value - 1e-6);
        if std::env::var_os("SPREIDING_TRACE").is_some() {
            eprintln!(
                "  phase {t}: rounding lost {lost:.1} (> {rise:.1}), phase program {:.2}s, {}",
                started.elapsed().as_secs_f64(),
                better.as_ref().map_or("no gain".to_string(), |b| format!(
                    "gain {:.1}",
                    value - objective(f, b)
                ))
            );
        }
        let Some(better) = better else {
            return Some(Guide {
                values: fresh,
                prices,
            });
        };
        previous = objective(f, &better);
        for c in f.columns_up_to(t) {
            values[c] = if f.columns[c].integer {
                better[c].round()
            } else {
                better[c]
            };
        }
        model.fix_phase(t, values);
        if let Reach::UpTo(_) = reach {
            // The program kept the old continuation's states after its reach, so its value
            // lies above the LP with this phase fixed: that LP is the next phase's guide
            // and the reference for its loss.
            if let Ok(LpRun {
                values: Some(fresh),
                row_duals,
                optimal: true,
                ..
            }) = model.solve(left(), false)
            {
                previous = objective(f, &fresh);
                return Some(Guide {
                    values: fresh,
                    prices: row_duals.map(|y| Prices::new(f, &y)),
                });
            }
        }
        Some(Guide {
            values: better,
            prices,
        })
    }
}

/// The LP of `model` with phase 1 weight-balanced (the rows of `balanced` from index
/// `plain_rows` on, those it adds to the formulation), as a guide for the rounding, and its
/// value; `None` if it did not solve.
/// The rows are lifted again before this returns, so the re-solves after each phase are
/// the plain LP's.
///
/// Where every practice starts at its bound (above its ceiling, so the bound is today's
/// load) and nobody can be registered yet, phase 1 can only exchange patients, and each
/// practice must balance its exchanges exactly in care weight. The LP's exchanges of
/// different weights (59 of 1.15 for 61.7 of 1.1) have almost no integer points near
/// them (docs/performance.md, session 18), so the rounding kept few of them and the LP
/// moved them to phase 2: on the 120-area city without limits the LP rose 0.77M (2.2%)
/// in phase 1 alone. Restricted to equal or lighter exchanges in phase 1 only, the LP
/// costs 0.28M above the bound there and its phase 1 rounds to within 5 of it; later
/// phases keep the plain LP, where room makes fractions cheap to round. Solved from the
/// plain LP's basis, it costs a fraction of the LP (0.16 s on that city).
///
/// Where every full practice chooses among integer net changes that fit (see
/// `repair::nets`, models up to [`CHOICE_MAX_COLUMNS`]), the plain LP's phase 1 rounds well
/// and this restriction only costs: on a 120-area city (seed 42) it raised phase 1 by
/// 1.7k, and the plan ended at 0.0275% above the bound against 0.0204% from the plain LP.
/// Where only some choose (above it), the others' exchanges do not round: with 20
/// choosing, the region's plan from the plain LP's phase 1 ended at 0.151% above the bound
/// against 0.093% from this one.
fn first_phase_balanced(
    model: &mut LpModel,
    (balanced, plain_rows): (&Formulation, usize),
    seconds: f64,
) -> Result<Option<(Guide, f64)>, SolveError> {
    model.restrict(&balanced.rows[plain_rows..])?;
    let run = model.solve(seconds, false);
    model.release();
    Ok(match run? {
        LpRun {
            values: Some(values),
            row_duals,
            bound: Some(value),
            optimal: true,
        } => Some((
            Guide {
                values,
                prices: row_duals.map(|y| Prices::new(balanced, &y)),
            },
            value,
        )),
        _ => None,
    })
}

fn is_integral(f: &Formulation, values: &[f64]) -> bool {
    f.columns
        .iter()
        .zip(values)
        .all(|(c, v)| !c.integer || (v - v.round()).abs() <= INTEGRALITY_TOL)
}

/// Integer columns rounded to exact integers, continuous ones clamped into their bounds.
fn snapped(f: &Formulation, values: &[f64]) -> Vec<f64> {
    f.columns
        .iter()
        .zip(values)
        .map(|(c, &v)| {
            let v = if c.integer { v.round() } else { v };
            v.clamp(c.lower, c.upper)
        })
        .collect()
}

/// Whether `values` keeps every row and bound of `f` (a last check on what the rounding
/// and the phase programs assemble; the plan is verified independently again later).
pub(super) fn keeps_every_row(f: &Formulation, values: &[f64]) -> bool {
    let tolerance = |x: f64| 1e-6 * x.abs().max(1.0);
    let bounds = f.columns.iter().zip(values).all(|(c, &v)| {
        v >= c.lower - tolerance(c.lower)
            && v <= c.upper + tolerance(c.upper)
            && (!c.integer || (v - v.round()).abs() <= 1e-9)
    });
    bounds
        && f.rows.iter().all(|row| {
            let lhs = row.activity(values);
            match row.sense {
                Sense::Le => lhs <= row.rhs + tolerance(row.rhs),
                Sense::Eq => (lhs - row.rhs).abs() <= tolerance(row.rhs),
            }
        })
}

/// The objective of `values` (offset included).
pub(super) fn objective(f: &Formulation, values: &[f64]) -> f64 {
    f.objective_offset
        + f.columns
            .iter()
            .zip(values)
            .map(|(c, v)| c.cost * v)
            .sum::<f64>()
}

fn relative_gap(value: f64, bound: f64) -> f64 {
    (value - bound) / value.abs().max(1.0)
}

/// Solves `f` within `options`, see the module docs for the strategy.
pub fn solve(
    instance: &Instance,
    f: &Formulation,
    idle: Vec<f64>,
    options: &SolveOptions,
) -> Result<Solved, SolveError> {
    let started = Instant::now();
    // A library caller may pass any Duration; one that overflows an Instant means "no limit".
    let deadline = started
        .checked_add(options.time_limit)
        .unwrap_or_else(|| started + Duration::from_secs(365 * 86_400));
    let left = || {
        options
            .time_limit
            .saturating_sub(started.elapsed())
            .as_secs_f64()
    };
    let mut best = Solved {
        value: objective(f, &idle),
        values: idle,
        bound: f.objective_offset.min(0.0),
        method: Method::Idle,
        lp_row_duals: None,
    };

    let trace = std::env::var_os("SPREIDING_TRACE").is_some();
    let step = |what: &str, value: f64| {
        if trace {
            eprintln!(
                "{:>8.2}s {what}: {value:.1}",
                started.elapsed().as_secs_f64()
            );
        }
    };
    let (mut plain, lp) = solve_lp(f, left())?;
    step("LP", lp.bound.unwrap_or(f64::NAN));
    if let Some(bound) = lp.bound {
        best.bound = bound;
    }
    best.lp_row_duals = lp.row_duals;
    let Some(lp_values) = lp.values.filter(|_| lp.optimal) else {
        return Ok(best);
    };
    if is_integral(f, &lp_values) {
        let values = snapped(f, &lp_values);
        best.value = objective(f, &values);
        best.values = values;
        best.method = Method::Lp;
        return Ok(best);
    }

    // Rounding: replay an LP in integers (see `repair`). Where full practices trade
    // patients of different care weights, the LP's swaps are fractional and its rounding is
    // both poor and slow (the per-phase keep programs become hard knapsacks). The
    // weight-balanced LP (see `Formulation::weight_balanced`) forbids such swaps: its swaps
    // round, at a price against the bound that is small where few practices are full
    // (Enschede: 0.015%) and large where many are (a 120-area city: 1.4%). So it is rounded
    // instead of the plain LP when its own value is within `BALANCED_MAX_PRICE` of the
    // bound. The plain LP gives the bound and the duals either way.
    // The LP that was rounded: its values guide the windows, its value says what the
    // rounding lost.
    let mut rounded_from: Option<(Vec<f64>, f64)> = None;
    let rise = |value: f64| options.gap * value.abs().max(1.0) / instance.phases() as f64;
    let (enough, quick) = if f.columns.len() <= KEEP_PROOF_MAX_COLUMNS {
        let rise = rise(best.bound);
        (KEEP_PROOF_SHARE * rise, DIVE_SHARE * rise)
    } else {
        (0.0, 0.0)
    };
    let widened = |stretch, margin| Rounding {
        stretch,
        margin,
        enough,
        quick,
    };
    let balanced = (f.columns.len() <= BALANCED_MAX_COLUMNS)
        .then(|| f.weight_balanced(instance))
        .filter(|b| b.rows.len() > f.rows.len());
    if let Some(balanced) = balanced
        && left() > 0.0
    {
        let (mut model2, lp2) = solve_lp(&balanced, left())?;
        step("balanced LP", lp2.bound.unwrap_or(f64::NAN));
        if let (Some(values), Some(value)) = (lp2.values.filter(|_| lp2.optimal), lp2.bound)
            && relative_gap(value, best.bound) <= BALANCED_MAX_PRICE
        {
            let phase_mip = PhaseMip::new(&balanced, instance.phases());
            let (lp, mip) = ((&mut model2, value), (&phase_mip, rise(value)));
            let mut refresh = refresher(&balanced, lp, mip, &left);
            let guide = Guide {
                prices: lp2.row_duals.as_ref().map(|y| Prices::new(&balanced, y)),
                values: values.clone(),
            };
            best.improve(
                f,
                repair(
                    instance,
                    f,
                    guide,
                    widened(1, MARGIN),
                    deadline,
                    &mut refresh,
                ),
            );
            step("rounded balanced LP", best.value);
            rounded_from = Some((values, value));
        }
    }
    // The balanced rounding is kept without more work when it is within the tolerance of
    // the bound. Otherwise the plain LP is rounded as well and the better plan goes on: on
    // Enschede the balanced rounding ends at 0.0147% in 0.3 s, the plain one at 0.0019%
    // in 1.4 s; on a city without intake and outflow limits the balanced rounding stopped at
    // 0.041% after 2 s of a 300 s limit.
    let balanced_enough =
        rounded_from.is_some() && relative_gap(best.value, best.bound) <= options.gap;
    if !balanced_enough && left() > 0.0 {
        let phase_mip = PhaseMip::new(f, instance.phases());
        // (rounding, phase 1 weight-balanced); phase 1 weight-balanced only where not
        // every full practice chooses its net change (see `first_phase_balanced`).
        let balance_first = f.columns.len() > CHOICE_MAX_COLUMNS;
        let widen = if f.columns.len() <= PORTFOLIO_MAX_COLUMNS {
            vec![(widened(1, 0), balance_first), (widened(2, 0), false)]
        } else {
            vec![(widened(1, MARGIN), balance_first)]
        };
        let guide = Guide {
            values: lp_values,
            prices: best.lp_row_duals.as_ref().map(|y| Prices::new(f, y)),
        };
        let first_balanced = f.with_rows(&f.weight_balance_rows(instance, 1));
        let mut first_took = 0.0;
        let mut first_work = 0;
        for (k, &(rounding, balance_first)) in widen.iter().enumerate() {
            // Another rounding only where the first is not within the tolerance and took
            // little work (see `SECOND_ROUNDING_MAX_WORK`), and never when it could not end
            // before the time limit.
            if k > 0
                && (relative_gap(best.value, best.bound) <= options.gap
                    || first_work > SECOND_ROUNDING_MAX_WORK
                    || left() <= first_took)
            {
                break;
            }
            let started = Instant::now();
            let work_before = work();
            plain.unfix();
            let start = if balance_first && first_balanced.rows.len() > f.rows.len() {
                first_phase_balanced(&mut plain, (&first_balanced, f.rows.len()), left())?
                    .inspect(|(_, value)| step("LP with phase 1 weight-balanced", *value))
                    .map(|(guide, _)| guide)
            } else {
                None
            };
            let (lp, mip) = ((&mut plain, best.bound), (&phase_mip, rise(best.bound)));
            let mut refresh = refresher(f, lp, mip, &left);
            best.improve(
                f,
                repair(
                    instance,
                    f,
                    start.unwrap_or_else(|| guide.clone()),
                    rounding,
                    deadline,
                    &mut refresh,
                ),
            );
            step(
                &format!(
                    "rounded LP, stretch {}, margin {}",
                    rounding.stretch, rounding.margin
                ),
                best.value,
            );
            if k == 0 {
                first_took = started.elapsed().as_secs_f64();
                first_work = work() - work_before;
                if trace {
                    eprintln!("  the first rounding's work: {first_work}");
                }
            }
        }
        rounded_from = Some((guide.values, best.bound));
    }
    let Some((rounded_lp, rounded_lp_value)) = rounded_from else {
        return Ok(best);
    };

    // Windows: re-optimise a few practices at a time in integers (see `neighbourhood`),
    // where the rounding lost more than the tolerance against the LP it followed. (What a
    // weight-balanced LP costs above the bound is not a rounding loss: windows do not get
    // it back, Enschede: 0.3 of 2,847.)
    if best.method == Method::Rounded
        && relative_gap(best.value, rounded_lp_value) > options.gap
        && left() > 0.0
    {
        let mut search = Search::new(instance, f, &best.values);
        let verbose = std::env::var("SPREIDING_TRACE").is_ok_and(|v| v == "2");
        let report = search.run(&mut best.values, &rounded_lp, deadline, verbose)?;
        best.value = objective(f, &best.values);
        step(
            &format!(
                "windows ({} solved, {} improved, gain {:.1})",
                report.windows, report.improved, report.gain
            ),
            best.value,
        );
    }
    let integer_columns = f.columns.iter().filter(|c| c.integer).count();
    if relative_gap(best.value, best.bound) <= options.gap
        || left() <= 0.0
        || integer_columns > MIP_MAX_INTEGER_COLUMNS
    {
        return Ok(best);
    }

    // The full MIP, started from the best plan so far.
    let mip = run(
        model(f, true, left(), options.gap)?,
        true,
        Some(&best.values),
    )?;
    // Only a MIP that finished counts: a run cut off by the clock would make the output
    // depend on the machine's speed, and the same instance must give the same bytes.
    if let (Some(v), true) = (mip.values, mip.optimal) {
        let values = snapped(f, &v);
        let value = objective(f, &values);
        if value < best.value && is_integral(f, &v) {
            best.value = value;
            best.values = values;
            best.method = Method::Mip;
        }
        if let Some(b) = mip.bound {
            best.bound = best.bound.max(b + f.objective_offset);
        }
    }
    Ok(best)
}

/// The LP optimum of `f` solved as written (states and monotone rows), for tests.
#[cfg(test)]
pub(super) fn lp_in_states(f: &Formulation) -> (f64, Vec<f64>) {
    let run = run(model(f, false, 60.0, 0.0).expect("model"), false, None).expect("run");
    assert!(run.optimal);
    (
        run.bound.expect("bound") + f.objective_offset,
        run.values.expect("values"),
    )
}

/// The LP optimum of `f` solved in increments: value, values and row duals of `f`.
#[cfg(test)]
pub(super) fn lp_in_increments(f: &Formulation) -> (f64, Vec<f64>, Vec<f64>) {
    let (_, run) = solve_lp(f, 60.0).expect("run");
    assert!(run.optimal);
    (
        run.bound.expect("bound"),
        run.values.expect("values"),
        run.row_duals.expect("duals"),
    )
}

/// The MIP optimum of `f` (offset included), for tests on small instances.
#[cfg(test)]
pub(super) fn mip_optimum(f: &Formulation) -> f64 {
    objective(f, &mip_solution(f))
}

/// An optimal integral solution of `f`, for tests on small instances.
#[cfg(test)]
pub(super) fn mip_solution(f: &Formulation) -> Vec<f64> {
    let run = run(model(f, true, 60.0, 0.0).expect("model"), true, None).expect("run");
    assert!(run.optimal);
    snapped(f, &run.values.expect("values"))
}
