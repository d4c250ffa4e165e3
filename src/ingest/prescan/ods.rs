//! `.ods`: predicting what calamine builds from `content.xml` (row and column repeats, space
//! runs, clones of long cells) and refusing what it would loop on.

use std::io::Read;
use std::path::Path;

use super::xml::{attr, attr_number, TagScanner, XmlEvent, MAX_TAG_BYTES};
use crate::ingest::{cell_ref, IngestError, Limits};

/// calamine's caps on ods rows and columns (`src/ods.rs`).
pub(in crate::ingest) const ODS_MAX_ROWS: u64 = 1_048_576;
pub(in crate::ingest) const ODS_MAX_COLUMNS: u64 = 16_384;

/// One `table:table-row` as calamine's `read_row` stores it.
#[derive(Debug, Default, Clone)]
pub(in crate::ingest) struct OdsRow {
    repeats: u64,
    /// Cells pushed (expanded columns, except a trailing run of empty cells).
    pushed: u64,
    /// First and last pushed position holding a value.
    first: Option<u64>,
    last: u64,
    /// Text and formula bytes of the pushed cells (each column repeat a clone).
    heap: u64,
    /// An empty cell run not yet pushed.
    pending: u64,
}

#[derive(Debug, Default)]
pub(in crate::ingest) struct OdsCell {
    repeats: u64,
    value: bool,
    heap: u64,
}

#[derive(Debug, Default)]
pub(in crate::ingest) struct OdsTable {
    name: String,
    rows: Vec<(u64, u64, Option<u64>, u64, u64)>,
    total_rows: u64,
    pushed: u64,
    heap: u64,
}

/// The grid calamine's `get_range` builds for a table: (cells, range text, clone bytes).
pub(in crate::ingest) fn ods_grid(t: &OdsTable) -> (u64, String, u64) {
    let filled: Vec<usize> = t
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.2.is_some())
        .map(|(i, _)| i)
        .collect();
    let (Some(&lo), Some(&hi)) = (filled.first(), filled.last()) else {
        return (0, String::new(), 0);
    };
    let col_min = t.rows.iter().filter_map(|r| r.2).min().unwrap_or(0);
    let col_max = t
        .rows
        .iter()
        .filter(|r| r.2.is_some())
        .map(|r| r.3)
        .max()
        .unwrap_or(0);
    let width = col_max + 1 - col_min.min(col_max);
    let before: u64 = t.rows[..lo].iter().map(|r| r.0).sum();
    let rows: u64 = t.rows[lo..=hi]
        .iter()
        .map(|r| r.0)
        .fold(0u64, u64::saturating_add);
    let clones: u64 = t.rows[lo..=hi]
        .iter()
        .map(|r| r.0.saturating_mul(r.4))
        .fold(0u64, u64::saturating_add);
    let range = format!(
        "{}:{}",
        cell_ref(
            before.min(u32::MAX as u64) as u32,
            col_min.min(u32::MAX as u64) as u32
        ),
        cell_ref(
            (before + rows).saturating_sub(1).min(u32::MAX as u64) as u32,
            col_max.min(u32::MAX as u64) as u32
        )
    );
    (rows.saturating_mul(width), range, clones)
}

/// Scans `content.xml` and refuses a file whose tables calamine would expand past the limits
/// (row and column repeats, `text:s` space runs, clones of long cells), or that ends inside a
/// named table or an annotation (calamine's loops over those never see the end of the file
/// and spin for ever). Nesting is followed as calamine follows it: a table, row or cell start
/// inside an open one is content, not a new one.
pub(in crate::ingest) fn ods_scan<R: Read>(
    path: &Path,
    mut part: R,
    limits: &Limits,
) -> Result<(), IngestError> {
    let mut scanner = TagScanner::default();
    let mut table: Option<OdsTable> = None;
    // calamine reads only named tables; it is in `read_table` while one is open.
    let mut named_open = false;
    let mut annotation_open = false;
    let mut row: Option<OdsRow> = None;
    let mut cell: Option<OdsCell> = None;
    let mut grid_total: u64 = 0;
    let mut text_total: u64 = 0;
    let mut problem: Option<IngestError> = None;
    let mut overlong = false;
    let mut buf = vec![0u8; 64 * 1024];
    let dense = |sheet: &str, range: String, cells: u64| IngestError::DenseRange {
        path: path.to_path_buf(),
        sheet: sheet.to_string(),
        range,
        cells,
        limit: limits.dense_cells,
    };
    loop {
        let n = match part.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            // calamine meets the same damage and reports it (an error, not the end of the file).
            Err(_) => return Ok(()),
        };
        scanner.feed(&buf[..n], &mut |ev| {
            if problem.is_some() {
                return;
            }
            match ev {
                XmlEvent::Overlong => overlong = true,
                XmlEvent::Doctype => {
                    problem = Some(IngestError::Damaged {
                        path: path.to_path_buf(),
                        reason: "content.xml carries a DOCTYPE declaration, which OpenDocument files never have (an XML entity bomb?)".into(),
                    })
                }
                XmlEvent::Text(len) => {
                    if let Some(c) = cell.as_mut() {
                        c.heap = c.heap.saturating_add(len as u64);
                    }
                }
                XmlEvent::Start { name, tag, self_closing } => {
                    if let Some(c) = cell.as_mut() {
                        c.heap = c.heap.saturating_add(tag.len() as u64);
                        match name {
                            b"text:s" => c.heap = c.heap.saturating_add(attr_number(tag, b"text:c").unwrap_or(1)),
                            b"text:tab" | b"text:line-break" | b"text:p" => c.heap = c.heap.saturating_add(1),
                            _ => {}
                        }
                    }
                    match name {
                        b"office:annotation" if !self_closing => annotation_open = true,
                        b"table:table" if !self_closing && table.is_none() => {
                            let named = attr(tag, b"table:name");
                            named_open = named.is_some();
                            let name = named.map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
                            table = Some(OdsTable { name, ..OdsTable::default() });
                        }
                        b"table:table-row" if table.is_some() && row.is_none() && cell.is_none() => {
                            let t = table.as_mut().unwrap();
                            let wanted = attr_number(tag, b"table:number-rows-repeated").unwrap_or(1);
                            let repeats = wanted.min(ODS_MAX_ROWS.saturating_sub(t.total_rows));
                            t.total_rows += repeats;
                            row = Some(OdsRow { repeats, ..OdsRow::default() });
                            if self_closing {
                                finish_row(t, row.take().unwrap());
                            }
                        }
                        b"table:table-cell" | b"table:covered-table-cell" if row.is_some() && cell.is_none() => {
                            let has = |a: &[u8]| attr(tag, a).is_some();
                            let value = has(b"office:value")
                                || has(b"office:string-value")
                                || has(b"office:date-value")
                                || has(b"office:time-value")
                                || has(b"office:boolean-value")
                                || has(b"office:value-type")
                                || attr(tag, b"table:formula").is_some_and(|f| !f.is_empty());
                            let c = OdsCell {
                                repeats: attr_number(tag, b"table:number-columns-repeated").unwrap_or(1),
                                value,
                                heap: tag.len() as u64,
                            };
                            if self_closing {
                                push_cell(row.as_mut().unwrap(), c);
                            } else {
                                cell = Some(c);
                            }
                        }
                        _ => {}
                    }
                }
                XmlEvent::End { name } => match name {
                    b"office:annotation" => annotation_open = false,
                    b"table:table-cell" | b"table:covered-table-cell" if cell.is_some() => {
                        let c = cell.take().unwrap();
                        if let Some(r) = row.as_mut() {
                            push_cell(r, c);
                        }
                    }
                    b"table:table-row" if row.is_some() && cell.is_none() => {
                        let r = row.take().unwrap();
                        if let Some(t) = table.as_mut() {
                            finish_row(t, r);
                            // What read_table holds so far: pushed cells and their text.
                            if t.pushed > limits.dense_cells {
                                problem = Some(dense(&t.name, "(cells as stored)".into(), t.pushed));
                            } else if t.heap > limits.text_bytes {
                                problem = Some(IngestError::TooMuchText { path: path.to_path_buf(), limit: limits.text_bytes });
                            }
                        }
                    }
                    b"table:table" if row.is_none() && cell.is_none() => {
                        named_open = false;
                        if let Some(t) = table.take() {
                            let (cells, range, clones) = ods_grid(&t);
                            grid_total = grid_total.saturating_add(cells);
                            text_total = text_total.saturating_add(t.heap).saturating_add(clones);
                            if cells > limits.dense_cells {
                                problem = Some(dense(&t.name, range, cells));
                            } else if grid_total > limits.dense_cells {
                                problem = Some(dense("(all sheets together)", range, grid_total));
                            } else if text_total > limits.text_bytes {
                                problem = Some(IngestError::TooMuchText { path: path.to_path_buf(), limit: limits.text_bytes });
                            }
                        }
                    }
                    _ => {}
                },
            }
        });
        if let Some(p) = problem {
            return Err(p);
        }
        if overlong {
            return Err(IngestError::Damaged {
                path: path.to_path_buf(),
                reason: format!("content.xml holds an XML tag longer than {MAX_TAG_BYTES} bytes"),
            });
        }
    }
    let unfinished = match (&table, annotation_open) {
        (Some(t), _) if named_open => {
            Some(format!("content.xml ends inside the table `{}`", t.name))
        }
        (_, true) => Some("content.xml ends inside a comment (office:annotation)".to_string()),
        _ => None,
    };
    match unfinished {
        Some(reason) => Err(IngestError::Damaged {
            path: path.to_path_buf(),
            reason: format!("{reason}; it was cut short or edited"),
        }),
        None => Ok(()),
    }
}

/// A cell as calamine's `read_row` pushes it: the previous empty run first, then this cell
/// (a value) or a new empty run; at most 16,384 columns a row.
pub(in crate::ingest) fn push_cell(r: &mut OdsRow, c: OdsCell) {
    let room = |r: &OdsRow| ODS_MAX_COLUMNS.saturating_sub(r.pushed);
    let empties = r.pending.min(room(r));
    r.pushed += empties;
    r.pending = 0;
    let n = c.repeats.min(room(r));
    if c.value {
        if n > 0 {
            r.first.get_or_insert(r.pushed);
            r.last = r.pushed + n - 1;
        }
        r.pushed += n;
        r.heap = r.heap.saturating_add(c.heap.saturating_mul(n));
    } else {
        r.pending = n;
    }
}

pub(in crate::ingest) fn finish_row(t: &mut OdsTable, r: OdsRow) {
    t.pushed = t.pushed.saturating_add(r.pushed);
    t.heap = t.heap.saturating_add(r.heap);
    t.rows.push((r.repeats, r.pushed, r.first, r.last, r.heap));
}
