//! Conformance of the X-Ray parsers over every shared `xray-*` fixture: format detection, then
//! the parser, with the concrete facts each file carries.

mod common;

use polars::prelude::{DataFrame, DataType};
use skylens::model::facts::FactKind;
use skylens::parse::xray::ServiceGraph;
use skylens::parse::{self, Batch, Format, ParseContext, SkipReason};

/// Detect the fixture's format, check it is `expected`, and parse it.
fn load(name: &str, expected: Format) -> (Batch, Spans) {
    let bytes = common::fixture(name);
    let detected = parse::detect::detect(&bytes);
    assert_eq!(detected.format, expected, "format of {name}");
    let mut out = Batch::default();
    parse::parse(
        detected.format,
        &detected.payload,
        &ParseContext::default(),
        &mut out,
    );
    let spans = std::mem::take(&mut out.spans)
        .finish()
        .expect("spans frame");
    let graph_items: usize = out
        .service_graphs
        .iter()
        .map(|g| g.nodes.len() + g.edges.len())
        .sum();
    assert_eq!(
        out.records,
        (spans.height() + graph_items) as u64 + out.skipped_total(),
        "{name}: every record is a row, a graph node or edge, or a counted skip"
    );
    (out, Spans(spans))
}

/// The `spans` frame, read by span ID.
struct Spans(DataFrame);

impl Spans {
    fn len(&self) -> usize {
        self.0.height()
    }
    fn row(&self, id: &str) -> usize {
        let ids = self.0.column("id").unwrap().str().unwrap();
        let rows: Vec<usize> = (0..self.len())
            .filter(|&i| ids.get(i) == Some(id))
            .collect();
        assert_eq!(rows.len(), 1, "exactly one span with id {id}");
        rows[0]
    }
    fn str(&self, id: &str, col: &str) -> Option<String> {
        self.0
            .column(col)
            .unwrap()
            .str()
            .unwrap()
            .get(self.row(id))
            .map(str::to_owned)
    }
    fn f64(&self, id: &str, col: &str) -> Option<f64> {
        self.0.column(col).unwrap().f64().unwrap().get(self.row(id))
    }
    /// An integer or timestamp (µs) column.
    fn i64(&self, id: &str, col: &str) -> Option<i64> {
        let c = self.0.column(col).unwrap().cast(&DataType::Int64).unwrap();
        c.i64().unwrap().get(self.row(id))
    }
    fn bool(&self, id: &str, col: &str) -> Option<bool> {
        self.0
            .column(col)
            .unwrap()
            .bool()
            .unwrap()
            .get(self.row(id))
    }
    fn ids(&self) -> Vec<String> {
        let ids = self.0.column("id").unwrap().str().unwrap();
        (0..self.len())
            .filter_map(|i| ids.get(i).map(str::to_owned))
            .collect()
    }
    fn count(&self, col: &str, value: &str) -> usize {
        let c = self.0.column(col).unwrap().str().unwrap();
        (0..self.len()).filter(|&i| c.get(i) == Some(value)).count()
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 0.002)
}

#[test]
fn batch_get_traces_lambda_eb_and_inferred_segments() {
    let (out, s) = load("xray-batch-get-traces.json", Format::XrayTraces);
    let trace = "1-59602603-23fc5b688855d396af79b496";
    assert_eq!(s.len(), 11);
    assert_eq!(out.skipped_total(), 0);
    assert_eq!(s.count("trace_id", trace), 11);
    assert_eq!(s.count("kind", "segment"), 3);
    assert_eq!(s.count("kind", "subsegment"), 6);
    assert_eq!(s.count("kind", "inferred"), 2);

    // AWS::Lambda service segment: the Lambda request ID and the function ARN.
    let lambda = "1fb07842d944e714";
    assert_eq!(s.str(lambda, "origin").as_deref(), Some("AWS::Lambda"));
    assert_eq!(
        s.str(lambda, "parent_id").as_deref(),
        Some("0c544c1b1bbff948")
    );
    assert_eq!(s.str(lambda, "segment_id").as_deref(), Some(lambda));
    assert_eq!(
        s.str(lambda, "request_id").as_deref(),
        Some("ac086670-6373-11e7-a174-f31b3397f190")
    );
    assert_eq!(
        s.str(lambda, "resource").as_deref(),
        Some("arn:aws:lambda:us-west-2:123456789012:function:random-name")
    );
    assert_eq!(s.i64(lambda, "start"), Some(1_499_473_411_677_000));
    assert_eq!(s.i64(lambda, "end"), Some(1_499_473_414_572_000));
    assert_eq!(s.f64(lambda, "duration_ms"), Some(2895.0));
    assert_eq!(s.i64(lambda, "http_status"), Some(200));

    // Elastic Beanstalk segment and its nested subsegments.
    let eb = "194fcc8747581230";
    assert_eq!(s.str(eb, "name").as_deref(), Some("Scorekeep"));
    assert_eq!(
        s.str(eb, "origin").as_deref(),
        Some("AWS::ElasticBeanstalk::Environment")
    );
    assert_eq!(s.str(eb, "parent_id"), None);
    assert_eq!(s.str(eb, "http_method").as_deref(), Some("POST"));
    assert_eq!(
        s.str(eb, "http_url").as_deref(),
        Some("http://scorekeep.elasticbeanstalk.com/api/user")
    );
    assert_eq!(s.f64(eb, "duration_ms"), Some(3232.0));
    let invoke = "0c544c1b1bbff948";
    assert_eq!(s.str(invoke, "parent_id").as_deref(), Some(eb));
    assert_eq!(s.str(invoke, "segment_id").as_deref(), Some(eb));
    assert_eq!(
        s.str(invoke, "origin").as_deref(),
        Some("AWS::ElasticBeanstalk::Environment")
    );
    assert_eq!(s.str(invoke, "namespace").as_deref(), Some("aws"));
    assert_eq!(s.str(invoke, "aws_operation").as_deref(), Some("Invoke"));
    assert_eq!(s.str(invoke, "resource").as_deref(), Some("random-name"));
    let ddb = "4cd3f10b76c624b4";
    assert_eq!(s.str(ddb, "parent_id").as_deref(), Some("071684f2e555e571"));
    assert_eq!(s.str(ddb, "segment_id").as_deref(), Some(eb));
    assert_eq!(s.str(ddb, "resource").as_deref(), Some("scorekeep-user"));
    assert_eq!(s.str(ddb, "aws_operation").as_deref(), Some("UpdateItem"));
    assert_eq!(s.f64(ddb, "duration_ms"), Some(79.0));

    // AWS::Lambda::Function segment: Initialization, annotations, SNS.
    let func = "00f91aa01f4984fd";
    assert_eq!(
        s.str(func, "origin").as_deref(),
        Some("AWS::Lambda::Function")
    );
    assert_eq!(s.str(func, "parent_id").as_deref(), Some(lambda));
    assert_eq!(s.f64(func, "duration_ms"), Some(1740.0));
    assert_eq!(
        s.str(func, "resource").as_deref(),
        Some("arn:aws:lambda:us-west-2:123456789012:function:random-name")
    );
    let init = "2279c0030c955e52";
    assert_eq!(s.str(init, "name").as_deref(), Some("Initialization"));
    assert_eq!(s.str(init, "parent_id").as_deref(), Some(func));
    assert_eq!(
        s.str(init, "origin").as_deref(),
        Some("AWS::Lambda::Function")
    );
    assert_eq!(s.f64(init, "duration_ms"), Some(755.0));
    assert_eq!(
        s.str("e6d2fe619f827804", "annotations").as_deref(),
        Some(r#"{"Name":"Ola","UserID":"5M388M1E"}"#)
    );
    let sns = "b29b548af4d54a0f";
    assert_eq!(s.str(sns, "aws_operation").as_deref(), Some("Publish"));
    assert_eq!(
        s.str(sns, "resource").as_deref(),
        Some(
            "arn:aws:sns:us-west-2:123456789012:awseb-e-ruag3jyweb-stack-NotificationTopic-6B829NT9V5O9"
        )
    );
    assert_eq!(
        s.str(sns, "request_id").as_deref(),
        Some("a2137970-f6fc-5029-83e8-28aadeb99198")
    );

    // Inferred segments hang off the subsegments that called them.
    let ddb_inferred = "17ba309b32c7fbaf";
    assert_eq!(s.str(ddb_inferred, "kind").as_deref(), Some("inferred"));
    assert_eq!(s.str(ddb_inferred, "parent_id").as_deref(), Some(ddb));
    assert_eq!(
        s.str(ddb_inferred, "origin").as_deref(),
        Some("AWS::DynamoDB::Table")
    );
    assert_eq!(
        s.str(ddb_inferred, "resource").as_deref(),
        Some("scorekeep-user")
    );
    assert_eq!(
        s.str("1ee3c4a523f89ca5", "kind").as_deref(),
        Some("inferred")
    );
    assert_eq!(s.str("1ee3c4a523f89ca5", "parent_id").as_deref(), Some(sns));
    for id in s.ids() {
        assert_eq!(s.bool(&id, "fault"), Some(false), "{id}");
        assert_eq!(s.bool(&id, "in_progress"), Some(false), "{id}");
    }

    // One invocation fact: the function segment, keyed by the request ID of its parent
    // AWS::Lambda segment, a cold start (Initialization 755 ms).
    assert_eq!(out.facts.len(), 1);
    let fact = &out.facts[0];
    assert_eq!(fact.request_id, "ac086670-6373-11e7-a174-f31b3397f190");
    assert_eq!(fact.function.as_deref(), Some("random-name"));
    assert_eq!(fact.region.as_deref(), Some("us-west-2"));
    assert_eq!(fact.account.as_deref(), Some("123456789012"));
    assert_eq!(
        fact.kind,
        FactKind::Segment {
            start: Some(1_499_473_412_830_000),
            duration_ms: Some(1740.0),
            init_ms: Some(755.0),
            failed: false,
            trace_id: Some(trace.to_owned()),
        }
    );
}

#[test]
fn trace_object_with_initialization_invocation_overhead() {
    let (out, s) = load(
        "xray-trace-lambda-function-init-overhead-invocation.json",
        Format::XrayTraces,
    );
    assert_eq!(s.len(), 5);
    assert_eq!(out.skipped_total(), 0);
    let func = "3705e19822f3db45";
    assert_eq!(
        s.str(func, "trace_id").as_deref(),
        Some("1-64de5a99-5d09aa705e56bbd0152548cb")
    );
    assert_eq!(s.str(func, "kind").as_deref(), Some("segment"));
    assert_eq!(
        s.str(func, "origin").as_deref(),
        Some("AWS::Lambda::Function")
    );
    assert_eq!(
        s.str(func, "parent_id").as_deref(),
        Some("60af780ecc5b639d")
    );
    assert!(
        close(s.f64(func, "duration_ms"), 648.12),
        "{:?}",
        s.f64(func, "duration_ms")
    );
    let init = "d42ac4bfc7906b53";
    assert_eq!(s.str(init, "name").as_deref(), Some("Initialization"));
    assert!(
        close(s.f64(init, "duration_ms"), 352.086),
        "{:?}",
        s.f64(init, "duration_ms")
    );
    assert_eq!(
        s.str("83f9591e84c79024", "name").as_deref(),
        Some("Overhead")
    );
    assert_eq!(
        s.str("5640de914527757d", "name").as_deref(),
        Some("Invocation")
    );
    let events = "aabeb336dc5bce90";
    assert_eq!(
        s.str(events, "parent_id").as_deref(),
        Some("5640de914527757d")
    );
    assert_eq!(s.str(events, "segment_id").as_deref(), Some(func));
    assert_eq!(s.str(events, "namespace").as_deref(), Some("aws"));
    assert_eq!(s.str(events, "aws_operation").as_deref(), Some("PutEvents"));
    assert_eq!(
        s.str(events, "request_id").as_deref(),
        Some("e957a46b-60da-47be-b4af-8b947507c9ab")
    );
    assert_eq!(s.f64(events, "duration_ms"), Some(500.0));
    // The AWS::Lambda segment that carries the request ID is not in this trace: no fact.
    assert!(out.facts.is_empty());
}

#[test]
fn daemon_raw_dynamodb_fault_and_cause() {
    let (out, s) = load(
        "xray-daemon-raw-segment-ddb-fault-cause.txt",
        Format::XrayDaemonRaw,
    );
    assert_eq!(s.len(), 18);
    assert_eq!(out.skipped_total(), 0);
    assert_eq!(
        s.count("trace_id", "1-5f29ab21-d4ebf299219a65bd5c31d6da"),
        18
    );
    assert_eq!(s.count("kind", "segment"), 1);
    assert_eq!(s.count("segment_id", "88ad1df59cd7a7be"), 18);
    let root = "88ad1df59cd7a7be";
    assert_eq!(s.str(root, "name").as_deref(), Some("DDB"));
    assert_eq!(s.bool(root, "fault"), Some(true));
    assert_eq!(
        s.str(root, "cause").as_deref(),
        Some("ResourceNotFoundException: Requested resource not found")
    );
    assert_eq!(s.i64(root, "start"), Some(1_596_566_305_535_414));
    assert!(
        close(s.f64(root, "duration_ms"), 57.440),
        "{:?}",
        s.f64(root, "duration_ms")
    );
    let sub = "7df694142c905d8d";
    assert_eq!(
        s.str(sub, "annotations").as_deref(),
        Some(r#"{"DDB.DescribeExistingTableAndPutToMissingTable.Annotation":"anno"}"#)
    );
    let describe = "7318c46a385557f5";
    assert_eq!(
        s.str(describe, "aws_operation").as_deref(),
        Some("DescribeTable")
    );
    assert_eq!(
        s.str(describe, "resource").as_deref(),
        Some("xray_sample_table")
    );
    assert_eq!(s.i64(describe, "http_status"), Some(200));
    assert_eq!(s.bool(describe, "fault"), Some(false));
    let put = "71631df3f58bdfc5";
    assert_eq!(s.str(put, "aws_operation").as_deref(), Some("PutItem"));
    assert_eq!(s.str(put, "resource").as_deref(), Some("does_not_exist"));
    assert_eq!(
        s.str(put, "request_id").as_deref(),
        Some("TJUJNR0JV84CFHJL93D3GIA0LBVV4KQNSO5AEMVJF66Q9ASUAAJG")
    );
    assert_eq!(s.i64(put, "http_status"), Some(400));
    assert_eq!(s.bool(put, "fault"), Some(true));
    assert_eq!(s.str(put, "parent_id").as_deref(), Some(sub));
    // Five levels deep: dns < connect < attempt < dynamodb < DDB.Describe… < DDB.
    assert_eq!(s.str("0cab02b318413eb1", "name").as_deref(), Some("dns"));
    assert_eq!(
        s.str("0cab02b318413eb1", "parent_id").as_deref(),
        Some("417b81b977b9563b")
    );
    assert_eq!(
        s.str("ba8d350c0e8cdc4b", "cause").as_deref(),
        Some("ResourceNotFoundException: Requested resource not found")
    );
}

#[test]
fn segment_documents_apigateway_lambda_events_lines() {
    let (out, s) = load(
        "xray-segment-documents-apigw-lambda-events.jsonl",
        Format::XraySegments,
    );
    assert_eq!(s.len(), 6);
    assert_eq!(out.skipped_total(), 0);
    let stage = "2b4e0ef3499cd781";
    assert_eq!(
        s.str(stage, "origin").as_deref(),
        Some("AWS::ApiGateway::Stage")
    );
    assert_eq!(
        s.str(stage, "request_id").as_deref(),
        Some("a8722fe5-a391-4c9f-bd89-024d8a6f595e")
    );
    assert_eq!(
        s.str(stage, "annotations").as_deref(),
        Some(r#"{"aws:api_id":"xxx","aws:api_stage":"Prod"}"#)
    );
    assert_eq!(s.str(stage, "http_method").as_deref(), Some("POST"));
    assert_eq!(s.f64(stage, "duration_ms"), Some(488.0));
    let invoke = "23a449852a482e1d";
    assert_eq!(s.str(invoke, "resource").as_deref(), Some("my-function"));
    assert_eq!(s.str(invoke, "aws_operation").as_deref(), Some("Invoke"));
    assert_eq!(
        s.str(invoke, "origin").as_deref(),
        Some("AWS::ApiGateway::Stage")
    );
    let lambda = "4174aefb49d05470";
    assert_eq!(s.str(lambda, "origin").as_deref(), Some("AWS::Lambda"));
    assert_eq!(
        s.str(lambda, "request_id").as_deref(),
        Some("63ea79ab-e338-4c12-a534-91a2dc43e2b0")
    );
    assert_eq!(s.i64(lambda, "http_status"), Some(202));
    assert_eq!(
        s.str("7f27e935214d0df0", "name").as_deref(),
        Some("Dwell Time")
    );
    assert_eq!(
        s.str("695ea167ab53c29f", "parent_id").as_deref(),
        Some(lambda)
    );
    let events = "224acacf31b69977";
    assert_eq!(s.str(events, "kind").as_deref(), Some("inferred"));
    assert_eq!(s.str(events, "origin").as_deref(), Some("AWS::Events"));
    assert_eq!(
        s.str(events, "trace_id").as_deref(),
        Some("1-64de5a99-5d09aa705e56bbd0152548cb")
    );
    assert!(out.facts.is_empty());
}

#[test]
fn segment_minimal_ec2_and_annotations() {
    let (_, s) = load("xray-segment-minimal.json", Format::XraySegments);
    assert_eq!(s.len(), 1);
    let id = "70de5b6f19ff9a0a";
    assert_eq!(s.str(id, "kind").as_deref(), Some("segment"));
    assert_eq!(s.str(id, "segment_id").as_deref(), Some(id));
    assert_eq!(s.str(id, "name").as_deref(), Some("example.com"));
    assert_eq!(s.i64(id, "start"), Some(1_478_293_361_271_000));
    assert_eq!(s.i64(id, "end"), Some(1_478_293_361_449_000));
    assert_eq!(s.f64(id, "duration_ms"), Some(178.0));
    assert_eq!(s.bool(id, "in_progress"), Some(false));

    let (_, s) = load("xray-segment-ec2-http.json", Format::XraySegments);
    assert_eq!(s.len(), 1);
    let id = "6b55dcc497934f1a";
    assert_eq!(s.str(id, "origin").as_deref(), Some("AWS::EC2::Instance"));
    assert_eq!(s.str(id, "http_method").as_deref(), Some("POST"));
    assert_eq!(
        s.str(id, "http_url").as_deref(),
        Some("http://www.example.com/api/user")
    );
    assert_eq!(s.i64(id, "http_status"), Some(200));
    assert_eq!(s.f64(id, "duration_ms"), Some(409.0));
    assert_eq!(s.str(id, "annotations"), None);

    let (_, s) = load("xray-segment-annotations.json", Format::XraySegments);
    assert_eq!(s.len(), 1);
    assert_eq!(
        s.str("6b55dcc497932f1a", "annotations").as_deref(),
        Some(
            r#"{"country":"United States","customer_category":124,"internal":false,"zip_code":98101}"#
        )
    );
}

#[test]
fn segment_in_progress_has_null_end() {
    let (_, s) = load("xray-segment-in-progress.json", Format::XraySegments);
    assert_eq!(s.len(), 1);
    let id = "70de5b6f19ff9a0b";
    assert_eq!(s.bool(id, "in_progress"), Some(true));
    assert_eq!(s.i64(id, "start"), Some(1_478_293_361_271_000));
    assert_eq!(s.i64(id, "end"), None);
    assert_eq!(s.f64(id, "duration_ms"), None);
}

#[test]
fn in_progress_then_completed_segment_keeps_the_completed_one() {
    let mut input = common::fixture("xray-segment-in-progress.json");
    input.push(b'\n');
    // The same segment ID, now completed (the minimal example with the in-progress ID).
    let done = String::from_utf8(common::fixture("xray-segment-minimal.json"))
        .unwrap()
        .replace("70de5b6f19ff9a0a", "70de5b6f19ff9a0b");
    input.extend_from_slice(done.as_bytes());
    let mut out = Batch::default();
    parse::xray::parse_segment_documents(&input, &ParseContext::default(), &mut out);
    let s = Spans(std::mem::take(&mut out.spans).finish().unwrap());
    assert_eq!(s.len(), 1);
    assert_eq!(out.skipped.get(&SkipReason::Duplicate), Some(&1));
    assert_eq!(s.bool("70de5b6f19ff9a0b", "in_progress"), Some(false));
    assert_eq!(s.f64("70de5b6f19ff9a0b", "duration_ms"), Some(178.0));
}

#[test]
fn segment_with_embedded_remote_subsegment() {
    let (_, s) = load(
        "xray-segment-embedded-remote-subsegment.json",
        Format::XraySegments,
    );
    assert_eq!(s.len(), 2);
    let seg = "defdfd9912dc5a56";
    let sub = "53995c3f42cd8ad8";
    assert_eq!(s.str(seg, "origin"), None);
    assert_eq!(
        s.str(seg, "http_url").as_deref(),
        Some("https://www.example.com/health")
    );
    assert_eq!(s.str(seg, "resource"), None);
    assert_eq!(s.str(sub, "kind").as_deref(), Some("subsegment"));
    assert_eq!(s.str(sub, "namespace").as_deref(), Some("remote"));
    assert_eq!(s.str(sub, "parent_id").as_deref(), Some(seg));
    assert_eq!(s.str(sub, "segment_id").as_deref(), Some(seg));
    assert_eq!(
        s.str(sub, "trace_id").as_deref(),
        Some("1-5759e988-bd862e3fe1be46a994272793")
    );
    assert_eq!(s.str(sub, "resource").as_deref(), Some("api.example.com"));
    assert_eq!(s.str(sub, "http_method").as_deref(), Some("POST"));
    assert!(
        close(s.f64(sub, "duration_ms"), 26.1),
        "{:?}",
        s.f64(sub, "duration_ms")
    );
}

#[test]
fn inferred_http_segment() {
    let (_, s) = load("xray-segment-inferred-http.json", Format::XraySegments);
    assert_eq!(s.len(), 1);
    let id = "168416dc2ea97781";
    assert_eq!(s.str(id, "kind").as_deref(), Some("inferred"));
    assert_eq!(s.str(id, "parent_id").as_deref(), Some("004f72be19cddc2a"));
    assert_eq!(s.str(id, "segment_id").as_deref(), Some(id));
    assert_eq!(s.str(id, "resource").as_deref(), Some("names.example.com"));
    assert_eq!(s.f64(id, "duration_ms"), Some(370.0));
}

#[test]
fn independent_subsegment() {
    let (_, s) = load("xray-subsegment-independent.json", Format::XraySegments);
    assert_eq!(s.len(), 1);
    let id = "53995c3f42cd8ad8";
    assert_eq!(s.str(id, "kind").as_deref(), Some("subsegment"));
    assert_eq!(
        s.str(id, "trace_id").as_deref(),
        Some("1-581cf771-a006649127e371903a2de979")
    );
    assert_eq!(s.str(id, "parent_id").as_deref(), Some("defdfd9912dc5a56"));
    // Its parent segment is not in the input: the parent ID stands for the segment.
    assert_eq!(s.str(id, "segment_id").as_deref(), Some("defdfd9912dc5a56"));
    assert_eq!(s.str(id, "namespace").as_deref(), Some("remote"));
    assert_eq!(s.str(id, "resource").as_deref(), Some("api.example.com"));
    assert_eq!(s.f64(id, "duration_ms"), Some(178.0));
}

#[test]
fn bare_subsegments_dynamodb_http_sql() {
    let (_, s) = load("xray-subsegment-dynamodb.json", Format::XraySegments);
    assert_eq!(s.len(), 1);
    let id = "24756640c0d0978a";
    assert_eq!(s.str(id, "kind").as_deref(), Some("subsegment"));
    assert_eq!(s.str(id, "trace_id"), None);
    assert_eq!(s.str(id, "resource").as_deref(), Some("scorekeep-user"));
    assert_eq!(s.str(id, "aws_operation").as_deref(), Some("UpdateItem"));
    assert_eq!(
        s.str(id, "request_id").as_deref(),
        Some("UBQNSO5AEM8T4FDA4RQDEB94OVTDRVV4K4HIRGVJF66Q9ASUAAJG")
    );
    assert_eq!(s.i64(id, "http_status"), Some(200));
    assert_eq!(s.f64(id, "duration_ms"), Some(6.0));

    let (_, s) = load(
        "xray-subsegment-metadata-dynamodb.json",
        Format::XraySegments,
    );
    assert_eq!(s.len(), 2);
    assert_eq!(
        s.str("0e58d2918e9038e8", "name").as_deref(),
        Some("## UserModel.saveUser")
    );
    assert_eq!(
        s.str("0f910026178b71eb", "parent_id").as_deref(),
        Some("0e58d2918e9038e8")
    );
    assert_eq!(
        s.str("0f910026178b71eb", "resource").as_deref(),
        Some("scorekeep-user")
    );

    let (_, s) = load("xray-subsegment-http-remote.json", Format::XraySegments);
    assert_eq!(s.len(), 1);
    assert_eq!(
        s.str("004f72be19cddc2a", "resource").as_deref(),
        Some("names.example.com")
    );
    assert_eq!(
        s.str("004f72be19cddc2a", "http_url").as_deref(),
        Some("https://names.example.com/")
    );

    let (_, s) = load("xray-subsegment-sql.json", Format::XraySegments);
    assert_eq!(s.len(), 1);
    let id = "3fd8634e78ca9560";
    assert_eq!(s.str(id, "namespace").as_deref(), Some("remote"));
    assert_eq!(
        s.str(id, "resource").as_deref(),
        Some("jdbc:postgresql://aawijb5u25wdoy.cpamxznpdoq8.us-west-2.rds.amazonaws.com:5432/ebdb")
    );
    assert_eq!(s.f64(id, "duration_ms"), Some(1.0));
}

#[test]
fn trace_summaries_flags_http_and_annotations() {
    let (out, s) = load("xray-get-trace-summaries.json", Format::XrayTraceSummaries);
    assert_eq!(s.len(), 2);
    assert_eq!(out.skipped_total(), 0);
    assert_eq!(s.count("kind", "trace"), 2);
    let a = "1-59602606-a43a1ac52fc7ee0eea12a82c";
    let b = "1-59602603-23fc5b688855d396af79b496";
    for id in [a, b] {
        assert_eq!(s.str(id, "trace_id").as_deref(), Some(id));
        assert_eq!(s.bool(id, "error"), Some(false));
        assert_eq!(s.bool(id, "fault"), Some(false));
        assert_eq!(s.bool(id, "throttle"), Some(false));
        assert_eq!(s.i64(id, "http_status"), Some(200));
        assert_eq!(s.str(id, "http_method").as_deref(), Some("POST"));
        // No StartTime in this output.
        assert_eq!(s.i64(id, "start"), None);
    }
    assert_eq!(s.f64(a, "duration_ms"), Some(84.0));
    assert_eq!(s.f64(b, "duration_ms"), Some(3232.0));
    assert_eq!(
        s.str(a, "http_url").as_deref(),
        Some("http://scorekeep.elasticbeanstalk.com/api/session")
    );
    assert_eq!(s.str(a, "annotations"), None);
    assert_eq!(
        s.str(b, "annotations").as_deref(),
        Some(r#"{"Name":"Ola","UserID":"5M388M1E"}"#)
    );
}

#[test]
fn service_graph_nodes_edges_and_statistics() {
    let (out, s) = load("xray-get-service-graph.json", Format::XrayServiceGraph);
    assert_eq!(s.len(), 0);
    assert_eq!(out.skipped_total(), 0);
    assert_eq!(out.service_graphs.len(), 1);
    let g: &ServiceGraph = &out.service_graphs[0];
    assert_eq!(g.nodes.len(), 4);
    assert_eq!(g.edges.len(), 3);
    assert_eq!(out.records, 7);
    // No top-level time range in this output: it spans the services'.
    assert_eq!(g.start, Some(1_528_317_567_000_000));
    assert_eq!(g.end, Some(1_528_317_589_000_000));

    let client = g.node(0).unwrap();
    assert_eq!(client.type_.as_deref(), Some("client"));
    assert_eq!(client.summary, None);
    let ec2 = g.node(2).unwrap();
    assert_eq!(
        ec2.name.as_deref(),
        Some("xray-sample.elasticbeanstalk.com")
    );
    assert_eq!(ec2.type_.as_deref(), Some("AWS::EC2::Instance"));
    assert_eq!(ec2.state.as_deref(), Some("active"));
    assert!(ec2.root);
    let st = ec2.summary.as_ref().unwrap();
    assert_eq!(
        (
            st.requests,
            st.ok,
            st.error_count,
            st.throttle_count,
            st.fault_count
        ),
        (4, 3, 1, 0, 0)
    );
    assert!((st.total_response_time - 0.273).abs() < 1e-9);
    assert_eq!(
        ec2.response_time_histogram,
        vec![(0.005, 1), (0.015, 1), (0.157, 1), (0.096, 1)]
    );
    assert_eq!(ec2.duration_histogram.len(), 4);
    assert_eq!(
        g.node(1).unwrap().type_.as_deref(),
        Some("AWS::DynamoDB::Table")
    );
    assert_eq!(g.node(3).unwrap().names, vec!["SNS".to_owned()]);

    let edge = |from: i64, to: i64| {
        g.edges
            .iter()
            .find(|e| e.from_reference_id == from && e.to_reference_id == to)
            .unwrap()
    };
    let e = edge(0, 2);
    assert_eq!(
        (
            e.requests,
            e.ok,
            e.error_count,
            e.fault_count,
            e.throttle_count
        ),
        (4, 3, 1, 0, 0)
    );
    assert!((e.total_response_time - 0.273).abs() < 1e-9);
    assert_eq!(e.response_time_histogram.len(), 4);
    assert_eq!(e.start, Some(1_528_317_567_000_000));
    let e = edge(2, 1);
    assert_eq!((e.requests, e.ok, e.error_count), (2, 2, 0));
    assert_eq!(e.response_time_histogram, vec![(0.076, 1), (0.044, 1)]);
    let e = edge(2, 3);
    assert!((e.total_response_time - 0.125).abs() < 1e-9);
}

#[test]
fn every_xray_fixture_is_covered() {
    let covered = [
        "xray-batch-get-traces.json",
        "xray-daemon-raw-segment-ddb-fault-cause.txt",
        "xray-get-service-graph.json",
        "xray-get-trace-summaries.json",
        "xray-segment-annotations.json",
        "xray-segment-documents-apigw-lambda-events.jsonl",
        "xray-segment-ec2-http.json",
        "xray-segment-embedded-remote-subsegment.json",
        "xray-segment-in-progress.json",
        "xray-segment-inferred-http.json",
        "xray-segment-minimal.json",
        "xray-subsegment-dynamodb.json",
        "xray-subsegment-http-remote.json",
        "xray-subsegment-independent.json",
        "xray-subsegment-metadata-dynamodb.json",
        "xray-subsegment-sql.json",
        "xray-trace-lambda-function-init-overhead-invocation.json",
    ];
    for entry in std::fs::read_dir(common::aws_fixtures()).expect("fixture directory") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("xray-") {
            assert!(
                covered.contains(&name.as_str()),
                "fixture {name} has no conformance test"
            );
        }
    }
}
