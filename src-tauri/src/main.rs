//! `skylens-desktop`: the Skylens desktop app (see `lib.rs`).

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The allocator of the `skylens` CLI (see `src/bin/skylens.rs`): the app runs the same
/// imports and reports in process.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    skylens_desktop::run();
}
