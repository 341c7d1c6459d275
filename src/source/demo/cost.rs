//! Cost Explorer `GetCostAndUsage` output, DAILY, for the simulated usage plus the fixed
//! costs of a small account: one file grouped by `TAG team`, one by `TAG env`, one by
//! `DIMENSION SERVICE` (with `UsageQuantity`). Amounts are computed in integer units of
//! 1e-10 USD, so the three files add up to exactly the same total per day.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::fmt::{push_amount, push_date};
use super::out::mix;
use super::sim::{F_BATCH, F_NOTIFY, F_ORDERS, F_PAYMENTS, Ledger};
use super::{DemoFile, KIND_COSTS};
use crate::error::{Error, Result};

/// 1 USD in amount units.
const USD: u64 = 10_000_000_000;

/// Lambda price per GB-second (x86_64, first tier), in units: $0.0000166667.
pub(super) const LAMBDA_GB_S_UNITS: u64 = 166_667;
/// Lambda price per request, in units: $0.20 per million.
pub(super) const LAMBDA_REQUEST_UNITS: u64 = 2_000;
/// API Gateway REST price per request: $3.50 per million.
const APIGW_REQUEST_UNITS: u64 = 35_000;
/// DynamoDB on-demand write request unit: $1.25 per million.
const DDB_WRITE_UNITS: u64 = 12_500;
/// DynamoDB on-demand read request unit: $0.25 per million.
const DDB_READ_UNITS: u64 = 2_500;
/// SNS publish: $0.50 per million.
const SNS_PUBLISH_UNITS: u64 = 5_000;
/// X-Ray trace recorded: $5.00 per million.
const XRAY_TRACE_UNITS: u64 = 50_000;
/// Tax rate on the previous days' charges, percent, billed on the first of a month.
const TAX_PERCENT: u64 = 8;

/// Lambda cost of `mbms` billed MB·ms and `requests` invocations, in units of 1e-10 USD.
pub(super) fn lambda_units(mbms: u64, requests: u64) -> u64 {
    ((mbms as u128 * LAMBDA_GB_S_UNITS as u128 + 512_000) / 1_024_000) as u64
        + requests * LAMBDA_REQUEST_UNITS
}

struct Item {
    service: &'static str,
    team: &'static str,
    env: &'static str,
    cost: u64,
    usage: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response<'a> {
    group_definitions: Vec<GroupDef<'a>>,
    results_by_time: Vec<ByTime>,
    dimension_value_attributes: Vec<String>,
}

#[derive(Serialize)]
struct GroupDef<'a> {
    #[serde(rename = "Type")]
    ty: &'a str,
    #[serde(rename = "Key")]
    key: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ByTime {
    time_period: Period,
    total: BTreeMap<String, String>,
    groups: Vec<Group>,
    estimated: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Period {
    start: String,
    end: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Group {
    keys: Vec<String>,
    metrics: Metrics,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Metrics {
    unblended_cost: Amount,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage_quantity: Option<Amount>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Amount {
    amount: String,
    unit: &'static str,
}

fn amount(units: u64) -> String {
    let mut b = Vec::with_capacity(24);
    push_amount(&mut b, units);
    String::from_utf8(b).unwrap_or_default()
}

fn date(ms: i64) -> String {
    let mut b = Vec::with_capacity(10);
    push_date(&mut b, ms, b'-');
    String::from_utf8(b).unwrap_or_default()
}

/// What the cost files say, for the summary.
pub(super) struct CostSummary {
    pub files: Vec<DemoFile>,
    /// Total UnblendedCost over all days, as a decimal string.
    pub total: String,
    /// AWS Lambda UnblendedCost over all days, as a decimal string.
    pub lambda_total: String,
}

/// Write the three Cost Explorer files under `<root>/costexplorer/`.
pub(super) fn write(
    root: &Path,
    seed: u64,
    start_ms: i64,
    days: usize,
    ledger: &Ledger,
    cw_bytes: &[u64],
) -> Result<CostSummary> {
    let dir = root.join("costexplorer");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
    let mut per_day: Vec<Vec<Item>> = Vec::with_capacity(days);
    let mut running = 0u64;
    let mut total = 0u64;
    let mut lambda_total = 0u64;
    for d in 0..days {
        let noise = |k: u64, lo: u64, hi: u64| lo + mix(seed ^ (d as u64) << 8 ^ k) % (hi - lo + 1);
        let mut items = Vec::new();
        for (f, team) in [
            (F_ORDERS, "orders"),
            (F_PAYMENTS, "payments"),
            (F_NOTIFY, "notifications"),
            (F_BATCH, "platform"),
        ] {
            let mbms = ledger.lambda_mbms[f][d];
            let req = ledger.lambda_requests[f][d];
            let usage = ((mbms as u128 * USD as u128 + 512_000) / 1_024_000) as u64 + req * USD;
            let cost = lambda_units(mbms, req);
            lambda_total += cost;
            items.push(Item {
                service: "AWS Lambda",
                team,
                env: "prod",
                cost,
                usage,
            });
        }
        let api = ledger.api_requests[d];
        items.push(Item {
            service: "Amazon API Gateway",
            team: "orders",
            env: "prod",
            cost: api * APIGW_REQUEST_UNITS,
            usage: api * USD,
        });
        let staging_api = noise(1, 300, 700);
        items.push(Item {
            service: "Amazon API Gateway",
            team: "orders",
            env: "staging",
            cost: staging_api * APIGW_REQUEST_UNITS,
            usage: staging_api * USD,
        });
        // DynamoDB: request units plus storage (GB-month, prorated per day).
        let tables = [("orders", 24u64, 0usize), ("payments", 11u64, 1usize)];
        for (team, gb_tenths, t) in tables {
            let (w, r) = (ledger.ddb_writes[t][d], ledger.ddb_reads[t][d]);
            let storage = gb_tenths * USD / 10 / 4 / 30;
            items.push(Item {
                service: "Amazon DynamoDB",
                team,
                env: "prod",
                cost: w * DDB_WRITE_UNITS + r * DDB_READ_UNITS + storage,
                usage: (w + r) * USD + gb_tenths * USD / 10 / 30,
            });
        }
        let staging_writes = noise(2, 100, 400);
        items.push(Item {
            service: "Amazon DynamoDB",
            team: "orders",
            env: "staging",
            cost: staging_writes * DDB_WRITE_UNITS + 2 * USD / 10 / 4 / 30,
            usage: staging_writes * USD,
        });
        let sns = ledger.sns_publishes[d];
        items.push(Item {
            service: "Amazon Simple Notification Service",
            team: "notifications",
            env: "prod",
            cost: sns * SNS_PUBLISH_UNITS,
            usage: sns * USD,
        });
        // CloudWatch: log ingestion ($0.50/GB), 8 alarms and one dashboard; the log groups are
        // untagged.
        let bytes = cw_bytes.get(d).copied().unwrap_or(0);
        let ingest = ((bytes as u128 * 5_000_000_000u128 + (1 << 29)) >> 30) as u64;
        let fixed = 8 * USD / 10 / 30 + 3 * USD / 30;
        items.push(Item {
            service: "AmazonCloudWatch",
            team: "",
            env: "",
            cost: ingest + fixed,
            usage: ((bytes as u128 * USD as u128) >> 30) as u64 + 9 * USD / 30,
        });
        let traces = ledger.xray_traces[d];
        items.push(Item {
            service: "AWS X-Ray",
            team: "",
            env: "",
            cost: traces * XRAY_TRACE_UNITS,
            usage: traces * USD,
        });
        let s3_requests = noise(3, 2_000, 6_000);
        items.push(Item {
            service: "Amazon Simple Storage Service",
            team: "platform",
            env: "",
            cost: 42 * 23 * USD / 10 / 1000 / 30 + s3_requests * 50_000 / 10,
            usage: 42 * USD / 10 / 30 + s3_requests * USD,
        });
        let day_ms = start_ms + d as i64 * 86_400_000;
        let subtotal: u64 = items.iter().map(|i| i.cost).sum();
        if d > 0 && date(day_ms).ends_with("-01") {
            let tax = running * TAX_PERCENT / 100;
            items.push(Item {
                service: "Tax",
                team: "",
                env: "",
                cost: tax,
                usage: 0,
            });
            total += tax;
        }
        running += subtotal;
        total += subtotal;
        per_day.push(items);
    }

    let estimated_from = days.saturating_sub(if days >= 2 { 2 } else { 1 });
    let mut files = Vec::new();
    for (by, key, name) in [
        ("TAG", "team", "team"),
        ("TAG", "env", "env"),
        ("DIMENSION", "SERVICE", "service"),
    ] {
        let mut results = Vec::with_capacity(days);
        let mut records = 0u64;
        for (d, items) in per_day.iter().enumerate() {
            let mut groups: BTreeMap<String, (u64, u64)> = BTreeMap::new();
            for it in items {
                let k = match name {
                    "team" => format!("team${}", it.team),
                    "env" => format!("env${}", it.env),
                    _ => it.service.to_string(),
                };
                let e = groups.entry(k).or_insert((0, 0));
                e.0 += it.cost;
                e.1 += it.usage;
            }
            let with_usage = name == "service";
            records += groups.len() as u64 * if with_usage { 2 } else { 1 };
            let day_ms = start_ms + d as i64 * 86_400_000;
            results.push(ByTime {
                time_period: Period {
                    start: date(day_ms),
                    end: date(day_ms + 86_400_000),
                },
                total: BTreeMap::new(),
                groups: groups
                    .into_iter()
                    .map(|(k, (cost, usage))| Group {
                        keys: vec![k],
                        metrics: Metrics {
                            unblended_cost: Amount {
                                amount: amount(cost),
                                unit: "USD",
                            },
                            usage_quantity: with_usage.then(|| Amount {
                                amount: amount(usage),
                                unit: "N/A",
                            }),
                        },
                    })
                    .collect(),
                estimated: d >= estimated_from,
            });
        }
        let resp = Response {
            group_definitions: vec![GroupDef { ty: by, key }],
            results_by_time: results,
            dimension_value_attributes: Vec::new(),
        };
        let path = dir.join(format!("get-cost-and-usage-daily-by-{name}.json"));
        let mut buf = Vec::with_capacity(64 * 1024);
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
        resp.serialize(&mut ser)
            .map_err(|e| Error::io("writing", &path, std::io::Error::other(e)))?;
        buf.push(b'\n');
        let mut f = std::fs::File::create(&path).map_err(|e| Error::io("creating", &path, e))?;
        f.write_all(&buf)
            .map_err(|e| Error::io("writing", &path, e))?;
        files.push(DemoFile {
            path,
            log_group: None,
            kind: KIND_COSTS,
            records,
        });
    }
    Ok(CostSummary {
        files,
        total: amount(total),
        lambda_total: amount(lambda_total),
    })
}
