//! `spreiding/plan@1`: the phased move list spreiding emits (see MODEL.md).
//!
//! Every list is sorted by its id fields so that the same instance always gives the same bytes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A whole plan file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanFile {
    /// Always `spreiding/plan@1`.
    pub format: String,
    /// The instance's name.
    pub instance: String,
    /// `optimal` (proved within the gap tolerance) or `time_limit` (best found).
    pub status: String,
    /// Objective value, bound and terms.
    pub objective: ObjectiveFile,
    /// One entry per phase, 1..=T.
    pub phases: Vec<PhaseFile>,
    /// Key figures before and after the plan.
    pub metrics: MetricsFile,
    /// Why residents still wait at the end, per area.
    #[serde(default)]
    pub diagnostics: Vec<DiagnosticFile>,
    /// How the plan was found (method, sizes); informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver: Option<SolverFile>,
}

/// `objective`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ObjectiveFile {
    /// The plan's objective value.
    pub value: f64,
    /// The LP-relaxation (or MIP dual) bound.
    pub lp_bound: f64,
    /// `(value − lp_bound) / max(1, |value|)`.
    pub gap: f64,
    /// The value split per term (weights applied).
    pub terms: TermsFile,
}

/// `objective.terms`: each already multiplied by its weight.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct TermsFile {
    /// W.waiting × Σ waiting.
    pub waiting: f64,
    /// W.excess × Σ excess.
    pub excess: f64,
    /// W.out_of_district × Σ patients outside their district.
    pub out_of_district: f64,
    /// W.move × Σ moves.
    pub r#move: f64,
    /// W.walk_km × Σ patient-km.
    pub walk: f64,
}

/// One phase of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PhaseFile {
    /// 1..=T.
    pub phase: u32,
    /// The policy's label for it.
    pub label: String,
    /// Re-registrations from one practice to another.
    pub moves: Vec<MoveFile>,
    /// Waiting residents registered at a practice.
    pub registrations: Vec<CountAtFile>,
    /// Patients left without a GP by a closing practice.
    pub orphaned: Vec<CountAtFile>,
    /// Every practice's load and ceiling after the phase.
    pub loads: Vec<LoadFile>,
    /// Residents still without a GP after the phase, per area (areas with 0 left out).
    pub waiting: Vec<WaitingFile>,
}

/// A move of `patients` of `area` from practice `from` to practice `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MoveFile {
    /// Area id.
    pub area: String,
    /// Practice id they leave.
    pub from: String,
    /// Practice id they join.
    pub to: String,
    /// How many.
    pub patients: u64,
}

/// A count of an area's patients at a practice (registrations, orphans).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CountAtFile {
    /// Area id.
    pub area: String,
    /// Practice id.
    pub practice: String,
    /// How many.
    pub patients: u64,
}

/// A practice's care-weighted load after a phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoadFile {
    /// Practice id.
    pub practice: String,
    /// Σ care_weight × registered patients.
    pub load: f64,
    /// `C[p,t]`, the ceiling in that phase.
    pub ceiling: f64,
}

/// Residents of an area without a GP after a phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WaitingFile {
    /// Area id.
    pub area: String,
    /// How many.
    pub patients: u64,
}

/// `metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MetricsFile {
    /// Today (phase 0).
    pub before: SnapshotFile,
    /// After the last phase.
    pub after: SnapshotFile,
    /// Per phase: moves, registrations, orphans, waiting.
    #[serde(default)]
    pub per_phase: Vec<PhaseCountsFile>,
}

/// Key figures of one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SnapshotFile {
    /// Residents without a GP.
    pub residents_without_gp: u64,
    /// Registered patients.
    pub registered: u64,
    /// Share of registered patients outside their own district, 0..1.
    pub out_of_district_share: f64,
    /// Mean walking distance of registered patients to their practice.
    pub mean_walk_m: f64,
    /// 90th percentile of that distance.
    pub p90_walk_m: f64,
    /// Practices whose load is above their ceiling.
    pub practices_above_ceiling: u64,
    /// Σ max(0, load − ceiling).
    pub excess_total: f64,
}

/// Counts of one phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PhaseCountsFile {
    /// 1..=T.
    pub phase: u32,
    /// Patients moved.
    pub moves: u64,
    /// Waiting residents registered.
    pub registrations: u64,
    /// Patients orphaned by closures.
    pub orphaned: u64,
    /// Residents without a GP after the phase.
    pub waiting: u64,
}

/// Why residents of an area still wait at the end of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DiagnosticFile {
    /// Area id.
    pub area: String,
    /// Residents still waiting after the last phase.
    pub waiting: u64,
    /// `white_spot`, `capacity` or `phase_limits`.
    pub reason: String,
    /// The reason in plain words.
    pub message: String,
    /// For `phase_limits`: how many more phases would place them at this pace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_phases: Option<u32>,
}

/// `solver`: how the plan was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SolverFile {
    /// `lp` (relaxation already integral), `rounded` (rounding within the gap) or `mip`.
    pub method: String,
    /// Columns of the formulation.
    pub variables: u64,
    /// Rows of the formulation.
    pub constraints: u64,
    /// Non-zeros of the formulation.
    pub nonzeros: u64,
}

/// The plan as bytes: pretty-printed JSON and a final newline. The CLI writes exactly this
/// (`-o` or standard output) and `POST /v1/plan` returns exactly this, so both give the same
/// bytes for the same instance.
pub fn plan_json(plan: &PlanFile) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(plan)?;
    json.push('\n');
    Ok(json)
}
