//! CloudWatch Logs, live: discover log groups, pull their events with FilterLogEvents, or
//! aggregate them server-side with Logs Insights ([`insights`]) when the window is too large to
//! pull raw.
//!
//! Each log group's window is fetched as one paginated FilterLogEvents sequence (the fewest
//! calls pagination allows). Every event goes through
//! [`crate::parse::cloudwatch::parse_api_event`], the same checks and parser as an event of a
//! FilterLogEvents file, with one parser state per log group. Pages are parsed as they arrive and
//! stored every [`PullOptions::store_every`](crate::source::pull::PullOptions) events; since
//! FilterLogEvents returns events in time order, each store also checkpoints the window up to the
//! last event time, so an interrupted pull resumes from there (events at that very millisecond
//! are fetched again and kept once by the workspace). If a page ever comes out of time order,
//! the window is checkpointed only when complete.

pub mod insights;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use aws_sdk_cloudwatchlogs::types::FilteredLogEvent;

use crate::error::{Error, Result};
use crate::parse::cloudwatch::{ApiEvent, parse_api_event};
use crate::parse::message::MessageState;
use crate::parse::{Batch, Format, ParseContext};
use crate::source::files::Parsed;
use crate::source::pull::aws::LogsApi;
use crate::source::pull::state::{self, SyncState, Update};
use crate::source::pull::{
    GroupReport, InsightsMode, Phase, ProgressEvent, Run, bounded, iso_ms, window_name,
};
use crate::workspace::manifest::Origin;

/// Whether a pull of this window aggregates with Logs Insights instead of pulling raw events.
pub(crate) fn use_insights(run: &Run) -> bool {
    match run.opts.insights {
        InsightsMode::Always => true,
        InsightsMode::Never => false,
        InsightsMode::Auto => run.opts.to_ms - run.opts.from_ms > run.opts.insights_threshold_ms,
    }
}

/// Pull the log groups of one region.
pub(crate) async fn pull_logs(run: &Arc<Run>, api: &LogsApi, region: &str) -> Result<()> {
    let insights = use_insights(run);
    if run.opts.dry_run {
        plan(run, region, insights);
        return Ok(());
    }
    let groups = discover(run, api, region).await;
    if insights {
        run.insights_used.store(true, Ordering::Relaxed);
        return insights::pull_insights(run, api, region, groups).await;
    }
    run.emit(ProgressEvent::Started {
        phase: Phase::Logs,
        region: region.to_string(),
        total: groups.len() as u64,
    });
    let (r, a, reg) = (run.clone(), api.clone(), region.to_string());
    bounded(groups, run.opts.concurrency, move |g: String| {
        let (run, api, region) = (r.clone(), a.clone(), reg.clone());
        async move { pull_group(&run, &api, &region, &g).await }
    })
    .await?;
    run.emit(ProgressEvent::Finished {
        phase: Phase::Logs,
        region: region.to_string(),
    });
    Ok(())
}

/// The log groups to pull: those starting with each prefix (DescribeLogGroups, paginated), then
/// those given by name, without repeats.
pub(crate) async fn discover(run: &Run, api: &LogsApi, region: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let limit = run.opts.page_limit.map(|l| l.clamp(1, 50));
    for prefix in &run.opts.log_group_prefixes {
        let mut token = None;
        loop {
            if run.cancelled() {
                return out;
            }
            match api
                .describe_log_groups(Some(prefix), token.take(), limit)
                .await
            {
                Ok(page) => {
                    for g in page.log_groups.unwrap_or_default() {
                        if let Some(name) = g.log_group_name
                            && !out.contains(&name)
                        {
                            out.push(name);
                        }
                    }
                    match page.next_token {
                        Some(t) if !t.is_empty() => token = Some(t),
                        _ => break,
                    }
                }
                Err(e) => {
                    run.problem(Phase::Logs, region, &format!("log groups {prefix}*"), e);
                    break;
                }
            }
        }
    }
    for g in &run.opts.log_groups {
        if !out.contains(g) {
            out.push(g.clone());
        }
    }
    out
}

fn plan(run: &Run, region: &str, insights: bool) {
    let (from, to) = (run.opts.from_ms, run.opts.to_ms);
    for p in &run.opts.log_group_prefixes {
        run.plan(format!(
            "{region}  logs:DescribeLogGroups logGroupNamePrefix={p} (1 call per 50 groups)"
        ));
    }
    if insights {
        for q in insights::QUERIES {
            run.plan(format!(
                "{region}  logs:StartQuery {} over {} .. {} (hour buckets), at most 50 log groups per query, then logs:GetQueryResults every {:?} until complete",
                q.name,
                iso_ms(from),
                iso_ms(to),
                run.opts.insights_poll
            ));
        }
        return;
    }
    let st = run.store.state();
    let mut known = st.known_groups(&run.scope, region);
    for g in &run.opts.log_groups {
        if !known.contains(g) {
            known.push(g.clone());
        }
    }
    for g in &known {
        let key = state::key(&[&run.scope, region, g]);
        for (a, b) in SyncState::missing(&st.logs, &key, from, to) {
            run.plan(format!(
                "{region}  logs:FilterLogEvents {g} {} .. {} (1 call per {} events)",
                iso_ms(a),
                iso_ms(b),
                run.opts.page_limit.unwrap_or(10_000)
            ));
        }
    }
    run.plan(format!(
        "{region}  logs:FilterLogEvents for every other log group found, {} .. {} (1 call per {} events)",
        iso_ms(from),
        iso_ms(to),
        run.opts.page_limit.unwrap_or(10_000)
    ));
}

/// What is being parsed for one log group: the parser state (kept across the whole group, as an
/// import keeps one per file) and the rows not stored yet.
struct GroupParse {
    st: MessageState,
    batch: Batch,
    ctx: Arc<ParseContext>,
}

async fn parse_page(gp: GroupParse, events: Vec<FilteredLogEvent>) -> Result<GroupParse> {
    tokio::task::spawn_blocking(move || {
        let mut gp = gp;
        let group = gp.ctx.log_group.clone();
        for e in &events {
            let ev = ApiEvent {
                event_id: e.event_id.as_deref(),
                timestamp: e.timestamp,
                message: e.message.as_deref(),
                log_stream: e.log_stream_name.as_deref(),
                log_group: group.as_deref(),
            };
            parse_api_event(&mut gp.st, &ev, &gp.ctx, &mut gp.batch);
        }
        gp
    })
    .await
    .map_err(|e| Error::Invalid(format!("parse task failed: {e}")))
}

/// Pull the missing parts of the window of one log group.
async fn pull_group(run: &Arc<Run>, api: &LogsApi, region: &str, group: &str) -> Result<()> {
    let key = state::key(&[&run.scope, region, group]);
    let missing = SyncState::missing(
        &run.store.state().logs,
        &key,
        run.opts.from_ms,
        run.opts.to_ms,
    );
    let mut report = GroupReport {
        region: region.to_string(),
        group: group.to_string(),
        ..Default::default()
    };
    let mut gp = GroupParse {
        st: MessageState::default(),
        batch: Batch::default(),
        ctx: Arc::new(run.parse_ctx(region, Some(group))),
    };
    'windows: for (a, b) in missing {
        report.windows += 1;
        let mut token: Option<String> = None;
        let mut chunk_from = a;
        let mut chunk_events = 0usize;
        let mut last_ts = a;
        let mut ordered = true;
        loop {
            if run.cancelled() {
                // Store what was fetched; checkpoint it when the pages were in time order.
                let upto = ordered.then_some(last_ts);
                submit(
                    run,
                    region,
                    group,
                    &key,
                    gp,
                    chunk_from,
                    last_ts.max(chunk_from),
                    upto,
                    chunk_events,
                )
                .await?;
                break 'windows;
            }
            // FilterLogEvents' end time is inclusive; the window is [a, b).
            let page = match api
                .filter_log_events(group, a, b - 1, token.take(), run.opts.page_limit)
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    report.failed = true;
                    run.problem(Phase::Logs, region, group, e);
                    let upto = ordered.then_some(last_ts);
                    submit(
                        run,
                        region,
                        group,
                        &key,
                        gp,
                        chunk_from,
                        last_ts.max(chunk_from),
                        upto,
                        chunk_events,
                    )
                    .await?;
                    break 'windows;
                }
            };
            let events = page.events.unwrap_or_default();
            let n = events.len();
            for e in &events {
                if let Some(ts) = e.timestamp {
                    if ts < last_ts {
                        ordered = false;
                    }
                    last_ts = last_ts.max(ts);
                }
            }
            gp = parse_page(gp, events).await?;
            chunk_events += n;
            report.events += n as u64;
            run.events.fetch_add(n as u64, Ordering::Relaxed);
            run.emit(ProgressEvent::Items {
                phase: Phase::Logs,
                region: region.to_string(),
                items: n as u64,
            });
            token = page.next_token.filter(|t| !t.is_empty());
            if token.is_none() {
                gp = submit(
                    run,
                    region,
                    group,
                    &key,
                    gp,
                    chunk_from,
                    b,
                    Some(b),
                    chunk_events,
                )
                .await?;
                break;
            }
            if chunk_events >= run.opts.store_every && last_ts > chunk_from {
                let upto = ordered.then_some(last_ts);
                gp = submit(
                    run,
                    region,
                    group,
                    &key,
                    gp,
                    chunk_from,
                    last_ts,
                    upto,
                    chunk_events,
                )
                .await?;
                if ordered {
                    chunk_from = last_ts;
                }
                chunk_events = 0;
            }
        }
    }
    run.emit(ProgressEvent::UnitDone {
        phase: Phase::Logs,
        region: region.to_string(),
        target: group.to_string(),
    });
    if let Ok(mut g) = run.groups.lock() {
        g.push(report);
    }
    Ok(())
}

/// Queue the rows parsed for `[from, to)` of a group for storing; once stored, the window
/// `[from, upto)` (capped a few minutes before now) is recorded as fetched.
#[allow(clippy::too_many_arguments)]
async fn submit(
    run: &Run,
    region: &str,
    group: &str,
    key: &str,
    gp: GroupParse,
    from: i64,
    to: i64,
    upto: Option<i64>,
    events: usize,
) -> Result<GroupParse> {
    let GroupParse { st, batch, ctx } = gp;
    let updates: Vec<Update> = upto
        .map(|u| run.settled(u))
        .filter(|u| *u > from)
        .map(|u| Update::Logs {
            key: key.to_string(),
            from,
            to: u,
        })
        .into_iter()
        .collect();
    if events == 0 && updates.is_empty() {
        return Ok(GroupParse { st, batch, ctx });
    }
    let parsed = Parsed {
        path: window_name("logs", region, group, from, to),
        format: Format::CloudWatchEvents,
        envelopes: vec![],
        batch,
        origin: Origin::Api {
            service: "logs".into(),
            region: region.to_string(),
            target: group.to_string(),
            from: iso_ms(from),
            to: iso_ms(to),
        },
    };
    run.store.submit(parsed, updates, events).await?;
    Ok(GroupParse {
        st,
        batch: Batch::default(),
        ctx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events fetched through the API parse exactly as the same events in a FilterLogEvents
    /// file: rows, facts, records and skips (a repeated event ID, a missing message).
    #[test]
    fn api_events_parse_like_a_filter_log_events_file() {
        let events = [
            (
                "1",
                1_700_000_000_000i64,
                Some("START RequestId: 8f5b2e4c-1111-4a2b-9c3d-000000000001 Version: $LATEST\n"),
            ),
            (
                "2",
                1_700_000_000_100,
                Some(
                    "2023-11-14T22:13:20.100Z\t8f5b2e4c-1111-4a2b-9c3d-000000000001\tERROR\tboom\n",
                ),
            ),
            ("2", 1_700_000_000_100, Some("a repeated event ID\n")),
            ("3", 1_700_000_000_150, None),
            (
                "4",
                1_700_000_000_200,
                Some(
                    "REPORT RequestId: 8f5b2e4c-1111-4a2b-9c3d-000000000001\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 180.50 ms\t\n",
                ),
            ),
        ];
        let group = "/aws/lambda/orders";
        let ctx = ParseContext {
            log_group: Some(group.into()),
            region: Some("eu-west-1".into()),
            ..Default::default()
        };
        let mut api = Batch::default();
        let mut st = MessageState::default();
        for (id, ts, msg) in events {
            let ev = ApiEvent {
                event_id: Some(id),
                timestamp: Some(ts),
                message: msg,
                log_stream: Some("s1"),
                log_group: Some(group),
            };
            parse_api_event(&mut st, &ev, &ctx, &mut api);
        }
        let doc = serde_json::json!({
            "events": events.iter().map(|(id, ts, msg)| {
                let mut e = serde_json::json!({ "eventId": id, "timestamp": ts, "logStreamName": "s1", "ingestionTime": ts });
                if let Some(m) = msg { e["message"] = (*m).into(); }
                e
            }).collect::<Vec<_>>(),
            "searchedLogStreams": []
        });
        let mut file = Batch::default();
        crate::parse::cloudwatch::parse_events_json(doc.to_string().as_bytes(), &ctx, &mut file);
        assert_eq!(api.records, 5);
        assert_eq!(
            (api.records, api.skipped.clone(), api.facts.len()),
            (file.records, file.skipped.clone(), file.facts.len())
        );
        assert_eq!(api.facts, file.facts);
        let (a, f) = (api.logs.finish().unwrap(), file.logs.finish().unwrap());
        assert_eq!(a.height(), 3);
        assert!(a.equals_missing(&f));
    }
}
