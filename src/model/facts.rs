//! Invocation facts: what one line (or one X-Ray segment) says about one Lambda invocation.
//!
//! Parsers emit facts; [`assemble`] puts every fact that carries the same request ID into one
//! row of the `invocations` frame, following the semantics in `ARCHITECTURE.md`:
//! a cold start is a REPORT with `Init Duration` / `initDurationMs`, a SnapStart restore, a
//! Powertools `cold_start: true`, or an X-Ray `Initialization` subsegment; an error is a REPORT
//! `Status: error|timeout`, `Task timed out`, a fault/error on the function segment, or an
//! ERROR-level line of that request.

use std::sync::Arc;

use polars::prelude::PlHashMap as HashMap;

use polars::prelude::{DataFrame, PolarsResult};

use super::builders::{InvocationRow, InvocationsBuilder};

/// Outcome of an invocation, worst wins when facts disagree.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Status {
    /// Completed without an error signal.
    #[default]
    Success,
    /// Handler error, runtime crash, or an ERROR line.
    Error,
    /// Ran into the configured timeout.
    Timeout,
}

impl Status {
    /// The value stored in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Error => "error",
            Status::Timeout => "timeout",
        }
    }

    /// Read a Lambda status word (`success`, `error`, `failure`, `timeout`, …).
    pub fn from_lambda(s: &str) -> Status {
        match s.trim().to_ascii_lowercase().as_str() {
            "success" | "ok" => Status::Success,
            "timeout" => Status::Timeout,
            _ => Status::Error,
        }
    }
}

/// The figures of a REPORT line (text) or a `platform.report` event (JSON).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// `Duration` / `durationMs`.
    pub duration_ms: Option<f64>,
    /// `Billed Duration` / `billedDurationMs`.
    pub billed_ms: Option<f64>,
    /// `Memory Size` / `memorySizeMB`.
    pub memory_mb: Option<i64>,
    /// `Max Memory Used` / `maxMemoryUsedMB`.
    pub max_memory_mb: Option<i64>,
    /// `Init Duration` / `initDurationMs`.
    pub init_ms: Option<f64>,
    /// `Restore Duration` / `restoreDurationMs`.
    pub restore_ms: Option<f64>,
    /// `Billed Restore Duration` / `billedRestoreDurationMs`.
    pub billed_restore_ms: Option<f64>,
    /// `Status` / `status`, when given.
    pub status: Option<Status>,
    /// `XRAY TraceId` / `tracing.value` Root, in `1-…` form.
    pub trace_id: Option<String>,
}

/// What a fact says.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum FactKind {
    /// A line of the invocation was seen (any Lambda line with the request ID).
    Seen,
    /// `START` / `platform.start`.
    Start {
        /// Function version.
        version: Option<String>,
    },
    /// `REPORT` / `platform.report` (boxed: the largest variant, one fact in ten; a fact is a
    /// quarter smaller for it, and an import holds about 1.5 facts per log line).
    Report(Box<Report>),
    /// `Task timed out after …`.
    Timeout,
    /// An ERROR/FATAL/CRITICAL-level line, or a runtime error record.
    ErrorLine,
    /// `platform.runtimeDone` / `platform.fault` status.
    RuntimeDone(Status),
    /// Powertools `cold_start` flag.
    ColdStartFlag(bool),
    /// A trace ID seen on a line of the invocation.
    TraceId(String),
    /// The X-Ray `AWS::Lambda::Function` segment of the invocation.
    Segment {
        /// Segment start, µs.
        start: Option<i64>,
        /// Segment duration, ms.
        duration_ms: Option<f64>,
        /// Duration of its `Initialization` subsegment, when any.
        init_ms: Option<f64>,
        /// Fault or error flag on the segment.
        failed: bool,
        /// Trace ID of the segment.
        trace_id: Option<String>,
    },
}

/// One fact about one invocation.
///
/// Function, log group, log stream, region and account repeat across the facts of an input,
/// so they are shared `Arc<str>` (parsers intern them: one allocation per distinct value, not
/// per fact). They serialize as plain strings, as when they were `String`s.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InvocationFact {
    /// Lambda request ID.
    pub request_id: String,
    /// Time of the line, µs since the epoch, when known.
    pub ts: Option<i64>,
    /// Function name, when known.
    #[serde(with = "opt_arc", default)]
    pub function: Option<Arc<str>>,
    /// Log group, when known.
    #[serde(with = "opt_arc", default)]
    pub log_group: Option<Arc<str>>,
    /// Log stream (one execution environment), when known.
    #[serde(with = "opt_arc", default)]
    pub log_stream: Option<Arc<str>>,
    /// Region, when known.
    #[serde(with = "opt_arc", default)]
    pub region: Option<Arc<str>>,
    /// Account, when known.
    #[serde(with = "opt_arc", default)]
    pub account: Option<Arc<str>>,
    /// What the fact says.
    pub kind: FactKind,
}

/// Serde for `Option<Arc<str>>` as an optional string (serde's `rc` feature is not enabled).
mod opt_arc {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Arc<str>>, s: S) -> Result<S::Ok, S::Error> {
        v.as_deref().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<str>>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(Arc::from))
    }
}

impl InvocationFact {
    /// A fact with only a request ID and a kind; fill the rest with the struct fields.
    pub fn new(request_id: impl Into<String>, kind: FactKind) -> Self {
        InvocationFact {
            request_id: request_id.into(),
            ts: None,
            function: None,
            log_group: None,
            log_stream: None,
            region: None,
            account: None,
            kind,
        }
    }
}

/// What the facts of one request ID say so far; text borrowed from the facts (no copies).
#[derive(Default)]
struct Acc<'a> {
    function: Option<&'a str>,
    trace_id: Option<&'a str>,
    start_line: Option<i64>,
    start_est: Option<i64>,
    report: Option<Report>,
    status: Status,
    cold_flag: Option<bool>,
    seg_init: Option<f64>,
    seg_duration: Option<f64>,
    log_group: Option<&'a str>,
    log_stream: Option<&'a str>,
    region: Option<&'a str>,
    account: Option<&'a str>,
    version: Option<&'a str>,
    report_ts: Option<i64>,
}

fn keep<T>(slot: &mut Option<T>, v: Option<T>) {
    if slot.is_none() {
        *slot = v;
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Assemble facts into invocation rows, one per request ID, in order of first appearance.
///
/// An init reported right after a timeout or an out-of-memory end in the same log stream
/// (the same execution environment) is a *suppressed init*: Lambda re-runs the init inside
/// the next invocation after resetting the environment. It is kept in `init_ms` but not
/// counted as a cold start.
pub fn assemble(facts: &[InvocationFact]) -> PolarsResult<DataFrame> {
    assemble_indexed(facts).map(|(df, _)| df)
}

/// [`assemble`], also returning for each row the index in `facts` of the first fact of its
/// request ID (an import tells from it which input brought the invocation).
pub fn assemble_indexed(facts: &[InvocationFact]) -> PolarsResult<(DataFrame, Vec<usize>)> {
    // One accumulator per request ID, in order of first appearance; the map gives its index.
    let mut accs: Vec<(&str, Acc<'_>)> = Vec::with_capacity(facts.len() / 4);
    let mut first: Vec<usize> = Vec::with_capacity(facts.len() / 4);
    let mut by_id: HashMap<&str, usize> =
        HashMap::with_capacity_and_hasher(facts.len() / 4, Default::default());
    // Facts of one request usually come one after another: skip the lookup then.
    let mut last: Option<(&str, usize)> = None;
    for (n, f) in facts.iter().enumerate() {
        let id = f.request_id.as_str();
        let i = match last {
            Some((l, i)) if l == id => i,
            _ => {
                let i = *by_id.entry(id).or_insert_with(|| {
                    accs.push((id, Acc::default()));
                    first.push(n);
                    accs.len() - 1
                });
                last = Some((id, i));
                i
            }
        };
        let acc = &mut accs[i].1;
        keep(&mut acc.function, f.function.as_deref());
        keep(&mut acc.log_group, f.log_group.as_deref());
        keep(&mut acc.log_stream, f.log_stream.as_deref());
        keep(&mut acc.region, f.region.as_deref());
        keep(&mut acc.account, f.account.as_deref());
        acc.start_est = min_opt(acc.start_est, f.ts);
        match &f.kind {
            FactKind::Seen => {}
            FactKind::Start { version } => {
                acc.start_line = min_opt(acc.start_line, f.ts);
                keep(&mut acc.version, version.as_deref());
            }
            FactKind::Report(r) => {
                if let Some(s) = r.status {
                    acc.status = acc.status.max(s);
                }
                keep(&mut acc.trace_id, r.trace_id.as_deref());
                if let (Some(ts), Some(d)) = (f.ts, r.duration_ms) {
                    acc.start_est = min_opt(acc.start_est, Some(ts - (d * 1000.0) as i64));
                }
                acc.report_ts = f.ts.or(acc.report_ts);
                match &mut acc.report {
                    None => acc.report = Some(Report::clone(r)),
                    Some(prev) => {
                        keep(&mut prev.duration_ms, r.duration_ms);
                        keep(&mut prev.billed_ms, r.billed_ms);
                        keep(&mut prev.memory_mb, r.memory_mb);
                        keep(&mut prev.max_memory_mb, r.max_memory_mb);
                        keep(&mut prev.init_ms, r.init_ms);
                        keep(&mut prev.restore_ms, r.restore_ms);
                        keep(&mut prev.billed_restore_ms, r.billed_restore_ms);
                    }
                }
            }
            FactKind::Timeout => acc.status = acc.status.max(Status::Timeout),
            FactKind::ErrorLine => acc.status = acc.status.max(Status::Error),
            FactKind::RuntimeDone(s) => acc.status = acc.status.max(*s),
            FactKind::ColdStartFlag(b) => {
                acc.cold_flag = Some(acc.cold_flag.unwrap_or(false) || *b);
            }
            FactKind::TraceId(t) => keep(&mut acc.trace_id, Some(t.as_str())),
            FactKind::Segment {
                start,
                duration_ms,
                init_ms,
                failed,
                trace_id,
            } => {
                acc.start_est = min_opt(acc.start_est, *start);
                keep(&mut acc.seg_duration, *duration_ms);
                keep(&mut acc.seg_init, *init_ms);
                keep(&mut acc.trace_id, trace_id.as_deref());
                if *failed {
                    acc.status = acc.status.max(Status::Error);
                }
            }
        }
    }

    // Suppressed inits: walk each stream in time order; an init right after a timeout or an
    // out-of-memory end in the same environment is not a cold start.
    let mut suppressed = vec![false; accs.len()];
    {
        let mut per_stream: HashMap<&str, Vec<(i64, &str, usize)>> = HashMap::default();
        for (i, (id, a)) in accs.iter().enumerate() {
            if let (Some(stream), Some(t)) = (a.log_stream, a.start_line.or(a.start_est)) {
                per_stream.entry(stream).or_default().push((t, id, i));
            }
        }
        for list in per_stream.values_mut() {
            // Request IDs are unique, so the index never decides the order.
            list.sort_unstable();
            let mut prev_reset = false;
            for &(_, _, i) in list.iter() {
                let a = &accs[i].1;
                // An init in the REPORT, or a Powertools `cold_start: true` (the runtime was
                // re-imported), right after a reset is the suppressed init, not a cold start.
                let has_init = a.report.as_ref().is_some_and(|r| r.init_ms.is_some())
                    || a.cold_flag == Some(true);
                if has_init && prev_reset {
                    suppressed[i] = true;
                }
                let oom = a.report.as_ref().is_some_and(
                    |r| matches!((r.memory_mb, r.max_memory_mb), (Some(m), Some(u)) if u >= m),
                );
                prev_reset = a.status == Status::Timeout || (a.status == Status::Error && oom);
            }
        }
    }

    let mut b = InvocationsBuilder::with_capacity(accs.len());
    let none = Report::default();
    for (i, (id, a)) in accs.iter().enumerate() {
        let r = a.report.as_ref().unwrap_or(&none);
        let init_ms = r.init_ms.or(a.seg_init);
        let restore_ms = r.restore_ms;
        let is_suppressed = suppressed[i];
        let cold_kind = if restore_ms.is_some() {
            Some("restore")
        } else if (init_ms.is_some() || a.cold_flag == Some(true)) && !is_suppressed {
            Some("init")
        } else {
            None
        };
        b.push(&InvocationRow {
            function: a.function,
            request_id: Some(id),
            trace_id: a.trace_id,
            start: a.start_line.or(a.start_est),
            duration_ms: r.duration_ms.or(a.seg_duration),
            billed_ms: r.billed_ms,
            memory_mb: r.memory_mb,
            max_memory_mb: r.max_memory_mb,
            init_ms,
            restore_ms,
            cold: Some(cold_kind.is_some()),
            cold_kind,
            status: Some(a.status.as_str()),
            log_group: a.log_group,
            region: a.region,
            account: a.account,
            version: a.version,
        });
    }
    Ok((b.finish()?, first))
}

#[cfg(test)]
#[path = "facts_tests.rs"]
mod tests;
