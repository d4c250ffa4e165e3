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
    assert!(parse_interval("[5000万, )")
        .unwrap()
        .contains(d("1e12".replace("1e12", "1000000000000").as_str())));
    assert!(parse_interval("[1, )").is_ok());
    assert_eq!(
        parse_interval("[5, 5)").unwrap_err(),
        "interval `[5, 5)` is empty"
    );
    assert!(parse_interval("5, 6]").is_err());
}

#[test]
fn bracket_tables_refuse_gaps_and_overlaps() {
    let a = parse_interval("[0, 15亿]").unwrap();
    let b = parse_interval("(15亿, 30亿]").unwrap();
    let c = parse_interval("[30亿, )").unwrap();
    let e = parse_interval("(31亿, )").unwrap();
    assert!(check_brackets(&[&a, &b], false).is_ok());
    assert_eq!(
        check_brackets(&[&a, &b, &c], false).unwrap_err().1,
        "`(15亿, 30亿]` overlaps `[30亿, )`"
    );
    assert_eq!(
        check_brackets(&[&a, &b, &e], false).unwrap_err().1,
        "gap between `(15亿, 30亿]` and `(31亿, )`"
    );
}

#[test]
fn boundary_words_follow_d1() {
    assert_eq!(op_of_word("以上"), Some(Op::Ge));
    assert_eq!(op_of_word("超过"), Some(Op::Gt));
    assert_eq!(op_of_word("不超过"), Some(Op::Le));
    assert_eq!(op_of_word("低于"), Some(Op::Lt));
    assert_eq!(op_of_word("大约"), None);
}

/// Issue 19 item 4: on a whole-number field `[1, 1]`, `[2, 3]`, `[4, 6]` leave no gap; a real
/// gap names the numbers no bracket holds.
#[test]
fn whole_number_brackets_are_sets_of_whole_numbers() {
    let i = |t: &str| parse_interval(t).unwrap();
    let (one, two, four, seven) = (i("[1, 1]"), i("[2, 3]"), i("[4, 6]"), i("[7, )"));
    assert_eq!(
        check_brackets(&[&one, &two, &four], false).unwrap_err().1,
        "gap between `[1, 1]` and `[2, 3]`"
    );
    assert!(check_brackets(&[&one, &two, &four, &seven], true).is_ok());
    assert!(check_brackets(&[&one, &i("(1, 3]"), &i("(3, 6)"), &i("[6, )")], true).is_ok());
    assert_eq!(
        check_brackets(&[&one, &four], true).unwrap_err().1,
        "gap between `[1, 1]` and `[4, 6]`: no bracket holds 2, 3"
    );
    assert_eq!(
        check_brackets(&[&one, &i("[20, )")], true).unwrap_err().1,
        "gap between `[1, 1]` and `[20, )`: no bracket holds 2 … 19"
    );
    assert_eq!(
        check_brackets(&[&two, &i("[3, 5]")], true).unwrap_err().1,
        "`[2, 3]` overlaps `[3, 5]` (both hold 3)"
    );
    assert_eq!(
        check_brackets(&[&one, &i("(1, 2)")], true).unwrap_err().1,
        "`(1, 2)` holds no whole number"
    );
}

/// Issue 13 item 8: the texts' own boundary words load without `op`, and an explicit （含） /
/// （不含） wins over the word.
#[test]
fn more_boundary_words_and_explicit_marks() {
    for (w, op) in [
        ("小于等于", Op::Le),
        ("大于等于", Op::Ge),
        ("大于", Op::Gt),
        ("小于", Op::Lt),
        ("达", Op::Ge),
        ("满", Op::Ge),
        ("未满", Op::Lt),
        ("不到", Op::Lt),
        ("超过（含）", Op::Ge),
        ("以上（不含）", Op::Gt),
        ("（含）以上", Op::Ge),
        ("以下(不含)", Op::Lt),
        ("不超过（不含本数）", Op::Lt),
        ("低于（含）", Op::Le),
        ("满（不含）", Op::Gt),
    ] {
        assert_eq!(op_of_word(w), Some(op), "{w}");
    }
    assert_eq!(op_of_word("约（含）"), None);
    assert_eq!(date_op_of_word("前（含）"), Some(Op::Le));
    assert_eq!(date_op_of_word("起（不含）"), Some(Op::Gt));
    assert_eq!(date_op_of_word("截至"), Some(Op::Le));
}
