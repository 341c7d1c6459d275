//! The manifest: what came from where, and when.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};

const MANIFEST_FILE: &str = "manifest.json";

/// Where an import came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// A file on disk, identified by its content hash.
    File {
        /// The path as given.
        path: String,
        /// SHA-256 of the content, hex.
        sha256: String,
        /// Size in bytes.
        bytes: u64,
    },
    /// The built-in demo workload.
    Demo {
        /// Seed.
        seed: u64,
        /// Requests generated.
        requests: u64,
    },
    /// A window fetched from an AWS API.
    Api {
        /// Service (`logs`, `xray`, `ce`).
        service: String,
        /// Region.
        region: String,
        /// What was fetched (log group, tag key, …).
        target: String,
        /// Window start, ISO-8601.
        from: String,
        /// Window end, ISO-8601.
        to: String,
    },
}

/// One import into the workspace.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ManifestEntry {
    /// Where the data came from.
    pub origin: Origin,
    /// The format detected.
    pub format: String,
    /// When it was imported, ISO-8601 UTC.
    pub imported_at: String,
    /// Rows added to each frame.
    pub added: BTreeMap<String, u64>,
    /// Records skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
}

/// The whole manifest.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Imports, oldest first.
    pub entries: Vec<ManifestEntry>,
}

impl Manifest {
    /// Load the manifest of the workspace at `dir` (empty when there is none yet).
    pub fn load(dir: &Path) -> Result<Manifest> {
        let p = dir.join(MANIFEST_FILE);
        match std::fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::Workspace {
                path: dir.to_path_buf(),
                message: format!("{MANIFEST_FILE} is unreadable: {e}"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(Error::io("reading", p, e)),
        }
    }

    /// Save atomically into the workspace at `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let text = serde_json::to_vec_pretty(self).map_err(|e| Error::Workspace {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        super::write_atomic(&dir.join(MANIFEST_FILE), &text)
    }

    /// Whether a file with this content hash was already imported.
    pub fn has_file(&self, sha256: &str) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(&e.origin, Origin::File { sha256: s, .. } if s == sha256))
    }
}
