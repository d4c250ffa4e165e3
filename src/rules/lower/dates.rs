//! Dates a policy writes in its formulas (日期): a date field or a date of the clause, and the
//! windows of an interest subsidy paid at their own share (分段贴息).

use chrono::NaiveDate;

use super::super::syntax::{WindowSyntax, S};
use super::super::{DateTerm, RateWindow};
use super::{at, off, Lower, R};

impl Lower<'_> {
    /// A date: a date field's key, or a date as the clause writes it, `YYYY-MM-DD` (a field key
    /// never starts with a digit, so the two cannot be confused).
    pub(super) fn date_term(&self, text: &S<String>) -> R<DateTerm> {
        let t = text.get_ref();
        if !t.starts_with(|c: char| c.is_ascii_digit()) {
            return self.date_field(text).map(DateTerm::Field);
        }
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .filter(|d| d.format("%Y-%m-%d").to_string() == *t)
            .map(DateTerm::Fixed)
            .ok_or_else(|| at(off(text), format!("date `{t}` must be written YYYY-MM-DD")))
    }

    /// `windows = [{ from = "2023-07-01", to = "2023-12-31", share = "80%", words = "…" }]`:
    /// each end a date or a date field, at least one of them; fixed ends in order, and fixed
    /// windows that do not overlap (a day paid at two shares would be wrong money).
    pub(super) fn rate_windows(&self, list: &[S<WindowSyntax>]) -> R<Vec<RateWindow>> {
        let mut windows = Vec::new();
        for w in list {
            let (o, s) = (off(w), w.get_ref());
            let end = |d: &Option<S<String>>| d.as_ref().map(|d| self.date_term(d)).transpose();
            let (from, to) = (end(&s.from)?, end(&s.to)?);
            if from.is_none() && to.is_none() {
                return Err(at(
                    o,
                    "a window needs `from`, `to` or both (a date or a date field)",
                ));
            }
            if let (Some(DateTerm::Fixed(a)), Some(DateTerm::Fixed(b))) = (from, to) {
                if a > b {
                    return Err(at(o, format!("window `from` {a} is after `to` {b}")));
                }
            }
            windows.push(RateWindow {
                from,
                to,
                share: s.share.0,
                words: s.words.clone(),
            });
        }
        if let Some((a, b)) = overlapping(&windows) {
            let o = list.get(b - 1).map_or(0, off);
            return Err(at(
                o,
                format!("windows {a} and {b} overlap: a day would be subsidised twice"),
            ));
        }
        Ok(windows)
    }
}

/// Two windows (numbered from 1) whose fixed spans share a day; an open end reaches forever.
fn overlapping(windows: &[RateWindow]) -> Option<(usize, usize)> {
    let span = |w: &RateWindow| {
        let fixed = |d: &Option<DateTerm>, open: NaiveDate| match d {
            None => Some(open),
            Some(DateTerm::Fixed(x)) => Some(*x),
            Some(DateTerm::Field(_)) => None,
        };
        Some((
            fixed(&w.from, NaiveDate::MIN)?,
            fixed(&w.to, NaiveDate::MAX)?,
        ))
    };
    for (i, a) in windows.iter().enumerate() {
        for (j, b) in windows.iter().enumerate().skip(i + 1) {
            if let (Some((a0, a1)), Some((b0, b1))) = (span(a), span(b)) {
                if a0 <= b1 && b0 <= a1 {
                    return Some((i + 1, j + 1));
                }
            }
        }
    }
    None
}
