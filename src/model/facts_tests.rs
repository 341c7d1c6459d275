use super::*;
use crate::export::cells;

fn fact(id: &str, ts: i64, stream: &str, kind: FactKind) -> InvocationFact {
    InvocationFact {
        ts: Some(ts),
        function: Some("f".into()),
        log_stream: Some(stream.into()),
        ..InvocationFact::new(id, kind)
    }
}

fn report(duration: f64, init: Option<f64>, status: Option<Status>) -> FactKind {
    FactKind::Report(Box::new(Report {
        duration_ms: Some(duration),
        billed_ms: Some(duration.ceil()),
        memory_mb: Some(128),
        max_memory_mb: Some(64),
        init_ms: init,
        status,
        ..Default::default()
    }))
}

/// (request_id, cold, cold_kind, status, init_ms) per row.
fn rows(facts: &[InvocationFact]) -> Vec<(String, String, String, String, String)> {
    let df = assemble(facts).unwrap();
    let idx = |n: &str| {
        df.get_column_names()
            .iter()
            .position(|c| c.as_str() == n)
            .unwrap()
    };
    let (r, c, k, s, i) = (
        idx("request_id"),
        idx("cold"),
        idx("cold_kind"),
        idx("status"),
        idx("init_ms"),
    );
    cells(&df)
        .into_iter()
        .map(|row| {
            (
                row[r].text(),
                row[c].text(),
                row[k].text(),
                row[s].text(),
                row[i].text(),
            )
        })
        .collect()
}

#[test]
fn report_with_init_is_cold_and_start_comes_from_start_line() {
    let f = vec![
        fact(
            "a",
            1_000_000,
            "s1",
            FactKind::Start {
                version: Some("$LATEST".into()),
            },
        ),
        fact("a", 1_200_000, "s1", report(102.25, Some(250.12), None)),
    ];
    let df = assemble(&f).unwrap();
    assert_eq!(
        df.column("start").unwrap().get(0).unwrap().to_string(),
        "1970-01-01 00:00:01"
    );
    assert_eq!(
        rows(&f),
        vec![(
            "a".into(),
            "true".into(),
            "init".into(),
            "success".into(),
            "250.12".into()
        )]
    );
}

#[test]
fn powertools_flag_alone_marks_a_cold_start() {
    let f = vec![
        fact("p", 5, "s", FactKind::ColdStartFlag(true)),
        fact("p", 6, "s", FactKind::ColdStartFlag(false)),
    ];
    assert_eq!(rows(&f)[0].1, "true");
}

#[test]
fn init_after_a_timeout_in_the_same_stream_is_suppressed() {
    let f = vec![
        fact(
            "t",
            1_000_000,
            "env",
            report(3000.0, None, Some(Status::Timeout)),
        ),
        fact("n", 9_000_000, "env", FactKind::ColdStartFlag(true)),
        fact("n", 9_500_000, "env", report(800.0, Some(400.0), None)),
        // Another environment is not affected.
        fact("o", 9_500_000, "other", report(80.0, Some(300.0), None)),
    ];
    let r = rows(&f);
    assert_eq!(r[0].3, "timeout");
    assert_eq!(
        (r[1].1.as_str(), r[1].4.as_str()),
        ("false", "400"),
        "suppressed init keeps init_ms, not cold"
    );
    assert_eq!(r[2].1, "true");
}

#[test]
fn restore_is_a_cold_start_of_kind_restore() {
    let f = vec![fact(
        "r",
        1,
        "s",
        FactKind::Report(Box::new(Report {
            duration_ms: Some(306.34),
            restore_ms: Some(511.25),
            ..Default::default()
        })),
    )];
    assert_eq!(rows(&f)[0].2, "restore");
}

#[test]
fn worst_status_wins() {
    let f = vec![
        fact("e", 1, "s", FactKind::ErrorLine),
        fact("e", 2, "s", report(10.0, None, None)),
        fact("x", 1, "s", FactKind::ErrorLine),
        fact("x", 2, "s", FactKind::Timeout),
    ];
    let r = rows(&f);
    assert_eq!((r[0].3.as_str(), r[1].3.as_str()), ("error", "timeout"));
}
