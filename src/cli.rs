//! The `skylens` command line: argument definitions and the commands, over the core library.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::analysis::{self, Params, Window};
use crate::error::{Error, Result};
use crate::export::{self, OutputFormat};
use crate::parse::time::parse_iso;
use crate::source::{demo, files};
use crate::workspace::Workspace;

/// Skylens: CloudWatch Logs, X-Ray and Cost Explorer, joined, on your desktop.
#[derive(Debug, Parser)]
#[command(name = "skylens", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the workspace is.
#[derive(Debug, Args, Clone)]
pub struct WorkspaceArg {
    /// Workspace directory [default: $SKYLENS_WORKSPACE, else the platform data directory]
    #[arg(long, env = "SKYLENS_WORKSPACE", global = true)]
    pub workspace: Option<PathBuf>,
}

impl WorkspaceArg {
    /// The directory to use.
    pub fn dir(&self) -> Result<PathBuf> {
        if let Some(d) = &self.workspace {
            return Ok(d.clone());
        }
        directories::ProjectDirs::from("dev", "Skylens", "skylens")
            .map(|p| p.data_dir().join("workspace"))
            .ok_or_else(|| Error::Invalid("no home directory: pass --workspace DIR".into()))
    }
}

/// Output options shared by reports and queries.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// A time window.
#[derive(Debug, Args, Clone)]
pub struct WindowArgs {
    /// Start of the window (inclusive), ISO-8601 UTC: `2026-11-01` or `2026-11-01T12:00:00Z`.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the window (exclusive), ISO-8601 UTC.
    #[arg(long)]
    pub to: Option<String>,
}

impl WindowArgs {
    /// The window in µs.
    pub fn window(&self) -> Result<Window> {
        let p = |s: &Option<String>, what: &str| -> Result<Option<i64>> {
            s.as_deref()
                .map(|v| {
                    parse_iso(v).ok_or_else(|| {
                        Error::Invalid(format!("--{what} {v:?} is not an ISO-8601 time"))
                    })
                })
                .transpose()
        };
        Ok(Window {
            from: p(&self.from, "from")?,
            to: p(&self.to, "to")?,
        })
    }
}

/// Options of the time-series and cost reports.
#[derive(Debug, Args, Clone, Default)]
pub struct ReportOptions {
    /// Time-series bucket width: `30s`, `5m`, `1h`, `1d` (latency-timeseries)
    /// [default: from the window, at most 200 buckets of 1m, 5m, 15m, 1h, 6h or 1d].
    #[arg(long)]
    pub bucket: Option<String>,
    /// Cost grouping: `tag:KEY` (e.g. `tag:team`), `service`, or another Cost Explorer
    /// dimension (spend, spend-daily) [default: every grouping present].
    #[arg(long)]
    pub by: Option<String>,
    /// Cost metric (spend, spend-daily): UnblendedCost, BlendedCost, NetUnblendedCost, AmortizedCost, …
    #[arg(long, default_value = "UnblendedCost")]
    pub metric: String,
    /// Lambda price table, CSV like queries/prices/lambda.csv (cost-per-function, cost-per-route).
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Lambda architecture: `FUNCTION=arm64` for one function, or `arm64` for all others;
    /// repeatable (cost-per-function, cost-per-route) [default: x86_64].
    #[arg(long, value_name = "[FUNCTION=]ARCH")]
    pub arch: Vec<String>,
}

impl ReportOptions {
    /// Report parameters from these options and the histogram bin width.
    pub fn params(&self, bin_ms: f64) -> Result<Params> {
        if !(bin_ms.is_finite() && bin_ms > 0.0) {
            return Err(Error::Invalid("--bin-ms must be a positive number".into()));
        }
        let metric = self.metric.trim();
        if metric.is_empty() {
            return Err(Error::Invalid(
                "--metric must name a metric, e.g. UnblendedCost".into(),
            ));
        }
        Ok(Params {
            bin_ms,
            bucket_us: self
                .bucket
                .as_deref()
                .map(analysis::params::parse_bucket)
                .transpose()?,
            by: self
                .by
                .as_deref()
                .map(analysis::params::parse_by)
                .transpose()?,
            metric: metric.to_string(),
            prices: self
                .prices
                .as_deref()
                .map(analysis::prices::PriceTable::load)
                .transpose()?,
            arch: analysis::prices::ArchMap::parse(&self.arch)?,
        })
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate the demo workload (raw AWS-shaped files) and import it.
    Demo {
        #[command(flatten)]
        ws: WorkspaceArg,
        /// Random seed; the same seed gives the same workload.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Number of API requests to simulate.
        #[arg(long, default_value_t = 20_000)]
        requests: u64,
        /// Keep the raw files under <workspace>/raw/demo.
        #[arg(long)]
        keep_raw: bool,
        /// Only import; don't print the reports.
        #[arg(long)]
        quiet: bool,
    },
    /// Import files printed by the AWS CLI (format detected from content).
    Import {
        /// Files to import.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        ws: WorkspaceArg,
        /// Log group for CloudWatch outputs that don't carry one (`/aws/lambda/NAME` names the function).
        #[arg(long)]
        log_group: Option<String>,
        /// Print the per-file summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print or export a report.
    Report {
        /// Report name (`skylens report --list`).
        #[arg(required_unless_present = "list")]
        name: Option<String>,
        /// List the reports.
        #[arg(long)]
        list: bool,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        window: WindowArgs,
        /// Histogram bin width in ms (cold-start-histogram).
        #[arg(long, default_value_t = 100.0)]
        bin_ms: f64,
        #[command(flatten)]
        cost: ReportOptions,
        #[command(flatten)]
        ws: WorkspaceArg,
    },
    /// Run your own SQL over the frames (invocations, logs, spans, costs).
    Query {
        /// A file of SQL.
        #[arg(required_unless_present = "sql", conflicts_with = "sql")]
        file: Option<PathBuf>,
        /// SQL text.
        #[arg(long)]
        sql: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        ws: WorkspaceArg,
    },
    /// Pull CloudWatch Logs, X-Ray traces and Cost Explorer data from AWS (read-only, incremental).
    Pull(crate::source::pull::cli::PullArgs),
    /// Everything about one request: every span, log line and invocation, in time order.
    Investigate {
        /// A Lambda request ID, an X-Ray trace ID (`1-…` or `Root=1-…;Parent=…;Sampled=1`), an
        /// API Gateway request ID, or a correlation ID from JSON logs.
        id: String,
        /// Another JSON key whose value is a correlation ID, searched in the log lines' other
        /// fields at any depth (repeatable; `correlation_id`/`correlationId` are always used).
        #[arg(
            long = "correlation-key",
            value_name = "KEY",
            env = "SKYLENS_CORRELATION_KEYS",
            value_delimiter = ','
        )]
        correlation_keys: Vec<String>,
        #[command(flatten)]
        output: OutputArgs,
        #[command(flatten)]
        ws: WorkspaceArg,
    },
    /// Draw a chart as SVG or PNG (`skylens chart --list`).
    Chart {
        /// Chart name (`skylens chart --list`).
        #[arg(required_unless_present = "list")]
        name: Option<String>,
        /// List the charts.
        #[arg(long)]
        list: bool,
        /// The image to write; `.svg` or `.png` picks the format.
        #[arg(long, value_name = "FILE", required_unless_present = "list")]
        out: Option<PathBuf>,
        #[command(flatten)]
        window: WindowArgs,
        /// Histogram bin width in ms (cold-start-histogram).
        #[arg(long, default_value_t = 100.0)]
        bin_ms: f64,
        #[command(flatten)]
        cost: ReportOptions,
        #[command(flatten)]
        ws: WorkspaceArg,
    },
    /// Serve the UI in a browser on 127.0.0.1, with a per-launch token.
    Serve {
        /// Port on 127.0.0.1 [default: a free one].
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The built UI [default: $SKYLENS_UI_DIR, else ui/dist of the source tree].
        #[arg(long, value_name = "DIR")]
        ui_dir: Option<PathBuf>,
        /// Open the demo workspace (generated on first use) instead of --workspace.
        #[arg(long, conflicts_with = "workspace")]
        demo: bool,
        #[command(flatten)]
        ws: WorkspaceArg,
    },
    /// Export every report (CSV + Parquet) and chart (SVG + PNG) for a window, with an index.
    Export {
        /// Directory of the bundle (created if needed; our files in it are replaced).
        #[arg(long, value_name = "DIR")]
        bundle: PathBuf,
        #[command(flatten)]
        window: WindowArgs,
        /// Histogram bin width in ms (cold-start-histogram).
        #[arg(long, default_value_t = 100.0)]
        bin_ms: f64,
        #[command(flatten)]
        cost: ReportOptions,
        #[command(flatten)]
        ws: WorkspaceArg,
    },
}

fn emit(df: &polars::prelude::DataFrame, out: &OutputArgs) -> Result<()> {
    if out.format.is_binary() && out.out.is_none() {
        return Err(Error::Invalid(
            "--format parquet writes a binary file: give --out FILE.parquet".into(),
        ));
    }
    match &out.out {
        Some(p) => {
            let mut buf = Vec::new();
            export::write(df, out.format, &mut buf)?;
            crate::workspace::write_atomic(p, &buf)
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            export::write(df, out.format, &mut lock)?;
            lock.flush().map_err(|e| Error::io("writing", "stdout", e))
        }
    }
}

/// Precompute the desktop's first dashboard after new data arrived, so the app opens on it at
/// once ([`crate::app::cache`]). A failure here costs only that speed: it is reported, not fatal.
/// The process exits after this batch, so freed pages stay mapped for its next query
/// ([`crate::analysis::memory::KeepPages`]).
fn warm_dashboard(dir: &std::path::Path) {
    let _keep = crate::analysis::memory::KeepPages::new();
    if let Err(e) = crate::app::warm_dashboard(dir) {
        eprintln!(
            "note: the dashboard could not be precomputed ({}): {}",
            e.code, e.message
        );
    }
}

/// Run a command; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Demo {
            ws,
            seed,
            requests,
            keep_raw,
            quiet,
        } => {
            let dir = ws.dir()?;
            let workspace = Workspace::open_or_create(&dir)?;
            let started = std::time::Instant::now();
            let opts = demo::DemoOptions {
                seed,
                requests,
                ..Default::default()
            };
            let reports = crate::source::import_demo(&workspace, &opts, keep_raw)?;
            let added = |f: &str| {
                reports
                    .iter()
                    .map(|r| r.added.get(f).copied().unwrap_or(0))
                    .sum::<u64>()
            };
            eprintln!(
                "demo workspace {}: {} files imported in {:.2}s: invocations {}, logs {}, spans {}, costs {}",
                dir.display(),
                reports.len(),
                started.elapsed().as_secs_f64(),
                added("invocations"),
                added("logs"),
                added("spans"),
                added("costs"),
            );
            let skipped: u64 = reports.iter().flat_map(|r| r.skipped.values()).sum();
            if skipped > 0 {
                eprintln!(
                    "warning: {skipped} demo records were skipped; run `skylens import` on the raw files for details"
                );
            }
            warm_dashboard(&dir);
            if !quiet {
                let stdout = std::io::stdout();
                let mut w = stdout.lock();
                for name in ["latency", "cold-starts"] {
                    let df = analysis::run_report(
                        &workspace,
                        name,
                        Window::default(),
                        &Params::default(),
                    )?;
                    writeln!(w, "\n{name}").map_err(|e| Error::io("writing", "stdout", e))?;
                    export::write(&df, OutputFormat::Table, &mut w)?;
                }
                writeln!(
                    w,
                    "\nMore: skylens report --list --workspace {}",
                    dir.display()
                )
                .map_err(|e| Error::io("writing", "stdout", e))?;
            }
            Ok(0)
        }
        Command::Import {
            files: paths,
            ws,
            log_group,
            json,
        } => {
            let workspace = Workspace::open_or_create(ws.dir()?)?;
            let reports =
                files::import_files(&workspace, &paths, &files::ImportOptions { log_group })?;
            if json {
                let text = serde_json::to_string_pretty(&reports)
                    .map_err(|e| Error::Invalid(e.to_string()))?;
                println!("{text}");
            } else {
                for r in &reports {
                    print_file_report(r);
                }
            }
            if reports.iter().any(|r| r.added.values().any(|n| *n > 0)) {
                warm_dashboard(workspace.dir());
            }
            let unreadable = reports.iter().filter(|r| r.nothing_read()).count();
            if unreadable > 0 {
                eprintln!(
                    "error: nothing could be read from {unreadable} of {} file(s)",
                    reports.len()
                );
                return Ok(1);
            }
            Ok(0)
        }
        Command::Report {
            name,
            list,
            output,
            window,
            bin_ms,
            cost,
            ws,
        } => {
            if list {
                for r in analysis::REPORTS {
                    println!("{:<22} {}", r.name, r.about);
                }
                return Ok(0);
            }
            let name = name.unwrap_or_default();
            let workspace = Workspace::open(ws.dir()?)?;
            let params = cost.params(bin_ms)?;
            let df = analysis::run_report(&workspace, &name, window.window()?, &params)?;
            if df.height() == 0 && name.starts_with("spend") {
                spend_note(&workspace, &cost, window.window()?);
            }
            emit(&df, &output)?;
            Ok(0)
        }
        Command::Query {
            file,
            sql,
            output,
            window,
            ws,
        } => {
            let workspace = Workspace::open(ws.dir()?)?;
            let text = match (file, sql) {
                (_, Some(s)) => s,
                (Some(f), None) => {
                    std::fs::read_to_string(&f).map_err(|e| Error::io("reading", f, e))?
                }
                (None, None) => return Err(Error::Invalid("give a SQL file or --sql".into())),
            };
            let df = analysis::run_sql(&workspace, &text, window.window()?)?;
            emit(&df, &output)?;
            Ok(0)
        }
        Command::Pull(args) => {
            let dir = args.ws.dir()?;
            let code = crate::source::pull::cli::run(args)?;
            if Workspace::open(&dir).is_ok() {
                warm_dashboard(&dir);
            }
            Ok(code)
        }
        Command::Investigate {
            id,
            correlation_keys,
            output,
            ws,
        } => {
            let workspace = Workspace::open(ws.dir()?)?;
            let opts = analysis::investigate::InvestigateOptions {
                correlation_keys,
                ..Default::default()
            };
            let found = analysis::investigate::investigate(&workspace, &id, &opts)?;
            let n = |src: &str| {
                let col = found
                    .timeline
                    .column("source")
                    .ok()
                    .and_then(|c| c.str().ok().cloned());
                col.map_or(0, |c| c.iter().filter(|s| *s == Some(src)).count())
            };
            eprintln!(
                "{}: {} spans, {} log lines, {} invocations; traces: {}; request IDs: {}",
                found.id,
                n("spans"),
                n("logs"),
                n("invocations"),
                found.trace_ids.len(),
                found.request_ids.len(),
            );
            if found.truncated {
                eprintln!(
                    "warning: stopped after following {} IDs; the timeline may be incomplete",
                    opts.max_ids
                );
            }
            emit(&found.timeline, &output)?;
            Ok(0)
        }
        Command::Chart {
            name,
            list,
            out,
            window,
            bin_ms,
            cost,
            ws,
        } => {
            if list {
                for c in crate::render::CHARTS {
                    println!("{:<22} {}", c.name, c.about);
                }
                return Ok(0);
            }
            let name = name.unwrap_or_default();
            let out =
                out.ok_or_else(|| Error::Invalid("give --out FILE.svg or --out FILE.png".into()))?;
            let format = crate::render::ImageFormat::from_path(&out)?;
            crate::render::chart_info(&name)?;
            let workspace = Workspace::open(ws.dir()?)?;
            let chart =
                crate::render::build(&workspace, &name, window.window()?, &cost.params(bin_ms)?)?;
            crate::workspace::write_atomic(&out, &chart.render(format)?)?;
            let (w, h) = chart.size();
            eprintln!(
                "chart {name}: {} ({w}x{h}, {} data rows)",
                out.display(),
                chart.rows()
            );
            Ok(0)
        }
        Command::Serve {
            port,
            ui_dir,
            demo,
            ws,
        } => {
            let app = if demo {
                let dir = WorkspaceArg { workspace: None }.dir()?;
                let demo_dir = dir.with_file_name("demo");
                eprintln!("opening the demo workspace {}", demo_dir.display());
                crate::app::open_demo(&demo_dir)
            } else {
                crate::app::App::open(ws.dir()?)
            }
            .map_err(|e| Error::Invalid(e.message))?;
            crate::serve::serve(
                app,
                crate::serve::ServeOptions {
                    port,
                    ui_dir: ui_dir.unwrap_or_else(crate::serve::default_ui_dir),
                    token: None,
                },
            )?;
            Ok(0)
        }
        Command::Export {
            bundle,
            window,
            bin_ms,
            cost,
            ws,
        } => {
            let workspace = Workspace::open(ws.dir()?)?;
            let index = export::bundle::bundle(
                &workspace,
                &bundle,
                window.window()?,
                &cost.params(bin_ms)?,
            )?;
            eprintln!(
                "bundle {}: {} files ({} reports, {} charts); open {}",
                bundle.display(),
                index.files.len(),
                index.files.iter().filter(|f| f.kind == "report").count() / 2,
                index.files.iter().filter(|f| f.kind == "chart").count() / 2,
                bundle.join("index.html").display()
            );
            for e in &index.errors {
                eprintln!("error: {} {}: {}", e.kind, e.name, e.error);
            }
            Ok(if index.errors.is_empty() { 0 } else { 2 })
        }
    }
}

/// Say on stderr why a spend report came out empty: the groupings and metrics there are.
fn spend_note(workspace: &Workspace, cost: &ReportOptions, window: Window) {
    let sql = "SELECT DISTINCT dimension, metric FROM costs ORDER BY dimension, metric";
    let Ok(df) = analysis::run_sql(workspace, sql, window) else {
        return;
    };
    let rows = export::cells(&df);
    let list = |i: usize| {
        let mut v: Vec<String> = rows.iter().map(|r| r[i].text()).collect();
        v.dedup();
        v.sort();
        v.dedup();
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let by = cost
        .by
        .as_deref()
        .map(|b| format!(" grouped by {b:?}"))
        .unwrap_or_default();
    eprintln!(
        "note: no {} costs{by} in this window; groupings present: {}; metrics present: {}",
        cost.metric,
        list(0),
        list(1)
    );
}

fn print_file_report(r: &files::FileReport) {
    let name = r.path.display();
    if let Some(e) = &r.error {
        println!("{name}: unreadable: {e}");
        return;
    }
    let env = if r.envelopes.is_empty() {
        String::new()
    } else {
        format!(" (in {})", r.envelopes.join("+"))
    };
    println!("{name}: {}{env}, {} records", r.format.name(), r.records);
    let added: Vec<String> = r
        .added
        .iter()
        .map(|(k, v)| {
            let parsed = r.parsed.get(k).copied().unwrap_or(0);
            if parsed > *v {
                format!("{k} +{v} ({} already stored)", parsed - v)
            } else {
                format!("{k} +{v}")
            }
        })
        .collect();
    println!("  added: {}", added.join(", "));
    for (k, v) in &r.parsed {
        if !r.added.contains_key(k) && *v > 0 {
            println!("  read: {k} {v}");
        }
    }
    if r.skipped.is_empty() {
        println!("  skipped: 0");
    } else {
        let total: u64 = r.skipped.values().sum();
        let parts: Vec<String> = r.skipped.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("  skipped: {total} ({})", parts.join(", "));
    }
    if r.nothing_read() {
        println!("  nothing could be read from this file");
    }
}
