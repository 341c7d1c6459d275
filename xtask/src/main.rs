//! Project chores, as `cargo xtask <task>` (the rust-analyzer convention).
//!
//! - `test`  : install what a fresh Debian machine lacks, then run every test.
//! - `demo`  : build Skylens and print the demo workload's reports.
//! - `bench` : run the benchmarks and print the figures for BENCHMARKS.md.
//! - `bless` : rewrite the golden files from the current output.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn run(cmd: &mut Command) -> bool {
    eprintln!("xtask: running {cmd:?}");
    match cmd.status() {
        Ok(s) => s.success(),
        Err(e) => {
            eprintln!("xtask: could not start {cmd:?}: {e}");
            false
        }
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// The shared AWS fixtures are read in place; say clearly when they're missing.
fn check_fixtures() {
    let p = std::env::var("SKYLENS_AWS_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("../shared/fixtures/aws"));
    if !p.is_dir() {
        eprintln!(
            "xtask: warning: AWS fixtures not found at {} (set SKYLENS_AWS_FIXTURES); the conformance tests will fail",
            p.display()
        );
    }
}

/// The pull tests start `moto_server` (PyPI `moto[server]`); install it when it's missing.
fn ensure_moto_server() {
    let found = |c: &str| {
        Command::new(c)
            .arg("--help")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !found("moto_server")
        && !run(Command::new("python3").args(["-m", "pip", "install", "moto[server]"]))
    {
        eprintln!("xtask: warning: could not install moto[server]; the pull tests will try again");
    }
}

fn test() -> bool {
    check_fixtures();
    ensure_moto_server();
    // Core library, CLI and end-to-end tests (one cargo invocation, one feature set).
    run(cargo().args([
        "test",
        "--package",
        "skylens",
        "--lib",
        "--bins",
        "--tests",
        "--no-fail-fast",
    ]))
}

fn demo() -> bool {
    run(cargo().args([
        "run",
        "--package",
        "skylens",
        "--bin",
        "skylens",
        "--",
        "demo",
    ]))
}

fn bench() -> bool {
    run(cargo().args(["bench", "--package", "skylens", "--bench", "ingest"]))
}

fn bless() -> bool {
    run(cargo().env("SKYLENS_BLESS", "1").args([
        "test",
        "--package",
        "skylens",
        "--lib",
        "--bins",
        "--tests",
    ]))
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let ok = match task.as_str() {
        "test" => test(),
        "demo" => demo(),
        "bench" => bench(),
        "bless" => bless(),
        _ => {
            eprintln!("usage: cargo xtask <test|demo|bench|bless>");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
