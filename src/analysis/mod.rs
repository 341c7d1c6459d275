//! Analyses: the SQL in `queries/`, run by the Polars SQL engine over the workspace frames.
//!
//! Each report is one SQL file, compiled into the binary so the CLI works anywhere. The
//! report's output columns are a contract (see `ARCHITECTURE.md`); [`run_report`] checks them.

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
}

impl Default for Params {
    fn default() -> Self {
        Params { bin_ms: 100.0 }
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
        columns: &["function", "invocations", "p50_ms", "p90_ms", "p99_ms", "max_ms", "errors", "error_rate"],
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
];

/// Find a report by name.
pub fn report(name: &str) -> Result<&'static Report> {
    REPORTS.iter().find(|r| r.name == name).ok_or_else(|| Error::Unknown {
        kind: "report",
        name: name.to_string(),
        known: REPORTS.iter().map(|r| r.name).collect::<Vec<_>>().join(", "),
    })
}

/// A SQL context with every frame registered under its name, restricted to `window`.
pub fn context(ws: &Workspace, window: Window) -> Result<SQLContext> {
    let ctx = SQLContext::new();
    for f in Frame::ALL {
        ctx.register(f.name(), ws.scan_window(f, window.from, window.to)?);
    }
    Ok(ctx)
}

/// Run any SQL over the frames (`skylens query`).
pub fn run_sql(ws: &Workspace, sql: &str, window: Window) -> Result<DataFrame> {
    let mut ctx = context(ws, window)?;
    ctx.execute(sql).ctx("planning the query")?.collect().ctx("running the query")
}

/// Substitute `{{name}}` parameters.
pub fn render_sql(sql: &str, params: &Params) -> String {
    sql.replace("{{bin_ms}}", &format_num(params.bin_ms))
}

fn format_num(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.1}") } else { v.to_string() }
}

/// Run a named report and check its columns against the contract.
pub fn run_report(ws: &Workspace, name: &str, window: Window, params: &Params) -> Result<DataFrame> {
    let r = report(name)?;
    let df = run_sql(ws, &render_sql(r.sql, params), window).map_err(|e| match e {
        Error::Polars { context, source } => Error::Polars { context: format!("report {name}: {context}"), source },
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
