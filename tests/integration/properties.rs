//! Money invariants under random inputs: splits add up exactly, shared caps are never
//! exceeded, and the batch pass does not depend on the order of its lines.

use proptest::prelude::*;
use rust_decimal::Decimal;

use subsidy::engine::batch::{settle, split, Line, Pending};
use subsidy::engine::{Evaluation, Result as EvalResult};
use subsidy::rules::{Cap, CapScope, Formula, Outcome, Payer, Rule};

fn cents(c: u64) -> Decimal {
    Decimal::new(c as i64, 2)
}

fn capped_rule(id: &str, cap: Decimal) -> Rule {
    Rule {
        id: id.into(),
        clause: "第1条".into(),
        excerpt: "单个企业每年不超过".into(),
        outcome: Outcome::Payout,
        flags: vec![],
        when: vec![],
        formula: Formula::Fixed { amount: Decimal::ZERO },
        caps: vec![Cap { amount: cap, scope: CapScope::EnterpriseYear { group: "g".into() }, words: None }],
        floor: None,
        split: None,
        readings: vec![],
        line: 1,
        same_as: vec![],
        max_years: None,
        differential: false,
        exclusive: None,
        budget: None,
    }
}

fn settle_amounts(rules: &[Rule], lines: &[(usize, u64, String, String)]) -> Vec<(String, Line)> {
    let pending: Vec<Pending<'_>> = lines
        .iter()
        .map(|(r, amount, code, app)| Pending {
            rule: &rules[*r],
            payer: Payer::City,
            evaluation: Evaluation { result: EvalResult::Amount(Decimal::new(*amount as i64, 3)), trace: vec![], split: None },
            credit_code: code,
            year: "2023",
            order: (app, &rules[*r].id),
            prior_shared: Decimal::ZERO,
            budget: None,
        })
        .collect();
    lines.iter().map(|l| l.3.clone()).zip(settle(pending)).collect()
}

proptest! {
    #[test]
    fn splits_add_up_to_the_line(amount in 0u64..10_000_000_000, w in proptest::collection::vec(0u32..1000, 1..5)) {
        prop_assume!(w.iter().any(|x| *x > 0));
        let weights: Vec<(Payer, Decimal)> = w.iter().enumerate().map(|(i, x)| (Payer::ALL[i], Decimal::from(*x))).collect();
        let shares = split(cents(amount), Some(&weights), Payer::City);
        let sum: Decimal = shares.iter().map(|(_, v)| *v).sum();
        prop_assert_eq!(sum, cents(amount));
        prop_assert!(shares.iter().all(|(_, v)| *v >= Decimal::ZERO && v.scale() <= 2));
    }

    #[test]
    fn shared_caps_hold_and_order_does_not_matter(
        raw in proptest::collection::vec((0usize..2, 0u64..5_000_000_000, 0usize..3), 1..30),
        cap in 0u64..3_000_000_000,
    ) {
        let cap = Decimal::new(cap as i64, 3).round_dp(2);
        let rules = vec![capped_rule("r-a", cap), capped_rule("r-b", cap)];
        let lines: Vec<(usize, u64, String, String)> = raw
            .iter()
            .enumerate()
            .map(|(i, (r, a, e))| (*r, *a, format!("E{e}"), format!("A{i:03}")))
            .collect();
        let forward = settle_amounts(&rules, &lines);
        for e in 0..3 {
            let code = format!("E{e}");
            let total: Decimal = lines.iter().zip(&forward).filter(|(l, _)| l.2 == code).map(|(_, (_, x))| x.amount).sum();
            prop_assert!(total <= cap, "enterprise {} got {} over cap {}", code, total, cap);
        }
        let mut reversed = lines.clone();
        reversed.reverse();
        let mut back = settle_amounts(&rules, &reversed);
        back.sort_by(|a, b| a.0.cmp(&b.0));
        let mut fwd = forward.clone();
        fwd.sort_by(|a, b| a.0.cmp(&b.0));
        prop_assert_eq!(fwd, back);
    }
}
