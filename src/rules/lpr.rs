//! The LPR series (贷款市场报价利率) with effective dates, from `config/lpr.toml` (D6).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::domain::config::Config;
use crate::domain::fields::line_of;
use crate::domain::money::parse_decimal;

/// One published fixing: rates in percent points.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixing {
    pub effective: NaiveDate,
    pub one_year: Decimal,
    pub five_year: Decimal,
}

/// The series, sorted by date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LprTable {
    pub fixings: Vec<Fixing>,
}

#[derive(Debug, thiserror::Error)]
pub enum LprError {
    #[error("cannot read LPR table {path}: {source}")]
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    lpr: Vec<toml::Spanned<RawFixing>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixing {
    effective: String,
    one_year: String,
    five_year: String,
}

impl LprTable {
    /// Loads `lpr.toml`; a missing file gives an empty table (interest rules then report it).
    pub fn load(config_dir: &Path) -> Result<Self, LprError> {
        Self::from_config(&Config::Folder(config_dir.to_path_buf()))
    }

    /// Loads `lpr.toml` from a configuration; none gives an empty table.
    pub fn from_config(config: &Config) -> Result<Self, LprError> {
        let read = |source| LprError::Read {
            path: config.path_of("lpr.toml"),
            source,
        };
        match config.read("lpr.toml").map_err(read)? {
            None => Ok(LprTable::default()),
            Some(file) => Self::parse(file.text().map_err(read)?, &file.path),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, LprError> {
        let invalid = |offset: usize, message: String| LprError::Invalid {
            path: path.to_path_buf(),
            line: line_of(text, offset),
            message,
        };
        let raw: RawTable = toml::from_str(text).map_err(|e| {
            invalid(
                e.span().map(|s| s.start).unwrap_or(0),
                e.message().trim_end().to_string(),
            )
        })?;
        let mut fixings = Vec::new();
        for f in raw.lpr {
            let off = f.span().start;
            let f = f.into_inner();
            let effective = NaiveDate::parse_from_str(&f.effective, "%Y-%m-%d")
                .map_err(|_| invalid(off, format!("date `{}` must be YYYY-MM-DD", f.effective)))?;
            let rate = |s: &str| {
                parse_decimal(s).ok_or_else(|| {
                    invalid(
                        off,
                        format!("rate `{s}` is not a percent number such as \"3.45\""),
                    )
                })
            };
            let fixing = Fixing {
                effective,
                one_year: rate(&f.one_year)?,
                five_year: rate(&f.five_year)?,
            };
            if fixings
                .last()
                .is_some_and(|p: &Fixing| p.effective >= effective)
            {
                return Err(invalid(
                    off,
                    format!(
                        "{} is not after the previous entry; keep the table in date order",
                        f.effective
                    ),
                ));
            }
            fixings.push(fixing);
        }
        Ok(LprTable { fixings })
    }

    /// The fixing in force on a date, if the table reaches back that far.
    pub fn on(&self, date: NaiveDate) -> Option<&Fixing> {
        let i = self.fixings.partition_point(|f| f.effective <= date);
        i.checked_sub(1).map(|i| &self.fixings[i])
    }
}

#[cfg(test)]
#[path = "lpr/tests.rs"]
mod tests;
