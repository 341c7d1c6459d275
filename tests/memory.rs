//! `analysis::memory::release` with the allocator the `skylens` binary uses: memory that Polars'
//! worker threads allocated and another thread freed goes back to the OS.
//!
//! One test in this file (its own process), so no other test's allocations move the figures.

use std::sync::mpsc;

use polars_async::executor::{TaskPriority, spawn};
use polars_core::runtime::THREAD_POOL;
use skylens::analysis::memory::release;

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

#[test]
fn release_returns_what_polars_workers_allocated_and_this_thread_freed() {
    let base = rss_anon_mib();

    // Allocated on every worker of the rayon pool and of the streaming executor, as a query's
    // buffers are; freed here, as a query's result and intermediates are.
    let from_pool: Vec<Vec<Vec<u8>>> = THREAD_POOL.broadcast(|_| blocks());
    let workers = THREAD_POOL.current_num_threads();
    let (send, recv) = mpsc::channel();
    for _ in 0..workers {
        let send = send.clone();
        drop(spawn(TaskPriority::High, async move {
            let _ = send.send(blocks());
        }));
    }
    let from_executor: Vec<Vec<Vec<u8>>> = (0..workers)
        .map(|_| recv.recv().expect("an executor task"))
        .collect();
    let allocated_mib = (2 * workers * BLOCKS * BLOCK) as f64 / (1024.0 * 1024.0);
    let held = rss_anon_mib();
    assert!(
        held - base > 0.9 * allocated_mib,
        "the blocks are resident: {base:.0} → {held:.0} MiB for {allocated_mib:.0} MiB"
    );

    drop(from_pool);
    drop(from_executor);
    release();
    let after = rss_anon_mib();
    assert!(
        after - base < 0.25 * allocated_mib,
        "released: {base:.0} MiB before, {held:.0} MiB held, {after:.0} MiB after release \
         ({allocated_mib:.0} MiB allocated)"
    );
}
