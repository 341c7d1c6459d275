//! Detect an input's format from its content, never from its file name.
//!
//! Envelopes are opened first: gzip (`1f 8b`), base64 text of gzip (`H4sI…`, as a Kinesis or
//! Firehose record carries a subscription payload), and the Lambda subscription event
//! `{"awslogs":{"data":"…"}}`. Then the first bytes decide: Parquet magic, binary, a JSON
//! document (by its top-level keys), JSON Lines (by the keys of the first line), CUR CSV (by its
//! header), or log text.

use std::borrow::Cow;
use std::io::Read;

use base64::Engine;

/// Formats Skylens reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// FilterLogEvents / GetLogEvents output: `{"events":[{timestamp, message, …}]}`.
    CloudWatchEvents,
    /// A decoded subscription-filter payload: `{"messageType", "logGroup", "logEvents"}`.
    CloudWatchSubscription,
    /// JSON Lines of CloudWatch events, one `{timestamp, message, …}` per line.
    CloudWatchEventLines,
    /// Log text: raw Lambda output, `aws logs tail`, `sam logs`, or a CloudWatch export.
    LogText,
    /// JSON Lines of log records: Lambda JSON format, Powertools, API Gateway access logs.
    LogJsonLines,
    /// A JSON array of log records, or one pretty-printed record.
    LogJsonArray,
    /// X-Ray BatchGetTraces output (`Traces`), or one trace (`Id` + `Segments`).
    XrayTraces,
    /// X-Ray segment documents: one, an array, or one per line.
    XraySegments,
    /// X-Ray daemon raw format: a `{"format":"json","version":1}` header line, then a segment.
    XrayDaemonRaw,
    /// X-Ray GetTraceSummaries output.
    XrayTraceSummaries,
    /// X-Ray GetServiceGraph output.
    XrayServiceGraph,
    /// Cost Explorer GetCostAndUsage output (one page, or pages one after another).
    CostAndUsage,
    /// Cost Explorer GetTags output.
    CostTags,
    /// CUR line items as CSV: legacy (`lineItem/UnblendedCost`) or CUR 2.0 (`line_item_unblended_cost`).
    CurCsv,
    /// CUR 2.0 line items as Parquet.
    CurParquet,
    /// Not a format Skylens reads.
    Unknown,
    /// Binary content that is not one of the formats above.
    Binary,
    /// Nothing but white space.
    Empty,
}

impl Format {
    /// The name printed to the user.
    pub fn name(self) -> &'static str {
        match self {
            Format::CloudWatchEvents => "cloudwatch-events",
            Format::CloudWatchSubscription => "cloudwatch-subscription",
            Format::CloudWatchEventLines => "cloudwatch-event-lines",
            Format::LogText => "log-text",
            Format::LogJsonLines => "log-json-lines",
            Format::LogJsonArray => "log-json",
            Format::XrayTraces => "xray-traces",
            Format::XraySegments => "xray-segments",
            Format::XrayDaemonRaw => "xray-daemon-raw",
            Format::XrayTraceSummaries => "xray-trace-summaries",
            Format::XrayServiceGraph => "xray-service-graph",
            Format::CostAndUsage => "ce-cost-and-usage",
            Format::CostTags => "ce-tags",
            Format::CurCsv => "cur-csv",
            Format::CurParquet => "cur-parquet",
            Format::Unknown => "unknown",
            Format::Binary => "binary",
            Format::Empty => "empty",
        }
    }
}

/// The result of detection: the format, the payload to parse (envelopes opened), and the
/// envelopes that were opened, outermost first.
pub struct Detected<'a> {
    /// Detected format of `payload`.
    pub format: Format,
    /// The bytes to hand to the parser.
    pub payload: Cow<'a, [u8]>,
    /// Envelopes opened: `gzip`, `base64`, `awslogs`.
    pub envelopes: Vec<&'static str>,
}

/// Largest payload an envelope may expand to (guards against gzip bombs).
const MAX_EXPANDED: u64 = 4 << 30;

/// Detect the format of `input`, opening envelopes.
pub fn detect(input: &[u8]) -> Detected<'_> {
    let mut envelopes = Vec::new();
    let mut payload: Cow<'_, [u8]> = Cow::Borrowed(input);
    for _ in 0..4 {
        match open_envelope(&payload) {
            Some((name, inner)) => {
                envelopes.push(name);
                payload = Cow::Owned(inner);
            }
            None => break,
        }
    }
    let format = sniff(&payload);
    Detected {
        format,
        payload,
        envelopes,
    }
}

fn open_envelope(b: &[u8]) -> Option<(&'static str, Vec<u8>)> {
    if b.len() >= 2 && b[0] == 0x1f && b[1] == 0x8b {
        let mut out = Vec::new();
        let mut d = flate2::read::MultiGzDecoder::new(b).take(MAX_EXPANDED);
        return d.read_to_end(&mut out).ok().map(|_| ("gzip", out));
    }
    let t = trim_ascii(b);
    if t.starts_with(b"H4sI")
        && t.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'\n' | b'\r'))
    {
        let clean: Vec<u8> = t
            .iter()
            .copied()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        return base64::engine::general_purpose::STANDARD
            .decode(clean)
            .ok()
            .map(|v| ("base64", v));
    }
    if t.first() == Some(&b'{')
        && t.len() < (64 << 20)
        && memchr::memmem::find(&t[..t.len().min(64)], b"\"awslogs\"").is_some()
    {
        #[derive(serde::Deserialize)]
        struct Ev {
            awslogs: Data,
        }
        #[derive(serde::Deserialize)]
        struct Data {
            data: String,
        }
        let ev: Ev = serde_json::from_slice(t).ok()?;
        return Some(("awslogs", ev.awslogs.data.into_bytes()));
    }
    None
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

fn sniff(b: &[u8]) -> Format {
    if b.starts_with(b"PAR1") {
        return Format::CurParquet;
    }
    let head = &b[..b.len().min(8192)];
    if head.contains(&0) {
        return Format::Binary;
    }
    // Skip a UTF-8 byte-order mark.
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    let t = trim_ascii(b);
    if t.is_empty() {
        return Format::Empty;
    }
    match t[0] {
        b'{' => sniff_object(t),
        b'[' => sniff_array(t),
        _ => sniff_text(t),
    }
}

/// Classify a JSON object by its keys.
fn by_keys(keys: &[String]) -> Option<Format> {
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("events") && !has("type") {
        return Some(Format::CloudWatchEvents);
    }
    if has("logEvents") {
        return Some(Format::CloudWatchSubscription);
    }
    if has("Traces") || (has("Id") && has("Segments")) {
        return Some(Format::XrayTraces);
    }
    if has("TraceSummaries") {
        return Some(Format::XrayTraceSummaries);
    }
    if has("Services") {
        return Some(Format::XrayServiceGraph);
    }
    if has("ResultsByTime") {
        return Some(Format::CostAndUsage);
    }
    if has("Tags") && (has("ReturnSize") || has("TotalSize")) {
        return Some(Format::CostTags);
    }
    if has("format") && has("version") && keys.len() == 2 {
        return Some(Format::XrayDaemonRaw);
    }
    if has("trace_id") && (has("start_time") || has("id")) && (has("name") || has("type")) {
        return Some(Format::XraySegments);
    }
    // A subsegment document on its own (the X-Ray docs' examples carry no trace_id).
    if has("id") && has("start_time") && has("name") {
        return Some(Format::XraySegments);
    }
    None
}

fn sniff_object(t: &[u8]) -> Format {
    // The first line may be a whole JSON value: JSON Lines (or a one-line document).
    let first_end = memchr::memchr(b'\n', t).unwrap_or(t.len());
    let first = trim_ascii(&t[..first_end]);
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(first) {
        let keys: Vec<String> = m.keys().cloned().collect();
        if let Some(f) = by_keys(&keys) {
            return f;
        }
        if is_cloudwatch_event(&m) {
            return Format::CloudWatchEventLines;
        }
        return Format::LogJsonLines;
    }
    // Fast path for FilterLogEvents / GetLogEvents output (`{"events": [...], ...}`, hundreds of
    // MB): `by_keys` says CloudWatchEvents for any key set with `events` and without `type`.
    // When the first key is `events` and the bytes `"type"` occur nowhere in the document,
    // `type` cannot be one of its keys (a key is always written between unescaped quotes), so
    // the answer is known without walking every string of the document as `top_level_keys`
    // does. `memmem` runs at memory speed; any `"type"` falls back to the full walk.
    if first_key_is_events(t) && memchr::memmem::find(t, b"\"type\"").is_none() {
        return Format::CloudWatchEvents;
    }
    // A pretty-printed document: read its top-level keys.
    let keys = top_level_keys(t);
    if let Some(f) = by_keys(&keys) {
        return f;
    }
    if keys
        .iter()
        .any(|k| k == "timestamp" || k == "time" || k == "message" || k == "level")
    {
        return Format::LogJsonArray;
    }
    Format::Unknown
}

/// Whether the first key of the object `t` (which starts with `{`) is `events`, as
/// [`top_level_keys`] reads it (white space, then exactly `"events"`).
fn first_key_is_events(t: &[u8]) -> bool {
    let Some(rest) = t.strip_prefix(b"{") else {
        return false;
    };
    let start = rest
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(rest.len());
    rest[start..].starts_with(b"\"events\"")
}

fn is_cloudwatch_event(m: &serde_json::Map<String, serde_json::Value>) -> bool {
    m.get("message").is_some_and(|v| v.is_string())
        && m.get("timestamp").is_some_and(|v| v.is_number())
        && (m.contains_key("eventId")
            || m.contains_key("ingestionTime")
            || m.contains_key("logStreamName")
            || m.len() <= 3)
}

fn sniff_array(t: &[u8]) -> Format {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_slice::<serde_json::Value>(t) else {
        // A truncated array: let the log-record parser count what it can't read.
        return Format::LogJsonArray;
    };
    match items.first() {
        Some(serde_json::Value::Object(m)) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            match by_keys(&keys) {
                Some(Format::XraySegments) => Format::XraySegments,
                Some(Format::CostAndUsage) => Format::CostAndUsage,
                _ if is_cloudwatch_event(m) => Format::CloudWatchEventLines,
                _ => Format::LogJsonArray,
            }
        }
        _ => Format::LogJsonArray,
    }
}

fn sniff_text(t: &[u8]) -> Format {
    let first_end = memchr::memchr(b'\n', t).unwrap_or(t.len());
    let first = &t[..first_end.min(1 << 16)];
    let is_cur = memchr::memmem::find(first, b"lineItem/").is_some()
        || memchr::memmem::find(first, b"line_item_").is_some()
        || memchr::memmem::find(first, b"identity/LineItemId").is_some();
    if is_cur && first.contains(&b',') {
        return Format::CurCsv;
    }
    if std::str::from_utf8(&t[..t.len().min(4096)]).is_err()
        && std::str::from_utf8(&t[..t.len().min(4093)]).is_err()
    {
        return Format::Binary;
    }
    if looks_like_log(t) {
        Format::LogText
    } else {
        Format::Unknown
    }
}

/// Whether text looks like log output: among its first 200 lines, one starts with a Lambda
/// platform keyword, a time, a Python `[LEVEL]` prefix, or carries a tab-separated request ID.
/// Prose, CSV column lists and format templates do not.
fn looks_like_log(t: &[u8]) -> bool {
    const PLATFORM: [&[u8]; 9] = [
        b"START RequestId:",
        b"END RequestId:",
        b"REPORT RequestId:",
        b"INIT_START",
        b"INIT_REPORT",
        b"RESTORE_START",
        b"RESTORE_REPORT",
        b"EXTENSION",
        b"XRAY TraceId:",
    ];
    let head = &t[..t.len().min(1 << 20)];
    for line in head.split(|&c| c == b'\n').take(200) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if PLATFORM.iter().any(|k| line.starts_with(k)) {
            return true;
        }
        if line.len() >= 19
            && line[..4].iter().all(u8::is_ascii_digit)
            && matches!(line[4], b'-' | b'/')
        {
            return true;
        }
        if line.first() == Some(&b'[') && line.contains(&b'\t') {
            return true;
        }
        // `sam logs`: `<stream> <time> …`; stream names start with a date `YYYY/MM/DD/`.
        if let Some(sp) = memchr::memchr(b' ', line) {
            let rest = &line[sp + 1..];
            if rest.len() >= 19 && rest[..4].iter().all(u8::is_ascii_digit) && rest[4] == b'-' {
                return true;
            }
        }
    }
    false
}

/// The keys of the top-level object of a JSON document, read without parsing the values.
/// Stops after 64 keys; tolerates a truncated document.
pub fn top_level_keys(t: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut i = 0usize;
    let mut expect_key = false;
    while i < t.len() && keys.len() < 64 {
        match t[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                // To the closing quote, stepping over escapes (memchr: strings are most of a
                // document's bytes).
                while i < t.len() {
                    match memchr::memchr2(b'"', b'\\', &t[i..]) {
                        Some(j) if t[i + j] == b'\\' => i += j + 2,
                        Some(j) => {
                            i += j;
                            break;
                        }
                        None => i = t.len(),
                    }
                }
                if depth == 1 && expect_key {
                    if let Some(k) = t.get(start..i.min(t.len())) {
                        keys.push(String::from_utf8_lossy(k).into_owned());
                    }
                    expect_key = false;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1 && t[i] == b'{';
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => expect_key = true,
            _ => {}
        }
        i += 1;
    }
    keys
}

#[cfg(test)]
#[path = "detect_tests.rs"]
mod tests;
