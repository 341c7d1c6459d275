//! Project chores, as `cargo xtask <task>` (the rust-analyzer convention).
//!
//! - `app`   : install what a fresh Debian machine lacks, build the UI and open the desktop
//!   app (on the demo workspace the first time).
//! - `serve` : the same UI in a browser (`skylens serve --demo`).
//! - `test`  : install what a fresh Debian machine lacks, then run every test: the core and
//!   CLI (cargo), the UI (vitest), the browser end-to-end tests (Chromium), the desktop window
//!   (Xvfb).
//! - `deps`  : only install the system packages (apt), `moto[server]` and the npm packages.
//! - `demo`  : build Skylens and print the demo workload's reports.
//! - `bench` : run the benchmarks and print the figures for BENCHMARKS.md.
//! - `bless` : rewrite the golden files (and the generated TypeScript types) from the current
//!   output.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The project root: the parent of the xtask package. Taken from the `CARGO_MANIFEST_DIR`
/// that `cargo run` gives this process (read once, before [`clean_cargo_env`] removes it), not
/// the one compiled in: clones in other directories share one target directory, and cargo may
/// reuse an xtask binary built from another clone.
fn root() -> PathBuf {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        manifest
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    })
    .clone()
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

/// Debian packages: Tauri's (webkit2gtk 4.1 and the rest, from BUILD-NOTES), a real window
/// headless (Xvfb, ImageMagick for screenshots), Chromium for the browser tests, WebKit's
/// WebDriver for driving the desktop window.
const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "file",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "xvfb",
    "xauth",
    "imagemagick",
    "chromium",
    "webkit2gtk-driver",
];

/// Install the missing Debian packages (as root, else with sudo).
fn ensure_apt_packages() -> bool {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    eprintln!("xtask: installing Debian packages: {}", missing.join(" "));
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut c = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        c.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        run(&mut c)
    };
    apt(&["update", "-q"]) && apt(&[&["install", "-y", "-q"][..], &missing].concat())
}

/// `npm ci` in `dir` when its node_modules is missing or older than its lock file.
fn npm_ci(dir: &Path) -> bool {
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = match (
        modified(dir.join("node_modules/.package-lock.json")),
        modified(dir.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    fresh
        || run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir))
}

fn npm(dir: &Path, script: &str) -> bool {
    run(Command::new("npm").args(["run", script]).current_dir(dir))
}

/// Where cargo puts binaries.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn deps() -> bool {
    ensure_moto_server();
    let apt = ensure_apt_packages();
    let ui = npm_ci(&root().join("ui"));
    let browser = npm_ci(&root().join("tests/browser"));
    apt && ui && browser
}

/// Build the UI into ui/dist.
fn build_ui() -> bool {
    let ui = root().join("ui");
    npm_ci(&ui) && npm(&ui, "build")
}

fn test() -> bool {
    check_fixtures();
    let deps = deps();
    // 1. Core library, CLI and end-to-end tests (one cargo invocation, one feature set); the
    //    generated TypeScript types are checked here too.
    let core = run(cargo().args([
        "test",
        "--package",
        "skylens",
        "--lib",
        "--bins",
        "--tests",
        "--no-fail-fast",
    ]));
    // 2. The UI: type check, unit tests (vitest), build.
    let ui_dir = root().join("ui");
    let ui =
        npm_ci(&ui_dir) && npm(&ui_dir, "check") && npm(&ui_dir, "test") && npm(&ui_dir, "build");
    // 3. The browser end-to-end tests: `skylens serve` on a demo workspace, in Chromium.
    let browser_dir = root().join("tests/browser");
    let browser = ui
        && npm_ci(&browser_dir)
        && run(Command::new("npm")
            .args(["test"])
            .current_dir(&browser_dir)
            .env("SKYLENS_BIN", target_dir().join("debug/skylens")));
    // 4. The desktop app in a real window under Xvfb, then the shell's own tests (the IPC wire
    //    format and the capability checks, through Tauri's mock runtime).
    let desktop = ui && run(Command::new("bash").arg(root().join("tests/desktop/run.sh")));
    let shell = ui
        && run(cargo().args([
            "test",
            "--manifest-path",
            "src-tauri/Cargo.toml",
            "--no-fail-fast",
        ]));
    for (name, ok) in [
        ("dependencies", deps),
        ("core + CLI (cargo test)", core),
        ("ui (check, vitest, build)", ui),
        ("browser end-to-end (Chromium)", browser),
        ("desktop window (Xvfb)", desktop),
        ("desktop shell (cargo test, mock runtime)", shell),
    ] {
        eprintln!("xtask: {name}: {}", if ok { "ok" } else { "FAILED" });
    }
    deps && core && ui && browser && desktop && shell
}

/// Open the desktop app (the demo workspace the first time, then the last one used).
fn app() -> bool {
    ensure_apt_packages()
        && build_ui()
        && run(cargo().args([
            "run",
            "--manifest-path",
            "src-tauri/Cargo.toml",
            "--bin",
            "skylens-desktop",
        ]))
}

/// The UI in a browser on the demo workspace.
fn serve() -> bool {
    build_ui()
        && run(cargo().args([
            "run",
            "--package",
            "skylens",
            "--bin",
            "skylens",
            "--",
            "serve",
            "--demo",
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

/// `cargo xtask` runs under cargo, which gives this process the xtask package's own variables
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, …). Build scripts such as ring's declare
/// `rerun-if-env-changed` on those names, so a nested cargo that inherited them would rebuild
/// ring and everything above it (rustls, the AWS SDK, polars' cloud I/O) in the shared target
/// directory each time a plain `cargo build` ran in between. Every child gets the environment a
/// shell would give it instead.
fn clean_cargo_env() {
    let inherited: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| {
            [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
            ]
            .iter()
            .any(|p| k.starts_with(p))
                || matches!(
                    k.as_str(),
                    "CARGO_PRIMARY_PACKAGE" | "CARGO_RUSTC_CURRENT_DIR" | "OUT_DIR"
                )
        })
        .collect();
    for k in inherited {
        // SAFETY: called first thing in `main`, before any other thread exists.
        unsafe { std::env::remove_var(k) };
    }
}

fn main() -> ExitCode {
    root();
    clean_cargo_env();
    let task = std::env::args().nth(1).unwrap_or_default();
    let ok = match task.as_str() {
        "test" => test(),
        "app" => app(),
        "serve" => serve(),
        "deps" => deps(),
        "demo" => demo(),
        "bench" => bench(),
        "bless" => bless(),
        _ => {
            eprintln!("usage: cargo xtask <app|serve|test|deps|demo|bench|bless>");
            false
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
