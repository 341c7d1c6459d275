// The commands the desktop shell exposes to its window, in one list shared by `build.rs` (which
// generates an `allow-<command>` permission for each: Tauri then refuses any command no
// capability allows) and by the tests (which check the capability allows exactly these).
// Keep it in step with `tauri::generate_handler!` in `lib.rs`.

/// Every command of the shell: the API contract's commands, then the desktop-only ones.
pub const COMMANDS: &[&str] = &[
    "workspace_info",
    "reports",
    "charts",
    "report",
    "export_report",
    "export_table",
    "chart",
    "overview",
    "service_map",
    "node_detail",
    "investigate",
    "demo",
    "import_files",
    "aws_profiles",
    "pull_start",
    "pull_status",
    "pull_cancel",
    "save_file",
    "open_workspace",
];
