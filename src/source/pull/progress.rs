//! Progress of a pull, as events. The CLI draws them as indicatif bars on stderr; the desktop
//! app forwards the same events to the UI (they serialise to JSON).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Problem;

/// What part of the pull an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// FilterLogEvents over log groups (unit: a log group; items: events).
    Logs,
    /// Logs Insights push-down (unit: a query; items: result rows).
    Insights,
    /// X-Ray (unit: a time slice; items: traces).
    Traces,
    /// Cost Explorer (unit: a query; items: cost figures).
    Costs,
}

impl Phase {
    /// Name shown to the user.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Logs => "logs",
            Phase::Insights => "insights",
            Phase::Traces => "traces",
            Phase::Costs => "costs",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Phase::Logs => "groups",
            Phase::Insights | Phase::Costs => "queries",
            Phase::Traces => "slices",
        }
    }

    fn items(self) -> &'static str {
        match self {
            Phase::Logs => "events",
            Phase::Insights => "rows",
            Phase::Traces => "traces",
            Phase::Costs => "figures",
        }
    }
}

/// One progress event.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProgressEvent {
    /// A phase starts in a region with `total` units of work.
    Started {
        /// The phase.
        phase: Phase,
        /// Region (`us-east-1` for Cost Explorer).
        region: String,
        /// Units of work (log groups, slices, queries).
        total: u64,
    },
    /// More units of work were found (more log groups on a later page, more slices).
    MoreWork {
        /// The phase.
        phase: Phase,
        /// Region.
        region: String,
        /// Units added to the total.
        units: u64,
    },
    /// Items fetched (events, traces, rows, cost figures), as a delta.
    Items {
        /// The phase.
        phase: Phase,
        /// Region.
        region: String,
        /// Items fetched since the last event.
        items: u64,
    },
    /// One unit of work finished.
    UnitDone {
        /// The phase.
        phase: Phase,
        /// Region.
        region: String,
        /// What it was (a log group, a slice, a query).
        target: String,
    },
    /// A problem was met; the pull goes on.
    Problem {
        /// The problem.
        problem: Problem,
    },
    /// The phase is over in that region.
    Finished {
        /// The phase.
        phase: Phase,
        /// Region.
        region: String,
    },
}

/// A subscriber to progress events.
pub type ProgressFn = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// A subscriber that ignores everything.
pub fn silent() -> ProgressFn {
    Arc::new(|_| {})
}

struct Bar {
    bar: ProgressBar,
    items: u64,
    started: Instant,
    phase: Phase,
}

/// Progress bars on stderr (indicatif): per phase and region, units done of total, items
/// fetched, their rate and the ETA. Hidden when stderr is not a terminal.
pub struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<(Phase, String), Bar>>,
}

impl Bars {
    /// Bars on stderr, hidden unless stderr is a terminal.
    pub fn stderr() -> Arc<Bars> {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Arc::new(Bars {
            multi: MultiProgress::with_draw_target(target),
            bars: Mutex::new(HashMap::new()),
        })
    }

    /// The subscriber drawing these bars.
    pub fn subscriber(self: &Arc<Self>) -> ProgressFn {
        let me = self.clone();
        Arc::new(move |e| me.on(e))
    }

    fn style(phase: Phase) -> ProgressStyle {
        let t = format!(
            "{{prefix:>22}} [{{bar:25}}] {{pos}}/{{len}} {}  {{msg}}  ETA {{eta}}",
            phase.unit()
        );
        ProgressStyle::with_template(&t)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ")
    }

    fn on(&self, e: &ProgressEvent) {
        let Ok(mut bars) = self.bars.lock() else {
            return;
        };
        match e {
            ProgressEvent::Started {
                phase,
                region,
                total,
            } => {
                let bar = self.multi.add(ProgressBar::new(*total));
                bar.set_style(Self::style(*phase));
                bar.set_prefix(format!("{} {region}", phase.name()));
                bar.set_message(format!("0 {}", phase.items()));
                bars.insert(
                    (*phase, region.clone()),
                    Bar {
                        bar,
                        items: 0,
                        started: Instant::now(),
                        phase: *phase,
                    },
                );
            }
            ProgressEvent::MoreWork {
                phase,
                region,
                units,
            } => {
                if let Some(b) = bars.get(&(*phase, region.clone())) {
                    b.bar.inc_length(*units);
                }
            }
            ProgressEvent::Items {
                phase,
                region,
                items,
            } => {
                if let Some(b) = bars.get_mut(&(*phase, region.clone())) {
                    b.items += items;
                    let secs = b.started.elapsed().as_secs_f64().max(1e-3);
                    b.bar.set_message(format!(
                        "{} {} ({:.0}/s)",
                        b.items,
                        b.phase.items(),
                        b.items as f64 / secs
                    ));
                }
            }
            ProgressEvent::UnitDone { phase, region, .. } => {
                if let Some(b) = bars.get(&(*phase, region.clone())) {
                    b.bar.inc(1);
                }
            }
            ProgressEvent::Problem { problem } => {
                let _ = self.multi.println(format!("warning: {problem}"));
            }
            ProgressEvent::Finished { phase, region } => {
                if let Some(b) = bars.get(&(*phase, region.clone())) {
                    b.bar.finish();
                }
            }
        }
    }

    /// Remove the bars from the terminal.
    pub fn clear(&self) {
        let _ = self.multi.clear();
    }
}
