//! Giving back the memory a finished query freed, before the next one starts.
//!
//! Polars runs a query on its worker threads: the rayon pool (in-memory engine) and the
//! streaming engine's async executor. With mimalloc (the allocator of the `skylens` binary and
//! the desktop shell), memory freed on a thread other than the one that allocated it, and pages
//! a thread emptied, stay with that thread's heap until the thread allocates again or collects.
//! Idle workers do neither, so after one large report hundreds of MB stayed resident and the
//! next report's peak came on top (BENCHMARKS.md, "Peak memory across reports in one process").
//! [`release`] asks every worker to collect, which returns those pages to the OS.
//!
//! Under another global allocator the calls only touch mimalloc's own (empty) heaps: harmless.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::{Duration, Instant};

use polars_async::executor::{TaskPriority, spawn};
use polars_core::runtime::THREAD_POOL;

/// How long [`release`] waits for the streaming engine's workers. Right after a query they may
/// still be dropping its state (measured: up to 60 ms at 10M invocations); the bound keeps a
/// worker that another query is using (the server runs reports concurrently) from being held
/// up for long.
const EXECUTOR_WAIT: Duration = Duration::from_millis(200);

/// Collect this thread's heap, and with it the segments abandoned by threads that exited.
fn collect_here() {
    // SAFETY: `mi_collect` has no preconditions; it only frees memory no one references.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Return the memory freed by finished queries to the OS: collect the heap of this thread,
/// of every rayon worker of Polars, and of every worker of its streaming engine. Call it
/// between large queries ([`super::compute_report`] does); it takes 1–60 ms after a report
/// over 10M invocations, most of it giving pages back.
pub fn release() {
    // One at a time: two releases at once (the server computes reports concurrently) would
    // each hold a worker waiting for the other's task. A release already running does the work.
    static RUNNING: Mutex<()> = Mutex::new(());
    let _running = match RUNNING.try_lock() {
        Ok(guard) => guard,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => return,
    };
    collect_here();
    THREAD_POOL.broadcast(|_| collect_here());
    release_executor_threads();
    collect_here();
}

/// The streaming engine's executor has no broadcast: spawn one task per worker, each of which
/// collects and then waits until all have (or [`EXECUTOR_WAIT`] passed), so no worker runs two
/// of them while another runs none.
fn release_executor_threads() {
    let workers = THREAD_POOL.current_num_threads().max(1);
    let done = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + EXECUTOR_WAIT;
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let done = Arc::clone(&done);
            spawn(TaskPriority::High, async move {
                collect_here();
                done.fetch_add(1, Ordering::AcqRel);
                while done.load(Ordering::Acquire) < workers && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_micros(50));
                }
                collect_here();
            })
        })
        .collect();
    while done.load(Ordering::Acquire) < workers && Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(50));
    }
    drop(handles);
}
