//! The report cache (`skylens::analysis::results`): a saved result is exactly the computed
//! one, it is what `run_report` reads back, and new data is never hidden by it.

mod common;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use skylens::analysis::{Params, REPORTS, Window, compute_report, run_report};
use skylens::source::demo::DemoOptions;
use skylens::workspace::Workspace;

fn demo(ws: &Workspace, seed: u64, requests: u64) {
    let opts = DemoOptions {
        seed,
        requests,
        days: 3,
        ..Default::default()
    };
    skylens::source::import_demo(ws, &opts, false).unwrap();
}

/// The saved results of report `name` (`<ws>/cache/report-<name>-<key>.parquet`).
fn entries(ws: &Workspace, name: &str) -> Vec<PathBuf> {
    let prefix = format!("report-{name}-");
    let mut out: Vec<PathBuf> = std::fs::read_dir(ws.dir().join("cache"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            // The key is 32 hex digits: `latency-` must not match `latency-timeseries-`.
            n.strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".parquet"))
                .is_some_and(|key| key.len() == 32 && key.chars().all(|c| c.is_ascii_hexdigit()))
        })
        .collect();
    out.sort();
    out
}

fn write_parquet(path: &Path, df: &DataFrame) {
    let mut df = df.clone();
    let f = std::fs::File::create(path).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
}

#[test]
fn every_saved_result_is_the_computed_one_and_is_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_or_create(dir.path().join("ws")).unwrap();
    demo(&ws, 7, 1_500);
    let all = Window::default();
    let params = Params::default();
    for r in REPORTS {
        assert!(
            entries(&ws, r.name).is_empty(),
            "{}: saved too early",
            r.name
        );
        let computed = compute_report(&ws, r.name, all, &params).unwrap();
        assert!(
            entries(&ws, r.name).is_empty(),
            "{}: compute_report must not save",
            r.name
        );
        let first = run_report(&ws, r.name, all, &params).unwrap();
        assert_eq!(
            entries(&ws, r.name).len(),
            1,
            "{}: one saved result",
            r.name
        );
        let again = run_report(&ws, r.name, all, &params).unwrap();
        assert!(first.equals_missing(&computed), "{}: first run", r.name);
        assert!(
            again.equals_missing(&computed),
            "{}: saved result differs from the computed one:\n{again}\n{computed}",
            r.name
        );
        assert_eq!(again.schema(), computed.schema(), "{}: types", r.name);
    }
    assert!(
        compute_report(&ws, "latency", all, &params)
            .unwrap()
            .height()
            > 1,
        "the demo has several functions"
    );

    // `run_report` reads the saved file: plant a one-row result with the report's columns.
    let entry = entries(&ws, "latency").remove(0);
    let full = compute_report(&ws, "latency", all, &params).unwrap();
    write_parquet(&entry, &full.head(Some(1)));
    assert_eq!(
        run_report(&ws, "latency", all, &params).unwrap().height(),
        1
    );

    // An unreadable entry, or one with other columns, is recomputed and saved again.
    std::fs::write(&entry, b"not parquet").unwrap();
    assert!(
        run_report(&ws, "latency", all, &params)
            .unwrap()
            .equals_missing(&full)
    );
    let other = df!("function" => ["x"], "count" => [1u32]).unwrap();
    write_parquet(&entry, &other);
    assert!(
        run_report(&ws, "latency", all, &params)
            .unwrap()
            .equals_missing(&full)
    );
    assert!(
        run_report(&ws, "latency", all, &params)
            .unwrap()
            .equals_missing(&full)
    );

    // Another window or other parameters are other entries, with their own results.
    let last_day = Window {
        from: Some(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_micros(),
        ),
        to: None,
    };
    let day = run_report(&ws, "latency", last_day, &params).unwrap();
    assert!(day.equals_missing(&compute_report(&ws, "latency", last_day, &params).unwrap()));
    assert!(!day.equals_missing(&full), "one day is not the whole demo");
    let bins = Params {
        bin_ms: 250.0,
        ..Params::default()
    };
    let hist = run_report(&ws, "cold-start-histogram", all, &bins).unwrap();
    assert!(hist.equals_missing(&compute_report(&ws, "cold-start-histogram", all, &bins).unwrap()));
    assert!(
        !hist.equals_missing(&compute_report(&ws, "cold-start-histogram", all, &params).unwrap())
    );
    assert_eq!(entries(&ws, "latency").len(), 2);
    assert_eq!(entries(&ws, "cold-start-histogram").len(), 2);
}

#[test]
fn an_import_is_never_hidden_by_a_saved_result() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_or_create(dir.path().join("ws")).unwrap();
    demo(&ws, 1, 800);
    let (all, params) = (Window::default(), Params::default());
    let total = |df: &DataFrame| -> u64 {
        df.column("invocations")
            .unwrap()
            .cast(&DataType::UInt64)
            .unwrap()
            .u64()
            .unwrap()
            .sum()
            .unwrap()
    };
    let before = run_report(&ws, "latency", all, &params).unwrap();
    let spend_before = run_report(&ws, "spend", all, &params).unwrap();
    demo(&ws, 2, 800);
    let after = run_report(&ws, "latency", all, &params).unwrap();
    assert!(
        total(&after) > total(&before),
        "the second import added invocations: {} then {}",
        total(&before),
        total(&after)
    );
    assert!(after.equals_missing(&compute_report(&ws, "latency", all, &params).unwrap()));
    let spend = run_report(&ws, "spend", all, &params).unwrap();
    assert!(spend.equals_missing(&compute_report(&ws, "spend", all, &params).unwrap()));
    assert!(
        !spend.equals_missing(&spend_before),
        "the second demo added costs"
    );
}

#[test]
fn the_cli_saves_every_report_after_a_demo() {
    let dir = tempfile::tempdir().unwrap();
    let ws_dir = dir.path().join("ws");
    common::skylens_ok(&[
        "demo",
        "--requests",
        "1000",
        "--workspace",
        ws_dir.to_str().unwrap(),
        "--quiet",
    ]);
    let ws = Workspace::open(&ws_dir).unwrap();
    for r in REPORTS {
        // One entry, or two where the overview asks with its own bucket (latency-timeseries).
        let saved = entries(&ws, r.name);
        assert!((1..=2).contains(&saved.len()), "{}: {saved:?}", r.name);
        let csv = common::skylens_ok(&[
            "report",
            r.name,
            "--format",
            "csv",
            "--workspace",
            ws_dir.to_str().unwrap(),
        ]);
        // The CLI's answer is the saved result; nothing new was saved.
        let computed = compute_report(&ws, r.name, Window::default(), &Params::default()).unwrap();
        let mut expected = Vec::new();
        skylens::export::write(&computed, skylens::export::OutputFormat::Csv, &mut expected)
            .unwrap();
        assert_eq!(csv, String::from_utf8(expected).unwrap(), "{}", r.name);
        assert_eq!(entries(&ws, r.name), saved, "{}", r.name);
    }
}
