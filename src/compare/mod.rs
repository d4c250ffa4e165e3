//! What-if (政策测算): the same batch under two policy versions, base (现行) and proposed (拟议).
//! This module owns the comparison: the lines of both runs joined on (申报编号, rule), the
//! totals by clause, region (旗县区) and payer (出资方), the rule-by-rule policy changes
//! (政策变化), the applications whose award changes (企业变化) with the reason, and the
//! `compare.xlsx` / `compare.csv` it writes. Awards are payouts and 待审核 lines as if approved.
//!
//! Why plain Rust and not polars for the join: the lines arrive sorted by 申报编号 from each
//! run, so the join is a merge of two sorted lists on (申报编号, rule) and the group-bys are
//! `BTreeMap`s of `rust_decimal` sums, exact and deterministic. polars' `join` and `group_by`
//! need its `polars-ops`/lazy features (minutes of clean build on CI's two cores) for a few
//! thousand lines; no polars feature is added by this module.

mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::engine::batch::payer_label;
use crate::engine::StepKind;
use crate::ledger::LedgerLine;
use crate::pipeline::{self, Loaded, RunError};
use crate::rules::{describe, Payer, Policy, PolicySet, Rule};

pub use write::write_comparison;

/// One side's figures for a line: its award (0 when not a payout) and the reason shown.
#[derive(Debug, Clone)]
pub struct Side {
    pub amount: Decimal,
    pub payout: bool,
    pub shares: Vec<(Payer, Decimal)>,
    pub reason: String,
    /// The last cap or cut that held the amount (封顶 …), if any.
    pub cut: String,
    /// Whether that last cut was a cap (封顶), not 补差, 就高, 起付 or a budget.
    pub capped: bool,
}

/// An application line under both versions (企业变化), joined on (申报编号, rule).
#[derive(Debug, Clone)]
pub struct LineChange {
    pub application_id: String,
    pub rule_id: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub region: String,
    pub clause: String,
    pub base: Option<Side>,
    pub proposed: Option<Side>,
    /// Why the award changed (变化原因).
    pub reason: String,
}

impl LineChange {
    pub fn base_amount(&self) -> Decimal {
        self.base.as_ref().map_or(Decimal::ZERO, |s| s.amount)
    }
    pub fn proposed_amount(&self) -> Decimal {
        self.proposed.as_ref().map_or(Decimal::ZERO, |s| s.amount)
    }
    /// proposed − base.
    pub fn difference(&self) -> Decimal {
        self.proposed_amount() - self.base_amount()
    }
}

/// What changed in one rule between the versions (政策变化).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleChange {
    pub rule_id: String,
    pub clause: String,
    pub kind: ChangeKind,
    /// (aspect, base text, proposed text), e.g. ("计算公式", "… × 2%", "… × 3%").
    pub parameters: Vec<(String, String, String)>,
}

/// How a rule differs between the versions.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub enum ChangeKind {
    /// 参数调整
    Changed,
    /// 新增规则
    New,
    /// 删除规则
    Removed,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Changed => "参数调整",
            ChangeKind::New => "新增规则",
            ChangeKind::Removed => "删除规则",
        }
    }
}

/// A total under both versions (合计 / 按条款 / 按旗县区 / 按出资方).
#[derive(Debug, Clone, PartialEq)]
pub struct Total {
    pub key: String,
    pub base: Decimal,
    pub proposed: Decimal,
}

impl Total {
    pub fn difference(&self) -> Decimal {
        self.proposed - self.base
    }
}

/// The whole comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub total: Total,
    pub by_clause: Vec<Total>,
    pub by_region: Vec<Total>,
    pub by_payer: Vec<Total>,
    pub rule_changes: Vec<RuleChange>,
    /// Lines whose award changes, largest change (absolute) first.
    pub changes: Vec<LineChange>,
    /// 预算 (--budget): the proposed total against it.
    pub budget: Option<Decimal>,
}

/// Loads both policy sets (base: the shipped ones when empty), computes the batch under each
/// and compares.
pub fn compare(
    config: &crate::domain::config::Config,
    base: &[PathBuf],
    proposed: &[PathBuf],
    history: &[PathBuf],
    inputs: &[PathBuf],
    budget: Option<Decimal>,
) -> Result<Comparison, RunError> {
    let base_set = pipeline::load(config, base)?;
    let proposed_set = pipeline::load(config, proposed)?;
    let base_lines = lines_of(&base_set, inputs, history)?;
    let proposed_lines = lines_of(&proposed_set, inputs, history)?;
    let rule_changes = rule_changes(&base_set, &proposed_set);
    Ok(compare_lines(
        &base_lines,
        &proposed_lines,
        rule_changes,
        budget,
    ))
}

fn lines_of(
    loaded: &Loaded,
    inputs: &[PathBuf],
    history: &[PathBuf],
) -> Result<Vec<LedgerLine>, RunError> {
    Ok(pipeline::compute(loaded, inputs, history, None)?.lines())
}

fn side_of(l: &LedgerLine) -> Side {
    // A what-if projects the budget: a 待审核 line counts as approved, as `run`'s "if approved"
    // figure does.
    let payout = l.is_payout() || l.line.is_pending();
    let amount = if payout { l.line.amount } else { Decimal::ZERO };
    let shares = Payer::ALL
        .iter()
        .map(|p| (*p, if payout { l.share(*p) } else { Decimal::ZERO }))
        .filter(|(_, v)| !v.is_zero())
        .collect();
    let last = l.line.trace.last_cut_step();
    Side {
        amount,
        payout,
        shares,
        reason: l.reason(),
        cut: last.map(|s| s.text.to_string()).unwrap_or_default(),
        capped: last.is_some_and(|s| s.kind == StepKind::Cap),
    }
}

/// One application's line for one rule in the current and the proposed run, where present.
type Pair<'l> = (Option<&'l LedgerLine>, Option<&'l LedgerLine>);

/// Joins the two runs' lines on (申报编号, rule) and totals them.
pub fn compare_lines(
    base: &[LedgerLine],
    proposed: &[LedgerLine],
    rule_changes: Vec<RuleChange>,
    budget: Option<Decimal>,
) -> Comparison {
    let mut joined: BTreeMap<(&str, &str), Pair> = BTreeMap::new();
    for l in base {
        joined.entry((&l.application_id, &l.rule_id)).or_default().0 = Some(l);
    }
    for l in proposed {
        joined.entry((&l.application_id, &l.rule_id)).or_default().1 = Some(l);
    }
    let mut sums = Sums::default();
    let mut changes = Vec::new();
    for &(b, p) in joined.values() {
        let (bs, ps) = (b.map(side_of), p.map(side_of));
        sums.add(b, bs.as_ref(), true);
        sums.add(p, ps.as_ref(), false);
        let Some(any) = p.or(b) else { continue };
        let mut change = LineChange {
            application_id: any.application_id.clone(),
            rule_id: any.rule_id.clone(),
            credit_code: any.credit_code.clone(),
            enterprise_name: any.enterprise_name.clone(),
            region: any.region.clone(),
            clause: any.clause.clone(),
            base: bs,
            proposed: ps,
            reason: String::new(),
        };
        if change.difference().is_zero() {
            continue;
        }
        change.reason = reason_of(&change, &rule_changes);
        changes.push(change);
    }
    // Largest change first; ties in ledger order, so the order never depends on the run.
    changes.sort_by(|a, b| {
        b.difference()
            .abs()
            .cmp(&a.difference().abs())
            .then_with(|| (&a.application_id, &a.rule_id).cmp(&(&b.application_id, &b.rule_id)))
    });
    Comparison {
        total: sums.total,
        by_clause: flatten(sums.clause),
        by_region: flatten(sums.region),
        by_payer: flatten(sums.payer),
        rule_changes,
        changes,
        budget,
    }
}

#[derive(Default)]
struct Sums {
    total: Total,
    clause: BTreeMap<String, (Decimal, Decimal)>,
    region: BTreeMap<String, (Decimal, Decimal)>,
    payer: BTreeMap<Payer, (Decimal, Decimal)>,
}

impl Default for Total {
    fn default() -> Self {
        Total {
            key: "奖补资金合计".into(),
            base: Decimal::ZERO,
            proposed: Decimal::ZERO,
        }
    }
}

impl Sums {
    fn add(&mut self, line: Option<&LedgerLine>, side: Option<&Side>, is_base: bool) {
        let (Some(l), Some(s)) = (line, side) else {
            return;
        };
        if !s.payout {
            return;
        }
        let pick = |pair: &mut (Decimal, Decimal), v: Decimal| {
            if is_base {
                pair.0 += v
            } else {
                pair.1 += v
            }
        };
        if is_base {
            self.total.base += s.amount;
        } else {
            self.total.proposed += s.amount;
        }
        pick(
            self.clause
                .entry(format!("{}（{}）", l.clause, l.rule_id))
                .or_default(),
            s.amount,
        );
        pick(self.region.entry(l.region.clone()).or_default(), s.amount);
        for (p, v) in &s.shares {
            pick(self.payer.entry(*p).or_default(), *v);
        }
    }
}

fn flatten<K: KeyText>(m: BTreeMap<K, (Decimal, Decimal)>) -> Vec<Total> {
    m.into_iter()
        .map(|(k, (base, proposed))| Total {
            key: k.text(),
            base,
            proposed,
        })
        .collect()
}

trait KeyText {
    fn text(&self) -> String;
}
impl KeyText for String {
    fn text(&self) -> String {
        self.clone()
    }
}
impl KeyText for Payer {
    fn text(&self) -> String {
        payer_label(*self).to_string()
    }
}

/// Why a line's award changed: the changed parameters of its rule, a cap now binding, a
/// condition now failing, a rule new or removed; else the batch pass (shared caps, budgets).
fn reason_of(c: &LineChange, rule_changes: &[RuleChange]) -> String {
    let (b, p) = match (&c.base, &c.proposed) {
        (None, _) => return "新增规则".into(),
        (_, None) => return "规则已删除".into(),
        (Some(b), Some(p)) => (b, p),
    };
    let mut why = Vec::new();
    if let Some(rc) = rule_changes.iter().find(|r| r.rule_id == c.rule_id) {
        why.extend(
            rc.parameters
                .iter()
                .map(|(aspect, old, new)| format!("{aspect}：{old} → {new}")),
        );
    }
    if b.payout && !p.payout {
        why.push(format!("条件不再满足：{}", p.reason));
    } else if !b.payout && p.payout {
        why.push(format!("条件现已满足（原：{}）", b.reason));
    }
    if p.capped && !b.capped {
        why.push(format!("封顶生效：{}", p.cut));
    }
    if why.is_empty() {
        why.push("批次结算（共享上限或预算）".into());
    }
    why.join("；")
}

/// Every rule that differs between the two sets, by id: new, removed, or changed parameter by
/// parameter (formula, conditions, caps, floor, payer and split, clause).
pub fn rule_changes(base: &Loaded, proposed: &Loaded) -> Vec<RuleChange> {
    let (b, p) = (rules_by_id(&base.policies), rules_by_id(&proposed.policies));
    let ids: BTreeSet<&str> = b.keys().chain(p.keys()).copied().collect();
    let mut out = Vec::new();
    for id in ids {
        match (b.get(id), p.get(id)) {
            (Some(_), None) | (None, Some(_)) => {
                let (kind, (_, rule)) = if let Some(r) = b.get(id) {
                    (ChangeKind::Removed, r)
                } else {
                    (ChangeKind::New, &p[id])
                };
                out.push(RuleChange {
                    rule_id: id.to_string(),
                    clause: rule.clause.clone(),
                    kind,
                    parameters: Vec::new(),
                });
            }
            (Some(old), Some(new)) => {
                let (a, z) = (aspects(base, *old), aspects(proposed, *new));
                let parameters: Vec<_> = a
                    .into_iter()
                    .zip(z)
                    .filter(|(x, y)| x.1 != y.1)
                    .map(|((name, x), (_, y))| (name.to_string(), x, y))
                    .collect();
                if !parameters.is_empty() {
                    out.push(RuleChange {
                        rule_id: id.to_string(),
                        clause: new.1.clause.clone(),
                        kind: ChangeKind::Changed,
                        parameters,
                    });
                }
            }
            (None, None) => {}
        }
    }
    out
}

fn rules_by_id(set: &PolicySet) -> BTreeMap<&str, (&Policy, &Rule)> {
    set.rules().map(|(p, r)| (r.id.as_str(), (p, r))).collect()
}

/// A rule's parameters in words, aspect by aspect.
fn aspects(loaded: &Loaded, (policy, rule): (&Policy, &Rule)) -> Vec<(&'static str, String)> {
    let v = &loaded.vocab;
    let split = match &rule.split {
        None => payer_label(policy.payer).to_string(),
        Some(w) => w
            .iter()
            .map(|(p, x)| format!("{} {}", payer_label(*p), x))
            .collect::<Vec<_>>()
            .join("，"),
    };
    vec![
        ("条款", rule.clause.clone()),
        ("计算公式", describe::formula(v, &rule.formula)),
        ("适用条件", describe::conditions(v, &rule.when)),
        ("封顶", describe::caps(v, rule)),
        (
            "起付标准",
            rule.floor
                .map(crate::domain::money::grouped2)
                .unwrap_or_default(),
        ),
        ("出资方", split),
        (
            "连续支持年限",
            rule.max_years.map(|y| y.to_string()).unwrap_or_default(),
        ),
    ]
}

/// The totals and differences as JSON (`--json`), amounts as exact 2-decimal strings.
pub fn summary_json(c: &Comparison) -> serde_json::Value {
    let t = |x: &Total| serde_json::json!({ "key": x.key, "base": fixed(x.base), "proposed": fixed(x.proposed), "difference": fixed(x.difference()) });
    serde_json::json!({
        "total": t(&c.total),
        "budget": c.budget.map(fixed),
        "over_budget": c.budget.map(|b| fixed(c.total.proposed - b)),
        "by_clause": c.by_clause.iter().map(t).collect::<Vec<_>>(),
        "by_region": c.by_region.iter().map(t).collect::<Vec<_>>(),
        "by_payer": c.by_payer.iter().map(t).collect::<Vec<_>>(),
        "rule_changes": c.rule_changes,
        "changed_lines": c.changes.len(),
    })
}

fn fixed(d: Decimal) -> String {
    crate::domain::money::fixed2(d)
}
