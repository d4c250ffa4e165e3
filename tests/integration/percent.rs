//! Percent-formatted cells (issue 12, item 2): Excel stores `3%` as 0.03 with a percent number
//! format. A rate field reads it as 3; a money or quantity field refuses it (its meaning is not
//! certain). The .xls and .ods forms are in the corpus (`percent.xls`, `percent.ods`: a rate
//! shown as 3% pays 3%, checked to the 分 by `hostile.rs`).

use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook};
use subsidy::domain::value::{parse_text, Value};
use subsidy::ingest::{read_inputs, RawCell};

use crate::cli::{run_into, stderr, tmp};
use crate::common::vocab;

const HEADERS: [&str; 7] = [
    "申报编号",
    "统一社会信用代码",
    "企业名称",
    "所属旗县区",
    "申报年度",
    "申报条款编号",
    "固定资产投资额（万元）",
];

/// One application row; the investment cell holds `investment` with `format`, then a
/// 核定比例（%） cell holding `rate` with `format`.
fn workbook(path: &Path, investment: f64, rate: f64, format: &Format) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADERS.iter().chain(["核定比例（%）"].iter()).enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "A1",
        "91350100M000100Y43",
        "某公司",
        "新城区",
        "2023",
        "hohhot-2022-13-investment-award",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_number_with_format(1, 6, investment, format)
        .unwrap();
    ws.write_number_with_format(1, 7, rate, format).unwrap();
    wb.save(path).unwrap();
}

#[test]
fn a_percent_cell_is_read_as_the_percent_it_shows() {
    let dir = tmp("percent-read");
    let cases = [
        ("0%", 0.03, "3%"),
        ("0.00%", 0.0435, "4.35%"),
        ("#,##0.0%;[Red]-0.0%", 0.125, "12.5%"),
        ("0.00", 0.03, "0.03"),
    ];
    for (i, (code, stored, shown)) in cases.into_iter().enumerate() {
        let path = dir.join(format!("p{i}.xlsx"));
        workbook(&path, 30_000.0, stored, &Format::new().set_num_format(code));
        let batch = read_inputs(&[path], &vocab()).unwrap();
        let rate = batch.rows[0]
            .cells
            .iter()
            .find(|(c, _)| *c == 7)
            .map(|(_, v)| v.clone());
        let want = if code.contains('%') {
            RawCell::Text(shown.into())
        } else {
            RawCell::Num(Decimal::new(3, 2))
        };
        assert_eq!(rate, Some(want), "{code}");
    }
}

#[test]
fn a_percent_is_a_rate_not_an_amount() {
    let v = vocab();
    let rate = v.get(v.id("approved_rate_percent").unwrap());
    assert_eq!(
        parse_text(rate, "3%", Decimal::ONE),
        Ok(Value::Num(Decimal::new(3, 0)))
    );
    let money = v.get(v.id("fixed_asset_investment").unwrap());
    let e = parse_text(money, "3%", Decimal::ONE).unwrap_err();
    assert_eq!(e.0, "“3%”是百分数，本栏不是比率，含义不确定");
}

#[test]
fn a_percent_formatted_amount_is_an_exception_not_a_payout() {
    let dir = tmp("percent-run");
    let input = dir.join("in.xlsx");
    // 30,000 万元 shown as 3000000%: read as 300 万元 it would pay a hundredth of the award.
    workbook(&input, 30_000.0, 0.03, &Format::new().set_num_format("0%"));
    let out = dir.join("out");
    let o = run_into(&out, &input);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let exceptions = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    assert!(
        exceptions.contains("in.xlsx")
            && exceptions.contains(",G2,")
            && exceptions.contains("是百分数"),
        "{exceptions}"
    );
    let payouts = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    assert!(!payouts.contains(",payout,"), "{payouts}");
}
