//! What a file is (内容识别): its first bytes are sniffed, not its extension; zip packages are
//! checked from their central directory (parts, unpacked size, compression ratios, the
//! shared-string head) and OLE containers walked strictly ([`ole`]), before calamine sees
//! them. [`BudgetReader`] bounds what calamine may unpack while it reads.

pub(super) mod ole;

use std::cell::Cell as Flag;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

use super::prescan::ods::ods_scan;
use super::prescan::xml::{attr, local_name, TagScanner, XmlEvent};
use super::{IngestError, Limits};

pub(super) const OLE_SIGNATURE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// What a file's first bytes say it is.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Content {
    Zip,
    Ole,
    Empty,
    /// HTML, XML or plain text under a workbook's name: what it is.
    Text(&'static str),
    Unknown,
}

pub(super) fn sniff(bytes: &[u8]) -> Content {
    if bytes.is_empty() {
        return Content::Empty;
    }
    if bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(b"PK\x05\x06")
        || bytes.starts_with(b"PK\x07\x08")
    {
        return Content::Zip;
    }
    if bytes.starts_with(OLE_SIGNATURE) {
        return Content::Ole;
    }
    let head = &bytes[..bytes.len().min(4096)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let lower: Vec<u8> = head
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .map(u8::to_ascii_lowercase)
        .collect();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if lower.starts_with(b"<") && (has(b"<html") || has(b"<table")) {
        return Content::Text("an HTML page");
    }
    if lower.starts_with(b"<?xml") {
        return Content::Text(if has(b"urn:schemas-microsoft-com:office:spreadsheet") {
            "an XML Spreadsheet 2003 file"
        } else {
            "an XML file"
        });
    }
    let binary = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    if binary == 0 && !head.is_empty() {
        return Content::Text("a text file; if it is CSV, rename it to .csv");
    }
    Content::Unknown
}

/// The reader a zip package needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ZipKind {
    Xlsx,
    Xlsb,
    Ods,
}

/// A zip package that passed the central-directory checks.
pub(super) struct ZipPlan {
    pub(super) kind: ZipKind,
    /// Byte ranges of the parts with their unpacking weight, for the read budget.
    pub(super) spans: Vec<(u64, u64, u64)>,
    /// Declared unpacked total.
    pub(super) unpacked: u64,
}

/// A part's name as calamine looks it up: `/` separators, no leading `/`, any case.
pub(super) fn part_key(name: &str) -> String {
    name.replace('\\', "/")
        .trim_start_matches('/')
        .to_ascii_lowercase()
}

/// Checks a zip package from its central directory, then what calamine would reserve or
/// expand from the parts it reads first.
pub(super) fn check_zip(
    path: &Path,
    bytes: &[u8],
    ext: &str,
    limits: &Limits,
) -> Result<ZipPlan, IngestError> {
    let damaged = |reason: String| IngestError::Damaged {
        path: path.to_path_buf(),
        reason,
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        damaged(format!(
            "not a complete zip package: {e}; was it cut short while copying or downloading?"
        ))
    })?;
    if zip.len() > limits.zip_entries {
        return Err(IngestError::TooManyParts {
            path: path.to_path_buf(),
            count: zip.len(),
            limit: limits.zip_entries,
        });
    }
    if let Some(part) = duplicate_part(
        bytes,
        zip.central_directory_start(),
        limits.zip_entries,
        zip.has_duplicate_names(),
    ) {
        return Err(IngestError::DuplicatePart {
            path: path.to_path_buf(),
            part,
        });
    }
    let mut unpacked: u64 = 0;
    let mut parts = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let e = zip.by_index_data(i).map_err(|e| damaged(e.to_string()))?;
        let name = String::from_utf8_lossy(e.name_raw()).into_owned();
        if e.encrypted() {
            return Err(IngestError::Encrypted {
                path: path.to_path_buf(),
            });
        }
        let (size, packed) = (e.size(), e.compressed_size());
        unpacked = unpacked.saturating_add(size);
        parts.push((name, size, packed, e.header_start()));
    }
    if unpacked > limits.unpacked_bytes {
        return Err(IngestError::Unpacked {
            path: path.to_path_buf(),
            size: unpacked,
            limit: limits.unpacked_bytes,
        });
    }
    for (name, size, packed, _) in &parts {
        let key = part_key(name);
        if (key.ends_with("sharedstrings.xml") || key.ends_with("sharedstrings.bin"))
            && *size > limits.shared_strings_bytes
        {
            return Err(IngestError::PartTooLarge {
                path: path.to_path_buf(),
                part: name.clone(),
                size: *size,
                limit: limits.shared_strings_bytes,
            });
        }
        if *size > limits.ratio_checked_from
            && *size > packed.saturating_mul(limits.compression_ratio)
        {
            let ratio = size / (*packed).max(1);
            return Err(IngestError::Ratio {
                path: path.to_path_buf(),
                part: name.clone(),
                ratio,
                limit: limits.compression_ratio,
            });
        }
    }
    // Each part's bytes run from its local header to the next boundary: another part, the
    // central directory or the end of the file (parts may sit after the directory).
    let mut starts: Vec<(u64, u64)> = parts
        .iter()
        .map(|(_, size, packed, start)| (*start, size.div_ceil((*packed).max(1)).max(1)))
        .collect();
    starts.sort_unstable();
    let mut bounds: Vec<u64> = starts
        .iter()
        .map(|s| s.0)
        .chain([zip.central_directory_start(), bytes.len() as u64])
        .collect();
    bounds.sort_unstable();
    let spans = starts
        .iter()
        .map(|&(start, weight)| {
            let end = bounds[bounds.partition_point(|b| *b <= start)..]
                .first()
                .copied()
                .unwrap_or(bytes.len() as u64);
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
            return Err(IngestError::Unsupported {
                path: path.to_path_buf(),
                reason: "a zip archive that holds no workbook".into(),
            });
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
                        return Err(IngestError::SharedStrings {
                            path: path.to_path_buf(),
                            count,
                            limit: limits.shared_strings,
                        });
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
    Ok(ZipPlan {
        kind,
        spans,
        unpacked,
    })
}

/// The name of a part the central directory lists twice (as calamine looks parts up: any case,
/// either slash), if any. Readers disagree on which of two same-named parts they take (the zip
/// crate keeps one, a repair tool the other), so such a package is refused. `known` is the zip
/// crate's own finding, for a directory this walk cannot follow.
pub(super) fn duplicate_part(
    bytes: &[u8],
    directory: u64,
    max_entries: usize,
    known: bool,
) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    let mut at = usize::try_from(directory).ok()?;
    for _ in 0..=max_entries {
        let Some(record) = bytes.get(at..at.checked_add(46)?) else {
            break;
        };
        if record[..4] != [0x50, 0x4B, 0x01, 0x02] {
            break;
        }
        let len = |o: usize| usize::from(u16::from_le_bytes([record[o], record[o + 1]]));
        let (name_len, extra, comment) = (len(28), len(30), len(32));
        let Some(name) = bytes.get(at + 46..at + 46 + name_len) else {
            break;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        if !seen.insert(part_key(&name)) {
            return Some(name);
        }
        at += 46 + name_len + extra + comment;
    }
    known.then(|| "?".to_string())
}

/// How much of a shared-string part is read to find its `<sst>` tag.
pub(super) const SST_HEAD_BYTES: u64 = 64 * 1024;

/// The `uniqueCount` of an xlsx shared-string table's `<sst>` tag, as calamine would read it
/// (digits only; anything else is ignored by calamine too), saturating on overflow: `Ok(None)`
/// when there is none. `Err` when the head carries a DOCTYPE (never in a workbook, and where
/// it ends is where parsers may disagree) or, when the part is longer than the head, holds no
/// complete `<sst>` tag.
pub(super) fn declared_shared_strings(
    head: &[u8],
    whole: bool,
) -> Result<Option<u64>, &'static str> {
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
                v.iter().fold(0u64, |n, d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                })
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
pub(super) struct BudgetReader<'a> {
    data: &'a [u8],
    pos: u64,
    spans: Vec<(u64, u64, u64)>,
    spent: u64,
    budget: u64,
    pub(super) exceeded: Rc<Flag<bool>>,
}

impl<'a> BudgetReader<'a> {
    pub(super) fn new(data: &'a [u8], spans: Vec<(u64, u64, u64)>, budget: u64) -> Self {
        BudgetReader {
            data,
            pos: 0,
            spans,
            spent: 0,
            budget,
            exceeded: Rc::new(Flag::new(false)),
        }
    }

    pub(super) fn cost(&self, from: u64, to: u64) -> u64 {
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
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start",
            ));
        }
        self.pos = target.min(u64::MAX as i128) as u64;
        Ok(self.pos)
    }
}
