//! `.xls` percent formats (百分比格式): calamine reads the FORMAT and XF records only to tell
//! dates, so the workbook stream is walked here for the number format of each cell format
//! (FORMAT 0x041E, XF 0x00E0) and the format of each number cell (NUMBER, RK, MULRK,
//! FORMULA). The stream was pre-checked ([`crate::ingest::prescan::biff`]): its sheets do not
//! overlap, so this walk reads each record once.
//!
//! Both BIFF8 (Excel 97–2003) and BIFF5 (Excel 5.0/95) streams are read. Their strings differ:
//! BIFF8 FORMAT codes and sheet names are unicode strings (a flags byte says one or two bytes a
//! character); BIFF5 ones are byte strings with an 8-bit length, in the workbook's code page
//! (the CODEPAGE record, decoded as calamine decodes it, so sheet names match its names). The
//! XF record is shorter in BIFF5 (16 bytes, 20 in BIFF8) and its fields after the first two
//! are laid out otherwise; the number format index is the second field of both.

use std::collections::HashMap;

use encoding_rs::{UTF_16BE, UTF_16LE};

use crate::ingest::percent::{is_percent_code, PercentCells, BUILTIN_PERCENT};
use crate::ingest::prescan::biff::{biff_chars, u16_at, u32_at, Record, Records};

/// BIFF record types read here.
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CODEPAGE: u16 = 0x0042;
const BOUNDSHEET: u16 = 0x0085;
const FORMAT: u16 = 0x041E;
const XF: u16 = 0x00E0;
const NUMBER: u16 = 0x0203;
const RK: u16 = 0x027E;
const MULRK: u16 = 0x00BD;
const FORMULA: u16 = 0x0006;
/// The code page calamine assumes when a workbook states none (UTF-16: BIFF8's own).
const DEFAULT_CODE_PAGE: u16 = 1200;

/// How a workbook stream's strings are stored, from its BOF's version as calamine reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strings {
    /// BIFF8: unicode strings, a flags byte after the length.
    Unicode,
    /// BIFF2–BIFF5: byte strings in the workbook's code page.
    CodePage,
}

fn strings_of(bof: &[u8]) -> Strings {
    let dt = if bof.len() >= 4 { u16_at(bof, 2) } else { 0 };
    match u16_at(bof, 0) {
        0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500 => Strings::CodePage,
        0 if dt == 0x1000 => Strings::CodePage,
        _ => Strings::Unicode,
    }
}

/// A byte string decoded in the workbook's code page, as calamine decodes it: one character
/// a byte where the code page is UTF-16 (a workbook stating none); NULs dropped.
fn decode(bytes: &[u8], code_page: u16) -> String {
    let text = match codepage::to_encoding(code_page) {
        Some(e) if e != UTF_16LE && e != UTF_16BE => e.decode(bytes).0.into_owned(),
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    text.replace('\0', "")
}

/// A string of a FORMAT or BOUNDSHEET record starting at `at`: BIFF8 a character count and a
/// flags byte; BIFF5 an 8-bit byte count (FORMAT, BOUNDSHEET) — `wide_count` when the BIFF8
/// count takes two bytes (FORMAT).
fn record_string(
    d: &[u8],
    at: usize,
    strings: Strings,
    wide_count: bool,
    code_page: u16,
) -> Option<String> {
    match strings {
        Strings::Unicode => {
            let (cch, flags_at) = if wide_count {
                (u16_at(d.get(at..at + 2)?, 0) as usize, at + 2)
            } else {
                (usize::from(*d.get(at)?), at + 1)
            };
            let flags = *d.get(flags_at)?;
            Some(biff_chars(d.get(flags_at + 1..)?, cch, flags).replace('\0', ""))
        }
        Strings::CodePage => {
            let cch = usize::from(*d.get(at)?);
            Some(decode(d.get(at + 1..at + 1 + cch)?, code_page))
        }
    }
}

/// The records of the workbook globals this reading needs, kept until the code page is known
/// (CODEPAGE comes first in a well-formed stream; this does not rely on it).
#[derive(Default)]
struct Globals<'a> {
    strings: Option<Strings>,
    code_page: Option<u16>,
    formats: Vec<&'a [u8]>,
    xfs: Vec<u32>,
    sheets: Vec<&'a [u8]>,
}

/// Which cell formats (XF records, by index) show numbers as percents, and each sheet's
/// offset and name.
fn percent_formats<'a>(
    records: impl Iterator<Item = Record<'a>>,
) -> (Vec<bool>, Vec<(u32, String)>) {
    let mut g = Globals::default();
    for r in records {
        match r.typ {
            BOF if r.data.len() >= 2 => g.strings = Some(strings_of(r.data)),
            CODEPAGE if r.data.len() >= 2 => g.code_page = Some(u16_at(r.data, 0) as u16),
            FORMAT => g.formats.push(r.data),
            XF if r.data.len() >= 4 => g.xfs.push(u16_at(r.data, 2)),
            BOUNDSHEET if r.data.len() >= 6 => g.sheets.push(r.data),
            EOF => break,
            _ => {}
        }
    }
    let strings = g.strings.unwrap_or(Strings::Unicode);
    let code_page = g.code_page.unwrap_or(DEFAULT_CODE_PAGE);
    let codes: HashMap<u32, bool> = g
        .formats
        .iter()
        .filter(|d| d.len() >= 2)
        .filter_map(|d| {
            let code = record_string(d, 2, strings, true, code_page)?;
            Some((u16_at(d, 0), is_percent_code(&code)))
        })
        .collect();
    let percent = g
        .xfs
        .iter()
        .map(|id| {
            codes
                .get(id)
                .copied()
                .unwrap_or(BUILTIN_PERCENT.contains(id))
        })
        .collect();
    let sheets = g
        .sheets
        .iter()
        .filter_map(|d| {
            Some((
                u32_at(d, 0),
                record_string(d, 6, strings, false, code_page)?,
            ))
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

    /// A BIFF5 (Excel 5.0/95) stream in code page 936: FORMAT codes are byte strings with an
    /// 8-bit length (`0.0%`; `0"%"`; `0.0奬%`, whose 奬 ends in the byte of `\`: read byte by
    /// byte it would escape the `%`), XF records 16 bytes, the sheet name a GBK byte string.
    fn biff5_stream(code_page: Option<u16>) -> Vec<u8> {
        let bof5 = |dt: u16| {
            let mut d = 0x0500u16.to_le_bytes().to_vec();
            d.extend(dt.to_le_bytes());
            d.extend([0u8; 4]);
            rec(BOF, &d)
        };
        let mut globals = bof5(0x0005);
        if let Some(cp) = code_page {
            globals.extend(rec(CODEPAGE, &cp.to_le_bytes()));
        }
        for (id, code) in [(164u16, "0.0%"), (165, "0\"%\""), (166, "0.0奬%")] {
            let (bytes, _, _) = encoding_rs::GBK.encode(code);
            let mut d = id.to_le_bytes().to_vec();
            d.push(bytes.len() as u8);
            d.extend(bytes.iter());
            globals.extend(rec(FORMAT, &d));
        }
        for f in [0u16, 164, 165, 166, 10] {
            let mut d = vec![0u8; 16];
            d[2..4].copy_from_slice(&f.to_le_bytes());
            globals.extend(rec(XF, &d));
        }
        let mut sheet = bof5(0x0010);
        for (col, x) in [0u16, 1, 2, 3, 4].into_iter().enumerate() {
            sheet.extend(number(1, col as u16, x));
        }
        sheet.extend(rec(EOF, &[]));
        let (name, _, _) = encoding_rs::GBK.encode("申报表");
        let pos = (globals.len() + 4 + 6 + 1 + name.len() + 4) as u32;
        let mut b = pos.to_le_bytes().to_vec();
        b.extend([0, 0, name.len() as u8]);
        b.extend(name.iter());
        globals.extend(rec(BOUNDSHEET, &b));
        globals.extend(rec(EOF, &[]));
        globals.extend(sheet);
        globals
    }

    #[test]
    fn biff5_formats_and_sheet_names_are_byte_strings_in_the_code_page() {
        let found = percent_cells(&biff5_stream(Some(936)));
        let mut cells: Vec<(u32, u32)> = found["申报表"].iter().copied().collect();
        cells.sort_unstable();
        assert_eq!(cells, [(1, 1), (1, 3), (1, 4)]);
        // Without a CODEPAGE record the bytes are read one a character, as calamine reads
        // them: the sheet's name is not GBK, and 奬's second byte escapes the `%`.
        let found = percent_cells(&biff5_stream(None));
        let (name, cells) = found.iter().next().unwrap();
        assert_ne!(name, "申报表");
        let mut cells: Vec<(u32, u32)> = cells.iter().copied().collect();
        cells.sort_unstable();
        assert_eq!(cells, [(1, 1), (1, 4)]);
    }

    #[test]
    fn a_workbook_without_percent_formats_has_none() {
        let mut s = bof();
        s.extend(xf(0));
        s.extend(rec(EOF, &[]));
        assert!(percent_cells(&s).is_empty());
    }
}
