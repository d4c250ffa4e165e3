//! A column's header path (表头路径) and the unit it is read in: the header cell itself, the
//! group headers above it (a 大标题, `投资情况（万元）` merged across), a units row under the
//! header (`（万元）`), a 申报数 / 核定数 row under a header merged across two columns, and a note
//! above the table (`单位：万元`, `金额单位：万元`).
//!
//! A unit is never guessed nor ignored: the header's own unit and a units row must convert
//! exactly to the field's (else the column is refused, both units named); a group header's or
//! a note's unit applies to the columns under it that measure the same thing (a 万元 note says
//! nothing of a column of persons); two places stating different units for one column refuse
//! it, both places named. Without the workbook's merge ranges, a group cell is taken to cover
//! its own column and those to its right up to the next cell of its row, as a cell merged
//! across shows its text in its first column.

use super::{is_blank, Buffered};
use crate::domain::fields::{
    convert, split_header_unit, strip_annotations, FieldType, Figure, HeaderMatch, Scale,
    Vocabulary,
};
use crate::ingest::{cell_ref, Column, RawCell};

/// A place a unit is stated, for messages: `C3“固定资产投资额（元）”`.
#[derive(Debug, Clone)]
struct Stated {
    unit: String,
    place: String,
    /// The header cell itself or a units row under it: a unit that does not fit the field
    /// refuses the column. A group header or a note only applies where it fits.
    binding: bool,
    /// `金额单位：` notes apply to money columns only.
    money_only: bool,
}

/// A cell of a header row above the leaf row, covering columns `from..to`.
struct Group {
    from: u32,
    to: u32,
    text: String,
    place: String,
}

fn text(c: &RawCell) -> String {
    c.show().trim().to_string()
}

/// The unit a table note states (`单位：万元`, `金额单位:万元`, `（单位：万元）`), and whether it
/// is for money only.
fn note_unit(t: &str) -> Option<(String, bool)> {
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let at = compact.find("单位")?;
    let rest = compact[at + "单位".len()..].strip_prefix([':', '：'])?;
    let unit: String = rest
        .chars()
        .take_while(|c| !matches!(c, ')' | '）' | '，' | ',' | '；' | ';' | '。'))
        .collect();
    crate::domain::fields::is_unit_text(&unit).then(|| (unit, compact[..at].ends_with("金额")))
}

/// A cell of a units row: `（万元）`, `(年)`, `万元`.
fn unit_cell(t: &str) -> Option<String> {
    let (name, unit) = split_header_unit(&format!("x{t}"));
    match (name.as_str(), unit) {
        ("x", Some(u)) => Some(u),
        _ => {
            let bare: String = t
                .chars()
                .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '（' | '）'))
                .collect();
            crate::domain::fields::is_unit_text(&bare).then_some(bare)
        }
    }
}

/// A row of only unit cells, at least one.
fn units_row(cells: &[(u32, RawCell)]) -> Option<Vec<(u32, String)>> {
    let filled: Vec<(u32, String)> = cells
        .iter()
        .filter(|(_, c)| !is_blank(c))
        .map(|(col, c)| (*col, text(c)))
        .collect();
    let units: Vec<(u32, String)> = filled
        .iter()
        .filter_map(|(col, t)| unit_cell(t).map(|u| (*col, u)))
        .collect();
    (!units.is_empty() && units.len() == filled.len()).then_some(units)
}

/// A row of only 申报数 / 核定数 cells (under a header merged across two columns), at least one.
fn figures_row(cells: &[(u32, RawCell)]) -> Option<Vec<(u32, Figure)>> {
    let filled: Vec<(u32, String)> = cells
        .iter()
        .filter(|(_, c)| !is_blank(c))
        .map(|(col, c)| (*col, text(c)))
        .collect();
    let figures: Vec<(u32, Figure)> = filled
        .iter()
        .filter_map(|(col, t)| {
            let (bare, _) = strip_annotations(t);
            match crate::domain::fields::split_annotation(&bare) {
                Some(f) if f != Figure::Unmarked => Some((*col, f)),
                _ => None,
            }
        })
        .collect();
    (!figures.is_empty() && figures.len() == filled.len()).then_some(figures)
}

/// The cells of a header row as groups, each covering up to the next cell of its row.
fn groups_of(row: u32, cells: &[(u32, RawCell)], skip: &dyn Fn(u32, &str) -> bool) -> Vec<Group> {
    let filled: Vec<(u32, String)> = cells
        .iter()
        .filter(|(_, c)| !is_blank(c))
        .map(|(col, c)| (*col, text(c)))
        .collect();
    let mut out = Vec::new();
    for (i, (col, t)) in filled.iter().enumerate() {
        let to = filled.get(i + 1).map_or(u32::MAX, |(next, _)| *next);
        if !skip(*col, t) {
            out.push(Group {
                from: *col,
                to,
                text: t.clone(),
                place: format!("{}“{t}”", cell_ref(row, *col)),
            });
        }
    }
    out
}

/// What [`bind_columns`] found: the columns and the rows of the header block.
pub(super) struct Bound {
    pub columns: Vec<Column>,
    /// Index in the buffered rows of the first data row.
    pub skip: usize,
}

/// Binds a sheet's columns from its header block. `rows` are the buffered rows, sorted; `h` the
/// header row found; `skip` the first row after the header rows found so far (one or two);
/// `complete` the rows that are whole (the last may still be arriving); `heads` the leaf text
/// of each column.
pub(super) fn bind_columns(
    vocab: &Vocabulary,
    rows: &Buffered,
    h: usize,
    mut skip: usize,
    complete: usize,
    mut heads: Vec<(u32, String)>,
) -> Bound {
    let header_row = rows[h].0;
    let second = skip == h + 2;
    let last_row = rows[skip - 1].0;
    let names_field = |t: &str| vocab.find_header(t).is_some();
    // Notes anywhere above the leaf row (a 大标题 row often ends with one).
    let mut notes: Vec<Stated> = Vec::new();
    for (r, cells) in rows[..skip].iter() {
        for (col, c) in cells {
            if let Some((unit, money_only)) = note_unit(&text(c)) {
                notes.push(Stated {
                    unit,
                    place: format!("{}“{}”", cell_ref(*r, *col), text(c)),
                    binding: false,
                    money_only,
                });
            }
        }
    }
    let is_note = |t: &str| note_unit(t).is_some();
    // Group headers: the rows just above the header row, and the header row itself when a
    // second header row under it holds the leaves.
    let mut groups: Vec<Group> = Vec::new();
    let mut k = h;
    while k > 0 && rows[k - 1].0 + 1 == rows[k].0 {
        k -= 1;
        groups.extend(groups_of(rows[k].0, &rows[k].1, &|_, t| {
            names_field(t) || is_note(t)
        }));
    }
    if second {
        let leaves: Vec<u32> = rows[h + 1]
            .1
            .iter()
            .filter(|(_, c)| !is_blank(c))
            .map(|(col, _)| *col)
            .collect();
        groups.extend(groups_of(header_row, &rows[h].1, &|col, t| {
            is_note(t) || (names_field(t) && !leaves.contains(&col))
        }));
    }
    // Under the header rows: a 申报数 / 核定数 row, then a units row.
    let mut figures: Vec<(u32, Figure)> = Vec::new();
    if skip < complete && rows[skip].0 == last_row + 1 {
        if let Some(found) = figures_row(&rows[skip].1) {
            heads.sort_by_key(|(c, _)| *c);
            for (col, _) in &found {
                // A leaf merged across: the column takes the header text to its left.
                if !heads.iter().any(|(c, _)| c == col) {
                    if let Some((_, t)) = heads.iter().rev().find(|(c, _)| c < col) {
                        let t = t.clone();
                        heads.push((*col, t));
                    }
                }
            }
            figures = found;
            skip += 1;
        }
    }
    let mut unit_cells: Vec<(u32, Stated)> = Vec::new();
    if skip < complete && rows[skip].0 == rows[skip - 1].0 + 1 {
        if let Some(found) = units_row(&rows[skip].1) {
            let r = rows[skip].0;
            unit_cells = found
                .into_iter()
                .map(|(col, unit)| {
                    (
                        col,
                        Stated {
                            place: format!("{}“{unit}”", cell_ref(r, col)),
                            unit,
                            binding: true,
                            money_only: false,
                        },
                    )
                })
                .collect();
            skip += 1;
        }
    }
    heads.sort_by_key(|(c, _)| *c);
    let columns = heads
        .into_iter()
        .map(|(col, header)| {
            let path: Vec<&Group> = groups
                .iter()
                .filter(|g| g.from <= col && col < g.to)
                .collect();
            let (_, leaf_figure) = strip_annotations(&header);
            let figure = figures
                .iter()
                .find(|(c, _)| *c == col)
                .map(|(_, f)| *f)
                .into_iter()
                .chain([leaf_figure])
                .chain(path.iter().rev().map(|g| Figure::of_text(&g.text)))
                .find(|f| *f != Figure::Unmarked)
                .unwrap_or_default();
            let Some((field, own)) = vocab.find_header(&header) else {
                return Column {
                    col,
                    header,
                    field: None,
                    figure,
                    refused: None,
                };
            };
            let mut stated: Vec<Stated> = Vec::new();
            if let Some(unit) = own {
                let at = if second && rows[h + 1].1.iter().any(|(c, _)| *c == col) {
                    last_row
                } else {
                    header_row
                };
                stated.push(Stated {
                    unit,
                    place: format!("{}“{header}”", cell_ref(at, col)),
                    binding: true,
                    money_only: false,
                });
            }
            stated.extend(
                unit_cells
                    .iter()
                    .filter(|(c, _)| *c == col)
                    .map(|(_, s)| s.clone()),
            );
            for g in path.iter().rev() {
                if let Some(unit) = split_header_unit(&g.text).1 {
                    stated.push(Stated {
                        unit,
                        place: g.place.clone(),
                        binding: false,
                        money_only: false,
                    });
                }
            }
            stated.extend(notes.iter().cloned());
            let (scale, refused) = resolve(vocab, field, &stated);
            Column {
                col,
                header,
                field: Some(HeaderMatch { field, scale }),
                figure,
                refused,
            }
        })
        .collect();
    Bound { columns, skip }
}

/// The conversion the stated units give a column, or why the column is refused.
fn resolve(
    vocab: &Vocabulary,
    field: crate::domain::fields::FieldId,
    stated: &[Stated],
) -> (Scale, Option<String>) {
    let f = vocab.get(field);
    let mut applied: Vec<(&Stated, Scale)> = Vec::new();
    for s in stated {
        if s.money_only && f.ty != FieldType::Money {
            continue;
        }
        match convert(f, &s.unit) {
            Ok(scale) => applied.push((s, scale)),
            Err(e) if s.binding => {
                return (
                    Scale::ONE,
                    Some(format!(
                        "{}：{e}；本列未读入，请改用本字段的单位或可精确换算的单位",
                        s.place
                    )),
                )
            }
            Err(_) => {}
        }
    }
    match applied.iter().find(|(_, scale)| *scale != applied[0].1) {
        Some((other, _)) => {
            let (first, _) = applied[0];
            let reason = format!(
                "单位冲突：{}为“{}”，{}为“{}”；本列未读入，请只在一处写明单位",
                first.place, first.unit, other.place, other.unit
            );
            (Scale::ONE, Some(reason))
        }
        None => (applied.first().map_or(Scale::ONE, |(_, s)| *s), None),
    }
}
