//! Eligibility (申报条件): the policy's validity, the rule's flags and conditions, each a step;
//! a missing value is unknown (Kleene logic), not false.

use chrono::Datelike;
use rust_decimal::Decimal;

use super::{Eval, Evaluator, StepKind, Stop, Truth};
use crate::domain::money::plain;
use crate::domain::value::Value;
use crate::rules::load::same_title;
use crate::rules::{Condition, DateRef, Policy, Rule, YearLimit, YearsPer};

impl Evaluator<'_> {
    /// The policy's validity (有效期) against the row's 申报年度: a year the policy does not
    /// reach at all is ineligible. Clause-specific windows are conditions of the rule.
    pub(super) fn in_force(&mut self, policy: &Policy) -> Eval<()> {
        let Some(year_field) = self.cx.vocab.id("application_year") else {
            return Ok(());
        };
        let Some(Value::Num(year)) = self.row.get(year_field) else {
            return Ok(());
        };
        let year: i64 = year.trunc().try_into().unwrap_or(0);
        let from = policy.valid_from.map(|d| i64::from(d.year()));
        let to = policy.valid_to.map(|d| i64::from(d.year()));
        if from.is_some_and(|f| year < f) || to.is_some_and(|t| year > t) {
            let span = format!(
                "{} 至 {}",
                policy.valid_from.map_or("—".into(), |d| d.to_string()),
                policy.valid_to.map_or("—".into(), |d| d.to_string())
            );
            return Err(Stop::Ineligible(format!(
                "申报年度 {year} 不在政策有效期（{span}）内"
            )));
        }
        Ok(())
    }

    pub(super) fn eligible(&mut self, rule: &Rule) -> Eval<()> {
        if let Some(limit) = rule.max_years {
            self.within_years(limit)?;
        }
        for &flag in &rule.flags {
            match self.row.get(flag) {
                Some(Value::Bool(false)) => {
                    return Err(Stop::Ineligible(format!("{}：否", self.label(flag))));
                }
                Some(Value::Bool(true)) => step!(self, Condition, "条件 {}：是", self.label(flag)),
                _ => {}
            }
        }
        match self.all(&rule.when) {
            Truth::Yes => Ok(()),
            Truth::No(why) => Err(Stop::Ineligible(why)),
            Truth::Unknown(f) => Err(Stop::Missing(f)),
        }
    }

    /// 连续支持年限 (D10): the years the history already paid (`prior_payout_years`, filled per
    /// enterprise or per project by [`crate::history`]) must stay below the limit.
    fn within_years(&mut self, limit: YearLimit) -> Eval<()> {
        let years_paid = self.history("prior_payout_years")?;
        let max = limit.years;
        // Per project the years are the project's; a row without 项目编号 is counted per
        // enterprise (refuses more, never pays more), and says so.
        let (whose, note, same) = match (limit.per, self.project()) {
            (YearsPer::Enterprise, _) => (String::new(), "", ""),
            (YearsPer::Project, Some(p)) => (format!("项目 {p} "), "", "同一项目"),
            (YearsPer::Project, None) => (String::new(), "（未填项目编号，按企业计）", "同一项目"),
        };
        let years = plain(years_paid);
        if years_paid >= Decimal::from(max) {
            return Err(Stop::Ineligible(format!(
                "{whose}已享受 {years} 年{note}，达到{same}最多 {max} 年的限制（D10）"
            )));
        }
        step!(
            self,
            Condition,
            "年限 {whose}已享受 {years} 年{note} < {same}最多 {max} 年（D10）"
        );
        Ok(())
    }

    /// The row's 项目编号, trimmed; `None` when it is empty or the vocabulary has no such field.
    fn project(&self) -> Option<String> {
        let f = self.cx.vocab.id("project_id")?;
        let p = self.row.get(f)?.as_text();
        let p = p.trim();
        (!p.is_empty()).then(|| p.to_string())
    }

    pub(super) fn all(&mut self, conds: &[Condition]) -> Truth {
        let mut unknown = None;
        for c in conds {
            match self.condition(c) {
                Truth::Yes => {}
                Truth::No(why) => return Truth::No(why),
                Truth::Unknown(f) => unknown = unknown.or(Some(f)),
            }
        }
        unknown.map_or(Truth::Yes, Truth::Unknown)
    }

    pub(super) fn condition(&mut self, c: &Condition) -> Truth {
        match c {
            Condition::All(list) => self.all(list),
            Condition::Any(list) => {
                let mut unknown = None;
                let mut reasons = Vec::new();
                for c in list {
                    match self.condition(c) {
                        Truth::Yes => return Truth::Yes,
                        Truth::No(why) => reasons.push(why),
                        Truth::Unknown(f) => unknown = unknown.or(Some(f)),
                    }
                }
                match unknown {
                    Some(f) => Truth::Unknown(f),
                    None => Truth::No(reasons.join("；且")),
                }
            }
            Condition::Optional { field, of } => match self.row.get(*field) {
                None => {
                    step!(
                        self,
                        Condition,
                        "条件 {}未填：本条件不要求必填，视为满足",
                        self.label(*field)
                    );
                    Truth::Yes
                }
                Some(_) => self.condition(of),
            },
            Condition::Compare {
                left,
                op,
                right,
                word,
            } => {
                let (l, ld) = match self.expr(left) {
                    Ok(v) => v,
                    Err(Stop::Missing(f)) => return Truth::Unknown(f),
                    Err(_) => return Truth::No("数值超出可计算范围".into()),
                };
                let (r, rd) = match self.expr(right) {
                    Ok(v) => v,
                    Err(Stop::Missing(f)) => return Truth::Unknown(f),
                    Err(_) => return Truth::No("数值超出可计算范围".into()),
                };
                let words = || {
                    word.as_deref()
                        .map(|w| format!("（{w}）"))
                        .unwrap_or_default()
                };
                if op.holds(l, r) {
                    step!(
                        self,
                        Condition,
                        "条件 {ld} {} {rd}{}：满足",
                        op.symbol(),
                        words()
                    );
                    Truth::Yes
                } else {
                    let text = format!("{ld} {} {rd}{}", op.symbol(), words());
                    step!(self, Condition, "条件 {text}：不满足");
                    Truth::No(format!("不满足 {text}"))
                }
            }
            Condition::In { field, values } | Condition::NotIn { field, values } => {
                let Some(v) = self.row.get(*field) else {
                    return Truth::Unknown(*field);
                };
                let text = v.as_text();
                let found = values.iter().any(|x| same_title(x, &text));
                let want = matches!(c, Condition::In { .. });
                if found == want {
                    step!(
                        self,
                        Condition,
                        "条件 {}“{text}”{}：满足",
                        self.label(*field),
                        if want {
                            "在适用范围内"
                        } else {
                            "不在排除范围内"
                        }
                    );
                    Truth::Yes
                } else {
                    let label = self.label(*field);
                    let why = if want {
                        format!("{label}“{text}”不在适用范围（{}）内", values.join("、"))
                    } else {
                        format!("{label}“{text}”属于排除范围")
                    };
                    step!(self, Condition, "条件 {why}：不满足");
                    Truth::No(why)
                }
            }
            Condition::InParam {
                field,
                param,
                negate,
            } => {
                let Some(v) = self.row.get(*field) else {
                    return Truth::Unknown(*field);
                };
                let text = v.as_text();
                let Some(list) = self.cx.params.list(param) else {
                    return Truth::No(format!("缺少外部参数 {param}（config/params.toml）"));
                };
                let found = list.iter().any(|x| same_title(x, &text));
                if found != *negate {
                    step!(
                        self,
                        Condition,
                        "条件 {}“{text}”{}参数[{param}]：满足",
                        self.label(*field),
                        if *negate { "不在" } else { "在" }
                    );
                    Truth::Yes
                } else {
                    let label = self.label(*field);
                    let why = format!(
                        "{label}“{text}”{}参数[{param}]",
                        if *negate { "在" } else { "不在" }
                    );
                    step!(self, Condition, "条件 {why}：不满足");
                    Truth::No(why)
                }
            }
            Condition::Date {
                field,
                op,
                date,
                word,
            } => {
                let label = self.label(*field);
                let Some(Value::Date(d)) = self.row.get(*field) else {
                    return Truth::Unknown(*field);
                };
                let (date, what) = match date {
                    DateRef::Fixed(x) => (*x, x.to_string()),
                    DateRef::Field {
                        field: other,
                        months,
                    } => {
                        let Some(Value::Date(base)) = self.row.get(*other) else {
                            return Truth::Unknown(*other);
                        };
                        let shifted = if *months >= 0 {
                            base.checked_add_months(chrono::Months::new(months.unsigned_abs()))
                        } else {
                            base.checked_sub_months(chrono::Months::new(months.unsigned_abs()))
                        };
                        let Some(x) = shifted else {
                            return Truth::No(format!(
                                "{} {base} 加 {months} 个月超出日期范围",
                                self.label(*other)
                            ));
                        };
                        (
                            x,
                            format!("{} {base} + {months} 个月 = {x}", self.label(*other)),
                        )
                    }
                };
                let words = || {
                    word.as_deref()
                        .map(|w| format!("（{w}）"))
                        .unwrap_or_default()
                };
                if op.holds_ord(d, &date) {
                    step!(
                        self,
                        Condition,
                        "条件 {label} {d} {} {what}{}：满足",
                        op.symbol(),
                        words()
                    );
                    Truth::Yes
                } else {
                    let text = format!("{label} {d} {} {what}{}", op.symbol(), words());
                    step!(self, Condition, "条件 {text}：不满足");
                    Truth::No(format!("不满足 {text}"))
                }
            }
            Condition::Is {
                field,
                value,
                absent,
            } => {
                let label = self.label(*field);
                // An empty cell reads as `absent` when the policy says how (未填视为是).
                let read = match self.row.get(*field) {
                    Some(Value::Bool(b)) => Some(*b),
                    _ => *absent,
                };
                match read {
                    Some(b) if b == *value => {
                        step!(self, Condition, "条件 {label}：{}", yes_no(b));
                        Truth::Yes
                    }
                    Some(b) => Truth::No(format!("{label}：{}", yes_no(b))),
                    None => Truth::Unknown(*field),
                }
            }
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}
