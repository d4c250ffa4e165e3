//! `subsidy template`: the form a clerk fills goes back into `subsidy run` unchanged.

use calamine::{open_workbook, Reader, Xlsx};
use rust_xlsxwriter::Workbook;

use crate::cli::{run_into, stderr, subsidy, tmp};

#[test]
fn a_filled_form_runs_unchanged() {
    let dir = tmp("template");
    let form = dir.join("form.xlsx");
    let o = subsidy(&[
        "template",
        "--rule",
        "hohhot-2022-13-investment-award",
        "--rule",
        "hohhot-2022-52-1-green-manufacturing-awards",
        "--rule",
        "hohhot-2022-50-1-water-saving-per-ton",
        "--out",
        form.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut wb: Xlsx<_> = open_workbook(&form).unwrap();
    assert_eq!(wb.sheet_names(), ["申报表", "填报说明"]);
    let headers: Vec<String> = wb
        .worksheet_range("申报表")
        .unwrap()
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    for h in [
        "申报编号",
        "统一社会信用代码",
        "申报条款编号",
        "固定资产投资额（元）",
        "获得称号/认定名称",
        "节水量（吨）",
    ] {
        assert!(
            headers.iter().any(|x| x == h),
            "missing column {h}: {headers:?}"
        );
    }
    let notes = wb.worksheet_range("填报说明").unwrap();
    assert!(
        notes.rows().any(|r| r[2]
            .to_string()
            .contains("按照建成投产后实际完成固定资产投资额的2%")),
        "the excerpt is quoted"
    );
    let review = notes
        .rows()
        .find(|r| r[0] == "审核结论列")
        .map(|r| r[2].to_string())
        .unwrap_or_default();
    assert!(
        review.contains("留空为待审核") && review.contains("不计入奖补资金合计"),
        "the notes say how the review column is used: {review}"
    );
    // Fill it as a clerk would: the form's own header row, one row per rule.
    let filled = dir.join("filled.xlsx");
    let mut out = Workbook::new();
    let ws = out.add_worksheet().set_name("申报表").unwrap();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let rows = [
        [
            ("申报编号", "F1"),
            ("申报条款编号", "hohhot-2022-13-investment-award"),
            ("固定资产投资额（元）", "300000000"),
        ],
        [
            ("申报编号", "F2"),
            (
                "申报条款编号",
                "hohhot-2022-52-1-green-manufacturing-awards",
            ),
            ("获得称号/认定名称", "国家级绿色工厂"),
        ],
        [
            ("申报编号", "F3"),
            ("申报条款编号", "hohhot-2022-50-1-water-saving-per-ton"),
            ("节水量（吨）", "50000"),
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        let common = [
            ("统一社会信用代码", "91350100M000100Y43"),
            ("企业名称", "某公司"),
            ("所属旗县区", "新城区"),
            ("申报年度", "2023"),
        ];
        for (h, v) in common.iter().chain(row.iter()) {
            let c = headers.iter().position(|x| x == h).unwrap();
            ws.write_string(r, c as u16, *v).unwrap();
        }
        // Reviewed, as the form's notes ask: 是 in each review column the form has.
        for h in ["是否符合申报条件（审核结论）", "是否首次/新获认定"] {
            if let Some(c) = headers.iter().position(|x| x == h) {
                ws.write_string(r, c as u16, "是").unwrap();
            }
        }
    }
    out.save(&filled).unwrap();
    let result = dir.join("out");
    let o = run_into(&result, &filled);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(result.join("payouts.csv")).unwrap();
    let awards: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    assert_eq!(awards, ["6000000.00", "1500000.00", "500000.00"]);
}

#[test]
fn an_unknown_rule_is_refused() {
    let o = subsidy(&[
        "template",
        "--rule",
        "no-such-rule",
        "--out",
        tmp("template-bad").join("f.xlsx").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("rule `no-such-rule` is not in the loaded policies"));
}

/// The form's header row for the given rules of `policy`.
fn form_headers(policy: &str, rules: &[&str], name: &str) -> Vec<String> {
    let form = tmp(name).join("form.xlsx");
    let mut args = vec!["template", "--policy", policy];
    for r in rules {
        args.extend(["--rule", r]);
    }
    args.extend(["--out", form.to_str().unwrap()]);
    let o = subsidy(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut wb: Xlsx<_> = open_workbook(&form).unwrap();
    let range = wb.worksheet_range("申报表").unwrap();
    let headers = range.rows().next().unwrap().iter().map(|c| c.to_string());
    headers.collect()
}

/// A rule with a project cap, a count limit, an advance or a second payee reads 项目编号,
/// 拨付阶段 or the second payee's code and name from the row: the form has their columns (a
/// form without 项目编号 makes every row a project of its own, each with a whole project cap;
/// without the second payee every row is 缺少数据). Rules without them get none.
#[test]
fn the_form_has_the_columns_projects_advances_and_second_payees_need() {
    let anhui = "examples/policies/anhui-2017-53-manufacturing.toml";
    let headers = form_headers(
        anhui,
        &[
            "anhui-2017-53-1-strong-base-equipment",
            "anhui-2017-53-3-first-set-pair",
        ],
        "template-constructs",
    );
    for h in [
        "项目编号",
        "第二收款单位统一社会信用代码",
        "第二收款单位名称",
    ] {
        assert!(headers.iter().any(|x| x == h), "missing {h}: {headers:?}");
    }
    assert!(!headers.iter().any(|x| x == "拨付阶段"), "{headers:?}");
    let plain = form_headers(anhui, &["anhui-2017-53-7-clean-room"], "template-plain");
    for h in ["项目编号", "拨付阶段", "第二收款单位名称"] {
        assert!(!plain.iter().any(|x| x == h), "{h} in {plain:?}");
    }
    let dir = tmp("template-advance");
    let policy = dir.join("advance.toml");
    std::fs::write(
        &policy,
        "[policy]\nid = \"adv\"\ntitle = \"预拨清算示例\"\npayer = \"盟市\"\n\n[[rule]]\n\
         id = \"adv-1\"\nclause = \"第1条\"\nexcerpt = \"先预拨50%\"\n\
         formula = { kind = \"rate\", base = \"fixed_asset_investment\", rate = \"10%\" }\n\
         advance = { share = \"50%\", settles = true }\n",
    )
    .unwrap();
    let advance = form_headers(policy.to_str().unwrap(), &["adv-1"], "template-adv-form");
    for h in ["项目编号", "拨付阶段"] {
        assert!(advance.iter().any(|x| x == h), "missing {h}: {advance:?}");
    }
}
