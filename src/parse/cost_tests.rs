use super::*;
use crate::model::costs;

/// One row of the costs frame, owned, for assertions.
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
    let df = b.costs.finish().unwrap();
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

fn ce(input: &str) -> (Vec<R>, BTreeMapSkips, u64) {
    let mut b = Batch::default();
    parse_cost_and_usage(input.as_bytes(), &ParseContext::default(), &mut b);
    let sk = b.skipped.clone();
    let rec = b.records;
    (rows(b), sk, rec)
}

type BTreeMapSkips = std::collections::BTreeMap<SkipReason, u64>;

fn cur(input: &str) -> (Vec<R>, BTreeMapSkips, u64) {
    let mut b = Batch::default();
    parse_cur_csv(input.as_bytes(), &ParseContext::default(), &mut b);
    let sk = b.skipped.clone();
    let rec = b.records;
    (rows(b), sk, rec)
}

fn find<'r>(rows: &'r [R], dim: &str, key: &str, metric: &str) -> Vec<&'r R> {
    rows.iter()
        .filter(|r| r.dim == dim && r.key == key && r.metric == metric)
        .collect()
}

fn us(date: &str) -> i64 {
    time::parse_iso(date).unwrap()
}

const DAILY_TAG: &str = r#"{
  "GroupDefinitions": [{"Type": "TAG", "Key": "team"}],
  "ResultsByTime": [
    {"TimePeriod": {"Start": "2024-03-01", "End": "2024-03-02"}, "Total": {}, "Estimated": false,
     "Groups": [
       {"Keys": ["team$payments"], "Metrics": {"UnblendedCost": {"Amount": "1.25", "Unit": "USD"},
                                               "UsageQuantity": {"Amount": "3", "Unit": "N/A"}}},
       {"Keys": ["team$"], "Metrics": {"UnblendedCost": {"Amount": "0.5", "Unit": "USD"},
                                       "UsageQuantity": {"Amount": "1", "Unit": "N/A"}}}
     ]},
    {"TimePeriod": {"Start": "2024-03-02", "End": "2024-03-03"},
     "Total": {"UnblendedCost": {"Amount": "0", "Unit": "USD"}, "UsageQuantity": {"Amount": "0", "Unit": "N/A"}},
     "Groups": [], "Estimated": true}
  ],
  "DimensionValueAttributes": []
}"#;

#[test]
fn ce_tag_groups_untagged_and_empty_day() {
    let (rows, skipped, records) = ce(DAILY_TAG);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(records, 6);
    assert_eq!(rows.len(), 6);
    let pay = find(&rows, "TAG:team", "payments", "UnblendedCost");
    assert_eq!(pay.len(), 1);
    assert_eq!(pay[0].amount, 1.25);
    assert_eq!(pay[0].unit.as_deref(), Some("USD"));
    assert_eq!(pay[0].source, "ce");
    assert_eq!(pay[0].start, us("2024-03-01"));
    assert_eq!(pay[0].end, Some(us("2024-03-02")));
    assert!(!pay[0].est);
    let untagged = find(&rows, "TAG:team", costs::UNTAGGED, "UnblendedCost");
    assert_eq!(untagged[0].amount, 0.5);
    let qty = find(&rows, "TAG:team", costs::UNTAGGED, "UsageQuantity");
    assert_eq!(qty[0].unit.as_deref(), Some("N/A"));
    // The empty day is visible through its Total, and estimated.
    let total = find(&rows, TOTAL_DIMENSION, "", "UnblendedCost");
    assert_eq!(total.len(), 1);
    assert_eq!(
        (total[0].amount, total[0].est, total[0].start),
        (0.0, true, us("2024-03-02"))
    );
    assert!(rows.iter().all(|r| r.dim2.is_none() && r.key2.is_none()));
}

#[test]
fn ce_two_group_bys_and_cost_category() {
    let doc = r#"{"GroupDefinitions":[{"Type":"COST_CATEGORY","Key":"Project"},{"Type":"DIMENSION","Key":"LINKED_ACCOUNT"}],
          "ResultsByTime":[{"TimePeriod":{"Start":"2024-01-01T00:00:00Z","End":"2024-01-01T01:00:00Z"},"Total":{},
          "Groups":[{"Keys":["Project$Apollo","123456789012"],"Metrics":{"AmortizedCost":{"Amount":"2","Unit":"USD"}}},
                    {"Keys":["Project$","123456789012"],"Metrics":{"AmortizedCost":{"Amount":"3","Unit":"USD"}}}],
          "Estimated":true}]}"#;
    let (rows, skipped, _) = ce(doc);
    assert!(skipped.is_empty());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].dim, "COST_CATEGORY:Project");
    assert_eq!(rows[0].key, "Apollo");
    assert_eq!(rows[0].dim2.as_deref(), Some("LINKED_ACCOUNT"));
    assert_eq!(rows[0].key2.as_deref(), Some("123456789012"));
    assert_eq!(rows[1].key, costs::UNTAGGED);
    assert_eq!(rows[0].start, us("2024-01-01T00:00:00Z"));
    assert_eq!(rows[0].end, Some(us("2024-01-01T01:00:00Z")));
    assert!(rows[0].est);
}

#[test]
fn ce_without_group_definitions_infers_from_key_shape() {
    let doc = r#"{"ResultsByTime":[{"TimePeriod":{"Start":"2024-01-01","End":"2024-01-02"},
          "Groups":[{"Keys":["env$prod","AWS Lambda"],"Metrics":{"BlendedCost":{"Amount":"1","Unit":"USD"}}},
                    {"Keys":["env$"],"Metrics":{"BlendedCost":{"Amount":"2","Unit":"USD"}}},
                    {"Keys":["Amazon S3"],"Metrics":{"BlendedCost":{"Amount":"3","Unit":"USD"}}}]}]}"#;
    let (rows, _, _) = ce(doc);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        (rows[0].dim.as_str(), rows[0].key.as_str()),
        ("TAG:env", "prod")
    );
    assert_eq!(rows[0].dim2.as_deref(), Some(INFERRED_DIMENSION));
    assert_eq!(rows[0].key2.as_deref(), Some("AWS Lambda"));
    assert_eq!(
        (rows[1].dim.as_str(), rows[1].key.as_str()),
        ("TAG:env", costs::UNTAGGED)
    );
    assert_eq!(
        (rows[2].dim.as_str(), rows[2].key.as_str()),
        (INFERRED_DIMENSION, "Amazon S3")
    );
    assert!(!rows[0].est, "a period without Estimated is not estimated");
}

#[test]
fn ce_pages_concatenated_and_in_an_array() {
    let page1 = r#"{"GroupDefinitions":[{"Type":"DIMENSION","Key":"SERVICE"}],"NextPageToken":"abc",
          "ResultsByTime":[{"TimePeriod":{"Start":"2024-01-01","End":"2024-01-02"},"Total":{},
          "Groups":[{"Keys":["AWS Lambda"],"Metrics":{"UnblendedCost":{"Amount":"1.5","Unit":"USD"}}}]}]}"#;
    // The second page repeats no GroupDefinitions: the first page's apply.
    let page2 = r#"{"ResultsByTime":[{"TimePeriod":{"Start":"2024-01-01","End":"2024-01-02"},"Total":{},
          "Groups":[{"Keys":["Amazon S3"],"Metrics":{"UnblendedCost":{"Amount":"2.5","Unit":"USD"}}}]}]}"#;
    let (rows, skipped, _) = ce(&format!("{page1}\n{page2}\n"));
    assert!(skipped.is_empty());
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.dim == "SERVICE"));
    assert_eq!(rows[1].key, "Amazon S3");
    let (rows2, _, _) = ce(&format!("[{page1},{page2}]"));
    assert_eq!(rows, rows2);
}

#[test]
fn ce_hostile_inputs() {
    // Truncated: nothing but one malformed document.
    let (rows, skipped, records) = ce(&DAILY_TAG[..DAILY_TAG.len() / 2]);
    assert!(rows.is_empty());
    assert_eq!(skipped.get(&SkipReason::MalformedJson), Some(&1));
    assert_eq!(records, 1);
    // A truncated page followed by a good one: the good one is read.
    let good = r#"{"ResultsByTime":[{"TimePeriod":{"Start":"2024-01-01","End":"2024-01-02"},
          "Total":{"UnblendedCost":{"Amount":"7","Unit":"USD"}}}]}"#;
    let (rows, skipped, _) = ce(&format!("{}\n{good}\n", &DAILY_TAG[..300]));
    assert_eq!(skipped.get(&SkipReason::MalformedJson), Some(&1));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].amount, 7.0);
    // Wrong types and bad numbers: counted, the rest kept.
    let doc = r#"{"ResultsByTime":[
          {"TimePeriod":{"Start":"2024-01-01","End":"2024-01-02"},"Total":{},"Groups":[
            {"Keys":["SERVICE$x"],"Metrics":{"UnblendedCost":{"Amount":"abc","Unit":"USD"},
                                             "BlendedCost":{"Amount":"1.5","Unit":"USD"},
                                             "NetUnblendedCost":{"Amount":"NaN","Unit":"USD"},
                                             "AmortizedCost":{"Unit":"USD"},
                                             "UsageQuantity":"12"}},
            {"Keys":"AWS Lambda","Metrics":{}},
            {"Keys":[1],"Metrics":{}},
            42]},
          {"TimePeriod":{"Start":"yesterday","End":"2024-01-02"},"Total":{"UnblendedCost":{"Amount":"1","Unit":"USD"}}},
          {"Total":{"UnblendedCost":{"Amount":"1","Unit":"USD"}}},
          {"TimePeriod":{"Start":"2024-01-03","End":"2024-01-04"},"Groups":"none","Total":[]}
        ]}"#;
    let (rows, skipped, records) = ce(doc);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].metric.as_str(), rows[0].amount),
        ("BlendedCost", 1.5)
    );
    assert_eq!(skipped.get(&SkipReason::BadValue), Some(&9), "{skipped:?}");
    assert_eq!(
        skipped.get(&SkipReason::MissingField),
        Some(&2),
        "{skipped:?}"
    );
    assert_eq!(records, 12);
    // Not a response at all.
    let (rows, skipped, _) = ce(r#"{"Foo": 1} 17 "x""#);
    assert!(rows.is_empty());
    assert_eq!(skipped.get(&SkipReason::MissingField), Some(&1));
    assert_eq!(skipped.get(&SkipReason::BadValue), Some(&2));
}

#[test]
fn ce_numbers_as_numbers_and_camel_case_keys() {
    let doc = r#"{"resultsByTime":[{"timePeriod":{"start":"2024-01-01","end":"2024-01-02"},
           "total":{"UnblendedCost":{"amount":1.5,"unit":"USD"}}, "estimated": "true"}]}"#;
    let (rows, skipped, _) = ce(doc);
    assert!(skipped.is_empty());
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].amount, rows[0].est), (1.5, true));
}

#[test]
fn get_tags_dedup_and_pages() {
    let mut b = Batch::default();
    let input = br#"{"Tags":["team","env"],"ReturnSize":2,"TotalSize":3,"NextPageToken":"x"}
{"Tags":["env","owner",7],"ReturnSize":2,"TotalSize":3}"#;
    parse_tags(input, &ParseContext::default(), &mut b);
    assert_eq!(b.tag_keys, vec!["team", "env", "owner"]);
    assert_eq!(b.records, 5);
    assert_eq!(b.skipped.get(&SkipReason::BadValue), Some(&1));
    let mut b = Batch::default();
    parse_tags(br#"{"Tags":["a""#, &ParseContext::default(), &mut b);
    assert!(b.tag_keys.is_empty());
    assert_eq!(b.skipped.get(&SkipReason::MalformedJson), Some(&1));
}

const LEGACY: &str = "\
identity/LineItemId,identity/TimeInterval,bill/InvoiceId,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UnblendedCost,lineItem/BlendedCost,lineItem/CurrencyCode,product/ProductName,resourceTags/user:team,resourceTags/aws:createdBy
a1,2024-03-01T00:00:00Z/2024-03-01T01:00:00Z,INV1,2024-03-01T00:00:00Z,2024-03-01T01:00:00Z,AWSLambda,1.5,1.4,USD,AWS Lambda,payments,
a2,2024-03-01T05:00:00Z/2024-03-01T06:00:00Z,INV1,2024-03-01T05:00:00Z,2024-03-01T06:00:00Z,AmazonS3,0.25,0.25,USD,Amazon Simple Storage Service,,alice
a3,2024-03-01T23:00:00Z/2024-03-03T00:00:00Z,INV1,2024-03-01T23:00:00Z,2024-03-03T00:00:00Z,AWSLambda,2,2,USD,AWS Lambda,search,
a4,2024-03-02T00:00:00Z/2024-03-02T01:00:00Z,,2024-03-02T00:00:00Z,2024-03-02T01:00:00Z,AmazonS3,1,1,,,payments,
";

#[test]
fn cur_legacy_daily_rows() {
    let (rows, skipped, records) = cur(LEGACY);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(records, 4);
    let d1 = us("2024-03-01");
    let day1: Vec<&R> = rows.iter().filter(|r| r.start == d1).collect();
    assert!(
        day1.iter()
            .all(|r| r.source == "cur" && r.end == Some(d1 + DAY_US) && !r.est)
    );
    assert!(day1.iter().all(|r| r.unit.as_deref() == Some("USD")));
    let total = find(&rows, TOTAL_DIMENSION, "", "UnblendedCost");
    assert_eq!(total.len(), 2);
    assert_eq!(
        total[0].amount, 3.75,
        "the item spanning two days counts on its start day"
    );
    assert_eq!(total[1].amount, 1.0);
    assert!(total[1].est, "a blank invoice ID marks the day estimated");
    let lambda = find(&rows, "SERVICE", "AWS Lambda", "UnblendedCost");
    assert_eq!(lambda[0].amount, 3.5);
    let blended = find(&rows, "SERVICE", "AWS Lambda", "BlendedCost");
    assert!((blended[0].amount - 3.4).abs() < 1e-9);
    // Product name blank on day 2: the product code stands in.
    assert_eq!(
        find(&rows, "SERVICE", "AmazonS3", "UnblendedCost")[0].amount,
        1.0
    );
    assert_eq!(
        find(&rows, "TAG:team", "payments", "UnblendedCost").len(),
        2
    );
    assert_eq!(
        find(&rows, "TAG:team", "search", "UnblendedCost")[0].amount,
        2.0
    );
    let untagged = find(&rows, "TAG:team", costs::UNTAGGED, "UnblendedCost");
    assert_eq!(untagged.len(), 1);
    assert_eq!((untagged[0].start, untagged[0].amount), (d1, 0.25));
    assert_eq!(
        find(&rows, "TAG:aws:createdBy", "alice", "UnblendedCost")[0].amount,
        0.25
    );
    assert_eq!(
        find(&rows, "TAG:aws:createdBy", costs::UNTAGGED, "UnblendedCost")[0].amount,
        3.5
    );
    assert!(
        find(&rows, TOTAL_DIMENSION, "", "NetUnblendedCost").is_empty(),
        "no such column"
    );
}

#[test]
fn cur2_map_tags_flattened_tags_and_hostile_rows() {
    let csv = "\
line_item_usage_start_date,line_item_product_code,line_item_unblended_cost,line_item_net_unblended_cost,resource_tags,product,resource_tags_user_owner
2024-03-01T00:00:00.000Z,AWSLambda,1.0,0.9,\"{\"\"user_team\"\":\"\"payments\"\"}\",\"{\"\"product_name\"\":\"\"AWS Lambda\"\"}\",bob
2024-03-01T01:00:00.000Z,AWSLambda,2.0,1.8,{},\"{\"\"product_name\"\":\"\"AWS Lambda\"\"}\",
2024-03-01T02:00:00.000Z,AmazonS3,4.0,4.0,\"{user_team=search, user_env=prod}\",{},
2024-03-01T03:00:00.000Z,AmazonS3,abc,4.0,{},{},
2024-03-01T03:00:00.000Z,AmazonS3,1.0,4.0,{},{}
not-a-date,AmazonS3,1.0,4.0,{},{},
2024-03-01T03:00:00.000Z,AmazonS3,1.0,4.0,{\"bad json,{},
";
    let (rows, skipped, records) = cur(csv);
    assert_eq!(records, 7);
    assert_eq!(
        skipped.get(&SkipReason::MalformedCsv),
        Some(&1),
        "{skipped:?}"
    );
    assert_eq!(skipped.get(&SkipReason::BadValue), Some(&3), "{skipped:?}");
    assert_eq!(
        find(&rows, TOTAL_DIMENSION, "", "UnblendedCost")[0].amount,
        7.0
    );
    assert!((find(&rows, TOTAL_DIMENSION, "", "NetUnblendedCost")[0].amount - 6.7).abs() < 1e-9);
    assert!(find(&rows, TOTAL_DIMENSION, "", "BlendedCost").is_empty());
    assert_eq!(
        find(&rows, "SERVICE", "AWS Lambda", "UnblendedCost")[0].amount,
        3.0
    );
    assert_eq!(
        find(&rows, "SERVICE", "AmazonS3", "UnblendedCost")[0].amount,
        4.0
    );
    assert_eq!(
        find(&rows, "TAG:team", "payments", "UnblendedCost")[0].amount,
        1.0
    );
    assert_eq!(
        find(&rows, "TAG:team", "search", "UnblendedCost")[0].amount,
        4.0
    );
    assert_eq!(
        find(&rows, "TAG:team", costs::UNTAGGED, "UnblendedCost")[0].amount,
        2.0
    );
    // `env` first appears on the third line item: the first two are untagged for it.
    assert_eq!(
        find(&rows, "TAG:env", "prod", "UnblendedCost")[0].amount,
        4.0
    );
    assert_eq!(
        find(&rows, "TAG:env", costs::UNTAGGED, "UnblendedCost")[0].amount,
        3.0
    );
    assert_eq!(
        find(&rows, "TAG:owner", "bob", "UnblendedCost")[0].amount,
        1.0
    );
    assert_eq!(
        find(&rows, "TAG:owner", costs::UNTAGGED, "UnblendedCost")[0].amount,
        6.0
    );
    assert!(
        rows.iter()
            .all(|r| r.unit.as_deref() == Some("USD") && !r.est)
    );
}

#[test]
fn cur_concatenated_parts_and_missing_columns() {
    let part = "lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/ProductCode\n2024-01-01T00:00:00Z,1,AWSLambda\n";
    let part2 = "lineItem/ProductCode,lineItem/UsageStartDate,lineItem/UnblendedCost,lineItem/CurrencyCode\nAWSLambda,2024-01-01T10:00:00Z,2,EUR\n";
    let (rows, skipped, records) = cur(&format!("{part}{part2}"));
    assert!(skipped.is_empty());
    assert_eq!(records, 2);
    let t = find(&rows, TOTAL_DIMENSION, "", "UnblendedCost");
    assert_eq!(t.len(), 2, "one per currency");
    assert_eq!((t[0].unit.as_deref(), t[0].amount), (Some("EUR"), 2.0));
    assert_eq!((t[1].unit.as_deref(), t[1].amount), (Some("USD"), 1.0));
    let (rows, skipped, records) = cur("identity/LineItemId,lineItem/UsageAccountId\nx,1\ny,2\n");
    assert!(rows.is_empty());
    assert_eq!(
        (records, skipped.get(&SkipReason::MissingField)),
        (2, Some(&2))
    );
    let (rows, _, records) = cur("");
    assert!(rows.is_empty());
    assert_eq!(records, 0);
    let mut b = Batch::default();
    parse_cur_csv(
        b"lineItem/UsageStartDate,lineItem/UnblendedCost\n2024-01-01,\xff\xfe\n",
        &ParseContext::default(),
        &mut b,
    );
    assert_eq!(b.skipped.get(&SkipReason::InvalidUtf8), Some(&1));
}

#[test]
fn cur_parquet_list_struct_and_json_tags() {
    let start = Series::new(
        "line_item_usage_start_date".into(),
        &[
            us("2024-05-01T03:00:00Z"),
            us("2024-05-01T09:00:00Z"),
            us("2024-05-02T00:00:00Z"),
        ],
    )
    .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
    .unwrap();
    let code = Series::new(
        "line_item_product_code".into(),
        &["AWSLambda", "AmazonS3", "AWSLambda"],
    );
    let cost = Series::new("line_item_unblended_cost".into(), &[1.0f64, 2.0, 4.0]);
    let cur_code = Series::new("line_item_currency_code".into(), &["USD", "USD", "USD"]);
    let map = |pairs: &[(&str, &str)]| {
        let k = Series::new("key".into(), pairs.iter().map(|p| p.0).collect::<Vec<_>>());
        let v = Series::new(
            "value".into(),
            pairs.iter().map(|p| p.1).collect::<Vec<_>>(),
        );
        StructChunked::from_series("entries".into(), pairs.len(), [k, v].iter())
            .unwrap()
            .into_series()
    };
    let tags = Series::new(
        "resource_tags".into(),
        &[
            map(&[("user_team", "payments")]),
            map(&[]),
            map(&[("user_team", "search"), ("aws_createdBy", "x")]),
        ],
    );
    let json = Series::new(
        "product".into(),
        &[
            r#"{"product_name":"AWS Lambda"}"#,
            "{}",
            r#"{"product_name":"AWS Lambda"}"#,
        ],
    );
    let mut df = DataFrame::new(
        3,
        vec![
            start.into(),
            code.into(),
            cost.into(),
            cur_code.into(),
            tags.into(),
            json.into(),
        ],
    )
    .unwrap();
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf).finish(&mut df).unwrap();
    let mut b = Batch::default();
    parse_cur_parquet(&buf, &ParseContext::default(), &mut b);
    assert!(b.skipped.is_empty(), "{:?}", b.skipped);
    assert_eq!(b.records, 3);
    let rows = rows(b);
    let t = find(&rows, TOTAL_DIMENSION, "", "UnblendedCost");
    assert_eq!((t[0].amount, t[1].amount), (3.0, 4.0));
    assert_eq!(t[0].start, us("2024-05-01"));
    assert_eq!(
        find(&rows, "SERVICE", "AWS Lambda", "UnblendedCost").len(),
        2
    );
    assert_eq!(
        find(&rows, "SERVICE", "AmazonS3", "UnblendedCost")[0].amount,
        2.0
    );
    assert_eq!(
        find(&rows, "TAG:team", "payments", "UnblendedCost")[0].amount,
        1.0
    );
    assert_eq!(
        find(&rows, "TAG:team", costs::UNTAGGED, "UnblendedCost")[0].amount,
        2.0
    );
    assert_eq!(
        find(&rows, "TAG:aws:createdBy", "x", "UnblendedCost")[0].amount,
        4.0
    );

    // Truncated Parquet: one record, skipped.
    let mut b = Batch::default();
    parse_cur_parquet(&buf[..buf.len() / 2], &ParseContext::default(), &mut b);
    assert_eq!(
        (b.records, b.skipped.get(&SkipReason::Binary)),
        (1, Some(&1))
    );
}
