//! `subsidy reconcile`: a ledger against a fresh computation from the inputs and policies, and
//! against a bank or treasury payment list. Every difference is classified: edited by hand,
//! line added, line removed, input or policy changed since the run, rounding; and for
//! payments: unpaid, overpaid, underpaid, duplicate, unknown payee.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use super::verify::{Change, Entry, ReadBack, VerifyError};
use crate::domain::money::{fixed2, grouped2, parse_decimal};
use crate::ingest::{read_table, IngestError};
use crate::ledger::columns::{FileKind, Sheet};
use crate::ledger::LedgerLine;

/// Errors that stop a reconciliation.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Ledger(#[from] VerifyError),
    #[error(transparent)]
    Read(#[from] IngestError),
    #[error("{path}: payment list needs columns 统一社会信用代码 and 金额 (户名 optional); found: {found}")]
    PaymentColumns { path: PathBuf, found: String },
    #[error("{path} row {row}: 金额 “{value}” is not an amount")]
    PaymentAmount {
        path: PathBuf,
        row: usize,
        value: String,
    },
}

/// A classified difference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    pub class: Class,
    pub application_id: String,
    pub rule_id: String,
    pub credit_code: String,
    pub ledger: String,
    pub other: String,
    pub detail: String,
}

/// The class of a difference (差异类别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// 人工改动: a line's figures no longer fit its check code.
    Edited,
    /// 新增行: a line the recomputation does not have.
    Added,
    /// 删除行: a line the recomputation has and the ledger does not.
    Removed,
    /// 输入已变更: an input file (or history) differs from the one the run read.
    InputChanged,
    /// 政策已变更: a policy file differs from the one the run read.
    PolicyChanged,
    /// 舍入差异: amounts a 分 apart.
    Rounding,
    /// 未解释差异: amounts differ and nothing above explains it.
    Unexplained,
    /// 未支付: due and not in the payment list.
    Unpaid,
    /// 多付: paid more than due.
    Overpaid,
    /// 少付: paid less than due.
    Underpaid,
    /// 重复支付: paid in more than one row.
    Duplicate,
    /// 未知收款人: paid and not due anything in the ledger.
    Unknown,
}

impl Class {
    /// The class as the reconciliation shows it.
    pub const fn label(self) -> &'static str {
        match self {
            Class::Edited => "人工改动",
            Class::Added => "新增行",
            Class::Removed => "删除行",
            Class::InputChanged => "输入已变更",
            Class::PolicyChanged => "政策已变更",
            Class::Rounding => "舍入差异",
            Class::Unexplained => "未解释差异",
            Class::Unpaid => "未支付",
            Class::Overpaid => "多付",
            Class::Underpaid => "少付",
            Class::Duplicate => "重复支付",
            Class::Unknown => "未知收款人",
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Differences are listed by their class's label, as reconciliations always listed them.
impl Ord for Class {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.label().cmp(other.label())
    }
}

impl PartialOrd for Class {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

fn diff(
    class: Class,
    key: &(String, String),
    code: &str,
    ledger: String,
    other: String,
    detail: String,
) -> Difference {
    Difference {
        class,
        application_id: key.0.clone(),
        rule_id: key.1.clone(),
        credit_code: code.to_string(),
        ledger,
        other,
        detail,
    }
}

/// Files recorded in the ledger whose digest differs now (or that are gone, or new), by kind.
fn changed_files(
    recorded: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<Difference> {
    let file_diff = |name: &str, ledger: &str, other: &str, detail: String| Difference {
        class: match FileKind::of_recorded(name) {
            Some(FileKind::Policy) => Class::PolicyChanged,
            Some(FileKind::Input | FileKind::History) | None => Class::InputChanged,
        },
        application_id: String::new(),
        rule_id: String::new(),
        credit_code: String::new(),
        ledger: ledger.to_string(),
        other: other.to_string(),
        detail,
    };
    let mut out = Vec::new();
    for (name, sha) in recorded {
        match now.get(name) {
            Some(s) if s == sha => {}
            Some(s) => out.push(file_diff(
                name,
                sha,
                s,
                format!("{name} 自生成台账后已变更"),
            )),
            None => out.push(file_diff(name, sha, "", format!("{name} 本次未提供"))),
        }
    }
    for (name, sha) in now.iter().filter(|(n, _)| !recorded.contains_key(*n)) {
        out.push(file_diff(name, "", sha, format!("{name} 为台账生成后新增")));
    }
    out
}

/// Compares a ledger with a recomputation. `files_now` are the digests of the files the
/// recomputation read, named as the ledger names them (输入 / 历史 / 政策 + path).
pub fn against_recomputation(
    ledger: &ReadBack,
    lines: &[LedgerLine],
    files_now: &BTreeMap<String, String>,
) -> Vec<Difference> {
    let file_diffs = changed_files(&ledger.files, files_now);
    let inputs_changed = file_diffs.iter().any(|d| d.class == Class::InputChanged);
    let policy_changed = file_diffs.iter().any(|d| d.class == Class::PolicyChanged);
    let edited: BTreeMap<(String, String), &Change> = ledger
        .findings
        .iter()
        .filter(|f| !f.application_id.is_empty())
        .map(|f| ((f.application_id.clone(), f.rule_id.clone()), &f.what))
        .collect();
    let mut out = file_diffs;
    let mut recomputed = BTreeMap::new();
    for l in lines {
        let amount = if l.is_payout() {
            fixed2(l.line.amount)
        } else {
            String::new()
        };
        recomputed.insert(
            (l.application_id.clone(), l.rule_id.clone()),
            (l.credit_code.clone(), amount),
        );
    }
    for (
        key,
        Entry {
            credit_code: code,
            amount,
            ..
        },
    ) in &ledger.lines
    {
        let Some((_, now)) = recomputed.get(key) else {
            out.push(diff(
                Class::Added,
                key,
                code,
                amount.clone(),
                String::new(),
                "台账中有此行，按输入重算没有".into(),
            ));
            continue;
        };
        if amount == now {
            if let Some(change) = edited.get(key) {
                out.push(diff(
                    Class::Edited,
                    key,
                    code,
                    amount.clone(),
                    now.clone(),
                    format!("校验码不符：{change:?}"),
                ));
            }
            continue;
        }
        let (a, b) = (
            parse_decimal(amount).unwrap_or_default(),
            parse_decimal(now).unwrap_or_default(),
        );
        let class = if edited.contains_key(key) {
            Class::Edited
        } else if inputs_changed {
            Class::InputChanged
        } else if policy_changed {
            Class::PolicyChanged
        } else if (a - b).abs() <= Decimal::new(1, 2) {
            Class::Rounding
        } else {
            Class::Unexplained
        };
        out.push(diff(
            class,
            key,
            code,
            amount.clone(),
            now.clone(),
            format!("台账 {} ，重算 {}", grouped2(a), grouped2(b)),
        ));
    }
    for (key, (code, now)) in &recomputed {
        if !ledger.lines.contains_key(key) {
            let class = if inputs_changed {
                Class::InputChanged
            } else {
                Class::Removed
            };
            out.push(diff(
                class,
                key,
                code,
                String::new(),
                now.clone(),
                "按输入重算有此行，台账中没有".into(),
            ));
        }
    }
    out.sort();
    out
}

/// A payment list read from CSV or a workbook: (row, credit code, payee name, amount).
pub fn read_payments(path: &Path) -> Result<Vec<(usize, String, String, Decimal)>, ReconcileError> {
    let table = read_table(path, "")?;
    let Some(header) = table.first() else {
        return Ok(Vec::new());
    };
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
    let (Some(code), Some(amount)) = (
        find(&["统一社会信用代码", "信用代码", "credit_code"]),
        find(&["金额", "金额（元）", "支付金额", "amount", "award"]),
    ) else {
        return Err(ReconcileError::PaymentColumns {
            path: path.to_path_buf(),
            found: header.join("、"),
        });
    };
    let name = find(&["户名", "收款人", "企业名称", "enterprise_name"]);
    let mut out = Vec::new();
    for (i, row) in table.iter().enumerate().skip(1) {
        let cell = |c: usize| row.get(c).map(|s| s.trim().to_string()).unwrap_or_default();
        if cell(code).is_empty() && cell(amount).is_empty() {
            continue;
        }
        let text = crate::domain::money::clean_number_text(&cell(amount));
        let value = parse_decimal(&text).ok_or_else(|| ReconcileError::PaymentAmount {
            path: path.to_path_buf(),
            row: i + 1,
            value: cell(amount),
        })?;
        out.push((i + 1, cell(code), name.map(cell).unwrap_or_default(), value));
    }
    Ok(out)
}

/// Compares what the ledger says each payee is due with what a payment list paid.
pub fn against_payments(
    ledger: &ReadBack,
    payments: &[(usize, String, String, Decimal)],
) -> Vec<Difference> {
    let mut due: BTreeMap<&str, Decimal> = BTreeMap::new();
    for e in ledger.lines.values() {
        if e.sheet == Sheet::Details && !e.amount.is_empty() {
            *due.entry(e.credit_code.as_str()).or_default() +=
                parse_decimal(&e.amount).unwrap_or_default();
        }
    }
    // Payees whose lines all await review: nothing is due to them yet.
    let held: std::collections::BTreeSet<&str> = ledger
        .lines
        .values()
        .filter(|e| e.sheet == Sheet::Pending)
        .map(|e| e.credit_code.as_str())
        .collect();
    let mut paid: BTreeMap<&str, (Decimal, Vec<usize>, &str)> = BTreeMap::new();
    for (row, code, name, amount) in payments {
        let e = paid
            .entry(code.as_str())
            .or_insert((Decimal::ZERO, Vec::new(), name.as_str()));
        e.0 += *amount;
        e.1.push(*row);
    }
    let none = (String::new(), String::new());
    let mut out = Vec::new();
    let mk = |class, code: &str, ledger: Decimal, other: Decimal, detail: String| Difference {
        class,
        application_id: none.0.clone(),
        rule_id: none.1.clone(),
        credit_code: code.to_string(),
        ledger: fixed2(ledger),
        other: fixed2(other),
        detail,
    };
    for (code, (amount, rows, name)) in &paid {
        let owed = due.get(code).copied();
        if rows.len() > 1 {
            out.push(mk(
                Class::Duplicate,
                code,
                owed.unwrap_or_default(),
                *amount,
                format!(
                    "{name} 在支付清单中出现 {} 次（第 {} 行）",
                    rows.len(),
                    join(rows)
                ),
            ));
        }
        match owed {
            None if held.contains(code) => out.push(mk(
                Class::Unknown,
                code,
                Decimal::ZERO,
                *amount,
                format!("{name} 的申报待审核（审核结论未填），台账中尚无应付"),
            )),
            None => out.push(mk(
                Class::Unknown,
                code,
                Decimal::ZERO,
                *amount,
                format!("{name} 不在台账的发放明细中"),
            )),
            Some(o) if *amount > o => out.push(mk(
                Class::Overpaid,
                code,
                o,
                *amount,
                format!("多付 {}", grouped2(*amount - o)),
            )),
            Some(o) if *amount < o => out.push(mk(
                Class::Underpaid,
                code,
                o,
                *amount,
                format!("少付 {}", grouped2(o - *amount)),
            )),
            Some(_) => {}
        }
    }
    for (code, owed) in &due {
        if !paid.contains_key(code) && !owed.is_zero() {
            out.push(mk(
                Class::Unpaid,
                code,
                *owed,
                Decimal::ZERO,
                "台账应付，支付清单中没有".into(),
            ));
        }
    }
    out.sort();
    out
}

fn join(rows: &[usize]) -> String {
    rows.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

/// Writes a reconciliation (对账结果) as `reconciliation.xlsx` and `reconciliation.csv` in `out`.
pub fn write_reconciliation(
    out: &Path,
    diffs: &[Difference],
) -> Result<(), crate::ledger::LedgerError> {
    std::fs::create_dir_all(out).map_err(|source| crate::ledger::LedgerError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    const HEADERS: [&str; 7] = [
        "类别",
        "申报编号",
        "申报条款编号",
        "统一社会信用代码",
        "台账",
        "对方/重算",
        "说明",
    ];
    let rows: Vec<[String; 7]> = diffs
        .iter()
        .map(|d| {
            [
                d.class.to_string(),
                d.application_id.clone(),
                d.rule_id.clone(),
                d.credit_code.clone(),
                d.ledger.clone(),
                d.other.clone(),
                d.detail.clone(),
            ]
        })
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| crate::ledger::LedgerError::Csv {
        file: "reconciliation.csv",
        message: e.to_string(),
    };
    w.write_record([
        "class",
        "application_id",
        "rule_id",
        "credit_code",
        "ledger",
        "other",
        "detail",
    ])
    .map_err(err)?;
    for r in &rows {
        w.write_record(r.iter().map(|s| crate::ledger::neutralise(s).into_owned()))
            .map_err(err)?;
    }
    let csv_bytes = w
        .into_inner()
        .map_err(|e| crate::ledger::LedgerError::Csv {
            file: "reconciliation.csv",
            message: e.to_string(),
        })?;
    let xlsx = crate::ledger::workbook::table("对账结果", &HEADERS, &rows)?;
    crate::ledger::write_atomic(&out.join("reconciliation.xlsx"), &xlsx)?;
    crate::ledger::write_atomic(&out.join("reconciliation.csv"), &csv_bytes)
}
