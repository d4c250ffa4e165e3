//! `ledger.xlsx`: the sheets of DESIGN.md with their Chinese labels, in one place.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Chart, ChartType, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder,
    ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use super::check_code::{ledger_code, line_code};
use crate::domain::money::fixed2;
use crate::engine::batch::{payer_label, LineKind};
use crate::rules::{describe, Outcome, Payer};

use super::fit::{fit, FullText};
use super::{LedgerError, LedgerLine, Report, Totals};
use crate::ingest::parquet::{Kind, ParquetTable};

/// Sheet names (工作表), as DESIGN.md fixes them.
pub const SHEETS: [&str; 6] = [
    "汇总",
    "发放明细",
    "计算过程",
    "不予支持",
    "数据错误",
    "政策参数",
];
/// 待审核: lines whose review is open, computed in full and not paid; in the workbook it
/// follows 发放明细.
pub const PENDING_SHEET: &str = "待审核";
pub const PENDING_HEADERS: [&str; 19] = [
    "序号",
    "申报编号",
    "统一社会信用代码",
    "企业名称",
    "所属旗县区",
    "申报年度",
    "申报条款编号",
    "条款",
    "计算方式",
    "待审核预计（元）",
    "自治区",
    "盟市",
    "旗县区",
    "中央",
    "其他",
    "待审核事项",
    "说明",
    "数据来源",
    "校验码",
];
/// Columns of 待审核 whose text its check code covers: 申报编号, 统一社会信用代码, 申报条款编号,
/// 待审核预计, the five shares and 待审核事项.
pub const PENDING_SIGNED: [usize; 10] = [1, 2, 6, 9, 10, 11, 12, 13, 14, 15];
/// How 计算过程's 结果 begins for a 待审核 line (the amount follows).
pub const PENDING_RESULT: &str = "待审核预计 ";
/// Label of 汇总's pending total (not part of 奖补资金合计).
pub const LABEL_PENDING_TOTAL: &str = "待审核预计合计（元，不计入奖补资金合计）";

pub const DETAIL_HEADERS: [&str; 21] = [
    "序号",
    "申报编号",
    "统一社会信用代码",
    "企业名称",
    "所属旗县区",
    "申报年度",
    "申报条款编号",
    "条款",
    "计算方式",
    "结果类型",
    "金额（元）",
    "自治区",
    "盟市",
    "旗县区",
    "中央",
    "其他",
    "测算/认定结果",
    "说明",
    "数据来源",
    "其他列",
    "校验码",
];
const DETAIL_PAYERS: [Payer; 5] = [
    Payer::Region,
    Payer::City,
    Payer::County,
    Payer::Central,
    Payer::Other,
];
const TRACE_HEADERS: [&str; 4] = ["申报编号", "申报条款编号", "结果", "计算过程"];
/// Data rows one worksheet holds (Excel's 1,048,576 rows less the header).
pub const MAX_SHEET_LINES: usize = 1_048_575;
pub const REFUSED_HEADERS: [&str; 8] = [
    "申报编号",
    "统一社会信用代码",
    "企业名称",
    "申报条款编号",
    "条款",
    "原因",
    "数据来源",
    "校验码",
];
/// Labels of 汇总 that `verify` and `reconcile` read back.
pub const LABEL_TOTAL: &str = "奖补资金合计（元）";
pub const LABEL_CODE: &str = "台账校验码";
pub const LABEL_FILES: &str = "输入与政策文件（SHA-256）";
const ERROR_HEADERS: [&str; 6] = ["文件", "工作表", "单元格", "申报编号", "原值", "原因"];
const POLICY_HEADERS: [&str; 12] = [
    "政策文件",
    "申报条款编号",
    "条款",
    "原文摘录",
    "结果类型",
    "计算方式",
    "参数",
    "申报条件",
    "上限",
    "分担",
    "解读",
    "位置",
];

struct Formats {
    header: Format,
    money: Format,
    /// Plain text: also the workbook's default format.
    text: Format,
    quoted: Format,
    title: Format,
    bold_money: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Self {
        let font = "等线";
        Formats {
            header: Format::new()
                .set_bold()
                .set_font_name(font)
                .set_background_color(0xDDEBF7)
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_text_wrap(),
            money: Format::new().set_num_format("#,##0.00").set_font_name(font),
            text: Format::new().set_font_name(font),
            quoted: Format::new().set_font_name(font).set_quote_prefix(),
            title: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_font_name(font),
            bold_money: Format::new()
                .set_bold()
                .set_num_format("#,##0.00")
                .set_font_name(font),
            wrap: Format::new().set_font_name(font).set_text_wrap(),
        }
    }
}

/// Writes text; text that starts like a formula gets Excel's quote prefix, so it is never run.
/// Text longer than a cell holds is cut with a marker (callers that know where it is whole
/// cut it first, naming that place), so no text can fail the batch.
fn text(ws: &mut Worksheet, f: &Formats, row: u32, col: u16, s: &str) -> Result<(), XlsxError> {
    let s = &*fit(s, FullText::Nowhere);
    if s.is_empty() {
        return Ok(());
    }
    if super::csvout::starts_like_formula(s) {
        ws.write_string_with_format(row, col, s, &f.quoted)?;
    } else {
        ws.write_string(row, col, s)?;
    }
    Ok(())
}

/// Writes an amount as a number. The value already has 2 decimals; its shortest decimal text
/// becomes the nearest double, which Excel shows back exactly to the 分 below 10¹³.
pub(crate) fn money(
    ws: &mut Worksheet,
    fmt: &Format,
    row: u32,
    col: u16,
    v: Decimal,
) -> Result<(), XlsxError> {
    let n: f64 = v.to_string().parse().unwrap_or(0.0);
    ws.write_number_with_format(row, col, n, fmt)?;
    Ok(())
}

fn headers(ws: &mut Worksheet, f: &Formats, row: u32, names: &[&str]) -> Result<(), XlsxError> {
    for (c, h) in names.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &f.header)?;
    }
    Ok(())
}

fn widths(ws: &mut Worksheet, w: &[f64]) -> Result<(), XlsxError> {
    for (c, width) in w.iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    Ok(())
}

fn detail_sheet(
    ws: &mut Worksheet,
    names: &[&str],
    f: &Formats,
    w: &[f64],
) -> Result<(), XlsxError> {
    headers(ws, f, 0, names)?;
    widths(ws, w)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

fn is_refused(l: &LedgerLine) -> bool {
    matches!(
        l.line.kind,
        LineKind::Ineligible { .. } | LineKind::Rejected { .. }
    )
}

/// What 结果类型 and 测算/认定结果 show for a detail line.
fn kind_and_result(l: &LedgerLine) -> (String, String) {
    match &l.line.kind {
        LineKind::Payout => ("奖补资金".to_string(), String::new()),
        LineKind::Measure { label, unit } => (
            label.clone(),
            format!("{} {unit}", crate::domain::money::grouped2(l.line.amount)),
        ),
        LineKind::Verdict {
            label,
            value,
            words,
        } => (
            label.clone(),
            words
                .clone()
                .unwrap_or_else(|| if *value { "符合" } else { "不符合" }.to_string()),
        ),
        LineKind::Text { label, value } => (label.clone(), value.clone()),
        LineKind::Pending { reason } => ("待审核".to_string(), reason.clone()),
        LineKind::Ineligible { .. } | LineKind::Rejected { .. } => (String::new(), String::new()),
    }
}

/// The check code of a 发放明细 line, over the text of its signed cells as written.
fn detail_code(l: &LedgerLine, kind: &str, result: &str) -> String {
    let money = |v: Decimal| {
        if l.is_payout() {
            fixed2(v)
        } else {
            String::new()
        }
    };
    let mut parts = vec![
        l.application_id.clone(),
        l.credit_code.clone(),
        l.rule_id.clone(),
        kind.to_string(),
        money(l.line.amount),
    ];
    parts.extend(DETAIL_PAYERS.iter().map(|p| money(l.share(*p))));
    parts.push(result.to_string());
    line_code(&parts)
}

/// The check code of a 待审核 line, over the text of its signed cells as written
/// ([`PENDING_SIGNED`]).
fn pending_code(l: &LedgerLine, reason: &str) -> String {
    let mut parts = vec![
        l.application_id.clone(),
        l.credit_code.clone(),
        l.rule_id.clone(),
        fixed2(l.line.amount),
    ];
    parts.extend(DETAIL_PAYERS.iter().map(|p| fixed2(l.share(*p))));
    parts.push(reason.to_string());
    line_code(&parts)
}

/// A line made ready for the sheets: the text of its cells and its check code. Lines are
/// prepared on a second thread while the first writes, as the workbook writer is serial.
struct Prepared {
    line: LedgerLine,
    kind: String,
    result: String,
    /// 说明 of 发放明细, or 原因 of 不予支持.
    note: String,
    code: String,
    trace_result: String,
    steps: String,
}

fn prepare(l: LedgerLine) -> Prepared {
    let (kind, result) = kind_and_result(&l);
    // Codes are taken over the texts as the ledger shows them, so `verify` can recompute them.
    let result = fit(&result, FullText::Payouts).into_owned();
    let (note, code) = if is_refused(&l) {
        let reason = fit(&l.reason(), FullText::Payouts).into_owned();
        let code = line_code(&[
            l.application_id.clone(),
            l.credit_code.clone(),
            l.rule_id.clone(),
            reason.clone(),
        ]);
        (reason, code)
    } else {
        // The computation, and every step that changed the amount: the last is the reason.
        let explain = l
            .line
            .trace
            .entries()
            .filter(|s| s.cut || s.kind.explains_amount())
            .map(|s| s.text)
            .collect::<Vec<_>>()
            .join("；");
        let explain = fit(&explain, FullText::Nowhere).into_owned();
        let code = if l.line.is_pending() {
            pending_code(&l, &result)
        } else {
            detail_code(&l, &kind, &result)
        };
        (explain, code)
    };
    let mut steps = String::with_capacity(l.line.trace.len() + 64);
    for (n, step) in l.line.trace.steps().enumerate() {
        use std::fmt::Write;
        if n > 0 {
            steps.push('\n');
        }
        let _ = write!(steps, "{}. {step}", n + 1);
    }
    let steps = fit(&steps, FullText::Nowhere).into_owned();
    Prepared {
        trace_result: trace_result(&l),
        kind,
        result,
        note,
        code,
        steps,
        line: l,
    }
}

/// Lines prepared per message between the two threads.
const CHUNK: usize = 4096;

/// A chunk of prepared lines and their `payouts.csv` rows.
struct Chunk {
    lines: Vec<Prepared>,
    csv: Vec<u8>,
}

/// Writes `ledger.xlsx` to `path`, and `payouts.csv` to `csv` in the same pass over the lines.
pub fn write(
    report: &Report<'_>,
    totals: &Totals,
    path: &std::path::Path,
    csv: &mut dyn std::io::Write,
) -> Result<(), LedgerError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    // Fixed document times: the same inputs give the same bytes.
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&fixed)
            .set_title("奖补资金发放台账")
            .set_author("subsidy"),
    );
    // Plain text is the workbook's default format: a cell written without one costs no format
    // lookup (a hash of the whole format, per cell, in rust_xlsxwriter).
    wb.set_default_format(&f.text, 20, 64)?;
    // Constant-memory sheets number formats workbook-wide on first use; two sheets written by
    // two threads would number them in whichever order the threads ran. Numbered here, first.
    for format in [
        &f.header,
        &f.money,
        &f.quoted,
        &f.title,
        &f.bold_money,
        &f.wrap,
    ] {
        wb.register_format(format);
    }
    // 汇总 and 发放明细 are protected against accidental edits (no password: 审阅 → 撤销工作表保护
    // gives an editable copy); sorting, filtering and formatting stay allowed.
    let protection = ProtectionOptions {
        sort: true,
        use_autofilter: true,
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    };
    let n = report.lines.count();
    if n > MAX_SHEET_LINES || report.exceptions.len() > MAX_SHEET_LINES {
        return Err(XlsxError::RowColumnLimitError.into());
    }
    wb.add_worksheet()
        .set_name(SHEETS[0])?
        .protect_with_options(&protection);
    // The long sheets are written row by row in constant memory (rows go to a temporary file),
    // so memory stays flat however large the batch.
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name(SHEETS[1])?
        .protect_with_options(&protection);
    detail_sheet(ws, &DETAIL_HEADERS, &f, &DETAIL_WIDTHS)?;
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name(PENDING_SHEET)?
        .protect_with_options(&protection);
    ws.set_tab_color(rust_xlsxwriter::Color::RGB(0xF4B183));
    detail_sheet(ws, &PENDING_HEADERS, &f, &PENDING_WIDTHS)?;
    detail_sheet(
        wb.add_worksheet_with_constant_memory()?
            .set_name(SHEETS[2])?,
        &TRACE_HEADERS,
        &f,
        &[14.0, 36.0, 16.0, 120.0],
    )?;
    detail_sheet(
        wb.add_worksheet_with_constant_memory()?
            .set_name(SHEETS[3])?,
        &REFUSED_HEADERS,
        &f,
        &[14.0, 21.0, 28.0, 36.0, 30.0, 60.0, 36.0, 18.0],
    )?;
    errors(
        wb.add_worksheet_with_constant_memory()?
            .set_name(SHEETS[4])?,
        report,
        &f,
    )?;
    policy(wb.add_worksheet().set_name(SHEETS[5])?, report, &f)?;
    csv.write_all(&super::csvout::payouts_csv(&[], true)?)
        .map_err(|source| LedgerError::Write {
            path: path.with_file_name("payouts.csv"),
            source,
        })?;
    let started = std::time::Instant::now();
    let codes = stream_lines(&mut wb, report, &f, csv, path)?;
    let streamed = started.elapsed();
    let total: Decimal = report
        .settled()
        .filter(|l| l.is_payout())
        .map(|l| l.amount)
        .sum();
    let code = ledger_code(
        &codes
            .iter()
            .map(|(s, c)| (*s, c.as_str()))
            .collect::<Vec<_>>(),
        &fixed2(total),
    );
    summary(wb.worksheet_from_index(0)?, report, totals, code, &f)?;
    let at = std::time::Instant::now();
    wb.save(path)?;
    if std::env::var_os("SUBSIDY_TIMINGS").is_some() {
        eprintln!(
            "timing   lines written in {:.3} s; workbook saved (compressed) in {:.3} s",
            streamed.as_secs_f64(),
            at.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

const PENDING_WIDTHS: [f64; 19] = [
    6.0, 14.0, 21.0, 28.0, 12.0, 9.0, 36.0, 30.0, 12.0, 16.0, 14.0, 14.0, 14.0, 10.0, 10.0, 58.0,
    40.0, 36.0, 18.0,
];
const DETAIL_WIDTHS: [f64; 21] = [
    6.0, 14.0, 21.0, 28.0, 12.0, 9.0, 36.0, 30.0, 12.0, 12.0, 16.0, 14.0, 14.0, 14.0, 10.0, 10.0,
    16.0, 40.0, 36.0, 24.0, 18.0,
];

/// Writes every line to 发放明细, 待审核 or 不予支持 and to 计算过程, and its `payouts.csv` row.
/// Three threads share the work: one makes the lines whole and prepares their cells, one
/// writes 计算过程, this one writes the rest (a worksheet is written by one thread; two
/// worksheets by two). Returns the line codes in the order 台账校验码 covers them: 发放明细's,
/// then 待审核's, then 不予支持's.
fn stream_lines(
    wb: &mut Workbook,
    report: &Report<'_>,
    f: &Formats,
    csv: &mut dyn std::io::Write,
    path: &std::path::Path,
) -> Result<Vec<(&'static str, String)>, LedgerError> {
    let mut parquet = match report.parquet {
        true => {
            let columns: Vec<(&str, Kind)> = super::csvout::payouts_header()
                .into_iter()
                .enumerate()
                .map(|(c, name)| {
                    (
                        name,
                        if super::csvout::is_money_column(c) {
                            Kind::Money
                        } else {
                            Kind::Text
                        },
                    )
                })
                .collect();
            Some(ParquetTable::create(
                &path.with_file_name("payouts.parquet"),
                &columns,
            )?)
        }
        false => None,
    };
    use std::sync::{mpsc::sync_channel, Arc};
    use std::time::{Duration, Instant};
    let lines = report.lines;
    let n = lines.count();
    let sheets = wb.worksheets_mut();
    let (head, rest) = sheets.split_at_mut(2);
    let (held, rest) = rest.split_at_mut(1);
    let (mid, tail) = rest.split_at_mut(1);
    let (detail, pending, traces, refused) =
        (&mut head[1], &mut held[0], &mut mid[0], &mut tail[0]);
    let mut detail_codes = Vec::new();
    let mut pending_codes = Vec::new();
    let mut refused_codes = Vec::new();
    let (mut dr, mut pr, mut rr) = (1u32, 1u32, 1u32);
    std::thread::scope(|scope| -> Result<(), LedgerError> {
        let (tx, rx) = sync_channel::<Arc<Chunk>>(2);
        let (trace_tx, trace_rx) = sync_channel::<Arc<Chunk>>(2);
        let producer = scope.spawn(move || -> Result<Duration, LedgerError> {
            let mut blocked = Duration::ZERO;
            for start in (0..n).step_by(CHUNK) {
                let whole = lines.whole(start..(start + CHUNK).min(n));
                let records = super::csvout::payout_records(&whole);
                let csv = super::csvout::payouts_csv(&records, false)?;
                if let Some(table) = parquet.as_mut() {
                    table.write(&records)?;
                }
                let chunk = Arc::new(Chunk {
                    lines: whole.into_par_iter().map(prepare).collect(),
                    csv,
                });
                let at = Instant::now();
                if trace_tx.send(Arc::clone(&chunk)).is_err() || tx.send(chunk).is_err() {
                    break;
                }
                blocked += at.elapsed();
            }
            if let Some(table) = parquet {
                table.finish()?;
            }
            Ok(blocked)
        });
        let trace_writer = scope.spawn(move || -> Result<(), XlsxError> {
            let mut r = 1u32;
            for chunk in trace_rx {
                for p in &chunk.lines {
                    trace_row(traces, f, r, p)?;
                    r += 1;
                }
            }
            Ok(())
        });
        let mut waited = Duration::ZERO;
        let mut at = Instant::now();
        while let Ok(chunk) = rx.recv() {
            waited += at.elapsed();
            csv.write_all(&chunk.csv)
                .map_err(|source| LedgerError::Write {
                    path: path.with_file_name("payouts.csv"),
                    source,
                })?;
            for p in &chunk.lines {
                if is_refused(&p.line) {
                    refused_row(refused, f, rr, p)?;
                    refused_codes.push((SHEETS[3], p.code.clone()));
                    rr += 1;
                } else if p.line.line.is_pending() {
                    pending_row(pending, f, pr, p)?;
                    pending_codes.push((PENDING_SHEET, p.code.clone()));
                    pr += 1;
                } else {
                    detail_row(detail, f, dr, p)?;
                    detail_codes.push((SHEETS[1], p.code.clone()));
                    dr += 1;
                }
            }
            at = Instant::now();
        }
        trace_writer
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        let blocked = producer
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        // Which side of the pipeline waited for the other (SUBSIDY_TIMINGS, for `make bench`).
        if std::env::var_os("SUBSIDY_TIMINGS").is_some() {
            eprintln!("timing   writer waited {:.3} s for lines; line maker waited {:.3} s for the writers", waited.as_secs_f64(), blocked.as_secs_f64());
        }
        Ok(())
    })?;
    if dr > 1 {
        detail.autofilter(0, 0, dr - 1, (DETAIL_HEADERS.len() - 1) as u16)?;
    }
    if pr > 1 {
        pending.autofilter(0, 0, pr - 1, (PENDING_HEADERS.len() - 1) as u16)?;
    }
    if rr > 1 {
        refused.autofilter(0, 0, rr - 1, (REFUSED_HEADERS.len() - 1) as u16)?;
    }
    detail_codes.extend(pending_codes);
    detail_codes.extend(refused_codes);
    Ok(detail_codes)
}

fn summary(
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
        .map(|i| ("输入", i.path.display().to_string(), i.sha256.clone()))
        .chain(
            report
                .history
                .iter()
                .map(|i| ("历史", i.path.display().to_string(), i.sha256.clone())),
        )
        .chain(
            report
                .policies
                .policies
                .iter()
                .map(|p| ("政策", p.path.display().to_string(), p.digest.clone())),
        );
    for (kind, path, sha) in files {
        text(ws, f, r, 0, &format!("{kind} {path}"))?;
        text(ws, f, r, 1, &sha)?;
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
    let sheet = SHEETS[0];
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

/// Columns A–I of 发放明细 and 待审核: 序号, the line's identity, its clause and 计算方式.
fn identity_cells(
    ws: &mut Worksheet,
    f: &Formats,
    r: u32,
    l: &LedgerLine,
) -> Result<(), XlsxError> {
    ws.write_number(r, 0, r as f64)?;
    for (c, s) in [
        &l.application_id,
        &l.credit_code,
        &l.enterprise_name,
        &l.region,
        &l.year,
        &l.rule_id,
        &l.clause,
    ]
    .into_iter()
    .enumerate()
    {
        text(ws, f, r, 1 + c as u16, s)?;
    }
    text(ws, f, r, 8, l.formula_kind)
}

fn detail_row(ws: &mut Worksheet, f: &Formats, r: u32, p: &Prepared) -> Result<(), XlsxError> {
    let l = &p.line;
    identity_cells(ws, f, r, l)?;
    text(ws, f, r, 9, &p.kind)?;
    if l.is_payout() {
        money(ws, &f.money, r, 10, l.line.amount)?;
        for (i, payer) in DETAIL_PAYERS.iter().enumerate() {
            money(ws, &f.money, r, 11 + i as u16, l.share(*payer))?;
        }
    }
    text(ws, f, r, 16, &p.result)?;
    text(ws, f, r, 17, &p.note)?;
    text(ws, f, r, 18, &l.source)?;
    text(ws, f, r, 19, &fit(&l.extras, FullText::Input))?;
    text(ws, f, r, 20, &p.code)
}

/// One row per line: its result and every step, numbered, one per line of the cell.
fn trace_row(ws: &mut Worksheet, f: &Formats, r: u32, p: &Prepared) -> Result<(), XlsxError> {
    text(ws, f, r, 0, &p.line.application_id)?;
    text(ws, f, r, 1, &p.line.rule_id)?;
    text(ws, f, r, 2, &p.trace_result)?;
    ws.write_string_with_format(r, 3, &p.steps, &f.wrap)?;
    Ok(())
}

/// The result column of 计算过程: the amount as 发放明细 shows it, or the verdict / text.
pub fn trace_result(l: &LedgerLine) -> String {
    match &l.line.kind {
        LineKind::Payout | LineKind::Measure { .. } => fixed2(l.line.amount),
        LineKind::Pending { .. } => format!("{PENDING_RESULT}{}", fixed2(l.line.amount)),
        _ => l.line.result_text(),
    }
}

/// A 待审核 line: what it would get, its shares, and what awaits review.
fn pending_row(ws: &mut Worksheet, f: &Formats, r: u32, p: &Prepared) -> Result<(), XlsxError> {
    let l = &p.line;
    identity_cells(ws, f, r, l)?;
    money(ws, &f.money, r, 9, l.line.amount)?;
    for (i, payer) in DETAIL_PAYERS.iter().enumerate() {
        money(ws, &f.money, r, 10 + i as u16, l.share(*payer))?;
    }
    text(ws, f, r, 15, &p.result)?;
    text(ws, f, r, 16, &p.note)?;
    text(ws, f, r, 17, &l.source)?;
    text(ws, f, r, 18, &p.code)
}

fn refused_row(ws: &mut Worksheet, f: &Formats, r: u32, p: &Prepared) -> Result<(), XlsxError> {
    let l = &p.line;
    for (c, s) in [
        &l.application_id,
        &l.credit_code,
        &l.enterprise_name,
        &l.rule_id,
        &l.clause,
        &p.note,
        &l.source,
        &p.code,
    ]
    .into_iter()
    .enumerate()
    {
        text(ws, f, r, c as u16, s)?;
    }
    Ok(())
}

fn errors(ws: &mut Worksheet, report: &Report<'_>, f: &Formats) -> Result<(), XlsxError> {
    detail_sheet(ws, &ERROR_HEADERS, f, &[36.0, 14.0, 9.0, 14.0, 24.0, 60.0])?;
    for (i, e) in report.exceptions.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, s) in [
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
            text(ws, f, r, c as u16, &fit(s, FullText::Exceptions))?;
        }
    }
    Ok(())
}

fn policy(ws: &mut Worksheet, report: &Report<'_>, f: &Formats) -> Result<(), XlsxError> {
    detail_sheet(
        ws,
        &POLICY_HEADERS,
        f,
        &[
            30.0, 36.0, 30.0, 60.0, 12.0, 12.0, 60.0, 40.0, 24.0, 24.0, 40.0, 30.0,
        ],
    )?;
    let v = report.vocab;
    let mut r = 1;
    for (p, rule) in report.policies.rules() {
        let outcome = match &rule.outcome {
            Outcome::Payout => "奖补资金".to_string(),
            Outcome::Measure { label, unit, .. } => format!("{label}（{unit}）"),
            Outcome::Verdict { label, .. } => format!("资格认定：{label}"),
            Outcome::Text { label } => format!("认定：{label}"),
        };
        let split = rule
            .split
            .as_ref()
            .map(|s| describe::split(s))
            .unwrap_or_else(|| payer_label(p.payer).to_string());
        let cells = [
            p.title.clone(),
            rule.id.clone(),
            rule.clause.clone(),
            rule.excerpt.clone(),
            outcome,
            rule.formula.kind_label().to_string(),
            // Caps have their own column; the other settings that change the money follow the formula.
            [
                describe::formula(v, &rule.formula),
                describe::settings(p, rule),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("；"),
            describe::conditions(v, &rule.when),
            describe::caps(v, rule),
            split,
            rule.readings.join("；"),
            format!("{}:{}", p.path.display(), rule.line),
        ];
        for (c, s) in cells.iter().enumerate() {
            text(ws, f, r, c as u16, &fit(s, FullText::Policy))?;
        }
        r += 1;
    }
    Ok(())
}

/// A one-sheet workbook of text rows (对账结果 and the like), with the ledger's look.
pub fn table<const N: usize>(
    name: &str,
    headers: &[&str; N],
    rows: &[[String; N]],
) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&fixed));
    let ws = wb.add_worksheet().set_name(name)?;
    detail_sheet(ws, headers, &f, &vec![18.0; N])?;
    for (r, row) in rows.iter().enumerate() {
        for (c, s) in row.iter().enumerate() {
            text(ws, &f, r as u32 + 1, c as u16, s)?;
        }
    }
    wb.save_to_buffer()
}
