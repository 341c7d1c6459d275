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
//! Returning them has a price: the next report touches fresh pages, and the kernel zeroes each
//! one on its first write (at 10M invocations, `cold-starts`' warm median spent 0.23 s of system
//! time doing so, a third of its run). A batch of reports in a process that exits after it (the
//! CLI's warm-up after an import, `cli::warm_dashboard`) holds a [`KeepPages`]: [`release`]
//! still collects every worker's heap, so the next report reuses those pages whichever thread
//! runs it (the batch peaks at its largest report, not at the sum), but mimalloc keeps them
//! mapped instead of giving them back. An import holds one with a delay (pages given back
//! once free for 3 s). Measured in BENCHMARKS.md (session 13).
//!
//! Under another global allocator the calls only touch mimalloc's own (empty) heaps and
//! options: harmless.

use std::ffi::c_long;
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

/// mimalloc's `mi_option_purge_delay`: how long freed pages stay mapped before they are given
/// back, in ms (its default, 1,000), `-1` for never. Its index in mimalloc 3's `mi_option_e`,
/// for which `libmimalloc-sys` names no constant; `tests/memory.rs` checks it against the
/// default.
const OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The delays of the open [`KeepPages`] guards, and the purge delay before the first one.
static KEEPING: Mutex<(Vec<c_long>, c_long)> = Mutex::new((Vec::new(), 0));

/// While alive, memory the process frees stays mapped longer before mimalloc gives it back to
/// the OS, so the work that follows reuses it without the kernel zeroing fresh pages.
///
/// - [`KeepPages::new`]: never given back while the guard lives. For a batch of reports in a
///   process that exits after it (the CLI's warm-up after an import,
///   `cli::warm_dashboard`): at 10M invocations the 13 reports take about 15% less time (`cold-starts`
///   308–312 → 205–213 ms) and peak at 1.17 GB instead of 0.96 GB. After the last such guard
///   drops, the pages freed meanwhile stay mapped until the process reuses them (mimalloc only
///   gives back pages it scheduled when they were freed), so a long-lived process would keep
///   its batch's peak.
/// - [`KeepPages::for_ms`]: given back once free for that long (mimalloc's default is 1 s).
///   For an import ([`crate::source::files::import_paths`] holds 3 s), whose chunks free and
///   allocate hundreds of MB a few seconds apart: 10M events import 7–10% faster, with a peak
///   0.3–0.5 GB higher (BENCHMARKS.md, session 13).
///
/// Guards nest and may overlap across threads: the longest delay of the open guards applies
/// (never, if one says so), and the last one to drop restores mimalloc's own.
#[must_use = "pages are kept only while the guard lives"]
pub struct KeepPages(c_long);

impl KeepPages {
    /// Keep freed pages mapped until the guard drops (see the type).
    pub fn new() -> KeepPages {
        KeepPages::with_delay(-1)
    }

    /// Give freed pages back only after they were free for `ms` milliseconds, until the guard
    /// drops (see the type).
    pub fn for_ms(ms: u32) -> KeepPages {
        KeepPages::with_delay(c_long::from(ms))
    }

    fn with_delay(delay: c_long) -> KeepPages {
        let mut keeping = KEEPING.lock().unwrap_or_else(|p| p.into_inner());
        if keeping.0.is_empty() {
            keeping.1 = get_purge_delay();
        }
        keeping.0.push(delay);
        set_purge_delay(effective(&keeping.0, keeping.1));
        KeepPages(delay)
    }
}

impl Default for KeepPages {
    fn default() -> Self {
        KeepPages::new()
    }
}

impl Drop for KeepPages {
    fn drop(&mut self) {
        let mut keeping = KEEPING.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = keeping.0.iter().position(|d| *d == self.0) {
            keeping.0.swap_remove(i);
        }
        set_purge_delay(effective(&keeping.0, keeping.1));
    }
}

/// The purge delay for the open guards' `delays` (mimalloc's `original` when none is open):
/// never (-1) if one says so, else the longest, and never shorter than `original`.
fn effective(delays: &[c_long], original: c_long) -> c_long {
    if delays.is_empty() {
        return original;
    }
    if original < 0 || delays.iter().any(|d| *d < 0) {
        return -1;
    }
    delays.iter().copied().fold(original, c_long::max)
}

fn get_purge_delay() -> c_long {
    // SAFETY: reading an option has no preconditions.
    unsafe { libmimalloc_sys::mi_option_get(OPTION_PURGE_DELAY) }
}

fn set_purge_delay(ms: c_long) {
    // SAFETY: setting an option has no preconditions; mimalloc reads this one on each free
    // and each purge.
    unsafe { libmimalloc_sys::mi_option_set(OPTION_PURGE_DELAY, ms) }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_effective_delay_is_the_longest() {
        assert_eq!(effective(&[], 1000), 1000);
        assert_eq!(effective(&[3000], 1000), 3000);
        assert_eq!(effective(&[3000, 10], 1000), 3000);
        assert_eq!(effective(&[10], 1000), 1000);
        assert_eq!(effective(&[3000, -1], 1000), -1);
        assert_eq!(effective(&[3000], -1), -1);
    }
}
