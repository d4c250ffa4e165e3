//! One run of the pipeline (一次批处理): load the vocabulary, LPR table and policies, read and
//! normalise the inputs, evaluate every line in parallel, settle the batch, write the outputs.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::engine::batch::{settle, Pending};
use crate::engine::{evaluate, Context, Evaluation};
use crate::fields::{FieldsError, Vocabulary};
use crate::ingest::{read_inputs, IngestError};
use crate::ledger::{write_outputs, LedgerError, LedgerLine, Report, Totals};
use crate::normalise::{normalise, Applications, Rows};
use crate::rules::lpr::{LprError, LprTable};
use crate::rules::{load_policies, Policy, PolicyError, PolicySet, Rule};
use crate::value::Row;

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

/// Loads `fields.json`, `aliases.toml` and `lpr.toml` from `config` and the policies from
/// `policies` (files or folders; the config folder when empty).
pub fn load(config: &Path, policies: &[PathBuf]) -> Result<Loaded, RunError> {
    let vocab = Vocabulary::load(config)?;
    let lpr = LprTable::load(config)?;
    let params = crate::rules::params::Params::load(config)?;
    let paths = if policies.is_empty() { vec![config.to_path_buf()] } else { policies.to_vec() };
    let policies = load_policies(&paths, &vocab)?;
    Ok(Loaded { vocab, lpr, params, policies })
}

/// What a run computed, before writing.
pub struct Computed {
    pub applications: Applications,
    pub lines: Vec<LedgerLine>,
    pub inputs: Vec<crate::ingest::InputFile>,
    pub history: Vec<crate::ingest::InputFile>,
    pub skipped_sheets: Vec<String>,
    /// The sheets read, with their header binding (for `check`'s notes on unmatched columns).
    pub sheets: Vec<SheetColumns>,
}

/// A sheet's header as read: file, name, header row and columns.
pub struct SheetColumns {
    pub file: String,
    pub name: String,
    pub header_row: u32,
    pub columns: Vec<crate::ingest::Column>,
}

/// Reads, normalises and computes. `threads` bounds rayon's pool (None: one per core).
pub fn compute(loaded: &Loaded, inputs: &[PathBuf], history: &[PathBuf], threads: Option<usize>) -> Result<Computed, RunError> {
    let t = Timer::start();
    let mut batch = read_inputs(inputs, &loaded.vocab)?;
    t.mark("read");
    let history = crate::history::History::load(history, &loaded.policies)?;
    let mut applications = normalise(&batch, &loaded.vocab, &|id| loaded.policies.rule(id).is_some());
    // The raw cells and the frame have done their work once the engine's view exists; memory
    // should hold one copy of a batch, not three.
    t.mark("normalise");
    batch.rows = Vec::new();
    let mut rows = Rows::from_frame(&applications.frame, &loaded.vocab);
    applications.frame = crate::normalise::Frame::empty();
    t.mark("rows");
    history.join(&mut rows, &loaded.vocab, &loaded.policies);
    let rules = resolve(loaded, &rows)?;
    let evaluations = evaluate_all(loaded, &rows, &rules, threads)?;
    t.mark("evaluate");
    let lines = settle_lines(loaded, &rows, &rules, &applications, evaluations);
    t.mark("settle");
    let skipped_sheets = batch
        .skipped
        .iter()
        .map(|(f, s)| format!("{} {s}", batch.files[*f].path.display()))
        .collect();
    let sheets = batch
        .sheets
        .iter()
        .map(|s| SheetColumns { file: batch.files[s.file].path.display().to_string(), name: s.name.clone(), header_row: s.header_row, columns: s.columns.clone() })
        .collect();
    Ok(Computed { applications, lines, inputs: batch.files, history: history.files, skipped_sheets, sheets })
}

/// The policy and rule of every row. normalise() keeps only rows whose rule is loaded, so a
/// miss here is a bug, reported as an error rather than a panic.
fn resolve<'a>(loaded: &'a Loaded, rows: &Rows) -> Result<Vec<(&'a Policy, &'a Rule)>, RunError> {
    let rule_field = loaded.vocab.id("rule_id");
    (0..rows.len())
        .map(|i| {
            let id = rule_field.map(|f| rows.text(i, f)).unwrap_or_default();
            loaded.policies.rule(&id).ok_or(RunError::RuleVanished { rule: id })
        })
        .collect()
}

fn evaluate_all(loaded: &Loaded, rows: &Rows, rules: &[(&Policy, &Rule)], threads: Option<usize>) -> Result<Vec<Evaluation>, RunError> {
    let cx = Context { vocab: &loaded.vocab, lpr: &loaded.lpr, params: &loaded.params };
    let work = || -> Vec<Evaluation> { (0..rows.len()).into_par_iter().map(|i| evaluate(rules[i].0, rules[i].1, &rows.row(i), cx)).collect() };
    match threads {
        None => Ok(work()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(work))
            .map_err(|e| RunError::Threads { threads: n, message: e.to_string() }),
    }
}

fn settle_lines(loaded: &Loaded, rows: &Rows, rules: &[(&Policy, &Rule)], apps: &Applications, evaluations: Vec<Evaluation>) -> Vec<LedgerLine> {
    let v = &loaded.vocab;
    let key = |k: &str| v.id(k);
    let ident: Vec<[String; 6]> = (0..rows.len())
        .map(|i| {
            crate::normalise::IDENTITY.map(|k| key(k).map(|f| rows.text(i, f)).unwrap_or_default())
        })
        .collect();
    let prior_shared = v.id("prior_paid_shared_cap");
    let pending: Vec<Pending<'_>> = evaluations
        .into_iter()
        .enumerate()
        .map(|(i, mut evaluation)| {
            let (policy, rule) = rules[i];
            let mut trace = crate::engine::Trace::from_steps(read_steps(loaded, rows, rule, apps, i));
            trace.append(&evaluation.trace);
            evaluation.trace = trace;
            Pending {
                rule,
                payer: policy.payer,
                evaluation,
                credit_code: &ident[i][1],
                year: &ident[i][4],
                order: (&ident[i][0], &ident[i][5]),
                prior_shared: prior_shared.and_then(|f| match rows.row(i).get(f) {
                    Some(crate::value::Value::Num(d)) => Some(*d),
                    _ => None,
                })
                .unwrap_or_default(),
                budget: rule.budget.as_ref().and_then(|b| policy.budgets.iter().find(|x| &x.id == b)),
            }
        })
        .collect();
    let settled = settle(pending);
    let mut lines: Vec<LedgerLine> = settled
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let [application_id, credit_code, enterprise_name, region, year, rule_id] = ident[i].clone();
            let (policy, rule) = rules[i];
            let p = &apps.provenance[i];
            LedgerLine {
                application_id,
                credit_code,
                enterprise_name,
                region,
                year,
                clause: rule.clause.clone(),
                policy: policy.title.clone(),
                formula_kind: rule.formula.kind_label(),
                rule_id,
                line,
                source: format!("{} {} 第{}行", p.file, p.sheet, p.row),
                extras: apps.extras[i].clone(),
            }
        })
        .collect();
    lines.sort_by(|a, b| (&a.application_id, &a.rule_id, &a.source).cmp(&(&b.application_id, &b.rule_id, &b.source)));
    lines
}

/// The row as read, for the trace: each field the rule reads, its value and its cell.
fn read_steps(loaded: &Loaded, rows: &Rows, rule: &Rule, apps: &Applications, i: usize) -> Vec<String> {
    let p = &apps.provenance[i];
    let mut steps = vec![format!("申报 {} {} 第{}行，适用 {}（{}）", p.file, p.sheet, p.row, rule.id, rule.clause)];
    for f in rule.inputs() {
        let field = loaded.vocab.get(f);
        let label = crate::fields::split_header_unit(&field.header_zh).0;
        let cell = apps.cells[i].binary_search_by_key(&f, |(g, _)| *g).ok().map(|k| apps.cells[i][k].1.as_str());
        match (rows.row(i).get(f), cell) {
            (Some(v), Some(at)) => steps.push(format!("读入 {label} = {}（{}!{at}）", v.display(field), p.sheet)),
            (Some(v), None) => steps.push(format!("读入 {label} = {}", v.display(field))),
            (None, _) => steps.push(format!("读入 {label}：未填")),
        }
    }
    steps
}

/// What `subsidy run` reports back.
pub struct Summary {
    pub totals: Totals,
    /// SHA-256 of each output file.
    pub outputs: std::collections::BTreeMap<String, String>,
    /// 0: every row computed or ruled ineligible; 1: some rows were unreadable.
    pub exit_code: i32,
}

/// Runs the whole pipeline and writes the outputs into `out`.
/// A stage of a run, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Loaded { rules: usize },
    Computed { rows: usize, lines: usize },
    Written,
}

pub fn run(
    config: &Path,
    policies: &[PathBuf],
    history: &[PathBuf],
    inputs: &[PathBuf],
    out: &Path,
    threads: Option<usize>,
    progress: &dyn Fn(Stage),
) -> Result<Summary, RunError> {
    let loaded = load(config, policies)?;
    progress(Stage::Loaded { rules: loaded.policies.rule_count() });
    let computed = compute(&loaded, inputs, history, threads)?;
    progress(Stage::Computed { rows: computed.applications.rows_in, lines: computed.lines.len() });
    let exit_code = if computed.applications.rows_excepted > 0 { 1 } else { 0 };
    let report = Report {
        lines: computed.lines,
        exceptions: computed.applications.exceptions,
        policies: &loaded.policies,
        vocab: &loaded.vocab,
        inputs: computed.inputs,
        history: computed.history,
        skipped_sheets: computed.skipped_sheets,
        rows_in: computed.applications.rows_in,
        rows_excepted: computed.applications.rows_excepted,
    };
    let t = Timer::start();
    let (totals, outputs) = write_outputs(&report, out, exit_code)?;
    t.mark("write");
    progress(Stage::Written);
    Ok(Summary { totals, outputs, exit_code })
}

/// Stage timings and peak memory on stderr when `SUBSIDY_TIMINGS` is set (for `make bench`'s
/// profile of where a run's time goes).
struct Timer {
    start: std::time::Instant,
    on: bool,
}

impl Timer {
    fn start() -> Timer {
        Timer { start: std::time::Instant::now(), on: std::env::var_os("SUBSIDY_TIMINGS").is_some() }
    }

    fn mark(&self, stage: &str) {
        if self.on {
            let peak = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l[6..].trim().to_string()))
                .unwrap_or_default();
            eprintln!("timing {stage:<10} {:>8.3} s  peak {peak}", self.start.elapsed().as_secs_f64());
        }
    }
}
