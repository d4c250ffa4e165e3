//! `subsidy explain`: the full computation of one application, step by step, in Chinese.

use std::io::Write;

use super::settings::Explain;
use super::CliError;
use crate::domain::exit::ExitStatus;
use crate::pipeline;

/// Prints every line of the application with its trace (exit 0; 1 when it is not in the inputs).
pub(crate) fn execute(settings: Explain) -> Result<ExitStatus, CliError> {
    let Explain {
        config,
        policies,
        history,
        application,
        inputs,
    } = settings;
    let mut o = std::io::stdout().lock();
    let loaded = pipeline::load(&config, &policies)?;
    let computed = pipeline::compute(&loaded, &inputs, &history, None)?;
    let all = computed.lines();
    let lines: Vec<_> = all
        .iter()
        .filter(|l| l.application_id == application)
        .collect();
    let refused: Vec<_> = computed
        .applications
        .exceptions
        .iter()
        .filter(|e| e.application_id == application)
        .collect();
    for l in &lines {
        writeln!(
            o,
            "申报编号 {} · {} · {}（{}）",
            l.application_id, l.enterprise_name, l.rule_id, l.clause
        )?;
        writeln!(o, "政策 {}", l.policy)?;
        for (i, step) in l.line.trace.steps().enumerate() {
            writeln!(o, "  {:>2}. {step}", i + 1)?;
        }
    }
    for e in &refused {
        writeln!(
            o,
            "申报编号 {application}：数据错误 {} {} {}：{}（原值 {}）",
            e.file, e.sheet, e.cell, e.reason, e.value
        )?;
    }
    if lines.is_empty() && refused.is_empty() {
        eprintln!("subsidy: 申报编号 {application} is not in the inputs");
        return Ok(ExitStatus::ApplicationNotFound);
    }
    Ok(ExitStatus::Success)
}
