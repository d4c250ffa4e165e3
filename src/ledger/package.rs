//! `ledger.xlsx` put together from workbooks saved apart (一个台账，分开压缩). rust_xlsxwriter
//! deflates a workbook's parts one after another when it saves; the long line sheets are most
//! of the bytes, so they are written into workbooks of their own that are saved — deflated —
//! on the threads that wrote them, side by side on the cores. This module then copies the
//! parts, still compressed, into one package in the order of the main workbook's: each part's
//! local record (header, data, descriptor) byte for byte, the central directory with each
//! record's offset moved. Every workbook is saved by the same library with the same settings,
//! and a part's record holds no offset, so the package is the one a single save would give,
//! byte for byte. This module owns the zip container of `ledger.xlsx`; the XML and the
//! compression stay rust_xlsxwriter's.

use std::io::{Read, Seek, SeekFrom, Write};

/// Local file header signature (APPNOTE 4.3.7).
const LOCAL: u32 = 0x0403_4b50;
/// Central directory file header signature (APPNOTE 4.3.12).
const CENTRAL: u32 = 0x0201_4b50;
/// End of central directory signature (APPNOTE 4.3.16).
const END: u32 = 0x0605_4b50;
/// Fixed lengths of a central record and of the end record.
const CENTRAL_LEN: usize = 46;
const END_LEN: usize = 22;
/// Where a central record keeps its local header's offset.
const OFFSET_AT: usize = 42;

/// Why saved workbooks could not be put together.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("cannot assemble ledger.xlsx: {what} is not a package this program wrote ({why})")]
    Malformed { what: &'static str, why: String },
    #[error("cannot assemble ledger.xlsx: {what} has no part {part}")]
    MissingPart { what: &'static str, part: String },
    #[error("cannot assemble ledger.xlsx: {0}")]
    Io(#[from] std::io::Error),
}

/// One part of a saved package: its name, where its local record lies, its central record.
struct Part {
    name: String,
    start: u64,
    end: u64,
    central: Vec<u8>,
}

/// A saved workbook: in memory or in a temporary file.
pub trait Saved: Read + Seek {}

impl<T: Read + Seek> Saved for T {}

/// A saved workbook and the parts of it that the package takes.
pub struct Source<'a> {
    /// What it is, for messages ("the main workbook").
    pub what: &'static str,
    pub reader: &'a mut dyn Saved,
    /// Names of the parts taken from this source; empty: every part not taken from another.
    pub parts: Vec<String>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Reads the central directory of a package; parts in the order they were written.
fn parts_of(what: &'static str, r: &mut dyn Saved) -> Result<(Vec<Part>, Vec<u8>), PackageError> {
    let bad = |why: &str| PackageError::Malformed {
        what,
        why: why.to_string(),
    };
    let len = r.seek(SeekFrom::End(0))?;
    // No comment is written: the end record is the last 22 bytes.
    if len < END_LEN as u64 {
        return Err(bad("too short"));
    }
    let mut end = vec![0u8; END_LEN];
    r.seek(SeekFrom::Start(len - END_LEN as u64))?;
    r.read_exact(&mut end)?;
    if u32_at(&end, 0) != END || u16_at(&end, 20) != 0 {
        return Err(bad("no end record at its end"));
    }
    let count = usize::from(u16_at(&end, 10));
    let (size, offset) = (u64::from(u32_at(&end, 12)), u64::from(u32_at(&end, 16)));
    // ZIP64 markers: a package this large is never written (a sheet holds 1,048,576 rows).
    if count == 0xFFFF
        || size == 0xFFFF_FFFF
        || offset == 0xFFFF_FFFF
        || offset + size + END_LEN as u64 != len
    {
        return Err(bad(
            "its central directory is not where its end record says",
        ));
    }
    let mut dir = vec![0u8; size as usize];
    r.seek(SeekFrom::Start(offset))?;
    r.read_exact(&mut dir)?;
    let mut parts: Vec<Part> = Vec::with_capacity(count);
    let mut at = 0usize;
    for _ in 0..count {
        if dir.len() < at + CENTRAL_LEN || u32_at(&dir, at) != CENTRAL {
            return Err(bad("a central record is cut short"));
        }
        let var = usize::from(u16_at(&dir, at + 28))
            + usize::from(u16_at(&dir, at + 30))
            + usize::from(u16_at(&dir, at + 32));
        let next = at + CENTRAL_LEN + var;
        if dir.len() < next {
            return Err(bad("a central record is cut short"));
        }
        let start = u64::from(u32_at(&dir, at + OFFSET_AT));
        if start == 0xFFFF_FFFF || parts.last().is_some_and(|p| p.start >= start) {
            return Err(bad("its parts are not in order"));
        }
        let name_len = usize::from(u16_at(&dir, at + 28));
        let name = String::from_utf8_lossy(&dir[at + CENTRAL_LEN..at + CENTRAL_LEN + name_len]);
        parts.push(Part {
            name: name.into_owned(),
            start,
            end: offset,
            central: dir[at..next].to_vec(),
        });
        at = next;
    }
    if at != dir.len() {
        return Err(bad("its central directory holds more than its records"));
    }
    // A part's local record runs to the next part's (the last one's to the directory).
    for i in 1..parts.len() {
        parts[i - 1].end = parts[i].start;
    }
    Ok((parts, end))
}

/// Writes to `out` the package of `sources[0]` (the main workbook) with each part named by a
/// later source taken from that source instead: the parts in the main workbook's order, each
/// copied as saved.
pub fn assemble(mut sources: Vec<Source<'_>>, out: &mut dyn Write) -> Result<(), PackageError> {
    let mut read = Vec::with_capacity(sources.len());
    for s in sources.iter_mut() {
        read.push(parts_of(s.what, s.reader)?);
    }
    let Some((main, end)) = read.first() else {
        return Ok(());
    };
    let mut central = Vec::new();
    let mut offset = 0u64;
    for part in main {
        // The source the part is taken from: the one naming it, else the main workbook.
        let from = (1..sources.len())
            .find(|&i| sources[i].parts.contains(&part.name))
            .unwrap_or(0);
        let found = read[from].0.iter().find(|p| p.name == part.name);
        let Some(p) = found else {
            return Err(PackageError::MissingPart {
                what: sources[from].what,
                part: part.name.clone(),
            });
        };
        let reader = &mut *sources[from].reader;
        reader.seek(SeekFrom::Start(p.start))?;
        let mut head = [0u8; 4];
        reader.read_exact(&mut head)?;
        if u32::from_le_bytes(head) != LOCAL {
            return Err(PackageError::Malformed {
                what: sources[from].what,
                why: format!("part {} has no local header", p.name),
            });
        }
        out.write_all(&head)?;
        let copied = std::io::copy(&mut reader.take(p.end - p.start - 4), out)?;
        if copied != p.end - p.start - 4 {
            return Err(PackageError::Malformed {
                what: sources[from].what,
                why: format!("part {} is cut short", p.name),
            });
        }
        let mut record = p.central.clone();
        let at = u32::try_from(offset).map_err(|_| PackageError::Malformed {
            what: "the assembled package",
            why: "it would pass 4 GiB".into(),
        })?;
        record[OFFSET_AT..OFFSET_AT + 4].copy_from_slice(&at.to_le_bytes());
        central.extend_from_slice(&record);
        offset += p.end - p.start;
    }
    let mut end = end.clone();
    let size = u32::try_from(central.len()).unwrap_or(u32::MAX);
    let at = u32::try_from(offset).map_err(|_| PackageError::Malformed {
        what: "the assembled package",
        why: "it would pass 4 GiB".into(),
    })?;
    end[12..16].copy_from_slice(&size.to_le_bytes());
    end[16..20].copy_from_slice(&at.to_le_bytes());
    out.write_all(&central)?;
    out.write_all(&end)?;
    Ok(())
}

#[cfg(test)]
#[path = "package/tests.rs"]
mod tests;
