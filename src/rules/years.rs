//! Multi-year limits (连续支持年限, D10): how many years of payout a rule allows, and whose
//! years are counted — the enterprise's under the rule, or one project's (同一项目).

use serde::Deserialize;

/// 连续支持不超过N年 (D10): years already paid, from the history, must stay below `years`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearLimit {
    pub years: u32,
    pub per: YearsPer,
}

/// Whose years a multi-year limit counts (限年的范围).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearsPer {
    /// 单户企业: the enterprise's years under the rule, whatever the project.
    #[default]
    Enterprise,
    /// 同一项目: the years of one project (same credit code, rule and 项目编号). A row without
    /// 项目编号 is counted per enterprise, which can only refuse more.
    Project,
}

impl YearLimit {
    /// The number of years, marked when they are counted per project (同一项目).
    pub fn years_shown(&self) -> String {
        match self.per {
            YearsPer::Enterprise => self.years.to_string(),
            YearsPer::Project => format!("{}（同一项目）", self.years),
        }
    }

    /// The limit as the policy's settings and the ledger show it.
    pub fn describe(&self) -> String {
        match self.per {
            YearsPer::Enterprise => format!("连续支持不超过 {} 年（D10）", self.years),
            YearsPer::Project => format!("同一项目连续支持不超过 {} 年（D10）", self.years),
        }
    }
}
