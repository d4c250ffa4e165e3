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
    csv::Reader::from_path(out.join("payouts.csv")).unwrap().records().map(|r| r.unwrap()).collect()
}

fn write_history(path: &Path, lines: &[(&str, &str, &str, &str)]) {
    let mut text = String::from("application_id,credit_code,enterprise_name,rule_id,award,line_type,application_year\n");
    for (i, (code, rule, year, award)) in lines.iter().enumerate() {
        text.push_str(&format!("H{i},{code},某公司,{rule},{award},payout,{year}\n"));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn three_years_paid_stop_a_three_year_rule() {
    let dir = tmp("history-years");
    let h = dir.join("paid.csv");
    let rule = "hohhot-2022-51-1-solid-waste-utilization";
    write_history(&h, &[(A, rule, "2020", "1500000.00"), (A, rule, "2021", "1500000.00"), (A, rule, "2021", "10.00")]);
    let input = format!("X1,{A},某公司,新城区,2022,{rule},150000,,\n");
    let lines = run(&dir, &input, &[&h]);
    assert_eq!(&lines[0][4], "1500000.00", "two years paid: the third is allowed");
    write_history(&h, &[(A, rule, "2020", "1"), (A, rule, "2021", "1"), (A, rule, "2022", "1")]);
    let input = format!("X1,{A},某公司,新城区,2023,{rule},150000,,\n");
    let lines = run(&dir, &input, &[&h]);
    assert_eq!(&lines[0][4], "0.00");
    assert_eq!(&lines[0][10], "ineligible");
    assert!(lines[0][15].contains("已享受 3 年，达到最多 3 年的限制（D10）"), "{:?}", &lines[0]);
}

#[test]
fn a_higher_title_later_pays_the_difference() {
    let dir = tmp("history-diff");
    let h = dir.join("paid.csv");
    write_history(&h, &[(A, "hohhot-2022-31-ip-enterprise-awards", "2022", "100000.00")]);
    let input = format!("X1,{A},某公司,新城区,2023,hohhot-2022-31-ip-enterprise-awards,,国家知识产权优势企业,\n");
    assert_eq!(&run(&dir, &input, &[&h])[0][4], "200000.00");
}

#[test]
fn a_shared_cap_counts_what_was_paid_earlier_this_year_and_ledgers_are_history_too() {
    let dir = tmp("history-cap");
    let h = dir.join("paid.csv");
    write_history(&h, &[(A, "hohhot-2022-49-1-energy-saving-per-ton", "2023", "5000000.00")]);
    let input = format!("X1,{A},某公司,新城区,2023,hohhot-2022-49-1-digital-energy-mgmt,,,8000000\n");
    assert_eq!(&run(&dir, &input, &[&h])[0][4], "1000000.00");
    // The ledger of an earlier run serves as history just as well as its payouts.csv.
    let first = dir.join("first");
    std::fs::create_dir_all(&first).unwrap();
    std::fs::copy(dir.join("out/ledger.xlsx"), first.join("ledger.xlsx")).unwrap();
    let input = format!("X2,{A},某公司,新城区,2023,hohhot-2022-49-1-digital-energy-mgmt,,,8000000\n");
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
    let o = subsidy(&["run", "--history", h.to_str().unwrap(), "--out", out.to_str().unwrap(), file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<csv::StringRecord> = csv::Reader::from_path(out.join("payouts.csv")).unwrap().records().map(|r| r.unwrap()).collect();
    assert_eq!(&lines[0][4], "2000000.00", "stage 1 paid in 2022; only stage 2 is paid now");
}
