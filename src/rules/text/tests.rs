//! Unit tests of `text`.
use super::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

#[test]
fn amounts_rates_ratios() {
    assert_eq!(parse_amount("1000万"), Some(d("10000000")));
    assert_eq!(parse_amount("1.5亿"), Some(d("150000000")));
    assert_eq!(parse_amount("300"), Some(d("300")));
    assert_eq!(parse_amount("3e5"), None);
    assert_eq!(parse_rate("2.5%"), Some(d("0.025")));
    assert_eq!(parse_rate("0.02"), None);
    assert_eq!(parse_ratio("1：1"), Some(d("1")));
    assert_eq!(parse_ratio("2:1"), Some(d("0.5")));
}

#[test]
fn intervals() {
    let i = parse_interval("(15亿, 30亿]").unwrap();
    assert!(!i.contains(d("1500000000")));
    assert!(i.contains(d("3000000000")));
    assert!(parse_interval("[5000万, )").unwrap().contains(d("1e12".replace("1e12", "1000000000000").as_str())));
    assert!(parse_interval("[1, )").is_ok());
    assert_eq!(parse_interval("[5, 5)").unwrap_err(), "interval `[5, 5)` is empty");
    assert!(parse_interval("5, 6]").is_err());
}

#[test]
fn bracket_tables_refuse_gaps_and_overlaps() {
    let a = parse_interval("[0, 15亿]").unwrap();
    let b = parse_interval("(15亿, 30亿]").unwrap();
    let c = parse_interval("[30亿, )").unwrap();
    let e = parse_interval("(31亿, )").unwrap();
    assert!(check_brackets(&[&a, &b]).is_ok());
    assert_eq!(check_brackets(&[&a, &b, &c]).unwrap_err().1, "`(15亿, 30亿]` overlaps `[30亿, )`");
    assert_eq!(check_brackets(&[&a, &b, &e]).unwrap_err().1, "gap between `(15亿, 30亿]` and `(31亿, )`");
}

#[test]
fn boundary_words_follow_d1() {
    assert_eq!(op_of_word("以上"), Some(Op::Ge));
    assert_eq!(op_of_word("超过"), Some(Op::Gt));
    assert_eq!(op_of_word("不超过"), Some(Op::Le));
    assert_eq!(op_of_word("低于"), Some(Op::Lt));
    assert_eq!(op_of_word("大约"), None);
}
