//! Lowering formulas (计算方式), their rates and unit rates (fixed, chosen in a range — D5 —,
//! looked up) and bracket tables (D1: no gap, no overlap; whole-number selectors, issue 19).

use rust_decimal::Decimal;

use super::super::load::normalise_title;
use super::super::syntax::{
    BracketSyntax, CaseSyntax, ClassSyntax, ExprSyntax, FormulaSyntax, ParamSyntax, RowSyntax,
    StageSyntax, TermSyntax, TitleSyntax, S,
};
use super::super::text::{check_brackets, parse_interval, parse_rate, parse_ratio};
use super::super::{
    Bracket, Condition, Expr, Formula, Interest, Interval, Op, Param, Stage, TitleEntry,
};
use super::{at, off, Lower, R};
use crate::domain::fields::FieldType;

impl Lower<'_> {
    pub fn formula(&self, f: &S<FormulaSyntax>) -> R<Formula> {
        let o = off(f);
        Ok(match f.get_ref() {
            FormulaSyntax::Rate { base, rate } => Formula::Rate {
                base: self.expr(base)?,
                rate: self.param(rate, true)?,
            },
            FormulaSyntax::Tiers {
                base,
                selector,
                tiers,
            } => {
                let base = self.expr(base)?;
                let selector = match selector {
                    Some(s) => self.expr(s)?,
                    None => base.clone(),
                };
                let whole = self.is_whole(&selector);
                let tiers = self.brackets(tiers, "tiers", true, whole)?;
                Formula::Tiers {
                    selector,
                    base,
                    tiers,
                }
            }
            FormulaSyntax::Slices { base, slices, step } => {
                // Slices are cut by their bounds as amounts: whole-number reading does not apply.
                let slices = self.brackets(slices, "slices", false, false)?;
                let step = match step {
                    None => None,
                    Some(s) => {
                        let (width, inc) = (s.get_ref().width.0, s.get_ref().increment.0);
                        if width <= Decimal::ZERO {
                            return Err(at(off(s), "step width must be positive"));
                        }
                        if slices.last().is_some_and(|b| b.range.upper.is_none()) {
                            return Err(at(off(s), "a step extends the last slice, which must then have an upper bound"));
                        }
                        Some((width, inc))
                    }
                };
                Formula::Slices {
                    base: self.expr(base)?,
                    slices,
                    step,
                }
            }
            FormulaSyntax::Bracket { selector, brackets } => {
                let selector = self.expr(selector)?;
                let whole = self.is_whole(&selector);
                let brackets = self.brackets(brackets, "brackets", false, whole)?;
                Formula::Bracket { selector, brackets }
            }
            FormulaSyntax::PerUnit { terms } => {
                if terms.get_ref().is_empty() {
                    return Err(at(off(terms), "per_unit needs at least one term"));
                }
                let terms = terms
                    .get_ref()
                    .iter()
                    .map(
                        |TermSyntax {
                             quantity,
                             unit_rate,
                         }| {
                            Ok((self.expr(quantity)?, self.param(unit_rate, false)?))
                        },
                    )
                    .collect::<R<_>>()?;
                Formula::PerUnit { terms }
            }
            FormulaSyntax::Fixed { amount } => Formula::Fixed { amount: amount.0 },
            FormulaSyntax::ByTitle {
                field,
                combine,
                entries,
            } => Formula::ByTitle {
                field: match field {
                    Some(f) => self.field_id(f)?,
                    None => self.field_at("title", o)?,
                },
                entries: entries
                    .iter()
                    .map(|e| self.title_entry(e))
                    .collect::<R<_>>()?,
                combine: *combine,
            },
            FormulaSyntax::Matching { base, ratio } => {
                let r = parse_ratio(ratio.get_ref()).ok_or_else(|| {
                    at(
                        off(ratio),
                        format!(
                            "ratio `{}` must be written a:b, e.g. \"1:1\"",
                            ratio.get_ref()
                        ),
                    )
                })?;
                Formula::Matching {
                    base: self.expr(base)?,
                    ratio: r,
                }
            }
            FormulaSyntax::TopUp { standard, other } => Formula::TopUp {
                standard: Box::new(self.formula(standard)?),
                other: self.expr(other)?,
            },
            FormulaSyntax::Least { of } => Formula::Least(self.parts(of, "least")?),
            FormulaSyntax::Greatest { of } => Formula::Greatest(self.parts(of, "greatest")?),
            FormulaSyntax::Sum { of } => Formula::Sum(self.parts(of, "sum")?),
            FormulaSyntax::Amount { base } => Formula::Amount {
                base: self.expr(base)?,
            },
            FormulaSyntax::Interest {
                principal,
                disbursed,
                days,
                term_months,
                loan_rate,
                interest_paid,
                share,
                day_basis,
                max_rate,
                windows,
            } => {
                let opt = |k: &Option<S<String>>| k.as_ref().map(|k| self.field_id(k)).transpose();
                Formula::Interest(Interest {
                    principal: self.field_id(principal)?,
                    disbursed: self.field_id(disbursed)?,
                    days: self.field_id(days)?,
                    term_months: opt(term_months)?,
                    loan_rate: opt(loan_rate)?,
                    interest_paid: opt(interest_paid)?,
                    share: share.0,
                    max_rate: max_rate.map(|m| m.0 * Decimal::ONE_HUNDRED),
                    day_basis: day_basis.map_or(Decimal::from(360), |b| b.0),
                    windows: self.rate_windows(windows)?,
                })
            }
            FormulaSyntax::Staged { stages } => Formula::Staged {
                stages: stages.iter().map(|s| self.stage(s)).collect::<R<_>>()?,
            },
            FormulaSyntax::Cases { cases } => {
                if cases.get_ref().is_empty() {
                    return Err(at(off(cases), "`cases` needs at least one case"));
                }
                let cases = cases
                    .get_ref()
                    .iter()
                    .map(|CaseSyntax { when, formula }| {
                        Ok((self.conditions(when)?, self.formula(formula)?))
                    })
                    .collect::<R<_>>()?;
                Formula::Cases(cases)
            }
            FormulaSyntax::PoolShare => Formula::PoolShare,
            FormulaSyntax::Classify { cases } => {
                if cases.get_ref().is_empty() {
                    return Err(at(off(cases), "`classify` needs at least one case"));
                }
                let cases = cases
                    .get_ref()
                    .iter()
                    .map(|ClassSyntax { when, value }| Ok((self.conditions(when)?, value.clone())))
                    .collect::<R<_>>()?;
                Formula::Classify(cases)
            }
            FormulaSyntax::DateAdd { from, months, days } => {
                if months.is_none() && days.is_none() {
                    return Err(at(o, "`date_add` needs `months`, `days` or both"));
                }
                Formula::DateAdd {
                    from: self.date_field(from)?,
                    months: months.as_ref().map(|m| self.expr(m)).transpose()?,
                    days: days.as_ref().map(|d| self.expr(d)).transpose()?,
                }
            }
            FormulaSyntax::Verdict { test } => Formula::Verdict {
                test: self.conditions(test)?,
            },
            FormulaSyntax::Table { selector, rows } => self.table(selector, rows)?,
        })
    }

    /// A flat table, lowered to cases: each row's range becomes the conditions on the selector
    /// (D1 bounds), its value an amount; the ranges are checked as a bracket table's are.
    fn table(&self, selector: &S<ExprSyntax>, rows: &S<Vec<S<RowSyntax>>>) -> R<Formula> {
        let selector = self.expr(selector)?;
        if rows.get_ref().is_empty() {
            return Err(at(off(rows), "`rows` is empty"));
        }
        let mut ranges = Vec::new();
        let mut cases = Vec::new();
        for row in rows.get_ref() {
            let r = row.get_ref();
            let range = parse_interval(r.range.get_ref()).map_err(|m| at(off(&r.range), m))?;
            let bound = |(b, incl): (Decimal, bool), [with, without]: [Op; 2]| Condition::Compare {
                left: selector.clone(),
                op: if incl { with } else { without },
                right: Expr::Const(b),
                word: None,
            };
            let when = (range.lower.map(|b| bound(b, [Op::Ge, Op::Gt])).into_iter())
                .chain(range.upper.map(|b| bound(b, [Op::Le, Op::Lt])))
                .collect();
            cases.push((
                when,
                Formula::Amount {
                    base: self.expr(&r.value)?,
                },
            ));
            ranges.push(range);
        }
        let refs: Vec<&Interval> = ranges.iter().collect();
        check_brackets(&refs, self.is_whole(&selector)).map_err(|(i, m)| {
            let o = rows.get_ref().get(i).map_or(off(rows), off);
            at(
                o,
                format!("`rows`: {m} (D1: rows must have no gap and no overlap)"),
            )
        })?;
        Ok(Formula::Cases(cases))
    }

    fn parts(&self, of: &S<Vec<S<FormulaSyntax>>>, kind: &str) -> R<Vec<Formula>> {
        if of.get_ref().len() < 2 {
            return Err(at(off(of), format!("`{kind}` needs at least two formulas")));
        }
        of.get_ref().iter().map(|f| self.formula(f)).collect()
    }

    fn title_entry(&self, e: &TitleSyntax) -> R<TitleEntry> {
        Ok(TitleEntry {
            titles: e.titles.iter().map(|s| normalise_title(s)).collect(),
            amount: e.amount.0,
            when: self.conditions(&e.when)?,
            split: e.split.as_ref().map(|s| self.split(s)).transpose()?,
        })
    }

    fn stage(&self, s: &StageSyntax) -> R<Stage> {
        let flag = self.field_id(&s.flag)?;
        if self.vocab.get(flag).ty != FieldType::Bool {
            return Err(at(
                off(&s.flag),
                format!("stage flag `{}` must be a yes/no field", s.flag.get_ref()),
            ));
        }
        Ok(Stage {
            flag,
            amount: s.amount.0,
            label: s.label.clone().unwrap_or_else(|| s.flag.get_ref().clone()),
        })
    }

    /// A rate (`is_rate`: `"2%"`) or a unit rate (`"300"`): fixed, chosen in a range, looked up.
    fn param(&self, p: &S<ParamSyntax>, is_rate: bool) -> R<Param> {
        let o = off(p);
        let scalar = |s: &str, o: usize| {
            if is_rate {
                self.rate(s, o)
            } else {
                self.amount(s, o)
            }
        };
        match p.get_ref() {
            ParamSyntax::Fixed(s) => Ok(Param::Fixed(scalar(s, o)?)),
            ParamSyntax::By { by, table } => {
                let field = self.field_id(by)?;
                let mut entries = Vec::new();
                for e in table {
                    let value = self.param(&e.get_ref().value, is_rate)?;
                    if matches!(value, Param::Lookup { .. }) {
                        return Err(at(off(&e.get_ref().value), "a lookup entry's value is a value or a ranged value, not another lookup"));
                    }
                    entries.push((e.get_ref().values.clone(), value));
                }
                Ok(Param::Lookup { field, entries })
            }
            ParamSyntax::Chosen {
                chosen,
                range,
                approved,
            } => {
                let value = scalar(chosen.get_ref(), off(chosen))?;
                let [lo, hi] = range.get_ref().as_slice() else {
                    return Err(at(
                        off(range),
                        "range is [min, max]; an empty max (\"\") means no upper bound (不低于)",
                    ));
                };
                let max = if hi.trim().is_empty() {
                    Decimal::MAX
                } else {
                    scalar(hi, off(range))?
                };
                let min = scalar(lo, off(range))?;
                if min > max {
                    return Err(at(
                        off(range),
                        format!("range [{lo}, {hi}] has min above max"),
                    ));
                }
                if value < min || value > max {
                    return Err(at(
                        off(chosen),
                        format!(
                            "chosen value {} lies outside its range [{lo}, {hi}] (D5)",
                            crate::domain::money::plain(value)
                        ),
                    ));
                }
                let approved = approved
                    .as_ref()
                    .map(|a| self.numeric_field(a.get_ref(), off(a)))
                    .transpose()?;
                Ok(Param::Chosen {
                    value,
                    min,
                    max,
                    approved,
                })
            }
        }
    }

    /// A bracket table; `whole` when its selector is a whole number (a count, a rank, a year),
    /// so its brackets are checked as sets of whole numbers (issue 19).
    fn brackets(
        &self,
        rows: &S<Vec<S<BracketSyntax>>>,
        key: &str,
        is_rate: bool,
        whole: bool,
    ) -> R<Vec<Bracket>> {
        if rows.get_ref().is_empty() {
            return Err(at(off(rows), format!("`{key}` is empty")));
        }
        let out = rows
            .get_ref()
            .iter()
            .map(|row| self.bracket(row, is_rate))
            .collect::<R<Vec<_>>>()?;
        let ranges: Vec<&Interval> = out.iter().map(|b| &b.range).collect();
        check_brackets(&ranges, whole).map_err(|(i, m)| {
            let o = rows.get_ref().get(i).map_or(off(rows), off);
            at(
                o,
                format!("`{key}`: {m} (D1: brackets must have no gap and no overlap)"),
            )
        })?;
        Ok(out)
    }

    fn bracket(&self, row: &S<BracketSyntax>, is_rate: bool) -> R<Bracket> {
        let b = row.get_ref();
        let range = parse_interval(b.range.get_ref()).map_err(|m| at(off(&b.range), m))?;
        let value = match (&b.rate, &b.amount) {
            (Some(r), _) if is_rate => self.rate(r.get_ref(), off(r))?,
            (None, _) if is_rate => return Err(at(off(row), "a bracket needs `rate`")),
            // Slices' rates are unit rates (元/吨) or percentages.
            (Some(r), _) => parse_rate(r.get_ref())
                .map(Ok)
                .unwrap_or_else(|| self.amount(r.get_ref(), off(r)))?,
            (None, Some(a)) => self.amount(a.get_ref(), off(a))?,
            (None, None) => return Err(at(off(row), "a bracket needs `amount`")),
        };
        Ok(Bracket {
            range,
            value,
            words: b.words.clone(),
        })
    }

    /// Whether an expression's value is always a whole number: a whole-number field (the
    /// vocabulary's type says so), a year or a day count, a rounding, or whole numbers added,
    /// subtracted or multiplied.
    fn is_whole(&self, e: &Expr) -> bool {
        match e {
            Expr::Field(f) | Expr::Default { field: f, .. } => self.vocab.is_whole(*f),
            Expr::Const(c) => c.fract().is_zero(),
            Expr::Ceil(_) | Expr::Floor(_) | Expr::YearOf(_) | Expr::DaysBetween(..) => true,
            Expr::Sum(xs) | Expr::Minus(xs) | Expr::Product(xs) | Expr::Min(xs) | Expr::Max(xs) => {
                xs.iter().all(|x| self.is_whole(x))
            }
            Expr::Increase { of, over } => self.is_whole(of) && self.is_whole(over),
            Expr::Named { of, .. } => self.is_whole(of),
            Expr::Scale { .. } | Expr::Param(_) | Expr::Quotient(..) => false,
        }
    }
}
