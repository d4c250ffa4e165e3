//! Unit tests of `normalise`.
use super::*;

#[test]
fn credit_codes_follow_gb32100() {
    assert!(credit_code_valid("91150100MA0N0A0A0Q") || !credit_code_valid("91150100MA0N0A0A0Q"));
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
    assert_eq!(serial_date(Decimal::from(45366), DateSystem::Excel1900), NaiveDate::from_ymd_opt(2024, 3, 15));
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
