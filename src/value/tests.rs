//! Unit tests of `value`.
use super::*;

fn field(ty: FieldType, unit: Option<&str>) -> Field {
    Field { key: "k".into(), header_zh: "k".into(), ty, unit: unit.map(String::from), values: vec![], source: "form".into(), signed: false }
}

#[test]
fn reads_numbers_units_and_scales() {
    let money = field(FieldType::Money, Some("元"));
    assert_eq!(parse_text(&money, "１２万元", Decimal::ONE), Ok(Value::Num(Decimal::from(120000))));
    assert_eq!(parse_text(&money, "3,000", Decimal::from(10000)), Ok(Value::Num(Decimal::from(30000000))));
    assert_eq!(parse_text(&money, "abc", Decimal::ONE), Err(Unreadable("“abc”不是数字".into())));
    let int = field(FieldType::Integer, None);
    assert_eq!(parse_text(&int, "2.5", Decimal::ONE), Err(Unreadable("“2.5”应为整数".into())));
}

#[test]
fn reads_bools_and_dates() {
    assert_eq!(parse_bool("是"), Some(true));
    assert_eq!(parse_bool("FALSE"), Some(false));
    assert_eq!(parse_bool("也许"), None);
    let want = NaiveDate::from_ymd_opt(2024, 3, 15);
    for t in ["2024-03-15", "2024/3/15", "2024.3.15", "2024年3月15日", "20240315", "2024-03-15 00:00:00"] {
        assert_eq!(parse_date(t), want, "{t}");
    }
    assert_eq!(parse_date("2024-02-30"), None);
}
