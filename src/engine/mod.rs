//! The engine (计算引擎): evaluates every (application, rule) line with exact decimals and a
//! step-by-step trace, in parallel with rayon. [`batch`] then applies what needs the whole
//! batch (per-enterprise caps), rounds once per line (D7) and splits funding (D14).
//!
//! Evaluation of one line is pure: it reads the row, the rule and reference data, so the
//! result cannot depend on thread count or input order.

pub mod batch;
pub mod payment;
pub mod review;
mod trace;

use rust_decimal::Decimal;

use crate::domain::fields::{split_header_unit, FieldId, FieldType, Vocabulary};
use crate::domain::money::{grouped2, plain};
use crate::domain::value::{Row, Value};
use crate::rules::lpr::LprTable;
use crate::rules::params::Params;
use crate::rules::{CapScope, Condition, Expr, Formula, Outcome, Payer, Policy, Rule};

pub use trace::{Step, StepKind, Trace};

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
    AwaitingReview {
        amount: Decimal,
        reason: std::sync::Arc<str>,
    },
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
    /// Instalment and second payee read from the row (see [`payment`]).
    pub payment: payment::LinePayment,
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
    ($ev:expr, $kind:ident, $($fmt:tt)+) => {
        if $ev.tracing {
            $ev.trace.push(StepKind::$kind, &format!($($fmt)+));
        }
    };
}

/// A step that changed the amount (see [`Trace::push_cut`]), formatted only when the trace is kept.
macro_rules! cut {
    ($ev:expr, $kind:ident, $($fmt:tt)+) => {
        if $ev.tracing {
            $ev.trace.push_cut(StepKind::$kind, &format!($($fmt)+));
        }
    };
}

/// An expression's description, formatted only when the trace is kept.
macro_rules! desc {
    ($ev:expr, $($fmt:tt)+) => {
        if $ev.tracing { format!($($fmt)+) } else { String::new() }
    };
}

// After the macros, which the evaluator's parts use.
mod condition;
mod expr;
mod formula;
mod interest;

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
        payment: payment::LinePayment::default(),
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
        payment: ev.payment,
    }
}

/// Why a rule's figure that came out negative is not computed. No award, quantity or measure a
/// rule computes is below zero (the exclusions of 考核能耗 exceeding the consumption they are
/// taken from mean the figures are wrong); only a settlement against a prior advance may be,
/// and that is made later, in [`Evaluator::payment`].
fn negative(rule: &Rule, v: Decimal) -> Stop {
    let what = match &rule.outcome {
        Outcome::Measure { label, unit, .. } => format!("{label} {} {unit}", plain(v)),
        _ => format!("金额 {}", grouped2(v)),
    };
    Stop::Ineligible(format!(
        "计算结果为负（{what}）：减去的数额超过了总数，结果不能为负；请核对填报的各项数值"
    ))
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
    /// Instalment and second payee, for the batch pass.
    payment: payment::LinePayment,
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
                    step!(self, Result, "认定结论：符合");
                    Result::Verdict(true)
                }
                Truth::No(why) => {
                    step!(self, Result, "认定结论：不符合（{why}）");
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
            Ok(v) if v < Decimal::ZERO => return self.finish(negative(rule, v), verdict),
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
                            true => self.trace.push_cut(StepKind::Stacking, &step),
                            false => self.trace.push(StepKind::Stacking, &step),
                        }
                    }
                    amount = left;
                }
                Err(stop) => return self.finish(stop, verdict),
            }
        }
        match self
            .caps(rule, amount)
            .and_then(|capped| self.payment(rule, capped))
        {
            Ok(paid) => Result::Amount(paid),
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
                    Cap,
                    "封顶 {words}{made}：{} > {} → {}",
                    grouped2(amount),
                    grouped2(ceiling),
                    grouped2(ceiling)
                );
                amount = ceiling;
            } else {
                step!(
                    self,
                    Cap,
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
                    step!(self, Result, "认定 {value}");
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
                    Combination,
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
                step!(self, Result, "认定结论：不符合（{why}）");
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
            step!(self, Result, "{refusal}：{why}");
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

    /// A history value of the row (0 when the history has none).
    fn history(&self, key: &str) -> Eval<Decimal> {
        match self.cx.vocab.id(key) {
            Some(f) => self.num(f),
            None => Ok(Decimal::ZERO),
        }
    }
}
