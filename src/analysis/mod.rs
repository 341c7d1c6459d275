//! Analyses: the SQL in `queries/`, run by the Polars SQL engine over the workspace frames.
//!
//! Each report is one SQL file, compiled into the binary so the CLI works anywhere. The
//! report's output columns are a contract (see `ARCHITECTURE.md`); [`run_report`] checks them.

pub mod investigate;
pub mod memory;
pub mod params;
pub mod passes;
pub mod prices;
pub mod results;
pub mod route_costs;
pub mod service_map;

use std::collections::HashSet;
use std::sync::Arc;

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::error::{Error, PolarsContext, Result};
use crate::model::Frame;
use crate::workspace::Workspace;

/// A time window, µs since the epoch, UTC, half-open `[from, to)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Inclusive start.
    pub from: Option<i64>,
    /// Exclusive end.
    pub to: Option<i64>,
}

/// Parameters a report's SQL may use as `{{name}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Histogram bin width, ms.
    pub bin_ms: f64,
    /// Time-series bucket width, µs (`{{bucket_us}}`); `None` chooses one from the window
    /// ([`params::bucket_for`]).
    pub bucket_us: Option<i64>,
    /// Cost grouping of the spend reports (`{{by}}`), as [`params::parse_by`] returns it;
    /// `None` = every grouping present.
    pub by: Option<String>,
    /// Cost metric of the spend reports (`{{metric}}`).
    pub metric: String,
    /// Lambda prices (the SQL table `lambda_prices`); `None` = the built-in table.
    pub prices: Option<prices::PriceTable>,
    /// Function architectures (the SQL table `lambda_arch`, and `{{default_arch}}`).
    pub arch: prices::ArchMap,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            bin_ms: 100.0,
            bucket_us: None,
            by: None,
            metric: "UnblendedCost".to_string(),
            prices: None,
            arch: prices::ArchMap::default(),
        }
    }
}

/// A report: its name, its SQL, and the columns it must return, in order.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    /// Name used on the command line.
    pub name: &'static str,
    /// The SQL (from `queries/<name>.sql`).
    pub sql: &'static str,
    /// Output columns, in order.
    pub columns: &'static [&'static str],
    /// One line on what it shows.
    pub about: &'static str,
}

/// Every report.
pub const REPORTS: &[Report] = &[
    Report {
        name: "latency",
        sql: include_str!("../../queries/latency.sql"),
        columns: &[
            "function",
            "invocations",
            "p50_ms",
            "p90_ms",
            "p99_ms",
            "max_ms",
            "errors",
            "error_rate",
        ],
        about: "per-function latency percentiles and errors",
    },
    Report {
        name: "cold-starts",
        sql: include_str!("../../queries/cold-starts.sql"),
        columns: &[
            "function",
            "invocations",
            "cold_starts",
            "cold_start_rate",
            "init_p50_ms",
            "init_p99_ms",
            "init_max_ms",
            "cold_p50_ms",
            "warm_p50_ms",
        ],
        about: "per-function cold-start rate, init durations, cold vs warm latency",
    },
    Report {
        name: "cold-start-histogram",
        sql: include_str!("../../queries/cold-start-histogram.sql"),
        columns: &["function", "bin_start_ms", "bin_end_ms", "count"],
        about: "init durations of cold starts in fixed-width bins (--bin-ms)",
    },
    Report {
        name: "latency-timeseries",
        sql: include_str!("../../queries/latency-timeseries.sql"),
        columns: &[
            "bucket_start",
            "function",
            "invocations",
            "p50_ms",
            "p90_ms",
            "p99_ms",
        ],
        about: "per-function latency percentiles per time bucket (--bucket, default from the window)",
    },
    Report {
        name: "cold-start-timeseries",
        sql: include_str!("../../queries/cold-start-timeseries.sql"),
        columns: &[
            "bucket_start",
            "function",
            "invocations",
            "cold_starts",
            "cold_start_rate",
        ],
        about: "per-function cold starts per time bucket (--bucket, default from the window)",
    },
    Report {
        name: "slowest-invocations",
        sql: include_str!("../../queries/slowest-invocations.sql"),
        columns: &[
            "start",
            "function",
            "request_id",
            "trace_id",
            "duration_ms",
            "billed_ms",
            "cold",
            "status",
        ],
        about: "the 100 slowest invocations, with their request and trace IDs",
    },
    Report {
        name: "spend",
        sql: include_str!("../../queries/spend.sql"),
        columns: &["dimension", "key", "amount", "unit", "estimated"],
        about: "cost per tag value or service over the window, CE and CUR (--by, --metric)",
    },
    Report {
        name: "spend-daily",
        sql: include_str!("../../queries/spend-daily.sql"),
        columns: &[
            "period_start",
            "dimension",
            "key",
            "amount",
            "unit",
            "estimated",
        ],
        about: "cost per day and tag value or service (--by, --metric)",
    },
    Report {
        name: "cost-per-function",
        sql: include_str!("../../queries/cost-per-function.sql"),
        columns: &[
            "function",
            "invocations",
            "billed_gb_s",
            "est_compute_usd",
            "est_request_usd",
            "est_total_usd",
            "usd_per_million",
        ],
        about: "estimated Lambda cost per function from billed GB-seconds (--prices, --arch)",
    },
    Report {
        name: "cost-per-route",
        sql: include_str!("../../queries/cost-per-route.sql"),
        columns: &[
            "route",
            "kind",
            "requests",
            "invocations",
            "est_total_usd",
            "usd_per_million",
        ],
        about: "estimated Lambda cost per API route or trigger, over whole traces (--prices, --arch)",
    },
    Report {
        name: "service-map-nodes",
        sql: include_str!("../../queries/service-map-nodes.sql"),
        columns: &[
            "service",
            "type",
            "requests",
            "errors",
            "faults",
            "throttles",
            "p50_ms",
            "p99_ms",
        ],
        about: "service-map nodes (X-Ray services, client, downstream resources) with request figures",
    },
    Report {
        name: "service-map-edges",
        sql: include_str!("../../queries/service-map-edges.sql"),
        columns: &[
            "source",
            "source_type",
            "target",
            "target_type",
            "requests",
            "errors",
            "faults",
            "throttles",
            "p50_ms",
            "p99_ms",
        ],
        about: "service-map edges (calls between nodes) with request figures",
    },
    Report {
        name: "service-map-health",
        sql: include_str!("../../queries/service-map-health.sql"),
        columns: &[
            "service",
            "type",
            "requests",
            "ok_share",
            "error_share",
            "fault_share",
            "throttle_share",
        ],
        about: "service-map node health: share of ok, error, fault and throttled requests",
    },
];

/// Find a report by name.
pub fn report(name: &str) -> Result<&'static Report> {
    REPORTS
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| Error::Unknown {
            kind: "report",
            name: name.to_string(),
            known: REPORTS
                .iter()
                .map(|r| r.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// A SQL context with every frame registered under its name, restricted to `window`, and
/// the workspace's function names ([`crate::model::FUNCTION_NAMES_TABLE`]).
pub fn context(ws: &Workspace, window: Window) -> Result<SQLContext> {
    let ctx = SQLContext::new();
    for f in Frame::ALL {
        ctx.register(f.name(), ws.scan_window(f, window.from, window.to)?);
    }
    ctx.register(
        crate::model::FUNCTION_NAMES_TABLE,
        ws.function_names()?.lazy(),
    );
    service_map::register_views(&ctx, ws, window)?;
    Ok(ctx)
}

/// Run any SQL over the frames (`skylens query`).
pub fn run_sql(ws: &Workspace, sql: &str, window: Window) -> Result<DataFrame> {
    run_sql_with(ws, sql, window, &Params::default())
}

/// Register the tables that come from parameters rather than the workspace:
/// `lambda_prices` and `lambda_arch` (see [`prices`]).
pub fn register_param_tables(ctx: &SQLContext, params: &Params) -> Result<()> {
    let table = match &params.prices {
        Some(t) => t.to_frame()?,
        None => prices::PriceTable::builtin()?.to_frame()?,
    };
    ctx.register(prices::PRICES_TABLE, table.lazy());
    ctx.register(prices::ARCH_TABLE, params.arch.to_frame()?.lazy());
    Ok(())
}

/// Plan `sql` in `ctx`, leaving `ctx` with the tables it had, so that several statements can
/// run one after another in one context. Polars' SQL context keeps the derived tables of a
/// statement it ran (`(…) AS r`) among its tables, under their aliases, and a later statement
/// whose table alias has that name then read the leftover table instead
/// (`service_map_resources AS r` failed so: "no column named 'short_name' found in table 'r'").
/// The names added by the statement are removed again. (A derived table named like one of
/// `ctx`'s own tables would replace it; no query of `queries/` names one so.)
pub(crate) fn execute_clean(ctx: &mut SQLContext, sql: &str) -> PolarsResult<LazyFrame> {
    let before: HashSet<String> = ctx.get_tables().into_iter().collect();
    let planned = ctx.execute(sql);
    for t in ctx.get_tables() {
        if !before.contains(&t) {
            ctx.unregister(&t);
        }
    }
    planned
}

/// The frames of the window and the parameter tables ([`register_param_tables`]).
pub fn frames_context(ws: &Workspace, window: Window, params: &Params) -> Result<SQLContext> {
    let ctx = context(ws, window)?;
    register_param_tables(&ctx, params)?;
    Ok(ctx)
}

/// [`frames_context`] and the derived tables that depend on the parameters
/// ([`route_costs::LAMBDA_RATES_TABLE`], [`route_costs::ROUTE_COSTS_TABLE`], computed only if
/// a query reads them): every table a report's SQL may name.
pub fn report_context(ws: &Workspace, window: Window, params: &Params) -> Result<SQLContext> {
    let mut ctx = frames_context(ws, window, params)?;
    route_costs::register_views(&mut ctx, ws, window, params)?;
    Ok(ctx)
}

/// Run SQL over the frames and the parameter tables ([`register_param_tables`]).
pub fn run_sql_with(
    ws: &Workspace,
    sql: &str,
    window: Window,
    params: &Params,
) -> Result<DataFrame> {
    report_context(ws, window, params)?
        .execute(sql)
        .ctx("planning the query")?
        .collect()
        .ctx("running the query")
}

/// Substitute `{{name}}` parameters. Text parameters are escaped for single-quoted SQL
/// literals; an unset `{{bucket_us}}` becomes one hour (run_report chooses it from the window).
pub fn render_sql(sql: &str, params: &Params) -> String {
    sql.replace("{{bin_ms}}", &format_num(params.bin_ms))
        .replace(
            "{{bucket_us}}",
            &params
                .bucket_us
                .unwrap_or(params::BUCKET_LADDER[3])
                .to_string(),
        )
        .replace(
            "{{by}}",
            &params::sql_text(params.by.as_deref().unwrap_or("")),
        )
        .replace("{{metric}}", &params::sql_text(&params.metric))
        .replace("{{default_arch}}", params.arch.default.name())
        .replace(params::SLOWEST_CUT, &params::sql_float(None))
}

fn format_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        v.to_string()
    }
}

/// Run a report's SQL as [`run_sql_with`] does, on Polars' streaming engine (but for
/// [`IN_MEMORY_REPORTS`]): it runs the scans, filters and group-bys of the reports in
/// parallel morsels and keeps only what the query needs in memory, so reports over millions of rows take less time and memory than on
/// the in-memory engine (`benches/reports.rs`). `service_map_calls` is registered as a scan of
/// its cache ([`service_map::register_cached_views`]). Where the streaming engine cannot run
/// a plan, the in-memory engine does ([`collect_streaming`]). `route_costs`, when the SQL
/// names it, is computed in passes first ([`route_costs::register_computed`]); no report
/// reads `lambda_rates` itself. Users' SQL (`skylens query`,
/// [`run_sql`]) stays on the in-memory engine.
fn run_report_sql(
    ws: &Workspace,
    name: &str,
    sql: &str,
    window: Window,
    params: &Params,
    duration_cut: Option<f64>,
) -> Result<DataFrame> {
    let words = sql_words(sql);
    // The report's SQL keeps `duration_ms >= cut`; its `invocations` are also filtered by
    // `params::at_least`, the same filter in the form that lets the Parquet reader skip the
    // row groups whose maximum is below the cut.
    let invocations_filter =
        duration_cut.map(|cut| params::at_least(crate::model::invocations::DURATION_MS, cut));
    let mut ctx = query_context(ws, window, params, &words, invocations_filter)?;
    if words.contains(service_map::CALLS_TABLE) {
        service_map::register_cached_views(&ctx, ws, window)?;
    }
    if words.contains(route_costs::ROUTE_COSTS_TABLE) {
        route_costs::register_computed(&ctx, ws, window, params)?;
    }
    let mut lf = ctx.execute(sql).ctx("planning the query")?;
    if SEPARATE_SCAN_REPORTS.contains(&name) {
        let opts = lf.get_current_optimizations();
        lf = lf.with_optimizations(opts & !OptFlags::COMM_SUBPLAN_ELIM);
    }
    if IN_MEMORY_REPORTS.contains(&name) {
        return lf.collect().ctx("running the query");
    }
    collect_streaming(lf)
}

/// A frame whose files add up to no more than this is read into memory once per query rather
/// than scanned by every table reference (the spend reports read `costs` several times: 30 date
/// partitions, a few hundred rows, scanned once per reference).
const SMALL_FRAME_BYTES: u64 = 4 << 20;

/// The tables a report reads: the frames among `words` ([`sql_words`] of its SQL; a small frame,
/// [`SMALL_FRAME_BYTES`], read into memory once) and the parameter tables. Frames it doesn't
/// name are not registered, so a report over the costs doesn't list the other frames' files.
fn query_context(
    ws: &Workspace,
    window: Window,
    params: &Params,
    words: &HashSet<String>,
    invocations_filter: Option<Expr>,
) -> Result<SQLContext> {
    let ctx = SQLContext::new();
    for f in Frame::ALL {
        if !words.contains(f.name()) {
            continue;
        }
        let mut lf = ws.scan_window(f, window.from, window.to)?;
        if let (Frame::Invocations, Some(e)) = (f, &invocations_filter) {
            lf = lf.filter(e.clone());
        }
        let bytes: u64 = ws
            .frame_files(f)?
            .iter()
            .map(|(_, p)| std::fs::metadata(p).map_or(u64::MAX, |m| m.len()))
            .fold(0, u64::saturating_add);
        if bytes <= SMALL_FRAME_BYTES {
            let df = lf.collect().ctx(&format!("reading frame {}", f.name()))?;
            ctx.register(f.name(), df.lazy());
        } else {
            ctx.register(f.name(), lf);
        }
    }
    if words.contains(crate::model::FUNCTION_NAMES_TABLE) {
        ctx.register(
            crate::model::FUNCTION_NAMES_TABLE,
            ws.function_names()?.lazy(),
        );
    }
    register_param_tables(&ctx, params)?;
    Ok(ctx)
}

/// The words of `sql` that can name a table or a column: runs of ASCII letters, digits and
/// `_` outside `--` comments and `'…'` string literals, lower-cased. Every name the query uses
/// is among them (the set may hold more: names inside `/* */` comments, keywords).
pub(crate) fn sql_words(sql: &str) -> HashSet<String> {
    let mut words = HashSet::new();
    let mut word = String::new();
    let (mut in_text, mut in_comment) = (false, false);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if !in_text && !in_comment && (c.is_ascii_alphanumeric() || c == '_') {
            word.push(c.to_ascii_lowercase());
            continue;
        }
        if !word.is_empty() {
            words.insert(std::mem::take(&mut word));
        }
        if in_comment {
            in_comment = c != '\n';
        } else if c == '\'' {
            // A quote inside a literal is written twice: it closes and reopens it.
            in_text = !in_text;
        } else if !in_text && c == '-' && chars.peek() == Some(&'-') {
            in_comment = true;
        }
    }
    if !word.is_empty() {
        words.insert(word);
    }
    words
}

/// Reports computed window by window ([`passes::time_windows`]): one row per time bucket and
/// function, ordered by bucket first, and percentiles that hold a group's values at once
/// (`latency-timeseries`: 1.37–1.43 GB in one pass at 10M invocations).
const TIME_PASS_REPORTS: &[&str] = &["latency-timeseries"];

/// A per-bucket report over `window` as consecutive windows of about `per_pass` invocations
/// each, cut at bucket boundaries, concatenated in time order: the rows of one run.
fn run_in_time_passes(
    ws: &Workspace,
    name: &str,
    sql: &str,
    window: Window,
    params: &Params,
    bucket_us: i64,
    per_pass: u64,
) -> Result<DataFrame> {
    let windows = passes::time_windows(ws, window, bucket_us, per_pass)?;
    let mut rest = windows.into_iter();
    let mut df = run_report_sql(ws, name, sql, rest.next().unwrap_or(window), params, None)?;
    for w in rest {
        memory::release();
        let part = run_report_sql(ws, name, sql, w, params, None)?;
        df.vstack_mut(&part).ctx("joining the passes")?;
    }
    df.rechunk_mut();
    Ok(df)
}

/// Reports whose table references are scanned separately rather than once and shared (Polars'
/// common-subplan elimination off): the service-map node reports read `service_map_calls`
/// twice (the calls into each node, and again those from the client), and a shared scan holds
/// every column either reference needs for all 5.4M calls of the 10M bench before either
/// runs; two scans stream. Peak RSS at 10M invocations, grouping by names: service-map-nodes
/// 1.12 -> 0.97 GB, service-map-health 0.39 -> 0.25 GB, in no more time; grouping by node
/// numbers: 330–355 -> 250 MB and 182–187 -> 95 MB (`benches/reports.rs`).
const SEPARATE_SCAN_REPORTS: &[&str] = &["service-map-nodes", "service-map-health"];

/// Reports run on the in-memory engine: their figures are sums of floats (spend), which the
/// streaming engine adds in another order (per morsel, as threads finish), so a figure that
/// falls on a rounding boundary could round differently from run to run and from the
/// in-memory engine (the goldens in `tests/golden`). The in-memory engine adds each group's
/// rows in one order. Counts, maxima and quantiles do not depend on the order. Nor do the
/// sums of `cost-per-function`, which adds billed ms x MB as integers and divides once (its
/// GB-seconds are round decimals, which did fall on a rounding boundary). `cost-per-route`
/// adds float USD on the streaming engine (per pass over the traces, then the passes'
/// sums): prices such as 0.0000166667 make its sums non-round, so a figure rounded to 1e-6 USD would change only if it lay within about
/// 1e-16 of a rounding boundary; the goldens hold across runs. The spend reports read the
/// small costs frame, where the engine makes no difference to speed.
const IN_MEMORY_REPORTS: &[&str] = &["spend", "spend-daily"];

/// A table computed only when a query reads it: `compute` runs at collection time and must
/// return a frame in `schema` (the derived tables `service_map_calls` and `route_costs`).
pub(crate) fn derived_table(
    name: &'static str,
    schema: Schema,
    compute: impl Fn() -> Result<DataFrame> + Send + Sync + 'static,
) -> Result<LazyFrame> {
    let schema = Arc::new(schema);
    let scan = Arc::new(DerivedScan {
        name,
        schema: schema.clone(),
        compute,
    });
    let args = ScanArgsAnonymous {
        schema: Some(schema),
        name,
        ..Default::default()
    };
    LazyFrame::anonymous_scan(scan, args).ctx(&format!("registering {name}"))
}

/// The [`AnonymousScan`] of [`derived_table`].
struct DerivedScan<F> {
    name: &'static str,
    schema: SchemaRef,
    compute: F,
}

impl<F: Fn() -> Result<DataFrame> + Send + Sync + 'static> AnonymousScan for DerivedScan<F> {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn schema(&self, _infer_schema_length: Option<usize>) -> PolarsResult<SchemaRef> {
        Ok(self.schema.clone())
    }

    fn scan(&self, _args: AnonymousScanArgs) -> PolarsResult<DataFrame> {
        (self.compute)().map_err(|e| polars_err!(ComputeError: "{}: {}", self.name, e))
    }
}

/// Collect `lf` on Polars' streaming engine; should that engine fail to plan or run it
/// (Polars panics where it does not implement part of a plan: "not yet implemented", and in
/// 0.55 also "unreachable" for inequality joins), collect it on the in-memory engine, which
/// runs every plan. The panic message is printed by the panic hook; the result is the same.
pub(crate) fn collect_streaming(lf: LazyFrame) -> Result<DataFrame> {
    let streamed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lf.clone().collect_with_engine(Engine::Streaming)
    }));
    match streamed {
        // One query has one result (several only come from collecting several sinks).
        Ok(r) => Ok(r.ctx("running the query")?.unwrap_single()),
        Err(_) => lf.collect().ctx("running the query"),
    }
}

/// Run a named report: its saved result when the workspace hasn't changed since it was
/// computed with the same window and parameters ([`results`]), else [`compute_report`] (and
/// save it).
pub fn run_report(
    ws: &Workspace,
    name: &str,
    window: Window,
    params: &Params,
) -> Result<DataFrame> {
    let r = report(name)?;
    results::cached(ws, r, window, params, || {
        compute_report(ws, name, window, params)
    })
}

/// Compute a named report from the frames (never from the report cache) and check its
/// columns against the contract.
pub fn compute_report(
    ws: &Workspace,
    name: &str,
    window: Window,
    params: &Params,
) -> Result<DataFrame> {
    let r = report(name)?;
    let mut params = params.clone();
    if params.bucket_us.is_none() && r.sql.contains("{{bucket_us}}") {
        params.bucket_us = Some(params::bucket_for(ws, window)?);
    }
    let cut = if r.sql.contains(params::SLOWEST_CUT) {
        params::slowest_cut_ms(ws, window)?
    } else {
        None
    };
    // (Without a cut, `render_sql` puts the same lowest double as `sql_float(None)`.)
    let sql = render_sql(
        &r.sql.replace(params::SLOWEST_CUT, &params::sql_float(cut)),
        &params,
    );
    let df = match (TIME_PASS_REPORTS.contains(&name), params.bucket_us) {
        (true, Some(bucket_us)) => run_in_time_passes(
            ws,
            name,
            &sql,
            window,
            &params,
            bucket_us,
            passes::INVOCATIONS_PER_TIME_PASS,
        ),
        _ => run_report_sql(ws, name, &sql, window, &params, cut),
    };
    // What the query freed goes back to the OS before the next report starts, so reports run
    // one after another (the warm-up, the dashboard) peak at the largest one, not at their sum.
    memory::release();
    let df = df.map_err(|e| match e {
        Error::Polars { context, source } => Error::Polars {
            context: format!("report {name}: {context}"),
            source,
        },
        e => e,
    })?;
    let got: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
    if got != r.columns {
        return Err(Error::Invalid(format!(
            "report {name} returned columns {got:?}, expected {:?} (check queries/{name}.sql)",
            r.columns
        )));
    }
    Ok(df)
}

/// A workspace under `dir` holding the demo of `requests` API requests over `days` days,
/// imported through the real path (tests of the analyses).
#[cfg(test)]
pub(crate) fn demo_workspace(dir: &std::path::Path, requests: u64, days: u32) -> Workspace {
    let ws = Workspace::open_or_create(dir.join("ws")).expect("workspace");
    let opts = crate::source::demo::DemoOptions {
        requests,
        days,
        ..Default::default()
    };
    crate::source::import_demo(&ws, &opts, false).expect("demo");
    ws
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_planned_clean_leave_no_derived_tables_behind() {
        use super::{SQLContext, execute_clean};
        use polars::prelude::*;
        let t = || df!("y" => [7i64]).unwrap().lazy();
        let mut ctx = SQLContext::new();
        ctx.register("t", t());
        // Polars keeps `r`, the first statement's derived table, among the context's tables;
        // the second statement's `t AS r` would then read it (it has no column y).
        let first = "SELECT x FROM (SELECT 1 AS x) AS r";
        let second = "SELECT r.y FROM t AS r";
        execute_clean(&mut ctx, first).unwrap().collect().unwrap();
        assert_eq!(ctx.get_tables(), vec!["t".to_string()]);
        let got = execute_clean(&mut ctx, second).unwrap().collect().unwrap();
        assert_eq!(got.column("y").unwrap().i64().unwrap().get(0), Some(7));
        // The quirk itself, so this helper can go when Polars stops keeping them.
        let mut plain = SQLContext::new();
        plain.register("t", t());
        let _planned = plain.execute(first).unwrap();
        assert!(plain.get_tables().contains(&"r".to_string()));
    }

    #[test]
    fn sql_words_are_the_names_outside_comments_and_literals() {
        let sql = "-- reads costs\nSELECT Amount, 'logs -- spans' AS x -- invocations\n\
                   FROM costs_x JOIN \"Spans\" ON a = 'it''s' WHERE b-1 > 0";
        let words = super::sql_words(sql);
        for w in [
            "select", "amount", "x", "from", "costs_x", "spans", "a", "b", "1",
        ] {
            assert!(words.contains(w), "{w} in {words:?}");
        }
        for w in ["costs", "logs", "invocations", "it", "s", "reads"] {
            assert!(!words.contains(w), "{w} not in {words:?}");
        }
    }
}
