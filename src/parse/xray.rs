//! X-Ray: BatchGetTraces, segment documents, the daemon's raw format, GetTraceSummaries and
//! GetServiceGraph.
//!
//! Segment documents become rows of the `spans` frame, one per segment, subsegment (at any
//! depth) and inferred segment; an `AWS::Lambda::Function` segment also becomes a
//! [`FactKind::Segment`] invocation fact when its Lambda request ID can be found. Trace summaries
//! become `spans` rows of kind `trace`; a service graph is kept as a [`ServiceGraph`].
//!
//! Parsing is zero-copy where the input allows it (strings borrow from the input unless they
//! carry escapes). Leaf fields are read leniently: a value of the wrong type (`"fault": "x"`)
//! reads as absent instead of losing the whole document. What cannot be read at all is counted:
//!
//! | case | reason |
//! | --- | --- |
//! | a document or page that is not JSON (truncated, a broken `Document` string) | [`SkipReason::MalformedJson`] |
//! | a document, trace or subsegment that is not an object | [`SkipReason::BadValue`] |
//! | a span without an `id`, a trace summary or service without its ID, a trace without `Document` | [`SkipReason::MissingField`] |
//! | a span ID seen twice in one input (the completed version is kept over an in-progress one) | [`SkipReason::Duplicate`] |
//! | subsegments nested deeper than [`MAX_SUBSEGMENT_DEPTH`] (each direct child at the cap counts once) | [`SkipReason::Unsupported`] |
//!
//! Every span met (kept or skipped) and every unreadable document adds one to
//! [`Batch::records`].

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::time::{from_epoch_guess, from_epoch_secs_f64, parse_iso};
use super::{Batch, ParseContext, SkipReason};
use crate::model::builders::SpanRow;
use crate::model::facts::{FactKind, InvocationFact};

/// Subsegments nested deeper than this below their segment are not read; each direct child of
/// a subsegment at this depth is counted as one [`SkipReason::Unsupported`] skip. X-Ray SDKs
/// nest a handful of levels; the cap keeps hostile input from exhausting the stack (and stays
/// well inside `serde_json`'s own nesting limit of 128).
pub const MAX_SUBSEGMENT_DEPTH: u32 = 32;

/// Span kind of a segment.
pub const KIND_SEGMENT: &str = "segment";
/// Span kind of a subsegment (embedded or sent on its own).
pub const KIND_SUBSEGMENT: &str = "subsegment";
/// Span kind of an inferred segment (`"inferred": true`).
pub const KIND_INFERRED: &str = "inferred";
/// Span kind of a GetTraceSummaries row (one per trace).
pub const KIND_TRACE: &str = "trace";

/// Origin of the Lambda function segment.
const ORIGIN_FUNCTION: &str = "AWS::Lambda::Function";
/// Origin of the Lambda service segment, which carries the request ID.
const ORIGIN_LAMBDA: &str = "AWS::Lambda";

/// Implements the scalar `visit_*` methods of a visitor, each returning `$v`.
macro_rules! ignore_scalars {
    ($v:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
}

/// Implements `visit_seq` draining the array and returning `$v`.
macro_rules! ignore_seq {
    ($v:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($v)
        }
    };
}

/// Implements `visit_map` draining the object and returning `$v`.
macro_rules! ignore_map {
    ($v:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($v)
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Public output of GetServiceGraph
// ---------------------------------------------------------------------------------------------

/// A parsed GetServiceGraph response (pages of the same time range are merged).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServiceGraph {
    /// Start of the time range, µs since the epoch (UTC): the response's `StartTime`, else the
    /// earliest service start.
    pub start: Option<i64>,
    /// End of the time range, µs since the epoch (UTC): `EndTime`, else the latest service end.
    pub end: Option<i64>,
    /// The services (`Services[]`).
    pub nodes: Vec<ServiceNode>,
    /// Calls between services (`Services[].Edges[]`, flattened).
    pub edges: Vec<ServiceEdge>,
}

impl ServiceGraph {
    /// The node with this reference ID.
    pub fn node(&self, reference_id: i64) -> Option<&ServiceNode> {
        self.nodes.iter().find(|n| n.reference_id == reference_id)
    }
}

/// One service of a service graph.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServiceNode {
    /// `ReferenceId`, what edges point at.
    pub reference_id: i64,
    /// `Name`.
    pub name: Option<String>,
    /// `Names` (every name the service was seen under).
    pub names: Vec<String>,
    /// `Type`, e.g. `AWS::Lambda::Function`, `client`, `remote`.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// `AccountId`, when given.
    pub account_id: Option<String>,
    /// `State` (`active`, `unknown`, …).
    pub state: Option<String>,
    /// `Root`: the service is an entry point of the graph.
    pub root: bool,
    /// `StartTime`, µs since the epoch.
    pub start: Option<i64>,
    /// `EndTime`, µs since the epoch.
    pub end: Option<i64>,
    /// `SummaryStatistics`; `None` when the response has none (a `client` node).
    pub summary: Option<ServiceStats>,
    /// `ResponseTimeHistogram`: (response time in seconds, count).
    pub response_time_histogram: Vec<(f64, u64)>,
    /// `DurationHistogram`: (duration in seconds, count).
    pub duration_histogram: Vec<(f64, u64)>,
}

/// Request figures of a service or an edge (`SummaryStatistics`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServiceStats {
    /// `TotalCount`: requests (ok + errors + faults when `TotalCount` is missing).
    pub requests: u64,
    /// `OkCount`.
    pub ok: u64,
    /// 4xx errors: `ErrorStatistics.TotalCount`, else `ThrottleCount + OtherCount`.
    pub error_count: u64,
    /// 5xx faults: `FaultStatistics.TotalCount`, else `OtherCount`.
    pub fault_count: u64,
    /// 429 throttles: `ErrorStatistics.ThrottleCount` (part of `error_count`).
    pub throttle_count: u64,
    /// `TotalResponseTime`, seconds summed over all requests.
    pub total_response_time: f64,
}

/// A call from one service to another.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServiceEdge {
    /// Reference ID of the calling service.
    pub from_reference_id: i64,
    /// Reference ID of the called service (`Edges[].ReferenceId`).
    pub to_reference_id: i64,
    /// `StartTime`, µs since the epoch.
    pub start: Option<i64>,
    /// `EndTime`, µs since the epoch.
    pub end: Option<i64>,
    /// Requests (`SummaryStatistics.TotalCount`).
    pub requests: u64,
    /// `OkCount`.
    pub ok: u64,
    /// 4xx errors, throttles included.
    pub error_count: u64,
    /// 5xx faults.
    pub fault_count: u64,
    /// 429 throttles.
    pub throttle_count: u64,
    /// `TotalResponseTime`, seconds.
    pub total_response_time: f64,
    /// `ResponseTimeHistogram`: (response time in seconds, count).
    pub response_time_histogram: Vec<(f64, u64)>,
    /// `EdgeType` (`REQUEST_BASED` / `EVENT_BASED`), when given.
    pub edge_type: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/// BatchGetTraces output (`{"Traces":[…]}`, pages one after another), or one trace object
/// (`{"Id","Duration","Segments"}`). `Document` is a JSON string (an object is accepted too).
pub fn parse_batch_get_traces(input: &[u8], ctx: &ParseContext, out: &mut Batch) {
    let input = strip_bom(input);
    let mut pages: Vec<TracesPage<'_>> = Vec::new();
    for_each_value(input, out, |p| pages.push(p));

    // Every segment entry, with the trace ID of its trace as a hint.
    let mut entries: Vec<(Option<&str>, &Doc<'_>)> = Vec::new();
    for page in &pages {
        match &page.traces {
            Some(traces) => {
                for t in &traces.0 {
                    match &t.0 {
                        Some(t) => push_trace(t, &mut entries, out),
                        None => {
                            out.records += 1;
                            out.skip(SkipReason::BadValue);
                        }
                    }
                }
            }
            None if page.trace.segments.is_some() => push_trace(&page.trace, &mut entries, out),
            None if page.is_object => {
                out.records += 1;
                out.skip(SkipReason::MissingField);
            }
            None => {
                out.records += 1;
                out.skip(SkipReason::BadValue);
            }
        }
    }

    // Parse the documents that came as strings.
    let texts: Vec<Option<Top<'_>>> = entries
        .iter()
        .map(|(_, d)| match d {
            Doc::Text(s) => match serde_json::from_str::<Top<'_>>(s.as_ref()) {
                Ok(t) => Some(t),
                Err(e) => {
                    out.records += 1;
                    out.skip(reason_of(&e));
                    None
                }
            },
            _ => None,
        })
        .collect();

    let mut roots: Vec<Root<'_>> = Vec::new();
    for ((hint, doc), text) in entries.iter().zip(&texts) {
        let top = match (doc, text) {
            (Doc::Text(_), Some(t)) => t,
            (Doc::Text(_), None) => continue, // counted above
            (Doc::Parsed(t), _) => t,
            (Doc::Missing, _) => {
                out.records += 1;
                out.skip(SkipReason::MissingField);
                continue;
            }
            (Doc::Bad, _) => {
                out.records += 1;
                out.skip(SkipReason::BadValue);
                continue;
            }
        };
        push_top(top, *hint, &mut roots, out);
    }
    emit_spans(&roots, ctx, out);
}

/// Queue the segment entries of one trace, with the trace ID as a hint.
fn push_trace<'p>(
    t: &'p TraceObj<'p>,
    entries: &mut Vec<(Option<&'p str>, &'p Doc<'p>)>,
    out: &mut Batch,
) {
    let Some(segs) = &t.segments else {
        out.records += 1;
        out.skip(SkipReason::MissingField);
        return;
    };
    for s in &segs.0 {
        match &s.0 {
            Some(s) => entries.push((t.id.0.as_deref(), &s.document)),
            None => {
                out.records += 1;
                out.skip(SkipReason::BadValue);
            }
        }
    }
}

/// Segment documents: one, a JSON array of them, or one per line (JSON Lines), segments and
/// independent subsegments (`"type":"subsegment"`) alike. A top-level document without a
/// `trace_id` (a subsegment shown on its own, as in the X-Ray docs) is read as a subsegment.
pub fn parse_segment_documents(input: &[u8], ctx: &ParseContext, out: &mut Batch) {
    let input = strip_bom(input);
    let mut tops: Vec<Top<'_>> = Vec::new();
    for_each_value(input, out, |t| tops.push(t));
    let mut roots = Vec::new();
    for t in &tops {
        push_top(t, None, &mut roots, out);
    }
    emit_spans(&roots, ctx, out);
}

/// The daemon's raw UDP format: a `{"format": "json", "version": 1}` header line, then a
/// segment document (pretty-printed or not); several header + document pairs may follow one
/// another. Header objects are recognised by their keys and carry no record.
pub fn parse_daemon_raw(input: &[u8], ctx: &ParseContext, out: &mut Batch) {
    // Headers parse as objects with `format`/`version` keys and no `id`; `push_top` drops them.
    parse_segment_documents(input, ctx, out)
}

/// GetTraceSummaries output (pages one after another): one `spans` row of kind `trace` per
/// summary.
///
/// `name` is the entry point's name (else the first service's), `origin` its type; `start` is
/// `StartTime` when present; `duration_ms` is `Duration` × 1000; `in_progress` is `IsPartial`.
/// `annotations` maps each key to its value (an array when the trace has several values for
/// it). `cause` is the first exception message of the fault, then error, root causes.
pub fn parse_trace_summaries(input: &[u8], _ctx: &ParseContext, out: &mut Batch) {
    let input = strip_bom(input);
    let mut pages: Vec<SummariesPage<'_>> = Vec::new();
    for_each_value(input, out, |p| pages.push(p));
    let mut seen: HashSet<&str> = HashSet::new();
    for page in &pages {
        let Some(list) = &page.summaries else {
            out.records += 1;
            out.skip(if page.is_object {
                SkipReason::MissingField
            } else {
                SkipReason::BadValue
            });
            continue;
        };
        for s in &list.0 {
            out.records += 1;
            let Some(s) = &s.0 else {
                out.skip(SkipReason::BadValue);
                continue;
            };
            let Some(id) = s.id.0.as_deref() else {
                out.skip(SkipReason::MissingField);
                continue;
            };
            if !seen.insert(id) {
                out.skip(SkipReason::Duplicate);
                continue;
            }
            let entry = s
                .entry_point
                .0
                .as_ref()
                .or_else(|| s.service_ids.0.iter().find_map(|x| x.0.as_ref()));
            let duration_ms = s.duration.0.map(|d| round_us(d * 1000.0));
            let start = s.start_time.0;
            let end = match (start, s.duration.0) {
                (Some(st), Some(d)) => from_secs_delta(d).map(|d| st + d),
                _ => None,
            };
            let http = s.http.0.as_ref();
            let annotations = s.annotations.0.as_deref();
            let cause = s
                .fault_root_causes
                .0
                .as_deref()
                .or(s.error_root_causes.0.as_deref());
            out.spans.push(&SpanRow {
                trace_id: Some(id),
                id: Some(id),
                parent_id: None,
                segment_id: None,
                name: entry.and_then(|e| {
                    e.name
                        .0
                        .as_deref()
                        .or_else(|| e.names.0.iter().find_map(|n| n.0.as_deref()))
                }),
                origin: entry.and_then(|e| e.type_.0.as_deref()),
                kind: Some(KIND_TRACE),
                namespace: None,
                start,
                end,
                duration_ms,
                http_status: http.and_then(|h| num_to_i64(h.status.0)),
                http_method: http.and_then(|h| h.method.0.as_deref()),
                http_url: http.and_then(|h| h.url.0.as_deref()),
                error: Some(s.has_error.0.unwrap_or(false)),
                fault: Some(s.has_fault.0.unwrap_or(false)),
                throttle: Some(s.has_throttle.0.unwrap_or(false)),
                in_progress: Some(s.is_partial.0.unwrap_or(false)),
                aws_operation: None,
                resource: None,
                request_id: None,
                annotations,
                cause,
            });
        }
    }
}

/// GetServiceGraph output: one [`ServiceGraph`] pushed to [`Batch::service_graphs`] per
/// response (pages one after another with the same time range are merged into one graph).
/// Each service and each edge is one record.
pub fn parse_service_graph(input: &[u8], _ctx: &ParseContext, out: &mut Batch) {
    let input = strip_bom(input);
    let mut pages: Vec<GraphPage<'_>> = Vec::new();
    for_each_value(input, out, |p| pages.push(p));
    let mut graphs: Vec<ServiceGraph> = Vec::new();
    for page in &pages {
        let Some(services) = &page.services else {
            out.records += 1;
            out.skip(if page.is_object {
                SkipReason::MissingField
            } else {
                SkipReason::BadValue
            });
            continue;
        };
        let mut g = ServiceGraph {
            start: page.start.0,
            end: page.end.0,
            ..Default::default()
        };
        for svc in &services.0 {
            out.records += 1;
            let Some(svc) = &svc.0 else {
                out.skip(SkipReason::BadValue);
                continue;
            };
            let Some(rid) = num_to_i64(svc.reference_id.0) else {
                out.skip(SkipReason::MissingField);
                continue;
            };
            for e in &svc.edges.0 {
                out.records += 1;
                let Some(e) = &e.0 else {
                    out.skip(SkipReason::BadValue);
                    continue;
                };
                let Some(to) = num_to_i64(e.reference_id.0) else {
                    out.skip(SkipReason::MissingField);
                    continue;
                };
                let st = e.stats.0.as_ref().map(stats).unwrap_or_default();
                g.edges.push(ServiceEdge {
                    from_reference_id: rid,
                    to_reference_id: to,
                    start: e.start.0,
                    end: e.end.0,
                    requests: st.requests,
                    ok: st.ok,
                    error_count: st.error_count,
                    fault_count: st.fault_count,
                    throttle_count: st.throttle_count,
                    total_response_time: st.total_response_time,
                    response_time_histogram: histogram(&e.response_time_histogram),
                    edge_type: e.edge_type.0.as_deref().map(str::to_owned),
                });
            }
            g.nodes.push(ServiceNode {
                reference_id: rid,
                name: svc.name.0.as_deref().map(str::to_owned),
                names: svc
                    .names
                    .0
                    .iter()
                    .filter_map(|n| n.0.as_deref().map(str::to_owned))
                    .collect(),
                type_: svc.type_.0.as_deref().map(str::to_owned),
                account_id: svc.account_id.0.as_deref().map(str::to_owned),
                state: svc.state.0.as_deref().map(str::to_owned),
                root: svc.root.0.unwrap_or(false),
                start: svc.start.0,
                end: svc.end.0,
                summary: svc.stats.0.as_ref().map(stats),
                response_time_histogram: histogram(&svc.response_time_histogram),
                duration_histogram: histogram(&svc.duration_histogram),
            });
        }
        if g.start.is_none() {
            g.start = g.nodes.iter().filter_map(|n| n.start).min();
        }
        if g.end.is_none() {
            g.end = g.nodes.iter().filter_map(|n| n.end).max();
        }
        match graphs.last_mut() {
            Some(prev) if prev.start == g.start && prev.end == g.end => {
                prev.nodes.extend(g.nodes);
                prev.edges.extend(g.edges);
            }
            _ => graphs.push(g),
        }
    }
    out.service_graphs.extend(graphs);
}

// ---------------------------------------------------------------------------------------------
// Span emission
// ---------------------------------------------------------------------------------------------

/// A top-level segment document.
struct Root<'n> {
    node: &'n Node<'n>,
    /// Trace ID of the enclosing BatchGetTraces trace, for a document that lacks `trace_id`.
    hint: Option<&'n str>,
}

/// What a top-level document says about all its spans.
struct RootInfo<'n> {
    node: &'n Node<'n>,
    trace_id: Option<&'n str>,
    segment_id: Option<&'n str>,
    origin: Option<&'n str>,
    /// An independent subsegment (or a bare subsegment fragment): segment and origin come
    /// from its parent.
    independent: bool,
}

/// One span met while walking the documents.
struct Flat<'n> {
    node: &'n Node<'n>,
    id: &'n str,
    parent_id: Option<&'n str>,
    root: usize,
    kind: &'static str,
    top_level: bool,
    start: Option<i64>,
    end: Option<i64>,
    keep: bool,
}

impl Flat<'_> {
    fn completed(&self) -> bool {
        self.end.is_some() && !self.node.in_progress
    }
}

fn push_top<'n>(
    top: &'n Top<'n>,
    hint: Option<&'n str>,
    roots: &mut Vec<Root<'n>>,
    out: &mut Batch,
) {
    match top {
        Top::One(n) => {
            if !n.is_header() {
                roots.push(Root { node: n, hint });
            }
        }
        Top::Many(list, bad) => {
            for n in list {
                if !n.is_header() {
                    roots.push(Root { node: n, hint });
                }
            }
            out.records += u64::from(*bad);
            for _ in 0..*bad {
                out.skip(SkipReason::BadValue);
            }
        }
        Top::NotObject => {
            out.records += 1;
            out.skip(SkipReason::BadValue);
        }
    }
}

fn emit_spans(roots: &[Root<'_>], ctx: &ParseContext, out: &mut Batch) {
    let mut infos: Vec<RootInfo<'_>> = Vec::with_capacity(roots.len());
    let mut flats: Vec<Flat<'_>> = Vec::new();
    let mut index: HashMap<(Option<&str>, &str), usize> = HashMap::new();
    let mut stack: Vec<(&Node<'_>, Option<&str>, bool)> = Vec::new();

    for root in roots {
        let n = root.node;
        let trace_id = n.trace_id.as_deref().or(root.hint);
        let kind = if n.inferred {
            KIND_INFERRED
        } else if n.type_.as_deref() == Some("subsegment")
            || trace_id.is_none()
            || n.namespace.is_some()
        {
            KIND_SUBSEGMENT
        } else {
            KIND_SEGMENT
        };
        let independent = kind == KIND_SUBSEGMENT;
        let ri = infos.len();
        infos.push(RootInfo {
            node: n,
            trace_id,
            segment_id: if independent { None } else { n.id.as_deref() },
            origin: if independent {
                None
            } else {
                n.origin.as_deref()
            },
            independent,
        });

        stack.clear();
        stack.push((n, n.parent_id.as_deref(), true));
        while let Some((node, parent_id, top_level)) = stack.pop() {
            out.records += 1;
            // Children are pushed in reverse so that they come out in document order.
            let own_id = node.id.as_deref();
            for c in node.children.iter().rev() {
                stack.push((c, own_id, false));
            }
            let extra = u64::from(node.not_objects) + u64::from(node.capped);
            out.records += extra;
            for _ in 0..node.not_objects {
                out.skip(SkipReason::BadValue);
            }
            for _ in 0..node.capped {
                out.skip(SkipReason::Unsupported);
            }
            let Some(id) = own_id else {
                out.skip(SkipReason::MissingField);
                continue;
            };
            let start = node.start.and_then(from_epoch_secs_f64);
            let end = node.end.and_then(from_epoch_secs_f64);
            let f = Flat {
                node,
                id,
                parent_id,
                root: ri,
                kind: if top_level { kind } else { KIND_SUBSEGMENT },
                top_level,
                start,
                end,
                keep: true,
            };
            let fi = flats.len();
            match index.entry((trace_id, id)) {
                Entry::Vacant(v) => {
                    v.insert(fi);
                    flats.push(f);
                }
                Entry::Occupied(mut o) => {
                    out.skip(SkipReason::Duplicate);
                    let prev = *o.get();
                    if !flats[prev].completed() && f.completed() {
                        flats[prev].keep = false;
                        o.insert(fi);
                        flats.push(f);
                    }
                }
            }
        }
    }

    // Independent subsegments: segment and origin from the parent, followed up the chain.
    for ri in 0..infos.len() {
        if !infos[ri].independent {
            continue;
        }
        let trace_id = infos[ri].trace_id;
        let mut parent = infos[ri].node.parent_id.as_deref();
        let first_parent = parent;
        let mut resolved = None;
        for _ in 0..64 {
            let Some(p) = parent else { break };
            let Some(&fi) = index.get(&(trace_id, p)) else {
                break;
            };
            let pi = flats[fi].root;
            if pi == ri {
                break;
            }
            if !infos[pi].independent {
                resolved = Some((infos[pi].segment_id, infos[pi].origin));
                break;
            }
            parent = infos[pi].node.parent_id.as_deref();
        }
        let (seg, origin) = resolved.unwrap_or((first_parent, None));
        infos[ri].segment_id = seg;
        infos[ri].origin = origin;
    }

    for f in flats.iter().filter(|f| f.keep) {
        let info = &infos[f.root];
        let n = f.node;
        let http = n.http.as_ref();
        let aws = n.aws.as_ref();
        let resource = resource_of(n, f.kind);
        out.spans.push(&SpanRow {
            trace_id: info.trace_id,
            id: Some(f.id),
            parent_id: f.parent_id,
            segment_id: info.segment_id,
            name: n.name.as_deref(),
            origin: info.origin,
            kind: Some(f.kind),
            namespace: n.namespace.as_deref(),
            start: f.start,
            end: f.end,
            duration_ms: duration_ms(f.start, f.end),
            http_status: http
                .and_then(|h| h.response.0.as_ref())
                .and_then(|r| num_to_i64(r.status.0)),
            http_method: http
                .and_then(|h| h.request.0.as_ref())
                .and_then(|r| r.method.0.as_deref()),
            http_url: http
                .and_then(|h| h.request.0.as_ref())
                .and_then(|r| r.url.0.as_deref()),
            error: Some(n.error),
            fault: Some(n.fault),
            throttle: Some(n.throttle),
            in_progress: Some(n.in_progress || f.end.is_none()),
            aws_operation: aws.and_then(|a| a.operation.0.as_deref()),
            resource: resource.as_deref(),
            request_id: aws.and_then(|a| {
                a.request_id.0.as_deref().or_else(|| {
                    a.api_gateway
                        .0
                        .as_ref()
                        .and_then(|g| g.request_id.0.as_deref())
                })
            }),
            annotations: n.annotations.0.as_deref(),
            cause: n.cause.0.as_deref(),
        });

        if f.top_level
            && f.kind == KIND_SEGMENT
            && info.origin == Some(ORIGIN_FUNCTION)
            && let Some(fact) = function_fact(f, info, &flats, &infos, &index, ctx)
        {
            out.facts.push(fact);
        }
    }
}

/// The invocation fact of an `AWS::Lambda::Function` segment, when its request ID is known:
/// its own `aws.request_id`, else the `aws.request_id` of the `AWS::Lambda` segment its parent
/// belongs to (the parent is that segment or one of its subsegments, e.g. `Attempt #1`).
fn function_fact(
    f: &Flat<'_>,
    info: &RootInfo<'_>,
    flats: &[Flat<'_>],
    infos: &[RootInfo<'_>],
    index: &HashMap<(Option<&str>, &str), usize>,
    ctx: &ParseContext,
) -> Option<InvocationFact> {
    let n = f.node;
    let own = n.aws.as_ref().and_then(|a| a.request_id.0.as_deref());
    let from_parent = || {
        let p = f.parent_id?;
        let fi = *index.get(&(info.trace_id, p))?;
        let pinfo = &infos[flats[fi].root];
        if pinfo.origin != Some(ORIGIN_LAMBDA) {
            return None;
        }
        pinfo
            .node
            .aws
            .as_ref()
            .and_then(|a| a.request_id.0.as_deref())
    };
    let request_id = own.or_else(from_parent)?;
    let init_ms = n
        .children
        .iter()
        .find(|c| c.name.as_deref() == Some("Initialization"))
        .and_then(|c| {
            duration_ms(
                c.start.and_then(from_epoch_secs_f64),
                c.end.and_then(from_epoch_secs_f64),
            )
        });
    let arn = n
        .resource_arn
        .as_deref()
        .or_else(|| n.aws.as_ref().and_then(|a| a.function_arn.0.as_deref()))
        .and_then(LambdaArn::parse);
    let function = n
        .name
        .as_deref()
        .filter(|s| !s.is_empty())
        .or(arn.as_ref().map(|a| a.function));
    let account = n
        .aws
        .as_ref()
        .and_then(|a| a.account_id.0.as_deref())
        .or(arn.as_ref().map(|a| a.account))
        .filter(|s| !s.is_empty());
    let mut fact = InvocationFact::new(
        request_id,
        FactKind::Segment {
            start: f.start,
            duration_ms: duration_ms(f.start, f.end),
            init_ms,
            failed: n.fault || n.error,
            trace_id: info.trace_id.map(str::to_owned),
        },
    );
    fact.ts = f.start;
    fact.function = function.map(Arc::from);
    fact.region = arn
        .as_ref()
        .map(|a| a.region)
        .filter(|s| !s.is_empty())
        .or(ctx.region.as_deref())
        .map(Arc::from);
    fact.account = account.or(ctx.account.as_deref()).map(Arc::from);
    Some(fact)
}

/// The parts of `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
struct LambdaArn<'a> {
    region: &'a str,
    account: &'a str,
    function: &'a str,
}

impl<'a> LambdaArn<'a> {
    fn parse(arn: &'a str) -> Option<Self> {
        let mut it = arn.split(':');
        if it.next()? != "arn" {
            return None;
        }
        let _partition = it.next()?;
        if it.next()? != "lambda" {
            return None;
        }
        let region = it.next()?;
        let account = it.next()?;
        if it.next()? != "function" {
            return None;
        }
        let function = it.next().filter(|s| !s.is_empty())?;
        Some(LambdaArn {
            region,
            account,
            function,
        })
    }
}

/// The resource a span touches: DynamoDB table, SQS queue URL, SNS topic ARN, Lambda function,
/// S3 bucket, Kinesis stream, else the SQL URL (credentials removed), else the host of a remote
/// or inferred HTTP call, else `resource_arn` / `aws.function_arn`.
fn resource_of<'n>(n: &'n Node<'n>, kind: &str) -> Option<Cow<'n, str>> {
    if let Some(a) = &n.aws {
        let direct = [
            &a.table_name,
            &a.queue_url,
            &a.topic_arn,
            &a.function_name,
            &a.bucket_name,
            &a.stream_name,
        ]
        .into_iter()
        .find_map(|s| s.0.as_deref().filter(|s| !s.is_empty()));
        if let Some(s) = direct {
            return Some(Cow::Borrowed(s));
        }
    }
    if let Some(url) = n
        .sql
        .as_ref()
        .and_then(|s| s.url.0.as_deref())
        .filter(|s| !s.is_empty())
    {
        return Some(strip_userinfo(url));
    }
    if n.namespace.as_deref() == Some("remote") || kind == KIND_INFERRED {
        let host = n
            .http
            .as_ref()
            .and_then(|h| h.request.0.as_ref())
            .and_then(|r| r.url.0.as_deref())
            .and_then(url_host);
        if let Some(h) = host {
            return Some(Cow::Borrowed(h));
        }
    }
    n.resource_arn
        .as_deref()
        .or_else(|| n.aws.as_ref().and_then(|a| a.function_arn.0.as_deref()))
        .filter(|s| !s.is_empty())
        .map(Cow::Borrowed)
}

/// The authority part of `scheme://[user@]authority/path` and where it starts.
fn authority(url: &str) -> Option<(usize, &str)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some((start, &rest[..end]))
}

/// Host of a URL, without user info and port.
fn url_host(url: &str) -> Option<&str> {
    let (_, auth) = authority(url)?;
    let host_port = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.find(']').map_or(host_port, |i| &host_port[..=i])
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    (!host.is_empty()).then_some(host)
}

/// A URL with any `user:password@` removed.
fn strip_userinfo(url: &str) -> Cow<'_, str> {
    match authority(url) {
        Some((start, auth)) => match auth.rfind('@') {
            Some(at) => Cow::Owned(format!("{}{}", &url[..start], &url[start + at + 1..])),
            None => Cow::Borrowed(url),
        },
        None => Cow::Borrowed(url),
    }
}

fn duration_ms(start: Option<i64>, end: Option<i64>) -> Option<f64> {
    match (start, end) {
        (Some(s), Some(e)) => Some((e - s) as f64 / 1000.0),
        _ => None,
    }
}

/// Seconds (a duration) to µs.
fn from_secs_delta(s: f64) -> Option<i64> {
    (s.is_finite() && s.abs() < 1e11).then(|| (s * 1_000_000.0).round() as i64)
}

/// Round a millisecond figure to the microsecond.
fn round_us(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

fn num_to_i64(n: Option<f64>) -> Option<i64> {
    n.filter(|v| v.is_finite() && v.abs() < 9.0e15)
        .map(|v| v.round() as i64)
}

fn num_to_u64(n: Option<f64>) -> u64 {
    n.filter(|v| v.is_finite() && *v > 0.0 && *v < 1.8e19)
        .map_or(0, |v| v.round() as u64)
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

fn reason_of(e: &serde_json::Error) -> SkipReason {
    match e.classify() {
        serde_json::error::Category::Data => SkipReason::BadValue,
        _ => SkipReason::MalformedJson,
    }
}

/// Read whitespace-separated JSON values one after another (one document, pages concatenated,
/// or JSON Lines). A value that does not parse is counted once; reading resumes at the next
/// line that starts with `{` or `[` in its first column.
fn for_each_value<'a, T: Deserialize<'a>>(input: &'a [u8], out: &mut Batch, mut f: impl FnMut(T)) {
    let mut pos = 0usize;
    while pos < input.len() {
        let rest = &input[pos..];
        let mut it = serde_json::Deserializer::from_slice(rest).into_iter::<T>();
        loop {
            match it.next() {
                None => return,
                Some(Ok(v)) => f(v),
                Some(Err(e)) => {
                    out.records += 1;
                    out.skip(reason_of(&e));
                    let failed = pos + it.byte_offset();
                    let value_start = input[failed..]
                        .iter()
                        .position(|c| !c.is_ascii_whitespace())
                        .map_or(input.len(), |i| failed + i);
                    pos = next_line_start(input, value_start + 1);
                    break;
                }
            }
        }
    }
}

/// Offset of the first line at or after `from` whose first byte is `{` or `[`.
fn next_line_start(input: &[u8], from: usize) -> usize {
    let mut i = from.min(input.len());
    while let Some(nl) = memchr::memchr(b'\n', &input[i..]) {
        let s = i + nl + 1;
        if matches!(input.get(s), Some(b'{' | b'[')) {
            return s;
        }
        i = s;
    }
    input.len()
}

fn stats(s: &RawStats) -> ServiceStats {
    let ok = num_to_u64(s.ok.0);
    let (err_total, throttle, err_other) = match &s.errors.0 {
        Some(e) => (e.total.0, num_to_u64(e.throttle.0), num_to_u64(e.other.0)),
        None => (None, 0, 0),
    };
    let error_count = match err_total {
        Some(t) => num_to_u64(Some(t)),
        None => throttle + err_other,
    };
    let fault_count = match &s.faults.0 {
        Some(f) => match f.total.0 {
            Some(t) => num_to_u64(Some(t)),
            None => num_to_u64(f.other.0),
        },
        None => 0,
    };
    let requests = match s.total.0 {
        Some(t) => num_to_u64(Some(t)),
        None => ok + error_count + fault_count,
    };
    ServiceStats {
        requests,
        ok,
        error_count,
        fault_count,
        throttle_count: throttle,
        total_response_time: s
            .total_response_time
            .0
            .filter(|v| v.is_finite())
            .unwrap_or(0.0),
    }
}

fn histogram(h: &LVec<Obj<HistEntry>>) -> Vec<(f64, u64)> {
    h.0.iter()
        .filter_map(|e| e.0.as_ref())
        .filter_map(|e| Some((e.value.0.filter(|v| v.is_finite())?, num_to_u64(e.count.0))))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Segment documents: a tree read with a depth cap
// ---------------------------------------------------------------------------------------------

/// One segment or subsegment, borrowed from the input where possible.
#[derive(Debug, Default)]
struct Node<'a> {
    id: Option<Cow<'a, str>>,
    trace_id: Option<Cow<'a, str>>,
    parent_id: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    origin: Option<Cow<'a, str>>,
    type_: Option<Cow<'a, str>>,
    namespace: Option<Cow<'a, str>>,
    resource_arn: Option<Cow<'a, str>>,
    start: Option<f64>,
    end: Option<f64>,
    in_progress: bool,
    inferred: bool,
    error: bool,
    fault: bool,
    throttle: bool,
    http: Option<Http<'a>>,
    aws: Option<Aws<'a>>,
    sql: Option<Sql<'a>>,
    annotations: Annotations,
    cause: CauseText<'a>,
    children: Vec<Node<'a>>,
    /// Elements of `subsegments` that were not objects.
    not_objects: u32,
    /// Direct children not read because of the depth cap.
    capped: u32,
    /// Saw a `format` or `version` key (a daemon header).
    header_keys: bool,
}

impl Node<'_> {
    /// A daemon header `{"format":"json","version":1}`: header keys and no span fields.
    fn is_header(&self) -> bool {
        self.header_keys
            && self.id.is_none()
            && self.trace_id.is_none()
            && self.name.is_none()
            && self.start.is_none()
    }
}

/// A top-level JSON value of a segment-documents input.
enum Top<'a> {
    One(Node<'a>),
    /// An array of documents, and how many of its elements were not objects.
    Many(Vec<Node<'a>>, u32),
    NotObject,
}

impl<'de: 'a, 'a> Deserialize<'de> for Top<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a segment document or an array of them")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(match (NodeVisitor { depth: 0 }).visit_map(map)? {
            Some(n) => Top::One(n),
            None => Top::NotObject,
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::new();
        let mut bad = 0u32;
        while let Some(item) = seq.next_element_seed(NodeSeed { depth: 0 })? {
            match item {
                Some(n) => v.push(n),
                None => bad = bad.saturating_add(1),
            }
        }
        Ok(Top::Many(v, bad))
    }
    ignore_scalars!(Top::NotObject);
}

/// Reads one node at `depth` (0 = top-level document); `None` for a value that is not an object.
struct NodeSeed {
    depth: u32,
}

impl<'de> DeserializeSeed<'de> for NodeSeed {
    type Value = Option<Node<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(NodeVisitor { depth: self.depth })
    }
}

struct NodeVisitor {
    depth: u32,
}

/// Keys of a segment document that Skylens reads.
enum Key {
    Id,
    TraceId,
    ParentId,
    Name,
    Origin,
    Type,
    Namespace,
    ResourceArn,
    StartTime,
    EndTime,
    InProgress,
    Inferred,
    Error,
    Fault,
    Throttle,
    Http,
    Aws,
    Sql,
    Annotations,
    Cause,
    Subsegments,
    Header,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KV;
        impl Visitor<'_> for KV {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "id" => Key::Id,
                    "trace_id" => Key::TraceId,
                    "parent_id" => Key::ParentId,
                    "name" => Key::Name,
                    "origin" => Key::Origin,
                    "type" => Key::Type,
                    "namespace" => Key::Namespace,
                    "resource_arn" => Key::ResourceArn,
                    "start_time" => Key::StartTime,
                    "end_time" => Key::EndTime,
                    "in_progress" => Key::InProgress,
                    "inferred" => Key::Inferred,
                    "error" => Key::Error,
                    "fault" => Key::Fault,
                    "throttle" => Key::Throttle,
                    "http" => Key::Http,
                    "aws" => Key::Aws,
                    "sql" => Key::Sql,
                    "annotations" => Key::Annotations,
                    "cause" => Key::Cause,
                    "subsegments" => Key::Subsegments,
                    "format" | "version" => Key::Header,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(KV)
    }
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Option<Node<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a segment document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut n = Node::default();
        while let Some(k) = map.next_key::<Key>()? {
            match k {
                Key::Id => n.id = map.next_value::<LStr<'de>>()?.0,
                Key::TraceId => n.trace_id = map.next_value::<LStr<'de>>()?.0,
                Key::ParentId => n.parent_id = map.next_value::<LStr<'de>>()?.0,
                Key::Name => n.name = map.next_value::<LStr<'de>>()?.0,
                Key::Origin => n.origin = map.next_value::<LStr<'de>>()?.0,
                Key::Type => n.type_ = map.next_value::<LStr<'de>>()?.0,
                Key::Namespace => n.namespace = map.next_value::<LStr<'de>>()?.0,
                Key::ResourceArn => n.resource_arn = map.next_value::<LStr<'de>>()?.0,
                Key::StartTime => n.start = map.next_value::<LNum>()?.0,
                Key::EndTime => n.end = map.next_value::<LNum>()?.0,
                Key::InProgress => n.in_progress = map.next_value::<LBool>()?.0.unwrap_or(false),
                Key::Inferred => n.inferred = map.next_value::<LBool>()?.0.unwrap_or(false),
                Key::Error => n.error = map.next_value::<LBool>()?.0.unwrap_or(false),
                Key::Fault => n.fault = map.next_value::<LBool>()?.0.unwrap_or(false),
                Key::Throttle => n.throttle = map.next_value::<LBool>()?.0.unwrap_or(false),
                Key::Http => n.http = map.next_value::<Obj<Http<'de>>>()?.0,
                Key::Aws => n.aws = map.next_value::<Obj<Aws<'de>>>()?.0,
                Key::Sql => n.sql = map.next_value::<Obj<Sql<'de>>>()?.0,
                Key::Annotations => n.annotations = map.next_value::<Annotations>()?,
                Key::Cause => n.cause = map.next_value::<CauseText<'de>>()?,
                Key::Subsegments => {
                    let c = map.next_value_seed(ChildrenSeed {
                        depth: self.depth + 1,
                    })?;
                    n.children = c.nodes;
                    n.not_objects = n.not_objects.saturating_add(c.not_objects);
                    n.capped = n.capped.saturating_add(c.capped);
                }
                Key::Header => {
                    n.header_keys = true;
                    map.next_value::<IgnoredAny>()?;
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(n))
    }
    ignore_scalars!(None);
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[derive(Default)]
struct Children<'a> {
    nodes: Vec<Node<'a>>,
    not_objects: u32,
    capped: u32,
}

/// Reads a `subsegments` array whose elements sit at `depth`.
struct ChildrenSeed {
    depth: u32,
}

impl<'de> DeserializeSeed<'de> for ChildrenSeed {
    type Value = Children<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ChildrenSeed {
    type Value = Children<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of subsegments")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut c = Children::default();
        if self.depth > MAX_SUBSEGMENT_DEPTH {
            // Skipped without recursion: serde_json ignores a value iteratively.
            while seq.next_element::<IgnoredAny>()?.is_some() {
                c.capped = c.capped.saturating_add(1);
            }
            return Ok(c);
        }
        while let Some(item) = seq.next_element_seed(NodeSeed { depth: self.depth })? {
            match item {
                Some(n) => c.nodes.push(n),
                None => c.not_objects = c.not_objects.saturating_add(1),
            }
        }
        Ok(c)
    }
    ignore_scalars!(Children::default());
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Children::default())
    }
}

#[derive(Debug, Deserialize)]
struct Http<'a> {
    #[serde(borrow, default)]
    request: Obj<HttpRequest<'a>>,
    #[serde(default)]
    response: Obj<HttpResponse>,
}

#[derive(Debug, Deserialize)]
struct HttpRequest<'a> {
    #[serde(borrow, default)]
    method: LStr<'a>,
    #[serde(borrow, default)]
    url: LStr<'a>,
}

#[derive(Debug, Deserialize)]
struct HttpResponse {
    #[serde(default)]
    status: LNum,
}

#[derive(Debug, Deserialize)]
struct Aws<'a> {
    #[serde(borrow, default)]
    operation: LStr<'a>,
    #[serde(borrow, default)]
    request_id: LStr<'a>,
    #[serde(borrow, default)]
    table_name: LStr<'a>,
    #[serde(borrow, default)]
    queue_url: LStr<'a>,
    #[serde(borrow, default)]
    topic_arn: LStr<'a>,
    #[serde(borrow, default)]
    function_name: LStr<'a>,
    #[serde(borrow, default)]
    bucket_name: LStr<'a>,
    #[serde(borrow, default)]
    stream_name: LStr<'a>,
    #[serde(borrow, default)]
    function_arn: LStr<'a>,
    #[serde(borrow, default)]
    account_id: LStr<'a>,
    #[serde(borrow, default)]
    api_gateway: Obj<ApiGateway<'a>>,
}

#[derive(Debug, Deserialize)]
struct ApiGateway<'a> {
    #[serde(borrow, default)]
    request_id: LStr<'a>,
}

#[derive(Debug, Deserialize)]
struct Sql<'a> {
    #[serde(borrow, default)]
    url: LStr<'a>,
}

/// `annotations` as compact JSON object text; `None` when absent, empty or not an object.
#[derive(Debug, Default)]
struct Annotations(Option<String>);

impl<'de> Deserialize<'de> for Annotations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Annotations;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an annotations object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Annotations, A::Error> {
                let m = serde_json::Map::<String, serde_json::Value>::deserialize(
                    MapAccessDeserializer::new(map),
                )?;
                if m.is_empty() {
                    return Ok(Annotations(None));
                }
                Ok(Annotations(serde_json::to_string(&m).ok()))
            }
            ignore_scalars!(Annotations(None));
            ignore_seq!(Annotations(None));
        }
        d.deserialize_any(V)
    }
}

/// `cause`: the first exception's message (else its type), or the cause string itself (an
/// exception ID that refers to a child's exception).
#[derive(Debug, Default)]
struct CauseText<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for CauseText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Exc<'a> {
            #[serde(borrow, default)]
            message: LStr<'a>,
            #[serde(borrow, default, rename = "type")]
            type_: LStr<'a>,
        }
        #[derive(Deserialize)]
        struct CauseObj<'a> {
            #[serde(borrow, default)]
            exceptions: LVec<Obj<Exc<'a>>>,
        }
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = CauseText<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a cause object or string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CauseText((!v.is_empty()).then_some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CauseText((!v.is_empty()).then(|| Cow::Owned(v.to_owned()))))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let c = CauseObj::deserialize(MapAccessDeserializer::new(map))?;
                let excs = || c.exceptions.0.iter().filter_map(|e| e.0.as_ref());
                let msg = excs()
                    .find_map(|e| e.message.0.clone().filter(|m| !m.is_empty()))
                    .or_else(|| excs().find_map(|e| e.type_.0.clone().filter(|m| !m.is_empty())));
                Ok(CauseText(msg))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(CauseText(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(CauseText(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(CauseText(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(CauseText(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(CauseText(None))
            }
            ignore_seq!(CauseText(None));
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

// ---------------------------------------------------------------------------------------------
// BatchGetTraces, GetTraceSummaries and GetServiceGraph envelopes
// ---------------------------------------------------------------------------------------------

/// One BatchGetTraces page, or one trace object.
struct TracesPage<'a> {
    traces: Option<LVec<Obj<TraceObj<'a>>>>,
    /// The page read as a single trace (`Id` + `Segments`).
    trace: TraceObj<'a>,
    is_object: bool,
}

#[derive(Deserialize, Default)]
struct TraceObj<'a> {
    #[serde(borrow, default, rename = "Id")]
    id: LStr<'a>,
    #[serde(borrow, default, rename = "Segments")]
    segments: Option<LVec<Obj<TraceSegment<'a>>>>,
}

#[derive(Deserialize)]
struct TraceSegment<'a> {
    #[serde(borrow, default, rename = "Document")]
    document: Doc<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for TracesPage<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw<'a> {
            #[serde(borrow, default, rename = "Traces")]
            traces: Option<LVec<Obj<TraceObj<'a>>>>,
            #[serde(borrow, default, rename = "Id")]
            id: LStr<'a>,
            #[serde(borrow, default, rename = "Segments")]
            segments: Option<LVec<Obj<TraceSegment<'a>>>>,
        }
        let raw: Obj<Raw<'de>> = Obj::deserialize(d)?;
        Ok(match raw.0 {
            Some(r) => TracesPage {
                traces: r.traces,
                trace: TraceObj {
                    id: r.id,
                    segments: r.segments,
                },
                is_object: true,
            },
            None => TracesPage {
                traces: None,
                trace: TraceObj::default(),
                is_object: false,
            },
        })
    }
}

/// A `Document`: a JSON string (the API's shape), or an object / array already parsed.
#[derive(Default)]
enum Doc<'a> {
    #[default]
    Missing,
    Text(Cow<'a, str>),
    Parsed(Top<'a>),
    Bad,
}

impl<'de: 'a, 'a> Deserialize<'de> for Doc<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Doc<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a segment document")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Doc::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Doc::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Doc::Text(Cow::Owned(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Doc::Missing)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Doc::Bad)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Doc::Bad)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Doc::Bad)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Doc::Bad)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                TopVisitor.visit_map(map).map(Doc::Parsed)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                TopVisitor.visit_seq(seq).map(Doc::Parsed)
            }
        }
        d.deserialize_any(V)
    }
}

/// One GetTraceSummaries page.
struct SummariesPage<'a> {
    summaries: Option<LVec<Obj<Summary<'a>>>>,
    is_object: bool,
}

impl<'de: 'a, 'a> Deserialize<'de> for SummariesPage<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw<'a> {
            #[serde(borrow, default, rename = "TraceSummaries")]
            summaries: Option<LVec<Obj<Summary<'a>>>>,
        }
        let raw: Obj<Raw<'de>> = Obj::deserialize(d)?;
        Ok(match raw.0 {
            Some(r) => SummariesPage {
                summaries: r.summaries,
                is_object: true,
            },
            None => SummariesPage {
                summaries: None,
                is_object: false,
            },
        })
    }
}

#[derive(Deserialize)]
struct Summary<'a> {
    #[serde(borrow, default, rename = "Id")]
    id: LStr<'a>,
    #[serde(default, rename = "Duration")]
    duration: LNum,
    #[serde(default, rename = "StartTime")]
    start_time: LTime,
    #[serde(default, rename = "HasError")]
    has_error: LBool,
    #[serde(default, rename = "HasFault")]
    has_fault: LBool,
    #[serde(default, rename = "HasThrottle")]
    has_throttle: LBool,
    #[serde(default, rename = "IsPartial")]
    is_partial: LBool,
    #[serde(borrow, default, rename = "Http")]
    http: Obj<SummaryHttp<'a>>,
    #[serde(default, rename = "Annotations")]
    annotations: SummaryAnnotations,
    #[serde(borrow, default, rename = "EntryPoint")]
    entry_point: Obj<ServiceId<'a>>,
    #[serde(borrow, default, rename = "ServiceIds")]
    service_ids: LVec<Obj<ServiceId<'a>>>,
    #[serde(default, rename = "FaultRootCauses")]
    fault_root_causes: RootCauseText,
    #[serde(default, rename = "ErrorRootCauses")]
    error_root_causes: RootCauseText,
}

#[derive(Deserialize)]
struct SummaryHttp<'a> {
    #[serde(default, rename = "HttpStatus")]
    status: LNum,
    #[serde(borrow, default, rename = "HttpMethod")]
    method: LStr<'a>,
    #[serde(borrow, default, rename = "HttpURL")]
    url: LStr<'a>,
}

#[derive(Deserialize)]
struct ServiceId<'a> {
    #[serde(borrow, default, rename = "Name")]
    name: LStr<'a>,
    #[serde(borrow, default, rename = "Names")]
    names: LVec<LStr<'a>>,
    #[serde(borrow, default, rename = "Type")]
    type_: LStr<'a>,
}

/// Summary `Annotations` (`{key: [{AnnotationValue: {StringValue|NumberValue|BooleanValue}}]}`)
/// as compact JSON: each key to its value, or to an array when there are several.
#[derive(Default)]
struct SummaryAnnotations(Option<String>);

impl<'de> Deserialize<'de> for SummaryAnnotations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        let v = Value::deserialize(d)?;
        let Value::Object(m) = v else {
            return Ok(SummaryAnnotations(None));
        };
        let mut outm = serde_json::Map::new();
        for (k, list) in m {
            let items: Vec<Value> = match list {
                Value::Array(a) => a,
                other => vec![other],
            };
            let mut vals: Vec<Value> = items
                .into_iter()
                .filter_map(|it| {
                    let av = it.get("AnnotationValue")?;
                    ["StringValue", "NumberValue", "BooleanValue"]
                        .iter()
                        .find_map(|t| av.get(*t).filter(|x| !x.is_null()).cloned())
                })
                .collect();
            match vals.len() {
                0 => {}
                1 => {
                    outm.insert(k, vals.pop().unwrap_or(Value::Null));
                }
                _ => {
                    outm.insert(k, Value::Array(vals));
                }
            }
        }
        if outm.is_empty() {
            return Ok(SummaryAnnotations(None));
        }
        Ok(SummaryAnnotations(serde_json::to_string(&outm).ok()))
    }
}

/// The first exception message (else name) of `FaultRootCauses` / `ErrorRootCauses`:
/// `[{Services:[{EntityPath:[{Exceptions:[{Name, Message}]}]}]}]`.
#[derive(Default)]
struct RootCauseText(Option<String>);

impl<'de> Deserialize<'de> for RootCauseText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        let v = Value::deserialize(d)?;
        let arr = |v: &Value, k: &str| -> Vec<Value> {
            v.get(k)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let mut first_name = None;
        for rc in v.as_array().map(Vec::as_slice).unwrap_or(&[]) {
            for svc in arr(rc, "Services") {
                for ent in arr(&svc, "EntityPath") {
                    for ex in arr(&ent, "Exceptions") {
                        if let Some(m) = ex
                            .get("Message")
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty())
                        {
                            return Ok(RootCauseText(Some(m.to_owned())));
                        }
                        if first_name.is_none() {
                            first_name = ex
                                .get("Name")
                                .and_then(Value::as_str)
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned);
                        }
                    }
                }
            }
        }
        Ok(RootCauseText(first_name))
    }
}

/// One GetServiceGraph page.
struct GraphPage<'a> {
    start: LTime,
    end: LTime,
    services: Option<LVec<Obj<RawService<'a>>>>,
    is_object: bool,
}

impl<'de: 'a, 'a> Deserialize<'de> for GraphPage<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw<'a> {
            #[serde(default, rename = "StartTime")]
            start: LTime,
            #[serde(default, rename = "EndTime")]
            end: LTime,
            #[serde(borrow, default, rename = "Services")]
            services: Option<LVec<Obj<RawService<'a>>>>,
        }
        let raw: Obj<Raw<'de>> = Obj::deserialize(d)?;
        Ok(match raw.0 {
            Some(r) => GraphPage {
                start: r.start,
                end: r.end,
                services: r.services,
                is_object: true,
            },
            None => GraphPage {
                start: LTime(None),
                end: LTime(None),
                services: None,
                is_object: false,
            },
        })
    }
}

#[derive(Deserialize)]
struct RawService<'a> {
    #[serde(default, rename = "ReferenceId")]
    reference_id: LNum,
    #[serde(borrow, default, rename = "Name")]
    name: LStr<'a>,
    #[serde(borrow, default, rename = "Names")]
    names: LVec<LStr<'a>>,
    #[serde(borrow, default, rename = "Type")]
    type_: LStr<'a>,
    #[serde(borrow, default, rename = "AccountId")]
    account_id: LStr<'a>,
    #[serde(borrow, default, rename = "State")]
    state: LStr<'a>,
    #[serde(default, rename = "Root")]
    root: LBool,
    #[serde(default, rename = "StartTime")]
    start: LTime,
    #[serde(default, rename = "EndTime")]
    end: LTime,
    #[serde(borrow, default, rename = "Edges")]
    edges: LVec<Obj<RawEdge<'a>>>,
    #[serde(default, rename = "SummaryStatistics")]
    stats: Obj<RawStats>,
    #[serde(default, rename = "ResponseTimeHistogram")]
    response_time_histogram: LVec<Obj<HistEntry>>,
    #[serde(default, rename = "DurationHistogram")]
    duration_histogram: LVec<Obj<HistEntry>>,
}

#[derive(Deserialize)]
struct RawEdge<'a> {
    #[serde(default, rename = "ReferenceId")]
    reference_id: LNum,
    #[serde(default, rename = "StartTime")]
    start: LTime,
    #[serde(default, rename = "EndTime")]
    end: LTime,
    #[serde(default, rename = "SummaryStatistics")]
    stats: Obj<RawStats>,
    #[serde(default, rename = "ResponseTimeHistogram")]
    response_time_histogram: LVec<Obj<HistEntry>>,
    #[serde(borrow, default, rename = "EdgeType")]
    edge_type: LStr<'a>,
}

#[derive(Deserialize)]
struct RawStats {
    #[serde(default, rename = "OkCount")]
    ok: LNum,
    #[serde(default, rename = "TotalCount")]
    total: LNum,
    #[serde(default, rename = "TotalResponseTime")]
    total_response_time: LNum,
    #[serde(default, rename = "ErrorStatistics")]
    errors: Obj<RawCounts>,
    #[serde(default, rename = "FaultStatistics")]
    faults: Obj<RawCounts>,
}

#[derive(Deserialize)]
struct RawCounts {
    #[serde(default, rename = "ThrottleCount")]
    throttle: LNum,
    #[serde(default, rename = "OtherCount")]
    other: LNum,
    #[serde(default, rename = "TotalCount")]
    total: LNum,
}

#[derive(Deserialize)]
struct HistEntry {
    #[serde(default, rename = "Value")]
    value: LNum,
    #[serde(default, rename = "Count")]
    count: LNum,
}

// ---------------------------------------------------------------------------------------------
// Lenient leaf readers: a value of the wrong type reads as absent
// ---------------------------------------------------------------------------------------------

/// A string, borrowed when it has no escapes; anything else reads as `None`.
#[derive(Debug, Default, Clone)]
struct LStr<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for LStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(LStr(Some(Cow::Owned(v))))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(LStr(None))
            }
            ignore_seq!(LStr(None));
            ignore_map!(LStr(None));
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A number, or a string holding one; anything else reads as `None`.
#[derive(Debug, Default, Clone, Copy)]
struct LNum(Option<f64>);

impl<'de> Deserialize<'de> for LNum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LNum;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LNum, E> {
                Ok(LNum(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LNum, E> {
                Ok(LNum(Some(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LNum, E> {
                Ok(LNum(v.is_finite().then_some(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LNum, E> {
                Ok(LNum(v.trim().parse::<f64>().ok().filter(|x| x.is_finite())))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<LNum, E> {
                Ok(LNum(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LNum, E> {
                Ok(LNum(None))
            }
            ignore_seq!(LNum(None));
            ignore_map!(LNum(None));
        }
        d.deserialize_any(V)
    }
}

/// A boolean, or `"true"`/`"false"`, or 0/1; anything else reads as `None`.
#[derive(Debug, Default, Clone, Copy)]
struct LBool(Option<bool>);

impl<'de> Deserialize<'de> for LBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LBool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LBool, E> {
                Ok(LBool(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LBool, E> {
                Ok(LBool(match v {
                    0 => Some(false),
                    1 => Some(true),
                    _ => None,
                }))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LBool, E> {
                Ok(LBool(match v {
                    0 => Some(false),
                    1 => Some(true),
                    _ => None,
                }))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<LBool, E> {
                Ok(LBool(None))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LBool, E> {
                let v = v.trim();
                Ok(LBool(if v.eq_ignore_ascii_case("true") {
                    Some(true)
                } else if v.eq_ignore_ascii_case("false") {
                    Some(false)
                } else {
                    None
                }))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LBool, E> {
                Ok(LBool(None))
            }
            ignore_seq!(LBool(None));
            ignore_map!(LBool(None));
        }
        d.deserialize_any(V)
    }
}

/// A time: epoch seconds (or ms / µs, told apart by size) as a number or numeric string, or an
/// ISO-8601 string; µs since the epoch. Anything else reads as `None`.
#[derive(Debug, Default, Clone, Copy)]
struct LTime(Option<i64>);

impl<'de> Deserialize<'de> for LTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a time")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LTime, E> {
                Ok(LTime(from_epoch_guess(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LTime, E> {
                Ok(LTime(from_epoch_guess(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LTime, E> {
                Ok(LTime(from_epoch_guess(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LTime, E> {
                let t = v.trim();
                Ok(LTime(match t.parse::<f64>() {
                    Ok(n) => from_epoch_guess(n),
                    Err(_) => parse_iso(t),
                }))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<LTime, E> {
                Ok(LTime(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LTime, E> {
                Ok(LTime(None))
            }
            ignore_seq!(LTime(None));
            ignore_map!(LTime(None));
        }
        d.deserialize_any(V)
    }
}

/// An object read as `T`; anything else reads as `None`.
#[derive(Debug)]
struct Obj<T>(Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| Obj(Some(t)))
            }
            ignore_scalars!(Obj(None));
            ignore_seq!(Obj(None));
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// An array of `T`; anything else reads as empty.
#[derive(Debug)]
struct LVec<T>(Vec<T>);

impl<T> Default for LVec<T> {
    fn default() -> Self {
        LVec(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for LVec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = LVec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LVec<T>, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(x) = seq.next_element::<T>()? {
                    v.push(x);
                }
                Ok(LVec(v))
            }
            ignore_scalars!(LVec(Vec::new()));
            ignore_map!(LVec(Vec::new()));
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
#[path = "xray_tests.rs"]
mod tests;
