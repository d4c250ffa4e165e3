//! Dates in formulas (issue 13 item 7): the worked example of config/README.md's "Dates in
//! formulas", loaded from the README itself and computed to the 分 — an interest period split
//! by day across a clause's date, inside, outside, a leap year, a first loan, and a share of
//! the principal pro rata to a clause's date.

use std::path::Path;

use rust_decimal::Decimal;

use subsidy::domain::value::{parse_text, DenseRow, Value};
use subsidy::engine::{evaluate, Context, Evaluation, Result as EvalResult};
use subsidy::rules::params::Params;
use subsidy::rules::{load_policy_text, Policy};

use crate::common::{lpr, root, vocab};

/// The TOML block of the README's "Dates in formulas" section.
fn readme_block() -> String {
    let readme = std::fs::read_to_string(root().join("config/README.md")).unwrap();
    let section = &readme[readme.find("## Dates in formulas").expect("section")..];
    let start = section.find("```toml\n").expect("a TOML block") + "```toml\n".len();
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_string()
}

fn readme_policy() -> Policy {
    load_policy_text(&readme_block(), Path::new("dates.toml"), &vocab())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A row of (field key, cell text) as ingest types it.
fn dense(row: &[(&str, &str)]) -> DenseRow {
    let vocab = vocab();
    let mut dense = DenseRow::new(vocab.len());
    for (key, cell) in row {
        let id = vocab.id(key).unwrap();
        dense.set(id, parse_text(vocab.get(id), cell, Decimal::ONE).unwrap());
    }
    dense
}

fn evaluate_on(policy: &Policy, rule: &str, row: &DenseRow) -> Evaluation {
    let vocab = vocab();
    let rule = policy.rules.iter().find(|r| r.id == rule).unwrap();
    let (lpr, params) = (lpr(), Params::default());
    let cx = Context {
        vocab: &vocab,
        lpr: &lpr,
        params: &params,
    };
    evaluate(policy, rule, row, cx)
}

fn run(policy: &Policy, rule: &str, row: &[(&str, &str)]) -> Evaluation {
    evaluate_on(policy, rule, &dense(row))
}

fn amount(ev: &Evaluation) -> String {
    match &ev.result {
        EvalResult::Amount(a) => subsidy::domain::money::fixed2(*a),
        other => panic!("not an amount: {other:?}\n{:#?}", ev.trace),
    }
}

fn loan(date: &str, days: &str, first: &str) -> Vec<(&'static str, String)> {
    vec![
        ("loan_principal", "1000000".into()),
        ("disbursement_date", date.into()),
        ("interest_days", days.into()),
        ("first_time", first.into()),
    ]
}

fn eval_loan(policy: &Policy, rule: &str, date: &str, days: &str, first: &str) -> Evaluation {
    let row = loan(date, days, first);
    let row: Vec<(&str, &str)> = row.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(policy, rule, &row)
}

#[test]
fn a_loan_straddling_the_window_is_split_by_day() {
    let p = readme_policy();
    let ev = eval_loan(&p, "window", "2023-05-01", "120", "否");
    assert_eq!(amount(&ev), "7877.92");
    let steps: Vec<&str> = ev.trace.steps().collect();
    assert!(
        steps.contains(&"分段 计息期 2023-05-01 至 2023-08-28 共 120 天：2023年7月1日至12月31日 59 天按 80%，其余 61 天按 50%"),
        "{steps:#?}"
    );
    assert!(
        steps.contains(&"计算 本金 1,000,000.00 × (2.92%（3.65% × 80%）× 59 天 + 1.825%（3.65% × 50%）× 61 天) ÷ 360（上限 无）= 7,877.92"),
        "{steps:#?}"
    );
}

#[test]
fn a_loan_inside_or_outside_the_window_takes_one_share() {
    let p = readme_policy();
    assert_eq!(
        amount(&eval_loan(&p, "window", "2023-07-01", "90", "否")),
        "7100.00"
    );
    // 2024 is a leap year: 2024-01-10 + 180 days runs to 2024-07-07, 2月29日 counted once.
    let out = eval_loan(&p, "window", "2024-01-10", "180", "否");
    assert_eq!(amount(&out), "8625.00");
    assert!(out
        .trace
        .steps()
        .any(|s| s.starts_with("分段 计息期 2024-01-10 至 2024-07-07 共 180 天：2023年7月1日至12月31日 0 天按 80%，其余 180 天按 50%")));
}

#[test]
fn a_first_loan_takes_its_own_share() {
    let p = readme_policy();
    assert_eq!(
        amount(&eval_loan(&p, "window", "2023-05-01", "120", "是")),
        "8516.67"
    );
}

/// 自2024年3月1日起: an open-ended window; February 2024 has 29 days, all at 50%.
#[test]
fn an_open_window_in_a_leap_year() {
    let p = readme_policy();
    let ev = eval_loan(&p, "from-march", "2024-02-01", "60", "否");
    assert_eq!(amount(&ev), "3766.25");
    assert!(ev.trace.steps().any(|s| s
        == "分段 计息期 2024-02-01 至 2024-03-31 共 60 天：2024年3月1日起 31 天按 80%，其余 29 天按 50%"));
}

#[test]
fn a_share_of_principal_pro_rata_to_a_clause_date() {
    let p = readme_policy();
    let ev = run(
        &p,
        "principal",
        &[
            ("loan_principal", "1000000"),
            ("disbursement_date", "2023-10-02"),
        ],
    );
    assert_eq!(amount(&ev), "2527.78");
    assert!(
        ev.trace
            .steps()
            .any(|s| s.contains("放款日期 2023-10-02 至 2024-01-01 共 91 天")),
        "{:#?}",
        ev.trace
    );
    let late = run(
        &p,
        "principal",
        &[
            ("loan_principal", "1000000"),
            ("disbursement_date", "2024-01-02"),
        ],
    );
    assert!(matches!(late.result, EvalResult::Ineligible(_)), "{late:?}");
}

/// A fractional day count (ingest refuses one in an integer column; a computed or history
/// value could still carry one) cannot be split by day: refused with the field, never rounded.
#[test]
fn a_fractional_day_count_is_refused_not_rounded() {
    let p = readme_policy();
    let row = loan("2024-02-01", "60", "否");
    let row: Vec<(&str, &str)> = row.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut row = dense(&row);
    row.set(
        vocab().id("interest_days").unwrap(),
        Value::Num(Decimal::new(605, 1)),
    );
    let ev = evaluate_on(&p, "from-march", &row);
    assert_eq!(
        ev.result,
        EvalResult::Rejected("计息天数 60.5 不是整天数，无法按日分段计息".into())
    );
}

const HEAD: &str = "[policy]\nid = \"t\"\ntitle = \"测试\"\npayer = \"盟市\"\n\n[[rule]]\nid = \"r1\"\nclause = \"第1条\"\nexcerpt = \"原文\"\n";

fn load_error(formula: &str) -> String {
    load_policy_text(&format!("{HEAD}{formula}\n"), Path::new("p.toml"), &vocab())
        .expect_err("policy must be refused")
        .to_string()
}

fn interest_with(windows: &str) -> String {
    format!("formula = {{ kind = \"interest\", principal = \"loan_principal\", disbursed = \"disbursement_date\", days = \"interest_days\", share = \"50%\", windows = {windows} }}")
}

#[test]
fn bad_dates_and_windows_are_refused_at_their_line() {
    for (windows, message) in [
        (
            "[{ from = \"2023-7-1\", share = \"80%\" }]",
            "date `2023-7-1` must be written YYYY-MM-DD",
        ),
        (
            "[{ from = \"2023-12-31\", to = \"2023-07-01\", share = \"80%\" }]",
            "window `from` 2023-12-31 is after `to` 2023-07-01",
        ),
        (
            "[{ share = \"80%\" }]",
            "a window needs `from`, `to` or both (a date or a date field)",
        ),
        (
            "[{ from = \"2023-07-01\", to = \"2023-12-31\", share = \"80%\" }, { from = \"2023-12-31\", share = \"60%\" }]",
            "windows 1 and 2 overlap: a day would be subsidised twice",
        ),
        (
            "[{ from = \"loan_principal\", share = \"80%\" }]",
            "field `loan_principal` is not a date",
        ),
    ] {
        let e = load_error(&interest_with(windows));
        assert!(e.starts_with("p.toml:10: rule `r1`"), "{e}");
        assert!(e.contains(message), "{e}");
    }
    let e = load_error("formula = { kind = \"amount\", base = { days_between = [\"disbursement_date\", \"2024-02-30\"] } }");
    assert!(
        e.contains("date `2024-02-30` must be written YYYY-MM-DD"),
        "{e}"
    );
}

/// The ledger's 说明 (发放明细) shows steps by kind: the day split is arithmetic, so it is shown
/// although no Chinese prefix the ledger ever listed opens it (分段, not 分档).
#[test]
fn the_ledger_note_shows_the_day_split_by_its_kind() {
    use calamine::{open_workbook, Data, Reader, Xlsx};

    use subsidy::domain::identity::credit_code_check_char;

    use crate::cli::{stderr, subsidy, tmp};

    let dir = tmp("dates-note");
    let policy = dir.join("dates.toml");
    std::fs::write(&policy, readme_block()).unwrap();
    let input = dir.join("in.csv");
    let first = "91150100000000001";
    let code = format!("{first}{}", credit_code_check_char(first).unwrap());
    std::fs::write(
        &input,
        format!("申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,贷款本金（元）,放款日期,计息天数（天）\n\
         D1,{code},某公司,新城区,2024,from-march,1000000,2024-02-01,60\n"),
    )
    .unwrap();
    let out = dir.join("out");
    let o = subsidy(&[
        "run",
        "--policy",
        policy.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut wb: Xlsx<_> = open_workbook(out.join("ledger.xlsx")).unwrap();
    let detail = wb.worksheet_range("发放明细").unwrap();
    let notes: Vec<String> = detail
        .rows()
        .skip(1)
        .flat_map(|row| row.iter())
        .filter_map(|c| match c {
            Data::String(s) if s.starts_with("分段") => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        notes,
        ["分段 计息期 2024-02-01 至 2024-03-31 共 60 天：2024年3月1日起 31 天按 80%，其余 29 天按 50%；计算 本金 1,000,000.00 × (2.76%（3.45% × 80%）× 31 天 + 1.725%（3.45% × 50%）× 29 天) ÷ 360（上限 无）= 3,766.25"],
        "{}",
        stderr(&o)
    );
}
