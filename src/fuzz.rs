//! Narrow entry points for the fuzz targets of `fuzz/` (feature `fuzzing`, off in every build
//! but the fuzzer's). Each reads bytes as one input format the way a run does — sniffing and
//! container checks, the pre-scans, cell typing, header binding — and then types every row as
//! [`crate::normalise`] does, without the `catch_unwind` guard a run has, so a panic reaches the
//! fuzzer. Limits are tightened so one input costs milliseconds, not seconds.

use std::path::Path;

use crate::domain::fields::Vocabulary;
use crate::ingest::{read_csv, read_workbook, Batch, Handoff, IngestError, Limits, RawRow};

/// The format a fuzz input is read as (the extension a run would see).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuzzFormat {
    Csv,
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

impl FuzzFormat {
    fn file_name(self) -> &'static str {
        match self {
            FuzzFormat::Csv => "fuzz.csv",
            FuzzFormat::Xlsx => "fuzz.xlsx",
            FuzzFormat::Xlsb => "fuzz.xlsb",
            FuzzFormat::Xls => "fuzz.xls",
            FuzzFormat::Ods => "fuzz.ods",
        }
    }
}

/// Limits small enough for a fuzzer's iteration; the checks are the same as a run's.
fn fuzz_limits() -> Limits {
    Limits {
        file_bytes: 4 * 1024 * 1024,
        unpacked_bytes: 64 * 1024 * 1024,
        cells_per_sheet: 200_000,
        dense_cells: 200_000,
        text_bytes: 32 * 1024 * 1024,
        shared_strings: 200_000,
        shared_strings_bytes: 16 * 1024 * 1024,
        ..Limits::default()
    }
}

/// Reads `bytes` as `format` and types every data row; returns the rows read. An error is a
/// refusal with its message (never a panic).
pub fn fuzz_read(
    format: FuzzFormat,
    bytes: &[u8],
    vocab: &Vocabulary,
) -> Result<usize, IngestError> {
    let limits = fuzz_limits();
    let path = Path::new(format.file_name());
    let mut batch = Batch::default();
    let mut rows = 0usize;
    let mut sink = |batch: &Batch, row: RawRow| {
        let _typed = crate::normalise::type_row(batch, vocab, &row);
        rows += 1;
    };
    let mut to = Handoff {
        sink: &mut sink,
        filter: None,
    };
    match format {
        FuzzFormat::Csv => read_csv(bytes, path, 0, vocab, &mut batch, &limits, &mut to)?,
        _ => read_workbook(bytes, path, 0, vocab, &mut batch, &limits, &mut to)?,
    }
    Ok(rows)
}

/// Parses one text as a date the way a date column reads it.
pub fn fuzz_date(text: &str) -> Option<chrono::NaiveDate> {
    crate::domain::value::parse_date(text).ok()
}

/// Reads the zip package `template` (a workbook of `format`) with its part `part` replaced by
/// `content`, every part stored uncompressed, and types every data row as [`fuzz_read`] does.
/// A mutated part inside a deflated package mostly fails its checksum before any parser sees
/// it; repacked, the fuzzer's bytes reach the pre-scans, the marks and calamine's parsers.
/// `Ok(0)` when the template is not a zip package (a harness mistake, not a finding).
pub fn fuzz_read_part(
    format: FuzzFormat,
    template: &[u8],
    part: &str,
    content: &[u8],
    vocab: &Vocabulary,
) -> Result<usize, IngestError> {
    match repack(template, part, content) {
        Some(bytes) => fuzz_read(format, &bytes, vocab),
        None => Ok(0),
    }
}

/// The package `template` with `part` holding `content`, all parts stored.
fn repack(template: &[u8], part: &str, content: &[u8]) -> Option<Vec<u8>> {
    use std::io::{Cursor, Read, Write};
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipArchive::new(Cursor::new(template)).ok()?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).ok()?;
        let name = entry.name().ok()?.into_owned();
        let mut bytes = Vec::new();
        if name == part {
            bytes.extend_from_slice(content);
        } else {
            entry.read_to_end(&mut bytes).ok()?;
        }
        out.start_file(name, stored).ok()?;
        out.write_all(&bytes).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}
