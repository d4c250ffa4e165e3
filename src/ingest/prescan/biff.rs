//! Walks an `.xls` workbook stream as calamine (`src/xls.rs`) will when it opens the file, and
//! refuses it when calamine would reserve or build more than the limits: a DIMENSIONS record
//! declaring more than a whole sheet, a used range past [`Limits::dense_cells`], more cells than
//! [`Limits::cells_per_sheet`], text clones past [`Limits::text_bytes`], sheets whose record
//! walks overlap (each re-read in full). Where calamine would stop with an error, the walk
//! stops too and leaves the message to calamine.

use std::path::Path;

use crate::ingest::{cell_ref, IngestError, Limits, XLS_MAX_DECLARED_CELLS};

pub(in crate::ingest) struct Record<'a> {
    pub(in crate::ingest) typ: u16,
    pub(in crate::ingest) data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

/// calamine's `RecordIter`: a record and the CONTINUE records after it.
pub(in crate::ingest) struct Records<'a> {
    stream: &'a [u8],
    /// Bytes walked, for the overlap budget.
    walked: u64,
}

impl<'a> Records<'a> {
    /// The records of a stream from its start.
    pub(in crate::ingest) fn of(stream: &'a [u8]) -> Self {
        Records { stream, walked: 0 }
    }
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

pub(in crate::ingest) fn u16_at(b: &[u8], i: usize) -> u32 {
    u32::from(u16::from_le_bytes([b[i], b[i + 1]]))
}

pub(in crate::ingest) fn u32_at(b: &[u8], i: usize) -> u32 {
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
        let runs = if flags & 8 != 0 {
            take(&segs, &mut seg, &mut off, 2)
                .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))?
        } else {
            0
        };
        let ext = if flags & 4 != 0 {
            take(&segs, &mut seg, &mut off, 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)?
        } else {
            0
        };
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
pub(in crate::ingest) fn sheet_name(data: &[u8]) -> String {
    let s = data.get(6..).unwrap_or(&[]);
    let Some((&cch, rest)) = s.split_first() else {
        return String::new();
    };
    let cch = cch as usize;
    match rest.split_first() {
        Some((&flags, chars)) => biff_chars(chars, cch, flags),
        None => String::new(),
    }
}

/// The `cch` characters of a BIFF8 string after its flags byte: UTF-16 when the flags' low
/// bit is set, else one byte a character.
pub(in crate::ingest) fn biff_chars(chars: &[u8], cch: usize, flags: u8) -> String {
    if flags & 1 != 0 {
        let units: Vec<u16> = chars
            .chunks_exact(2)
            .take(cch)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        chars.iter().take(cch).map(|&b| char::from(b)).collect()
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
    b.map(|(r0, c0, r1, c1)| u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1))
        .unwrap_or(0)
}

fn range(b: Option<(u32, u32, u32, u32)>) -> String {
    b.map(|(r0, c0, r1, c1)| format!("{}:{}", cell_ref(r0, c0), cell_ref(r1, c1)))
        .unwrap_or_default()
}

pub fn check(path: &Path, stream: &[u8], limits: &Limits) -> Result<(), IngestError> {
    let damaged = |reason: String| IngestError::Damaged {
        path: path.to_path_buf(),
        reason,
    };
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
                return Err(IngestError::Encrypted {
                    path: path.to_path_buf(),
                });
            }
            0x0085 => {
                // A record too short is left to calamine (it panics on it; the panic is
                // caught and reported, and the corpus keeps such a file to prove it).
                if r.data.len() < 6 {
                    break;
                }
                let (pos, name) = (u32_at(r.data, 0) as usize, sheet_name(r.data));
                if pos > stream.len() {
                    return Err(damaged(format!(
                        "sheet `{name}` starts past the end of the workbook stream"
                    )));
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
                    let declared = if r.data.len() >= 8 {
                        u64::from(u32_at(r.data, 4))
                    } else {
                        0
                    };
                    return Err(IngestError::SharedStrings {
                        path: path.to_path_buf(),
                        count: held.max(declared),
                        limit: limits.shared_strings,
                    });
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
        let mut records = Records {
            stream: sub,
            walked: 0,
        };
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
                    let (start, end) = if rl >= 1 && cl >= 1 {
                        ((rf, cf), (rl - 1, cl - 1))
                    } else {
                        ((rf, cf), (rf, cf))
                    };
                    let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
                    let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
                    let declared = rows.saturating_mul(cols);
                    if declared > XLS_MAX_DECLARED_CELLS {
                        let text = format!(
                            "{}:{} (declared)",
                            cell_ref(start.0, start.1),
                            cell_ref(end.0, end.1)
                        );
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
                    let cce = if d.len() >= 22 {
                        u16_at(d, 20) as usize
                    } else {
                        usize::MAX
                    };
                    if cce > d.len().saturating_sub(22) {
                        return Err(damaged(format!("a formula in sheet `{name}` is cut short")));
                    }
                    fmla = cell_at(0);
                    ext.cells += 1;
                    widen(&mut ext.values, fmla.0, fmla.1, fmla.0, fmla.1);
                    ext.text = ext
                        .text
                        .saturating_add((d.len() as u64 - 20) * formula_factor + 64);
                }
                0x0207 => {
                    ext.cells += 1;
                    widen(&mut ext.values, fmla.0, fmla.1, fmla.0, fmla.1);
                    ext.text = ext.text.saturating_add(
                        2 * d.len() as u64 + r.cont.iter().map(|c| 2 * c.len() as u64).sum::<u64>(),
                    );
                }
                0x000A => break,
                _ => {}
            }
            if ext.cells > limits.cells_per_sheet {
                return Err(IngestError::TooManyCells {
                    path: path.to_path_buf(),
                    sheet: name.clone(),
                    limit: limits.cells_per_sheet,
                });
            }
        }
        walked += records.walked;
        // Formula cells lie inside the value range, so its area bounds both grids.
        if area(ext.values) > limits.dense_cells {
            return Err(dense(
                name,
                range(ext.values),
                area(ext.values),
                limits.dense_cells,
            ));
        }
        grid_total = grid_total.saturating_add(area(ext.values));
        if grid_total > limits.dense_cells {
            return Err(dense(
                "(all sheets together)",
                range(ext.values),
                grid_total,
                limits.dense_cells,
            ));
        }
        text_total = text_total.saturating_add(ext.text);
        if text_total > limits.text_bytes {
            return Err(IngestError::TooMuchText {
                path: path.to_path_buf(),
                limit: limits.text_bytes,
            });
        }
    }
    Ok(())
}
