//! How a command ended (退出码), for schedulers and scripts. Each command gives its own meaning
//! to status 1; the meanings are named here, once, and README's exit table is checked against
//! [`ExitStatus::ALL`].

/// How a command ended. 0 is success; 1 says the command did its work and found something a
/// person must look at (which thing depends on the command); 2 says nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: the command did all it was asked; nothing to look at.
    Success,
    /// 1, `run`: the ledger is written, but some rows could not be read (数据错误 /
    /// exceptions.csv list them).
    RowsUnreadable,
    /// 1, `check`: some input cells have problems (listed, and in `--report`).
    ProblemsFound,
    /// 1, `explain`: the 申报编号 is not in the inputs.
    ApplicationNotFound,
    /// 1, `verify`: the ledger was changed after it was written.
    LedgerEdited,
    /// 1, `reconcile`: differences with the recomputation or the payment list.
    DifferencesFound,
    /// 2, any command: nothing written — a bad policy file, an unreadable input, an I/O error
    /// (the message names the file and line).
    Error,
}

impl ExitStatus {
    /// Every status, in the order README's exit table lists them.
    pub const ALL: [ExitStatus; 7] = [
        ExitStatus::Success,
        ExitStatus::RowsUnreadable,
        ExitStatus::ProblemsFound,
        ExitStatus::ApplicationNotFound,
        ExitStatus::LedgerEdited,
        ExitStatus::DifferencesFound,
        ExitStatus::Error,
    ];

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::RowsUnreadable
            | ExitStatus::ProblemsFound
            | ExitStatus::ApplicationNotFound
            | ExitStatus::LedgerEdited
            | ExitStatus::DifferencesFound => 1,
            ExitStatus::Error => 2,
        }
    }

    /// The commands that end with this status, and what it means for them, as README's exit
    /// table reads.
    pub fn meaning(self) -> (&'static str, &'static str) {
        match self {
            ExitStatus::Success => ("all", "done; nothing to look at (`run`: every row computed or ruled ineligible; `verify`: intact)"),
            ExitStatus::RowsUnreadable => ("run", "ledger written; some rows unreadable (listed in 数据错误 / exceptions.csv)"),
            ExitStatus::ProblemsFound => ("check", "problem cells found (listed; `--report` writes them as a workbook)"),
            ExitStatus::ApplicationNotFound => ("explain", "the 申报编号 is not in the inputs"),
            ExitStatus::LedgerEdited => ("verify", "the ledger was edited (every changed line and figure listed)"),
            ExitStatus::DifferencesFound => ("reconcile", "differences found (written to reconciliation.xlsx / .csv)"),
            ExitStatus::Error => ("all", "nothing written: bad policy file, unreadable input file, I/O error (the message names the file and line)"),
        }
    }

    /// The `status` word of `run --json`.
    pub fn json_word(self) -> &'static str {
        match self {
            ExitStatus::Success => "ok",
            ExitStatus::RowsUnreadable => "rows_unreadable",
            ExitStatus::ProblemsFound => "problems_found",
            ExitStatus::ApplicationNotFound => "application_not_found",
            ExitStatus::LedgerEdited => "ledger_edited",
            ExitStatus::DifferencesFound => "differences_found",
            ExitStatus::Error => "error",
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status.code())
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus;

    #[test]
    fn success_is_0_findings_are_1_nothing_written_is_2() {
        let codes: Vec<u8> = ExitStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [0, 1, 1, 1, 1, 1, 2]);
    }
}
