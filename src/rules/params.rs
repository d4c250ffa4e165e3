//! Reference parameters (外部参数) that policies name but do not fix: statutory tax rates,
//! negative lists, published ratios. Kept in `config/params.toml` with their source, so a
//! bureau updates a number without touching a policy.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::domain::config::Config;
use crate::domain::fields::line_of;
use crate::domain::money::parse_decimal;

/// A parameter's value: a number or a list of names.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Num(Decimal),
    List(Vec<String>),
}

/// The parameter table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    pub values: BTreeMap<String, ParamValue>,
    /// What each parameter means and where its value comes from, for the ledger.
    pub notes: BTreeMap<String, (String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    #[error("cannot read parameters {path}: {source}")]
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
    #[serde(default)]
    param: Vec<toml::Spanned<RawParam>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    name: String,
    value: toml::Value,
    #[serde(default)]
    meaning: String,
    #[serde(default)]
    source: String,
}

/// `params.toml`, `params-energy.toml` …: reference parameter files, not policies.
pub fn is_params_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with("params") && name.ends_with(".toml")
}

impl Params {
    /// Loads every `params*.toml` of the config folder (in name order); none is an empty table.
    /// A name defined in two files is refused.
    pub fn load(config_dir: &Path) -> Result<Params, ParamsError> {
        Self::from_config(&Config::Folder(config_dir.to_path_buf()))
    }

    /// [`Params::load`] from a configuration.
    pub fn from_config(config: &Config) -> Result<Params, ParamsError> {
        let names = config.names().map_err(|source| ParamsError::Read {
            path: config.path_of(""),
            source,
        })?;
        let mut all = Params::default();
        for name in names.iter().filter(|n| is_params_file(Path::new(n))) {
            let read = |source| ParamsError::Read {
                path: config.path_of(name),
                source,
            };
            let file = config.read_required(name).map_err(read)?;
            let path = file.path.clone();
            let more = Self::parse(file.text().map_err(read)?, &path)?;
            for (name, value) in more.values {
                if all.values.insert(name.clone(), value).is_some() {
                    return Err(ParamsError::Invalid {
                        path: path.clone(),
                        line: 0,
                        message: format!(
                            "parameter `{name}` is also defined in another params file"
                        ),
                    });
                }
            }
            all.notes.extend(more.notes);
        }
        Ok(all)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Params, ParamsError> {
        let invalid = |off: usize, message: String| ParamsError::Invalid {
            path: path.to_path_buf(),
            line: line_of(text, off),
            message,
        };
        let raw: RawTable = toml::from_str(text).map_err(|e| {
            invalid(
                e.span().map_or(0, |s| s.start),
                e.message().trim_end().to_string(),
            )
        })?;
        let mut values = BTreeMap::new();
        let mut notes = BTreeMap::new();
        for p in raw.param {
            let off = p.span().start;
            let p = p.into_inner();
            let value = Self::value(&p.value).ok_or_else(|| {
                invalid(off, format!("parameter `{}`: value must be a number written as a string (\"25\") or a list of strings", p.name))
            })?;
            if values.insert(p.name.clone(), value).is_some() {
                return Err(invalid(
                    off,
                    format!("parameter `{}` is defined twice", p.name),
                ));
            }
            notes.insert(p.name, (p.meaning, p.source));
        }
        Ok(Params { values, notes })
    }

    /// Reads a value as the table and the test examples write it.
    pub fn value(v: &toml::Value) -> Option<ParamValue> {
        match v {
            toml::Value::String(s) => parse_decimal(s).map(ParamValue::Num),
            toml::Value::Integer(i) => Some(ParamValue::Num(Decimal::from(*i))),
            toml::Value::Array(items) => items
                .iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .map(ParamValue::List),
            _ => None,
        }
    }

    pub fn num(&self, name: &str) -> Option<Decimal> {
        match self.values.get(name) {
            Some(ParamValue::Num(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn list(&self, name: &str) -> Option<&[String]> {
        match self.values.get(name) {
            Some(ParamValue::List(l)) => Some(l),
            _ => None,
        }
    }
}
