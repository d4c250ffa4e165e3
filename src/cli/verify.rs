//! `subsidy verify`: detect edits to a ledger's figures by its check codes.

use std::io::Write;

use super::settings::Verify;
use super::CliError;
use crate::domain::exit::ExitStatus;

/// Prints every change found (exit 0 intact, 1 edited).
pub(crate) fn execute(settings: Verify) -> Result<ExitStatus, CliError> {
    let Verify { ledger } = settings;
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
