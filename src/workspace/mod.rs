//! The workspace: a local, Hive-partitioned Parquet store of the four frames.
//!
//! ```text
//! <dir>/skylens-workspace.json        schema version
//! <dir>/manifest.json                 what came from where, and when
//! <dir>/frame=<name>/date=<YYYY-MM-DD>/data.parquet
//! <dir>/frame=<name>/date=unknown/data.parquet       rows with no time
//! <dir>/aggregates/service-graph/<n>.json             X-Ray service graphs
//! <dir>/function-names.parquet        every function name stored, with its key
//! ```
//!
//! Invariants:
//! - Every file is written to a temporary file in the same directory, synced, then renamed
//!   over the old one, so a reader sees the old or the new partition, never half of one.
//!   An interrupted import leaves every partition readable; re-running it adds nothing twice.
//! - Writing a frame merges with what is stored: rows whose key (see
//!   [`Frame::key_columns`]) is already stored are not added again. Logs keep the first copy,
//!   spans prefer a completed segment over an in-progress one, costs take the newest figure
//!   (a final figure replaces an estimate), and invocations merge field by field.
//! - The manifest is written last.
//! - Every stored invocation carries `function_key`, derived here from its `function`
//!   ([`crate::model::invocations::function_key`]), and every name stored is in
//!   `function-names.parquet` (written before the partitions that use it; a name no
//!   partition uses after an interrupted import is harmless). Imports into one workspace run
//!   one at a time.
//! - A workspace of an older schema version is upgraded when it is opened: each partition
//!   is rewritten atomically, and the version is written last, so an interrupted upgrade is
//!   done again at the next open.

pub mod cache;
pub mod manifest;
mod parquet;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, PolarsContext, Result};
use crate::model::{Frame, SCHEMA_VERSION, invocations as inv, spans};

pub use manifest::{Manifest, ManifestEntry};

const META_FILE: &str = "skylens-workspace.json";
const DATA_FILE: &str = "data.parquet";
const FUNCTION_NAMES_FILE: &str = "function-names.parquet";
const US_PER_DAY: i64 = 86_400_000_000;

/// Rows per Parquet row group. Readers that want a few rows (investigate) read only the row
/// groups that hold them.
pub const ROW_GROUP_ROWS: usize = 16_384;

/// A workspace directory.
#[derive(Debug, Clone)]
pub struct Workspace {
    dir: PathBuf,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Meta {
    schema_version: u32,
}

/// Name of the optional `UInt32` column that tags each incoming row with the index of the
/// input it came from, so that [`WriteStats::added_by_source`] can say what each input added.
pub const SOURCE_INDEX: &str = "__source";

/// What writing one frame did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteStats {
    /// Rows that were not stored before (or replaced a stored row, for costs).
    pub added: u64,
    /// Incoming rows whose key was already stored or repeated (merged or ignored).
    pub existing: u64,
    /// Rows added, by the input index in the [`SOURCE_INDEX`] column (when given).
    pub added_by_source: std::collections::BTreeMap<u32, u64>,
}

impl Workspace {
    /// Open the workspace at `dir`, creating it when it does not exist.
    pub fn open_or_create(dir: impl Into<PathBuf>) -> Result<Workspace> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let ws = Workspace { dir };
        let meta = ws.dir.join(META_FILE);
        if meta.exists() {
            let text = fs::read_to_string(&meta).map_err(|e| Error::io("reading", &meta, e))?;
            let m: Meta = serde_json::from_str(&text)
                .map_err(|e| ws.err(format!("{META_FILE} is unreadable: {e}")))?;
            if m.schema_version == 1 {
                ws.upgrade_from_v1()?;
            } else if m.schema_version != SCHEMA_VERSION {
                return Err(ws.err(format!(
                    "schema version {} but this Skylens reads version {SCHEMA_VERSION}; import the data again into a new workspace",
                    m.schema_version
                )));
            }
        } else {
            let text = serde_json::to_vec_pretty(&Meta {
                schema_version: SCHEMA_VERSION,
            })
            .map_err(|e| ws.err(e.to_string()))?;
            write_atomic(&meta, &text)?;
        }
        Ok(ws)
    }

    /// Version 1 → 2: add `function_key` to every invocations partition and write the
    /// function names table, then the new version.
    fn upgrade_from_v1(&self) -> Result<()> {
        tracing::info!(workspace = %self.dir.display(), "upgrading the workspace to schema version {SCHEMA_VERSION}");
        // The names are stored once, after the partitions: nothing reads the workspace before
        // its version is written, last.
        let mut names = std::collections::BTreeSet::new();
        let order: Vec<PlSmallStr> = Frame::Invocations.schema().iter_names().cloned().collect();
        for (_, path) in self.frame_files(Frame::Invocations)? {
            let df = with_function_key(read_parquet(&path)?)?;
            names.extend(function_names_of(&df)?);
            let df = df.select(order.clone()).ctx("ordering the columns")?;
            write_parquet_atomic(&path, df)?;
        }
        self.remember_function_names(names)?;
        let text = serde_json::to_vec_pretty(&Meta {
            schema_version: SCHEMA_VERSION,
        })
        .map_err(|e| self.err(e.to_string()))?;
        write_atomic(&self.dir.join(META_FILE), &text)
    }

    /// The function names table ([`crate::model::FUNCTION_NAMES_TABLE`]): every function name
    /// stored in `invocations` and its key, in name order; empty (with its schema) when none.
    pub fn function_names(&self) -> Result<DataFrame> {
        let path = self.dir.join(FUNCTION_NAMES_FILE);
        if !path.is_file() {
            return function_names_frame(Vec::new());
        }
        read_parquet(&path)
    }

    /// Add `incoming` function names to the names table. Two names with the same key are
    /// refused: their invocations would be counted as one function.
    fn remember_function_names(&self, incoming: impl IntoIterator<Item = String>) -> Result<()> {
        let stored = self.function_names()?;
        let mut names: std::collections::BTreeMap<u64, String> = std::collections::BTreeMap::new();
        let keys = stored
            .column(inv::FUNCTION_KEY)
            .ctx("reading function names")?
            .u64()
            .ctx("reading function names")?;
        let text = stored
            .column(inv::FUNCTION)
            .ctx("reading function names")?
            .str()
            .ctx("reading function names")?;
        for (k, n) in keys.iter().zip(text.iter()) {
            if let (Some(k), Some(n)) = (k, n) {
                names.insert(k, n.to_string());
            }
        }
        let before = names.len();
        for n in incoming {
            let key = crate::model::invocations::function_key(&n);
            add_function_name(&mut names, n, key).map_err(|m| self.err(m))?;
        }
        if names.len() == before {
            return Ok(());
        }
        if names.len() > crate::model::MAX_FUNCTION_NAMES {
            return Err(self.err(format!(
                "this import would make {} function names; a workspace holds at most {} (the \
                 reports number them in 20 bits), so none of its invocations are stored",
                names.len(),
                crate::model::MAX_FUNCTION_NAMES
            )));
        }
        let mut rows: Vec<(u64, String)> = names.into_iter().collect();
        rows.sort_by(|a, b| a.1.cmp(&b.1));
        write_parquet_atomic(
            &self.dir.join(FUNCTION_NAMES_FILE),
            function_names_frame(rows)?,
        )
    }

    /// Open an existing workspace; an error when `dir` holds none.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Workspace> {
        let dir = dir.into();
        if !dir.join(META_FILE).exists() {
            return Err(Error::Workspace {
                path: dir,
                message: "no Skylens workspace here (run `skylens demo` or `skylens import` first)"
                    .into(),
            });
        }
        Workspace::open_or_create(dir)
    }

    /// The workspace directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn err(&self, message: String) -> Error {
        Error::Workspace {
            path: self.dir.clone(),
            message,
        }
    }

    fn frame_dir(&self, frame: Frame) -> PathBuf {
        self.dir.join(format!("frame={}", frame.name()))
    }

    /// The partition files of a frame, sorted by date (`unknown` last).
    pub fn frame_files(&self, frame: Frame) -> Result<Vec<(String, PathBuf)>> {
        let fdir = self.frame_dir(frame);
        let mut out = Vec::new();
        let rd = match fs::read_dir(&fdir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Error::io("listing", &fdir, e)),
        };
        for ent in rd {
            let ent = ent.map_err(|e| Error::io("listing", &fdir, e))?;
            let name = ent.file_name().to_string_lossy().into_owned();
            if let Some(date) = name.strip_prefix("date=") {
                let f = ent.path().join(DATA_FILE);
                if f.is_file() {
                    out.push((date.to_string(), f));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// A lazy scan of a whole frame (all partitions). An empty frame has the frame's schema.
    pub fn scan(&self, frame: Frame) -> Result<LazyFrame> {
        self.scan_window(frame, None, None)
    }

    /// A lazy scan of a frame restricted to `[from, to)` (µs, UTC) on its time column.
    /// Partitions outside the window are not opened; rows with no time are left out when a
    /// window is given.
    pub fn scan_window(
        &self,
        frame: Frame,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<LazyFrame> {
        let files = self.window_files(frame, from, to)?;
        self.scan_files(frame, files.iter().map(|(_, p)| p), from, to)
    }

    /// The partition files of `frame` that `[from, to)` (µs, UTC) touches, in date order (the
    /// `unknown` partition only when there is no window).
    fn window_files(
        &self,
        frame: Frame,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<(String, PathBuf)>> {
        let from_day = from.map(|f| f.div_euclid(US_PER_DAY));
        let to_day = to.map(|t| (t - 1).div_euclid(US_PER_DAY));
        let windowed = from.is_some() || to.is_some();
        let mut files = self.frame_files(frame)?;
        files.retain(|(date, _)| match day_number(date) {
            None => !windowed,
            Some(d) => from_day.is_none_or(|f| d >= f) && to_day.is_none_or(|t| d <= t),
        });
        Ok(files)
    }

    /// A lazy scan of some partition files of `frame`, their rows restricted to `[from, to)`.
    fn scan_files<'a>(
        &self,
        frame: Frame,
        files: impl Iterator<Item = &'a PathBuf>,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<LazyFrame> {
        let paths: Vec<PlRefPath> = files
            .map(|p| PlRefPath::new(p.to_string_lossy().as_ref()))
            .collect();
        let lf = if paths.is_empty() {
            DataFrame::empty_with_schema(&frame.schema()).lazy()
        } else {
            let args = ScanArgsParquet {
                hive_options: HiveOptions::new_disabled(),
                ..Default::default()
            };
            LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)
                .ctx(&format!("scanning frame {}", frame.name()))?
        };
        let t = frame.time_column();
        let mut lf = lf;
        if let Some(f) = from {
            lf = lf.filter(col(t).cast(DataType::Int64).gt_eq(lit(f)));
        }
        if let Some(to) = to {
            lf = lf.filter(col(t).cast(DataType::Int64).lt(lit(to)));
        }
        Ok(lf)
    }

    /// The rows stored in `frame`, from the Parquet footers alone.
    pub fn row_count(&self, frame: Frame) -> Result<u64> {
        let mut n = 0u64;
        for (_, path) in self.frame_files(frame)? {
            n += footer_rows(&path)?;
        }
        Ok(n)
    }

    /// The largest value of the float column `column` in each row group of `frame`'s date
    /// partitions that lie wholly inside `[from, to)` (every partition when there is no
    /// window), from the Parquet footers' statistics alone: no row is read. A row group whose
    /// footer has no maximum for the column (no statistics, or only nulls) is left out, as are
    /// the partitions that the window's ends cut. Each value returned is held by at least one
    /// row of the window, so the n-th largest of them is a lower bound of the window's n-th
    /// largest value (`slowest-invocations` scans only the row groups that reach it).
    pub fn row_group_maxima(
        &self,
        frame: Frame,
        column: &str,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<f64>> {
        use polars_parquet::parquet::statistics::Statistics;
        let mut out = Vec::new();
        for (date, path) in self.window_files(frame, from, to)? {
            let whole_day = match day_number(&date) {
                Some(d) => {
                    from.is_none_or(|f| f <= d * US_PER_DAY)
                        && to.is_none_or(|t| (d + 1) * US_PER_DAY <= t)
                }
                // `unknown` is only listed when there is no window.
                None => true,
            };
            if !whole_day {
                continue;
            }
            let meta = footer(&path)?;
            for rg in &meta.row_groups {
                let Some(mut chunks) = rg.columns_under_root_iter(column) else {
                    continue;
                };
                let stats = chunks.next().and_then(|c| c.statistics(&meta.footer_buf));
                if let Some(Ok(Statistics::Double(s))) = stats
                    && let Some(max) = s.max_value.filter(|m| !m.is_nan())
                {
                    out.push(max);
                }
            }
        }
        Ok(out)
    }

    /// The earliest and the latest time (µs, UTC) of `frame`'s rows in `[from, to)`, `None`
    /// when it has none. Rows are partitioned by the UTC date of their time, so only the first
    /// and the last date partitions that hold a row of the window are read (a report's bucket
    /// width over 10M invocations: 160–270 ms reading every `start`, a few ms this way).
    pub fn time_range(
        &self,
        frame: Frame,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Option<(i64, i64)>> {
        let mut dated = self.window_files(frame, from, to)?;
        dated.retain(|(date, _)| day_number(date).is_some());
        let t = col(frame.time_column()).cast(DataType::Int64);
        // The first partition (in `files` order) with a row of the window gives the end.
        let end = |files: &mut dyn Iterator<Item = &(String, PathBuf)>, agg: Expr| {
            for (_, path) in files {
                let df = self
                    .scan_files(frame, std::iter::once(path), from, to)?
                    .select([agg.clone().alias("v")])
                    .collect()
                    .ctx(&format!("reading the time range of {}", path.display()))?;
                let v = df.column("v").ok().and_then(|c| c.get(0).ok());
                if let Some(v) = v.and_then(|v| v.extract::<i64>()) {
                    return Ok(Some(v));
                }
            }
            Ok::<_, Error>(None)
        };
        let first = end(&mut dated.iter(), t.clone().min())?;
        let last = end(&mut dated.iter().rev(), t.max())?;
        Ok(first.zip(last))
    }

    /// The rows of each dated partition of `frame` that `[from, to)` (µs, UTC) touches, from the
    /// Parquet footers alone: `(day, rows)`, day = days since 1970-01-01, in date order. Rows
    /// of the partition outside the window are counted too; the `unknown` partition (rows
    /// without time) is left out.
    pub fn rows_per_day(
        &self,
        frame: Frame,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<(i64, u64)>> {
        let from_day = from.map(|f| f.div_euclid(US_PER_DAY));
        let to_day = to.map(|t| (t - 1).div_euclid(US_PER_DAY));
        let mut out: Vec<(i64, u64)> = Vec::new();
        for (date, path) in self.frame_files(frame)? {
            let Some(day) = day_number(&date) else {
                continue;
            };
            if from_day.is_some_and(|f| day < f) || to_day.is_some_and(|t| day > t) {
                continue;
            }
            let rows = footer_rows(&path)?;
            match out.last_mut() {
                Some((d, n)) if *d == day => *n += rows,
                _ => out.push((day, rows)),
            }
        }
        Ok(out)
    }

    /// Read a whole frame into memory.
    pub fn read(&self, frame: Frame) -> Result<DataFrame> {
        self.scan(frame)?
            .collect()
            .ctx(&format!("reading frame {}", frame.name()))
    }

    /// Merge `df` (in the frame's schema) into the stored frame, partition by partition.
    pub fn write(&self, frame: Frame, df: DataFrame) -> Result<WriteStats> {
        if df.height() == 0 {
            return Ok(WriteStats::default());
        }
        let df = self.prepare(frame, df)?;
        // Partitions are independent files: merge and write them on all cores.
        use rayon::prelude::*;
        let results: Vec<Result<WriteStats>> = split_by_date(frame, df)?
            .into_par_iter()
            .map(|(date, part)| self.merge_partition(frame, &date, part))
            .collect();
        sum_stats(results)
    }

    /// Derive the [derived columns](Frame::derived_columns) of incoming rows, and store their
    /// function names before any partition that uses them.
    fn prepare(&self, frame: Frame, df: DataFrame) -> Result<DataFrame> {
        if frame != Frame::Invocations {
            return Ok(df);
        }
        let df = with_function_key(df)?;
        self.remember_function_names(function_names_of(&df)?)?;
        Ok(df)
    }

    /// A staging area for an import in several parts (see [`Staging`]).
    pub fn staging(&self) -> Result<Staging> {
        let dir = tempfile::Builder::new()
            .prefix(".staging-")
            .tempdir_in(&self.dir)
            .map_err(|e| Error::io("creating a staging directory in", &self.dir, e))?;
        Ok(Staging { dir, parts: 0 })
    }

    /// Stage one part of an import: `df`'s rows are written per partition under the staging
    /// area, as they are (no merge, no deduplication), to be merged by [`Workspace::commit_staged`].
    pub fn stage(&self, staging: &mut Staging, frame: Frame, df: DataFrame) -> Result<()> {
        if df.height() == 0 {
            return Ok(());
        }
        let df = self.prepare(frame, df)?;
        staging.parts += 1;
        let name = format!("{:08}.parquet", staging.parts);
        let fdir = staging.dir.path().join(frame.name());
        use rayon::prelude::*;
        let t = std::time::Instant::now();
        let parts = split_by_date(frame, df)?;
        tracing::debug!(
            secs = t.elapsed().as_secs_f64(),
            "workspace: staged rows split"
        );
        parts
            .into_par_iter()
            .map(|(date, mut part)| {
                let pdir = fdir.join(&date);
                fs::create_dir_all(&pdir).map_err(|e| Error::io("creating", &pdir, e))?;
                let path = pdir.join(&name);
                let f = fs::File::create(&path).map_err(|e| Error::io("creating", &path, e))?;
                let opts = parquet::Options::staged(frame.distinct_columns());
                parquet::write(std::io::BufWriter::new(f), &mut part, opts)
                    .ctx(&format!("writing {}", path.display()))?;
                Ok(())
            })
            .collect::<Result<Vec<()>>>()?;
        tracing::debug!(
            frame = frame.name(),
            secs = t.elapsed().as_secs_f64(),
            "workspace: staged"
        );
        Ok(())
    }

    /// Merge every staged part of `frame` into the stored frame: each partition is read,
    /// merged with its staged rows (in the order they were staged) and written once.
    pub fn commit_staged(&self, staging: &Staging, frame: Frame) -> Result<WriteStats> {
        let fdir = staging.dir.path().join(frame.name());
        let mut dates = Vec::new();
        match fs::read_dir(&fdir) {
            Ok(rd) => {
                for ent in rd {
                    let ent = ent.map_err(|e| Error::io("listing", &fdir, e))?;
                    dates.push(ent.file_name().to_string_lossy().into_owned());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("listing", &fdir, e)),
        }
        use rayon::prelude::*;
        let results: Vec<Result<WriteStats>> = dates
            .into_par_iter()
            .map(|date| {
                let pdir = fdir.join(&date);
                let mut files: Vec<PathBuf> = fs::read_dir(&pdir)
                    .map_err(|e| Error::io("listing", &pdir, e))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .collect();
                files.sort();
                let mut rows: Option<DataFrame> = None;
                for path in files {
                    let part = read_parquet(&path)?;
                    // Each part is read once and removed, so staged bytes do not pile up.
                    let _ = fs::remove_file(&path);
                    match rows.as_mut() {
                        None => rows = Some(part),
                        Some(r) => {
                            r.vstack_mut_owned(part).ctx("combining staged rows")?;
                        }
                    }
                }
                match rows {
                    Some(r) => self.merge_partition(frame, &date, r),
                    None => Ok(WriteStats::default()),
                }
            })
            .collect();
        sum_stats(results)
    }

    fn merge_partition(&self, frame: Frame, date: &str, new: DataFrame) -> Result<WriteStats> {
        let pdir = self.frame_dir(frame).join(format!("date={date}"));
        fs::create_dir_all(&pdir).map_err(|e| Error::io("creating", &pdir, e))?;
        let path = pdir.join(DATA_FILE);
        let old = if path.is_file() {
            Some(read_parquet(&path)?)
        } else {
            None
        };
        let incoming = new.height() as u64;
        let new = if new.column(SOURCE_INDEX).is_ok() {
            new
        } else {
            new.lazy()
                .with_column(lit(0u32).alias(SOURCE_INDEX))
                .collect()
                .ctx("tagging rows")?
        };
        let t = std::time::Instant::now();
        let had_old = old.is_some();
        let merged = merge(frame, old, new)?;
        let merge_secs = t.elapsed().as_secs_f64();
        let mut by_source = std::collections::BTreeMap::new();
        let src = merged.column(SOURCE_INDEX).ctx("counting added rows")?;
        for v in src.u32().ctx("counting added rows")?.iter().flatten() {
            *by_source.entry(v).or_insert(0u64) += 1;
        }
        let added: u64 = by_source.values().sum();
        let merged = merged.drop(SOURCE_INDEX).ctx("counting added rows")?;
        let t = std::time::Instant::now();
        let rows = merged.height();
        write_frame_atomic(&path, merged, frame.distinct_columns())?;
        tracing::debug!(
            frame = frame.name(),
            date,
            rows,
            had_old,
            merge_secs,
            write_secs = t.elapsed().as_secs_f64(),
            "workspace: partition merged"
        );
        Ok(WriteStats {
            added,
            existing: incoming.saturating_sub(added),
            added_by_source: by_source,
        })
    }

    /// The manifest (empty when nothing was imported yet).
    pub fn manifest(&self) -> Result<Manifest> {
        Manifest::load(&self.dir)
    }

    /// Append an entry to the manifest (atomically).
    pub fn record(&self, entry: ManifestEntry) -> Result<()> {
        let mut m = self.manifest()?;
        m.entries.push(entry);
        m.save(&self.dir)
    }

    /// Save an X-Ray service graph beside the frames.
    pub fn save_service_graph(&self, graph: &crate::parse::xray::ServiceGraph) -> Result<()> {
        let dir = self.dir.join("aggregates").join("service-graph");
        fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let text = serde_json::to_vec_pretty(graph).map_err(|e| self.err(e.to_string()))?;
        use sha2::Digest;
        let h = sha2::Sha256::digest(&text);
        let name: String = h[..8].iter().map(|b| format!("{b:02x}")).collect();
        write_atomic(&dir.join(format!("{name}.json")), &text)
    }
}

/// The frames of a multi-part import, staged in a temporary directory of the workspace
/// (removed when dropped, also on error). An import of more input than fits in memory at once
/// ([`crate::source::files::CHUNK_BYTES`]) parses it part by part; merging each part into the
/// stored partitions would rewrite every partition once per part, so parts are staged and
/// each partition is merged and written once at the end. Readers never look at the staging
/// directory; a crash leaves it behind, with the stored partitions as they were.
pub struct Staging {
    dir: tempfile::TempDir,
    parts: usize,
}

/// Split a frame by UTC date of its time column (`unknown` for rows without time).
fn split_by_date(frame: Frame, df: DataFrame) -> Result<Vec<(String, DataFrame)>> {
    let t = frame.time_column();
    let df = df
        .lazy()
        .with_column(
            col(t)
                .cast(DataType::Int64)
                .floor_div(lit(US_PER_DAY))
                .alias("__day"),
        )
        .collect()
        .ctx("partitioning by date")?;
    let parts = df
        .partition_by(["__day"], true)
        .ctx("partitioning by date")?;
    drop(df);
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        let day = part
            .column("__day")
            .ok()
            .and_then(|c| c.get(0).ok())
            .and_then(|v| v.extract::<i64>());
        let date = match day {
            Some(d) => chrono::DateTime::from_timestamp(d * 86_400, 0)
                .map(|dt| dt.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "unknown".into()),
            None => "unknown".into(),
        };
        out.push((date, part.drop("__day").ctx("partitioning by date")?));
    }
    Ok(out)
}

fn sum_stats(results: Vec<Result<WriteStats>>) -> Result<WriteStats> {
    let mut stats = WriteStats::default();
    for s in results {
        let s = s?;
        stats.added += s.added;
        stats.existing += s.existing;
        for (k, v) in s.added_by_source {
            *stats.added_by_source.entry(k).or_insert(0) += v;
        }
    }
    Ok(stats)
}

fn day_number(date: &str) -> Option<i64> {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp().div_euclid(86_400))
}

/// Merge stored rows and new rows of one partition following the frame's key policy.
fn merge(frame: Frame, old: Option<DataFrame>, new: DataFrame) -> Result<DataFrame> {
    let keys: Vec<PlSmallStr> = frame
        .key_columns()
        .iter()
        .map(|k| PlSmallStr::from(*k))
        .collect();
    let mut schema_cols: Vec<Expr> = frame
        .schema()
        .iter_names()
        .map(|n| col(n.clone()))
        .collect();
    schema_cols.push(col(SOURCE_INDEX).cast(DataType::UInt32));
    // New log lines with no stored partition and no event ID twice (a first import) are kept
    // as they are: the distinct count reads one column, where `unique_stable` below would
    // also gather every column of every row.
    if frame == Frame::Logs && old.is_none() {
        let ids = new
            .column(crate::model::logs::EVENT_ID)
            .ctx("merging partition")?;
        if ids.n_unique().ctx("merging partition")? == new.height() {
            return new
                .lazy()
                .select(schema_cols)
                .collect()
                .ctx("merging partition");
        }
    }
    // Incoming invocations are keyed by `prepare`; a stored partition always is.
    let new = new.lazy().select(schema_cols.clone());
    let all = match old {
        Some(o) => concat(
            [
                o.lazy()
                    .with_column(lit(NULL).cast(DataType::UInt32).alias(SOURCE_INDEX))
                    .select(schema_cols.clone()),
                new,
            ],
            UnionArgs::default(),
        )
        .ctx("merging partition")?,
        None => new,
    };
    let out = match frame {
        Frame::Logs => all.unique_stable(Some(cols(keys)), UniqueKeepStrategy::First),
        // An identical figure keeps the stored row; a changed one (an estimate made final)
        // replaces it.
        Frame::Costs => all
            .unique_stable(
                Some(cols(frame.schema().iter_names().cloned())),
                UniqueKeepStrategy::First,
            )
            .unique_stable(Some(cols(keys)), UniqueKeepStrategy::Last),
        Frame::Spans => all
            .with_row_index("__row", None)
            .sort_by_exprs(
                [col(spans::IN_PROGRESS).fill_null(lit(false)), col("__row")],
                SortMultipleOptions::default(),
            )
            .unique_stable(Some(cols(keys)), UniqueKeepStrategy::First)
            .sort(["__row"], SortMultipleOptions::default())
            .drop(cols(["__row"])),
        Frame::Invocations => merge_invocations(all),
    };
    out.collect()
        .ctx(&format!("merging frame {}", frame.name()))
}

/// Invocations of the same request ID merge field by field: the first non-null value of each
/// field, the earliest start, cold if any part says cold, and the worst status.
fn merge_invocations(all: LazyFrame) -> LazyFrame {
    let schema = Frame::Invocations.schema();
    let status_rank = when(col(inv::STATUS).eq(lit("timeout")))
        .then(lit(2))
        .when(col(inv::STATUS).eq(lit("error")))
        .then(lit(1))
        .otherwise(lit(0));
    let mut aggs: Vec<Expr> = Vec::new();
    for name in schema.iter_names() {
        let n = name.as_str();
        let e = match n {
            inv::REQUEST_ID => continue,
            inv::START => col(n).min(),
            inv::COLD => col(n).max(),
            inv::STATUS => col("__status_rank").max().alias("__status_rank"),
            _ => col(n).drop_nulls().first(),
        };
        aggs.push(e);
    }
    // Stored rows come first and carry no source index: a request ID already stored is not "added".
    aggs.push(col(SOURCE_INDEX).first());
    let mut order: Vec<Expr> = schema.iter_names().map(|n| col(n.clone())).collect();
    order.push(col(SOURCE_INDEX));
    all.with_column(status_rank.alias("__status_rank"))
        .group_by_stable([col(inv::REQUEST_ID)])
        .agg(aggs)
        .with_column(
            when(col("__status_rank").eq(lit(2)))
                .then(lit("timeout"))
                .when(col("__status_rank").eq(lit(1)))
                .then(lit("error"))
                .otherwise(lit("success"))
                .alias(inv::STATUS),
        )
        .select(order)
}

/// Set `function_key` of invocations from `function` (added, or replaced when present).
pub fn with_function_key(mut df: DataFrame) -> Result<DataFrame> {
    let keys = {
        let names = df
            .column(inv::FUNCTION)
            .ctx("deriving function keys")?
            .str()
            .ctx("deriving function keys")?;
        // Rows of one function come in runs: hash a name once per run.
        let mut last: Option<(&str, u64)> = None;
        UInt64Chunked::from_iter_options(
            inv::FUNCTION_KEY.into(),
            names.iter().map(|n| {
                n.map(|n| match last {
                    Some((l, k)) if l == n => k,
                    _ => {
                        let k = crate::model::invocations::function_key(n);
                        last = Some((n, k));
                        k
                    }
                })
            }),
        )
    };
    df.with_column(keys.into_column())
        .ctx("deriving function keys")?;
    Ok(df)
}

/// Add `name` with `key` to `names`; an error when another name has that key.
fn add_function_name(
    names: &mut std::collections::BTreeMap<u64, String>,
    name: String,
    key: u64,
) -> std::result::Result<(), String> {
    match names.get(&key) {
        Some(n) if *n == name => Ok(()),
        Some(n) => Err(format!(
            "the function names {n:?} and {name:?} have the same key ({key}); Skylens cannot tell their invocations apart, so it stores neither's new rows"
        )),
        None => {
            names.insert(key, name);
            Ok(())
        }
    }
}

/// The distinct function names of invocations.
fn function_names_of(df: &DataFrame) -> Result<Vec<String>> {
    let ctx = "reading function names";
    let unique = df
        .column(inv::FUNCTION)
        .ctx(ctx)?
        .as_materialized_series()
        .unique()
        .ctx(ctx)?;
    Ok(unique
        .str()
        .ctx(ctx)?
        .iter()
        .flatten()
        .map(String::from)
        .collect())
}

/// Read a whole Parquet file.
fn read_parquet(path: &Path) -> Result<DataFrame> {
    let f = fs::File::open(path).map_err(|e| Error::io("opening", path, e))?;
    ParquetReader::new(f)
        .finish()
        .ctx(&format!("reading {}", path.display()))
}

/// The footer (metadata) of a Parquet file.
fn footer(path: &Path) -> Result<FileMetadataRef> {
    let f = fs::File::open(path).map_err(|e| Error::io("opening", path, e))?;
    ParquetReader::new(f)
        .get_metadata()
        .cloned()
        .ctx(&format!("reading the footer of {}", path.display()))
}

/// The rows of a Parquet file, from its footer.
fn footer_rows(path: &Path) -> Result<u64> {
    Ok(footer(path)?.num_rows as u64)
}

/// The function names table from `(key, name)` rows.
fn function_names_frame(rows: Vec<(u64, String)>) -> Result<DataFrame> {
    let (keys, names): (Vec<u64>, Vec<String>) = rows.into_iter().unzip();
    DataFrame::new(
        keys.len(),
        vec![
            Column::new(inv::FUNCTION_KEY.into(), keys),
            Column::new(inv::FUNCTION.into(), names),
        ],
    )
    .ctx("making the function names table")
}

/// Write `path` atomically: `write` fills a temporary file in the same directory, which is
/// synced and then renamed over `path`. On an error `path` is left as it was.
pub fn write_file_atomic(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> Result<()>,
) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io("creating a temporary file in", dir, e))?;
    write(tmp.as_file_mut())?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("syncing", tmp.path().to_path_buf(), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("renaming into", path, e.error))?;
    Ok(())
}

/// Write bytes to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file_atomic(path, |f| {
        f.write_all(bytes)
            .map_err(|e| Error::io("writing a temporary file for", path, e))
    })
}

/// Write a frame as Parquet to `path` through a temporary file and a rename.
pub fn write_parquet_atomic(path: &Path, df: DataFrame) -> Result<()> {
    write_frame_atomic(path, df, &[])
}

/// [`write_parquet_atomic`], with the string columns `distinct` (see
/// [`Frame::distinct_columns`]) written as plain.
fn write_frame_atomic(path: &Path, mut df: DataFrame, distinct: &[&str]) -> Result<()> {
    write_file_atomic(path, |f| {
        let opts = parquet::Options::stored(distinct);
        parquet::write(std::io::BufWriter::new(f), &mut df, opts)
            .ctx(&format!("writing {}", path.display()))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::logs;

    /// Log lines (event ID, message) of one day, the other columns null.
    fn lines(rows: &[(&str, &str)]) -> DataFrame {
        let ids: Vec<&str> = rows.iter().map(|r| r.0).collect();
        let messages: Vec<&str> = rows.iter().map(|r| r.1).collect();
        let ts: Vec<i64> = (0..rows.len() as i64)
            .map(|i| 1_700_000_000_000_000 + i)
            .collect();
        let df = df! {
            logs::EVENT_ID => ids,
            logs::MESSAGE => messages,
            logs::TS => ts,
        }
        .unwrap();
        Frame::Logs.with_input_schema(df).unwrap()
    }

    fn stored(ws: &Workspace) -> Vec<(String, String)> {
        let df = ws.read(Frame::Logs).unwrap();
        let ids = df.column(logs::EVENT_ID).unwrap().str().unwrap().clone();
        let messages = df.column(logs::MESSAGE).unwrap().str().unwrap().clone();
        ids.iter()
            .zip(messages.iter())
            .map(|(i, m)| (i.unwrap().to_string(), m.unwrap().to_string()))
            .collect()
    }

    #[test]
    fn log_lines_are_stored_once_by_event_id_the_first_copy_kept() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(dir.path()).unwrap();
        // A first write with an event ID twice (two overlapping files of one import).
        let st = ws
            .write(
                Frame::Logs,
                lines(&[("a", "first"), ("b", "b"), ("a", "again")]),
            )
            .unwrap();
        assert_eq!((st.added, st.existing), (2, 1));
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(stored(&ws), pairs(&[("a", "first"), ("b", "b")]));
        // Then a write that repeats a stored line and adds one.
        let st = ws
            .write(Frame::Logs, lines(&[("b", "changed"), ("c", "c")]))
            .unwrap();
        assert_eq!((st.added, st.existing), (1, 1));
        assert_eq!(
            stored(&ws),
            pairs(&[("a", "first"), ("b", "b"), ("c", "c")])
        );
        // A first write with every ID distinct keeps every line, in order.
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(dir.path()).unwrap();
        let st = ws
            .write(Frame::Logs, lines(&[("z", "1"), ("y", "2"), ("x", "3")]))
            .unwrap();
        assert_eq!((st.added, st.existing), (3, 0));
        assert_eq!(stored(&ws), pairs(&[("z", "1"), ("y", "2"), ("x", "3")]));
    }
}
