//! Errors as `application/problem+json` (RFC 9457): [`ApiError`] is what handlers return,
//! [`ApiProblem`] is the body a client reads. User errors are detailed (the same messages and
//! codes as the CLI); internal errors are terse and logged, never a stack trace.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::validate::{InstanceError, Problem};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem details object, with spreiding's extension members.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ApiProblem {
    /// `urn:spreiding:problem:` followed by `code`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request, and what to do.
    pub detail: String,
    /// Stable snake_case code of the kind of problem (listed in docs/api.md).
    pub code: String,
    /// For malformed JSON: 1-based line of the first syntax error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// For malformed JSON: 1-based column of the first syntax error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// For an invalid instance, request or scenarios: every problem, as the CLI lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One problem of an input: JSON path, stable code (docs/errors.md) and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// JSON path such as `practices[3].fte`; empty for the document itself.
    pub path: String,
    /// Stable code, e.g. `fte_not_positive`.
    pub code: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl From<&Problem> for FieldProblem {
    fn from(p: &Problem) -> Self {
        FieldProblem {
            path: p.path.clone(),
            code: p.code.to_string(),
            message: p.message.clone(),
        }
    }
}

/// Why a request failed. Each variant has one status and one stable code.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON (400).
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    MalformedJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's description.
        message: String,
    },
    /// The instance breaks the format's rules (422); every problem is listed.
    #[error("the instance has {} problem(s)", .0.len())]
    InvalidInstance(Vec<FieldProblem>),
    /// The request document is JSON but not of the expected shape (422).
    #[error("the request has {} problem(s)", .0.len())]
    InvalidRequest(Vec<FieldProblem>),
    /// `POST /v1/sensitivity`: the scenarios or sweeps cannot be run (422); every problem is
    /// listed, with the CLI's codes and paths into the request.
    #[error("the scenarios and sweeps have {} problem(s)", .0.len())]
    InvalidScenarios(Vec<FieldProblem>),
    /// The plan given to verify is not a plan@1 document (422).
    #[error("{0}")]
    InvalidPlan(String),
    /// A query option is unknown or out of range (400).
    #[error("{0}")]
    BadOption(String),
    /// The body could not be read (400).
    #[error("cannot read the request body: {0}")]
    UnreadableBody(String),
    /// The body is above the limit (413).
    #[error("the request body is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not declared as JSON (415).
    #[error("send the body as JSON with Content-Type: application/json (got {found})")]
    UnsupportedMediaType {
        /// The Content-Type received, or `none`.
        found: String,
    },
    /// Missing or wrong bearer token (401).
    #[error("this server needs a bearer token: send Authorization: Bearer TOKEN")]
    Unauthorized,
    /// No such resource (404).
    #[error("{0}")]
    NotFound(String),
    /// The job has no result (yet) (409).
    #[error("{0}")]
    NotReady(String),
    /// The path exists but not with this method (405).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// Every solver slot is busy and the queue is full (503).
    #[error("every solver is busy and the queue is full; retry after {retry_after_s} s")]
    Busy {
        /// Seconds to wait, also sent as `Retry-After`.
        retry_after_s: u64,
    },
    /// The job store is full of unfinished jobs (503).
    #[error(
        "{max_jobs} jobs are queued or running, the most this server keeps; retry after \
         {retry_after_s} s or cancel one"
    )]
    JobsFull {
        /// The job bound.
        max_jobs: usize,
        /// Seconds to wait, also sent as `Retry-After`.
        retry_after_s: u64,
    },
    /// The request took longer than the request timeout (503).
    #[error(
        "the request took longer than the server's request timeout of {timeout_s} s (reading \
         the body, waiting for a solver and solving); use POST /v1/jobs for long runs"
    )]
    Timeout {
        /// The timeout in seconds.
        timeout_s: u64,
    },
    /// The server is shutting down (503).
    #[error("the server is shutting down")]
    ShuttingDown,
    /// The solver failed (500); the message is the CLI's.
    #[error("planning failed: {0}")]
    PlanningFailed(String),
    /// Anything else (500): logged in full, answered tersely.
    #[error("internal error")]
    Internal(String),
}

impl From<InstanceError> for ApiError {
    fn from(e: InstanceError) -> Self {
        match e {
            InstanceError::Syntax {
                line,
                column,
                message,
            } => ApiError::MalformedJson {
                line,
                column,
                message,
            },
            InstanceError::Invalid(problems) => {
                ApiError::InvalidInstance(problems.iter().map(FieldProblem::from).collect())
            }
        }
    }
}

impl ApiError {
    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MalformedJson { .. }
            | ApiError::BadOption(_)
            | ApiError::UnreadableBody(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidInstance(_)
            | ApiError::InvalidRequest(_)
            | ApiError::InvalidScenarios(_)
            | ApiError::InvalidPlan(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::NotReady(_) => StatusCode::CONFLICT,
            ApiError::Busy { .. }
            | ApiError::JobsFull { .. }
            | ApiError::Timeout { .. }
            | ApiError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::PlanningFailed(_) | ApiError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson { .. } => "malformed_json",
            ApiError::InvalidInstance(_) => "invalid_instance",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::InvalidScenarios(_) => "invalid_scenarios",
            ApiError::InvalidPlan(_) => "invalid_plan",
            ApiError::BadOption(_) => "bad_option",
            ApiError::UnreadableBody(_) => "unreadable_body",
            ApiError::BodyTooLarge { .. } => "body_too_large",
            ApiError::UnsupportedMediaType { .. } => "unsupported_media_type",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::NotReady(_) => "not_ready",
            ApiError::Busy { .. } => "busy",
            ApiError::JobsFull { .. } => "jobs_full",
            ApiError::Timeout { .. } => "timeout",
            ApiError::ShuttingDown => "shutting_down",
            ApiError::PlanningFailed(_) => "planning_failed",
            ApiError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::MalformedJson { .. } => "Malformed JSON",
            ApiError::InvalidInstance(_) => "Invalid instance",
            ApiError::InvalidRequest(_) => "Invalid request",
            ApiError::InvalidScenarios(_) => "Invalid scenarios",
            ApiError::InvalidPlan(_) => "Invalid plan",
            ApiError::BadOption(_) => "Bad option",
            ApiError::UnreadableBody(_) => "Unreadable body",
            ApiError::BodyTooLarge { .. } => "Body too large",
            ApiError::UnsupportedMediaType { .. } => "Unsupported media type",
            ApiError::Unauthorized => "Unauthorized",
            ApiError::NotFound(_) => "Not found",
            ApiError::MethodNotAllowed(_) => "Method not allowed",
            ApiError::NotReady(_) => "Not ready",
            ApiError::Busy { .. } => "Solvers busy",
            ApiError::JobsFull { .. } => "Job store full",
            ApiError::Timeout { .. } => "Request timeout",
            ApiError::ShuttingDown => "Shutting down",
            ApiError::PlanningFailed(_) => "Planning failed",
            ApiError::Internal(_) => "Internal error",
        }
    }

    /// Seconds for `Retry-After`, for the statuses that have one.
    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            ApiError::Busy { retry_after_s } | ApiError::JobsFull { retry_after_s, .. } => {
                Some(*retry_after_s)
            }
            ApiError::Timeout { .. } | ApiError::ShuttingDown => Some(1),
            _ => None,
        }
    }

    /// The problem document a client receives.
    pub fn problem(&self) -> ApiProblem {
        let (line, column) = match self {
            ApiError::MalformedJson { line, column, .. } => (Some(*line), Some(*column)),
            _ => (None, None),
        };
        let errors = match self {
            ApiError::InvalidInstance(e)
            | ApiError::InvalidRequest(e)
            | ApiError::InvalidScenarios(e) => e.clone(),
            _ => Vec::new(),
        };
        ApiProblem {
            kind: format!("urn:spreiding:problem:{}", self.code()),
            title: self.title().to_string(),
            status: self.status().as_u16(),
            detail: self.to_string(),
            code: self.code().to_string(),
            line,
            column,
            errors,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(cause = %cause, "internal error");
        }
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| {
            br#"{"type":"urn:spreiding:problem:internal","title":"Internal error","status":500,"detail":"internal error","code":"internal"}"#.to_vec()
        });
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(s) = self.retry_after_s() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if matches!(self, ApiError::Unauthorized) {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"spreiding\""),
            );
        }
        response
    }
}
