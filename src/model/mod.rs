//! Frame schemas and column names, defined once.
//!
//! Every frame Skylens stores has one schema here. Parsers fill the frames through the
//! column builders in [`builders`]; the workspace, the SQL in `queries/` and the reports
//! all refer to the column names through these constants.

pub mod builders;
pub mod facts;

use polars::prelude::{DataType, Field, Schema, TimeUnit};

/// Version of the on-disk schema. Bump it when a column is added, renamed or retyped.
///
/// - 1: the frames of DESIGN.md.
/// - 2: `invocations.function_key` ([`invocations::FUNCTION_KEY`]) and the workspace's
///   function names table. A version-1 workspace is upgraded in place when it is opened.
pub const SCHEMA_VERSION: u32 = 2;

/// Every timestamp column is stored as microseconds since the Unix epoch, UTC, no zone.
pub const TIME_UNIT: TimeUnit = TimeUnit::Microseconds;

/// The data type of every timestamp column.
pub fn ts_dtype() -> DataType {
    DataType::Datetime(TIME_UNIT, None)
}

/// The four frames every view of Skylens stands on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Frame {
    /// One row per Lambda invocation, assembled from every line that carries its request ID.
    Invocations,
    /// One row per log line (platform, application and access log lines).
    Logs,
    /// One row per X-Ray segment, subsegment or inferred segment.
    Spans,
    /// One row per cost figure (period × group × metric).
    Costs,
}

impl Frame {
    /// All frames, in a stable order.
    pub const ALL: [Frame; 4] = [Frame::Invocations, Frame::Logs, Frame::Spans, Frame::Costs];

    /// The frame's name, as used in SQL and in the workspace directory names.
    pub fn name(self) -> &'static str {
        match self {
            Frame::Invocations => "invocations",
            Frame::Logs => "logs",
            Frame::Spans => "spans",
            Frame::Costs => "costs",
        }
    }

    /// The frame's schema.
    pub fn schema(self) -> Schema {
        let fields: Vec<(&str, DataType)> = match self {
            Frame::Invocations => invocations::schema(),
            Frame::Logs => logs::schema(),
            Frame::Spans => spans::schema(),
            Frame::Costs => costs::schema(),
        };
        Schema::from_iter(fields.into_iter().map(|(n, t)| Field::new(n.into(), t)))
    }

    /// The column that decides a row's date partition in the workspace.
    pub fn time_column(self) -> &'static str {
        match self {
            Frame::Invocations => invocations::START,
            Frame::Logs => logs::TS,
            Frame::Spans => spans::START,
            Frame::Costs => costs::PERIOD_START,
        }
    }

    /// The columns that identify a row: importing a row whose key is already stored adds nothing.
    pub fn key_columns(self) -> &'static [&'static str] {
        match self {
            Frame::Invocations => &[invocations::REQUEST_ID],
            Frame::Logs => &[logs::EVENT_ID],
            Frame::Spans => &[spans::TRACE_ID, spans::ID],
            Frame::Costs => &[
                costs::SOURCE,
                costs::PERIOD_START,
                // A MONTHLY and a DAILY figure share their first day: both are kept.
                costs::PERIOD_END,
                costs::DIMENSION,
                costs::KEY,
                costs::DIMENSION2,
                costs::KEY2,
                costs::METRIC,
                costs::UNIT,
            ],
        }
    }

    /// String columns whose values are (nearly) all distinct: the workspace writes them with
    /// plain encoding, without trying a dictionary ([`crate::workspace`]'s Parquet writer).
    pub fn distinct_columns(self) -> &'static [&'static str] {
        match self {
            Frame::Invocations => &[invocations::REQUEST_ID],
            Frame::Logs => &[logs::EVENT_ID, logs::MESSAGE, logs::FIELDS],
            Frame::Spans => &[spans::ID],
            Frame::Costs => &[],
        }
    }

    /// Columns the workspace derives from other columns when it stores a frame: parsers and
    /// builders do not fill them ([`invocations::FUNCTION_KEY`]).
    pub fn derived_columns(self) -> &'static [&'static str] {
        match self {
            Frame::Invocations => &[invocations::FUNCTION_KEY],
            _ => &[],
        }
    }

    /// The frame's schema without its [derived columns](Frame::derived_columns): what the
    /// parsers' builders make.
    pub fn input_schema(self) -> Schema {
        let mut s = self.schema();
        for c in self.derived_columns() {
            s.shift_remove(c);
        }
        s
    }

    /// `df`'s rows in the frame's [input schema](Frame::input_schema): each of its columns
    /// cast to the schema's type, every other column null. For code that makes rows by hand
    /// (tests, tools); an error when a column of `df` is not in the frame or does not cast.
    pub fn with_input_schema(
        self,
        df: polars::prelude::DataFrame,
    ) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
        use polars::prelude::{IntoLazy, NULL, col, lit};
        let given: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let schema = self.input_schema();
        if let Some(c) = given.iter().find(|c| schema.get(c.as_str()).is_none()) {
            polars::prelude::polars_bail!(ColumnNotFound: "{c} is not a column of {}", self.name());
        }
        let cols: Vec<_> = schema
            .iter()
            .map(|(name, t)| {
                if given.iter().any(|c| c == name.as_str()) {
                    col(name.clone()).strict_cast(t.clone())
                } else {
                    lit(NULL).cast(t.clone()).alias(name.clone())
                }
            })
            .collect();
        df.lazy().select(cols).collect()
    }

    /// Parse a frame name.
    pub fn from_name(name: &str) -> Option<Frame> {
        Frame::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Columns of the `invocations` frame.
pub mod invocations {
    use super::{DataType, ts_dtype};
    /// Function name (from the log group `/aws/lambda/NAME`, the ARN, or Powertools).
    pub const FUNCTION: &str = "function";
    /// Lambda request ID.
    pub const REQUEST_ID: &str = "request_id";
    /// X-Ray trace ID in `1-xxxxxxxx-…` form.
    pub const TRACE_ID: &str = "trace_id";
    /// Start of the invocation (START line, or REPORT time minus duration), UTC.
    pub const START: &str = "start";
    /// Duration reported by Lambda, milliseconds.
    pub const DURATION_MS: &str = "duration_ms";
    /// Billed duration, milliseconds.
    pub const BILLED_MS: &str = "billed_ms";
    /// Configured memory, MB.
    pub const MEMORY_MB: &str = "memory_mb";
    /// Peak memory used, MB.
    pub const MAX_MEMORY_MB: &str = "max_memory_mb";
    /// Init duration of a cold start, milliseconds; null when warm.
    pub const INIT_MS: &str = "init_ms";
    /// SnapStart restore duration, milliseconds; null when not restored.
    pub const RESTORE_MS: &str = "restore_ms";
    /// Whether this invocation paid a cold start (init or restore).
    pub const COLD: &str = "cold";
    /// `init`, `restore`, or null when warm.
    pub const COLD_KIND: &str = "cold_kind";
    /// `success`, `error` or `timeout`.
    pub const STATUS: &str = "status";
    /// Log group the invocation was logged to.
    pub const LOG_GROUP: &str = "log_group";
    /// AWS region, when known.
    pub const REGION: &str = "region";
    /// AWS account ID, when known.
    pub const ACCOUNT: &str = "account";
    /// Function version (`$LATEST`, a number).
    pub const VERSION: &str = "version";
    /// A number for the function name, [`function_key`] of it (null when the name is):
    /// derived by the workspace when it stores invocations. The reports group invocations by
    /// this number and name the groups from the table [`super::FUNCTION_NAMES_TABLE`]
    /// afterwards, which at 10M invocations costs far less than hashing every row's name.
    pub const FUNCTION_KEY: &str = "function_key";

    pub(super) fn schema() -> Vec<(&'static str, DataType)> {
        vec![
            (FUNCTION, DataType::String),
            (REQUEST_ID, DataType::String),
            (TRACE_ID, DataType::String),
            (START, ts_dtype()),
            (DURATION_MS, DataType::Float64),
            (BILLED_MS, DataType::Float64),
            (MEMORY_MB, DataType::Int64),
            (MAX_MEMORY_MB, DataType::Int64),
            (INIT_MS, DataType::Float64),
            (RESTORE_MS, DataType::Float64),
            (COLD, DataType::Boolean),
            (COLD_KIND, DataType::String),
            (STATUS, DataType::String),
            (LOG_GROUP, DataType::String),
            (REGION, DataType::String),
            (ACCOUNT, DataType::String),
            (VERSION, DataType::String),
            (FUNCTION_KEY, DataType::UInt64),
        ]
    }

    /// The key of a function name: 64-bit FNV-1a of its UTF-8 bytes, 0 mapped to 1.
    ///
    /// Stable across versions and machines (it is stored), and never 0: the reports name the
    /// null group (invocations with no function name) by key 0. Two names with the same key
    /// would share their groups; the workspace refuses to store such a pair
    /// ([`crate::workspace::Workspace::write`]), which with 64 bits and a workspace's few
    /// hundred names is only a safeguard.
    pub fn function_key(name: &str) -> u64 {
        const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        let mut h = OFFSET;
        for b in name.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
        if h == 0 { 1 } else { h }
    }
}

/// The SQL table of the workspace's function names: `function_key` (UInt64), `function`
/// (String), one row per name ever stored in `invocations`. Stored as
/// `function-names.parquet` beside the frames.
pub const FUNCTION_NAMES_TABLE: &str = "function_names";

/// The most function names a workspace stores: 2^20 - 1, so that a report can number them
/// 1..=MAX_FUNCTION_NAMES (0: no name) and pack the number with another into one integer
/// group key (`queries/latency-timeseries.sql`: bucket x 2^20 + number). An import that would
/// store more is refused.
pub const MAX_FUNCTION_NAMES: usize = (1 << 20) - 1;

/// Columns of the `logs` frame.
pub mod logs {
    use super::{DataType, ts_dtype};
    /// Identity of the line: the CloudWatch event ID, or a content hash when there is none.
    pub const EVENT_ID: &str = "event_id";
    /// Time of the line, UTC; null when the input carried no time.
    pub const TS: &str = "ts";
    /// CloudWatch log group.
    pub const LOG_GROUP: &str = "log_group";
    /// CloudWatch log stream.
    pub const LOG_STREAM: &str = "log_stream";
    /// Lambda or API Gateway request ID the line belongs to.
    pub const REQUEST_ID: &str = "request_id";
    /// X-Ray trace ID (`1-…`).
    pub const TRACE_ID: &str = "trace_id";
    /// Correlation ID from structured logs (`correlation_id` and its spellings).
    pub const CORRELATION_ID: &str = "correlation_id";
    /// Level as written (`INFO`, `ERROR`, …), upper-cased; null when none.
    pub const LEVEL: &str = "level";
    /// The message text.
    pub const MESSAGE: &str = "message";
    /// The emitting service: Powertools `service`, else the function name.
    pub const SERVICE: &str = "service";
    /// What kind of line this is: `platform`, `app`, `access`.
    pub const KIND: &str = "kind";
    /// The other keys of a JSON line, as a JSON object text.
    pub const FIELDS: &str = "fields";

    pub(super) fn schema() -> Vec<(&'static str, DataType)> {
        vec![
            (EVENT_ID, DataType::String),
            (TS, ts_dtype()),
            (LOG_GROUP, DataType::String),
            (LOG_STREAM, DataType::String),
            (REQUEST_ID, DataType::String),
            (TRACE_ID, DataType::String),
            (CORRELATION_ID, DataType::String),
            (LEVEL, DataType::String),
            (MESSAGE, DataType::String),
            (SERVICE, DataType::String),
            (KIND, DataType::String),
            (FIELDS, DataType::String),
        ]
    }
}

/// Columns of the `spans` frame.
pub mod spans {
    use super::{DataType, ts_dtype};
    /// X-Ray trace ID (`1-…`).
    pub const TRACE_ID: &str = "trace_id";
    /// Segment or subsegment ID.
    pub const ID: &str = "id";
    /// Parent segment or subsegment ID; null for a root segment.
    pub const PARENT_ID: &str = "parent_id";
    /// Segment ID of the document the span came from (itself for a segment).
    pub const SEGMENT_ID: &str = "segment_id";
    /// Name (service name for segments, operation or resource for subsegments).
    pub const NAME: &str = "name";
    /// Origin type, e.g. `AWS::Lambda::Function`; for subsegments, the origin of their segment.
    pub const ORIGIN: &str = "origin";
    /// `segment`, `subsegment` or `inferred`.
    pub const KIND: &str = "kind";
    /// Subsegment namespace: `aws`, `remote`, or null.
    pub const NAMESPACE: &str = "namespace";
    /// Start time, UTC.
    pub const START: &str = "start";
    /// End time, UTC; null while in progress.
    pub const END: &str = "end";
    /// End minus start, milliseconds.
    pub const DURATION_MS: &str = "duration_ms";
    /// HTTP response status.
    pub const HTTP_STATUS: &str = "http_status";
    /// HTTP method of the request.
    pub const HTTP_METHOD: &str = "http_method";
    /// HTTP URL of the request.
    pub const HTTP_URL: &str = "http_url";
    /// 4xx error flag.
    pub const ERROR: &str = "error";
    /// 5xx fault flag.
    pub const FAULT: &str = "fault";
    /// 429 throttle flag.
    pub const THROTTLE: &str = "throttle";
    /// Whether the segment was still in progress.
    pub const IN_PROGRESS: &str = "in_progress";
    /// AWS operation (`aws.operation`).
    pub const AWS_OPERATION: &str = "aws_operation";
    /// Resource: table name, queue URL, topic ARN, function ARN, remote host.
    pub const RESOURCE: &str = "resource";
    /// Lambda or AWS request ID (`aws.request_id`, `aws.api_gateway.request_id`).
    pub const REQUEST_ID: &str = "request_id";
    /// Annotations as a JSON object text.
    pub const ANNOTATIONS: &str = "annotations";
    /// First exception message of `cause`, when any.
    pub const CAUSE: &str = "cause";

    pub(super) fn schema() -> Vec<(&'static str, DataType)> {
        vec![
            (TRACE_ID, DataType::String),
            (ID, DataType::String),
            (PARENT_ID, DataType::String),
            (SEGMENT_ID, DataType::String),
            (NAME, DataType::String),
            (ORIGIN, DataType::String),
            (KIND, DataType::String),
            (NAMESPACE, DataType::String),
            (START, ts_dtype()),
            (END, ts_dtype()),
            (DURATION_MS, DataType::Float64),
            (HTTP_STATUS, DataType::Int64),
            (HTTP_METHOD, DataType::String),
            (HTTP_URL, DataType::String),
            (ERROR, DataType::Boolean),
            (FAULT, DataType::Boolean),
            (THROTTLE, DataType::Boolean),
            (IN_PROGRESS, DataType::Boolean),
            (AWS_OPERATION, DataType::String),
            (RESOURCE, DataType::String),
            (REQUEST_ID, DataType::String),
            (ANNOTATIONS, DataType::String),
            (CAUSE, DataType::String),
        ]
    }
}

/// Columns of the `costs` frame.
pub mod costs {
    use super::{DataType, ts_dtype};
    /// Where the figure came from: `ce` (Cost Explorer) or `cur` (Cost and Usage Report).
    pub const SOURCE: &str = "source";
    /// Period start (inclusive), UTC midnight.
    pub const PERIOD_START: &str = "period_start";
    /// Period end (exclusive), UTC midnight.
    pub const PERIOD_END: &str = "period_end";
    /// First grouping: `SERVICE`, `TAG:team`, `LINKED_ACCOUNT`, … or `TOTAL` for the ungrouped total.
    pub const DIMENSION: &str = "dimension";
    /// Value of the first grouping; `(untagged)` for a `key$` tag group.
    pub const KEY: &str = "key";
    /// Second grouping when the query had two, else null.
    pub const DIMENSION2: &str = "dimension2";
    /// Value of the second grouping, else null.
    pub const KEY2: &str = "key2";
    /// Metric: `UnblendedCost`, `BlendedCost`, `UsageQuantity`, …
    pub const METRIC: &str = "metric";
    /// Amount.
    pub const AMOUNT: &str = "amount";
    /// Unit (`USD`, `N/A`, `Hrs`).
    pub const UNIT: &str = "unit";
    /// Whether Cost Explorer marked the period as estimated.
    pub const ESTIMATED: &str = "estimated";

    /// The key shown for a tag group with no value (`team$`): it is shown, never dropped.
    pub const UNTAGGED: &str = "(untagged)";

    pub(super) fn schema() -> Vec<(&'static str, DataType)> {
        vec![
            (SOURCE, DataType::String),
            (PERIOD_START, ts_dtype()),
            (PERIOD_END, ts_dtype()),
            (DIMENSION, DataType::String),
            (KEY, DataType::String),
            (DIMENSION2, DataType::String),
            (KEY2, DataType::String),
            (METRIC, DataType::String),
            (AMOUNT, DataType::Float64),
            (UNIT, DataType::String),
            (ESTIMATED, DataType::Boolean),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_keys_are_64_bit_fnv_1a() {
        // The published FNV-1a 64 test vectors ("" is the offset basis).
        assert_eq!(invocations::function_key(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(invocations::function_key("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(invocations::function_key("foobar"), 0x8594_4171_f739_67e8);
        assert_ne!(
            invocations::function_key("orders"),
            invocations::function_key("payments")
        );
    }

    #[test]
    fn rows_made_by_hand_take_the_input_schema() {
        use polars::prelude::df;
        let df = df!("request_id" => ["a", "b"], "duration_ms" => [3i64, 4]).unwrap();
        let out = Frame::Invocations.with_input_schema(df).unwrap();
        assert_eq!(out.schema().as_ref(), &Frame::Invocations.input_schema());
        let d = out.column(invocations::DURATION_MS).unwrap();
        assert_eq!(d.f64().unwrap().get(1), Some(4.0));
        assert_eq!(out.column(invocations::FUNCTION).unwrap().null_count(), 2);
        let bad = df!("no_such_column" => [1i64]).unwrap();
        assert!(Frame::Invocations.with_input_schema(bad).is_err());
    }

    #[test]
    fn the_builders_make_every_column_but_the_derived_ones() {
        let inv = Frame::Invocations.input_schema();
        assert!(inv.get(invocations::FUNCTION_KEY).is_none());
        assert_eq!(inv.len() + 1, Frame::Invocations.schema().len());
        for f in [Frame::Logs, Frame::Spans, Frame::Costs] {
            assert_eq!(f.input_schema(), f.schema());
        }
    }
}
