//! The dashboard cache: composed screens (the overview, the service map) saved as JSON in the
//! workspace, so reopening a workspace shows its first dashboard without recomputing.
//!
//! Keys, files and pruning are those of [`crate::workspace::cache`]: an entry is keyed by the
//! screen, its request (the time range), the Skylens version and the workspace's partition
//! files, so a stale entry is never read, and an unreadable entry is recomputed, never an
//! error. Files: `<workspace>/cache/<screen>-<key>.json`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::AppResult;
use crate::workspace::Workspace;
use crate::workspace::cache as store;

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
    let request = serde_json::to_vec(request).unwrap_or_default();
    let path = store::entry_path(ws, screen, &[&request], "json")?;
    if let Some(v) = store::load(&path).and_then(|b| serde_json::from_slice::<T>(&b).ok()) {
        return Ok(v);
    }
    let value = compute()?;
    if let Ok(bytes) = serde_json::to_vec(&value) {
        store::save(&path, &bytes);
    }
    Ok(value)
}
