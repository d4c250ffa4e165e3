//! `subsidy reconcile`: the ledger against a recomputation and/or a payment list.

use std::io::Write;

use super::settings::Reconcile;
use super::CliError;
use crate::audit::reconcile;
use crate::domain::exit::ExitStatus;
use crate::ledger::columns::FileKind;
use crate::pipeline;

/// Classifies every difference and writes them (exit 0 none, 1 some).
pub(crate) fn execute(settings: Reconcile) -> Result<ExitStatus, CliError> {
    let Reconcile {
        config,
        ledger,
        policies,
        history,
        payments,
        out,
        inputs,
    } = settings;

    let mut o = std::io::stdout().lock();
    let back = crate::audit::verify::read_back(&ledger)?;
    let mut diffs = Vec::new();
    if !inputs.is_empty() {
        let loaded = pipeline::load(&config, &policies)?;
        let computed = pipeline::compute(&loaded, &inputs, &history, None)?;
        let mut now = std::collections::BTreeMap::new();
        for i in &computed.inputs {
            now.insert(FileKind::Input.recorded(&i.path), i.sha256.clone());
        }
        for h in &computed.history {
            now.insert(FileKind::History.recorded(&h.path), h.sha256.clone());
        }
        for p in &loaded.policies.policies {
            now.insert(FileKind::Policy.recorded(&p.path), p.digest.clone());
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
            d.class, d.application_id, d.rule_id, d.credit_code, d.ledger, d.other, d.detail
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
