//! `ledger.xlsx`: the sheets of DESIGN.md with their Chinese labels, in one place.

use std::io::Write;

use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, ProtectionOptions, Workbook,
    Worksheet, XlsxError,
};

use super::check_code::ledger_code;
use crate::domain::fields::Vocabulary;
use crate::domain::money::fixed2;
use crate::engine::batch::{payer_label, LineKind};
use crate::rules::{describe, Outcome, Policy, Rule};

use super::columns::{
    CellKind, Columns, Detail, ErrorColumn, Payout, Pending, PolicyColumn, Refused, Sheet, Trace,
};
use super::fit::{fit, FullText};
use super::package::Source;
use super::rows;
use super::{LedgerError, LedgerLine, Report, Totals};
use crate::ingest::parquet::{Kind, ParquetTable};

/// What 结果类型 shows for a payout line (`verify` totals the lines that show it).
pub const PAYOUT_KIND: &str = "奖补资金";
/// How 计算过程's 结果 begins for a 待审核 line (the amount follows).
pub const PENDING_RESULT: &str = "待审核预计 ";
/// Label of 汇总's refund total (应退, 多退少补: money owed back, negative; shown only when
/// there are refunds, and not part of 奖补资金合计).
pub const LABEL_REFUND_TOTAL: &str = "应退合计（元，多退少补，不计入奖补资金合计）";
/// 结果类型 of a refund line in 发放明细.
pub const KIND_REFUND: &str = "应退";
/// Label of 汇总's pending total (not part of 奖补资金合计).
pub const LABEL_PENDING_TOTAL: &str = "待审核预计合计（元，不计入奖补资金合计）";

/// Data rows one worksheet holds (Excel's 1,048,576 rows less the header).
pub const MAX_SHEET_LINES: usize = 1_048_575;
/// Labels of 汇总 that `verify` and `reconcile` read back.
pub const LABEL_TOTAL: &str = "奖补资金合计（元）";
pub const LABEL_CODE: &str = "台账校验码";
pub const LABEL_FILES: &str = "输入与政策文件（SHA-256）";
pub(super) struct Formats {
    pub(super) header: Format,
    pub(super) money: Format,
    /// Plain text: also the workbook's default format.
    pub(super) text: Format,
    pub(super) quoted: Format,
    pub(super) title: Format,
    pub(super) bold_money: Format,
    pub(super) wrap: Format,
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
pub(super) fn text(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    col: u16,
    s: &str,
) -> Result<(), XlsxError> {
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
    ws.write_number_with_format(row, col, nearest_f64(v), fmt)?;
    Ok(())
}

/// Powers of ten a double holds exactly (5²² < 2⁵³).
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The double nearest an amount, as parsing its decimal text gives it, without making the
/// text (the ledger formats an amount once per place it shows it, not to convert it): a
/// mantissa below 2⁵³ and a power of ten up to 10²² are both exact doubles, and IEEE division
/// rounds their exact quotient to the nearest double. Other amounts (and zero, whose sign the
/// text keeps) go through the text.
fn nearest_f64(v: Decimal) -> f64 {
    let m = v.mantissa();
    match POWERS_OF_TEN.get(v.scale() as usize) {
        Some(p) if m != 0 && m.unsigned_abs() <= 1 << 53 => m as f64 / p,
        _ => v.to_string().parse().unwrap_or(0.0),
    }
}

pub(super) fn headers(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    names: &[&str],
) -> Result<(), XlsxError> {
    for (c, h) in names.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &f.header)?;
    }
    Ok(())
}

pub(super) fn widths(ws: &mut Worksheet, w: &[f64]) -> Result<(), XlsxError> {
    for (c, width) in w.iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    Ok(())
}

/// A sheet of rows under one header row, its columns as `C`'s table says.
fn detail_sheet<C: Columns>(ws: &mut Worksheet, f: &Formats) -> Result<(), XlsxError> {
    headed_sheet(ws, f, &C::headers(), &C::widths())
}

fn headed_sheet(
    ws: &mut Worksheet,
    f: &Formats,
    names: &[&str],
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

/// What 结果类型 and 测算/认定结果 show for a detail line.
fn kind_and_result(l: &LedgerLine) -> (String, String) {
    match &l.line.kind {
        LineKind::Payout => (PAYOUT_KIND.to_string(), String::new()),
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
        LineKind::Refund => (KIND_REFUND.to_string(), String::new()),
        LineKind::Ineligible { .. } | LineKind::Rejected { .. } => (String::new(), String::new()),
    }
}

/// A line made ready for the sheets: the text of its cells and its check code. Lines are
/// prepared on a second thread while the first writes, as the workbook writer is serial.
pub(super) struct Prepared {
    pub(super) line: LedgerLine,
    /// 结果类型.
    pub(super) kind: String,
    /// 测算/认定结果, or 待审核事项.
    pub(super) result: String,
    /// 说明 of 发放明细 and 待审核, or 原因 of 不予支持.
    pub(super) note: String,
    pub(super) code: String,
    pub(super) trace_result: String,
    pub(super) steps: String,
}

fn prepare(l: LedgerLine) -> Prepared {
    let (kind, result) = kind_and_result(&l);
    // Codes are taken over the texts as the ledger shows them, so `verify` can recompute them.
    let result = fit(&result, FullText::Payouts).into_owned();
    let note = if rows::sheet_of(&l.line.kind) == Sheet::Refused {
        fit(&l.reason(), FullText::Payouts).into_owned()
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
        fit(&explain, FullText::Nowhere).into_owned()
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
    let mut prepared = Prepared {
        trace_result: trace_result(&l),
        kind,
        result,
        note,
        code: String::new(),
        steps,
        line: l,
    };
    prepared.code = rows::code_of(&prepared);
    prepared
}

/// Lines prepared per message between the two threads.
const CHUNK: usize = 4096;

/// A chunk of prepared lines and their `payouts.csv` rows.
struct Chunk {
    lines: Vec<Prepared>,
    csv: Vec<u8>,
}

/// Which rows a workbook of [`skeleton`] is written with: all three have every sheet with its
/// header and settings, so each sheet's XML is the same whichever workbook it is saved from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Book {
    /// 汇总, 数据错误 and 政策参数: what the package takes every part but the line sheets from.
    Main,
    /// 发放明细, 待审核 and 不予支持, written and saved (compressed) on the writing thread.
    Lines,
    /// 计算过程, written and saved on a thread of its own.
    Steps,
}

/// A workbook with the ledger's sheets, formats and properties; the main one also with the
/// rows of 数据错误 and 政策参数.
fn skeleton(report: &Report<'_>, f: &Formats, book: Book) -> Result<Workbook, LedgerError> {
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
    // Constant-memory sheets number formats workbook-wide on first use; sheets written by
    // several threads would number them in whichever order the threads ran, and the three
    // workbooks must number them alike. Numbered here, first.
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
    wb.add_worksheet()
        .set_name(Sheet::Summary.name())?
        .protect_with_options(&protection);
    // The long sheets are written row by row in constant memory (rows go to a temporary file),
    // so memory stays flat however large the batch.
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name(Sheet::Details.name())?
        .protect_with_options(&protection);
    detail_sheet::<Detail>(ws, f)?;
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name(Sheet::Pending.name())?
        .protect_with_options(&protection);
    ws.set_tab_color(rust_xlsxwriter::Color::RGB(0xF4B183));
    detail_sheet::<Pending>(ws, f)?;
    detail_sheet::<Trace>(
        wb.add_worksheet_with_constant_memory()?
            .set_name(Sheet::Trace.name())?,
        f,
    )?;
    detail_sheet::<Refused>(
        wb.add_worksheet_with_constant_memory()?
            .set_name(Sheet::Refused.name())?,
        f,
    )?;
    let ws = wb
        .add_worksheet_with_constant_memory()?
        .set_name(Sheet::Errors.name())?;
    detail_sheet::<ErrorColumn>(ws, f)?;
    if book == Book::Main {
        errors(ws, report, f)?;
    }
    let ws = wb.add_worksheet().set_name(Sheet::Policy.name())?;
    detail_sheet::<PolicyColumn>(ws, f)?;
    if book == Book::Main {
        policy(ws, report, f)?;
    }
    Ok(wb)
}

/// The package part of a sheet: rust_xlsxwriter names worksheets by their place.
fn part_of(sheet: Sheet) -> String {
    let place = Sheet::ALL.iter().position(|s| *s == sheet).unwrap_or(0) + 1;
    format!("xl/worksheets/sheet{place}.xml")
}

/// Writes `ledger.xlsx` to `path`, and `payouts.csv` to `csv` in the same pass over the lines.
pub fn write(
    report: &Report<'_>,
    totals: &Totals,
    path: &std::path::Path,
    csv: &mut dyn std::io::Write,
) -> Result<(), LedgerError> {
    let f = Formats::new();
    let n = report.lines.count();
    if n > MAX_SHEET_LINES || report.exceptions.len() > MAX_SHEET_LINES {
        return Err(XlsxError::RowColumnLimitError.into());
    }
    let mut wb = skeleton(report, &f, Book::Main)?;
    csv.write_all(&super::csvout::payouts_csv(&[], true)?)
        .map_err(|source| LedgerError::Write {
            path: path.with_file_name("payouts.csv"),
            source,
        })?;
    let started = std::time::Instant::now();
    let streamed = stream_lines(report, &f, csv, path)?;
    let took = started.elapsed();
    // The filters' ranges are defined names of workbook.xml, which the main workbook gives.
    filter(&mut wb, streamed.rows)?;
    let total: Decimal = report
        .settled()
        .filter(|l| l.is_payout())
        .map(|l| l.amount)
        .sum();
    let code = ledger_code(
        &streamed
            .codes
            .iter()
            .map(|(s, c)| (*s, c.as_str()))
            .collect::<Vec<_>>(),
        &fixed2(total),
    );
    super::summary::summary(wb.worksheet_from_index(0)?, report, totals, code, &f)?;
    let at = std::time::Instant::now();
    let main = wb.save_to_buffer()?;
    let io = |source| LedgerError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut out =
        std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).map_err(io)?);
    let (mut main, mut lines, mut steps) = (
        std::io::Cursor::new(main),
        std::io::BufReader::with_capacity(1 << 20, streamed.lines),
        std::io::BufReader::with_capacity(1 << 20, streamed.steps),
    );
    super::package::assemble(
        vec![
            Source {
                what: "the main workbook",
                reader: &mut main,
                parts: Vec::new(),
            },
            Source {
                what: "the line sheets",
                reader: &mut lines,
                parts: [Sheet::Details, Sheet::Pending, Sheet::Refused]
                    .into_iter()
                    .map(part_of)
                    .collect(),
            },
            Source {
                what: "计算过程",
                reader: &mut steps,
                parts: vec![part_of(Sheet::Trace)],
            },
        ],
        &mut out,
    )?;
    out.flush().map_err(io)?;
    if std::env::var_os("SUBSIDY_TIMINGS").is_some() {
        eprintln!(
            "timing   lines written and their sheets saved (compressed) in {:.3} s; workbook saved and assembled in {:.3} s",
            took.as_secs_f64(),
            at.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Rows written to 发放明细, 待审核 and 不予支持 (each with its header).
#[derive(Clone, Copy)]
struct Rows {
    details: u32,
    pending: u32,
    refused: u32,
}

/// Sets the autofilters of the sheets with lines.
fn filter(wb: &mut Workbook, rows: Rows) -> Result<(), XlsxError> {
    let sheets = [
        (Sheet::Details, rows.details, Detail::ALL.len()),
        (Sheet::Pending, rows.pending, Pending::ALL.len()),
        (Sheet::Refused, rows.refused, Refused::ALL.len()),
    ];
    for (sheet, rows, columns) in sheets {
        if rows > 1 {
            wb.worksheet_from_name(sheet.name())?.autofilter(
                0,
                0,
                rows - 1,
                (columns - 1) as u16,
            )?;
        }
    }
    Ok(())
}

/// What [`stream_lines`] gives back: the line codes in the order 台账校验码 covers them
/// (发放明细's, then 待审核's, then 不予支持's), the rows of each sheet, and the two saved
/// workbooks that hold the line sheets.
struct Streamed {
    codes: Vec<(&'static str, String)>,
    rows: Rows,
    lines: std::fs::File,
    steps: std::fs::File,
}

/// Saves a workbook (its parts deflated here, on the calling thread) to a temporary file, as
/// rust_xlsxwriter keeps the rows of constant-memory sheets: memory stays flat.
fn saved(wb: &mut Workbook, path: &std::path::Path) -> Result<std::fs::File, LedgerError> {
    let io = |source| LedgerError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = tempfile::tempfile().map_err(io)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut file);
    wb.save_to_writer(&mut w)?;
    w.flush().map_err(io)?;
    drop(w);
    Ok(file)
}

/// Writes every line to 发放明细, 待审核 or 不予支持 and to 计算过程, and its `payouts.csv` row.
/// Three threads share the work: one makes the lines whole and prepares their cells, one
/// writes 计算过程 into a workbook of its own, this one writes the rest into another; each
/// saves (compresses) its workbook as soon as its last row is in, so the two deflate side by
/// side.
fn stream_lines(
    report: &Report<'_>,
    f: &Formats,
    csv: &mut dyn std::io::Write,
    path: &std::path::Path,
) -> Result<Streamed, LedgerError> {
    let mut parquet = match report.parquet {
        true => {
            let columns: Vec<(&str, Kind)> = Payout::ALL
                .iter()
                .map(|c| match c.column().kind {
                    CellKind::Money => (c.header(), Kind::Money),
                    CellKind::Serial | CellKind::Text | CellKind::Wrapped => {
                        (c.header(), Kind::Text)
                    }
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
    let mut lines_wb = skeleton(report, f, Book::Lines)?;
    let mut steps_wb = skeleton(report, f, Book::Steps)?;
    let mut detail_codes = Vec::new();
    let mut pending_codes = Vec::new();
    let mut refused_codes = Vec::new();
    let (mut dr, mut pr, mut rr) = (1u32, 1u32, 1u32);
    let (lines_saved, steps_saved) = std::thread::scope(|scope| -> Result<_, LedgerError> {
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
        let steps_wb = &mut steps_wb;
        let trace_writer = scope.spawn(move || -> Result<std::fs::File, LedgerError> {
            let traces = steps_wb.worksheet_from_name(Sheet::Trace.name())?;
            let mut r = 1u32;
            for chunk in trace_rx {
                for p in &chunk.lines {
                    rows::put_row(traces, f, r, p, rows::trace)?;
                    r += 1;
                }
            }
            saved(steps_wb, path)
        });
        let sheets = lines_wb.worksheets_mut();
        let (head, rest) = sheets.split_at_mut(2);
        let (held, rest) = rest.split_at_mut(1);
        let (_, tail) = rest.split_at_mut(1);
        let (detail, pending, refused) = (&mut head[1], &mut held[0], &mut tail[0]);
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
                let sheet = rows::sheet_of(&p.line.line.kind);
                match sheet {
                    Sheet::Refused => {
                        rows::put_row(refused, f, rr, p, rows::refused)?;
                        refused_codes.push((sheet.name(), p.code.clone()));
                        rr += 1;
                    }
                    Sheet::Pending => {
                        rows::put_row(pending, f, pr, p, rows::pending)?;
                        pending_codes.push((sheet.name(), p.code.clone()));
                        pr += 1;
                    }
                    _ => {
                        rows::put_row(detail, f, dr, p, rows::detail)?;
                        detail_codes.push((sheet.name(), p.code.clone()));
                        dr += 1;
                    }
                }
            }
            at = Instant::now();
        }
        let rows = Rows {
            details: dr,
            pending: pr,
            refused: rr,
        };
        filter(&mut lines_wb, rows)?;
        // Deflated here while 计算过程 is still being written or deflated on its thread.
        let lines_saved = saved(&mut lines_wb, path)?;
        let steps_saved = trace_writer
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        let blocked = producer
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        // Which side of the pipeline waited for the other (SUBSIDY_TIMINGS, for `make bench`).
        if std::env::var_os("SUBSIDY_TIMINGS").is_some() {
            eprintln!("timing   writer waited {:.3} s for lines; line maker waited {:.3} s for the writers", waited.as_secs_f64(), blocked.as_secs_f64());
        }
        Ok((lines_saved, steps_saved))
    })?;
    detail_codes.extend(pending_codes);
    detail_codes.extend(refused_codes);
    Ok(Streamed {
        codes: detail_codes,
        rows: Rows {
            details: dr,
            pending: pr,
            refused: rr,
        },
        lines: lines_saved,
        steps: steps_saved,
    })
}

/// The result column of 计算过程: the amount as 发放明细 shows it, or the verdict / text.
pub fn trace_result(l: &LedgerLine) -> String {
    match &l.line.kind {
        LineKind::Payout | LineKind::Measure { .. } | LineKind::Refund => fixed2(l.line.amount),
        LineKind::Pending { .. } => format!("{PENDING_RESULT}{}", fixed2(l.line.amount)),
        _ => l.line.result_text(),
    }
}

fn errors(ws: &mut Worksheet, report: &Report<'_>, f: &Formats) -> Result<(), XlsxError> {
    for (i, e) in report.exceptions.iter().enumerate() {
        let r = i as u32 + 1;
        for c in ErrorColumn::ALL {
            text(ws, f, r, c.col(), &fit(c.of(e), FullText::Exceptions))?;
        }
    }
    Ok(())
}

fn policy(ws: &mut Worksheet, report: &Report<'_>, f: &Formats) -> Result<(), XlsxError> {
    let v = report.vocab;
    for (r, (p, rule)) in (1..).zip(report.policies.rules()) {
        for c in PolicyColumn::ALL {
            text(
                ws,
                f,
                r,
                c.col(),
                &fit(&rule_cell(v, p, rule, *c), FullText::Policy),
            )?;
        }
    }
    Ok(())
}

/// A cell of 政策参数 for `rule` of policy `p`.
fn rule_cell(v: &Vocabulary, p: &Policy, rule: &Rule, c: PolicyColumn) -> String {
    match c {
        PolicyColumn::Policy => p.title.clone(),
        PolicyColumn::RuleId => rule.id.clone(),
        PolicyColumn::Clause => rule.clause.clone(),
        PolicyColumn::Excerpt => rule.excerpt.clone(),
        PolicyColumn::Outcome => match &rule.outcome {
            Outcome::Payout => PAYOUT_KIND.to_string(),
            Outcome::Measure { label, unit, .. } => format!("{label}（{unit}）"),
            Outcome::Verdict { label, .. } => format!("资格认定：{label}"),
            Outcome::Text { label } => format!("认定：{label}"),
        },
        PolicyColumn::FormulaKind => rule.formula.kind_label().to_string(),
        // Caps have their own column; the other settings that change the money follow the
        // formula.
        PolicyColumn::Parameters => [
            describe::formula(v, &rule.formula),
            describe::settings(p, rule),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("；"),
        PolicyColumn::Conditions => describe::conditions(v, &rule.when),
        PolicyColumn::Caps => describe::caps(v, rule),
        PolicyColumn::Split => rule
            .split
            .as_ref()
            .map(|s| describe::split(s))
            .unwrap_or_else(|| payer_label(p.payer).to_string()),
        PolicyColumn::Readings => rule.readings.join("；"),
        PolicyColumn::Location => format!("{}:{}", p.path.display(), rule.line),
    }
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
    headed_sheet(ws, &f, headers, &[18.0; N])?;
    for (r, row) in rows.iter().enumerate() {
        for (c, s) in row.iter().enumerate() {
            text(ws, &f, r as u32 + 1, c as u16, s)?;
        }
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::nearest_f64;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    proptest! {
        #[test]
        fn an_amount_becomes_the_double_its_text_parses_to(m in any::<i64>(), scale in 0u32..=28) {
            let v = Decimal::new(m, scale.min(28));
            let parsed: f64 = v.to_string().parse().unwrap_or(0.0);
            prop_assert_eq!(nearest_f64(v).to_bits(), parsed.to_bits(), "{}", v);
        }
    }

    #[test]
    fn amounts_at_the_edges_become_the_doubles_their_texts_parse_to() {
        for text in [
            "0.01",
            "0.1",
            "0.29",
            "1.15",
            "7320000.00",
            "99999999999.99",
            "-0.00",
            "0",
            "-12.34",
            "90071992547409.93",
            "90071992547409.92",
            "0.0000000000000000000000001",
        ] {
            let v: Decimal = text.parse().expect("a decimal");
            let parsed: f64 = v.to_string().parse().expect("a number");
            assert_eq!(nearest_f64(v).to_bits(), parsed.to_bits(), "{text}");
        }
    }
}
