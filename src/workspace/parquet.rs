//! Parquet files written with an encoding chosen per column.
//!
//! Polars' `ParquetWriter` tries dictionary encoding on every string column: it estimates the
//! column's number of distinct values, which hashes every byte of every value, and builds a
//! dictionary unless distinct values are over 75% of the rows, nulls included. On the columns
//! whose values are (nearly) all distinct, such as log messages and event IDs, that is pure
//! cost: the estimate hashes the largest columns of the workspace once per write, and a column
//! with many nulls (log `fields`, null on text lines) even gets a dictionary of all its
//! values, larger than plain. [`write`] encodes the columns its caller names as plain
//! directly, and every other column exactly as Polars does; the file is the same Parquet (the
//! same Arrow schema in its metadata, row groups and statistics), so every reader is
//! unaffected.

use std::io::Write;

use polars::prelude::*;
use polars_parquet::read::ParquetError;
use polars_parquet::write::{
    CompressionOptions, Compressor, DynIter, DynStreamingIterator, Encoding,
    FallibleStreamingIterator, FileWriter, ParquetType, StatisticsOptions, Version, WriteOptions,
    array_to_columns, get_dtype_encoding, to_parquet_schema,
};

/// How to write one file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options<'a> {
    /// String columns written with plain encoding, without a dictionary attempt.
    pub plain: &'a [&'a str],
    /// Page compression.
    pub compression: CompressionOptions,
    /// Statistics of each column chunk.
    pub statistics: StatisticsOptions,
    /// Rows per row group.
    pub row_group_rows: usize,
}

impl<'a> Options<'a> {
    /// A stored partition: LZ4 (raw; on log text about 40% faster to write than Snappy, and a
    /// little smaller), Polars' default statistics, [`super::ROW_GROUP_ROWS`] rows per group.
    pub fn stored(plain: &'a [&'a str]) -> Self {
        Options {
            plain,
            compression: CompressionOptions::Lz4Raw,
            statistics: StatisticsOptions::default(),
            row_group_rows: super::ROW_GROUP_ROWS,
        }
    }

    /// A staged part, read back once by the same import: LZ4 as stored, no statistics.
    /// Uncompressed until session 15, when a 10M-event import spent 11–17 s of its 41–47 s of
    /// CPU in the kernel, most of it copying 4.3 GB of writes into the page cache; with LZ4 it
    /// writes 2.2 GB and runs 10–17% faster (BENCHMARKS.md).
    pub fn staged(plain: &'a [&'a str]) -> Self {
        Options {
            statistics: StatisticsOptions::empty(),
            ..Options::stored(plain)
        }
    }
}

/// Write `df` as Parquet to `w` and flush it (see the module documentation). Returns the
/// file's size.
pub(crate) fn write<W: Write>(w: W, df: &mut DataFrame, opts: Options<'_>) -> PolarsResult<u64> {
    let df = polars_core::frame::chunk_df_for_writing(df, opts.row_group_rows)?;
    let schema = df.schema().to_arrow(CompatLevel::newest());
    let parquet_schema = to_parquet_schema(&schema)?;
    let encodings: Vec<Vec<Encoding>> = df
        .columns()
        .iter()
        .zip(schema.iter_values())
        .map(|(c, field)| {
            let plain = matches!(c.dtype(), DataType::String | DataType::Binary)
                && opts.plain.contains(&c.name().as_str());
            if plain {
                vec![Encoding::Plain]
            } else {
                get_dtype_encoding(&field.dtype)
            }
        })
        .collect();
    let options = WriteOptions {
        statistics: opts.statistics,
        version: Version::V1,
        compression: opts.compression,
        data_page_size: None,
    };
    let fields = parquet_schema.fields().to_vec();
    let mut writer = FileWriter::new_with_parquet_schema(w, schema, parquet_schema, options);
    for batch in df.iter_chunks(CompatLevel::newest(), false) {
        let rows = batch.len();
        if rows == 0 {
            continue;
        }
        // Columns are encoded in parallel, as Polars does; pages are compressed as written.
        let columns = polars_core::runtime::RAYON.install(|| {
            use rayon::prelude::*;
            batch
                .columns()
                .par_iter()
                .zip(&fields)
                .zip(&encodings)
                .map(|((array, type_), encoding)| column_pages(array, type_, encoding, options))
                .collect::<PolarsResult<Vec<_>>>()
        })?;
        let columns = columns.into_iter().flatten().map(Ok);
        writer.write(rows as u64, DynIter::new(columns))?;
    }
    let size = writer.end(None)?;
    // Flushed here: a buffered writer dropped later would lose a failed write's error.
    writer.into_inner().flush()?;
    Ok(size)
}

/// The compressed pages of one column of a row group.
fn column_pages(
    array: &ArrayRef,
    type_: &ParquetType,
    encoding: &[Encoding],
    options: WriteOptions,
) -> PolarsResult<
    Vec<DynStreamingIterator<'static, polars_parquet::write::CompressedPage, PolarsError>>,
> {
    let encoded = array_to_columns(array, type_.clone(), options, encoding)?;
    Ok(encoded
        .into_iter()
        .map(|pages| {
            DynStreamingIterator::new(
                Compressor::new_from_vec(
                    pages.map(|r| r.map_err(|e| ParquetError::FeatureNotSupported(format!("{e}")))),
                    options.compression,
                    vec![],
                )
                .map_err(PolarsError::from),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_parquet::parquet::statistics::Statistics;

    fn frame(rows: usize) -> DataFrame {
        let ids: Vec<String> = (0..rows).map(|i| format!("event-{i:08}")).collect();
        // Every third message is missing; a low-cardinality column beside them.
        let messages: Vec<Option<String>> = (0..rows)
            .map(|i| (i % 3 != 0).then(|| format!("message {i} with some text")))
            .collect();
        let groups: Vec<&str> = (0..rows)
            .map(|i| {
                if i % 2 == 0 {
                    "/aws/lambda/orders"
                } else {
                    "/aws/lambda/payments"
                }
            })
            .collect();
        let levels: Vec<&str> = (0..rows)
            .map(|i| if i % 7 == 0 { "ERROR" } else { "INFO" })
            .collect();
        let ts: Vec<i64> = (0..rows as i64)
            .map(|i| 1_700_000_000_000_000 + i)
            .collect();
        let mut df = df! {
            "id" => ids,
            "message" => messages,
            "group" => groups,
            "level" => levels,
            "ts" => ts,
            "cold" => (0..rows).map(|i| i % 5 == 0).collect::<Vec<_>>(),
        }
        .unwrap();
        df.try_apply("ts", |s| s.cast(&crate::model::ts_dtype()))
            .unwrap();
        df
    }

    fn written(df: &DataFrame, plain: &[&str], rows_per_group: usize) -> Vec<u8> {
        let mut buf = Vec::new();
        let opts = Options {
            plain,
            compression: CompressionOptions::Lz4Raw,
            statistics: StatisticsOptions::default(),
            row_group_rows: rows_per_group,
        };
        let size = write(&mut buf, &mut df.clone(), opts).unwrap();
        assert_eq!(size, buf.len() as u64);
        buf
    }

    /// The file Polars' `ParquetWriter` writes with the same settings.
    fn polars_written(df: &DataFrame, rows_per_group: usize) -> Vec<u8> {
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf)
            .with_compression(ParquetCompression::Lz4Raw)
            .with_row_group_size(Some(rows_per_group))
            .finish(&mut df.clone())
            .unwrap();
        buf
    }

    #[test]
    fn the_file_reads_back_as_the_frame_with_its_types() {
        let df = frame(10_000);
        let buf = written(&df, &["id", "message"], 4096);
        let back = ParquetReader::new(std::io::Cursor::new(&buf))
            .finish()
            .unwrap();
        assert_eq!(back.schema(), df.schema());
        assert!(back.equals_missing(&df));
        // Polars' own writer's file reads back as the same frame.
        let theirs = polars_written(&df, 4096);
        let theirs = ParquetReader::new(std::io::Cursor::new(&theirs))
            .finish()
            .unwrap();
        assert!(back.equals_missing(&theirs));
    }

    #[test]
    fn named_columns_are_plain_the_others_as_polars_writes_them() {
        let df = frame(10_000);
        // `group` has two values: Polars would write it with a dictionary, as it does `level`.
        let buf = written(&df, &["id", "message", "group"], 4096);
        let mut reader = ParquetReader::new(std::io::Cursor::new(&buf));
        let meta = reader.get_metadata().unwrap().clone();
        // Row groups cut as Polars cuts them: rows / size (2) groups of equal size.
        let rows: Vec<usize> = meta.row_groups.iter().map(|rg| rg.num_rows()).collect();
        assert_eq!(rows, [5000, 5000]);
        for rg in &meta.row_groups {
            let chunk = |name: &str| rg.columns_under_root_iter(name).unwrap().next().unwrap();
            // Plain: no dictionary page.
            for name in ["id", "message", "group"] {
                assert_eq!(chunk(name).dictionary_page_offset(), None, "{name}");
            }
            // Not named: Polars' dictionary, as before.
            assert!(chunk("level").dictionary_page_offset().is_some());
            // Statistics are written as before: min and max of the IDs, nulls of the messages.
            match chunk("id").statistics(&meta.footer_buf) {
                Some(Ok(Statistics::Binary(s))) => {
                    assert!(s.min_value.is_some() && s.max_value.is_some());
                    assert_eq!(s.null_count, Some(0));
                }
                other => panic!("id statistics: {other:?}"),
            }
            match chunk("message").statistics(&meta.footer_buf) {
                Some(Ok(Statistics::Binary(s))) => assert!(s.null_count.unwrap_or(0) > 0),
                other => panic!("message statistics: {other:?}"),
            }
        }
        // Without the plain list, the same file as Polars' writer chooses for every column.
        let default = written(&df, &[], 4096);
        assert_eq!(default.len(), polars_written(&df, 4096).len());
    }

    #[test]
    fn an_empty_frame_is_a_readable_file() {
        let df = frame(0);
        let buf = written(&df, &["id"], 4096);
        let back = ParquetReader::new(std::io::Cursor::new(&buf))
            .finish()
            .unwrap();
        assert_eq!(back.height(), 0);
        assert_eq!(back.schema(), df.schema());
    }
}
