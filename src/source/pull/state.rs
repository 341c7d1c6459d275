//! The sync state of a workspace (`<workspace>/sync.json`): what the pulls already fetched, so a
//! second pull of the same window costs (almost) nothing and an interrupted pull resumes where
//! it stopped.
//!
//! ```json
//! { "version": 1,
//!   "logs":     { "<scope>|<region>|<log group>": [[from_ms, to_ms], …] },
//!   "insights": { "<scope>|<region>|<query>|<log group>": [[from_ms, to_ms], …] },
//!   "xray":     { "<scope>|<region>|<filter expression>": [[from_ms, to_ms], …] },
//!   "ce":       { "<scope>|<metrics>|<group by>": ["2026-11-01", …] } }
//! ```
//!
//! The scope is the profile and the endpoint (`default@aws`), so two accounts or a test
//! endpoint never share state. Windows are half-open `[from, to)` in epoch milliseconds,
//! merged. A window is recorded only after its data is stored in the workspace, and only up to
//! a few minutes before now (late events are fetched again next time; the workspace keeps one
//! copy of each). Cost Explorer days are recorded once they are closed: before today and not
//! estimated.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// File name of the sync state in a workspace.
pub const SYNC_FILE: &str = "sync.json";

/// Half-open windows `[from, to)` in epoch milliseconds, sorted and merged.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Windows(pub Vec<[i64; 2]>);

impl Windows {
    /// Add `[from, to)`.
    pub fn add(&mut self, from: i64, to: i64) {
        if to <= from {
            return;
        }
        self.0.push([from, to]);
        self.0.sort_unstable();
        let mut merged: Vec<[i64; 2]> = Vec::with_capacity(self.0.len());
        for w in self.0.drain(..) {
            match merged.last_mut() {
                Some(last) if w[0] <= last[1] => last[1] = last[1].max(w[1]),
                _ => merged.push(w),
            }
        }
        self.0 = merged;
    }

    /// The parts of `[from, to)` not yet covered, in order.
    pub fn missing(&self, from: i64, to: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        let mut at = from;
        for w in &self.0 {
            if w[1] <= at {
                continue;
            }
            if w[0] >= to {
                break;
            }
            if w[0] > at {
                out.push((at, w[0].min(to)));
            }
            at = at.max(w[1]);
            if at >= to {
                break;
            }
        }
        if at < to {
            out.push((at, to));
        }
        out
    }
}

/// The sync state.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SyncState {
    /// Format version.
    pub version: u32,
    /// FilterLogEvents windows fetched, by `scope|region|group`.
    #[serde(default)]
    pub logs: BTreeMap<String, Windows>,
    /// Logs Insights windows aggregated, by `scope|region|query|group`.
    #[serde(default)]
    pub insights: BTreeMap<String, Windows>,
    /// X-Ray windows fetched, by `scope|region|filter`.
    #[serde(default)]
    pub xray: BTreeMap<String, Windows>,
    /// Cost Explorer days closed and fetched, by `scope|metrics|group by`.
    #[serde(default)]
    pub ce: BTreeMap<String, BTreeSet<String>>,
}

impl Default for SyncState {
    fn default() -> Self {
        SyncState {
            version: 1,
            logs: BTreeMap::new(),
            insights: BTreeMap::new(),
            xray: BTreeMap::new(),
            ce: BTreeMap::new(),
        }
    }
}

/// One change to the state, applied after the data it describes is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// FilterLogEvents fetched `[from, to)` of a group.
    Logs {
        /// `scope|region|group`.
        key: String,
        /// Start, ms.
        from: i64,
        /// End, ms (exclusive).
        to: i64,
    },
    /// Logs Insights aggregated `[from, to)` of a group.
    Insights {
        /// `scope|region|query|group`.
        key: String,
        /// Start, ms.
        from: i64,
        /// End, ms.
        to: i64,
    },
    /// X-Ray traces of `[from, to)` fetched.
    Xray {
        /// `scope|region|filter`.
        key: String,
        /// Start, ms.
        from: i64,
        /// End, ms.
        to: i64,
    },
    /// Cost Explorer days now closed.
    CeClosed {
        /// `scope|metrics|group by`.
        key: String,
        /// Days, `YYYY-MM-DD`.
        days: Vec<String>,
    },
}

impl SyncState {
    /// Path of the state file in workspace `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(SYNC_FILE)
    }

    /// Load the state of the workspace at `dir` (empty when there is none).
    pub fn load(dir: &Path) -> Result<SyncState> {
        let p = Self::path(dir);
        match std::fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::Workspace {
                path: dir.to_path_buf(),
                message: format!(
                    "{SYNC_FILE} is unreadable ({e}); remove it to pull everything again"
                ),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SyncState::default()),
            Err(e) => Err(Error::io("reading", p, e)),
        }
    }

    /// Save atomically into the workspace at `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let text = serde_json::to_vec_pretty(self).map_err(|e| Error::Workspace {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        crate::workspace::write_atomic(&Self::path(dir), &text)
    }

    /// Apply one update.
    pub fn apply(&mut self, u: &Update) {
        match u {
            Update::Logs { key, from, to } => {
                self.logs.entry(key.clone()).or_default().add(*from, *to)
            }
            Update::Insights { key, from, to } => self
                .insights
                .entry(key.clone())
                .or_default()
                .add(*from, *to),
            Update::Xray { key, from, to } => {
                self.xray.entry(key.clone()).or_default().add(*from, *to)
            }
            Update::CeClosed { key, days } => self
                .ce
                .entry(key.clone())
                .or_default()
                .extend(days.iter().cloned()),
        }
    }

    /// Parts of `[from, to)` of a windows map entry not fetched yet.
    pub fn missing(
        map: &BTreeMap<String, Windows>,
        key: &str,
        from: i64,
        to: i64,
    ) -> Vec<(i64, i64)> {
        match map.get(key) {
            Some(w) => w.missing(from, to),
            None if to > from => vec![(from, to)],
            None => vec![],
        }
    }

    /// The log groups of `scope|region|` that have state, for a dry run.
    pub fn known_groups(&self, scope: &str, region: &str) -> Vec<String> {
        let prefix = format!("{scope}|{region}|");
        self.logs
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
            .collect()
    }
}

/// Key of a per-group entry.
pub fn key(parts: &[&str]) -> String {
    parts.join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_merge_and_missing() {
        let mut w = Windows::default();
        assert_eq!(w.missing(0, 10), vec![(0, 10)]);
        w.add(10, 20);
        w.add(30, 40);
        w.add(20, 25);
        assert_eq!(w.0, vec![[10, 25], [30, 40]]);
        assert_eq!(w.missing(0, 50), vec![(0, 10), (25, 30), (40, 50)]);
        assert_eq!(w.missing(12, 24), vec![]);
        assert_eq!(w.missing(12, 35), vec![(25, 30)]);
        w.add(5, 5);
        assert_eq!(w.0.len(), 2);
        w.add(0, 100);
        assert_eq!(w.0, vec![[0, 100]]);
    }

    #[test]
    fn state_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SyncState::load(dir.path()).unwrap();
        s.apply(&Update::Logs {
            key: key(&["p@aws", "eu-west-1", "/aws/lambda/a"]),
            from: 0,
            to: 10,
        });
        s.apply(&Update::CeClosed {
            key: "p@aws|UnblendedCost|SERVICE".into(),
            days: vec!["2026-11-01".into()],
        });
        s.save(dir.path()).unwrap();
        let t = SyncState::load(dir.path()).unwrap();
        assert_eq!(s, t);
        assert_eq!(
            t.known_groups("p@aws", "eu-west-1"),
            vec!["/aws/lambda/a".to_string()]
        );
        assert_eq!(
            SyncState::missing(&t.logs, "p@aws|eu-west-1|/aws/lambda/a", 5, 20),
            vec![(10, 20)]
        );
    }
}
