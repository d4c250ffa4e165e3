//! The field vocabulary (字段表): every key an application row, a policy or the ledger may
//! name, with its Chinese header, type and base unit. Loaded from `config/fields.json` (the
//! catalogue's vocabulary, kept verbatim) plus `config/aliases.toml` (other headers bureaus use).
//!
//! This module owns header matching (中文表头 / key / alias → field) and unit multipliers
//! (万元 → 元, 万吨 → 吨, D8).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::config::Config;

/// Index of a field in the vocabulary; rules and rows refer to fields by it.
pub type FieldId = u16;

/// How a field's values are read and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// 金额, in 元.
    Money,
    /// A quantity in the field's base unit (t, tce, 亩, m2 …).
    Quantity,
    /// A rate in percent points: `4.60` means 4.60%.
    Percent,
    Integer,
    Year,
    Date,
    Bool,
    Enum,
    Text,
}

impl FieldType {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "money_yuan" => Self::Money,
            "quantity" => Self::Quantity,
            "rate_percent" => Self::Percent,
            "integer" => Self::Integer,
            "year" => Self::Year,
            "date" => Self::Date,
            "bool" => Self::Bool,
            "enum" => Self::Enum,
            "text" | "list" | "object" => Self::Text,
            _ => return None,
        })
    }

    /// Whether values are decimals (and so can carry a unit).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Self::Money | Self::Quantity | Self::Percent | Self::Integer | Self::Year
        )
    }
}

/// One field of the vocabulary.
#[derive(Debug, Clone)]
pub struct Field {
    pub key: String,
    /// 中文表头, as on the application form.
    pub header_zh: String,
    pub ty: FieldType,
    /// Base unit (元, t, tce, 亩 …) when the field has one.
    pub unit: Option<String>,
    /// Allowed values of an enum field.
    pub values: Vec<String>,
    /// Where the value comes from: identity, form, history, external, batch.
    pub source: String,
    /// May be negative (a profit, a taxable income that is a loss). Every other amount,
    /// quantity, rate or count below zero is an exception (`"signed": true` in fields.json).
    pub signed: bool,
}

/// Errors reading the vocabulary.
#[derive(Debug, thiserror::Error)]
pub enum FieldsError {
    #[error("cannot read field vocabulary {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("field vocabulary {path} is not valid JSON: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("field vocabulary {path}: field `{key}` has unknown type `{ty}`")]
    UnknownType {
        path: PathBuf,
        key: String,
        ty: String,
    },
    #[error("field vocabulary {path}: key `{key}` appears twice")]
    DuplicateKey { path: PathBuf, key: String },
    #[error("aliases {path} line {line}: {message}")]
    Aliases {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("aliases {path}: alias `{alias}` names unknown field `{key}`")]
    AliasUnknownField {
        path: PathBuf,
        alias: String,
        key: String,
    },
    #[error("aliases {path}: header `{alias}` would match both `{first}` and `{second}`")]
    AmbiguousAlias {
        path: PathBuf,
        alias: String,
        first: String,
        second: String,
    },
}

#[derive(Deserialize)]
struct RawField {
    key: String,
    header_zh: String,
    #[serde(rename = "type")]
    ty: String,
    unit: Option<String>,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    signed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAliases {
    #[serde(default)]
    aliases: std::collections::BTreeMap<String, Vec<String>>,
}

/// The loaded vocabulary with its header index.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    fields: Vec<Field>,
    by_key: HashMap<String, FieldId>,
    /// Normalised header name (unit stripped) → field.
    by_header: HashMap<String, FieldId>,
}

/// A header cell matched to a field, with the unit multiplier its text states.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeaderMatch {
    pub field: FieldId,
    /// The exact conversion from the header's unit to the field's (万元 → ×10000, 月 → ÷12
    /// on a field in years).
    pub scale: Scale,
}

impl Vocabulary {
    /// Whether a field's values are whole numbers: an integer or a year, or a quantity counted
    /// in whole units (persons, head of livestock, vehicles, beds, households, items …).
    pub fn is_whole(&self, f: FieldId) -> bool {
        const COUNTED: [&str; 8] = [
            "person",
            "head",
            "vehicle",
            "bed",
            "household",
            "parcel",
            "item",
            "place",
        ];
        let field = self.get(f);
        match field.ty {
            FieldType::Integer | FieldType::Year => true,
            FieldType::Quantity => field.unit.as_deref().is_some_and(|u| COUNTED.contains(&u)),
            _ => false,
        }
    }

    /// Loads `fields.json` and, when present, `aliases.toml` from a config folder.
    pub fn load(config_dir: &Path) -> Result<Self, FieldsError> {
        Self::from_config(&Config::Folder(config_dir.to_path_buf()))
    }

    /// Loads `fields.json` and, when present, `aliases.toml` from a configuration.
    pub fn from_config(config: &Config) -> Result<Self, FieldsError> {
        let read = |name: &'static str| {
            move |source| FieldsError::Read {
                path: config.path_of(name),
                source,
            }
        };
        let fields = config
            .read_required("fields.json")
            .map_err(read("fields.json"))?;
        let mut vocab = Self::from_json(fields.text().map_err(read("fields.json"))?, &fields.path)?;
        if let Some(aliases) = config.read("aliases.toml").map_err(read("aliases.toml"))? {
            vocab.add_aliases(aliases.text().map_err(read("aliases.toml"))?, &aliases.path)?;
        }
        Ok(vocab)
    }

    /// Builds the vocabulary from the catalogue's JSON text.
    pub fn from_json(text: &str, path: &Path) -> Result<Self, FieldsError> {
        let raw: Vec<RawField> =
            serde_json::from_str(text).map_err(|source| FieldsError::Json {
                path: path.to_path_buf(),
                source,
            })?;
        let mut vocab = Vocabulary {
            fields: Vec::new(),
            by_key: HashMap::new(),
            by_header: HashMap::new(),
        };
        for f in raw {
            let ty = FieldType::parse(&f.ty).ok_or_else(|| FieldsError::UnknownType {
                path: path.to_path_buf(),
                key: f.key.clone(),
                ty: f.ty.clone(),
            })?;
            if vocab.by_key.contains_key(&f.key) {
                return Err(FieldsError::DuplicateKey {
                    path: path.to_path_buf(),
                    key: f.key,
                });
            }
            let id = vocab.fields.len() as FieldId;
            vocab.by_key.insert(f.key.clone(), id);
            let (name, _) = split_header_unit(&f.header_zh);
            vocab.by_header.entry(name).or_insert(id);
            vocab.fields.push(Field {
                key: f.key,
                header_zh: f.header_zh,
                ty,
                unit: f.unit,
                values: f.values,
                source: f.source,
                signed: f.signed,
            });
        }
        Ok(vocab)
    }

    fn add_aliases(&mut self, text: &str, path: &Path) -> Result<(), FieldsError> {
        let raw: RawAliases = toml::from_str(text).map_err(|e| FieldsError::Aliases {
            path: path.to_path_buf(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
            message: e.message().to_string(),
        })?;
        for (key, aliases) in raw.aliases {
            let id = *self
                .by_key
                .get(&key)
                .ok_or_else(|| FieldsError::AliasUnknownField {
                    path: path.to_path_buf(),
                    alias: aliases.first().cloned().unwrap_or_default(),
                    key: key.clone(),
                })?;
            for alias in aliases {
                let (name, _) = split_header_unit(&alias);
                if let Some(&other) = self.by_header.get(&name) {
                    if other != id {
                        return Err(FieldsError::AmbiguousAlias {
                            path: path.to_path_buf(),
                            alias,
                            first: self.fields[other as usize].key.clone(),
                            second: key.clone(),
                        });
                    }
                }
                self.by_header.insert(name, id);
            }
        }
        Ok(())
    }

    pub fn get(&self, id: FieldId) -> &Field {
        &self.fields[id as usize]
    }

    pub fn id(&self, key: &str) -> Option<FieldId> {
        self.by_key.get(key).copied()
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FieldId, &Field)> {
        self.fields
            .iter()
            .enumerate()
            .map(|(i, f)| (i as FieldId, f))
    }

    /// The field whose Chinese header is nearest to an unmatched header, for suggestions
    /// (至多差 3 个字).
    pub fn suggest_header(&self, header: &str) -> Option<&Field> {
        let (name, _) = split_header_unit(header);
        self.fields
            .iter()
            .map(|f| {
                (
                    strsim::levenshtein(&name, &split_header_unit(&f.header_zh).0),
                    f,
                )
            })
            .filter(|(d, _)| *d > 0 && *d <= 3.min(name.chars().count() / 2))
            .min_by_key(|(d, f)| (*d, f.key.clone()))
            .map(|(_, f)| f)
    }

    /// Matches a header cell to a field by Chinese header, key or alias. A unit in the header
    /// (`固定资产投资额（万元）`) sets the conversion; a unit that does not convert exactly to
    /// the field's is no match (see [`Vocabulary::find_header`] to tell the two apart).
    pub fn match_header(&self, header: &str) -> Option<HeaderMatch> {
        let (field, unit) = self.find_header(header)?;
        let scale = match unit {
            None => Scale::ONE,
            Some(u) => convert(self.get(field), &u).ok()?,
        };
        Some(HeaderMatch { field, scale })
    }

    /// The field a header names, whatever its unit, and the unit it states.
    pub fn find_header(&self, header: &str) -> Option<(FieldId, Option<String>)> {
        let (name, unit) = split_header_unit(header);
        let id = self
            .by_header
            .get(&name)
            .or_else(|| self.by_key.get(name.as_str()))
            .copied()?;
        Some((id, unit))
    }
}

/// 1-based line of a byte offset in a text.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Normalises a header and splits off a trailing unit in brackets or after a slash:
/// `" 固定资产投资额 （万元）"` → (`固定资产投资额`, Some(`万元`)). Blanks and line breaks
/// (Alt+Enter), `*` marks and notes for the person filling the form (`（必填）`, `（18位）`,
/// `（申报数）` …, see [`split_annotation`]) are not part of the name.
pub fn split_header_unit(header: &str) -> (String, Option<String>) {
    let (mut norm, _) = strip_annotations(header);
    if norm.ends_with(')') {
        if let Some(open) = norm.rfind('(') {
            let inner = norm[open + 1..norm.len() - 1].to_string();
            if is_unit_text(&inner) {
                norm.truncate(open);
                let (name, _) = strip_annotations(&norm);
                return (name, Some(inner));
            }
        }
    }
    if let Some(slash) = norm.rfind('/') {
        let inner = norm[slash + 1..].to_string();
        if is_unit_text(&inner) {
            norm.truncate(slash);
            return (norm, Some(inner));
        }
    }
    (norm, None)
}

/// Which figure a column holds when a form carries the same item twice (申报数 / 核定数).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Figure {
    /// Nothing says.
    #[default]
    Unmarked,
    /// 申报 / 申请: what the enterprise claimed.
    Claimed,
    /// 核定 / 审定 / 核准 / 审核: what the bureau approved; it wins over the claimed figure.
    Approved,
}

impl Figure {
    /// The figure a header or group header text names, if any (核定 before 申报: `申报核定数` is
    /// the approved one).
    pub fn of_text(text: &str) -> Figure {
        if ["核定", "审定", "核准", "审核", "认定"]
            .iter()
            .any(|w| text.contains(w))
        {
            Figure::Approved
        } else if ["申报", "申请"].iter().any(|w| text.contains(w)) {
            Figure::Claimed
        } else {
            Figure::Unmarked
        }
    }
}

/// A bracketed note in a header that is not part of its name: what the form asks of the person
/// filling it (`必填`, `选填`, `18位`, `如：2024-01-01` …) or which figure the column is
/// (`申报数`, `核定数`). Returns the figure the note names.
pub fn split_annotation(inner: &str) -> Option<Figure> {
    const NOTES: &[&str] = &[
        "必填",
        "选填",
        "非必填",
        "必填项",
        "选填项",
        "可选",
        "必选",
        "可不填",
        "如有",
        "若有",
        "单选",
        "多选",
        "下拉选择",
        "是/否",
        "是或否",
    ];
    const FIGURES: &[&str] = &[
        "申报数",
        "申报",
        "申请数",
        "申报值",
        "核定数",
        "核定",
        "核定值",
        "审定数",
        "审定",
        "核准数",
        "核准",
        "审核数",
    ];
    let digits = inner
        .strip_suffix('位')
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
    let prefixed = ["如", "例", "格式", "注", "填写", "请填", "请选择"]
        .iter()
        .any(|p| inner.starts_with(p));
    if NOTES.contains(&inner) || digits || prefixed {
        Some(Figure::Unmarked)
    } else if FIGURES.contains(&inner) {
        Some(Figure::of_text(inner))
    } else {
        several_notes(inner)
    }
}

/// Notes run together in one bracket (`必填，18位`, `核定数、必填`): a note only if every part
/// is; the figure any part names.
fn several_notes(inner: &str) -> Option<Figure> {
    let parts: Vec<&str> = inner.split([',', '，', '、', ';', '；']).collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let mut figure = Figure::Unmarked;
    for part in parts {
        match split_annotation(part)? {
            Figure::Unmarked => {}
            f => figure = f,
        }
    }
    Some(figure)
}

/// A header without blanks, line breaks, `*` marks and trailing notes (see
/// [`split_annotation`]), full-width brackets made ASCII; and the figure the notes name.
pub fn strip_annotations(header: &str) -> (String, Figure) {
    let mut norm: String = header
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | '\u{feff}' | '\u{200b}'))
        .map(|c| match c {
            '（' | '【' | '[' => '(',
            '）' | '】' | ']' => ')',
            '／' => '/',
            c => c,
        })
        .collect();
    let mut figure = Figure::Unmarked;
    while norm.ends_with(')') {
        let Some(open) = norm.rfind('(') else { break };
        match split_annotation(&norm[open + 1..norm.len() - 1]) {
            Some(f) => {
                if f != Figure::Unmarked {
                    figure = f;
                }
                norm.truncate(open);
            }
            None => break,
        }
    }
    (norm, figure)
}

pub use units::{convert, is_unit_text, split_cell_unit, Scale, UnitMismatch};

pub mod units;

#[cfg(test)]
#[path = "fields/tests.rs"]
mod tests;
