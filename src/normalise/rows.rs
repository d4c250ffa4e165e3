//! The frame the engine reads (数据帧): typed values by field, each column holding every
//! distinct value once (编码列) and a four-byte code per row. A batch repeats most of its
//! texts — 企业名称, 所属旗县区, 申报条款编号, 申报年度, an enterprise's 统一社会信用代码 on each
//! of its applications — so a million rows cost a few bytes a field instead of a boxed string
//! each. Values are kept exactly as typed: two numbers share a code only when their decimal
//! digits and scale are the same (1.0 and 1.00 are shown differently, so they stay apart).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

use crate::domain::fields::FieldId;
use crate::domain::value::{Row, Value};

/// The code of a row without a value, in a dense column.
const ABSENT: u32 = u32::MAX;

/// The frame as the engine reads it: typed values by field, extracted once. A column most
/// rows leave empty (each rule reads a few fields) is kept sparse, so memory follows the cells
/// present rather than rows × fields.
pub struct Rows {
    /// Field id → column in `values`.
    index: Vec<Option<u16>>,
    values: Vec<Column>,
    len: usize,
}

/// One field's values over the rows: each distinct value once, rows by code.
struct Column {
    dict: Vec<Value>,
    codes: Codes,
}

/// Which rows of a column have which value.
enum Codes {
    /// A code per row ([`ABSENT`]: none), for a column most rows have.
    Dense(Vec<u32>),
    /// The rows that have a value (ascending) and their codes.
    Sparse(Vec<u32>, Vec<u32>),
}

impl Column {
    fn code(&self, i: usize) -> Option<u32> {
        match &self.codes {
            Codes::Dense(codes) => codes.get(i).copied().filter(|c| *c != ABSENT),
            Codes::Sparse(rows, codes) => {
                let k = rows.binary_search(&(i as u32)).ok()?;
                codes.get(k).copied()
            }
        }
    }

    fn get(&self, i: usize) -> Option<&Value> {
        self.dict.get(self.code(i)? as usize)
    }

    /// Sets row `i`'s value (a column is set a few fields at a time by the history join: the
    /// value is added to the dictionary without looking for its equal).
    fn set(&mut self, i: usize, value: Value, len: usize) {
        if let Codes::Sparse(rows, codes) = &self.codes {
            let mut dense = vec![ABSENT; len];
            for (r, c) in rows.iter().zip(codes) {
                if let Some(slot) = dense.get_mut(*r as usize) {
                    *slot = *c;
                }
            }
            self.codes = Codes::Dense(dense);
        }
        if let Codes::Dense(codes) = &mut self.codes {
            if let Some(slot) = codes.get_mut(i) {
                self.dict.push(value);
                *slot = (self.dict.len() - 1) as u32;
            }
        }
    }
}

/// One field's values as rows arrive, each distinct value kept once (the normaliser's side of
/// a [`Column`]).
pub struct ColumnBuilder {
    rows: Vec<u32>,
    codes: Vec<u32>,
    dict: Dictionary,
}

impl Default for ColumnBuilder {
    fn default() -> Self {
        ColumnBuilder {
            rows: Vec::new(),
            codes: Vec::new(),
            dict: Dictionary::new(),
        }
    }
}

impl ColumnBuilder {
    /// The value of row `row` (rows arrive in ascending order).
    pub fn push(&mut self, row: u32, value: Value) {
        // Rows grouped by enterprise or region repeat the previous row's value: no lookup.
        let code = match self.codes.last() {
            Some(&last)
                if self
                    .dict
                    .values
                    .get(last as usize)
                    .is_some_and(|v| same(v, &value)) =>
            {
                last
            }
            _ => self.dict.intern(value).0,
        };
        self.rows.push(row);
        self.codes.push(code);
    }

    /// The code of a value, and whether it is new to the column (the value is kept either way,
    /// so a value seen on a row that was not kept is still known: 申报编号 duplicates).
    pub fn intern(&mut self, value: Value) -> (u32, bool) {
        self.dict.intern(value)
    }

    /// The column over `len` rows; none when no row has a value.
    fn finish(self, len: usize) -> Option<Column> {
        if self.rows.is_empty() {
            return None;
        }
        let mut dict = self.dict.values;
        dict.shrink_to_fit();
        let codes = if self.rows.len() * 2 < len {
            let (mut rows, mut codes) = (self.rows, self.codes);
            rows.shrink_to_fit();
            codes.shrink_to_fit();
            Codes::Sparse(rows, codes)
        } else {
            let mut dense = vec![ABSENT; len];
            for (r, c) in self.rows.into_iter().zip(self.codes) {
                if let Some(slot) = dense.get_mut(r as usize) {
                    *slot = c;
                }
            }
            Codes::Dense(dense)
        };
        Some(Column { dict, codes })
    }
}

/// Distinct values and an open-addressing table of their codes (four bytes a slot, the table
/// at most half full), so a value is held once: in `values`.
struct Dictionary {
    values: Vec<Value>,
    /// 0: empty; otherwise the code plus one.
    slots: Vec<u32>,
    /// Keys drawn per run: a batch cannot be made to collide on purpose.
    hasher: RandomState,
}

impl Dictionary {
    fn new() -> Self {
        Dictionary {
            values: Vec::new(),
            slots: Vec::new(),
            hasher: RandomState::new(),
        }
    }

    fn hash(&self, value: &Value) -> usize {
        let mut h = self.hasher.build_hasher();
        match value {
            Value::Num(d) => (0u8, d.serialize()).hash(&mut h),
            Value::Bool(b) => (1u8, b).hash(&mut h),
            Value::Date(d) => (2u8, d).hash(&mut h),
            Value::Text(s) => (3u8, &**s).hash(&mut h),
        }
        h.finish() as usize
    }

    /// The slot holding `value`'s code, or the empty slot where it belongs.
    fn slot_of(&self, value: &Value) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = self.hash(value) & mask;
        loop {
            match self.slots[at] {
                0 => return at,
                s if self
                    .values
                    .get(s as usize - 1)
                    .is_some_and(|v| same(v, value)) =>
                {
                    return at
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    fn intern(&mut self, value: Value) -> (u32, bool) {
        if (self.values.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let at = self.slot_of(&value);
        match self.slots[at] {
            0 => {
                self.values.push(value);
                let code = (self.values.len() - 1) as u32;
                self.slots[at] = code + 1;
                (code, true)
            }
            s => (s - 1, false),
        }
    }

    /// Doubles the table and places every code again.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(16);
        self.slots = vec![0; size];
        for code in 0..self.values.len() {
            let at = self.slot_of(&self.values[code]);
            self.slots[at] = code as u32 + 1;
        }
    }
}

/// Whether two values are the same as typed: numbers digit for digit and scale for scale
/// (`Decimal`'s own equality holds 1.0 and 1.00 equal, yet they are shown differently).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.serialize() == y.serialize(),
        (Value::Text(x), Value::Text(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Date(x), Value::Date(y)) => x == y,
        _ => false,
    }
}

impl Rows {
    /// Builds the view from the normaliser's columns (one per field id).
    pub fn from_builders(columns: Vec<ColumnBuilder>, len: usize) -> Rows {
        let mut index = vec![None; columns.len()];
        let mut values = Vec::new();
        for (f, column) in columns.into_iter().enumerate() {
            if let Some(column) = column.finish(len) {
                index[f] = Some(values.len() as u16);
                values.push(column);
            }
        }
        Rows { index, values, len }
    }

    /// Builds the view from plain columns (per field: rows in ascending order and values).
    pub fn from_columns(columns: Vec<(Vec<u32>, Vec<Value>)>, len: usize) -> Rows {
        let builders = columns
            .into_iter()
            .map(|(rows, values)| {
                let mut b = ColumnBuilder::default();
                for (r, v) in rows.into_iter().zip(values) {
                    b.push(r, v);
                }
                b
            })
            .collect();
        Rows::from_builders(builders, len)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// How many fields a row may have (the vocabulary's size).
    pub(super) fn fields(&self) -> usize {
        self.index.len()
    }

    /// Sets one value (the history join adds fields the inputs do not carry).
    pub fn set(&mut self, i: usize, field: FieldId, value: Value) {
        let Some(slot) = self.index.get_mut(field as usize) else {
            return;
        };
        let c = match *slot {
            Some(c) => c as usize,
            None => {
                *slot = Some(self.values.len() as u16);
                self.values.push(Column {
                    dict: Vec::new(),
                    codes: Codes::Dense(vec![ABSENT; self.len]),
                });
                self.values.len() - 1
            }
        };
        let len = self.len;
        self.values[c].set(i, value, len);
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn row(&self, i: usize) -> RowRef<'_> {
        RowRef { rows: self, i }
    }

    /// A text field's value ("" when absent or not text), borrowed, for identity columns.
    pub fn str(&self, i: usize, field: FieldId) -> &str {
        let value = self
            .index
            .get(field as usize)
            .copied()
            .flatten()
            .and_then(|c| self.values[c as usize].get(i));
        match value {
            Some(Value::Text(s)) => s,
            _ => "",
        }
    }

    /// A field's value as text ("" when absent), for identity columns.
    pub fn text(&self, i: usize, field: FieldId) -> String {
        self.row(i)
            .get(field)
            .map(Value::as_text)
            .unwrap_or_default()
    }
}

/// One row of [`Rows`].
#[derive(Clone, Copy)]
pub struct RowRef<'a> {
    rows: &'a Rows,
    i: usize,
}

impl Row for RowRef<'_> {
    fn get(&self, field: FieldId) -> Option<&Value> {
        let c = (*self.rows.index.get(field as usize)?)?;
        self.rows.values[c as usize].get(self.i)
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    /// A repeated value is held once; each row still reads its own value, absent rows none.
    #[test]
    fn repeated_values_are_held_once_and_read_back_per_row() {
        let regions = ["玉泉区", "回民区", "玉泉区", "玉泉区", "新城区", "回民区"];
        let mut b = ColumnBuilder::default();
        for (r, v) in regions.iter().enumerate() {
            if r != 3 {
                b.push(r as u32, text(v));
            }
        }
        let rows = Rows::from_builders(vec![b], regions.len());
        assert_eq!(rows.values[0].dict.len(), 3);
        let read: Vec<&str> = (0..regions.len()).map(|i| rows.str(i, 0)).collect();
        assert_eq!(read, ["玉泉区", "回民区", "玉泉区", "", "新城区", "回民区"]);
        assert_eq!(rows.row(3).get(0), None);
    }

    /// 1.0 and 1.00 are equal decimals but are shown differently: they keep their own codes,
    /// and each row reads back its own scale and sign (0 and -0 likewise).
    #[test]
    fn numbers_share_a_code_only_when_digits_and_scale_match() {
        let values = [
            Decimal::new(10, 1),
            Decimal::new(100, 2),
            Decimal::new(10, 1),
            Decimal::ZERO,
            -Decimal::ZERO,
        ];
        let rows = Rows::from_columns(
            vec![(
                (0..5).collect(),
                values.iter().map(|d| Value::Num(*d)).collect(),
            )],
            5,
        );
        assert_eq!(rows.values[0].dict.len(), 4);
        let read: Vec<(u32, bool)> = (0..5)
            .map(|i| match rows.row(i).get(0) {
                Some(Value::Num(d)) => (d.scale(), d.is_sign_negative()),
                other => panic!("row {i}: {other:?}"),
            })
            .collect();
        assert_eq!(
            read,
            [(1, false), (2, false), (1, false), (0, false), (0, true)]
        );
    }

    /// Many distinct values (the table grows and places codes again) all read back; a column
    /// most rows lack is sparse, one most rows have is dense.
    #[test]
    fn distinct_values_survive_growth_in_sparse_and_dense_columns() {
        let n = 5000u32;
        let ids: Vec<String> = (0..n).map(|i| format!("HH2023-{i:05}")).collect();
        let rows = Rows::from_columns(
            vec![
                ((0..n).collect(), ids.iter().map(|s| text(s)).collect()),
                (
                    (0..n).filter(|r| r % 7 == 0).collect(),
                    (0..n)
                        .filter(|r| r % 7 == 0)
                        .map(|r| Value::Num(r.into()))
                        .collect(),
                ),
            ],
            n as usize,
        );
        assert!(matches!(rows.values[0].codes, Codes::Dense(_)));
        assert!(matches!(rows.values[1].codes, Codes::Sparse(..)));
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(rows.str(i, 0), id);
            let expected = (i % 7 == 0).then(|| Value::Num((i as u32).into()));
            assert_eq!(rows.row(i).get(1), expected.as_ref());
        }
    }

    /// `intern` tells a value seen before from a new one, rows or not.
    #[test]
    fn intern_tells_a_value_seen_before() {
        let mut b = ColumnBuilder::default();
        assert_eq!(b.intern(text("A-1")), (0, true));
        b.push(0, text("A-2"));
        assert_eq!(b.intern(text("A-2")), (1, false));
        assert_eq!(b.intern(text("A-1")), (0, false));
    }

    /// The history join sets values on rows of a sparse column, of a dense one and of a field
    /// the inputs lack; the other rows keep theirs.
    #[test]
    fn set_adds_values_to_sparse_dense_and_new_columns() {
        let mut rows = Rows::from_columns(
            vec![
                (
                    (0..4).collect(),
                    (0..4).map(|i| Value::Num(i.into())).collect(),
                ),
                (vec![1], vec![text("x")]),
                (Vec::new(), Vec::new()),
            ],
            4,
        );
        rows.set(2, 0, Value::Num(9.into()));
        rows.set(3, 1, text("y"));
        rows.set(0, 2, Value::Bool(true));
        let col = |f: FieldId| -> Vec<String> { (0..4).map(|i| rows.text(i, f)).collect() };
        assert_eq!(col(0), ["0", "1", "9", "3"]);
        assert_eq!(col(1), ["", "x", "", "y"]);
        assert_eq!(col(2), ["是", "", "", ""]);
    }
}
