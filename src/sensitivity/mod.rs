//! What-if runs: named scenarios (changes to the base instance), built-in sweeps, shadow
//! prices, and the key figures of each scenario beside the baseline (`spreiding sensitivity`).
//!
//! The flow: scenario text → [`scenario`] (every problem with its path) and `--sweep` specs →
//! [`sweep`]; each scenario → [`apply`] (changes made to the instance *document*, then the
//! same validation as `spreiding plan`) → [`run()`] (all solves in parallel; [`run_with`] can
//! also solve one after another on the calling thread) → [`figures`] read from each `PlanFile`
//! → `format::SensitivityFile` → [`crate::format::sensitivity_json`], the report's bytes for
//! the CLI and the server alike. [`shadow`] reads the baseline LP's duals.
//!
//! Because a scenario is an ordinary instance document, its figures equal those of
//! `spreiding plan` on that document (`--write-instances` writes it out).

pub mod apply;
pub mod figures;
pub mod report;
pub mod run;
pub mod scenario;
pub mod shadow;
pub mod sweep;

pub use run::{Base, Prepared, RunError, Threads, file_name, prepare, run, run_with};
pub use scenario::{Scenario, ScenarioError, parse_scenarios, scenarios_from_value};
pub use sweep::{Sweep, SweepError, generate, parse_sweep};
