//! Cell typing (单元格取值): calamine's values as [`RawCell`]s; a binary float becomes its
//! shortest decimal text once, here; dates become dates.

use calamine::{Data, DataRef};
use rust_decimal::Decimal;

use super::RawCell;
use crate::money::from_cell_f64;

/// A binary float read from a cell (any format) as its shortest decimal text, once, here.
pub fn from_float(f: f64) -> RawCell {
    match from_cell_f64(f) {
        Some(d) => RawCell::Num(d),
        None => RawCell::Error(format!("{f}")),
    }
}

pub(super) fn from_excel_date(d: &calamine::ExcelDateTime) -> RawCell {
    match d.as_datetime() {
        Some(dt) => RawCell::Date(dt.date()),
        None => from_float(d.as_f64()),
    }
}

pub(super) fn from_ref(v: &DataRef<'_>) -> Option<RawCell> {
    Some(match v {
        DataRef::Empty => return None,
        DataRef::Int(i) => RawCell::Num(Decimal::from(*i)),
        DataRef::Float(f) => from_float(*f),
        DataRef::String(s) => RawCell::Text(s.clone()),
        DataRef::SharedString(s) => RawCell::Text((*s).to_string()),
        DataRef::Bool(b) => RawCell::Bool(*b),
        DataRef::DateTime(d) => from_excel_date(d),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => RawCell::Text(s.clone()),
        DataRef::Error(e) => RawCell::Error(e.to_string()),
    })
}

pub(super) fn from_data(v: &Data) -> Option<RawCell> {
    Some(match v {
        Data::Empty => return None,
        Data::Int(i) => RawCell::Num(Decimal::from(*i)),
        Data::Float(f) => from_float(*f),
        Data::String(s) => RawCell::Text(s.clone()),
        Data::Bool(b) => RawCell::Bool(*b),
        Data::DateTime(d) => from_excel_date(d),
        Data::DateTimeIso(s) | Data::DurationIso(s) => RawCell::Text(s.clone()),
        Data::Error(e) => RawCell::Error(e.to_string()),
    })
}
