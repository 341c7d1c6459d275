use super::*;

fn report(line: &str) -> (String, Report) {
    match parse_platform_line(line) {
        Some(PlatformLine::Report { request_id, report }) => (request_id.to_owned(), report),
        other => panic!("not a report: {other:?}"),
    }
}

#[test]
fn report_with_tabs_and_xray_same_line() {
    let (id, r) = report(
        "REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 12.34 ms\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB\tInit Duration: 100.99 ms\tXRAY TraceId: 1-5d9d007f-0a8c7fd02aaaaaaaaaaaaaaa\tSegmentId: 3d75aaaa1bbe37e\tSampled: true\t\n",
    );
    assert_eq!(id, "3604209a-e9a3-11e6-939a-754dd98c7be3");
    assert_eq!(r.duration_ms, Some(12.34));
    assert_eq!(r.billed_ms, Some(100.0));
    assert_eq!(r.memory_mb, Some(128));
    assert_eq!(r.max_memory_mb, Some(18));
    assert_eq!(r.init_ms, Some(100.99));
    assert_eq!(
        r.trace_id.as_deref(),
        Some("1-5d9d007f-0a8c7fd02aaaaaaaaaaaaaaa")
    );
    assert_eq!(r.status, None);
}

#[test]
fn report_with_single_and_double_spaces() {
    let (_, r) = report(
        "REPORT RequestId: 11111111-2222-3333-4444-555555555555  Duration: 1.5 ms  Billed Duration: 2 ms Memory Size: 256 MB Max Memory Used: 60 MB  Init Duration: 99.00 ms   ",
    );
    assert_eq!(
        (
            r.duration_ms,
            r.billed_ms,
            r.memory_mb,
            r.max_memory_mb,
            r.init_ms
        ),
        (Some(1.5), Some(2.0), Some(256), Some(60), Some(99.0))
    );
}

#[test]
fn report_status_restore_and_error_type() {
    let (_, r) = report(
        "REPORT RequestId: a\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory Used: 64 MB\tStatus: timeout",
    );
    assert_eq!(r.status, Some(Status::Timeout));
    let (_, r) = report(
        "REPORT RequestId: b\tDuration: 5 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory",
    );
    assert_eq!(r.status, Some(Status::Error));
    let (_, r) = report(
        "REPORT RequestId: c\tDuration: 5 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 12 MB\tError Type: Runtime.ExitError",
    );
    assert_eq!(r.status, Some(Status::Error));
    let (_, r) = report(
        "REPORT RequestId: d\tDuration: 306.34 ms\tBilled Duration: 610 ms\tMemory Size: 3009 MB\tMax Memory Used: 155 MB\tRestore Duration: 511.25 ms\tBilled Restore Duration: 303 ms\t",
    );
    assert_eq!(
        (r.restore_ms, r.billed_restore_ms, r.init_ms),
        (Some(511.25), Some(303.0), None)
    );
}

#[test]
fn start_end_and_others() {
    assert_eq!(
        parse_platform_line("START RequestId: abc Version: $LATEST"),
        Some(PlatformLine::Start {
            request_id: "abc",
            version: Some("$LATEST")
        })
    );
    assert_eq!(
        parse_platform_line("END RequestId: abc\n"),
        Some(PlatformLine::End { request_id: "abc" })
    );
    assert_eq!(
        parse_platform_line(
            "INIT_START Runtime Version: python:3.12.v11\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc"
        ),
        Some(PlatformLine::InitStart {
            runtime_version: Some("python:3.12.v11")
        })
    );
    assert_eq!(
        parse_platform_line(
            "INIT_REPORT Init Duration: 3000.15 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError"
        ),
        Some(PlatformLine::InitReport {
            init_ms: Some(3000.15),
            phase: Some("invoke"),
            status: Some(Status::Error)
        })
    );
    assert_eq!(
        parse_platform_line("RESTORE_REPORT Restore Duration: 511.25 ms"),
        Some(PlatformLine::RestoreReport {
            restore_ms: Some(511.25),
            status: None
        })
    );
    assert_eq!(
        parse_platform_line(
            "EXTENSION\tName: cloudwatch_lambda_agent\tState: Ready\tEvents: [INVOKE, SHUTDOWN]"
        ),
        Some(PlatformLine::Extension {
            name: Some("cloudwatch_lambda_agent"),
            state: Some("Ready")
        })
    );
    assert_eq!(
        parse_platform_line(
            "XRAY TraceId: 1-5e34a614-10bdxmplf1fb44f07bc535a1   SegmentId: 07f5xmpl2d1f6f85 Sampled: true"
        ),
        Some(PlatformLine::XRay {
            trace_id: "1-5e34a614-10bdxmplf1fb44f07bc535a1"
        })
    );
    // Missing request ID: not a platform line we can use.
    assert_eq!(parse_platform_line("START RequestId: "), None);
    assert_eq!(parse_platform_line("STARTED the engine"), None);
    assert_eq!(parse_platform_line("hello"), None);
}

#[test]
fn timeouts() {
    let id = "dbb585bb-3a54-4d1a-a690-54e5085c55f8";
    for line in [
        format!("2020-02-14T18:24:39.539Z {id} Task timed out after 300.10 seconds"),
        format!(
            "2020-02-14T18:24:39.539Z {id} 2020-02-14T18:24:39.539Z Task timed out after 300.10 seconds"
        ),
        format!("{id} Task timed out after 300.10 seconds"),
    ] {
        assert_eq!(
            parse_platform_line(&line),
            Some(PlatformLine::Timeout {
                request_id: Some(id),
                seconds: Some(300.10)
            }),
            "{line}"
        );
    }
    assert_eq!(
        parse_platform_line("Task timed out after 3.00 seconds"),
        Some(PlatformLine::Timeout {
            request_id: None,
            seconds: Some(3.0)
        })
    );
    assert_eq!(
        parse_platform_line("the user said Task timed out after 3 seconds"),
        None
    );
}

#[test]
fn trace_ids_and_tokens() {
    assert_eq!(
        normalize_trace_id("Root=1-6819ecef-522a9c7c65e3328b2d885596;Parent=55b5;Sampled=1"),
        Some("1-6819ecef-522a9c7c65e3328b2d885596")
    );
    assert_eq!(
        normalize_trace_id("Self=1-abc-def;Root=1-aaa-bbb;Sampled=1"),
        Some("1-aaa-bbb")
    );
    assert_eq!(normalize_trace_id("-"), None);
    assert!(looks_like_request_id(
        "8f507cfc-xmpl-4697-b07a-ac58fc914c95"
    ));
    assert!(!looks_like_request_id(
        "2019/06/07/[$LATEST]e6f4a0c4241adcd70c262d34c0bbc85c"
    ));
    assert!(looks_like_iso("2023-07-05T10:16:34.013000"));
    assert!(!looks_like_iso("2023/07/05"));
}

#[test]
fn report_labels_match_in_any_casing_and_order() {
    // Each label is narrowed by its word count and first letter before the full compare: every
    // label must still be found, whatever its casing and place, and near misses must not be.
    // (The line itself must start `REPORT RequestId:`.)
    for line in [
        "REPORT RequestId: r1\tbilled restore duration: 7 ms\tmax memory used: 20 MB\tmemory size: 128 MB\tbilled duration: 3 ms\tduration: 2.5 ms\tinit duration: 9.5 ms\trestore duration: 8.5 ms\tstatus: error\txray traceid: 1-5d9d007f-0a8c7fd02aaaaaaaaaaaaaaa\t",
        "REPORT RequestId: r1 XRAY TRACEID: 1-5d9d007f-0a8c7fd02aaaaaaaaaaaaaaa STATUS: error RESTORE DURATION: 8.5 ms INIT DURATION: 9.5 ms DURATION: 2.5 ms BILLED DURATION: 3 ms MEMORY SIZE: 128 MB MAX MEMORY USED: 20 MB BILLED RESTORE DURATION: 7 ms",
    ] {
        let Some(PlatformLine::Report {
            request_id,
            report: r,
        }) = parse_platform_line(line)
        else {
            panic!("not a REPORT: {line}");
        };
        assert_eq!(request_id, "r1");
        assert_eq!(
            (
                r.duration_ms,
                r.billed_ms,
                r.init_ms,
                r.restore_ms,
                r.billed_restore_ms
            ),
            (Some(2.5), Some(3.0), Some(9.5), Some(8.5), Some(7.0)),
            "{line}"
        );
        assert_eq!((r.memory_mb, r.max_memory_mb), (Some(128), Some(20)));
        assert_eq!(r.status, Some(Status::Error));
        assert_eq!(
            r.trace_id.as_deref(),
            Some("1-5d9d007f-0a8c7fd02aaaaaaaaaaaaaaa")
        );
    }
    // Same first letter and word count, other words: not taken for a known label.
    let Some(PlatformLine::Report { report: r, .. }) = parse_platform_line(
        "REPORT RequestId: r2\tDuration: 4 ms\tDelay: 99 ms\tBilled Cost: 5 ms\tMemory Sizes: 1 MB\tErrors Type: x",
    ) else {
        panic!("not a REPORT");
    };
    assert_eq!(
        (r.duration_ms, r.billed_ms, r.memory_mb),
        (Some(4.0), None, None)
    );
    assert_eq!(r.status, None);
}

#[test]
fn words_split_on_ascii_blanks_only() {
    let w: Vec<&str> = words("  a\tbé \n\r c  é\u{a0}d ").collect();
    assert_eq!(w, ["a", "bé", "c", "é\u{a0}d"]);
    assert_eq!(words("").count(), 0);
    assert_eq!(words(" \t\n").count(), 0);
}
