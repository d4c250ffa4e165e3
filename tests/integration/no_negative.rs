//! No input produces a negative payout (issue 12 item 4): random applications for every
//! shipped rule, their figures changed at random to negative, signed, zero, huge, full-width
//! or accounting-style values, run end to end; no line of payouts.csv is below zero, unless
//! its rule settles a prior advance (a rule whose TOML says `settles = true`, or whose
//! `outcome` names a settlement). Today no shipped rule settles, so every line is checked.

use std::collections::HashSet;
use std::path::Path;

use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::cli::{run_into, stderr, subsidy, tmp};
use crate::common::config;

/// The ids of the shipped rules that settle a prior advance (their lines may be negative).
fn settling_rules(config: &Path) -> HashSet<String> {
    let mut out = HashSet::new();
    for entry in std::fs::read_dir(config).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(doc) = text.parse::<toml::Table>() else {
            continue;
        };
        let rules = doc.get("rule").and_then(|r| r.as_array());
        for rule in rules.into_iter().flatten() {
            let settles = rule.get("settles").and_then(|v| v.as_bool()) == Some(true)
                || rule
                    .get("outcome")
                    .and_then(|v| v.as_str())
                    .is_some_and(|o| o.contains("settle"));
            if let Some(id) = rule.get("id").and_then(|v| v.as_str()) {
                if settles {
                    out.insert(id.to_string());
                }
            }
        }
    }
    out
}

/// A sample batch of `rows` applications (`subsidy sample`), every row reviewed (审核结论 and
/// 首次 是) so that its line is a payout rather than 待审核.
fn sample(rows: usize, seed: u64) -> (Vec<String>, Vec<Vec<String>>) {
    let dir = tmp(&format!("no-negative-sample-{seed}"));
    let f = dir.join("s.csv");
    let o = subsidy(&[
        "sample",
        "--rows",
        &rows.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        f.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut reader = csv::Reader::from_path(&f).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let reviewed: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| h.contains("审核结论") || h.contains("首次"))
        .map(|(i, _)| i)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let mut row: Vec<String> = r.unwrap().iter().map(String::from).collect();
            for &i in &reviewed {
                row[i] = "是".into();
            }
            row
        })
        .collect();
    (header, rows)
}

/// What a figure may be turned into: a negative, a signed zero, a huge or tiny value, a
/// full-width or accounting-style negative, a number with a unit.
fn twist(value: &str, how: u8) -> String {
    match how % 10 {
        0 => format!("-{value}"),
        1 => "-0".into(),
        2 => format!("－{value}"),
        3 => format!("({value})"),
        4 => "99999999999999999999".into(),
        5 => "-0.001".into(),
        6 => "0".into(),
        7 => format!("{value}万元"),
        8 => "-1e9".into(),
        _ => format!("−{value}"),
    }
}

fn is_number(s: &str) -> bool {
    s.parse::<Decimal>().is_ok()
}

/// Runs the batch (it must not stop: exit 0 or 1); every amount of payouts.csv (`award`, the
/// `result` it projects, each payer's share) of a money line of a rule that does not settle
/// is at least zero.
fn assert_none_negative(header: &[String], rows: &[Vec<String>], settling: &HashSet<String>) {
    let dir = tmp("no-negative-run");
    let input = dir.join("in.csv");
    let mut w = csv::Writer::from_path(&input).unwrap();
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    let out = dir.join("out");
    let o = subsidy(&[
        "run",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let mut reader = csv::Reader::from_path(out.join("payouts.csv")).unwrap();
    let head = reader.headers().unwrap().clone();
    let rule = head.iter().position(|h| h == "rule_id").unwrap();
    // Money lines have no unit; a measure line (tce, kWh …) is a quantity, not a payout.
    let unit = head.iter().position(|h| h == "unit").unwrap();
    let amounts: Vec<usize> = head
        .iter()
        .enumerate()
        .filter(|(_, h)| *h == "award" || *h == "result" || h.starts_with("share_"))
        .map(|(i, _)| i)
        .collect();
    for line in reader.records() {
        let line = line.unwrap();
        if settling.contains(&line[rule]) || !line[unit].is_empty() {
            continue;
        }
        for &i in &amounts {
            if let Ok(v) = line[i].parse::<Decimal>() {
                assert!(
                    v >= Decimal::ZERO,
                    "{} of {:?} is negative: {:?}",
                    &head[i],
                    &line[rule],
                    line
                );
            }
        }
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn no_input_gives_a_negative_payout(seed in 0u64..1_000, twists in proptest::collection::vec(any::<(u16, u8)>(), 1..400)) {
        let (header, mut rows) = sample(60, seed);
        let settling = settling_rules(&config());
        for (k, how) in twists {
            let r = usize::from(k) % rows.len();
            // The numeric cells of the row, past the identity columns.
            let numeric: Vec<usize> = (6..header.len()).filter(|&c| is_number(&rows[r][c])).collect();
            if numeric.is_empty() {
                continue;
            }
            let c = numeric[usize::from(k) % numeric.len()];
            rows[r][c] = twist(&rows[r][c], how);
        }
        assert_none_negative(&header, &rows, &settling);
    }
}

/// The property can fail: a rule that settles is read from its TOML, and nothing else is.
#[test]
fn settling_rules_are_read_from_the_policy_files() {
    let dir = tmp("no-negative-settle");
    std::fs::write(
        dir.join("p.toml"),
        "[[rule]]\nid = \"a\"\nsettles = true\n[[rule]]\nid = \"b\"\noutcome = \"settlement\"\n[[rule]]\nid = \"c\"\n",
    )
    .unwrap();
    let got = settling_rules(&dir);
    assert_eq!(got, HashSet::from(["a".to_string(), "b".to_string()]));
}

/// The clause of hohhot-2022-84 (考核能耗 = 能源消费总量 − 新增可再生能源电力 − 原料用能): exclusions
/// that exceed the consumption they are taken from give no negative tce; that line is 不予支持
/// with its reason, the other row's measure is computed (500000 − 50000 − 100000 = 350000).
#[test]
fn exclusions_over_the_consumption_give_no_negative_measure() {
    let dir = tmp("no-negative-measure");
    let code = |n: u32| {
        let first = format!("91150100ABCDE{n:04}");
        let check = subsidy::domain::identity::credit_code_check_char(&first).unwrap();
        format!("{first}{check}")
    };
    let rule = "hohhot-2022-84-energy-accounting-exclusions";
    let text = format!(
        "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,能源消费总量（吨标准煤）,新增可再生能源电力消费量（吨标准煤）,原料用能（吨标准煤）\n\
         E0,{},甲公司,新城区,2023,{rule},500000,50000,100000\n\
         E1,{},乙公司,新城区,2023,{rule},100000,80000,50000\n",
        code(1),
        code(2)
    );
    let input = dir.join("energy.csv");
    std::fs::write(&input, text).unwrap();
    let out = dir.join("out");
    let o = run_into(&out, &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let payouts = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(payouts.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let lines: Vec<(String, String, String, String)> = reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| {
            (
                r[0].to_string(),
                r[at("line_type")].to_string(),
                r[at("result")].to_string(),
                r[at("reason")].to_string(),
            )
        })
        .collect();
    assert_eq!(lines[0].0, "E0");
    assert_eq!(
        (lines[0].1.as_str(), lines[0].2.as_str()),
        ("measure", "350000.00"),
        "{lines:?}"
    );
    assert_eq!(
        (lines[1].0.as_str(), lines[1].1.as_str(), lines[1].3.as_str()),
        (
            "E1",
            "ineligible",
            "计算结果为负（考核能耗 -30000 tce）：减去的数额超过了总数，结果不能为负；请核对填报的各项数值"
        ),
        "{lines:?}"
    );
    assert!(!lines[1].2.starts_with('-'), "{lines:?}");
}

/// A payout rule whose formula comes out below zero (a policy written as a difference): the
/// line is 不予支持 with its reason, never a negative payout or a refund.
#[test]
fn a_negative_award_is_not_a_payout() {
    use subsidy::domain::value::{parse_text, DenseRow};
    use subsidy::engine::{evaluate, Context, Result as EvalResult};
    use subsidy::rules::params::Params;

    let toml = r#"
[policy]
id = "test-difference"
title = "《测试》"
issuer = "测试"
payer = "市级"

[[rule]]
id = "test-difference-award"
clause = "第一条"
excerpt = "按固定资产投资额减去设备投资额后的余额给予奖补。"
flags = []
formula = { kind = "amount", base = { minus = ["fixed_asset_investment", "equipment_investment"] } }
"#;
    let vocab = crate::common::vocab();
    let policy = subsidy::rules::load_policy_text(toml, Path::new("test.toml"), &vocab)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut row = DenseRow::new(vocab.len());
    for (key, cell) in [
        ("fixed_asset_investment", "100"),
        ("equipment_investment", "250"),
    ] {
        let id = vocab.id(key).unwrap();
        row.set(id, parse_text(vocab.get(id), cell, Decimal::ONE).unwrap());
    }
    let (lpr, params) = (crate::common::lpr(), Params::default());
    let cx = Context {
        vocab: &vocab,
        lpr: &lpr,
        params: &params,
    };
    let ev = evaluate(&policy, &policy.rules[0], &row, cx);
    assert_eq!(
        ev.result,
        EvalResult::Ineligible(
            "计算结果为负（金额 -150.00）：减去的数额超过了总数，结果不能为负；请核对填报的各项数值"
                .into()
        )
    );
}
