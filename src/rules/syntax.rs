//! The syntax of a policy file (政策文件的写法): typed serde structs and enums that mirror the
//! TOML as written, with a span on every node a later check may refuse. Reading them
//! ([`super::node`]) refuses unknown keys, unknown kinds, floats and malformed amounts or rates
//! at their own line; lowering ([`super::lower`]) turns them into the checked model of
//! [`super`] (field keys against the vocabulary, bracket tables, operators, dates).
//!
//! Enums name their variants as the file does (see [`super::node`]): formulas by their `kind`,
//! expressions, conditions, values, lists and outcomes by the key that marks them.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::node::float_refused;
use super::text::{parse_amount, parse_rate};
use super::{Allocation, Combine, Keep, LimitScope, Review, YearsPer};

/// A node with its span (byte range in the file).
pub type S<T> = Spanned<T>;

/// An amount: a string of digits with an optional 万 or 亿 (`"1000万"`) or a TOML integer.
/// A float is refused (binary, inexact).
#[derive(Debug, Clone, Copy)]
pub struct Amount(pub Decimal);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an amount as a string such as \"1000万\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Amount, E> {
                parse_amount(s).map(Amount).ok_or_else(|| {
                    E::custom(format!(
                        "`{s}` is not an amount; write digits with an optional 万 or 亿, e.g. \"1000万\""
                    ))
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                Err(E::custom(format!("amount {}", float_refused(v))))
            }
        }
        d.deserialize_any(V)
    }
}

/// A rate written with a percent sign (`"2.5%"`, `"3‰"`), as a fraction.
#[derive(Debug, Clone, Copy)]
pub struct Rate(pub Decimal);

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Rate;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a rate as a string such as \"2.5%\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Rate, E> {
                parse_rate(s).map(Rate).ok_or_else(|| {
                    E::custom(format!(
                        "`{s}` is not a rate; write it with a percent sign, e.g. \"2.5%\""
                    ))
                })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rate, E> {
                Err(E::custom(format!("rate {}", float_refused(v))))
            }
        }
        d.deserialize_any(V)
    }
}

/// The whole file.
#[derive(Deserialize)]
#[serde(rename = "the policy file", deny_unknown_fields)]
pub struct DocSyntax {
    pub policy: PolicySyntax,
    #[serde(default)]
    pub budget: Vec<BudgetSyntax>,
    #[serde(default)]
    pub rule: Vec<RuleSyntax>,
    /// Cap groups declared once, shared by rules of any policy (see [`super::groups`]).
    #[serde(default)]
    pub cap_group: Vec<S<CapGroupSyntax>>,
}

/// `[policy]`.
#[derive(Deserialize)]
#[serde(rename = "[policy]", deny_unknown_fields)]
pub struct PolicySyntax {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub issuer: String,
    pub payer: S<String>,
    pub valid_from: Option<S<String>>,
    pub valid_to: Option<S<String>>,
    #[serde(default)]
    pub flags: Vec<S<String>>,
    /// `required` (default) or `assumed`: what a flag means when its column is absent.
    #[serde(default)]
    pub review: Review,
}

/// `[[budget]]` (D11).
#[derive(Deserialize)]
#[serde(rename = "a [[budget]]", deny_unknown_fields)]
pub struct BudgetSyntax {
    pub id: S<String>,
    pub amount: Amount,
    pub method: Allocation,
    pub words: Option<String>,
}

/// `[[rule]]`.
#[derive(Deserialize)]
#[serde(rename = "a [[rule]]", deny_unknown_fields)]
pub struct RuleSyntax {
    pub id: S<String>,
    pub clause: String,
    pub excerpt: String,
    pub outcome: Option<S<OutcomeSyntax>>,
    pub flags: Option<Vec<S<String>>>,
    #[serde(default)]
    pub when: Vec<S<CondSyntax>>,
    /// Named values (`let = { base = "0.5万 × capacity_mw + 2万" }`) the rule's expressions
    /// refer to by name.
    pub r#let: Option<LetSyntax>,
    pub formula: S<FormulaSyntax>,
    #[serde(default)]
    pub caps: Vec<S<CapSyntax>>,
    pub floor: Option<Amount>,
    pub split: Option<S<SplitSyntax>>,
    #[serde(default)]
    pub readings: Vec<String>,
    #[serde(default)]
    pub same_as: Vec<String>,
    pub max_years: Option<MaxYearsSyntax>,
    #[serde(default)]
    pub differential: bool,
    pub exclusive: Option<String>,
    pub budget: Option<S<String>>,
    /// 多个收款方 (合同能源管理): the award shared with a second payee.
    pub payees: Option<S<PayeesSyntax>>,
    /// 预拨与清算 (多退少补): an advance on the estimate, settled on the actual figures.
    pub advance: Option<S<AdvanceSyntax>>,
    /// 限项 over this rule's lines.
    pub limit: Option<S<LimitSyntax>>,
}

/// `max_years = 3` (per enterprise) or `max_years = { years = 3, per = "project" }` (D10).
#[derive(Deserialize)]
#[serde(
    rename = "a year limit by key, else years",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum MaxYearsSyntax {
    Years {
        years: u32,
        #[serde(default)]
        per: YearsPer,
    },
    #[serde(rename = "integer")]
    Whole(u32),
}

/// `payees = { partner_share = "50%" | { field = "…" }, words = "…" }`.
#[derive(Deserialize)]
#[serde(rename = "`payees`", deny_unknown_fields)]
pub struct PayeesSyntax {
    pub partner_share: S<ShareSyntax>,
    pub words: Option<String>,
}

/// The second payee's share: a rate (`"50%"`) or a percent field of the row.
#[derive(Deserialize)]
#[serde(
    rename = "a share by key",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum ShareSyntax {
    Field {
        field: S<String>,
    },
    #[serde(rename = "string")]
    Rate(String),
}

/// `advance = { share = "50%", settles = true, words = "…" }`.
#[derive(Deserialize)]
#[serde(rename = "`advance`", deny_unknown_fields)]
pub struct AdvanceSyntax {
    pub share: S<String>,
    #[serde(default)]
    pub settles: bool,
    pub words: Option<String>,
}

/// A rule's named values, by name.
pub type LetSyntax = BTreeMap<S<String>, S<ExprSyntax>>;

/// Split weights by payer label (D14).
pub type SplitSyntax = BTreeMap<S<String>, Amount>;

/// What a rule's figure is.
#[derive(Deserialize)]
#[serde(
    rename = "an outcome by key",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum OutcomeSyntax {
    Measure {
        measure: String,
        unit: Option<String>,
        refused: Option<String>,
    },
    Verdict {
        verdict: String,
        yes: Option<String>,
        no: Option<String>,
    },
    Category {
        category: String,
    },
    Date {
        date: String,
    },
    /// `"payout"`.
    #[serde(rename = "string")]
    Named(String),
}

/// A cap (上限).
#[derive(Deserialize)]
#[serde(rename = "a cap", deny_unknown_fields)]
pub struct CapSyntax {
    /// Absent when the cap names a declared `[[cap_group]]` by `group` alone.
    pub amount: Option<S<CapAmountSyntax>>,
    #[serde(default)]
    pub scope: ScopeSyntax,
    pub group: Option<String>,
    pub words: Option<String>,
}

/// A cap's scope as written (the group is checked against it when lowering).
#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum ScopeSyntax {
    #[default]
    Application,
    EnterpriseYear,
    Enterprise,
    Project,
}

/// `[[cap_group]]` (共享上限组): a shared cap, a count limit or both, over the rules of
/// `policies` but `exclude`, and every rule that names it.
#[derive(Deserialize)]
#[serde(rename = "a [[cap_group]]", deny_unknown_fields)]
pub struct CapGroupSyntax {
    pub id: String,
    /// The shared ceiling, as a cap's `amount` is written; needs `scope`.
    pub amount: Option<S<CapAmountSyntax>>,
    pub scope: Option<ScopeSyntax>,
    pub words: Option<String>,
    #[serde(default)]
    pub policies: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    pub limit: Option<LimitSyntax>,
}

/// `limit = { most = 2, per = "enterprise_year", keep = "highest_award", words = "…" }` (限项).
#[derive(Deserialize)]
#[serde(rename = "a limit", deny_unknown_fields)]
pub struct LimitSyntax {
    pub most: u32,
    pub per: LimitScope,
    pub keep: Keep,
    pub words: Option<String>,
}

/// A cap's amount: an amount (`"50万"`, `500000`), a field key, or an expression table.
#[derive(Deserialize)]
#[serde(rename = "a cap amount by key, else expression")]
pub enum CapAmountSyntax {
    /// Text starting with a digit is an amount; other text names a field.
    #[serde(rename = "string")]
    Text(String),
    #[serde(rename = "integer")]
    Whole(i64),
    #[serde(rename = "expression")]
    Expression(ExprSyntax),
}

/// A value computed from the row (EXPR).
#[derive(Deserialize)]
#[serde(
    rename = "an expression by key",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum ExprSyntax {
    Sum {
        sum: Vec<S<ExprSyntax>>,
    },
    Minus {
        minus: Vec<S<ExprSyntax>>,
    },
    Product {
        product: Vec<S<ExprSyntax>>,
    },
    Min {
        min: Vec<S<ExprSyntax>>,
    },
    Max {
        max: Vec<S<ExprSyntax>>,
    },
    Increase {
        increase: Box<S<ExprSyntax>>,
        over: Box<S<ExprSyntax>>,
    },
    Scale {
        scale: Box<S<ExprSyntax>>,
        by: Rate,
    },
    Param {
        param: String,
    },
    Ceil {
        ceil: Box<S<ExprSyntax>>,
    },
    Floor {
        floor: Box<S<ExprSyntax>>,
    },
    Quotient {
        quotient: Vec<S<ExprSyntax>>,
    },
    Default {
        field: S<String>,
        default: Amount,
    },
    YearOf {
        year_of: S<String>,
    },
    DaysBetween {
        days_between: Vec<S<String>>,
    },
    Value {
        value: Amount,
    },
    /// A numeric field key, a `let` name, or arithmetic over them ([`super::arith`]).
    #[serde(rename = "string")]
    Text(String),
}

/// An eligibility condition (申报条件); a table marked by none of the keys is a comparison.
#[derive(Deserialize)]
#[serde(
    rename = "a condition by key, else compare",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum CondSyntax {
    All {
        all: Vec<S<CondSyntax>>,
    },
    Any {
        any: Vec<S<CondSyntax>>,
    },
    In {
        field: S<String>,
        r#in: ListSyntax,
        absent: Option<Absent>,
    },
    NotIn {
        field: S<String>,
        not_in: ListSyntax,
        absent: Option<Absent>,
    },
    Is {
        field: S<String>,
        is: bool,
        absent: Option<bool>,
    },
    /// A date field against a fixed date.
    Date {
        field: S<String>,
        date: S<String>,
        word: Option<S<String>>,
        op: Option<S<String>>,
        absent: Option<Absent>,
    },
    /// A date field against another date field plus whole months.
    After {
        field: S<String>,
        after: S<String>,
        months: Option<S<String>>,
        word: Option<S<String>>,
        op: Option<S<String>>,
        absent: Option<Absent>,
    },
    Compare {
        field: S<ExprSyntax>,
        word: Option<S<String>>,
        op: Option<S<String>>,
        value: Option<Amount>,
        than: Option<S<ExprSyntax>>,
    },
}

/// What an empty cell means to an `in`, `not_in` or date condition; without `absent` it is
/// 缺少数据 (the line is 不予支持 until the fact is given).
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Absent {
    /// The clause says the fact is optional: the condition holds when the cell is empty.
    Pass,
}

/// The values of `in` / `not_in`: a list of texts or a list parameter.
#[derive(Deserialize)]
#[serde(
    rename = "a list by key",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum ListSyntax {
    #[serde(rename = "array")]
    Values(Vec<String>),
    Param {
        param: String,
    },
}

/// A rate, unit rate or amount: fixed, chosen in a range (D5), or looked up by a field's text.
#[derive(Deserialize)]
#[serde(
    rename = "a rate by key",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum ParamSyntax {
    By {
        by: S<String>,
        table: Vec<S<LookupSyntax>>,
    },
    Chosen {
        chosen: S<String>,
        range: S<Vec<String>>,
        approved: Option<S<String>>,
    },
    #[serde(rename = "string")]
    Fixed(String),
}

/// An entry of a lookup table.
#[derive(Deserialize)]
#[serde(rename = "a lookup entry", deny_unknown_fields)]
pub struct LookupSyntax {
    pub values: Vec<String>,
    pub value: S<ParamSyntax>,
}

/// A row of a bracket table (tiers, slices, brackets).
#[derive(Deserialize)]
#[serde(rename = "a bracket", deny_unknown_fields)]
pub struct BracketSyntax {
    pub range: S<String>,
    pub rate: Option<S<String>>,
    pub amount: Option<S<String>>,
    pub words: Option<String>,
}

/// `step` of a slices formula (D3).
#[derive(Deserialize)]
#[serde(rename = "a step", deny_unknown_fields)]
pub struct StepSyntax {
    pub width: Amount,
    pub increment: Amount,
}

/// A term of a per-unit formula.
#[derive(Deserialize)]
#[serde(rename = "a term", deny_unknown_fields)]
pub struct TermSyntax {
    pub quantity: S<ExprSyntax>,
    pub unit_rate: S<ParamSyntax>,
}

/// An entry of a by-title formula.
#[derive(Deserialize)]
#[serde(rename = "a title entry", deny_unknown_fields)]
pub struct TitleSyntax {
    pub titles: Vec<String>,
    pub amount: Amount,
    #[serde(default)]
    pub when: Vec<S<CondSyntax>>,
    pub split: Option<S<SplitSyntax>>,
}

/// A stage of a staged award.
#[derive(Deserialize)]
#[serde(rename = "a stage", deny_unknown_fields)]
pub struct StageSyntax {
    pub flag: S<String>,
    pub amount: Amount,
    pub label: Option<String>,
}

/// A case of a `cases` formula.
#[derive(Deserialize)]
#[serde(rename = "a case", deny_unknown_fields)]
pub struct CaseSyntax {
    #[serde(default)]
    pub when: Vec<S<CondSyntax>>,
    pub formula: S<FormulaSyntax>,
}

/// A case of a `classify` formula.
#[derive(Deserialize)]
#[serde(rename = "a case", deny_unknown_fields)]
pub struct ClassSyntax {
    #[serde(default)]
    pub when: Vec<S<CondSyntax>>,
    pub value: String,
}

/// A formula (计算方式), named by its `kind`.
#[derive(Deserialize)]
#[serde(
    rename = "formula by kind",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum FormulaSyntax {
    Rate {
        base: S<ExprSyntax>,
        rate: S<ParamSyntax>,
    },
    Tiers {
        base: S<ExprSyntax>,
        selector: Option<S<ExprSyntax>>,
        tiers: S<Vec<S<BracketSyntax>>>,
    },
    Slices {
        base: S<ExprSyntax>,
        slices: S<Vec<S<BracketSyntax>>>,
        step: Option<S<StepSyntax>>,
    },
    Bracket {
        selector: S<ExprSyntax>,
        brackets: S<Vec<S<BracketSyntax>>>,
    },
    PerUnit {
        terms: S<Vec<TermSyntax>>,
    },
    Fixed {
        amount: Amount,
    },
    ByTitle {
        field: Option<S<String>>,
        #[serde(default)]
        combine: Combine,
        entries: Vec<TitleSyntax>,
    },
    Matching {
        base: S<ExprSyntax>,
        ratio: S<String>,
    },
    TopUp {
        standard: Box<S<FormulaSyntax>>,
        other: S<ExprSyntax>,
    },
    Least {
        of: S<Vec<S<FormulaSyntax>>>,
    },
    Greatest {
        of: S<Vec<S<FormulaSyntax>>>,
    },
    Sum {
        of: S<Vec<S<FormulaSyntax>>>,
    },
    Cases {
        cases: S<Vec<CaseSyntax>>,
    },
    Amount {
        base: S<ExprSyntax>,
    },
    Interest {
        principal: S<String>,
        disbursed: S<String>,
        days: S<String>,
        term_months: Option<S<String>>,
        loan_rate: Option<S<String>>,
        interest_paid: Option<S<String>>,
        share: Rate,
        day_basis: Option<Amount>,
        max_rate: Option<Rate>,
        #[serde(default)]
        windows: Vec<S<WindowSyntax>>,
    },
    Staged {
        stages: Vec<StageSyntax>,
    },
    PoolShare,
    Verdict {
        test: Vec<S<CondSyntax>>,
    },
    Classify {
        cases: S<Vec<ClassSyntax>>,
    },
    DateAdd {
        from: S<String>,
        months: Option<S<ExprSyntax>>,
        days: Option<S<ExprSyntax>>,
    },
    /// A flat table (分档计算): the row whose range holds `selector` gives the amount, each
    /// row its own expression (a × 容量 + b).
    Table {
        selector: S<ExprSyntax>,
        rows: S<Vec<S<RowSyntax>>>,
    },
}

/// A span of an interest period paid at its own share (分段贴息); each end a date field or
/// `YYYY-MM-DD`.
#[derive(Deserialize)]
#[serde(rename = "a window", deny_unknown_fields)]
pub struct WindowSyntax {
    pub from: Option<S<String>>,
    pub to: Option<S<String>>,
    pub share: Rate,
    pub words: Option<String>,
}

/// A row of a flat table: a range and the expression it pays.
#[derive(Deserialize)]
#[serde(rename = "a row", deny_unknown_fields)]
pub struct RowSyntax {
    pub range: S<String>,
    pub value: S<ExprSyntax>,
}
