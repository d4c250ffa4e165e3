//! `.xlsb` percent formats and merged ranges (百分比格式与合并单元格): calamine reads an xlsb's
//! cell formats only to tell dates and does not read its merged ranges, so the parts are read
//! here (MS-XLSB 2.1.7): `xl/styles.bin` for the number format of each cell format (BrtFmt
//! codes, the BrtXF list between BrtBeginCellXFs and BrtEndCellXFs), and each sheet part for
//! the cell format of each cell (iStyleRef in the cell header) and its BrtMergeCell records.
//! The positions are calamine's: the row of the last BrtRowHdr, the column of the cell.
//!
//! A record this reading needs that is cut short, a cell naming a cell format the workbook
//! does not define, a merged range that ends before it starts: the part is damaged, and what
//! its cells mean is not certain — an [`XlsbRecordError`], never a guess. (A cell record cut
//! short is its own cell's error, see [`crate::ingest::prescan::xlsb`].)

use std::collections::HashMap;

use super::{Merge, SheetMarks};
use crate::ingest::cell_ref;
use crate::ingest::percent::{is_percent_code, BUILTIN_PERCENT};
use crate::ingest::prescan::xlsb::{records, wide, XlsbRecord};

/// Record types read here (MS-XLSB 2.3.2).
const BRT_ROW_HDR: u16 = 0x0000;
/// BrtCellBlank … BrtFmlaError: each starts with a Cell (column, iStyleRef, flags).
const FIRST_CELL: u16 = 0x0001;
const LAST_CELL: u16 = 0x000B;
const BRT_FMT: u16 = 0x002C;
const BRT_XF: u16 = 0x002F;
const BRT_END_SHEET_DATA: u16 = 0x0092;
const BRT_MERGE_CELL: u16 = 0x00B0;
const BRT_BEGIN_CELL_XFS: u16 = 0x0269;
const BRT_END_CELL_XFS: u16 = 0x026A;
/// The last row a sheet can hold (0-based): 1,048,576 rows.
const MAX_ROW: u32 = 0x000F_FFFF;

/// What makes an xlsb part unreadable for its formats or merged ranges.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XlsbRecordError {
    #[error("the record at byte {at} runs past the end of the part")]
    Cut { at: usize },
    #[error("record {name} at byte {at} holds {len} bytes, fewer than the {need} it needs")]
    Short {
        name: &'static str,
        at: usize,
        len: usize,
        need: usize,
    },
    #[error("cell {cell} uses cell format {style}, but xl/styles.bin defines {count}")]
    StyleOutOfRange {
        cell: String,
        style: u32,
        count: usize,
    },
    #[error("the merged range {range} at byte {at} ends before it starts")]
    Inverted { range: String, at: usize },
    #[error("row {row} at byte {at} is past the last row a sheet can hold (1048576)")]
    RowOutOfRange { row: u64, at: usize },
}

/// The body of `r` if it holds at least `need` bytes.
fn body<'a>(
    r: &XlsbRecord<'a>,
    name: &'static str,
    need: usize,
) -> Result<&'a [u8], XlsbRecordError> {
    if r.body.len() < need {
        return Err(XlsbRecordError::Short {
            name,
            at: r.at,
            len: r.body.len(),
            need,
        });
    }
    Ok(r.body)
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn u16_at(b: &[u8], i: usize) -> u32 {
    u32::from(u16::from_le_bytes([b[i], b[i + 1]]))
}

/// A BrtFmt: its format id and whether its code shows numbers as percents.
fn format_record(r: &XlsbRecord<'_>) -> Result<(u32, bool), XlsbRecordError> {
    let b = body(r, "BrtFmt", 6)?;
    let mut at = 2;
    let code = wide(b, &mut at).ok_or(XlsbRecordError::Short {
        name: "BrtFmt",
        at: r.at,
        len: b.len(),
        need: 6 + 2 * u32_at(b, 2) as usize,
    })?;
    Ok((u16_at(b, 0), is_percent_code(&code)))
}

/// Which cell formats of `xl/styles.bin` (BrtXF of the cell format list, by index) show
/// numbers as percents: a built-in format 9 or 10, or a custom code with a `%` outside quotes
/// (the same test as xlsx and xls). `None` when the part lists no cell formats.
pub(in crate::ingest) fn percent_formats(
    styles: &[u8],
) -> Result<Option<Vec<bool>>, XlsbRecordError> {
    let mut codes: HashMap<u32, bool> = HashMap::new();
    let mut xfs: Option<Vec<u32>> = None;
    let mut in_list = false;
    for r in records(styles) {
        let r = r.map_err(|at| XlsbRecordError::Cut { at })?;
        match r.typ {
            BRT_FMT => {
                let (id, percent) = format_record(&r)?;
                codes.insert(id, percent);
            }
            BRT_BEGIN_CELL_XFS => {
                in_list = true;
                xfs.get_or_insert_with(Vec::new);
            }
            BRT_END_CELL_XFS => in_list = false,
            // Cell style formats (BrtBeginCellStyleXFs) are BrtXF too: not a cell's format.
            BRT_XF if in_list => {
                let b = body(&r, "BrtXF", 16)?;
                xfs.get_or_insert_with(Vec::new).push(u16_at(b, 2));
            }
            _ => {}
        }
    }
    Ok(xfs.map(|ids| {
        ids.iter()
            .map(|id| {
                codes
                    .get(id)
                    .copied()
                    .unwrap_or(BUILTIN_PERCENT.contains(id))
            })
            .collect()
    }))
}

/// The percent cells and merged ranges of one sheet part. `percent`: the workbook's cell
/// formats ([`percent_formats`]); with none listed, no cell is a percent and a cell's format
/// is not checked. Cells are read up to BrtEndSheetData, as calamine reads them; merged ranges
/// follow it.
pub(in crate::ingest) fn sheet_marks(
    part: &[u8],
    percent: Option<&[bool]>,
) -> Result<SheetMarks, XlsbRecordError> {
    let mut marks = SheetMarks::default();
    let mut row = 0u32;
    let mut in_data = true;
    for r in records(part) {
        let r = r.map_err(|at| XlsbRecordError::Cut { at })?;
        match r.typ {
            BRT_ROW_HDR if in_data => {
                row = u32_at(body(&r, "BrtRowHdr", 4)?, 0);
                if row > MAX_ROW {
                    return Err(XlsbRecordError::RowOutOfRange {
                        row: u64::from(row) + 1,
                        at: r.at,
                    });
                }
            }
            // A cell record too short for its header is its own cell's error (prescan).
            FIRST_CELL..=LAST_CELL if in_data && r.body.len() >= 8 => {
                let col = u32_at(r.body, 0);
                let style = u32_at(r.body, 4) & 0x00FF_FFFF;
                let Some(formats) = percent else { continue };
                match formats.get(style as usize) {
                    Some(true) => {
                        marks.percent.insert((row, col));
                    }
                    Some(false) => {}
                    None => {
                        return Err(XlsbRecordError::StyleOutOfRange {
                            cell: cell_ref(row, col),
                            style,
                            count: formats.len(),
                        })
                    }
                }
            }
            BRT_END_SHEET_DATA => in_data = false,
            BRT_MERGE_CELL => marks.merges.push(merge_record(&r)?),
            _ => {}
        }
    }
    Ok(marks)
}

/// A BrtMergeCell: its RfX (first row, last row, first column, last column).
fn merge_record(r: &XlsbRecord<'_>) -> Result<Merge, XlsbRecordError> {
    let b = body(r, "BrtMergeCell", 16)?;
    let (r0, r1, c0, c1) = (u32_at(b, 0), u32_at(b, 4), u32_at(b, 8), u32_at(b, 12));
    let merge = Merge {
        first: (r0, c0),
        last: (r1, c1),
    };
    if r1 > MAX_ROW {
        return Err(XlsbRecordError::RowOutOfRange {
            row: u64::from(r1) + 1,
            at: r.at,
        });
    }
    if r1 < r0 || c1 < c0 {
        return Err(XlsbRecordError::Inverted {
            range: merge.range(),
            at: r.at,
        });
    }
    Ok(merge)
}

#[cfg(test)]
#[path = "xlsb/tests.rs"]
mod tests;
