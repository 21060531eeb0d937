//! The HTTP API's own request and response documents (the instance and plan documents are
//! [`crate::format`]'s). They derive serde for the wire and `ToSchema` for the OpenAPI
//! document, so the document describes exactly what the code sends.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::{IntoParams, ToSchema};

use super::jobs::{Job, JobKind, JobState};
use super::problem::ApiProblem;
use crate::format::{InstanceFile, PlanFile, ScenariosFile, SensitivityFile, TermsFile};

/// Solve options of `POST /v1/plan`, in the query string (the body is the instance itself,
/// exactly as the CLI reads it).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// Wall-clock budget for the solver in seconds, as `--time-limit` (default the CLI's 300
    /// capped at the server's `--max-time-limit`, so 60; at most that).
    pub time_limit: Option<f64>,
    /// Relative gap under which a plan counts as optimal, as `--gap` (default 1e-4, in [0, 1)).
    pub gap: Option<f64>,
}

/// Solve options of `POST /v1/sensitivity`, in the query string: those of `POST /v1/plan`,
/// applied to *each* solve (the baseline and every scenario), as in `spreiding sensitivity`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SensitivityQuery {
    /// Wall-clock budget of each solve in seconds, as `--time-limit` (default the CLI's 300
    /// capped at the server's `--max-time-limit`, so 60; at most that).
    pub time_limit: Option<f64>,
    /// Relative gap of each solve, as `--gap` (default 1e-4, in [0, 1)).
    pub gap: Option<f64>,
}

/// The body of `POST /v1/sensitivity` (and of `POST /v1/jobs?kind=sensitivity`): what
/// `spreiding sensitivity INSTANCE --scenarios FILE --sweep SPEC…` reads. At least one of
/// `scenarios` and a non-empty `sweep`; `null` is the same as leaving a member out.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[allow(dead_code)] // describes the document; the handler walks the JSON value itself
pub struct SensitivityRequest {
    /// The base instance (instance@1), as for `POST /v1/plan`. Problem paths are prefixed with
    /// `instance.`.
    pub instance: InstanceFile,
    /// Scenarios (a whole `spreiding/scenarios@1` document), as `--scenarios FILE`. Problem
    /// paths are prefixed with `scenarios.` (`scenarios.scenarios[0].changes[1].fte`).
    pub scenarios: Option<ScenariosFile>,
    /// Sweep specs in order, each as one `--sweep SPEC`: `closure`, `fte=+0.5`,
    /// `norm_per_fte=1800:2095:50`, `max_walk_m=1500,2000`, …. A problem's path is
    /// `sweep[i]`.
    #[schema(example = json!(["closure", "norm_per_fte=1800:2095:50"]))]
    pub sweep: Option<Vec<String>>,
}

/// The body of `POST /v1/jobs`: that of the `kind`'s endpoint.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // describes the document; the handler reads the kind's body
pub enum JobRequest {
    /// `kind=plan`: the instance.
    Plan(Box<InstanceFile>),
    /// `kind=sensitivity`: instance, scenarios and sweeps.
    Sensitivity(Box<SensitivityRequest>),
}

/// A done job's result: the document its endpoint answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // describes the document; the job keeps the bytes
pub enum JobResult {
    /// `kind=plan`: the plan@1 document.
    Plan(Box<PlanFile>),
    /// `kind=sensitivity`: the sensitivity@1 document.
    Sensitivity(Box<SensitivityFile>),
}

/// Options of `POST /v1/jobs`: the job kind and the options of that kind's endpoint.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// What to run: `plan` (default) or `sensitivity`. The body is what that endpoint takes.
    #[param(inline)]
    pub kind: Option<JobKind>,
    /// As for the kind's endpoint (for `sensitivity`: of each solve).
    pub time_limit: Option<f64>,
    /// As for the kind's endpoint (for `sensitivity`: of each solve).
    pub gap: Option<f64>,
}

/// `POST /v1/validate` on a valid instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ValidResponse {
    /// Always true (an invalid instance is a 422 problem).
    pub valid: bool,
    /// Number of areas.
    pub areas: usize,
    /// Number of practices.
    pub practices: usize,
    /// Number of (area, practice) registrations after merging duplicates.
    pub registrations: usize,
    /// Number of phases.
    pub phases: usize,
}

/// The body of `POST /v1/verify`.
#[derive(Debug, Clone, ToSchema)]
#[allow(dead_code)] // describes the document; the handler reads it as [`VerifyBody`]
pub struct VerifyRequest {
    /// The instance, as for `POST /v1/plan`.
    pub instance: InstanceFile,
    /// The plan to check (plan@1).
    pub plan: PlanFile,
}

/// [`VerifyRequest`] as the handler reads it: both members kept as text, so they go through
/// the same parsers as the CLI's files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody<'a> {
    /// The instance text.
    #[serde(borrow, default)]
    pub instance: Option<&'a RawValue>,
    /// The plan text.
    #[serde(borrow, default)]
    pub plan: Option<&'a RawValue>,
}

/// `POST /v1/verify`: the outcome of the independent check (a plan that breaks rules is still a
/// 200, with `ok: false`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VerifyResponse {
    /// Whether every rule holds.
    pub ok: bool,
    /// Every broken rule, in phase order.
    pub violations: Vec<ViolationOut>,
    /// Objective terms recomputed from the plan (weights applied).
    pub terms: TermsFile,
    /// Their sum.
    pub value: f64,
}

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ViolationOut {
    /// Stable code (see `spreiding::verify::code`).
    pub code: String,
    /// What is wrong, where, and by how much.
    pub message: String,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HealthResponse {
    /// Always `ok` while the server answers.
    pub status: String,
    /// spreiding's version.
    pub version: String,
    /// Solves that may run at once.
    pub solver_slots: usize,
    /// Solves running now.
    pub solves_running: usize,
    /// Synchronous requests waiting for a solver.
    pub solves_queued: usize,
    /// Jobs kept (queued, running and finished).
    pub jobs: usize,
}

/// A job as `GET /v1/jobs/{id}` shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobStatus {
    /// The job id.
    pub id: String,
    /// What it runs.
    pub kind: JobKind,
    /// Where it is.
    pub state: JobState,
    /// Seconds since it was accepted.
    pub age_s: f64,
    /// Where to poll it.
    pub href: String,
    /// For `done`: where the result document alone is (the exact bytes of the endpoint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_href: Option<String>,
    /// For `done`: the result document (plan@1 for `plan`, sensitivity@1 for `sensitivity`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<JobResult>)]
    pub result: Option<Box<RawValue>>,
    /// For `failed`: why, as a problem document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiProblem>,
}

impl JobStatus {
    /// The status document of `job`.
    pub fn of(job: &Job) -> JobStatus {
        let href = format!("/v1/jobs/{}", job.id);
        let result = job
            .result
            .as_ref()
            .and_then(|text| RawValue::from_string(text.trim_end().to_string()).ok());
        JobStatus {
            id: job.id.clone(),
            kind: job.kind,
            state: job.state,
            age_s: (job.created.elapsed().as_millis() as f64) / 1000.0,
            result_href: result.as_ref().map(|_| format!("{href}/result")),
            href,
            result,
            error: job.error.clone(),
        }
    }
}
