//! Report options that need more than a substitution: time-series buckets and cost groupings.

use polars::prelude::*;

use super::Window;
use crate::error::{Error, Result};
use crate::model::{Frame, invocations};
use crate::workspace::Workspace;

const US_PER_S: i64 = 1_000_000;

/// The bucket widths chosen from a window, µs: 1m, 5m, 15m, 1h, 6h, 1d.
pub const BUCKET_LADDER: [i64; 6] = [
    60 * US_PER_S,
    300 * US_PER_S,
    900 * US_PER_S,
    3600 * US_PER_S,
    6 * 3600 * US_PER_S,
    86_400 * US_PER_S,
];

/// The most buckets an automatic bucket width gives (unless the window is longer than
/// [`MAX_BUCKETS`] days, when buckets are one day).
pub const MAX_BUCKETS: i64 = 200;

/// Parse a bucket width: a positive whole number with a unit `s`, `m`, `h`, `d` or `w`
/// (`30s`, `5m`, `1h`, `1d`); returns µs.
pub fn parse_bucket(s: &str) -> Result<i64> {
    let t = s.trim();
    let bad = || {
        Error::Invalid(format!(
            "--bucket {s:?}: expected a whole number and a unit s, m, h, d or w, e.g. 5m"
        ))
    };
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = t.split_at(split);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let per = match unit.trim().to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => US_PER_S,
        "m" | "min" | "mins" | "minute" | "minutes" => 60 * US_PER_S,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600 * US_PER_S,
        "d" | "day" | "days" => 86_400 * US_PER_S,
        "w" | "week" | "weeks" => 7 * 86_400 * US_PER_S,
        _ => return Err(bad()),
    };
    match n.checked_mul(per) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(bad()),
    }
}

/// A bucket width for display: `5m`, `6h`, `90s`.
pub fn format_bucket(us: i64) -> String {
    for (per, unit) in [
        (7 * 86_400 * US_PER_S, "w"),
        (86_400 * US_PER_S, "d"),
        (3600 * US_PER_S, "h"),
        (60 * US_PER_S, "m"),
        (US_PER_S, "s"),
    ] {
        if us % per == 0 {
            return format!("{}{unit}", us / per);
        }
    }
    format!("{us}us")
}

/// The bucket width for a span of `span_us`: the narrowest of [`BUCKET_LADDER`] that gives at
/// most [`MAX_BUCKETS`] buckets (so between about 33 and 200 for spans of an hour to 200
/// days), else one day.
pub fn auto_bucket_us(span_us: i64) -> i64 {
    let span = span_us.max(1);
    BUCKET_LADDER
        .iter()
        .copied()
        .find(|b| (span + b - 1) / b <= MAX_BUCKETS)
        .unwrap_or(BUCKET_LADDER[BUCKET_LADDER.len() - 1])
}

/// The bucket width for `window` over the workspace: from the window's length when both ends
/// are given, else from the first to the last invocation start inside the window.
pub fn bucket_for(ws: &Workspace, window: Window) -> Result<i64> {
    if let (Some(f), Some(t)) = (window.from, window.to) {
        return Ok(auto_bucket_us(t - f));
    }
    let range = ws.time_range(Frame::Invocations, window.from, window.to)?;
    let (lo, hi) = (range.map(|r| r.0), range.map(|r| r.1));
    Ok(
        match (window.from.or(lo), window.to.or(hi.map(|h| h + 1))) {
            (Some(a), Some(b)) if b > a => auto_bucket_us(b - a),
            _ => BUCKET_LADDER[3],
        },
    )
}

/// The parameter of `queries/slowest-invocations.sql`: the duration of the
/// [`SLOWEST_ROWS`]-th longest invocation, computed by [`slowest_cut_ms`] before the report
/// runs. No invocation below it can be among the slowest, so the report reads only the row
/// groups that reach it (see `compute_report`); the result is the same with any lower value.
pub const SLOWEST_CUT: &str = "{{slowest_cut_ms}}";

/// Rows of `slowest-invocations` (its `LIMIT`).
pub const SLOWEST_ROWS: u32 = 100;

/// A lower bound of the duration of the [`SLOWEST_ROWS`]-th longest invocation starting in
/// `window`: the [`SLOWEST_ROWS`]-th largest of the row groups' maximum durations
/// ([`Workspace::row_group_maxima`]; each maximum is some invocation's duration, so at least
/// that many invocations reach it). No row is read. `None` when fewer row groups have a
/// maximum.
pub fn slowest_floor_ms(ws: &Workspace, window: Window) -> Result<Option<f64>> {
    let mut maxima = ws.row_group_maxima(
        Frame::Invocations,
        invocations::DURATION_MS,
        window.from,
        window.to,
    )?;
    let n = SLOWEST_ROWS as usize;
    if maxima.len() < n {
        return Ok(None);
    }
    let (_, nth, _) = maxima.select_nth_unstable_by(n - 1, |a, b| b.total_cmp(a));
    Ok(Some(*nth))
}

/// The duration of the [`SLOWEST_ROWS`]-th longest invocation starting in `window` (of the
/// shortest when there are fewer), `None` when no invocation has a duration. One column is
/// read, and only in the row groups that reach [`slowest_floor_ms`]; the streaming engine keeps
/// only the longest durations while it scans.
pub fn slowest_cut_ms(ws: &Workspace, window: Window) -> Result<Option<f64>> {
    let d = invocations::DURATION_MS;
    let mut lf = ws
        .scan_window(Frame::Invocations, window.from, window.to)?
        .select([col(d)])
        .filter(col(d).is_not_null());
    if let Some(floor) = slowest_floor_ms(ws, window)? {
        lf = lf.filter(at_least(d, floor));
    }
    let lf = lf
        .sort(
            [d],
            SortMultipleOptions::default().with_order_descending(true),
        )
        .limit(SLOWEST_ROWS)
        .select([col(d).min()]);
    let df = super::collect_streaming(lf)?;
    Ok(df
        .column(d)
        .ok()
        .and_then(|c| c.get(0).ok())
        .and_then(|v| v.extract::<f64>()))
}

/// `column >= v` for a float column, in the form Polars 0.55 skips Parquet row groups by
/// (their maximum below `v`): `is_between(v, f64::MAX)`. It does not use the statistics for a
/// float `>=`, since a NaN is above any bound; stored durations are finite (the parsers drop
/// the others), so the two are the same filter.
pub fn at_least(column: &str, v: f64) -> Expr {
    col(column).is_between(lit(v), lit(f64::MAX), ClosedInterval::Both)
}

/// A float as a SQL literal that keeps its exact value; `None` (or not finite) is the lowest
/// double, which keeps every row in a `>=` comparison.
pub fn sql_float(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:?}"),
        _ => format!("{:?}", f64::MIN),
    }
}

/// Normalise a `--by` value to the lower-case form the spend SQL compares with
/// `LOWER(dimension)`: `tag:team` → `tag:team`, `service` → `service`,
/// `linked-account` → `linked_account`, `cost-category:Team` → `cost_category:team`.
/// Tag keys are compared without regard to case.
pub fn parse_by(s: &str) -> Result<String> {
    let t = s.trim();
    let bad = || {
        Error::Invalid(format!(
            "--by {s:?}: expected tag:KEY, service, or another Cost Explorer dimension"
        ))
    };
    if t.is_empty() {
        return Err(bad());
    }
    let norm = |p: &str| p.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    match t.split_once(':') {
        Some((prefix, key)) => {
            let key = key.trim();
            if key.is_empty() {
                return Err(bad());
            }
            let prefix = match norm(prefix).as_str() {
                "tag" | "tags" => "tag".to_string(),
                "cost_category" | "costcategory" => "cost_category".to_string(),
                p => p.to_string(),
            };
            Ok(format!("{prefix}:{}", key.to_lowercase()))
        }
        None => Ok(match norm(t).as_str() {
            "account" | "linkedaccount" => "linked_account".to_string(),
            other => other.to_string(),
        }),
    }
}

/// Escape text for use inside a single-quoted SQL string literal.
pub fn sql_text(s: &str) -> String {
    s.replace('\'', "''")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_parse_and_format() {
        assert_eq!(parse_bucket("5m").unwrap(), 300_000_000);
        assert_eq!(parse_bucket(" 1 h").unwrap(), 3_600_000_000);
        assert_eq!(parse_bucket("1d").unwrap(), 86_400_000_000);
        assert_eq!(parse_bucket("90S").unwrap(), 90_000_000);
        assert_eq!(parse_bucket("2w").unwrap(), 14 * 86_400_000_000);
        for bad in [
            "",
            "5",
            "m",
            "0m",
            "-5m",
            "5x",
            "1.5h",
            "99999999999999999d",
        ] {
            assert!(parse_bucket(bad).is_err(), "{bad}");
        }
        assert_eq!(format_bucket(300_000_000), "5m");
        assert_eq!(format_bucket(90_000_000), "90s");
        assert_eq!(format_bucket(21_600_000_000), "6h");
        assert_eq!(format_bucket(86_400_000_000), "1d");
    }

    #[test]
    fn auto_buckets_stay_between_33_and_200() {
        let h = 3_600_000_000i64;
        assert_eq!(
            auto_bucket_us(h),
            60_000_000,
            "an hour: 60 one-minute buckets"
        );
        assert_eq!(
            auto_bucket_us(24 * h),
            900_000_000,
            "a day: 96 quarter-hours"
        );
        assert_eq!(auto_bucket_us(7 * 24 * h), h, "a week: 168 hours");
        assert_eq!(
            auto_bucket_us(30 * 24 * h),
            6 * h,
            "30 days: 120 six-hour buckets"
        );
        assert_eq!(auto_bucket_us(365 * 24 * h), 24 * h, "a year: days");
        assert_eq!(auto_bucket_us(0), 60_000_000);
        for span in [h, 3 * h, 17 * h, 50 * h, 300 * h, 1000 * h, 4000 * h] {
            let n = (span + auto_bucket_us(span) - 1) / auto_bucket_us(span);
            assert!((33..=200).contains(&n), "{span}: {n} buckets");
        }
    }

    #[test]
    fn by_values() {
        assert_eq!(parse_by("tag:team").unwrap(), "tag:team");
        assert_eq!(parse_by("TAG:Team").unwrap(), "tag:team");
        assert_eq!(parse_by("service").unwrap(), "service");
        assert_eq!(parse_by("SERVICE").unwrap(), "service");
        assert_eq!(parse_by("linked-account").unwrap(), "linked_account");
        assert_eq!(
            parse_by("Cost-Category:Owner").unwrap(),
            "cost_category:owner"
        );
        assert_eq!(parse_by("total").unwrap(), "total");
        assert!(parse_by("tag:").is_err());
        assert!(parse_by(" ").is_err());
        assert_eq!(sql_text("it's"), "it''s");
    }

    #[test]
    fn float_literals_keep_their_value() {
        assert_eq!(sql_float(Some(120143.84)), "120143.84");
        assert_eq!(sql_float(Some(5.0)), "5.0");
        for v in [None, Some(f64::NAN), Some(f64::INFINITY)] {
            assert_eq!(sql_float(v).parse::<f64>().unwrap(), f64::MIN);
        }
    }

    /// The pre-filter of slowest-invocations changes nothing, also with ties at the cut.
    #[test]
    fn the_slowest_floor_is_a_lower_bound_and_the_cut_is_the_100th_duration() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(dir.path()).unwrap();
        // 150 days (one partition and row group each) of 5 invocations: durations from a
        // small LCG, whole milliseconds so that ties are common (also at the 100th row), day
        // 7 with no duration at all, and a row without one on each day.
        const DAY: i64 = 86_400_000_000;
        let t0 = 1_700_006_400_000_000 - 1_700_006_400_000_000 % DAY;
        let mut x: u64 = 12345;
        let mut rows: Vec<(String, i64, Option<f64>)> = Vec::new();
        for day in 0..150i64 {
            for k in 0..5i64 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let d = if day == 7 || k == 4 {
                    None
                } else {
                    Some(((x >> 33) % 400) as f64)
                };
                let start = t0 + day * DAY + ((k * 7_919) % 5) * 3_600_000_000;
                rows.push((format!("req-{day:03}-{k}"), start, d));
            }
        }
        let df = df!(
            "request_id" => rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            "start" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "duration_ms" => rows.iter().map(|r| r.2).collect::<Vec<_>>()
        )
        .unwrap();
        let df = df
            .lazy()
            .with_column(lit("f").alias("function"))
            .collect()
            .unwrap();
        ws.write(
            Frame::Invocations,
            Frame::Invocations.with_input_schema(df).unwrap(),
        )
        .unwrap();

        // The report in plain Rust: durations descending, then start, then request ID.
        let expected = |from: Option<i64>, to: Option<i64>| -> Vec<String> {
            let mut r: Vec<&(String, i64, Option<f64>)> = rows
                .iter()
                .filter(|r| r.2.is_some())
                .filter(|r| from.is_none_or(|f| r.1 >= f) && to.is_none_or(|t| r.1 < t))
                .collect();
            r.sort_by(|a, b| {
                b.2.unwrap()
                    .total_cmp(&a.2.unwrap())
                    .then(a.1.cmp(&b.1))
                    .then(a.0.cmp(&b.0))
            });
            r.into_iter().take(100).map(|r| r.0.clone()).collect()
        };
        let nth_longest = |from: Option<i64>, to: Option<i64>| -> f64 {
            let ids = expected(from, to);
            let last = ids.last().unwrap();
            rows.iter().find(|r| &r.0 == last).unwrap().2.unwrap()
        };
        let params = super::super::Params::default();
        let check = |window: Window, whole_days: usize| {
            let floor = slowest_floor_ms(&ws, window).unwrap().expect("a floor");
            // The floor is the 100th largest of the maxima of the days wholly in the window.
            let mut maxima: Vec<f64> = (0..150)
                .filter(|&d| {
                    let (a, b) = (t0 + d * DAY, t0 + (d + 1) * DAY);
                    window.from.is_none_or(|f| f <= a) && window.to.is_none_or(|t| b <= t)
                })
                .filter_map(|d| {
                    rows[(d * 5) as usize..(d * 5 + 5) as usize]
                        .iter()
                        .filter_map(|r| r.2)
                        .max_by(f64::total_cmp)
                })
                .collect();
            assert_eq!(maxima.len(), whole_days);
            maxima.sort_by(|a, b| b.total_cmp(a));
            assert_eq!(floor, maxima[99]);
            let cut = slowest_cut_ms(&ws, window).unwrap();
            assert_eq!(cut, Some(nth_longest(window.from, window.to)));
            assert!(floor <= cut.unwrap() && floor > 0.0, "{floor} {cut:?}");
            let got =
                super::super::run_report(&ws, "slowest-invocations", window, &params).unwrap();
            let ids: Vec<String> = got
                .column("request_id")
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect();
            assert_eq!(ids, expected(window.from, window.to));
            // The same rows as the query without a floor, which reads every row.
            let sql = super::super::report("slowest-invocations").unwrap().sql;
            let without = super::super::run_sql_with(
                &ws,
                &super::super::render_sql(sql, &params),
                window,
                &params,
            )
            .unwrap();
            assert!(got.equals_missing(&without), "{got}\n{without}");
        };
        // All 150 days but day 7 (no duration) have a maximum.
        check(Window::default(), 149);
        // A window whose ends fall inside days 10 and 140: days 11..=139 are whole.
        check(
            Window {
                from: Some(t0 + 10 * DAY + DAY / 2),
                to: Some(t0 + 140 * DAY + DAY / 3),
            },
            129,
        );
        // Fewer than 100 whole days: no floor, the report reads every row of the window.
        let short = Window {
            from: Some(t0 + 20 * DAY),
            to: Some(t0 + 60 * DAY),
        };
        assert_eq!(slowest_floor_ms(&ws, short).unwrap(), None);
        assert_eq!(
            slowest_cut_ms(&ws, short).unwrap(),
            Some(nth_longest(short.from, short.to))
        );
        let got = super::super::run_report(&ws, "slowest-invocations", short, &params).unwrap();
        assert_eq!(
            got.column("request_id")
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect::<Vec<_>>(),
            expected(short.from, short.to)
        );
        // An empty window: nothing to bound.
        let empty = Window {
            from: Some(0),
            to: Some(1),
        };
        assert_eq!(slowest_floor_ms(&ws, empty).unwrap(), None);
        assert_eq!(slowest_cut_ms(&ws, empty).unwrap(), None);
    }
}
