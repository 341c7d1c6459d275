//! The service map (`service-map-nodes`, `service-map-edges`, `service-map-health`): golden
//! files on the demo, concrete nodes and edges on real X-Ray fixtures, and one edge's figures
//! against an independent plain-Rust computation from the raw spans.

mod common;

use std::collections::HashMap;

use common::{assert_golden, fixture, skylens_ok};
use serde_json::Value;
use skylens::analysis::{Params, Window, run_report};
use skylens::export::cells;
use skylens::model::{Frame, spans};
use skylens::workspace::Workspace;

const REPORTS: [&str; 3] = [
    "service-map-nodes",
    "service-map-edges",
    "service-map-health",
];

fn rows(ws: &str, report: &str) -> Vec<serde_json::Map<String, Value>> {
    let json = skylens_ok(&["report", report, "--format", "json", "--workspace", ws]);
    serde_json::from_str(&json).unwrap()
}

/// The row whose leading key columns equal `key`.
fn find<'a>(
    rows: &'a [serde_json::Map<String, Value>],
    key: &[(&str, &str)],
) -> &'a serde_json::Map<String, Value> {
    rows.iter()
        .find(|r| key.iter().all(|(k, v)| r[*k].as_str() == Some(*v)))
        .unwrap_or_else(|| panic!("no row {key:?} in {rows:#?}"))
}

fn num(r: &serde_json::Map<String, Value>, k: &str) -> f64 {
    r[k].as_f64()
        .unwrap_or_else(|| panic!("{k} is not a number in {r:?}"))
}

fn import(dir: &std::path::Path, files: &[&str]) -> String {
    let ws = dir.join("ws");
    let mut args = vec!["import".to_string()];
    for f in files {
        let p = dir.join(f);
        std::fs::write(&p, fixture(f)).unwrap();
        args.push(p.to_str().unwrap().to_string());
    }
    args.extend(["--workspace".to_string(), ws.to_str().unwrap().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    skylens_ok(&args);
    ws.to_str().unwrap().to_string()
}

#[test]
fn demo_service_map_matches_golden_files_and_the_demo_topology() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().to_str().unwrap();
    skylens_ok(&["demo", "--workspace", ws, "--quiet"]);
    for name in REPORTS {
        let csv = skylens_ok(&["report", name, "--format", "csv", "--workspace", ws]);
        assert_golden(&format!("demo-{name}.csv"), &csv);
        let json = rows(ws, name);
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        assert_eq!(json.len(), csv.lines().count() - 1, "{name}");
        let mut sorted = header.clone();
        sorted.sort();
        for r in &json {
            assert_eq!(
                r.keys().map(String::as_str).collect::<Vec<_>>(),
                sorted,
                "{name}: json keys"
            );
        }
    }

    // The topology of the demo, hop by hop.
    let edges = rows(ws, "service-map-edges");
    let pairs: Vec<(String, String)> = edges
        .iter()
        .map(|r| {
            (
                format!(
                    "{} ({})",
                    r["source"].as_str().unwrap(),
                    r["source_type"].as_str().unwrap()
                ),
                format!(
                    "{} ({})",
                    r["target"].as_str().unwrap(),
                    r["target_type"].as_str().unwrap()
                ),
            )
        })
        .collect();
    let want = [
        (
            "client (client)",
            "orders-api/prod (AWS::ApiGateway::Stage)",
        ),
        (
            "orders-api/prod (AWS::ApiGateway::Stage)",
            "orders (AWS::Lambda::Function)",
        ),
        (
            "orders (AWS::Lambda::Function)",
            "orders (AWS::DynamoDB::Table)",
        ),
        (
            "orders (AWS::Lambda::Function)",
            "payments (AWS::Lambda::Function)",
        ),
        (
            "payments (AWS::Lambda::Function)",
            "api.psp.example.com (remote)",
        ),
        (
            "payments (AWS::Lambda::Function)",
            "payments (AWS::DynamoDB::Table)",
        ),
        (
            "payments (AWS::Lambda::Function)",
            "order-events (AWS::SNS)",
        ),
        // The async hop: SNS delivers to notifications in the same trace.
        (
            "order-events (AWS::SNS)",
            "notifications (AWS::Lambda::Function)",
        ),
    ];
    assert_eq!(pairs.len(), want.len(), "{pairs:#?}");
    for (s, t) in want {
        assert!(
            pairs.contains(&(s.to_string(), t.to_string())),
            "missing edge {s} -> {t} in {pairs:#?}"
        );
    }
    // One hop per function: no edge from the Lambda service segment to the function segment,
    // and no separate AWS::Lambda node.
    let nodes = rows(ws, "service-map-nodes");
    assert!(
        nodes.iter().all(|n| n["type"] != "AWS::Lambda"),
        "{nodes:#?}"
    );
    assert!(
        edges
            .iter()
            .all(|e| e["source"] != e["target"] || e["source_type"] != e["target_type"])
    );

    // Every sampled API request enters through the client node; throttled ones are 429s that
    // never reach `orders`.
    let sampled: u64 = skylens_ok(&[
        "query",
        "--sql",
        "SELECT COUNT(*) AS n FROM spans WHERE origin = 'AWS::ApiGateway::Stage' AND kind = 'segment'",
        "--format",
        "csv",
        "--workspace",
        ws,
    ])
    .lines()
    .nth(1)
    .unwrap()
    .parse()
    .unwrap();
    let client = find(&nodes, &[("service", "client"), ("type", "client")]);
    assert_eq!(num(client, "requests") as u64, sampled);
    let api = find(&nodes, &[("service", "orders-api/prod")]);
    let to_orders = find(
        &edges,
        &[
            ("source", "orders-api/prod"),
            ("target", "orders"),
            ("target_type", "AWS::Lambda::Function"),
        ],
    );
    assert_eq!(
        num(api, "requests") as u64 - num(to_orders, "requests") as u64,
        num(api, "throttles") as u64
    );
    // A node's requests are the sum of its incoming edges.
    for n in &nodes {
        if n["type"] == "client" {
            continue;
        }
        let incoming: f64 = edges
            .iter()
            .filter(|e| e["target"] == n["service"] && e["target_type"] == n["type"])
            .map(|e| num(e, "requests"))
            .sum();
        assert_eq!(incoming, num(n, "requests"), "{n:?}");
    }
    // Health shares add up to one, and match the node's figures.
    for h in rows(ws, "service-map-health") {
        let total = num(&h, "ok_share")
            + num(&h, "error_share")
            + num(&h, "fault_share")
            + num(&h, "throttle_share");
        assert!((total - 1.0).abs() < 1e-5, "{h:?}");
        let n = find(
            &nodes,
            &[
                ("service", h["service"].as_str().unwrap()),
                ("type", h["type"].as_str().unwrap()),
            ],
        );
        assert_eq!(num(&h, "requests"), num(n, "requests"));
        let faults = (num(&h, "fault_share") * num(n, "requests")).round();
        assert_eq!(faults, num(n, "faults"), "{h:?}");
    }
}

/// Linear interpolation between closest ranks (NumPy's default).
fn percentile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

#[test]
fn edge_percentiles_agree_with_a_plain_rust_walk_of_the_spans() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_or_create(dir.path().join("ws")).unwrap();
    let opts = skylens::source::demo::DemoOptions {
        requests: 6_000,
        ..Default::default()
    };
    skylens::source::import_demo(&ws, &opts, false).unwrap();

    // Independently of the SQL: the edge orders -> payments is every AWS::Lambda segment named
    // `payments` whose parent span belongs to a segment document of `orders`; its latency is
    // that segment's duration.
    let df = ws.read(Frame::Spans).unwrap();
    let s = |c: &str| df.column(c).unwrap().str().unwrap().clone();
    let (trace, id, parent, seg, name, origin) = (
        s(spans::TRACE_ID),
        s(spans::ID),
        s(spans::PARENT_ID),
        s(spans::SEGMENT_ID),
        s(spans::NAME),
        s(spans::ORIGIN),
    );
    let dur = df
        .column(spans::DURATION_MS)
        .unwrap()
        .f64()
        .unwrap()
        .clone();
    let mut owner: HashMap<(&str, &str), &str> = HashMap::new(); // (trace, span id) -> segment id
    let mut seg_name: HashMap<(&str, &str), (&str, &str)> = HashMap::new(); // segment -> (name, origin)
    for i in 0..df.height() {
        let (t, sid) = (trace.get(i).unwrap(), id.get(i).unwrap());
        owner.insert((t, sid), seg.get(i).unwrap());
        if seg.get(i) == Some(sid) {
            seg_name.insert(
                (t, sid),
                (name.get(i).unwrap(), origin.get(i).unwrap_or("")),
            );
        }
    }
    let mut durations = Vec::new();
    for i in 0..df.height() {
        if name.get(i) != Some("payments") || origin.get(i) != Some("AWS::Lambda") {
            continue;
        }
        let t = trace.get(i).unwrap();
        let Some(p) = parent.get(i) else { continue };
        let caller = owner.get(&(t, p)).and_then(|o| seg_name.get(&(t, *o)));
        if matches!(caller, Some(("orders", o)) if o.starts_with("AWS::Lambda")) {
            durations.push(dur.get(i).unwrap());
        }
    }
    assert!(durations.len() > 100, "{}", durations.len());

    let edges = run_report(
        &ws,
        "service-map-edges",
        Window::default(),
        &Params::default(),
    )
    .unwrap();
    let row = cells(&edges)
        .into_iter()
        .find(|r| {
            r[0].text() == "orders"
                && r[2].text() == "payments"
                && r[3].text() == "AWS::Lambda::Function"
        })
        .expect("edge orders -> payments");
    let got = |i: usize| row[i].text().parse::<f64>().unwrap();
    assert_eq!(got(4) as usize, durations.len(), "requests");
    // The report rounds to 3 decimals; allow for a tie rounded the other way.
    let (p50, p99) = (
        percentile(durations.clone(), 0.50),
        percentile(durations, 0.99),
    );
    assert!(
        (got(8) - p50).abs() <= 0.000_501,
        "p50: report {} vs {p50}",
        got(8)
    );
    assert!(
        (got(9) - p99).abs() <= 0.000_501,
        "p99: report {} vs {p99}",
        got(9)
    );
}

#[test]
fn batch_get_traces_fixture_gives_the_documented_map() {
    let dir = tempfile::tempdir().unwrap();
    let ws = import(dir.path(), &["xray-batch-get-traces.json"]);
    let nodes = rows(&ws, "service-map-nodes");
    let names: Vec<(String, String)> = nodes
        .iter()
        .map(|n| {
            (
                n["service"].as_str().unwrap().to_string(),
                n["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let topic = "awseb-e-ruag3jyweb-stack-NotificationTopic-6B829NT9V5O9";
    let mut want = [
        ("Scorekeep", "AWS::ElasticBeanstalk::Environment"),
        ("client", "client"),
        ("random-name", "AWS::Lambda::Function"),
        ("scorekeep-user", "AWS::DynamoDB::Table"),
        (topic, "AWS::SNS"),
    ];
    want.sort();
    assert_eq!(
        names,
        want.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    for n in &nodes {
        assert_eq!(num(n, "requests"), 1.0, "{n:?}");
        assert_eq!(
            (num(n, "errors"), num(n, "faults"), num(n, "throttles")),
            (0.0, 0.0, 0.0),
            "{n:?}"
        );
    }

    let edges = rows(&ws, "service-map-edges");
    assert_eq!(edges.len(), 4, "{edges:#?}");
    // Durations from the documents' start/end times.
    let check = |s: &str, t: &str, ms: f64| {
        let e = find(&edges, &[("source", s), ("target", t)]);
        assert_eq!(num(e, "requests"), 1.0);
        assert!(
            (num(e, "p50_ms") - ms).abs() < 0.01 && (num(e, "p99_ms") - ms).abs() < 0.01,
            "{s} -> {t}: {e:?}"
        );
    };
    check("client", "Scorekeep", 3232.0); // 1499473411.562 .. 1499473414.794
    check("Scorekeep", "random-name", 2895.0); // AWS::Lambda segment 411.677 .. 414.572
    check("Scorekeep", "scorekeep-user", 79.0); // inferred DynamoDB 414.690 .. 414.769
    check("random-name", topic, 959.0); // inferred SNS 413.112 .. 414.071
    let e = find(&edges, &[("source", "random-name")]);
    assert_eq!(e["source_type"], "AWS::Lambda::Function");
    assert_eq!(e["target_type"], "AWS::SNS");
}

#[test]
fn segment_document_fixtures_give_api_gateway_lambda_and_eventbridge_edges() {
    let dir = tempfile::tempdir().unwrap();
    let ws = import(
        dir.path(),
        &[
            "xray-segment-documents-apigw-lambda-events.jsonl",
            "xray-trace-lambda-function-init-overhead-invocation.json",
        ],
    );
    let edges = rows(&ws, "service-map-edges");
    let pairs: Vec<String> = edges
        .iter()
        .map(|e| {
            format!(
                "{} -> {} ({})",
                e["source"].as_str().unwrap(),
                e["target"].as_str().unwrap(),
                e["target_type"].as_str().unwrap()
            )
        })
        .collect();
    let function = "sam-ts-app-z-NewOrderConsumerFunction-Qqv4wKsAxhOi";
    assert_eq!(
        pairs,
        vec![
            "client -> some-app/Prod (AWS::ApiGateway::Stage)".to_string(),
            // The inferred EventBridge segment (first file) answers the PutEvents subsegment of
            // the function segment (second file).
            format!("{function} -> Events (AWS::Events)"),
            // The invoke subsegment names the function; no segment in the file answers it.
            "some-app/Prod -> my-function (AWS::Lambda::Function)".to_string(),
        ]
    );
    let e = find(&edges, &[("source", "client")]);
    assert!((num(e, "p99_ms") - 488.0).abs() < 0.01, "{e:?}"); // 184.114 .. 184.602
    let e = find(&edges, &[("source", "some-app/Prod")]);
    assert!((num(e, "p50_ms") - 482.0).abs() < 0.01, "{e:?}"); // 184.120 .. 184.602
    let e = find(&edges, &[("source", function)]);
    assert!((num(e, "p50_ms") - 500.0).abs() < 0.01, "{e:?}"); // 788.194 .. 788.694

    let nodes = rows(&ws, "service-map-nodes");
    // `my-function` is reached by the API's invoke subsegment, and its AWS::Lambda segment
    // (whose parent, 28793e67ea7098e3, is not in the file) counts for the node on no edge.
    let f = find(&nodes, &[("service", "my-function")]);
    assert_eq!(f["type"], "AWS::Lambda::Function");
    assert_eq!(num(f, "requests"), 2.0);
    // The function segment's parent is not in the files either: a node without an edge in.
    let g = find(&nodes, &[("service", function)]);
    assert_eq!(num(g, "requests"), 1.0);
    let ev = find(&nodes, &[("service", "Events"), ("type", "AWS::Events")]);
    assert_eq!(num(ev, "requests"), 1.0);
    assert_eq!(nodes.len(), 5, "{nodes:#?}");
}

#[test]
fn faults_and_downstream_tables_from_a_raw_daemon_segment() {
    // The Go SDK capture: a segment without origin (`fault: true`) calling DynamoDB twice
    // (subsegments named `dynamodb`): DescribeTable on one table, a faulting PutItem on another.
    let dir = tempfile::tempdir().unwrap();
    let ws = import(dir.path(), &["xray-daemon-raw-segment-ddb-fault-cause.txt"]);
    let nodes = rows(&ws, "service-map-nodes");
    let got: Vec<(String, String, u64, u64)> = nodes
        .iter()
        .map(|n| {
            (
                n["service"].as_str().unwrap().to_string(),
                n["type"].as_str().unwrap().to_string(),
                num(n, "requests") as u64,
                num(n, "faults") as u64,
            )
        })
        .collect();
    let want = [
        ("DDB", "unknown", 1, 1),
        ("client", "client", 1, 1),
        ("does_not_exist", "AWS::DynamoDB::Table", 1, 1),
        ("xray_sample_table", "AWS::DynamoDB::Table", 1, 0),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(a, b, c, d)| (a.to_string(), b.to_string(), *c, *d))
            .collect::<Vec<_>>()
    );
    let edges = rows(&ws, "service-map-edges");
    assert_eq!(edges.len(), 3, "{edges:#?}");
    let e = find(
        &edges,
        &[("source", "DDB"), ("target", "xray_sample_table")],
    );
    assert!((num(e, "p50_ms") - 51.872).abs() < 0.01, "{e:?}");
    let health = rows(&ws, "service-map-health");
    assert_eq!(
        num(find(&health, &[("service", "client")]), "fault_share"),
        1.0
    );
    assert_eq!(
        num(
            find(&health, &[("service", "xray_sample_table")]),
            "ok_share"
        ),
        1.0
    );
}
