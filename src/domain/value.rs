//! A typed cell value after ingest (单元格取值), the unit of every row the engine reads.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::fields::{Field, FieldType};
use crate::domain::money;

/// One value of a row, already in the field's base unit.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Num(Decimal),
    Bool(bool),
    Date(NaiveDate),
    Text(Box<str>),
}

impl Value {
    /// The value as the engine compares it with lookup and title tables.
    pub fn as_text(&self) -> String {
        match self {
            Value::Num(d) => money::plain(*d),
            Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Text(s) => s.to_string(),
        }
    }

    /// The value as shown in traces and the ledger: money with separators and two decimals.
    pub fn display(&self, field: &Field) -> String {
        match (self, field.ty) {
            (Value::Num(d), FieldType::Money) => money::grouped2(*d),
            (Value::Num(d), FieldType::Percent) => format!("{}%", money::plain(*d)),
            _ => self.as_text(),
        }
    }
}

/// Read access to one application row by field.
pub trait Row {
    fn get(&self, field: crate::domain::fields::FieldId) -> Option<&Value>;
}

/// A row held as a dense vector indexed by field id (what tests and the engine use).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DenseRow(pub Vec<Option<Value>>);

impl DenseRow {
    pub fn new(fields: usize) -> Self {
        DenseRow(vec![None; fields])
    }

    pub fn set(&mut self, field: crate::domain::fields::FieldId, value: Value) {
        let i = field as usize;
        if i >= self.0.len() {
            self.0.resize(i + 1, None);
        }
        self.0[i] = Some(value);
    }
}

impl Row for DenseRow {
    fn get(&self, field: crate::domain::fields::FieldId) -> Option<&Value> {
        self.0.get(field as usize).and_then(Option::as_ref)
    }
}

/// Why a cell's text could not be read as its field's type (shown in 数据错误).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

/// Reads cell text as a value of the field's type, converting a unit suffix (`12万元`) and
/// scaling by the header's unit (`scale`). Full-width digits, separators, 是/否 and date text in
/// the usual Chinese forms are accepted.
/// Why a number cell's text is not read. A negative written as accountants do (`(30001)`,
/// `30001-`) is named as one: reading it as minus would be a guess, and a clerk told only
/// “not a number” would not see why.
fn not_a_number(t: &str, num: &str) -> Unreadable {
    let inner = num
        .strip_prefix(['(', '（'])
        .and_then(|n| n.strip_suffix([')', '）']))
        .or_else(|| num.strip_suffix('-'));
    match inner.and_then(money::parse_decimal) {
        Some(v) if !v.is_sign_negative() => Unreadable(format!(
            "“{t}”像是会计写法的负数（括号或末尾负号），含义不确定；负数请写为 -{}（只有可为负的栏目才能填负数）",
            money::plain(v)
        )),
        _ => Unreadable(format!("“{t}”不是数字")),
    }
}

pub fn parse_text(field: &Field, text: &str, scale: Decimal) -> Result<Value, Unreadable> {
    let t = text.trim();
    match field.ty {
        FieldType::Money
        | FieldType::Quantity
        | FieldType::Percent
        | FieldType::Integer
        | FieldType::Year => {
            let cleaned = money::clean_number_text(t);
            let (num, cell_scale) = crate::domain::fields::split_cell_unit(field, &cleaned);
            // A percent is a rate's own form; on an amount or a quantity its meaning is not certain.
            let num = match (num.strip_suffix('%'), field.ty) {
                (Some(n), FieldType::Percent) => n,
                (Some(_), _) => {
                    return Err(Unreadable(format!(
                        "“{t}”是百分数，本栏不是比率，含义不确定"
                    )))
                }
                (None, _) => num,
            };
            let v = money::parse_decimal(num).ok_or_else(|| not_a_number(t, num))?;
            let v = v
                .checked_mul(cell_scale.unwrap_or(scale))
                .ok_or_else(|| Unreadable(format!("“{t}”数值过大")))?;
            if matches!(field.ty, FieldType::Integer | FieldType::Year) && !v.fract().is_zero() {
                return Err(Unreadable(format!("“{t}”应为整数")));
            }
            Ok(Value::Num(v))
        }
        FieldType::Bool => parse_bool(t)
            .map(Value::Bool)
            .ok_or_else(|| Unreadable(format!("“{t}”应填 是 或 否"))),
        FieldType::Date => parse_date(t).map(Value::Date),
        FieldType::Enum => {
            if field.values.is_empty() || field.values.iter().any(|v| v == t) {
                Ok(Value::Text(t.into()))
            } else {
                Err(Unreadable(format!(
                    "“{t}”不在可选值（{}）内",
                    field.values.join("、")
                )))
            }
        }
        FieldType::Text => Ok(Value::Text(t.into())),
    }
}

/// 是/否, true/false, 1/0, Y/N, √/×.
pub fn parse_bool(t: &str) -> Option<bool> {
    match t.trim().to_ascii_lowercase().as_str() {
        "是" | "true" | "1" | "y" | "yes" | "√" | "✓" | "有" | "符合" => Some(true),
        "否" | "false" | "0" | "n" | "no" | "×" | "✗" | "无" | "不符合" => Some(false),
        _ => None,
    }
}

/// Date text as people type it (日期): 2024-03-15, 2024/3/15, 2024.3.15, 2024年3月15日, 20240315,
/// full-width digits and separators, a time after the date ignored. The year must have four
/// digits: `23.5.1` or `230501` could be 2023 or 1923 (or day-month-year), so it is refused with
/// a message, never read as the year 23.
pub fn parse_date(t: &str) -> Result<NaiveDate, Unreadable> {
    let shown = t.trim();
    let not_a_date = || Unreadable(format!("“{shown}”不是日期（如 2024-03-15）"));
    let first = shown.split([' ', 'T', '\u{3000}']).next().unwrap_or("");
    let t = money::clean_number_text(first);
    if t.chars().all(|c| c.is_ascii_digit()) {
        return match t.len() {
            // chrono's %Y takes "0023" as the year 23: a year starting with 0 is refused.
            8 if t.starts_with('0') => Err(not_a_date()),
            8 => NaiveDate::parse_from_str(&t, "%Y%m%d").map_err(|_| not_a_date()),
            6 => Err(two_digit_year(shown)),
            _ => Err(not_a_date()),
        };
    }
    let t = t.strip_suffix('日').unwrap_or(&t);
    let parts: Vec<&str> = t.split(['-', '/', '／', '.', '年', '月']).collect();
    let [y, m, d] = parts[..] else {
        return Err(not_a_date());
    };
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit())
    };
    if !digits(m, 1..=2) || !digits(d, 1..=2) {
        return Err(not_a_date());
    }
    if digits(y, 1..=2) {
        return Err(two_digit_year(shown));
    }
    // "0023" is four digits but no year anyone means (a padded two-digit year or a typo).
    if !digits(y, 4..=4) || y.starts_with('0') {
        return Err(not_a_date());
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (num(y), num(m), num(d)) else {
        return Err(not_a_date());
    };
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(not_a_date)
}

fn two_digit_year(shown: &str) -> Unreadable {
    Unreadable(format!(
        "“{shown}”的年份只有两位，无法确定是哪一年；请写四位年份（如 2023-05-01）"
    ))
}

#[cfg(test)]
#[path = "value/tests.rs"]
mod tests;
