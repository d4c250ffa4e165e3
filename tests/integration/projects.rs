//! Issue 13 items 2, 3 and 6: caps per project (项目编号), cap groups declared once and shared
//! across policies with clauses left out, and count limits (限项) — the worked examples of
//! config/README.md, loaded from the README itself and run end to end (with a payout history
//! that carries 项目编号), their steps in 计算过程, and the loader's refusals.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use subsidy::engine::batch::{settle, Line, Pending, SharedPaid, NOTHING_SHARED};
use subsidy::engine::{Evaluation, Result as EvalResult};
use subsidy::rules::{load_policies, load_policy_text, Policy};

use crate::cli::{stderr, subsidy, tmp};
use crate::common::{root, vocab};

const E: &str = "91350100M000100Y43";

/// The ```toml block of config/README.md that starts `# file: NAME`.
pub(crate) fn readme_file(name: &str) -> String {
    let text = std::fs::read_to_string(root().join("config/README.md")).unwrap();
    let marker = format!("```toml\n# file: {name}\n");
    let start = text
        .find(&marker)
        .unwrap_or_else(|| panic!("config/README.md has no block {name}"))
        + marker.len();
    let end = start + text[start..].find("```").unwrap();
    text[start..end].to_string()
}

/// Writes the policies (name, text) into a folder of their own.
pub(crate) fn policy_dir(dir: &Path, files: &[(&str, String)]) -> PathBuf {
    let p = dir.join("policies");
    std::fs::create_dir_all(&p).unwrap();
    for (name, text) in files {
        std::fs::write(p.join(name), text).unwrap();
    }
    p
}

/// Runs the batch (rows after the identity columns: 项目编号, then `extra` columns) and
/// returns payouts.csv by 申报编号: (line_type, award, reason).
pub(crate) fn run(
    dir: &Path,
    policies: &Path,
    extra_header: &str,
    rows: &[&str],
    history: Option<&Path>,
) -> Vec<(String, String, String, String)> {
    let input = dir.join("in.csv");
    let mut text =
        format!("申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,项目编号{extra_header}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&input, text).unwrap();
    let out = dir.join("out");
    let mut args = vec![
        "run".to_string(),
        "--policy".into(),
        policies.display().to_string(),
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
    let mut reader = csv::Reader::from_path(out.join("payouts.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (app, kind, award, reason) = (
        col("application_id"),
        col("line_type"),
        col("award"),
        col("reason"),
    );
    let mut lines: Vec<(String, String, String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[app].to_string(),
                r[kind].to_string(),
                r[award].to_string(),
                r[reason].to_string(),
            )
        })
        .collect();
    lines.sort();
    lines
}

fn boiler_rows() -> Vec<String> {
    [
        ("B1", "P1", "2000000"),
        ("B2", "P1", "3000000"),
        ("B3", "P1", "1500000"),
        ("B4", "P2", "2500000"),
        ("B5", "", "4000000"),
    ]
    .iter()
    .map(|(app, project, invest)| {
        format!("{app},{E},某公司,新城区,2023,boilers-1,{project},{invest}")
    })
    .collect()
}

/// (申报编号, line type, award) of each line.
pub(crate) fn results(lines: &[(String, String, String, String)]) -> Vec<(&str, &str, &str)> {
    lines
        .iter()
        .map(|(a, k, w, _)| (a.as_str(), k.as_str(), w.as_str()))
        .collect()
}

/// README worked example: boilers summed per project by rows under 单个项目最高100万元, and at
/// most two projects a year kept by the highest award — P2 is 不予支持 with the limit named.
#[test]
fn boilers_share_their_project_cap_and_two_projects_are_kept_by_award() {
    let dir = tmp("projects-boilers");
    let policies = policy_dir(&dir, &[("boilers.toml", readme_file("boilers.toml"))]);
    let rows = boiler_rows();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let lines = run(&dir, &policies, ",设备投资额（元）", &rows, None);
    assert_eq!(
        results(&lines),
        [
            ("B1", "payout", "400000.00"),
            ("B2", "payout", "600000.00"),
            ("B3", "payout", "0.00"),
            ("B4", "ineligible", "0.00"),
            ("B5", "payout", "800000.00"),
        ]
    );
    assert_eq!(
        lines[3].3,
        "限项 每个企业每年最多支持2个项目：2023 年度已支持 2 个（历史 0 个，本批 项目 P1、申报 B5；按奖补金额从高到低保留），项目 P2 不予支持"
    );
    assert!(lines[2].3.contains("单个项目最高100万元"), "{:?}", lines[2]);

    // 按申报先后: P1 (B1) and P2 (B4) come first; B5 is refused.
    let earliest = readme_file("boilers.toml").replace("highest_award", "earliest_application");
    let policies = policy_dir(&dir, &[("boilers.toml", earliest)]);
    let lines = run(&dir, &policies, ",设备投资额（元）", &rows, None);
    assert_eq!(
        results(&lines),
        [
            ("B1", "payout", "400000.00"),
            ("B2", "payout", "600000.00"),
            ("B3", "payout", "0.00"),
            ("B4", "payout", "500000.00"),
            ("B5", "ineligible", "0.00"),
        ]
    );
    assert!(lines[4].3.contains("按申报编号先后保留"), "{:?}", lines[4]);
}

/// README worked example with a history: P1's project cap counts its 2022 payment (matched by
/// 项目编号), P7 paid in 2023 holds one of the two places, and a row of P7 takes none.
#[test]
fn the_history_is_matched_by_project_for_caps_and_counts() {
    let dir = tmp("projects-history");
    let policies = policy_dir(&dir, &[("boilers.toml", readme_file("boilers.toml"))]);
    let history = dir.join("paid.csv");
    std::fs::write(
        &history,
        format!(
            "application_id,credit_code,enterprise_name,rule_id,award,line_type,application_year,project_id\n\
             H1,{E},某公司,boilers-1,300000.00,payout,2022,P1\n\
             H2,{E},某公司,boilers-1,100000.00,payout,2023,P7\n\
             H3,{E},某公司,boilers-1,-50000.00,payout,2023,P8\n"
        ),
    )
    .unwrap();
    let mut rows = boiler_rows();
    rows.push(format!("B6,{E},某公司,新城区,2023,boilers-1,P7,1000000"));
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let lines = run(&dir, &policies, ",设备投资额（元）", &rows, Some(&history));
    assert_eq!(
        results(&lines),
        [
            ("B1", "ineligible", "0.00"),
            ("B2", "ineligible", "0.00"),
            ("B3", "ineligible", "0.00"),
            ("B4", "ineligible", "0.00"),
            ("B5", "payout", "800000.00"),
            ("B6", "payout", "200000.00"),
        ]
    );
    assert_eq!(
        lines[0].3,
        "限项 每个企业每年最多支持2个项目：2023 年度已支持 2 个（历史 1 个，本批 申报 B5；按奖补金额从高到低保留），项目 P1 不予支持"
    );
    // Without the history the same rows keep P1 and B5: the history is what changed them.
    let lines = run(&dir, &policies, ",设备投资额（元）", &rows, None);
    assert_eq!(lines[0].1, "payout");
}

/// README worked example: a cap group declared once in city-a.toml, joined by a rule of
/// city-b.toml, with city-a-3 left out (第3条除外): one award per project, and 150万 a year.
#[test]
fn a_cap_group_spans_policies_and_leaves_out_the_named_clause() {
    let dir = tmp("projects-city");
    let policies = policy_dir(
        &dir,
        &[
            ("city-a.toml", readme_file("city-a.toml")),
            ("city-b.toml", readme_file("city-b.toml")),
        ],
    );
    let rows: Vec<String> = [
        ("Y1", "P1", "city-a-1"),
        ("Y2", "P1", "city-a-2"),
        ("Y3", "P1", "city-a-3"),
        ("Y4", "P1", "city-b-1"),
        ("Y5", "P2", "city-a-1"),
    ]
    .iter()
    .map(|(app, project, rule)| format!("{app},{E},某公司,新城区,2023,{rule},{project}"))
    .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let lines = run(&dir, &policies, "", &rows, None);
    assert_eq!(
        results(&lines),
        [
            ("Y1", "ineligible", "0.00"),
            ("Y2", "ineligible", "0.00"),
            ("Y3", "payout", "300000.00"),
            ("Y4", "payout", "1000000.00"),
            ("Y5", "payout", "200000.00"),
        ]
    );
    assert_eq!(
        lines[0].3,
        "限项 同一项目只享受一次市级支持（第3条除外）：项目 P1 已支持 1 个（历史 0 个，本批 条款 city-b-1；按奖补金额从高到低保留），条款 city-a-1 不予支持"
    );
    assert!(
        lines[4].3.contains("同一企业每年市级奖补合计不超过150万元"),
        "{:?}",
        lines[4]
    );
}

/// Loads the README's two city files and settles lines of them directly, to read the trace.
fn city_policies() -> Vec<Policy> {
    let dir = tmp("projects-city-load");
    let policies = policy_dir(
        &dir,
        &[
            ("city-a.toml", readme_file("city-a.toml")),
            ("city-b.toml", readme_file("city-b.toml")),
        ],
    );
    load_policies(&[policies], &vocab()).unwrap().policies
}

/// Settles (policy, rule, 申报编号, 项目编号, amount) lines of one enterprise in 2023.
fn settle_lines(
    policies: &[Policy],
    lines: &[(&str, &str, &str, &str)],
    prior: &SharedPaid,
) -> Vec<Line> {
    let pending = lines
        .iter()
        .map(|(rule, app, project, amount)| {
            let (policy, rule) = policies
                .iter()
                .find_map(|p| p.rules.iter().find(|r| r.id == *rule).map(|r| (p, r)))
                .unwrap();
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
                credit_code: E,
                year: "2023",
                project,
                order: (app, &rule.id),
                prior_shared: prior,
                budget: None,
            }
        })
        .collect();
    settle(pending)
}

/// Every cut is a step of 计算过程: the kept award says where it was counted, the refused
/// one why, and the cap group's cut says its words and room.
#[test]
fn each_cut_is_a_step_of_the_trace() {
    let policies = city_policies();
    let b1 = policies[1]
        .rules
        .iter()
        .find(|r| r.id == "city-b-1")
        .unwrap();
    assert_eq!(b1.caps.len(), 1, "the named group's cap is the rule's own");
    assert_eq!(b1.limits.len(), 1, "and its limit");
    let a3 = policies[0]
        .rules
        .iter()
        .find(|r| r.id == "city-a-3")
        .unwrap();
    assert!(a3.limits.is_empty(), "city-a-3 is left out of city-once");
    assert_eq!(a3.caps.len(), 1, "but is in city-total");
    let lines = settle_lines(
        &policies,
        &[
            ("city-a-1", "Y1", "P1", "500000"),
            ("city-b-1", "Y4", "P1", "1000000"),
            ("city-a-3", "Y3", "P1", "300000"),
            ("city-a-1", "Y5", "P2", "500000"),
        ],
        &NOTHING_SHARED,
    );
    let steps = |l: &Line| l.trace.steps().map(str::to_string).collect::<Vec<_>>();
    assert!(lines[0].is_refused());
    assert!(steps(&lines[0]).contains(&"限项 同一项目只享受一次市级支持（第3条除外）：项目 P1 已支持 1 个（历史 0 个，本批 条款 city-b-1；按奖补金额从高到低保留），条款 city-a-1 不予支持（本条 500,000.00）".to_string()), "{:?}", steps(&lines[0]));
    assert!(steps(&lines[1]).contains(&"限项 同一项目只享受一次市级支持（第3条除外）：条款 city-b-1 计入 项目 P1 第 1 个（最多 1 个，按奖补金额从高到低保留），保留".to_string()), "{:?}", steps(&lines[1]));
    assert_eq!(lines[3].amount, Decimal::new(20000000, 2));
    assert!(steps(&lines[3]).contains(&"封顶 同一企业每年市级奖补合计不超过150万元（2023 年度共享上限 1,500,000.00，同企业已计 1,300,000.00，剩余 200,000.00）：500,000.00 → 200,000.00".to_string()), "{:?}", steps(&lines[3]));
    assert_eq!(
        lines[3].trace.last_cut().unwrap(),
        "封顶 同一企业每年市级奖补合计不超过150万元（2023 年度共享上限 1,500,000.00，同企业已计 1,300,000.00，剩余 200,000.00）：500,000.00 → 200,000.00"
    );
}

/// A project cap's step names the project and what its rows already used; the history's
/// payment to the same 项目编号 is charged, another project's is not.
#[test]
fn a_project_cap_names_the_project_and_its_history() {
    let dir = tmp("projects-trace");
    let policies = policy_dir(&dir, &[("boilers.toml", readme_file("boilers.toml"))]);
    let policies = load_policies(&[policies], &vocab()).unwrap().policies;
    // As `subsidy rules` and compare's 政策变化 show it.
    assert_eq!(
        subsidy::rules::describe::caps(&vocab(), &policies[0].rules[0]),
        "每项目（共享组 boilers-1） ≤ 1,000,000.00；限项 每企业每年最多 2 个项目（组 boilers-1，按奖补金额从高到低保留）"
    );
    let mut prior = SharedPaid::default();
    prior.add_project("boilers-1", "P1", Decimal::new(30000000, 2));
    prior.add_project("boilers-1", "P9", Decimal::new(90000000, 2));
    let lines = settle_lines(
        &policies,
        &[
            ("boilers-1", "B1", "P1", "400000"),
            ("boilers-1", "B2", "P1", "600000"),
            ("boilers-1", "B3", "P2", "600000"),
        ],
        &prior,
    );
    let amounts: Vec<String> = lines.iter().map(Line::result_text).collect();
    assert_eq!(amounts, ["400000.00", "300000.00", "600000.00"]);
    assert_eq!(
        lines[1].trace.last_cut().unwrap(),
        "封顶 单个项目最高100万元（项目 P1 历年共享上限 1,000,000.00，同项目已计 700,000.00，剩余 300,000.00）：600,000.00 → 300,000.00"
    );
}

fn load_error(files: &[(&str, &str)]) -> String {
    let dir = tmp("projects-errors");
    let owned: Vec<(&str, String)> = files.iter().map(|(n, t)| (*n, t.to_string())).collect();
    let dir = policy_dir(&dir, &owned);
    load_policies(std::slice::from_ref(&dir), &vocab())
        .expect_err("policies must be refused")
        .to_string()
        .replace(&format!("{}/", dir.display()), "")
}

const A_HEAD: &str = "[policy]\nid = \"a\"\ntitle = \"甲\"\npayer = \"盟市\"\n";
const RULE_A1: &str =
    "\n[[rule]]\nid = \"a-1\"\nclause = \"第1条\"\nexcerpt = \"原文\"\nformula = { kind = \"fixed\", amount = \"1\" }\n";

fn b_rule(caps: &str) -> String {
    format!("[policy]\nid = \"b\"\ntitle = \"乙\"\npayer = \"盟市\"\n\n[[rule]]\nid = \"b-1\"\nclause = \"第1条\"\nexcerpt = \"原文\"\nformula = {{ kind = \"fixed\", amount = \"1\" }}\ncaps = [{caps}]\n")
}

const GROUP: &str = "\n[[cap_group]]\nid = \"g\"\namount = \"10\"\nscope = \"enterprise_year\"\npolicies = [\"a\"]\n";

/// Every refusal of a cap group or count limit names the file and the line, and says why.
#[test]
fn cap_group_and_limit_errors_point_at_their_line() {
    let a = format!("{A_HEAD}{GROUP}{RULE_A1}");
    // A group named but declared nowhere: the naming line, in the naming file.
    assert_eq!(
        load_error(&[("a.toml", &a), ("b.toml", &b_rule("{ group = \"h\" }"))]),
        "b.toml:11: rule `b-1`: cap group `h` is not declared; declare it once with [[cap_group]] id = \"h\""
    );
    // Declared twice.
    let twice = format!("{A_HEAD}{GROUP}{GROUP}{RULE_A1}");
    assert_eq!(
        load_error(&[("a.toml", &twice)]),
        "a.toml:12: cap group `g` is already declared at DIR/a.toml:6".replace("DIR/", "")
    );
    // A rule left out names the group all the same.
    let out = format!(
        "{A_HEAD}{}{RULE_A1}",
        GROUP.replace(
            "policies = [\"a\"]",
            "policies = [\"a\"]\nexclude = [\"a-1\"]"
        )
    );
    let named = format!("{out}caps = [{{ group = \"g\" }}]\n");
    assert_eq!(
        load_error(&[("a.toml", &named)]),
        "a.toml:18: rule `a-1`: names cap group `g`, which leaves this rule out (`exclude`)"
    );
    // `exclude` of a rule that is not loaded, or not of `policies`.
    let unknown = GROUP.replace(
        "policies = [\"a\"]",
        "policies = [\"a\"]\nexclude = [\"a-9\"]",
    );
    assert_eq!(
        load_error(&[("a.toml", &format!("{A_HEAD}{unknown}{RULE_A1}"))]),
        "a.toml:6: cap group `g` excludes `a-9`, which no loaded policy has"
    );
    let foreign = GROUP.replace(
        "policies = [\"a\"]",
        "policies = [\"a\"]\nexclude = [\"b-1\"]",
    );
    assert_eq!(
        load_error(&[
            ("a.toml", &format!("{A_HEAD}{foreign}{RULE_A1}")),
            ("b.toml", &b_rule(""))
        ]),
        "a.toml:6: cap group `g` excludes `b-1`, which is not a rule of its `policies`"
    );
    // `policies` naming a policy not loaded.
    let missing = GROUP.replace("policies = [\"a\"]", "policies = [\"zz\"]");
    assert_eq!(
        load_error(&[("a.toml", &format!("{A_HEAD}{missing}{RULE_A1}"))]),
        "a.toml:6: cap group `g` lists policy `zz`, which is not loaded"
    );
    // A rule's own cap borrowing a declared group's id.
    assert_eq!(
        load_error(&[
            ("a.toml", &a),
            (
                "b.toml",
                &b_rule("{ amount = \"5\", scope = \"enterprise_year\", group = \"g\" }")
            )
        ]),
        "b.toml:7: rule `b-1`: cap group `g` is declared by [[cap_group]] at DIR/a.toml:6; name it alone: caps = [{ group = \"g\" }]".replace("DIR/", "")
    );
}

/// The declaration's own checks, and a limit's, at their lines.
#[test]
fn declarations_and_limits_are_checked_where_written() {
    let one = |text: String| {
        load_policy_text(&text, Path::new("p.toml"), &vocab())
            .expect_err("policy must be refused")
            .to_string()
    };
    let group = |body: &str| format!("{A_HEAD}\n[[cap_group]]\nid = \"g\"\n{body}\n{RULE_A1}");
    assert_eq!(
        one(group("amount = \"10\"")),
        "p.toml:6: cap group `g`: `amount` and `scope` (project, enterprise_year or enterprise) go together"
    );
    assert_eq!(
        one(group("words = \"空\"")),
        "p.toml:6: cap group `g` has neither `amount` nor `limit`: it would limit nothing"
    );
    assert_eq!(
        one(group("amount = \"10\"\nscope = \"application\"")),
        "p.toml:6: cap group `g`: a group is shared, its `scope` is project, enterprise_year or enterprise"
    );
    assert_eq!(
        one(group("limit = { most = 0, per = \"project\", keep = \"highest_award\" }")),
        "p.toml:6: cap group `g`: a count limit of `most = 0` refuses every line; leave the rule out"
    );
    assert_eq!(
        one(group("exclude = [\"a-1\"]\nlimit = { most = 1, per = \"project\", keep = \"highest_award\" }")),
        "p.toml:6: cap group `g`: `exclude` leaves rules out of `policies`, and there are no `policies`"
    );
    let e = one(format!(
        "{A_HEAD}{RULE_A1}limit = {{ most = 2, per = \"enterprise_year\", keep = \"best\" }}\n"
    ));
    assert_eq!(
        e,
        "p.toml:11: rule `a-1`: keep `best` is not one of: highest_award, earliest_application"
    );
    assert_eq!(
        one(format!("{A_HEAD}{RULE_A1}limit = {{ most = 0, per = \"enterprise_year\", keep = \"highest_award\" }}\n")),
        "p.toml:11: rule `a-1`: a count limit of `most = 0` refuses every line; leave the rule out"
    );
    assert_eq!(
        one(format!("{A_HEAD}{RULE_A1}caps = [{{ group = \"g\", words = \"上限\" }}]\n")),
        "p.toml:11: rule `a-1`: a cap needs an `amount`; `{ group = \"…\" }` alone (no `scope`, no `words`) names a [[cap_group]]"
    );
    assert_eq!(
        one(format!("{A_HEAD}{RULE_A1}caps = [{{ amount = \"5\", scope = \"projekt\" }}]\n")),
        "p.toml:11: rule `a-1`: scope `projekt` is not one of: application, enterprise_year, enterprise, project"
    );
}

/// A 待审核 line takes no place from a reviewed one: the reviewed project is paid, and says
/// that it would be refused were the pending, higher one approved; the pending line shows
/// what it would get.
#[test]
fn a_pending_project_takes_no_place_from_a_reviewed_one() {
    let dir = tmp("projects-pending");
    let one = readme_file("boilers.toml").replace("most = 2", "most = 1");
    let policies = policy_dir(&dir, &[("boilers.toml", one)]);
    let policies = load_policies(&[policies], &vocab()).unwrap().policies;
    let rule = &policies[0].rules[0];
    let line = |app: &'static str, project: &'static str, result: EvalResult| Pending {
        rule,
        payer: policies[0].payer,
        evaluation: Evaluation {
            result,
            trace: Default::default(),
            split: None,
            shared_caps: vec![],
            payment: Default::default(),
        },
        credit_code: E,
        year: "2023",
        project,
        order: (app, &rule.id),
        prior_shared: &NOTHING_SHARED,
        budget: None,
    };
    let lines = settle(vec![
        line("B1", "P1", EvalResult::Amount(Decimal::new(400000, 0))),
        line(
            "B2",
            "P2",
            EvalResult::AwaitingReview {
                amount: Decimal::new(900000, 0),
                reason: "审核结论未填".into(),
            },
        ),
    ]);
    assert!(lines[0].is_payout());
    assert_eq!(lines[0].result_text(), "400000.00");
    assert!(lines[0].trace.steps().any(|s| s == "待审核影响 本批待审核的申报若审核通过，本条将不予支持（限项 每个企业每年最多支持2个项目：2023 年度已支持 1 个（历史 0 个，本批 项目 P2；按奖补金额从高到低保留），项目 P1 不予支持）；应付按已审核的申报计"), "{:?}", lines[0].trace.steps().collect::<Vec<_>>());
    assert!(lines[1].is_pending());
    assert_eq!(lines[1].amount, Decimal::new(90000000, 2));
}
