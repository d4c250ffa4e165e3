//! The command line (命令行), in two phases as ripgrep does: [`Args`] is what the user typed
//! (clap, [`args`]), [`settings::Command`] the checked settings each command runs; one file per
//! command. This module owns clap and the mapping of errors to exit status 2.

mod args;
mod check;
mod compare;
mod explain;
mod reconcile;
mod rules;
mod run;
mod sample;
mod settings;
mod template;
mod verify;

pub use args::{Args, Sub};

use crate::domain::exit::ExitStatus;
use crate::pipeline::RunError;
use crate::sample::SampleError;
use settings::Command;

/// Everything that ends a command with exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Compare(#[from] crate::compare::CompareError),
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

/// Checks the arguments and runs the command they name.
fn execute(args: Args) -> Result<ExitStatus, CliError> {
    match Command::from_args(args)? {
        Command::Run(s) => run::execute(s),
        Command::Check(s) => check::execute(s),
        Command::Explain(s) => explain::execute(s),
        Command::Verify(s) => verify::execute(s),
        Command::Reconcile(s) => reconcile::execute(s),
        Command::Template(s) => template::execute(s),
        Command::Sample(s) => sample::execute(s),
        Command::Compare(s) => compare::execute(s),
        Command::Rules(s) => rules::execute(s),
    }
}
