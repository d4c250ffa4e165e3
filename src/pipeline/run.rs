//! `subsidy run` as one call: the settings a run takes, the run itself with its progress
//! stages and summary, and the optional stage timings for `make bench`.

use super::*;

/// What `subsidy run` reports back.
pub struct Summary {
    pub totals: Totals,
    /// SHA-256 of each output file.
    pub outputs: std::collections::BTreeMap<String, String>,
    /// [`ExitStatus::Success`], or [`ExitStatus::RowsUnreadable`] when some rows were unreadable.
    pub status: ExitStatus,
}

/// A stage of a run, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Loaded { rules: usize },
    Computed { rows: usize, lines: usize },
    Written,
}

/// Everything one run needs (一次批处理的设置), as the command line's settings step builds it.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Where the vocabulary, reference data and default policies come from.
    pub config: Config,
    /// Policy files or folders; empty: the policies of `config`.
    pub policies: Vec<PathBuf>,
    /// Earlier payouts (payouts.csv / ledger.xlsx files or folders).
    pub history: Vec<PathBuf>,
    /// Application workbooks or folders.
    pub inputs: Vec<PathBuf>,
    /// The output folder.
    pub out: PathBuf,
    pub options: Options,
}

/// Runs the batch as `settings` say; `progress` hears each stage as it ends.
pub fn run(settings: &RunSettings, progress: &dyn Fn(Stage)) -> Result<Summary, RunError> {
    let RunSettings {
        config,
        policies,
        history,
        inputs,
        out,
        options,
    } = settings;
    let loaded = load(config, policies)?;
    progress(Stage::Loaded {
        rules: loaded.policies.rule_count(),
    });
    let mut computed = compute_with(&loaded, inputs, history, options)?;
    progress(Stage::Computed {
        rows: computed.applications.rows_in,
        lines: computed.len(),
    });
    let status = if computed.applications.rows_excepted > 0 {
        ExitStatus::RowsUnreadable
    } else {
        ExitStatus::Success
    };
    let exceptions = std::mem::take(&mut computed.applications.exceptions);
    let inputs = std::mem::take(&mut computed.inputs);
    let history = std::mem::take(&mut computed.history);
    // One list of what was not read as data, sheets without a header first.
    let mut skipped_sheets = std::mem::take(&mut computed.skipped_sheets);
    skipped_sheets.append(&mut computed.set_aside);
    let report = Report {
        lines: &computed,
        exceptions,
        policies: &loaded.policies,
        vocab: &loaded.vocab,
        inputs,
        history,
        skipped_sheets,
        rows_in: computed.applications.rows_in,
        rows_excepted: computed.applications.rows_excepted,
        parquet: options.parquet,
    };
    let t = Timer::start();
    let (totals, outputs) = in_pool(options.threads, || Ok(write_outputs(&report, out, status)?))?;
    t.mark("write");
    progress(Stage::Written);
    Ok(Summary {
        totals,
        outputs,
        status,
    })
}

/// Stage timings and peak memory on stderr when `SUBSIDY_TIMINGS` is set (for `make bench`'s
/// profile of where a run's time goes).
pub(super) struct Timer {
    start: std::time::Instant,
    on: bool,
}

impl Timer {
    pub(super) fn start() -> Timer {
        Timer {
            start: std::time::Instant::now(),
            on: std::env::var_os("SUBSIDY_TIMINGS").is_some(),
        }
    }

    /// Prints the time since the start and the peak memory so far; returns the time.
    pub(super) fn mark(&self, stage: &str) -> std::time::Duration {
        let at = self.start.elapsed();
        if self.on {
            let peak = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmHWM:"))
                        .map(|l| l[6..].trim().to_string())
                })
                .unwrap_or_default();
            eprintln!("timing {stage:<10} {at:>10.3?}  peak {peak}");
        }
        at
    }

    /// The engine's own rate: lines through evaluation and the batch pass.
    pub(super) fn engine(&self, lines: usize, took: std::time::Duration) {
        if self.on {
            let rate = (lines as u128 * 1_000_000) / took.as_micros().max(1);
            eprintln!("timing   engine: {lines} lines evaluated and settled in {took:.3?}, {rate} lines/s");
        }
    }
}
