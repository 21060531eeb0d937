//! Running the scenarios: prepare (apply + validate, every problem at once), then solve the
//! baseline and every scenario, one single-threaded, deterministic HiGHS solve each, and
//! collect the report in a stable order. [`run`] solves in parallel over the cores (rayon's
//! global pool, the CLI); [`run_with`] can also solve one after another on the calling thread
//! ([`Threads::Calling`], the server, which bounds its CPU use by solver slots). Both give the
//! same report: every solve is deterministic and the report is assembled in input order.
//!
//! Reused between scenarios: the parsed base document and its distances (computed on first
//! use, recomputed only for a scenario that changes the geometry, i.e. adds a practice). The
//! formulation is rebuilt per scenario: it is linear in the model's size and takes
//! milliseconds.

use std::collections::HashMap;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use crate::format::{
    BaselineFile, InstanceFile, SENSITIVITY_FORMAT, ScenarioResultFile, SensitivityFile,
    SkippedFile,
};
use crate::geo::Distances;
use crate::lp::SolveOptions;
use crate::model::Instance;
use crate::planner::{self, PlanError};
use crate::validate::{self, Problem};

use super::scenario::{Scenario, code, problem};
use super::{apply, figures, shadow};

/// How the scenarios are ordered in the report.
pub const SORTED_BY: &str = "delta.objective descending (the most harmful scenario first), \
                             then name";

/// The base instance, parsed once.
#[derive(Debug, Clone)]
pub struct Base {
    /// The document, which scenarios change.
    pub file: InstanceFile,
    /// The validated instance.
    pub instance: Instance,
    /// Its distances, computed on first use ([`Base::distances`]).
    distances: OnceLock<Distances>,
}

impl Base {
    /// Validates a parsed instance document (as `spreiding plan` does). The distances are not
    /// computed yet: checking a request costs no distance computation (the server checks
    /// before it takes a solver slot, and computes them inside it).
    pub fn from_value(value: &Value) -> Result<Base, Vec<Problem>> {
        let instance = validate::instance_from_value(value)?;
        let file = InstanceFile::deserialize(value).map_err(|e| {
            vec![problem(
                String::new(),
                code::INVALID_INSTANCE,
                format!("the instance does not deserialize: {e}; please report this as a bug"),
            )]
        })?;
        Ok(Base {
            file,
            instance,
            distances: OnceLock::new(),
        })
    }

    /// The base instance's distances, computed on the first call (O(A·P), or one Dijkstra per
    /// practice with a walk graph; see [`Distances::compute`]).
    pub fn distances(&self) -> &Distances {
        self.distances
            .get_or_init(|| Distances::compute(&self.instance))
    }
}

/// A scenario applied to the base: the changed document and its validated instance.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The scenario.
    pub scenario: Scenario,
    /// The changed instance document (what `--write-instances` writes).
    pub file: InstanceFile,
    /// The changed instance.
    pub instance: Instance,
}

/// How a run spends the machine's cores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// The baseline and the scenarios in parallel over rayon's global pool (every core; the
    /// CLI). The pool is rayon's, so `RAYON_NUM_THREADS` bounds it.
    AllCores,
    /// One solve after another on the calling thread and nowhere else (the server, inside one
    /// solver slot, so `--solvers` bounds its CPU use).
    Calling,
}

/// A scenario could not be planned, or the run was told to stop.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The planner failed on one scenario (or the baseline).
    #[error("scenario {name:?}: {source}")]
    Plan {
        /// The scenario's name (`baseline` for the base instance).
        name: String,
        /// What failed.
        #[source]
        source: PlanError,
    },
    /// `stop` said so before every solve was done (nobody waits for the report any more: a
    /// cancelled job, a client that went away). The solve in progress, if any, finished.
    #[error("stopped before every scenario was solved")]
    Stopped,
}

/// The file name `--write-instances` uses for a scenario: every character other than ASCII
/// letters, digits, `.`, `-` and `_` becomes `_` (`close:P03` → `close_P03.json`).
pub fn file_name(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{stem}.json")
}

/// Checks names and applies every scenario; every problem of every scenario at once.
pub fn prepare(base: &Base, scenarios: Vec<Scenario>) -> Result<Vec<Prepared>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut prepared = Vec::with_capacity(scenarios.len());
    for scenario in scenarios {
        let name_path = format!("{}.name", scenario.path);
        if scenario.name.trim().is_empty() {
            problems.push(problem(name_path, code::EMPTY_NAME, "must not be empty"));
        } else if scenario.name == "baseline" {
            problems.push(problem(
                name_path,
                code::RESERVED_NAME,
                "\"baseline\" is the unchanged instance; choose another name",
            ));
        } else if let Some(other) = seen.insert(file_name(&scenario.name), scenario.name.clone()) {
            problems.push(problem(
                name_path,
                code::DUPLICATE_NAME,
                format!(
                    "{:?} clashes with the scenario named {other:?} (names must be unique, \
                     also after replacing characters other than letters, digits, '.', '-' \
                     and '_' with '_')",
                    scenario.name
                ),
            ));
        }
        match apply::apply(&base.file, &scenario) {
            Ok((file, instance)) => prepared.push(Prepared {
                scenario,
                file,
                instance,
            }),
            Err(p) => problems.extend(p),
        }
    }
    if problems.is_empty() {
        Ok(prepared)
    } else {
        Err(problems)
    }
}

fn same_geometry(a: &Instance, b: &Instance) -> bool {
    a.areas.len() == b.areas.len()
        && a.practices.len() == b.practices.len()
        && a.areas
            .iter()
            .zip(&b.areas)
            .all(|(x, y)| x.location == y.location)
        && a.practices
            .iter()
            .zip(&b.practices)
            .all(|(x, y)| x.location == y.location)
        && a.policy.detour_factor == b.policy.detour_factor
        && a.walk_graph == b.walk_graph
}

/// Plans the baseline and every prepared scenario (in parallel over every core) and builds the
/// report. `on_done` is called once per finished solve (from worker threads), e.g. for a
/// progress bar. Equals [`run_with`] with [`Threads::AllCores`] and no stop.
pub fn run(
    base: &Base,
    prepared: &[Prepared],
    skipped: Vec<SkippedFile>,
    options: &SolveOptions,
    on_done: &(dyn Fn(&str) + Sync),
) -> Result<SensitivityFile, RunError> {
    run_with(
        base,
        prepared,
        skipped,
        options,
        Threads::AllCores,
        on_done,
        &|| false,
    )
}

/// Plans the baseline and every prepared scenario with `threads` and builds the report (the
/// same report for either `threads`). `on_done` is called once per finished solve; `stop` is
/// asked before each solve, and once it says true no further solve starts and the run returns
/// [`RunError::Stopped`].
///
/// Cost: one plan per scenario plus the baseline's (with its LP duals); with
/// [`Threads::AllCores`] divided over the cores.
pub fn run_with(
    base: &Base,
    prepared: &[Prepared],
    skipped: Vec<SkippedFile>,
    options: &SolveOptions,
    threads: Threads,
    on_done: &(dyn Fn(&str) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<SensitivityFile, RunError> {
    let baseline = || {
        if stop() {
            return Err(RunError::Stopped);
        }
        let d = planner::plan_detailed(&base.instance, base.distances(), options);
        on_done("baseline");
        d.map_err(|source| RunError::Plan {
            name: "baseline".into(),
            source,
        })
    };
    let scenario = |p: &Prepared| {
        if stop() {
            return Err(RunError::Stopped);
        }
        let own;
        let distances = if same_geometry(&base.instance, &p.instance) {
            base.distances()
        } else {
            own = Distances::compute(&p.instance);
            &own
        };
        let plan = planner::plan_with(&p.instance, distances, options);
        on_done(&p.scenario.name);
        plan.map_err(|source| RunError::Plan {
            name: p.scenario.name.clone(),
            source,
        })
    };
    let (baseline, plans) = match threads {
        Threads::AllCores => rayon::join(baseline, || {
            prepared.par_iter().map(scenario).collect::<Vec<_>>()
        }),
        Threads::Calling => {
            let baseline = baseline();
            let mut plans = Vec::with_capacity(prepared.len());
            if baseline.is_ok() {
                for p in prepared {
                    let plan = scenario(p);
                    let failed = plan.is_err();
                    plans.push(plan);
                    if failed {
                        break;
                    }
                }
            }
            (baseline, plans)
        }
    };
    let baseline = baseline?;
    let base_figures = figures::figures(&baseline.plan);
    let mut results = Vec::with_capacity(prepared.len());
    for (p, plan) in prepared.iter().zip(plans) {
        let plan = plan?;
        let f = figures::figures(&plan);
        results.push(ScenarioResultFile {
            name: p.scenario.name.clone(),
            changes: p.scenario.changes.clone(),
            delta: figures::delta(&f, &base_figures),
            impact: figures::impact(&plan, &baseline.plan),
            figures: f,
        });
    }
    results.sort_by(|x, y| {
        y.delta
            .objective
            .total_cmp(&x.delta.objective)
            .then_with(|| x.name.cmp(&y.name))
    });
    let shadow_prices = baseline
        .lp_row_duals
        .as_ref()
        .map(|duals| shadow::shadow_prices(&base.instance, &baseline.row_kinds, duals));
    Ok(SensitivityFile {
        format: SENSITIVITY_FORMAT.to_string(),
        instance: base.instance.name.clone(),
        sorted_by: SORTED_BY.to_string(),
        baseline: BaselineFile {
            name: "baseline".into(),
            changes: Vec::new(),
            figures: base_figures,
        },
        scenarios: results,
        skipped,
        shadow_prices,
    })
}
