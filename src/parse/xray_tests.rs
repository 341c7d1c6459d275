use super::*;
use polars::prelude::{DataFrame, DataType};

fn run(f: fn(&[u8], &ParseContext, &mut Batch), input: &str) -> (Batch, DataFrame) {
    let mut out = Batch::default();
    f(input.as_bytes(), &ParseContext::default(), &mut out);
    let spans = std::mem::take(&mut out.spans);
    (out, spans.finish().expect("frame"))
}

fn row(df: &DataFrame, id: &str) -> usize {
    let ids = df.column("id").unwrap().str().unwrap();
    let rows: Vec<usize> = (0..df.height())
        .filter(|&i| ids.get(i) == Some(id))
        .collect();
    assert_eq!(rows.len(), 1, "rows with id {id}");
    rows[0]
}
fn s(df: &DataFrame, id: &str, col: &str) -> Option<String> {
    df.column(col)
        .unwrap()
        .str()
        .unwrap()
        .get(row(df, id))
        .map(str::to_owned)
}
fn f(df: &DataFrame, id: &str, col: &str) -> Option<f64> {
    df.column(col).unwrap().f64().unwrap().get(row(df, id))
}
fn i(df: &DataFrame, id: &str, col: &str) -> Option<i64> {
    let c = df.column(col).unwrap().cast(&DataType::Int64).unwrap();
    c.i64().unwrap().get(row(df, id))
}
fn b(df: &DataFrame, id: &str, col: &str) -> Option<bool> {
    df.column(col).unwrap().bool().unwrap().get(row(df, id))
}
fn skipped(out: &Batch, r: SkipReason) -> u64 {
    out.skipped.get(&r).copied().unwrap_or(0)
}
fn balanced(out: &Batch, df: &DataFrame) {
    assert_eq!(
        out.records,
        df.height() as u64 + out.skipped_total(),
        "records = rows + skips"
    );
}

/// A Lambda service segment with an `Attempt #1` subsegment (async invoke); the function
/// segment's parent is that subsegment. Documents are JSON strings, as the API sends them.
fn batch(docs: &[&str]) -> String {
    let segs: Vec<String> = docs
        .iter()
        .map(|d| {
            format!(
                r#"{{"Id":"x","Document":{}}}"#,
                serde_json::to_string(d).unwrap()
            )
        })
        .collect();
    format!(
        r#"{{"Traces":[{{"Id":"1-aaaaaaaa-000000000000000000000001","Duration":1.5,"LimitExceeded":false,"Segments":[{}]}}],"UnprocessedTraceIds":[]}}"#,
        segs.join(",")
    )
}

const LAMBDA: &str = r#"{"id":"a000000000000001","name":"fn","start_time":1.7E9,"end_time":1.7000000015E9,"trace_id":"1-aaaaaaaa-000000000000000000000001","origin":"AWS::Lambda","aws":{"request_id":"req-1"},"resource_arn":"arn:aws:lambda:eu-west-1:111122223333:function:fn","subsegments":[{"id":"a000000000000002","name":"Attempt #1","start_time":1.7E9,"end_time":1.7000000015E9}]}"#;
const FUNCTION: &str = r#"{"id":"b000000000000001","name":"fn","start_time":1.7000000001E9,"end_time":1.7000000011E9,"parent_id":"a000000000000002","trace_id":"1-aaaaaaaa-000000000000000000000001","origin":"AWS::Lambda::Function","fault":true,"aws":{"function_arn":"arn:aws:lambda:eu-west-1:111122223333:function:fn"},"subsegments":[{"id":"b000000000000002","name":"Initialization","start_time":1.6999999995E9,"end_time":1.7000000001E9},{"id":"b000000000000003","name":"Invocation","start_time":1.7000000001E9,"end_time":1.7000000011E9,"subsegments":[{"id":"b000000000000004","name":"Orders","namespace":"aws","start_time":1.7000000002E9,"end_time":1.7000000003E9,"aws":{"operation":"GetItem","table_name":"orders","request_id":"DDB1"},"http":{"response":{"status":200}}}]}]}"#;

#[test]
fn batch_get_traces_spans_and_lambda_fact_through_a_subsegment_parent() {
    let (out, df) = run(parse_batch_get_traces, &batch(&[LAMBDA, FUNCTION]));
    assert_eq!(df.height(), 6);
    balanced(&out, &df);
    assert_eq!(
        s(&df, "b000000000000004", "parent_id").as_deref(),
        Some("b000000000000003")
    );
    assert_eq!(
        s(&df, "b000000000000004", "segment_id").as_deref(),
        Some("b000000000000001")
    );
    assert_eq!(
        s(&df, "b000000000000004", "origin").as_deref(),
        Some("AWS::Lambda::Function")
    );
    assert_eq!(
        s(&df, "b000000000000004", "resource").as_deref(),
        Some("orders")
    );
    assert_eq!(
        s(&df, "b000000000000004", "kind").as_deref(),
        Some("subsegment")
    );
    assert_eq!(f(&df, "b000000000000004", "duration_ms"), Some(100.0));
    assert_eq!(i(&df, "b000000000000004", "http_status"), Some(200));
    assert_eq!(
        s(&df, "a000000000000001", "request_id").as_deref(),
        Some("req-1")
    );
    assert_eq!(
        i(&df, "a000000000000001", "start"),
        Some(1_700_000_000_000_000)
    );

    assert_eq!(out.facts.len(), 1);
    let fact = &out.facts[0];
    assert_eq!(fact.request_id, "req-1");
    assert_eq!(fact.function.as_deref(), Some("fn"));
    assert_eq!(fact.region.as_deref(), Some("eu-west-1"));
    assert_eq!(fact.account.as_deref(), Some("111122223333"));
    assert_eq!(
        fact.kind,
        FactKind::Segment {
            start: Some(1_700_000_000_100_000),
            duration_ms: Some(1000.0),
            init_ms: Some(600.0),
            failed: true,
            trace_id: Some("1-aaaaaaaa-000000000000000000000001".into()),
        }
    );
}

#[test]
fn function_segment_without_its_lambda_segment_gives_no_fact() {
    let (out, df) = run(parse_batch_get_traces, &batch(&[FUNCTION]));
    assert_eq!(df.height(), 4);
    assert!(out.facts.is_empty());
}

#[test]
fn single_trace_pages_and_object_documents() {
    // One trace object, then a BatchGetTraces page whose Document is an object and whose
    // segment lacks trace_id (taken from the trace's Id).
    let input = format!(
        "{}\n{}",
        r#"{"Id":"1-aaaaaaaa-000000000000000000000002","Duration":0.1,"Segments":[{"Id":"c1","Document":"{\"id\":\"c000000000000001\",\"name\":\"svc\",\"start_time\":1.7E9,\"end_time\":1.7000000001E9,\"trace_id\":\"1-aaaaaaaa-000000000000000000000002\"}"}]}"#,
        r#"{"Traces":[{"Id":"1-aaaaaaaa-000000000000000000000003","Segments":[{"Id":"d1","Document":{"id":"d000000000000001","name":"svc2","start_time":1.7E9,"end_time":1.7000000001E9}}]}]}"#
    );
    let (out, df) = run(parse_batch_get_traces, &input);
    assert_eq!(df.height(), 2);
    balanced(&out, &df);
    assert_eq!(
        s(&df, "d000000000000001", "trace_id").as_deref(),
        Some("1-aaaaaaaa-000000000000000000000003")
    );
    assert_eq!(
        s(&df, "d000000000000001", "kind").as_deref(),
        Some("segment")
    );
    assert_eq!(f(&df, "c000000000000001", "duration_ms"), Some(100.0));
}

#[test]
fn broken_documents_are_counted_and_the_rest_goes_on() {
    let input = r#"{"Traces":[{"Id":"1-aaaaaaaa-000000000000000000000004","Segments":[
            {"Id":"e1","Document":"{\"id\":\"e000000000000001\",\"name\":"},
            {"Id":"e2"},
            {"Id":"e3","Document":42},
            7,
            {"Id":"e4","Document":"[1]"},
            {"Id":"e5","Document":"{\"name\":\"no id\",\"start_time\":1.7E9}"},
            {"Id":"e6","Document":"{\"id\":\"e000000000000006\",\"name\":\"ok\",\"start_time\":1.7E9,\"end_time\":1.7000000001E9}"}
        ]}]}"#;
    let (out, df) = run(parse_batch_get_traces, input);
    assert_eq!(df.height(), 1);
    assert_eq!(s(&df, "e000000000000006", "name").as_deref(), Some("ok"));
    assert_eq!(skipped(&out, SkipReason::MalformedJson), 1);
    assert_eq!(skipped(&out, SkipReason::MissingField), 2);
    assert_eq!(skipped(&out, SkipReason::BadValue), 3);
    balanced(&out, &df);
}

#[test]
fn segment_documents_array_lines_and_resync() {
    let array = r#"[{"id":"f000000000000001","trace_id":"1-aaaaaaaa-000000000000000000000005","name":"a","start_time":1.7E9,"end_time":1.7000000001E9}, 3]"#;
    let (out, df) = run(parse_segment_documents, array);
    assert_eq!(df.height(), 1);
    assert_eq!(skipped(&out, SkipReason::BadValue), 1);
    balanced(&out, &df);

    let lines = concat!(
        r#"{"id":"f000000000000002","trace_id":"1-aaaaaaaa-000000000000000000000005","name":"a","start_time":1.7E9,"end_time":1.7000000001E9}"#,
        "\n{\"id\":\"broken\",\n",
        r#"{"id":"f000000000000003","trace_id":"1-aaaaaaaa-000000000000000000000005","name":"b","start_time":1.7E9,"end_time":1.7000000001E9}"#,
        "\n"
    );
    let (out, df) = run(parse_segment_documents, lines);
    assert_eq!(df.height(), 2);
    assert_eq!(skipped(&out, SkipReason::MalformedJson), 1);
    balanced(&out, &df);
}

#[test]
fn independent_subsegment_takes_segment_and_origin_from_its_parent() {
    let input = concat!(
        r#"{"type":"subsegment","id":"g000000000000003","parent_id":"g000000000000002","trace_id":"1-aaaaaaaa-000000000000000000000006","name":"late","start_time":1.7E9,"end_time":1.7000000001E9,"namespace":"remote","http":{"request":{"url":"https://user:pw@api.example.com:8443/x?y","method":"GET"},"response":{"status":503}},"fault":true,"cause":{"exceptions":[{"type":"Boom"}]}}"#,
        "\n",
        r#"{"id":"g000000000000001","trace_id":"1-aaaaaaaa-000000000000000000000006","name":"svc","origin":"AWS::ECS::Container","start_time":1.7E9,"end_time":1.7000000002E9,"subsegments":[{"id":"g000000000000002","name":"inner","start_time":1.7E9,"end_time":1.7000000001E9}]}"#,
    );
    let (out, df) = run(parse_segment_documents, input);
    assert_eq!(df.height(), 3);
    balanced(&out, &df);
    let id = "g000000000000003";
    assert_eq!(s(&df, id, "kind").as_deref(), Some("subsegment"));
    assert_eq!(s(&df, id, "parent_id").as_deref(), Some("g000000000000002"));
    assert_eq!(
        s(&df, id, "segment_id").as_deref(),
        Some("g000000000000001")
    );
    assert_eq!(s(&df, id, "origin").as_deref(), Some("AWS::ECS::Container"));
    assert_eq!(s(&df, id, "resource").as_deref(), Some("api.example.com"));
    assert_eq!(s(&df, id, "cause").as_deref(), Some("Boom"));
    assert_eq!(b(&df, id, "fault"), Some(true));
    assert_eq!(i(&df, id, "http_status"), Some(503));
}

#[test]
fn daemon_raw_pairs_headers_are_not_records() {
    let input = "{\"format\": \"json\", \"version\": 1}\n{\"trace_id\":\"1-aaaaaaaa-000000000000000000000007\",\"id\":\"h000000000000001\",\"name\":\"a\",\"start_time\":1.568835610432E9,\"end_time\":1.568835610532E9,\"error\":true,\"cause\":\"h000000000000009\"}\n{\"format\":\"json\",\"version\":1}\n{\n  \"trace_id\": \"1-aaaaaaaa-000000000000000000000007\",\n  \"id\": \"h000000000000002\",\n  \"name\": \"b\",\n  \"start_time\": 1568835610.5,\n  \"in_progress\": true\n}\n";
    let (out, df) = run(parse_daemon_raw, input);
    assert_eq!(df.height(), 2);
    assert_eq!(out.records, 2);
    assert_eq!(out.skipped_total(), 0);
    assert_eq!(
        i(&df, "h000000000000001", "start"),
        Some(1_568_835_610_432_000)
    );
    assert_eq!(f(&df, "h000000000000001", "duration_ms"), Some(100.0));
    assert_eq!(
        s(&df, "h000000000000001", "cause").as_deref(),
        Some("h000000000000009")
    );
    assert_eq!(b(&df, "h000000000000001", "error"), Some(true));
    assert_eq!(i(&df, "h000000000000002", "end"), None);
    assert_eq!(f(&df, "h000000000000002", "duration_ms"), None);
    assert_eq!(b(&df, "h000000000000002", "in_progress"), Some(true));
}

#[test]
fn duplicates_keep_the_completed_version() {
    let prog = r#"{"id":"i000000000000001","trace_id":"1-aaaaaaaa-000000000000000000000008","name":"a","start_time":1.7E9,"in_progress":true}"#;
    let done = r#"{"id":"i000000000000001","trace_id":"1-aaaaaaaa-000000000000000000000008","name":"a","start_time":1.7E9,"end_time":1.7000000002E9}"#;
    for input in [
        format!("{prog}\n{done}\n"),
        format!("{done}\n{prog}\n"),
        format!("{done}\n{done}\n"),
    ] {
        let (out, df) = run(parse_segment_documents, &input);
        assert_eq!(df.height(), 1, "{input}");
        assert_eq!(b(&df, "i000000000000001", "in_progress"), Some(false));
        assert_eq!(f(&df, "i000000000000001", "duration_ms"), Some(200.0));
        assert_eq!(skipped(&out, SkipReason::Duplicate), 1);
        balanced(&out, &df);
    }
}

fn nested(depth: usize) -> String {
    let mut s = String::from(
        r#"{"id":"j000000000000000","trace_id":"1-aaaaaaaa-000000000000000000000009","name":"root","start_time":1.7E9,"end_time":1.7000000001E9,"subsegments":"#,
    );
    for d in 1..=depth {
        s.push_str(&format!(r#"[{{"id":"j{d:015}","name":"n","start_time":1.7E9,"end_time":1.7000000001E9,"subsegments":"#));
    }
    s.push_str("[]");
    for _ in 0..depth {
        s.push_str("}]");
    }
    s.push('}');
    s
}

#[test]
fn hostile_depth_is_capped_and_counted() {
    let cap = MAX_SUBSEGMENT_DEPTH as usize;
    let (out, df) = run(parse_segment_documents, &nested(cap));
    assert_eq!(df.height(), cap + 1);
    assert_eq!(out.skipped_total(), 0);

    for depth in [cap + 5, 50_000] {
        let (out, df) = run(parse_segment_documents, &nested(depth));
        assert_eq!(df.height(), cap + 1, "depth {depth}");
        assert_eq!(skipped(&out, SkipReason::Unsupported), 1);
        balanced(&out, &df);
    }
}

#[test]
fn wrong_types_read_as_absent_and_missing_ids_are_skipped() {
    let input = r#"{"id":"k000000000000001","trace_id":"1-aaaaaaaa-000000000000000000000010","name":7,"start_time":"1.7E9","end_time":1.7000000001E9,"fault":"yes","error":"true","http":"nope","aws":[1],"annotations":"x","cause":{"exceptions":"none"},"Dummy":false,"subsegments":[{"id":12,"name":"numeric id","subsegments":[{"id":"k000000000000003","name":"orphan"}]},"str",{"id":"k000000000000002","name":"ok"}]}"#;
    let (out, df) = run(parse_segment_documents, input);
    assert_eq!(df.height(), 3);
    balanced(&out, &df);
    assert_eq!(skipped(&out, SkipReason::MissingField), 1);
    assert_eq!(skipped(&out, SkipReason::BadValue), 1);
    let id = "k000000000000001";
    assert_eq!(s(&df, id, "name"), None);
    assert_eq!(i(&df, id, "start"), Some(1_700_000_000_000_000));
    assert_eq!(b(&df, id, "fault"), Some(false));
    assert_eq!(b(&df, id, "error"), Some(true));
    assert_eq!(s(&df, id, "annotations"), None);
    assert_eq!(s(&df, id, "cause"), None);
    // A subsegment without an end is shown as in progress, and the child of a span without
    // an ID is kept with no parent.
    assert_eq!(b(&df, "k000000000000002", "in_progress"), Some(true));
    assert_eq!(s(&df, "k000000000000003", "parent_id"), None);
    assert_eq!(
        s(&df, "k000000000000003", "segment_id").as_deref(),
        Some(id)
    );
}

#[test]
fn bare_subsegment_fragment_and_sql_resource_without_credentials() {
    let input = r#"{"id":"l000000000000001","start_time":1.7E9,"end_time":1.700000000001E9,"name":"db@host","namespace":"remote","sql":{"url":"jdbc:postgresql://admin:secret@db.example.com:5432/app","user":"admin"}}"#;
    let (out, df) = run(parse_segment_documents, input);
    assert_eq!(df.height(), 1);
    balanced(&out, &df);
    let id = "l000000000000001";
    assert_eq!(s(&df, id, "trace_id"), None);
    assert_eq!(s(&df, id, "kind").as_deref(), Some("subsegment"));
    assert_eq!(
        s(&df, id, "resource").as_deref(),
        Some("jdbc:postgresql://db.example.com:5432/app")
    );
    assert_eq!(f(&df, id, "duration_ms"), Some(1.0));
}

#[test]
fn trace_summaries_with_moto_users_and_root_causes() {
    let input = r#"{"TraceSummaries":[
            {"Id":"1-aaaaaaaa-000000000000000000000011","Duration":0.25,"ResponseTime":0.2,"StartTime":1700000000.5,
             "HasError":false,"HasFault":true,"HasThrottle":false,"IsPartial":false,"Users":{},
             "Http":{"HttpURL":"https://api.example.com/x","HttpStatus":502,"HttpMethod":"GET"},
             "EntryPoint":{"Name":"api","Names":["api"],"Type":"AWS::ApiGateway::Stage"},
             "Annotations":{"tier":[{"AnnotationValue":{"StringValue":"gold"}}],
                            "n":[{"AnnotationValue":{"NumberValue":1.0}},{"AnnotationValue":{"NumberValue":2.0}}]},
             "FaultRootCauses":[{"Services":[{"Name":"db","EntityPath":[{"Name":"db","Exceptions":[{"Name":"Timeout","Message":"read timed out"}]}]}]}]},
            {"Id":"1-aaaaaaaa-000000000000000000000011","Duration":0.25},
            {"Duration":1},
            {"Id":"1-aaaaaaaa-000000000000000000000012","Duration":"x","ServiceIds":[{"Name":"svc","Type":"AWS::Lambda"}],"Users":"whatever"}
        ],"ApproximateTime":1700000000.0}
        {"TraceSummaries":[],"NextToken":null}"#;
    let (out, df) = run(parse_trace_summaries, input);
    assert_eq!(df.height(), 2);
    balanced(&out, &df);
    assert_eq!(skipped(&out, SkipReason::Duplicate), 1);
    assert_eq!(skipped(&out, SkipReason::MissingField), 1);
    let id = "1-aaaaaaaa-000000000000000000000011";
    assert_eq!(s(&df, id, "kind").as_deref(), Some("trace"));
    assert_eq!(s(&df, id, "trace_id").as_deref(), Some(id));
    assert_eq!(s(&df, id, "name").as_deref(), Some("api"));
    assert_eq!(
        s(&df, id, "origin").as_deref(),
        Some("AWS::ApiGateway::Stage")
    );
    assert_eq!(i(&df, id, "start"), Some(1_700_000_000_500_000));
    assert_eq!(i(&df, id, "end"), Some(1_700_000_000_750_000));
    assert_eq!(f(&df, id, "duration_ms"), Some(250.0));
    assert_eq!(i(&df, id, "http_status"), Some(502));
    assert_eq!(b(&df, id, "fault"), Some(true));
    assert_eq!(
        s(&df, id, "annotations").as_deref(),
        Some(r#"{"n":[1.0,2.0],"tier":"gold"}"#)
    );
    assert_eq!(s(&df, id, "cause").as_deref(), Some("read timed out"));
    let id2 = "1-aaaaaaaa-000000000000000000000012";
    assert_eq!(s(&df, id2, "name").as_deref(), Some("svc"));
    assert_eq!(f(&df, id2, "duration_ms"), None);
    assert_eq!(i(&df, id2, "start"), None);
}

#[test]
fn service_graph_sums_statistics_and_round_trips() {
    let input = r#"{"StartTime":1700000000,"EndTime":"2023-11-14T22:13:20Z","Services":[
            {"ReferenceId":0,"Name":"api","Names":["api"],"Type":"AWS::Lambda::Function","AccountId":"111122223333","State":"active","Root":true,
             "Edges":[{"ReferenceId":1,"SummaryStatistics":{"OkCount":5,"ErrorStatistics":{"ThrottleCount":2,"OtherCount":1},"FaultStatistics":{"OtherCount":3},"TotalResponseTime":1.5},
                       "ResponseTimeHistogram":[{"Value":0.1,"Count":4},{"Value":"bad","Count":1}],"EdgeType":"REQUEST_BASED"},
                      {"SummaryStatistics":{}}],
             "SummaryStatistics":{"OkCount":5,"TotalCount":11,"ErrorStatistics":{"ThrottleCount":2,"OtherCount":1,"TotalCount":3},"FaultStatistics":{"OtherCount":3,"TotalCount":3},"TotalResponseTime":1.5}},
            {"ReferenceId":1,"Name":"orders","Type":"AWS::DynamoDB::Table"},
            {"Name":"no reference id"}
        ]}"#;
    let mut out = Batch::default();
    parse_service_graph(input.as_bytes(), &ParseContext::default(), &mut out);
    assert_eq!(out.service_graphs.len(), 1);
    let g = &out.service_graphs[0];
    assert_eq!(g.start, Some(1_700_000_000_000_000));
    assert_eq!(g.end, Some(1_700_000_000_000_000));
    assert_eq!(g.nodes.len(), 2);
    assert_eq!(g.edges.len(), 1);
    assert_eq!(out.records, 5);
    assert_eq!(skipped(&out, SkipReason::MissingField), 2);
    let e = &g.edges[0];
    assert_eq!((e.from_reference_id, e.to_reference_id), (0, 1));
    assert_eq!(
        (
            e.requests,
            e.ok,
            e.error_count,
            e.throttle_count,
            e.fault_count
        ),
        (11, 5, 3, 2, 3)
    );
    assert_eq!(e.response_time_histogram, vec![(0.1, 4)]);
    assert_eq!(e.edge_type.as_deref(), Some("REQUEST_BASED"));
    let api = g.node(0).unwrap();
    assert!(api.root);
    assert_eq!(api.account_id.as_deref(), Some("111122223333"));
    assert_eq!(
        api.summary
            .as_ref()
            .map(|s| (s.requests, s.error_count, s.fault_count)),
        Some((11, 3, 3))
    );
    assert_eq!(g.node(1).unwrap().summary, None);
    let json = serde_json::to_string(g).unwrap();
    assert!(json.contains(r#""type":"AWS::DynamoDB::Table""#));
    let back: ServiceGraph = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, g);
}

#[test]
fn url_and_arn_helpers() {
    assert_eq!(
        url_host("https://api.example.com/health"),
        Some("api.example.com")
    );
    assert_eq!(
        url_host("http://u:p@h.example.com:8080"),
        Some("h.example.com")
    );
    assert_eq!(url_host("http://[::1]:80/x"), Some("[::1]"));
    assert_eq!(url_host("not a url"), None);
    assert_eq!(
        strip_userinfo("jdbc:mysql://a:b@h:3306/d"),
        "jdbc:mysql://h:3306/d"
    );
    assert_eq!(
        strip_userinfo("jdbc:mysql://h:3306/d"),
        "jdbc:mysql://h:3306/d"
    );
    let a = LambdaArn::parse("arn:aws:lambda:us-east-1:123:function:f:live").unwrap();
    assert_eq!((a.region, a.account, a.function), ("us-east-1", "123", "f"));
    assert!(LambdaArn::parse("arn:aws:sns:us-east-1:123:topic").is_none());
}

#[test]
fn empty_and_garbage_inputs_do_not_panic() {
    for input in [
        "",
        "   \n",
        "null",
        "[]",
        "{}",
        "]]]",
        "\u{feff}{}",
        "{\"Traces\":7}",
    ] {
        for f in [
            parse_batch_get_traces,
            parse_segment_documents,
            parse_daemon_raw,
            parse_trace_summaries,
            parse_service_graph,
        ] {
            let mut out = Batch::default();
            f(input.as_bytes(), &ParseContext::default(), &mut out);
            assert_eq!(out.spans.len(), 0);
        }
    }
}
