//! Reading application workbooks (读取申报表): `.xlsx`/`.xlsm` and `.xlsb` (streaming cell
//! readers), `.xls`, `.ods` and `.csv` (UTF-8 or GBK, with or without BOM). Every sheet with a
//! header row is read; headers are matched to fields (中文表头 / key / alias, with units); each
//! cell keeps its provenance (file, sheet, cell). This module owns calamine.
//!
//! Nothing here interprets values beyond what the file states: a float cell becomes its
//! shortest decimal text, dates become dates, formulas give their cached result (never
//! re-evaluated), the rest stays text for [`crate::normalise`].
//!
//! # Hostile and broken files (有害或损坏的文件)
//!
//! Every input is untrusted. Before calamine sees a file, [`Limits`] are checked on what the
//! file *declares*, so a bomb is refused before it can cost memory or time:
//!
//! * the size on disk ([`MAX_FILE_BYTES`]); the content is sniffed, not the extension: HTML or
//!   text saved as `.xls`, random bytes, truncated packages and password-protected files
//!   (an OLE container holding `EncryptedPackage`, or an `.xls` with a `FilePass` record) get a
//!   message saying what to do;
//! * zip packages (`.xlsx .xlsm .xlsb .ods`): from the central directory, the number of parts
//!   ([`MAX_ZIP_ENTRIES`]), the total unpacked size ([`MAX_UNPACKED_BYTES`]) and each part's
//!   compression ratio ([`MAX_COMPRESSION_RATIO`]). The `zip` crate stops inflating a part at
//!   its declared size ("File is larger than its declared uncompressed size"), so the
//!   declaration binds. calamine then reads through a counting reader that refuses to unpack
//!   more than twice the declared total (a workbook naming one sheet part many times);
//! * `.xlsx`: the shared-string part's unpacked size ([`MAX_SHARED_STRINGS_BYTES`], loaded
//!   whole at open) and the count calamine reserves memory for (`uniqueCount`,
//!   [`MAX_SHARED_STRINGS`]). Sheets are streamed cell by cell, so a `<dimension>` claiming
//!   A1:XFD1048576 costs nothing;
//! * `.xls` and `.ods`, which calamine reads whole and *dense* (every cell of the used range)
//!   when it opens them: the OLE container's sector chains are walked for loops, and the BIFF
//!   records (`.xls`) or `content.xml` (`.ods`, with its row/column repeats and `text:s`
//!   space runs) are pre-scanned to predict the grid and the text calamine would build
//!   ([`MAX_DENSE_CELLS`], [`MAX_TEXT_BYTES`], [`XLS_MAX_DECLARED_CELLS`]). The pre-scans also
//!   refuse what calamine 0.38 would loop on for ever (an `.ods` ending inside a table or a
//!   cell comment) or panic on (an `.xls` sheet starting past its stream, a formula cut
//!   short);
//! * while reading: cells per sheet ([`MAX_CELLS_PER_SHEET`]), text per file
//!   ([`MAX_TEXT_BYTES`]); a cell longer than [`MAX_CELL_CHARS`] becomes an error cell (reported
//!   in 数据错误 with its cell, the rest of the row and batch go on).
//!
//! XML entity declarations (billion laughs) are never expanded: quick-xml, under calamine,
//! refuses undeclared entities, and the parts the pre-checks read (`sharedStrings.xml`,
//! `content.xml`) are refused outright when they carry a DOCTYPE. A panic inside a reader is
//! caught per file and reported as an error naming the file (it is still a bug: please report
//! the file).
//!
//! The corpus in `tests/corpus` (written by `tests/corpus/make_corpus.py`) holds one file for
//! each of these cases; `tests/integration/hostile.rs` runs the binary on each under a 4 GiB
//! address-space cap and a timeout, and fuzzes the readers with corrupted bytes.

use std::cell::Cell as Flag;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use calamine::{Data, DataRef, Ods, Reader, SheetType, Sheets, Xls, Xlsb, Xlsx};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::fields::{HeaderMatch, Vocabulary};
use crate::money::from_cell_f64;
use crate::digest::sha256_hex;

/// Rows scanned for a header before a sheet is taken to have none.
const HEADER_SCAN_ROWS: u32 = 10;
/// Columns read per sheet; a real application form has far fewer. Cells further right are
/// not read (no header can name them).
pub const MAX_COLUMNS: u32 = 1_000;

/// Largest input file read, in bytes on disk: 200 MiB (a 1,000,000-row xlsx of 12 columns is
/// about 80 MB).
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;
/// Largest total a zip package may unpack to, summed over its parts as the central directory
/// declares them: 1 GiB (the 1,000,000-row workbook above unpacks to about 500 MB).
pub const MAX_UNPACKED_BYTES: u64 = 1024 * 1024 * 1024;
/// Largest compression ratio of one part: 100:1, Apache POI's default. Real sheets measure
/// 4–25:1 (blank formatted rows are the most compressible); deflate can reach 1032:1.
pub const MAX_COMPRESSION_RATIO: u64 = 100;
/// Parts smaller than this, unpacked, are not held to the ratio: 1 MiB.
pub const RATIO_CHECKED_FROM_BYTES: u64 = 1024 * 1024;
/// Most parts a zip package may hold: 10,000 (a workbook has tens).
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// Most strings a shared-string table may declare or hold (`uniqueCount` of an xlsx, which
/// calamine reserves up front; the SST of an xls): 30 million, as many as a sheet may hold cells.
pub const MAX_SHARED_STRINGS: u64 = 30_000_000;
/// Largest unpacked shared-string part (`sharedStrings.xml` / `.bin`): 256 MiB. calamine loads
/// it whole when the workbook opens, at up to about 3.5 bytes of memory a byte of XML; a
/// 1,000,000-row batch with four columns of distinct text needs about 110 MB.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 256 * 1024 * 1024;
/// Cells one sheet may hold before it is refused as hostile or broken: 30 million.
pub const MAX_CELLS_PER_SHEET: u64 = 30_000_000;
/// Cells of the grids calamine builds for the sheets of one `.xls` or `.ods` file (dense: every
/// cell of each used range, about 56 bytes a cell with the formula grid): 8 million, i.e.
/// 65,536 rows × 122 columns, about 450 MB. Save larger sheets as .xlsx or .csv.
pub const MAX_DENSE_CELLS: u64 = 8_000_000;
/// Longest text kept from one cell, in characters: 32,767, Excel's own limit.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Most text one file may hand to the batch, or make an `.xls`/`.ods` reader build: 1 GiB.
pub const MAX_TEXT_BYTES: u64 = 1024 * 1024 * 1024;
/// Cells of one Parquet file: 40M rows of 25 columns.
pub const MAX_COLUMNAR_CELLS: u64 = 1_000_000_000;
/// Unpacked bytes of one Parquet row group (writers default to 128 MiB–1 GiB).
pub const MAX_PARQUET_GROUP_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Cells an `.xls` DIMENSIONS record may declare: a whole Excel 97-2003 sheet, 65,536 × 256.
pub const XLS_MAX_DECLARED_CELLS: u64 = 65_536 * 256;
/// Slack of the read budget over twice the declared unpacked size (central directory, headers).
const READ_BUDGET_SLACK: u64 = 16 * 1024 * 1024;

/// The bounds one input file is read within. [`Limits::default`] holds the constants above;
/// tests (and any caller) may tighten or loosen them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub file_bytes: u64,
    pub unpacked_bytes: u64,
    pub compression_ratio: u64,
    pub ratio_checked_from: u64,
    pub zip_entries: usize,
    pub shared_strings: u64,
    pub shared_strings_bytes: u64,
    pub cells_per_sheet: u64,
    pub dense_cells: u64,
    pub cell_chars: usize,
    pub text_bytes: u64,
    /// Cells of one Parquet file (columnar batches go past a workbook's size; see `--shard`).
    pub columnar_cells: u64,
    /// Unpacked bytes of one Parquet row group.
    pub parquet_group_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_bytes: MAX_FILE_BYTES,
            unpacked_bytes: MAX_UNPACKED_BYTES,
            compression_ratio: MAX_COMPRESSION_RATIO,
            ratio_checked_from: RATIO_CHECKED_FROM_BYTES,
            zip_entries: MAX_ZIP_ENTRIES,
            shared_strings: MAX_SHARED_STRINGS,
            shared_strings_bytes: MAX_SHARED_STRINGS_BYTES,
            cells_per_sheet: MAX_CELLS_PER_SHEET,
            dense_cells: MAX_DENSE_CELLS,
            cell_chars: MAX_CELL_CHARS,
            text_bytes: MAX_TEXT_BYTES,
            columnar_cells: MAX_COLUMNAR_CELLS,
            parquet_group_bytes: MAX_PARQUET_GROUP_BYTES,
        }
    }
}

/// A cell as the file states it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCell {
    Text(String),
    Num(Decimal),
    Bool(bool),
    Date(NaiveDate),
    /// An error value (#N/A, #DIV/0! …), a number with no decimal meaning, a formula without a
    /// cached result, or text longer than [`MAX_CELL_CHARS`].
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
    /// 0-based row of the header (the first row of a two-row header).
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
    /// Sheets with no header row (instructions, notes, charts): file index, sheet name.
    pub skipped: Vec<(usize, String)>,
    /// Sheets with no header row that hold data: file index, sheet name, the 0-based rows with
    /// content. Their rows are reported as exceptions, never dropped silently.
    pub unread: Vec<(usize, String, Vec<u32>)>,
}

/// What to do with a workbook this tool cannot read as it is.
const RESAVE: &str = "open it in Excel or WPS and save it again as .xlsx (文件 → 另存为)";

/// Errors that stop reading a file (the run then writes nothing, exit 2). Every message names
/// the file; those about a limit give the limit.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a workbook this tool reads ({reason}); save it as .xlsx, .xls, .ods, .csv or .parquet")]
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
    #[error("{path}: the file is {size} bytes, more than the limit of {limit} bytes; split the batch into smaller files")]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("{path}: the file is damaged or is not a workbook ({reason}); {RESAVE}")]
    Damaged { path: PathBuf, reason: String },
    #[error("{path}: the package holds {count} parts, more than the limit of {limit}; this is not an ordinary workbook")]
    TooManyParts { path: PathBuf, count: usize, limit: usize },
    #[error("{path}: the package would unpack to {size} bytes, more than the limit of {limit} bytes (a zip bomb?); this is not an ordinary workbook")]
    Unpacked { path: PathBuf, size: u64, limit: u64 },
    #[error("{path}: part `{part}` is compressed {ratio}:1, more than the limit of {limit}:1 (a zip bomb?); this is not an ordinary workbook")]
    Ratio { path: PathBuf, part: String, ratio: u64, limit: u64 },
    #[error("{path}: reading it would unpack more than {limit} bytes (its parts are read over and over); this is not an ordinary workbook")]
    ReadBudget { path: PathBuf, limit: u64 },
    #[error("{path}: the shared-string table declares {count} strings, more than the limit of {limit}; this is not an ordinary workbook")]
    SharedStrings { path: PathBuf, count: u64, limit: u64 },
    #[error("{path}: part `{part}` unpacks to {size} bytes, more than the limit of {limit} bytes for it; split the workbook or save it as .csv")]
    PartTooLarge { path: PathBuf, part: String, size: u64, limit: u64 },
    #[error("{path}, sheet {sheet}: the used range {range} spans {cells} cells, more than the limit of {limit} for .xls/.ods sheets; delete stray cells far from the data, or save the file as .xlsx or .csv")]
    DenseRange { path: PathBuf, sheet: String, range: String, cells: u64, limit: u64 },
    #[error("{path}: the file holds more than {limit} bytes of text; split it or check it is not damaged")]
    TooMuchText { path: PathBuf, limit: u64 },
    #[error("{path}: the reader failed on this file ({message}); {RESAVE}. This is a bug in subsidy: please report it with the file")]
    Panicked { path: PathBuf, message: String },
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
    format!("{}{}", column_letters(col), row as u64 + 1)
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
    !name.starts_with("~$") && !name.starts_with('.') && matches!(extension(p).as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" | "csv" | "parquet")
}

fn extension(p: &Path) -> String {
    p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// Reads every input file into one batch, within the default [`Limits`]. Files are read in
/// the order given.
pub fn read_inputs(paths: &[PathBuf], vocab: &Vocabulary) -> Result<Batch, IngestError> {
    read_inputs_with(paths, vocab, &Limits::default())
}

/// [`read_inputs`] within the given limits.
pub fn read_inputs_with(paths: &[PathBuf], vocab: &Vocabulary, limits: &Limits) -> Result<Batch, IngestError> {
    let mut rows = Vec::new();
    let mut batch = stream_inputs(paths, vocab, limits, None, &mut |_, row| rows.push(row))?;
    batch.rows = rows;
    Ok(batch)
}

/// Reads the inputs, handing each data row that `filter` keeps to `sink` as soon as it is read
/// (sheet by sheet, in file order); the returned batch holds files, sheets and skipped sheets,
/// not the rows.
pub fn stream_inputs(
    paths: &[PathBuf],
    vocab: &Vocabulary,
    limits: &Limits,
    filter: Option<&RowFilter<'_>>,
    sink: &mut RowSink<'_>,
) -> Result<Batch, IngestError> {
    let mut batch = Batch::default();
    let mut to = Handoff { sink, filter };
    for path in expand_inputs(paths)? {
        read_file(&path, vocab, &mut batch, limits, &mut to)?;
    }
    Ok(batch)
}

/// The rows to hand on, by one field's cell as read: a row whose cell text (trimmed; empty when
/// the row has none) fails `keep` is dropped as soon as it is read, and a reader that can
/// (Parquet) skips it before decoding the rest of it. One part of a batch split by enterprise
/// is read this way, so rows of other parts cost next to nothing.
pub struct RowFilter<'f> {
    pub field: crate::fields::FieldId,
    pub keep: &'f dyn Fn(&str) -> bool,
}

/// Where the rows of a reading go, and which of them.
struct Handoff<'h, 's> {
    sink: &'h mut RowSink<'s>,
    filter: Option<&'h RowFilter<'h>>,
}

/// Reads a file's bytes, refusing it before reading when it is larger than the limit.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, IngestError> {
    let io = |source| IngestError::Io { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limit {
        return Err(IngestError::TooLarge { path: path.to_path_buf(), size, limit });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // The file may grow while it is read; the limit holds all the same.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(IngestError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// Runs one file's reading, turning a panic in a reader into an error naming the file.
fn guarded<T>(path: &Path, read: impl FnOnce() -> Result<T, IngestError>) -> Result<T, IngestError> {
    match catch_unwind(AssertUnwindSafe(read)) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            Err(IngestError::Panicked { path: path.to_path_buf(), message })
        }
    }
}

fn read_file(path: &Path, vocab: &Vocabulary, batch: &mut Batch, limits: &Limits, to: &mut Handoff<'_, '_>) -> Result<(), IngestError> {
    let ext = extension(path);
    let unsupported = |reason: String| Err(IngestError::Unsupported { path: path.to_path_buf(), reason });
    match ext.as_str() {
        "parquet" => return read_parquet(path, vocab, batch, limits, to),
        "csv" | "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => {}
        "et" | "ett" => return unsupported("WPS .et format".into()),
        other => return unsupported(format!("extension `.{other}`")),
    }
    let bytes = read_bounded(path, limits.file_bytes)?;
    let file = batch.files.len();
    batch.files.push(InputFile { path: path.to_path_buf(), sha256: sha256_hex(&bytes), bytes: bytes.len() as u64 });
    if ext == "csv" {
        guarded(path, || read_csv(&bytes, path, file, vocab, batch, limits, to))
    } else {
        guarded(path, || read_workbook(&bytes, path, file, vocab, batch, limits, to))
    }
}

// ---------------------------------------------------------------------------------------------
// Sheets: header detection and rows
// ---------------------------------------------------------------------------------------------

/// Why a sheet stopped being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Cells,
    Text,
}

/// Where data rows go as they are read. The batch holds every sheet and file up to the row's
/// own, so a consumer can resolve `row.sheet` at once.
pub type RowSink<'s> = dyn FnMut(&Batch, RawRow) + 's;

/// A sheet's rows in the order they were first seen: (row number, cells).
type Buffered = Vec<(u32, Vec<(u32, RawCell)>)>;

/// Collects a sheet's first rows, binds its header, then hands each data row on as soon as it
/// is complete, so a sheet of a million rows is never held whole.
struct SheetBuilder<'v> {
    vocab: &'v Vocabulary,
    /// Rows before the header is bound: the scan window and the row after it.
    rows: Buffered,
    /// Rows have arrived in order so far (a reader may deliver them out of order; then the
    /// sheet is buffered whole and sorted, as the batch must not depend on it).
    ordered: bool,
    cells: u64,
    limit: u64,
    state: State,
}

enum State {
    Scanning,
    /// The header is bound: the sheet's index in the batch, the row being collected, and rows
    /// that arrived after a later one (sorted and handed on at the end).
    Streaming { sheet: usize, current: Option<(u32, Vec<(u32, RawCell)>)>, late: Buffered },
    /// No header in the scan window: the rows with content, to be reported unread.
    Unread { rows: Vec<u32> },
}

/// A sheet being read and where its rows go.
struct SheetOut<'a, 'h, 's> {
    file: usize,
    name: &'a str,
    batch: &'a mut Batch,
    to: &'a mut Handoff<'h, 's>,
    /// The column the filter reads, once the header is bound.
    key: Option<u32>,
}

impl SheetOut<'_, '_, '_> {
    fn new<'a, 'h, 's>(file: usize, name: &'a str, batch: &'a mut Batch, to: &'a mut Handoff<'h, 's>) -> SheetOut<'a, 'h, 's> {
        SheetOut { file, name, batch, to, key: None }
    }

    /// Whether a row's key text passes the filter (every row does without one).
    fn keeps(&self, text: &str) -> bool {
        self.to.filter.is_none_or(|f| (f.keep)(text.trim()))
    }

    /// A column rows may be skipped by before they are decoded, once the header is bound.
    fn skip_column(&self) -> Option<u32> {
        self.to.filter.and(self.key)
    }
}

impl<'v> SheetBuilder<'v> {
    fn new(vocab: &'v Vocabulary, limits: &Limits) -> Self {
        SheetBuilder { vocab, rows: Vec::new(), ordered: true, cells: 0, limit: limits.cells_per_sheet, state: State::Scanning }
    }

    fn push(&mut self, row: u32, col: u32, cell: RawCell, out: &mut SheetOut<'_, '_, '_>) -> Result<(), Stop> {
        if col >= MAX_COLUMNS {
            return Ok(());
        }
        self.cells += 1;
        if self.cells > self.limit {
            return Err(Stop::Cells);
        }
        match &mut self.state {
            State::Scanning => {
                match self.rows.last_mut() {
                    Some((r, cells)) if *r == row => cells.push((col, cell)),
                    last => {
                        if last.is_some_and(|(r, _)| *r > row) {
                            self.ordered = false;
                        }
                        self.rows.push((row, vec![(col, cell)]));
                        // The scan window and the row below it are complete once a row after
                        // them starts.
                        if self.ordered && self.rows.len() > HEADER_SCAN_ROWS as usize + 2 {
                            self.bind(true, out);
                        }
                    }
                }
            }
            State::Streaming { sheet, current, late } => match current {
                Some((r, cells)) if *r == row => cells.push((col, cell)),
                Some((r, _)) if *r > row => match late.last_mut() {
                    Some((lr, cells)) if *lr == row => cells.push((col, cell)),
                    _ => late.push((row, vec![(col, cell)])),
                },
                _ => {
                    let sheet = *sheet;
                    if let Some((r, cells)) = current.replace((row, vec![(col, cell)])) {
                        emit(sheet, r, cells, out);
                    }
                }
            },
            State::Unread { rows } => {
                if !is_blank(&cell) && rows.last() != Some(&row) {
                    rows.push(row);
                }
            }
        }
        Ok(())
    }

    fn matches(&self, c: &RawCell) -> bool {
        matches!(c, RawCell::Text(t) if self.vocab.match_header(t).is_some())
    }

    /// Ends the sheet: binds the header if that has not happened, hands on the rows left.
    fn finish(mut self, out: &mut SheetOut<'_, '_, '_>) {
        if matches!(self.state, State::Scanning) {
            self.bind(false, out);
        }
        match std::mem::replace(&mut self.state, State::Scanning) {
            State::Scanning => {}
            State::Streaming { sheet, current, late } => {
                if let Some((r, cells)) = current {
                    emit(sheet, r, cells, out);
                }
                for (r, cells) in sort_rows(late) {
                    emit(sheet, r, cells, out);
                }
            }
            State::Unread { mut rows } => {
                rows.sort_unstable();
                rows.dedup();
                if !rows.is_empty() {
                    out.batch.unread.push((out.file, out.name.to_string(), rows));
                }
            }
        }
    }

    /// Finds the header row (the first of the top rows naming at least two fields), binds
    /// the columns and hands on the data rows buffered so far; with `open`, the last buffered
    /// row is still being read and stays as the current row.
    ///
    /// A header may span two rows, as forms with merged header cells have them: a field named
    /// in the row just above, in a column the header row leaves empty (a cell merged down over
    /// both rows keeps its text in the upper one), is taken; and the row just below is a
    /// second header row when it names a field under an empty or unmatched header cell (a
    /// group title merged across) and has nothing under the columns the header row names
    /// (a data row always has).
    fn bind(&mut self, open: bool, out: &mut SheetOut<'_, '_, '_>) {
        let mut rows = sort_rows(std::mem::take(&mut self.rows));
        let header = rows.iter().take(HEADER_SCAN_ROWS as usize).position(|(_, cells)| {
            cells.iter().filter(|(_, c)| self.matches(c)).count() >= 2
        });
        let Some(h) = header else {
            out.batch.skipped.push((out.file, out.name.to_string()));
            let rows = rows.iter().filter(|(_, cells)| cells.iter().any(|(_, c)| !is_blank(c))).map(|(r, _)| *r).collect();
            self.state = State::Unread { rows };
            return;
        };
        let header_row = rows[h].0;
        let text = |c: &RawCell| c.show().trim().to_string();
        // Column → header text, from the header row.
        let mut heads: Vec<(u32, String)> =
            rows[h].1.iter().map(|(col, c)| (*col, text(c))).filter(|(_, t)| !t.is_empty()).collect();
        let named = |heads: &[(u32, String)], col: u32| heads.iter().any(|(c, t)| *c == col && self.vocab.match_header(t).is_some());
        let has = |heads: &[(u32, String)], col: u32| heads.iter().any(|(c, _)| *c == col);
        // The row above: fields in columns the header row leaves empty.
        if h > 0 && rows[h - 1].0 + 1 == header_row {
            let above: Vec<(u32, String)> = rows[h - 1]
                .1
                .iter()
                .filter(|(col, c)| self.matches(c) && !has(&heads, *col))
                .map(|(col, c)| (*col, text(c)))
                .collect();
            heads.extend(above);
        }
        // The row below: a second header row?
        let mut skip = h + 1;
        if let Some((r, below)) = rows.get(h + 1) {
            let under_named = below.iter().any(|(col, c)| !is_blank(c) && named(&heads, *col));
            let names_new = below.iter().any(|(col, c)| self.matches(c) && !named(&heads, *col));
            if *r == header_row + 1 && names_new && !under_named {
                for (col, c) in below {
                    let t = text(c);
                    if t.is_empty() {
                        continue;
                    }
                    heads.retain(|(hc, _)| hc != col);
                    heads.push((*col, t));
                }
                skip = h + 2;
            }
        }
        heads.sort_by_key(|(c, _)| *c);
        let columns: Vec<Column> = heads.into_iter().map(|(col, header)| Column { col, field: self.vocab.match_header(&header), header }).collect();
        // Two columns naming the key field: the later one holds, as when the row is typed.
        out.key = out.to.filter.and_then(|f| columns.iter().rev().find(|c| c.field.is_some_and(|m| m.field == f.field))).map(|c| c.col);
        let sheet = out.batch.sheets.len();
        out.batch.sheets.push(Sheet { file: out.file, name: out.name.to_string(), header_row, columns });
        let current = if open { rows.pop() } else { None };
        for (row, cells) in rows.into_iter().skip(skip) {
            emit(sheet, row, cells, out);
        }
        self.state = State::Streaming { sheet, current, late: Vec::new() };
    }
}

/// Rows sorted by number, pieces of one row joined, cells of a row sorted by column.
fn sort_rows(mut rows: Buffered) -> Buffered {
    rows.sort_by_key(|(r, _)| *r);
    let mut merged: Buffered = Vec::with_capacity(rows.len());
    for (r, cells) in rows {
        match merged.last_mut() {
            Some((last, acc)) if *last == r => acc.extend(cells),
            _ => merged.push((r, cells)),
        }
    }
    for (_, cells) in &mut merged {
        cells.sort_by_key(|(c, _)| *c);
    }
    merged
}

/// Hands a data row on, without its blank cells, if the filter keeps it; a row of blanks is
/// no row.
fn emit(sheet: usize, row: u32, mut cells: Vec<(u32, RawCell)>, out: &mut SheetOut<'_, '_, '_>) {
    cells.retain(|(_, c)| !is_blank(c));
    if cells.is_empty() {
        return;
    }
    if out.to.filter.is_some() {
        let key = out.key.and_then(|k| cells.iter().find(|(c, _)| *c == k)).map(|(_, cell)| cell.show()).unwrap_or_default();
        if !out.keeps(&key) {
            return;
        }
    }
    (out.to.sink)(out.batch, RawRow { sheet, row, cells });
}

fn is_blank(c: &RawCell) -> bool {
    matches!(c, RawCell::Text(t) if t.trim().is_empty())
}

/// Text handed to the batch from one file, against [`Limits::text_bytes`]; long cells are cut
/// to an error cell first.
struct TextBudget {
    left: u64,
    cell_chars: usize,
}

impl TextBudget {
    fn new(limits: &Limits) -> Self {
        TextBudget { left: limits.text_bytes, cell_chars: limits.cell_chars }
    }

    fn admit(&mut self, cell: RawCell) -> Result<RawCell, Stop> {
        let cell = match cell {
            RawCell::Text(s) if s.len() > self.cell_chars && s.chars().count() > self.cell_chars => RawCell::Error(format!(
                "文字过长（{} 字符，超过单元格上限 {} 字符），未读入",
                s.chars().count(),
                self.cell_chars
            )),
            other => other,
        };
        let len = match &cell {
            RawCell::Text(s) | RawCell::Error(s) => s.len() as u64,
            _ => 0,
        };
        self.left = self.left.checked_sub(len).ok_or(Stop::Text)?;
        Ok(cell)
    }
}

// ---------------------------------------------------------------------------------------------
// Workbooks: sniffing, pre-checks, opening
// ---------------------------------------------------------------------------------------------

const OLE_SIGNATURE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// What a file's first bytes say it is.
#[derive(Debug, PartialEq, Eq)]
enum Content {
    Zip,
    Ole,
    Empty,
    /// HTML, XML or plain text under a workbook's name: what it is.
    Text(&'static str),
    Unknown,
}

fn sniff(bytes: &[u8]) -> Content {
    if bytes.is_empty() {
        return Content::Empty;
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") || bytes.starts_with(b"PK\x07\x08") {
        return Content::Zip;
    }
    if bytes.starts_with(OLE_SIGNATURE) {
        return Content::Ole;
    }
    let head = &bytes[..bytes.len().min(4096)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let lower: Vec<u8> = head.iter().skip_while(|b| b.is_ascii_whitespace()).map(u8::to_ascii_lowercase).collect();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if lower.starts_with(b"<") && (has(b"<html") || has(b"<table")) {
        return Content::Text("an HTML page");
    }
    if lower.starts_with(b"<?xml") {
        return Content::Text(if has(b"urn:schemas-microsoft-com:office:spreadsheet") { "an XML Spreadsheet 2003 file" } else { "an XML file" });
    }
    let binary = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)).count();
    if binary == 0 && !head.is_empty() {
        return Content::Text("a text file; if it is CSV, rename it to .csv");
    }
    Content::Unknown
}

/// The reader a zip package needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZipKind {
    Xlsx,
    Xlsb,
    Ods,
}

/// A zip package that passed the central-directory checks.
struct ZipPlan {
    kind: ZipKind,
    /// Byte ranges of the parts with their unpacking weight, for the read budget.
    spans: Vec<(u64, u64, u64)>,
    /// Declared unpacked total.
    unpacked: u64,
}

/// A part's name as calamine looks it up: `/` separators, no leading `/`, any case.
fn part_key(name: &str) -> String {
    name.replace('\\', "/").trim_start_matches('/').to_ascii_lowercase()
}

/// Checks a zip package from its central directory, then what calamine would reserve or
/// expand from the parts it reads first.
fn check_zip(path: &Path, bytes: &[u8], ext: &str, limits: &Limits) -> Result<ZipPlan, IngestError> {
    let damaged = |reason: String| IngestError::Damaged { path: path.to_path_buf(), reason };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| damaged(format!("not a complete zip package: {e}; was it cut short while copying or downloading?")))?;
    if zip.len() > limits.zip_entries {
        return Err(IngestError::TooManyParts { path: path.to_path_buf(), count: zip.len(), limit: limits.zip_entries });
    }
    let mut unpacked: u64 = 0;
    let mut parts = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let e = zip.by_index_data(i).map_err(|e| damaged(e.to_string()))?;
        let name = String::from_utf8_lossy(e.name_raw()).into_owned();
        if e.encrypted() {
            return Err(IngestError::Encrypted { path: path.to_path_buf() });
        }
        let (size, packed) = (e.size(), e.compressed_size());
        unpacked = unpacked.saturating_add(size);
        parts.push((name, size, packed, e.header_start()));
    }
    if unpacked > limits.unpacked_bytes {
        return Err(IngestError::Unpacked { path: path.to_path_buf(), size: unpacked, limit: limits.unpacked_bytes });
    }
    for (name, size, packed, _) in &parts {
        let key = part_key(name);
        if (key.ends_with("sharedstrings.xml") || key.ends_with("sharedstrings.bin")) && *size > limits.shared_strings_bytes {
            return Err(IngestError::PartTooLarge { path: path.to_path_buf(), part: name.clone(), size: *size, limit: limits.shared_strings_bytes });
        }
        if *size > limits.ratio_checked_from && *size > packed.saturating_mul(limits.compression_ratio) {
            let ratio = size / (*packed).max(1);
            return Err(IngestError::Ratio { path: path.to_path_buf(), part: name.clone(), ratio, limit: limits.compression_ratio });
        }
    }
    // Each part's bytes run from its local header to the next boundary: another part, the
    // central directory or the end of the file (parts may sit after the directory).
    let mut starts: Vec<(u64, u64)> = parts.iter().map(|(_, size, packed, start)| (*start, size.div_ceil((*packed).max(1)).max(1))).collect();
    starts.sort_unstable();
    let mut bounds: Vec<u64> = starts.iter().map(|s| s.0).chain([zip.central_directory_start(), bytes.len() as u64]).collect();
    bounds.sort_unstable();
    let spans = starts
        .iter()
        .map(|&(start, weight)| {
            let end = bounds[bounds.partition_point(|b| *b <= start)..].first().copied().unwrap_or(bytes.len() as u64);
            (start, end.max(start), weight)
        })
        .collect();
    let keys: Vec<String> = parts.iter().map(|(n, ..)| part_key(n)).collect();
    let has_ending = |suffix: &str| keys.iter().any(|k| k.ends_with(suffix));
    let ooxml = has_ending("workbook.xml");
    let binary = has_ending("workbook.bin");
    let odf = keys.iter().any(|k| k == "content.xml");
    let kind = match ext {
        "ods" if odf => ZipKind::Ods,
        "xlsb" if binary => ZipKind::Xlsb,
        _ if ooxml => ZipKind::Xlsx,
        _ if binary => ZipKind::Xlsb,
        _ if odf => ZipKind::Ods,
        _ => {
            return Err(IngestError::Unsupported { path: path.to_path_buf(), reason: "a zip archive that holds no workbook".into() });
        }
    };
    for (i, key) in keys.iter().enumerate() {
        match kind {
            ZipKind::Xlsx if key.ends_with("sharedstrings.xml") => {
                // Only the opening tag matters: calamine reserves `uniqueCount` strings.
                let mut head = Vec::new();
                if let Ok(part) = zip.by_index(i) {
                    let _ = part.take(SST_HEAD_BYTES).read_to_end(&mut head);
                }
                match declared_shared_strings(&head, (head.len() as u64) < SST_HEAD_BYTES) {
                    Ok(Some(count)) if count > limits.shared_strings => {
                        return Err(IngestError::SharedStrings { path: path.to_path_buf(), count, limit: limits.shared_strings });
                    }
                    Ok(_) => {}
                    Err(reason) => return Err(damaged(reason.into())),
                }
            }
            ZipKind::Ods if key == "content.xml" => {
                if let Ok(part) = zip.by_index(i) {
                    ods_scan(path, part, limits)?;
                }
            }
            _ => {}
        }
    }
    Ok(ZipPlan { kind, spans, unpacked })
}

/// How much of a shared-string part is read to find its `<sst>` tag.
const SST_HEAD_BYTES: u64 = 64 * 1024;

/// The `uniqueCount` of an xlsx shared-string table's `<sst>` tag, as calamine would read it
/// (digits only; anything else is ignored by calamine too), saturating on overflow: `Ok(None)`
/// when there is none. `Err` when the head carries a DOCTYPE (never in a workbook, and where
/// it ends is where parsers may disagree) or, when the part is longer than the head, holds no
/// complete `<sst>` tag.
fn declared_shared_strings(head: &[u8], whole: bool) -> Result<Option<u64>, &'static str> {
    let mut tags = TagScanner::default();
    let mut found: Option<Option<u64>> = None;
    let mut doctype = false;
    tags.feed(head, &mut |ev| match ev {
        XmlEvent::Doctype if found.is_none() => doctype = true,
        XmlEvent::Start { name, tag, .. } if found.is_none() && local_name(name) == b"sst" => {
            found = Some(attr(tag, b"uniqueCount").map(|v| {
                let v = v.strip_prefix(b"+").unwrap_or(v);
                if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
                    return 0;
                }
                v.iter().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')))
            }));
        }
        _ => {}
    });
    if doctype {
        return Err("the shared-string table carries a DOCTYPE declaration (an XML entity bomb?)");
    }
    match found {
        Some(count) => Ok(count),
        None if whole => Ok(None),
        None => Err("the shared-string table does not open with its <sst> tag"),
    }
}

/// A reader over a file's bytes that counts what reading them would unpack (each byte of a
/// part weighs its compression ratio) and fails once that passes the budget. calamine reads
/// the package through it, so a workbook naming one sheet part a thousand times is stopped.
struct BudgetReader<'a> {
    data: &'a [u8],
    pos: u64,
    spans: Vec<(u64, u64, u64)>,
    spent: u64,
    budget: u64,
    exceeded: Rc<Flag<bool>>,
}

impl<'a> BudgetReader<'a> {
    fn new(data: &'a [u8], spans: Vec<(u64, u64, u64)>, budget: u64) -> Self {
        BudgetReader { data, pos: 0, spans, spent: 0, budget, exceeded: Rc::new(Flag::new(false)) }
    }

    fn cost(&self, from: u64, to: u64) -> u64 {
        let mut covered = 0u64;
        let mut cost = 0u64;
        // Spans are sorted and disjoint; find the first that may overlap.
        let first = self.spans.partition_point(|s| s.1 <= from);
        for &(start, end, weight) in &self.spans[first..] {
            if start >= to {
                break;
            }
            let overlap = end.min(to).saturating_sub(start.max(from));
            covered += overlap;
            cost = cost.saturating_add(overlap.saturating_mul(weight));
        }
        cost.saturating_add((to - from).saturating_sub(covered))
    }
}

impl Read for BudgetReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let len = self.data.len() as u64;
        if self.pos >= len {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(len - self.pos);
        let cost = self.cost(self.pos, self.pos + n);
        self.spent = self.spent.saturating_add(cost);
        if self.spent > self.budget {
            self.exceeded.set(true);
            return Err(std::io::Error::other("read budget exceeded"));
        }
        let start = self.pos as usize;
        buf[..n as usize].copy_from_slice(&self.data[start..start + n as usize]);
        self.pos += n;
        Ok(n as usize)
    }
}

impl Seek for BudgetReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let len = self.data.len() as i128;
        let target = match to {
            SeekFrom::Start(n) => n as i128,
            SeekFrom::End(d) => len + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if target < 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start"));
        }
        self.pos = target.min(u64::MAX as i128) as u64;
        Ok(self.pos)
    }
}

/// An opened workbook and the flag its reader raises when the read budget is spent.
struct Opened<'a> {
    wb: Sheets<BudgetReader<'a>>,
    exceeded: Rc<Flag<bool>>,
    budget: u64,
}

/// Sniffs, pre-checks and opens a workbook held in memory.
fn open_checked<'a>(path: &Path, bytes: &'a [u8], limits: &Limits) -> Result<Opened<'a>, IngestError> {
    let ext = extension(path);
    let open = |e: calamine::Error| open_error(path, e);
    match sniff(bytes) {
        Content::Zip => {
            let plan = check_zip(path, bytes, &ext, limits)?;
            let budget = plan.unpacked.saturating_mul(2).saturating_add(READ_BUDGET_SLACK);
            let reader = BudgetReader::new(bytes, plan.spans, budget);
            let exceeded = reader.exceeded.clone();
            let flagged = |e: calamine::Error| {
                if exceeded.get() {
                    IngestError::ReadBudget { path: path.to_path_buf(), limit: budget }
                } else {
                    open(e)
                }
            };
            let wb = match plan.kind {
                ZipKind::Xlsx => Sheets::Xlsx(Xlsx::new(reader).map_err(|e| flagged(e.into()))?),
                ZipKind::Xlsb => Sheets::Xlsb(Xlsb::new(reader).map_err(|e| flagged(e.into()))?),
                ZipKind::Ods => Sheets::Ods(Ods::new(reader).map_err(|e| flagged(e.into()))?),
            };
            Ok(Opened { wb, exceeded, budget })
        }
        Content::Ole => {
            let ole = ole::Ole::parse(bytes).map_err(|reason| IngestError::Damaged { path: path.to_path_buf(), reason })?;
            if ole.has("EncryptedPackage") || ole.has("EncryptionInfo") {
                return Err(IngestError::Encrypted { path: path.to_path_buf() });
            }
            let stream = ole
                .stream("Workbook")
                .or_else(|| ole.stream("Book"))
                .ok_or_else(|| IngestError::Unsupported {
                    path: path.to_path_buf(),
                    reason: "an OLE document without a workbook stream (a Word file, or a WPS .et saved under another name?)".into(),
                })?
                .map_err(|reason| IngestError::Damaged { path: path.to_path_buf(), reason })?;
            biff::check(path, &stream, limits)?;
            // .xls is read whole when opened; the budget does not apply (pre-scan bounds it).
            let reader = BudgetReader::new(bytes, Vec::new(), u64::MAX);
            let exceeded = reader.exceeded.clone();
            let wb = Sheets::Xls(Xls::new(reader).map_err(|e| open(e.into()))?);
            Ok(Opened { wb, exceeded, budget: u64::MAX })
        }
        Content::Empty => Err(IngestError::Damaged { path: path.to_path_buf(), reason: "the file is empty".into() }),
        Content::Text(what) => Err(IngestError::Unsupported { path: path.to_path_buf(), reason: what.into() }),
        Content::Unknown => Err(IngestError::Damaged {
            path: path.to_path_buf(),
            reason: "neither a zip package (.xlsx, .ods) nor an Excel 97-2003 file".into(),
        }),
    }
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

/// Sheets of a workbook that hold cells (chart and macro sheets do not), in workbook order.
fn cell_sheets<R: Read + Seek>(wb: &Sheets<R>) -> Vec<(String, bool)> {
    wb.sheets_metadata().iter().map(|s| (s.name.clone(), matches!(s.typ, SheetType::WorkSheet))).collect()
}

/// Visits every cell of one sheet in reading order: xlsx and xlsb through their streaming
/// readers, xls and ods through the (pre-checked) dense range. A formula without a cached
/// result becomes an error cell.
fn visit_sheet(
    opened: &mut Opened<'_>,
    path: &Path,
    name: &str,
    visit: &mut dyn FnMut(u32, u32, RawCell) -> Result<(), Stop>,
) -> Result<Result<(), Stop>, IngestError> {
    let exceeded = opened.exceeded.clone();
    let budget = opened.budget;
    let sheet_err = |message: String| {
        if exceeded.get() {
            IngestError::ReadBudget { path: path.to_path_buf(), limit: budget }
        } else {
            IngestError::Sheet { path: path.to_path_buf(), sheet: name.to_string(), message }
        }
    };
    match &mut opened.wb {
        Sheets::Xlsx(x) => {
            let mut reader = x.worksheet_cells_reader(name).map_err(|e| sheet_err(e.to_string()))?;
            while let Some(cell) = reader.next_cell_with_formula_metadata().map_err(|e| sheet_err(e.to_string()))? {
                let (r, c) = cell.pos;
                let value = match (from_ref(&cell.value), &cell.formula) {
                    (None, Some(_)) => Some(RawCell::Error(NO_CACHED_RESULT.into())),
                    (v, _) => v,
                };
                if let Some(v) = value {
                    if let Err(stop) = visit(r, c, v) {
                        return Ok(Err(stop));
                    }
                }
            }
        }
        Sheets::Xlsb(x) => {
            let mut reader = x.worksheet_cells_reader(name).map_err(|e| sheet_err(e.to_string()))?;
            while let Some(cell) = reader.next_cell().map_err(|e| sheet_err(e.to_string()))? {
                let (r, c) = cell.get_position();
                if let Some(v) = from_ref(cell.get_value()) {
                    if let Err(stop) = visit(r, c, v) {
                        return Ok(Err(stop));
                    }
                }
            }
        }
        other => {
            let range = other.worksheet_range(name).map_err(|e| sheet_err(e.to_string()))?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, v) in range.used_cells() {
                if let Some(v) = from_data(v) {
                    if let Err(stop) = visit(r0 + r as u32, c0 + c as u32, v) {
                        return Ok(Err(stop));
                    }
                }
            }
        }
    }
    Ok(Ok(()))
}

/// The text of an error cell standing for a formula the file holds no result for.
pub const NO_CACHED_RESULT: &str = "公式没有保存计算结果（请在 Excel/WPS 中打开、保存后再提交）";

fn read_workbook(
    bytes: &[u8],
    path: &Path,
    file: usize,
    vocab: &Vocabulary,
    batch: &mut Batch,
    limits: &Limits,
    to: &mut Handoff<'_, '_>,
) -> Result<(), IngestError> {
    let mut opened = open_checked(path, bytes, limits)?;
    let mut text = TextBudget::new(limits);
    for (name, cells) in cell_sheets(&opened.wb) {
        if !cells {
            batch.skipped.push((file, name));
            continue;
        }
        let mut sb = SheetBuilder::new(vocab, limits);
        let mut out = SheetOut::new(file, &name, &mut *batch, &mut *to);
        let outcome = visit_sheet(&mut opened, path, &name, &mut |r, c, v| {
            if c >= MAX_COLUMNS {
                return Ok(());
            }
            let v = text.admit(v)?;
            sb.push(r, c, v, &mut out)
        })?;
        stopped(path, &name, outcome, limits)?;
        sb.finish(&mut out);
    }
    Ok(())
}

fn stopped(path: &Path, sheet: &str, outcome: Result<(), Stop>, limits: &Limits) -> Result<(), IngestError> {
    match outcome {
        Ok(()) => Ok(()),
        Err(Stop::Cells) => Err(IngestError::TooManyCells { path: path.to_path_buf(), sheet: sheet.to_string(), limit: limits.cells_per_sheet }),
        Err(Stop::Text) => Err(IngestError::TooMuchText { path: path.to_path_buf(), limit: limits.text_bytes }),
    }
}

/// A binary float read from a cell (any format) as its shortest decimal text, once, here.
pub fn from_float(f: f64) -> RawCell {
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

// ---------------------------------------------------------------------------------------------
// Parquet
// ---------------------------------------------------------------------------------------------

/// Reads a Parquet file as one sheet named `Parquet` whose first row is the column names. The
/// file is never held whole: it is hashed as a stream and decoded a slice of rows at a time,
/// each row group within [`Limits::parquet_group_bytes`]; its cells within
/// [`Limits::columnar_cells`].
fn read_parquet(path: &Path, vocab: &Vocabulary, batch: &mut Batch, limits: &Limits, to: &mut Handoff<'_, '_>) -> Result<(), IngestError> {
    let io = |source| IngestError::Io { path: path.to_path_buf(), source };
    let (sha256, bytes) = crate::digest::sha256_hex_of(&mut std::fs::File::open(path).map_err(io)?).map_err(io)?;
    let file = batch.files.len();
    batch.files.push(InputFile { path: path.to_path_buf(), sha256, bytes });
    let name = "Parquet".to_string();
    guarded(path, || {
        let columnar = Limits { cells_per_sheet: limits.columnar_cells, text_bytes: u64::MAX, ..*limits };
        let mut sheet = ParquetSheet {
            sb: SheetBuilder::new(vocab, &columnar),
            text: TextBudget::new(&columnar),
            out: SheetOut::new(file, &name, batch, to),
        };
        let outcome = crate::normalise::columnar::visit_parquet(path, limits.parquet_group_bytes, &mut sheet)
            .map_err(|e| IngestError::Sheet { path: path.to_path_buf(), sheet: name.clone(), message: e.to_string() })?;
        stopped(path, &name, outcome, &columnar)?;
        let ParquetSheet { sb, mut out, .. } = sheet;
        sb.finish(&mut out);
        Ok(())
    })
}

/// A Parquet file being read as a sheet.
struct ParquetSheet<'a, 'h, 's, 'v> {
    sb: SheetBuilder<'v>,
    text: TextBudget,
    out: SheetOut<'a, 'h, 's>,
}

impl crate::normalise::columnar::CellVisitor for ParquetSheet<'_, '_, '_, '_> {
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

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/// Decodes CSV bytes: a UTF-8 BOM is dropped; text that is not UTF-8 is read as GBK (GB18030).
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn read_csv(bytes: &[u8], path: &Path, file: usize, vocab: &Vocabulary, batch: &mut Batch, limits: &Limits, to: &mut Handoff<'_, '_>) -> Result<(), IngestError> {
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

// ---------------------------------------------------------------------------------------------
// Reading back tables: ledgers (verify, reconcile) and payout histories
// ---------------------------------------------------------------------------------------------

/// A sheet as rows of cells, empty cells `None`, within `limits.cells_per_sheet` slots.
type Grid = Vec<Vec<Option<RawCell>>>;

fn read_sheet_grid(opened: &mut Opened<'_>, path: &Path, name: &str, limits: &Limits) -> Result<Grid, IngestError> {
    let mut grid: Grid = Vec::new();
    let mut slots: u64 = 0;
    let mut text = TextBudget::new(limits);
    let limit = limits.cells_per_sheet;
    let outcome = visit_sheet(opened, path, name, &mut |r, c, v| {
        let (r, c) = (r as usize, c as usize);
        let v = text.admit(v)?;
        if r >= grid.len() {
            slots += (r + 1 - grid.len()) as u64;
            if slots > limit {
                return Err(Stop::Cells);
            }
            grid.resize_with(r + 1, Vec::new);
        }
        let row = &mut grid[r];
        if c >= row.len() {
            slots += (c + 1 - row.len()) as u64;
            if slots > limit {
                return Err(Stop::Cells);
            }
            row.resize(c + 1, None);
        }
        row[c] = Some(v);
        Ok(())
    })?;
    stopped(path, name, outcome, limits)?;
    Ok(grid)
}

/// Every sheet of a workbook as rows of raw cells (a grid: empty cells are `None`, rows
/// indexed from A1), for reading back ledgers. Sheets are returned in workbook order. The
/// file is read within the default [`Limits`].
pub fn read_grid(path: &Path) -> Result<Vec<(String, Grid)>, IngestError> {
    let limits = Limits::default();
    let bytes = read_bounded(path, limits.file_bytes)?;
    guarded(path, || {
        let mut opened = open_checked(path, &bytes, &limits)?;
        let mut out = Vec::new();
        for (name, cells) in cell_sheets(&opened.wb) {
            let grid = if cells { read_sheet_grid(&mut opened, path, &name, &limits)? } else { Vec::new() };
            out.push((name, grid));
        }
        Ok(out)
    })
}

/// Expands history paths: files as given, folders into their .csv and .xlsx files.
pub fn expand_history(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    expand_inputs(paths)
}

/// Reads a small table as text: a CSV file, or the named sheet of a workbook (the first
/// sheet when it has no sheet of that name). Used for payout histories and payment lists.
/// The file is read within the default [`Limits`].
pub fn read_table(path: &Path, sheet: &str) -> Result<Vec<Vec<String>>, IngestError> {
    let limits = Limits::default();
    let err = |message: String| IngestError::Sheet { path: path.to_path_buf(), sheet: sheet.to_string(), message };
    let bytes = read_bounded(path, limits.file_bytes)?;
    if extension(path) == "csv" {
        let text = decode_text(&bytes);
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        return reader
            .records()
            .map(|r| r.map(|rec| rec.iter().map(str::to_string).collect()).map_err(|e| err(e.to_string())))
            .collect();
    }
    guarded(path, || {
        let mut opened = open_checked(path, &bytes, &limits)?;
        let names = cell_sheets(&opened.wb);
        let name = names
            .iter()
            .find(|(n, _)| n.as_str() == sheet)
            .or(names.first())
            .map(|(n, _)| n.clone())
            .ok_or_else(|| err("no sheets".into()))?;
        let grid = read_sheet_grid(&mut opened, path, &name, &limits)?;
        // Rows and columns count from the used range's first cell, as calamine's ranges do.
        let top = grid.iter().position(|r| r.iter().any(Option::is_some)).unwrap_or(grid.len());
        let left = grid.iter().filter_map(|r| r.iter().position(Option::is_some)).min().unwrap_or(0);
        Ok(grid
            .into_iter()
            .skip(top)
            .map(|r| r.into_iter().skip(left).map(|c| c.map(|v| v.show()).unwrap_or_default()).collect())
            .collect())
    })
}

// ---------------------------------------------------------------------------------------------
// A streaming XML tag scanner (for the pre-checks; calamine does the real parsing)
// ---------------------------------------------------------------------------------------------

/// Longest tag the scanner keeps; a longer one makes the file refused as damaged.
const MAX_TAG_BYTES: usize = 1024 * 1024;

#[derive(Debug)]
enum XmlEvent<'t> {
    /// A start tag (`self_closing` for `<x/>`); `tag` is the whole tag text, `<` to `>`.
    Start { name: &'t [u8], tag: &'t [u8], self_closing: bool },
    End { name: &'t [u8] },
    /// Character data (or CDATA) between tags, in pieces.
    Text(usize),
    /// A tag longer than [`MAX_TAG_BYTES`].
    Overlong,
    /// A `<!DOCTYPE …>` (or other `<!` declaration): where such a declaration ends is where
    /// parsers may disagree, so the pre-checks refuse parts that carry one.
    Doctype,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ScanState {
    #[default]
    Text,
    /// Inside `<…`, kind not known yet.
    Open,
    Element {
        quote: Option<u8>,
    },
    Comment,
    CData,
    Pi,
    Decl {
        depth: u32,
    },
}

/// Splits XML into tags and text without building anything, across chunk boundaries.
#[derive(Debug, Default)]
struct TagScanner {
    state: ScanState,
    tag: Vec<u8>,
    /// Last bytes of a comment, CDATA or PI, to find its end.
    tail: [u8; 3],
    overlong: bool,
}

impl TagScanner {
    fn feed(&mut self, chunk: &[u8], on: &mut dyn FnMut(XmlEvent<'_>)) {
        let mut text = 0usize;
        for &b in chunk {
            match self.state {
                ScanState::Text => {
                    if b == b'<' {
                        if text > 0 {
                            on(XmlEvent::Text(text));
                            text = 0;
                        }
                        self.tag.clear();
                        self.tag.push(b);
                        self.overlong = false;
                        self.state = ScanState::Open;
                    } else {
                        text += 1;
                    }
                }
                ScanState::Open => {
                    self.tag.push(b);
                    match self.tag.as_slice() {
                        [b'<', b'?'] => self.state = ScanState::Pi,
                        [b'<', b'!'] | [b'<', b'!', b'-'] | [b'<', b'!', b'['] => {}
                        [b'<', b'!', b'-', b'-'] => {
                            self.tail = [0; 3];
                            self.state = ScanState::Comment;
                        }
                        [b'<', b'!', b'[', ..] => {
                            if self.tag.len() >= 9 {
                                self.tail = [0; 3];
                                self.state = ScanState::CData;
                            }
                        }
                        [b'<', b'!', ..] => {
                            on(XmlEvent::Doctype);
                            self.state = ScanState::Decl { depth: 0 };
                        }
                        _ => {
                            self.state = ScanState::Element { quote: None };
                            if b == b'>' {
                                self.close_element(on);
                            }
                        }
                    }
                }
                ScanState::Element { quote } => {
                    if self.tag.len() < MAX_TAG_BYTES {
                        self.tag.push(b);
                    } else if !self.overlong {
                        self.overlong = true;
                        on(XmlEvent::Overlong);
                    }
                    match (quote, b) {
                        (None, b'"' | b'\'') => self.state = ScanState::Element { quote: Some(b) },
                        (Some(q), _) if q == b => self.state = ScanState::Element { quote: None },
                        (None, b'>') => self.close_element(on),
                        _ => {}
                    }
                }
                ScanState::Comment | ScanState::CData | ScanState::Pi => {
                    self.tail = [self.tail[1], self.tail[2], b];
                    let done = match self.state {
                        ScanState::Comment => &self.tail == b"-->",
                        ScanState::CData => {
                            text += 1;
                            &self.tail == b"]]>"
                        }
                        _ => self.tail[1..] == *b"?>",
                    };
                    if done {
                        self.state = ScanState::Text;
                    }
                }
                ScanState::Decl { depth } => match b {
                    b'[' => self.state = ScanState::Decl { depth: depth + 1 },
                    b']' => self.state = ScanState::Decl { depth: depth.saturating_sub(1) },
                    b'>' if depth == 0 => self.state = ScanState::Text,
                    _ => {}
                },
            }
        }
        if text > 0 {
            on(XmlEvent::Text(text));
        }
    }

    fn close_element(&mut self, on: &mut dyn FnMut(XmlEvent<'_>)) {
        self.state = ScanState::Text;
        if self.overlong {
            return;
        }
        let tag = self.tag.as_slice();
        let inner = &tag[1..tag.len() - 1];
        if let Some(rest) = inner.strip_prefix(b"/") {
            // As quick-xml names an end tag: everything up to `>`, trailing blanks trimmed.
            let end = rest.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
            on(XmlEvent::End { name: &rest[..end] });
            return;
        }
        let self_closing = inner.ends_with(b"/");
        let end = inner.iter().position(|b| b.is_ascii_whitespace() || *b == b'/').unwrap_or(inner.len());
        on(XmlEvent::Start { name: &inner[..end], tag, self_closing });
    }
}

fn local_name(name: &[u8]) -> &[u8] {
    name.iter().rposition(|b| *b == b':').map(|i| &name[i + 1..]).unwrap_or(name)
}

/// The raw value of an attribute of a tag (exact qualified name).
fn attr<'t>(tag: &'t [u8], name: &[u8]) -> Option<&'t [u8]> {
    let mut i = 0;
    while i + name.len() < tag.len() {
        let at = &tag[i..];
        let boundary = i > 0 && tag[i - 1].is_ascii_whitespace();
        if boundary && at.starts_with(name) {
            let mut j = i + name.len();
            while j < tag.len() && tag[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < tag.len() && tag[j] == b'=' {
                j += 1;
                while j < tag.len() && tag[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < tag.len() && (tag[j] == b'"' || tag[j] == b'\'') {
                    let q = tag[j];
                    let start = j + 1;
                    let len = tag[start..].iter().position(|b| *b == q)?;
                    return Some(&tag[start..start + len]);
                }
            }
        }
        // Skip quoted values so a value cannot fake an attribute.
        if tag[i] == b'"' || tag[i] == b'\'' {
            let q = tag[i];
            i += 1 + tag[i + 1..].iter().position(|b| *b == q).unwrap_or(tag.len());
        }
        i += 1;
    }
    None
}

fn attr_number(tag: &[u8], name: &[u8]) -> Option<u64> {
    let v = attr(tag, name)?;
    let v = std::str::from_utf8(v).ok()?.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(v.bytes().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
}

// ---------------------------------------------------------------------------------------------
// .ods: predicting what calamine builds from content.xml
// ---------------------------------------------------------------------------------------------

/// calamine's caps on ods rows and columns (`src/ods.rs`).
const ODS_MAX_ROWS: u64 = 1_048_576;
const ODS_MAX_COLUMNS: u64 = 16_384;

/// One `table:table-row` as calamine's `read_row` stores it.
#[derive(Debug, Default, Clone)]
struct OdsRow {
    repeats: u64,
    /// Cells pushed (expanded columns, except a trailing run of empty cells).
    pushed: u64,
    /// First and last pushed position holding a value.
    first: Option<u64>,
    last: u64,
    /// Text and formula bytes of the pushed cells (each column repeat a clone).
    heap: u64,
    /// An empty cell run not yet pushed.
    pending: u64,
}

#[derive(Debug, Default)]
struct OdsCell {
    repeats: u64,
    value: bool,
    heap: u64,
}

#[derive(Debug, Default)]
struct OdsTable {
    name: String,
    rows: Vec<(u64, u64, Option<u64>, u64, u64)>,
    total_rows: u64,
    pushed: u64,
    heap: u64,
}

/// The grid calamine's `get_range` builds for a table: (cells, range text, clone bytes).
fn ods_grid(t: &OdsTable) -> (u64, String, u64) {
    let filled: Vec<usize> = t.rows.iter().enumerate().filter(|(_, r)| r.2.is_some()).map(|(i, _)| i).collect();
    let (Some(&lo), Some(&hi)) = (filled.first(), filled.last()) else {
        return (0, String::new(), 0);
    };
    let col_min = t.rows.iter().filter_map(|r| r.2).min().unwrap_or(0);
    let col_max = t.rows.iter().filter(|r| r.2.is_some()).map(|r| r.3).max().unwrap_or(0);
    let width = col_max + 1 - col_min.min(col_max);
    let before: u64 = t.rows[..lo].iter().map(|r| r.0).sum();
    let rows: u64 = t.rows[lo..=hi].iter().map(|r| r.0).fold(0u64, u64::saturating_add);
    let clones: u64 = t.rows[lo..=hi].iter().map(|r| r.0.saturating_mul(r.4)).fold(0u64, u64::saturating_add);
    let range = format!(
        "{}:{}",
        cell_ref(before.min(u32::MAX as u64) as u32, col_min.min(u32::MAX as u64) as u32),
        cell_ref((before + rows).saturating_sub(1).min(u32::MAX as u64) as u32, col_max.min(u32::MAX as u64) as u32)
    );
    (rows.saturating_mul(width), range, clones)
}

/// Scans `content.xml` and refuses a file whose tables calamine would expand past the limits
/// (row and column repeats, `text:s` space runs, clones of long cells), or that ends inside a
/// named table or an annotation (calamine's loops over those never see the end of the file
/// and spin for ever). Nesting is followed as calamine follows it: a table, row or cell start
/// inside an open one is content, not a new one.
fn ods_scan<R: Read>(path: &Path, mut part: R, limits: &Limits) -> Result<(), IngestError> {
    let mut scanner = TagScanner::default();
    let mut table: Option<OdsTable> = None;
    // calamine reads only named tables; it is in `read_table` while one is open.
    let mut named_open = false;
    let mut annotation_open = false;
    let mut row: Option<OdsRow> = None;
    let mut cell: Option<OdsCell> = None;
    let mut grid_total: u64 = 0;
    let mut text_total: u64 = 0;
    let mut problem: Option<IngestError> = None;
    let mut overlong = false;
    let mut buf = vec![0u8; 64 * 1024];
    let dense = |sheet: &str, range: String, cells: u64| IngestError::DenseRange {
        path: path.to_path_buf(),
        sheet: sheet.to_string(),
        range,
        cells,
        limit: limits.dense_cells,
    };
    loop {
        let n = match part.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            // calamine meets the same damage and reports it (an error, not the end of the file).
            Err(_) => return Ok(()),
        };
        scanner.feed(&buf[..n], &mut |ev| {
            if problem.is_some() {
                return;
            }
            match ev {
                XmlEvent::Overlong => overlong = true,
                XmlEvent::Doctype => {
                    problem = Some(IngestError::Damaged {
                        path: path.to_path_buf(),
                        reason: "content.xml carries a DOCTYPE declaration, which OpenDocument files never have (an XML entity bomb?)".into(),
                    })
                }
                XmlEvent::Text(len) => {
                    if let Some(c) = cell.as_mut() {
                        c.heap = c.heap.saturating_add(len as u64);
                    }
                }
                XmlEvent::Start { name, tag, self_closing } => {
                    if let Some(c) = cell.as_mut() {
                        c.heap = c.heap.saturating_add(tag.len() as u64);
                        match name {
                            b"text:s" => c.heap = c.heap.saturating_add(attr_number(tag, b"text:c").unwrap_or(1)),
                            b"text:tab" | b"text:line-break" | b"text:p" => c.heap = c.heap.saturating_add(1),
                            _ => {}
                        }
                    }
                    match name {
                        b"office:annotation" if !self_closing => annotation_open = true,
                        b"table:table" if !self_closing && table.is_none() => {
                            let named = attr(tag, b"table:name");
                            named_open = named.is_some();
                            let name = named.map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
                            table = Some(OdsTable { name, ..OdsTable::default() });
                        }
                        b"table:table-row" if table.is_some() && row.is_none() && cell.is_none() => {
                            let t = table.as_mut().unwrap();
                            let wanted = attr_number(tag, b"table:number-rows-repeated").unwrap_or(1);
                            let repeats = wanted.min(ODS_MAX_ROWS.saturating_sub(t.total_rows));
                            t.total_rows += repeats;
                            row = Some(OdsRow { repeats, ..OdsRow::default() });
                            if self_closing {
                                finish_row(t, row.take().unwrap());
                            }
                        }
                        b"table:table-cell" | b"table:covered-table-cell" if row.is_some() && cell.is_none() => {
                            let has = |a: &[u8]| attr(tag, a).is_some();
                            let value = has(b"office:value")
                                || has(b"office:string-value")
                                || has(b"office:date-value")
                                || has(b"office:time-value")
                                || has(b"office:boolean-value")
                                || has(b"office:value-type")
                                || attr(tag, b"table:formula").is_some_and(|f| !f.is_empty());
                            let c = OdsCell {
                                repeats: attr_number(tag, b"table:number-columns-repeated").unwrap_or(1),
                                value,
                                heap: tag.len() as u64,
                            };
                            if self_closing {
                                push_cell(row.as_mut().unwrap(), c);
                            } else {
                                cell = Some(c);
                            }
                        }
                        _ => {}
                    }
                }
                XmlEvent::End { name } => match name {
                    b"office:annotation" => annotation_open = false,
                    b"table:table-cell" | b"table:covered-table-cell" if cell.is_some() => {
                        let c = cell.take().unwrap();
                        if let Some(r) = row.as_mut() {
                            push_cell(r, c);
                        }
                    }
                    b"table:table-row" if row.is_some() && cell.is_none() => {
                        let r = row.take().unwrap();
                        if let Some(t) = table.as_mut() {
                            finish_row(t, r);
                            // What read_table holds so far: pushed cells and their text.
                            if t.pushed > limits.dense_cells {
                                problem = Some(dense(&t.name, "(cells as stored)".into(), t.pushed));
                            } else if t.heap > limits.text_bytes {
                                problem = Some(IngestError::TooMuchText { path: path.to_path_buf(), limit: limits.text_bytes });
                            }
                        }
                    }
                    b"table:table" if row.is_none() && cell.is_none() => {
                        named_open = false;
                        if let Some(t) = table.take() {
                            let (cells, range, clones) = ods_grid(&t);
                            grid_total = grid_total.saturating_add(cells);
                            text_total = text_total.saturating_add(t.heap).saturating_add(clones);
                            if cells > limits.dense_cells {
                                problem = Some(dense(&t.name, range, cells));
                            } else if grid_total > limits.dense_cells {
                                problem = Some(dense("(all sheets together)", range, grid_total));
                            } else if text_total > limits.text_bytes {
                                problem = Some(IngestError::TooMuchText { path: path.to_path_buf(), limit: limits.text_bytes });
                            }
                        }
                    }
                    _ => {}
                },
            }
        });
        if let Some(p) = problem {
            return Err(p);
        }
        if overlong {
            return Err(IngestError::Damaged {
                path: path.to_path_buf(),
                reason: format!("content.xml holds an XML tag longer than {MAX_TAG_BYTES} bytes"),
            });
        }
    }
    let unfinished = match (&table, annotation_open) {
        (Some(t), _) if named_open => Some(format!("content.xml ends inside the table `{}`", t.name)),
        (_, true) => Some("content.xml ends inside a comment (office:annotation)".to_string()),
        _ => None,
    };
    match unfinished {
        Some(reason) => Err(IngestError::Damaged { path: path.to_path_buf(), reason: format!("{reason}; it was cut short or edited") }),
        None => Ok(()),
    }
}

/// A cell as calamine's `read_row` pushes it: the previous empty run first, then this cell
/// (a value) or a new empty run; at most 16,384 columns a row.
fn push_cell(r: &mut OdsRow, c: OdsCell) {
    let room = |r: &OdsRow| ODS_MAX_COLUMNS.saturating_sub(r.pushed);
    let empties = r.pending.min(room(r));
    r.pushed += empties;
    r.pending = 0;
    let n = c.repeats.min(room(r));
    if c.value {
        if n > 0 {
            r.first.get_or_insert(r.pushed);
            r.last = r.pushed + n - 1;
        }
        r.pushed += n;
        r.heap = r.heap.saturating_add(c.heap.saturating_mul(n));
    } else {
        r.pending = n;
    }
}

fn finish_row(t: &mut OdsTable, r: OdsRow) {
    t.pushed = t.pushed.saturating_add(r.pushed);
    t.heap = t.heap.saturating_add(r.heap);
    t.rows.push((r.repeats, r.pushed, r.first, r.last, r.heap));
}

// ---------------------------------------------------------------------------------------------
// .xls: the OLE container (compound file) and the BIFF records
// ---------------------------------------------------------------------------------------------

/// A strict reader of OLE compound files that mirrors how calamine (`src/cfb.rs`) follows
/// sector chains, but refuses a chain that loops (calamine would follow it until memory runs
/// out) and a FAT that lists a sector twice.
mod ole {
    const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
    const DIFSECT: u32 = 0xFFFF_FFFC;
    const RESERVED: u32 = 0xFFFF_FFFA;

    pub struct Ole<'a> {
        bytes: &'a [u8],
        sector: usize,
        maxid: u32,
        fat: Vec<u32>,
        minifat: Vec<u32>,
        ministream: Vec<u8>,
        dirs: Vec<(String, u32, u64)>,
    }

    fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_le_bytes([b[i], b[i + 1]])
    }

    fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
    }

    fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
        b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    impl<'a> Ole<'a> {
        pub fn parse(bytes: &'a [u8]) -> Result<Ole<'a>, String> {
            if bytes.len() < 512 {
                return Err("the OLE header is cut short".into());
            }
            let sector = match u16_at(bytes, 30) {
                9 => 512,
                12 => 4096,
                s => return Err(format!("OLE sector shift {s} is neither 9 nor 12")),
            };
            if u16_at(bytes, 32) != 6 {
                return Err("OLE mini sector shift is not 6".into());
            }
            if bytes.len() < sector {
                return Err("the OLE header is cut short".into());
            }
            let version = u16_at(bytes, 26);
            let maxid = u32::try_from(bytes.len() / sector).unwrap_or(u32::MAX);
            let mut ole = Ole { bytes, sector, maxid, fat: Vec::new(), minifat: Vec::new(), ministream: Vec::new(), dirs: Vec::new() };
            // DIFAT: 109 entries in the header, then a chain whose sectors end in a pointer.
            let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
            let mut next = u32_at(bytes, 68);
            let mut hops = 0u64;
            while next < RESERVED {
                hops += 1;
                if hops > u64::from(maxid) + 1 {
                    return Err("the OLE DIFAT chain loops".into());
                }
                difat.extend(u32s(ole.sector_bytes(next)?));
                next = difat.pop().ok_or("the OLE DIFAT chain is empty")?;
            }
            let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
            let mut seen = std::collections::HashSet::new();
            if fat_sectors.len() as u64 > u64::from(maxid) + 1 || !fat_sectors.iter().all(|id| seen.insert(*id)) {
                return Err("the OLE FAT lists sectors more than once".into());
            }
            for id in fat_sectors {
                let s = ole.sector_bytes(id)?;
                ole.fat.extend(u32s(s));
            }
            let dirs = ole.chain(u32_at(bytes, 48), &ole.fat.clone(), u64::MAX, false)?;
            for d in dirs.chunks_exact(128) {
                let units: Vec<u16> = d[..64].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
                let mut name = String::from_utf16_lossy(&units);
                if let Some(l) = name.find('\0') {
                    name.truncate(l);
                }
                let start = u32_at(d, 116);
                let len = if sector == 512 { u64::from(u32_at(d, 120)) } else { u64::from_le_bytes(d[120..128].try_into().unwrap_or([0; 8])) };
                ole.dirs.push((name, start, len));
            }
            if ole.dirs.is_empty() || (version != 3 && ole.dirs[0].1 == ENDOFCHAIN) {
                return Err("the OLE root directory is empty".into());
            }
            let minifat_len = u64::from(u32_at(bytes, 64));
            if minifat_len > 0 {
                let (_, root_start, root_len) = ole.dirs[0].clone();
                let fat = ole.fat.clone();
                ole.ministream = ole.chain(root_start, &fat, root_len, false)?;
                let mf = ole.chain(u32_at(bytes, 60), &fat, minifat_len.saturating_mul(sector as u64), false)?;
                ole.minifat = u32s(&mf).collect();
            }
            Ok(ole)
        }

        /// Sector `id` (file offset `(id + 1) × size`), short at the end of the file.
        fn sector_bytes(&self, id: u32) -> Result<&'a [u8], String> {
            if id > self.maxid {
                return Err(format!("OLE sector {id} points past the end of the file"));
            }
            let start = (id as usize + 1) * self.sector;
            if start > self.bytes.len() {
                return Err(format!("OLE sector {id} points past the end of the file"));
            }
            Ok(&self.bytes[start..(start + self.sector).min(self.bytes.len())])
        }

        /// Follows a chain as calamine does, up to `len` bytes; a sector met twice is a loop.
        fn chain(&self, mut id: u32, fat: &[u32], len: u64, mini: bool) -> Result<Vec<u8>, String> {
            let mut out = Vec::new();
            let mut seen = std::collections::HashSet::new();
            while id != ENDOFCHAIN {
                if !seen.insert(id) {
                    return Err("an OLE sector chain loops".into());
                }
                let data: &[u8] = if mini {
                    let start = id as usize * 64;
                    if u64::from(id) > u64::from(self.maxid) * 8 || start + 64 > self.ministream.len() {
                        return Err(format!("OLE mini sector {id} points past the mini stream"));
                    }
                    &self.ministream[start..start + 64]
                } else {
                    self.sector_bytes(id)?
                };
                let take = (data.len() as u64).min(len - out.len() as u64) as usize;
                out.extend_from_slice(&data[..take]);
                if out.len() as u64 >= len {
                    break;
                }
                id = *fat.get(id as usize).ok_or_else(|| format!("OLE sector {id} is not in the allocation table"))?;
            }
            Ok(out)
        }

        pub fn has(&self, name: &str) -> bool {
            self.dirs.iter().any(|(n, ..)| n.eq_ignore_ascii_case(name))
        }

        /// A stream by name (the first of that name, any case), as calamine reads it.
        pub fn stream(&self, name: &str) -> Option<Result<Vec<u8>, String>> {
            let (_, start, len) = self.dirs.iter().find(|(n, ..)| n.eq_ignore_ascii_case(name))?;
            Some(if *len < 4096 { self.chain(*start, &self.minifat, *len, true) } else { self.chain(*start, &self.fat, *len, false) })
        }
    }
}

/// Walks an `.xls` workbook stream as calamine (`src/xls.rs`) will when it opens the file, and
/// refuses it when calamine would reserve or build more than the limits: a DIMENSIONS record
/// declaring more than a whole sheet, a used range past [`Limits::dense_cells`], more cells than
/// [`Limits::cells_per_sheet`], text clones past [`Limits::text_bytes`], sheets whose record
/// walks overlap (each re-read in full). Where calamine would stop with an error, the walk
/// stops too and leaves the message to calamine.
mod biff {
    use std::path::Path;

    use super::{cell_ref, IngestError, Limits, XLS_MAX_DECLARED_CELLS};

    struct Record<'a> {
        typ: u16,
        data: &'a [u8],
        cont: Vec<&'a [u8]>,
    }

    /// calamine's `RecordIter`: a record and the CONTINUE records after it.
    struct Records<'a> {
        stream: &'a [u8],
        /// Bytes walked, for the overlap budget.
        walked: u64,
    }

    impl<'a> Iterator for Records<'a> {
        type Item = Record<'a>;
        fn next(&mut self) -> Option<Record<'a>> {
            let s = self.stream;
            if s.len() < 4 {
                return None;
            }
            let typ = u16::from_le_bytes([s[0], s[1]]);
            let len = u16::from_le_bytes([s[2], s[3]]) as usize;
            if s.len() < len + 4 {
                return None;
            }
            let data = &s[4..4 + len];
            let mut rest = &s[4 + len..];
            let mut cont = Vec::new();
            while rest.len() > 4 && u16::from_le_bytes([rest[0], rest[1]]) == 0x003C {
                let l = u16::from_le_bytes([rest[2], rest[3]]) as usize;
                if rest.len() < l + 4 {
                    return None;
                }
                cont.push(&rest[4..4 + l]);
                rest = &rest[4 + l..];
            }
            self.walked += (s.len() - rest.len()) as u64;
            self.stream = rest;
            Some(Record { typ, data, cont })
        }
    }

    fn u16_at(b: &[u8], i: usize) -> u32 {
        u32::from(u16::from_le_bytes([b[i], b[i + 1]]))
    }

    fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
    }

    /// UTF-8 bytes (an upper bound) of each string of an SST record, or `None` when the
    /// table cannot be followed (calamine then fails on it too, or lengths are unknown).
    fn sst_lengths(r: &Record<'_>, most: u64) -> Option<Vec<u32>> {
        let mut segs: Vec<&[u8]> = vec![r.data.get(8..)?];
        segs.extend(r.cont.iter().copied());
        let mut seg = 0usize;
        let mut off = 0usize;
        let mut out = Vec::new();
        // Bytes, crossing into the next segment as needed.
        fn take(segs: &[&[u8]], seg: &mut usize, off: &mut usize, mut n: usize) -> Option<Vec<u8>> {
            let mut v = Vec::with_capacity(n.min(8));
            while n > 0 {
                let s = segs.get(*seg)?;
                if *off >= s.len() {
                    *seg += 1;
                    *off = 0;
                    continue;
                }
                let k = n.min(s.len() - *off);
                if v.len() < 8 {
                    v.extend_from_slice(&s[*off..*off + k.min(8)]);
                }
                *off += k;
                n -= k;
            }
            Some(v)
        }
        loop {
            while seg < segs.len() && off >= segs[seg].len() {
                seg += 1;
                off = 0;
            }
            if seg >= segs.len() {
                return Some(out);
            }
            let h = take(&segs, &mut seg, &mut off, 3)?;
            let cch = usize::from(u16::from_le_bytes([h[0], h[1]]));
            let flags = h[2];
            let mut high = flags & 1 != 0;
            let runs = if flags & 8 != 0 { take(&segs, &mut seg, &mut off, 2).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))? } else { 0 };
            let ext = if flags & 4 != 0 { take(&segs, &mut seg, &mut off, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)? } else { 0 };
            let mut left = cch;
            while left > 0 {
                let s = segs.get(seg)?;
                if off >= s.len() {
                    // Characters continue in the next segment, after a new flags byte.
                    seg += 1;
                    let f = segs.get(seg)?.first()?;
                    high = f & 1 != 0;
                    off = 1;
                    continue;
                }
                let width = if high { 2 } else { 1 };
                let k = left.min((s.len() - off) / width);
                if k == 0 {
                    return None;
                }
                off += k * width;
                left -= k;
            }
            take(&segs, &mut seg, &mut off, runs * 4 + ext)?;
            out.push(cch as u32 * 3);
            if out.len() as u64 > most {
                return Some(out);
            }
        }
    }

    /// A sheet name from a BoundSheet8 record (for messages only).
    fn sheet_name(data: &[u8]) -> String {
        let s = data.get(6..).unwrap_or(&[]);
        let Some((&cch, rest)) = s.split_first() else { return String::new() };
        let cch = cch as usize;
        match rest.split_first() {
            Some((&flags, chars)) if flags & 1 != 0 => {
                let units: Vec<u16> = chars.chunks_exact(2).take(cch).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
                String::from_utf16_lossy(&units)
            }
            Some((_, chars)) => chars.iter().take(cch).map(|&b| b as char).collect(),
            None => String::new(),
        }
    }

    /// Cells of one sheet: count, bounding box of values and of formulas, text clones.
    #[derive(Default)]
    struct Extent {
        cells: u64,
        values: Option<(u32, u32, u32, u32)>,
        text: u64,
    }

    fn widen(b: &mut Option<(u32, u32, u32, u32)>, r0: u32, c0: u32, r1: u32, c1: u32) {
        *b = Some(match *b {
            None => (r0, c0, r1, c1),
            Some((a, b_, c, d)) => (a.min(r0), b_.min(c0), c.max(r1), d.max(c1)),
        });
    }

    fn area(b: Option<(u32, u32, u32, u32)>) -> u64 {
        b.map(|(r0, c0, r1, c1)| u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)).unwrap_or(0)
    }

    fn range(b: Option<(u32, u32, u32, u32)>) -> String {
        b.map(|(r0, c0, r1, c1)| format!("{}:{}", cell_ref(r0, c0), cell_ref(r1, c1))).unwrap_or_default()
    }

    pub fn check(path: &Path, stream: &[u8], limits: &Limits) -> Result<(), IngestError> {
        let damaged = |reason: String| IngestError::Damaged { path: path.to_path_buf(), reason };
        let dense = |sheet: &str, range: String, cells: u64, limit: u64| IngestError::DenseRange {
            path: path.to_path_buf(),
            sheet: sheet.to_string(),
            range,
            cells,
            limit,
        };
        let mut sheets: Vec<(usize, String)> = Vec::new();
        let mut sst: Option<Vec<u32>> = Some(Vec::new());
        let mut longest_name: u64 = 0;
        let mut globals = Records { stream, walked: 0 };
        for r in globals.by_ref() {
            match r.typ {
                0x002F if r.data.len() >= 2 && u16_at(r.data, 0) != 0 => {
                    return Err(IngestError::Encrypted { path: path.to_path_buf() });
                }
                0x0085 => {
                    // A record too short is left to calamine (it panics on it; the panic is
                    // caught and reported, and the corpus keeps such a file to prove it).
                    if r.data.len() < 6 {
                        break;
                    }
                    let (pos, name) = (u32_at(r.data, 0) as usize, sheet_name(r.data));
                    if pos > stream.len() {
                        return Err(damaged(format!("sheet `{name}` starts past the end of the workbook stream")));
                    }
                    sheets.push((pos, name));
                }
                0x0018 if r.data.len() > 3 => longest_name = longest_name.max(u64::from(r.data[3])),
                0x00FC => {
                    sst = sst_lengths(&r, limits.shared_strings);
                    // The strings held decide (calamine ignores the declared count); the message
                    // gives the declared count when it is larger.
                    let held = sst.as_ref().map_or(0, |s| s.len() as u64);
                    if held > limits.shared_strings {
                        let declared = if r.data.len() >= 8 { u64::from(u32_at(r.data, 4)) } else { 0 };
                        return Err(IngestError::SharedStrings { path: path.to_path_buf(), count: held.max(declared), limit: limits.shared_strings });
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
        // A formula's text: a defined name (up to 255 characters, 3 bytes each) per 5-byte
        // token at worst, sheet references and functions well under 16 bytes per byte.
        let formula_factor = 16u64.max((longest_name * 3).div_ceil(5) + 1);
        let unknown_sst = 3 * 65_535u64;
        let walk_budget = 2 * stream.len() as u64 + (1 << 20);
        let mut walked = globals.walked;
        let (mut grid_total, mut text_total) = (0u64, 0u64);
        for (pos, name) in &sheets {
            let Some(sub) = stream.get(*pos..) else { break };
            let mut records = Records { stream: sub, walked: 0 };
            let mut ext = Extent::default();
            let (mut seen_bof, mut depth) = (false, 0usize);
            let mut fmla = (0u32, 0u32);
            while let Some(r) = records.next() {
                if walked + records.walked > walk_budget {
                    return Err(IngestError::Damaged {
                        path: path.to_path_buf(),
                        reason: "its sheets overlap, so each would be read again and again".into(),
                    });
                }
                if depth > 0 {
                    match r.typ {
                        0x0809 => depth += 1,
                        0x000A => depth -= 1,
                        _ => {}
                    }
                    continue;
                }
                let d = r.data;
                let cell_at = |i: usize| (u16_at(d, i), u16_at(d, i + 2));
                match r.typ {
                    0x0809 => {
                        if seen_bof {
                            depth += 1;
                        } else {
                            seen_bof = true;
                        }
                    }
                    0x0200 => {
                        let (rf, rl, mut cf, cl) = match d.len() {
                            10 => (u16_at(d, 0), u16_at(d, 2), u16_at(d, 4), u16_at(d, 6)),
                            14 | 16 => (u32_at(d, 0), u32_at(d, 4), u16_at(d, 8), u16_at(d, 10)),
                            _ => break,
                        };
                        if 0xFF < cf || cl < cf {
                            cf = 0;
                        }
                        let (start, end) = if rl >= 1 && cl >= 1 { ((rf, cf), (rl - 1, cl - 1)) } else { ((rf, cf), (rf, cf)) };
                        let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
                        let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
                        let declared = rows.saturating_mul(cols);
                        if declared > XLS_MAX_DECLARED_CELLS {
                            let text = format!("{}:{} (declared)", cell_ref(start.0, start.1), cell_ref(end.0, end.1));
                            return Err(dense(name, text, declared, XLS_MAX_DECLARED_CELLS));
                        }
                    }
                    0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E => {
                        if d.len() < 4 {
                            break;
                        }
                        let (row, col) = cell_at(0);
                        ext.cells += 1;
                        widen(&mut ext.values, row, col, row, col);
                        if matches!(r.typ, 0x0204 | 0x00D6) {
                            ext.text = ext.text.saturating_add(2 * d.len() as u64);
                        }
                    }
                    0x00FD => {
                        if d.len() < 10 {
                            break;
                        }
                        let (row, col) = cell_at(0);
                        let i = u32_at(d, 6) as usize;
                        let len = match &sst {
                            Some(lens) => lens.get(i).map(|l| u64::from(*l)),
                            None => Some(unknown_sst),
                        };
                        if let Some(len) = len {
                            ext.cells += 1;
                            widen(&mut ext.values, row, col, row, col);
                            ext.text = ext.text.saturating_add(len);
                        }
                    }
                    0x00BD => {
                        if d.len() < 6 {
                            break;
                        }
                        let row = u16_at(d, 0);
                        let first = u16_at(d, 2);
                        let last = u16_at(d, d.len() - 2);
                        let count = u32::from((last as u16).wrapping_sub(first as u16).wrapping_add(1));
                        if d.len() != 6 + 6 * count as usize {
                            break;
                        }
                        if count > 0 {
                            ext.cells += u64::from(count);
                            widen(&mut ext.values, row, first, row, first + count - 1);
                        }
                    }
                    0x0006 => {
                        if d.len() < 20 {
                            break;
                        }
                        // calamine slices the formula tokens by their declared length.
                        let cce = if d.len() >= 22 { u16_at(d, 20) as usize } else { usize::MAX };
                        if cce > d.len().saturating_sub(22) {
                            return Err(damaged(format!("a formula in sheet `{name}` is cut short")));
                        }
                        fmla = cell_at(0);
                        ext.cells += 1;
                        widen(&mut ext.values, fmla.0, fmla.1, fmla.0, fmla.1);
                        ext.text = ext.text.saturating_add((d.len() as u64 - 20) * formula_factor + 64);
                    }
                    0x0207 => {
                        ext.cells += 1;
                        widen(&mut ext.values, fmla.0, fmla.1, fmla.0, fmla.1);
                        ext.text = ext.text.saturating_add(2 * d.len() as u64 + r.cont.iter().map(|c| 2 * c.len() as u64).sum::<u64>());
                    }
                    0x000A => break,
                    _ => {}
                }
                if ext.cells > limits.cells_per_sheet {
                    return Err(IngestError::TooManyCells { path: path.to_path_buf(), sheet: name.clone(), limit: limits.cells_per_sheet });
                }
            }
            walked += records.walked;
            // Formula cells lie inside the value range, so its area bounds both grids.
            if area(ext.values) > limits.dense_cells {
                return Err(dense(name, range(ext.values), area(ext.values), limits.dense_cells));
            }
            grid_total = grid_total.saturating_add(area(ext.values));
            if grid_total > limits.dense_cells {
                return Err(dense("(all sheets together)", range(ext.values), grid_total, limits.dense_cells));
            }
            text_total = text_total.saturating_add(ext.text);
            if text_total > limits.text_bytes {
                return Err(IngestError::TooMuchText { path: path.to_path_buf(), limit: limits.text_bytes });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "ingest/tests.rs"]
mod tests;
