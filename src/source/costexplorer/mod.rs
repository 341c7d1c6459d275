//! Cost Explorer, live: GetTags lists the cost allocation tag keys (unless they are given), then
//! GetCostAndUsage runs DAILY grouped by each tag key and by SERVICE, following NextPageToken.
//!
//! Every Cost Explorer request costs $0.01, so closed days are never fetched twice: a day is
//! closed once a response covered it, it is before today (UTC) and it was not `Estimated`.
//! Today and estimated days are fetched again on the next pull (the workspace keeps the newest
//! figure). Queries run one after another in a fixed order (tag keys as listed, then SERVICE).
//!
//! Each response page is written back in the shape `aws ce get-cost-and-usage` prints and the
//! pages of one query go to [`crate::parse::cost::parse_cost_and_usage`] together, as an import
//! of that output would; GetTags pages go to [`crate::parse::cost::parse_tags`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use aws_sdk_costexplorer::types::{MetricValue, ResultByTime};
use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::parse::{Batch, Format};
use crate::source::files::Parsed;
use crate::source::pull::aws::{
    CE_REGION, CostApi, GetCostAndUsageOutput, GroupDefinition, GroupDefinitionType,
};
use crate::source::pull::state::{self, Update};
use crate::source::pull::{CE_PRICE_PER_CALL, DAY_MS, Phase, ProgressEvent, Run, window_name};
use crate::workspace::manifest::Origin;

/// One GetCostAndUsage grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grouping {
    /// By a cost allocation tag key.
    Tag(String),
    /// By a dimension (`SERVICE`).
    Dimension(String),
}

impl Grouping {
    /// `TAG:team`, `SERVICE`.
    pub fn label(&self) -> String {
        match self {
            Grouping::Tag(k) => format!("TAG:{k}"),
            Grouping::Dimension(d) => d.clone(),
        }
    }

    fn definition(&self) -> GroupDefinition {
        match self {
            Grouping::Tag(k) => GroupDefinition::builder()
                .r#type(GroupDefinitionType::Tag)
                .key(k)
                .build(),
            Grouping::Dimension(d) => GroupDefinition::builder()
                .r#type(GroupDefinitionType::Dimension)
                .key(d)
                .build(),
        }
    }
}

/// `YYYY-MM-DD` of epoch ms.
fn day(ms: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp_millis(ms).map(|d| d.date_naive())
}

/// The days of `[from_ms, to_ms)`, each as its date, ending no later than today.
pub fn window_days(from_ms: i64, to_ms: i64, today: NaiveDate) -> Vec<NaiveDate> {
    let (Some(first), Some(last)) = (day(from_ms), day(to_ms - 1)) else {
        return vec![];
    };
    let last = last.min(today);
    let mut out = Vec::new();
    let mut d = first;
    while d <= last {
        out.push(d);
        match d.checked_add_days(Days::new(1)) {
            Some(n) => d = n,
            None => break,
        }
    }
    out
}

/// Runs of consecutive days, as `[start, end)` date pairs (CE's End is exclusive).
pub fn ranges(days: &[NaiveDate]) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for &d in days {
        let next = d.checked_add_days(Days::new(1)).unwrap_or(d);
        match out.last_mut() {
            Some((_, end)) if *end == d => *end = next,
            _ => out.push((d, next)),
        }
    }
    out
}

// The CLI's JSON shape of a GetCostAndUsage page.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PageDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    next_page_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    group_definitions: Vec<GroupDefDoc<'a>>,
    results_by_time: Vec<ResultDoc<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GroupDefDoc<'a> {
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    ty: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResultDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    time_period: Option<PeriodDoc<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<BTreeMap<&'a str, MetricDoc<'a>>>,
    groups: Vec<GroupDoc<'a>>,
    estimated: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PeriodDoc<'a> {
    start: &'a str,
    end: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GroupDoc<'a> {
    keys: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics: Option<BTreeMap<&'a str, MetricDoc<'a>>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MetricDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'a str>,
}

fn metrics_doc(m: &HashMap<String, MetricValue>) -> BTreeMap<&str, MetricDoc<'_>> {
    m.iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                MetricDoc {
                    amount: v.amount.as_deref(),
                    unit: v.unit.as_deref(),
                },
            )
        })
        .collect()
}

fn result_doc(r: &ResultByTime) -> ResultDoc<'_> {
    ResultDoc {
        time_period: r.time_period.as_ref().map(|p| PeriodDoc {
            start: p.start(),
            end: p.end(),
        }),
        total: r.total.as_ref().map(metrics_doc),
        groups: r
            .groups
            .iter()
            .flatten()
            .map(|g| GroupDoc {
                keys: g.keys.iter().flatten().map(String::as_str).collect(),
                metrics: g.metrics.as_ref().map(metrics_doc),
            })
            .collect(),
        estimated: r.estimated,
    }
}

/// GetCostAndUsage pages as the JSON array of responses the AWS CLI would print one by one.
pub fn pages_json(pages: &[GetCostAndUsageOutput]) -> Vec<u8> {
    let docs: Vec<PageDoc<'_>> = pages
        .iter()
        .map(|p| PageDoc {
            next_page_token: p.next_page_token.as_deref(),
            group_definitions: p
                .group_definitions
                .iter()
                .flatten()
                .map(|d| GroupDefDoc {
                    ty: d.r#type.as_ref().map(|t| t.as_str()),
                    key: d.key.as_deref(),
                })
                .collect(),
            results_by_time: p.results_by_time.iter().flatten().map(result_doc).collect(),
        })
        .collect();
    serde_json::to_vec(&docs).unwrap_or_default()
}

/// Days of `[start, end)` that are closed: before `today`, and not estimated in the pages.
pub fn closed_days(
    pages: &[GetCostAndUsageOutput],
    start: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
) -> Vec<String> {
    // Estimated periods, as date ranges (a period may span days at other granularities).
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let estimated: Vec<(NaiveDate, NaiveDate)> = pages
        .iter()
        .flat_map(|p| p.results_by_time.iter().flatten())
        .filter(|r| r.estimated)
        .filter_map(|r| r.time_period.as_ref())
        .filter_map(|p| Some((date(p.start())?, date(p.end())?)))
        .collect();
    let mut out = Vec::new();
    let mut d = start;
    while d < end && d < today {
        if !estimated.iter().any(|(s, e)| *s <= d && (d < *e || s == e)) {
            out.push(d.to_string());
        }
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    out
}

/// Pull the costs of the window (Cost Explorer is global: one pull, from `us-east-1`).
pub(crate) async fn pull_costs(run: &Arc<Run>, api: &CostApi) -> Result<()> {
    let region = CE_REGION;
    let today = day(run.now_ms).unwrap_or_default();
    let days = window_days(run.opts.from_ms, run.opts.to_ms, today);
    let (Some(first), Some(last)) = (days.first().copied(), days.last().copied()) else {
        return Ok(());
    };
    let end = last.succ_opt().unwrap_or(last);
    let metrics = run.opts.cost_metrics.clone();
    let metrics_key = metrics.join(",");
    let st = run.store.state();

    // Tag keys: given, or listed with GetTags.
    let mut groupings: Vec<Grouping> = Vec::new();
    match &run.opts.cost_tags {
        Some(tags) => groupings.extend(tags.iter().map(|t| Grouping::Tag(t.clone()))),
        None if run.opts.dry_run => {
            run.plan(format!(
                "{region}  ce:GetTags {first} .. {end} (${CE_PRICE_PER_CALL:.2} per call), then one GetCostAndUsage query per tag key"
            ));
        }
        None => {
            let mut token = None;
            let mut tag_pages: Vec<u8> = Vec::new();
            loop {
                match api
                    .get_tags(&first.to_string(), &end.to_string(), token.take())
                    .await
                {
                    Ok(out) => {
                        let doc = serde_json::json!({ "Tags": out.tags, "ReturnSize": out.return_size, "TotalSize": out.total_size });
                        tag_pages.extend(serde_json::to_vec(&doc).unwrap_or_default());
                        tag_pages.push(b'\n');
                        match out.next_page_token {
                            Some(t) if !t.is_empty() => token = Some(t),
                            _ => break,
                        }
                    }
                    Err(e) => {
                        run.problem(Phase::Costs, region, "tag keys (GetTags)", e);
                        break;
                    }
                }
            }
            let mut b = Batch::default();
            crate::parse::cost::parse_tags(&tag_pages, &Default::default(), &mut b);
            groupings.extend(b.tag_keys.into_iter().map(Grouping::Tag));
        }
    }
    groupings.push(Grouping::Dimension("SERVICE".into()));

    // Work: per grouping, the runs of days not closed yet.
    let mut work: Vec<(Grouping, String, NaiveDate, NaiveDate)> = Vec::new();
    for g in &groupings {
        let key = state::key(&[&run.scope, &metrics_key, &g.label()]);
        let closed = st.ce.get(&key);
        let open: Vec<NaiveDate> = days
            .iter()
            .copied()
            .filter(|d| !closed.is_some_and(|c| c.contains(&d.to_string())))
            .collect();
        for (a, b) in ranges(&open) {
            work.push((g.clone(), key.clone(), a, b));
        }
    }
    if run.opts.dry_run {
        for (g, _, a, b) in &work {
            run.plan(format!(
                "{region}  ce:GetCostAndUsage DAILY {} by {} {a} .. {b} (${CE_PRICE_PER_CALL:.2} per page)",
                metrics.join(","),
                g.label()
            ));
        }
        return Ok(());
    }
    run.emit(ProgressEvent::Started {
        phase: Phase::Costs,
        region: region.to_string(),
        total: work.len() as u64,
    });
    for (g, key, a, b) in work {
        if run.cancelled() {
            break;
        }
        let target = format!("{} by {}", metrics.join(","), g.label());
        let mut pages: Vec<GetCostAndUsageOutput> = Vec::new();
        let mut token = None;
        let mut complete = true;
        loop {
            match api
                .get_cost_and_usage(
                    &a.to_string(),
                    &b.to_string(),
                    &metrics,
                    g.definition(),
                    token.take(),
                )
                .await
            {
                Ok(out) => {
                    token = out.next_page_token.clone().filter(|t| !t.is_empty());
                    pages.push(out);
                    if token.is_none() {
                        break;
                    }
                }
                Err(e) => {
                    run.problem(Phase::Costs, region, &format!("{target} {a} .. {b}"), e);
                    complete = false;
                    break;
                }
            }
        }
        // A range whose pages did not all arrive is not stored: its figures would be partial.
        if complete && !pages.is_empty() {
            let closed = closed_days(&pages, a, b, today);
            let json = pages_json(&pages);
            let batch = tokio::task::spawn_blocking(move || {
                let mut batch = Batch::default();
                crate::parse::cost::parse_cost_and_usage(&json, &Default::default(), &mut batch);
                batch
            })
            .await
            .map_err(|e| Error::Invalid(format!("parse task failed: {e}")))?;
            let n = batch.costs.len();
            run.cost_figures.fetch_add(n as u64, Ordering::Relaxed);
            run.emit(ProgressEvent::Items {
                phase: Phase::Costs,
                region: region.to_string(),
                items: n as u64,
            });
            let from_ms = a
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_millis())
                .unwrap_or(0);
            let to_ms = from_ms + (b - a).num_days() * DAY_MS;
            let parsed = Parsed {
                path: window_name("ce", region, &target, from_ms, to_ms),
                format: Format::CostAndUsage,
                envelopes: vec![],
                batch,
                origin: Origin::Api {
                    service: "ce".into(),
                    region: region.to_string(),
                    target: target.clone(),
                    from: a.to_string(),
                    to: b.to_string(),
                },
            };
            let updates = if closed.is_empty() {
                vec![]
            } else {
                vec![Update::CeClosed { key, days: closed }]
            };
            run.store.submit(parsed, updates, n).await?;
        }
        run.emit(ProgressEvent::UnitDone {
            phase: Phase::Costs,
            region: region.to_string(),
            target,
        });
    }
    run.emit(ProgressEvent::Finished {
        phase: Phase::Costs,
        region: region.to_string(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_costexplorer::types::{DateInterval, Group};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn days_and_ranges() {
        let from = d("2026-11-01")
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        let to = d("2026-11-04")
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        let days = window_days(from, to, d("2026-11-30"));
        assert_eq!(
            days,
            vec![d("2026-11-01"), d("2026-11-02"), d("2026-11-03")]
        );
        assert_eq!(
            window_days(from, to, d("2026-11-02")).len(),
            2,
            "no days after today"
        );
        let open = vec![d("2026-11-01"), d("2026-11-03"), d("2026-11-04")];
        assert_eq!(
            ranges(&open),
            vec![
                (d("2026-11-01"), d("2026-11-02")),
                (d("2026-11-03"), d("2026-11-05"))
            ]
        );
    }

    fn page(day: &str, next: &str, estimated: bool) -> GetCostAndUsageOutput {
        let m = MetricValue::builder().amount("1.25").unit("USD").build();
        GetCostAndUsageOutput::builder()
            .group_definitions(Grouping::Tag("team".into()).definition())
            .results_by_time(
                ResultByTime::builder()
                    .time_period(
                        DateInterval::builder()
                            .start(day)
                            .end(next)
                            .build()
                            .unwrap(),
                    )
                    .groups(
                        Group::builder()
                            .keys("team$payments")
                            .metrics("UnblendedCost", m.clone())
                            .build(),
                    )
                    .groups(
                        Group::builder()
                            .keys("team$")
                            .metrics("UnblendedCost", m)
                            .build(),
                    )
                    .estimated(estimated)
                    .build(),
            )
            .build()
    }

    #[test]
    fn pages_parse_like_the_cli_output_and_closed_days() {
        let pages = vec![
            page("2026-11-01", "2026-11-02", false),
            page("2026-11-02", "2026-11-03", true),
        ];
        let json = pages_json(&pages);
        let mut b = Batch::default();
        crate::parse::cost::parse_cost_and_usage(&json, &Default::default(), &mut b);
        assert_eq!(b.costs.len(), 4);
        assert_eq!(b.skipped_total(), 0);
        let df = b.costs.finish().unwrap();
        let dims: Vec<&str> = df
            .column("dimension")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert!(dims.iter().all(|d| *d == "TAG:team"), "{dims:?}");
        let keys: Vec<&str> = df
            .column("key")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert!(keys.contains(&"(untagged)"), "{keys:?}");
        assert_eq!(
            closed_days(&pages, d("2026-11-01"), d("2026-11-04"), d("2026-11-03")),
            vec!["2026-11-01".to_string()],
            "the estimated day and today are not closed"
        );
    }
}
