//! What-if (政策测算): the same batch under two policy versions, base (现行) and proposed (拟议).
//! This module owns the comparison: the lines of both runs joined on (申报编号, rule), the
//! totals by clause, region (旗县区) and payer (出资方), the rule-by-rule policy changes
//! (政策变化), the applications whose award changes (企业变化) with the reason, and the
//! `compare.xlsx` / `compare.csv` it writes. Awards are payouts and 待审核 lines as if approved.
//!
//! The inputs are read and normalised once (one read, one set of exceptions), keeping the rows
//! whose rule either version has; each version then computes the rows of its own rules. The two
//! sets of lines are polars DataFrames (`frame`), joined and grouped there; differences are
//! `rust_decimal` subtractions and nothing is rounded after the lines' own rounding (D7).

mod frame;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::engine::batch::payer_label;
use crate::engine::StepKind;
use crate::ledger::LedgerLine;
use crate::normalise::Exception;
use crate::pipeline::{self, Loaded, ReadInputs, RunError};
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
    /// The inputs' unreadable cells and rows (数据错误), each once: the inputs are read once.
    pub exceptions: Vec<Exception>,
}

/// Everything that stops a comparison before any output is written (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("internal error in the compare frames ({stage}): {message}; please report this")]
    Frame {
        stage: &'static str,
        message: String,
    },
    #[error("internal error: {column} of application {application_id} is {value}, not whole 分; please report this")]
    NotCents {
        column: String,
        value: String,
        application_id: String,
    },
}

/// Loads both policy sets (base: the shipped ones when empty), reads and normalises the inputs
/// once, computes them under each set and compares.
pub fn compare(
    config: &crate::domain::config::Config,
    base: &[PathBuf],
    proposed: &[PathBuf],
    history: &[PathBuf],
    inputs: &[PathBuf],
    budget: Option<Decimal>,
) -> Result<Comparison, CompareError> {
    let base_set = pipeline::load(config, base)?;
    let proposed_set = pipeline::load(config, proposed)?;
    // A row is read when either version has its rule: a rule only one version has is new or
    // removed, not an unknown rule. Both sets load the vocabulary of `config`, so the rows typed
    // with the base's serve the proposed set too.
    let known =
        |id: &str| base_set.policies.rule(id).is_some() || proposed_set.policies.rule(id).is_some();
    let mut read = pipeline::read_once(&base_set.vocab, &known, inputs)?;
    let base_lines = lines_of(&base_set, &read, history)?;
    let proposed_lines = lines_of(&proposed_set, &read, history)?;
    let rule_changes = rule_changes(&base_set, &proposed_set);
    let order = rule_order(&base_set.policies, &proposed_set.policies);
    let mut c = compare_lines(&base_lines, &proposed_lines, rule_changes, budget, &order)?;
    c.exceptions = std::mem::take(&mut read.applications.exceptions);
    Ok(c)
}

/// The rules in the order of the policy texts, as a clerk reads them (not 七、 before 三、 as
/// sorted text would put them): the proposed set's, each rule only the base has placed after
/// the base rule before it.
fn rule_order<'a>(base: &'a PolicySet, proposed: &'a PolicySet) -> Vec<&'a str> {
    let mut order: Vec<&str> = proposed.rules().map(|(_, r)| r.id.as_str()).collect();
    let mut before: Option<&str> = None;
    for (_, r) in base.rules() {
        let id = r.id.as_str();
        if !order.contains(&id) {
            let at = before
                .and_then(|b| order.iter().position(|x| *x == b))
                .map_or(0, |k| k + 1);
            order.insert(at, id);
        }
        before = Some(id);
    }
    order
}

/// The lines of the rows whose rule `loaded` has, computed under it.
fn lines_of(
    loaded: &Loaded,
    read: &ReadInputs,
    history: &[PathBuf],
) -> Result<Vec<LedgerLine>, RunError> {
    let rule_field = loaded
        .vocab
        .id("rule_id")
        .unwrap_or(crate::domain::fields::FieldId::MAX);
    let rows = &read.applications.rows;
    let applications = read
        .applications
        .select(|i| loaded.policies.rule(rows.str(i, rule_field)).is_some());
    Ok(pipeline::compute_read_once(loaded, &read.batch, applications, history)?.lines())
}

fn side_of(l: &LedgerLine) -> Side {
    let payout = frame::counts(l);
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

/// Joins the two runs' lines on (申报编号, rule) and totals them by clause (in `rule_order`,
/// rule ids), region and payer, as DataFrames.
pub fn compare_lines(
    base: &[LedgerLine],
    proposed: &[LedgerLine],
    rule_changes: Vec<RuleChange>,
    budget: Option<Decimal>,
    rule_order: &[&str],
) -> Result<Comparison, CompareError> {
    let (b, p) = (frame::lines_frame(base)?, frame::lines_frame(proposed)?);
    let mut changes = Vec::new();
    for (bi, pi) in frame::join_lines(&b, &p)? {
        let (bl, pl) = (
            bi.and_then(|i| base.get(i as usize)),
            pi.and_then(|i| proposed.get(i as usize)),
        );
        let Some(any) = pl.or(bl) else { continue };
        let mut change = LineChange {
            application_id: any.application_id.clone(),
            rule_id: any.rule_id.clone(),
            credit_code: any.credit_code.clone(),
            enterprise_name: any.enterprise_name.clone(),
            region: any.region.clone(),
            clause: any.clause.clone(),
            base: bl.map(side_of),
            proposed: pl.map(side_of),
            reason: String::new(),
        };
        if change.difference().is_zero() {
            continue;
        }
        change.reason = reason_of(&change, &rule_changes);
        changes.push(change);
    }
    // Largest change first; ties in ledger order, so the order never depends on the join's.
    changes.sort_by(|a, b| {
        b.difference()
            .abs()
            .cmp(&a.difference().abs())
            .then_with(|| (&a.application_id, &a.rule_id).cmp(&(&b.application_id, &b.rule_id)))
    });
    let by_clause = clause_totals(
        frame::totals_by(&b, &p, "rule_id", "award")?,
        proposed.iter().chain(base),
        rule_order,
    );
    let by_region = totals::<String>(frame::totals_by(&b, &p, "region", "award")?);
    let (bs, ps) = (frame::shares_frame(base)?, frame::shares_frame(proposed)?);
    let by_payer = totals::<Payer>(frame::totals_by(&bs, &ps, "payer", "share")?);
    let total = Total {
        key: "奖补资金合计".into(),
        base: by_clause.iter().map(|t| t.base).sum(),
        proposed: by_clause.iter().map(|t| t.proposed).sum(),
    };
    Ok(Comparison {
        total,
        by_clause,
        by_region,
        by_payer,
        rule_changes,
        changes,
        budget,
        exceptions: Vec::new(),
    })
}

/// Sums by rule as 按条款 totals keyed `条款（rule-id）` (the clause as the proposed version
/// words it), in `rule_order`, without the rules neither side pays anything under.
fn clause_totals<'a>(
    sums: Vec<(String, Decimal, Decimal)>,
    lines: impl Iterator<Item = &'a LedgerLine>,
    rule_order: &[&str],
) -> Vec<Total> {
    let mut clause: BTreeMap<&str, &str> = BTreeMap::new();
    for l in lines {
        clause.entry(&l.rule_id).or_insert(&l.clause);
    }
    let place = |rule: &str| rule_order.iter().position(|r| *r == rule);
    let mut sums: Vec<_> = sums
        .into_iter()
        .filter(|(_, b, p)| !(b.is_zero() && p.is_zero()))
        .collect();
    // A rule of neither set cannot have lines; were it so, it would come last, by id.
    sums.sort_by(|x, y| {
        let (px, py) = (place(&x.0), place(&y.0));
        px.is_none()
            .cmp(&py.is_none())
            .then(px.cmp(&py))
            .then_with(|| x.0.cmp(&y.0))
    });
    sums.into_iter()
        .map(|(rule, base, proposed)| Total {
            key: format!("{}（{rule}）", clause.get(rule.as_str()).unwrap_or(&"")),
            base,
            proposed,
        })
        .collect()
}

/// Group sums as [`Total`]s in key order (the join's order is not deterministic), without
/// the keys neither side pays anything under.
fn totals<K: Ord + KeyText>(sums: Vec<(K, Decimal, Decimal)>) -> Vec<Total> {
    let mut sums: Vec<_> = sums
        .into_iter()
        .filter(|(_, b, p)| !(b.is_zero() && p.is_zero()))
        .collect();
    sums.sort_by(|x, y| x.0.cmp(&y.0));
    sums.into_iter()
        .map(|(k, base, proposed)| Total {
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
            rule.max_years.map(|y| y.years_shown()).unwrap_or_default(),
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
        "exceptions": c.exceptions.iter().map(|e| serde_json::json!({
            "file": e.file, "sheet": e.sheet, "cell": e.cell,
            "application_id": e.application_id, "value": e.value, "reason": e.reason,
        })).collect::<Vec<_>>(),
    })
}

fn fixed(d: Decimal) -> String {
    crate::domain::money::fixed2(d)
}
