//! The batch pass on a small policy: budgets (D11), equal-split pools, exclusive groups (D9).

use std::path::Path;

use proptest::prelude::*;
use rust_decimal::Decimal;

use subsidy::engine::batch::{settle, Line, Pending, NOTHING_SHARED};
use subsidy::engine::{Evaluation, Result as EvalResult};
use subsidy::rules::{load_policy_text, Policy};

use crate::common::vocab;

const POLICY: &str = r#"
[policy]
id = "t"
title = "测试"
payer = "盟市"

[[budget]]
id = "fund"
amount = "100"
method = "pro_rata"
words = "专项资金"

[[budget]]
id = "pool"
amount = "100"
method = "equal"

[[rule]]
id = "scaled"
clause = "第1条"
excerpt = "按比例核减"
budget = "fund"
formula = { kind = "amount", base = "approved_amount" }

[[rule]]
id = "shared"
clause = "第2条"
excerpt = "平均分配"
budget = "pool"
formula = { kind = "pool_share" }

[[rule]]
id = "high-a"
clause = "第3条"
excerpt = "就高"
exclusive = "same"
formula = { kind = "amount", base = "approved_amount" }

[[rule]]
id = "high-b"
clause = "第3条"
excerpt = "就高"
exclusive = "same"
formula = { kind = "amount", base = "approved_amount" }

[[rule]]
id = "capped"
clause = "第4条"
excerpt = "单个企业每年不超过800万元"
caps = [ { amount = "800万", scope = "enterprise_year", group = "ent" } ]
floor = "1万"
formula = { kind = "amount", base = "approved_amount" }
"#;

fn policy() -> Policy {
    load_policy_text(POLICY, Path::new("t.toml"), &vocab()).unwrap()
}

fn run(policy: &Policy, lines: &[(&str, &str, &str, &str)]) -> Vec<Line> {
    let pending = lines
        .iter()
        .map(|(rule, app, code, amount)| {
            let rule = policy.rules.iter().find(|r| r.id == *rule).unwrap();
            Pending {
                rule,
                payer: policy.payer,
                evaluation: Evaluation {
                    result: EvalResult::Amount(Decimal::from_str_exact(amount).unwrap()),
                    trace: Default::default(),
                    split: None,
                    shared_caps: vec![],
                    payment: Default::default(),
                },
                credit_code: code,
                year: "2023",
                project: "",
                order: (app, &rule.id),
                prior_shared: &NOTHING_SHARED,
                budget: rule
                    .budget
                    .as_ref()
                    .and_then(|b| policy.budgets.iter().find(|x| &x.id == b)),
            }
        })
        .collect();
    settle(pending)
}

fn amounts(lines: &[Line]) -> Vec<String> {
    lines.iter().map(|l| l.result_text()).collect()
}

#[test]
fn a_budget_too_small_scales_every_award_and_sums_exactly() {
    let p = policy();
    let lines = run(
        &p,
        &[
            ("scaled", "A1", "X", "100"),
            ("scaled", "A2", "Y", "100"),
            ("scaled", "A3", "Z", "100"),
        ],
    );
    assert_eq!(amounts(&lines), ["33.34", "33.33", "33.33"]);
    assert!(lines[0]
        .trace
        .steps()
        .any(|s| s.starts_with("按比例核减 专项资金 2023 年度预算 100.00")));
    let lines = run(
        &p,
        &[("scaled", "A1", "X", "30"), ("scaled", "A2", "Y", "40")],
    );
    assert_eq!(
        amounts(&lines),
        ["30.00", "40.00"],
        "within budget nothing changes"
    );
}

#[test]
fn an_equal_pool_gives_leftover_cents_to_the_lowest_application_ids() {
    let p = policy();
    let lines = run(
        &p,
        &[
            ("shared", "CF-3", "X", "0"),
            ("shared", "CF-1", "Y", "0"),
            ("shared", "CF-2", "Z", "0"),
        ],
    );
    assert_eq!(amounts(&lines), ["33.33", "33.34", "33.33"]);
}

#[test]
fn an_exclusive_group_pays_only_the_highest_per_enterprise() {
    let p = policy();
    let lines = run(
        &p,
        &[
            ("high-a", "A1", "X", "50"),
            ("high-b", "A2", "X", "80"),
            ("high-a", "A3", "Y", "10"),
        ],
    );
    assert_eq!(amounts(&lines), ["0.00", "80.00", "10.00"]);
    assert!(lines[0]
        .trace
        .steps()
        .any(|s| s.contains("就高") && s.contains("A2")));
}

/// Issue 13: a settlement refund (a negative line) sorting before the enterprise's other project
/// used to widen the shared cap's room (8,750,000.00 under an 800万 cap); where it sorted after,
/// the project was paid 8,000,000.00. A negative line never widens any cap's room.
#[test]
fn a_refund_line_never_widens_a_shared_cap_whichever_sorts_first() {
    let p = policy();
    let refund_first = run(
        &p,
        &[
            ("capped", "A1", "X", "-750000"),
            ("capped", "A2", "X", "8750000"),
        ],
    );
    assert_eq!(amounts(&refund_first), ["-750000.00", "8000000.00"]);
    let project_first = run(
        &p,
        &[
            ("capped", "A2", "X", "-750000"),
            ("capped", "A1", "X", "8750000"),
        ],
    );
    assert_eq!(amounts(&project_first), ["-750000.00", "8000000.00"]);
    let step = refund_first[0]
        .trace
        .steps()
        .find(|s| s.starts_with("封顶"))
        .unwrap();
    assert_eq!(step, "封顶 单个企业年度上限：退回 -750,000.00 不占用也不增加共享上限的额度（同企业 2023 年度已计 0.00）");
}

/// D12's minimum payout is for awards: a refund under it is still owed back in full.
#[test]
fn a_refund_is_not_held_to_the_minimum_payout() {
    let p = policy();
    assert_eq!(
        amounts(&run(
            &p,
            &[
                ("capped", "A1", "X", "-5000"),
                ("capped", "A2", "X", "5000")
            ]
        )),
        ["-5000.00", "0.00"]
    );
}

#[test]
fn an_unknown_budget_is_refused_with_its_line() {
    let text = POLICY.replace("budget = \"pool\"", "budget = \"poool\"");
    let e = load_policy_text(&text, Path::new("t.toml"), &vocab()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.toml:29: rule `shared`: budget `poool` is not defined in this file's [[budget]] tables"
    );
}

proptest! {
    #[test]
    fn budgets_are_never_exceeded_and_sum_exactly_when_binding(claims in proptest::collection::vec(0u32..100_000, 1..20)) {
        let p = policy();
        let apps: Vec<String> = (0..claims.len()).map(|i| format!("A{i:02}")).collect();
        let texts: Vec<String> = claims.iter().map(|c| format!("{}.{:02}", c / 100, c % 100)).collect();
        let lines: Vec<(&str, &str, &str, &str)> = apps.iter().zip(&texts).map(|(a, t)| ("scaled", a.as_str(), "X", t.as_str())).collect();
        let out = run(&p, &lines);
        let total: Decimal = out.iter().map(|l| l.amount).sum();
        let claimed: Decimal = texts.iter().map(|t| Decimal::from_str_exact(t).unwrap()).sum();
        let budget = Decimal::from(100);
        if claimed > budget {
            prop_assert_eq!(total, budget);
        } else {
            prop_assert_eq!(total, claimed);
        }
    }
}
