//! Unit tests of `lpr`.
use super::*;

#[test]
fn shipped_table_gives_the_rate_in_force() {
    let t = LprTable::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"))).unwrap();
    let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(t.on(d("2022-06-20")).unwrap().one_year.to_string(), "3.70");
    assert_eq!(t.on(d("2022-08-22")).unwrap().one_year.to_string(), "3.65");
    assert_eq!(t.on(d("2019-08-19")), None);
}

#[test]
fn refuses_unordered_dates() {
    let text = "[[lpr]]\neffective = \"2020-01-01\"\none_year = \"4\"\nfive_year = \"5\"\n[[lpr]]\neffective = \"2019-01-01\"\none_year = \"4\"\nfive_year = \"5\"\n";
    let e = LprTable::parse(text, Path::new("lpr.toml")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "lpr.toml:5: 2019-01-01 is not after the previous entry; keep the table in date order"
    );
}
