//! Loading policy files in two phases: TOML → raw serde structs (unknown keys refused, spans
//! kept) → a checked [`Policy`]. Every refusal names the file, the line and the rule.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use toml::{Spanned, Value};

use super::text::{
    check_brackets, date_op_of_word, op_of_word, parse_amount, parse_interval, parse_rate,
    parse_ratio,
};
use super::*;
use crate::domain::config::Config;
use crate::domain::fields::{line_of, FieldType, Vocabulary};

mod dates;

/// Errors loading policy files.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read policy {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no policy files (*.toml) in {path}")]
    NoPolicies { path: PathBuf },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}:{line}: rule `{rule}`: {message}")]
    Rule {
        path: PathBuf,
        line: usize,
        rule: String,
        message: String,
    },
    #[error("{path}:{line}: rule `{rule}` is already defined in {first}")]
    DuplicateRule {
        path: PathBuf,
        line: usize,
        rule: String,
        first: PathBuf,
    },
}

/// A string or integer amount; TOML floats are refused because they are binary.
#[derive(Debug, Clone)]
struct AmountText(String);

impl<'de> Deserialize<'de> for AmountText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(AmountText(s)),
            Value::Integer(i) => Ok(AmountText(i.to_string())),
            Value::Float(f) => Err(serde::de::Error::custom(format!(
                "amount {f} is a TOML float, which is inexact; write it as a string: \"{f}\""
            ))),
            other => Err(serde::de::Error::custom(format!(
                "expected an amount as a string such as \"1000万\", found {}",
                other.type_str()
            ))),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc {
    policy: RawPolicy,
    #[serde(default)]
    budget: Vec<RawBudget>,
    #[serde(default)]
    rule: Vec<RawRule>,
    /// Cap groups declared once, shared by rules of any policy (see [`super::groups`]).
    #[serde(default)]
    cap_group: Vec<Spanned<super::groups::RawCapGroup>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBudget {
    id: Spanned<String>,
    amount: AmountText,
    method: String,
    words: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: String,
    title: String,
    #[serde(default)]
    issuer: String,
    payer: Spanned<String>,
    valid_from: Option<Spanned<String>>,
    valid_to: Option<Spanned<String>>,
    #[serde(default)]
    flags: Vec<String>,
    /// `required` (default) or `assumed`: what a flag means when its column is absent.
    #[serde(default)]
    review: Review,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    clause: String,
    excerpt: String,
    #[serde(default)]
    outcome: Option<Spanned<Value>>,
    flags: Option<Vec<String>>,
    #[serde(default)]
    when: Vec<Spanned<Value>>,
    formula: Spanned<Value>,
    /// Each cap with its span, so an error points at the cap's own line.
    #[serde(default)]
    caps: Vec<Spanned<RawCap>>,
    floor: Option<AmountText>,
    split: Option<Spanned<toml::Table>>,
    #[serde(default)]
    readings: Vec<String>,
    #[serde(default)]
    same_as: Vec<String>,
    max_years: Option<u32>,
    #[serde(default)]
    differential: bool,
    exclusive: Option<String>,
    budget: Option<Spanned<String>>,
    /// 限项 over this rule's lines.
    limit: Option<Spanned<super::groups::RawLimit>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCap {
    /// An amount (`"50万"`), a numeric field key, or an expression table; absent when the
    /// cap names a declared `[[cap_group]]` by `group` alone.
    amount: Option<Value>,
    #[serde(default = "default_scope")]
    scope: String,
    group: Option<String>,
    words: Option<String>,
}

fn default_scope() -> String {
    "application".into()
}

/// Every loaded policy, with an index from rule id to its place.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    pub policies: Vec<Policy>,
    index: HashMap<String, (usize, usize)>,
}

impl PolicySet {
    pub fn rule(&self, id: &str) -> Option<(&Policy, &Rule)> {
        self.index
            .get(id)
            .map(|&(p, r)| (&self.policies[p], &self.policies[p].rules[r]))
    }

    pub fn rules(&self) -> impl Iterator<Item = (&Policy, &Rule)> {
        self.policies
            .iter()
            .flat_map(|p| p.rules.iter().map(move |r| (p, r)))
    }

    /// Rules configured (a rule standing for several catalogue ids counts once).
    pub fn rule_count(&self) -> usize {
        self.policies.iter().map(|p| p.rules.len()).sum()
    }

    /// Every rule id answered, own ids and `same_as` ids.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(String::as_str)
    }

    /// Where a rule answering `id` sits: (policy, rule) indices.
    pub(super) fn place(&self, id: &str) -> Option<(usize, usize)> {
        self.index.get(id).copied()
    }

    fn add(&mut self, policy: Policy) -> Result<(), PolicyError> {
        let pi = self.policies.len();
        for (ri, rule) in policy.rules.iter().enumerate() {
            // A rule answers to its own id and to the ids of the same clause elsewhere (D9).
            for id in std::iter::once(&rule.id).chain(&rule.same_as) {
                if let Some(&(fp, _)) = self.index.get(id) {
                    return Err(PolicyError::DuplicateRule {
                        path: policy.path.clone(),
                        line: rule.line,
                        rule: id.clone(),
                        first: self
                            .policies
                            .get(fp)
                            .map(|p| p.path.clone())
                            .unwrap_or_else(|| policy.path.clone()),
                    });
                }
                self.index.insert(id.clone(), (pi, ri));
            }
        }
        self.policies.push(policy);
        Ok(())
    }
}

/// Config files that are reference data, not policies: the vocabulary's aliases, the LPR
/// series, parameter tables and the catalogue coverage.
pub fn is_reference_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    matches!(name, "aliases.toml" | "lpr.toml" | "coverage.toml")
        || super::params::is_params_file(p)
}

/// Loads every `*.toml` policy from the given files or folders (folders are read in name
/// order; `aliases.toml` is the vocabulary's, not a policy).
pub fn load_policies(paths: &[PathBuf], vocab: &Vocabulary) -> Result<PolicySet, PolicyError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| PolicyError::Read {
                path: path.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .filter(|p| !is_reference_file(p))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(PolicyError::NoPolicies { path: path.clone() });
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut set = PolicySet::default();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|source| PolicyError::Read {
            path: file.clone(),
            source,
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let policy = parse_policy_text(&text, &file, vocab)?;
        set.add(policy)?;
    }
    super::groups::resolve(&mut set)?;
    Ok(set)
}

/// Loads the policies a configuration ships: a folder's as [`load_policies`] reads them; the
/// built-in ones from the files carried in the binary, in the same name order, so they load
/// with the same paths and digests as the project's `config/` folder.
pub fn load_config_policies(config: &Config, vocab: &Vocabulary) -> Result<PolicySet, PolicyError> {
    let Config::Folder(dir) = config else {
        let mut set = PolicySet::default();
        let names = config.names().map_err(|source| PolicyError::Read {
            path: config.path_of(""),
            source,
        })?;
        for name in names
            .iter()
            .filter(|n| n.ends_with(".toml") && !is_reference_file(Path::new(n)))
        {
            let file = config
                .read_required(name)
                .map_err(|source| PolicyError::Read {
                    path: config.path_of(name),
                    source,
                })?;
            set.add(parse_policy_text(
                &String::from_utf8_lossy(&file.bytes),
                &file.path,
                vocab,
            )?)?;
        }
        super::groups::resolve(&mut set)?;
        return Ok(set);
    };
    load_policies(&[dir.clone()], vocab)
}

/// Loads one policy from its text; `path` is used in messages and the manifest. The cap
/// groups its rules name must be declared in the same text (a set of files resolves them
/// across files: [`load_policies`]).
pub fn load_policy_text(
    text: &str,
    path: &Path,
    vocab: &Vocabulary,
) -> Result<Policy, PolicyError> {
    let mut set = PolicySet::default();
    set.add(parse_policy_text(text, path, vocab)?)?;
    super::groups::resolve(&mut set)?;
    set.policies.pop().ok_or_else(|| PolicyError::NoPolicies {
        path: path.to_path_buf(),
    })
}

/// One policy from its text, the cap groups its rules name not yet resolved.
fn parse_policy_text(text: &str, path: &Path, vocab: &Vocabulary) -> Result<Policy, PolicyError> {
    let raw: RawDoc = toml::from_str(text).map_err(|e| PolicyError::Syntax {
        path: path.to_path_buf(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
        message: e.message().trim_end().to_string(),
    })?;
    let cx = Cx { text, path, vocab };
    let payer = Payer::parse(raw.policy.payer.get_ref()).ok_or_else(|| {
        cx.syntax(
            raw.policy.payer.span().start,
            format!(
                "unknown payer `{}`; use 中央, 自治区, 盟市, 旗县区 or 其他",
                raw.policy.payer.get_ref()
            ),
        )
    })?;
    let date = |d: &Option<Spanned<String>>| -> Result<Option<NaiveDate>, PolicyError> {
        match d {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s.get_ref(), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    cx.syntax(
                        s.span().start,
                        format!("date `{}` must be written YYYY-MM-DD", s.get_ref()),
                    )
                }),
        }
    };
    let valid_from = date(&raw.policy.valid_from)?;
    let valid_to = date(&raw.policy.valid_to)?;
    let mut flags = Vec::new();
    for f in &raw.policy.flags {
        flags.push(
            vocab
                .id(f)
                .ok_or_else(|| cx.syntax(0, format!("[policy] flags: unknown field `{f}`")))?,
        );
    }
    let mut budgets = Vec::new();
    for b in &raw.budget {
        let off = b.id.span().start;
        let amount = parse_amount(&b.amount.0).ok_or_else(|| {
            cx.syntax(
                off,
                format!(
                    "budget `{}`: `{}` is not an amount",
                    b.id.get_ref(),
                    b.amount.0
                ),
            )
        })?;
        let method = match b.method.as_str() {
            "pro_rata" => Allocation::ProRata,
            "equal" => Allocation::Equal,
            other => return Err(cx.syntax(off, format!("budget `{}`: method `{other}` is neither `pro_rata` (按比例核减) nor `equal` (平均分配)", b.id.get_ref()))),
        };
        if budgets.iter().any(|x: &Budget| &x.id == b.id.get_ref()) {
            return Err(cx.syntax(off, format!("budget `{}` is defined twice", b.id.get_ref())));
        }
        budgets.push(Budget {
            id: b.id.get_ref().clone(),
            amount,
            method,
            words: b.words.clone(),
        });
    }
    for r in &raw.rule {
        if let Some(b) = &r.budget {
            if !budgets.iter().any(|x| &x.id == b.get_ref()) {
                return Err(PolicyError::Rule {
                    path: path.to_path_buf(),
                    line: line_of(text, b.span().start),
                    rule: r.id.get_ref().clone(),
                    message: format!(
                        "budget `{}` is not defined in this file's [[budget]] tables",
                        b.get_ref()
                    ),
                });
            }
        }
    }
    let cap_groups = raw
        .cap_group
        .iter()
        .map(|g| cx.cap_group(g))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rules = Vec::with_capacity(raw.rule.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in raw.rule {
        let line = line_of(text, r.id.span().start);
        if let Some(first) = seen.insert(r.id.get_ref().clone(), line) {
            return Err(PolicyError::Rule {
                path: path.to_path_buf(),
                line,
                rule: r.id.get_ref().clone(),
                message: format!("defined twice (first at line {first})"),
            });
        }
        rules.push(cx.rule(r, &flags)?);
    }
    Ok(Policy {
        id: raw.policy.id,
        title: raw.policy.title,
        issuer: raw.policy.issuer,
        payer,
        valid_from,
        valid_to,
        path: path.to_path_buf(),
        digest: crate::domain::digest::sha256_hex(text.as_bytes()),
        rules,
        budgets,
        review: raw.policy.review,
        cap_groups,
    })
}

/// Loader context: the text for line numbers, the path and the vocabulary.
struct Cx<'a> {
    text: &'a str,
    path: &'a Path,
    vocab: &'a Vocabulary,
}

/// A rule-level error before the rule id is attached.
struct At {
    offset: usize,
    message: String,
}

fn at(offset: usize, message: impl Into<String>) -> At {
    At {
        offset,
        message: message.into(),
    }
}

type R<T> = Result<T, At>;

impl Cx<'_> {
    fn syntax(&self, offset: usize, message: String) -> PolicyError {
        PolicyError::Syntax {
            path: self.path.to_path_buf(),
            line: line_of(self.text, offset),
            message,
        }
    }

    fn rule(&self, r: RawRule, policy_flags: &[FieldId]) -> Result<Rule, PolicyError> {
        let id = r.id.get_ref().clone();
        let start = r.id.span().start;
        let wrap = |e: At| PolicyError::Rule {
            path: self.path.to_path_buf(),
            line: line_of(self.text, if e.offset == 0 { start } else { e.offset }),
            rule: id.clone(),
            message: e.message,
        };
        let built = (|| -> R<Rule> {
            if r.clause.trim().is_empty() {
                return Err(at(
                    start,
                    "`clause` is empty; give the article and item, e.g. \"第13条\"",
                ));
            }
            if r.excerpt.trim().is_empty() {
                return Err(at(start, "`excerpt` is empty; quote the clause verbatim"));
            }
            let outcome = self.outcome(r.outcome.as_ref())?;
            let flags = match &r.flags {
                None => policy_flags.to_vec(),
                Some(list) => list
                    .iter()
                    .map(|f| self.field_id(f, start))
                    .collect::<R<Vec<_>>>()?,
            };
            let when = r
                .when
                .iter()
                .map(|c| self.condition(c.get_ref(), c.span().start))
                .collect::<R<Vec<_>>>()?;
            let formula = self.formula(r.formula.get_ref(), r.formula.span().start)?;
            if matches!(formula, Formula::Verdict { .. })
                != matches!(outcome, Outcome::Verdict { .. })
            {
                return Err(at(
                    r.formula.span().start,
                    "a `verdict` formula goes with outcome = { verdict = \"…\" } and only with it",
                ));
            }
            if matches!(formula, Formula::Classify(_) | Formula::DateAdd { .. })
                != matches!(outcome, Outcome::Text { .. })
            {
                return Err(at(r.formula.span().start, "`classify` and `date_add` formulas go with outcome = { category = \"…\" } or { date = \"…\" }, and only with them"));
            }
            let (named, own): (Vec<_>, Vec<_>) =
                r.caps.iter().partition(|c| c.get_ref().amount.is_none());
            let caps = own
                .iter()
                .map(|c| self.cap(c.get_ref(), c.span().start, &id))
                .collect::<R<Vec<_>>>()?;
            let group_refs = named
                .iter()
                .map(|c| self.group_ref(c.get_ref(), c.span().start))
                .collect::<R<Vec<_>>>()?;
            let limits = r
                .limit
                .as_ref()
                .map(|l| {
                    l.get_ref()
                        .build(&id, None)
                        .map_err(|e| at(l.span().start, e))
                })
                .transpose()?
                .into_iter()
                .collect();
            let floor = r
                .floor
                .as_ref()
                .map(|a| self.amount(&a.0, start))
                .transpose()?;
            let split = r
                .split
                .as_ref()
                .map(|s| self.split(s.get_ref(), s.span().start))
                .transpose()?;
            Ok(Rule {
                id: id.clone(),
                clause: r.clause.clone(),
                excerpt: r.excerpt.clone(),
                outcome,
                flags,
                when,
                formula,
                caps,
                floor,
                split,
                readings: r.readings.clone(),
                line: line_of(self.text, start),
                same_as: r.same_as.clone(),
                max_years: r.max_years,
                differential: r.differential,
                exclusive: r.exclusive.clone(),
                budget: r.budget.as_ref().map(|b| b.get_ref().clone()),
                limits,
                group_refs,
            })
        })();
        built.map_err(wrap)
    }

    fn outcome(&self, v: Option<&Spanned<Value>>) -> R<Outcome> {
        let Some(v) = v else {
            return Ok(Outcome::Payout);
        };
        let off = v.span().start;
        match v.get_ref() {
            Value::String(s) if s == "payout" => Ok(Outcome::Payout),
            Value::Table(t) => {
                let unit = t.get("unit").and_then(Value::as_str).unwrap_or("元").to_string();
                if let Some(label) = t.get("measure").and_then(Value::as_str) {
                    self.only_keys(t, &["measure", "unit", "refused"], off)?;
                    let refused = t.get("refused").and_then(Value::as_str).map(str::to_string);
                    return Ok(Outcome::Measure { label: label.into(), unit, refused });
                }
                if let Some(label) = t.get("verdict").and_then(Value::as_str) {
                    self.only_keys(t, &["verdict", "yes", "no"], off)?;
                    let word = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
                    return Ok(Outcome::Verdict { label: label.into(), yes: word("yes"), no: word("no") });
                }
                for key in ["category", "date"] {
                    if let Some(label) = t.get(key).and_then(Value::as_str) {
                        self.only_keys(t, &[key], off)?;
                        return Ok(Outcome::Text { label: label.into() });
                    }
                }
                Err(at(off, "outcome must be \"payout\", { measure = \"减免税额测算\", unit = \"元\" }, { verdict = \"…\" }, { category = \"…\" } or { date = \"…\" }"))
            }
            _ => Err(at(off, "outcome must be \"payout\", { measure = \"减免税额测算\", unit = \"元\" } or { verdict = \"…\" }")),
        }
    }

    fn only_keys(&self, t: &toml::Table, allowed: &[&str], off: usize) -> R<()> {
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                return Err(at(
                    off,
                    format!(
                        "unknown key `{k}` here; expected one of: {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn field_id(&self, key: &str, off: usize) -> R<FieldId> {
        self.vocab.id(key).ok_or_else(|| {
            let hint = self
                .suggest(key)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            at(
                off,
                format!("unknown field `{key}`{hint}; fields are the keys of config/fields.json"),
            )
        })
    }

    /// The closest field key by edit distance, for messages.
    fn suggest(&self, key: &str) -> Option<String> {
        self.vocab
            .iter()
            .map(|(_, f)| (strsim::levenshtein(key, &f.key), &f.key))
            .filter(|(d, _)| *d <= 3)
            .min()
            .map(|(_, k)| k.clone())
    }

    fn amount(&self, text: &str, off: usize) -> R<Decimal> {
        parse_amount(text).ok_or_else(|| at(off, format!("`{text}` is not an amount; write digits with an optional 万 or 亿, e.g. \"1000万\"")))
    }

    fn rate(&self, text: &str, off: usize) -> R<Decimal> {
        parse_rate(text).ok_or_else(|| {
            at(
                off,
                format!("`{text}` is not a rate; write it with a percent sign, e.g. \"2.5%\""),
            )
        })
    }

    fn str_of<'v>(&self, v: &'v Value, what: &str, off: usize) -> R<&'v str> {
        match v {
            Value::String(s) => Ok(s),
            Value::Integer(_) => Err(at(
                off,
                format!("{what}: write numbers as strings, e.g. \"{v}\""),
            )),
            Value::Float(f) => Err(at(
                off,
                format!(
                    "{what}: {f} is a TOML float, which is inexact; write it as a string: \"{f}\""
                ),
            )),
            other => Err(at(
                off,
                format!("{what}: expected a string, found {}", other.type_str()),
            )),
        }
    }

    fn table<'v>(&self, v: &'v Value, what: &str, off: usize) -> R<&'v toml::Table> {
        v.as_table()
            .ok_or_else(|| at(off, format!("{what} must be a table")))
    }

    fn req<'v>(&self, t: &'v toml::Table, key: &str, what: &str, off: usize) -> R<&'v Value> {
        t.get(key)
            .ok_or_else(|| at(off, format!("{what} needs `{key}`")))
    }

    fn array<'v>(&self, v: &'v Value, what: &str, off: usize) -> R<&'v Vec<Value>> {
        v.as_array()
            .ok_or_else(|| at(off, format!("{what} must be an array")))
    }

    fn strings(&self, v: &Value, what: &str, off: usize) -> R<Vec<String>> {
        self.array(v, what, off)?
            .iter()
            .map(|x| self.str_of(x, what, off).map(str::to_string))
            .collect()
    }

    fn date_field(&self, key: &str, off: usize) -> R<FieldId> {
        let id = self.field_id(key, off)?;
        if self.vocab.get(id).ty != FieldType::Date {
            return Err(at(off, format!("field `{key}` is not a date")));
        }
        Ok(id)
    }

    fn numeric_field(&self, key: &str, off: usize) -> R<FieldId> {
        let id = self.field_id(key, off)?;
        if !self.vocab.get(id).ty.is_numeric() {
            return Err(at(
                off,
                format!("field `{key}` is not a number and cannot be computed with"),
            ));
        }
        Ok(id)
    }

    /// Whether an expression's value is always a whole number: a whole-number field (the
    /// vocabulary's type says so), a year or a day count, a rounding, or whole numbers added,
    /// subtracted or multiplied.
    fn is_whole(&self, e: &Expr) -> bool {
        match e {
            Expr::Field(f) | Expr::Default { field: f, .. } => self.vocab.is_whole(*f),
            Expr::Const(c) => c.fract().is_zero(),
            Expr::Ceil(_) | Expr::Floor(_) | Expr::YearOf(_) | Expr::DaysBetween(..) => true,
            Expr::Sum(xs) | Expr::Minus(xs) | Expr::Product(xs) | Expr::Min(xs) | Expr::Max(xs) => {
                xs.iter().all(|x| self.is_whole(x))
            }
            Expr::Increase { of, over } => self.is_whole(of) && self.is_whole(over),
            Expr::Scale { .. } | Expr::Param(_) | Expr::Quotient(..) => false,
        }
    }

    fn expr(&self, v: &Value, off: usize) -> R<Expr> {
        match v {
            Value::String(key) => Ok(Expr::Field(self.numeric_field(key, off)?)),
            Value::Table(t) => {
                let list = |k: &str| -> R<Vec<Expr>> {
                    let items = self.array(&t[k], k, off)?;
                    if items.len() < 2 {
                        return Err(at(off, format!("`{k}` needs at least two terms")));
                    }
                    items.iter().map(|x| self.expr(x, off)).collect()
                };
                let one = |keys: &[&str]| self.only_keys(t, keys, off);
                if t.contains_key("sum") {
                    one(&["sum"])?;
                    return Ok(Expr::Sum(list("sum")?));
                }
                if t.contains_key("minus") {
                    one(&["minus"])?;
                    return Ok(Expr::Minus(list("minus")?));
                }
                if t.contains_key("product") {
                    one(&["product"])?;
                    return Ok(Expr::Product(list("product")?));
                }
                if t.contains_key("min") {
                    one(&["min"])?;
                    return Ok(Expr::Min(list("min")?));
                }
                if t.contains_key("max") {
                    one(&["max"])?;
                    return Ok(Expr::Max(list("max")?));
                }
                if t.contains_key("increase") {
                    one(&["increase", "over"])?;
                    let over = self.req(t, "over", "an increase", off)?;
                    return Ok(Expr::Increase {
                        of: Box::new(self.expr(&t["increase"], off)?),
                        over: Box::new(self.expr(over, off)?),
                    });
                }
                if t.contains_key("scale") {
                    one(&["scale", "by"])?;
                    let by = self.str_of(self.req(t, "by", "a scale", off)?, "by", off)?;
                    return Ok(Expr::Scale {
                        of: Box::new(self.expr(&t["scale"], off)?),
                        by: self.rate(by, off)?,
                    });
                }
                if t.contains_key("param") {
                    one(&["param"])?;
                    return Ok(Expr::Param(
                        self.str_of(&t["param"], "param", off)?.to_string(),
                    ));
                }
                if t.contains_key("ceil") {
                    one(&["ceil"])?;
                    return Ok(Expr::Ceil(Box::new(self.expr(&t["ceil"], off)?)));
                }
                if t.contains_key("floor") {
                    one(&["floor"])?;
                    return Ok(Expr::Floor(Box::new(self.expr(&t["floor"], off)?)));
                }
                if t.contains_key("quotient") {
                    one(&["quotient"])?;
                    let parts = self.array(&t["quotient"], "quotient", off)?;
                    let [a, b] = parts.as_slice() else {
                        return Err(at(off, "`quotient` is [dividend, divisor]"));
                    };
                    return Ok(Expr::Quotient(
                        Box::new(self.expr(a, off)?),
                        Box::new(self.expr(b, off)?),
                    ));
                }
                if t.contains_key("default") {
                    one(&["field", "default"])?;
                    let field = self.numeric_field(
                        self.str_of(
                            self.req(t, "field", "a field with a default", off)?,
                            "field",
                            off,
                        )?,
                        off,
                    )?;
                    let value = self.amount(self.str_of(&t["default"], "default", off)?, off)?;
                    return Ok(Expr::Default { field, value });
                }
                if t.contains_key("year_of") {
                    one(&["year_of"])?;
                    return Ok(Expr::YearOf(
                        self.date_field(self.str_of(&t["year_of"], "year_of", off)?, off)?,
                    ));
                }
                if t.contains_key("days_between") {
                    one(&["days_between"])?;
                    let names = self.strings(&t["days_between"], "days_between", off)?;
                    let [a, b] = names.as_slice() else {
                        return Err(at(
                            off,
                            "`days_between` is [from date, to date] (a date field or YYYY-MM-DD)",
                        ));
                    };
                    return Ok(Expr::DaysBetween(
                        self.date_term(a, off)?,
                        self.date_term(b, off)?,
                    ));
                }
                if t.contains_key("value") {
                    one(&["value"])?;
                    let s = self.str_of(&t["value"], "value", off)?;
                    return Ok(Expr::Const(self.amount(s, off)?));
                }
                Err(at(off, "an expression is a field key or a table with one of: sum, minus, product, min, max, quotient, increase+over, scale+by, field+default, param, ceil, floor, value"))
            }
            Value::Float(f) => Err(at(
                off,
                format!("{f} is a TOML float, which is inexact; write {{ value = \"{f}\" }}"),
            )),
            other => Err(at(
                off,
                format!(
                    "an expression is a field key or a table, found {}",
                    other.type_str()
                ),
            )),
        }
    }

    fn condition(&self, v: &Value, off: usize) -> R<Condition> {
        let t = self.table(v, "a condition", off)?;
        if let Some(items) = t.get("all") {
            self.only_keys(t, &["all"], off)?;
            return Ok(Condition::All(self.conditions(items, off)?));
        }
        if let Some(items) = t.get("any") {
            self.only_keys(t, &["any"], off)?;
            return Ok(Condition::Any(self.conditions(items, off)?));
        }
        for (key, negate) in [("in", false), ("not_in", true)] {
            let Some(values) = t.get(key) else { continue };
            self.only_keys(t, &["field", key], off)?;
            let field = self.field_id(
                self.str_of(self.req(t, "field", key, off)?, "field", off)?,
                off,
            )?;
            if let Some(param) = values.as_table().and_then(|p| p.get("param")) {
                let param = self.str_of(param, "param", off)?.to_string();
                return Ok(Condition::InParam {
                    field,
                    param,
                    negate,
                });
            }
            let values = self.strings(values, key, off)?;
            return Ok(if negate {
                Condition::NotIn { field, values }
            } else {
                Condition::In { field, values }
            });
        }
        if let Some(value) = t.get("is") {
            self.only_keys(t, &["field", "is", "absent"], off)?;
            let key = self.str_of(self.req(t, "field", "`is`", off)?, "field", off)?;
            let field = self.field_id(key, off)?;
            if self.vocab.get(field).ty != FieldType::Bool {
                return Err(at(
                    off,
                    format!("`is` needs a yes/no field; `{key}` is not one"),
                ));
            }
            let value = value
                .as_bool()
                .ok_or_else(|| at(off, "`is` takes true or false"))?;
            let absent = t
                .get("absent")
                .map(|a| {
                    a.as_bool().ok_or_else(|| {
                        at(
                            off,
                            "`absent` takes true or false (how an empty cell reads)",
                        )
                    })
                })
                .transpose()?;
            return Ok(Condition::Is {
                field,
                value,
                absent,
            });
        }
        if t.contains_key("date") || t.contains_key("after") {
            self.only_keys(t, &["field", "word", "op", "date", "after", "months"], off)?;
            let key = self.str_of(self.req(t, "field", "a date condition", off)?, "field", off)?;
            let field = self.field_id(key, off)?;
            if self.vocab.get(field).ty != FieldType::Date {
                return Err(at(
                    off,
                    format!("`date` compares a date field; `{key}` is not one"),
                ));
            }
            let date = match (t.get("date"), t.get("after")) {
                (Some(d), None) => {
                    let text = self.str_of(d, "date", off)?;
                    DateRef::Fixed(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| at(off, format!("date `{text}` must be written YYYY-MM-DD")))?)
                }
                (None, Some(other)) => {
                    let other = self.date_field(self.str_of(other, "after", off)?, off)?;
                    let months = match t.get("months") {
                        None => 0,
                        Some(m) => self.str_of(m, "months", off)?.trim().parse::<i32>().map_err(|_| at(off, "`months` is a whole number of months, e.g. \"6\""))?,
                    };
                    DateRef::Field { field: other, months }
                }
                _ => return Err(at(off, "a date condition compares with `date` (a fixed date) or `after` (another date field, plus `months`), not both")),
            };
            let word = t
                .get("word")
                .map(|w| self.str_of(w, "word", off).map(str::to_string))
                .transpose()?;
            let op = match (t.get("op"), &word) {
                (Some(op), _) => parse_op(self.str_of(op, "op", off)?).ok_or_else(|| at(off, "op is one of >=, >, <=, <, ==, !="))?,
                (None, Some(w)) => date_op_of_word(w).ok_or_else(|| {
                    at(off, format!("date word `{w}` is not known; use 起/以后/不早于 (on or after), 截至/以前/不晚于 (on or before), or give `op`"))
                })?,
                (None, None) => return Err(at(off, "a date condition needs a `word` (起, 截至 …) or an `op`")),
            };
            return Ok(Condition::Date {
                field,
                op,
                date,
                word,
            });
        }
        self.only_keys(t, &["field", "word", "op", "value", "than"], off)?;
        let left = self.expr(self.req(t, "field", "a comparison", off)?, off)?;
        let word = t
            .get("word")
            .map(|w| self.str_of(w, "word", off).map(str::to_string))
            .transpose()?;
        let op = match (t.get("op"), &word) {
            (Some(op), _) => parse_op(self.str_of(op, "op", off)?).ok_or_else(|| at(off, "op is one of >=, >, <=, <, ==, !="))?,
            (None, Some(w)) => op_of_word(w).ok_or_else(|| {
                at(off, format!("boundary word `{w}` is not in D1's table; give `op` explicitly (>=, >, <=, <)"))
            })?,
            (None, None) => return Err(at(off, "a comparison needs a boundary `word` (以上, 超过 …) or an `op`")),
        };
        let right = match (t.get("value"), t.get("than")) {
            (Some(v), None) => Expr::Const(self.amount(self.str_of(v, "value", off)?, off)?),
            (None, Some(e)) => self.expr(e, off)?,
            _ => return Err(at(
                off,
                "a comparison needs exactly one of `value` (a number) or `than` (an expression)",
            )),
        };
        Ok(Condition::Compare {
            left,
            op,
            right,
            word,
        })
    }

    fn conditions(&self, v: &Value, off: usize) -> R<Vec<Condition>> {
        self.array(v, "a condition list", off)?
            .iter()
            .map(|c| self.condition(c, off))
            .collect()
    }

    /// A parameter: `"2%"` (or `"300"` for unit rates), a chosen value in a range, or a lookup.
    fn param(&self, v: &Value, is_rate: bool, off: usize) -> R<Param> {
        let scalar = |s: &str| {
            if is_rate {
                self.rate(s, off)
            } else {
                self.amount(s, off)
            }
        };
        match v {
            Value::Table(t) if t.contains_key("by") => {
                self.only_keys(t, &["by", "table"], off)?;
                let field = self.field_id(self.str_of(&t["by"], "by", off)?, off)?;
                let mut entries = Vec::new();
                for e in self.array(self.req(t, "table", "a lookup", off)?, "table", off)? {
                    let et = self.table(e, "a lookup entry", off)?;
                    self.only_keys(et, &["values", "value"], off)?;
                    let values = self.strings(
                        self.req(et, "values", "a lookup entry", off)?,
                        "values",
                        off,
                    )?;
                    let value =
                        self.param(self.req(et, "value", "a lookup entry", off)?, is_rate, off)?;
                    if matches!(value, Param::Lookup { .. }) {
                        return Err(at(off, "a lookup entry's value is a value or a ranged value, not another lookup"));
                    }
                    entries.push((values, value));
                }
                Ok(Param::Lookup { field, entries })
            }
            Value::Table(t) => {
                self.only_keys(t, &["chosen", "range", "approved"], off)?;
                let chosen = scalar(self.str_of(
                    self.req(t, "chosen", "a ranged value", off)?,
                    "chosen",
                    off,
                )?)?;
                let range =
                    self.strings(self.req(t, "range", "a ranged value", off)?, "range", off)?;
                let [lo, hi] = range.as_slice() else {
                    return Err(at(
                        off,
                        "range is [min, max]; an empty max (\"\") means no upper bound (不低于)",
                    ));
                };
                let max = if hi.trim().is_empty() {
                    Decimal::MAX
                } else {
                    scalar(hi)?
                };
                let min = scalar(lo)?;
                if min > max {
                    return Err(at(off, format!("range [{lo}, {hi}] has min above max")));
                }
                if chosen < min || chosen > max {
                    return Err(at(
                        off,
                        format!(
                            "chosen value {} lies outside its range [{lo}, {hi}] (D5)",
                            crate::domain::money::plain(chosen)
                        ),
                    ));
                }
                let approved = t
                    .get("approved")
                    .map(|a| {
                        self.str_of(a, "approved", off)
                            .and_then(|k| self.numeric_field(k, off))
                    })
                    .transpose()?;
                Ok(Param::Chosen {
                    value: chosen,
                    min,
                    max,
                    approved,
                })
            }
            other => Ok(Param::Fixed(scalar(self.str_of(
                other,
                if is_rate { "rate" } else { "unit rate" },
                off,
            )?)?)),
        }
    }

    /// A bracket table; `whole` when its selector is a whole number (a count, a rank, a year),
    /// so its brackets are checked as sets of whole numbers (issue 19).
    fn brackets(
        &self,
        v: &Value,
        key: &str,
        is_rate: bool,
        whole: bool,
        off: usize,
    ) -> R<Vec<Bracket>> {
        let items = self.array(v, key, off)?;
        if items.is_empty() {
            return Err(at(off, format!("`{key}` is empty")));
        }
        let mut out = Vec::new();
        for item in items {
            let t = self.table(item, "a bracket", off)?;
            self.only_keys(t, &["range", "rate", "amount", "words"], off)?;
            let range = parse_interval(self.str_of(
                self.req(t, "range", "a bracket", off)?,
                "range",
                off,
            )?)
            .map_err(|m| at(off, m))?;
            let value = if is_rate {
                self.rate(
                    self.str_of(self.req(t, "rate", "a bracket", off)?, "rate", off)?,
                    off,
                )?
            } else if let Some(rate) = t.get("rate") {
                // Slices' rates are unit rates (元/吨) or percentages.
                let s = self.str_of(rate, "rate", off)?;
                parse_rate(s)
                    .map(Ok)
                    .unwrap_or_else(|| self.amount(s, off))?
            } else {
                self.amount(
                    self.str_of(self.req(t, "amount", "a bracket", off)?, "amount", off)?,
                    off,
                )?
            };
            let words = t
                .get("words")
                .map(|w| self.str_of(w, "words", off).map(str::to_string))
                .transpose()?;
            out.push(Bracket {
                range,
                value,
                words,
            });
        }
        let ranges: Vec<&Interval> = out.iter().map(|b| &b.range).collect();
        check_brackets(&ranges, whole).map_err(|(_, m)| {
            at(
                off,
                format!("`{key}`: {m} (D1: brackets must have no gap and no overlap)"),
            )
        })?;
        Ok(out)
    }

    fn formula(&self, v: &Value, off: usize) -> R<Formula> {
        let t = self.table(v, "formula", off)?;
        let kind = self.str_of(self.req(t, "kind", "formula", off)?, "kind", off)?;
        let keys = |allowed: &[&str]| {
            let mut all = vec!["kind"];
            all.extend_from_slice(allowed);
            self.only_keys(t, &all, off)
        };
        let get = |k: &str| self.req(t, k, &format!("formula `{kind}`"), off);
        Ok(match kind {
            "rate" => {
                keys(&["base", "rate"])?;
                Formula::Rate { base: self.expr(get("base")?, off)?, rate: self.param(get("rate")?, true, off)? }
            }
            "tiers" => {
                keys(&["base", "selector", "tiers"])?;
                let base = self.expr(get("base")?, off)?;
                let selector = match t.get("selector") {
                    Some(s) => self.expr(s, off)?,
                    None => base.clone(),
                };
                let whole = self.is_whole(&selector);
                Formula::Tiers { selector, base, tiers: self.brackets(get("tiers")?, "tiers", true, whole, off)? }
            }
            "slices" => {
                keys(&["base", "slices", "step"])?;
                // Slices are cut by their bounds as amounts: whole-number reading does not apply.
                let slices = self.brackets(get("slices")?, "slices", false, false, off)?;
                let step = match t.get("step") {
                    None => None,
                    Some(s) => {
                        let st = self.table(s, "step", off)?;
                        self.only_keys(st, &["width", "increment"], off)?;
                        let width = self.amount(self.str_of(self.req(st, "width", "step", off)?, "width", off)?, off)?;
                        let inc = self.amount(self.str_of(self.req(st, "increment", "step", off)?, "increment", off)?, off)?;
                        if width <= Decimal::ZERO {
                            return Err(at(off, "step width must be positive"));
                        }
                        if slices.last().is_some_and(|b| b.range.upper.is_none()) {
                            return Err(at(off, "a step extends the last slice, which must then have an upper bound"));
                        }
                        Some((width, inc))
                    }
                };
                Formula::Slices { base: self.expr(get("base")?, off)?, slices, step }
            }
            "bracket" => {
                keys(&["selector", "brackets"])?;
                let selector = self.expr(get("selector")?, off)?;
                let whole = self.is_whole(&selector);
                Formula::Bracket { selector, brackets: self.brackets(get("brackets")?, "brackets", false, whole, off)? }
            }
            "per_unit" => {
                keys(&["terms"])?;
                let mut terms = Vec::new();
                for term in self.array(get("terms")?, "terms", off)? {
                    let tt = self.table(term, "a term", off)?;
                    self.only_keys(tt, &["quantity", "unit_rate"], off)?;
                    let q = self.expr(self.req(tt, "quantity", "a term", off)?, off)?;
                    let p = self.param(self.req(tt, "unit_rate", "a term", off)?, false, off)?;
                    terms.push((q, p));
                }
                if terms.is_empty() {
                    return Err(at(off, "per_unit needs at least one term"));
                }
                Formula::PerUnit { terms }
            }
            "fixed" => {
                keys(&["amount"])?;
                Formula::Fixed { amount: self.amount(self.str_of(get("amount")?, "amount", off)?, off)? }
            }
            "by_title" => {
                keys(&["field", "combine", "entries"])?;
                let field = match t.get("field") {
                    Some(f) => self.field_id(self.str_of(f, "field", off)?, off)?,
                    None => self.field_id("title", off)?,
                };
                let combine = match t.get("combine").map(|c| self.str_of(c, "combine", off)).transpose()? {
                    None | Some("highest") => Combine::Highest,
                    Some("sum") => Combine::Sum,
                    Some(other) => return Err(at(off, format!("combine `{other}` is neither `highest` (就高) nor `sum`"))),
                };
                let mut entries = Vec::new();
                for e in self.array(get("entries")?, "entries", off)? {
                    let et = self.table(e, "a title entry", off)?;
                    self.only_keys(et, &["titles", "amount", "when", "split"], off)?;
                    let titles: Vec<String> = self.strings(self.req(et, "titles", "a title entry", off)?, "titles", off)?
                        .iter()
                        .map(|s| normalise_title(s))
                        .collect();
                    let amount = self.amount(self.str_of(self.req(et, "amount", "a title entry", off)?, "amount", off)?, off)?;
                    let when = et.get("when").map(|w| self.conditions(w, off)).transpose()?.unwrap_or_default();
                    let split = et.get("split").map(|s| self.table(s, "split", off).and_then(|s| self.split(s, off))).transpose()?;
                    entries.push(TitleEntry { titles, amount, when, split });
                }
                Formula::ByTitle { field, entries, combine }
            }
            "matching" => {
                keys(&["base", "ratio"])?;
                let ratio = self.str_of(get("ratio")?, "ratio", off)?;
                let ratio = parse_ratio(ratio).ok_or_else(|| at(off, format!("ratio `{ratio}` must be written a:b, e.g. \"1:1\"")))?;
                Formula::Matching { base: self.expr(get("base")?, off)?, ratio }
            }
            "top_up" => {
                keys(&["standard", "other"])?;
                Formula::TopUp { standard: Box::new(self.formula(get("standard")?, off)?), other: self.expr(get("other")?, off)? }
            }
            "least" | "greatest" => {
                keys(&["of"])?;
                let parts = self.array(get("of")?, "of", off)?.iter().map(|f| self.formula(f, off)).collect::<R<Vec<_>>>()?;
                if parts.len() < 2 {
                    return Err(at(off, format!("`{kind}` needs at least two formulas")));
                }
                if kind == "least" { Formula::Least(parts) } else { Formula::Greatest(parts) }
            }
            "amount" => {
                keys(&["base"])?;
                Formula::Amount { base: self.expr(get("base")?, off)? }
            }
            "interest" => {
                keys(&["principal", "disbursed", "days", "term_months", "loan_rate", "interest_paid", "share", "day_basis", "max_rate", "windows"])?;
                let field = |k: &str| self.field_id(self.str_of(get(k)?, k, off)?, off);
                let opt = |k: &str| t.get(k).map(|v| self.str_of(v, k, off).and_then(|s| self.field_id(s, off))).transpose();
                let basis = match t.get("day_basis") {
                    None => Decimal::from(360),
                    Some(b) => self.amount(self.str_of(b, "day_basis", off)?, off)?,
                };
                Formula::Interest(Interest {
                    principal: field("principal")?,
                    disbursed: field("disbursed")?,
                    days: field("days")?,
                    term_months: opt("term_months")?,
                    loan_rate: opt("loan_rate")?,
                    interest_paid: opt("interest_paid")?,
                    share: self.rate(self.str_of(get("share")?, "share", off)?, off)?,
                    max_rate: t
                        .get("max_rate")
                        .map(|m| self.rate(self.str_of(m, "max_rate", off)?, off).map(|r| r * Decimal::ONE_HUNDRED))
                        .transpose()?,
                    day_basis: basis,
                    windows: self.rate_windows(t.get("windows"), off)?,
                })
            }
            "staged" => {
                keys(&["stages"])?;
                let mut stages = Vec::new();
                for s in self.array(get("stages")?, "stages", off)? {
                    let st = self.table(s, "a stage", off)?;
                    self.only_keys(st, &["flag", "amount", "label"], off)?;
                    let key = self.str_of(self.req(st, "flag", "a stage", off)?, "flag", off)?;
                    let flag = self.field_id(key, off)?;
                    if self.vocab.get(flag).ty != FieldType::Bool {
                        return Err(at(off, format!("stage flag `{key}` must be a yes/no field")));
                    }
                    let amount = self.amount(self.str_of(self.req(st, "amount", "a stage", off)?, "amount", off)?, off)?;
                    let label = st.get("label").and_then(Value::as_str).unwrap_or(key).to_string();
                    stages.push(Stage { flag, amount, label });
                }
                Formula::Staged { stages }
            }
            "cases" => {
                keys(&["cases"])?;
                let mut cases = Vec::new();
                for c in self.array(get("cases")?, "cases", off)? {
                    let ct = self.table(c, "a case", off)?;
                    self.only_keys(ct, &["when", "formula"], off)?;
                    let when = ct.get("when").map(|w| self.conditions(w, off)).transpose()?.unwrap_or_default();
                    let formula = self.formula(self.req(ct, "formula", "a case", off)?, off)?;
                    cases.push((when, formula));
                }
                if cases.is_empty() {
                    return Err(at(off, "`cases` needs at least one case"));
                }
                Formula::Cases(cases)
            }
            "sum" => {
                keys(&["of"])?;
                let parts = self.array(get("of")?, "of", off)?.iter().map(|f| self.formula(f, off)).collect::<R<Vec<_>>>()?;
                if parts.len() < 2 {
                    return Err(at(off, "`sum` needs at least two formulas"));
                }
                Formula::Sum(parts)
            }
            "pool_share" => {
                keys(&[])?;
                Formula::PoolShare
            }
            "classify" => {
                keys(&["cases"])?;
                let mut cases = Vec::new();
                for c in self.array(get("cases")?, "cases", off)? {
                    let ct = self.table(c, "a case", off)?;
                    self.only_keys(ct, &["when", "value"], off)?;
                    let when = ct.get("when").map(|w| self.conditions(w, off)).transpose()?.unwrap_or_default();
                    let value = self.str_of(self.req(ct, "value", "a case", off)?, "value", off)?.to_string();
                    cases.push((when, value));
                }
                if cases.is_empty() {
                    return Err(at(off, "`classify` needs at least one case"));
                }
                Formula::Classify(cases)
            }
            "date_add" => {
                keys(&["from", "months", "days"])?;
                let from = self.date_field(self.str_of(get("from")?, "from", off)?, off)?;
                let months = t.get("months").map(|m| self.expr(m, off)).transpose()?;
                let days = t.get("days").map(|d| self.expr(d, off)).transpose()?;
                if months.is_none() && days.is_none() {
                    return Err(at(off, "`date_add` needs `months`, `days` or both"));
                }
                Formula::DateAdd { from, months, days }
            }
            "verdict" => {
                keys(&["test"])?;
                Formula::Verdict { test: self.conditions(get("test")?, off)? }
            }
            other => {
                return Err(at(
                    off,
                    format!("unknown formula kind `{other}`; kinds are rate, tiers, slices, bracket, per_unit, fixed, by_title, matching, top_up, least, greatest, sum, cases, amount, interest, staged, pool_share, verdict, classify, date_add"),
                ))
            }
        })
    }

    fn cap(&self, c: &RawCap, off: usize, rule: &str) -> R<Cap> {
        let Some(amount) = &c.amount else {
            return Err(at(off, "a cap needs an `amount`"));
        };
        let amount = match amount {
            Value::Integer(i) => Expr::Const(Decimal::from(*i)),
            Value::Float(f) => return Err(at(off, format!("cap amount {f} is a TOML float, which is inexact; write it as a string: \"{f}\""))),
            // An amount starts with a digit; anything else names a field.
            Value::String(s) if s.trim().starts_with(|ch: char| ch.is_ascii_digit()) => Expr::Const(self.amount(s, off)?),
            other => self.expr(other, off)?,
        };
        let scope = match (c.scope.as_str(), &c.group) {
            ("application", None) => CapScope::Application,
            ("application", Some(_)) => return Err(at(off, "a cap per application has no `group`")),
            ("enterprise_year", Some(g)) => CapScope::EnterpriseYear { group: g.clone() },
            ("enterprise", Some(g)) => CapScope::Enterprise { group: g.clone() },
            // A project cap alone in its group is shared by the rows of the rule's project.
            ("project", g) => CapScope::Project { group: g.clone().unwrap_or_else(|| rule.to_string()) },
            ("enterprise_year" | "enterprise", None) => {
                return Err(at(off, format!("an {} cap needs a `group` naming the rules that share it (D4)", c.scope)))
            }
            (other, _) => return Err(at(off, format!("cap scope `{other}` is not one of `application`, `enterprise_year`, `enterprise`, `project`"))),
        };
        Ok(Cap {
            amount,
            scope,
            words: c.words.clone(),
        })
    }

    /// `{ group = "…" }` alone: the rule joins a declared `[[cap_group]]`.
    fn group_ref(&self, c: &RawCap, off: usize) -> R<GroupRef> {
        match (&c.group, c.scope.as_str(), &c.words) {
            (Some(id), "application", None) => Ok(GroupRef {
                id: id.clone(),
                line: line_of(self.text, off),
            }),
            _ => Err(at(off, "a cap needs an `amount`; `{ group = \"…\" }` alone (no `scope`, no `words`) names a [[cap_group]]")),
        }
    }

    /// A `[[cap_group]]` declaration: its cap built as a rule's cap is, its checks at its line.
    fn cap_group(&self, g: &Spanned<super::groups::RawCapGroup>) -> Result<CapGroup, PolicyError> {
        let (raw, off) = (g.get_ref(), g.span().start);
        let cap = match (&raw.amount, &raw.scope) {
            (Some(_), Some(scope)) if scope == "application" => {
                return Err(self.syntax(off, format!("cap group `{}`: a group is shared, its `scope` is project, enterprise_year or enterprise", raw.id)));
            }
            (Some(amount), Some(scope)) => {
                let as_cap = RawCap {
                    amount: Some(amount.clone()),
                    scope: scope.clone(),
                    group: Some(raw.id.clone()),
                    words: raw.words.clone(),
                };
                let cap = self.cap(&as_cap, off, &raw.id).map_err(|e| {
                    self.syntax(e.offset, format!("cap group `{}`: {}", raw.id, e.message))
                })?;
                Some(cap)
            }
            _ => None,
        };
        raw.build(cap, line_of(self.text, off))
            .map_err(|m| self.syntax(off, m))
    }

    fn split(&self, t: &toml::Table, off: usize) -> R<Vec<(Payer, Decimal)>> {
        let mut out = Vec::new();
        for (k, v) in t {
            let payer = Payer::parse(k).ok_or_else(|| {
                at(
                    off,
                    format!("split: unknown payer `{k}`; use 中央, 自治区, 盟市, 旗县区 or 其他"),
                )
            })?;
            let w = self.amount(self.str_of(v, "split weight", off)?, off)?;
            if w < Decimal::ZERO {
                return Err(at(off, format!("split: weight of {k} is negative")));
            }
            out.push((payer, w));
        }
        out.sort_by_key(|(p, _)| *p);
        if out.iter().all(|(_, w)| w.is_zero()) {
            return Err(at(off, "split: weights sum to zero"));
        }
        Ok(out)
    }
}

fn parse_op(s: &str) -> Option<Op> {
    Some(match s {
        ">=" | "≥" => Op::Ge,
        ">" => Op::Gt,
        "<=" | "≤" => Op::Le,
        "<" => Op::Lt,
        "==" | "=" => Op::Eq,
        "!=" | "≠" => Op::Ne,
        _ => return None,
    })
}

/// Titles compare after removing spaces and unifying brackets and quotes.
pub fn normalise_title(s: &str) -> String {
    title_chars(s).collect()
}

/// Whether two texts are the same title once normalised ([`normalise_title`]), without
/// building either (a condition compares a row's text with every value of a list).
pub fn same_title(a: &str, b: &str) -> bool {
    title_chars(a).eq(title_chars(b))
}

fn title_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '“' | '”' | '"' | '\''))
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
}

#[cfg(test)]
mod title_tests {
    use super::{normalise_title, same_title};

    #[test]
    fn titles_compare_as_their_normal_forms() {
        let pairs = [
            (
                "国家级 专精特新(小巨人)",
                "“国家级专精特新（小巨人）”",
                true,
            ),
            ("国家级", "国家级企业", false),
            ("省级", "", false),
            ("", " ", true),
        ];
        for (a, b, same) in pairs {
            assert_eq!(same_title(a, b), same, "{a} / {b}");
            assert_eq!(
                same_title(a, b),
                normalise_title(a) == normalise_title(b),
                "{a} / {b}"
            );
        }
    }
}
