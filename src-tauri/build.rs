//! Tauri's build step: checks `tauri.conf.json`, embeds `ui/dist`, and resolves the
//! capabilities into the access control list compiled into the binary.
//!
//! The app manifest lists the shell's own commands, so Tauri generates an `allow-<command>`
//! permission for each and no longer allows app commands by default: every command the window
//! may call is named in `capabilities/default.json`.

include!("src/command_names.rs");

fn main() {
    let attrs = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attrs).expect("tauri-build failed");
}
