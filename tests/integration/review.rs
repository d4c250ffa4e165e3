//! 待审核 (pending review): a payout line whose review conclusion is empty is computed in full
//! and held back — in no payout total, verify total or payment reconciliation — and the batch
//! pass never lets it take room from a reviewed line.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use subsidy::domain::value::{DenseRow, Value};
use subsidy::engine::batch::{settle, Line, Pending, NOTHING_SHARED};
use subsidy::engine::review::{awaiting, hold, Awaiting};
use subsidy::engine::{Evaluation, Result as EvalResult};
use subsidy::rules::{load_policy_text, Policy, Review};

use crate::cli::{run_into, stderr, subsidy, tmp};
use crate::common::vocab;

fn d(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

const BATCH_POLICY: &str = r#"
[policy]
id = "t"
title = "测试"
payer = "盟市"
flags = ["meets_conditions"]

[[budget]]
id = "fund"
amount = "100"
method = "pro_rata"

[[budget]]
id = "pool"
amount = "90"
method = "equal"

[[rule]]
id = "capped"
clause = "第1条"
excerpt = "同一企业年度不超过100元"
caps = [{ amount = "100", scope = "enterprise_year", group = "g" }]
formula = { kind = "amount", base = "approved_amount" }

[[rule]]
id = "high"
clause = "第2条"
excerpt = "就高"
exclusive = "same"
formula = { kind = "amount", base = "approved_amount" }

[[rule]]
id = "scaled"
clause = "第3条"
excerpt = "按比例核减"
budget = "fund"
formula = { kind = "amount", base = "approved_amount" }

[[rule]]
id = "shared"
clause = "第4条"
excerpt = "平均分配"
budget = "pool"
formula = { kind = "pool_share" }
"#;

fn policy(text: &str) -> Policy {
    load_policy_text(text, Path::new("t.toml"), &vocab()).unwrap()
}

/// Settles lines (rule, application, enterprise, amount, reviewed?) of one enterprise-year.
fn run(policy: &Policy, lines: &[(&str, &str, &str, &str, bool)]) -> Vec<Line> {
    let pending = lines
        .iter()
        .map(|(rule, app, code, amount, reviewed)| {
            let rule = policy.rules.iter().find(|r| r.id == *rule).unwrap();
            let amount = d(amount);
            let result = if *reviewed {
                EvalResult::Amount(amount)
            } else {
                EvalResult::AwaitingReview {
                    amount,
                    reason: "审核结论未填".into(),
                }
            };
            Pending {
                rule,
                payer: policy.payer,
                evaluation: Evaluation {
                    result,
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

fn shown(lines: &[Line]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            format!(
                "{}{}",
                if l.is_pending() { "待审核 " } else { "" },
                l.result_text()
            )
        })
        .collect()
}

#[test]
fn a_pending_line_takes_no_room_from_a_reviewed_line_under_a_shared_cap() {
    let p = policy(BATCH_POLICY);
    // A1 comes first in application order but is not reviewed: A2 keeps the whole cap.
    let lines = run(
        &p,
        &[
            ("capped", "A1", "X", "80", false),
            ("capped", "A2", "X", "80", true),
        ],
    );
    assert_eq!(shown(&lines), ["待审核 80.00", "80.00"]);
    assert!(!lines[0].is_payout() && lines[0].is_pending() && lines[1].is_payout());
    assert_eq!(
        lines[0].shares,
        vec![(subsidy::rules::Payer::City, d("80.00"))],
        "a pending line is split as it would be paid"
    );
    // Approved, A1 would be served first and A2 cut to 20: A2's trace says so.
    assert!(
        lines[1]
            .trace
            .steps()
            .any(|s| s.starts_with("待审核影响") && s.contains("本条将为 20.00")),
        "{:?}",
        lines[1].trace
    );
    assert!(lines[0]
        .trace
        .steps()
        .any(|s| s.starts_with("待审核 审核结论未填")));
    assert!(lines[0]
        .trace
        .steps()
        .any(|s| s == "结果 待审核预计 80.00（审核通过前不予发放，不计入奖补资金合计）"));
    // Without pending lines nothing changes, and no line mentions review.
    let alone = run(&p, &[("capped", "A2", "X", "80", true)]);
    assert_eq!(shown(&alone), ["80.00"]);
    assert!(!alone[0].trace.steps().any(|s| s.contains("待审核")));
}

#[test]
fn a_pending_figure_is_what_the_line_would_get_if_approved() {
    let p = policy(BATCH_POLICY);
    // The pending line comes after the reviewed one: approved, it would get the room left.
    let lines = run(
        &p,
        &[
            ("capped", "A1", "X", "80", true),
            ("capped", "A2", "X", "80", false),
        ],
    );
    assert_eq!(shown(&lines), ["80.00", "待审核 20.00"]);
    // 就高: a higher pending line does not unseat the reviewed one, and shows what it would get.
    let lines = run(
        &p,
        &[
            ("high", "A1", "X", "50", true),
            ("high", "A2", "X", "100", false),
        ],
    );
    assert_eq!(shown(&lines), ["50.00", "待审核 100.00"]);
    assert!(lines[0]
        .trace
        .steps()
        .any(|s| s.starts_with("待审核影响") && s.contains("本条将为 0.00")));
    // A lower pending line would get nothing beside the reviewed one: it shows 0, not its claim.
    let lines = run(
        &p,
        &[
            ("high", "A1", "X", "100", true),
            ("high", "A2", "X", "50", false),
        ],
    );
    assert_eq!(shown(&lines), ["100.00", "待审核 0.00"]);
}

#[test]
fn budgets_and_pools_count_reviewed_lines_alone_and_pending_ones_as_if_approved() {
    let p = policy(BATCH_POLICY);
    // Pro rata: the reviewed claim fits the budget alone; approved, both would share it.
    let lines = run(
        &p,
        &[
            ("scaled", "A1", "X", "100", true),
            ("scaled", "A2", "Y", "100", false),
        ],
    );
    assert_eq!(shown(&lines), ["100.00", "待审核 50.00"]);
    // An equal pool counts heads: two reviewed share 90; approved, a third would make it 30 each.
    let lines = run(
        &p,
        &[
            ("shared", "A1", "X", "0", true),
            ("shared", "A2", "Y", "0", false),
            ("shared", "A3", "Z", "0", true),
        ],
    );
    assert_eq!(shown(&lines), ["45.00", "待审核 30.00", "45.00"]);
}

const FLAG_POLICY: &str =
    "[policy]\nid = \"t\"\ntitle = \"测试\"\npayer = \"盟市\"\nflags = [\"meets_conditions\"]\n";
const FIXED_RULE: &str = "\n[[rule]]\nid = \"t-fixed\"\nclause = \"第1条\"\nexcerpt = \"奖励10万元\"\nformula = { kind = \"fixed\", amount = \"10万\" }\n";

#[test]
fn review_is_required_unless_the_policy_assumes_it_and_is_a_closed_set() {
    let v = vocab();
    let required = policy(&format!("{FLAG_POLICY}{FIXED_RULE}"));
    assert_eq!(required.review, Review::Required, "the default");
    let assumed = policy(&format!("{FLAG_POLICY}review = \"assumed\"\n{FIXED_RULE}"));
    assert_eq!(assumed.review, Review::Assumed);
    let e = load_policy_text(
        &format!("{FLAG_POLICY}review = \"later\"\n{FIXED_RULE}"),
        Path::new("t.toml"),
        &v,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "t.toml:6: review `later` is not one of: required, assumed"
    );

    let flag = v.id("meets_conditions").unwrap();
    let empty = DenseRow::new(v.len());
    let mut yes = DenseRow::new(v.len());
    yes.set(flag, Value::Bool(true));
    let rule = |p: &Policy| p.rules[0].clone();
    // An empty cell in a sheet that has the column awaits review whatever the policy says.
    assert_eq!(
        awaiting(&assumed, &rule(&assumed), &empty, |_| true),
        [Awaiting { flag, column: true }]
    );
    // No column: the policy decides.
    assert_eq!(
        awaiting(&required, &rule(&required), &empty, |_| false),
        [Awaiting {
            flag,
            column: false
        }]
    );
    assert!(awaiting(&assumed, &rule(&assumed), &empty, |_| false).is_empty());
    // A conclusion given is a conclusion.
    assert!(awaiting(&required, &rule(&required), &yes, |_| true).is_empty());
}

#[test]
fn only_a_payout_amount_is_held_back() {
    let p = policy(&format!("{FLAG_POLICY}{FIXED_RULE}"));
    let mut amount = Evaluation {
        result: EvalResult::Amount(d("5")),
        trace: Default::default(),
        split: None,
        shared_caps: vec![],
        payment: Default::default(),
    };
    hold(&mut amount, &p.rules[0], || "未填".into());
    assert_eq!(
        amount.result,
        EvalResult::AwaitingReview {
            amount: d("5"),
            reason: "未填".into()
        }
    );
    // A refusal stays a refusal: failing the clause does not wait for the review.
    let mut refused = Evaluation {
        result: EvalResult::Ineligible("不足".into()),
        trace: Default::default(),
        split: None,
        shared_caps: vec![],
        payment: Default::default(),
    };
    hold(&mut refused, &p.rules[0], || "未填".into());
    assert_eq!(refused.result, EvalResult::Ineligible("不足".into()));
    let measure = policy(&format!(
        "{FLAG_POLICY}{}",
        FIXED_RULE.replace(
            "formula",
            "outcome = { measure = \"测算\", unit = \"元\" }\nformula"
        )
    ));
    let mut figure = Evaluation {
        result: EvalResult::Amount(d("5")),
        trace: Default::default(),
        split: None,
        shared_caps: vec![],
        payment: Default::default(),
    };
    hold(&mut figure, &measure.rules[0], || "未填".into());
    assert_eq!(
        figure.result,
        EvalResult::Amount(d("5")),
        "a measure is not paid, so nothing is held"
    );
}

const A: &str = "91350100M000100Y43";
const B: &str = "911501000000000004";
const C: &str = "91150100MA0N1234X0";

fn valid(code: &str) -> String {
    let first = &code[..17];
    format!(
        "{first}{}",
        subsidy::domain::identity::credit_code_check_char(first).unwrap()
    )
}

/// The same application three times, as its review conclusion is 是, empty or 否, each for
/// its own enterprise; run under `policy` (a file) or the shipped policies.
fn three_conclusions(
    dir: &Path,
    policy: Option<&Path>,
    with_column: bool,
) -> (PathBuf, Vec<csv::StringRecord>, serde_json::Value) {
    let (b, c) = (valid(B), valid(C));
    let input = dir.join("in.csv");
    let text = if with_column {
        format!("申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,是否符合申报条件（审核结论）\nR1,{A},甲公司,新城区,2023,t-fixed,是\nR2,{b},乙公司,回民区,2023,t-fixed,\nR3,{c},丙公司,回民区,2023,t-fixed,否\n")
    } else {
        format!("申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号\nR1,{A},甲公司,新城区,2023,t-fixed\n")
    };
    std::fs::write(&input, text).unwrap();
    let out = dir.join("out");
    let mut args = vec![
        "run".to_string(),
        "--json".into(),
        "--out".into(),
        out.display().to_string(),
    ];
    if let Some(p) = policy {
        args.extend(["--policy".to_string(), p.display().to_string()]);
    }
    args.push(input.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = subsidy(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "pending is not an error: {}",
        stderr(&o)
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lines = csv::Reader::from_path(out.join("payouts.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect();
    (out, lines, json)
}

#[test]
fn the_same_row_pays_is_pending_or_is_refused_as_its_conclusion_is_yes_empty_or_no() {
    let dir = tmp("review-three");
    let file = dir.join("t.toml");
    std::fs::write(&file, format!("{FLAG_POLICY}{FIXED_RULE}")).unwrap();
    let (out, lines, json) = three_conclusions(&dir, Some(&file), true);
    let col = |l: &csv::StringRecord, n: usize| l[n].to_string();
    // award, line_type, result, reason
    let got: Vec<[String; 4]> = lines
        .iter()
        .map(|l| [col(l, 4), col(l, 10), col(l, 11), col(l, 15)])
        .collect();
    assert_eq!(
        got[0],
        ["100000.00", "payout", "100000.00", ""].map(String::from)
    );
    assert_eq!(
        got[1],
        [
            "0.00",
            "pending",
            "100000.00",
            "是否符合申报条件（审核结论）未填"
        ]
        .map(String::from)
    );
    assert_eq!(&got[2][..2], ["0.00", "ineligible"]);
    assert!(
        got[2][3].contains("否"),
        "否 is 不予支持 with its reason: {:?}",
        got[2]
    );
    // 应付 and 待审核预计 apart; together they are the computed lines' sum.
    let t = &json["totals"];
    assert_eq!(
        (
            t["award_total"].as_str(),
            t["pending_total"].as_str(),
            t["pending_lines"].as_u64()
        ),
        (Some("100000.00"), Some("100000.00"), Some(1))
    );
    assert_eq!(t["pending_by_payer"]["盟市"], "100000.00");
    let computed: Decimal = lines
        .iter()
        .filter(|l| &l[10] != "ineligible")
        .map(|l| d(&l[11]))
        .sum();
    assert_eq!(
        d(t["award_total"].as_str().unwrap()) + d(t["pending_total"].as_str().unwrap()),
        computed
    );

    // The ledger verifies intact; its total and ledger code cover the paid line only.
    let ledger = out.join("ledger.xlsx");
    let o = subsidy(&["verify", ledger.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // A payment list paying the reviewed line is complete: nothing is due on the pending one;
    // paying the pending enterprise is named as such.
    let bank = dir.join("bank.csv");
    std::fs::write(
        &bank,
        format!("统一社会信用代码,户名,金额\n{A},甲公司,100000.00\n"),
    )
    .unwrap();
    let o = subsidy(&[
        "reconcile",
        ledger.to_str().unwrap(),
        "--payments",
        bank.to_str().unwrap(),
        "--out",
        dir.join("rec").to_str().unwrap(),
    ]);
    let rec = std::fs::read_to_string(dir.join("rec/reconciliation.csv")).unwrap();
    assert_eq!(
        rec.lines().count(),
        1,
        "nothing to reconcile: {rec} {}",
        stderr(&o)
    );
    std::fs::write(
        &bank,
        format!(
            "统一社会信用代码,户名,金额\n{A},甲公司,100000.00\n{},乙公司,100000.00\n",
            valid(B)
        ),
    )
    .unwrap();
    subsidy(&[
        "reconcile",
        ledger.to_str().unwrap(),
        "--payments",
        bank.to_str().unwrap(),
        "--out",
        dir.join("rec2").to_str().unwrap(),
    ]);
    let rec = std::fs::read_to_string(dir.join("rec2/reconciliation.csv")).unwrap();
    assert!(
        rec.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("未知收款人") && l.contains("待审核")),
        "{rec}"
    );
    assert_eq!(rec.lines().count(), 2, "{rec}");

    // `check` lists the pending row as information and exits 0.
    let o = subsidy(&[
        "check",
        "--policy",
        file.to_str().unwrap(),
        dir.join("in.csv").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains("info: ")
            && text.contains("待审核 R2 t-fixed: 是否符合申报条件（审核结论）未填"),
        "{text}"
    );
    assert!(text.contains("1 lines awaiting review (待审核)"), "{text}");
}

#[test]
fn without_the_column_the_policy_decides() {
    let dir = tmp("review-absent");
    let file = dir.join("t.toml");
    std::fs::write(&file, format!("{FLAG_POLICY}{FIXED_RULE}")).unwrap();
    let (_, lines, _) = three_conclusions(&dir, Some(&file), false);
    assert_eq!(
        (&lines[0][10], &lines[0][15]),
        (
            "pending",
            "申报表无“是否符合申报条件（审核结论）”列，本政策要求审核"
        )
    );
    std::fs::write(
        &file,
        format!("{FLAG_POLICY}review = \"assumed\"\n{FIXED_RULE}"),
    )
    .unwrap();
    let (_, lines, _) = three_conclusions(&dir, Some(&file), false);
    assert_eq!((&lines[0][4], &lines[0][10]), ("100000.00", "payout"));
    let o = subsidy(&[
        "explain",
        "--policy",
        file.to_str().unwrap(),
        "--application",
        "R1",
        dir.join("in.csv").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("审核 申报表无“是否符合申报条件（审核结论）”列，本政策按“是”计"),
        "the trace says what was assumed: {text}"
    );
}

#[test]
fn the_shipped_sample_holds_back_the_unreviewed_award_it_used_to_pay() {
    let out = tmp("review-sample");
    let o = subsidy(&["run", "--out", out.to_str().unwrap(), "samples/"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines: Vec<csv::StringRecord> = csv::Reader::from_path(out.join("payouts.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect();
    let hh2 = lines.iter().find(|l| &l[0] == "HH2023-00002").unwrap();
    assert_eq!(
        (&hh2[4], &hh2[10], &hh2[11]),
        ("0.00", "pending", "25200000.00")
    );
}

#[test]
fn a_conclusion_other_than_yes_or_no_is_a_data_error() {
    let dir = tmp("review-other");
    let input = dir.join("in.csv");
    std::fs::write(&input, format!("申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,是否符合申报条件（审核结论）\nR1,{A},甲公司,新城区,2023,hohhot-2022-14-dairy-zone-investment-award,待定\n")).unwrap();
    let out = dir.join("out");
    let o = run_into(&out, &input);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let exceptions = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    assert!(
        exceptions.contains(",G2,R1,待定,“待定”应填 是 或 否"),
        "{exceptions}"
    );
}

#[test]
fn an_edited_pending_amount_is_named_by_verify() {
    let dir = tmp("review-verify");
    let file = dir.join("t.toml");
    std::fs::write(&file, format!("{FLAG_POLICY}{FIXED_RULE}")).unwrap();
    let (out, _, _) = three_conclusions(&dir, Some(&file), true);
    let edited = dir.join("edited.xlsx");
    // 待审核预计 of its first line (row 2, column J) raised by hand.
    crate::audit::resave(&out.join("ledger.xlsx"), &edited, |sheet, r, c, _| {
        (sheet == "待审核" && r == 1 && c == 9).then_some(Some(calamine::Data::Float(900000.0)))
    });
    let o = subsidy(&["verify", edited.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "待审核!J2 申报编号 R2 条款 t-fixed: 金额被改动：原为 100,000.00，现为 900,000.00"
        ),
        "{text}"
    );
    assert!(
        !text.contains("汇总合计被改动"),
        "a pending figure is in no total: {text}"
    );
}
