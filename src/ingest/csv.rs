//! CSV inputs (CSV 文件), read as one sheet named `CSV`.
//!
//! Encodings: UTF-8 (with or without BOM), UTF-16 with its BOM (what Excel's "Unicode text"
//! writes), and GBK/GB18030 (what Excel and WPS write on a Chinese Windows). A UTF-8 file with
//! a few stray GBK bytes (rows pasted from another file) is read as UTF-8 and only the records
//! holding the undecodable bytes become exceptions, never the whole file. Separators: comma,
//! tab, semicolon or `|`, detected from the first records. A file that cannot be decoded or
//! split into columns is refused with a message saying which (encoding, separator), not "no
//! header".

use std::path::Path;

use super::header::{SheetBuilder, SheetOut};
use super::workbook::stopped;
use super::{Batch, Handoff, IngestError, Limits, RawCell, TextBudget, MAX_COLUMNS};
use crate::domain::fields::Vocabulary;

/// How a CSV file's bytes are text (编码).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// GBK, read as GB18030 (its superset).
    Gbk,
}

impl CsvEncoding {
    fn name(self) -> &'static str {
        match self {
            CsvEncoding::Utf8 => "UTF-8",
            CsvEncoding::Utf16Le => "UTF-16LE",
            CsvEncoding::Utf16Be => "UTF-16BE",
            CsvEncoding::Gbk => "GBK",
        }
    }
}

/// A CSV file's text. Bytes that do not decode are U+FFFD in `text`; the records holding them
/// become exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedCsv {
    pub text: String,
    pub encoding: CsvEncoding,
    /// Whether some bytes did not decode (their records are exceptions).
    pub damaged: bool,
}

/// Why a CSV file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the text cannot be decoded: it holds NUL bytes (UTF-16 without a byte-order mark, or not a text file); save it from Excel/WPS as “CSV UTF-8（逗号分隔）”")]
    NulBytes,
    #[error("the text cannot be decoded as UTF-8, UTF-16 or GBK ({bad} of {lines} lines hold undecodable bytes); save it from Excel/WPS as “CSV UTF-8（逗号分隔）”")]
    Undecodable { bad: usize, lines: usize },
    #[error("the lines cannot be split into columns: no comma, tab, semicolon or `|` separates fields ({encoding}); save it from Excel/WPS as “CSV UTF-8（逗号分隔）”")]
    NoSeparator { encoding: &'static str },
}

/// Decodes CSV bytes for reading back tables (ledgers, histories): as [`decode_csv`], with
/// undecodable bytes as U+FFFD (or the GBK reading of everything when nothing else fits).
pub fn decode_text(bytes: &[u8]) -> String {
    match decode_csv(bytes) {
        Ok(d) => d.text,
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// Decodes a CSV file: a BOM (UTF-8, UTF-16LE/BE) decides; otherwise UTF-8 when it decodes or
/// when its non-ASCII lines are mostly UTF-8 (the others are damaged), else GBK.
pub fn decode_csv(bytes: &[u8]) -> Result<DecodedCsv, CsvError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Ok(utf8_lossy(rest));
    }
    for (bom, encoding, coder) in [
        ([0xFF, 0xFE], CsvEncoding::Utf16Le, encoding_rs::UTF_16LE),
        ([0xFE, 0xFF], CsvEncoding::Utf16Be, encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(&bom) {
            let (text, damaged) = coder.decode_without_bom_handling(rest);
            return Ok(DecodedCsv {
                text: text.into_owned(),
                encoding,
                damaged,
            });
        }
    }
    if bytes.contains(&0) {
        return Err(CsvError::NulBytes);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(DecodedCsv {
            text: s.to_string(),
            encoding: CsvEncoding::Utf8,
            damaged: false,
        });
    }
    let (mut utf8, mut not_utf8, mut lines) = (0usize, 0usize, 0usize);
    for line in bytes.split(|b| *b == b'\n') {
        lines += 1;
        match std::str::from_utf8(line) {
            Ok(s) if !s.is_ascii() => utf8 += 1,
            Ok(_) => {}
            Err(_) => not_utf8 += 1,
        }
    }
    // Valid multi-byte UTF-8 is very unlikely by chance: more UTF-8 lines than broken ones means
    // a UTF-8 file with stray bytes; otherwise the file is GBK.
    if utf8 > not_utf8 {
        return Ok(utf8_lossy(bytes));
    }
    let (text, damaged) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if damaged {
        let bad = bytes
            .split(|b| *b == b'\n')
            .filter(|l| encoding_rs::GB18030.decode_without_bom_handling(l).1)
            .count();
        // GBK with a few damaged lines is read (those records are exceptions); mostly damaged
        // text is neither encoding.
        if bad * 2 > lines {
            return Err(CsvError::Undecodable { bad, lines });
        }
    }
    Ok(DecodedCsv {
        text: text.into_owned(),
        encoding: CsvEncoding::Gbk,
        damaged,
    })
}

fn utf8_lossy(bytes: &[u8]) -> DecodedCsv {
    let text = String::from_utf8_lossy(bytes);
    let damaged = matches!(text, std::borrow::Cow::Owned(_));
    DecodedCsv {
        text: text.into_owned(),
        encoding: CsvEncoding::Utf8,
        damaged,
    }
}

/// Separators tried, in the order a tie is broken.
const SEPARATORS: [u8; 4] = [b',', b'\t', b';', b'|'];
/// Records looked at to choose the separator.
const SNIFF_RECORDS: usize = 50;

/// Chooses the separator: the one splitting the most of the first records into the same
/// number (more than one) of fields.
pub fn detect_separator(text: &str) -> Option<u8> {
    let mut best: Option<(usize, u8)> = None;
    for sep in SEPARATORS {
        let mut reader = reader(text.as_bytes(), sep);
        let mut counts: Vec<usize> = Vec::new();
        for record in reader.records().take(SNIFF_RECORDS) {
            let Ok(record) = record else { break };
            if record.iter().any(|f| !f.trim().is_empty()) {
                counts.push(record.len());
            }
        }
        let score = modal_count(&counts);
        if score > 0 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, sep));
        }
    }
    best.map(|(_, sep)| sep)
}

/// How many records share the most common field count above one.
fn modal_count(counts: &[usize]) -> usize {
    let mut sorted: Vec<usize> = counts.iter().copied().filter(|c| *c > 1).collect();
    sorted.sort_unstable();
    sorted
        .chunk_by(|a, b| a == b)
        .map(<[usize]>::len)
        .max()
        .unwrap_or(0)
}

fn reader(bytes: &[u8], sep: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sep)
        .from_reader(bytes)
}

pub(crate) fn read_csv(
    bytes: &[u8],
    path: &Path,
    file: usize,
    vocab: &Vocabulary,
    batch: &mut Batch,
    limits: &Limits,
    to: &mut Handoff<'_, '_>,
) -> Result<(), IngestError> {
    let refused = |reason: CsvError| IngestError::Csv {
        path: path.to_path_buf(),
        reason,
    };
    let decoded = decode_csv(bytes).map_err(refused)?;
    let sep = detect_separator(&decoded.text)
        .ok_or(CsvError::NoSeparator {
            encoding: decoded.encoding.name(),
        })
        .map_err(refused)?;
    let mut reader = reader(decoded.text.as_bytes(), sep);
    let name = "CSV".to_string();
    let mut sb = SheetBuilder::new(vocab, limits);
    let mut out = SheetOut::new(file, &name, batch, to);
    let mut text = TextBudget::new(limits);
    for (r, record) in reader.records().enumerate() {
        let record = record.map_err(|e| IngestError::Sheet {
            path: path.to_path_buf(),
            sheet: name.clone(),
            message: e.to_string(),
        })?;
        let row = u32::try_from(r).map_err(|_| IngestError::TooManyCells {
            path: path.to_path_buf(),
            sheet: name.clone(),
            limit: limits.cells_per_sheet,
        })?;
        for (c, field) in record.iter().enumerate().take(MAX_COLUMNS as usize) {
            if field.trim().is_empty() {
                continue;
            }
            let cell = if decoded.damaged && field.contains(char::REPLACEMENT_CHARACTER) {
                damaged_cell(field, decoded.encoding)
            } else {
                RawCell::Text(field.to_string())
            };
            let outcome = text
                .admit(cell)
                .and_then(|v| sb.push(row, c as u32, v, &mut out));
            stopped(path, &name, outcome, limits)?;
        }
    }
    sb.finish(&mut out);
    Ok(())
}

/// A cell holding undecodable bytes: an error cell saying so and showing what could be read
/// (its row is then an exception, the others of the file are read).
fn damaged_cell(field: &str, encoding: CsvEncoding) -> RawCell {
    RawCell::Refused {
        shown: field.to_string(),
        reason: format!("“{field}”含有无法按 {} 解码的字节（可能混入了其他编码的文字，如 GBK）；请改正后另存为 UTF-8", encoding.name()),
    }
}

#[cfg(test)]
#[path = "csv/tests.rs"]
mod tests;
