//! `spreiding/scenarios@1` (what-if changes to an instance) and `spreiding/sensitivity@1`
//! (the figures of every scenario beside the baseline). See `docs/sensitivity.md`.
//!
//! Scenario files are read by [`crate::sensitivity::scenario`], which walks the JSON value by
//! hand to report every problem with its path; these types are what it builds, and what the
//! report echoes under `changes`. [`ScenariosFile`] describes a scenario file (for the OpenAPI
//! document); it is not what reads one. [`sensitivity_json`] is the report's one serialisation,
//! for the CLI and the server alike.
//!
//! The types derive utoipa's `ToSchema`, so the HTTP API's OpenAPI document describes them.

use serde::Serialize;
use utoipa::ToSchema;

use super::LocationFile;

/// The `format` tag of a scenario file.
pub const SCENARIOS_FORMAT: &str = "spreiding/scenarios@1";
/// The `format` tag of a sensitivity report.
pub const SENSITIVITY_FORMAT: &str = "spreiding/sensitivity@1";

/// One change of a scenario, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScenarioChangeFile {
    /// The practice closes at `phase` (its patients are orphaned there).
    Close {
        /// Practice id.
        practice: String,
        /// 1..=phases; optional in a scenario file (default 1), always written in a report.
        #[schema(required = false, default = 1, minimum = 1)]
        phase: u32,
    },
    /// The practice's fte from `phase` on: set to `fte`, or today's value plus `delta`.
    Fte {
        /// Practice id.
        practice: String,
        /// 1..=phases; optional in a scenario file (default 1), always written in a report.
        #[schema(required = false, default = 1, minimum = 1)]
        phase: u32,
        /// New fte (> 0).
        #[serde(skip_serializing_if = "Option::is_none")]
        fte: Option<f64>,
        /// Added to the fte in force in every phase from `phase` on.
        #[serde(skip_serializing_if = "Option::is_none")]
        delta: Option<f64>,
    },
    /// An explicit ceiling from `phase` on.
    Ceiling {
        /// Practice id.
        practice: String,
        /// 1..=phases; optional in a scenario file (default 1), always written in a report.
        #[schema(required = false, default = 1, minimum = 1)]
        phase: u32,
        /// Patients (≥ 0).
        ceiling: f64,
    },
    /// Whether the practice takes patients (whole horizon).
    Accepting {
        /// Practice id.
        practice: String,
        /// New value.
        accepting: bool,
    },
    /// A practice that opens at `phase`.
    NewPractice {
        /// Unique practice id.
        id: String,
        /// Display name.
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// District label; optional in a scenario file (default `""`).
        #[schema(required = false)]
        district: String,
        /// Location, in the instance's coordinate system.
        location: LocationFile,
        /// Full-time GPs.
        fte: f64,
        /// Explicit ceiling; absent = fte × norm × ceiling_ratio.
        #[serde(skip_serializing_if = "Option::is_none")]
        ceiling: Option<f64>,
        /// The phase it opens (1 = from the start); optional in a scenario file (default 1).
        #[schema(required = false, default = 1, minimum = 1)]
        phase: u32,
    },
    /// `policy.norm_per_fte`.
    NormPerFte {
        /// New value (> 0).
        value: f64,
    },
    /// `policy.ceiling_ratio`.
    CeilingRatio {
        /// New value (> 0).
        value: f64,
    },
    /// `policy.max_walk_m`.
    MaxWalkM {
        /// New value (≥ 0).
        value: f64,
    },
    /// `policy.max_moves_per_phase`; `null` = no limit.
    MaxMovesPerPhase {
        /// New limit.
        #[schema(required = true)]
        value: Option<u64>,
    },
    /// The intake limit: the policy's, or one practice's own.
    MaxIntakePerPhase {
        /// Practice id; absent = the policy's limit.
        #[serde(skip_serializing_if = "Option::is_none")]
        practice: Option<String>,
        /// New limit; `null` = no limit (for a practice: the policy's).
        #[schema(required = true)]
        value: Option<u64>,
    },
    /// The outflow limit: the policy's, or one practice's own.
    MaxOutflowPerPhase {
        /// Practice id; absent = the policy's limit.
        #[serde(skip_serializing_if = "Option::is_none")]
        practice: Option<String>,
        /// New limit; `null` = no limit (for a practice: the policy's).
        #[schema(required = true)]
        value: Option<u64>,
    },
    /// More (or fewer) residents without a GP in an area today.
    Noni {
        /// Area id.
        area: String,
        /// Added to the area's `noni` (the result must be ≥ 0).
        delta: i64,
    },
}

/// A scenario file (`spreiding/scenarios@1`), as `spreiding sensitivity --scenarios` reads it.
///
/// Describes the document (the OpenAPI schema of `POST /v1/sensitivity`'s `scenarios`); the
/// reader is [`crate::sensitivity::parse_scenarios`], which reports every problem with its
/// path.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScenariosFile {
    /// Always `spreiding/scenarios@1`.
    #[schema(example = "spreiding/scenarios@1")]
    pub format: String,
    /// The scenarios, each run against the base instance.
    pub scenarios: Vec<ScenarioFile>,
}

/// One scenario of a scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScenarioFile {
    /// Unique, non-empty, not `baseline`.
    pub name: String,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Applied in order to the base instance.
    pub changes: Vec<ScenarioChangeFile>,
}

/// A whole sensitivity report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SensitivityFile {
    /// Always `spreiding/sensitivity@1`.
    pub format: String,
    /// The instance's name.
    pub instance: String,
    /// How `scenarios` is ordered, in words.
    pub sorted_by: String,
    /// The unchanged instance.
    pub baseline: BaselineFile,
    /// Every scenario, most harmful first.
    pub scenarios: Vec<ScenarioResultFile>,
    /// Scenarios a sweep left out, and why.
    pub skipped: Vec<SkippedFile>,
    /// Duals of the baseline's LP relaxation, if it solved to optimality.
    pub shadow_prices: Option<ShadowPricesFile>,
}

/// The baseline's figures.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BaselineFile {
    /// Always `baseline`.
    pub name: String,
    /// Always empty.
    pub changes: Vec<ScenarioChangeFile>,
    /// Its key figures.
    pub figures: FiguresFile,
}

/// One scenario's result.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScenarioResultFile {
    /// The scenario's name.
    pub name: String,
    /// Its changes, as in a scenario file.
    pub changes: Vec<ScenarioChangeFile>,
    /// Its key figures.
    pub figures: FiguresFile,
    /// Figures minus the baseline's.
    pub delta: DeltaFile,
    /// How long and where more residents wait than in the baseline.
    pub impact: ImpactFile,
}

/// Key figures of one plan.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FiguresFile {
    /// Residents without a GP after the last phase.
    pub waiting_end: u64,
    /// Σ over phases and areas of residents waiting (resident-phases).
    pub waiting_phase_sum: u64,
    /// Σ over phases and practices of load above the ceiling.
    pub excess_phase_sum: f64,
    /// Share of registered patients outside their district after the last phase.
    pub out_of_district_share: f64,
    /// Mean walking distance after the last phase, metres.
    pub mean_walk_m: f64,
    /// Patients moved, all phases.
    pub moves: u64,
    /// The plan's objective value.
    pub objective: f64,
    /// The plan's status (`optimal` or `time_limit`).
    pub status: String,
}

/// Scenario figures minus baseline figures.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DeltaFile {
    /// Δ waiting_end.
    pub waiting_end: i64,
    /// Δ waiting_phase_sum.
    pub waiting_phase_sum: i64,
    /// Δ excess_phase_sum.
    pub excess_phase_sum: f64,
    /// Δ out_of_district_share.
    pub out_of_district_share: f64,
    /// Δ mean_walk_m.
    pub mean_walk_m: f64,
    /// Δ moves.
    pub moves: i64,
    /// Δ objective.
    pub objective: f64,
}

/// How long and where a scenario leaves more residents waiting than the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ImpactFile {
    /// Phases in which more residents wait than in the baseline's same phase.
    pub phases_waiting_above_baseline: u32,
    /// Areas with more resident-phases waiting than in the baseline (at most five, most first).
    pub areas: Vec<AreaImpactFile>,
}

/// One area's extra waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AreaImpactFile {
    /// Area id.
    pub area: String,
    /// Extra resident-phases waiting compared with the baseline.
    pub extra_waiting_phase_sum: u64,
    /// Residents of the area waiting after the last phase.
    pub waiting_end: u64,
}

/// A scenario a sweep did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SkippedFile {
    /// The name it would have had.
    pub name: String,
    /// Why not.
    pub reason: String,
}

/// Shadow prices of the baseline's LP relaxation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ShadowPricesFile {
    /// What the numbers mean, in words.
    pub note: String,
    /// Per practice and phase: objective decrease per extra place.
    pub places: Vec<PlaceValueFile>,
    /// Per practice: objective decrease per extra place in every phase, sorted by value.
    pub places_all_phases: Vec<PracticeValueFile>,
    /// Per area: objective increase per extra resident without a GP today.
    pub noni: Vec<NoniCostFile>,
}

/// The value of one more place at a practice in a phase.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlaceValueFile {
    /// Practice id.
    pub practice: String,
    /// 1..=phases.
    pub phase: u32,
    /// Objective decrease (≥ 0).
    pub value: f64,
}

/// The value of one more place at a practice in every phase.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PracticeValueFile {
    /// Practice id.
    pub practice: String,
    /// Objective decrease (≥ 0).
    pub value: f64,
}

/// The cost of one more resident without a GP in an area.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NoniCostFile {
    /// Area id.
    pub area: String,
    /// Objective increase.
    pub cost: f64,
}

/// The report as `spreiding sensitivity -o` writes it and `POST /v1/sensitivity` answers it:
/// pretty-printed JSON and a final newline. The one serialisation of both, so they agree byte
/// for byte.
pub fn sensitivity_json(report: &SensitivityFile) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(report)?;
    json.push('\n');
    Ok(json)
}
