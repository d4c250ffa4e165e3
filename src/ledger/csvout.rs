//! `payouts.csv` and `exceptions.csv`: UTF-8 with a header row, RFC 4180 quoting, and text that
//! a spreadsheet would run as a formula neutralised with a leading apostrophe.

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

/// The payer columns of `payouts.csv`, in order.
pub const SHARE_COLUMNS: [(Payer, &str); 5] = [
    (Payer::Region, "share_region"),
    (Payer::City, "share_city"),
    (Payer::County, "share_county"),
    (Payer::Central, "share_central"),
    (Payer::Other, "share_other"),
];

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

/// The header of `payouts.csv`.
pub fn payouts_header() -> Vec<&'static str> {
    let mut header = vec![
        "application_id",
        "credit_code",
        "enterprise_name",
        "rule_id",
        "award",
    ];
    header.extend(SHARE_COLUMNS.iter().map(|(_, n)| *n));
    header.extend([
        "line_type",
        "result",
        "unit",
        "region",
        "application_year",
        "reason",
    ]);
    header
}

/// The `payouts.csv` (and `payouts.parquet`) rows of some lines: payouts with their award and
/// shares; other lines with award and shares 0.00, their type, result and reason. A 待审核
/// line (`pending`) shows what it would get only in `result`, so that no sum of `award` or of
/// a share column can take it in.
pub fn payout_records(lines: &[LedgerLine]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|l| {
            let award = if l.is_payout() {
                fixed2(l.line.amount)
            } else {
                "0.00".into()
            };
            let unit = match &l.line.kind {
                LineKind::Measure { unit, label } => format!("{unit}（{label}）"),
                _ => String::new(),
            };
            let mut rec: Vec<String> = vec![
                neutralise(&l.application_id).into(),
                neutralise(&l.credit_code).into(),
                neutralise(&l.enterprise_name).into(),
                l.rule_id.clone(),
                award,
            ];
            rec.extend(SHARE_COLUMNS.iter().map(|(p, _)| {
                if l.is_payout() {
                    fixed2(l.share(*p))
                } else {
                    "0.00".into()
                }
            }));
            rec.extend([
                line_type(&l.line.kind),
                l.line.result_text(),
                unit,
                neutralise(&l.region).into(),
                l.year.clone(),
                neutralise(&l.reason()).into(),
            ]);
            rec
        })
        .collect()
}

/// Which `payouts` columns are amounts (元, 2 decimals): award and the shares.
pub fn is_money_column(c: usize) -> bool {
    (4..5 + SHARE_COLUMNS.len()).contains(&c)
}

/// The CSV text of records, with the header row first when `header`.
pub fn payouts_csv(records: &[Vec<String>], header: bool) -> Result<Vec<u8>, LedgerError> {
    let err = csv_err("payouts.csv");
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        w.write_record(payouts_header()).map_err(&err)?;
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
    w.write_record(["file", "sheet", "cell", "application_id", "value", "reason"])
        .map_err(&err)?;
    for e in &report.exceptions {
        w.write_record([
            neutralise(&e.file).as_ref(),
            neutralise(&e.sheet).as_ref(),
            neutralise(&e.cell).as_ref(),
            neutralise(&e.application_id).as_ref(),
            neutralise(&e.value).as_ref(),
            neutralise(&e.reason).as_ref(),
        ])
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
