//! End-to-end: the demo workload through the CLI, its reports against golden files.

mod common;

use common::{assert_golden, skylens, skylens_ok};

fn demo_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().to_str().unwrap();
    skylens_ok(&["demo", "--workspace", ws, "--quiet"]);
    dir
}

#[test]
fn demo_reports_match_golden_files() {
    let dir = demo_workspace();
    let ws = dir.path().to_str().unwrap();
    for name in ["latency", "cold-starts", "cold-start-histogram"] {
        let csv = skylens_ok(&["report", name, "--format", "csv", "--workspace", ws]);
        assert_golden(&format!("demo-{name}.csv"), &csv);
        // JSON carries the same keys, in the same order, for every row.
        let json = skylens_ok(&["report", name, "--format", "json", "--workspace", ws]);
        let rows: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_str(&json).unwrap();
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        assert_eq!(
            rows.len(),
            csv.lines().count() - 1,
            "{name}: json and csv row counts"
        );
        let mut want: Vec<&str> = header.clone();
        want.sort_unstable();
        for r in &rows {
            assert_eq!(
                r.keys().map(String::as_str).collect::<Vec<_>>(),
                want,
                "{name}: json keys"
            );
        }
        if !rows.is_empty() {
            common::assert_key_order(&json, &header);
        }
        // The table shows the same header.
        let table = skylens_ok(&["report", name, "--workspace", ws]);
        for h in &header {
            assert!(
                table.contains(h.trim_matches('"')),
                "{name}: table lacks column {h}\n{table}"
            );
        }
    }
}

#[test]
fn demo_is_complete_and_a_second_run_adds_nothing() {
    let dir = demo_workspace();
    let ws = dir.path().to_str().unwrap();
    let (code, _out, err) = skylens(&["demo", "--workspace", ws, "--quiet"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("invocations 0, logs 0, spans 0, costs 0"),
        "second demo import added rows: {err}"
    );
    // Every modelled function is there, with cold starts, errors and timeouts.
    let json = skylens_ok(&[
        "report",
        "cold-starts",
        "--format",
        "json",
        "--workspace",
        ws,
    ]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = rows.iter().filter_map(|r| r["function"].as_str()).collect();
    for f in ["orders", "payments", "notifications", "nightly-batch"] {
        assert!(names.contains(&f), "{f} missing from {names:?}");
    }
    for r in &rows {
        assert!(
            r["cold_starts"].as_u64().unwrap() > 0,
            "no cold start in {r}"
        );
    }
    let sql = "SELECT status, COUNT(*) AS n FROM invocations GROUP BY status ORDER BY status";
    let out = skylens_ok(&["query", "--sql", sql, "--format", "csv", "--workspace", ws]);
    assert!(
        out.contains("error,") && out.contains("timeout,") && out.contains("success,"),
        "{out}"
    );
}

#[test]
fn report_window_and_unknown_names() {
    let dir = demo_workspace();
    let ws = dir.path().to_str().unwrap();
    let all = skylens_ok(&["report", "latency", "--format", "json", "--workspace", ws]);
    let day = skylens_ok(&[
        "report",
        "latency",
        "--format",
        "json",
        "--from",
        "2026-10-20",
        "--to",
        "2026-10-21",
        "--workspace",
        ws,
    ]);
    let count = |s: &str| -> u64 {
        let v: Vec<serde_json::Value> = serde_json::from_str(s).unwrap();
        v.iter().map(|r| r["invocations"].as_u64().unwrap()).sum()
    };
    assert!(
        count(&day) > 0 && count(&day) < count(&all) / 10,
        "one day of thirty: {} of {}",
        count(&day),
        count(&all)
    );
    let (code, _, err) = skylens(&["report", "nope", "--workspace", ws]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown report `nope`") && err.contains("latency"),
        "{err}"
    );
    let (code, _, err) = skylens(&[
        "report",
        "latency",
        "--from",
        "yesterday",
        "--workspace",
        ws,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("not an ISO-8601 time"), "{err}");
}

#[test]
fn report_writes_to_a_file() {
    let dir = demo_workspace();
    let ws = dir.path().to_str().unwrap();
    let out = dir.path().join("latency.csv");
    skylens_ok(&[
        "report",
        "latency",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
        "--workspace",
        ws,
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("function,invocations,p50_ms,p90_ms,p99_ms,max_ms,errors,error_rate\n"),
        "{text}"
    );
}
