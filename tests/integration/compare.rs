//! `subsidy compare` (issue 17): its differences are proposed − base of two plain runs, to the
//! 分, overall and per clause / region / payer; a parameter change, a new rule and a removed rule
//! are listed under 政策变化; the outputs are the same bytes on a re-run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::cli::{stderr, subsidy};
use crate::common::config;

/// Copies the shipped policies (and the reference files beside them) into `dir`, leaving out
/// `without`, and raises the Hohhot investment award (hohhot-2022-13) from 2% to 3% when asked.
fn policies(dir: &Path, without: &str, raise_hohhot_13: bool) {
    std::fs::create_dir_all(dir).unwrap();
    for e in std::fs::read_dir(config()).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".toml") || name == without {
            continue;
        }
        let mut text = std::fs::read_to_string(&path).unwrap();
        if raise_hohhot_13 && name == "hohhot-2022.toml" {
            let at = text
                .find("id = \"hohhot-2022-13-investment-award\"")
                .unwrap();
            let rate = at + text[at..].find("rate = \"2%\"").unwrap();
            text.replace_range(rate..rate + "rate = \"2%\"".len(), "rate = \"3%\"");
        }
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// Award sums of a plain run's payouts.csv: overall, by rule, region and payer.
struct Plain {
    total: Decimal,
    by_rule: BTreeMap<String, Decimal>,
    by_region: BTreeMap<String, Decimal>,
    by_payer: BTreeMap<String, Decimal>,
}

fn plain_run(policy: &Path, out: &Path) -> Plain {
    let o = subsidy(&[
        "run",
        "--quiet",
        "--policy",
        policy.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "samples/",
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
    };
    for rec in r.records() {
        let rec = rec.unwrap();
        // Payouts and 待审核 lines as if approved, as compare projects them.
        if !matches!(&rec[col("line_type")], "payout" | "pending") {
            continue;
        }
        // A 待审核 line's projected amount is its result; its award column is 0.00.
        let award: Decimal = rec[col(if &rec[col("line_type")] == "pending" {
            "result"
        } else {
            "award"
        })]
        .parse()
        .unwrap();
        p.total += award;
        *p.by_rule
            .entry(rec[col("rule_id")].to_string())
            .or_default() += award;
        *p.by_region
            .entry(rec[col("region")].to_string())
            .or_default() += award;
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
    let dir = tmp("plain");
    let (base, proposed) = (dir.join("base"), dir.join("proposed"));
    // Base lacks chifeng-bizenv (its rules are new in proposed); proposed lacks xinzhou-2022-34
    // (its rules are removed) and pays hohhot-2022-13 at 3%.
    policies(&base, "chifeng-bizenv.toml", false);
    policies(&proposed, "xinzhou-2022-34.toml", true);
    let b = plain_run(&base, &dir.join("run-base"));
    let p = plain_run(&proposed, &dir.join("run-proposed"));
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
        "samples/",
    ];
    let o = subsidy(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();

    assert_eq!(dec(&j["total"]["base"]), b.total);
    assert_eq!(dec(&j["total"]["proposed"]), p.total);
    assert_eq!(dec(&j["total"]["difference"]), p.total - b.total);
    assert_eq!(
        j["total"]["difference"], "11350000.00",
        "the 2% → 3% raise, one line capped at 1000万"
    );
    assert_eq!(dec(&j["over_budget"]), p.total - Decimal::from(990_000_000));
    // By clause: the key ends with its rule id, （rule-id）.
    let rule_of = |k: &str| {
        k.rsplit('（')
            .next()
            .unwrap()
            .trim_end_matches('）')
            .to_string()
    };
    assert_eq!(
        json_differences(&j["by_clause"], rule_of),
        differences(&b.by_rule, &p.by_rule)
    );
    assert_eq!(
        json_differences(&j["by_region"], str::to_string),
        differences(&b.by_region, &p.by_region)
    );
    // payouts.csv gives a 待审核 line no shares, so the payers are checked against the total:
    // hohhot-2022 has no split and its payer is 盟市.
    let payers = json_differences(&j["by_payer"], str::to_string);
    assert_eq!(
        payers,
        BTreeMap::from([("盟市".to_string(), p.total - b.total)])
    );
    assert!(
        !differences(&b.by_region, &p.by_region).is_empty(),
        "the change must show in some region"
    );

    let changes = j["rule_changes"].as_array().unwrap();
    let kind_of = |id: &str| {
        changes
            .iter()
            .find(|c| c["rule_id"].as_str().unwrap().starts_with(id))
            .map(|c| c["kind"].as_str().unwrap().to_string())
    };
    assert_eq!(
        kind_of("hohhot-2022-13-investment-award").as_deref(),
        Some("Changed")
    );
    assert_eq!(kind_of("chifeng-").as_deref(), Some("New"));
    assert_eq!(kind_of("xinzhou-").as_deref(), Some("Removed"));
    let hohhot = changes
        .iter()
        .find(|c| c["rule_id"] == "hohhot-2022-13-investment-award")
        .unwrap();
    assert_eq!(
        hohhot["parameters"],
        serde_json::json!([["计算公式", "2% × 固定资产投资额", "3% × 固定资产投资额"]])
    );

    // 企业变化 in compare.csv: the largest change first, its reason the changed parameter; the
    // line the 1000万 cap now holds says so.
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 4, "{csv}");
    assert!(lines[1].starts_with("HH2023-00158,hohhot-2022-13-investment-award,") && lines[1].contains(",6480000.00,9720000.00,3240000.00,计算公式：2% × 固定资产投资额 → 3% × 固定资产投资额"), "{csv}");
    assert!(
        csv.contains("封顶生效：封顶 单个项目奖补资金不超过1000万元"),
        "{csv}"
    );

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
