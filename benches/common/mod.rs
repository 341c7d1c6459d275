//! Helpers shared by the bench harnesses (`mod common;` in each).

use std::process::Command;

/// Peak resident set size of this process so far, in MB (`VmHWM`; 0 where /proc is missing).
pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Whether `python3` can import DuckDB, the peer every bench is measured against. With
/// `install`, a missing DuckDB is installed with pip first; otherwise the bench says it skips
/// the comparison.
pub fn have_duckdb(install: bool) -> bool {
    let check = || {
        Command::new("python3")
            .args(["-c", "import duckdb"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if check() {
        return true;
    }
    if install {
        eprintln!("installing duckdb with pip");
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "duckdb"])
            .status();
        return true;
    }
    eprintln!("duckdb is not installed for python3 (pip install duckdb); skipping the comparison");
    false
}
