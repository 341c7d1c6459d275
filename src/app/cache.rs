//! The dashboard cache: composed screens (the overview, the service map) saved as JSON in the
//! workspace, so reopening a workspace shows its first dashboard without recomputing.
//!
//! - Key: a SHA-256 of the screen's name, its request (the time range), the Skylens version
//!   and the workspace's *stamp*: the path, size and modification time of every partition file.
//!   Any import, pull or merge rewrites a partition file (atomically, by rename), which changes
//!   the stamp, so a stale entry is never read; it is simply never asked for again.
//! - Files: `<workspace>/cache/<screen>-<key>.json`, written atomically. At most
//!   [`KEEP_PER_SCREEN`] entries per screen are kept (the oldest are removed).
//! - The cache is an optimisation only: an unreadable, unparsable or unwritable entry is
//!   recomputed, never an error. Deleting `cache/` is always safe.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::AppResult;
use crate::model::Frame;
use crate::workspace::Workspace;

/// Entries kept per screen (one per time range recently asked for).
pub const KEEP_PER_SCREEN: usize = 8;

/// The directory of the cache inside a workspace.
pub fn cache_dir(ws: &Workspace) -> PathBuf {
    ws.dir().join("cache")
}

/// The workspace's stamp: every partition file with its size and modification time.
fn stamp(ws: &Workspace, hasher: &mut Sha256) -> crate::error::Result<()> {
    for frame in Frame::ALL {
        for (date, path) in ws.frame_files(frame)? {
            let (len, mtime) = std::fs::metadata(&path)
                .ok()
                .map(|m| {
                    let t = m
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_nanos());
                    (m.len(), t)
                })
                .unwrap_or((0, 0));
            hasher.update(format!("{}/{date}:{len}:{mtime}\n", frame.name()).as_bytes());
        }
    }
    Ok(())
}

/// The cache file of `screen` for `request` in the workspace as it is now.
fn entry_path(ws: &Workspace, screen: &str, request: &impl Serialize) -> AppResult<PathBuf> {
    let mut h = Sha256::new();
    h.update(screen.as_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(serde_json::to_vec(request).unwrap_or_default());
    stamp(ws, &mut h)?;
    let key: String = h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(cache_dir(ws).join(format!("{screen}-{key}.json")))
}

/// `compute()` for `screen` and `request`, or its saved result when the workspace hasn't
/// changed since it was saved.
pub fn cached<T, F>(
    ws: &Workspace,
    screen: &str,
    request: &impl Serialize,
    compute: F,
) -> AppResult<T>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> AppResult<T>,
{
    let path = entry_path(ws, screen, request)?;
    if let Some(v) = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<T>(&b).ok())
    {
        return Ok(v);
    }
    let value = compute()?;
    if let Ok(bytes) = serde_json::to_vec(&value) {
        save(&path, &bytes, screen);
    }
    Ok(value)
}

/// Write an entry and prune the oldest of its screen; failures only cost a recomputation.
fn save(path: &Path, bytes: &[u8], screen: &str) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    if crate::workspace::write_atomic(path, bytes).is_err() {
        return;
    }
    let prefix = format!("{screen}-");
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with(&prefix) && n.ends_with(".json")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if entries.len() > KEEP_PER_SCREEN {
        entries.sort();
        let extra = entries.len() - KEEP_PER_SCREEN;
        for (_, p) in entries.into_iter().take(extra) {
            let _ = std::fs::remove_file(p);
        }
    }
}
