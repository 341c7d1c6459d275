//! The shell's commands through Tauri's real IPC path (mock runtime, the app's real
//! configuration and compiled capabilities), and checks of the security configuration.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Listener, Manager, WebviewWindow, WebviewWindowBuilder};

use super::*;

/// A mock app over an empty workspace in a temporary directory, with a window labelled `label`.
fn window(label: &str) -> (tempfile::TempDir, WebviewWindow<MockRuntime>) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path().join("ws")).unwrap();
    let shell = Shell::with_app(app).remembering_in(dir.path().join("state"));
    let app = builder(mock_builder(), shell)
        .build(context())
        .expect("the app builds with its real configuration");
    let w = WebviewWindowBuilder::new(&app, label, Default::default())
        .build()
        .unwrap();
    // The app must outlive the test's requests; it is small, leak it.
    std::mem::forget(app);
    (dir, w)
}

/// Invoke `cmd` with `body` as the page does (`invoke(cmd, body)`), from the bundled origin.
fn invoke(w: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

/// The keys of a JSON object.
fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn command_errors_reach_the_page_as_code_and_message() {
    let (_dir, w) = window("main");

    let err = invoke(&w, "report", json!({"req": {"name": "no-such-report"}})).unwrap_err();
    assert_eq!(keys(&err), ["code", "message"], "{err}");
    assert_eq!(err["code"], "unknown_name");
    assert!(
        err["message"].as_str().unwrap().contains("no-such-report"),
        "{err}"
    );

    // The shell's own check, same shape.
    let err = invoke(
        &w,
        "save_file",
        json!({"req": {"path": "/tmp/skylens-test/.bashrc", "base64": "AA=="}}),
    )
    .unwrap_err();
    assert_eq!(keys(&err), ["code", "message"], "{err}");
    assert_eq!(err["code"], "invalid_input");
    assert!(!Path::new("/tmp/skylens-test/.bashrc").exists());

    // A malformed argument is rejected by Tauri before the command runs (a string, not ours).
    let err = invoke(&w, "report", json!({"req": {"nom": 1}})).unwrap_err();
    assert!(err.as_str().is_some_and(|s| s.contains("req")), "{err}");
}

#[test]
fn commands_answer_with_the_core_results() {
    let (dir, w) = window("main");

    let reports = invoke(&w, "reports", json!({})).unwrap();
    let names: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"latency") && names.contains(&"cold-starts"),
        "{names:?}"
    );

    let info = invoke(&w, "workspace_info", json!({})).unwrap();
    assert!(info["path"].as_str().unwrap().ends_with("ws"), "{info}");
    assert!(
        info["frames"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rows"] == 0)
    );

    // save_file writes the decoded bytes where the user chose.
    let out = dir.path().join("latency.csv");
    let done = invoke(
        &w,
        "save_file",
        json!({"req": {"path": out.to_str().unwrap(), "base64": "ZnVuY3Rpb24K"}}),
    )
    .unwrap();
    assert_eq!(done, Value::Null);
    assert_eq!(std::fs::read(&out).unwrap(), b"function\n");

    // A composed table as CSV, by the core's spreadsheet-safe writer.
    let file = invoke(
        &w,
        "export_table",
        json!({"req": {"name": "overview", "columns": ["function", "invocations"],
                       "kinds": ["text", "number"], "rows": [["=cmd()", 3]]}}),
    )
    .unwrap();
    assert_eq!(file["filename"], "overview.csv");
    assert_eq!(
        file["base64"], "ZnVuY3Rpb24saW52b2NhdGlvbnMKJz1jbWQoKSwzCg==",
        "{file}"
    );
}

#[test]
fn the_window_may_call_nothing_it_was_not_granted() {
    let (_dir, w) = window("main");
    // Core and plugin commands outside the capability are refused by Tauri's ACL.
    for (cmd, body) in [
        (
            "plugin:event|emit",
            json!({"event": "pull-progress", "payload": null}),
        ),
        ("plugin:window|close", json!({"label": "main"})),
        ("plugin:dialog|message", json!({"message": "hi"})),
    ] {
        let err = invoke(&w, cmd, body).unwrap_err();
        assert!(err.to_string().contains("not allowed"), "{cmd}: {err}");
    }
    // What it was granted passes the ACL (listen answers with an event ID).
    let id = invoke(
        &w,
        "plugin:event|listen",
        json!({"event": "pull-progress", "target": {"kind": "Any"}, "handler": 3}),
    )
    .unwrap();
    assert!(id.is_u64(), "{id}");

    // Another window has no capability at all: even our commands are refused.
    let (_dir2, other) = window("other");
    let err = invoke(&other, "reports", json!({})).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
}

#[test]
fn open_workspace_switches_and_remembers() {
    let (dir, w) = window("main");
    let other = dir.path().join("other");
    App::open(&other)
        .unwrap()
        .demo(&DemoRequest {
            seed: 7,
            requests: 50,
        })
        .unwrap();

    let info = invoke(
        &w,
        "open_workspace",
        json!({"req": {"path": other.to_str().unwrap()}}),
    )
    .unwrap();
    assert_eq!(
        info["path"].as_str().unwrap(),
        other.to_str().unwrap(),
        "{info}"
    );
    // Later commands use the new workspace…
    let now = invoke(&w, "workspace_info", json!({})).unwrap();
    assert_eq!(now, info);
    assert!(
        now["frames"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rows"].as_u64() > Some(0))
    );
    // …and the next start opens it (`startup_workspace` reads what was recorded).
    let state = dir.path().join("state");
    let next = app::startup_workspace(&state, &dir.path().join("data")).unwrap();
    assert_eq!(next.dir(), other.as_path());
    assert!(
        !dir.path().join("data").exists(),
        "no demo generated when a workspace is recorded"
    );
}

#[test]
fn pull_progress_reaches_the_window_as_events() {
    let (_dir, w) = window("main");
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    w.app_handle().listen_any(PULL_PROGRESS_EVENT, move |e| {
        let _ = tx.send(serde_json::from_str(e.payload()).unwrap());
    });
    // An empty window: the pull job starts, then fails before any AWS call (and the endpoint is
    // a closed loopback port anyway), so its final status is sent as an event.
    let job = invoke(
        &w,
        "pull_start",
        json!({"req": {
            "regions": ["us-east-1"],
            "range": {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "endpoint_url": "http://127.0.0.1:9",
        }}),
    )
    .unwrap();
    let id = job["job"].as_u64().unwrap();
    let last = loop {
        let status = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("a pull-progress event");
        assert_eq!(status["job"], id, "{status}");
        if status["state"] != "running" {
            break status;
        }
    };
    assert_eq!(last["state"], "failed", "{last}");
    assert_eq!(keys(&last["error"]), ["code", "message"], "{last}");
    // The same status through pull_status.
    let polled = invoke(&w, "pull_status", json!({"req": {"job": id}})).unwrap();
    assert_eq!(polled["state"], "failed");
}

fn read_json(rel: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn capabilities_are_minimal() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let cap: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        files += 1;
        assert_eq!(cap["windows"], json!(["main"]), "{path:?}");
        assert!(
            cap.get("webviews").is_none() && cap.get("remote").is_none(),
            "{path:?}"
        );
        let perms: Vec<&str> = cap["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().or_else(|| p["identifier"].as_str()).unwrap())
            .collect();
        for p in &perms {
            assert!(
                !p.starts_with("shell:") && !p.starts_with("fs:"),
                "{path:?} grants {p}"
            );
            assert!(
                !p.ends_with(":default"),
                "{path:?} grants a broad default set: {p}"
            );
        }
        assert_eq!(
            perms,
            [
                "skylens-commands",
                "core:event:allow-listen",
                "core:event:allow-unlisten",
                "dialog:allow-open",
                "dialog:allow-save",
            ]
        );
    }
    assert_eq!(files, 1, "one capability file");

    // The command set names exactly the shell's commands.
    let set = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("permissions/skylens-commands.toml"),
    )
    .unwrap();
    let granted: BTreeSet<String> = set
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"allow-"))
        .map(|l| l.trim_end_matches(['"', ',']).replace('-', "_"))
        .collect();
    let commands: BTreeSet<String> = COMMANDS.iter().map(|c| c.to_string()).collect();
    assert_eq!(granted, commands);
}

#[test]
fn every_command_is_listed_and_handled() {
    // `generate_handler!` can't be enumerated: compare with the `#[tauri::command]` functions.
    let src = include_str!("lib.rs");
    let mut defined = BTreeSet::new();
    let mut lines = src.lines();
    while let Some(l) = lines.next() {
        if l.trim() == "#[tauri::command]" {
            let sig = lines.next().unwrap();
            let name = sig
                .trim()
                .trim_start_matches("async fn ")
                .split(['(', '<'])
                .next()
                .unwrap();
            defined.insert(name.to_string());
        }
    }
    let listed: BTreeSet<String> = COMMANDS.iter().map(|c| c.to_string()).collect();
    assert_eq!(defined, listed);
    // …and each is in the handler: invoked without its argument, every command answers (an
    // argument error at most), none is unknown to Tauri.
    let (_dir, w) = window("main");
    for cmd in COMMANDS {
        if let Err(e) = invoke(&w, cmd, json!({})) {
            let text = e.to_string();
            assert!(!text.contains("not found"), "{cmd}: {text}");
            assert!(
                e.get("code").is_some() || text.contains("req"),
                "{cmd}: {text}"
            );
        }
    }
    // The API contract's commands are all there.
    for c in skylens::app::COMMANDS {
        assert!(listed.contains(*c), "{c}");
    }
}

#[test]
fn csp_is_strict() {
    let conf = read_json("tauri.conf.json");
    assert_eq!(conf["app"]["withGlobalTauri"], false);
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    for bad in ["unsafe-inline", "unsafe-eval", "https:", "*"] {
        assert!(!csp.contains(bad), "CSP allows {bad}: {csp}");
    }
    // The only non-`self` origin is Tauri's IPC endpoint.
    let remote: Vec<&str> = csp
        .split([' ', ';'])
        .filter(|t| t.starts_with("http"))
        .collect();
    assert_eq!(remote, ["http://ipc.localhost"]);
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(
        conf["app"]["security"]
            .get("dangerousDisableAssetCspModification")
            .is_none()
    );
}

#[test]
fn save_paths_are_checked() {
    assert!(check_save_path("/home/u/latency.csv").is_ok());
    assert!(check_save_path("/home/u/map.SVG").is_ok());
    for bad in [
        "latency.csv",
        "/home/u/.bashrc",
        "/home/u/.ssh/authorized_keys",
        "/home/u/.config/autostart/x.desktop",
        "/usr/local/bin/skylens",
        "/home/u/report.csv.sh",
    ] {
        let e = check_save_path(bad).unwrap_err();
        assert_eq!(e.code, "invalid_input", "{bad}");
    }
}
