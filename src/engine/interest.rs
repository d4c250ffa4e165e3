//! Interest subsidies (贷款贴息, D6): principal × subsidised rate × days ÷ day basis, the rate
//! fixed on the disbursement date; the period may be split by day across dates of the clause,
//! each span at its own share.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use super::{Eval, Evaluator, StepKind, Stop};
use crate::domain::money::{grouped2, plain};
use crate::domain::value::Value;
use crate::rules::{DateTerm, Interest};

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
        let v = if i.windows.is_empty() {
            self.whole_period(i, principal, rate, days)?
        } else {
            self.split_period(i, principal, rate, days, *date)?
        };
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

    /// The subsidised rate for a share of `rate`, held to the policy's ceiling (最高不超过2%).
    fn subsidised(&mut self, i: &Interest, rate: Decimal, share: Decimal) -> Decimal {
        let subsidised = rate * share;
        match i.max_rate {
            Some(max) if subsidised > max => {
                step!(
                    self,
                    Standard,
                    "利率 {}% × {}% = {}% 高于上限 {}%，按上限",
                    plain(rate),
                    plain(share * Decimal::ONE_HUNDRED),
                    plain(subsidised),
                    plain(max)
                );
                max
            }
            _ => subsidised,
        }
    }

    /// Every day of the interest period at the rule's share.
    fn whole_period(
        &mut self,
        i: &Interest,
        principal: Decimal,
        rate: Decimal,
        days: Decimal,
    ) -> Eval<Decimal> {
        let subsidised = self.subsidised(i, rate, i.share);
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
        Ok(v)
    }

    /// The interest period split by day (分段贴息): each window's days at its share, the other
    /// days at the rule's. The period runs from the disbursement date for `days` days, each
    /// day counted once (D6: actual days ÷ the day basis), divided once at the end.
    fn split_period(
        &mut self,
        i: &Interest,
        principal: Decimal,
        rate: Decimal,
        days: Decimal,
        start: NaiveDate,
    ) -> Eval<Decimal> {
        let total: i64 = match days.fract().is_zero() && !days.is_sign_negative() {
            true => days.trunc().try_into().map_err(|_| Stop::Overflow)?,
            false => {
                return Err(Stop::Rejected(format!(
                    "{} {} 不是整天数，无法按日分段计息",
                    self.label(i.days),
                    plain(days)
                )))
            }
        };
        let end = start
            .checked_add_signed(Duration::days(total))
            .ok_or(Stop::Overflow)?;
        let mut parts = Vec::with_capacity(i.windows.len() + 1);
        let mut spans: Vec<(NaiveDate, NaiveDate)> = Vec::new();
        let mut inside = 0;
        for w in &i.windows {
            let (from, to) = (self.window_end(&w.from)?, self.window_end(&w.to)?);
            // Days d with start ≤ d < end, from ≤ d ≤ to.
            let lo = from.map_or(start, |f| f.max(start));
            let hi = to
                .and_then(|t| t.checked_add_signed(Duration::days(1)))
                .map_or(end, |t| t.min(end));
            let n = (hi - lo).num_days().max(0);
            if n > 0 {
                if spans.iter().any(|(a, b)| lo < *b && *a < hi) {
                    return Err(Stop::Rejected(
                        "贴息分段相互重叠：同一天不能按两个比例贴息".into(),
                    ));
                }
                spans.push((lo, hi));
            }
            inside += n;
            let span = w.words.clone().unwrap_or_else(|| {
                let show = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
                format!("{}至{}", show(from), show(to))
            });
            parts.push((span, w.share, n));
        }
        parts.push(("其余".to_string(), i.share, total - inside));
        let last = end.pred_opt().unwrap_or(start);
        step!(
            self,
            Arithmetic,
            "分段 计息期 {start} 至 {last} 共 {total} 天：{}",
            parts
                .iter()
                .map(|(span, share, n)| format!(
                    "{span} {n} 天按 {}%",
                    plain(share * Decimal::ONE_HUNDRED)
                ))
                .collect::<Vec<_>>()
                .join("，")
        );
        let mut rate_days = Decimal::ZERO;
        let mut shown = Vec::with_capacity(parts.len());
        for (_, share, n) in &parts {
            let subsidised = self.subsidised(i, rate, *share);
            rate_days = subsidised
                .checked_mul(Decimal::from(*n))
                .and_then(|x| rate_days.checked_add(x))
                .ok_or(Stop::Overflow)?;
            if self.tracing {
                shown.push(format!(
                    "{}%（{}% × {}%）× {n} 天",
                    plain(subsidised),
                    plain(rate),
                    plain(share * Decimal::ONE_HUNDRED)
                ));
            }
        }
        let v = principal.checked_mul(rate_days).ok_or(Stop::Overflow)?
            / Decimal::ONE_HUNDRED
            / i.day_basis;
        step!(
            self,
            Arithmetic,
            "计算 本金 {} × ({}) ÷ {}（上限 {}）= {}",
            grouped2(principal),
            shown.join(" + "),
            plain(i.day_basis),
            i.max_rate
                .map_or("无".to_string(), |m| format!("{}%", plain(m))),
            grouped2(v)
        );
        Ok(v)
    }

    /// An end of a window: `None` when the window leaves it open.
    fn window_end(&self, d: &Option<DateTerm>) -> Eval<Option<NaiveDate>> {
        d.as_ref().map(|d| self.date(d).map(|(x, _)| x)).transpose()
    }
}
