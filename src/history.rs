//! The payout history (历史发放记录): prior ledgers or payouts files given with `--history`,
//! joined onto this batch's rows as the history fields the rules read — years already paid
//! (D10), amounts already paid for the same achievement (补差, D9), amounts already paid
//! inside a shared cap (D4; a project's by its 项目编号) and the projects a count limit has
//! already counted (限项).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::domain::fields::Vocabulary;
use crate::domain::money::parse_decimal;
use crate::domain::value::Value;
use crate::engine::batch::SharedPaid;
use crate::ingest::{expand_history, read_table, IngestError};
use crate::normalise::Rows;
use crate::rules::{CapScope, LimitScope, PolicySet, YearLimit, YearsPer};

/// Errors reading history files.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(transparent)]
    Read(#[from] IngestError),
    #[error("{path}: not a payout history: no column {wanted} (expected a payouts.csv or a ledger.xlsx 发放明细 sheet)")]
    MissingColumn { path: PathBuf, wanted: &'static str },
    #[error("{path} row {row}: rule `{rule}` pays an advance and settles by project, but this history has no column project_id (项目编号) to match it by; give a payouts.csv or ledger.xlsx written since 项目编号 is recorded")]
    NoProject {
        path: PathBuf,
        row: usize,
        rule: String,
    },
    #[error("{path} row {row}: rule `{rule}` pays one award to two payees (合同能源管理), and {problem}; give the payouts.csv or ledger.xlsx as a run wrote it (each award's payees on adjacent lines, the applicant first)")]
    PayeeParts {
        path: PathBuf,
        row: usize,
        rule: String,
        problem: String,
    },
    #[error("{path} row {row}: {column} “{value}” is not {what}")]
    BadValue {
        path: PathBuf,
        row: usize,
        column: &'static str,
        value: String,
        what: &'static str,
    },
}

/// One paid line of an earlier run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub credit_code: String,
    /// The rule that answers to the line's rule id now (same_as ids fold into one, D9).
    pub rule: String,
    pub year: i64,
    /// Paid (positive) or, for a 应退 line, owed back (negative).
    pub award: Decimal,
    /// 项目编号 ("" when the history file has no such column or the line none).
    pub project: String,
}

/// How a group reaches back into the history: a shared cap's room or a count limit's count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// 单个企业每年: that year's lines.
    Year,
    /// 单个企业累计: every year up to the line's.
    Life,
    /// 单个项目: the project's lines (by 项目编号) of every year up to the line's.
    Project,
    /// 限项: the projects (or, per project, the rules) a count limit has counted.
    Count(LimitScope),
}

/// One history line charged to one group.
#[derive(Debug, Clone)]
struct Charge {
    year: i64,
    group: String,
    reach: Reach,
    /// 项目编号, or for a line without one a name no project has (it is its own project).
    project: String,
    rule: String,
    award: Decimal,
}

/// What the history paid each enterprise inside each shared cap group (D4) and counted under
/// each count limit, by credit code.
#[derive(Debug, Clone, Default)]
pub struct SharedHistory(HashMap<String, Vec<Charge>>);

impl SharedHistory {
    /// Whether the history paid `credit_code` anything inside a shared cap.
    pub fn has(&self, credit_code: &str) -> bool {
        self.0.contains_key(credit_code)
    }

    /// What `credit_code` was paid, by group, as a line of `year` sees it: that year's lines
    /// for a yearly cap, every year up to it for a lifetime cap.
    pub fn paid(&self, credit_code: &str, year: i64) -> SharedPaid {
        let mut out = SharedPaid::default();
        for c in self.0.get(credit_code).into_iter().flatten() {
            // Only a payment is counted; a refund does not undo a project's place either.
            let counts = c.award > Decimal::ZERO;
            let numbered = !c.project.starts_with(UNNUMBERED);
            match c.reach {
                Reach::Year if c.year == year => out.add(&c.group, c.award),
                Reach::Life if c.year <= year => out.add(&c.group, c.award),
                Reach::Project if c.year <= year && numbered => {
                    out.add_project(&c.group, &c.project, c.award)
                }
                Reach::Count(LimitScope::EnterpriseYear) if c.year == year && counts => {
                    out.add_counted(&c.group, "", &c.project)
                }
                Reach::Count(LimitScope::Enterprise) if c.year <= year && counts => {
                    out.add_counted(&c.group, "", &c.project)
                }
                Reach::Count(LimitScope::Project) if c.year <= year && counts && numbered => {
                    out.add_counted(&c.group, &c.project, &c.rule)
                }
                _ => {}
            }
        }
        out
    }
}

/// Starts the name of a history line without 项目编号: no project number starts so.
const UNNUMBERED: char = '\u{1f}';

/// The shared cap groups and count limits of every rule, by rule id.
fn cap_groups(policies: &PolicySet) -> HashMap<&str, Vec<(&str, Reach)>> {
    let mut groups: HashMap<&str, Vec<(&str, Reach)>> = HashMap::new();
    for (_, r) in policies.rules() {
        let entry = groups.entry(r.id.as_str()).or_default();
        for c in &r.caps {
            let reach = match &c.scope {
                CapScope::Application => continue,
                CapScope::EnterpriseYear { group } => (group.as_str(), Reach::Year),
                CapScope::Enterprise { group } => (group.as_str(), Reach::Life),
                CapScope::Project { group } => (group.as_str(), Reach::Project),
            };
            entry.push(reach);
        }
        for l in &r.limits {
            entry.push((l.group.as_str(), Reach::Count(l.per)));
        }
    }
    groups
}

/// The history, indexed for the join.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub lines: Vec<Paid>,
    pub files: Vec<crate::ingest::InputFile>,
}

const COLUMNS: [(&str, &[&str]); 7] = [
    ("credit_code", &["credit_code", "统一社会信用代码"]),
    ("rule_id", &["rule_id", "申报条款编号"]),
    ("application_year", &["application_year", "申报年度"]),
    ("award", &["award", "金额（元）"]),
    ("line_type", &["line_type", "结果类型"]),
    ("project_id", &["project_id", "项目编号"]),
    ("application_id", &["application_id", "申报编号"]),
];

/// Columns a history may lack: the line type (every line then a payout), 项目编号 (needed
/// only by lines of a rule that settles by project) and 申报编号 (needed only by lines of a
/// rule that pays two payees).
const OPTIONAL: [&str; 3] = ["line_type", "project_id", "application_id"];

/// The last line read of a rule paying two payees (合同能源管理): the applicant's part, which
/// the second payee's part (the next line, same 申报编号) is credited to.
struct Applicant {
    application: String,
    rule: String,
    year: i64,
    project: String,
    credit_code: String,
    /// Its position in `History::lines` (none while its part is 0.00).
    at: Option<usize>,
}

impl History {
    /// Reads payouts.csv files or ledger.xlsx workbooks (sheet 发放明细), files or folders.
    pub fn load(paths: &[PathBuf], policies: &PolicySet) -> Result<History, HistoryError> {
        let mut h = History::default();
        for path in expand_history(paths)? {
            h.read(&path, policies)?;
            let bytes = std::fs::read(&path).map_err(|source| IngestError::Io {
                path: path.clone(),
                source,
            })?;
            h.files.push(crate::ingest::InputFile {
                sha256: crate::domain::digest::sha256_hex(&bytes),
                bytes: bytes.len() as u64,
                path,
                date_system: Default::default(),
            });
        }
        Ok(h)
    }

    fn read(&mut self, path: &Path, policies: &PolicySet) -> Result<(), HistoryError> {
        let table = read_table(path, "发放明细")?;
        let Some(header) = table.first() else {
            return Ok(());
        };
        let mut cols = [0usize; 7];
        for (i, (wanted, names)) in COLUMNS.iter().enumerate() {
            match header.iter().position(|h| names.contains(&h.trim())) {
                Some(c) => cols[i] = c,
                None if OPTIONAL.contains(wanted) => cols[i] = usize::MAX,
                None => {
                    return Err(HistoryError::MissingColumn {
                        path: path.to_path_buf(),
                        wanted,
                    })
                }
            }
        }
        // The applicant's part just read, of an award paid to two payees.
        let mut applicant: Option<Applicant> = None;
        // Every award of such a rule read, by (申报编号, rule, year): its applicant's code.
        let mut seen: HashMap<(String, String, i64), String> = HashMap::new();
        for (n, row) in table.iter().enumerate().skip(1) {
            let cell = |c: usize| row.get(c).map(|s| s.trim()).unwrap_or("");
            // Money paid, and money owed back (应退, 多退少补), which nets a project's payments.
            let kind = cell(cols[4]);
            let refund = matches!(kind, "refund" | "应退");
            if !(kind.is_empty() || kind == "payout" || kind == "奖补资金" || refund) {
                applicant = None;
                continue;
            }
            let bad = |column, value: &str, what| HistoryError::BadValue {
                path: path.to_path_buf(),
                row: n + 1,
                column,
                value: value.into(),
                what,
            };
            let award_text = cell(cols[3]).replace(',', "");
            let award = parse_decimal(&award_text)
                .ok_or_else(|| bad("award", cell(cols[3]), "an amount"))?;
            let year: i64 = cell(cols[2])
                .trim_end_matches(".0")
                .parse()
                .map_err(|_| bad("application_year", cell(cols[2]), "a year"))?;
            let id = cell(cols[1]);
            // A line of a rule no policy loads still counts under its own id.
            let settles = policies.rule(id).is_some_and(|(_, r)| r.advance.is_some());
            let rule = policies
                .rule(id)
                .map(|(_, r)| r.id.clone())
                .unwrap_or_else(|| id.to_string());
            if settles && cols[5] == usize::MAX && !award.is_zero() {
                return Err(HistoryError::NoProject {
                    path: path.to_path_buf(),
                    row: n + 1,
                    rule,
                });
            }
            if refund && award > Decimal::ZERO {
                return Err(bad("award", cell(cols[3]), "a refund (应退 is negative)"));
            }
            let paid = Paid {
                credit_code: cell(cols[0]).to_string(),
                rule,
                year,
                award,
                project: cell(cols[5]).to_string(),
            };
            let payees = policies.rule(id).is_some_and(|(_, r)| r.payees.is_some());
            if !payees {
                applicant = None;
                self.push(paid);
                continue;
            }
            let parts = PayeeParts {
                path,
                row: n + 1,
                application: (cols[6] != usize::MAX).then(|| cell(cols[6])),
            };
            applicant = self.payee_part(paid, parts, applicant.take(), &mut seen)?;
        }
        Ok(())
    }

    /// Keeps a paid line (a line of 0.00 says nothing).
    fn push(&mut self, paid: Paid) -> Option<usize> {
        if paid.award.is_zero() {
            return None;
        }
        self.lines.push(paid);
        Some(self.lines.len() - 1)
    }

    /// A line of a rule paying two payees (合同能源管理). The run writes an award's payees on
    /// adjacent lines, the applicant first, both under the row's 申报编号: the second payee's
    /// part is credited to the applicant — the award is the applicant's project, a payee split
    /// does not make a second one, so it counts once, for the applicant, in every count and cap
    /// the history feeds. Returns the applicant whose part this line is, for the next line.
    fn payee_part(
        &mut self,
        paid: Paid,
        at: PayeeParts<'_>,
        applicant: Option<Applicant>,
        seen: &mut HashMap<(String, String, i64), String>,
    ) -> Result<Option<Applicant>, HistoryError> {
        let refuse = |problem: String| HistoryError::PayeeParts {
            path: at.path.to_path_buf(),
            row: at.row,
            rule: paid.rule.clone(),
            problem,
        };
        let Some(application) = at.application else {
            return Err(refuse("this history has no column application_id (申报编号) to tell the second payee's part from the applicant's".into()));
        };
        if let Some(a) = applicant.filter(|a| {
            (
                a.application.as_str(),
                a.rule.as_str(),
                a.year,
                a.project.as_str(),
            ) == (
                application,
                paid.rule.as_str(),
                paid.year,
                paid.project.as_str(),
            ) && a.credit_code != paid.credit_code
        }) {
            match a.at {
                Some(k) => self.lines[k].award += paid.award,
                None => {
                    self.push(Paid {
                        credit_code: a.credit_code,
                        ..paid
                    });
                }
            }
            return Ok(None);
        }
        let key = (application.to_string(), paid.rule.clone(), paid.year);
        if let Some(code) = seen.get(&key).filter(|c| **c != paid.credit_code) {
            return Err(refuse(format!(
                "this line of 申报编号 {application} ({}) is not next to the line of its applicant ({code})",
                paid.credit_code
            )));
        }
        seen.insert(key, paid.credit_code.clone());
        let next = Applicant {
            application: application.to_string(),
            rule: paid.rule.clone(),
            year: paid.year,
            project: paid.project.clone(),
            credit_code: paid.credit_code.clone(),
            at: None,
        };
        Ok(Some(Applicant {
            at: self.push(paid),
            ..next
        }))
    }

    /// The paid lines charged to each shared cap group: a line counts in every group its rule
    /// belongs to, and only there.
    pub fn shared(&self, policies: &PolicySet) -> SharedHistory {
        let groups = cap_groups(policies);
        let mut out = SharedHistory::default();
        for (k, p) in self.lines.iter().enumerate() {
            let project = match p.project.as_str() {
                "" => format!("{UNNUMBERED}{k}"),
                number => number.to_string(),
            };
            for (g, reach) in groups.get(p.rule.as_str()).into_iter().flatten() {
                out.0
                    .entry(p.credit_code.clone())
                    .or_default()
                    .push(Charge {
                        year: p.year,
                        group: g.to_string(),
                        reach: *reach,
                        project: project.clone(),
                        rule: p.rule.clone(),
                        award: p.award,
                    });
            }
        }
        out
    }

    /// Fills the history fields of every row (a row whose enterprise has no history gets
    /// nothing, which the engine reads as 0).
    pub fn join(&self, rows: &mut Rows, vocab: &Vocabulary, policies: &PolicySet) {
        if self.lines.is_empty() {
            return;
        }
        let id = |k: &str| vocab.id(k);
        let (Some(code_f), Some(rule_f), Some(year_f)) =
            (id("credit_code"), id("rule_id"), id("application_year"))
        else {
            return;
        };
        let mut by_enterprise: HashMap<&str, Vec<&Paid>> = HashMap::new();
        for p in &self.lines {
            by_enterprise
                .entry(p.credit_code.as_str())
                .or_default()
                .push(p);
        }
        // Rules sharing an enterprise-year cap group, by group.
        let mut group_rules: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for (_, r) in policies.rules() {
            for c in &r.caps {
                if let CapScope::EnterpriseYear { group } = &c.scope {
                    group_rules
                        .entry(group.as_str())
                        .or_default()
                        .insert(r.id.as_str());
                }
            }
        }
        let targets = [
            "prior_payout_years",
            "prior_payout_count",
            "prior_paid_same_achievement",
            "prior_paid_shared_cap",
            "prior_paid_project",
        ]
        .map(id);
        let project_f = id("project_id");
        for i in 0..rows.len() {
            let code = rows.text(i, code_f);
            let Some(paid) = by_enterprise.get(code.as_str()) else {
                continue;
            };
            let Some((_, rule)) = policies.rule(&rows.text(i, rule_f)) else {
                continue;
            };
            let Ok(year) = rows.text(i, year_f).parse::<i64>() else {
                continue;
            };
            let earlier: Vec<&&Paid> = paid
                .iter()
                .filter(|p| p.rule == rule.id && p.year < year)
                .collect();
            let row_project = project_f.map(|f| rows.text(i, f));
            let years = payout_years(&earlier, rule.max_years, row_project.as_deref());
            let count = earlier.iter().filter(|p| p.award > Decimal::ZERO).count();
            let same: Decimal = earlier.iter().map(|p| p.award).sum();
            let groups: Vec<&str> = rule
                .caps
                .iter()
                .filter_map(|c| match &c.scope {
                    CapScope::EnterpriseYear { group } => Some(group.as_str()),
                    // The history field is this year's shared payouts; a lifetime cap's history
                    // reaches the batch pass through `shared`.
                    CapScope::Enterprise { .. }
                    | CapScope::Project { .. }
                    | CapScope::Application => None,
                })
                .collect();
            let shared: Decimal = paid
                .iter()
                .filter(|p| {
                    p.year == year
                        && groups.iter().any(|g| {
                            group_rules
                                .get(g)
                                .is_some_and(|rs| rs.contains(p.rule.as_str()))
                        })
                })
                .map(|p| p.award)
                .sum();
            let project = project_paid(paid, rule, year, row_project);
            let values = [
                Decimal::from(years),
                Decimal::from(count),
                same,
                shared,
                project,
            ];
            for (f, v) in targets.iter().zip(values) {
                if let Some(f) = f {
                    rows.set(i, *f, Value::Num(v));
                }
            }
        }
    }
}

/// Where a line of a rule paying two payees was read.
struct PayeeParts<'a> {
    path: &'a Path,
    row: usize,
    /// Its 申报编号, when the history has the column.
    application: Option<&'a str>,
}

/// 已享受年数 (D10): the distinct earlier years in which the rule paid — the enterprise, or
/// under a per-project limit the row's project (项目编号). A refund is no year of support. A
/// row without 项目编号 is counted per enterprise; a history line without one counts for every
/// project (it may have been any of them): both can only refuse more, never pay more.
fn payout_years(earlier: &[&&Paid], limit: Option<YearLimit>, project: Option<&str>) -> usize {
    let project = match limit.map(|l| l.per) {
        Some(YearsPer::Project) => project.map(str::trim).filter(|p| !p.is_empty()),
        Some(YearsPer::Enterprise) | None => None,
    };
    earlier
        .iter()
        .filter(|p| p.award > Decimal::ZERO)
        .filter(|p| project.is_none_or(|n| p.project.is_empty() || p.project == n))
        .map(|p| p.year)
        .collect::<BTreeSet<i64>>()
        .len()
}

/// 本项目已拨付: what the history paid the enterprise for the same project under the same rule
/// in every year up to `year`, refunds deducted (预拨/清算, 多退少补). A row without a 项目编号
/// is its own project: no earlier line can be its.
fn project_paid(
    paid: &[&Paid],
    rule: &crate::rules::Rule,
    year: i64,
    project: Option<String>,
) -> Decimal {
    let project = project.unwrap_or_default();
    if rule.advance.is_none() || project.trim().is_empty() {
        return Decimal::ZERO;
    }
    paid.iter()
        .filter(|p| p.rule == rule.id && p.year <= year && p.project == project.trim())
        .map(|p| p.award)
        .sum()
}
