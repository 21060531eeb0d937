//! An LP relaxation kept alive in HiGHS, so that it can be solved again with the first
//! phases fixed to the rounded plan.
//!
//! The rounding replays the plan phase by phase. Following the LP's flows of later phases
//! after earlier phases were rounded differently makes the rounding myopic: on a synthetic
//! region the rounded plan fell 570 registrations behind the LP in one phase because the
//! LP's flows assumed room that the integer plan had used otherwise. So after each phase
//! the LP is solved again with that phase's increments fixed to the plan's integers; HiGHS
//! starts from the previous basis (dual simplex), so a re-solve costs a fraction of the
//! first solve.

use std::ops::Bound;
use std::time::Instant;

use highs::{Col, HighsModelStatus, Model, RowProblem, Sense as HSense};

use super::formulation::{Column, Formulation, Row, Sense};
use super::increments::Increments;
use super::solve::{SolveError, configure, has_feasible_solution, solve_counted};

/// What a solve of the LP gave, in the formulation's columns and rows.
#[derive(Debug, Clone)]
pub(super) struct LpRun {
    /// Column values of the formulation, if HiGHS holds a feasible solution.
    pub values: Option<Vec<f64>>,
    /// Row duals of the formulation, if optimal.
    pub row_duals: Option<Vec<f64>>,
    /// The optimum (offset included), if optimal.
    pub bound: Option<f64>,
    /// Solved to optimality.
    pub optimal: bool,
}

/// The LP in HiGHS with its columns' handles.
pub(super) struct LpModel {
    increments: Increments,
    cols: Vec<Col>,
    model: Option<Model>,
    /// Seconds spent in HiGHS's solves of `model` so far. HiGHS does not reset its clock
    /// between runs of one model, and its `time_limit` is checked against the total: a
    /// re-solve given "15 s left" after a 55 s first solve stopped at once (a 500-area
    /// region lost every re-solve that way). So each solve's limit is this plus its own.
    run_time: f64,
    /// One slack column per row added by [`LpModel::restrict`], fixed at 0 while the row
    /// holds and freed by [`LpModel::release`] (the highs crate cannot change a row's bounds).
    slacks: Vec<Col>,
    /// How many of the last added rows hold (the rows of the last `restrict`, until
    /// `release`).
    active: usize,
}

impl LpModel {
    /// Builds the LP of `f` in increments (see [`Increments`]); an error if HiGHS refuses it
    /// (a coefficient or bound out of its range).
    pub fn new(f: &Formulation) -> Result<LpModel, SolveError> {
        let increments = Increments::new(f);
        let (model, cols) = highs_model(&increments.columns, &increments.rows, false)?;
        Ok(LpModel {
            cols,
            model: Some(model),
            increments,
            run_time: 0.0,
            slacks: Vec::new(),
            active: 0,
        })
    }

    /// Adds `rows` (over the formulation's columns) to the LP until [`LpModel::release`];
    /// the next solve starts from the last basis. Their duals follow the formulation's in
    /// [`LpRun::row_duals`], in the order given. An error if HiGHS refuses a row.
    pub fn restrict(&mut self, rows: &[Row]) -> Result<(), SolveError> {
        self.release();
        let model = self
            .model
            .as_mut()
            .ok_or_else(|| SolveError::Rejected("LP model lost after an error".into()))?;
        let refused = |e| SolveError::Rejected(format!("restriction: {e:?}"));
        let mut terms = Vec::new();
        for row in rows {
            let slack = model
                .try_add_column(0.0, 0.0..=0.0, std::iter::empty())
                .map_err(refused)?;
            let lp_row = self.increments.rewrite(row, &mut terms);
            let factors = lp_row
                .terms
                .iter()
                .map(|&(c, k)| (self.cols[c], k))
                .chain([(slack, -1.0)]);
            match row.sense {
                Sense::Le => model.try_add_row(..=lp_row.rhs, factors),
                Sense::Eq => model.try_add_row(lp_row.rhs..=lp_row.rhs, factors),
            }
            .map_err(refused)?;
            self.slacks.push(slack);
        }
        self.active = rows.len();
        Ok(())
    }

    /// Lifts the rows of the last [`LpModel::restrict`]: their slacks become free to grow.
    pub fn release(&mut self) {
        let Some(model) = self.model.as_mut() else {
            return;
        };
        let first = self.slacks.len() - self.active;
        for &slack in &self.slacks[first..] {
            model.change_column_bounds(slack, 0.0..);
        }
        self.active = 0;
    }

    /// Solves (again, from the last basis if there is one) within `seconds`; `ipm` picks the
    /// interior-point method with crossover instead of simplex.
    pub fn solve(&mut self, seconds: f64, ipm: bool) -> Result<LpRun, SolveError> {
        let mut model = self
            .model
            .take()
            .ok_or_else(|| SolveError::Rejected("LP model lost after an error".into()))?;
        configure(&mut model, self.run_time + seconds, ipm)?;
        let started = Instant::now();
        let solved = solve_counted(model);
        self.run_time += started.elapsed().as_secs_f64();
        let solved = solved.map_err(|e| SolveError::Rejected(format!("{e:?}")))?;
        let optimal = solved.status() == HighsModelStatus::Optimal;
        let feasible = has_feasible_solution(&solved);
        let run = {
            let solution = solved.get_solution();
            LpRun {
                values: feasible.then(|| self.increments.states(solution.columns())),
                row_duals: optimal.then(|| {
                    let rows = solution.dual_rows();
                    let mut duals = self.increments.duals(rows);
                    duals.extend_from_slice(&rows[rows.len() - self.active..]);
                    duals
                }),
                bound: optimal.then(|| solved.objective_value() + self.increments.offset),
                optimal,
            }
        };
        self.model = Some(Model::from(solved));
        Ok(run)
    }

    /// Gives every column its own bounds back (undoes [`LpModel::fix_phase`]), so that the
    /// LP can be rounded again; the next solve starts from the last basis.
    pub fn unfix(&mut self) {
        let Some(model) = self.model.as_mut() else {
            return;
        };
        for (col, c) in self.cols.iter().zip(&self.increments.columns) {
            model.change_column_bounds(*col, c.lower..=c.upper);
        }
    }

    /// Fixes phase `t`'s increments to those of `values` (the formulation's columns, with
    /// phases up to `t` set).
    pub fn fix_phase(&mut self, t: usize, values: &[f64]) {
        let Some(model) = self.model.as_mut() else {
            return;
        };
        for (col, value) in self.increments.phase_values(t, values) {
            model.change_column_bounds(self.cols[col], value..=value);
        }
    }
}

/// `columns` and `rows` as a HiGHS model to minimise, with the handle of each column;
/// `integer` keeps the columns' integrality (else the LP relaxation). An error if HiGHS
/// refuses the model (a coefficient or bound out of its range), where `optimise` panics.
pub(super) fn highs_model(
    columns: &[Column],
    rows: &[Row],
    integer: bool,
) -> Result<(Model, Vec<Col>), SolveError> {
    let (pb, cols) = highs_problem(columns, rows, integer);
    let model = pb
        .try_optimise(HSense::Minimise)
        .map_err(|e| SolveError::Rejected(format!("{e:?}")))?;
    Ok((model, cols))
}

fn highs_problem(columns: &[Column], rows: &[Row], integer: bool) -> (RowProblem, Vec<Col>) {
    let mut pb = RowProblem::default();
    let cols: Vec<Col> = columns
        .iter()
        .map(|c| {
            let upper = if c.upper.is_finite() {
                Bound::Included(c.upper)
            } else {
                Bound::Unbounded
            };
            let bounds = (Bound::Included(c.lower), upper);
            if integer && c.integer {
                pb.add_integer_column(c.cost, bounds)
            } else {
                pb.add_column(c.cost, bounds)
            }
        })
        .collect();
    for row in rows {
        let terms = row.terms.iter().map(|&(c, k)| (cols[c], k));
        match row.sense {
            Sense::Le => pb.add_row(..=row.rhs, terms),
            Sense::Eq => pb.add_row(row.rhs..=row.rhs, terms),
        };
    }
    (pb, cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Distances;
    use crate::lp::solve::{lp_in_increments, work};
    use crate::validate::parse_instance;

    /// A solve's work (see `solve::work`) is counted, and the same when the solve is repeated
    /// (while other tests solve on other threads): decisions that must not depend on the
    /// machine's speed read it.
    #[test]
    fn a_solve_counts_the_same_work_every_time() {
        let text = include_str!("../../instances/enschede.json");
        let instance = parse_instance(text).expect("instance");
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let counted = || {
            let before = work();
            let mut model = LpModel::new(&f).expect("model");
            assert!(model.solve(60.0, false).expect("solve").optimal);
            let first = work() - before;
            // Solved again from its optimal basis: no iteration left to do.
            assert!(model.solve(60.0, false).expect("solve").optimal);
            (first, work() - before - first)
        };
        let (first, again) = counted();
        assert!(first > 0);
        assert_eq!(again, 0);
        assert_eq!(counted(), (first, again));
    }

    /// Rows added by `restrict` give the optimum of the formulation with those rows (solved
    /// from scratch), with their duals after the formulation's; after `release` the same
    /// model gives the plain LP's optimum again.
    #[test]
    fn restrict_holds_rows_until_released() {
        let text = include_str!("../../instances/enschede.json");
        let instance = parse_instance(text).expect("instance");
        let f = Formulation::build(&instance, &Distances::compute(&instance));
        let rows = f.weight_balance_rows(&instance, 1);
        assert!(!rows.is_empty(), "Enschede's practices are full in phase 1");
        let restricted = f.with_rows(&rows);
        let (plain, _, _) = lp_in_increments(&f);
        let (balanced, _, _) = lp_in_increments(&restricted);
        assert!(balanced > plain + 1.0, "{balanced} vs {plain}");

        let mut model = LpModel::new(&f).expect("model");
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-7 * b.abs();
        let first = model.solve(60.0, false).expect("solve");
        assert!(close(first.bound.expect("optimal"), plain));
        let rows: Vec<Row> = rows.into_iter().map(|(_, row)| row).collect();
        model.restrict(&rows).expect("restrict");
        let run = model.solve(60.0, false).expect("solve");
        assert!(close(run.bound.expect("optimal"), balanced));
        assert_eq!(run.row_duals.expect("duals").len(), restricted.rows.len());
        let values = run.values.expect("values");
        for row in &rows {
            assert!(row.activity(&values) <= row.rhs + 1e-6);
        }
        model.release();
        let run = model.solve(60.0, false).expect("solve");
        assert!(close(run.bound.expect("optimal"), plain));
        assert_eq!(run.row_duals.expect("duals").len(), f.rows.len());
    }
}
