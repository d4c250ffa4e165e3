//! Formulas (计算方式): the amount a rule gives a row before its caps, each step in the trace.

use rust_decimal::Decimal;

use super::{Eval, Evaluator, StepKind, Stop, Truth};
use crate::domain::fields::FieldId;
use crate::domain::money::{grouped2, plain};
use crate::domain::value::Value;
use crate::rules::load::{normalise_title, same_title};
use crate::rules::{Bracket, Combine, Expr, Formula, Param, Payer, TitleEntry};

impl Evaluator<'_> {
    /// A parameter's value for this row, with its description (D5 for ranged values).
    pub(super) fn param(&mut self, p: &Param, is_rate: bool) -> Eval<Decimal> {
        let show = |v: Decimal| {
            if is_rate {
                format!("{}%", plain(v * Decimal::ONE_HUNDRED))
            } else {
                plain(v)
            }
        };
        match p {
            Param::Fixed(v) => Ok(*v),
            Param::Chosen {
                value,
                min,
                max,
                approved,
            } => {
                if let Some(f) = approved {
                    if let Some(Value::Num(raw)) = self.row.get(*f) {
                        // An approved rate is written in percent points (D5: 核定比例).
                        let v = if is_rate {
                            *raw / Decimal::ONE_HUNDRED
                        } else {
                            *raw
                        };
                        if v < *min || v > *max {
                            return Err(Stop::Rejected(format!(
                                "{} {} 超出政策区间 [{}, {}]（D5）",
                                self.label(*f),
                                show(v),
                                show(*min),
                                show(*max)
                            )));
                        }
                        step!(
                            self,
                            Standard,
                            "标准 采用核定值 {}（政策区间 [{}, {}]）",
                            show(v),
                            show(*min),
                            show(*max)
                        );
                        return Ok(v);
                    }
                }
                step!(
                    self,
                    Standard,
                    "标准 采用政策文件选定值 {}（政策区间 [{}, {}]，D5）",
                    show(*value),
                    show(*min),
                    show(*max)
                );
                Ok(*value)
            }
            Param::Lookup { field, entries } => {
                let Some(v) = self.row.get(*field) else {
                    return Err(Stop::Missing(*field));
                };
                let text = v.as_text();
                let label = self.label(*field);
                match entries
                    .iter()
                    .find(|(values, _)| values.iter().any(|x| same_title(x, &text)))
                {
                    Some((_, inner)) => {
                        let value = self.param(inner, is_rate)?;
                        step!(self, Standard, "标准 {label}“{text}” → {}", show(value));
                        Ok(value)
                    }
                    None => Err(Stop::Ineligible(format!("{label}“{text}”不在本条标准表内"))),
                }
            }
        }
    }

    /// The bracket holding `v`; `what` is the selector's description, which already ends with
    /// its value (`设备投资额 4,999,999.99`).
    pub(super) fn pick<'b>(
        &self,
        brackets: &'b [Bracket],
        v: Decimal,
        what: &str,
    ) -> Eval<&'b Bracket> {
        brackets
            .iter()
            .find(|b| b.range.contains(v))
            .ok_or_else(|| {
                let ranges = brackets
                    .iter()
                    .map(|b| b.range.text.as_str())
                    .collect::<Vec<_>>()
                    .join("、");
                Stop::Ineligible(format!("{what} 不在任何档次（{ranges}）内"))
            })
    }

    pub(super) fn formula(&mut self, f: &Formula) -> Eval<Decimal> {
        match f {
            Formula::Rate { base, rate } => {
                let (b, bd) = self.expr(base)?;
                let r = self.param(rate, true)?;
                let v = b.checked_mul(r).ok_or(Stop::Overflow)?;
                step!(
                    self,
                    Arithmetic,
                    "计算 {}% × {bd} = {}",
                    plain(r * Decimal::ONE_HUNDRED),
                    grouped2(v)
                );
                Ok(v)
            }
            Formula::Tiers {
                selector,
                base,
                tiers,
            } => {
                let (s, sd) = self.expr(selector)?;
                let tier = self.pick(tiers, s, &sd)?;
                let words = tier
                    .words
                    .as_deref()
                    .map(|w| format!("，{w}"))
                    .unwrap_or_default();
                step!(
                    self,
                    Arithmetic,
                    "分档 {sd} 落在 {}{words} → 全额适用 {}%（D2）",
                    tier.range.text,
                    plain(tier.value * Decimal::ONE_HUNDRED)
                );
                let (b, bd) = self.expr(base)?;
                let v = b.checked_mul(tier.value).ok_or(Stop::Overflow)?;
                step!(
                    self,
                    Arithmetic,
                    "计算 {}% × {bd} = {}",
                    plain(tier.value * Decimal::ONE_HUNDRED),
                    grouped2(v)
                );
                Ok(v)
            }
            Formula::Slices { base, slices, step } => self.slices(base, slices, *step),
            Formula::Bracket { selector, brackets } => {
                let (s, sd) = self.expr(selector)?;
                let b = self.pick(brackets, s, &sd)?;
                let words = b
                    .words
                    .as_deref()
                    .map(|w| format!("，{w}"))
                    .unwrap_or_default();
                step!(
                    self,
                    Arithmetic,
                    "分档 {sd} 落在 {}{words} → {}",
                    b.range.text,
                    grouped2(b.value)
                );
                Ok(b.value)
            }
            Formula::PerUnit { terms } => {
                let mut total = Decimal::ZERO;
                let mut any = None;
                let mut first_missing = None;
                for (q, p) in terms {
                    let (qty, qd) = match self.expr(q) {
                        Ok(v) => v,
                        Err(Stop::Missing(f)) => {
                            first_missing = first_missing.or(Some(f));
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    let rate = self.param(p, false)?;
                    let v = qty.checked_mul(rate).ok_or(Stop::Overflow)?;
                    step!(
                        self,
                        Arithmetic,
                        "计算 {qd} × {} = {}",
                        plain(rate),
                        grouped2(v)
                    );
                    total = total.checked_add(v).ok_or(Stop::Overflow)?;
                    any = Some(());
                }
                match (any, first_missing) {
                    (None, Some(f)) => Err(Stop::Missing(f)),
                    _ => {
                        if terms.len() > 1 {
                            step!(self, Combination, "合计 {}", grouped2(total));
                        }
                        Ok(total)
                    }
                }
            }
            Formula::Fixed { amount } => {
                step!(self, Arithmetic, "定额 {}", grouped2(*amount));
                Ok(*amount)
            }
            Formula::ByTitle {
                field,
                entries,
                combine,
            } => self.by_title(*field, entries, *combine),
            Formula::Matching { base, ratio } => {
                let (b, bd) = self.expr(base)?;
                let v = b.checked_mul(*ratio).ok_or(Stop::Overflow)?;
                step!(
                    self,
                    Combination,
                    "配套 {bd} × {} = {}",
                    plain(*ratio),
                    grouped2(v)
                );
                Ok(v)
            }
            Formula::TopUp { standard, other } => {
                let s = self.formula(standard)?;
                let (o, od) = self.expr(other)?;
                let v = s.checked_sub(o).ok_or(Stop::Overflow)?.max(Decimal::ZERO);
                step!(
                    self,
                    Combination,
                    "补足 max(0, 标准 {} − {od}) = {}",
                    grouped2(s),
                    grouped2(v)
                );
                Ok(v)
            }
            Formula::Least(parts) | Formula::Greatest(parts) => {
                let mut vals = Vec::with_capacity(parts.len());
                for p in parts {
                    vals.push(self.formula(p)?);
                }
                let least = matches!(f, Formula::Least(_));
                let v = if least {
                    vals.iter().min()
                } else {
                    vals.iter().max()
                }
                .copied()
                .unwrap_or_default();
                step!(
                    self,
                    Combination,
                    "{}({}) = {}",
                    if least { "取低 min" } else { "取高 max" },
                    vals.iter()
                        .map(|v| grouped2(*v))
                        .collect::<Vec<_>>()
                        .join(", "),
                    grouped2(v)
                );
                Ok(v)
            }
            Formula::Amount { base } => {
                let (b, bd) = self.expr(base)?;
                step!(self, Combination, "取值 {bd}");
                Ok(b)
            }
            Formula::Interest(i) => self.interest(i),
            Formula::Staged { stages } => {
                let mut total = Decimal::ZERO;
                for s in stages {
                    if let Some(Value::Bool(true)) = self.row.get(s.flag) {
                        step!(
                            self,
                            Combination,
                            "阶段 {}：{}",
                            s.label,
                            grouped2(s.amount)
                        );
                        total += s.amount;
                    }
                }
                if total.is_zero() {
                    return Err(Stop::Ineligible("未达到任何奖补阶段".into()));
                }
                Ok(total)
            }
            Formula::Verdict { .. } => Err(Stop::Ineligible("资格认定规则没有金额".into())),
            Formula::Classify(_) | Formula::DateAdd { .. } => {
                Err(Stop::Ineligible("分类或期限规则没有金额".into()))
            }
            Formula::PoolShare => {
                step!(
                    self,
                    Budget,
                    "均分 本条按资金池平均分配，份额见批量处理（D11）"
                );
                Ok(Decimal::ZERO)
            }
            Formula::Cases(cases) => {
                let mut reasons = Vec::new();
                for (n, (when, f)) in cases.iter().enumerate() {
                    match self.all(when) {
                        Truth::Yes => {
                            step!(self, Condition, "情形 第{}种情形适用", n + 1);
                            return self.formula(f);
                        }
                        Truth::No(why) => reasons.push(why),
                        Truth::Unknown(field) => return Err(Stop::Missing(field)),
                    }
                }
                Err(Stop::Ineligible(format!(
                    "不符合任何情形（{}）",
                    reasons.join("；")
                )))
            }
            Formula::Sum(parts) => {
                let mut total = Decimal::ZERO;
                let mut applied = 0;
                let mut first_stop = None;
                for (n, f) in parts.iter().enumerate() {
                    match self.formula(f) {
                        Ok(v) => {
                            step!(self, Combination, "合计 第{}部分 {}", n + 1, grouped2(v));
                            total = total.checked_add(v).ok_or(Stop::Overflow)?;
                            applied += 1;
                        }
                        Err(Stop::Rejected(why)) => return Err(Stop::Rejected(why)),
                        Err(Stop::Overflow) => return Err(Stop::Overflow),
                        Err(stop) => {
                            step!(self, Combination, "合计 第{}部分不适用，计 0", n + 1);
                            first_stop = first_stop.or(Some(stop));
                        }
                    }
                }
                match (applied, first_stop) {
                    (0, Some(stop)) => Err(stop),
                    _ => Ok(total),
                }
            }
        }
    }

    pub(super) fn slices(
        &mut self,
        base: &Expr,
        slices: &[Bracket],
        step: Option<(Decimal, Decimal)>,
    ) -> Eval<Decimal> {
        let (v, vd) = self.expr(base)?;
        let mut total = Decimal::ZERO;
        let mut parts = Vec::new();
        for s in slices {
            let lo = s.range.lower.map_or(Decimal::ZERO, |(b, _)| b);
            let hi = s.range.upper.map_or(v, |(b, _)| b.min(v));
            if hi > lo {
                let amt = (hi - lo).checked_mul(s.value).ok_or(Stop::Overflow)?;
                if self.tracing {
                    parts.push(format!(
                        "{} × {} = {}",
                        plain(hi - lo),
                        plain(s.value),
                        grouped2(amt)
                    ));
                }
                total = total.checked_add(amt).ok_or(Stop::Overflow)?;
            }
        }
        if let (Some((width, inc)), Some(last)) = (step, slices.last()) {
            let top = last.range.upper.map_or(v, |(b, _)| b);
            if v > top {
                // n full slices of `width` above `top` at rates r+inc, r+2·inc, …, then a part slice.
                let rest = v - top;
                let n = (rest / width).floor();
                let part = rest - n * width;
                let r = last.value;
                let full = width
                    .checked_mul(
                        n.checked_mul(r)
                            .ok_or(Stop::Overflow)?
                            .checked_add(inc * n * (n + Decimal::ONE) / Decimal::TWO)
                            .ok_or(Stop::Overflow)?,
                    )
                    .ok_or(Stop::Overflow)?;
                let part_rate = r + (n + Decimal::ONE) * inc;
                let part_amt = part.checked_mul(part_rate).ok_or(Stop::Overflow)?;
                if self.tracing && !n.is_zero() {
                    parts.push(format!(
                        "超出部分 {} 段 × {}（每段 {}，标准逐段提高 {}）= {}",
                        plain(n),
                        plain(width),
                        plain(width),
                        plain(inc),
                        grouped2(full)
                    ));
                }
                if self.tracing && !part.is_zero() {
                    parts.push(format!(
                        "{} × {} = {}",
                        plain(part),
                        plain(part_rate),
                        grouped2(part_amt)
                    ));
                }
                total = total
                    .checked_add(full)
                    .and_then(|t| t.checked_add(part_amt))
                    .ok_or(Stop::Overflow)?;
            }
        }
        step!(
            self,
            Arithmetic,
            "超额累进 {vd}：{} 合计 {}",
            parts.join("；"),
            grouped2(total)
        );
        Ok(total)
    }

    pub(super) fn by_title(
        &mut self,
        field: FieldId,
        entries: &[TitleEntry],
        combine: Combine,
    ) -> Eval<Decimal> {
        let Some(v) = self.row.get(field) else {
            return Err(Stop::Missing(field));
        };
        let text = v.as_text();
        let mut hits: Vec<(&TitleEntry, String)> = Vec::new();
        let mut refused = Vec::new();
        for title in text
            .split(['；', ';', '、', '\n'])
            .map(normalise_title)
            .filter(|t| !t.is_empty())
        {
            let Some(entry) = entries.iter().find(|e| e.titles.contains(&title)) else {
                refused.push(format!("“{title}”不在本条奖励名单内"));
                continue;
            };
            match self.all(&entry.when) {
                Truth::Yes => hits.push((entry, title)),
                Truth::No(why) => refused.push(format!("“{title}”{why}")),
                Truth::Unknown(f) => refused.push(format!("“{title}”缺少数据：{}", self.label(f))),
            }
        }
        for r in &refused {
            step!(self, Arithmetic, "称号 {r}");
        }
        if hits.is_empty() {
            let why = if refused.is_empty() {
                "未填写称号".to_string()
            } else {
                refused.join("；")
            };
            return Err(Stop::Ineligible(why));
        }
        for (e, t) in &hits {
            step!(self, Arithmetic, "称号 “{t}” → {}", grouped2(e.amount));
        }
        let chosen: Vec<&(&TitleEntry, String)> = match combine {
            Combine::Highest => {
                let best = hits
                    .iter()
                    .max_by_key(|(e, _)| e.amount)
                    .into_iter()
                    .collect::<Vec<_>>();
                if hits.len() > 1 {
                    step!(self, Stacking, "就高 取 {}", grouped2(best[0].0.amount));
                }
                best
            }
            Combine::Sum => hits.iter().collect(),
        };
        let total: Decimal = chosen.iter().map(|(e, _)| e.amount).sum();
        if chosen.iter().any(|(e, _)| e.split.is_some()) {
            self.split = Some(combine_splits(
                &chosen.iter().map(|(e, _)| *e).collect::<Vec<_>>(),
                self.split.as_deref(),
            ));
        }
        Ok(total)
    }
}

/// Weights for several title entries summed together: each entry's amount split by its own
/// weights (or the rule's), added per payer.
fn combine_splits(
    entries: &[&TitleEntry],
    rule: Option<&[(Payer, Decimal)]>,
) -> Vec<(Payer, Decimal)> {
    let mut acc: Vec<(Payer, Decimal)> = Vec::new();
    for e in entries {
        let weights: &[(Payer, Decimal)] = match (&e.split, rule) {
            (Some(s), _) => s,
            (None, Some(r)) => r,
            (None, None) => &[],
        };
        let sum: Decimal = weights.iter().map(|(_, w)| *w).sum();
        if weights.is_empty() || sum.is_zero() {
            continue;
        }
        for (p, w) in weights {
            let share = e.amount * *w / sum;
            match acc.iter_mut().find(|(q, _)| q == p) {
                Some((_, v)) => *v += share,
                None => acc.push((*p, share)),
            }
        }
    }
    acc.sort_by_key(|(p, _)| *p);
    acc
}
