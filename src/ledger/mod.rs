//! The outputs (发放台账): `ledger.xlsx` (汇总 / 发放明细 / 待审核 / 计算过程 / 不予支持 /
//! 数据错误 / 政策参数), `payouts.csv`, `exceptions.csv` and `manifest.json`. Amounts are written as
//! numbers with a `#,##0.00` format, never formulas; workbook timestamps are fixed so a re-run
//! gives identical bytes; each file is written to a temporary name and renamed. This module
//! owns rust_xlsxwriter.

pub mod check_code;
pub mod columns;
mod csvout;
mod fit;
mod package;
pub use fit::{fit, FullText};
mod rows;
mod summary;
pub mod template;
pub mod workbook;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::digest::sha256_hex;
use crate::engine::batch::{Line, LineKind};
use crate::ingest::InputFile;
use crate::normalise::Exception;
use crate::rules::{Payer, PolicySet};
use columns::Sheet;

pub use csvout::neutralise;

/// One computed (application, rule) line with its identity and source.
#[derive(Debug, Clone)]
pub struct LedgerLine {
    pub application_id: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub region: String,
    pub year: String,
    pub rule_id: String,
    pub clause: String,
    pub policy: String,
    pub formula_kind: &'static str,
    pub line: Line,
    /// 文件 工作表 第N行.
    pub source: String,
    /// Columns no field matched, as `表头=值；…`.
    pub extras: String,
    /// 项目编号 (empty when the row has none): what a later settlement matches by.
    pub project_id: String,
}

impl LedgerLine {
    pub fn is_payout(&self) -> bool {
        self.line.is_payout()
    }

    /// A payout or a refund (应退): its amount and shares are shown.
    pub fn is_money(&self) -> bool {
        self.line.is_money()
    }

    pub fn share(&self, payer: Payer) -> Decimal {
        self.line.share(payer)
    }

    /// The reason shown for a line: why it was refused, or the step that last changed its
    /// amount (a cap, 补差, 就高, 起付, a budget), as `explain` shows it.
    pub fn reason(&self) -> String {
        match &self.line.kind {
            LineKind::Ineligible { reason, .. }
            | LineKind::Rejected { reason }
            | LineKind::Pending { reason } => reason.clone(),
            _ => self
                .line
                .trace
                .last_cut()
                .map(str::to_string)
                .unwrap_or_default(),
        }
    }
}

/// What the totals need of a line, without making it whole.
pub struct Facts<'a> {
    /// The settled line (its trace may hold only the batch pass's steps).
    pub line: &'a Line,
    pub rule_id: &'a str,
    pub clause: &'a str,
    pub region: &'a str,
    pub credit_code: &'a str,
}

/// The computed lines in ledger order. The totals read compact facts; the sheets read whole
/// lines (identity, source, every step of the trace) a chunk at a time, so a large batch is
/// never held as text.
pub trait Lines: Sync {
    fn count(&self) -> usize;
    fn facts(&self, i: usize) -> Facts<'_>;
    /// Lines `range`, whole.
    fn whole(&self, range: std::ops::Range<usize>) -> Vec<LedgerLine>;
}

/// Everything the outputs are made of.
pub struct Report<'a> {
    /// In ledger order: by application id (unique among computed rows).
    pub lines: &'a dyn Lines,
    pub exceptions: Vec<Exception>,
    pub policies: &'a PolicySet,
    pub vocab: &'a crate::domain::fields::Vocabulary,
    pub inputs: Vec<InputFile>,
    /// Payout histories joined (--history).
    pub history: Vec<InputFile>,
    pub skipped_sheets: Vec<String>,
    pub rows_in: usize,
    pub rows_excepted: usize,
    /// Also write `payouts.parquet`.
    pub parquet: bool,
}

/// Counts and totals for 汇总 and the manifest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Totals {
    pub rows_in: usize,
    pub rows_computed: usize,
    pub rows_exception: usize,
    pub payout_lines: usize,
    pub paid_lines: usize,
    pub ineligible_lines: usize,
    pub measure_lines: usize,
    pub verdict_lines: usize,
    pub exception_cells: usize,
    /// 奖补资金合计 (应付: reviewed lines only), 2 decimals.
    pub award_total: String,
    pub by_payer: BTreeMap<String, String>,
    /// 待审核 lines (a review still open): computed, not paid, in no total above.
    pub pending_lines: usize,
    /// 待审核预计: what the pending lines would get if approved, 2 decimals.
    pub pending_total: String,
    pub pending_by_payer: BTreeMap<String, String>,
    /// Rows written per sheet (control counts).
    pub sheet_rows: BTreeMap<String, usize>,
    /// Hash total of the payees: SHA-256 over the sorted distinct 统一社会信用代码 of 发放明细.
    pub credit_code_hash: String,
    /// 应退 lines (多退少补: settlements below what was paid); left out when there are none.
    #[serde(skip_serializing_if = "is_zero")]
    pub refund_lines: usize,
    /// 应退合计: money owed back, negative, 2 decimals; in no payout total.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub refund_total: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub refund_by_payer: BTreeMap<String, String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Report<'_> {
    /// The settled lines, compactly, in ledger order.
    pub fn settled(&self) -> impl Iterator<Item = &Line> + '_ {
        (0..self.lines.count()).map(|i| self.lines.facts(i).line)
    }

    pub fn totals(&self) -> Totals {
        let payouts = || self.settled().filter(|l| l.is_payout());
        let pending = || self.settled().filter(|l| l.is_pending());
        let refunds = || self.settled().filter(|l| l.is_refund());
        let refund_lines = refunds().count();
        let total: Decimal = payouts().map(|l| l.amount).sum();
        let (by_payer, pending_by_payer) = (shares_by_payer(payouts()), shares_by_payer(pending()));
        let count = |f: fn(&LineKind) -> bool| self.settled().filter(|l| f(&l.kind)).count();
        let refused =
            count(|k| matches!(k, LineKind::Ineligible { .. } | LineKind::Rejected { .. }));
        let pending_lines = pending().count();
        let n = self.lines.count();
        let mut sheet_rows = BTreeMap::new();
        for (sheet, rows) in [
            (Sheet::Details, n - refused - pending_lines),
            (Sheet::Pending, pending_lines),
            (Sheet::Trace, n),
            (Sheet::Refused, refused),
            (Sheet::Errors, self.exceptions.len()),
        ] {
            sheet_rows.insert(sheet.name().to_string(), rows);
        }
        let codes: std::collections::BTreeSet<&str> = (0..n)
            .map(|i| self.lines.facts(i))
            .filter(|f| !f.line.is_refused() && !f.line.is_pending())
            .map(|f| f.credit_code)
            .collect();
        let credit_code_hash =
            sha256_hex(codes.into_iter().collect::<Vec<_>>().join("\n").as_bytes());
        Totals {
            rows_in: self.rows_in,
            rows_computed: n,
            rows_exception: self.rows_excepted,
            payout_lines: count(|k| matches!(k, LineKind::Payout)),
            paid_lines: payouts().filter(|l| !l.amount.is_zero()).count(),
            ineligible_lines: count(|k| {
                matches!(k, LineKind::Ineligible { .. } | LineKind::Rejected { .. })
            }),
            measure_lines: count(|k| matches!(k, LineKind::Measure { .. })),
            verdict_lines: count(|k| matches!(k, LineKind::Verdict { .. } | LineKind::Text { .. })),
            exception_cells: self.exceptions.len(),
            award_total: crate::domain::money::fixed2(total),
            by_payer,
            pending_lines,
            pending_total: crate::domain::money::fixed2(pending().map(|l| l.amount).sum()),
            pending_by_payer,
            sheet_rows,
            credit_code_hash,
            refund_lines,
            refund_total: match refund_lines {
                0 => String::new(),
                _ => crate::domain::money::fixed2(refunds().map(|l| l.amount).sum()),
            },
            refund_by_payer: shares_by_payer(refunds()),
        }
    }
}

/// What each payer funds of some lines (payers funding nothing left out), 2 decimals.
fn shares_by_payer<'l>(lines: impl Iterator<Item = &'l Line>) -> BTreeMap<String, String> {
    let mut sums: BTreeMap<Payer, Decimal> = BTreeMap::new();
    for l in lines {
        for (p, v) in &l.shares {
            *sums.entry(*p).or_default() += *v;
        }
    }
    sums.into_iter()
        .filter(|(_, v)| !v.is_zero())
        .map(|(p, v)| {
            (
                crate::engine::batch::payer_label(p).to_string(),
                crate::domain::money::fixed2(v),
            )
        })
        .collect()
}

/// Errors writing outputs.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot create output folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot build ledger.xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot build {file}: {message}")]
    Csv { file: &'static str, message: String },
    #[error(transparent)]
    Parquet(#[from] crate::ingest::parquet::ColumnarError),
    #[error(transparent)]
    Package(#[from] package::PackageError),
    #[error("another run is writing to {path} (lock {lock}); wait for it to finish")]
    Locked { path: PathBuf, lock: PathBuf },
}

/// The outputs of a run, by name: what `publish` may replace wholesale.
pub const OUTPUT_FILES: [&str; 5] = [
    "ledger.xlsx",
    "payouts.csv",
    "exceptions.csv",
    "manifest.json",
    "payouts.parquet",
];

/// An exclusive lock on an output folder, so two runs on the same `--out` cannot interleave.
/// It is an OS file lock beside the folder (`.out.lock`), released when the run ends or dies.
pub struct OutputLock {
    _file: std::fs::File,
}

impl OutputLock {
    pub fn take(out: &Path) -> Result<OutputLock, LedgerError> {
        let (parent, name) = split_out(out);
        std::fs::create_dir_all(&parent).map_err(|source| LedgerError::CreateDir {
            path: parent.clone(),
            source,
        })?;
        let lock = parent.join(format!(".{name}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(|source| LedgerError::Write {
                path: lock.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(OutputLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LedgerError::Locked {
                path: out.to_path_buf(),
                lock,
            }),
            Err(std::fs::TryLockError::Error(source)) => {
                Err(LedgerError::Write { path: lock, source })
            }
        }
    }
}

fn split_out(out: &Path) -> (PathBuf, String) {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    (parent, name)
}

/// A run's outputs being written: a new folder beside `out` that takes `out`'s place in one
/// atomic exchange (Linux `renameat2(RENAME_EXCHANGE)`) once every file is written and synced,
/// so a kill at any moment leaves either the previous complete outputs or the new ones. A
/// folder that holds anything besides a run's outputs is never replaced wholesale: there each
/// file is renamed into place on its own.
struct Staging {
    out: PathBuf,
    dir: PathBuf,
}

impl Staging {
    fn begin(out: &Path) -> Result<Staging, LedgerError> {
        let (parent, name) = split_out(out);
        let dir = parent.join(format!(".{name}.new"));
        // A folder left by a run that was killed is stale: we hold the lock.
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
        })
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    fn commit(self) -> Result<(), LedgerError> {
        let (out, staged) = (&self.out, &self.dir);
        let only_outputs = match std::fs::read_dir(out) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .all(|e| OUTPUT_FILES.contains(&e.file_name().to_string_lossy().as_ref())),
            Err(_) => true,
        };
        if !only_outputs {
            for file in OUTPUT_FILES.iter().filter(|f| staged.join(f).exists()) {
                std::fs::rename(staged.join(file), out.join(file))
                    .map_err(io_err(&out.join(file)))?;
            }
            std::fs::remove_dir_all(staged).map_err(io_err(staged))?;
            return Ok(());
        }
        if out.exists() {
            exchange(staged, out).map_err(io_err(out))?;
            std::fs::remove_dir_all(staged).map_err(io_err(staged))?;
        } else {
            std::fs::rename(staged, out).map_err(io_err(out))?;
        }
        Ok(())
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> LedgerError {
    let path = path.to_path_buf();
    move |source| LedgerError::Write {
        path: path.clone(),
        source,
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), LedgerError> {
    use std::io::Write;
    let err = io_err(path);
    let mut f = std::fs::File::create(path).map_err(&err)?;
    f.write_all(bytes).map_err(&err)?;
    f.sync_all().map_err(err)
}

/// SHA-256 and size of a file as written.
fn digest_file(path: &Path) -> Result<(String, u64), LedgerError> {
    let err = io_err(path);
    let mut f = std::fs::File::open(path).map_err(&err)?;
    crate::domain::digest::sha256_hex_of(&mut f).map_err(err)
}

/// Swaps two paths atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    Ok(renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)?)
}

/// Elsewhere: move the old folder aside, the new one in, then drop the old. A kill in between
/// leaves the previous outputs complete in the aside folder.
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    let aside = b.with_extension("old");
    std::fs::rename(b, &aside)?;
    std::fs::rename(a, b)?;
    std::fs::rename(&aside, a)
}

#[derive(Serialize)]
struct Manifest<'a> {
    software: Software,
    inputs: Vec<FileDigest>,
    history: Vec<FileDigest>,
    policies: Vec<PolicyDigest>,
    outputs: Vec<FileDigest>,
    totals: &'a Totals,
    skipped_sheets: &'a [String],
    exit_code: u8,
}

#[derive(Serialize)]
struct Software {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct FileDigest {
    path: String,
    sha256: String,
    bytes: u64,
}

impl FileDigest {
    fn of(f: &InputFile) -> Self {
        FileDigest {
            path: f.path.display().to_string(),
            sha256: f.sha256.clone(),
            bytes: f.bytes,
        }
    }
}

#[derive(Serialize)]
struct PolicyDigest {
    id: String,
    path: String,
    sha256: String,
    rules: usize,
}

/// Writes the four outputs into `out`, atomically as a set. Returns the manifest's totals and
/// the SHA-256 of each output file.
pub fn write_outputs(
    report: &Report<'_>,
    out: &Path,
    status: crate::domain::exit::ExitStatus,
) -> Result<(Totals, BTreeMap<String, String>), LedgerError> {
    let _lock = OutputLock::take(out)?;
    let totals = report.totals();
    let staging = Staging::begin(out)?;
    let ledger = staging.path("ledger.xlsx");
    let payouts = staging.path("payouts.csv");
    {
        let file = std::fs::File::create(&payouts).map_err(io_err(&payouts))?;
        let mut csv = std::io::BufWriter::with_capacity(1 << 20, file);
        workbook::write(report, &totals, &ledger, &mut csv)?;
        let file = csv.into_inner().map_err(|e| LedgerError::Write {
            path: payouts.clone(),
            source: e.into_error(),
        })?;
        file.sync_all().map_err(io_err(&payouts))?;
        std::fs::File::open(&ledger)
            .and_then(|f| f.sync_all())
            .map_err(io_err(&ledger))?;
    }
    write_synced(
        &staging.path("exceptions.csv"),
        &csvout::exceptions(report)?,
    )?;
    let mut outputs = Vec::new();
    let written = OUTPUT_FILES
        .iter()
        .filter(|n| **n != "manifest.json" && staging.path(n).exists());
    for name in written {
        let (sha256, bytes) = digest_file(&staging.path(name))?;
        outputs.push(FileDigest {
            path: (*name).to_string(),
            sha256,
            bytes,
        });
    }
    let manifest = Manifest {
        software: Software {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        inputs: report.inputs.iter().map(FileDigest::of).collect(),
        history: report.history.iter().map(FileDigest::of).collect(),
        policies: report
            .policies
            .policies
            .iter()
            .map(|p| PolicyDigest {
                id: p.id.clone(),
                path: p.path.display().to_string(),
                sha256: p.digest.clone(),
                rules: p.rules.len(),
            })
            .collect(),
        outputs,
        totals: &totals,
        skipped_sheets: &report.skipped_sheets,
        exit_code: status.code(),
    };
    let mut manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| LedgerError::Csv {
            file: "manifest.json",
            message: e.to_string(),
        })?;
    manifest_bytes.push(b'\n');
    write_synced(&staging.path("manifest.json"), &manifest_bytes)?;
    let mut digests: BTreeMap<String, String> = manifest
        .outputs
        .iter()
        .map(|d| (d.path.clone(), d.sha256.clone()))
        .collect();
    digests.insert("manifest.json".into(), sha256_hex(&manifest_bytes));
    staging.commit()?;
    Ok((totals, digests))
}

/// Writes to a temporary file beside the target and renames it over the target, so a reader
/// (or a crash) sees the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LedgerError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let err = |source| LedgerError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    // Temporary files are private (0600); outputs are for the bureau to read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(err)?;
    }
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}
