//! The types the UI sends and receives. TypeScript declarations are generated from these
//! (`ui/src/api/types.ts`, checked by `app::bindings::tests`); change them together.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An error as it crosses the wire: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WireError {
    /// Stable machine-readable code (`not_found`, `invalid_input`, `io`, …).
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
}

impl From<crate::Error> for WireError {
    fn from(e: crate::Error) -> Self {
        WireError {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// A time range, ISO-8601 UTC; a missing end is open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TimeRange {
    /// Start (inclusive).
    #[serde(default)]
    pub from: Option<String>,
    /// End (exclusive).
    #[serde(default)]
    pub to: Option<String>,
}

/// Which report to run, over which range, with which options (as on the command line).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct ReportRequest {
    /// Report name (`latency`, `spend-daily`, …; see [`ReportInfo`]).
    pub name: String,
    /// The time range.
    #[serde(default)]
    pub range: TimeRange,
    /// Time-series bucket (`5m`, `1h`); automatic when absent.
    #[serde(default)]
    pub bucket: Option<String>,
    /// Cost grouping (`tag:team`, `service`); every grouping when absent.
    #[serde(default)]
    pub by: Option<String>,
    /// Cost metric; `UnblendedCost` when absent.
    #[serde(default)]
    pub metric: Option<String>,
    /// Histogram bin width in ms; 100 when absent.
    #[serde(default)]
    pub bin_ms: Option<f64>,
}

/// The kind of a column's values, so the UI can align and format them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Text.
    Text,
    /// A number.
    Number,
    /// True or false.
    Bool,
    /// A time, ISO-8601 UTC text.
    Time,
}

/// A table of values, as the CLI's `--format json` gives it, but column-major headers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Table {
    /// What produced it (a report name, `overview`, `investigate`).
    pub name: String,
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Column kinds, in the same order.
    pub kinds: Vec<ColumnKind>,
    /// Rows; each value is a string, a number, a boolean or null.
    #[ts(type = "Array<Array<string | number | boolean | null>>")]
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// A report the UI can ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReportInfo {
    /// Name.
    pub name: String,
    /// One line about it.
    pub about: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
}

/// A chart the UI can ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChartInfo {
    /// Name.
    pub name: String,
    /// One line about it.
    pub about: String,
}

/// An image format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImageKind {
    /// SVG.
    Svg,
    /// PNG.
    Png,
}

/// A chart to draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChartRequest {
    /// Chart name (`cold-start-histogram`, `latency`, `spend`, `service-map`).
    pub name: String,
    /// Image format.
    pub format: ImageKind,
    /// Range and options, as for reports (its `name` is ignored).
    #[serde(default)]
    pub options: ReportRequest,
}

/// A drawn chart. SVG comes as text; PNG as base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChartImage {
    /// Chart name.
    pub name: String,
    /// `image/svg+xml` or `image/png`.
    pub mime: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Data rows drawn (0: the chart says there is no data).
    pub rows: u32,
    /// The SVG text, or the PNG bytes in base64.
    pub data: String,
    /// A file name to save it as.
    pub filename: String,
}

/// A table export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// Spreadsheet-safe CSV.
    Csv,
    /// JSON array of objects.
    Json,
    /// Parquet.
    Parquet,
}

/// A report to export as a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ExportRequest {
    /// The report and its options.
    pub report: ReportRequest,
    /// The format.
    pub format: ExportKind,
}

/// A file to hand to the user: name, type and bytes (base64).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FileData {
    /// Suggested file name.
    pub filename: String,
    /// Media type.
    pub mime: String,
    /// Contents, base64.
    pub base64: String,
}

/// Rows in each frame of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FrameCount {
    /// Frame name.
    pub frame: String,
    /// Rows.
    pub rows: u32,
}

/// What the open workspace holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct WorkspaceInfo {
    /// Its directory.
    pub path: String,
    /// Rows per frame.
    pub frames: Vec<FrameCount>,
    /// First invocation, span or log time, ISO-8601.
    pub first: Option<String>,
    /// Last one.
    pub last: Option<String>,
    /// Imports and pulls recorded in the manifest.
    pub sources: u32,
    /// The functions seen.
    pub functions: Vec<String>,
}

/// One function's sparkline: one point per time bucket of the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Sparkline {
    /// Function name.
    pub function: String,
    /// Invocations per bucket.
    pub invocations: Vec<f64>,
    /// p99 latency per bucket (null: no invocation in it).
    pub p99_ms: Vec<Option<f64>>,
}

/// The overview screen: one row per function, sparklines and totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Overview {
    /// function, invocations, errors, error_rate, cold_starts, cold_start_rate, p50_ms,
    /// p99_ms, est_total_usd, usd_per_million.
    pub functions: Table,
    /// Start of each sparkline bucket, ISO-8601.
    pub buckets: Vec<String>,
    /// Bucket width (`5m`, `1h`).
    pub bucket: String,
    /// Per function.
    pub sparklines: Vec<Sparkline>,
    /// Total invocations.
    pub invocations: f64,
    /// Total errors.
    pub errors: f64,
    /// Total cold starts.
    pub cold_starts: f64,
    /// Estimated Lambda cost of the range, USD.
    pub est_lambda_usd: f64,
    /// Spend by service from Cost Explorer / CUR (the `spend` report `--by service`).
    pub spend_by_service: Table,
}

/// A node of the laid-out service map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MapNode {
    /// Index, referred to by edges.
    pub id: u32,
    /// Service name.
    pub service: String,
    /// Node type (`client`, `AWS::Lambda::Function`, `AWS::DynamoDB::Table`, …).
    pub node_type: String,
    /// Requests received.
    pub requests: f64,
    /// Requests with a 4xx error (throttles included, as X-Ray counts them).
    pub errors: f64,
    /// Requests with a fault (5xx).
    pub faults: f64,
    /// Throttled requests.
    pub throttles: f64,
    /// Median latency.
    pub p50_ms: Option<f64>,
    /// p99 latency.
    pub p99_ms: Option<f64>,
    /// Shares of requests ok / error / fault / throttle, summing to 1 (all 0 without requests).
    pub health: Health,
    /// Layer (column), left to right.
    pub layer: u32,
    /// Position in the layer, top to bottom.
    pub row: u32,
}

/// Shares of requests by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Health {
    /// Share ok.
    pub ok: f64,
    /// Share with a 4xx error (not throttled).
    pub error: f64,
    /// Share with a fault.
    pub fault: f64,
    /// Share throttled.
    pub throttle: f64,
}

/// An edge of the laid-out service map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MapEdge {
    /// Caller node id.
    pub source: u32,
    /// Called node id.
    pub target: u32,
    /// Calls.
    pub requests: f64,
    /// Calls with a 4xx error.
    pub errors: f64,
    /// Calls with a fault.
    pub faults: f64,
    /// Throttled calls.
    pub throttles: f64,
    /// p99 latency.
    pub p99_ms: Option<f64>,
    /// Whether at least 1% of its calls failed (fault, error or throttle): drawn in red.
    pub failing: bool,
    /// Waypoints (layer, row) for edges that skip layers, in order.
    pub via: Vec<[u32; 2]>,
    /// Drawn against the flow (it closes a cycle).
    pub back: bool,
}

/// The service map, laid out in layers left to right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ServiceMapView {
    /// Nodes.
    pub nodes: Vec<MapNode>,
    /// Edges.
    pub edges: Vec<MapEdge>,
    /// Number of layers.
    pub layers: u32,
    /// Most slots in one layer.
    pub rows: u32,
}

/// A node of the service map to look into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NodeRequest {
    /// Service name.
    pub service: String,
    /// Node type.
    pub node_type: String,
    /// Range.
    #[serde(default)]
    pub range: TimeRange,
}

/// A service-map node's detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct NodeDetail {
    /// Latency histogram: bin_start_ms, bin_end_ms, count.
    pub histogram: Table,
    /// Slowest requests: start, trace_id, request_id, duration_ms, status.
    pub slowest: Table,
}

/// An ID to investigate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct InvestigateRequest {
    /// A Lambda request ID, an X-Ray trace ID (`1-…` or `Root=…`), an API Gateway request ID
    /// or a correlation ID.
    pub id: String,
    /// More JSON keys holding correlation IDs.
    #[serde(default)]
    pub correlation_keys: Vec<String>,
}

/// One row of the waterfall: a span, or a log line, in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct WaterfallRow {
    /// `segment`, `subsegment`, `inferred` (spans), `log` or `invocation`.
    pub kind: String,
    /// Nesting depth (0: a root segment).
    pub depth: u32,
    /// Span name, or the log line's function / log group.
    pub name: String,
    /// Service (span origin or function).
    pub service: String,
    /// Start, ms after the first row.
    pub offset_ms: f64,
    /// Duration (spans and invocations).
    pub duration_ms: Option<f64>,
    /// `ok`, `error`, `fault`, `throttle` for spans; the level for log lines; the status for
    /// invocations.
    pub status: String,
    /// Log message, or the span's operation / resource.
    pub detail: String,
    /// Time, ISO-8601.
    pub ts: Option<String>,
    /// Trace ID.
    pub trace_id: Option<String>,
    /// Request ID.
    pub request_id: Option<String>,
}

/// Everything about one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Investigation {
    /// The ID as looked up.
    pub id: String,
    /// Its traces.
    pub trace_ids: Vec<String>,
    /// Its request IDs.
    pub request_ids: Vec<String>,
    /// Whether the search stopped early (too many IDs).
    pub truncated: bool,
    /// The timeline (the `investigate` command's columns).
    pub timeline: Table,
    /// The waterfall, in time order.
    pub waterfall: Vec<WaterfallRow>,
    /// Time of the first row, ISO-8601.
    pub t0: Option<String>,
    /// From the first row's start to the last row's end, ms.
    pub total_ms: f64,
}

/// Generate a demo workload into the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemoRequest {
    /// Random seed.
    pub seed: u32,
    /// API requests to simulate.
    pub requests: u32,
}

/// What one imported file gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportedFile {
    /// File name.
    pub name: String,
    /// Format detected.
    pub format: String,
    /// Records read.
    pub records: f64,
    /// Rows added per frame (`frame`, count).
    pub added: Vec<(String, f64)>,
    /// Records skipped per reason.
    pub skipped: Vec<(String, f64)>,
    /// Why nothing could be read, if so.
    pub error: Option<String>,
}

/// Paths to import (desktop: from the file picker or a drop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportRequest {
    /// Files.
    pub paths: Vec<String>,
    /// Log group for CloudWatch outputs that carry none.
    #[serde(default)]
    pub log_group: Option<String>,
}

/// An AWS profile from `~/.aws/config` / `~/.aws/credentials` (names and regions only; no
/// secret is read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AwsProfile {
    /// Profile name.
    pub name: String,
    /// Its region, if set.
    pub region: Option<String>,
    /// `sso`, `assume_role`, `process`, `keys` or `other`.
    pub kind: String,
}

/// A pull to start.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct PullRequest {
    /// AWS profile (default chain when absent).
    #[serde(default)]
    pub profile: Option<String>,
    /// Regions (the profile's when empty).
    #[serde(default)]
    pub regions: Vec<String>,
    /// `24h`, `7d`, … (ignored when `range.from` is set).
    #[serde(default)]
    pub since: Option<String>,
    /// Explicit range.
    #[serde(default)]
    pub range: TimeRange,
    /// Log group prefixes (`/aws/lambda/` when empty).
    #[serde(default)]
    pub log_group_prefixes: Vec<String>,
    /// Endpoint (tests: moto_server); AWS's own when absent.
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// Skip `logs`, `traces` or `costs`.
    #[serde(default)]
    pub skip: Vec<String>,
    /// Only print what would be called.
    #[serde(default)]
    pub dry_run: bool,
}

/// Progress of one phase of a pull in one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PhaseProgress {
    /// `logs`, `insights`, `traces`, `costs`.
    pub phase: String,
    /// Region.
    pub region: String,
    /// Units done (log groups, slices, queries).
    pub done: f64,
    /// Units known.
    pub total: f64,
    /// Items fetched (events, traces, figures).
    pub items: f64,
    /// Whether the phase is over.
    pub finished: bool,
}

/// The state of a pull job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PullStatus {
    /// Job ID.
    pub job: u32,
    /// `running`, `done`, `cancelled`, `failed`.
    pub state: String,
    /// Seconds since it started.
    pub elapsed_s: f64,
    /// Per phase and region.
    pub phases: Vec<PhaseProgress>,
    /// Problems met so far (the pull went on).
    pub problems: Vec<String>,
    /// The summary (as `skylens pull --json`) once over.
    #[ts(type = "unknown")]
    pub summary: Option<serde_json::Value>,
    /// The error that stopped it, if any.
    pub error: Option<WireError>,
}

/// A pull job's ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct JobRef {
    /// Job ID.
    pub job: u32,
}
