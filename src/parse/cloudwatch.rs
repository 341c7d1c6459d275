//! CloudWatch Logs containers: FilterLogEvents / GetLogEvents output, subscription payloads,
//! JSON Lines of events, JSON log records, and log text. Each event's message goes to
//! [`super::message`].
//!
//! - FilterLogEvents / GetLogEvents documents (one, or pages appended one after another) are
//!   streamed: the `events` array is walked with a serde `SeqAccess` visitor and each event is
//!   read into a borrowed struct, so a multi-GB file is never held as a `serde_json::Value`.
//!   When a document is broken (truncated, invalid UTF-8 inside a string), the broken event is
//!   counted and reading resumes at the next event object.
//! - Events are checked one by one: a missing or mistyped `message`/`timestamp`, a message over
//!   [`MAX_LINE_BYTES`], a repeated event ID are each counted with their [`SkipReason`].
//! - Log text is split into records: a line that starts a record (a timestamp or log-stream
//!   prefix, a platform keyword, a `[LEVEL]` or request-ID prefix, a one-line JSON object) begins
//!   one; a line without its own timestamp (a multi-line JSON dump, a stack trace, a `...`
//!   elision) continues the application line before it.

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

use super::message::{self, CowStr, EventMeta, MessageState, RecOrOther, Val};
use super::{Batch, MAX_LINE_BYTES, ParseContext, SkipReason, lambda, time};

/// FilterLogEvents / GetLogEvents output (`{"events": [...]}`), one or more documents.
pub fn parse_events_json(input: &[u8], ctx: &ParseContext, out: &mut Batch) {
    events_json(input, ctx, out, true);
}

/// [`parse_events_json`]; `fast: false` reads with serde only (tests compare the two).
fn events_json(input: &[u8], ctx: &ParseContext, out: &mut Batch, fast: bool) {
    let input = strip_bom(input);
    let mut st = MessageState::for_input(input.len());
    let mut sink = Sink {
        st: &mut st,
        ctx,
        out,
        skip: 0,
    };
    let mut pos = skip_ws(input, 0);
    if pos >= input.len() {
        return;
    }
    // The fast scanner reads the usual layout; at anything else it hands the document it is
    // in to the serde reader below, which skips the events already read (see `fast`).
    if fast {
        match fast::documents(input, pos, &mut sink) {
            Ok(()) => return,
            Err(b) => {
                pos = b.doc_start;
                sink.skip = b.emitted;
            }
        }
    }
    let slice = &input[pos..];
    let mut de = serde_json::Deserializer::from_slice(slice);
    loop {
        match (DocSeed { sink: &mut sink }).deserialize(&mut de) {
            Ok(()) => {
                if de.end().is_ok() {
                    return;
                }
            }
            Err(e) => {
                sink.out.records += 1;
                sink.out.skip(message::json_error_reason(&e));
                pos += error_offset(slice, &e);
                resync_events(input, pos, &mut sink);
                return;
            }
        }
    }
}

/// A decoded subscription-filter payload (`DATA_MESSAGE`; a `CONTROL_MESSAGE` is counted and
/// skipped), or several appended (as Firehose writes them).
pub fn parse_subscription(input: &[u8], ctx: &ParseContext, out: &mut Batch) {
    let input = strip_bom(input);
    let mut st = MessageState::for_input(input.len());
    let mut sink = Sink {
        st: &mut st,
        ctx,
        out,
        skip: 0,
    };
    let mut pos = 0;
    loop {
        pos = skip_ws(input, pos);
        if pos >= input.len() {
            return;
        }
        let mut it = serde_json::Deserializer::from_slice(&input[pos..]).into_iter::<SubDoc<'_>>();
        match it.next() {
            None => return,
            Some(Ok(doc)) => {
                let used = it.byte_offset();
                sink.subscription(doc);
                pos += used.max(1);
            }
            Some(Err(e)) => {
                sink.out.records += 1;
                sink.out.skip(message::json_error_reason(&e));
                match next_object_with_keys(input, pos + 1, SUB_KEYS) {
                    Some(p) => pos = p,
                    None => return,
                }
            }
        }
    }
}

/// JSON Lines of CloudWatch events (`{"timestamp":…,"message":…}` per line), or a JSON array of them.
pub fn parse_event_lines(input: &[u8], ctx: &ParseContext, out: &mut Batch) {
    let input = strip_bom(input);
    let mut st = MessageState::for_input(input.len());
    let mut sink = Sink {
        st: &mut st,
        ctx,
        out,
        skip: 0,
    };
    let pos = skip_ws(input, 0);
    if input.get(pos) == Some(&b'[') {
        let slice = &input[pos..];
        let mut de = serde_json::Deserializer::from_slice(slice);
        let seed = EventsSeed {
            sink: &mut sink,
            doc: DocMeta::default(),
        };
        if let Err(e) = seed.deserialize(&mut de).and_then(|()| de.end()) {
            sink.out.records += 1;
            sink.out.skip(message::json_error_reason(&e));
            resync_events(input, pos + error_offset(slice, &e), &mut sink);
        }
        return;
    }
    let st = &mut *sink.st;
    for_each_line(input, sink.out, |line, out| {
        let mut s = Sink {
            st: &mut *st,
            ctx,
            out,
            skip: 0,
        };
        match serde_json::from_str::<RawEvent<'_>>(line.trim()) {
            Ok(ev) => s.event(ev, &DocMeta::default()),
            Err(e) => {
                s.out.records += 1;
                s.out.skip(message::json_error_reason(&e));
            }
        }
    });
}

/// Log text: raw Lambda output, `aws logs tail` (`<ISO ts> <stream> <message>`), `sam logs`
/// (`<stream> <ts> <message>`), CloudWatch S3 export lines (`<ISO ts> <message>`).
pub fn parse_text(input: &[u8], ctx: &ParseContext, out: &mut Batch) {
    let input = strip_bom(input);
    let mut st = MessageState::for_input(input.len());
    let mut pending: Option<Pending<'_>> = None;
    let mut blanks = 0u64;
    let mut pos = 0usize;
    while pos < input.len() {
        let nl = memchr::memchr(b'\n', &input[pos..]).map_or(input.len(), |i| pos + i);
        let line_start = pos;
        let mut line_end = nl;
        if line_end > line_start && input[line_end - 1] == b'\r' {
            line_end -= 1;
        }
        pos = nl + 1;
        let bytes = &input[line_start..line_end];
        if bytes.len() > MAX_LINE_BYTES {
            flush(&mut st, pending.take(), input, ctx, out);
            flush_blanks(&mut blanks, out);
            out.records += 1;
            out.skip(SkipReason::LineTooLong);
            continue;
        }
        let Ok(line) = std::str::from_utf8(bytes) else {
            flush(&mut st, pending.take(), input, ctx, out);
            flush_blanks(&mut blanks, out);
            out.records += 1;
            out.skip(SkipReason::InvalidUtf8);
            continue;
        };
        if line.trim().is_empty() {
            blanks += 1;
            continue;
        }
        match classify_line(line) {
            LineKind::Candidate if pending.as_ref().is_some_and(|p| p.continuable) => {
                if let Some(p) = pending.as_mut() {
                    p.end = line_end;
                }
                blanks = 0;
            }
            kind => {
                flush(&mut st, pending.take(), input, ctx, out);
                flush_blanks(&mut blanks, out);
                pending = Some(match kind {
                    LineKind::Record {
                        msg_start,
                        ts,
                        stream,
                        continuable,
                    } => Pending {
                        start: (line_start + msg_start).min(line_end),
                        end: line_end,
                        ts,
                        stream,
                        continuable,
                    },
                    LineKind::Candidate => Pending {
                        start: line_start,
                        end: line_end,
                        ts: None,
                        stream: None,
                        continuable: false,
                    },
                });
            }
        }
    }
    flush(&mut st, pending.take(), input, ctx, out);
    flush_blanks(&mut blanks, out);
}

/// JSON Lines of log records (Lambda JSON format, Powertools, API Gateway access logs).
pub fn parse_json_lines(input: &[u8], ctx: &ParseContext, out: &mut Batch) {
    let input = strip_bom(input);
    let mut st = MessageState::for_input(input.len());
    let meta = EventMeta::default();
    for_each_line(input, out, |line, out| {
        out.records += 1;
        message::parse_json_line(&mut st, line, &meta, ctx, out);
    });
}

/// A JSON array of log records, or one pretty-printed record (or several appended).
pub fn parse_json_records(input: &[u8], ctx: &ParseContext, out: &mut Batch) {
    let input = strip_bom(input);
    let mut st = MessageState::for_input(input.len());
    let pos = skip_ws(input, 0);
    if pos >= input.len() {
        return;
    }
    let mut de = serde_json::Deserializer::from_slice(&input[pos..]);
    loop {
        let seed = RecordsSeed {
            st: &mut st,
            ctx,
            out: &mut *out,
        };
        match seed.deserialize(&mut de) {
            Ok(()) => {
                if de.end().is_ok() {
                    return;
                }
            }
            Err(e) => {
                out.records += 1;
                out.skip(message::json_error_reason(&e));
                return;
            }
        }
    }
}

/// One event fetched through the FilterLogEvents API (the fields of the SDK's
/// `FilteredLogEvent`), checked and parsed exactly as the same event read from a FilterLogEvents
/// file: counts the record, skips a missing message or time, an oversized message or a repeated
/// event ID. Keep one `st` across the events of one log group, as an import keeps one per file.
pub fn parse_api_event(
    st: &mut MessageState,
    ev: &ApiEvent<'_>,
    ctx: &ParseContext,
    out: &mut Batch,
) {
    fn s(v: Option<&str>) -> Option<Val<'_>> {
        v.map(|v| Val::Str(std::borrow::Cow::Borrowed(v)))
    }
    let f = EventFields {
        timestamp: ev.timestamp.map(Val::I64),
        message: s(ev.message),
        message_in_buf: false,
        event_id: s(ev.event_id),
        log_stream: s(ev.log_stream),
        log_group: s(ev.log_group),
    };
    Sink {
        st,
        ctx,
        out,
        skip: 0,
    }
    .event(RawEvent::Event(f), &DocMeta::default());
}

/// The fields of one FilterLogEvents event, borrowed from an API response.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiEvent<'a> {
    /// `eventId`.
    pub event_id: Option<&'a str>,
    /// `timestamp`, epoch milliseconds.
    pub timestamp: Option<i64>,
    /// `message`.
    pub message: Option<&'a str>,
    /// `logStreamName`.
    pub log_stream: Option<&'a str>,
    /// The log group the events were fetched from.
    pub log_group: Option<&'a str>,
}

// ---------------------------------------------------------------------------------------------
// Lines

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

fn skip_ws(b: &[u8], mut pos: usize) -> usize {
    while pos < b.len() && b[pos].is_ascii_whitespace() {
        pos += 1;
    }
    pos
}

fn flush_blanks(blanks: &mut u64, out: &mut Batch) {
    for _ in 0..*blanks {
        out.records += 1;
        out.skip(SkipReason::Empty);
    }
    *blanks = 0;
}

/// The lines of `input` (`\n` or `\r\n` endings; no empty piece after a final newline).
fn lines(input: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = input.strip_suffix(b"\n").unwrap_or(input);
    let empty = input.is_empty();
    body.split(|b| *b == b'\n')
        .filter(move |_| !empty)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// Call `f` for each non-blank line that is UTF-8 and not too long; count the others (blank
/// lines as [`SkipReason::Empty`]).
fn for_each_line<'a>(input: &'a [u8], out: &mut Batch, mut f: impl FnMut(&'a str, &mut Batch)) {
    for raw in lines(input) {
        if raw.len() > MAX_LINE_BYTES {
            out.records += 1;
            out.skip(SkipReason::LineTooLong);
            continue;
        }
        let Ok(line) = std::str::from_utf8(raw) else {
            out.records += 1;
            out.skip(SkipReason::InvalidUtf8);
            continue;
        };
        if line.trim().is_empty() {
            out.records += 1;
            out.skip(SkipReason::Empty);
            continue;
        }
        f(line, out);
    }
}

// ---------------------------------------------------------------------------------------------
// Events

/// Where the events of a document came from.
#[derive(Default, Clone, Copy)]
struct DocMeta<'a> {
    group: Option<&'a str>,
    stream: Option<&'a str>,
    account: Option<&'a str>,
}

/// Receives events: validates them and hands their messages on.
struct Sink<'s, 'c, 'o> {
    st: &'s mut MessageState,
    ctx: &'c ParseContext,
    out: &'o mut Batch,
    /// Events to pass over without a trace: the serde reader re-reads a document from its
    /// start after the fast scanner stopped in it, and the events read already come first.
    skip: usize,
}

impl Sink<'_, '_, '_> {
    /// Check one event and parse its message. Counts the record.
    fn event(&mut self, ev: RawEvent<'_>, doc: &DocMeta<'_>) {
        self.event_in(ev, doc, "");
    }

    /// [`Sink::event`] for an event read by [`EventSeed`]: `buf` holds its unescaped message.
    fn event_in(&mut self, ev: RawEvent<'_>, doc: &DocMeta<'_>, buf: &str) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        self.out.records += 1;
        let RawEvent::Event(f) = ev else {
            self.out.skip(SkipReason::BadValue);
            return;
        };
        let msg: &str = match &f.message {
            Some(Val::Str(_)) if f.message_in_buf => buf,
            Some(Val::Str(s)) => s,
            None | Some(Val::Null) => {
                self.out.skip(SkipReason::MissingField);
                return;
            }
            Some(_) => {
                self.out.skip(SkipReason::BadValue);
                return;
            }
        };
        let ts = match &f.timestamp {
            None | Some(Val::Null) => {
                self.out.skip(SkipReason::MissingField);
                return;
            }
            Some(v) => event_ts(v),
        };
        let Some(ts) = ts else {
            self.out.skip(SkipReason::BadValue);
            return;
        };
        if msg.len() > MAX_LINE_BYTES {
            self.out.skip(SkipReason::LineTooLong);
            return;
        }
        let id_text;
        let event_id = match &f.event_id {
            Some(Val::Str(s)) => Some(s.as_ref()),
            Some(Val::I64(n)) => {
                id_text = n.to_string();
                Some(id_text.as_str())
            }
            Some(Val::U64(n)) => {
                id_text = n.to_string();
                Some(id_text.as_str())
            }
            _ => None,
        };
        let stream = match &f.log_stream {
            Some(Val::Str(s)) => Some(s.as_ref()),
            _ => doc.stream,
        };
        let group = match &f.log_group {
            Some(Val::Str(s)) => Some(group_name(s)),
            _ => doc.group,
        };
        let meta = EventMeta {
            event_id,
            ts: Some(ts),
            log_group: group,
            log_stream: stream,
            account: doc.account,
        };
        message::parse_message_with(self.st, msg, &meta, self.ctx, self.out);
    }

    fn subscription(&mut self, doc: SubDoc<'_>) {
        let s = |v: &Option<Val<'_>>| -> Option<String> {
            match v {
                Some(Val::Str(s)) if !s.is_empty() => Some(s.to_string()),
                _ => None,
            }
        };
        if s(&doc.message_type).is_some_and(|t| t.eq_ignore_ascii_case("CONTROL_MESSAGE")) {
            self.out.records += 1;
            self.out.skip(SkipReason::Empty);
            return;
        }
        let (group, stream, owner) = (s(&doc.log_group), s(&doc.log_stream), s(&doc.owner));
        let meta = DocMeta {
            group: group.as_deref(),
            stream: stream.as_deref(),
            account: owner.as_deref(),
        };
        for ev in doc.log_events {
            self.event(ev, &meta);
        }
    }
}

/// A log group name from a name or a log-group ARN (`arn:aws:logs:R:A:log-group:NAME[:*]`).
fn group_name(s: &str) -> &str {
    match s.find(":log-group:") {
        Some(i) => s[i + ":log-group:".len()..].trim_end_matches(":*"),
        None => s,
    }
}

/// An event `timestamp`: epoch milliseconds (a number or digits), or an ISO-8601 text. µs.
fn event_ts(v: &Val<'_>) -> Option<i64> {
    match v {
        Val::I64(n) if *n >= 0 => time::from_epoch_ms(*n),
        Val::U64(n) => i64::try_from(*n).ok().and_then(time::from_epoch_ms),
        Val::F64(x) if x.is_finite() && *x >= 0.0 && *x < 1e15 => Some((x * 1000.0).round() as i64),
        Val::Str(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse::<i64>().ok().and_then(time::from_epoch_ms)
            } else {
                time::parse_iso(s)
            }
        }
        _ => None,
    }
}

/// The fields of one event, read leniently and checked in [`Sink::event`].
#[derive(Default)]
struct EventFields<'a> {
    timestamp: Option<Val<'a>>,
    /// With `message_in_buf`, a placeholder: the text is in the caller's buffer.
    message: Option<Val<'a>>,
    /// The message had escapes and was unescaped into the buffer given to [`EventSeed`].
    message_in_buf: bool,
    event_id: Option<Val<'a>>,
    log_stream: Option<Val<'a>>,
    log_group: Option<Val<'a>>,
}

/// One element of an `events` / `logEvents` array.
enum RawEvent<'a> {
    Event(EventFields<'a>),
    NotObject,
}

impl<'de: 'a, 'a> Deserialize<'de> for RawEvent<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EventSeed(None))
    }
}

/// The fields of one event object. With `buf`, a message with escapes is unescaped into it
/// (no allocation per event) and flagged in [`EventFields::message_in_buf`].
fn event_fields<'de, A: MapAccess<'de>>(
    mut map: A,
    mut buf: Option<&mut String>,
) -> Result<EventFields<'de>, A::Error> {
    let mut f = EventFields::default();
    while let Some(key) = map.next_key::<CowStr<'de>>()? {
        let slot = match key.0.as_ref() {
            "timestamp" => &mut f.timestamp,
            "message" => match buf.as_deref_mut() {
                Some(b) => {
                    let (v, in_buf) = map.next_value_seed(MessageSeed(b))?;
                    f.message = Some(v);
                    f.message_in_buf = in_buf;
                    continue;
                }
                None => &mut f.message,
            },
            "eventId" | "id" => &mut f.event_id,
            "logStreamName" | "logStream" => &mut f.log_stream,
            "logGroupName" | "logGroup" | "logGroupIdentifier" => &mut f.log_group,
            _ => {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
        };
        *slot = Some(map.next_value()?);
    }
    Ok(f)
}

/// Reads one array element as an event; with a buffer, a message with escapes is unescaped
/// into it (reused from event to event).
struct EventSeed<'b>(Option<&'b mut String>);

impl<'de> DeserializeSeed<'de> for EventSeed<'_> {
    type Value = RawEvent<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawEvent<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EventSeed<'_> {
    type Value = RawEvent<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CloudWatch Logs event")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        event_fields(map, self.0).map(RawEvent::Event)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawEvent::NotObject)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(RawEvent::NotObject)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(RawEvent::NotObject)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(RawEvent::NotObject)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(RawEvent::NotObject)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(RawEvent::NotObject)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(RawEvent::NotObject)
    }
}

/// An event's `message` value: a string without escapes is borrowed; one with escapes is
/// unescaped into the buffer (`true` in the result); any other value is read as a [`Val`].
struct MessageSeed<'b>(&'b mut String);

impl<'de> DeserializeSeed<'de> for MessageSeed<'_> {
    type Value = (Val<'de>, bool);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MessageSeed<'_> {
    type Value = (Val<'de>, bool);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok((Val::Str(std::borrow::Cow::Borrowed(v)), false))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.0.clear();
        self.0.push_str(v);
        Ok((Val::Str(std::borrow::Cow::Borrowed("")), true))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok((Val::Bool(v), false))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok((Val::I64(v), false))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok((Val::U64(v), false))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok((Val::F64(v), false))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Val::Null, false))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((Val::Null, false))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        // Not a string: only its being a value of the wrong type matters.
        Val::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(|v| (v, false))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Val::deserialize(de::value::MapAccessDeserializer::new(map)).map(|v| (v, false))
    }
}

/// Reads one FilterLogEvents / GetLogEvents document, streaming its `events`.
struct DocSeed<'k, 's, 'c, 'o> {
    sink: &'k mut Sink<'s, 'c, 'o>,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a FilterLogEvents or GetLogEvents document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            if key.0 == "events" {
                map.next_value_seed(EventsSeed {
                    sink: &mut *self.sink,
                    doc: DocMeta::default(),
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Streams an array of events into the sink, one element at a time.
struct EventsSeed<'k, 's, 'c, 'o, 'm> {
    sink: &'k mut Sink<'s, 'c, 'o>,
    doc: DocMeta<'m>,
}

impl<'de> DeserializeSeed<'de> for EventsSeed<'_, '_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EventsSeed<'_, '_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // One buffer for every message with escapes (most: a trailing `\n`, JSON in JSON).
        let mut buf = String::new();
        while let Some(ev) = seq.next_element_seed(EventSeed(Some(&mut buf)))? {
            self.sink.event_in(ev, &self.doc, &buf);
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// A decoded subscription-filter payload. Events are few per payload, so they are collected
/// (borrowed) first: the group may come after them in the document.
#[derive(Deserialize)]
struct SubDoc<'a> {
    #[serde(rename = "messageType", borrow, default)]
    message_type: Option<Val<'a>>,
    #[serde(borrow, default)]
    owner: Option<Val<'a>>,
    #[serde(rename = "logGroup", borrow, default)]
    log_group: Option<Val<'a>>,
    #[serde(rename = "logStream", borrow, default)]
    log_stream: Option<Val<'a>>,
    #[serde(rename = "logEvents", borrow, default)]
    log_events: Vec<RawEvent<'a>>,
}

const EVENT_KEYS: &[&str] = &[
    "timestamp",
    "message",
    "eventId",
    "id",
    "ingestionTime",
    "logStreamName",
    "logGroupName",
    "logGroupIdentifier",
];
const SUB_KEYS: &[&str] = &[
    "messageType",
    "owner",
    "logGroup",
    "logStream",
    "subscriptionFilters",
    "logEvents",
];

/// Byte offset (in `slice`) of the position a JSON error names.
fn error_offset(slice: &[u8], e: &serde_json::Error) -> usize {
    let line = e.line();
    if line == 0 {
        return 0;
    }
    let mut start = 0usize;
    if line > 1 {
        match memchr::memchr_iter(b'\n', slice).nth(line - 2) {
            Some(i) => start = i + 1,
            None => return slice.len(),
        }
    }
    (start + e.column().saturating_sub(1)).min(slice.len())
}

/// The next `{` at or after `from` whose first key is one of `keys` (a structural `{`: inside a
/// JSON string a quote is always escaped, so `{` followed by `"` only occurs outside strings).
fn next_object_with_keys(input: &[u8], from: usize, keys: &[&str]) -> Option<usize> {
    let mut pos = from;
    while pos < input.len() {
        let i = pos + memchr::memchr(b'{', &input[pos..])?;
        let k = skip_ws(input, i + 1);
        if input.get(k) == Some(&b'"') {
            let ks = k + 1;
            if let Some(ke) = memchr::memchr(b'"', &input[ks..(ks + 64).min(input.len())]) {
                let key = &input[ks..ks + ke];
                if keys.iter().any(|w| w.as_bytes() == key) {
                    return Some(i);
                }
            }
        }
        pos = i + 1;
    }
    None
}

/// After a broken document: read every event object that follows, one by one.
fn resync_events(input: &[u8], from: usize, sink: &mut Sink<'_, '_, '_>) {
    let mut pos = from;
    while let Some(start) = next_object_with_keys(input, pos, EVENT_KEYS) {
        let mut it =
            serde_json::Deserializer::from_slice(&input[start..]).into_iter::<RawEvent<'_>>();
        match it.next() {
            Some(Ok(ev)) => {
                let used = it.byte_offset();
                sink.event(ev, &DocMeta::default());
                pos = start + used.max(1);
            }
            Some(Err(e)) => {
                sink.out.records += 1;
                sink.out.skip(message::json_error_reason(&e));
                pos = start + 1;
            }
            None => return,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fast path for FilterLogEvents / GetLogEvents documents

/// A hand-written scanner for the layout AWS writes (`{"events": [{...}, ...], ...}`, pretty or
/// compact), with less work per event than the serde reader: the usual keys compared as bytes,
/// strings found with `memchr`, a message without escapes borrowed, one with escapes unescaped
/// into one reused buffer in the same pass that finds its end.
///
/// It gives exactly what the serde reader gives, because it only reads what it fully checks:
/// - an event with anything unusual (an escaped key, a `\u` escape, a value that is not a plain
///   string or a non-negative integer, a repeated key, a non-object element) is read by serde
///   on its own, which reads it as it would inside the document;
/// - anything unusual around the events (a syntax error, truncation, an escaped top-level key,
///   a second `events` array) stops the scanner: the serde reader then reads that document
///   from its start, passing over the events already read ([`Sink::skip`]), and reports the
///   error exactly where it always did.
mod fast {
    use std::borrow::Cow;

    use serde::de::IgnoredAny;

    use super::{DocMeta, EventFields, RawEvent, Sink, Val};
    use crate::parse::has_control;

    /// Where the scanner stopped: the document start and the events it read in that document.
    pub(super) struct Bail {
        pub doc_start: usize,
        pub emitted: usize,
    }

    /// Stay well within serde_json's nesting limit (128) when a value is read on its own
    /// instead of inside the document (one or two levels shallower).
    const MAX_OPEN_BRACKETS: usize = 100;

    struct Scan<'a> {
        b: &'a [u8],
        pos: usize,
    }

    impl<'a> Scan<'a> {
        fn ws(&mut self) {
            while let Some(&c) = self.b.get(self.pos) {
                if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                    self.pos += 1;
                    // The indentation of a pretty-printed page (the AWS CLI's output): eight
                    // spaces at a time (one word compare), instead of a byte at a time.
                    while let Some(w) = self.b.get(self.pos..self.pos + 8)
                        && <[u8; 8]>::try_from(w).ok() == Some([b' '; 8])
                    {
                        self.pos += 8;
                    }
                } else {
                    break;
                }
            }
        }

        fn peek(&self) -> Option<u8> {
            self.b.get(self.pos).copied()
        }

        fn eat(&mut self, c: u8) -> bool {
            if self.peek() == Some(c) {
                self.pos += 1;
                true
            } else {
                false
            }
        }

        /// `{` and the whitespace after it: `Some(true)` when the object is empty (its `}` read
        /// too), `Some(false)` when a member follows, `None` when `pos` holds no object.
        fn open_object(&mut self) -> Option<bool> {
            if !self.eat(b'{') {
                return None;
            }
            self.ws();
            Some(self.eat(b'}'))
        }

        /// A member's key at `pos` (read by `read`), then `:` and whitespace: the value is next.
        fn member(&mut self, read: impl FnOnce(&mut Self) -> Option<&'a str>) -> Option<&'a str> {
            if self.peek() != Some(b'"') {
                return None;
            }
            let key = read(self)?;
            self.ws();
            if !self.eat(b':') {
                return None;
            }
            self.ws();
            Some(key)
        }

        /// The string at `pos` (which holds `"`) when it has no escape, checked as serde
        /// checks it (no raw control character, valid UTF-8); `None` otherwise.
        fn string(&mut self) -> Option<&'a str> {
            let start = self.pos + 1;
            let j = start + memchr::memchr2(b'"', b'\\', self.b.get(start..)?)?;
            if self.b[j] != b'"' {
                return None;
            }
            let raw = &self.b[start..j];
            self.pos = j + 1;
            plain_str(raw)
        }

        /// An event key at `pos` (which holds `"`): the keys AWS writes are matched as bytes,
        /// closing quote included (so exactly that key, without escapes); others as strings.
        fn key(&mut self) -> Option<&'a str> {
            let rest = &self.b[self.pos..];
            // One candidate per first letter, compared as a constant (inlined, no `memcmp`).
            macro_rules! known {
                ($k:literal) => {{
                    const QUOTED: &str = concat!("\"", $k, "\"");
                    if rest.starts_with(QUOTED.as_bytes()) {
                        self.pos += QUOTED.len();
                        return Some($k);
                    }
                }};
            }
            match rest.get(1) {
                Some(b'l') => known!("logStreamName"),
                Some(b't') => known!("timestamp"),
                Some(b'm') => known!("message"),
                Some(b'i') => known!("ingestionTime"),
                Some(b'e') => known!("eventId"),
                _ => {}
            }
            self.string()
        }

        /// The string at `pos` (which holds `"`) as a message: text without escapes borrowed
        /// (`Some(Some(text))`), text with escapes unescaped into `buf` in the same pass
        /// (`Some(None)`; the caller checks its UTF-8). `None` when serde must read it (a raw
        /// control character, a `\u` escape, an invalid escape, invalid UTF-8).
        fn message(&mut self, buf: &mut Vec<u8>) -> Option<Option<&'a str>> {
            let start = self.pos + 1;
            let mut i = start;
            buf.clear();
            loop {
                let j = quote_or_backslash(self.b, i)?;
                if self.b[j] == b'"' {
                    let raw = &self.b[start..j];
                    self.pos = j + 1;
                    if has_control(raw) {
                        return None;
                    }
                    if i == start {
                        return simdutf8::basic::from_utf8(raw).ok().map(Some);
                    }
                    buf.extend_from_slice(&self.b[i..j]);
                    return Some(None);
                }
                buf.extend_from_slice(&self.b[i..j]);
                buf.push(match self.b.get(j + 1)? {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'n' => b'\n',
                    b't' => b'\t',
                    b'r' => b'\r',
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    _ => return None,
                });
                i = j + 2;
            }
        }

        /// A non-negative integer as serde reads it into a `u64` (no sign, fraction, exponent
        /// or leading zero; fits).
        #[inline]
        fn uint(&mut self) -> Option<u64> {
            let start = self.pos;
            let mut n: u64 = 0;
            let mut len = 0;
            while let Some(&c) = self.b.get(start + len) {
                if !c.is_ascii_digit() {
                    break;
                }
                let d = u64::from(c - b'0');
                // The first 19 digits cannot overflow a `u64` (CloudWatch's milliseconds
                // have 13): checked arithmetic only after them.
                n = if len < 19 {
                    n * 10 + d
                } else {
                    n.checked_mul(10)?.checked_add(d)?
                };
                len += 1;
            }
            self.pos += len;
            if len == 0 || (len > 1 && self.b[start] == b'0') {
                return None;
            }
            match self.peek() {
                Some(b'.' | b'e' | b'E') => None,
                _ => Some(n),
            }
        }

        /// A string or non-negative integer value as a [`Val`] (a plain string borrowed).
        #[inline]
        fn scalar(&mut self) -> Option<Val<'a>> {
            match self.peek()? {
                b'"' => self.string().map(|s| Val::Str(Cow::Borrowed(s))),
                b'0'..=b'9' => self.uint().map(Val::U64),
                _ => None,
            }
        }

        /// Skip one value with serde (exactly as serde would read it), `None` on an error.
        fn skip_value(&mut self) -> Option<()> {
            let rest = self.b.get(self.pos..)?;
            let mut it = serde_json::Deserializer::from_slice(rest).into_iter::<IgnoredAny>();
            it.next()?.ok()?;
            let used = it.byte_offset();
            shallow(&rest[..used])?;
            self.pos += used;
            Some(())
        }
    }

    /// The first `"` or `\\` in `b` at or after `from` (`memchr2`, with the first 32 bytes
    /// checked inline). JSON-in-JSON messages have an escape every 10–20 bytes, and a
    /// `memchr2` call per escape cost more than the search itself; so the first bytes are
    /// checked 8 at a time in a `u64` ([`quote_or_backslash_mask`]), and only a longer run goes
    /// to `memchr2`.
    pub(super) fn quote_or_backslash(b: &[u8], from: usize) -> Option<usize> {
        let rest = b.get(from..)?;
        let mut i = 0;
        for chunk in rest.chunks_exact(8).take(4) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            let m = quote_or_backslash_mask(u64::from_le_bytes(bytes));
            if m != 0 {
                return Some(from + i + (m.trailing_zeros() / 8) as usize);
            }
            i += 8;
        }
        memchr::memchr2(b'"', b'\\', &rest[i..]).map(|p| from + i + p)
    }

    /// The high bit of each byte of `w` (little-endian) that is `"` or `\\`, exact up to and
    /// including the first such byte (bits after it may be set too: use the lowest). A byte
    /// equal to `c` is a zero byte of `w ^ c…c`, and `(v - 0x01…01) & !v & 0x80…80` marks the
    /// first zero byte of `v` exactly.
    fn quote_or_backslash_mask(w: u64) -> u64 {
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        let q = w ^ (LO * u64::from(b'"'));
        let s = w ^ (LO * u64::from(b'\\'));
        ((q.wrapping_sub(LO) & !q) | (s.wrapping_sub(LO) & !s)) & HI
    }

    /// `Some` when `b` has few enough brackets that its nesting stays within serde's limit.
    fn shallow(b: &[u8]) -> Option<()> {
        let n = memchr::memchr2_iter(b'{', b'[', b)
            .take(MAX_OPEN_BRACKETS + 1)
            .count();
        (n <= MAX_OPEN_BRACKETS).then_some(())
    }

    /// The unescaped bytes of a string as serde takes them (no raw control character, valid
    /// UTF-8); `None` otherwise. The short strings of an event (its ID, its stream) are
    /// ASCII, which needs no UTF-8 validation after `is_ascii` (for short input `simdutf8`
    /// hands over to `std`'s scalar check: 3% of the instructions of a text log's parse).
    fn plain_str(raw: &[u8]) -> Option<&str> {
        if has_control(raw) {
            return None;
        }
        if !raw.is_ascii() {
            return simdutf8::basic::from_utf8(raw).ok();
        }
        // SAFETY: every byte is below 0x80, so `raw` is ASCII, which is valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(raw) })
    }

    /// One event object in the usual form, its message unescaped into `buf` when it has
    /// escapes (`message_in_buf`). `None` when serde must read it.
    fn event<'a>(s: &mut Scan<'a>, buf: &mut Vec<u8>) -> Option<EventFields<'a>> {
        let mut f = EventFields::default();
        if s.open_object()? {
            return Some(f);
        }
        loop {
            let key = s.member(Scan::key)?;
            let slot = match key {
                "timestamp" => &mut f.timestamp,
                "message" => {
                    if f.message.is_some() || s.peek() != Some(b'"') {
                        return None;
                    }
                    match s.message(buf)? {
                        Some(m) => f.message = Some(Val::Str(Cow::Borrowed(m))),
                        None => {
                            f.message = Some(Val::Str(Cow::Borrowed("")));
                            f.message_in_buf = true;
                        }
                    }
                    s.ws();
                    if s.eat(b',') {
                        s.ws();
                        continue;
                    }
                    return s.eat(b'}').then_some(f);
                }
                "eventId" | "id" => &mut f.event_id,
                "logStreamName" | "logStream" => &mut f.log_stream,
                "logGroupName" | "logGroup" | "logGroupIdentifier" => &mut f.log_group,
                _ => {
                    // Read and dropped, as serde's `IgnoredAny` does: plain values only.
                    s.scalar()?;
                    s.ws();
                    if s.eat(b',') {
                        s.ws();
                        continue;
                    }
                    return s.eat(b'}').then_some(f);
                }
            };
            if slot.is_some() {
                return None;
            }
            *slot = Some(s.scalar()?);
            s.ws();
            if s.eat(b',') {
                s.ws();
                continue;
            }
            return s.eat(b'}').then_some(f);
        }
    }

    /// Read every document of `input` from `pos` (the first non-blank byte) into the sink.
    pub(super) fn documents(
        input: &[u8],
        pos: usize,
        sink: &mut Sink<'_, '_, '_>,
    ) -> Result<(), Bail> {
        let mut s = Scan { b: input, pos };
        let mut buf: Vec<u8> = Vec::new();
        loop {
            // Pages appended one after another: each a document (anything else makes
            // `document` stop at once, and serde reports it there).
            let doc_start = s.pos;
            let mut emitted = 0usize;
            if document(&mut s, &mut buf, sink, &mut emitted).is_none() {
                return Err(Bail { doc_start, emitted });
            }
            s.ws();
            if s.pos >= input.len() {
                return Ok(());
            }
        }
    }

    /// One document; `emitted` counts the events handed to the sink.
    fn document(
        s: &mut Scan<'_>,
        buf: &mut Vec<u8>,
        sink: &mut Sink<'_, '_, '_>,
        emitted: &mut usize,
    ) -> Option<()> {
        if s.open_object()? {
            return Some(());
        }
        let mut seen_events = false;
        loop {
            let key = s.member(Scan::string)?;
            if key == "events" {
                if seen_events {
                    return None;
                }
                seen_events = true;
                if s.peek() == Some(b'[') {
                    events(s, buf, sink, emitted)?;
                } else if s.b[s.pos..].starts_with(b"null") {
                    // serde reads a `null` array as empty.
                    s.pos += 4;
                } else {
                    return None;
                }
            } else {
                s.skip_value()?;
            }
            s.ws();
            if s.eat(b',') {
                s.ws();
                continue;
            }
            return s.eat(b'}').then_some(());
        }
    }

    /// The `events` array at `pos` (`[`), each event handed to the sink.
    fn events(
        s: &mut Scan<'_>,
        buf: &mut Vec<u8>,
        sink: &mut Sink<'_, '_, '_>,
        emitted: &mut usize,
    ) -> Option<()> {
        s.pos += 1;
        s.ws();
        if s.eat(b']') {
            return Some(());
        }
        let doc = DocMeta::default();
        loop {
            let start = s.pos;
            let done = match event(s, buf) {
                Some(f) if f.message_in_buf => match simdutf8::basic::from_utf8(buf) {
                    Ok(msg) => {
                        sink.event_in(RawEvent::Event(f), &doc, msg);
                        true
                    }
                    Err(_) => false,
                },
                Some(f) => {
                    sink.event_in(RawEvent::Event(f), &doc, "");
                    true
                }
                None => false,
            };
            if !done {
                // Read by serde, on its own (the same bytes give the same event).
                s.pos = start;
                let rest = &s.b[start..];
                let mut it = serde_json::Deserializer::from_slice(rest).into_iter::<RawEvent<'_>>();
                let ev = it.next()?.ok()?;
                let used = it.byte_offset();
                shallow(&rest[..used])?;
                s.pos = start + used;
                sink.event(ev, &doc);
            }
            *emitted += 1;
            s.ws();
            if s.eat(b',') {
                s.ws();
                continue;
            }
            return s.eat(b']').then_some(());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Log records (JSON arrays and documents)

/// Reads one top-level JSON value: an array of records or one record.
struct RecordsSeed<'s, 'c, 'o> {
    st: &'s mut MessageState,
    ctx: &'c ParseContext,
    out: &'o mut Batch,
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a log record or an array of them")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let meta = EventMeta::default();
        while let Some(rec) = seq.next_element::<RecOrOther<'de>>()? {
            self.out.records += 1;
            message::parse_record_value(self.st, rec, &meta, self.ctx, self.out);
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let rec = RecOrOther::deserialize(de::value::MapAccessDeserializer::new(map))?;
        self.out.records += 1;
        message::parse_record_value(self.st, rec, &EventMeta::default(), self.ctx, self.out);
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.not_record()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.not_record()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.not_record()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.not_record()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_record()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_record()
    }
}

impl RecordsSeed<'_, '_, '_> {
    fn not_record<E>(self) -> Result<(), E> {
        self.out.records += 1;
        self.out.skip(SkipReason::BadValue);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Log text

/// How a text line relates to records.
enum LineKind<'a> {
    /// The line starts a record; its message starts at `msg_start` (a prefix removed).
    Record {
        msg_start: usize,
        /// Time from a container prefix (`aws logs tail`, `sam logs`, S3 export).
        ts: Option<i64>,
        /// Log stream from a container prefix.
        stream: Option<&'a str>,
        /// Whether lines without a record start may continue this record.
        continuable: bool,
    },
    /// A line with no record start: it continues the previous record when that one allows it.
    Candidate,
}

/// A record being collected: `input[start..end]`.
struct Pending<'a> {
    start: usize,
    end: usize,
    ts: Option<i64>,
    stream: Option<&'a str>,
    continuable: bool,
}

fn flush(
    st: &mut MessageState,
    p: Option<Pending<'_>>,
    input: &[u8],
    ctx: &ParseContext,
    out: &mut Batch,
) {
    let Some(p) = p else { return };
    out.records += 1;
    // Every line of the record was checked for UTF-8; the range starts and ends at line bounds.
    let Ok(text) = simdutf8::basic::from_utf8(&input[p.start..p.end.max(p.start)]) else {
        out.skip(SkipReason::InvalidUtf8);
        return;
    };
    let meta = EventMeta {
        event_id: None,
        ts: p.ts,
        log_group: None,
        log_stream: p.stream,
        account: None,
    };
    message::parse_message_with(st, text, &meta, ctx, out);
}

/// The first token (up to a space or tab) and the rest, which starts at the separator.
fn split_tok(s: &str) -> (&str, &str) {
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// A log stream name as `aws logs tail` and `sam logs` print it: a Lambda stream
/// `2019/06/07/[$LATEST]e6f4…`, another name with a `/`, or a long hex ID.
fn is_stream_like(t: &str) -> bool {
    t.len() >= 8
        && !lambda::looks_like_iso(t)
        && !lambda::looks_like_request_id(t)
        && (t.as_bytes()[0].is_ascii_alphanumeric() && t.contains('/')
            || t.len() >= 16 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_time_tok(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() >= 8 && b[2] == b':' && b[5] == b':' && b[0].is_ascii_digit()
}

fn offset(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// Skip one separator character at the start of `rest` and return its offset in `line`.
fn after_sep(line: &str, rest: &str) -> usize {
    let o = offset(line, rest);
    if rest.starts_with([' ', '\t']) {
        o + 1
    } else {
        o
    }
}

fn classify_line(line: &str) -> LineKind<'_> {
    let (t1, rest1) = split_tok(line);
    if lambda::looks_like_iso(t1) {
        if rest1.starts_with('\t') {
            // Node.js runtime line: `<ts>\t<reqid>\t<LEVEL>\t<msg>`; the time is part of the message.
            return LineKind::Record {
                msg_start: 0,
                ts: None,
                stream: None,
                continuable: true,
            };
        }
        let ts1 = time::parse_iso(t1);
        let (t2, rest2) = split_tok(rest1.trim_start_matches(' '));
        if ts1.is_some() && is_stream_like(t2) {
            // `aws logs tail`: `<ts> <stream> <message>`.
            return LineKind::Record {
                msg_start: after_sep(line, rest2),
                ts: ts1,
                stream: Some(t2),
                continuable: true,
            };
        }
        if lambda::looks_like_request_id(t2) || (t1.len() == 10 && is_time_tok(t2)) {
            // A runtime line whose time belongs to it: `<ts> <reqid> Task timed out…`, log4j.
            return LineKind::Record {
                msg_start: 0,
                ts: None,
                stream: None,
                continuable: true,
            };
        }
        if let Some(ts) = ts1 {
            // CloudWatch S3 export: `<ts> <message>`.
            return LineKind::Record {
                msg_start: after_sep(line, rest1),
                ts: Some(ts),
                stream: None,
                continuable: true,
            };
        }
    }
    if is_stream_like(t1) {
        let (t2, rest2) = split_tok(rest1.trim_start_matches(' '));
        if lambda::looks_like_iso(t2)
            && let Some(ts) = time::parse_iso(t2)
        {
            // `sam logs`: `<stream> <ts> <message>`.
            return LineKind::Record {
                msg_start: after_sep(line, rest2),
                ts: Some(ts),
                stream: Some(t1),
                continuable: true,
            };
        }
    }
    if lambda::starts_platform_keyword(line) {
        return LineKind::Record {
            msg_start: 0,
            ts: None,
            stream: None,
            continuable: false,
        };
    }
    if lambda::looks_like_request_id(t1) || lambda::looks_like_iso(t1) || starts_with_level(line) {
        return LineKind::Record {
            msg_start: 0,
            ts: None,
            stream: None,
            continuable: true,
        };
    }
    let tl = line.trim();
    if tl.len() > 2 && tl.starts_with('{') && tl.ends_with('}') {
        return LineKind::Record {
            msg_start: 0,
            ts: None,
            stream: None,
            continuable: false,
        };
    }
    LineKind::Candidate
}

/// `[INFO]`, `[ERROR]`, … at the start of a line (Python runtime).
fn starts_with_level(line: &str) -> bool {
    let Some(r) = line.strip_prefix('[') else {
        return false;
    };
    let Some(end) = r.find(']').filter(|e| *e <= 10) else {
        return false;
    };
    matches!(
        r[..end].to_ascii_uppercase().as_str(),
        "TRACE" | "DEBUG" | "INFO" | "WARN" | "WARNING" | "ERROR" | "FATAL" | "CRITICAL"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::facts::FactKind;
    use polars::prelude::{DataFrame, DataType};

    fn ctx(group: Option<&str>) -> ParseContext {
        ParseContext {
            log_group: group.map(str::to_owned),
            ..ParseContext::default()
        }
    }

    fn run(f: fn(&[u8], &ParseContext, &mut Batch), input: &[u8], c: &ParseContext) -> Batch {
        let mut out = Batch::default();
        f(input, c, &mut out);
        out
    }

    fn df(out: Batch) -> DataFrame {
        out.logs.finish().unwrap()
    }

    fn col(df: &DataFrame, name: &str) -> Vec<Option<String>> {
        df.column(name)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect()
    }

    fn ts(df: &DataFrame) -> Vec<Option<i64>> {
        df.column("ts")
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect()
    }

    fn skipped(out: &Batch, r: SkipReason) -> u64 {
        out.skipped.get(&r).copied().unwrap_or(0)
    }

    const PAGE1: &str = r#"{
    "events": [
        {
            "logStreamName": "2024/05/09/[$LATEST]abc1024",
            "timestamp": 1712567843827,
            "message": "START RequestId: 11111111-2222-3333-4444-555555555555 Version: $LATEST\n",
            "ingestionTime": 1712567844822,
            "eventId": "00091539120382912324200901570000096855579456010247667712"
        },
        {
            "logStreamName": "2024/05/09/[$LATEST]abc1024",
            "timestamp": 1712567843900,
            "message": "REPORT RequestId: 11111111-2222-3333-4444-555555555555\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 150.00 ms\t\n",
            "ingestionTime": 1712567844822,
            "eventId": "00091539120382912324200901570000096855579456010247667713"
        }
    ],
    "searchedLogStreams": [],
    "nextToken": "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI7fXUaJlNs2o"
}
"#;

    #[test]
    fn filter_log_events_pages_appended() {
        let page2 = r#"{"events":[{"logStreamName":"s2","timestamp":1712567843850,"message":"hello \"quoted\"\n","eventId":"e3"}],"nextToken":null}"#;
        let input = format!("{PAGE1}{page2}\n");
        let out = run(
            parse_events_json,
            input.as_bytes(),
            &ctx(Some("/aws/lambda/my-fn")),
        );
        assert_eq!(out.records, 3);
        assert!(out.skipped.is_empty(), "{:?}", out.skipped);
        assert_eq!(out.facts.len(), 2);
        assert_eq!(out.facts[1].function.as_deref(), Some("my-fn"));
        assert_eq!(
            out.facts[1].log_stream.as_deref(),
            Some("2024/05/09/[$LATEST]abc1024")
        );
        assert_eq!(out.facts[1].ts, Some(1_712_567_843_900_000));
        let d = df(out);
        assert_eq!(col(&d, "event_id")[2].as_deref(), Some("e3"));
        assert_eq!(col(&d, "message")[2].as_deref(), Some("hello \"quoted\""));
        assert_eq!(col(&d, "log_stream")[2].as_deref(), Some("s2"));
        assert_eq!(
            col(&d, "log_group"),
            vec![Some("/aws/lambda/my-fn".to_owned()); 3]
        );
        // Out-of-order times across pages are fine: rows keep input order.
        assert_eq!(
            ts(&d),
            vec![
                Some(1_712_567_843_827_000),
                Some(1_712_567_843_900_000),
                Some(1_712_567_843_850_000)
            ]
        );
    }

    #[test]
    fn get_log_events_without_ids_uses_context() {
        let input = br#"{"events":[{"timestamp":1559763003171,"message":"START RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf Version: $LATEST\n","ingestionTime":1559763003309}],"nextForwardToken":"f/1","nextBackwardToken":"b/1"}"#;
        let c = ParseContext {
            log_stream: Some("st".into()),
            ..ctx(None)
        };
        let out = run(parse_events_json, input, &c);
        assert_eq!(out.facts[0].log_stream.as_deref(), Some("st"));
        assert_eq!(out.facts[0].function, None);
        let d = df(out);
        assert!(col(&d, "event_id")[0].as_deref().unwrap().starts_with("h:"));
        assert_eq!(col(&d, "log_group")[0], None);
    }

    /// The fast scanner and the serde reader give the same rows, facts, records and skips on
    /// valid documents, unusual ones, and every truncation and many corruptions of them.
    #[test]
    fn fast_scanner_matches_serde() {
        fn both(input: &[u8]) {
            let c = ctx(Some("/aws/lambda/f"));
            let mut a = Batch::default();
            events_json(input, &c, &mut a, true);
            let mut b = Batch::default();
            events_json(input, &c, &mut b, false);
            let what = String::from_utf8_lossy(input);
            assert_eq!(a.records, b.records, "records: {what}");
            assert_eq!(a.skipped, b.skipped, "skips: {what}");
            assert_eq!(a.facts, b.facts, "facts: {what}");
            let (da, db) = (a.logs.finish().unwrap(), b.logs.finish().unwrap());
            assert!(da.equals_missing(&db), "rows: {what}\n{da}\n{db}");
        }
        let page2 = r#"{"events":[{"logStreamName":"s2","timestamp":1712567843850,"message":"hello \"quoted\"\n","eventId":"e3"}],"nextToken":null}"#;
        let odd = [
            // Escapes the scanner leaves to serde, odd values and keys, repeated keys.
            r#"{"events":[{"timestamp":1,"message":"caf\u00e9 \ud83d\ude00","eventId":"u"},{"timestamp":2.5,"message":"f"},{"timestamp":-1,"message":"n"},{"timestamp":"1712567843850","message":"s","id":7},{"timestamp":3,"message":"a","message":"b"},{"timestamp":4,"message":"x","extra":{"a":[1,2]},"ingestionTime":null},{"time\u0073tamp":5,"message":"k"},{"timestamp":6,"message":"v","eventId":"w","logGroupName":"arn:aws:logs:r:1:log-group:/aws/lambda/g:*"}]}"#,
            r#"{"nextToken":"t","events":null}"#,
            r#"{"events":[],"events":[{"timestamp":1,"message":"two arrays"}]}"#,
            r#"{"events":[{"timestamp":1,"message":"x"},]}"#,
            r#"{"events":[{"timestamp":1,"message":"bad \q escape"},{"timestamp":2,"message":"after"}]}"#,
            r#"{"events":[{"timestamp":1,"message":"raw	tab"},{"timestamp":2,"message":"after"}]}"#,
            r#"{"events":[{"timestamp":18446744073709551616,"message":"big"},{}]} trailing"#,
            r#"{"ev\u0065nts":[{"timestamp":1,"message":"escaped key"}]}"#,
            "{}",
            r#"{"events":[{"timestamp":007,"message":"leading zeros"},{"timestamp":1,"message":"a"}]}"#,
            r#"{"events":[1,null,"s",[],{"timestamp":1,"message":"ok"}]}{"events":[{"timestamp":2,"message":"p2"}]}"#,
            // Trailing whitespace escapes, other escapes after them, non-ASCII text.
            r#"{"events":[{"timestamp":1,"message":"START RequestId: 1 Version: 1
","eventId":"t1"},{"timestamp":2,"message":"
"},{"timestamp":3,"message":"a 	

"},{"timestamp":4,"message":"café
"},{"timestamp":5,"message":"a
b
"},{"timestamp":6,"message":"x
""},{"timestamp":7,"message":"été 
"},{"timestamp":8,"message":"{"level":"INFO","message":"m"}
"},{"timestamp":9,"message":"y
A"},{"timestamp":10,"message":"z
"}]}"#,
        ];
        let mut docs: Vec<Vec<u8>> = vec![
            PAGE1.as_bytes().to_vec(),
            format!("{PAGE1}{page2}\n").into_bytes(),
        ];
        docs.extend(odd.iter().map(|d| d.as_bytes().to_vec()));
        for name in [
            "cloudwatch-filter-log-events.json",
            "cloudwatch-get-log-events-lambda.json",
        ] {
            let path = std::path::Path::new("/work/shared/fixtures/aws").join(name);
            if let Ok(b) = std::fs::read(path) {
                docs.push(b);
            }
        }
        // The scanner reads these to the end itself (no hand-over to serde).
        for d in [PAGE1, odd[0], odd[1], odd[10]] {
            let mut st = MessageState::default();
            let (c, mut out) = (ctx(None), Batch::default());
            let mut sink = Sink {
                st: &mut st,
                ctx: &c,
                out: &mut out,
                skip: 0,
            };
            assert!(fast::documents(d.as_bytes(), 0, &mut sink).is_ok(), "{d}");
        }
        for d in &docs {
            both(d);
            // Every truncation, and corruptions at many places.
            for cut in 0..d.len() {
                both(&d[..cut]);
            }
            for at in (0..d.len()).step_by(7) {
                for c in [b'"', b'\\', b',', b'}', b']', b'{', 0xff, b'x', 0x01] {
                    let mut m = d.clone();
                    m[at] = c;
                    both(&m);
                }
            }
        }
        // The size limit is on the unescaped message, trailing escapes included.
        for (n, tail) in [
            (MAX_LINE_BYTES - 1, r"\n"),
            (MAX_LINE_BYTES, r"\n"),
            (MAX_LINE_BYTES - 2, r"\n\n\n"),
        ] {
            let doc = format!(
                r#"{{"events":[{{"timestamp":1,"message":"{}{tail}"}},{{"timestamp":2,"message":"after"}}]}}"#,
                "x".repeat(n)
            );
            both(doc.as_bytes());
            let mut out = Batch::default();
            events_json(doc.as_bytes(), &ctx(None), &mut out, true);
            let too_long = n + tail.len() / 2 > MAX_LINE_BYTES;
            assert_eq!(
                out.skipped.contains_key(&SkipReason::LineTooLong),
                too_long,
                "{n}"
            );
        }
    }

    #[test]
    fn quote_or_backslash_finds_what_memchr2_finds() {
        // Bytes next to `"` (0x22) and `\` (0x5c), with the high bit, zero: no false match.
        let fill = [
            b'a', 0x21, 0x23, 0x5b, 0x5d, 0xa2, 0xdc, 0x00, 0x01, 0xff, 0x80,
        ];
        for len in 0..80 {
            for &f in &fill {
                let mut b = vec![f; len];
                let want = |b: &[u8], from: usize| {
                    b.get(from..)
                        .and_then(|r| memchr::memchr2(b'"', b'\\', r))
                        .map(|p| from + p)
                };
                for from in [0, 1, 7, 8, 9, len, len + 1] {
                    assert_eq!(fast::quote_or_backslash(&b, from), want(&b, from));
                }
                for at in 0..len {
                    for c in [b'"', b'\\'] {
                        b[at] = c;
                        for from in [0, 1, at, at + 1] {
                            assert_eq!(
                                fast::quote_or_backslash(&b, from),
                                want(&b, from),
                                "{len} {f} {at} {from}"
                            );
                        }
                        // A second match after the first.
                        if at + 3 < len {
                            b[at + 3] = b'"';
                            assert_eq!(fast::quote_or_backslash(&b, 0), want(&b, 0));
                            b[at + 3] = f;
                        }
                        b[at] = f;
                    }
                }
            }
        }
    }

    #[test]
    fn hostile_events() {
        let big = "x".repeat(MAX_LINE_BYTES + 1);
        let input = format!(
            r#"{{"events":[
  {{"timestamp": 1, "message": "ok-1", "eventId": "a"}},
  {{"timestamp": "soon", "message": "bad ts", "eventId": "b"}},
  {{"timestamp": 2, "message": 42, "eventId": "c"}},
  {{"timestamp": 3, "eventId": "d"}},
  17,
  {{"timestamp": 4, "message": "{big}", "eventId": "e"}},
  {{"timestamp": 5, "message": "dup", "eventId": "a"}},
  {{"timestamp": 6, "message": "ok-2", "eventId": "f"}}
]}}"#
        );
        let out = run(parse_events_json, input.as_bytes(), &ctx(None));
        assert_eq!(out.records, 8);
        assert_eq!(skipped(&out, SkipReason::BadValue), 3);
        assert_eq!(skipped(&out, SkipReason::MissingField), 1);
        assert_eq!(skipped(&out, SkipReason::LineTooLong), 1);
        assert_eq!(skipped(&out, SkipReason::Duplicate), 1);
        assert_eq!(
            col(&df(out), "message"),
            vec![Some("ok-1".into()), Some("ok-2".into())]
        );
    }

    #[test]
    fn invalid_utf8_inside_a_document_resumes_at_next_event() {
        let mut input = PAGE1
            .replace("Version: $LATEST", "Version: \u{1}BAD")
            .into_bytes();
        let at = input.windows(4).position(|w| w == b"\x01BAD").unwrap();
        input[at] = 0xff;
        let out = run(parse_events_json, &input, &ctx(None));
        assert_eq!(out.records, 2);
        assert_eq!(skipped(&out, SkipReason::InvalidUtf8), 1);
        assert_eq!(out.logs.len(), 1);
        assert!(matches!(out.facts[0].kind, FactKind::Report(_)));
    }

    #[test]
    fn truncated_document_keeps_what_came_before() {
        let cut = &PAGE1[..PAGE1.find("Init Duration").unwrap()];
        let out = run(parse_events_json, cut.as_bytes(), &ctx(None));
        assert_eq!(out.records, 2);
        assert_eq!(skipped(&out, SkipReason::MalformedJson), 1);
        assert_eq!(out.logs.len(), 1);
        // Syntax error in the middle of the first of two pages: the second page is still read.
        let broken = format!("{}\n{PAGE1}", PAGE1.replace("\"ingestionTime\": 1712567844822,\n            \"eventId\": \"00091539120382912324200901570000096855579456010247667713\"", "\"ingestionTime\": ]"));
        let out = run(parse_events_json, broken.as_bytes(), &ctx(None));
        assert_eq!(skipped(&out, SkipReason::MalformedJson), 1);
        assert_eq!(
            skipped(&out, SkipReason::Duplicate),
            1,
            "the START event of page 2 repeats page 1"
        );
        assert_eq!(out.logs.len(), 2);
    }

    #[test]
    fn empty_inputs() {
        for f in [
            parse_events_json,
            parse_subscription,
            parse_event_lines,
            parse_text,
            parse_json_lines,
            parse_json_records,
        ] {
            let out = run(f, b"", &ctx(None));
            assert_eq!(
                (out.records, out.skipped_total(), out.logs.len()),
                (0, 0, 0)
            );
        }
        let out = run(parse_events_json, br#"{"events":[]}"#, &ctx(None));
        assert_eq!((out.records, out.skipped_total()), (0, 0));
    }

    #[test]
    fn subscription_data_and_control_messages() {
        let input = br#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1432826855000,"message":"CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}{"logEvents":[{"id":"1","timestamp":1552518348220,"message":"END RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\n"},{"id":"1","timestamp":1552518348220,"message":"again"}],"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/lambda/echo","logStream":"2019/03/13/[$LATEST]94fa"}"#;
        let out = run(parse_subscription, input, &ctx(Some("/ignored")));
        assert_eq!(out.records, 3);
        assert_eq!(skipped(&out, SkipReason::Empty), 1);
        assert_eq!(skipped(&out, SkipReason::Duplicate), 1);
        let f = &out.facts[0];
        assert_eq!(
            (
                f.function.as_deref(),
                f.log_group.as_deref(),
                f.account.as_deref(),
                f.log_stream.as_deref()
            ),
            (
                Some("echo"),
                Some("/aws/lambda/echo"),
                Some("123456789012"),
                Some("2019/03/13/[$LATEST]94fa")
            )
        );
        // A broken payload followed by a good one.
        let input = br#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"x"}{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[{"id":"2","timestamp":1,"message":"y"}]}"#;
        let out = run(parse_subscription, input, &ctx(None));
        assert_eq!(skipped(&out, SkipReason::MalformedJson), 1);
        assert_eq!(col(&df(out), "message"), vec![Some("y".into())]);
    }

    #[test]
    fn event_lines_and_arrays() {
        let input = b"{\"timestamp\":1,\"message\":\"one\",\"logStreamName\":\"s\"}\n\n{\"timestamp\":2,\"message\":\"tw\n{\"timestamp\":3,\"message\":\"three\",\"logGroupName\":\"/aws/lambda/x\"}\n\xff\xfe\n";
        let out = run(parse_event_lines, input, &ctx(None));
        assert_eq!(out.records, 5);
        assert_eq!(skipped(&out, SkipReason::Empty), 1);
        assert_eq!(skipped(&out, SkipReason::MalformedJson), 1);
        assert_eq!(skipped(&out, SkipReason::InvalidUtf8), 1);
        let d = df(out);
        assert_eq!(
            col(&d, "log_group"),
            vec![None, Some("/aws/lambda/x".into())]
        );
        let out = run(
            parse_event_lines,
            br#"[{"timestamp":1,"message":"a"},{"timestamp":2,"message":"b"}]"#,
            &ctx(None),
        );
        assert_eq!((out.records, out.logs.len()), (2, 2));
    }

    #[test]
    fn raw_lambda_text_with_continuations() {
        let text = "START RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac Version: $LATEST\n\
2019-06-07T19:11:20.562Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tINFO\tENVIRONMENT VARIABLES\n\
{\n  \"A\": \"1\",\n  ...\n}\n\
2019-06-07T19:11:20.564Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tWARN\tEvent not processed.\n\
END RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\n\
...\n\
## print output\n\
{'key': 'value'}\n\
\n\
REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\t\n\
XRAY TraceId: 1-5e7d7595-212fxmpl9ee07c4884191322\tSegmentId: 42ffxmpl0645f474\tSampled: true\n";
        let out = run(
            parse_text,
            text.as_bytes(),
            &ctx(Some("/aws/lambda/my-function")),
        );
        assert_eq!(
            skipped(&out, SkipReason::Empty),
            2,
            "the `...` after END and the blank line"
        );
        assert_eq!(out.records, 10);
        let trace = out.facts.iter().find_map(|f| match &f.kind {
            FactKind::TraceId(t) => Some(t.clone()),
            _ => None,
        });
        assert_eq!(
            trace.as_deref(),
            Some("1-5e7d7595-212fxmpl9ee07c4884191322")
        );
        let d = df(out);
        let msgs = col(&d, "message");
        assert_eq!(
            msgs[1].as_deref(),
            Some("ENVIRONMENT VARIABLES\n{\n  \"A\": \"1\",\n  ...\n}")
        );
        assert_eq!(msgs[4].as_deref(), Some("## print output"));
        assert_eq!(msgs[5].as_deref(), Some("{'key': 'value'}"));
        assert_eq!(col(&d, "level")[2].as_deref(), Some("WARN"));
        assert_eq!(d.height(), 8);
    }

    #[test]
    fn tail_sam_and_export_prefixes() {
        let text = "2024-05-09T12:00:00.123000+00:00 2024/05/09/[$LATEST]abc START RequestId: 11111111-2222-3333-4444-555555555555 Version: $LATEST\n\
2024-05-09T12:00:00.200000+00:00 2024/05/09/[$LATEST]abc {\"level\":\"INFO\",\"message\":\"m\",\"requestId\":\"11111111-2222-3333-4444-555555555555\"}\n\
2023/07/05/[56]374cd 2023-07-05T10:16:34.376000 RESTORE_REPORT Restore Duration: 511.25 ms\n\
2023/07/05/[56]374cd 2023-07-05T10:16:34.565000 b771fecc-1b53-4faf-922d-1d74357b1676 DEBUG AbstractFlow:214 - multi\n\
\x20\x20continued\n\
2019-06-07T19:11:20.562Z END RequestId: 11111111-2222-3333-4444-555555555555\n";
        let out = run(parse_text, text.as_bytes(), &ctx(None));
        assert!(out.skipped.is_empty(), "{:?}", out.skipped);
        assert_eq!(out.records, 5);
        let d = df(out);
        assert_eq!(
            col(&d, "log_stream"),
            vec![
                Some("2024/05/09/[$LATEST]abc".into()),
                Some("2024/05/09/[$LATEST]abc".into()),
                Some("2023/07/05/[56]374cd".into()),
                Some("2023/07/05/[56]374cd".into()),
                None
            ]
        );
        assert_eq!(
            col(&d, "kind"),
            vec![
                Some("platform".into()),
                Some("app".into()),
                Some("platform".into()),
                Some("app".into()),
                Some("platform".into())
            ]
        );
        assert_eq!(
            col(&d, "message")[3].as_deref(),
            Some("AbstractFlow:214 - multi\n  continued")
        );
        assert_eq!(
            ts(&d),
            vec![
                time::parse_iso("2024-05-09T12:00:00.123Z"),
                time::parse_iso("2024-05-09T12:00:00.200Z"),
                time::parse_iso("2023-07-05T10:16:34.376Z"),
                time::parse_iso("2023-07-05T10:16:34.565Z"),
                time::parse_iso("2019-06-07T19:11:20.562Z"),
            ]
        );
    }

    #[test]
    fn hostile_text() {
        let mut input = b"START RequestId: a Version: 1\n\xff\xfe bad\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 10));
        input.extend(b"\r\nEND RequestId: a\r\n");
        let out = run(parse_text, &input, &ctx(None));
        assert_eq!(out.records, 4);
        assert_eq!(skipped(&out, SkipReason::InvalidUtf8), 1);
        assert_eq!(skipped(&out, SkipReason::LineTooLong), 1);
        assert_eq!(
            col(&df(out), "message"),
            vec![
                Some("START RequestId: a Version: 1".into()),
                Some("END RequestId: a".into())
            ]
        );
    }

    #[test]
    fn json_lines_of_records() {
        let mut input = b"{\"level\":\"INFO\",\"message\":\"a\"}\n{\"level\":\"INFO\",\"mess\n\n{\"level\":7,\"message\":[1,2]}\nSTART RequestId: x Version: 1\n".to_vec();
        input.extend(b"{\"message\":\"\xff\"}\n{\"message\":\"");
        input.extend(std::iter::repeat_n(b'y', MAX_LINE_BYTES));
        input.extend(b"\"}\n");
        let out = run(parse_json_lines, &input, &ctx(None));
        assert_eq!(out.records, 7);
        assert_eq!(skipped(&out, SkipReason::InvalidUtf8), 1);
        assert_eq!(skipped(&out, SkipReason::LineTooLong), 1);
        assert_eq!(skipped(&out, SkipReason::MalformedJson), 1);
        assert_eq!(skipped(&out, SkipReason::Empty), 1);
        let d = df(out);
        assert_eq!(
            col(&d, "message"),
            vec![
                Some("a".into()),
                Some("[1,2]".into()),
                Some("START RequestId: x Version: 1".into())
            ]
        );
        assert_eq!(col(&d, "level")[1].as_deref(), Some("7"));
    }

    #[test]
    fn json_records_array_single_and_truncated() {
        let out = run(
            parse_json_records,
            br#"[{"level":"INFO","message":"a"}, 5, {"level":"WARN","message":"b"}]"#,
            &ctx(None),
        );
        assert_eq!(
            (
                out.records,
                out.logs.len(),
                skipped(&out, SkipReason::BadValue)
            ),
            (3, 2, 1)
        );
        let out = run(
            parse_json_records,
            b"{\n  \"level\": \"INFO\",\n  \"message\": \"one\"\n}\n{\"message\":\"two\"}",
            &ctx(None),
        );
        assert_eq!((out.records, out.logs.len()), (2, 2));
        let out = run(
            parse_json_records,
            br#"[{"level":"INFO","message":"a"}, {"level":"WA"#,
            &ctx(None),
        );
        assert_eq!(
            (
                out.records,
                out.logs.len(),
                skipped(&out, SkipReason::MalformedJson)
            ),
            (2, 1, 1)
        );
    }

    #[test]
    fn line_classes() {
        assert!(is_stream_like(
            "2019/06/07/[$LATEST]e6f4a0c4241adcd70c262d34c0bbc85c"
        ));
        assert!(is_stream_like("0123456789abcdef0123456789abcdef"));
        assert!(!is_stream_like("8f507cfc-xmpl-4697-b07a-ac58fc914c95"));
        assert!(matches!(
            classify_line("  \"key\": \"value\""),
            LineKind::Candidate
        ));
        assert!(matches!(
            classify_line("[INFO]\t2020-02-14T18:19:39.441Z\tid\tmsg"),
            LineKind::Record {
                continuable: true,
                ..
            }
        ));
        assert!(matches!(
            classify_line("REPORT RequestId: x"),
            LineKind::Record {
                continuable: false,
                ..
            }
        ));
        assert_eq!(
            group_name("arn:aws:logs:us-east-1:123:log-group:/aws/lambda/f:*"),
            "/aws/lambda/f"
        );
    }
}
