//! `skylens pull` against moto_server: the demo workload is seeded through the real AWS APIs
//! (PutLogEvents, PutTraceSegments, moto's Cost Explorer results queue), pulled back through a
//! fault-injecting proxy of our own (`tests/moto/proxy.rs`), and compared with an import of the
//! same data from files.
//!
//! moto facts the tests rely on or work around (moto 5.2): it accepts log events of the last
//! 14 days only (the demo ends yesterday); GetTraceSummaries lists a trace only when the whole
//! trace lies strictly inside the time range (so the X-Ray slice is the whole window here); it
//! sends `"Users": {}` (the proxy repairs it); GetTags answers 500 and Logs Insights ignores
//! `stats` (the proxy serves recorded responses); nothing injects faults (the proxy does).

mod common;
mod moto;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use moto::proxy::{Fault, Plan, Proxy};
use moto::{Moto, demo_costs, demo_events, demo_files, import_items, pull_options};
use polars::prelude::*;
use skylens::model::Frame;
use skylens::source::demo::DemoFiles;
use skylens::source::files;
use skylens::source::pull::{self, InsightsMode, PullOptions, PullSummary, Services};
use skylens::workspace::Workspace;
use skylens::workspace::manifest::Origin;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Seed logs and traces of the demo into moto (directly, not through the proxy).
fn seed(m: &Moto, files: &DemoFiles) -> (u64, u64) {
    rt().block_on(async {
        let cfg = moto::sdk_config(&m.url).await;
        (
            moto::seed_logs(&cfg, files).await,
            moto::seed_traces(&cfg, files).await,
        )
    })
}

/// A workspace holding the demo files imported the way `skylens import` does, with the
/// region and account the pull knows.
fn imported(dir: &Path, files: &DemoFiles) -> Workspace {
    imported_without(dir, files, &[])
}

/// The same, leaving out files of some kinds (`skylens::source::demo::KIND_TRACES`, …).
fn imported_without(dir: &Path, files: &DemoFiles, skip: &[&str]) -> Workspace {
    let mut files = files.clone();
    files.files.retain(|f| !skip.contains(&f.kind));
    let files = &files;
    let ws = Workspace::open_or_create(dir).unwrap();
    let reports = files::import_paths(&ws, import_items(files), |p, _| Origin::File {
        path: p.display().to_string(),
        sha256: String::new(),
        bytes: 0,
    })
    .unwrap();
    assert!(reports.iter().all(|r| r.error.is_none()));
    ws
}

/// A frame, sorted by every column, without `drop` columns.
fn frame(ws: &Workspace, f: Frame, drop: &[&str]) -> DataFrame {
    let df = ws.read(f).unwrap();
    let df = df.drop_many(drop.iter().copied());
    let by: Vec<Expr> = df
        .get_column_names()
        .iter()
        .map(|c| col(c.as_str()))
        .collect();
    df.lazy()
        .sort_by_exprs(by, SortMultipleOptions::default().with_nulls_last(true))
        .collect()
        .unwrap()
}

/// The four frames of two workspaces are equal, except the CloudWatch event IDs (moto assigns
/// its own).
fn assert_same_frames(pulled: &Workspace, imported: &Workspace, frames: &[Frame]) {
    for &f in frames {
        let drop: &[&str] = if f == Frame::Logs { &["event_id"] } else { &[] };
        let (a, b) = (frame(pulled, f, drop), frame(imported, f, drop));
        assert_eq!(
            a.height(),
            b.height(),
            "frame {} row counts differ: pulled {} vs imported {}",
            f.name(),
            a.height(),
            b.height()
        );
        if !a.equals_missing(&b) {
            let rows = |df: &DataFrame| -> Vec<String> {
                (0..df.height())
                    .map(|i| format!("{:?}", df.get_row(i).unwrap().0))
                    .collect()
            };
            let (ra, rb) = (rows(&a), rows(&b));
            let only_a: Vec<&String> = ra.iter().filter(|r| !rb.contains(r)).take(4).collect();
            let only_b: Vec<&String> = rb.iter().filter(|r| !ra.contains(r)).take(4).collect();
            panic!(
                "frame {} differs; columns {:?}\nonly pulled: {only_a:#?}\nonly imported: {only_b:#?}",
                f.name(),
                a.get_column_names()
            );
        }
    }
}

fn report(ws: &Workspace, name: &str) -> String {
    common::skylens_ok(&[
        "report",
        name,
        "--format",
        "csv",
        "--workspace",
        &ws.dir().display().to_string(),
    ])
}

fn ceil_div(a: u64, b: u64) -> u64 {
    a.div_ceil(b)
}

/// The FilterLogEvents calls pagination needs: one per page of `limit` events, at least one per group.
fn min_filter_calls(files: &DemoFiles, limit: u64) -> u64 {
    demo_events(files)
        .values()
        .map(|s| ceil_div(s.values().map(|v| v.len() as u64).sum(), limit).max(1))
        .sum()
}

fn assert_no_problems(s: &PullSummary) {
    assert!(s.problems.is_empty(), "problems: {:#?}", s.problems);
}

/// A Cost Explorer response restricted to some days, made final, with amounts scaled.
fn finalized(resp: &serde_json::Value, days: &[String], scale: f64) -> serde_json::Value {
    let mut r = resp.clone();
    let results: Vec<serde_json::Value> = r["ResultsByTime"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| days.iter().any(|d| x["TimePeriod"]["Start"] == d.as_str()))
        .map(|x| {
            let mut x = x.clone();
            x["Estimated"] = false.into();
            for g in x["Groups"].as_array_mut().unwrap() {
                for (_, m) in g["Metrics"].as_object_mut().unwrap() {
                    let a: f64 = m["Amount"].as_str().unwrap().parse().unwrap();
                    m["Amount"] = format!("{:.10}", a * scale).into();
                }
            }
            x
        })
        .collect();
    r["ResultsByTime"] = results.into();
    r
}

/// Split a Cost Explorer response into two pages (NextPageToken) after its first day.
fn two_pages(resp: &serde_json::Value) -> (serde_json::Value, serde_json::Value) {
    let all = resp["ResultsByTime"].as_array().unwrap();
    let (mut a, mut b) = (resp.clone(), resp.clone());
    a["ResultsByTime"] = all[..1].to_vec().into();
    a["NextPageToken"] = "page-2".into();
    b["ResultsByTime"] = all[1..].to_vec().into();
    (a, b)
}

#[test]
fn pull_equals_import_then_second_pull_is_nearly_free() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, from, to) = demo_files(&tmp.path().join("raw"), 400, 3);
    let m = Moto::start();
    let p = Proxy::start(m.port);
    let (events, docs) = seed(&m, &files);
    assert_eq!(events, files.stats.log_events);
    assert!(docs > 0 && files.stats.traces > 0);

    // Costs: the pull asks by team, by env, then by SERVICE (two pages); the second pull
    // refreshes the two estimated days, which are final by then.
    let costs = demo_costs(&files);
    let days: Vec<String> = costs["service"]["ResultsByTime"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["TimePeriod"]["Start"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(days.len(), 3);
    let estimated: Vec<String> = days[1..].to_vec();
    let (s1, s2) = two_pages(&costs["service"]);
    m.seed_costs(&[
        costs["team"].clone(),
        costs["env"].clone(),
        s1,
        s2,
        finalized(&costs["team"], &estimated, 1.25),
        finalized(&costs["env"], &estimated, 1.25),
        finalized(&costs["service"], &estimated, 1.25),
    ]);

    let ws = Workspace::open_or_create(tmp.path().join("pulled")).unwrap();
    let limit = 250;
    let opts = || {
        let mut o = pull_options(&p.url, from, to);
        o.page_limit = Some(limit);
        o.store_every = 1000;
        o.cost_tags = Some(vec!["team".into(), "env".into()]);
        o.xray_slice_ms = to - from;
        o
    };
    let s = pull::pull(&ws, opts(), pull::progress::silent()).unwrap();
    assert_no_problems(&s);
    assert_eq!(s.account.as_deref(), Some(moto::ACCOUNT));
    assert_eq!(s.events, files.stats.log_events);
    assert_eq!(s.traces, files.stats.traces);
    let groups = demo_events(&files).len() as u64;
    assert_eq!(s.groups.len() as u64, groups);
    // Pagination: exactly the calls the page size allows.
    assert_eq!(
        s.calls_of("logs:FilterLogEvents"),
        min_filter_calls(&files, limit as u64),
        "{:?}",
        s.calls
    );
    assert_eq!(s.calls_of("logs:DescribeLogGroups"), 1);
    assert_eq!(s.calls_of("xray:GetTraceSummaries"), 1);
    assert_eq!(
        s.calls_of("xray:BatchGetTraces"),
        ceil_div(files.stats.traces, 5)
    );
    assert_eq!(
        s.calls_of("ce:GetCostAndUsage"),
        4,
        "team, env and two pages by SERVICE"
    );
    assert_eq!(s.ce_calls, 4);
    assert!((s.ce_cost_usd - 0.04).abs() < 1e-9);
    assert_eq!(s.calls_of("ce:GetTags"), 0, "tag keys were given");
    assert_eq!(
        p.count("FilterLogEvents") as u64,
        s.calls_of("logs:FilterLogEvents")
    );

    // The same frames and reports as importing the same data from files.
    let imp = imported(&tmp.path().join("imported"), &files);
    assert_same_frames(&ws, &imp, &Frame::ALL);
    for r in ["latency", "cold-starts"] {
        assert_eq!(report(&ws, r), report(&imp, r), "report {r}");
    }
    // The manifest records every window fetched.
    let manifest = ws.manifest().unwrap();
    let api = |svc: &str| {
        manifest
            .entries
            .iter()
            .filter(|e| matches!(&e.origin, Origin::Api { service, .. } if service == svc))
            .count()
    };
    assert!(api("logs") as u64 >= groups, "{}", api("logs"));
    assert_eq!(api("xray"), 1);
    assert_eq!(api("ce"), 3);
    let sync: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.dir().join("sync.json")).unwrap()).unwrap();
    assert_eq!(sync["logs"].as_object().unwrap().len() as u64, groups);

    // Second pull of the same window: at most one call per log group, Cost Explorer only for
    // the days that were estimated.
    let before = frame(&ws, Frame::Logs, &[]).height();
    let s2 = pull::pull(&ws, opts(), pull::progress::silent()).unwrap();
    assert_no_problems(&s2);
    assert!(
        s2.calls_of("logs:FilterLogEvents") <= groups,
        "{:?}",
        s2.calls
    );
    assert!(s2.calls_of("xray:GetTraceSummaries") <= 1);
    assert_eq!(
        s2.calls_of("ce:GetCostAndUsage"),
        3,
        "only the estimated days, once per grouping: {:?}",
        s2.calls
    );
    assert_eq!(
        frame(&ws, Frame::Logs, &[]).height(),
        before,
        "nothing added twice"
    );
    assert_same_frames(&ws, &imp, &[Frame::Logs, Frame::Spans, Frame::Invocations]);
    // The estimates were replaced by the final figures; the closed day kept its figure.
    let c = ws.read(Frame::Costs).unwrap();
    let imp_c = imp.read(Frame::Costs).unwrap();
    assert_eq!(c.height(), imp_c.height());
    let est = c.column("estimated").unwrap().bool().unwrap();
    assert_eq!(est.sum().unwrap_or(0), 0, "every figure is final now");
    let total = |df: &DataFrame| df.column("amount").unwrap().f64().unwrap().sum().unwrap();
    assert!(
        total(&c) > total(&imp_c) * 1.05,
        "refreshed figures are stored"
    );

    // Third pull: every day closed, every window fetched: no Cost Explorer call at all.
    let s3 = pull::pull(&ws, opts(), pull::progress::silent()).unwrap();
    assert_no_problems(&s3);
    assert_eq!(s3.ce_calls, 0, "{:?}", s3.calls);
    assert!(s3.calls_of("logs:FilterLogEvents") <= groups);
}

#[test]
fn throttling_and_server_errors_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, from, to) = demo_files(&tmp.path().join("raw"), 250, 2);
    let m = Moto::start();
    let p = Proxy::start(m.port);
    seed(&m, &files);
    let costs = demo_costs(&files);
    m.seed_costs(&[
        costs["team"].clone(),
        costs["env"].clone(),
        costs["service"].clone(),
    ]);
    // Every third request fails: 429 and 400 throttling, 500, 503, a dropped connection; and
    // every fourth BatchGetTraces answers with its traces unprocessed.
    p.set_plan(Plan {
        every: 3,
        faults: vec![
            Fault::Throttle429,
            Fault::Server500,
            Fault::Throttle400,
            Fault::Unavailable503,
            Fault::Drop,
        ],
        unprocessed_every: 4,
        ..Default::default()
    });
    let ws = Workspace::open_or_create(tmp.path().join("pulled")).unwrap();
    let mut o = pull_options(&p.url, from, to);
    o.page_limit = Some(200);
    o.store_every = 500;
    o.cost_tags = Some(vec!["team".into(), "env".into()]);
    o.xray_slice_ms = to - from;
    let s = pull::pull(&ws, o, pull::progress::silent()).unwrap();
    assert_no_problems(&s);
    assert!(p.injected() >= 5, "faults were injected: {}", p.injected());
    let calls: u64 = s.calls.values().sum();
    let attempts: u64 = s.attempts.values().sum();
    let faults = p
        .log()
        .iter()
        .filter(|x| x.injected && x.status != 200)
        .count() as u64;
    assert_eq!(
        attempts,
        calls + faults,
        "each injected fault cost one retry: {:?} {:?}",
        s.calls,
        s.attempts
    );
    let unprocessed = p
        .log()
        .iter()
        .filter(|x| x.op == "BatchGetTraces" && x.injected && x.status == 200)
        .count() as u64;
    assert!(unprocessed > 0, "some traces came back unprocessed");
    assert!(
        s.calls_of("xray:BatchGetTraces") >= files.stats.traces.div_ceil(5) + unprocessed,
        "unprocessed IDs were asked again"
    );
    assert_eq!(s.events, files.stats.log_events);
    let imp = imported(&tmp.path().join("imported"), &files);
    assert_same_frames(&ws, &imp, &Frame::ALL);
}

#[test]
fn interrupted_pull_resumes_without_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, from, to) = demo_files(&tmp.path().join("raw"), 300, 2);
    let m = Moto::start();
    let p = Proxy::start(m.port);
    seed(&m, &files);
    let costs = demo_costs(&files);
    m.seed_costs(&[
        costs["team"].clone(),
        costs["env"].clone(),
        costs["service"].clone(),
    ]);
    let dir = tmp.path().join("pulled");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let fmt = |ms: i64| skylens::source::pull::iso_ms(ms);
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = [
            "pull",
            "--from",
            &fmt(from),
            "--to",
            &fmt(to),
            "--cost-tags",
            "team,env",
            "--max-tps",
            "0",
            "--initial-backoff-ms",
            "5",
            "--page-limit",
            "100",
            "--store-every",
            "200",
            "--concurrency",
            "1",
            "--skip",
            "traces",
            "--log-group",
            skylens::source::demo::ACCESS_LOG_GROUP,
            "--workspace",
            &dir.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    // The 8th FilterLogEvents request hangs; the pull is killed there, mid log group.
    p.set_plan(Plan {
        hang_after: Some(("FilterLogEvents".into(), 7)),
        ..Default::default()
    });
    let mut child = Command::new(common::skylens_bin())
        .args(args(&[]))
        .envs(moto::cli_env(&p.url, &home))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while p.count("FilterLogEvents") < 8 {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the pull did not get far enough"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the pull ended before it was interrupted"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let interrupted_calls = p.count("FilterLogEvents");
    let ws = Workspace::open(&dir).unwrap();
    let stored = ws.read(Frame::Logs).unwrap().height();
    assert!(stored > 0, "what was fetched before the kill is stored");
    assert!(
        (stored as u64) < files.stats.log_events,
        "the pull was interrupted"
    );

    // Resume: no duplicates, nothing lost, and the stored part is not fetched again.
    p.set_plan(Plan::default());
    p.clear_log();
    let out = Command::new(common::skylens_bin())
        .args(args(&["--json"]))
        .envs(moto::cli_env(&p.url, &home))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let resumed_calls = s["calls"]["logs:FilterLogEvents"].as_u64().unwrap();
    let full = min_filter_calls(&files, 100);
    assert!(
        resumed_calls < full,
        "resumed ({resumed_calls} calls), not restarted ({full})"
    );
    assert!(
        resumed_calls + (interrupted_calls as u64) <= full + 2 * demo_events(&files).len() as u64
    );
    // (X-Ray is skipped here: compare with the logs and costs files only.)
    let imp = imported_without(
        &tmp.path().join("imported"),
        &files,
        &[skylens::source::demo::KIND_TRACES],
    );
    assert_same_frames(&ws, &imp, &[Frame::Logs, Frame::Invocations, Frame::Costs]);

    // A pull cancelled from its progress callback stores what it fetched and resumes too.
    let ws2 = Workspace::open_or_create(tmp.path().join("cancelled")).unwrap();
    let cancel = Arc::new(AtomicBool::new(false));
    let mut o = pull_options(&p.url, from, to);
    o.page_limit = Some(100);
    o.store_every = 1;
    o.concurrency = 1;
    o.services = Services {
        logs: true,
        traces: false,
        costs: false,
    };
    o.cancel = Some(cancel.clone());
    let c2 = cancel.clone();
    let progress: pull::ProgressFn = Arc::new(move |e| {
        if matches!(e, pull::ProgressEvent::Items { .. }) {
            c2.store(true, Ordering::Relaxed);
        }
    });
    let s = pull::pull(&ws2, o.clone(), progress).unwrap();
    assert!(s.cancelled);
    assert!(s.events > 0 && s.events < files.stats.log_events);
    o.cancel = None;
    let s = pull::pull(&ws2, o, pull::progress::silent()).unwrap();
    assert_no_problems(&s);
    assert_same_frames(&ws2, &imp, &[Frame::Logs, Frame::Invocations]);
}

#[test]
fn logs_insights_push_down_with_recorded_responses() {
    let m = Moto::start();
    let p = Proxy::start(m.port);
    // 55 function log groups: two queries' worth (at most 50 groups per query).
    let groups: Vec<String> = (0..55).map(|i| format!("/aws/lambda/fn-{i:02}")).collect();
    rt().block_on(async {
        let cfg = moto::sdk_config(&m.url).await;
        moto::create_groups(&cfg, &groups).await;
    });
    let day = 86_400_000i64;
    let to = chrono::Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let from = to - 10 * day;
    // Recorded results: three hours per function.
    let mut rows = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        for h in 0..3i64 {
            let t = from + (24 * i as i64 % 200 + h) * 3_600_000;
            rows.push((
                g.clone(),
                t,
                vec![
                    ("invocations".to_string(), format!("{}", 100 + i)),
                    ("cold_starts".to_string(), "2".to_string()),
                    ("p99_ms".to_string(), format!("{}.5", 800 + h)),
                ],
            ));
        }
    }
    p.set_plan(Plan {
        insights_rows: rows.clone(),
        ..Default::default()
    });
    let tmp = tempfile::tempdir().unwrap();
    let ws = Workspace::open_or_create(tmp.path()).unwrap();
    let mut o: PullOptions = pull_options(&p.url, from, to);
    o.log_groups = vec![];
    o.services = Services {
        logs: true,
        traces: false,
        costs: false,
    };
    o.insights = InsightsMode::Auto;
    o.insights_threshold_ms = 7 * day;
    let s = pull::pull(&ws, o.clone(), pull::progress::silent()).unwrap();
    assert_no_problems(&s);
    assert!(s.insights, "a 10-day window is aggregated server-side");
    assert_eq!(s.calls_of("logs:FilterLogEvents"), 0, "no raw events");
    assert_eq!(
        s.calls_of("logs:DescribeLogGroups"),
        2,
        "55 groups, 50 per page"
    );
    let queries = p.queries();
    // Per query file: 50 groups over 240 h in slices of 200 h (10,000 rows), and 5 groups at once.
    assert_eq!(
        queries.len(),
        2 * 3,
        "{:?}",
        queries
            .iter()
            .map(|q| (q.1.len(), q.2, q.3))
            .collect::<Vec<_>>()
    );
    for (text, gs, start, end, _) in &queries {
        assert!(gs.len() <= 50);
        assert!(
            !text.contains('#') && text.contains("stats") && text.contains("bin(1h)"),
            "{text}"
        );
        let hours = ((end - start) as usize).div_ceil(3600);
        assert!(
            hours * gs.len() <= 10_000,
            "{hours} h × {} groups",
            gs.len()
        );
    }
    let served: usize = queries.iter().map(|q| q.4).sum();
    assert_eq!(
        served,
        2 * rows.len(),
        "every recorded row was asked for once per query file"
    );
    assert_eq!(s.aggregate_rows as usize, 2 * rows.len() * 3);
    let agg = skylens::source::cloudwatch::insights::read(&ws).unwrap();
    assert_eq!(agg.height(), 2 * rows.len() * 3);
    let inv = agg
        .lazy()
        .filter(
            col("query")
                .eq(lit("lambda-report"))
                .and(col("metric").eq(lit("invocations")))
                .and(col("function").eq(lit("fn-07"))),
        )
        .collect()
        .unwrap();
    assert_eq!(inv.height(), 3);
    assert_eq!(
        inv.column("value").unwrap().f64().unwrap().get(0),
        Some(107.0)
    );
    // Again: the window is aggregated already.
    let s2 = pull::pull(&ws, o, pull::progress::silent()).unwrap();
    assert_eq!(s2.calls_of("logs:StartQuery"), 0, "{:?}", s2.calls);
    assert_eq!(
        skylens::source::cloudwatch::insights::read(&ws)
            .unwrap()
            .height(),
        2 * rows.len() * 3
    );
}

#[test]
fn a_missing_permission_is_reported_and_the_rest_is_pulled() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, from, to) = demo_files(&tmp.path().join("raw"), 150, 2);
    let m = Moto::start();
    let p = Proxy::start(m.port);
    seed(&m, &files);
    // No tag keys given: GetTags (moto answers 500, retried, then reported); SERVICE denied;
    // the payments log group denied.
    p.set_plan(Plan {
        deny_ops: vec!["GetCostAndUsage".into()],
        deny_body: Some("/aws/lambda/payments".into()),
        ..Default::default()
    });
    let dir = tmp.path().join("pulled");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let d = dir.display().to_string();
    let (f, t) = (pull::iso_ms(from), pull::iso_ms(to));
    let base = [
        "pull",
        "--from",
        &f,
        "--to",
        &t,
        "--max-tps",
        "0",
        "--initial-backoff-ms",
        "5",
        "--max-attempts",
        "3",
        "--log-group",
        skylens::source::demo::ACCESS_LOG_GROUP,
        "--workspace",
        &d,
    ];

    // A dry run sends nothing and says what it would do.
    let out = Command::new(common::skylens_bin())
        .args(base)
        .arg("--dry-run")
        .envs(moto::cli_env(&p.url, &home))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        p.log().is_empty(),
        "a dry run makes no call: {:?}",
        p.log().iter().map(|s| &s.op).collect::<Vec<_>>()
    );
    for call in [
        "logs:DescribeLogGroups",
        "logs:FilterLogEvents",
        "xray:GetTraceSummaries",
        "ce:GetTags",
        "ce:GetCostAndUsage",
    ] {
        assert!(text.contains(call), "{call} in\n{text}");
    }

    let out = Command::new(common::skylens_bin())
        .args(base)
        .envs(moto::cli_env(&p.url, &home))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "partial pull exits 1\n{text}\n{err}"
    );
    assert!(text.contains("3 problem(s)"), "{text}");
    assert!(
        text.contains(
            "logs us-east-1 /aws/lambda/payments: logs:FilterLogEvents: AccessDeniedException"
        ),
        "{text}"
    );
    assert!(text.contains("missing IAM permission"), "{text}");
    assert!(text.contains("ce:GetTags"), "{text}");
    assert!(
        !text.contains(moto::KEY) && !err.contains(moto::KEY),
        "credentials are never printed"
    );
    // Everything else was pulled.
    let ws = Workspace::open(&dir).unwrap();
    let logs = ws.read(Frame::Logs).unwrap();
    let groups: Vec<String> = logs
        .column("log_group")
        .unwrap()
        .unique()
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    assert_eq!(groups.len(), demo_events(&files).len() - 1, "{groups:?}");
    assert!(!groups.iter().any(|g| g.ends_with("payments")));
    assert!(ws.read(Frame::Spans).unwrap().height() > 0);
    // The denied group is fetched next time (nothing was recorded for it).
    let sync = std::fs::read_to_string(dir.join("sync.json")).unwrap();
    assert!(!sync.contains("payments"), "{sync}");
    assert!(!sync.contains(moto::KEY));
}

/// The AWS SDK clients live in one module whose only calls are the read APIs listed in
/// `READ_APIS` (the guard interceptor also refuses anything else at run time; see the unit
/// tests of `source::pull::aws`), and the README's IAM policy grants exactly those actions.
#[test]
fn only_read_apis_are_called() {
    let root = &common::manifest_dir();
    let aws_rs = root.join("src/source/pull/aws.rs");
    let mut files = Vec::new();
    let mut stack = vec![root.join("src")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        if *f != aws_rs {
            for needle in ["::Client", ".send()", "Client::new", "Client::from_conf"] {
                // A whole word: `aws::Clients` (the wrappers) is fine.
                let hit = text.match_indices(needle).any(|(i, _)| {
                    !text[i + needle.len()..]
                        .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                });
                assert!(
                    !hit,
                    "{} uses an AWS client ({needle}); only src/source/pull/aws.rs may",
                    f.display()
                );
            }
        }
    }
    // In aws.rs, every `.client.<operation>()` outside its tests is a read API.
    let text = std::fs::read_to_string(&aws_rs).unwrap();
    let code = text.split("#[cfg(test)]").next().unwrap();
    let mut ops: Vec<String> = Vec::new();
    let flat: String = code.split_whitespace().collect::<Vec<_>>().join("");
    for part in flat.split(".client.").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        ops.push(name);
    }
    let snake = |s: &str| {
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    };
    let allowed: Vec<String> = pull::READ_APIS.iter().map(|a| snake(a.operation)).collect();
    ops.sort();
    ops.dedup();
    let mut want = allowed.clone();
    want.sort();
    assert_eq!(ops, want, "the calls in aws.rs are exactly READ_APIS");
    // The README's least-privilege policy.
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("```json\n{\n  \"Version\"")
        .expect("an IAM policy in the README");
    let json = &readme[start + 8..];
    let json = &json[..json.find("```").unwrap()];
    let policy: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut actions: Vec<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
        })
        .collect();
    actions.sort();
    let mut iam: Vec<String> = pull::READ_APIS
        .iter()
        .filter_map(|a| a.iam_action.map(str::to_string))
        .collect();
    iam.sort();
    assert_eq!(actions, iam);
}
