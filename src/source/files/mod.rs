//! Import files into the workspace: detect each file's format from its content, parse the
//! files in parallel, assemble invocations across all of them, and merge every frame into
//! the workspace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;
use sha2::Digest;

use crate::error::{Error, PolarsContext, Result};
use crate::model::Frame;
use crate::model::facts::{InvocationFact, assemble_indexed};
use crate::parse::{self, Batch, Format, ParseContext};
use crate::workspace::manifest::Origin;
use crate::workspace::{ManifestEntry, SOURCE_INDEX, Workspace, WriteStats};

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

/// Most bytes of input parsed together during an import; files are imported in chunks of
/// about this size so memory stays bounded whatever the number of files. A chunk's files are
/// read by the threads that parse them, so only the files being parsed are held as bytes; what
/// a chunk holds is its parsed rows and frames (measured: 1 GiB chunks peaked at 4.2 GB RSS on
/// the 10M-event benchmark, hence 768 MiB). Several chunks are staged (see [`import_paths`]).
pub const CHUNK_BYTES: u64 = 768 << 20;

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

/// Import files, each with its own context, in chunks of about [`CHUNK_BYTES`] of input: each
/// chunk's files are read and parsed in parallel (a file is read by the thread that parses
/// it, so reading overlaps parsing). When everything fits in one chunk it is merged into the
/// workspace directly; otherwise each chunk's rows are staged and every partition is merged
/// once at the end ([`crate::workspace::Staging`]), and the manifest is written last.
pub fn import_paths(
    ws: &Workspace,
    items: Vec<(PathBuf, ParseContext)>,
    origin: impl Fn(&Path, &[u8]) -> Origin + Sync,
) -> Result<Vec<FileReport>> {
    import_paths_chunked(ws, items, &origin, CHUNK_BYTES)
}

/// One input of a planned chunk: a regular file read when its chunk is parsed, or the bytes of
/// anything else (read while planning, as a pipe or a device can be read only once).
enum Source {
    File(PathBuf, ParseContext),
    Read(Input),
}

/// What the planning pass put in order: a file that could not be opened, or a chunk.
enum Slot {
    Unreadable(FileReport),
    Chunk(usize),
}

fn import_paths_chunked(
    ws: &Workspace,
    items: Vec<(PathBuf, ParseContext)>,
    origin: &(impl Fn(&Path, &[u8]) -> Origin + Sync),
    chunk_limit: u64,
) -> Result<Vec<FileReport>> {
    // Chunks free and allocate hundreds of MB a few seconds apart: keep freed pages that long.
    let _keep = crate::analysis::memory::KeepPages::for_ms(3000);
    // Plan: open each file for its size (a file that cannot be opened is reported where it
    // comes), and cut chunks of about `chunk_limit` bytes.
    let mut slots = Vec::new();
    let mut chunks: Vec<Vec<Source>> = Vec::new();
    let mut chunk: Vec<Source> = Vec::new();
    let mut chunk_bytes = 0u64;
    let n_items = items.len();
    for (path, ctx) in items {
        let meta = std::fs::File::open(&path).and_then(|f| f.metadata());
        let (size, src) = match meta {
            Ok(m) if m.is_file() => (m.len(), Source::File(path, ctx)),
            Ok(_) => match std::fs::read(&path) {
                Ok(bytes) => (bytes.len() as u64, Source::Read(Input { path, bytes, ctx })),
                Err(e) => {
                    slots.push(Slot::Unreadable(FileReport::unreadable(
                        path,
                        e.to_string(),
                    )));
                    continue;
                }
            },
            Err(e) => {
                slots.push(Slot::Unreadable(FileReport::unreadable(
                    path,
                    e.to_string(),
                )));
                continue;
            }
        };
        if !chunk.is_empty() && chunk_bytes + size > chunk_limit {
            slots.push(Slot::Chunk(chunks.len()));
            chunks.push(std::mem::take(&mut chunk));
            chunk_bytes = 0;
        }
        chunk.push(src);
        chunk_bytes += size;
    }
    if !chunk.is_empty() {
        slots.push(Slot::Chunk(chunks.len()));
        chunks.push(chunk);
    }

    // Parse each chunk; store it directly, or stage it when there are several.
    let staged = chunks.len() > 1;
    let mut staging = if staged { Some(ws.staging()?) } else { None };
    let mut per_chunk: Vec<Vec<ChunkOut>> = Vec::with_capacity(chunks.len());
    let mut stored: Vec<FileReport> = Vec::new();
    let mut origins: Vec<Origin> = Vec::new();
    for chunk in chunks {
        let t = std::time::Instant::now();
        let results: Vec<std::result::Result<Parsed, FileReport>> = chunk
            .into_par_iter()
            .map(|src| {
                let input = match src {
                    Source::Read(i) => i,
                    Source::File(path, ctx) => match std::fs::read(&path) {
                        Ok(bytes) => Input { path, bytes, ctx },
                        Err(e) => return Err(FileReport::unreadable(path, e.to_string())),
                    },
                };
                Ok(parse_one(input, origin))
            })
            .collect();
        tracing::debug!(secs = t.elapsed().as_secs_f64(), "import: parsed");
        let mut outs = Vec::with_capacity(results.len());
        let mut parsed = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Ok(p) => {
                    outs.push(ChunkOut::Stored(stored.len() + parsed.len()));
                    parsed.push(p);
                }
                Err(rep) => outs.push(ChunkOut::Unreadable(rep)),
            }
        }
        match staging.as_mut() {
            None => {
                let reports = store(ws, parsed)?;
                stored.extend(reports);
            }
            Some(stg) => {
                let offset = stored.len() as u32;
                let (reports, o, frames) = prepare(ws, parsed, offset)?;
                for (frame, df) in frames {
                    if let Some(df) = df {
                        ws.stage(stg, frame, df)?;
                    }
                }
                stored.extend(reports);
                origins.extend(o);
            }
        }
        per_chunk.push(outs);
    }
    if let Some(stg) = staging {
        for frame in Frame::ALL {
            let t = std::time::Instant::now();
            let stats = ws.commit_staged(&stg, frame)?;
            tracing::debug!(
                secs = t.elapsed().as_secs_f64(),
                frame = frame.name(),
                "import: committed"
            );
            add_stats(&mut stored, frame, stats, 0);
        }
        drop(stg);
        record(ws, &mut stored, origins)?;
    }

    // Reports in the order of the inputs as planned.
    let mut stored: Vec<Option<FileReport>> = stored.into_iter().map(Some).collect();
    let mut per_chunk: Vec<Option<Vec<ChunkOut>>> = per_chunk.into_iter().map(Some).collect();
    let mut reports = Vec::with_capacity(n_items);
    for slot in slots {
        match slot {
            Slot::Unreadable(r) => reports.push(r),
            Slot::Chunk(k) => {
                for out in per_chunk[k].take().unwrap_or_default() {
                    match out {
                        ChunkOut::Unreadable(r) => reports.push(r),
                        ChunkOut::Stored(i) => reports.extend(stored[i].take()),
                    }
                }
            }
        }
    }
    Ok(reports)
}

/// Where one input of a chunk ended up: its index among the stored inputs, or unreadable.
enum ChunkOut {
    Stored(usize),
    Unreadable(FileReport),
}

fn parse_one(i: Input, origin: &(impl Fn(&Path, &[u8]) -> Origin + Sync)) -> Parsed {
    let (format, envelopes, batch) = parse_input(&i.bytes, &i.ctx);
    let origin = origin(&i.path, &i.bytes);
    Parsed {
        path: i.path,
        format,
        envelopes,
        batch,
        origin,
    }
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
    let mut batch = batch_for(d.format, &d.payload);
    parse::parse(d.format, &d.payload, ctx, &mut batch);
    (d.format, d.envelopes, batch)
}

/// An empty batch for parsing `payload` of `format`: for CloudWatch events, with room for
/// its rows and facts up front (growing the column buffers copies them and touches twice the
/// memory; room never used costs address space only, as large buffers are mapped lazily, so
/// the estimate leans high).
pub fn batch_for(format: Format, payload: &[u8]) -> Batch {
    let mut batch = Batch::default();
    if matches!(
        format,
        Format::CloudWatchEvents | Format::CloudWatchEventLines | Format::CloudWatchSubscription
    ) {
        let rows = estimate_events(payload);
        batch.logs = crate::model::builders::LogsBuilder::with_capacity(rows);
        // Up to 2 facts per event (measured on the demo's files: 1.0 for runtime text lines,
        // 1.8 for Powertools, 2.0 for the Lambda JSON format; a Powertools line gives 3: seen,
        // cold start flag, trace). At 1.5 the vector grew, copying every fact once.
        batch.facts = Vec::with_capacity(2 * rows);
    }
    batch
}

/// About how many CloudWatch events `payload` holds, from the `"message"` keys of its first
/// 256 KiB (events take 250 to 900 bytes depending on the layout and the messages), plus 10%,
/// at most one per 200 bytes (smaller events just grow the buffers). A message's own `message`
/// key is escaped inside it (`\"message\"`), so it is not counted.
fn estimate_events(payload: &[u8]) -> usize {
    const SAMPLE: usize = 256 << 10;
    let sample = &payload[..payload.len().min(SAMPLE)];
    let n = memchr::memmem::find_iter(sample, b"\"message\"").count();
    if n < 8 {
        return payload.len() / 512;
    }
    let per_event = sample.len() / n;
    ((payload.len() / per_event.max(1)) * 11 / 10 + 16).min(payload.len() / 200 + 16)
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
        .map(|i| parse_one(i, origin))
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
    let (mut reports, origins, frames) = prepare(ws, parsed, 0)?;
    for (frame, df) in frames {
        let Some(df) = df else { continue };
        let t = std::time::Instant::now();
        let stats = ws.write(frame, df)?;
        tracing::debug!(
            secs = t.elapsed().as_secs_f64(),
            frame = frame.name(),
            "store: written"
        );
        add_stats(&mut reports, frame, stats, 0);
    }
    record(ws, &mut reports, origins)?;
    Ok(reports)
}

/// The frames of parsed inputs, each row tagged in [`SOURCE_INDEX`] with `offset` + the index
/// of its input; invocations assembled across all of them. Saves service graphs. Returns one
/// report per input (without `added`), their manifest origins, and the frames.
fn prepare(
    ws: &Workspace,
    parsed: Vec<Parsed>,
    offset: u32,
) -> Result<(
    Vec<FileReport>,
    Vec<Origin>,
    [(Frame, Option<DataFrame>); 4],
)> {
    let t = std::time::Instant::now();
    // Each input's report and frames, built in parallel (its builders finished, its rows
    // tagged with its index).
    let built: Vec<Built> = parsed
        .into_par_iter()
        .enumerate()
        .map(|(idx, p)| build_one(ws, idx as u32 + offset, p))
        .collect::<Result<_>>()?;
    let mut reports = Vec::with_capacity(built.len());
    let mut logs = Vec::with_capacity(built.len());
    let mut spans = Vec::with_capacity(built.len());
    let mut costs = Vec::with_capacity(built.len());
    let mut origins = Vec::with_capacity(built.len());
    let mut fact_batches = Vec::with_capacity(built.len());
    for b in built {
        reports.push(b.report);
        origins.push(b.origin);
        logs.push(b.logs);
        spans.push(b.spans);
        costs.push(b.costs);
        fact_batches.push(b.facts);
    }
    // All the facts in one vector, sized up front (growing it copies every fact again).
    let mut facts = Vec::with_capacity(fact_batches.iter().map(Vec::len).sum());
    // Where the facts of each input start in `facts`.
    let mut facts_start: Vec<usize> = Vec::with_capacity(fact_batches.len());
    for fa in fact_batches {
        facts_start.push(facts.len());
        facts.extend(fa);
    }
    tracing::debug!(secs = t.elapsed().as_secs_f64(), "store: frames built");

    // Invocations are assembled across all inputs, so a REPORT in one file and the app lines
    // of the same request in another make one row. Each row is tagged with the input of its
    // request ID's first fact.
    let t = std::time::Instant::now();
    let (mut inv, first) = assemble_indexed(&facts).ctx("assembling invocations")?;
    drop(facts);
    let src: Vec<u32> = first
        .iter()
        .map(|&n| facts_start.partition_point(|&s| s <= n).saturating_sub(1) as u32 + offset)
        .collect();
    inv.with_column(Column::new(SOURCE_INDEX.into(), src))
        .ctx("assembling invocations")?;
    tracing::debug!(secs = t.elapsed().as_secs_f64(), "store: assembled");

    let frames = [
        (Frame::Logs, concat_frames(logs)?),
        (Frame::Spans, concat_frames(spans)?),
        (Frame::Costs, concat_frames(costs)?),
        (Frame::Invocations, Some(inv)),
    ];
    Ok((reports, origins, frames))
}

/// One input of [`prepare`], built: its report (without `added`), its manifest origin, its
/// frames and its invocation facts.
struct Built {
    report: FileReport,
    origin: Origin,
    logs: DataFrame,
    spans: DataFrame,
    costs: DataFrame,
    facts: Vec<InvocationFact>,
}

/// Build one parsed input's report and frames, its rows tagged with `idx`; saves its service
/// graphs.
fn build_one(ws: &Workspace, idx: u32, p: Parsed) -> Result<Built> {
    let Parsed {
        path,
        format,
        envelopes,
        batch,
        origin,
    } = p;
    let mut parsed_counts = BTreeMap::new();
    parsed_counts.insert(Frame::Logs.name(), batch.logs.len() as u64);
    parsed_counts.insert(Frame::Spans.name(), batch.spans.len() as u64);
    parsed_counts.insert(Frame::Costs.name(), batch.costs.len() as u64);
    parsed_counts.insert(
        Frame::Invocations.name(),
        distinct_request_ids(&batch.facts),
    );
    if !batch.service_graphs.is_empty() {
        parsed_counts.insert("service_graphs", batch.service_graphs.len() as u64);
    }
    if !batch.tag_keys.is_empty() {
        parsed_counts.insert("tag_keys", batch.tag_keys.len() as u64);
    }
    for g in &batch.service_graphs {
        ws.save_service_graph(g)?;
    }
    let report = FileReport {
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
    };
    let Batch {
        logs,
        spans,
        costs,
        facts,
        ..
    } = batch;
    Ok(Built {
        report,
        origin,
        logs: tag(logs.finish(), idx)?,
        spans: tag(spans.finish(), idx)?,
        costs: tag(costs.finish(), idx)?,
        facts,
    })
}

/// Count what a frame write added to each report (`SOURCE_INDEX` − `offset` = report index).
fn add_stats(reports: &mut [FileReport], frame: Frame, stats: WriteStats, offset: u32) {
    for (src, n) in stats.added_by_source {
        if let Some(r) = reports.get_mut(src.wrapping_sub(offset) as usize) {
            r.added.insert(frame.name(), n);
        }
    }
}

/// Fill the zero counts and record each input in the manifest, in order.
fn record(ws: &Workspace, reports: &mut [FileReport], origins: Vec<Origin>) -> Result<()> {
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
    Ok(())
}

/// Distinct request IDs among facts (the invocations an input names).
fn distinct_request_ids(facts: &[InvocationFact]) -> u64 {
    let mut seen: PlHashSet<&str> = PlHashSet::with_capacity(facts.len() / 4);
    let mut last = None;
    for f in facts {
        let id = f.request_id.as_str();
        // Facts of one request usually come one after another.
        if last != Some(id) {
            seen.insert(id);
            last = Some(id);
        }
    }
    seen.len() as u64
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::demo::{self, DemoOptions};

    fn demo_items(dir: &Path) -> Vec<(PathBuf, ParseContext)> {
        let out = demo::generate(
            dir,
            &DemoOptions {
                requests: 400,
                ..Default::default()
            },
        )
        .unwrap();
        out.import_items()
    }

    fn sorted(ws: &Workspace, frame: Frame) -> DataFrame {
        let df = ws.read(frame).unwrap();
        let names: Vec<PlSmallStr> = df.get_column_names().into_iter().cloned().collect();
        df.sort(names, SortMultipleOptions::default()).unwrap()
    }

    /// An import in several chunks (staged, each partition merged once at the end) stores the
    /// same rows and reports the same counts as importing the same chunks one after another.
    #[test]
    fn staged_chunks_match_sequential_imports() {
        let raw = tempfile::tempdir().unwrap();
        let mut items = demo_items(raw.path());
        // An input that cannot be read keeps its place in the reports.
        items.insert(
            2,
            (raw.path().join("missing.json"), ParseContext::default()),
        );
        let origin = |_: &Path, _: &[u8]| Origin::Demo {
            seed: 0,
            requests: 0,
        };

        let seq_dir = tempfile::tempdir().unwrap();
        let seq = Workspace::open_or_create(seq_dir.path()).unwrap();
        let mut seq_reports = Vec::new();
        for item in items.clone() {
            seq_reports.extend(import_paths(&seq, vec![item], origin).unwrap());
        }

        let staged_dir = tempfile::tempdir().unwrap();
        let staged = Workspace::open_or_create(staged_dir.path()).unwrap();
        // One byte per chunk: every file is a chunk of its own.
        let staged_reports = import_paths_chunked(&staged, items.clone(), &origin, 1).unwrap();

        assert_eq!(seq_reports.len(), items.len());
        assert_eq!(staged_reports.len(), items.len());
        // As before chunks were staged, a file that cannot be opened is reported when it is
        // met, before the reports of the chunk being filled: here just before the file after it.
        assert_eq!(staged_reports[1].path, items[2].0);
        assert!(staged_reports[1].error.is_some());
        for a in &seq_reports {
            let b = staged_reports
                .iter()
                .find(|b| b.path == a.path)
                .expect("one report per input");
            assert_eq!(a.error.is_some(), b.error.is_some(), "{}", a.path.display());
            assert_eq!(
                (a.records, &a.parsed, &a.added, &a.skipped),
                (b.records, &b.parsed, &b.added, &b.skipped),
                "{}",
                a.path.display()
            );
        }
        for frame in Frame::ALL {
            let (a, b) = (sorted(&seq, frame), sorted(&staged, frame));
            assert!(a.height() > 0, "{}", frame.name());
            assert!(a.equals_missing(&b), "{}: {a}\n{b}", frame.name());
        }
        assert_eq!(
            seq.manifest().unwrap().entries.len(),
            staged.manifest().unwrap().entries.len()
        );
        // The staging directory is gone.
        let left: Vec<_> = std::fs::read_dir(staged_dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".staging"))
            .collect();
        assert!(left.is_empty());

        // Importing everything again adds nothing, staged or not.
        let again = import_paths_chunked(&staged, items.clone(), &origin, 1).unwrap();
        for r in again.iter().filter(|r| r.error.is_none()) {
            assert!(r.added.values().all(|&n| n == 0), "{:?}", r.added);
        }
        let once = import_paths(&seq, items, origin).unwrap();
        for r in once.iter().filter(|r| r.error.is_none()) {
            assert!(r.added.values().all(|&n| n == 0), "{:?}", r.added);
        }
    }
}
