//! The ledger's self-check codes (校验码): the writer signs every line and the whole ledger;
//! [`crate::audit::verify`] recomputes them. Codes are computed from the cell values as
//! written, so opening and re-saving a ledger in Excel, WPS or LibreOffice does not change them.

use sha2::{Digest, Sha256};

/// The check code (校验码) of one ledger line: 16 hex digits of SHA-256 over its signed cells'
/// text (the columns marked signed in [`super::columns`], in order), separated by the unit separator. Amounts enter as 2-decimal text.
pub fn line_code<S: AsRef<str>>(parts: impl IntoIterator<Item = S>) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(p.as_ref().as_bytes());
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
