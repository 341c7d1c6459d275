//! Read report frames into plain vectors, by column name, whatever the exact dtypes.

use polars::prelude::*;

use crate::error::{Error, PolarsContext, Result};

fn column<'a>(df: &'a DataFrame, chart: &str, name: &str) -> Result<&'a Column> {
    df.column(name).map_err(|_| {
        Error::Invalid(format!(
            "chart {chart}: the frame has no column `{name}` (columns: {})",
            df.get_column_names()
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// A text column (any dtype, cast to text).
pub(crate) fn text(df: &DataFrame, chart: &str, name: &str) -> Result<Vec<Option<String>>> {
    let c = column(df, chart, name)?
        .cast(&DataType::String)
        .ctx(&format!("chart {chart}: reading {name}"))?;
    let ca = c.str().ctx(&format!("chart {chart}: reading {name}"))?;
    Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
}

/// A numeric column as f64 (NaN read as null).
pub(crate) fn num(df: &DataFrame, chart: &str, name: &str) -> Result<Vec<Option<f64>>> {
    let c = column(df, chart, name)?
        .cast(&DataType::Float64)
        .ctx(&format!("chart {chart}: reading {name}"))?;
    let ca = c.f64().ctx(&format!("chart {chart}: reading {name}"))?;
    Ok(ca.iter().map(|v| v.filter(|f| f.is_finite())).collect())
}

/// A boolean column (text `true`/`false` is accepted too).
pub(crate) fn flag(df: &DataFrame, chart: &str, name: &str) -> Result<Vec<Option<bool>>> {
    let c = column(df, chart, name)?;
    if c.dtype() == &DataType::String {
        let ca = c.str().ctx(&format!("chart {chart}: reading {name}"))?;
        return Ok(ca
            .iter()
            .map(|v| match v.map(|s| s.trim().to_ascii_lowercase()) {
                Some(s) if s == "true" || s == "1" => Some(true),
                Some(s) if s == "false" || s == "0" => Some(false),
                _ => None,
            })
            .collect());
    }
    let c = c
        .cast(&DataType::Boolean)
        .ctx(&format!("chart {chart}: reading {name}"))?;
    let ca = c.bool().ctx(&format!("chart {chart}: reading {name}"))?;
    Ok(ca.iter().collect())
}

/// A time column as µs since the epoch, UTC: a datetime of any unit, a date, an integer of
/// µs, or ISO-8601 text.
pub(crate) fn time_us(df: &DataFrame, chart: &str, name: &str) -> Result<Vec<Option<i64>>> {
    let c = column(df, chart, name)?;
    let what = format!("chart {chart}: reading {name}");
    let ints = |c: &Column| -> Result<Vec<Option<i64>>> {
        let c = c.cast(&DataType::Int64).ctx(&what)?;
        Ok(c.i64().ctx(&what)?.iter().collect())
    };
    Ok(match c.dtype() {
        DataType::Datetime(tu, _) => {
            let tu = *tu;
            ints(&c.to_physical_repr())?
                .into_iter()
                .map(|v| {
                    v.and_then(|v| match tu {
                        TimeUnit::Nanoseconds => Some(v.div_euclid(1000)),
                        TimeUnit::Microseconds => Some(v),
                        TimeUnit::Milliseconds => v.checked_mul(1000),
                    })
                })
                .collect()
        }
        DataType::Date => ints(&c.to_physical_repr())?
            .into_iter()
            .map(|v| v.and_then(|d| d.checked_mul(86_400_000_000)))
            .collect(),
        DataType::String => {
            let ca = c.str().ctx(&what)?;
            ca.iter()
                .map(|v| v.and_then(crate::parse::time::parse_iso))
                .collect()
        }
        _ => ints(c)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_read_by_name_whatever_the_dtype() {
        let df = df!(
            "t" => ["2026-10-03T00:00:00Z", "bad"],
            "n" => [1i64, 2],
            "f" => [1.5f64, f64::NAN],
            "b" => ["true", "x"],
        )
        .unwrap();
        assert_eq!(
            time_us(&df, "c", "t").unwrap(),
            vec![crate::parse::time::parse_iso("2026-10-03T00:00:00Z"), None]
        );
        assert_eq!(num(&df, "c", "n").unwrap(), vec![Some(1.0), Some(2.0)]);
        assert_eq!(num(&df, "c", "f").unwrap(), vec![Some(1.5), None]);
        assert_eq!(flag(&df, "c", "b").unwrap(), vec![Some(true), None]);
        assert_eq!(
            text(&df, "c", "n").unwrap(),
            vec![Some("1".to_string()), Some("2".to_string())]
        );
        let err = num(&df, "c", "missing").unwrap_err().to_string();
        assert!(err.contains("no column `missing`"), "{err}");
        let dt = df
            .column("n")
            .unwrap()
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .unwrap();
        let df = DataFrame::new(2, vec![dt]).unwrap();
        assert_eq!(
            time_us(&df, "c", "n").unwrap(),
            vec![Some(1000), Some(2000)]
        );
    }
}
