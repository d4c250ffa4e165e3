//! Lowering (降级): a rule's syntax ([`super::syntax`]) into the checked model of [`super`].
//! This module owns the checks serde cannot make — field keys against the vocabulary and
//! their types, bracket tables, operators and boundary words, dates, caps and splits — each
//! refused at the span of the node it is about. Expressions and conditions are lowered in
//! [`expr`], formulas, rates and bracket tables in [`formula`].

mod dates;
mod expr;
mod formula;
mod groups;
mod payment;

use groups::limit;

use std::cell::RefCell;
use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::syntax::{
    Amount, CapAmountSyntax, CapSyntax, LetSyntax, MaxYearsSyntax, OutcomeSyntax, RuleSyntax,
    ScopeSyntax, SplitSyntax, S,
};
use super::text::{parse_amount, parse_rate};
use super::{Cap, CapScope, Formula, Outcome, Payer, Rule, YearLimit, YearsPer};
use crate::domain::fields::{line_of, FieldId, FieldType, Vocabulary};

/// A refusal inside a rule, at a byte offset of the file (0: the rule's own line).
pub struct At {
    pub offset: usize,
    pub message: String,
}

pub fn at(offset: usize, message: impl Into<String>) -> At {
    At {
        offset,
        message: message.into(),
    }
}

pub type R<T> = Result<T, At>;

/// Where a spanned node starts.
fn off<T>(s: &S<T>) -> usize {
    s.span().start
}

/// Lowering context: the file's text for line numbers, the field vocabulary and, inside a
/// rule, its `let` values (each lowered once, where it is first used).
pub struct Lower<'a> {
    text: &'a str,
    vocab: &'a Vocabulary,
    lets: Option<&'a LetSyntax>,
    /// Let values lowered so far; `None` while one is being lowered (a cycle if met again).
    resolved: RefCell<BTreeMap<String, Option<super::Expr>>>,
}

impl<'a> Lower<'a> {
    pub fn new(text: &'a str, vocab: &'a Vocabulary) -> Self {
        Lower {
            text,
            vocab,
            lets: None,
            resolved: RefCell::default(),
        }
    }

    /// A rule, with the policy's flags as its default flags.
    pub fn rule(&self, r: &RuleSyntax, policy_flags: &[FieldId]) -> R<Rule> {
        let cx = Lower {
            lets: r.r#let.as_ref(),
            ..Lower::new(self.text, self.vocab)
        };
        let rule = cx.rule_body(r, policy_flags)?;
        cx.check_lets()?;
        Ok(rule)
    }

    fn rule_body(&self, r: &RuleSyntax, policy_flags: &[FieldId]) -> R<Rule> {
        let start = off(&r.id);
        if r.clause.trim().is_empty() {
            return Err(at(
                start,
                "`clause` is empty; give the article and item, e.g. \"第13条\"",
            ));
        }
        if r.excerpt.trim().is_empty() {
            return Err(at(start, "`excerpt` is empty; quote the clause verbatim"));
        }
        let outcome = match &r.outcome {
            None => Outcome::Payout,
            Some(o) => self.outcome(o)?,
        };
        let flags = match &r.flags {
            None => policy_flags.to_vec(),
            Some(list) => list.iter().map(|f| self.field_id(f)).collect::<R<_>>()?,
        };
        let when = self.conditions(&r.when)?;
        let formula = self.formula(&r.formula)?;
        check_outcome(&formula, &outcome, off(&r.formula))?;
        let id = r.id.get_ref();
        let (named, own): (Vec<_>, Vec<_>) =
            r.caps.iter().partition(|c| c.get_ref().amount.is_none());
        let caps = own.iter().map(|c| self.cap(c, id)).collect::<R<_>>()?;
        let group_refs = named.iter().map(|c| self.group_ref(c)).collect::<R<_>>()?;
        let limits = r
            .limit
            .as_ref()
            .map(|l| limit(l.get_ref(), id, None).map_err(|m| at(off(l), m)))
            .transpose()?
            .into_iter()
            .collect();
        let split = r.split.as_ref().map(|s| self.split(s)).transpose()?;
        let (payees, advance) = self.payment(r, &outcome, &formula)?;
        Ok(Rule {
            id: r.id.get_ref().clone(),
            clause: r.clause.clone(),
            excerpt: r.excerpt.clone(),
            outcome,
            flags,
            when,
            formula,
            caps,
            floor: r.floor.map(|Amount(a)| a),
            split,
            readings: r.readings.clone(),
            line: line_of(self.text, start),
            same_as: r.same_as.clone(),
            max_years: r.max_years.as_ref().map(year_limit),
            differential: r.differential,
            exclusive: r.exclusive.clone(),
            budget: r.budget.as_ref().map(|b| b.get_ref().clone()),
            payees,
            advance,
            limits,
            group_refs,
        })
    }

    fn outcome(&self, o: &S<OutcomeSyntax>) -> R<Outcome> {
        Ok(match o.get_ref() {
            OutcomeSyntax::Named(name) if name == "payout" => Outcome::Payout,
            OutcomeSyntax::Named(other) => {
                return Err(at(off(o), format!("outcome `{other}` is not known; outcome is \"payout\", {{ measure = \"减免税额测算\", unit = \"元\" }}, {{ verdict = \"…\" }}, {{ category = \"…\" }} or {{ date = \"…\" }}")))
            }
            OutcomeSyntax::Measure {
                measure,
                unit,
                refused,
            } => Outcome::Measure {
                label: measure.clone(),
                unit: unit.clone().unwrap_or_else(|| "元".into()),
                refused: refused.clone(),
            },
            OutcomeSyntax::Verdict { verdict, yes, no } => Outcome::Verdict {
                label: verdict.clone(),
                yes: yes.clone(),
                no: no.clone(),
            },
            OutcomeSyntax::Category { category: label } | OutcomeSyntax::Date { date: label } => {
                Outcome::Text {
                    label: label.clone(),
                }
            }
        })
    }

    /// A rule's own cap; a project cap without `group` is shared by the rule's rows of one
    /// project only, so its group is the rule's id.
    fn cap(&self, c: &S<CapSyntax>, rule: &str) -> R<Cap> {
        let o = off(c);
        let cap = c.get_ref();
        let Some(amount) = &cap.amount else {
            return Err(at(o, "a cap needs an `amount`"));
        };
        Ok(Cap {
            amount: self.cap_amount(amount)?,
            scope: cap_scope(cap.scope, &cap.group, o, rule)?,
            words: cap.words.clone(),
        })
    }

    fn cap_amount(&self, amount: &S<CapAmountSyntax>) -> R<super::Expr> {
        Ok(match amount.get_ref() {
            CapAmountSyntax::Whole(i) => super::Expr::Const(Decimal::from(*i)),
            // An amount starts with a digit; anything else names a field.
            CapAmountSyntax::Text(s) if s.trim().starts_with(|ch: char| ch.is_ascii_digit()) => {
                super::Expr::Const(self.amount(s, off(amount))?)
            }
            CapAmountSyntax::Text(text) => self.arith(text, off(amount))?,
            CapAmountSyntax::Expression(e) => self.expr_at(e, off(amount))?,
        })
    }

    pub fn split(&self, s: &S<SplitSyntax>) -> R<Vec<(Payer, Decimal)>> {
        let mut out = Vec::new();
        for (k, Amount(w)) in s.get_ref() {
            let payer = Payer::parse(k.get_ref()).ok_or_else(|| {
                at(
                    off(k),
                    format!(
                        "split: unknown payer `{}`; use 中央, 自治区, 盟市, 旗县区 or 其他",
                        k.get_ref()
                    ),
                )
            })?;
            if *w < Decimal::ZERO {
                return Err(at(
                    off(k),
                    format!("split: weight of {} is negative", k.get_ref()),
                ));
            }
            out.push((payer, *w));
        }
        out.sort_by_key(|(p, _)| *p);
        if out.iter().all(|(_, w)| w.is_zero()) {
            return Err(at(off(s), "split: weights sum to zero"));
        }
        Ok(out)
    }

    pub fn field_id(&self, key: &S<String>) -> R<FieldId> {
        self.field_at(key.get_ref(), off(key))
    }

    fn field_at(&self, key: &str, o: usize) -> R<FieldId> {
        self.vocab.id(key).ok_or_else(|| {
            let hint = self
                .suggest(key)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            at(
                o,
                format!("unknown field `{key}`{hint}; fields are the keys of config/fields.json"),
            )
        })
    }

    /// The closest field key by edit distance, for messages.
    fn suggest(&self, key: &str) -> Option<String> {
        self.vocab
            .iter()
            .map(|(_, f)| (strsim::levenshtein(key, &f.key), &f.key))
            .filter(|(d, _)| *d <= 3)
            .min()
            .map(|(_, k)| k.clone())
    }

    fn date_field(&self, key: &S<String>) -> R<FieldId> {
        let id = self.field_id(key)?;
        if self.vocab.get(id).ty != FieldType::Date {
            return Err(at(
                off(key),
                format!("field `{}` is not a date", key.get_ref()),
            ));
        }
        Ok(id)
    }

    fn numeric_field(&self, key: &str, o: usize) -> R<FieldId> {
        let id = self.field_at(key, o)?;
        if !self.vocab.get(id).ty.is_numeric() {
            return Err(at(
                o,
                format!("field `{key}` is not a number and cannot be computed with"),
            ));
        }
        Ok(id)
    }

    fn amount(&self, text: &str, o: usize) -> R<Decimal> {
        parse_amount(text).ok_or_else(|| at(o, format!("`{text}` is not an amount; write digits with an optional 万 or 亿, e.g. \"1000万\"")))
    }

    fn rate(&self, text: &str, o: usize) -> R<Decimal> {
        parse_rate(text).ok_or_else(|| {
            at(
                o,
                format!("`{text}` is not a rate; write it with a percent sign, e.g. \"2.5%\""),
            )
        })
    }
}

impl Lower<'_> {
    /// A name in arithmetic: a `let` value of the rule, shown by its name, or a numeric field.
    fn name(&self, n: &str, o: usize) -> R<super::Expr> {
        let Some((key, node)) = self.lets.and_then(|l| l.get_key_value(n)) else {
            return Ok(super::Expr::Field(self.numeric_field(n, o)?));
        };
        let known = self.resolved.borrow().get(n).cloned();
        let of = match known {
            Some(Some(e)) => e,
            Some(None) => {
                return Err(at(
                    off(key),
                    format!("let `{n}` refers to itself (directly or through another let value)"),
                ))
            }
            None => {
                self.resolved.borrow_mut().insert(n.to_string(), None);
                let e = self.expr(node)?;
                self.resolved
                    .borrow_mut()
                    .insert(n.to_string(), Some(e.clone()));
                e
            }
        };
        Ok(super::Expr::Named {
            name: n.to_string(),
            of: Box::new(of),
        })
    }

    /// Arithmetic text ([`super::arith`]) at offset `o`; a refusal inside a let value it names
    /// keeps that value's own line.
    fn arith(&self, text: &str, o: usize) -> R<super::Expr> {
        let inner = RefCell::new(None);
        let parsed = super::arith::parse_arith(text, &mut |n| {
            self.name(n, o).map_err(|e| {
                let m = e.message.clone();
                *inner.borrow_mut() = Some(e);
                m
            })
        });
        parsed.map_err(|m| inner.into_inner().unwrap_or_else(|| at(o, m)))
    }

    /// Let names are names (not field keys, not functions) and each is used.
    fn check_lets(&self) -> R<()> {
        for key in self.lets.into_iter().flat_map(|l| l.keys()) {
            let n = key.get_ref();
            let bad = if !n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                Some("is not a name (letters, digits and _, not starting with a digit)")
            } else if self.vocab.id(n).is_some() {
                Some("is a field key; name the value differently")
            } else if matches!(n.as_str(), "min" | "max" | "ceil" | "floor") {
                Some("is a function's name")
            } else if !self.resolved.borrow().contains_key(n) {
                Some("is never used")
            } else {
                None
            };
            if let Some(why) = bad {
                return Err(at(off(key), format!("let `{n}` {why}")));
            }
        }
        Ok(())
    }
}

/// A cap's scope and group; a project cap alone in its group takes `own` (the rule's id, or
/// the declared group's) as its group.
fn cap_scope(scope: ScopeSyntax, group: &Option<String>, o: usize, own: &str) -> R<CapScope> {
    Ok(match (scope, group) {
        (ScopeSyntax::Application, None) => CapScope::Application,
        (ScopeSyntax::Application, Some(_)) => {
            return Err(at(o, "a cap per application has no `group`"))
        }
        (ScopeSyntax::EnterpriseYear, Some(g)) => CapScope::EnterpriseYear { group: g.clone() },
        (ScopeSyntax::Enterprise, Some(g)) => CapScope::Enterprise { group: g.clone() },
        (ScopeSyntax::Project, g) => CapScope::Project {
            group: g.clone().unwrap_or_else(|| own.to_string()),
        },
        (ScopeSyntax::EnterpriseYear, None) => return Err(group_needed(o, "enterprise_year")),
        (ScopeSyntax::Enterprise, None) => return Err(group_needed(o, "enterprise")),
    })
}

fn group_needed(o: usize, scope: &str) -> At {
    at(
        o,
        format!("an {scope} cap needs a `group` naming the rules that share it (D4)"),
    )
}

/// `max_years` as written: a bare number counts the enterprise's years (D10).
fn year_limit(m: &MaxYearsSyntax) -> YearLimit {
    match *m {
        MaxYearsSyntax::Whole(years) => YearLimit {
            years,
            per: YearsPer::Enterprise,
        },
        MaxYearsSyntax::Years { years, per } => YearLimit { years, per },
    }
}

/// A verdict formula goes with a verdict outcome, classify and date_add with a text one.
fn check_outcome(formula: &Formula, outcome: &Outcome, o: usize) -> R<()> {
    if matches!(formula, Formula::Verdict { .. }) != matches!(outcome, Outcome::Verdict { .. }) {
        return Err(at(
            o,
            "a `verdict` formula goes with outcome = { verdict = \"…\" } and only with it",
        ));
    }
    if matches!(formula, Formula::Classify(_) | Formula::DateAdd { .. })
        != matches!(outcome, Outcome::Text { .. })
    {
        return Err(at(o, "`classify` and `date_add` formulas go with outcome = { category = \"…\" } or { date = \"…\" }, and only with them"));
    }
    Ok(())
}
