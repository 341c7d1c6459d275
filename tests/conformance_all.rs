//! Every file in the shared AWS fixture set is either read (its format detected from content and
//! at least one row produced, nothing skipped except blank lines and elisions) or refused on
//! purpose, for a stated reason. A new fixture that is neither fails this test.

mod common;

use skylens::parse::{self, Batch, Format, ParseContext, SkipReason, detect::detect};

/// Fixtures that are documentation about formats rather than data, refused on purpose: they are
/// used by the format tests (`conformance_logs`, `conformance_cost`) to build real inputs.
const REFUSED: &[(&str, &str)] = &[
    ("SOURCES.md", "provenance notes, not AWS output"),
    (
        "apigw-http-api-access-log-format-templates.txt",
        "access-log format templates ($context variables), not log lines",
    ),
    (
        "apigw-rest-access-log-format-templates.txt",
        "access-log format templates ($context variables), not log lines",
    ),
    (
        "cur-legacy-csv-column-names.txt",
        "a list of CUR column names, not a CUR report",
    ),
    (
        "cur2-data-exports-columns.csv",
        "a list of CUR 2.0 column names and Glue types, not a CUR export",
    ),
];

fn expected_format(name: &str) -> Format {
    match name {
        n if n.starts_with("cloudwatch-logs-subscription") => Format::CloudWatchSubscription,
        n if n.starts_with("cloudwatch-") => Format::CloudWatchEvents,
        n if n.ends_with(".log") => Format::LogText,
        n if n.starts_with("lambda-json") || n.ends_with(".jsonl") && !n.starts_with("xray") => {
            Format::LogJsonLines
        }
        n if n.starts_with("powertools-") => Format::LogJsonArray,
        "apigw-rest-lambda-proxy-echo-response.json" => Format::LogJsonArray,
        "xray-batch-get-traces.json"
        | "xray-trace-lambda-function-init-overhead-invocation.json" => Format::XrayTraces,
        "xray-get-trace-summaries.json" => Format::XrayTraceSummaries,
        "xray-get-service-graph.json" => Format::XrayServiceGraph,
        "xray-daemon-raw-segment-ddb-fault-cause.txt" => Format::XrayDaemonRaw,
        n if n.starts_with("xray-") => Format::XraySegments,
        "ce-get-tags.json" => Format::CostTags,
        n if n.starts_with("ce-") => Format::CostAndUsage,
        other => panic!("fixture {other} has no expected format: add it to this test"),
    }
}

#[test]
fn every_fixture_is_read_or_refused_on_purpose() {
    let dir = common::aws_fixtures();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("fixtures at {} unreadable: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 40,
        "expected the whole fixture set, found {}",
        names.len()
    );
    let mut read = 0;
    for name in &names {
        let bytes = common::fixture(name);
        let d = detect(&bytes);
        if let Some((_, why)) = REFUSED.iter().find(|(n, _)| n == name) {
            assert_eq!(
                d.format,
                Format::Unknown,
                "{name} ({why}) should be refused"
            );
            continue;
        }
        assert_eq!(d.format, expected_format(name), "{name}: detected format");
        let mut b = Batch::default();
        parse::parse(d.format, &d.payload, &ParseContext::default(), &mut b);
        let rows = b.logs.len()
            + b.spans.len()
            + b.costs.len()
            + b.service_graphs.len()
            + b.tag_keys.len();
        assert!(rows > 0, "{name}: no rows");
        for (reason, n) in &b.skipped {
            assert!(
                matches!(reason, SkipReason::Empty),
                "{name}: {n} records skipped as {reason:?}; a real AWS file must be read whole"
            );
        }
        read += 1;
    }
    assert_eq!(read + REFUSED.len(), names.len());
}
