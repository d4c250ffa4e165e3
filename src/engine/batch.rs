//! The batch pass (批量处理): what one line cannot know alone. Caps shared by several rules
//! per enterprise per year (D4) are applied in application-id order, then every line is
//! rounded once (D7), held to its minimum payout (D12) and split between payers (D14) by the
//! largest-remainder method so the shares add up to the line exactly.
//!
//! Count limits (限项, [`limits`]) come before the caps they could free room in: the awards of
//! a project are counted, then its caps applied, then its projects counted per enterprise,
//! then the enterprise's caps, so a refused award or project takes no cap's room.
//!
//! 待审核 lines (a review still open) are settled apart: the reviewed lines alone first, then
//! the whole batch as if every pending line were approved, for the pending figures. Why, in
//! [`super::review`].

use rust_decimal::Decimal;

use super::{Evaluation, Result, StepKind, Trace};
use crate::domain::money::{grouped2, round_yuan};
use crate::rules::{Allocation, Budget, Outcome, Payer, Rule};

/// What a ledger line is.
#[derive(Debug, Clone, PartialEq)]
pub enum LineKind {
    /// 奖补资金, in the payout totals.
    Payout,
    /// A figure that is not paid (减免税额测算 …), with its unit.
    Measure { label: String, unit: String },
    /// 资格认定, with the clause's words for yes and no when it has them.
    Verdict {
        label: String,
        value: bool,
        words: Option<String>,
    },
    /// A category or a date.
    Text { label: String, value: String },
    /// 不予支持.
    Ineligible {
        reason: String,
        shown: Option<String>,
    },
    /// 不予受理: a row value outside the clause's range (D5).
    Rejected { reason: String },
    /// 待审核: a payout line whose review is open. Its amount and shares are what it would
    /// get if approved; it is in no payout total. The reason is shared by every line held
    /// back for the same flags.
    Pending { reason: std::sync::Arc<str> },
    /// 应退: a settlement below what the project was already paid (多退少补), where the rule
    /// settles. Its amount and shares are negative: money owed back, in its own total.
    Refund,
}

/// A line ready for the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub kind: LineKind,
    /// Rounded to 分; 0 for verdicts and refusals.
    pub amount: Decimal,
    /// Funding shares, summing to `amount` exactly.
    pub shares: Vec<(Payer, Decimal)>,
    pub trace: Trace,
    /// 多个收款方: one line per payee, summing to `amount` (empty: the applicant takes it all).
    pub payees: Vec<super::payment::PayeeLine>,
}

impl Line {
    /// 奖补资金, counted in the payout totals.
    pub fn is_payout(&self) -> bool {
        matches!(self.kind, LineKind::Payout)
    }

    /// 应退: money owed back (negative).
    pub fn is_refund(&self) -> bool {
        matches!(self.kind, LineKind::Refund)
    }

    /// Money that changes hands: a payout (应付) or a refund (应退); the ledger shows its
    /// amount and shares.
    pub fn is_money(&self) -> bool {
        self.is_payout() || self.is_refund()
    }

    /// 待审核: computed in full, not paid.
    pub fn is_pending(&self) -> bool {
        matches!(self.kind, LineKind::Pending { .. })
    }

    /// 不予支持 / 不予受理.
    pub fn is_refused(&self) -> bool {
        matches!(
            self.kind,
            LineKind::Ineligible { .. } | LineKind::Rejected { .. }
        )
    }

    /// Ends the trace: why a pending line is held back, the split between payers (when there
    /// are several) and the result of an amount line.
    pub fn close(&mut self) {
        if !matches!(
            self.kind,
            LineKind::Payout
                | LineKind::Measure { .. }
                | LineKind::Pending { .. }
                | LineKind::Refund
        ) {
            return;
        }
        // Said when shown, not held per line: the reason is in the kind.
        if let LineKind::Pending { reason } = &self.kind {
            self.trace.push(StepKind::Review, &format!("待审核 {reason}：按审核通过测算（与本批其他待审核申报一并视为通过），审核通过前不予发放"));
        }
        if self.shares.len() > 1 {
            let text = self
                .shares
                .iter()
                .map(|(p, v)| format!("{} {}", payer_label(*p), grouped2(*v)))
                .collect::<Vec<_>>()
                .join("，");
            self.trace
                .push(StepKind::Split, &format!("分担 {text}（D14，最大余额法）"));
        }
        match self.kind {
            LineKind::Pending { .. } => self.trace.push(
                StepKind::Result,
                &format!(
                    "结果 待审核预计 {}（审核通过前不予发放，不计入奖补资金合计）",
                    grouped2(self.amount)
                ),
            ),
            LineKind::Refund => self.trace.push(
                StepKind::Result,
                &format!(
                    "结果 应退 {}（退回款，计入应退合计）",
                    grouped2(self.amount)
                ),
            ),
            _ => self
                .trace
                .push(StepKind::Result, &format!("结果 {}", grouped2(self.amount))),
        }
    }

    /// What one payer funds of the line.
    pub fn share(&self, payer: Payer) -> Decimal {
        self.shares
            .iter()
            .filter(|(p, _)| *p == payer)
            .map(|(_, v)| *v)
            .sum()
    }

    /// The line's result as the catalogue writes it: an amount with 2 decimals, `true` /
    /// `false`, or `rejected`.
    pub fn result_text(&self) -> String {
        match &self.kind {
            LineKind::Verdict { words: Some(w), .. } => w.clone(),
            LineKind::Verdict { value, .. } => value.to_string(),
            LineKind::Text { value, .. } => value.clone(),
            LineKind::Rejected { .. } => "rejected".into(),
            LineKind::Ineligible { shown: Some(s), .. } => s.clone(),
            _ => crate::domain::money::fixed2(self.amount),
        }
    }
}

/// One evaluated line with what the batch pass needs to know about its application.
pub struct Pending<'a> {
    pub rule: &'a Rule,
    /// The policy's own payer, for lines without a split.
    pub payer: Payer,
    pub evaluation: Evaluation,
    pub credit_code: &'a str,
    pub year: &'a str,
    /// 项目编号 ("" when the row has none: the row is its own project).
    pub project: &'a str,
    /// Sort key inside a shared cap: application id, then rule id.
    pub order: (&'a str, &'a str),
    /// Already paid this year inside each of the line's shared caps (from the payout history).
    pub prior_shared: &'a SharedPaid,
    /// The programme budget or pool the rule draws on (D11).
    pub budget: Option<&'a Budget>,
}

/// What the payout history already paid an enterprise in one application year inside each
/// shared cap group (D4), by group. Each group is charged only its own rules' lines, so a rule
/// in two groups is never charged one group's payouts against the other's cap; refunds
/// (negative lines) are not netted, as a negative line never widens a cap's room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedPaid {
    groups: Vec<(String, Decimal)>,
    /// Paid inside a project-scope group, by (group, 项目编号).
    projects: Vec<(String, String, Decimal)>,
    /// What count limits already counted (限项): (group, 项目编号 for a per-project limit or
    /// "", the project or rule counted).
    counted: Vec<(String, String, String)>,
}

/// Nothing paid in any group.
pub static NOTHING_SHARED: SharedPaid = SharedPaid {
    groups: Vec::new(),
    projects: Vec::new(),
    counted: Vec::new(),
};

impl SharedPaid {
    /// Adds a paid line to a group; a refund (a negative line) does not count.
    pub fn add(&mut self, group: &str, paid: Decimal) {
        let paid = paid.max(Decimal::ZERO);
        match self.groups.iter_mut().find(|(g, _)| g == group) {
            Some((_, v)) => *v += paid,
            None => self.groups.push((group.to_string(), paid)),
        }
    }

    /// Already paid inside `group` (0 when the history has nothing there).
    pub fn in_group(&self, group: &str) -> Decimal {
        self.groups
            .iter()
            .find(|(g, _)| g == group)
            .map_or(Decimal::ZERO, |(_, v)| *v)
    }

    /// Adds a paid line of project `project` to a project-scope group; a refund does not count.
    pub fn add_project(&mut self, group: &str, project: &str, paid: Decimal) {
        let paid = paid.max(Decimal::ZERO);
        match self
            .projects
            .iter_mut()
            .find(|(g, p, _)| g == group && p == project)
        {
            Some((_, _, v)) => *v += paid,
            None => self
                .projects
                .push((group.to_string(), project.to_string(), paid)),
        }
    }

    /// Already paid to project `project` inside a project-scope group.
    pub fn in_project(&self, group: &str, project: &str) -> Decimal {
        self.projects
            .iter()
            .find(|(g, p, _)| g == group && p == project)
            .map_or(Decimal::ZERO, |(_, _, v)| *v)
    }

    /// Records a project (or, `within` a project, a rule) a count limit already counted.
    pub fn add_counted(&mut self, group: &str, within: &str, item: &str) {
        let entry = (group.to_string(), within.to_string(), item.to_string());
        if !self.counted.contains(&entry) {
            self.counted.push(entry);
        }
    }

    /// What the count limit of `group` already counted `within` ("" for an enterprise).
    pub fn counted<'s>(&'s self, group: &'s str, within: &'s str) -> impl Iterator<Item = &'s str> {
        self.counted
            .iter()
            .filter(move |(g, w, _)| g == group && w == within)
            .map(|(_, _, item)| item.as_str())
    }
}

/// A project as the batch pass knows it: its 项目编号, or a row without one (its own project).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProjectKey<'a> {
    Numbered(&'a str),
    /// (申报编号, rule id) of the row.
    Row(&'a str, &'a str),
}

impl<'a> Pending<'a> {
    /// The line's project (rows of one enterprise with the same 项目编号 are one project).
    pub fn project_key(&self) -> ProjectKey<'a> {
        match self.project {
            "" => ProjectKey::Row(self.order.0, self.order.1),
            number => ProjectKey::Numbered(number),
        }
    }
}

/// Which rooms a pass settles: a project's (its own rows only), or an enterprise's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Project,
    Enterprise,
}

/// Applies shared caps, exclusive groups, rounding, floors, budgets and splits, in that
/// order. Lines keep their input positions; each trace ends with the split and the result.
pub fn settle(pending: Vec<Pending<'_>>) -> Vec<Line> {
    let mut lines = settle_open(pending);
    for line in &mut lines {
        line.close();
    }
    lines
}

/// [`settle`] with each trace left open: the split and result steps, which say nothing the
/// amount and shares do not, are added by [`Line::close`] when the line is shown. A run holds
/// a million settled lines; their closing steps are not worth holding.
pub fn settle_open(pending: Vec<Pending<'_>>) -> Vec<Line> {
    // The reviewed lines alone: a pending line takes nothing from them.
    let reviewed = pending.iter().map(|p| match p.evaluation.result {
        Result::Amount(a) => Some(a),
        _ => None,
    });
    let (mut amounts, mut extra, refused) = settle_amounts(&pending, reviewed.collect());
    if pending
        .iter()
        .any(|p| matches!(p.evaluation.result, Result::AwaitingReview { .. }))
    {
        settle_awaiting(&pending, &mut amounts, &mut extra, &refused);
    }
    pending
        .into_iter()
        .zip(amounts)
        .zip(extra)
        .zip(refused)
        .map(|(((p, amount), extra), refused)| finish(p, amount, extra, refused))
        .collect()
}

/// Count limits, shared caps, exclusive groups, rounding, floors and budgets over the lines
/// with an amount; with each line the reason it was refused, if a count limit refused it.
fn settle_amounts(
    pending: &[Pending<'_>],
    amounts: Vec<Option<Decimal>>,
) -> (Vec<Option<Decimal>>, Vec<Trace>, Vec<Option<String>>) {
    // A settlement deducts what an advance of the batch actually paid: see `Netting`.
    let netting = super::payment::Netting::of(pending);
    if netting.is_empty() {
        return settle_pass(pending, amounts, &netting);
    }
    let (mut out, unsure) = netting.settled(
        pending,
        |n| settle_pass(pending, amounts.clone(), n),
        |out| &out.0,
    );
    for i in unsure {
        out.0[i] = None;
        out.2[i] = Some(UNSURE_SETTLEMENT.to_string());
        out.1[i].push(StepKind::Condition, UNSURE_SETTLEMENT);
    }
    out
}

/// Why a settlement is refused when it and its project's advances in the same batch decide
/// each other (a count limit keeps one or the other): no amount is certain, so none is paid or
/// claimed back.
const UNSURE_SETTLEMENT: &str = "清算额不能确定：本批的预拨与清算互相影响（限项按拨付结果计），请先计算预拨，再以其拨付结果为历史计算清算";

/// One batch pass of [`settle_amounts`], each settlement deducting the advances as `netting`
/// says they paid.
fn settle_pass(
    pending: &[Pending<'_>],
    mut amounts: Vec<Option<Decimal>>,
    netting: &super::payment::Netting,
) -> (Vec<Option<Decimal>>, Vec<Trace>, Vec<Option<String>>) {
    let mut extra: Vec<Trace> = vec![Trace::default(); pending.len()];
    let mut refused: Vec<Option<String>> = vec![None; pending.len()];
    super::payment::apply_settlements(pending, &mut amounts, &mut extra, netting);
    for stage in [Stage::Project, Stage::Enterprise] {
        limits::apply_count_limits(pending, &mut amounts, &mut extra, &mut refused, stage);
        apply_shared_caps(pending, &mut amounts, &mut extra, stage, netting);
    }
    apply_exclusive(pending, &mut amounts, &mut extra);
    round_and_floor(pending, &mut amounts, &mut extra);
    apply_budgets(pending, &mut amounts, &mut extra);
    (amounts, extra, refused)
}

/// 待审核 lines take their figures from the batch settled as if every one of them were
/// approved; a reviewed line whose figure that would change says so (it keeps its own).
/// Only lines a pending line can touch are settled again: those of its enterprise and year
/// (shared caps, 就高) and of its budget and year; any other line settles the same either way.
fn settle_awaiting(
    pending: &[Pending<'_>],
    amounts: &mut [Option<Decimal>],
    extra: &mut [Trace],
    refused: &[Option<String>],
) {
    let held = || {
        pending
            .iter()
            .filter(|p| matches!(p.evaluation.result, Result::AwaitingReview { .. }))
    };
    let enterprises: std::collections::HashSet<(&str, &str)> =
        held().map(|p| (p.credit_code, p.year)).collect();
    let pools: std::collections::HashSet<(&str, &str)> = held()
        .filter_map(|p| p.budget.map(|b| (b.id.as_str(), p.year)))
        .collect();
    let touched = |p: &Pending<'_>| {
        enterprises.contains(&(p.credit_code, p.year))
            || p.budget
                .is_some_and(|b| pools.contains(&(b.id.as_str(), p.year)))
    };
    let approved = pending.iter().map(|p| match p.evaluation.result {
        Result::AwaitingReview { amount, .. } => Some(amount),
        Result::Amount(a) if touched(p) => Some(a),
        _ => None,
    });
    let (as_approved, mut steps, refused_then) = settle_amounts(pending, approved.collect());
    for (i, p) in pending.iter().enumerate() {
        if let Result::AwaitingReview { .. } = &p.evaluation.result {
            extra[i] = std::mem::take(&mut steps[i]);
            amounts[i] = as_approved[i];
        } else if let (Some(now), Some(then)) = (amounts[i], as_approved[i]) {
            if now != then {
                extra[i].push(StepKind::Review, &format!("待审核影响 本批待审核的申报若审核通过，本条将为 {}（共享上限、就高或资金池）；应付按已审核的申报计", grouped2(then)));
            }
        } else if let (None, Some(why)) = (&refused[i], &refused_then[i]) {
            extra[i].push(StepKind::Review, &format!("待审核影响 本批待审核的申报若审核通过，本条将不予支持（{why}）；应付按已审核的申报计"));
        }
    }
}

/// Payout lines grouped by a key, each group's members in (application id, rule id) order;
/// groups in key order, so every pass falls the same way on every run.
fn groups_of<'p, K: Ord + Copy>(
    pending: &'p [Pending<'_>],
    amounts: &[Option<Decimal>],
    key: impl Fn(&'p Pending<'_>) -> Option<K>,
) -> Vec<(K, Vec<usize>)> {
    let mut groups: std::collections::BTreeMap<K, Vec<usize>> = std::collections::BTreeMap::new();
    for (i, p) in pending.iter().enumerate() {
        if amounts[i].is_none() || !matches!(p.rule.outcome, Outcome::Payout) {
            continue;
        }
        if let Some(k) = key(p) {
            groups.entry(k).or_default().push(i);
        }
    }
    groups
        .into_iter()
        .map(|(k, mut members)| {
            members.sort_by_key(|&i| pending[i].order);
            (k, members)
        })
        .collect()
}

/// D9 就高: of the rules rewarding the same achievement (an exclusive group), an enterprise is
/// paid only the highest line of the year; the others become 0 with the reason.
fn apply_exclusive(pending: &[Pending<'_>], amounts: &mut [Option<Decimal>], extra: &mut [Trace]) {
    let groups = groups_of(pending, amounts, |p| {
        p.rule
            .exclusive
            .as_deref()
            .map(|g| (p.credit_code, p.year, g))
    });
    for ((_, year, group), members) in groups {
        if members.len() < 2 {
            continue;
        }
        // The first of the highest (in application order) is kept.
        let best =
            members.iter().copied().fold(
                members[0],
                |b, i| if amounts[i] > amounts[b] { i } else { b },
            );
        for i in members {
            if i != best {
                let kept = &pending[best];
                extra[i].push_cut(StepKind::Stacking, &format!(
                    "就高 同一事项（互斥组 {group}）{year} 年度已按 {} {} 计 {}，本条不再支付（D9）",
                    kept.order.0,
                    kept.rule.id,
                    grouped2(amounts[best].unwrap_or_default())
                ));
                amounts[i] = Some(Decimal::ZERO);
            }
        }
    }
}

/// D7 rounds every line once, after its caps; D12 then zeroes a line under its floor.
fn round_and_floor(pending: &[Pending<'_>], amounts: &mut [Option<Decimal>], extra: &mut [Trace]) {
    for (i, p) in pending.iter().enumerate() {
        let Some(raw) = amounts[i] else { continue };
        let mut rounded = round_yuan(raw);
        if rounded != raw {
            extra[i].push(
                StepKind::Rounding,
                &format!("取整 四舍五入到分（D7）：{raw} → {}", grouped2(rounded)),
            );
        }
        if let Some(floor) = p.rule.floor {
            // A refund (a negative line) is money owed back, not an award held to a minimum.
            if rounded > Decimal::ZERO && rounded < floor {
                extra[i].push_cut(
                    StepKind::Floor,
                    &format!(
                        "起付 {} 少于 {}，不予补助（D12）",
                        grouped2(rounded),
                        grouped2(floor)
                    ),
                );
                rounded = Decimal::ZERO;
            }
        }
        amounts[i] = Some(rounded);
    }
}

/// D11: a budget smaller than its eligible awards scales them pro rata; an equal-split pool
/// gives every eligible line the same share. Either way cents are placed by the largest
/// remainder (ties to the lowest application id) so the lines sum to the budget exactly.
fn apply_budgets(pending: &[Pending<'_>], amounts: &mut [Option<Decimal>], extra: &mut [Trace]) {
    let groups = groups_of(pending, amounts, |p| {
        p.budget.map(|b| (b.id.as_str(), p.year))
    });
    for ((_, year), members) in groups {
        let Some(budget) = pending[members[0]].budget else {
            continue;
        };
        let claims: Vec<Decimal> = members
            .iter()
            .map(|&i| amounts[i].unwrap_or_default())
            .collect();
        let total: Decimal = claims.iter().sum();
        let weights: Vec<Decimal> = match budget.method {
            Allocation::ProRata if total <= budget.amount => continue,
            Allocation::ProRata => claims.clone(),
            Allocation::Equal => vec![Decimal::ONE; members.len()],
        };
        let shares = largest_remainder(budget.amount, &weights);
        let words = budget.words.as_deref().unwrap_or("资金池");
        for ((&i, share), claim) in members.iter().zip(shares).zip(&claims) {
            let how = match budget.method {
                Allocation::ProRata => format!(
                    "按比例核减 {words} {year} 年度预算 {}，申请合计 {}：{} × {} ÷ {} → {}（D11）",
                    grouped2(budget.amount),
                    grouped2(total),
                    grouped2(*claim),
                    grouped2(budget.amount),
                    grouped2(total),
                    grouped2(share)
                ),
                Allocation::Equal => format!(
                    "均分 {words} {year} 年度 {} ÷ {} 户 → {}（D11，余分按申报编号顺序）",
                    grouped2(budget.amount),
                    members.len(),
                    grouped2(share)
                ),
            };
            match share == *claim {
                true => extra[i].push(StepKind::Budget, &how),
                false => extra[i].push_cut(StepKind::Budget, &how),
            }
            amounts[i] = Some(share);
        }
    }
}

/// Splits `total` (whole cents) in proportion to `weights`; leftover cents go one each to the
/// largest remainders, ties to the earlier position.
pub fn largest_remainder(total: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    let sum: Decimal = weights.iter().sum();
    if weights.is_empty() || sum.is_zero() {
        return vec![Decimal::ZERO; weights.len()];
    }
    let cents = (total * Decimal::ONE_HUNDRED).trunc();
    let mut parts: Vec<(Decimal, Decimal)> = weights
        .iter()
        .map(|w| {
            let exact = cents * *w / sum;
            (exact.floor(), exact - exact.floor())
        })
        .collect();
    let mut left = cents - parts.iter().map(|(c, _)| *c).sum::<Decimal>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].1.cmp(&parts[a].1).then(a.cmp(&b)));
    for i in order {
        if left <= Decimal::ZERO {
            break;
        }
        parts[i].0 += Decimal::ONE;
        left -= Decimal::ONE;
    }
    parts
        .into_iter()
        .map(|(c, _)| c / Decimal::ONE_HUNDRED)
        .collect()
}

fn finish(p: Pending<'_>, amount: Option<Decimal>, extra: Trace, refused: Option<String>) -> Line {
    let Evaluation {
        result,
        trace: mut evaluated,
        split: weights,
        payment,
        ..
    } = p.evaluation;
    // An untraced first pass leaves the evaluation's trace empty: the batch steps are the trace.
    let trace = if evaluated.is_empty() {
        extra
    } else {
        evaluated.append(&extra);
        evaluated
    };
    if let (Some(reason), Result::Amount(_)) = (refused, &result) {
        // 限项: the line is refused whole; its step is already in the trace.
        return Line {
            kind: LineKind::Ineligible {
                reason,
                shown: None,
            },
            amount: Decimal::ZERO,
            shares: Vec::new(),
            trace,
            payees: Vec::new(),
        };
    }
    // The evaluation is the line's own: its texts move into the line; only the rule's labels
    // are copied.
    let kind = match (result, &p.rule.outcome) {
        (Result::Verdict(v), Outcome::Verdict { label, yes, no }) => LineKind::Verdict {
            label: label.clone(),
            value: v,
            words: if v { yes.clone() } else { no.clone() },
        },
        (Result::Verdict(v), _) => LineKind::Verdict {
            label: "资格认定".into(),
            value: v,
            words: None,
        },
        (Result::Text(value), Outcome::Text { label }) => LineKind::Text {
            label: label.clone(),
            value,
        },
        (Result::Text(value), _) => LineKind::Text {
            label: "认定".into(),
            value,
        },
        (Result::Ineligible(reason), Outcome::Measure { refused, .. }) => LineKind::Ineligible {
            reason,
            shown: refused.clone(),
        },
        (Result::Ineligible(reason), _) => LineKind::Ineligible {
            reason,
            shown: None,
        },
        (Result::Rejected(reason), _) => LineKind::Rejected { reason },
        (Result::AwaitingReview { reason, .. }, _) => LineKind::Pending { reason },
        (Result::Amount(_), Outcome::Measure { label, unit, .. }) => LineKind::Measure {
            label: label.clone(),
            unit: unit.clone(),
        },
        (Result::Amount(_), _) => LineKind::Payout,
    };
    let Some(rounded) = amount else {
        return Line {
            kind,
            amount: Decimal::ZERO,
            shares: Vec::new(),
            trace,
            payees: Vec::new(),
        };
    };
    // A settlement below what was paid, where the rule settles (多退少补), is money owed back.
    let kind = match kind {
        LineKind::Payout if rounded < Decimal::ZERO => LineKind::Refund,
        kind => kind,
    };
    let shares = match kind {
        LineKind::Payout | LineKind::Pending { .. } | LineKind::Refund => {
            split(rounded, weights.as_deref(), p.payer)
        }
        _ => Vec::new(),
    };
    let mut line = Line {
        kind,
        amount: rounded,
        shares,
        trace,
        payees: Vec::new(),
    };
    if let Some(partner) = &payment.partner {
        line.payees = super::payment::payee_lines(&line, partner, weights.as_deref(), p.payer);
    }
    line
}

/// Chinese name of a payer, as shown in the ledger.
pub fn payer_label(p: Payer) -> &'static str {
    p.label()
}

/// Splits a rounded amount by weights into 分 with the largest-remainder method (D7, D14);
/// ties go to the payer listed first. Without weights the policy's payer takes it all.
pub fn split(
    amount: Decimal,
    weights: Option<&[(Payer, Decimal)]>,
    payer: Payer,
) -> Vec<(Payer, Decimal)> {
    let weights = match weights {
        Some(w) if !w.is_empty() => w,
        _ => return vec![(payer, amount)],
    };
    let total: Decimal = weights.iter().map(|(_, w)| *w).sum();
    if total.is_zero() {
        return vec![(payer, amount)];
    }
    let w: Vec<Decimal> = weights.iter().map(|(_, w)| *w).collect();
    weights
        .iter()
        .map(|(p, _)| *p)
        .zip(largest_remainder(amount, &w))
        .collect()
}

mod caps;
mod limits;
use caps::apply_shared_caps;

#[cfg(test)]
#[path = "batch/tests.rs"]
mod tests;
