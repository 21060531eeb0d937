//! Jobs: long runs in the background, kept in memory with a bound and an expiry.
//!
//! A job is `queued` (waiting for a solver slot), `running`, then `done` (with its result),
//! `failed` (with a problem) or `cancelled`. Finished jobs stay readable for the store's
//! time-to-live from when they finished, then disappear (404). The store holds at most
//! `max_jobs` jobs: a new one first pushes out expired jobs, then the oldest finished one;
//! if every kept job is queued or running, it is refused (503).
//!
//! Cancelling a queued job takes it out of the queue at once. A running HiGHS solve cannot
//! be interrupted mid-way: cancelling a running job marks it `cancelled` at once, the solve
//! finishes in the background (its slot stays busy until then) and its result is discarded.
//! A run of several solves (`sensitivity`) asks [`JobStore::is_cancelled`] before each one
//! and stops there, so it frees its slot after the solve in progress.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use utoipa::ToSchema;

use super::problem::ApiProblem;

/// What a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// `POST /v1/plan` in the background: the result is the plan@1 document.
    Plan,
    /// `POST /v1/sensitivity` in the background: the result is the sensitivity@1 document.
    Sensitivity,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a solver slot.
    Queued,
    /// Solving.
    Running,
    /// Finished; `result` holds the output.
    Done,
    /// Finished with an error; `error` holds the problem.
    Failed,
    /// Cancelled by `DELETE` (or by shutdown while queued).
    Cancelled,
}

impl JobState {
    fn finished(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }
}

/// A job as the store keeps it.
#[derive(Debug, Clone)]
pub struct Job {
    /// Opaque id.
    pub id: String,
    /// What it runs.
    pub kind: JobKind,
    /// Where it is.
    pub state: JobState,
    /// When it was accepted.
    pub created: Instant,
    /// When it reached a finished state.
    pub finished: Option<Instant>,
    /// The output document, exactly the bytes of the kind's endpoint (plan@1 for `plan`,
    /// sensitivity@1 for `sensitivity`).
    pub result: Option<Arc<str>>,
    /// Why it failed.
    pub error: Option<ApiProblem>,
    cancel: Arc<Notify>,
}

/// Outcome of `DELETE /v1/jobs/{id}`.
#[derive(Debug, Clone)]
pub enum Cancelled {
    /// It was queued or running; now `cancelled` (kept until it expires).
    Cancelled(Box<Job>),
    /// It had finished; it is now removed.
    Removed,
    /// No such job.
    NotFound,
}

/// The store is full of unfinished jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the job store is full")]
pub struct StoreFull;

/// The in-memory job store of one server.
#[derive(Debug)]
pub struct JobStore {
    jobs: Mutex<HashMap<String, Job>>,
    max_jobs: usize,
    ttl: Duration,
    ids: RandomState,
    counter: AtomicU64,
    /// Set on shutdown: no result can be read any more, so no running job needs to go on.
    closing: AtomicBool,
}

impl JobStore {
    /// A store of at most `max_jobs` jobs whose finished jobs live `ttl`.
    pub fn new(max_jobs: usize, ttl: Duration) -> Arc<JobStore> {
        Arc::new(JobStore {
            jobs: Mutex::new(HashMap::new()),
            max_jobs: max_jobs.max(1),
            ttl,
            ids: RandomState::new(),
            counter: AtomicU64::new(0),
            closing: AtomicBool::new(false),
        })
    }

    /// The bound on kept jobs.
    pub fn max_jobs(&self) -> usize {
        self.max_jobs
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Job>> {
        // A panic while holding the lock cannot leave a job half-updated (every update is
        // one assignment), so a poisoned lock is still usable.
        self.jobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn purge(&self, jobs: &mut HashMap<String, Job>, now: Instant) {
        let ttl = self.ttl;
        jobs.retain(|_, job| match job.finished {
            Some(at) => now.saturating_duration_since(at) < ttl,
            None => true,
        });
    }

    /// Accepts a new `queued` job; returns it and the notifier that cancels its wait.
    pub fn insert(&self, kind: JobKind) -> Result<(Job, Arc<Notify>), StoreFull> {
        let now = Instant::now();
        let mut jobs = self.lock();
        self.purge(&mut jobs, now);
        if jobs.len() >= self.max_jobs {
            let oldest_finished = jobs
                .values()
                .filter_map(|j| j.finished.map(|at| (at, j.id.clone())))
                .min();
            match oldest_finished {
                Some((_, id)) => {
                    jobs.remove(&id);
                }
                None => return Err(StoreFull),
            }
        }
        let id = loop {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let id = format!("{:016x}", self.ids.hash_one(n));
            if !jobs.contains_key(&id) {
                break id;
            }
        };
        let cancel = Arc::new(Notify::new());
        let job = Job {
            id: id.clone(),
            kind,
            state: JobState::Queued,
            created: now,
            finished: None,
            result: None,
            error: None,
            cancel: cancel.clone(),
        };
        jobs.insert(id, job.clone());
        Ok((job, cancel))
    }

    /// The job, unless unknown or expired.
    pub fn get(&self, id: &str) -> Option<Job> {
        let mut jobs = self.lock();
        self.purge(&mut jobs, Instant::now());
        jobs.get(id).cloned()
    }

    /// Queued → running; false if the job was cancelled or removed meanwhile.
    pub fn start(&self, id: &str) -> bool {
        let mut jobs = self.lock();
        match jobs.get_mut(id) {
            Some(job) if job.state == JobState::Queued => {
                job.state = JobState::Running;
                true
            }
            _ => false,
        }
    }

    /// Running → done or failed; a job cancelled meanwhile stays cancelled (result dropped).
    pub fn finish(&self, id: &str, outcome: Result<Arc<str>, ApiProblem>) {
        let mut jobs = self.lock();
        if let Some(job) = jobs.get_mut(id)
            && !job.state.finished()
        {
            job.finished = Some(Instant::now());
            match outcome {
                Ok(result) => {
                    job.state = JobState::Done;
                    job.result = Some(result);
                }
                Err(problem) => {
                    job.state = JobState::Failed;
                    job.error = Some(problem);
                }
            }
        }
    }

    /// Whether the job's result is no longer wanted: it was cancelled, it is gone, or the
    /// server is shutting down (its connections are closed, nobody could read it). Asked by a
    /// running job between its solves.
    pub fn is_cancelled(&self, id: &str) -> bool {
        self.closing.load(Ordering::SeqCst)
            || self
                .lock()
                .get(id)
                .is_none_or(|job| job.state == JobState::Cancelled)
    }

    /// `DELETE`: cancels an unfinished job, removes a finished one.
    pub fn cancel(&self, id: &str) -> Cancelled {
        let mut jobs = self.lock();
        self.purge(&mut jobs, Instant::now());
        let Some(job) = jobs.get_mut(id) else {
            return Cancelled::NotFound;
        };
        if job.state.finished() {
            jobs.remove(id);
            return Cancelled::Removed;
        }
        job.state = JobState::Cancelled;
        job.finished = Some(Instant::now());
        job.cancel.notify_one();
        Cancelled::Cancelled(Box::new(job.clone()))
    }

    /// Cancels every queued job (on shutdown); running ones finish their solve in progress,
    /// and from now on [`JobStore::is_cancelled`] tells them to start no further one.
    pub fn cancel_queued(&self) {
        self.closing.store(true, Ordering::SeqCst);
        let mut jobs = self.lock();
        for job in jobs.values_mut() {
            if job.state == JobState::Queued {
                job.state = JobState::Cancelled;
                job.finished = Some(Instant::now());
                job.cancel.notify_one();
            }
        }
    }

    /// Jobs kept now, per state: (queued, running, finished).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut jobs = self.lock();
        self.purge(&mut jobs, Instant::now());
        let mut counts = (0, 0, 0);
        for job in jobs.values() {
            match job.state {
                JobState::Queued => counts.0 += 1,
                JobState::Running => counts.1 += 1,
                _ => counts.2 += 1,
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_job_is_told_to_stop_once_cancelled_or_on_shutdown() {
        let store = JobStore::new(10, Duration::from_secs(60));
        let (a, _) = store.insert(JobKind::Sensitivity).expect("room");
        let (b, _) = store.insert(JobKind::Sensitivity).expect("room");
        assert!(store.start(&a.id) && store.start(&b.id));
        assert!(!store.is_cancelled(&a.id) && !store.is_cancelled(&b.id));
        assert!(store.is_cancelled("no such job"));
        assert!(matches!(store.cancel(&a.id), Cancelled::Cancelled(_)));
        assert!(store.is_cancelled(&a.id) && !store.is_cancelled(&b.id));
        store.cancel_queued();
        assert!(store.is_cancelled(&b.id));
        // A job that finishes anyway keeps its state: running jobs are not cancelled.
        assert_eq!(store.get(&b.id).map(|j| j.state), Some(JobState::Running));
    }
}
