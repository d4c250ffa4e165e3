//! `--history`: earlier payouts joined onto this batch (D10 multi-year limits, 补差, shared caps
//! already used this year), from payouts.csv files and ledger workbooks.

use std::path::Path;

use crate::cli::{stderr, subsidy, tmp};

const HEADER: &str = "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,固废综合利用量（吨）,获得称号/认定名称,项目实际完成投资额（元）,是否符合申报条件（审核结论）,是否首次/新获认定\n";
const A: &str = "91350100M000100Y43";

fn run(dir: &Path, input: &str, history: &[&Path]) -> Vec<csv::StringRecord> {
    let file = dir.join("in.csv");
    // Every application here has been reviewed (审核结论 是): none is 待审核.
    let input: String = input.lines().map(|l| format!("{l},是,是\n")).collect();
    std::fs::write(&file, format!("{HEADER}{input}")).unwrap();
    let out = dir.join("out");
    let mut args = vec!["run".to_string(), "--out".into(), out.display().to_string()];
    for h in history {
        args.push("--history".into());
        args.push(h.display().to_string());
    }
    args.push(file.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = subsidy(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    csv::Reader::from_path(out.join("payouts.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect()
}

fn write_history(path: &Path, lines: &[(&str, &str, &str, &str)]) {
    let mut text = String::from(
        "application_id,credit_code,enterprise_name,rule_id,award,line_type,application_year\n",
    );
    for (i, (code, rule, year, award)) in lines.iter().enumerate() {
        text.push_str(&format!(
            "H{i},{code},某公司,{rule},{award},payout,{year}\n"
        ));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn three_years_paid_stop_a_three_year_rule() {
    let dir = tmp("history-years");
    let h = dir.join("paid.csv");
    let rule = "hohhot-2022-51-1-solid-waste-utilization";
    write_history(
        &h,
        &[
            (A, rule, "2020", "1500000.00"),
            (A, rule, "2021", "1500000.00"),
            (A, rule, "2021", "10.00"),
        ],
    );
    let input = format!("X1,{A},某公司,新城区,2022,{rule},150000,,\n");
    let lines = run(&dir, &input, &[&h]);
    assert_eq!(
        &lines[0][4], "1500000.00",
        "two years paid: the third is allowed"
    );
    write_history(
        &h,
        &[
            (A, rule, "2020", "1"),
            (A, rule, "2021", "1"),
            (A, rule, "2022", "1"),
        ],
    );
    let input = format!("X1,{A},某公司,新城区,2023,{rule},150000,,\n");
    let lines = run(&dir, &input, &[&h]);
    assert_eq!(&lines[0][4], "0.00");
    assert_eq!(&lines[0][10], "ineligible");
    assert!(
        lines[0][15].contains("已享受 3 年，达到最多 3 年的限制（D10）"),
        "{:?}",
        &lines[0]
    );
}

#[test]
fn a_higher_title_later_pays_the_difference() {
    let dir = tmp("history-diff");
    let h = dir.join("paid.csv");
    write_history(
        &h,
        &[(
            A,
            "hohhot-2022-31-ip-enterprise-awards",
            "2022",
            "100000.00",
        )],
    );
    let input = format!(
        "X1,{A},某公司,新城区,2023,hohhot-2022-31-ip-enterprise-awards,,国家知识产权优势企业,\n"
    );
    assert_eq!(&run(&dir, &input, &[&h])[0][4], "200000.00");
}

#[test]
fn a_shared_cap_counts_what_was_paid_earlier_this_year_and_ledgers_are_history_too() {
    let dir = tmp("history-cap");
    let h = dir.join("paid.csv");
    write_history(
        &h,
        &[(
            A,
            "hohhot-2022-49-1-energy-saving-per-ton",
            "2023",
            "5000000.00",
        )],
    );
    let input =
        format!("X1,{A},某公司,新城区,2023,hohhot-2022-49-1-digital-energy-mgmt,,,8000000\n");
    assert_eq!(&run(&dir, &input, &[&h])[0][4], "1000000.00");
    // The ledger of an earlier run serves as history just as well as its payouts.csv.
    let first = dir.join("first");
    std::fs::create_dir_all(&first).unwrap();
    std::fs::copy(dir.join("out/ledger.xlsx"), first.join("ledger.xlsx")).unwrap();
    let input =
        format!("X2,{A},某公司,新城区,2023,hohhot-2022-49-1-digital-energy-mgmt,,,8000000\n");
    assert_eq!(&run(&dir, &input, &[&h, &first])[0][4], "0.00");
}

#[test]
fn staged_milestones_pay_each_stage_once_within_the_cumulative_cap() {
    let dir = tmp("history-staged");
    let h = dir.join("paid.csv");
    let rule = "hohhot-2022-69b-ipo-staged-award";
    write_history(&h, &[(A, rule, "2022", "2000000.00")]);
    let file = dir.join("in.csv");
    std::fs::write(
        &file,
        format!("申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,是否完成上市辅导备案,是否上市申请获受理,是否首发上市,是否符合申报条件（审核结论）,是否首次/新获认定\nS1,{A},某公司,新城区,2023,{rule},是,是,否,是,是\n"),
    )
    .unwrap();
    let out = dir.join("out");
    let o = subsidy(&[
        "run",
        "--history",
        h.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<csv::StringRecord> = csv::Reader::from_path(out.join("payouts.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        &lines[0][4], "2000000.00",
        "stage 1 paid in 2022; only stage 2 is paid now"
    );
}

/// A rule in two enterprise-year cap groups, each shared with another rule.
const TWO_GROUPS: &str = r#"
[policy]
id = "two-groups"
title = "测试"
payer = "盟市"

[[rule]]
id = "tg-both"
clause = "第1条"
excerpt = "单个企业每年甲类不超过20万元，乙类不超过20万元"
caps = [
  { amount = "20万", scope = "enterprise_year", group = "g1" },
  { amount = "20万", scope = "enterprise_year", group = "g2" },
]
formula = { kind = "amount", base = "approved_amount" }

[[rule]]
id = "tg-one"
clause = "第2条"
excerpt = "甲类"
caps = [ { amount = "20万", scope = "enterprise_year", group = "g1" } ]
formula = { kind = "amount", base = "approved_amount" }

[[rule]]
id = "tg-two"
clause = "第3条"
excerpt = "乙类"
caps = [ { amount = "20万", scope = "enterprise_year", group = "g2" } ]
formula = { kind = "amount", base = "approved_amount" }
"#;

fn run_policy(
    dir: &Path,
    policy: &str,
    input: &str,
    history: Option<&Path>,
) -> Vec<csv::StringRecord> {
    let (p, file, out) = (dir.join("policy.toml"), dir.join("in.csv"), dir.join("out"));
    std::fs::write(&p, policy).unwrap();
    std::fs::write(&file, format!("申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,核定奖补金额（元）\n{input}")).unwrap();
    let mut args = vec![
        "run",
        "--policy",
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    if let Some(h) = history {
        args.extend(["--history", h.to_str().unwrap()]);
    }
    args.push(file.to_str().unwrap());
    let o = subsidy(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    csv::Reader::from_path(out.join("payouts.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect()
}

/// Issue 13: the history was one number per row — everything paid under *any* of the rule's
/// groups — charged against *each* group, so a rule in two groups was paid nothing where the
/// same facts inside one batch pay 100,000.00. The history is charged per cap group.
#[test]
fn a_rule_in_two_cap_groups_is_charged_the_history_of_each_group_only() {
    let dir = tmp("history-two-groups");
    let batch = format!("X1,{A},某公司,新城区,2023,tg-one,100000\nX2,{A},某公司,新城区,2023,tg-two,100000\nX3,{A},某公司,新城区,2023,tg-both,150000\n");
    let lines = run_policy(&dir, TWO_GROUPS, &batch, None);
    assert_eq!(
        &lines[2][4], "100000.00",
        "inside one batch: 100,000.00 left in each group"
    );
    let h = dir.join("paid.csv");
    write_history(
        &h,
        &[
            (A, "tg-one", "2023", "100000.00"),
            (A, "tg-two", "2023", "100000.00"),
        ],
    );
    let lines = run_policy(
        &dir,
        TWO_GROUPS,
        &format!("X3,{A},某公司,新城区,2023,tg-both,150000\n"),
        Some(&h),
    );
    assert_eq!(
        &lines[0][4], "100000.00",
        "the same facts from the history: {:?}",
        &lines[0]
    );
    assert!(
        lines[0][15].contains("同企业已计 100,000.00，剩余 100,000.00"),
        "{:?}",
        &lines[0]
    );
}

/// A refund in the history (a negative line of an earlier settlement) does not give the cap its
/// room back: the room is the cap less what was paid out, refunds not netted.
#[test]
fn a_refund_in_the_history_never_widens_a_shared_cap() {
    let dir = tmp("history-refund");
    let h = dir.join("paid.csv");
    write_history(
        &h,
        &[
            (A, "tg-one", "2023", "150000.00"),
            (A, "tg-one", "2023", "-50000.00"),
        ],
    );
    let lines = run_policy(
        &dir,
        TWO_GROUPS,
        &format!("X3,{A},某公司,新城区,2023,tg-one,150000\n"),
        Some(&h),
    );
    assert_eq!(&lines[0][4], "50000.00", "{:?}", &lines[0]);
}

/// 单个企业累计支持不超过100万元: a lifetime cap counts what the history paid in every year up
/// to the line's (not later ones), and the batch's own years in order.
#[test]
fn a_lifetime_cap_counts_every_earlier_year_and_the_batch_in_year_order() {
    let policy = r#"
[policy]
id = "life"
title = "测试"
payer = "盟市"

[[rule]]
id = "life-a"
clause = "第1条"
excerpt = "单个企业累计支持不超过100万元"
caps = [ { amount = "100万", scope = "enterprise", group = "life", words = "单个企业累计支持不超过100万元" } ]
formula = { kind = "amount", base = "approved_amount" }
"#;
    let dir = tmp("history-lifetime");
    let h = dir.join("paid.csv");
    write_history(
        &h,
        &[
            (A, "life-a", "2021", "400000.00"),
            (A, "life-a", "2022", "300000.00"),
            (A, "life-a", "2025", "300000.00"),
        ],
    );
    let lines = run_policy(
        &dir,
        policy,
        &format!("X1,{A},某公司,新城区,2023,life-a,500000\n"),
        Some(&h),
    );
    assert_eq!(&lines[0][4], "300000.00", "{:?}", &lines[0]);
    assert!(
        lines[0][15]
            .contains("（历年共享上限 1,000,000.00，同企业已计 700,000.00，剩余 300,000.00）"),
        "{:?}",
        &lines[0]
    );
    // Two years in one batch: the earlier year is served first whatever the 申报编号.
    let batch = format!(
        "X1,{A},某公司,新城区,2024,life-a,200000\nX2,{A},某公司,新城区,2023,life-a,200000\n"
    );
    let lines = run_policy(&dir, policy, &batch, Some(&h));
    assert_eq!(
        (&lines[0][4], &lines[1][4]),
        ("100000.00", "200000.00"),
        "{lines:?}"
    );
}
