//! Middleware around every endpoint: the request log, the request timeout, problem documents
//! for axum's own 404/405 answers, and a terse 500 for a panic.

use std::any::Any;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::handlers::{self, BodyBytes, BodyLimit, InstanceSize};
use super::problem::ApiError;

/// One log line per request: method, path, status, duration, body size and, when the body was
/// an instance, its size in areas, practices and phases. Never the content or the query.
pub async fn request_log(mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let read = BodyBytes::default();
    request.extensions_mut().insert(read.clone());
    let response = next.run(request).await;
    // What was read, or else what was announced (e.g. a body refused before reading).
    let body_bytes = match read.0.load(Ordering::Relaxed) {
        0 => declared,
        n => n,
    };
    let status = response.status().as_u16();
    let duration_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    match response.extensions().get::<InstanceSize>() {
        Some(size) => tracing::info!(
            method = %method, path = %path, status, duration_ms, body_bytes,
            areas = size.areas, practices = size.practices, phases = size.phases,
            "request"
        ),
        None => tracing::info!(
            method = %method, path = %path, status, duration_ms, body_bytes, "request"
        ),
    }
    response
}

/// The whole-request budget (body, queue, solve); past it, 503 with `Retry-After`. A solve
/// already running finishes in its slot; only the answer is dropped.
pub async fn timeout(State(app): State<AppState>, mut request: Request, next: Next) -> Response {
    request
        .extensions_mut()
        .insert(BodyLimit(app.config.body_limit));
    let limit = app.config.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout {
            timeout_s: limit.as_secs(),
        }
        .into_response(),
    }
}

/// Gives axum's bodiless 404 and 405 answers a problem document.
pub async fn problem_defaults(request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    handlers::problem_for_empty(response, &method, &path)
}

/// A panic in a handler (a bug) becomes a terse 500; the cause goes to the log only.
pub fn panic_response(cause: Box<dyn Any + Send + 'static>) -> Response {
    let text = cause
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| cause.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string());
    ApiError::Internal(text).into_response()
}
