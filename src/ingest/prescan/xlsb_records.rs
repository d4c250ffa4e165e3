//! `.xlsb` records calamine 0.38 indexes without looking at their length (按固定偏移读取的记录).
//! Its record reader fills one buffer that only grows and reads fixed offsets of it
//! (`&buf[..16]` of BrtWsDim, `buf[4..8]` of BrtBeginSst, `buf[8..len]` of BrtBundleSh, the
//! tokens of a defined name's formula), looks sheets up by relationship id and cells' strings
//! by index (`relationships[id]`, `strings[isst]`): a record shorter than it assumes, an id or
//! index that is not there, panics inside `Xlsb::new` or `XlsbCellsReader::next_cell`. This
//! walk reads the parts as calamine does, with the same growing buffer, and refuses the package
//! before calamine opens it, naming the part and the record. Where calamine would stop with an
//! error of its own, the walk stops and leaves the message to it.

use std::collections::HashMap;

use super::xlsb::{relationship_targets, wide};

/// Why a package is refused: the part and what in it calamine cannot read.
pub(in crate::ingest) type Refusal = String;

/// Functions of calamine's table (`FTAB`); an index at or past it panics.
const FUNCTIONS: usize = 485;

/// calamine's `RecordIter` over one part: a record's type, then its body into a buffer that
/// only grows (its bytes past the body are the longest earlier record's).
struct Records<'a> {
    part: &'a str,
    rest: &'a [u8],
    buf: Vec<u8>,
}

impl<'a> Records<'a> {
    fn new(part: &'a str, bytes: &'a [u8]) -> Self {
        Records {
            part,
            rest: bytes,
            buf: Vec::new(),
        }
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    fn read_type(&mut self) -> Option<u16> {
        let b = self.byte()?;
        if b & 0x80 == 0 {
            return Some(u16::from(b));
        }
        Some(u16::from(b & 0x7F) + (u16::from(self.byte()? & 0x7F) << 7))
    }

    /// The body's length; `None` where the part ends (calamine: an error).
    fn fill(&mut self) -> Option<usize> {
        let mut b = self.byte()?;
        let mut len = usize::from(b & 0x7F);
        for i in 1..4 {
            if b & 0x80 == 0 {
                break;
            }
            b = self.byte()?;
            len += usize::from(b & 0x7F) << (7 * i);
        }
        let body = self.rest.get(..len)?;
        if self.buf.len() < len {
            self.buf.resize(len, 0);
        }
        self.buf[..len].copy_from_slice(body);
        self.rest = &self.rest[len..];
        Some(len)
    }

    /// The next record of `typ`, skipping others and the blocks `bounds` opens.
    fn next_of(&mut self, typ: u16, bounds: &[(u16, Option<u16>)]) -> Option<usize> {
        loop {
            let t = self.read_type()?;
            let len = self.fill()?;
            if t == typ {
                return Some(len);
            }
            if let Some(end) = bounds.iter().find(|b| b.0 == t).and_then(|b| b.1) {
                while self.read_type()? != end {
                    self.fill()?;
                }
                self.fill()?;
            }
        }
    }

    /// The buffer holds at least `n` bytes, as calamine reads them for `record` (of `len`
    /// bytes; the buffer's bytes past it are stale but do not panic).
    fn holds(&self, len: usize, n: usize, record: &str) -> Result<(), Refusal> {
        if self.buf.len() >= n {
            return Ok(());
        }
        Err(short(self.part, record, len, n))
    }

    /// The record just read is `len` bytes long, at least `n`.
    fn record(&self, len: usize, n: usize, record: &str) -> Result<(), Refusal> {
        if len >= n {
            return Ok(());
        }
        Err(short(self.part, record, len, n))
    }

    fn u32_at(&self, at: usize) -> u32 {
        self.buf
            .get(at..at + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Checks the parts of an `.xlsb` package calamine reads: shared strings, styles, the
/// workbook (sheets, external sheets, defined names) and each worksheet's cells. `part` gives
/// a part's bytes by name as calamine finds it (case-insensitively), `None` when absent.
pub(in crate::ingest) fn check(
    part: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
) -> Result<(), Refusal> {
    let strings = match part("xl/sharedStrings.bin") {
        Some(bytes) => shared_strings(&bytes)?,
        None => Some(0),
    };
    if let Some(bytes) = part("xl/styles.bin") {
        styles(&bytes)?;
    }
    let Some(workbook) = part("xl/workbook.bin") else {
        return Ok(());
    };
    let rels = part("xl/_rels/workbook.bin.rels").unwrap_or_default();
    let rels = relationship_targets(&String::from_utf8_lossy(&rels));
    let Some(sheets) = workbook_parts(&workbook, &rels)? else {
        return Ok(());
    };
    // calamine fails to open a package whose string table it cannot read: no cells then.
    let Some(strings) = strings else {
        return Ok(());
    };
    for sheet in sheets
        .iter()
        .filter(|s| s.split('/').nth(1) == Some("worksheets"))
    {
        if let Some(bytes) = part(sheet) {
            cells(sheet, &bytes, strings)?;
        }
    }
    Ok(())
}

/// `Xlsb::read_shared_strings`: the strings calamine will hold, `None` where it fails. A
/// record shorter than its count or its string would be read from the buffer's stale bytes
/// (a wrong count, another string's text): refused as well.
fn shared_strings(bytes: &[u8]) -> Result<Option<u64>, Refusal> {
    let mut r = Records::new("xl/sharedStrings.bin", bytes);
    let Some(len) = r.next_of(0x009F, &[]) else {
        return Ok(None);
    };
    r.record(len, 8, "BrtBeginSst")?;
    let count = r.u32_at(4);
    for _ in 0..count {
        let Some(len) = r.next_of(0x0013, &[(0x0023, Some(0x0024))]) else {
            return Ok(None);
        };
        r.record(len, 5, "BrtSSTItem")?;
        if wide(&r.buf[1..len], &mut 0).is_none() {
            return Err(short(
                r.part,
                "BrtSSTItem",
                len,
                5 + 2 * r.u32_at(1) as usize,
            ));
        }
    }
    Ok(Some(u64::from(count)))
}

/// `Xlsb::read_styles`: number formats, then cell formats. A record it does not know is
/// skipped by its type alone, and the buffer is emptied after each record, as calamine does.
fn styles(bytes: &[u8]) -> Result<(), Refusal> {
    let mut r = Records::new("xl/styles.bin", bytes);
    while let Some(typ) = r.read_type() {
        let more = match typ {
            0x0267 => listed(&mut r, "BrtBeginFmts", 0x002C, 2, "BrtFmt")?,
            0x0269 => {
                listed(&mut r, "BrtBeginCellXFs", 0x002F, 4, "BrtXF")?;
                false
            }
            _ => true,
        };
        if !more {
            return Ok(());
        }
        r.buf.clear();
    }
    Ok(())
}

/// A count (`head`), then that many records of `item`, each holding `need` bytes of its own
/// (a shorter one would take a format id from the buffer's stale bytes); `false` where
/// calamine fails.
fn listed(
    r: &mut Records<'_>,
    head: &str,
    item: u16,
    need: usize,
    name: &str,
) -> Result<bool, Refusal> {
    let Some(len) = r.fill() else {
        return Ok(false);
    };
    r.record(len, 4, head)?;
    for _ in 0..r.u32_at(0) {
        let Some(len) = r.next_of(item, &[]) else {
            return Ok(false);
        };
        r.record(len, need, name)?;
    }
    Ok(true)
}

/// `Xlsb::read_workbook`: the part of each sheet (`xl/` + its relationship's target), in
/// order; `None` where calamine fails.
fn workbook_parts(
    bytes: &[u8],
    rels: &HashMap<String, String>,
) -> Result<Option<Vec<String>>, Refusal> {
    let mut r = Records::new("xl/workbook.bin", bytes);
    let mut sheets = Vec::new();
    loop {
        let Some(typ) = r.read_type() else {
            return Ok(None);
        };
        // calamine empties its buffer after each record of the sheet list.
        r.buf.clear();
        let Some(len) = r.fill() else {
            return Ok(None);
        };
        match typ {
            0x0099 => r.holds(len, 1, "BrtWbProp")?,
            0x009C => {
                if len < 12 {
                    return Err(short(r.part, "BrtBundleSh", len, 12));
                }
                let chars = r.u32_at(8);
                if chars == u32::MAX {
                    continue;
                }
                let end = 12 + chars as usize * 2;
                if end > len {
                    return Err(short(r.part, "BrtBundleSh", len, end));
                }
                // Decoded as calamine decodes it (encoding_rs: a byte-order mark is read as
                // one, not as a character), so the lookup fails here exactly when it would
                // fail (and panic) there.
                let id = encoding_rs::UTF_16LE.decode(&r.buf[12..end]).0;
                let Some(target) = rels.get(&*id) else {
                    return Err(format!(
                        "{}: a sheet names the relationship “{id}”, which xl/_rels/workbook.bin.rels does not hold",
                        r.part
                    ));
                };
                sheets.push(format!("xl/{target}"));
            }
            0x0090 => break,
            _ => {}
        }
    }
    let mut externs = 0usize;
    loop {
        let Some(typ) = r.read_type() else {
            return Ok(None);
        };
        match typ {
            0x009D | 0x0225 | 0x018D | 0x0180 | 0x009A | 0x0252 | 0x0229 | 0x009B | 0x0084 => {
                return Ok(Some(sheets))
            }
            0x016A => {
                let Some(len) = r.fill() else {
                    return Ok(None);
                };
                r.holds(len, 4, "BrtExternSheet")?;
                let count = r.u32_at(0) as usize;
                // calamine reads 12-byte entries from the whole buffer, not the record.
                if r.buf[4..].chunks(12).take(count).any(|c| c.len() < 8) {
                    return Err(short(r.part, "BrtExternSheet", len, 4 + 12 * count));
                }
                externs = count.min(r.buf[4..].len().div_ceil(12));
            }
            0x0027 => {
                let Some(len) = r.fill() else {
                    return Ok(None);
                };
                if let Some(rgce) = name_formula(&r.buf[..len]) {
                    formula_fits(rgce, externs).map_err(|what| {
                        format!("{}: a defined name's formula (BrtName) {what}", r.part)
                    })?;
                }
            }
            _ => {
                if r.fill().is_none() {
                    return Ok(None);
                }
            }
        }
    }
}

fn short(part: &str, record: &str, len: usize, need: usize) -> Refusal {
    format!("{part}: a {record} record of {len} bytes, shorter than the {need} it must hold")
}

/// The formula tokens of a BrtName record, as calamine finds them; `None` where it fails.
fn name_formula(record: &[u8]) -> Option<&[u8]> {
    let mut at = 9;
    wide(record, &mut at)?;
    let cce = u32::from_le_bytes(record.get(at..at + 4)?.try_into().ok()?) as usize;
    record.get(at + 4..(at + 4).checked_add(cce)?)
}

/// Whether calamine's `parse_formula` reads only inside `rgce` and its tables: the bytes each
/// token takes, the external sheet and function it names. `Err` says what does not fit.
fn formula_fits(mut rgce: &[u8], externs: usize) -> Result<(), &'static str> {
    let u16_at = |b: &[u8], i: usize| {
        b.get(i..i + 2)
            .map(|s| usize::from(u16::from_le_bytes([s[0], s[1]])))
    };
    while let Some((&ptg, rest)) = rgce.split_first() {
        rgce = rest;
        let need = match ptg {
            0x3A | 0x5A | 0x7A | 0x3C | 0x5C | 0x7C | 0x3B | 0x5B | 0x7B | 0x3D | 0x5D | 0x7D => {
                if u16_at(rgce, 0).is_some_and(|ixti| ixti >= externs) {
                    return Err("names an external sheet the workbook does not list");
                }
                if matches!(ptg & 0x1F, 0x1A | 0x1C) {
                    8
                } else {
                    14
                }
            }
            0x01 | 0x23 | 0x43 | 0x63 => 4,
            0x03..=0x16 => 0,
            0x17 => 2 + 2 * u16_at(rgce, 0).ok_or("is cut short")?,
            0x18 => match rgce.first().ok_or("is cut short")? {
                0x19 => 13,
                0x1D => 5,
                _ => return Ok(()),
            },
            0x19 => match rgce.first().ok_or("is cut short")? {
                0x01 | 0x02 | 0x08 | 0x10 | 0x20 | 0x21 | 0x40 | 0x41 | 0x80 => 3,
                0x04 => 11,
                _ => return Ok(()),
            },
            0x1C | 0x1D => 1,
            0x1E => 2,
            0x1F => 8,
            0x20 | 0x40 | 0x60 | 0x25 | 0x45 | 0x65 | 0x2B | 0x4B | 0x6B => {
                if matches!(ptg & 0x1F, 0x00) {
                    14
                } else {
                    12
                }
            }
            0x22 | 0x42 | 0x62 => {
                if u16_at(rgce, 1).is_some_and(|f| f >= FUNCTIONS) {
                    return Err("calls a function past calamine's table");
                }
                3
            }
            0x21 | 0x41 | 0x61 => {
                if u16_at(rgce, 0) == Some(FUNCTIONS) {
                    return Err("calls a function past calamine's table");
                }
                2
            }
            0x24 | 0x44 | 0x64 | 0x2A | 0x4A | 0x6A | 0x39 | 0x59 | 0x79 => 6,
            0x29 | 0x49 | 0x69 => {
                let cce = u16_at(rgce, 0).ok_or("is cut short")?;
                let inner = rgce.get(2..2 + cce).ok_or("is cut short")?;
                formula_fits(inner, externs)?;
                2 + cce
            }
            _ => return Ok(()),
        };
        rgce = rgce.get(need..).ok_or("is cut short")?;
    }
    Ok(())
}

/// `XlsbCellsReader`: the sheet's dimensions, then each cell record up to BrtEndSheetData.
fn cells(part: &str, bytes: &[u8], strings: u64) -> Result<(), Refusal> {
    let mut r = Records::new(part, bytes);
    let Some(len) = r.next_of(0x0094, &[(0x0081, None), (0x0093, None)]) else {
        return Ok(());
    };
    r.holds(len, 16, "BrtWsDim")?;
    let views = [
        (0x0085, Some(0x0086)),
        (0x0025, Some(0x0026)),
        (0x01E5, None),
        (0x0186, Some(0x0187)),
    ];
    if r.next_of(0x0091, &views).is_none() {
        return Ok(());
    }
    while let (Some(typ), Some(len)) = (r.read_type(), r.fill()) {
        match typ {
            0x0000 => {
                r.holds(len, 4, "BrtRowHdr")?;
                if r.u32_at(0) > 0x0010_0000 {
                    return Ok(());
                }
            }
            0x0002 => r.holds(len, 12, "BrtCellRk")?,
            0x0003 => r.holds(len, 9, "BrtCellError")?,
            0x0004 | 0x000A => r.holds(len, 9, "BrtCellBool")?,
            0x0005 | 0x0009 => r.holds(len, 16, "BrtCellReal")?,
            0x0006 | 0x0008 => r.holds(len, 8, "BrtCellSt")?,
            0x0007 => {
                r.holds(len, 12, "BrtCellIsst")?;
                let isst = r.u32_at(8);
                if u64::from(isst) >= strings {
                    return Err(format!(
                        "{part}: a cell (BrtCellIsst) names shared string {isst}, but the table holds {strings}"
                    ));
                }
            }
            0x0092 => return Ok(()),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "xlsb_records/tests.rs"]
mod tests;
