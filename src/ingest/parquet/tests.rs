//! Unit tests of Parquet cells as data teams write them (issue 12 item 11).
use super::*;

fn num(s: &str) -> Option<RawCell> {
    Some(RawCell::Num(s.parse().expect("decimal")))
}

#[test]
fn float32_is_its_own_shortest_text_and_non_finite_floats_are_errors() {
    let s = Series::new(
        "f".into(),
        &[
            Some(4.9f32),
            Some(0.1),
            None,
            Some(f32::NAN),
            Some(f32::INFINITY),
        ],
    );
    let got = cells(&s).expect("cells");
    assert_eq!(got[..3], [num("4.9"), num("0.1"), None]);
    assert!(
        matches!(&got[3], Some(RawCell::Refused { shown, reason }) if shown == "NaN" && reason.starts_with("NaN：不是有效数字")),
        "{:?}",
        got[3]
    );
    assert!(
        matches!(&got[4], Some(RawCell::Refused { shown, reason }) if shown == "inf" && reason.starts_with("inf：不是有效数字")),
        "{:?}",
        got[4]
    );
    let s = Series::new("d".into(), &[Some(4.9f64), Some(f64::NEG_INFINITY)]);
    let got = cells(&s).expect("cells");
    assert_eq!(got[0], num("4.9"));
    assert!(
        matches!(&got[1], Some(RawCell::Refused { shown, reason }) if shown == "-inf" && reason.starts_with("-inf：不是有效数字"))
    );
}

#[test]
fn every_integer_width_is_exact() {
    let s = Series::new("u".into(), &[u64::MAX, 7]);
    assert_eq!(
        cells(&s).expect("cells"),
        [num("18446744073709551615"), num("7")]
    );
    let s = Series::new("i".into(), &[i64::MIN, -1]);
    assert_eq!(
        cells(&s).expect("cells"),
        [num("-9223372036854775808"), num("-1")]
    );
    let s = Series::new("i".into(), &[i32::MIN, 3]);
    assert_eq!(cells(&s).expect("cells"), [num("-2147483648"), num("3")]);
    let s = Series::new("u".into(), &[u32::MAX]);
    assert_eq!(cells(&s).expect("cells"), [num("4294967295")]);
    let s = Series::new("i8".into(), &[i8::MIN, 3]);
    assert_eq!(cells(&s).expect("cells"), [num("-128"), num("3")]);
    let s = Series::new("u8".into(), &[u8::MAX]);
    assert_eq!(cells(&s).expect("cells"), [num("255")]);
    let s = Series::new("i16".into(), &[i16::MIN, i16::MAX]);
    assert_eq!(cells(&s).expect("cells"), [num("-32768"), num("32767")]);
    let s = Series::new("u16".into(), &[u16::MAX]);
    assert_eq!(cells(&s).expect("cells"), [num("65535")]);
    let s = Series::new("b".into(), &[Some(true), None, Some(false)]);
    assert_eq!(
        cells(&s).expect("cells"),
        [Some(RawCell::Bool(true)), None, Some(RawCell::Bool(false))]
    );
}

#[test]
fn decimals_of_any_precision_are_exact_or_errors() {
    assert_eq!(Some(from_decimal_parts(123_456, 2)), num("1234.56"));
    // Scale 30 with trailing zeros: exact at 28 places.
    assert_eq!(
        Some(from_decimal_parts(15 * 10i128.pow(29), 30)),
        num("1.5")
    );
    // 38 significant digits: no exact decimal here, so an error cell showing the value whole.
    let big = 12_345_678_901_234_567_890_123_456_789_012_345_678i128;
    assert_eq!(
        from_decimal_parts(big, 2),
        RawCell::Refused {
            shown: "123456789012345678901234567890123456.78".into(),
            reason: "123456789012345678901234567890123456.78：有效数字超过 28 位，无法精确计算"
                .into()
        }
    );
    assert_eq!(
        from_decimal_parts(-5, 40),
        RawCell::Refused {
            shown: "-0.0000000000000000000000000000000000000005".into(),
            reason: "-0.0000000000000000000000000000000000000005：有效数字超过 28 位，无法精确计算"
                .into()
        }
    );
}

#[test]
fn timestamps_are_dates_in_their_zone() {
    let may_day = NaiveDate::from_ymd_opt(2023, 5, 1)
        .map(RawCell::Date)
        .expect("date");
    // 2023-04-30T16:30:00Z is 2023-05-01 00:30 in China.
    let t = 1_682_872_200i64;
    assert_eq!(
        from_timestamp(t * 1000, TimeUnit::Milliseconds, Some(&Ok(8 * 3600))),
        may_day
    );
    assert_eq!(
        from_timestamp(
            t * 1_000_000 + 86_400_000_000 / 3,
            TimeUnit::Microseconds,
            None
        ),
        may_day
    );
    assert_eq!(
        from_timestamp(t * 1_000_000_000, TimeUnit::Nanoseconds, None),
        NaiveDate::from_ymd_opt(2023, 4, 30)
            .map(RawCell::Date)
            .expect("date")
    );
    assert_eq!(zone_offset("Asia/Shanghai"), Some(28_800));
    assert_eq!(zone_offset("+08:00"), Some(28_800));
    assert_eq!(zone_offset("-0530"), Some(-19_800));
    assert_eq!(zone_offset("UTC"), Some(0));
    assert_eq!(zone_offset("America/New_York"), None);
    assert_eq!(
        from_timestamp(
            t,
            TimeUnit::Milliseconds,
            Some(&Err("America/New_York".into()))
        ),
        RawCell::Refused {
            shown: String::new(),
            reason: "时间戳的时区 America/New_York 无法确定对应的日期；请写为日期或 UTC+8 时间"
                .into()
        }
    );
}
