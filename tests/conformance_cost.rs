//! Conformance of the cost parsers over the shared AWS fixtures: Cost Explorer responses,
//! GetTags, and CUR headers built from the documented column lists (legacy CSV, CUR 2.0 CSV
//! and CUR 2.0 Parquet).

mod common;

use std::collections::BTreeMap;

use polars::prelude::*;
use skylens::model::costs;
use skylens::parse::cost::{TOTAL_DIMENSION, parse_cur_csv};
use skylens::parse::detect::detect;
use skylens::parse::{Batch, Format, ParseContext, SkipReason, parse};

/// One row of the costs frame, owned.
#[derive(Debug, Clone, PartialEq)]
struct R {
    source: String,
    start: i64,
    end: Option<i64>,
    dim: String,
    key: String,
    dim2: Option<String>,
    key2: Option<String>,
    metric: String,
    amount: f64,
    unit: Option<String>,
    est: bool,
}

fn rows(b: Batch) -> Vec<R> {
    let df = b.costs.finish().expect("costs frame");
    let s = |c: &str| df.column(c).unwrap().as_materialized_series().clone();
    let strs = |c: &str| -> Vec<Option<String>> {
        s(c).str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect()
    };
    let times =
        |c: &str| -> Vec<Option<i64>> { s(c).to_physical_repr().i64().unwrap().iter().collect() };
    let (src, st, en) = (
        strs(costs::SOURCE),
        times(costs::PERIOD_START),
        times(costs::PERIOD_END),
    );
    let (d1, k1, d2, k2) = (
        strs(costs::DIMENSION),
        strs(costs::KEY),
        strs(costs::DIMENSION2),
        strs(costs::KEY2),
    );
    let (m, u) = (strs(costs::METRIC), strs(costs::UNIT));
    let a: Vec<Option<f64>> = s(costs::AMOUNT).f64().unwrap().iter().collect();
    let e: Vec<Option<bool>> = s(costs::ESTIMATED).bool().unwrap().iter().collect();
    (0..df.height())
        .map(|i| R {
            source: src[i].clone().unwrap(),
            start: st[i].unwrap(),
            end: en[i],
            dim: d1[i].clone().unwrap(),
            key: k1[i].clone().unwrap(),
            dim2: d2[i].clone(),
            key2: k2[i].clone(),
            metric: m[i].clone().unwrap(),
            amount: a[i].unwrap(),
            unit: u[i].clone(),
            est: e[i].unwrap(),
        })
        .collect()
}

/// Detect and parse one input, as `skylens import` does.
fn import(bytes: &[u8], expect: Format) -> Batch {
    let d = detect(bytes);
    assert_eq!(d.format, expect);
    let mut b = Batch::default();
    parse(d.format, &d.payload, &ParseContext::default(), &mut b);
    b
}

fn us(date: &str) -> i64 {
    skylens::parse::time::parse_iso(date).unwrap()
}

fn one<'r>(rows: &'r [R], dim: &str, key: &str, metric: &str) -> &'r R {
    let found: Vec<&R> = rows
        .iter()
        .filter(|r| r.dim == dim && r.key == key && r.metric == metric)
        .collect();
    assert_eq!(found.len(), 1, "{dim}/{key}/{metric} in {rows:#?}");
    found[0]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn ce_by_service_and_tag() {
    let b = import(
        &common::fixture("ce-get-cost-and-usage-by-service-and-tag.json"),
        Format::CostAndUsage,
    );
    assert!(b.skipped.is_empty(), "{:?}", b.skipped);
    assert_eq!(b.records, 6);
    let rows = rows(b);
    // Two groups × three metrics; `Total: {}` adds nothing.
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r.dim != TOTAL_DIMENSION));
    for r in &rows {
        assert_eq!(r.source, "ce");
        assert_eq!((r.start, r.end), (us("2017-09-01"), Some(us("2017-10-01"))));
        assert!(!r.est);
        assert_eq!(r.dim, "SERVICE");
        assert_eq!(r.key, "Amazon Simple Storage Service");
        assert_eq!(r.dim2.as_deref(), Some("TAG:Environment"));
    }
    let by = |key2: &str, metric: &str| {
        let r: Vec<&R> = rows
            .iter()
            .filter(|r| r.key2.as_deref() == Some(key2) && r.metric == metric)
            .collect();
        assert_eq!(r.len(), 1);
        (r[0].amount, r[0].unit.clone())
    };
    // `Environment$` is untagged, shown and kept.
    assert_eq!(
        by(costs::UNTAGGED, "BlendedCost"),
        (40.3527508453, Some("USD".into()))
    );
    assert_eq!(
        by(costs::UNTAGGED, "UnblendedCost"),
        (40.3543773134, Some("USD".into()))
    );
    assert_eq!(
        by(costs::UNTAGGED, "UsageQuantity"),
        (9312771.098461578, Some("N/A".into()))
    );
    assert_eq!(by("Dev", "BlendedCost"), (0.2682364644, Some("USD".into())));
    assert_eq!(
        by("Dev", "UnblendedCost"),
        (0.2682364644, Some("USD".into()))
    );
    assert_eq!(
        by("Dev", "UsageQuantity"),
        (22403.4395271182, Some("N/A".into()))
    );
}

#[test]
fn ce_by_service_monthly() {
    let b = import(
        &common::fixture("ce-get-cost-and-usage-by-service-monthly.json"),
        Format::CostAndUsage,
    );
    assert!(b.skipped.is_empty(), "{:?}", b.skipped);
    assert_eq!(b.records, 160);
    let rows = rows(b);
    assert_eq!(rows.len(), 160);
    assert!(rows.iter().all(|r| r.dim == "SERVICE"
        && r.metric == "UnblendedCost"
        && r.unit.as_deref() == Some("USD")));
    assert!(
        rows.iter()
            .all(|r| r.source == "ce" && !r.est && r.dim2.is_none() && r.key2.is_none())
    );
    // `Total: {}` in every period: no TOTAL rows.
    assert!(rows.iter().all(|r| r.dim != TOTAL_DIMENSION));
    let expect = [
        (
            "2023-04-01",
            "2023-05-01",
            23,
            205.4479067066,
            10.8889929342,
            56.0322111501,
        ),
        (
            "2023-05-01",
            "2023-06-01",
            26,
            471.5618570973,
            11.2527618832,
            65.1415572723,
        ),
        (
            "2023-06-01",
            "2023-07-01",
            27,
            303.2400848554,
            10.8902713356,
            69.8006480394,
        ),
        (
            "2023-07-01",
            "2023-08-01",
            31,
            306.0460632127,
            11.2537275068,
            78.4485989161,
        ),
        (
            "2023-08-01",
            "2023-09-01",
            27,
            285.9882013419,
            11.2547682862,
            84.3559946898,
        ),
        (
            "2023-09-01",
            "2023-10-01",
            26,
            385.3958308832,
            10.890445534,
            90.6772627538,
        ),
    ];
    let mut periods: BTreeMap<i64, Vec<&R>> = BTreeMap::new();
    for r in &rows {
        periods.entry(r.start).or_default().push(r);
    }
    assert_eq!(periods.len(), 6);
    for (start, end, groups, sum, lambda, s3) in expect {
        let p = &periods[&us(start)];
        assert_eq!(p.len(), groups, "{start}");
        assert!(p.iter().all(|r| r.end == Some(us(end))));
        assert!(
            close(p.iter().map(|r| r.amount).sum::<f64>(), sum),
            "{start}"
        );
        let get = |k: &str| p.iter().find(|r| r.key == k).map(|r| r.amount);
        assert_eq!(get("AWS Lambda"), Some(lambda));
        assert_eq!(get("Amazon Simple Storage Service"), Some(s3));
    }
    // Zero-cost services are kept; a service present in one month only has one row.
    let trail: Vec<&R> = rows.iter().filter(|r| r.key == "AWS CloudTrail").collect();
    assert_eq!(trail.len(), 6);
    assert!(trail.iter().all(|r| r.amount == 0.0));
    let iot = one(&rows, "SERVICE", "AWS IoT Events", "UnblendedCost");
    assert_eq!((iot.start, iot.amount), (us("2023-07-01"), 0.417355));
}

#[test]
fn ce_get_tags() {
    let b = import(&common::fixture("ce-get-tags.json"), Format::CostTags);
    assert!(b.skipped.is_empty());
    assert_eq!(b.tag_keys, vec!["secretProject1", "secretProject2"]);
    assert_eq!(b.records, 2);
    assert!(b.costs.is_empty());
}

/// The documented column names of a fixture list (one per line, or `Name,Type` rows).
fn column_list(name: &str) -> Vec<(String, String)> {
    let text = String::from_utf8(common::fixture(name)).unwrap();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut cols = Vec::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let n = rec.get(0).unwrap_or("").trim().to_owned();
        let t = rec.get(1).unwrap_or("string").trim().to_owned();
        if n.is_empty() || (n == "Name" && t == "Type") {
            continue;
        }
        cols.push((n, t));
    }
    cols
}

/// A CSV with `header`, one row per item: a value for the named columns, a filler for the rest.
fn build_csv(
    header: &[String],
    items: &[BTreeMap<&str, String>],
    filler: impl Fn(&str) -> String,
) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).unwrap();
    for item in items {
        let rec: Vec<String> = header
            .iter()
            .map(|h| item.get(h.as_str()).cloned().unwrap_or_else(|| filler(h)))
            .collect();
        w.write_record(&rec).unwrap();
    }
    w.into_inner().unwrap()
}

fn item<'a>(pairs: &[(&'a str, &str)]) -> BTreeMap<&'a str, String> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

fn legacy_items() -> Vec<BTreeMap<&'static str, String>> {
    let common = |start: &str, end: &str, code: &str, cost: &str, invoice: &str| {
        item(&[
            ("identity/TimeInterval", &format!("{start}/{end}")),
            ("lineItem/UsageStartDate", start),
            ("lineItem/UsageEndDate", end),
            ("lineItem/ProductCode", code),
            ("lineItem/UnblendedCost", cost),
            ("lineItem/BlendedCost", cost),
            ("lineItem/CurrencyCode", "USD"),
            ("bill/InvoiceId", invoice),
            ("lineItem/UsageAmount", "1"),
        ])
    };
    let mut a = common(
        "2024-02-01T00:00:00Z",
        "2024-02-01T01:00:00Z",
        "AWSLambda",
        "0.75",
        "INV-1",
    );
    a.insert("resourceTags/user:creator", "alice".into());
    a.insert("resourceTags/user:owner", "payments".into());
    let mut b = common(
        "2024-02-01T13:00:00Z",
        "2024-02-01T14:00:00Z",
        "AmazonS3",
        "0.25",
        "INV-1",
    );
    b.insert("resourceTags/user:name", "assets".into());
    b.insert("resourceTags/user:purpose", "cdn".into());
    let mut c = common(
        "2024-02-02T00:00:00Z",
        "2024-02-02T01:00:00Z",
        "AWSLambda",
        "2.5",
        "",
    );
    c.insert("resourceTags/user:owner", "search".into());
    vec![a, b, c]
}

fn legacy_filler(h: &str) -> String {
    match h {
        "bill/BillingPeriodStartDate" => "2024-02-01T00:00:00Z".into(),
        "bill/BillingPeriodEndDate" => "2024-03-01T00:00:00Z".into(),
        "lineItem/BlendedRate"
        | "lineItem/UnblendedRate"
        | "lineItem/NormalizationFactor"
        | "lineItem/NormalizedUsageAmount" => "0".into(),
        h if h.starts_with("resourceTags/") => String::new(),
        _ => "x".into(),
    }
}

fn check_legacy(rows: &[R]) {
    let (d1, d2) = (us("2024-02-01"), us("2024-02-02"));
    assert!(
        rows.iter()
            .all(|r| r.source == "cur" && r.unit.as_deref() == Some("USD"))
    );
    assert!(rows.iter().all(|r| r.end == Some(r.start + 86_400_000_000)));
    let t: Vec<&R> = rows
        .iter()
        .filter(|r| r.dim == TOTAL_DIMENSION && r.metric == "UnblendedCost")
        .collect();
    assert_eq!(t.len(), 2);
    assert_eq!((t[0].start, t[0].amount, t[0].est), (d1, 1.0, false));
    assert_eq!(
        (t[1].start, t[1].amount, t[1].est),
        (d2, 2.5, true),
        "blank invoice ID: estimated"
    );
    let blended: f64 = rows
        .iter()
        .filter(|r| r.dim == TOTAL_DIMENSION && r.metric == "BlendedCost")
        .map(|r| r.amount)
        .sum();
    assert_eq!(blended, 3.5);
    assert!(
        rows.iter()
            .all(|r| r.metric == "UnblendedCost" || r.metric == "BlendedCost")
    );
    // No product name column in the list: the product code names the service.
    let svc = |k: &str, day: i64| {
        rows.iter()
            .find(|r| {
                r.dim == "SERVICE" && r.key == k && r.start == day && r.metric == "UnblendedCost"
            })
            .map(|r| r.amount)
    };
    assert_eq!(svc("AWSLambda", d1), Some(0.75));
    assert_eq!(svc("AmazonS3", d1), Some(0.25));
    assert_eq!(svc("AWSLambda", d2), Some(2.5));
    // Every `resourceTags/user:<key>` column is a tag dimension, untagged items included.
    let tag = |dim: &str, k: &str, day: i64| {
        rows.iter()
            .find(|r| r.dim == dim && r.key == k && r.start == day && r.metric == "UnblendedCost")
            .map(|r| r.amount)
    };
    for key in ["creator", "name", "owner", "purpose"] {
        assert!(
            rows.iter().any(|r| r.dim == format!("TAG:{key}")),
            "TAG:{key}"
        );
    }
    assert_eq!(tag("TAG:creator", "alice", d1), Some(0.75));
    assert_eq!(tag("TAG:creator", costs::UNTAGGED, d1), Some(0.25));
    assert_eq!(tag("TAG:creator", costs::UNTAGGED, d2), Some(2.5));
    assert_eq!(tag("TAG:owner", "payments", d1), Some(0.75));
    assert_eq!(tag("TAG:owner", "search", d2), Some(2.5));
    assert_eq!(tag("TAG:name", "assets", d1), Some(0.25));
    assert_eq!(tag("TAG:purpose", "cdn", d1), Some(0.25));
    assert_eq!(tag("TAG:purpose", costs::UNTAGGED, d1), Some(0.75));
}

#[test]
fn cur_legacy_csv_documented_columns() {
    let header: Vec<String> = column_list("cur-legacy-csv-column-names.txt")
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(header.len(), 32);
    let csv = build_csv(&header, &legacy_items(), legacy_filler);
    let b = import(&csv, Format::CurCsv);
    assert!(b.skipped.is_empty(), "{:?}", b.skipped);
    assert_eq!(b.records, 3);
    check_legacy(&rows(b));

    // Columns are matched by name: the same data with the columns reversed reads the same.
    let reversed: Vec<String> = header.iter().rev().cloned().collect();
    let b = import(
        &build_csv(&reversed, &legacy_items(), legacy_filler),
        Format::CurCsv,
    );
    assert!(b.skipped.is_empty(), "{:?}", b.skipped);
    check_legacy(&rows(b));

    // Every documented column is accepted alone beside the essentials, without a skip.
    for extra in &header {
        let mut h = vec![
            "lineItem/UsageStartDate".to_owned(),
            "lineItem/UnblendedCost".to_owned(),
        ];
        if !h.contains(extra) {
            h.push(extra.clone());
        }
        let mut b = Batch::default();
        parse_cur_csv(
            &build_csv(&h, &legacy_items(), legacy_filler),
            &ParseContext::default(),
            &mut b,
        );
        assert!(b.skipped.is_empty(), "{extra}: {:?}", b.skipped);
        assert_eq!(b.records, 3, "{extra}");
        let rows = rows(b);
        let total: f64 = rows
            .iter()
            .filter(|r| r.dim == TOTAL_DIMENSION && r.metric == "UnblendedCost")
            .map(|r| r.amount)
            .sum();
        assert_eq!(total, 3.5, "{extra}");
        if let Some(key) = extra.strip_prefix("resourceTags/user:") {
            assert!(
                rows.iter().any(|r| r.dim == format!("TAG:{key}")),
                "{extra} is a tag column"
            );
        }
    }
}

fn cur2_items(tags_as_map: bool) -> Vec<BTreeMap<&'static str, String>> {
    let common =
        |start: &str, end: &str, code: &str, name: &str, cost: &str, net: &str, invoice: &str| {
            item(&[
                ("identity_time_interval", &format!("{start}/{end}")),
                ("line_item_usage_start_date", start),
                ("line_item_usage_end_date", end),
                ("line_item_product_code", code),
                (
                    "product",
                    &format!(r#"{{"product_name":"{name}","region":"us-east-1"}}"#),
                ),
                ("line_item_unblended_cost", cost),
                ("line_item_net_unblended_cost", net),
                ("bill_invoice_id", invoice),
            ])
        };
    let mut a = common(
        "2024-02-01T00:00:00.000Z",
        "2024-02-01T01:00:00.000Z",
        "AWSLambda",
        "AWS Lambda",
        "0.75",
        "0.70",
        "INV-1",
    );
    let mut b = common(
        "2024-02-01T13:00:00.000Z",
        "2024-02-01T14:00:00.000Z",
        "AmazonS3",
        "Amazon Simple Storage Service",
        "0.25",
        "0.20",
        "INV-1",
    );
    let mut c = common(
        "2024-02-02T00:00:00.000Z",
        "2024-02-02T01:00:00.000Z",
        "AWSLambda",
        "AWS Lambda",
        "2.5",
        "2.5",
        "",
    );
    if tags_as_map {
        a.insert(
            "resource_tags",
            r#"{"user_team":"payments","user_cost_center":"42"}"#.into(),
        );
        b.insert("resource_tags", "{}".into());
        c.insert(
            "resource_tags",
            r#"{"user_team":"search","aws_createdBy":"IAMUser:alice"}"#.into(),
        );
    } else {
        a.insert("resource_tags_user_team", "payments".into());
        a.insert("resource_tags_user_cost_center", "42".into());
        c.insert("resource_tags_user_team", "search".into());
        c.insert("resource_tags_aws_created_by", "IAMUser:alice".into());
    }
    vec![a, b, c]
}

fn cur2_filler(types: &BTreeMap<String, String>) -> impl Fn(&str) -> String + '_ {
    move |h: &str| match types.get(h).map(String::as_str) {
        Some("double") => "0".into(),
        Some("timestamp") => "2024-02-01T00:00:00.000Z".into(),
        Some(t) if t.starts_with("map<") => "{}".into(),
        _ if h.starts_with("resource_tags_") => String::new(),
        _ => "x".into(),
    }
}

fn check_cur2(rows: &[R], created_by_dim: &str) {
    let (d1, d2) = (us("2024-02-01"), us("2024-02-02"));
    assert!(
        rows.iter()
            .all(|r| r.source == "cur" && r.unit.as_deref() == Some("USD")),
        "USD by default"
    );
    let get = |dim: &str, k: &str, m: &str, day: i64| {
        rows.iter()
            .find(|r| r.dim == dim && r.key == k && r.metric == m && r.start == day)
            .map(|r| r.amount)
    };
    assert_eq!(get(TOTAL_DIMENSION, "", "UnblendedCost", d1), Some(1.0));
    assert!(close(
        get(TOTAL_DIMENSION, "", "NetUnblendedCost", d1).unwrap(),
        0.9
    ));
    assert_eq!(get(TOTAL_DIMENSION, "", "UnblendedCost", d2), Some(2.5));
    assert!(
        !rows.iter().any(|r| r.metric == "BlendedCost"),
        "no blended cost column in CUR 2.0"
    );
    assert!(rows.iter().filter(|r| r.start == d2).all(|r| r.est));
    assert!(rows.iter().filter(|r| r.start == d1).all(|r| !r.est));
    // The `product` map names the service.
    assert_eq!(
        get("SERVICE", "AWS Lambda", "UnblendedCost", d1),
        Some(0.75)
    );
    assert_eq!(
        get(
            "SERVICE",
            "Amazon Simple Storage Service",
            "UnblendedCost",
            d1
        ),
        Some(0.25)
    );
    assert_eq!(get("TAG:team", "payments", "UnblendedCost", d1), Some(0.75));
    assert_eq!(
        get("TAG:team", costs::UNTAGGED, "UnblendedCost", d1),
        Some(0.25)
    );
    assert_eq!(get("TAG:team", "search", "UnblendedCost", d2), Some(2.5));
    assert_eq!(
        get("TAG:cost_center", "42", "UnblendedCost", d1),
        Some(0.75)
    );
    assert_eq!(
        get("TAG:cost_center", costs::UNTAGGED, "UnblendedCost", d2),
        Some(2.5)
    );
    assert_eq!(
        get(created_by_dim, "IAMUser:alice", "UnblendedCost", d2),
        Some(2.5)
    );
    assert_eq!(
        get(created_by_dim, costs::UNTAGGED, "UnblendedCost", d1),
        Some(1.0)
    );
}

#[test]
fn cur2_csv_documented_columns() {
    let cols = column_list("cur2-data-exports-columns.csv");
    assert_eq!(cols.len(), 89);
    let types: BTreeMap<String, String> = cols.iter().cloned().collect();
    let header: Vec<String> = cols.iter().map(|c| c.0.clone()).collect();
    assert!(header.iter().any(|h| h == "resource_tags"));

    // Tags in the `resource_tags` map column.
    let b = import(
        &build_csv(&header, &cur2_items(true), cur2_filler(&types)),
        Format::CurCsv,
    );
    assert!(b.skipped.is_empty(), "{:?}", b.skipped);
    assert_eq!(b.records, 3);
    check_cur2(&rows(b), "TAG:aws:createdBy");

    // Tags as flattened `resource_tags_user_<key>` columns instead of the map.
    let mut flat: Vec<String> = header
        .iter()
        .filter(|h| *h != "resource_tags")
        .cloned()
        .collect();
    for t in [
        "resource_tags_user_team",
        "resource_tags_user_cost_center",
        "resource_tags_aws_created_by",
    ] {
        flat.push(t.to_owned());
    }
    let b = import(
        &build_csv(&flat, &cur2_items(false), cur2_filler(&types)),
        Format::CurCsv,
    );
    assert!(b.skipped.is_empty(), "{:?}", b.skipped);
    check_cur2(&rows(b), "TAG:aws:created_by");
}

/// A `map<string,…>` column for Parquet: Polars writes `List(Struct{key, value})`.
fn map_series(name: &str, rows: &[Vec<(&str, &str)>]) -> Series {
    let lists: Vec<Series> = rows
        .iter()
        .map(|pairs| {
            let k = Series::new("key".into(), pairs.iter().map(|p| p.0).collect::<Vec<_>>());
            let v = Series::new(
                "value".into(),
                pairs.iter().map(|p| p.1).collect::<Vec<_>>(),
            );
            StructChunked::from_series("entries".into(), pairs.len(), [k, v].iter())
                .unwrap()
                .into_series()
        })
        .collect();
    Series::new(name.into(), lists)
}

/// A `timestamp` column as Data Exports writes it (milliseconds), from µs values.
fn timestamps(name: &str, us: &[i64]) -> Series {
    Series::new(name.into(), us)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .and_then(|s| s.cast(&DataType::Datetime(TimeUnit::Milliseconds, None)))
        .unwrap()
}

#[test]
fn cur2_parquet_documented_columns() {
    let cols = column_list("cur2-data-exports-columns.csv");
    let n = 3;
    let ts = |s: &str| us(s);
    let starts = [
        ts("2024-02-01T00:00:00Z"),
        ts("2024-02-01T13:00:00Z"),
        ts("2024-02-02T00:00:00Z"),
    ];
    let mut columns: Vec<Column> = Vec::new();
    for (name, ty) in &cols {
        let s: Series = match (name.as_str(), ty.as_str()) {
            ("line_item_usage_start_date", _) => timestamps(name, &starts),
            ("line_item_usage_end_date", _) => timestamps(name, &starts.map(|s| s + 3_600_000_000)),
            ("line_item_unblended_cost", _) => Series::new(name.into(), &[0.75, 0.25, 2.5]),
            ("line_item_net_unblended_cost", _) => Series::new(name.into(), &[0.7, 0.2, 2.5]),
            ("line_item_product_code", _) => {
                Series::new(name.into(), &["AWSLambda", "AmazonS3", "AWSLambda"])
            }
            ("bill_invoice_id", _) => {
                Series::new(name.into(), &[Some("INV-1"), Some("INV-1"), None])
            }
            ("product", _) => map_series(
                name,
                &[
                    vec![("product_name", "AWS Lambda"), ("region", "us-east-1")],
                    vec![("product_name", "Amazon Simple Storage Service")],
                    vec![("product_name", "AWS Lambda")],
                ],
            ),
            ("resource_tags", _) => map_series(
                name,
                &[
                    vec![("user_team", "payments"), ("user_cost_center", "42")],
                    vec![],
                    vec![("user_team", "search"), ("aws_createdBy", "IAMUser:alice")],
                ],
            ),
            (_, "double") => Series::new(name.into(), vec![0.0f64; n]),
            (_, "timestamp") => timestamps(name, &vec![starts[0]; n]),
            (_, "map<string,double>") => {
                let lists: Vec<Series> = (0..n)
                    .map(|_| {
                        let k = Series::new("key".into(), ["bundled_discount"]);
                        let v = Series::new("value".into(), [0.0f64]);
                        StructChunked::from_series("entries".into(), 1, [k, v].iter())
                            .unwrap()
                            .into_series()
                    })
                    .collect();
                Series::new(name.into(), lists)
            }
            (_, t) if t.starts_with("map<") => map_series(name, &vec![vec![]; n]),
            _ => Series::new(name.into(), vec!["x"; n]),
        };
        columns.push(s.into());
    }
    let mut df = DataFrame::new(n, columns).unwrap();
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Snappy)
        .finish(&mut df)
        .unwrap();

    let b = import(&buf, Format::CurParquet);
    assert!(b.skipped.is_empty(), "{:?}", b.skipped);
    assert_eq!(b.records, 3);
    check_cur2(&rows(b), "TAG:aws:createdBy");

    // A cut file is counted, not a panic.
    let mut b = Batch::default();
    parse(
        Format::CurParquet,
        &buf[..buf.len() - 100],
        &ParseContext::default(),
        &mut b,
    );
    assert_eq!(b.skipped.get(&SkipReason::Binary), Some(&1));
}
