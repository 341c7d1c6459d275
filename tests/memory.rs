//! `analysis::memory::release` with the allocator the `skylens` binary uses: memory that Polars'
//! worker threads allocated and another thread freed goes back to the OS, except while a
//! `KeepPages` guard lives.
//!
//! One test in this file (its own process), so no other test's allocations move the figures
//! and no other test's guard (imports hold one) changes mimalloc's purge delay meanwhile.

use std::sync::mpsc;

use polars_async::executor::{TaskPriority, spawn};
use polars_core::runtime::THREAD_POOL;
use skylens::analysis::memory::{KeepPages, release};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Blocks small enough to live in the allocator's per-thread pages (not in their own mapping).
const BLOCK: usize = 16 * 1024;
/// Blocks per worker: 128 MiB each.
const BLOCKS: usize = 8 * 1024;

/// Anonymous resident memory of this process, in MiB (`RssAnon` in /proc/self/status).
fn rss_anon_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .expect("RssAnon");
    kib / 1024.0
}

fn blocks() -> Vec<Vec<u8>> {
    (0..BLOCKS).map(|i| vec![i as u8; BLOCK]).collect()
}

/// mimalloc 3's `mi_option_purge_delay` (the index `memory.rs` uses; `libmimalloc-sys` names
/// no constant for it).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn purge_delay() -> std::ffi::c_long {
    // SAFETY: reading an option has no preconditions.
    unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }
}

/// Blocks allocated on every worker of the rayon pool and of the streaming executor, as a
/// query's buffers are, to be freed by the caller, as a query's result and intermediates are;
/// and their size in MiB.
fn allocate_on_workers() -> (Vec<Vec<Vec<u8>>>, f64) {
    let mut all: Vec<Vec<Vec<u8>>> = THREAD_POOL.broadcast(|_| blocks());
    let workers = THREAD_POOL.current_num_threads();
    let (send, recv) = mpsc::channel();
    for _ in 0..workers {
        let send = send.clone();
        drop(spawn(TaskPriority::High, async move {
            let _ = send.send(blocks());
        }));
    }
    all.extend((0..workers).map(|_| recv.recv().expect("an executor task")));
    let mib = (2 * workers * BLOCKS * BLOCK) as f64 / (1024.0 * 1024.0);
    (all, mib)
}

#[test]
fn release_returns_what_polars_workers_allocated_and_this_thread_freed_unless_pages_are_kept() {
    let base = rss_anon_mib();

    let (blocks, allocated_mib) = allocate_on_workers();
    let held = rss_anon_mib();
    assert!(
        held - base > 0.9 * allocated_mib,
        "the blocks are resident: {base:.0} → {held:.0} MiB for {allocated_mib:.0} MiB"
    );

    drop(blocks);
    release();
    let after = rss_anon_mib();
    assert!(
        after - base < 0.25 * allocated_mib,
        "released: {base:.0} MiB before, {held:.0} MiB held, {after:.0} MiB after release \
         ({allocated_mib:.0} MiB allocated)"
    );

    // The guard sets mimalloc's purge delay: never while a batch's guard lives, else the
    // longest of the open guards', and back to the default (1,000 ms) after the last. The
    // default also shows that the index is that option's.
    let default = purge_delay();
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        assert_eq!(default, 1000, "option {PURGE_DELAY} is not the purge delay");
    }
    let import = KeepPages::for_ms(3000);
    assert_eq!(purge_delay(), 3000.max(default));
    let batch = KeepPages::new();
    assert_eq!(purge_delay(), -1);
    drop(import);
    assert_eq!(purge_delay(), -1, "the batch's guard still lives");
    let short = KeepPages::for_ms(10);
    drop(batch);
    assert_eq!(
        purge_delay(),
        default.max(10),
        "never shorter than mimalloc's own"
    );
    drop(short);
    assert_eq!(purge_delay(), default);
    let on_another_thread = std::thread::spawn(|| {
        let _keep = KeepPages::new();
        purge_delay()
    })
    .join()
    .expect("a thread");
    assert_eq!(on_another_thread, -1, "the delay is the process's");
    assert_eq!(purge_delay(), default);

    // While a batch's guard lives, release still collects the workers' heaps but the pages
    // stay mapped, for the next query.
    let base = rss_anon_mib();
    let keep = KeepPages::new();
    let (blocks, allocated_mib) = allocate_on_workers();
    let held = rss_anon_mib();
    drop(blocks);
    release();
    let kept = rss_anon_mib();
    drop(keep);
    assert!(
        kept - base > 0.75 * allocated_mib,
        "kept: {base:.0} MiB before, {held:.0} MiB held, {kept:.0} MiB after release \
         ({allocated_mib:.0} MiB allocated)"
    );
}
