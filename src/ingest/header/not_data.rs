//! Rows under a header that are not applications (非数据行): a 栏次 row numbering the columns,
//! 合计 / 小计 rows, and the signature lines and notes under a table. They are listed as set
//! aside, never computed and never reported as data errors.

use crate::ingest::{NotData, RawCell};

/// Words a 合计 row carries in a cell of its own.
const TOTALS: &[&str] = &[
    "合计",
    "小计",
    "总计",
    "本页合计",
    "本页小计",
    "合计数",
    "总合计",
];
/// How a signature line or a note under the table starts.
const FOOTERS: &[&str] = &[
    "填表人",
    "填报人",
    "制表人",
    "制表",
    "审核人",
    "复核人",
    "经办人",
    "负责人",
    "单位负责人",
    "主管领导",
    "联系人",
    "联系电话",
    "填表日期",
    "填报日期",
    "注：",
    "注:",
    "说明：",
    "说明:",
    "备注：",
];

fn squeezed(c: &RawCell) -> Option<String> {
    match c {
        RawCell::Text(t) => Some(t.chars().filter(|c| !c.is_whitespace()).collect()),
        _ => None,
    }
}

fn whole_number(c: &RawCell) -> Option<i64> {
    match c {
        RawCell::Num(d) if d.fract().is_zero() => i64::try_from(*d).ok(),
        RawCell::Text(t) => t.trim().parse().ok(),
        _ => None,
    }
}

/// Why a data row (its non-blank cells, sorted by column) is not an application, if it is not;
/// `columns` is how many columns the header binds.
pub(super) fn not_data(cells: &[(u32, RawCell)], columns: usize) -> Option<NotData> {
    let texts: Vec<String> = cells.iter().filter_map(|(_, c)| squeezed(c)).collect();
    if texts
        .iter()
        .any(|t| TOTALS.contains(&t.trim_end_matches([':', '：'])))
    {
        return Some(NotData::Total);
    }
    let first = cells.first().and_then(|(_, c)| squeezed(c));
    if first.is_some_and(|t| FOOTERS.iter().any(|f| t.starts_with(f))) {
        return Some(NotData::Footer);
    }
    // 栏次: 1, 2, 3 … across the row, at least three and at least half the header's columns,
    // after the labels statistical forms give the columns of text (栏次, 甲, 乙, 丙 …).
    let labels = cells
        .iter()
        .take_while(|(_, c)| squeezed(c).is_some_and(|t| COLUMN_LABELS.contains(&t.as_str())))
        .count();
    let seq: Vec<Option<i64>> = cells[labels..]
        .iter()
        .map(|(_, c)| whole_number(c))
        .collect();
    let counts = seq.len() >= 3
        && cells.len() * 2 >= columns
        && seq
            .iter()
            .enumerate()
            .all(|(i, n)| *n == Some(i as i64 + 1));
    counts.then_some(NotData::ColumnNumbers)
}

/// How a 栏次 row labels the columns of text before it numbers the others: 甲 乙 丙 … (the
/// heavenly stems, as statistical forms use them).
const COLUMN_LABELS: &[&str] = &[
    "栏次", "甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸",
];
