//! Render and export frames: aligned tables, spreadsheet-safe CSV, JSON, Parquet; report
//! bundles ([`bundle`]).
//!
//! Every value goes through [`Cell`], so the three outputs agree: times are ISO-8601 UTC,
//! nulls are empty (CSV, table) or `null` (JSON), floats print their shortest exact form.

pub mod bundle;

use std::io::Write;

use polars::prelude::*;

use crate::error::{Error, PolarsContext, Result};
use crate::parse::time::format_iso;

/// Output formats of reports and queries.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// An aligned table for the terminal.
    Table,
    /// CSV with a header row; text cells are neutralised for spreadsheets.
    Csv,
    /// A JSON array of objects.
    Json,
    /// Apache Parquet, Snappy-compressed: typed columns as the frame holds them (times stay
    /// timestamps, text is not neutralised). Binary: needs `--out FILE`.
    Parquet,
}

impl OutputFormat {
    /// Whether the format is binary (not for a terminal).
    pub fn is_binary(self) -> bool {
        matches!(self, OutputFormat::Parquet)
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Table => "txt",
            OutputFormat::Csv => "csv",
            OutputFormat::Json => "json",
            OutputFormat::Parquet => "parquet",
        }
    }
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
        .map(|i| {
            cols.iter()
                .map(|c| c.get(i).map(Cell::from_any).unwrap_or(Cell::Null))
                .collect()
        })
        .collect()
}

/// Write rows as spreadsheet-safe CSV: a header, then each row, text cells [`neutralise`]d.
pub fn write_csv(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
    w: &mut dyn Write,
) -> Result<()> {
    let bad = |e: csv::Error| Error::Invalid(format!("writing CSV: {e}"));
    let mut cw = csv::Writer::from_writer(w);
    cw.write_record(header).map_err(bad)?;
    for row in rows {
        let rec: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => neutralise(s).into_owned(),
                other => other.text(),
            })
            .collect();
        cw.write_record(&rec).map_err(bad)?;
    }
    cw.flush().map_err(|e| Error::io("writing", "output", e))
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
                    if matches!(c, Cell::Number(_)) {
                        cell.set_alignment(comfy_table::CellAlignment::Right)
                    } else {
                        cell
                    }
                }));
            }
            writeln!(w, "{t}").map_err(io)?;
        }
        OutputFormat::Csv => {
            let header: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
            write_csv(&header, cells(df), w)?;
        }
        OutputFormat::Json => {
            // Written by hand so each object keeps the frame's column order (a serde_json
            // Map would sort the keys).
            let json = |v: &serde_json::Value| {
                serde_json::to_string(v).map_err(|e| Error::Invalid(format!("writing JSON: {e}")))
            };
            let names: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|s| json(&serde_json::Value::String(s.to_string())))
                .collect::<Result<_>>()?;
            let rows = cells(df);
            if rows.is_empty() {
                writeln!(w, "[]").map_err(io)?;
                return Ok(());
            }
            write!(w, "[").map_err(io)?;
            for (i, row) in rows.into_iter().enumerate() {
                write!(w, "{}\n  {{", if i == 0 { "" } else { "," }).map_err(io)?;
                for (j, (n, c)) in names.iter().zip(row).enumerate() {
                    let v = match c {
                        Cell::Null => serde_json::Value::Null,
                        Cell::Bool(b) => serde_json::Value::Bool(b),
                        Cell::Text(s) => serde_json::Value::String(s),
                        Cell::Number(s) => {
                            serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
                        }
                    };
                    write!(
                        w,
                        "{}\n    {n}: {}",
                        if j == 0 { "" } else { "," },
                        json(&v)?
                    )
                    .map_err(io)?;
                }
                write!(w, "\n  }}").map_err(io)?;
            }
            writeln!(w, "\n]").map_err(io)?;
        }
        OutputFormat::Parquet => {
            let mut df = df.clone();
            ParquetWriter::new(&mut *w)
                .with_compression(ParquetCompression::Snappy)
                .finish(&mut df)
                .ctx("writing Parquet")?;
            w.flush().map_err(io)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_the_column_order() {
        let df = df!("z" => ["a\"b"], "a" => [1.5f64], "m" => [true]).unwrap();
        let mut out = Vec::new();
        write(&df, OutputFormat::Json, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "[\n  {\n    \"z\": \"a\\\"b\",\n    \"a\": 1.5,\n    \"m\": true\n  }\n]\n"
        );
        let mut out = Vec::new();
        write(&df.head(Some(0)), OutputFormat::Json, &mut out).unwrap();
        assert_eq!(out, b"[]\n");
    }

    #[test]
    fn parquet_keeps_types_and_text() {
        let df =
            df!("message" => ["=1+1", "ok"], "n" => [1.5f64, 2.0], "b" => [true, false]).unwrap();
        let mut out = Vec::new();
        write(&df, OutputFormat::Parquet, &mut out).unwrap();
        assert_eq!(&out[..4], b"PAR1");
        let back = ParquetReader::new(std::io::Cursor::new(out))
            .finish()
            .unwrap();
        assert!(back.equals_missing(&df), "{back}");
        assert!(OutputFormat::Parquet.is_binary() && !OutputFormat::Csv.is_binary());
    }

    #[test]
    fn csv_cells_are_neutralised() {
        let df = df!("message" => ["=HYPERLINK(\"http://x\")", "ok", "-2+3", "@SUM(A1)", "\tx"], "n" => [-1i64, 2, 3, 4, 5]).unwrap();
        let mut out = Vec::new();
        write(&df, OutputFormat::Csv, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://x\"\")\",-1"),
            "{text}"
        );
        assert!(text.contains("\n'-2+3,3\n"), "{text}");
        assert!(text.contains("\n'@SUM(A1),4\n"), "{text}");
        assert!(
            text.contains("\n\"'\tx\",5\n") || text.contains("\n'\tx,5\n"),
            "{text}"
        );
        assert!(text.contains("\nok,2\n"));
    }
}
