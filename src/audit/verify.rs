//! `subsidy verify LEDGER`: every changed, added or removed line and figure of a ledger,
//! found from the ledger alone — each line's 校验码, the 计算过程 it was computed with, and the
//! 汇总's total and 台账校验码.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::domain::money::{fixed2, grouped2};
use crate::ingest::{cell_ref, read_grid, IngestError, RawCell};
use crate::ledger::check_code::{ledger_code, line_code, DETAIL_SIGNED, REFUSED_SIGNED};
use crate::ledger::workbook::{
    LABEL_CODE, LABEL_TOTAL, PENDING_RESULT, PENDING_SHEET, PENDING_SIGNED, SHEETS,
};

/// Why a ledger cannot be verified at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Read(#[from] IngestError),
    #[error("{path}: not a subsidy ledger: sheet {sheet} is missing")]
    MissingSheet { path: PathBuf, sheet: &'static str },
}

/// One difference between the ledger as it is and as it was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub sheet: String,
    /// A1 reference of the cell or row concerned.
    pub cell: String,
    pub application_id: String,
    pub rule_id: String,
    pub what: Change,
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
        write!(f, "{}!{}{who}: {what}", self.sheet, self.cell)
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

/// A line of a detail sheet as read back.
struct ReadLine {
    row: u32,
    key: (String, String),
    amount: String,
    stored: String,
    computed: String,
}

fn read_lines(
    grid: &Grid,
    signed: &[usize],
    code_col: usize,
    amount_col: Option<usize>,
) -> Vec<ReadLine> {
    grid.iter()
        .enumerate()
        .skip(1)
        .filter(|(_, row)| row.iter().any(Option::is_some))
        .map(|(r, row)| {
            let parts: Vec<String> = signed.iter().map(|&c| cell_text(row.get(c))).collect();
            ReadLine {
                row: r as u32,
                key: (parts[0].clone(), parts[2].clone()),
                amount: amount_col
                    .map(|c| cell_text(row.get(c)))
                    .unwrap_or_default(),
                stored: cell_text(row.get(code_col)),
                computed: line_code(&parts),
            }
        })
        .collect()
}

/// The final 结果 of every line of 计算过程, by (申报编号, 条款编号).
fn results_of(grid: &Grid) -> BTreeMap<(String, String), String> {
    grid.iter()
        .skip(1)
        .filter(|row| row.iter().any(Option::is_some))
        .map(|row| {
            (
                (cell_text(row.first()), cell_text(row.get(1))),
                cell_text(row.get(2)),
            )
        })
        .collect()
}

/// A ledger read back: its lines' figures, the files it records, and what `verify` found.
pub struct ReadBack {
    /// (申报编号, 条款编号) → (sheet, 统一社会信用代码, 金额 as 2-decimal text, or "" for other
    /// lines, 待审核 ones included: nothing is due on them).
    pub lines: BTreeMap<(String, String), (&'static str, String, String)>,
    /// "输入 path" / "政策 path" / "历史 path" → SHA-256, as the run recorded them.
    pub files: BTreeMap<String, String>,
    pub findings: Vec<Finding>,
}

/// Verifies a ledger; an empty list means it is intact.
pub fn verify(path: &Path) -> Result<Vec<Finding>, VerifyError> {
    read_back(path).map(|r| r.findings)
}

/// Reads a ledger back and verifies it.
pub fn read_back(path: &Path) -> Result<ReadBack, VerifyError> {
    let sheets = read_grid(path)?;
    let get = |name: &'static str| -> Result<&Grid, VerifyError> {
        sheets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, g)| g)
            .ok_or(VerifyError::MissingSheet {
                path: path.to_path_buf(),
                sheet: name,
            })
    };
    let (summary, details, traces, refused) = (
        get(SHEETS[0])?,
        get(SHEETS[1])?,
        get(SHEETS[2])?,
        get(SHEETS[3])?,
    );
    // 待审核 is checked like the others but counts in no total; a ledger older than it has none.
    let no_sheet = Grid::new();
    let held = sheets
        .iter()
        .find(|(n, _)| n == PENDING_SHEET)
        .map_or(&no_sheet, |(_, g)| g);
    let detail = read_lines(details, &DETAIL_SIGNED, 20, Some(10));
    let pending = read_lines(held, &PENDING_SIGNED, 18, Some(9));
    let refusal = read_lines(refused, &REFUSED_SIGNED, 7, None);
    let results = results_of(traces);
    let mut findings = Vec::new();
    let mut seen = BTreeSet::new();
    for (sheet, lines) in [
        (SHEETS[1], &detail),
        (PENDING_SHEET, &pending),
        (SHEETS[3], &refusal),
    ] {
        for l in lines {
            seen.insert(l.key.clone());
            let finding = |cell: String, what| Finding {
                sheet: sheet.into(),
                cell,
                application_id: l.key.0.clone(),
                rule_id: l.key.1.clone(),
                what,
            };
            let Some(result) = results.get(&l.key) else {
                findings.push(finding(format!("A{}", l.row + 1), Change::Added));
                continue;
            };
            if l.computed == l.stored {
                continue;
            }
            let result = result.strip_prefix(PENDING_RESULT).unwrap_or(result);
            let was = crate::domain::money::parse_decimal(&result.replace(',', ""))
                .map(fixed2)
                .unwrap_or_default();
            let amount_col = if sheet == PENDING_SHEET { 9 } else { 10 };
            if sheet != SHEETS[3] && !l.amount.is_empty() && l.amount != was {
                findings.push(finding(
                    cell_ref(l.row, amount_col),
                    Change::Amount {
                        was: grouped2_text(&was),
                        now: grouped2_text(&l.amount),
                    },
                ));
            } else {
                findings.push(finding(format!("A{}", l.row + 1), Change::Figures));
            }
        }
    }
    for (key, amount) in &results {
        if !seen.contains(key) && !key.0.is_empty() {
            findings.push(Finding {
                sheet: SHEETS[2].into(),
                cell: String::new(),
                application_id: key.0.clone(),
                rule_id: key.1.clone(),
                what: Change::Removed {
                    amount: grouped2_text(amount),
                },
            });
        }
    }
    let lines_total: Decimal = details
        .iter()
        .skip(1)
        .filter(|row| cell_text(row.get(9)) == "奖补资金")
        .map(|row| amount_of(row.get(10)))
        .sum();
    let label_row = |label: &str| {
        summary
            .iter()
            .position(|row| cell_text(row.first()) == label)
    };
    if let Some(r) = label_row(LABEL_TOTAL) {
        let stated = amount_of(summary[r].get(1));
        if stated != lines_total {
            findings.push(Finding {
                sheet: SHEETS[0].into(),
                cell: cell_ref(r as u32, 1),
                application_id: String::new(),
                rule_id: String::new(),
                what: Change::Total {
                    stated: grouped2(stated),
                    lines: grouped2(lines_total),
                },
            });
        }
    }
    if let Some(r) = label_row(LABEL_CODE) {
        let codes: Vec<(&str, &str)> = detail
            .iter()
            .map(|l| (SHEETS[1], l.stored.as_str()))
            .chain(pending.iter().map(|l| (PENDING_SHEET, l.stored.as_str())))
            .chain(refusal.iter().map(|l| (SHEETS[3], l.stored.as_str())))
            .collect();
        let stated_total = label_row(LABEL_TOTAL)
            .map(|t| fixed2(amount_of(summary[t].get(1))))
            .unwrap_or_default();
        if ledger_code(&codes, &stated_total) != cell_text(summary[r].get(1)) && findings.is_empty()
        {
            findings.push(Finding {
                sheet: SHEETS[0].into(),
                cell: cell_ref(r as u32, 1),
                application_id: String::new(),
                rule_id: String::new(),
                what: Change::LedgerCode,
            });
        }
    }
    findings.sort();
    let mut lines = BTreeMap::new();
    for l in &detail {
        let code = details
            .get(l.row as usize)
            .map(|row| cell_text(row.get(2)))
            .unwrap_or_default();
        lines.insert(l.key.clone(), (SHEETS[1], code, l.amount.clone()));
    }
    // A pending line is in no payment: no amount is due on it.
    for (grid, sheet, l) in pending
        .iter()
        .map(|l| (held, PENDING_SHEET, l))
        .chain(refusal.iter().map(|l| (refused, SHEETS[3], l)))
    {
        let code = grid
            .get(l.row as usize)
            .map(|row| cell_text(row.get(if sheet == PENDING_SHEET { 2 } else { 1 })))
            .unwrap_or_default();
        lines.insert(l.key.clone(), (sheet, code, String::new()));
    }
    let mut files = BTreeMap::new();
    if let Some(start) = label_row(crate::ledger::workbook::LABEL_FILES) {
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

fn grouped2_text(s: &str) -> String {
    crate::domain::money::parse_decimal(s)
        .map(grouped2)
        .unwrap_or_else(|| s.to_string())
}
