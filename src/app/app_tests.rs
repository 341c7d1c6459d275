//! Tests of the application API on a small demo workspace.

use super::*;

fn demo_app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path().join("ws")).unwrap();
    app.demo(&DemoRequest {
        seed: 7,
        requests: 300,
    })
    .unwrap();
    (dir, app)
}

#[test]
fn errors_cross_the_wire_as_code_and_message() {
    let (_d, app) = demo_app();
    let err = app
        .call("report", serde_json::json!({"name": "nope"}))
        .unwrap_err();
    let wire = serde_json::to_value(&err).unwrap();
    assert_eq!(wire["code"], "unknown_name");
    assert!(
        wire["message"]
            .as_str()
            .unwrap()
            .contains("unknown report `nope`")
    );
    assert_eq!(
        wire.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["code", "message"]
    );
    let err = app.call("investigate", serde_json::json!({"id": "no-such-id"}));
    assert_eq!(err.unwrap_err().code, "not_found");
    let err = app.call("report", serde_json::json!({"nme": 1}));
    assert_eq!(err.unwrap_err().code, "invalid_input");
    let err = app.call("rm_rf", serde_json::Value::Null);
    assert_eq!(err.unwrap_err().code, "unknown_name");
}

#[test]
fn report_table_holds_the_cli_values() {
    let (_d, app) = demo_app();
    let t = app
        .report(&ReportRequest {
            name: "latency".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        t.columns,
        analysis::report("latency").unwrap().columns.to_vec()
    );
    assert_eq!(t.kinds[0], ColumnKind::Text);
    assert_eq!(t.kinds[1], ColumnKind::Number);
    // Same numbers as the JSON the CLI prints for the same report.
    let df = analysis::run_report(
        &Workspace::open(app.dir()).unwrap(),
        "latency",
        Window::default(),
        &Params::default(),
    )
    .unwrap();
    let mut buf = Vec::new();
    export::write(&df, OutputFormat::Json, &mut buf).unwrap();
    let cli: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(&buf).unwrap();
    assert_eq!(cli.len(), t.rows.len());
    for (row, obj) in t.rows.iter().zip(&cli) {
        for (c, v) in t.columns.iter().zip(row) {
            assert_eq!(&obj[c], v, "column {c}");
        }
    }
}

#[test]
fn overview_joins_reports_and_sums_them() {
    let (_d, app) = demo_app();
    let o = app.overview(&TimeRange::default()).unwrap();
    let info = app.workspace_info().unwrap();
    let inv_rows = info
        .frames
        .iter()
        .find(|f| f.frame == "invocations")
        .unwrap()
        .rows;
    assert_eq!(o.invocations, f64::from(inv_rows));
    assert_eq!(o.functions.rows.len(), o.sparklines.len());
    assert!(!o.buckets.is_empty());
    for s in &o.sparklines {
        assert_eq!(s.invocations.len(), o.buckets.len());
    }
    let spark_total: f64 = o.sparklines.iter().flat_map(|s| &s.invocations).sum();
    assert_eq!(spark_total, o.invocations);
    assert!(o.est_lambda_usd > 0.0);
    assert!(info.first.is_some() && info.last.is_some());
    assert!(!info.functions.is_empty());
}

#[test]
fn service_map_view_matches_the_reports_and_node_detail_works() {
    let (_d, app) = demo_app();
    let view = app.service_map(&TimeRange::default()).unwrap();
    assert!(view.nodes.iter().any(|n| n.node_type == "client"));
    let edges = app
        .report(&ReportRequest {
            name: "service-map-edges".into(),
            ..Default::default()
        })
        .unwrap();
    let total: f64 = edges.rows.iter().map(|r| r[4].as_f64().unwrap()).sum();
    let view_total: f64 = view.edges.iter().map(|e| e.requests).sum();
    assert_eq!(total, view_total);
    // Every node in a distinct slot.
    let mut slots: Vec<(u32, u32)> = view.nodes.iter().map(|n| (n.layer, n.row)).collect();
    slots.sort_unstable();
    slots.dedup();
    assert_eq!(slots.len(), view.nodes.len());
    // The busiest non-client node has a histogram adding up to its requests.
    let node = view
        .nodes
        .iter()
        .filter(|n| n.node_type != "client")
        .max_by(|a, b| a.requests.total_cmp(&b.requests))
        .unwrap();
    let d = app
        .node_detail(&NodeRequest {
            service: node.service.clone(),
            node_type: node.node_type.clone(),
            range: TimeRange::default(),
        })
        .unwrap();
    let counted: f64 = d
        .histogram
        .rows
        .iter()
        .map(|r| r[2].as_f64().unwrap())
        .sum();
    assert_eq!(counted, node.requests);
    assert!(!d.slowest.rows.is_empty() && d.slowest.rows.len() <= 20);
    let h = node.health;
    assert!((h.ok + h.error + h.fault + h.throttle - 1.0).abs() < 1e-9);
}

#[test]
fn investigation_has_a_waterfall_in_time_order() {
    let (_d, app) = demo_app();
    // The slowest traced invocation (the slowest ones are batch jobs X-Ray doesn't trace).
    let df = analysis::run_sql(
        &Workspace::open(app.dir()).unwrap(),
        "SELECT request_id FROM invocations WHERE trace_id IS NOT NULL \
         ORDER BY duration_ms DESC LIMIT 1",
        Window::default(),
    )
    .unwrap();
    let t = table("q", &df);
    let row = &t.rows[0];
    let rid = row[0].as_str().unwrap().to_string();
    let inv = app
        .investigate(&InvestigateRequest {
            id: rid.clone(),
            correlation_keys: vec![],
        })
        .unwrap();
    assert!(inv.request_ids.contains(&rid));
    assert!(inv.waterfall.iter().any(|r| r.kind == "segment"));
    assert!(inv.waterfall.iter().any(|r| r.kind == "log"));
    assert!(inv.waterfall.iter().any(|r| r.depth > 0));
    let offsets: Vec<f64> = inv.waterfall.iter().map(|r| r.offset_ms).collect();
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
    assert_eq!(offsets[0], 0.0);
    assert!(inv.total_ms > 0.0);
    // Every timeline row that is not a span is in the waterfall, and every span of the traces.
    let non_span = inv.timeline.rows.iter().filter(|r| r[1] != "spans").count();
    let spans = inv.timeline.rows.len() - non_span;
    assert_eq!(inv.waterfall.len(), non_span + spans);
}

#[test]
fn exports_and_charts() {
    let (_d, app) = demo_app();
    let f = app
        .export_report(&ExportRequest {
            report: ReportRequest {
                name: "cold-starts".into(),
                ..Default::default()
            },
            format: ExportKind::Csv,
        })
        .unwrap();
    let csv = base64::engine::general_purpose::STANDARD
        .decode(&f.base64)
        .unwrap();
    assert!(csv.starts_with(b"function,invocations,cold_starts"));
    // A composed table goes through the same spreadsheet-safe writer.
    let t = Table {
        name: "timeline".into(),
        columns: vec!["message".into(), "n".into(), "ok".into()],
        kinds: vec![ColumnKind::Text, ColumnKind::Number, ColumnKind::Bool],
        rows: vec![vec![
            "=cmd()".into(),
            serde_json::json!(1.5),
            serde_json::Value::Null,
        ]],
    };
    let f2 = app.export_table(&t).unwrap();
    let text = base64::engine::general_purpose::STANDARD
        .decode(&f2.base64)
        .unwrap();
    assert_eq!(
        String::from_utf8(text).unwrap(),
        "message,n,ok\n'=cmd(),1.5,\n"
    );
    assert_eq!(f2.filename, "timeline.csv");
    assert_eq!(f.filename, "cold-starts.csv");
    let svg = app
        .chart(&ChartRequest {
            name: "latency".into(),
            format: ImageKind::Svg,
            options: ReportRequest::default(),
        })
        .unwrap();
    assert!(svg.data.starts_with("<svg"));
    assert!(svg.rows > 0);
    let png = app
        .chart(&ChartRequest {
            name: "spend".into(),
            format: ImageKind::Png,
            options: ReportRequest::default(),
        })
        .unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&png.data)
        .unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn uploads_are_imported_under_their_base_name_only() {
    let (_d, app) = demo_app();
    let line = "START RequestId: 6f3c1f0e-8c7e-4d1b-9a55-2f7a9b1c0d11 Version: $LATEST\n";
    let r = app
        .import_bytes("../../etc/evil.log", line.as_bytes())
        .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].name, "evil.log");
    assert!(!app.dir().join("raw").read_dir().unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("upload-")
    }));
}

#[test]
fn aws_profiles_never_carry_secrets() {
    let config = "[default]\nregion = eu-west-1\n[profile dev]\nsso_session = corp\nsso_account_id = 1\nregion=us-east-2\n[sso-session corp]\nsso_region = us-east-1\n[profile ops]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n";
    let creds = "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = SECRETSECRET\n[ci]\naws_access_key_id=AKIA2\n";
    let p = profiles::parse(Some(config), Some(creds));
    let names: Vec<&str> = p.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["ci", "default", "dev", "ops"]);
    let get = |n: &str| p.iter().find(|p| p.name == n).unwrap();
    assert_eq!(get("default").region.as_deref(), Some("eu-west-1"));
    assert_eq!(get("default").kind, "keys");
    assert_eq!(get("dev").kind, "sso");
    assert_eq!(get("dev").region.as_deref(), Some("us-east-2"));
    assert_eq!(get("ops").kind, "assume_role");
    let json = serde_json::to_string(&p).unwrap();
    assert!(!json.contains("SECRET") && !json.contains("AKIA"), "{json}");
}

#[test]
fn startup_opens_the_demo_then_the_last_workspace() {
    let d = tempfile::tempdir().unwrap();
    let state = d.path().join("state");
    let data = d.path().join("data");
    // A small demo stands in for the default one (generated only when the folder is empty).
    App::open(data.join("demo"))
        .unwrap()
        .demo(&DemoRequest {
            seed: 1,
            requests: 50,
        })
        .unwrap();
    let app = startup_workspace(&state, &data).unwrap();
    assert_eq!(app.dir(), data.join("demo"));
    let other = d.path().join("other");
    App::open(&other).unwrap();
    remember_workspace(&state, &other).unwrap();
    let app = startup_workspace(&state, &data).unwrap();
    assert_eq!(
        std::fs::canonicalize(app.dir()).unwrap(),
        std::fs::canonicalize(&other).unwrap()
    );
}

#[test]
fn dashboard_cache_is_reused_and_never_stale() {
    let (d, app) = demo_app();
    let all = TimeRange::default();
    let first = app.overview(&all).unwrap();
    let entries = |screen: &str| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(app.dir().join("cache"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{screen}-")))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let saved = entries("overview");
    assert_eq!(saved.len(), 1, "one entry for the all-data overview");

    // A second call reads the entry: prove it by planting a marker in the saved JSON.
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&saved[0]).unwrap()).unwrap();
    v["invocations"] = serde_json::json!(-1.0);
    std::fs::write(&saved[0], serde_json::to_vec(&v).unwrap()).unwrap();
    assert_eq!(app.overview(&all).unwrap().invocations, -1.0);

    // A corrupt entry is recomputed, not an error.
    std::fs::write(&saved[0], b"{not json").unwrap();
    assert_eq!(app.overview(&all).unwrap(), first);

    // New data changes the workspace stamp: the old entry is never served again.
    let before = first.invocations;
    app.demo(&DemoRequest {
        seed: 8,
        requests: 200,
    })
    .unwrap();
    let after = app.overview(&all).unwrap();
    assert!(
        after.invocations > before,
        "{} > {before}",
        after.invocations
    );
    assert_eq!(entries("overview").len(), 2);

    // The CLI's warm-up fills the summary, overview and service-map entries.
    std::fs::remove_dir_all(app.dir().join("cache")).unwrap();
    warm_dashboard(app.dir()).unwrap();
    for screen in ["workspace-info", "overview", "service-map"] {
        assert_eq!(entries(screen).len(), 1, "{screen}");
    }
    drop(d);
}
