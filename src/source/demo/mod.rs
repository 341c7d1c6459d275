//! The built-in demo workload: raw AWS-shaped files, exactly as the AWS CLI prints them, for
//! a small serverless system, so Skylens is useful without an AWS account. The files are then
//! imported through the same parsers as real data (see [`crate::source::import_demo`]).
//!
//! # The system
//! An API Gateway REST API (`orders-api`, stage `prod`, JSON access logs) in front of
//! `orders` (Node.js, text log format), which writes to DynamoDB and invokes `payments`
//! (Python, Lambda JSON log format + Powertools); `payments` calls a payment provider, writes
//! to DynamoDB and publishes to SNS, which triggers `notifications` (Java 21 with SnapStart,
//! text format with Powertools for Java JSON lines). `nightly-batch` (Python, text format) runs
//! every hour at about `:17`. Traffic follows a daily curve with quieter weekends and a few
//! bursts (with more throttles and timeouts). Each function keeps a pool of execution
//! environments, one log stream each; an environment idle 10-30 minutes (or 2-5 hours old) is
//! recycled, so the next request is a cold start.
//!
//! A correlation ID is created per API request; it appears in the `orders` text lines, the
//! `payments` Powertools lines (`correlation_id`) and X-Ray annotations, and — carried in
//! the SNS message — the `notifications` Powertools lines. One X-Ray trace covers the whole
//! request, including the SNS hop.
//!
//! # Files (under the output directory)
//! | path | content |
//! | --- | --- |
//! | `cloudwatch/<group>/filter-log-events-NNNN.json` | FilterLogEvents output, ≤ 100,000 events each, in timestamp order; `<group>` is the log group with `/` → `_` (`aws_lambda_orders`) |
//! | `xray/batch-get-traces-NNNN.json` | BatchGetTraces output, ≤ 2,000 traces each (20% of API requests are sampled) |
//! | `costexplorer/get-cost-and-usage-daily-by-{team,env,service}.json` | GetCostAndUsage DAILY output |
//!
//! Output is deterministic: the same options give byte-identical files.

mod cost;
mod fmt;
mod out;
mod sim;

use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate, NaiveTime};

use crate::error::{Error, Result};

/// [`DemoFile::kind`] of a FilterLogEvents output file.
pub const KIND_LOGS: &str = "cloudwatch-events";
/// [`DemoFile::kind`] of a BatchGetTraces output file.
pub const KIND_TRACES: &str = "xray-traces";
/// [`DemoFile::kind`] of a GetCostAndUsage output file.
pub const KIND_COSTS: &str = "ce-cost-and-usage";

/// The API Gateway access log group the demo writes.
pub const ACCESS_LOG_GROUP: &str = sim::ACCESS_LOG_GROUP;
/// The demo's AWS account ID.
pub const ACCOUNT: &str = sim::ACCOUNT;
/// The demo's region.
pub const REGION: &str = sim::REGION;
/// Most events in one FilterLogEvents file.
pub const MAX_EVENTS_PER_FILE: u64 = out::MAX_EVENTS_PER_FILE;
/// Most traces in one BatchGetTraces file.
pub const MAX_TRACES_PER_FILE: u64 = out::MAX_TRACES_PER_FILE;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Seed of the random stream.
    pub seed: u64,
    /// API Gateway requests over the whole period.
    pub requests: u64,
    /// Number of days, ending with `end` (at least 1).
    pub days: u32,
    /// The last day (UTC).
    pub end: NaiveDate,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 42,
            requests: 20_000,
            days: 30,
            end: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or(NaiveDate::MIN),
        }
    }
}

/// The files written.
#[derive(Debug, Clone)]
pub struct DemoFiles {
    /// Every file, in a stable order: log groups (access log, `orders`, `payments`,
    /// `notifications`, `nightly-batch`), then traces, then costs (team, env, service).
    pub files: Vec<DemoFile>,
    /// What the files contain, for tests and the CLI summary.
    pub stats: DemoStats,
}

impl DemoFiles {
    /// The files as import inputs: each path with its parse context (its log group).
    pub fn import_items(&self) -> Vec<(PathBuf, crate::parse::ParseContext)> {
        self.files
            .iter()
            .map(|f| {
                (
                    f.path.clone(),
                    crate::parse::ParseContext {
                        log_group: f.log_group.clone(),
                        ..Default::default()
                    },
                )
            })
            .collect()
    }
}

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// Where it is.
    pub path: PathBuf,
    /// The log group of a CloudWatch file (FilterLogEvents output does not name it).
    pub log_group: Option<String>,
    /// [`KIND_LOGS`], [`KIND_TRACES`] or [`KIND_COSTS`].
    pub kind: &'static str,
    /// Log events, traces, or cost figures (period × group × metric) in the file.
    pub records: u64,
}

/// Facts about the generated data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoStats {
    /// API Gateway requests (= access log events).
    pub api_requests: u64,
    /// Requests API Gateway throttled (429); they never reached `orders`.
    pub api_throttled: u64,
    /// Other 4xx responses (404 on `GET /orders/{orderId}`).
    pub api_client_errors: u64,
    /// 5xx responses (502, 504).
    pub api_server_errors: u64,
    /// Per function, in the order `orders`, `payments`, `notifications`, `nightly-batch`.
    pub functions: Vec<FunctionStats>,
    /// Log events written, over all groups.
    pub log_events: u64,
    /// X-Ray traces written (sampled API requests).
    pub traces: u64,
    /// X-Ray segment documents written.
    pub trace_documents: u64,
    /// X-Ray spans: documents plus every nested subsegment.
    pub trace_spans: u64,
    /// Total UnblendedCost over all days and services, as Cost Explorer writes it.
    pub cost_total: String,
    /// `AWS Lambda` UnblendedCost over all days.
    pub lambda_cost_total: String,
    /// A sampled `POST /orders` that went through every hop without error.
    pub example: Option<DemoExample>,
}

/// Invocation facts of one function, with the semantics of `ARCHITECTURE.md`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionStats {
    /// Function name.
    pub function: &'static str,
    /// Its log group.
    pub log_group: String,
    /// Invocations (REPORT lines / `platform.report` events).
    pub invocations: u64,
    /// Invocations with `Init Duration` / `initDurationMs` / `Restore Duration`.
    pub cold_starts: u64,
    /// Invocations that re-ran the init inside their own duration because the previous
    /// invocation in the same environment timed out (a suppressed init: no `Init Duration`,
    /// but Powertools logs `cold_start: true`, so for `payments` the invocations with a
    /// Powertools cold start are `cold_starts + suppressed_inits`).
    pub suppressed_inits: u64,
    /// Invocations with status error (an ERROR line or error status), timeouts excluded.
    pub errors: u64,
    /// Invocations that timed out.
    pub timeouts: u64,
}

/// The IDs of one request, end to end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoExample {
    /// API Gateway request ID (access log `requestId`).
    pub api_request_id: String,
    /// X-Ray trace ID (`1-…`).
    pub trace_id: String,
    /// Correlation ID.
    pub correlation_id: String,
    /// Order ID.
    pub order_id: String,
    /// `orders` Lambda request ID.
    pub orders_request_id: String,
    /// `payments` Lambda request ID.
    pub payments_request_id: String,
    /// `notifications` Lambda request ID.
    pub notifications_request_id: String,
}

/// Write the demo workload under `dir` (created if missing).
pub fn generate(dir: &Path, opts: &DemoOptions) -> Result<DemoFiles> {
    if opts.days == 0 || opts.days > 3660 {
        return Err(Error::Invalid(format!(
            "demo days must be between 1 and 3660, not {}",
            opts.days
        )));
    }
    let first = opts
        .end
        .checked_sub_days(Days::new(u64::from(opts.days) - 1))
        .ok_or_else(|| Error::Invalid(format!("demo end date {} is too early", opts.end)))?;
    let start_ms = first.and_time(NaiveTime::MIN).and_utc().timestamp_millis();
    if start_ms < 0 {
        return Err(Error::Invalid(format!(
            "demo period must start in 1970 or later, not {first}"
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;

    let mut sim = sim::Sim::new(dir, opts, start_ms * 1000)?;
    sim.run(opts.requests)?;

    let days = opts.days as usize;
    let mut cw_bytes = vec![0u64; days];
    let mut files = Vec::new();
    let mut log_events = 0;
    for g in &sim.groups {
        for (d, b) in g.day_bytes.iter().enumerate() {
            cw_bytes[d] += b;
        }
        log_events += g.written;
        files.extend(g.files.iter().cloned());
    }
    files.extend(sim.traces.files.iter().cloned());
    let costs = cost::write(dir, opts.seed, start_ms, days, &sim.ledger, &cw_bytes)?;
    files.extend(costs.files);

    let c = &sim.counters;
    let stats = DemoStats {
        api_requests: c.api_requests,
        api_throttled: c.throttled,
        api_client_errors: c.client_errors,
        api_server_errors: c.server_errors,
        functions: c.function_stats(),
        log_events,
        traces: sim.traces.traces,
        trace_documents: sim.traces.documents,
        trace_spans: sim.traces.spans,
        cost_total: costs.total,
        lambda_cost_total: costs.lambda_total,
        example: sim.example.clone(),
    };
    Ok(DemoFiles { files, stats })
}

#[cfg(test)]
mod tests;
