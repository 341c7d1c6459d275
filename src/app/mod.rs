//! The application API: what the desktop shell (`src-tauri`) and `skylens serve` expose to the
//! UI, one documented method per command. Each is a few lines over the core (reports,
//! investigate, charts, import, pull); results are plain serde types ([`types`]) whose
//! TypeScript declarations are generated into `ui/src/api/types.ts`. Errors cross the wire as
//! [`WireError`] `{code, message}`.
//!
//! The UI computes nothing: every figure it shows comes from a method here.

pub mod bindings;
pub mod cache;
mod jobs;
pub mod profiles;
pub mod types;
mod views;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use polars::prelude::*;

pub use types::*;

use crate::analysis::{self, Params, Window};
use crate::cli::{ReportOptions, WindowArgs};
use crate::error::Error;
use crate::export::{self, Cell, OutputFormat};
use crate::render;
use crate::source::{demo, files};
use crate::workspace::Workspace;

/// Result of an application command.
pub type AppResult<T> = std::result::Result<T, WireError>;

/// A callback for pull progress (the desktop shell turns it into `pull-progress` events).
pub type PullProgressFn = Arc<dyn Fn(&PullStatus) + Send + Sync>;

/// The application: one workspace, its cached investigator, and the pull jobs.
pub struct App {
    dir: PathBuf,
    investigator: Mutex<Option<Arc<analysis::investigate::Investigator>>>,
    jobs: jobs::PullJobs,
}

/// Compute and cache the first dashboard of the workspace in `dir` (its summary, and the
/// overview and service map over all data) and every report over all data
/// ([`analysis::results::warm`]), so the next launch and the next `skylens report` show them at
/// once. The CLI calls it after an import, a demo or a pull. The first failure is returned,
/// after everything else was tried.
pub fn warm_dashboard(dir: &Path) -> AppResult<()> {
    let app = App::open(dir)?;
    let all = TimeRange::default();
    let screens = [
        app.workspace_info().map(drop),
        app.overview(&all).map(drop),
        app.service_map(&all).map(drop),
    ];
    let reports = analysis::results::warm(&app.ws()?);
    let first_report = reports.into_iter().next().map(|(_, e)| WireError::from(e));
    match screens.into_iter().find_map(Result::err).or(first_report) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

impl App {
    /// Open (or create) the workspace in `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> AppResult<App> {
        let dir = dir.into();
        Workspace::open_or_create(&dir)?;
        Ok(App {
            dir,
            investigator: Mutex::new(None),
            jobs: jobs::PullJobs::default(),
        })
    }

    /// The workspace directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn ws(&self) -> AppResult<Workspace> {
        Ok(Workspace::open(&self.dir)?)
    }

    /// What the workspace holds: rows per frame, time span, functions.
    pub fn workspace_info(&self) -> AppResult<WorkspaceInfo> {
        let ws = self.ws()?;
        cache::cached(&ws, "workspace-info", &(), || views::workspace_info(&ws))
    }

    /// Every report, with its columns.
    pub fn reports(&self) -> Vec<ReportInfo> {
        analysis::REPORTS
            .iter()
            .map(|r| ReportInfo {
                name: r.name.to_string(),
                about: r.about.to_string(),
                columns: r.columns.iter().map(|c| c.to_string()).collect(),
            })
            .collect()
    }

    /// Every chart.
    pub fn charts(&self) -> Vec<types::ChartInfo> {
        render::CHARTS
            .iter()
            .map(|c| types::ChartInfo {
                name: c.name.to_string(),
                about: c.about.to_string(),
            })
            .collect()
    }

    /// Run a report (`skylens report NAME`).
    pub fn report(&self, req: &ReportRequest) -> AppResult<Table> {
        let (window, params) = options(req)?;
        let df = analysis::run_report(&self.ws()?, &req.name, window, &params)?;
        Ok(table(&req.name, &df))
    }

    /// A report as a file (`skylens report NAME --format csv|json|parquet`); CSV is
    /// spreadsheet-safe.
    pub fn export_report(&self, req: &ExportRequest) -> AppResult<FileData> {
        let (window, params) = options(&req.report)?;
        let df = analysis::run_report(&self.ws()?, &req.report.name, window, &params)?;
        let (format, mime) = match req.format {
            ExportKind::Csv => (OutputFormat::Csv, "text/csv"),
            ExportKind::Json => (OutputFormat::Json, "application/json"),
            ExportKind::Parquet => (OutputFormat::Parquet, "application/vnd.apache.parquet"),
        };
        let mut buf = Vec::new();
        export::write(&df, format, &mut buf)?;
        Ok(FileData {
            filename: format!("{}.{}", req.report.name, format.extension()),
            mime: mime.to_string(),
            base64: base64::engine::general_purpose::STANDARD.encode(&buf),
        })
    }

    /// A table the UI holds (one a screen composed: the overview, a node's detail, an
    /// investigation timeline) as spreadsheet-safe CSV, by the same writer as the reports.
    pub fn export_table(&self, req: &Table) -> AppResult<FileData> {
        let cells = req.rows.iter().map(|r| {
            r.iter()
                .map(|v| match v {
                    serde_json::Value::Null => Cell::Null,
                    serde_json::Value::Bool(b) => Cell::Bool(*b),
                    serde_json::Value::Number(n) => Cell::Number(n.to_string()),
                    serde_json::Value::String(s) => Cell::Text(s.clone()),
                    other => Cell::Text(other.to_string()),
                })
                .collect()
        });
        let header: Vec<&str> = req.columns.iter().map(String::as_str).collect();
        let mut buf = Vec::new();
        export::write_csv(&header, cells, &mut buf)?;
        Ok(FileData {
            filename: format!("{}.csv", req.name),
            mime: "text/csv".to_string(),
            base64: base64::engine::general_purpose::STANDARD.encode(&buf),
        })
    }

    /// Draw a chart (`skylens chart NAME`).
    pub fn chart(&self, req: &ChartRequest) -> AppResult<ChartImage> {
        let (window, params) = options(&req.options)?;
        render::chart_info(&req.name)?;
        let chart = render::build(&self.ws()?, &req.name, window, &params)?;
        let (width, height) = chart.size();
        let (mime, data, ext) = match req.format {
            ImageKind::Svg => ("image/svg+xml", chart.to_svg()?, "svg"),
            ImageKind::Png => (
                "image/png",
                base64::engine::general_purpose::STANDARD.encode(chart.to_png()?),
                "png",
            ),
        };
        Ok(ChartImage {
            name: req.name.clone(),
            mime: mime.to_string(),
            width,
            height,
            rows: u32::try_from(chart.rows()).unwrap_or(u32::MAX),
            data,
            filename: format!("{}.{ext}", req.name),
        })
    }

    /// The overview: per-function latency, errors, cold starts and estimated cost, sparklines
    /// and spend by service.
    pub fn overview(&self, range: &TimeRange) -> AppResult<Overview> {
        let ws = self.ws()?;
        let w = window(range)?;
        cache::cached(&ws, "overview", range, || views::overview(&ws, w))
    }

    /// The service map, laid out left to right.
    pub fn service_map(&self, range: &TimeRange) -> AppResult<ServiceMapView> {
        let ws = self.ws()?;
        let w = window(range)?;
        cache::cached(&ws, "service-map", range, || views::service_map(&ws, w))
    }

    /// One service-map node: its latency histogram and slowest requests.
    pub fn node_detail(&self, req: &NodeRequest) -> AppResult<NodeDetail> {
        views::node_detail(&self.ws()?, req, window(&req.range)?)
    }

    /// Everything about one request (`skylens investigate ID`), with its waterfall.
    pub fn investigate(&self, req: &InvestigateRequest) -> AppResult<Investigation> {
        let inv = self.investigator()?;
        let opts = analysis::investigate::InvestigateOptions {
            correlation_keys: req.correlation_keys.clone(),
            ..Default::default()
        };
        let found = inv.investigate(req.id.trim(), &opts)?;
        views::investigation(inv.workspace(), &found)
    }

    /// The investigator, reopened when the workspace changed since it was built.
    fn investigator(&self) -> AppResult<Arc<analysis::investigate::Investigator>> {
        let mut slot = self
            .investigator
            .lock()
            .map_err(|_| internal("the investigator lock was poisoned"))?;
        if let Some(inv) = slot.as_ref()
            && !inv.is_stale()?
        {
            return Ok(inv.clone());
        }
        let inv = Arc::new(analysis::investigate::Investigator::open(&self.ws()?)?);
        *slot = Some(inv.clone());
        Ok(inv)
    }

    /// Generate the demo workload into this workspace (`skylens demo`).
    pub fn demo(&self, req: &DemoRequest) -> AppResult<Vec<ImportedFile>> {
        let opts = demo::DemoOptions {
            seed: u64::from(req.seed),
            requests: u64::from(req.requests),
            ..Default::default()
        };
        let reports = crate::source::import_demo(&self.ws()?, &opts, false)?;
        Ok(reports.iter().map(imported).collect())
    }

    /// Import files by path (`skylens import`): the desktop's file picker and drops.
    pub fn import_files(&self, req: &ImportRequest) -> AppResult<Vec<ImportedFile>> {
        let paths: Vec<PathBuf> = req.paths.iter().map(PathBuf::from).collect();
        let opts = files::ImportOptions {
            log_group: req.log_group.clone(),
        };
        let reports = files::import_files(&self.ws()?, &paths, &opts)?;
        Ok(reports.iter().map(imported).collect())
    }

    /// Import one file given by content (a browser upload): written to a private temporary
    /// directory in the workspace, imported, then removed. The manifest records `name`.
    pub fn import_bytes(&self, name: &str, bytes: &[u8]) -> AppResult<Vec<ImportedFile>> {
        let ws = self.ws()?;
        let base = ws.dir().join("raw");
        std::fs::create_dir_all(&base).map_err(|e| Error::io("creating", &base, e))?;
        let tmp = tempfile::Builder::new()
            .prefix("upload-")
            .tempdir_in(&base)
            .map_err(|e| Error::io("creating a temporary directory in", &base, e))?;
        // Only the last path component of the name, so an upload can't point elsewhere.
        let safe: String = Path::new(name)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("upload")
            .chars()
            .map(|c| if c.is_control() { '_' } else { c })
            .collect();
        let path = tmp
            .path()
            .join(if safe.is_empty() { "upload" } else { &safe });
        std::fs::write(&path, bytes).map_err(|e| Error::io("writing", &path, e))?;
        let reports = files::import_files(&ws, &[path], &files::ImportOptions::default())?;
        Ok(reports
            .iter()
            .map(|r| ImportedFile {
                name: safe.clone(),
                ..imported(r)
            })
            .collect())
    }

    /// The AWS profiles of `~/.aws/config` and `~/.aws/credentials` (names and regions only).
    pub fn aws_profiles(&self) -> AppResult<Vec<AwsProfile>> {
        Ok(profiles::list())
    }

    /// Start a pull in the background (`skylens pull`); poll [`App::pull_status`] or pass
    /// `on_progress`.
    pub fn pull_start(
        &self,
        req: &PullRequest,
        on_progress: Option<PullProgressFn>,
    ) -> AppResult<JobRef> {
        self.jobs.start(self.ws()?, req, on_progress)
    }

    /// The state of a pull.
    pub fn pull_status(&self, job: &JobRef) -> AppResult<PullStatus> {
        self.jobs.status(job.job)
    }

    /// Cancel a pull: what was fetched so far is kept.
    pub fn pull_cancel(&self, job: &JobRef) -> AppResult<PullStatus> {
        self.jobs.cancel(job.job)
    }

    /// Run a command by name with its JSON argument: the dispatcher behind `POST /api/NAME`.
    pub fn call(&self, command: &str, arg: serde_json::Value) -> AppResult<serde_json::Value> {
        fn arg_of<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> AppResult<T> {
            serde_json::from_value(v).map_err(|e| WireError {
                code: "invalid_input".into(),
                message: format!("bad request body: {e}"),
            })
        }
        fn out<T: serde::Serialize>(v: AppResult<T>) -> AppResult<serde_json::Value> {
            v.and_then(|v| serde_json::to_value(v).map_err(|e| internal(&e.to_string())))
        }
        let arg = if arg.is_null() {
            serde_json::json!({})
        } else {
            arg
        };
        match command {
            "workspace_info" => out(self.workspace_info()),
            "reports" => out(Ok(self.reports())),
            "charts" => out(Ok(self.charts())),
            "report" => out(self.report(&arg_of(arg)?)),
            "export_report" => out(self.export_report(&arg_of(arg)?)),
            "export_table" => out(self.export_table(&arg_of(arg)?)),
            "chart" => out(self.chart(&arg_of(arg)?)),
            "overview" => out(self.overview(&arg_of(arg)?)),
            "service_map" => out(self.service_map(&arg_of(arg)?)),
            "node_detail" => out(self.node_detail(&arg_of(arg)?)),
            "investigate" => out(self.investigate(&arg_of(arg)?)),
            "demo" => out(self.demo(&arg_of(arg)?)),
            "aws_profiles" => out(self.aws_profiles()),
            "pull_start" => out(self.pull_start(&arg_of(arg)?, None)),
            "pull_status" => out(self.pull_status(&arg_of(arg)?)),
            "pull_cancel" => out(self.pull_cancel(&arg_of(arg)?)),
            other => Err(WireError {
                code: "unknown_name".into(),
                message: format!("unknown command `{other}`"),
            }),
        }
    }
}

/// Commands [`App::call`] knows (the HTTP API; `import_files` is desktop-only, uploads use
/// `import_upload`).
pub const COMMANDS: &[&str] = &[
    "workspace_info",
    "reports",
    "charts",
    "report",
    "export_report",
    "export_table",
    "chart",
    "overview",
    "service_map",
    "node_detail",
    "investigate",
    "demo",
    "aws_profiles",
    "pull_start",
    "pull_status",
    "pull_cancel",
];

/// Write a file the user picked in a save dialog (desktop exports).
pub fn save_file(path: &Path, base64_data: &str) -> AppResult<()> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_data)
        .map_err(|e| WireError {
            code: "invalid_input".into(),
            message: format!("file data is not base64: {e}"),
        })?;
    Ok(crate::workspace::write_atomic(path, &bytes)?)
}

/// The workspace the app opens on start: the last one used (recorded in `state_dir`), else
/// the demo workspace in `data_dir/demo`, generated on first use.
pub fn startup_workspace(state_dir: &Path, data_dir: &Path) -> AppResult<App> {
    let last = state_dir.join("last-workspace");
    if let Ok(text) = std::fs::read_to_string(&last) {
        let dir = PathBuf::from(text.trim());
        if Workspace::open(&dir).is_ok() {
            return App::open(dir);
        }
    }
    let app = open_demo(&data_dir.join("demo"))?;
    remember_workspace(state_dir, app.dir())?;
    Ok(app)
}

/// Open the demo workspace in `dir`, generating it (default seed and size) when it is empty.
pub fn open_demo(dir: &Path) -> AppResult<App> {
    let app = App::open(dir)?;
    let empty = app.workspace_info()?.frames.iter().all(|f| f.rows == 0);
    if empty {
        let d = demo::DemoOptions::default();
        app.demo(&DemoRequest {
            seed: u32::try_from(d.seed).unwrap_or(42),
            requests: u32::try_from(d.requests).unwrap_or(20_000),
        })?;
    }
    Ok(app)
}

/// Record `dir` as the last workspace used.
pub fn remember_workspace(state_dir: &Path, dir: &Path) -> AppResult<()> {
    std::fs::create_dir_all(state_dir).map_err(|e| Error::io("creating", state_dir, e))?;
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    Ok(crate::workspace::write_atomic(
        &state_dir.join("last-workspace"),
        abs.to_string_lossy().as_bytes(),
    )?)
}

fn internal(message: &str) -> WireError {
    WireError {
        code: "internal".into(),
        message: message.to_string(),
    }
}

/// The window of a range.
fn window(range: &TimeRange) -> AppResult<Window> {
    Ok(WindowArgs {
        from: range.from.clone().filter(|s| !s.trim().is_empty()),
        to: range.to.clone().filter(|s| !s.trim().is_empty()),
    }
    .window()?)
}

/// The window and parameters of a report request, as the CLI builds them.
fn options(req: &ReportRequest) -> AppResult<(Window, Params)> {
    let opts = ReportOptions {
        bucket: req.bucket.clone().filter(|s| !s.is_empty()),
        by: req.by.clone().filter(|s| !s.is_empty()),
        metric: req
            .metric
            .clone()
            .unwrap_or_else(|| "UnblendedCost".to_string()),
        prices: None,
        arch: Vec::new(),
    };
    Ok((
        window(&req.range)?,
        opts.params(req.bin_ms.unwrap_or(100.0))?,
    ))
}

/// A frame as a [`Table`]: values as the CLI's JSON output gives them.
pub fn table(name: &str, df: &DataFrame) -> Table {
    let kinds = df
        .columns()
        .iter()
        .map(|c| match c.dtype() {
            DataType::Boolean => ColumnKind::Bool,
            DataType::Datetime(..) | DataType::Date => ColumnKind::Time,
            d if d.is_primitive_numeric() => ColumnKind::Number,
            _ => ColumnKind::Text,
        })
        .collect();
    let rows = export::cells(df)
        .into_iter()
        .map(|r| r.into_iter().map(cell_json).collect())
        .collect();
    Table {
        name: name.to_string(),
        columns: df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        kinds,
        rows,
    }
}

fn cell_json(c: Cell) -> serde_json::Value {
    match c {
        Cell::Null => serde_json::Value::Null,
        Cell::Bool(b) => serde_json::Value::Bool(b),
        Cell::Text(s) => serde_json::Value::String(s),
        Cell::Number(s) => s
            .parse::<i64>()
            .map(serde_json::Value::from)
            .ok()
            .or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(serde_json::Value::Number)
            })
            .unwrap_or(serde_json::Value::String(s)),
    }
}

fn imported(r: &files::FileReport) -> ImportedFile {
    ImportedFile {
        name: r
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| r.path.display().to_string()),
        format: r.format.name().to_string(),
        records: r.records as f64,
        added: r
            .added
            .iter()
            .map(|(k, v)| (k.to_string(), *v as f64))
            .collect(),
        skipped: r
            .skipped
            .iter()
            .map(|(k, v)| (k.to_string(), *v as f64))
            .collect(),
        error: r.error.clone().or_else(|| {
            r.nothing_read()
                .then(|| "nothing could be read from this file".to_string())
        }),
    }
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
