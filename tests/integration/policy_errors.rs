//! Every refusal of the policy loader names the file, the line and the rule, and says what to
//! write instead.

use std::path::Path;

use subsidy::rules::load_policy_text;

use crate::common::vocab;

const HEAD: &str = "[policy]\nid = \"t\"\ntitle = \"测试\"\npayer = \"盟市\"\n\n";

fn rule(body: &str) -> String {
    format!("{HEAD}[[rule]]\nid = \"r1\"\nclause = \"第1条\"\nexcerpt = \"原文\"\n{body}\n")
}

fn error(text: &str) -> String {
    load_policy_text(text, Path::new("p.toml"), &vocab())
        .expect_err("policy must be refused")
        .to_string()
}

#[test]
fn a_valid_rule_loads() {
    let text = rule("formula = { kind = \"rate\", base = \"fixed_asset_investment\", rate = \"2%\" }\ncaps = [{ amount = \"1000万\" }]");
    let p = load_policy_text(&text, Path::new("p.toml"), &vocab()).unwrap();
    assert_eq!(p.rules.len(), 1);
    assert_eq!(p.rules[0].line, 7);
}

#[test]
fn toml_floats_are_refused_for_money() {
    let text = rule("formula = { kind = \"fixed\", amount = \"1\" }\nfloor = 10000.5");
    assert_eq!(error(&text), "p.toml:11: rule `r1`: amount 10000.5 is a TOML float, which is inexact; write it as a string: \"10000.5\"");
    let text =
        rule("formula = { kind = \"rate\", base = \"fixed_asset_investment\", rate = 0.02 }");
    assert_eq!(error(&text), "p.toml:10: rule `r1`: rate 0.02 is a TOML float, which is inexact; write it as a string: \"0.02\"");
}

#[test]
fn unknown_keys_are_refused() {
    let text = rule("formula = { kind = \"fixed\", amount = \"1\" }\ncap = []");
    let e = error(&text);
    assert_eq!(
        e,
        "p.toml:11: rule `r1`: unknown key `cap` here; expected one of: id, clause, excerpt, outcome, flags, when, let, formula, caps, floor, split, readings, same_as, max_years, differential, exclusive, budget, payees, advance, limit"
    );
    let text = rule("formula = { kind = \"fixed\", amount = \"1\", rate = \"2%\" }");
    assert_eq!(
        error(&text),
        "p.toml:10: rule `r1`: unknown key `rate` here; expected one of: kind, amount"
    );
}

#[test]
fn unknown_fields_get_a_suggestion() {
    let text =
        rule("formula = { kind = \"rate\", base = \"fixed_asset_investmnt\", rate = \"2%\" }");
    assert_eq!(
        error(&text),
        "p.toml:10: rule `r1`: unknown field `fixed_asset_investmnt` (did you mean `fixed_asset_investment`?); fields are the keys of config/fields.json"
    );
}

#[test]
fn overlapping_and_gapped_brackets_are_refused() {
    let overlap = rule(
        "formula = { kind = \"bracket\", selector = \"fixed_asset_investment\", brackets = [ { range = \"[5000万, 1亿]\", amount = \"50万\" }, { range = \"[1亿, )\", amount = \"100万\" } ] }",
    );
    assert_eq!(
        error(&overlap),
        "p.toml:10: rule `r1`: `brackets`: `[5000万, 1亿]` overlaps `[1亿, )` (D1: brackets must have no gap and no overlap)"
    );
    let gap = rule(
        "formula = { kind = \"bracket\", selector = \"fixed_asset_investment\", brackets = [ { range = \"[5000万, 1亿)\", amount = \"50万\" }, { range = \"(1亿, )\", amount = \"100万\" } ] }",
    );
    assert_eq!(
        error(&gap),
        "p.toml:10: rule `r1`: `brackets`: gap between `[5000万, 1亿)` and `(1亿, )` (D1: brackets must have no gap and no overlap)"
    );
}

#[test]
fn a_chosen_value_outside_its_range_is_refused() {
    let text = rule(
        "formula = { kind = \"per_unit\", terms = [ { quantity = \"energy_saved_tce\", unit_rate = { chosen = \"600\", range = [\"300\", \"500\"] } } ] }",
    );
    assert_eq!(
        error(&text),
        "p.toml:10: rule `r1`: chosen value 600 lies outside its range [300, 500] (D5)"
    );
}

#[test]
fn missing_clause_duplicate_rule_and_unknown_kind_are_refused() {
    let text = format!("{HEAD}[[rule]]\nid = \"r1\"\nclause = \"\"\nexcerpt = \"原文\"\nformula = {{ kind = \"fixed\", amount = \"1\" }}\n");
    assert_eq!(
        error(&text),
        "p.toml:7: rule `r1`: `clause` is empty; give the article and item, e.g. \"第13条\""
    );
    let one = "[[rule]]\nid = \"r1\"\nclause = \"第1条\"\nexcerpt = \"原文\"\nformula = { kind = \"fixed\", amount = \"1\" }\n";
    let text = format!("{HEAD}{one}{one}");
    assert_eq!(
        error(&text),
        "p.toml:12: rule `r1`: defined twice (first at line 7)"
    );
    let text = rule("formula = { kind = \"magic\" }");
    assert!(error(&text)
        .starts_with("p.toml:10: rule `r1`: unknown formula kind `magic`; kinds are rate, tiers"));
}

#[test]
fn boundary_words_outside_d1_need_an_explicit_operator() {
    let text = rule("when = [{ field = \"fixed_asset_investment\", word = \"左右\", value = \"1\" }]\nformula = { kind = \"fixed\", amount = \"1\" }");
    assert_eq!(
        error(&text),
        "p.toml:10: rule `r1`: boundary word `左右` is not in D1's table; give `op` explicitly (>=, >, <=, <)"
    );
}

#[test]
fn a_bad_payer_and_a_bad_split_are_refused() {
    let text = HEAD.replace("盟市", "乡镇");
    assert_eq!(
        error(&text),
        "p.toml:4: unknown payer `乡镇`; use 中央, 自治区, 盟市, 旗县区 or 其他"
    );
    let text = rule("formula = { kind = \"fixed\", amount = \"1\" }\nsplit = { \"乡镇\" = \"1\" }");
    assert_eq!(
        error(&text),
        "p.toml:11: rule `r1`: split: unknown payer `乡镇`; use 中央, 自治区, 盟市, 旗县区 or 其他"
    );
}

/// A refusal deep inside a formula points at the line of the node it is about, not at the line
/// where the formula starts (the loader used to report every nested error at the formula).
#[test]
fn a_nested_error_reports_its_own_line() {
    let text = rule(
        r#"[rule.formula]
kind = "cases"
[[rule.formula.cases]]
when = [{ field = "employees", word = "以上", value = "10" }]
formula = { kind = "fixed", amount = "10万" }
[[rule.formula.cases]]
formula = { kind = "least", of = [
  { kind = "fixed", amount = "1万" },
  { kind = "cases", cases = [
    { when = [{ field = "employees", op = "≈", value = "3" }], formula = { kind = "fixed", amount = "2万" } },
  ] },
] }"#,
    );
    assert_eq!(
        error(&text),
        "p.toml:19: rule `r1`: op is one of >=, >, <=, <, ==, !="
    );
    // The same node, well formed, loads: the line above is the op's, nothing else is wrong.
    assert!(load_policy_text(&text.replace('≈', ">="), Path::new("p.toml"), &vocab()).is_ok());
    let text = text.replace("amount = \"2万\"", "amount = \"2萬\"");
    assert_eq!(
        error(&text.replace('≈', ">=")),
        "p.toml:19: rule `r1`: `2萬` is not an amount; write digits with an optional 万 or 亿, e.g. \"1000万\""
    );
}

/// An unknown key inside a nested node — a bracket row, an expression inside a condition — is
/// refused at its own line, with the keys that node accepts.
#[test]
fn an_unknown_key_inside_a_nested_node_is_refused_with_its_line() {
    let text = rule(
        r#"[rule.formula]
kind = "bracket"
selector = "employees"
[[rule.formula.brackets]]
range = "[1, 10]"
amount = "1万"
[[rule.formula.brackets]]
range = "[11, )"
amout = "2万""#,
    );
    assert_eq!(
        error(&text),
        "p.toml:18: rule `r1`: unknown key `amout` here; expected one of: range, rate, amount, words"
    );
    let text = rule(
        "when = [\n  { field = \"employees\", word = \"以上\", value = \"1\" },\n  { field = { scale = \"employees\", by = \"10%\", of = \"x\" }, word = \"以上\", value = \"1\" },\n]\nformula = { kind = \"fixed\", amount = \"1\" }",
    );
    assert_eq!(
        error(&text),
        "p.toml:12: rule `r1`: unknown key `of` here; expected one of: scale, by"
    );
    let text = rule("formula = { kind = \"rate\", rate = \"2%\" }");
    assert_eq!(
        error(&text),
        "p.toml:10: rule `r1`: formula kind `rate` needs `base`"
    );
}

/// An unknown `kind` lists every valid kind, at the line of the `kind` it is about.
#[test]
fn an_unknown_kind_lists_the_valid_kinds() {
    let text = rule("formula = { kind = \"sum\", of = [\n  { kind = \"fixed\", amount = \"1\" },\n  { kind = \"pecentage\" },\n] }");
    assert_eq!(
        error(&text),
        "p.toml:12: rule `r1`: unknown formula kind `pecentage`; kinds are rate, tiers, slices, bracket, per_unit, fixed, by_title, matching, top_up, least, greatest, sum, cases, amount, interest, staged, pool_share, verdict, classify, date_add, table"
    );
    let text = rule("formula = { base = \"employees\", rate = \"2%\" }");
    assert!(
        error(&text)
            .starts_with("p.toml:10: rule `r1`: formula needs `kind`; kinds are rate, tiers,"),
        "{}",
        error(&text)
    );
}

/// The worked example in README.md is a policy that loads, so the documentation cannot rot.
#[test]
fn the_readme_example_policy_loads() {
    let readme = std::fs::read_to_string(crate::common::root().join("README.md")).unwrap();
    let start = readme.find("```toml\n").expect("README has a TOML example") + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let p = load_policy_text(
        &readme[start..end],
        Path::new("example-city-2025.toml"),
        &vocab(),
    )
    .unwrap();
    assert_eq!(p.rules.len(), 2);
}
