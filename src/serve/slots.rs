//! Solver slots: at most `solvers` solves at once, each on a blocking thread (never on the
//! async workers), and a bounded queue of synchronous requests waiting for one. A request that
//! finds every slot busy and the queue full is refused at once (503 + `Retry-After`).
//!
//! The queue is the semaphore's own FIFO wait list; [`Slots`] only counts who is in it.
//! Jobs wait in the same FIFO but are not counted against the queue: the job store bounds them.
//! A permit travels into the blocking thread and is released when the solve returns, even if
//! the client has gone, so the count of busy slots is always the count of running solves.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

/// Why no slot was had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    /// Every slot is busy and the queue is full.
    #[error("every solver slot is busy and the queue is full")]
    Busy,
    /// The server is shutting down.
    #[error("the server is shutting down")]
    Closed,
    /// The solve panicked (a bug); the slot was released.
    #[error("the solve stopped unexpectedly")]
    Panicked,
}

/// The solver slots of one server.
#[derive(Debug)]
pub struct Slots {
    semaphore: Arc<Semaphore>,
    total: usize,
    queue: usize,
    waiting: AtomicUsize,
}

/// A held slot: a solve may run while it lives.
#[derive(Debug)]
pub struct SlotPermit {
    _permit: OwnedSemaphorePermit,
}

/// Takes a place in the queue and gives it back when dropped (also when the waiting request is
/// dropped, e.g. on timeout or a closed connection).
struct QueuePlace<'a>(&'a AtomicUsize);

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Slots {
    /// `total` slots (at least 1) and a queue of `queue` waiting requests (0 = no waiting).
    pub fn new(total: usize, queue: usize) -> Arc<Slots> {
        let total = total.max(1);
        Arc::new(Slots {
            semaphore: Arc::new(Semaphore::new(total)),
            total,
            queue,
            waiting: AtomicUsize::new(0),
        })
    }

    /// A slot now, or after waiting in the queue; [`SlotError::Busy`] if the queue is full.
    pub async fn acquire(&self) -> Result<SlotPermit, SlotError> {
        match self.semaphore.clone().try_acquire_owned() {
            Ok(permit) => return Ok(SlotPermit { _permit: permit }),
            Err(TryAcquireError::Closed) => return Err(SlotError::Closed),
            Err(TryAcquireError::NoPermits) => {}
        }
        let before = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _place = QueuePlace(&self.waiting);
        if before >= self.queue {
            return Err(SlotError::Busy);
        }
        self.acquire_for_job().await
    }

    /// A slot, waiting as long as it takes, outside the bounded queue (for jobs).
    pub async fn acquire_for_job(&self) -> Result<SlotPermit, SlotError> {
        self.semaphore
            .clone()
            .acquire_owned()
            .await
            .map(|permit| SlotPermit { _permit: permit })
            .map_err(|_| SlotError::Closed)
    }

    /// Number of slots.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Slots running a solve (or held) now.
    pub fn busy(&self) -> usize {
        self.total - self.semaphore.available_permits().min(self.total)
    }

    /// Synchronous requests waiting in the queue now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst).min(self.queue)
    }

    /// Waits until every solve has finished, then refuses new ones.
    pub async fn drain(&self) {
        if let Ok(all) = self.semaphore.acquire_many(self.total as u32).await {
            self.semaphore.close();
            drop(all);
        }
    }
}

/// Runs `solve` on a blocking thread while holding `permit`; the slot is freed when `solve`
/// returns, whether or not anyone still waits for the result.
pub async fn run<T, F>(permit: SlotPermit, solve: F) -> Result<T, SlotError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    tokio::task::spawn_blocking(move || {
        let _held = permit;
        solve()
    })
    .await
    .map_err(|_| SlotError::Panicked)
}
