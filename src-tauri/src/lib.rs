//! The Skylens desktop shell: a Tauri v2 window showing the UI (`ui/dist`, embedded at build
//! time), whose commands are thin calls to [`skylens::app::App`] (the API contract in
//! `/work/notes/api-contract.md`, the same one `skylens serve` offers over HTTP).
//!
//! - Every command is `async` and runs its work on Tauri's blocking pool, so a long report never
//!   freezes the window. Arguments arrive as `{ req }`; failures reject with the core's
//!   [`WireError`] `{code, message}`, unchanged.
//! - The open workspace lives in managed state ([`Shell`]): at start the one named by
//!   `$SKYLENS_WORKSPACE`, else the last one used, else the demo workspace (generated on first
//!   use, see [`skylens::app::startup_workspace`]). It opens in the background; commands that
//!   arrive meanwhile wait for it. `open_workspace` switches to another one and remembers it.
//! - Pull progress is pushed to the window as the event `pull-progress` (payload `PullStatus`).
//! - Desktop-only: `save_file` (after the dialog plugin's `save()`), `import_files` (paths from
//!   `open()` or a drop on the window), `open_workspace`.
//!
//! The window may call exactly the commands in [`COMMANDS`] plus the few plugin commands named
//! in `capabilities/default.json` (see `README.md` in this folder).

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;
use skylens::app::{
    self, App, AppResult, AwsProfile, ChartImage, ChartInfo, ChartRequest, DemoRequest,
    ExportRequest, FileData, ImportRequest, ImportedFile, InvestigateRequest, Investigation,
    JobRef, NodeDetail, NodeRequest, Overview, PullProgressFn, PullRequest, PullStatus, ReportInfo,
    ReportRequest, ServiceMapView, Table, TimeRange, WireError, WorkspaceInfo,
};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use tokio::sync::watch;

mod command_names;
pub use command_names::COMMANDS;

/// The event carrying pull progress to the window (payload: `PullStatus`).
pub const PULL_PROGRESS_EVENT: &str = "pull-progress";

/// The environment variable naming the workspace to open instead of the remembered one.
pub const WORKSPACE_ENV: &str = "SKYLENS_WORKSPACE";

/// The workspace being opened (`None`), open, or the error that kept it from opening.
type Opened = Option<Result<Arc<App>, WireError>>;

/// Managed state: the open workspace. A `watch` channel, so commands can wait for the
/// workspace opened at start and `open_workspace` can swap it while commands run on the old one.
pub struct Shell {
    current: watch::Sender<Opened>,
    /// Where `open_workspace` records the last workspace; the app's config directory when
    /// `None` (tests set a temporary one).
    state_dir: Option<PathBuf>,
}

impl Shell {
    /// No workspace yet: commands wait until [`Shell::set`] is called.
    pub fn opening() -> Shell {
        Shell {
            current: watch::Sender::new(None),
            state_dir: None,
        }
    }

    /// A shell over an open workspace.
    pub fn with_app(app: App) -> Shell {
        let shell = Shell::opening();
        shell.set(Ok(Arc::new(app)));
        shell
    }

    /// Record the last workspace in `dir` instead of the app's config directory.
    pub fn remembering_in(mut self, dir: PathBuf) -> Shell {
        self.state_dir = Some(dir);
        self
    }

    /// Where the last workspace is recorded.
    fn state_dir<R: Runtime>(&self, handle: &AppHandle<R>) -> Result<PathBuf, WireError> {
        match &self.state_dir {
            Some(d) => Ok(d.clone()),
            None => app_dir(handle.path().app_config_dir()),
        }
    }

    /// Make `opened` the current workspace (or the error to answer with).
    pub fn set(&self, opened: Result<Arc<App>, WireError>) {
        self.current.send_replace(Some(opened));
    }

    /// The current workspace, once it is open.
    async fn app(&self) -> Result<Arc<App>, WireError> {
        let mut rx = self.current.subscribe();
        let opened = rx
            .wait_for(Option::is_some)
            .await
            .map_err(|_| internal("the workspace state was dropped"))?;
        opened
            .clone()
            .unwrap_or_else(|| Err(internal("no workspace")))
    }
}

fn internal(message: impl Into<String>) -> WireError {
    WireError {
        code: "internal".into(),
        message: message.into(),
    }
}

/// Run `f` on a blocking thread; a panic in it becomes an `internal` error.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> Result<T, WireError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| internal(format!("the command failed unexpectedly: {e}")))?
}

/// Run `f` over the current workspace on a blocking thread.
async fn with_app<T: Send + 'static>(
    shell: &Shell,
    f: impl FnOnce(&App) -> AppResult<T> + Send + 'static,
) -> Result<T, WireError> {
    let app = shell.app().await?;
    blocking(move || f(&app)).await
}

// --- The API contract's commands: one `App` method each. ------------------------------------

#[tauri::command]
async fn workspace_info(shell: State<'_, Shell>) -> Result<WorkspaceInfo, WireError> {
    with_app(&shell, |app| app.workspace_info()).await
}

#[tauri::command]
async fn reports(shell: State<'_, Shell>) -> Result<Vec<ReportInfo>, WireError> {
    with_app(&shell, |app| Ok(app.reports())).await
}

#[tauri::command]
async fn charts(shell: State<'_, Shell>) -> Result<Vec<ChartInfo>, WireError> {
    with_app(&shell, |app| Ok(app.charts())).await
}

#[tauri::command]
async fn report(shell: State<'_, Shell>, req: ReportRequest) -> Result<Table, WireError> {
    with_app(&shell, move |app| app.report(&req)).await
}

#[tauri::command]
async fn export_report(shell: State<'_, Shell>, req: ExportRequest) -> Result<FileData, WireError> {
    with_app(&shell, move |app| app.export_report(&req)).await
}

/// A table a screen composed (overview, node detail, timeline) as spreadsheet-safe CSV.
#[tauri::command]
async fn export_table(shell: State<'_, Shell>, req: Table) -> Result<FileData, WireError> {
    with_app(&shell, move |app| app.export_table(&req)).await
}

#[tauri::command]
async fn chart(shell: State<'_, Shell>, req: ChartRequest) -> Result<ChartImage, WireError> {
    with_app(&shell, move |app| app.chart(&req)).await
}

#[tauri::command]
async fn overview(shell: State<'_, Shell>, req: TimeRange) -> Result<Overview, WireError> {
    with_app(&shell, move |app| app.overview(&req)).await
}

#[tauri::command]
async fn service_map(shell: State<'_, Shell>, req: TimeRange) -> Result<ServiceMapView, WireError> {
    with_app(&shell, move |app| app.service_map(&req)).await
}

#[tauri::command]
async fn node_detail(shell: State<'_, Shell>, req: NodeRequest) -> Result<NodeDetail, WireError> {
    with_app(&shell, move |app| app.node_detail(&req)).await
}

#[tauri::command]
async fn investigate(
    shell: State<'_, Shell>,
    req: InvestigateRequest,
) -> Result<Investigation, WireError> {
    with_app(&shell, move |app| app.investigate(&req)).await
}

#[tauri::command]
async fn demo(shell: State<'_, Shell>, req: DemoRequest) -> Result<Vec<ImportedFile>, WireError> {
    with_app(&shell, move |app| app.demo(&req)).await
}

/// Import files by path: from the dialog plugin's `open()` or a drop on the window.
#[tauri::command]
async fn import_files(
    shell: State<'_, Shell>,
    req: ImportRequest,
) -> Result<Vec<ImportedFile>, WireError> {
    with_app(&shell, move |app| app.import_files(&req)).await
}

#[tauri::command]
async fn aws_profiles(shell: State<'_, Shell>) -> Result<Vec<AwsProfile>, WireError> {
    with_app(&shell, |app| app.aws_profiles()).await
}

/// Start a pull; its progress goes to the window as `pull-progress` events.
#[tauri::command]
async fn pull_start<R: Runtime>(
    handle: AppHandle<R>,
    shell: State<'_, Shell>,
    req: PullRequest,
) -> Result<JobRef, WireError> {
    let progress: PullProgressFn = Arc::new(move |status: &PullStatus| {
        // The window may be gone while a pull ends: nothing to tell then.
        let _ = handle.emit(PULL_PROGRESS_EVENT, status);
    });
    with_app(&shell, move |app| app.pull_start(&req, Some(progress))).await
}

#[tauri::command]
async fn pull_status(shell: State<'_, Shell>, req: JobRef) -> Result<PullStatus, WireError> {
    with_app(&shell, move |app| app.pull_status(&req)).await
}

#[tauri::command]
async fn pull_cancel(shell: State<'_, Shell>, req: JobRef) -> Result<PullStatus, WireError> {
    with_app(&shell, move |app| app.pull_cancel(&req)).await
}

// --- Desktop-only commands. --------------------------------------------------------------------

/// `save_file`'s argument: where the user chose to save (the dialog plugin's `save()`), and
/// the bytes (base64), as `FileData` carries them.
#[derive(Debug, Deserialize)]
pub struct SaveFileRequest {
    /// Absolute path.
    pub path: String,
    /// Contents, base64.
    pub base64: String,
}

/// The extensions `save_file` writes: what the UI exports (reports, tables, charts).
pub const SAVE_EXTENSIONS: &[&str] = &["csv", "json", "parquet", "svg", "png"];

/// Check a save path: absolute, and ending in one of [`SAVE_EXTENSIONS`]. The path comes from
/// the save dialog; the check is defence in depth should the page ever be subverted (it then
/// cannot overwrite `~/.bashrc`, `authorized_keys`, an autostart entry or a binary).
pub fn check_save_path(path: &str) -> Result<PathBuf, WireError> {
    let invalid = |message: String| WireError {
        code: "invalid_input".into(),
        message,
    };
    let p = PathBuf::from(path);
    if !p.is_absolute() {
        return Err(invalid(format!("not an absolute path: {path}")));
    }
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext {
        Some(e) if SAVE_EXTENSIONS.contains(&e.as_str()) => Ok(p),
        _ => Err(invalid(format!(
            "save as a .{} file (got {path})",
            SAVE_EXTENSIONS.join(", .")
        ))),
    }
}

/// Write a file the user picked in the save dialog (atomically).
#[tauri::command]
async fn save_file(req: SaveFileRequest) -> Result<(), WireError> {
    let path = check_save_path(&req.path)?;
    blocking(move || app::save_file(&path, &req.base64)).await
}

/// `open_workspace`'s argument.
#[derive(Debug, Deserialize)]
pub struct OpenWorkspaceRequest {
    /// The workspace directory (created when missing).
    pub path: String,
}

/// Switch to another workspace, remember it for the next start, and describe it.
#[tauri::command]
async fn open_workspace<R: Runtime>(
    handle: AppHandle<R>,
    shell: State<'_, Shell>,
    req: OpenWorkspaceRequest,
) -> Result<WorkspaceInfo, WireError> {
    let state_dir = shell.state_dir(&handle)?;
    let (app, info) = blocking(move || {
        let app = App::open(&req.path)?;
        let info = app.workspace_info()?;
        app::remember_workspace(&state_dir, app.dir())?;
        Ok((app, info))
    })
    .await?;
    shell.set(Ok(Arc::new(app)));
    Ok(info)
}

// --- Start. -------------------------------------------------------------------------------------

fn app_dir(dir: tauri::Result<PathBuf>) -> Result<PathBuf, WireError> {
    dir.map_err(|e| WireError {
        code: "io".into(),
        message: format!("no application directory: {e}"),
    })
}

/// The workspace to open at start: `$SKYLENS_WORKSPACE` when set, else the last one used, else
/// the demo workspace in the app's data directory (`~/.local/share/dev.skylens.app/demo`).
fn open_at_start<R: Runtime>(handle: &AppHandle<R>) -> AppResult<App> {
    if let Some(dir) = std::env::var_os(WORKSPACE_ENV).filter(|d| !d.is_empty()) {
        return App::open(PathBuf::from(dir));
    }
    let state_dir = app_dir(handle.path().app_config_dir())?;
    let data_dir = app_dir(handle.path().app_data_dir())?;
    app::startup_workspace(&state_dir, &data_dir)
}

/// The builder with the shell's state and commands (shared by [`run`] and the tests, which use
/// Tauri's mock runtime).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>, shell: Shell) -> tauri::Builder<R> {
    builder
        .manage(shell)
        .invoke_handler(tauri::generate_handler![
            workspace_info,
            reports,
            charts,
            report,
            export_report,
            export_table,
            chart,
            overview,
            service_map,
            node_detail,
            investigate,
            demo,
            import_files,
            aws_profiles,
            pull_start,
            pull_status,
            pull_cancel,
            save_file,
            open_workspace,
        ])
}

/// The app's context: `tauri.conf.json`, the embedded `ui/dist`, the compiled capabilities.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Run the desktop app.
pub fn run() {
    builder(tauri::Builder::default(), Shell::opening())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            // Open the workspace off the main thread: generating the demo on first use takes a
            // few seconds, and the window should show meanwhile.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn_blocking(move || {
                let opened = open_at_start(&handle);
                if let Err(e) = &opened {
                    eprintln!("skylens-desktop: cannot open the workspace: {e}");
                }
                handle.state::<Shell>().set(opened.map(Arc::new));
            });
            Ok(())
        })
        .run(context())
        .expect("error while running Skylens");
}

#[cfg(test)]
mod tests;
