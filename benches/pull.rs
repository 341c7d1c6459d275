//! Pull benchmark: events per second pulled from moto_server into a workspace, and API calls per
//! pull against the minimum pagination allows. Prints a Markdown table for BENCHMARKS.md.
//!
//! ```sh
//! cargo bench --bench pull                                   # about 100,000 events
//! SKYLENS_PULL_BENCH_EVENTS=20000 cargo bench --bench pull   # smaller
//! ```
//!
//! The demo workload (realistic Lambda, API Gateway and Powertools lines in five log groups) is
//! seeded into moto with PutLogEvents (moto takes about 20k events/s, not timed), then pulled
//! with the defaults (10,000 events per page, 4 groups at once) but no client-side rate limit
//! (AWS's FilterLogEvents quota of 5 requests/s would otherwise bound it at 50k events/s). The
//! time includes parsing and storing into the Parquet workspace.

#[path = "../tests/moto/mod.rs"]
mod moto;

use std::time::Instant;

use skylens::source::pull::{self, Services};
use skylens::workspace::Workspace;

fn main() {
    let target: u64 = std::env::var("SKYLENS_PULL_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir().expect("tempdir");
    // Calibrate: events per API request of the demo.
    let (probe, _, _) = moto::demo_files(&tmp.path().join("probe"), 1000, 2);
    let per_request = probe.stats.log_events as f64 / 1000.0;
    let requests = ((target as f64 / per_request).ceil() as u64).max(10);
    let (files, from, to) = moto::demo_files(&tmp.path().join("raw"), requests, 2);
    let per_group: Vec<u64> = moto::demo_events(&files)
        .values()
        .map(|s| s.values().map(|v| v.len() as u64).sum())
        .collect();
    let events: u64 = per_group.iter().sum();

    let m = moto::Moto::start();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let t = Instant::now();
    rt.block_on(async {
        let cfg = moto::sdk_config(&m.url).await;
        moto::seed_logs(&cfg, &files).await;
    });
    let seed_s = t.elapsed().as_secs_f64();
    eprintln!(
        "seeded {events} events in {} log groups in {seed_s:.1}s",
        per_group.len()
    );

    println!(
        "| page size | events | log groups | wall (s) | events/s | FilterLogEvents calls | minimum | over minimum | all calls |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for limit in [None, Some(1_000)] {
        let ws =
            Workspace::open_or_create(tmp.path().join(format!("ws-{}", limit.unwrap_or(10_000))))
                .expect("workspace");
        let mut o = moto::pull_options(&m.url, from, to);
        o.services = Services {
            logs: true,
            traces: false,
            costs: false,
        };
        o.page_limit = limit;
        let t = Instant::now();
        let s = pull::pull(&ws, o, pull::progress::silent()).expect("pull");
        let wall = t.elapsed().as_secs_f64();
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!(s.events, events);
        let page = limit.unwrap_or(10_000) as u64;
        let min: u64 = per_group.iter().map(|n| n.div_ceil(page).max(1)).sum();
        let calls = s.calls_of("logs:FilterLogEvents");
        let all: u64 = s.calls.values().sum();
        println!(
            "| {page} | {events} | {} | {wall:.2} | {:.0} | {calls} | {min} | {:.1}% | {all} |",
            per_group.len(),
            events as f64 / wall,
            (calls as f64 / min as f64 - 1.0) * 100.0
        );
    }
}
