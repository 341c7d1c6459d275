//! Sources: where data comes from. One folder per source.
//!
//! - [`files`]: files the AWS CLI (and SAM, the console, exports) print; format detected from content.
//! - [`demo`]: the built-in demo workload, written as raw AWS-shaped files and imported through
//!   [`files`], so it exercises the same parsers as real data.
//! - [`pull`]: live AWS (`skylens pull`), through [`cloudwatch`], [`xray`] and [`costexplorer`].

pub mod cloudwatch;
pub mod costexplorer;
pub mod demo;
pub mod files;
pub mod pull;
pub mod xray;

use crate::error::{Error, Result};
use crate::workspace::Workspace;
use crate::workspace::manifest::Origin;

/// Generate the demo workload as raw AWS-shaped files and import them through the same
/// parsers as real files. The raw files go to `<workspace>/raw/demo` when `keep_raw`, else to
/// a temporary directory that is removed afterwards.
pub fn import_demo(
    ws: &Workspace,
    opts: &demo::DemoOptions,
    keep_raw: bool,
) -> Result<Vec<files::FileReport>> {
    let raw_root = ws.dir().join("raw");
    std::fs::create_dir_all(&raw_root).map_err(|e| Error::io("creating", &raw_root, e))?;
    let tmp;
    let dir = if keep_raw {
        let d = raw_root.join("demo");
        std::fs::create_dir_all(&d).map_err(|e| Error::io("creating", &d, e))?;
        d
    } else {
        tmp = tempfile::Builder::new()
            .prefix("demo-")
            .tempdir_in(&raw_root)
            .map_err(|e| Error::io("creating a temporary directory in", &raw_root, e))?;
        tmp.path().to_path_buf()
    };
    let generated = demo::generate(&dir, opts)?;
    let items = generated.import_items();
    let (seed, requests) = (opts.seed, opts.requests);
    files::import_paths(ws, items, move |_, _| Origin::Demo { seed, requests })
}
