//! Every visible catalogue example of an encoded rule, run through the engine as data, with
//! exact decimal strings. Examples are the repository's own (`tests/cases/*.toml`, written once
//! from the catalogue by `tools/catalogue_to_cases.py`); nothing outside the repository is read.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value as Json;

use subsidy::domain::fields::Vocabulary;
use subsidy::domain::value::{parse_text, DenseRow, Value};
use subsidy::engine::batch::{settle, Pending, SharedPaid, NOTHING_SHARED};
use subsidy::engine::{evaluate, evaluate_untraced, Context};
use subsidy::rules::lpr::{Fixing, LprTable};
use subsidy::rules::params::{ParamValue, Params};
use subsidy::rules::Payer;

use crate::common::{cases, lpr, policies, vocab};

/// Builds a row from an example's `input` object, reading each value as a cell would be.
pub(crate) fn row_of(
    input: &serde_json::Map<String, Json>,
    vocab: &Vocabulary,
) -> Result<DenseRow, String> {
    let mut row = DenseRow::new(vocab.len());
    for (key, v) in input {
        let id = vocab
            .id(key)
            .ok_or_else(|| format!("unknown field {key}"))?;
        let value = match v {
            Json::Bool(b) => Value::Bool(*b),
            Json::String(s) => {
                parse_text(vocab.get(id), s, Decimal::ONE).map_err(|e| format!("{key}: {}", e.0))?
            }
            Json::Number(n) => parse_text(vocab.get(id), &n.to_string(), Decimal::ONE)
                .map_err(|e| format!("{key}: {}", e.0))?,
            other => return Err(format!("{key}: unsupported example value {other}")),
        };
        row.set(id, value);
    }
    Ok(row)
}

/// Reference parameters an example gives (`external_params`) replace the shipped ones; a value
/// the harness cannot read stops the test (never a silent run on the shipped value).
pub(crate) fn params_for(given: Option<&Json>, shipped: &Params) -> Params {
    let mut p = shipped.clone();
    for (k, v) in given
        .and_then(|g| g.get("external_params"))
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
    {
        let value = match v {
            Json::String(s) => Decimal::from_str_exact(s).ok().map(ParamValue::Num),
            Json::Array(items) => items
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(ParamValue::List),
            Json::Number(n) => Decimal::from_str_exact(&n.to_string())
                .ok()
                .map(ParamValue::Num),
            _ => None,
        };
        let value = value.unwrap_or_else(|| {
            panic!("external_params.{k}: {v} is neither a decimal nor a list of texts")
        });
        p.values.insert(k.clone(), value);
    }
    p
}

fn given_decimal(example: &Json, key: &str) -> Decimal {
    example
        .get("given")
        .and_then(|g| g.get(key))
        .and_then(Json::as_str)
        .map(|s| Decimal::from_str_exact(s).unwrap())
        .unwrap_or_default()
}

/// Reference data an example gives (`lpr_1y`) replaces the shipped LPR table.
fn lpr_for(given: Option<&Json>, shipped: &LprTable) -> LprTable {
    let rate = given.and_then(|g| g.get("lpr_1y")).and_then(Json::as_str);
    match rate {
        Some(r) => {
            let r = Decimal::from_str_exact(r).expect("lpr_1y is decimal");
            let five = given
                .and_then(|g| g.get("lpr_5y"))
                .and_then(Json::as_str)
                .map(|s| Decimal::from_str_exact(s).unwrap())
                .unwrap_or(r);
            LprTable {
                fixings: vec![Fixing {
                    effective: NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
                    one_year: r,
                    five_year: five,
                }],
            }
        }
        None => shipped.clone(),
    }
}

/// History values an example gives, which the history join puts on the row.
const HISTORY: [&str; 4] = [
    "prior_payout_years",
    "prior_paid_same_achievement",
    "prior_paid_shared_cap",
    "prior_payout_count",
];

/// Contexts the engine computes from a single row: row, history values on the row, and LPR.
/// (Examples that sum several years or pool several rows come with the batch semantics.)
fn runnable(example: &Json, rule: &subsidy::rules::Rule) -> bool {
    let context = example["context"].as_str().unwrap_or("");
    let given = example.get("given").and_then(Json::as_object);
    let interest = matches!(rule.formula, subsidy::rules::Formula::Interest(_));
    match context {
        "row" => true,
        // Other rows of the batch (shared caps, pools); quotas come with the history of a programme.
        "batch" => given.is_some_and(|g| g.keys().all(|k| k == "batch_rows")),
        "history" => given.is_some_and(|g| {
            !g.is_empty()
                && g.keys()
                    .all(|k| HISTORY.contains(&k.as_str()) || (interest && k == "lpr_1y"))
        }),
        // Reference data this issue covers: the LPR of an interest subsidy.
        // External parameters run for rules that name parameters (config/params.toml).
        "external" => given.is_some_and(|g| {
            g.keys().all(|k| {
                (k == "external_params" && !rule.params().is_empty())
                    || (interest && (k == "lpr_1y" || k == "lpr_5y"))
            })
        }),
        _ => false,
    }
}

/// Examples whose expected value is a total over several years of one rule (the catalogue's
/// "total over N years"): catalogue id, the example's place among the rule's examples, and N.
/// The harness runs N yearly lines (prior_payout_years 0 … N−1, from the payout history), sums
/// them, and checks that a line in year N+1 pays nothing.
const MULTI_YEAR_TOTALS: [(&str, usize, u32); 3] = [
    // 10亿 × 5% = 5000万 > 3 × 1000万: the lifetime-envelope and the yearly reading both pay 1000万 a
    // year for 连续支持不超过3年. (The envelope example for 3亿, #0, is set aside in coverage.toml.)
    ("hohhot-2022-25b-major-tech-transfer-multi-year", 1, 3),
    // 每年20元/平方米运营补贴，时间不超过5年
    ("hohhot-2022-56b-park-in-park-operation", 1, 5),
    // 连续5年 … 每年给予不低于3000万元支持
    ("nmg-2020-17-national-platform-annual", 1, 5),
];

fn total_years(id: &str, n: usize) -> Option<u32> {
    MULTI_YEAR_TOTALS
        .iter()
        .find(|(i, k, _)| *i == id && *k == n)
        .map(|(_, _, years)| *years)
}

/// Whether the harness runs the rule's `n`th example.
fn runs(id: &str, n: usize, example: &Json, rule: &subsidy::rules::Rule) -> bool {
    total_years(id, n).is_some() || runnable(example, rule)
}

/// One row settled alone, as a line of its application.
pub(crate) fn settle_alone(
    policy: &subsidy::rules::Policy,
    rule: &subsidy::rules::Rule,
    row: &DenseRow,
    cx: Context<'_>,
    id: &str,
) -> subsidy::engine::batch::Line {
    let budget = rule
        .budget
        .as_ref()
        .and_then(|b| policy.budgets.iter().find(|x| &x.id == b));
    let evaluation = evaluate(policy, rule, row, cx);
    let pending = Pending {
        rule,
        payer: policy.payer,
        evaluation,
        credit_code: "X",
        year: "2023",
        project: "",
        order: ("A000", id),
        prior_shared: &NOTHING_SHARED,
        budget,
    };
    settle(vec![pending]).remove(0)
}

/// A multi-year example: the sum of its `years` yearly lines, or why it is not its expected value.
fn run_multi_year(
    policy: &subsidy::rules::Policy,
    rule: &subsidy::rules::Rule,
    example: &Json,
    years: u32,
    cx: Context<'_>,
    vocab: &Vocabulary,
    id: &str,
) -> Result<(), String> {
    let input = example["input"].as_object().ok_or("no input")?;
    let mut total = Decimal::ZERO;
    for paid in 0..=years {
        let mut year = input.clone();
        year.insert("prior_payout_years".into(), Json::String(paid.to_string()));
        let line = settle_alone(policy, rule, &row_of(&year, vocab)?, cx, id);
        if paid == years && !line.amount.is_zero() {
            return Err(format!("year {} still pays {}", paid + 1, line.amount));
        }
        if paid < years && line.amount.is_zero() {
            return Err(format!(
                "year {} pays nothing: {}",
                paid + 1,
                line.result_text()
            ));
        }
        total += line.amount;
    }
    let expected = example["expected"].as_str().ok_or("no expected")?;
    if format!("{total:.2}") != expected {
        return Err(format!(
            "expected {expected} over {years} years, got {total:.2}"
        ));
    }
    Ok(())
}

#[test]
fn encoded_rules_reproduce_every_row_example() {
    let vocab = vocab();
    let set = policies(&vocab);
    let shipped = lpr();
    let shipped_params = Params::load(&crate::common::config()).expect("config/params.toml loads");
    let rules = cases();
    let mut failures = Vec::new();
    let mut ran = 0;
    for r in rules.as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let Some((policy, rule)) = set.rule(id) else {
            continue;
        };
        for (n, ex) in r["examples"].as_array().into_iter().flatten().enumerate() {
            if !runs(id, n, ex, rule) {
                continue;
            }
            let table = lpr_for(ex.get("given"), &shipped);
            let params = params_for(ex.get("given"), &shipped_params);
            if let Some(years) = total_years(id, n) {
                ran += 1;
                let cx = Context {
                    vocab: &vocab,
                    lpr: &table,
                    params: &params,
                };
                if let Err(e) = run_multi_year(policy, rule, ex, years, cx, &vocab, id) {
                    failures.push(format!("{id} #{n}: {e}"));
                }
                continue;
            }
            let expected = ex["expected"].as_str().unwrap();
            let mut input = ex["input"].as_object().unwrap().clone();
            for (k, v) in ex
                .get("given")
                .and_then(Json::as_object)
                .into_iter()
                .flatten()
            {
                if HISTORY.contains(&k.as_str()) && k != "prior_paid_shared_cap" {
                    input.insert(k.clone(), v.clone());
                }
            }
            // The example's row first, then the other rows of its batch, each filling in what
            // it does not state from the example's row.
            let mut inputs = vec![input.clone()];
            for other in ex
                .get("given")
                .and_then(|g| g.get("batch_rows"))
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let mut merged = input.clone();
                for (k, v) in other.as_object().into_iter().flatten() {
                    if k != "rule_id" && k != "note" {
                        merged.insert(k.clone(), v.clone());
                    }
                }
                inputs.push(merged);
            }
            let rows: Result<Vec<DenseRow>, String> =
                inputs.iter().map(|i| row_of(i, &vocab)).collect();
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    failures.push(format!("{id} #{n}: input: {e}"));
                    continue;
                }
            };
            let cx = Context {
                vocab: &vocab,
                lpr: &table,
                params: &params,
            };
            // The example's figure was paid inside each of the rule's shared caps.
            let mut prior_shared = SharedPaid::default();
            for cap in &rule.caps {
                if let subsidy::rules::CapScope::EnterpriseYear { group } = &cap.scope {
                    prior_shared.add(group, given_decimal(ex, "prior_paid_shared_cap"));
                }
            }
            let app_ids: Vec<String> = inputs
                .iter()
                .enumerate()
                .map(|(k, i)| {
                    i.get("application_id")
                        .and_then(Json::as_str)
                        .map(str::to_string)
                        .unwrap_or(format!("A{k:03}"))
                })
                .collect();
            // A run's first pass evaluates without the trace: the result must not change.
            for row in &rows {
                let (traced, quick) = (
                    evaluate(policy, rule, row, cx),
                    evaluate_untraced(policy, rule, row, cx),
                );
                if (&quick.result, &quick.split) != (&traced.result, &traced.split)
                    || !quick.trace.is_empty()
                {
                    failures.push(format!(
                        "{id} #{n}: untraced {:?} ≠ traced {:?}",
                        quick.result, traced.result
                    ));
                }
            }
            // Examples are reviewed rows: a flag left out is 是 (review = "assumed"), never 待审核.
            let budget = rule
                .budget
                .as_ref()
                .and_then(|b| policy.budgets.iter().find(|x| &x.id == b));
            let pending: Vec<Pending<'_>> = rows
                .iter()
                .zip(&app_ids)
                .map(|(row, app)| Pending {
                    rule,
                    payer: policy.payer,
                    evaluation: evaluate(policy, rule, row, cx),
                    credit_code: "X",
                    year: "2023",
                    project: "",
                    order: (app.as_str(), id),
                    prior_shared: &prior_shared,
                    budget,
                })
                .collect();
            let settled = settle(pending);
            // "…total…" in the unit means the example states the sum over its batch.
            let total = ex
                .get("unit")
                .and_then(Json::as_str)
                .is_some_and(|u| u.contains("total"));
            ran += 1;
            for l in &settled {
                // A payout's funding shares always add up to its line.
                let shares: Decimal = l.shares.iter().map(|(_, v)| *v).sum();
                if !l.shares.is_empty() && shares != l.amount {
                    failures.push(format!("{id} #{n}: shares {shares} ≠ amount {}", l.amount));
                }
            }
            let mut line = settled[0].clone();
            if total {
                line.amount = settled.iter().map(|l| l.amount).sum();
            }
            if line.result_text() != expected {
                failures.push(format!(
                    "{id} #{n}: expected {expected}, got {}\n    {}",
                    line.result_text(),
                    line.trace.steps().collect::<Vec<_>>().join("\n    ")
                ));
            }
        }
    }
    // Full strength: every example coverage.toml counts as tested ran here.
    let coverage = subsidy::rules::coverage::Coverage::load(&crate::common::config())
        .expect("config/coverage.toml loads");
    let counted: u32 = coverage.rule.iter().map(|e| e.examples_tested).sum();
    println!("catalogue examples run through the engine: {ran}");
    assert!(ran > 0, "no catalogue example ran");
    assert_eq!(
        ran, counted as usize,
        "examples run ≠ examples_tested in config/coverage.toml"
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} examples differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let _ = Payer::City;
}

/// The repository's cases hold the whole catalogue: 414 rules, 658 worked examples, each id
/// once (a truncated or doubled cases file would weaken every test that reads them).
#[test]
fn cases_hold_the_whole_catalogue() {
    let rules = cases();
    let rules = rules.as_array().unwrap();
    let mut ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let examples: usize = rules
        .iter()
        .map(|r| r["examples"].as_array().map_or(0, Vec::len))
        .sum();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!((rules.len(), ids.len(), examples), (414, 414, 658));
}

/// Every Hohhot 2022 rule that has a row example is encoded (issue: the spine).
#[test]
fn every_hohhot_rule_with_a_row_example_is_encoded() {
    let vocab = vocab();
    let set = policies(&vocab);
    let rules = cases();
    let with_row_example: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"].as_str().unwrap().starts_with("hohhot-2022"))
        .filter(|r| {
            r["examples"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e["context"] == "row")
        })
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    println!(
        "hohhot-2022 rules with a row example: {}",
        with_row_example.len()
    );
    assert_eq!(
        with_row_example.len(),
        72,
        "the cases lost or gained Hohhot rules"
    );
    let missing: Vec<&&str> = with_row_example
        .iter()
        .filter(|id| set.rule(id).is_none())
        .collect();
    assert!(missing.is_empty(), "not encoded: {missing:?}");
}

/// `config/coverage.toml` states, for every catalogue id, whether it is encoded, how many of its
/// examples the test above runs, and why it is not encoded. Recomputed here; with
/// SUBSIDY_WRITE_COVERAGE=1 the file is rewritten (keeping its reasons) instead of compared.
#[test]
fn coverage_file_is_true() {
    use subsidy::rules::coverage::{Coverage, Entry};
    let vocab = vocab();
    let set = policies(&vocab);
    let rules = cases();
    let config = crate::common::config();
    let old = Coverage::load(&config).unwrap_or_default();
    let mut fresh = Coverage::default();
    for r in rules.as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let examples: Vec<&Json> = r["examples"].as_array().into_iter().flatten().collect();
        let (tested, reason) = match set.rule(id) {
            Some((_, rule)) => (
                examples
                    .iter()
                    .enumerate()
                    .filter(|(n, e)| runs(id, *n, e, rule))
                    .count() as u32,
                String::new(),
            ),
            None => (
                0,
                old.rule
                    .iter()
                    .find(|e| e.id == id)
                    .map(|e| e.reason.clone())
                    .unwrap_or_default(),
            ),
        };
        let not_run = if set.rule(id).is_some() {
            examples.len() as u32 - tested
        } else {
            0
        };
        let set_aside = old
            .rule
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.set_aside.clone())
            .unwrap_or_default();
        fresh.rule.push(Entry {
            id: id.into(),
            computable: r["computable"].as_str().unwrap_or("").into(),
            examples_tested: tested,
            examples_not_run: not_run,
            reason,
            set_aside,
        });
    }
    if std::env::var_os("SUBSIDY_WRITE_COVERAGE").is_some() {
        std::fs::write(config.join("coverage.toml"), fresh.to_toml()).unwrap();
        return;
    }
    let missing: Vec<&str> = fresh
        .rule
        .iter()
        .filter(|e| set.rule(&e.id).is_none() && e.reason.trim().is_empty())
        .map(|e| e.id.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "not encoded and no reason in config/coverage.toml: {missing:?}"
    );
    assert!(old.rule == fresh.rule, "config/coverage.toml is stale; run SUBSIDY_WRITE_COVERAGE=1 cargo test --release coverage and review the diff");
}
