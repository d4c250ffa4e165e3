//! `.xls` percent formats (百分比格式): calamine reads the FORMAT and XF records only to tell
//! dates, so the workbook stream is walked here for the number format of each cell format
//! (FORMAT 0x041E, XF 0x00E0) and the format of each number cell (NUMBER, RK, MULRK,
//! FORMULA). The stream was pre-checked ([`crate::ingest::prescan::biff`]): its sheets do not
//! overlap, so this walk reads each record once.

use std::collections::HashMap;

use crate::ingest::percent::{is_percent_code, PercentCells, BUILTIN_PERCENT};
use crate::ingest::prescan::biff::{biff_chars, sheet_name, u16_at, u32_at, Record, Records};

/// BIFF record types read here.
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const BOUNDSHEET: u16 = 0x0085;
const FORMAT: u16 = 0x041E;
const XF: u16 = 0x00E0;
const NUMBER: u16 = 0x0203;
const RK: u16 = 0x027E;
const MULRK: u16 = 0x00BD;
const FORMULA: u16 = 0x0006;
/// The BOF version of BIFF8 (Excel 97–2003); older streams are not read for formats.
const BIFF8: u32 = 0x0600;

/// The number format code of a BIFF8 FORMAT record: (format id, code).
fn format_record(d: &[u8]) -> Option<(u32, String)> {
    let id = u16_at(d.get(..2)?, 0);
    let cch = u16_at(d.get(2..4)?, 0) as usize;
    let flags = *d.get(4)?;
    Some((id, biff_chars(d.get(5..)?, cch, flags)))
}

/// Which cell formats (XF records, by index) show numbers as percents.
fn percent_formats<'a>(
    globals: impl Iterator<Item = Record<'a>>,
) -> (Vec<bool>, Vec<(u32, String)>) {
    let mut codes: HashMap<u32, bool> = HashMap::new();
    let mut xfs: Vec<u32> = Vec::new();
    let mut sheets = Vec::new();
    let mut biff8 = false;
    for r in globals {
        match r.typ {
            BOF if r.data.len() >= 2 => biff8 = u16_at(r.data, 0) == BIFF8,
            FORMAT if biff8 => {
                if let Some((id, code)) = format_record(r.data) {
                    codes.insert(id, is_percent_code(&code));
                }
            }
            XF if r.data.len() >= 4 => xfs.push(u16_at(r.data, 2)),
            BOUNDSHEET if biff8 && r.data.len() >= 6 => {
                sheets.push((u32_at(r.data, 0), sheet_name(r.data)))
            }
            EOF => break,
            _ => {}
        }
    }
    let percent = xfs
        .iter()
        .map(|id| {
            codes
                .get(id)
                .copied()
                .unwrap_or(BUILTIN_PERCENT.contains(id))
        })
        .collect();
    (percent, sheets)
}

/// The cells of each sheet (by name) whose format shows their number as a percent.
pub(in crate::ingest) fn percent_cells(stream: &[u8]) -> HashMap<String, PercentCells> {
    let (percent, sheets) = percent_formats(Records::of(stream));
    let mut out = HashMap::new();
    if !percent.contains(&true) {
        return out;
    }
    let is_percent = |xf: u32| percent.get(xf as usize).copied().unwrap_or(false);
    for (pos, name) in sheets {
        let Some(sub) = stream.get(pos as usize..) else {
            continue;
        };
        let cells = sheet_percent_cells(sub, &is_percent);
        if !cells.is_empty() {
            out.insert(name, cells);
        }
    }
    out
}

/// One sheet's number cells with a percent format, from its BOF to its EOF (records of an
/// embedded chart's own BOF … EOF are skipped).
fn sheet_percent_cells(sub: &[u8], is_percent: &dyn Fn(u32) -> bool) -> PercentCells {
    let mut cells = PercentCells::new();
    let (mut seen_bof, mut depth) = (false, 0usize);
    for r in Records::of(sub) {
        let d = r.data;
        match r.typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF if depth > 0 => depth -= 1,
            EOF => break,
            _ if depth > 0 => {}
            NUMBER | RK | FORMULA if d.len() >= 6 && is_percent(u16_at(d, 4)) => {
                cells.insert((u16_at(d, 0), u16_at(d, 2)));
            }
            MULRK if d.len() >= 6 => {
                let (row, first) = (u16_at(d, 0), u16_at(d, 2));
                for (k, rk) in d[4..d.len() - 2].chunks_exact(6).enumerate() {
                    if is_percent(u16_at(rk, 0)) {
                        cells.insert((row, first + k as u32));
                    }
                }
            }
            _ => {}
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut v = typ.to_le_bytes().to_vec();
        v.extend((data.len() as u16).to_le_bytes());
        v.extend(data);
        v
    }

    fn bof() -> Vec<u8> {
        rec(
            BOF,
            &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        )
    }

    fn xf(format: u16) -> Vec<u8> {
        let mut d = vec![0u8; 20];
        d[2..4].copy_from_slice(&format.to_le_bytes());
        rec(XF, &d)
    }

    fn number(row: u16, col: u16, xf: u16) -> Vec<u8> {
        let mut d = Vec::new();
        for v in [row, col, xf] {
            d.extend(v.to_le_bytes());
        }
        d.extend(0.03f64.to_le_bytes());
        rec(NUMBER, &d)
    }

    /// A workbook stream: XF 0 general, 1 built-in `0%`, 2 custom `0.0%`, 3 custom `0"%"`;
    /// one sheet holding a number in each format, and a MULRK of formats 0, 1.
    fn stream() -> Vec<u8> {
        let mut globals = bof();
        for (id, code) in [(164u16, "0.0%"), (165, "0\"%\"")] {
            let mut d = id.to_le_bytes().to_vec();
            d.extend((code.len() as u16).to_le_bytes());
            d.push(0);
            d.extend(code.as_bytes());
            globals.extend(rec(FORMAT, &d));
        }
        for f in [0u16, 9, 164, 165] {
            globals.extend(xf(f));
        }
        let mut sheet = bof();
        for (col, x) in [0u16, 1, 2, 3].into_iter().enumerate() {
            sheet.extend(number(1, col as u16, x));
        }
        let mut mulrk = Vec::new();
        mulrk.extend(2u16.to_le_bytes());
        mulrk.extend(4u16.to_le_bytes());
        for x in [0u16, 1] {
            mulrk.extend(x.to_le_bytes());
            mulrk.extend(0u32.to_le_bytes());
        }
        mulrk.extend(5u16.to_le_bytes());
        sheet.extend(rec(MULRK, &mulrk));
        sheet.extend(rec(EOF, &[]));
        // BOUNDSHEET with the sheet's offset, known once the globals' length is.
        let name = "表";
        let bound_len = 4 + 6 + 2 + 2 * name.encode_utf16().count();
        let pos = (globals.len() + bound_len + 4) as u32;
        let mut b = pos.to_le_bytes().to_vec();
        b.extend([0, 0, name.encode_utf16().count() as u8, 1]);
        for u in name.encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        globals.extend(rec(BOUNDSHEET, &b));
        globals.extend(rec(EOF, &[]));
        globals.extend(sheet);
        globals
    }

    #[test]
    fn number_cells_with_a_percent_format_are_found_by_sheet() {
        let found = percent_cells(&stream());
        let mut cells: Vec<(u32, u32)> = found["表"].iter().copied().collect();
        cells.sort_unstable();
        assert_eq!(cells, [(1, 1), (1, 2), (2, 5)]);
    }

    #[test]
    fn a_workbook_without_percent_formats_has_none() {
        let mut s = bof();
        s.extend(xf(0));
        s.extend(rec(EOF, &[]));
        assert!(percent_cells(&s).is_empty());
    }
}
