//! `skylens pull`: fill a workspace from live AWS, incrementally, politely and safely.
//!
//! One call, [`pull`] (or [`pull_async`] inside a tokio runtime, as the desktop app does), pulls
//! a time window from every region asked for:
//! - **CloudWatch Logs** ([`crate::source::cloudwatch`]): log groups by prefix (`/aws/lambda/`
//!   by default) and by name (API Gateway access-log groups), FilterLogEvents with pagination,
//!   bounded concurrency across groups and a client-side rate limit per API; for windows larger
//!   than a threshold, Logs Insights aggregates instead of raw events.
//! - **X-Ray** ([`crate::source::xray`]): GetTraceSummaries over slices of at most 6 hours, then
//!   BatchGetTraces 5 IDs at a time, retrying unprocessed IDs.
//! - **Cost Explorer** ([`crate::source::costexplorer`]): GetTags, then GetCostAndUsage DAILY
//!   grouped by each tag key and by SERVICE; closed days are never fetched twice.
//!
//! Every response goes through the same parsers as the files the AWS CLI prints (so a pull and
//! an import of the same data give the same frames), and is stored with
//! [`crate::source::files::store`]; each stored window is recorded in the manifest. What was
//! fetched is kept in the sync state ([`state`]), updated only after the data is stored, so a
//! second pull of the same window is almost free and an interrupted pull resumes without
//! duplicates (the workspace also keeps one copy of each event, span and cost figure).
//!
//! Failures are collected, not fatal: a log group that fails or a missing permission becomes a
//! [`Problem`] in the [`PullSummary`], and the rest goes on. Throttling and 5xx responses are
//! retried by the SDK (adaptive retry mode, exponential backoff with jitter).
//!
//! Only the read APIs of [`aws::READ_APIS`] can be called. Credentials come from the default
//! chain (environment, profiles, SSO, assume-role) and are never printed, logged or written.

pub mod aws;
pub mod cli;
pub mod journal;
pub mod progress;
pub mod state;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::parse::time::format_iso;
use crate::source::files::{self, Parsed};
use crate::workspace::Workspace;

pub use aws::{ApiError, ApiErrorKind, AwsSettings, READ_APIS};
pub use progress::{Phase, ProgressEvent, ProgressFn};
pub use state::{SyncState, Update};

/// The default log group prefix.
pub const LAMBDA_PREFIX: &str = "/aws/lambda/";
/// A millisecond-based hour.
pub const HOUR_MS: i64 = 3_600_000;
/// A millisecond-based day.
pub const DAY_MS: i64 = 86_400_000;
/// Price of one Cost Explorer API request, USD.
pub const CE_PRICE_PER_CALL: f64 = 0.01;

/// Which services to pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Services {
    /// CloudWatch Logs.
    pub logs: bool,
    /// X-Ray.
    pub traces: bool,
    /// Cost Explorer.
    pub costs: bool,
}

impl Default for Services {
    fn default() -> Self {
        Services {
            logs: true,
            traces: true,
            costs: true,
        }
    }
}

/// When to aggregate logs server-side with Logs Insights instead of pulling raw events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InsightsMode {
    /// When the window is longer than [`PullOptions::insights_threshold_ms`].
    #[default]
    Auto,
    /// Always (`--insights`).
    Always,
    /// Never: always pull raw events (`--raw`).
    Never,
}

/// What to pull, and how.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Credentials, profile, endpoint and retries.
    pub aws: AwsSettings,
    /// Regions; empty means the region of the profile / environment.
    pub regions: Vec<String>,
    /// Window start, epoch ms (inclusive).
    pub from_ms: i64,
    /// Window end, epoch ms (exclusive).
    pub to_ms: i64,
    /// Log group name prefixes to discover with DescribeLogGroups.
    pub log_group_prefixes: Vec<String>,
    /// Log groups given by name (API Gateway access-log groups, …), pulled as they are.
    pub log_groups: Vec<String>,
    /// Services to pull.
    pub services: Services,
    /// Cost allocation tag keys to group costs by; `None` lists them with GetTags.
    pub cost_tags: Option<Vec<String>>,
    /// Cost Explorer metrics.
    pub cost_metrics: Vec<String>,
    /// An X-Ray filter expression passed through to GetTraceSummaries.
    pub xray_filter: Option<String>,
    /// Logs Insights push-down.
    pub insights: InsightsMode,
    /// Windows longer than this use Logs Insights in [`InsightsMode::Auto`].
    pub insights_threshold_ms: i64,
    /// Print the calls instead of making them.
    pub dry_run: bool,
    /// Log groups fetched at the same time.
    pub concurrency: usize,
    /// Client-side rate limit per API and region, requests per second (≤ 0: none).
    pub max_tps: f64,
    /// Page size asked of FilterLogEvents (`None`: the service's maximum, 10,000) and
    /// DescribeLogGroups (at most 50).
    pub page_limit: Option<i32>,
    /// Events (or traces, cost figures) parsed before they are stored and checkpointed.
    pub store_every: usize,
    /// Longest GetTraceSummaries time range.
    pub xray_slice_ms: i64,
    /// Data newer than this (before now) is fetched again next time (late arrivals).
    pub settle_ms: i64,
    /// Polling interval of Logs Insights results.
    pub insights_poll: Duration,
    /// Set to stop the pull; what was fetched so far is stored.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for PullOptions {
    fn default() -> Self {
        let now = chrono::Utc::now().timestamp_millis();
        PullOptions {
            aws: AwsSettings::default(),
            regions: Vec::new(),
            from_ms: now - DAY_MS,
            to_ms: now,
            log_group_prefixes: vec![LAMBDA_PREFIX.to_string()],
            log_groups: Vec::new(),
            services: Services::default(),
            cost_tags: None,
            cost_metrics: vec!["UnblendedCost".to_string()],
            xray_filter: None,
            insights: InsightsMode::Auto,
            insights_threshold_ms: 7 * DAY_MS,
            dry_run: false,
            concurrency: 4,
            max_tps: 5.0,
            page_limit: None,
            store_every: 100_000,
            xray_slice_ms: 6 * HOUR_MS,
            settle_ms: 5 * 60_000,
            insights_poll: Duration::from_secs(1),
            cancel: None,
        }
    }
}

/// Something that went wrong in one part of a pull; the rest went on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    /// `logs`, `insights`, `traces`, `costs`, `account`.
    pub phase: String,
    /// Region.
    pub region: String,
    /// What was being fetched (a log group, a window, a query).
    pub target: String,
    /// The failure.
    pub error: ApiError,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hint = match self.error.kind {
            ApiErrorKind::Permission => " (missing IAM permission; see the policy in the README)",
            ApiErrorKind::Throttled => {
                " (still throttled after every retry; try a lower --max-tps)"
            }
            _ => "",
        };
        write!(
            f,
            "{} {} {}: {}{hint}",
            self.phase, self.region, self.target, self.error
        )
    }
}

/// Per log group: what the pull did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GroupReport {
    /// Region.
    pub region: String,
    /// Log group.
    pub group: String,
    /// Events fetched.
    pub events: u64,
    /// Windows fetched (0 when everything was already in the workspace).
    pub windows: u64,
    /// Whether it ended early because of a problem.
    pub failed: bool,
}

/// What a pull did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PullSummary {
    /// Window start, ISO-8601.
    pub from: String,
    /// Window end, ISO-8601.
    pub to: String,
    /// Regions pulled.
    pub regions: Vec<String>,
    /// The sync-state scope (profile and endpoint).
    pub scope: String,
    /// The account of the credentials, when known.
    pub account: Option<String>,
    /// The endpoint, when not AWS's own.
    pub endpoint_url: Option<String>,
    /// Calls made, by API (`logs:FilterLogEvents`): one per request, whatever its retries.
    pub calls: BTreeMap<String, u64>,
    /// HTTP attempts, by API: calls plus retries.
    pub attempts: BTreeMap<String, u64>,
    /// Cost Explorer calls (each costs [`CE_PRICE_PER_CALL`]).
    pub ce_calls: u64,
    /// What those calls cost, USD.
    pub ce_cost_usd: f64,
    /// Log events fetched.
    pub events: u64,
    /// Traces fetched.
    pub traces: u64,
    /// Cost Explorer figures fetched.
    pub cost_figures: u64,
    /// Logs Insights result rows stored as aggregates.
    pub aggregate_rows: u64,
    /// Whether logs were aggregated with Logs Insights instead of pulled raw.
    pub insights: bool,
    /// Records read by the parsers.
    pub records: u64,
    /// Rows added to each frame.
    pub added: BTreeMap<String, u64>,
    /// Records skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Windows stored (manifest entries written).
    pub stored_windows: u64,
    /// Per log group.
    pub groups: Vec<GroupReport>,
    /// What went wrong (the rest was pulled).
    pub problems: Vec<Problem>,
    /// Whether this was a dry run (nothing was sent).
    pub dry_run: bool,
    /// A dry run's planned calls.
    pub planned: Vec<String>,
    /// Whether the pull was cancelled.
    pub cancelled: bool,
    /// Wall time, seconds.
    pub seconds: f64,
}

impl PullSummary {
    /// Calls of one API.
    pub fn calls_of(&self, api: &str) -> u64 {
        self.calls.get(api).copied().unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------------------------
// The run: shared by the service modules

/// Storing and checkpointing: parsed windows wait here until about
/// [`PullOptions::store_every`] records are pending, then are stored together (one merge of
/// each frame partition instead of one per window) and their state updates are applied.
pub(crate) struct StoreQueue {
    ws: Workspace,
    state: Arc<Mutex<SyncState>>,
    pending: tokio::sync::Mutex<(Vec<(Parsed, Vec<Update>)>, usize)>,
    threshold: usize,
    totals: Mutex<Totals>,
}

#[derive(Default)]
struct Totals {
    records: u64,
    added: BTreeMap<String, u64>,
    skipped: BTreeMap<String, u64>,
    stored: u64,
}

impl StoreQueue {
    /// Queue a parsed window with the state updates to apply once it is stored.
    pub(crate) async fn submit(
        &self,
        parsed: Parsed,
        updates: Vec<Update>,
        weight: usize,
    ) -> Result<()> {
        let mut p = self.pending.lock().await;
        p.0.push((parsed, updates));
        p.1 += weight.max(1);
        if p.1 >= self.threshold {
            self.flush_locked(&mut p).await?;
        }
        Ok(())
    }

    /// Apply state updates whose data is already stored (nothing to store).
    pub(crate) async fn mark(&self, updates: Vec<Update>) -> Result<()> {
        let _p = self.pending.lock().await;
        let (ws, state) = (self.ws.clone(), self.state.clone());
        tokio::task::spawn_blocking(move || apply_updates(&ws, &state, &updates))
            .await
            .map_err(|e| Error::Invalid(format!("state task failed: {e}")))?
    }

    /// Store everything pending.
    pub(crate) async fn flush(&self) -> Result<()> {
        let mut p = self.pending.lock().await;
        self.flush_locked(&mut p).await
    }

    async fn flush_locked(&self, p: &mut (Vec<(Parsed, Vec<Update>)>, usize)) -> Result<()> {
        let items = std::mem::take(&mut p.0);
        p.1 = 0;
        if items.is_empty() {
            return Ok(());
        }
        let (ws, state) = (self.ws.clone(), self.state.clone());
        let reports = tokio::task::spawn_blocking(move || -> Result<Vec<files::FileReport>> {
            let (mut parsed, updates): (Vec<Parsed>, Vec<Vec<Update>>) = items.into_iter().unzip();
            // Invocation facts wait in the journal; they are assembled when the pull ends.
            let mut facts = Vec::new();
            for p in &mut parsed {
                facts.append(&mut p.batch.facts);
            }
            let reports = files::store(&ws, parsed)?;
            journal::append(&ws, &facts)?;
            let updates: Vec<Update> = updates.into_iter().flatten().collect();
            apply_updates(&ws, &state, &updates)?;
            Ok(reports)
        })
        .await
        .map_err(|e| Error::Invalid(format!("store task failed: {e}")))??;
        self.count(reports);
        Ok(())
    }

    fn count(&self, reports: Vec<files::FileReport>) {
        if let Ok(mut t) = self.totals.lock() {
            for r in reports {
                t.records += r.records;
                t.stored += 1;
                for (k, v) in r.added {
                    *t.added.entry(k.to_string()).or_insert(0) += v;
                }
                for (k, v) in r.skipped {
                    *t.skipped.entry(k.to_string()).or_insert(0) += v;
                }
            }
        }
    }

    /// Assemble every invocation fact in the journal (this pull's, and those of an earlier pull
    /// that was killed or cancelled) into the `invocations` frame, then empty the journal unless
    /// `keep`: a cancelled pull keeps its facts, so the pull that resumes it assembles them again
    /// with its own (an invocation cut in two by the cancel comes out whole).
    pub(crate) async fn finish_invocations(
        &self,
        origin: crate::workspace::manifest::Origin,
        keep: bool,
    ) -> Result<()> {
        let _p = self.pending.lock().await;
        let ws = self.ws.clone();
        let reports = tokio::task::spawn_blocking(move || -> Result<Vec<files::FileReport>> {
            let facts = journal::read(&ws)?;
            if facts.is_empty() {
                return Ok(vec![]);
            }
            let n = facts.len();
            let batch = crate::parse::Batch {
                facts,
                ..Default::default()
            };
            let parsed = Parsed {
                path: PathBuf::from(format!("aws:invocations ({n} facts)")),
                format: crate::parse::Format::CloudWatchEvents,
                envelopes: vec![],
                batch,
                origin,
            };
            let reports = files::store(&ws, vec![parsed])?;
            if !keep {
                journal::clear(&ws)?;
            }
            Ok(reports)
        })
        .await
        .map_err(|e| Error::Invalid(format!("store task failed: {e}")))??;
        // The facts were read already (as records of the windows they came from).
        let reports = reports.into_iter().map(|mut r| {
            r.records = 0;
            r
        });
        self.count(reports.collect());
        Ok(())
    }

    /// Run `f` while nothing else is being stored (for the aggregates, stored beside the frames).
    pub(crate) async fn exclusive<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Workspace) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _p = self.pending.lock().await;
        let ws = self.ws.clone();
        tokio::task::spawn_blocking(move || f(&ws))
            .await
            .map_err(|e| Error::Invalid(format!("store task failed: {e}")))?
    }

    /// A copy of the sync state.
    pub(crate) fn state(&self) -> SyncState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn apply_updates(ws: &Workspace, state: &Mutex<SyncState>, updates: &[Update]) -> Result<()> {
    if updates.is_empty() {
        return Ok(());
    }
    let mut st = state
        .lock()
        .map_err(|_| Error::Invalid("sync state lock poisoned".into()))?;
    for u in updates {
        st.apply(u);
    }
    st.save(ws.dir())
}

/// Everything the service modules share during one pull.
pub(crate) struct Run {
    pub opts: PullOptions,
    pub scope: String,
    pub account: Option<String>,
    pub now_ms: i64,
    pub store: StoreQueue,
    pub progress: ProgressFn,
    pub problems: Mutex<Vec<Problem>>,
    pub groups: Mutex<Vec<GroupReport>>,
    pub events: AtomicU64,
    pub traces: AtomicU64,
    pub cost_figures: AtomicU64,
    pub aggregate_rows: AtomicU64,
    pub insights_used: AtomicBool,
    pub planned: Mutex<Vec<String>>,
}

impl Run {
    pub(crate) fn cancelled(&self) -> bool {
        self.opts
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    pub(crate) fn problem(&self, phase: Phase, region: &str, target: &str, error: ApiError) {
        let p = Problem {
            phase: phase.name().to_string(),
            region: region.to_string(),
            target: target.to_string(),
            error,
        };
        tracing::debug!("{p}");
        (self.progress)(&ProgressEvent::Problem { problem: p.clone() });
        if let Ok(mut v) = self.problems.lock() {
            v.push(p);
        }
    }

    pub(crate) fn emit(&self, e: ProgressEvent) {
        (self.progress)(&e);
    }

    pub(crate) fn plan(&self, line: String) {
        if let Ok(mut v) = self.planned.lock() {
            v.push(line);
        }
    }

    /// The latest time a window may be recorded as fetched: a few minutes before now.
    pub(crate) fn settled(&self, to: i64) -> i64 {
        to.min(self.now_ms - self.opts.settle_ms)
    }

    /// The parse context of a region.
    pub(crate) fn parse_ctx(
        &self,
        region: &str,
        log_group: Option<&str>,
    ) -> crate::parse::ParseContext {
        crate::parse::ParseContext {
            log_group: log_group.map(str::to_string),
            log_stream: None,
            region: Some(region.to_string()),
            account: self.account.clone(),
        }
    }
}

/// A name for a pulled window in reports and the manifest: `aws:<service>:<region>:<target>`.
pub(crate) fn window_name(
    service: &str,
    region: &str,
    target: &str,
    from_ms: i64,
    to_ms: i64,
) -> PathBuf {
    PathBuf::from(format!(
        "aws:{service}:{region}:{target}[{}..{})",
        iso_ms(from_ms),
        iso_ms(to_ms)
    ))
}

/// Epoch ms → ISO-8601 UTC.
pub fn iso_ms(ms: i64) -> String {
    format_iso(ms.saturating_mul(1000))
}

/// The sync-state scope of a profile and endpoint.
pub fn scope_of(aws: &AwsSettings) -> String {
    let profile = aws
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_string());
    match &aws.endpoint_url {
        Some(u) => format!("{profile}@{u}"),
        None => format!("{profile}@aws"),
    }
}

/// Run a pull to completion on a runtime of its own. See [`pull_async`].
pub fn pull(ws: &Workspace, opts: PullOptions, progress: ProgressFn) -> Result<PullSummary> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting", "the async runtime", e))?;
    rt.block_on(pull_async(ws, opts, progress))
}

/// Pull the window of `opts` into `ws`. Returns an error only when nothing can be pulled at all
/// (no region, no credentials, the workspace can't be written); failures of single log groups,
/// windows or permissions are [`Problem`]s in the summary.
pub async fn pull_async(
    ws: &Workspace,
    opts: PullOptions,
    progress: ProgressFn,
) -> Result<PullSummary> {
    let started = std::time::Instant::now();
    if opts.to_ms <= opts.from_ms {
        return Err(Error::Invalid(format!(
            "the window is empty: from {} to {}",
            iso_ms(opts.from_ms),
            iso_ms(opts.to_ms)
        )));
    }
    let _lock = if opts.dry_run {
        None
    } else {
        Some(lock_workspace(ws)?)
    };
    let mut regions = opts.regions.clone();
    regions.dedup();
    if regions.is_empty() {
        match aws::default_region(&opts.aws).await {
            Some(r) => regions.push(r),
            None => {
                return Err(Error::Invalid(
                    "no AWS region: pass --region, or set AWS_REGION or a region in the profile"
                        .into(),
                ));
            }
        }
    }
    let stats = Arc::new(aws::CallStats::default());
    let plumbing = aws::Plumbing::new(stats.clone(), opts.max_tps);
    let state = SyncState::load(ws.dir())?;
    let scope = scope_of(&opts.aws);

    let mut clients = Vec::new();
    for r in &regions {
        clients.push((r.clone(), aws::Clients::new(&opts.aws, r, &plumbing).await));
    }

    // The account, for the frames; a credentials problem stops here, before anything else.
    let mut early_problems = Vec::new();
    let mut account = None;
    if !opts.dry_run
        && let Some((region, c)) = clients.first()
    {
        match c.sts.account().await {
            Ok(a) => account = a,
            Err(e) if e.kind == ApiErrorKind::Credentials => {
                return Err(Error::Invalid(format!(
                    "no usable AWS credentials: {}",
                    e.message
                )));
            }
            Err(e) => early_problems.push(Problem {
                phase: "account".into(),
                region: region.clone(),
                target: "GetCallerIdentity".into(),
                error: e,
            }),
        }
    }

    let run = Arc::new(Run {
        store: StoreQueue {
            ws: ws.clone(),
            state: Arc::new(Mutex::new(state)),
            pending: tokio::sync::Mutex::new((Vec::new(), 0)),
            threshold: opts.store_every.max(1),
            totals: Mutex::new(Totals::default()),
        },
        scope: scope.clone(),
        account: account.clone(),
        now_ms: chrono::Utc::now().timestamp_millis(),
        progress,
        problems: Mutex::new(early_problems),
        groups: Mutex::new(Vec::new()),
        events: AtomicU64::new(0),
        traces: AtomicU64::new(0),
        cost_figures: AtomicU64::new(0),
        aggregate_rows: AtomicU64::new(0),
        insights_used: AtomicBool::new(false),
        planned: Mutex::new(Vec::new()),
        opts,
    });

    let mut tasks = tokio::task::JoinSet::new();
    for (region, c) in &clients {
        if run.opts.services.logs {
            let (run, api, region) = (run.clone(), c.logs.clone(), region.clone());
            tasks.spawn(
                async move { crate::source::cloudwatch::pull_logs(&run, &api, &region).await },
            );
        }
        if run.opts.services.traces {
            let (run, api, region) = (run.clone(), c.xray.clone(), region.clone());
            tasks.spawn(async move { crate::source::xray::pull_traces(&run, &api, &region).await });
        }
    }
    if run.opts.services.costs
        && let Some((_, c)) = clients.first()
    {
        let (run, api) = (run.clone(), c.ce.clone());
        tasks.spawn(async move { crate::source::costexplorer::pull_costs(&run, &api).await });
    }
    let mut first_err = None;
    while let Some(r) = tasks.join_next().await {
        let r = r
            .map_err(|e| Error::Invalid(format!("pull task failed: {e}")))
            .and_then(|r| r);
        if let Err(e) = r {
            first_err.get_or_insert(e);
        }
    }
    // Whatever happened, store what was fetched, then assemble the invocations.
    run.store.flush().await?;
    if let Some(e) = first_err {
        return Err(e);
    }
    if !run.opts.dry_run {
        let origin = crate::workspace::manifest::Origin::Api {
            service: "lambda".into(),
            region: regions.join(","),
            target: "invocations".into(),
            from: iso_ms(run.opts.from_ms),
            to: iso_ms(run.opts.to_ms),
        };
        run.store
            .finish_invocations(origin, run.cancelled())
            .await?;
    }

    let calls = stats.calls();
    let ce_calls: u64 = calls
        .iter()
        .filter(|(k, _)| k.starts_with("ce:"))
        .map(|(_, v)| v)
        .sum();
    let totals = run
        .store
        .totals
        .lock()
        .map(|t| (t.records, t.added.clone(), t.skipped.clone(), t.stored))
        .unwrap_or_default();
    let mut groups = run.groups.lock().map(|g| g.clone()).unwrap_or_default();
    groups.sort_by(|a, b| (&a.region, &a.group).cmp(&(&b.region, &b.group)));
    Ok(PullSummary {
        from: iso_ms(run.opts.from_ms),
        to: iso_ms(run.opts.to_ms),
        regions,
        scope,
        account,
        endpoint_url: run.opts.aws.endpoint_url.clone(),
        attempts: stats.attempts(),
        calls,
        ce_calls,
        ce_cost_usd: ce_calls as f64 * CE_PRICE_PER_CALL,
        events: run.events.load(Ordering::Relaxed),
        traces: run.traces.load(Ordering::Relaxed),
        cost_figures: run.cost_figures.load(Ordering::Relaxed),
        aggregate_rows: run.aggregate_rows.load(Ordering::Relaxed),
        insights: run.insights_used.load(Ordering::Relaxed),
        records: totals.0,
        added: totals.1,
        skipped: totals.2,
        stored_windows: totals.3,
        groups,
        problems: run.problems.lock().map(|p| p.clone()).unwrap_or_default(),
        dry_run: run.opts.dry_run,
        planned: run.planned.lock().map(|p| p.clone()).unwrap_or_default(),
        cancelled: run.cancelled(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// One pull at a time per workspace: an OS lock on `<workspace>/.pull.lock`, released when the
/// process ends, however it ends.
fn lock_workspace(ws: &Workspace) -> Result<std::fs::File> {
    let p = ws.dir().join(".pull.lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&p)
        .map_err(|e| Error::io("opening", &p, e))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Invalid(format!(
            "another pull is running in workspace {}",
            ws.dir().display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io("locking", &p, e)),
    }
}

/// Run `f` over `items` with at most `n` at a time, in `run`'s cancellation scope.
pub(crate) async fn bounded<T, F, Fut>(items: Vec<T>, n: usize, f: F) -> Result<()>
where
    T: Send + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send + 'static,
{
    let sem = Arc::new(tokio::sync::Semaphore::new(n.max(1)));
    let f = Arc::new(f);
    let mut set = tokio::task::JoinSet::new();
    for item in items {
        let permit = sem
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let f = f.clone();
        set.spawn(async move {
            let r = f(item).await;
            drop(permit);
            r
        });
    }
    let mut first_err = None;
    while let Some(r) = set.join_next().await {
        let r = r
            .map_err(|e| Error::Invalid(format!("task failed: {e}")))
            .and_then(|r| r);
        if let Err(e) = r {
            first_err.get_or_insert(e);
        }
    }
    first_err.map_or(Ok(()), Err)
}

/// Print a summary for people.
pub fn print_summary(s: &PullSummary, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    if s.dry_run {
        writeln!(
            w,
            "dry run: the calls a pull of {} .. {} would make (nothing is sent)",
            s.from, s.to
        )?;
        for l in &s.planned {
            writeln!(w, "  {l}")?;
        }
        if s.planned.is_empty() {
            writeln!(w, "  none: everything in this window was already pulled")?;
        }
        return Ok(());
    }
    writeln!(
        w,
        "pulled {} .. {} from {} in {:.1}s",
        s.from,
        s.to,
        s.regions.join(", "),
        s.seconds
    )?;
    if let Some(u) = &s.endpoint_url {
        writeln!(w, "  endpoint: {u}")?;
    }
    if let Some(a) = &s.account {
        writeln!(w, "  account: {a}")?;
    }
    let parts: Vec<String> = s.added.iter().map(|(k, v)| format!("{k} +{v}")).collect();
    writeln!(
        w,
        "  fetched: {} log events, {} traces, {} cost figures{}; added: {}",
        s.events,
        s.traces,
        s.cost_figures,
        if s.insights {
            format!(", {} Logs Insights aggregate rows", s.aggregate_rows)
        } else {
            String::new()
        },
        if parts.is_empty() {
            "nothing new".to_string()
        } else {
            parts.join(", ")
        }
    )?;
    if !s.skipped.is_empty() {
        let parts: Vec<String> = s.skipped.iter().map(|(k, v)| format!("{k} {v}")).collect();
        writeln!(w, "  skipped records: {}", parts.join(", "))?;
    }
    writeln!(w, "  API calls (retries in parentheses):")?;
    if s.calls.is_empty() {
        writeln!(w, "    none: everything in this window was already pulled")?;
    }
    for (api, n) in &s.calls {
        let attempts = s.attempts.get(api).copied().unwrap_or(0);
        let retries = attempts.saturating_sub(*n);
        let r = if retries > 0 {
            format!(" ({retries})")
        } else {
            String::new()
        };
        writeln!(w, "    {api:<26} {n}{r}")?;
    }
    writeln!(
        w,
        "  Cost Explorer: {} calls, ${:.2}",
        s.ce_calls, s.ce_cost_usd
    )?;
    if s.cancelled {
        writeln!(
            w,
            "  cancelled: what was fetched is stored; pull again to resume"
        )?;
    }
    if !s.problems.is_empty() {
        writeln!(w, "  {} problem(s); the rest was pulled:", s.problems.len())?;
        for p in &s.problems {
            writeln!(w, "    {p}")?;
        }
    }
    Ok(())
}
