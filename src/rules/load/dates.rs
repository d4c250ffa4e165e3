//! Dates a policy writes in its formulas (日期): a date field or a date of the clause, and the
//! windows of an interest subsidy paid at their own share (分段贴息).

use chrono::NaiveDate;
use toml::Value;

use super::{at, Cx, R};
use crate::rules::{DateTerm, RateWindow};

impl Cx<'_> {
    /// A date: a date field's key, or a date as the clause writes it, `YYYY-MM-DD` (a field key
    /// never starts with a digit, so the two cannot be confused).
    pub(super) fn date_term(&self, text: &str, off: usize) -> R<DateTerm> {
        if !text.starts_with(|c: char| c.is_ascii_digit()) {
            return self.date_field(text, off).map(DateTerm::Field);
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|d| d.format("%Y-%m-%d").to_string() == text)
            .map(DateTerm::Fixed)
            .ok_or_else(|| at(off, format!("date `{text}` must be written YYYY-MM-DD")))
    }

    /// `windows = [{ from = "2023-07-01", to = "2023-12-31", share = "80%", words = "…" }]`:
    /// each end a date or a date field, at least one of them; fixed ends in order, and fixed
    /// windows that do not overlap (a day paid at two shares would be wrong money).
    pub(super) fn rate_windows(&self, v: Option<&Value>, off: usize) -> R<Vec<RateWindow>> {
        let Some(v) = v else {
            return Ok(Vec::new());
        };
        let mut windows = Vec::new();
        for w in self.array(v, "windows", off)? {
            let t = self.table(w, "a window", off)?;
            self.only_keys(t, &["from", "to", "share", "words"], off)?;
            let end = |k: &str| {
                t.get(k)
                    .map(|d| self.str_of(d, k, off).and_then(|s| self.date_term(s, off)))
                    .transpose()
            };
            let (from, to) = (end("from")?, end("to")?);
            if from.is_none() && to.is_none() {
                return Err(at(
                    off,
                    "a window needs `from`, `to` or both (a date or a date field)",
                ));
            }
            if let (Some(DateTerm::Fixed(a)), Some(DateTerm::Fixed(b))) = (from, to) {
                if a > b {
                    return Err(at(off, format!("window `from` {a} is after `to` {b}")));
                }
            }
            let share = self.str_of(self.req(t, "share", "a window", off)?, "share", off)?;
            let words = t
                .get("words")
                .map(|w| self.str_of(w, "words", off).map(str::to_string))
                .transpose()?;
            windows.push(RateWindow {
                from,
                to,
                share: self.rate(share, off)?,
                words,
            });
        }
        if let Some((a, b)) = overlapping(&windows) {
            return Err(at(
                off,
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
