//! The integer program: its compact formulation and the HiGHS solve.
//!
//! See [`formulation`] for the model and why it is equivalent to MODEL.md's literal one,
//! and [`solve`] for the LP → rounding → MIP strategy.

pub mod formulation;
pub mod increments;
mod lp_model;
mod neighbourhood;
mod phase_mip;
pub mod repair;
pub mod solve;

pub use formulation::Formulation;
pub use solve::{Method, SolveError, SolveOptions, Solved, solve};
