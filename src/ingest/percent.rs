//! Percent-formatted cells (百分比格式). Excel and WPS store a number shown as `3%` as 0.03
//! with a percent number format; the cell means 3%. A percent cell is handed on as the text it
//! shows (`3%`), so a rate field reads 3 and any other number field refuses it as a percent
//! where it expects an amount or a quantity (its meaning is not certain).

use std::collections::HashSet;

use calamine::Style;
use rust_decimal::Decimal;

use super::RawCell;

/// Built-in number formats that are percent: 9 (`0%`) and 10 (`0.00%`).
pub(super) const BUILTIN_PERCENT: [u32; 2] = [9, 10];

/// Whether a number format code shows its number as a percent: a `%` outside quoted text
/// (`"%"`), an escaped character (`\%`) and a bracketed part (`[Red]`).
pub(super) fn is_percent_code(code: &str) -> bool {
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for c in code.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            '%' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// Whether a cell style shows numbers as percents.
pub(super) fn is_percent_style(style: &Style) -> bool {
    style.number_format.as_ref().is_some_and(|f| {
        f.format_id.is_some_and(|id| BUILTIN_PERCENT.contains(&id))
            || is_percent_code(&f.format_code)
    })
}

/// The cells of one sheet shown as percents, by (row, column).
pub(super) type PercentCells = HashSet<(u32, u32)>;

/// A number cell shown as a percent becomes the text it shows: 0.03 → `3%` (exact: the
/// decimal is scaled, not the float).
pub(super) fn as_shown(cell: RawCell) -> RawCell {
    match cell {
        RawCell::Num(d) => match d.checked_mul(Decimal::ONE_HUNDRED) {
            Some(p) => RawCell::Text(format!("{}%", p.normalize())),
            None => RawCell::Refused {
                shown: d.to_string(),
                reason: format!("百分比数值过大：{d}"),
            },
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_codes_are_told_from_quoted_and_escaped_signs() {
        for code in ["0%", "0.00%", "#,##0.0%;[Red]-0.0%", "0%\" 以上\""] {
            assert!(is_percent_code(code), "{code}");
        }
        for code in [
            "General",
            "0.00",
            "0\"%\"",
            "0\\%",
            "[$%-804]0.00",
            "#,##0.00",
        ] {
            assert!(!is_percent_code(code), "{code}");
        }
    }

    #[test]
    fn a_percent_number_becomes_the_text_it_shows() {
        assert_eq!(
            as_shown(RawCell::Num(Decimal::new(3, 2))),
            RawCell::Text("3%".into())
        );
        assert_eq!(
            as_shown(RawCell::Num(Decimal::new(435, 4))),
            RawCell::Text("4.35%".into())
        );
        assert_eq!(
            as_shown(RawCell::Text("x".into())),
            RawCell::Text("x".into())
        );
    }
}
