//! A rule is shown whole wherever it is described — `subsidy rules`, 政策参数 and the
//! template's 填报说明: every title of a by-title entry, how titles combine, and every
//! setting that changes the money (补差, 就高, 起付, 连续支持年限, a budget) (issue 19 item 3).

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::cli::{stderr, subsidy, tmp};

const POLICY: &str = r#"
[policy]
id = "shown"
title = "上市奖励测试"
payer = "自治区"

[[budget]]
id = "fund"
amount = "1000万"
method = "pro_rata"
words = "上市奖励资金"

[[rule]]
id = "shown-listing"
clause = "第1条"
excerpt = "在主板、中小板、创业板或境外主板上市的，奖励300万元；在科创板上市的，奖励500万元"
differential = true
exclusive = "listing"
floor = "1万"
max_years = 2
budget = "fund"
caps = [ { amount = "600万", words = "最高600万元" } ]
[rule.formula]
kind = "by_title"
combine = "sum"
entries = [
  { titles = ["主板", "中小板", "创业板", "境外主板"], amount = "300万" },
  { titles = ["科创板"], amount = "500万", split = { "自治区" = "1", "盟市" = "1" }, when = [ { field = "listing_exchange", in = ["上交所"] } ] },
]
"#;

const TABLE: &str = "按获得称号/认定名称：主板/中小板/创业板/境外主板 3,000,000.00；科创板 5,000,000.00（当 上市/挂牌交易场所 ∈ {上交所}）（分担 自治区 1 : 盟市 1）；一行多个称号合计（每项都计）";
const SETTINGS: &str = "补差：减去同一事项已获奖补（D9）；就高：互斥组 listing 内同一企业同一年度只付最高一条（D9）；起付：少于 10,000.00 不予补助（D12）；连续支持不超过 2 年（D10）；上市奖励资金 每年度 10,000,000.00，申请合计超出时按比例核减（D11）";

fn cell(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn rules_shows_every_title_and_every_setting_that_changes_the_money() {
    let dir = tmp("shown-rules");
    let policy = dir.join("shown.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let o = subsidy(&["rules", "--policy", policy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("shown-listing"))
        .unwrap();
    assert_eq!(
        lines[at + 1..at + 4],
        [TABLE, "上限 每项 ≤ 6,000,000.00", SETTINGS],
        "{text}"
    );
}

#[test]
fn the_policy_sheet_and_the_form_show_them_too() {
    let dir = tmp("shown-sheets");
    let policy = dir.join("shown.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let p = policy.to_str().unwrap();
    // 政策参数: the formula and the settings in 参数 (caps keep their own column, 上限).
    let input = dir.join("in.csv");
    std::fs::write(&input, "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,获得称号/认定名称\nA1,91350100M000100Y43,某公司,新城区,2023,shown-listing,创业板\n").unwrap();
    let out = dir.join("out");
    let o = subsidy(&[
        "run",
        "--policy",
        p,
        "--out",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut wb: Xlsx<_> = open_workbook(out.join("ledger.xlsx")).unwrap();
    let sheet = wb.worksheet_range("政策参数").unwrap();
    let row: Vec<String> = sheet
        .rows()
        .find(|r| cell(&r[1]) == "shown-listing")
        .unwrap()
        .iter()
        .map(cell)
        .collect();
    assert_eq!(row[6], format!("{TABLE}；{SETTINGS}"));
    assert_eq!(row[8], "每项 ≤ 6,000,000.00");
    // 填报说明: everything, one part per line.
    let form = dir.join("form.xlsx");
    let o = subsidy(&[
        "template",
        "--policy",
        p,
        "--rule",
        "shown-listing",
        "--out",
        form.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut wb: Xlsx<_> = open_workbook(&form).unwrap();
    let notes = wb.worksheet_range("填报说明").unwrap();
    let row: Vec<String> = notes
        .rows()
        .find(|r| cell(&r[0]) == "shown-listing")
        .unwrap()
        .iter()
        .map(cell)
        .collect();
    assert_eq!(
        row[3],
        format!("{TABLE}\n上限 每项 ≤ 6,000,000.00\n{SETTINGS}")
    );
}
