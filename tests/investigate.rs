//! `skylens investigate ID`: every kind of ID on the demo (the demo knows every ID of one
//! request end to end), an async hop through SNS, the `Root=` header form, unknown IDs, and
//! real AWS fixtures.

mod common;

use std::collections::BTreeSet;

use common::{fixture, skylens, skylens_ok};
use serde_json::Value;
use skylens::analysis::investigate::{COLUMNS, InvestigateOptions, Investigator, investigate};
use skylens::source::demo::{DemoExample, DemoOptions};
use skylens::workspace::Workspace;

/// A demo workspace (generated and imported through the library so the test knows the IDs of
/// one request end to end).
fn demo(requests: u64) -> (tempfile::TempDir, DemoExample) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_or_create(dir.path().join("ws")).unwrap();
    let raw = dir.path().join("raw");
    let opts = DemoOptions {
        requests,
        ..Default::default()
    };
    let generated = skylens::source::demo::generate(&raw, &opts).unwrap();
    let items = generated.import_items();
    skylens::source::files::import_paths(&ws, items, |_, _| {
        skylens::workspace::manifest::Origin::Demo {
            seed: opts.seed,
            requests,
        }
    })
    .unwrap();
    let example = generated
        .stats
        .example
        .expect("the demo has an example request");
    (dir, example)
}

fn ws_arg(dir: &tempfile::TempDir) -> String {
    dir.path().join("ws").to_str().unwrap().to_string()
}

fn investigate_json(ws: &str, id: &str) -> Vec<serde_json::Map<String, Value>> {
    let out = skylens_ok(&["investigate", id, "--format", "json", "--workspace", ws]);
    serde_json::from_str(&out).unwrap()
}

fn count(ws: &str, sql: &str) -> usize {
    let out = skylens_ok(&["query", "--sql", sql, "--format", "csv", "--workspace", ws]);
    out.lines().nth(1).unwrap().trim().parse().unwrap()
}

fn of<'a>(
    rows: &'a [serde_json::Map<String, Value>],
    source: &str,
) -> Vec<&'a serde_json::Map<String, Value>> {
    rows.iter().filter(|r| r["source"] == source).collect()
}

fn ids(rows: &[&serde_json::Map<String, Value>], key: &str) -> BTreeSet<String> {
    rows.iter()
        .filter_map(|r| r[key].as_str().map(str::to_string))
        .collect()
}

#[test]
fn every_kind_of_id_resolves_to_the_whole_request() {
    let (dir, ex) = demo(3_000);
    let ws = ws_arg(&dir);
    let t = &ex.trace_id;

    // What the request is, computed independently with plain SQL over the frames.
    let requests = [
        &ex.orders_request_id,
        &ex.payments_request_id,
        &ex.notifications_request_id,
    ];
    let in_list = |v: &[&String]| {
        v.iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let n_spans = count(
        &ws,
        &format!("SELECT COUNT(*) AS n FROM spans WHERE trace_id = '{t}'"),
    );
    let n_logs = count(
        &ws,
        &format!(
            "SELECT COUNT(*) AS n FROM logs WHERE trace_id = '{t}' OR correlation_id = '{}' OR request_id IN ({})",
            ex.correlation_id,
            in_list(&[&ex.api_request_id, requests[0], requests[1], requests[2]])
        ),
    );
    assert!(n_spans >= 20, "{n_spans} spans");
    assert!(n_logs >= 12, "{n_logs} log lines");

    let root = format!("Root={t};Parent=53995c3f42cd8ad8;Sampled=1");
    let header = format!("X-Amzn-Trace-Id: Root={t};Parent=53995c3f42cd8ad8;Sampled=1");
    let kinds: [(&str, &str); 9] = [
        ("API Gateway request ID", &ex.api_request_id),
        ("X-Ray trace ID", t),
        ("Root= form", &root),
        ("trace header", &header),
        ("orders request ID", &ex.orders_request_id),
        ("payments request ID", &ex.payments_request_id),
        (
            "notifications request ID (async hop)",
            &ex.notifications_request_id,
        ),
        ("correlation ID", &ex.correlation_id),
        (
            "correlation ID, quoted",
            &format!("\"{}\"", ex.correlation_id),
        ),
    ];
    let mut first: Option<Vec<serde_json::Map<String, Value>>> = None;
    for (kind, id) in kinds {
        let rows = investigate_json(&ws, id);
        let (spans, logs, invs) = (
            of(&rows, "spans"),
            of(&rows, "logs"),
            of(&rows, "invocations"),
        );
        assert_eq!(spans.len(), n_spans, "{kind}: spans");
        assert_eq!(logs.len(), n_logs, "{kind}: log lines");
        assert_eq!(invs.len(), 3, "{kind}: invocations");
        assert_eq!(
            ids(&invs, "request_id"),
            requests
                .iter()
                .map(|s| s.to_string())
                .collect::<BTreeSet<_>>(),
            "{kind}"
        );
        // Every function and the API, and the SNS hop to notifications.
        let services = ids(&rows.iter().collect::<Vec<_>>(), "service");
        for s in [
            "orders",
            "payments",
            "notifications",
            "orders-api/prod",
            "/aws/apigateway/orders-api-access",
        ] {
            assert!(services.contains(s), "{kind}: no {s} in {services:?}");
        }
        assert!(
            logs.iter().any(|r| r["service"] == "notifications"
                && r["request_id"].as_str() == Some(&ex.notifications_request_id)),
            "{kind}: notifications' lines missing"
        );
        assert!(
            logs.iter()
                .any(|r| r["kind"] == "access"
                    && r["request_id"].as_str() == Some(&ex.api_request_id))
        );
        assert!(
            spans
                .iter()
                .any(|r| r["message"].as_str().unwrap_or("").contains("Publish")),
            "{kind}: the SNS publish"
        );
        // In time order; every row has the contract's columns.
        let ts: Vec<&str> = rows.iter().map(|r| r["ts"].as_str().unwrap()).collect();
        assert!(
            ts.windows(2).all(|w| w[0] <= w[1]),
            "{kind}: not in time order"
        );
        for r in &rows {
            let mut keys: Vec<&str> = r.keys().map(String::as_str).collect();
            keys.sort();
            let mut want = COLUMNS.to_vec();
            want.sort();
            assert_eq!(keys, want);
        }
        // Whatever the ID, the same timeline.
        match &first {
            None => first = Some(rows),
            Some(f) => assert_eq!(&rows, f, "{kind}: a different timeline"),
        }
    }

    // CSV has the columns in the contract's order.
    let csv = skylens_ok(&[
        "investigate",
        &ex.correlation_id,
        "--format",
        "csv",
        "--workspace",
        &ws,
    ]);
    assert_eq!(csv.lines().next().unwrap(), COLUMNS.join(","));
    assert!(csv.lines().filter(|l| l.starts_with("20")).count() >= n_spans + n_logs + 3);
}

#[test]
fn unknown_ids_exit_1_with_a_clear_message() {
    let (dir, _ex) = demo(500);
    let ws = ws_arg(&dir);
    for id in [
        "00000000-0000-0000-0000-000000000000",
        "1-00000000-000000000000000000000000",
        "Root=1-00000000-000000000000000000000000;Sampled=0",
    ] {
        let (code, out, err) = skylens(&["investigate", id, "--workspace", &ws]);
        assert_eq!(code, 1, "{id}: {out}{err}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.contains("no data for ID") && err.contains("1-00000000-0000") == id.contains("1-"),
            "{err}"
        );
    }
    let (code, _, err) = skylens(&["investigate", "   ", "--workspace", &ws]);
    assert_eq!(code, 1, "{err}");
    // Placeholders that log lines carry for "no value" are not IDs of anything.
    let (code, _, _) = skylens(&["investigate", "-", "--workspace", &ws]);
    assert_eq!(code, 1);
    // The core says NotFound.
    let w = Workspace::open(dir.path().join("ws")).unwrap();
    let e = investigate(&w, "nope-nope-nope", &InvestigateOptions::default()).unwrap_err();
    assert_eq!(e.code(), "not_found");
}

#[test]
fn an_investigator_is_reused_and_its_index_cache_follows_imports() {
    let (dir, ex) = demo(800);
    let w = Workspace::open(dir.path().join("ws")).unwrap();
    let inv = Investigator::open(&w).unwrap();
    let a = inv
        .investigate(&ex.api_request_id, &InvestigateOptions::default())
        .unwrap();
    let b = inv
        .investigate(&ex.trace_id, &InvestigateOptions::default())
        .unwrap();
    assert!(a.timeline.equals_missing(&b.timeline));
    assert_eq!(a.trace_ids.iter().collect::<Vec<_>>(), vec![&ex.trace_id]);
    assert!(
        a.request_ids.contains(&ex.notifications_request_id)
            && a.request_ids.contains(&ex.api_request_id)
    );
    assert!(a.correlation_ids.contains(&ex.correlation_id));
    assert!(!a.truncated);
    // The filters are cached beside the frames; a new import changes a partition and its
    // filters are rebuilt, so new IDs are found.
    assert!(!inv.is_stale().unwrap());
    assert!(dir.path().join("ws/index/investigate/logs").is_dir());
    let line = "{\"timestamp\":1793491200000,\"message\":\"START RequestId: 7b3e3c2a-1111-4222-8333-944445555666 Version: $LATEST\\n\"}\n";
    let p = dir.path().join("late.jsonl");
    std::fs::write(&p, line).unwrap();
    skylens::source::files::import_files(
        &w,
        &[p],
        &skylens::source::files::ImportOptions {
            log_group: Some("/aws/lambda/orders".into()),
        },
    )
    .unwrap();
    // The investigator opened before the import notices it.
    assert!(inv.is_stale().unwrap());
    let found = inv
        .investigate(
            "7b3e3c2a-1111-4222-8333-944445555666",
            &InvestigateOptions::default(),
        )
        .unwrap();
    assert_eq!(found.timeline.height(), 2, "{}", found.timeline); // the START line and its invocation
    // A cap on the IDs followed stops early and says so.
    let capped = inv
        .investigate(
            &ex.api_request_id,
            &InvestigateOptions {
                max_ids: 2,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(capped.truncated);
    assert!(capped.timeline.height() < a.timeline.height());
}

fn import(dir: &std::path::Path, files: &[&str], log_group: Option<&str>) -> String {
    let ws = dir.join("ws");
    let mut args = vec!["import".to_string()];
    for f in files {
        let p = dir.join(f);
        std::fs::write(&p, fixture(f)).unwrap();
        args.push(p.to_str().unwrap().to_string());
    }
    args.extend(["--workspace".to_string(), ws.to_str().unwrap().to_string()]);
    if let Some(g) = log_group {
        args.extend(["--log-group".to_string(), g.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    skylens_ok(&args);
    ws.to_str().unwrap().to_string()
}

#[test]
fn batch_get_traces_fixture_by_lambda_request_id_and_trace_id() {
    let dir = tempfile::tempdir().unwrap();
    let ws = import(dir.path(), &["xray-batch-get-traces.json"], None);
    // The AWS::Lambda segment's request ID (also on the Scorekeep invoke subsegment).
    let rows = investigate_json(&ws, "ac086670-6373-11e7-a174-f31b3397f190");
    let spans = of(&rows, "spans");
    assert_eq!(spans.len(), 11, "{rows:#?}");
    assert_eq!(
        ids(&spans, "trace_id"),
        BTreeSet::from(["1-59602603-23fc5b688855d396af79b496".to_string()])
    );
    // The invocation assembled from the function segment.
    let invs = of(&rows, "invocations");
    assert_eq!(invs.len(), 1);
    assert_eq!(invs[0]["service"], "random-name");
    assert_eq!(
        invs[0]["request_id"],
        "ac086670-6373-11e7-a174-f31b3397f190"
    );
    // The root comes first; the SNS publish and its inferred segment are there.
    assert_eq!(rows[0]["service"], "Scorekeep");
    assert_eq!(rows[0]["kind"], "segment");
    assert!(spans.iter().any(|r| r["kind"] == "inferred" && r["message"].as_str().unwrap().contains("AWS::SNS")));
    let rows2 = investigate_json(
        &ws,
        "Root=1-59602603-23fc5b688855d396af79b496;Parent=194fcc8747581230;Sampled=1",
    );
    assert_eq!(rows, rows2);
}

#[test]
fn api_gateway_ids_from_access_logs_and_segments() {
    let dir = tempfile::tempdir().unwrap();
    let ws = import(
        dir.path(),
        &[
            "apigw-http-api-access-log.jsonl",
            "apigw-rest-access-log.jsonl",
            "xray-segment-documents-apigw-lambda-events.jsonl",
        ],
        Some("/aws/apigateway/access"),
    );
    // HTTP API short ID.
    let rows = investigate_json(&ws, "GQIVriFLIAMEMsA=");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["kind"], "access");
    assert_eq!(rows[0]["ts"], "2023-06-09T12:54:08.000Z");
    // REST UUID.
    let rows = investigate_json(&ws, "48752d0f-c99d-4cfa-a5a7-f3c6834d19e5");
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0]["message"].as_str().unwrap().contains("/pets"),
        "{rows:?}"
    );
    // The API Gateway segment's request ID finds its trace: the stage segment, its invoke
    // subsegment and the function's AWS::Lambda segment with its two subsegments.
    let rows = investigate_json(&ws, "a8722fe5-a391-4c9f-bd89-024d8a6f595e");
    let spans = of(&rows, "spans");
    assert_eq!(spans.len(), 5, "{rows:#?}");
    assert!(ids(&spans, "request_id").contains("63ea79ab-e338-4c12-a534-91a2dc43e2b0"));
    assert_eq!(rows[0]["service"], "some-app/Prod");
}

#[test]
fn correlation_ids_in_powertools_lines_and_in_other_keys() {
    let dir = tempfile::tempdir().unwrap();
    let ws = import(
        dir.path(),
        &[
            "powertools-python-correlation-id.json",
            "powertools-python-real-sam-app.jsonl",
        ],
        None,
    );
    let rows = investigate_json(&ws, "correlation_id_value");
    let logs = of(&rows, "logs");
    assert_eq!(logs.len(), 1, "{rows:#?}");
    assert_eq!(logs[0]["message"], "Collecting payment");
    assert_eq!(
        logs[0]["request_id"],
        "52fdfc07-2182-154f-163f-5f0f9a621d72"
    );
    // The real SAM app: correlation ID -> request ID and trace ID of the line.
    let rows = investigate_json(&ws, "61e04c88-2ffe-45f6-a4f4-a2d3b15c3066");
    assert!(!of(&rows, "logs").is_empty());
    assert!(
        rows.iter().all(
            |r| r["request_id"] == "229394ef-0dd2-4753-a668-5186d8c14ad1"
                || r["request_id"].is_null()
        ),
        "{rows:#?}"
    );

    // A key of your own (`orderRef`), nested in the other fields of a JSON line: found only
    // when configured (--correlation-key or SKYLENS_CORRELATION_KEYS).
    let line = r#"{"level":"INFO","message":"shipped","timestamp":"2025-05-05T04:01:36.154Z","service":"ship","function_request_id":"0a0b0c0d-1111-4222-8333-944445555666","detail":{"orderRef":"ORD-77"}}"#;
    let p = dir.path().join("ship.json");
    std::fs::write(&p, format!("{line}\n")).unwrap();
    skylens_ok(&[
        "import",
        p.to_str().unwrap(),
        "--workspace",
        &ws,
        "--log-group",
        "/aws/lambda/ship",
    ]);
    let (code, _, err) = skylens(&["investigate", "ORD-77", "--workspace", &ws]);
    assert_eq!(code, 1, "{err}");
    let out = skylens_ok(&[
        "investigate",
        "ORD-77",
        "--correlation-key",
        "orderRef",
        "--format",
        "json",
        "--workspace",
        &ws,
    ]);
    let rows: Vec<serde_json::Map<String, Value>> = serde_json::from_str(&out).unwrap();
    assert!(rows.iter().any(|r| r["message"] == "shipped"), "{rows:#?}");
    // ... and the line's request ID brings the rest of its invocation.
    assert!(
        rows.iter()
            .all(|r| r["request_id"] == "0a0b0c0d-1111-4222-8333-944445555666"),
        "{rows:#?}"
    );
    let o = std::process::Command::new(common::skylens_bin())
        .args([
            "investigate",
            "ORD-77",
            "--format",
            "csv",
            "--workspace",
            &ws,
        ])
        .env("SKYLENS_CORRELATION_KEYS", "order_ref,other")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("shipped"));
}

#[test]
fn lambda_logs_fixture_by_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let ws = import(
        dir.path(),
        &["lambda-cloudwatch-nodejs-cold-start-xray.log"],
        Some("/aws/lambda/my-function"),
    );
    let rid = skylens_ok(&[
        "query",
        "--sql",
        "SELECT request_id FROM invocations ORDER BY request_id LIMIT 1",
        "--format",
        "csv",
        "--workspace",
        &ws,
    ]);
    let rid = rid.lines().nth(1).unwrap().trim().to_string();
    let rows = investigate_json(&ws, &rid);
    let logs = of(&rows, "logs");
    assert!(
        logs.iter().any(|r| r["message"]
            .as_str()
            .unwrap()
            .starts_with("START RequestId")),
        "{rows:#?}"
    );
    assert!(
        logs.iter().any(|r| r["message"]
            .as_str()
            .unwrap()
            .starts_with("REPORT RequestId")),
        "{rows:#?}"
    );
    let invs = of(&rows, "invocations");
    assert_eq!(invs.len(), 1);
    assert_eq!(invs[0]["service"], "my-function");
    // Every line of the request is there.
    let n = count(
        &ws,
        &format!("SELECT COUNT(*) AS n FROM logs WHERE request_id = '{rid}'"),
    );
    assert!(
        n >= 3 && logs.len() >= n,
        "{n} lines with the request ID, {} in the timeline",
        logs.len()
    );
}

/// Timing of investigate on an existing workspace (`SKYLENS_BENCH_WS=DIR cargo test --test
/// investigate timing -- --ignored --nocapture`): opening, then each kind of ID.
#[test]
#[ignore]
fn timing() {
    let Ok(dir) = std::env::var("SKYLENS_BENCH_WS") else {
        eprintln!("set SKYLENS_BENCH_WS to a workspace directory");
        return;
    };
    if !std::path::Path::new(&dir).exists() {
        // A demo of SKYLENS_BENCH_REQUESTS requests over SKYLENS_BENCH_DAYS days.
        let env = |k: &str, d: u64| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        let opts = DemoOptions {
            requests: env("SKYLENS_BENCH_REQUESTS", 200_000),
            days: env("SKYLENS_BENCH_DAYS", 30) as u32,
            ..Default::default()
        };
        let t = std::time::Instant::now();
        let w = Workspace::open_or_create(&dir).unwrap();
        skylens::source::import_demo(&w, &opts, false).unwrap();
        eprintln!(
            "demo of {} requests over {} days imported in {:.1} s",
            opts.requests,
            opts.days,
            t.elapsed().as_secs_f64()
        );
    }
    let w = Workspace::open(&dir).unwrap();
    let t = std::time::Instant::now();
    let inv = Investigator::open(&w).unwrap();
    eprintln!("open: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let pick = |sql: &str| -> Vec<String> {
        let df = skylens::analysis::run_sql(&w, sql, skylens::analysis::Window::default()).unwrap();
        skylens::export::cells(&df)
            .into_iter()
            .map(|r| r[0].text())
            .collect()
    };
    let sets = [
        (
            "api request id",
            pick(
                "SELECT request_id FROM spans WHERE origin = 'AWS::ApiGateway::Stage' AND kind = 'segment' ORDER BY trace_id LIMIT 20",
            ),
        ),
        (
            "trace id",
            pick(
                "SELECT trace_id FROM spans WHERE origin = 'AWS::ApiGateway::Stage' AND kind = 'segment' ORDER BY request_id LIMIT 20",
            ),
        ),
        (
            "lambda request id",
            pick(
                "SELECT request_id FROM invocations WHERE function = 'payments' ORDER BY request_id LIMIT 20",
            ),
        ),
        (
            "correlation id",
            pick(
                "SELECT correlation_id FROM logs WHERE correlation_id IS NOT NULL ORDER BY event_id LIMIT 20",
            ),
        ),
        (
            "unknown id",
            (0..5)
                .map(|i| format!("00000000-0000-4000-8000-00000000000{i}"))
                .collect(),
        ),
    ];
    for (kind, ids) in sets {
        let mut ms = Vec::new();
        let mut rows = 0;
        for id in &ids {
            let t = std::time::Instant::now();
            match inv.investigate(id, &InvestigateOptions::default()) {
                Ok(r) => rows += r.timeline.height(),
                Err(e) => assert_eq!(e.code(), "not_found"),
            }
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
        eprintln!(
            "{kind}: {} ids, median {:.1} ms, max {:.1} ms, {:.1} rows per id",
            ms.len(),
            ms[ms.len() / 2],
            ms[ms.len() - 1],
            rows as f64 / ms.len() as f64
        );
    }
}
