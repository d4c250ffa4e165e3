//! `subsidy run`: one pipeline run, reported as sentences, JSON or nothing.

use std::io::{IsTerminal, Write};

use super::settings::{Report, Run};
use super::CliError;
use crate::domain::exit::ExitStatus;
use crate::pipeline::{self, Stage};

/// Runs the batch and reports it (exit 0, 1 when rows were unreadable, 2 on failure).
pub(crate) fn execute(settings: Run) -> Result<ExitStatus, CliError> {
    let Run { run, report } = settings;
    let out = &run.out;
    let show = report == Report::Human && std::io::stderr().is_terminal();
    let progress = |stage: Stage| {
        if show {
            let text = match stage {
                Stage::Loaded { rules } => {
                    format!("已加载 {rules} 条政策规则，正在读取申报表…")
                }
                Stage::Computed { rows, lines } => {
                    format!("已读取 {rows} 行，计算 {lines} 行，正在写出台账…")
                }
                Stage::Written => "台账已写出".to_string(),
            };
            eprint!("\r\x1b[2K{text}");
            if stage == Stage::Written {
                eprintln!();
            }
        }
    };
    let s = match pipeline::run(&run, &progress) {
        Ok(s) => s,
        Err(e) if report == Report::Json => {
            let status = ExitStatus::Error;
            let report = serde_json::json!({ "status": status.json_word(), "exit_code": status.code(), "message": e.to_string() });
            writeln!(std::io::stdout().lock(), "{report}")?;
            return Ok(status);
        }
        Err(e) => return Err(e.into()),
    };
    let t = &s.totals;
    match report {
        Report::Json => {
            let report = serde_json::json!({ "status": s.status.json_word(), "exit_code": s.status.code(), "out": out.display().to_string(), "totals": t, "outputs": s.outputs });
            writeln!(std::io::stdout().lock(), "{report}")?;
            return Ok(s.status);
        }
        Report::Quiet => return Ok(s.status),
        Report::Human => {}
    }
    eprintln!(
        "subsidy: {} rows read: {} lines computed ({} payouts, {} ineligible, {} measures, {} verdicts), {} rows unreadable; award total {} 元; outputs in {}",
        t.rows_in,
        t.rows_computed,
        t.payout_lines,
        t.ineligible_lines,
        t.measure_lines,
        t.verdict_lines,
        t.rows_exception,
        t.award_total,
        out.display()
    );
    if t.pending_lines > 0 {
        eprintln!("subsidy: {} lines await review (待审核, not in the award total): {} 元 if approved; see sheet 待审核", t.pending_lines, t.pending_total);
    }
    if s.status == ExitStatus::RowsUnreadable {
        eprintln!(
            "subsidy: {} rows could not be read; see 数据错误 in ledger.xlsx or {}",
            t.rows_exception,
            out.join("exceptions.csv").display()
        );
    }
    Ok(s.status)
}
