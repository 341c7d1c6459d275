//! The report cache: a report's result saved in the workspace, so asking for the same report
//! again over the same data reads a small Parquet file instead of scanning the frames.
//!
//! - [`super::run_report`] goes through it; [`super::compute_report`] always computes.
//! - Key ([`crate::workspace::cache`]): the report's name and SQL, the window, the parameters
//!   its SQL uses (prices and architectures included; [`used_params`]), the Skylens version,
//!   and the workspace's partition files with their sizes and modification times. Any import, pull or merge changes the
//!   last, so a result of older data is never read.
//! - The CLI computes the standard reports over all the data after an import, a demo or a
//!   pull ([`warm`]), next to the dashboard, so the first `skylens report` and the desktop's
//!   report screens answer at once. A report of another window or other parameters is computed
//!   on first use, then saved.
//! - Files: `<workspace>/cache/report-<name>-<key>.parquet`, at most
//!   [`crate::workspace::cache::KEEP_PER_NAME`] per report. An entry that cannot be read, or
//!   whose columns are not the report's, is recomputed; a result that cannot be saved is still
//!   returned. Deleting `cache/` is always safe.

use std::io::Cursor;

use polars::prelude::*;

use super::{Params, Report, Window};
use crate::error::Result;
use crate::workspace::Workspace;
use crate::workspace::cache as store;

/// `compute()` for report `r` over `window` with `params`, or its saved result when the
/// workspace hasn't changed since it was saved.
pub fn cached(
    ws: &Workspace,
    r: &Report,
    window: Window,
    params: &Params,
    compute: impl FnOnce() -> Result<DataFrame>,
) -> Result<DataFrame> {
    let request = format!("{window:?}\n{}", used_params(r, params));
    let path = store::entry_path(
        ws,
        &format!("report-{}", r.name),
        &[sql_with_derived(r).as_bytes(), request.as_bytes()],
        "parquet",
    )?;
    if let Some(df) = store::load(&path).and_then(|b| read(b, r)) {
        return Ok(df);
    }
    let mut df = compute()?;
    if let Some(bytes) = write(&mut df) {
        store::save(&path, &bytes);
    }
    Ok(df)
}

/// The parameters report `r`'s SQL uses, as text. Only these are part of its key, so callers
/// that set a parameter the report ignores (the overview gives every report its bucket) share
/// its saved result.
fn used_params(r: &Report, p: &Params) -> String {
    let sql = sql_with_derived(r);
    let uses = |token: &str| sql.contains(token);
    let mut out = String::new();
    if uses("{{bin_ms}}") {
        out.push_str(&format!("bin_ms={:?}\n", p.bin_ms));
    }
    if uses("{{bucket_us}}") {
        out.push_str(&format!("bucket_us={:?}\n", p.bucket_us));
    }
    if uses("{{by}}") {
        out.push_str(&format!("by={:?}\n", p.by));
    }
    if uses("{{metric}}") {
        out.push_str(&format!("metric={:?}\n", p.metric));
    }
    if uses(super::prices::PRICES_TABLE) {
        out.push_str(&format!("prices={:?}\n", p.prices));
    }
    if uses(super::prices::ARCH_TABLE) || uses("{{default_arch}}") {
        out.push_str(&format!("arch={:?}\n", p.arch));
    }
    out
}

/// The report's SQL followed by that of the derived tables it reads which depend on the
/// parameters (`route_costs`, `lambda_rates`), so their text and their parameters are part of the key.
fn sql_with_derived(r: &Report) -> String {
    let mut sql = r.sql.to_string();
    if sql.contains(super::route_costs::ROUTE_COSTS_TABLE) {
        sql.push('\n');
        sql.push_str(super::route_costs::ROUTE_COSTS_SQL);
    }
    if sql.contains(super::route_costs::LAMBDA_RATES_TABLE) {
        sql.push('\n');
        sql.push_str(super::route_costs::LAMBDA_RATES_SQL);
    }
    sql
}

/// A saved result, if it parses and has the report's columns.
fn read(bytes: Vec<u8>, r: &Report) -> Option<DataFrame> {
    let df = ParquetReader::new(Cursor::new(bytes)).finish().ok()?;
    let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
    (names == r.columns).then_some(df)
}

/// A result as Parquet bytes (uncompressed: results are small, and reading them is the point).
fn write(df: &mut DataFrame) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Uncompressed)
        .finish(df)
        .ok()?;
    Some(buf)
}

/// Compute and save every report over all the data with default parameters. Returns the
/// reports that failed, with their errors (a report that fails is simply computed again when
/// asked for).
pub fn warm(ws: &Workspace) -> Vec<(&'static str, crate::error::Error)> {
    let params = Params::default();
    super::REPORTS
        .iter()
        .filter_map(|r| {
            super::run_report(ws, r.name, Window::default(), &params)
                .err()
                .map(|e| (r.name, e))
        })
        .collect()
}
