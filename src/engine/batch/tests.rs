//! Unit tests of `batch`.
use super::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

#[test]
fn split_adds_up_exactly() {
    let w = [
        (Payer::Region, d("1")),
        (Payer::City, d("1")),
        (Payer::County, d("1")),
    ];
    let s = split(d("100.00"), Some(&w), Payer::City);
    assert_eq!(s.iter().map(|(_, v)| *v).sum::<Decimal>(), d("100.00"));
    assert_eq!(s[0].1, d("33.34"));
    let w = [
        (Payer::Region, d("100")),
        (Payer::City, d("50")),
        (Payer::County, d("50")),
    ];
    let s = split(d("6000000.00"), Some(&w), Payer::City);
    assert_eq!(
        s,
        vec![
            (Payer::Region, d("3000000")),
            (Payer::City, d("1500000")),
            (Payer::County, d("1500000"))
        ]
    );
}

#[test]
fn no_split_pays_from_the_policy_payer() {
    assert_eq!(
        split(d("5"), None, Payer::City),
        vec![(Payer::City, d("5"))]
    );
}
