//! The service map: nodes and edges from the X-Ray spans, as X-Ray's service graph defines them.
//!
//! The whole analysis is SQL in `queries/`:
//! - `service-map-calls.sql` walks the span graph (a span's parent → the segment document that
//!   owns the parent → that segment's node) and yields one row per request a node received,
//!   with its sender. [`register_views`] registers it as the table [`CALLS_TABLE`] in every
//!   SQL context, so reports and users' own SQL can aggregate it;
//! - `service-map-nodes.sql`, `service-map-edges.sql` and `service-map-health.sql` aggregate
//!   those calls (registered in [`super::REPORTS`]).
//!
//! The graph walk needs no recursion: every span row carries the segment document it came from
//! (`spans.segment_id`, resolved at parse time, also for independent subsegments), so "the owner
//! of the parent" is two equality joins.
//!
//! The calls are a materialised view: computed over all spans the first time a query reads
//! them after the spans changed (in passes over ranges of trace IDs, [`SPANS_PER_PASS`] spans
//! each, so memory does not grow with the workspace), and cached in
//! `<workspace>/index/service-map/calls.parquet`
//! with a stamp of the SQL and of every spans partition file (size, mtime); later queries read
//! the cache. A window keeps the calls that start inside it (links across the window's edge
//! are kept). The cache is derived data: safe to delete.
//!
//! [`service_map`] runs the node and edge reports together for callers that want both (the
//! chart, the desktop app).

use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars::sql::SQLContext;

use super::passes::TracePass;
use super::{Params, Window, run_report};
use crate::error::{Error, PolarsContext, Result};
use crate::model::{Frame, ts_dtype};
use crate::workspace::Workspace;

/// Name of the derived table of service-map calls (one row per request a node received).
pub const CALLS_TABLE: &str = "service_map_calls";

/// The SQL of [`CALLS_TABLE`] (`queries/service-map-calls.sql`).
pub const CALLS_SQL: &str = include_str!("../../queries/service-map-calls.sql");

/// Columns of [`CALLS_TABLE`], in order.
pub const CALLS_COLUMNS: &[&str] = &[
    "trace_id",
    "span_id",
    "start",
    "source",
    "source_type",
    "target",
    "target_type",
    "duration_ms",
    "error",
    "fault",
    "throttle",
];

/// Type of the node that sends the requests entering root segments (its name is the same).
pub const CLIENT: &str = "client";

/// The schema of [`CALLS_TABLE`].
pub fn calls_schema() -> Schema {
    CALLS_COLUMNS
        .iter()
        .map(|c| {
            let t = match *c {
                "start" => ts_dtype(),
                "duration_ms" => DataType::Float64,
                "error" | "fault" | "throttle" => DataType::Boolean,
                _ => DataType::String,
            };
            Field::new((*c).into(), t)
        })
        .collect()
}

/// The calls of `spans` (a frame in the `spans` schema), by `queries/service-map-calls.sql`,
/// in [`calls_schema`].
pub fn calls_of(spans: LazyFrame) -> Result<LazyFrame> {
    let mut ctx = SQLContext::new();
    ctx.register(Frame::Spans.name(), spans);
    let lf = ctx
        .execute(CALLS_SQL)
        .ctx("planning queries/service-map-calls.sql")?;
    Ok(lf.select(
        calls_schema()
            .iter()
            .map(|(n, t)| col(n.clone()).cast(t.clone()))
            .collect::<Vec<_>>(),
    ))
}

/// Register the derived service-map tables ([`CALLS_TABLE`]) of `ws` in `ctx`, restricted to
/// calls starting in `window`. Nothing is read or computed until a query uses the table.
pub fn register_views(ctx: &SQLContext, ws: &Workspace, window: Window) -> Result<()> {
    let ws = ws.clone();
    let lf = super::derived_table(CALLS_TABLE, calls_schema(), move || materialized_calls(&ws))?;
    register_calls(ctx, lf, window);
    Ok(())
}

/// Register `lf` as [`CALLS_TABLE`], limited to the window (on the call's start).
fn register_calls(ctx: &SQLContext, mut lf: LazyFrame, window: Window) {
    if let Some(f) = window.from {
        lf = lf.filter(col("start").cast(DataType::Int64).gt_eq(lit(f)));
    }
    if let Some(t) = window.to {
        lf = lf.filter(col("start").cast(DataType::Int64).lt(lit(t)));
    }
    ctx.register(CALLS_TABLE, lf);
}

/// Where the cached calls live.
fn cache_paths(ws: &Workspace) -> (PathBuf, PathBuf) {
    let dir = ws.dir().join("index").join("service-map");
    (dir.join("calls.parquet"), dir.join("calls.stamp"))
}

/// What the cached calls were computed from: the SQL and every spans partition file.
fn stamp(ws: &Workspace) -> Result<String> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(CALLS_SQL.as_bytes());
    for (date, path) in ws.frame_files(Frame::Spans)? {
        let meta =
            std::fs::metadata(&path).map_err(|e| Error::io("reading the metadata of", &path, e))?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        h.update(format!("{date}\t{}\t{mtime}\n", meta.len()).as_bytes());
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The calls of every span in `ws`: from the cache when it is current, else computed and
/// cached (a cache that cannot be written is computed again next time).
pub fn materialized_calls(ws: &Workspace) -> Result<DataFrame> {
    match current_calls(ws)? {
        Calls::Cached(path) => match read_cache(&path) {
            Some(df) => Ok(df),
            None => compute_calls(ws, &passes(ws, SPANS_PER_PASS)?),
        },
        Calls::Computed(df) => Ok(df),
    }
}

/// Register [`CALLS_TABLE`] in `ctx` as a Parquet scan of the cached calls (computed and
/// cached first when stale), restricted to calls starting in `window`, replacing the lazy
/// table of [`register_views`]. Unlike that one, a Parquet scan reads only the columns a query
/// needs and runs on Polars' streaming engine. When the cache cannot be written, the computed
/// calls are registered from memory.
pub fn register_cached_views(ctx: &SQLContext, ws: &Workspace, window: Window) -> Result<()> {
    let lf = match current_calls(ws)? {
        Calls::Cached(path) => LazyFrame::scan_parquet(
            PlRefPath::new(path.to_string_lossy().as_ref()),
            ScanArgsParquet::default(),
        )
        .ctx("scanning the cached service_map_calls")?,
        Calls::Computed(df) => df.lazy(),
    };
    register_calls(ctx, lf, window);
    Ok(())
}

/// The calls of a workspace: a current cache file, or computed (and cached when possible).
enum Calls {
    Cached(PathBuf),
    Computed(DataFrame),
}

fn current_calls(ws: &Workspace) -> Result<Calls> {
    let (data, stamp_file) = cache_paths(ws);
    let want = stamp(ws)?;
    if std::fs::read_to_string(&stamp_file).is_ok_and(|s| s.trim() == want)
        && cache_schema_ok(&data)
    {
        return Ok(Calls::Cached(data));
    }
    let passes = passes(ws, SPANS_PER_PASS)?;
    let written = data.parent().is_some_and(|dir| {
        std::fs::create_dir_all(dir).is_ok() && write_calls(ws, &passes, &data).is_ok()
    });
    if written && crate::workspace::write_atomic(&stamp_file, want.as_bytes()).is_ok() {
        return Ok(Calls::Cached(data));
    }
    Ok(Calls::Computed(compute_calls(ws, &passes)?))
}

/// Spans per pass when computing the calls: each pass computes the calls of a range of trace
/// IDs, so the memory of the computation is bounded by the pass, not by the workspace (all
/// 16.4M spans of the 10M bench in one pass peaked at 9.1 GB; `benches/reports.rs`).
pub const SPANS_PER_PASS: u64 = 1_500_000;

/// Split the traces of `ws` into passes of about `per_pass` spans ([`super::passes::plan`]): every
/// join of `queries/service-map-calls.sql` is within a trace, so the calls of the passes are
/// the calls of one run over all spans.
fn passes(ws: &Workspace, per_pass: u64) -> Result<Vec<TracePass>> {
    let t = crate::model::spans::TRACE_ID;
    super::passes::plan(ws.scan(Frame::Spans)?.select([col(t)]), t, per_pass)
}

/// The calls of one pass, on Polars' streaming engine (the in-memory engine if it cannot run
/// the plan). Its joins hold hash tables of the pass's trace and span IDs, which is what
/// bounds its memory.
fn pass_calls(ws: &Workspace, pass: &TracePass) -> Result<DataFrame> {
    let mut spans = ws.scan(Frame::Spans)?;
    if let Some(f) = pass.filter(crate::model::spans::TRACE_ID) {
        spans = spans.filter(f);
    }
    super::collect_streaming(calls_of(spans)?)
        .map_err(|e| e.in_context("computing service_map_calls"))
}

/// The calls of every pass, in memory (when the cache cannot be written).
fn compute_calls(ws: &Workspace, passes: &[TracePass]) -> Result<DataFrame> {
    let mut out = DataFrame::empty_with_schema(&calls_schema());
    for p in passes {
        out.vstack_mut_owned(pass_calls(ws, p)?)
            .ctx("computing service_map_calls")?;
    }
    Ok(out)
}

/// Compute the calls pass by pass into the Parquet file `path` (a temporary file renamed over
/// it at the end), one row group per pass.
fn write_calls(ws: &Workspace, passes: &[TracePass], path: &Path) -> Result<()> {
    crate::workspace::write_file_atomic(path, |f| {
        let mut writer = ParquetWriter::new(f)
            .with_compression(ParquetCompression::Lz4Raw)
            .batched(&calls_schema())
            .ctx("writing service_map_calls")?;
        for p in passes {
            let mut df = pass_calls(ws, p)?;
            df.rechunk_mut_par();
            writer.write_batch(&df).ctx("writing service_map_calls")?;
        }
        writer.finish().ctx("writing service_map_calls")?;
        Ok(())
    })
}

/// Whether the cache file is readable Parquet in the current schema (its metadata only).
fn cache_schema_ok(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    ParquetReader::new(f)
        .schema()
        .is_ok_and(|s| Schema::from_arrow_schema(&s) == calls_schema())
}

/// The cached calls, when readable and in the current schema.
fn read_cache(path: &Path) -> Option<DataFrame> {
    let f = std::fs::File::open(path).ok()?;
    let df = ParquetReader::new(f).finish().ok()?;
    (df.schema().as_ref() == &calls_schema()).then_some(df)
}

/// The service map of a window: the `service-map-nodes` and `service-map-edges` reports.
#[derive(Debug, Clone)]
pub struct ServiceMap {
    /// One row per node: service, type, requests, errors, faults, throttles, p50_ms, p99_ms.
    pub nodes: DataFrame,
    /// One row per edge: source, source_type, target, target_type, requests, errors, faults,
    /// throttles, p50_ms, p99_ms.
    pub edges: DataFrame,
}

/// The service map of `window` (nodes and edges; see the module documentation).
pub fn service_map(ws: &Workspace, window: Window) -> Result<ServiceMap> {
    let params = Params::default();
    Ok(ServiceMap {
        nodes: run_report(ws, "service-map-nodes", window, &params)?,
        edges: run_report(ws, "service-map-edges", window, &params)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Frame;

    /// A span row; `None` fields are null.
    #[allow(clippy::too_many_arguments)]
    fn span(
        trace: &str,
        id: &str,
        parent: Option<&str>,
        segment: &str,
        name: &str,
        origin: Option<&str>,
        kind: &str,
        namespace: Option<&str>,
        resource: Option<&str>,
        ms: f64,
        flags: (bool, bool, bool),
    ) -> DataFrame {
        let start = 1_700_000_000_000_000i64;
        df!(
            "trace_id" => [trace],
            "id" => [id],
            "parent_id" => [parent],
            "segment_id" => [segment],
            "name" => [name],
            "origin" => [origin],
            "kind" => [kind],
            "namespace" => [namespace],
            "start" => [start],
            "end" => [start + (ms * 1000.0) as i64],
            "duration_ms" => [ms],
            "http_status" => [None::<i64>],
            "http_method" => [None::<&str>],
            "http_url" => [None::<&str>],
            "error" => [flags.0],
            "fault" => [flags.1],
            "throttle" => [flags.2],
            "in_progress" => [false],
            "aws_operation" => [None::<&str>],
            "resource" => [resource],
            "request_id" => [None::<&str>],
            "annotations" => [None::<&str>],
            "cause" => [None::<&str>],
        )
        .unwrap()
    }

    fn spans_frame(rows: Vec<DataFrame>) -> LazyFrame {
        let mut df = rows[0].clone();
        for r in &rows[1..] {
            df.vstack_mut(r).unwrap();
        }
        let schema = Frame::Spans.schema();
        let casts: Vec<Expr> = schema
            .iter()
            .map(|(n, t)| col(n.clone()).cast(t.clone()))
            .collect();
        df.lazy().select(casts)
    }

    fn run(spans: LazyFrame, sql: &str) -> Vec<Vec<String>> {
        let mut ctx = SQLContext::new();
        ctx.register(CALLS_TABLE, calls_of(spans).unwrap());
        let df = ctx.execute(sql).unwrap().collect().unwrap();
        crate::export::cells(&df)
            .into_iter()
            .map(|r| r.iter().map(|c| c.text()).collect())
            .collect()
    }

    const OK: (bool, bool, bool) = (false, false, false);

    /// `service-map-edges` takes its percentiles per edge number and joins them back to the
    /// names: the same rows as one plain group-by, also when a name or a type is null.
    #[test]
    fn edges_by_number_equal_a_plain_group_by_with_null_names() {
        let n = 40;
        let pick = |i: usize, v: &[Option<&'static str>]| v[i % v.len()];
        let source: Vec<Option<&str>> = (0..n)
            .map(|i| pick(i, &[Some("a"), Some("b"), None]))
            .collect();
        let source_type: Vec<Option<&str>> = (0..n).map(|i| pick(i, &[Some("T"), None])).collect();
        let target: Vec<Option<&str>> = (0..n)
            .map(|i| pick(i, &[Some("x"), None, Some("y"), Some("x")]))
            .collect();
        let target_type: Vec<Option<&str>> = (0..n)
            .map(|i| pick(i, &[Some("U"), Some("U"), None, Some("V"), Some("")]))
            .collect();
        let duration: Vec<f64> = (0..n).map(|i| ((i * 37) % 23) as f64 + 0.25).collect();
        let flag = |k: usize| (0..n).map(|i| i % k == 0).collect::<Vec<bool>>();
        let calls = df!(
            "source" => source,
            "source_type" => source_type,
            "target" => target,
            "target_type" => target_type,
            "duration_ms" => duration,
            "error" => flag(3),
            "fault" => flag(5),
            "throttle" => flag(7),
        )
        .unwrap();
        let mut ctx = SQLContext::new();
        ctx.register(CALLS_TABLE, calls.lazy());
        let report = super::super::report("service-map-edges").unwrap();
        let got = ctx.execute(report.sql).unwrap().collect().unwrap();
        let plain = ctx
            .execute(
                "SELECT source, source_type, target, target_type, COUNT(*) AS requests, \
                 SUM(CASE WHEN error THEN 1 ELSE 0 END) AS errors, \
                 SUM(CASE WHEN fault THEN 1 ELSE 0 END) AS faults, \
                 SUM(CASE WHEN throttle THEN 1 ELSE 0 END) AS throttles, \
                 ROUND(QUANTILE_CONT(duration_ms, 0.50), 3) AS p50_ms, \
                 ROUND(QUANTILE_CONT(duration_ms, 0.99), 3) AS p99_ms \
                 FROM service_map_calls WHERE source IS NOT NULL \
                 GROUP BY source, source_type, target, target_type \
                 ORDER BY source, source_type, target, target_type",
            )
            .unwrap()
            .collect()
            .unwrap();
        let text = |df: &DataFrame| -> Vec<Vec<String>> {
            let mut rows: Vec<Vec<String>> = crate::export::cells(df)
                .into_iter()
                .map(|r| r.iter().map(|c| format!("{:?}", c.text())).collect())
                .collect();
            rows.sort();
            rows
        };
        assert!(plain.height() >= 12, "{plain}");
        assert_eq!(text(&got), text(&plain));
        // Null names stay null (not the empty text the join compares them as).
        let nulls = got.column("target_type").unwrap().null_count();
        assert!(nulls > 0, "{got}");
    }

    #[test]
    fn lambda_service_and_function_segments_are_one_hop() {
        let t = "1-5f000000-000000000000000000000001";
        let rows = vec![
            // API Gateway root with a Lambda invoke subsegment.
            span(
                t,
                "a1",
                None,
                "a1",
                "api/prod",
                Some("AWS::ApiGateway::Stage"),
                "segment",
                None,
                None,
                50.0,
                OK,
            ),
            span(
                t,
                "a2",
                Some("a1"),
                "a1",
                "Lambda",
                None,
                "subsegment",
                Some("aws"),
                Some("fn"),
                48.0,
                (false, true, false),
            ),
            // The AWS::Lambda service segment and the function segment below it.
            span(
                t,
                "l1",
                Some("a2"),
                "l1",
                "fn",
                Some("AWS::Lambda"),
                "segment",
                None,
                None,
                47.0,
                OK,
            ),
            span(
                t,
                "f1",
                Some("l1"),
                "f1",
                "fn",
                Some("AWS::Lambda::Function"),
                "segment",
                None,
                None,
                40.0,
                (true, false, false),
            ),
            // A DynamoDB call answered by an inferred segment, an SQS call that is not, a remote call.
            span(
                t,
                "d1",
                Some("f1"),
                "f1",
                "DynamoDB",
                None,
                "subsegment",
                Some("aws"),
                Some("tbl"),
                5.0,
                OK,
            ),
            span(
                t,
                "i1",
                Some("d1"),
                "i1",
                "DynamoDB",
                Some("AWS::DynamoDB::Table"),
                "inferred",
                None,
                Some("tbl"),
                5.0,
                OK,
            ),
            span(
                t,
                "q1",
                Some("f1"),
                "f1",
                "SQS",
                None,
                "subsegment",
                Some("aws"),
                Some("https://sqs.us-east-1.amazonaws.com/123456789012/jobs"),
                7.0,
                OK,
            ),
            span(
                t,
                "r1",
                Some("f1"),
                "f1",
                "api.example.com",
                None,
                "subsegment",
                Some("remote"),
                Some("api.example.com"),
                9.0,
                (false, false, true),
            ),
            // A custom subsegment is not a call.
            span(
                t,
                "c1",
                Some("f1"),
                "f1",
                "## handler",
                None,
                "subsegment",
                None,
                None,
                30.0,
                OK,
            ),
        ];
        let edges = run(
            spans_frame(rows),
            "SELECT source, source_type, target, target_type, duration_ms, error, fault, throttle FROM service_map_calls ORDER BY target, source",
        );
        let want: Vec<Vec<&str>> = vec![
            vec![
                "fn",
                "AWS::Lambda::Function",
                "api.example.com",
                "remote",
                "9",
                "false",
                "false",
                "true",
            ],
            vec![
                "client",
                "client",
                "api/prod",
                "AWS::ApiGateway::Stage",
                "50",
                "false",
                "false",
                "false",
            ],
            // Figures of the service segment; the fault of the invoke subsegment and the error
            // of the function segment both show.
            vec![
                "api/prod",
                "AWS::ApiGateway::Stage",
                "fn",
                "AWS::Lambda::Function",
                "47",
                "true",
                "true",
                "false",
            ],
            vec![
                "fn",
                "AWS::Lambda::Function",
                "jobs",
                "AWS::SQS::Queue",
                "7",
                "false",
                "false",
                "false",
            ],
            vec![
                "fn",
                "AWS::Lambda::Function",
                "tbl",
                "AWS::DynamoDB::Table",
                "5",
                "false",
                "false",
                "false",
            ],
        ];
        assert_eq!(edges, want);
    }

    /// Every call, as text, sorted (passes write the calls in another order).
    fn sorted_calls(df: &DataFrame) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = crate::export::cells(df)
            .into_iter()
            .map(|r| r.iter().map(|c| c.text()).collect())
            .collect();
        rows.sort();
        rows
    }

    #[test]
    fn calls_computed_in_passes_are_the_calls_of_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::analysis::demo_workspace(dir.path(), 1_500, 3);
        // Spans with no trace ID and with IDs that are not X-Ray's, around the X-Ray ones.
        let odd = |trace: &str, id: &str| {
            span(
                trace,
                id,
                None,
                id,
                "odd",
                Some("AWS::ApiGateway::Stage"),
                "segment",
                None,
                None,
                5.0,
                OK,
            )
        };
        let odd_rows = spans_frame(vec![
            odd("0-short", "o1"),
            odd("1-", "o2"),
            odd("zzz-not-xray", "o3"),
            odd("1-5f000000-000000000000000000000009", "o4"),
            odd("no trace", "o5"),
        ]);
        let extra = odd_rows
            .with_column(
                when(col("id").eq(lit("o5")))
                    .then(lit(NULL).cast(DataType::String))
                    .otherwise(col("trace_id"))
                    .alias("trace_id"),
            )
            .collect()
            .unwrap();
        ws.write(Frame::Spans, extra).unwrap();

        let one = passes(&ws, u64::MAX).unwrap();
        assert_eq!(one, vec![TracePass::all()]);
        let whole = compute_calls(&ws, &one).unwrap();
        let many = passes(&ws, 500).unwrap();
        assert!(many.len() > 5, "{} passes", many.len());
        let split = compute_calls(&ws, &many).unwrap();
        assert!(whole.height() > 1_000, "{} calls", whole.height());
        assert_eq!(sorted_calls(&split), sorted_calls(&whole));
        assert!(
            sorted_calls(&whole)
                .iter()
                .any(|r| r[0] == "-" || r[0].is_empty()),
            "the span with no trace ID has its call"
        );

        // The cache file written pass by pass holds the same calls.
        let path = dir.path().join("calls.parquet");
        write_calls(&ws, &many, &path).unwrap();
        assert_eq!(
            sorted_calls(&read_cache(&path).unwrap()),
            sorted_calls(&whole)
        );
    }

    #[test]
    fn orphans_count_for_their_node_only() {
        let t = "1-5f000000-000000000000000000000002";
        let rows = vec![
            // A function segment whose parent was never imported, with an SNS call answered
            // by an inferred segment (topic named by its ARN).
            span(
                t,
                "f1",
                Some("gone"),
                "f1",
                "fn",
                Some("AWS::Lambda::Function"),
                "segment",
                None,
                None,
                10.0,
                OK,
            ),
            span(
                t,
                "s1",
                Some("f1"),
                "f1",
                "SNS",
                None,
                "subsegment",
                Some("aws"),
                Some("arn:aws:sns:us-east-1:123456789012:topic-a"),
                3.0,
                OK,
            ),
            span(
                t,
                "i1",
                Some("s1"),
                "i1",
                "SNS",
                Some("AWS::SNS"),
                "inferred",
                None,
                Some("arn:aws:sns:us-east-1:123456789012:topic-a"),
                3.0,
                OK,
            ),
        ];
        let got = run(
            spans_frame(rows),
            "SELECT COALESCE(source, '-') AS s, target, target_type FROM service_map_calls ORDER BY target",
        );
        assert_eq!(
            got,
            vec![
                vec!["-", "fn", "AWS::Lambda::Function"],
                vec!["fn", "topic-a", "AWS::SNS"]
            ]
        );
    }
}
