//! `subsidy template`: a blank application form (申报表) for the chosen rules.

use super::settings::Template;
use super::CliError;
use crate::domain::exit::ExitStatus;
use crate::pipeline;

/// Writes the form (exit 0; 2 for a rule id not loaded).
pub(crate) fn execute(settings: Template) -> Result<ExitStatus, CliError> {
    let Template {
        config,
        policies,
        rules,
        out,
    } = settings;
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
