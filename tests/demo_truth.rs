//! The demo generator knows what it wrote (`DemoStats`); the parsers, the invocation assembler
//! and the reports must find exactly that from the raw files.

use skylens::analysis::{Params, Window, compute_report};
use skylens::export::{Cell, cells};
use skylens::source::demo::DemoOptions;
use skylens::workspace::Workspace;

#[test]
fn reports_agree_with_what_the_demo_generated() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_or_create(dir.path().join("ws")).unwrap();
    let raw = dir.path().join("raw");
    let opts = DemoOptions {
        requests: 5_000,
        ..Default::default()
    };
    let generated = skylens::source::demo::generate(&raw, &opts).unwrap();
    let items = generated.import_items();
    let reports = skylens::source::files::import_paths(&ws, items, |_, _| {
        skylens::workspace::manifest::Origin::Demo {
            seed: 42,
            requests: 5_000,
        }
    })
    .unwrap();
    for r in &reports {
        let bad: u64 = r
            .skipped
            .iter()
            .filter(|(k, _)| **k != "empty")
            .map(|(_, v)| v)
            .sum();
        assert_eq!(
            bad,
            0,
            "{}: demo records skipped: {:?}",
            r.path.display(),
            r.skipped
        );
    }

    let cold = compute_report(&ws, "cold-starts", Window::default(), &Params::default()).unwrap();
    let lat = compute_report(&ws, "latency", Window::default(), &Params::default()).unwrap();
    let num = |c: &Cell| c.text().parse::<u64>().unwrap();
    for f in &generated.stats.functions {
        let row = cells(&cold)
            .into_iter()
            .find(|r| r[0].text() == f.function)
            .unwrap_or_else(|| panic!("{} missing", f.function));
        assert_eq!(num(&row[1]), f.invocations, "{} invocations", f.function);
        assert_eq!(num(&row[2]), f.cold_starts, "{} cold starts", f.function);
        let lrow = cells(&lat)
            .into_iter()
            .find(|r| r[0].text() == f.function)
            .unwrap();
        assert_eq!(
            num(&lrow[6]),
            f.errors + f.timeouts,
            "{} errors (incl. timeouts)",
            f.function
        );
    }
    // Every log event written was stored once.
    let n = skylens::analysis::run_sql(&ws, "SELECT COUNT(*) AS n FROM logs", Window::default())
        .unwrap();
    assert_eq!(
        cells(&n)[0][0].text().parse::<u64>().unwrap(),
        generated.stats.log_events
    );
    let s = skylens::analysis::run_sql(&ws, "SELECT COUNT(*) AS n FROM spans", Window::default())
        .unwrap();
    assert_eq!(
        cells(&s)[0][0].text().parse::<u64>().unwrap(),
        generated.stats.trace_spans
    );
}
