//! Render and export frames: aligned tables, spreadsheet-safe CSV, JSON.
//!
//! Every value goes through [`Cell`], so the three outputs agree: times are ISO-8601 UTC,
//! nulls are empty (CSV, table) or `null` (JSON), floats print their shortest exact form.

use std::io::Write;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::parse::time::format_iso;

/// Output formats of reports and queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// An aligned table for the terminal.
    Table,
    /// CSV with a header row; text cells are neutralised for spreadsheets.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// One rendered value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value.
    Null,
    /// Text.
    Text(String),
    /// A number, already formatted.
    Number(String),
    /// A boolean.
    Bool(bool),
}

impl Cell {
    fn from_any(v: AnyValue<'_>) -> Cell {
        match v {
            AnyValue::Null => Cell::Null,
            AnyValue::Boolean(b) => Cell::Bool(b),
            AnyValue::String(s) => Cell::Text(s.to_string()),
            AnyValue::StringOwned(s) => Cell::Text(s.to_string()),
            AnyValue::Float64(f) => float(f),
            AnyValue::Float32(f) => float(f as f64),
            AnyValue::Int64(i) => Cell::Number(i.to_string()),
            AnyValue::Int32(i) => Cell::Number(i.to_string()),
            AnyValue::UInt32(i) => Cell::Number(i.to_string()),
            AnyValue::UInt64(i) => Cell::Number(i.to_string()),
            AnyValue::Datetime(v, tu, _) => Cell::Text(format_iso(to_us(v, tu))),
            AnyValue::DatetimeOwned(v, tu, _) => Cell::Text(format_iso(to_us(v, tu))),
            AnyValue::Date(d) => Cell::Text(
                chrono::DateTime::from_timestamp(d as i64 * 86_400, 0)
                    .map(|dt| dt.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            ),
            other => Cell::Text(other.to_string()),
        }
    }

    /// The cell as plain text (no quoting).
    pub fn text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(s) | Cell::Number(s) => s.clone(),
            Cell::Bool(b) => b.to_string(),
        }
    }
}

fn to_us(v: i64, tu: TimeUnit) -> i64 {
    match tu {
        TimeUnit::Nanoseconds => v / 1000,
        TimeUnit::Microseconds => v,
        TimeUnit::Milliseconds => v.saturating_mul(1000),
    }
}

fn float(f: f64) -> Cell {
    if f.is_nan() {
        Cell::Null
    } else if f.fract() == 0.0 && f.abs() < 1e15 {
        Cell::Number(format!("{}", f as i64))
    } else {
        Cell::Number(format!("{f}"))
    }
}

/// The rows of a frame as cells.
pub fn cells(df: &DataFrame) -> Vec<Vec<Cell>> {
    let cols = df.columns();
    (0..df.height())
        .map(|i| cols.iter().map(|c| c.get(i).map(Cell::from_any).unwrap_or(Cell::Null)).collect())
        .collect()
}

/// Make a text cell safe to open in a spreadsheet (OWASP CSV injection): a cell that starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => std::borrow::Cow::Owned(format!("'{s}")),
        _ => std::borrow::Cow::Borrowed(s),
    }
}

/// Write `df` in `format` to `w`.
pub fn write(df: &DataFrame, format: OutputFormat, w: &mut dyn Write) -> Result<()> {
    let io = |e: std::io::Error| Error::io("writing", "output", e);
    match format {
        OutputFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
            t.set_header(df.get_column_names().iter().map(|s| s.as_str()));
            for row in cells(df) {
                t.add_row(row.iter().map(|c| {
                    let cell = comfy_table::Cell::new(c.text());
                    if matches!(c, Cell::Number(_)) { cell.set_alignment(comfy_table::CellAlignment::Right) } else { cell }
                }));
            }
            writeln!(w, "{t}").map_err(io)?;
        }
        OutputFormat::Csv => {
            let mut cw = csv::Writer::from_writer(w);
            let header: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
            cw.write_record(&header).map_err(|e| Error::Invalid(format!("writing CSV: {e}")))?;
            for row in cells(df) {
                let rec: Vec<String> = row
                    .iter()
                    .map(|c| match c {
                        Cell::Text(s) => neutralise(s).into_owned(),
                        other => other.text(),
                    })
                    .collect();
                cw.write_record(&rec).map_err(|e| Error::Invalid(format!("writing CSV: {e}")))?;
            }
            cw.flush().map_err(io)?;
        }
        OutputFormat::Json => {
            let names: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
            let rows: Vec<serde_json::Value> = cells(df)
                .into_iter()
                .map(|row| {
                    let mut m = serde_json::Map::new();
                    for (n, c) in names.iter().zip(row) {
                        let v = match c {
                            Cell::Null => serde_json::Value::Null,
                            Cell::Bool(b) => serde_json::Value::Bool(b),
                            Cell::Text(s) => serde_json::Value::String(s),
                            Cell::Number(s) => serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s)),
                        };
                        m.insert(n.clone(), v);
                    }
                    serde_json::Value::Object(m)
                })
                .collect();
            serde_json::to_writer_pretty(&mut *w, &rows).map_err(|e| Error::Invalid(format!("writing JSON: {e}")))?;
            writeln!(w).map_err(io)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_neutralised() {
        let df = df!("message" => ["=HYPERLINK(\"http://x\")", "ok", "-2+3", "@SUM(A1)", "\tx"], "n" => [-1i64, 2, 3, 4, 5]).unwrap();
        let mut out = Vec::new();
        write(&df, OutputFormat::Csv, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\",-1"), "{text}");
        assert!(text.contains("\n'-2+3,3\n"), "{text}");
        assert!(text.contains("\n'@SUM(A1),4\n"), "{text}");
        assert!(text.contains("\n\"'\tx\",5\n") || text.contains("\n'\tx,5\n"), "{text}");
        assert!(text.contains("\nok,2\n"));
    }
}
