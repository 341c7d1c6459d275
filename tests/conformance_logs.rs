//! Conformance of the CloudWatch Logs parsers on the shared real AWS fixtures: each file is
//! detected from its content, parsed, and the facts it carries are checked, both as rows of the
//! `logs` frame and as the assembled `invocations` frame.

mod common;

use polars::prelude::{DataFrame, DataType};
use skylens::model::facts::{FactKind, assemble};
use skylens::parse::{self, Batch, Format, ParseContext, SkipReason, detect::detect};

/// Detect and parse one fixture; the detected format must be `want`.
fn load(name: &str, want: Format, ctx: &ParseContext) -> Batch {
    let bytes = common::fixture(name);
    parse_bytes(&bytes, want, ctx)
}

fn parse_bytes(bytes: &[u8], want: Format, ctx: &ParseContext) -> Batch {
    let d = detect(bytes);
    assert_eq!(d.format, want, "detected format");
    let mut out = Batch::default();
    parse::parse(d.format, &d.payload, ctx, &mut out);
    out
}

fn group(g: &str) -> ParseContext {
    ParseContext {
        log_group: Some(g.to_owned()),
        ..ParseContext::default()
    }
}

fn no_ctx() -> ParseContext {
    ParseContext::default()
}

fn logs(out: &mut Batch) -> DataFrame {
    std::mem::take(&mut out.logs).finish().expect("logs frame")
}

fn inv(out: &Batch) -> DataFrame {
    assemble(&out.facts).expect("invocations frame")
}

fn strs(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    df.column(c)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

fn f64s(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
    df.column(c).unwrap().f64().unwrap().iter().collect()
}

fn i64s(df: &DataFrame, c: &str) -> Vec<Option<i64>> {
    df.column(c)
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect()
}

fn bools(df: &DataFrame, c: &str) -> Vec<Option<bool>> {
    df.column(c).unwrap().bool().unwrap().iter().collect()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// The invocation row of `request_id`, as (column → value) accessors.
struct Inv<'a> {
    df: &'a DataFrame,
    i: usize,
}

impl<'a> Inv<'a> {
    fn of(df: &'a DataFrame, request_id: &str) -> Inv<'a> {
        let i = strs(df, "request_id")
            .iter()
            .position(|r| r.as_deref() == Some(request_id));
        Inv {
            df,
            i: i.unwrap_or_else(|| panic!("no invocation {request_id} in {df}")),
        }
    }
    fn str(&self, c: &str) -> Option<String> {
        strs(self.df, c)[self.i].clone()
    }
    fn f64(&self, c: &str) -> Option<f64> {
        f64s(self.df, c)[self.i]
    }
    fn i64(&self, c: &str) -> Option<i64> {
        i64s(self.df, c)[self.i]
    }
    fn cold(&self) -> Option<bool> {
        bools(self.df, "cold")[self.i]
    }
}

fn iso(t: &str) -> Option<i64> {
    skylens::parse::time::parse_iso(t)
}

fn skipped(out: &Batch, r: SkipReason) -> u64 {
    out.skipped.get(&r).copied().unwrap_or(0)
}

#[test]
fn filter_log_events() {
    let mut out = load(
        "cloudwatch-filter-log-events.json",
        Format::CloudWatchEvents,
        &no_ctx(),
    );
    assert_eq!((out.records, out.skipped_total()), (2, 0));
    assert!(out.facts.is_empty());
    let df = logs(&mut out);
    assert_eq!(
        strs(&df, "message"),
        vec![s("Test MESSAGE1"), s("Test MESSAGE2")]
    );
    assert_eq!(
        strs(&df, "event_id"),
        vec![
            s("00091539120382912324200901570000096855579456010247667712"),
            s("00001544141707904000000130886135001961903807164184002560")
        ]
    );
    assert_eq!(
        strs(&df, "log_stream"),
        vec![s("teststream"), s("2024/05/09/[$LATEST]abc1024")]
    );
    assert_eq!(
        i64s(&df, "ts"),
        vec![Some(1_712_567_843_827_000), Some(1_712_568_068_991_000)]
    );
    assert_eq!(strs(&df, "kind"), vec![s("app"), s("app")]);
}

#[test]
fn filter_log_events_pages_appended() {
    let page = common::fixture("cloudwatch-filter-log-events.json");
    let mut two = page.clone();
    two.extend_from_slice(&page);
    let out = parse_bytes(&two, Format::CloudWatchEvents, &no_ctx());
    // The second page repeats the first: same event IDs.
    assert_eq!(
        (
            out.records,
            out.logs.len(),
            skipped(&out, SkipReason::Duplicate)
        ),
        (4, 2, 2)
    );
}

#[test]
fn get_log_events_lambda() {
    let mut out = load(
        "cloudwatch-get-log-events-lambda.json",
        Format::CloudWatchEvents,
        &group("/aws/lambda/my-function"),
    );
    assert_eq!((out.records, out.skipped_total()), (5, 0));
    let inv = inv(&out);
    assert_eq!(inv.height(), 1);
    let r = Inv::of(&inv, "4ce9340a-b765-490f-ad8a-02ab3415e2bf");
    assert_eq!(r.str("function"), s("my-function"));
    assert_eq!(
        (r.f64("duration_ms"), r.f64("billed_ms")),
        (Some(26.73), Some(27.0))
    );
    assert_eq!(
        (r.i64("memory_mb"), r.i64("max_memory_mb")),
        (Some(128), Some(75))
    );
    assert_eq!(
        (r.f64("init_ms"), r.cold(), r.str("cold_kind")),
        (None, Some(false), None)
    );
    assert_eq!(r.str("status"), s("success"));
    assert_eq!(r.i64("start"), Some(1_559_763_003_171_000));
    assert_eq!(r.str("version"), s("$LATEST"));
    let df = logs(&mut out);
    assert_eq!(
        strs(&df, "kind"),
        vec![
            s("platform"),
            s("app"),
            s("app"),
            s("platform"),
            s("platform")
        ]
    );
    assert_eq!(strs(&df, "level")[1], s("INFO"));
    // `\r` inside a Node.js message is a line break.
    assert_eq!(
        strs(&df, "message")[2],
        s("EVENT\n{\n  \"key\": \"value\"\n}")
    );
    assert!(
        strs(&df, "request_id")
            .iter()
            .all(|r| r.as_deref() == Some("4ce9340a-b765-490f-ad8a-02ab3415e2bf"))
    );
}

#[test]
fn subscription_payload() {
    let mut out = load(
        "cloudwatch-logs-subscription-decoded-lambda.json",
        Format::CloudWatchSubscription,
        &no_ctx(),
    );
    assert_eq!((out.records, out.skipped_total()), (1, 0));
    let inv = inv(&out);
    let r = Inv::of(&inv, "6234bffe-149a-b642-81ff-2e8e376d8aff");
    assert_eq!(
        (r.str("function"), r.str("log_group"), r.str("account")),
        (
            s("echo-nodejs"),
            s("/aws/lambda/echo-nodejs"),
            s("123456789012")
        )
    );
    assert_eq!(
        (
            r.f64("duration_ms"),
            r.f64("billed_ms"),
            r.i64("memory_mb"),
            r.i64("max_memory_mb")
        ),
        (Some(46.84), Some(47.0), Some(192), Some(72))
    );
    assert_eq!((r.cold(), r.str("status")), (Some(false), s("success")));
    let df = logs(&mut out);
    assert_eq!(
        strs(&df, "event_id"),
        vec![s(
            "34622316099697884706540976068822859012661220141643892546"
        )]
    );
    assert_eq!(
        strs(&df, "log_stream"),
        vec![s("2019/03/13/[$LATEST]94fa867e5374431291a7fc14e2f56ae7")]
    );
}

#[test]
fn subscription_payload_gzip_base64_envelopes() {
    use std::io::Write;
    let raw = common::fixture("cloudwatch-logs-subscription-decoded-lambda.json");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    let gz = gz.finish().unwrap();
    let out = parse_bytes(&gz, Format::CloudWatchSubscription, &no_ctx());
    assert_eq!(out.facts.len(), 1);
}

#[test]
fn nodejs_cold_start_with_xray_on_report() {
    let mut out = load(
        "lambda-cloudwatch-nodejs-cold-start-xray.log",
        Format::LogText,
        &group("/aws/lambda/my-function"),
    );
    assert_eq!(out.skipped_total(), 0, "{:?}", out.skipped);
    let inv = inv(&out);
    assert_eq!(inv.height(), 1);
    let r = Inv::of(&inv, "c793869b-ee49-115b-a5b6-4fd21e8dedac");
    assert_eq!(r.f64("duration_ms"), Some(128.83));
    assert_eq!(r.f64("billed_ms"), Some(200.0));
    assert_eq!(r.i64("memory_mb"), Some(128));
    assert_eq!(r.i64("max_memory_mb"), Some(74));
    assert_eq!(r.f64("init_ms"), Some(166.62));
    assert_eq!((r.cold(), r.str("cold_kind")), (Some(true), s("init")));
    assert_eq!(r.str("trace_id"), s("1-5d9d007f-0a8c7fd02xmpl480aed55ef0"));
    assert_eq!(
        (r.str("status"), r.str("function")),
        (s("success"), s("my-function"))
    );
    // The app lines carry their own time; the invocation starts at the first of them.
    assert_eq!(r.i64("start"), iso("2019-06-07T19:11:20.562Z"));
    let df = logs(&mut out);
    assert_eq!(
        df.height(),
        6,
        "START, three app lines with their continuation lines, END, REPORT"
    );
    assert_eq!(
        strs(&df, "level"),
        vec![None, s("INFO"), s("INFO"), s("WARN"), None, None]
    );
    let msgs = strs(&df, "message");
    assert!(
        msgs[1]
            .as_deref()
            .unwrap()
            .starts_with("ENVIRONMENT VARIABLES\n{\n  \"AWS_LAMBDA_FUNCTION_VERSION\"")
    );
    assert!(msgs[1].as_deref().unwrap().ends_with("  ...\n}"));
    assert_eq!(msgs[2], s("EVENT\n{\n  \"key\": \"value\"\n}"));
    assert_eq!(
        strs(&df, "trace_id")[5],
        s("1-5d9d007f-0a8c7fd02xmpl480aed55ef0")
    );
}

#[test]
fn python_cold_start_with_xray_on_next_line() {
    let mut out = load(
        "lambda-cloudwatch-python-cold-start-xray.log",
        Format::LogText,
        &group("/aws/lambda/my-function"),
    );
    assert_eq!(out.skipped_total(), 0, "{:?}", out.skipped);
    let inv = inv(&out);
    assert_eq!(inv.height(), 1);
    let r = Inv::of(&inv, "8f507cfc-xmpl-4697-b07a-ac58fc914c95");
    assert_eq!(
        (
            r.f64("duration_ms"),
            r.f64("billed_ms"),
            r.i64("memory_mb"),
            r.i64("max_memory_mb")
        ),
        (Some(15.74), Some(16.0), Some(128), Some(56))
    );
    assert_eq!((r.f64("init_ms"), r.cold()), (Some(130.49), Some(true)));
    assert_eq!(r.str("trace_id"), s("1-5e34a614-10bdxmplf1fb44f07bc535a1"));
    let df = logs(&mut out);
    // START, four print lines (each its own record: no runtime prefix), END, REPORT, XRAY.
    assert_eq!(df.height(), 8);
    assert_eq!(strs(&df, "message")[1], s("## ENVIRONMENT VARIABLES"));
    assert_eq!(
        strs(&df, "request_id")[7],
        s("8f507cfc-xmpl-4697-b07a-ac58fc914c95")
    );
}

#[test]
fn report_lines_of_every_runtime() {
    let out = load(
        "lambda-report-lines.log",
        Format::LogText,
        &group("/aws/lambda/my-function"),
    );
    assert_eq!(
        skipped(&out, SkipReason::Empty),
        5,
        "the blank lines between blocks"
    );
    assert_eq!(out.skipped_total(), 5);
    let inv = inv(&out);
    // Six blocks; the Ruby block's START names an ID its END/REPORT don't (a doc inconsistency).
    assert_eq!(inv.height(), 7);
    let want = [
        (
            "6bc28136-xmpl-4365-b021-0ce6b2e64ab0",
            198.50,
            200.0,
            512,
            90,
            524.75,
            None,
        ),
        (
            "dbda340c-xmpl-4031-8810-11bb609b4c71",
            38.66,
            39.0,
            128,
            54,
            203.69,
            Some("1-5e7d7595-212fxmpl9ee07c4884191322"),
        ),
        (
            "50aba555-xmpl-4b21-8358-644ee996a05f",
            12.96,
            13.0,
            128,
            48,
            117.86,
            Some("1-5e34a246-2a04xmpl0fa44eb60ea08c5f"),
        ),
        (
            "d1cf0ccb-xmpl-46e6-950d-04c96c9b1c5d",
            4157.16,
            4200.0,
            256,
            99,
            841.60,
            Some("1-5e7e8131-7ff0xmpl32bfb31045d0a3bb"),
        ),
        (
            "56639408-xmpl-435f-9041-ac47ae25ceed",
            3906.38,
            4000.0,
            512,
            367,
            5960.19,
            Some("1-5e843da6-733cxmple7d0c3c020510040"),
        ),
        (
            "12b3cae7-5f4e-415e-93e6-416b8f8b66e6",
            976.25,
            977.0,
            128,
            90,
            430.47,
            None,
        ),
    ];
    for (id, d, b, m, mx, init, trace) in want {
        let r = Inv::of(&inv, id);
        assert_eq!(
            (
                r.f64("duration_ms"),
                r.f64("billed_ms"),
                r.i64("memory_mb"),
                r.i64("max_memory_mb")
            ),
            (Some(d), Some(b), Some(m), Some(mx)),
            "{id}"
        );
        assert_eq!(
            (r.f64("init_ms"), r.cold(), r.str("status")),
            (Some(init), Some(true), s("success")),
            "{id}"
        );
        assert_eq!(r.str("trace_id").as_deref(), trace, "{id}");
    }
    let ruby_start = Inv::of(&inv, "50aba555-99c8-4b21-8358-644ee996a05f");
    assert_eq!(
        (ruby_start.f64("duration_ms"), ruby_start.str("version")),
        (None, s("$LATEST"))
    );
}

#[test]
fn python_task_timed_out_after_report() {
    let mut out = load(
        "lambda-timeout-python-task-timed-out.log",
        Format::LogText,
        &group("/aws/lambda/ip-ranges"),
    );
    assert_eq!(out.skipped_total(), 0, "{:?}", out.skipped);
    let inv = inv(&out);
    assert_eq!(inv.height(), 1);
    let r = Inv::of(&inv, "dbb585bb-3a54-4d1a-a690-54e5085c55f8");
    assert_eq!(r.str("status"), s("timeout"));
    assert_eq!(
        (
            r.f64("duration_ms"),
            r.f64("billed_ms"),
            r.f64("init_ms"),
            r.cold()
        ),
        (Some(300_099.78), Some(300_000.0), Some(170.57), Some(true))
    );
    assert!(out.facts.iter().any(|f| f.kind == FactKind::Timeout));
    let df = logs(&mut out);
    assert_eq!(
        strs(&df, "level"),
        vec![None, s("INFO"), s("INFO"), None, None, None]
    );
    assert_eq!(
        strs(&df, "message")[1],
        s("Received SNS event: 95df01b4-ee98-5cb9-9903-4c221d41eb5e")
    );
    assert_eq!(i64s(&df, "ts")[1], iso("2020-02-14T18:19:39.441Z"));
    assert_eq!(i64s(&df, "ts")[5], iso("2020-02-14T18:24:39.539Z"));
    assert_eq!(
        strs(&df, "request_id")[5],
        s("dbb585bb-3a54-4d1a-a690-54e5085c55f8")
    );
}

#[test]
fn report_status_timeout() {
    let out = load(
        "lambda-report-status-timeout.log",
        Format::LogText,
        &group("/aws/lambda/f"),
    );
    let inv = inv(&out);
    let cold = Inv::of(&inv, "bdace18c-8f63-48f0-b44a-c909b6b134a0");
    assert_eq!(
        (cold.f64("init_ms"), cold.cold(), cold.str("status")),
        (Some(3152.18), Some(true), s("success"))
    );
    assert_eq!(
        (cold.f64("duration_ms"), cold.i64("memory_mb")),
        (Some(2.85), Some(1024))
    );
    let t = Inv::of(&inv, "13222b1e-f16b-4550-89df-869ab0a9806d");
    assert_eq!(
        (
            t.str("status"),
            t.cold(),
            t.f64("duration_ms"),
            t.f64("billed_ms")
        ),
        (s("timeout"), Some(false), Some(3000.0), Some(3000.0))
    );
}

#[test]
fn snapstart_restore_sam_logs() {
    let mut out = load(
        "lambda-snapstart-restore-sam-logs.log",
        Format::LogText,
        &group("/aws/lambda/chime-sma"),
    );
    assert_eq!(
        skipped(&out, SkipReason::Empty),
        1,
        "the trailing blank line"
    );
    assert_eq!(out.skipped_total(), 1);
    let inv = inv(&out);
    assert_eq!(inv.height(), 5);
    let r = Inv::of(&inv, "b771fecc-1b53-4faf-922d-1d74357b1676");
    assert_eq!(
        (r.f64("restore_ms"), r.cold(), r.str("cold_kind")),
        (Some(511.25), Some(true), s("restore"))
    );
    assert_eq!(
        (
            r.f64("duration_ms"),
            r.f64("billed_ms"),
            r.i64("memory_mb"),
            r.i64("max_memory_mb")
        ),
        (Some(306.34), Some(610.0), Some(3009), Some(155))
    );
    assert_eq!(
        (r.str("version"), r.i64("start")),
        (s("56"), iso("2023-07-05T10:16:34.379Z"))
    );
    for id in [
        "7667964c-05ac-4891-b28c-56f1282ebc1b",
        "c5617d6b-3eff-409b-bff8-7f6ed83c319a",
        "09cea32b-12e6-4283-9092-15e3fd5eabf8",
        "010f6002-d185-4e96-9971-5360a2c6aa72",
    ] {
        let w = Inv::of(&inv, id);
        assert_eq!(
            (w.cold(), w.f64("restore_ms"), w.str("status")),
            (Some(false), None, s("success")),
            "{id}"
        );
    }
    assert_eq!(
        Inv::of(&inv, "7667964c-05ac-4891-b28c-56f1282ebc1b").f64("duration_ms"),
        Some(138.27)
    );
    let df = logs(&mut out);
    let streams = strs(&df, "log_stream");
    assert!(
        streams
            .iter()
            .all(|x| x.as_deref() == Some("2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741"))
    );
    assert!(i64s(&df, "ts").iter().all(Option::is_some));
    let msgs = strs(&df, "message");
    assert_eq!(msgs[1], s("RESTORE_REPORT Restore Duration: 511.25 ms"));
    assert_eq!(strs(&df, "level")[3], s("DEBUG"));
    assert!(
        msgs[3]
            .as_deref()
            .unwrap()
            .starts_with("AbstractFlow:214 - SMARequest(")
    );
}

#[test]
fn json_platform_events() {
    let mut out = load(
        "lambda-json-platform-events.jsonl",
        Format::LogJsonLines,
        &no_ctx(),
    );
    assert_eq!((out.records, out.skipped_total()), (9, 0));
    let inv = inv(&out);
    let r = Inv::of(&inv, "01ad0e05-391e-4507-9233-ae7ad823dbc1");
    assert_eq!(r.f64("init_ms"), Some(772.443));
    assert_eq!((r.cold(), r.str("cold_kind")), (Some(true), s("init")));
    assert_eq!(
        (
            r.f64("duration_ms"),
            r.f64("billed_ms"),
            r.i64("memory_mb"),
            r.i64("max_memory_mb")
        ),
        (Some(26.843), Some(27.0), Some(128), Some(77))
    );
    assert_eq!(r.str("trace_id"), s("1-68183818-4eab0e4002398a2f375bd11a"));
    assert_eq!(
        r.str("function"),
        s("sam-app-powertools-python-HelloWorldFunction-snAkfaCNYJjx")
    );
    assert_eq!(
        (r.str("region"), r.str("account")),
        (s("ap-south-1"), s("11212121212112"))
    );
    assert_eq!(
        (r.str("status"), r.str("version")),
        (s("success"), s("$LATEST"))
    );
    assert_eq!(r.i64("start"), iso("2025-05-05T04:01:29.886Z"));
    let j = Inv::of(&inv, "aab10ce8-caba-481f-8524-11073604c9ba");
    assert_eq!(
        j.str("function"),
        s("sam-app-java-application-logs-HelloWorldFunction-bjinEohupZ01")
    );
    assert_eq!(
        (j.str("trace_id"), j.str("status")),
        (s("1-6819ecef-522a9c7c65e3328b2d885596"), s("success"))
    );
    assert_eq!(inv.height(), 2);
    let df = logs(&mut out);
    assert_eq!(df.height(), 9);
    assert_eq!(
        strs(&df, "kind"),
        [vec![s("platform"); 7], vec![s("app")], vec![s("platform")]].concat()
    );
    assert_eq!(strs(&df, "message")[0], s("platform.start"));
    assert_eq!(strs(&df, "level")[7], s("UNDEFINED"));
    assert_eq!(
        strs(&df, "request_id")[7],
        s("aab10ce8-caba-481f-8524-11073604c9ba")
    );
    assert_eq!(
        strs(&df, "service")[2],
        s("sam-app-java-application-logs-HelloWorldFunction-bjinEohupZ01"),
        "initStart names its function"
    );
}

#[test]
fn powertools_java_structured_arguments() {
    let mut out = load(
        "powertools-java-structured-arguments.json",
        Format::LogJsonArray,
        &no_ctx(),
    );
    assert!(out.facts.is_empty(), "no request ID in this record");
    let df = logs(&mut out);
    assert_eq!(df.height(), 1);
    assert_eq!(
        (
            strs(&df, "service")[0].clone(),
            strs(&df, "trace_id")[0].clone()
        ),
        (s("payment"), s("1-6569f266-4b0c7f97280dcd8428d3c9b5"))
    );
    assert_eq!(i64s(&df, "ts")[0], iso("2023-12-01T14:49:19.293Z"));
    let fields: serde_json::Value =
        serde_json::from_str(strs(&df, "fields")[0].as_deref().unwrap()).unwrap();
    assert_eq!(fields["order"]["orderId"], 23542);
    assert_eq!(fields["products"][1]["price"], 159.99);
    assert!(fields.get("message").is_none() && fields.get("level").is_none());
}

#[test]
fn powertools_python_correlation_id() {
    let mut out = load(
        "powertools-python-correlation-id.json",
        Format::LogJsonArray,
        &no_ctx(),
    );
    let inv = inv(&out);
    let r = Inv::of(&inv, "52fdfc07-2182-154f-163f-5f0f9a621d72");
    assert_eq!(
        (r.cold(), r.str("cold_kind"), r.str("function")),
        (Some(true), s("init"), s("test"))
    );
    assert_eq!(
        (r.str("region"), r.str("account")),
        (s("eu-west-1"), s("12345678910"))
    );
    let df = logs(&mut out);
    assert_eq!(strs(&df, "correlation_id"), vec![s("correlation_id_value")]);
    assert_eq!(strs(&df, "service"), vec![s("payment")]);
    assert_eq!(i64s(&df, "ts"), vec![iso("2021-05-03T11:47:12.494Z")]);
}

#[test]
fn powertools_python_inject_lambda_context() {
    let mut out = load(
        "powertools-python-inject-lambda-context.json",
        Format::LogJsonArray,
        &no_ctx(),
    );
    assert_eq!(out.records, 2);
    let inv = inv(&out);
    assert_eq!(inv.height(), 1);
    assert_eq!(
        Inv::of(&inv, "52fdfc07-2182-154f-163f-5f0f9a621d72").cold(),
        Some(true)
    );
    let df = logs(&mut out);
    assert_eq!(
        strs(&df, "message"),
        vec![
            s("Collecting payment"),
            s(r#"{"operation":"collect_payment","charge_id":"ch_AZFlk2345C0"}"#)
        ]
    );
    assert_eq!(
        strs(&df, "event_id")
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        2
    );
}

#[test]
fn powertools_python_logging_exception() {
    let mut out = load(
        "powertools-python-logging-exception.json",
        Format::LogJsonArray,
        &no_ctx(),
    );
    assert!(out.facts.is_empty());
    let df = logs(&mut out);
    assert_eq!(strs(&df, "level"), vec![s("ERROR")]);
    let fields: serde_json::Value =
        serde_json::from_str(strs(&df, "fields")[0].as_deref().unwrap()).unwrap();
    assert_eq!(fields["exception_name"], "RuntimeError");
    assert!(
        fields["exception"]
            .as_str()
            .unwrap()
            .starts_with("Traceback")
    );
}

#[test]
fn powertools_python_real_sam_app() {
    let mut out = load(
        "powertools-python-real-sam-app.jsonl",
        Format::LogJsonLines,
        &no_ctx(),
    );
    assert_eq!((out.records, out.skipped_total()), (2, 0));
    let inv = inv(&out);
    assert_eq!(inv.height(), 2);
    let r = Inv::of(&inv, "229394ef-0dd2-4753-a668-5186d8c14ad1");
    assert_eq!(
        (r.cold(), r.str("trace_id")),
        (Some(false), s("1-68183820-1a7106da2a0a87650e15c2d9"))
    );
    assert_eq!(
        r.str("function"),
        s("sam-app-powertools-python-HelloWorldFunction-snAkfaCNYJjx")
    );
    let df = logs(&mut out);
    assert_eq!(
        strs(&df, "correlation_id"),
        vec![
            s("61e04c88-2ffe-45f6-a4f4-a2d3b15c3066"),
            s("aa71551d-c6f5-46e4-a316-740fd7c447c1")
        ]
    );
    assert_eq!(strs(&df, "service"), vec![s("PowertoolsHelloWorld"); 2]);
    let fields: serde_json::Value =
        serde_json::from_str(strs(&df, "fields")[0].as_deref().unwrap()).unwrap();
    assert_eq!(fields["function_memory_size"], "128");
}

#[test]
fn powertools_typescript() {
    let out = load(
        "powertools-typescript-cloudwatch-excerpt.json",
        Format::LogJsonArray,
        &no_ctx(),
    );
    let inv = inv(&out);
    let r = Inv::of(&inv, "c6af9ac6-7b61-11e6-9a41-93e812345678");
    assert_eq!(
        (r.cold(), r.str("function")),
        (Some(true), s("shopping-cart-api-lambda-prod-eu-west-1"))
    );
    assert_eq!(
        r.str("trace_id"),
        s("abcdef123456abcdef123456abcdef123456"),
        "kept as written when not in 1- form"
    );

    // First invocation cold, second warm: the same request ID in the doc example, so the two
    // records together make one cold invocation.
    let cold = load(
        "powertools-typescript-first-invocation-cold.json",
        Format::LogJsonArray,
        &no_ctx(),
    );
    let warm = load(
        "powertools-typescript-second-invocation-warm.json",
        Format::LogJsonArray,
        &no_ctx(),
    );
    let flag = |out: &Batch| {
        out.facts.iter().find_map(|f| match f.kind {
            FactKind::ColdStartFlag(b) if f.request_id == "abcdef123456abcdef123456" => Some(b),
            _ => None,
        })
    };
    assert_eq!((flag(&cold), flag(&warm)), (Some(true), Some(false)));
    let inv_warm = assemble(&warm.facts).unwrap();
    assert_eq!(
        Inv::of(&inv_warm, "abcdef123456abcdef123456").cold(),
        Some(false)
    );
    let mut both = cold.facts.clone();
    both.extend(warm.facts.iter().cloned());
    let inv_both = assemble(&both).unwrap();
    let r = Inv::of(&inv_both, "abcdef123456abcdef123456");
    assert_eq!(
        (r.cold(), r.str("trace_id"), r.str("function")),
        (
            Some(true),
            s("1-5759e988-bd862e3fe1be46a994272793"),
            s("foo-bar-function")
        )
    );
}

#[test]
fn apigw_rest_access_log() {
    let mut out = load(
        "apigw-rest-access-log.jsonl",
        Format::LogJsonLines,
        &group("API-Gateway-Access-Logs"),
    );
    assert_eq!((out.records, out.skipped_total()), (5, 0));
    assert!(out.facts.is_empty());
    let df = logs(&mut out);
    assert_eq!(strs(&df, "kind"), vec![s("access"); 5]);
    assert_eq!(
        strs(&df, "request_id")[1],
        s("caa4a500-2651-4476-aa1f-a639b858819b")
    );
    assert_eq!(strs(&df, "message")[0], s("GET /pets 200"));
    assert_eq!(strs(&df, "message")[1], s("GET /pets/{petId} 200"));
    assert_eq!(i64s(&df, "ts")[0], iso("2023-06-10T15:36:28Z"));
    assert_eq!(strs(&df, "service")[3], s("asad15n3p0"));
    let fields: serde_json::Value =
        serde_json::from_str(strs(&df, "fields")[3].as_deref().unwrap()).unwrap();
    assert_eq!(
        (
            fields["resourcePath"].as_str(),
            fields["status"].as_str(),
            fields["stage"].as_str()
        ),
        (Some("/pets/{petId}"), Some("200"), Some("prod"))
    );
    assert!(fields.get("requestId").is_none());
}

#[test]
fn apigw_http_api_access_log() {
    let mut out = load(
        "apigw-http-api-access-log.jsonl",
        Format::LogJsonLines,
        &no_ctx(),
    );
    let df = logs(&mut out);
    assert_eq!(strs(&df, "kind"), vec![s("access")]);
    assert_eq!(strs(&df, "request_id"), vec![s("GQIVriFLIAMEMsA=")]);
    assert_eq!(strs(&df, "message"), vec![s("GET / 200")]);
    assert_eq!(i64s(&df, "ts"), vec![iso("2023-06-09T12:54:08Z")]);
    let fields: serde_json::Value =
        serde_json::from_str(strs(&df, "fields")[0].as_deref().unwrap()).unwrap();
    assert_eq!(fields["routeKey"], "GET /");
}

/// The JSON template of a `*-templates.txt` fixture (the block starting with `{`), its `\`
/// continuation marks removed, every `$context.x.y` replaced by `sample(x.y)`.
fn render_json_template(name: &str, sample: impl Fn(&str) -> String) -> String {
    let text = String::from_utf8(common::fixture(name)).unwrap();
    let block = text
        .split("\n\n")
        .find(|b| b.trim_start().starts_with('{'))
        .expect("a JSON template");
    let joined: String = block
        .lines()
        .map(|l| l.trim_end().trim_end_matches('\\').trim())
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = String::new();
    let mut rest = joined.as_str();
    while let Some(i) = rest.find("$context.") {
        out.push_str(&rest[..i]);
        let var = &rest[i + "$context.".len()..];
        let end = var
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
            .unwrap_or(var.len());
        out.push_str(&sample(&var[..end]));
        rest = &var[end..];
    }
    out.push_str(rest);
    out
}

fn sample_value(var: &str) -> String {
    match var {
        "requestId" => "c6af9ac6-7b61-11e6-9a41-93e812345678".into(),
        "extendedRequestId" => "a1b2c3d4e5f6g7h=".into(),
        "identity.sourceIp" => "198.51.100.7".into(),
        "identity.caller" | "identity.user" => "-".into(),
        "requestTime" => "20/Mar/2019:20:38:30 +0000".into(),
        "httpMethod" => "POST".into(),
        "resourcePath" => "/orders/{id}".into(),
        "routeKey" => "POST /orders/{id}".into(),
        "status" => "502".into(),
        "protocol" => "HTTP/1.1".into(),
        "responseLength" => "36".into(),
        other => panic!("no sample for $context.{other}"),
    }
}

#[test]
fn apigw_rest_json_template_rendered() {
    let line = render_json_template("apigw-rest-access-log-format-templates.txt", sample_value);
    let mut out = parse_bytes(line.as_bytes(), Format::LogJsonLines, &no_ctx());
    assert_eq!(out.skipped_total(), 0, "{line}");
    let df = logs(&mut out);
    assert_eq!(strs(&df, "kind"), vec![s("access")]);
    assert_eq!(
        strs(&df, "request_id"),
        vec![s("c6af9ac6-7b61-11e6-9a41-93e812345678")]
    );
    assert_eq!(strs(&df, "message"), vec![s("POST /orders/{id} 502")]);
    assert_eq!(i64s(&df, "ts"), vec![iso("2019-03-20T20:38:30Z")]);
    let fields: serde_json::Value =
        serde_json::from_str(strs(&df, "fields")[0].as_deref().unwrap()).unwrap();
    assert_eq!(fields["extendedRequestId"], "a1b2c3d4e5f6g7h=");
    assert_eq!(fields["caller"], "-");
}

#[test]
fn apigw_http_json_template_rendered() {
    let line = render_json_template(
        "apigw-http-api-access-log-format-templates.txt",
        sample_value,
    );
    let mut out = parse_bytes(line.as_bytes(), Format::LogJsonLines, &no_ctx());
    let df = logs(&mut out);
    assert_eq!(strs(&df, "kind"), vec![s("access")]);
    assert_eq!(strs(&df, "message"), vec![s("POST /orders/{id} 502")]);
    // Two such lines in one JSON Lines file: both read.
    let two = format!("{line}\n{}\n", line.replace("c6af9ac6", "d6af9ac6"));
    let out = parse_bytes(two.as_bytes(), Format::LogJsonLines, &no_ctx());
    assert_eq!((out.records, out.logs.len()), (2, 2));
}

#[test]
fn apigw_lambda_proxy_echo_is_one_app_record() {
    let mut out = load(
        "apigw-rest-lambda-proxy-echo-response.json",
        Format::LogJsonArray,
        &no_ctx(),
    );
    assert!(out.facts.is_empty());
    let df = logs(&mut out);
    assert_eq!(
        strs(&df, "message"),
        vec![s("Good evening, John of Seattle. Happy Thursday!")]
    );
    let fields: serde_json::Value =
        serde_json::from_str(strs(&df, "fields")[0].as_deref().unwrap()).unwrap();
    assert_eq!(
        fields["input"]["requestContext"]["requestId"],
        "test-invoke-request"
    );
}

/// Throughput from raw FilterLogEvents JSON to frames (run with `--ignored --nocapture`).
#[test]
#[ignore]
fn throughput_filter_log_events() {
    use std::fmt::Write as _;
    let mut doc = String::from("{\"events\":[");
    let mut n = 0u64;
    while doc.len() < 200 << 20 {
        let rid = format!("{:08x}-1b53-4faf-922d-1d74357b1676", n);
        let ts = 1_700_000_000_000u64 + n;
        let msgs = [
            format!("START RequestId: {rid} Version: $LATEST\\n"),
            format!(
                "2023-11-14T22:13:20.000Z\\t{rid}\\tINFO\\tprocessing order 42 for customer 17 with a reasonably long message text\\n"
            ),
            format!(
                "{{\\\"timestamp\\\":\\\"2023-11-14T22:13:20.001Z\\\",\\\"level\\\":\\\"INFO\\\",\\\"requestId\\\":\\\"{rid}\\\",\\\"message\\\":\\\"charged card\\\",\\\"amount\\\":12.5}}\\n"
            ),
            format!("END RequestId: {rid}\\n"),
            format!(
                "REPORT RequestId: {rid}\\tDuration: 12.34 ms\\tBilled Duration: 13 ms\\tMemory Size: 128 MB\\tMax Memory Used: 70 MB\\t\\n"
            ),
        ];
        for (i, m) in msgs.iter().enumerate() {
            if n > 0 || i > 0 {
                doc.push(',');
            }
            let _ = write!(
                doc,
                "{{\"logStreamName\":\"2023/11/14/[$LATEST]0123456789abcdef0123456789abcdef\",\"timestamp\":{ts},\"message\":\"{m}\",\"ingestionTime\":{ts},\"eventId\":\"{n:020}{i:036}\"}}"
            );
        }
        n += 1;
    }
    doc.push_str("]}");
    let ctx = group("/aws/lambda/orders");
    let t = std::time::Instant::now();
    let mut out = Batch::default();
    parse::parse(Format::CloudWatchEvents, doc.as_bytes(), &ctx, &mut out);
    let parsed = t.elapsed();
    let logs = std::mem::take(&mut out.logs).finish().unwrap();
    let inv = assemble(&out.facts).unwrap();
    let total = t.elapsed();
    assert_eq!(out.skipped_total(), 0);
    assert_eq!(inv.height() as u64, n);
    let mb = doc.len() as f64 / 1e6;
    println!(
        "{mb:.0} MB, {} events: parse {:.0} MB/s, to frames {:.0} MB/s ({} log rows, {} invocations)",
        out.records,
        mb / parsed.as_secs_f64(),
        mb / total.as_secs_f64(),
        logs.height(),
        inv.height()
    );
}
