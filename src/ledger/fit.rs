//! Texts cut to what one worksheet cell holds (单元格字符上限). Excel keeps at most 32,767
//! characters in a cell and rust_xlsxwriter refuses longer text, which would fail the whole
//! batch; the ledger shows the start of such a text with a marker saying where it is whole.

use std::borrow::Cow;

/// Most UTF-16 units one worksheet cell holds: Excel counts a character beyond the BMP as two.
pub const CELL_UNITS: usize = 32_767;

/// Where the whole of a text cut in the ledger can be read (全文所在).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullText {
    /// `payouts.csv` keeps the line's result and reason whole.
    Payouts,
    /// `exceptions.csv` keeps every exception's value and reason whole.
    Exceptions,
    /// The input file: 其他列 are copied from it and not to the CSV.
    Input,
    /// The policy file (TOML).
    Policy,
    /// A text made for the ledger only (计算过程): cut with the marker alone.
    Nowhere,
}

impl FullText {
    fn marker(self) -> &'static str {
        match self {
            FullText::Payouts => "…（已截断，全文见 payouts.csv）",
            FullText::Exceptions => "…（已截断，全文见 exceptions.csv）",
            FullText::Input => "…（已截断，全文见输入文件）",
            FullText::Policy => "…（已截断，全文见政策文件）",
            FullText::Nowhere => "…（已截断）",
        }
    }
}

/// The text as a cell can hold it: whole when it fits, else its longest start that fits with
/// the marker of `full` after it (never cutting a character in two).
pub fn fit(s: &str, full: FullText) -> Cow<'_, str> {
    // A UTF-8 byte is at most one UTF-16 unit: short texts need no count.
    if s.len() <= CELL_UNITS || s.encode_utf16().count() <= CELL_UNITS {
        return Cow::Borrowed(s);
    }
    let marker = full.marker();
    let room = CELL_UNITS - marker.encode_utf16().count();
    let mut units = 0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if units + c.len_utf16() > room {
            break;
        }
        units += c.len_utf16();
        end = i + c.len_utf8();
    }
    Cow::Owned(format!("{}{marker}", &s[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_that_fits_is_kept_whole() {
        let s = "长".repeat(CELL_UNITS);
        assert!(matches!(fit(&s, FullText::Payouts), Cow::Borrowed(_)));
        assert_eq!(fit("", FullText::Nowhere), "");
    }

    #[test]
    fn a_longer_text_is_cut_to_the_cell_with_its_marker() {
        let s = "长".repeat(CELL_UNITS + 1);
        let cut = fit(&s, FullText::Payouts);
        assert_eq!(cut.encode_utf16().count(), CELL_UNITS);
        assert!(
            cut.ends_with("长…（已截断，全文见 payouts.csv）"),
            "{}",
            &cut[cut.len() - 60..]
        );
        assert!(fit(&s, FullText::Exceptions).ends_with("…（已截断，全文见 exceptions.csv）"));
    }

    #[test]
    fn characters_beyond_the_bmp_count_twice_and_are_never_split() {
        // 16,384 × 𠀀 is 32,768 UTF-16 units though only 16,384 characters.
        let s = "𠀀".repeat(16_384);
        let cut = fit(&s, FullText::Nowhere);
        assert!(cut.encode_utf16().count() <= CELL_UNITS);
        assert!(cut.encode_utf16().count() >= CELL_UNITS - 1);
        assert!(cut.ends_with("𠀀…（已截断）"));
    }
}
