//! The Lambda price table and function architectures behind the cost reports.
//!
//! The table is `queries/prices/lambda.csv` (compiled in; its header comment gives its source
//! and date), or a file of the same shape given with `--prices`. It is registered as the SQL
//! table `lambda_prices` (region, architecture, usd_per_gb_s, usd_per_request); a row with
//! region `*` is the fallback for regions not listed. Architectures chosen with `--arch` are
//! the SQL table `lambda_arch` (function, architecture); a function not named there uses the
//! default architecture (`x86_64` unless `--arch ARCH` says otherwise), because the logs and
//! traces Skylens reads don't carry a function's architecture.

use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, PolarsContext, Result};

/// The built-in price table (`queries/prices/lambda.csv`).
pub const BUILTIN_PRICES: &str = include_str!("../../queries/prices/lambda.csv");

/// SQL table name of the price table.
pub const PRICES_TABLE: &str = "lambda_prices";
/// SQL table name of the per-function architectures.
pub const ARCH_TABLE: &str = "lambda_arch";
/// Region of the fallback rows.
pub const ANY_REGION: &str = "*";

/// A Lambda instruction set architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Arch {
    /// x86_64 (the Lambda default).
    #[default]
    X86_64,
    /// arm64 (Graviton).
    Arm64,
}

impl Arch {
    /// Both architectures.
    pub const ALL: [Arch; 2] = [Arch::X86_64, Arch::Arm64];

    /// The name used in the price table and in SQL: `x86_64` or `arm64`.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }

    /// Parse an architecture name, ignoring case: `x86_64`, `x86`, `amd64`, `arm64`, `arm`,
    /// `aarch64`, `graviton`.
    pub fn parse(s: &str) -> Option<Arch> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "x86_64" | "x86" | "amd64" | "x64" => Some(Arch::X86_64),
            "arm64" | "arm" | "aarch64" | "graviton" => Some(Arch::Arm64),
            _ => None,
        }
    }
}

/// One price: a region (or `*`) and an architecture.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceRow {
    /// Region code, or `*` for the fallback.
    pub region: String,
    /// Architecture.
    pub architecture: Arch,
    /// USD per GB-second of billed duration.
    pub usd_per_gb_s: f64,
    /// USD per request.
    pub usd_per_request: f64,
}

/// A Lambda price table.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    /// The prices; (region, architecture) is unique, and both architectures have a `*` row.
    pub rows: Vec<PriceRow>,
}

impl PriceTable {
    /// The built-in table.
    pub fn builtin() -> Result<PriceTable> {
        PriceTable::parse(BUILTIN_PRICES, "queries/prices/lambda.csv")
    }

    /// Read a price table from a CSV file (see [`PriceTable::parse`]).
    pub fn load(path: &Path) -> Result<PriceTable> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
        PriceTable::parse(&text, &path.display().to_string())
    }

    /// Parse a price table: CSV with a header naming `region`, `architecture`,
    /// `usd_per_gb_s` and `usd_per_request` (any order, any case; other columns are
    /// ignored); lines starting with `#` are comments. Each (region, architecture) appears
    /// once, and both architectures need a `*` row.
    pub fn parse(text: &str, origin: &str) -> Result<PriceTable> {
        let bad = |msg: String| Error::Invalid(format!("price table {origin}: {msg}"));
        let mut rd = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = rd.headers().map_err(|e| bad(e.to_string()))?.clone();
        let find = |name: &str| -> Result<usize> {
            header
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    bad(format!(
                        "no `{name}` column (header: {})",
                        header.iter().collect::<Vec<_>>().join(",")
                    ))
                })
        };
        let (ri, ai, gi, qi) = (
            find("region")?,
            find("architecture")?,
            find("usd_per_gb_s")?,
            find("usd_per_request")?,
        );
        let mut rows: Vec<PriceRow> = Vec::new();
        for rec in rd.records() {
            let rec = rec.map_err(|e| bad(e.to_string()))?;
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            if rec.iter().all(str::is_empty) {
                continue;
            }
            let field = |i: usize| rec.get(i).unwrap_or("");
            let region = field(ri);
            if region.is_empty() {
                return Err(bad(format!(
                    "line {line}: empty region (use `*` for the fallback)"
                )));
            }
            let architecture = Arch::parse(field(ai)).ok_or_else(|| {
                bad(format!(
                    "line {line}: architecture {:?} is not x86_64 or arm64",
                    field(ai)
                ))
            })?;
            let num = |i: usize, what: &str| -> Result<f64> {
                field(i)
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| {
                        bad(format!(
                            "line {line}: {what} {:?} is not a non-negative number",
                            field(i)
                        ))
                    })
            };
            let row = PriceRow {
                region: region.to_string(),
                architecture,
                usd_per_gb_s: num(gi, "usd_per_gb_s")?,
                usd_per_request: num(qi, "usd_per_request")?,
            };
            if rows
                .iter()
                .any(|r| r.region == row.region && r.architecture == row.architecture)
            {
                return Err(bad(format!(
                    "line {line}: a second row for {} {}",
                    row.region,
                    architecture.name()
                )));
            }
            rows.push(row);
        }
        for a in Arch::ALL {
            if !rows
                .iter()
                .any(|r| r.region == ANY_REGION && r.architecture == a)
            {
                return Err(bad(format!("no `*` (fallback) row for {}", a.name())));
            }
        }
        Ok(PriceTable { rows })
    }

    /// The table as the frame registered as [`PRICES_TABLE`].
    pub fn to_frame(&self) -> Result<DataFrame> {
        let region: Vec<&str> = self.rows.iter().map(|r| r.region.as_str()).collect();
        let arch: Vec<&str> = self.rows.iter().map(|r| r.architecture.name()).collect();
        let gb_s: Vec<f64> = self.rows.iter().map(|r| r.usd_per_gb_s).collect();
        let req: Vec<f64> = self.rows.iter().map(|r| r.usd_per_request).collect();
        df!("region" => region, "architecture" => arch, "usd_per_gb_s" => gb_s, "usd_per_request" => req)
            .ctx("building the price table")
    }
}

/// Which architecture each function runs on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArchMap {
    /// Architecture of functions not named in `by_function`.
    pub default: Arch,
    /// Architecture per function name.
    pub by_function: Vec<(String, Arch)>,
}

impl ArchMap {
    /// Parse `--arch` values: `FUNCTION=ARCH` for one function, or `ARCH` for every function
    /// not named otherwise. A later value for the same function wins.
    pub fn parse(specs: &[String]) -> Result<ArchMap> {
        let mut m = ArchMap::default();
        for s in specs {
            let bad = || {
                Error::Invalid(format!(
                    "--arch {s:?}: expected FUNCTION=ARCH or ARCH, ARCH being x86_64 or arm64"
                ))
            };
            match s.split_once('=') {
                Some((f, a)) => {
                    let f = f.trim();
                    let a = Arch::parse(a).ok_or_else(bad)?;
                    if f.is_empty() {
                        return Err(bad());
                    }
                    m.by_function.retain(|(g, _)| g != f);
                    m.by_function.push((f.to_string(), a));
                }
                None => m.default = Arch::parse(s).ok_or_else(bad)?,
            }
        }
        Ok(m)
    }

    /// The frame registered as [`ARCH_TABLE`]: function, architecture.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let f: Vec<&str> = self.by_function.iter().map(|(f, _)| f.as_str()).collect();
        let a: Vec<&str> = self.by_function.iter().map(|(_, a)| a.name()).collect();
        df!("function" => f, "architecture" => a).ctx("building the architecture table")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses_and_has_fallbacks() {
        let t = PriceTable::builtin().unwrap();
        let any = |a: Arch| {
            t.rows
                .iter()
                .find(|r| r.region == "*" && r.architecture == a)
                .unwrap()
                .clone()
        };
        assert_eq!(any(Arch::X86_64).usd_per_gb_s, 0.0000166667);
        assert_eq!(any(Arch::Arm64).usd_per_gb_s, 0.0000133334);
        assert_eq!(any(Arch::X86_64).usd_per_request, 0.0000002);
        assert!(
            t.rows
                .iter()
                .any(|r| r.region == "us-east-1" && r.architecture == Arch::Arm64)
        );
        let df = t.to_frame().unwrap();
        assert_eq!(df.height(), t.rows.len());
        assert_eq!(
            df.get_column_names(),
            ["region", "architecture", "usd_per_gb_s", "usd_per_request"]
        );
    }

    #[test]
    fn price_files_are_checked() {
        let ok = "# c\nUSD_PER_REQUEST , Architecture,region,usd_per_gb_s,note\n1e-7,ARM,*,0.00001,x\n2e-7,x86,*,0.00002,\n\n";
        let t = PriceTable::parse(ok, "t").unwrap();
        assert_eq!(
            t.rows[0],
            PriceRow {
                region: "*".into(),
                architecture: Arch::Arm64,
                usd_per_gb_s: 0.00001,
                usd_per_request: 1e-7
            }
        );
        for (text, want) in [
            (
                "region,architecture,usd_per_gb_s\n*,x86_64,1\n",
                "no `usd_per_request` column",
            ),
            (
                "region,architecture,usd_per_gb_s,usd_per_request\n*,sparc,1,1\n",
                "line 2: architecture \"sparc\"",
            ),
            (
                "region,architecture,usd_per_gb_s,usd_per_request\n*,x86_64,-1,1\n",
                "usd_per_gb_s \"-1\"",
            ),
            (
                "region,architecture,usd_per_gb_s,usd_per_request\n*,x86_64,1,1\n",
                "no `*` (fallback) row for arm64",
            ),
            (
                "region,architecture,usd_per_gb_s,usd_per_request\n*,x86_64,1,1\n*,arm64,1,1\n*,x86_64,2,2\n",
                "a second row for * x86_64",
            ),
            (
                "region,architecture,usd_per_gb_s,usd_per_request\n,x86_64,1,1\n",
                "empty region",
            ),
        ] {
            let e = PriceTable::parse(text, "t").unwrap_err().to_string();
            assert!(e.contains(want), "{e} lacks {want}");
        }
    }

    #[test]
    fn arch_specs() {
        let m = ArchMap::parse(&[
            "orders=arm64".into(),
            "graviton".into(),
            "orders=x86".into(),
            "pay=ARM64".into(),
        ])
        .unwrap();
        assert_eq!(m.default, Arch::Arm64);
        assert_eq!(
            m.by_function,
            vec![
                ("orders".to_string(), Arch::X86_64),
                ("pay".to_string(), Arch::Arm64)
            ]
        );
        assert!(ArchMap::parse(&["orders=mips".into()]).is_err());
        assert!(ArchMap::parse(&["=arm64".into()]).is_err());
        assert_eq!(ArchMap::parse(&[]).unwrap().to_frame().unwrap().height(), 0);
    }
}
