//! Logs Insights push-down: for windows too large to pull raw, the dashboard aggregates
//! (per-function invocation counts, duration percentiles, cold starts, errors, by hour) run
//! server-side from `queries/*.logsinsights`, and only the result rows come back.
//!
//! Each query runs over at most [`MAX_GROUPS_PER_QUERY`] log groups, and over a time range short
//! enough that its result (groups × hours) stays under the 10,000 rows GetQueryResults returns:
//! StartQuery, then GetQueryResults polling until the query is complete. Windows are widened to
//! whole hours so every bucket is complete.
//!
//! The results land in the **insights aggregates frame**, stored beside the four frames at
//! `<workspace>/aggregates/insights/data.parquet`, in long form (one row per query, log group,
//! hour and metric; see [`columns`]), so a user's own query with other fields fits the same
//! schema. A later result for the same key replaces the stored one.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use polars::prelude::*;

use crate::error::{Error, PolarsContext, Result};
use crate::parse::message::function_from_group;
use crate::parse::time::parse_iso;
use crate::source::pull::aws::{ApiError, ApiErrorKind, LogsApi, QueryStatus};
use crate::source::pull::state::{self, SyncState, Update};
use crate::source::pull::{HOUR_MS, Phase, ProgressEvent, Run};
use crate::workspace::{Workspace, write_parquet_atomic};

/// Most log groups in one Logs Insights query (the service's limit).
pub const MAX_GROUPS_PER_QUERY: usize = 50;
/// Most rows GetQueryResults returns.
pub const MAX_RESULT_ROWS: usize = 10_000;
/// Longest wait for one query.
pub const QUERY_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// A Logs Insights query shipped in `queries/`.
#[derive(Debug, Clone, Copy)]
pub struct InsightsQuery {
    /// Name (the file name without `.logsinsights`).
    pub name: &'static str,
    /// The query text; lines starting with `#` are comments and are not sent.
    pub text: &'static str,
}

/// The push-down queries.
pub const QUERIES: &[InsightsQuery] = &[
    InsightsQuery {
        name: "lambda-report",
        text: include_str!("../../../queries/lambda-report.logsinsights"),
    },
    InsightsQuery {
        name: "lambda-errors",
        text: include_str!("../../../queries/lambda-errors.logsinsights"),
    },
];

/// Column names of the insights aggregates frame.
pub mod columns {
    /// The query's name (`lambda-report`).
    pub const QUERY: &str = "query";
    /// Region.
    pub const REGION: &str = "region";
    /// Log group.
    pub const LOG_GROUP: &str = "log_group";
    /// Function name (from `/aws/lambda/NAME`), null for other groups.
    pub const FUNCTION: &str = "function";
    /// Start of the time bucket, UTC.
    pub const BUCKET_START: &str = "bucket_start";
    /// Bucket width, milliseconds.
    pub const BUCKET_MS: &str = "bucket_ms";
    /// The result field (`invocations`, `p99_ms`, …).
    pub const METRIC: &str = "metric";
    /// Its value.
    pub const VALUE: &str = "value";
}

/// Schema of the insights aggregates frame.
pub fn schema() -> Schema {
    use columns::*;
    Schema::from_iter([
        Field::new(QUERY.into(), DataType::String),
        Field::new(REGION.into(), DataType::String),
        Field::new(LOG_GROUP.into(), DataType::String),
        Field::new(FUNCTION.into(), DataType::String),
        Field::new(BUCKET_START.into(), crate::model::ts_dtype()),
        Field::new(BUCKET_MS.into(), DataType::Int64),
        Field::new(METRIC.into(), DataType::String),
        Field::new(VALUE.into(), DataType::Float64),
    ])
}

const KEY: [&str; 5] = [
    columns::QUERY,
    columns::REGION,
    columns::LOG_GROUP,
    columns::BUCKET_START,
    columns::METRIC,
];

/// Path of the insights aggregates frame in a workspace.
pub fn path(ws: &Workspace) -> std::path::PathBuf {
    ws.dir()
        .join("aggregates")
        .join("insights")
        .join("data.parquet")
}

/// Read the insights aggregates frame (empty, with its schema, when there is none).
pub fn read(ws: &Workspace) -> Result<DataFrame> {
    let p = path(ws);
    if !p.is_file() {
        return Ok(DataFrame::empty_with_schema(&schema()));
    }
    let f = std::fs::File::open(&p).map_err(|e| Error::io("opening", &p, e))?;
    ParquetReader::new(f)
        .finish()
        .ctx(&format!("reading {}", p.display()))
}

/// Merge `new` rows into the stored frame; a new row replaces a stored one of the same key.
/// Returns the rows written.
pub fn store(ws: &Workspace, new: DataFrame) -> Result<u64> {
    if new.height() == 0 {
        return Ok(0);
    }
    let n = new.height() as u64;
    let old = read(ws)?;
    let merged = concat([old.lazy(), new.lazy()], UnionArgs::default())
        .ctx("merging insights aggregates")?
        .unique_stable(Some(cols(KEY)), UniqueKeepStrategy::Last)
        .sort(KEY, SortMultipleOptions::default())
        .collect()
        .ctx("merging insights aggregates")?;
    let p = path(ws);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).map_err(|e| Error::io("creating", d, e))?;
    }
    write_parquet_atomic(&p, merged)?;
    Ok(n)
}

/// The query text to send: comment lines removed.
pub fn query_text(q: &InsightsQuery) -> String {
    q.text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Width of a `bin(…)` field name (`bin(1h)`, `bin(5m)`), ms.
pub fn bin_ms(field: &str) -> Option<i64> {
    let inner = field.trim().strip_prefix("bin(")?.strip_suffix(')')?.trim();
    let split = inner.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = inner.split_at(split);
    let n: i64 = n.parse().ok()?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" | "sec" | "second" | "seconds" => 1000,
        "m" | "min" | "minute" | "minutes" => 60_000,
        "h" | "hr" | "hour" | "hours" => HOUR_MS,
        "d" | "day" | "days" => 24 * HOUR_MS,
        "w" | "week" | "weeks" => 7 * 24 * HOUR_MS,
        _ => return None,
    };
    n.checked_mul(unit_ms)
}

/// Rows of the aggregates frame from GetQueryResults rows (each a list of field/value pairs).
/// A row needs a `bin(…)` bucket and an `@log` (`account:group`) or `log_group` field; every
/// other field whose value is a number becomes one metric row. Returns the frame and the number
/// of result rows that could not be used.
pub fn results_frame(
    query: &str,
    region: &str,
    rows: &[Vec<(String, String)>],
) -> Result<(DataFrame, u64)> {
    let (mut q, mut r, mut g, mut f, mut b, mut w, mut m, mut v) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    let mut unusable = 0u64;
    for row in rows {
        let mut bucket = None;
        let mut group: Option<&str> = None;
        for (k, val) in row {
            if let Some(width) = bin_ms(k) {
                bucket = parse_iso(val).map(|t| (t, width));
            } else if k == "@log" {
                // `123456789012:/aws/lambda/name`
                group = Some(match val.split_once(':') {
                    Some((acct, rest))
                        if !acct.is_empty() && acct.bytes().all(|c| c.is_ascii_digit()) =>
                    {
                        rest
                    }
                    _ => val.as_str(),
                });
            } else if k == "log_group" || k == "@logGroup" {
                group = Some(val.as_str());
            }
        }
        let (Some((start, width)), Some(group)) = (bucket, group) else {
            unusable += 1;
            continue;
        };
        for (k, val) in row {
            if bin_ms(k).is_some() || k.starts_with('@') || k == "log_group" {
                continue;
            }
            let Ok(x) = val.trim().parse::<f64>() else {
                continue;
            };
            if !x.is_finite() {
                continue;
            }
            q.push(query.to_string());
            r.push(region.to_string());
            g.push(group.to_string());
            f.push(function_from_group(group).map(str::to_string));
            b.push(start);
            w.push(width);
            m.push(k.clone());
            v.push(x);
        }
    }
    use columns::*;
    let n = q.len();
    let df = DataFrame::new(
        n,
        vec![
            Column::new(QUERY.into(), q),
            Column::new(REGION.into(), r),
            Column::new(LOG_GROUP.into(), g),
            Column::new(FUNCTION.into(), f),
            Column::new(BUCKET_START.into(), b)
                .cast(&crate::model::ts_dtype())
                .ctx("building insights frame")?,
            Column::new(BUCKET_MS.into(), w),
            Column::new(METRIC.into(), m),
            Column::new(VALUE.into(), v),
        ],
    )
    .ctx("building insights frame")?;
    Ok((df, unusable))
}

/// Run the push-down queries over `groups` of one region.
pub(crate) async fn pull_insights(
    run: &Arc<Run>,
    api: &LogsApi,
    region: &str,
    groups: Vec<String>,
) -> Result<()> {
    // Work: per query, the groups that miss the same (hour-aligned) window, 50 at a time, in time
    // slices short enough for the result row limit.
    let st = run.store.state();
    let from = run.opts.from_ms.div_euclid(HOUR_MS) * HOUR_MS;
    let to = (run.opts.to_ms + HOUR_MS - 1).div_euclid(HOUR_MS) * HOUR_MS;
    let mut work: Vec<(&InsightsQuery, Vec<String>, i64, i64)> = Vec::new();
    for q in QUERIES {
        let mut by_window: BTreeMap<(i64, i64), Vec<String>> = BTreeMap::new();
        for g in &groups {
            let key = state::key(&[&run.scope, region, q.name, g]);
            for (a, b) in SyncState::missing(&st.insights, &key, from, to) {
                let a = a.div_euclid(HOUR_MS) * HOUR_MS;
                let b = (b + HOUR_MS - 1).div_euclid(HOUR_MS) * HOUR_MS;
                by_window.entry((a, b)).or_default().push(g.clone());
            }
        }
        for ((a, b), gs) in by_window {
            for chunk in gs.chunks(MAX_GROUPS_PER_QUERY) {
                let hours = (MAX_RESULT_ROWS / chunk.len()).max(1) as i64;
                let mut t = a;
                while t < b {
                    let e = (t + hours * HOUR_MS).min(b);
                    work.push((q, chunk.to_vec(), t, e));
                    t = e;
                }
            }
        }
    }
    run.emit(ProgressEvent::Started {
        phase: Phase::Insights,
        region: region.to_string(),
        total: work.len() as u64,
    });
    for (q, chunk, a, b) in work {
        if run.cancelled() {
            break;
        }
        let target = format!("{} over {} log group(s)", q.name, chunk.len());
        match run_query(run, api, &chunk, a, b, &query_text(q)).await {
            Ok(rows) => {
                let (df, unusable) = results_frame(q.name, region, &rows)?;
                if unusable > 0 {
                    tracing::warn!(
                        "{unusable} Logs Insights result rows of {} had no bucket or log group",
                        q.name
                    );
                }
                run.emit(ProgressEvent::Items {
                    phase: Phase::Insights,
                    region: region.to_string(),
                    items: rows.len() as u64,
                });
                let n = run.store.exclusive(move |ws| store(ws, df)).await?;
                run.aggregate_rows.fetch_add(n, Ordering::Relaxed);
                let updates = chunk
                    .iter()
                    .map(|g| Update::Insights {
                        key: state::key(&[&run.scope, region, q.name, g]),
                        from: a,
                        to: run.settled(b),
                    })
                    .filter(|u| matches!(u, Update::Insights { from, to, .. } if to > from))
                    .collect();
                run.store.mark(updates).await?;
            }
            Err(e) => run.problem(Phase::Insights, region, &target, e),
        }
        run.emit(ProgressEvent::UnitDone {
            phase: Phase::Insights,
            region: region.to_string(),
            target,
        });
    }
    run.emit(ProgressEvent::Finished {
        phase: Phase::Insights,
        region: region.to_string(),
    });
    Ok(())
}

/// StartQuery, then GetQueryResults until the query is complete. Rows as field/value pairs.
async fn run_query(
    run: &Run,
    api: &LogsApi,
    groups: &[String],
    from_ms: i64,
    to_ms: i64,
    text: &str,
) -> std::result::Result<Vec<Vec<(String, String)>>, ApiError> {
    // StartQuery takes epoch seconds, both ends inclusive.
    let id = api
        .start_query(
            groups,
            from_ms.div_euclid(1000),
            (to_ms - 1).div_euclid(1000),
            text,
        )
        .await?;
    let started = std::time::Instant::now();
    let mut wait = run.opts.insights_poll;
    loop {
        tokio::time::sleep(wait).await;
        wait = (wait.mul_f64(1.5)).min(Duration::from_secs(10));
        let out = api.get_query_results(&id).await?;
        let status = out.status.clone().unwrap_or(QueryStatus::Running);
        match status {
            QueryStatus::Complete => {
                return Ok(out
                    .results
                    .unwrap_or_default()
                    .into_iter()
                    .map(|row| {
                        row.into_iter()
                            .filter_map(|f| Some((f.field?, f.value.unwrap_or_default())))
                            .collect()
                    })
                    .collect());
            }
            QueryStatus::Running | QueryStatus::Scheduled => {}
            other => {
                return Err(ApiError {
                    api: "logs:GetQueryResults".into(),
                    kind: ApiErrorKind::Other,
                    code: None,
                    message: format!("query {id} ended with status {}", other.as_str()),
                });
            }
        }
        if started.elapsed() > QUERY_DEADLINE || run.cancelled() {
            return Err(ApiError {
                api: "logs:GetQueryResults".into(),
                kind: ApiErrorKind::Other,
                code: None,
                message: format!("query {id} did not complete in {QUERY_DEADLINE:?}"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins() {
        assert_eq!(bin_ms("bin(1h)"), Some(HOUR_MS));
        assert_eq!(bin_ms("bin(5m)"), Some(300_000));
        assert_eq!(bin_ms("bin(30s)"), Some(30_000));
        assert_eq!(bin_ms("bin(x)"), None);
        assert_eq!(bin_ms("invocations"), None);
    }

    #[test]
    fn queries_have_buckets_and_groups() {
        for q in QUERIES {
            let t = query_text(q);
            assert!(!t.contains('#'), "{}: comments are stripped", q.name);
            assert!(t.contains("bin(1h)") && t.contains("@log"), "{}", q.name);
        }
    }

    #[test]
    fn result_rows_to_frame() {
        let row = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        let rows = vec![
            row(&[
                ("bin(1h)", "2026-11-20 13:00:00.000"),
                ("@log", "123456789012:/aws/lambda/orders"),
                ("invocations", "120"),
                ("p99_ms", "812.5"),
                ("init_max_ms", ""),
            ]),
            row(&[
                ("@log", "123456789012:/aws/lambda/orders"),
                ("invocations", "3"),
            ]),
        ];
        let (df, unusable) = results_frame("lambda-report", "eu-west-1", &rows).unwrap();
        assert_eq!(unusable, 1);
        assert_eq!(df.height(), 2);
        assert_eq!(df.schema().as_ref(), &schema());
        let f = df.column(columns::FUNCTION).unwrap().str().unwrap().get(0);
        assert_eq!(f, Some("orders"));
        let v: Vec<f64> = df
            .column(columns::VALUE)
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(v, vec![120.0, 812.5]);

        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(dir.path()).unwrap();
        assert_eq!(store(&ws, df.clone()).unwrap(), 2);
        // The same key again replaces, not adds.
        let (df2, _) = results_frame(
            "lambda-report",
            "eu-west-1",
            &rows[..1]
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                if k == "invocations" {
                                    "121".to_string()
                                } else {
                                    v.clone()
                                },
                            )
                        })
                        .collect()
                })
                .collect::<Vec<_>>(),
        )
        .unwrap();
        store(&ws, df2).unwrap();
        let all = read(&ws).unwrap();
        assert_eq!(all.height(), 2);
        let v: Vec<f64> = all
            .column(columns::VALUE)
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert!(v.contains(&121.0) && !v.contains(&120.0));
    }
}
