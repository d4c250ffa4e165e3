//! Policy documents as data (政策文件): the validated model of a `config/*.toml` policy and
//! its rules. Loading (raw serde → checked [`Policy`]) lives in [`load`]; evaluation lives in
//! the engine. This module owns the closed set of formula kinds, conditions and caps.

mod arith;
pub mod coverage;
pub mod describe;
mod groups;
pub mod load;
mod lower;
pub mod lpr;
mod node;
pub mod params;
pub mod payment;
mod syntax;
mod text;
mod years;

use std::path::PathBuf;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::fields::FieldId;

pub use groups::{CapGroup, CountLimit, GroupRef, Keep, LimitScope};
pub use load::{load_policies, load_policy_text, PolicyError, PolicySet};
pub use text::{parse_amount, parse_rate};
pub use years::{YearLimit, YearsPer};

/// One policy document, checked.
#[derive(Debug, Clone)]
pub struct Policy {
    pub id: String,
    /// 文件名称 as issued.
    pub title: String,
    pub issuer: String,
    /// The government level whose money the document spends unless a rule splits it.
    pub payer: Payer,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, for the manifest and reconciliation.
    pub digest: String,
    pub rules: Vec<Rule>,
    /// Programme budgets and pools the rules draw on (D11).
    pub budgets: Vec<Budget>,
    /// What a yes/no flag the rules honour means when the sheet has no column for it.
    pub review: Review,
    /// Cap groups declared once in this file (`[[cap_group]]`), shared by rules of any policy.
    pub cap_groups: Vec<CapGroup>,
}

/// What a policy's yes/no flags (`meets_conditions` 是否符合申报条件（审核结论）, `first_time` …)
/// mean when an application's sheet has **no column** for them (`review = …` in `[policy]`).
/// A sheet that has the column and leaves the row's cell empty is always 待审核, whatever this
/// says: an empty conclusion is a review not yet made (see [`crate::engine::review`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Review {
    /// The flags must be reviewed: without their column every line is 待审核 (the default).
    #[default]
    Required,
    /// The bureau does not review them line by line: without their column they count as 是.
    Assumed,
}

/// How a budget is shared out (D11); written `method = "pro_rata"` or `"equal"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// 按比例核减 when the awards exceed the budget.
    ProRata,
    /// 平均分配 among the eligible applicants.
    Equal,
}

/// A programme budget or pool (资金池) per application year.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub id: String,
    pub amount: Decimal,
    pub method: Allocation,
    pub words: Option<String>,
}

/// A government level or other payer of a share of an award (出资方, D14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Payer {
    /// 中央
    Central,
    /// 自治区
    Region,
    /// 盟市
    City,
    /// 旗县区
    County,
    /// 其他 (园区、银行 …)
    Other,
}

impl Payer {
    pub const ALL: [Payer; 5] = [
        Payer::Central,
        Payer::Region,
        Payer::City,
        Payer::County,
        Payer::Other,
    ];

    pub fn parse(label: &str) -> Option<Self> {
        Some(match label {
            "中央" => Self::Central,
            "自治区" | "省" | "省级" => Self::Region,
            "盟市" | "市" | "市级" | "市本级" => Self::City,
            "旗县区" | "旗县" | "县级" | "区县" => Self::County,
            "其他" => Self::Other,
            _ => return None,
        })
    }

    /// The payer as the ledger names it.
    pub fn label(self) -> &'static str {
        match self {
            Payer::Central => "中央",
            Payer::Region => "自治区",
            Payer::City => "盟市",
            Payer::County => "旗县区",
            Payer::Other => "其他",
        }
    }
}

/// What a rule's figure is: money paid, a measure that is not paid, or a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 奖补资金, counted in payout totals.
    Payout,
    /// A figure that is not a payment (减免税额测算, 税前扣除额, 核定能耗 …), kept apart.
    /// `refused` is what the result reads when the row is not eligible (e.g. "false" for a
    /// limit that only eligible projects have), instead of 0.
    Measure {
        label: String,
        unit: String,
        refused: Option<String>,
    },
    /// 资格认定: true / false, or the clause's own words for each (免于置换 / 须置换).
    Verdict {
        label: String,
        yes: Option<String>,
        no: Option<String>,
    },
    /// A category or a date (人才类别, 缓缴后缴款期限), as text.
    Text { label: String },
}

/// One rule of a policy: a clause with its excerpt, eligibility, formula, caps and split.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub clause: String,
    /// 原文摘录, verbatim.
    pub excerpt: String,
    pub outcome: Outcome,
    /// Generic flags (meets_conditions, first_time): absent means yes, false means ineligible.
    pub flags: Vec<FieldId>,
    pub when: Vec<Condition>,
    pub formula: Formula,
    pub caps: Vec<Cap>,
    /// 少于X不予补助 (D12).
    pub floor: Option<Decimal>,
    /// Split weights by payer; `None` pays everything from the policy's payer.
    pub split: Option<Vec<(Payer, Decimal)>>,
    /// Readings chosen where the text is open (D-numbers and notes), shown on the line.
    pub readings: Vec<String>,
    /// Line of the rule in its policy file.
    pub line: usize,
    /// Catalogue ids of the same clause in other documents, configured once here (D9).
    pub same_as: Vec<String>,
    /// 连续支持不超过N年 (D10), per enterprise or per project.
    pub max_years: Option<YearLimit>,
    /// 补差 (D9): pay the entitlement minus what the same achievement was already paid.
    pub differential: bool,
    /// 就高 (D9): rules naming the same group reward one achievement; only the highest is paid.
    pub exclusive: Option<String>,
    /// The budget (by id, of the same policy) this rule draws on.
    pub budget: Option<String>,
    /// 多个收款方: the award shared with a second payee (合同能源管理).
    pub payees: Option<payment::Payees>,
    /// 预拨与清算 (多退少补): paid as an advance, then settled on the actual figures.
    pub advance: Option<payment::Advance>,
    /// 限项: at most so many projects (or awards) per enterprise, year or project; its own
    /// (`limit = …`) and those of the cap groups it belongs to.
    pub limits: Vec<CountLimit>,
    /// The `[[cap_group]]`s the rule names (`caps = [{ group = "…" }]`), resolved into `caps`
    /// and `limits` once every policy is loaded.
    pub group_refs: Vec<GroupRef>,
}

/// A value computed from the row: a field, a constant or a combination (基数表达式).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Field(FieldId),
    Const(Decimal),
    Sum(Vec<Expr>),
    /// The first minus all the others.
    Minus(Vec<Expr>),
    Product(Vec<Expr>),
    Min(Vec<Expr>),
    Max(Vec<Expr>),
    /// 增量: this year's value minus last year's, floored at 0 (D13).
    Increase {
        of: Box<Expr>,
        over: Box<Expr>,
    },
    /// A share of a value (10% × 收购量).
    Scale {
        of: Box<Expr>,
        by: Decimal,
    },
    /// A reference parameter from `config/params.toml` (法定税率 …).
    Param(String),
    /// Rounded up to a whole number (向上取整: 13.5 辆 → 14).
    Ceil(Box<Expr>),
    /// Rounded down to a whole number (每满N: 只计整数).
    Floor(Box<Expr>),
    /// A field that counts as a given value when the row leaves it empty.
    Default {
        field: FieldId,
        value: Decimal,
    },
    /// A ÷ B (按月折算: months ÷ 12).
    Quotient(Box<Expr>, Box<Expr>),
    /// The calendar year of a date field (成立年度).
    YearOf(FieldId),
    /// Days from the first date to the second (actual days; negative when the second is
    /// earlier): 自2023年7月1日起至投产日 → `days_between = ["2023-07-01", "production_date"]`.
    DaysBetween(DateTerm, DateTerm),
    /// A value the rule names (`let = { base = "…" }`), shown by its name in the trace.
    Named {
        name: String,
        of: Box<Expr>,
    },
}

/// A date a formula names (日期): a date field of the row, or a date written in the clause
/// (2023年7月1日 → `"2023-07-01"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateTerm {
    Field(FieldId),
    Fixed(NaiveDate),
}

/// Comparison operators; the boundary word that chose one is kept for the trace (D1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ge => "≥",
            Op::Gt => ">",
            Op::Le => "≤",
            Op::Lt => "<",
            Op::Eq => "=",
            Op::Ne => "≠",
        }
    }

    pub fn holds(self, left: Decimal, right: Decimal) -> bool {
        self.holds_ord(&left, &right)
    }

    /// The comparison on any ordered values (amounts, dates).
    pub fn holds_ord<T: PartialOrd>(self, left: &T, right: &T) -> bool {
        match self {
            Op::Ge => left >= right,
            Op::Gt => left > right,
            Op::Le => left <= right,
            Op::Lt => left < right,
            Op::Eq => left == right,
            Op::Ne => left != right,
        }
    }
}

/// An eligibility condition (申报条件).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Compare {
        left: Expr,
        op: Op,
        right: Expr,
        word: Option<String>,
    },
    /// A date field against a date (申报期限、购置期间).
    Date {
        field: FieldId,
        op: Op,
        date: DateRef,
        word: Option<String>,
    },
    /// A text or enum field is one of the values.
    In {
        field: FieldId,
        values: Vec<String>,
    },
    NotIn {
        field: FieldId,
        values: Vec<String>,
    },
    /// A field is (or, negated, is not) in a list parameter (负面清单 …).
    InParam {
        field: FieldId,
        param: String,
        negate: bool,
    },
    /// A yes/no field has this value.
    Is {
        field: FieldId,
        value: bool,
        absent: Option<bool>,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    /// A condition on an optional fact (`absent = "pass"`): it holds when the row leaves
    /// `field` empty, and is the inner condition otherwise — where the clause says the fact
    /// need not be given, an empty cell is not 缺少数据.
    Optional {
        field: FieldId,
        of: Box<Condition>,
    },
}

/// The date a date condition compares with: a fixed date, or another date of the row shifted
/// by whole months (承兑期限不超过6个月: 到期日 ≤ 出票日 + 6个月).
#[derive(Debug, Clone, PartialEq)]
pub enum DateRef {
    Fixed(NaiveDate),
    Field { field: FieldId, months: i32 },
}

/// An interval of a bracket table, with D1's inclusive/exclusive bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub lower: Option<(Decimal, bool)>,
    pub upper: Option<(Decimal, bool)>,
    /// The text as written in the policy file, e.g. `(15亿, 30亿]`.
    pub text: String,
}

impl Interval {
    pub fn contains(&self, v: Decimal) -> bool {
        let above = match self.lower {
            None => true,
            Some((b, true)) => v >= b,
            Some((b, false)) => v > b,
        };
        let below = match self.upper {
            None => true,
            Some((b, true)) => v <= b,
            Some((b, false)) => v < b,
        };
        above && below
    }
}

/// A bracket: an interval and what it gives (a rate or an amount).
#[derive(Debug, Clone, PartialEq)]
pub struct Bracket {
    pub range: Interval,
    pub value: Decimal,
    /// The clause's words for this bracket (超过15亿元).
    pub words: Option<String>,
}

/// A rate, unit rate or amount fixed by the policy, chosen inside a range, or looked up.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Fixed(Decimal),
    /// D5: the bureau's chosen value inside [min, max]; a row's approved value overrides it.
    Chosen {
        value: Decimal,
        min: Decimal,
        max: Decimal,
        approved: Option<FieldId>,
    },
    /// A value by the text of a field (by 认定级别, 企业规模 …); no entry means ineligible.
    /// An entry may itself be a ranged value (D5).
    Lookup {
        field: FieldId,
        entries: Vec<(Vec<String>, Param)>,
    },
}

/// An award by recognised title (称号/认定名称 → 金额).
#[derive(Debug, Clone, PartialEq)]
pub struct TitleEntry {
    pub titles: Vec<String>,
    pub amount: Decimal,
    pub when: Vec<Condition>,
    pub split: Option<Vec<(Payer, Decimal)>>,
}

/// How several titles in one row combine; written `combine = "highest"` (the default) or
/// `"sum"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// 就高: only the highest.
    #[default]
    Highest,
    /// Each title paid.
    Sum,
}

/// A stage of a staged award (分阶段奖补).
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub flag: FieldId,
    pub amount: Decimal,
    pub label: String,
}

/// An interest subsidy (贷款贴息, D6).
#[derive(Debug, Clone, PartialEq)]
pub struct Interest {
    pub principal: FieldId,
    pub disbursed: FieldId,
    pub days: FieldId,
    /// 贷款期限（月）, choosing the 1-year or 5-year LPR.
    pub term_months: Option<FieldId>,
    /// 实际贷款利率 (%): when lower than the LPR, the subsidy follows it.
    pub loan_rate: Option<FieldId>,
    /// 实际支付利息: the subsidy never exceeds it.
    pub interest_paid: Option<FieldId>,
    /// Share of the rate subsidised (50%).
    pub share: Decimal,
    /// Ceiling on the subsidised rate (最高不超过2%), in percent points.
    pub max_rate: Option<Decimal>,
    pub day_basis: Decimal,
    /// Spans of the interest period paid at their own share (分段贴息: 2023年7月1日至12月31日
    /// 期间按80%); days outside every window take `share`. Split by day (D6's actual days).
    pub windows: Vec<RateWindow>,
}

/// A span of dates inside which an interest subsidy pays its own share of the rate (贴息比例
/// 分段). Both ends are inclusive (至 counts its last day); an open end reaches the period's.
#[derive(Debug, Clone, PartialEq)]
pub struct RateWindow {
    pub from: Option<DateTerm>,
    pub to: Option<DateTerm>,
    /// Share of the rate subsidised inside the window (80%).
    pub share: Decimal,
    /// The clause's words for the window (2023年7月1日至12月31日期间).
    pub words: Option<String>,
}

/// The closed set of formula kinds (计算方式).
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    /// 按比例: base × rate.
    Rate { base: Expr, rate: Param },
    /// 全额累进 (whole-rate tiers, D2): the bracket of `selector` picks a rate for the whole base.
    Tiers {
        selector: Expr,
        base: Expr,
        tiers: Vec<Bracket>,
    },
    /// 超额累进 (marginal slices): each slice of the base at its own rate; `step` extends the
    /// last slice by slices of `width` whose rate grows by `increment` (Hohhot 51①, D3).
    Slices {
        base: Expr,
        slices: Vec<Bracket>,
        step: Option<(Decimal, Decimal)>,
    },
    /// 分档定额: the bracket of `selector` gives a fixed amount.
    Bracket {
        selector: Expr,
        brackets: Vec<Bracket>,
    },
    /// 按数量: Σ quantity × unit rate; an absent quantity counts as none.
    PerUnit { terms: Vec<(Expr, Param)> },
    /// 定额.
    Fixed { amount: Decimal },
    /// 按称号定额.
    ByTitle {
        field: FieldId,
        entries: Vec<TitleEntry>,
        combine: Combine,
    },
    /// 配套: other government's award × ratio.
    Matching { base: Expr, ratio: Decimal },
    /// 补足: max(0, standard − other).
    TopUp { standard: Box<Formula>, other: Expr },
    /// The lesser of several formulas.
    Least(Vec<Formula>),
    /// The greater of several formulas.
    Greatest(Vec<Formula>),
    /// A value the row computes (核定金额, 考核能耗 …), taken as it is.
    Amount { base: Expr },
    /// 贷款贴息.
    Interest(Interest),
    /// 分阶段奖补: the stages reached, summed; 合计不超过 is a cap.
    Staged { stages: Vec<Stage> },
    /// 资格认定: the conditions' verdict.
    Verdict { test: Vec<Condition> },
    /// 分类: the value of the first case whose conditions hold (a case without them is the otherwise).
    Classify(Vec<(Vec<Condition>, String)>),
    /// A date some months and/or days after a date field (期限).
    DateAdd {
        from: FieldId,
        months: Option<Expr>,
        days: Option<Expr>,
    },
    /// 均分: the line's amount is its equal share of the rule's pool (set by the batch pass).
    PoolShare,
    /// The first case whose conditions hold (分情形).
    Cases(Vec<(Vec<Condition>, Formula)>),
    /// Parts added up; a part that does not apply counts as none.
    Sum(Vec<Formula>),
}

/// Scope of a cap (D4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapScope {
    /// 单个项目 / per application line.
    Application,
    /// 单个企业每年, shared by every rule naming the same group.
    EnterpriseYear { group: String },
    /// 单个企业累计 (over the policy's life): shared by every rule naming the group, across
    /// every application year of the batch and the payout history up to the line's year.
    Enterprise { group: String },
    /// 单个项目: shared by the rows of one enterprise carrying the same 项目编号 (one row per
    /// boiler, per phase …), over the project's life; a row without 项目编号 is its own project.
    /// The group is the rule's id unless the cap names one.
    Project { group: String },
}

impl CapScope {
    /// The group a shared cap belongs to (`None` for a cap on the line alone).
    pub fn group(&self) -> Option<&str> {
        match self {
            CapScope::Application => None,
            CapScope::EnterpriseYear { group }
            | CapScope::Enterprise { group }
            | CapScope::Project { group } => Some(group),
        }
    }
}

/// A cap (上限) with its scope and the words that set it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cap {
    /// The ceiling: a fixed amount or any expression of the row (a share of an input — 不超过
    /// 投资额的30% —, an approved amount, a reference parameter, an external value). A
    /// ceiling that comes out negative counts as 0.
    pub amount: Expr,
    pub scope: CapScope,
    pub words: Option<String>,
}

impl Formula {
    /// Short Chinese name of the formula kind, for the ledger.
    pub fn kind_label(&self) -> &'static str {
        match self {
            Formula::Rate { .. } => "按比例",
            Formula::Tiers { .. } => "全额分档比例",
            Formula::Slices { .. } => "超额累进",
            Formula::Bracket { .. } => "分档定额",
            Formula::PerUnit { .. } => "按数量",
            Formula::Fixed { .. } => "定额",
            Formula::ByTitle { .. } => "按称号定额",
            Formula::Matching { .. } => "配套",
            Formula::TopUp { .. } => "补足",
            Formula::Least(_) => "取低",
            Formula::Greatest(_) => "取高",
            Formula::Amount { .. } => "核定数",
            Formula::Interest(_) => "贷款贴息",
            Formula::Staged { .. } => "分阶段",
            Formula::Verdict { .. } => "资格认定",
            Formula::Cases(_) => "分情形",
            Formula::PoolShare => "资金池均分",
            Formula::Classify(_) => "分类认定",
            Formula::DateAdd { .. } => "期限推算",
            Formula::Sum(_) => "合计",
        }
    }
}

/// What a rule refers to: the fields it reads and the reference parameters it names.
#[derive(Debug, Default)]
struct Refs {
    fields: Vec<FieldId>,
    params: Vec<String>,
}

impl Refs {
    fn push(&mut self, f: FieldId) {
        self.fields.push(f);
    }

    fn extend(&mut self, fs: impl IntoIterator<Item = FieldId>) {
        self.fields.extend(fs);
    }
}

impl Rule {
    fn refs(&self) -> Refs {
        let mut out = Refs::default();
        out.extend(self.flags.iter().copied());
        for c in &self.when {
            c.refs(&mut out);
        }
        self.formula.refs(&mut out);
        for c in &self.caps {
            c.amount.refs(&mut out);
        }
        if let Some(payment::PartnerShare::Field(f)) = self.payees.as_ref().map(|p| p.partner_share)
        {
            out.push(f);
        }
        out
    }

    /// Every field the rule reads, in first-use order, without repeats (申报所需数据).
    pub fn inputs(&self) -> Vec<FieldId> {
        let mut fields = self.refs().fields;
        let mut seen = std::collections::HashSet::new();
        fields.retain(|f| seen.insert(*f));
        fields
    }

    /// The reference parameters (config/params*.toml) the rule names, sorted.
    pub fn params(&self) -> Vec<String> {
        let mut params = self.refs().params;
        params.sort();
        params.dedup();
        params
    }
}

impl Expr {
    fn refs(&self, out: &mut Refs) {
        match self {
            Expr::Field(f) => out.push(*f),
            Expr::Const(_) => {}
            Expr::Sum(v) | Expr::Minus(v) | Expr::Product(v) | Expr::Min(v) | Expr::Max(v) => {
                v.iter().for_each(|e| e.refs(out))
            }
            Expr::Increase { of, over } => {
                of.refs(out);
                over.refs(out);
            }
            Expr::Scale { of, .. } => of.refs(out),
            Expr::Param(name) => out.params.push(name.clone()),
            Expr::Ceil(e) | Expr::Floor(e) => e.refs(out),
            Expr::Quotient(a, b) => {
                a.refs(out);
                b.refs(out);
            }
            Expr::YearOf(f) => out.push(*f),
            Expr::DaysBetween(a, b) => [a, b].into_iter().for_each(|d| d.refs(out)),
            Expr::Default { field, .. } => out.push(*field),
            Expr::Named { of, .. } => of.refs(out),
        }
    }
}

impl DateTerm {
    fn refs(&self, out: &mut Refs) {
        match self {
            DateTerm::Field(f) => out.push(*f),
            DateTerm::Fixed(_) => {}
        }
    }
}

impl Condition {
    fn refs(&self, out: &mut Refs) {
        match self {
            Condition::Compare { left, right, .. } => {
                left.refs(out);
                right.refs(out);
            }
            Condition::InParam { field, param, .. } => {
                out.push(*field);
                out.params.push(param.clone());
            }
            Condition::In { field, .. }
            | Condition::NotIn { field, .. }
            | Condition::Is { field, .. }
            | Condition::Date {
                field,
                date: DateRef::Fixed(_),
                ..
            } => out.push(*field),
            Condition::Date {
                field,
                date: DateRef::Field { field: other, .. },
                ..
            } => out.extend([*field, *other]),
            Condition::All(v) | Condition::Any(v) => v.iter().for_each(|c| c.refs(out)),
            Condition::Optional { of, .. } => of.refs(out),
        }
    }
}

impl Param {
    fn refs(&self, out: &mut Refs) {
        match self {
            Param::Fixed(_) => {}
            Param::Chosen { approved, .. } => out.extend(approved.iter().copied()),
            Param::Lookup { field, entries } => {
                out.push(*field);
                entries.iter().for_each(|(_, p)| p.refs(out));
            }
        }
    }
}

impl Formula {
    fn refs(&self, out: &mut Refs) {
        match self {
            Formula::Rate { base, rate } => {
                base.refs(out);
                rate.refs(out);
            }
            Formula::Tiers { selector, base, .. } => {
                selector.refs(out);
                base.refs(out);
            }
            Formula::Slices { base, .. } => base.refs(out),
            Formula::Bracket { selector, .. } => selector.refs(out),
            Formula::PerUnit { terms } => terms.iter().for_each(|(q, p)| {
                q.refs(out);
                p.refs(out);
            }),
            Formula::Fixed { .. } => {}
            Formula::ByTitle { field, entries, .. } => {
                out.push(*field);
                entries
                    .iter()
                    .flat_map(|e| &e.when)
                    .for_each(|c| c.refs(out));
            }
            Formula::Matching { base, .. } | Formula::Amount { base } => base.refs(out),
            Formula::TopUp { standard, other } => {
                standard.refs(out);
                other.refs(out);
            }
            Formula::Least(v) | Formula::Greatest(v) => v.iter().for_each(|f| f.refs(out)),
            Formula::Interest(i) => {
                out.extend([i.principal, i.disbursed, i.days]);
                out.extend(
                    i.term_months
                        .iter()
                        .chain(&i.loan_rate)
                        .chain(&i.interest_paid)
                        .copied(),
                );
                i.windows
                    .iter()
                    .flat_map(|w| w.from.iter().chain(&w.to))
                    .for_each(|d| d.refs(out));
            }
            Formula::Staged { stages } => out.extend(stages.iter().map(|s| s.flag)),
            Formula::Verdict { test } => test.iter().for_each(|c| c.refs(out)),
            Formula::Cases(cases) => cases.iter().for_each(|(when, f)| {
                when.iter().for_each(|c| c.refs(out));
                f.refs(out);
            }),
            Formula::Sum(parts) => parts.iter().for_each(|f| f.refs(out)),
            Formula::PoolShare => {}
            Formula::Classify(cases) => cases
                .iter()
                .for_each(|(when, _)| when.iter().for_each(|c| c.refs(out))),
            Formula::DateAdd { from, months, days } => {
                out.push(*from);
                months.iter().chain(days).for_each(|e| e.refs(out));
            }
        }
    }
}
