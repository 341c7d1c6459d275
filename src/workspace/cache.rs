//! Derived results saved in the workspace, keyed by the data they were computed from.
//!
//! Two caches use it: the report cache ([`crate::analysis::results`], Parquet) and the
//! dashboard cache ([`crate::app::cache`], JSON).
//!
//! - Key: a SHA-256 of what the caller says the result depends on (its name, its request,
//!   the Skylens version) and of the workspace's [`stamp`]: the path, size and modification time
//!   of every partition file. Any import, pull or merge rewrites a partition file (atomically, by
//!   rename), which changes the stamp, so a stale entry is never read; it is simply never asked
//!   for again.
//! - Files: `<workspace>/cache/<name>-<key>.<ext>`, written atomically. At most
//!   [`KEEP_PER_NAME`] entries per name are kept (the oldest are removed).
//! - A cache is an optimisation only: an unreadable, unparsable or unwritable entry is
//!   recomputed, never an error. Deleting `cache/` is always safe.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Workspace;
use crate::error::Result;
use crate::model::Frame;

/// Entries kept per name (one per request recently asked for).
pub const KEEP_PER_NAME: usize = 8;

/// The directory of the caches inside a workspace.
pub fn cache_dir(ws: &Workspace) -> PathBuf {
    ws.dir().join("cache")
}

/// The workspace's stamp: every partition file of every frame, with its size and
/// modification time (ns), one per line. It changes whenever the stored data does.
pub fn stamp(ws: &Workspace) -> Result<String> {
    let mut out = String::new();
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
            out.push_str(&format!("{}/{date}:{len}:{mtime}\n", frame.name()));
        }
    }
    Ok(out)
}

/// The cache file of `name` for a request described by `parts`, in the workspace as it is now.
pub fn entry_path(ws: &Workspace, name: &str, parts: &[&[u8]], ext: &str) -> Result<PathBuf> {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    for p in parts {
        // Length-prefixed, so that two requests never hash the same bytes.
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.update(stamp(ws)?.as_bytes());
    let key: String = h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(cache_dir(ws).join(format!("{name}-{key}.{ext}")))
}

/// The bytes of a cache entry, if it is there and readable.
pub fn load(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

/// Write an entry and prune the oldest entries of its name; failures only cost a
/// recomputation.
pub fn save(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    let Some(file) = path.file_name().map(|f| f.to_string_lossy().into_owned()) else {
        return;
    };
    // `<name>-<32 hex digits>.<ext>`: the name is everything before the key.
    let Some((prefix, ext)) = file
        .rsplit_once('.')
        .and_then(|(stem, ext)| Some((stem.get(..stem.len().checked_sub(32)?)?, ext)))
    else {
        return;
    };
    if std::fs::create_dir_all(dir).is_err() || super::write_atomic(path, bytes).is_err() {
        return;
    }
    let suffix = format!(".{ext}");
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.len() == file.len() && n.starts_with(prefix) && n.ends_with(&suffix)
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if entries.len() > KEEP_PER_NAME {
        entries.sort();
        let extra = entries.len() - KEEP_PER_NAME;
        for (_, p) in entries.into_iter().take(extra) {
            let _ = std::fs::remove_file(p);
        }
    }
}
