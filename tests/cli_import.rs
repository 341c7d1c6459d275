//! End-to-end: `skylens import` on real-format files and on hostile input.

mod common;

use std::io::Write;

use common::{fixture, skylens, skylens_ok};

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p.to_str().unwrap().to_string()
}

fn count(ws: &str, sql: &str) -> u64 {
    let out = skylens_ok(&["query", "--sql", sql, "--format", "csv", "--workspace", ws]);
    out.lines()
        .nth(1)
        .unwrap_or("0")
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a count: {out}"))
}

#[test]
fn import_reports_format_rows_and_skips_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();
    let a = write(
        dir.path(),
        "a.json",
        &fixture("cloudwatch-get-log-events-lambda.json"),
    );
    let b = write(dir.path(), "b.txt", &fixture("lambda-report-lines.log"));
    let out = skylens_ok(&[
        "import",
        &a,
        &b,
        "--workspace",
        ws,
        "--log-group",
        "/aws/lambda/my-function",
    ]);
    assert!(
        out.contains("a.json: cloudwatch-events, 5 records"),
        "{out}"
    );
    assert!(out.contains("b.txt: log-text"), "{out}");
    assert!(out.contains("invocations +7"), "{out}");
    assert!(out.contains("skipped: 5 (empty 5)"), "{out}");
    // The log group names the function.
    assert_eq!(
        count(
            ws,
            "SELECT COUNT(*) AS n FROM invocations WHERE function = 'my-function'"
        ),
        8
    );
    // Importing the same files again adds nothing.
    let again = skylens_ok(&[
        "import",
        &a,
        &b,
        "--workspace",
        ws,
        "--log-group",
        "/aws/lambda/my-function",
    ]);
    assert!(
        !again.contains(" +1") && !again.contains(" +5") && !again.contains(" +7"),
        "{again}"
    );
    assert_eq!(count(ws, "SELECT COUNT(*) AS n FROM logs"), 27);
    assert_eq!(count(ws, "SELECT COUNT(*) AS n FROM invocations"), 8);
    // The manifest says what came from where.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ws/manifest.json")).unwrap())
            .unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0]["origin"]["kind"], "file");
    assert_eq!(entries[0]["format"], "cloudwatch-events");
    assert_eq!(entries[0]["origin"]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn hostile_inputs_are_counted_and_never_crash() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();
    let good = "{\"timestamp\":1700000000000,\"message\":\"START RequestId: 11111111-2222-3333-4444-555555555555 Version: $LATEST\\n\"}";
    let big = format!(
        "{{\"timestamp\":1700000000001,\"message\":\"{}\"}}",
        "x".repeat(1_100_000)
    );
    let mut mixed = Vec::new();
    mixed.extend_from_slice(good.as_bytes());
    mixed.extend_from_slice(b"\n{\"timestamp\":1700000000002,\"message\":\"trunc");
    mixed.extend_from_slice(b"\n{\"timestamp\":\"not a number\",\"message\":42}");
    mixed.extend_from_slice(b"\n\xff\xfe{\"timestamp\":1,\"message\":\"bad utf8\"}");
    mixed.push(b'\n');
    mixed.extend_from_slice(big.as_bytes());
    mixed.push(b'\n');
    let m = write(dir.path(), "mixed.jsonl", &mixed);
    let (code, out, err) = skylens(&[
        "import",
        &m,
        "--workspace",
        ws,
        "--log-group",
        "/aws/lambda/f",
    ]);
    assert_eq!(code, 0, "a file with one good line is read: {out}{err}");
    assert!(out.contains("logs +1"), "{out}");
    for reason in ["malformed_json", "invalid_utf8", "line_too_long"] {
        assert!(out.contains(reason), "{reason} not reported: {out}");
    }
    assert!(
        out.contains("missing_field") || out.contains("bad_value"),
        "wrong types not reported: {out}"
    );

    let empty = write(dir.path(), "empty.json", b"");
    let binary = write(
        dir.path(),
        "binary.bin",
        &[0u8, 159, 146, 150, 0, 1, 2, 3, 255],
    );
    let truncated = write(
        dir.path(),
        "trunc.json",
        br#"{"events": [{"timestamp": 17000000"#,
    );
    let (code, out, err) = skylens(&["import", &empty, &binary, &truncated, "--workspace", ws]);
    assert_eq!(code, 1, "nothing readable must exit non-zero: {out}{err}");
    assert!(out.contains("empty.json: empty"), "{out}");
    assert!(
        out.contains("binary.bin: binary") && out.contains("skipped: 1 (binary 1)"),
        "{out}"
    );
    assert!(
        out.contains("trunc.json: cloudwatch-events") && out.contains("malformed_json"),
        "{out}"
    );
    assert!(
        err.contains("nothing could be read from 3 of 3 file(s)"),
        "{err}"
    );
    // What was saved before is still there.
    assert_eq!(count(ws, "SELECT COUNT(*) AS n FROM logs"), 1);
}

#[test]
fn duplicate_and_out_of_order_events_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();
    let doc = r#"{"events":[
 {"logStreamName":"s","timestamp":1700000002000,"message":"REPORT RequestId: aaaaaaaa-0000-0000-0000-000000000001\tDuration: 20.00 ms\tBilled Duration: 20 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\t\n","eventId":"2"},
 {"logStreamName":"s","timestamp":1700000001000,"message":"START RequestId: aaaaaaaa-0000-0000-0000-000000000001 Version: $LATEST\n","eventId":"1"},
 {"logStreamName":"s","timestamp":1700000002000,"message":"REPORT RequestId: aaaaaaaa-0000-0000-0000-000000000001\tDuration: 20.00 ms\tBilled Duration: 20 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\t\n","eventId":"2"}
]}"#;
    let f = write(dir.path(), "dup.json", doc.as_bytes());
    let out = skylens_ok(&[
        "import",
        &f,
        "--workspace",
        ws,
        "--log-group",
        "/aws/lambda/f",
    ]);
    assert!(out.contains("duplicate 1"), "{out}");
    assert_eq!(count(ws, "SELECT COUNT(*) AS n FROM logs"), 2);
    let start = skylens_ok(&[
        "query",
        "--sql",
        "SELECT start, duration_ms FROM invocations",
        "--format",
        "csv",
        "--workspace",
        ws,
    ]);
    assert!(
        start.contains("2023-11-14T22:13:21.000Z,20"),
        "start comes from the START line: {start}"
    );
}

#[test]
fn an_interrupted_import_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ws_dir = dir.path().join("ws");
    let ws = ws_dir.to_str().unwrap();
    // A first import that completes.
    let first = write(dir.path(), "first.log", &fixture("lambda-report-lines.log"));
    skylens_ok(&[
        "import",
        &first,
        "--workspace",
        ws,
        "--log-group",
        "/aws/lambda/first",
    ]);
    let before = count(ws, "SELECT COUNT(*) AS n FROM invocations");
    // A large second import, killed part-way (or not, if it is fast): either way the
    // workspace stays readable and keeps what it had.
    let raw = dir.path().join("raw");
    skylens_ok(&[
        "demo",
        "--workspace",
        raw.to_str().unwrap(),
        "--requests",
        "3000",
        "--keep-raw",
        "--quiet",
    ]);
    let mut files: Vec<String> = walk(&raw.join("raw/demo"));
    files.sort();
    let mut args = vec!["import".to_string()];
    args.extend(files.iter().cloned());
    args.extend(["--workspace".to_string(), ws.to_string()]);
    for delay_ms in [50u64, 300, 800] {
        let mut child = std::process::Command::new(common::skylens_bin())
            .args(&args)
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Readable, and the first import is intact.
        assert!(count(ws, "SELECT COUNT(*) AS n FROM invocations") >= before);
        assert_eq!(
            count(
                ws,
                "SELECT COUNT(*) AS n FROM invocations WHERE function = 'first'"
            ),
            before
        );
        // Every stored invocation's function is named by the names table (written before
        // the partitions that use it).
        assert_eq!(
            count(
                ws,
                "SELECT COUNT(*) AS n FROM invocations AS i \
                 LEFT JOIN function_names AS f ON i.function_key = f.function_key \
                 WHERE i.function IS NOT NULL AND (f.function IS NULL OR f.function <> i.function)"
            ),
            0
        );
    }
    // Re-running the import completes it, with no duplicates.
    skylens_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let n = count(ws, "SELECT COUNT(*) AS n FROM logs");
    let distinct = count(
        ws,
        "SELECT COUNT(*) AS n FROM (SELECT DISTINCT event_id FROM logs) AS t",
    );
    assert_eq!(n, distinct, "duplicate log rows after resuming");
    let inv = count(ws, "SELECT COUNT(*) AS n FROM invocations");
    let inv_distinct = count(
        ws,
        "SELECT COUNT(*) AS n FROM (SELECT DISTINCT request_id FROM invocations) AS t",
    );
    assert_eq!(inv, inv_distinct, "duplicate invocations after resuming");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.to_str().unwrap().to_string());
        }
    }
    out
}
