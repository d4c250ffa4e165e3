//! Catalogue coverage (覆盖情况): every catalogue rule id, whether a policy file encodes it,
//! how many of its worked examples the tests run, for each one not encoded why, and the clause
//! parts an encoded rule sets aside. Kept in `config/coverage.toml`; a test recomputes it from
//! the catalogue's cases (`tests/cases`) so it cannot go stale.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::config::Config;
use crate::domain::fields::line_of;

/// One catalogue rule's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    /// The catalogue's `computable`: yes / partial / no.
    pub computable: String,
    /// Worked examples of the rule that the test suite runs through the engine.
    pub examples_tested: u32,
    /// Examples not run (their context needs data the engine does not take).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub examples_not_run: u32,
    /// Why the rule is not encoded; empty when it is.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Parts of the clause deliberately not encoded (各项不予编码的条款内容), each with the
    /// catalogue amounts and rates it carries and why it cannot be a line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<SetAside>,
}

/// A clause part set aside (暂不编码部分): which part, in the clause's words; the catalogue
/// parameter amounts and rates it carries, in policy-file notation (`"50万"`, `"3%"`); and the
/// reason. The parameter check accepts a catalogue value found in `values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetAside {
    pub part: String,
    #[serde(default)]
    pub values: Vec<String>,
    pub reason: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    #[serde(default)]
    pub rule: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    #[error("cannot read coverage {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl Coverage {
    pub fn load(config_dir: &Path) -> Result<Coverage, CoverageError> {
        Self::from_config(&Config::Folder(config_dir.to_path_buf()))
    }

    /// Loads `coverage.toml` from a configuration.
    pub fn from_config(config: &Config) -> Result<Coverage, CoverageError> {
        let read = |source| CoverageError::Read {
            path: config.path_of("coverage.toml"),
            source,
        };
        let file = config.read_required("coverage.toml").map_err(read)?;
        let (path, text) = (file.path.clone(), file.text().map_err(read)?);
        toml::from_str(text).map_err(|e| CoverageError::Invalid {
            path,
            line: e.span().map_or(0, |s| line_of(text, s.start)),
            message: e.message().trim_end().to_string(),
        })
    }

    /// The file's text, with a header saying what it is.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!(
            "# Coverage of the catalogue (shared/catalogue/rules.json) by the policy files in this folder.\n\
             # One entry per catalogue id: its computability, the worked examples the tests run for it,\n\
             # for a rule no policy encodes the reason, and [[rule.set_aside]] the clause parts an encoded\n\
             # rule deliberately leaves out (part, values, reason). Kept true by the test\n\
             # `catalogue::coverage_file_is_true`; refresh counts with SUBSIDY_WRITE_COVERAGE=1 cargo test --release coverage.\n\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set-aside written by `to_toml` reads back whole (SUBSIDY_WRITE_COVERAGE=1 keeps it).
    #[test]
    fn set_asides_survive_a_rewrite() {
        let aside = SetAside {
            part: "首次认定的一次性奖励".into(),
            values: vec!["50万".into(), "3%".into()],
            reason: "no tariff".into(),
        };
        let entry = Entry {
            id: "x-1".into(),
            computable: "partial".into(),
            examples_tested: 3,
            examples_not_run: 0,
            reason: String::new(),
            set_aside: vec![aside],
        };
        let coverage = Coverage {
            rule: vec![
                entry.clone(),
                Entry {
                    id: "x-2".into(),
                    set_aside: Vec::new(),
                    ..entry
                },
            ],
        };
        let text = coverage.to_toml();
        assert!(
            text.contains(
                "[[rule.set_aside]]\npart = \"首次认定的一次性奖励\"\nvalues = [\"50万\", \"3%\"]"
            ),
            "{text}"
        );
        let back: Coverage = toml::from_str(&text).unwrap();
        assert_eq!(back.rule, coverage.rule);
    }
}
