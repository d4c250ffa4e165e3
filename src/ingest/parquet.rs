//! Columnar files through polars (列式文件): Parquet inputs read a slice of rows at a time, and
//! Parquet tables (payouts, sample batches) written a chunk at a time, so batches beyond a
//! workbook's 1,048,576 rows run in bounded memory. Cells keep their exact values: decimals as
//! their mantissa and scale; doubles go to ingest's one float-to-decimal conversion.

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;
use polars_io::parquet::read::ParquetReader;
use polars_io::parquet::write::{BatchedWriter, ParquetWriter};
use polars_io::SerReader;
use rust_decimal::Decimal;

use super::header::{SheetBuilder, SheetOut};
use super::workbook::stopped;
use super::{guarded, Batch, Handoff, IngestError, InputFile, Limits, RawCell, Stop, TextBudget};
use crate::domain::fields::Vocabulary;

/// Rows decoded per slice of a Parquet file.
const SLICE_ROWS: usize = 65_536;
/// Rows of the first slice: enough for a sheet's header to be bound (and so a skip column to
/// be known) before most rows are decoded.
const FIRST_SLICE_ROWS: usize = 256;

/// Errors reading or writing a Parquet file; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum ColumnarError {
    #[error("{path}: cannot read as Parquet: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{path}: row group {group} unpacks to {bytes} bytes, more than the limit of {limit}; write the file with smaller row groups")]
    RowGroup {
        path: PathBuf,
        group: usize,
        bytes: u64,
        limit: u64,
    },
    #[error("{path}: cannot write Parquet: {message}")]
    Write { path: PathBuf, message: String },
}

/// What reads a Parquet file's cells: takes them row by row, and may name a column by which
/// rows are skipped before the rest of them is decoded.
pub trait CellVisitor {
    /// Why the visitor stopped the reading.
    type Stop;
    fn cell(&mut self, row: u32, col: u32, cell: RawCell) -> Result<(), Self::Stop>;
    /// A text column rows may be skipped by, as things stand (asked before each slice).
    fn skip_column(&self) -> Option<u32>;
    /// Whether a row whose text in the skip column is `text` (`None`: null) is to be read.
    fn keeps(&self, text: Option<&str>) -> bool;
}

/// Visits a Parquet file's cells row by row, as a sheet: row 0 holds the column names, data
/// rows follow; null and blank text cells are not visited. A row group larger than
/// `max_group_bytes` unpacked is refused before it is read. The visitor may stop the reading
/// with its own error, returned as the inner result.
pub fn visit_parquet<V: CellVisitor>(
    path: &Path,
    max_group_bytes: u64,
    visitor: &mut V,
) -> Result<Result<(), V::Stop>, ColumnarError> {
    let read = |e: &dyn std::fmt::Display| ColumnarError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let open = || File::open(path).map_err(|e| read(&e));
    let mut reader = ParquetReader::new(open()?);
    let schema = reader.schema().map_err(|e| read(&e))?;
    let groups: Vec<(usize, usize)> = reader
        .get_metadata()
        .map_err(|e| read(&e))?
        .row_groups
        .iter()
        .map(|g| (g.num_rows(), g.total_byte_size()))
        .collect();
    for (c, name) in schema.iter_names().enumerate() {
        if let Err(stop) = visitor.cell(0, c as u32, RawCell::Text(name.to_string())) {
            return Ok(Err(stop));
        }
    }
    let mut offset = 0usize;
    for (g, (rows, bytes)) in groups.into_iter().enumerate() {
        if bytes as u64 > max_group_bytes {
            return Err(ColumnarError::RowGroup {
                path: path.to_path_buf(),
                group: g,
                bytes: bytes as u64,
                limit: max_group_bytes,
            });
        }
        let end = offset + rows;
        while offset < end {
            let len = if offset == 0 {
                FIRST_SLICE_ROWS
            } else {
                SLICE_ROWS
            }
            .min(end - offset);
            let frame = ParquetReader::new(open()?)
                .with_slice(Some((offset, len)))
                .finish()
                .map_err(|e| read(&e))?;
            let (frame, numbers) = kept_rows(frame, visitor).map_err(|e| read(&e))?;
            let mut columns: Vec<Vec<Option<RawCell>>> = frame
                .columns()
                .iter()
                .map(|c| cells(c.as_materialized_series()))
                .collect::<Result<_, _>>()
                .map_err(|e| read(&e))?;
            for r in 0..frame.height() {
                let n = numbers.as_ref().map_or(r, |n| n[r] as usize);
                let row = u32::try_from(offset + n + 1).map_err(|e| read(&e))?;
                for (c, column) in columns.iter_mut().enumerate() {
                    if let Some(cell) = column.get_mut(r).and_then(Option::take) {
                        if let Err(stop) = visitor.cell(row, c as u32, cell) {
                            return Ok(Err(stop));
                        }
                    }
                }
            }
            offset += len;
        }
    }
    Ok(Ok(()))
}

/// The rows of a slice the visitor keeps, with their positions in the slice when some were
/// skipped. Only the skip column is looked at to decide.
fn kept_rows<V: CellVisitor>(
    frame: DataFrame,
    visitor: &V,
) -> PolarsResult<(DataFrame, Option<Vec<IdxSize>>)> {
    let Some(key) = visitor
        .skip_column()
        .and_then(|c| frame.columns().get(c as usize))
    else {
        return Ok((frame, None));
    };
    let Ok(texts) = key.str() else {
        return Ok((frame, None));
    };
    let keep: Vec<IdxSize> = texts
        .iter()
        .enumerate()
        .filter(|(_, t)| visitor.keeps(*t))
        .map(|(i, _)| i as IdxSize)
        .collect();
    if keep.len() == frame.height() {
        return Ok((frame, None));
    }
    let frame = frame.take(&IdxCa::from_slice(PlSmallStr::EMPTY, &keep))?;
    Ok((frame, Some(keep)))
}

/// A column's values as cells; `None` for nulls.
fn cells(s: &Series) -> PolarsResult<Vec<Option<RawCell>>> {
    Ok(match s.dtype() {
        // Blank text is no cell, as in every other reader.
        DataType::String => s
            .str()?
            .iter()
            .map(|v| {
                v.filter(|t| !t.trim().is_empty())
                    .map(|t| RawCell::Text(t.to_string()))
            })
            .collect(),
        DataType::Boolean => s.bool()?.iter().map(|v| v.map(RawCell::Bool)).collect(),
        // Floats become decimals where every reader's floats do: at ingest, as shortest text —
        // a float32's own shortest text (4.9f32 is 4.9, not the 4.900000095367432 of its f64).
        DataType::Float32 => s
            .f32()?
            .iter()
            .map(|v| v.map(super::cell::from_float32))
            .collect(),
        DataType::Float64 => s
            .f64()?
            .iter()
            .map(|v| v.map(crate::ingest::from_float))
            .collect(),
        DataType::Decimal(_, _) => {
            let d = s.decimal()?;
            let scale = d.scale() as u32;
            d.physical()
                .iter()
                .map(|v| v.map(|m| from_decimal_parts(m, scale)))
                .collect()
        }
        // u64 past i64::MAX would not cast to Int64 (it would become null: a cell lost).
        DataType::UInt64 => s
            .u64()?
            .iter()
            .map(|v| v.map(|i| RawCell::Num(Decimal::from(i))))
            .collect(),
        DataType::Datetime(unit, zone) => {
            let unit = *unit;
            let offset = zone
                .as_ref()
                .map(|z| zone_offset(z.as_str()).ok_or_else(|| z.to_string()));
            s.to_physical_repr()
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .map(|v| v.map(|t| from_timestamp(t, unit, offset.as_ref())))
                .collect()
        }
        DataType::Date => {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
            s.date()?
                .physical()
                .iter()
                .map(|v| {
                    v.map(|d| {
                        epoch
                            .checked_add_signed(chrono::Duration::days(i64::from(d)))
                            .map_or_else(|| RawCell::Error(d.to_string()), RawCell::Date)
                    })
                })
                .collect()
        }
        dt if dt.is_integer() => s
            .cast(&DataType::Int64)?
            .i64()?
            .iter()
            .map(|v| v.map(|i| RawCell::Num(Decimal::from(i))))
            .collect(),
        _ => s
            .cast(&DataType::String)?
            .str()?
            .iter()
            .map(|v| v.map(|t| RawCell::Text(t.to_string())))
            .collect(),
    })
}

/// A Parquet decimal (mantissa, scale) as an exact decimal. Trailing zeros past rust_decimal's
/// 28 places are dropped (they change nothing); a value that still does not fit 28 digits is an
/// error cell showing it whole, never a rounded value.
fn from_decimal_parts(mut m: i128, mut scale: u32) -> RawCell {
    while scale > 0 && m % 10 == 0 && Decimal::try_from_i128_with_scale(m, scale).is_err() {
        m /= 10;
        scale -= 1;
    }
    Decimal::try_from_i128_with_scale(m, scale).map_or_else(
        |_| {
            let digits = m.unsigned_abs().to_string();
            let scale = scale as usize;
            let padded = format!("{digits:0>width$}", width = scale + 1);
            let (int, frac) = padded.split_at(padded.len() - scale);
            let sign = if m < 0 { "-" } else { "" };
            let text = if frac.is_empty() {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac}")
            };
            RawCell::Refused {
                reason: format!("{text}：有效数字超过 28 位，无法精确计算"),
                shown: text,
            }
        },
        RawCell::Num,
    )
}

/// The UTC offset in seconds of a time zone a Parquet timestamp names: UTC, a fixed offset
/// (`+08:00`), or a zone of China (no daylight saving since 1991). `None` for other zones.
fn zone_offset(zone: &str) -> Option<i32> {
    match zone {
        "UTC" | "Etc/UTC" | "Z" | "GMT" | "Etc/GMT" => Some(0),
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Chungking" | "Asia/Harbin" | "PRC"
        | "Asia/Hong_Kong" | "Asia/Macau" | "Asia/Taipei" | "Etc/GMT-8" => Some(8 * 3600),
        _ => {
            let (sign, rest) = match zone.as_bytes().first()? {
                b'+' => (1, &zone[1..]),
                b'-' => (-1, &zone[1..]),
                _ => return None,
            };
            let (h, m) = rest
                .split_once(':')
                .unwrap_or((rest.get(..2)?, rest.get(2..)?));
            let (h, m): (i32, i32) = (
                h.parse().ok()?,
                if m.is_empty() { 0 } else { m.parse().ok()? },
            );
            (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
        }
    }
}

/// A timestamp's date: in its own zone when it names one (a local time written as UTC with
/// `Asia/Shanghai` is that day in China), as written when it names none. A zone this tool
/// cannot place is an error cell, never a guess at the day.
fn from_timestamp(t: i64, unit: TimeUnit, zone: Option<&Result<i32, String>>) -> RawCell {
    let offset = match zone {
        None => 0,
        Some(Ok(seconds)) => i64::from(*seconds),
        Some(Err(name)) => {
            return RawCell::Refused {
                shown: String::new(),
                reason: format!("时间戳的时区 {name} 无法确定对应的日期；请写为日期或 UTC+8 时间"),
            }
        }
    };
    let per_second: i64 = match unit {
        TimeUnit::Nanoseconds => 1_000_000_000,
        TimeUnit::Microseconds => 1_000_000,
        TimeUnit::Milliseconds => 1_000,
    };
    let days = (t.div_euclid(per_second) + offset).div_euclid(86_400);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    epoch
        .checked_add_signed(chrono::Duration::days(days))
        .map_or_else(|| RawCell::Error(t.to_string()), RawCell::Date)
}

/// A column of a table written to Parquet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// 元 with 2 decimals, stored as Decimal(38, 2).
    Money,
}

/// A Parquet table written a chunk of rows at a time.
pub struct ParquetTable {
    path: PathBuf,
    columns: Vec<(PlSmallStr, Kind)>,
    writer: BatchedWriter<File>,
}

impl ParquetTable {
    pub fn create(path: &Path, columns: &[(&str, Kind)]) -> Result<ParquetTable, ColumnarError> {
        let err = |e: &dyn std::fmt::Display| ColumnarError::Write {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let columns: Vec<(PlSmallStr, Kind)> = columns
            .iter()
            .map(|(n, k)| (PlSmallStr::from(*n), *k))
            .collect();
        let schema: Schema = columns
            .iter()
            .map(|(n, k)| {
                let dtype = match k {
                    Kind::Text => DataType::String,
                    Kind::Money => DataType::Decimal(38, 2),
                };
                Field::new(n.clone(), dtype)
            })
            .collect();
        let file = File::create(path).map_err(|e| err(&e))?;
        let writer = ParquetWriter::new(file)
            .batched(&schema)
            .map_err(|e| err(&e))?;
        Ok(ParquetTable {
            path: path.to_path_buf(),
            columns,
            writer,
        })
    }

    /// Appends rows; each row has one text per column (money as decimal text, "" for none).
    pub fn write(&mut self, rows: &[Vec<String>]) -> Result<(), ColumnarError> {
        let err = |e: &dyn std::fmt::Display| ColumnarError::Write {
            path: self.path.clone(),
            message: e.to_string(),
        };
        let mut columns = Vec::with_capacity(self.columns.len());
        for (c, (name, kind)) in self.columns.iter().enumerate() {
            let texts = rows
                .iter()
                .map(|r| r.get(c).map(String::as_str).unwrap_or(""));
            let column = match kind {
                // No text is null, not an empty string: a reader sees no cell.
                Kind::Text => Column::new(
                    name.clone(),
                    texts
                        .map(|t| (!t.is_empty()).then_some(t))
                        .collect::<Vec<Option<&str>>>(),
                ),
                Kind::Money => {
                    let mut cents: Vec<Option<i128>> = Vec::with_capacity(rows.len());
                    for t in texts {
                        cents.push(match crate::domain::money::parse_decimal(t) {
                            None => None,
                            // Amounts are already in 分; one with more decimals is a bug upstream,
                            // never silently rounded here.
                            Some(d) if d.scale() > 2 => {
                                return Err(err(&format!("{name}: “{t}” has more than 2 decimals")))
                            }
                            Some(mut d) => {
                                d.rescale(2);
                                Some(d.mantissa())
                            }
                        });
                    }
                    Int128Chunked::from_iter_options(name.clone(), cents.into_iter())
                        .into_decimal(38, 2)
                        .map_err(|e| err(&e))?
                        .into_column()
                }
            };
            columns.push(column);
        }
        let frame = DataFrame::new(rows.len(), columns).map_err(|e| err(&e))?;
        self.writer.write_batch(&frame).map_err(|e| err(&e))
    }

    pub fn finish(self) -> Result<(), ColumnarError> {
        self.writer
            .finish()
            .map(|_| ())
            .map_err(|e| ColumnarError::Write {
                path: self.path.clone(),
                message: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a row is read, from its text in the filtered column.
    type KeepRow = fn(Option<&str>) -> bool;

    /// Collects every cell; with `skip`, reads only rows whose text in that column passes.
    #[derive(Default)]
    struct Collect {
        seen: Vec<(u32, u32, RawCell)>,
        skip: Option<(u32, KeepRow)>,
    }

    impl CellVisitor for Collect {
        type Stop = ();
        fn cell(&mut self, row: u32, col: u32, cell: RawCell) -> Result<(), ()> {
            self.seen.push((row, col, cell));
            Ok(())
        }
        fn skip_column(&self) -> Option<u32> {
            self.skip.map(|(c, _)| c)
        }
        fn keeps(&self, text: Option<&str>) -> bool {
            self.skip.is_none_or(|(_, keep)| keep(text))
        }
    }

    #[test]
    fn a_table_written_reads_back_cell_for_cell() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut t = ParquetTable::create(&path, &[("申报编号", Kind::Text), ("金额", Kind::Money)])
            .unwrap();
        t.write(&[
            vec!["A1".into(), "10000000.00".into()],
            vec!["A2".into(), "0.1".into()],
        ])
        .unwrap();
        t.write(&[vec!["A3".into(), String::new()]]).unwrap();
        t.finish().unwrap();
        let mut collect = Collect::default();
        visit_parquet(&path, u64::MAX, &mut collect)
            .unwrap()
            .unwrap();
        let seen = collect.seen;
        let text = |s: &str| RawCell::Text(s.into());
        let num = |s: &str| RawCell::Num(Decimal::from_str_exact(s).unwrap());
        assert_eq!(
            seen,
            [
                (0, 0, text("申报编号")),
                (0, 1, text("金额")),
                (1, 0, text("A1")),
                (1, 1, num("10000000.00")),
                (2, 0, text("A2")),
                (2, 1, num("0.10")),
                (3, 0, text("A3"))
            ]
        );
    }

    #[test]
    fn a_row_group_past_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut t = ParquetTable::create(&path, &[("申报编号", Kind::Text)]).unwrap();
        t.write(&(0..1000).map(|i| vec![format!("A{i}")]).collect::<Vec<_>>())
            .unwrap();
        t.finish().unwrap();
        let e = visit_parquet(&path, 10, &mut Collect::default()).unwrap_err();
        assert!(
            matches!(
                e,
                ColumnarError::RowGroup {
                    group: 0,
                    limit: 10,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("smaller row groups"));
    }

    #[test]
    fn rows_skipped_by_their_key_keep_the_numbers_of_the_rows_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut t = ParquetTable::create(
            &path,
            &[("申报编号", Kind::Text), ("统一社会信用代码", Kind::Text)],
        )
        .unwrap();
        t.write(&[
            vec!["A1".into(), "X".into()],
            vec!["A2".into(), "Y".into()],
            vec!["A3".into(), String::new()],
            vec!["A4".into(), "X".into()],
        ])
        .unwrap();
        t.finish().unwrap();
        let mut collect = Collect {
            skip: Some((1, |t| t.is_none_or(|t| t == "X"))),
            ..Collect::default()
        };
        visit_parquet(&path, u64::MAX, &mut collect)
            .unwrap()
            .unwrap();
        let rows: Vec<(u32, RawCell)> = collect
            .seen
            .into_iter()
            .filter(|(r, c, _)| *r > 0 && *c == 0)
            .map(|(r, _, v)| (r, v))
            .collect();
        let text = |s: &str| RawCell::Text(s.into());
        assert_eq!(rows, [(1, text("A1")), (3, text("A3")), (4, text("A4"))]);
    }
}

// ---------------------------------------------------------------------------------------------
// Parquet inputs as a sheet
// ---------------------------------------------------------------------------------------------

/// Reads a Parquet file as one sheet named `Parquet` whose first row is the column names. The
/// file is never held whole: it is hashed as a stream and decoded a slice of rows at a time,
/// each row group within [`Limits::parquet_group_bytes`]; its cells within
/// [`Limits::columnar_cells`].
pub(super) fn read_parquet(
    path: &Path,
    vocab: &Vocabulary,
    batch: &mut Batch,
    limits: &Limits,
    to: &mut Handoff<'_, '_>,
) -> Result<(), IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let (sha256, bytes) =
        crate::domain::digest::sha256_hex_of(&mut std::fs::File::open(path).map_err(io)?)
            .map_err(io)?;
    let file = batch.files.len();
    batch.files.push(InputFile {
        path: path.to_path_buf(),
        sha256,
        bytes,
        date_system: Default::default(),
    });
    let name = "Parquet".to_string();
    guarded(path, || {
        let columnar = Limits {
            cells_per_sheet: limits.columnar_cells,
            text_bytes: u64::MAX,
            ..*limits
        };
        let mut sheet = ParquetSheet {
            sb: SheetBuilder::new(vocab, &columnar),
            text: TextBudget::new(&columnar),
            out: SheetOut::new(file, &name, batch, to),
        };
        let outcome = visit_parquet(path, limits.parquet_group_bytes, &mut sheet).map_err(|e| {
            IngestError::Sheet {
                path: path.to_path_buf(),
                sheet: name.clone(),
                message: e.to_string(),
            }
        })?;
        stopped(path, &name, outcome, &columnar)?;
        let ParquetSheet { sb, mut out, .. } = sheet;
        sb.finish(&mut out);
        Ok(())
    })
}

/// A Parquet file being read as a sheet.
pub(super) struct ParquetSheet<'a, 'h, 's, 'v> {
    sb: SheetBuilder<'v>,
    text: TextBudget,
    out: SheetOut<'a, 'h, 's>,
}

impl CellVisitor for ParquetSheet<'_, '_, '_, '_> {
    type Stop = Stop;

    fn cell(&mut self, row: u32, col: u32, cell: RawCell) -> Result<(), Stop> {
        let cell = self.text.admit(cell)?;
        self.sb.push(row, col, cell, &mut self.out)
    }

    fn skip_column(&self) -> Option<u32> {
        self.out.skip_column()
    }

    fn keeps(&self, text: Option<&str>) -> bool {
        match text {
            // Too long to be read as text: the row is read, and the filter judges the error cell.
            Some(t) if t.len() > self.text.cell_chars => true,
            Some(t) if !t.trim().is_empty() => self.out.keeps(t),
            _ => self.out.keeps(""),
        }
    }
}

#[cfg(test)]
#[path = "parquet/tests.rs"]
mod cell_tests;
