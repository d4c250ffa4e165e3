//! The command line as a scheduler and a clerk meet it: exit codes, messages, outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{config, root};

pub fn subsidy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_subsidy"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("subsidy runs")
}

/// `subsidy run --out OUT INPUT` with the built-in configuration: the run most tests make.
pub fn run_into(out: &Path, input: &Path) -> Output {
    subsidy(&["run", "--out", s(out), s(input)])
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("subsidy-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn run_on_the_shipped_sample_writes_four_files_and_exits_1_for_its_bad_cells() {
    let out = tmp("sample-run");
    let o = subsidy(&["run", "--out", s(&out), "samples/"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("rows could not be read; see 数据错误"),
        "{}",
        stderr(&o)
    );
    for f in [
        "ledger.xlsx",
        "payouts.csv",
        "exceptions.csv",
        "manifest.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
}

#[test]
fn a_clean_batch_exits_0() {
    let dir = tmp("clean");
    let input = dir.join("in.csv");
    std::fs::write(
        &input,
        "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,固定资产投资额（万元）,是否符合申报条件（审核结论）,是否首次/新获认定\nA1,91350100M000100Y43,某公司,新城区,2023,hohhot-2022-13-investment-award,\"30,000\",是,是\n",
    )
    .unwrap();
    let out = dir.join("out");
    let o = subsidy(&["run", "--out", s(&out), s(&input)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    let line = csv.lines().nth(1).unwrap();
    assert!(
        line.starts_with(
            "A1,91350100M000100Y43,某公司,hohhot-2022-13-investment-award,6000000.00,"
        ),
        "{line}"
    );
}

#[test]
fn a_bad_policy_exits_2_writes_nothing_and_names_the_line() {
    let dir = tmp("bad-policy");
    let policy = dir.join("bad.toml");
    std::fs::write(&policy, "[policy]\nid = \"x\"\ntitle = \"x\"\npayer = \"盟市\"\n[[rule]]\nid = \"r\"\nclause = \"c\"\nexcerpt = \"e\"\nformula = { kind = \"fixed\", amount = 1.5 }\n").unwrap();
    let out = dir.join("out");
    let o = subsidy(&["run", "--policy", s(&policy), "--out", s(&out), "samples/"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.toml:9: rule `r`: amount 1.5 is a TOML float"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn a_missing_input_exits_2_with_the_path() {
    let out = tmp("missing");
    let o = subsidy(&["run", "--out", s(&out.join("o")), "no/such/file.xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read no/such/file.xlsx"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unsupported_formats_say_what_to_do() {
    let dir = tmp("wps");
    let f = dir.join("申报表.et");
    std::fs::write(&f, b"not really").unwrap();
    let o = subsidy(&["run", "--out", s(&dir.join("o")), s(&f)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a workbook this tool reads (WPS .et format); save it as .xlsx"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_lists_problem_cells_and_exits_1() {
    let o = subsidy(&["check", "samples/"]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    let policies = text.lines().next().unwrap_or("");
    assert!(
        policies.starts_with("policies: ") && policies.ends_with(" rules: OK"),
        "{text}"
    );
    assert!(text.contains("[申报汇总表] B51: 统一社会信用代码校验位不符（GB 32100-2015；个人为身份证号，GB 11643）"), "{text}");
}

#[test]
fn rules_lists_every_loaded_rule_with_its_clause() {
    let o = subsidy(&["rules", "--config", config().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("hohhot-2022-13-investment-award  二、关于促进企业投资政策 第13条  按比例"),
        "{text}"
    );
    assert!(text.contains("2% × 固定资产投资额"), "{text}");
}

#[test]
fn zero_threads_is_refused() {
    let o = subsidy(&["run", "--threads", "0", "samples/"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--threads must be at least 1"));
}

#[test]
fn json_summary_parses_and_says_why_it_exited() {
    let out = tmp("json");
    let o = subsidy(&["run", "--json", "--out", s(&out), "samples/"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stderr.is_empty(),
        "--json keeps stderr quiet: {}",
        stderr(&o)
    );
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).expect("stdout is one JSON document");
    assert_eq!(v["status"], "rows_unreadable");
    assert_eq!(v["exit_code"], 1);
    assert_eq!(
        v["totals"]["rows_in"], 301,
        "300 applications and the 填报说明 sheet's note, reported as unread"
    );
    assert_eq!(v["outputs"].as_object().unwrap().len(), 4);
    let o = subsidy(&["run", "--json", "--out", s(&out), "no/such.xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "error");
    assert!(v["message"].as_str().unwrap().contains("no/such.xlsx"));
    let o = subsidy(&["run", "--quiet", "--out", s(&out), "samples/"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stderr.is_empty() && o.stdout.is_empty());
}

#[test]
fn check_suggests_the_field_a_mistyped_header_meant_and_writes_a_report() {
    let dir = tmp("check-report");
    let input = dir.join("in.csv");
    std::fs::write(&input, "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,实际完成投资额（元）\nA1,91350100M000100Y43,某公司,新城区,2023,hohhot-2022-44b-internet-safety-production-award,abc\n").unwrap();
    let report = dir.join("问题清单.xlsx");
    let o = subsidy(&["check", "--report", s(&report), s(&input)]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "an unmatched column is a note, not an error"
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("G1: 列“实际完成投资额（元）”未匹配任何字段，作为其他列保留，是否应为“项目实际完成投资额（元）”？"), "{text}");
    assert!(report.is_file());
}

#[test]
fn readme_exit_table_lists_every_exit_status() {
    use subsidy::domain::exit::ExitStatus;
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| code | command | meaning |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let want: Vec<String> = ExitStatus::ALL
        .iter()
        .map(|s| {
            let (command, meaning) = s.meaning();
            format!("| {} | {command} | {meaning} |", s.code())
        })
        .collect();
    assert_eq!(table, want);
}
