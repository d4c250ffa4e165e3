//! Cap groups declared once (`[[cap_group]]`, 共享上限组) and count limits (限项).
//!
//! A cap group spans policies: it is declared in one file, takes every rule of the policies it
//! lists except the clauses it leaves out (`exclude`, 第X条除外), and any rule of any file joins
//! it by naming it (`caps = [{ group = "…" }]`). Once every policy is loaded, [`resolve`] turns
//! membership into ordinary shared caps and count limits on the member rules, so the engine and
//! the batch pass see one kind of cap whatever declared it. This module owns the declaration,
//! its checks and that resolution; the batch pass applies what results.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::load::{PolicyError, PolicySet};
use super::Cap;

/// What a count limit counts, and over which lines (限项的范围).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitScope {
    /// 每个企业每年: the projects of one enterprise in one application year.
    EnterpriseYear,
    /// 每个企业累计: the projects of one enterprise over every year, with the history.
    Enterprise,
    /// 同一项目: the awards (distinct rules) one project receives over its life.
    Project,
}

/// Which projects a count limit keeps when there are more than it allows (保留规则).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// 择优: the highest award first (ties: the earliest 申报编号).
    HighestAward,
    /// 按申报先后: the earliest 申报编号 first.
    EarliestApplication,
}

impl Keep {
    /// The rule as the trace names it.
    pub fn label(self) -> &'static str {
        match self {
            Keep::HighestAward => "按奖补金额从高到低保留",
            Keep::EarliestApplication => "按申报编号先后保留",
        }
    }
}

/// 限项: at most `most` projects (or, per project, awards) among the lines of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct CountLimit {
    /// The lines counted together: a rule's own limit counts its id, a cap group's its id.
    pub group: String,
    pub most: u32,
    pub per: LimitScope,
    pub keep: Keep,
    /// The clause's words (每个企业每年最多支持2个项目).
    pub words: Option<String>,
}

/// A rule naming a declared cap group, with the line that names it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRef {
    pub id: String,
    pub line: usize,
}

/// A cap group declared once (`[[cap_group]]`): a shared cap, a count limit or both, over the
/// rules of `policies` but `exclude`, and every rule that names it.
#[derive(Debug, Clone)]
pub struct CapGroup {
    pub id: String,
    /// The shared cap each member carries (its scope names this group).
    pub cap: Option<Cap>,
    pub limit: Option<CountLimit>,
    /// Policy ids whose every rule belongs.
    pub policies: Vec<String>,
    /// Rule ids of those policies left out (第X条除外).
    pub exclude: Vec<String>,
    /// Line of the declaration in its file.
    pub line: usize,
}

/// A rule's place: (policy, rule) indices in the set.
type Place = (usize, usize);

/// Gives every member of every declared cap group the group's cap and count limit. Checks that
/// a group is declared once, that what it lists and leaves out is loaded, that every group a
/// rule names is declared and does not leave that rule out, and that no rule's own cap borrows
/// a declared group's id; each refusal names the file and line.
pub(super) fn resolve(set: &mut PolicySet) -> Result<(), PolicyError> {
    let declared = declarations(set)?;
    let mut members: Vec<(Place, String)> = Vec::new();
    let mut excluded: BTreeMap<&str, BTreeSet<Place>> = BTreeMap::new();
    for (id, &(gp, g)) in &declared {
        let out = excluded.entry(id).or_default();
        let policy_err = |message: String| PolicyError::Syntax {
            path: set.policies[gp].path.clone(),
            line: g.line,
            message: format!("cap group `{id}` {message}"),
        };
        for x in &g.exclude {
            let place = set
                .place(x)
                .ok_or_else(|| policy_err(format!("excludes `{x}`, which no loaded policy has")))?;
            if !g.policies.contains(&set.policies[place.0].id) {
                return Err(policy_err(format!(
                    "excludes `{x}`, which is not a rule of its `policies`"
                )));
            }
            out.insert(place);
        }
        for pid in &g.policies {
            let pi = set
                .policies
                .iter()
                .position(|p| &p.id == pid)
                .ok_or_else(|| policy_err(format!("lists policy `{pid}`, which is not loaded")))?;
            for ri in 0..set.policies[pi].rules.len() {
                if !out.contains(&(pi, ri)) {
                    members.push(((pi, ri), id.to_string()));
                }
            }
        }
    }
    for (pi, p) in set.policies.iter().enumerate() {
        for (ri, r) in p.rules.iter().enumerate() {
            let rule_err = |line: usize, message: String| PolicyError::Rule {
                path: p.path.clone(),
                line,
                rule: r.id.clone(),
                message,
            };
            for c in &r.caps {
                if let Some((gp, g)) = c.scope.group().and_then(|g| declared.get(g)) {
                    return Err(rule_err(r.line, format!("cap group `{}` is declared by [[cap_group]] at {}:{}; name it alone: caps = [{{ group = \"{}\" }}]", g.id, set.policies[*gp].path.display(), g.line, g.id)));
                }
            }
            for named in &r.group_refs {
                if !declared.contains_key(named.id.as_str()) {
                    return Err(rule_err(named.line, format!("cap group `{}` is not declared; declare it once with [[cap_group]] id = \"{}\"", named.id, named.id)));
                }
                if excluded
                    .get(named.id.as_str())
                    .is_some_and(|x| x.contains(&(pi, ri)))
                {
                    return Err(rule_err(
                        named.line,
                        format!(
                            "names cap group `{}`, which leaves this rule out (`exclude`)",
                            named.id
                        ),
                    ));
                }
                members.push(((pi, ri), named.id.clone()));
            }
        }
    }
    members.sort();
    members.dedup();
    let groups: BTreeMap<String, (Option<Cap>, Option<super::CountLimit>)> = declared
        .iter()
        .map(|(id, (_, g))| (id.to_string(), (g.cap.clone(), g.limit.clone())))
        .collect();
    for ((pi, ri), id) in members {
        let Some((cap, limit)) = groups.get(&id) else {
            continue;
        };
        let rule = &mut set.policies[pi].rules[ri];
        rule.caps.extend(cap.iter().cloned());
        rule.limits.extend(limit.iter().cloned());
    }
    Ok(())
}

/// Every declared group by id, with the index of the policy declaring it; a second
/// declaration of an id is refused at its line, naming the first.
fn declarations(set: &PolicySet) -> Result<BTreeMap<&str, (usize, &CapGroup)>, PolicyError> {
    let mut declared: BTreeMap<&str, (usize, &CapGroup)> = BTreeMap::new();
    for (pi, p) in set.policies.iter().enumerate() {
        for g in &p.cap_groups {
            if let Some((fp, first)) = declared.insert(g.id.as_str(), (pi, g)) {
                return Err(PolicyError::Syntax {
                    path: p.path.clone(),
                    line: g.line,
                    message: format!(
                        "cap group `{}` is already declared at {}:{}",
                        g.id,
                        set.policies[fp].path.display(),
                        first.line
                    ),
                });
            }
        }
    }
    Ok(declared)
}
