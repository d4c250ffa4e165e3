//! How an award is paid out, beyond how much it is: to several payees (多个收款方, 合同能源管理)
//! and in instalments (预拨与清算, 多退少补). This module owns the two constructs' model and
//! the fields they read; their policy-file syntax (`payees = {…}`, `advance = {…}` on a rule)
//! is in [`super::syntax`], lowered in `lower/payment.rs`. The engine computes them and the
//! batch pass settles them.

use rust_decimal::Decimal;

use crate::domain::fields::FieldId;

/// 多个收款方: one capped award shared between the applicant and a second payee (合同能源管理:
/// the enterprise and its energy-service company). Each payee gets its own ledger line with its
/// own credit code; the shares sum to the award exactly (largest remainder at 分). This is not
/// the funding split between government levels (D14): each payee's line is split by payer.
#[derive(Debug, Clone, PartialEq)]
pub struct Payees {
    /// What the second payee gets; the applicant gets the rest.
    pub partner_share: PartnerShare,
    /// The clause's words (节能服务公司与用能单位各50%).
    pub words: Option<String>,
}

/// The second payee's share of the award.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PartnerShare {
    /// Fixed by the policy, as a fraction (50% → 0.5).
    Fixed(Decimal),
    /// Read from a percent field of the row (第二收款单位分配比例（%）).
    Field(FieldId),
}

/// 预拨与清算: the rule pays an advance on an estimate now and settles on the actual figures
/// later; the settlement pays the award less what the project (项目编号 + credit code) was
/// already paid under the rule, in the history and in this batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Advance {
    /// 预拨比例: the advance is this share of the award computed on the estimate (0.5 = 50%).
    pub share: Decimal,
    /// 多退少补: a settlement below what was paid is a refund (应退). Without it the
    /// settlement pays what is still due and never asks money back (只补不退).
    pub settles: bool,
    /// The clause's words (先预拨50%，验收后据实清算，多退少补).
    pub words: Option<String>,
}

/// The stage of a row under an [`Advance`] rule (拨付阶段).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// 预拨: an advance on the estimate.
    Advance,
    /// 清算: the settlement on the actual figures.
    Settlement,
}

impl Stage {
    /// The stage a row's 拨付阶段 names.
    pub fn parse(text: &str) -> Option<Stage> {
        match text.trim() {
            "预拨" => Some(Stage::Advance),
            "清算" => Some(Stage::Settlement),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Advance => "预拨",
            Stage::Settlement => "清算",
        }
    }
}

/// The fields the constructs read from the row, which a policy must find in the vocabulary.
pub const PAYEE_FIELDS: [&str; 2] = ["second_payee_credit_code", "second_payee_name"];
pub const STAGE_FIELDS: [&str; 3] = ["payment_stage", "project_id", "prior_paid_project"];
