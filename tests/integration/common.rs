//! Shared helpers for the integration tests.

use std::path::{Path, PathBuf};

use subsidy::fields::Vocabulary;
use subsidy::rules::lpr::LprTable;
use subsidy::rules::{load_policies, PolicySet};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn config() -> PathBuf {
    root().join("config")
}

/// `../shared`, read-only; tests may read it, the product never does.
pub fn shared() -> PathBuf {
    root().join("..").join("shared")
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
