//! `payouts.csv` and `exceptions.csv`: UTF-8 with a header row, RFC 4180 quoting, and text that
//! a spreadsheet would run as a formula neutralised with a leading apostrophe.

use rust_decimal::Decimal;

use super::columns::{Columns, ErrorColumn, Payout};
use crate::domain::money::fixed2;
use crate::engine::batch::LineKind;
use crate::rules::Payer;

use super::{LedgerError, LedgerLine, Report};

/// Whether a spreadsheet could take the text for a formula (公式注入): it starts with `=`, `+`,
/// `-`, `@`, a tab or CR (OWASP, CWE-1236), or their full-width forms `＝＋－＠` (a Chinese input
/// method types these, and WPS and Excel with East Asian input turn them into the ASCII ones
/// when the cell is edited).
pub fn starts_like_formula(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠')
    )
}

/// Prefixes text that starts like a formula ([`starts_like_formula`]) with `'`.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if starts_like_formula(text) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

fn line_type(kind: &LineKind) -> String {
    match kind {
        LineKind::Payout => "payout".into(),
        LineKind::Measure { .. } => "measure".into(),
        LineKind::Verdict { .. } => "verdict".into(),
        LineKind::Text { .. } => "text".into(),
        LineKind::Ineligible { .. } => "ineligible".into(),
        LineKind::Rejected { .. } => "rejected".into(),
        LineKind::Pending { .. } => "pending".into(),
    }
}

fn csv_err(file: &'static str) -> impl Fn(csv::Error) -> LedgerError {
    move |e| LedgerError::Csv {
        file,
        message: e.to_string(),
    }
}

/// The `payouts.csv` (and `payouts.parquet`) rows of some lines: payouts with their award and
/// shares; other lines with award and shares 0.00, their type, result and reason. A 待审核
/// line (`pending`) shows what it would get only in `result`, so that no sum of `award` or of
/// a share column can take it in.
pub fn payout_records(lines: &[LedgerLine]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|l| Payout::ALL.iter().map(|c| payout_cell(l, *c)).collect())
        .collect()
}

/// A cell of `payouts.csv` for line `l`.
fn payout_cell(l: &LedgerLine, c: Payout) -> String {
    // Amounts are due on reviewed payouts only; every other line shows 0.00.
    let due = |v: Decimal| match l.is_payout() {
        true => fixed2(v),
        false => "0.00".into(),
    };
    match c {
        Payout::ApplicationId => neutralise(&l.application_id).into(),
        Payout::CreditCode => neutralise(&l.credit_code).into(),
        Payout::EnterpriseName => neutralise(&l.enterprise_name).into(),
        Payout::RuleId => l.rule_id.clone(),
        Payout::Award => due(l.line.amount),
        Payout::ShareRegion => due(l.share(Payer::Region)),
        Payout::ShareCity => due(l.share(Payer::City)),
        Payout::ShareCounty => due(l.share(Payer::County)),
        Payout::ShareCentral => due(l.share(Payer::Central)),
        Payout::ShareOther => due(l.share(Payer::Other)),
        Payout::LineType => line_type(&l.line.kind),
        Payout::Result => l.line.result_text(),
        Payout::Unit => match &l.line.kind {
            LineKind::Measure { unit, label } => format!("{unit}（{label}）"),
            _ => String::new(),
        },
        Payout::Region => neutralise(&l.region).into(),
        Payout::Year => l.year.clone(),
        Payout::Reason => neutralise(&l.reason()).into(),
    }
}

/// The CSV text of records, with the header row first when `header`.
pub fn payouts_csv(records: &[Vec<String>], header: bool) -> Result<Vec<u8>, LedgerError> {
    let err = csv_err("payouts.csv");
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        w.write_record(Payout::headers()).map_err(&err)?;
    }
    for rec in records {
        w.write_record(rec).map_err(&err)?;
    }
    w.into_inner().map_err(|e| LedgerError::Csv {
        file: "payouts.csv",
        message: e.to_string(),
    })
}

/// One row per unreadable cell or refused row, as in 数据错误.
pub fn exceptions(report: &Report<'_>) -> Result<Vec<u8>, LedgerError> {
    let err = csv_err("exceptions.csv");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(ErrorColumn::ALL.iter().map(|c| c.csv_header()))
        .map_err(&err)?;
    for e in &report.exceptions {
        let cells: Vec<_> = ErrorColumn::ALL
            .iter()
            .map(|c| neutralise(c.of(e)))
            .collect();
        w.write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(&err)?;
    }
    w.into_inner().map_err(|e| LedgerError::Csv {
        file: "exceptions.csv",
        message: e.to_string(),
    })
}

#[cfg(test)]
#[path = "csvout/tests.rs"]
mod tests;
