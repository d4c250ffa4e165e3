//! The small languages of policy files: amounts (`"1000万"`), rates (`"2.5%"`), ratios
//! (`"1:1"`), intervals (`"(15亿, 30亿]"`) and boundary words (以上 / 超过 …, D1).

use rust_decimal::Decimal;

use super::{Interval, Op};
use crate::domain::money::parse_decimal;

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
        _ => {
            return Err(format!(
                "interval `{t}` must start with `[` (included) or `(` (excluded)"
            ))
        }
    };
    let upper_incl = match close {
        ']' => true,
        ')' => false,
        _ => {
            return Err(format!(
                "interval `{t}` must end with `]` (included) or `)` (excluded)"
            ))
        }
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
        return Err(format!(
            "interval `{t}`: an open end is written with `(` or `)`"
        ));
    }
    if let (Some((a, _)), Some((b, _))) = (lower, upper) {
        if a > b || a == b && !(lower_incl && upper_incl) {
            return Err(format!("interval `{t}` is empty"));
        }
    }
    Ok(Interval {
        lower,
        upper,
        text: t.to_string(),
    })
}

/// D1: the comparison a boundary word states when the value is on the left
/// (`投资额 5000万元以上` → 投资额 ≥ 5000万). An explicit （含） or （不含） in the word wins over
/// the word's own reading: `超过（含）` is ≥, `以上（不含）` is >.
pub fn op_of_word(word: &str) -> Option<Op> {
    let (bare, included) = strip_inclusion(word);
    let op = match bare.as_str() {
        "以上" | "及以上" | "不低于" | "达到" | "达" | "满" | "不少于" | "不小于" | "大于等于" => {
            Op::Ge
        }
        "超过" | "高于" | "大于" => Op::Gt,
        "以下" | "及以下" | "不超过" | "以内" | "最高" | "不高于" | "不大于" | "小于等于" => {
            Op::Le
        }
        "低于" | "不满" | "未满" | "不足" | "不到" | "未达到" | "少于" | "小于" => {
            Op::Lt
        }
        _ => return None,
    };
    Some(with_inclusion(op, included))
}

/// The comparison a date word states (起 / 截至 / 前 / 后 …), with （含） / （不含） winning
/// over the word as for numbers: `前（含）` is on or before.
pub fn date_op_of_word(word: &str) -> Option<Op> {
    let (bare, included) = strip_inclusion(word);
    let op = match bare.as_str() {
        "起" | "以后" | "之后" | "以来" | "不早于" | "及以后" => Op::Ge,
        "截至" | "以前" | "之前" | "不晚于" | "止" | "及以前" => Op::Le,
        "前" | "早于" => Op::Lt,
        "后" | "晚于" => Op::Gt,
        _ => return None,
    };
    Some(with_inclusion(op, included))
}

/// The word without its （含） / （不含） mark (full- or half-width brackets, 本数 optional),
/// and whether the mark includes the bound.
fn strip_inclusion(word: &str) -> (String, Option<bool>) {
    const MARKS: [(&str, bool); 8] = [
        ("（不含本数）", false),
        ("(不含本数)", false),
        ("（含本数）", true),
        ("(含本数)", true),
        ("（不含）", false),
        ("(不含)", false),
        ("（含）", true),
        ("(含)", true),
    ];
    let w = word.trim();
    for (mark, included) in MARKS {
        if w.contains(mark) {
            return (w.replacen(mark, "", 1).trim().to_string(), Some(included));
        }
    }
    (w.to_string(), None)
}

/// A comparison's operator with the bound included or excluded as an explicit mark says.
fn with_inclusion(op: Op, included: Option<bool>) -> Op {
    match (op, included) {
        (Op::Ge | Op::Gt, Some(true)) => Op::Ge,
        (Op::Ge | Op::Gt, Some(false)) => Op::Gt,
        (Op::Le | Op::Lt, Some(true)) => Op::Le,
        (Op::Le | Op::Lt, Some(false)) => Op::Lt,
        (op, _) => op,
    }
}

/// The first and last whole number an interval holds (`None` for an open end): `(1, 3]` holds
/// 2 … 3.
fn whole_span(i: &Interval) -> (Option<Decimal>, Option<Decimal>) {
    let first = i.lower.map(|(b, incl)| {
        if incl {
            b.ceil()
        } else {
            b.floor() + Decimal::ONE
        }
    });
    let last = i.upper.map(|(b, incl)| {
        if incl {
            b.floor()
        } else {
            b.ceil() - Decimal::ONE
        }
    });
    (first, last)
}

/// Names the whole numbers from `first` to `last`: `2, 3` or `2 … 9`.
fn name_whole(first: Decimal, last: Decimal) -> String {
    if last - first > Decimal::from(3) {
        return format!("{first} … {last}");
    }
    let mut names = vec![first.to_string()];
    let mut n = first;
    while n < last {
        n += Decimal::ONE;
        names.push(n.to_string());
    }
    names.join(", ")
}

/// Checks that a bracket table has no overlap and no gap between its first and last bracket
/// (D1). On a whole-number selector (`whole`: a count, a rank, a year) the brackets are sets of
/// whole numbers, so `[1, 1]` and `[2, 3]` leave no gap; a gap names the numbers no bracket
/// holds. Returns the index pair and a description of the first fault.
pub fn check_brackets(ranges: &[&Interval], whole: bool) -> Result<(), (usize, String)> {
    if whole {
        for (i, r) in ranges.iter().enumerate() {
            if let (Some(first), Some(last)) = whole_span(r) {
                if first > last {
                    return Err((i, format!("`{}` holds no whole number", r.text)));
                }
            }
        }
    }
    for i in 1..ranges.len() {
        let (prev, next) = (ranges[i - 1], ranges[i]);
        let (Some((hi, hi_incl)), Some((lo, lo_incl))) = (prev.upper, next.lower) else {
            return Err((
                i,
                format!(
                    "`{}` is unbounded but `{}` follows it",
                    prev.text, next.text
                ),
            ));
        };
        if whole {
            let (Some(last), Some(first)) = (whole_span(prev).1, whole_span(next).0) else {
                continue;
            };
            if first <= last {
                return Err((
                    i,
                    format!(
                        "`{}` overlaps `{}` (both hold {})",
                        prev.text,
                        next.text,
                        name_whole(first, last)
                    ),
                ));
            }
            if first > last + Decimal::ONE {
                let missing = name_whole(last + Decimal::ONE, first - Decimal::ONE);
                return Err((
                    i,
                    format!(
                        "gap between `{}` and `{}`: no bracket holds {missing}",
                        prev.text, next.text
                    ),
                ));
            }
            continue;
        }
        if lo < hi || lo == hi && hi_incl && lo_incl {
            return Err((i, format!("`{}` overlaps `{}`", prev.text, next.text)));
        }
        if lo > hi || !hi_incl && !lo_incl {
            return Err((
                i,
                format!("gap between `{}` and `{}`", prev.text, next.text),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "text/tests.rs"]
mod tests;
