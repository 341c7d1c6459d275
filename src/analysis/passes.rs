//! Passes over ranges of trace IDs: how the analyses that group millions of rows by trace
//! (`service_map_calls`, `route_costs`) keep their memory bounded by a pass rather than by the
//! workspace. And passes over time ([`time_windows`]), for the per-bucket time series.
//!
//! Every row of one trace falls in one pass, so a per-trace computation run pass by pass gives
//! the rows of one run over everything. X-Ray trace IDs (`1-5759e988-bd862e3f…`) start with the
//! trace's start time in hexadecimal epoch seconds, so a pass is a stretch of time, and the
//! Parquet reader skips the row groups whose trace IDs (their min/max statistics) lie outside
//! it. IDs in other forms still land in exactly one pass; they only prune less.

use polars::prelude::*;

use crate::error::{PolarsContext, Result};

/// Characters of a trace ID that group the traces into passes: `1-5759e9` of
/// `1-5759e988-bd862e3f…`, the trace's start in epoch seconds to 256 s.
pub const TRACE_PREFIX_CHARS: i64 = 8;

/// A range of trace IDs computed in one pass: `[from, to)` in string order, `None` open. The
/// first range (`from` = `None`) also holds the rows with no trace ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracePass {
    /// Inclusive lower bound; `None` = from the start, rows without a trace ID included.
    pub from: Option<String>,
    /// Exclusive upper bound; `None` = to the end.
    pub to: Option<String>,
}

impl TracePass {
    /// The one pass holding every row.
    pub fn all() -> TracePass {
        TracePass {
            from: None,
            to: None,
        }
    }

    /// The rows of this pass, as a filter on the trace-ID column `column`; `None` = every row.
    pub fn filter(&self, column: &str) -> Option<Expr> {
        let t = || col(column);
        let lo = self.from.as_ref().map(|f| t().gt_eq(lit(f.clone())));
        let hi = self.to.as_ref().map(|h| t().lt(lit(h.clone())));
        match (lo, hi) {
            (None, None) => None,
            (None, Some(hi)) => Some(hi.or(t().is_null())),
            (Some(lo), None) => Some(lo),
            (Some(lo), Some(hi)) => Some(lo.and(hi)),
        }
    }

    /// The same filter as a SQL condition on `column` (`TRUE` for every row).
    pub fn sql(&self, column: &str) -> String {
        let text = super::params::sql_text;
        match (&self.from, &self.to) {
            (None, None) => "TRUE".to_string(),
            (None, Some(h)) => format!("({column} < '{}' OR {column} IS NULL)", text(h)),
            (Some(f), None) => format!("{column} >= '{}'", text(f)),
            (Some(f), Some(h)) => {
                format!("({column} >= '{}' AND {column} < '{}')", text(f), text(h))
            }
        }
    }
}

/// Split the rows of `lf` into passes of about `per_pass` rows on the prefixes of its
/// trace-ID column `column` ([`TRACE_PREFIX_CHARS`]): all the rows of one trace are in one
/// pass. A prefix holding more than `per_pass` rows is one pass on its own. One pass when
/// there are no more than `per_pass` rows. Reads only `column`.
pub fn plan(lf: LazyFrame, column: &str, per_pass: u64) -> Result<Vec<TracePass>> {
    let counts = count_by_key(
        lf.select([col(column)
            .str()
            .slice(lit(0), lit(TRACE_PREFIX_CHARS))
            .alias("k")]),
    )?;
    let ctx = "counting rows per trace";
    let prefixes = counts.column("k").ctx(ctx)?.str().ctx(ctx)?;
    let cuts = cut_points(
        prefixes.iter().map(|p| p.map(str::to_string)),
        &counts,
        per_pass,
    )?;
    let mut bounds: Vec<Option<String>> = vec![None];
    bounds.extend(cuts.into_iter().map(Some));
    bounds.push(None);
    Ok(bounds
        .windows(2)
        .map(|w| TracePass {
            from: w[0].clone(),
            to: w[1].clone(),
        })
        .collect())
}

/// Invocations per time pass ([`time_windows`]). At 10M invocations `latency-timeseries`
/// peaks at 1,340 MB in one pass (it holds each group's durations at once for its
/// percentiles); in passes of 1M / 2M / 3.5M / 5M invocations at 194 / 339 / 513 / 725 MB
/// (session 7). With the passes cut at day boundaries (session 8), three runs each: passes of
/// 3.5M 947–969 ms (533–559 MB), of 5M 822–906 ms (706–713 MB), one pass 879–1,010 ms
/// (1,339–1,345 MB) (`benches/reports.rs`, `child report latency-timeseries WS`).
pub const INVOCATIONS_PER_TIME_PASS: u64 = 5_000_000;

/// Split `window` into consecutive windows of about `per_pass` invocations each, cut only at
/// multiples of `bucket_us` (µs since the epoch), so every time-series bucket lies whole in
/// one of them: a per-bucket report run window by window and concatenated in order gives the
/// rows of one run over `window`. The first window starts where `window` starts and the last
/// ends where it ends. One window when there are no more than `per_pass` invocations with a
/// start.
///
/// When a day boundary is a bucket boundary (every width of the automatic ladder, 1m to 1d)
/// and no day holds more than `per_pass` invocations, the cuts are at day boundaries and the
/// counts come from the date partitions' Parquet footers ([`Workspace::rows_per_day`]): no
/// data is read (counting per bucket took 180–200 ms of the report's 1.05 s at 10M
/// invocations). Otherwise the invocations' `start` is read and counted per bucket.
///
/// [`Workspace::rows_per_day`]: crate::workspace::Workspace::rows_per_day
pub fn time_windows(
    ws: &crate::workspace::Workspace,
    window: super::Window,
    bucket_us: i64,
    per_pass: u64,
) -> Result<Vec<super::Window>> {
    let start = crate::model::invocations::START;
    let width = bucket_us.max(1);
    let counts = match day_counts(ws, window, width, per_pass)? {
        Some(days) => days,
        None => count_by_key(
            ws.scan_window(crate::model::Frame::Invocations, window.from, window.to)?
                .filter(col(start).is_not_null())
                .select([col(start)
                    .cast(DataType::Int64)
                    .floor_div(lit(width))
                    .alias("k")]),
        )?,
    };
    let ctx = "counting invocations per bucket";
    let buckets = counts.column("k").ctx(ctx)?.i64().ctx(ctx)?;
    let mut bounds = vec![window.from];
    bounds.extend(
        cut_points(buckets.iter(), &counts, per_pass)?
            .into_iter()
            .map(|b| Some(b * width)),
    );
    bounds.push(window.to);
    Ok(bounds
        .windows(2)
        .map(|w| super::Window {
            from: w[0],
            to: w[1],
        })
        .collect())
}

/// The invocations of each day `window` touches, keyed by the bucket (of `width` µs) that
/// starts the day, as [`count_by_key`] gives them; `None` when a day boundary is not a bucket
/// boundary or a day holds more than `per_pass` invocations (its buckets must then be counted).
fn day_counts(
    ws: &crate::workspace::Workspace,
    window: super::Window,
    width: i64,
    per_pass: u64,
) -> Result<Option<DataFrame>> {
    const US_PER_DAY: i64 = 86_400_000_000;
    if US_PER_DAY % width != 0 {
        return Ok(None);
    }
    let days = ws.rows_per_day(crate::model::Frame::Invocations, window.from, window.to)?;
    if days.iter().any(|&(_, n)| n > per_pass) {
        return Ok(None);
    }
    let buckets_per_day = US_PER_DAY / width;
    let k: Vec<i64> = days.iter().map(|&(d, _)| d * buckets_per_day).collect();
    let n: Vec<u64> = days.iter().map(|&(_, n)| n).collect();
    let df = df!("k" => k, "n" => n).ctx("counting invocations per day")?;
    Ok(Some(df))
}

/// The rows of `keys` (one column, `k`) counted per key, sorted by key, nulls first.
fn count_by_key(keys: LazyFrame) -> Result<DataFrame> {
    super::collect_streaming(
        keys.group_by([col("k")])
            .agg([len().alias("n")])
            .sort(["k"], SortMultipleOptions::default().with_nulls_last(false)),
    )
}

/// The keys at which a new pass starts, given each key's rows in order (`keys` and the column
/// `n` of `counts`, from [`count_by_key`]): a pass ends before the key that would take it past
/// `per_pass` rows, and a key with more rows than that is a pass on its own. A null key never
/// starts a pass (its rows stay in the first).
fn cut_points<K>(
    keys: impl Iterator<Item = Option<K>>,
    counts: &DataFrame,
    per_pass: u64,
) -> Result<Vec<K>> {
    let ctx = "counting rows per pass";
    let n = counts
        .column("n")
        .ctx(ctx)?
        .cast(&DataType::UInt64)
        .ctx(ctx)?;
    let mut cuts = Vec::new();
    let mut acc = 0u64;
    for (key, k) in keys.zip(n.u64().ctx(ctx)?.iter()) {
        let k = k.unwrap_or(0);
        if let Some(key) = key
            && acc > 0
            && acc + k > per_pass
        {
            cuts.push(key);
            acc = 0;
        }
        acc += k;
    }
    Ok(cuts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[Option<&str>]) -> LazyFrame {
        df!("trace_id" => v).unwrap().lazy()
    }

    /// Each row's pass, by the SQL condition and by the filter expression.
    fn passes_of(lf: &LazyFrame, passes: &[TracePass]) -> (Vec<usize>, Vec<usize>) {
        let n = lf.clone().collect().unwrap().height();
        let mut by_expr = vec![usize::MAX; n];
        let mut by_sql = vec![usize::MAX; n];
        for (i, p) in passes.iter().enumerate() {
            let indexed = lf.clone().with_row_index("row", None);
            let expr = match p.filter("trace_id") {
                Some(f) => indexed.clone().filter(f),
                None => indexed.clone(),
            };
            for r in expr
                .collect()
                .unwrap()
                .column("row")
                .unwrap()
                .u32()
                .unwrap()
                .iter()
            {
                let r = r.unwrap() as usize;
                assert_eq!(by_expr[r], usize::MAX, "row {r} in two passes");
                by_expr[r] = i;
            }
            let mut ctx = polars::sql::SQLContext::new();
            ctx.register("t", indexed);
            let sql = format!("SELECT row FROM t WHERE {}", p.sql("trace_id"));
            let got = ctx.execute(&sql).unwrap().collect().unwrap();
            for r in got.column("row").unwrap().u32().unwrap().iter() {
                let r = r.unwrap() as usize;
                assert_eq!(by_sql[r], usize::MAX, "row {r} in two passes (SQL)");
                by_sql[r] = i;
            }
        }
        (by_expr, by_sql)
    }

    #[test]
    fn time_passes_cut_at_days_from_the_footers_when_every_day_fits_a_pass() {
        use crate::analysis::{Params, Window, render_sql, report, run_in_time_passes};
        use crate::model::Frame;
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::analysis::demo_workspace(dir.path(), 1_500, 3);
        let (hour, day) = (3_600_000_000_i64, 86_400_000_000_i64);
        let days = ws.rows_per_day(Frame::Invocations, None, None).unwrap();
        assert!(days.len() >= 3, "{days:?}");
        // The footers' counts are the partitions' rows.
        let rows = ws.read(Frame::Invocations).unwrap();
        let dated = rows
            .column("start")
            .unwrap()
            .is_not_null()
            .sum()
            .unwrap_or(0) as u64;
        assert_eq!(days.iter().map(|d| d.1).sum::<u64>(), dated);
        let per_pass = days.iter().map(|d| d.1).max().unwrap();
        let params = Params {
            bucket_us: Some(hour),
            ..Params::default()
        };
        let sql = render_sql(report("latency-timeseries").unwrap().sql, &params);
        let all = Window::default();
        let windows = time_windows(&ws, all, hour, per_pass).unwrap();
        assert!(windows.len() >= 2, "{windows:?}");
        for pair in windows.windows(2) {
            let cut = pair[0].to.expect("an inner cut");
            assert_eq!(Some(cut), pair[1].from, "consecutive");
            assert_eq!(cut % day, 0, "cut at a day boundary");
        }
        let run = |per_pass| {
            run_in_time_passes(
                &ws,
                "latency-timeseries",
                &sql,
                all,
                &params,
                hour,
                per_pass,
            )
            .unwrap()
        };
        let (one, split) = (run(u64::MAX), run(per_pass));
        assert!(one.height() > 20, "{one}");
        assert!(one.equals_missing(&split), "{one}\n{split}");
        // A width that does not divide a day is counted per bucket: cuts at its multiples.
        let odd = 7 * 60_000_000_i64;
        let windows = time_windows(&ws, all, odd, per_pass).unwrap();
        assert!(windows.len() >= 2, "{windows:?}");
        for pair in windows.windows(2) {
            assert_eq!(pair[0].to.expect("an inner cut") % odd, 0);
        }
    }

    #[test]
    fn a_time_series_computed_window_by_window_is_that_of_one_run() {
        use crate::analysis::{Params, Window, render_sql, report, run_in_time_passes};
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::analysis::demo_workspace(dir.path(), 1_500, 3);
        let hour = 3_600_000_000_i64;
        let params = Params {
            bucket_us: Some(hour),
            ..Params::default()
        };
        let sql = render_sql(report("latency-timeseries").unwrap().sql, &params);
        let all = Window::default();
        // A window whose ends are not bucket boundaries: its first and last buckets are partial.
        let day = 86_400_000_000_i64;
        let starts = ws
            .scan(crate::model::Frame::Invocations)
            .unwrap()
            .select([col("start").cast(DataType::Int64).min()])
            .collect()
            .unwrap();
        let t0 = starts
            .column("start")
            .unwrap()
            .i64()
            .unwrap()
            .get(0)
            .unwrap();
        let inner = Window {
            from: Some(t0 + hour / 3),
            to: Some(t0 + 2 * day + hour / 2),
        };
        for window in [all, inner] {
            assert_eq!(
                time_windows(&ws, window, hour, u64::MAX).unwrap(),
                vec![window]
            );
            let windows = time_windows(&ws, window, hour, 500).unwrap();
            assert!(windows.len() > 5, "{} windows", windows.len());
            assert_eq!(windows.first().unwrap().from, window.from);
            assert_eq!(windows.last().unwrap().to, window.to);
            for pair in windows.windows(2) {
                let cut = pair[0].to.expect("an inner cut");
                assert_eq!(Some(cut), pair[1].from, "consecutive");
                assert_eq!(cut % hour, 0, "cut at a bucket boundary");
            }
            let whole = run_in_time_passes(
                &ws,
                "latency-timeseries",
                &sql,
                window,
                &params,
                hour,
                u64::MAX,
            )
            .unwrap();
            let split =
                run_in_time_passes(&ws, "latency-timeseries", &sql, window, &params, hour, 500)
                    .unwrap();
            assert!(whole.height() > 20, "{whole}");
            assert!(whole.equals_missing(&split), "{whole}\n{split}");
        }
    }

    #[test]
    fn every_row_is_in_exactly_one_pass_and_traces_are_not_split() {
        let rows = [
            Some("1-5f000000-aaaa"),
            None,
            Some("1-5f000000-bbbb"),
            Some("1-5f000100-aaaa"),
            Some("1-5f000100-aaaa"),
            Some("1-5f000200-cccc"),
            Some("0-short"),
            Some("zzz-not-xray"),
            Some("it's"),
            Some("1-5f000300-dddd"),
        ];
        let lf = ids(&rows);
        assert_eq!(
            plan(lf.clone(), "trace_id", 100).unwrap(),
            vec![TracePass::all()]
        );
        let passes = plan(lf.clone(), "trace_id", 2).unwrap();
        assert!(passes.len() >= 4, "{passes:?}");
        let (by_expr, by_sql) = passes_of(&lf, &passes);
        assert_eq!(by_expr, by_sql);
        assert!(by_expr.iter().all(|&p| p < passes.len()), "{by_expr:?}");
        // Rows without a trace ID are in the first pass; one trace's rows share a pass.
        assert_eq!(by_expr[1], 0);
        assert_eq!(by_expr[3], by_expr[4]);
        assert_eq!(TracePass::all().sql("trace_id"), "TRUE");
        assert!(TracePass::all().filter("trace_id").is_none());
    }
}
