//! Ingest benchmark: raw FilterLogEvents JSON → frames → workspace → reports, against DuckDB.
//!
//! `cargo xtask bench` (or `cargo bench --bench ingest -- [EVENTS...]`, default 1M and 10M).
//! For each size it generates the demo workload (cached under the target directory), keeps its
//! FilterLogEvents files, and measures, each in a fresh child process so peak RSS is that of the
//! measured path alone:
//!
//! - `parse`: raw bytes → frames (every frame built, invocations assembled), 1 thread and all cores;
//! - `e2e`: import into a new workspace (parse, assemble, merge, write Parquet) then the
//!   `latency` and `cold-starts` reports, all cores;
//! - DuckDB (`benches/duckdb_ingest.py`): the same raw files → per-function p50/p99 and
//!   cold-start counts, all cores.
//!
//! It prints a Markdown table for `BENCHMARKS.md`.

mod common;

/// The allocator of the `skylens` binary, so the bench measures what users run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use common::{have_duckdb, peak_rss_mb};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use skylens::analysis::{Params, Window, compute_report};
use skylens::parse::ParseContext;
use skylens::source::demo::{self, DemoOptions, KIND_LOGS};
use skylens::source::files::{import_paths, parse_input};
use skylens::workspace::Workspace;
use skylens::workspace::manifest::Origin;

/// The FilterLogEvents files of a demo of about `events` log events, with their log groups.
fn dataset(events: u64) -> Vec<(PathBuf, String)> {
    let root =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-data/events-{events}"));
    let list = root.join("files.tsv");
    if let Ok(text) = std::fs::read_to_string(&list) {
        return text
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(p, g)| (PathBuf::from(p), g.to_string()))
            .collect();
    }
    // About 10.9 log events per API request in the demo (measured on the default workload).
    let probe = root.join("probe");
    let small = demo::generate(
        &probe,
        &DemoOptions {
            requests: 20_000,
            ..Default::default()
        },
    )
    .expect("demo");
    let per_request = small.stats.log_events as f64 / 20_000.0;
    let _ = std::fs::remove_dir_all(&probe);
    let requests = (events as f64 / per_request).ceil() as u64;
    eprintln!(
        "generating {events} events ({requests} requests) under {}",
        root.display()
    );
    let out = demo::generate(
        &root.join("raw"),
        &DemoOptions {
            requests,
            ..Default::default()
        },
    )
    .expect("demo");
    let files: Vec<(PathBuf, String)> = out
        .files
        .iter()
        .filter(|f| f.kind == KIND_LOGS)
        .map(|f| (f.path.clone(), f.log_group.clone().unwrap_or_default()))
        .collect();
    let text: String = files
        .iter()
        .map(|(p, g)| format!("{}\t{g}\n", p.display()))
        .collect();
    std::fs::write(&list, text).expect("write list");
    files
}

struct Measure {
    secs: f64,
    bytes: u64,
    events: u64,
    rss_mb: f64,
}

/// Child: parse every file into frames with `threads` threads.
fn child_parse(files: &[(PathBuf, String)], threads: usize) -> Measure {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let start = Instant::now();
    let (bytes, events) = pool.install(|| {
        files
            .par_iter()
            .map(|(p, g)| {
                let raw = std::fs::read(p).expect("read");
                let ctx = ParseContext {
                    log_group: Some(g.clone()),
                    ..Default::default()
                };
                let (_, _, batch) = parse_input(&raw, &ctx);
                let events = batch.records;
                let inv = skylens::model::facts::assemble(&batch.facts).expect("assemble");
                let logs = batch.logs.finish().expect("logs");
                std::hint::black_box((inv.height(), logs.height()));
                (raw.len() as u64, events)
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    Measure {
        secs: start.elapsed().as_secs_f64(),
        bytes,
        events,
        rss_mb: peak_rss_mb(),
    }
}

/// Child: import into a fresh workspace, then the latency and cold-starts reports.
fn child_e2e(files: &[(PathBuf, String)]) -> Measure {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = Workspace::open_or_create(dir.path()).expect("workspace");
    let bytes: u64 = files
        .iter()
        .map(|(p, _)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let start = Instant::now();
    let items = files
        .iter()
        .map(|(p, g)| {
            (
                p.clone(),
                ParseContext {
                    log_group: Some(g.clone()),
                    ..Default::default()
                },
            )
        })
        .collect();
    let reports = import_paths(&ws, items, |_, _| Origin::Demo {
        seed: 0,
        requests: 0,
    })
    .expect("import");
    let events: u64 = reports.iter().map(|r| r.records).sum();
    for name in ["latency", "cold-starts"] {
        let df = compute_report(&ws, name, Window::default(), &Params::default()).expect("report");
        std::hint::black_box(df.height());
    }
    Measure {
        secs: start.elapsed().as_secs_f64(),
        bytes,
        events,
        rss_mb: peak_rss_mb(),
    }
}

/// Child (`child stages EVENTS`): time each stage of raw → frames on one thread, for profiling.
/// Also `child one FILE GROUP`: parse one file once (for `perf` / `valgrind --tool=callgrind`).
fn child_stages(files: &[(PathBuf, String)]) {
    let t = Instant::now();
    let raws: Vec<Vec<u8>> = files
        .iter()
        .map(|(p, _)| std::fs::read(p).expect("read"))
        .collect();
    let bytes: usize = raws.iter().map(Vec::len).sum();
    eprintln!(
        "read      {:>7.3} s ({bytes} bytes)",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let formats: Vec<_> = raws
        .iter()
        .map(|r| skylens::parse::detect::detect(r).format)
        .collect();
    eprintln!("detect    {:>7.3} s", t.elapsed().as_secs_f64());
    let (mut parse, mut finish, mut assemble) = (0.0, 0.0, 0.0);
    for ((raw, (_, g)), format) in raws.iter().zip(files).zip(formats) {
        let ctx = ParseContext {
            log_group: Some(g.clone()),
            ..Default::default()
        };
        let t = Instant::now();
        let mut batch = skylens::source::files::batch_for(format, raw);
        skylens::parse::parse(format, raw, &ctx, &mut batch);
        parse += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let inv = skylens::model::facts::assemble(&batch.facts).expect("assemble");
        assemble += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let logs = batch.logs.finish().expect("logs");
        finish += t.elapsed().as_secs_f64();
        std::hint::black_box((inv.height(), logs.height()));
    }
    // Parquet codecs on the logs of the largest file (time and size of one write).
    if std::env::var_os("INGEST_CODECS").is_some() {
        use polars::prelude::*;
        let i = (0..raws.len()).max_by_key(|&i| raws[i].len()).unwrap_or(0);
        let ctx = ParseContext {
            log_group: Some(files[i].1.clone()),
            ..Default::default()
        };
        let (_, _, batch) = parse_input(&raws[i], &ctx);
        let mut df = batch.logs.finish().expect("logs");
        for (name, c, stats) in [
            ("snappy", ParquetCompression::Snappy, true),
            ("lz4", ParquetCompression::Lz4Raw, true),
            ("lz4-nostats", ParquetCompression::Lz4Raw, false),
            ("none", ParquetCompression::Uncompressed, true),
            ("none-nostats", ParquetCompression::Uncompressed, false),
        ] {
            let mut buf = Vec::new();
            let t = Instant::now();
            ParquetWriter::new(&mut buf)
                .with_compression(c)
                .with_statistics(if stats {
                    StatisticsOptions::default()
                } else {
                    StatisticsOptions::empty()
                })
                .with_row_group_size(Some(16_384))
                .finish(&mut df)
                .expect("write");
            eprintln!(
                "parquet {name:>7} {:>7.3} s {:>6.1} MB ({} rows)",
                t.elapsed().as_secs_f64(),
                buf.len() as f64 / 1e6,
                df.height()
            );
        }
    }
    eprintln!("parse     {parse:>7.3} s");
    eprintln!("assemble  {assemble:>7.3} s");
    eprintln!("finish    {finish:>7.3} s");
}

fn spawn(args: &[String]) -> Measure {
    let exe = std::env::current_exe().expect("exe");
    let out = Command::new(exe).args(args).output().expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("MEASURE "))
        .unwrap_or_else(|| {
            panic!(
                "child {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        });
    let v: Vec<f64> = line[8..]
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    Measure {
        secs: v[0],
        bytes: v[1] as u64,
        events: v[2] as u64,
        rss_mb: v[3],
    }
}

fn duckdb(files: &[(PathBuf, String)], threads: usize) -> Option<Measure> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/duckdb_ingest.py");
    have_duckdb(true);
    let list = tempfile::NamedTempFile::new().ok()?;
    let text: String = files
        .iter()
        .map(|(p, g)| format!("{}\t{g}\n", p.display()))
        .collect();
    std::fs::write(list.path(), text).ok()?;
    let out = Command::new("python3")
        .arg(script)
        .arg(list.path())
        .arg(threads.to_string())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(line) = text.lines().find(|l| l.starts_with("MEASURE ")) else {
        eprintln!("duckdb failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    };
    let v: Vec<f64> = line[8..]
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    eprintln!(
        "duckdb result:\n{}",
        text.lines()
            .filter(|l| !l.starts_with("MEASURE"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    Some(Measure {
        secs: v[0],
        bytes: v[1] as u64,
        events: v[2] as u64,
        rss_mb: v[3],
    })
}

fn row(label: &str, threads: usize, m: &Measure) -> String {
    let mb = m.bytes as f64 / 1e6;
    format!(
        "| {label} | {threads} | {:.2} | {:.0} | {:.0} | {:.2} | {:.0} |",
        m.secs,
        mb / m.secs,
        mb / m.secs / threads as f64,
        m.events as f64 / m.secs / 1e6,
        m.rss_mb
    )
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("child") && args[1] == "one" {
        let files = [(PathBuf::from(&args[2]), args[3].clone())];
        let m = child_parse(&files, 1);
        println!("MEASURE {} {} {} {}", m.secs, m.bytes, m.events, m.rss_mb);
        return;
    }
    if args.first().map(String::as_str) == Some("child") && args[1] == "stages" {
        child_stages(&dataset(args[2].parse().expect("events")));
        return;
    }
    if args.first().map(String::as_str) == Some("child") {
        if std::env::var_os("SKYLENS_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_env("SKYLENS_LOG"))
                .with_writer(std::io::stderr)
                .init();
        }
        let events: u64 = args[2].parse().expect("events");
        let files = dataset(events);
        let m = match args[1].as_str() {
            "parse" => child_parse(&files, args[3].parse().expect("threads")),
            "e2e" => child_e2e(&files),
            other => panic!("unknown child mode {other}"),
        };
        println!("MEASURE {} {} {} {}", m.secs, m.bytes, m.events, m.rss_mb);
        return;
    }
    let sizes: Vec<u64> = if args.is_empty() {
        vec![1_000_000, 10_000_000]
    } else {
        args.iter().filter_map(|a| a.parse().ok()).collect()
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Before the table, so the peer's version line (printed once) stays out of it.
    have_duckdb(true);
    println!(
        "| path | events | threads | seconds | MB/s | MB/s per thread | M events/s | peak RSS MB |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for events in sizes {
        let files = dataset(events);
        let mut lines = Vec::new();
        let p1 = spawn(&[
            "child".into(),
            "parse".into(),
            events.to_string(),
            "1".into(),
        ]);
        lines.push(row(
            &format!("skylens parse → frames | {}", p1.events),
            1,
            &p1,
        ));
        let pn = spawn(&[
            "child".into(),
            "parse".into(),
            events.to_string(),
            cores.to_string(),
        ]);
        lines.push(row(
            &format!("skylens parse → frames | {}", pn.events),
            cores,
            &pn,
        ));
        let e2e = spawn(&["child".into(), "e2e".into(), events.to_string()]);
        lines.push(row(
            &format!("skylens end to end (import + reports) | {}", e2e.events),
            cores,
            &e2e,
        ));
        if let Some(d) = duckdb(&files, cores) {
            lines.push(row(
                &format!("duckdb end to end (p50/p99/cold starts) | {}", d.events),
                cores,
                &d,
            ));
            lines.push(format!(
                "| ratio duckdb / skylens end to end | {} | | {:.2}× | | | | |",
                e2e.events,
                d.secs / e2e.secs
            ));
        }
        for l in lines {
            println!("{l}");
        }
    }
}
