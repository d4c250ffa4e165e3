//! Plain-language descriptions of rules (政策参数), for the ledger and `subsidy rules`.

use crate::domain::fields::{split_header_unit, FieldId, Vocabulary};
use crate::domain::money::{grouped2, plain};

use super::{
    Allocation, Bracket, CapScope, Combine, Condition, DateTerm, Expr, Formula, Param, Payer,
    Policy, RateWindow, Rule, TitleEntry,
};

fn label(v: &Vocabulary, f: FieldId) -> String {
    split_header_unit(&v.get(f).header_zh).0
}

fn pct(d: rust_decimal::Decimal) -> String {
    format!("{}%", plain(d * rust_decimal::Decimal::ONE_HUNDRED))
}

/// An expression in words: `增量(生鲜乳加工量 − 上年度基数)`.
pub fn expr(v: &Vocabulary, e: &Expr) -> String {
    let list = |items: &[Expr], sep: &str| {
        items
            .iter()
            .map(|x| expr(v, x))
            .collect::<Vec<_>>()
            .join(sep)
    };
    match e {
        Expr::Field(f) => label(v, *f),
        Expr::Const(c) => plain(*c),
        Expr::Sum(i) => format!("({})", list(i, " + ")),
        Expr::Minus(i) => format!("({})", list(i, " − ")),
        Expr::Product(i) => format!("({})", list(i, " × ")),
        Expr::Min(i) => format!("min({})", list(i, ", ")),
        Expr::Max(i) => format!("max({})", list(i, ", ")),
        Expr::Increase { of, over } => format!("增量({} − {})", expr(v, of), expr(v, over)),
        Expr::Scale { of, by } => format!("{} × {}", pct(*by), expr(v, of)),
        Expr::Param(name) => format!("参数[{name}]"),
        Expr::Ceil(e) => format!("向上取整({})", expr(v, e)),
        Expr::Floor(e) => format!("向下取整({})", expr(v, e)),
        Expr::Default { field, value } => {
            format!("{}（未填按 {}）", label(v, *field), plain(*value))
        }
        Expr::Quotient(a, b) => format!("({} ÷ {})", expr(v, a), expr(v, b)),
        Expr::YearOf(f) => format!("{}的年份", label(v, *f)),
        Expr::DaysBetween(a, b) => format!("{}至{}的天数", date(v, a), date(v, b)),
        Expr::Named { name, of } => format!("{name}〔{}〕", expr(v, of)),
    }
}

/// A date in words: the field's name, or the date as written.
fn date(v: &Vocabulary, d: &DateTerm) -> String {
    match d {
        DateTerm::Field(f) => label(v, *f),
        DateTerm::Fixed(x) => x.to_string(),
    }
}

/// The windows of an interest subsidy in words: `（2023-07-01至2023-12-31 按 80%）`.
fn windows(v: &Vocabulary, ws: &[RateWindow]) -> String {
    ws.iter()
        .map(|w| {
            let span = w.words.clone().unwrap_or_else(|| {
                let end = |d: &Option<DateTerm>| d.as_ref().map(|d| date(v, d)).unwrap_or_default();
                format!("{}至{}", end(&w.from), end(&w.to))
            });
            format!("（{span} 按 {}）", pct(w.share))
        })
        .collect()
}

fn param(v: &Vocabulary, p: &Param, rate: bool) -> String {
    let show = |d| if rate { pct(d) } else { plain(d) };
    match p {
        Param::Fixed(d) => show(*d),
        Param::Chosen {
            value,
            min,
            max,
            approved,
        } => {
            let by = approved
                .map(|f| format!("，可按{}核定", label(v, f)))
                .unwrap_or_default();
            format!(
                "{}（区间 [{}, {}]{by}）",
                show(*value),
                show(*min),
                show(*max)
            )
        }
        Param::Lookup { field, entries } => {
            let t = entries
                .iter()
                .map(|(vals, p)| format!("{}→{}", vals.join("/"), param(v, p, rate)))
                .collect::<Vec<_>>()
                .join("；");
            format!("按{}：{t}", label(v, *field))
        }
    }
}

fn brackets(b: &[Bracket], rate: bool) -> String {
    b.iter()
        .map(|x| {
            format!(
                "{} {}",
                x.range.text,
                if rate { pct(x.value) } else { plain(x.value) }
            )
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// A formula in words.
pub fn formula(v: &Vocabulary, f: &Formula) -> String {
    match f {
        Formula::Rate { base, rate } => format!("{} × {}", param(v, rate, true), expr(v, base)),
        Formula::Tiers {
            selector,
            base,
            tiers,
        } => {
            format!(
                "按{}分档，全额适用：{}；× {}",
                expr(v, selector),
                brackets(tiers, true),
                expr(v, base)
            )
        }
        Formula::Slices { base, slices, step } => {
            let s = step
                .map(|(w, i)| format!("；其后每 {} 为一段，标准逐段提高 {}", plain(w), plain(i)))
                .unwrap_or_default();
            format!("{} 超额累进：{}{s}", expr(v, base), brackets(slices, false))
        }
        Formula::Bracket {
            selector,
            brackets: b,
        } => format!("按{}分档定额：{}", expr(v, selector), brackets(b, false)),
        Formula::PerUnit { terms } => terms
            .iter()
            .map(|(q, p)| format!("{} × {}", expr(v, q), param(v, p, false)))
            .collect::<Vec<_>>()
            .join(" + "),
        Formula::Fixed { amount } => format!("定额 {}", grouped2(*amount)),
        Formula::ByTitle {
            field,
            entries,
            combine,
        } => by_title(v, *field, entries, *combine),
        Formula::Matching { base, ratio } => format!("{} × {}", expr(v, base), plain(*ratio)),
        Formula::TopUp { standard, other } => {
            format!("max(0, [{}] − {})", formula(v, standard), expr(v, other))
        }
        Formula::Least(p) => format!(
            "min({})",
            p.iter()
                .map(|x| formula(v, x))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Formula::Greatest(p) => format!(
            "max({})",
            p.iter()
                .map(|x| formula(v, x))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Formula::Amount { base } => expr(v, base),
        Formula::Interest(i) => format!(
            "{} × min(LPR, 实际利率) × {} × 天数 ÷ {}{}",
            label(v, i.principal),
            pct(i.share),
            plain(i.day_basis),
            windows(v, &i.windows)
        ),
        Formula::Staged { stages } => stages
            .iter()
            .map(|s| format!("{} {}", s.label, grouped2(s.amount)))
            .collect::<Vec<_>>()
            .join("；"),
        Formula::Verdict { test } => conditions(v, test),
        Formula::Cases(cases) => cases
            .iter()
            .map(|(when, f)| {
                format!(
                    "当 {}：{}",
                    if when.is_empty() {
                        "其他".to_string()
                    } else {
                        conditions(v, when)
                    },
                    formula(v, f)
                )
            })
            .collect::<Vec<_>>()
            .join("；"),
        Formula::PoolShare => "资金池平均分配（D11）".to_string(),
        Formula::Classify(cases) => cases
            .iter()
            .map(|(when, value)| {
                format!(
                    "{} → {value}",
                    if when.is_empty() {
                        "其他".to_string()
                    } else {
                        conditions(v, when)
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("；"),
        Formula::DateAdd { from, months, days } => format!(
            "{}{}{}",
            label(v, *from),
            months
                .as_ref()
                .map(|m| format!(" + {} 个月", expr(v, m)))
                .unwrap_or_default(),
            days.as_ref()
                .map(|d| format!(" + {} 天", expr(v, d)))
                .unwrap_or_default()
        ),
        Formula::Sum(parts) => parts
            .iter()
            .map(|f| format!("[{}]", formula(v, f)))
            .collect::<Vec<_>>()
            .join(" + "),
    }
}

/// A by-title table in words: every title of every entry with its amount, an entry's own
/// conditions and split, and how several titles of one row combine.
fn by_title(v: &Vocabulary, field: FieldId, entries: &[TitleEntry], combine: Combine) -> String {
    let list = entries
        .iter()
        .map(|e| {
            let when = if e.when.is_empty() {
                String::new()
            } else {
                format!("（当 {}）", conditions(v, &e.when))
            };
            let split = e
                .split
                .as_deref()
                .map(|s| format!("（分担 {}）", split(s)))
                .unwrap_or_default();
            format!("{} {}{when}{split}", e.titles.join("/"), grouped2(e.amount))
        })
        .collect::<Vec<_>>()
        .join("；");
    let how = match combine {
        Combine::Highest => "一行多个称号就高（只计最高一项）",
        Combine::Sum => "一行多个称号合计（每项都计）",
    };
    format!("按{}：{list}；{how}", label(v, field))
}

/// Split weights in words: `自治区 1 : 盟市 1`.
pub fn split(weights: &[(Payer, rust_decimal::Decimal)]) -> String {
    weights
        .iter()
        .map(|(p, w)| format!("{} {}", p.label(), plain(*w)))
        .collect::<Vec<_>>()
        .join(" : ")
}

/// What else changes a rule's money besides its formula and caps, in words: 补差, 就高,
/// 起付, 连续支持年限 and the budget it draws on. Empty when none.
pub fn settings(policy: &Policy, rule: &Rule) -> String {
    let mut out = Vec::new();
    if rule.differential {
        out.push("补差：减去同一事项已获奖补（D9）".to_string());
    }
    if let Some(group) = &rule.exclusive {
        out.push(format!(
            "就高：互斥组 {group} 内同一企业同一年度只付最高一条（D9）"
        ));
    }
    if let Some(floor) = rule.floor {
        out.push(format!("起付：少于 {} 不予补助（D12）", grouped2(floor)));
    }
    if let Some(limit) = rule.max_years {
        out.push(limit.describe());
    }
    if let Some(b) = rule
        .budget
        .as_ref()
        .and_then(|id| policy.budgets.iter().find(|b| &b.id == id))
    {
        let how = match b.method {
            Allocation::ProRata => "申请合计超出时按比例核减",
            Allocation::Equal => "符合条件者平均分配",
        };
        out.push(format!(
            "{} 每年度 {}，{how}（D11）",
            b.words.as_deref().unwrap_or("资金池"),
            grouped2(b.amount)
        ));
    }
    out.join("；")
}

/// Everything that sets a rule's money, one part per entry: the formula, the caps
/// (`上限 …`) and the other [`settings`].
pub fn terms(v: &Vocabulary, policy: &Policy, rule: &Rule) -> Vec<String> {
    let caps = caps(v, rule);
    let caps = if caps.is_empty() {
        caps
    } else {
        format!("上限 {caps}")
    };
    [formula(v, &rule.formula), caps, settings(policy, rule)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect()
}

/// Conditions in words, joined by "且".
pub fn conditions(v: &Vocabulary, c: &[Condition]) -> String {
    c.iter()
        .map(|x| condition(v, x))
        .collect::<Vec<_>>()
        .join(" 且 ")
}

fn condition(v: &Vocabulary, c: &Condition) -> String {
    match c {
        Condition::Compare {
            left,
            op,
            right,
            word,
        } => {
            let w = word
                .as_deref()
                .map(|w| format!("（{w}）"))
                .unwrap_or_default();
            format!("{} {} {}{w}", expr(v, left), op.symbol(), expr(v, right))
        }
        Condition::Date {
            field,
            op,
            date,
            word,
        } => {
            let w = word
                .as_deref()
                .map(|w| format!("（{w}）"))
                .unwrap_or_default();
            let d = match date {
                super::DateRef::Fixed(d) => d.to_string(),
                super::DateRef::Field {
                    field: other,
                    months,
                } => format!("{} + {months} 个月", label(v, *other)),
            };
            format!("{} {} {d}{w}", label(v, *field), op.symbol())
        }
        Condition::In { field, values } => {
            format!("{} ∈ {{{}}}", label(v, *field), values.join("、"))
        }
        Condition::NotIn { field, values } => {
            format!("{} ∉ {{{}}}", label(v, *field), values.join("、"))
        }
        Condition::InParam {
            field,
            param,
            negate,
        } => format!(
            "{} {} 参数[{param}]",
            label(v, *field),
            if *negate { "∉" } else { "∈" }
        ),
        Condition::Is { field, value, .. } => {
            format!("{}：{}", label(v, *field), if *value { "是" } else { "否" })
        }
        Condition::All(list) => format!("({})", conditions(v, list)),
        Condition::Optional { field, of } => {
            format!("{}（{}未填视为满足）", condition(v, of), label(v, *field))
        }
        Condition::Any(list) => format!(
            "({})",
            list.iter()
                .map(|x| condition(v, x))
                .collect::<Vec<_>>()
                .join(" 或 ")
        ),
    }
}

/// The caps of a rule in words.
pub fn caps(v: &Vocabulary, rule: &Rule) -> String {
    rule.caps
        .iter()
        .map(|c| {
            let scope = match &c.scope {
                CapScope::Application => "每项".to_string(),
                CapScope::EnterpriseYear { group } => format!("每企业每年（共享组 {group}）"),
                CapScope::Enterprise { group } => format!("每企业累计（共享组 {group}）"),
                CapScope::Project { group } => format!("每项目（共享组 {group}）"),
            };
            match &c.amount {
                Expr::Const(a) => format!("{scope} ≤ {}", grouped2(*a)),
                other => format!("{scope} ≤ {}", expr(v, other)),
            }
        })
        .chain(rule.limits.iter().map(limit))
        .collect::<Vec<_>>()
        .join("；")
}

/// A count limit (限项) in words.
fn limit(l: &crate::rules::CountLimit) -> String {
    let within = match l.per {
        crate::rules::LimitScope::EnterpriseYear => "每企业每年最多 {} 个项目",
        crate::rules::LimitScope::Enterprise => "每企业累计最多 {} 个项目",
        crate::rules::LimitScope::Project => "每项目最多 {} 项支持",
    }
    .replace("{}", &l.most.to_string());
    format!("限项 {within}（组 {}，{}）", l.group, l.keep.label())
}
