//! How a line's award is paid (see [`crate::rules::payment`]): in instalments (预拨/清算,
//! 多退少补) and to several payees (合同能源管理). The evaluator reads the stage, the project
//! and the second payee from the row; the batch pass nets a settlement against the advances of
//! the same project in the batch, and cuts a settled line into one line per payee.

use rust_decimal::Decimal;

use super::batch::{largest_remainder, split, Line, LineKind, Pending};
use super::{Eval, Evaluator, Result, StepKind, Stop, Trace};
use crate::domain::money::{grouped2, plain, round_yuan};
use crate::domain::value::Value;
use crate::rules::payment::{PartnerShare, Stage};
use crate::rules::Rule;

/// What the row says about how its award is paid, for the batch pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinePayment {
    /// The second payee (合同能源管理), when the rule has `payees`.
    pub partner: Option<Partner>,
    /// The stage and project, when the rule pays an advance and settles.
    pub instalment: Option<Instalment>,
}

/// The second payee of a line's award.
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub credit_code: String,
    pub name: String,
    /// Its share of the award, as a fraction (0.5).
    pub share: Decimal,
}

/// A line of a rule paid in instalments: its stage and project (项目编号).
#[derive(Debug, Clone, PartialEq)]
pub struct Instalment {
    pub stage: Stage,
    pub project: String,
    /// 多退少补: the settlement may come out negative (应退).
    pub settles: bool,
}

/// One payee's part of a line (多个收款方): its own credit code and name, and its own line
/// (amount, funding shares, the step that made it).
#[derive(Debug, Clone, PartialEq)]
pub struct PayeeLine {
    /// `None` for the applicant (the row's own credit code and name).
    pub payee: Option<(String, String)>,
    pub line: Line,
}

impl Evaluator<'_> {
    /// The rule's instalment (the advance share, or the settlement less what the history
    /// already paid the project) and its second payee, after every cap of the line.
    pub(super) fn payment(&mut self, rule: &Rule, amount: Decimal) -> Eval<Decimal> {
        let mut amount = amount;
        if let Some(advance) = &rule.advance {
            let stage_f = self.field("payment_stage")?;
            let project_f = self.field("project_id")?;
            let stage = match self.row.get(stage_f) {
                None => return Err(Stop::Missing(stage_f)),
                Some(v) => Stage::parse(&v.as_text()).ok_or_else(|| {
                    Stop::Rejected(format!(
                        "{} “{}” 不是 预拨 或 清算",
                        self.label(stage_f),
                        v.as_text()
                    ))
                })?,
            };
            let project = match self.row.get(project_f).map(Value::as_text) {
                Some(p) if !p.trim().is_empty() => p.trim().to_string(),
                _ => return Err(Stop::Missing(project_f)),
            };
            let words = advance.words.as_deref().unwrap_or("预拨与清算");
            amount = match stage {
                Stage::Advance => {
                    let paid = amount * advance.share;
                    self.note(StepKind::Combination, format!(
                        "预拨 {words}：项目 {project} 按估算核定 {} × 预拨比例 {}% = {}（清算时据实{}）",
                        grouped2(amount),
                        plain(advance.share * Decimal::ONE_HUNDRED),
                        grouped2(paid),
                        if advance.settles { "多退少补" } else { "补足" }
                    ));
                    paid
                }
                Stage::Settlement => {
                    // The award at 分 (D7) before what was paid, itself at 分, is deducted: a
                    // half cent must not turn a settled project into a refund of 0.01.
                    let amount = round_yuan(amount);
                    let prior = self.history_of("prior_paid_project")?;
                    self.note(
                        StepKind::Combination,
                        format!(
                            "清算 {words}：项目 {project} 据实核定 {} − 历史已拨付 {} = {}",
                            grouped2(amount),
                            grouped2(prior),
                            grouped2(amount - prior)
                        ),
                    );
                    amount - prior
                }
            };
            self.payment.instalment = Some(Instalment {
                stage,
                project,
                settles: advance.settles,
            });
        }
        if let Some(payees) = &rule.payees {
            let text = |ev: &Self, key: &str| -> Eval<String> {
                let f = ev.field(key)?;
                match ev.row.get(f).map(Value::as_text) {
                    Some(t) if !t.trim().is_empty() => Ok(t.trim().to_string()),
                    _ => Err(Stop::Missing(f)),
                }
            };
            let credit_code = text(self, "second_payee_credit_code")?;
            let name = text(self, "second_payee_name")?;
            let share = match payees.partner_share {
                PartnerShare::Fixed(s) => s,
                PartnerShare::Field(f) => {
                    let percent = self.num(f)?;
                    if percent < Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
                        return Err(Stop::Rejected(format!(
                            "{} {}% 不在 0% 至 100% 之间",
                            self.label(f),
                            plain(percent)
                        )));
                    }
                    percent / Decimal::ONE_HUNDRED
                }
            };
            self.note(
                StepKind::Payee,
                format!(
                    "收款方 {}：第二收款单位 {name}（{credit_code}）分得 {}%，申报企业分得其余 {}%",
                    payees.words.as_deref().unwrap_or("多个收款方"),
                    plain(share * Decimal::ONE_HUNDRED),
                    plain((Decimal::ONE - share) * Decimal::ONE_HUNDRED)
                ),
            );
            self.payment.partner = Some(Partner {
                credit_code,
                name,
                share,
            });
        }
        Ok(amount)
    }

    fn field(&self, key: &str) -> Eval<crate::domain::fields::FieldId> {
        // The loader refuses `payees` and `advance` when the vocabulary lacks their fields.
        self.cx
            .vocab
            .id(key)
            .ok_or_else(|| Stop::Ineligible(format!("字段表缺少 {key}")))
    }

    fn history_of(&self, key: &str) -> Eval<Decimal> {
        self.num(self.field(key)?)
    }

    fn note(&mut self, kind: StepKind, step: String) {
        if self.tracing {
            self.trace.push(kind, &step);
        }
    }
}

/// The figure an advance line stands for in its batch: what it pays, or would pay once
/// reviewed (a settlement never pays again what a pending advance will pay).
fn advance_figure(p: &Pending<'_>) -> Option<Decimal> {
    match p.evaluation.result {
        Result::Amount(a) | Result::AwaitingReview { amount: a, .. } => Some(round_yuan(a)),
        _ => None,
    }
}

/// The project a line of `stage` belongs to: (credit code, rule, 项目编号).
fn project_of<'p>(p: &'p Pending<'_>, stage: Stage) -> Option<(&'p str, &'p str, &'p str)> {
    p.evaluation
        .payment
        .instalment
        .as_ref()
        .filter(|i| i.stage == stage)
        .map(|i| (p.credit_code, p.rule.id.as_str(), i.project.as_str()))
}

/// The settlements of a batch that net against advances of the same project in the same
/// batch (多退少补), and what each of those advances paid as the settlements deduct it.
///
/// A settlement deducts what its advance actually paid: after every cut of the batch pass (a
/// shared cap, a count limit, 起付), not the advance's own figure — the history is read the same
/// way, as what the lines paid. The batch pass is therefore run with each advance's figure,
/// then again with what that pass left each advance, until the two agree (see
/// [`Netting::settled`]). An advance is served before its settlements under every shared cap
/// ([`Netting::serve_key`]), so a settlement never takes room from the advance it deducts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Netting {
    /// Each netting settlement (a line index) with its project's advances, in (year, 申报编号)
    /// order.
    links: Vec<(usize, Vec<usize>)>,
    /// What each of those advances paid, by line index: `None` before a pass has run (its own
    /// figure is deducted), then what the last pass left it.
    paid: Vec<(usize, Decimal)>,
    /// Whether `paid` comes from a pass (else the advances' own figures).
    settled: bool,
}

/// The batch pass is run at most this many times to agree on what the advances paid; a
/// batch that does not agree by then (a count limit re-ranking a project back and forth)
/// deducts each advance's own figure, which never pays a project more than its award.
const MOST_PASSES: usize = 4;

impl Netting {
    /// The netting settlements of the batch, deducting each advance's own figure.
    pub(super) fn of(pending: &[Pending<'_>]) -> Netting {
        let mut advances: std::collections::HashMap<_, Vec<usize>> = Default::default();
        for (j, p) in pending.iter().enumerate() {
            if let Some(k) = project_of(p, Stage::Advance) {
                advances.entry(k).or_default().push(j);
            }
        }
        let mut links = Vec::new();
        if advances.is_empty() {
            return Netting::default();
        }
        for (i, p) in pending.iter().enumerate() {
            let Some(these) = project_of(p, Stage::Settlement).and_then(|k| advances.get(&k))
            else {
                continue;
            };
            let mut these = these.clone();
            these.sort_by_key(|&j| (pending[j].year, pending[j].order));
            links.push((i, these));
        }
        Netting {
            links,
            paid: Vec::new(),
            settled: false,
        }
    }

    /// Whether no settlement of the batch nets against an advance of the batch.
    pub(super) fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// The advances of the batch settlement `i` nets against (none for any other line).
    fn advances_of(&self, i: usize) -> &[usize] {
        match self.links.binary_search_by_key(&i, |(s, _)| *s) {
            Ok(k) => &self.links[k].1,
            Err(_) => &[],
        }
    }

    /// What advance `j` is deducted as: what the last pass left it, or its own figure.
    fn paid(&self, pending: &[Pending<'_>], j: usize) -> Option<Decimal> {
        match self.settled {
            true => self
                .paid
                .binary_search_by_key(&j, |(k, _)| *k)
                .ok()
                .map(|k| self.paid[k].1),
            false => advance_figure(&pending[j]),
        }
    }

    /// Where line `i` is served under a shared cap: in (year, 申报编号, rule) order, except
    /// that a settlement comes right after the last of its project's advances when that one
    /// is later — the advance is paid first, and the settlement deducts what it paid.
    pub(super) fn serve_key<'p>(
        &self,
        pending: &'p [Pending<'_>],
        i: usize,
    ) -> ((&'p str, (&'p str, &'p str)), bool) {
        let own = (pending[i].year, pending[i].order);
        let last = self
            .advances_of(i)
            .last()
            .map(|&j| (pending[j].year, pending[j].order));
        match last {
            Some(last) if last > own => (last, true),
            _ => (own, false),
        }
    }

    /// Runs the batch pass `settle` until what each advance paid is what its settlements
    /// deducted (at most [`MOST_PASSES`] times); returns the last pass's result and the
    /// settlements it could not settle for sure (empty when the passes agreed).
    pub(super) fn settled<T>(
        mut self,
        pending: &[Pending<'_>],
        mut settle: impl FnMut(&Netting) -> T,
        amounts: impl Fn(&T) -> &[Option<Decimal>],
    ) -> (T, Vec<usize>) {
        let mut out = settle(&self);
        if self.is_empty() {
            return (out, Vec::new());
        }
        let mut passes = 1;
        loop {
            let paid = self.after(pending, amounts(&out));
            if self.settled && paid == self.paid {
                return (out, Vec::new());
            }
            if passes == MOST_PASSES {
                // Not agreed (a count limit keeps the advance or the settlement depending on
                // what the other pays): deduct the advances' own figures, and hand back every
                // settlement whose advances then paid otherwise — what it is owed or owes is not
                // certain, so it is refused with a reason rather than paid or claimed back.
                self.settled = false;
                let out = settle(&self);
                let actual = self.after(pending, amounts(&out));
                let unsure = self
                    .links
                    .iter()
                    .filter(|(_, advances)| {
                        advances.iter().any(|&j| {
                            let now = actual.iter().find(|(k, _)| *k == j).map(|(_, a)| *a);
                            now != advance_figure(&pending[j])
                        })
                    })
                    .map(|(s, _)| *s)
                    .collect();
                return (out, unsure);
            }
            self.paid = paid;
            self.settled = true;
            out = settle(&self);
            passes += 1;
        }
    }

    /// What each advance of a netting settlement paid in a pass's `amounts`: its amount after
    /// every cut, 0 when a count limit refused it, and its own figure when it awaits review and
    /// this pass leaves it out (a settlement never pays again what a pending advance will pay).
    fn after(&self, pending: &[Pending<'_>], amounts: &[Option<Decimal>]) -> Vec<(usize, Decimal)> {
        let mut advances: Vec<usize> = self.links.iter().flat_map(|(_, a)| a).copied().collect();
        advances.sort_unstable();
        advances.dedup();
        advances
            .into_iter()
            .filter_map(|j| {
                let figure = advance_figure(&pending[j])?;
                let now = match (amounts[j], &pending[j].evaluation.result) {
                    (Some(a), _) => a,
                    (None, Result::AwaitingReview { .. }) => figure,
                    (None, _) => Decimal::ZERO,
                };
                Some((j, now))
            })
            .collect()
    }
}

/// 多退少补 in the batch: each settlement line less what the advances of the same project
/// (credit code, rule, 项目编号) in this batch paid, then, where the rule does not settle,
/// never below 0 (只补不退). Runs before shared caps, so a project's advance and settlement
/// together use the room of its final award, not more.
pub(super) fn apply_settlements(
    pending: &[Pending<'_>],
    amounts: &mut [Option<Decimal>],
    extra: &mut [Trace],
    netting: &Netting,
) {
    for (i, p) in pending.iter().enumerate() {
        let (Some(_), Some(mut amount)) = (project_of(p, Stage::Settlement), amounts[i]) else {
            continue;
        };
        if !netting.advances_of(i).is_empty() {
            // At 分 before the advances, themselves at 分, are deducted (D7).
            amount = round_yuan(amount);
        }
        for &j in netting.advances_of(i) {
            let (Some(paid), Some(figure)) =
                (netting.paid(pending, j), advance_figure(&pending[j]))
            else {
                continue;
            };
            let step = match paid == figure {
                true => format!(
                    "清算 减本批预拨 {}（申报编号 {}）：{} − {} = {}",
                    grouped2(paid),
                    pending[j].order.0,
                    grouped2(amount),
                    grouped2(paid),
                    grouped2(amount - paid)
                ),
                false => format!(
                    "清算 减本批预拨实付 {}（申报编号 {}，核定 {}，经本批封顶、限项等调整）：{} − {} = {}",
                    grouped2(paid),
                    pending[j].order.0,
                    grouped2(figure),
                    grouped2(amount),
                    grouped2(paid),
                    grouped2(amount - paid)
                ),
            };
            extra[i].push(StepKind::Combination, &step);
            amount -= paid;
        }
        let settles = p
            .evaluation
            .payment
            .instalment
            .as_ref()
            .is_some_and(|x| x.settles);
        if amount < Decimal::ZERO && !settles {
            extra[i].push_cut(
                StepKind::Combination,
                &format!(
                "清算 已拨付多于据实核定 {}：本条款未规定多退，不予退回（只补不退），本次拨付 0.00",
                grouped2(-amount)
            ),
            );
            amount = Decimal::ZERO;
        } else if amount < Decimal::ZERO {
            extra[i].push_cut(
                StepKind::Combination,
                &format!(
                    "清算 多退少补：已拨付多于据实核定，应退 {}",
                    grouped2(-amount)
                ),
            );
        }
        amounts[i] = Some(amount);
    }
}

/// Cuts a settled line into one line per payee (applicant first, then the second payee): the
/// amounts by largest remainder at 分 (ties to the applicant), summing to the line's amount
/// exactly; each part split between payers as the whole line would be (D14).
pub(super) fn payee_lines(
    line: &Line,
    partner: &Partner,
    weights: Option<&[(crate::rules::Payer, Decimal)]>,
    payer: crate::rules::Payer,
) -> Vec<PayeeLine> {
    if !matches!(
        line.kind,
        LineKind::Payout | LineKind::Pending { .. } | LineKind::Refund
    ) {
        return Vec::new();
    }
    let parts = largest_remainder(line.amount, &[Decimal::ONE - partner.share, partner.share]);
    let who = [
        (None, "申报企业".to_string()),
        (
            Some((partner.credit_code.clone(), partner.name.clone())),
            format!("第二收款单位 {}（{}）", partner.name, partner.credit_code),
        ),
    ];
    who.into_iter()
        .zip(parts)
        .map(|((payee, label), amount)| {
            let mut trace = Trace::default();
            trace.push(
                StepKind::Payee,
                &format!(
                    "收款方 {label} 分得 {}（合计 {}，最大余额法到分）",
                    grouped2(amount),
                    grouped2(line.amount)
                ),
            );
            PayeeLine {
                payee,
                line: Line {
                    kind: line.kind.clone(),
                    amount,
                    shares: split(amount, weights, payer),
                    trace,
                    payees: Vec::new(),
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::fixed2;
    use crate::rules::Payer;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn line(amount: &str, kind: LineKind) -> Line {
        Line {
            kind,
            amount: d(amount),
            shares: Vec::new(),
            trace: Trace::default(),
            payees: Vec::new(),
        }
    }

    fn partner(share: &str) -> Partner {
        Partner {
            credit_code: "91150100MA0000000X".into(),
            name: "某节能服务公司".into(),
            share: d(share),
        }
    }

    #[test]
    fn an_odd_cent_goes_to_the_applicant_and_each_part_is_split_by_payer() {
        let weights = [(Payer::Region, d("1")), (Payer::City, d("1"))];
        let parts = payee_lines(
            &line("100000.01", LineKind::Payout),
            &partner("0.5"),
            Some(&weights),
            Payer::City,
        );
        let amounts: Vec<String> = parts.iter().map(|p| fixed2(p.line.amount)).collect();
        assert_eq!(amounts, ["50000.01", "50000.00"]);
        assert_eq!(parts[0].payee, None);
        assert_eq!(
            parts[1].payee,
            Some(("91150100MA0000000X".into(), "某节能服务公司".into()))
        );
        assert_eq!(
            parts[0].line.shares,
            vec![(Payer::Region, d("25000.01")), (Payer::City, d("25000.00"))]
        );
    }

    #[test]
    fn a_refund_is_cut_between_payees_too_and_sums_exactly() {
        let parts = payee_lines(
            &line("-0.03", LineKind::Refund),
            &partner("0.5"),
            None,
            Payer::City,
        );
        let amounts: Vec<String> = parts.iter().map(|p| fixed2(p.line.amount)).collect();
        assert_eq!(amounts, ["-0.01", "-0.02"]);
        assert_eq!(parts[1].line.kind, LineKind::Refund);
    }

    #[test]
    fn refused_lines_are_not_cut() {
        let refused = LineKind::Ineligible {
            reason: "x".into(),
            shown: None,
        };
        assert!(payee_lines(&line("0", refused), &partner("0.5"), None, Payer::City).is_empty());
    }

    proptest::proptest! {
        /// Payee parts sum to the award exactly, and each part's funding shares to the part,
        /// for payouts and refunds alike, whatever the shares and weights.
        #[test]
        fn payee_parts_and_their_funding_shares_sum_exactly(
            cents in -100_000_000i64..10_000_000_000,
            basis_points in 0i64..=10_000,
            region in 0i64..7,
            city in 1i64..7,
        ) {
            let amount = Decimal::new(cents, 2);
            let kind = if cents < 0 { LineKind::Refund } else { LineKind::Payout };
            let share = Decimal::new(basis_points, 4);
            let weights = [(Payer::Region, Decimal::from(region)), (Payer::City, Decimal::from(city))];
            let parts = payee_lines(&line(&amount.to_string(), kind), &partner(&share.to_string()), Some(&weights), Payer::City);
            proptest::prop_assert_eq!(parts.len(), 2);
            let total: Decimal = parts.iter().map(|p| p.line.amount).sum();
            proptest::prop_assert_eq!(total, amount);
            for p in &parts {
                proptest::prop_assert_eq!(p.line.amount, p.line.amount.round_dp(2));
                let shares: Decimal = p.line.shares.iter().map(|(_, v)| *v).sum();
                proptest::prop_assert_eq!(shares, p.line.amount);
            }
        }
    }
}
