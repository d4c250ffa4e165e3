//! Loading policy files: the files of a folder or a configuration, each read in two phases —
//! its syntax ([`super::syntax`], typed serde structs with a span on every node) and lowering
//! ([`super::lower`]) into the checked [`Policy`]. Every refusal names the file, the line of
//! the node it is about and the rule.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::lower::Lower;
use super::node::{table_at, Node};
use super::syntax::{BudgetSyntax, DocSyntax};
use super::{Budget, Payer, Policy, Rule};
use crate::domain::config::Config;
use crate::domain::fields::{line_of, Vocabulary};

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
    load_policies(std::slice::from_ref(dir), vocab)
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
    let cx = Cx { text, path };
    let root = Node::parse(text).map_err(|e| cx.syntax(e.offset(), e.to_string()))?;
    // A refusal inside a [[rule]] names the rule; the ids are read before the syntax is.
    let tables = root.tables_named("rule", "id");
    let doc = DocSyntax::deserialize(root).map_err(|e| {
        let o = e.offset();
        match table_at(&tables, o) {
            Some(rule) => cx.rule_error(rule, o, e.to_string()),
            None => cx.syntax(o, e.to_string()),
        }
    })?;
    let p = &doc.policy;
    let payer = Payer::parse(p.payer.get_ref()).ok_or_else(|| {
        cx.syntax(
            p.payer.span().start,
            format!(
                "unknown payer `{}`; use 中央, 自治区, 盟市, 旗县区 or 其他",
                p.payer.get_ref()
            ),
        )
    })?;
    let valid_from = cx.date(&p.valid_from)?;
    let valid_to = cx.date(&p.valid_to)?;
    let flags = p
        .flags
        .iter()
        .map(|f| {
            vocab.id(f.get_ref()).ok_or_else(|| {
                cx.syntax(
                    f.span().start,
                    format!("[policy] flags: unknown field `{}`", f.get_ref()),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let budgets = cx.budgets(&doc.budget)?;
    let lower = Lower::new(text, vocab);
    let cap_groups = doc
        .cap_group
        .iter()
        .map(|g| {
            lower
                .cap_group(g)
                .map_err(|e| cx.syntax(e.offset, e.message))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut rules = Vec::with_capacity(doc.rule.len());
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in &doc.rule {
        let (id, start) = (r.id.get_ref(), r.id.span().start);
        let line = line_of(text, start);
        if let Some(first) = seen.insert(id, line) {
            return Err(cx.rule_error(id, start, format!("defined twice (first at line {first})")));
        }
        if let Some(b) = &r.budget {
            if !budgets.iter().any(|x| &x.id == b.get_ref()) {
                return Err(cx.rule_error(
                    id,
                    b.span().start,
                    format!(
                        "budget `{}` is not defined in this file's [[budget]] tables",
                        b.get_ref()
                    ),
                ));
            }
        }
        let rule = lower.rule(r, &flags).map_err(|e| {
            cx.rule_error(id, if e.offset == 0 { start } else { e.offset }, e.message)
        })?;
        rules.push(rule);
    }
    Ok(Policy {
        id: doc.policy.id,
        title: doc.policy.title,
        issuer: doc.policy.issuer,
        payer,
        valid_from,
        valid_to,
        path: path.to_path_buf(),
        digest: crate::domain::digest::sha256_hex(text.as_bytes()),
        rules,
        budgets,
        review: doc.policy.review,
        cap_groups,
    })
}

/// Loader context: the text for line numbers and the path for messages.
struct Cx<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Cx<'_> {
    fn syntax(&self, offset: usize, message: String) -> PolicyError {
        PolicyError::Syntax {
            path: self.path.to_path_buf(),
            line: line_of(self.text, offset),
            message,
        }
    }

    fn rule_error(&self, rule: &str, offset: usize, message: String) -> PolicyError {
        PolicyError::Rule {
            path: self.path.to_path_buf(),
            line: line_of(self.text, offset),
            rule: rule.to_string(),
            message,
        }
    }

    fn date(&self, d: &Option<Spanned<String>>) -> Result<Option<NaiveDate>, PolicyError> {
        let Some(s) = d else { return Ok(None) };
        NaiveDate::parse_from_str(s.get_ref(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                self.syntax(
                    s.span().start,
                    format!("date `{}` must be written YYYY-MM-DD", s.get_ref()),
                )
            })
    }

    fn budgets(&self, raw: &[BudgetSyntax]) -> Result<Vec<Budget>, PolicyError> {
        let mut budgets: Vec<Budget> = Vec::new();
        for b in raw {
            if budgets.iter().any(|x| &x.id == b.id.get_ref()) {
                return Err(self.syntax(
                    b.id.span().start,
                    format!("budget `{}` is defined twice", b.id.get_ref()),
                ));
            }
            budgets.push(Budget {
                id: b.id.get_ref().clone(),
                amount: b.amount.0,
                method: b.method,
                words: b.words.clone(),
            });
        }
        Ok(budgets)
    }
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
