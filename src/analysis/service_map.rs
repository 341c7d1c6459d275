//! The service map: nodes and edges from the X-Ray spans, as X-Ray's service graph defines them.
//!
//! The whole analysis is SQL in `queries/`:
//! - `service-map-calls.sql` walks the span graph (a span's parent → the segment document that
//!   owns the parent → that segment's node) and yields one row per request a node received,
//!   with its sender. It reads three steps computed before it, each once ([`CALLS_STEPS`]):
//!   `service-map-resources.sql` (the short name of each resource ARN or queue URL, over the
//!   distinct resources), `service-map-segments.sql` (every segment document and its node) and
//!   `service-map-owned.sql` (the spans that matter, each with the node owning it).
//!   [`register_views`] registers the calls as the table [`CALLS_TABLE`] in every SQL context,
//!   so reports and users' own SQL can aggregate it;
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
//! Every node (a name and a type, either may be null) gets a number when the calls are
//! computed ([`NodeNumbers`]): each call carries `source_node` and `target_node`, and the table
//! [`NODES_TABLE`] (`node`, `name`, `type`, cached as `nodes.parquet` beside the calls) names
//! them. The node and edge reports group by the numbers and join the names to their few result
//! rows: grouping 5.4M calls by two strings each was most of their time.
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

/// Name of the table of service-map nodes: `node` (the number in `source_node` and
/// `target_node` of [`CALLS_TABLE`]), `name` and `type`, one row per node.
pub const NODES_TABLE: &str = "service_map_node_names";

/// The SQL of [`CALLS_TABLE`] (`queries/service-map-calls.sql`).
pub const CALLS_SQL: &str = include_str!("../../queries/service-map-calls.sql");

/// The steps before [`CALLS_SQL`], in order: each a table name and the SQL computing it from
/// `spans` and the tables before it (`queries/<name>.sql`, the name with `-` for `_`).
/// [`calls_of`] computes each once and registers it in memory: as CTEs, Polars computed them
/// once per reference (its common-subplan elimination does not merge references that read
/// different columns), and the resources' short names once per span rather than once per
/// resource: the calls at 10M invocations took 32.7 s, now 15 s (BENCHMARKS.md).
pub const CALLS_STEPS: [(&str, &str); 3] = [
    (
        "service_map_resources",
        include_str!("../../queries/service-map-resources.sql"),
    ),
    (
        "service_map_segments",
        include_str!("../../queries/service-map-segments.sql"),
    ),
    (
        "service_map_owned",
        include_str!("../../queries/service-map-owned.sql"),
    ),
];

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
    "source_node",
    "target_node",
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
                "source_node" | "target_node" => DataType::UInt32,
                _ => DataType::String,
            };
            Field::new((*c).into(), t)
        })
        .collect()
}

/// The schema of [`NODES_TABLE`].
pub fn nodes_schema() -> Schema {
    Schema::from_iter([
        Field::new("node".into(), DataType::UInt32),
        Field::new("name".into(), DataType::String),
        Field::new("type".into(), DataType::String),
    ])
}

/// The calls of `spans` (a frame in the `spans` schema), by `queries/service-map-calls.sql`,
/// in [`calls_schema`] but for the node numbers ([`NodeNumbers::number`] adds them).
///
/// The steps of [`CALLS_STEPS`] are computed here (collected, each once) and registered in
/// memory, each statement planned by [`super::execute_clean`]; the calls' own SQL is returned
/// as a plan over them.
pub fn calls_of(spans: LazyFrame) -> Result<LazyFrame> {
    let mut ctx = SQLContext::new();
    ctx.register(Frame::Spans.name(), spans);
    for (table, sql) in CALLS_STEPS {
        let file = format!("queries/{}.sql", table.replace('_', "-"));
        let lf = super::execute_clean(&mut ctx, sql).ctx(&format!("planning {file}"))?;
        let df = super::collect_streaming(lf)
            .map_err(|e| e.in_context(&format!("computing {table} ({file})")))?;
        ctx.register(table, df.lazy());
    }
    let lf =
        super::execute_clean(&mut ctx, CALLS_SQL).ctx("planning queries/service-map-calls.sql")?;
    Ok(lf.select(
        calls_schema()
            .iter()
            .filter(|(n, _)| !NODE_COLUMNS.iter().any(|(_, _, c)| n.as_str() == *c))
            .map(|(n, t)| col(n.clone()).cast(t.clone()))
            .collect::<Vec<_>>(),
    ))
}

/// The two ends of a call: name column, type column, and the column of their node number.
const NODE_COLUMNS: [(&str, &str, &str); 2] = [
    ("source", "source_type", "source_node"),
    ("target", "target_type", "target_node"),
];

/// Numbers for the service-map nodes, kept across the passes of one computation so a node has
/// one number in all of them: 1, 2, … in order of first appearance. Names and types are
/// compared null-safely (a null name is a node of its own, as `GROUP BY` makes it).
#[derive(Debug, Default)]
pub struct NodeNumbers {
    numbers: std::collections::HashMap<NodeName, u32>,
}

/// A service-map node as [`NodeNumbers`] keys it: its name and its type.
type NodeName = (Option<String>, Option<String>);

impl NodeNumbers {
    /// `calls` (from [`calls_of`]) with `source_node` and `target_node`, in [`calls_schema`].
    pub fn number(&mut self, calls: DataFrame) -> Result<DataFrame> {
        let ctx = "numbering the service-map nodes";
        for (name, kind, _) in NODE_COLUMNS {
            let pairs = calls
                .select([name, kind])
                .ctx(ctx)?
                .unique_stable(None, UniqueKeepStrategy::First, None)
                .ctx(ctx)?;
            let names = pairs.column(name).ctx(ctx)?.str().ctx(ctx)?;
            let kinds = pairs.column(kind).ctx(ctx)?.str().ctx(ctx)?;
            for pair in names.iter().zip(kinds.iter()) {
                let next = u32::try_from(self.numbers.len() + 1).unwrap_or(u32::MAX);
                self.numbers
                    .entry((pair.0.map(str::to_string), pair.1.map(str::to_string)))
                    .or_insert(next);
            }
        }
        let nodes = self.frame()?.lazy();
        let mut cols: Vec<Expr> = calls
            .get_column_names()
            .into_iter()
            .map(|n| col(n.clone()))
            .collect();
        cols.extend(NODE_COLUMNS.iter().map(|(_, _, number)| col(*number)));
        let mut lf = calls.lazy();
        for (name, kind, number) in NODE_COLUMNS {
            lf = lf.join(
                nodes.clone().select([
                    col("name").alias(name),
                    col("type").alias(kind),
                    col("node").alias(number),
                ]),
                [col(name), col(kind)],
                [col(name), col(kind)],
                JoinArgs {
                    nulls_equal: true,
                    maintain_order: MaintainOrderJoin::Left,
                    ..JoinArgs::new(JoinType::Left)
                },
            );
        }
        lf.select(cols).collect().ctx(ctx)
    }

    /// The nodes numbered so far, as [`NODES_TABLE`], by number.
    pub fn frame(&self) -> Result<DataFrame> {
        let mut rows: Vec<(&u32, &NodeName)> = self.numbers.iter().map(|(k, v)| (v, k)).collect();
        rows.sort();
        let node: Vec<u32> = rows.iter().map(|r| *r.0).collect();
        let name: Vec<Option<&str>> = rows.iter().map(|r| r.1.0.as_deref()).collect();
        let kind: Vec<Option<&str>> = rows.iter().map(|r| r.1.1.as_deref()).collect();
        df!("node" => node, "name" => name, "type" => kind).ctx("listing the service-map nodes")
    }
}

/// Register the derived service-map tables ([`CALLS_TABLE`], [`NODES_TABLE`]) of `ws` in
/// `ctx`, the calls restricted to those starting in `window`. Nothing is read or computed until
/// a query uses a table.
pub fn register_views(ctx: &SQLContext, ws: &Workspace, window: Window) -> Result<()> {
    let calls_ws = ws.clone();
    let lf = super::derived_table(CALLS_TABLE, calls_schema(), move || {
        Ok(materialized_calls(&calls_ws)?.calls)
    })?;
    register_calls(ctx, lf, window);
    let nodes_ws = ws.clone();
    let nodes = super::derived_table(NODES_TABLE, nodes_schema(), move || {
        Ok(materialized_calls(&nodes_ws)?.nodes)
    })?;
    ctx.register(NODES_TABLE, nodes);
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

/// Where the cached calls, their nodes and their stamp live.
struct CachePaths {
    calls: PathBuf,
    nodes: PathBuf,
    stamp: PathBuf,
}

fn cache_paths(ws: &Workspace) -> CachePaths {
    let dir = ws.dir().join("index").join("service-map");
    CachePaths {
        calls: dir.join("calls.parquet"),
        nodes: dir.join("nodes.parquet"),
        stamp: dir.join("calls.stamp"),
    }
}

/// The calls of every span, with their nodes ([`NODES_TABLE`]).
#[derive(Debug, Clone)]
pub struct MaterializedCalls {
    /// [`CALLS_TABLE`].
    pub calls: DataFrame,
    /// [`NODES_TABLE`].
    pub nodes: DataFrame,
}

/// What the cached calls were computed from: the SQL and every spans partition file.
fn stamp(ws: &Workspace) -> Result<String> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for (_, sql) in CALLS_STEPS {
        h.update(sql.as_bytes());
    }
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

/// The calls of every span in `ws` and their nodes: from the cache when it is current, else
/// computed and cached (a cache that cannot be written is computed again next time).
pub fn materialized_calls(ws: &Workspace) -> Result<MaterializedCalls> {
    match current_calls(ws)? {
        Calls::Cached(paths) => match (
            read_cache(&paths.calls, &calls_schema()),
            read_cache(&paths.nodes, &nodes_schema()),
        ) {
            (Some(calls), Some(nodes)) => Ok(MaterializedCalls { calls, nodes }),
            _ => compute_calls(ws, &passes(ws, SPANS_PER_PASS)?),
        },
        Calls::Computed(m) => Ok(m),
    }
}

/// Register [`CALLS_TABLE`] in `ctx` as a Parquet scan of the cached calls (computed and
/// cached first when stale), restricted to calls starting in `window`, and [`NODES_TABLE`] read
/// into memory (a row per node), replacing the lazy tables of [`register_views`]. Unlike that
/// one, a Parquet scan reads only the columns a query needs and runs on Polars' streaming
/// engine. When the cache cannot be written, the computed tables are registered from memory.
pub fn register_cached_views(ctx: &SQLContext, ws: &Workspace, window: Window) -> Result<()> {
    let (calls, nodes) = match current_calls(ws)? {
        Calls::Cached(paths) => {
            let calls = LazyFrame::scan_parquet(
                PlRefPath::new(paths.calls.to_string_lossy().as_ref()),
                ScanArgsParquet::default(),
            )
            .ctx("scanning the cached service_map_calls")?;
            let nodes = match read_cache(&paths.nodes, &nodes_schema()) {
                Some(nodes) => nodes,
                None => materialized_calls(ws)?.nodes,
            };
            (calls, nodes)
        }
        Calls::Computed(m) => (m.calls.lazy(), m.nodes),
    };
    register_calls(ctx, calls, window);
    ctx.register(NODES_TABLE, nodes.lazy());
    Ok(())
}

/// The calls of a workspace: current cache files, or computed (and cached when possible).
enum Calls {
    Cached(CachePaths),
    Computed(MaterializedCalls),
}

fn current_calls(ws: &Workspace) -> Result<Calls> {
    let paths = cache_paths(ws);
    let want = stamp(ws)?;
    if std::fs::read_to_string(&paths.stamp).is_ok_and(|s| s.trim() == want)
        && cache_schema_ok(&paths.calls, &calls_schema())
        && cache_schema_ok(&paths.nodes, &nodes_schema())
    {
        return Ok(Calls::Cached(paths));
    }
    let passes = passes(ws, SPANS_PER_PASS)?;
    let written = paths.calls.parent().is_some_and(|dir| {
        std::fs::create_dir_all(dir).is_ok() && write_calls(ws, &passes, &paths).is_ok()
    });
    if written && crate::workspace::write_atomic(&paths.stamp, want.as_bytes()).is_ok() {
        return Ok(Calls::Cached(paths));
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

/// The calls of every pass and their nodes, in memory (when the cache cannot be written).
fn compute_calls(ws: &Workspace, passes: &[TracePass]) -> Result<MaterializedCalls> {
    let mut numbers = NodeNumbers::default();
    let mut calls = DataFrame::empty_with_schema(&calls_schema());
    for p in passes {
        calls
            .vstack_mut_owned(numbers.number(pass_calls(ws, p)?)?)
            .ctx("computing service_map_calls")?;
    }
    let nodes = numbers.frame()?;
    Ok(MaterializedCalls { calls, nodes })
}

/// Compute the calls pass by pass into their Parquet file (a temporary file renamed over it at
/// the end), one row group per pass, then their nodes into theirs.
fn write_calls(ws: &Workspace, passes: &[TracePass], paths: &CachePaths) -> Result<()> {
    let mut numbers = NodeNumbers::default();
    crate::workspace::write_file_atomic(&paths.calls, |f| {
        let mut writer = ParquetWriter::new(f)
            .with_compression(ParquetCompression::Lz4Raw)
            .batched(&calls_schema())
            .ctx("writing service_map_calls")?;
        for p in passes {
            let mut df = numbers.number(pass_calls(ws, p)?)?;
            df.rechunk_mut_par();
            writer.write_batch(&df).ctx("writing service_map_calls")?;
        }
        writer.finish().ctx("writing service_map_calls")?;
        Ok(())
    })?;
    crate::workspace::write_parquet_atomic(&paths.nodes, numbers.frame()?)
}

/// Whether a cache file is readable Parquet in `schema` (its metadata only).
fn cache_schema_ok(path: &Path, schema: &Schema) -> bool {
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    ParquetReader::new(f)
        .schema()
        .is_ok_and(|s| &Schema::from_arrow_schema(&s) == schema)
}

/// A cached table, when readable and in `schema`.
fn read_cache(path: &Path, schema: &Schema) -> Option<DataFrame> {
    let f = std::fs::File::open(path).ok()?;
    let df = ParquetReader::new(f).finish().ok()?;
    (df.schema().as_ref() == schema).then_some(df)
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

    /// A context holding the calls of `calls` (from [`calls_of`]) numbered, and their nodes.
    fn numbered(calls: DataFrame) -> SQLContext {
        let mut numbers = NodeNumbers::default();
        let calls = numbers.number(calls).unwrap();
        let ctx = SQLContext::new();
        ctx.register(CALLS_TABLE, calls.lazy());
        ctx.register(NODES_TABLE, numbers.frame().unwrap().lazy());
        ctx
    }

    fn run(spans: LazyFrame, sql: &str) -> Vec<Vec<String>> {
        let mut ctx = numbered(calls_of(spans).unwrap().collect().unwrap());
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
        let mut ctx = numbered(calls);
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

    /// Every call, as text, sorted (passes write the calls in another order), with its nodes'
    /// names and types in place of their numbers (passes number the nodes in another order),
    /// after checking that every number names a node.
    fn sorted_calls(m: &MaterializedCalls) -> Vec<Vec<String>> {
        let mut lf = m.calls.clone().lazy();
        for (_, _, number) in NODE_COLUMNS {
            lf = lf.join(
                m.nodes.clone().lazy().select([
                    col("node").alias(number),
                    col("name").alias(format!("{number}_name")),
                    col("type").alias(format!("{number}_type")),
                ]),
                [col(number)],
                [col(number)],
                JoinArgs::new(JoinType::Left),
            );
        }
        let df = lf.collect().unwrap();
        for (name, kind, number) in NODE_COLUMNS {
            assert_eq!(
                df.column(number).unwrap().null_count(),
                0,
                "every call has its nodes"
            );
            for (a, b) in [
                (name, format!("{number}_name")),
                (kind, format!("{number}_type")),
            ] {
                let (a, b) = (df.column(a).unwrap(), df.column(&b).unwrap());
                assert!(
                    a.as_materialized_series()
                        .equals_missing(b.as_materialized_series())
                );
            }
        }
        let df = df
            .drop_many(
                NODE_COLUMNS.iter().flat_map(|(_, _, n)| {
                    [n.to_string(), format!("{n}_name"), format!("{n}_type")]
                }),
            )
            .select(
                CALLS_COLUMNS
                    .iter()
                    .filter(|c| !c.ends_with("_node"))
                    .copied(),
            )
            .unwrap();
        let mut rows: Vec<Vec<String>> = crate::export::cells(&df)
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
        assert!(
            whole.calls.height() > 1_000,
            "{} calls",
            whole.calls.height()
        );
        assert_eq!(sorted_calls(&split), sorted_calls(&whole));
        assert!(
            sorted_calls(&whole)
                .iter()
                .any(|r| r[0] == "-" || r[0].is_empty()),
            "the span with no trace ID has its call"
        );

        // The cache files written pass by pass hold the same calls and nodes.
        let paths = CachePaths {
            calls: dir.path().join("calls.parquet"),
            nodes: dir.path().join("nodes.parquet"),
            stamp: dir.path().join("calls.stamp"),
        };
        write_calls(&ws, &many, &paths).unwrap();
        let cached = MaterializedCalls {
            calls: read_cache(&paths.calls, &calls_schema()).unwrap(),
            nodes: read_cache(&paths.nodes, &nodes_schema()).unwrap(),
        };
        assert_eq!(sorted_calls(&cached), sorted_calls(&whole));
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

    /// Resources are named by their short name (`queries/service-map-resources.sql`, computed
    /// once per distinct resource) both as an inferred segment's node and as an unanswered
    /// call's target, the same resource in both roles included.
    #[test]
    fn resources_are_named_by_their_short_names() {
        let t = "1-5f000000-00000000000000000000000a";
        let call = |id: &str, name: &str, resource: Option<&str>| {
            span(
                t,
                id,
                Some("f1"),
                "f1",
                name,
                None,
                "subsegment",
                Some("aws"),
                resource,
                2.0,
                OK,
            )
        };
        let inferred = |id: &str, parent: &str, name: &str, origin: &str, resource: &str| {
            span(
                t,
                id,
                Some(parent),
                id,
                name,
                Some(origin),
                "inferred",
                None,
                Some(resource),
                2.0,
                OK,
            )
        };
        let topic = "arn:aws:sns:us-east-1:123456789012:alerts";
        let rows = vec![
            span(
                t,
                "f1",
                None,
                "f1",
                "fn",
                Some("AWS::Lambda::Function"),
                "segment",
                None,
                Some("arn:aws:lambda:us-east-1:123456789012:function:fn"),
                10.0,
                OK,
            ),
            call(
                "c1",
                "Lambda",
                Some("arn:aws:lambda:us-east-1:123456789012:function:worker:live"),
            ),
            call(
                "c2",
                "DynamoDB",
                Some("arn:aws:dynamodb:us-east-1:123456789012:table/Orders"),
            ),
            call(
                "c3",
                "SQS",
                Some("https://queue.amazonaws.com/123456789012/legacy"),
            ),
            call("c4", "S3", None),
            // The topic as an unanswered call and as the inferred segment answering another.
            call("c5", "SNS", Some(topic)),
            call("c6", "SNS", Some(topic)),
            inferred("i1", "c6", "SNS", "AWS::SNS", topic),
            // An inferred segment whose resource has no short name keeps its own name.
            call(
                "c7",
                "DynamoDB",
                Some("arn:aws:dynamodb:us-east-1:123456789012:table/"),
            ),
            inferred(
                "i2",
                "c7",
                "Ledger",
                "AWS::DynamoDB::Table",
                "arn:aws:dynamodb:us-east-1:123456789012:table/",
            ),
        ];
        let got = run(
            spans_frame(rows),
            "SELECT target, target_type, COUNT(*) AS n FROM service_map_calls \
             WHERE source = 'fn' GROUP BY target, target_type ORDER BY target, target_type",
        );
        let want: Vec<Vec<&str>> = vec![
            vec!["Ledger", "AWS::DynamoDB::Table", "1"],
            vec!["Orders", "AWS::DynamoDB::Table", "1"],
            vec!["S3", "AWS::S3", "1"],
            vec!["alerts", "AWS::SNS", "2"],
            vec!["legacy", "AWS::SQS::Queue", "1"],
            vec!["worker", "AWS::Lambda::Function", "1"],
        ];
        assert_eq!(got, want);
    }
}
