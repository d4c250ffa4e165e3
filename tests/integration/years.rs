//! Issue 13 (D10): multi-year limits per project — `max_years = { years = N, per = "project" }`
//! counts the years of one project (credit code + rule + 项目编号), `max_years = N` the
//! enterprise's. The worked example of config/README.md, loaded from the README and run end to
//! end with a payout history; the shipped Hohhot clauses that count per project; the loader's
//! refusal of an unknown `per`.

use std::path::Path;

use subsidy::rules::{load_policies, load_policy_text, YearLimit, YearsPer};

use crate::cli::tmp;
use crate::common::{config, root, vocab};
use crate::projects::{policy_dir, readme_file, results, run};

const E: &str = "91350100M000100Y43";
const HISTORY_HEADER: &str =
    "application_id,credit_code,enterprise_name,rule_id,award,line_type,application_year,project_id\n";

/// A payouts.csv history of `rule`: one line per (项目编号, year), 1.00 each.
fn history(dir: &Path, rule: &str, paid: &[(&str, i64)]) -> std::path::PathBuf {
    let mut text = HISTORY_HEADER.to_string();
    for (n, (project, year)) in paid.iter().enumerate() {
        text.push_str(&format!(
            "H{n},{E},某公司,{rule},1.00,payout,{year},{project}\n"
        ));
    }
    let path = dir.join("paid.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// 2024 rows of `rule` (设备投资额 1,000,000): (申报编号, 项目编号).
fn rows(rule: &str, projects: &[(&str, &str)]) -> Vec<String> {
    projects
        .iter()
        .map(|(app, project)| format!("{app},{E},某公司,新城区,2024,{rule},{project},1000000"))
        .collect()
}

/// The README's rows: Y1 of project A, Y2 of project B, Y3 without 项目编号.
fn readme_rows() -> Vec<String> {
    rows("years-1", &[("Y1", "A"), ("Y2", "B"), ("Y3", "")])
}

/// The README's history: A paid 2021–2023, B paid 2023.
const README_PAID: [(&str, i64); 4] = [("A", 2021), ("A", 2022), ("A", 2023), ("B", 2023)];

fn run_years(
    dir: &Path,
    policy: String,
    rows: &[String],
    paid: &[(&str, i64)],
) -> Vec<(String, String, String, String)> {
    let policies = policy_dir(dir, &[("years.toml", policy)]);
    let h = history(dir, "years-1", paid);
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    run(dir, &policies, ",设备投资额（元）", &rows, Some(&h))
}

/// README worked example: per project, A (paid 2021–2023) is refused in 2024 and B (paid 2023)
/// is paid; a row without 项目编号 is counted per enterprise and says so.
#[test]
fn a_second_project_has_its_own_years() {
    let dir = tmp("years-project");
    let lines = run_years(
        &dir,
        readme_file("years.toml"),
        &readme_rows(),
        &README_PAID,
    );
    assert_eq!(
        results(&lines),
        [
            ("Y1", "ineligible", "0.00"),
            ("Y2", "payout", "100000.00"),
            ("Y3", "ineligible", "0.00"),
        ]
    );
    assert_eq!(
        lines[0].3,
        "项目 A 已享受 3 年，达到同一项目最多 3 年的限制（D10）"
    );
    assert_eq!(
        lines[2].3,
        "已享受 3 年（未填项目编号，按企业计），达到同一项目最多 3 年的限制（D10）"
    );
}

/// The same facts per enterprise — `per = "enterprise"` or a bare `max_years = 3` — refuse
/// both projects: the enterprise was paid in 2021, 2022 and 2023.
#[test]
fn per_enterprise_both_projects_are_refused() {
    let per_project = "max_years = { years = 3, per = \"project\" }";
    for limit in [
        "max_years = { years = 3, per = \"enterprise\" }",
        "max_years = 3",
    ] {
        let dir = tmp("years-enterprise");
        let policy = readme_file("years.toml").replace(per_project, limit);
        assert!(policy.contains(limit));
        let lines = run_years(&dir, policy, &readme_rows(), &README_PAID);
        assert_eq!(
            results(&lines),
            [
                ("Y1", "ineligible", "0.00"),
                ("Y2", "ineligible", "0.00"),
                ("Y3", "ineligible", "0.00"),
            ],
            "{limit}"
        );
        assert_eq!(lines[1].3, "已享受 3 年，达到最多 3 年的限制（D10）");
    }
}

/// A gap year does not reset the count: A paid 2019, 2021 and 2023 is refused in 2024; B paid
/// 2021 and 2023 is paid (two years). A refund is no year of support.
#[test]
fn a_gap_year_does_not_reset_the_count() {
    let dir = tmp("years-gap");
    let paid = [
        ("A", 2019),
        ("A", 2021),
        ("A", 2023),
        ("B", 2021),
        ("B", 2023),
    ];
    let lines = run_years(
        &dir,
        readme_file("years.toml"),
        &rows("years-1", &[("Y1", "A"), ("Y2", "B")]),
        &paid,
    );
    assert_eq!(
        results(&lines),
        [("Y1", "ineligible", "0.00"), ("Y2", "payout", "100000.00")]
    );
    assert_eq!(
        lines[0].3,
        "项目 A 已享受 3 年，达到同一项目最多 3 年的限制（D10）"
    );
}

/// A history line without 项目编号 may have been any project: it counts for each of them (A's
/// third year), never for none — refusing more, never paying more.
#[test]
fn an_unnumbered_history_line_counts_for_every_project() {
    let dir = tmp("years-unnumbered");
    let paid = [("A", 2021), ("A", 2022), ("", 2023)];
    let lines = run_years(
        &dir,
        readme_file("years.toml"),
        &rows("years-1", &[("Y1", "A"), ("Y2", "B")]),
        &paid,
    );
    assert_eq!(
        results(&lines),
        [("Y1", "ineligible", "0.00"), ("Y2", "payout", "100000.00")]
    );
}

/// The shipped Hohhot clauses that count per project load so (第15条 同一项目…贴息期, 第25条 重大
/// 科技成果转化和产业化项目, 第56条 园中园); 第51条① (单户企业) and 第83条 stay per enterprise.
#[test]
fn hohhot_counts_its_project_clauses_per_project() {
    let set = load_policies(&[config()], &vocab()).unwrap();
    let limit = |id: &str| set.rule(id).and_then(|(_, r)| r.max_years);
    let per_project = |years| {
        Some(YearLimit {
            years,
            per: YearsPer::Project,
        })
    };
    let per_enterprise = |years| {
        Some(YearLimit {
            years,
            per: YearsPer::Enterprise,
        })
    };
    for (id, want) in [
        (
            "hohhot-2022-15-dairy-zone-loan-interest-subsidy",
            per_project(3),
        ),
        (
            "hohhot-2022-25b-major-tech-transfer-multi-year",
            per_project(3),
        ),
        ("hohhot-2022-56b-park-in-park-operation", per_project(5)),
        (
            "hohhot-2022-51-1-solid-waste-utilization",
            per_enterprise(3),
        ),
        ("hohhot-2022-83-rent-subsidy", per_enterprise(3)),
    ] {
        assert_eq!(limit(id), want, "{id}");
    }
}

/// Regression (wrong money in the shipped config): a park's second 园中园 was refused in its
/// first years because the first one had used the park's five. Now P2 is paid, P1 refused.
#[test]
fn hohhot_56b_pays_a_second_park_in_park() {
    let dir = tmp("years-56b");
    let rule = "hohhot-2022-56b-park-in-park-operation";
    let policies = root().join("config/hohhot-2022.toml");
    let paid: Vec<(&str, i64)> = (2019..=2023)
        .map(|y| ("P1", y))
        .chain([("P2", 2023)])
        .collect();
    let h = history(&dir, rule, &paid);
    let rows: Vec<String> = [("Y1", "P1"), ("Y2", "P2")]
        .iter()
        .map(|(app, p)| format!("{app},{E},某公司,新城区,2024,{rule},{p},10000,是"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let lines = run(
        &dir,
        &policies,
        ",生产性建筑面积（平方米）,是否符合申报条件（审核结论）",
        &rows,
        Some(&h),
    );
    assert_eq!(
        results(&lines),
        [("Y1", "ineligible", "0.00"), ("Y2", "payout", "200000.00")]
    );
    assert_eq!(
        lines[0].3,
        "项目 P1 已享受 5 年，达到同一项目最多 5 年的限制（D10）"
    );
}

/// `per` is a closed set: anything but enterprise or project is refused at its line.
#[test]
fn an_unknown_per_is_refused_with_its_line() {
    let text = readme_file("years.toml").replace("per = \"project\"", "per = \"projects\"");
    let e = load_policy_text(&text, Path::new("years.toml"), &vocab())
        .expect_err("per = \"projects\" must be refused")
        .to_string();
    assert_eq!(
        e,
        "years.toml:11: rule `years-1`: per `projects` is not one of: enterprise, project"
    );
}
