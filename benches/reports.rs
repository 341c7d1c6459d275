//! Reports benchmark (issue 3): every report of [`skylens::analysis::REPORTS`] and
//! `investigate` on a demo workspace of about 10M invocations, 10M log lines and (nearly) 1M
//! traces, against DuckDB running the same SQL over the same Parquet files.
//!
//! `cargo bench --bench reports -- [INVOCATIONS]` (default 10,000,000).
//!
//! # The workspace (built once, cached under the target directory)
//! Generating 10M invocations through the raw files would need about 55M log events (25 GB of
//! JSON), so the workspace is tiled from a smaller demo:
//!
//! 1. the demo (`skylens::source::import_demo`: the real generator → raw AWS files → parsers →
//!    workspace) of `INVOCATIONS / 10 / 2.41` API requests over [`BASE_DAYS`] days (the demo
//!    makes about 2.41 invocations per API request);
//! 2. `copies = round(INVOCATIONS / base invocations)` copies (10) of every partition of every
//!    frame, written through the workspace's own writer ([`Workspace::write`]: date
//!    partitions, row groups, merge policy) into a new workspace. Copy `c` has its times
//!    shifted by `c × BASE_DAYS` days (so the workspace covers `copies × BASE_DAYS` = 30
//!    contiguous days) and every ID (`event_id`, `request_id`, `trace_id`, `correlation_id`,
//!    span `id`/`parent_id`/`segment_id`) suffixed with `-t<c>` (copy 0 keeps the demo's
//!    IDs; placeholders such as `-` are left alone; the start time in an X-Ray trace ID
//!    `1-<8 hex digits>-…` is shifted with the times, as it would be in real traces), so no
//!    two copies share an ID and each
//!    copy is a complete, consistent system (traces, async hops, cost). Message texts and
//!    `fields` JSON keep the original IDs (no report reads IDs from them);
//! 3. the shape has as many log lines as invocations, where the demo logs about 5.4
//!    per invocation: every copy keeps all its API Gateway access lines (one per request; what
//!    `cost-per-route` reads) and the lines of a deterministic sample of the Lambda requests
//!    (all lines of a sampled request ID, by a hash of copy and ID; lines without a request ID
//!    by their event ID), the fraction chosen so the logs frame holds about INVOCATIONS lines.
//!    Traces are not thinned: the demo samples 20% of API requests into X-Ray, which gives
//!    about 0.83 traces per 10 invocations (0.83M traces at 10M invocations, not 1M).
//!
//! # What is measured (each path in a fresh child process, so peak RSS is that path's)
//! - `service_map_calls`: the derived table the service-map reports read, computed from every
//!   span and cached (`<ws>/index/service-map/`); computed once after each import, so the
//!   reports below are measured with it cached, as they run in the app;
//! - every report alone (`compute_report` over the whole workspace, default parameters): time
//!   of the first run in a fresh process, rows, peak RSS;
//! - all reports in one process, three rounds: per report the median, and the total of a
//!   round (first and median) — "all standard reports together": every report is standard;
//! - the report cache (`analysis::results`): the warm-up the CLI runs after an import (every
//!   report computed and saved), then, in a fresh process, all reports as `skylens report`
//!   answers them afterwards (`run_report` reading the saved results), three rounds;
//! - `investigate` per ID kind with the workspace open (ID filters built, then cached):
//!   median, p95, max over a few IDs;
//! - DuckDB (`benches/duckdb_reports.py`, `benches/duckdb_investigate.py`): the same SQL files,
//!   translated mechanically to DuckDB's dialect, over the same Parquet files; the two
//!   engines' results are compared (rows, and the sum of every numeric column).
//!
//! - a check that every report, as `compute_report` runs it (Polars' streaming engine, the
//!   `slowest-invocations` pre-filter), returns exactly what its SQL returns on the in-memory
//!   engine, and that its saved result is the same frame (`child compare`).
//!
//! It prints Markdown tables for `BENCHMARKS.md`. A profiling aid:
//! `<bench binary> child sql REPORT|FILE.sql WORKSPACE` runs one query and prints its time
//! (`SKYLENS_EXPLAIN=1`: and the optimised plan).

mod common;

/// The allocator of the `skylens` binary, so the bench measures what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use common::{have_duckdb, measure_investigations, ms_since, peak_rss_mb, rss_mb, stats};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use polars::prelude::*;
use skylens::analysis::{
    Params, REPORTS, Window, compute_report, results, run_report, run_sql, service_map,
};
use skylens::export::cells;
use skylens::model::{Frame, invocations, logs, spans};
use skylens::source::demo::DemoOptions;
use skylens::workspace::manifest::Origin;
use skylens::workspace::{ManifestEntry, Workspace};

/// Days of the base demo; copy `c` covers days `c × BASE_DAYS ..`.
const BASE_DAYS: u32 = 3;
/// Copies aimed at (the base demo is sized for it).
const COPIES: u64 = 10;
/// Invocations per API request in the demo (240,996 for 100,000 requests over 30 days).
const INVOCATIONS_PER_REQUEST: f64 = 2.41;
/// Rounds of the all-reports child.
const ROUNDS: usize = 3;
/// IDs per kind for Skylens' investigate, and for DuckDB's (slower: full scans).
const IDS_PER_KIND: usize = 10;
const DUCKDB_IDS_PER_KIND: usize = 3;
const US_PER_DAY: i64 = 86_400_000_000;

/// How the workspace was tiled from the base demo.
#[derive(Debug, Clone)]
struct Shape {
    /// API requests of the base demo.
    requests: u64,
    /// Copies of the base demo.
    copies: u64,
    /// Fraction of the non-access log lines kept (by Lambda request).
    log_fraction: f64,
}

impl Shape {
    fn to_text(&self) -> String {
        format!("{} {} {}\n", self.requests, self.copies, self.log_fraction)
    }

    fn parse(text: &str) -> Option<Shape> {
        let mut it = text.split_whitespace();
        Some(Shape {
            requests: it.next()?.parse().ok()?,
            copies: it.next()?.parse().ok()?,
            log_fraction: it.next()?.parse().ok()?,
        })
    }
}

fn count(ws: &Workspace, sql: &str) -> u64 {
    let df = run_sql(ws, sql, Window::default()).expect("count");
    cells(&df)[0][0].text().parse().unwrap_or(0)
}

/// The tiled workspace for `target` invocations (built once, then reused).
fn dataset(target: u64) -> (PathBuf, Shape) {
    let root =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-data/reports-{target}"));
    let (base_dir, ws_dir, shape_file) = (root.join("base"), root.join("ws"), root.join("shape"));
    if let Some(s) = std::fs::read_to_string(&shape_file)
        .ok()
        .and_then(|t| Shape::parse(&t))
    {
        return (ws_dir, s);
    }
    let requests =
        ((target as f64 / COPIES as f64 / INVOCATIONS_PER_REQUEST).ceil() as u64).max(1_000);
    let base_done = root.join("base.done");
    if !base_done.exists() {
        let _ = std::fs::remove_dir_all(&base_dir);
        eprintln!(
            "importing the base demo: {requests} requests over {BASE_DAYS} days under {}",
            base_dir.display()
        );
        let t = Instant::now();
        let ws = Workspace::open_or_create(&base_dir).expect("workspace");
        let opts = DemoOptions {
            requests,
            days: BASE_DAYS,
            ..Default::default()
        };
        skylens::source::import_demo(&ws, &opts, false).expect("demo");
        eprintln!("imported in {:.0} s", t.elapsed().as_secs_f64());
        std::fs::write(&base_done, b"").expect("mark");
    }
    let base = Workspace::open(&base_dir).expect("base workspace");
    let base_inv = count(&base, "SELECT COUNT(*) FROM invocations");
    let base_logs = count(&base, "SELECT COUNT(*) FROM logs");
    let base_access = count(&base, "SELECT COUNT(*) FROM logs WHERE kind = 'access'");
    let copies = ((target as f64 / base_inv as f64).round() as u64).max(1);
    // As many log lines as invocations: all access lines, and a share of the others.
    let other = (copies * (base_logs - base_access)) as f64;
    let log_fraction =
        ((target as f64 - (copies * base_access) as f64) / other.max(1.0)).clamp(0.0, 1.0);
    let shape = Shape {
        requests,
        copies,
        log_fraction,
    };
    eprintln!(
        "tiling: {base_inv} invocations, {base_logs} log lines ({base_access} access) per copy; \
         {copies} copies, keeping {:.1}% of the non-access lines",
        log_fraction * 100.0
    );
    let _ = std::fs::remove_dir_all(&ws_dir);
    let ws = Workspace::open_or_create(&ws_dir).expect("workspace");
    let t = Instant::now();
    tile(&base, &ws, &shape);
    eprintln!("tiled in {:.0} s", t.elapsed().as_secs_f64());
    std::fs::write(&shape_file, shape.to_text()).expect("mark");
    (ws_dir, shape)
}

/// The ID columns of a frame, made unique per copy.
fn id_columns(frame: Frame) -> &'static [&'static str] {
    match frame {
        Frame::Invocations => &[invocations::REQUEST_ID, invocations::TRACE_ID],
        Frame::Logs => &[
            logs::EVENT_ID,
            logs::REQUEST_ID,
            logs::TRACE_ID,
            logs::CORRELATION_ID,
        ],
        Frame::Spans => &[
            spans::TRACE_ID,
            spans::ID,
            spans::PARENT_ID,
            spans::SEGMENT_ID,
            spans::REQUEST_ID,
        ],
        Frame::Costs => &[],
    }
}

/// Values that identify nothing (as investigate's `followable`): left as they are.
fn placeholder(s: &str) -> bool {
    let s = s.trim();
    s.is_empty()
        || s == "-"
        || ["null", "none", "undefined", "unknown", "n/a", "nil"]
            .iter()
            .any(|k| s.eq_ignore_ascii_case(k))
}

/// The start (epoch seconds) of an X-Ray trace ID `1-5759e988-…`.
fn xray_epoch(v: &str) -> Option<i64> {
    let hex = v.strip_prefix("1-")?.get(..8)?;
    (v.as_bytes().get(10) == Some(&b'-')).then_some(())?;
    i64::from_str_radix(hex, 16).ok()
}

/// FNV-1a of the copy number and a text: the deterministic sample of log lines.
fn fnv(copy: u64, s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in copy.to_le_bytes().iter().chain(s.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Write `shape.copies` copies of every partition of `base` into `ws`.
fn tile(base: &Workspace, ws: &Workspace, shape: &Shape) {
    let mut added: BTreeMap<String, u64> = BTreeMap::new();
    for frame in Frame::ALL {
        for (date, path) in base.frame_files(frame).expect("base partitions") {
            let f = std::fs::File::open(&path).expect("open partition");
            let df = ParquetReader::new(f).finish().expect("read partition");
            for c in 0..shape.copies {
                let part = copy_of(frame, &df, c, shape).expect("copy");
                let s = ws.write(frame, part).expect("write copy");
                *added.entry(frame.name().to_string()).or_insert(0) += s.added;
            }
            eprintln!("  {} {date}: {} copies", frame.name(), shape.copies);
        }
    }
    ws.record(ManifestEntry {
        origin: Origin::Demo {
            seed: DemoOptions::default().seed,
            requests: shape.requests * shape.copies,
        },
        format: format!(
            "demo of {} requests over {BASE_DAYS} days, tiled {} times (benches/reports.rs)",
            shape.requests, shape.copies
        ),
        imported_at: String::new(),
        added,
        skipped: BTreeMap::new(),
    })
    .expect("manifest");
}

/// Copy `copy` of one partition: log lines sampled, times shifted, IDs suffixed (the start
/// time in X-Ray trace IDs shifted too).
fn copy_of(frame: Frame, df: &DataFrame, copy: u64, shape: &Shape) -> PolarsResult<DataFrame> {
    let mut df = df.clone();
    if frame == Frame::Logs && shape.log_fraction < 1.0 {
        let limit = (shape.log_fraction * u64::MAX as f64) as u64;
        let kind = df.column(logs::KIND)?.str()?;
        let req = df.column(logs::REQUEST_ID)?.str()?;
        let ev = df.column(logs::EVENT_ID)?.str()?;
        let mask: BooleanChunked = kind
            .iter()
            .zip(req.iter())
            .zip(ev.iter())
            .map(|((k, r), e)| k == Some("access") || fnv(copy, r.or(e).unwrap_or("")) <= limit)
            .collect();
        df = df.filter(&mask)?;
    }
    if copy == 0 {
        return Ok(df);
    }
    let shift = copy as i64 * i64::from(BASE_DAYS) * US_PER_DAY;
    let times: Vec<Expr> = df
        .schema()
        .iter()
        .filter(|(_, t)| matches!(t, DataType::Datetime(..)))
        .map(|(n, t)| {
            (col(n.clone()).cast(DataType::Int64) + lit(shift))
                .cast(t.clone())
                .alias(n.clone())
        })
        .collect();
    let mut df = df.lazy().with_columns(times).collect()?;
    let suffix = format!("-t{copy}");
    let shift_s = shift / 1_000_000;
    for name in id_columns(frame) {
        let trace = name.ends_with("trace_id");
        let ca = df.column(name)?.str()?;
        let out: StringChunked = ca
            .iter()
            .map(|v| {
                v.map(|v| match xray_epoch(v) {
                    // X-Ray trace IDs start with the trace's start time: shifted like the times.
                    Some(epoch) if trace => {
                        format!("1-{:08x}{}{suffix}", epoch + shift_s, &v[10..])
                    }
                    _ if placeholder(v) => v.to_string(),
                    _ => format!("{v}{suffix}"),
                })
            })
            .collect();
        df.with_column(out.with_name((*name).into()).into_column())?;
    }
    Ok(df)
}

/// The IDs investigated, by kind (the same for Skylens and DuckDB): IDs whose requests kept
/// their log lines, spread over the copies by their order.
fn ids(ws: &Workspace) -> Vec<(&'static str, Vec<String>)> {
    let pick = |sql: &str| -> Vec<String> {
        let df = run_sql(ws, sql, Window::default()).expect("pick IDs");
        cells(&df).into_iter().map(|r| r[0].text()).collect()
    };
    let n = IDS_PER_KIND;
    vec![
        (
            "API Gateway request ID",
            pick(&format!(
                "SELECT request_id FROM spans WHERE origin = 'AWS::ApiGateway::Stage' AND kind = 'segment' AND request_id IS NOT NULL ORDER BY trace_id LIMIT {n}"
            )),
        ),
        (
            "trace ID",
            pick(&format!(
                "SELECT trace_id FROM spans WHERE origin = 'AWS::ApiGateway::Stage' AND kind = 'segment' ORDER BY request_id LIMIT {n}"
            )),
        ),
        (
            "Lambda request ID",
            pick(&format!(
                "SELECT DISTINCT request_id FROM logs WHERE log_group = '/aws/lambda/payments' AND kind = 'platform' AND request_id IS NOT NULL ORDER BY request_id LIMIT {n}"
            )),
        ),
        (
            "correlation ID",
            pick(&format!(
                "SELECT DISTINCT correlation_id FROM logs WHERE correlation_id IS NOT NULL ORDER BY correlation_id LIMIT {n}"
            )),
        ),
        (
            "unknown ID",
            (0..n)
                .map(|i| format!("00000000-0000-4000-8000-0000000000{i:02}"))
                .collect(),
        ),
    ]
}

/// Child processes: `child calls|report NAME|all|warm|cached|info|investigate cold|warm IDS|sql Q|compare WS`.
fn child(args: &[String]) {
    let ws_dir = Path::new(args.last().expect("workspace"));
    match args[1].as_str() {
        "calls" => {
            let ws = Workspace::open(ws_dir).expect("workspace");
            let _ = std::fs::remove_dir_all(ws_dir.join("index/service-map"));
            let t = Instant::now();
            let df = service_map::materialized_calls(&ws).expect("calls").calls;
            println!(
                "MEASURE calls {:.3} {} {:.1}",
                ms_since(t),
                df.height(),
                peak_rss_mb()
            );
        }
        "report" => {
            let ws = Workspace::open(ws_dir).expect("workspace");
            let name = &args[2];
            let t = Instant::now();
            let df =
                compute_report(&ws, name, Window::default(), &Params::default()).expect("report");
            println!(
                "MEASURE {name} {:.3} {} {:.1}",
                ms_since(t),
                df.height(),
                peak_rss_mb()
            );
        }
        "all" => {
            let t = Instant::now();
            let ws = Workspace::open(ws_dir).expect("workspace");
            println!("MEASURE open {:.3} 0 {:.1}", ms_since(t), peak_rss_mb());
            let mut times: Vec<Vec<f64>> = vec![Vec::new(); REPORTS.len()];
            let mut totals = Vec::new();
            // Freed pages stay mapped between the reports, as in the CLI's warm-up after an
            // import; SKYLENS_GIVE_BACK=1 measures without (each report's
            // pages given back to the OS, as a report computed alone in the app).
            let _keep = std::env::var_os("SKYLENS_GIVE_BACK")
                .is_none()
                .then(skylens::analysis::memory::KeepPages::new);
            for _ in 0..ROUNDS {
                let round = Instant::now();
                for (i, r) in REPORTS.iter().enumerate() {
                    let t = Instant::now();
                    compute_report(&ws, r.name, Window::default(), &Params::default())
                        .expect("report");
                    times[i].push(ms_since(t));
                    if std::env::var_os("SKYLENS_TRACE_RSS").is_some() {
                        // Profiling aid: memory after each report (RSS now, peak so far).
                        eprintln!(
                            "RSS {} {:.0} {:.0} anon {:.0} file {:.0}",
                            r.name,
                            rss_mb(),
                            peak_rss_mb(),
                            common::proc_status_mb("RssAnon:"),
                            common::proc_status_mb("RssFile:")
                        );
                        eprintln!("THREADS {}", common::thread_names());
                    }
                }
                totals.push(ms_since(round));
            }
            for (i, r) in REPORTS.iter().enumerate() {
                let first = times[i][0];
                let (p50, _, _) = stats(&mut times[i]);
                println!("MEASURE {} {p50:.3} {first:.3}", r.name);
            }
            let first = totals[0];
            let (p50, _, _) = stats(&mut totals);
            println!("MEASURE total {p50:.3} {first:.3} {:.1}", peak_rss_mb());
        }
        "warm" => {
            // What the CLI does after an import: every report over all data, saved in the
            // report cache (`analysis::results`). Old entries are removed first.
            let ws = Workspace::open(ws_dir).expect("workspace");
            clear_report_cache(ws_dir);
            let t = Instant::now();
            // Freed pages kept mapped, as the CLI's warm-up does.
            let _keep = skylens::analysis::memory::KeepPages::new();
            let failed = results::warm(&ws);
            assert!(failed.is_empty(), "warm: {failed:?}");
            println!("MEASURE warm {:.3} 0 {:.1}", ms_since(t), peak_rss_mb());
        }
        "cached" => {
            // Every report as `skylens report` runs it after that warm-up: open the workspace,
            // read each saved result (`run_report`); rounds as in `all`.
            let t = Instant::now();
            let ws = Workspace::open(ws_dir).expect("workspace");
            let open = ms_since(t);
            let mut totals = Vec::new();
            for _ in 0..ROUNDS {
                let round = Instant::now();
                for r in REPORTS {
                    run_report(&ws, r.name, Window::default(), &Params::default()).expect("report");
                }
                totals.push(ms_since(round));
            }
            let first = totals[0];
            let (p50, _, _) = stats(&mut totals);
            println!(
                "MEASURE cached {p50:.3} {first:.3} {:.1} {open:.3}",
                peak_rss_mb()
            );
        }
        "info" => {
            // The app's workspace summary (`App::workspace_info`), its cache entry removed
            // first so it is computed: the Sources screen and the first launch after an import.
            if let Ok(rd) = std::fs::read_dir(ws_dir.join("cache")) {
                for e in rd.flatten() {
                    if e.file_name()
                        .to_string_lossy()
                        .starts_with("workspace-info")
                    {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
            let t = Instant::now();
            let app = skylens::app::App::open(ws_dir).expect("app");
            let info = app.workspace_info().expect("workspace info");
            println!(
                "MEASURE info {:.3} {} {:.1}",
                ms_since(t),
                info.functions.len(),
                peak_rss_mb()
            );
        }
        "ids" => {
            // Profiling aid: write the IDs the bench investigates, for `child investigate`.
            let ws = Workspace::open(ws_dir).expect("workspace");
            write_ids(Path::new(&args[2]), &ids(&ws), IDS_PER_KIND);
        }
        "investigate" => {
            measure_investigations(ws_dir, args[2] == "cold", |_| read_ids(Path::new(&args[3])));
        }
        "sql" => {
            // Profiling aid: one report (by name) or SQL file, default parameters, on the
            // in-memory engine as `skylens query` runs it (`run_report` runs the reports on the
            // streaming engine; POLARS_FORCE_STREAMING=1 makes this mode do so too;
            // SKYLENS_NO_CSE=1 turns Polars' common-subplan elimination off).
            let ws = Workspace::open(ws_dir).expect("workspace");
            let text = match skylens::analysis::report(&args[2]) {
                Ok(r) => r.sql.to_string(),
                Err(_) => std::fs::read_to_string(&args[2]).expect("SQL file"),
            };
            let mut params = Params::default();
            if text.contains("{{bucket_us}}") {
                params.bucket_us = Some(
                    skylens::analysis::params::bucket_for(&ws, Window::default()).expect("bucket"),
                );
            }
            let sql = skylens::analysis::render_sql(&text, &params);
            let mut ctx = skylens::analysis::report_context(&ws, Window::default(), &params)
                .expect("context");
            if sql.contains(service_map::CALLS_TABLE) {
                service_map::register_cached_views(&ctx, &ws, Window::default()).expect("calls");
            }
            let t = Instant::now();
            let mut lf = ctx.execute(&sql).expect("plan");
            if std::env::var_os("SKYLENS_NO_CSE").is_some() {
                let o = lf.get_current_optimizations();
                lf = lf.with_optimizations(o & !OptFlags::COMM_SUBPLAN_ELIM);
            }
            let plan_ms = ms_since(t);
            if std::env::var_os("SKYLENS_EXPLAIN").is_some() {
                println!("{}", lf.clone().explain(true).expect("explain"));
            }
            // SKYLENS_REPEAT=N runs the plan N times in this process, `memory::release` after
            // each, pages kept mapped (`KeepPages`) with SKYLENS_KEEP_PAGES=1.
            let _keep = std::env::var_os("SKYLENS_KEEP_PAGES")
                .is_some()
                .then(skylens::analysis::memory::KeepPages::new);
            let repeat: usize = std::env::var("SKYLENS_REPEAT")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            for _ in 0..repeat {
                let t = Instant::now();
                let df = lf.clone().collect().expect("run");
                println!(
                    "MEASURE sql {:.3} {} {:.1} plan {plan_ms:.3}",
                    ms_since(t),
                    df.height(),
                    peak_rss_mb()
                );
                skylens::analysis::memory::release();
            }
        }
        "compare" => {
            // Check: every report as `run_report` runs it (streaming engine, pre-filters)
            // against its SQL on the in-memory engine with neutral parameters (`run_sql_with`,
            // as reports ran before); prints SAME or DIFF per report.
            let ws = Workspace::open(ws_dir).expect("workspace");
            for r in REPORTS {
                let a = compute_report(&ws, r.name, Window::default(), &Params::default())
                    .expect("report");
                let saved =
                    run_report(&ws, r.name, Window::default(), &Params::default()).expect("report");
                if !saved.equals_missing(&a) {
                    println!("MEASURE compare {} DIFF saved result", r.name);
                }
                let mut params = Params::default();
                if r.sql.contains("{{bucket_us}}") {
                    params.bucket_us = Some(
                        skylens::analysis::params::bucket_for(&ws, Window::default())
                            .expect("bucket"),
                    );
                }
                let sql = skylens::analysis::render_sql(r.sql, &params);
                let b = skylens::analysis::run_sql_with(&ws, &sql, Window::default(), &params)
                    .expect("in memory");
                if a.equals_missing(&b) {
                    println!("MEASURE compare {} SAME {}", r.name, a.height());
                } else {
                    println!(
                        "MEASURE compare {} DIFF {} {}",
                        r.name,
                        a.height(),
                        b.height()
                    );
                    eprintln!("{}: streaming\n{a}\nin memory\n{b}", r.name);
                }
            }
        }
        other => panic!("unknown child {other}"),
    }
}

/// `kind<TAB>id` lines (kinds with `_` for spaces), as `benches/duckdb_investigate.py` reads them.
fn write_ids(path: &Path, sets: &[(&'static str, Vec<String>)], per_kind: usize) {
    let text: String = sets
        .iter()
        .flat_map(|(k, ids)| {
            ids.iter()
                .take(per_kind)
                .map(move |i| format!("{}\t{i}\n", k.replace(' ', "_")))
        })
        .collect();
    std::fs::write(path, text).expect("write IDs");
}

fn read_ids(path: &Path) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in std::fs::read_to_string(path).expect("IDs").lines() {
        let Some((k, id)) = line.split_once('\t') else {
            continue;
        };
        match out.last_mut() {
            Some((kind, ids)) if kind == k => ids.push(id.to_string()),
            _ => out.push((k.to_string(), vec![id.to_string()])),
        }
    }
    out
}

/// Run a child; its `MEASURE` lines, split into words.
fn spawn(args: &[&str]) -> Vec<Vec<String>> {
    let exe = std::env::current_exe().expect("exe");
    let out = Command::new(exe)
        .arg("child")
        .args(args)
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Vec<String>> = text
        .lines()
        .filter_map(|l| l.strip_prefix("MEASURE "))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    if lines.is_empty() || !out.status.success() {
        panic!(
            "child {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    lines
}

/// DuckDB's output lines (`MEASURE …`, `CHECK …`, `P99 …`), split into words.
fn duckdb(script: &str, args: &[&Path]) -> Vec<Vec<String>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches")
        .join(script);
    let out = Command::new("python3")
        .arg(&script)
        .args(args)
        .output()
        .expect("python3");
    if !out.status.success() {
        eprintln!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        return Vec::new();
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// Sum of every numeric column of a report, as DuckDB's script computes them.
fn numeric_sums(df: &DataFrame) -> Vec<(String, f64)> {
    df.columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric())
        .map(|c| {
            let s = c
                .as_materialized_series()
                .cast(&DataType::Float64)
                .ok()
                .and_then(|s| s.f64().ok().map(|ca| ca.sum().unwrap_or(0.0)))
                .unwrap_or(f64::NAN);
            (c.name().to_string(), s)
        })
        .collect()
}

/// Whether two sums agree: equal up to float noise, or within the last decimal of the
/// reports' rounding (`ROUND(x, 3)` of a value on a half can round either way in each engine)
/// on every row.
fn agree(a: f64, b: f64, rows: usize) -> (bool, bool) {
    let exact = (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    (exact, exact || (a - b).abs() <= 0.0011 * rows.max(1) as f64)
}

fn fmt_ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Remove the saved report results of a workspace (`<ws>/cache/report-*`).
fn clear_report_cache(ws_dir: &Path) {
    let dir = ws_dir.join("cache");
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().starts_with("report-") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or(f64::NAN)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("child") {
        child(&args);
        return;
    }
    let target = args
        .iter()
        .find_map(|a| a.parse::<u64>().ok())
        .unwrap_or(10_000_000);
    let (ws_dir, shape) = dataset(target);
    let ws = Workspace::open(&ws_dir).expect("workspace");
    let ws_arg = ws_dir.to_string_lossy().into_owned();
    println!(
        "Workspace: the demo of {} API requests over {BASE_DAYS} days, tiled {} times \
         ({:.1}% of the non-access log lines kept): {} invocations, {} log lines, {} spans, \
         {} traces, {} cost rows, {} days.\n",
        shape.requests,
        shape.copies,
        shape.log_fraction * 100.0,
        count(&ws, "SELECT COUNT(*) FROM invocations"),
        count(&ws, "SELECT COUNT(*) FROM logs"),
        count(&ws, "SELECT COUNT(*) FROM spans"),
        count(&ws, "SELECT COUNT(DISTINCT trace_id) FROM spans"),
        count(&ws, "SELECT COUNT(*) FROM costs"),
        shape.copies * u64::from(BASE_DAYS),
    );

    // Skylens, each path in its own process.
    let calls = spawn(&["calls", &ws_arg]);
    let single: Vec<Vec<String>> = REPORTS
        .iter()
        .map(|r| spawn(&["report", r.name, &ws_arg]).remove(0))
        .collect();
    let all = spawn(&["all", &ws_arg]);
    let warm = spawn(&["warm", &ws_arg]);
    let cached = spawn(&["cached", &ws_arg]);
    let sets = ids(&ws);
    let ids_file = tempfile::NamedTempFile::new().expect("temp");
    write_ids(ids_file.path(), &sets, IDS_PER_KIND);
    let ids_arg = ids_file.path().to_string_lossy().into_owned();
    let inv_cold = spawn(&["investigate", "cold", &ids_arg, &ws_arg]);
    let inv_warm = spawn(&["investigate", "warm", &ids_arg, &ws_arg]);

    // DuckDB, the same SQL over the same files.
    let (duck, duck_inv) = if have_duckdb(false) {
        let queries = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
        let duck = duckdb("duckdb_reports.py", &[&ws_dir, &queries]);
        let few = tempfile::NamedTempFile::new().expect("temp");
        write_ids(few.path(), &sets, DUCKDB_IDS_PER_KIND);
        let inv = duckdb("duckdb_investigate.py", &[&ws_dir, few.path()]);
        (duck, inv)
    } else {
        (Vec::new(), Vec::new())
    };
    let duck_get = |kind: &str, name: &str| -> Option<&Vec<String>> {
        duck.iter()
            .find(|l| l.len() > 3 && l[0] == "MEASURE" && l[1] == kind && l[2] == name)
    };

    // The table.
    println!(
        "| report | skylens ms (median of {ROUNDS}) | skylens ms, first run in a fresh process | peak RSS MB, alone | rows | DuckDB ms (median of {ROUNDS}) | DuckDB / skylens |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (i, r) in REPORTS.iter().enumerate() {
        let m = all.iter().find(|m| m[0] == r.name).expect("measure");
        let p50 = num(&m[1]);
        let s = &single[i];
        let (dm, ratio) = match duck_get("report", r.name) {
            Some(d) => (fmt_ms(num(&d[3])), format!("{:.2}×", num(&d[3]) / p50)),
            None => (String::new(), String::new()),
        };
        println!(
            "| {} | {} | {} | {} | {} | {dm} | {ratio} |",
            r.name,
            fmt_ms(p50),
            fmt_ms(num(&s[1])),
            s[3],
            s[2]
        );
    }
    let total = all.iter().find(|m| m[0] == "total").expect("total");
    let total_p50 = num(&total[1]);
    let (dt, dr, drss) = match duck_get("total", "reports") {
        Some(d) => (
            fmt_ms(num(&d[3])),
            format!("{:.2}×", num(&d[3]) / total_p50),
            d.get(4).cloned().unwrap_or_default(),
        ),
        None => (String::new(), String::new(), String::new()),
    };
    println!(
        "| **all reports, one process** | **{}** | {} (first round) | {} | | {dt} | {dr} |",
        fmt_ms(total_p50),
        fmt_ms(num(&total[2])),
        total[3],
    );
    let (dcalls, dcr) = match duck_get("calls", "service_map_calls") {
        Some(d) => (
            fmt_ms(num(&d[3])),
            format!("{:.2}×", num(&d[3]) / num(&calls[0][1])),
        ),
        None => (String::new(), String::new()),
    };
    println!(
        "| service_map_calls, computed from every span (once per import, then cached) | | {} | {} | {} | {dcalls} | {dcr} |",
        fmt_ms(num(&calls[0][1])),
        calls[0][3],
        calls[0][2]
    );
    println!(
        "| workspace open (reports) | | {} | {} | | | |",
        all[0][1], all[0][3]
    );
    println!(
        "| after an import: every report computed and saved (`results::warm`, as the CLI does) | | {} | {} | | | |",
        fmt_ms(num(&warm[0][1])),
        warm[0][3]
    );
    let c = &cached[0];
    println!(
        "| **all reports, results saved** (workspace opened in {} ms, then `run_report` each) | **{}** | {} (first round) | {} | | {dt} | {} |",
        fmt_ms(num(&c[4])),
        fmt_ms(num(&c[1])),
        fmt_ms(num(&c[2])),
        c[3],
        match duck_get("total", "reports") {
            Some(d) => format!("{:.0}×", num(&d[3]) / num(&c[1])),
            None => String::new(),
        }
    );
    if !drss.is_empty() {
        println!("\nDuckDB peak RSS: {drss} MB running every report (threads = 2).");
    }

    println!(
        "\n| investigate | median ms | p95 ms | max ms | rows per ID | peak RSS MB | DuckDB median ms | DuckDB / skylens |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    println!(
        "| open, building the ID filters | {} | | | | {} | | |",
        fmt_ms(num(&inv_cold[0][1])),
        inv_cold[0][3]
    );
    println!(
        "| open, ID filters cached | {} | | | | {} | | |",
        fmt_ms(num(&inv_warm[0][1])),
        inv_warm[0][3]
    );
    for m in &inv_warm[1..] {
        let p50 = num(&m[1]);
        let d = duck_inv
            .iter()
            .find(|l| l.len() > 2 && l[0] == "MEASURE" && l[1] == m[0])
            .map(|l| num(&l[2]));
        let (dm, ratio) = match d {
            Some(v) => (fmt_ms(v), format!("{:.0}×", v / p50)),
            None => (String::new(), String::new()),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {dm} | {ratio} |",
            m[0].replace('_', " "),
            fmt_ms(p50),
            fmt_ms(num(&m[2])),
            fmt_ms(num(&m[3])),
            m[4],
            m[5]
        );
    }

    // Do the engines agree? Rows, and the sum of every numeric column of every report.
    if !duck.is_empty() {
        let mut p99 = Vec::new();
        println!("\n| report | rows skylens / DuckDB | numeric columns whose sums agree |");
        println!("| --- | --- | --- |");
        for r in REPORTS {
            let df =
                compute_report(&ws, r.name, Window::default(), &Params::default()).expect("report");
            let drows = duck_get("report", r.name)
                .and_then(|d| d.get(4).cloned())
                .unwrap_or_default();
            let sums = numeric_sums(&df);
            let mut notes = Vec::new();
            let mut ok = 0;
            for (c, v) in &sums {
                let d = duck
                    .iter()
                    .find(|l| l.len() == 4 && l[0] == "CHECK" && l[1] == r.name && l[2] == *c)
                    .map(|l| num(&l[3]));
                match d.map(|d| (d, agree(*v, d, df.height()))) {
                    Some((_, (true, _))) => ok += 1,
                    Some((d, (false, true))) => {
                        ok += 1;
                        notes.push(format!("{c} within rounding: {v} vs {d}"));
                    }
                    Some((d, _)) => notes.push(format!("{c} differs: {v} vs {d}")),
                    None => notes.push(format!("{c}: missing in DuckDB")),
                }
            }
            println!(
                "| {} | {} / {drows} | {ok} of {}{} |",
                r.name,
                df.height(),
                sums.len(),
                if notes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", notes.join("; "))
                }
            );
            if r.name == "latency" {
                for row in cells(&df) {
                    let f = row[0].text();
                    let d = duck
                        .iter()
                        .find(|l| l.len() == 4 && l[0] == "P99" && l[1] == f)
                        .map(|l| l[3].clone())
                        .unwrap_or_default();
                    p99.push(format!("{f} {} / {d}", row[4].text()));
                }
            }
        }
        println!("\nlatency p99_ms, skylens / DuckDB: {}", p99.join(", "));
    }

    // Reports as run_report runs them (streaming engine, pre-filters) against their SQL on
    // the in-memory engine with neutral parameters: the results must be identical.
    let cmp = spawn(&["compare", &ws_arg]);
    let (same, differ): (Vec<&Vec<String>>, Vec<&Vec<String>>) =
        cmp.iter().partition(|m| m[2] == "SAME");
    let differ: Vec<&str> = differ.iter().map(|m| m[1].as_str()).collect();
    println!(
        "\nrun_report (streaming engine) vs the same SQL on the in-memory engine: {} of {} reports identical{}",
        same.len(),
        cmp.len(),
        if differ.is_empty() {
            String::new()
        } else {
            format!("; DIFFERENT: {}", differ.join(", "))
        }
    );
}
