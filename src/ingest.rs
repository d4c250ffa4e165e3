//! Reading application workbooks (读取申报表): `.xlsx` (streaming cell reader), `.xls`,
//! `.xlsb`, `.ods` and `.csv` (UTF-8 or GBK, with or without BOM). Every sheet with a header
//! row is read; headers are matched to fields (中文表头 / key / alias, with units); each cell
//! keeps its provenance (file, sheet, cell). This module owns calamine.
//!
//! Nothing here interprets values beyond what the file states: a float cell becomes its
//! shortest decimal text, dates become dates, the rest stays text for [`crate::normalise`].

use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, DataRef, Reader, Sheets};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::fields::{HeaderMatch, Vocabulary};
use crate::money::from_cell_f64;
use crate::rules::load::hex_digest;

/// Rows scanned for a header before a sheet is taken to have none.
const HEADER_SCAN_ROWS: u32 = 10;
/// Cells one sheet may hold before it is refused as hostile or broken.
pub const MAX_CELLS_PER_SHEET: u64 = 30_000_000;
/// Columns read per sheet; a real application form has far fewer.
pub const MAX_COLUMNS: u32 = 1_000;

/// A cell as the file states it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCell {
    Text(String),
    Num(Decimal),
    Bool(bool),
    Date(NaiveDate),
    /// An error value (#N/A, #DIV/0! …) or a number with no decimal meaning.
    Error(String),
}

impl RawCell {
    /// The cell as text, for the exceptions list.
    pub fn show(&self) -> String {
        match self {
            RawCell::Text(s) | RawCell::Error(s) => s.clone(),
            RawCell::Num(d) => d.normalize().to_string(),
            RawCell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            RawCell::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

/// A column of a sheet and the field its header names, if any.
#[derive(Debug, Clone)]
pub struct Column {
    pub col: u32,
    pub header: String,
    pub field: Option<HeaderMatch>,
}

/// A sheet read from a file, with its header binding.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// Index of the file in [`Batch::files`].
    pub file: usize,
    pub name: String,
    /// 0-based row of the header.
    pub header_row: u32,
    pub columns: Vec<Column>,
}

/// One data row: its sheet, its 0-based row number and its non-empty cells by column.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub sheet: usize,
    pub row: u32,
    pub cells: Vec<(u32, RawCell)>,
}

/// An input file and its digest.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
}

/// Everything read from the inputs.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub files: Vec<InputFile>,
    pub sheets: Vec<Sheet>,
    pub rows: Vec<RawRow>,
    /// Sheets with no header row (instructions, notes): file index, sheet name.
    pub skipped: Vec<(usize, String)>,
}

/// Errors that stop reading a file (the run then writes nothing, exit 2).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a workbook this tool reads ({reason}); save it as .xlsx, .xls, .ods or .csv")]
    Unsupported { path: PathBuf, reason: String },
    #[error("{path}: the workbook is password-protected; remove the password in Excel/WPS (文件 → 信息 → 保护工作簿) and save again")]
    Encrypted { path: PathBuf },
    #[error("{path}: cannot open workbook: {message}")]
    Open { path: PathBuf, message: String },
    #[error("{path}, sheet {sheet}: cannot read: {message}")]
    Sheet { path: PathBuf, sheet: String, message: String },
    #[error("{path}, sheet {sheet}: more than {limit} cells; split the sheet or check it is not damaged")]
    TooManyCells { path: PathBuf, sheet: String, limit: u64 },
    #[error("no input files found in {path}")]
    NoInputs { path: PathBuf },
}

/// Column letters of a 0-based column: 0 → A, 27 → AB.
pub fn column_letters(mut col: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A1-style reference of a 0-based (row, col).
pub fn cell_ref(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col), row + 1)
}

/// Expands folders into the input files they hold (sorted by name, so the order of the
/// command line is the only order that matters, and later sorting removes even that).
pub fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    // Sorted and deduplicated: the order files are named in must not change the result.
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|source| IngestError::Io { path: p.clone(), source })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file() && is_input_name(f))
                .collect();
            if found.is_empty() {
                return Err(IngestError::NoInputs { path: p.clone() });
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn is_input_name(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    // Office lock files (~$name.xlsx) are not inputs.
    !name.starts_with("~$") && !name.starts_with('.') && matches!(extension(p).as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" | "csv")
}

fn extension(p: &Path) -> String {
    p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// Reads every input file into one batch. Files are read in the order given.
pub fn read_inputs(paths: &[PathBuf], vocab: &Vocabulary) -> Result<Batch, IngestError> {
    let mut batch = Batch::default();
    for path in expand_inputs(paths)? {
        read_file(&path, vocab, &mut batch)?;
    }
    Ok(batch)
}

fn read_file(path: &Path, vocab: &Vocabulary, batch: &mut Batch) -> Result<(), IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io { path: path.to_path_buf(), source })?;
    let file = batch.files.len();
    batch.files.push(InputFile { path: path.to_path_buf(), sha256: hex_digest(&bytes), bytes: bytes.len() as u64 });
    match extension(path).as_str() {
        "csv" => read_csv(&bytes, path, file, vocab, batch),
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => read_workbook(path, file, vocab, batch),
        "et" | "ett" => Err(IngestError::Unsupported { path: path.to_path_buf(), reason: "WPS .et format".into() }),
        other => Err(IngestError::Unsupported { path: path.to_path_buf(), reason: format!("extension `.{other}`") }),
    }
}

/// Collects a sheet's cells row by row, then binds its header.
struct SheetBuilder<'v> {
    vocab: &'v Vocabulary,
    rows: Vec<(u32, Vec<(u32, RawCell)>)>,
    cells: u64,
}

impl<'v> SheetBuilder<'v> {
    fn new(vocab: &'v Vocabulary) -> Self {
        SheetBuilder { vocab, rows: Vec::new(), cells: 0 }
    }

    fn push(&mut self, row: u32, col: u32, cell: RawCell) -> bool {
        if col >= MAX_COLUMNS {
            return true;
        }
        self.cells += 1;
        if self.cells > MAX_CELLS_PER_SHEET {
            return false;
        }
        match self.rows.last_mut() {
            Some((r, cells)) if *r == row => cells.push((col, cell)),
            _ => self.rows.push((row, vec![(col, cell)])),
        }
        true
    }

    /// Finds the header row (the first of the top rows naming at least two fields), binds
    /// the columns and moves the data rows into the batch.
    fn finish(mut self, file: usize, name: &str, batch: &mut Batch) {
        // Readers may deliver rows out of order (xls); the batch must not depend on it.
        self.rows.sort_by_key(|(r, _)| *r);
        let header = self.rows.iter().take(HEADER_SCAN_ROWS as usize).position(|(_, cells)| {
            cells.iter().filter(|(_, c)| matches!(c, RawCell::Text(t) if self.vocab.match_header(t).is_some())).count() >= 2
        });
        let Some(h) = header else {
            batch.skipped.push((file, name.to_string()));
            return;
        };
        let (header_row, header_cells) = &self.rows[h];
        let columns = header_cells
            .iter()
            .map(|(col, c)| {
                let header = c.show().trim().to_string();
                Column { col: *col, field: self.vocab.match_header(&header), header }
            })
            .filter(|c| !c.header.is_empty())
            .collect();
        let sheet = batch.sheets.len();
        batch.sheets.push(Sheet { file, name: name.to_string(), header_row: *header_row, columns });
        for (row, cells) in self.rows.into_iter().skip(h + 1) {
            let cells: Vec<(u32, RawCell)> = cells.into_iter().filter(|(_, c)| !is_blank(c)).collect();
            if !cells.is_empty() {
                batch.rows.push(RawRow { sheet, row, cells });
            }
        }
    }
}

fn is_blank(c: &RawCell) -> bool {
    matches!(c, RawCell::Text(t) if t.trim().is_empty())
}

fn read_workbook(path: &Path, file: usize, vocab: &Vocabulary, batch: &mut Batch) -> Result<(), IngestError> {
    let mut wb = open_workbook_auto(path).map_err(|e| open_error(path, e))?;
    let names: Vec<String> = wb.sheet_names();
    for name in names {
        let mut sb = SheetBuilder::new(vocab);
        let sheet_err = |message: String| IngestError::Sheet { path: path.to_path_buf(), sheet: name.clone(), message };
        match &mut wb {
            Sheets::Xlsx(x) => {
                let mut reader = x.worksheet_cells_reader(&name).map_err(|e| sheet_err(e.to_string()))?;
                while let Some(cell) = reader.next_cell().map_err(|e| sheet_err(e.to_string()))? {
                    let (r, c) = cell.get_position();
                    if let Some(v) = from_ref(cell.get_value()) {
                        if !sb.push(r, c, v) {
                            return Err(too_many(path, &name));
                        }
                    }
                }
            }
            other => {
                let range = other.worksheet_range(&name).map_err(|e| sheet_err(e.to_string()))?;
                for (r, c, v) in range.used_cells() {
                    if let Some(v) = from_data(v) {
                        let (r0, c0) = range.start().unwrap_or((0, 0));
                        if !sb.push(r0 + r as u32, c0 + c as u32, v) {
                            return Err(too_many(path, &name));
                        }
                    }
                }
            }
        }
        sb.finish(file, &name, batch);
    }
    Ok(())
}

fn too_many(path: &Path, sheet: &str) -> IngestError {
    IngestError::TooManyCells { path: path.to_path_buf(), sheet: sheet.to_string(), limit: MAX_CELLS_PER_SHEET }
}

fn open_error(path: &Path, e: calamine::Error) -> IngestError {
    let message = e.to_string();
    if matches!(e, calamine::Error::Xlsx(calamine::XlsxError::Password))
        || matches!(e, calamine::Error::Xls(calamine::XlsError::Password))
        || message.to_ascii_lowercase().contains("password")
        || message.to_ascii_lowercase().contains("encrypt")
    {
        return IngestError::Encrypted { path: path.to_path_buf() };
    }
    IngestError::Open { path: path.to_path_buf(), message }
}

fn from_float(f: f64) -> RawCell {
    match from_cell_f64(f) {
        Some(d) => RawCell::Num(d),
        None => RawCell::Error(format!("{f}")),
    }
}

fn from_excel_date(d: &calamine::ExcelDateTime) -> RawCell {
    match d.as_datetime() {
        Some(dt) => RawCell::Date(dt.date()),
        None => from_float(d.as_f64()),
    }
}

fn from_ref(v: &DataRef<'_>) -> Option<RawCell> {
    Some(match v {
        DataRef::Empty => return None,
        DataRef::Int(i) => RawCell::Num(Decimal::from(*i)),
        DataRef::Float(f) => from_float(*f),
        DataRef::String(s) => RawCell::Text(s.clone()),
        DataRef::SharedString(s) => RawCell::Text((*s).to_string()),
        DataRef::Bool(b) => RawCell::Bool(*b),
        DataRef::DateTime(d) => from_excel_date(d),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => RawCell::Text(s.clone()),
        DataRef::Error(e) => RawCell::Error(e.to_string()),
    })
}

fn from_data(v: &Data) -> Option<RawCell> {
    Some(match v {
        Data::Empty => return None,
        Data::Int(i) => RawCell::Num(Decimal::from(*i)),
        Data::Float(f) => from_float(*f),
        Data::String(s) => RawCell::Text(s.clone()),
        Data::Bool(b) => RawCell::Bool(*b),
        Data::DateTime(d) => from_excel_date(d),
        Data::DateTimeIso(s) | Data::DurationIso(s) => RawCell::Text(s.clone()),
        Data::Error(e) => RawCell::Error(e.to_string()),
    })
}

/// Decodes CSV bytes: a UTF-8 BOM is dropped; text that is not UTF-8 is read as GBK (GB18030).
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn read_csv(bytes: &[u8], path: &Path, file: usize, vocab: &Vocabulary, batch: &mut Batch) -> Result<(), IngestError> {
    let text = decode_text(bytes);
    read_csv_from(std::io::Cursor::new(text.into_bytes()), path, file, vocab, batch)
}

fn read_csv_from<R: Read + Seek>(data: R, path: &Path, file: usize, vocab: &Vocabulary, batch: &mut Batch) -> Result<(), IngestError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(BufReader::new(data));
    let name = "CSV".to_string();
    let mut sb = SheetBuilder::new(vocab);
    for (r, record) in reader.records().enumerate() {
        let record = record.map_err(|e| IngestError::Sheet { path: path.to_path_buf(), sheet: name.clone(), message: e.to_string() })?;
        for (c, field) in record.iter().enumerate() {
            if !field.trim().is_empty() && !sb.push(r as u32, c as u32, RawCell::Text(field.to_string())) {
                return Err(too_many(path, &name));
            }
        }
    }
    sb.finish(file, &name, batch);
    Ok(())
}

/// Every sheet of a workbook as rows of raw cells (a grid: empty cells are `None`), for
/// reading back ledgers. Sheets are returned in workbook order.
pub fn read_grid(path: &Path) -> Result<Vec<(String, Vec<Vec<Option<RawCell>>>)>, IngestError> {
    let mut wb = open_workbook_auto(path).map_err(|e| open_error(path, e))?;
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| IngestError::Sheet { path: path.to_path_buf(), sheet: name.clone(), message: e.to_string() })?;
        // Rows are indexed from A1 whatever the used range's start.
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut grid: Vec<Vec<Option<RawCell>>> = vec![Vec::new(); r0 as usize];
        for row in range.rows() {
            let mut cells: Vec<Option<RawCell>> = vec![None; c0 as usize];
            cells.extend(row.iter().map(from_data));
            grid.push(cells);
        }
        out.push((name, grid));
    }
    Ok(out)
}

/// Expands history paths: files as given, folders into their .csv and .xlsx files.
pub fn expand_history(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    expand_inputs(paths)
}

/// Reads a small table as text: a CSV file, or the named sheet of a workbook (the first
/// sheet when it has no sheet of that name). Used for payout histories and payment lists.
pub fn read_table(path: &Path, sheet: &str) -> Result<Vec<Vec<String>>, IngestError> {
    let err = |message: String| IngestError::Sheet { path: path.to_path_buf(), sheet: sheet.to_string(), message };
    if extension(path) == "csv" {
        let bytes = std::fs::read(path).map_err(|source| IngestError::Io { path: path.to_path_buf(), source })?;
        let text = decode_text(&bytes);
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        return reader
            .records()
            .map(|r| r.map(|rec| rec.iter().map(str::to_string).collect()).map_err(|e| err(e.to_string())))
            .collect();
    }
    let mut wb = open_workbook_auto(path).map_err(|e| open_error(path, e))?;
    let names = wb.sheet_names();
    let name = names.iter().find(|n| n.as_str() == sheet).or(names.first()).cloned().ok_or_else(|| err("no sheets".into()))?;
    let range = wb.worksheet_range(&name).map_err(|e| err(e.to_string()))?;
    Ok(range
        .rows()
        .map(|r| r.iter().map(|c| from_data(c).map(|v| v.show()).unwrap_or_default()).collect())
        .collect())
}

#[cfg(test)]
#[path = "ingest/tests.rs"]
mod tests;
