//! The integer program: its compact formulation and the HiGHS solve.
//!
//! See [`formulation`] for the model and why it is equivalent to MODEL.md's literal one,
//! and [`solve`](mod@solve) for the LP → rounding → MIP strategy.

pub mod formulation;
mod fragments;
pub mod increments;
mod lp_model;
mod neighbourhood;
mod phase_mip;
pub mod repair;
pub mod solve;

pub use formulation::Formulation;
pub use solve::{Method, SolveError, SolveOptions, Solved, solve};

/// The hand-checked instances of `instances/small/` (their optima are worked out in
/// `instances/small/README.md`), for the solver's unit tests.
#[cfg(test)]
const SMALL: [&str; 6] = [
    include_str!("../../instances/small/closure.json"),
    include_str!("../../instances/small/growth.json"),
    include_str!("../../instances/small/care_weights.json"),
    include_str!("../../instances/small/out_of_district.json"),
    include_str!("../../instances/small/transfer_limits.json"),
    include_str!("../../instances/small/white_spot.json"),
];
