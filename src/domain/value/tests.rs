//! Unit tests of `value`.
use super::*;

fn field(ty: FieldType, unit: Option<&str>) -> Field {
    Field {
        key: "k".into(),
        header_zh: "k".into(),
        ty,
        unit: unit.map(String::from),
        values: vec![],
        source: "form".into(),
        signed: false,
    }
}

#[test]
fn reads_numbers_units_and_scales() {
    let money = field(FieldType::Money, Some("元"));
    assert_eq!(
        parse_text(&money, "１２万元", Decimal::ONE),
        Ok(Value::Num(Decimal::from(120000)))
    );
    assert_eq!(
        parse_text(&money, "3,000", Decimal::from(10000)),
        Ok(Value::Num(Decimal::from(30000000)))
    );
    assert_eq!(
        parse_text(&money, "abc", Decimal::ONE),
        Err(Unreadable("“abc”不是数字".into()))
    );
    // Accounting negatives are named as such, never read as a number.
    for t in ["(30001)", "（30001）", "30001-"] {
        assert_eq!(
            parse_text(&money, t, Decimal::ONE),
            Err(Unreadable(format!("“{t}”像是会计写法的负数（括号或末尾负号），含义不确定；负数请写为 -30001（只有可为负的栏目才能填负数）"))),
            "{t}"
        );
    }
    assert_eq!(
        parse_text(&money, "(备注)", Decimal::ONE),
        Err(Unreadable("“(备注)”不是数字".into()))
    );
    let int = field(FieldType::Integer, None);
    assert_eq!(
        parse_text(&int, "2.5", Decimal::ONE),
        Err(Unreadable("“2.5”应为整数".into()))
    );
}

#[test]
fn reads_bools_and_dates() {
    assert_eq!(parse_bool("是"), Some(true));
    assert_eq!(parse_bool("FALSE"), Some(false));
    assert_eq!(parse_bool("也许"), None);
    let want = NaiveDate::from_ymd_opt(2024, 3, 15).ok_or("date");
    for t in [
        "2024-03-15",
        "2024/3/15",
        "2024.3.15",
        "2024年3月15日",
        "20240315",
        "2024-03-15 00:00:00",
    ] {
        assert_eq!(parse_date(t).map_err(|_| "date"), want, "{t}");
    }
    assert_eq!(
        parse_date("2024-02-30"),
        Err(Unreadable("“2024-02-30”不是日期（如 2024-03-15）".into()))
    );
}

/// Issue 12 item 5: dates as people type them, full-width included, and a time after them.
#[test]
fn reads_dates_as_people_type_them() {
    let may_day = NaiveDate::from_ymd_opt(2023, 5, 1).ok_or("date");
    for t in [
        "2023年5月1日",
        "2023.5.1",
        "2023/5/1",
        "2023-5-1",
        "20230501",
        "２０２３年５月１日",
        "2023／5／1",
        "2023年05月01日",
        " 2023-05-01 08:30 ",
        "2023-05-01T00:00:00",
    ] {
        assert_eq!(parse_date(t).map_err(|_| "date"), may_day, "{t}");
    }
}

/// A two-digit year is ambiguous (2023? 1923? day-month-year?): refused with a message that
/// says so, never the year 23.
#[test]
fn refuses_two_digit_years() {
    for t in ["23.5.1", "23/5/1", "23-5-1", "23年5月1日", "230501"] {
        assert_eq!(
            parse_date(t),
            Err(Unreadable(format!(
                "“{t}”的年份只有两位，无法确定是哪一年；请写四位年份（如 2023-05-01）"
            ))),
            "{t}"
        );
    }
    for t in [
        "5/1/2023",
        "2023年5月",
        "023.5.1",
        "12023.5.1",
        "2023.5.1.1",
        "2023.五.1",
        "",
        "20231301",
        // Found by the `date` fuzz target: read as the year 23 (or 1) before.
        "0023-05-01",
        "0023年5月1日",
        "00230501",
        "00010101",
    ] {
        assert_eq!(
            parse_date(t),
            Err(Unreadable(format!(
                "“{}”不是日期（如 2024-03-15）",
                t.trim()
            ))),
            "{t}"
        );
    }
}
