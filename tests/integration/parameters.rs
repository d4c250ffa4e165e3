//! The parameter check: every amount and rate of the catalogue's parameters appears in the
//! encoding of its rule, or in a named set-aside of `config/coverage.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::Decimal;
use serde_json::Value as Json;

use subsidy::domain::fields::Vocabulary;

use crate::common::cases;

/// What a catalogue parameter figure is, read from the words of its key path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    /// Money (元), a per-unit rate of money (元/吨, 元/亩 …), a cap or a money threshold.
    Amount,
    /// A rate or share: the catalogue writes a fraction (`0.02`) or a percent number (`2`).
    Rate,
    /// Years, dates, durations, counts, physical quantities, or a figure the catalogue derived.
    Unchecked,
}

/// Figures the catalogue computed from the clause (where a cap is reached, an implied budget,
/// an assumed tax rate): an encoding states the clause's own figures, not these.
const DERIVED: [&str; 6] = [
    "reached",
    "implied",
    "assumed",
    "cumulative",
    "resulting",
    "合计",
];
/// Counts (of people, sites, ranks, vehicles …): not amounts even when written "per".
const COUNTS: [&str; 12] = [
    "count",
    "limit",
    "rank",
    "ranks",
    "sites",
    "circles",
    "number",
    "employees",
    "households",
    "tenants",
    "vehicles",
    "multiple",
];
const RATES: [&str; 17] = [
    "rate",
    "rates",
    "ratio",
    "share",
    "percent",
    "percentage",
    "factor",
    "deduction",
    "reduction",
    "exemption",
    "discount",
    "split",
    "funding",
    "multiplier",
    "refund",
    "match",
    "increase",
];
const MONEY: [&str; 17] = [
    "amount",
    "amounts",
    "award",
    "awards",
    "cap",
    "caps",
    "subsidy",
    "price",
    "fee",
    "cost",
    "budget",
    "pool",
    "fund",
    "loan",
    "bonus",
    "milestones",
    "envelopes",
];
/// Years, dates, durations and physical quantities (kW, t, tce, m², 亩, head …).
const NOT_MONEY: [&str; 30] = [
    "year",
    "years",
    "month",
    "months",
    "monthly",
    "day",
    "days",
    "hour",
    "hours",
    "h",
    "date",
    "period",
    "term",
    "validity",
    "deadline",
    "window",
    "duration",
    "consecutive",
    "age",
    "life",
    "kw",
    "kwh",
    "tce",
    "t",
    "ton",
    "tons",
    "tonnes",
    "m2",
    "mu",
    "head",
];
/// Quantity words that are not money either (capacity, volume, area, 万千瓦 …).
const QUANTITIES: [&str; 5] = ["capacity", "volume", "area", "wan", "line"];

/// Reads a parameter's key path (e.g. `cap_per_enterprise_per_year_yuan`, `brackets.rate`) as
/// one of the figures above; the order of the questions is the decision (see the test's doc).
fn figure_of(path: &str) -> Figure {
    let tokens: Vec<String> = path
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect();
    let has = |set: &[&str]| tokens.iter().any(|t| set.contains(&t.as_str()));
    // `per_ton`, `per_mu`, `per_person`: money per unit; `per_year`, `per_100_households`: not.
    let per_unit = tokens.windows(2).any(|w| {
        w[0] == "per"
            && !["year", "month", "day"].contains(&w[1].as_str())
            && !w[1].chars().all(|c| c.is_ascii_digit())
    });
    if has(&DERIVED) || path.contains("if_all") {
        Figure::Unchecked
    } else if has(&["yuan"]) {
        Figure::Amount
    } else if has(&COUNTS) {
        Figure::Unchecked
    } else if per_unit {
        Figure::Amount
    } else if has(&RATES) {
        Figure::Rate
    } else if has(&MONEY) {
        Figure::Amount
    } else if has(&NOT_MONEY) || has(&QUANTITIES) {
        Figure::Unchecked
    } else {
        Figure::Amount
    }
}

/// Every numeric parameter of a catalogue rule with its key path (`brackets[1].max`); booleans
/// and zeros (the clause's "nothing") are not figures.
fn parameter_figures(value: &Json, path: String, out: &mut Vec<(String, Decimal)>) {
    match value {
        Json::Object(map) => map.iter().for_each(|(k, v)| {
            parameter_figures(
                v,
                if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                },
                out,
            )
        }),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(n, v)| parameter_figures(v, format!("{path}[{n}]"), out)),
        Json::Number(n) => match Decimal::from_str_exact(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
        {
            Ok(d) if !d.is_zero() => out.push((path, d.normalize())),
            Ok(_) => {}
            Err(e) => panic!("{path}: {n}: {e}"),
        },
        _ => {}
    }
}

/// A policy-file text as numbers: an amount (`"1000万"`), a rate (`"2%"` → 0.02), a ratio
/// (`"1:1"`) or the bounds of a range (`"(15亿, 30亿]"`).
fn text_figures(text: &str) -> Vec<Decimal> {
    let t = text.trim();
    if let Some(v) = subsidy::rules::parse_rate(t).or_else(|| subsidy::rules::parse_amount(t)) {
        return vec![v];
    }
    if let Some((a, b)) = t.split_once(':').or_else(|| t.split_once('：')) {
        return [a, b]
            .iter()
            .filter_map(|s| subsidy::rules::parse_amount(s))
            .collect();
    }
    let inner = t
        .trim_start_matches(['[', '('])
        .trim_end_matches([']', ')']);
    if inner.len() == t.len() {
        return Vec::new();
    }
    inner
        .split([',', '，'])
        .filter_map(|s| subsidy::rules::parse_amount(s.trim()))
        .collect()
}

/// Keys of a rule table that hold words (the clause, readings, labels), not its encoding.
const WORDS: [&str; 8] = [
    "id", "same_as", "clause", "excerpt", "readings", "words", "outcome", "flags",
];

/// The figures an encoding states, walked from its TOML: texts as numbers (above), TOML
/// numbers, a funding split's weights as shares of their sum, the reference parameters it reads
/// (`{ param = … }`; a `…_percent` parameter as a fraction) and the budget it draws on.
fn encoding_figures(
    value: &toml::Value,
    params: &BTreeMap<String, Vec<Decimal>>,
    budgets: &BTreeMap<String, toml::Value>,
    out: &mut BTreeSet<Decimal>,
) {
    match value {
        toml::Value::String(s) => out.extend(text_figures(s)),
        toml::Value::Integer(i) => {
            out.insert(Decimal::from(*i));
        }
        toml::Value::Float(f) => out.extend(Decimal::from_str_exact(&f.to_string()).ok()),
        toml::Value::Array(items) => items
            .iter()
            .for_each(|v| encoding_figures(v, params, budgets, out)),
        toml::Value::Table(table) => {
            // A bound compared with a percent-number field (`…_percent`, "60" meaning 60%) is
            // the catalogue's rate 0.6.
            let field = match table.get("field") {
                Some(toml::Value::String(f)) => Some(f.as_str()),
                Some(toml::Value::Table(t)) => t.get("field").and_then(toml::Value::as_str),
                _ => None,
            };
            if let (Some(field), Some(toml::Value::String(bound))) = (field, table.get("value")) {
                if field.ends_with("_percent") {
                    out.extend(
                        text_figures(bound)
                            .into_iter()
                            .map(|f| f / Decimal::ONE_HUNDRED),
                    );
                }
            }
            // Likewise a ranged value whose approved figure is a percent-number field.
            if table
                .get("approved")
                .and_then(toml::Value::as_str)
                .is_some_and(|a| a.ends_with("_percent"))
            {
                let mut points = BTreeSet::new();
                for key in ["chosen", "range"] {
                    if let Some(v) = table.get(key) {
                        encoding_figures(v, params, budgets, &mut points);
                    }
                }
                out.extend(points.into_iter().map(|f| f / Decimal::ONE_HUNDRED));
            }
            for (k, v) in table {
                match (k.as_str(), v) {
                    (k, _) if WORDS.contains(&k) => {}
                    ("param", toml::Value::String(name)) => {
                        out.extend(params.get(name).into_iter().flatten().copied())
                    }
                    ("budget", toml::Value::String(id)) => encoding_figures(
                        budgets.get(id).unwrap_or(&toml::Value::Boolean(false)),
                        params,
                        budgets,
                        out,
                    ),
                    ("split", toml::Value::Table(weights)) => {
                        let weights: Vec<Decimal> = weights
                            .values()
                            .filter_map(|w| w.as_str().and_then(subsidy::rules::parse_amount))
                            .collect();
                        let sum: Decimal = weights.iter().sum();
                        out.extend(weights.iter().filter(|_| !sum.is_zero()).map(|w| w / sum));
                        out.extend(weights);
                    }
                    _ => encoding_figures(v, params, budgets, out),
                }
            }
        }
        toml::Value::Boolean(_) | toml::Value::Datetime(_) => {}
    }
}

/// Catalogue id → the figures of every rule of `config/` that answers it (its own id, a
/// `same_as`, or a part encoded as its own rule `<id>-…`).
fn encodings(config: &Path) -> BTreeMap<String, BTreeSet<Decimal>> {
    let mut files: Vec<(String, toml::Table)> = Vec::new();
    for entry in std::fs::read_dir(config).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.extension().is_some_and(|x| x == "toml")
            && !["coverage.toml", "lpr.toml", "aliases.toml"].contains(&name.as_str())
        {
            let text = std::fs::read_to_string(&path).unwrap();
            files.push((
                name,
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            ));
        }
    }
    let mut params: BTreeMap<String, Vec<Decimal>> = BTreeMap::new();
    for (_, file) in &files {
        for p in file
            .get("param")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = p
                .get("name")
                .and_then(toml::Value::as_str)
                .unwrap_or_default();
            let mut figures = BTreeSet::new();
            encoding_figures(
                p.get("value").unwrap_or(&toml::Value::Boolean(false)),
                &BTreeMap::new(),
                &BTreeMap::new(),
                &mut figures,
            );
            let percent = name.ends_with("_percent");
            params.insert(
                name.to_string(),
                figures
                    .into_iter()
                    .map(|v| if percent { v / Decimal::ONE_HUNDRED } else { v })
                    .collect(),
            );
        }
    }
    let mut by_id: BTreeMap<String, BTreeSet<Decimal>> = BTreeMap::new();
    for (_, file) in &files {
        let budgets: BTreeMap<String, toml::Value> = file
            .get("budget")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| Some((b.get("id")?.as_str()?.to_string(), b.clone())))
            .collect();
        for rule in file
            .get("rule")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut figures = BTreeSet::new();
            encoding_figures(rule, &params, &budgets, &mut figures);
            let figures: BTreeSet<Decimal> = figures.into_iter().map(|d| d.normalize()).collect();
            let own = rule
                .get("id")
                .and_then(toml::Value::as_str)
                .unwrap_or_default()
                .to_string();
            let same_as = rule
                .get("same_as")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(toml::Value::as_str)
                .map(str::to_string);
            for id in std::iter::once(own).chain(same_as) {
                by_id.entry(id).or_default().extend(figures.iter().copied());
            }
        }
    }
    // A clause part encoded as its own rule (`<id>-…`) answers for its clause too.
    let parts: Vec<(String, BTreeSet<Decimal>)> =
        by_id.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (id, figures) in by_id.iter_mut() {
        for (part, more) in &parts {
            if part.len() > id.len()
                && part.starts_with(id.as_str())
                && part[id.len()..].starts_with('-')
            {
                figures.extend(more.iter().copied());
            }
        }
    }
    by_id
}

/// **The parameter check** (issue 14 item 2): every amount and rate among the catalogue
/// `parameters` of an encoded rule (its own id and each `same_as` id, from `tests/cases`)
/// appears in its encoding, or in the `values` of one of its `[[rule.set_aside]]` in
/// `config/coverage.toml` (of the catalogue id or of the rule that answers it).
///
/// Which parameters are checked — only numbers: the catalogue's string parameters are prose
/// (notes, earlier versions of a text, figures of other documents), so a figure inside a string
/// is not checked. A number's key path decides, in this order:
/// 1. figures the catalogue derived (`cap_reached_at_*`, `implied_*`, `assumed_*`,
///    `cumulative_*`, `resulting_*`, `…if_all…`) — not checked (an encoding states the clause's
///    own figures);
/// 2. a key naming 元 (`*_yuan*`) — an amount;
/// 3. counts (people, sites, ranks, vehicles, `limit_per_*`, `multiple`) — not checked;
/// 4. `per_<unit>` (`per_ton`, `per_mu`, `per_person`, not `per_year` or `per_100_…`) — an
///    amount (a per-unit rate of money);
/// 5. rate words (rate, ratio, share, percent, deduction, reduction, exemption, discount,
///    split, refund, match, increase …) — a rate;
/// 6. money words (amount, award, cap, subsidy, price, fee, cost, budget, pool, fund, loan,
///    bonus, milestones) — an amount;
/// 7. years, dates, durations and physical quantities (year, month, day, hour, period, window,
///    duration, age, kW, kWh, t, tce, m², 亩, head, capacity, volume, area) — not checked;
/// 8. anything else (tier bounds `brackets[n].min`, a title's amount keyed by its name) — an
///    amount.
///
/// Zeros and booleans are not figures; a rate of exactly 1 (100%, a whole exemption, a 1:1
/// match) is not checked: an encoding takes the whole base, it writes no 100%.
///
/// How values compare — as numbers, after normalising both sides: the catalogue writes amounts
/// in 元 (`10000000`) and rates as fractions (`0.02`) or percent numbers (`10`); an encoding
/// writes `"1000万"`, `"2%"` (= 0.02), `"1:1"`, ranges `"(15亿, 30亿]"`, and reads reference
/// parameters (`…_percent` ones are percent numbers), and so are a bound compared with a
/// `…_percent` field and a ranged value approved by one (`value = "60"` is the rate 0.6). An amount matches when equal; a rate
/// when the fraction or the percent number read as a fraction (2 → 0.02) is among the
/// encoding's figures. A funding split's weights count both as written and as shares.
///
/// `SUBSIDY_WRITE_GAPS=1` writes the list of gaps to `tests/cases/PARAMETER_GAPS.md` as well.
#[test]
fn every_parameter_amount_and_rate_is_encoded_or_set_aside() {
    let check = check_parameters(&crate::common::config());
    println!(
        "parameter figures checked: {} in {} encoded catalogue rules; rules with gaps: {}",
        check.figures,
        check.rules,
        check.gaps.len()
    );
    assert!(
        check.figures > 500,
        "the parameter check checked only {} figures",
        check.figures
    );
    let report = gaps_report(&check.gaps);
    if std::env::var_os("SUBSIDY_WRITE_GAPS").is_some() {
        std::fs::write(
            crate::common::root().join("tests/cases/PARAMETER_GAPS.md"),
            &report,
        )
        .unwrap();
    }
    assert!(check.gaps.is_empty(), "{report}");
}

/// The check sees a parameter removed from an encoding: without 13's cap (`caps = [ { amount =
/// "1000万" … } ]`) the catalogue's `cap.amount` 10000000 is reported, and a set-aside naming
/// `"1000万"` answers for it again.
#[test]
fn the_parameter_check_reports_an_amount_removed_from_an_encoding() {
    let config = crate::cli::tmp("parameter-check");
    for entry in std::fs::read_dir(crate::common::config()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, config.join(path.file_name().unwrap())).unwrap();
    }
    let policy = config.join("hohhot-2022.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let cap = "caps = [ { amount = \"1000万\", words = \"单个项目奖补资金不超过1000万元\" } ]\n";
    assert_eq!(
        text.matches(cap).count(),
        1,
        "hohhot-2022-13's cap line changed; update this test"
    );
    std::fs::write(&policy, text.replace(cap, "")).unwrap();
    let gaps_of_13 = |config: &Path| {
        check_parameters(config)
            .gaps
            .into_iter()
            .find(|(id, _)| id == "hohhot-2022-13-investment-award")
            .map(|(_, m)| m)
    };
    assert_eq!(
        gaps_of_13(&config),
        Some(vec![("cap.amount".to_string(), "10000000".to_string())])
    );
    let coverage = std::fs::read_to_string(config.join("coverage.toml")).unwrap();
    let entry = "id = \"hohhot-2022-13-investment-award\"\n";
    let aside = "[[rule.set_aside]]\npart = \"单个项目奖补资金不超过1000万元\"\nvalues = [\"1000万\"]\nreason = \"test\"\n";
    let at = coverage.find(entry).unwrap();
    let end = coverage[at..]
        .find("\n\n")
        .map_or(coverage.len(), |n| at + n + 1);
    std::fs::write(
        config.join("coverage.toml"),
        format!("{}{aside}{}", &coverage[..end], &coverage[end..]),
    )
    .unwrap();
    assert_eq!(gaps_of_13(&config), None);
    let _ = std::fs::remove_dir_all(&config);
}

/// What the parameter check found: figures and rules checked, and per rule its gaps (parameter
/// key, value).
struct ParameterCheck {
    figures: usize,
    rules: usize,
    gaps: Vec<(String, Vec<(String, String)>)>,
}

/// Runs the parameter check against the policy files and coverage of `config`.
fn check_parameters(config: &Path) -> ParameterCheck {
    use subsidy::rules::coverage::Coverage;
    let vocab = Vocabulary::load(config).expect("fields.json loads");
    let set =
        subsidy::rules::load_policies(&[config.to_path_buf()], &vocab).expect("policies load");
    let encodings = encodings(config);
    let coverage = Coverage::load(config).expect("coverage.toml loads");
    let rules = cases();
    let mut check = ParameterCheck {
        figures: 0,
        rules: 0,
        gaps: Vec::new(),
    };
    for r in rules.as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let Some((_, rule)) = set.rule(id) else {
            continue;
        };
        check.rules += 1;
        let mut known = encodings.get(id).cloned().unwrap_or_default();
        known.extend(encodings.get(&rule.id).into_iter().flatten().copied());
        for entry in coverage
            .rule
            .iter()
            .filter(|e| e.id == id || e.id == rule.id)
        {
            for aside in &entry.set_aside {
                known.extend(
                    aside
                        .values
                        .iter()
                        .flat_map(|v| text_figures(v))
                        .map(|d| d.normalize()),
                );
            }
        }
        let mut figures = Vec::new();
        parameter_figures(&r["parameters"], String::new(), &mut figures);
        let mut missing = Vec::new();
        for (path, value) in figures {
            let found = match figure_of(&path) {
                Figure::Unchecked => continue,
                Figure::Rate if value == Decimal::ONE => continue,
                Figure::Amount => known.contains(&value),
                Figure::Rate => {
                    known.contains(&value)
                        || known.contains(&(value / Decimal::ONE_HUNDRED).normalize())
                }
            };
            check.figures += 1;
            if !found {
                missing.push((path, value.to_string()));
            }
        }
        if !missing.is_empty() {
            check.gaps.push((id.to_string(), missing));
        }
    }
    check
}

/// The gaps, per rule: each catalogue parameter key and the value not found.
fn gaps_report(gaps: &[(String, Vec<(String, String)>)]) -> String {
    let values: usize = gaps.iter().map(|(_, m)| m.len()).sum();
    let mut out = format!(
        "# Parameter gaps\n\n{} encoded rules state {values} catalogue amounts or rates that neither their encoding nor a \
         set-aside in config/coverage.toml carries (test `catalogue::every_parameter_amount_and_rate_is_encoded_or_set_aside`; \
         rewrite this list with SUBSIDY_WRITE_GAPS=1). Encode the value, or name it in a `[[rule.set_aside]]` with the reason.\n\n\
         | rule | parameter key | value |\n|---|---|---|\n",
        gaps.len()
    );
    for (id, missing) in gaps {
        for (key, value) in missing {
            out.push_str(&format!("| {id} | {key} | {value} |\n"));
        }
    }
    out
}
