//! `POST /v1/sensitivity` (and the work of `POST /v1/jobs?kind=sensitivity`): what-if runs
//! over an instance, the same library calls and the same report as `spreiding sensitivity`.
//!
//! The body is `{"instance": …, "scenarios": …, "sweep": […]}` ([`SensitivityRequest`]): the
//! CLI's instance file, scenario file and `--sweep` arguments in one document. It is checked
//! completely on a blocking thread before any slot is taken, in the CLI's order: the body's
//! shape, then the instance, then the scenarios and sweeps together, then the scenarios
//! against the instance; each step reports every problem it finds, with a path into the
//! request (`instance.practices[0].fte`, `scenarios.scenarios[1].name`, `sweep[0]`).
//!
//! The run then holds **one** solver slot and solves the baseline and the scenarios one after
//! another on that slot's thread ([`Threads::Calling`]), so `--solvers` bounds the server's CPU
//! use as for plans. The report is the CLI's, byte for byte ([`format::sensitivity_json`]).
//! A run whose client has gone (closed connection, request timeout) or whose job was cancelled
//! stops after the solve in progress, freeing its slot.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::AppState;
use super::handlers::{
    InstanceSize, JsonBody, Stop, body_text, json_response, nested, off_thread, query, slot_error,
    solve_options, with_size,
};
use super::problem::{ApiError, ApiProblem, FieldProblem};
use super::slots;
use super::wire::{SensitivityQuery, SensitivityRequest};
use crate::format::{self, SensitivityFile, SkippedFile};
use crate::lp::SolveOptions;
use crate::sensitivity::{self, Base, Prepared, RunError, Threads};
use crate::validate::Problem;

/// The members a request may have.
const MEMBERS: [&str; 3] = ["instance", "scenarios", "sweep"];

/// The request's shape, for messages.
const SHAPE: &str = "{\"instance\": …, \"scenarios\": …, \"sweep\": [\"closure\", …]}";

/// Runs the scenarios and sweeps against an instance (as `spreiding sensitivity`): the baseline
/// and every scenario, one after another in one solver slot. The answer is the
/// sensitivity@1 document, byte for byte what `spreiding sensitivity … -o FILE` writes.
#[utoipa::path(
    post, path = "/v1/sensitivity", tag = "plan",
    params(SensitivityQuery),
    request_body(content = SensitivityRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The report (sensitivity@1)", body = SensitivityFile, content_type = "application/json"),
        (status = 400, description = "Malformed JSON or a bad option", body = ApiProblem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong token", body = ApiProblem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = ApiProblem, content_type = "application/problem+json"),
        (status = 415, description = "Body not declared as JSON", body = ApiProblem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid request (`invalid_request`), instance (`invalid_instance`), or scenarios and sweeps (`invalid_scenarios`): every problem, with its path in the request", body = ApiProblem, content_type = "application/problem+json"),
        (status = 500, description = "The solver failed", body = ApiProblem, content_type = "application/problem+json"),
        (status = 503, description = "Every solver busy and the queue full (see Retry-After), or a timeout", body = ApiProblem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = []))
)]
pub async fn sensitivity(
    State(app): State<AppState>,
    options: Result<Query<SensitivityQuery>, QueryRejection>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let q = query(options)?;
    let options = solve_options(&app, q.time_limit, q.gap)?;
    let run = read_request(body).await?;
    let size = run.size();
    // Dropped with this future when the client goes away or the request times out: the run
    // then stops after the solve in progress instead of holding its slot to the end.
    let gone = StopWhenDropped::default();
    let stop = gone.0.clone();
    let permit = app.slots.acquire().await.map_err(|e| slot_error(&app, e))?;
    let report = slots::run(permit, move || {
        run.report(&options, &|| stop.load(Ordering::Relaxed))
    })
    .await
    .map_err(|e| slot_error(&app, e))??;
    drop(gone);
    let bytes = report.ok_or_else(|| {
        ApiError::Internal("a sensitivity run stopped while its client waited".to_string())
    })?;
    Ok(with_size(json_response(StatusCode::OK, bytes), size))
}

/// Sets its flag when dropped.
#[derive(Debug, Default)]
struct StopWhenDropped(Arc<AtomicBool>);

impl Drop for StopWhenDropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A checked request, ready to run: nothing left that a client could get wrong.
#[derive(Debug)]
pub struct SensitivityRun {
    base: Base,
    prepared: Vec<Prepared>,
    skipped: Vec<SkippedFile>,
}

impl SensitivityRun {
    /// The base instance's size, for the request log.
    pub fn size(&self) -> InstanceSize {
        InstanceSize::of(&self.base.instance)
    }

    /// Solves the baseline and every scenario one after another on this thread (call it in a
    /// solver slot) and renders the report; `None` if `stop` said so before the end.
    pub fn report(
        &self,
        options: &SolveOptions,
        stop: &Stop<'_>,
    ) -> Result<Option<String>, ApiError> {
        let report = match sensitivity::run_with(
            &self.base,
            &self.prepared,
            self.skipped.clone(),
            options,
            Threads::Calling,
            &|_| {},
            stop,
        ) {
            Ok(report) => report,
            Err(RunError::Stopped) => return Ok(None),
            // The CLI's message: `planning failed: scenario "close:P1": …`.
            Err(e @ RunError::Plan { .. }) => return Err(ApiError::PlanningFailed(e.to_string())),
        };
        format::sensitivity_json(&report)
            .map(Some)
            .map_err(|e| ApiError::Internal(format!("serialising a sensitivity report: {e}")))
    }
}

/// Parses and checks a request body on a blocking thread (no solver slot).
pub async fn read_request(body: Bytes) -> Result<SensitivityRun, ApiError> {
    off_thread(move || check(&body)).await
}

/// Every check of `spreiding sensitivity`, in its order, with paths into the request.
fn check(body: &[u8]) -> Result<SensitivityRun, ApiError> {
    let text = body_text(body)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let position = format!(" at line {} column {}", e.line(), e.column());
        ApiError::MalformedJson {
            line: e.line(),
            column: e.column(),
            message: full.strip_suffix(&position).unwrap_or(&full).to_string(),
        }
    })?;
    let members = Members::of(&value)?;
    let base = Base::from_value(members.instance)
        .map_err(|problems| ApiError::InvalidInstance(under("instance", &problems)))?;

    // Every problem of the scenarios and the sweeps, before anything is applied.
    let mut problems = Vec::new();
    let mut scenarios = Vec::new();
    if let Some(document) = members.scenarios {
        match sensitivity::scenarios_from_value(document) {
            Ok(list) => scenarios.extend(list.into_iter().map(|mut s| {
                s.path = nested("scenarios", &s.path);
                s
            })),
            Err(p) => problems.extend(under("scenarios", &p)),
        }
    }
    let mut skipped = Vec::new();
    for (i, spec) in members.sweep.iter().enumerate() {
        let path = format!("sweep[{i}]");
        match sensitivity::parse_sweep(spec) {
            Ok(sweep) => {
                let (generated, left_out) = sensitivity::generate(&sweep, spec, &base.instance);
                scenarios.extend(generated.into_iter().map(|mut s| {
                    s.path = path.clone();
                    s
                }));
                skipped.extend(left_out);
            }
            Err(e) => problems.push(FieldProblem {
                path,
                code: e.code().to_string(),
                message: e.to_string(),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::InvalidScenarios(problems));
    }
    let prepared = sensitivity::prepare(&base, scenarios).map_err(|problems| {
        ApiError::InvalidScenarios(
            problems
                .iter()
                .map(|p| {
                    let mut f = FieldProblem::from(p);
                    f.path = sweep_member(f.path);
                    f
                })
                .collect(),
        )
    })?;
    Ok(SensitivityRun {
        base,
        prepared,
        skipped,
    })
}

/// Problems of a request member, with paths into the request.
fn under(member: &str, problems: &[Problem]) -> Vec<FieldProblem> {
    problems
        .iter()
        .map(|p| {
            let mut f = FieldProblem::from(p);
            f.path = nested(member, &p.path);
            f
        })
        .collect()
}

/// A generated scenario has no document of its own: a problem of one (`sweep[0].name`, a
/// clash with another scenario's name) points at its sweep spec (`sweep[0]`).
fn sweep_member(path: String) -> String {
    match path.strip_prefix("sweep[").and_then(|rest| rest.find(']')) {
        Some(end) => path[..end + "sweep[]".len()].to_string(),
        None => path,
    }
}

/// The request's members, their JSON types checked.
struct Members<'a> {
    instance: &'a Value,
    scenarios: Option<&'a Value>,
    sweep: Vec<&'a str>,
}

impl<'a> Members<'a> {
    /// Every problem of the request's shape at once (422 `invalid_request`).
    fn of(value: &'a Value) -> Result<Members<'a>, ApiError> {
        let problem = |path: String, code: &str, message: String| FieldProblem {
            path,
            code: code.to_string(),
            message,
        };
        let Some(object) = value.as_object() else {
            return Err(ApiError::InvalidRequest(vec![problem(
                String::new(),
                "wrong_type",
                format!("the body must be an object: {SHAPE}"),
            )]));
        };
        let mut problems = Vec::new();
        for key in object.keys() {
            if !MEMBERS.contains(&key.as_str()) {
                problems.push(problem(
                    key.clone(),
                    "unknown_field",
                    format!(
                        "unknown field {key:?}; expected one of: {}",
                        MEMBERS.join(", ")
                    ),
                ));
            }
        }
        let present = |key: &str| object.get(key).filter(|v| !v.is_null());
        let instance = present("instance");
        if instance.is_none() {
            problems.push(problem(
                "instance".to_string(),
                "missing_field",
                format!("missing; the request needs the instance: {SHAPE}"),
            ));
        }
        let scenarios = present("scenarios");
        let sweep_value = present("sweep");
        let mut sweep = Vec::new();
        match sweep_value {
            None => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(spec) => sweep.push(spec),
                        None => problems.push(problem(
                            format!("sweep[{i}]"),
                            "wrong_type",
                            "must be a string: one --sweep SPEC, e.g. \"closure\"".to_string(),
                        )),
                    }
                }
            }
            Some(_) => problems.push(problem(
                "sweep".to_string(),
                "wrong_type",
                "must be an array of sweep specs, e.g. [\"closure\", \"fte=+0.5\"]".to_string(),
            )),
        }
        let sweep_given = matches!(sweep_value, Some(Value::Array(items)) if !items.is_empty());
        if scenarios.is_none() && !sweep_given {
            problems.push(problem(
                String::new(),
                "nothing_to_run",
                "nothing to run; give \"scenarios\" (a spreiding/scenarios@1 document) and/or \
                 \"sweep\" (e.g. [\"closure\"])"
                    .to_string(),
            ));
        }
        match instance {
            Some(instance) if problems.is_empty() => Ok(Members {
                instance,
                scenarios,
                sweep,
            }),
            _ => Err(ApiError::InvalidRequest(problems)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sweep_member;

    #[test]
    fn a_generated_scenarios_problem_points_at_its_sweep_spec() {
        assert_eq!(sweep_member("sweep[12].name".into()), "sweep[12]");
        assert_eq!(sweep_member("sweep[0]".into()), "sweep[0]");
        assert_eq!(
            sweep_member("scenarios.scenarios[1].name".into()),
            "scenarios.scenarios[1].name"
        );
    }
}
