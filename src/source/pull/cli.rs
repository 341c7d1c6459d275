//! The `skylens pull` command: its arguments and what it prints.

use std::io::Write;

use clap::Args;

use super::{InsightsMode, PullOptions, Services, print_summary};
use crate::cli::WorkspaceArg;
use crate::error::{Error, Result};
use crate::parse::time::parse_iso;
use crate::workspace::Workspace;

/// Arguments of `skylens pull`.
#[derive(Debug, Args, Clone)]
pub struct PullArgs {
    /// AWS profile (default: the default credential chain: environment, `AWS_PROFILE`, `default`; SSO and assume-role profiles work).
    #[arg(long)]
    pub profile: Option<String>,
    /// Region to pull; repeat for several (default: the profile's or `AWS_REGION`).
    #[arg(long = "region")]
    pub regions: Vec<String>,
    /// Pull the last DURATION up to now: `30m`, `24h`, `7d`, `2w` [default: 24h].
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub since: Option<String>,
    /// Start of the window (inclusive), ISO-8601 UTC.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the window (exclusive), ISO-8601 UTC [default: now].
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Log group name prefix to pull; repeat for several [default: /aws/lambda/].
    #[arg(long = "log-group-prefix")]
    pub log_group_prefixes: Vec<String>,
    /// A log group to pull by name (API Gateway access-log groups); repeat for several.
    #[arg(long = "log-group")]
    pub log_groups: Vec<String>,
    /// Send every AWS request to this endpoint instead of AWS's (a test server such as moto).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Cost allocation tag keys to group costs by, comma-separated [default: every key GetTags lists].
    #[arg(long, value_delimiter = ',')]
    pub cost_tags: Option<Vec<String>>,
    /// X-Ray filter expression, passed through to GetTraceSummaries.
    #[arg(long)]
    pub xray_filter: Option<String>,
    /// Skip a service: `logs`, `traces` or `costs`; repeat for several.
    #[arg(long, value_parser = ["logs", "traces", "costs"])]
    pub skip: Vec<String>,
    /// Aggregate logs server-side with Logs Insights, whatever the window.
    #[arg(long, conflicts_with = "raw")]
    pub insights: bool,
    /// Pull raw log events, whatever the window (no Logs Insights push-down).
    #[arg(long)]
    pub raw: bool,
    /// Use Logs Insights for windows longer than this.
    #[arg(long, default_value = "7d")]
    pub insights_after: String,
    /// Print the calls a pull would make, and make none.
    #[arg(long)]
    pub dry_run: bool,
    /// Log groups fetched at the same time.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Client-side rate limit per API and region, requests per second (FilterLogEvents' quota is 5).
    #[arg(long, default_value_t = 5.0)]
    pub max_tps: f64,
    /// Most attempts per request (throttling and 5xx are retried with backoff, adaptive mode).
    #[arg(long, default_value_t = 8)]
    pub max_attempts: u32,
    /// Events per FilterLogEvents page (default: the service's maximum, 10,000).
    #[arg(long, hide = true)]
    pub page_limit: Option<i32>,
    /// Records parsed before they are stored and checkpointed.
    #[arg(long, hide = true, default_value_t = 100_000)]
    pub store_every: usize,
    /// First retry backoff in milliseconds.
    #[arg(long, hide = true, default_value_t = 500)]
    pub initial_backoff_ms: u64,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub ws: WorkspaceArg,
}

/// Parse a duration like `90s`, `30m`, `24h`, `7d`, `2w` into milliseconds.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: i64 = n.parse().ok()?;
    let unit_ms = match unit.trim() {
        "s" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return None,
    };
    n.checked_mul(unit_ms).filter(|v| *v > 0)
}

impl PullArgs {
    /// The pull options these arguments ask for.
    pub fn options(&self, now_ms: i64) -> Result<PullOptions> {
        let bad = |what: &str, v: &str| Error::Invalid(format!("{what} {v:?} is not valid"));
        let (from_ms, to_ms) = match (&self.since, &self.from) {
            (_, Some(f)) => {
                let from = parse_iso(f).ok_or_else(|| bad("--from", f))? / 1000;
                let to = match &self.to {
                    Some(t) => parse_iso(t).ok_or_else(|| bad("--to", t))? / 1000,
                    None => now_ms,
                };
                (from, to)
            }
            (since, None) => {
                let s = since.as_deref().unwrap_or("24h");
                (
                    now_ms - parse_duration_ms(s).ok_or_else(|| bad("--since", s))?,
                    now_ms,
                )
            }
        };
        let mut o = PullOptions {
            regions: self.regions.clone(),
            from_ms,
            to_ms,
            log_groups: self.log_groups.clone(),
            cost_tags: self.cost_tags.clone().map(|t| {
                t.into_iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }),
            xray_filter: self.xray_filter.clone(),
            insights: if self.insights {
                InsightsMode::Always
            } else if self.raw {
                InsightsMode::Never
            } else {
                InsightsMode::Auto
            },
            insights_threshold_ms: parse_duration_ms(&self.insights_after)
                .ok_or_else(|| bad("--insights-after", &self.insights_after))?,
            dry_run: self.dry_run,
            concurrency: self.concurrency.max(1),
            max_tps: self.max_tps,
            page_limit: self.page_limit,
            store_every: self.store_every.max(1),
            services: Services {
                logs: !self.skip.iter().any(|s| s == "logs"),
                traces: !self.skip.iter().any(|s| s == "traces"),
                costs: !self.skip.iter().any(|s| s == "costs"),
            },
            ..Default::default()
        };
        if !self.log_group_prefixes.is_empty() {
            o.log_group_prefixes = self.log_group_prefixes.clone();
        }
        o.aws.profile = self.profile.clone();
        o.aws.endpoint_url = self.endpoint_url.clone().filter(|u| !u.trim().is_empty());
        o.aws.max_attempts = self.max_attempts.max(1);
        o.aws.initial_backoff = std::time::Duration::from_millis(self.initial_backoff_ms);
        Ok(o)
    }
}

/// Run `skylens pull`; returns the exit code: 0, or 1 when some part could not be pulled (the
/// rest was).
pub fn run(args: PullArgs) -> Result<i32> {
    let opts = args.options(chrono::Utc::now().timestamp_millis())?;
    let dir = args.ws.dir()?;
    let ws = Workspace::open_or_create(&dir)?;
    if let Some(u) = &opts.aws.endpoint_url {
        eprintln!("note: sending every AWS request to {u} (--endpoint-url / AWS_ENDPOINT_URL)");
    }
    let bars = super::progress::Bars::stderr();
    let summary = super::pull(&ws, opts, bars.subscriber());
    bars.clear();
    let summary = summary?;
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    if args.json {
        let text =
            serde_json::to_string_pretty(&summary).map_err(|e| Error::Invalid(e.to_string()))?;
        writeln!(w, "{text}").map_err(|e| Error::io("writing", "stdout", e))?;
    } else {
        print_summary(&summary, &mut w).map_err(|e| Error::io("writing", "stdout", e))?;
        if !summary.dry_run {
            writeln!(w, "  workspace: {}", dir.display())
                .map_err(|e| Error::io("writing", "stdout", e))?;
        }
    }
    Ok(if summary.problems.is_empty() { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("24h"), Some(86_400_000));
        assert_eq!(parse_duration_ms("30m"), Some(1_800_000));
        assert_eq!(parse_duration_ms("7d"), Some(7 * 86_400_000));
        assert_eq!(parse_duration_ms("h"), None);
        assert_eq!(parse_duration_ms("0h"), None);
        assert_eq!(parse_duration_ms("5y"), None);
    }
}
