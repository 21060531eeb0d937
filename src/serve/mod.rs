//! `spreiding serve`: the HTTP JSON API over the same library calls and documents as the CLI.
//!
//! [`app`] builds the router (tests may call it directly); [`start`] binds a listener and
//! serves until [`Running::shutdown`], then lets running solves finish. Everything else is
//! one idea per file:
//!
//! - [`config`]: address, token, limits;
//! - [`handlers`]: the endpoints; [`sensitivity`]: the what-if endpoint (one slot per run);
//!   [`wire`]: their request and response documents;
//! - [`problem`]: errors as `application/problem+json`;
//! - [`slots`]: at most N solves at once, off the async threads, with a bounded queue;
//! - [`jobs`]: background runs, bounded and expiring;
//! - [`auth`]: the optional bearer token; [`openapi`]: the generated descriptions.
//!
//! The server does no file I/O: the CLI reads the token file and passes the token in.

pub mod auth;
pub mod config;
pub mod handlers;
pub mod jobs;
mod layers;
pub mod openapi;
pub mod problem;
pub mod sensitivity;
pub mod slots;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;

pub use config::ServeConfig;
use jobs::JobStore;
use slots::Slots;

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Accepting connections failed.
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
    /// The OpenAPI or JSON Schema document could not be rendered (a bug).
    #[error("cannot render the API description: {0}")]
    Docs(#[from] serde_json::Error),
    /// The server task stopped unexpectedly (a bug).
    #[error("the server task stopped unexpectedly")]
    Task,
}

/// The rendered descriptions, served as they are.
#[derive(Debug)]
pub struct Docs {
    /// `GET /v1/openapi.json`.
    pub openapi: Bytes,
    /// `GET /v1/schema/instance.json`.
    pub instance_schema: Bytes,
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The server's configuration.
    pub config: Arc<ServeConfig>,
    /// The solver slots.
    pub slots: Arc<Slots>,
    /// The job store.
    pub jobs: Arc<JobStore>,
    /// The descriptions.
    pub docs: Arc<Docs>,
}

impl AppState {
    /// Slots, job store and descriptions for `config`.
    pub fn new(config: ServeConfig) -> Result<AppState, ServeError> {
        let docs = Docs {
            openapi: Bytes::from(openapi::openapi_json()?),
            instance_schema: Bytes::from(openapi::instance_schema_json()?),
        };
        Ok(AppState {
            slots: Slots::new(config.solvers, config.queue),
            jobs: JobStore::new(config.max_jobs, config.job_ttl),
            docs: Arc::new(docs),
            config: Arc::new(config),
        })
    }
}

/// The router: every endpoint, behind the token check, the body limit, the request timeout,
/// the panic guard and the request log.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/plan", post(handlers::plan))
        .route("/v1/validate", post(handlers::validate))
        .route("/v1/verify", post(handlers::verify))
        .route("/v1/sensitivity", post(sensitivity::sensitivity))
        .route("/v1/jobs", post(handlers::create_job))
        .route(
            "/v1/jobs/{id}",
            get(handlers::get_job).delete(handlers::delete_job),
        )
        .route("/v1/jobs/{id}/result", get(handlers::get_job_result))
        .route("/v1/health", get(handlers::health))
        .route("/v1/openapi.json", get(handlers::openapi))
        .route("/v1/schema/instance.json", get(handlers::instance_schema))
        .fallback(handlers::not_found)
        .layer(from_fn(layers::problem_defaults))
        .layer(from_fn_with_state(state.clone(), auth::require_token))
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(from_fn_with_state(state.clone(), layers::timeout))
        .layer(CatchPanicLayer::custom(layers::panic_response))
        .layer(from_fn(layers::request_log))
        .with_state(state)
}

/// A started server.
#[derive(Debug)]
pub struct Running {
    local_addr: SocketAddr,
    state: AppState,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl Running {
    /// The address it listens on (the real port when the config asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Its solver slots (e.g. to see how busy it is, or to hold one in a test).
    pub fn slots(&self) -> Arc<Slots> {
        self.state.slots.clone()
    }

    /// Its job store.
    pub fn jobs(&self) -> Arc<JobStore> {
        self.state.jobs.clone()
    }

    /// Starts a graceful shutdown: no new connections; requests in flight are answered,
    /// queued jobs are cancelled, running solves finish. Returns at once; see [`Running::wait`].
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Waits until the server has stopped: after [`Running::shutdown`], when every connection
    /// is closed and every solve has finished.
    pub async fn wait(self) -> Result<(), ServeError> {
        self.task.await.map_err(|_| ServeError::Task)?
    }
}

/// Binds `config.listen` and serves in a background task.
pub async fn start(config: ServeConfig) -> Result<Running, ServeError> {
    let addr = config.listen;
    let state = AppState::new(config)?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    let local_addr = listener.local_addr()?;
    let (shutdown, mut signal) = watch::channel(false);
    let router = app(state.clone());
    let after = state.clone();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                // A dropped `Running` also shuts the server down.
                let _ = signal.wait_for(|stop| *stop).await;
                tracing::info!("shutting down: answering requests in flight");
            })
            .await?;
        after.jobs.cancel_queued();
        let running = after.slots.busy();
        if running > 0 {
            tracing::info!(running, "waiting for running solves to finish");
        }
        after.slots.drain().await;
        tracing::info!("stopped");
        Ok(())
    });
    Ok(Running {
        local_addr,
        state,
        shutdown,
        task,
    })
}

/// Serves `config` until `signal` completes, then shuts down gracefully.
pub async fn serve(
    config: ServeConfig,
    signal: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let running = start(config).await?;
    tracing::info!(addr = %running.local_addr(), "listening");
    signal.await;
    running.shutdown();
    running.wait().await
}
