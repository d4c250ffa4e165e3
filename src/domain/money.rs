//! Exact amounts (金额) and quantities: parsing decimal text from cells and config, rounding
//! once per line (D7: 四舍五入 half away from zero), and display with thousands separators.
//!
//! Nothing in the crate does arithmetic on binary floats. A float read from a cell is turned
//! into its shortest decimal text once, in [`from_cell_f64`], and parsed from there.

use rust_decimal::RoundingStrategy;

pub use rust_decimal::Decimal;

/// Rounds a line amount to 分 (0.01 元), half away from zero, as D7 requires.
pub fn round_yuan(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Renders a value with exactly two decimals and no separators: `10000000.00`.
pub fn fixed2(value: Decimal) -> String {
    let mut v = round_yuan(value);
    v.rescale(2);
    v.to_string()
}

/// Renders a value with two decimals and thousands separators: `10,000,000.00`.
pub fn grouped2(value: Decimal) -> String {
    let text = fixed2(value);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    out.push_str(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out.push('.');
    out.push_str(frac);
    out
}

/// Renders a decimal without trailing zeros (`0.02`, `300`), for parameters and quantities.
pub fn plain(value: Decimal) -> String {
    value.normalize().to_string()
}

/// The shortest decimal text of a float read from a cell, parsed once. Non-finite floats
/// have no decimal meaning and give `None`.
pub fn from_cell_f64(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    // `{}` on f64 prints the shortest text that round-trips, e.g. 0.1 → "0.1".
    let text = format!("{value}");
    Decimal::from_str_exact(&text)
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
}

/// Parses plain decimal text: ASCII digits, one optional sign and point. No separators,
/// no units; callers clean the text first (see [`clean_number_text`]).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() || t.len() > 40 {
        return None;
    }
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if body.is_empty() || body.starts_with('.') && body.len() == 1 {
        return None;
    }
    if !body.chars().all(|c| c.is_ascii_digit() || c == '.') || body.matches('.').count() > 1 {
        return None;
    }
    Decimal::from_str_exact(t).ok()
}

/// Turns what a clerk types into plain decimal text: full-width digits and signs become
/// ASCII, thousands separators and spaces go. Returns `None` when something other than a
/// number remains (the caller reports the cell).
pub fn clean_number_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for ch in raw.chars() {
        match ch {
            '０'..='９' => out.push(char::from(b'0' + (ch as u32 - '０' as u32) as u8)),
            '．' | '。' => out.push('.'),
            '－' | '−' => out.push('-'),
            '＋' => out.push('+'),
            ',' | '，' | ' ' | '\u{3000}' | '\u{a0}' | '_' | '\'' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "money/tests.rs"]
mod tests;
