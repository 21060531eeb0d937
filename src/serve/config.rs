//! What a server is started with: address, token, limits. Defaults match the CLI's.

use std::net::SocketAddr;
use std::time::Duration;

use crate::lp::SolveOptions;

/// The default request body limit: 32 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// Everything `serve` needs; [`ServeConfig::default`] is what `spreiding serve` uses without
/// options (with `solvers` set to the number of cores by the CLI).
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where to listen; port 0 picks a free port (see [`super::Running::local_addr`]).
    pub listen: SocketAddr,
    /// With a token, every endpoint but `GET /v1/health` needs `Authorization: Bearer TOKEN`.
    pub token: Option<String>,
    /// Largest accepted request body, in bytes (413 above it).
    pub body_limit: usize,
    /// Solves that run at the same time, each on its own blocking thread.
    pub solvers: usize,
    /// Synchronous solve requests that may wait for a solver; one more gets 503.
    pub queue: usize,
    /// Time limit and gap when a request names none (the CLI's defaults, the time limit
    /// capped by `max_time_limit`).
    pub default_solve: SolveOptions,
    /// The largest `time_limit` a request may ask for.
    pub max_time_limit: Duration,
    /// Whole-request budget: reading the body, waiting for a solver and solving.
    pub request_timeout: Duration,
    /// Jobs kept in memory (queued, running and finished together).
    pub max_jobs: usize,
    /// How long a finished job (done, failed, cancelled) stays readable.
    pub job_ttl: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token: None,
            body_limit: DEFAULT_BODY_LIMIT,
            solvers: 2,
            queue: 64,
            default_solve: SolveOptions::default(),
            max_time_limit: Duration::from_secs(60),
            request_timeout: Duration::from_secs(300),
            max_jobs: 100,
            job_ttl: Duration::from_secs(900),
        }
    }
}

/// See [`ServeConfig::retry_after_s`].
const RETRY_AFTER_S: u64 = 5;

impl ServeConfig {
    /// Seconds a client is told to wait (`Retry-After`) when every solver is busy: an
    /// Enschede plan takes a few seconds, so a slot is usually free again within a few; the
    /// time limit (60 s by default) would be far too pessimistic.
    pub fn retry_after_s(&self) -> u64 {
        RETRY_AFTER_S
    }
}
