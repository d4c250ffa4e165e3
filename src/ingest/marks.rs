//! What a sheet shows beyond its cells' values (单元格格式与合并单元格): the cells shown as
//! percents and the merged ranges, gathered per format (xlsx from calamine's styles and merge
//! list, xls from the BIFF records in [`biff`] and calamine's MERGEDCELLS, xlsb from its
//! styles and sheet parts in [`xlsb`], ods from `content.xml` in [`ods`]), and what a merged
//! range means for the data rows it covers, the same for every format.
//!
//! A merged cell holds its value in its first (top-left) cell; the cells it covers are empty.
//! Merged down over several data rows (an enterprise's several project rows):
//!
//! * a cell that names or describes (identity, text, a date, a yes/no, a choice, a year, a
//!   rate) says the same of each row it covers, so each of those rows gets its value;
//! * a cell of an amount, a quantity or a count is ambiguous — each row's own figure, or the
//!   total of the rows? — so each row it covers gets an error cell naming the merged range
//!   (an exception with its file, sheet and cell), never a guess.
//!
//! Merged header cells are the header's business ([`super::header`]): only data rows are
//! filled here.

pub(super) mod biff;
pub(super) mod ods;
pub(super) mod xlsb;

use std::collections::HashMap;

use super::header::is_blank;
use super::percent::PercentCells;
use super::{cell_ref, Column, RawCell};
use crate::domain::fields::{FieldType, Vocabulary};

/// A merged range of a sheet, 0-based and inclusive (合并区域).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Merge {
    pub(super) first: (u32, u32),
    pub(super) last: (u32, u32),
}

impl Merge {
    /// `A5:A8`.
    pub(super) fn range(&self) -> String {
        format!(
            "{}:{}",
            cell_ref(self.first.0, self.first.1),
            cell_ref(self.last.0, self.last.1)
        )
    }

    fn covers_row(&self, row: u32) -> bool {
        (self.first.0..=self.last.0).contains(&row)
    }
}

/// The cells of one sheet shown as percents, and its merged ranges.
#[derive(Debug, Default, Clone)]
pub(super) struct SheetMarks {
    pub(super) percent: PercentCells,
    pub(super) merges: Vec<Merge>,
}

/// What a cell merged down over data rows means for each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spread {
    /// The value holds for each row (names, texts, dates, rates …).
    Each,
    /// Per row or the total of the rows cannot be told (amounts, quantities, counts).
    Ambiguous,
}

/// Whether a field's cell merged down applies to each row or is ambiguous.
fn spread(ty: FieldType) -> Spread {
    match ty {
        FieldType::Money | FieldType::Quantity | FieldType::Integer => Spread::Ambiguous,
        FieldType::Percent
        | FieldType::Year
        | FieldType::Date
        | FieldType::Bool
        | FieldType::Enum
        | FieldType::Text => Spread::Each,
    }
}

/// The reason given for each row a merged amount covers.
pub(super) fn ambiguous_reason(merge: &Merge) -> String {
    format!(
        "合并单元格 {}（跨 {} 行）：金额或数量合并在几行上，是每行各自的数还是几行的合计不能确定；请取消合并，在每行填写各自的数值",
        merge.range(),
        merge.last.0 - merge.first.0 + 1
    )
}

/// The cell a merged amount gives a row it covers: refused, showing what the cell holds.
fn ambiguous(merge: &Merge, shown: String) -> RawCell {
    RawCell::Refused {
        shown,
        reason: ambiguous_reason(merge),
    }
}

/// One merged range over data rows of a bound column, and the value of its first cell once
/// that row is read.
#[derive(Debug)]
struct Down {
    merge: Merge,
    spread: Spread,
    value: Option<RawCell>,
}

/// The merged ranges of a sheet that reach down over rows in bound columns, by column, each
/// column's ranges sorted by first row; applied to the data rows as they are handed on.
#[derive(Debug, Default)]
pub(super) struct MergeFill {
    by_column: HashMap<u32, Vec<Down>>,
}

impl MergeFill {
    /// The ranges of `merges` that span rows and start in a column bound to a field.
    pub(super) fn new(merges: &[Merge], columns: &[Column], vocab: &Vocabulary) -> Self {
        let mut by_column: HashMap<u32, Vec<Down>> = HashMap::new();
        for m in merges.iter().filter(|m| m.last.0 > m.first.0) {
            let field = columns
                .iter()
                .find(|c| c.col == m.first.1)
                .and_then(|c| c.field);
            let Some(field) = field else { continue };
            by_column.entry(m.first.1).or_default().push(Down {
                merge: *m,
                spread: spread(vocab.get(field.field).ty),
                value: None,
            });
        }
        for downs in by_column.values_mut() {
            downs.sort_by_key(|d| (d.merge.first.0, d.merge.last.0));
        }
        MergeFill { by_column }
    }

    /// Applies the ranges covering `row` to its cells (sorted by column, blanks kept): the
    /// first row of a range keeps its value (an ambiguous amount becomes an error cell); a
    /// row below it that holds anything else gets the value, or the error cell. A range whose
    /// first cell is not a data row (it starts in the header) or is blank gives nothing.
    pub(super) fn apply(&mut self, row: u32, cells: &mut Vec<(u32, RawCell)>) {
        if self.by_column.is_empty() {
            return;
        }
        // Columns this row is covered in (below a range's first row): a row holding nothing
        // else is a blank row inside the range, not a row to fill.
        let covered: Vec<u32> = self
            .by_column
            .iter()
            .filter(|(_, downs)| covering(downs, row).is_some_and(|i| downs[i].merge.first.0 < row))
            .map(|(col, _)| *col)
            .collect();
        let own = cells
            .iter()
            .any(|(c, v)| !covered.contains(c) && !is_blank(v));
        let mut pushed = false;
        for (&col, downs) in self.by_column.iter_mut() {
            let Some(down) = covering(downs, row).and_then(|i| downs.get_mut(i)) else {
                continue;
            };
            let here = cells.iter().position(|(c, _)| *c == col);
            if row == down.merge.first.0 {
                let Some(i) = here.filter(|&i| !is_blank(&cells[i].1)) else {
                    continue;
                };
                down.value = Some(cells[i].1.clone());
                if down.spread == Spread::Ambiguous {
                    cells[i].1 = ambiguous(&down.merge, cells[i].1.show());
                }
                continue;
            }
            let Some(value) = down.value.as_ref().filter(|_| own) else {
                continue;
            };
            let filled = match down.spread {
                Spread::Each => value.clone(),
                // A covered cell holds nothing of its own.
                Spread::Ambiguous => ambiguous(&down.merge, String::new()),
            };
            match here {
                Some(i) if is_blank(&cells[i].1) => cells[i].1 = filled,
                // A value in a covered cell (an ods covered cell may keep one) is the file's
                // own; only an ambiguous range overrides it.
                Some(i) if down.spread == Spread::Ambiguous => cells[i].1 = filled,
                Some(_) => {}
                None => {
                    cells.push((col, filled));
                    pushed = true;
                }
            }
        }
        if pushed {
            cells.sort_by_key(|(c, _)| *c);
        }
    }
}

/// The range of a column (sorted by first row) that covers `row`: the last one starting at or
/// above it, if it reaches down to it.
fn covering(downs: &[Down], row: u32) -> Option<usize> {
    let i = downs
        .partition_point(|d| d.merge.first.0 <= row)
        .checked_sub(1)?;
    downs[i].merge.covers_row(row).then_some(i)
}

#[cfg(test)]
#[path = "marks/tests.rs"]
mod tests;
