//! A line's reason (payouts.csv `reason`, 发放明细 说明) is the step that last changed its
//! amount, whichever pass took it: a per-line cap, a shared cap, 补差, 就高, 起付 or a budget
//! (issue 19 item 2). `explain` shows the same step.

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

use subsidy::domain::identity::credit_code_check_char;

use crate::cli::{stderr, subsidy, tmp};

const POLICY: &str = r#"
[policy]
id = "reasons"
title = "原因测试"
payer = "盟市"

[[budget]]
id = "fund"
amount = "150"
method = "pro_rata"
words = "专项资金"

[[rule]]
id = "capped-scaled"
clause = "第1条"
excerpt = "最高100元，超出预算按比例核减"
budget = "fund"
formula = { kind = "amount", base = "approved_amount" }
caps = [ { amount = "100", words = "最高100元" } ]

[[rule]]
id = "capped"
clause = "第2条"
excerpt = "最高100元"
formula = { kind = "amount", base = "approved_amount" }
caps = [ { amount = "100", words = "最高100元" } ]

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
id = "topped"
clause = "第4条"
excerpt = "补差"
differential = true
formula = { kind = "amount", base = "approved_amount" }

[[rule]]
id = "shared-1"
clause = "第5条"
excerpt = "每户每年最高100元"
formula = { kind = "amount", base = "approved_amount" }
caps = [ { amount = "100", scope = "enterprise_year", group = "g", words = "每户每年最高100元" } ]

[[rule]]
id = "shared-2"
clause = "第5条"
excerpt = "每户每年最高100元"
formula = { kind = "amount", base = "approved_amount" }
caps = [ { amount = "100", scope = "enterprise_year", group = "g", words = "每户每年最高100元" } ]

[[rule]]
id = "floored"
clause = "第6条"
excerpt = "少于50元不予补助"
floor = "50"
formula = { kind = "amount", base = "approved_amount" }
"#;

fn code(i: usize) -> String {
    let first = format!("9115010{i:010}");
    format!("{first}{}", credit_code_check_char(&first).unwrap())
}

/// Application id → (award, reason) from payouts.csv, and → 说明 from 发放明细.
fn run(dir: &Path) -> (BTreeMap<String, (String, String)>, BTreeMap<String, String>) {
    let (a, b) = (code(1), code(2));
    let policy = dir.join("reasons.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let rows = [
        ("S1", &a, "capped-scaled", "200"),
        ("S2", &b, "capped-scaled", "200"),
        ("K1", &a, "capped", "300"),
        ("H1", &a, "high-a", "50"),
        ("H2", &a, "high-b", "80"),
        ("T1", &a, "topped", "100"),
        ("C1", &b, "shared-1", "80"),
        ("C2", &b, "shared-2", "80"),
        ("F1", &b, "floored", "30"),
        ("P1", &b, "floored", "60"),
    ];
    let mut input = String::from(
        "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,核定奖补金额（元）\n",
    );
    for (app, code, rule, amount) in rows {
        input.push_str(&format!(
            "{app},{code},某公司,新城区,2023,{rule},{amount}\n"
        ));
    }
    let file = dir.join("in.csv");
    std::fs::write(&file, input).unwrap();
    let history = dir.join("paid.csv");
    std::fs::write(&history, format!("application_id,credit_code,enterprise_name,rule_id,award,line_type,application_year\nH0,{a},某公司,topped,100.00,payout,2022\n")).unwrap();
    let out = dir.join("out");
    let args = [
        "run",
        "--policy",
        policy.to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        file.to_str().unwrap(),
    ];
    let o = subsidy(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut csv = BTreeMap::new();
    for r in csv::Reader::from_path(out.join("payouts.csv"))
        .unwrap()
        .records()
    {
        let r = r.unwrap();
        csv.insert(r[0].to_string(), (r[4].to_string(), r[15].to_string()));
    }
    let mut wb: Xlsx<_> = open_workbook(out.join("ledger.xlsx")).unwrap();
    let detail = wb.worksheet_range("发放明细").unwrap();
    let notes = detail
        .rows()
        .skip(1)
        .map(|row| {
            (
                row[1].to_string(),
                if let Data::String(s) = &row[17] {
                    s.clone()
                } else {
                    String::new()
                },
            )
        })
        .collect();
    (csv, notes)
}

#[test]
fn the_reason_is_the_step_that_last_changed_the_amount() {
    let dir = tmp("reasons");
    let (csv, notes) = run(&dir);
    let want = [
        ("S1", "75.00", "按比例核减 专项资金 2023 年度预算 150.00，申请合计 200.00：100.00 × 150.00 ÷ 200.00 → 75.00（D11）"),
        ("S2", "75.00", "按比例核减 专项资金 2023 年度预算 150.00，申请合计 200.00：100.00 × 150.00 ÷ 200.00 → 75.00（D11）"),
        ("K1", "100.00", "封顶 最高100元：300.00 > 100.00 → 100.00"),
        ("H1", "0.00", "就高 同一事项（互斥组 same）2023 年度已按 H2 high-b 计 80.00，本条不再支付（D9）"),
        ("H2", "80.00", ""),
        ("T1", "0.00", "补差 max(0, 100.00 − 同一事项已获 100.00) = 0.00（D9）"),
        ("C1", "80.00", ""),
        ("C2", "20.00", "封顶 每户每年最高100元（2023 年度共享上限 100.00，同企业已计 80.00，剩余 20.00）：80.00 → 20.00"),
        ("F1", "0.00", "起付 30.00 少于 50.00，不予补助（D12）"),
        ("P1", "60.00", ""),
    ];
    for (app, award, reason) in want {
        assert_eq!(
            csv[app],
            (award.to_string(), reason.to_string()),
            "payouts.csv line {app}"
        );
        // 发放明细 shows the computation and every step that changed the amount; the last is
        // the reason.
        assert!(
            notes[app].ends_with(reason),
            "发放明细 说明 of {app}: {}",
            notes[app]
        );
    }
}

#[test]
fn explain_shows_the_step_the_ledger_gives_as_reason() {
    let dir = tmp("reasons-explain");
    let (csv, _) = run(&dir);
    let o = subsidy(&[
        "explain",
        "--policy",
        dir.join("reasons.toml").to_str().unwrap(),
        "--history",
        dir.join("paid.csv").to_str().unwrap(),
        "--application",
        "S1",
        dir.join("in.csv").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    let shown: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once(". ").map(|(_, s)| s))
        .collect();
    let last_change = shown
        .iter()
        .rev()
        .find(|s| s.starts_with("按比例核减") || s.starts_with("封顶"))
        .unwrap();
    assert_eq!(*last_change, csv["S1"].1);
}

/// Issue 19 item 5: the value outside every bracket is named once, as its description shows it.
#[test]
fn a_value_outside_every_bracket_is_named_once() {
    let dir = tmp("reasons-bracket");
    let policy = dir.join("bracket.toml");
    std::fs::write(
        &policy,
        "[policy]\nid = \"b\"\ntitle = \"分档测试\"\npayer = \"盟市\"\n\n[[rule]]\nid = \"b-1\"\nclause = \"第1条\"\nexcerpt = \"投资5000万元以上的奖励50万元\"\nformula = { kind = \"bracket\", selector = \"fixed_asset_investment\", brackets = [ { range = \"[5000万, 1亿)\", amount = \"50万\" }, { range = \"[1亿, )\", amount = \"100万\" } ] }\n",
    )
    .unwrap();
    let input = dir.join("in.csv");
    std::fs::write(&input, format!("申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,固定资产投资额（元）\nB1,{},某公司,新城区,2023,b-1,4999999.99\n", code(1))).unwrap();
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
    let line = csv::Reader::from_path(out.join("payouts.csv"))
        .unwrap()
        .records()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(
        &line[15],
        "固定资产投资额 4,999,999.99 不在任何档次（[5000万, 1亿)、[1亿, )）内"
    );
}
