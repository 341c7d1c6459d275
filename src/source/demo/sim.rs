//! The simulated system, in time order.
//!
//! API Gateway (REST, JSON access logs) → `orders` (Node.js, text format) → `payments`
//! (Python, Lambda JSON format + Powertools) → DynamoDB and SNS → `notifications` (Java with
//! SnapStart, text format + Powertools for Java JSON lines); and `nightly-batch` (Python, text
//! format) on an hourly schedule. Each function has a pool of execution environments (one log
//! stream each); an environment idle longer than its keep-alive (10-30 min) or older than its
//! lifetime (2-5 h) is recycled, so the next request there is a cold start.
//!
//! Triggers (API requests, scheduled runs) are processed in start order; each writes log events
//! at or after its start, so a log group's reorder buffer can write everything older than the
//! next trigger. All times are µs since the epoch; all randomness comes from one ChaCha8 stream.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::fmt::*;
use super::out::{Http, LogGroupOut, Seg, TraceOut};
use super::{DemoExample, DemoOptions, FunctionStats};
use crate::error::Result;

/// Account of the demo resources.
pub(super) const ACCOUNT: &str = "123456789012";
/// Region of the demo resources.
pub(super) const REGION: &str = "us-east-1";
/// API Gateway stage.
const STAGE: &str = "prod";
/// Share of API requests X-Ray samples.
const XRAY_SAMPLE_RATE: f64 = 0.2;
/// API Gateway access log group (custom access logging destination).
pub(super) const ACCESS_LOG_GROUP: &str = "/aws/apigateway/orders-api-access";
const ORDERS_TABLE: &str = "orders";
const PAYMENTS_TABLE: &str = "payments";
const TOPIC: &str = "order-events";
const PSP_HOST: &str = "api.psp.example.com";

const MS: i64 = 1_000;
const SEC: i64 = 1_000_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

pub(super) const F_ORDERS: usize = 0;
pub(super) const F_PAYMENTS: usize = 1;
pub(super) const F_NOTIFY: usize = 2;
pub(super) const F_BATCH: usize = 3;

/// Log group index of the access log; function `f` logs to group `f + 1`.
const G_ACCESS: usize = 0;

/// A Lambda function of the demo.
pub(super) struct FnCfg {
    pub name: &'static str,
    pub version: &'static str,
    pub memory_mb: u64,
    pub timeout_us: i64,
    pub runtime: &'static str,
    /// Init (or SnapStart restore) duration range, µs.
    pub init_us: (i64, i64),
    pub mem_used: (u64, u64),
}

/// The four functions, indexed by `F_*`.
pub(super) const FUNCTIONS: [FnCfg; 4] = [
    FnCfg {
        name: "orders",
        version: "$LATEST",
        memory_mb: 256,
        timeout_us: 6 * SEC,
        runtime: "nodejs:22.v48",
        init_us: (150 * MS, 400 * MS),
        mem_used: (68, 96),
    },
    FnCfg {
        name: "payments",
        version: "$LATEST",
        memory_mb: 512,
        timeout_us: 3 * SEC,
        runtime: "python:3.12.v61",
        init_us: (300 * MS, 900 * MS),
        mem_used: (88, 131),
    },
    FnCfg {
        name: "notifications",
        version: "12",
        memory_mb: 1024,
        timeout_us: 15 * SEC,
        runtime: "java:21.v37",
        init_us: (300 * MS, 600 * MS),
        mem_used: (148, 196),
    },
    FnCfg {
        name: "nightly-batch",
        version: "$LATEST",
        memory_mb: 1024,
        timeout_us: 120 * SEC,
        runtime: "python:3.12.v61",
        init_us: (300 * MS, 900 * MS),
        mem_used: (310, 620),
    },
];

/// Log group of function `f`.
pub(super) fn log_group(f: usize) -> String {
    format!("/aws/lambda/{}", FUNCTIONS[f].name)
}

fn function_arn(f: usize) -> String {
    format!(
        "arn:aws:lambda:{REGION}:{ACCOUNT}:function:{}",
        FUNCTIONS[f].name
    )
}

/// Usage metered per day, for Cost Explorer.
pub(super) struct Ledger {
    /// Billed MB·ms per function per day.
    pub lambda_mbms: [Vec<u64>; 4],
    /// Invocations per function per day.
    pub lambda_requests: [Vec<u64>; 4],
    /// API Gateway requests served (throttled ones are not billed).
    pub api_requests: Vec<u64>,
    /// DynamoDB write request units, `orders` and `payments` tables.
    pub ddb_writes: [Vec<u64>; 2],
    /// DynamoDB read request units, `orders` and `payments` tables.
    pub ddb_reads: [Vec<u64>; 2],
    /// SNS publishes.
    pub sns_publishes: Vec<u64>,
    /// X-Ray traces recorded.
    pub xray_traces: Vec<u64>,
}

impl Ledger {
    fn new(days: usize) -> Self {
        let v = || vec![0u64; days];
        Ledger {
            lambda_mbms: [v(), v(), v(), v()],
            lambda_requests: [v(), v(), v(), v()],
            api_requests: v(),
            ddb_writes: [v(), v()],
            ddb_reads: [v(), v()],
            sns_publishes: v(),
            xray_traces: v(),
        }
    }
}

/// One execution environment (one log stream).
struct Env {
    stream: u32,
    hex: String,
    born: i64,
    busy_until: i64,
    last_end: i64,
    idle_ttl: i64,
    max_life: i64,
    /// The previous invocation timed out: the runtime re-initialises inside the next one
    /// (a suppressed init, counted in that invocation's duration).
    reinit: bool,
}

/// What an API request carries down the chain.
struct Ctx {
    trace: String,
    sampled: bool,
    cid: String,
    order_id: String,
    customer: String,
    post: bool,
    burst: bool,
    hour: usize,
    amount_cents: u64,
}

struct Notify {
    /// When SNS hands the message to Lambda.
    at: i64,
    /// The inferred SNS segment (parent of the notifications Lambda segment).
    sns_seg: u64,
    message_id: String,
}

enum PayResult {
    Captured { payment_id: String, notify: Notify },
    Declined,
    TimedOut,
}

struct PayOut {
    end: i64,
    reqid: String,
    result: PayResult,
}

struct OrdersOut {
    end: i64,
    status: u16,
    resp_len: u64,
    reqid: String,
    payments_reqid: Option<String>,
    notify: Option<Notify>,
    ok: bool,
}

/// Counters the generator reports.
#[derive(Default)]
pub(super) struct Counters {
    pub api_requests: u64,
    pub throttled: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    pub sampled: u64,
    pub functions: [FunctionCounters; 4],
}

#[derive(Default, Clone, Copy)]
pub(super) struct FunctionCounters {
    pub invocations: u64,
    pub cold_starts: u64,
    pub suppressed_inits: u64,
    pub errors: u64,
    pub timeouts: u64,
}

impl Counters {
    pub(super) fn function_stats(&self) -> Vec<FunctionStats> {
        (0..4)
            .map(|f| FunctionStats {
                function: FUNCTIONS[f].name,
                log_group: log_group(f),
                invocations: self.functions[f].invocations,
                cold_starts: self.functions[f].cold_starts,
                suppressed_inits: self.functions[f].suppressed_inits,
                errors: self.functions[f].errors,
                timeouts: self.functions[f].timeouts,
            })
            .collect()
    }
}

/// The simulation and its outputs.
pub(super) struct Sim {
    rng: ChaCha8Rng,
    /// Log groups: access log, then one per function (`F_* + 1`).
    pub groups: Vec<LogGroupOut>,
    /// X-Ray output.
    pub traces: TraceOut,
    pools: [Vec<Env>; 4],
    /// Usage per day.
    pub ledger: Ledger,
    /// Counters.
    pub counters: Counters,
    /// One fully successful, sampled POST request, for investigations.
    pub example: Option<DemoExample>,
    start_us: i64,
    days: usize,
    api_id: String,
    access_streams: Vec<u32>,
    runtime_arns: [String; 4],
    ips: Vec<String>,
    hour_orders: Vec<u32>,
    hour_failed: Vec<u32>,
}

const USER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    "okhttp/4.12.0",
    "python-requests/2.32.3",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
];

impl Sim {
    pub(super) fn new(root: &std::path::Path, opts: &DemoOptions, start_us: i64) -> Result<Self> {
        let days = opts.days as usize;
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
        let salt: u64 = rng.random();
        let day0_ms = start_us / MS;
        let mut groups = Vec::with_capacity(5);
        groups.push(LogGroupOut::new(
            root,
            ACCESS_LOG_GROUP,
            0,
            salt,
            day0_ms,
            days,
        )?);
        for f in 0..4 {
            groups.push(LogGroupOut::new(
                root,
                &log_group(f),
                f as u64 + 1,
                salt,
                day0_ms,
                days,
            )?);
        }
        let traces = TraceOut::new(root)?;
        let mut sim = Sim {
            rng,
            groups,
            traces,
            pools: [Vec::new(), Vec::new(), Vec::new(), Vec::new()],
            ledger: Ledger::new(days),
            counters: Counters::default(),
            example: None,
            start_us,
            days,
            api_id: String::new(),
            access_streams: Vec::new(),
            runtime_arns: Default::default(),
            ips: Vec::new(),
            hour_orders: vec![0; days * 24 + 1],
            hour_failed: vec![0; days * 24 + 1],
        };
        let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
        sim.api_id = (0..10)
            .map(|_| alphabet[sim.rng.random_range(0..alphabet.len())] as char)
            .collect();
        for _ in 0..6 {
            let name = sim.hex(32);
            let idx = sim.groups[G_ACCESS].add_stream(name);
            sim.access_streams.push(idx);
        }
        for f in 0..4 {
            let h = format!("{}{}", sim.hex(32), sim.hex(32));
            sim.runtime_arns[f] = format!("arn:aws:lambda:{REGION}::runtime:{h}");
        }
        // Clients from the documentation address ranges.
        let nets = ["192.0.2", "198.51.100", "203.0.113"];
        for _ in 0..240 {
            let net = nets[sim.rng.random_range(0..nets.len())];
            let host = sim.rng.random_range(1..255);
            sim.ips.push(format!("{net}.{host}"));
        }
        Ok(sim)
    }

    // ---- randomness helpers ----

    fn hex(&mut self, n: usize) -> String {
        let mut b = Vec::with_capacity(n);
        let mut left = n;
        while left > 0 {
            let k = left.min(16);
            push_hex(&mut b, self.rng.random(), k);
            left -= k;
        }
        String::from_utf8(b).unwrap_or_default()
    }

    fn uuid(&mut self) -> String {
        let a: u64 = self.rng.random();
        let c: u64 = self.rng.random();
        let mut b = Vec::with_capacity(36);
        push_hex(&mut b, a >> 32, 8);
        b.push(b'-');
        push_hex(&mut b, (a >> 16) & 0xffff, 4);
        b.push(b'-');
        push_hex(&mut b, 0x4000 | (a & 0x0fff), 4);
        b.push(b'-');
        push_hex(&mut b, 0x8000 | ((c >> 48) & 0x3fff), 4);
        b.push(b'-');
        push_hex(&mut b, c & 0xffff_ffff_ffff, 12);
        String::from_utf8(b).unwrap_or_default()
    }

    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.rng.random_range(0..alphabet.len())] as char)
            .collect()
    }

    fn trace_id(&mut self, t: i64) -> String {
        let mut b = Vec::with_capacity(35);
        b.extend_from_slice(b"1-");
        push_hex(&mut b, (t / SEC) as u64, 8);
        b.push(b'-');
        push_hex(&mut b, self.rng.random(), 8);
        push_hex(&mut b, self.rng.random(), 16);
        String::from_utf8(b).unwrap_or_default()
    }

    fn id(&mut self) -> u64 {
        self.rng.random()
    }

    fn us(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..=hi)
    }

    /// A latency in `lo..=hi` with a tail: with probability `tail`, 2-6 times longer.
    fn lat(&mut self, lo: i64, hi: i64, tail: f64) -> i64 {
        let v = self.us(lo, hi);
        if self.rng.random_bool(tail) {
            v * self.rng.random_range(2..=6)
        } else {
            v
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn day(&self, t: i64) -> usize {
        ((t - self.start_us).div_euclid(DAY)).clamp(0, self.days as i64 - 1) as usize
    }

    fn hour(&self, t: i64) -> usize {
        ((t - self.start_us).div_euclid(HOUR)).clamp(0, (self.days * 24) as i64) as usize
    }

    // ---- environments ----

    /// An environment for function `f` at `t`: a warm idle one (most recently used first), or a
    /// new one (cold). The environment is marked busy until [`Sim::release`].
    fn acquire(&mut self, f: usize, t: i64) -> (usize, bool) {
        self.pools[f].retain(|e| {
            e.busy_until > t || (t - e.last_end <= e.idle_ttl && t - e.born <= e.max_life)
        });
        let mut best: Option<usize> = None;
        for (i, e) in self.pools[f].iter().enumerate() {
            if e.busy_until <= t && best.is_none_or(|b| e.last_end > self.pools[f][b].last_end) {
                best = Some(i);
            }
        }
        if let Some(i) = best {
            self.pools[f][i].busy_until = i64::MAX;
            return (i, false);
        }
        let hex = self.hex(32);
        let mut name = Vec::with_capacity(56);
        push_date(&mut name, t / MS, b'/');
        name.extend_from_slice(b"/[");
        name.extend_from_slice(FUNCTIONS[f].version.as_bytes());
        name.push(b']');
        name.extend_from_slice(hex.as_bytes());
        let stream = self.groups[f + 1].add_stream(String::from_utf8(name).unwrap_or_default());
        let idle_ttl = self.us(10 * MIN, 30 * MIN);
        let max_life = self.us(2 * HOUR, 5 * HOUR);
        self.pools[f].push(Env {
            stream,
            hex,
            born: t,
            busy_until: i64::MAX,
            last_end: t,
            idle_ttl,
            max_life,
            reinit: false,
        });
        (self.pools[f].len() - 1, true)
    }

    fn release(&mut self, f: usize, env: usize, end: i64, timed_out: bool) {
        if let Some(e) = self.pools[f].get_mut(env) {
            e.busy_until = end;
            e.last_end = end;
            e.reinit = timed_out;
        }
    }

    /// Take the environment's pending re-init (after a timeout): its duration, or 0.
    fn take_reinit(&mut self, f: usize, env: usize) -> i64 {
        let pending = self.pools[f]
            .get_mut(env)
            .is_some_and(|e| std::mem::replace(&mut e.reinit, false));
        if pending {
            self.counters.functions[f].suppressed_inits += 1;
            self.us(FUNCTIONS[f].init_us.0, FUNCTIONS[f].init_us.1)
        } else {
            0
        }
    }

    fn meter(&mut self, f: usize, start: i64, billed_ms: u64) {
        let d = self.day(start);
        self.ledger.lambda_mbms[f][d] += billed_ms * FUNCTIONS[f].memory_mb;
        self.ledger.lambda_requests[f][d] += 1;
    }

    fn emit(&mut self, f: usize, t: i64, stream: u32, msg: Vec<u8>) {
        self.groups[f + 1].push(t.div_euclid(MS), stream, msg);
    }

    fn buf(&mut self, f: usize) -> Vec<u8> {
        self.groups[f + 1].buf()
    }

    fn flush_before(&mut self, t: i64) -> Result<()> {
        let ms = t.div_euclid(MS);
        for g in &mut self.groups {
            g.flush_before(ms)?;
        }
        Ok(())
    }

    // ---- the run ----

    /// Run the whole period: `requests` API requests spread over the traffic curve, and the
    /// hourly batch.
    pub(super) fn run(&mut self, requests: u64) -> Result<()> {
        let minutes = self.days * 1440;
        let (weights, burst) = self.traffic(minutes);
        let total: f64 = weights.iter().sum();
        let mut batches: Vec<i64> = Vec::with_capacity(self.days * 24);
        for h in 0..(self.days * 24) as i64 {
            let jitter = self.us(0, 20 * SEC);
            batches.push(self.start_us + h * HOUR + 17 * MIN + jitter);
        }
        let mut next_batch = 0usize;
        let mut cum = 0.0f64;
        let mut assigned = 0u64;
        let mut arrivals: Vec<i64> = Vec::new();
        for m in 0..minutes {
            cum += weights[m];
            let target = if m + 1 == minutes || total <= 0.0 {
                requests
            } else {
                (((cum / total) * requests as f64) as u64).min(requests)
            };
            let k = target.saturating_sub(assigned);
            assigned += k;
            arrivals.clear();
            let base = self.start_us + m as i64 * MIN;
            for _ in 0..k {
                let off = self.rng.random_range(0..MIN);
                arrivals.push(base + off);
            }
            arrivals.sort_unstable();
            for &t in &arrivals {
                while next_batch < batches.len() && batches[next_batch] <= t {
                    self.batch(batches[next_batch])?;
                    next_batch += 1;
                }
                self.api_request(t, burst[m])?;
            }
        }
        while next_batch < batches.len() {
            self.batch(batches[next_batch])?;
            next_batch += 1;
        }
        for g in &mut self.groups {
            g.finish()?;
        }
        self.traces.finish()
    }

    /// Per-minute weights of the traffic curve: a daily shape, quieter weekends, noise, and a
    /// few bursts (flagged).
    fn traffic(&mut self, minutes: usize) -> (Vec<f64>, Vec<bool>) {
        const HOURLY: [f64; 24] = [
            0.16, 0.10, 0.06, 0.04, 0.04, 0.06, 0.12, 0.28, 0.52, 0.78, 0.94, 1.0, 1.0, 0.97, 0.95,
            0.92, 0.90, 0.86, 0.76, 0.62, 0.50, 0.40, 0.31, 0.23,
        ];
        let mut w = vec![0.0f64; minutes];
        let mut burst = vec![false; minutes];
        let day0 = self.start_us.div_euclid(DAY);
        for d in 0..self.days {
            // 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays.
            let dow = (day0 + d as i64 + 3).rem_euclid(7);
            let weekend = if dow >= 5 { 0.6 } else { 1.0 };
            let day_factor = weekend * self.rng.random_range(0.85..1.15);
            for mi in 0..1440usize {
                let h = mi / 60;
                let frac = (mi % 60) as f64 / 60.0;
                let shape = HOURLY[h] * (1.0 - frac) + HOURLY[(h + 1) % 24] * frac;
                w[d * 1440 + mi] = shape * day_factor * self.rng.random_range(0.7..1.3);
            }
        }
        let n_bursts = 2 + self.days / 7;
        for _ in 0..n_bursts {
            let d = self.rng.random_range(0..self.days);
            let start = self.rng.random_range(8 * 60..20 * 60);
            let len = self.rng.random_range(8..30);
            let factor = self.rng.random_range(6.0..14.0);
            for mi in start..(start + len).min(1440) {
                w[d * 1440 + mi] *= factor;
                burst[d * 1440 + mi] = true;
            }
        }
        (w, burst)
    }

    // ---- API Gateway ----

    fn api_request(&mut self, t0: i64, burst: bool) -> Result<()> {
        self.flush_before(t0)?;
        self.counters.api_requests += 1;
        let sampled = self.chance(XRAY_SAMPLE_RATE);
        let trace = self.trace_id(t0);
        let apigw_id = self.uuid();
        let ext_id = format!(
            "{}=",
            self.chars(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                15
            )
        );
        let ip_idx = {
            // A few heavy clients: square a uniform to skew toward the first addresses.
            let u: f64 = self.rng.random();
            ((u * u) * self.ips.len() as f64) as usize
        };
        let ip = self.ips[ip_idx.min(self.ips.len() - 1)].clone();
        let ua = USER_AGENTS[self.rng.random_range(0..USER_AGENTS.len())];
        let post = self.chance(0.72);
        let throttled = self.chance(if burst { 0.05 } else { 0.002 });
        let cid = self.uuid();
        let order_id = format!(
            "ord_{}",
            self.chars(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", 12)
        );
        let customer = format!("cus_{}", self.us(10_000, 99_999));
        let amount_cents = self.us(500, 25_000) as u64;
        let stage_id = self.id();
        let invoke_sub = self.id();
        let hour = self.hour(t0);
        let ctx = Ctx {
            trace,
            sampled,
            cid,
            order_id,
            customer,
            post,
            burst,
            hour,
            amount_cents,
        };
        let mut segs: Vec<Seg> = Vec::new();
        let t1 = t0 + self.us(3 * MS, 12 * MS);

        let (status, resp_len, integration_ms, t_end, orders) = if throttled {
            self.counters.throttled += 1;
            let t_end = t0 + self.us(MS, 3 * MS);
            (429u16, 31u64, None, t_end, None)
        } else {
            let o = self.orders(t1, &ctx, invoke_sub, &mut segs)?;
            let t_end = o.end + self.us(MS, 4 * MS);
            (
                o.status,
                o.resp_len,
                Some((o.end - t1) / MS),
                t_end,
                Some(o),
            )
        };
        match status {
            400..=499 if status != 429 => self.counters.client_errors += 1,
            500..=599 => self.counters.server_errors += 1,
            _ => {}
        }
        if !throttled {
            let d = self.day(t0);
            self.ledger.api_requests[d] += 1;
        }

        // Access log line: the REST JSON template, rendered when the response is sent.
        let stream = self.access_streams[self.rng.random_range(0..self.access_streams.len())];
        let mut m = self.groups[G_ACCESS].buf();
        m.extend_from_slice(b"{\"requestId\":\"");
        m.extend_from_slice(apigw_id.as_bytes());
        m.extend_from_slice(b"\",\"extendedRequestId\":\"");
        m.extend_from_slice(ext_id.as_bytes());
        m.extend_from_slice(b"\",\"ip\":\"");
        m.extend_from_slice(ip.as_bytes());
        m.extend_from_slice(b"\",\"caller\":\"-\",\"user\":\"-\",\"requestTime\":\"");
        push_clf_time(&mut m, t0 / MS);
        m.extend_from_slice(b"\",\"httpMethod\":\"");
        m.extend_from_slice(if post { b"POST" } else { b"GET" });
        m.extend_from_slice(b"\",\"resourcePath\":\"");
        m.extend_from_slice(if post {
            b"/orders"
        } else {
            b"/orders/{orderId}"
        });
        m.extend_from_slice(b"\",\"status\":\"");
        push_u64(&mut m, status as u64);
        m.extend_from_slice(b"\",\"protocol\":\"HTTP/1.1\",\"responseLength\":\"");
        push_u64(&mut m, resp_len);
        m.extend_from_slice(b"\",\"responseLatency\":\"");
        push_i64(&mut m, (t_end - t0) / MS);
        m.extend_from_slice(b"\",\"integrationLatency\":\"");
        match integration_ms {
            Some(v) => push_i64(&mut m, v),
            None => m.push(b'-'),
        }
        m.extend_from_slice(b"\",\"xrayTraceId\":\"");
        m.extend_from_slice(ctx.trace.as_bytes());
        m.extend_from_slice(b"\"}");
        self.groups[G_ACCESS].push(t_end.div_euclid(MS), stream, m);

        // Notifications run after SNS delivers the message the payment published.
        let mut notified_ok = None;
        if let Some(n) = orders.as_ref().and_then(|o| o.notify.as_ref()) {
            notified_ok = Some(self.notifications(n, &ctx, &mut segs)?);
        }

        if sampled {
            self.counters.sampled += 1;
            let d = self.day(t0);
            self.ledger.xray_traces[d] += 1;
            let path = if post {
                "/orders".to_string()
            } else {
                format!("/orders/{}", ctx.order_id)
            };
            let mut stage = Seg {
                id: stage_id,
                name: format!("orders-api/{STAGE}"),
                start: t0 / MS * MS,
                end: t_end / MS * MS,
                origin: Some("AWS::ApiGateway::Stage"),
                http: Some(Http {
                    method: Some(if post { "POST" } else { "GET" }),
                    url: Some(format!(
                        "https://{}.execute-api.{REGION}.amazonaws.com/{STAGE}{path}",
                        self.api_id
                    )),
                    user_agent: Some(ua),
                    client_ip: Some(ip.clone()),
                    status: Some(status),
                    content_length: Some(0),
                }),
                aws: Some(format!(
                    "{{\"api_gateway\":{{\"account_id\":\"{ACCOUNT}\",\"rest_api_id\":\"{}\",\"stage\":\"{STAGE}\",\"request_id\":\"{apigw_id}\"}}}}",
                    self.api_id
                )),
                annotations: Some(format!(
                    "{{\"aws:api_id\":\"{}\",\"aws:api_stage\":\"{STAGE}\"}}",
                    self.api_id
                )),
                metadata: Some(format!(
                    "{{\"default\":{{\"extended_request_id\":\"{ext_id}\",\"request_id\":\"{apigw_id}\"}}}}"
                )),
                resource_arn: Some(format!(
                    "arn:aws:apigateway:{REGION}::/restapis/{}/stages/{STAGE}",
                    self.api_id
                )),
                throttle: status == 429,
                error: (400..500).contains(&status),
                fault: status >= 500,
                ..Default::default()
            };
            if let Some(o) = &orders {
                stage.subs.push(Seg {
                    id: invoke_sub,
                    name: "Lambda".into(),
                    start: t1 - 200,
                    end: o.end + 300,
                    http: Some(Http {
                        method: Some("POST"),
                        url: Some(format!(
                            "https://lambda.{REGION}.amazonaws.com/2015-03-31/functions/{}/invocations",
                            function_arn(F_ORDERS)
                        )),
                        status: Some(200),
                        content_length: Some(o.resp_len + 70),
                        ..Default::default()
                    }),
                    aws: Some(format!(
                        "{{\"function_name\":\"orders\",\"region\":\"{REGION}\",\"operation\":\"Invoke\",\"resource_names\":[\"orders\"]}}"
                    )),
                    namespace: Some("aws"),
                    ..Default::default()
                });
            }
            segs.push(stage);
            self.traces.write(&ctx.trace, &mut segs)?;
        }

        if self.example.is_none()
            && sampled
            && post
            && status == 201
            && let (Some(o), Some(Some(nreq))) = (&orders, &notified_ok)
            && o.ok
        {
            self.example = Some(DemoExample {
                api_request_id: apigw_id,
                trace_id: ctx.trace.clone(),
                correlation_id: ctx.cid.clone(),
                order_id: ctx.order_id.clone(),
                orders_request_id: o.reqid.clone(),
                payments_request_id: o.payments_reqid.clone().unwrap_or_default(),
                notifications_request_id: nreq.clone(),
            });
        }
        Ok(())
    }

    // ---- Lambda lines ----

    fn report(&mut self, f: usize, r: &ReportLine<'_>) -> Vec<u8> {
        let mut m = self.buf(f);
        m.extend_from_slice(b"REPORT RequestId: ");
        m.extend_from_slice(r.reqid.as_bytes());
        m.extend_from_slice(b"\tDuration: ");
        push_ms2(&mut m, r.duration);
        m.extend_from_slice(b" ms\tBilled Duration: ");
        push_u64(&mut m, r.billed_ms);
        m.extend_from_slice(b" ms\tMemory Size: ");
        push_u64(&mut m, FUNCTIONS[f].memory_mb);
        m.extend_from_slice(b" MB\tMax Memory Used: ");
        push_u64(&mut m, r.max_mem);
        m.extend_from_slice(b" MB\t");
        if let Some(i) = r.init {
            m.extend_from_slice(b"Init Duration: ");
            push_ms2(&mut m, i);
            m.extend_from_slice(b" ms\t");
        }
        if let Some((rd, billed)) = r.restore {
            m.extend_from_slice(b"Restore Duration: ");
            push_ms2(&mut m, rd);
            m.extend_from_slice(b" ms\tBilled Restore Duration: ");
            push_u64(&mut m, billed);
            m.extend_from_slice(b" ms\t");
        }
        if r.timeout_status {
            m.extend_from_slice(b"Status: timeout\t");
        }
        if let Some((trace, seg)) = r.xray {
            m.extend_from_slice(b"\nXRAY TraceId: ");
            m.extend_from_slice(trace.as_bytes());
            m.extend_from_slice(b"\tSegmentId: ");
            push_hex(&mut m, seg, 16);
            m.extend_from_slice(b"\tSampled: true\t");
        }
        m.push(b'\n');
        m
    }

    fn text_platform(&mut self, f: usize, t: i64, stream: u32, parts: &[&[u8]]) {
        let mut m = self.buf(f);
        for p in parts {
            m.extend_from_slice(p);
        }
        m.push(b'\n');
        self.emit(f, t, stream, m);
    }

    /// Node.js text format: `<ts>\t<reqid>\t<LEVEL>\t<msg>\n`.
    fn node_line(&mut self, t: i64, stream: u32, reqid: &str, level: &[u8], msg: &[u8]) {
        let mut m = self.buf(F_ORDERS);
        push_iso_ms(&mut m, t / MS);
        m.push(b'\t');
        m.extend_from_slice(reqid.as_bytes());
        m.push(b'\t');
        m.extend_from_slice(level);
        m.push(b'\t');
        m.extend_from_slice(msg);
        m.push(b'\n');
        self.emit(F_ORDERS, t, stream, m);
    }

    /// Python text format: `[LEVEL]\t<ts>\t<reqid>\t<msg>\n`.
    fn py_line(&mut self, t: i64, stream: u32, reqid: &str, level: &[u8], msg: &[u8]) {
        let mut m = self.buf(F_BATCH);
        m.push(b'[');
        m.extend_from_slice(level);
        m.extend_from_slice(b"]\t");
        push_iso_ms(&mut m, t / MS);
        m.push(b'\t');
        m.extend_from_slice(reqid.as_bytes());
        m.push(b'\t');
        m.extend_from_slice(msg);
        m.push(b'\n');
        self.emit(F_BATCH, t, stream, m);
    }

    /// `<ts> <reqid> Task timed out after N.NN seconds\n`.
    fn timed_out_line(&mut self, f: usize, t: i64, stream: u32, reqid: &str, after: i64) {
        let mut m = self.buf(f);
        push_iso_ms(&mut m, t / MS);
        m.push(b' ');
        m.extend_from_slice(reqid.as_bytes());
        m.extend_from_slice(b" Task timed out after ");
        push_secs2(&mut m, after);
        m.extend_from_slice(b" seconds\n");
        self.emit(f, t, stream, m);
    }

    fn init_start(&mut self, f: usize, t: i64, stream: u32, word: &[u8]) {
        let arn = self.runtime_arns[f].clone();
        self.text_platform(
            f,
            t,
            stream,
            &[
                word,
                b" Runtime Version: ",
                FUNCTIONS[f].runtime.as_bytes(),
                b"\tRuntime Version ARN: ",
                arn.as_bytes(),
            ],
        );
    }

    fn max_mem(&mut self, f: usize) -> u64 {
        let (lo, hi) = FUNCTIONS[f].mem_used;
        self.rng.random_range(lo..=hi)
    }

    fn count(&mut self, f: usize, cold: bool, error: bool, timeout: bool) {
        let c = &mut self.counters.functions[f];
        c.invocations += 1;
        c.cold_starts += cold as u64;
        c.timeouts += timeout as u64;
        c.errors += (error && !timeout) as u64;
    }

    // ---- X-Ray helpers ----

    fn function_aws(f: usize) -> String {
        format!(
            "{{\"account_id\":\"{ACCOUNT}\",\"function_arn\":\"{}\",\"resource_names\":[\"{}\"]}}",
            function_arn(f),
            FUNCTIONS[f].name
        )
    }

    fn cause(&mut self, message: &str, ty: &str, path: &str, line: u32, label: &str) -> String {
        let id = self.id();
        let mut b = Vec::new();
        b.extend_from_slice(b"{\"working_directory\":\"/var/task\",\"exceptions\":[{\"id\":");
        b.push(b'"');
        push_hex(&mut b, id, 16);
        b.extend_from_slice(b"\",\"message\":");
        push_json_str(&mut b, message.as_bytes());
        b.extend_from_slice(b",\"type\":");
        push_json_str(&mut b, ty.as_bytes());
        b.extend_from_slice(b",\"remote\":false,\"stack\":[{\"path\":");
        push_json_str(&mut b, path.as_bytes());
        b.extend_from_slice(b",\"line\":");
        push_u64(&mut b, line as u64);
        b.extend_from_slice(b",\"label\":");
        push_json_str(&mut b, label.as_bytes());
        b.extend_from_slice(b"}]}]}");
        String::from_utf8(b).unwrap_or_default()
    }

    fn ddb_sub(
        &mut self,
        table: &str,
        op: &str,
        start: i64,
        end: i64,
        fault: bool,
        segs: &mut Vec<Seg>,
    ) -> Seg {
        let id = self.id();
        let req = self.chars(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 52);
        let aws = format!(
            "{{\"operation\":\"{op}\",\"region\":\"{REGION}\",\"request_id\":\"{req}\",\"retries\":0,\"table_name\":\"{table}\",\"resource_names\":[\"{table}\"]}}"
        );
        let http = if fault {
            None
        } else {
            Some(Http {
                status: Some(200),
                content_length: Some(2),
                ..Default::default()
            })
        };
        let inferred_id = self.id();
        segs.push(Seg {
            id: inferred_id,
            name: "DynamoDB".into(),
            start,
            end,
            parent: Some(id),
            origin: Some("AWS::DynamoDB::Table"),
            inferred: true,
            fault,
            http: if fault {
                None
            } else {
                Some(Http {
                    status: Some(200),
                    content_length: Some(2),
                    ..Default::default()
                })
            },
            aws: Some(aws.clone()),
            ..Default::default()
        });
        Seg {
            id,
            name: "DynamoDB".into(),
            start,
            end,
            fault,
            http,
            aws: Some(aws),
            namespace: Some("aws"),
            ..Default::default()
        }
    }

    /// The `AWS::Lambda` service segment and the `AWS::Lambda::Function` segment of one
    /// invocation.
    #[allow(clippy::too_many_arguments)]
    fn lambda_segments(
        &mut self,
        f: usize,
        ids: (u64, u64),
        parent: u64,
        reqid: &str,
        arrive: i64,
        init: Option<(i64, i64, &'static str)>,
        run: (i64, i64, i64),
        children: Vec<Seg>,
        failure: Option<String>,
        dwell_until: Option<i64>,
    ) -> [Seg; 2] {
        let (lambda_id, func_id) = ids;
        let (start, end, ov_end) = run;
        let mut service = Seg {
            id: lambda_id,
            name: FUNCTIONS[f].name.into(),
            start: arrive,
            end: ov_end + 200,
            parent: Some(parent),
            origin: Some("AWS::Lambda"),
            http: Some(Http {
                status: Some(if dwell_until.is_some() { 202 } else { 200 }),
                ..Default::default()
            }),
            aws: Some(format!("{{\"request_id\":\"{reqid}\"}}")),
            resource_arn: Some(function_arn(f)),
            ..Default::default()
        };
        if let Some(d) = dwell_until {
            let (a, b) = (self.id(), self.id());
            service.subs.push(Seg {
                id: a,
                name: "Dwell Time".into(),
                start: arrive,
                end: d,
                ..Default::default()
            });
            service.subs.push(Seg {
                id: b,
                name: "Attempt #1".into(),
                start: d,
                end: ov_end + 200,
                http: Some(Http {
                    status: Some(200),
                    ..Default::default()
                }),
                fault: failure.is_some(),
                ..Default::default()
            });
        }
        let aws = Self::function_aws(f);
        let mut func = Seg {
            id: func_id,
            name: FUNCTIONS[f].name.into(),
            start,
            end: ov_end,
            parent: Some(lambda_id),
            origin: Some("AWS::Lambda::Function"),
            aws: Some(aws.clone()),
            fault: failure.is_some(),
            cause: failure,
            ..Default::default()
        };
        let fa = format!("{{\"function_arn\":\"{}\"}}", function_arn(f));
        if let Some((s, e, name)) = init {
            let id = self.id();
            func.subs.push(Seg {
                id,
                name: name.into(),
                start: s,
                end: e,
                aws: Some(fa.clone()),
                ..Default::default()
            });
        }
        let (inv, ovh) = (self.id(), self.id());
        func.subs.push(Seg {
            id: inv,
            name: "Invocation".into(),
            start,
            end,
            aws: Some(fa.clone()),
            fault: func.fault,
            subs: children,
            ..Default::default()
        });
        if ov_end > end {
            func.subs.push(Seg {
                id: ovh,
                name: "Overhead".into(),
                start: end,
                end: ov_end,
                aws: Some(fa),
                ..Default::default()
            });
        }
        [service, func]
    }

    // ---- orders (Node.js, text format) ----

    fn orders(
        &mut self,
        t1: i64,
        ctx: &Ctx,
        parent: u64,
        segs: &mut Vec<Seg>,
    ) -> Result<OrdersOut> {
        let f = F_ORDERS;
        let (env, cold) = self.acquire(f, t1);
        let stream = self.pools[f][env].stream;
        let reqid = self.uuid();
        let ids = (self.id(), self.id());
        let init = if cold {
            self.us(FUNCTIONS[f].init_us.0, FUNCTIONS[f].init_us.1)
        } else {
            0
        };
        let reinit = self.take_reinit(f, env);
        if cold {
            self.init_start(f, t1, stream, b"INIT_START");
        }
        let s = t1 + init + if cold { self.us(200, 900) } else { 0 };
        self.text_platform(
            f,
            s,
            stream,
            &[b"START RequestId: ", reqid.as_bytes(), b" Version: $LATEST"],
        );
        let mut c = s + reinit + self.us(300, 2500);
        let msg = if ctx.post {
            let items = 1 + (ctx.amount_cents % 5);
            format!(
                "Creating order {} for customer {} with {items} items, total {}.{:02} EUR (correlation_id={})",
                ctx.order_id,
                ctx.customer,
                ctx.amount_cents / 100,
                ctx.amount_cents % 100,
                ctx.cid
            )
        } else {
            format!(
                "Fetching order {} (correlation_id={})",
                ctx.order_id, ctx.cid
            )
        };
        self.node_line(c, stream, &reqid, b"INFO", msg.as_bytes());
        c += self.us(100, 600);
        let ddb_start = c;
        let timeout = self.chance(if ctx.burst { 0.02 } else { 0.002 });
        let mut children = Vec::new();
        let mut sub_segs = Vec::new();
        let end;
        let status;
        let resp_len;
        let failure;
        let mut ok;
        let mut payments_reqid = None;
        let mut notify = None;
        let mut error_line = false;
        if timeout {
            end = s + FUNCTIONS[f].timeout_us;
            if ctx.sampled {
                let op = if ctx.post { "PutItem" } else { "GetItem" };
                children.push(self.ddb_sub(ORDERS_TABLE, op, ddb_start, end, true, &mut sub_segs));
            }
            self.timed_out_line(f, end, stream, &reqid, FUNCTIONS[f].timeout_us + 10 * MS);
            status = 502;
            resp_len = 36;
            failure = if ctx.sampled {
                Some(self.cause(
                    "Task timed out after 6.01 seconds",
                    "Sandbox.Timedout",
                    "/var/task/index.mjs",
                    57,
                    "handler",
                ))
            } else {
                None
            };
            ok = false;
        } else {
            let ddb_end = ddb_start + self.lat(6 * MS, 25 * MS, 0.03);
            let di = self.day(ddb_start);
            if ctx.post {
                self.ledger.ddb_writes[0][di] += 1;
            } else {
                self.ledger.ddb_reads[0][di] += 1;
            }
            if ctx.sampled {
                let op = if ctx.post { "PutItem" } else { "GetItem" };
                children.push(self.ddb_sub(
                    ORDERS_TABLE,
                    op,
                    ddb_start,
                    ddb_end,
                    false,
                    &mut sub_segs,
                ));
            }
            c = ddb_end + self.us(200, 1500);
            if ctx.post {
                self.hour_orders[ctx.hour] += 1;
                if self.chance(0.008) {
                    let e = "Cannot read properties of undefined (reading 'sku')";
                    let msg = format!(
                        "Invoke Error \t{{\"errorType\":\"TypeError\",\"errorMessage\":\"{e}\",\"stack\":[\"TypeError: {e}\",\"    at buildLineItems (/var/task/index.mjs:88:31)\",\"    at Array.map (<anonymous>)\",\"    at Runtime.handler (/var/task/index.mjs:41:28)\"]}}"
                    );
                    self.node_line(c, stream, &reqid, b"ERROR", msg.as_bytes());
                    error_line = true;
                    end = c + self.us(300, 1500);
                    status = 502;
                    resp_len = 36;
                    failure = if ctx.sampled {
                        Some(self.cause(
                            e,
                            "TypeError",
                            "/var/task/index.mjs",
                            88,
                            "buildLineItems",
                        ))
                    } else {
                        None
                    };
                    self.hour_failed[ctx.hour] += 1;
                    ok = false;
                } else {
                    let inv_start = c;
                    let inv_sub = self.id();
                    let arrive = inv_start + self.us(2 * MS, 6 * MS);
                    let p = self.payments(arrive, ctx, inv_sub, &mut sub_segs)?;
                    let inv_end = p.end + self.us(MS, 3 * MS);
                    c = inv_end + self.us(200, 1000);
                    let inv_fault = !matches!(p.result, PayResult::Captured { .. });
                    if ctx.sampled {
                        children.push(Seg {
                            id: inv_sub,
                            name: "Lambda".into(),
                            start: inv_start,
                            end: inv_end,
                            fault: inv_fault,
                            http: Some(Http { status: Some(200), content_length: Some(120), ..Default::default() }),
                            aws: Some(format!(
                                "{{\"function_name\":\"payments\",\"region\":\"{REGION}\",\"operation\":\"Invoke\",\"request_id\":\"{}\",\"resource_names\":[\"payments\"]}}",
                                p.reqid
                            )),
                            namespace: Some("aws"),
                            ..Default::default()
                        });
                    }
                    payments_reqid = Some(p.reqid.clone());
                    failure = None;
                    match p.result {
                        PayResult::Captured {
                            payment_id,
                            notify: n,
                        } => {
                            let msg = format!(
                                "Order {} confirmed, payment {payment_id} captured",
                                ctx.order_id
                            );
                            self.node_line(c, stream, &reqid, b"INFO", msg.as_bytes());
                            status = 201;
                            resp_len = 96 + (ctx.amount_cents % 40);
                            notify = Some(n);
                            ok = true;
                        }
                        PayResult::Declined => {
                            let msg = format!(
                                "Payment failed for order {}: PaymentProviderError: card_declined (payments request {})",
                                ctx.order_id, p.reqid
                            );
                            self.node_line(c, stream, &reqid, b"ERROR", msg.as_bytes());
                            error_line = true;
                            status = 502;
                            resp_len = 44;
                            self.hour_failed[ctx.hour] += 1;
                            ok = false;
                        }
                        PayResult::TimedOut => {
                            let msg = format!(
                                "Payment failed for order {}: payments timed out after 3.00 seconds (payments request {})",
                                ctx.order_id, p.reqid
                            );
                            self.node_line(c, stream, &reqid, b"ERROR", msg.as_bytes());
                            error_line = true;
                            status = 504;
                            resp_len = 40;
                            self.hour_failed[ctx.hour] += 1;
                            ok = false;
                        }
                    }
                    end = c + self.us(300, 1500);
                }
            } else {
                failure = None;
                ok = true;
                if self.chance(0.04) {
                    let msg = format!("Order {} not found", ctx.order_id);
                    self.node_line(c, stream, &reqid, b"WARN", msg.as_bytes());
                    status = 404;
                    resp_len = 29;
                } else {
                    let msg = format!("Order {} found (status=CONFIRMED)", ctx.order_id);
                    self.node_line(c, stream, &reqid, b"INFO", msg.as_bytes());
                    status = 200;
                    resp_len = 300 + ctx.amount_cents % 600;
                }
                end = c + self.us(200, 1000);
            }
        }
        let duration = end - s;
        let billed = ((duration + init + MS - 1) / MS) as u64;
        let ov_end = end + if timeout { 0 } else { self.us(150, 600) };
        self.text_platform(f, end, stream, &[b"END RequestId: ", reqid.as_bytes()]);
        let max_mem = self.max_mem(f);
        let r = ReportLine {
            reqid: &reqid,
            duration,
            billed_ms: if timeout {
                (FUNCTIONS[f].timeout_us / MS) as u64 + ((init + MS - 1) / MS) as u64
            } else {
                billed
            },
            max_mem,
            init: cold.then_some(init),
            restore: None,
            timeout_status: timeout,
            xray: ctx.sampled.then_some((ctx.trace.as_str(), ids.0)),
        };
        let billed_ms = r.billed_ms;
        let m = self.report(f, &r);
        self.emit(f, end, stream, m);
        self.release(f, env, ov_end, timeout);
        self.meter(f, t1, billed_ms);
        self.count(f, cold, error_line, timeout);
        if ctx.sampled {
            let init_span = cold.then_some((t1 + 300, t1 + init, "Initialization"));
            let [a, b] = self.lambda_segments(
                f,
                ids,
                parent,
                &reqid,
                t1,
                init_span,
                (s, end, ov_end),
                children,
                failure,
                None,
            );
            segs.push(a);
            segs.push(b);
            segs.append(&mut sub_segs);
        }
        if status >= 500 {
            ok = false;
        }
        Ok(OrdersOut {
            end: ov_end,
            status,
            resp_len,
            reqid,
            payments_reqid,
            notify,
            ok,
        })
    }

    // ---- payments (Python, Lambda JSON log format + Powertools) ----

    fn json_platform_head(&mut self, m: &mut Vec<u8>, t: i64, ty: &[u8]) {
        m.extend_from_slice(b"{\"time\":\"");
        push_iso_ms(m, t / MS);
        m.extend_from_slice(b"\",\"type\":\"");
        m.extend_from_slice(ty);
        m.extend_from_slice(b"\",\"record\":{");
    }

    fn tracing(m: &mut Vec<u8>, span: u64, trace: &str, parent: u64, sampled: bool) {
        m.extend_from_slice(b"\"tracing\":{\"spanId\":\"");
        push_hex(m, span, 16);
        m.extend_from_slice(b"\",\"type\":\"X-Amzn-Trace-Id\",\"value\":\"Root=");
        m.extend_from_slice(trace.as_bytes());
        m.extend_from_slice(b";Parent=");
        push_hex(m, parent, 16);
        m.extend_from_slice(if sampled {
            b";Sampled=1\"}"
        } else {
            b";Sampled=0\"}"
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn powertools_py(
        &mut self,
        t: i64,
        stream: u32,
        level: &str,
        location: &str,
        message: &str,
        cold: bool,
        reqid: &str,
        ctx: &Ctx,
        extra: &str,
    ) {
        let mut m = self.buf(F_PAYMENTS);
        m.extend_from_slice(b"{\"level\":\"");
        m.extend_from_slice(level.as_bytes());
        m.extend_from_slice(b"\",\"location\":\"");
        m.extend_from_slice(location.as_bytes());
        m.extend_from_slice(b"\",\"message\":");
        push_json_str(&mut m, message.as_bytes());
        m.extend_from_slice(b",\"timestamp\":\"");
        push_py_ts(&mut m, t / MS);
        m.extend_from_slice(b"\",\"service\":\"payments\",\"cold_start\":");
        m.extend_from_slice(if cold { b"true" } else { b"false" });
        m.extend_from_slice(
            b",\"function_name\":\"payments\",\"function_memory_size\":\"512\",\"function_arn\":\"",
        );
        m.extend_from_slice(function_arn(F_PAYMENTS).as_bytes());
        m.extend_from_slice(b"\",\"function_request_id\":\"");
        m.extend_from_slice(reqid.as_bytes());
        m.extend_from_slice(b"\",\"correlation_id\":\"");
        m.extend_from_slice(ctx.cid.as_bytes());
        m.extend_from_slice(b"\",\"xray_trace_id\":\"");
        m.extend_from_slice(ctx.trace.as_bytes());
        m.push(b'"');
        m.extend_from_slice(extra.as_bytes());
        m.extend_from_slice(b"}\n");
        self.emit(F_PAYMENTS, t, stream, m);
    }

    fn payments(&mut self, t: i64, ctx: &Ctx, parent: u64, segs: &mut Vec<Seg>) -> Result<PayOut> {
        let f = F_PAYMENTS;
        let (env, cold) = self.acquire(f, t);
        let stream = self.pools[f][env].stream;
        let env_hex = self.pools[f][env].hex.clone();
        let reqid = self.uuid();
        let ids = (self.id(), self.id());
        let init = if cold {
            self.us(FUNCTIONS[f].init_us.0, FUNCTIONS[f].init_us.1)
        } else {
            0
        };
        let reinit = self.take_reinit(f, env);
        if cold {
            let mut m = self.buf(f);
            self.json_platform_head(&mut m, t, b"platform.initStart");
            m.extend_from_slice(
                b"\"initializationType\":\"on-demand\",\"phase\":\"init\",\"runtimeVersion\":\"",
            );
            m.extend_from_slice(FUNCTIONS[f].runtime.as_bytes());
            m.extend_from_slice(b"\",\"runtimeVersionArn\":\"");
            m.extend_from_slice(self.runtime_arns[f].as_bytes());
            m.extend_from_slice(b"\",\"functionName\":\"payments\",\"functionVersion\":\"$LATEST\",\"instanceId\":\"");
            push_date(&mut m, t / MS, b'/');
            m.extend_from_slice(b"/payments[$LATEST]");
            m.extend_from_slice(env_hex.as_bytes());
            m.extend_from_slice(b"\",\"instanceMaxMemory\":536870912}}");
            self.emit(f, t, stream, m);
            let mut m = self.buf(f);
            self.json_platform_head(&mut m, t + init, b"platform.initRuntimeDone");
            m.extend_from_slice(
                b"\"initializationType\":\"on-demand\",\"phase\":\"init\",\"status\":\"success\"}}",
            );
            self.emit(f, t + init, stream, m);
            let mut m = self.buf(f);
            self.json_platform_head(&mut m, t + init, b"platform.initReport");
            m.extend_from_slice(
                b"\"initializationType\":\"on-demand\",\"phase\":\"init\",\"status\":\"success\",\"metrics\":{\"durationMs\":",
            );
            push_ms3(&mut m, init);
            m.extend_from_slice(b"}}}");
            self.emit(f, t + init, stream, m);
        }
        let s = t + init + if cold { self.us(200, 900) } else { 0 };
        let mut m = self.buf(f);
        self.json_platform_head(&mut m, s, b"platform.start");
        m.extend_from_slice(b"\"requestId\":\"");
        m.extend_from_slice(reqid.as_bytes());
        m.extend_from_slice(b"\",\"functionArn\":\"");
        m.extend_from_slice(function_arn(f).as_bytes());
        m.extend_from_slice(b"\",\"version\":\"$LATEST\",");
        Self::tracing(&mut m, ids.0, &ctx.trace, parent, ctx.sampled);
        m.extend_from_slice(b"}}");
        self.emit(f, s, stream, m);

        // A re-initialised runtime has fresh module state: Powertools reports a cold start.
        let pt_cold = cold || reinit > 0;
        let mut c = s + reinit + self.us(500, 2500);
        let amount = format!("{}.{:02}", ctx.amount_cents / 100, ctx.amount_cents % 100);
        let extra = format!(
            ",\"order_id\":\"{}\",\"amount\":\"{amount}\",\"currency\":\"EUR\"",
            ctx.order_id
        );
        self.powertools_py(
            c,
            stream,
            "INFO",
            "handler:48",
            "Collecting payment",
            pt_cold,
            &reqid,
            ctx,
            &extra,
        );
        let psp_start = c + self.us(100, 400);
        let timeout = self.chance(if ctx.burst { 0.01 } else { 0.002 });
        let mut handler_children = Vec::new();
        let mut sub_segs = Vec::new();
        let end;
        let result;
        let mut failure = None;
        let mut status: &[u8] = b"success";
        if timeout {
            end = s + FUNCTIONS[f].timeout_us;
            let warn_at = psp_start + SEC;
            self.powertools_py(
                warn_at,
                stream,
                "WARNING",
                "charge:77",
                "Payment provider slow to respond, still waiting",
                pt_cold,
                &reqid,
                ctx,
                &format!(",\"order_id\":\"{}\",\"waited_ms\":1000", ctx.order_id),
            );
            if ctx.sampled {
                let id = self.id();
                handler_children.push(Seg {
                    id,
                    name: PSP_HOST.into(),
                    start: psp_start,
                    end,
                    fault: true,
                    http: Some(Http {
                        method: Some("POST"),
                        url: Some(format!("https://{PSP_HOST}/v1/charges")),
                        ..Default::default()
                    }),
                    namespace: Some("remote"),
                    ..Default::default()
                });
                failure = Some(self.cause(
                    "Task timed out after 3.00 seconds",
                    "Sandbox.Timedout",
                    "/var/task/app.py",
                    77,
                    "charge",
                ));
            }
            status = b"timeout";
            result = PayResult::TimedOut;
        } else {
            let psp_end = psp_start + self.lat(40 * MS, 220 * MS, 0.04);
            let declined = self.chance(0.012);
            if ctx.sampled {
                let id = self.id();
                handler_children.push(Seg {
                    id,
                    name: PSP_HOST.into(),
                    start: psp_start,
                    end: psp_end,
                    error: declined,
                    http: Some(Http {
                        method: Some("POST"),
                        url: Some(format!("https://{PSP_HOST}/v1/charges")),
                        status: Some(if declined { 402 } else { 200 }),
                        content_length: Some(if declined { 88 } else { 412 }),
                        ..Default::default()
                    }),
                    namespace: Some("remote"),
                    ..Default::default()
                });
            }
            c = psp_end + self.us(200, 600);
            if declined {
                let tb = "Traceback (most recent call last):\n  File \"/var/task/app.py\", line 61, in handler\n    charge = provider.charge(order)\n  File \"/var/task/psp.py\", line 34, in charge\n    raise PaymentProviderError(body[\"error\"][\"code\"])\npsp.PaymentProviderError: card_declined";
                let mut extra = format!(
                    ",\"order_id\":\"{}\",\"exception_name\":\"PaymentProviderError\",\"exception\":",
                    ctx.order_id
                );
                let mut eb = Vec::new();
                push_json_str(&mut eb, tb.as_bytes());
                extra.push_str(&String::from_utf8_lossy(&eb));
                self.powertools_py(
                    c,
                    stream,
                    "ERROR",
                    "handler:63",
                    "Payment provider rejected the charge",
                    pt_cold,
                    &reqid,
                    ctx,
                    &extra,
                );
                // The runtime's own record of the unhandled exception (JSON log format).
                let te = c + self.us(300, 900);
                let mut m = self.buf(f);
                m.extend_from_slice(b"{\"timestamp\": \"");
                push_iso_s(&mut m, te / MS);
                m.extend_from_slice(b"\", \"level\": \"ERROR\", \"errorMessage\": \"card_declined\", \"errorType\": \"PaymentProviderError\", \"requestId\": \"");
                m.extend_from_slice(reqid.as_bytes());
                m.extend_from_slice(b"\", \"stackTrace\": [\"  File \\\"/var/task/app.py\\\", line 61, in handler\\n    charge = provider.charge(order)\\n\", \"  File \\\"/var/task/psp.py\\\", line 34, in charge\\n    raise PaymentProviderError(body[\\\"error\\\"][\\\"code\\\"])\\n\"]}\n");
                self.emit(f, te, stream, m);
                end = te + self.us(500, 2000);
                if ctx.sampled {
                    failure = Some(self.cause(
                        "card_declined",
                        "PaymentProviderError",
                        "/var/task/psp.py",
                        34,
                        "charge",
                    ));
                }
                status = b"error";
                result = PayResult::Declined;
            } else {
                let ddb_start = c;
                let ddb_end = ddb_start + self.lat(5 * MS, 20 * MS, 0.03);
                let d = self.day(ddb_start);
                self.ledger.ddb_writes[1][d] += 1;
                let sns_start = ddb_end + self.us(200, 800);
                let sns_end = sns_start + self.lat(15 * MS, 45 * MS, 0.03);
                let d = self.day(sns_start);
                self.ledger.sns_publishes[d] += 1;
                let message_id = self.uuid();
                let sns_req = self.uuid();
                let sns_sub = self.id();
                let sns_seg = self.id();
                if ctx.sampled {
                    handler_children.push(self.ddb_sub(
                        PAYMENTS_TABLE,
                        "PutItem",
                        ddb_start,
                        ddb_end,
                        false,
                        &mut sub_segs,
                    ));
                    let aws = format!(
                        "{{\"operation\":\"Publish\",\"region\":\"{REGION}\",\"request_id\":\"{sns_req}\",\"retries\":0,\"topic_arn\":\"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC}\"}}"
                    );
                    handler_children.push(Seg {
                        id: sns_sub,
                        name: "SNS".into(),
                        start: sns_start,
                        end: sns_end,
                        http: Some(Http {
                            status: Some(200),
                            ..Default::default()
                        }),
                        aws: Some(aws.clone()),
                        namespace: Some("aws"),
                        ..Default::default()
                    });
                    sub_segs.push(Seg {
                        id: sns_seg,
                        name: "SNS".into(),
                        start: sns_start,
                        end: sns_end,
                        parent: Some(sns_sub),
                        origin: Some("AWS::SNS"),
                        inferred: true,
                        http: Some(Http {
                            status: Some(200),
                            ..Default::default()
                        }),
                        aws: Some(aws),
                        ..Default::default()
                    });
                }
                let payment_id = format!(
                    "pay_{}",
                    self.chars(b"0123456789abcdefghijklmnopqrstuvwxyz", 14)
                );
                c = sns_end + self.us(200, 800);
                let extra = format!(
                    ",\"order_id\":\"{}\",\"payment_id\":\"{payment_id}\",\"amount\":\"{amount}\",\"sns_message_id\":\"{message_id}\"",
                    ctx.order_id
                );
                self.powertools_py(
                    c,
                    stream,
                    "INFO",
                    "handler:72",
                    "Payment captured",
                    pt_cold,
                    &reqid,
                    ctx,
                    &extra,
                );
                end = c + self.us(300, 1500);
                let at = sns_end + self.lat(30 * MS, 180 * MS, 0.02);
                result = PayResult::Captured {
                    payment_id,
                    notify: Notify {
                        at,
                        sns_seg,
                        message_id,
                    },
                };
            }
        }
        let duration = end - s;
        let ov_end = end + self.us(150, 600);
        let max_mem = self.max_mem(f);
        // platform.runtimeDone, then platform.report.
        let mut m = self.buf(f);
        self.json_platform_head(&mut m, end, b"platform.runtimeDone");
        m.extend_from_slice(b"\"requestId\":\"");
        m.extend_from_slice(reqid.as_bytes());
        m.extend_from_slice(b"\",\"status\":\"");
        m.extend_from_slice(status);
        m.extend_from_slice(b"\",");
        Self::tracing(&mut m, ids.0, &ctx.trace, parent, ctx.sampled);
        m.extend_from_slice(b",\"spans\":[{\"name\":\"responseLatency\",\"start\":\"");
        push_iso_ms(&mut m, s / MS);
        m.extend_from_slice(b"\",\"durationMs\":");
        push_ms3(&mut m, (duration - 400).max(0));
        m.extend_from_slice(b"},{\"name\":\"responseDuration\",\"start\":\"");
        push_iso_ms(&mut m, (end - 400) / MS);
        m.extend_from_slice(b"\",\"durationMs\":0.049},{\"name\":\"runtimeOverhead\",\"start\":\"");
        push_iso_ms(&mut m, (end - 350) / MS);
        m.extend_from_slice(b"\",\"durationMs\":0.278}],\"metrics\":{\"durationMs\":");
        push_ms3(&mut m, duration);
        m.extend_from_slice(b",\"producedBytes\":");
        push_u64(&mut m, if status == b"success" { 176 } else { 0 });
        m.extend_from_slice(b"}}}");
        self.emit(f, end, stream, m);

        let billed = if timeout {
            (FUNCTIONS[f].timeout_us / MS) as u64 + ((init + MS - 1) / MS) as u64
        } else {
            ((duration + init + MS - 1) / MS) as u64
        };
        let report_at = end + self.us(100, 700);
        let mut m = self.buf(f);
        self.json_platform_head(&mut m, report_at, b"platform.report");
        m.extend_from_slice(b"\"requestId\":\"");
        m.extend_from_slice(reqid.as_bytes());
        m.extend_from_slice(b"\",\"metrics\":{\"durationMs\":");
        push_ms3(&mut m, duration);
        m.extend_from_slice(b",\"billedDurationMs\":");
        push_u64(&mut m, billed);
        m.extend_from_slice(b",\"memorySizeMB\":512,\"maxMemoryUsedMB\":");
        push_u64(&mut m, max_mem);
        if cold {
            m.extend_from_slice(b",\"initDurationMs\":");
            push_ms3(&mut m, init);
        }
        m.extend_from_slice(b"},");
        Self::tracing(&mut m, ids.0, &ctx.trace, parent, ctx.sampled);
        m.extend_from_slice(b",\"status\":\"");
        m.extend_from_slice(status);
        m.extend_from_slice(b"\"}}");
        self.emit(f, report_at, stream, m);

        self.release(f, env, ov_end.max(report_at), timeout);
        self.meter(f, t, billed);
        self.count(f, cold, status == b"error", timeout);
        if ctx.sampled {
            let hid = self.id();
            let handler = Seg {
                id: hid,
                name: "## handler".into(),
                start: s + reinit + 300,
                end: end - 200,
                fault: failure.is_some(),
                annotations: Some(format!(
                    "{{\"ColdStart\":{pt_cold},\"Service\":\"payments\",\"correlation_id\":\"{}\"}}",
                    ctx.cid
                )),
                subs: handler_children,
                ..Default::default()
            };
            let init_span = cold.then_some((t + 200, t + init, "Initialization"));
            let [a, b] = self.lambda_segments(
                f,
                ids,
                parent,
                &reqid,
                t,
                init_span,
                (s, end, ov_end),
                vec![handler],
                failure,
                None,
            );
            segs.push(a);
            segs.push(b);
            segs.append(&mut sub_segs);
        }
        Ok(PayOut {
            end: ov_end,
            reqid,
            result,
        })
    }

    // ---- notifications (Java 21 with SnapStart, text format + Powertools for Java) ----

    #[allow(clippy::too_many_arguments)]
    fn powertools_java(
        &mut self,
        t: i64,
        stream: u32,
        level: &str,
        message: &str,
        cold: bool,
        reqid: &str,
        ctx: &Ctx,
        extra: &str,
    ) {
        let f = F_NOTIFY;
        let mut m = self.buf(f);
        m.extend_from_slice(b"{\"level\":\"");
        m.extend_from_slice(level.as_bytes());
        m.extend_from_slice(b"\",\"message\":");
        push_json_str(&mut m, message.as_bytes());
        m.extend_from_slice(b",\"cold_start\":");
        m.extend_from_slice(if cold { b"true" } else { b"false" });
        m.extend_from_slice(b",\"function_arn\":\"");
        m.extend_from_slice(function_arn(f).as_bytes());
        m.push(b':');
        m.extend_from_slice(FUNCTIONS[f].version.as_bytes());
        m.extend_from_slice(b"\",\"function_memory_size\":1024,\"function_name\":\"notifications\",\"function_request_id\":\"");
        m.extend_from_slice(reqid.as_bytes());
        m.extend_from_slice(b"\",\"function_version\":\"");
        m.extend_from_slice(FUNCTIONS[f].version.as_bytes());
        m.extend_from_slice(
            b"\",\"sampling_rate\":0.0,\"service\":\"notifications\",\"timestamp\":\"",
        );
        push_iso_ms(&mut m, t / MS);
        m.extend_from_slice(b"\",\"xray_trace_id\":\"");
        m.extend_from_slice(ctx.trace.as_bytes());
        m.extend_from_slice(b"\",\"correlation_id\":\"");
        m.extend_from_slice(ctx.cid.as_bytes());
        m.push(b'"');
        m.extend_from_slice(extra.as_bytes());
        m.extend_from_slice(b"}\n");
        self.emit(f, t, stream, m);
    }

    /// Returns the request ID when the notification was sent without error.
    fn notifications(
        &mut self,
        n: &Notify,
        ctx: &Ctx,
        segs: &mut Vec<Seg>,
    ) -> Result<Option<String>> {
        let f = F_NOTIFY;
        let dwell_end = n.at + self.us(5 * MS, 40 * MS);
        let t = dwell_end;
        let (env, cold) = self.acquire(f, t);
        let stream = self.pools[f][env].stream;
        let reqid = self.uuid();
        let ids = (self.id(), self.id());
        let restore = if cold {
            self.us(FUNCTIONS[f].init_us.0, FUNCTIONS[f].init_us.1)
        } else {
            0
        };
        let reinit = self.take_reinit(f, env);
        if cold {
            self.init_start(f, t, stream, b"RESTORE_START");
            let mut m = self.buf(f);
            m.extend_from_slice(b"RESTORE_REPORT Restore Duration: ");
            push_ms2(&mut m, restore);
            m.extend_from_slice(b" ms\n");
            self.emit(f, t + restore, stream, m);
        }
        let s = t + restore + if cold { self.us(MS, 4 * MS) } else { 0 };
        self.text_platform(
            f,
            s,
            stream,
            &[
                b"START RequestId: ",
                reqid.as_bytes(),
                b" Version: ",
                FUNCTIONS[f].version.as_bytes(),
            ],
        );
        // The first invocation after a restore pays for class loading and JIT.
        let warmup = if cold { self.us(80 * MS, 300 * MS) } else { 0 };
        let mut c = s + reinit + warmup + self.us(MS, 5 * MS);
        let extra = format!(
            ",\"order_id\":\"{}\",\"channel\":\"email\",\"sns_message_id\":\"{}\"",
            ctx.order_id, n.message_id
        );
        self.powertools_java(
            c,
            stream,
            "INFO",
            "Sending order confirmation",
            cold,
            &reqid,
            ctx,
            &extra,
        );
        c += self.lat(20 * MS, 120 * MS, 0.03);
        let failed = self.chance(0.01);
        let mut failure = None;
        if failed {
            let extra = format!(
                ",\"order_id\":\"{}\",\"error\":{{\"message\":\"Connect timed out\",\"name\":\"java.net.SocketTimeoutException\",\"stack\":\"java.net.SocketTimeoutException: Connect timed out\\n\\tat java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:546)\\n\\tat com.example.notify.MailClient.send(MailClient.java:88)\\n\\tat com.example.notify.Handler.handleRequest(Handler.java:41)\"}}",
                ctx.order_id
            );
            self.powertools_java(
                c,
                stream,
                "ERROR",
                "Failed to send order confirmation",
                cold,
                &reqid,
                ctx,
                &extra,
            );
            if ctx.sampled {
                failure = Some(self.cause(
                    "Connect timed out",
                    "java.net.SocketTimeoutException",
                    "com/example/notify/MailClient.java",
                    88,
                    "com.example.notify.MailClient.send",
                ));
            }
        } else {
            self.powertools_java(
                c,
                stream,
                "INFO",
                "Order confirmation sent",
                cold,
                &reqid,
                ctx,
                &format!(",\"order_id\":\"{}\",\"channel\":\"email\"", ctx.order_id),
            );
        }
        let end = c + self.us(300, 2 * MS);
        let duration = end - s;
        let billed_restore = if cold {
            ((restore * 6 / 10 + MS - 1) / MS) as u64
        } else {
            0
        };
        let billed = ((duration + MS - 1) / MS) as u64 + billed_restore;
        let ov_end = end + self.us(150, 600);
        self.text_platform(f, end, stream, &[b"END RequestId: ", reqid.as_bytes()]);
        let max_mem = self.max_mem(f);
        let r = ReportLine {
            reqid: &reqid,
            duration,
            billed_ms: billed,
            max_mem,
            init: None,
            restore: cold.then_some((restore, billed_restore)),
            timeout_status: false,
            xray: ctx.sampled.then_some((ctx.trace.as_str(), ids.0)),
        };
        let m = self.report(f, &r);
        self.emit(f, end, stream, m);
        self.release(f, env, ov_end, false);
        self.meter(f, t, billed);
        self.count(f, cold, failed, false);
        if ctx.sampled {
            let init_span = cold.then_some((t + 100, t + restore, "Restore"));
            let [a, b] = self.lambda_segments(
                f,
                ids,
                n.sns_seg,
                &reqid,
                n.at,
                init_span,
                (s, end, ov_end),
                Vec::new(),
                failure,
                Some(dwell_end),
            );
            segs.push(a);
            segs.push(b);
        }
        Ok((!failed).then_some(reqid))
    }

    // ---- nightly-batch (Python, text format), hourly ----

    fn batch(&mut self, t: i64) -> Result<()> {
        self.flush_before(t)?;
        let f = F_BATCH;
        let (env, cold) = self.acquire(f, t);
        let stream = self.pools[f][env].stream;
        let reqid = self.uuid();
        let init = if cold {
            self.us(FUNCTIONS[f].init_us.0, FUNCTIONS[f].init_us.1)
        } else {
            0
        };
        let reinit = self.take_reinit(f, env);
        if cold {
            self.init_start(f, t, stream, b"INIT_START");
        }
        let s = t + init + if cold { self.us(200, 900) } else { 0 };
        self.text_platform(
            f,
            s,
            stream,
            &[b"START RequestId: ", reqid.as_bytes(), b" Version: $LATEST"],
        );
        let h = self.hour(t);
        let window_start = (self.start_us + (h as i64 - 1) * HOUR) / MS;
        let (orders, failed) = if h >= 1 {
            (
                self.hour_orders[h - 1] as u64,
                self.hour_failed[h - 1] as u64,
            )
        } else {
            (0, 0)
        };
        let mut msg = Vec::new();
        msg.extend_from_slice(b"Starting reconciliation for window ");
        push_iso_s(&mut msg, window_start);
        msg.push(b'/');
        push_iso_s(&mut msg, window_start + HOUR / MS);
        let mut c = s + reinit + self.us(MS, 5 * MS);
        self.py_line(c, stream, &reqid, b"INFO", &msg);
        c += self.us(800 * MS, 3 * SEC);
        let msg = format!(
            "Loaded {orders} orders and {} payments from DynamoDB",
            orders.saturating_sub(failed)
        );
        self.py_line(c, stream, &reqid, b"INFO", msg.as_bytes());
        let d = self.day(c);
        self.ledger.ddb_reads[0][d] += orders.div_ceil(25).max(1);
        self.ledger.ddb_reads[1][d] += orders.div_ceil(25).max(1);
        if failed > 0 {
            c += self.us(10 * MS, 200 * MS);
            let msg = format!("{failed} orders have no captured payment");
            self.py_line(c, stream, &reqid, b"WARNING", msg.as_bytes());
        }
        let timeout = self.chance(0.03);
        let error = !timeout && self.chance(0.02);
        let work = self.us(20 * SEC, 90 * SEC);
        let end;
        if timeout {
            c += self.us(5 * SEC, 20 * SEC);
            let mut msg = Vec::new();
            msg.extend_from_slice(
                b"Exporting report to s3://orders-reports-123456789012/reconciliation/",
            );
            push_date(&mut msg, window_start, b'/');
            msg.extend_from_slice(b".csv");
            self.py_line(c, stream, &reqid, b"INFO", &msg);
            end = s + FUNCTIONS[f].timeout_us + self.us(50 * MS, 150 * MS);
        } else if error {
            c = s + work;
            let msg = "Reconciliation failed: ReconciliationError('payments table scan returned an inconsistent page')";
            self.py_line(c, stream, &reqid, b"ERROR", msg.as_bytes());
            self.py_line(
                c + 400,
                stream,
                &reqid,
                b"WARNING",
                b"LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html",
            );
            let mut m = self.buf(f);
            m.extend_from_slice(b"[ERROR] ReconciliationError: payments table scan returned an inconsistent page\nTraceback (most recent call last):\n\xc2\xa0\xc2\xa0File \"/var/task/app.py\", line 74, in handler\n\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0raise ReconciliationError(\"payments table scan returned an inconsistent page\")\n");
            self.emit(f, c + 900, stream, m);
            end = c + MS + self.us(200, 900);
        } else {
            c = s + work;
            let mut msg = format!(
                "Reconciliation finished: {} orders matched in ",
                orders.saturating_sub(failed)
            )
            .into_bytes();
            push_secs2(&mut msg, c - s);
            msg.extend_from_slice(b" s");
            self.py_line(c, stream, &reqid, b"INFO", &msg);
            end = c + self.us(MS, 20 * MS);
        }
        let duration = end - s;
        self.text_platform(f, end, stream, &[b"END RequestId: ", reqid.as_bytes()]);
        let billed = if timeout {
            (FUNCTIONS[f].timeout_us / MS) as u64 + ((init + MS - 1) / MS) as u64
        } else {
            ((duration + init + MS - 1) / MS) as u64
        };
        let max_mem = self.max_mem(f);
        let r = ReportLine {
            reqid: &reqid,
            duration,
            billed_ms: billed,
            max_mem,
            init: cold.then_some(init),
            restore: None,
            timeout_status: false,
            xray: None,
        };
        let m = self.report(f, &r);
        self.emit(f, end, stream, m);
        if timeout {
            // The older shape: the timeout line follows the REPORT line.
            self.timed_out_line(f, end, stream, &reqid, duration);
        }
        self.release(f, env, end + MS, timeout);
        self.meter(f, t, billed);
        self.count(f, cold, error, timeout);
        Ok(())
    }
}

/// The figures of one text REPORT line.
struct ReportLine<'a> {
    reqid: &'a str,
    duration: i64,
    billed_ms: u64,
    max_mem: u64,
    init: Option<i64>,
    restore: Option<(i64, u64)>,
    timeout_status: bool,
    xray: Option<(&'a str, u64)>,
}
