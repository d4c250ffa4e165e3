//! Issue 13, left open: advance and settlement (预拨/清算) under shared and project caps, and
//! awards paid to several payees (合同能源管理) under count limits — end to end, to the 分, with
//! a payout history and rows in any order.

use std::path::{Path, PathBuf};

use crate::cli::{stderr, subsidy, tmp};

const HEADER: &str = "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,固定资产投资额（元）,项目编号,拨付阶段,第二收款单位统一社会信用代码,第二收款单位名称,第二收款单位分配比例（%）\n";
const A: &str = "91150100MA0000001A";
const B: &str = "91150100MA0000002D";
const C: &str = "91150100MA0000003G";
const ESCO: &str = "91150100MA000000EJ";

/// A policy of one rule and its extra lines (caps, advance, payees, limit).
fn policy(id: &str, extra: &str) -> String {
    format!(
        r#"[policy]
id = "instalments"
title = "《设备更新奖补（示例）》"
issuer = "示例"
payer = "盟市"

[[rule]]
id = "{id}"
clause = "第一条"
excerpt = "按设备投资额的10%给予补助。"
formula = {{ kind = "rate", base = "fixed_asset_investment", rate = "10%" }}
{extra}
"#
    )
}

/// Runs `policy` on `rows` (CSV lines under [`HEADER`], written in the order given, split
/// into `files` files); returns payouts.csv as (申报编号, credit code, award, line type,
/// reason), sorted, and the output folder.
fn run(
    dir: &Path,
    policy: &str,
    rows: &[String],
    files: usize,
    history: Option<&Path>,
) -> (Vec<[String; 5]>, PathBuf) {
    let p = dir.join("policy.toml");
    std::fs::write(&p, policy).unwrap();
    let out = dir.join("out");
    let mut args = vec![
        "run".to_string(),
        "--policy".into(),
        p.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    if let Some(h) = history {
        args.extend(["--history".into(), h.display().to_string()]);
    }
    for (k, chunk) in rows.chunks(rows.len().div_ceil(files)).enumerate() {
        let f = dir.join(format!("in{k}.csv"));
        std::fs::write(&f, format!("{HEADER}{}\n", chunk.join("\n"))).unwrap();
        args.push(f.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = subsidy(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut lines: Vec<[String; 5]> = csv::Reader::from_path(out.join("payouts.csv"))
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            [0, 1, 4, 10, 15].map(|c| r[c].to_string())
        })
        .collect();
    lines.sort();
    (lines, out)
}

/// (申报编号, award, line type) of each line.
fn money(lines: &[[String; 5]]) -> Vec<(&str, &str, &str)> {
    lines
        .iter()
        .map(|l| (l[0].as_str(), l[2].as_str(), l[3].as_str()))
        .collect()
}

/// The rows in reverse, in two files: what a settlement deducts does not depend on order.
fn reversed(rows: &[String]) -> Vec<String> {
    rows.iter().rev().cloned().collect()
}

fn row(
    app: &str,
    code: &str,
    year: &str,
    rule: &str,
    invest: &str,
    project: &str,
    stage: &str,
) -> String {
    format!("{app},{code},某公司,新城区,{year},{rule},{invest},{project},{stage},,,")
}

/// Item 3: a shared cap (单个企业每年最高8万元) cuts an advance of the same batch; the
/// settlement deducts what the advance actually paid, not the advance before the cut.
#[test]
fn a_settlement_deducts_the_advance_as_cut_by_a_shared_cap() {
    let dir = tmp("instal-cut-advance");
    let text = policy(
        "upgrade-settles",
        "caps = [{ amount = \"8万\", scope = \"enterprise_year\", group = \"yearly\", words = \"单个企业每年最高8万元\" }]\n\
         advance = { share = \"50%\", settles = true, words = \"先预拨50%，验收后据实清算，多退少补\" }",
    );
    let r = "upgrade-settles";
    let rows = vec![
        // A, one year: advance 200,000.00 × 50% = 100,000.00, cut to 80,000.00; settled on
        // 700,000: 70,000.00 − 80,000.00 paid = −10,000.00 owed back (not −30,000.00).
        row("A1", A, "2025", r, "2000000", "P1", "预拨"),
        row("A2", A, "2025", r, "700000", "P1", "清算"),
        // B, the advance in 2024 cut to 80,000.00, settled in 2025 on 1,500,000:
        // 150,000.00 − 80,000.00 = 70,000.00 (not 50,000.00), within 2025's 80,000.00.
        row("B1", B, "2024", r, "2000000", "P1", "预拨"),
        row("B2", B, "2025", r, "1500000", "P1", "清算"),
        // C, one year, the settlement numbered before its advance: the advance is served
        // first (100,000.00 → 80,000.00), the settlement on 900,000 then owes
        // 90,000.00 − 80,000.00 = 10,000.00, which the year's cap, used up, cuts to 0.00.
        row("C1", C, "2025", r, "900000", "P1", "清算"),
        row("C2", C, "2025", r, "2000000", "P1", "预拨"),
    ];
    let (lines, _) = run(&dir, &text, &rows, 1, None);
    assert_eq!(
        money(&lines),
        [
            ("A1", "80000.00", "payout"),
            ("A2", "-10000.00", "refund"),
            ("B1", "80000.00", "payout"),
            ("B2", "70000.00", "payout"),
            ("C1", "0.00", "payout"),
            ("C2", "80000.00", "payout"),
        ]
    );
    // The settlement says what it deducted and why it differs from the advance's figure.
    let explain = subsidy(&[
        "explain",
        "--policy",
        dir.join("policy.toml").to_str().unwrap(),
        "--application",
        "B2",
        dir.join("in0.csv").to_str().unwrap(),
    ]);
    let text_b2 = String::from_utf8_lossy(&explain.stdout);
    assert!(
        text_b2.contains("清算 减本批预拨实付 80,000.00（申报编号 B1，核定 100,000.00，经本批封顶、限项等调整）：150,000.00 − 80,000.00 = 70,000.00"),
        "{text_b2}"
    );
    // Rows in any order, in several files: the same lines.
    let (again, _) = run(&dir, &text, &reversed(&rows), 2, None);
    assert_eq!(again, lines);
}

/// A row paying two payees: `partner` takes `share`% of the award.
fn payee_row(
    app: &str,
    code: &str,
    year: &str,
    invest: &str,
    project: &str,
    partner: &str,
    share: &str,
) -> String {
    format!("{app},{code},某公司,新城区,{year},emc,{invest},{project},,{partner},某节能服务公司,{share}")
}

const EMC: &str = "payees = { partner_share = { field = \"second_payee_share\" }, words = \"按合同约定比例分配\" }\n\
                   limit = { most = 1, per = \"enterprise\", keep = \"earliest_application\", words = \"每个企业累计支持1个项目\" }";

/// Item 1: a payee split does not make a second project. The history records each payee's
/// part under its own credit code; its second payee's part is counted once, for the applicant
/// — never as a project of the energy-service company, and still when the applicant's own
/// part is 0.00.
#[test]
fn a_second_payees_part_in_the_history_counts_for_the_applicant_only() {
    let dir = tmp("instal-payee-limit");
    let text = policy("emc", EMC);
    // 2023: A's project P1 paid wholly to the energy-service company (100%), B's P5 half.
    let first = [
        payee_row("E1", A, "2023", "1000000", "P1", ESCO, "100"),
        payee_row("E2", B, "2023", "500000", "P5", ESCO, "50"),
    ];
    let (lines, out) = run(&dir, &text, &first, 1, None);
    assert_eq!(
        lines
            .iter()
            .map(|l| (l[0].as_str(), l[1].as_str(), l[2].as_str()))
            .collect::<Vec<_>>(),
        [
            ("E1", A, "0.00"),
            ("E1", ESCO, "100000.00"),
            ("E2", B, "25000.00"),
            ("E2", ESCO, "25000.00"),
        ]
    );
    let history = dir.join("paid.csv");
    std::fs::copy(out.join("payouts.csv"), &history).unwrap();
    let ledger = dir.join("paid.xlsx");
    std::fs::copy(out.join("ledger.xlsx"), &ledger).unwrap();
    // 2024: A has had its one project (P1); the company applies for its own first project.
    let second = [
        payee_row("F1", A, "2024", "300000", "P2", C, "0"),
        payee_row("F2", ESCO, "2024", "400000", "Q1", C, "0"),
    ];
    let (lines, _) = run(&dir, &text, &second, 1, Some(&history));
    let got: Vec<(&str, &str, &str, &str)> = lines
        .iter()
        .map(|l| (l[0].as_str(), l[1].as_str(), l[2].as_str(), l[3].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("F1", A, "0.00", "ineligible"),
            ("F2", C, "0.00", "payout"),
            ("F2", ESCO, "40000.00", "payout"),
        ]
    );
    assert_eq!(
        lines[0][4],
        "限项 每个企业累计支持1个项目：历年已支持 1 个（历史 1 个；按申报编号先后保留），项目 P2 不予支持"
    );
    // The ledger's 发放明细 read back as the history says the same.
    let (again, _) = run(&dir, &text, &second, 1, Some(&ledger));
    assert_eq!(again, lines);
}

/// A history that cannot tell a second payee's part from the applicant's is refused, with
/// the file, the row and the rule: no 申报编号 column, or the parts of one award apart.
#[test]
fn a_history_that_cannot_pair_the_payees_parts_is_refused() {
    let dir = tmp("instal-payee-history");
    let p = dir.join("policy.toml");
    std::fs::write(&p, policy("emc", EMC)).unwrap();
    let input = dir.join("in.csv");
    std::fs::write(
        &input,
        format!(
            "{HEADER}{}\n",
            payee_row("F1", A, "2024", "300000", "P2", C, "0")
        ),
    )
    .unwrap();
    let refusal = |history: &str| {
        let h = dir.join("paid.csv");
        std::fs::write(&h, history).unwrap();
        let o = subsidy(&[
            "run",
            "--policy",
            p.to_str().unwrap(),
            "--history",
            h.to_str().unwrap(),
            "--out",
            dir.join("out").to_str().unwrap(),
            input.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        stderr(&o)
    };
    let h = dir.join("paid.csv");
    let err = refusal(&format!(
        "credit_code,rule_id,award,line_type,application_year,project_id\n{A},emc,0.00,payout,2023,P1\n"
    ));
    assert!(
        err.contains(&format!("{} row 2: rule `emc` pays one award to two payees (合同能源管理), and this history has no column application_id (申报编号) to tell the second payee's part from the applicant's; give the payouts.csv or ledger.xlsx as a run wrote it (each award's payees on adjacent lines, the applicant first)", h.display())),
        "{err}"
    );
    let err = refusal(&format!(
        "application_id,credit_code,rule_id,award,line_type,application_year,project_id\n\
         E1,{A},emc,0.00,payout,2023,P1\n\
         E2,{B},emc,50000.00,payout,2023,P5\n\
         E1,{ESCO},emc,100000.00,payout,2023,P1\n"
    ));
    assert!(
        err.contains(&format!("{} row 4: rule `emc` pays one award to two payees (合同能源管理), and this line of 申报编号 E1 ({ESCO}) is not next to the line of its applicant ({A})", h.display())),
        "{err}"
    );
}

/// Item 2: a project capped over its life (单个项目最高12万元) paid in an advance and a
/// settlement, with and without 多退少补. The history paid P1, P2 and P4 an advance of
/// 100,000.00 in 2024, and P2 has refunded 20,000.00 since; P3's advance is in the batch.
#[test]
fn advance_and_settlement_share_the_project_cap() {
    let dir = tmp("instal-project-cap");
    let history = dir.join("paid.csv");
    std::fs::write(
        &history,
        format!(
            "application_id,credit_code,rule_id,award,line_type,application_year,project_id\n\
             H1,{A},upgrade,100000.00,payout,2024,P1\n\
             H2,{A},upgrade,100000.00,payout,2024,P2\n\
             H3,{A},upgrade,-20000.00,refund,2025,P2\n\
             H4,{A},upgrade,100000.00,payout,2024,P4\n"
        ),
    )
    .unwrap();
    let r = "upgrade";
    let rows = vec![
        // Above the advance: 150,000.00 − 100,000.00 = 50,000.00, of which the project's cap
        // leaves 120,000.00 − 100,000.00 = 20,000.00.
        row("S1", A, "2025", r, "1500000", "P1", "清算"),
        // Below it: 80,000.00 − 100,000.00 = −20,000.00 owed back (只补不退: 0.00).
        row("S2", A, "2025", r, "800000", "P4", "清算"),
        // The refund gave no room back: 140,000.00 − (100,000.00 − 20,000.00) = 60,000.00,
        // cut to 120,000.00 − 100,000.00 = 20,000.00, not to 40,000.00.
        row("S3", A, "2025", r, "1400000", "P2", "清算"),
        // In the batch: the advance 300,000.00 × 50% = 150,000.00 is cut to the cap,
        // 120,000.00; the settlement deducts that: 100,000.00 − 120,000.00 = −20,000.00.
        row("S4", A, "2025", r, "3000000", "P3", "预拨"),
        row("S5", A, "2025", r, "1000000", "P3", "清算"),
    ];
    let cap = "caps = [{ amount = \"12万\", scope = \"project\", words = \"单个项目最高12万元\" }]";
    let settles = policy(
        r,
        &format!("{cap}\nadvance = {{ share = \"50%\", settles = true, words = \"先预拨50%，验收后据实清算，多退少补\" }}"),
    );
    let (lines, _) = run(&dir, &settles, &rows, 1, Some(&history));
    assert_eq!(
        money(&lines),
        [
            ("S1", "20000.00", "payout"),
            ("S2", "-20000.00", "refund"),
            ("S3", "20000.00", "payout"),
            ("S4", "120000.00", "payout"),
            ("S5", "-20000.00", "refund"),
        ]
    );
    assert_eq!(
        lines[2][4],
        "封顶 单个项目最高12万元（项目 P2 历年共享上限 120,000.00，同项目已计 100,000.00，剩余 20,000.00）：60,000.00 → 20,000.00"
    );
    let (again, _) = run(&dir, &settles, &reversed(&rows), 2, Some(&history));
    assert_eq!(again, lines);

    let tops_up = policy(
        r,
        &format!("{cap}\nadvance = {{ share = \"50%\", words = \"先预拨50%，验收后补足\" }}"),
    );
    let (lines, _) = run(&dir, &tops_up, &rows, 1, Some(&history));
    assert_eq!(
        money(&lines),
        [
            ("S1", "20000.00", "payout"),
            ("S2", "0.00", "payout"),
            ("S3", "20000.00", "payout"),
            ("S4", "120000.00", "payout"),
            ("S5", "0.00", "payout"),
        ]
    );
    assert!(lines[4][4].contains("只补不退"), "{:?}", lines[4]);
}

/// Item 4: the money invariants with advances and settlements in the batch, a project cap, an
/// enterprise-year cap shared with another rule, a count limit, a history per enterprise and
/// awards paid to two payees.
mod properties {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use subsidy::domain::money::round_yuan;
    use subsidy::engine::batch::{Line, Pending, SharedPaid};
    use subsidy::engine::payment::{Instalment, LinePayment, Partner};
    use subsidy::engine::{Evaluation, Result as EvalResult};
    use subsidy::rules::payment::Stage;
    use subsidy::rules::{CapScope, Rule};

    /// Rules `adv` (an advance and settlement under a project cap, the enterprise-year cap
    /// `g` and a count limit), `other` (in `g` too) and `emc` (two payees, a count limit).
    fn rules(
        project_cap: u32,
        year_cap: u32,
        most: u32,
        earliest: bool,
        settles: bool,
        share: u32,
    ) -> Vec<Rule> {
        let keep = if earliest {
            "earliest_application"
        } else {
            "highest_award"
        };
        let text = format!(
            r#"[policy]
id = "props"
title = "示例"
payer = "盟市"

[[rule]]
id = "adv"
clause = "第1条"
excerpt = "预拨与清算"
formula = {{ kind = "fixed", amount = "1" }}
caps = [{{ amount = "{project_cap}万", scope = "project" }}, {{ amount = "{year_cap}万", scope = "enterprise_year", group = "g" }}]
advance = {{ share = "50%", settles = {settles} }}
limit = {{ most = {most}, per = "enterprise_year", keep = "{keep}" }}

[[rule]]
id = "other"
clause = "第2条"
excerpt = "同一上限"
formula = {{ kind = "fixed", amount = "1" }}
caps = [{{ amount = "{year_cap}万", scope = "enterprise_year", group = "g" }}]

[[rule]]
id = "emc"
clause = "第3条"
excerpt = "合同能源管理"
formula = {{ kind = "fixed", amount = "1" }}
payees = {{ partner_share = "{share}%" }}
limit = {{ most = {most}, per = "enterprise", keep = "{keep}" }}
"#
        );
        let vocab = crate::common::vocab();
        subsidy::rules::load_policy_text(&text, std::path::Path::new("props.toml"), &vocab)
            .unwrap()
            .rules
    }

    /// One line: rule (0 adv, 1 other, 2 emc), amount in 厘, enterprise, project, settlement
    /// (else advance, for `adv`), year, application id.
    type Raw = (usize, i64, usize, usize, bool, &'static str, String);

    /// The settled lines by application id.
    fn run(
        rules: &[Rule],
        lines: &[Raw],
        history: &[SharedPaid],
        share: u32,
    ) -> Vec<(String, Line)> {
        let projects: Vec<String> = lines.iter().map(|l| format!("P{}", l.3)).collect();
        let codes: Vec<String> = lines.iter().map(|l| format!("E{}", l.2)).collect();
        let settles = rules[0].advance.as_ref().is_some_and(|a| a.settles);
        let pending: Vec<Pending<'_>> = lines
            .iter()
            .enumerate()
            .map(|(k, (r, amount, e, _, settlement, year, app))| Pending {
                rule: &rules[*r],
                payer: subsidy::rules::Payer::City,
                evaluation: Evaluation {
                    result: EvalResult::Amount(Decimal::new(*amount, 3)),
                    trace: Default::default(),
                    split: None,
                    shared_caps: vec![],
                    payment: LinePayment {
                        partner: (*r == 2).then(|| Partner {
                            credit_code: "ESCO".into(),
                            name: "某节能服务公司".into(),
                            share: Decimal::new(share as i64, 2),
                        }),
                        instalment: (*r == 0).then(|| Instalment {
                            stage: if *settlement {
                                Stage::Settlement
                            } else {
                                Stage::Advance
                            },
                            project: projects[k].clone(),
                            settles,
                        }),
                    },
                },
                credit_code: &codes[k],
                year,
                project: &projects[k],
                order: (app, &rules[*r].id),
                prior_shared: &history[*e],
                budget: None,
            })
            .collect();
        crate::common::settle_by_id(lines.iter().map(|l| l.6.clone()), pending)
    }

    proptest! {
        #[test]
        fn advances_settlements_caps_limits_and_payees_hold_in_any_order(
            raw in proptest::collection::vec((0usize..3, 0i64..300_000_000, 0usize..2, 1usize..4, any::<bool>(), any::<bool>()), 1..24),
            caps in (1u32..30, 1u32..60),
            most in 1u32..4,
            earliest in any::<bool>(),
            settles in any::<bool>(),
            share in 0u32..=100,
            paid in proptest::collection::vec((0u64..100_000_000, 1usize..4, 0usize..3), 2),
        ) {
            let rules = rules(caps.0, caps.1, most, earliest, settles, share);
            let (project_cap, year_cap) = (Decimal::from(caps.0 * 10_000), Decimal::from(caps.1 * 10_000));
            let own = |r: &Rule, k: usize| match &r.caps[k].scope {
                CapScope::Project { group } | CapScope::EnterpriseYear { group } => group.clone(),
                other => panic!("{other:?}"),
            };
            let project_group = own(&rules[0], 0);
            let history: Vec<SharedPaid> = paid.iter().map(|(a, project, counted)| {
                let mut h = SharedPaid::default();
                h.add("g", Decimal::new(*a as i64, 2));
                h.add_project(&project_group, &format!("P{project}"), Decimal::new(*a as i64, 2));
                for c in 0..*counted {
                    h.add_counted(&rules[2].limits[0].group, "", &format!("H{c}"));
                }
                h
            }).collect();
            // One settlement per project at most (a second one is an advance).
            let mut settled = std::collections::HashSet::new();
            let lines: Vec<Raw> = raw.iter().enumerate().map(|(i, (r, a, e, p, s, y))| {
                let settlement = *r == 0 && *s && settled.insert((*e, *p));
                (*r, *a, *e, *p, settlement, if *y { "2024" } else { "2025" }, format!("A{i:03}"))
            }).collect();
            let out = run(&rules, &lines, &history, share);
            let got = |l: &Raw| &out.iter().find(|(app, _)| *app == l.6).unwrap().1;
            let positive = |ls: &mut dyn Iterator<Item = &Raw>| -> Decimal { ls.map(|l| got(l).amount).filter(|a| *a > Decimal::ZERO).sum() };
            for (e, prior) in history.iter().enumerate() {
                // The enterprise-year cap, each year, with what the history paid inside it.
                for year in ["2024", "2025"] {
                    let room = (year_cap - prior.in_group("g")).max(Decimal::ZERO);
                    let paid = positive(&mut lines.iter().filter(|l| l.2 == e && l.5 == year && l.0 < 2));
                    prop_assert!(paid <= room, "E{} {}: paid {} with room {}", e, year, paid, room);
                }
                // Each project's cap over its life, advances and settlements together.
                for p in 1..4 {
                    let room = (project_cap - prior.in_project(&project_group, &format!("P{p}"))).max(Decimal::ZERO);
                    let paid = positive(&mut lines.iter().filter(|l| l.2 == e && l.3 == p && l.0 == 0));
                    prop_assert!(paid <= room, "E{} P{}: paid {} with room {}", e, p, paid, room);
                }
            }
            for s in lines.iter().filter(|l| l.4) {
                let line = got(s);
                if line.is_refused() {
                    continue;
                }
                // A settlement deducts what its project's advances of the batch actually paid.
                let advanced: Decimal = lines.iter().filter(|l| l.0 == 0 && !l.4 && l.2 == s.2 && l.3 == s.3).map(|l| got(l).amount).sum();
                let due = round_yuan(Decimal::new(s.1, 3)) - advanced;
                match (due < Decimal::ZERO, settles) {
                    (true, true) => prop_assert_eq!(line.amount, due, "{} refunds what was overpaid", &s.6),
                    (true, false) => prop_assert_eq!(line.amount, Decimal::ZERO),
                    (false, _) => prop_assert!(line.amount >= Decimal::ZERO && line.amount <= due, "{}: {} of {} due", &s.6, line.amount, due),
                }
            }
            for (_, line) in &out {
                let shares: Decimal = line.shares.iter().map(|(_, v)| *v).sum();
                prop_assert!(line.shares.is_empty() || shares == line.amount);
                if line.is_money() && !line.payees.is_empty() {
                    // Payee parts sum to the award exactly, each split by payer exactly.
                    prop_assert_eq!(line.payees.len(), 2);
                    prop_assert_eq!(line.payees.iter().map(|p| p.line.amount).sum::<Decimal>(), line.amount);
                    for p in &line.payees {
                        prop_assert_eq!(p.line.shares.iter().map(|(_, v)| *v).sum::<Decimal>(), p.line.amount);
                    }
                }
            }
            // Order does not matter.
            let mut reversed = lines.clone();
            reversed.reverse();
            prop_assert_eq!(&out, &run(&rules, &reversed, &history, share));
        }
    }
}

/// A settlement's award is taken at 分 before what was paid (at 分) is deducted: an actual
/// award of 12,190.145 against 12,190.15 paid settles at 0.00, not at a refund of 0.01 — for
/// an advance in the history and one in the batch alike.
#[test]
fn half_a_cent_is_no_refund() {
    let dir = tmp("instal-half-cent");
    let text = policy(
        "upgrade-settles",
        "advance = { share = \"50%\", settles = true, words = \"先预拨50%，验收后据实清算，多退少补\" }",
    );
    let history = dir.join("paid.csv");
    std::fs::write(
        &history,
        format!(
            "application_id,credit_code,rule_id,award,line_type,application_year,project_id\n\
             H1,{A},upgrade-settles,12190.15,payout,2024,P1\n"
        ),
    )
    .unwrap();
    let r = "upgrade-settles";
    let rows = vec![
        // 121,901.45 × 10% = 12,190.145 → 12,190.15, less the history's 12,190.15.
        row("S1", A, "2025", r, "121901.45", "P1", "清算"),
        // 243,802.90 × 10% × 50% = 12,190.145 → 12,190.15 advanced in the batch.
        row("S2", B, "2025", r, "243802.90", "P2", "预拨"),
        row("S3", B, "2025", r, "121901.45", "P2", "清算"),
    ];
    let (lines, _) = run(&dir, &text, &rows, 1, Some(&history));
    assert_eq!(
        money(&lines),
        [
            ("S1", "0.00", "payout"),
            ("S2", "12190.15", "payout"),
            ("S3", "0.00", "payout"),
        ]
    );
}
