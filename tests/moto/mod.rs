//! A `moto_server` for the pull tests: installed when missing, started on 127.0.0.1 on a free
//! port, stopped on drop; seeded through the real AWS SDK (and moto's own API for Cost
//! Explorer, which has no write API). See `proxy.rs` for the fault-injecting proxy in front.
#![allow(dead_code)]

pub mod proxy;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use skylens::source::demo::{self, DemoFiles, DemoOptions};

/// The dummy credentials moto accepts (every request must still be SigV4-signed).
pub const KEY: &str = "testing";
/// The account moto reports.
pub const ACCOUNT: &str = "123456789012";
/// The region the tests use.
pub const REGION: &str = "us-east-1";

static INSTALL: Once = Once::new();

fn on_path(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Make sure `moto_server` is installed (`python3 -m pip install 'moto[server]'` when missing).
pub fn ensure_moto() {
    INSTALL.call_once(|| {
        if on_path("moto_server") {
            return;
        }
        eprintln!("moto_server not found: installing moto[server] with pip");
        let ok = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "moto[server]"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok && on_path("moto_server"), "could not install moto[server]; install it with `python3 -m pip install 'moto[server]'`");
    });
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `moto_server`, stopped on drop.
pub struct Moto {
    child: Child,
    /// Its port.
    pub port: u16,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

impl Moto {
    /// Start a fresh server and wait until it answers.
    pub fn start() -> Moto {
        ensure_moto();
        let port = free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let m = Moto {
            child,
            port,
            url: format!("http://127.0.0.1:{port}"),
        };
        let t = Instant::now();
        loop {
            if let Ok((200, _)) = http(port, "GET", "/moto-api/data.json", &[], b"") {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "moto_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        m
    }

    /// Queue Cost Explorer GetCostAndUsage results (a FIFO: each new request body takes the next).
    pub fn seed_costs(&self, results: &[serde_json::Value]) {
        let body = serde_json::to_vec(&serde_json::json!({ "results": results })).unwrap();
        let (status, text) = http(
            self.port,
            "POST",
            "/moto-api/static/ce/cost-and-usage-results",
            &[("Content-Type", "application/json")],
            &body,
        )
        .expect("seed costs");
        assert!(
            (200..300).contains(&status),
            "seeding costs: {status} {text}"
        );
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One plain HTTP/1.1 request to 127.0.0.1 (with `Content-Length`); returns status and body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let resp = proxy::read_response(s)?;
    Ok((
        resp.status,
        String::from_utf8_lossy(&resp.body).into_owned(),
    ))
}

/// The shared SDK config for writing seed data straight to moto.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_cloudwatchlogs::config::Credentials::new(
            KEY, KEY, None, None, "tests",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// Pull options for a test: static credentials, the endpoint, one region, fast retries, no
/// client-side rate limit.
pub fn pull_options(
    endpoint: &str,
    from_ms: i64,
    to_ms: i64,
) -> skylens::source::pull::PullOptions {
    let mut o = skylens::source::pull::PullOptions {
        regions: vec![REGION.to_string()],
        from_ms,
        to_ms,
        max_tps: 0.0,
        ..Default::default()
    };
    // The demo's API Gateway access-log group, given by name as a user would.
    o.log_groups = vec![demo::ACCESS_LOG_GROUP.to_string()];
    o.aws.endpoint_url = Some(endpoint.to_string());
    o.aws.credentials = Some(aws_sdk_cloudwatchlogs::config::Credentials::new(
        KEY, KEY, None, None, "tests",
    ));
    o.aws.initial_backoff = Duration::from_millis(5);
    o.aws.max_attempts = 10;
    o.insights_poll = Duration::from_millis(50);
    o
}

/// Environment for a `skylens` child process talking to `endpoint`, isolated from any real
/// AWS configuration of the machine.
pub fn cli_env(endpoint: &str, home: &Path) -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", KEY.to_string()),
        ("AWS_SECRET_ACCESS_KEY", KEY.to_string()),
        ("AWS_REGION", REGION.to_string()),
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        (
            "AWS_CONFIG_FILE",
            home.join("aws-config").display().to_string(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("aws-credentials").display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The demo workload of a few days ending yesterday (moto accepts log events of the last 14
/// days only), written as raw AWS files under `dir`.
pub fn demo_files(dir: &Path, requests: u64, days: u32) -> (DemoFiles, i64, i64) {
    let today = chrono::Utc::now().date_naive();
    let end = today.pred_opt().unwrap();
    let opts = DemoOptions {
        seed: 7,
        requests,
        days,
        end,
    };
    let files = demo::generate(dir, &opts).expect("demo files");
    let first = end
        .checked_sub_days(chrono::Days::new(u64::from(days) - 1))
        .unwrap();
    let from = first
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    let to = today
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    (files, from, to)
}

/// Log events of the demo's FilterLogEvents files: group → stream → (timestamp, message), in
/// file order.
pub fn demo_events(files: &DemoFiles) -> BTreeMap<String, BTreeMap<String, Vec<(i64, String)>>> {
    let mut out: BTreeMap<String, BTreeMap<String, Vec<(i64, String)>>> = BTreeMap::new();
    for f in files.files.iter().filter(|f| f.kind == demo::KIND_LOGS) {
        let group = f.log_group.clone().expect("log group");
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&f.path).unwrap()).unwrap();
        for e in v["events"].as_array().unwrap() {
            let stream = e["logStreamName"].as_str().unwrap().to_string();
            let ts = e["timestamp"].as_i64().unwrap();
            let msg = e["message"].as_str().unwrap().to_string();
            out.entry(group.clone())
                .or_default()
                .entry(stream)
                .or_default()
                .push((ts, msg));
        }
    }
    out
}

/// Seed the demo's log events into moto with CreateLogGroup, CreateLogStream and PutLogEvents
/// (batches of at most 10,000 events and 1 MB, in time order). Returns the events written.
pub async fn seed_logs(cfg: &aws_config::SdkConfig, files: &DemoFiles) -> u64 {
    let c = aws_sdk_cloudwatchlogs::Client::new(cfg);
    let mut n = 0u64;
    for (group, streams) in demo_events(files) {
        c.create_log_group()
            .log_group_name(&group)
            .send()
            .await
            .expect("create log group");
        for (stream, mut events) in streams {
            c.create_log_stream()
                .log_group_name(&group)
                .log_stream_name(&stream)
                .send()
                .await
                .expect("create stream");
            events.sort_by_key(|e| e.0);
            let mut i = 0;
            while i < events.len() {
                let mut j = i;
                let mut bytes = 0usize;
                while j < events.len()
                    && j - i < 10_000
                    && bytes + events[j].1.len() + 26 < 1_000_000
                {
                    bytes += events[j].1.len() + 26;
                    j += 1;
                }
                let batch: Vec<_> = events[i..j]
                    .iter()
                    .map(|(ts, m)| {
                        aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                            .timestamp(*ts)
                            .message(m)
                            .build()
                            .unwrap()
                    })
                    .collect();
                let out = c
                    .put_log_events()
                    .log_group_name(&group)
                    .log_stream_name(&stream)
                    .set_log_events(Some(batch))
                    .send()
                    .await
                    .expect("put log events");
                assert!(
                    out.rejected_log_events_info.is_none(),
                    "moto rejected events of {group}/{stream}: {:?}",
                    out.rejected_log_events_info
                );
                n += (j - i) as u64;
                i = j;
            }
        }
    }
    n
}

/// Create empty log groups.
pub async fn create_groups(cfg: &aws_config::SdkConfig, names: &[String]) {
    let c = aws_sdk_cloudwatchlogs::Client::new(cfg);
    for g in names {
        c.create_log_group()
            .log_group_name(g)
            .send()
            .await
            .expect("create log group");
    }
}

/// Seed the demo's X-Ray segment documents with PutTraceSegments. Returns the documents written.
pub async fn seed_traces(cfg: &aws_config::SdkConfig, files: &DemoFiles) -> u64 {
    let c = aws_sdk_xray::Client::new(cfg);
    let mut docs = Vec::new();
    for f in files.files.iter().filter(|f| f.kind == demo::KIND_TRACES) {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&f.path).unwrap()).unwrap();
        for t in v["Traces"].as_array().unwrap() {
            for s in t["Segments"].as_array().unwrap() {
                docs.push(s["Document"].as_str().unwrap().to_string());
            }
        }
    }
    for chunk in docs.chunks(50) {
        let out = c
            .put_trace_segments()
            .set_trace_segment_documents(Some(chunk.to_vec()))
            .send()
            .await
            .expect("put trace segments");
        assert!(
            out.unprocessed_trace_segments
                .as_deref()
                .unwrap_or_default()
                .is_empty(),
            "moto refused segments"
        );
    }
    docs.len() as u64
}

/// The demo's Cost Explorer responses, by grouping name (`team`, `env`, `service`).
pub fn demo_costs(files: &DemoFiles) -> BTreeMap<String, serde_json::Value> {
    files
        .files
        .iter()
        .filter(|f| f.kind == demo::KIND_COSTS)
        .map(|f| {
            let name = f
                .path
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .rsplit('-')
                .next()
                .unwrap()
                .to_string();
            (
                name,
                serde_json::from_slice(&std::fs::read(&f.path).unwrap()).unwrap(),
            )
        })
        .collect()
}

/// The demo files as import inputs (path, parse context with the pull's region and account).
pub fn import_items(files: &DemoFiles) -> Vec<(PathBuf, skylens::parse::ParseContext)> {
    files
        .import_items()
        .into_iter()
        .map(|(path, mut ctx)| {
            ctx.region = Some(REGION.to_string());
            ctx.account = Some(ACCOUNT.to_string());
            (path, ctx)
        })
        .collect()
}
