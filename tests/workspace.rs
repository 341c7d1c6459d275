//! The workspace's stored schema: the function keys and names the reports group by, and the
//! upgrade of a workspace written by an older Skylens.

mod common;

use std::path::Path;

use common::{skylens, skylens_ok};
use polars::prelude::*;

const REPORTS: [&str; 5] = [
    "latency",
    "cold-starts",
    "latency-timeseries",
    "cold-start-timeseries",
    "cost-per-function",
];

fn report(ws: &str, name: &str) -> String {
    skylens_ok(&["report", name, "--workspace", ws, "--format", "csv"])
}

fn query(ws: &str, sql: &str) -> String {
    skylens_ok(&["query", "--sql", sql, "--workspace", ws, "--format", "csv"])
}

fn invocation_files(ws: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(ws.join("frame=invocations"))
        .unwrap()
        .flatten()
    {
        let f = e.path().join("data.parquet");
        if f.is_file() {
            out.push(f);
        }
    }
    out.sort();
    out
}

fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

fn write_parquet(path: &Path, mut df: DataFrame) {
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}

/// Every stored invocation with a function name has the key of that name, and the names
/// table names it; returns the number of such invocations.
fn assert_keys_and_names_agree(ws: &str) -> u64 {
    let bad = query(
        ws,
        "SELECT COUNT(*) AS n FROM invocations AS i \
         LEFT JOIN function_names AS f ON i.function_key = f.function_key \
         WHERE i.function IS NOT NULL AND (f.function IS NULL OR f.function <> i.function)",
    );
    assert_eq!(
        bad, "n\n0\n",
        "invocations whose key the names table does not name"
    );
    let unkeyed = query(
        ws,
        "SELECT COUNT(*) AS n FROM invocations \
         WHERE (function IS NULL) <> (function_key IS NULL)",
    );
    assert_eq!(unkeyed, "n\n0\n");
    let named = query(
        ws,
        "SELECT COUNT(*) AS n FROM invocations WHERE function IS NOT NULL",
    );
    named.lines().nth(1).unwrap().parse().unwrap()
}

/// A demo workspace of 1,500 requests in a new temporary directory (kept while it lives).
fn demo() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    skylens_ok(&[
        "demo",
        "--workspace",
        ws.to_str().unwrap(),
        "--requests",
        "1500",
        "--quiet",
    ]);
    (dir, ws)
}

#[test]
fn every_stored_function_has_its_key_and_its_name() {
    let (dir, ws) = demo();
    let ws = ws.to_str().unwrap();
    assert!(assert_keys_and_names_agree(ws) > 1000);
    // The key is FNV-1a 64 of the name: computed here in SQL-free Rust for each name.
    let names = read_parquet(&Path::new(ws).join("function-names.parquet"));
    let keys = names.column("function_key").unwrap().u64().unwrap();
    let text = names.column("function").unwrap().str().unwrap();
    let mut seen = Vec::new();
    for (k, n) in keys.iter().zip(text.iter()) {
        let (k, n) = (k.unwrap(), n.unwrap());
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in n.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        assert_eq!(k, h, "key of {n}");
        seen.push(n.to_string());
    }
    for f in ["orders", "payments", "notifications"] {
        assert!(seen.iter().any(|s| s == f), "{f} missing from {seen:?}");
    }
    // A second import of other functions adds their names and keeps the others.
    let log = dir.path().join("extra.log");
    std::fs::write(
        &log,
        "START RequestId: 0b4e0a6e-8c41-4d1a-9f56-2f2b1c0d9e01 Version: $LATEST\n\
         END RequestId: 0b4e0a6e-8c41-4d1a-9f56-2f2b1c0d9e01\n\
         REPORT RequestId: 0b4e0a6e-8c41-4d1a-9f56-2f2b1c0d9e01\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\n",
    )
    .unwrap();
    skylens_ok(&[
        "import",
        log.to_str().unwrap(),
        "--workspace",
        ws,
        "--log-group",
        "/aws/lambda/extra-fn",
    ]);
    let after = query(ws, "SELECT function FROM function_names ORDER BY function");
    assert!(after.lines().any(|l| l == "extra-fn"), "{after}");
    for f in &seen {
        assert!(after.lines().any(|l| l == f), "{f} lost: {after}");
    }
    assert_keys_and_names_agree(ws);
}

#[test]
fn a_version_1_workspace_is_upgraded_when_opened_and_its_reports_do_not_change() {
    let (_dir, ws_dir) = demo();
    let ws = ws_dir.to_str().unwrap();
    let before: Vec<String> = REPORTS.iter().map(|r| report(ws, r)).collect();

    // Make it the workspace Skylens 1 wrote: no function_key, no names table, version 1,
    // and no saved results (so the reports are computed again from the upgraded frames).
    for f in invocation_files(&ws_dir) {
        let df = read_parquet(&f).drop("function_key").unwrap();
        write_parquet(&f, df);
    }
    std::fs::remove_file(ws_dir.join("function-names.parquet")).unwrap();
    std::fs::write(
        ws_dir.join("skylens-workspace.json"),
        "{\n  \"schema_version\": 1\n}",
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(ws_dir.join("cache"));

    let after: Vec<String> = REPORTS.iter().map(|r| report(ws, r)).collect();
    for ((name, b), a) in REPORTS.iter().zip(&before).zip(&after) {
        assert_eq!(a, b, "{name} changed by the upgrade");
    }
    let meta = std::fs::read_to_string(ws_dir.join("skylens-workspace.json")).unwrap();
    assert!(meta.contains("\"schema_version\": 2"), "{meta}");
    for f in invocation_files(&ws_dir) {
        let df = read_parquet(&f);
        assert_eq!(
            df.get_column_names().last().map(|c| c.as_str()),
            Some("function_key"),
            "{}",
            f.display()
        );
    }
    assert!(assert_keys_and_names_agree(ws) > 1000);

    // A version this Skylens does not know is refused, and left as it is.
    std::fs::write(
        ws_dir.join("skylens-workspace.json"),
        "{\n  \"schema_version\": 99\n}",
    )
    .unwrap();
    let (code, _, err) = skylens(&["report", "latency", "--workspace", ws]);
    assert_ne!(code, 0);
    assert!(err.contains("schema version 99"), "{err}");
}

#[test]
fn the_time_range_and_row_counts_from_the_edge_partitions_and_footers_are_those_of_every_row() {
    use skylens::analysis::{Window, run_sql};
    use skylens::model::Frame;
    use skylens::workspace::Workspace;
    let (_dir, ws_dir) = demo();
    let ws = Workspace::open(&ws_dir).unwrap();
    let scalar = |df: &DataFrame, c: &str| -> Option<i64> {
        df.column(c).unwrap().get(0).unwrap().extract::<i64>()
    };
    // Every row read, by SQL: the reference.
    let all = run_sql(
        &ws,
        "SELECT MIN(CAST(start AS BIGINT)) AS a, MAX(CAST(start AS BIGINT)) AS b, COUNT(*) AS n \
         FROM invocations",
        Window::default(),
    )
    .unwrap();
    let (a, b) = (scalar(&all, "a").unwrap(), scalar(&all, "b").unwrap());
    assert_eq!(
        ws.time_range(Frame::Invocations, None, None).unwrap(),
        Some((a, b))
    );
    assert_eq!(
        ws.row_count(Frame::Invocations).unwrap() as i64,
        scalar(&all, "n").unwrap()
    );
    // Windows whose ends fall inside days (the edge partitions hold rows on both sides), one
    // holding no row at all.
    let day = 86_400_000_000i64;
    for (from, to) in [
        (Some(a + day / 3), None),
        (None, Some(b - day / 2)),
        (Some(a + day + 7), Some(b - day - 11)),
        (Some(b + 1), Some(b + day)),
    ] {
        let w = Window { from, to };
        let part = run_sql(
            &ws,
            "SELECT MIN(CAST(start AS BIGINT)) AS a, MAX(CAST(start AS BIGINT)) AS b \
             FROM invocations",
            w,
        )
        .unwrap();
        let expected = scalar(&part, "a").zip(scalar(&part, "b"));
        assert_eq!(
            ws.time_range(Frame::Invocations, from, to).unwrap(),
            expected,
            "{w:?}"
        );
    }
    for frame in [Frame::Logs, Frame::Spans, Frame::Costs] {
        let n = run_sql(
            &ws,
            &format!("SELECT COUNT(*) AS n FROM {}", frame.name()),
            Window::default(),
        )
        .unwrap();
        assert_eq!(
            ws.row_count(frame).unwrap() as i64,
            scalar(&n, "n").unwrap()
        );
    }
}

#[test]
fn a_workspace_refuses_more_function_names_than_the_reports_can_number() {
    use skylens::model::{Frame, MAX_FUNCTION_NAMES};
    use skylens::workspace::Workspace;
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_or_create(dir.path().join("ws")).unwrap();
    // One invocation per function, one name more than a workspace holds.
    let invocations = |names: usize| -> DataFrame {
        let n = names as i64;
        let base = df!(
            "request_id" => (0..n).map(|i| format!("req-{i}")).collect::<Vec<_>>(),
            "start" => (0..n).map(|i| 1_764_547_200_000_000 + i).collect::<Vec<_>>(),
            "function" => (0..n).map(|i| format!("fn-{i}")).collect::<Vec<_>>()
        )
        .unwrap();
        Frame::Invocations.with_input_schema(base).unwrap()
    };
    let err = ws
        .write(Frame::Invocations, invocations(MAX_FUNCTION_NAMES + 1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("at most 1048575"), "{err}");
    // Nothing was stored, and the workspace takes a smaller import as before.
    assert_eq!(ws.row_count(Frame::Invocations).unwrap(), 0);
    assert_eq!(ws.function_names().unwrap().height(), 0);
    let stats = ws.write(Frame::Invocations, invocations(3)).unwrap();
    assert_eq!(stats.added, 3);
    assert_eq!(ws.function_names().unwrap().height(), 3);
}
