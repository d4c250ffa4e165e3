//! `subsidy sample`: a synthetic application batch for demonstrations and benchmarks.

use super::settings::Sample;
use super::CliError;
use crate::domain::exit::ExitStatus;
use crate::pipeline::RunError;

/// Writes the batch (exit 0).
pub(crate) fn execute(settings: Sample) -> Result<ExitStatus, CliError> {
    let Sample {
        config,
        rows,
        out,
        seed,
        year,
        profile,
    } = settings;
    let vocab = crate::domain::fields::Vocabulary::from_config(&config).map_err(RunError::from)?;
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
