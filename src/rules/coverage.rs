//! Catalogue coverage (覆盖情况): every catalogue rule id, whether a policy file encodes it,
//! how many of its worked examples the tests run, and for each one not encoded, why. Kept in
//! `config/coverage.toml`; a test recomputes it from the catalogue so it cannot go stale.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::fields::line_of;

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
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Invalid { path: PathBuf, line: usize, message: String },
}

impl Coverage {
    pub fn load(config_dir: &Path) -> Result<Coverage, CoverageError> {
        Self::from_config(&Config::Folder(config_dir.to_path_buf()))
    }

    /// Loads `coverage.toml` from a configuration.
    pub fn from_config(config: &Config) -> Result<Coverage, CoverageError> {
        let read = |source| CoverageError::Read { path: config.path_of("coverage.toml"), source };
        let file = config.read_required("coverage.toml").map_err(read)?;
        let (path, text) = (file.path.clone(), file.text().map_err(read)?);
        toml::from_str(text).map_err(|e| CoverageError::Invalid {
            path,
            line: e.span().map_or(0, |s| line_of(&text, s.start)),
            message: e.message().trim_end().to_string(),
        })
    }

    /// The file's text, with a header saying what it is.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!(
            "# Coverage of the catalogue (shared/catalogue/rules.json) by the policy files in this folder.\n\
             # One entry per catalogue id: its computability, the worked examples the tests run for it,\n\
             # and for a rule no policy encodes, the reason. Kept true by the test\n\
             # `catalogue::coverage_file_is_true`; refresh counts with SUBSIDY_WRITE_COVERAGE=1 cargo test --release coverage.\n\n{body}"
        )
    }
}
