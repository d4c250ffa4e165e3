//! The rows of the line sheets (发放明细, 待审核, 不予支持, 计算过程): what each column of a line
//! holds, by the column's enum ([`super::columns`]), and the line's check code (校验码) taken
//! over the same cells as they are written — so the code the writer signs and the code
//! `verify` recomputes from the sheet are computed over one list of columns.

use std::borrow::Cow;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Worksheet, XlsxError};

use super::check_code::line_code;
use super::columns::{CellKind, Columns, Detail, Pending, Refused, Sheet, Trace};
use super::fit::{fit, FullText};
use super::workbook::{money, text, Formats, Prepared};
use crate::domain::money::fixed2;
use crate::engine::batch::LineKind;

/// A cell's value before it is written.
pub(super) enum Cell<'a> {
    /// Nothing is written (an amount on a line that is not a payout).
    Blank,
    Text(Cow<'a, str>),
    Money(Decimal),
    /// 序号.
    Number(u32),
}

impl<'a> Cell<'a> {
    /// The text a check code covers: amounts with 2 decimals, as `verify` reads them back.
    /// Text is borrowed: a line's texts are not copied to be signed.
    fn signed_text(self) -> Cow<'a, str> {
        match self {
            Cell::Blank => Cow::Borrowed(""),
            Cell::Text(s) => s,
            Cell::Money(v) => Cow::Owned(fixed2(v)),
            Cell::Number(n) => Cow::Owned(n.to_string()),
        }
    }
}

fn borrowed(s: &str) -> Cell<'_> {
    Cell::Text(Cow::Borrowed(s))
}

/// The sheet a line is written to.
pub(super) fn sheet_of(kind: &LineKind) -> Sheet {
    match kind {
        LineKind::Ineligible { .. } | LineKind::Rejected { .. } => Sheet::Refused,
        LineKind::Pending { .. } => Sheet::Pending,
        LineKind::Payout
        | LineKind::Refund
        | LineKind::Measure { .. }
        | LineKind::Verdict { .. }
        | LineKind::Text { .. } => Sheet::Details,
    }
}

/// A cell of 发放明细 for line `p` on row `r`.
pub(super) fn detail(p: &Prepared, r: u32, c: Detail) -> Cell<'_> {
    let l = &p.line;
    // Amounts are shown on payouts and refunds only: a measure's figure is in 测算/认定结果.
    let amount = |v: Decimal| match l.is_money() {
        true => Cell::Money(v),
        false => Cell::Blank,
    };
    match c {
        Detail::Serial => Cell::Number(r),
        Detail::ApplicationId => borrowed(&l.application_id),
        Detail::CreditCode => borrowed(&l.credit_code),
        Detail::EnterpriseName => borrowed(&l.enterprise_name),
        Detail::Region => borrowed(&l.region),
        Detail::Year => borrowed(&l.year),
        Detail::RuleId => borrowed(&l.rule_id),
        Detail::Clause => borrowed(&l.clause),
        Detail::FormulaKind => borrowed(l.formula_kind),
        Detail::ResultKind => borrowed(&p.kind),
        Detail::Amount => amount(l.line.amount),
        Detail::ShareRegion => amount(l.share(crate::rules::Payer::Region)),
        Detail::ShareCity => amount(l.share(crate::rules::Payer::City)),
        Detail::ShareCounty => amount(l.share(crate::rules::Payer::County)),
        Detail::ShareCentral => amount(l.share(crate::rules::Payer::Central)),
        Detail::ShareOther => amount(l.share(crate::rules::Payer::Other)),
        Detail::Result => borrowed(&p.result),
        Detail::Note => borrowed(&p.note),
        Detail::Source => borrowed(&l.source),
        Detail::Extras => Cell::Text(fit(&l.extras, FullText::Input)),
        Detail::Code => borrowed(&p.code),
        Detail::ProjectId => borrowed(&l.project_id),
    }
}

/// A cell of 待审核 for line `p` on row `r`: what it would get, its shares, what awaits review.
pub(super) fn pending(p: &Prepared, r: u32, c: Pending) -> Cell<'_> {
    let l = &p.line;
    match c {
        Pending::Serial => Cell::Number(r),
        Pending::ApplicationId => borrowed(&l.application_id),
        Pending::CreditCode => borrowed(&l.credit_code),
        Pending::EnterpriseName => borrowed(&l.enterprise_name),
        Pending::Region => borrowed(&l.region),
        Pending::Year => borrowed(&l.year),
        Pending::RuleId => borrowed(&l.rule_id),
        Pending::Clause => borrowed(&l.clause),
        Pending::FormulaKind => borrowed(l.formula_kind),
        Pending::Amount => Cell::Money(l.line.amount),
        Pending::ShareRegion => Cell::Money(l.share(crate::rules::Payer::Region)),
        Pending::ShareCity => Cell::Money(l.share(crate::rules::Payer::City)),
        Pending::ShareCounty => Cell::Money(l.share(crate::rules::Payer::County)),
        Pending::ShareCentral => Cell::Money(l.share(crate::rules::Payer::Central)),
        Pending::ShareOther => Cell::Money(l.share(crate::rules::Payer::Other)),
        Pending::Awaiting => borrowed(&p.result),
        Pending::Note => borrowed(&p.note),
        Pending::Source => borrowed(&l.source),
        Pending::Code => borrowed(&p.code),
    }
}

/// A cell of 不予支持 for line `p`.
pub(super) fn refused(p: &Prepared, _row: u32, c: Refused) -> Cell<'_> {
    let l = &p.line;
    match c {
        Refused::ApplicationId => borrowed(&l.application_id),
        Refused::CreditCode => borrowed(&l.credit_code),
        Refused::EnterpriseName => borrowed(&l.enterprise_name),
        Refused::RuleId => borrowed(&l.rule_id),
        Refused::Clause => borrowed(&l.clause),
        Refused::Reason => borrowed(&p.note),
        Refused::Source => borrowed(&l.source),
        Refused::Code => borrowed(&p.code),
    }
}

/// A cell of 计算过程 for line `p`.
pub(super) fn trace(p: &Prepared, _row: u32, c: Trace) -> Cell<'_> {
    match c {
        Trace::ApplicationId => borrowed(&p.line.application_id),
        Trace::RuleId => borrowed(&p.line.rule_id),
        Trace::Result => borrowed(&p.trace_result),
        Trace::Steps => borrowed(&p.steps),
    }
}

/// The check code over the signed columns of `C`, in table order.
fn code_over<'a, C: Columns>(cell: impl Fn(C) -> Cell<'a>) -> String {
    line_code(C::signed().map(|c| cell(c).signed_text()))
}

/// The check code of a prepared line (its `code` not yet set), on the sheet it goes to.
pub(super) fn code_of(p: &Prepared) -> String {
    match sheet_of(&p.line.line.kind) {
        Sheet::Refused => code_over(|c| refused(p, 0, c)),
        Sheet::Pending => code_over(|c| pending(p, 0, c)),
        _ => code_over(|c| detail(p, 0, c)),
    }
}

/// Writes one cell as its column's kind says.
fn put<C: Columns>(
    ws: &mut Worksheet,
    f: &Formats,
    r: u32,
    c: C,
    cell: Cell<'_>,
) -> Result<(), XlsxError> {
    match (cell, c.column().kind) {
        (Cell::Blank, _) => Ok(()),
        (Cell::Number(n), _) => ws.write_number(r, c.col(), n as f64).map(|_| ()),
        (Cell::Money(v), _) => money(ws, &f.money, r, c.col(), v),
        (Cell::Text(s), CellKind::Wrapped) => ws
            .write_string_with_format(r, c.col(), &*s, &f.wrap)
            .map(|_| ()),
        (Cell::Text(s), CellKind::Text | CellKind::Serial | CellKind::Money) => {
            text(ws, f, r, c.col(), &s)
        }
    }
}

/// Writes line `p`'s row `r` of a line sheet, each column as its enum says.
pub(super) fn put_row<C: Columns>(
    ws: &mut Worksheet,
    f: &Formats,
    r: u32,
    p: &Prepared,
    cell: fn(&Prepared, u32, C) -> Cell<'_>,
) -> Result<(), XlsxError> {
    for c in C::ALL {
        put(ws, f, r, *c, cell(p, r, *c))?;
    }
    Ok(())
}
