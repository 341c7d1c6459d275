//! Helpers shared by the bench harnesses (`mod common;` in each; not every bench uses all).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use skylens::analysis::investigate::{InvestigateOptions, Investigator};
use skylens::workspace::Workspace;

/// Peak resident set size of this process so far, in MB (`VmHWM`; 0 where /proc is missing).
pub fn peak_rss_mb() -> f64 {
    proc_status_mb("VmHWM:")
}

/// Resident set size of this process now, in MB (`VmRSS`; 0 where /proc is missing).
#[allow(dead_code)]
pub fn rss_mb() -> f64 {
    proc_status_mb("VmRSS:")
}

/// This process's threads, counted by name with digits removed (`polars-0`, `polars-1` →
/// `polars-: 2`), for memory profiling.
pub fn thread_names() -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let name: String = name
            .trim()
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .collect();
        *counts.entry(name).or_default() += 1;
    }
    counts
        .iter()
        .map(|(n, c)| format!("{n}: {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `/proc/self/status` figure given in kB, in MB.
pub fn proc_status_mb(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Whether `python3` can import DuckDB, the peer every bench is measured against. With
/// `install`, a missing DuckDB is installed with pip first; otherwise the bench says it skips
/// the comparison.
///
/// The first time it finds DuckDB, it prints its version (`DuckDB <version>`) on stdout, with
/// the bench's tables: the peer's speed changes between its releases (`pip install duckdb`
/// takes the newest), so a ratio means little without it.
pub fn have_duckdb(install: bool) -> bool {
    static PRINTED: std::sync::Once = std::sync::Once::new();
    let version = || {
        let out = Command::new("python3")
            .args(["-c", "import duckdb; print(duckdb.__version__)"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let found = |v: String| {
        PRINTED.call_once(|| println!("DuckDB {v} (python3 package `duckdb`)\n"));
        true
    };
    if let Some(v) = version() {
        return found(v);
    }
    if install {
        eprintln!("installing duckdb with pip");
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "duckdb"])
            .status();
        return version().is_some_and(found);
    }
    eprintln!("duckdb is not installed for python3 (pip install duckdb); skipping the comparison");
    false
}

/// Milliseconds since `t`.
pub fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Median, p95 and maximum of `ms` (sorted in place); zeros when empty.
pub fn stats(ms: &mut [f64]) -> (f64, f64, f64) {
    if ms.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95), ms[ms.len() - 1])
}

/// The investigate measurement of a child process: open the workspace at `ws_dir` for
/// investigations (`cold`: after deleting its cached ID filters, and stop there), then
/// investigate every ID of the sets `ids` returns (kind, IDs). Prints `MEASURE open MS 0 RSS`,
/// then per kind `MEASURE KIND P50 P95 MAX ROWS_PER_ID RSS`; an ID may only be unknown.
pub fn measure_investigations(
    ws_dir: &Path,
    cold: bool,
    ids: impl FnOnce(&Workspace) -> Vec<(String, Vec<String>)>,
) {
    if cold {
        let _ = std::fs::remove_dir_all(ws_dir.join("index/investigate"));
    }
    let ws = Workspace::open(ws_dir).expect("workspace");
    let sets = ids(&ws);
    let t = Instant::now();
    let inv = Investigator::open(&ws).expect("open");
    println!("MEASURE open {:.3} 0 {:.1}", ms_since(t), peak_rss_mb());
    if cold {
        return;
    }
    for (kind, list) in sets {
        let mut ms = Vec::new();
        let mut rows = 0usize;
        for id in &list {
            let t = Instant::now();
            match inv.investigate(id, &InvestigateOptions::default()) {
                Ok(r) => rows += r.timeline.height(),
                Err(e) => assert_eq!(e.code(), "not_found", "{id}: {e}"),
            }
            ms.push(ms_since(t));
        }
        let (p50, p95, max) = stats(&mut ms);
        println!(
            "MEASURE {} {p50:.3} {p95:.3} {max:.3} {:.1} {:.1}",
            kind.replace(' ', "_"),
            rows as f64 / list.len().max(1) as f64,
            peak_rss_mb()
        );
    }
}
