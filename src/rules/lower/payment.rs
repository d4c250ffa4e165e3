//! Lowering `payees` (多个收款方) and `advance` (预拨与清算) into [`super::super::payment`]:
//! shares in range, the row fields they read present in the vocabulary, and the combinations
//! the history cannot settle refused at the construct's line.

use rust_decimal::Decimal;

use super::super::payment::{Advance, PartnerShare, Payees, PAYEE_FIELDS, STAGE_FIELDS};
use super::super::syntax::{AdvanceSyntax, PayeesSyntax, RuleSyntax, ScopeSyntax, ShareSyntax, S};
use super::super::text::parse_rate;
use super::super::{Formula, Outcome};
use super::{at, off, Lower, R};
use crate::domain::fields::FieldType;

impl Lower<'_> {
    /// `payees` and `advance`: only on payout rules; an advance never draws on a budget or a
    /// pool, whose shares a refund would unbalance.
    pub(super) fn payment(
        &self,
        r: &RuleSyntax,
        outcome: &Outcome,
        formula: &Formula,
    ) -> R<(Option<Payees>, Option<Advance>)> {
        let payees = match &r.payees {
            Some(p) if *outcome != Outcome::Payout => {
                return Err(at(off(p), "`payees` goes only with a payout rule"))
            }
            Some(p) => Some(self.payees(p)?),
            None => None,
        };
        let advance = match &r.advance {
            Some(a) if *outcome != Outcome::Payout => {
                return Err(at(off(a), "`advance` goes only with a payout rule"))
            }
            Some(a) if r.budget.is_some() || matches!(formula, Formula::PoolShare) => {
                return Err(at(off(a), "`advance` cannot draw on a budget or a pool: a settlement refund would unbalance its shares"))
            }
            Some(a) => Some(self.advance(a)?),
            None => None,
        };
        // The history records each payee's part under its own credit code: a shared cap or a
        // settlement by project would then see only the applicant's part of what was paid.
        if let (Some(p), true) = (&r.payees, advance.is_some()) {
            return Err(at(off(p), "`payees` and `advance` on one rule are not supported: a settlement would not see the second payee's part of the advance in the history"));
        }
        let shared = r
            .caps
            .iter()
            .any(|c| c.get_ref().scope != ScopeSyntax::Application);
        if let (Some(p), true) = (&r.payees, shared) {
            return Err(at(off(p), "`payees` with a shared cap (scope enterprise_year or enterprise) is not supported: the history records the second payee's part under its own credit code, so the enterprise's room would be overstated"));
        }
        Ok((payees, advance))
    }

    /// `payees`: a share between 0% and 100%, or a percent field.
    fn payees(&self, p: &S<PayeesSyntax>) -> R<Payees> {
        self.need_fields(&PAYEE_FIELDS, "`payees`", off(p))?;
        let share = &p.get_ref().partner_share;
        let partner_share = match share.get_ref() {
            ShareSyntax::Rate(text) => {
                let rate = parse_rate(text).ok_or_else(|| {
                    at(off(share), format!("`payees`: partner_share `{text}` is not a rate; write it with a percent sign, e.g. \"50%\""))
                })?;
                if rate < Decimal::ZERO || rate > Decimal::ONE {
                    return Err(at(
                        off(share),
                        format!("`payees`: partner_share `{text}` is not between 0% and 100%"),
                    ));
                }
                PartnerShare::Fixed(rate)
            }
            ShareSyntax::Field { field } => {
                let id = self.field_id(field)?;
                if self.vocab.get(id).ty != FieldType::Percent {
                    return Err(at(off(field), format!(
                        "`payees`: partner_share field `{}` is not a percent field (type rate_percent)",
                        field.get_ref()
                    )));
                }
                PartnerShare::Field(id)
            }
        };
        Ok(Payees {
            partner_share,
            words: p.get_ref().words.clone(),
        })
    }

    /// `advance`: a share above 0% and at most 100%.
    fn advance(&self, a: &S<AdvanceSyntax>) -> R<Advance> {
        self.need_fields(&STAGE_FIELDS, "`advance`", off(a))?;
        let s = a.get_ref();
        let text = s.share.get_ref();
        let share = parse_rate(text).ok_or_else(|| {
            at(
                off(&s.share),
                format!("`advance`: share `{text}` is not a rate; write it with a percent sign, e.g. \"50%\""),
            )
        })?;
        if share <= Decimal::ZERO || share > Decimal::ONE {
            return Err(at(
                off(&s.share),
                format!("`advance`: share `{text}` must be above 0% and at most 100%"),
            ));
        }
        Ok(Advance {
            share,
            settles: s.settles,
            words: s.words.clone(),
        })
    }

    /// The row fields a construct reads must be in the vocabulary.
    fn need_fields(&self, keys: &[&str], what: &str, o: usize) -> R<()> {
        match keys.iter().find(|k| self.vocab.id(k).is_none()) {
            Some(k) => Err(at(
                o,
                format!("{what} needs the field `{k}`, which config/fields.json does not define"),
            )),
            None => Ok(()),
        }
    }
}
