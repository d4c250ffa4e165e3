//! The command line (命令行), in two phases as ripgrep does: [`Args`] is what the user typed
//! (clap), [`Command`] the validated settings the library runs. This module owns clap.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::engine::batch::payer_label;
use crate::rules::{describe, Outcome};
use std::io::{IsTerminal, Write};

use crate::domain::config::Config;
use crate::domain::exit::ExitStatus;
use crate::pipeline::{self, RunError};
use crate::sample::SampleError;

/// Everything that ends a command with exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Sample(#[from] SampleError),
    #[error("cannot write to standard output: {0}")]
    Output(#[from] std::io::Error),
    #[error(transparent)]
    Verify(#[from] crate::audit::verify::VerifyError),
    #[error(transparent)]
    Reconcile(#[from] crate::audit::reconcile::ReconcileError),
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error(transparent)]
    Coverage(#[from] crate::rules::coverage::CoverageError),
    #[error("rule `{0}` is not in the loaded policies; `subsidy rules` lists them")]
    UnknownRule(String),
    #[error("reconcile needs INPUT files to recompute, --payments, or both")]
    NothingToReconcile,
}

/// subsidy: enterprise subsidy payouts (奖补资金) from application workbooks to an audited ledger.
#[derive(Debug, Parser)]
#[command(name = "subsidy", version, about, long_about = None)]
pub struct Args {
    /// Folder holding fields.json, aliases.toml, lpr.toml, params*.toml and the policies; it
    /// replaces the configuration built into the binary (the project's config/ when built).
    #[arg(long, global = true, env = "SUBSIDY_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Compute a batch and write ledger.xlsx, payouts.csv, exceptions.csv and manifest.json.
    Run {
        /// Policy file or folder (repeatable); default: the policies in --config.
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
        /// Payout history: earlier payouts.csv or ledger.xlsx files, or folders of them (repeatable).
        #[arg(long = "history")]
        history: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Worker threads (default: one per core). The result never depends on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Print nothing but errors (for nightly jobs).
        #[arg(long, short)]
        quiet: bool,
        /// Print a JSON summary (counts, totals, digests, exit reason) on standard output.
        #[arg(long)]
        json: bool,
        /// Compute only part K of N (0-based) of the batch, split by 统一社会信用代码, as a
        /// cluster's map step does; each part is a complete run with its own ledger.
        #[arg(long, value_name = "K/N")]
        shard: Option<crate::normalise::Shard>,
        /// The inputs are already part K of N of a batch split by enterprise elsewhere (e.g. the
        /// Spark job in cluster/): every row is kept; a programme budget is refused as with --shard.
        #[arg(long, value_name = "K/N", conflicts_with = "shard")]
        part: Option<crate::normalise::Shard>,
        /// Also write payouts.parquet (the rows of payouts.csv, amounts as Decimal(38,2)).
        #[arg(long)]
        parquet: bool,
        /// Application workbooks or folders (.xlsx .xls .ods .csv .parquet).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Validate policies and inputs without computing; list every problem with its cell.
    Check {
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
        /// Also write the problems as a workbook (问题清单) to send back to applicants.
        #[arg(long)]
        report: Option<PathBuf>,
        inputs: Vec<PathBuf>,
    },
    /// The full computation of one application, step by step, in Chinese.
    Explain {
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
        #[arg(long = "history")]
        history: Vec<PathBuf>,
        /// 申报编号 of the application.
        #[arg(long)]
        application: String,
        /// The batch the application belongs to (files or folders).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Detect edits to a ledger's figures (exit 0 intact, 1 edited).
    Verify { ledger: PathBuf },
    /// Recompute from the inputs and policies, or compare with a payment list, and classify
    /// every difference with the ledger (exit 0 none, 1 some).
    Reconcile {
        ledger: PathBuf,
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
        #[arg(long = "history")]
        history: Vec<PathBuf>,
        /// A bank or treasury payment list (统一社会信用代码 / 户名 / 金额).
        #[arg(long)]
        payments: Option<PathBuf>,
        /// Folder for reconciliation.xlsx and reconciliation.csv.
        #[arg(long, default_value = "reconcile")]
        out: PathBuf,
        inputs: Vec<PathBuf>,
    },
    /// Write a blank application form (申报表) for the chosen rules.
    Template {
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
        /// Catalogue rule ids the form is for (repeatable).
        #[arg(long = "rule", required = true)]
        rules: Vec<String>,
        /// The .xlsx file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a synthetic application batch (.xlsx or .csv) for demonstrations and benchmarks.
    Sample {
        /// Number of application rows.
        #[arg(long, default_value_t = 300)]
        rows: usize,
        /// Output file (.xlsx or .csv).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the generator; the same seed gives the same file.
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        /// 申报年度 of the rows.
        #[arg(long, default_value_t = 2023)]
        year: u32,
        /// Row shapes per rule (default: samples/profile.json as built into the binary).
        #[arg(long)]
        profile: Option<PathBuf>,
    },
    /// What-if (政策测算): the batch under two policy versions; writes compare.xlsx and compare.csv.
    Compare {
        /// Current policy file or folder (repeatable); default: the policies in --config.
        #[arg(long = "base")]
        base: Vec<PathBuf>,
        /// Proposed policy file or folder (repeatable).
        #[arg(long = "proposed", required = true)]
        proposed: Vec<PathBuf>,
        #[arg(long = "history")]
        history: Vec<PathBuf>,
        /// Budget (预算) in 元 to hold the proposed total against.
        #[arg(long)]
        budget: Option<rust_decimal::Decimal>,
        /// Output folder.
        #[arg(long, default_value = "compare")]
        out: PathBuf,
        /// Print the totals and differences as JSON on standard output.
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// List the loaded rules with their clauses and formulas.
    Rules {
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
        /// For every catalogue rule id: encoded and tested, or why not.
        #[arg(long)]
        coverage: bool,
    },
}

/// Runs a command; how it ended, for schedulers, is an [`ExitStatus`] (its docs say what each
/// means for each command).
pub fn main_with(args: Args) -> ExitStatus {
    match execute(args) {
        Ok(status) => status,
        // A closed pipe (`subsidy rules | head`) is the reader's choice, not an error.
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitStatus::Success
        }
        Err(e) => {
            eprintln!("subsidy: error: {e}");
            ExitStatus::Error
        }
    }
}

fn execute(args: Args) -> Result<ExitStatus, CliError> {
    let config = Config::from_arg(args.config);
    match args.command {
        Sub::Run {
            policies,
            history,
            out,
            threads,
            quiet,
            json,
            shard,
            part,
            parquet,
            inputs,
        } => {
            if threads == Some(0) {
                return Err(RunError::Threads {
                    threads: 0,
                    message: "--threads must be at least 1".into(),
                }
                .into());
            }
            let show = !quiet && !json && std::io::stderr().is_terminal();
            let progress = |stage: pipeline::Stage| {
                if show {
                    let text = match stage {
                        pipeline::Stage::Loaded { rules } => {
                            format!("已加载 {rules} 条政策规则，正在读取申报表…")
                        }
                        pipeline::Stage::Computed { rows, lines } => {
                            format!("已读取 {rows} 行，计算 {lines} 行，正在写出台账…")
                        }
                        pipeline::Stage::Written => "台账已写出".to_string(),
                    };
                    eprint!("\r\x1b[2K{text}");
                    if stage == pipeline::Stage::Written {
                        eprintln!();
                    }
                }
            };
            let options = pipeline::Options {
                threads,
                shard: shard.or(part),
                presplit: part.is_some(),
                parquet,
            };
            let s = match pipeline::run(
                &config, &policies, &history, &inputs, &out, &options, &progress,
            ) {
                Ok(s) => s,
                Err(e) if json => {
                    let status = ExitStatus::Error;
                    let report = serde_json::json!({ "status": status.json_word(), "exit_code": status.code(), "message": e.to_string() });
                    writeln!(std::io::stdout().lock(), "{report}")?;
                    return Ok(status);
                }
                Err(e) => return Err(e.into()),
            };
            let t = &s.totals;
            if json {
                let report = serde_json::json!({ "status": s.status.json_word(), "exit_code": s.status.code(), "out": out.display().to_string(), "totals": t, "outputs": s.outputs });
                writeln!(std::io::stdout().lock(), "{report}")?;
                return Ok(s.status);
            }
            if quiet {
                return Ok(s.status);
            }
            eprintln!(
                "subsidy: {} rows read: {} lines computed ({} payouts, {} ineligible, {} measures, {} verdicts), {} rows unreadable; award total {} 元; outputs in {}",
                t.rows_in,
                t.rows_computed,
                t.payout_lines,
                t.ineligible_lines,
                t.measure_lines,
                t.verdict_lines,
                t.rows_exception,
                t.award_total,
                out.display()
            );
            if t.pending_lines > 0 {
                eprintln!("subsidy: {} lines await review (待审核, not in the award total): {} 元 if approved; see sheet 待审核", t.pending_lines, t.pending_total);
            }
            if s.status == ExitStatus::RowsUnreadable {
                eprintln!(
                    "subsidy: {} rows could not be read; see 数据错误 in ledger.xlsx or {}",
                    t.rows_exception,
                    out.join("exceptions.csv").display()
                );
            }
            Ok(s.status)
        }
        Sub::Compare {
            base,
            proposed,
            history,
            budget,
            out,
            json,
            inputs,
        } => compare_command(
            &config, &base, &proposed, &history, &inputs, budget, &out, json,
        ),
        Sub::Explain {
            policies,
            history,
            application,
            inputs,
        } => {
            let mut o = std::io::stdout().lock();
            let loaded = pipeline::load(&config, &policies)?;
            let computed = pipeline::compute(&loaded, &inputs, &history, None)?;
            let all = computed.lines();
            let lines: Vec<_> = all
                .iter()
                .filter(|l| l.application_id == application)
                .collect();
            let refused: Vec<_> = computed
                .applications
                .exceptions
                .iter()
                .filter(|e| e.application_id == application)
                .collect();
            for l in &lines {
                writeln!(
                    o,
                    "申报编号 {} · {} · {}（{}）",
                    l.application_id, l.enterprise_name, l.rule_id, l.clause
                )?;
                writeln!(o, "政策 {}", l.policy)?;
                for (i, step) in l.line.trace.steps().enumerate() {
                    writeln!(o, "  {:>2}. {step}", i + 1)?;
                }
            }
            for e in &refused {
                writeln!(
                    o,
                    "申报编号 {application}：数据错误 {} {} {}：{}（原值 {}）",
                    e.file, e.sheet, e.cell, e.reason, e.value
                )?;
            }
            if lines.is_empty() && refused.is_empty() {
                eprintln!("subsidy: 申报编号 {application} is not in the inputs");
                return Ok(ExitStatus::ApplicationNotFound);
            }
            Ok(ExitStatus::Success)
        }
        Sub::Verify { ledger } => {
            let mut o = std::io::stdout().lock();
            let findings = crate::audit::verify::verify(&ledger)?;
            if findings.is_empty() {
                writeln!(
                    o,
                    "{}: 台账完好 (intact): every line and figure matches its check codes",
                    ledger.display()
                )?;
                return Ok(ExitStatus::Success);
            }
            for f in &findings {
                writeln!(o, "{f}")?;
            }
            writeln!(
                o,
                "{}: {} change(s) found",
                ledger.display(),
                findings.len()
            )?;
            Ok(ExitStatus::LedgerEdited)
        }
        Sub::Reconcile {
            ledger,
            policies,
            history,
            payments,
            out,
            inputs,
        } => {
            use crate::audit::reconcile;
            let mut o = std::io::stdout().lock();
            if inputs.is_empty() && payments.is_none() {
                return Err(CliError::NothingToReconcile);
            }
            let back = crate::audit::verify::read_back(&ledger)?;
            let mut diffs = Vec::new();
            if !inputs.is_empty() {
                let loaded = pipeline::load(&config, &policies)?;
                let computed = pipeline::compute(&loaded, &inputs, &history, None)?;
                let mut now = std::collections::BTreeMap::new();
                for i in &computed.inputs {
                    now.insert(format!("输入 {}", i.path.display()), i.sha256.clone());
                }
                for h in &computed.history {
                    now.insert(format!("历史 {}", h.path.display()), h.sha256.clone());
                }
                for p in &loaded.policies.policies {
                    now.insert(format!("政策 {}", p.path.display()), p.digest.clone());
                }
                diffs.extend(reconcile::against_recomputation(
                    &back,
                    &computed.lines(),
                    &now,
                ));
            }
            if let Some(p) = &payments {
                diffs.extend(reconcile::against_payments(
                    &back,
                    &reconcile::read_payments(p)?,
                ));
            }
            crate::audit::reconcile::write_reconciliation(&out, &diffs)?;
            for d in &diffs {
                writeln!(
                    o,
                    "{} {} {} {} 台账 {} / {} {}",
                    d.class,
                    d.application_id,
                    d.rule_id,
                    d.credit_code,
                    d.ledger,
                    d.other,
                    d.detail
                )?;
            }
            writeln!(
                o,
                "{} difference(s); written to {}",
                diffs.len(),
                out.join("reconciliation.xlsx").display()
            )?;
            Ok(if diffs.is_empty() {
                ExitStatus::Success
            } else {
                ExitStatus::DifferencesFound
            })
        }
        Sub::Template {
            policies,
            rules,
            out,
        } => {
            let loaded = pipeline::load(&config, &policies)?;
            let mut chosen = Vec::new();
            for id in &rules {
                chosen.push(
                    loaded
                        .policies
                        .rule(id)
                        .ok_or_else(|| CliError::UnknownRule(id.clone()))?,
                );
            }
            crate::ledger::template::write_template(&loaded.vocab, &chosen, &out)?;
            eprintln!(
                "subsidy: wrote the application form for {} rule(s) to {}",
                chosen.len(),
                out.display()
            );
            Ok(ExitStatus::Success)
        }
        Sub::Sample {
            rows,
            out,
            seed,
            year,
            profile,
        } => {
            let vocab =
                crate::domain::fields::Vocabulary::from_config(&config).map_err(RunError::from)?;
            let n = match profile {
                Some(path) => crate::sample::write_sample(&path, &vocab, rows, seed, year, &out)?,
                None => {
                    let shipped = crate::sample::SHIPPED_PROFILE;
                    crate::sample::write_sample_from(
                        shipped,
                        "samples/profile.json (built in)",
                        &vocab,
                        rows,
                        seed,
                        year,
                        &out,
                    )?
                }
            };
            eprintln!(
                "subsidy: wrote {n} sample applications to {}",
                out.display()
            );
            Ok(ExitStatus::Success)
        }
        Sub::Check {
            policies,
            report,
            inputs,
        } => {
            let mut o = std::io::stdout().lock();
            let loaded = pipeline::load(&config, &policies)?;
            writeln!(
                o,
                "policies: {} files, {} rules: OK",
                loaded.policies.policies.len(),
                loaded.policies.rule_count()
            )?;
            if inputs.is_empty() {
                return Ok(ExitStatus::Success);
            }
            let computed = pipeline::compute(&loaded, &inputs, &[], None)?;
            let apps = &computed.applications;
            for e in &apps.exceptions {
                writeln!(
                    o,
                    "{} [{}] {}: {} (value: {})",
                    e.file, e.sheet, e.cell, e.reason, e.value
                )?;
            }
            for s in &computed.skipped_sheets {
                writeln!(
                    o,
                    "note: sheet {s} has no header row naming two known fields; not read"
                )?;
            }
            for s in &computed.set_aside {
                writeln!(o, "note: {s}: not data, not read")?;
            }
            // 待审核 is information, not a problem: it changes no exit code.
            let held = computed.pending_lines();
            for l in &held {
                writeln!(
                    o,
                    "info: {} 待审核 {} {}: {}（审核通过前不予发放）",
                    l.source,
                    l.application_id,
                    l.rule_id,
                    l.reason()
                )?;
            }
            let mut unmatched = Vec::new();
            for s in &computed.sheets {
                for c in s.columns.iter().filter(|c| c.refused.is_some()) {
                    let at = crate::ingest::cell_ref(s.header_row, c.col);
                    let reason = c.refused.clone().unwrap_or_default();
                    writeln!(
                        o,
                        "note: {} [{}] {at}: 列“{}”未读入：{reason}",
                        s.file, s.name, c.header
                    )?;
                    unmatched.push([
                        s.file.clone(),
                        s.name.clone(),
                        at,
                        String::new(),
                        c.header.clone(),
                        format!("列未读入：{reason}"),
                    ]);
                }
                for c in s.columns.iter().filter(|c| c.field.is_none()) {
                    let hint = loaded
                        .vocab
                        .suggest_header(&c.header)
                        .map(|f| format!("，是否应为“{}”？", f.header_zh))
                        .unwrap_or_default();
                    let at = crate::ingest::cell_ref(s.header_row, c.col);
                    writeln!(
                        o,
                        "note: {} [{}] {at}: 列“{}”未匹配任何字段，作为其他列保留{hint}",
                        s.file, s.name, c.header
                    )?;
                    unmatched.push([
                        s.file.clone(),
                        s.name.clone(),
                        at,
                        String::new(),
                        c.header.clone(),
                        format!("列未匹配任何字段，作为其他列保留{hint}"),
                    ]);
                }
            }
            if let Some(path) = &report {
                let mut rows: Vec<[String; 6]> = apps
                    .exceptions
                    .iter()
                    .map(|e| {
                        [
                            e.file.clone(),
                            e.sheet.clone(),
                            e.cell.clone(),
                            e.application_id.clone(),
                            e.value.clone(),
                            e.reason.clone(),
                        ]
                    })
                    .collect();
                rows.extend(unmatched);
                rows.extend(held.iter().map(|l| {
                    [
                        l.source.clone(),
                        String::new(),
                        String::new(),
                        l.application_id.clone(),
                        l.rule_id.clone(),
                        format!("提示（非错误）：待审核，{}", l.reason()),
                    ]
                }));
                let bytes = crate::ledger::workbook::table(
                    "问题清单",
                    &["文件", "工作表", "单元格", "申报编号", "原值", "问题"],
                    &rows,
                )
                .map_err(crate::ledger::LedgerError::from)?;
                crate::ledger::write_atomic(path, &bytes)?;
                writeln!(o, "report: {}", path.display())?;
            }
            writeln!(
                o,
                "inputs: {} rows read, {} rows with problems, {} lines awaiting review (待审核)",
                apps.rows_in,
                apps.rows_excepted,
                held.len()
            )?;
            Ok(if apps.rows_excepted > 0 {
                ExitStatus::ProblemsFound
            } else {
                ExitStatus::Success
            })
        }
        Sub::Rules {
            policies,
            coverage: true,
        } => {
            let mut o = std::io::stdout().lock();
            let loaded = pipeline::load(&config, &policies)?;
            let cov = crate::rules::coverage::Coverage::from_config(&config)?;
            let mut counts = std::collections::BTreeMap::<(&str, &str), usize>::new();
            for e in &cov.rule {
                let encoded = loaded.policies.rule(&e.id);
                let status = match (encoded, e.examples_tested) {
                    (Some(_), 0) => "encoded",
                    (Some(_), _) => "encoded+tested",
                    (None, _) => "not encoded",
                };
                *counts.entry((e.computable.as_str(), status)).or_default() += 1;
                match encoded {
                    Some((p, r)) => {
                        let via = if r.id == e.id {
                            String::new()
                        } else {
                            format!(" (same as {})", r.id)
                        };
                        let not_run = if e.examples_not_run > 0 {
                            format!(", {} not run", e.examples_not_run)
                        } else {
                            String::new()
                        };
                        writeln!(
                            o,
                            "{:<62} {:<8} {status}: {} examples tested{not_run}; {}{via}",
                            e.id,
                            e.computable,
                            e.examples_tested,
                            p.path.display()
                        )?
                    }
                    None => writeln!(
                        o,
                        "{:<62} {:<8} not encoded: {}",
                        e.id, e.computable, e.reason
                    )?,
                }
            }
            writeln!(o)?;
            for ((computable, status), n) in &counts {
                writeln!(o, "{computable:<8} {status:<15} {n}")?;
            }
            Ok(ExitStatus::Success)
        }
        Sub::Rules {
            policies,
            coverage: false,
        } => {
            let mut o = std::io::stdout().lock();
            let loaded = pipeline::load(&config, &policies)?;
            let source = if policies.is_empty() {
                config.describe()
            } else {
                "--policy".to_string()
            };
            writeln!(o, "policies from {source}")?;
            for p in &loaded.policies.policies {
                writeln!(
                    o,
                    "{} {} ({}, {} rules, payer {})",
                    p.id,
                    p.title,
                    p.path.display(),
                    p.rules.len(),
                    payer_label(p.payer)
                )?;
                for r in &p.rules {
                    let outcome = match &r.outcome {
                        Outcome::Payout => String::new(),
                        Outcome::Measure { label, .. } => format!(" [{label}]"),
                        Outcome::Verdict { label, .. } | Outcome::Text { label } => {
                            format!(" [认定：{label}]")
                        }
                    };
                    writeln!(
                        o,
                        "  {}  {}  {}{outcome}",
                        r.id,
                        r.clause,
                        r.formula.kind_label()
                    )?;
                    for part in describe::terms(&loaded.vocab, p, r) {
                        writeln!(o, "      {part}")?;
                    }
                }
            }
            Ok(ExitStatus::Success)
        }
    }
}

/// `subsidy compare`: computes, writes, reports (exit 0; 2 on bad input, as `run`).
#[allow(clippy::too_many_arguments)]
fn compare_command(
    config: &crate::domain::config::Config,
    base: &[PathBuf],
    proposed: &[PathBuf],
    history: &[PathBuf],
    inputs: &[PathBuf],
    budget: Option<rust_decimal::Decimal>,
    out: &Path,
    json: bool,
) -> Result<crate::domain::exit::ExitStatus, CliError> {
    use std::io::Write;
    let result = crate::compare::compare(config, base, proposed, history, inputs, budget)
        .map_err(CliError::from)
        .and_then(|c| {
            crate::compare::write_comparison(&c, out)?;
            Ok(c)
        });
    let c = match result {
        Ok(c) => c,
        Err(e) if json => {
            let status = crate::domain::exit::ExitStatus::Error;
            let report = serde_json::json!({ "status": status.json_word(), "exit_code": status.code(), "message": e.to_string() });
            writeln!(std::io::stdout().lock(), "{report}")?;
            return Ok(status);
        }
        Err(e) => return Err(e),
    };
    if json {
        writeln!(
            std::io::stdout().lock(),
            "{}",
            crate::compare::summary_json(&c)
        )?;
    } else {
        let t = &c.total;
        eprintln!(
            "subsidy: 现行 {} 元，拟议 {} 元，差额 {} 元；{} 条规则变化，{} 行金额变化；outputs in {}",
            crate::domain::money::fixed2(t.base),
            crate::domain::money::fixed2(t.proposed),
            crate::domain::money::fixed2(t.difference()),
            c.rule_changes.len(),
            c.changes.len(),
            out.display()
        );
    }
    Ok(crate::domain::exit::ExitStatus::Success)
}
