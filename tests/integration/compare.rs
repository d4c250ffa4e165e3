//! `subsidy compare` (issue 17): its differences are proposed − base of two plain runs, to the
//! 分, overall and per clause / region / payer; a parameter change, a new rule and a removed rule
//! are listed under 政策变化; the outputs are the same bytes on a re-run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{open_workbook, Reader, Xlsx};
use rust_decimal::Decimal;

use crate::cli::{stderr, subsidy};
use crate::common::config;

/// Copies the shipped policies (and the reference files beside them) into `dir`, each passed
/// through `edit` (file name, text).
fn policies(dir: &Path, edit: &dyn Fn(&str, String) -> String) {
    std::fs::create_dir_all(dir).unwrap();
    for e in std::fs::read_dir(config()).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".toml") {
            continue;
        }
        let text = edit(&name, std::fs::read_to_string(&path).unwrap());
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// The policy text without the `[[rule]]` block of `id`.
fn without_rule(text: String, id: &str) -> String {
    let at = text.find(&format!("[[rule]]\nid = \"{id}\"")).unwrap();
    let end = text[at + 1..]
        .find("\n[[rule]]\n")
        .map_or(text.len(), |k| at + 2 + k);
    format!("{}{}", &text[..at], &text[end..])
}

/// hohhot-2022-13 (the investment award) raised from 2% to 3%.
fn raise_hohhot_13(mut text: String) -> String {
    let at = text
        .find("id = \"hohhot-2022-13-investment-award\"")
        .unwrap();
    let rate = at + text[at..].find("rate = \"2%\"").unwrap();
    text.replace_range(rate..rate + "rate = \"2%\"".len(), "rate = \"3%\"");
    text
}

/// The shipped sample's 300 applications (same seed) as a CSV in which every review flag left
/// empty is settled 是, so their lines are payouts with their shares by payer in payouts.csv
/// (a 待审核 line shows none there), and the payers of two plain runs can be summed.
fn reviewed_sample(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let raw = dir.join("raw.csv");
    let o = subsidy(&[
        "sample",
        "--rows",
        "300",
        "--seed",
        "2023",
        "--year",
        "2023",
        "--out",
        raw.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut reader = csv::Reader::from_path(&raw).unwrap();
    let headers = reader.headers().unwrap().clone();
    let flags: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| ["是否符合申报条件（审核结论）", "是否首次/新获认定"].contains(h))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(flags.len(), 2, "the sample has both review columns");
    let path = dir.join("reviewed.csv");
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(&headers).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        let row: Vec<&str> = record
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if flags.contains(&i) && c.is_empty() {
                    "是"
                } else {
                    c
                }
            })
            .collect();
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
    path
}

/// Award sums of a plain run's payouts.csv: overall, by rule, region and payer, and each
/// line's award; and its exceptions.csv as (cell, application, reason).
struct Plain {
    total: Decimal,
    by_rule: BTreeMap<String, Decimal>,
    by_region: BTreeMap<String, Decimal>,
    by_payer: BTreeMap<String, Decimal>,
    by_line: BTreeMap<(String, String), Decimal>,
    exceptions: Vec<(String, String, String)>,
}

fn plain_run(policy: &Path, out: &Path, input: &Path) -> Plain {
    let o = subsidy(&[
        "run",
        "--quiet",
        "--policy",
        policy.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert!(o.status.code() != Some(2), "{}", stderr(&o));
    let mut r = csv::Reader::from_path(out.join("payouts.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut p = Plain {
        total: Decimal::ZERO,
        by_rule: BTreeMap::new(),
        by_region: BTreeMap::new(),
        by_payer: BTreeMap::new(),
        by_line: BTreeMap::new(),
        exceptions: Vec::new(),
    };
    for rec in r.records() {
        let rec = rec.unwrap();
        // Reviewed input: no line waits for review, so every award and share is in the file.
        assert_ne!(&rec[col("line_type")], "pending", "{rec:?}");
        if &rec[col("line_type")] != "payout" {
            continue;
        }
        let award: Decimal = rec[col("award")].parse().unwrap();
        p.total += award;
        *p.by_rule
            .entry(rec[col("rule_id")].to_string())
            .or_default() += award;
        *p.by_region
            .entry(rec[col("region")].to_string())
            .or_default() += award;
        p.by_line.insert(
            (
                rec[col("application_id")].to_string(),
                rec[col("rule_id")].to_string(),
            ),
            award,
        );
        for (c, label) in [
            ("share_central", "中央"),
            ("share_region", "自治区"),
            ("share_city", "盟市"),
            ("share_county", "旗县区"),
            ("share_other", "其他"),
        ] {
            let v: Decimal = rec[col(c)].parse().unwrap();
            if !v.is_zero() {
                *p.by_payer.entry(label.to_string()).or_default() += v;
            }
        }
    }
    let mut r = csv::Reader::from_path(out.join("exceptions.csv")).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        p.exceptions
            .push((rec[2].to_string(), rec[3].to_string(), rec[5].to_string()));
    }
    p.exceptions.sort();
    p
}

fn dec(v: &serde_json::Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// proposed − base per key of a plain pair, without the zero differences.
fn differences(
    base: &BTreeMap<String, Decimal>,
    proposed: &BTreeMap<String, Decimal>,
) -> BTreeMap<String, Decimal> {
    let keys: std::collections::BTreeSet<&String> = base.keys().chain(proposed.keys()).collect();
    keys.into_iter()
        .map(|k| {
            (
                k.clone(),
                proposed.get(k).copied().unwrap_or_default()
                    - base.get(k).copied().unwrap_or_default(),
            )
        })
        .filter(|(_, d)| !d.is_zero())
        .collect()
}

/// The non-zero differences of a `--json` group, keyed as `key` maps them.
fn json_differences(
    list: &serde_json::Value,
    key: impl Fn(&str) -> String,
) -> BTreeMap<String, Decimal> {
    let mut m = BTreeMap::new();
    for t in list.as_array().unwrap() {
        let d = dec(&t["difference"]);
        assert_eq!(d, dec(&t["proposed"]) - dec(&t["base"]));
        if !d.is_zero() {
            *m.entry(key(t["key"].as_str().unwrap())).or_default() += d;
        }
    }
    m
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("subsidy-compare-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn compare_equals_two_plain_runs_and_lists_every_kind_of_rule_change() {
    const NEW: &str = "hohhot-2022-83-rent-subsidy";
    const REMOVED: &str = "hohhot-2022-77-milk-powder-spraying";
    let dir = tmp("plain");
    let (base, proposed) = (dir.join("base"), dir.join("proposed"));
    // Base lacks hohhot-2022-83 (the only rule reading 实际房租, rent_paid): new in proposed.
    // Proposed lacks hohhot-2022-77 (split 自治区 / 盟市 / 旗县区): removed; and pays
    // hohhot-2022-13 at 3% (盟市).
    policies(&base, &|name, text| match name {
        "hohhot-2022.toml" => without_rule(text, NEW),
        _ => text,
    });
    policies(&proposed, &|name, text| match name {
        "hohhot-2022.toml" => raise_hohhot_13(without_rule(text, REMOVED)),
        _ => text,
    });
    let input = reviewed_sample(&dir.join("input"));
    let b = plain_run(&base, &dir.join("run-base"), &input);
    let p = plain_run(&proposed, &dir.join("run-proposed"), &input);
    let out = dir.join("compare");
    let args = [
        "compare",
        "--json",
        "--base",
        base.to_str().unwrap(),
        "--proposed",
        proposed.to_str().unwrap(),
        "--budget",
        "990000000",
        "--out",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ];
    let o = subsidy(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();

    assert_eq!(dec(&j["total"]["base"]), b.total);
    assert_eq!(dec(&j["total"]["proposed"]), p.total);
    assert_eq!(dec(&j["total"]["difference"]), p.total - b.total);
    assert_eq!(dec(&j["over_budget"]), p.total - Decimal::from(990_000_000));
    // By clause: the key ends with its rule id, （rule-id）.
    let rule_of = |k: &str| {
        k.rsplit('（')
            .next()
            .unwrap()
            .trim_end_matches('）')
            .to_string()
    };
    let by_rule = json_differences(&j["by_clause"], rule_of);
    assert_eq!(by_rule, differences(&b.by_rule, &p.by_rule));
    assert_eq!(
        by_rule.keys().map(String::as_str).collect::<Vec<_>>(),
        ["hohhot-2022-13-investment-award", REMOVED, NEW],
        "the changed, the removed and the new rule, each with lines"
    );
    assert_eq!(by_rule[NEW], p.by_rule[NEW]);
    // 按条款 in the order of the policy text (the sample's rules are all hohhot-2022's), not
    // as sorted text (七、 before 三、).
    let text = std::fs::read_to_string(config().join("hohhot-2022.toml")).unwrap();
    let places: Vec<usize> = j["by_clause"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let id = rule_of(t["key"].as_str().unwrap());
            text.find(&format!("id = \"{id}\"")).unwrap()
        })
        .collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "{}", j["by_clause"]);
    assert_eq!(by_rule[REMOVED], -b.by_rule[REMOVED]);
    assert_eq!(
        json_differences(&j["by_region"], str::to_string),
        differences(&b.by_region, &p.by_region)
    );
    // By payer, against the shares of the plain runs: 77 was paid by all three levels.
    let payers = json_differences(&j["by_payer"], str::to_string);
    assert_eq!(payers, differences(&b.by_payer, &p.by_payer));
    assert_eq!(
        payers.keys().map(String::as_str).collect::<Vec<_>>(),
        ["旗县区", "盟市", "自治区"],
        "{payers:?}"
    );

    let changes = j["rule_changes"].as_array().unwrap();
    let kind_of = |id: &str| {
        let found = changes.iter().filter(|c| c["rule_id"] == id);
        found
            .map(|c| c["kind"].as_str().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(kind_of("hohhot-2022-13-investment-award"), ["Changed"]);
    assert_eq!(kind_of(NEW), ["New"]);
    assert_eq!(kind_of(REMOVED), ["Removed"]);
    assert_eq!(changes.len(), 3, "{changes:?}");
    let hohhot = changes
        .iter()
        .find(|c| c["rule_id"] == "hohhot-2022-13-investment-award")
        .unwrap();
    assert_eq!(
        hohhot["parameters"],
        serde_json::json!([["计算公式", "2% × 固定资产投资额", "3% × 固定资产投资额"]])
    );
    // 政策变化 in compare.xlsx lists the same three, each with its clause and kind.
    let mut wb: Xlsx<_> = open_workbook(out.join("compare.xlsx")).unwrap();
    let sheet = wb.worksheet_range("政策变化").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][..3], ["规则", "条款", "变化"]);
    for (id, clause, kind) in [
        (
            "hohhot-2022-13-investment-award",
            "二、关于促进企业投资政策 第13条",
            "参数调整",
        ),
        (NEW, "十一、关于用地用能用工政策 第83条", "新增规则"),
        (REMOVED, "九、关于保供稳价政策 第77条", "删除规则"),
    ] {
        let row = rows
            .iter()
            .find(|r| r[0] == id)
            .unwrap_or_else(|| panic!("{id}: {rows:?}"));
        assert!(row[1].starts_with(clause), "{row:?}");
        assert_eq!(row[2], kind, "{row:?}");
    }

    // 企业变化 in compare.csv: each changed line's figures are the plain runs' (the new rule's
    // lines, read once for both versions, appear with their award); the largest change first,
    // its reason the changed parameter; the line the 1000万 cap now holds says so.
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let (mut new_lines, mut sizes) = (0, Vec::new());
    for rec in r.records() {
        let rec = rec.unwrap();
        let key = (rec[0].to_string(), rec[1].to_string());
        let amount = |plain: &Plain| plain.by_line.get(&key).copied().unwrap_or_default();
        assert_eq!(rec[6].parse::<Decimal>().unwrap(), amount(&b), "{rec:?}");
        assert_eq!(rec[7].parse::<Decimal>().unwrap(), amount(&p), "{rec:?}");
        sizes.push(rec[8].parse::<Decimal>().unwrap().abs());
        if &rec[1] == NEW {
            new_lines += 1;
            assert_eq!(&rec[9], "新增规则", "{rec:?}");
        }
    }
    assert_eq!(new_lines, 4, "{csv}");
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{csv}");
    assert!(
        csv.lines().any(|l| l.starts_with("HH2023-00158,hohhot-2022-13-investment-award,")
            && l.ends_with(",6480000.00,9720000.00,3240000.00,计算公式：2% × 固定资产投资额 → 3% × 固定资产投资额")),
        "{csv}"
    );
    assert!(
        csv.contains("封顶生效：封顶 单个项目奖补资金不超过1000万元"),
        "{csv}"
    );

    // One read of the inputs: its exceptions are reported once, and a row of a rule only one
    // version has is not among them (the plain base run refuses the new rule's rows).
    let unknown = "申报条款编号不在已加载的政策文件中";
    let mut reported: Vec<(String, String, String)> = j["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let t = |k: &str| e[k].as_str().unwrap().to_string();
            (t("cell"), t("application_id"), t("reason"))
        })
        .collect();
    reported.sort();
    let read_errors: Vec<_> = b
        .exceptions
        .iter()
        .filter(|e| e.2 != unknown)
        .cloned()
        .collect();
    assert!(
        !read_errors.is_empty(),
        "the sample has bad cells on purpose"
    );
    assert_eq!(
        b.exceptions.len() - read_errors.len(),
        4,
        "the new rule's rows"
    );
    assert_eq!(reported, read_errors);
    // compare.xlsx lists them once too, in 数据错误 (cell, 申报编号, reason).
    let mut listed: Vec<(String, String, String)> = wb
        .worksheet_range("数据错误")
        .unwrap()
        .rows()
        .skip(1)
        .map(|r| (r[2].to_string(), r[3].to_string(), r[5].to_string()))
        .collect();
    listed.sort();
    assert_eq!(listed, read_errors);
    let text = subsidy(
        &args
            .iter()
            .copied()
            .filter(|a| *a != "--json")
            .collect::<Vec<_>>(),
    );
    let said = format!("{} 处数据错误", read_errors.len());
    assert_eq!(stderr(&text).matches(&said).count(), 1, "{}", stderr(&text));

    // The same bytes on a re-run.
    let first = std::fs::read(out.join("compare.xlsx")).unwrap();
    assert_eq!(subsidy(&args).status.code(), Some(0));
    assert_eq!(std::fs::read(out.join("compare.xlsx")).unwrap(), first);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compare_exits_2_on_a_missing_policy_and_writes_nothing() {
    let out = tmp("missing");
    let o = subsidy(&[
        "compare",
        "--proposed",
        "no/such/policy",
        "--out",
        out.to_str().unwrap(),
        "samples/",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read policy no/such/policy"),
        "{}",
        stderr(&o)
    );
    assert!(!out.join("compare.xlsx").exists());
}
