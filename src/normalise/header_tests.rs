//! Unit tests of header binding: header paths, units stated outside the header cell, figures
//! (申报数 / 核定数), annotated headers; read through to normalised values and exceptions.
use rust_decimal::Decimal;

use crate::domain::fields::{Figure, Scale};
use crate::domain::value::{Row, Value};
use crate::ingest::tests::{sheet_of, vocab};
use crate::ingest::{Batch, InputFile, RawCell};
use crate::normalise::{normalise, Applications};

fn t(s: &str) -> RawCell {
    RawCell::Text(s.into())
}

fn n(v: i64) -> RawCell {
    RawCell::Num(Decimal::from(v))
}

/// Identity cells of one data row in columns A–E.
fn identity(row: u32, id: &str) -> Vec<(u32, u32, RawCell)> {
    vec![
        (row, 0, t(id)),
        (row, 1, t("91350100M000100Y43")),
        (row, 2, t("某公司")),
        (row, 3, n(2023)),
        (row, 4, t("r")),
    ]
}

fn identity_header(row: u32) -> Vec<(u32, u32, RawCell)> {
    [
        "申报编号",
        "统一社会信用代码",
        "企业名称",
        "申报年度",
        "申报条款编号",
    ]
    .iter()
    .enumerate()
    .map(|(c, h)| (row, c as u32, t(h)))
    .collect()
}

fn read(cells: Vec<(u32, u32, RawCell)>) -> (Batch, Applications) {
    let v = vocab();
    let mut batch = sheet_of(&v, cells);
    batch.files.push(InputFile {
        path: "申报表.xlsx".into(),
        sha256: String::new(),
        bytes: 0,
        date_system: Default::default(),
    });
    let apps = normalise(&batch, &v, &|_| true);
    (batch, apps)
}

fn num(apps: &Applications, i: usize, key: &str) -> Option<Decimal> {
    match apps.rows.row(i).get(vocab().id(key).unwrap()) {
        Some(Value::Num(d)) => Some(*d),
        _ => None,
    }
}

fn scale(batch: &Batch, col: u32) -> Option<Scale> {
    batch.sheets[0]
        .columns
        .iter()
        .find(|c| c.col == col)
        .and_then(|c| c.field)
        .map(|m| m.scale)
}

fn reasons(apps: &Applications) -> Vec<(String, String)> {
    apps.exceptions
        .iter()
        .map(|e| (e.cell.clone(), e.reason.clone()))
        .collect()
}

#[test]
fn a_group_header_states_the_unit_of_the_columns_under_it() {
    // Row 1: identity headers merged down, 投资情况（万元） merged across F:G; row 2: the leaves.
    let mut cells = identity_header(0);
    cells.extend([
        (0, 5, t("投资情况（万元）")),
        (1, 5, t("固定资产投资额")),
        (1, 6, t("设备投资额")),
    ]);
    cells.extend(identity(2, "A1"));
    cells.extend([(2, 5, n(120)), (2, 6, t("35.5"))]);
    let (batch, apps) = read(cells);
    assert_eq!(
        scale(&batch, 5),
        Some(Scale {
            mul: 10_000,
            div: 1
        })
    );
    assert_eq!(
        scale(&batch, 6),
        Some(Scale {
            mul: 10_000,
            div: 1
        })
    );
    assert_eq!(reasons(&apps), []);
    assert_eq!(
        num(&apps, 0, "fixed_asset_investment"),
        Some(Decimal::from(1_200_000))
    );
    assert_eq!(
        num(&apps, 0, "equipment_investment"),
        Some(Decimal::from(355_000))
    );
}

#[test]
fn a_units_row_under_the_header_converts_and_is_not_data() {
    let mut cells = identity_header(0);
    cells.extend([(0, 5, t("固定资产投资额")), (0, 6, t("劳动合同期限"))]);
    cells.extend([(1, 5, t("（万元）")), (1, 6, t("(月)"))]);
    cells.extend(identity(2, "A1"));
    cells.extend([(2, 5, n(3)), (2, 6, n(24))]);
    cells.extend(identity(3, "A2"));
    cells.extend([(3, 5, n(3)), (3, 6, n(13))]);
    let (batch, apps) = read(cells);
    assert_eq!(batch.rows.len(), 2, "the units row is not a data row");
    assert_eq!(
        num(&apps, 0, "fixed_asset_investment"),
        Some(Decimal::from(30_000))
    );
    // 19.1: 24 months are 2 years, not 24; 13 months have no exact value in years.
    assert_eq!(num(&apps, 0, "contract_years"), Some(Decimal::from(2)));
    assert_eq!(
        reasons(&apps),
        [(
            "G4".to_string(),
            "“13”按表头单位换算为年（÷12）不是精确值，请按年填写".to_string()
        )]
    );
}

#[test]
fn a_time_unit_in_the_header_is_converted_or_the_column_refused() {
    let mut cells = identity_header(0);
    cells.extend([(0, 5, t("劳动合同期限（月）")), (0, 6, t("计息天数（月）"))]);
    cells.extend(identity(1, "A1"));
    cells.extend([(1, 5, n(36)), (1, 6, n(3))]);
    let (batch, apps) = read(cells);
    assert_eq!(scale(&batch, 5), Some(Scale { mul: 1, div: 12 }));
    let refused = batch.sheets[0].columns[6].refused.clone().unwrap();
    assert_eq!(refused, "G1“计息天数（月）”：单位“月”不能精确换算为本字段的单位“天”；本列未读入，请改用本字段的单位或可精确换算的单位");
    assert_eq!(reasons(&apps), [("G2".to_string(), refused)]);
    assert_eq!(
        apps.rows.len(),
        0,
        "a row with a refused cell is not computed"
    );
}

#[test]
fn a_note_above_the_table_applies_to_money_columns_without_their_own_unit() {
    let mut cells = vec![
        (0, 0, t("2023年度技改补助申报表")),
        (0, 7, t("金额单位：万元")),
    ];
    cells.extend(identity_header(2));
    cells.extend([
        (2, 5, t("固定资产投资额")),
        (2, 6, t("设备投资额（元）")),
        (2, 7, t("从业人员（人）")),
    ]);
    cells.extend(identity(3, "A1"));
    cells.extend([(3, 5, n(2)), (3, 6, n(5)), (3, 7, n(40))]);
    let (batch, apps) = read(cells);
    assert_eq!(
        scale(&batch, 5),
        Some(Scale {
            mul: 10_000,
            div: 1
        })
    );
    assert_eq!(
        scale(&batch, 7),
        Some(Scale::ONE),
        "a money note says nothing of persons"
    );
    assert_eq!(
        batch.sheets[0].columns[6].refused.as_deref(),
        Some("单位冲突：G3“设备投资额（元）”为“元”，H1“金额单位：万元”为“万元”；本列未读入，请只在一处写明单位")
    );
    assert_eq!(apps.exceptions.len(), 1);
    assert_eq!(apps.exceptions[0].cell, "G4");
}

#[test]
fn the_approved_figure_wins_over_the_claimed_one() {
    // 固定资产投资额（万元） merged across F:G over 申报数 | 核定数.
    let mut cells = identity_header(0);
    cells.extend([
        (0, 5, t("固定资产投资额（万元）")),
        (1, 5, t("申报数")),
        (1, 6, t("核定数")),
    ]);
    cells.extend(identity(2, "A1"));
    cells.extend([(2, 5, n(100)), (2, 6, n(80))]);
    let (batch, apps) = read(cells);
    let figures: Vec<(u32, Figure)> = batch.sheets[0]
        .columns
        .iter()
        .skip(5)
        .map(|c| (c.col, c.figure))
        .collect();
    assert_eq!(figures, [(5, Figure::Claimed), (6, Figure::Approved)]);
    assert_eq!(batch.rows.len(), 1);
    assert_eq!(reasons(&apps), []);
    assert_eq!(
        num(&apps, 0, "fixed_asset_investment"),
        Some(Decimal::from(800_000))
    );
    assert_eq!(
        apps.cell(0, vocab().id("fixed_asset_investment").unwrap())
            .as_deref(),
        Some("G3")
    );
    // Group headers above say the same: 核定情况 over the second column, whichever comes first.
    let mut cells = identity_header(1);
    cells.extend([
        (0, 5, t("核定情况")),
        (0, 6, t("申报情况")),
        (1, 5, t("固定资产投资额")),
        (1, 6, t("固定资产投资额")),
    ]);
    cells.extend(identity(2, "A1"));
    cells.extend([(2, 5, n(70)), (2, 6, n(90))]);
    let (_, apps) = read(cells);
    assert_eq!(
        num(&apps, 0, "fixed_asset_investment"),
        Some(Decimal::from(70))
    );
}

#[test]
fn two_unmarked_columns_for_one_field_are_never_chosen_between() {
    let mut cells = identity_header(0);
    cells.extend([
        (0, 5, t("固定资产投资额")),
        (0, 6, t("固定资产投资额（元）")),
    ]);
    cells.extend(identity(1, "A1"));
    cells.extend([(1, 5, n(100)), (1, 6, n(80))]);
    cells.extend(identity(2, "A2"));
    cells.extend([(2, 5, n(50)), (2, 6, n(50))]);
    let (_, apps) = read(cells);
    assert_eq!(
        reasons(&apps),
        [("G2".to_string(), "两列都是“固定资产投资额”且数值不同（F列“固定资产投资额”、G列“固定资产投资额（元）”），无法确定取哪一列；若一列为核定数，请在其表头或上方的分组表头写明“核定”".to_string())]
    );
    // The same figure twice is no choice.
    assert_eq!(apps.rows.len(), 1);
    assert_eq!(
        num(&apps, 0, "fixed_asset_investment"),
        Some(Decimal::from(50))
    );
}

#[test]
fn annotated_headers_bind() {
    let mut cells: Vec<(u32, u32, RawCell)> = [
        "申报编号（必填）",
        "统一社会信用代码（18位）",
        "*企业名称",
        "申报\n年度",
        " 申报条款编号 *",
    ]
    .iter()
    .enumerate()
    .map(|(c, h)| (0, c as u32, t(h)))
    .collect();
    cells.extend(identity(1, "A1"));
    let (batch, apps) = read(cells);
    assert!(batch.sheets[0].columns.iter().all(|c| c.field.is_some()));
    assert_eq!(reasons(&apps), []);
    assert_eq!(apps.rows.len(), 1);
}

#[test]
fn column_numbers_totals_and_footers_are_set_aside_not_errors() {
    let mut cells = identity_header(0);
    cells.push((0, 5, t("固定资产投资额（元）")));
    cells.extend((0..6).map(|c| {
        (
            1,
            c,
            if c % 2 == 0 {
                n(i64::from(c) + 1)
            } else {
                t(&(c + 1).to_string())
            },
        )
    }));
    cells.extend(identity(2, "A1"));
    cells.push((2, 5, n(100)));
    cells.extend([(3, 2, t("合  计")), (3, 5, n(100))]);
    cells.extend([(5, 0, t("填表人：张三")), (5, 3, t("审核人：李四"))]);
    cells.push((6, 0, t("注：金额以财政核定为准")));
    let (batch, apps) = read(cells);
    assert_eq!(reasons(&apps), []);
    assert_eq!((apps.rows_in, apps.rows.len()), (1, 1));
    let described: Vec<String> = batch.set_aside.iter().map(|s| s.describe(&batch)).collect();
    assert_eq!(
        described,
        [
            "申报表.xlsx 表 第2行（栏次行）",
            "申报表.xlsx 表 第4行（合计/小计行）",
            "申报表.xlsx 表 第6、7行（表尾签字或说明行）"
        ]
    );
}

#[test]
fn a_column_numbers_row_labelled_with_stems_is_set_aside() {
    // Statistical forms label the text columns 甲 乙 丙 and number the others 1, 2, 3 ….
    let mut cells = identity_header(0);
    cells.push((0, 5, t("固定资产投资额（元）")));
    cells.extend([(1, 0, t("甲")), (1, 1, t("乙")), (1, 2, t("丙"))]);
    cells.extend((3..6).map(|c| (1, c, n(i64::from(c) - 2))));
    cells.extend(identity(2, "A1"));
    cells.push((2, 5, n(100)));
    let (batch, apps) = read(cells);
    assert_eq!(reasons(&apps), []);
    assert_eq!((apps.rows_in, apps.rows.len()), (1, 1));
    let described: Vec<String> = batch.set_aside.iter().map(|s| s.describe(&batch)).collect();
    assert_eq!(described, ["申报表.xlsx 表 第2行（栏次行）"]);
}

#[test]
fn a_data_row_is_not_taken_for_column_numbers() {
    let mut cells = identity_header(0);
    cells.push((0, 5, t("固定资产投资额（元）")));
    // Small numbers, but not 1, 2, 3 … across the row.
    cells.extend([
        (1, 0, n(1)),
        (1, 1, n(2)),
        (1, 2, n(3)),
        (1, 3, n(2023)),
        (1, 4, n(5)),
        (1, 5, n(6)),
    ]);
    let (batch, apps) = read(cells);
    assert!(batch.set_aside.is_empty());
    assert_eq!(apps.rows_in, 1);
}

#[test]
fn a_negative_amount_is_an_exception_unless_the_field_may_be_negative() {
    let mut cells = identity_header(0);
    cells.extend([
        (0, 5, t("固定资产投资额（万元）")),
        (0, 6, t("年度利润总额（元）")),
    ]);
    cells.extend(identity(1, "A1"));
    cells.extend([(1, 5, t("-3")), (1, 6, n(-500))]);
    cells.extend(identity(2, "A2"));
    cells.extend([(2, 5, n(3)), (2, 6, t("－1,200"))]);
    let (_, apps) = read(cells);
    assert_eq!(
        reasons(&apps),
        [(
            "F2".to_string(),
            "“-3”为负数，“固定资产投资额”不能为负；如为冲减或退回，请另行申报".to_string()
        )]
    );
    assert_eq!(num(&apps, 0, "annual_profit"), Some(Decimal::from(-1200)));
}

#[test]
fn a_figure_past_a_hundred_trillion_is_an_exception() {
    let mut cells = identity_header(0);
    cells.push((0, 5, t("固定资产投资额（万元）")));
    cells.extend(identity(1, "A1"));
    // 10^10 万元 is 10^14 元: the largest figure read; one more 万元 is past it.
    cells.push((1, 5, n(10_000_000_000)));
    cells.extend(identity(2, "A2"));
    cells.push((2, 5, t("10000000001")));
    let (_, apps) = read(cells);
    assert_eq!(
        reasons(&apps),
        [(
            "F3".to_string(),
            "“10000000001”数值过大（换算后超过 100000000000000，即一百万亿），请核对单位与数值"
                .to_string()
        )]
    );
    assert_eq!(
        num(&apps, 0, "fixed_asset_investment"),
        Some(Decimal::from(100_000_000_000_000u64))
    );
}
