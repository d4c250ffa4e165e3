//! Golden runs read back as an auditor would: a workbook built only from `fields.json` headers
//! and catalogue rule ids reproduces the catalogue's figures; the ledger foots; every row is
//! accounted for once; the same inputs give the same bytes whatever the threads or file order.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};
use rust_decimal::Decimal;
use rust_xlsxwriter::Workbook;
use serde_json::Value as Json;

use subsidy::domain::identity::credit_code_check_char;

use crate::cli::{stderr, subsidy, tmp};
use crate::common::{cases, policies, vocab};

fn code(i: usize) -> String {
    let first = format!("9115010{i:010}");
    format!("{first}{}", credit_code_check_char(&first).unwrap())
}

/// History values an example may give; they become lines of a payouts.csv history file.
const HISTORY: [&str; 4] = [
    "prior_payout_years",
    "prior_paid_same_achievement",
    "prior_paid_shared_cap",
    "prior_payout_count",
];

/// Whether an example can run in a workbook with a history folder: a row example, or a history
/// example whose given values are payout history (an LPR only when the line is refused anyway).
fn workbook_example(ex: &Json) -> bool {
    match ex["context"].as_str() {
        Some("row") => true,
        Some("history") => ex.get("given").and_then(Json::as_object).is_some_and(|g| {
            !g.is_empty()
                && g.keys().all(|k| {
                    HISTORY.contains(&k.as_str()) || (k == "lpr_1y" && ex["expected"] == "0.00")
                })
        }),
        _ => false,
    }
}

/// Writes every row and history example of every encoded rule as one application row (Chinese
/// headers), and the payout history those examples state as `history` lines (payouts.csv
/// shape). Returns application id → expected result.
fn catalogue_workbook(path: &Path, history: &Path) -> BTreeMap<String, String> {
    let vocab = vocab();
    let set = policies(&vocab);
    let rules = cases();
    let mut rows: Vec<(String, String, serde_json::Map<String, Json>, String)> = Vec::new();
    for r in rules.as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        // Rules that share a budget or an exclusive group across rows are checked example by
        // example in catalogue.rs; in one workbook their examples would share the pool.
        let rule = match set.rule(id) {
            Some((_, rule)) if rule.budget.is_none() && rule.exclusive.is_none() => rule,
            _ => continue,
        };
        for ex in r["examples"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| workbook_example(e))
        {
            let app = format!("EX{:04}", rows.len() + 1);
            let mut input = ex["input"].as_object().unwrap().clone();
            // The catalogue's examples are reviewed: a yes/no flag they leave out is 是 (its
            // "absent = yes"), written as a clerk would, so no line here is 待审核.
            for &f in &rule.flags {
                input
                    .entry(vocab.get(f).key.clone())
                    .or_insert(Json::Bool(true));
            }
            for (k, v) in ex
                .get("given")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                if HISTORY.contains(&k.as_str()) {
                    input.insert(format!("given:{k}"), v.clone());
                }
            }
            rows.push((
                app,
                id.to_string(),
                input,
                ex["expected"].as_str().unwrap().to_string(),
            ));
        }
    }
    let identity = [
        "application_id",
        "credit_code",
        "enterprise_name",
        "region",
        "application_year",
        "rule_id",
    ];
    // Identity values an example states are replaced by the workbook's own (one per row).
    let mut keys: Vec<String> = rows
        .iter()
        .flat_map(|(_, _, i, _)| i.keys().cloned())
        .filter(|k| !identity.contains(&k.as_str()) && !k.starts_with("given:"))
        .collect();
    keys.sort();
    keys.dedup();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("申报表").unwrap();
    for (c, k) in identity
        .iter()
        .map(|s| s.to_string())
        .chain(keys.iter().cloned())
        .enumerate()
    {
        ws.write_string(0, c as u16, &vocab.get(vocab.id(&k).unwrap()).header_zh)
            .unwrap();
    }
    let mut expected = BTreeMap::new();
    let mut paid = String::from(
        "application_id,credit_code,enterprise_name,rule_id,award,line_type,application_year\n",
    );
    for (n, (app, rule, input, want)) in rows.iter().enumerate() {
        let r = n as u32 + 1;
        let year: i64 = input
            .get("application_year")
            .and_then(Json::as_str)
            .unwrap_or("2023")
            .parse()
            .unwrap();
        let given = |k: &str| {
            input
                .get(&format!("given:{k}"))
                .and_then(Json::as_str)
                .map(str::to_string)
        };
        // N years already paid: one small line in each of the N years before.
        let years: i64 = given("prior_payout_years")
            .or(given("prior_payout_count"))
            .map_or(0, |v| v.parse().unwrap());
        for y in 1..=years {
            paid.push_str(&format!(
                "H{n}-{y},{},企业{n},{rule},1.00,payout,{}\n",
                code(n),
                year - y
            ));
        }
        if let Some(amount) = given("prior_paid_same_achievement") {
            paid.push_str(&format!(
                "H{n}-same,{},企业{n},{rule},{amount},payout,{}\n",
                code(n),
                year - years - 1
            ));
        }
        if let Some(amount) = given("prior_paid_shared_cap") {
            paid.push_str(&format!(
                "H{n}-cap,{},企业{n},{rule},{amount},payout,{year}\n",
                code(n)
            ));
        }
        // The example's own 申报年度 and 所属旗县区 count; ids and codes stay unique per row.
        let given = |k: &str, default: &str| {
            input
                .get(k)
                .and_then(Json::as_str)
                .unwrap_or(default)
                .to_string()
        };
        let identity_values = [
            app.clone(),
            code(n),
            format!("企业{n}"),
            given("region", "新城区"),
            given("application_year", "2023"),
            rule.clone(),
        ];
        for (c, v) in identity_values.iter().enumerate() {
            ws.write_string(r, c as u16, v).unwrap();
        }
        for (c, k) in keys.iter().enumerate() {
            let col = (identity.len() + c) as u16;
            match input.get(k) {
                None => {}
                Some(Json::Bool(b)) => {
                    ws.write_string(r, col, if *b { "是" } else { "否" })
                        .unwrap();
                }
                // Alternate numbers stored as numbers and as text, as real workbooks mix them.
                Some(Json::String(s)) => match s.parse::<f64>() {
                    Ok(x) if n % 2 == 0 => {
                        ws.write_number(r, col, x).unwrap();
                    }
                    _ => {
                        ws.write_string(r, col, s).unwrap();
                    }
                },
                Some(other) => {
                    ws.write_string(r, col, other.to_string()).unwrap();
                }
            }
        }
        expected.insert(app.clone(), want.clone());
    }
    wb.save(path).unwrap();
    std::fs::create_dir_all(history).unwrap();
    std::fs::write(history.join("payouts.csv"), paid).unwrap();
    expected
}

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

/// Amounts in the workbook are numbers with 2 decimals; read back to the 分.
fn cell_money(d: &Data) -> Decimal {
    match d {
        Data::Float(f) => Decimal::from_str_exact(&format!("{f}"))
            .unwrap()
            .round_dp(2),
        Data::Int(i) => Decimal::from(*i),
        Data::Empty => Decimal::ZERO,
        other => panic!("not an amount: {other:?}"),
    }
}

#[test]
fn a_workbook_of_catalogue_examples_reproduces_the_catalogue() {
    let dir = tmp("catalogue-run");
    let input = dir.join("catalogue.xlsx");
    let history = dir.join("history");
    let expected = catalogue_workbook(&input, &history);
    let out = dir.join("out");
    let o = subsidy(&[
        "run",
        "--history",
        history.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = read_csv(&out.join("payouts.csv"));
    assert_eq!(lines.len(), expected.len(), "one line per application");
    let mut wrong = Vec::new();
    for l in &lines {
        let want = &expected[&l["application_id"]];
        if &l["result"] != want {
            wrong.push(format!(
                "{} {}: expected {want}, got {} ({})",
                l["application_id"], l["rule_id"], l["result"], l["reason"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    ledger_foots_and_accounts_for_every_row(&out);
}

/// 汇总's total equals the sum of 发放明细, and its 待审核预计 the sum of 待审核, never mixed;
/// each line's shares add up to it; every input row is a detail line, a pending line, a
/// refusal or an exception.
fn ledger_foots_and_accounts_for_every_row(out: &Path) {
    let mut wb: Xlsx<_> = open_workbook(out.join("ledger.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "汇总",
            "发放明细",
            "待审核",
            "计算过程",
            "不予支持",
            "数据错误",
            "政策参数"
        ]
    );
    let held = wb.worksheet_range("待审核").unwrap();
    let header: Vec<String> = held
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut pending = Decimal::ZERO;
    for row in held.rows().skip(1) {
        let a = cell_money(&row[col("待审核预计（元）")]);
        let shares: Decimal = ["自治区", "盟市", "旗县区", "中央", "其他"]
            .iter()
            .map(|p| cell_money(&row[col(p)]))
            .sum();
        assert_eq!(
            shares, a,
            "shares of pending row {:?} do not add up",
            row[1]
        );
        assert!(
            !row[col("待审核事项")].to_string().is_empty(),
            "a pending line says what awaits review"
        );
        pending += a;
    }
    let pending_rows = held.rows().count() - 1;
    let detail = wb.worksheet_range("发放明细").unwrap();
    let header: Vec<String> = detail
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (amount, kind) = (col("金额（元）"), col("结果类型"));
    let mut total = Decimal::ZERO;
    let mut detail_rows = 0;
    for row in detail.rows().skip(1) {
        detail_rows += 1;
        if row[kind] != "奖补资金" {
            continue;
        }
        let a = cell_money(&row[amount]);
        let shares: Decimal = ["自治区", "盟市", "旗县区", "中央", "其他"]
            .iter()
            .map(|p| cell_money(&row[col(p)]))
            .sum();
        assert_eq!(shares, a, "shares of row {:?} do not add up", row[1]);
        total += a;
    }
    let summary = wb.worksheet_range("汇总").unwrap();
    let stated = summary
        .rows()
        .find(|r| r[0] == "奖补资金合计（元）")
        .map(|r| cell_money(&r[1]))
        .unwrap();
    assert_eq!(stated, total, "汇总 does not foot to 发放明细");
    // Each breakdown of 汇总 (by rule, by region, by payer) cross-foots to the total.
    let rows: Vec<&[Data]> = summary.rows().collect();
    for title in [
        "按条款：申报条款编号",
        "按地区：所属旗县区",
        "按出资方（D14）",
    ] {
        let start = rows
            .iter()
            .position(|r| r[0] == title)
            .unwrap_or_else(|| panic!("{title} missing"));
        let sum = |c: usize| -> Decimal {
            rows[start + 1..]
                .iter()
                .take_while(|r| !r[0].to_string().is_empty())
                .map(|r| cell_money(&r[c]))
                .sum()
        };
        assert_eq!(sum(3), total, "{title} does not cross-foot (应付)");
        assert_eq!(sum(5), pending, "{title} does not cross-foot (待审核预计)");
    }
    let stated = rows
        .iter()
        .find(|r| r[0].to_string().starts_with("待审核预计合计"))
        .map(|r| cell_money(&r[1]))
        .unwrap();
    assert_eq!(stated, pending, "汇总's 待审核预计 does not foot to 待审核");
    let refused = wb.worksheet_range("不予支持").unwrap().rows().count() - 1;
    let manifest: Json =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let t = &manifest["totals"];
    let n = |k: &str| t[k].as_u64().unwrap() as usize;
    assert_eq!(
        n("rows_in"),
        n("rows_computed") + n("rows_exception"),
        "rows in ≠ lines + exceptions"
    );
    assert_eq!(n("rows_computed"), detail_rows + pending_rows + refused);
    assert_eq!(n("pending_lines"), pending_rows);
    assert_eq!(dec(t["award_total"].as_str().unwrap()), total);
    assert_eq!(dec(t["pending_total"].as_str().unwrap()), pending);
    let csv = read_csv(&out.join("payouts.csv"));
    let csv_total: Decimal = csv.iter().map(|l| dec(&l["award"])).sum();
    assert_eq!(csv_total, total, "payouts.csv does not foot to the ledger");
    // A pending line's figure is in `result` only: no award or share column takes it in.
    let held: Vec<_> = csv.iter().filter(|l| l["line_type"] == "pending").collect();
    assert_eq!(held.len(), pending_rows);
    assert!(held.iter().all(|l| [
        "award",
        "share_region",
        "share_city",
        "share_county",
        "share_central",
        "share_other"
    ]
    .iter()
    .all(|c| l[*c] == "0.00")));
    assert_eq!(
        held.iter().map(|l| dec(&l["result"])).sum::<Decimal>(),
        pending
    );
}

#[test]
fn the_shipped_sample_foots_and_accounts_for_every_row() {
    let out = tmp("sample-foot");
    let o = subsidy(&["run", "--out", out.to_str().unwrap(), "samples/"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    ledger_foots_and_accounts_for_every_row(&out);
    let exceptions = read_csv(&out.join("exceptions.csv"));
    assert!(exceptions
        .iter()
        .all(|e| !e["file"].is_empty() && !e["sheet"].is_empty() && !e["cell"].is_empty()));
}

fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "ledger.xlsx",
        "payouts.csv",
        "exceptions.csv",
        "manifest.json",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read(dir.join(f)).unwrap()))
    .collect()
}

#[test]
fn same_inputs_give_the_same_bytes_whatever_threads_or_file_order() {
    let dir = tmp("determinism");
    let (a, b) = (dir.join("a.xlsx"), dir.join("b.csv"));
    for (f, seed) in [(&a, "7"), (&b, "8")] {
        let o = subsidy(&[
            "sample",
            "--rows",
            "120",
            "--seed",
            seed,
            "--out",
            f.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let run = |name: &str, threads: &str, files: [&Path; 2]| {
        let out = dir.join(name);
        let o = subsidy(&[
            "run",
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
            files[0].to_str().unwrap(),
            files[1].to_str().unwrap(),
        ]);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
        outputs(&out)
    };
    let first = run("one", "1", [&a, &b]);
    let again = run("two", "4", [&b, &a]);
    for ((name, x), (_, y)) in first.iter().zip(&again) {
        assert!(x == y, "{name} differs between runs");
    }
}
