//! A small loopback HTTP/1.1 proxy in front of moto_server, for what moto cannot do:
//! - inject faults on a schedule: throttling (429 and 400 `ThrottlingException`), 500, 503,
//!   and dropped connections;
//! - deny one API or one log group (`AccessDeniedException`), or hang after N requests (to
//!   kill a pull mid-way);
//! - repair GetTraceSummaries' `"Users": {}` (the Rust SDK expects a list);
//! - serve recorded responses where moto has none: Logs Insights (StartQuery /
//!   GetQueryResults; moto ignores `stats`) and Cost Explorer GetTags (moto answers 500).
//!
//! Every request is logged with its operation and whether a fault was injected.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fault to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with `ThrottlingException`.
    Throttle429,
    /// HTTP 400 with `ThrottlingException` (what CloudWatch Logs sends).
    Throttle400,
    /// HTTP 500 `InternalFailure`.
    Server500,
    /// HTTP 503 `ServiceUnavailable`.
    Unavailable503,
    /// Close the connection without answering.
    Drop,
}

/// What to do to the requests.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Inject a fault on every n-th request of the operations in `ops` (0: never).
    pub every: usize,
    /// Faults, used in turn.
    pub faults: Vec<Fault>,
    /// Operations faults apply to (empty: all but the moto API).
    pub ops: Vec<String>,
    /// Deny these operations (`AccessDeniedException`).
    pub deny_ops: Vec<String>,
    /// Deny requests whose body contains this text (a log group name).
    pub deny_body: Option<String>,
    /// After this many requests of the operation, hang instead of answering.
    pub hang_after: Option<(String, usize)>,
    /// GetTags response body, served instead of moto's.
    pub tags: Option<serde_json::Value>,
    /// Recorded Logs Insights rows: (log group, bucket start ms, fields).
    pub insights_rows: Vec<(String, i64, Vec<(String, String)>)>,
    /// Answer every n-th BatchGetTraces with its traces moved to `UnprocessedTraceIds` (0: never),
    /// a trace at most once: unprocessed traces are transient, and a retry gets them. (With
    /// the n-th request counted across concurrent requests, the same chunk could otherwise be
    /// unprocessed in every retry round, depending on timing.)
    pub unprocessed_every: usize,
}

/// One request seen.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Operation (`FilterLogEvents`, `GetTraceSummaries`, …).
    pub op: String,
    /// Status returned (0 for a dropped connection).
    pub status: u16,
    /// Whether the proxy made the answer up (fault, denial, stub).
    pub injected: bool,
    /// The request body.
    pub body: String,
}

#[derive(Default)]
struct State {
    plan: Plan,
    counter: usize,
    log: Vec<Seen>,
    queries: Vec<(String, Vec<String>, i64, i64, usize)>,
    /// Trace IDs answered as unprocessed once (`Plan::unprocessed_every`).
    unprocessed: std::collections::HashSet<String>,
}

/// The proxy; stops accepting on drop.
pub struct Proxy {
    /// Its port.
    pub port: u16,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Start a proxy to `127.0.0.1:<upstream>`.
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, upstream, &st);
                });
            }
        });
        Proxy {
            port,
            url: format!("http://127.0.0.1:{port}"),
            state,
            stop,
        }
    }

    /// Replace the plan (and reset the fault counter).
    pub fn set_plan(&self, plan: Plan) {
        let mut s = self.state.lock().unwrap();
        s.plan = plan;
        s.counter = 0;
    }

    /// Requests seen so far.
    pub fn log(&self) -> Vec<Seen> {
        self.state.lock().unwrap().log.clone()
    }

    /// Forget the log.
    pub fn clear_log(&self) {
        self.state.lock().unwrap().log.clear();
    }

    /// Requests of one operation.
    pub fn count(&self, op: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|s| s.op == op)
            .count()
    }

    /// Faults injected.
    pub fn injected(&self) -> usize {
        self.state
            .lock()
            .unwrap()
            .log
            .iter()
            .filter(|s| {
                s.injected && s.op != "StartQuery" && s.op != "GetQueryResults" && s.op != "GetTags"
            })
            .count()
    }

    /// Logs Insights queries started: (query text, log groups, start s, end s, rows returned).
    pub fn queries(&self) -> Vec<(String, Vec<String>, i64, i64, usize)> {
        self.state.lock().unwrap().queries.clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A parsed HTTP message.
pub struct Message {
    /// Request line or status line.
    pub start: String,
    /// Status (responses).
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body (de-chunked).
    pub body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_message(r: &mut impl BufRead, until_eof: bool) -> std::io::Result<Option<Message>> {
    let mut start = String::new();
    if r.read_line(&mut start)? == 0 {
        return Ok(None);
    }
    let start = start.trim_end().to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let status = start
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut m = Message {
        start,
        status,
        headers,
        body: Vec::new(),
    };
    if m.header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            r.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            m.body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = m
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        m.body = vec![0; n];
        r.read_exact(&mut m.body)?;
    } else if until_eof {
        r.read_to_end(&mut m.body)?;
    }
    Ok(Some(m))
}

/// Read one HTTP response from a connection.
pub fn read_response(conn: TcpStream) -> std::io::Result<Message> {
    read_message(&mut BufReader::new(conn), true)?
        .ok_or_else(|| std::io::Error::other("no HTTP response"))
}

fn operation(req: &Message) -> String {
    if let Some(t) = req.header("x-amz-target") {
        return t.rsplit('.').next().unwrap_or(t).to_string();
    }
    let path = req.start.split(' ').nth(1).unwrap_or("");
    let body = String::from_utf8_lossy(&req.body);
    match path {
        "/TraceSummaries" => "GetTraceSummaries".into(),
        "/Traces" => "BatchGetTraces".into(),
        "/TraceSegments" => "PutTraceSegments".into(),
        "/" if body.contains("Action=") => body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or("")
            .to_string(),
        p => p.to_string(),
    }
}

fn respond(
    w: &mut impl Write,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())?;
    w.write_all(body)?;
    w.flush()
}

fn error(w: &mut impl Write, status: u16, code: &str, message: &str) -> std::io::Result<()> {
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    respond(
        w,
        status,
        &[
            ("Content-Type", "application/x-amz-json-1.1".into()),
            ("x-amzn-ErrorType", code.to_string()),
        ],
        body.as_bytes(),
    )
}

enum Action {
    Forward,
    Fault(Fault),
    Deny,
    Hang,
    Stub(serde_json::Value),
}

fn decide(st: &Mutex<State>, op: &str, body: &str) -> Action {
    let mut s = st.lock().unwrap();
    let seen_before = s.log.iter().filter(|x| x.op == op).count();
    let plan = s.plan.clone();
    if let Some((hop, n)) = &plan.hang_after
        && hop == op
        && seen_before >= *n
    {
        return Action::Hang;
    }
    if plan.deny_ops.iter().any(|d| d == op)
        || plan.deny_body.as_deref().is_some_and(|d| body.contains(d))
    {
        return Action::Deny;
    }
    match op {
        "GetTags" => {
            if let Some(t) = &plan.tags {
                return Action::Stub(t.clone());
            }
        }
        "StartQuery" => {
            let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            let groups: Vec<String> = v["logGroupNames"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|g| g.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let (start, end) = (
                v["startTime"].as_i64().unwrap_or(0),
                v["endTime"].as_i64().unwrap_or(0),
            );
            let rows = plan
                .insights_rows
                .iter()
                .filter(|(g, t, _)| groups.contains(g) && *t / 1000 >= start && *t / 1000 <= end)
                .count();
            s.queries.push((
                v["queryString"].as_str().unwrap_or("").to_string(),
                groups,
                start,
                end,
                rows,
            ));
            let id = format!("q-{}", s.queries.len());
            return Action::Stub(serde_json::json!({ "queryId": id }));
        }
        "GetQueryResults" => {
            let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            let id = v["queryId"].as_str().unwrap_or("").to_string();
            let polls = s
                .log
                .iter()
                .filter(|x| x.op == op && x.body.contains(&format!("\"{id}\"")))
                .count();
            let idx: usize = id.trim_start_matches("q-").parse().unwrap_or(0);
            let Some((_, groups, start, end, _)) = s.queries.get(idx.wrapping_sub(1)).cloned()
            else {
                return Action::Stub(serde_json::json!({ "status": "Failed", "results": [] }));
            };
            if polls == 0 {
                return Action::Stub(serde_json::json!({ "status": "Running", "results": [] }));
            }
            let results: Vec<serde_json::Value> = plan
                .insights_rows
                .iter()
                .filter(|(g, t, _)| groups.contains(g) && *t / 1000 >= start && *t / 1000 <= end)
                .map(|(g, t, fields)| {
                    let bucket = chrono::DateTime::from_timestamp_millis(*t).unwrap().format("%Y-%m-%d %H:%M:%S%.3f").to_string();
                    let mut row = vec![
                        serde_json::json!({ "field": "bin(1h)", "value": bucket }),
                        serde_json::json!({ "field": "@log", "value": format!("{}:{g}", super::ACCOUNT) }),
                    ];
                    row.extend(fields.iter().map(|(k, v)| serde_json::json!({ "field": k, "value": v })));
                    serde_json::Value::Array(row)
                })
                .collect();
            let n = results.len() as f64;
            return Action::Stub(serde_json::json!({
                "status": "Complete",
                "results": results,
                "statistics": { "recordsMatched": n, "recordsScanned": n * 100.0, "bytesScanned": n * 20000.0 }
            }));
        }
        _ => {}
    }
    let applies = plan.every > 0
        && !plan.faults.is_empty()
        && (plan.ops.is_empty() || plan.ops.iter().any(|o| o == op));
    if applies && !op.starts_with("/moto-api") {
        s.counter += 1;
        if s.counter.is_multiple_of(plan.every) {
            let f = plan.faults[(s.counter / plan.every) % plan.faults.len()];
            return Action::Fault(f);
        }
    }
    Action::Forward
}

fn serve(conn: TcpStream, upstream: u16, st: &Mutex<State>) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut w = conn;
    while let Some(req) = read_message(&mut reader, false)? {
        let op = operation(&req);
        let body = String::from_utf8_lossy(&req.body).into_owned();
        let action = decide(st, &op, &body);
        let mut seen = Seen {
            op: op.clone(),
            status: 0,
            injected: !matches!(action, Action::Forward),
            body,
        };
        match action {
            Action::Hang => {
                st.lock().unwrap().log.push(seen);
                std::thread::sleep(Duration::from_secs(120));
                return Ok(());
            }
            Action::Fault(Fault::Drop) => {
                st.lock().unwrap().log.push(seen);
                return Ok(());
            }
            Action::Fault(f) => {
                let (status, code) = match f {
                    Fault::Throttle429 => (429, "ThrottlingException"),
                    Fault::Throttle400 => (400, "ThrottlingException"),
                    Fault::Server500 => (500, "InternalFailure"),
                    _ => (503, "ServiceUnavailable"),
                };
                seen.status = status;
                st.lock().unwrap().log.push(seen);
                error(&mut w, status, code, "injected by the test proxy")?;
            }
            Action::Deny => {
                seen.status = 400;
                st.lock().unwrap().log.push(seen);
                error(
                    &mut w,
                    400,
                    "AccessDeniedException",
                    "User is not authorized to perform this action",
                )?;
            }
            Action::Stub(v) => {
                seen.status = 200;
                st.lock().unwrap().log.push(seen);
                respond(
                    &mut w,
                    200,
                    &[("Content-Type", "application/x-amz-json-1.1".into())],
                    v.to_string().as_bytes(),
                )?;
            }
            Action::Forward => {
                let resp = forward(&req, upstream)?;
                let mut body = resp.body;
                if op == "BatchGetTraces" {
                    let n = st.lock().unwrap().plan.unprocessed_every;
                    let k = st.lock().unwrap().log.iter().filter(|x| x.op == op).count() + 1;
                    if n > 0 && k % n == 0 {
                        let mut v: serde_json::Value =
                            serde_json::from_slice(&body).unwrap_or_default();
                        let ids: Vec<serde_json::Value> = v["Traces"]
                            .as_array()
                            .map(|a| a.iter().map(|t| t["Id"].clone()).collect())
                            .unwrap_or_default();
                        let fresh = {
                            let mut g = st.lock().unwrap();
                            let keys: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
                            let fresh = keys.iter().all(|k| !g.unprocessed.contains(k));
                            if fresh {
                                g.unprocessed.extend(keys);
                            }
                            fresh
                        };
                        if !ids.is_empty() && fresh {
                            v["Traces"] = serde_json::json!([]);
                            v["UnprocessedTraceIds"] = ids.into();
                            body = v.to_string().into_bytes();
                            seen.injected = true;
                        }
                    }
                }
                if op == "GetTraceSummaries" {
                    let text = String::from_utf8_lossy(&body)
                        .replace("\"Users\": {}", "\"Users\": []")
                        .replace("\"Users\":{}", "\"Users\":[]");
                    body = text.into_bytes();
                }
                seen.status = resp.status;
                st.lock().unwrap().log.push(seen);
                let headers: Vec<(&str, String)> = resp
                    .headers
                    .iter()
                    .filter(|(k, _)| {
                        !["content-length", "transfer-encoding", "connection"]
                            .iter()
                            .any(|h| k.eq_ignore_ascii_case(h))
                    })
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                respond(&mut w, resp.status, &headers, &body)?;
            }
        }
    }
    Ok(())
}

fn forward(req: &Message, upstream: u16) -> std::io::Result<Message> {
    let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
    let mut head = format!("{}\r\n", req.start);
    for (k, v) in &req.headers {
        if k.eq_ignore_ascii_case("connection")
            || k.eq_ignore_ascii_case("transfer-encoding")
            || k.eq_ignore_ascii_case("content-length")
        {
            continue;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        req.body.len()
    ));
    up.write_all(head.as_bytes())?;
    up.write_all(&req.body)?;
    // Read by Content-Length: the server may keep the connection open despite `Connection: close`.
    read_message(&mut BufReader::new(up), true)?
        .ok_or_else(|| std::io::Error::other("no upstream response"))
}
