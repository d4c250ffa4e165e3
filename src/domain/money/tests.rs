//! Unit tests of `money`.
use super::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

#[test]
fn rounds_half_away_from_zero() {
    assert_eq!(fixed2(d("4663888.885")), "4663888.89");
    assert_eq!(fixed2(d("0.125")), "0.13");
    assert_eq!(fixed2(d("-0.125")), "-0.13");
    assert_eq!(fixed2(d("7")), "7.00");
}

#[test]
fn groups_thousands() {
    assert_eq!(grouped2(d("10000000")), "10,000,000.00");
    assert_eq!(grouped2(d("999.5")), "999.50");
    assert_eq!(grouped2(d("-1234567.891")), "-1,234,567.89");
    assert_eq!(grouped2(d("0")), "0.00");
}

#[test]
fn float_cells_become_shortest_text() {
    assert_eq!(from_cell_f64(0.1).unwrap().to_string(), "0.1");
    assert_eq!(from_cell_f64(300000000.0).unwrap().to_string(), "300000000");
    assert_eq!(from_cell_f64(1e-7).unwrap(), d("0.0000001"));
    assert!(from_cell_f64(f64::NAN).is_none());
}

#[test]
fn cleans_and_parses_clerk_text() {
    assert_eq!(
        parse_decimal(&clean_number_text("１２，３４５．６")),
        Some(d("12345.6"))
    );
    assert_eq!(
        parse_decimal(&clean_number_text("1,000,000")),
        Some(d("1000000"))
    );
    assert_eq!(parse_decimal("12a"), None);
    assert_eq!(parse_decimal("1.2.3"), None);
    assert_eq!(parse_decimal(""), None);
    assert_eq!(parse_decimal("-"), None);
}
