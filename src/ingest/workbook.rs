//! Workbooks through calamine (读取工作簿): opening after the container checks, listing the
//! sheets, and visiting a sheet's cells in reading order (xlsx and xlsb streamed, xls and ods
//! through their pre-checked dense ranges).

use std::cell::Cell as Flag;
use std::collections::HashMap;
use std::io::{Read, Seek};
use std::path::Path;
use std::rc::Rc;

use calamine::{Ods, Reader, SheetType, SheetVisible, Sheets, Xls, Xlsb, Xlsx};

use super::cell::{date_system, from_data, from_ref};
use super::header::{SheetBuilder, SheetOut};
use super::marks::{self, Merge, SheetMarks};
use super::percent::{as_shown, is_percent_style, PercentCells};
use super::prescan::{biff, xlsb, xlsb_records};
use super::sniff::{check_zip, ole, part_key, sniff, BudgetReader, Content, ZipKind};
use super::{
    extension, Batch, Handoff, IngestError, Limits, NotData, RawCell, SetAside, Stop, TextBudget,
    MAX_COLUMNS, READ_BUDGET_SLACK,
};
use crate::domain::fields::Vocabulary;

/// How many times a sheet part of an xlsx is read: its percent-formatted cells, its merged
/// ranges (after its cells, at the end of the part), its values. The read budget is this many
/// times the declared unpacked total.
const READS_PER_PART: u64 = 3;

/// An opened workbook and the flag its reader raises when the read budget is spent.
pub(super) struct Opened<'a> {
    pub(super) wb: Sheets<BudgetReader<'a>>,
    exceeded: Rc<Flag<bool>>,
    budget: u64,
    /// `.xlsb`: per sheet name, which cells calamine yields from records cut short.
    truncated: HashMap<String, Vec<bool>>,
    /// `.xls`, `.xlsb` and `.ods`: per sheet name, what the pre-read found that calamine does
    /// not expose (percent formats; xlsb and ods merged ranges).
    marks: HashMap<String, SheetMarks>,
}

/// Sniffs, pre-checks and opens a workbook held in memory.
pub(super) fn open_checked<'a>(
    path: &Path,
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<Opened<'a>, IngestError> {
    let ext = extension(path);
    let open = |e: calamine::Error| open_error(path, e);
    match sniff(bytes) {
        Content::Zip => {
            let plan = check_zip(path, bytes, &ext, limits)?;
            let budget = plan
                .unpacked
                .saturating_mul(READS_PER_PART)
                .saturating_add(READ_BUDGET_SLACK);
            let reader = BudgetReader::new(bytes, plan.spans, budget);
            let exceeded = reader.exceeded.clone();
            let flagged = |e: calamine::Error| {
                if exceeded.get() {
                    IngestError::ReadBudget {
                        path: path.to_path_buf(),
                        limit: budget,
                    }
                } else {
                    open(e)
                }
            };
            // Read before calamine opens the package: a part that cannot be unpacked (a bad
            // CRC) is refused here by name, where calamine's record reader could index what
            // it had read so far and panic.
            let (truncated, marks) = match plan.kind {
                ZipKind::Xlsb => xlsb_pre_read(path, bytes)?,
                ZipKind::Ods => (HashMap::new(), ods_marks(bytes)),
                ZipKind::Xlsx => (HashMap::new(), HashMap::new()),
            };
            let wb = match plan.kind {
                ZipKind::Xlsx => Sheets::Xlsx(Xlsx::new(reader).map_err(|e| flagged(e.into()))?),
                ZipKind::Xlsb => {
                    xlsb_records::check(&mut part_reader(bytes)).map_err(|reason| {
                        IngestError::Damaged {
                            path: path.to_path_buf(),
                            reason,
                        }
                    })?;
                    Sheets::Xlsb(Xlsb::new(reader).map_err(|e| flagged(e.into()))?)
                }
                ZipKind::Ods => Sheets::Ods(Ods::new(reader).map_err(|e| flagged(e.into()))?),
            };
            Ok(Opened {
                wb,
                exceeded,
                budget,
                truncated,
                marks,
            })
        }
        Content::Ole => {
            let ole = ole::Ole::parse(bytes).map_err(|reason| IngestError::Damaged {
                path: path.to_path_buf(),
                reason,
            })?;
            if ole.has("EncryptedPackage") || ole.has("EncryptionInfo") {
                return Err(IngestError::Encrypted {
                    path: path.to_path_buf(),
                });
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
            let marks = marks::biff::percent_cells(&stream)
                .into_iter()
                .map(|(name, percent)| {
                    let marks = SheetMarks {
                        percent,
                        merges: Vec::new(),
                    };
                    (name, marks)
                })
                .collect();
            // .xls is read whole when opened; the budget does not apply (pre-scan bounds it).
            let reader = BudgetReader::new(bytes, Vec::new(), u64::MAX);
            let exceeded = reader.exceeded.clone();
            let wb = Sheets::Xls(Xls::new(reader).map_err(|e| open(e.into()))?);
            Ok(Opened {
                wb,
                exceeded,
                budget: u64::MAX,
                truncated: HashMap::new(),
                marks,
            })
        }
        Content::Empty => Err(IngestError::Damaged {
            path: path.to_path_buf(),
            reason: "the file is empty".into(),
        }),
        Content::Text(what) => Err(IngestError::Unsupported {
            path: path.to_path_buf(),
            reason: what.into(),
        }),
        Content::Unknown => Err(IngestError::Damaged {
            path: path.to_path_buf(),
            reason: "neither a zip package (.xlsx, .ods) nor an Excel 97-2003 file".into(),
        }),
    }
}

/// What an `.xlsb` package's parts hold that calamine does not tell, by sheet name: the cells
/// it yields from records cut short (see [`xlsb`]), the percent cells and merged ranges (see
/// [`marks::xlsb`]). Each part is read once, no further than its declared size (the declared
/// sizes were checked against the limits before); one that cannot be read refuses the file.
fn xlsb_pre_read(path: &Path, bytes: &[u8]) -> Result<XlsbPreRead, IngestError> {
    let empty = || (HashMap::new(), HashMap::new());
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Ok(empty());
    };
    let unreadable = |reason: String| IngestError::Damaged {
        path: path.to_path_buf(),
        reason,
    };
    let mut read = |name: &str| read_part(&mut zip, name).map_err(unreadable);
    let (Some(workbook), Some(rels)) = (
        read("xl/workbook.bin")?,
        read("xl/_rels/workbook.bin.rels")?,
    ) else {
        return Ok(empty());
    };
    let damaged = |part: &str, source| IngestError::XlsbPart {
        path: path.to_path_buf(),
        part: part.to_string(),
        source,
    };
    let formats = match read("xl/styles.bin")? {
        Some(styles) => {
            marks::xlsb::percent_formats(&styles).map_err(|e| damaged("xl/styles.bin", e))?
        }
        None => None,
    };
    let parts = xlsb::sheet_parts(&workbook, &String::from_utf8_lossy(&rels));
    let (mut truncated, mut marks) = empty();
    let mut names: Vec<(String, String)> = parts.into_iter().collect();
    names.sort_unstable();
    for (name, part) in names {
        // A sheet part that is missing fails in calamine, with its message.
        let Some(data) = read(&part)? else {
            continue;
        };
        let sheet =
            marks::xlsb::sheet_marks(&data, formats.as_deref()).map_err(|e| damaged(&part, e))?;
        let cut = xlsb::scan_part(&data);
        if cut.contains(&true) {
            truncated.insert(name.clone(), cut);
        }
        marks.insert(name, sheet);
    }
    Ok((truncated, marks))
}

/// Per sheet name: the cells cut short, and the sheet's marks.
type XlsbPreRead = (HashMap<String, Vec<bool>>, HashMap<String, SheetMarks>);

/// A part of a zip package, looked up as calamine does (any case, either slash): `None` when
/// there is none; an error (the reason) when it cannot be unpacked — the zip reader refuses a
/// part that unpacks to more than its declared size, and the declared sizes were checked.
fn read_part<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Option<Vec<u8>>, String> {
    let key = part_key(name);
    let Some(index) = (0..zip.len()).find(|&i| {
        zip.name_for_index(i)
            .and_then(Result::ok)
            .is_some_and(|n| part_key(&n) == key)
    }) else {
        return Ok(None);
    };
    let cannot = |e: &dyn std::fmt::Display| format!("part `{name}` cannot be unpacked: {e}");
    let mut part = zip.by_index(index).map_err(|e| cannot(&e))?;
    let mut out = Vec::new();
    part.read_to_end(&mut out).map_err(|e| cannot(&e))?;
    Ok(Some(out))
}

/// The parts of a package by name, found as [`read_part`] finds them; a part that cannot be
/// unpacked reads as absent here (the pre-read after calamine's open refuses it by name).
fn part_reader(bytes: &[u8]) -> impl FnMut(&str) -> Option<Vec<u8>> + '_ {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok();
    move |name: &str| read_part(zip.as_mut()?, name).ok().flatten()
}

/// The percent cells and merged ranges of an `.ods` package's tables, by name (the package
/// was checked against the limits before: declared sizes bind).
fn ods_marks(bytes: &[u8]) -> HashMap<String, SheetMarks> {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return HashMap::new();
    };
    let marks = match zip.by_name("content.xml") {
        Ok(part) => marks::ods::sheet_marks(part),
        Err(_) => HashMap::new(),
    };
    marks
}

pub(super) fn open_error(path: &Path, e: calamine::Error) -> IngestError {
    let message = e.to_string();
    if matches!(e, calamine::Error::Xlsx(calamine::XlsxError::Password))
        || matches!(e, calamine::Error::Xls(calamine::XlsError::Password))
        || message.to_ascii_lowercase().contains("password")
        || message.to_ascii_lowercase().contains("encrypt")
    {
        return IngestError::Encrypted {
            path: path.to_path_buf(),
        };
    }
    IngestError::Open {
        path: path.to_path_buf(),
        message,
    }
}

/// Sheets of a workbook that hold cells (chart and macro sheets do not), in workbook order.
pub(super) fn cell_sheets<R: Read + Seek>(wb: &Sheets<R>) -> Vec<(String, bool)> {
    wb.sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), matches!(s.typ, SheetType::WorkSheet)))
        .collect()
}

/// The hidden and very hidden sheets of a workbook: dropdown lists and lookups, not data.
fn hidden_sheets<R: Read + Seek>(wb: &Sheets<R>) -> Vec<String> {
    wb.sheets_metadata()
        .iter()
        .filter(|s| !matches!(s.visible, SheetVisible::Visible))
        .map(|s| s.name.clone())
        .collect()
}

/// Visits every cell of one sheet in reading order: xlsx and xlsb through their streaming
/// readers, xls and ods through the (pre-checked) dense range. A formula without a cached
/// result becomes an error cell.
pub(super) fn visit_sheet(
    opened: &mut Opened<'_>,
    path: &Path,
    name: &str,
    visit: &mut dyn FnMut(u32, u32, RawCell) -> Result<(), Stop>,
) -> Result<Result<(), Stop>, IngestError> {
    let exceeded = opened.exceeded.clone();
    let budget = opened.budget;
    let sheet_err = |message: String| {
        if exceeded.get() {
            IngestError::ReadBudget {
                path: path.to_path_buf(),
                limit: budget,
            }
        } else {
            IngestError::Sheet {
                path: path.to_path_buf(),
                sheet: name.to_string(),
                message,
            }
        }
    };
    let percent = match &mut opened.wb {
        Sheets::Xlsx(x) => percent_cells(x, name).map_err(|e| sheet_err(e.to_string()))?,
        _ => opened
            .marks
            .get(name)
            .map(|m| m.percent.clone())
            .unwrap_or_default(),
    };
    match &mut opened.wb {
        Sheets::Xlsx(x) => {
            let mut reader = x
                .worksheet_cells_reader(name)
                .map_err(|e| sheet_err(e.to_string()))?;
            while let Some(cell) = reader
                .next_cell_with_formula_metadata()
                .map_err(|e| sheet_err(e.to_string()))?
            {
                let (r, c) = cell.pos;
                let value = match (from_ref(&cell.value), &cell.formula) {
                    (None, Some(_)) => Some(RawCell::Refused {
                        shown: String::new(),
                        reason: NO_CACHED_RESULT.into(),
                    }),
                    (Some(v), _) if percent.contains(&(r, c)) => Some(as_shown(v)),
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
            let truncated = opened.truncated.get(name);
            let mut reader = x
                .worksheet_cells_reader(name)
                .map_err(|e| sheet_err(e.to_string()))?;
            let mut k = 0usize;
            while let Some(cell) = reader.next_cell().map_err(|e| sheet_err(e.to_string()))? {
                let (r, c) = cell.get_position();
                let cut = truncated.and_then(|t| t.get(k)).copied().unwrap_or(false);
                k += 1;
                let value = if cut {
                    Some(RawCell::Refused {
                        shown: String::new(),
                        reason: xlsb::TRUNCATED_CELL.into(),
                    })
                } else if percent.contains(&(r, c)) {
                    from_ref(cell.get_value()).map(as_shown)
                } else {
                    from_ref(cell.get_value())
                };
                if let Some(v) = value {
                    if let Err(stop) = visit(r, c, v) {
                        return Ok(Err(stop));
                    }
                }
            }
        }
        other => {
            let range = other
                .worksheet_range(name)
                .map_err(|e| sheet_err(e.to_string()))?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, v) in range.used_cells() {
                let (r, c) = (r0 + r as u32, c0 + c as u32);
                if let Some(v) = from_data(v) {
                    let v = if percent.contains(&(r, c)) {
                        as_shown(v)
                    } else {
                        v
                    };
                    if let Err(stop) = visit(r, c, v) {
                        return Ok(Err(stop));
                    }
                }
            }
        }
    }
    Ok(Ok(()))
}

/// The cells of an xlsx sheet whose style shows numbers as percents. The formula-aware
/// reader gives no style ids, so when the workbook has a percent style at all the sheet's
/// styled cells are listed first, in a pass that parses no values.
fn percent_cells<RS: Read + Seek>(
    x: &mut Xlsx<RS>,
    name: &str,
) -> Result<PercentCells, calamine::XlsxError> {
    let mut cells = PercentCells::new();
    let mut reader = x.worksheet_cells_reader(name)?;
    let percent: Vec<bool> = reader.styles().iter().map(is_percent_style).collect();
    if !percent.contains(&true) {
        return Ok(cells);
    }
    while let Some((r, c, id)) = reader.next_style_id()? {
        if percent.get(id).copied().unwrap_or(false) {
            cells.insert((r, c));
        }
    }
    Ok(cells)
}

/// The merged ranges of a sheet: xlsx and xls from calamine, ods and xlsb from the pre-read
/// of their parts.
fn sheet_merges(
    opened: &mut Opened<'_>,
    path: &Path,
    name: &str,
) -> Result<Vec<Merge>, IngestError> {
    let sheet_err = |message: String| IngestError::Sheet {
        path: path.to_path_buf(),
        sheet: name.to_string(),
        message,
    };
    let dims = match &mut opened.wb {
        Sheets::Xlsx(x) => x
            .merge_cells_by_sheet_name(name)
            .map_err(|e| sheet_err(e.to_string()))?,
        Sheets::Xls(x) => x
            .merge_cells_by_sheet_name(name)
            .map_err(|e| sheet_err(e.to_string()))?,
        Sheets::Ods(_) | Sheets::Xlsb(_) => {
            return Ok(opened
                .marks
                .get(name)
                .map(|m| m.merges.clone())
                .unwrap_or_default())
        }
    };
    Ok(dims
        .into_iter()
        .map(|d| Merge {
            first: d.start,
            last: d.end,
        })
        .collect())
}

/// The text of an error cell standing for a formula the file holds no result for.
pub const NO_CACHED_RESULT: &str = "公式没有保存计算结果（请在 Excel/WPS 中打开、保存后再提交）";

pub(crate) fn read_workbook(
    bytes: &[u8],
    path: &Path,
    file: usize,
    vocab: &Vocabulary,
    batch: &mut Batch,
    limits: &Limits,
    to: &mut Handoff<'_, '_>,
) -> Result<(), IngestError> {
    let mut opened = open_checked(path, bytes, limits)?;
    if let Some(f) = batch.files.get_mut(file) {
        f.date_system = date_system(&opened.wb);
    }
    let mut text = TextBudget::new(limits);
    let hidden = hidden_sheets(&opened.wb);
    for (name, cells) in cell_sheets(&opened.wb) {
        if !cells {
            batch.skipped.push((file, name));
            continue;
        }
        if hidden.contains(&name) {
            batch.set_aside.push(SetAside {
                file,
                sheet: name,
                rows: Vec::new(),
                reason: NotData::HiddenSheet,
            });
            continue;
        }
        let merges = sheet_merges(&mut opened, path, &name)?;
        let mut sb = SheetBuilder::new(vocab, limits);
        let mut out = SheetOut::new(file, &name, &mut *batch, &mut *to).with_merges(merges);
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

pub(super) fn stopped(
    path: &Path,
    sheet: &str,
    outcome: Result<(), Stop>,
    limits: &Limits,
) -> Result<(), IngestError> {
    match outcome {
        Ok(()) => Ok(()),
        Err(Stop::Cells) => Err(IngestError::TooManyCells {
            path: path.to_path_buf(),
            sheet: sheet.to_string(),
            limit: limits.cells_per_sheet,
        }),
        Err(Stop::Text) => Err(IngestError::TooMuchText {
            path: path.to_path_buf(),
            limit: limits.text_bytes,
        }),
    }
}
