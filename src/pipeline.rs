//! One run of the pipeline (一次批处理): load the vocabulary, LPR table and policies, read and
//! normalise the inputs, evaluate every line in parallel, settle the batch, write the outputs.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::domain::config::Config;
use crate::domain::exit::ExitStatus;
use crate::domain::fields::{FieldId, FieldsError, Vocabulary};
use crate::domain::value::Row;
use crate::engine::batch::{settle_open, Line, Pending, NOTHING_SHARED};
use crate::engine::{evaluate, evaluate_untraced, review, Context, Evaluation, StepKind, Trace};
use crate::ingest::IngestError;
use crate::ledger::{write_outputs, Facts, LedgerError, LedgerLine, Lines, Report, Totals};
use crate::normalise::{type_row, Applications, Normaliser, Rows, Shard, TypedRow};
use crate::rules::load::load_config_policies;
use crate::rules::lpr::{LprError, LprTable};
use crate::rules::{load_policies, Policy, PolicyError, PolicySet, Rule};

/// Everything that stops a run before any output is written (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Fields(#[from] FieldsError),
    #[error(transparent)]
    Lpr(#[from] LprError),
    #[error(transparent)]
    Params(#[from] crate::rules::params::ParamsError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
    #[error("internal error: rule `{rule}` of a normalised row is not loaded; please report this")]
    RuleVanished { rule: String },
    #[error("rule `{rule}` draws on the programme budget `{budget}`, which every enterprise of the batch shares; part {shard} alone cannot settle it: run the batch whole (without --shard)")]
    ShardedBudget {
        rule: String,
        budget: String,
        shard: String,
    },
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
}

/// The reference data a run reads: vocabulary, LPR series, policies.
pub struct Loaded {
    pub vocab: Vocabulary,
    pub lpr: LprTable,
    pub params: crate::rules::params::Params,
    pub policies: PolicySet,
}

/// Loads `fields.json`, `aliases.toml`, `lpr.toml` and `params*.toml` from `config` and the
/// policies from `policies` (files or folders; the configuration's own when empty).
pub fn load(config: &Config, policies: &[PathBuf]) -> Result<Loaded, RunError> {
    let vocab = Vocabulary::from_config(config)?;
    let lpr = LprTable::from_config(config)?;
    let params = crate::rules::params::Params::from_config(config)?;
    let policies = if policies.is_empty() {
        load_config_policies(config, &vocab)?
    } else {
        load_policies(policies, &vocab)?
    };
    Ok(Loaded {
        vocab,
        lpr,
        params,
        policies,
    })
}

/// What a run computed, before writing: the applications and one settled line per
/// application, in ledger order. Lines are made whole (identity, source, every step of the
/// trace) only when asked for, a chunk at a time.
pub struct Computed<'l> {
    loaded: &'l Loaded,
    pub applications: Applications,
    /// The rules the lines apply, each once.
    rules: Vec<RuleView<'l>>,
    /// Per application row: its rule (an index into `rules`) and its settled line, whose
    /// trace holds only the batch pass's steps (the rest is recomputed when the line is made
    /// whole).
    of_row: Vec<u32>,
    settled: Vec<Line>,
    /// Ledger order: the rows by 申报编号 (unique among computed rows), each with its part:
    /// 0 for the line itself, `n` for the n-th payee of a line paid to several (多个收款方).
    order: Vec<(u32, u32)>,
    /// Field id of 项目编号 (shown on each line, matched by a later settlement).
    project_field: FieldId,
    ident: IdentityFields,
    pub inputs: Vec<crate::ingest::InputFile>,
    pub history: Vec<crate::ingest::InputFile>,
    pub skipped_sheets: Vec<String>,
    /// Sheets and rows set aside as not data, described (hidden sheets, 栏次, 合计, footers).
    pub set_aside: Vec<String>,
    /// The sheets read, with their header binding (for `check`'s notes on unmatched columns).
    pub sheets: Vec<SheetColumns>,
}

/// A rule lines apply, with what its trace reads each time: the fields it reads and their
/// labels.
struct RuleView<'l> {
    policy: &'l Policy,
    rule: &'l Rule,
    inputs: Vec<(FieldId, String)>,
}

/// A sheet's header as read: file, name, header row and columns.
pub struct SheetColumns {
    pub file: String,
    pub name: String,
    pub header_row: u32,
    pub columns: Vec<crate::ingest::Column>,
}

/// Rows handed from the reading thread to the normalising one per message.
const READ_CHUNK: usize = 8192;

/// A chunk of rows read, with the sheets and files first seen since the last chunk.
struct ReadChunk {
    files: Vec<crate::ingest::InputFile>,
    sheets: Vec<crate::ingest::Sheet>,
    rows: Vec<crate::ingest::RawRow>,
}

/// How a run goes, beyond its inputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Bounds rayon's pool (None: one per core). The result never depends on it.
    pub threads: Option<usize>,
    /// Compute only one part of the batch, split by enterprise.
    pub shard: Option<Shard>,
    /// The inputs already hold just part `shard` of the batch, split by enterprise elsewhere (a
    /// cluster's shuffle): every row is kept, and what no part can settle alone is refused as
    /// with `shard`.
    pub presplit: bool,
    /// Also write `payouts.parquet`.
    pub parquet: bool,
}

/// Reads, normalises and computes. `threads` bounds rayon's pool (None: one per core).
pub fn compute<'l>(
    loaded: &'l Loaded,
    inputs: &[PathBuf],
    history: &[PathBuf],
    threads: Option<usize>,
) -> Result<Computed<'l>, RunError> {
    compute_with(
        loaded,
        inputs,
        history,
        &Options {
            threads,
            ..Options::default()
        },
    )
}

/// [`compute`] with every option.
pub fn compute_with<'l>(
    loaded: &'l Loaded,
    inputs: &[PathBuf],
    history: &[PathBuf],
    options: &Options,
) -> Result<Computed<'l>, RunError> {
    in_pool(options.threads, || {
        compute_in_pool(loaded, inputs, history, options)
    })
}

/// Runs `work` on a rayon pool of `threads` (None: the global pool, one thread per core).
fn in_pool<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> Result<T, RunError> + Send,
) -> Result<T, RunError> {
    match threads {
        None => work(),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| RunError::Threads {
                threads: n,
                message: e.to_string(),
            })?
            .install(work),
    }
}

fn compute_in_pool<'l>(
    loaded: &'l Loaded,
    inputs: &[PathBuf],
    history: &[PathBuf],
    options: &Options,
) -> Result<Computed<'l>, RunError> {
    let t = Timer::start();
    let known = |id: &str| loaded.policies.rule(id).is_some();
    let shard = options.shard.filter(|_| !options.presplit);
    let (batch, applications) = read_and_normalise(&loaded.vocab, &known, inputs, shard)?;
    compute_read(loaded, &batch, applications, history, options, &t)
}

/// Inputs read and normalised once, for [`compute_read_once`]: rows kept when some rule set
/// that will compute them knows their rule.
pub struct ReadInputs {
    pub batch: crate::ingest::Batch,
    pub applications: Applications,
}

/// Reads and normalises the inputs once (一次读入), keeping every row whose rule `known_rule`
/// accepts; the rules of several policy sets are then applied to it with
/// [`compute_read_once`] (`compare`).
pub fn read_once(
    vocab: &Vocabulary,
    known_rule: &dyn Fn(&str) -> bool,
    inputs: &[PathBuf],
) -> Result<ReadInputs, RunError> {
    let (batch, applications) = read_and_normalise(vocab, known_rule, inputs, None)?;
    Ok(ReadInputs {
        batch,
        applications,
    })
}

/// Computes `applications` (read once with [`read_once`], then narrowed to the rules of
/// `loaded`) under `loaded`'s rules, as [`compute`] does after reading.
pub fn compute_read_once<'l>(
    loaded: &'l Loaded,
    batch: &crate::ingest::Batch,
    applications: Applications,
    history: &[PathBuf],
) -> Result<Computed<'l>, RunError> {
    let t = Timer::start();
    compute_read(
        loaded,
        batch,
        applications,
        history,
        &Options::default(),
        &t,
    )
}

/// Everything after reading: the history joined, every row evaluated, the batch settled.
fn compute_read<'l>(
    loaded: &'l Loaded,
    batch: &crate::ingest::Batch,
    mut applications: Applications,
    history: &[PathBuf],
    options: &Options,
    t: &Timer,
) -> Result<Computed<'l>, RunError> {
    let shard = options.shard;
    let read = t.mark("read");
    let history = crate::history::History::load(history, &loaded.policies)?;
    history.join(&mut applications.rows, &loaded.vocab, &loaded.policies);
    let shared = history.shared(&loaded.policies);
    let rows = &applications.rows;
    let (of_row, rules) = resolve(loaded, rows)?;
    // A programme budget is shared by every enterprise of the batch: one part cannot settle it.
    if let (Some(shard), Some(v)) = (
        shard.filter(|s| s.count > 1),
        rules.iter().find(|v| v.rule.budget.is_some()),
    ) {
        return Err(RunError::ShardedBudget {
            rule: v.rule.id.clone(),
            budget: v.rule.budget.clone().unwrap_or_default(),
            shard: format!("{}/{}", shard.index, shard.count),
        });
    }
    let cx = Context {
        vocab: &loaded.vocab,
        lpr: &loaded.lpr,
        params: &loaded.params,
    };
    // The trace is made when a line is written; holding a million of them is not worth it.
    let evaluations: Vec<Evaluation> = (0..rows.len())
        .into_par_iter()
        .map(|i| {
            let r = &rules[of_row[i] as usize];
            let row = rows.row(i);
            let mut evaluation = evaluate_untraced(r.policy, r.rule, &row, cx);
            // 待审核: a review the row leaves open holds its amount back (engine::review).
            let (sheet, _) = applications.origin(i);
            let open = review::awaiting(r.policy, r.rule, &row, |f| sheet.has(f));
            if !open.is_empty() {
                review::hold(&mut evaluation, r.rule, || {
                    review::reason(&loaded.vocab, &open)
                });
            }
            evaluation
        })
        .collect();
    t.mark("evaluate");
    let ident = IdentityFields::of(&loaded.vocab);
    let projects = project_numbers(&applications.rows, &rules, loaded.vocab.id("project_id"));
    let settled = settle_lines(
        &applications,
        &rules,
        &of_row,
        evaluations,
        ident,
        (&shared, &projects),
    );
    let settle = t.mark("settle");
    t.engine(settled.len(), settle.saturating_sub(read));
    let order = with_payees(ledger_order(&applications.rows, ident), &settled);
    t.mark("order");
    let skipped_sheets = batch
        .skipped
        .iter()
        .map(|(f, s)| format!("{} {s}", batch.files[*f].path.display()))
        .collect();
    let set_aside = batch.set_aside.iter().map(|s| s.describe(batch)).collect();
    let sheets = batch
        .sheets
        .iter()
        .map(|s| SheetColumns {
            file: batch.files[s.file].path.display().to_string(),
            name: s.name.clone(),
            header_row: s.header_row,
            columns: s.columns.clone(),
        })
        .collect();
    Ok(Computed {
        loaded,
        applications,
        rules,
        of_row,
        settled,
        order,
        project_field: loaded.vocab.id("project_id").unwrap_or(FieldId::MAX),
        ident,
        inputs: batch.files.clone(),
        history: history.files,
        skipped_sheets,
        set_aside,
        sheets,
    })
}

/// Reads the inputs on one thread while this one types and checks the rows it hands over, a
/// chunk at a time (typing in parallel), so raw cells never pile up.
fn read_and_normalise(
    vocab: &Vocabulary,
    known_rule: &dyn Fn(&str) -> bool,
    inputs: &[PathBuf],
    shard: Option<Shard>,
) -> Result<(crate::ingest::Batch, Applications), RunError> {
    let mut normaliser = Normaliser::new(vocab, known_rule).with_shard(shard);
    let mut seen = crate::ingest::Batch::default();
    let (tx, rx) = std::sync::mpsc::sync_channel::<ReadChunk>(4);
    let batch = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let (mut files, mut sheets) = (0, 0);
            let mut rows = Vec::with_capacity(READ_CHUNK);
            let mut send = |batch: &crate::ingest::Batch, rows: Vec<crate::ingest::RawRow>| {
                let chunk = ReadChunk {
                    files: batch.files[files..].to_vec(),
                    sheets: batch.sheets[sheets..].to_vec(),
                    rows,
                };
                (files, sheets) = (batch.files.len(), batch.sheets.len());
                // The receiver only goes away on a panic; the reader then just finishes.
                let _ = tx.send(chunk);
            };
            // Rows of other parts are dropped as they are read (Parquet: before they are decoded).
            let keep = |code: &str| shard.is_none_or(|s| s.keeps(code));
            let filter = shard
                .and(vocab.id("credit_code"))
                .map(|field| crate::ingest::RowFilter { field, keep: &keep });
            let mut batch = crate::ingest::stream_inputs(
                inputs,
                vocab,
                &crate::ingest::Limits::default(),
                filter.as_ref(),
                &mut |batch, row| {
                    rows.push(row);
                    if rows.len() == READ_CHUNK {
                        send(
                            batch,
                            std::mem::replace(&mut rows, Vec::with_capacity(READ_CHUNK)),
                        );
                    }
                },
            )?;
            send(&batch, rows);
            batch.rows = Vec::new();
            Ok::<_, crate::ingest::IngestError>(batch)
        });
        for chunk in rx {
            seen.files.extend(chunk.files);
            seen.sheets.extend(chunk.sheets);
            let typed: Vec<TypedRow> = chunk
                .rows
                .par_iter()
                .map(|r| type_row(&seen, vocab, r))
                .collect();
            drop(chunk.rows);
            for t in typed {
                normaliser.accept(&seen, t);
            }
        }
        reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })?;
    let applications = normaliser.finish(&batch);
    Ok((batch, applications))
}

/// The fields of a line's identity (申报编号, 统一社会信用代码, 企业名称, 所属旗县区, 申报年度,
/// 申报条款编号: [`crate::normalise::IDENTITY`]), by name. A field the vocabulary lacks reads
/// as empty.
#[derive(Debug, Clone, Copy)]
struct IdentityFields {
    application_id: FieldId,
    credit_code: FieldId,
    enterprise_name: FieldId,
    region: FieldId,
    year: FieldId,
    rule_id: FieldId,
}

impl IdentityFields {
    fn of(v: &Vocabulary) -> Self {
        let id = |key: &str| v.id(key).unwrap_or(FieldId::MAX);
        IdentityFields {
            application_id: id("application_id"),
            credit_code: id("credit_code"),
            enterprise_name: id("enterprise_name"),
            region: id("region"),
            year: id("application_year"),
            rule_id: id("rule_id"),
        }
    }
}

/// The rule of every row (an index into the rules returned, each rule once). The normaliser
/// keeps only rows whose rule is loaded, so a miss here is a bug, reported as an error rather
/// than a panic.
fn resolve<'a>(loaded: &'a Loaded, rows: &Rows) -> Result<(Vec<u32>, Vec<RuleView<'a>>), RunError> {
    let rule_field = loaded.vocab.id("rule_id").unwrap_or(FieldId::MAX);
    let mut views: Vec<RuleView<'a>> = Vec::new();
    let mut index: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let mut of_row = Vec::with_capacity(rows.len());
    for i in 0..rows.len() {
        let id = rows.str(i, rule_field);
        let k = match index.get(id) {
            Some(k) => *k,
            None => {
                let (policy, rule) = loaded.policies.rule(id).ok_or(RunError::RuleVanished {
                    rule: id.to_string(),
                })?;
                // A rule answering several ids is still one view per id; that is a handful.
                let inputs = rule
                    .inputs()
                    .into_iter()
                    .map(|f| {
                        (
                            f,
                            crate::domain::fields::split_header_unit(
                                &loaded.vocab.get(f).header_zh,
                            )
                            .0,
                        )
                    })
                    .collect();
                views.push(RuleView {
                    policy,
                    rule,
                    inputs,
                });
                let k = (views.len() - 1) as u32;
                index.insert(id, k);
                k
            }
        };
        of_row.push(k);
    }
    Ok((of_row, views))
}

/// The batch pass over every line.
fn settle_lines(
    apps: &Applications,
    rules: &[RuleView<'_>],
    of_row: &[u32],
    evaluations: Vec<Evaluation>,
    ident: IdentityFields,
    (shared, projects): (&crate::history::SharedHistory, &[String]),
) -> Vec<Line> {
    let rows = &apps.rows;
    let IdentityFields {
        application_id: app_f,
        credit_code: code_f,
        year: year_f,
        rule_id: rule_f,
        ..
    } = ident;
    // A batch has a few distinct years: their text once each.
    let mut year_text: Vec<(Option<crate::domain::value::Value>, String)> = Vec::new();
    let year_of: Vec<u32> = (0..rows.len())
        .map(|i| {
            let v = rows.row(i).get(year_f).cloned();
            let k = year_text
                .iter()
                .position(|(y, _)| *y == v)
                .unwrap_or_else(|| {
                    year_text.push((v, rows.text(i, year_f)));
                    year_text.len() - 1
                });
            k as u32
        })
        .collect();
    // What the history paid inside shared caps, once per enterprise-year that has any.
    let mut prior: std::collections::HashMap<(&str, i64), crate::engine::batch::SharedPaid> =
        std::collections::HashMap::new();
    for i in 0..rows.len() {
        let code = rows.str(i, code_f);
        if let (true, Ok(year)) = (
            shared.has(code),
            year_text[year_of[i] as usize].1.parse::<i64>(),
        ) {
            prior
                .entry((code, year))
                .or_insert_with(|| shared.paid(code, year));
        }
    }
    let pending: Vec<Pending<'_>> = evaluations
        .into_iter()
        .enumerate()
        .map(|(i, evaluation)| {
            let RuleView { policy, rule, .. } = rules[of_row[i] as usize];
            let (credit_code, year) = (rows.str(i, code_f), &year_text[year_of[i] as usize].1);
            Pending {
                rule,
                payer: policy.payer,
                evaluation,
                credit_code,
                year,
                project: projects.get(i).map_or("", String::as_str),
                order: (rows.str(i, app_f), rows.str(i, rule_f)),
                prior_shared: year
                    .parse()
                    .ok()
                    .and_then(|y: i64| prior.get(&(credit_code, y)))
                    .unwrap_or(&NOTHING_SHARED),
                budget: rule
                    .budget
                    .as_ref()
                    .and_then(|b| policy.budgets.iter().find(|x| &x.id == b)),
            }
        })
        .collect();
    settle_open(pending)
}

/// Every row's 项目编号, trimmed ("" when it has none), when some rule caps or counts by
/// project; none otherwise (no rule would read them).
fn project_numbers(rows: &Rows, rules: &[RuleView<'_>], field: Option<FieldId>) -> Vec<String> {
    let by_project = rules.iter().any(|v| {
        !v.rule.limits.is_empty()
            || v.rule
                .caps
                .iter()
                .any(|c| matches!(c.scope, crate::rules::CapScope::Project { .. }))
    });
    match (by_project, field) {
        (true, Some(f)) => (0..rows.len())
            .map(|i| rows.text(i, f).trim().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Ledger order: the rows by 申报编号 (unique among computed rows).
fn ledger_order(rows: &Rows, ident: IdentityFields) -> Vec<u32> {
    let app_f = ident.application_id;
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    order.par_sort_unstable_by(|a, b| {
        rows.str(*a as usize, app_f)
            .cmp(rows.str(*b as usize, app_f))
            .then(a.cmp(b))
    });
    order
}

/// Ledger order with each line paid to several payees (多个收款方) replaced by its payees'
/// lines, applicant first.
fn with_payees(rows: Vec<u32>, settled: &[Line]) -> Vec<(u32, u32)> {
    let mut order = Vec::with_capacity(rows.len());
    for i in rows {
        match settled[i as usize].payees.len() as u32 {
            0 => order.push((i, 0)),
            n => order.extend((1..=n).map(|part| (i, part))),
        }
    }
    order
}

impl Computed<'_> {
    /// Number of lines.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The settled line at ledger position `k` (a payee's part where the line has several),
    /// with the payee's credit code and name when it is not the applicant.
    fn settled_at(&self, k: usize) -> (usize, &Line, Option<&(String, String)>) {
        let (i, part) = self.order[k];
        let (i, whole) = (i as usize, &self.settled[i as usize]);
        match part
            .checked_sub(1)
            .and_then(|j| whole.payees.get(j as usize))
        {
            Some(p) => (i, &p.line, p.payee.as_ref()),
            None => (i, whole, None),
        }
    }

    /// Whether the batch has no line.
    pub fn is_empty(&self) -> bool {
        self.settled.is_empty()
    }

    /// Line `k` (ledger order), whole: identity, source and every step of its trace.
    pub fn line(&self, k: usize) -> LedgerLine {
        let (i, part, payee) = self.settled_at(k);
        let settled = &self.settled[i];
        let (loaded, apps, view) = (
            self.loaded,
            &self.applications,
            &self.rules[self.of_row[i] as usize],
        );
        let rows = &apps.rows;
        let ident = self.ident;
        let text = |f: FieldId| rows.text(i, f);
        let (credit_code, enterprise_name) = match payee {
            Some((code, name)) => (code.clone(), name.clone()),
            None => (text(ident.credit_code), text(ident.enterprise_name)),
        };
        let cx = Context {
            vocab: &loaded.vocab,
            lpr: &loaded.lpr,
            params: &loaded.params,
        };
        let mut trace = read_steps(loaded, apps, view, i);
        trace.append(&evaluate(view.policy, view.rule, &rows.row(i), cx).trace);
        trace.append(&settled.trace);
        if !std::ptr::eq(part, settled) {
            trace.append(&part.trace);
        }
        // Not `..settled.clone()`: that would copy the batch steps just appended.
        let mut line = Line {
            kind: part.kind.clone(),
            amount: part.amount,
            shares: part.shares.clone(),
            trace,
            payees: Vec::new(),
        };
        line.close();
        LedgerLine {
            application_id: text(ident.application_id),
            credit_code,
            enterprise_name,
            region: text(ident.region),
            year: text(ident.year),
            clause: view.rule.clause.clone(),
            policy: view.policy.title.clone(),
            formula_kind: view.rule.formula.kind_label(),
            rule_id: text(ident.rule_id),
            line,
            source: apps.source(i),
            extras: apps.extras(i).to_string(),
            project_id: rows.text(i, self.project_field),
        }
    }

    /// The 待审核 lines, whole, in ledger order (for `check`).
    pub fn pending_lines(&self) -> Vec<LedgerLine> {
        (0..self.len())
            .filter(|&k| self.settled_at(k).1.is_pending())
            .map(|k| self.line(k))
            .collect()
    }

    /// Every line, whole (for `explain` and `reconcile`; a run writes them a chunk at a time).
    pub fn lines(&self) -> Vec<LedgerLine> {
        self.whole(0..self.len())
    }
}

impl Lines for Computed<'_> {
    fn count(&self) -> usize {
        self.len()
    }

    fn facts(&self, k: usize) -> Facts<'_> {
        let (i, line, payee) = self.settled_at(k);
        let (rows, rule) = (
            &self.applications.rows,
            self.rules[self.of_row[i] as usize].rule,
        );
        Facts {
            line,
            rule_id: &rule.id,
            clause: &rule.clause,
            region: rows.str(i, self.ident.region),
            credit_code: payee.map_or(rows.str(i, self.ident.credit_code), |(code, _)| {
                code.as_str()
            }),
        }
    }

    fn whole(&self, range: std::ops::Range<usize>) -> Vec<LedgerLine> {
        // Lines are made alone (each re-evaluated with its trace): in parallel, in order.
        range.into_par_iter().map(|k| self.line(k)).collect()
    }
}

/// The row as read, for the trace: each field the rule reads, its value and its cell.
fn read_steps(loaded: &Loaded, apps: &Applications, view: &RuleView<'_>, i: usize) -> Trace {
    let (sheet, row) = apps.origin(i);
    let mut trace = Trace::default();
    trace.push(
        StepKind::Input,
        &format!(
            "申报 {} {} 第{}行，适用 {}（{}）",
            sheet.file, sheet.name, row, view.rule.id, view.rule.clause
        ),
    );
    for (f, label) in &view.inputs {
        let field = loaded.vocab.get(*f);
        match (apps.rows.row(i).get(*f), apps.cell(i, *f)) {
            (Some(v), Some(at)) => trace.push(
                StepKind::Input,
                &format!("读入 {label} = {}（{}!{at}）", v.display(field), sheet.name),
            ),
            (Some(v), None) => trace.push(
                StepKind::Input,
                &format!("读入 {label} = {}", v.display(field)),
            ),
            (None, _) => trace.push(StepKind::Input, &format!("读入 {label}：未填")),
        }
    }
    // A flag with neither value nor column that the policy does not require reviewed is 是.
    let row = apps.rows.row(i);
    for f in view
        .rule
        .flags
        .iter()
        .filter(|f| row.get(**f).is_none() && !sheet.has(**f))
    {
        if view.policy.review == crate::rules::Review::Assumed {
            trace.push(
                StepKind::Review,
                &format!(
                    "审核 申报表无“{}”列，本政策按“是”计（review = \"assumed\"）",
                    loaded.vocab.get(*f).header_zh
                ),
            );
        }
    }
    trace
}

mod run;
use run::Timer;
pub use run::{run, RunSettings, Stage, Summary};
