//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The repository this test runs from: the `CARGO_MANIFEST_DIR` cargo gives the test process,
/// else the one compiled in (clones in other directories may share a target directory).
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The shared AWS fixtures: `$SKYLENS_AWS_FIXTURES`, else `../shared/fixtures/aws` beside the
/// repository. They are read in place and never copied into this repository.
pub fn aws_fixtures() -> PathBuf {
    if let Ok(p) = std::env::var("SKYLENS_AWS_FIXTURES") {
        return PathBuf::from(p);
    }
    manifest_dir().join("../shared/fixtures/aws")
}

/// Read one shared fixture; panics with a clear message when the fixture set is missing.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = aws_fixtures().join(name);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "fixture {} unreadable ({e}); set SKYLENS_AWS_FIXTURES",
            p.display()
        )
    })
}

/// Path of the `skylens` binary built for these tests.
pub fn skylens_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_skylens"))
}

/// Compare `actual` with the golden file `tests/golden/<name>`; with `SKYLENS_BLESS=1`
/// (`cargo xtask bless`) rewrite the golden file instead.
pub fn assert_golden(name: &str, actual: &str) {
    let path = manifest_dir().join("tests/golden").join(name);
    if std::env::var("SKYLENS_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "golden file {} missing ({e}); run `cargo xtask bless`",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "output differs from golden file {}\n--- expected\n{expected}\n--- actual\n{actual}\n(run `cargo xtask bless` if the change is intended)",
            path.display()
        );
    }
}

/// Run `skylens` with `args`; returns (exit code, stdout, stderr).
pub fn skylens(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(skylens_bin())
        .args(args)
        .env_remove("SKYLENS_WORKSPACE")
        .output()
        .expect("run skylens");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Run `skylens` and require success; returns stdout.
pub fn skylens_ok(args: &[&str]) -> String {
    let (code, out, err) = skylens(args);
    assert_eq!(
        code, 0,
        "skylens {args:?} failed ({code})\nstdout:\n{out}\nstderr:\n{err}"
    );
    out
}

/// The first object of a JSON array printed by Skylens lists its keys in `header` order.
pub fn assert_key_order(text: &str, header: &[&str]) {
    let first = &text[..text.find('}').unwrap_or(text.len())];
    let pos: Vec<usize> = header
        .iter()
        .map(|h| {
            first
                .find(&format!("\"{h}\":"))
                .unwrap_or_else(|| panic!("{h} missing from {first}"))
        })
        .collect();
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "keys not in column order {header:?}:\n{first}"
    );
}
