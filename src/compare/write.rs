//! `compare.xlsx` (总览 / 政策变化 / 企业变化) and `compare.csv`: amounts as numbers in 元 with
//! `#,##0.00`, never formulas; fixed document times so the same inputs give the same bytes;
//! each file written to a temporary name and renamed, under the output folder's lock as `run`.

use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Chart, ChartType, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};

use super::{Comparison, Total};
use crate::ledger::workbook::money;
use crate::ledger::{fit, write_atomic, FullText, LedgerError, OutputLock};

/// Writes `compare.xlsx` and `compare.csv` into `out`.
pub fn write_comparison(c: &Comparison, out: &Path) -> Result<(), LedgerError> {
    let _lock = OutputLock::take(out)?;
    std::fs::create_dir_all(out).map_err(|source| LedgerError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    let xlsx = workbook(c)?;
    write_atomic(&out.join("compare.xlsx"), &xlsx)?;
    write_atomic(&out.join("compare.csv"), &csv(c)?)
}

fn csv(c: &Comparison) -> Result<Vec<u8>, LedgerError> {
    let err = |e: csv::Error| LedgerError::Csv {
        file: "compare.csv",
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "application_id",
        "rule_id",
        "credit_code",
        "enterprise_name",
        "region",
        "clause",
        "base",
        "proposed",
        "difference",
        "reason",
    ])
    .map_err(err)?;
    for l in &c.changes {
        let row = [
            &l.application_id,
            &l.rule_id,
            &l.credit_code,
            &l.enterprise_name,
            &l.region,
            &l.clause,
        ];
        let mut rec: Vec<String> = row
            .iter()
            .map(|s| crate::ledger::neutralise(s).into_owned())
            .collect();
        rec.extend(
            [l.base_amount(), l.proposed_amount(), l.difference()]
                .map(crate::domain::money::fixed2),
        );
        rec.push(crate::ledger::neutralise(&l.reason).into_owned());
        w.write_record(rec).map_err(err)?;
    }
    w.into_inner().map_err(|e| LedgerError::Csv {
        file: "compare.csv",
        message: e.to_string(),
    })
}

struct Formats {
    title: Format,
    header: Format,
    money: Format,
    bold_money: Format,
    bold: Format,
    /// A name in 总览's first column: wrapped, so a long clause is shown whole, not cut.
    key: Format,
}

fn workbook(c: &Comparison) -> Result<Vec<u8>, XlsxError> {
    let f = Formats {
        title: Format::new().set_bold().set_font_size(14),
        header: Format::new()
            .set_bold()
            .set_background_color("#DDEBF7")
            .set_border(rust_xlsxwriter::FormatBorder::Thin),
        money: Format::new().set_num_format("#,##0.00"),
        bold_money: Format::new().set_num_format("#,##0.00").set_bold(),
        bold: Format::new().set_bold(),
        key: Format::new().set_text_wrap(),
    };
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&fixed)
            .set_title("政策测算对比")
            .set_author("subsidy"),
    );
    overview(wb.add_worksheet().set_name("总览")?, &f, c)?;
    policy_changes(wb.add_worksheet().set_name("政策变化")?, &f, c)?;
    line_changes(wb.add_worksheet().set_name("企业变化")?, &f, c)?;
    if !c.exceptions.is_empty() {
        exceptions(wb.add_worksheet().set_name("数据错误")?, &f, c)?;
    }
    wb.save_to_buffer()
}

fn headers(ws: &mut Worksheet, f: &Formats, row: u32, names: &[&str]) -> Result<(), XlsxError> {
    for (i, h) in names.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *h, &f.header)?;
    }
    Ok(())
}

/// 总览: the total and the budget, then by payer, region and clause, each with its chart.
fn overview(ws: &mut Worksheet, f: &Formats, c: &Comparison) -> Result<(), XlsxError> {
    // A4 landscape, one page wide: the three figures and the charts print beside the names.
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    let keys = [&c.by_payer, &c.by_region, &c.by_clause]
        .into_iter()
        .flatten()
        .map(|t| t.key.as_str());
    ws.set_column_width(0, key_width(keys))?;
    for col in 1..=3 {
        ws.set_column_width(col, 18)?;
    }
    ws.write_string_with_format(0, 0, "政策测算对比 · 总览（单位：元）", &f.title)?;
    headers(
        ws,
        f,
        2,
        &["项目", "现行政策", "拟议政策", "差额（拟议−现行）"],
    )?;
    ws.write_string_with_format(3, 0, &c.total.key, &f.bold)?;
    for (col, v) in [c.total.base, c.total.proposed, c.total.difference()]
        .into_iter()
        .enumerate()
    {
        money(ws, &f.bold_money, 3, col as u16 + 1, v)?;
    }
    let mut row = 4;
    if let Some(b) = c.budget {
        let gap = c.total.proposed - b;
        ws.write_string(row, 0, "预算")?;
        money(ws, &f.money, row, 2, b)?;
        row += 1;
        ws.write_string(
            row,
            0,
            if gap > Decimal::ZERO {
                "超出预算"
            } else {
                "预算结余"
            },
        )?;
        money(ws, &f.bold_money, row, 2, gap.abs())?;
        row += 1;
    }
    row += 1;
    for (title, totals, chart) in [
        ("按出资方", &c.by_payer, true),
        ("按旗县区", &c.by_region, true),
        ("按条款", &c.by_clause, false),
    ] {
        ws.write_string_with_format(row, 0, title, &f.bold)?;
        headers(
            ws,
            f,
            row + 1,
            &[
                title.trim_start_matches('按'),
                "现行政策",
                "拟议政策",
                "差额（拟议−现行）",
            ],
        )?;
        let start = row + 2;
        for (k, t) in totals.iter().enumerate() {
            table_row(ws, f, start + k as u32, t)?;
        }
        let end = start + totals.len() as u32;
        if chart && !totals.is_empty() {
            let mut ch = Chart::new(ChartType::Column);
            // The difference, not the two totals: a few million beside a billion would not show.
            ch.title()
                .set_name(&format!("{title}：差额（拟议−现行，元）"));
            ch.add_series()
                .set_categories(("总览", start, 0, end - 1, 0))
                .set_values(("总览", start, 3, end - 1, 3))
                .set_name("差额");
            ch.legend().set_hidden();
            ch.y_axis().set_num_format("#,##0");
            ch.set_width(480).set_height(240);
            ws.insert_chart(row, 5, &ch)?;
        }
        row = end.max(if chart { row + 13 } else { end }) + 1;
    }
    Ok(())
}

/// 总览's first column is as wide as its longest name (a CJK character takes two widths), between
/// 40 and 80: a clause such as `nmg-2024-list-91 第九十一条（境外上市）` fits on one line; longer
/// ones wrap (`Formats::key`) instead of being cut by the next cell.
fn key_width<'a>(keys: impl Iterator<Item = &'a str>) -> f64 {
    let widest = keys
        .map(|k| {
            k.chars()
                .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    (widest + 2).clamp(40, 80) as f64
}

fn table_row(ws: &mut Worksheet, f: &Formats, row: u32, t: &Total) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, 0, &t.key, &f.key)?;
    for (col, v) in [t.base, t.proposed, t.difference()].into_iter().enumerate() {
        money(ws, &f.money, row, col as u16 + 1, v)?;
    }
    Ok(())
}

/// 政策变化: rule by rule, parameter by parameter, with the clause.
fn policy_changes(ws: &mut Worksheet, f: &Formats, c: &Comparison) -> Result<(), XlsxError> {
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    headers(ws, f, 0, &["规则", "条款", "变化", "参数", "现行", "拟议"])?;
    for (col, w) in [34, 40, 10, 12, 50, 50].into_iter().enumerate() {
        ws.set_column_width(col as u16, w)?;
    }
    let mut row = 1;
    for rc in &c.rule_changes {
        let params: Vec<(&str, &str, &str)> = if rc.parameters.is_empty() {
            vec![("", "", "")]
        } else {
            rc.parameters
                .iter()
                .map(|(a, b, p)| (a.as_str(), b.as_str(), p.as_str()))
                .collect()
        };
        for (aspect, old, new) in params {
            for (col, s) in [
                rc.rule_id.as_str(),
                &rc.clause,
                rc.kind.label(),
                aspect,
                old,
                new,
            ]
            .into_iter()
            .enumerate()
            {
                ws.write_string(row, col as u16, s)?;
            }
            row += 1;
        }
    }
    Ok(())
}

/// 企业变化: every line whose award changes, largest change first, with the reason.
fn line_changes(ws: &mut Worksheet, f: &Formats, c: &Comparison) -> Result<(), XlsxError> {
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    headers(
        ws,
        f,
        0,
        &[
            "申报编号",
            "企业名称",
            "统一社会信用代码",
            "旗县区",
            "规则",
            "条款",
            "现行",
            "拟议",
            "差额",
            "变化原因",
        ],
    )?;
    for (col, w) in [16, 30, 22, 12, 34, 36, 16, 16, 16, 60]
        .into_iter()
        .enumerate()
    {
        ws.set_column_width(col as u16, w)?;
    }
    for (k, l) in c.changes.iter().enumerate() {
        let row = k as u32 + 1;
        for (col, s) in [
            &l.application_id,
            &l.enterprise_name,
            &l.credit_code,
            &l.region,
            &l.rule_id,
            &l.clause,
        ]
        .into_iter()
        .enumerate()
        {
            ws.write_string(row, col as u16, s)?;
        }
        for (col, v) in [l.base_amount(), l.proposed_amount(), l.difference()]
            .into_iter()
            .enumerate()
        {
            money(ws, &f.money, row, col as u16 + 6, v)?;
        }
        ws.write_string(row, 9, &l.reason)?;
    }
    Ok(())
}

/// 数据错误: the input cells and rows neither version computed (the inputs are read once, so
/// each is listed once), so a clerk knows what the totals leave out.
fn exceptions(ws: &mut Worksheet, f: &Formats, c: &Comparison) -> Result<(), XlsxError> {
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    headers(
        ws,
        f,
        0,
        &["文件", "工作表", "单元格", "申报编号", "值", "原因"],
    )?;
    for (col, w) in [30, 14, 10, 16, 24, 70].into_iter().enumerate() {
        ws.set_column_width(col as u16, w)?;
    }
    for (k, e) in c.exceptions.iter().enumerate() {
        let row = k as u32 + 1;
        // A cell's value or reason may be longer than a worksheet cell holds: cut, with where
        // it is whole (the input file; the reason quotes the value).
        for (col, s) in [
            &e.file,
            &e.sheet,
            &e.cell,
            &e.application_id,
            &e.value,
            &e.reason,
        ]
        .into_iter()
        .enumerate()
        {
            ws.write_string(row, col as u16, fit(s, FullText::Input))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::key_width;

    #[test]
    fn the_name_column_fits_the_longest_clause_within_bounds() {
        assert_eq!(key_width(["自治区", "盟市"].into_iter()), 40.0);
        let long = "nmg-2024-list-91-listing-awards 第九十一条 上市奖励（境外）";
        assert_eq!(key_width([long, "盟市"].into_iter()), 61.0);
        assert_eq!(key_width([long.repeat(3).as_str()].into_iter()), 80.0);
        assert_eq!(key_width(std::iter::empty()), 40.0);
    }
}
