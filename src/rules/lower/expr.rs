//! Lowering expressions (EXPR) and conditions (`when`, `test`): field keys checked against the
//! vocabulary and their types, boundary words and operators (D1), dates.

use chrono::NaiveDate;

use super::super::syntax::{Absent, CondSyntax, ExprSyntax, ListSyntax, S};
use super::super::text::{date_op_of_word, op_of_word};
use super::super::{Condition, DateRef, Expr, Op};
use super::{at, off, Lower, R};
use crate::domain::fields::{FieldId, FieldType};

impl Lower<'_> {
    pub fn expr(&self, e: &S<ExprSyntax>) -> R<Expr> {
        self.expr_at(e.get_ref(), off(e))
    }

    /// An expression whose node starts at `o` (its own span where it has none).
    pub fn expr_at(&self, e: &ExprSyntax, o: usize) -> R<Expr> {
        let boxed = |x: &S<ExprSyntax>| self.expr(x).map(Box::new);
        Ok(match e {
            ExprSyntax::Text(text) => self.arith(text, o)?,
            ExprSyntax::Sum { sum } => Expr::Sum(self.terms(sum, "sum", o)?),
            ExprSyntax::Minus { minus } => Expr::Minus(self.terms(minus, "minus", o)?),
            ExprSyntax::Product { product } => Expr::Product(self.terms(product, "product", o)?),
            ExprSyntax::Min { min } => Expr::Min(self.terms(min, "min", o)?),
            ExprSyntax::Max { max } => Expr::Max(self.terms(max, "max", o)?),
            ExprSyntax::Increase { increase, over } => Expr::Increase {
                of: boxed(increase)?,
                over: boxed(over)?,
            },
            ExprSyntax::Scale { scale, by } => Expr::Scale {
                of: boxed(scale)?,
                by: by.0,
            },
            ExprSyntax::Param { param } => Expr::Param(param.clone()),
            ExprSyntax::Ceil { ceil } => Expr::Ceil(boxed(ceil)?),
            ExprSyntax::Floor { floor } => Expr::Floor(boxed(floor)?),
            ExprSyntax::Quotient { quotient } => {
                let [a, b] = quotient.as_slice() else {
                    return Err(at(o, "`quotient` is [dividend, divisor]"));
                };
                Expr::Quotient(boxed(a)?, boxed(b)?)
            }
            ExprSyntax::Default { field, default } => Expr::Default {
                field: self.numeric_field(field.get_ref(), off(field))?,
                value: default.0,
            },
            ExprSyntax::YearOf { year_of } => Expr::YearOf(self.date_field(year_of)?),
            ExprSyntax::DaysBetween { days_between } => {
                let [a, b] = days_between.as_slice() else {
                    return Err(at(
                        o,
                        "`days_between` is [from date, to date] (a date field or YYYY-MM-DD)",
                    ));
                };
                Expr::DaysBetween(self.date_term(a)?, self.date_term(b)?)
            }
            ExprSyntax::Value { value } => Expr::Const(value.0),
        })
    }

    fn terms(&self, items: &[S<ExprSyntax>], key: &str, o: usize) -> R<Vec<Expr>> {
        if items.len() < 2 {
            return Err(at(o, format!("`{key}` needs at least two terms")));
        }
        items.iter().map(|x| self.expr(x)).collect()
    }

    pub fn conditions(&self, list: &[S<CondSyntax>]) -> R<Vec<Condition>> {
        list.iter().map(|c| self.condition(c)).collect()
    }

    fn condition(&self, c: &S<CondSyntax>) -> R<Condition> {
        let o = off(c);
        Ok(match c.get_ref() {
            CondSyntax::All { all } => Condition::All(self.conditions(all)?),
            CondSyntax::Any { any } => Condition::Any(self.conditions(any)?),
            CondSyntax::In {
                field,
                r#in,
                absent,
            } => optional(
                *absent,
                self.field_id(field)?,
                self.member(field, r#in, false)?,
            ),
            CondSyntax::NotIn {
                field,
                not_in,
                absent,
            } => optional(
                *absent,
                self.field_id(field)?,
                self.member(field, not_in, true)?,
            ),
            CondSyntax::Is { field, is, absent } => {
                let id = self.field_id(field)?;
                if self.vocab.get(id).ty != FieldType::Bool {
                    return Err(at(
                        off(field),
                        format!(
                            "`is` needs a yes/no field; `{}` is not one",
                            field.get_ref()
                        ),
                    ));
                }
                Condition::Is {
                    field: id,
                    value: *is,
                    absent: *absent,
                }
            }
            CondSyntax::Date {
                field,
                date,
                word,
                op,
                absent,
            } => {
                let d = NaiveDate::parse_from_str(date.get_ref(), "%Y-%m-%d").map_err(|_| {
                    at(
                        off(date),
                        format!("date `{}` must be written YYYY-MM-DD", date.get_ref()),
                    )
                })?;
                let c = self.date_condition(field, DateRef::Fixed(d), word, op, o)?;
                optional(*absent, self.field_id(field)?, c)
            }
            CondSyntax::After {
                field,
                after,
                months,
                word,
                op,
                absent,
            } => {
                let other = self.date_field(after)?;
                let months = match months {
                    None => 0,
                    Some(m) => m.get_ref().trim().parse::<i32>().map_err(|_| {
                        at(off(m), "`months` is a whole number of months, e.g. \"6\"")
                    })?,
                };
                let date = DateRef::Field {
                    field: other,
                    months,
                };
                let c = self.date_condition(field, date, word, op, o)?;
                optional(*absent, self.field_id(field)?, c)
            }
            CondSyntax::Compare {
                field,
                word,
                op,
                value,
                than,
            } => {
                let left = self.expr(field)?;
                let op = match (op, word) {
                    (Some(op), _) => parse_op(op)?,
                    (None, Some(w)) => op_of_word(w.get_ref()).ok_or_else(|| {
                        at(off(w), format!("boundary word `{}` is not in D1's table; give `op` explicitly (>=, >, <=, <)", w.get_ref()))
                    })?,
                    (None, None) => {
                        return Err(at(
                            o,
                            "a comparison needs a boundary `word` (以上, 超过 …) or an `op`",
                        ))
                    }
                };
                let right = match (value, than) {
                    (Some(v), None) => Expr::Const(v.0),
                    (None, Some(e)) => self.expr(e)?,
                    _ => return Err(at(
                        o,
                        "a comparison needs exactly one of `value` (a number) or `than` (an expression)",
                    )),
                };
                Condition::Compare {
                    left,
                    op,
                    right,
                    word: word.as_ref().map(|w| w.get_ref().clone()),
                }
            }
        })
    }

    fn member(&self, field: &S<String>, list: &ListSyntax, negate: bool) -> R<Condition> {
        let field = self.field_id(field)?;
        Ok(match list {
            ListSyntax::Param { param } => Condition::InParam {
                field,
                param: param.clone(),
                negate,
            },
            ListSyntax::Values(values) if negate => Condition::NotIn {
                field,
                values: values.clone(),
            },
            ListSyntax::Values(values) => Condition::In {
                field,
                values: values.clone(),
            },
        })
    }

    fn date_condition(
        &self,
        field: &S<String>,
        date: DateRef,
        word: &Option<S<String>>,
        op: &Option<S<String>>,
        o: usize,
    ) -> R<Condition> {
        let id = self.field_id(field)?;
        if self.vocab.get(id).ty != FieldType::Date {
            return Err(at(
                off(field),
                format!(
                    "`date` compares a date field; `{}` is not one",
                    field.get_ref()
                ),
            ));
        }
        let op = match (op, word) {
            (Some(op), _) => parse_op(op)?,
            (None, Some(w)) => date_op_of_word(w.get_ref()).ok_or_else(|| {
                at(off(w), format!("date word `{}` is not known; use 起/以后/不早于 (on or after), 截至/以前/不晚于 (on or before), or give `op`", w.get_ref()))
            })?,
            (None, None) => {
                return Err(at(
                    o,
                    "a date condition needs a `word` (起, 截至 …) or an `op`",
                ))
            }
        };
        Ok(Condition::Date {
            field: id,
            op,
            date,
            word: word.as_ref().map(|w| w.get_ref().clone()),
        })
    }
}

/// A condition the clause makes only on a fact it lets the applicant leave out.
fn optional(absent: Option<Absent>, field: FieldId, c: Condition) -> Condition {
    match absent {
        None => c,
        Some(Absent::Pass) => Condition::Optional {
            field,
            of: Box::new(c),
        },
    }
}

fn parse_op(s: &S<String>) -> R<Op> {
    Ok(match s.get_ref().as_str() {
        ">=" | "≥" => Op::Ge,
        ">" => Op::Gt,
        "<=" | "≤" => Op::Le,
        "<" => Op::Lt,
        "==" | "=" => Op::Eq,
        "!=" | "≠" => Op::Ne,
        _ => return Err(at(off(s), "op is one of >=, >, <=, <, ==, !=")),
    })
}
