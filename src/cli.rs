//! The command line (命令行), in two phases as ripgrep does: [`Args`] is what the user typed
//! (clap), [`Command`] the validated settings the library runs. This module owns clap.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::engine::batch::payer_label;
use crate::rules::{describe, Outcome};
use std::io::Write;

use crate::run::{self, RunError};
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
}

/// subsidy: enterprise subsidy payouts (奖补资金) from application workbooks to an audited ledger.
#[derive(Debug, Parser)]
#[command(name = "subsidy", version, about, long_about = None)]
pub struct Args {
    /// Folder holding fields.json, aliases.toml, lpr.toml and the shipped policies.
    #[arg(long, global = true, env = "SUBSIDY_CONFIG", default_value = "config")]
    pub config: PathBuf,
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
        /// Application workbooks or folders (.xlsx .xls .ods .csv).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Validate policies and inputs without computing; list every problem with its cell.
    Check {
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
        inputs: Vec<PathBuf>,
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
        /// Row shapes per rule.
        #[arg(long, default_value = "samples/profile.json")]
        profile: PathBuf,
    },
    /// List the loaded rules with their clauses and formulas.
    Rules {
        #[arg(long = "policy")]
        policies: Vec<PathBuf>,
    },
}

/// Exit status for schedulers: 0 ledger written and every row computed or ruled ineligible;
/// 1 ledger written but some rows unreadable (or `check` found problems); 2 nothing written.
pub fn main_with(args: Args) -> i32 {
    match execute(args) {
        Ok(code) => code,
        // A closed pipe (`subsidy rules | head`) is the reader's choice, not an error.
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("subsidy: error: {e}");
            2
        }
    }
}

fn execute(args: Args) -> Result<i32, CliError> {
    match args.command {
        Sub::Run { policies, history, out, threads, inputs } => {
            if threads == Some(0) {
                return Err(RunError::Threads { threads: 0, message: "--threads must be at least 1".into() }.into());
            }
            let s = run::run(&args.config, &policies, &history, &inputs, &out, threads)?;
            let t = &s.totals;
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
            if s.exit_code == 1 {
                eprintln!("subsidy: {} rows could not be read; see 数据错误 in ledger.xlsx or {}", t.rows_exception, out.join("exceptions.csv").display());
            }
            Ok(s.exit_code)
        }
        Sub::Sample { rows, out, seed, year, profile } => {
            let vocab = crate::fields::Vocabulary::load(&args.config).map_err(RunError::from)?;
            let n = crate::sample::write_sample(&profile, &vocab, rows, seed, year, &out)?;
            eprintln!("subsidy: wrote {n} sample applications to {}", out.display());
            Ok(0)
        }
        Sub::Check { policies, inputs } => {
            let mut o = std::io::stdout().lock();
            let loaded = run::load(&args.config, &policies)?;
            writeln!(o, "policies: {} files, {} rules: OK", loaded.policies.policies.len(), loaded.policies.rule_count())?;
            if inputs.is_empty() {
                return Ok(0);
            }
            let computed = run::compute(&loaded, &inputs, &[], None)?;
            let apps = &computed.applications;
            for e in &apps.exceptions {
                writeln!(o, "{} [{}] {}: {} (value: {})", e.file, e.sheet, e.cell, e.reason, e.value)?;
            }
            for s in &computed.skipped_sheets {
                writeln!(o, "note: sheet {s} has no header row naming two known fields; not read")?;
            }
            writeln!(o, "inputs: {} rows read, {} rows with problems", apps.rows_in, apps.rows_excepted)?;
            Ok(if apps.rows_excepted > 0 { 1 } else { 0 })
        }
        Sub::Rules { policies } => {
            let mut o = std::io::stdout().lock();
            let loaded = run::load(&args.config, &policies)?;
            for p in &loaded.policies.policies {
                writeln!(o, "{} {} ({}, {} rules, payer {})", p.id, p.title, p.path.display(), p.rules.len(), payer_label(p.payer))?;
                for r in &p.rules {
                    let outcome = match &r.outcome {
                        Outcome::Payout => String::new(),
                        Outcome::Measure { label, .. } => format!(" [{label}]"),
                        Outcome::Verdict { label, .. } | Outcome::Text { label } => format!(" [认定：{label}]"),
                    };
                    writeln!(o, "  {}  {}  {}{outcome}", r.id, r.clause, r.formula.kind_label())?;
                    writeln!(o, "      {}", describe::formula(&loaded.vocab, &r.formula))?;
                }
            }
            Ok(0)
        }
    }
}
