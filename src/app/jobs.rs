//! Pull jobs: a pull started from the UI runs on its own thread; its progress events are
//! folded into a [`PullStatus`] the UI polls (HTTP) or receives as events (desktop).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::types::*;
use super::{AppResult, PullProgressFn, internal};
use crate::cli::WorkspaceArg;
use crate::source::pull::cli::PullArgs;
use crate::source::pull::progress::{ProgressEvent, ProgressFn};
use crate::workspace::Workspace;

struct Job {
    status: Mutex<PullStatus>,
    cancel: Arc<AtomicBool>,
    started: Instant,
}

impl Job {
    fn snapshot(&self) -> AppResult<PullStatus> {
        let mut s = self
            .status
            .lock()
            .map_err(|_| internal("a pull job's lock was poisoned"))?
            .clone();
        s.elapsed_s = self.started.elapsed().as_secs_f64();
        Ok(s)
    }
}

/// The pull jobs of one app.
#[derive(Default)]
pub(super) struct PullJobs {
    jobs: Mutex<BTreeMap<u32, Arc<Job>>>,
}

/// The pull options of a request, as `skylens pull` would build them from its flags.
fn args(req: &PullRequest, ws: &Workspace) -> PullArgs {
    PullArgs {
        profile: req.profile.clone().filter(|p| !p.trim().is_empty()),
        regions: req.regions.clone(),
        since: req.since.clone().filter(|_| req.range.from.is_none()),
        from: req.range.from.clone(),
        to: req.range.to.clone().filter(|_| req.range.from.is_some()),
        log_group_prefixes: req.log_group_prefixes.clone(),
        log_groups: Vec::new(),
        endpoint_url: req.endpoint_url.clone(),
        cost_tags: None,
        xray_filter: None,
        skip: req.skip.clone(),
        insights: false,
        raw: false,
        insights_after: "7d".into(),
        dry_run: req.dry_run,
        concurrency: 4,
        max_tps: 5.0,
        max_attempts: 8,
        page_limit: None,
        store_every: 100_000,
        initial_backoff_ms: 500,
        json: false,
        ws: WorkspaceArg {
            workspace: Some(ws.dir().to_path_buf()),
        },
    }
}

impl PullJobs {
    /// Start a pull of `req` into `ws`.
    pub(super) fn start(
        &self,
        ws: Workspace,
        req: &PullRequest,
        on_progress: Option<PullProgressFn>,
    ) -> AppResult<JobRef> {
        let mut opts = args(req, &ws).options(chrono::Utc::now().timestamp_millis())?;
        let cancel = Arc::new(AtomicBool::new(false));
        opts.cancel = Some(cancel.clone());
        let mut jobs = self
            .jobs
            .lock()
            .map_err(|_| internal("the pull jobs lock was poisoned"))?;
        if jobs.values().any(|j| {
            j.status
                .lock()
                .map(|s| s.state == "running")
                .unwrap_or(false)
        }) {
            return Err(WireError {
                code: "busy".into(),
                message: "a pull is already running; cancel it or wait for it to end".into(),
            });
        }
        let id = jobs.keys().next_back().map_or(1, |k| k + 1);
        let job = Arc::new(Job {
            status: Mutex::new(PullStatus {
                job: id,
                state: "running".into(),
                elapsed_s: 0.0,
                phases: Vec::new(),
                problems: Vec::new(),
                summary: None,
                error: None,
            }),
            cancel,
            started: Instant::now(),
        });
        jobs.insert(id, job.clone());
        drop(jobs);

        let notify = move |job: &Job| {
            if let (Some(f), Ok(s)) = (&on_progress, job.snapshot()) {
                f(&s);
            }
        };
        let progress: ProgressFn = {
            let job = job.clone();
            let notify = notify.clone();
            Arc::new(move |e: &ProgressEvent| {
                if let Ok(mut s) = job.status.lock() {
                    fold(&mut s, e);
                }
                notify(&job);
            })
        };
        std::thread::Builder::new()
            .name(format!("pull-{id}"))
            .spawn(move || {
                let result = crate::source::pull::pull(&ws, opts, progress);
                if let Ok(mut s) = job.status.lock() {
                    match result {
                        Ok(summary) => {
                            s.state = if summary.cancelled {
                                "cancelled"
                            } else {
                                "done"
                            }
                            .into();
                            s.summary = serde_json::to_value(&summary).ok();
                        }
                        Err(e) => {
                            s.state = "failed".into();
                            s.error = Some(e.into());
                        }
                    }
                }
                notify(&job);
            })
            .map_err(|e| internal(&format!("starting the pull: {e}")))?;
        Ok(JobRef { job: id })
    }

    fn get(&self, id: u32) -> AppResult<Arc<Job>> {
        self.jobs
            .lock()
            .map_err(|_| internal("the pull jobs lock was poisoned"))?
            .get(&id)
            .cloned()
            .ok_or_else(|| WireError {
                code: "not_found".into(),
                message: format!("no pull job {id}"),
            })
    }

    /// A job's status.
    pub(super) fn status(&self, id: u32) -> AppResult<PullStatus> {
        self.get(id)?.snapshot()
    }

    /// Ask a job to stop; it stores what it fetched and ends as `cancelled`.
    pub(super) fn cancel(&self, id: u32) -> AppResult<PullStatus> {
        let job = self.get(id)?;
        job.cancel.store(true, Ordering::SeqCst);
        job.snapshot()
    }
}

/// Fold one progress event into the status.
fn fold(s: &mut PullStatus, e: &ProgressEvent) {
    fn phase<'a>(s: &'a mut PullStatus, phase: &str, region: &str) -> &'a mut PhaseProgress {
        let i = match s
            .phases
            .iter()
            .position(|p| p.phase == phase && p.region == region)
        {
            Some(i) => i,
            None => {
                s.phases.push(PhaseProgress {
                    phase: phase.to_string(),
                    region: region.to_string(),
                    done: 0.0,
                    total: 0.0,
                    items: 0.0,
                    finished: false,
                });
                s.phases.len() - 1
            }
        };
        &mut s.phases[i]
    }
    match e {
        ProgressEvent::Started {
            phase: p,
            region,
            total,
        } => phase(s, p.name(), region).total += *total as f64,
        ProgressEvent::MoreWork {
            phase: p,
            region,
            units,
        } => phase(s, p.name(), region).total += *units as f64,
        ProgressEvent::Items {
            phase: p,
            region,
            items,
        } => phase(s, p.name(), region).items += *items as f64,
        ProgressEvent::UnitDone {
            phase: p, region, ..
        } => phase(s, p.name(), region).done += 1.0,
        ProgressEvent::Problem { problem } => s.problems.push(problem.to_string()),
        ProgressEvent::Finished { phase: p, region } => {
            phase(s, p.name(), region).finished = true;
        }
    }
}
