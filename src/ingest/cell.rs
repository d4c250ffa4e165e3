//! Cell typing (单元格取值): calamine's values as [`RawCell`]s; a binary float becomes its
//! shortest decimal text once, here; dates become dates.

use std::io::{Read, Seek};

use calamine::{Data, DataRef, Sheets};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::RawCell;
use crate::domain::money::from_cell_f64;

/// A binary float read from a cell (any format) as its shortest decimal text, once, here.
pub fn from_float(f: f64) -> RawCell {
    match from_cell_f64(f) {
        Some(d) => RawCell::Num(d),
        None if !f.is_finite() => RawCell::Refused {
            shown: f.to_string(),
            reason: format!("{f}：不是有效数字（无穷大或 NaN），请改为实际数值"),
        },
        None => RawCell::Error(format!("{f}")),
    }
}

/// The date system of a workbook (日期系统): which day an Excel serial number counts from. The
/// workbook says which (`date1904` in xlsx/xlsb, the DATEMODE record in xls); a file that says
/// nothing (csv, ods, Parquet) is in the 1900 system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateSystem {
    /// Day 1 is 1900-01-01 (Excel on Windows, WPS), with Excel's phantom 1900-02-29.
    #[default]
    Excel1900,
    /// Day 0 is 1904-01-01 (old Excel for Mac; still set in some templates).
    Excel1904,
}

/// The date system a workbook states (ods has none: its dates are written as dates).
pub(super) fn date_system<R: Read + Seek>(wb: &Sheets<R>) -> DateSystem {
    let is_1904 = match wb {
        Sheets::Xlsx(x) => x.has_1904_epoch(),
        Sheets::Xlsb(x) => x.has_1904_epoch(),
        Sheets::Xls(x) => x.has_1904_epoch(),
        Sheets::Ods(_) => false,
    };
    if is_1904 {
        DateSystem::Excel1904
    } else {
        DateSystem::Excel1900
    }
}

/// An Excel serial day number in a date column, in the workbook's date system; the time of day
/// (the fraction) is dropped. `None` outside 1900-03-01 (1904-01-01) ..= 9999-12-31.
pub fn serial_date(n: Decimal, system: DateSystem) -> Option<NaiveDate> {
    let days: i64 = n.trunc().try_into().ok()?;
    let (epoch, first) = match system {
        // Serials below 61 fall before Excel's phantom 1900-02-29 and count from a day later.
        DateSystem::Excel1900 => (NaiveDate::from_ymd_opt(1899, 12, 30)?, 61),
        DateSystem::Excel1904 => (NaiveDate::from_ymd_opt(1904, 1, 1)?, 0),
    };
    if days < first {
        return None;
    }
    let date = epoch.checked_add_signed(chrono::Duration::days(days))?;
    (date <= NaiveDate::from_ymd_opt(9999, 12, 31)?).then_some(date)
}

/// A float32 (Parquet) as its own shortest decimal text: 4.9f32 is 4.9, not the
/// 4.900000095367432 it would be once widened to f64.
pub(super) fn from_float32(f: f32) -> RawCell {
    let text = format!("{f}");
    match Decimal::from_str_exact(&text)
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
    {
        Some(d) if f.is_finite() => RawCell::Num(d),
        _ => from_float(f64::from(f)),
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

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    use super::{serial_date, DateSystem};

    /// Excel serial days in both date systems: 45047 is 2023-05-01 in the 1900 system, and the
    /// same day is 43585 in the 1904 system; the fraction (time of day) is dropped.
    #[test]
    fn reads_serial_dates_in_both_systems() {
        let may_day = NaiveDate::from_ymd_opt(2023, 5, 1);
        assert_eq!(
            serial_date(Decimal::from(45047), DateSystem::Excel1900),
            may_day
        );
        assert_eq!(
            serial_date(Decimal::new(450475, 1), DateSystem::Excel1900),
            may_day
        );
        assert_eq!(
            serial_date(Decimal::from(43585), DateSystem::Excel1904),
            may_day
        );
        assert_eq!(
            serial_date(Decimal::from(61), DateSystem::Excel1900),
            NaiveDate::from_ymd_opt(1900, 3, 1)
        );
        assert_eq!(
            serial_date(Decimal::from(0), DateSystem::Excel1904),
            NaiveDate::from_ymd_opt(1904, 1, 1)
        );
        assert_eq!(
            serial_date(Decimal::from(2_958_465), DateSystem::Excel1900),
            NaiveDate::from_ymd_opt(9999, 12, 31)
        );
        for (n, system) in [
            (60, DateSystem::Excel1900),
            (-1, DateSystem::Excel1904),
            (2_958_466, DateSystem::Excel1900),
            (2_957_004, DateSystem::Excel1904),
        ] {
            assert_eq!(serial_date(Decimal::from(n), system), None, "{n}");
        }
    }
}
