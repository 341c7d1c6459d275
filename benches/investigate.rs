//! Investigate benchmark: `skylens investigate` on a large demo workspace, against DuckDB doing
//! the same resolution over the same Parquet files.
//!
//! `cargo bench --bench investigate -- [REQUESTS] [DAYS]` (default 1,000,000 API requests over
//! 30 days, about 2.4M invocations, 13M log lines and 4M spans; the demo logs about 5.5 lines
//! per invocation). The workspace is generated once and cached under the target directory.
//! Each measurement runs in a fresh child process so peak RSS is that of the measured path:
//!
//! - `open (cold)`: opening an `Investigator` with no cached ID filters (they are built and
//!   written to `<workspace>/index/investigate/`), then `open (warm)` with them cached;
//! - per ID kind (API Gateway request ID, trace ID, Lambda request ID, correlation ID, an
//!   unknown ID): the time of each investigation once the workspace is open (median, p95, max
//!   over up to 25 IDs), and rows returned;
//! - DuckDB (`benches/duckdb_investigate.py`): the same fixpoint (look IDs up in every ID
//!   column of the three frames until no new ID appears, then read the rows) with SQL over the
//!   workspace's Parquet files, for the same IDs.
//!
//! It prints a Markdown table for `BENCHMARKS.md`.

mod common;

/// The allocator of the `skylens` binary, so the bench measures what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use common::{have_duckdb, measure_investigations};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use skylens::analysis::{Window, run_sql};
use skylens::export::cells;
use skylens::source::demo::DemoOptions;
use skylens::workspace::Workspace;

/// The demo workspace of `requests` requests over `days` days (imported once, then reused).
fn dataset(requests: u64, days: u32) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bench-data/investigate-{requests}-{days}"));
    let ws_dir = root.join("ws");
    let done = root.join("done");
    if done.exists() {
        return ws_dir;
    }
    let _ = std::fs::remove_dir_all(&root);
    eprintln!(
        "generating and importing the demo: {requests} requests over {days} days under {}",
        root.display()
    );
    let t = Instant::now();
    let ws = Workspace::open_or_create(&ws_dir).expect("workspace");
    let opts = DemoOptions {
        requests,
        days,
        ..Default::default()
    };
    skylens::source::import_demo(&ws, &opts, false).expect("demo");
    eprintln!("imported in {:.0} s", t.elapsed().as_secs_f64());
    std::fs::write(&done, b"").expect("mark");
    ws_dir
}

/// The IDs measured, by kind (the same for skylens and DuckDB).
fn ids(ws: &Workspace) -> Vec<(&'static str, Vec<String>)> {
    let pick = |sql: &str| -> Vec<String> {
        let df = run_sql(ws, sql, Window::default()).expect("pick IDs");
        cells(&df).into_iter().map(|r| r[0].text()).collect()
    };
    vec![
        (
            "API Gateway request ID",
            pick(
                "SELECT request_id FROM spans WHERE origin = 'AWS::ApiGateway::Stage' AND kind = 'segment' AND request_id IS NOT NULL ORDER BY trace_id LIMIT 25",
            ),
        ),
        (
            "trace ID",
            pick(
                "SELECT trace_id FROM spans WHERE origin = 'AWS::ApiGateway::Stage' AND kind = 'segment' ORDER BY request_id LIMIT 25",
            ),
        ),
        (
            "Lambda request ID",
            pick(
                "SELECT request_id FROM invocations WHERE function = 'payments' ORDER BY request_id LIMIT 25",
            ),
        ),
        (
            "correlation ID",
            pick(
                "SELECT correlation_id FROM logs WHERE correlation_id IS NOT NULL ORDER BY event_id LIMIT 25",
            ),
        ),
        (
            "unknown ID",
            (0..10)
                .map(|i| format!("00000000-0000-4000-8000-0000000000{i:02}"))
                .collect(),
        ),
    ]
}

fn spawn(args: &[String]) -> Vec<Vec<String>> {
    let exe = std::env::current_exe().expect("exe");
    let out = Command::new(exe).args(args).output().expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Vec<String>> = text
        .lines()
        .filter_map(|l| l.strip_prefix("MEASURE "))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    if lines.is_empty() {
        panic!(
            "child {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    lines
}

/// DuckDB: the same IDs, the same fixpoint, SQL over the Parquet files. Median ms per kind.
fn duckdb(ws_dir: &Path, sets: &[(&'static str, Vec<String>)]) -> Option<Vec<(String, f64)>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/duckdb_investigate.py");
    if !have_duckdb(false) {
        return None;
    }
    let list = tempfile::NamedTempFile::new().ok()?;
    let text: String = sets
        .iter()
        .flat_map(|(k, ids)| {
            ids.iter()
                .map(move |i| format!("{}\t{i}\n", k.replace(' ', "_")))
        })
        .collect();
    std::fs::write(list.path(), text).ok()?;
    let out = Command::new("python3")
        .arg(script)
        .arg(ws_dir)
        .arg(list.path())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let res: Vec<(String, f64)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("MEASURE "))
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.to_string(), it.next()?.parse().ok()?))
        })
        .collect();
    if res.is_empty() {
        eprintln!("duckdb failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some(res)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("child") {
        measure_investigations(Path::new(&args[1]), args[2] == "cold", |ws| {
            ids(ws)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        });
        return;
    }
    let nums: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let requests = nums.first().copied().unwrap_or(1_000_000);
    let days = nums.get(1).copied().unwrap_or(30) as u32;
    let ws_dir = dataset(requests, days);
    let ws = Workspace::open(&ws_dir).expect("workspace");
    let count = |sql: &str| -> String {
        let df = run_sql(&ws, sql, Window::default()).expect("count");
        cells(&df)[0][0].text()
    };
    println!(
        "Workspace: {requests} requests over {days} days: {} invocations, {} log lines, {} spans, {} traces.\n",
        count("SELECT COUNT(*) FROM invocations"),
        count("SELECT COUNT(*) FROM logs"),
        count("SELECT COUNT(*) FROM spans"),
        count("SELECT COUNT(DISTINCT trace_id) FROM spans"),
    );
    let ws_arg = ws_dir.to_string_lossy().into_owned();
    let cold = spawn(&["child".into(), ws_arg.clone(), "cold".into()]);
    let warm = spawn(&["child".into(), ws_arg.clone(), "warm".into()]);
    let sets = ids(&ws);
    let duck = duckdb(&ws_dir, &sets).unwrap_or_default();
    println!(
        "| step | median ms | p95 ms | max ms | rows per ID | peak RSS MB | DuckDB median ms | DuckDB / skylens |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| open, building the ID filters | {} | | | | {} | | |",
        cold[0][1], cold[0][3]
    );
    println!(
        "| open, ID filters cached | {} | | | | {} | | |",
        warm[0][1], warm[0][3]
    );
    for m in &warm[1..] {
        let kind = m[0].replace('_', " ");
        let d = duck.iter().find(|(k, _)| *k == m[0]).map(|(_, v)| *v);
        let p50: f64 = m[1].parse().unwrap_or(f64::NAN);
        let (dm, ratio) = match d {
            Some(v) => (format!("{v:.1}"), format!("{:.1}×", v / p50)),
            None => (String::new(), String::new()),
        };
        println!(
            "| investigate: {kind} | {} | {} | {} | {} | {} | {dm} | {ratio} |",
            m[1], m[2], m[3], m[4], m[5]
        );
    }
}
