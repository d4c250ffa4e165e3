//! Expressions (基数表达式): a value computed from the row, with its description for the trace.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{Eval, Evaluator, Stop};
use crate::domain::fields::FieldId;
use crate::domain::money::plain;
use crate::domain::value::Value;
use crate::rules::{DateTerm, Expr};

impl Evaluator<'_> {
    /// A date of the row or of the clause, with its description (`放款日期 2023-05-01`).
    pub(super) fn date(&self, d: &DateTerm) -> Eval<(NaiveDate, String)> {
        match d {
            DateTerm::Fixed(x) => Ok((*x, desc!(self, "{x}"))),
            DateTerm::Field(f) => match self.row.get(*f) {
                Some(Value::Date(x)) => Ok((*x, desc!(self, "{} {x}", self.label(*f)))),
                _ => Err(Stop::Missing(*f)),
            },
        }
    }

    pub(super) fn num(&self, f: FieldId) -> Eval<Decimal> {
        match self.row.get(f) {
            Some(Value::Num(d)) => Ok(*d),
            // History fields come from the payout history; no history means nothing paid yet.
            None if self.cx.vocab.get(f).source == "history" => Ok(Decimal::ZERO),
            _ => Err(Stop::Missing(f)),
        }
    }

    /// Evaluates an expression to its value and a description for the trace.
    pub(super) fn expr(&self, e: &Expr) -> Eval<(Decimal, String)> {
        match e {
            Expr::Field(f) => {
                let v = self.num(*f)?;
                Ok((v, desc!(self, "{} {}", self.label(*f), self.show(*f, v))))
            }
            Expr::Const(c) => Ok((*c, desc!(self, "{}", plain(*c)))),
            Expr::Sum(items)
            | Expr::Minus(items)
            | Expr::Product(items)
            | Expr::Min(items)
            | Expr::Max(items) => {
                let parts = items
                    .iter()
                    .map(|x| self.expr(x))
                    .collect::<Eval<Vec<_>>>()?;
                let (name, sep) = match e {
                    Expr::Sum(_) => ("", " + "),
                    Expr::Minus(_) => ("", " − "),
                    Expr::Product(_) => ("", " × "),
                    Expr::Min(_) => ("min", ", "),
                    _ => ("max", ", "),
                };
                let mut acc = parts[0].0;
                for (v, _) in &parts[1..] {
                    acc = match e {
                        Expr::Sum(_) => acc.checked_add(*v),
                        Expr::Minus(_) => acc.checked_sub(*v),
                        Expr::Product(_) => acc.checked_mul(*v),
                        Expr::Min(_) => Some(acc.min(*v)),
                        _ => Some(acc.max(*v)),
                    }
                    .ok_or(Stop::Overflow)?;
                }
                Ok((
                    acc,
                    desc!(
                        self,
                        "{name}({}) = {}",
                        parts
                            .iter()
                            .map(|(_, d)| d.as_str())
                            .collect::<Vec<_>>()
                            .join(sep),
                        plain(acc)
                    ),
                ))
            }
            Expr::Increase { of, over } => {
                let (a, ad) = self.expr(of)?;
                let (b, bd) = self.expr(over)?;
                let inc = a.checked_sub(b).ok_or(Stop::Overflow)?.max(Decimal::ZERO);
                Ok((
                    inc,
                    desc!(self, "增量 max(0, {ad} − {bd}) = {}", plain(inc)),
                ))
            }
            Expr::Scale { of, by } => {
                let (a, ad) = self.expr(of)?;
                let v = a.checked_mul(*by).ok_or(Stop::Overflow)?;
                Ok((
                    v,
                    desc!(
                        self,
                        "{}% × {ad} = {}",
                        plain(*by * Decimal::ONE_HUNDRED),
                        plain(v)
                    ),
                ))
            }
            Expr::Param(name) => match self.cx.params.num(name) {
                Some(v) => Ok((v, desc!(self, "参数[{name}] {}", plain(v)))),
                None => Err(Stop::Ineligible(format!(
                    "缺少外部参数 {name}（config/params.toml）"
                ))),
            },
            Expr::Ceil(inner) | Expr::Floor(inner) => {
                let (a, ad) = self.expr(inner)?;
                let (v, name) = if matches!(e, Expr::Ceil(_)) {
                    (a.ceil(), "向上取整")
                } else {
                    (a.floor(), "向下取整")
                };
                Ok((v, desc!(self, "{name}({ad}) = {}", plain(v))))
            }
            Expr::Default { field, value } => match self.row.get(*field) {
                Some(Value::Num(d)) => Ok((
                    *d,
                    desc!(self, "{} {}", self.label(*field), self.show(*field, *d)),
                )),
                _ => Ok((
                    *value,
                    desc!(self, "{} 未填，按 {}", self.label(*field), plain(*value)),
                )),
            },
            Expr::YearOf(f) => match self.row.get(*f) {
                Some(Value::Date(d)) => {
                    let y = Decimal::from(d.year());
                    Ok((y, desc!(self, "{} {d} 的年份 {}", self.label(*f), plain(y))))
                }
                _ => Err(Stop::Missing(*f)),
            },
            Expr::DaysBetween(a, b) => {
                let ((x, xd), (y, yd)) = (self.date(a)?, self.date(b)?);
                let n = Decimal::from((y - x).num_days());
                Ok((n, desc!(self, "{xd} 至 {yd} 共 {} 天", plain(n))))
            }
            Expr::Named { name, of } => {
                let (v, d) = self.expr(of)?;
                Ok((v, desc!(self, "{name}〔{d}〕")))
            }
            Expr::Quotient(a, b) => {
                let (x, xd) = self.expr(a)?;
                let (y, yd) = self.expr(b)?;
                if y.is_zero() {
                    return Err(Stop::Ineligible(format!("除数为零：{yd}")));
                }
                let v = x.checked_div(y).ok_or(Stop::Overflow)?;
                Ok((v, desc!(self, "({xd} ÷ {yd}) = {}", plain(v))))
            }
        }
    }
}
