//! Unit tests of merged ranges over data rows: names spread to each row, amounts are
//! exceptions naming the range, header merges and blank rows are left alone.
use rust_decimal::Decimal;

use super::*;
use crate::ingest::tests::{sheet_with_merges, vocab};
use crate::ingest::RawRow;

fn t(s: &str) -> RawCell {
    RawCell::Text(s.into())
}

fn n(v: i64) -> RawCell {
    RawCell::Num(Decimal::from(v))
}

fn merge(range: ((u32, u32), (u32, u32))) -> Merge {
    Merge {
        first: range.0,
        last: range.1,
    }
}

/// The data rows of a sheet read with its merged ranges.
fn rows_of(cells: &[(u32, u32, RawCell)], merges: &[Merge]) -> Vec<RawRow> {
    sheet_with_merges(&vocab(), cells.iter().cloned(), merges.to_vec()).rows
}

fn cell(row: &RawRow, col: u32) -> Option<&RawCell> {
    row.cells.iter().find(|(c, _)| *c == col).map(|(_, v)| v)
}

/// Header 企业名称 | 申报编号 | 固定资产投资额（万元） | 从业人员（人） on row 1 (0-based),
/// an enterprise over rows 2–4 with its name merged down A3:A5, a second one on row 5.
fn sheet() -> Vec<(u32, u32, RawCell)> {
    let mut cells = vec![
        (0, 0, t("项目明细表")),
        (1, 0, t("企业名称")),
        (1, 1, t("申报编号")),
        (1, 2, t("固定资产投资额（万元）")),
        (1, 3, t("从业人员（人）")),
    ];
    for (r, id) in [(2, "A1"), (3, "A2"), (4, "A3"), (5, "B1")] {
        cells.push((r, 1, t(id)));
        cells.push((r, 2, n(100 + i64::from(r))));
    }
    cells.push((2, 0, t("甲公司")));
    cells.push((2, 3, n(90)));
    cells.push((5, 0, t("乙公司")));
    cells.push((5, 3, n(10)));
    cells
}

#[test]
fn a_name_merged_down_applies_to_each_row_it_covers() {
    let rows = rows_of(&sheet(), &[merge(((2, 0), (4, 0)))]);
    let names: Vec<Option<&RawCell>> = rows.iter().map(|r| cell(r, 0)).collect();
    let (a, b) = (t("甲公司"), t("乙公司"));
    assert_eq!(names, [Some(&a), Some(&a), Some(&a), Some(&b)]);
}

#[test]
fn a_count_merged_down_is_an_error_on_each_row_naming_the_range() {
    let rows = rows_of(&sheet(), &[merge(((2, 3), (4, 3)))]);
    let want = "合并单元格 D3:D5（跨 3 行）：金额或数量合并在几行上，是每行各自的数还是几行的合计不能确定；请取消合并，在每行填写各自的数值";
    // The first cell shows the value it holds; the covered cells hold nothing of their own.
    for (r, shown) in rows[..3].iter().zip(["90", "", ""]) {
        assert_eq!(
            cell(r, 3),
            Some(&RawCell::Refused {
                shown: shown.into(),
                reason: want.into()
            }),
            "row {}",
            r.row
        );
    }
    assert_eq!(cell(&rows[3], 3), Some(&n(10)));
}

#[test]
fn an_amount_merged_down_is_ambiguous_even_over_blank_cells() {
    let mut cells = sheet();
    cells.retain(|(r, c, _)| !(*c == 2 && (*r == 3 || *r == 4)));
    let rows = rows_of(&cells, &[merge(((2, 2), (4, 2)))]);
    for r in &rows[..3] {
        assert!(
            matches!(cell(r, 2), Some(RawCell::Refused { reason, .. }) if reason.starts_with("合并单元格 C3:C5（跨 3 行）")),
            "row {}: {:?}",
            r.row,
            cell(r, 2)
        );
    }
    assert_eq!(cell(&rows[3], 2), Some(&n(105)));
}

#[test]
fn merges_across_one_row_in_the_header_or_over_blank_rows_change_nothing() {
    let mut cells = sheet();
    // 乙公司 merged down A6:A7 over a blank row 6; row 7 holds an id below that range.
    cells.push((7, 1, t("C1")));
    let merges = [
        merge(((0, 0), (0, 3))),
        merge(((1, 2), (1, 3))),
        merge(((5, 0), (6, 0))),
        merge(((2, 1), (2, 2))),
    ];
    let rows = rows_of(&cells, &merges);
    assert_eq!(rows.len(), 5);
    assert_eq!(cell(&rows[0], 2), Some(&n(102)));
    assert_eq!(cell(&rows[1], 0), None);
    assert_eq!(rows[4].row, 7);
    assert_eq!(cell(&rows[4], 0), None);
}
