//! Column builders: parsers push rows field by field into per-column buffers, and a frame is
//! made in one step at the end (no per-row DataFrame work).

use polars::prelude::*;

use super::{Frame, costs, logs, spans};

/// A column buffer of one logical type.
pub trait ColumnBuf {
    /// The value pushed for one row (borrowed where possible).
    type Value<'a>;
    /// An empty buffer named `name` with room for `cap` rows.
    fn with_capacity(name: &'static str, cap: usize) -> Self;
    /// Append one value.
    fn push(&mut self, v: Self::Value<'_>);
    /// The finished column.
    fn finish(self) -> Column;
}

/// Nullable UTF-8 column.
///
/// A column whose rows all hold one value (the log group of a file, often the service) is
/// kept as that value and a row count, and made at the end with the value stored once: the
/// string builder would copy a value over 12 bytes into its buffer for every row. At the first
/// row that differs, the rows so far are written to the builder and it takes every row after.
pub struct StrCol {
    name: &'static str,
    builder: StringChunkedBuilder,
    mode: StrMode,
}

/// What a [`StrCol`] holds so far.
enum StrMode {
    /// No row yet.
    Empty,
    /// `n` rows, all this value; none in the builder yet.
    Same(Option<Box<str>>, usize),
    /// Every row is in the builder.
    Mixed,
}

impl ColumnBuf for StrCol {
    type Value<'a> = Option<&'a str>;
    fn with_capacity(name: &'static str, cap: usize) -> Self {
        StrCol {
            name,
            builder: StringChunkedBuilder::new(name.into(), cap),
            mode: StrMode::Empty,
        }
    }
    fn push(&mut self, v: Option<&str>) {
        match &mut self.mode {
            StrMode::Mixed => self.builder.append_option(v),
            StrMode::Same(same, n) if same.as_deref() == v => *n += 1,
            StrMode::Same(same, n) => {
                for _ in 0..*n {
                    self.builder.append_option(same.as_deref());
                }
                self.builder.append_option(v);
                self.mode = StrMode::Mixed;
            }
            StrMode::Empty => self.mode = StrMode::Same(v.map(Box::from), 1),
        }
    }
    fn finish(self) -> Column {
        let ca = match self.mode {
            StrMode::Empty | StrMode::Mixed => self.builder.finish(),
            StrMode::Same(None, n) => StringChunked::full_null(self.name.into(), n),
            StrMode::Same(Some(v), n) => {
                let mut ca = StringChunked::full(self.name.into(), &v, n);
                // `full` marks the column sorted; the builder never does, and neither does this.
                ca.set_sorted_flag(polars::series::IsSorted::Not);
                ca
            }
        };
        ca.into_column()
    }
}

/// Nullable timestamp column (microseconds, UTC).
pub struct TimeCol(PrimitiveChunkedBuilder<Int64Type>);
impl ColumnBuf for TimeCol {
    type Value<'a> = Option<i64>;
    fn with_capacity(name: &'static str, cap: usize) -> Self {
        TimeCol(PrimitiveChunkedBuilder::new(name.into(), cap))
    }
    fn push(&mut self, v: Option<i64>) {
        self.0.append_option(v)
    }
    fn finish(self) -> Column {
        // Int64 → Datetime is a reinterpretation of the physical values.
        self.0
            .finish()
            .into_datetime(super::TIME_UNIT, None)
            .into_column()
    }
}

/// Nullable f64 column.
pub struct F64Col(PrimitiveChunkedBuilder<Float64Type>);
impl ColumnBuf for F64Col {
    type Value<'a> = Option<f64>;
    fn with_capacity(name: &'static str, cap: usize) -> Self {
        F64Col(PrimitiveChunkedBuilder::new(name.into(), cap))
    }
    fn push(&mut self, v: Option<f64>) {
        self.0.append_option(v)
    }
    fn finish(self) -> Column {
        self.0.finish().into_column()
    }
}

/// Nullable i64 column.
pub struct I64Col(PrimitiveChunkedBuilder<Int64Type>);
impl ColumnBuf for I64Col {
    type Value<'a> = Option<i64>;
    fn with_capacity(name: &'static str, cap: usize) -> Self {
        I64Col(PrimitiveChunkedBuilder::new(name.into(), cap))
    }
    fn push(&mut self, v: Option<i64>) {
        self.0.append_option(v)
    }
    fn finish(self) -> Column {
        self.0.finish().into_column()
    }
}

/// Nullable boolean column.
pub struct BoolCol(BooleanChunkedBuilder);
impl ColumnBuf for BoolCol {
    type Value<'a> = Option<bool>;
    fn with_capacity(name: &'static str, cap: usize) -> Self {
        BoolCol(BooleanChunkedBuilder::new(name.into(), cap))
    }
    fn push(&mut self, v: Option<bool>) {
        self.0.append_option(v)
    }
    fn finish(self) -> Column {
        self.0.finish().into_column()
    }
}

macro_rules! frame_builder {
    (
        $(#[$bmeta:meta])* $builder:ident,
        $(#[$rmeta:meta])* $row:ident,
        $frame:expr,
        { $( $(#[$fmeta:meta])* $field:ident : $col:ty = $name:path ),* $(,)? }
    ) => {
        $(#[$rmeta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $row<'a> {
            $( $(#[$fmeta])* pub $field: <$col as ColumnBuf>::Value<'a>, )*
        }

        $(#[$bmeta])*
        pub struct $builder {
            len: usize,
            $( $field: $col, )*
        }

        impl Default for $builder {
            fn default() -> Self {
                Self::with_capacity(0)
            }
        }

        impl $builder {
            /// An empty builder with room for `cap` rows.
            pub fn with_capacity(cap: usize) -> Self {
                Self { len: 0, $( $field: <$col as ColumnBuf>::with_capacity($name, cap), )* }
            }

            /// Append one row.
            pub fn push(&mut self, row: &$row<'_>) {
                self.len += 1;
                $( self.$field.push(row.$field.clone()); )*
            }

            /// Rows pushed so far.
            pub fn len(&self) -> usize {
                self.len
            }

            /// Whether no row was pushed.
            pub fn is_empty(&self) -> bool {
                self.len == 0
            }

            /// Make the frame, with the columns in schema order.
            pub fn finish(self) -> PolarsResult<DataFrame> {
                let cols = vec![ $( self.$field.finish(), )* ];
                let df = DataFrame::new(self.len, cols)?;
                debug_assert_eq!(df.schema().as_ref(), &$frame.input_schema());
                Ok(df)
            }
        }
    };
}

frame_builder!(
    /// Builds the `logs` frame.
    LogsBuilder,
    /// One row of the `logs` frame, borrowed from the input.
    LogRow,
    Frame::Logs,
    {
        /// See [`logs::EVENT_ID`]; set by [`LogRow::with_event_id`] when the input has none.
        event_id: StrCol = logs::EVENT_ID,
        ts: TimeCol = logs::TS,
        log_group: StrCol = logs::LOG_GROUP,
        log_stream: StrCol = logs::LOG_STREAM,
        request_id: StrCol = logs::REQUEST_ID,
        trace_id: StrCol = logs::TRACE_ID,
        correlation_id: StrCol = logs::CORRELATION_ID,
        level: StrCol = logs::LEVEL,
        message: StrCol = logs::MESSAGE,
        service: StrCol = logs::SERVICE,
        kind: StrCol = logs::KIND,
        fields: StrCol = logs::FIELDS,
    }
);

frame_builder!(
    /// Builds the `spans` frame.
    SpansBuilder,
    /// One row of the `spans` frame.
    SpanRow,
    Frame::Spans,
    {
        trace_id: StrCol = spans::TRACE_ID,
        id: StrCol = spans::ID,
        parent_id: StrCol = spans::PARENT_ID,
        segment_id: StrCol = spans::SEGMENT_ID,
        name: StrCol = spans::NAME,
        origin: StrCol = spans::ORIGIN,
        kind: StrCol = spans::KIND,
        namespace: StrCol = spans::NAMESPACE,
        start: TimeCol = spans::START,
        end: TimeCol = spans::END,
        duration_ms: F64Col = spans::DURATION_MS,
        http_status: I64Col = spans::HTTP_STATUS,
        http_method: StrCol = spans::HTTP_METHOD,
        http_url: StrCol = spans::HTTP_URL,
        error: BoolCol = spans::ERROR,
        fault: BoolCol = spans::FAULT,
        throttle: BoolCol = spans::THROTTLE,
        in_progress: BoolCol = spans::IN_PROGRESS,
        aws_operation: StrCol = spans::AWS_OPERATION,
        resource: StrCol = spans::RESOURCE,
        request_id: StrCol = spans::REQUEST_ID,
        annotations: StrCol = spans::ANNOTATIONS,
        cause: StrCol = spans::CAUSE,
    }
);

frame_builder!(
    /// Builds the `costs` frame.
    CostsBuilder,
    /// One row of the `costs` frame.
    CostRow,
    Frame::Costs,
    {
        source: StrCol = costs::SOURCE,
        period_start: TimeCol = costs::PERIOD_START,
        period_end: TimeCol = costs::PERIOD_END,
        dimension: StrCol = costs::DIMENSION,
        key: StrCol = costs::KEY,
        dimension2: StrCol = costs::DIMENSION2,
        key2: StrCol = costs::KEY2,
        metric: StrCol = costs::METRIC,
        amount: F64Col = costs::AMOUNT,
        unit: StrCol = costs::UNIT,
        estimated: BoolCol = costs::ESTIMATED,
    }
);

frame_builder!(
    /// Builds the `invocations` frame (used by the invocation assembler).
    InvocationsBuilder,
    /// One row of the `invocations` frame.
    InvocationRow,
    Frame::Invocations,
    {
        function: StrCol = super::invocations::FUNCTION,
        request_id: StrCol = super::invocations::REQUEST_ID,
        trace_id: StrCol = super::invocations::TRACE_ID,
        start: TimeCol = super::invocations::START,
        duration_ms: F64Col = super::invocations::DURATION_MS,
        billed_ms: F64Col = super::invocations::BILLED_MS,
        memory_mb: I64Col = super::invocations::MEMORY_MB,
        max_memory_mb: I64Col = super::invocations::MAX_MEMORY_MB,
        init_ms: F64Col = super::invocations::INIT_MS,
        restore_ms: F64Col = super::invocations::RESTORE_MS,
        cold: BoolCol = super::invocations::COLD,
        cold_kind: StrCol = super::invocations::COLD_KIND,
        status: StrCol = super::invocations::STATUS,
        log_group: StrCol = super::invocations::LOG_GROUP,
        region: StrCol = super::invocations::REGION,
        account: StrCol = super::invocations::ACCOUNT,
        version: StrCol = super::invocations::VERSION,
    }
);

/// A stable content ID for a log line that came without a CloudWatch event ID.
///
/// Two imports of the same line (same group, stream, time and text) get the same ID, so the
/// second adds nothing; two equal lines at the same instant in one stream also collapse,
/// which is the price of having no event ID.
pub fn content_event_id(
    group: Option<&str>,
    stream: Option<&str>,
    ts: Option<i64>,
    message: &str,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(group.unwrap_or("").as_bytes());
    h.update([0]);
    h.update(stream.unwrap_or("").as_bytes());
    h.update([0]);
    h.update(ts.unwrap_or(i64::MIN).to_le_bytes());
    h.update(message.as_bytes());
    let d = h.finalize();
    let mut s = String::with_capacity(34);
    s.push_str("h:");
    for b in &d[..16] {
        s.push_str(&format!("{b:02x}"));
    }
    s
}
