//! `subsidy verify LEDGER`: every changed, added or removed line and figure of a ledger,
//! found from the ledger alone — each line's 校验码, the 计算过程 it was computed with, and the
//! 汇总's total and 台账校验码.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::domain::money::{fixed2, grouped2};
use crate::ingest::{cell_ref, read_grid, IngestError, RawCell};
use crate::ledger::check_code::{ledger_code, line_code};
use crate::ledger::columns::{Columns, Detail, LineSheet, Pending, Refused, Sheet, Trace};
use crate::ledger::workbook::{LABEL_CODE, LABEL_FILES, LABEL_TOTAL, PAYOUT_KIND, PENDING_RESULT};

/// Why a ledger cannot be verified at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Read(#[from] IngestError),
    #[error("{path}: not a subsidy ledger: sheet {sheet} is missing")]
    MissingSheet { path: PathBuf, sheet: &'static str },
}

/// One difference between the ledger as it is and as it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub sheet: Sheet,
    /// A1 reference of the cell or row concerned.
    pub cell: String,
    pub application_id: String,
    pub rule_id: String,
    pub what: Change,
}

/// Findings are listed by sheet name, cell, line and change, as `verify` always listed them.
impl Ord for Finding {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        fn key(f: &Finding) -> (&str, &str, &str, &str, &Change) {
            (
                f.sheet.name(),
                &f.cell,
                &f.application_id,
                &f.rule_id,
                &f.what,
            )
        }
        key(self).cmp(&key(other))
    }
}

impl PartialOrd for Finding {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The kinds of difference `verify` reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// 金额 differs from the 结果 of its 计算过程.
    Amount { was: String, now: String },
    /// A signed cell other than the amount changed (the check code no longer fits).
    Figures,
    /// A line with no 计算过程 behind it.
    Added,
    /// A line of 计算过程 missing from 发放明细 and 不予支持.
    Removed { amount: String },
    /// 汇总's total no longer equals the sum of 发放明细.
    Total { stated: String, lines: String },
    /// 台账校验码 no longer fits the line codes (a code was edited, or lines reordered).
    LedgerCode,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = if self.application_id.is_empty() {
            String::new()
        } else {
            format!(" 申报编号 {} 条款 {}", self.application_id, self.rule_id)
        };
        let what = match &self.what {
            Change::Amount { was, now } => format!("金额被改动：原为 {was}，现为 {now}"),
            Change::Figures => "数据与校验码不符（该行被改动）".to_string(),
            Change::Added => "新增行：计算过程中没有此行".to_string(),
            Change::Removed { amount } => format!("行被删除：计算过程中此行结果为 {amount}"),
            Change::Total { stated, lines } => {
                format!("汇总合计被改动：汇总为 {stated}，发放明细合计 {lines}")
            }
            Change::LedgerCode => "台账校验码与各行校验码不符".to_string(),
        };
        write!(f, "{}!{}{who}: {what}", self.sheet.name(), self.cell)
    }
}

/// A cell as the text the check code was computed over: numbers with 2 decimals.
fn cell_text(c: Option<&Option<RawCell>>) -> String {
    match c.and_then(Option::as_ref) {
        None => String::new(),
        Some(RawCell::Num(d)) => fixed2(*d),
        Some(other) => other.show(),
    }
}

fn amount_of(c: Option<&Option<RawCell>>) -> Decimal {
    match c.and_then(Option::as_ref) {
        Some(RawCell::Num(d)) => crate::domain::money::round_yuan(*d),
        Some(RawCell::Text(t)) => {
            crate::domain::money::parse_decimal(&t.replace(',', "")).unwrap_or_default()
        }
        _ => Decimal::ZERO,
    }
}

type Grid = Vec<Vec<Option<RawCell>>>;

/// A line of a line sheet as read back.
struct ReadLine {
    row: u32,
    /// (申报编号, 申报条款编号).
    key: (String, String),
    credit_code: String,
    amount: String,
    stored: String,
    computed: String,
}

/// The lines of one line sheet as read back.
struct SheetLines {
    sheet: Sheet,
    /// The column of the amount, on sheets that show one.
    amount_col: Option<usize>,
    lines: Vec<ReadLine>,
}

fn read_lines<S: LineSheet>(grid: &Grid) -> SheetLines {
    let lines = grid
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, row)| row.iter().any(Option::is_some))
        .map(|(r, row)| {
            let at = |c: S| cell_text(row.get(c.index()));
            let parts: Vec<String> = S::signed().map(at).collect();
            ReadLine {
                row: r as u32,
                key: (at(S::APPLICATION_ID), at(S::RULE_ID)),
                credit_code: at(S::CREDIT_CODE),
                amount: S::AMOUNT.map(at).unwrap_or_default(),
                stored: at(S::CODE),
                computed: line_code(&parts),
            }
        })
        .collect();
    SheetLines {
        sheet: S::SHEET,
        amount_col: S::AMOUNT.map(Columns::index),
        lines,
    }
}

/// The final 结果 of every line of 计算过程, by (申报编号, 条款编号).
fn results_of(grid: &Grid) -> BTreeMap<(String, String), String> {
    grid.iter()
        .skip(1)
        .filter(|row| row.iter().any(Option::is_some))
        .map(|row| {
            let at = |c: Trace| cell_text(row.get(c.index()));
            (
                (at(Trace::ApplicationId), at(Trace::RuleId)),
                at(Trace::Result),
            )
        })
        .collect()
}

/// A ledger read back: its lines' figures, the files it records, and what `verify` found.
pub struct ReadBack {
    /// (申报编号, 条款编号) → the line.
    pub lines: BTreeMap<(String, String), Entry>,
    /// "输入 path" / "政策 path" / "历史 path" ([`crate::ledger::columns::FileKind::recorded`])
    /// → SHA-256, as the run recorded them.
    pub files: BTreeMap<String, String>,
    pub findings: Vec<Finding>,
}

/// A line of a ledger as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 发放明细, 待审核 or 不予支持.
    pub sheet: Sheet,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// 金额 as 2-decimal text on 发放明细's payouts; "" on other lines, 待审核 ones included:
    /// nothing is due on them.
    pub amount: String,
}

/// Verifies a ledger; an empty list means it is intact.
pub fn verify(path: &Path) -> Result<Vec<Finding>, VerifyError> {
    read_back(path).map(|r| r.findings)
}

/// Reads a ledger back and verifies it.
pub fn read_back(path: &Path) -> Result<ReadBack, VerifyError> {
    let sheets = read_grid(path)?;
    let find = |sheet: Sheet| {
        sheets
            .iter()
            .find(|(n, _)| n == sheet.name())
            .map(|(_, g)| g)
    };
    let get = |sheet: Sheet| -> Result<&Grid, VerifyError> {
        find(sheet).ok_or(VerifyError::MissingSheet {
            path: path.to_path_buf(),
            sheet: sheet.name(),
        })
    };
    let (summary, details, traces, refused) = (
        get(Sheet::Summary)?,
        get(Sheet::Details)?,
        get(Sheet::Trace)?,
        get(Sheet::Refused)?,
    );
    // 待审核 is checked like the others but counts in no total; a ledger older than it has none.
    let no_sheet = Grid::new();
    let held = find(Sheet::Pending).unwrap_or(&no_sheet);
    let line_sheets = [
        read_lines::<Detail>(details),
        read_lines::<Pending>(held),
        read_lines::<Refused>(refused),
    ];
    let results = results_of(traces);
    let mut findings = Vec::new();
    let mut seen = BTreeSet::new();
    for sheet in &line_sheets {
        for l in &sheet.lines {
            seen.insert(l.key.clone());
            findings.extend(check_line(sheet, l, results.get(&l.key)));
        }
    }
    for (key, amount) in &results {
        if !seen.contains(key) && !key.0.is_empty() {
            findings.push(Finding {
                sheet: Sheet::Trace,
                cell: String::new(),
                application_id: key.0.clone(),
                rule_id: key.1.clone(),
                what: Change::Removed {
                    amount: grouped2_text(amount),
                },
            });
        }
    }
    findings.extend(check_summary(
        summary,
        details,
        &line_sheets,
        findings.is_empty(),
    ));
    findings.sort();
    let lines = line_sheets
        .iter()
        .flat_map(|sheet| {
            sheet.lines.iter().map(|l| {
                let entry = Entry {
                    sheet: sheet.sheet,
                    credit_code: l.credit_code.clone(),
                    // A pending line is in no payment: no amount is due on it.
                    amount: match sheet.sheet {
                        Sheet::Details => l.amount.clone(),
                        _ => String::new(),
                    },
                };
                (l.key.clone(), entry)
            })
        })
        .collect();
    let mut files = BTreeMap::new();
    if let Some(start) = label_row(summary, LABEL_FILES) {
        for row in summary.iter().skip(start + 1) {
            let (name, sha) = (cell_text(row.first()), cell_text(row.get(1)));
            if name.is_empty() {
                break;
            }
            files.insert(name, sha);
        }
    }
    Ok(ReadBack {
        lines,
        files,
        findings,
    })
}

/// What is wrong with one line: no 计算过程 behind it, an amount that differs from its
/// 计算过程's 结果, or other signed figures that no longer fit its code.
fn check_line(sheet: &SheetLines, l: &ReadLine, result: Option<&String>) -> Option<Finding> {
    let finding = |cell: String, what| Finding {
        sheet: sheet.sheet,
        cell,
        application_id: l.key.0.clone(),
        rule_id: l.key.1.clone(),
        what,
    };
    let Some(result) = result else {
        return Some(finding(format!("A{}", l.row + 1), Change::Added));
    };
    if l.computed == l.stored {
        return None;
    }
    let result = result.strip_prefix(PENDING_RESULT).unwrap_or(result);
    let was = crate::domain::money::parse_decimal(&result.replace(',', ""))
        .map(fixed2)
        .unwrap_or_default();
    match sheet.amount_col {
        Some(c) if !l.amount.is_empty() && l.amount != was => Some(finding(
            cell_ref(l.row, c as u32),
            Change::Amount {
                was: grouped2_text(&was),
                now: grouped2_text(&l.amount),
            },
        )),
        _ => Some(finding(format!("A{}", l.row + 1), Change::Figures)),
    }
}

/// The row of 汇总 whose first cell is `label`.
fn label_row(summary: &Grid, label: &str) -> Option<usize> {
    summary
        .iter()
        .position(|row| cell_text(row.first()) == label)
}

/// 汇总's total against the sum of 发放明细's payouts, and its 台账校验码 against the line codes
/// (reported only when nothing else was found: any edit above also changes it).
fn check_summary(
    summary: &Grid,
    details: &Grid,
    line_sheets: &[SheetLines],
    nothing_else: bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let lines_total: Decimal = details
        .iter()
        .skip(1)
        .filter(|row| cell_text(row.get(Detail::ResultKind.index())) == PAYOUT_KIND)
        .map(|row| amount_of(row.get(Detail::Amount.index())))
        .sum();
    let summary_finding = |r: usize, what| Finding {
        sheet: Sheet::Summary,
        cell: cell_ref(r as u32, 1),
        application_id: String::new(),
        rule_id: String::new(),
        what,
    };
    let total_row = label_row(summary, LABEL_TOTAL);
    if let Some(r) = total_row {
        let stated = amount_of(summary[r].get(1));
        if stated != lines_total {
            findings.push(summary_finding(
                r,
                Change::Total {
                    stated: grouped2(stated),
                    lines: grouped2(lines_total),
                },
            ));
        }
    }
    if let Some(r) = label_row(summary, LABEL_CODE) {
        let codes: Vec<(&str, &str)> = line_sheets
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| (s.sheet.name(), l.stored.as_str())))
            .collect();
        let stated_total = total_row
            .map(|t| fixed2(amount_of(summary[t].get(1))))
            .unwrap_or_default();
        if ledger_code(&codes, &stated_total) != cell_text(summary[r].get(1))
            && nothing_else
            && findings.is_empty()
        {
            findings.push(summary_finding(r, Change::LedgerCode));
        }
    }
    findings
}

fn grouped2_text(s: &str) -> String {
    crate::domain::money::parse_decimal(s)
        .map(grouped2)
        .unwrap_or_else(|| s.to_string())
}
