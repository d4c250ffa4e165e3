//! Narrowing normalised applications to some of their rows: `compare` reads and normalises
//! the inputs once, then computes under each policy version only the rows whose rule it has.

use super::{Applications, Rows};
use crate::domain::fields::FieldId;
use crate::domain::value::Row;

impl Applications {
    /// The rows `keep` accepts (by index), in the same order, with their origins and unmatched
    /// columns; the reading's exceptions and counts stay whole (they are the batch's).
    pub fn select(&self, keep: impl Fn(usize) -> bool) -> Applications {
        let kept: Vec<u32> = (0..self.rows.len() as u32)
            .filter(|&i| keep(i as usize))
            .collect();
        let extras = self
            .extras
            .iter()
            .filter_map(|(r, text)| {
                let k = kept.binary_search(r).ok()?;
                Some((k as u32, text.clone()))
            })
            .collect();
        Applications {
            rows: self.rows.select(&kept),
            origins: kept.iter().map(|&i| self.origins[i as usize]).collect(),
            sheets: self.sheets.clone(),
            extras,
            exceptions: self.exceptions.clone(),
            rows_in: self.rows_in,
            rows_excepted: self.rows_excepted,
        }
    }
}

impl Rows {
    /// The rows `kept` (ascending indexes), numbered again from 0.
    fn select(&self, kept: &[u32]) -> Rows {
        let columns = (0..self.fields())
            .map(|f| {
                let (mut rows, mut values) = (Vec::new(), Vec::new());
                for (k, &i) in kept.iter().enumerate() {
                    if let Some(v) = self.row(i as usize).get(f as FieldId) {
                        rows.push(k as u32);
                        values.push(v.clone());
                    }
                }
                (rows, values)
            })
            .collect();
        Rows::from_columns(columns, kept.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::value::{Row, Value};

    #[test]
    fn select_keeps_the_chosen_rows_and_their_values_renumbered() {
        let text = |s: &str| Value::Text(s.into());
        // Field 0 on every row, field 1 on rows 1 and 2 only.
        let rows = Rows::from_columns(
            vec![
                (vec![0, 1, 2], vec![text("a"), text("b"), text("c")]),
                (vec![1, 2], vec![text("x"), text("y")]),
            ],
            3,
        );
        let kept = rows.select(&[0, 2]);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept.str(0, 0), "a");
        assert_eq!(kept.row(0).get(1), None);
        assert_eq!(kept.str(1, 0), "c");
        assert_eq!(kept.str(1, 1), "y");
    }
}
