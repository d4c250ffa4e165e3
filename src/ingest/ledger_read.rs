//! Reading tables back (读回台账与历史): ledgers for `verify` and `reconcile`, payout histories
//! and payment lists, as grids or text rows, within the default limits.

use std::path::{Path, PathBuf};

use super::csv::decode_text;
use super::workbook::{cell_sheets, open_checked, stopped, visit_sheet, Opened};
use super::{
    expand_inputs, extension, guarded, read_bounded, IngestError, Limits, RawCell, Stop, TextBudget,
};

/// A sheet as rows of cells, empty cells `None`, within `limits.cells_per_sheet` slots.
pub(super) type Grid = Vec<Vec<Option<RawCell>>>;

pub(super) fn read_sheet_grid(
    opened: &mut Opened<'_>,
    path: &Path,
    name: &str,
    limits: &Limits,
) -> Result<Grid, IngestError> {
    let mut grid: Grid = Vec::new();
    let mut slots: u64 = 0;
    let mut text = TextBudget::new(limits);
    let limit = limits.cells_per_sheet;
    let outcome = visit_sheet(opened, path, name, &mut |r, c, v| {
        let (r, c) = (r as usize, c as usize);
        let v = text.admit(v)?;
        if r >= grid.len() {
            slots += (r + 1 - grid.len()) as u64;
            if slots > limit {
                return Err(Stop::Cells);
            }
            grid.resize_with(r + 1, Vec::new);
        }
        let row = &mut grid[r];
        if c >= row.len() {
            slots += (c + 1 - row.len()) as u64;
            if slots > limit {
                return Err(Stop::Cells);
            }
            row.resize(c + 1, None);
        }
        row[c] = Some(v);
        Ok(())
    })?;
    stopped(path, name, outcome, limits)?;
    Ok(grid)
}

/// Every sheet of a workbook as rows of raw cells (a grid: empty cells are `None`, rows
/// indexed from A1), for reading back ledgers. Sheets are returned in workbook order. The
/// file is read within the default [`Limits`].
pub fn read_grid(path: &Path) -> Result<Vec<(String, Grid)>, IngestError> {
    let limits = Limits::default();
    let bytes = read_bounded(path, limits.file_bytes)?;
    guarded(path, || {
        let mut opened = open_checked(path, &bytes, &limits)?;
        let mut out = Vec::new();
        for (name, cells) in cell_sheets(&opened.wb) {
            let grid = if cells {
                read_sheet_grid(&mut opened, path, &name, &limits)?
            } else {
                Vec::new()
            };
            out.push((name, grid));
        }
        Ok(out)
    })
}

/// Expands history paths: files as given, folders into their .csv and .xlsx files.
pub fn expand_history(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    expand_inputs(paths)
}

/// Reads a small table as text: a CSV file, or the named sheet of a workbook (the first
/// sheet when it has no sheet of that name). Used for payout histories and payment lists.
/// The file is read within the default [`Limits`].
pub fn read_table(path: &Path, sheet: &str) -> Result<Vec<Vec<String>>, IngestError> {
    let limits = Limits::default();
    let err = |message: String| IngestError::Sheet {
        path: path.to_path_buf(),
        sheet: sheet.to_string(),
        message,
    };
    let bytes = read_bounded(path, limits.file_bytes)?;
    if extension(path) == "csv" {
        let text = decode_text(&bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        return reader
            .records()
            .map(|r| {
                r.map(|rec| rec.iter().map(str::to_string).collect())
                    .map_err(|e| err(e.to_string()))
            })
            .collect();
    }
    guarded(path, || {
        let mut opened = open_checked(path, &bytes, &limits)?;
        let names = cell_sheets(&opened.wb);
        let name = names
            .iter()
            .find(|(n, _)| n.as_str() == sheet)
            .or(names.first())
            .map(|(n, _)| n.clone())
            .ok_or_else(|| err("no sheets".into()))?;
        let grid = read_sheet_grid(&mut opened, path, &name, &limits)?;
        // Rows and columns count from the used range's first cell, as calamine's ranges do.
        let top = grid
            .iter()
            .position(|r| r.iter().any(Option::is_some))
            .unwrap_or(grid.len());
        let left = grid
            .iter()
            .filter_map(|r| r.iter().position(Option::is_some))
            .min()
            .unwrap_or(0);
        Ok(grid
            .into_iter()
            .skip(top)
            .map(|r| {
                r.into_iter()
                    .skip(left)
                    .map(|c| c.map(|v| v.show()).unwrap_or_default())
                    .collect()
            })
            .collect())
    })
}
