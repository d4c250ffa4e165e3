//! 汇总: the ledger's first sheet — totals by clause, region and payer, the files it was
//! computed from, its check code, and the charts over those totals.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Chart, ChartType, Worksheet, XlsxError};

use super::columns::{FileKind, Sheet};
use super::workbook::{headers, money, text, widths, Formats};
use super::workbook::{
    LABEL_CODE, LABEL_FILES, LABEL_PENDING_TOTAL, LABEL_REFUND_TOTAL, LABEL_TOTAL,
};
use super::{Report, Totals};
use crate::engine::batch::payer_label;
use crate::rules::Payer;

pub(super) fn summary(
    ws: &mut Worksheet,
    report: &Report<'_>,
    t: &Totals,
    code: String,
    f: &Formats,
) -> Result<(), XlsxError> {
    widths(ws, &[46.0, 44.0, 8.0, 20.0, 10.0, 20.0])?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.write_string_with_format(0, 0, "奖补资金发放台账 · 汇总", &f.title)?;
    let digest = {
        let mut all = String::new();
        for i in &report.inputs {
            all.push_str(&i.sha256);
        }
        for p in &report.policies.policies {
            all.push_str(&p.digest);
        }
        crate::domain::digest::sha256_hex(all.as_bytes())
    };
    let sheet_rows = t
        .sheet_rows
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join("，");
    let facts: [(&str, String); 14] = [
        (
            "软件版本",
            format!("{} {}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
        ),
        ("输入文件数", report.inputs.len().to_string()),
        ("读入数据行", t.rows_in.to_string()),
        (
            "计算行（发放明细 + 待审核 + 不予支持）",
            t.rows_computed.to_string(),
        ),
        ("数据错误行", t.rows_exception.to_string()),
        ("奖补资金行（已审核，应付）", t.payout_lines.to_string()),
        ("其中金额大于零", t.paid_lines.to_string()),
        (
            "待审核行（审核未完成，暂不发放）",
            t.pending_lines.to_string(),
        ),
        ("不予支持行", t.ineligible_lines.to_string()),
        (
            "测算行 / 资格认定行",
            format!("{} / {}", t.measure_lines, t.verdict_lines),
        ),
        ("数据错误单元格", t.exception_cells.to_string()),
        ("运行摘要（输入与政策文件 SHA-256）", digest),
        ("各表行数", sheet_rows),
        ("收款人信用代码哈希（SHA-256）", t.credit_code_hash.clone()),
    ];
    let mut r = 2;
    for (k, v) in facts {
        ws.write_string_with_format(r, 0, k, &f.text)?;
        ws.write_string_with_format(r, 1, &v, &f.text)?;
        r += 1;
    }
    ws.write_string_with_format(r, 0, LABEL_TOTAL, &f.text)?;
    let total: Decimal = report
        .settled()
        .filter(|l| l.is_payout())
        .map(|l| l.amount)
        .sum();
    money(ws, &f.bold_money, r, 1, total)?;
    r += 1;
    ws.write_string_with_format(r, 0, LABEL_PENDING_TOTAL, &f.text)?;
    money(
        ws,
        &f.money,
        r,
        1,
        report
            .settled()
            .filter(|l| l.is_pending())
            .map(|l| l.amount)
            .sum(),
    )?;
    r += 1;
    if t.refund_lines > 0 {
        ws.write_string_with_format(r, 0, LABEL_REFUND_TOTAL, &f.text)?;
        let owed: Decimal = report
            .settled()
            .filter(|l| l.is_refund())
            .map(|l| l.amount)
            .sum();
        money(ws, &f.money, r, 1, owed)?;
        r += 1;
    }
    ws.write_string_with_format(r, 0, LABEL_CODE, &f.text)?;
    ws.write_string_with_format(r, 1, code, &f.text)?;
    r += 2;

    // 应付 (reviewed) and 待审核预计 (pending) side by side, never added together.
    let mut by_rule: BTreeMap<&str, (&str, Both)> = BTreeMap::new();
    let mut by_region: BTreeMap<&str, Both> = BTreeMap::new();
    for facts in (0..report.lines.count())
        .map(|i| report.lines.facts(i))
        .filter(|x| x.line.is_payout() || x.line.is_pending())
    {
        by_rule
            .entry(facts.rule_id)
            .or_insert((facts.clause, Both::default()))
            .1
            .add(facts.line);
        by_region.entry(facts.region).or_default().add(facts.line);
    }
    headers(
        ws,
        f,
        r,
        &[
            "按条款：申报条款编号",
            "条款",
            "应付笔数",
            "应付金额（元）",
            "待审核笔数",
            "待审核预计（元）",
        ],
    )?;
    r += 1;
    let rule_rows = (r, r + by_rule.len() as u32);
    for (rule, (clause, both)) in by_rule {
        text(ws, f, r, 0, rule)?;
        text(ws, f, r, 1, clause)?;
        both.write(ws, f, r)?;
        r += 1;
    }
    r += 1;
    headers(
        ws,
        f,
        r,
        &[
            "按地区：所属旗县区",
            "",
            "应付笔数",
            "应付金额（元）",
            "待审核笔数",
            "待审核预计（元）",
        ],
    )?;
    r += 1;
    let region_rows = (r, r + by_region.len() as u32);
    for (region, both) in by_region {
        text(
            ws,
            f,
            r,
            0,
            if region.is_empty() {
                "（未填）"
            } else {
                region
            },
        )?;
        both.write(ws, f, r)?;
        r += 1;
    }
    r += 1;
    headers(
        ws,
        f,
        r,
        &[
            "按出资方（D14）",
            "",
            "",
            "应付金额（元）",
            "",
            "待审核预计（元）",
        ],
    )?;
    r += 1;
    let payer_start = r;
    for p in Payer::ALL {
        let due: Decimal = report
            .settled()
            .filter(|l| l.is_payout())
            .map(|l| l.share(p))
            .sum();
        let held: Decimal = report
            .settled()
            .filter(|l| l.is_pending())
            .map(|l| l.share(p))
            .sum();
        if due.is_zero() && held.is_zero() {
            continue;
        }
        text(ws, f, r, 0, payer_label(p))?;
        money(ws, &f.money, r, 3, due)?;
        money(ws, &f.money, r, 5, held)?;
        r += 1;
    }
    charts(ws, rule_rows, region_rows, (payer_start, r))?;
    r += 1;
    // The files the run read, so that `reconcile` can tell an input changed since.
    headers(ws, f, r, &[LABEL_FILES, "SHA-256", "", ""])?;
    r += 1;
    let files = report
        .inputs
        .iter()
        .map(|i| (FileKind::Input, &i.path, &i.sha256))
        .chain(
            report
                .history
                .iter()
                .map(|i| (FileKind::History, &i.path, &i.sha256)),
        )
        .chain(
            report
                .policies
                .policies
                .iter()
                .map(|p| (FileKind::Policy, &p.path, &p.digest)),
        );
    for (kind, path, sha) in files {
        text(ws, f, r, 0, &kind.recorded(path))?;
        text(ws, f, r, 1, sha)?;
        r += 1;
    }
    Ok(())
}

/// A row of 汇总's tables: 应付 (reviewed payout lines) and 待审核预计 (pending lines).
#[derive(Default)]
struct Both {
    due: (usize, Decimal),
    held: (usize, Decimal),
}

impl Both {
    fn add(&mut self, line: &crate::engine::batch::Line) {
        let side = if line.is_pending() {
            &mut self.held
        } else {
            &mut self.due
        };
        side.0 += 1;
        side.1 += line.amount;
    }

    /// Columns C–F: 应付笔数, 应付金额, 待审核笔数, 待审核预计.
    fn write(&self, ws: &mut Worksheet, f: &Formats, r: u32) -> Result<(), XlsxError> {
        ws.write_number_with_format(r, 2, self.due.0 as f64, &f.text)?;
        money(ws, &f.money, r, 3, self.due.1)?;
        ws.write_number_with_format(r, 4, self.held.0 as f64, &f.text)?;
        money(ws, &f.money, r, 5, self.held.1)
    }
}

/// Charts beside the summary tables (after column G): bars by rule and by region (应付 and
/// 待审核预计, columns D and F), a pie by payer of 应付 (column D); rows [start, end), names in A.
fn charts(
    ws: &mut Worksheet,
    rules: (u32, u32),
    regions: (u32, u32),
    payers: (u32, u32),
) -> Result<(), XlsxError> {
    let sheet = Sheet::Summary.name();
    let specs = [
        (ChartType::Bar, "奖补金额：按条款", rules),
        (ChartType::Column, "奖补金额：按地区", regions),
        (ChartType::Pie, "应付金额：按出资方", payers),
    ];
    // Stacked one under another beside the tables; a default row is 20 pixels high.
    let mut at = 2u32;
    for (kind, title, (start, end)) in specs {
        if end <= start {
            continue;
        }
        let mut chart = Chart::new(kind);
        chart.title().set_name(title);
        if kind == ChartType::Pie {
            chart
                .add_series()
                .set_categories((sheet, start, 0, end - 1, 0))
                .set_values((sheet, start, 3, end - 1, 3))
                .set_name(title);
        } else {
            // 应付 and 待审核预计 side by side, as in the table (columns D and F).
            for (col, name) in [(3, "应付"), (5, "待审核预计")] {
                chart
                    .add_series()
                    .set_categories((sheet, start, 0, end - 1, 0))
                    .set_values((sheet, start, col, end - 1, col))
                    .set_name(name);
            }
            chart
                .legend()
                .set_position(rust_xlsxwriter::ChartLegendPosition::Top);
        }
        let height = if kind == ChartType::Bar {
            (120 + 18 * (end - start)).clamp(300, 900)
        } else {
            300
        };
        chart.set_width(640).set_height(height);
        ws.insert_chart(at, 7, &chart)?;
        at += height.div_ceil(20) + 1;
    }
    Ok(())
}
