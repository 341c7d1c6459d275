//! One CloudWatch message → a `logs` row and invocation facts.
//!
//! A message is one of:
//! - a Lambda platform line in text form (`START`, `REPORT`, …, see [`super::lambda`]);
//! - a Lambda platform event in JSON form (`{"time","type":"platform.*","record"}`);
//! - an application line in a runtime's text format: Python `[LEVEL]\t<ts>\t<reqid>\t<msg>`,
//!   Node.js `<ts>\t<reqid>\t<LEVEL>\t<msg>`, Java/log4j `<ts> <reqid> LEVEL Class - msg` or
//!   `<reqid> LEVEL …`, or plain text;
//! - a JSON application record: Lambda JSON log format, Powertools (Python, TypeScript, Java,
//!   .NET; keys in any casing), any JSON log line;
//! - an API Gateway access log line in JSON (REST, HTTP API, WebSocket).
//!
//! Every message yields one `logs` row (or one counted skip). JSON is read with a map visitor
//! that borrows strings from the input and writes the keys that have no column of their own
//! straight into the compact `fields` text, without building a `serde_json::Value`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write as _;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::lambda::{self, PlatformLine};
use super::{Batch, ParseContext, SkipReason, time};
use crate::model::builders::{LogRow, content_event_id};
use crate::model::facts::{FactKind, InvocationFact, Report, Status};

/// `kind` of a Lambda platform line.
pub const KIND_PLATFORM: &str = "platform";
/// `kind` of an application line.
pub const KIND_APP: &str = "app";
/// `kind` of an API Gateway access log line.
pub const KIND_ACCESS: &str = "access";

/// Where a message came from.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventMeta<'a> {
    /// CloudWatch event ID, when the container has one.
    pub event_id: Option<&'a str>,
    /// Event time, µs.
    pub ts: Option<i64>,
    /// Log group.
    pub log_group: Option<&'a str>,
    /// Log stream.
    pub log_stream: Option<&'a str>,
    /// Account that owns the log group (a subscription payload's `owner`), when known.
    pub account: Option<&'a str>,
}

/// State kept across the messages of one input: event IDs seen (duplicates are skipped), and per
/// log stream the request in progress and the request of the last REPORT (a standalone
/// `XRAY TraceId:` line, a bare `Task timed out` or an `INIT_REPORT Phase: invoke` refer to them).
#[derive(Default)]
pub struct MessageState {
    seen: HashSet<u64, BuildHasherDefault<IdHasher>>,
    dup_next: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
    // Keyed by log stream; foldhash (Polars' map) rather than SipHash (`sip::Hasher::write`
    // was 1.2% of the instructions of a text log's parse).
    current: polars::prelude::PlHashMap<String, String>,
    last_report: polars::prelude::PlHashMap<String, String>,
    names: Interner,
}

/// One shared `Arc<str>` per distinct function, log group, log stream, region and account of
/// an input: facts repeat them, and cloning an `Arc` is cheaper than allocating a `String`
/// per fact. `cur` holds the values of the message being read, one slot each (the group and
/// function of a file never change, a stream often repeats, so a slot is rarely looked up
/// again); [`FactSrc`] borrows them, so only the facts themselves clone an `Arc`. The set
/// holds every value seen.
#[derive(Default)]
struct Interner {
    set: polars::prelude::PlHashSet<Arc<str>>,
    cur: [Option<Arc<str>>; 5],
}

impl Interner {
    /// Make slot `slot` hold `s`, interned.
    fn set(&mut self, slot: usize, s: Option<&str>) {
        let Some(s) = s else {
            self.cur[slot] = None;
            return;
        };
        if self.cur[slot].as_deref() == Some(s) {
            return;
        }
        let a = match self.set.get(s) {
            Some(a) => Arc::clone(a),
            None => {
                let a: Arc<str> = Arc::from(s);
                self.set.insert(Arc::clone(&a));
                a
            }
        };
        self.cur[slot] = Some(a);
    }
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct IdHasher(u64);
impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A 64-bit hash of an ID (foldhash with a fixed seed: fast, and the same in every run).
fn id_hash(s: &str) -> u64 {
    use std::hash::BuildHasher;
    polars::prelude::PlFixedStateQuality::default().hash_one(s.as_bytes())
}

impl MessageState {
    /// A state for an input of about `input_len` bytes (room for its event IDs up front).
    pub fn for_input(input_len: usize) -> Self {
        let mut st = MessageState::default();
        // One ID per 640 bytes: FilterLogEvents events take 420–850 bytes (the set grows
        // when they are smaller). Every event does a random insert into this set, so its
        // size is its cost in cache misses: one per 256 bytes made it twice as large and its
        // inserts 6% of a one-thread parse instead of under 4%.
        st.seen.reserve((input_len / 640).min(1 << 24));
        st
    }

    /// Record a container event ID; `false` when it was already seen in this input.
    pub fn claim_event_id(&mut self, id: &str) -> bool {
        self.seen.insert(id_hash(id))
    }

    /// A content ID for a line without an event ID. Equal lines (same group, stream, time and
    /// text) within one input get `…\0<n>` ordinals, so they stay distinct rows, and a re-import
    /// of the same input gives the same IDs.
    fn content_id(
        &mut self,
        group: Option<&str>,
        stream: Option<&str>,
        ts: Option<i64>,
        raw: &str,
    ) -> String {
        let base = content_event_id(group, stream, ts, raw);
        let bh = id_hash(&base);
        if self.seen.insert(bh) {
            return base;
        }
        let mut n = self.dup_next.get(&bh).copied().unwrap_or(1);
        loop {
            let id = content_event_id(group, stream, ts, &format!("{raw}\u{0}{n}"));
            n += 1;
            if self.seen.insert(id_hash(&id)) {
                self.dup_next.insert(bh, n);
                return id;
            }
        }
    }

    fn set(map: &mut polars::prelude::PlHashMap<String, String>, stream: &str, rid: &str) {
        match map.get_mut(stream) {
            Some(v) => {
                v.clear();
                v.push_str(rid);
            }
            None => {
                map.insert(stream.to_owned(), rid.to_owned());
            }
        }
    }
}

/// Parse one message (one CloudWatch event) and push what it says into `out`, with no state
/// shared with other messages.
pub fn parse_message(message: &str, meta: &EventMeta<'_>, ctx: &ParseContext, out: &mut Batch) {
    let mut st = MessageState::default();
    parse_message_with(&mut st, message, meta, ctx, out);
}

/// Parse one message with the state of its input. A message starting with `{` that is not
/// JSON is read as text. The caller counts the record in `out.records`.
pub fn parse_message_with(
    st: &mut MessageState,
    message: &str,
    meta: &EventMeta<'_>,
    ctx: &ParseContext,
    out: &mut Batch,
) {
    if let Some(id) = meta.event_id.filter(|s| !s.is_empty())
        && !st.claim_event_id(id)
    {
        out.skip(SkipReason::Duplicate);
        return;
    }
    let text = normalize_newlines(message);
    let t = text.trim_end();
    let t = t.trim_start_matches([' ', '\t', '\n']);
    if t.is_empty() || t == "..." || t == "\u{2026}" {
        out.skip(SkipReason::Empty);
        return;
    }
    let c = Ctx::new(meta, ctx);
    if t.starts_with('{')
        && let Ok(RecOrOther::Rec(rec)) = parse_record_str(t)
    {
        emit_record(st, rec, Some(t), &c, out);
        return;
    }
    emit_text(st, t, &c, out);
}

/// One line of a JSON Lines file of log records. A line starting with `{` must be JSON
/// (else it is counted as malformed); any other line is read as a text message.
pub fn parse_json_line(
    st: &mut MessageState,
    line: &str,
    meta: &EventMeta<'_>,
    ctx: &ParseContext,
    out: &mut Batch,
) {
    let t = line.trim();
    if !t.starts_with('{') {
        parse_message_with(st, line, meta, ctx, out);
        return;
    }
    match parse_record_str(t) {
        Ok(RecOrOther::Rec(rec)) => emit_record(st, rec, Some(t), &Ctx::new(meta, ctx), out),
        Ok(RecOrOther::NotObject) => out.skip(SkipReason::BadValue),
        Err(e) => out.skip(json_error_reason(&e)),
    }
}

/// A log record already read from a JSON array or document (see [`RecOrOther`]).
pub(crate) fn parse_record_value(
    st: &mut MessageState,
    rec: RecOrOther<'_>,
    meta: &EventMeta<'_>,
    ctx: &ParseContext,
    out: &mut Batch,
) {
    match rec {
        RecOrOther::Rec(rec) => emit_record(st, rec, None, &Ctx::new(meta, ctx), out),
        RecOrOther::NotObject => out.skip(SkipReason::BadValue),
    }
}

/// The skip reason for a JSON error.
pub(crate) fn json_error_reason(e: &serde_json::Error) -> SkipReason {
    if e.to_string().starts_with("invalid unicode code point") {
        return SkipReason::InvalidUtf8;
    }
    match e.classify() {
        serde_json::error::Category::Data => SkipReason::BadValue,
        _ => SkipReason::MalformedJson,
    }
}

fn parse_record_str(t: &str) -> Result<RecOrOther<'_>, serde_json::Error> {
    match flat::record(t) {
        Some(rec) => Ok(RecOrOther::Rec(rec)),
        None => parse_record_serde(t),
    }
}

/// [`parse_record_str`] through serde, for any JSON text.
fn parse_record_serde(t: &str) -> Result<RecOrOther<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(t);
    // Room for the `fields` text up front: the record's own length is about its most (it
    // grew from empty by doubling, 2–4% of a JSON file's parse in reallocations).
    let rec = (&mut de).deserialize_any(RecVisitor {
        fields_cap: t.len(),
    })?;
    de.end()?;
    Ok(rec)
}

fn normalize_newlines(s: &str) -> Cow<'_, str> {
    // `memchr` rather than `str::contains(char)`, whose generic searcher was 4–5% of a text
    // log's parse.
    if memchr::memchr(b'\r', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
}

// ---------------------------------------------------------------------------------------------
// Context of one message

struct Ctx<'a> {
    event_id: Option<&'a str>,
    ts: Option<i64>,
    group: Option<&'a str>,
    stream: Option<&'a str>,
    region: Option<&'a str>,
    account: Option<&'a str>,
    /// Function name from the log group `/aws/lambda/NAME`.
    function: Option<&'a str>,
}

impl<'a> Ctx<'a> {
    fn new(meta: &EventMeta<'a>, ctx: &'a ParseContext) -> Self {
        let group = meta
            .log_group
            .or(ctx.log_group.as_deref())
            .filter(|s| !s.is_empty());
        Ctx {
            event_id: meta.event_id.filter(|s| !s.is_empty()),
            ts: meta.ts,
            group,
            stream: meta
                .log_stream
                .or(ctx.log_stream.as_deref())
                .filter(|s| !s.is_empty()),
            region: ctx.region.as_deref(),
            account: meta.account.or(ctx.account.as_deref()),
            function: group.and_then(function_from_group),
        }
    }

    fn stream_key(&self) -> &str {
        self.stream.unwrap_or("")
    }
}

/// `NAME` of a `/aws/lambda/NAME` log group.
pub fn function_from_group(group: &str) -> Option<&str> {
    group
        .strip_prefix("/aws/lambda/")
        .map(|n| n.trim_end_matches('/'))
        .filter(|n| !n.is_empty())
}

/// `(region, account, name)` of a Lambda function ARN `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
pub fn parse_function_arn(arn: &str) -> Option<(&str, &str, &str)> {
    // The pieces `arn.split(':')` gives, found with one `memchr` iterator (`split` with a
    // `char` pattern restarts its search per piece: 2–3% of a Powertools file's parse).
    let mut colons = memchr::memchr_iter(b':', arn.as_bytes());
    let mut start = Some(0usize);
    let mut next = || {
        let s = start?;
        // A `:` is ASCII, so both cuts are on character boundaries.
        Some(match colons.next() {
            Some(i) => {
                start = Some(i + 1);
                &arn[s..i]
            }
            None => {
                start = None;
                &arn[s..]
            }
        })
    };
    let (arn_kw, _partition, service, region, account, kind, name) = (
        next()?,
        next()?,
        next()?,
        next()?,
        next()?,
        next()?,
        next()?,
    );
    (arn_kw == "arn" && service == "lambda" && kind == "function" && !name.is_empty())
        .then_some((region, account, name))
}

/// Where facts of one message come from (names interned, see [`Interner`]).
struct FactSrc<'n> {
    ts: Option<i64>,
    /// Function, log group, log stream, region, account.
    names: &'n [Option<Arc<str>>; 5],
}

impl<'n> FactSrc<'n> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        names: &'n mut Interner,
        ts: Option<i64>,
        function: Option<&str>,
        group: Option<&str>,
        stream: Option<&str>,
        region: Option<&str>,
        account: Option<&str>,
    ) -> Self {
        for (slot, s) in [function, group, stream, region, account]
            .into_iter()
            .enumerate()
        {
            names.set(slot, s);
        }
        FactSrc {
            ts,
            names: &names.cur,
        }
    }

    fn fact(&self, request_id: &str, kind: FactKind) -> InvocationFact {
        let [function, group, stream, region, account] = self.names;
        InvocationFact {
            request_id: request_id.to_owned(),
            ts: self.ts,
            function: function.clone(),
            log_group: group.clone(),
            log_stream: stream.clone(),
            region: region.clone(),
            account: account.clone(),
            kind,
        }
    }
}

/// The columns of one row other than event ID, time, group and stream.
#[derive(Default)]
struct RowOut<'a> {
    request_id: Option<&'a str>,
    trace_id: Option<&'a str>,
    correlation_id: Option<&'a str>,
    level: Option<&'a str>,
    message: Option<&'a str>,
    service: Option<&'a str>,
    kind: &'static str,
    fields: Option<&'a str>,
}

fn push_row(
    st: &mut MessageState,
    out: &mut Batch,
    c: &Ctx<'_>,
    ts: Option<i64>,
    raw: &str,
    r: RowOut<'_>,
) {
    let content;
    let event_id = match c.event_id {
        Some(id) => id,
        None => {
            content = st.content_id(c.group, c.stream, ts, raw);
            content.as_str()
        }
    };
    let level = r.level.map(upper);
    out.logs.push(&LogRow {
        event_id: Some(event_id),
        ts,
        log_group: c.group,
        log_stream: c.stream,
        request_id: r.request_id,
        trace_id: r.trace_id,
        correlation_id: r.correlation_id,
        level: level.as_deref(),
        message: r.message,
        service: r.service,
        kind: Some(r.kind),
        fields: r.fields,
    });
}

fn upper(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(s.to_ascii_uppercase())
    } else {
        Cow::Borrowed(s)
    }
}

fn is_error_level(level: &str) -> bool {
    [
        "ERROR",
        "FATAL",
        "CRITICAL",
        "ERR",
        "CRIT",
        "ALERT",
        "EMERGENCY",
    ]
    .iter()
    .any(|l| l.eq_ignore_ascii_case(level))
}

const LEVELS: [&str; 10] = [
    "TRACE",
    "DEBUG",
    "INFO",
    "NOTICE",
    "WARN",
    "WARNING",
    "ERROR",
    "FATAL",
    "CRITICAL",
    "UNDEFINED",
];

// ---------------------------------------------------------------------------------------------
// Text messages

fn emit_text(st: &mut MessageState, t: &str, c: &Ctx<'_>, out: &mut Batch) {
    if let Some(pl) = lambda::parse_platform_line(t) {
        emit_platform_text(st, pl, t, c, out);
        return;
    }
    let app = parse_app_text(t);
    let ts = c.ts.or(app.ts);
    let level = app.level.map(upper);
    push_row(
        st,
        out,
        c,
        ts,
        t,
        RowOut {
            request_id: app.request_id,
            level: level.as_deref(),
            message: Some(app.body),
            service: c.function,
            kind: KIND_APP,
            ..RowOut::default()
        },
    );
    if let Some(rid) = app.request_id {
        let src = FactSrc::new(
            &mut st.names,
            ts,
            c.function,
            c.group,
            c.stream,
            c.region,
            c.account,
        );
        out.facts.push(src.fact(rid, FactKind::Seen));
        if level.as_deref().is_some_and(is_error_level) {
            out.facts.push(src.fact(rid, FactKind::ErrorLine));
        }
    }
}

fn emit_platform_text(
    st: &mut MessageState,
    pl: PlatformLine<'_>,
    t: &str,
    c: &Ctx<'_>,
    out: &mut Batch,
) {
    let stream = c.stream_key();
    let ts = c.ts.or_else(|| {
        lambda::words(t)
            .next()
            .filter(|w| lambda::looks_like_iso(w))
            .and_then(time::parse_iso)
    });
    let src = FactSrc::new(
        &mut st.names,
        ts,
        c.function,
        c.group,
        c.stream,
        c.region,
        c.account,
    );
    let facts = &mut out.facts;
    // Borrowed from the line where it says them (no copy per line); owned when they come
    // from the state of the stream.
    let mut trace: Option<Cow<'_, str>> = None;
    let rid: Option<Cow<'_, str>> = match &pl {
        PlatformLine::Start {
            request_id,
            version,
        } => {
            MessageState::set(&mut st.current, stream, request_id);
            facts.push(src.fact(
                request_id,
                FactKind::Start {
                    version: version.map(str::to_owned),
                },
            ));
            Some(Cow::Borrowed(*request_id))
        }
        PlatformLine::End { request_id } => {
            facts.push(src.fact(request_id, FactKind::Seen));
            Some(Cow::Borrowed(*request_id))
        }
        PlatformLine::Report { request_id, report } => {
            st.current.remove(stream);
            MessageState::set(&mut st.last_report, stream, request_id);
            trace = report.trace_id.as_deref().map(Cow::Borrowed);
            facts.push(src.fact(request_id, FactKind::Report(Box::new(report.clone()))));
            Some(Cow::Borrowed(*request_id))
        }
        PlatformLine::XRay { trace_id } => {
            trace = Some(Cow::Borrowed(*trace_id));
            let rid = st.last_report.get(stream).cloned().map(Cow::Owned);
            if let Some(rid) = &rid {
                facts.push(src.fact(rid, FactKind::TraceId((*trace_id).to_owned())));
            }
            rid
        }
        PlatformLine::Timeout { request_id, .. } => {
            let rid = request_id
                .map(Cow::Borrowed)
                .or_else(|| st.current.get(stream).cloned().map(Cow::Owned))
                .or_else(|| st.last_report.get(stream).cloned().map(Cow::Owned));
            if let Some(rid) = &rid {
                facts.push(src.fact(rid, FactKind::Timeout));
            }
            rid
        }
        PlatformLine::InitReport {
            phase: Some(phase),
            status: Some(s),
            ..
        } if phase.eq_ignore_ascii_case("invoke") && *s != Status::Success => {
            let rid = st.current.get(stream).cloned().map(Cow::Owned);
            if let Some(rid) = &rid {
                facts.push(src.fact(rid, FactKind::RuntimeDone(*s)));
            }
            rid
        }
        _ => None,
    };
    push_row(
        st,
        out,
        c,
        ts,
        t,
        RowOut {
            request_id: rid.as_deref(),
            trace_id: trace.as_deref(),
            message: Some(t),
            service: c.function,
            kind: KIND_PLATFORM,
            ..RowOut::default()
        },
    );
}

/// The parts of an application text line.
struct AppText<'a> {
    level: Option<&'a str>,
    ts: Option<i64>,
    request_id: Option<&'a str>,
    body: &'a str,
}

/// The next token on the first line (separated by spaces or tabs) and the rest after it.
fn next_tok(s: &str) -> Option<(&str, &str)> {
    // Bytes, not `char` patterns (which decode every character): the separators are ASCII,
    // so every cut is on a character boundary.
    let b = s.as_bytes();
    let start = b.iter().position(|&c| c != b' ' && c != b'\t')?;
    let end = b[start..]
        .iter()
        .position(|&c| matches!(c, b' ' | b'\t' | b'\n'))
        .map_or(b.len(), |n| start + n);
    Some((&s[start..end], &s[end..]))
}

fn looks_like_time(tok: &str) -> bool {
    let b = tok.as_bytes();
    b.len() >= 8
        && b[0..2].iter().all(u8::is_ascii_digit)
        && b[2] == b':'
        && b[3..5].iter().all(u8::is_ascii_digit)
        && b[5] == b':'
}

/// Read the runtime prefixes of an application line: `[LEVEL]`, a timestamp (one token, or a
/// date and a time), a request ID, a level word. The body is the rest when a request ID or a
/// level was found, else the whole line.
fn parse_app_text(t: &str) -> AppText<'_> {
    let mut rest = t;
    let mut level = None;
    let mut ts = None;
    let mut request_id = None;
    if let Some(r) = t.strip_prefix('[')
        && let Some(end) = r.find(']')
    {
        let lv = &r[..end];
        if LEVELS.iter().any(|l| l.eq_ignore_ascii_case(lv)) {
            level = Some(lv);
            rest = &r[end + 1..];
        }
    }
    if let Some((tok, after)) = next_tok(rest)
        && lambda::looks_like_iso(tok)
    {
        if tok.len() == 10 {
            if let Some((tok2, after2)) = next_tok(after)
                && looks_like_time(tok2)
            {
                let start = tok.as_ptr() as usize - t.as_ptr() as usize;
                let end = tok2.as_ptr() as usize - t.as_ptr() as usize + tok2.len();
                if let Some(v) = t.get(start..end).and_then(time::parse_iso) {
                    ts = Some(v);
                    rest = after2;
                }
            }
        } else if let Some(v) = time::parse_iso(tok) {
            ts = Some(v);
            rest = after;
        }
    }
    if let Some((tok, after)) = next_tok(rest)
        && lambda::looks_like_request_id(tok)
    {
        request_id = Some(tok.trim_start_matches('<').trim_end_matches('>'));
        rest = after;
    }
    if let Some((tok, after)) = next_tok(rest)
        && LEVELS.contains(&tok)
    {
        level = level.or(Some(tok));
        rest = after;
    }
    let structured = request_id.is_some() || level.is_some();
    let body = if structured {
        rest.trim_start_matches([' ', '\t'])
    } else {
        t
    };
    AppText {
        level,
        ts,
        request_id,
        body,
    }
}

// ---------------------------------------------------------------------------------------------
// JSON records

fn emit_record(
    st: &mut MessageState,
    mut rec: Rec<'_>,
    raw: Option<&str>,
    c: &Ctx<'_>,
    out: &mut Batch,
) {
    let is_platform = matches!(&rec.type_, Some(Val::Str(s)) if s.starts_with("platform."));
    if is_platform {
        emit_platform_json(st, rec, raw, c, out);
        return;
    }
    let fields = rec.fields.finish();
    let hash_text;
    let raw = match raw {
        Some(r) => r,
        None => {
            hash_text = format!(
                "{}\u{0}{}\u{0}{}",
                rec.level.as_ref().and_then(val_str).unwrap_or_default(),
                rec.message.as_ref().and_then(val_str).unwrap_or_default(),
                fields.as_deref().unwrap_or("")
            );
            hash_text.as_str()
        }
    };
    let request_id = rec
        .request_id
        .as_ref()
        .and_then(val_str)
        .filter(|s| !s.is_empty() && s != "-");
    let trace_src = rec.trace_id.as_ref().and_then(val_str);
    let trace = trace_src.as_deref().and_then(lambda::normalize_trace_id);

    let is_access = rec.level.is_none()
        && rec.message.is_none()
        && request_id.is_some()
        && rec.access_markers >= 2;
    if is_access {
        let ts = c.ts.or_else(|| {
            rec.request_time_epoch
                .as_ref()
                .and_then(val_ts)
                .or_else(|| {
                    rec.request_time
                        .as_ref()
                        .and_then(val_str)
                        .and_then(|s| parse_clf_time(&s))
                })
                .or_else(|| rec.ts.as_ref().and_then(val_ts))
        });
        // `GET /pets 200`, `GET / 200` (an HTTP API route key already names the method),
        // `MESSAGE sendmessage 200` (WebSocket).
        fn part<'v>(v: &'v Option<Val<'_>>) -> Option<Cow<'v, str>> {
            v.as_ref()
                .and_then(val_str)
                .filter(|s| !s.is_empty() && s != "-")
        }
        let route = part(&rec.route).or_else(|| part(&rec.path));
        let method = part(&rec.http_method).filter(|m| {
            // Whether the route starts with `{m} ` (no `format!` per line).
            !route.as_deref().is_some_and(|r| {
                r.strip_prefix(m.as_ref())
                    .is_some_and(|rest| rest.starts_with(' '))
            })
        });
        let mut summary = String::new();
        for s in [method, part(&rec.event_type), route, part(&rec.status)]
            .into_iter()
            .flatten()
        {
            if !summary.is_empty() {
                summary.push(' ');
            }
            summary.push_str(&s);
        }
        let service = rec
            .api_id
            .as_ref()
            .and_then(val_str)
            .filter(|s| !s.is_empty() && s != "-");
        push_row(
            st,
            out,
            c,
            ts,
            raw,
            RowOut {
                request_id: request_id.as_deref(),
                trace_id: trace,
                message: (!summary.is_empty()).then_some(summary.as_str()),
                service: service.as_deref(),
                kind: KIND_ACCESS,
                fields: fields.as_deref(),
                ..RowOut::default()
            },
        );
        return;
    }

    let ts = c.ts.or_else(|| rec.ts.as_ref().and_then(val_ts));
    let level = rec
        .level
        .as_ref()
        .and_then(val_str)
        .filter(|s| !s.is_empty());
    let message = rec.message.as_ref().and_then(val_str);
    let correlation = rec
        .correlation_id
        .as_ref()
        .and_then(val_str)
        .filter(|s| !s.is_empty());
    let arn = rec.function_arn.as_ref().and_then(val_str);
    let arn_parts = arn.as_deref().and_then(parse_function_arn);
    let fn_name = rec
        .function_name
        .as_ref()
        .and_then(val_str)
        .filter(|s| !s.is_empty());
    let function = c.function.or(fn_name.as_deref()).or(arn_parts.map(|p| p.2));
    let service = rec
        .service
        .as_ref()
        .and_then(val_str)
        .filter(|s| !s.is_empty());
    let service = service.as_deref().or(function);
    push_row(
        st,
        out,
        c,
        ts,
        raw,
        RowOut {
            request_id: request_id.as_deref(),
            trace_id: trace,
            correlation_id: correlation.as_deref(),
            level: level.as_deref(),
            message: message.as_deref(),
            service,
            kind: KIND_APP,
            fields: fields.as_deref(),
        },
    );
    if let Some(rid) = request_id.as_deref() {
        let src = FactSrc::new(
            &mut st.names,
            ts,
            function,
            c.group,
            c.stream,
            c.region.or(arn_parts.map(|p| p.0)),
            c.account.or(arn_parts.map(|p| p.1)),
        );
        out.facts.push(src.fact(rid, FactKind::Seen));
        if level.as_deref().is_some_and(is_error_level) {
            out.facts.push(src.fact(rid, FactKind::ErrorLine));
        }
        if let Some(b) = rec.cold_start.as_ref().and_then(val_bool) {
            out.facts.push(src.fact(rid, FactKind::ColdStartFlag(b)));
        }
        if let Some(t) = trace {
            out.facts
                .push(src.fact(rid, FactKind::TraceId(t.to_owned())));
        }
    }
}

/// The `record` of a `platform.*` event (every type's keys; all optional).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct PlatformRecord<'a> {
    #[serde(borrow)]
    request_id: Option<CowStr<'a>>,
    #[serde(borrow)]
    function_arn: Option<CowStr<'a>>,
    #[serde(borrow)]
    function_name: Option<CowStr<'a>>,
    #[serde(borrow)]
    version: Option<CowStr<'a>>,
    #[serde(borrow)]
    status: Option<CowStr<'a>>,
    #[serde(borrow)]
    phase: Option<CowStr<'a>>,
    #[serde(borrow)]
    error_type: Option<CowStr<'a>>,
    #[serde(borrow)]
    tracing: Option<Tracing<'a>>,
    metrics: Option<Metrics>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tracing<'a> {
    #[serde(borrow)]
    value: Option<CowStr<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metrics {
    #[serde(rename = "durationMs")]
    duration_ms: Option<f64>,
    #[serde(rename = "billedDurationMs")]
    billed_duration_ms: Option<f64>,
    #[serde(rename = "memorySizeMB")]
    memory_size_mb: Option<f64>,
    #[serde(rename = "maxMemoryUsedMB")]
    max_memory_used_mb: Option<f64>,
    #[serde(rename = "initDurationMs")]
    init_duration_ms: Option<f64>,
    #[serde(rename = "restoreDurationMs")]
    restore_duration_ms: Option<f64>,
    #[serde(rename = "billedRestoreDurationMs")]
    billed_restore_duration_ms: Option<f64>,
}

fn emit_platform_json(
    st: &mut MessageState,
    mut rec: Rec<'_>,
    raw: Option<&str>,
    c: &Ctx<'_>,
    out: &mut Batch,
) {
    let ty = rec.type_.as_ref().and_then(val_str).unwrap_or_default();
    let ty: &str = &ty;
    let fields = rec.fields.finish();
    let parsed: PlatformRecord<'_>;
    let mut fault_text: Option<&str> = None;
    match &rec.record {
        Some(Val::Json(s)) => match serde_json::from_str::<PlatformRecord<'_>>(s) {
            Ok(r) => parsed = r,
            Err(_) => {
                out.skip(SkipReason::BadValue);
                return;
            }
        },
        Some(Val::Str(s)) => {
            fault_text = Some(s);
            parsed = PlatformRecord::default();
        }
        Some(Val::Null) | None => parsed = PlatformRecord::default(),
        Some(_) => {
            out.skip(SkipReason::BadValue);
            return;
        }
    }
    let hash_text;
    let raw = match raw {
        Some(r) => r,
        None => {
            hash_text = format!("{ty}\u{0}{}", fields.as_deref().unwrap_or(""));
            hash_text.as_str()
        }
    };
    let ts = c.ts.or_else(|| rec.ts.as_ref().and_then(val_ts));
    let arn_parts = parsed
        .function_arn
        .as_ref()
        .and_then(|a| parse_function_arn(&a.0));
    let function = c
        .function
        .or(arn_parts.map(|p| p.2))
        .or(parsed.function_name.as_ref().map(|f| f.0.as_ref()));
    let src = FactSrc::new(
        &mut st.names,
        ts,
        function,
        c.group,
        c.stream,
        c.region.or(arn_parts.map(|p| p.0)),
        c.account.or(arn_parts.map(|p| p.1)),
    );
    let stream = c.stream_key();
    let trace = parsed
        .tracing
        .as_ref()
        .and_then(|t| t.value.as_ref())
        .and_then(|v| lambda::normalize_trace_id(&v.0));
    let status = parsed.status.as_ref().map(|s| Status::from_lambda(&s.0));
    let mut rid: Option<Cow<'_, str>> = parsed
        .request_id
        .as_ref()
        .map(|r| Cow::Borrowed(r.0.as_ref()))
        .filter(|r| !r.is_empty());
    let mut level = None;
    let mut facts = Vec::new();
    match ty {
        "platform.start" => {
            if let Some(r) = rid.as_deref() {
                MessageState::set(&mut st.current, stream, r);
                facts.push(src.fact(
                    r,
                    FactKind::Start {
                        version: parsed.version.as_ref().map(|v| v.0.to_string()),
                    },
                ));
                if let Some(t) = trace {
                    facts.push(src.fact(r, FactKind::TraceId(t.to_owned())));
                }
            }
        }
        "platform.report" => {
            if let Some(r) = rid.as_deref() {
                st.current.remove(stream);
                MessageState::set(&mut st.last_report, stream, r);
                let m = parsed.metrics.as_ref();
                let report = Report {
                    duration_ms: m.and_then(|m| m.duration_ms),
                    billed_ms: m.and_then(|m| m.billed_duration_ms),
                    memory_mb: m.and_then(|m| m.memory_size_mb).map(|v| v.round() as i64),
                    max_memory_mb: m
                        .and_then(|m| m.max_memory_used_mb)
                        .map(|v| v.round() as i64),
                    init_ms: m.and_then(|m| m.init_duration_ms),
                    restore_ms: m.and_then(|m| m.restore_duration_ms),
                    billed_restore_ms: m.and_then(|m| m.billed_restore_duration_ms),
                    status: status.or(parsed.error_type.as_ref().map(|_| Status::Error)),
                    trace_id: trace.map(str::to_owned),
                };
                facts.push(src.fact(r, FactKind::Report(Box::new(report))));
            }
        }
        "platform.runtimeDone" => {
            if let (Some(r), Some(s)) = (rid.as_deref(), status) {
                facts.push(src.fact(r, FactKind::RuntimeDone(s)));
            }
        }
        "platform.fault" => {
            level = Some("ERROR");
            if rid.is_none() {
                rid = fault_text.and_then(request_id_in_text).map(Cow::Borrowed);
            }
            if let Some(r) = rid.as_deref() {
                facts.push(src.fact(r, FactKind::RuntimeDone(Status::Error)));
            }
        }
        "platform.initReport" | "platform.initRuntimeDone" => {
            let invoke = parsed
                .phase
                .as_ref()
                .is_some_and(|p| p.0.eq_ignore_ascii_case("invoke"));
            if let (true, Some(s)) = (invoke, status.filter(|s| *s != Status::Success))
                && let Some(r) = st.current.get(stream).cloned()
            {
                facts.push(src.fact(&r, FactKind::RuntimeDone(s)));
                rid = Some(Cow::Owned(r));
            }
        }
        _ => {
            if let Some(r) = rid.as_deref() {
                facts.push(src.fact(r, FactKind::Seen));
            }
        }
    }
    let message = fault_text.unwrap_or(ty);
    push_row(
        st,
        out,
        c,
        ts,
        raw,
        RowOut {
            request_id: rid.as_deref(),
            trace_id: trace,
            level,
            message: Some(message),
            service: function,
            kind: KIND_PLATFORM,
            fields: fields.as_deref(),
            ..RowOut::default()
        },
    );
    out.facts.extend(facts);
}

/// `<id>` in a text such as `RequestId: <id> Error: …`.
fn request_id_in_text(s: &str) -> Option<&str> {
    let i = s.find("RequestId:")?;
    lambda::words(&s[i + "RequestId:".len()..]).next()
}

/// `10/Jun/2023:15:36:28 +0000` (API Gateway `$context.requestTime`) to µs.
pub fn parse_clf_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_str(s.trim(), "%d/%b/%Y:%H:%M:%S %z")
        .ok()
        .map(|d| d.timestamp_micros())
}

// ---------------------------------------------------------------------------------------------
// Lenient JSON values

/// A string borrowed from the input when it has no escapes.
pub(crate) struct CowStr<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Any JSON value: scalars as themselves (strings borrowed when possible), arrays and objects
/// as compact JSON text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(Cow<'a, str>),
    Json(String),
}

impl<'de: 'a, 'a> Deserialize<'de> for Val<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Val<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Val::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Val::I64(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Val::U64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Val::F64(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Val::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Val::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Val::Str(Cow::Owned(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Val::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Val::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                Val::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let mut buf = Vec::new();
                Compact(&mut buf).visit_seq(seq)?;
                Ok(Val::Json(into_string(buf)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let mut buf = Vec::new();
                Compact(&mut buf).visit_map(map)?;
                Ok(Val::Json(into_string(buf)))
            }
        }
        d.deserialize_any(V)
    }
}

fn into_string(buf: Vec<u8>) -> String {
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn val_str<'v>(v: &'v Val<'_>) -> Option<Cow<'v, str>> {
    match v {
        Val::Null => None,
        Val::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Val::I64(n) => Some(Cow::Owned(n.to_string())),
        Val::U64(n) => Some(Cow::Owned(n.to_string())),
        Val::F64(n) => Some(Cow::Owned(n.to_string())),
        Val::Str(s) => Some(Cow::Borrowed(s.as_ref())),
        Val::Json(s) => Some(Cow::Borrowed(s.as_str())),
    }
}

fn val_bool(v: &Val<'_>) -> Option<bool> {
    match v {
        Val::Bool(b) => Some(*b),
        Val::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Val::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        Val::I64(n) => Some(*n != 0),
        Val::U64(n) => Some(*n != 0),
        _ => None,
    }
}

fn val_ts(v: &Val<'_>) -> Option<i64> {
    match v {
        Val::I64(n) => time::from_epoch_guess(*n as f64),
        Val::U64(n) => time::from_epoch_guess(*n as f64),
        Val::F64(n) => time::from_epoch_guess(*n),
        Val::Str(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                s.parse::<f64>().ok().and_then(time::from_epoch_guess)
            } else {
                time::parse_iso(s)
            }
        }
        _ => None,
    }
}

/// The bytes serde_json escapes in a string: `"`, `\\` and control characters.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

fn write_json_str(buf: &mut Vec<u8>, s: &str) {
    // Fast path: a string without bytes to escape is written as is, between quotes (most
    // keys and values). Short strings (most keys and values) are checked against a table,
    // long ones with a fold, which has no early exit and so compiles to vector code.
    let plain = if s.len() < 32 {
        !s.bytes().any(|b| NEEDS_ESCAPE[usize::from(b)])
    } else {
        !s.bytes().fold(false, |acc, b| {
            acc | (b < 0x20) | (b == b'"') | (b == b'\\')
        })
    };
    if plain {
        buf.reserve(s.len() + 2);
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
        return;
    }
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, s);
}

/// A JSON string: as is between quotes when `plain` (the caller knows it has no quote,
/// backslash or control character), else through [`write_json_str`].
fn write_str(buf: &mut Vec<u8>, s: &str, plain: bool) {
    if plain {
        buf.reserve(s.len() + 2);
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
    } else {
        write_json_str(buf, s);
    }
}

/// [`write_val`], a string as is when `plain` (see [`write_str`]).
#[inline]
fn write_value(buf: &mut Vec<u8>, v: &Val<'_>, plain: bool) {
    match v {
        Val::Str(s) => write_str(buf, s, plain),
        v => write_val(buf, v),
    }
}

fn write_val(buf: &mut Vec<u8>, v: &Val<'_>) {
    match v {
        Val::Null => buf.extend_from_slice(b"null"),
        Val::Bool(b) => buf.extend_from_slice(if *b { b"true" } else { b"false" }),
        Val::I64(n) => {
            let _ = write!(buf, "{n}");
        }
        Val::U64(n) => {
            let _ = write!(buf, "{n}");
        }
        Val::F64(n) => {
            let _ = serde_json::to_writer(&mut *buf, n);
        }
        Val::Str(s) => write_json_str(buf, s),
        Val::Json(s) => buf.extend_from_slice(s.as_bytes()),
    }
}

/// A seed that writes the value it reads as compact JSON.
struct Compact<'b>(&'b mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for Compact<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Compact<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        write_val(self.0, &Val::Bool(v));
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        write_val(self.0, &Val::I64(v));
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        write_val(self.0, &Val::U64(v));
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        write_val(self.0, &Val::F64(v));
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        write_json_str(self.0, v);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.extend_from_slice(b"null");
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let buf = self.0;
        buf.push(b'[');
        let mut first = true;
        loop {
            let mark = buf.len();
            if !first {
                buf.push(b',');
            }
            match seq.next_element_seed(Compact(&mut *buf))? {
                Some(()) => first = false,
                None => {
                    buf.truncate(mark);
                    break;
                }
            }
        }
        buf.push(b']');
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let buf = self.0;
        buf.push(b'{');
        let mut first = true;
        loop {
            let mark = buf.len();
            if !first {
                buf.push(b',');
            }
            match map.next_key_seed(KeyWriter(&mut *buf))? {
                Some(()) => {
                    map.next_value_seed(Compact(&mut *buf))?;
                    first = false;
                }
                None => {
                    buf.truncate(mark);
                    break;
                }
            }
        }
        buf.push(b'}');
        Ok(())
    }
}

/// Writes a map key and its `:`.
struct KeyWriter<'b>(&'b mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for KeyWriter<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyWriter<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        write_json_str(self.0, v);
        self.0.push(b':');
        Ok(())
    }
}

/// The compact JSON text of the keys of a record that have no column.
#[derive(Default, Debug, PartialEq)]
pub(crate) struct FieldsBuf {
    buf: Vec<u8>,
    n: u32,
}

impl FieldsBuf {
    /// Start the member `k`; `plain` when `k` is known to need no escape.
    fn key(&mut self, k: &str, plain: bool) {
        self.buf.push(if self.n == 0 { b'{' } else { b',' });
        self.n += 1;
        write_str(&mut self.buf, k, plain);
        self.buf.push(b':');
    }

    /// The text, `None` when no key was left. Call once: it closes the object in place.
    fn finish(&mut self) -> Option<Cow<'_, str>> {
        if self.n == 0 {
            return None;
        }
        self.buf.push(b'}');
        // Always UTF-8 (built from `&str`s and ASCII); `simdutf8` checks it faster than
        // `from_utf8_lossy` (and than `std::str::from_utf8`), which stays as the fallback.
        match simdutf8::basic::from_utf8(&self.buf) {
            Ok(t) => Some(Cow::Borrowed(t)),
            Err(_) => Some(String::from_utf8_lossy(&self.buf)),
        }
    }
}

/// What a top-level key of a JSON record means. Keys are compared lower-cased with `_`, `-`,
/// `@`, `.` and spaces removed, so `cold_start`, `ColdStart` and `coldStart` are one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Ts,
    Level,
    Message,
    RequestId,
    TraceId,
    CorrelationId,
    Service,
    Type,
    Record,
    ColdStart,
    FunctionName,
    FunctionArn,
    HttpMethod,
    Route,
    Path,
    Status,
    RequestTime,
    RequestTimeEpoch,
    EventType,
    ApiId,
    AccessMarker,
    Other,
}

impl Key {
    /// The meaning of key `k`: the spellings AWS and Powertools write are matched as they are
    /// (one comparison: most keys of most records), any other spelling normalised first.
    fn classify(k: &str) -> Key {
        match k {
            "timestamp" | "time" => Key::Ts,
            "level" => Key::Level,
            "message" => Key::Message,
            "requestId" | "function_request_id" | "AWSRequestId" | "awsRequestId" => Key::RequestId,
            "xrayTraceId" | "xray_trace_id" | "traceId" => Key::TraceId,
            "correlation_id" | "correlationId" => Key::CorrelationId,
            "service" => Key::Service,
            "type" => Key::Type,
            "record" => Key::Record,
            "cold_start" | "coldStart" => Key::ColdStart,
            "function_name" | "functionName" => Key::FunctionName,
            "function_arn" | "functionArn" => Key::FunctionArn,
            "httpMethod" => Key::HttpMethod,
            "routeKey" | "resourcePath" => Key::Route,
            "path" => Key::Path,
            "status" => Key::Status,
            "requestTime" => Key::RequestTime,
            "requestTimeEpoch" => Key::RequestTimeEpoch,
            "eventType" => Key::EventType,
            "apiId" => Key::ApiId,
            "ip"
            | "sourceIp"
            | "protocol"
            | "responseLength"
            | "extendedRequestId"
            | "integrationLatency"
            | "responseLatency"
            | "connectionId"
            | "domainName"
            | "stage"
            | "integrationStatus"
            | "integrationError"
            | "integrationRequestId"
            | "caller"
            | "user"
            | "userAgent"
            | "messageId" => Key::AccessMarker,
            "location" | "function_memory_size" | "sampling_rate" => Key::Other,
            _ => Self::classify_normalised(k),
        }
    }

    /// [`Key::classify`] for any spelling: lower-cased, without `_`, `-`, `@`, `.`, spaces.
    fn classify_normalised(k: &str) -> Key {
        let mut buf = [0u8; 40];
        let mut n = 0;
        for b in k.bytes() {
            if matches!(b, b'_' | b'-' | b'@' | b'.' | b' ') {
                continue;
            }
            if n == buf.len() {
                return Key::Other;
            }
            buf[n] = b.to_ascii_lowercase();
            n += 1;
        }
        match &buf[..n] {
            b"timestamp" | b"time" => Key::Ts,
            b"level" | b"loglevel" | b"levelname" | b"severity" => Key::Level,
            b"message" | b"msg" => Key::Message,
            b"requestid" | b"awsrequestid" | b"functionrequestid" | b"lambdarequestid" => {
                Key::RequestId
            }
            b"xraytraceid" | b"traceid" | b"xamzntraceid" => Key::TraceId,
            b"correlationid" => Key::CorrelationId,
            b"service" => Key::Service,
            b"type" => Key::Type,
            b"record" => Key::Record,
            b"coldstart" => Key::ColdStart,
            b"functionname" => Key::FunctionName,
            b"functionarn" => Key::FunctionArn,
            b"httpmethod" => Key::HttpMethod,
            b"routekey" | b"resourcepath" => Key::Route,
            b"path" => Key::Path,
            b"status" => Key::Status,
            b"requesttime" => Key::RequestTime,
            b"requesttimeepoch" => Key::RequestTimeEpoch,
            b"eventtype" => Key::EventType,
            b"apiid" => Key::ApiId,
            b"ip"
            | b"sourceip"
            | b"protocol"
            | b"responselength"
            | b"extendedrequestid"
            | b"integrationlatency"
            | b"responselatency"
            | b"connectionid"
            | b"domainname"
            | b"stage"
            | b"integrationstatus"
            | b"integrationerror"
            | b"integrationrequestid"
            | b"caller"
            | b"user"
            | b"useragent"
            | b"messageid" => Key::AccessMarker,
            _ => Key::Other,
        }
    }

    /// Keys stored in a column of their own (not repeated in `fields`).
    fn is_column(self) -> bool {
        matches!(
            self,
            Key::Ts
                | Key::Level
                | Key::Message
                | Key::RequestId
                | Key::TraceId
                | Key::CorrelationId
                | Key::Service
        )
    }

    fn is_access(self) -> bool {
        matches!(
            self,
            Key::HttpMethod
                | Key::Route
                | Key::Path
                | Key::Status
                | Key::RequestTime
                | Key::RequestTimeEpoch
                | Key::EventType
                | Key::ApiId
                | Key::AccessMarker
        )
    }
}

/// One JSON log record: the values of the keys Skylens reads, and the rest as compact JSON.
#[derive(Default, Debug, PartialEq)]
pub(crate) struct Rec<'a> {
    ts: Option<Val<'a>>,
    level: Option<Val<'a>>,
    message: Option<Val<'a>>,
    request_id: Option<Val<'a>>,
    trace_id: Option<Val<'a>>,
    correlation_id: Option<Val<'a>>,
    service: Option<Val<'a>>,
    type_: Option<Val<'a>>,
    record: Option<Val<'a>>,
    cold_start: Option<Val<'a>>,
    function_name: Option<Val<'a>>,
    function_arn: Option<Val<'a>>,
    http_method: Option<Val<'a>>,
    route: Option<Val<'a>>,
    path: Option<Val<'a>>,
    status: Option<Val<'a>>,
    request_time: Option<Val<'a>>,
    request_time_epoch: Option<Val<'a>>,
    event_type: Option<Val<'a>>,
    api_id: Option<Val<'a>>,
    access_markers: u32,
    fields: FieldsBuf,
}

impl<'a> Rec<'a> {
    /// Start the member `key`: `Some(k)` when its value goes to the free slot of key `k` (then
    /// call [`Rec::put`]); `None` when it goes to `fields` only, its key already written there
    /// (the caller writes the value, as compact JSON). The first of repeated keys takes the slot.
    /// `plain`: the key and a string value need no escape in `fields` (known by the caller).
    fn member(&mut self, key: &str, plain: bool) -> Option<Key> {
        let k = Key::classify(key);
        if k.is_access() {
            self.access_markers += 1;
        }
        if self.slot(k).is_some_and(|s| s.is_none()) {
            Some(k)
        } else {
            self.fields.key(key, plain);
            None
        }
    }

    /// The value of a member that [`Rec::member`] gave a slot: kept in it, and also written
    /// to `fields` when the key has no column of its own.
    fn put(&mut self, key: &str, k: Key, v: Val<'a>, plain: bool) {
        if !k.is_column() {
            self.fields.key(key, plain);
            write_value(&mut self.fields.buf, &v, plain);
        }
        if let Some(s) = self.slot(k) {
            *s = Some(v);
        }
    }

    fn slot(&mut self, k: Key) -> Option<&mut Option<Val<'a>>> {
        Some(match k {
            Key::Ts => &mut self.ts,
            Key::Level => &mut self.level,
            Key::Message => &mut self.message,
            Key::RequestId => &mut self.request_id,
            Key::TraceId => &mut self.trace_id,
            Key::CorrelationId => &mut self.correlation_id,
            Key::Service => &mut self.service,
            Key::Type => &mut self.type_,
            Key::Record => &mut self.record,
            Key::ColdStart => &mut self.cold_start,
            Key::FunctionName => &mut self.function_name,
            Key::FunctionArn => &mut self.function_arn,
            Key::HttpMethod => &mut self.http_method,
            Key::Route => &mut self.route,
            Key::Path => &mut self.path,
            Key::Status => &mut self.status,
            Key::RequestTime => &mut self.request_time,
            Key::RequestTimeEpoch => &mut self.request_time_epoch,
            Key::EventType => &mut self.event_type,
            Key::ApiId => &mut self.api_id,
            Key::AccessMarker | Key::Other => return None,
        })
    }
}

/// The common JSON log record read by hand: one flat object of plain strings, numbers, booleans
/// and nulls (Powertools lines, API Gateway access logs). Serde's visitor was a third of the
/// instructions of the bench's 1M-event parse (BENCHMARKS.md, session 15).
mod flat {
    use std::borrow::Cow;

    use super::{Rec, Val, write_value};

    /// The record `t` as [`super::RecVisitor`] reads it through serde, or `None` when `t` is not
    /// in the common form (a nested value, an escape, a raw control character, text after the
    /// object, anything malformed), which serde then reads (the test
    /// `flat_records_read_as_serde_reads_them` holds the two to the same result).
    pub(super) fn record(t: &str) -> Option<Rec<'_>> {
        let b = t.as_bytes();
        let mut i = ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i += 1;
        // An escape anywhere: serde's case, found before any work. (A nested value is found
        // where it starts: the reading stops there.)
        if memchr::memchr(b'\\', &b[i..]).is_some() {
            return None;
        }
        i = ws(b, i);
        let mut rec = Rec::default();
        rec.fields.buf.reserve(t.len());
        if b.get(i) == Some(&b'}') {
            return (ws(b, i + 1) == b.len()).then_some(rec);
        }
        loop {
            let (key, next) = string(t, i)?;
            i = ws(b, next);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = ws(b, i + 1);
            let (v, next) = scalar(t, i)?;
            i = ws(b, next);
            // Strings here have no quote, backslash or control character: plain.
            match rec.member(key, true) {
                Some(k) => rec.put(key, k, v, true),
                // Serde's `Compact` writes a scalar exactly as `write_val` does.
                None => write_value(&mut rec.fields.buf, &v, true),
            }
            match b.get(i) {
                Some(b',') => i = ws(b, i + 1),
                Some(b'}') => return (ws(b, i + 1) == b.len()).then_some(rec),
                _ => return None,
            }
        }
    }

    /// The index of the first byte at or after `i` that is not JSON white space.
    fn ws(b: &[u8], mut i: usize) -> usize {
        while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        i
    }

    /// The string at `i` (a `"`; the caller made sure `t` has no backslash) and the index after
    /// its closing quote; `None` with a raw control character (serde refuses them).
    fn string(t: &str, i: usize) -> Option<(&str, usize)> {
        let b = t.as_bytes();
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let end = i + 1 + memchr::memchr(b'"', &b[i + 1..])?;
        let s = t.get(i + 1..end)?;
        if crate::parse::has_control(s.as_bytes()) {
            return None;
        }
        Some((s, end + 1))
    }

    /// The scalar value at `i` and the index after it, as serde's `Val` reads it.
    fn scalar(t: &str, i: usize) -> Option<(Val<'_>, usize)> {
        let b = t.as_bytes();
        let word =
            |w: &str, v: Val<'static>| b[i..].starts_with(w.as_bytes()).then(|| (v, i + w.len()));
        match *b.get(i)? {
            b'"' => string(t, i).map(|(s, end)| (Val::Str(Cow::Borrowed(s)), end)),
            b't' => word("true", Val::Bool(true)),
            b'f' => word("false", Val::Bool(false)),
            b'n' => word("null", Val::Null),
            b'-' | b'0'..=b'9' => {
                let len = b[i..]
                    .iter()
                    .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .unwrap_or(b.len() - i);
                let tok = &t[i..i + len];
                let digits = tok.bytes().all(|c| c.is_ascii_digit());
                let v = if digits && len <= 19 && (len == 1 || !tok.starts_with('0')) {
                    // A plain non-negative integer of up to 19 digits fits a `u64`.
                    Val::U64(tok.parse().ok()?)
                } else {
                    // Any other number is read by serde itself, so it gets serde's value.
                    serde_json::from_str::<Val<'_>>(tok).ok()?
                };
                Some((v, i + len))
            }
            _ => None,
        }
    }
}

/// A JSON log record, or a JSON value that is not an object (counted as a bad value).
pub(crate) enum RecOrOther<'a> {
    Rec(Rec<'a>),
    NotObject,
}

impl<'de: 'a, 'a> Deserialize<'de> for RecOrOther<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RecVisitor { fields_cap: 0 })
    }
}

/// Reads a [`RecOrOther`], with room for `fields_cap` bytes of `fields` text.
struct RecVisitor {
    fields_cap: usize,
}

impl<'de> Visitor<'de> for RecVisitor {
    type Value = RecOrOther<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON log record")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut rec = Rec::default();
        rec.fields.buf.reserve(self.fields_cap);
        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            match rec.member(&key.0, false) {
                Some(k) => {
                    let v: Val<'de> = map.next_value()?;
                    rec.put(&key.0, k, v, false);
                }
                None => map.next_value_seed(Compact(&mut rec.fields.buf))?,
            }
        }
        Ok(RecOrOther::Rec(rec))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RecOrOther::NotObject)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(RecOrOther::NotObject)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(RecOrOther::NotObject)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(RecOrOther::NotObject)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(RecOrOther::NotObject)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(RecOrOther::NotObject)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(RecOrOther::NotObject)
    }
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
