//! The small languages of policy files: amounts (`"1000万"`), rates (`"2.5%"`), ratios
//! (`"1:1"`), intervals (`"(15亿, 30亿]"`) and boundary words (以上 / 超过 …, D1).

use rust_decimal::Decimal;

use super::{Interval, Op};
use crate::money::parse_decimal;

/// An amount or quantity: decimal text with an optional 万 or 亿 suffix.
pub fn parse_amount(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let (num, mult) = if let Some(n) = t.strip_suffix('亿') {
        (n, Decimal::from(100_000_000u64))
    } else if let Some(n) = t.strip_suffix('万') {
        (n, Decimal::from(10_000u64))
    } else {
        (t, Decimal::ONE)
    };
    parse_decimal(num).map(|v| v * mult)
}

/// A rate written with a percent sign, as a fraction: `"2.5%"` → 0.025.
pub fn parse_rate(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if let Some(n) = t.strip_suffix('%') {
        return parse_decimal(n).map(|v| v / Decimal::ONE_HUNDRED);
    }
    if let Some(n) = t.strip_suffix('‰') {
        return parse_decimal(n).map(|v| v / Decimal::ONE_THOUSAND);
    }
    None
}

/// A ratio `"a:b"` (also full-width `：`) as a multiplier b/a.
pub fn parse_ratio(text: &str) -> Option<Decimal> {
    let t = text.replace('：', ":");
    let (a, b) = t.split_once(':')?;
    let a = parse_decimal(a)?;
    let b = parse_decimal(b)?;
    (!a.is_zero()).then(|| b / a)
}

/// An interval: `[a, b]`, `(a, b]`, `[a, )`, `(, b]`; bounds are amounts.
pub fn parse_interval(text: &str) -> Result<Interval, String> {
    let t = text.trim();
    let open = t.chars().next().ok_or("empty interval")?;
    let close = t.chars().last().ok_or("empty interval")?;
    let lower_incl = match open {
        '[' => true,
        '(' => false,
        _ => return Err(format!("interval `{t}` must start with `[` (included) or `(` (excluded)")),
    };
    let upper_incl = match close {
        ']' => true,
        ')' => false,
        _ => return Err(format!("interval `{t}` must end with `]` (included) or `)` (excluded)")),
    };
    let inner = &t[open.len_utf8()..t.len() - close.len_utf8()];
    let (lo, hi) = inner
        .split_once(',')
        .or_else(|| inner.split_once('，'))
        .ok_or_else(|| format!("interval `{t}` needs a comma between its bounds"))?;
    let bound = |s: &str, incl: bool| -> Result<Option<(Decimal, bool)>, String> {
        let s = s.trim();
        if s.is_empty() || s == "∞" || s == "+∞" || s == "-∞" {
            return Ok(None);
        }
        parse_amount(s)
            .map(|v| Some((v, incl)))
            .ok_or_else(|| format!("interval `{t}`: bound `{s}` is not an amount"))
    };
    let lower = bound(lo, lower_incl)?;
    let upper = bound(hi, upper_incl)?;
    if lower.is_none() && lower_incl || upper.is_none() && upper_incl {
        return Err(format!("interval `{t}`: an open end is written with `(` or `)`"));
    }
    if let (Some((a, _)), Some((b, _))) = (lower, upper) {
        if a > b || a == b && !(lower_incl && upper_incl) {
            return Err(format!("interval `{t}` is empty"));
        }
    }
    Ok(Interval { lower, upper, text: t.to_string() })
}

/// D1: the comparison a boundary word states when the value is on the left
/// (`投资额 5000万元以上` → 投资额 ≥ 5000万).
pub fn op_of_word(word: &str) -> Option<Op> {
    let w = word.trim();
    Some(match w {
        "以上" | "及以上" | "不低于" | "达到" | "不少于" | "（含）以上" => Op::Ge,
        "超过" | "高于" | "以上（不含）" => Op::Gt,
        "以下" | "及以下" | "不超过" | "以内" | "最高" | "（含）以下" => Op::Le,
        "低于" | "不满" | "不足" | "少于" | "以下（不含）" => Op::Lt,
        _ => return None,
    })
}

/// Checks that a bracket table has no overlap and no gap between its first and last bracket
/// (D1). Returns the index pair and a description of the first fault.
pub fn check_brackets(ranges: &[&Interval]) -> Result<(), (usize, String)> {
    for i in 1..ranges.len() {
        let (prev, next) = (ranges[i - 1], ranges[i]);
        let (Some((hi, hi_incl)), Some((lo, lo_incl))) = (prev.upper, next.lower) else {
            return Err((i, format!("`{}` is unbounded but `{}` follows it", prev.text, next.text)));
        };
        if lo < hi || lo == hi && hi_incl && lo_incl {
            return Err((i, format!("`{}` overlaps `{}`", prev.text, next.text)));
        }
        if lo > hi || !hi_incl && !lo_incl {
            return Err((i, format!("gap between `{}` and `{}`", prev.text, next.text)));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "text/tests.rs"]
mod tests;
