//! `.xlsb` cell records (单元格记录) checked before calamine reads them. calamine 0.38 reads a
//! record into a buffer it reuses and does not look at the record's length: a cell record cut
//! shorter than its type needs takes the rest of its value from the *previous* record — the
//! previous cell's number, silently. This scan walks each worksheet part's records and marks,
//! in the order calamine yields cells, the ones that are too short, so the reader turns them
//! into error cells.

use std::collections::HashMap;
use std::io::Read;

/// The text of a cell whose record was cut short.
pub(in crate::ingest) const TRUNCATED_CELL: &str =
    "单元格记录不完整（文件已损坏），未读入；请在 Excel 中打开、另存为 .xlsx 后重新提交";

/// The bytes a cell record of `typ` needs at least (MS-XLSB 2.4), for the types calamine yields
/// as cells; `None` for the records it skips or reads otherwise.
fn needed(typ: u16) -> Option<usize> {
    match typ {
        0x0002 => Some(12),          // BrtCellRk: cell (8) + RkNumber
        0x0003 | 0x0004 => Some(9),  // BrtCellError, BrtCellBool
        0x0005 => Some(16),          // BrtCellReal: cell + Xnum
        0x0006 | 0x0008 => Some(12), // BrtCellSt, BrtFmlaString: cell + string length
        0x0007 => Some(12),          // BrtCellIsst: cell + index
        0x0009 => Some(16),          // BrtFmlaNum
        0x000A => Some(9),           // BrtFmlaBool
        _ => None,
    }
}

/// Sheet name → part name, as calamine maps them: `xl/` + the relationship target of each
/// BrtBundleSh record of `workbook.bin`, found in `workbook.bin.rels`.
pub(in crate::ingest) fn sheet_parts(workbook: &[u8], rels: &str) -> HashMap<String, String> {
    let targets = relationship_targets(rels);
    let mut out = HashMap::new();
    let mut r = workbook;
    while let Some((typ, len)) = record_head(&mut r) {
        let Some(body) = r.get(..len) else { break };
        r = &r[len..];
        if typ != 0x009C {
            continue;
        }
        let mut at = 8;
        let (Some(id), Some(name)) = (wide(body, &mut at), wide(body, &mut at)) else {
            continue;
        };
        if let Some(target) = targets.get(&id) {
            out.insert(name, format!("xl/{target}"));
        }
    }
    out
}

/// An XLWideString at `at` (a u32 count of UTF-16 units, then the units).
pub(in crate::ingest) fn wide(body: &[u8], at: &mut usize) -> Option<String> {
    let n = u32::from_le_bytes(body.get(*at..*at + 4)?.try_into().ok()?) as usize;
    let units = body.get(*at + 4..(*at + 4).checked_add(n.checked_mul(2)?)?)?;
    *at += 4 + 2 * n;
    Some(String::from_utf16_lossy(
        &units
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    ))
}

/// `Id` → `Target` of each `<Relationship>` of a rels part.
pub(super) fn relationship_targets(rels: &str) -> HashMap<String, String> {
    let attr = |tag: &str, key: &str| -> Option<String> {
        let start = tag.find(&format!(" {key}=\""))? + key.len() + 3;
        let end = tag[start..].find('"')? + start;
        Some(tag[start..end].replace("&amp;", "&"))
    };
    rels.split("<Relationship")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            Some((attr(tag, "Id")?, attr(tag, "Target")?))
        })
        .collect()
}

/// The cells of one worksheet part, in record order: whether each is cut short. Stops where
/// calamine stops (BrtEndSheetData) or where the records end.
pub(in crate::ingest) fn scan_part(bytes: &[u8]) -> Vec<bool> {
    let mut flags = Vec::new();
    let mut r = bytes;
    while let Some((typ, len)) = record_head(&mut r) {
        let Some(body) = r.get(..len) else {
            // The part ends inside the record: calamine fails on it (an error, not a value).
            break;
        };
        r = &r[len..];
        if typ == 0x0092 {
            break;
        }
        if let Some(need) = needed(typ) {
            flags.push(body.len() < need);
        }
    }
    flags
}

/// One record of an xlsb part: its type, the byte its header starts at, its body.
#[derive(Debug, Clone, Copy)]
pub(in crate::ingest) struct XlsbRecord<'a> {
    pub(in crate::ingest) typ: u16,
    pub(in crate::ingest) at: usize,
    pub(in crate::ingest) body: &'a [u8],
}

/// The records of an xlsb part in order, read as calamine reads them; `Err(at)` for a record
/// whose header or body runs past the end of the part (`at`: where its header starts), after
/// which nothing more is read.
pub(in crate::ingest) fn records(
    bytes: &[u8],
) -> impl Iterator<Item = Result<XlsbRecord<'_>, usize>> + '_ {
    let mut r = bytes;
    let mut done = false;
    std::iter::from_fn(move || {
        if done || r.is_empty() {
            return None;
        }
        let at = bytes.len() - r.len();
        let whole = record_head(&mut r).and_then(|(typ, len)| {
            let body = r.get(..len)?;
            r = &r[len..];
            Some(XlsbRecord { typ, at, body })
        });
        done = whole.is_none();
        Some(whole.ok_or(at))
    })
}

/// A record's type and length (variable-length, 7 bits a byte, as calamine reads them).
fn record_head(r: &mut &[u8]) -> Option<(u16, usize)> {
    let mut byte = || -> Option<u8> {
        let mut b = [0u8; 1];
        r.read_exact(&mut b).ok()?;
        Some(b[0])
    };
    let b = byte()?;
    let typ = if b & 0x80 != 0 {
        u16::from(b & 0x7F) + (u16::from(byte()? & 0x7F) << 7)
    } else {
        u16::from(b)
    };
    let mut b = byte()?;
    let mut len = usize::from(b & 0x7F);
    for i in 1..4 {
        if b & 0x80 == 0 {
            break;
        }
        b = byte()?;
        len += usize::from(b & 0x7F) << (7 * i);
    }
    Some((typ, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![typ, body.len() as u8];
        out.extend_from_slice(body);
        out
    }

    /// Issue 12 item 13: a BrtCellReal of 8 bytes (cut before its value) is marked; whole
    /// records and the records calamine skips are not.
    #[test]
    fn marks_cell_records_cut_short() {
        let mut part = record(0x00, &[0; 4]); // BrtRowHdr (row 0)
        part.extend(record(0x05, &[0; 16])); // a whole number cell
        part.extend(record(0x05, &[1, 0, 0, 0, 0, 0, 0, 0])); // cut: the previous value would show
        part.extend(record(0x01, &[0; 8])); // BrtCellBlank: not a cell calamine yields
        part.extend(record(0x02, &[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])); // whole RK
        part.extend(record(0x07, &[3, 0, 0, 0])); // BrtCellIsst cut to its column
        part.extend(record(0x92, &[])); // BrtEndSheetData
        part.extend(record(0x05, &[0; 2])); // after the end: not read
        assert_eq!(scan_part(&part), [false, true, false, true]);
    }

    #[test]
    fn maps_sheet_names_to_parts_as_calamine_does() {
        let wide = |s: &str| {
            let units: Vec<u16> = s.encode_utf16().collect();
            let mut out = (units.len() as u32).to_le_bytes().to_vec();
            out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
            out
        };
        let mut body = vec![0u8; 8];
        body.extend(wide("rId1"));
        body.extend(wide("申报表"));
        let mut workbook = vec![0x9C, 0x01, body.len() as u8];
        workbook.extend(body);
        let rels = r#"<Relationships><Relationship Id="rId1" Type="x" Target="worksheets/sheet1.bin"/></Relationships>"#;
        assert_eq!(
            sheet_parts(&workbook, rels),
            HashMap::from([("申报表".to_string(), "xl/worksheets/sheet1.bin".to_string())])
        );
    }
}
