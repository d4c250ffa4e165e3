//! `subsidy rules`: the loaded rules with their clauses and formulas, or (`--coverage`) every
//! catalogue rule id with whether it is encoded and tested.

use std::io::Write;

use super::settings::Rules;
use super::CliError;
use crate::domain::exit::ExitStatus;
use crate::engine::batch::payer_label;
use crate::pipeline;
use crate::rules::{describe, Outcome};

/// Lists the rules or their coverage (exit 0).
pub(crate) fn execute(settings: Rules) -> Result<ExitStatus, CliError> {
    let Rules {
        config,
        policies,
        coverage,
    } = settings;
    if coverage {
        show_coverage(&config, &policies)
    } else {
        show_rules(&config, &policies)
    }
}

/// For every catalogue rule id: encoded and tested, or why not.
fn show_coverage(
    config: &crate::domain::config::Config,
    policies: &[std::path::PathBuf],
) -> Result<ExitStatus, CliError> {
    let mut o = std::io::stdout().lock();
    let loaded = pipeline::load(config, policies)?;
    let cov = crate::rules::coverage::Coverage::from_config(config)?;
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

/// The loaded policies, each rule with its clause, formula and terms.
fn show_rules(
    config: &crate::domain::config::Config,
    policies: &[std::path::PathBuf],
) -> Result<ExitStatus, CliError> {
    let mut o = std::io::stdout().lock();
    let loaded = pipeline::load(config, policies)?;
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
