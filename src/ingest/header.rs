//! Header binding and rows (表头识别): a sheet's first rows are scanned for the row naming
//! fields, its columns are bound to fields, and each data row is handed on as soon as it is
//! complete, so a sheet is never held whole.

mod not_data;
mod path;

use super::marks::{Merge, MergeFill};
use super::{Batch, Handoff, Limits, NotData, RawCell, RawRow, SetAside, Sheet, Stop, MAX_COLUMNS};
use crate::domain::fields::Vocabulary;

/// Rows scanned for a header before a sheet is taken to have none.
const HEADER_SCAN_ROWS: u32 = 10;

/// A sheet's rows in the order they were first seen: (row number, cells).
pub(super) type Buffered = Vec<(u32, Vec<(u32, RawCell)>)>;

/// Collects a sheet's first rows, binds its header, then hands each data row on as soon as it
/// is complete, so a sheet of a million rows is never held whole.
pub(super) struct SheetBuilder<'v> {
    vocab: &'v Vocabulary,
    /// Rows before the header is bound: the scan window and the row after it.
    rows: Buffered,
    /// Rows have arrived in order so far (a reader may deliver them out of order; then the
    /// sheet is buffered whole and sorted, as the batch must not depend on it).
    ordered: bool,
    cells: u64,
    limit: u64,
    state: State,
}

pub(super) enum State {
    Scanning,
    /// The header is bound: the sheet's index in the batch, the row being collected, and rows
    /// that arrived after a later one (sorted and handed on at the end).
    Streaming {
        sheet: usize,
        current: Option<(u32, Vec<(u32, RawCell)>)>,
        late: Buffered,
    },
    /// No header in the scan window: the rows with content, to be reported unread.
    Unread {
        rows: Vec<u32>,
    },
}

/// A sheet being read and where its rows go.
pub(super) struct SheetOut<'a, 'h, 's> {
    file: usize,
    name: &'a str,
    batch: &'a mut Batch,
    to: &'a mut Handoff<'h, 's>,
    /// The column the filter reads, once the header is bound.
    key: Option<u32>,
    /// The sheet's merged ranges, and once the header is bound those over data rows.
    merges: Vec<Merge>,
    fill: MergeFill,
}

impl SheetOut<'_, '_, '_> {
    pub(super) fn new<'a, 'h, 's>(
        file: usize,
        name: &'a str,
        batch: &'a mut Batch,
        to: &'a mut Handoff<'h, 's>,
    ) -> SheetOut<'a, 'h, 's> {
        SheetOut {
            file,
            name,
            batch,
            to,
            key: None,
            merges: Vec::new(),
            fill: MergeFill::default(),
        }
    }

    /// The sheet's merged ranges (see [`super::marks`]).
    pub(super) fn with_merges(mut self, merges: Vec<Merge>) -> Self {
        self.merges = merges;
        self
    }

    /// Whether a row's key text passes the filter (every row does without one).
    pub(super) fn keeps(&self, text: &str) -> bool {
        self.to.filter.is_none_or(|f| (f.keep)(text.trim()))
    }

    /// A column rows may be skipped by before they are decoded, once the header is bound.
    pub(super) fn skip_column(&self) -> Option<u32> {
        self.to.filter.and(self.key)
    }
}

impl<'v> SheetBuilder<'v> {
    pub(super) fn new(vocab: &'v Vocabulary, limits: &Limits) -> Self {
        SheetBuilder {
            vocab,
            rows: Vec::new(),
            ordered: true,
            cells: 0,
            limit: limits.cells_per_sheet,
            state: State::Scanning,
        }
    }

    pub(super) fn push(
        &mut self,
        row: u32,
        col: u32,
        cell: RawCell,
        out: &mut SheetOut<'_, '_, '_>,
    ) -> Result<(), Stop> {
        if col >= MAX_COLUMNS {
            return Ok(());
        }
        self.cells += 1;
        if self.cells > self.limit {
            return Err(Stop::Cells);
        }
        match &mut self.state {
            State::Scanning => {
                match self.rows.last_mut() {
                    Some((r, cells)) if *r == row => cells.push((col, cell)),
                    last => {
                        if last.is_some_and(|(r, _)| *r > row) {
                            self.ordered = false;
                        }
                        self.rows.push((row, vec![(col, cell)]));
                        // The scan window and the row below it are complete once a row after
                        // them starts.
                        if self.ordered && self.rows.len() > HEADER_SCAN_ROWS as usize + 2 {
                            self.bind(true, out);
                        }
                    }
                }
            }
            State::Streaming {
                sheet,
                current,
                late,
            } => match current {
                Some((r, cells)) if *r == row => cells.push((col, cell)),
                Some((r, _)) if *r > row => match late.last_mut() {
                    Some((lr, cells)) if *lr == row => cells.push((col, cell)),
                    _ => late.push((row, vec![(col, cell)])),
                },
                _ => {
                    let sheet = *sheet;
                    if let Some((r, cells)) = current.replace((row, vec![(col, cell)])) {
                        emit(sheet, r, cells, out);
                    }
                }
            },
            State::Unread { rows } => {
                if !is_blank(&cell) && rows.last() != Some(&row) {
                    rows.push(row);
                }
            }
        }
        Ok(())
    }

    fn matches(&self, c: &RawCell) -> bool {
        matches!(c, RawCell::Text(t) if self.vocab.find_header(t).is_some())
    }

    /// Ends the sheet: binds the header if that has not happened, hands on the rows left.
    pub(super) fn finish(mut self, out: &mut SheetOut<'_, '_, '_>) {
        if matches!(self.state, State::Scanning) {
            self.bind(false, out);
        }
        match std::mem::replace(&mut self.state, State::Scanning) {
            State::Scanning => {}
            State::Streaming {
                sheet,
                current,
                late,
            } => {
                if let Some((r, cells)) = current {
                    emit(sheet, r, cells, out);
                }
                for (r, cells) in sort_rows(late) {
                    emit(sheet, r, cells, out);
                }
            }
            State::Unread { mut rows } => {
                rows.sort_unstable();
                rows.dedup();
                if !rows.is_empty() {
                    out.batch
                        .unread
                        .push((out.file, out.name.to_string(), rows));
                }
            }
        }
    }

    /// Finds the header row (the first of the top rows naming at least two fields), binds
    /// the columns and hands on the data rows buffered so far; with `open`, the last buffered
    /// row is still being read and stays as the current row.
    ///
    /// A header may span two rows, as forms with merged header cells have them: a field named
    /// in the row just above, in a column the header row leaves empty (a cell merged down over
    /// both rows keeps its text in the upper one), is taken; and the row just below is a
    /// second header row when it names a field under an empty or unmatched header cell (a
    /// group title merged across) and has nothing under the columns the header row names
    /// (a data row always has).
    fn bind(&mut self, open: bool, out: &mut SheetOut<'_, '_, '_>) {
        let mut rows = sort_rows(std::mem::take(&mut self.rows));
        let header = rows
            .iter()
            .take(HEADER_SCAN_ROWS as usize)
            .position(|(_, cells)| cells.iter().filter(|(_, c)| self.matches(c)).count() >= 2);
        let Some(h) = header else {
            out.batch.skipped.push((out.file, out.name.to_string()));
            let rows = rows
                .iter()
                .filter(|(_, cells)| cells.iter().any(|(_, c)| !is_blank(c)))
                .map(|(r, _)| *r)
                .collect();
            self.state = State::Unread { rows };
            return;
        };
        let header_row = rows[h].0;
        let text = |c: &RawCell| c.show().trim().to_string();
        // Column → header text, from the header row.
        let mut heads: Vec<(u32, String)> = rows[h]
            .1
            .iter()
            .map(|(col, c)| (*col, text(c)))
            .filter(|(_, t)| !t.is_empty())
            .collect();
        let named = |heads: &[(u32, String)], col: u32| {
            heads
                .iter()
                .any(|(c, t)| *c == col && self.vocab.find_header(t).is_some())
        };
        let has = |heads: &[(u32, String)], col: u32| heads.iter().any(|(c, _)| *c == col);
        // The row above: fields in columns the header row leaves empty.
        if h > 0 && rows[h - 1].0 + 1 == header_row {
            let above: Vec<(u32, String)> = rows[h - 1]
                .1
                .iter()
                .filter(|(col, c)| self.matches(c) && !has(&heads, *col))
                .map(|(col, c)| (*col, text(c)))
                .collect();
            heads.extend(above);
        }
        // The row below: a second header row?
        let mut skip = h + 1;
        if let Some((r, below)) = rows.get(h + 1) {
            let under_named = below
                .iter()
                .any(|(col, c)| !is_blank(c) && named(&heads, *col));
            let names_new = below
                .iter()
                .any(|(col, c)| self.matches(c) && !named(&heads, *col));
            if *r == header_row + 1 && names_new && !under_named {
                for (col, c) in below {
                    let t = text(c);
                    if t.is_empty() {
                        continue;
                    }
                    heads.retain(|(hc, _)| hc != col);
                    heads.push((*col, t));
                }
                skip = h + 2;
            }
        }
        let complete = rows.len() - usize::from(open);
        let path::Bound { columns, skip } =
            path::bind_columns(self.vocab, &rows, h, skip, complete, heads);
        // Two columns naming the key field: the later one holds, as when the row is typed.
        out.key = out
            .to
            .filter
            .and_then(|f| {
                columns
                    .iter()
                    .rev()
                    .find(|c| c.field.is_some_and(|m| m.field == f.field))
            })
            .map(|c| c.col);
        if !out.merges.is_empty() {
            out.fill = MergeFill::new(&out.merges, &columns, self.vocab);
        }
        let sheet = out.batch.sheets.len();
        out.batch.sheets.push(Sheet {
            file: out.file,
            name: out.name.to_string(),
            header_row,
            columns,
        });
        let current = if open { rows.pop() } else { None };
        for (row, cells) in rows.into_iter().skip(skip) {
            emit(sheet, row, cells, out);
        }
        self.state = State::Streaming {
            sheet,
            current,
            late: Vec::new(),
        };
    }
}

/// Rows sorted by number, pieces of one row joined, cells of a row sorted by column.
pub(super) fn sort_rows(mut rows: Buffered) -> Buffered {
    rows.sort_by_key(|(r, _)| *r);
    let mut merged: Buffered = Vec::with_capacity(rows.len());
    for (r, cells) in rows {
        match merged.last_mut() {
            Some((last, acc)) if *last == r => acc.extend(cells),
            _ => merged.push((r, cells)),
        }
    }
    for (_, cells) in &mut merged {
        cells.sort_by_key(|(c, _)| *c);
    }
    merged
}

/// Hands a data row on, without its blank cells, if the filter keeps it; a row of blanks is
/// no row.
pub(super) fn emit(
    sheet: usize,
    row: u32,
    mut cells: Vec<(u32, RawCell)>,
    out: &mut SheetOut<'_, '_, '_>,
) {
    out.fill.apply(row, &mut cells);
    cells.retain(|(_, c)| !is_blank(c));
    if cells.is_empty() {
        return;
    }
    if out.to.filter.is_some() {
        let key = out
            .key
            .and_then(|k| cells.iter().find(|(c, _)| *c == k))
            .map(|(_, cell)| cell.show())
            .unwrap_or_default();
        if !out.keeps(&key) {
            return;
        }
    }
    if let Some(reason) = not_data::not_data(&cells, out.batch.sheets[sheet].columns.len()) {
        set_aside(out, row, reason);
        return;
    }
    (out.to.sink)(out.batch, RawRow { sheet, row, cells });
}

/// Lists a row as not data, with the rows of its sheet set aside for the same reason.
fn set_aside(out: &mut SheetOut<'_, '_, '_>, row: u32, reason: NotData) {
    let (file, name) = (out.file, out.name);
    match out.batch.set_aside.last_mut() {
        Some(s)
            if s.file == file && s.sheet == name && s.reason == reason && !s.rows.is_empty() =>
        {
            s.rows.push(row)
        }
        _ => out.batch.set_aside.push(SetAside {
            file,
            sheet: name.to_string(),
            rows: vec![row],
            reason,
        }),
    }
}

pub(super) fn is_blank(c: &RawCell) -> bool {
    matches!(c, RawCell::Text(t) if t.trim().is_empty())
}
