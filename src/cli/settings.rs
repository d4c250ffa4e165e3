//! The settings step (设置): what clap parsed ([`Args`]) checked and turned into what each
//! command runs — ripgrep's low → high arguments. Defaults that depend on more than one flag,
//! and checks clap cannot express, are made here, once; the command files only run.

use std::path::PathBuf;

use rust_decimal::Decimal;

use super::args::{Args, Sub};
use super::CliError;
use crate::domain::config::Config;
use crate::pipeline::{Options, RunError, RunSettings};

/// A command with its settings.
#[derive(Debug)]
pub(crate) enum Command {
    Run(Run),
    Check(Check),
    Explain(Explain),
    Verify(Verify),
    Reconcile(Reconcile),
    Template(Template),
    Sample(Sample),
    Compare(Compare),
    Rules(Rules),
}

/// How `run` tells what it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Report {
    /// Nothing but errors (`--quiet`).
    Quiet,
    /// A JSON summary on standard output (`--json`).
    Json,
    /// Sentences on standard error, with progress when standard error is a terminal.
    Human,
}

/// `subsidy run`: one pipeline run and how to report it.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) run: RunSettings,
    pub(crate) report: Report,
}

/// `subsidy check`.
#[derive(Debug)]
pub(crate) struct Check {
    pub(crate) config: Config,
    pub(crate) policies: Vec<PathBuf>,
    pub(crate) report: Option<PathBuf>,
    pub(crate) inputs: Vec<PathBuf>,
}

/// `subsidy explain`.
#[derive(Debug)]
pub(crate) struct Explain {
    pub(crate) config: Config,
    pub(crate) policies: Vec<PathBuf>,
    pub(crate) history: Vec<PathBuf>,
    pub(crate) application: String,
    pub(crate) inputs: Vec<PathBuf>,
}

/// `subsidy verify`.
#[derive(Debug)]
pub(crate) struct Verify {
    pub(crate) ledger: PathBuf,
}

/// What `reconcile` compares the ledger with: a recomputation, a payment list, or both.
#[derive(Debug)]
pub(crate) struct Reconcile {
    pub(crate) config: Config,
    pub(crate) ledger: PathBuf,
    pub(crate) policies: Vec<PathBuf>,
    pub(crate) history: Vec<PathBuf>,
    pub(crate) payments: Option<PathBuf>,
    pub(crate) out: PathBuf,
    pub(crate) inputs: Vec<PathBuf>,
}

/// `subsidy template`.
#[derive(Debug)]
pub(crate) struct Template {
    pub(crate) config: Config,
    pub(crate) policies: Vec<PathBuf>,
    pub(crate) rules: Vec<String>,
    pub(crate) out: PathBuf,
}

/// `subsidy sample`.
#[derive(Debug)]
pub(crate) struct Sample {
    pub(crate) config: Config,
    pub(crate) rows: usize,
    pub(crate) out: PathBuf,
    pub(crate) seed: u64,
    pub(crate) year: u32,
    pub(crate) profile: Option<PathBuf>,
}

/// `subsidy compare`.
#[derive(Debug)]
pub(crate) struct Compare {
    pub(crate) config: Config,
    pub(crate) base: Vec<PathBuf>,
    pub(crate) proposed: Vec<PathBuf>,
    pub(crate) history: Vec<PathBuf>,
    pub(crate) budget: Option<Decimal>,
    pub(crate) out: PathBuf,
    pub(crate) json: bool,
    pub(crate) inputs: Vec<PathBuf>,
}

/// `subsidy rules`.
#[derive(Debug)]
pub(crate) struct Rules {
    pub(crate) config: Config,
    pub(crate) policies: Vec<PathBuf>,
    pub(crate) coverage: bool,
}

impl Command {
    /// Checks what clap parsed and builds the command's settings.
    pub(crate) fn from_args(args: Args) -> Result<Command, CliError> {
        let config = Config::from_arg(args.config);
        Ok(match args.command {
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
                let report = match (json, quiet) {
                    (true, _) => Report::Json,
                    (false, true) => Report::Quiet,
                    (false, false) => Report::Human,
                };
                let options = Options {
                    threads,
                    shard: shard.or(part),
                    presplit: part.is_some(),
                    parquet,
                };
                Command::Run(Run {
                    run: RunSettings {
                        config,
                        policies,
                        history,
                        inputs,
                        out,
                        options,
                    },
                    report,
                })
            }
            Sub::Check {
                policies,
                report,
                inputs,
            } => Command::Check(Check {
                config,
                policies,
                report,
                inputs,
            }),
            Sub::Explain {
                policies,
                history,
                application,
                inputs,
            } => Command::Explain(Explain {
                config,
                policies,
                history,
                application,
                inputs,
            }),
            Sub::Verify { ledger } => Command::Verify(Verify { ledger }),
            Sub::Reconcile {
                ledger,
                policies,
                history,
                payments,
                out,
                inputs,
            } => {
                if inputs.is_empty() && payments.is_none() {
                    return Err(CliError::NothingToReconcile);
                }
                Command::Reconcile(Reconcile {
                    config,
                    ledger,
                    policies,
                    history,
                    payments,
                    out,
                    inputs,
                })
            }
            Sub::Template {
                policies,
                rules,
                out,
            } => Command::Template(Template {
                config,
                policies,
                rules,
                out,
            }),
            Sub::Sample {
                rows,
                out,
                seed,
                year,
                profile,
            } => Command::Sample(Sample {
                config,
                rows,
                out,
                seed,
                year,
                profile,
            }),
            Sub::Compare {
                base,
                proposed,
                history,
                budget,
                out,
                json,
                inputs,
            } => Command::Compare(Compare {
                config,
                base,
                proposed,
                history,
                budget,
                out,
                json,
                inputs,
            }),
            Sub::Rules { policies, coverage } => Command::Rules(Rules {
                config,
                policies,
                coverage,
            }),
        })
    }
}
