//! What the user typed (命令行参数), as clap parses it: the low-level arguments. Nothing here
//! is checked beyond clap's own parsing; [`super::settings`] turns it into what runs.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use rust_decimal::Decimal;

use crate::normalise::Shard;

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
        shard: Option<Shard>,
        /// The inputs are already part K of N of a batch split by enterprise elsewhere (e.g. the
        /// Spark job in cluster/): every row is kept; a programme budget is refused as with --shard.
        #[arg(long, value_name = "K/N", conflicts_with = "shard")]
        part: Option<Shard>,
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
        budget: Option<Decimal>,
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
