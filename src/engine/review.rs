//! 待审核 (pending review): a payout line whose review nobody has made yet.
//!
//! A policy's yes/no flags (`flags`, e.g. `meets_conditions` 是否符合申报条件（审核结论）) are the
//! bureau's verdicts on an application. Read as the vocabulary says, an absent flag means yes;
//! in a bureau's sheet an **empty** conclusion means the review has not been made. So:
//!
//! - 是 pays; 否 is 不予支持 with the clause (the engine, [`super::Evaluator`]);
//! - empty, in a sheet that **has** the column: 待审核, whatever the policy says;
//! - no column at all: the policy's [`Review`] decides — `required` (the default): 待审核;
//!   `assumed`: yes, as the catalogue's worked examples read it.
//!
//! A 待审核 line is computed in full (its trace, the amount it would get) but is not a payout:
//! [`hold`] turns its amount into [`Result::AwaitingReview`], which the batch pass settles as
//! [`LineKind::Pending`](super::batch::LineKind::Pending), outside every payout total.
//!
//! **How the batch pass reads pending lines** (`settle_open` in [`super::batch`]). Shared caps
//! (D4), 就高 groups (D9), budgets and equal pools (D11) make one line's figure depend on the
//! others. Two rules hold:
//!
//! 1. *A line nobody has reviewed takes nothing from a reviewed one.* The reviewed lines are
//!    settled first and alone, as if the pending lines were not in the batch; their figures
//!    are 应付, the money due now.
//! 2. *A pending figure is what the line would get, never less.* The whole batch is settled a
//!    second time as if every pending line were approved; each pending line takes its figure
//!    from that pass (待审核预计). It is what the next run gives it once its review says 是.
//!
//! The two passes answer different questions, so where lines share a cap, a group or a pool,
//! 应付 + 待审核预计 can exceed what the cap or pool allows: approving the pending lines would
//! then change the reviewed ones on the next run. A reviewed line whose figure would change
//! says so in its trace (待审核影响); 汇总 keeps the two totals side by side, never added.

use std::sync::Arc;

use crate::domain::fields::{FieldId, Vocabulary};
use crate::domain::value::Row;
use crate::rules::{Outcome, Policy, Review, Rule};

use super::{Evaluation, Result};

/// Why a line awaits review: each flag the rule honours that the row leaves open.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Awaiting {
    pub flag: FieldId,
    /// Whether the row's sheet has a column for the flag (its cell is empty) or none.
    pub column: bool,
}

/// The flags of `rule` that hold `row` back: those the row has no value for, where the sheet
/// has the column (`has_column`) or the policy requires review without it.
pub fn awaiting(
    policy: &Policy,
    rule: &Rule,
    row: &dyn Row,
    has_column: impl Fn(FieldId) -> bool,
) -> Vec<Awaiting> {
    rule.flags
        .iter()
        .filter(|f| row.get(**f).is_none())
        .map(|&flag| Awaiting {
            flag,
            column: has_column(flag),
        })
        .filter(|a| a.column || policy.review == Review::Required)
        .collect()
}

/// The reason a pending line shows (待审核事项): each open flag, and whether its cell is empty
/// or its column absent. Shared (`Arc`): a batch has a handful of distinct reasons and most of
/// its lines may carry one.
pub fn reason(vocab: &Vocabulary, open: &[Awaiting]) -> Arc<str> {
    open.iter()
        .map(|a| {
            let name = &vocab.get(a.flag).header_zh;
            if a.column {
                format!("{name}未填")
            } else {
                format!("申报表无“{name}”列，本政策要求审核")
            }
        })
        .collect::<Vec<_>>()
        .join("；")
        .into()
}

/// Holds back a payout amount whose review is open: it becomes [`Result::AwaitingReview`] with
/// the reason. Refusals stay refusals (a line that fails its conditions fails them whatever
/// the review says), and figures that are not paid (measures, verdicts) are left as they are.
pub fn hold(evaluation: &mut Evaluation, rule: &Rule, reason: impl FnOnce() -> Arc<str>) {
    if !matches!(rule.outcome, Outcome::Payout) {
        return;
    }
    if let Result::Amount(amount) = evaluation.result {
        evaluation.result = Result::AwaitingReview {
            amount,
            reason: reason(),
        };
    }
}
