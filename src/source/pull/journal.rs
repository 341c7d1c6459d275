//! The invocation facts of a pull, kept on disk (`<workspace>/pull-facts.jsonl`) until the pull
//! ends, then assembled into the `invocations` frame in one pass.
//!
//! A pull stores log lines, spans and cost figures as it goes, window by window, but an
//! invocation is made of facts from several windows and services (START in one page, REPORT in
//! the next, the X-Ray function segment from another API). Assembling them once, over every
//! fact of the pull, gives the same rows as importing the same data from files in one import.
//! The facts of each stored window are appended here (and synced) before the window is recorded
//! as fetched, so a pull that is killed keeps them: the next pull adds its own and assembles
//! all of them together. A fact read twice (a window fetched again) changes nothing.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::model::facts::InvocationFact;
use crate::workspace::Workspace;

/// File name of the journal in a workspace.
pub const JOURNAL_FILE: &str = "pull-facts.jsonl";

/// Path of the journal of `ws`.
pub fn path(ws: &Workspace) -> PathBuf {
    ws.dir().join(JOURNAL_FILE)
}

/// Append facts (one JSON object per line) and sync.
pub fn append(ws: &Workspace, facts: &[InvocationFact]) -> Result<()> {
    if facts.is_empty() {
        return Ok(());
    }
    let p = path(ws);
    let mut buf = Vec::with_capacity(facts.len() * 160);
    for f in facts {
        serde_json::to_writer(&mut buf, f)
            .map_err(|e| Error::io("writing", &p, std::io::Error::other(e)))?;
        buf.push(b'\n');
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(&p)
        .map_err(|e| Error::io("opening", &p, e))?;
    // A line torn by a crash must not swallow the first new fact.
    let len = file
        .metadata()
        .map_err(|e| Error::io("reading", &p, e))?
        .len();
    if len > 0 {
        use std::io::{Read, Seek, SeekFrom};
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1))
            .and_then(|_| file.read_exact(&mut last))
            .map_err(|e| Error::io("reading", &p, e))?;
        if last[0] != b'\n' {
            buf.insert(0, b'\n');
        }
    }
    file.write_all(&buf)
        .map_err(|e| Error::io("writing", &p, e))?;
    file.sync_all().map_err(|e| Error::io("syncing", &p, e))
}

/// Every fact in the journal. A line cut short by a crash is left out (its window was not
/// recorded as fetched, so its facts come again).
pub fn read(ws: &Workspace) -> Result<Vec<InvocationFact>> {
    let p = path(ws);
    let f = match std::fs::File::open(&p) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::io("opening", &p, e)),
    };
    let mut out = Vec::new();
    for line in std::io::BufReader::new(f).lines() {
        let line = line.map_err(|e| Error::io("reading", &p, e))?;
        if let Ok(fact) = serde_json::from_str::<InvocationFact>(&line) {
            out.push(fact);
        }
    }
    Ok(out)
}

/// Remove the journal (after its facts are stored).
pub fn clear(ws: &Workspace) -> Result<()> {
    let p = path(ws);
    match std::fs::remove_file(&p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("removing", &p, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::facts::{FactKind, Report, Status};

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open_or_create(dir.path()).unwrap();
        assert!(read(&ws).unwrap().is_empty());
        let mut a = InvocationFact::new(
            "r-1",
            FactKind::Report(Box::new(Report {
                duration_ms: Some(12.5),
                status: Some(Status::Timeout),
                ..Default::default()
            })),
        );
        a.ts = Some(1_700_000_000_000_000);
        let b = InvocationFact::new(
            "r-1",
            FactKind::Segment {
                start: Some(1),
                duration_ms: None,
                init_ms: Some(3.0),
                failed: true,
                trace_id: None,
            },
        );
        append(&ws, std::slice::from_ref(&a)).unwrap();
        append(&ws, std::slice::from_ref(&b)).unwrap();
        // A torn last line is ignored.
        std::fs::OpenOptions::new()
            .append(true)
            .open(path(&ws))
            .unwrap()
            .write_all(b"{\"request_id\":\"r-")
            .unwrap();
        assert_eq!(read(&ws).unwrap(), vec![a.clone(), b.clone()]);
        // … and does not swallow the next fact appended.
        append(&ws, &[a.clone()]).unwrap();
        assert_eq!(read(&ws).unwrap(), vec![a.clone(), b, a]);
        clear(&ws).unwrap();
        assert!(read(&ws).unwrap().is_empty());
    }
}
