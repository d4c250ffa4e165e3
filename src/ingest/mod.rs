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
//!   more than three times the declared total (a sheet part is read for its percent formats,
//!   its merged ranges and its values; a workbook naming one sheet part many times is stopped);
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
//! address-space cap and a timeout, and fuzzes the readers with corrupted bytes. The messy
//! layouts of issue 12 are mapped, class by class, to their fixtures (a first one and a variant
//! worded differently, some saved by LibreOffice) in `tests/corpus/classes.toml`, which
//! `tests/integration/classes.rs` holds to the corpus.
//!
//! # Where each step lives
//!
//! A file goes through: [`sniff`] (what the bytes are; zip and OLE container checks) →
//! [`prescan`] (per-format predictions of what calamine would build) → [`workbook`] (opening
//! with calamine and visiting a sheet's cells, typed by [`cell`]; [`marks`] gives what a sheet
//! shows beyond its values: percent formats and merged ranges) or [`csv`] / [`parquet`] →
//! [`header`] (binding the header, handing rows on, merged ranges spread over data rows). [`ledger_read`] reads ledgers and tables
//! back. This file holds the public API, the batch types, the errors and the limits.

mod cell;
mod csv;
mod folder;
mod header;
mod ledger_read;
mod marks;
pub mod parquet;
mod percent;
mod prescan;
mod sniff;
mod workbook;

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::digest::sha256_hex;
use crate::domain::fields::{Figure, HeaderMatch, Vocabulary};

pub use cell::{from_float, serial_date, DateSystem};
pub use csv::{decode_csv, decode_text, detect_separator, CsvEncoding, CsvError, DecodedCsv};
pub use folder::{expand_folders, Inputs, NotRead, NotReadReason, MAX_FOLDER_DEPTH};
pub use ledger_read::{expand_history, read_grid, read_table};
pub use marks::xlsb::XlsbRecordError;
pub use workbook::NO_CACHED_RESULT;

pub(crate) use csv::read_csv;
use parquet::read_parquet;
pub(crate) use workbook::read_workbook;

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
/// Slack of the read budget over three times the declared unpacked size (central directory, headers).
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
    /// An error value (#N/A, #DIV/0! …) or a number with no decimal meaning, as shown.
    Error(String),
    /// A cell that cannot be read for a reason of its own (拒读单元格): an amount merged over
    /// several rows, a formula without a cached result, text longer than [`MAX_CELL_CHARS`],
    /// undecodable bytes, a truncated record. `shown` is what the cell holds, as far as it can
    /// be told (empty when nothing can), for the exceptions' value column; `reason` says why.
    Refused {
        shown: String,
        reason: String,
    },
}

impl RawCell {
    /// The cell as text, for the exceptions list.
    pub fn show(&self) -> String {
        match self {
            RawCell::Text(s) | RawCell::Error(s) => s.clone(),
            RawCell::Refused { shown, .. } => shown.clone(),
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
    /// Which figure the column holds when the form gives an item twice (申报数 / 核定数), from
    /// its header path.
    pub figure: Figure,
    /// Why the column's cells cannot be read (its unit does not convert, or two places state
    /// different units): each of its cells is an exception with this reason.
    pub refused: Option<String>,
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
    /// How the file's Excel serial dates count (a workbook states it; other files are 1900).
    pub date_system: DateSystem,
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
    /// Files found in input folders and not read, with why (each becomes an exception).
    pub not_read: Vec<NotRead>,
    /// Sheets and rows that are not data (hidden sheets, 栏次, 合计, footers): listed, not
    /// computed, not reported as data errors.
    pub set_aside: Vec<SetAside>,
}

/// Why a sheet or rows are not application data (非数据).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotData {
    /// A hidden or very hidden sheet (dropdown 字典 lists, lookups).
    HiddenSheet,
    /// A 栏次 row numbering the columns 1, 2, 3 … under the header.
    ColumnNumbers,
    /// A 合计 / 小计 / 总计 row.
    Total,
    /// A 填表人 / 审核人 / 制表 … signature line or a 注： / 说明： note under the table.
    Footer,
}

impl NotData {
    pub fn label(self) -> &'static str {
        match self {
            NotData::HiddenSheet => "隐藏工作表",
            NotData::ColumnNumbers => "栏次行",
            NotData::Total => "合计/小计行",
            NotData::Footer => "表尾签字或说明行",
        }
    }
}

/// A sheet, or rows of one (0-based), set aside as not data, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub file: usize,
    pub sheet: String,
    /// Empty for a whole sheet.
    pub rows: Vec<u32>,
    pub reason: NotData,
}

impl SetAside {
    /// `file sheet 第3、9行（合计/小计行）`, for the run's summary.
    pub fn describe(&self, batch: &Batch) -> String {
        let file = batch.files[self.file].path.display();
        if self.rows.is_empty() {
            return format!("{file} {}（{}）", self.sheet, self.reason.label());
        }
        let rows: Vec<String> = self.rows.iter().map(|r| (r + 1).to_string()).collect();
        format!(
            "{file} {} 第{}行（{}）",
            self.sheet,
            rows.join("、"),
            self.reason.label()
        )
    }
}

/// What to do with a workbook this tool cannot read as it is.
const RESAVE: &str = "open it in Excel or WPS and save it again as .xlsx (文件 → 另存为)";

/// Errors that stop reading a file (the run then writes nothing, exit 2). Every message names
/// the file; those about a limit give the limit.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a workbook this tool reads ({reason}); save it as .xlsx, .xls, .ods, .csv or .parquet")]
    Unsupported { path: PathBuf, reason: String },
    #[error("{path}: the workbook is password-protected; remove the password in Excel/WPS (文件 → 信息 → 保护工作簿) and save again")]
    Encrypted { path: PathBuf },
    #[error("{path}: cannot open workbook: {message}")]
    Open { path: PathBuf, message: String },
    #[error("{path}, sheet {sheet}: cannot read: {message}")]
    Sheet {
        path: PathBuf,
        sheet: String,
        message: String,
    },
    #[error("{path}, sheet {sheet}: more than {limit} cells; split the sheet or check it is not damaged")]
    TooManyCells {
        path: PathBuf,
        sheet: String,
        limit: u64,
    },
    #[error("no input files found in {path}")]
    NoInputs { path: PathBuf },
    #[error("{path}: the file is {size} bytes, more than the limit of {limit} bytes; split the batch into smaller files")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{path}: the file is damaged or is not a workbook ({reason}); {RESAVE}")]
    Damaged { path: PathBuf, reason: String },
    #[error("{path}: the package holds {count} parts, more than the limit of {limit}; this is not an ordinary workbook")]
    TooManyParts {
        path: PathBuf,
        count: usize,
        limit: usize,
    },
    #[error("{path}: the package would unpack to {size} bytes, more than the limit of {limit} bytes (a zip bomb?); this is not an ordinary workbook")]
    Unpacked {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{path}: part `{part}` is compressed {ratio}:1, more than the limit of {limit}:1 (a zip bomb?); this is not an ordinary workbook")]
    Ratio {
        path: PathBuf,
        part: String,
        ratio: u64,
        limit: u64,
    },
    #[error("{path}: reading it would unpack more than {limit} bytes (its parts are read over and over); this is not an ordinary workbook")]
    ReadBudget { path: PathBuf, limit: u64 },
    #[error("{path}: the shared-string table declares {count} strings, more than the limit of {limit}; this is not an ordinary workbook")]
    SharedStrings {
        path: PathBuf,
        count: u64,
        limit: u64,
    },
    #[error("{path}: part `{part}` unpacks to {size} bytes, more than the limit of {limit} bytes for it; split the workbook or save it as .csv")]
    PartTooLarge {
        path: PathBuf,
        part: String,
        size: u64,
        limit: u64,
    },
    #[error("{path}, sheet {sheet}: the used range {range} spans {cells} cells, more than the limit of {limit} for .xls/.ods sheets; delete stray cells far from the data, or save the file as .xlsx or .csv")]
    DenseRange {
        path: PathBuf,
        sheet: String,
        range: String,
        cells: u64,
        limit: u64,
    },
    #[error("{path}: the file holds more than {limit} bytes of text; split it or check it is not damaged")]
    TooMuchText { path: PathBuf, limit: u64 },
    #[error("{path}: the package holds two parts named `{part}` (a reader could take either); this is not an ordinary workbook: {RESAVE}")]
    DuplicatePart { path: PathBuf, part: String },
    #[error("{path}: part `{part}` of the .xlsb workbook is damaged: {source}; {RESAVE}")]
    XlsbPart {
        path: PathBuf,
        part: String,
        source: XlsbRecordError,
    },
    #[error("{path}: cannot read the CSV file: {reason}")]
    Csv {
        path: PathBuf,
        reason: csv::CsvError,
    },
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

/// Expands folders (with their sub-folders, see [`folder`]) into the input files they hold,
/// sorted; the files found but not read are dropped here ([`expand_folders`] lists them).
pub fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    Ok(expand_folders(paths)?.files)
}

fn extension(p: &Path) -> String {
    p.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Reads every input file into one batch, within the default [`Limits`]. Files are read in
/// the order given.
pub fn read_inputs(paths: &[PathBuf], vocab: &Vocabulary) -> Result<Batch, IngestError> {
    read_inputs_with(paths, vocab, &Limits::default())
}

/// [`read_inputs`] within the given limits.
pub fn read_inputs_with(
    paths: &[PathBuf],
    vocab: &Vocabulary,
    limits: &Limits,
) -> Result<Batch, IngestError> {
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
    let inputs = expand_folders(paths)?;
    batch.not_read = inputs.not_read;
    for path in inputs.files {
        read_file(&path, vocab, &mut batch, limits, &mut to)?;
    }
    Ok(batch)
}

/// The rows to hand on, by one field's cell as read: a row whose cell text (trimmed; empty when
/// the row has none) fails `keep` is dropped as soon as it is read, and a reader that can
/// (Parquet) skips it before decoding the rest of it. One part of a batch split by enterprise
/// is read this way, so rows of other parts cost next to nothing.
pub struct RowFilter<'f> {
    pub field: crate::domain::fields::FieldId,
    pub keep: &'f dyn Fn(&str) -> bool,
}

/// Where the rows of a reading go, and which of them.
pub(crate) struct Handoff<'h, 's> {
    pub(crate) sink: &'h mut RowSink<'s>,
    pub(crate) filter: Option<&'h RowFilter<'h>>,
}

/// Reads a file's bytes, refusing it before reading when it is larger than the limit.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limit {
        return Err(IngestError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // The file may grow while it is read; the limit holds all the same.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(IngestError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// Runs one file's reading, turning a panic in a reader into an error naming the file.
fn guarded<T>(
    path: &Path,
    read: impl FnOnce() -> Result<T, IngestError>,
) -> Result<T, IngestError> {
    match catch_unwind(AssertUnwindSafe(read)) {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            Err(IngestError::Panicked {
                path: path.to_path_buf(),
                message,
            })
        }
    }
}

fn read_file(
    path: &Path,
    vocab: &Vocabulary,
    batch: &mut Batch,
    limits: &Limits,
    to: &mut Handoff<'_, '_>,
) -> Result<(), IngestError> {
    let ext = extension(path);
    let unsupported = |reason: String| {
        Err(IngestError::Unsupported {
            path: path.to_path_buf(),
            reason,
        })
    };
    match ext.as_str() {
        "parquet" => return read_parquet(path, vocab, batch, limits, to),
        "csv" | "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => {}
        "et" | "ett" => return unsupported("WPS .et format".into()),
        other => return unsupported(format!("extension `.{other}`")),
    }
    let bytes = read_bounded(path, limits.file_bytes)?;
    let file = batch.files.len();
    batch.files.push(InputFile {
        path: path.to_path_buf(),
        sha256: sha256_hex(&bytes),
        bytes: bytes.len() as u64,
        date_system: DateSystem::default(),
    });
    if ext == "csv" {
        guarded(path, || {
            read_csv(&bytes, path, file, vocab, batch, limits, to)
        })
    } else {
        guarded(path, || {
            read_workbook(&bytes, path, file, vocab, batch, limits, to)
        })
    }
}

/// Why a sheet stopped being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Cells,
    Text,
}

/// Where data rows go as they are read. The batch holds every sheet and file up to the row's
/// own, so a consumer can resolve `row.sheet` at once.
pub type RowSink<'s> = dyn FnMut(&Batch, RawRow) + 's;

/// Text handed to the batch from one file, against [`Limits::text_bytes`]; long cells are cut
/// to an error cell first.
struct TextBudget {
    left: u64,
    cell_chars: usize,
}

impl TextBudget {
    fn new(limits: &Limits) -> Self {
        TextBudget {
            left: limits.text_bytes,
            cell_chars: limits.cell_chars,
        }
    }

    fn admit(&mut self, cell: RawCell) -> Result<RawCell, Stop> {
        let cell = match cell {
            RawCell::Text(s)
                if s.len() > self.cell_chars && s.chars().count() > self.cell_chars =>
            {
                RawCell::Refused {
                    reason: format!(
                        "文字过长（{} 字符，超过单元格上限 {} 字符），未读入",
                        s.chars().count(),
                        self.cell_chars
                    ),
                    shown: s,
                }
            }
            other => other,
        };
        let len = match &cell {
            RawCell::Text(s) | RawCell::Error(s) => s.len() as u64,
            RawCell::Refused { shown, reason } => (shown.len() + reason.len()) as u64,
            _ => 0,
        };
        self.left = self.left.checked_sub(len).ok_or(Stop::Text)?;
        Ok(cell)
    }
}

#[cfg(test)]
pub(crate) mod tests;
