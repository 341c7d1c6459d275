//! Streaming writers: FilterLogEvents output per log group (events in timestamp order, split
//! into parts), BatchGetTraces output (split into parts), and X-Ray segment documents.
//!
//! Everything is written in the AWS CLI's JSON layout (4-space indent, the service's key
//! order), so the files look exactly like `aws logs filter-log-events` and
//! `aws xray batch-get-traces` output.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::DemoFile;
use super::fmt::*;
use crate::error::{Error, Result};

/// Most events in one FilterLogEvents file.
pub(super) const MAX_EVENTS_PER_FILE: u64 = 100_000;
/// Most traces in one BatchGetTraces file.
pub(super) const MAX_TRACES_PER_FILE: u64 = 2_000;

const BUF_BYTES: usize = 1 << 20;

/// SplitMix64: a cheap, well-mixed hash for IDs derived from counters.
pub(super) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    let f = File::create(path).map_err(|e| Error::io("creating", path, e))?;
    Ok(BufWriter::with_capacity(BUF_BYTES, f))
}

fn put(w: &mut BufWriter<File>, path: &Path, bytes: &[u8]) -> Result<()> {
    w.write_all(bytes)
        .map_err(|e| Error::io("writing", path, e))
}

fn close(mut w: BufWriter<File>, path: &Path) -> Result<()> {
    w.flush().map_err(|e| Error::io("writing", path, e))
}

/// One log event waiting for its turn.
struct Pending {
    ts: i64,
    seq: u64,
    stream: u32,
    msg: Vec<u8>,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.ts, self.seq) == (o.ts, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.ts, self.seq).cmp(&(o.ts, o.seq))
    }
}

/// One log group's output: a reorder buffer and the current FilterLogEvents file.
pub(super) struct LogGroupOut {
    /// The log group name.
    pub name: String,
    dir: PathBuf,
    gidx: u64,
    salt: u64,
    /// Stream names; events refer to them by index.
    pub streams: Vec<String>,
    heap: BinaryHeap<Reverse<Pending>>,
    next_seq: u64,
    writer: Option<BufWriter<File>>,
    cur_path: PathBuf,
    part: u32,
    in_file: u64,
    /// Events written.
    pub written: u64,
    /// Files written (closed).
    pub files: Vec<DemoFile>,
    pool: Vec<Vec<u8>>,
    line: Vec<u8>,
    /// Bytes ingested per day (message + 26 bytes, as CloudWatch meters), for Cost Explorer.
    pub day_bytes: Vec<u64>,
    day0_ms: i64,
}

impl LogGroupOut {
    pub(super) fn new(
        root: &Path,
        name: &str,
        gidx: u64,
        salt: u64,
        day0_ms: i64,
        days: usize,
    ) -> Result<Self> {
        let slug: String = name.trim_start_matches('/').replace('/', "_");
        let dir = root.join("cloudwatch").join(slug);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let mut g = LogGroupOut {
            name: name.to_string(),
            dir,
            gidx,
            salt,
            streams: Vec::new(),
            heap: BinaryHeap::new(),
            next_seq: 0,
            writer: None,
            cur_path: PathBuf::new(),
            part: 0,
            in_file: 0,
            written: 0,
            files: Vec::new(),
            pool: Vec::new(),
            line: Vec::with_capacity(1024),
            day_bytes: vec![0; days.max(1)],
            day0_ms,
        };
        g.open_next()?;
        Ok(g)
    }

    /// A cleared buffer for a message (recycled from written events).
    pub(super) fn buf(&mut self) -> Vec<u8> {
        match self.pool.pop() {
            Some(mut b) => {
                b.clear();
                b
            }
            None => Vec::with_capacity(256),
        }
    }

    /// Register a log stream; returns its index.
    pub(super) fn add_stream(&mut self, name: String) -> u32 {
        self.streams.push(name);
        (self.streams.len() - 1) as u32
    }

    /// Queue one event (`ts` in ms).
    pub(super) fn push(&mut self, ts: i64, stream: u32, msg: Vec<u8>) {
        let day = ((ts - self.day0_ms).div_euclid(86_400_000))
            .clamp(0, self.day_bytes.len() as i64 - 1) as usize;
        self.day_bytes[day] += msg.len() as u64 + 26;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(Pending {
            ts,
            seq,
            stream,
            msg,
        }));
    }

    /// Write every queued event older than `ts` (ms): nothing generated later is older.
    pub(super) fn flush_before(&mut self, ts: i64) -> Result<()> {
        while self.heap.peek().is_some_and(|Reverse(p)| p.ts < ts) {
            if let Some(Reverse(p)) = self.heap.pop() {
                self.write_event(p)?;
            }
        }
        Ok(())
    }

    fn open_next(&mut self) -> Result<()> {
        self.part += 1;
        let mut name = Vec::new();
        name.extend_from_slice(b"filter-log-events-");
        push_pad(&mut name, self.part as u64, 4);
        name.extend_from_slice(b".json");
        self.cur_path = self.dir.join(String::from_utf8_lossy(&name).as_ref());
        let mut w = create(&self.cur_path)?;
        put(&mut w, &self.cur_path, b"{\n    \"events\": [")?;
        self.writer = Some(w);
        self.in_file = 0;
        Ok(())
    }

    fn close_current(&mut self) -> Result<()> {
        if let Some(mut w) = self.writer.take() {
            let tail: &[u8] = if self.in_file == 0 {
                b"],\n    \"searchedLogStreams\": []\n}\n"
            } else {
                b"\n    ],\n    \"searchedLogStreams\": []\n}\n"
            };
            put(&mut w, &self.cur_path, tail)?;
            close(w, &self.cur_path)?;
            self.files.push(DemoFile {
                path: self.cur_path.clone(),
                log_group: Some(self.name.clone()),
                kind: super::KIND_LOGS,
                records: self.in_file,
            });
        }
        Ok(())
    }

    fn write_event(&mut self, p: Pending) -> Result<()> {
        if self.in_file >= MAX_EVENTS_PER_FILE {
            self.close_current()?;
            self.open_next()?;
        }
        let h = mix(self.salt ^ (self.gidx << 56) ^ p.seq);
        let ingestion = p.ts + 150 + (h % 1850) as i64;
        let l = &mut self.line;
        l.clear();
        l.extend_from_slice(if self.in_file == 0 { b"\n" } else { b",\n" });
        l.extend_from_slice(b"        {\n            \"logStreamName\": \"");
        l.extend_from_slice(
            self.streams
                .get(p.stream as usize)
                .map_or(&b""[..], |s| s.as_bytes()),
        );
        l.extend_from_slice(b"\",\n            \"timestamp\": ");
        push_i64(l, p.ts);
        l.extend_from_slice(b",\n            \"message\": ");
        push_json_str(l, &p.msg);
        l.extend_from_slice(b",\n            \"ingestionTime\": ");
        push_i64(l, ingestion);
        l.extend_from_slice(b",\n            \"eventId\": \"");
        // 56 digits: time, group, sequence, hash. Unique per (group, sequence).
        push_pad(l, p.ts.max(0) as u64, 20);
        push_pad(l, self.gidx % 100, 2);
        push_pad(l, p.seq % 10_000_000_000_000_000, 16);
        push_pad(l, mix(h) % 1_000_000_000_000_000_000, 18);
        l.extend_from_slice(b"\"\n        }");
        if let Some(w) = self.writer.as_mut() {
            put(w, &self.cur_path, &self.line)?;
        }
        self.in_file += 1;
        self.written += 1;
        if self.pool.len() < 4096 {
            self.pool.push(p.msg);
        }
        Ok(())
    }

    /// Write everything left and close the last file.
    pub(super) fn finish(&mut self) -> Result<()> {
        self.flush_before(i64::MAX)?;
        self.close_current()
    }
}

/// HTTP block of a segment.
#[derive(Default)]
pub(super) struct Http {
    pub method: Option<&'static str>,
    pub url: Option<String>,
    pub user_agent: Option<&'static str>,
    pub client_ip: Option<String>,
    pub status: Option<u16>,
    pub content_length: Option<u64>,
}

/// An X-Ray segment or subsegment.
#[derive(Default)]
pub(super) struct Seg {
    pub id: u64,
    pub name: String,
    /// µs since the epoch.
    pub start: i64,
    /// µs since the epoch.
    pub end: i64,
    pub parent: Option<u64>,
    pub origin: Option<&'static str>,
    pub inferred: bool,
    pub error: bool,
    pub fault: bool,
    pub throttle: bool,
    pub http: Option<Http>,
    /// The `aws` object, as JSON text.
    pub aws: Option<String>,
    /// The `annotations` object, as JSON text.
    pub annotations: Option<String>,
    /// The `metadata` object, as JSON text.
    pub metadata: Option<String>,
    pub resource_arn: Option<String>,
    pub namespace: Option<&'static str>,
    /// The `cause` object, as JSON text.
    pub cause: Option<String>,
    pub subs: Vec<Seg>,
}

impl Seg {
    /// Number of spans in this segment: itself and every nested subsegment.
    pub(super) fn span_count(&self) -> u64 {
        1 + self.subs.iter().map(Seg::span_count).sum::<u64>()
    }
}

fn push_id(b: &mut Vec<u8>, id: u64) {
    b.push(b'"');
    push_hex(b, id, 16);
    b.push(b'"');
}

/// Write a segment document (compact JSON, the key order X-Ray returns).
pub(super) fn write_segment(b: &mut Vec<u8>, s: &Seg, trace_id: Option<&str>) {
    b.extend_from_slice(b"{\"id\":");
    push_id(b, s.id);
    b.extend_from_slice(b",\"name\":");
    push_json_str(b, s.name.as_bytes());
    b.extend_from_slice(b",\"start_time\":");
    push_java_secs(b, s.start);
    if let Some(t) = trace_id {
        b.extend_from_slice(b",\"trace_id\":\"");
        b.extend_from_slice(t.as_bytes());
        b.push(b'"');
    }
    b.extend_from_slice(b",\"end_time\":");
    push_java_secs(b, s.end);
    if let (Some(p), Some(_)) = (s.parent, trace_id) {
        b.extend_from_slice(b",\"parent_id\":");
        push_id(b, p);
    }
    if s.inferred {
        b.extend_from_slice(b",\"inferred\":true");
    }
    if s.fault {
        b.extend_from_slice(b",\"fault\":true");
    }
    if s.error {
        b.extend_from_slice(b",\"error\":true");
    }
    if s.throttle {
        b.extend_from_slice(b",\"throttle\":true");
    }
    if let Some(h) = &s.http {
        b.extend_from_slice(b",\"http\":{");
        let has_req = h.method.is_some() || h.url.is_some();
        if has_req {
            b.extend_from_slice(b"\"request\":{");
            let mut first = true;
            let mut key = |b: &mut Vec<u8>, k: &[u8]| {
                if !first {
                    b.push(b',');
                }
                first = false;
                b.extend_from_slice(k);
            };
            if let Some(u) = &h.url {
                key(b, b"\"url\":");
                push_json_str(b, u.as_bytes());
            }
            if let Some(m) = h.method {
                key(b, b"\"method\":\"");
                b.extend_from_slice(m.as_bytes());
                b.push(b'"');
            }
            if let Some(ua) = h.user_agent {
                key(b, b"\"user_agent\":");
                push_json_str(b, ua.as_bytes());
            }
            if let Some(ip) = &h.client_ip {
                key(b, b"\"client_ip\":\"");
                b.extend_from_slice(ip.as_bytes());
                b.extend_from_slice(b"\",\"x_forwarded_for\":true");
            }
            b.push(b'}');
        }
        if h.status.is_some() || h.content_length.is_some() {
            if has_req {
                b.push(b',');
            }
            b.extend_from_slice(b"\"response\":{");
            if let Some(st) = h.status {
                b.extend_from_slice(b"\"status\":");
                push_u64(b, st as u64);
            }
            if let Some(cl) = h.content_length {
                if h.status.is_some() {
                    b.push(b',');
                }
                b.extend_from_slice(b"\"content_length\":");
                push_u64(b, cl);
            }
            b.push(b'}');
        }
        b.push(b'}');
    }
    if let Some(a) = &s.aws {
        b.extend_from_slice(b",\"aws\":");
        b.extend_from_slice(a.as_bytes());
    }
    if let Some(a) = &s.annotations {
        b.extend_from_slice(b",\"annotations\":");
        b.extend_from_slice(a.as_bytes());
    }
    if let Some(m) = &s.metadata {
        b.extend_from_slice(b",\"metadata\":");
        b.extend_from_slice(m.as_bytes());
    }
    if let (Some(o), Some(_)) = (s.origin, trace_id) {
        b.extend_from_slice(b",\"origin\":\"");
        b.extend_from_slice(o.as_bytes());
        b.push(b'"');
    }
    if let Some(r) = &s.resource_arn {
        b.extend_from_slice(b",\"resource_arn\":");
        push_json_str(b, r.as_bytes());
    }
    if let Some(n) = s.namespace {
        b.extend_from_slice(b",\"namespace\":\"");
        b.extend_from_slice(n.as_bytes());
        b.push(b'"');
    }
    if let Some(c) = &s.cause {
        b.extend_from_slice(b",\"cause\":");
        b.extend_from_slice(c.as_bytes());
    }
    if !s.subs.is_empty() {
        b.extend_from_slice(b",\"subsegments\":[");
        for (i, sub) in s.subs.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            write_segment(b, sub, None);
        }
        b.push(b']');
    }
    b.push(b'}');
}

/// BatchGetTraces output files.
pub(super) struct TraceOut {
    dir: PathBuf,
    part: u32,
    in_file: u64,
    writer: Option<BufWriter<File>>,
    cur_path: PathBuf,
    /// Files written (closed).
    pub files: Vec<DemoFile>,
    /// Traces written.
    pub traces: u64,
    /// Segment documents written.
    pub documents: u64,
    /// Spans (segments and all nested subsegments) written.
    pub spans: u64,
    doc: Vec<u8>,
    line: Vec<u8>,
}

impl TraceOut {
    pub(super) fn new(root: &Path) -> Result<Self> {
        let dir = root.join("xray");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        Ok(TraceOut {
            dir,
            part: 0,
            in_file: 0,
            writer: None,
            cur_path: PathBuf::new(),
            files: Vec::new(),
            traces: 0,
            documents: 0,
            spans: 0,
            doc: Vec::with_capacity(4096),
            line: Vec::with_capacity(16384),
        })
    }

    fn open_next(&mut self) -> Result<()> {
        self.part += 1;
        let mut name = Vec::new();
        name.extend_from_slice(b"batch-get-traces-");
        push_pad(&mut name, self.part as u64, 4);
        name.extend_from_slice(b".json");
        self.cur_path = self.dir.join(String::from_utf8_lossy(&name).as_ref());
        let mut w = create(&self.cur_path)?;
        put(&mut w, &self.cur_path, b"{\n    \"Traces\": [")?;
        self.writer = Some(w);
        self.in_file = 0;
        Ok(())
    }

    fn close_current(&mut self) -> Result<()> {
        if let Some(mut w) = self.writer.take() {
            let tail: &[u8] = if self.in_file == 0 {
                b"],\n    \"UnprocessedTraceIds\": []\n}\n"
            } else {
                b"\n    ],\n    \"UnprocessedTraceIds\": []\n}\n"
            };
            put(&mut w, &self.cur_path, tail)?;
            close(w, &self.cur_path)?;
            self.files.push(DemoFile {
                path: self.cur_path.clone(),
                log_group: None,
                kind: super::KIND_TRACES,
                records: self.in_file,
            });
        }
        Ok(())
    }

    /// Write one trace: its segments (top-level documents) in start order.
    pub(super) fn write(&mut self, trace_id: &str, segs: &mut [Seg]) -> Result<()> {
        if segs.is_empty() {
            return Ok(());
        }
        if self.writer.is_none() || self.in_file >= MAX_TRACES_PER_FILE {
            self.close_current()?;
            self.open_next()?;
        }
        segs.sort_by_key(|s| (s.start, s.id));
        let start = segs.iter().map(|s| s.start).min().unwrap_or(0);
        let end = segs.iter().map(|s| s.end).max().unwrap_or(start);
        let dur_ms = (end / 1000) - (start / 1000);
        let l = &mut self.line;
        l.clear();
        l.extend_from_slice(if self.in_file == 0 { b"\n" } else { b",\n" });
        l.extend_from_slice(b"        {\n            \"Id\": \"");
        l.extend_from_slice(trace_id.as_bytes());
        l.extend_from_slice(b"\",\n            \"Duration\": ");
        push_secs_float(l, dur_ms);
        l.extend_from_slice(
            b",\n            \"LimitExceeded\": false,\n            \"Segments\": [",
        );
        for (i, s) in segs.iter().enumerate() {
            self.doc.clear();
            write_segment(&mut self.doc, s, Some(trace_id));
            l.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            l.extend_from_slice(b"                {\n                    \"Id\": ");
            push_id(l, s.id);
            l.extend_from_slice(b",\n                    \"Document\": ");
            push_json_str(l, &self.doc);
            l.extend_from_slice(b"\n                }");
            self.spans += s.span_count();
        }
        l.extend_from_slice(b"\n            ]\n        }");
        if let Some(w) = self.writer.as_mut() {
            put(w, &self.cur_path, &self.line)?;
        }
        self.in_file += 1;
        self.traces += 1;
        self.documents += segs.len() as u64;
        Ok(())
    }

    /// Close the last file. With no trace at all, one empty BatchGetTraces file is written.
    pub(super) fn finish(&mut self) -> Result<()> {
        if self.writer.is_none() && self.files.is_empty() {
            self.open_next()?;
        }
        self.close_current()
    }
}
