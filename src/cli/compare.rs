//! `subsidy compare`: the batch under two policy versions (政策测算), written and summarised.

use std::io::Write;

use super::settings::Compare;
use super::CliError;
use crate::domain::exit::ExitStatus;

/// Computes, writes, reports (exit 0; 2 on bad input, as `run`).
pub(crate) fn execute(settings: Compare) -> Result<ExitStatus, CliError> {
    let Compare {
        config,
        base,
        proposed,
        history,
        budget,
        out,
        json,
        inputs,
    } = settings;
    let result = crate::compare::compare(&config, &base, &proposed, &history, &inputs, budget)
        .map_err(CliError::from)
        .and_then(|c| {
            crate::compare::write_comparison(&c, &out)?;
            Ok(c)
        });
    let c = match result {
        Ok(c) => c,
        Err(e) if json => {
            let status = ExitStatus::Error;
            let report = serde_json::json!({ "status": status.json_word(), "exit_code": status.code(), "message": e.to_string() });
            writeln!(std::io::stdout().lock(), "{report}")?;
            return Ok(status);
        }
        Err(e) => return Err(e),
    };
    if json {
        writeln!(
            std::io::stdout().lock(),
            "{}",
            crate::compare::summary_json(&c)
        )?;
    } else {
        let t = &c.total;
        eprintln!(
            "subsidy: 现行 {} 元，拟议 {} 元，差额 {} 元；{} 条规则变化，{} 行金额变化；outputs in {}",
            crate::domain::money::fixed2(t.base),
            crate::domain::money::fixed2(t.proposed),
            crate::domain::money::fixed2(t.difference()),
            c.rule_changes.len(),
            c.changes.len(),
            out.display()
        );
        if !c.exceptions.is_empty() {
            eprintln!(
                "subsidy: {} 处数据错误，所在行两种政策下均未计算；明细见 {} 的“数据错误”",
                c.exceptions.len(),
                out.join("compare.xlsx").display()
            );
        }
    }
    Ok(ExitStatus::Success)
}
