//! The engine (计算引擎): evaluates every (application, rule) line with exact decimals and a
//! step-by-step trace, in parallel with rayon. [`batch`] then applies what needs the whole
//! batch (per-enterprise caps), rounds once per line (D7) and splits funding (D14).
//!
//! Evaluation of one line is pure: it reads the row, the rule and reference data, so the
//! result cannot depend on thread count or input order.

pub mod batch;
pub mod review;

use chrono::Datelike;
use rust_decimal::Decimal;

use crate::domain::fields::{split_header_unit, FieldId, FieldType, Vocabulary};
use crate::domain::money::{grouped2, plain};
use crate::domain::value::{Row, Value};
use crate::rules::load::{normalise_title, same_title};
use crate::rules::lpr::LprTable;
use crate::rules::params::Params;
use crate::rules::{
    Bracket, CapScope, Combine, Condition, DateRef, Expr, Formula, Interest, Outcome, Param, Payer,
    Policy, Rule, TitleEntry,
};

/// Reference data the engine reads besides the row.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub vocab: &'a Vocabulary,
    pub lpr: &'a LprTable,
    pub params: &'a Params,
}

/// What one (application, rule) line came to before batch caps and rounding.
#[derive(Debug, Clone, PartialEq)]
pub enum Result {
    /// An amount (paid or measured), after per-application caps, not yet rounded.
    Amount(Decimal),
    /// 资格认定 result.
    Verdict(bool),
    /// A category or a date, as text.
    Text(String),
    /// 不予支持, with the reason (the failed condition, a missing value).
    Ineligible(String),
    /// A row value outside the clause's range (D5), refused.
    Rejected(String),
    /// 待审核: the amount the line would get, held back because its review is open
    /// ([`review::hold`]); never a payout.
    AwaitingReview { amount: Decimal, reason: String },
}

/// The steps of a line's computation (计算过程), kept as one string: a batch holds one per
/// line, and one allocation per line instead of one per step keeps memory flat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace(String);

/// Separates steps; the record separator never occurs in a step's own text.
const STEP_END: char = '\u{1e}';
/// Opens a step that changed the amount (a cap, 补差, 就高, 起付, a budget): the line's reason
/// is the last such step, known without reading the step's words. Never in a step's own text.
const CUT: char = '\u{1f}';

impl Trace {
    pub fn push(&mut self, step: &str) {
        if !self.0.is_empty() {
            self.0.push(STEP_END);
        }
        if step.contains([STEP_END, CUT]) {
            self.0
                .extend(step.chars().filter(|c| *c != STEP_END && *c != CUT));
        } else {
            self.0.push_str(step);
        }
    }

    /// Pushes a step that changed the amount: capped, cut or zeroed (not rounding to 分, which
    /// every line has, D7).
    pub fn push_cut(&mut self, step: &str) {
        if !self.0.is_empty() {
            self.0.push(STEP_END);
        }
        self.0.push(CUT);
        self.0
            .extend(step.chars().filter(|c| *c != STEP_END && *c != CUT));
    }

    /// The steps in order, each with whether it changed the amount.
    pub fn marked_steps(&self) -> impl DoubleEndedIterator<Item = (&str, bool)> {
        self.0
            .split(STEP_END)
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix(CUT) {
                Some(step) => (step, true),
                None => (s, false),
            })
    }

    /// The last step that changed the amount: the reason a line was capped, cut or zeroed.
    pub fn last_cut(&self) -> Option<&str> {
        self.marked_steps()
            .rev()
            .find_map(|(s, cut)| cut.then_some(s))
    }

    /// Length of the text, in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The steps in order.
    pub fn steps(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.marked_steps().map(|(s, _)| s)
    }

    pub fn append(&mut self, other: &Trace) {
        // Both are well formed: steps joined by the separator, none empty.
        if other.0.is_empty() {
            return;
        }
        if !self.0.is_empty() {
            self.0.push(STEP_END);
        }
        self.0.push_str(&other.0);
    }

    pub fn from_steps<S: AsRef<str>>(steps: impl IntoIterator<Item = S>) -> Trace {
        let mut t = Trace::default();
        for s in steps {
            t.push(s.as_ref());
        }
        t
    }
}

/// One evaluated line with its trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub result: Result,
    /// 计算过程, one step per entry, in Chinese.
    pub trace: Trace,
    /// Split weights chosen (a title entry may carry its own).
    pub split: Option<Vec<(Payer, Decimal)>>,
    /// The ceilings of the rule's shared caps (every cap but the line's own), in the rule's
    /// order, as this row makes them; the batch pass applies them.
    pub shared_caps: Vec<Decimal>,
}

/// Why evaluation stopped before an amount.
#[derive(Debug, Clone, PartialEq)]
enum Stop {
    Ineligible(String),
    Rejected(String),
    Missing(FieldId),
    Overflow,
}

/// Condition truth with Kleene logic: a missing value is unknown, not false.
#[derive(Debug, Clone, PartialEq)]
enum Truth {
    Yes,
    No(String),
    Unknown(FieldId),
}

type Eval<T> = std::result::Result<T, Stop>;

/// A step of the trace, formatted only when the trace is kept.
macro_rules! step {
    ($ev:expr, $($fmt:tt)+) => {
        if $ev.tracing {
            $ev.trace.push(&format!($($fmt)+));
        }
    };
}

/// A step that changed the amount (see [`Trace::push_cut`]), formatted only when the trace is kept.
macro_rules! cut {
    ($ev:expr, $($fmt:tt)+) => {
        if $ev.tracing {
            $ev.trace.push_cut(&format!($($fmt)+));
        }
    };
}

/// An expression's description, formatted only when the trace is kept.
macro_rules! desc {
    ($ev:expr, $($fmt:tt)+) => {
        if $ev.tracing { format!($($fmt)+) } else { String::new() }
    };
}

/// Evaluates one rule of a policy against one row, with its trace.
pub fn evaluate(policy: &Policy, rule: &Rule, row: &dyn Row, cx: Context<'_>) -> Evaluation {
    evaluate_with(policy, rule, row, cx, true)
}

/// [`evaluate`] without the trace: the same result and split, an empty trace. A run's first
/// pass, whose traces would be dropped, costs a fraction as much this way.
///
/// An amount is a number whatever the descriptions say, so it is taken as it comes; any other
/// result (a reason, a verdict, a category) may quote descriptions an untraced pass leaves
/// empty, so that line is evaluated again with them, and its result is the traced one.
pub fn evaluate_untraced(
    policy: &Policy,
    rule: &Rule,
    row: &dyn Row,
    cx: Context<'_>,
) -> Evaluation {
    let quick = evaluate_with(policy, rule, row, cx, false);
    if matches!(quick.result, Result::Amount(_)) {
        return quick;
    }
    Evaluation {
        trace: Trace::default(),
        ..evaluate_with(policy, rule, row, cx, true)
    }
}

fn evaluate_with(
    policy: &Policy,
    rule: &Rule,
    row: &dyn Row,
    cx: Context<'_>,
    tracing: bool,
) -> Evaluation {
    let mut ev = Evaluator {
        row,
        cx,
        trace: Trace::default(),
        split: rule.split.clone(),
        tracing,
        shared_caps: Vec::new(),
    };
    let result = match ev.in_force(policy) {
        Ok(()) => ev.run(rule),
        Err(stop) => ev.finish(stop, matches!(rule.outcome, Outcome::Verdict { .. })),
    };
    Evaluation {
        result,
        trace: ev.trace,
        split: ev.split,
        shared_caps: ev.shared_caps,
    }
}

struct Evaluator<'a> {
    row: &'a dyn Row,
    cx: Context<'a>,
    trace: Trace,
    split: Option<Vec<(Payer, Decimal)>>,
    /// Whether steps and descriptions are written (reasons always are).
    tracing: bool,
    /// Ceilings of the shared caps, for the batch pass.
    shared_caps: Vec<Decimal>,
}

impl Evaluator<'_> {
    fn run(&mut self, rule: &Rule) -> Result {
        let verdict = matches!(rule.outcome, Outcome::Verdict { .. });
        match self.eligible(rule) {
            Ok(()) => {}
            Err(stop) => return self.finish(stop, verdict),
        }
        if let Formula::Verdict { test } = &rule.formula {
            return match self.all(test) {
                Truth::Yes => {
                    step!(self, "认定结论：符合");
                    Result::Verdict(true)
                }
                Truth::No(why) => {
                    step!(self, "认定结论：不符合（{why}）");
                    Result::Verdict(false)
                }
                Truth::Unknown(f) => self.finish(Stop::Missing(f), false),
            };
        }
        match &rule.formula {
            Formula::Classify(cases) => return self.classify(cases),
            Formula::DateAdd { from, months, days } => {
                return self.date_add(*from, months.as_ref(), days.as_ref())
            }
            _ => {}
        }
        let gross = match self.formula(&rule.formula) {
            Ok(v) => v,
            Err(stop) => return self.finish(stop, verdict),
        };
        let mut amount = gross;
        if rule.differential {
            match self.history("prior_paid_same_achievement") {
                Ok(paid) => {
                    let left = (amount - paid).max(Decimal::ZERO);
                    if self.tracing {
                        let step = format!(
                            "补差 max(0, {} − 同一事项已获 {}) = {}（D9）",
                            grouped2(amount),
                            grouped2(paid),
                            grouped2(left)
                        );
                        match left < amount {
                            true => self.trace.push_cut(&step),
                            false => self.trace.push(&step),
                        }
                    }
                    amount = left;
                }
                Err(stop) => return self.finish(stop, verdict),
            }
        }
        match self.caps(rule, amount) {
            Ok(capped) => Result::Amount(capped),
            Err(stop) => self.finish(stop, verdict),
        }
    }

    /// The line's own caps, each a step; the ceilings of its shared caps are kept for the batch
    /// pass. A ceiling is any expression of the row; one that comes out negative counts as 0.
    fn caps(&mut self, rule: &Rule, mut amount: Decimal) -> Eval<Decimal> {
        for cap in &rule.caps {
            let (ceiling, desc) = self.expr(&cap.amount)?;
            let ceiling = ceiling.max(Decimal::ZERO);
            if cap.scope != CapScope::Application {
                self.shared_caps.push(ceiling);
                continue;
            }
            let words = cap.words.as_deref().unwrap_or("上限");
            // A fixed ceiling is shown as the amount; an expression with how it was made.
            let made = match &cap.amount {
                Expr::Const(_) => String::new(),
                _ => desc!(self, "（上限 {desc}）"),
            };
            if amount > ceiling {
                cut!(
                    self,
                    "封顶 {words}{made}：{} > {} → {}",
                    grouped2(amount),
                    grouped2(ceiling),
                    grouped2(ceiling)
                );
                amount = ceiling;
            } else {
                step!(
                    self,
                    "封顶 {words}{made}：{} ≤ {}，不调整",
                    grouped2(amount),
                    grouped2(ceiling)
                );
            }
        }
        Ok(amount)
    }

    fn classify(&mut self, cases: &[(Vec<Condition>, String)]) -> Result {
        let mut reasons = Vec::new();
        for (when, value) in cases {
            match self.all(when) {
                Truth::Yes => {
                    step!(self, "认定 {value}");
                    return Result::Text(value.clone());
                }
                Truth::No(why) => reasons.push(why),
                Truth::Unknown(f) => return self.finish(Stop::Missing(f), false),
            }
        }
        self.finish(
            Stop::Ineligible(format!("不属于任何类别（{}）", reasons.join("；"))),
            false,
        )
    }

    fn date_add(&mut self, from: FieldId, months: Option<&Expr>, days: Option<&Expr>) -> Result {
        let Some(Value::Date(start)) = self.row.get(from) else {
            return self.finish(Stop::Missing(from), false);
        };
        let whole = |e: Option<&Expr>, me: &Self| -> Eval<i64> {
            match e {
                None => Ok(0),
                Some(e) => me
                    .expr(e)
                    .and_then(|(v, _)| v.trunc().try_into().map_err(|_| Stop::Overflow)),
            }
        };
        let (m, d) = match (whole(months, self), whole(days, self)) {
            (Ok(m), Ok(d)) => (m, d),
            (Err(stop), _) | (_, Err(stop)) => return self.finish(stop, false),
        };
        let shifted = u32::try_from(m.unsigned_abs())
            .ok()
            .and_then(|mm| {
                if m >= 0 {
                    start.checked_add_months(chrono::Months::new(mm))
                } else {
                    start.checked_sub_months(chrono::Months::new(mm))
                }
            })
            .and_then(|x| x.checked_add_signed(chrono::Duration::days(d)));
        match shifted {
            Some(date) => {
                step!(
                    self,
                    "期限 {} {start} + {m} 个月 + {d} 天 = {date}",
                    self.label(from)
                );
                Result::Text(date.format("%Y-%m-%d").to_string())
            }
            None => self.finish(Stop::Overflow, false),
        }
    }

    fn finish(&mut self, stop: Stop, verdict: bool) -> Result {
        let (result, refusal) = match stop {
            Stop::Ineligible(why) if verdict => {
                step!(self, "认定结论：不符合（{why}）");
                return Result::Verdict(false);
            }
            Stop::Ineligible(why) => (Result::Ineligible(why), "不予支持"),
            Stop::Rejected(why) => (Result::Rejected(why), "不予受理"),
            Stop::Missing(f) => (
                Result::Ineligible(format!("缺少数据：{}", self.label(f))),
                "不予支持",
            ),
            Stop::Overflow => (
                Result::Ineligible("数值超出可计算范围，请核对申报数据".to_string()),
                "不予支持",
            ),
        };
        if let Result::Ineligible(why) | Result::Rejected(why) = &result {
            step!(self, "{refusal}：{why}");
        }
        result
    }

    /// 字段中文名 without its unit, for traces.
    fn label(&self, f: FieldId) -> String {
        split_header_unit(&self.cx.vocab.get(f).header_zh).0
    }

    fn show(&self, f: FieldId, v: Decimal) -> String {
        match self.cx.vocab.get(f).ty {
            FieldType::Money => grouped2(v),
            FieldType::Percent => format!("{}%", plain(v)),
            _ => plain(v),
        }
    }

    /// The policy's validity (有效期) against the row's 申报年度: a year the policy does not
    /// reach at all is ineligible. Clause-specific windows are conditions of the rule.
    fn in_force(&mut self, policy: &Policy) -> Eval<()> {
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

    /// A history value of the row (0 when the history has none).
    fn history(&self, key: &str) -> Eval<Decimal> {
        match self.cx.vocab.id(key) {
            Some(f) => self.num(f),
            None => Ok(Decimal::ZERO),
        }
    }

    fn eligible(&mut self, rule: &Rule) -> Eval<()> {
        if let Some(max) = rule.max_years {
            let years = self.history("prior_payout_years")?;
            if years >= Decimal::from(max) {
                return Err(Stop::Ineligible(format!(
                    "已享受 {} 年，达到最多 {max} 年的限制（D10）",
                    plain(years)
                )));
            }
            step!(
                self,
                "年限 已享受 {} 年 < 最多 {max} 年（D10）",
                plain(years)
            );
        }
        for &flag in &rule.flags {
            match self.row.get(flag) {
                Some(Value::Bool(false)) => {
                    return Err(Stop::Ineligible(format!("{}：否", self.label(flag))));
                }
                Some(Value::Bool(true)) => step!(self, "条件 {}：是", self.label(flag)),
                _ => {}
            }
        }
        match self.all(&rule.when) {
            Truth::Yes => Ok(()),
            Truth::No(why) => Err(Stop::Ineligible(why)),
            Truth::Unknown(f) => Err(Stop::Missing(f)),
        }
    }

    fn all(&mut self, conds: &[Condition]) -> Truth {
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

    fn condition(&mut self, c: &Condition) -> Truth {
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
                    step!(self, "条件 {ld} {} {rd}{}：满足", op.symbol(), words());
                    Truth::Yes
                } else {
                    let text = format!("{ld} {} {rd}{}", op.symbol(), words());
                    step!(self, "条件 {text}：不满足");
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
                    step!(self, "条件 {why}：不满足");
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
                    step!(self, "条件 {why}：不满足");
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
                        "条件 {label} {d} {} {what}{}：满足",
                        op.symbol(),
                        words()
                    );
                    Truth::Yes
                } else {
                    let text = format!("{label} {d} {} {what}{}", op.symbol(), words());
                    step!(self, "条件 {text}：不满足");
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
                        step!(self, "条件 {label}：{}", yes_no(b));
                        Truth::Yes
                    }
                    Some(b) => Truth::No(format!("{label}：{}", yes_no(b))),
                    None => Truth::Unknown(*field),
                }
            }
        }
    }

    fn num(&self, f: FieldId) -> Eval<Decimal> {
        match self.row.get(f) {
            Some(Value::Num(d)) => Ok(*d),
            // History fields come from the payout history; no history means nothing paid yet.
            None if self.cx.vocab.get(f).source == "history" => Ok(Decimal::ZERO),
            _ => Err(Stop::Missing(f)),
        }
    }

    /// Evaluates an expression to its value and a description for the trace.
    fn expr(&self, e: &Expr) -> Eval<(Decimal, String)> {
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
                let date = |f: FieldId| match self.row.get(f) {
                    Some(Value::Date(d)) => Ok(*d),
                    _ => Err(Stop::Missing(f)),
                };
                let (x, y) = (date(*a)?, date(*b)?);
                let n = Decimal::from((y - x).num_days());
                Ok((
                    n,
                    desc!(
                        self,
                        "{} {x} 至 {} {y} 共 {} 天",
                        self.label(*a),
                        self.label(*b),
                        plain(n)
                    ),
                ))
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

    /// A parameter's value for this row, with its description (D5 for ranged values).
    fn param(&mut self, p: &Param, is_rate: bool) -> Eval<Decimal> {
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
                        step!(self, "标准 {label}“{text}” → {}", show(value));
                        Ok(value)
                    }
                    None => Err(Stop::Ineligible(format!("{label}“{text}”不在本条标准表内"))),
                }
            }
        }
    }

    /// The bracket holding `v`; `what` is the selector's description, which already ends with
    /// its value (`设备投资额 4,999,999.99`).
    fn pick<'b>(&self, brackets: &'b [Bracket], v: Decimal, what: &str) -> Eval<&'b Bracket> {
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

    fn formula(&mut self, f: &Formula) -> Eval<Decimal> {
        match f {
            Formula::Rate { base, rate } => {
                let (b, bd) = self.expr(base)?;
                let r = self.param(rate, true)?;
                let v = b.checked_mul(r).ok_or(Stop::Overflow)?;
                step!(
                    self,
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
                    "分档 {sd} 落在 {}{words} → 全额适用 {}%（D2）",
                    tier.range.text,
                    plain(tier.value * Decimal::ONE_HUNDRED)
                );
                let (b, bd) = self.expr(base)?;
                let v = b.checked_mul(tier.value).ok_or(Stop::Overflow)?;
                step!(
                    self,
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
                    step!(self, "计算 {qd} × {} = {}", plain(rate), grouped2(v));
                    total = total.checked_add(v).ok_or(Stop::Overflow)?;
                    any = Some(());
                }
                match (any, first_missing) {
                    (None, Some(f)) => Err(Stop::Missing(f)),
                    _ => {
                        if terms.len() > 1 {
                            step!(self, "合计 {}", grouped2(total));
                        }
                        Ok(total)
                    }
                }
            }
            Formula::Fixed { amount } => {
                step!(self, "定额 {}", grouped2(*amount));
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
                step!(self, "配套 {bd} × {} = {}", plain(*ratio), grouped2(v));
                Ok(v)
            }
            Formula::TopUp { standard, other } => {
                let s = self.formula(standard)?;
                let (o, od) = self.expr(other)?;
                let v = s.checked_sub(o).ok_or(Stop::Overflow)?.max(Decimal::ZERO);
                step!(
                    self,
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
                step!(self, "取值 {bd}");
                Ok(b)
            }
            Formula::Interest(i) => self.interest(i),
            Formula::Staged { stages } => {
                let mut total = Decimal::ZERO;
                for s in stages {
                    if let Some(Value::Bool(true)) = self.row.get(s.flag) {
                        step!(self, "阶段 {}：{}", s.label, grouped2(s.amount));
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
                step!(self, "均分 本条按资金池平均分配，份额见批量处理（D11）");
                Ok(Decimal::ZERO)
            }
            Formula::Cases(cases) => {
                let mut reasons = Vec::new();
                for (n, (when, f)) in cases.iter().enumerate() {
                    match self.all(when) {
                        Truth::Yes => {
                            step!(self, "情形 第{}种情形适用", n + 1);
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
                            step!(self, "合计 第{}部分 {}", n + 1, grouped2(v));
                            total = total.checked_add(v).ok_or(Stop::Overflow)?;
                            applied += 1;
                        }
                        Err(Stop::Rejected(why)) => return Err(Stop::Rejected(why)),
                        Err(Stop::Overflow) => return Err(Stop::Overflow),
                        Err(stop) => {
                            step!(self, "合计 第{}部分不适用，计 0", n + 1);
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

    fn slices(
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
            "超额累进 {vd}：{} 合计 {}",
            parts.join("；"),
            grouped2(total)
        );
        Ok(total)
    }

    fn by_title(
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
            step!(self, "称号 {r}");
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
            step!(self, "称号 “{t}” → {}", grouped2(e.amount));
        }
        let chosen: Vec<&(&TitleEntry, String)> = match combine {
            Combine::Highest => {
                let best = hits
                    .iter()
                    .max_by_key(|(e, _)| e.amount)
                    .into_iter()
                    .collect::<Vec<_>>();
                if hits.len() > 1 {
                    step!(self, "就高 取 {}", grouped2(best[0].0.amount));
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

    fn interest(&mut self, i: &Interest) -> Eval<Decimal> {
        let principal = self.num(i.principal)?;
        let days = self.num(i.days)?;
        let Some(Value::Date(date)) = self.row.get(i.disbursed) else {
            return Err(Stop::Missing(i.disbursed));
        };
        let long = match i.term_months {
            Some(t) => self.num(t).map(|m| m > Decimal::from(60)).unwrap_or(false),
            None => false,
        };
        let Some(fixing) = self.cx.lpr.on(*date) else {
            return Err(Stop::Ineligible(format!(
                "放款日 {date} 早于 LPR 表的第一条记录"
            )));
        };
        let lpr = if long {
            fixing.five_year
        } else {
            fixing.one_year
        };
        step!(
            self,
            "利率 放款日 {date} 适用{} LPR {}%（{} 起执行，D6）",
            if long { "5年期以上" } else { "1年期" },
            plain(lpr),
            fixing.effective
        );
        let mut rate = lpr;
        if let Some(f) = i.loan_rate {
            if let Some(Value::Num(actual)) = self.row.get(f) {
                if *actual < lpr {
                    step!(
                        self,
                        "利率 实际贷款利率 {}% 低于 LPR，按实际利率",
                        plain(*actual)
                    );
                    rate = *actual;
                }
            }
        }
        let mut subsidised = rate * i.share;
        if let Some(max) = i.max_rate {
            if subsidised > max {
                step!(
                    self,
                    "利率 {}% × {}% = {}% 高于上限 {}%，按上限",
                    plain(rate),
                    plain(i.share * Decimal::ONE_HUNDRED),
                    plain(subsidised),
                    plain(max)
                );
                subsidised = max;
            }
        }
        let v = principal
            .checked_mul(subsidised)
            .and_then(|x| x.checked_mul(days))
            .ok_or(Stop::Overflow)?
            / Decimal::ONE_HUNDRED
            / i.day_basis;
        step!(
            self,
            "计算 本金 {} × 贴息利率 {}%（{}% × {}%，上限 {}）× {} 天 ÷ {} = {}",
            grouped2(principal),
            plain(subsidised),
            plain(rate),
            plain(i.share * Decimal::ONE_HUNDRED),
            i.max_rate
                .map_or("无".to_string(), |m| format!("{}%", plain(m))),
            plain(days),
            plain(i.day_basis),
            grouped2(v)
        );
        if let Some(f) = i.interest_paid {
            if let Some(Value::Num(paid)) = self.row.get(f) {
                if v > *paid {
                    cut!(self, "封顶 不超过实际支付利息 {}", grouped2(*paid));
                    return Ok(*paid);
                }
            }
        }
        Ok(v)
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
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
