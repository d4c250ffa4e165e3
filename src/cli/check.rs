//! `subsidy check`: validate policies and inputs without computing; every problem with its cell.

use std::io::Write;

use super::settings::Check;
use super::CliError;
use crate::domain::exit::ExitStatus;
use crate::pipeline;

/// Lists every problem (exit 0 none, 1 some rows with problems).
pub(crate) fn execute(settings: Check) -> Result<ExitStatus, CliError> {
    let Check {
        config,
        policies,
        report,
        inputs,
    } = settings;
    let mut o = std::io::stdout().lock();
    let loaded = pipeline::load(&config, &policies)?;
    writeln!(
        o,
        "policies: {} files, {} rules: OK",
        loaded.policies.policies.len(),
        loaded.policies.rule_count()
    )?;
    if inputs.is_empty() {
        return Ok(ExitStatus::Success);
    }
    let computed = pipeline::compute(&loaded, &inputs, &[], None)?;
    let apps = &computed.applications;
    for e in &apps.exceptions {
        writeln!(
            o,
            "{} [{}] {}: {} (value: {})",
            e.file, e.sheet, e.cell, e.reason, e.value
        )?;
    }
    for s in &computed.skipped_sheets {
        writeln!(
            o,
            "note: sheet {s} has no header row naming two known fields; not read"
        )?;
    }
    for s in &computed.set_aside {
        writeln!(o, "note: {s}: not data, not read")?;
    }
    // 待审核 is information, not a problem: it changes no exit code.
    let held = computed.pending_lines();
    for l in &held {
        writeln!(
            o,
            "info: {} 待审核 {} {}: {}（审核通过前不予发放）",
            l.source,
            l.application_id,
            l.rule_id,
            l.reason()
        )?;
    }
    let mut unmatched = Vec::new();
    for s in &computed.sheets {
        // One note per column left out: on standard output and as a row of the report.
        let mut note = |col: u32, header: &str, what: String| -> std::io::Result<()> {
            let at = crate::ingest::cell_ref(s.header_row, col);
            writeln!(o, "note: {} [{}] {at}: 列“{header}”{what}", s.file, s.name)?;
            unmatched.push([
                s.file.clone(),
                s.name.clone(),
                at,
                String::new(),
                header.to_string(),
                format!("列{what}"),
            ]);
            Ok(())
        };
        for c in s.columns.iter().filter(|c| c.refused.is_some()) {
            let reason = c.refused.clone().unwrap_or_default();
            note(c.col, &c.header, format!("未读入：{reason}"))?;
        }
        for c in s.columns.iter().filter(|c| c.field.is_none()) {
            let hint = loaded
                .vocab
                .suggest_header(&c.header)
                .map(|f| format!("，是否应为“{}”？", f.header_zh))
                .unwrap_or_default();
            note(
                c.col,
                &c.header,
                format!("未匹配任何字段，作为其他列保留{hint}"),
            )?;
        }
    }
    if let Some(path) = &report {
        let mut rows: Vec<[String; 6]> = apps
            .exceptions
            .iter()
            .map(|e| {
                [
                    e.file.clone(),
                    e.sheet.clone(),
                    e.cell.clone(),
                    e.application_id.clone(),
                    e.value.clone(),
                    e.reason.clone(),
                ]
            })
            .collect();
        rows.extend(unmatched);
        rows.extend(held.iter().map(|l| {
            [
                l.source.clone(),
                String::new(),
                String::new(),
                l.application_id.clone(),
                l.rule_id.clone(),
                format!("提示（非错误）：待审核，{}", l.reason()),
            ]
        }));
        let bytes = crate::ledger::workbook::table(
            "问题清单",
            &["文件", "工作表", "单元格", "申报编号", "原值", "问题"],
            &rows,
        )
        .map_err(crate::ledger::LedgerError::from)?;
        crate::ledger::write_atomic(path, &bytes)?;
        writeln!(o, "report: {}", path.display())?;
    }
    writeln!(
        o,
        "inputs: {} rows read, {} rows with problems, {} lines awaiting review (待审核)",
        apps.rows_in,
        apps.rows_excepted,
        held.len()
    )?;
    Ok(if apps.rows_excepted > 0 {
        ExitStatus::ProblemsFound
    } else {
        ExitStatus::Success
    })
}
