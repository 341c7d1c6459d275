//! Raw AWS shapes → frame rows.
//!
//! Every parser takes the bytes of one input, a [`ParseContext`], and pushes rows into a
//! [`Batch`]. Fields are matched by key, never by position. Nothing here panics on input:
//! what cannot be read is counted in [`Batch::skipped`] with a [`SkipReason`].
//!
//! | module | what it reads |
//! | --- | --- |
//! | [`detect`] | which format a file is, from its content |
//! | [`cloudwatch`] | FilterLogEvents, GetLogEvents, subscription payloads, JSON Lines of events, raw text |
//! | [`message`] | one CloudWatch message: Lambda platform lines (text and JSON), runtime text formats, Powertools, JSON app logs, API Gateway access logs |
//! | [`lambda`] | START / END / REPORT / INIT / RESTORE / EXTENSION lines, `Task timed out` |
//! | [`xray`] | BatchGetTraces, segment documents, daemon raw format, GetTraceSummaries, GetServiceGraph |
//! | [`cost`] | Cost Explorer GetCostAndUsage and GetTags; CUR legacy CSV and CUR 2.0 (CSV, Parquet) |
//! | [`time`] | timestamps in every form AWS writes them |

pub mod cloudwatch;
pub mod cost;
pub mod detect;
pub mod lambda;
pub mod message;
pub mod time;
pub mod xray;

use std::collections::BTreeMap;

use crate::model::builders::{CostsBuilder, LogsBuilder, SpansBuilder};
use crate::model::facts::InvocationFact;

pub use detect::Format;

/// Why an input line or record was skipped. Every skip is counted and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The bytes are not UTF-8.
    InvalidUtf8,
    /// JSON that does not parse (truncated, malformed).
    MalformedJson,
    /// JSON that parses but lacks a required key or has it with the wrong type.
    MissingField,
    /// A value of the wrong type or out of range (a timestamp that is not a time, …).
    BadValue,
    /// A line longer than [`MAX_LINE_BYTES`].
    LineTooLong,
    /// A record repeated within the same input (same event ID / segment ID).
    Duplicate,
    /// A line of a known shape that carries nothing to store (blank, `...` elision).
    Empty,
    /// A record of a recognised format but an unsupported variant.
    Unsupported,
    /// A CSV row that does not match its header.
    MalformedCsv,
    /// Binary content (NUL bytes, not text).
    Binary,
}

impl SkipReason {
    /// The reason as printed to the user.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::InvalidUtf8 => "invalid_utf8",
            SkipReason::MalformedJson => "malformed_json",
            SkipReason::MissingField => "missing_field",
            SkipReason::BadValue => "bad_value",
            SkipReason::LineTooLong => "line_too_long",
            SkipReason::Duplicate => "duplicate",
            SkipReason::Empty => "empty",
            SkipReason::Unsupported => "unsupported",
            SkipReason::MalformedCsv => "malformed_csv",
            SkipReason::Binary => "binary",
        }
    }
}

/// Lines longer than this (1 MiB) are skipped with [`SkipReason::LineTooLong`]. CloudWatch caps
/// an event at 256 KiB, so a longer line is not a CloudWatch event.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// What the caller knows about an input that the input may not say itself.
#[derive(Debug, Clone, Default)]
pub struct ParseContext {
    /// Log group for CloudWatch outputs that don't carry one (`--log-group`).
    pub log_group: Option<String>,
    /// Log stream, when known from outside.
    pub log_stream: Option<String>,
    /// Region, when known from outside (a pull).
    pub region: Option<String>,
    /// Account, when known from outside (a pull).
    pub account: Option<String>,
}

/// Everything parsed from one or more inputs: rows for each frame, invocation facts, skips.
#[derive(Default)]
pub struct Batch {
    /// Rows of the `logs` frame.
    pub logs: LogsBuilder,
    /// Rows of the `spans` frame.
    pub spans: SpansBuilder,
    /// Rows of the `costs` frame.
    pub costs: CostsBuilder,
    /// Facts the invocation assembler turns into the `invocations` frame.
    pub facts: Vec<InvocationFact>,
    /// Parsed GetServiceGraph responses (aggregates, kept beside the frames).
    pub service_graphs: Vec<xray::ServiceGraph>,
    /// Tag keys listed by Cost Explorer GetTags.
    pub tag_keys: Vec<String>,
    /// Records skipped, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Records read (accepted or skipped), for the report.
    pub records: u64,
}

impl Batch {
    /// Count one skipped record.
    pub fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason).or_insert(0) += 1;
    }

    /// Total skipped records.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Whether nothing at all was read into a frame or a fact.
    pub fn is_empty(&self) -> bool {
        self.logs.is_empty()
            && self.spans.is_empty()
            && self.costs.is_empty()
            && self.facts.is_empty()
            && self.service_graphs.is_empty()
            && self.tag_keys.is_empty()
    }
}

/// Whether `b` holds a control character (serde rejects them raw inside a JSON string).
#[inline]
pub(crate) fn has_control(b: &[u8]) -> bool {
    // A fold rather than `any`: no early exit, so it compiles to vector code.
    b.iter().fold(false, |acc, &c| acc | (c < 0x20))
}

/// Parse one input whose format is known.
pub fn parse(format: Format, input: &[u8], ctx: &ParseContext, out: &mut Batch) {
    match format {
        Format::CloudWatchEvents => cloudwatch::parse_events_json(input, ctx, out),
        Format::CloudWatchSubscription => cloudwatch::parse_subscription(input, ctx, out),
        Format::CloudWatchEventLines => cloudwatch::parse_event_lines(input, ctx, out),
        Format::LogText => cloudwatch::parse_text(input, ctx, out),
        Format::LogJsonLines => cloudwatch::parse_json_lines(input, ctx, out),
        Format::LogJsonArray => cloudwatch::parse_json_records(input, ctx, out),
        Format::XrayTraces => xray::parse_batch_get_traces(input, ctx, out),
        Format::XraySegments => xray::parse_segment_documents(input, ctx, out),
        Format::XrayDaemonRaw => xray::parse_daemon_raw(input, ctx, out),
        Format::XrayTraceSummaries => xray::parse_trace_summaries(input, ctx, out),
        Format::XrayServiceGraph => xray::parse_service_graph(input, ctx, out),
        Format::CostAndUsage => cost::parse_cost_and_usage(input, ctx, out),
        Format::CostTags => cost::parse_tags(input, ctx, out),
        Format::CurCsv => cost::parse_cur_csv(input, ctx, out),
        Format::CurParquet => cost::parse_cur_parquet(input, ctx, out),
        Format::Unknown => out.skip(SkipReason::Unsupported),
        Format::Binary => out.skip(SkipReason::Binary),
        Format::Empty => {}
    }
}
