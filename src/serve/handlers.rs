//! The endpoints. Each reads and checks its input on a blocking thread, solves in a solver
//! slot ([`super::slots`]), and answers with the same documents as the CLI writes.
//! `POST /v1/sensitivity` is in [`super::sensitivity`]; the helpers it shares with the
//! endpoints here are `pub(super)`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

use super::AppState;
use super::jobs::{Cancelled, JobKind, JobState};
use super::problem::{ApiError, ApiProblem, FieldProblem, PROBLEM_JSON};
use super::sensitivity::read_request;
use super::slots::{self, SlotError};
use super::wire::{
    HealthResponse, JobQuery, JobRequest, JobResult, JobStatus, PlanQuery, ValidResponse,
    VerifyBody, VerifyRequest, VerifyResponse, ViolationOut,
};
use crate::format::{self, InstanceFile, PlanFile};
use crate::lp::SolveOptions;
use crate::model::Instance;
use crate::verify::PlanError;
use crate::{planner, validate, verify};

/// Media type of the JSON documents.
pub const JSON: &str = "application/json";

/// Size of the instance a request carried, for the request log (never its content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceSize {
    /// Areas.
    pub areas: usize,
    /// Practices.
    pub practices: usize,
    /// Phases.
    pub phases: usize,
}

impl InstanceSize {
    pub(super) fn of(instance: &Instance) -> InstanceSize {
        InstanceSize {
            areas: instance.areas.len(),
            practices: instance.practices.len(),
            phases: instance.phases(),
        }
    }
}

/// A JSON request body: `Content-Type` must be JSON (415), the size within the limit (413).
pub struct JsonBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        check_json_content_type(req.headers())?;
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .map_or(usize::MAX, |l| l.0);
        let read = req.extensions().get::<BodyBytes>().cloned();
        Bytes::from_request(req, state)
            .await
            .map(|body| {
                if let Some(read) = read {
                    read.0.store(body.len() as u64, Ordering::Relaxed);
                }
                JsonBody(body)
            })
            .map_err(|e: BytesRejection| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::BodyTooLarge { limit }
                } else {
                    ApiError::UnreadableBody(e.body_text())
                }
            })
    }
}

/// Where the request log learns how many body bytes a handler read (chunked bodies have no
/// `Content-Length`).
#[derive(Debug, Clone, Default)]
pub struct BodyBytes(pub Arc<AtomicU64>);

/// The configured body limit, put into each request's extensions for error messages.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(ApiError::UnsupportedMediaType {
            found: "no Content-Type".to_string(),
        });
    };
    let text = value.to_str().unwrap_or("");
    let essence = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == JSON || (essence.starts_with("application/") && essence.ends_with("+json")) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType {
            found: format!("{text:?}"),
        })
    }
}

/// The body as text; invalid UTF-8 is malformed JSON, with the position of the first bad byte.
pub(super) fn body_text(body: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(body).map_err(|e| {
        let good = &body[..e.valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        ApiError::MalformedJson {
            line,
            column: e.valid_up_to() - line_start + 1,
            message: "invalid UTF-8".to_string(),
        }
    })
}

/// The query options, or a 400 `bad_option` naming what is wrong.
pub(super) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(q)| q).map_err(|e| {
        let text = e.body_text();
        let text = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        ApiError::BadOption(format!("query string: {text}"))
    })
}

/// Time limit and gap from the query, with the CLI's defaults and ranges.
pub(super) fn solve_options(
    app: &AppState,
    time_limit: Option<f64>,
    gap: Option<f64>,
) -> Result<SolveOptions, ApiError> {
    let max = app.config.max_time_limit.as_secs_f64();
    let time_limit = match time_limit {
        None => app.config.default_solve.time_limit.as_secs_f64().min(max),
        Some(v) if v.is_finite() && v > 0.0 && v <= max => v,
        Some(v) => {
            return Err(ApiError::BadOption(format!(
                "time_limit: must be a number of seconds in (0, {max}], got {v}"
            )));
        }
    };
    let gap = match gap {
        None => app.config.default_solve.gap,
        Some(v) if v.is_finite() && (0.0..1.0).contains(&v) => v,
        Some(v) => {
            return Err(ApiError::BadOption(format!(
                "gap: must be a number in [0, 1), got {v}"
            )));
        }
    };
    Ok(SolveOptions {
        time_limit: std::time::Duration::from_secs_f64(time_limit),
        gap,
    })
}

/// Runs `work` on a blocking thread without a solver slot (parsing, validation, verify).
pub(super) async fn off_thread<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ApiError::Internal("a blocking task stopped unexpectedly".to_string()))?
}

async fn read_instance(body: Bytes) -> Result<Instance, ApiError> {
    off_thread(move || Ok(validate::parse_instance(body_text(&body)?)?)).await
}

/// What a client hears when no slot was had (or the solve panicked).
pub(super) fn slot_error(app: &AppState, e: SlotError) -> ApiError {
    match e {
        SlotError::Busy => ApiError::Busy {
            retry_after_s: app.config.retry_after_s(),
        },
        SlotError::Closed => ApiError::ShuttingDown,
        SlotError::Panicked => ApiError::Internal("a solve panicked".to_string()),
    }
}

/// Plans and returns the plan@1 bytes, exactly as the CLI writes them.
fn plan_bytes(instance: &Instance, options: &SolveOptions) -> Result<String, ApiError> {
    let plan =
        planner::plan(instance, options).map_err(|e| ApiError::PlanningFailed(e.to_string()))?;
    format::plan_json(&plan).map_err(|e| ApiError::Internal(format!("serialising a plan: {e}")))
}

/// A JSON answer with `Content-Type: application/json`.
pub(super) fn json_response(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    let mut response = (status, body.into()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    response
}

/// Tags a response with the instance's size, for the request log.
pub(super) fn with_size(mut response: Response, size: InstanceSize) -> Response {
    response.extensions_mut().insert(size);
    response
}

/// Plans an instance: the body is the instance (instance@1) exactly as the CLI reads it; the
/// answer is the plan@1 document, byte for byte what `spreiding plan -o` writes.
#[utoipa::path(
    post, path = "/v1/plan", tag = "plan",
    params(PlanQuery),
    request_body(content = InstanceFile, content_type = "application/json"),
    responses(
        (status = 200, description = "The plan", body = PlanFile, content_type = "application/json"),
        (status = 400, description = "Malformed JSON or a bad option", body = ApiProblem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong token", body = ApiProblem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = ApiProblem, content_type = "application/problem+json"),
        (status = 415, description = "Body not declared as JSON", body = ApiProblem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid instance: every problem", body = ApiProblem, content_type = "application/problem+json"),
        (status = 500, description = "The solver failed", body = ApiProblem, content_type = "application/problem+json"),
        (status = 503, description = "Every solver busy and the queue full (see Retry-After), or a timeout", body = ApiProblem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = []))
)]
pub async fn plan(
    State(app): State<AppState>,
    options: Result<Query<PlanQuery>, QueryRejection>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let q = query(options)?;
    let options = solve_options(&app, q.time_limit, q.gap)?;
    let instance = read_instance(body).await?;
    let size = InstanceSize::of(&instance);
    let permit = app.slots.acquire().await.map_err(|e| slot_error(&app, e))?;
    let bytes = slots::run(permit, move || plan_bytes(&instance, &options))
        .await
        .map_err(|e| slot_error(&app, e))??;
    Ok(with_size(json_response(StatusCode::OK, bytes), size))
}

/// Checks an instance: 200 with its size, or 422 with every problem (as `spreiding validate`).
#[utoipa::path(
    post, path = "/v1/validate", tag = "plan",
    request_body(content = InstanceFile, content_type = "application/json"),
    responses(
        (status = 200, description = "The instance is valid", body = ValidResponse, content_type = "application/json"),
        (status = 400, description = "Malformed JSON", body = ApiProblem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong token", body = ApiProblem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = ApiProblem, content_type = "application/problem+json"),
        (status = 415, description = "Body not declared as JSON", body = ApiProblem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid instance: every problem", body = ApiProblem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn validate(JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    let instance = read_instance(body).await?;
    let size = InstanceSize::of(&instance);
    let answer = ValidResponse {
        valid: true,
        areas: instance.areas.len(),
        practices: instance.practices.len(),
        registrations: instance.registrations.len(),
        phases: instance.phases(),
    };
    Ok(with_size(Json(answer).into_response(), size))
}

/// Re-checks a plan against its instance (as `spreiding verify`). A plan that breaks rules is
/// a 200 with `ok: false` and the violations; a document that is not a plan is a 422.
#[utoipa::path(
    post, path = "/v1/verify", tag = "plan",
    request_body(content = VerifyRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The check ran; `ok` says whether every rule holds", body = VerifyResponse, content_type = "application/json"),
        (status = 400, description = "Malformed JSON", body = ApiProblem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong token", body = ApiProblem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = ApiProblem, content_type = "application/problem+json"),
        (status = 415, description = "Body not declared as JSON", body = ApiProblem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid instance, a document that is not plan@1, or a body without `instance` and `plan`", body = ApiProblem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn verify(JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    off_thread(move || {
        let text = body_text(&body)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Syntax first, over the whole body, so a syntax error is never hidden behind a
        // shape error found earlier in the text.
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| wrapper_error(&e))?;
        let parsed: VerifyBody<'_> = serde_json::from_str(text).map_err(|e| wrapper_error(&e))?;
        let mut missing = Vec::new();
        for (name, member) in [("instance", parsed.instance), ("plan", parsed.plan)] {
            if member.is_none() {
                missing.push(FieldProblem {
                    path: name.to_string(),
                    code: "missing_field".to_string(),
                    message: format!(
                        "the request needs `{name}`: {{\"instance\": …, \"plan\": …}}"
                    ),
                });
            }
        }
        let (Some(instance_raw), Some(plan_raw)) = (parsed.instance, parsed.plan) else {
            return Err(ApiError::InvalidRequest(missing));
        };
        let instance = validate::parse_instance(instance_raw.get()).map_err(|e| match e {
            validate::InstanceError::Invalid(problems) => ApiError::InvalidInstance(
                problems
                    .iter()
                    .map(|p| {
                        let mut p = FieldProblem::from(p);
                        p.path = nested("instance", &p.path);
                        p
                    })
                    .collect(),
            ),
            other => ApiError::from(other),
        })?;
        let plan = verify::parse_plan(plan_raw.get()).map_err(|e| match e {
            PlanError::Shape {
                line,
                column,
                message,
            } => {
                let (line, column) = shift(text, plan_raw.get(), line, column);
                ApiError::InvalidPlan(format!(
                    "plan does not have the plan@1 shape at line {line}, column {column}: {message}"
                ))
            }
            other => ApiError::InvalidPlan(other.to_string()),
        })?;
        let report = verify::verify(&instance, &plan);
        let answer = VerifyResponse {
            ok: report.is_ok(),
            violations: report
                .violations
                .iter()
                .map(|v| ViolationOut {
                    code: v.code.to_string(),
                    message: v.message.clone(),
                })
                .collect(),
            terms: report.terms,
            value: report.value,
        };
        Ok(with_size(
            Json(answer).into_response(),
            InstanceSize::of(&instance),
        ))
    })
    .await
}

/// A serde error of the `{"instance", "plan"}` wrapper: syntax (400) or shape (422).
fn wrapper_error(e: &serde_json::Error) -> ApiError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    match e.classify() {
        serde_json::error::Category::Data => {
            let code = if message.starts_with("unknown field") {
                "unknown_field"
            } else {
                "wrong_type"
            };
            ApiError::InvalidRequest(vec![FieldProblem {
                path: String::new(),
                code: code.to_string(),
                message: format!("{message}; the body is {{\"instance\": …, \"plan\": …}}"),
            }])
        }
        _ => ApiError::MalformedJson {
            line: e.line(),
            column: e.column(),
            message,
        },
    }
}

/// `path` of a problem inside the request member `member` (`instance` + `practices[0].fte` →
/// `instance.practices[0].fte`; an empty path is the member itself).
pub(super) fn nested(member: &str, path: &str) -> String {
    if path.is_empty() {
        member.to_string()
    } else if path.starts_with('[') {
        format!("{member}{path}")
    } else {
        format!("{member}.{path}")
    }
}

/// Line and column in `whole` of a position given relative to `part`, a slice of it.
fn shift(whole: &str, part: &str, line: usize, column: usize) -> (usize, usize) {
    let offset = (part.as_ptr() as usize)
        .checked_sub(whole.as_ptr() as usize)
        .filter(|&o| o <= whole.len())
        .unwrap_or(0);
    let before = whole.get(..offset).unwrap_or("");
    let lines_before = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    if line <= 1 {
        (lines_before + 1, offset - line_start + column)
    } else {
        (lines_before + line, column)
    }
}

/// Starts a background job: the body and options are those of the kind's endpoint
/// (`kind=plan`: the instance; `kind=sensitivity`: instance, scenarios and sweeps; `time_limit`,
/// `gap`), checked at once (400/422 as for that endpoint). 202 with the job's status and
/// `Location`.
#[utoipa::path(
    post, path = "/v1/jobs", tag = "jobs",
    params(JobQuery),
    request_body(content = JobRequest, content_type = "application/json",
                 description = "For `kind=plan` the instance; for `kind=sensitivity` the body of `POST /v1/sensitivity`"),
    responses(
        (status = 202, description = "Accepted; poll `Location`", body = JobStatus, content_type = "application/json",
         headers(("Location" = String, description = "The job's URL"))),
        (status = 400, description = "Malformed JSON or a bad option", body = ApiProblem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong token", body = ApiProblem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = ApiProblem, content_type = "application/problem+json"),
        (status = 415, description = "Body not declared as JSON", body = ApiProblem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid instance (or, for `sensitivity`, request, scenarios or sweeps): every problem", body = ApiProblem, content_type = "application/problem+json"),
        (status = 503, description = "The job store is full of unfinished jobs (see Retry-After)", body = ApiProblem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = []))
)]
pub async fn create_job(
    State(app): State<AppState>,
    options: Result<Query<JobQuery>, QueryRejection>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let q = query(options)?;
    let kind = q.kind.unwrap_or(JobKind::Plan);
    let options = solve_options(&app, q.time_limit, q.gap)?;
    let (work, size): (JobWork, InstanceSize) = match kind {
        JobKind::Plan => {
            let instance = read_instance(body).await?;
            let size = InstanceSize::of(&instance);
            let work: JobWork =
                Box::new(move |_: &Stop<'_>| plan_bytes(&instance, &options).map(Some));
            (work, size)
        }
        JobKind::Sensitivity => {
            let run = read_request(body).await?;
            let size = run.size();
            let work: JobWork = Box::new(move |stop: &Stop<'_>| run.report(&options, stop));
            (work, size)
        }
    };
    let (job, cancel) = app.jobs.insert(kind).map_err(|_| ApiError::JobsFull {
        max_jobs: app.jobs.max_jobs(),
        retry_after_s: app.config.retry_after_s(),
    })?;
    tokio::spawn(run_job(app.clone(), job.id.clone(), cancel, work));
    let status = JobStatus::of(&job);
    let mut response = (StatusCode::ACCEPTED, Json(&status)).into_response();
    if let Ok(location) = HeaderValue::from_str(&status.href) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(with_size(response, size))
}

/// Asked between the solves of a run: true once nobody wants its result any more.
pub type Stop<'a> = dyn Fn() -> bool + Sync + 'a;

/// A job's work, run in its solver slot: the result's bytes, or `None` when it stopped early
/// because [`Stop`] said so (its job was cancelled; the result would be discarded anyway).
type JobWork = Box<dyn FnOnce(&Stop<'_>) -> Result<Option<String>, ApiError> + Send>;

/// A job: wait for a slot (or a cancel), run its work, store the bytes or the problem.
async fn run_job(app: AppState, id: String, cancel: Arc<Notify>, work: JobWork) {
    let permit = tokio::select! {
        permit = app.slots.acquire_for_job() => permit,
        () = cancel.notified() => return,
    };
    let permit = match permit {
        Ok(permit) => permit,
        Err(e) => {
            app.jobs.finish(&id, Err(slot_error(&app, e).problem()));
            return;
        }
    };
    if !app.jobs.start(&id) {
        return;
    }
    let (jobs, job_id) = (app.jobs.clone(), id.clone());
    let outcome = slots::run(permit, move || work(&|| jobs.is_cancelled(&job_id)))
        .await
        .map_err(|e| slot_error(&app, e))
        .and_then(|r| r);
    let outcome = match outcome {
        // Stopped because the job was cancelled: it already says so.
        Ok(None) => return,
        Ok(Some(bytes)) => Ok(Arc::from(bytes)),
        Err(e) => {
            if let ApiError::Internal(cause) = &e {
                tracing::error!(job = %id, cause = %cause, "internal error in a job");
            }
            Err(e.problem())
        }
    };
    app.jobs.finish(&id, outcome);
}

fn no_job(app: &AppState, id: &str) -> ApiError {
    ApiError::NotFound(format!(
        "no job with id {id:?}: unknown, removed, or expired ({} s after it finished)",
        app.config.job_ttl.as_secs()
    ))
}

/// A job's status; with `state: done`, its result.
#[utoipa::path(
    get, path = "/v1/jobs/{id}", tag = "jobs",
    params(("id" = String, Path, description = "The job id")),
    responses(
        (status = 200, description = "The job", body = JobStatus, content_type = "application/json"),
        (status = 401, description = "Missing or wrong token", body = ApiProblem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or expired job", body = ApiProblem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_job(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = app.jobs.get(&id).ok_or_else(|| no_job(&app, &id))?;
    Ok(Json(JobStatus::of(&job)).into_response())
}

/// A done job's result alone: exactly the bytes its endpoint would have answered.
#[utoipa::path(
    get, path = "/v1/jobs/{id}/result", tag = "jobs",
    params(("id" = String, Path, description = "The job id")),
    responses(
        (status = 200, description = "The result: plan@1 for `plan`, sensitivity@1 for `sensitivity`", body = JobResult, content_type = "application/json"),
        (status = 401, description = "Missing or wrong token", body = ApiProblem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or expired job", body = ApiProblem, content_type = "application/problem+json"),
        (status = 409, description = "The job is not done (queued, running, failed or cancelled)", body = ApiProblem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_job_result(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = app.jobs.get(&id).ok_or_else(|| no_job(&app, &id))?;
    match (&job.state, &job.result) {
        (JobState::Done, Some(bytes)) => Ok(json_response(StatusCode::OK, bytes.to_string())),
        (state, _) => Err(ApiError::NotReady(format!(
            "job {id} has no result: it is {}",
            serde_json::to_value(state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        ))),
    }
}

/// Cancels a queued or running job (200, now `cancelled`), or removes a finished one (204).
/// A running solve cannot be interrupted: it finishes in the background, holding its solver
/// slot until then, and its result is discarded.
#[utoipa::path(
    delete, path = "/v1/jobs/{id}", tag = "jobs",
    params(("id" = String, Path, description = "The job id")),
    responses(
        (status = 200, description = "Cancelled", body = JobStatus, content_type = "application/json"),
        (status = 204, description = "A finished job, now removed"),
        (status = 401, description = "Missing or wrong token", body = ApiProblem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or expired job", body = ApiProblem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn delete_job(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match app.jobs.cancel(&id) {
        Cancelled::Cancelled(job) => Ok(Json(JobStatus::of(&job)).into_response()),
        Cancelled::Removed => Ok(StatusCode::NO_CONTENT.into_response()),
        Cancelled::NotFound => Err(no_job(&app, &id)),
    }
}

/// Liveness and load; needs no token.
#[utoipa::path(
    get, path = "/v1/health", tag = "service",
    responses((status = 200, description = "The server answers", body = HealthResponse, content_type = "application/json"))
)]
pub async fn health(State(app): State<AppState>) -> Json<HealthResponse> {
    let (queued, running, finished) = app.jobs.counts();
    Json(HealthResponse {
        status: "ok".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        solver_slots: app.slots.total(),
        solves_running: app.slots.busy(),
        solves_queued: app.slots.waiting(),
        jobs: queued + running + finished,
    })
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    get, path = "/v1/openapi.json", tag = "service",
    responses(
        (status = 200, description = "OpenAPI 3.1 document", body = Object, content_type = "application/json"),
        (status = 401, description = "Missing or wrong token", body = ApiProblem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn openapi(State(app): State<AppState>) -> Response {
    json_response(StatusCode::OK, app.docs.openapi.clone())
}

/// JSON Schema (2020-12) of instance@1.
#[utoipa::path(
    get, path = "/v1/schema/instance.json", tag = "service",
    responses(
        (status = 200, description = "JSON Schema 2020-12 of spreiding/instance@1", body = Object, content_type = "application/schema+json"),
        (status = 401, description = "Missing or wrong token", body = ApiProblem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn instance_schema(State(app): State<AppState>) -> Response {
    let mut response = (StatusCode::OK, app.docs.instance_schema.clone()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/schema+json"),
    );
    response
}

/// Fallback: 404 problem.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!(
        "no endpoint {}; GET /v1/openapi.json lists them",
        uri.path()
    ))
}

/// Turns axum's empty 404/405 answers into problem documents (keeping `Allow`).
pub fn problem_for_empty(response: Response, method: &str, path: &str) -> Response {
    let status = response.status();
    let has_type = response.headers().contains_key(header::CONTENT_TYPE);
    if has_type || !(status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED) {
        return response;
    }
    let error = if status == StatusCode::NOT_FOUND {
        ApiError::NotFound(format!(
            "no endpoint {path}; GET /v1/openapi.json lists them"
        ))
    } else {
        ApiError::MethodNotAllowed(format!(
            "{path} does not take {method}; the Allow header lists the methods it takes"
        ))
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut answer = error.into_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    debug_assert_eq!(
        answer
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes()),
        Some(PROBLEM_JSON.as_bytes())
    );
    answer
}
