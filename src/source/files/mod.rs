//! Import files into the workspace: detect each file's format from its content, parse the
//! files in parallel, assemble invocations across all of them, and merge every frame into
//! the workspace.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;
use sha2::Digest;

use crate::error::{Error, PolarsContext, Result};
use crate::model::Frame;
use crate::model::facts::assemble;
use crate::parse::{self, Batch, Format, ParseContext};
use crate::workspace::manifest::Origin;
use crate::workspace::{ManifestEntry, SOURCE_INDEX, Workspace};

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Log group for CloudWatch outputs that don't carry one.
    pub log_group: Option<String>,
}

/// What happened to one input.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// The path as given.
    pub path: PathBuf,
    /// The format detected.
    pub format: Format,
    /// Envelopes opened (gzip, base64, awslogs).
    pub envelopes: Vec<&'static str>,
    /// Records read (accepted or skipped).
    pub records: u64,
    /// Rows parsed into each frame (before deduplication against the workspace).
    pub parsed: BTreeMap<&'static str, u64>,
    /// Rows this input added to each frame (new keys only).
    pub added: BTreeMap<&'static str, u64>,
    /// Records skipped, by reason.
    pub skipped: BTreeMap<&'static str, u64>,
    /// Set when the file could not be read at all.
    pub error: Option<String>,
}

impl FileReport {
    /// Whether nothing in the file could be read.
    pub fn nothing_read(&self) -> bool {
        self.error.is_some() || self.parsed.values().all(|&n| n == 0)
    }
}

/// An input given by content rather than by path (the demo, a pull).
pub struct Input {
    /// Name shown to the user and kept in the manifest.
    pub path: PathBuf,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Context for this input (log group, region…).
    pub ctx: ParseContext,
}

/// Most bytes of input held in memory at once during an import; files are imported in
/// chunks of about this size so memory stays bounded whatever the number of files.
pub const CHUNK_BYTES: u64 = 512 << 20;

/// Import files from disk, in chunks of about [`CHUNK_BYTES`].
pub fn import_files(
    ws: &Workspace,
    paths: &[PathBuf],
    opts: &ImportOptions,
) -> Result<Vec<FileReport>> {
    let ctx = ParseContext {
        log_group: opts.log_group.clone(),
        ..Default::default()
    };
    let items = paths.iter().map(|p| (p.clone(), ctx.clone())).collect();
    import_paths(ws, items, |p, b| Origin::File {
        path: p.display().to_string(),
        sha256: hex_sha256(b),
        bytes: b.len() as u64,
    })
}

/// Import files, each with its own context, in chunks of about [`CHUNK_BYTES`]: each chunk is
/// read, parsed in parallel and merged into the workspace before the next is read.
pub fn import_paths(
    ws: &Workspace,
    items: Vec<(PathBuf, ParseContext)>,
    origin: impl Fn(&Path, &[u8]) -> Origin + Sync,
) -> Result<Vec<FileReport>> {
    let mut reports = Vec::with_capacity(items.len());
    let mut chunk: Vec<Input> = Vec::new();
    let mut chunk_bytes = 0u64;
    for (path, ctx) in items {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                reports.push(FileReport::unreadable(path, e.to_string()));
                continue;
            }
        };
        let size = bytes.len() as u64;
        if !chunk.is_empty() && chunk_bytes + size > CHUNK_BYTES {
            reports.extend(import_inputs(ws, std::mem::take(&mut chunk), &origin)?);
            chunk_bytes = 0;
        }
        chunk.push(Input { path, bytes, ctx });
        chunk_bytes += size;
    }
    if !chunk.is_empty() {
        reports.extend(import_inputs(ws, chunk, &origin)?);
    }
    Ok(reports)
}

impl FileReport {
    fn unreadable(path: PathBuf, error: String) -> FileReport {
        FileReport {
            path,
            format: Format::Unknown,
            envelopes: vec![],
            records: 0,
            parsed: BTreeMap::new(),
            added: BTreeMap::new(),
            skipped: BTreeMap::new(),
            error: Some(error),
        }
    }
}

fn hex_sha256(b: &[u8]) -> String {
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// Parse one input (detecting its format) into a batch.
pub fn parse_input(bytes: &[u8], ctx: &ParseContext) -> (Format, Vec<&'static str>, Batch) {
    let d = parse::detect::detect(bytes);
    let mut batch = Batch::default();
    parse::parse(d.format, &d.payload, ctx, &mut batch);
    (d.format, d.envelopes, batch)
}

/// Import inputs given by content. `origin` names each input in the manifest.
pub fn import_inputs(
    ws: &Workspace,
    inputs: Vec<Input>,
    origin: &(impl Fn(&Path, &[u8]) -> Origin + Sync),
) -> Result<Vec<FileReport>> {
    // Parse every input in parallel; each keeps its own batch so skips are per input.
    let parsed: Vec<Parsed> = inputs
        .into_par_iter()
        .map(|i| {
            let (format, envelopes, batch) = parse_input(&i.bytes, &i.ctx);
            let origin = origin(&i.path, &i.bytes);
            Parsed {
                path: i.path,
                format,
                envelopes,
                batch,
                origin,
            }
        })
        .collect();
    store(ws, parsed)
}

/// One parsed input, ready to be stored.
pub struct Parsed {
    /// Name shown to the user (a path, or an API window for a pull).
    pub path: PathBuf,
    /// Format of the input.
    pub format: Format,
    /// Envelopes opened.
    pub envelopes: Vec<&'static str>,
    /// What was parsed.
    pub batch: Batch,
    /// Manifest origin.
    pub origin: Origin,
}

/// Store parsed inputs in the workspace: assemble invocations across all of them, merge every
/// frame, record each input in the manifest. Returns one report per input, in order.
pub fn store(ws: &Workspace, parsed: Vec<Parsed>) -> Result<Vec<FileReport>> {
    let mut reports = Vec::with_capacity(parsed.len());
    let mut logs = Vec::new();
    let mut spans = Vec::new();
    let mut costs = Vec::new();
    let mut facts = Vec::new();
    let mut first_source: HashMap<String, u32> = HashMap::new();
    let mut origins = Vec::new();
    for (
        idx,
        Parsed {
            path,
            format,
            envelopes,
            batch,
            origin,
        },
    ) in parsed.into_iter().enumerate()
    {
        let idx = idx as u32;
        let mut parsed_counts = BTreeMap::new();
        parsed_counts.insert(Frame::Logs.name(), batch.logs.len() as u64);
        parsed_counts.insert(Frame::Spans.name(), batch.spans.len() as u64);
        parsed_counts.insert(Frame::Costs.name(), batch.costs.len() as u64);
        let mut ids: Vec<&str> = batch.facts.iter().map(|f| f.request_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        parsed_counts.insert(Frame::Invocations.name(), ids.len() as u64);
        if !batch.service_graphs.is_empty() {
            parsed_counts.insert("service_graphs", batch.service_graphs.len() as u64);
        }
        if !batch.tag_keys.is_empty() {
            parsed_counts.insert("tag_keys", batch.tag_keys.len() as u64);
        }
        for f in &batch.facts {
            first_source.entry(f.request_id.clone()).or_insert(idx);
        }
        for g in &batch.service_graphs {
            ws.save_service_graph(g)?;
        }
        reports.push(FileReport {
            path,
            format,
            envelopes,
            records: batch.records,
            parsed: parsed_counts,
            added: BTreeMap::new(),
            skipped: batch
                .skipped
                .iter()
                .map(|(k, v)| (k.as_str(), *v))
                .collect(),
            error: None,
        });
        origins.push(origin);
        let Batch {
            logs: l,
            spans: s,
            costs: c,
            facts: fa,
            ..
        } = batch;
        logs.push(tag(l.finish(), idx)?);
        spans.push(tag(s.finish(), idx)?);
        costs.push(tag(c.finish(), idx)?);
        facts.extend(fa);
    }

    // Invocations are assembled across all inputs, so a REPORT in one file and the app lines
    // of the same request in another make one row.
    let inv = assemble(&facts).ctx("assembling invocations")?;
    let src: Vec<u32> = inv
        .column(crate::model::invocations::REQUEST_ID)
        .ctx("assembling invocations")?
        .str()
        .ctx("assembling invocations")?
        .iter()
        .map(|id| id.and_then(|id| first_source.get(id).copied()).unwrap_or(0))
        .collect();
    let mut inv = inv;
    inv.with_column(Column::new(SOURCE_INDEX.into(), src))
        .ctx("assembling invocations")?;

    let frames = [
        (Frame::Logs, concat_frames(logs)?),
        (Frame::Spans, concat_frames(spans)?),
        (Frame::Costs, concat_frames(costs)?),
        (Frame::Invocations, Some(inv)),
    ];
    for (frame, df) in frames {
        let Some(df) = df else { continue };
        let stats = ws.write(frame, df)?;
        for (src, n) in stats.added_by_source {
            if let Some(r) = reports.get_mut(src as usize) {
                r.added.insert(frame.name(), n);
            }
        }
    }
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    for (r, origin) in reports.iter_mut().zip(origins) {
        for f in Frame::ALL {
            r.added.entry(f.name()).or_insert(0);
        }
        ws.record(ManifestEntry {
            origin,
            format: r.format.name().to_string(),
            imported_at: now.clone(),
            added: r.added.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            skipped: r.skipped.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        })?;
    }
    Ok(reports)
}

fn tag(df: PolarsResult<DataFrame>, idx: u32) -> Result<DataFrame> {
    let mut df = df.ctx("building frame")?;
    let n = df.height();
    df.with_column(Column::new(SOURCE_INDEX.into(), vec![idx; n]))
        .ctx("building frame")?;
    Ok(df)
}

fn concat_frames(dfs: Vec<DataFrame>) -> Result<Option<DataFrame>> {
    let dfs: Vec<DataFrame> = dfs.into_iter().filter(|d| d.height() > 0).collect();
    if dfs.is_empty() {
        return Ok(None);
    }
    let lfs: Vec<LazyFrame> = dfs.into_iter().map(|d| d.lazy()).collect();
    let df = concat(lfs, UnionArgs::default())
        .ctx("combining inputs")?
        .collect()
        .ctx("combining inputs")?;
    Ok(Some(df))
}

/// Errors that make an import input unreadable are reported per file, not raised; this
/// helper exists for callers that want a hard error when no input could be read at all.
pub fn ensure_something_read(reports: &[FileReport]) -> Result<()> {
    if !reports.is_empty() && reports.iter().all(|r| r.nothing_read()) {
        return Err(Error::Invalid(
            "nothing could be read from the given files".into(),
        ));
    }
    Ok(())
}
