mod common;
use skylens::parse::{self, Batch, ParseContext};

#[test]
fn dump() {
    for (f, fmt) in [
        ("xray-batch-get-traces.json", parse::Format::XrayTraces),
        ("xray-trace-lambda-function-init-overhead-invocation.json", parse::Format::XrayTraces),
        ("xray-daemon-raw-segment-ddb-fault-cause.txt", parse::Format::XrayDaemonRaw),
        ("xray-segment-documents-apigw-lambda-events.jsonl", parse::Format::XraySegments),
        ("xray-subsegment-sql.json", parse::Format::XraySegments),
        ("xray-get-trace-summaries.json", parse::Format::XrayTraceSummaries),
        ("xray-get-service-graph.json", parse::Format::XrayServiceGraph),
    ] {
        let b = common::fixture(f);
        println!("== {f} detect={:?}", parse::detect::detect(&b).format);
        let mut out = Batch::default();
        parse::parse(fmt, &b, &ParseContext::default(), &mut out);
        println!("records={} skipped={:?} facts={:#?}", out.records, out.skipped, out.facts);
        println!("graphs={:#?}", out.service_graphs);
        let df = out.spans.finish().unwrap();
        println!("{df}");
    }
    for f in std::fs::read_dir(common::aws_fixtures()).unwrap() {
        let p = f.unwrap().path();
        let n = p.file_name().unwrap().to_string_lossy().to_string();
        if n.starts_with("xray") { println!("{n}: {:?}", parse::detect::detect(&std::fs::read(&p).unwrap()).format); }
    }
}
