//! The whole planning run: instance → distances → formulation → solve → plan.

use crate::format::PlanFile;
use crate::geo::Distances;
use crate::lp::formulation::RowKind;
use crate::lp::{self, Formulation, SolveError, SolveOptions};
use crate::model::Instance;
use crate::plan::{self, InconsistentSolution, SolveSummary};

/// A planning run failed (never because of the input: that is validated before).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// HiGHS failed.
    #[error(transparent)]
    Solver(#[from] SolveError),
    /// The solution could not be turned into moves.
    #[error(transparent)]
    Inconsistent(#[from] InconsistentSolution),
}

/// Plans `instance`: the best phased plan found within `options`.
pub fn plan(instance: &Instance, options: &SolveOptions) -> Result<PlanFile, PlanError> {
    let distances = Distances::compute(instance);
    plan_with(instance, &distances, options)
}

/// As [`plan()`], with distances computed by the caller (reused across scenarios).
pub fn plan_with(
    instance: &Instance,
    distances: &Distances,
    options: &SolveOptions,
) -> Result<PlanFile, PlanError> {
    plan_detailed(instance, distances, options).map(|d| d.plan)
}

/// A plan with what the solver knows beyond it (for sensitivity runs).
#[derive(Debug, Clone, PartialEq)]
pub struct DetailedPlan {
    /// The plan, exactly as [`plan_with`] returns it.
    pub plan: PlanFile,
    /// Row duals of the LP relaxation, when it solved to optimality.
    pub lp_row_duals: Option<Vec<f64>>,
    /// What each row of the formulation stands for (same order as the duals).
    pub row_kinds: Vec<RowKind>,
}

/// As [`plan_with`], also returning the LP row duals and the row kinds.
pub fn plan_detailed(
    instance: &Instance,
    distances: &Distances,
    options: &SolveOptions,
) -> Result<DetailedPlan, PlanError> {
    let formulation = Formulation::build(instance, distances);
    let idle = formulation.idle_solution(instance);
    let solved = lp::solve(instance, &formulation, idle, options)?;
    let phases = plan::flows(instance, &formulation, &solved.values)?;
    let nonzeros: usize = formulation.rows.iter().map(|r| r.terms.len()).sum();
    let summary = SolveSummary {
        bound: solved.bound,
        gap_tolerance: options.gap,
        method: solved.method.name().to_string(),
        size: (
            formulation.columns.len() as u64,
            formulation.rows.len() as u64,
            nonzeros as u64,
        ),
    };
    Ok(DetailedPlan {
        plan: plan::build(instance, distances, &phases, &summary),
        lp_row_duals: solved.lp_row_duals,
        row_kinds: formulation.row_kinds,
    })
}
