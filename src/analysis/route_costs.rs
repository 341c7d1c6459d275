//! The derived table `route_costs` behind `cost-per-route`: per pass over the traces, each
//! entry point's requests, invocations and unrounded estimated Lambda cost
//! (`queries/route-costs.sql`, which says how a trace's entry point is found).
//!
//! Finding each trace's entry point groups every invocation, API Gateway access line and API
//! Gateway segment by trace: at 10M invocations that is about 4M groups, and one group-by over
//! all of them peaked at 2.9 GB. The query therefore runs once per pass over a range of trace
//! IDs ([`super::passes`], about [`INVOCATIONS_PER_PASS`] invocations each), with the
//! condition `{{trace_pass}}` on each of its three inputs; every row of a trace is in the same
//! pass, so the passes' rows are those of one run over everything, and
//! `queries/cost-per-route.sql` adds them up per entry point. The prices of each function
//! and region (`queries/lambda-rates.sql`, the table `lambda_rates`) are computed once, from
//! every invocation of the window, before the passes.
//!
//! The table depends on the window and the price parameters, so it is computed for each
//! query that reads it (the report cache, [`super::results`], keeps `cost-per-route`'s result).

use polars::prelude::*;
use polars::sql::SQLContext;

use super::passes::{self, TracePass};
use super::{Params, Window};
use crate::error::{PolarsContext, Result};
use crate::model::{Frame, invocations};
use crate::workspace::Workspace;

/// Name of the derived table of route costs.
pub const ROUTE_COSTS_TABLE: &str = "route_costs";

/// The SQL of [`ROUTE_COSTS_TABLE`] (`queries/route-costs.sql`).
pub const ROUTE_COSTS_SQL: &str = include_str!("../../queries/route-costs.sql");

/// Name of the derived table of the prices of each function and region of the window.
pub const LAMBDA_RATES_TABLE: &str = "lambda_rates";

/// The SQL of [`LAMBDA_RATES_TABLE`] (`queries/lambda-rates.sql`).
pub const LAMBDA_RATES_SQL: &str = include_str!("../../queries/lambda-rates.sql");

/// The placeholder in [`ROUTE_COSTS_SQL`] for the pass's condition on `trace_id`.
const PASS_TOKEN: &str = "{{trace_pass}}";

/// Invocations per pass: a pass of 2M invocations (and their traces' access lines and
/// segments) stays within a few hundred MB (`benches/reports.rs`).
pub const INVOCATIONS_PER_PASS: u64 = 2_000_000;

/// Columns of [`ROUTE_COSTS_TABLE`], in order, with their types.
pub fn schema() -> Schema {
    Schema::from_iter([
        Field::new("route".into(), DataType::String),
        Field::new("kind".into(), DataType::String),
        Field::new("requests".into(), DataType::Int64),
        Field::new("invocations".into(), DataType::Int64),
        Field::new("usd".into(), DataType::Float64),
    ])
}

/// The route costs of the invocations in `window`, priced with `params`, in passes of about
/// [`INVOCATIONS_PER_PASS`] invocations.
pub fn route_costs(ws: &Workspace, window: Window, params: &Params) -> Result<DataFrame> {
    compute(ws, window, params, INVOCATIONS_PER_PASS)
}

/// The passes over the traces of the invocations in `window`.
fn plan(ws: &Workspace, window: Window, per_pass: u64) -> Result<Vec<TracePass>> {
    let t = invocations::TRACE_ID;
    let ids = ws
        .scan_window(Frame::Invocations, window.from, window.to)?
        .select([col(t)]);
    passes::plan(ids, t, per_pass)
}

/// [`route_costs`] with `per_pass` invocations per pass. One SQL context serves every pass:
/// the frames of the window, the parameter tables and the prices, computed once.
fn compute(ws: &Workspace, window: Window, params: &Params, per_pass: u64) -> Result<DataFrame> {
    let passes = plan(ws, window, per_pass)?;
    let mut ctx = super::frames_context(ws, window, params)?;
    // On the streaming engine: its DISTINCT holds the functions and regions, where the
    // in-memory engine read both columns of every invocation (1.6 GB at 10M).
    let rates = super::collect_streaming(rates_of(&mut ctx, params)?)?;
    ctx.register(LAMBDA_RATES_TABLE, rates.lazy());
    let mut out = DataFrame::empty_with_schema(&schema());
    for p in &passes {
        out.vstack_mut_owned(pass_costs(&mut ctx, params, p)?)
            .ctx("computing route_costs")?;
    }
    Ok(out)
}

/// The plan of [`LAMBDA_RATES_TABLE`] over the tables of `ctx`.
fn rates_of(ctx: &mut SQLContext, params: &Params) -> Result<LazyFrame> {
    super::execute_clean(ctx, &super::render_sql(LAMBDA_RATES_SQL, params))
        .ctx("planning queries/lambda-rates.sql")
}

/// The rows of one pass, over the tables of `ctx` (the prices included), on Polars'
/// streaming engine.
fn pass_costs(ctx: &mut SQLContext, params: &Params, p: &TracePass) -> Result<DataFrame> {
    let sql = super::render_sql(
        &ROUTE_COSTS_SQL.replace(PASS_TOKEN, &p.sql(invocations::TRACE_ID)),
        params,
    );
    let lf = super::execute_clean(ctx, &sql).ctx("planning queries/route-costs.sql")?;
    let typed = lf.select(
        schema()
            .iter()
            .map(|(n, t)| col(n.clone()).cast(t.clone()))
            .collect::<Vec<_>>(),
    );
    super::collect_streaming(typed).map_err(|e| e.in_context("computing route_costs"))
}

/// Register [`LAMBDA_RATES_TABLE`] and [`ROUTE_COSTS_TABLE`] in `ctx` (which holds the frames
/// of `window` and the parameter tables) for `window` and `params`, computed only when a
/// query reads them.
pub fn register_views(
    ctx: &mut SQLContext,
    ws: &Workspace,
    window: Window,
    params: &Params,
) -> Result<()> {
    let rates = rates_of(ctx, params)?;
    ctx.register(LAMBDA_RATES_TABLE, rates);
    let (ws, params) = (ws.clone(), params.clone());
    let lf = super::derived_table(ROUTE_COSTS_TABLE, schema(), move || {
        route_costs(&ws, window, &params)
    })?;
    ctx.register(ROUTE_COSTS_TABLE, lf);
    Ok(())
}

/// Register [`ROUTE_COSTS_TABLE`] in `ctx` computed now (the report path: the streaming engine
/// then reads it from memory).
pub fn register_computed(
    ctx: &SQLContext,
    ws: &Workspace,
    window: Window,
    params: &Params,
) -> Result<()> {
    ctx.register(ROUTE_COSTS_TABLE, route_costs(ws, window, params)?.lazy());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows as text, sorted, with USD to 1e-9 (passes add the same costs in another order).
    fn rows(df: &DataFrame) -> Vec<String> {
        let g = df
            .clone()
            .lazy()
            .group_by([col("route"), col("kind")])
            .agg([
                col("requests").sum(),
                col("invocations").sum(),
                col("usd").sum(),
            ])
            .collect()
            .unwrap();
        let mut out: Vec<String> = crate::export::cells(&g)
            .into_iter()
            .map(|r| {
                let mut t: Vec<String> = r.iter().map(|c| c.text()).collect();
                let usd: f64 = t[4].parse().unwrap();
                t[4] = format!("{usd:.9}");
                t.join("\t")
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn route_costs_computed_in_passes_are_those_of_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::analysis::demo_workspace(dir.path(), 1_500, 3);
        let params = Params::default();
        let window = Window::default();

        assert_eq!(plan(&ws, window, u64::MAX).unwrap(), vec![TracePass::all()]);
        let whole = compute(&ws, window, &params, u64::MAX).unwrap();
        let many = plan(&ws, window, 300).unwrap();
        assert!(many.len() > 5, "{} passes", many.len());
        let split = compute(&ws, window, &params, 300).unwrap();
        assert!(
            split.height() > whole.height(),
            "several passes give several rows per route"
        );
        assert_eq!(rows(&split), rows(&whole));
        // Every kind of entry point is there, and every invocation is counted once.
        let kinds: Vec<String> = rows(&whole)
            .iter()
            .map(|r| r.split('\t').nth(1).unwrap().to_string())
            .collect();
        for k in ["api", "untraced"] {
            assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
        }
        let n = |df: &DataFrame| {
            df.column("invocations")
                .unwrap()
                .i64()
                .unwrap()
                .sum()
                .unwrap()
        };
        let total = ws
            .scan(Frame::Invocations)
            .unwrap()
            .collect()
            .unwrap()
            .height() as i64;
        assert_eq!(n(&whole), total);
        assert_eq!(n(&split), total);

        // The report over the passes equals the report over one pass (rounded the same).
        let mut ctx = super::super::frames_context(&ws, window, &params).unwrap();
        ctx.register(ROUTE_COSTS_TABLE, split.lazy());
        let report = crate::analysis::report("cost-per-route").unwrap();
        let from_split = ctx.execute(report.sql).unwrap().collect().unwrap();
        ctx.register(ROUTE_COSTS_TABLE, whole.lazy());
        let from_whole = ctx.execute(report.sql).unwrap().collect().unwrap();
        assert!(
            from_split.equals_missing(&from_whole),
            "{from_split}\n{from_whole}"
        );
    }
}
