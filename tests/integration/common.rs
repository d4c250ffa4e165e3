//! Shared helpers for the integration tests.

use std::path::{Path, PathBuf};

use subsidy::domain::fields::Vocabulary;
use subsidy::rules::lpr::LprTable;
use subsidy::rules::{load_policies, PolicySet};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn config() -> PathBuf {
    root().join("config")
}

/// The catalogue's rules as the repository keeps them (`tests/cases/*.toml`, written once by
/// `tools/catalogue_to_cases.py`): a JSON array in catalogue order (each rule's `seq`), every
/// rule with `id`, `computable`, `parameters` and `examples`, as the catalogue names them.
pub fn cases() -> serde_json::Value {
    let dir = root().join("tests").join("cases");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut rules: Vec<(u64, serde_json::Value)> = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for rule in file
            .get("rule")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut rule =
                serde_json::to_value(rule).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let seq = rule["seq"]
                .as_u64()
                .unwrap_or_else(|| panic!("{}: a rule without seq", path.display()));
            let examples = rule
                .as_object_mut()
                .and_then(|r| r.remove("example"))
                .unwrap_or_else(|| serde_json::json!([]));
            rule["examples"] = examples;
            rules.push((seq, rule));
        }
    }
    rules.sort_by_key(|(seq, _)| *seq);
    assert!(
        rules.windows(2).all(|w| w[0].0 < w[1].0),
        "tests/cases: two rules with the same seq"
    );
    serde_json::Value::Array(rules.into_iter().map(|(_, r)| r).collect())
}

pub fn vocab() -> Vocabulary {
    Vocabulary::load(&config()).expect("config/fields.json loads")
}

pub fn policies(vocab: &Vocabulary) -> PolicySet {
    load_policies(&[config()], vocab).expect("shipped policies load")
}

pub fn lpr() -> LprTable {
    LprTable::load(&config()).expect("config/lpr.toml loads")
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The batch pass over `pending`, each settled line beside its application id, in id order:
/// what the property tests compare across row orders.
pub fn settle_by_id(
    ids: impl Iterator<Item = String>,
    pending: Vec<subsidy::engine::batch::Pending<'_>>,
) -> Vec<(String, subsidy::engine::batch::Line)> {
    let mut out: Vec<_> = ids.zip(subsidy::engine::batch::settle(pending)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
