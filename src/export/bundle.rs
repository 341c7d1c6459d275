//! Report bundles (`skylens export --bundle DIR`): every report as CSV and Parquet and every
//! chart as SVG and PNG for one window, with an index (`index.json`, `index.html`).
//!
//! Layout of the bundle:
//! ```text
//! DIR/index.html               a page listing everything (text escaped; no scripts)
//! DIR/index.json               the same, for programs
//! DIR/reports/<report>.csv     spreadsheet-safe CSV (see [`super::neutralise`])
//! DIR/reports/<report>.parquet typed columns
//! DIR/charts/<chart>.svg|png
//! ```
//! Each file is written atomically (temporary file + rename); the indexes are written last.
//! A report or chart that fails is listed in the index with its error, and the rest are
//! still written.

use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{OutputFormat, write};
use crate::analysis::{self, Params, Window};
use crate::error::{Error, Result};
use crate::parse::time::format_iso;
use crate::render::{self, ImageFormat};
use crate::workspace::{Workspace, write_atomic};

/// One file of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleFile {
    /// Report or chart name.
    pub name: String,
    /// `report` or `chart`.
    pub kind: &'static str,
    /// `csv`, `parquet`, `svg` or `png`.
    pub format: &'static str,
    /// Path inside the bundle, `/`-separated.
    pub file: String,
    /// Rows of the report (for a chart: the data rows drawn).
    pub rows: usize,
    /// Size in bytes.
    pub bytes: usize,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// A report or chart that could not be written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleError {
    /// Report or chart name.
    pub name: String,
    /// `report` or `chart`.
    pub kind: &'static str,
    /// What went wrong.
    pub error: String,
}

/// The window of a bundle, ISO-8601 UTC (`null` = open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleWindow {
    /// Inclusive start.
    pub from: Option<String>,
    /// Exclusive end.
    pub to: Option<String>,
}

/// The report options a bundle was made with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleOptions {
    /// Histogram bin width, ms.
    pub bin_ms: f64,
    /// Time-series bucket (`5m`), or `null` = chosen from the window.
    pub bucket: Option<String>,
    /// Cost grouping of the spend reports (`null` = every grouping; the spend chart uses
    /// `tag:team` then).
    pub by: Option<String>,
    /// Cost metric.
    pub metric: String,
}

/// `index.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleIndex {
    /// The Skylens version that wrote it.
    pub skylens_version: &'static str,
    /// When, ISO-8601 UTC (`$SOURCE_DATE_EPOCH` if set, for reproducible bundles).
    pub generated_at: String,
    /// The window of every report and chart.
    pub window: BundleWindow,
    /// Report options.
    pub options: BundleOptions,
    /// The files, reports first, in registry order.
    pub files: Vec<BundleFile>,
    /// What could not be written.
    pub errors: Vec<BundleError>,
}

fn now_us() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| s.checked_mul(1_000_000))
        .unwrap_or_else(|| chrono::Utc::now().timestamp_micros())
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Write a bundle of every report and chart for `window` into `dir` (created if needed).
pub fn bundle(ws: &Workspace, dir: &Path, window: Window, params: &Params) -> Result<BundleIndex> {
    for sub in ["reports", "charts"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).map_err(|e| Error::io("creating", d, e))?;
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut put = |name: &str,
                   kind: &'static str,
                   format: &'static str,
                   rows: usize,
                   bytes: Vec<u8>|
     -> Result<()> {
        let file = format!("{kind}s/{name}.{format}");
        write_atomic(&dir.join(&file), &bytes)?;
        files.push(BundleFile {
            name: name.to_string(),
            kind,
            format,
            file,
            rows,
            bytes: bytes.len(),
            sha256: hex(&bytes),
        });
        Ok(())
    };
    for r in analysis::REPORTS {
        match analysis::run_report(ws, r.name, window, params) {
            Ok(df) => {
                for format in [OutputFormat::Csv, OutputFormat::Parquet] {
                    let mut buf = Vec::new();
                    write(&df, format, &mut buf)?;
                    put(r.name, "report", format.extension(), df.height(), buf)?;
                }
            }
            Err(e) => errors.push(BundleError {
                name: r.name.to_string(),
                kind: "report",
                error: e.to_string(),
            }),
        }
    }
    for c in render::CHARTS {
        match render::build(ws, c.name, window, params) {
            Ok(chart) => {
                for format in [ImageFormat::Svg, ImageFormat::Png] {
                    match chart.render(format) {
                        Ok(bytes) => put(c.name, "chart", format.extension(), chart.rows(), bytes)?,
                        Err(e) => errors.push(BundleError {
                            name: c.name.to_string(),
                            kind: "chart",
                            error: e.to_string(),
                        }),
                    }
                }
            }
            Err(e) => errors.push(BundleError {
                name: c.name.to_string(),
                kind: "chart",
                error: e.to_string(),
            }),
        }
    }
    let index = BundleIndex {
        skylens_version: env!("CARGO_PKG_VERSION"),
        generated_at: format_iso(now_us()),
        window: BundleWindow {
            from: window.from.map(format_iso),
            to: window.to.map(format_iso),
        },
        options: BundleOptions {
            bin_ms: params.bin_ms,
            bucket: params.bucket_us.map(analysis::params::format_bucket),
            by: params.by.clone(),
            metric: params.metric.clone(),
        },
        files,
        errors,
    };
    let json = serde_json::to_vec_pretty(&index)
        .map_err(|e| Error::Invalid(format!("writing index.json: {e}")))?;
    write_atomic(&dir.join("index.html"), index_html(&index).as_bytes())?;
    write_atomic(&dir.join("index.json"), &json)?;
    Ok(index)
}

/// Escape text for HTML element content and double-quoted attributes.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A relative link to a bundle file: each path segment percent-encoded.
fn href(file: &str) -> String {
    file.split('/')
        .map(|seg| {
            seg.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `index.html`: a static page (no scripts; a CSP forbids any) listing the bundle.
pub fn index_html(index: &BundleIndex) -> String {
    let e = html_escape;
    let window = match (&index.window.from, &index.window.to) {
        (None, None) => "all data".to_string(),
        (f, t) => format!(
            "{} to {}",
            f.as_deref().unwrap_or("start"),
            t.as_deref().unwrap_or("end")
        ),
    };
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'\">\n");
    h.push_str(&format!(
        "<title>Skylens report bundle: {}</title>\n",
        e(&window)
    ));
    h.push_str("<style>body{font-family:sans-serif;margin:2em;color:#212529}table{border-collapse:collapse}td,th{border:1px solid #dee2e6;padding:4px 8px;text-align:left}td.n{text-align:right}img{max-width:100%;border:1px solid #dee2e6;margin:8px 0 24px}.err{color:#c81e1e}</style>\n");
    h.push_str("</head>\n<body>\n");
    h.push_str(&format!(
        "<h1>Skylens report bundle</h1>\n<p>Window: {}. Generated {} by Skylens {}.</p>\n",
        e(&window),
        e(&index.generated_at),
        e(index.skylens_version)
    ));
    h.push_str("<p>CSV files are spreadsheet-safe: text cells starting with = + - @, a tab or a carriage return get a leading apostrophe. Parquet files keep the original values and types.</p>\n");
    h.push_str("<h2>Reports</h2>\n<table>\n<tr><th>report</th><th>what it shows</th><th>rows</th><th>files</th></tr>\n");
    for r in analysis::REPORTS {
        let of: Vec<&BundleFile> = index
            .files
            .iter()
            .filter(|f| f.kind == "report" && f.name == r.name)
            .collect();
        if of.is_empty() {
            continue;
        }
        let links: Vec<String> = of
            .iter()
            .map(|f| format!("<a href=\"{}\">{}</a>", e(&href(&f.file)), e(f.format)))
            .collect();
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
            e(r.name),
            e(r.about),
            of[0].rows,
            links.join(" ")
        ));
    }
    h.push_str("</table>\n<h2>Charts</h2>\n");
    for c in render::CHARTS {
        let of: Vec<&BundleFile> = index
            .files
            .iter()
            .filter(|f| f.kind == "chart" && f.name == c.name)
            .collect();
        if of.is_empty() {
            continue;
        }
        let links: Vec<String> = of
            .iter()
            .map(|f| format!("<a href=\"{}\">{}</a>", e(&href(&f.file)), e(f.format)))
            .collect();
        h.push_str(&format!(
            "<h3>{}</h3>\n<p>{} ({})</p>\n",
            e(c.name),
            e(c.about),
            links.join(" ")
        ));
        if let Some(svg) = of.iter().find(|f| f.format == "svg") {
            h.push_str(&format!(
                "<img src=\"{}\" alt=\"{}\">\n",
                e(&href(&svg.file)),
                e(&format!("chart {}: {}", c.name, c.about))
            ));
        }
    }
    if !index.errors.is_empty() {
        h.push_str("<h2 class=\"err\">Not written</h2>\n<ul>\n");
        for err in &index.errors {
            h.push_str(&format!(
                "<li class=\"err\">{} {}: {}</li>\n",
                e(err.kind),
                e(&err.name),
                e(&err.error)
            ));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_links_are_encoded() {
        assert_eq!(
            html_escape("<a href=\"x\">&'</a>\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;\u{fffd}"
        );
        assert_eq!(href("reports/a b\".csv"), "reports/a%20b%22.csv");
        let index = BundleIndex {
            skylens_version: "0.1.0",
            generated_at: "2026-11-02T00:00:00.000Z".into(),
            window: BundleWindow {
                from: Some("<script>".into()),
                to: None,
            },
            options: BundleOptions {
                bin_ms: 100.0,
                bucket: None,
                by: None,
                metric: "UnblendedCost".into(),
            },
            files: vec![BundleFile {
                name: "latency".into(),
                kind: "report",
                format: "csv",
                file: "reports/latency.csv".into(),
                rows: 3,
                bytes: 10,
                sha256: String::new(),
            }],
            errors: vec![BundleError {
                name: "spend".into(),
                kind: "report",
                error: "<img src=x onerror=alert(1)>".into(),
            }],
        };
        let html = index_html(&index);
        assert!(
            !html.contains("<script>") && !html.contains("<img src=x"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt; to end"), "{html}");
        assert!(
            html.contains("<a href=\"reports/latency.csv\">csv</a>"),
            "{html}"
        );
    }
}
