//! Normalising the batch (数据规范化): raw cells → typed columns, one row per application that
//! can be computed. Money and quantities are exact decimals (never binary floats); dates are
//! dates; yes/no are booleans. Rows arrive one at a time as ingest reads them; each is typed on
//! its own (so rows can be typed in parallel), then checked in reading order: unreadable cells,
//! unknown rule ids, bad 统一社会信用代码 (GB 32100-2015) and duplicate 申报编号 become
//! exceptions with file, sheet and cell; nothing is dropped silently.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::domain::fields::{split_cell_unit, FieldId, FieldType, Figure, Scale, Vocabulary};
use crate::domain::identity::{credit_code_valid, payee_id_valid};
use crate::domain::value::{parse_bool, parse_text, Row, Unreadable, Value};
use crate::ingest::{cell_ref, serial_date, Batch, DateSystem, RawCell, RawRow, Sheet};

/// The identity fields every application row has.
pub const IDENTITY: [&str; 6] = [
    "application_id",
    "credit_code",
    "enterprise_name",
    "region",
    "application_year",
    "rule_id",
];

/// Where a kept row came from, compactly: its sheet (an index into [`Applications::sheets`])
/// and its 1-based row number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub sheet: u32,
    pub row: u32,
}

/// A sheet rows were read from: its file, its name, and the column each field was read from
/// (so a value's cell is known without keeping a reference per cell).
#[derive(Debug, Clone)]
pub struct SourceSheet {
    pub file: String,
    pub name: String,
    columns: Vec<(FieldId, u32)>,
}

impl SourceSheet {
    /// Whether the sheet has a column for the field (its cells may still be empty).
    pub fn has(&self, field: FieldId) -> bool {
        self.columns.iter().any(|(f, _)| *f == field)
    }
}

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

/// The normalised applications: typed values by field (the engine's view) plus where each
/// row came from and the columns it carried.
pub struct Applications {
    /// One row per computable application.
    pub rows: Rows,
    pub origins: Vec<Origin>,
    pub sheets: Vec<SourceSheet>,
    /// Columns no field matched, as `表头=值；…`, for the rows that have any (sorted by row).
    extras: Vec<(u32, String)>,
    pub exceptions: Vec<Exception>,
    /// Data rows read, and how many of them ended as exceptions.
    pub rows_in: usize,
    pub rows_excepted: usize,
}

impl Applications {
    /// The sheet row `i` came from and its 1-based row number.
    pub fn origin(&self, i: usize) -> (&SourceSheet, u32) {
        let o = self.origins[i];
        (&self.sheets[o.sheet as usize], o.row)
    }

    /// `文件 工作表 第N行`.
    pub fn source(&self, i: usize) -> String {
        let (s, row) = self.origin(i);
        format!("{} {} 第{}行", s.file, s.name, row)
    }

    /// The cell a field of row `i` was read from (A1), when it was read from one.
    pub fn cell(&self, i: usize, field: FieldId) -> Option<String> {
        self.rows.row(i).get(field)?;
        let o = self.origins[i];
        let (_, col) = self.sheets[o.sheet as usize]
            .columns
            .iter()
            .rev()
            .find(|(f, _)| *f == field)?;
        Some(cell_ref(o.row - 1, *col))
    }

    pub fn extras(&self, i: usize) -> &str {
        match self.extras.binary_search_by_key(&(i as u32), |(r, _)| *r) {
            Ok(k) => &self.extras[k].1,
            Err(_) => "",
        }
    }
}

/// A data row read as typed values (the part of normalising that needs no other row, so
/// rows can be typed in parallel).
pub struct TypedRow {
    /// The sheet's index in the batch.
    sheet: usize,
    /// 0-based row.
    row: u32,
    values: Vec<(FieldId, Value, u32)>,
    extras: String,
    /// Unreadable cells: cell, value, reason.
    bad: Vec<(String, String, String)>,
}

/// Reads a raw row's cells as their fields' types.
pub fn type_row(batch: &Batch, vocab: &Vocabulary, raw: &RawRow) -> TypedRow {
    let sheet = &batch.sheets[raw.sheet];
    let dates = batch
        .files
        .get(sheet.file)
        .map(|f| f.date_system)
        .unwrap_or_default();
    let mut t = TypedRow {
        sheet: raw.sheet,
        row: raw.row,
        values: Vec::with_capacity(raw.cells.len()),
        extras: String::new(),
        bad: Vec::new(),
    };
    for (col, cell) in &raw.cells {
        let Some(column) = sheet.columns.iter().find(|c| c.col == *col) else {
            continue;
        };
        let Some(m) = column.field else {
            if !t.extras.is_empty() {
                t.extras.push('；');
            }
            t.extras
                .push_str(&format!("{}={}", column.header, cell.show()));
            continue;
        };
        if let Some(reason) = &column.refused {
            t.bad
                .push((cell_ref(raw.row, *col), cell.show(), reason.clone()));
            continue;
        }
        match typed(vocab, m.field, cell, m.scale, dates) {
            Ok(v) => keep_value(&mut t, sheet, raw.row, (m.field, v, *col), vocab),
            Err(Unreadable(reason)) => t.bad.push((cell_ref(raw.row, *col), cell.show(), reason)),
        }
    }
    t
}

/// Keeps a typed value, unless another column of the row already gave the field one. Two
/// columns naming one field (申报数 and 核定数 both headed 固定资产投资额) are never chosen between
/// silently: the column marked approved (核定 / 审定 / 核准 in its header path) wins; otherwise
/// differing values make the row an exception naming both columns.
fn keep_value(
    t: &mut TypedRow,
    sheet: &Sheet,
    row: u32,
    value: (FieldId, Value, u32),
    vocab: &Vocabulary,
) {
    let figure = |col: u32| {
        sheet
            .columns
            .iter()
            .find(|c| c.col == col)
            .map(|c| c.figure)
            .unwrap_or_default()
    };
    let Some(k) = t.values.iter().position(|(f, _, _)| *f == value.0) else {
        t.values.push(value);
        return;
    };
    let (old, new) = (figure(t.values[k].2), figure(value.2));
    match (old == Figure::Approved, new == Figure::Approved) {
        (true, false) => {}
        (false, true) => t.values[k] = value,
        _ if t.values[k].1 == value.1 => {}
        _ => {
            let header = |col: u32| {
                sheet
                    .columns
                    .iter()
                    .find(|c| c.col == col)
                    .map(|c| c.header.clone())
                    .unwrap_or_default()
            };
            let first = t.values[k].2;
            let name = crate::domain::fields::split_header_unit(&vocab.get(value.0).header_zh).0;
            let reason = format!(
                "两列都是“{name}”且数值不同（{}列“{}”、{}列“{}”），无法确定取哪一列；若一列为核定数，请在其表头或上方的分组表头写明“核定”",
                crate::ingest::column_letters(first),
                header(first),
                crate::ingest::column_letters(value.2),
                header(value.2)
            );
            t.bad
                .push((cell_ref(row, value.2), value.1.as_text(), reason));
        }
    }
}

/// Turns typed rows, in reading order, into [`Applications`]: checks identity (申报编号 present
/// and unique, rule loaded, credit code valid, year present), sends what fails to the
/// exceptions and keeps the rest as typed columns.
pub struct Normaliser<'a> {
    vocab: &'a Vocabulary,
    known_rule: &'a dyn Fn(&str) -> bool,
    ids: [FieldId; 6],
    /// Per field: the kept rows that have it and their values, each distinct value once.
    columns: Vec<ColumnBuilder>,
    origins: Vec<Origin>,
    sheets: Vec<SourceSheet>,
    /// Batch sheet index → index in `sheets`.
    sheet_index: HashMap<usize, u32>,
    extras: Vec<(u32, String)>,
    exceptions: Vec<Exception>,
    rows_in: usize,
    rows_excepted: usize,
    /// Where each 申报编号 was first seen, by its code in the 申报编号 column (which knows the
    /// ids of rows not kept too), so the ids are not held a second time.
    first_seen: Vec<Option<Origin>>,
    shard: Option<Shard>,
}

/// One part of a batch split by enterprise (分片): the rows whose 统一社会信用代码 hashes to
/// `index` of `count` (FNV-1a 64 of the code's bytes, modulo `count`). Rows without a code go
/// to part 0, so each is reported once. Per-enterprise caps stay inside one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The part a credit code belongs to.
    pub fn of(code: &str, count: u32) -> u32 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in code.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        (h % u64::from(count.max(1))) as u32
    }

    /// Whether the row with this 统一社会信用代码 (trimmed; empty for none) is of this part.
    pub fn keeps(&self, code: &str) -> bool {
        let part = if code.is_empty() {
            0
        } else {
            Shard::of(code, self.count)
        };
        part == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `K/N`: part K (0-based) of N.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("“{s}” is not a part K/N with 0 ≤ K < N (e.g. 3/16)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl<'a> Normaliser<'a> {
    pub fn new(vocab: &'a Vocabulary, known_rule: &'a dyn Fn(&str) -> bool) -> Self {
        let ids = IDENTITY.map(|k| vocab.id(k).unwrap_or(FieldId::MAX));
        Normaliser {
            vocab,
            known_rule,
            ids,
            columns: (0..vocab.len()).map(|_| ColumnBuilder::default()).collect(),
            origins: Vec::new(),
            sheets: Vec::new(),
            sheet_index: HashMap::new(),
            extras: Vec::new(),
            exceptions: Vec::new(),
            rows_in: 0,
            rows_excepted: 0,
            first_seen: Vec::new(),
            shard: None,
        }
    }

    /// Keeps only the rows of one part of the batch.
    pub fn with_shard(mut self, shard: Option<Shard>) -> Self {
        self.shard = shard;
        self
    }

    fn sheet_of(&mut self, batch: &Batch, index: usize) -> u32 {
        if let Some(s) = self.sheet_index.get(&index) {
            return *s;
        }
        let sheet = &batch.sheets[index];
        // The column each field is read from: the approved one of two, else the first.
        let mut columns: Vec<(FieldId, u32)> = Vec::new();
        for c in sheet.columns.iter().filter(|c| c.refused.is_none()) {
            let Some(m) = c.field else { continue };
            match columns.iter().position(|(f, _)| *f == m.field) {
                None => columns.push((m.field, c.col)),
                Some(k) if c.figure == Figure::Approved => columns[k].1 = c.col,
                Some(_) => {}
            }
        }
        self.sheets.push(SourceSheet {
            file: batch.files[sheet.file].path.display().to_string(),
            name: sheet.name.clone(),
            columns,
        });
        let s = (self.sheets.len() - 1) as u32;
        self.sheet_index.insert(index, s);
        s
    }

    /// Takes the next typed row. `batch` holds at least the row's sheet and file.
    pub fn accept(&mut self, batch: &Batch, t: TypedRow) {
        let [app_id, credit, _, _, year, rule] = self.ids;
        let value = |f: FieldId| t.values.iter().find(|(g, _, _)| *g == f);
        let text = |f: FieldId| match value(f) {
            Some((_, Value::Text(s), _)) => s.trim().to_string(),
            Some((_, v, _)) => v.as_text(),
            None => String::new(),
        };
        let code = text(credit);
        if self.shard.is_some_and(|s| !s.keeps(&code)) {
            return;
        }
        self.rows_in += 1;
        let sheet = self.sheet_of(batch, t.sheet);
        let origin = Origin {
            sheet,
            row: t.row + 1,
        };
        let row_ref = format!("第{}行", t.row + 1);
        let at = |f: FieldId| {
            value(f)
                .map(|(_, _, col)| cell_ref(t.row, *col))
                .unwrap_or_else(|| row_ref.clone())
        };
        let mut bad: Vec<(String, String, String)> = t.bad.clone();
        let id = text(app_id);
        if id.is_empty() {
            bad.push((row_ref.clone(), String::new(), "缺少申报编号".into()));
        } else if let Some(first) = self.first_seen(app_id, &id, origin) {
            let s = &self.sheets[first.sheet as usize];
            bad.push((
                at(app_id),
                id.clone(),
                format!(
                    "申报编号重复（首次出现于 {} {} 第{}行），本行未计算",
                    s.file, s.name, first.row
                ),
            ));
        }
        let rule_id = text(rule);
        if rule_id.is_empty() {
            bad.push((row_ref.clone(), String::new(), "缺少申报条款编号".into()));
        } else if !(self.known_rule)(&rule_id) {
            bad.push((
                at(rule),
                rule_id.clone(),
                "申报条款编号不在已加载的政策文件中".into(),
            ));
        }
        let code_as_number = t
            .bad
            .iter()
            .any(|(_, _, reason)| reason == CREDIT_CODE_AS_NUMBER);
        if code.is_empty() && !code_as_number {
            bad.push((
                row_ref.clone(),
                String::new(),
                "缺少统一社会信用代码".into(),
            ));
        } else if !code.is_empty() && !payee_id_valid(&code) {
            bad.push((
                at(credit),
                code.clone(),
                "统一社会信用代码校验位不符（GB 32100-2015；个人为身份证号，GB 11643）".into(),
            ));
        }
        if value(year).is_none() {
            bad.push((row_ref, String::new(), "缺少申报年度".into()));
        }
        if !bad.is_empty() {
            self.rows_excepted += 1;
            let s = &self.sheets[sheet as usize];
            for (cell, value, reason) in bad {
                self.exceptions.push(Exception {
                    file: s.file.clone(),
                    sheet: s.name.clone(),
                    cell,
                    application_id: id.clone(),
                    value,
                    reason,
                });
            }
            return;
        }
        let i = self.origins.len() as u32;
        self.origins.push(origin);
        if !t.extras.is_empty() {
            self.extras.push((i, t.extras));
        }
        for (f, v, _) in t.values {
            if let Some(column) = self.columns.get_mut(f as usize) {
                column.push(i, v);
            }
        }
    }

    /// Where the 申报编号 `id` was first seen, or none when this is its first row (which is
    /// then recorded at `origin`).
    fn first_seen(&mut self, field: FieldId, id: &str, origin: Origin) -> Option<Origin> {
        let column = self.columns.get_mut(field as usize)?;
        let code = column.intern(Value::Text(id.into())).0 as usize;
        if self.first_seen.len() <= code {
            self.first_seen.resize(code + 1, None);
        }
        let first = self.first_seen[code];
        if first.is_none() {
            self.first_seen[code] = Some(origin);
        }
        first
    }

    /// Ends the batch: rows of sheets without a recognisable header are not applications we
    /// can read, but they are not dropped: each is an exception naming its row.
    pub fn finish(mut self, batch: &Batch) -> Applications {
        for (file, sheet, rows) in &batch.unread {
            let file = batch.files[*file].path.display().to_string();
            for r in rows {
                self.exceptions.push(Exception {
                    file: file.clone(),
                    sheet: sheet.clone(),
                    cell: format!("第{}行", r + 1),
                    application_id: String::new(),
                    value: String::new(),
                    reason: "本工作表前10行中没有可识别的表头（至少两列已知字段），本行未读入；若为申报数据，请按模板补上表头".into(),
                });
            }
            self.rows_in += rows.len();
            self.rows_excepted += rows.len();
        }
        for f in &batch.not_read {
            self.exceptions.push(Exception {
                file: f.path.display().to_string(),
                sheet: "（未读入的文件）".into(),
                cell: "整个文件".into(),
                application_id: String::new(),
                value: String::new(),
                reason: f.reason.to_string(),
            });
        }
        let _ = self.vocab;
        Applications {
            rows: Rows::from_builders(self.columns, self.origins.len()),
            origins: self.origins,
            sheets: self.sheets,
            extras: self.extras,
            exceptions: self.exceptions,
            rows_in: self.rows_in,
            rows_excepted: self.rows_excepted,
        }
    }
}

/// Normalises a batch read whole (its `rows`). `known_rule` tells whether a rule id is loaded.
/// Runs use [`Normaliser`] row by row as rows arrive; this whole-batch form serves tests.
#[cfg(test)]
pub(crate) fn normalise(
    batch: &Batch,
    vocab: &Vocabulary,
    known_rule: &dyn Fn(&str) -> bool,
) -> Applications {
    let mut n = Normaliser::new(vocab, known_rule);
    for raw in &batch.rows {
        n.accept(batch, type_row(batch, vocab, raw));
    }
    n.finish(batch)
}

/// Largest magnitude a figure may have in its field's unit (10^14: 一百万亿, above any
/// enterprise's amount, energy or output). A larger one is a wrong unit or a typing slip, and
/// products of two such figures could pass what an exact decimal holds (about 7.9 × 10^28).
pub const MAX_MAGNITUDE: u64 = 100_000_000_000_000;

/// Reads a raw cell as the field's type, in the field's unit: the header's conversion applies
/// unless the cell states its own unit (`2年`), and a conversion that divides (月 → 年) must
/// leave the value exact.
fn typed(
    vocab: &Vocabulary,
    field: FieldId,
    cell: &RawCell,
    scale: Scale,
    dates: DateSystem,
) -> Result<Value, Unreadable> {
    let f = vocab.get(field);
    let own_unit = matches!(cell, RawCell::Text(t) if split_cell_unit(f, &crate::domain::money::clean_number_text(t.trim())).1.is_some());
    let value = typed_by(vocab, field, cell, Decimal::from(scale.mul), dates)?;
    if let Value::Num(v) = &value {
        if v.is_sign_negative() && !v.is_zero() && !f.signed {
            let name = crate::domain::fields::split_header_unit(&f.header_zh).0;
            return Err(Unreadable(format!(
                "“{}”为负数，“{name}”不能为负；如为冲减或退回，请另行申报",
                cell.show()
            )));
        }
        if v.abs() > Decimal::from(MAX_MAGNITUDE) {
            return Err(Unreadable(format!(
                "“{}”数值过大（换算后超过 {MAX_MAGNITUDE}，即一百万亿），请核对单位与数值",
                cell.show()
            )));
        }
    }
    match value {
        Value::Num(n) if scale.div != 1 && !own_unit => {
            let unit = crate::domain::fields::units::field_unit_name(f).unwrap_or_default();
            let v = Scale {
                mul: 1,
                div: scale.div,
            }
            .apply(n)
            .ok_or_else(|| {
                Unreadable(format!(
                    "“{}”按表头单位换算为{unit}（÷{}）不是精确值，请按{unit}填写",
                    cell.show(),
                    scale.div
                ))
            })?;
            if matches!(f.ty, FieldType::Integer | FieldType::Year) && !v.fract().is_zero() {
                return Err(Unreadable(format!(
                    "“{}”换算为{unit}后为 {v}，应为整数",
                    cell.show()
                )));
            }
            Ok(Value::Num(v))
        }
        v => Ok(v),
    }
}

/// Reads a raw cell as the field's type, multiplying numbers by `scale`.
fn typed_by(
    vocab: &Vocabulary,
    field: FieldId,
    cell: &RawCell,
    scale: Decimal,
    dates: DateSystem,
) -> Result<Value, Unreadable> {
    let f = vocab.get(field);
    match (cell, f.ty) {
        (RawCell::Error(e), _) if e.starts_with('#') => {
            Err(Unreadable(format!("单元格为错误值 {e}")))
        }
        (RawCell::Error(e), _) => Err(Unreadable(e.clone())),
        (RawCell::Refused { reason, .. }, _) => Err(Unreadable(reason.clone())),
        (RawCell::Num(n), FieldType::Text) if f.key == CREDIT_CODE => credit_code_from_number(*n),
        (RawCell::Text(t), FieldType::Text) if f.key == CREDIT_CODE && is_scientific(t) => {
            Err(Unreadable(CREDIT_CODE_AS_NUMBER.into()))
        }
        (RawCell::Text(t), _) => parse_text(f, t, scale),
        (RawCell::Num(n), ty) if ty.is_numeric() => {
            let v = n
                .checked_mul(scale)
                .ok_or_else(|| Unreadable(format!("“{n}”数值过大")))?;
            if matches!(ty, FieldType::Integer | FieldType::Year) && !v.fract().is_zero() {
                return Err(Unreadable(format!("“{n}”应为整数")));
            }
            Ok(Value::Num(v))
        }
        (RawCell::Num(n), FieldType::Bool) => parse_bool(&n.to_string())
            .map(Value::Bool)
            .ok_or_else(|| Unreadable(format!("“{n}”应填 是 或 否"))),
        (RawCell::Num(n), FieldType::Date) => serial_date(*n, dates)
            .map(Value::Date)
            .ok_or_else(|| Unreadable(format!("“{n}”不是日期"))),
        (RawCell::Num(n), _) => parse_text(f, &n.normalize().to_string(), Decimal::ONE),
        (RawCell::Bool(b), FieldType::Bool) => Ok(Value::Bool(*b)),
        (RawCell::Bool(b), _) => Err(Unreadable(format!(
            "“{}”不是{}",
            if *b { "TRUE" } else { "FALSE" },
            type_name(f.ty)
        ))),
        (RawCell::Date(d), FieldType::Date) => Ok(Value::Date(*d)),
        (RawCell::Date(d), FieldType::Text) => {
            Ok(Value::Text(d.format("%Y-%m-%d").to_string().into()))
        }
        (RawCell::Date(d), _) => Err(Unreadable(format!(
            "“{d}”是日期，此列应为{}",
            type_name(f.ty)
        ))),
    }
}

/// The field key of the 统一社会信用代码.
const CREDIT_CODE: &str = "credit_code";

/// Why a 统一社会信用代码 stored as a number cannot be read: Excel keeps 15 significant digits,
/// so an 18-digit code typed into a number cell has already lost its last digits (and a code
/// with letters could not be a number at all).
pub const CREDIT_CODE_AS_NUMBER: &str = "统一社会信用代码被 Excel 存成了数字：数字只保留 15 位有效数字，18 位代码的最后几位已变成 0，无法还原。请把该列设为文本（选中该列 → 设置单元格格式 → 文本），再重新输入或粘贴原代码";

/// A 统一社会信用代码 held as a number: kept only when it is exact, which a spreadsheet's number
/// never is past 15 digits (its last three digits are then 0). A Parquet integer column holds
/// it exactly.
fn credit_code_from_number(n: Decimal) -> Result<Value, Unreadable> {
    let text = n.normalize().to_string();
    if text.len() == 18 && !text.ends_with("000") && credit_code_valid(&text) {
        Ok(Value::Text(text.into()))
    } else {
        Err(Unreadable(CREDIT_CODE_AS_NUMBER.into()))
    }
}

/// Text a spreadsheet wrote for a number in scientific notation (`9.11501E+17`).
fn is_scientific(t: &str) -> bool {
    let t = t.trim();
    let Some((mantissa, exponent)) = t.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !exponent.is_empty()
        && exponent.chars().all(|c| c.is_ascii_digit())
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

#[path = "normalise/rows.rs"]
mod rows;
use rows::ColumnBuilder;
pub use rows::{RowRef, Rows};

#[path = "normalise/select.rs"]
mod select;

#[cfg(test)]
#[path = "normalise/tests.rs"]
mod tests;

/// Header binding read through to normalised values (it needs both layers).
#[cfg(test)]
#[path = "normalise/header_tests.rs"]
mod header_tests;
