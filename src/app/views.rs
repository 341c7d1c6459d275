//! The screens' composite views: the overview, the laid-out service map, a node's detail, the
//! investigation waterfall and the workspace summary. Each runs reports from `queries/` and
//! reshapes their frames for display; the only computation here is the waterfall's span tree
//! (a graph walk SQL can't express).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;

use super::types::*;
use super::{AppResult, table};
use crate::analysis::{self, Params, Window, params as report_params};
use crate::error::{Error, PolarsContext};
use crate::model::{Frame, invocations as inv, spans};
use crate::parse::time::format_iso;
use crate::render::frames::{flag, num, text, time_us};
use crate::workspace::Workspace;

/// Rows per frame, the time span of the data, the functions seen. Read from the Parquet
/// footers, the first and last date partitions of each frame ([`Workspace::time_range`]) and
/// the function names table, not from the rows (at 10M invocations, reading every row's time
/// and function name took seconds).
pub fn workspace_info(ws: &Workspace) -> AppResult<WorkspaceInfo> {
    let mut frames = Vec::new();
    let (mut first, mut last): (Option<i64>, Option<i64>) = (None, None);
    for frame in Frame::ALL {
        frames.push(FrameCount {
            frame: frame.name().to_string(),
            rows: u32::try_from(ws.row_count(frame)?).unwrap_or(u32::MAX),
        });
        // Cost periods are days and months, not the time of the data: left out of the span.
        if frame == Frame::Costs {
            continue;
        }
        if let Some((a, b)) = ws.time_range(frame, None, None)? {
            first = Some(first.map_or(a, |f| f.min(a)));
            last = Some(last.map_or(b, |l| l.max(b)));
        }
    }
    // Every name stored in `invocations`, in name order.
    let names = ws.function_names()?;
    let functions = text(&names, "workspace", inv::FUNCTION)?
        .into_iter()
        .flatten()
        .collect();
    Ok(WorkspaceInfo {
        path: ws.dir().display().to_string(),
        frames,
        first: first.map(format_iso),
        last: last.map(format_iso),
        sources: u32::try_from(ws.manifest()?.entries.len()).unwrap_or(u32::MAX),
        functions,
    })
}

/// The overview: `latency`, `cold-starts` and `cost-per-function` joined by function,
/// `latency-timeseries` as sparklines, and `spend --by service`.
pub fn overview(ws: &Workspace, window: Window) -> AppResult<Overview> {
    let mut params = Params {
        bucket_us: Some(report_params::bucket_for(ws, window)?),
        ..Params::default()
    };
    let run = |name: &str, p: &Params| analysis::run_report(ws, name, window, p);
    let latency = run("latency", &params)?;
    let cold = run("cold-starts", &params)?.lazy().select([
        col("function"),
        col("cold_starts"),
        col("cold_start_rate"),
    ]);
    let cost = run("cost-per-function", &params)?.lazy().select([
        col("function"),
        col("est_total_usd"),
        col("usd_per_million"),
    ]);
    let joined = latency
        .lazy()
        .left_join(cold, col("function"), col("function"))
        .left_join(cost, col("function"), col("function"))
        .select([
            col("function"),
            col("invocations"),
            col("errors"),
            col("error_rate"),
            col("cold_starts"),
            col("cold_start_rate"),
            col("p50_ms"),
            col("p99_ms"),
            col("est_total_usd"),
            col("usd_per_million"),
        ])
        .sort(["function"], Default::default())
        .collect()
        .ctx("joining the overview")?;
    let sum = |c: &str| -> AppResult<f64> {
        Ok(num(&joined, "overview", c)?.into_iter().flatten().sum())
    };
    let (invocations, errors, cold_starts, est) = (
        sum("invocations")?,
        sum("errors")?,
        sum("cold_starts")?,
        sum("est_total_usd")?,
    );

    // Sparklines: one point per bucket of the range, for every function.
    let bucket_us = params.bucket_us.unwrap_or(report_params::BUCKET_LADDER[3]);
    let series = run("latency-timeseries", &params)?;
    let starts = time_us(&series, "overview", "bucket_start")?;
    let funcs = text(&series, "overview", "function")?;
    let counts = num(&series, "overview", "invocations")?;
    let p99 = num(&series, "overview", "p99_ms")?;
    let buckets: Vec<i64> = match (
        window.from.or(starts.iter().flatten().min().copied()),
        window
            .to
            .or(starts.iter().flatten().max().map(|m| m + bucket_us)),
    ) {
        (Some(a), Some(b)) if b > a && (b - a) / bucket_us <= 10_000 => {
            let first = a.div_euclid(bucket_us) * bucket_us;
            (0..)
                .map(|k| first + k * bucket_us)
                .take_while(|t| *t < b)
                .collect()
        }
        _ => Vec::new(),
    };
    let slot: HashMap<i64, usize> = buckets.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    let mut lines: BTreeMap<String, Sparkline> = BTreeMap::new();
    for f in text(&joined, "overview", "function")?.into_iter().flatten() {
        lines.insert(
            f.clone(),
            Sparkline {
                function: f,
                invocations: vec![0.0; buckets.len()],
                p99_ms: vec![None; buckets.len()],
            },
        );
    }
    for i in 0..series.height() {
        let (Some(t), Some(f)) = (starts[i], funcs[i].as_ref()) else {
            continue;
        };
        if let (Some(&k), Some(line)) = (slot.get(&t), lines.get_mut(f)) {
            line.invocations[k] = counts[i].unwrap_or(0.0);
            line.p99_ms[k] = p99[i];
        }
    }

    params.by = Some(report_params::parse_by("service")?);
    let spend = run("spend", &params)?;
    Ok(Overview {
        functions: table("overview", &joined),
        buckets: buckets.into_iter().map(format_iso).collect(),
        bucket: report_params::format_bucket(bucket_us),
        sparklines: lines.into_values().collect(),
        invocations,
        errors,
        cold_starts,
        est_lambda_usd: (est * 1e6).round() / 1e6,
        spend_by_service: table("spend", &spend),
    })
}

/// The service map of the `service-map` chart (the same nodes, edges and layout), as data.
pub fn service_map(ws: &Workspace, window: Window) -> AppResult<ServiceMapView> {
    let chart = crate::render::build(ws, "service-map", window, &Params::default())?;
    let crate::render::Chart::ServiceMap(map) = chart else {
        return Err(Error::Render("service-map chart of another kind".into()).into());
    };
    let pos = |slot| {
        map.layout
            .position(slot)
            .map(|(l, r)| [l as u32, r as u32])
            .unwrap_or([0, 0])
    };
    let nodes = map
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let [requests, errors, faults, throttles] = n.counts.unwrap_or([0.0; 4]);
            let health = n
                .shares
                .map(|[ok, error, throttle, fault]| Health {
                    ok,
                    error,
                    fault,
                    throttle,
                })
                .unwrap_or_default();
            let [layer, row] = pos(crate::render::layout::Slot::Node(i));
            MapNode {
                id: i as u32,
                service: n.service.clone(),
                node_type: n.kind.clone(),
                requests,
                errors,
                faults,
                throttles,
                p50_ms: n.p50_ms,
                p99_ms: n.p99_ms,
                health,
                layer,
                row,
            }
        })
        .collect();
    let edges = map
        .edges
        .iter()
        .enumerate()
        .map(|(e, edge)| {
            let mut via = Vec::new();
            for k in 0.. {
                match map
                    .layout
                    .position(crate::render::layout::Slot::Dummy { edge: e, k })
                {
                    Some((l, r)) => via.push([l as u32, r as u32]),
                    None => break,
                }
            }
            let [requests, errors, faults, throttles] = edge.counts;
            MapEdge {
                source: edge.source as u32,
                target: edge.target as u32,
                requests,
                errors,
                faults,
                throttles,
                p99_ms: edge.p99_ms,
                failing: edge.failed_share() >= crate::render::FAILING_SHARE,
                via,
                back: map.layout.back.get(e).copied().unwrap_or(false),
            }
        })
        .collect();
    Ok(ServiceMapView {
        nodes,
        edges,
        layers: map.layout.order.len() as u32,
        rows: map.layout.height() as u32,
    })
}

/// A node's latency histogram (`node-latency-histogram.sql`) and slowest requests
/// (`node-slowest.sql`), over the `service_map_calls` into it.
pub fn node_detail(ws: &Workspace, req: &NodeRequest, window: Window) -> AppResult<NodeDetail> {
    let params = Params::default();
    let bind = |sql: &str| {
        sql.replace("{{service}}", &report_params::sql_text(&req.service))
            .replace("{{type}}", &report_params::sql_text(&req.node_type))
    };
    let max = analysis::run_sql_with(
        ws,
        &bind(
            "SELECT MAX(duration_ms) AS m FROM service_map_calls \
             WHERE target = '{{service}}' AND target_type = '{{type}}'",
        ),
        window,
        &params,
    )?;
    let max = num(&max, "node-detail", "m")?
        .first()
        .copied()
        .flatten()
        .unwrap_or(0.0);
    let width = if max > 0.0 { max / 10.0 } else { 1.0 };
    let hist = analysis::run_sql_with(
        ws,
        &bind(include_str!("../../queries/node-latency-histogram.sql"))
            .replace("{{width_ms}}", &format!("{width:?}")),
        window,
        &params,
    )?;
    let slowest = analysis::run_sql_with(
        ws,
        &bind(include_str!("../../queries/node-slowest.sql")),
        window,
        &params,
    )?;
    Ok(NodeDetail {
        histogram: table("node-latency-histogram", &hist),
        slowest: table("node-slowest", &slowest),
    })
}

/// The investigation with its waterfall: every span of its traces (depth from the span tree)
/// and every log line and invocation of the timeline, in time order.
pub fn investigation(
    ws: &Workspace,
    found: &analysis::investigate::Investigation,
) -> AppResult<Investigation> {
    const V: &str = "investigate";
    let tl = &found.timeline;
    let mut rows: Vec<(i64, u32, WaterfallRow)> = Vec::new();

    // Spans of the traces, with their parents, for the tree.
    let span_rows = if found.trace_ids.is_empty() {
        None
    } else {
        let ids = Series::new(
            "ids".into(),
            found.trace_ids.iter().cloned().collect::<Vec<String>>(),
        );
        let lf = ws
            .scan(Frame::Spans)?
            .filter(col(spans::TRACE_ID).is_in(lit(ids).implode(false), false));
        Some(lf.collect().ctx("reading the spans of the traces")?)
    };
    // request_id -> depth of its function segment, for the log lines' indent.
    let mut request_depth: HashMap<String, u32> = HashMap::new();
    if let Some(df) = &span_rows {
        let trace = text(df, V, spans::TRACE_ID)?;
        let id = text(df, V, spans::ID)?;
        let parent = text(df, V, spans::PARENT_ID)?;
        let name = text(df, V, spans::NAME)?;
        let origin = text(df, V, spans::ORIGIN)?;
        let kind = text(df, V, spans::KIND)?;
        let start = time_us(df, V, spans::START)?;
        let dur = num(df, V, spans::DURATION_MS)?;
        let error = flag(df, V, spans::ERROR)?;
        let fault = flag(df, V, spans::FAULT)?;
        let throttle = flag(df, V, spans::THROTTLE)?;
        let op = text(df, V, spans::AWS_OPERATION)?;
        let resource = text(df, V, spans::RESOURCE)?;
        let req_id = text(df, V, spans::REQUEST_ID)?;
        let key = |i: usize| (trace[i].clone(), id[i].clone());
        let index: HashMap<(Option<String>, Option<String>), usize> =
            (0..df.height()).map(|i| (key(i), i)).collect();
        // Depth by walking up the parents (bounded, so a cycle in bad data can't loop).
        let depth = |i: usize| -> u32 {
            let mut d = 0;
            let mut cur = i;
            while d < 64 {
                let Some(&p) = parent[cur]
                    .as_ref()
                    .and_then(|p| index.get(&(trace[cur].clone(), Some(p.clone()))))
                else {
                    break;
                };
                d += 1;
                cur = p;
            }
            d
        };
        for i in 0..df.height() {
            let d = depth(i);
            let status = if fault[i] == Some(true) {
                "fault"
            } else if throttle[i] == Some(true) {
                "throttle"
            } else if error[i] == Some(true) {
                "error"
            } else {
                "ok"
            };
            if let Some(r) = &req_id[i] {
                let e = request_depth.entry(r.clone()).or_insert(d + 1);
                *e = (*e).min(d + 1);
            }
            let detail: Vec<&str> = [&op[i], &resource[i]]
                .into_iter()
                .filter_map(|s| s.as_deref())
                .collect();
            rows.push((
                start[i].unwrap_or(i64::MAX),
                d,
                WaterfallRow {
                    kind: kind[i].clone().unwrap_or_else(|| "span".into()),
                    depth: d,
                    name: name[i].clone().unwrap_or_default(),
                    service: origin[i].clone().unwrap_or_default(),
                    offset_ms: 0.0,
                    duration_ms: dur[i],
                    status: status.to_string(),
                    detail: detail.join(" "),
                    ts: start[i].map(format_iso),
                    trace_id: trace[i].clone(),
                    request_id: req_id[i].clone(),
                },
            ));
        }
    }

    // Log lines and invocations from the timeline.
    let source = text(tl, V, "source")?;
    let ts = time_us(tl, V, "ts")?;
    let service = text(tl, V, "service")?;
    let kind = text(tl, V, "kind")?;
    let req = text(tl, V, "request_id")?;
    let trace = text(tl, V, "trace_id")?;
    let dur = num(tl, V, "duration_ms")?;
    let status = text(tl, V, "status")?;
    let message = text(tl, V, "message")?;
    for i in 0..tl.height() {
        let src = source[i].as_deref().unwrap_or_default();
        if src == "spans" {
            continue;
        }
        let d = req[i]
            .as_ref()
            .and_then(|r| request_depth.get(r))
            .copied()
            .unwrap_or(0);
        let (k, st) = if src == "invocations" {
            (
                "invocation".to_string(),
                status[i].clone().unwrap_or_default(),
            )
        } else {
            ("log".to_string(), kind[i].clone().unwrap_or_default())
        };
        rows.push((
            ts[i].unwrap_or(i64::MAX),
            d + 1,
            WaterfallRow {
                kind: k,
                depth: d,
                name: service[i].clone().unwrap_or_default(),
                service: service[i].clone().unwrap_or_default(),
                offset_ms: 0.0,
                duration_ms: dur[i],
                status: st,
                detail: message[i].clone().unwrap_or_default(),
                ts: ts[i].map(format_iso),
                trace_id: trace[i].clone(),
                request_id: req[i].clone(),
            },
        ));
    }
    // Time order; at the same time, outer before inner, spans before lines.
    rows.sort_by_key(|r| (r.0, r.1));
    let t0 = rows.iter().map(|r| r.0).find(|t| *t != i64::MAX);
    let mut end = t0.unwrap_or(0);
    let waterfall: Vec<WaterfallRow> = rows
        .into_iter()
        .map(|(t, _, mut r)| {
            if let Some(t0) = t0
                && t != i64::MAX
            {
                r.offset_ms = (t - t0) as f64 / 1000.0;
                let stop = t + (r.duration_ms.unwrap_or(0.0) * 1000.0) as i64;
                end = end.max(stop);
            }
            r
        })
        .collect();
    let set = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>();
    Ok(Investigation {
        id: found.id.clone(),
        trace_ids: set(&found.trace_ids),
        request_ids: set(&found.request_ids),
        truncated: found.truncated,
        timeline: table("investigate", tl),
        total_ms: t0.map_or(0.0, |t| (end - t) as f64 / 1000.0),
        t0: t0.map(format_iso),
        waterfall,
    })
}
