//! An independent check of the reports: percentiles, spend and Lambda cost recomputed in
//! plain Rust from the stored frames, and compared with what the SQL reports return.

mod common;

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use skylens::analysis::params::parse_by;
use skylens::analysis::prices::{Arch, ArchMap};
use skylens::analysis::{Params, Window, compute_report};
use skylens::model::Frame;
use skylens::workspace::Workspace;

const DAY_US: i64 = 86_400_000_000;

fn demo_workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    common::skylens_ok(&["demo", "--workspace", ws.to_str().unwrap(), "--quiet"]);
    let ws = Workspace::open(&ws).unwrap();
    (dir, ws)
}

/// The earliest invocation start of the workspace, in microseconds.
fn first_start(ws: &Workspace) -> i64 {
    i64s(&ws.read(Frame::Invocations).unwrap(), "start")
        .into_iter()
        .flatten()
        .min()
        .unwrap()
}

/// Store invocations made by hand (columns of the frame's input schema, the rest null).
fn add_invocations(ws: &Workspace, rows: DataFrame) {
    ws.write(
        Frame::Invocations,
        Frame::Invocations.with_input_schema(rows).unwrap(),
    )
    .unwrap();
}

/// An invocation made by hand for the cold-start checks: function, `cold`, `init_ms`,
/// `restore_ms`, `duration_ms`.
type ColdRow = (
    Option<&'static str>,
    Option<bool>,
    Option<f64>,
    Option<f64>,
    f64,
);

/// Store `rows` as invocations a minute apart from the workspace's first start, with request
/// IDs `<prefix>-<i>`.
fn add_cold_rows(ws: &Workspace, prefix: &str, rows: &[ColdRow]) {
    let first = first_start(ws);
    let added = df!(
        "request_id" => (0..rows.len()).map(|i| format!("{prefix}-{i}")).collect::<Vec<_>>(),
        "function" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        "start" => (0..rows.len() as i64).map(|i| first + i * 60_000_000).collect::<Vec<_>>(),
        "cold" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        "init_ms" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        "restore_ms" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        "duration_ms" => rows.iter().map(|r| r.4).collect::<Vec<_>>()
    )
    .unwrap();
    add_invocations(ws, added);
}

// ---- column access -------------------------------------------------------------------------

fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    let c = df.column(name).unwrap().cast(&DataType::String).unwrap();
    c.str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    let c = df.column(name).unwrap().cast(&DataType::Float64).unwrap();
    c.f64().unwrap().iter().collect()
}

fn i64s(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    let c = df.column(name).unwrap().cast(&DataType::Int64).unwrap();
    c.i64().unwrap().iter().collect()
}

fn bools(df: &DataFrame, name: &str) -> Vec<Option<bool>> {
    df.column(name).unwrap().bool().unwrap().iter().collect()
}

// ---- the reference computations ----------------------------------------------------------

/// Linear interpolation between closest ranks (NumPy's default) over sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// `report` (rounded to `places` decimals, ties to even) agrees with the exact value within
/// 1e-6; when the exact value sits on a rounding tie, either neighbour is accepted.
fn agrees(report: f64, exact: f64, places: i32) -> bool {
    let scale = 10f64.powi(places);
    let rounded = (exact * scale).round_ties_even() / scale;
    if (report - rounded).abs() <= 1e-6 {
        return true;
    }
    let frac = (exact * scale).fract().abs();
    (frac - 0.5).abs() < 1e-6 && (report - exact).abs() <= 0.5 / scale + 1e-6
}

/// Durations per key, sorted, nulls left out.
fn sorted_groups<K: Ord>(keys: Vec<K>, values: &[Option<f64>]) -> BTreeMap<K, Vec<f64>> {
    let mut m: BTreeMap<K, Vec<f64>> = BTreeMap::new();
    for (k, v) in keys.into_iter().zip(values) {
        let e = m.entry(k).or_default();
        if let Some(v) = v {
            e.push(*v);
        }
    }
    for v in m.values_mut() {
        v.sort_by(f64::total_cmp);
    }
    m
}

fn check_percentiles(what: &str, report: &[(f64, f64, f64)], exact: &[f64]) {
    for (i, q) in [0.5, 0.9, 0.99].into_iter().enumerate() {
        let got = [report[0].0, report[0].1, report[0].2][i];
        let want = quantile(exact, q);
        assert!(
            agrees(got, want, 3),
            "{what} p{}: report {got}, plain Rust {want}",
            q * 100.0
        );
    }
}

// ---- percentiles -----------------------------------------------------------------------------

#[test]
fn latency_percentiles_match_a_plain_rust_computation() {
    let (_dir, ws) = demo_workspace();
    // Invocations with no function name (a platform line without its log group) are the
    // `(unknown)` function: their group key is null, numbered 0 by latency-timeseries.
    let first = first_start(&ws);
    let nameless = df!(
        "request_id" => (0..6).map(|i| format!("nameless-{i}")).collect::<Vec<_>>(),
        "start" => (0..6i64).map(|i| first + i * 3_600_000_000).collect::<Vec<_>>(),
        "duration_ms" => (0..6).map(|i| 10.0 * f64::from(i) + 0.5).collect::<Vec<_>>()
    )
    .unwrap();
    add_invocations(&ws, nameless);
    let inv = ws.read(Frame::Invocations).unwrap();
    let functions: Vec<String> = strs(&inv, "function")
        .into_iter()
        .map(|f| f.unwrap_or_else(|| "(unknown)".into()))
        .collect();
    let starts = i64s(&inv, "start");
    let durations = f64s(&inv, "duration_ms");

    // latency: per function.
    let exact = sorted_groups(functions.clone(), &durations);
    let counts = functions
        .iter()
        .fold(HashMap::<&str, i64>::new(), |mut m, f| {
            *m.entry(f.as_str()).or_default() += 1;
            m
        });
    assert_eq!(counts["(unknown)"], 6);
    let lat = compute_report(&ws, "latency", Window::default(), &Params::default()).unwrap();
    let names = strs(&lat, "function");
    assert_eq!(names.len(), exact.len(), "one row per function");
    let (p50, p90, p99, n) = (
        f64s(&lat, "p50_ms"),
        f64s(&lat, "p90_ms"),
        f64s(&lat, "p99_ms"),
        i64s(&lat, "invocations"),
    );
    for i in 0..names.len() {
        let f = names[i].clone().unwrap();
        assert_eq!(n[i], Some(counts[f.as_str()]), "{f} invocations");
        check_percentiles(
            &f,
            &[(p50[i].unwrap(), p90[i].unwrap(), p99[i].unwrap())],
            &exact[&f],
        );
    }

    // latency-timeseries: per bucket and function, with the automatic bucket (the demo spans
    // 30 days: 6 h) and with --bucket 1h and 1d.
    for (bucket, want_width) in [
        (None, 6 * 3_600_000_000i64),
        (Some(3_600_000_000i64), 3_600_000_000),
        (Some(DAY_US), DAY_US),
    ] {
        let params = Params {
            bucket_us: bucket,
            ..Params::default()
        };
        let ts = compute_report(&ws, "latency-timeseries", Window::default(), &params).unwrap();
        let keys: Vec<(i64, String)> = starts
            .iter()
            .zip(&functions)
            .filter_map(|(s, f)| s.map(|s| (s.div_euclid(want_width) * want_width, f.clone())))
            .collect();
        let durs: Vec<Option<f64>> = starts
            .iter()
            .zip(&durations)
            .filter(|(s, _)| s.is_some())
            .map(|(_, d)| *d)
            .collect();
        let exact = sorted_groups(keys.clone(), &durs);
        let mut counts: BTreeMap<(i64, String), i64> = BTreeMap::new();
        for k in keys {
            *counts.entry(k).or_default() += 1;
        }
        let (b, f) = (i64s(&ts, "bucket_start"), strs(&ts, "function"));
        let (p50, p90, p99, n) = (
            f64s(&ts, "p50_ms"),
            f64s(&ts, "p90_ms"),
            f64s(&ts, "p99_ms"),
            i64s(&ts, "invocations"),
        );
        assert_eq!(
            ts.height(),
            exact.len(),
            "{bucket:?}: one row per non-empty (bucket, function)"
        );
        let mut prev: Option<(i64, String)> = None;
        for i in 0..ts.height() {
            let key = (b[i].unwrap(), f[i].clone().unwrap());
            assert_eq!(
                key.0 % want_width,
                0,
                "bucket {} not aligned to {want_width}",
                key.0
            );
            assert!(
                prev.as_ref().is_none_or(|p| *p < key),
                "rows ordered by bucket, function"
            );
            assert_eq!(n[i], Some(counts[&key]), "{key:?} invocations");
            check_percentiles(
                &format!("{key:?}"),
                &[(p50[i].unwrap(), p90[i].unwrap(), p99[i].unwrap())],
                &exact[&key],
            );
            prev = Some(key);
        }
    }
}

/// `Some(x)` compared with a report cell rounded to `places`; `None` with a null cell.
fn check_opt(what: &str, report: Option<f64>, exact: Option<f64>, places: i32) {
    match (report, exact) {
        (Some(r), Some(e)) => assert!(agrees(r, e, places), "{what}: report {r}, plain Rust {e}"),
        (r, e) => assert_eq!(r, e, "{what}"),
    }
}

#[test]
fn cold_starts_match_a_plain_rust_computation() {
    let (_dir, ws) = demo_workspace();
    // Besides the demo's functions: a function with only cold starts (one a SnapStart restore,
    // one with no init figure at all), one with only warm invocations (`cold` false or
    // unknown), and nameless invocations of both kinds. Each has a row in one part of the
    // report's join only, or (nameless) meets under key 0.
    let rows: [ColdRow; 13] = [
        (Some("only-cold"), Some(true), Some(100.5), None, 10.0),
        (Some("only-cold"), Some(true), Some(200.25), None, 20.0),
        (Some("only-cold"), Some(true), None, Some(50.0), 30.0),
        (Some("only-cold"), Some(true), None, None, 40.0),
        (Some("only-warm"), Some(false), None, None, 1.0),
        (Some("only-warm"), None, None, None, 2.0),
        (Some("only-warm"), Some(false), None, None, 3.5),
        (Some("only-warm"), None, None, None, 4.0),
        (None, Some(true), Some(5.0), None, 11.0),
        (None, Some(true), Some(7.0), None, 13.0),
        (None, Some(false), None, None, 1.0),
        (None, None, None, None, 2.0),
        (None, Some(false), None, None, 6.0),
    ];
    add_cold_rows(&ws, "cold-check", &rows);

    let inv = ws.read(Frame::Invocations).unwrap();
    let functions = strs(&inv, "function");
    let (cold, init, restore, duration) = (
        bools(&inv, "cold"),
        f64s(&inv, "init_ms"),
        f64s(&inv, "restore_ms"),
        f64s(&inv, "duration_ms"),
    );
    #[derive(Default)]
    struct Exact {
        n: i64,
        cold: i64,
        init: Vec<f64>,
        cold_ms: Vec<f64>,
        warm_ms: Vec<f64>,
    }
    let mut exact: BTreeMap<String, Exact> = BTreeMap::new();
    for i in 0..inv.height() {
        let f = functions[i].clone().unwrap_or_else(|| "(unknown)".into());
        let e = exact.entry(f).or_default();
        e.n += 1;
        if cold[i] == Some(true) {
            e.cold += 1;
            e.init.extend(init[i].or(restore[i]));
            e.cold_ms.extend(duration[i]);
        } else {
            e.warm_ms.extend(duration[i]);
        }
    }
    let q = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        (!v.is_empty()).then(|| quantile(v, p))
    };
    assert_eq!(exact["only-cold"].cold, 4);
    assert_eq!(exact["only-warm"].n, 4);
    assert_eq!(exact["(unknown)"].n, 5);

    let r = compute_report(&ws, "cold-starts", Window::default(), &Params::default()).unwrap();
    let names = strs(&r, "function");
    assert_eq!(
        names.iter().flatten().cloned().collect::<Vec<_>>(),
        exact.keys().cloned().collect::<Vec<_>>(),
        "one row per function, ordered by name"
    );
    let (n, c, rate) = (
        i64s(&r, "invocations"),
        i64s(&r, "cold_starts"),
        f64s(&r, "cold_start_rate"),
    );
    let (p50, p99, max, cold_p50, warm_p50) = (
        f64s(&r, "init_p50_ms"),
        f64s(&r, "init_p99_ms"),
        f64s(&r, "init_max_ms"),
        f64s(&r, "cold_p50_ms"),
        f64s(&r, "warm_p50_ms"),
    );
    for (i, name) in names.iter().flatten().enumerate() {
        let e = exact.get_mut(name).unwrap();
        assert_eq!(n[i], Some(e.n), "{name} invocations");
        assert_eq!(c[i], Some(e.cold), "{name} cold starts");
        check_opt(
            &format!("{name} rate"),
            rate[i],
            Some(e.cold as f64 / e.n as f64),
            6,
        );
        check_opt(&format!("{name} init p50"), p50[i], q(&mut e.init, 0.5), 3);
        check_opt(&format!("{name} init p99"), p99[i], q(&mut e.init, 0.99), 3);
        check_opt(
            &format!("{name} init max"),
            max[i],
            e.init.iter().copied().reduce(f64::max),
            3,
        );
        check_opt(
            &format!("{name} cold p50"),
            cold_p50[i],
            q(&mut e.cold_ms, 0.5),
            3,
        );
        check_opt(
            &format!("{name} warm p50"),
            warm_p50[i],
            q(&mut e.warm_ms, 0.5),
            3,
        );
    }
}

#[test]
fn cold_start_histogram_matches_a_plain_rust_computation() {
    let (_dir, ws) = demo_workspace();
    // Besides the demo: cold starts with an init, a SnapStart restore (its restore duration
    // is binned), a cold start with neither figure (left out), an init on an invocation that
    // is not a cold start (`cold` false or unknown: left out), a figure on a bin's edge, and
    // nameless cold starts.
    let rows: [ColdRow; 9] = [
        (Some("hist-check"), Some(true), Some(0.0), None, 10.0),
        (Some("hist-check"), Some(true), Some(49.999), None, 10.0),
        (Some("hist-check"), Some(true), Some(50.0), None, 10.0),
        (Some("hist-check"), Some(true), None, Some(333.0), 10.0),
        (Some("hist-check"), Some(true), None, None, 10.0),
        (Some("hist-check"), Some(false), Some(120.0), None, 10.0),
        (Some("hist-check"), None, Some(130.0), None, 10.0),
        (None, Some(true), Some(75.5), None, 10.0),
        (None, Some(true), None, Some(80.0), 10.0),
    ];
    add_cold_rows(&ws, "hist-check", &rows);

    let inv = ws.read(Frame::Invocations).unwrap();
    let functions = strs(&inv, "function");
    let (cold, init, restore) = (
        bools(&inv, "cold"),
        f64s(&inv, "init_ms"),
        f64s(&inv, "restore_ms"),
    );
    for bin in [50.0, 100.0] {
        // (function, bin start in whole ms) -> count; every bin start here is a whole number
        let mut exact: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for i in 0..inv.height() {
            if cold[i] != Some(true) {
                continue;
            }
            let Some(ms) = init[i].or(restore[i]) else {
                continue;
            };
            let f = functions[i].clone().unwrap_or_else(|| "(unknown)".into());
            *exact
                .entry((f, ((ms / bin).floor() * bin) as i64))
                .or_default() += 1;
        }
        if bin == 50.0 {
            let ours: Vec<_> = exact
                .iter()
                .filter(|((f, _), _)| f == "hist-check")
                .map(|((_, b), n)| (*b, *n))
                .collect();
            assert_eq!(
                ours,
                [(0, 2), (50, 1), (300, 1)],
                "the added cold starts' bins"
            );
        }
        let params = Params {
            bin_ms: bin,
            ..Params::default()
        };
        let r = compute_report(&ws, "cold-start-histogram", Window::default(), &params).unwrap();
        let (f, lo, hi, n) = (
            strs(&r, "function"),
            f64s(&r, "bin_start_ms"),
            f64s(&r, "bin_end_ms"),
            i64s(&r, "count"),
        );
        let mut got: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for i in 0..r.height() {
            let (lo, hi) = (lo[i].unwrap(), hi[i].unwrap());
            assert_eq!(hi - lo, bin, "row {i}: a bin is {bin} ms wide");
            assert_eq!(lo.fract(), 0.0);
            let key = (f[i].clone().unwrap(), lo as i64);
            assert!(
                got.insert(key, n[i].unwrap()).is_none(),
                "row {i}: one row per bin"
            );
        }
        assert_eq!(got, exact, "bins of {bin} ms");
        let order: Vec<_> = (0..r.height())
            .map(|i| (f[i].clone().unwrap(), lo[i].unwrap() as i64))
            .collect();
        assert!(order.is_sorted(), "ordered by function, then bin");
    }
}

// ---- spend --------------------------------------------------------------------------------

type SpendKey = (String, String, String);

/// Spend per (dimension, key, unit) of UnblendedCost, and whether any period was estimated,
/// optionally per day too. The demo's costs never overlap (one CE query per grouping), so a
/// plain sum is the right reference there.
fn plain_spend(costs: &DataFrame, daily: bool) -> BTreeMap<(i64, SpendKey), (f64, bool)> {
    let (dim, key, unit, metric) = (
        strs(costs, "dimension"),
        strs(costs, "key"),
        strs(costs, "unit"),
        strs(costs, "metric"),
    );
    let (start, amount, est) = (
        i64s(costs, "period_start"),
        f64s(costs, "amount"),
        bools(costs, "estimated"),
    );
    let mut m: BTreeMap<(i64, SpendKey), (f64, bool)> = BTreeMap::new();
    for i in 0..costs.height() {
        if metric[i].as_deref() != Some("UnblendedCost") {
            continue;
        }
        let day = if daily { start[i].unwrap() } else { 0 };
        let k = (
            day,
            (
                dim[i].clone().unwrap_or_default(),
                key[i].clone().unwrap_or_default(),
                unit[i].clone().unwrap_or_default(),
            ),
        );
        let e = m.entry(k).or_insert((0.0, false));
        e.0 += amount[i].unwrap_or(0.0);
        e.1 |= est[i].unwrap_or(false);
    }
    m
}

fn report_spend(df: &DataFrame) -> BTreeMap<(i64, SpendKey), (f64, bool)> {
    let day = if df
        .get_column_names()
        .iter()
        .any(|c| c.as_str() == "period_start")
    {
        i64s(df, "period_start")
    } else {
        vec![Some(0); df.height()]
    };
    let (dim, key, unit, amount, est) = (
        strs(df, "dimension"),
        strs(df, "key"),
        strs(df, "unit"),
        f64s(df, "amount"),
        bools(df, "estimated"),
    );
    let mut m = BTreeMap::new();
    for i in 0..df.height() {
        let k = (
            day[i].unwrap(),
            (
                dim[i].clone().unwrap_or_default(),
                key[i].clone().unwrap_or_default(),
                unit[i].clone().unwrap_or_default(),
            ),
        );
        assert!(
            m.insert(k.clone(), (amount[i].unwrap(), est[i].unwrap()))
                .is_none(),
            "duplicate row {k:?}"
        );
    }
    m
}

fn assert_spend_equal(
    what: &str,
    report: &BTreeMap<(i64, SpendKey), (f64, bool)>,
    exact: &BTreeMap<(i64, SpendKey), (f64, bool)>,
) {
    assert_eq!(
        report.keys().collect::<Vec<_>>(),
        exact.keys().collect::<Vec<_>>(),
        "{what}: the same groups"
    );
    for (k, (amount, est)) in exact {
        let (got, got_est) = report[k];
        assert!(
            (got - amount).abs() <= 1e-6,
            "{what} {k:?}: report {got}, plain Rust {amount}"
        );
        assert_eq!(got_est, *est, "{what} {k:?}: estimated");
    }
}

#[test]
fn spend_matches_plain_sums_and_each_grouping_adds_up_to_the_same_total() {
    let (_dir, ws) = demo_workspace();
    let costs = ws.read(Frame::Costs).unwrap();
    let all = Params::default();
    let spend = compute_report(&ws, "spend", Window::default(), &all).unwrap();
    assert_spend_equal("spend", &report_spend(&spend), &plain_spend(&costs, false));
    let daily = compute_report(&ws, "spend-daily", Window::default(), &all).unwrap();
    assert_spend_equal(
        "spend-daily",
        &report_spend(&daily),
        &plain_spend(&costs, true),
    );

    // The demo writes the same days grouped three ways; each grouping adds up to one total, and
    // the untagged share is there.
    let mut totals: BTreeMap<String, f64> = BTreeMap::new();
    for ((_, (dim, _, unit)), (amount, _)) in report_spend(&spend) {
        if unit == "USD" {
            *totals.entry(dim).or_default() += amount;
        }
    }
    assert_eq!(
        totals.keys().collect::<Vec<_>>(),
        ["SERVICE", "TAG:env", "TAG:team"]
    );
    let t = totals["SERVICE"];
    assert!(
        t > 1.0 && totals.values().all(|v| (v - t).abs() < 1e-6),
        "{totals:?}"
    );
    let team = compute_report(
        &ws,
        "spend",
        Window::default(),
        &Params {
            by: Some(parse_by("tag:team").unwrap()),
            ..all.clone()
        },
    )
    .unwrap();
    let keys = strs(&team, "key");
    assert!(
        keys.contains(&Some("(untagged)".into())) && keys.contains(&Some("orders".into())),
        "{keys:?}"
    );
    assert!(
        strs(&team, "dimension")
            .iter()
            .all(|d| d.as_deref() == Some("TAG:team"))
    );
    // The demo's last two days are estimated: only they are marked in spend-daily.
    let days = i64s(&daily, "period_start");
    let last = days.iter().flatten().max().copied().unwrap();
    for (d, e) in days.iter().zip(bools(&daily, "estimated")) {
        assert_eq!(e, Some(d.unwrap() >= last - DAY_US), "day {d:?}");
    }
    // Spend-daily adds up to spend.
    let mut by_group: BTreeMap<SpendKey, f64> = BTreeMap::new();
    for ((_, k), (a, _)) in report_spend(&daily) {
        *by_group.entry(k).or_default() += a;
    }
    for ((_, k), (a, _)) in report_spend(&spend) {
        assert!((by_group[&k] - a).abs() < 1e-6, "{k:?}");
    }
}

/// Cost Explorer and CUR files that overlap: the spend reports count each figure once.
#[test]
fn overlapping_cost_imports_are_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_or_create(dir.path().join("ws")).unwrap();
    let group = |keys: &[&str], amount: &str| {
        format!(
            r#"{{"Keys":{keys:?},"Metrics":{{"UnblendedCost":{{"Amount":"{amount}","Unit":"USD"}}}}}}"#
        )
    };
    let day = |start: &str, end: &str, est: bool, groups: &[String]| {
        format!(
            r#"{{"TimePeriod":{{"Start":"{start}","End":"{end}"}},"Total":{{}},"Groups":[{}],"Estimated":{est}}}"#,
            groups.join(",")
        )
    };
    let doc = |defs: &str, days: &[String]| {
        format!(
            r#"{{"GroupDefinitions":[{defs}],"ResultsByTime":[{}],"DimensionValueAttributes":[]}}"#,
            days.join(",")
        )
    };
    let team = r#"{"Type":"TAG","Key":"team"}"#;
    let service = r#"{"Type":"DIMENSION","Key":"SERVICE"}"#;
    let (lambda, s3) = ("AWS Lambda", "Amazon Simple Storage Service");
    let files = [
        // CE DAILY by team, 1-3 March (the 3rd estimated).
        doc(
            team,
            &[
                day(
                    "2026-03-01",
                    "2026-03-02",
                    false,
                    &[group(&["team$a"], "1.0"), group(&["team$"], "0.5")],
                ),
                day(
                    "2026-03-02",
                    "2026-03-03",
                    false,
                    &[group(&["team$a"], "2.0"), group(&["team$"], "0.25")],
                ),
                day(
                    "2026-03-03",
                    "2026-03-04",
                    true,
                    &[group(&["team$a"], "4.0"), group(&["team$b"], "1.0")],
                ),
            ],
        ),
        // CE MONTHLY by service, March (estimated).
        doc(
            service,
            &[day(
                "2026-03-01",
                "2026-04-01",
                true,
                &[group(&[lambda], "10.0"), group(&[s3], "5.0")],
            )],
        ),
        // CE DAILY by service: two days inside March (the month counts instead), and 1 April.
        doc(
            service,
            &[
                day(
                    "2026-03-01",
                    "2026-03-02",
                    false,
                    &[group(&[lambda], "1.0")],
                ),
                day(
                    "2026-03-02",
                    "2026-03-03",
                    false,
                    &[group(&[lambda], "1.0")],
                ),
                day(
                    "2026-04-01",
                    "2026-04-02",
                    false,
                    &[group(&[lambda], "3.0")],
                ),
            ],
        ),
        // CE DAILY by service and team, 2 April.
        doc(
            &format!("{service},{team}"),
            &[day(
                "2026-04-02",
                "2026-04-03",
                false,
                &[
                    group(&[lambda, "team$a"], "2.0"),
                    group(&[lambda, "team$"], "1.0"),
                    group(&[s3, "team$a"], "0.5"),
                ],
            )],
        ),
    ];
    let mut paths = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let p = dir.path().join(format!("ce-{i}.json"));
        std::fs::write(&p, f).unwrap();
        paths.push(p);
    }
    // CUR line items of 2 March: the CUR day replaces Cost Explorer's for the team grouping.
    let cur = dir.path().join("cur.csv");
    std::fs::write(
        &cur,
        "identity/LineItemId,lineItem/UsageStartDate,product/ProductName,lineItem/UnblendedCost,lineItem/CurrencyCode,resourceTags/user:team\n\
         1,2026-03-02T00:00:00Z,AWS Lambda,1.5,USD,a\n\
         2,2026-03-02T05:00:00Z,AWS Lambda,1.0,USD,a\n\
         3,2026-03-02T07:00:00Z,Amazon Simple Storage Service,0.5,USD,\n",
    )
    .unwrap();
    paths.push(cur);
    let reports = skylens::source::files::import_files(&ws, &paths, &Default::default()).unwrap();
    for r in &reports {
        assert!(r.skipped.is_empty() && r.records > 0, "{r:?}");
    }

    let row = |d: &str, k: &str, a: f64, e: bool| {
        (
            (0i64, (d.to_string(), k.to_string(), "USD".to_string())),
            (a, e),
        )
    };
    let spend = |by: Option<&str>, window: Window| {
        let p = Params {
            by: by.map(|b| parse_by(b).unwrap()),
            ..Params::default()
        };
        report_spend(&compute_report(&ws, "spend", window, &p).unwrap())
    };
    let want: BTreeMap<_, _> = [
        row("SERVICE", lambda, 16.0, true),
        row("SERVICE", s3, 5.5, true),
        row("TAG:team", "a", 10.0, true),
        row("TAG:team", "(untagged)", 2.0, false),
        row("TAG:team", "b", 1.0, true),
        row("TOTAL", "", 3.0, false),
    ]
    .into_iter()
    .collect();
    assert_spend_equal("spend", &spend(None, Window::default()), &want);
    let only = |d: &str| {
        want.iter()
            .filter(|((_, (x, _, _)), _)| x == d)
            .map(|(k, v)| (k.clone(), *v))
            .collect::<BTreeMap<_, _>>()
    };
    assert_spend_equal(
        "spend --by service",
        &spend(Some("service"), Window::default()),
        &only("SERVICE"),
    );
    assert_spend_equal(
        "spend --by tag:TEAM",
        &spend(Some("tag:TEAM"), Window::default()),
        &only("TAG:team"),
    );
    assert!(spend(Some("tag:nope"), Window::default()).is_empty());

    let april = Window {
        from: skylens::parse::time::parse_iso("2026-04-01"),
        to: None,
    };
    let want_april: BTreeMap<_, _> = [
        row("SERVICE", lambda, 6.0, false),
        row("SERVICE", s3, 0.5, false),
        row("TAG:team", "a", 2.5, false),
        row("TAG:team", "(untagged)", 1.0, false),
    ]
    .into_iter()
    .collect();
    assert_spend_equal("spend from April", &spend(None, april), &want_april);

    let p = Params {
        by: Some(parse_by("tag:team").unwrap()),
        ..Params::default()
    };
    let daily = report_spend(&compute_report(&ws, "spend-daily", Window::default(), &p).unwrap());
    let d = |s: &str| skylens::parse::time::parse_iso(s).unwrap();
    let drow = |day: &str, k: &str, a: f64, e: bool| {
        (
            (
                d(day),
                ("TAG:team".to_string(), k.to_string(), "USD".to_string()),
            ),
            (a, e),
        )
    };
    let want_daily: BTreeMap<_, _> = [
        drow("2026-03-01", "a", 1.0, false),
        drow("2026-03-01", "(untagged)", 0.5, false),
        drow("2026-03-02", "a", 2.5, false),
        drow("2026-03-02", "(untagged)", 0.5, false),
        drow("2026-03-03", "a", 4.0, true),
        drow("2026-03-03", "b", 1.0, true),
        drow("2026-04-02", "a", 2.5, false),
        drow("2026-04-02", "(untagged)", 1.0, false),
    ]
    .into_iter()
    .collect();
    assert_spend_equal("spend-daily --by tag:team", &daily, &want_daily);
}

// ---- Lambda cost ----------------------------------------------------------------------------

/// Plain-Rust cost of every invocation at the built-in us-east-1 / fallback prices.
fn invocation_costs(inv: &DataFrame, arm: &[&str]) -> Vec<(String, Option<String>, f64, f64)> {
    let (f, t, billed, mem) = (
        strs(inv, "function"),
        strs(inv, "trace_id"),
        f64s(inv, "billed_ms"),
        i64s(inv, "memory_mb"),
    );
    (0..inv.height())
        .map(|i| {
            let function = f[i].clone().unwrap_or_else(|| "(unknown)".into());
            let gb_s = billed[i].unwrap() / 1000.0 * mem[i].unwrap() as f64 / 1024.0;
            let price = if arm.contains(&function.as_str()) {
                0.0000133334
            } else {
                0.0000166667
            };
            (function, t[i].clone(), gb_s, gb_s * price + 0.0000002)
        })
        .collect()
}

#[test]
fn lambda_cost_matches_a_plain_rust_computation() {
    let (_dir, ws) = demo_workspace();
    let inv = ws.read(Frame::Invocations).unwrap();
    for arm in [&[][..], &["payments"][..]] {
        let params = Params {
            arch: ArchMap {
                default: Arch::X86_64,
                by_function: arm.iter().map(|f| (f.to_string(), Arch::Arm64)).collect(),
            },
            ..Params::default()
        };
        let costs = invocation_costs(&inv, arm);
        let mut per_fn: BTreeMap<String, (i64, f64, f64)> = BTreeMap::new();
        for (f, _, gb_s, usd) in &costs {
            let e = per_fn.entry(f.clone()).or_default();
            e.0 += 1;
            e.1 += gb_s;
            e.2 += usd;
        }
        let df = compute_report(&ws, "cost-per-function", Window::default(), &params).unwrap();
        let (f, n, gb, total, req, per_m) = (
            strs(&df, "function"),
            i64s(&df, "invocations"),
            f64s(&df, "billed_gb_s"),
            f64s(&df, "est_total_usd"),
            f64s(&df, "est_request_usd"),
            f64s(&df, "usd_per_million"),
        );
        assert_eq!(df.height(), per_fn.len());
        for i in 0..df.height() {
            let name = f[i].clone().unwrap();
            let (count, gb_s, usd) = per_fn[&name];
            assert_eq!(n[i], Some(count), "{name}");
            assert!(
                agrees(gb[i].unwrap(), gb_s, 3),
                "{name} GB-s {gb:?} vs {gb_s}"
            );
            assert!(
                agrees(total[i].unwrap(), usd, 6),
                "{name} total {:?} vs {usd}",
                total[i]
            );
            assert!(
                agrees(req[i].unwrap(), count as f64 * 0.0000002, 6),
                "{name} requests"
            );
            assert!(
                agrees(per_m[i].unwrap(), usd / count as f64 * 1e6, 6),
                "{name} per million"
            );
            if i > 0 {
                assert!(total[i - 1] >= total[i], "ordered by cost");
            }
        }

        // cost-per-route: every invocation once; the API routes carry their traces' cost.
        let mut access: HashMap<String, (i64, String)> = HashMap::new();
        let logs = ws.read(Frame::Logs).unwrap();
        let (kind, trace, ts, msg) = (
            strs(&logs, "kind"),
            strs(&logs, "trace_id"),
            i64s(&logs, "ts"),
            strs(&logs, "message"),
        );
        for i in 0..logs.height() {
            if let (Some("access"), Some(t)) = (kind[i].as_deref(), trace[i].as_ref()) {
                let m = msg[i].clone().unwrap();
                let route = m
                    .rsplit_once(' ')
                    .filter(|(_, s)| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
                    .map(|(r, _)| r.to_string())
                    .unwrap_or(m);
                let e = access.entry(t.clone()).or_insert((i64::MAX, String::new()));
                if ts[i].unwrap() < e.0 {
                    *e = (ts[i].unwrap(), route);
                }
            }
        }
        let mut per_route: BTreeMap<(String, String), (i64, i64, f64)> = BTreeMap::new();
        for (_, route) in access.values() {
            per_route
                .entry((route.clone(), "api".into()))
                .or_default()
                .0 += 1;
        }
        for (f, t, _, usd) in &costs {
            let key = match t.as_ref().and_then(|t| access.get(t)) {
                Some((_, route)) => (route.clone(), "api".to_string()),
                None if t.is_none() => (f.clone(), "untraced".to_string()),
                None => {
                    panic!("the demo's traced invocations all enter through the API ({f} {t:?})")
                }
            };
            let e = per_route.entry(key.clone()).or_default();
            if key.1 == "untraced" {
                e.0 += 1;
            }
            e.1 += 1;
            e.2 += usd;
        }
        let df = compute_report(&ws, "cost-per-route", Window::default(), &params).unwrap();
        let (route, kind, req, n, total) = (
            strs(&df, "route"),
            strs(&df, "kind"),
            i64s(&df, "requests"),
            i64s(&df, "invocations"),
            f64s(&df, "est_total_usd"),
        );
        let got: BTreeMap<(String, String), (i64, i64, f64)> = (0..df.height())
            .map(|i| {
                (
                    (route[i].clone().unwrap(), kind[i].clone().unwrap()),
                    (req[i].unwrap(), n[i].unwrap(), total[i].unwrap()),
                )
            })
            .collect();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            per_route.keys().collect::<Vec<_>>()
        );
        for (k, (r, count, usd)) in &per_route {
            let (gr, gn, gusd) = got[k];
            assert_eq!((gr, gn), (*r, *count), "{k:?} requests, invocations");
            assert!(agrees(gusd, *usd, 6), "{k:?} cost {gusd} vs {usd}");
        }
        assert!(
            got.contains_key(&("POST /orders".to_string(), "api".to_string())),
            "{got:?}"
        );
        let all_fn: f64 = per_fn.values().map(|v| v.2).sum();
        let all_routes: f64 = got.values().map(|v| v.2).sum();
        assert!(
            (all_fn - all_routes).abs() < 1e-5,
            "routes add up to the functions: {all_routes} vs {all_fn}"
        );
    }

    // The demo bills Lambda in Cost Explorer at the same x86_64 prices: the estimate from the
    // REPORT lines and the spend on `AWS Lambda` agree.
    let est: f64 = f64s(
        &compute_report(
            &ws,
            "cost-per-function",
            Window::default(),
            &Params::default(),
        )
        .unwrap(),
        "est_total_usd",
    )
    .into_iter()
    .flatten()
    .sum();
    let spend = compute_report(
        &ws,
        "spend",
        Window::default(),
        &Params {
            by: Some("service".into()),
            ..Params::default()
        },
    )
    .unwrap();
    let lambda = strs(&spend, "key")
        .iter()
        .position(|k| k.as_deref() == Some("AWS Lambda"))
        .unwrap();
    let billed = f64s(&spend, "amount")[lambda].unwrap();
    assert!(
        (est - billed).abs() < 1e-5,
        "estimated {est} vs Cost Explorer {billed}"
    );
}

/// Entry points other than access-log routes: an API Gateway X-Ray segment, a trace that
/// starts at a function (with an async hop to another function), and an untraced invocation.
#[test]
fn cost_per_route_entry_points_from_xray_and_functions() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_or_create(dir.path().join("ws")).unwrap();
    let (t1, t2) = (
        "1-6a000000-000000000000000000000001",
        "1-6a000000-000000000000000000000002",
    );
    let report = |id: &str, billed: u32, trace: Option<&str>| {
        let xray = trace
            .map(|t| format!("\tXRAY TraceId: {t}\tSegmentId: 0000000000000001\tSampled: true"))
            .unwrap_or_default();
        format!(
            "START RequestId: {id} Version: $LATEST\nEND RequestId: {id}\nREPORT RequestId: {id}\tDuration: {billed}.00 ms\tBilled Duration: {billed} ms\tMemory Size: 10240 MB\tMax Memory Used: 100 MB\t{xray}\n"
        )
    };
    let api_fn = report("11111111-1111-4111-8111-111111111111", 10000, Some(t1));
    let worker = [
        report("22222222-2222-4222-8222-222222222222", 20000, Some(t1)),
        report("33333333-3333-4333-8333-333333333333", 5000, Some(t2)),
        report("44444444-4444-4444-8444-444444444444", 1000, None),
    ]
    .concat();
    for (name, text) in [("api-fn", api_fn), ("worker", worker)] {
        let p = dir.path().join(format!("{name}.log"));
        std::fs::write(&p, text).unwrap();
        let opts = skylens::source::files::ImportOptions {
            log_group: Some(format!("/aws/lambda/{name}")),
        };
        let r = skylens::source::files::import_files(&ws, &[p], &opts).unwrap();
        assert_eq!(
            r[0].added.get("invocations").copied(),
            Some(if name == "worker" { 3 } else { 1 }),
            "{r:?}"
        );
    }
    let seg = dir.path().join("segment.json");
    std::fs::write(
        &seg,
        format!(
            r#"{{"id":"aaaaaaaaaaaaaaaa","name":"api/prod","trace_id":"{t1}","start_time":1790000000.0,"end_time":1790000001.0,"origin":"AWS::ApiGateway::Stage","http":{{"request":{{"url":"https://abc.execute-api.eu-west-1.amazonaws.com/prod/items/42?x=1","method":"GET"}},"response":{{"status":200}}}}}}"#
        ),
    )
    .unwrap();
    let r = skylens::source::files::import_files(&ws, &[seg], &Default::default()).unwrap();
    assert_eq!(r[0].added.get("spans").copied(), Some(1), "{r:?}");

    // worker runs on arm64.
    let params = Params {
        arch: ArchMap::parse(&["worker=arm64".into()]).unwrap(),
        ..Params::default()
    };
    let df = compute_report(&ws, "cost-per-route", Window::default(), &params).unwrap();
    let (route, kind, req, n, usd) = (
        strs(&df, "route"),
        strs(&df, "kind"),
        i64s(&df, "requests"),
        i64s(&df, "invocations"),
        f64s(&df, "est_total_usd"),
    );
    let got: BTreeMap<(String, String), (i64, i64, f64)> = (0..df.height())
        .map(|i| {
            (
                (route[i].clone().unwrap(), kind[i].clone().unwrap()),
                (req[i].unwrap(), n[i].unwrap(), usd[i].unwrap()),
            )
        })
        .collect();
    // GB-s = billed s x 10 GB; x86 0.0000166667, arm64 0.0000133334 per GB-s; 0.0000002 a request.
    let x86 = |s: f64| s * 10.0 * 0.0000166667 + 0.0000002;
    let arm = |s: f64| s * 10.0 * 0.0000133334 + 0.0000002;
    let want: BTreeMap<(String, String), (i64, i64, f64)> = [
        (
            ("GET /prod/items/42".to_string(), "api".to_string()),
            (1, 2, x86(10.0) + arm(20.0)),
        ),
        (
            ("worker".to_string(), "function".to_string()),
            (1, 1, arm(5.0)),
        ),
        (
            ("worker".to_string(), "untraced".to_string()),
            (1, 1, arm(1.0)),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{got:?}"
    );
    for (k, (r, c, u)) in &want {
        let (gr, gc, gu) = got[k];
        assert_eq!((gr, gc), (*r, *c), "{k:?}");
        assert!(agrees(gu, *u, 6), "{k:?}: {gu} vs {u}");
    }
    let per_fn = compute_report(&ws, "cost-per-function", Window::default(), &params).unwrap();
    assert_eq!(
        strs(&per_fn, "function"),
        [Some("worker".to_string()), Some("api-fn".to_string())]
    );
    let usd = f64s(&per_fn, "est_total_usd");
    assert!(
        agrees(usd[0].unwrap(), arm(26.0) + 2.0 * 0.0000002, 6),
        "{usd:?}"
    );
    assert!(agrees(usd[1].unwrap(), x86(10.0), 6), "{usd:?}");
}

/// A trace with no API entry enters through its first invocation by start time, whatever the
/// functions' names; invocations starting in the same millisecond go by function name.
#[test]
fn cost_per_route_first_function_is_the_earliest_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_or_create(dir.path().join("ws")).unwrap();
    let (later, same_ms) = (
        "1-6a000000-00000000000000000000000a",
        "1-6a000000-00000000000000000000000b",
    );
    let t0: i64 = 1_790_000_000_000; // ms
    // One FilterLogEvents document per function: (request ID, start ms, trace).
    let doc = |group: &str, invocations: &[(&str, i64, &str)]| {
        let mut events = Vec::new();
        for (i, (id, at, trace)) in invocations.iter().enumerate() {
            for (k, (dt, line)) in [
                (0, format!("START RequestId: {id} Version: $LATEST\n")),
                (100, format!("END RequestId: {id}\n")),
                (
                    100,
                    format!(
                        "REPORT RequestId: {id}\tDuration: 100.00 ms\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\nXRAY TraceId: {trace}\tSegmentId: 0000000000000001\tSampled: true\t\n"
                    ),
                ),
            ]
            .into_iter()
            .enumerate()
            {
                events.push(serde_json::json!({
                    "logStreamName": "2026/09/21/[$LATEST]abc",
                    "timestamp": at + dt,
                    "message": line,
                    "ingestionTime": at + dt + 50,
                    "eventId": format!("{group}-{i}-{k}"),
                }));
            }
        }
        serde_json::json!({ "events": events }).to_string()
    };
    // `zeta` starts `later` 0.5 s before `alpha`; in `same_ms` both start at t0 + 10 s.
    let inputs = [
        (
            "zeta",
            doc(
                "zeta",
                &[
                    ("aaaaaaaa-0000-4000-8000-000000000001", t0, later),
                    ("aaaaaaaa-0000-4000-8000-000000000002", t0 + 10_000, same_ms),
                ],
            ),
        ),
        (
            "alpha",
            doc(
                "alpha",
                &[
                    ("bbbbbbbb-0000-4000-8000-000000000001", t0 + 500, later),
                    ("bbbbbbbb-0000-4000-8000-000000000002", t0 + 10_000, same_ms),
                ],
            ),
        ),
    ];
    for (name, text) in inputs {
        let p = dir.path().join(format!("{name}.json"));
        std::fs::write(&p, text).unwrap();
        let opts = skylens::source::files::ImportOptions {
            log_group: Some(format!("/aws/lambda/{name}")),
        };
        let r = skylens::source::files::import_files(&ws, &[p], &opts).unwrap();
        assert_eq!(r[0].added.get("invocations").copied(), Some(2), "{r:?}");
    }
    let df = compute_report(&ws, "cost-per-route", Window::default(), &Params::default()).unwrap();
    let (route, kind, req, n) = (
        strs(&df, "route"),
        strs(&df, "kind"),
        i64s(&df, "requests"),
        i64s(&df, "invocations"),
    );
    let got: BTreeMap<(String, String), (i64, i64)> = (0..df.height())
        .map(|i| {
            (
                (route[i].clone().unwrap(), kind[i].clone().unwrap()),
                (req[i].unwrap(), n[i].unwrap()),
            )
        })
        .collect();
    let want: BTreeMap<(String, String), (i64, i64)> = [
        // `later`: zeta started first although alpha sorts first by name.
        (("zeta".to_string(), "function".to_string()), (1, 2)),
        // `same_ms`: a tie in the millisecond goes to the first name.
        (("alpha".to_string(), "function".to_string()), (1, 2)),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want, "{df}");
}
