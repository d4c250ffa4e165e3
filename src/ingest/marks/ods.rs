//! `.ods` percent cells and merged ranges, from `content.xml`: a cell of
//! `office:value-type="percentage"` is shown as a percent (its data style is a
//! `number:percentage-style`); `table:number-rows-spanned` / `table:number-columns-spanned`
//! give a merged range. Positions count repeated rows and columns as calamine does, so they
//! match the cells it yields. The part was pre-checked ([`crate::ingest::prescan::ods`]):
//! its repeats are bounded, and nesting is followed the same way (a table, row or cell start
//! inside an open cell is content).

use std::collections::HashMap;
use std::io::Read;

use super::{Merge, SheetMarks};
use crate::ingest::prescan::ods::{ODS_MAX_COLUMNS, ODS_MAX_ROWS};
use crate::ingest::prescan::xml::{attr, attr_number, TagScanner, XmlEvent};

/// A table being scanned: its name, the row being read and its repeats, the next column.
#[derive(Default)]
struct Table {
    name: String,
    marks: SheetMarks,
    row: u64,
    repeats: u64,
    col: u64,
    in_row: bool,
}

/// An attribute's text with the five predefined XML entities resolved (sheet names).
fn unescape(v: &[u8]) -> String {
    String::from_utf8_lossy(v)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn at(n: u64, cap: u64) -> u32 {
    n.min(cap).min(u64::from(u32::MAX)) as u32
}

impl Table {
    /// A cell start tag: its percent type and its span, at the current position.
    fn cell(&mut self, tag: &[u8]) {
        let cols = attr_number(tag, b"table:number-columns-repeated")
            .unwrap_or(1)
            .max(1);
        if attr(tag, b"office:value-type") == Some(b"percentage") {
            let rows = self.row..self.row.saturating_add(self.repeats).min(ODS_MAX_ROWS);
            let end = self.col.saturating_add(cols).min(ODS_MAX_COLUMNS);
            for r in rows {
                for c in self.col..end {
                    self.marks
                        .percent
                        .insert((at(r, ODS_MAX_ROWS), at(c, ODS_MAX_COLUMNS)));
                }
            }
        }
        let spanned = |name: &[u8]| attr_number(tag, name).unwrap_or(1).max(1);
        let (down, across) = (
            spanned(b"table:number-rows-spanned"),
            spanned(b"table:number-columns-spanned"),
        );
        if down > 1 || across > 1 {
            let last_row = self.row.saturating_add(down - 1);
            let last_col = self.col.saturating_add(across - 1);
            self.marks.merges.push(Merge {
                first: (at(self.row, ODS_MAX_ROWS), at(self.col, ODS_MAX_COLUMNS)),
                last: (at(last_row, ODS_MAX_ROWS), at(last_col, ODS_MAX_COLUMNS)),
            });
        }
        self.col = self.col.saturating_add(cols);
    }
}

/// The percent cells and merged ranges of each named table of `content.xml`.
pub(in crate::ingest) fn sheet_marks<R: Read>(mut part: R) -> HashMap<String, SheetMarks> {
    let mut scanner = TagScanner::default();
    let mut out: HashMap<String, SheetMarks> = HashMap::new();
    let mut table: Option<Table> = None;
    let mut in_cell = false;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match part.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        scanner.feed(&buf[..n], &mut |ev| match ev {
            XmlEvent::Start {
                name,
                tag,
                self_closing,
            } => match (name, table.as_mut()) {
                (b"table:table", None) if !self_closing => {
                    table = attr(tag, b"table:name").map(|n| Table {
                        name: unescape(n),
                        ..Table::default()
                    });
                }
                (b"table:table-row", Some(t)) if !in_cell && !t.in_row => {
                    t.repeats = attr_number(tag, b"table:number-rows-repeated")
                        .unwrap_or(1)
                        .max(1);
                    t.col = 0;
                    t.in_row = !self_closing;
                    if self_closing {
                        t.row = t.row.saturating_add(t.repeats);
                    }
                }
                (b"table:table-cell" | b"table:covered-table-cell", Some(t))
                    if t.in_row && !in_cell =>
                {
                    t.cell(tag);
                    in_cell = !self_closing;
                }
                _ => {}
            },
            XmlEvent::End { name } => match (name, table.as_mut()) {
                (b"table:table-cell" | b"table:covered-table-cell", Some(_)) => in_cell = false,
                (b"table:table-row", Some(t)) if !in_cell && t.in_row => {
                    t.in_row = false;
                    t.row = t.row.saturating_add(t.repeats);
                }
                (b"table:table", Some(t)) if !in_cell && !t.in_row => {
                    if let Some(t) = table.take() {
                        out.insert(t.name, t.marks);
                    }
                }
                _ => {}
            },
            _ => {}
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader handing out 7 bytes at a time.
    struct Chunks<'a>(&'a [u8]);

    impl Read for Chunks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(7);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn percent_cells_and_spans_are_placed_with_repeats_counted() {
        let xml = br#"<office:spreadsheet><table:table table:name="A&amp;B">
<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"/>
<table:table-cell office:value-type="percentage" office:value="0.03"><text:p>3%</text:p></table:table-cell>
<table:table-cell table:number-rows-spanned="3" office:value-type="string"><text:p>x</text:p></table:table-cell>
</table:table-row>
<table:table-row><table:covered-table-cell table:number-columns-repeated="3"/><table:covered-table-cell/></table:table-row>
</table:table><table:table table:name="B"/></office:spreadsheet>"#;
        // Read in small chunks: tags cut across reads are joined.
        let marks = sheet_marks(Chunks(&xml[..]));
        let a = &marks["A&B"];
        assert_eq!(a.percent.iter().copied().collect::<Vec<_>>(), [(2, 2)]);
        assert_eq!(
            a.merges,
            [Merge {
                first: (2, 3),
                last: (4, 3)
            }]
        );
        assert_eq!(a.merges[0].range(), "D3:D5");
    }
}
