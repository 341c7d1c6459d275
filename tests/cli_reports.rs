//! End-to-end: the time-series and cost reports and `skylens query` through the CLI, on the
//! demo workspace, against golden files.

mod common;

use common::{assert_golden, skylens, skylens_ok};

fn demo_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    skylens_ok(&["demo", "--workspace", ws.to_str().unwrap(), "--quiet"]);
    dir
}

fn json_rows(text: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("not a JSON array of objects ({e}):\n{text}"))
}

#[test]
fn demo_time_series_and_cost_reports_match_golden_files() {
    let dir = demo_workspace();
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();
    let cases: &[(&str, &[&str], &str)] = &[
        ("latency-timeseries", &[], "demo-latency-timeseries.csv"),
        (
            "latency-timeseries",
            &["--bucket", "1d"],
            "demo-latency-timeseries-1d.csv",
        ),
        ("spend", &[], "demo-spend.csv"),
        ("spend", &["--by", "tag:team"], "demo-spend-by-team.csv"),
        ("spend", &["--by", "service"], "demo-spend-by-service.csv"),
        (
            "spend-daily",
            &["--by", "tag:team"],
            "demo-spend-daily-by-team.csv",
        ),
        ("cost-per-function", &[], "demo-cost-per-function.csv"),
        (
            "cost-per-function",
            &["--arch", "payments=arm64", "--arch", "orders=graviton"],
            "demo-cost-per-function-arm.csv",
        ),
        ("cost-per-route", &[], "demo-cost-per-route.csv"),
        (
            "cold-start-timeseries",
            &["--bucket", "1d"],
            "demo-cold-start-timeseries-1d.csv",
        ),
        ("slowest-invocations", &[], "demo-slowest-invocations.csv"),
    ];
    for (name, extra, golden) in cases {
        let mut args = vec!["report", name, "--format", "csv", "--workspace", ws];
        args.extend_from_slice(extra);
        let csv = skylens_ok(&args);
        assert_golden(golden, &csv);
        // JSON: the same rows, with the same keys in the same order.
        args[3] = "json";
        let text = skylens_ok(&args);
        let rows = json_rows(&text);
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        assert_eq!(
            rows.len(),
            csv.lines().count() - 1,
            "{name} {extra:?}: json and csv row counts"
        );
        let mut sorted = header.clone();
        sorted.sort_unstable();
        for r in &rows {
            assert_eq!(
                r.keys().map(String::as_str).collect::<Vec<_>>(),
                sorted,
                "{name}: json keys"
            );
        }
        common::assert_key_order(&text, &header);
    }

    // The automatic bucket for the 30 demo days is 6 hours; 1d buckets start at midnight UTC.
    let six = skylens_ok(&[
        "report",
        "latency-timeseries",
        "--format",
        "json",
        "--workspace",
        ws,
    ]);
    let rows = json_rows(&six);
    let starts: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|r| r["bucket_start"].as_str().unwrap())
        .collect();
    assert!(
        (100..=124).contains(&starts.len()),
        "{} buckets",
        starts.len()
    );
    assert!(
        starts.iter().all(|s| [
            "T00:00:00.000Z",
            "T06:00:00.000Z",
            "T12:00:00.000Z",
            "T18:00:00.000Z"
        ]
        .iter()
        .any(|h| s.ends_with(h))),
        "{starts:?}"
    );
    // A one-day window gives 15-minute buckets.
    let day = skylens_ok(&[
        "report",
        "latency-timeseries",
        "--format",
        "json",
        "--from",
        "2026-10-20",
        "--to",
        "2026-10-21",
        "--workspace",
        ws,
    ]);
    let rows = json_rows(&day);
    assert!(
        rows.iter()
            .any(|r| r["bucket_start"] == "2026-10-20T00:15:00.000Z"),
        "{day}"
    );
    assert!(rows.iter().all(|r| {
        r["bucket_start"]
            .as_str()
            .unwrap()
            .starts_with("2026-10-20T")
    }));

    // Spend: the untagged share is shown, and the last days are marked estimated.
    let team = json_rows(&skylens_ok(&[
        "report",
        "spend",
        "--by",
        "tag:team",
        "--format",
        "json",
        "--workspace",
        ws,
    ]));
    assert!(
        team.iter()
            .any(|r| r["key"] == "(untagged)" && r["estimated"] == true),
        "{team:?}"
    );
    // A metric or a grouping with no figures gives an empty report, and a note on stderr;
    // metrics match in any case.
    let (code, out, err) = skylens(&[
        "report",
        "spend",
        "--by",
        "tag:nope",
        "--format",
        "csv",
        "--workspace",
        ws,
    ]);
    assert_eq!(
        (code, out.as_str()),
        (0, "dimension,key,amount,unit,estimated\n")
    );
    assert!(
        err.contains(
            "no UnblendedCost costs grouped by \"tag:nope\" in this window; groupings present: \
             SERVICE, TAG:env, TAG:team; metrics present: UnblendedCost, UsageQuantity"
        ),
        "{err}"
    );
    let usage = json_rows(&skylens_ok(&[
        "report",
        "spend",
        "--by",
        "service",
        "--metric",
        "usagequantity",
        "--format",
        "json",
        "--workspace",
        ws,
    ]));
    assert!(
        !usage.is_empty() && usage.iter().all(|r| r["unit"] == "N/A"),
        "{usage:?}"
    );

    // Cost: an arm64 function costs 20% less per GB-second; a price file replaces the table.
    let x86 = json_rows(&skylens_ok(&[
        "report",
        "cost-per-function",
        "--format",
        "json",
        "--workspace",
        ws,
    ]));
    let arm = json_rows(&skylens_ok(&[
        "report",
        "cost-per-function",
        "--arch",
        "arm64",
        "--format",
        "json",
        "--workspace",
        ws,
    ]));
    let get = |rows: &[serde_json::Map<String, serde_json::Value>], f: &str, c: &str| {
        rows.iter().find(|r| r["function"] == f).unwrap()[c]
            .as_f64()
            .unwrap()
    };
    let ratio = get(&arm, "payments", "est_compute_usd") / get(&x86, "payments", "est_compute_usd");
    assert!(
        (ratio - 0.0000133334 / 0.0000166667).abs() < 1e-4,
        "{ratio}"
    );
    let prices = dir.path().join("prices.csv");
    std::fs::write(&prices, "# double prices\nregion,architecture,usd_per_gb_s,usd_per_request\n*,x86_64,0.0000333334,0.0000004\n*,arm64,0.0000266668,0.0000004\n").unwrap();
    let doubled = json_rows(&skylens_ok(&[
        "report",
        "cost-per-function",
        "--prices",
        prices.to_str().unwrap(),
        "--format",
        "json",
        "--workspace",
        ws,
    ]));
    for f in ["orders", "payments", "notifications", "nightly-batch"] {
        let (a, b) = (
            get(&x86, f, "est_total_usd"),
            get(&doubled, f, "est_total_usd"),
        );
        assert!((b / a - 2.0).abs() < 1e-3, "{f}: {a} -> {b}");
    }

    // Bad option values are refused with a clear message.
    for (args, want) in [
        (
            &["report", "latency-timeseries", "--bucket", "5x"][..],
            "--bucket \"5x\"",
        ),
        (&["report", "spend", "--by", "tag:"][..], "--by \"tag:\""),
        (
            &["report", "cost-per-function", "--arch", "orders=sparc"][..],
            "--arch \"orders=sparc\"",
        ),
        (
            &[
                "report",
                "cost-per-function",
                "--prices",
                "/nonexistent/prices.csv",
            ][..],
            "/nonexistent/prices.csv",
        ),
    ] {
        let mut a = args.to_vec();
        a.extend_from_slice(&["--workspace", ws]);
        let (code, _, err) = skylens(&a);
        assert_ne!(code, 0, "{a:?}");
        assert!(err.contains(want), "{a:?}: {err}");
    }
    std::fs::write(
        &prices,
        "region,architecture,usd_per_gb_s,usd_per_request\n*,x86_64,1,1\n",
    )
    .unwrap();
    let (code, _, err) = skylens(&[
        "report",
        "cost-per-function",
        "--prices",
        prices.to_str().unwrap(),
        "--workspace",
        ws,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("no `*` (fallback) row for arm64"), "{err}");
}

#[test]
fn query_runs_a_file_or_text_in_every_format_to_stdout_or_a_file() {
    let dir = demo_workspace();
    let ws = dir.path().join("ws");
    let ws = ws.to_str().unwrap();
    let sql = "SELECT function, COUNT(*) AS n, MIN(start) AS first FROM invocations GROUP BY function ORDER BY function";
    let file = dir.path().join("mine.sql");
    std::fs::write(&file, format!("-- my query\n{sql}\n")).unwrap();
    let file = file.to_str().unwrap();

    let csv = skylens_ok(&["query", file, "--format", "csv", "--workspace", ws]);
    assert_eq!(
        csv,
        skylens_ok(&["query", "--sql", sql, "--format", "csv", "--workspace", ws])
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "function,n,first");
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(
        lines[1].starts_with("nightly-batch,720,2026-10-03T"),
        "{csv}"
    );

    let text = skylens_ok(&["query", file, "--format", "json", "--workspace", ws]);
    common::assert_key_order(&text, &["function", "n", "first"]);
    let rows = json_rows(&text);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["function"], "nightly-batch");
    assert_eq!(rows[0]["n"], 720);
    assert!(rows[0]["first"].as_str().unwrap().ends_with('Z'));

    let table = skylens_ok(&["query", file, "--workspace", ws]);
    assert!(
        table.contains("function") && table.contains("nightly-batch") && table.contains("720"),
        "{table}"
    );

    // --out writes the file (and nothing to stdout), in the format asked for.
    for (format, name) in [("csv", "q.csv"), ("json", "q.json"), ("table", "q.txt")] {
        let out = dir.path().join(name);
        let printed = skylens_ok(&[
            "query",
            file,
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
            "--workspace",
            ws,
        ]);
        assert_eq!(printed, "");
        let text = std::fs::read_to_string(&out).unwrap();
        let want = skylens_ok(&["query", file, "--format", format, "--workspace", ws]);
        assert_eq!(text, want, "{format}");
    }

    // The window applies to the frames; the price table is there to join with.
    let count = |window: &[&str]| -> u64 {
        let mut a = vec![
            "query",
            "--sql",
            "SELECT COUNT(*) AS n FROM invocations",
            "--format",
            "csv",
            "--workspace",
            ws,
        ];
        a.extend_from_slice(window);
        skylens_ok(&a).lines().nth(1).unwrap().parse().unwrap()
    };
    let (day, all) = (
        count(&["--from", "2026-10-20", "--to", "2026-10-21"]),
        count(&[]),
    );
    assert!(day > 0 && day < all / 10, "{day} of {all}");
    let p = skylens_ok(&[
        "query",
        "--sql",
        "SELECT usd_per_gb_s FROM lambda_prices WHERE region = '*' AND architecture = 'arm64'",
        "--format",
        "csv",
        "--workspace",
        ws,
    ]);
    assert_eq!(p, "usd_per_gb_s\n0.0000133334\n");

    // Bad SQL, a missing file, and neither a file nor --sql are clear errors.
    let (code, _, err) = skylens(&[
        "query",
        "--sql",
        "SELECT nope FROM invocations",
        "--workspace",
        ws,
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("nope"), "{err}");
    let (code, _, err) = skylens(&["query", "/nonexistent/q.sql", "--workspace", ws]);
    assert_ne!(code, 0);
    assert!(err.contains("/nonexistent/q.sql"), "{err}");
    let (code, _, err) = skylens(&["query", "--workspace", ws]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = skylens(&["query", file, "--sql", sql, "--workspace", ws]);
    assert_eq!(code, 2, "a file and --sql together are refused");
}
