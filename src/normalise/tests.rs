//! Unit tests of `normalise`.
use super::*;
use crate::domain::identity::{
    credit_code_check_char, credit_code_valid, payee_id_valid, resident_id_valid,
};
use chrono::NaiveDate;

#[test]
fn credit_codes_follow_gb32100() {
    let first = "91150100MA0N0A0A0";
    let c = credit_code_check_char(first).unwrap();
    assert!(credit_code_valid(&format!("{first}{c}")));
    let wrong = if c == '0' { '1' } else { '0' };
    assert!(!credit_code_valid(&format!("{first}{wrong}")));
    assert!(!credit_code_valid("9115010"));
    assert!(!credit_code_valid("91150100MA0N0A0AOI"));
    // A published code: 国家税务总局 91100000717806546K? Use a known valid public example.
    assert!(credit_code_valid("91350100M000100Y43"));
}

#[test]
fn excel_serials_are_dates() {
    assert_eq!(
        serial_date(Decimal::from(45366), DateSystem::Excel1900),
        NaiveDate::from_ymd_opt(2024, 3, 15)
    );
    assert_eq!(serial_date(Decimal::from(-3), DateSystem::Excel1900), None);
}

#[test]
fn individuals_are_identified_by_resident_id() {
    // The standard's own example number (GB 11643-1999, 附录).
    assert!(resident_id_valid("11010519491231002X"));
    assert!(!resident_id_valid("110105194912310021"));
    assert!(payee_id_valid("11010519491231002X"));
    assert!(payee_id_valid("91350100M000100Y43"));
    assert!(!payee_id_valid("91350100M000100Y44"));
}

/// Issue 12 item 15: an 18-digit 统一社会信用代码 stored as a number has lost its last digits;
/// the message says so and how to fix the column. An exact integer (Parquet) that checks is kept.
#[test]
fn credit_codes_stored_as_numbers_say_how_to_fix_the_column() {
    let vocab = crate::domain::fields::Vocabulary::load(std::path::Path::new("config"))
        .expect("config/fields.json");
    let code = vocab.id("credit_code").expect("credit_code");
    let typed = |cell: RawCell| {
        typed(
            &vocab,
            code,
            &cell,
            crate::domain::fields::Scale { mul: 1, div: 1 },
            DateSystem::Excel1900,
        )
    };
    let lost = Err(crate::domain::value::Unreadable(
        CREDIT_CODE_AS_NUMBER.into(),
    ));
    // 911501001234567890 as Excel keeps it: 15 significant digits.
    assert_eq!(
        typed(RawCell::Num(Decimal::from(911_501_001_234_567_000_u64))),
        lost
    );
    assert_eq!(typed(RawCell::Text("9.11501001234567E+17".into())), lost);
    assert_eq!(typed(RawCell::Text("9.11501E17".into())), lost);
    let exact = (10..100)
        .map(|i| format!("911501001234567{i:02}"))
        .find_map(|first| {
            credit_code_check_char(&first)
                .filter(char::is_ascii_digit)
                .map(|c| format!("{first}{c}"))
        })
        .expect("an all-digit code");
    assert_eq!(
        typed(RawCell::Num(exact.parse().expect("digits"))),
        Ok(Value::Text(exact.clone().into()))
    );
    assert_eq!(
        typed(RawCell::Text("91350100M000100Y43".into())),
        Ok(Value::Text("91350100M000100Y43".into()))
    );
    assert!(CREDIT_CODE_AS_NUMBER.contains("设置单元格格式 → 文本"));
}

mod signs {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::super::typed;
    use crate::domain::fields::{Scale, Vocabulary};
    use crate::domain::value::Value;
    use crate::ingest::RawCell;

    fn vocab() -> Vocabulary {
        Vocabulary::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config")).unwrap()
    }

    proptest! {
        /// Whatever a cell holds (a number, its text with separators, full-width signs or a unit,
        /// under any header conversion), a field that may not be negative never gets a negative
        /// value: no input reaches the engine as a negative amount, quantity, rate or count.
        #[test]
        fn unsigned_fields_never_read_negative(
            mantissa in any::<i64>(), scale in 0u32..6, as_text in any::<bool>(), prefix in prop::sample::select(vec!["", "－", "-", "+", " "]),
            suffix in prop::sample::select(vec!["", "万元", "元", "%", "吨", "年", "个月"]), mul in prop::sample::select(vec![1u64, 10_000]), div in prop::sample::select(vec![1u64, 12]),
            field in 0usize..279,
        ) {
            let v = vocab();
            let f = (field % v.len()) as u16;
            let ty = v.get(f).ty;
            prop_assume!(ty.is_numeric() && !v.get(f).signed);
            let d = Decimal::new(mantissa, scale);
            let cell = if as_text { RawCell::Text(format!("{prefix}{}{suffix}", d.abs())) } else { RawCell::Num(d) };
            if let Ok(Value::Num(n)) = typed(&v, f, &cell, Scale { mul, div }, crate::ingest::DateSystem::Excel1900) {
                prop_assert!(!n.is_sign_negative() || n.is_zero(), "{:?} {cell:?} → {n}", ty);
            }
        }
    }
}
