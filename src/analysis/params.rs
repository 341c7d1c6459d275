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
/// runs. No invocation below it can be among the slowest, so the report's scan skips whole
/// rows below it (Polars pushes the literal into the Parquet reader and decodes the other
/// columns only for the rows that pass); the result is the same without it.
pub const SLOWEST_CUT: &str = "{{slowest_cut_ms}}";

/// Rows of `slowest-invocations` (its `LIMIT`).
pub const SLOWEST_ROWS: u32 = 100;

/// The duration of the [`SLOWEST_ROWS`]-th longest invocation starting in `window` (of the
/// shortest when there are fewer), `None` when no invocation has a duration. One column is
/// read; the streaming engine keeps only the longest durations while it scans.
pub fn slowest_cut_ms(ws: &Workspace, window: Window) -> Result<Option<f64>> {
    let d = invocations::DURATION_MS;
    let lf = ws
        .scan_window(Frame::Invocations, window.from, window.to)?
        .select([col(d)])
        .filter(col(d).is_not_null())
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
    fn slowest_cut_keeps_the_ties_at_the_100th_row() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(dir.path()).unwrap();
        // 30 invocations of 10 ms, then 120 of 5 ms (the 100th longest is 5 ms, tied 120
        // times), and one without a duration; starts in reverse order of the IDs.
        let n = 151usize;
        let ids: Vec<String> = (0..n).map(|i| format!("req-{i:03}")).collect();
        let start: Vec<i64> = (0..n)
            .map(|i| 1_700_000_000_000_000 + ((n - i) as i64 % 7) * 1_000)
            .collect();
        let dur: Vec<Option<f64>> = (0..n)
            .map(|i| match i {
                0..30 => Some(10.0),
                150 => None,
                _ => Some(5.0),
            })
            .collect();
        let df = df!("request_id" => ids, "start" => start, "duration_ms" => dur).unwrap();
        let cols: Vec<Expr> = Frame::Invocations
            .schema()
            .iter()
            .map(|(name, t)| match name.as_str() {
                "request_id" | "start" | "duration_ms" => col(name.clone()).cast(t.clone()),
                _ => lit(NULL).cast(t.clone()).alias(name.clone()),
            })
            .collect();
        ws.write(
            Frame::Invocations,
            df.lazy().select(cols).collect().unwrap(),
        )
        .unwrap();
        assert_eq!(slowest_cut_ms(&ws, Window::default()).unwrap(), Some(5.0));
        let params = super::super::Params::default();
        let with_cut =
            super::super::run_report(&ws, "slowest-invocations", Window::default(), &params)
                .unwrap();
        let sql = super::super::report("slowest-invocations").unwrap().sql;
        let without = super::super::run_sql_with(
            &ws,
            &super::super::render_sql(sql, &params),
            Window::default(),
            &params,
        )
        .unwrap();
        assert_eq!(with_cut.height(), 100);
        assert!(with_cut.equals_missing(&without), "{with_cut}\n{without}");
        // An empty window: no duration, no cut, no rows.
        let empty = Window {
            from: Some(0),
            to: Some(1),
        };
        assert_eq!(slowest_cut_ms(&ws, empty).unwrap(), None);
    }
}
