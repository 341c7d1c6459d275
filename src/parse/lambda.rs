//! Lambda platform lines in text format.
//!
//! `START`, `END`, `REPORT`, `INIT_START`, `INIT_REPORT`, `RESTORE_START`, `RESTORE_REPORT`,
//! `EXTENSION` / `TELEMETRY` / `LOGS` registration lines, a standalone `XRAY TraceId:` line and
//! `Task timed out after N seconds`. Fields are `Label: value [unit]` pairs separated by tabs or
//! runs of spaces (the documentation renders tabs as spaces, sometimes a single space), so the
//! tokenizer reads labels word by word up to the word ending in `:` and takes the next word as
//! the value, never relying on the separator. Trailing tabs and spaces are tolerated.
//! Hand-written, no regex: this runs on every line.

use crate::model::facts::{Report, Status};

/// A Lambda platform line in text format.
#[derive(Debug, Clone, PartialEq)]
pub enum PlatformLine<'a> {
    /// `START RequestId: <id> Version: <v>`.
    Start {
        /// Request ID.
        request_id: &'a str,
        /// Function version.
        version: Option<&'a str>,
    },
    /// `END RequestId: <id>`.
    End {
        /// Request ID.
        request_id: &'a str,
    },
    /// `REPORT RequestId: <id> Duration: … ms …`.
    Report {
        /// Request ID.
        request_id: &'a str,
        /// The figures (with the trace ID when `XRAY TraceId` is on the same line).
        report: Report,
    },
    /// `INIT_START Runtime Version: … Runtime Version ARN: …`.
    InitStart {
        /// Runtime version, e.g. `python:3.12.v11`.
        runtime_version: Option<&'a str>,
    },
    /// `INIT_REPORT Init Duration: … ms Phase: init|invoke Status: …`.
    InitReport {
        /// Init duration, ms.
        init_ms: Option<f64>,
        /// `init`, or `invoke` for a suppressed init re-run inside an invocation.
        phase: Option<&'a str>,
        /// Status, when given.
        status: Option<Status>,
    },
    /// `RESTORE_START Runtime Version: …` (SnapStart).
    RestoreStart {
        /// Runtime version.
        runtime_version: Option<&'a str>,
    },
    /// `RESTORE_REPORT Restore Duration: … ms` (SnapStart).
    RestoreReport {
        /// Restore duration, ms.
        restore_ms: Option<f64>,
        /// Status, when given.
        status: Option<Status>,
    },
    /// `EXTENSION Name: … State: … Events: […]`, and the `TELEMETRY` / `LOGS` subscription lines.
    Extension {
        /// Extension name.
        name: Option<&'a str>,
        /// State (`Ready`, `Subscribed`, …).
        state: Option<&'a str>,
    },
    /// `XRAY TraceId: 1-… SegmentId: … Sampled: true` on a line of its own.
    XRay {
        /// Trace ID in `1-…` form.
        trace_id: &'a str,
    },
    /// `[<ts>] [<reqid>] [<ts>] Task timed out after N seconds`.
    Timeout {
        /// Request ID, when the line carries one.
        request_id: Option<&'a str>,
        /// Timeout in seconds.
        seconds: Option<f64>,
    },
}

impl PlatformLine<'_> {
    /// The request ID the line names, when it names one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            PlatformLine::Start { request_id, .. }
            | PlatformLine::End { request_id }
            | PlatformLine::Report { request_id, .. } => Some(request_id),
            PlatformLine::Timeout { request_id, .. } => *request_id,
            _ => None,
        }
    }
}

const TIMED_OUT: &str = "Task timed out after";

/// Whether `line` begins with a platform keyword (`START RequestId:`, `REPORT RequestId:`,
/// `INIT_START`, `XRAY TraceId:`, …). Cheap; used to tell records apart in log text.
pub fn starts_platform_keyword(line: &str) -> bool {
    let b = line.as_bytes();
    match b.first() {
        Some(b'S') => line.starts_with("START RequestId:"),
        Some(b'E') => line.starts_with("END RequestId:") || keyword_then_space(line, "EXTENSION"),
        Some(b'R') => {
            line.starts_with("REPORT RequestId:")
                || keyword_then_space(line, "RESTORE_START")
                || keyword_then_space(line, "RESTORE_REPORT")
        }
        Some(b'I') => {
            keyword_then_space(line, "INIT_START")
                || keyword_then_space(line, "INIT_REPORT")
                || keyword_then_space(line, "INIT_RUNTIME_DONE")
        }
        Some(b'X') => line.starts_with("XRAY TraceId:"),
        Some(b'T') => keyword_then_space(line, "TELEMETRY"),
        Some(b'L') => keyword_then_space(line, "LOGS"),
        _ => false,
    }
}

fn keyword_then_space(line: &str, kw: &str) -> bool {
    line.strip_prefix(kw)
        .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
}

/// Parse a platform line. `None` when the line is not one.
pub fn parse_platform_line(line: &str) -> Option<PlatformLine<'_>> {
    let line = line.trim_start();
    if starts_platform_keyword(line) {
        let (kw, rest) = split_word(line);
        return Some(match kw {
            "START" => {
                let mut request_id = None;
                let mut version = None;
                kv_pairs(rest, |label, v| {
                    if label_is(label, "RequestId") {
                        request_id = Some(v);
                    } else if label_is(label, "Version") {
                        version = Some(v);
                    }
                });
                PlatformLine::Start {
                    request_id: non_empty(request_id)?,
                    version: version.filter(|v| !v.is_empty()),
                }
            }
            "END" => {
                let mut request_id = None;
                kv_pairs(rest, |label, v| {
                    if label_is(label, "RequestId") {
                        request_id = Some(v);
                    }
                });
                PlatformLine::End {
                    request_id: non_empty(request_id)?,
                }
            }
            "REPORT" => {
                let mut request_id = None;
                let mut r = Report::default();
                let mut error_type = false;
                // Each label is narrowed to one candidate by its word count and first letter
                // (a label that matches has both), then compared in full: one `label_is` per
                // pair instead of up to eleven.
                kv_pairs(rest, |label, v| match (label.len(), first_letter(label)) {
                    (1, b'r') if label_is(label, "RequestId") => request_id = Some(v),
                    (1, b'd') if label_is(label, "Duration") => r.duration_ms = num(v),
                    (2, b'b') if label_is(label, "Billed Duration") => r.billed_ms = num(v),
                    (2, b'm') if label_is(label, "Memory Size") => r.memory_mb = int(v),
                    (3, b'm') if label_is(label, "Max Memory Used") => r.max_memory_mb = int(v),
                    (2, b'i') if label_is(label, "Init Duration") => r.init_ms = num(v),
                    (2, b'r') if label_is(label, "Restore Duration") => r.restore_ms = num(v),
                    (3, b'b') if label_is(label, "Billed Restore Duration") => {
                        r.billed_restore_ms = num(v)
                    }
                    (1, b's') if label_is(label, "Status") => r.status = status(v),
                    (2, b'e') if label_is(label, "Error Type") => error_type = !v.is_empty(),
                    (2, b'x') if label_is(label, "XRAY TraceId") => {
                        r.trace_id = normalize_trace_id(v).map(str::to_owned)
                    }
                    _ => {}
                });
                if r.status.is_none() && error_type {
                    r.status = Some(Status::Error);
                }
                PlatformLine::Report {
                    request_id: non_empty(request_id)?,
                    report: r,
                }
            }
            "INIT_START" | "RESTORE_START" => {
                let mut runtime_version = None;
                kv_pairs(rest, |label, v| {
                    if label_is(label, "Runtime Version") {
                        runtime_version = Some(v);
                    }
                });
                if kw == "INIT_START" {
                    PlatformLine::InitStart { runtime_version }
                } else {
                    PlatformLine::RestoreStart { runtime_version }
                }
            }
            "INIT_REPORT" | "INIT_RUNTIME_DONE" => {
                let (mut init_ms, mut phase, mut st) = (None, None, None);
                kv_pairs(rest, |label, v| match label {
                    _ if label_is(label, "Init Duration") => init_ms = num(v),
                    _ if label_is(label, "Phase") => phase = Some(v),
                    _ if label_is(label, "Status") => st = status(v),
                    _ => {}
                });
                PlatformLine::InitReport {
                    init_ms,
                    phase,
                    status: st,
                }
            }
            "RESTORE_REPORT" => {
                let (mut restore_ms, mut st) = (None, None);
                kv_pairs(rest, |label, v| match label {
                    _ if label_is(label, "Restore Duration") => restore_ms = num(v),
                    _ if label_is(label, "Status") => st = status(v),
                    _ => {}
                });
                PlatformLine::RestoreReport {
                    restore_ms,
                    status: st,
                }
            }
            "XRAY" => {
                let mut trace = None;
                kv_pairs(rest, |label, v| {
                    if label_is(label, "TraceId") {
                        trace = normalize_trace_id(v);
                    }
                });
                PlatformLine::XRay { trace_id: trace? }
            }
            // EXTENSION, TELEMETRY, LOGS
            _ => {
                let (mut name, mut state) = (None, None);
                kv_pairs(rest, |label, v| match label {
                    _ if label_is(label, "Name") => name = Some(v),
                    _ if label_is(label, "State") => state = Some(v),
                    _ => {}
                });
                PlatformLine::Extension { name, state }
            }
        });
    }
    parse_timeout(line)
}

/// `Task timed out after 3.00 seconds`, optionally preceded by up to three tokens among a
/// timestamp and a request ID (`<ts> <reqid> Task…`, `<ts> <reqid> <ts> Task…`, `<reqid> Task…`).
fn parse_timeout(line: &str) -> Option<PlatformLine<'_>> {
    // Built once: most application text lines come here, and building a searcher per line
    // cost as much as the search.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(TIMED_OUT));
    let head = &line.as_bytes()[..line.len().min(160)];
    let at = FINDER.find(head)?;
    // `at` is the byte index of an ASCII phrase, so it is a char boundary.
    let prefix = line.get(..at)?;
    let mut request_id = None;
    let mut n = 0;
    for tok in words(prefix) {
        n += 1;
        if n > 3 {
            return None;
        }
        if looks_like_iso(tok) {
            continue;
        }
        if request_id.is_some() {
            return None;
        }
        request_id = Some(tok.trim_matches(|c| c == '<' || c == '>' || c == '[' || c == ']'));
    }
    let after = line.get(at + TIMED_OUT.len()..)?;
    let seconds = words(after).next().and_then(num);
    Some(PlatformLine::Timeout {
        request_id: request_id.filter(|r| !r.is_empty()),
        seconds,
    })
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

fn num(v: &str) -> Option<f64> {
    v.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn int(v: &str) -> Option<i64> {
    v.parse::<i64>()
        .ok()
        .or_else(|| num(v).map(|f| f.round() as i64))
}

fn status(v: &str) -> Option<Status> {
    (!v.is_empty()).then(|| Status::from_lambda(v))
}

/// A word separator: space, tab, newline or carriage return (all ASCII).
fn is_sep(c: &u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whitespace-separated words (tabs, spaces, newlines), empty ones skipped.
pub fn words(s: &str) -> Words<'_> {
    Words { s, pos: 0 }
}

/// The iterator of [`words`]. It walks bytes: the separators are ASCII, so every cut falls on
/// a character boundary (a `char` split decoded each character).
pub struct Words<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.s.as_bytes();
        let start = self.pos + b.get(self.pos..)?.iter().position(|c| !is_sep(c))?;
        let len = b[start..]
            .iter()
            .position(is_sep)
            .unwrap_or(b.len() - start);
        self.pos = start + len;
        self.s.get(start..start + len)
    }
}

/// The first word and the rest after it (leading separators of the rest not stripped).
fn split_word(s: &str) -> (&str, &str) {
    match s.as_bytes().iter().position(is_sep) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

/// The first byte of a label's first word, ASCII lower-cased (`0` for an empty label).
fn first_letter(label: &[&str]) -> u8 {
    label
        .first()
        .and_then(|w| w.as_bytes().first())
        .map_or(0, u8::to_ascii_lowercase)
}

/// Whether the words of `label` equal the space-separated words of `want` (ASCII case-insensitive).
/// `want` is written with single spaces (a literal); compared byte-wise, without a `split`
/// iterator per call (REPORT lines try up to eleven labels per pair).
fn label_is(label: &[&str], want: &str) -> bool {
    let mut rest = want.as_bytes();
    for (i, w) in label.iter().enumerate() {
        if i > 0 {
            match rest.split_first() {
                Some((b' ', r)) => rest = r,
                _ => return false,
            }
        }
        let w = w.as_bytes();
        match rest.split_at_checked(w.len()) {
            // As AWS writes it (one compare), else in another casing (a byte at a time).
            Some((head, tail)) if head == w || head.eq_ignore_ascii_case(w) => rest = tail,
            _ => return false,
        }
    }
    rest.is_empty()
}

const UNITS: [&str; 6] = ["ms", "MB", "KB", "GB", "s", "seconds"];

/// Call `f(label_words, value)` for each `Label words: value [unit]` pair of `s`.
fn kv_pairs<'a>(s: &'a str, mut f: impl FnMut(&[&'a str], &'a str)) {
    const MAX: usize = 6;
    let mut label: [&str; MAX] = [""; MAX];
    let mut n = 0usize;
    let mut it = words(s).peekable();
    while let Some(w) = it.next() {
        let (word, is_label_end) = match w.strip_suffix(':') {
            Some(x) => (x, true),
            None => (w, false),
        };
        if n == MAX {
            label.copy_within(1.., 0);
            n -= 1;
        }
        label[n] = word;
        n += 1;
        if !is_label_end {
            continue;
        }
        let mut value = it.next().unwrap_or("");
        if value.starts_with('[') && !value.ends_with(']') {
            // A bracketed list with spaces: extend the slice to the closing bracket.
            let start = offset_in(s, value);
            let mut end = start + value.len();
            for more in it.by_ref() {
                end = offset_in(s, more) + more.len();
                if more.ends_with(']') {
                    break;
                }
            }
            value = s.get(start..end).unwrap_or(value);
        }
        if it.peek().is_some_and(|u| UNITS.contains(u)) {
            it.next();
        }
        f(&label[..n], value);
        n = 0;
    }
}

/// Byte offset of `part` (a subslice) within `whole`.
fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// An X-Ray trace ID in `1-…` form: strips `Root=` and anything after `;` (`;Parent=…;Sampled=1`).
/// Also reads `Self=…;Root=1-…`. `None` when empty or `-`.
pub fn normalize_trace_id(v: &str) -> Option<&str> {
    let v = v.trim().trim_matches('"');
    // A searcher made once: `str::find` sets one up on every call (a third of an access log
    // line's parse went to that).
    static ROOT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("Root="));
    let v = match ROOT.find(v.as_bytes()) {
        Some(i) => &v[i + 5..],
        None => v,
    };
    let v = match memchr::memchr(b';', v.as_bytes()) {
        Some(i) => &v[..i],
        None => v,
    }
    .trim();
    (!v.is_empty() && v != "-").then_some(v)
}

/// Whether `tok` starts like an ISO-8601 date (`YYYY-MM-DD`, then end, `T` or a space).
pub fn looks_like_iso(tok: &str) -> bool {
    let b = tok.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b.len() == 10 || matches!(b[10], b'T' | b' ' | b't'))
}

/// Whether `tok` looks like a Lambda request ID: a UUID (8-4-4-4-12, alphanumerics so that
/// AWS's `xmpl` redactions pass), optionally in angle brackets.
pub fn looks_like_request_id(tok: &str) -> bool {
    let t = tok
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(tok);
    let b = t.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_alphanumeric(),
        })
}

#[cfg(test)]
#[path = "lambda_tests.rs"]
mod tests;
