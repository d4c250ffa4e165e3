//! CSV inputs (CSV 文件): UTF-8 with or without BOM, or GBK, read as one sheet named `CSV`.

use std::io::BufReader;
use std::path::Path;

use super::header::{SheetBuilder, SheetOut};
use super::workbook::stopped;
use super::{Batch, Handoff, IngestError, Limits, RawCell, TextBudget, MAX_COLUMNS};
use crate::fields::Vocabulary;

/// Decodes CSV bytes: a UTF-8 BOM is dropped; text that is not UTF-8 is read as GBK (GB18030).
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

pub(super) fn read_csv(bytes: &[u8], path: &Path, file: usize, vocab: &Vocabulary, batch: &mut Batch, limits: &Limits, to: &mut Handoff<'_, '_>) -> Result<(), IngestError> {
    let data = std::io::Cursor::new(decode_text(bytes).into_bytes());
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(BufReader::new(data));
    let name = "CSV".to_string();
    let mut sb = SheetBuilder::new(vocab, limits);
    let mut out = SheetOut::new(file, &name, batch, to);
    let mut text = TextBudget::new(limits);
    for (r, record) in reader.records().enumerate() {
        let record = record.map_err(|e| IngestError::Sheet { path: path.to_path_buf(), sheet: name.clone(), message: e.to_string() })?;
        let row = u32::try_from(r).map_err(|_| IngestError::TooManyCells { path: path.to_path_buf(), sheet: name.clone(), limit: limits.cells_per_sheet })?;
        for (c, field) in record.iter().enumerate().take(MAX_COLUMNS as usize) {
            if field.trim().is_empty() {
                continue;
            }
            let outcome = text.admit(RawCell::Text(field.to_string())).and_then(|v| sb.push(row, c as u32, v, &mut out));
            stopped(path, &name, outcome, limits)?;
        }
    }
    sb.finish(&mut out);
    Ok(())
}
