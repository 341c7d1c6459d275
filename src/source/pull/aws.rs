//! The only module that holds AWS SDK clients. Everything the pull sends to AWS goes through the
//! read-only wrappers here ([`LogsApi`], [`XrayApi`], [`CostApi`], [`StsApi`]), whose methods
//! are exactly the calls in [`READ_APIS`]. Each client also carries a [`ReadOnlyGuard`]
//! interceptor that refuses any other operation before it is signed or sent, and counts every
//! attempt (retries included).
//!
//! Also here: the SDK configuration (default credential chain, profile, region, an explicit
//! endpoint only, adaptive retries), a client-side rate limiter per API, and the mapping of SDK
//! errors to [`ApiError`]. Credentials are never printed, logged or stored: they stay inside
//! the SDK's credential providers, whose `Debug` output redacts them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_cloudwatchlogs as logs;
use aws_sdk_costexplorer as ce;
use aws_sdk_sts as sts;
use aws_sdk_xray as xray;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

/// One AWS API the pull may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ReadApi {
    /// The SDK's service name, as in the operation metadata (`CloudWatch Logs`, `XRay`, …).
    pub sdk_service: &'static str,
    /// The operation name (`FilterLogEvents`).
    pub operation: &'static str,
    /// The IAM action it needs (`logs:FilterLogEvents`); `None` when it needs no permission.
    pub iam_action: Option<&'static str>,
}

/// Every AWS API the pull calls. All of them only read; nothing else can be sent (see
/// [`ReadOnlyGuard`]). The README's least-privilege IAM policy lists exactly these actions.
pub const READ_APIS: &[ReadApi] = &[
    ReadApi {
        sdk_service: "CloudWatch Logs",
        operation: "DescribeLogGroups",
        iam_action: Some("logs:DescribeLogGroups"),
    },
    ReadApi {
        sdk_service: "CloudWatch Logs",
        operation: "FilterLogEvents",
        iam_action: Some("logs:FilterLogEvents"),
    },
    ReadApi {
        sdk_service: "CloudWatch Logs",
        operation: "StartQuery",
        iam_action: Some("logs:StartQuery"),
    },
    ReadApi {
        sdk_service: "CloudWatch Logs",
        operation: "GetQueryResults",
        iam_action: Some("logs:GetQueryResults"),
    },
    ReadApi {
        sdk_service: "XRay",
        operation: "GetTraceSummaries",
        iam_action: Some("xray:GetTraceSummaries"),
    },
    ReadApi {
        sdk_service: "XRay",
        operation: "BatchGetTraces",
        iam_action: Some("xray:BatchGetTraces"),
    },
    ReadApi {
        sdk_service: "Cost Explorer",
        operation: "GetTags",
        iam_action: Some("ce:GetTags"),
    },
    ReadApi {
        sdk_service: "Cost Explorer",
        operation: "GetCostAndUsage",
        iam_action: Some("ce:GetCostAndUsage"),
    },
    // Names the account of the credentials; needs no IAM permission.
    ReadApi {
        sdk_service: "STS",
        operation: "GetCallerIdentity",
        iam_action: None,
    },
];

/// Whether `operation` of `sdk_service` is in [`READ_APIS`].
pub fn is_read_api(sdk_service: &str, operation: &str) -> bool {
    READ_APIS
        .iter()
        .any(|a| a.sdk_service == sdk_service && a.operation == operation)
}

/// Short API label used in counters and the summary (`logs:FilterLogEvents`).
pub fn api_label(sdk_service: &str, operation: &str) -> String {
    let svc = match sdk_service {
        "CloudWatch Logs" => "logs",
        "XRay" => "xray",
        "Cost Explorer" => "ce",
        "STS" => "sts",
        other => other,
    };
    format!("{svc}:{operation}")
}

// ---------------------------------------------------------------------------------------------
// Counters and the guard

/// API calls made (one per request Skylens asked for) and HTTP attempts (retries included), by
/// API label.
#[derive(Debug, Default)]
pub struct CallStats {
    inner: Mutex<BTreeMap<String, (u64, u64)>>,
}

impl CallStats {
    fn bump(&self, label: String, calls: u64, attempts: u64) {
        if let Ok(mut m) = self.inner.lock() {
            let e = m.entry(label).or_insert((0, 0));
            e.0 += calls;
            e.1 += attempts;
        }
    }

    /// Count one call.
    pub fn call(&self, label: &str) {
        self.bump(label.to_string(), 1, 0);
    }

    /// Calls by API label.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.inner
            .lock()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.0)).collect())
            .unwrap_or_default()
    }

    /// HTTP attempts (first tries and retries) by API label.
    pub fn attempts(&self) -> BTreeMap<String, u64> {
        self.inner
            .lock()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.1)).collect())
            .unwrap_or_default()
    }
}

/// An interceptor on every client: refuses any operation not in [`READ_APIS`] before it is
/// serialised (so nothing is signed or sent), and counts each attempt.
#[derive(Debug, Clone)]
pub struct ReadOnlyGuard {
    stats: Arc<CallStats>,
}

impl ReadOnlyGuard {
    /// A guard counting into `stats`.
    pub fn new(stats: Arc<CallStats>) -> Self {
        ReadOnlyGuard { stats }
    }
}

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "SkylensReadOnlyGuard"
    }

    // The operation's metadata is in the bag from serialization on (not yet at
    // `read_before_execution` for a client-level interceptor); nothing is serialised, signed or
    // sent before this hook.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match cfg.load::<Metadata>() {
            Some(m) if is_read_api(m.service(), m.name()) => Ok(()),
            Some(m) => Err(format!(
                "Skylens only calls read APIs; refused {} {}",
                m.service(),
                m.name()
            )
            .into()),
            None => {
                Err("Skylens only calls read APIs; refused an operation without metadata".into())
            }
        }
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(m) = cfg.load::<Metadata>() {
            self.stats.bump(api_label(m.service(), m.name()), 0, 1);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Rate limiting

/// A client-side rate limiter: at most `tps` requests per second, evenly spaced.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Option<Duration>,
    next: tokio::sync::Mutex<tokio::time::Instant>,
}

impl RateLimiter {
    /// A limiter for `tps` requests per second (`tps <= 0` or not finite: unlimited).
    pub fn new(tps: f64) -> Self {
        let interval = (tps.is_finite() && tps > 0.0).then(|| Duration::from_secs_f64(1.0 / tps));
        RateLimiter {
            interval,
            next: tokio::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    /// Wait for the next slot.
    pub async fn acquire(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let at = {
            let mut next = self.next.lock().await;
            let now = tokio::time::Instant::now();
            let at = (*next).max(now);
            *next = at + interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// What kind of failure an API call ended with (after the SDK's retries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorKind {
    /// The credentials lack the IAM permission.
    Permission,
    /// Still throttled after every retry.
    Throttled,
    /// The log group (or other resource) does not exist.
    NotFound,
    /// No usable credentials.
    Credentials,
    /// Could not reach the endpoint, or it timed out.
    Network,
    /// Refused by the read-only guard.
    Refused,
    /// Anything else (a 5xx after every retry, a response that could not be read, …).
    Other,
}

/// A failed API call, with the API and a message (never credentials).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiError {
    /// API label (`logs:FilterLogEvents`).
    pub api: String,
    /// What kind of failure.
    pub kind: ApiErrorKind,
    /// The service's error code, when it gave one.
    pub code: Option<String>,
    /// A readable message.
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(c) => write!(f, "{}: {c}: {}", self.api, self.message),
            None => write!(f, "{}: {}", self.api, self.message),
        }
    }
}

impl std::error::Error for ApiError {}

const PERMISSION_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "ExpiredToken",
];
const THROTTLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
];

fn api_error<E>(api: &str, e: SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = e.code().map(str::to_string);
    let service_message = e.message().map(str::to_string);
    let status = e.raw_response().map(|r| r.status().as_u16());
    let full = aws_smithy_types::error::display::DisplayErrorContext(&e).to_string();
    let kind = match (&e, code.as_deref()) {
        (_, Some(c)) if PERMISSION_CODES.contains(&c) => ApiErrorKind::Permission,
        (_, Some(c)) if THROTTLE_CODES.contains(&c) => ApiErrorKind::Throttled,
        (_, Some("ResourceNotFoundException")) => ApiErrorKind::NotFound,
        _ if full.contains("read APIs; refused") => ApiErrorKind::Refused,
        _ if status == Some(429) => ApiErrorKind::Throttled,
        _ if status == Some(403) => ApiErrorKind::Permission,
        (SdkError::ConstructionFailure(_) | SdkError::DispatchFailure(_), _)
            if full.contains("credential") || full.contains("Credential") =>
        {
            ApiErrorKind::Credentials
        }
        (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_), _) => ApiErrorKind::Network,
        _ => ApiErrorKind::Other,
    };
    // The service's own message; else the HTTP status; else the error chain (no response body:
    // an error page is noise).
    let message = match (service_message, status) {
        (Some(m), _) => m,
        (None, Some(s)) => format!("HTTP {s} with no error message"),
        (None, None) => full,
    };
    ApiError {
        api: api.to_string(),
        kind,
        code,
        message,
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration

/// How the clients are built.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    /// Named profile (`--profile`), else the default chain's choice (`AWS_PROFILE`, `default`).
    pub profile: Option<String>,
    /// An explicit endpoint (`--endpoint-url` / `AWS_ENDPOINT_URL`): every client uses it. A
    /// non-AWS endpoint is used only when given here.
    pub endpoint_url: Option<String>,
    /// Most attempts per call (first try included).
    pub max_attempts: u32,
    /// First retry backoff; it grows exponentially (with jitter) up to 20 s.
    pub initial_backoff: Duration,
    /// Per-attempt timeout.
    pub attempt_timeout: Duration,
    /// Static credentials instead of the default chain (tests, or a host app that resolved
    /// them itself). Never printed: `Credentials`' `Debug` redacts the secret.
    pub credentials: Option<logs::config::Credentials>,
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            profile: None,
            endpoint_url: None,
            max_attempts: 8,
            initial_backoff: Duration::from_millis(500),
            attempt_timeout: Duration::from_secs(60),
            credentials: None,
        }
    }
}

/// The retry configuration every client uses: adaptive mode (client-side rate adaptation on
/// throttling), exponential backoff with jitter.
pub fn retry_config(s: &AwsSettings) -> RetryConfig {
    RetryConfig::adaptive()
        .with_max_attempts(s.max_attempts.max(1))
        .with_initial_backoff(s.initial_backoff)
        .with_max_backoff(Duration::from_secs(20))
}

/// Load the shared SDK configuration for `region` (the default credential chain: environment,
/// profiles, SSO, assume-role, process credentials, container and instance roles).
pub async fn load_sdk_config(s: &AwsSettings, region: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(retry_config(s))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(s.attempt_timeout)
                .build(),
        );
    if let Some(p) = &s.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_string()));
    }
    if let Some(c) = &s.credentials {
        loader = loader.credentials_provider(c.clone());
    }
    if let Some(url) = &s.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The region the default chain resolves (`AWS_REGION`, the profile), if any.
pub async fn default_region(s: &AwsSettings) -> Option<String> {
    let mut p = aws_config::default_provider::region::DefaultRegionChain::builder();
    if let Some(name) = &s.profile {
        p = p.profile_name(name);
    }
    p.build().region().await.map(|r| r.to_string())
}

/// Shared pieces every wrapper gets: counters and a limiter per API.
#[derive(Debug, Clone)]
pub struct Plumbing {
    /// Call and attempt counters.
    pub stats: Arc<CallStats>,
    limiters: Arc<Mutex<BTreeMap<String, Arc<RateLimiter>>>>,
    tps: f64,
}

impl Plumbing {
    /// Counters, and limiters of `tps` requests per second per API and region.
    pub fn new(stats: Arc<CallStats>, tps: f64) -> Self {
        Plumbing {
            stats,
            limiters: Arc::default(),
            tps,
        }
    }

    fn limiter(&self, key: String) -> Arc<RateLimiter> {
        match self.limiters.lock() {
            Ok(mut m) => m
                .entry(key)
                .or_insert_with(|| Arc::new(RateLimiter::new(self.tps)))
                .clone(),
            Err(_) => Arc::new(RateLimiter::new(self.tps)),
        }
    }

    async fn before(&self, region: &str, api: &str) {
        self.limiter(format!("{region}/{api}")).acquire().await;
        self.stats.call(api);
    }
}

// The service `Config` builders take the endpoint explicitly: the one given, or none at all, so
// an `endpoint_url` in a profile file or a service-specific environment variable is never used
// implicitly.
macro_rules! service_config {
    ($krate:ident, $sdk:expr, $s:expr, $stats:expr) => {{
        let mut b = $krate::config::Builder::from($sdk);
        b.set_endpoint_url($s.endpoint_url.clone());
        b.interceptor(ReadOnlyGuard::new($stats.clone())).build()
    }};
}

/// CloudWatch Logs, read only.
#[derive(Debug, Clone)]
pub struct LogsApi {
    client: logs::Client,
    region: String,
    p: Plumbing,
}

/// X-Ray, read only.
#[derive(Debug, Clone)]
pub struct XrayApi {
    client: xray::Client,
    region: String,
    p: Plumbing,
}

/// Cost Explorer, read only.
#[derive(Debug, Clone)]
pub struct CostApi {
    client: ce::Client,
    region: String,
    p: Plumbing,
}

/// STS, only to name the account.
#[derive(Debug, Clone)]
pub struct StsApi {
    client: sts::Client,
    region: String,
    p: Plumbing,
}

/// The clients of one region.
#[derive(Debug, Clone)]
pub struct Clients {
    /// CloudWatch Logs.
    pub logs: LogsApi,
    /// X-Ray.
    pub xray: XrayApi,
    /// Cost Explorer (a global service, served from `us-east-1`).
    pub ce: CostApi,
    /// STS.
    pub sts: StsApi,
}

/// Region of the Cost Explorer endpoint.
pub const CE_REGION: &str = "us-east-1";

impl Clients {
    /// Build the clients of `region` from an SDK config loaded by [`load_sdk_config`].
    pub async fn new(s: &AwsSettings, region: &str, p: &Plumbing) -> Clients {
        let sdk = load_sdk_config(s, Some(region)).await;
        let ce_sdk = if region == CE_REGION {
            sdk.clone()
        } else {
            load_sdk_config(s, Some(CE_REGION)).await
        };
        let stats = &p.stats;
        Clients {
            logs: LogsApi {
                client: logs::Client::from_conf(service_config!(logs, &sdk, s, stats)),
                region: region.to_string(),
                p: p.clone(),
            },
            xray: XrayApi {
                client: xray::Client::from_conf(service_config!(xray, &sdk, s, stats)),
                region: region.to_string(),
                p: p.clone(),
            },
            ce: CostApi {
                client: ce::Client::from_conf(service_config!(ce, &ce_sdk, s, stats)),
                region: CE_REGION.to_string(),
                p: p.clone(),
            },
            sts: StsApi {
                client: sts::Client::from_conf(service_config!(sts, &sdk, s, stats)),
                region: region.to_string(),
                p: p.clone(),
            },
        }
    }
}

pub use ce::operation::get_cost_and_usage::GetCostAndUsageOutput;
pub use ce::operation::get_tags::GetTagsOutput;
pub use ce::types::{DateInterval, Granularity, GroupDefinition, GroupDefinitionType};
pub use logs::operation::describe_log_groups::DescribeLogGroupsOutput;
pub use logs::operation::filter_log_events::FilterLogEventsOutput;
pub use logs::operation::get_query_results::GetQueryResultsOutput;
pub use logs::types::QueryStatus;
pub use xray::operation::batch_get_traces::BatchGetTracesOutput;
pub use xray::operation::get_trace_summaries::GetTraceSummariesOutput;

/// Epoch milliseconds → the SDK's time type (X-Ray takes times as `DateTime`).
pub fn sdk_time(ms: i64) -> xray::primitives::DateTime {
    xray::primitives::DateTime::from_millis(ms)
}

impl LogsApi {
    /// DescribeLogGroups: one page of the groups whose name starts with `prefix`.
    pub async fn describe_log_groups(
        &self,
        prefix: Option<&str>,
        next_token: Option<String>,
        limit: Option<i32>,
    ) -> Result<DescribeLogGroupsOutput, ApiError> {
        const API: &str = "logs:DescribeLogGroups";
        self.p.before(&self.region, API).await;
        self.client
            .describe_log_groups()
            .set_log_group_name_prefix(prefix.map(str::to_string))
            .set_next_token(next_token)
            .set_limit(limit)
            .send()
            .await
            .map_err(|e| api_error(API, e))
    }

    /// FilterLogEvents: one page of the events of `group` with `start_ms <= timestamp <= end_ms`.
    /// Asks for interleaved (time-ordered) results, which AWS always gives.
    pub async fn filter_log_events(
        &self,
        group: &str,
        start_ms: i64,
        end_ms: i64,
        next_token: Option<String>,
        limit: Option<i32>,
    ) -> Result<FilterLogEventsOutput, ApiError> {
        const API: &str = "logs:FilterLogEvents";
        self.p.before(&self.region, API).await;
        #[allow(deprecated)]
        let req = self.client.filter_log_events().interleaved(true);
        req.log_group_name(group)
            .start_time(start_ms)
            .end_time(end_ms)
            .set_next_token(next_token)
            .set_limit(limit)
            .send()
            .await
            .map_err(|e| api_error(API, e))
    }

    /// StartQuery: a Logs Insights query over `groups` (at most 50) in `[start_s, end_s]`.
    pub async fn start_query(
        &self,
        groups: &[String],
        start_s: i64,
        end_s: i64,
        query: &str,
    ) -> Result<String, ApiError> {
        const API: &str = "logs:StartQuery";
        self.p.before(&self.region, API).await;
        let out = self
            .client
            .start_query()
            .set_log_group_names(Some(groups.to_vec()))
            .start_time(start_s)
            .end_time(end_s)
            .query_string(query)
            .limit(10_000)
            .send()
            .await
            .map_err(|e| api_error(API, e))?;
        out.query_id.ok_or_else(|| ApiError {
            api: API.into(),
            kind: ApiErrorKind::Other,
            code: None,
            message: "StartQuery returned no queryId".into(),
        })
    }

    /// GetQueryResults of a query started by [`LogsApi::start_query`].
    pub async fn get_query_results(
        &self,
        query_id: &str,
    ) -> Result<GetQueryResultsOutput, ApiError> {
        const API: &str = "logs:GetQueryResults";
        self.p.before(&self.region, API).await;
        self.client
            .get_query_results()
            .query_id(query_id)
            .send()
            .await
            .map_err(|e| api_error(API, e))
    }
}

impl XrayApi {
    /// GetTraceSummaries: one page of the traces that started in `[start_ms, end_ms]`.
    pub async fn get_trace_summaries(
        &self,
        start_ms: i64,
        end_ms: i64,
        filter: Option<&str>,
        next_token: Option<String>,
    ) -> Result<GetTraceSummariesOutput, ApiError> {
        const API: &str = "xray:GetTraceSummaries";
        self.p.before(&self.region, API).await;
        self.client
            .get_trace_summaries()
            .start_time(sdk_time(start_ms))
            .end_time(sdk_time(end_ms))
            .time_range_type(xray::types::TimeRangeType::TraceId)
            .set_filter_expression(filter.map(str::to_string))
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| api_error(API, e))
    }

    /// BatchGetTraces: the traces of at most 5 IDs.
    pub async fn batch_get_traces(
        &self,
        ids: &[String],
        next_token: Option<String>,
    ) -> Result<BatchGetTracesOutput, ApiError> {
        const API: &str = "xray:BatchGetTraces";
        self.p.before(&self.region, API).await;
        self.client
            .batch_get_traces()
            .set_trace_ids(Some(ids.to_vec()))
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| api_error(API, e))
    }
}

impl CostApi {
    /// GetTags: one page of the cost allocation tag keys seen in `[start, end)` (dates).
    pub async fn get_tags(
        &self,
        start: &str,
        end: &str,
        next_token: Option<String>,
    ) -> Result<GetTagsOutput, ApiError> {
        const API: &str = "ce:GetTags";
        self.p.before(&self.region, API).await;
        self.client
            .get_tags()
            .time_period(date_interval(start, end)?)
            .set_next_page_token(next_token)
            .send()
            .await
            .map_err(|e| api_error(API, e))
    }

    /// GetCostAndUsage: one page, DAILY, of `metrics` in `[start, end)` (dates) grouped by `group`.
    pub async fn get_cost_and_usage(
        &self,
        start: &str,
        end: &str,
        metrics: &[String],
        group: GroupDefinition,
        next_token: Option<String>,
    ) -> Result<GetCostAndUsageOutput, ApiError> {
        const API: &str = "ce:GetCostAndUsage";
        self.p.before(&self.region, API).await;
        self.client
            .get_cost_and_usage()
            .time_period(date_interval(start, end)?)
            .granularity(Granularity::Daily)
            .set_metrics(Some(metrics.to_vec()))
            .group_by(group)
            .set_next_page_token(next_token)
            .send()
            .await
            .map_err(|e| api_error(API, e))
    }
}

fn date_interval(start: &str, end: &str) -> Result<DateInterval, ApiError> {
    DateInterval::builder()
        .start(start)
        .end(end)
        .build()
        .map_err(|e| ApiError {
            api: "ce".into(),
            kind: ApiErrorKind::Other,
            code: None,
            message: e.to_string(),
        })
}

impl StsApi {
    /// GetCallerIdentity: the account of the credentials.
    pub async fn account(&self) -> Result<Option<String>, ApiError> {
        const API: &str = "sts:GetCallerIdentity";
        self.p.before(&self.region, API).await;
        let out = self
            .client
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| api_error(API, e))?;
        Ok(out.account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_api_list_is_read_only() {
        for a in READ_APIS {
            assert!(
                ["Describe", "Filter", "Get", "BatchGet", "StartQuery"]
                    .iter()
                    .any(|p| a.operation.starts_with(p)),
                "{} is not a read API",
                a.operation
            );
            if let Some(act) = a.iam_action {
                assert!(act.ends_with(a.operation), "{act} vs {}", a.operation);
            }
        }
        assert!(is_read_api("CloudWatch Logs", "FilterLogEvents"));
        assert!(!is_read_api("CloudWatch Logs", "PutLogEvents"));
        assert!(!is_read_api("XRay", "PutTraceSegments"));
        assert_eq!(api_label("Cost Explorer", "GetTags"), "ce:GetTags");
    }

    /// The guard refuses a write before anything is sent: the endpoint is a closed port, so a
    /// request that got through would fail with a network error instead.
    #[test]
    fn guard_refuses_writes_before_sending() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let s = AwsSettings {
                endpoint_url: Some("http://127.0.0.1:9".into()),
                credentials: Some(logs::config::Credentials::new(
                    "AKIDEXAMPLE",
                    "secret",
                    None,
                    None,
                    "test",
                )),
                max_attempts: 1,
                ..Default::default()
            };
            let stats = Arc::new(CallStats::default());
            let sdk = load_sdk_config(&s, Some("eu-west-1")).await;
            let client = logs::Client::from_conf(service_config!(logs, &sdk, s, stats));
            let e = client
                .create_log_group()
                .log_group_name("x")
                .send()
                .await
                .unwrap_err();
            let e = api_error("logs:CreateLogGroup", e);
            assert_eq!(e.kind, ApiErrorKind::Refused, "{e}");
            assert!(stats.attempts().is_empty(), "nothing was attempted");
            // A read API gets past the guard and fails on the network instead.
            let e = client.describe_log_groups().send().await.unwrap_err();
            assert_eq!(
                api_error("logs:DescribeLogGroups", e).kind,
                ApiErrorKind::Network
            );
            assert_eq!(stats.attempts().get("logs:DescribeLogGroups"), Some(&1));
        });
    }

    /// Records the URI of the first attempt and stops it before it is sent.
    #[derive(Debug, Default, Clone)]
    struct Capture(Arc<Mutex<Option<String>>>);
    impl Intercept for Capture {
        fn name(&self) -> &'static str {
            "Capture"
        }
        fn read_before_transmit(
            &self,
            context: &BeforeTransmitInterceptorContextRef<'_>,
            _rc: &RuntimeComponents,
            _cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            *self.0.lock().unwrap() = Some(context.request().uri().to_string());
            Err("captured".into())
        }
    }

    /// An endpoint set anywhere but explicitly (a profile's `endpoint_url`, an environment
    /// variable: both end up in the shared config) is not used; an explicit one is.
    #[test]
    fn only_an_explicit_endpoint_is_used() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let creds = logs::config::Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
            let sdk = aws_config::SdkConfig::builder()
                .region(aws_config::Region::new("eu-west-1"))
                .endpoint_url("http://127.0.0.1:9")
                .credentials_provider(logs::config::SharedCredentialsProvider::new(creds))
                .behavior_version(aws_config::BehaviorVersion::latest())
                .build();
            let stats = Arc::new(CallStats::default());
            for (explicit, want) in [
                (None, "https://logs.eu-west-1.amazonaws.com"),
                (Some("http://127.0.0.1:4566"), "http://127.0.0.1:4566"),
            ] {
                let s = AwsSettings {
                    endpoint_url: explicit.map(str::to_string),
                    max_attempts: 1,
                    ..Default::default()
                };
                let cap = Capture::default();
                let mut b = logs::config::Builder::from(&sdk);
                b.set_endpoint_url(s.endpoint_url.clone());
                let conf = b
                    .interceptor(ReadOnlyGuard::new(stats.clone()))
                    .interceptor(cap.clone())
                    .build();
                let _ = logs::Client::from_conf(conf)
                    .describe_log_groups()
                    .send()
                    .await;
                let uri = cap.0.lock().unwrap().clone().unwrap_or_default();
                assert!(uri.starts_with(want), "{uri} should start with {want}");
            }
        });
    }

    #[test]
    fn rate_limiter_spaces_requests() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let l = RateLimiter::new(100.0);
            let t = std::time::Instant::now();
            for _ in 0..6 {
                l.acquire().await;
            }
            assert!(
                t.elapsed() >= Duration::from_millis(45),
                "{:?}",
                t.elapsed()
            );
            let u = RateLimiter::new(0.0);
            let t = std::time::Instant::now();
            for _ in 0..1000 {
                u.acquire().await;
            }
            assert!(t.elapsed() < Duration::from_millis(100));
        });
    }
}
