use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::*;

fn small(requests: u64) -> DemoOptions {
    DemoOptions {
        seed: 7,
        requests,
        days: 4,
        ..Default::default()
    }
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// All events of a log group, in file order: (stream, timestamp, message).
fn events(files: &DemoFiles, group: &str) -> Vec<(String, i64, String)> {
    let mut out = Vec::new();
    for f in files
        .files
        .iter()
        .filter(|f| f.log_group.as_deref() == Some(group))
    {
        let v = read_json(&f.path);
        for e in v["events"].as_array().unwrap() {
            out.push((
                e["logStreamName"].as_str().unwrap().to_string(),
                e["timestamp"].as_i64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

fn rel_files(dir: &Path, files: &DemoFiles) -> Vec<(PathBuf, Vec<u8>)> {
    files
        .files
        .iter()
        .map(|f| {
            (
                f.path.strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(&f.path).unwrap(),
            )
        })
        .collect()
}

#[test]
fn deterministic_and_seed_sensitive() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let opts = small(3000);
    let fa = generate(a.path(), &opts).unwrap();
    let fb = generate(b.path(), &opts).unwrap();
    assert_eq!(fa.stats, fb.stats);
    let (ra, rb) = (rel_files(a.path(), &fa), rel_files(b.path(), &fb));
    assert_eq!(ra.len(), rb.len());
    for ((pa, ba), (pb, bb)) in ra.iter().zip(&rb) {
        assert_eq!(pa, pb);
        assert!(ba == bb, "{} differs between runs", pa.display());
    }
    let fc = generate(c.path(), &DemoOptions { seed: 8, ..opts }).unwrap();
    assert_ne!(rel_files(c.path(), &fc)[1].1, ra[1].1);
}

#[test]
fn default_options() {
    let o = DemoOptions::default();
    assert_eq!((o.seed, o.requests, o.days), (42, 20_000, 30));
    assert_eq!(o.end, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    assert!(
        generate(
            Path::new("/nonexistent-dir-for-test"),
            &DemoOptions { days: 0, ..o }
        )
        .is_err()
    );
    let early = DemoOptions {
        end: NaiveDate::from_ymd_opt(1970, 1, 5).unwrap(),
        ..o
    };
    assert!(matches!(
        generate(Path::new("/nonexistent-dir-for-test"), &early),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn cloudwatch_shape() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(dir.path(), &small(2000)).unwrap();
    let mut ids = BTreeSet::new();
    let groups: BTreeSet<_> = files
        .files
        .iter()
        .filter_map(|f| f.log_group.clone())
        .collect();
    assert_eq!(
        groups.into_iter().collect::<Vec<_>>(),
        vec![
            "/aws/apigateway/orders-api-access",
            "/aws/lambda/nightly-batch",
            "/aws/lambda/notifications",
            "/aws/lambda/orders",
            "/aws/lambda/payments"
        ]
    );
    let (first, last) = (
        NaiveDate::from_ymd_opt(2026, 10, 29)
            .unwrap()
            .and_time(NaiveTime::MIN)
            .and_utc()
            .timestamp_millis(),
        NaiveDate::from_ymd_opt(2026, 11, 2)
            .unwrap()
            .and_time(NaiveTime::MIN)
            .and_utc()
            .timestamp_millis(),
    );
    let mut total = 0;
    for f in files.files.iter().filter(|f| f.kind == KIND_LOGS) {
        let text = std::fs::read_to_string(&f.path).unwrap();
        assert!(
            text.starts_with("{\n    \"events\": ["),
            "{}",
            f.path.display()
        );
        assert_eq!(
            crate::parse::detect::detect(text.as_bytes()).format,
            crate::parse::Format::CloudWatchEvents
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            vec!["events", "searchedLogStreams"]
        );
        let evs = v["events"].as_array().unwrap();
        assert_eq!(evs.len() as u64, f.records);
        total += f.records;
        let mut prev = 0;
        for e in evs {
            let o = e.as_object().unwrap();
            let keys: Vec<_> = o.keys().map(String::as_str).collect();
            let mut want = vec![
                "eventId",
                "ingestionTime",
                "logStreamName",
                "message",
                "timestamp",
            ];
            want.sort();
            let mut got = keys.clone();
            got.sort();
            assert_eq!(got, want);
            let ts = o["timestamp"].as_i64().unwrap();
            assert!(ts >= prev, "events out of order in {}", f.path.display());
            assert!((first..last + 600_000).contains(&ts));
            prev = ts;
            assert!(o["ingestionTime"].as_i64().unwrap() > ts);
            let id = o["eventId"].as_str().unwrap();
            assert_eq!(id.len(), 56);
            assert!(id.bytes().all(|c| c.is_ascii_digit()));
            assert!(ids.insert(id.to_string()), "duplicate eventId");
            let msg = o["message"].as_str().unwrap();
            let is_access = f.log_group.as_deref() == Some(ACCESS_LOG_GROUP);
            let is_json_platform = msg.starts_with("{\"time\"");
            assert_eq!(
                msg.ends_with('\n'),
                !is_access && !is_json_platform,
                "{msg:?}"
            );
        }
    }
    assert_eq!(total, files.stats.log_events);
    // Access log: one JSON object per request, REST field names, string values.
    let access = events(&files, ACCESS_LOG_GROUP);
    assert_eq!(access.len() as u64, files.stats.api_requests);
    for (stream, _, msg) in &access {
        assert_eq!(stream.len(), 32);
        let v: Value = serde_json::from_str(msg).unwrap();
        for k in [
            "requestId",
            "extendedRequestId",
            "ip",
            "requestTime",
            "httpMethod",
            "resourcePath",
            "status",
            "protocol",
            "responseLength",
            "integrationLatency",
            "xrayTraceId",
        ] {
            assert!(v[k].is_string(), "{k} in {msg}");
        }
    }
    let statuses: BTreeSet<String> = access
        .iter()
        .map(|(_, _, m)| {
            serde_json::from_str::<Value>(m).unwrap()["status"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for s in ["200", "201", "429", "502"] {
        assert!(statuses.contains(s), "no {s} in {statuses:?}");
    }
}

#[test]
fn lambda_formats() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(dir.path(), &small(2500)).unwrap();
    let orders = events(&files, "/aws/lambda/orders");
    assert!(
        orders
            .iter()
            .any(|(_, _, m)| m.starts_with("INIT_START Runtime Version: nodejs:"))
    );
    assert!(
        orders
            .iter()
            .any(|(_, _, m)| m.starts_with("START RequestId: ")
                && m.ends_with(" Version: $LATEST\n"))
    );
    assert!(
        orders
            .iter()
            .any(|(_, _, m)| m.contains("\tINFO\tCreating order ord_"))
    );
    assert!(orders.iter().any(|(_, _, m)| m.contains("\tERROR\t")));
    let rep = orders
        .iter()
        .find(|(_, _, m)| m.contains("Init Duration") && m.contains("XRAY TraceId"))
        .unwrap();
    assert!(rep.2.starts_with("REPORT RequestId: "));
    assert!(
        rep.2.contains("\tDuration: ")
            && rep.2.contains(" ms\tBilled Duration: ")
            && rep.2.contains("\tMemory Size: 256 MB\t")
    );
    assert!(rep.2.ends_with("\tSampled: true\t\n"));
    let payments = events(&files, "/aws/lambda/payments");
    let types: BTreeSet<String> = payments
        .iter()
        .filter(|(_, _, m)| m.starts_with("{\"time\""))
        .map(|(_, _, m)| {
            serde_json::from_str::<Value>(m).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        vec![
            "platform.initReport",
            "platform.initRuntimeDone",
            "platform.initStart",
            "platform.report",
            "platform.runtimeDone",
            "platform.start"
        ]
    );
    let pt = payments
        .iter()
        .find(|(_, _, m)| m.starts_with("{\"level\""))
        .unwrap();
    let v: Value = serde_json::from_str(&pt.2).unwrap();
    for k in [
        "cold_start",
        "function_name",
        "function_request_id",
        "xray_trace_id",
        "correlation_id",
        "service",
        "level",
        "timestamp",
        "message",
    ] {
        assert!(!v[k].is_null(), "{k}");
    }
    let notify = events(&files, "/aws/lambda/notifications");
    assert!(
        notify
            .iter()
            .any(|(_, _, m)| m.starts_with("RESTORE_START Runtime Version: java:21"))
    );
    assert!(
        notify
            .iter()
            .any(|(_, _, m)| m.starts_with("RESTORE_REPORT Restore Duration: "))
    );
    assert!(
        notify
            .iter()
            .any(|(_, _, m)| m.contains("\tRestore Duration: ")
                && m.contains("\tBilled Restore Duration: "))
    );
    assert!(notify.iter().all(|(s, _, _)| s.contains("/[12]")));
    let batch = events(&files, "/aws/lambda/nightly-batch");
    assert!(batch.iter().any(|(_, _, m)| m.starts_with("[INFO]\t2026-")));
    assert_eq!(files.stats.functions[3].invocations, 4 * 24);
    // Timeouts: `Status: timeout` (orders) and `Task timed out` lines.
    let all: Vec<_> = orders.iter().chain(&batch).collect();
    assert!(
        all.iter()
            .any(|(_, _, m)| m.contains("Task timed out after "))
    );
    let st = &files.stats;
    assert!(st.functions[0].timeouts > 0 && st.functions[0].errors > 0);
    let orders_timeouts = orders
        .iter()
        .filter(|(_, _, m)| m.contains("\tStatus: timeout\t"))
        .count() as u64;
    assert_eq!(orders_timeouts, st.functions[0].timeouts);
    // REPORT counts equal invocation counts.
    for (g, i) in [
        ("/aws/lambda/orders", 0),
        ("/aws/lambda/notifications", 2),
        ("/aws/lambda/nightly-batch", 3),
    ] {
        let n = events(&files, g)
            .iter()
            .filter(|(_, _, m)| m.starts_with("REPORT "))
            .count() as u64;
        assert_eq!(n, st.functions[i].invocations, "{g}");
    }
    let n = payments
        .iter()
        .filter(|(_, _, m)| m.contains("\"type\":\"platform.report\""))
        .count() as u64;
    assert_eq!(n, st.functions[1].invocations);
    let n = payments
        .iter()
        .filter(|(_, _, m)| {
            m.contains("\"type\":\"platform.report\"") && m.contains("initDurationMs")
        })
        .count();
    assert_eq!(n as u64, st.functions[1].cold_starts);
    let pt_cold: BTreeSet<String> = payments
        .iter()
        .filter(|(_, _, m)| m.starts_with("{\"level\"") && m.contains("\"cold_start\":true"))
        .map(|(_, _, m)| {
            serde_json::from_str::<Value>(m).unwrap()["function_request_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        pt_cold.len() as u64,
        st.functions[1].cold_starts + st.functions[1].suppressed_inits
    );
    assert_eq!(
        st.functions[0].invocations,
        st.api_requests - st.api_throttled
    );
}

#[test]
fn counts_scale_with_requests() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let s1 = generate(a.path(), &small(1000)).unwrap().stats;
    let s4 = generate(b.path(), &small(4000)).unwrap().stats;
    assert_eq!((s1.api_requests, s4.api_requests), (1000, 4000));
    let ratio = |x: u64, y: u64| y as f64 / x as f64;
    for f in 0..3 {
        let r = ratio(s1.functions[f].invocations, s4.functions[f].invocations);
        assert!((3.4..4.6).contains(&r), "function {f}: {r}");
    }
    assert!((3.0..5.0).contains(&ratio(s1.traces, s4.traces)));
    assert!((3.0..5.0).contains(&ratio(s1.log_events - 96 * 5, s4.log_events - 96 * 5)));
}

/// Per stream: the first invocation is cold and the others are not; any invocation after a
/// gap of more than 30 minutes with no invocation of the function is cold.
#[test]
fn cold_starts_follow_idle_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(dir.path(), &small(1500)).unwrap();
    for (group, fi) in [("/aws/lambda/orders", 0), ("/aws/lambda/notifications", 2)] {
        let evs = events(&files, group);
        // (start ts, stream, cold) per invocation, from START and REPORT lines.
        let mut starts: BTreeMap<String, (i64, String)> = BTreeMap::new();
        let mut inv: Vec<(i64, String, bool, i64)> = Vec::new();
        for (stream, ts, m) in &evs {
            if let Some(rest) = m.strip_prefix("START RequestId: ") {
                let id = rest.split(' ').next().unwrap().to_string();
                starts.insert(id, (*ts, stream.clone()));
            } else if let Some(rest) = m.strip_prefix("REPORT RequestId: ") {
                let id = rest.split('\t').next().unwrap();
                let (st, s) = starts[id].clone();
                let cold = m.contains("Init Duration") || m.contains("Restore Duration");
                inv.push((st, s, cold, *ts));
            }
        }
        assert_eq!(inv.len() as u64, files.stats.functions[fi].invocations);
        assert_eq!(
            inv.iter().filter(|i| i.2).count() as u64,
            files.stats.functions[fi].cold_starts
        );
        inv.sort();
        let mut seen = BTreeSet::new();
        let mut last_end = i64::MIN;
        let mut after_gap = 0;
        for (st, stream, cold, end) in &inv {
            let first_in_stream = seen.insert(stream.clone());
            assert_eq!(*cold, first_in_stream, "{group} {stream} at {st}");
            if last_end != i64::MIN && st - last_end > 30 * 60_000 {
                assert!(cold, "{group}: warm start after an idle gap at {st}");
                after_gap += 1;
            }
            last_end = last_end.max(*end);
        }
        assert!(after_gap > 0, "{group}: no idle gap");
    }
}

#[test]
fn correlation_ids_cross_every_hop() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(dir.path(), &small(1500)).unwrap();
    let ex = files.stats.example.clone().unwrap();
    for g in [
        "/aws/lambda/orders",
        "/aws/lambda/payments",
        "/aws/lambda/notifications",
    ] {
        let evs = events(&files, g);
        let hits: Vec<_> = evs
            .iter()
            .filter(|(_, _, m)| m.contains(&ex.correlation_id))
            .collect();
        assert!(!hits.is_empty(), "{g}");
    }
    let payments = events(&files, "/aws/lambda/payments");
    let line = payments
        .iter()
        .find(|(_, _, m)| m.contains(&ex.correlation_id))
        .unwrap();
    let v: Value = serde_json::from_str(&line.2).unwrap();
    assert_eq!(v["correlation_id"], Value::from(ex.correlation_id.clone()));
    assert_eq!(
        v["function_request_id"],
        Value::from(ex.payments_request_id.clone())
    );
    assert_eq!(v["xray_trace_id"], Value::from(ex.trace_id.clone()));
    let notify = events(&files, "/aws/lambda/notifications");
    let line = notify
        .iter()
        .find(|(_, _, m)| m.contains(&ex.correlation_id))
        .unwrap();
    let v: Value = serde_json::from_str(&line.2).unwrap();
    assert_eq!(
        v["function_request_id"],
        Value::from(ex.notifications_request_id.clone())
    );
    assert_eq!(v["xray_trace_id"], Value::from(ex.trace_id.clone()));
    let orders = events(&files, "/aws/lambda/orders");
    assert!(
        orders
            .iter()
            .any(|(_, _, m)| m.contains(&ex.orders_request_id) && m.contains(&ex.correlation_id))
    );
    let access = events(&files, ACCESS_LOG_GROUP);
    let a = access
        .iter()
        .find(|(_, _, m)| m.contains(&ex.api_request_id))
        .unwrap();
    assert!(a.2.contains(&format!("\"xrayTraceId\":\"{}\"", ex.trace_id)));
    // The trace holds all three functions, linked through SNS.
    let mut found = false;
    for f in files.files.iter().filter(|f| f.kind == KIND_TRACES) {
        let v = read_json(&f.path);
        for t in v["Traces"].as_array().unwrap() {
            if t["Id"] != ex.trace_id.as_str() {
                continue;
            }
            found = true;
            let docs: Vec<Value> = t["Segments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| serde_json::from_str(s["Document"].as_str().unwrap()).unwrap())
                .collect();
            let req_ids: BTreeSet<&str> = docs
                .iter()
                .filter_map(|d| d["aws"]["request_id"].as_str())
                .collect();
            for id in [
                &ex.orders_request_id,
                &ex.payments_request_id,
                &ex.notifications_request_id,
            ] {
                assert!(req_ids.contains(id.as_str()));
            }
            let sns = docs.iter().find(|d| d["origin"] == "AWS::SNS").unwrap();
            let notif = docs
                .iter()
                .find(|d| d["origin"] == "AWS::Lambda" && d["name"] == "notifications")
                .unwrap();
            assert_eq!(notif["parent_id"], sns["id"]);
            let stage = docs
                .iter()
                .find(|d| d["origin"] == "AWS::ApiGateway::Stage")
                .unwrap();
            assert_eq!(
                stage["aws"]["api_gateway"]["request_id"],
                Value::from(ex.api_request_id.clone())
            );
        }
    }
    assert!(found);
}

#[test]
fn xray_shape() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(
        dir.path(),
        &DemoOptions {
            seed: 3,
            requests: 6000,
            days: 3,
            ..Default::default()
        },
    )
    .unwrap();
    let (mut traces, mut docs, mut spans) = (0, 0, 0);
    let mut origins = BTreeSet::new();
    let (mut init, mut restore, mut throttle, mut fault, mut error, mut ddb, mut remote) =
        (0, 0, 0, 0, 0, 0, 0);
    fn walk(v: &Value, n: &mut u64, f: &mut dyn FnMut(&Value)) {
        *n += 1;
        f(v);
        for s in v["subsegments"].as_array().into_iter().flatten() {
            walk(s, n, f);
        }
    }
    let trace_files: Vec<_> = files
        .files
        .iter()
        .filter(|f| f.kind == KIND_TRACES)
        .collect();
    assert!(!trace_files.is_empty());
    for f in trace_files {
        let text = std::fs::read_to_string(&f.path).unwrap();
        assert_eq!(
            crate::parse::detect::detect(text.as_bytes()).format,
            crate::parse::Format::XrayTraces
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["UnprocessedTraceIds"], Value::Array(vec![]));
        let ts = v["Traces"].as_array().unwrap();
        assert_eq!(ts.len() as u64, f.records);
        assert!(f.records <= MAX_TRACES_PER_FILE);
        for t in ts {
            traces += 1;
            let id = t["Id"].as_str().unwrap();
            assert!(id.starts_with("1-") && id.len() == 35);
            assert!(t["Duration"].as_f64().unwrap() >= 0.0);
            assert_eq!(t["LimitExceeded"], Value::Bool(false));
            for s in t["Segments"].as_array().unwrap() {
                docs += 1;
                let d: Value = serde_json::from_str(s["Document"].as_str().unwrap()).unwrap();
                assert_eq!(d["id"], s["Id"]);
                assert_eq!(d["trace_id"].as_str(), Some(id));
                assert!(d["start_time"].as_f64().unwrap() <= d["end_time"].as_f64().unwrap());
                origins.insert(d["origin"].as_str().unwrap().to_string());
                throttle += d["throttle"].as_bool().unwrap_or(false) as u64;
                fault += d["fault"].as_bool().unwrap_or(false) as u64;
                error += d["error"].as_bool().unwrap_or(false) as u64;
                walk(&d, &mut spans, &mut |x| {
                    init += (x["name"] == "Initialization") as u64;
                    restore += (x["name"] == "Restore") as u64;
                    ddb += (x["namespace"] == "aws"
                        && x["aws"]["table_name"].is_string()
                        && x["aws"]["operation"] == "PutItem") as u64;
                    remote += (x["namespace"] == "remote") as u64;
                });
            }
        }
    }
    assert_eq!(
        (traces, docs, spans),
        (
            files.stats.traces,
            files.stats.trace_documents,
            files.stats.trace_spans
        )
    );
    assert_eq!(
        origins.into_iter().collect::<Vec<_>>(),
        vec![
            "AWS::ApiGateway::Stage",
            "AWS::DynamoDB::Table",
            "AWS::Lambda",
            "AWS::Lambda::Function",
            "AWS::SNS"
        ]
    );
    assert!(
        init > 0 && restore > 0 && throttle > 0 && fault > 0 && error > 0 && ddb > 0 && remote > 0
    );
    // About 20% of requests are sampled.
    let share = traces as f64 / 6000.0;
    assert!((0.17..0.23).contains(&share), "{share}");
}

#[test]
fn trace_files_split() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(
        dir.path(),
        &DemoOptions {
            seed: 1,
            requests: 12_000,
            days: 2,
            ..Default::default()
        },
    )
    .unwrap();
    let parts: Vec<_> = files
        .files
        .iter()
        .filter(|f| f.kind == KIND_TRACES)
        .collect();
    assert!(parts.len() >= 2);
    assert!(
        parts
            .iter()
            .all(|f| f.records <= MAX_TRACES_PER_FILE && f.records > 0)
    );
    assert_eq!(
        parts.iter().map(|f| f.records).sum::<u64>(),
        files.stats.traces
    );
}

#[test]
fn cost_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(
        dir.path(),
        &DemoOptions {
            seed: 5,
            requests: 3000,
            days: 6,
            ..Default::default()
        },
    )
    .unwrap();
    let ce: Vec<_> = files
        .files
        .iter()
        .filter(|f| f.kind == KIND_COSTS)
        .collect();
    assert_eq!(ce.len(), 3);
    let mut per_file_day_totals = Vec::new();
    for f in &ce {
        let text = std::fs::read_to_string(&f.path).unwrap();
        assert_eq!(
            crate::parse::detect::detect(text.as_bytes()).format,
            crate::parse::Format::CostAndUsage
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            vec![
                "DimensionValueAttributes",
                "GroupDefinitions",
                "ResultsByTime"
            ]
        );
        let gd = &v["GroupDefinitions"][0];
        let days = v["ResultsByTime"].as_array().unwrap();
        assert_eq!(days.len(), 6);
        let mut totals = Vec::new();
        let mut records = 0;
        let mut keys = BTreeSet::new();
        for (i, d) in days.iter().enumerate() {
            assert_eq!(d["Estimated"], Value::Bool(i >= 4), "day {i}");
            assert_eq!(d["Total"], serde_json::json!({}));
            let start = d["TimePeriod"]["Start"].as_str().unwrap();
            assert_eq!(
                start,
                format!("2026-10-{:02}", 27 + i).replace("2026-10-32", "2026-11-01")
            );
            let mut sum = 0.0;
            for g in d["Groups"].as_array().unwrap() {
                let k = g["Keys"][0].as_str().unwrap().to_string();
                let m = &g["Metrics"]["UnblendedCost"];
                assert_eq!(m["Unit"], "USD");
                sum += m["Amount"].as_str().unwrap().parse::<f64>().unwrap();
                records += g["Metrics"].as_object().unwrap().len() as u64;
                keys.insert(k);
            }
            totals.push(sum);
        }
        assert_eq!(records, f.records);
        match gd["Key"].as_str().unwrap() {
            "team" => {
                assert_eq!(gd["Type"], "TAG");
                for k in [
                    "team$",
                    "team$orders",
                    "team$payments",
                    "team$notifications",
                    "team$platform",
                ] {
                    assert!(keys.contains(k), "{k}");
                }
            }
            "env" => {
                for k in ["env$", "env$prod", "env$staging"] {
                    assert!(keys.contains(k), "{k}");
                }
            }
            "SERVICE" => {
                assert_eq!(gd["Type"], "DIMENSION");
                for k in [
                    "AWS Lambda",
                    "Amazon DynamoDB",
                    "Amazon API Gateway",
                    "Amazon Simple Notification Service",
                    "AmazonCloudWatch",
                    "AWS X-Ray",
                    "Tax",
                ] {
                    assert!(keys.contains(k), "{k}");
                }
                assert_eq!(
                    days[0]["Groups"][0]["Metrics"]["UsageQuantity"]["Unit"],
                    "N/A"
                );
            }
            k => panic!("unexpected group key {k}"),
        }
        per_file_day_totals.push(totals);
    }
    let [team, env, service] = &per_file_day_totals[..] else {
        panic!("three cost files")
    };
    for (d, ((a, b), c)) in team.iter().zip(env).zip(service).enumerate() {
        assert!(
            (a - b).abs() < 1e-6 && (a - c).abs() < 1e-6,
            "day {d}: {a} {b} {c}"
        );
    }
}

/// The default workload must stay fast in a debug build.
#[test]
fn default_is_fast() {
    let dir = tempfile::tempdir().unwrap();
    let t = std::time::Instant::now();
    let files = generate(dir.path(), &DemoOptions::default()).unwrap();
    let took = t.elapsed();
    eprintln!(
        "default demo: {took:?}, {} events, {} traces",
        files.stats.log_events, files.stats.traces
    );
    assert_eq!(files.stats.api_requests, 20_000);
    assert!(took.as_secs_f64() < 10.0, "{took:?}");
}
