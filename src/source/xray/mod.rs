//! X-Ray, live: GetTraceSummaries over time slices within the API's limits (a user's filter
//! expression passed through), then BatchGetTraces at most 5 IDs per call, following NextToken
//! and retrying UnprocessedTraceIds.
//!
//! The traces of a slice are written back in the shape `aws xray batch-get-traces` prints
//! (`{"Traces":[{"Id","Duration","LimitExceeded","Segments":[{"Id","Document"}]}]}`) and parsed by
//! [`crate::parse::xray::parse_batch_get_traces`], as an import of that output would be. A slice
//! is recorded as fetched only when every trace of it was fetched; otherwise it is fetched
//! again next time (the workspace keeps one copy of each span).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use aws_sdk_xray::types::Trace;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::parse::{Batch, Format};
use crate::source::files::Parsed;
use crate::source::pull::aws::{ApiError, XrayApi};
use crate::source::pull::state::{self, SyncState, Update};
use crate::source::pull::{Phase, ProgressEvent, Run, iso_ms, window_name};
use crate::workspace::manifest::Origin;

/// Most trace IDs per BatchGetTraces call (the API's limit).
pub const MAX_IDS_PER_BATCH: usize = 5;
/// Rounds of retrying UnprocessedTraceIds.
pub const UNPROCESSED_ROUNDS: u32 = 3;

/// Split windows into slices of at most `slice_ms`.
pub fn slices(windows: &[(i64, i64)], slice_ms: i64) -> Vec<(i64, i64)> {
    let step = slice_ms.max(1);
    let mut out = Vec::new();
    for &(a, b) in windows {
        let mut t = a;
        while t < b {
            let e = t.saturating_add(step).min(b);
            out.push((t, e));
            t = e;
        }
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TracesDoc<'a> {
    traces: Vec<TraceDoc<'a>>,
    unprocessed_trace_ids: Vec<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TraceDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit_exceeded: Option<bool>,
    segments: Vec<SegmentDoc<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SegmentDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    document: Option<&'a str>,
}

/// BatchGetTraces results in the JSON shape the AWS CLI prints.
pub fn traces_json(traces: &[Trace], unprocessed: &[String]) -> Vec<u8> {
    let doc = TracesDoc {
        traces: traces
            .iter()
            .map(|t| TraceDoc {
                id: t.id.as_deref(),
                duration: t.duration,
                limit_exceeded: t.limit_exceeded,
                segments: t
                    .segments
                    .iter()
                    .flatten()
                    .map(|s| SegmentDoc {
                        id: s.id.as_deref(),
                        document: s.document.as_deref(),
                    })
                    .collect(),
            })
            .collect(),
        unprocessed_trace_ids: unprocessed.iter().map(String::as_str).collect(),
    };
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// Pull the traces of one region.
pub(crate) async fn pull_traces(run: &Arc<Run>, api: &XrayApi, region: &str) -> Result<()> {
    let filter = run.opts.xray_filter.clone();
    let key = state::key(&[&run.scope, region, filter.as_deref().unwrap_or("")]);
    let missing = SyncState::missing(
        &run.store.state().xray,
        &key,
        run.opts.from_ms,
        run.opts.to_ms,
    );
    let work = slices(&missing, run.opts.xray_slice_ms);
    if run.opts.dry_run {
        let f = filter
            .as_deref()
            .map(|f| format!(" FilterExpression={f:?}"))
            .unwrap_or_default();
        for (a, b) in &work {
            run.plan(format!(
                "{region}  xray:GetTraceSummaries {} .. {}{f}",
                iso_ms(*a),
                iso_ms(*b)
            ));
        }
        if !work.is_empty() {
            run.plan(format!(
                "{region}  xray:BatchGetTraces 1 call per {MAX_IDS_PER_BATCH} trace IDs found"
            ));
        }
        return Ok(());
    }
    run.emit(ProgressEvent::Started {
        phase: Phase::Traces,
        region: region.to_string(),
        total: work.len() as u64,
    });
    for (a, b) in work {
        if run.cancelled() {
            break;
        }
        let target = format!("traces {} .. {}", iso_ms(a), iso_ms(b));
        // Trace IDs of the slice.
        let mut ids: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        let mut token = None;
        let mut listed = true;
        loop {
            match api
                .get_trace_summaries(a, b, filter.as_deref(), token.take())
                .await
            {
                Ok(page) => {
                    for s in page.trace_summaries.unwrap_or_default() {
                        if let Some(id) = s.id
                            && seen.insert(id.clone())
                        {
                            ids.push(id);
                        }
                    }
                    match page.next_token {
                        Some(t) if !t.is_empty() => token = Some(t),
                        _ => break,
                    }
                }
                Err(e) => {
                    run.problem(Phase::Traces, region, &target, e);
                    listed = false;
                    break;
                }
            }
        }
        if !listed {
            run.emit(ProgressEvent::UnitDone {
                phase: Phase::Traces,
                region: region.to_string(),
                target,
            });
            continue;
        }
        let (traces, failed) = fetch(run, api, region, &ids).await;
        let n = traces.len();
        run.traces.fetch_add(n as u64, Ordering::Relaxed);
        run.emit(ProgressEvent::Items {
            phase: Phase::Traces,
            region: region.to_string(),
            items: n as u64,
        });
        if !failed.is_empty() {
            run.problem(
                Phase::Traces,
                region,
                &target,
                ApiError {
                    api: "xray:BatchGetTraces".into(),
                    kind: crate::source::pull::ApiErrorKind::Other,
                    code: None,
                    message: format!(
                        "{} trace(s) could not be fetched; the slice is fetched again next time",
                        failed.len()
                    ),
                },
            );
        }
        let ctx = run.parse_ctx(region, None);
        let batch = tokio::task::spawn_blocking(move || {
            let json = traces_json(&traces, &failed);
            let mut batch = Batch::default();
            crate::parse::xray::parse_batch_get_traces(&json, &ctx, &mut batch);
            (batch, failed.is_empty())
        })
        .await
        .map_err(|e| Error::Invalid(format!("parse task failed: {e}")))?;
        let (batch, complete) = batch;
        let settled = run.settled(b);
        let updates = if complete && settled > a {
            vec![Update::Xray {
                key: key.clone(),
                from: a,
                to: settled,
            }]
        } else {
            vec![]
        };
        let parsed = Parsed {
            path: window_name("xray", region, filter.as_deref().unwrap_or("traces"), a, b),
            format: Format::XrayTraces,
            envelopes: vec![],
            batch,
            origin: Origin::Api {
                service: "xray".into(),
                region: region.to_string(),
                target: filter.clone().unwrap_or_else(|| "traces".into()),
                from: iso_ms(a),
                to: iso_ms(b),
            },
        };
        run.store.submit(parsed, updates, n * 10).await?;
        run.emit(ProgressEvent::UnitDone {
            phase: Phase::Traces,
            region: region.to_string(),
            target,
        });
    }
    run.emit(ProgressEvent::Finished {
        phase: Phase::Traces,
        region: region.to_string(),
    });
    Ok(())
}

/// BatchGetTraces for `ids`, [`MAX_IDS_PER_BATCH`] at a time and a few at once, retrying the
/// unprocessed IDs. Returns the traces and the IDs that could not be fetched.
async fn fetch(
    run: &Arc<Run>,
    api: &XrayApi,
    region: &str,
    ids: &[String],
) -> (Vec<Trace>, Vec<String>) {
    let mut traces = Vec::new();
    let mut todo: Vec<String> = ids.to_vec();
    let mut failed: Vec<String> = Vec::new();
    let mut backoff = Duration::from_millis(500);
    for round in 0..=UNPROCESSED_ROUNDS {
        if todo.is_empty() || run.cancelled() {
            break;
        }
        if round > 0 {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
        let chunks: Vec<Vec<String>> = todo
            .chunks(MAX_IDS_PER_BATCH)
            .map(<[String]>::to_vec)
            .collect();
        let sem = Arc::new(tokio::sync::Semaphore::new(run.opts.concurrency.max(1)));
        let mut set = tokio::task::JoinSet::new();
        for chunk in chunks {
            let (api, sem) = (api.clone(), sem.clone());
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                let mut got = Vec::new();
                let mut unprocessed = Vec::new();
                let mut token = None;
                loop {
                    match api.batch_get_traces(&chunk, token.take()).await {
                        Ok(out) => {
                            got.extend(out.traces.unwrap_or_default());
                            unprocessed.extend(out.unprocessed_trace_ids.unwrap_or_default());
                            match out.next_token {
                                Some(t) if !t.is_empty() => token = Some(t),
                                _ => break,
                            }
                        }
                        Err(e) => return (got, chunk, Some(e)),
                    }
                }
                (got, unprocessed, None)
            });
        }
        let mut next = Vec::new();
        while let Some(r) = set.join_next().await {
            match r {
                Ok((got, rest, err)) => {
                    traces.extend(got);
                    if let Some(e) = err {
                        run.problem(
                            Phase::Traces,
                            region,
                            &format!("{} trace(s)", rest.len()),
                            e,
                        );
                        failed.extend(rest);
                    } else {
                        next.extend(rest);
                    }
                }
                Err(e) => tracing::warn!("a BatchGetTraces task failed: {e}"),
            }
        }
        todo = next;
    }
    failed.extend(todo);
    // A trace fetched on a later round is no longer missing.
    let got: HashSet<&str> = traces.iter().filter_map(|t| t.id.as_deref()).collect();
    failed.retain(|id| !got.contains(id.as_str()));
    (traces, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slicing() {
        assert_eq!(slices(&[(0, 10)], 4), vec![(0, 4), (4, 8), (8, 10)]);
        assert_eq!(slices(&[(0, 3), (5, 6)], 4), vec![(0, 3), (5, 6)]);
        assert!(slices(&[], 4).is_empty());
    }

    #[test]
    fn traces_json_parses_like_the_cli_output() {
        use aws_sdk_xray::types::Segment;
        let doc = r#"{"id":"70de5b6f19ff9a0a","name":"orders","trace_id":"1-581cf771-a006649127e371903a2de979","start_time":1478293361.271,"end_time":1478293361.449,"origin":"AWS::Lambda::Function"}"#;
        let t = Trace::builder()
            .id("1-581cf771-a006649127e371903a2de979")
            .duration(0.178)
            .segments(
                Segment::builder()
                    .id("70de5b6f19ff9a0a")
                    .document(doc)
                    .build(),
            )
            .build();
        let json = traces_json(&[t], &[]);
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(
            text.starts_with(r#"{"Traces":[{"Id":"1-581cf771"#),
            "{text}"
        );
        let mut b = Batch::default();
        crate::parse::xray::parse_batch_get_traces(&json, &Default::default(), &mut b);
        assert_eq!(b.spans.len(), 1);
        assert_eq!(b.records, 1);
        assert_eq!(b.skipped_total(), 0);
    }
}
