use super::*;
use polars::prelude::{DataFrame, DataType};

const RID: &str = "c793869b-ee49-115b-a5b6-4fd21e8dedac";

fn meta<'a>(group: &'a str, stream: &'a str, ts: Option<i64>) -> EventMeta<'a> {
    EventMeta {
        event_id: None,
        ts,
        log_group: Some(group),
        log_stream: Some(stream),
        account: None,
    }
}

/// Run messages through one state, as one input.
fn run(msgs: &[&str]) -> Batch {
    let mut out = Batch::default();
    let mut st = MessageState::default();
    let ctx = ParseContext::default();
    for m in msgs {
        parse_message_with(
            &mut st,
            m,
            &meta("/aws/lambda/my-fn", "s1", None),
            &ctx,
            &mut out,
        );
    }
    out
}

fn logs(out: Batch) -> DataFrame {
    out.logs.finish().unwrap()
}

fn col(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

fn one(df: &DataFrame, name: &str) -> Option<String> {
    assert_eq!(df.height(), 1, "{df}");
    col(df, name).remove(0)
}

fn ts_col(df: &DataFrame) -> Vec<Option<i64>> {
    df.column("ts")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect()
}

fn kinds(out: &Batch) -> Vec<&FactKind> {
    out.facts.iter().map(|f| &f.kind).collect()
}

#[test]
fn python_text_line() {
    let out = run(&[&format!(
        "[ERROR]\t2020-02-14T18:19:39.441Z\t{RID}\tsomething broke\n"
    )]);
    assert_eq!(kinds(&out), vec![&FactKind::Seen, &FactKind::ErrorLine]);
    assert_eq!(out.facts[0].function.as_deref(), Some("my-fn"));
    assert_eq!(out.facts[0].log_stream.as_deref(), Some("s1"));
    assert_eq!(out.facts[0].ts, time::parse_iso("2020-02-14T18:19:39.441Z"));
    let df = logs(out);
    assert_eq!(one(&df, "level").as_deref(), Some("ERROR"));
    assert_eq!(one(&df, "message").as_deref(), Some("something broke"));
    assert_eq!(one(&df, "request_id").as_deref(), Some(RID));
    assert_eq!(one(&df, "kind").as_deref(), Some("app"));
    assert_eq!(one(&df, "service").as_deref(), Some("my-fn"));
    assert_eq!(one(&df, "fields"), None);
    assert!(one(&df, "event_id").unwrap().starts_with("h:"));
}

#[test]
fn node_text_line_with_cr_newlines() {
    let out = run(&[&format!(
        "2019-06-05T19:30:03.173Z\t{RID}\tINFO\tEVENT\r{{\r  \"key\": \"value\"\r}}\n"
    )]);
    assert_eq!(kinds(&out), vec![&FactKind::Seen]);
    let df = logs(out);
    assert_eq!(one(&df, "level").as_deref(), Some("INFO"));
    assert_eq!(
        one(&df, "message").as_deref(),
        Some("EVENT\n{\n  \"key\": \"value\"\n}")
    );
    assert_eq!(
        ts_col(&df),
        vec![time::parse_iso("2019-06-05T19:30:03.173Z")]
    );
}

#[test]
fn log4j_lines() {
    let out = run(&[
        &format!("{RID} DEBUG AbstractFlow:214 - hello"),
        &format!("2023-07-05 10:16:34 <{RID}> ERROR App - failed"),
        &format!("2023-07-05T10:16:34.565Z {RID} FATAL App - dead"),
    ]);
    let df = logs(out);
    assert_eq!(
        col(&df, "level"),
        vec![
            Some("DEBUG".into()),
            Some("ERROR".into()),
            Some("FATAL".into())
        ]
    );
    assert_eq!(
        col(&df, "message"),
        vec![
            Some("AbstractFlow:214 - hello".into()),
            Some("App - failed".into()),
            Some("App - dead".into())
        ]
    );
    assert_eq!(col(&df, "request_id"), vec![Some(RID.into()); 3]);
    let ts = ts_col(&df);
    assert_eq!(ts[0], None);
    assert_eq!(ts[1], time::parse_iso("2023-07-05T10:16:34Z"));
}

#[test]
fn plain_text_line() {
    let out = run(&["## ENVIRONMENT VARIABLES"]);
    assert!(out.facts.is_empty());
    let df = logs(out);
    assert_eq!(
        one(&df, "message").as_deref(),
        Some("## ENVIRONMENT VARIABLES")
    );
    assert_eq!(one(&df, "level"), None);
    assert_eq!(one(&df, "request_id"), None);
}

#[test]
fn platform_text_sequence_with_xray_line_and_bare_timeout() {
    let out = run(&[
        &format!("START RequestId: {RID} Version: 3"),
        "Task timed out after 3.00 seconds",
        &format!("END RequestId: {RID}"),
        &format!(
            "REPORT RequestId: {RID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t"
        ),
        "XRAY TraceId: 1-5e7d7595-212fxmpl9ee07c4884191322\tSegmentId: 42ffxmpl0645f474\tSampled: true",
    ]);
    assert!(out.facts.iter().all(|f| f.request_id == RID));
    let k = kinds(&out);
    assert_eq!(
        k[0],
        &FactKind::Start {
            version: Some("3".into())
        }
    );
    assert_eq!(k[1], &FactKind::Timeout);
    assert_eq!(k[2], &FactKind::Seen);
    assert!(
        matches!(k[3], FactKind::Report(r) if r.duration_ms == Some(3000.0) && r.memory_mb == Some(128))
    );
    assert_eq!(
        k[4],
        &FactKind::TraceId("1-5e7d7595-212fxmpl9ee07c4884191322".into())
    );
    let df = logs(out);
    assert_eq!(col(&df, "kind"), vec![Some("platform".into()); 5]);
    assert_eq!(col(&df, "request_id"), vec![Some(RID.into()); 5]);
    assert_eq!(
        col(&df, "trace_id")[4].as_deref(),
        Some("1-5e7d7595-212fxmpl9ee07c4884191322")
    );
}

#[test]
fn init_report_invoke_phase_marks_running_request_failed() {
    let out = run(&[
        &format!("START RequestId: {RID} Version: $LATEST"),
        "INIT_REPORT Init Duration: 3000.15 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError",
    ]);
    assert_eq!(out.facts[1].kind, FactKind::RuntimeDone(Status::Error));
    assert_eq!(out.facts[1].request_id, RID);
    // Phase init: no fact at all (cold start comes from the REPORT).
    let out = run(&["INIT_REPORT Init Duration: 200.00 ms\tPhase: init\tStatus: success"]);
    assert!(out.facts.is_empty());
    assert_eq!(out.logs.len(), 1);
}

#[test]
fn lambda_json_application_lines() {
    let out = run(&[
        r#"{"timestamp":"2023-11-17T09:03:43.466Z","level":"ERROR","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","message":{"errorType":"Error","errorMessage":"boom"}}"#,
        r#"{"timestamp":"2025-05-06T11:05:19.955Z","message":"INFO: invoked","level":"UNDEFINED","AWSRequestId":"aab10ce8-caba-481f-8524-11073604c9ba"}"#,
        r#"{"timestamp":"2023-11-17T09:03:43.466Z","level":"info","message":"no request","logger":"root"}"#,
    ]);
    assert_eq!(out.facts.len(), 3);
    assert_eq!(
        (out.facts[0].request_id.as_str(), &out.facts[0].kind),
        ("79b4f56e-95b1-4643-9700-2807f4e68189", &FactKind::Seen)
    );
    assert_eq!(out.facts[1].kind, FactKind::ErrorLine);
    assert_eq!(
        out.facts[2].request_id,
        "aab10ce8-caba-481f-8524-11073604c9ba"
    );
    let df = logs(out);
    assert_eq!(
        col(&df, "message")[0].as_deref(),
        Some(r#"{"errorType":"Error","errorMessage":"boom"}"#)
    );
    assert_eq!(
        col(&df, "level"),
        vec![
            Some("ERROR".into()),
            Some("UNDEFINED".into()),
            Some("INFO".into())
        ]
    );
    assert_eq!(
        col(&df, "fields"),
        vec![None, None, Some(r#"{"logger":"root"}"#.into())]
    );
    assert_eq!(col(&df, "kind"), vec![Some("app".into()); 3]);
    assert_eq!(ts_col(&df)[2], time::parse_iso("2023-11-17T09:03:43.466Z"));
}

#[test]
fn powertools_in_every_casing() {
    let ctx = ParseContext::default();
    let mut out = Batch::default();
    let mut st = MessageState::default();
    let lines = [
        // Python: snake_case, memory size as a string, Root= trace form.
        r#"{"level":"INFO","location":"h:1","message":"hi","timestamp":"2025-05-05 04:01:36,154+0000","service":"svc","cold_start":true,"function_name":"fn-a","function_memory_size":"128","function_arn":"arn:aws:lambda:ap-south-1:111122223333:function:fn-a","function_request_id":"229394ef-0dd2-4753-a668-5186d8c14ad1","correlation_id":"corr-1","xray_trace_id":"Root=1-68183820-1a7106da2a0a87650e15c2d9;Parent=abc;Sampled=1"}"#,
        // .NET: PascalCase.
        r#"{"ColdStart":false,"XrayTraceId":"1-61b7add4-66532bb81441e1b060389429","FunctionName":"fn-b","FunctionVersion":"$LATEST","FunctionMemorySize":256,"FunctionArn":"arn:aws:lambda:eu-west-1:012345678912:function:fn-b","FunctionRequestId":"1a2b3c4d-1111-2222-3333-444455556666","Timestamp":"2021-12-13T20:32:22.5774262Z","Level":"Information","Service":"payment","Name":"AWS.Lambda.Powertools.Logging.Logger","Message":"Collecting payment"}"#,
        // Java v1: camelCase.
        r#"{"instant":{"epochSecond":1616470940},"level":"ERROR","message":"oops","coldStart":"true","functionName":"fn-c","functionRequestId":"9e1bd6f2-d2a7-4a5a-aa4f-bb3c5cda7cd9","service":"orders","samplingRate":"0.0"}"#,
    ];
    for l in lines {
        parse_message_with(&mut st, l, &EventMeta::default(), &ctx, &mut out);
    }
    let f = &out.facts;
    // Python: Seen, ColdStartFlag(true), TraceId.
    assert_eq!(f[0].kind, FactKind::Seen);
    assert_eq!(f[0].function.as_deref(), Some("fn-a"));
    assert_eq!(
        (f[0].region.as_deref(), f[0].account.as_deref()),
        (Some("ap-south-1"), Some("111122223333"))
    );
    assert_eq!(f[1].kind, FactKind::ColdStartFlag(true));
    assert_eq!(
        f[2].kind,
        FactKind::TraceId("1-68183820-1a7106da2a0a87650e15c2d9".into())
    );
    // .NET
    assert_eq!(f[3].request_id, "1a2b3c4d-1111-2222-3333-444455556666");
    assert_eq!(f[4].kind, FactKind::ColdStartFlag(false));
    assert_eq!(
        f[5].kind,
        FactKind::TraceId("1-61b7add4-66532bb81441e1b060389429".into())
    );
    // Java: ErrorLine, ColdStartFlag from a string.
    assert_eq!(f[6].request_id, "9e1bd6f2-d2a7-4a5a-aa4f-bb3c5cda7cd9");
    assert_eq!(f[7].kind, FactKind::ErrorLine);
    assert_eq!(f[8].kind, FactKind::ColdStartFlag(true));
    assert_eq!(f.len(), 9);
    let df = logs(out);
    assert_eq!(
        col(&df, "service"),
        vec![
            Some("svc".into()),
            Some("payment".into()),
            Some("orders".into())
        ]
    );
    assert_eq!(col(&df, "correlation_id")[0].as_deref(), Some("corr-1"));
    assert_eq!(
        col(&df, "trace_id")[0].as_deref(),
        Some("1-68183820-1a7106da2a0a87650e15c2d9")
    );
    assert_eq!(
        col(&df, "level"),
        vec![
            Some("INFO".into()),
            Some("INFORMATION".into()),
            Some("ERROR".into())
        ]
    );
    assert_eq!(
        col(&df, "fields")[0].as_deref(),
        Some(
            r#"{"location":"h:1","cold_start":true,"function_name":"fn-a","function_memory_size":"128","function_arn":"arn:aws:lambda:ap-south-1:111122223333:function:fn-a"}"#
        )
    );
    assert_eq!(
        col(&df, "fields")[2].as_deref(),
        Some(
            r#"{"instant":{"epochSecond":1616470940},"coldStart":"true","functionName":"fn-c","samplingRate":"0.0"}"#
        )
    );
    assert_eq!(ts_col(&df)[0], time::parse_iso("2025-05-05T04:01:36.154Z"));
}

#[test]
fn platform_json_events() {
    let out = run(&[
        r#"{"time":"2025-05-05T04:01:29.886Z","type":"platform.start","record":{"requestId":"01ad0e05-391e-4507-9233-ae7ad823dbc1","functionArn":"arn:aws:lambda:ap-south-1:111122223333:function:fn","version":"$LATEST","tracing":{"spanId":"4a16","type":"X-Amzn-Trace-Id","value":"Root=1-68183818-4eab0e4002398a2f375bd11a;Parent=03c3;Sampled=1"}}}"#,
        r#"{"time":"2025-05-05T04:01:29.900Z","type":"platform.runtimeDone","record":{"requestId":"01ad0e05-391e-4507-9233-ae7ad823dbc1","status":"timeout"}}"#,
        r#"{"time":"2025-05-05T04:01:29.912Z","type":"platform.report","record":{"requestId":"01ad0e05-391e-4507-9233-ae7ad823dbc1","metrics":{"durationMs":26.843,"billedDurationMs":27,"memorySizeMB":128,"maxMemoryUsedMB":77,"initDurationMs":772.443,"restoreDurationMs":10.5,"billedRestoreDurationMs":11},"status":"timeout"}}"#,
        r#"{"time":"2025-05-05T04:01:30.000Z","type":"platform.fault","record":"RequestId: 11111111-2222-3333-4444-555555555555 Error: Runtime exited with error: signal: killed\nRuntime.ExitError"}"#,
        r#"{"time":"2025-05-06T11:05:19.899Z","type":"platform.extension","record":{"name":"agent","state":"Ready","events":["INVOKE","SHUTDOWN"]}}"#,
    ]);
    let f = &out.facts;
    assert_eq!(
        f[0].kind,
        FactKind::Start {
            version: Some("$LATEST".into())
        }
    );
    assert_eq!(f[0].function.as_deref(), Some("my-fn"), "log group wins");
    assert_eq!(
        (f[0].region.as_deref(), f[0].account.as_deref()),
        (Some("ap-south-1"), Some("111122223333"))
    );
    assert_eq!(
        f[1].kind,
        FactKind::TraceId("1-68183818-4eab0e4002398a2f375bd11a".into())
    );
    assert_eq!(f[2].kind, FactKind::RuntimeDone(Status::Timeout));
    let FactKind::Report(r) = &f[3].kind else {
        panic!("{:?}", f[3])
    };
    assert_eq!(
        (
            r.duration_ms,
            r.billed_ms,
            r.memory_mb,
            r.max_memory_mb,
            r.init_ms,
            r.restore_ms,
            r.billed_restore_ms,
            r.status
        ),
        (
            Some(26.843),
            Some(27.0),
            Some(128),
            Some(77),
            Some(772.443),
            Some(10.5),
            Some(11.0),
            Some(Status::Timeout)
        )
    );
    assert_eq!(f[4].request_id, "11111111-2222-3333-4444-555555555555");
    assert_eq!(f[4].kind, FactKind::RuntimeDone(Status::Error));
    assert_eq!(f.len(), 5);
    let df = logs(out);
    assert_eq!(col(&df, "kind"), vec![Some("platform".into()); 5]);
    assert_eq!(col(&df, "message")[0].as_deref(), Some("platform.start"));
    assert_eq!(col(&df, "level")[3].as_deref(), Some("ERROR"));
    assert_eq!(col(&df, "request_id")[4], None);
    assert_eq!(
        col(&df, "fields")[4].as_deref(),
        Some(
            r#"{"type":"platform.extension","record":{"name":"agent","state":"Ready","events":["INVOKE","SHUTDOWN"]}}"#
        )
    );
    assert_eq!(ts_col(&df)[0], time::parse_iso("2025-05-05T04:01:29.886Z"));
}

#[test]
fn platform_json_wrong_type_is_a_bad_value() {
    let out = run(&[
        r#"{"time":"2025-05-05T04:01:29.912Z","type":"platform.report","record":{"requestId":"x","metrics":{"durationMs":"fast"}}}"#,
    ]);
    assert_eq!(out.skipped.get(&SkipReason::BadValue), Some(&1));
    assert!(out.logs.is_empty() && out.facts.is_empty());
}

#[test]
fn api_gateway_access_logs() {
    let out = run(&[
        r#"{"requestId":"48752d0f-c99d-4cfa-a5a7-f3c6834d19e5","ip":"1.128.0.0","caller":"-","user":"-","requestTime":"10/Jun/2023:15:36:28 +0000","httpMethod":"GET","resourcePath":"/pets","status":"200","protocol":"HTTP/1.1","responseLength":"184"}"#,
        r#"{"requestId":"GQIVriFLIAMEMsA=","ip":"1.128.0.0","requestTimeEpoch":"1686315248000","httpMethod":"GET","routeKey":"GET /","status":200,"integrationLatency":"-","xrayTraceId":"-"}"#,
        r#"{"requestId":"abc=","ip":"1.2.3.4","requestTime":"-","eventType":"MESSAGE","routeKey":"sendmessage","status":"200","connectionId":"L0SM9cOFvHcCIhw=","xrayTraceId":"Root=1-5e7d7595-212fxmpl9ee07c4884191322"}"#,
    ]);
    assert!(
        out.facts.is_empty(),
        "access logs carry no invocation facts"
    );
    let df = logs(out);
    assert_eq!(col(&df, "kind"), vec![Some("access".into()); 3]);
    assert_eq!(
        col(&df, "request_id"),
        vec![
            Some("48752d0f-c99d-4cfa-a5a7-f3c6834d19e5".into()),
            Some("GQIVriFLIAMEMsA=".into()),
            Some("abc=".into())
        ]
    );
    assert_eq!(
        col(&df, "trace_id"),
        vec![
            None,
            None,
            Some("1-5e7d7595-212fxmpl9ee07c4884191322".into())
        ]
    );
    assert_eq!(
        col(&df, "message"),
        vec![
            Some("GET /pets 200".into()),
            Some("GET / 200".into()),
            Some("MESSAGE sendmessage 200".into())
        ]
    );
    assert_eq!(
        ts_col(&df),
        vec![
            time::parse_iso("2023-06-10T15:36:28Z"),
            time::parse_iso("2023-06-09T12:54:08Z"),
            None
        ]
    );
    assert_eq!(
        col(&df, "fields")[1].as_deref(),
        Some(
            r#"{"ip":"1.128.0.0","requestTimeEpoch":"1686315248000","httpMethod":"GET","routeKey":"GET /","status":200,"integrationLatency":"-"}"#
        )
    );
}

#[test]
fn duplicate_event_ids_and_content_ids() {
    let ctx = ParseContext::default();
    let mut out = Batch::default();
    let mut st = MessageState::default();
    let m = EventMeta {
        event_id: Some("e1"),
        ts: Some(1),
        ..EventMeta::default()
    };
    parse_message_with(&mut st, "a", &m, &ctx, &mut out);
    parse_message_with(&mut st, "b", &m, &ctx, &mut out);
    assert_eq!(out.skipped.get(&SkipReason::Duplicate), Some(&1));
    // Equal lines without an event ID stay distinct rows with distinct, stable IDs.
    let m = EventMeta::default();
    for _ in 0..3 {
        parse_message_with(&mut st, "same", &m, &ctx, &mut out);
    }
    let df = logs(out);
    let ids = col(&df, "event_id");
    assert_eq!(ids[0].as_deref(), Some("e1"));
    assert_eq!(ids.len(), 4);
    let mut uniq = ids.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), 4);
    // Same again in a fresh state: same IDs.
    let mut out2 = Batch::default();
    let mut st2 = MessageState::default();
    for _ in 0..3 {
        parse_message_with(&mut st2, "same", &m, &ctx, &mut out2);
    }
    assert_eq!(col(&logs(out2), "event_id"), ids[1..].to_vec());
}

#[test]
fn empty_and_elision_and_not_json() {
    let out = run(&["", "  \n", "...", "{not json at all"]);
    assert_eq!(out.skipped.get(&SkipReason::Empty), Some(&3));
    let df = logs(out);
    assert_eq!(one(&df, "message").as_deref(), Some("{not json at all"));
}

#[test]
fn json_line_strictness() {
    let ctx = ParseContext::default();
    let mut out = Batch::default();
    let mut st = MessageState::default();
    let m = EventMeta::default();
    parse_json_line(
        &mut st,
        r#"{"level":"INFO","message":"tru"#,
        &m,
        &ctx,
        &mut out,
    );
    parse_json_line(&mut st, r#"{"level":"INFO"} trailing"#, &m, &ctx, &mut out);
    parse_json_line(
        &mut st,
        r#"{"level":"INFO","message":"ok"}"#,
        &m,
        &ctx,
        &mut out,
    );
    assert_eq!(out.skipped.get(&SkipReason::MalformedJson), Some(&2));
    assert_eq!(out.logs.len(), 1);
}

#[test]
fn helpers() {
    assert_eq!(function_from_group("/aws/lambda/my-fn"), Some("my-fn"));
    assert_eq!(
        function_from_group("API-Gateway-Execution-Logs_x/prod"),
        None
    );
    assert_eq!(
        parse_function_arn("arn:aws:lambda:eu-west-1:12345678910:function:test:prod"),
        Some(("eu-west-1", "12345678910", "test"))
    );
    assert_eq!(parse_function_arn("arn:aws:s3:::bucket"), None);
    assert_eq!(
        parse_clf_time("19/Jul/2023:16:15:46 +0000"),
        time::parse_iso("2023-07-19T16:15:46Z")
    );
}

#[test]
fn key_fast_path_agrees_with_normalised_keys() {
    // Every spelling `Key::classify` matches as it is, plus a few it normalises.
    let keys = [
        "timestamp",
        "time",
        "level",
        "message",
        "requestId",
        "function_request_id",
        "AWSRequestId",
        "awsRequestId",
        "xrayTraceId",
        "xray_trace_id",
        "traceId",
        "correlation_id",
        "correlationId",
        "service",
        "type",
        "record",
        "cold_start",
        "coldStart",
        "function_name",
        "functionName",
        "function_arn",
        "functionArn",
        "httpMethod",
        "routeKey",
        "resourcePath",
        "path",
        "status",
        "requestTime",
        "requestTimeEpoch",
        "eventType",
        "apiId",
        "ip",
        "sourceIp",
        "protocol",
        "responseLength",
        "extendedRequestId",
        "integrationLatency",
        "responseLatency",
        "connectionId",
        "domainName",
        "stage",
        "integrationStatus",
        "integrationError",
        "integrationRequestId",
        "caller",
        "user",
        "userAgent",
        "messageId",
        "location",
        "function_memory_size",
        "sampling_rate",
        "Level",
        "@timestamp",
        "X-Amzn-Trace-Id",
        "log.level",
        "other",
    ];
    for k in keys {
        assert_eq!(Key::classify(k), Key::classify_normalised(k), "{k}");
    }
    assert_eq!(Key::classify("function_request_id"), Key::RequestId);
    assert_eq!(Key::classify("location"), Key::Other);
}

#[test]
fn function_arn_pieces_match_split() {
    fn by_split(arn: &str) -> Option<(&str, &str, &str)> {
        let mut p = arn.split(':');
        let v: Vec<&str> = (0..7).map_while(|_| p.next()).collect();
        (v.len() == 7
            && v[0] == "arn"
            && v[2] == "lambda"
            && v[5] == "function"
            && !v[6].is_empty())
        .then(|| (v[3], v[4], v[6]))
    }
    for arn in [
        "arn:aws:lambda:us-east-1:123456789012:function:orders",
        "arn:aws:lambda:us-east-1:123456789012:function:orders:12",
        "arn:aws:lambda:eu-west-1:1:function:f:$LATEST:extra",
        "arn:aws:lambda:us-east-1:123456789012:function:",
        "arn:aws:lambda:us-east-1:123456789012:function",
        "arn:aws:lambda::::function:x",
        "arn:aws:sqs:us-east-1:1:function:x",
        "arn:aws:lambda:r:a:layer:x",
        ":::::::",
        "",
        "arn",
        "arn:aws:lambda:é:ü:function:名前",
    ] {
        assert_eq!(parse_function_arn(arn), by_split(arn), "{arn}");
    }
}

#[test]
fn next_tok_matches_char_patterns() {
    fn by_chars(s: &str) -> Option<(&str, &str)> {
        let s = s.trim_start_matches([' ', '\t']);
        if s.is_empty() {
            return None;
        }
        let end = s.find([' ', '\t', '\n']).unwrap_or(s.len());
        Some((&s[..end], &s[end..]))
    }
    for s in [
        "",
        " ",
        "\t \t",
        "a",
        "  a b",
        "\tét\u{e9} x",
        "a\nb",
        "\n a",
        " x\t\ty ",
        "名前 z",
    ] {
        assert_eq!(next_tok(s), by_chars(s), "{s:?}");
    }
}

#[test]
fn json_strings_written_as_serde_writes_them() {
    let long = "x".repeat(40);
    for s in [
        "",
        "plain",
        "q\"uote",
        "back\\slash",
        "tab\there",
        "nl\n",
        "\u{1}",
        "é ü 名前",
        "\u{7f}",
        "a/b",
        long.as_str(),
        &format!("{long}\""),
        &format!("{long}\u{1f}"),
        &format!("\\{long}"),
    ] {
        let mut buf = Vec::new();
        write_json_str(&mut buf, s);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            serde_json::to_string(s).unwrap(),
            "{s:?}"
        );
    }
}

#[test]
fn flat_records_read_as_serde_reads_them() {
    // Wherever the hand-read path takes a record, it must give what serde's visitor gives; and
    // it must take the common records (or it would not be worth having).
    fn same(t: &str) -> bool {
        let Some(fast) = super::flat::record(t) else {
            return false;
        };
        match parse_record_serde(t) {
            Ok(RecOrOther::Rec(slow)) => assert_eq!(fast, slow, "{t}"),
            Ok(RecOrOther::NotObject) => panic!("serde: not an object: {t}"),
            Err(e) => panic!("serde refuses what the flat path read: {e}: {t}"),
        }
        true
    }
    let common = [
        r#"{"level":"INFO","message":"Order confirmation sent","cold_start":true,"function_arn":"arn:aws:lambda:us-east-1:123456789012:function:notifications:12","function_memory_size":1024,"function_name":"notifications","function_request_id":"072abf7a-9c54-4bae-bb09-cc58ccc8995b","function_version":"12","sampling_rate":0.0,"service":"notifications","timestamp":"2026-10-03T00:02:26.696Z","xray_trace_id":"1-6ac04611-b21b46e3057aa330484085e2","correlation_id":"81eab9a3-08bf-425b-a7fa-b562fa79beef","order_id":"ord_8NWA9NCE4SHP","channel":"email"}"#,
        r#"{"requestId":"f589aed7-0900-4576-a4f0-b16ab1523f9c","extendedRequestId":"SzLH7qYYtH2C2s6=","ip":"192.0.2.63","caller":"-","user":"-","requestTime":"03/Oct/2026:00:02:25 +0000","httpMethod":"POST","resourcePath":"/orders","status":"201","protocol":"HTTP/1.1","responseLength":"113","responseLatency":"822","integrationLatency":"810","xrayTraceId":"1-6ac04611-b21b46e3057aa330484085e2"}"#,
        "{ \"level\" : \"WARN\" ,\n\t\"message\":\"spaced\\u0020out\" }",
        "{}",
        " {\"a\":1} \n",
        r#"{"status":200,"status":"dup","message":"m","message":7,"level":null,"x":-0,"y":-12,"z":1e3,"w":1.5E-7,"v":18446744073709551615,"u":18446744073709551616,"t":-9223372036854775809,"s":0.1,"r":true,"q":false}"#,
        r#"{"timestamp":1712567843850,"requestTimeEpoch":1712567843,"cold_start":"true","function_memory_size":"128","été":"ünïcödé ✓","":""}"#,
    ];
    for t in common.iter().filter(|t| !t.contains('\\')) {
        assert!(same(t), "the flat path should read {t}");
    }
    let mut corpus: Vec<String> = common.iter().map(|s| s.to_string()).collect();
    // Lines and records of the shared AWS fixtures, compact and pretty.
    let dir = std::env::var_os("SKYLENS_AWS_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/aws")
        });
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            corpus.extend(
                text.lines()
                    .filter(|l| l.trim_start().starts_with('{'))
                    .map(str::to_owned),
            );
            let mut values = Vec::new();
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(serde_json::Value::Array(a)) => values.extend(a),
                Ok(v) => values.push(v),
                Err(_) => {}
            }
            for v in values.into_iter().filter(serde_json::Value::is_object) {
                corpus.push(serde_json::to_string(&v).unwrap());
                corpus.push(serde_json::to_string_pretty(&v).unwrap());
            }
        }
    }
    assert!(
        corpus.len() > 50,
        "fixtures not found under {}",
        dir.display()
    );
    let mut taken = 0;
    for t in &corpus {
        taken += usize::from(same(t));
        // Every truncation, and corruptions at many places.
        for cut in (0..t.len()).filter(|&c| t.is_char_boundary(c)) {
            same(&t[..cut]);
        }
        for at in (0..t.len()).step_by(5).filter(|&c| t.is_char_boundary(c)) {
            for c in ["\"", ",", "}", "{", ":", "x", "\u{1}", " ", "0", "-", "."] {
                let mut m = t.clone();
                m.insert_str(at, c);
                same(&m);
                let mut m = t.clone();
                if let Some(ch) = m[at..].chars().next() {
                    m.replace_range(at..at + ch.len_utf8(), c);
                    same(&m);
                }
            }
        }
    }
    assert!(
        taken > 20,
        "the flat path took only {taken} of {} records",
        corpus.len()
    );
}
