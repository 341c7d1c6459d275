//! Investigate: any ID a user pastes → every span, log line and invocation of that request,
//! in time order, across all functions and log groups, with no time window.
//!
//! # What an ID can be
//! A Lambda request ID, an X-Ray trace ID (`1-…`, or a header `Root=1-…;Parent=…;Sampled=1`,
//! normalised to `1-…`), an API Gateway request ID (REST UUID or HTTP API short ID: access-log
//! rows of `logs` and the API Gateway segment's `request_id` in `spans`), or a correlation ID
//! (`logs.correlation_id`, where the parsers put `correlation_id` / `correlationId` /
//! `CorrelationId`; more keys can be searched in `logs.fields` with
//! [`InvestigateOptions::correlation_keys`]). The kind need not be known: an ID is looked up in
//! every ID column.
//!
//! # Resolution (a fixpoint over IDs)
//! Every ID found is looked up in the ID columns of the three frames —
//! `logs` (request_id, trace_id, correlation_id), `spans` (trace_id, request_id) and
//! `invocations` (request_id, trace_id) — and every matched row adds its own IDs: a log line its
//! request, trace and correlation IDs; a span its trace ID, and a segment its request ID (the
//! Lambda and API Gateway request IDs; AWS SDK request IDs of subsegments are not followed); an
//! invocation its request and trace IDs. This repeats until no new ID appears. So an API request
//! ID reaches its trace, the trace every span and every Lambda request ID in it, and those every
//! log line of the invocations; async hops (SNS, SQS, EventBridge) come along when they carry
//! the same trace or correlation ID. Values that identify nothing (`-`, `null`, empty) are
//! not followed. At most [`InvestigateOptions::max_ids`] IDs are followed; past that the result
//! is marked [`Investigation::truncated`].
//!
//! # Speed
//! [`Investigator::open`] loads a Bloom filter of the IDs of every Parquet row group of every
//! partition file (the workspace writes row groups of about
//! [`crate::workspace::ROW_GROUP_ROWS`] rows; the filters are cached beside the frames under
//! `index/investigate/` and rebuilt when a partition file changes). A lookup then reads only the
//! ID columns of the row groups that may hold an ID (once per investigation), filters them with
//! `is_in` in memory, and finally reads the full rows of the matches from those row groups
//! alone (slice and row-number predicate pushed into the Parquet reader). The output is laid
//! out by `queries/investigate.sql` over the matched rows, registered as `logs`, `spans` and
//! `invocations`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use polars::sql::SQLContext;
use rayon::prelude::*;

use crate::error::{Error, PolarsContext, Result};
use crate::model::{Frame, invocations as inv, logs, spans};
use crate::parse::lambda::normalize_trace_id;
use crate::workspace::Workspace;

/// The SQL that lays out the timeline (`queries/investigate.sql`).
pub const SQL: &str = include_str!("../../queries/investigate.sql");

/// Output columns, in order.
pub const COLUMNS: &[&str] = &[
    "ts",
    "source",
    "service",
    "kind",
    "request_id",
    "trace_id",
    "duration_ms",
    "status",
    "message",
];

/// JSON keys (compared ignoring case, `_` and `-`) that hold a correlation ID inside
/// `logs.fields`, searched together with [`InvestigateOptions::correlation_keys`] when those
/// are given. (At the top level of a JSON line these keys are already in the
/// `correlation_id` column; in `fields` they are found nested in other objects.)
pub const DEFAULT_CORRELATION_KEYS: &[&str] = &["correlation_id", "correlationId", "CorrelationId"];

/// Default for [`InvestigateOptions::max_ids`].
pub const DEFAULT_MAX_IDS: usize = 10_000;

/// Most rounds of the fixpoint (a request rarely needs more than four).
const MAX_ROUNDS: u32 = 32;

/// Name of the row-number column used while resolving.
const ROW: &str = "__row";

/// Options of an investigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestigateOptions {
    /// More JSON keys whose value is a correlation ID, searched in `logs.fields` (at any
    /// depth) besides the `correlation_id` column. Searching `fields` reads the whole column,
    /// so it costs a full scan of the logs per round.
    pub correlation_keys: Vec<String>,
    /// Most IDs to follow before stopping.
    pub max_ids: usize,
}

impl Default for InvestigateOptions {
    fn default() -> Self {
        InvestigateOptions {
            correlation_keys: Vec::new(),
            max_ids: DEFAULT_MAX_IDS,
        }
    }
}

/// The result of [`Investigator::investigate`].
#[derive(Debug, Clone)]
pub struct Investigation {
    /// The timeline: [`COLUMNS`], ordered by time (rows without a time last).
    pub timeline: DataFrame,
    /// The ID as looked up (a `Root=…` header reduced to its trace ID).
    pub id: String,
    /// Trace IDs of the request.
    pub trace_ids: BTreeSet<String>,
    /// Lambda and API Gateway request IDs of the request.
    pub request_ids: BTreeSet<String>,
    /// Correlation IDs of the request.
    pub correlation_ids: BTreeSet<String>,
    /// Rounds of the fixpoint.
    pub rounds: u32,
    /// Whether the search stopped at [`InvestigateOptions::max_ids`].
    pub truncated: bool,
}

/// Investigate `id` in `ws` (opens an [`Investigator`] for one lookup).
/// [`Error::NotFound`] when nothing in the workspace carries the ID.
pub fn investigate(ws: &Workspace, id: &str, opts: &InvestigateOptions) -> Result<Investigation> {
    Investigator::open(ws)?.resolve(id, opts)
}

/// The ID columns of a frame that are looked up.
fn id_columns(frame: Frame) -> &'static [&'static str] {
    match frame {
        Frame::Logs => &[logs::REQUEST_ID, logs::TRACE_ID, logs::CORRELATION_ID],
        Frame::Spans => &[spans::TRACE_ID, spans::REQUEST_ID],
        Frame::Invocations => &[inv::REQUEST_ID, inv::TRACE_ID],
        Frame::Costs => &[],
    }
}

/// Frames that hold rows of a request.
const FRAMES: [Frame; 3] = [Frame::Logs, Frame::Spans, Frame::Invocations];

/// One block of rows of a partition file — a Parquet row group, the unit of the ID filters,
/// of reading and of fetching — and the Bloom filter of the IDs in it. A request's rows sit
/// in a few row groups, so only those are decompressed and decoded.
#[derive(Debug, Clone)]
struct Block {
    frame: Frame,
    path: PathBuf,
    /// First row of the block in the file.
    start: u64,
    /// Rows in the block.
    len: u64,
    bloom: Bloom,
}

impl Block {
    /// A lazy scan of the block's rows, with their row numbers in the file ([`ROW`]).
    fn scan(&self) -> Result<LazyFrame> {
        Ok(scan_file(&self.path)?
            .with_row_index(ROW, None)
            .slice(self.start as i64, self.len as IdxSize))
    }
}

/// A workspace opened for investigations: the Bloom filters of the IDs of every block of
/// every partition. Open it once and investigate many IDs (the desktop app keeps one per open
/// workspace); it notices imports made since and reloads.
#[derive(Debug, Clone)]
pub struct Investigator {
    ws: Workspace,
    blocks: Vec<Block>,
    /// Every partition file indexed, with its stamp when it was indexed.
    files: Vec<(PathBuf, Option<(u64, u64)>)>,
}

impl Investigator {
    /// Open `ws` for investigations: load (or build and cache) the ID filters of every
    /// partition of `logs`, `spans` and `invocations`.
    pub fn open(ws: &Workspace) -> Result<Investigator> {
        let mut blocks = Vec::new();
        let mut files = Vec::new();
        for frame in FRAMES {
            for (date, path) in ws.frame_files(frame)? {
                let cache = index_path(ws.dir(), frame, &date);
                let stamp = file_stamp(&path);
                files.push((path.clone(), stamp));
                let filters = match stamp.and_then(|s| load_filters(&cache, s)) {
                    Some(f) => f,
                    None => {
                        let f = build_filters(frame, &path)?;
                        if let Some(s) = stamp {
                            // A cache that cannot be written is rebuilt next time.
                            if let Some(dir) = cache.parent() {
                                let _ = std::fs::create_dir_all(dir);
                            }
                            let _ =
                                crate::workspace::write_atomic(&cache, &filters_to_bytes(&f, s));
                        }
                        f
                    }
                };
                for (start, len, bloom) in filters {
                    blocks.push(Block {
                        frame,
                        path: path.clone(),
                        start,
                        len,
                        bloom,
                    });
                }
            }
        }
        Ok(Investigator {
            ws: ws.clone(),
            blocks,
            files,
        })
    }

    /// The workspace.
    pub fn workspace(&self) -> &Workspace {
        &self.ws
    }

    /// Whether a partition file was added, replaced or removed since this was opened.
    pub fn is_stale(&self) -> Result<bool> {
        let mut now = Vec::new();
        for frame in FRAMES {
            for (_, path) in self.ws.frame_files(frame)? {
                let stamp = file_stamp(&path);
                now.push((path, stamp));
            }
        }
        Ok(now != self.files)
    }

    /// Every span, log line and invocation of the request `id` belongs to, in time order.
    /// [`Error::NotFound`] when nothing carries the ID; [`Error::Invalid`] for an empty ID.
    /// When the workspace changed since [`Investigator::open`] (an import), the filters are
    /// reloaded first.
    pub fn investigate(&self, id: &str, opts: &InvestigateOptions) -> Result<Investigation> {
        if self.is_stale()? {
            return Investigator::open(&self.ws)?.resolve(id, opts);
        }
        self.resolve(id, opts)
    }

    fn resolve(&self, id: &str, opts: &InvestigateOptions) -> Result<Investigation> {
        let raw = id.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        if raw.is_empty() {
            return Err(Error::Invalid("give an ID to investigate".into()));
        }
        let seed = if raw.contains("Root=") {
            normalize_trace_id(raw).unwrap_or(raw).to_string()
        } else {
            raw.to_string()
        };
        if !followable(&seed) {
            return Err(Error::NotFound(seed));
        }

        let mut res = Resolution::default();
        res.known.insert(seed.clone());
        let mut frontier = vec![seed.clone()];
        let extra_keys = key_set(&opts.correlation_keys);
        let mut rounds = 0;
        let mut truncated = false;
        while !frontier.is_empty() && rounds < MAX_ROUNDS {
            rounds += 1;
            let t = std::time::Instant::now();
            let mut found = self.lookup(&frontier, &mut res)?;
            if !opts.correlation_keys.is_empty() {
                found.extend(self.lookup_fields(&frontier, &extra_keys, &mut res)?);
            }
            tracing::debug!(
                round = rounds,
                ids = frontier.len(),
                blocks_read = res.loaded.len(),
                rows = res.matched_rows(),
                ms = t.elapsed().as_secs_f64() * 1e3,
                "investigate: lookup"
            );
            frontier.clear();
            for f in found {
                if res.known.len() >= opts.max_ids.max(1) {
                    truncated = true;
                    break;
                }
                if res.known.insert(f.clone()) {
                    frontier.push(f);
                }
            }
            if truncated {
                break;
            }
        }
        if res.matched_rows() == 0 {
            return Err(Error::NotFound(seed));
        }
        let t = std::time::Instant::now();
        let timeline = self.timeline(&res)?;
        tracing::debug!(
            rows = timeline.height(),
            ms = t.elapsed().as_secs_f64() * 1e3,
            "investigate: timeline"
        );
        Ok(Investigation {
            timeline,
            id: seed,
            trace_ids: res.trace_ids,
            request_ids: res.request_ids,
            correlation_ids: res.correlation_ids,
            rounds,
            truncated: truncated || (rounds == MAX_ROUNDS && !frontier.is_empty()),
        })
    }

    /// Match `ids` against the ID columns of every block that may hold one; record the
    /// matched rows and return the IDs they carry.
    fn lookup(&self, ids: &[String], res: &mut Resolution) -> Result<Vec<String>> {
        let hashes: Vec<u64> = ids.iter().map(|s| id_hash(s.as_bytes())).collect();
        let wanted = Series::new("ids".into(), ids);
        let candidates: Vec<usize> = (0..self.blocks.len())
            .filter(|&bi| hashes.iter().any(|&h| self.blocks[bi].bloom.may_contain(h)))
            .collect();
        // The blocks not read yet are read in parallel (each is a few column chunks to
        // decompress); the matching below runs in block order, so the result is the same.
        let missing: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|bi| !res.loaded.contains_key(bi))
            .collect();
        let read: Vec<Result<DataFrame>> = missing
            .par_iter()
            .map(|&bi| load_block(&self.blocks[bi]))
            .collect();
        for (bi, df) in missing.into_iter().zip(read) {
            res.loaded.insert(bi, df?);
        }
        let mut found = Vec::new();
        for bi in candidates {
            let block = &self.blocks[bi];
            let Some(df) = res.loaded.get(&bi) else {
                continue;
            };
            let mut pred = lit(false);
            for c in id_columns(block.frame) {
                pred = pred.or(col(*c)
                    .is_in(lit(wanted.clone()).implode(false), false)
                    .fill_null(lit(false)));
            }
            let hits = df
                .clone()
                .lazy()
                .filter(pred)
                .collect()
                .ctx("matching IDs")?;
            record_hits(block.frame, bi, &hits, res, &mut found)?;
        }
        Ok(found)
    }

    /// Match `ids` as values of `keys` anywhere inside `logs.fields` (a full scan of that
    /// column); record the matched rows and return the IDs they carry.
    fn lookup_fields(
        &self,
        ids: &[String],
        keys: &HashSet<String>,
        res: &mut Resolution,
    ) -> Result<Vec<String>> {
        let ids: Vec<&String> = ids.iter().filter(|s| followable(s)).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        for (bi, block) in self.blocks.iter().enumerate() {
            if block.frame != Frame::Logs {
                continue;
            }
            let mut pred = lit(false);
            for id in &ids {
                pred = pred.or(col(logs::FIELDS)
                    .str()
                    .contains_literal(lit(id.as_str()))
                    .fill_null(lit(false)));
            }
            let mut sel: Vec<Expr> = vec![col(ROW), col(logs::FIELDS)];
            sel.extend(id_columns(Frame::Logs).iter().map(|c| col(*c)));
            let cand = block
                .scan()?
                .filter(pred)
                .select(sel)
                .collect()
                .ctx("searching correlation keys in logs.fields")?;
            if cand.height() == 0 {
                continue;
            }
            let fields = cand
                .column(logs::FIELDS)
                .ctx("searching logs.fields")?
                .str()
                .ctx("searching logs.fields")?;
            let mask: BooleanChunked = fields
                .iter()
                .map(|f| Some(f.is_some_and(|text| json_has_key_value(text, keys, &ids))))
                .collect();
            let hits = cand.filter(&mask).ctx("searching logs.fields")?;
            record_hits(Frame::Logs, bi, &hits, res, &mut found)?;
        }
        Ok(found)
    }

    /// Read the full matched rows and lay them out with `queries/investigate.sql`.
    fn timeline(&self, res: &Resolution) -> Result<DataFrame> {
        let t0 = std::time::Instant::now();
        let mut ctx = SQLContext::new();
        for frame in FRAMES {
            // Only the columns queries/investigate.sql names are kept (not `logs.fields`,
            // the largest column, nor `event_id`). A block not read yet is read on its own:
            // one plan over several slices of the same file would have the optimiser merge
            // them into one full scan. Blocks are filtered in parallel, stacked in order.
            let schema = timeline_schema(frame);
            let select: Vec<Expr> = schema
                .iter()
                .map(|(n, t)| col(n.clone()).cast(t.clone()))
                .collect();
            let wanted: Vec<(usize, &BTreeSet<IdxSize>)> = res
                .rows
                .iter()
                .filter(|(bi, rows)| self.blocks[**bi].frame == frame && !rows.is_empty())
                .map(|(bi, rows)| (*bi, rows))
                .collect();
            let parts: Vec<Result<DataFrame>> = wanted
                .par_iter()
                .map(|(bi, rows)| {
                    let idx: Vec<IdxSize> = rows.iter().copied().collect();
                    let keep =
                        col(ROW).is_in(lit(Series::new("rows".into(), idx)).implode(false), false);
                    // Blocks matched by an ID were read whole by the lookup; blocks matched
                    // only by a correlation key in `logs.fields` are read here.
                    let rows = match res.loaded.get(bi) {
                        Some(df) => df.clone().lazy(),
                        None => self.blocks[*bi].scan()?,
                    };
                    rows.filter(keep)
                        .select(select.clone())
                        .collect()
                        .ctx("reading matched rows")
                })
                .collect();
            let mut df = DataFrame::empty_with_schema(&schema);
            for part in parts {
                df.vstack_mut(&part?).ctx("reading matched rows")?;
            }
            ctx.register(frame.name(), df.lazy());
        }
        tracing::debug!(
            ms = t0.elapsed().as_secs_f64() * 1e3,
            "investigate: matched rows read"
        );
        let df = ctx
            .execute(SQL)
            .ctx("planning queries/investigate.sql")?
            .collect()
            .ctx("running queries/investigate.sql")?;
        let got: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        if got != COLUMNS {
            return Err(Error::Invalid(format!(
                "queries/investigate.sql returned columns {got:?}, expected {COLUMNS:?}"
            )));
        }
        Ok(df)
    }
}

/// What an investigation has found so far.
#[derive(Debug, Default)]
struct Resolution {
    /// Every ID looked up (or queued).
    known: HashSet<String>,
    /// The blocks read so far (ID and timeline columns, [`load_block`]), by block index.
    loaded: BTreeMap<usize, DataFrame>,
    /// Matched row numbers (in the file), by block index.
    rows: BTreeMap<usize, BTreeSet<IdxSize>>,
    trace_ids: BTreeSet<String>,
    request_ids: BTreeSet<String>,
    correlation_ids: BTreeSet<String>,
}

impl Resolution {
    fn matched_rows(&self) -> usize {
        self.rows.values().map(BTreeSet::len).sum()
    }
}

/// Record the rows of `hits` (with [`ROW`] and the frame's ID columns) as matched in
/// block `bi`, and push the IDs that new rows carry onto `found`.
fn record_hits(
    frame: Frame,
    bi: usize,
    hits: &DataFrame,
    res: &mut Resolution,
    found: &mut Vec<String>,
) -> Result<()> {
    if hits.height() == 0 {
        return Ok(());
    }
    let ctx = "reading matched IDs";
    let rows = hits.column(ROW).ctx(ctx)?.idx().ctx(ctx)?;
    let text = |name: &str| -> Result<StringChunked> {
        Ok(hits.column(name).ctx(ctx)?.str().ctx(ctx)?.clone())
    };
    let (req, trace, corr, kind) = match frame {
        Frame::Logs => (
            Some(text(logs::REQUEST_ID)?),
            Some(text(logs::TRACE_ID)?),
            Some(text(logs::CORRELATION_ID)?),
            None,
        ),
        Frame::Spans => (
            Some(text(spans::REQUEST_ID)?),
            Some(text(spans::TRACE_ID)?),
            None,
            Some(text(spans::KIND)?),
        ),
        Frame::Invocations => (
            Some(text(inv::REQUEST_ID)?),
            Some(text(inv::TRACE_ID)?),
            None,
            None,
        ),
        Frame::Costs => return Ok(()),
    };
    let set = res.rows.entry(bi).or_default();
    for i in 0..hits.height() {
        let Some(row) = rows.get(i) else { continue };
        if !set.insert(row) {
            continue;
        }
        fn get(c: &Option<StringChunked>, i: usize) -> Option<&str> {
            c.as_ref().and_then(|c| c.get(i)).filter(|s| followable(s))
        }
        if let Some(t) = get(&trace, i) {
            res.trace_ids.insert(t.to_string());
            found.push(t.to_string());
        }
        // A span's request ID is followed only on segments (Lambda, API Gateway): the AWS SDK
        // request IDs of subsegments name calls to other services, not requests of ours.
        let follow_request = match &kind {
            Some(k) => k.get(i) == Some(crate::parse::xray::KIND_SEGMENT),
            None => true,
        };
        if let Some(r) = get(&req, i).filter(|_| follow_request) {
            res.request_ids.insert(r.to_string());
            found.push(r.to_string());
        }
        if let Some(c) = get(&corr, i) {
            res.correlation_ids.insert(c.to_string());
            found.push(c.to_string());
        }
    }
    Ok(())
}

/// Whether a value names something worth following.
fn followable(s: &str) -> bool {
    let s = s.trim();
    !(s.is_empty()
        || s == "-"
        || ["null", "none", "undefined", "unknown", "n/a", "nil"]
            .iter()
            .any(|k| s.eq_ignore_ascii_case(k)))
}

/// Normalise a JSON key for comparison: lower case, without `_`, `-` and spaces.
fn norm_key(k: &str) -> String {
    k.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The key set searched in `logs.fields`: the defaults plus `extra`, normalised.
fn key_set(extra: &[String]) -> HashSet<String> {
    DEFAULT_CORRELATION_KEYS
        .iter()
        .map(|k| norm_key(k))
        .chain(extra.iter().map(|k| norm_key(k)))
        .collect()
}

/// Whether the JSON object text holds, at any depth, one of `keys` with a value equal to one
/// of `ids` (a string, or a number written the same way).
fn json_has_key_value(text: &str, keys: &HashSet<String>, ids: &[&String]) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    let mut stack = vec![&v];
    let mut steps = 0;
    while let Some(v) = stack.pop() {
        steps += 1;
        if steps > 10_000 {
            return false;
        }
        match v {
            serde_json::Value::Object(m) => {
                for (k, val) in m {
                    if keys.contains(&norm_key(k)) {
                        let s = match val {
                            serde_json::Value::String(s) => Some(s.clone()),
                            serde_json::Value::Number(n) => Some(n.to_string()),
                            _ => None,
                        };
                        if s.is_some_and(|s| ids.iter().any(|id| **id == s)) {
                            return true;
                        }
                    }
                    stack.push(val);
                }
            }
            serde_json::Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    false
}

/// A lazy scan of one partition file.
fn scan_file(path: &Path) -> Result<LazyFrame> {
    let args = ScanArgsParquet {
        hive_options: HiveOptions::new_disabled(),
        ..Default::default()
    };
    LazyFrame::scan_parquet(PlRefPath::new(path.to_string_lossy().as_ref()), args)
        .ctx(&format!("scanning {}", path.display()))
}

/// The rows of a block as the investigation needs them, with their row numbers: the ID
/// columns (plus `spans.kind`) to match and follow, and the columns of the timeline
/// ([`timeline_schema`]), so the rows matched here need not be read a second time.
fn load_block(block: &Block) -> Result<DataFrame> {
    let mut names: Vec<&str> = id_columns(block.frame).to_vec();
    if block.frame == Frame::Spans {
        names.push(spans::KIND);
    }
    let schema = block.frame.schema();
    let timeline = timeline_schema(block.frame);
    names.extend(timeline.iter_names().map(|n| n.as_str()));
    let mut sel: Vec<Expr> = vec![col(ROW)];
    let mut seen = HashSet::new();
    for n in names {
        if seen.insert(n) {
            let dtype = schema.get(n).cloned().unwrap_or(DataType::String);
            sel.push(col(n).cast(dtype));
        }
    }
    block
        .scan()?
        .select(sel)
        .collect()
        .ctx(&format!("reading IDs of {}", block.path.display()))
}

/// The columns of `frame` that queries/investigate.sql names, in schema order: the timeline
/// reads only these from the matched blocks. A column counts as named when its name is a
/// word of the SQL ([`super::sql_words`]), so the set can only be too large, never too small.
fn timeline_schema(frame: Frame) -> Schema {
    static WORDS: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    let words = WORDS.get_or_init(|| super::sql_words(SQL));
    frame
        .schema()
        .iter()
        .filter(|(n, _)| words.contains(n.as_str()))
        .map(|(n, t)| (n.clone(), t.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The ID filters
// ---------------------------------------------------------------------------------------------

/// A stable 64-bit hash of an ID (the same on every machine and run: it is stored on disk).
pub fn id_hash(s: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = (s.len() as u64) ^ 0x2545_F491_4F6C_DD1D;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    let rem = chunks.remainder();
    if !rem.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rem.len()].copy_from_slice(rem);
        h = (h ^ u64::from_le_bytes(buf))
            .wrapping_mul(K)
            .rotate_left(29);
    }
    // murmur3's fmix64.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A Bloom filter of ID hashes. At [`BITS_PER_ID`] bits per ID and [`PROBES`] probes, about
/// one lookup in 15,000 hits a block that lacks the ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bloom {
    bits: Vec<u64>,
    k: u32,
}

const BLOOM_MAGIC: &[u8; 8] = b"SKLBLM03";
/// Filter bits per distinct ID.
pub const BITS_PER_ID: usize = 20;
/// Probes per ID.
pub const PROBES: u32 = 13;

impl Bloom {
    /// An empty filter sized for `n` distinct IDs.
    pub fn with_capacity(n: usize) -> Bloom {
        let words = (n.saturating_mul(BITS_PER_ID) / 64).max(1) + 1;
        Bloom {
            bits: vec![0; words],
            k: PROBES,
        }
    }

    fn probes(&self, h: u64) -> impl Iterator<Item = usize> + '_ {
        let nbits = (self.bits.len() as u64) * 64;
        let h1 = h;
        let h2 = h.rotate_left(32) | 1;
        (0..u64::from(self.k)).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) % nbits) as usize)
    }

    /// Add a hash.
    pub fn insert(&mut self, h: u64) {
        let idx: Vec<usize> = self.probes(h).collect();
        for b in idx {
            self.bits[b / 64] |= 1 << (b % 64);
        }
    }

    /// Whether the hash may have been added (never false for one that was).
    pub fn may_contain(&self, h: u64) -> bool {
        self.probes(h)
            .all(|b| self.bits[b / 64] & (1 << (b % 64)) != 0)
    }
}

/// The filters of one partition file: (first row, rows, filter) per block.
type Filters = Vec<(u64, u64, Bloom)>;

/// Cache file of a partition's filters: magic, file stamp (size, mtime ns), block count, then
/// per block: first row, rows, probes, words, bits (all u64, little-endian).
fn filters_to_bytes(f: &Filters, stamp: (u64, u64)) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(BLOOM_MAGIC);
    out.extend_from_slice(&stamp.0.to_le_bytes());
    out.extend_from_slice(&stamp.1.to_le_bytes());
    out.extend_from_slice(&(f.len() as u64).to_le_bytes());
    for (start, len, b) in f {
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&u64::from(b.k).to_le_bytes());
        out.extend_from_slice(&(b.bits.len() as u64).to_le_bytes());
        for w in &b.bits {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    out
}

/// Read cached filters; `None` when missing, unreadable, or made for another version of the
/// partition file.
fn load_filters(path: &Path, stamp: (u64, u64)) -> Option<Filters> {
    let b = std::fs::read(path).ok()?;
    let mut pos = 0usize;
    let mut next = || -> Option<u64> {
        let v = u64::from_le_bytes(b.get(pos..pos + 8)?.try_into().ok()?);
        pos += 8;
        Some(v)
    };
    if next()?.to_le_bytes() != *BLOOM_MAGIC || next()? != stamp.0 || next()? != stamp.1 {
        return None;
    }
    let n = next()?;
    let mut out = Vec::new();
    for _ in 0..n {
        let (start, len, k, words) = (next()?, next()?, next()?, next()?);
        if k == 0 || k > 64 || words == 0 || words > (1 << 32) {
            return None;
        }
        let bits = (0..words).map(|_| next()).collect::<Option<Vec<u64>>>()?;
        out.push((start, len, Bloom { bits, k: k as u32 }));
    }
    (pos == b.len()).then_some(out)
}

/// Size and modification time (ns) of a file: what a cached filter is checked against.
fn file_stamp(path: &Path) -> Option<(u64, u64)> {
    let m = std::fs::metadata(path).ok()?;
    let t = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some((m.len(), t.as_nanos() as u64))
}

/// Where the filter of one partition is cached.
fn index_path(ws_dir: &Path, frame: Frame, date: &str) -> PathBuf {
    ws_dir
        .join("index")
        .join("investigate")
        .join(frame.name())
        .join(format!("{date}.bloom"))
}

/// The row groups of a Parquet file as (first row, rows).
fn row_groups(path: &Path) -> Result<Vec<(u64, u64)>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let mut reader = ParquetReader::new(f);
    let meta = reader
        .get_metadata()
        .ctx(&format!("reading the metadata of {}", path.display()))?;
    let mut out = Vec::with_capacity(meta.row_groups.len());
    let mut start = 0u64;
    for rg in &meta.row_groups {
        let n = rg.num_rows() as u64;
        out.push((start, n));
        start += n;
    }
    Ok(out)
}

/// Build the filters of one partition file from its ID columns, one per row group.
fn build_filters(frame: Frame, path: &Path) -> Result<Filters> {
    let cols: Vec<Expr> = id_columns(frame)
        .iter()
        .map(|c| col(*c).cast(DataType::String))
        .collect();
    let df = scan_file(path)?
        .select(cols)
        .collect()
        .ctx(&format!("indexing IDs of {}", path.display()))?;
    let cas = df
        .columns()
        .iter()
        .map(|c| c.str().cloned())
        .collect::<PolarsResult<Vec<StringChunked>>>()
        .ctx("indexing IDs")?;
    let mut groups = row_groups(path)?;
    if groups.iter().map(|g| g.1).sum::<u64>() != df.height() as u64 {
        // Not what the metadata says: one block for the whole file.
        groups = vec![(0, df.height() as u64)];
    }
    let mut out = Vec::with_capacity(groups.len());
    for (start, len) in groups {
        let mut hashes: Vec<u64> = Vec::new();
        for ca in &cas {
            let part = ca.slice(start as i64, len as usize);
            hashes.extend(part.iter().flatten().map(|s| id_hash(s.as_bytes())));
        }
        hashes.sort_unstable();
        hashes.dedup();
        let mut b = Bloom::with_capacity(hashes.len());
        for h in hashes {
            b.insert(h);
        }
        out.push((start, len, b));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bloom_has_no_false_negatives_and_few_false_positives() {
        let ids: Vec<String> = (0..5000)
            .map(|i| format!("{i:08x}-0000-4000-8000-{i:012x}"))
            .collect();
        let mut b = Bloom::with_capacity(ids.len());
        for id in &ids {
            b.insert(id_hash(id.as_bytes()));
        }
        assert!(ids.iter().all(|id| b.may_contain(id_hash(id.as_bytes()))));
        let fp = (0..100_000)
            .filter(|i| b.may_contain(id_hash(format!("other-{i}").as_bytes())))
            .count();
        assert!(fp < 30, "{fp} false positives in 100000");
        // Stored and read back, for the same file stamp only.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.bloom");
        let f: Filters = vec![(0, 65_536, b.clone()), (65_536, 7, Bloom::with_capacity(0))];
        std::fs::write(&p, filters_to_bytes(&f, (10, 20))).unwrap();
        let back = load_filters(&p, (10, 20)).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].2, b);
        assert_eq!((back[1].0, back[1].1), (65_536, 7));
        assert!(load_filters(&p, (10, 21)).is_none());
        let bytes = filters_to_bytes(&f, (10, 20));
        std::fs::write(&p, &bytes[..bytes.len() - 3]).unwrap();
        assert!(load_filters(&p, (10, 20)).is_none());
        std::fs::write(&p, b"garbage").unwrap();
        assert!(load_filters(&p, (10, 20)).is_none());
    }

    /// Computed independently (a Python transcription of [`id_hash`]).
    const HASH_OF_TRACE: u64 = 0xb3ac_cb62_d592_9f98;
    const HASH_OF_EMPTY: u64 = 0xb800_bd6c_0247_2607;

    #[test]
    fn hash_is_stable() {
        // Stored on disk: the value must never change between builds.
        assert_eq!(
            id_hash(b"1-5759e988-bd862e3fe1be46a994272793"),
            HASH_OF_TRACE
        );
        assert_eq!(id_hash(b""), HASH_OF_EMPTY);
        assert_ne!(id_hash(b"a"), id_hash(b"b"));
        assert_ne!(id_hash(b"12345678"), id_hash(b"123456789"));
    }

    #[test]
    fn correlation_keys_match_at_any_depth_ignoring_spelling() {
        let keys = key_set(&["orderRef".to_string()]);
        let id = "abc-123".to_string();
        let ids = vec![&id];
        assert!(json_has_key_value(
            r#"{"correlationId":"abc-123"}"#,
            &keys,
            &ids
        ));
        assert!(json_has_key_value(
            r#"{"ctx":{"Correlation-Id":"abc-123"}}"#,
            &keys,
            &ids
        ));
        assert!(json_has_key_value(
            r#"{"a":[{"order_ref":"abc-123"}]}"#,
            &keys,
            &ids
        ));
        assert!(!json_has_key_value(r#"{"other":"abc-123"}"#, &keys, &ids));
        assert!(!json_has_key_value(
            r#"{"correlation_id":"abc-1234"}"#,
            &keys,
            &ids
        ));
        assert!(!json_has_key_value("not json", &keys, &ids));
    }

    #[test]
    fn placeholders_are_not_followed() {
        for s in ["", " ", "-", "null", "NULL", "undefined", "n/a"] {
            assert!(!followable(s), "{s:?}");
        }
        assert!(followable("GQIVriFLIAMEMsA="));
    }

    #[test]
    fn timeline_reads_only_the_columns_its_sql_names() {
        let logs_cols: Vec<String> = timeline_schema(Frame::Logs)
            .iter_names()
            .map(|n| n.to_string())
            .collect();
        for c in [
            logs::TS,
            logs::MESSAGE,
            logs::REQUEST_ID,
            logs::TRACE_ID,
            logs::LEVEL,
        ] {
            assert!(
                logs_cols.iter().any(|n| n == c),
                "{c} missing: {logs_cols:?}"
            );
        }
        // The largest columns of a logs block, which the timeline never shows.
        for c in [logs::FIELDS, logs::EVENT_ID] {
            assert!(!logs_cols.iter().any(|n| n == c), "{c} read: {logs_cols:?}");
        }
        // Every column the SQL needs is there: the query plans over the reduced frames.
        let mut ctx = SQLContext::new();
        for f in FRAMES {
            let df = DataFrame::empty_with_schema(&timeline_schema(f));
            ctx.register(f.name(), df.lazy());
        }
        let out = ctx.execute(SQL).and_then(|lf| lf.collect());
        assert!(out.is_ok(), "{out:?}");
    }
}
