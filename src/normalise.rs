//! Normalising the batch (数据规范化): raw cells → a polars frame with typed columns, one row
//! per application that can be computed. Money and quantities are kept as exact decimal text
//! (never binary floats); dates as dates; yes/no as booleans. Unreadable cells, unknown rule ids, bad
//! 统一社会信用代码 (GB 32100-2015) and duplicate 申报编号 become exceptions with file, sheet and
//! cell; nothing is dropped silently. This module owns polars.

use std::collections::HashMap;

use chrono::NaiveDate;
use polars::prelude::*;
use rust_decimal::Decimal;

use crate::fields::{FieldId, FieldType, Vocabulary};
use crate::ingest::{cell_ref, Batch, RawCell};
use crate::money::parse_decimal;
use crate::value::{parse_bool, parse_text, Row, Unreadable, Value};

/// The identity fields every application row has.
pub const IDENTITY: [&str; 6] = ["application_id", "credit_code", "enterprise_name", "region", "application_year", "rule_id"];

/// Where a row came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Provenance {
    pub file: String,
    pub sheet: String,
    /// 1-based row number as Excel shows it.
    pub row: u32,
}

/// The polars frame type, named here so that other stages need not depend on polars.
pub type Frame = DataFrame;

/// A row that could not be computed, or one cell of it (数据错误).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Exception {
    pub file: String,
    pub sheet: String,
    /// A1 reference, or the row (`第5行`) when the problem is not one cell.
    pub cell: String,
    pub application_id: String,
    pub value: String,
    pub reason: String,
}

/// The normalised applications: the frame plus provenance and carried columns per row.
pub struct Applications {
    /// Typed columns named by field key, one row per computable application.
    pub frame: DataFrame,
    pub provenance: Vec<Provenance>,
    /// Columns no field matched, carried to the ledger as `表头=值` text.
    pub extras: Vec<String>,
    /// The cell each field of a row was read from (A1 reference), sorted by field.
    pub cells: Vec<Vec<(FieldId, String)>>,
    pub exceptions: Vec<Exception>,
    /// Data rows read, and how many of them ended as exceptions.
    pub rows_in: usize,
    pub rows_excepted: usize,
}

/// GB 32100-2015: the 18th character of a 统一社会信用代码 is a check character over the first 17.
pub fn credit_code_valid(code: &str) -> bool {
    let mut chars = code.chars();
    let first17: String = chars.by_ref().take(17).collect();
    match (chars.next(), chars.next()) {
        (Some(last), None) if first17.chars().count() == 17 => credit_code_check_char(&first17) == Some(last),
        _ => false,
    }
}

/// GB 11643-1999: the 18th character of a 居民身份证号 is a check character (MOD 11-2), so an
/// individual payee (人才补贴、个人奖励) is identified as reliably as an enterprise.
pub fn resident_id_valid(id: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17].iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

/// A payee's identifier: a 统一社会信用代码 (enterprises, parks, banks, institutions) or a
/// 居民身份证号 (individuals).
pub fn payee_id_valid(code: &str) -> bool {
    credit_code_valid(code) || resident_id_valid(code)
}

/// The check character that completes the first 17 characters of a credit code, or `None`
/// when one of them is outside the code's alphabet (no I, O, S, V, Z).
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let mut sum = 0;
    for (i, c) in first17.chars().enumerate().take(17) {
        sum += CHARS.find(c)? as u32 * WEIGHTS[i];
    }
    CHARS.chars().nth(((31 - sum % 31) % 31) as usize)
}

/// A row being normalised: typed values by field and their cells.
struct Pending {
    values: HashMap<FieldId, (Value, String)>,
    prov: Provenance,
    extras: Vec<String>,
    bad: Vec<Exception>,
}

/// Normalises the batch. `known_rule` tells whether a rule id is loaded.
pub fn normalise(batch: &Batch, vocab: &Vocabulary, known_rule: &dyn Fn(&str) -> bool) -> Applications {
    let ids: Vec<FieldId> = IDENTITY.iter().filter_map(|k| vocab.id(k)).collect();
    let [app_id, credit, _, _, year, rule] = [ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]];
    let mut kept: Vec<Pending> = Vec::new();
    let mut exceptions = Vec::new();
    let mut rows_excepted = 0;
    let mut seen: HashMap<String, String> = HashMap::new();
    for raw in &batch.rows {
        let sheet = &batch.sheets[raw.sheet];
        let file = batch.files[sheet.file].path.display().to_string();
        let prov = Provenance { file: file.clone(), sheet: sheet.name.clone(), row: raw.row + 1 };
        let mut p = Pending { values: HashMap::new(), prov, extras: Vec::new(), bad: Vec::new() };
        for (col, cell) in &raw.cells {
            let Some(column) = sheet.columns.iter().find(|c| c.col == *col) else { continue };
            let at = cell_ref(raw.row, *col);
            let Some(m) = column.field else {
                p.extras.push(format!("{}={}", column.header, cell.show()));
                continue;
            };
            match typed(vocab, m.field, cell, m.scale) {
                Ok(v) => {
                    p.values.insert(m.field, (v, at));
                }
                Err(Unreadable(reason)) => p.bad.push(exception(&p.prov, &at, cell.show(), reason)),
            }
        }
        let text = |f: FieldId| match p.values.get(&f) {
            Some((Value::Text(s), _)) => s.trim().to_string(),
            Some((v, _)) => v.as_text(),
            None => String::new(),
        };
        let id = text(app_id);
        let row_ref = format!("第{}行", raw.row + 1);
        let at = |f: FieldId| p.values.get(&f).map(|(_, a)| a.clone()).unwrap_or_else(|| row_ref.clone());
        let mut more = Vec::new();
        if id.is_empty() {
            more.push(exception(&p.prov, &row_ref, String::new(), "缺少申报编号".into()));
        } else if let Some(first) = seen.get(&id) {
            more.push(exception(&p.prov, &at(app_id), id.clone(), format!("申报编号重复（首次出现于 {first}），本行未计算")));
        }
        let rule_id = text(rule);
        if rule_id.is_empty() {
            more.push(exception(&p.prov, &row_ref, String::new(), "缺少申报条款编号".into()));
        } else if !known_rule(&rule_id) {
            more.push(exception(&p.prov, &at(rule), rule_id.clone(), "申报条款编号不在已加载的政策文件中".into()));
        }
        let code = text(credit);
        if code.is_empty() {
            more.push(exception(&p.prov, &row_ref, String::new(), "缺少统一社会信用代码".into()));
        } else if !payee_id_valid(&code) {
            more.push(exception(&p.prov, &at(credit), code.clone(), "统一社会信用代码校验位不符（GB 32100-2015；个人为身份证号，GB 11643）".into()));
        }
        if !p.values.contains_key(&year) {
            more.push(exception(&p.prov, &row_ref, String::new(), "缺少申报年度".into()));
        }
        p.bad.extend(more);
        if !id.is_empty() && !seen.contains_key(&id) {
            seen.insert(id.clone(), format!("{} {} 第{}行", p.prov.file, p.prov.sheet, p.prov.row));
        }
        if p.bad.is_empty() {
            kept.push(p);
        } else {
            rows_excepted += 1;
            for mut e in p.bad {
                e.application_id = id.clone();
                exceptions.push(e);
            }
        }
    }
    // Rows of sheets without a recognisable header are not applications we can read, but they
    // are not dropped: each is an exception naming its row.
    let mut rows_in = batch.rows.len();
    for (file, sheet, rows) in &batch.unread {
        let prov = Provenance { file: batch.files[*file].path.display().to_string(), sheet: sheet.clone(), row: 0 };
        for r in rows {
            exceptions.push(exception(
                &prov,
                &format!("第{}行", r + 1),
                String::new(),
                "本工作表前10行中没有可识别的表头（至少两列已知字段），本行未读入；若为申报数据，请按模板补上表头".into(),
            ));
        }
        rows_in += rows.len();
        rows_excepted += rows.len();
    }
    let frame = build_frame(&kept, vocab);
    Applications {
        frame,
        provenance: kept.iter().map(|p| p.prov.clone()).collect(),
        extras: kept.iter().map(|p| p.extras.join("；")).collect(),
        cells: kept
            .iter()
            .map(|p| {
                let mut c: Vec<(FieldId, String)> = p.values.iter().map(|(f, (_, at))| (*f, at.clone())).collect();
                c.sort();
                c
            })
            .collect(),
        exceptions,
        rows_in,
        rows_excepted,
    }
}

fn exception(prov: &Provenance, cell: &str, value: String, reason: String) -> Exception {
    Exception { file: prov.file.clone(), sheet: prov.sheet.clone(), cell: cell.to_string(), application_id: String::new(), value, reason }
}

/// Reads a raw cell as the field's type.
fn typed(vocab: &Vocabulary, field: FieldId, cell: &RawCell, scale: Decimal) -> Result<Value, Unreadable> {
    let f = vocab.get(field);
    match (cell, f.ty) {
        (RawCell::Error(e), _) if e.starts_with('#') => Err(Unreadable(format!("单元格为错误值 {e}"))),
        (RawCell::Error(e), _) => Err(Unreadable(e.clone())),
        (RawCell::Text(t), _) => parse_text(f, t, scale),
        (RawCell::Num(n), ty) if ty.is_numeric() => {
            let v = n.checked_mul(scale).ok_or_else(|| Unreadable(format!("“{n}”数值过大")))?;
            if matches!(ty, FieldType::Integer | FieldType::Year) && !v.fract().is_zero() {
                return Err(Unreadable(format!("“{n}”应为整数")));
            }
            Ok(Value::Num(v))
        }
        (RawCell::Num(n), FieldType::Bool) => parse_bool(&n.to_string()).map(Value::Bool).ok_or_else(|| Unreadable(format!("“{n}”应填 是 或 否"))),
        (RawCell::Num(n), FieldType::Date) => excel_serial(*n).map(Value::Date).ok_or_else(|| Unreadable(format!("“{n}”不是日期"))),
        (RawCell::Num(n), _) => parse_text(f, &n.normalize().to_string(), Decimal::ONE),
        (RawCell::Bool(b), FieldType::Bool) => Ok(Value::Bool(*b)),
        (RawCell::Bool(b), _) => Err(Unreadable(format!("“{}”不是{}", if *b { "TRUE" } else { "FALSE" }, type_name(f.ty)))),
        (RawCell::Date(d), FieldType::Date) => Ok(Value::Date(*d)),
        (RawCell::Date(d), FieldType::Text) => Ok(Value::Text(d.format("%Y-%m-%d").to_string())),
        (RawCell::Date(d), _) => Err(Unreadable(format!("“{d}”是日期，此列应为{}", type_name(f.ty)))),
    }
}

fn type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Money => "金额",
        FieldType::Quantity | FieldType::Percent | FieldType::Integer | FieldType::Year => "数字",
        FieldType::Date => "日期",
        FieldType::Bool => "是/否",
        FieldType::Enum | FieldType::Text => "文字",
    }
}

/// An Excel serial day number in the 1900 system (a date column holding plain numbers).
fn excel_serial(n: Decimal) -> Option<NaiveDate> {
    let days: i64 = n.trunc().try_into().ok()?;
    if !(1..=2_958_465).contains(&days) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(chrono::Duration::days(days))
}

const EPOCH_DAYS_CE: i32 = 719_163;

/// Builds the typed frame: a column for every field that any kept row has.
fn build_frame(rows: &[Pending], vocab: &Vocabulary) -> DataFrame {
    // One pass over the cells present (not rows × fields): each value goes to its column.
    let mut slots: Vec<Option<Vec<Option<&Value>>>> = vec![None; vocab.len()];
    for (i, p) in rows.iter().enumerate() {
        for (f, (v, _)) in &p.values {
            slots[*f as usize].get_or_insert_with(|| vec![None; rows.len()])[i] = Some(v);
        }
    }
    let mut columns = Vec::new();
    for (f, slot) in slots.into_iter().enumerate() {
        let Some(values) = slot else { continue };
        let field = vocab.get(f as FieldId);
        let name = PlSmallStr::from(field.key.as_str());
        let column = match field.ty {
            FieldType::Bool => {
                let v: Vec<Option<bool>> = values.iter().map(|x| match x { Some(Value::Bool(b)) => Some(*b), _ => None }).collect();
                Column::new(name, v)
            }
            FieldType::Date => {
                let v: Vec<Option<i32>> = values
                    .iter()
                    .map(|x| match x {
                        Some(Value::Date(d)) => Some(chrono::Datelike::num_days_from_ce(d) - EPOCH_DAYS_CE),
                        _ => None,
                    })
                    .collect();
                Int32Chunked::new(name, &v).into_date().into_column()
            }
            _ => {
                let v: Vec<Option<String>> = values.iter().map(|x| x.map(Value::as_text)).collect();
                Column::new(name, v)
            }
        };
        columns.push(column);
    }
    DataFrame::new(rows.len(), columns).unwrap_or_else(|_| DataFrame::empty())
}

/// The frame as the engine reads it: typed values by field, extracted once. A column most
/// rows leave empty (each rule reads a few fields) is kept sparse, so memory follows the cells
/// present rather than rows × fields.
pub struct Rows {
    /// Field id → column in `values`.
    index: Vec<Option<u16>>,
    values: Vec<FieldValues>,
    len: usize,
}

/// One field's values over the rows.
enum FieldValues {
    Dense(Vec<Option<Value>>),
    /// Row numbers (ascending) and their values.
    Sparse(Vec<u32>, Vec<Value>),
}

impl FieldValues {
    fn from_options(col: Vec<Option<Value>>) -> FieldValues {
        let present = col.iter().filter(|v| v.is_some()).count();
        if present * 2 >= col.len() {
            return FieldValues::Dense(col);
        }
        let mut rows = Vec::with_capacity(present);
        let mut values = Vec::with_capacity(present);
        for (i, v) in col.into_iter().enumerate() {
            if let Some(v) = v {
                rows.push(i as u32);
                values.push(v);
            }
        }
        FieldValues::Sparse(rows, values)
    }

    fn get(&self, i: usize) -> Option<&Value> {
        match self {
            FieldValues::Dense(v) => v.get(i).and_then(Option::as_ref),
            FieldValues::Sparse(rows, values) => rows.binary_search(&(i as u32)).ok().map(|k| &values[k]),
        }
    }

    fn set(&mut self, i: usize, value: Value, len: usize) {
        if let FieldValues::Sparse(rows, values) = self {
            let mut d = vec![None; len];
            for (r, v) in rows.iter().zip(values.drain(..)) {
                d[*r as usize] = Some(v);
            }
            *self = FieldValues::Dense(d);
        }
        if let FieldValues::Dense(d) = self {
            d[i] = Some(value);
        }
    }
}

impl Rows {
    /// Extracts typed columns from the frame. Columns that do not parse back (they always
    /// do, as this module wrote them) are left empty rather than guessed.
    pub fn from_frame(frame: &DataFrame, vocab: &Vocabulary) -> Rows {
        let mut index = vec![None; vocab.len()];
        let mut values = Vec::new();
        for column in frame.columns() {
            let Some(f) = vocab.id(column.name().as_str()) else { continue };
            let field = vocab.get(f);
            let col: Vec<Option<Value>> = match field.ty {
                FieldType::Bool => column.bool().map(|c| c.iter().map(|v| v.map(Value::Bool)).collect()).unwrap_or_default(),
                FieldType::Date => column
                    .date()
                    .map(|c| {
                        c.physical()
                            .iter()
                            .map(|v| v.and_then(|d| NaiveDate::from_num_days_from_ce_opt(d + EPOCH_DAYS_CE)).map(Value::Date))
                            .collect()
                    })
                    .unwrap_or_default(),
                ty if ty.is_numeric() => column
                    .str()
                    .map(|c| c.iter().map(|v| v.and_then(parse_decimal).map(Value::Num)).collect())
                    .unwrap_or_default(),
                _ => column.str().map(|c| c.iter().map(|v| v.map(|s| Value::Text(s.to_string()))).collect()).unwrap_or_default(),
            };
            index[f as usize] = Some(values.len() as u16);
            values.push(FieldValues::from_options(col));
        }
        Rows { index, values, len: frame.height() }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Sets one value (the history join adds fields the inputs do not carry).
    pub fn set(&mut self, i: usize, field: FieldId, value: Value) {
        let c = match self.index[field as usize] {
            Some(c) => c as usize,
            None => {
                self.index[field as usize] = Some(self.values.len() as u16);
                self.values.push(FieldValues::Dense(vec![None; self.len]));
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

    /// A field's value as text ("" when absent), for identity columns.
    pub fn text(&self, i: usize, field: FieldId) -> String {
        self.row(i).get(field).map(Value::as_text).unwrap_or_default()
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
#[path = "normalise/tests.rs"]
mod tests;
