//! The ledger's self-check codes (校验码): the writer signs every line and the whole ledger;
//! [`crate::audit::verify`] recomputes them. Codes are computed from the cell values as
//! written, so opening and re-saving a ledger in Excel, WPS or LibreOffice does not change them.

use sha2::{Digest, Sha256};

/// Columns of 发放明细 that a line's check code covers: 申报编号, 统一社会信用代码, 申报条款编号,
/// 结果类型, 金额, the five shares and 测算/认定结果.
pub const DETAIL_SIGNED: [usize; 11] = [1, 2, 6, 9, 10, 11, 12, 13, 14, 15, 16];
/// Columns of 不予支持 covered: 申报编号, 统一社会信用代码, 申报条款编号, 原因.
pub const REFUSED_SIGNED: [usize; 4] = [0, 1, 3, 5];

/// The check code (校验码) of one ledger line: 16 hex digits of SHA-256 over its signed cells'
/// text, separated by the unit separator. Amounts enter as 2-decimal text.
pub fn line_code(parts: &[String]) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(p.as_bytes());
    }
    crate::domain::digest::hex(&h.finalize()[..8])
}

/// The ledger code (台账校验码): SHA-256 over the sheet name and code of every line in order,
/// and the award total.
pub fn ledger_code(lines: &[(&str, &str)], total: &str) -> String {
    let mut h = Sha256::new();
    for (sheet, code) in lines {
        h.update(sheet.as_bytes());
        h.update([0x1f]);
        h.update(code.as_bytes());
        h.update([b'\n']);
    }
    h.update(total.as_bytes());
    crate::domain::digest::hex(&h.finalize())
}
