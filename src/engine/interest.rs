//! Interest subsidies (贷款贴息, D6): principal × subsidised rate × days ÷ day basis, the rate
//! fixed on the disbursement date.

use rust_decimal::Decimal;

use super::{Eval, Evaluator, StepKind, Stop};
use crate::money::{grouped2, plain};
use crate::rules::Interest;
use crate::value::Value;

impl Evaluator<'_> {
    pub(super) fn interest(&mut self, i: &Interest) -> Eval<Decimal> {
        let principal = self.num(i.principal)?;
        let days = self.num(i.days)?;
        let Some(Value::Date(date)) = self.row.get(i.disbursed) else {
            return Err(Stop::Missing(i.disbursed));
        };
        let long = match i.term_months {
            Some(t) => self.num(t).map(|m| m > Decimal::from(60)).unwrap_or(false),
            None => false,
        };
        let Some(fixing) = self.cx.lpr.on(*date) else {
            return Err(Stop::Ineligible(format!(
                "放款日 {date} 早于 LPR 表的第一条记录"
            )));
        };
        let lpr = if long {
            fixing.five_year
        } else {
            fixing.one_year
        };
        step!(
            self,
            Standard,
            "利率 放款日 {date} 适用{} LPR {}%（{} 起执行，D6）",
            if long { "5年期以上" } else { "1年期" },
            plain(lpr),
            fixing.effective
        );
        let mut rate = lpr;
        if let Some(f) = i.loan_rate {
            if let Some(Value::Num(actual)) = self.row.get(f) {
                if *actual < lpr {
                    step!(
                        self,
                        Standard,
                        "利率 实际贷款利率 {}% 低于 LPR，按实际利率",
                        plain(*actual)
                    );
                    rate = *actual;
                }
            }
        }
        let mut subsidised = rate * i.share;
        if let Some(max) = i.max_rate {
            if subsidised > max {
                step!(
                    self,
                    Standard,
                    "利率 {}% × {}% = {}% 高于上限 {}%，按上限",
                    plain(rate),
                    plain(i.share * Decimal::ONE_HUNDRED),
                    plain(subsidised),
                    plain(max)
                );
                subsidised = max;
            }
        }
        let v = principal
            .checked_mul(subsidised)
            .and_then(|x| x.checked_mul(days))
            .ok_or(Stop::Overflow)?
            / Decimal::ONE_HUNDRED
            / i.day_basis;
        step!(
            self,
            Arithmetic,
            "计算 本金 {} × 贴息利率 {}%（{}% × {}%，上限 {}）× {} 天 ÷ {} = {}",
            grouped2(principal),
            plain(subsidised),
            plain(rate),
            plain(i.share * Decimal::ONE_HUNDRED),
            i.max_rate
                .map_or("无".to_string(), |m| format!("{}%", plain(m))),
            plain(days),
            plain(i.day_basis),
            grouped2(v)
        );
        if let Some(f) = i.interest_paid {
            if let Some(Value::Num(paid)) = self.row.get(f) {
                if v > *paid {
                    cut!(self, Cap, "封顶 不超过实际支付利息 {}", grouped2(*paid));
                    return Ok(*paid);
                }
            }
        }
        Ok(v)
    }
}
