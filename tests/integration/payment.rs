//! Several payees for one award (合同能源管理) and advance and settlement (预拨/清算, 多退少补),
//! issue 13 items 4 and 5: the worked examples of config/README.md run end to end, to the 分,
//! through the ledger, verify, reconcile and reconcile --payments.

use std::path::{Path, PathBuf};

use crate::cli::{stderr, subsidy, tmp};

/// The worked examples' policy, as config/README.md shows it.
const POLICY: &str = r#"[policy]
id = "payment-examples"
title = "《合同能源管理与设备更新奖补（示例）》"
issuer = "示例"
payer = "盟市"

[[rule]]
id = "emc-fixed-share"
clause = "第一条"
excerpt = "采用合同能源管理方式实施的节能改造项目，按项目投资额的20%给予奖补，单个项目最高100万元，节能服务公司与用能单位各50%。"
formula = { kind = "rate", base = "fixed_asset_investment", rate = "20%" }
caps = [{ amount = "100万", words = "单个项目最高100万元" }]
split = { "自治区" = "1", "盟市" = "1" }
payees = { partner_share = "50%", words = "节能服务公司与用能单位各50%" }

[[rule]]
id = "emc-row-share"
clause = "第二条"
excerpt = "奖补资金由用能单位与节能服务公司按合同约定比例分配。"
formula = { kind = "rate", base = "fixed_asset_investment", rate = "20%" }
payees = { partner_share = { field = "second_payee_share" }, words = "按合同约定比例分配" }

[[rule]]
id = "upgrade-settles"
clause = "第三条"
excerpt = "按设备投资额的10%给予补助，先按批复投资预拨50%，竣工验收后据实清算，多退少补。"
formula = { kind = "rate", base = "fixed_asset_investment", rate = "10%" }
advance = { share = "50%", settles = true, words = "先预拨50%，验收后据实清算，多退少补" }

[[rule]]
id = "upgrade-tops-up"
clause = "第四条"
excerpt = "按设备投资额的10%给予补助，先预拨50%，验收后据实补足。"
formula = { kind = "rate", base = "fixed_asset_investment", rate = "10%" }
advance = { share = "50%", words = "先预拨50%，验收后补足" }
"#;

const HEADER: &str = "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,固定资产投资额（元）,项目编号,拨付阶段,第二收款单位统一社会信用代码,第二收款单位名称,第二收款单位分配比例（%）\n";
const A: &str = "91150100MA0000001A";
const B: &str = "91150100MA0000002D";
const ESCO: &str = "91150100MA000000EJ";

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn policy(dir: &Path) -> PathBuf {
    let p = dir.join("policy.toml");
    std::fs::write(&p, POLICY).unwrap();
    p
}

/// Runs the examples' policy on `rows` (CSV lines under [`HEADER`]); returns the payouts.csv
/// records and the output folder.
fn run(dir: &Path, rows: &str, history: Option<&Path>) -> (Vec<csv::StringRecord>, PathBuf) {
    let input = dir.join("in.csv");
    std::fs::write(&input, format!("{HEADER}{rows}")).unwrap();
    let out = dir.join("out");
    let policy = policy(dir);
    let mut args = vec![
        "run".to_string(),
        "--policy".into(),
        policy.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    if let Some(h) = history {
        args.extend(["--history".into(), h.display().to_string()]);
    }
    args.push(input.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = subsidy(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let records = csv::Reader::from_path(out.join("payouts.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect();
    (records, out)
}

/// (application_id, credit_code, award, share_region, share_city, line_type) of each line.
fn money(records: &[csv::StringRecord]) -> Vec<[String; 6]> {
    records
        .iter()
        .map(|r| [0, 1, 4, 5, 6, 10].map(|c| r[c].to_string()))
        .collect()
}

fn row(cells: [&str; 6]) -> [String; 6] {
    cells.map(str::to_string)
}

#[test]
fn one_award_is_paid_to_two_payees_each_split_by_payer_summing_exactly() {
    let dir = tmp("payees-fixed");
    let rows = format!(
        "E1,{A},甲用能单位,新城区,2025,emc-fixed-share,1000000.05,,,{ESCO},某节能服务公司,\n\
         E2,{B},乙用能单位,新城区,2025,emc-fixed-share,6000000,,,{ESCO},某节能服务公司,\n"
    );
    let (records, out) = run(&dir, &rows, None);
    // E1: 1,000,000.05 × 20% = 200,000.01; the odd cent to the applicant (listed first), and
    // each payee's part split 自治区/盟市 1:1, its own odd cent to the payer listed first.
    // E2: 1,200,000.00 capped at 1,000,000.00 before it is shared.
    assert_eq!(
        money(&records),
        [
            row(["E1", A, "100000.01", "50000.01", "50000.00", "payout"]),
            row(["E1", ESCO, "100000.00", "50000.00", "50000.00", "payout"]),
            row(["E2", B, "500000.00", "250000.00", "250000.00", "payout"]),
            row(["E2", ESCO, "500000.00", "250000.00", "250000.00", "payout"]),
        ]
    );
    assert_eq!(&records[1][2], "某节能服务公司");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"award_total\": \"1200000.01\""),
        "{manifest}"
    );
    // Every payee line is its own line of 发放明细 and 计算过程: the ledger verifies.
    let o = subsidy(&["verify", out.join("ledger.xlsx").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn a_share_from_the_row_leaves_the_odd_cent_with_the_applicant() {
    let dir = tmp("payees-field");
    // 333,333.33 × 20% = 66,666.666 → 66,666.67 (D7); 30% to the energy-service company:
    // 6,666,667 分 × 70% = 4,666,666.9 and × 30% = 2,000,000.1 → the cent left to the larger
    // remainder, the applicant's.
    let rows = format!(
        "E3,{A},甲用能单位,新城区,2025,emc-row-share,333333.33,,,{ESCO},某节能服务公司,30\n"
    );
    let (records, _) = run(&dir, &rows, None);
    let got: Vec<(String, String)> = records
        .iter()
        .map(|r| (r[1].to_string(), r[4].to_string()))
        .collect();
    assert_eq!(
        got,
        [
            (A.to_string(), "46666.67".to_string()),
            (ESCO.to_string(), "20000.00".to_string())
        ]
    );
}

#[test]
fn a_row_without_its_second_payee_is_not_paid_to_one_payee_alone() {
    let dir = tmp("payees-missing");
    let rows = format!("E4,{A},甲用能单位,新城区,2025,emc-fixed-share,100000,,,,,\n");
    let (records, _) = run(&dir, &rows, None);
    assert_eq!(records.len(), 1);
    assert_eq!(&records[0][10], "ineligible");
    assert_eq!(&records[0][15], "缺少数据：第二收款单位统一社会信用代码");
}

#[test]
fn a_settlement_pays_the_award_less_the_advance_of_the_same_batch() {
    let dir = tmp("settle-batch");
    // P1: advance on an estimate of 2,000,000: 10% = 200,000.00 × 50% = 100,000.00; settled on
    // 1,500,000: 150,000.00 − 100,000.00 = 50,000.00 still due.
    // P2: the same advance; settled on 800,000: 80,000.00 − 100,000.00 = −20,000.00 应退.
    // P3 (只补不退): settled on 800,000 pays 0.00 and asks nothing back.
    // Another project of the same enterprise (P4) does not count against P1.
    let rows = format!(
        "S1,{A},甲公司,新城区,2025,upgrade-settles,2000000,P1,预拨,,,\n\
         S2,{A},甲公司,新城区,2025,upgrade-settles,1500000,P1,清算,,,\n\
         S3,{A},甲公司,新城区,2025,upgrade-settles,2000000,P2,预拨,,,\n\
         S4,{A},甲公司,新城区,2025,upgrade-settles,800000,P2,清算,,,\n\
         S5,{A},甲公司,新城区,2025,upgrade-tops-up,2000000,P3,预拨,,,\n\
         S6,{A},甲公司,新城区,2025,upgrade-tops-up,800000,P3,清算,,,\n\
         S7,{A},甲公司,新城区,2025,upgrade-settles,300000,P4,清算,,,\n"
    );
    let (records, out) = run(&dir, &rows, None);
    let got: Vec<(String, String, String)> = records
        .iter()
        .map(|r| (r[0].to_string(), r[4].to_string(), r[10].to_string()))
        .collect();
    let want = [
        ("S1", "100000.00", "payout"),
        ("S2", "50000.00", "payout"),
        ("S3", "100000.00", "payout"),
        ("S4", "-20000.00", "refund"),
        ("S5", "100000.00", "payout"),
        ("S6", "0.00", "payout"),
        ("S7", "30000.00", "payout"),
    ]
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    assert_eq!(got, want);
    // The refund is split by payer like any line, negative, and the project is recorded.
    assert_eq!(&records[3][6], "-20000.00");
    assert_eq!(&records[3][16], "P2");
    assert!(
        records[3][15].contains("多退少补：已拨付多于据实核定，应退 20,000.00"),
        "{:?}",
        &records[3]
    );
    assert!(records[5][15].contains("只补不退"), "{:?}", &records[5]);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"award_total\": \"380000.00\""),
        "{manifest}"
    );
    assert!(
        manifest.contains("\"refund_total\": \"-20000.00\""),
        "{manifest}"
    );
}

fn write_history(path: &Path, project_column: bool, lines: &[(&str, &str, &str, &str)]) {
    let mut text =
        String::from("application_id,credit_code,rule_id,award,line_type,application_year");
    text.push_str(if project_column {
        ",project_id\n"
    } else {
        "\n"
    });
    for (i, (year, project, award, kind)) in lines.iter().enumerate() {
        text.push_str(&format!("H{i},{A},upgrade-settles,{award},{kind},{year}"));
        text.push_str(&if project_column {
            format!(",{project}\n")
        } else {
            "\n".to_string()
        });
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_settlement_deducts_what_the_history_paid_the_same_project() {
    let dir = tmp("settle-history");
    let h = dir.join("paid.csv");
    // 2024 advance of 100,000.00 on P1, and one on P9 that is another project.
    write_history(
        &h,
        true,
        &[
            ("2024", "P1", "100000.00", "payout"),
            ("2024", "P9", "70000.00", "payout"),
        ],
    );
    let rows = format!(
        "S1,{A},甲公司,新城区,2025,upgrade-settles,1500000,P1,清算,,,\n\
         S2,{A},甲公司,新城区,2025,upgrade-settles,600000,P9,清算,,,\n"
    );
    let (records, _) = run(&dir, &rows, Some(&h));
    assert_eq!(&records[0][4], "50000.00");
    // P9: 60,000.00 − 70,000.00 = −10,000.00 owed back.
    assert_eq!((&records[1][4], &records[1][10]), ("-10000.00", "refund"));

    // A refund already received back nets the project: paid 70,000.00, refunded 10,000.00.
    write_history(
        &h,
        true,
        &[
            ("2024", "P9", "70000.00", "payout"),
            ("2025", "P9", "-10000.00", "refund"),
        ],
    );
    let rows = format!("S3,{A},甲公司,新城区,2025,upgrade-settles,650000,P9,清算,,,\n");
    let (records, _) = run(&dir, &rows, Some(&h));
    // 65,000.00 − (70,000.00 − 10,000.00) = 5,000.00.
    assert_eq!(&records[0][4], "5000.00");
}

#[test]
fn a_history_without_project_numbers_is_refused_for_a_settling_rule() {
    let dir = tmp("settle-noproject");
    let h = dir.join("paid.csv");
    write_history(&h, false, &[("2024", "", "100000.00", "payout")]);
    let input = dir.join("in.csv");
    std::fs::write(
        &input,
        format!("{HEADER}S1,{A},甲公司,新城区,2025,upgrade-settles,1500000,P1,清算,,,\n"),
    )
    .unwrap();
    let policy = policy(&dir);
    let o = subsidy(&[
        "run",
        "--policy",
        policy.to_str().unwrap(),
        "--history",
        h.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("row 2: rule `upgrade-settles` pays an advance and settles by project, but this history has no column project_id (项目编号)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_refund_verifies_and_reconciles_as_money_owed_back() {
    let dir = tmp("settle-audit");
    let rows = format!(
        "S1,{A},甲公司,新城区,2025,upgrade-settles,2000000,P2,预拨,,,\n\
         S2,{A},甲公司,新城区,2025,upgrade-settles,800000,P2,清算,,,\n"
    );
    let (_, out) = run(&dir, &rows, None);
    let ledger = out.join("ledger.xlsx");
    let o = subsidy(&["verify", ledger.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // The ledger as written is also what the inputs recompute to.
    let rec = dir.join("rec");
    let o = subsidy(&[
        "reconcile",
        ledger.to_str().unwrap(),
        "--policy",
        dir.join("policy.toml").to_str().unwrap(),
        "--out",
        rec.to_str().unwrap(),
        dir.join("in.csv").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // The bank paid the advance; the refund has not come back yet.
    let bank = dir.join("bank.csv");
    std::fs::write(
        &bank,
        format!("统一社会信用代码,户名,金额\n{A},甲公司,100000.00\n"),
    )
    .unwrap();
    let reconcile = |bank: &Path| {
        subsidy(&[
            "reconcile",
            ledger.to_str().unwrap(),
            "--payments",
            bank.to_str().unwrap(),
            "--out",
            rec.to_str().unwrap(),
        ])
    };
    let o = reconcile(&bank);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "未退回   {A} 台账 -20000.00 / 0.00 台账应退 20,000.00（多退少补），支付清单中没有退回记录"
        )),
        "{text}"
    );
    // Part of it came back.
    std::fs::write(
        &bank,
        format!("统一社会信用代码,户名,金额\n{A},甲公司,100000.00\n{A},甲公司,-15000.00\n"),
    )
    .unwrap();
    let text = stdout(&reconcile(&bank));
    assert!(
        text.contains(&format!(
            "少退   {A} 台账 -20000.00 / -15000.00 甲公司（第 3 行）少退 5,000.00"
        )),
        "{text}"
    );
    // All of it came back: the list reconciles.
    std::fs::write(
        &bank,
        format!("统一社会信用代码,户名,金额\n{A},甲公司,100000.00\n{A},甲公司,-20000.00\n"),
    )
    .unwrap();
    let o = reconcile(&bank);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn loader_errors_point_at_the_construct() {
    let vocab = crate::common::vocab();
    let old = "advance = { share = \"50%\", words = \"先预拨50%，验收后补足\" }";
    let line = POLICY.lines().position(|l| l == old).unwrap() + 1;
    let check = |extra: &str, wanted: &str| {
        let text = POLICY.replace(old, extra);
        let err = subsidy::rules::load_policy_text(&text, Path::new("bad.toml"), &vocab)
            .expect_err("refused")
            .to_string();
        assert_eq!(
            err,
            format!("bad.toml:{line}: rule `upgrade-tops-up`: {wanted}")
        );
    };
    check(
        "advance = { share = \"150%\" }",
        "`advance`: share `150%` must be above 0% and at most 100%",
    );
    check(
        "payees = { partner_share = \"half\" }",
        "`payees`: partner_share `half` is not a rate; write it with a percent sign, e.g. \"50%\"",
    );
    check(
        "payees = { partner_share = { field = \"fixed_asset_investment\" } }",
        "`payees`: partner_share field `fixed_asset_investment` is not a percent field (type rate_percent)",
    );
    check(
        "payees = { partner_share = \"50%\" }\nadvance = { share = \"50%\" }",
        "`payees` and `advance` on one rule are not supported: a settlement would not see the second payee's part of the advance in the history",
    );
}
