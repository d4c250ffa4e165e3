//! Synthetic application batches (模拟申报数据) for demonstrations and benchmarks: realistic
//! rows built from a profile of row shapes per rule (`samples/profile.json`), with Chinese
//! headers, valid 统一社会信用代码, some 万元 columns and a small share of bad cells.
//! Deterministic for a given seed.
//!
//! Rows are generated and written one at a time, so memory stays flat up to the largest
//! batch an .xlsx sheet holds (1,048,575 rows) and beyond for .csv. The faults (typo'd
//! amounts, error values, a wrong check character, a duplicated 申报编号) are planned before
//! writing from a cheap first pass over the random stream, and the output is the same, byte
//! for byte, as the earlier generator that built the whole table in memory:
//! - SplitMix64's state is a counter, so enterprise `k` is regenerated on demand from
//!   `seed + 15·k·γ` instead of being kept in a table;
//! - the first pass records only the row shape of each row (2 bytes a row), which is all the
//!   fault plan needs.
//!
//! Batches up to [`CONSTANT_MEMORY_ABOVE`] rows are written to an ordinary worksheet (shared
//! strings), larger ones to a constant-memory worksheet (inline strings, one row in memory).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Deserialize;

use crate::domain::fields::{FieldType, Vocabulary};
use crate::domain::identity::credit_code_check_char;

/// Batches larger than this are written with a constant-memory worksheet.
pub const CONSTANT_MEMORY_ABOVE: usize = 5_000;
/// Rows per row group of a Parquet sample.
const PARQUET_CHUNK: usize = 131_072;

/// Data rows an .xlsx sheet holds below its header row.
pub const XLSX_MAX_ROWS: usize = 1_048_575;

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("cannot read sample profile {path}: {message}")]
    Profile { path: String, message: String },
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
    #[error("sample profile names unknown field `{0}`")]
    UnknownField(String),
}

#[derive(Deserialize)]
struct Profile {
    rules: BTreeMap<String, Vec<BTreeMap<String, serde_json::Value>>>,
}

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// A small deterministic generator (SplitMix64); no dependency, same stream everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Advances the stream by `n` draws without computing them.
    fn skip(&mut self, n: u64) {
        self.0 = self.0.wrapping_add(GAMMA.wrapping_mul(n));
    }
}

const REGIONS: [&str; 9] = [
    "新城区",
    "回民区",
    "玉泉区",
    "赛罕区",
    "土默特左旗",
    "托克托县",
    "和林格尔县",
    "清水河县",
    "武川县",
];
const NAMES: [&str; 12] = [
    "青城",
    "敕勒川",
    "大青山",
    "金川",
    "盛乐",
    "昭君",
    "塞北",
    "草原",
    "乳都",
    "云中",
    "北方",
    "长城",
];
const TRADES: [&str; 8] = [
    "乳业",
    "新材料",
    "光伏科技",
    "生物医药",
    "智能装备",
    "云计算",
    "环保科技",
    "食品",
];
/// Money columns the sample writes in 万元, as many bureau forms do.
const WAN_FIELDS: [&str; 4] = [
    "fixed_asset_investment",
    "completed_investment",
    "total_investment",
    "productive_investment",
];
/// Draws one enterprise takes from the stream: name (2), credit code (12), region (1).
const DRAWS_PER_ENTERPRISE: u64 = 15;

fn credit_code(rng: &mut Rng) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut s = String::with_capacity(18);
    s.push_str("91150");
    for _ in 0..3 {
        s.push(char::from(b'0' + rng.below(10) as u8));
    }
    for _ in 0..9 {
        s.push(char::from(CHARS[rng.below(CHARS.len())]));
    }
    let c = credit_code_check_char(&s).unwrap_or('0');
    s.push(c);
    s
}

/// Enterprise `k` of a batch: its credit code, name and region.
fn enterprise(seed: u64, k: usize) -> (String, String, &'static str) {
    let mut rng = Rng(seed);
    rng.skip(DRAWS_PER_ENTERPRISE * k as u64);
    let name = format!(
        "呼和浩特市{}{}有限公司",
        NAMES[rng.below(NAMES.len())],
        TRADES[rng.below(TRADES.len())]
    );
    let code = credit_code(&mut rng);
    (code, name, REGIONS[rng.below(REGIONS.len())])
}

/// Whether [`vary`] changes (and so draws for) this amount.
fn varies(text: &str) -> Option<Decimal> {
    let v = Decimal::from_str_exact(text).ok()?;
    (!v.is_zero() && v.fract().is_zero() && v >= Decimal::from(20)).then_some(v)
}

/// Varies an amount by a factor between 0.6 and 1.4, keeping whole units.
fn vary(rng: &mut Rng, v: Decimal) -> String {
    let factor = Decimal::new(60 + rng.below(81) as i64, 2);
    (v * factor).round().normalize().to_string()
}

/// An amount in 元 as 万元 text.
fn to_wan(v: String) -> String {
    Decimal::from_str_exact(&v)
        .map(|d| (d / Decimal::from(10_000)).normalize().to_string())
        .unwrap_or(v)
}

/// One data cell of a row shape.
enum Cell {
    Empty,
    Fixed(String),
    /// An amount varied per row, then written in 万元 when `wan`.
    Vary {
        base: Decimal,
        wan: bool,
    },
}

/// A row shape of the profile, prepared for generation.
struct Shape<'p> {
    rule: &'p str,
    cells: Vec<Cell>,
    /// Draws [`vary`] takes for one row of this shape.
    draws: u64,
    /// Columns (of the whole row) holding a number, in order: where a fault can go.
    numeric: Vec<usize>,
}

/// The faults planned for one row.
#[derive(Default)]
struct Faults {
    cells: Vec<(usize, &'static str)>,
    bad_check_char: bool,
    id_of: Option<usize>,
}

/// The whole batch, ready to be generated row by row.
struct Batch<'p> {
    seed: u64,
    year: u32,
    rows: usize,
    shapes: Vec<Shape<'p>>,
    enterprises: usize,
    /// The stream's state when the first row is drawn.
    rows_start: u64,
    faults: BTreeMap<usize, Faults>,
}

impl<'p> Batch<'p> {
    fn plan(shapes: Vec<Shape<'p>>, rows: usize, seed: u64, year: u32) -> Self {
        let enterprises = (rows / 3).max(1);
        let mut rng = Rng(seed);
        rng.skip(DRAWS_PER_ENTERPRISE * enterprises as u64);
        let rows_start = rng.0;
        // First pass: the shape of every row, and where the stream ends.
        let mut kinds: Vec<u16> = Vec::with_capacity(rows);
        for _ in 0..rows {
            let s = rng.below(shapes.len());
            rng.next(); // the enterprise
            rng.skip(shapes[s].draws);
            kinds.push(s as u16);
        }
        let mut faults: BTreeMap<usize, Faults> = BTreeMap::new();
        let n = rows;
        if n >= 20 {
            // A spoiled cell stops being a number, so the k-th fault on a row takes the row's
            // k-th numeric cell.
            let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
            for _ in 0..(n / 100).max(2) {
                let r = rng.below(n);
                let k = taken.entry(r).or_insert(0);
                if let Some(&c) = shapes[kinds[r] as usize].numeric.get(*k) {
                    *k += 1;
                    let v = if rng.below(2) == 0 {
                        "待核定"
                    } else {
                        "#N/A"
                    };
                    faults.entry(r).or_default().cells.push((c, v));
                }
            }
            let r = rng.below(n);
            faults.entry(r).or_default().bad_check_char = true;
            let (a, b) = (rng.below(n), rng.below(n));
            if a != b {
                faults.entry(b).or_default().id_of = Some(a);
            }
        }
        Batch {
            seed,
            year,
            rows,
            shapes,
            enterprises,
            rows_start,
            faults,
        }
    }

    fn id(&self, i: usize) -> String {
        format!("HH{}-{:05}", self.year, i + 1)
    }

    /// Generates every row in order into `row` and hands it to `emit`.
    fn generate<E>(
        &self,
        mut emit: impl FnMut(usize, &[String]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut rng = Rng(self.rows_start);
        let width = 6 + self.shapes.first().map(|s| s.cells.len()).unwrap_or(0);
        let mut row: Vec<String> = vec![String::new(); width];
        for i in 0..self.rows {
            let shape = &self.shapes[rng.below(self.shapes.len())];
            let (code, name, region) = enterprise(self.seed, rng.below(self.enterprises));
            row[0] = self.id(i);
            row[1] = code;
            row[2] = name;
            row[3] = region.to_string();
            row[4] = self.year.to_string();
            row[5] = shape.rule.to_string();
            for (j, cell) in shape.cells.iter().enumerate() {
                let out = &mut row[6 + j];
                out.clear();
                match cell {
                    Cell::Empty => {}
                    Cell::Fixed(s) => out.push_str(s),
                    Cell::Vary { base, wan } => {
                        let v = vary(&mut rng, *base);
                        *out = if *wan { to_wan(v) } else { v };
                    }
                }
            }
            if let Some(f) = self.faults.get(&i) {
                for (c, v) in &f.cells {
                    row[*c] = v.to_string();
                }
                if f.bad_check_char {
                    let code = &mut row[1];
                    let last = code.pop().unwrap_or('0');
                    code.push(if last == '1' { '2' } else { '1' });
                }
                if let Some(a) = f.id_of {
                    row[0] = self.id(a);
                }
            }
            emit(i, &row)?;
        }
        Ok(())
    }
}

/// The row shapes `subsidy sample` uses without `--profile`: `samples/profile.json` as it was
/// when the binary was built, so the command works from any folder.
pub const SHIPPED_PROFILE: &str = include_str!("../samples/profile.json");

/// Writes a batch of `rows` applications for `year` to an .xlsx, .csv or .parquet file.
pub fn write_sample(
    profile_path: &Path,
    vocab: &Vocabulary,
    rows: usize,
    seed: u64,
    year: u32,
    out: &Path,
) -> Result<usize, SampleError> {
    let text = std::fs::read_to_string(profile_path).map_err(|e| SampleError::Profile {
        path: profile_path.display().to_string(),
        message: e.to_string(),
    })?;
    write_sample_from(
        &text,
        &profile_path.display().to_string(),
        vocab,
        rows,
        seed,
        year,
        out,
    )
}

/// [`write_sample`] from the profile's text; `name` says which profile in messages.
pub fn write_sample_from(
    text: &str,
    name: &str,
    vocab: &Vocabulary,
    rows: usize,
    seed: u64,
    year: u32,
    out: &Path,
) -> Result<usize, SampleError> {
    let profile_path = Path::new(name);
    let profile: Profile = serde_json::from_str(text).map_err(|e| SampleError::Profile {
        path: profile_path.display().to_string(),
        message: e.to_string(),
    })?;
    let listed: Vec<(&String, &BTreeMap<String, serde_json::Value>)> = profile
        .rules
        .iter()
        .flat_map(|(id, list)| list.iter().map(move |s| (id, s)))
        .collect();
    if listed.is_empty() || listed.len() > u16::MAX as usize {
        return Err(SampleError::Profile {
            path: profile_path.display().to_string(),
            message: format!("{} row shapes (need 1 to {})", listed.len(), u16::MAX),
        });
    }
    let mut fields: BTreeSet<&str> = BTreeSet::new();
    for (_, s) in &listed {
        for k in s.keys() {
            vocab
                .id(k)
                .ok_or_else(|| SampleError::UnknownField(k.clone()))?;
            fields.insert(k);
        }
    }
    let identity = crate::normalise::IDENTITY;
    let mut columns: Vec<&str> = identity.to_vec();
    columns.extend(fields.iter().copied().filter(|f| !identity.contains(f)));
    let headers: Vec<String> = columns
        .iter()
        .map(|k| {
            let f = vocab.get(vocab.id(k).unwrap_or(0));
            if WAN_FIELDS.contains(k) {
                format!(
                    "{}（万元）",
                    crate::domain::fields::split_header_unit(&f.header_zh).0
                )
            } else {
                f.header_zh.clone()
            }
        })
        .collect();
    let shapes: Vec<Shape<'_>> = listed
        .iter()
        .map(|(rule, shape)| {
            prepare(
                rule,
                shape,
                &columns[identity.len()..],
                identity.len(),
                vocab,
            )
        })
        .collect();
    let path = out.display().to_string();
    let werr = |e: String| SampleError::Write {
        path: path.clone(),
        message: e,
    };
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let is_csv = ext == "csv";
    if !is_csv && ext != "parquet" && rows > XLSX_MAX_ROWS {
        return Err(werr(format!("an .xlsx sheet holds at most {XLSX_MAX_ROWS} rows below its header; write .csv or .parquet for {rows} rows")));
    }
    let batch = Batch::plan(shapes, rows, seed, year);
    if ext == "parquet" {
        // Text columns, as a bureau's export holds them; the reader parses them like CSV cells.
        use crate::ingest::parquet::{Kind, ParquetTable};
        let columns: Vec<(&str, Kind)> = headers.iter().map(|h| (h.as_str(), Kind::Text)).collect();
        let mut table = ParquetTable::create(out, &columns).map_err(|e| werr(e.to_string()))?;
        let mut chunk: Vec<Vec<String>> = Vec::with_capacity(PARQUET_CHUNK);
        batch
            .generate(|_, r| {
                chunk.push(r.to_vec());
                if chunk.len() == PARQUET_CHUNK {
                    table.write(&std::mem::take(&mut chunk))?;
                }
                Ok::<(), crate::ingest::parquet::ColumnarError>(())
            })
            .map_err(|e| werr(e.to_string()))?;
        table.write(&chunk).map_err(|e| werr(e.to_string()))?;
        table.finish().map_err(|e| werr(e.to_string()))?;
    } else if is_csv {
        let mut w = csv::Writer::from_path(out).map_err(|e| werr(e.to_string()))?;
        w.write_record(&headers).map_err(|e| werr(e.to_string()))?;
        batch
            .generate(|_, r| w.write_record(r))
            .map_err(|e| werr(e.to_string()))?;
        w.flush().map_err(|e| werr(e.to_string()))?;
    } else {
        xlsx(&headers, &columns, &batch, vocab, out).map_err(|e| werr(e.to_string()))?;
    }
    Ok(rows)
}

/// The data cells of one row shape, in column order, with what a row of it draws.
fn prepare<'p>(
    rule: &'p str,
    shape: &BTreeMap<String, serde_json::Value>,
    data: &[&str],
    first_data: usize,
    vocab: &Vocabulary,
) -> Shape<'p> {
    let mut cells = Vec::with_capacity(data.len());
    let mut draws = 0;
    let mut numeric = Vec::new();
    for (j, k) in data.iter().enumerate() {
        let wan = WAN_FIELDS.contains(k);
        let cell = match shape.get(*k) {
            None => Cell::Empty,
            Some(serde_json::Value::Bool(b)) => {
                Cell::Fixed(if *b { "是" } else { "否" }.to_string())
            }
            Some(serde_json::Value::String(s)) => {
                let ty = vocab.get(vocab.id(k).unwrap_or(0)).ty;
                match varies(s) {
                    Some(base) if matches!(ty, FieldType::Money | FieldType::Quantity) => {
                        Cell::Vary { base, wan }
                    }
                    _ if wan => Cell::Fixed(to_wan(s.clone())),
                    _ => Cell::Fixed(s.clone()),
                }
            }
            Some(other) => Cell::Fixed(other.to_string()),
        };
        let is_number = match &cell {
            Cell::Empty => false,
            Cell::Fixed(s) => !s.is_empty() && s.parse::<f64>().is_ok(),
            Cell::Vary { .. } => true,
        };
        if is_number {
            numeric.push(first_data + j);
        }
        if matches!(cell, Cell::Vary { .. }) {
            draws += 1;
        }
        cells.push(cell);
    }
    Shape {
        rule,
        cells,
        draws,
        numeric,
    }
}

fn xlsx(
    headers: &[String],
    keys: &[&str],
    batch: &Batch<'_>,
    vocab: &Vocabulary,
    out: &Path,
) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let fixed = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&fixed));
    let large = batch.rows > CONSTANT_MEMORY_ABOVE;
    let bold = Format::new().set_bold();
    let numeric: Vec<bool> = keys
        .iter()
        .enumerate()
        .map(|(c, k)| {
            vocab
                .id(k)
                .map(|f| vocab.get(f).ty.is_numeric())
                .unwrap_or(false)
                && c >= 5
        })
        .collect();
    {
        let ws: &mut Worksheet = if large {
            wb.add_worksheet_with_constant_memory()?
        } else {
            wb.add_worksheet()
        };
        ws.set_name("申报汇总表")?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
            ws.set_column_width(c as u16, 16)?;
        }
        ws.set_freeze_panes(1, 0)?;
        batch.generate(|r, row| -> Result<(), XlsxError> {
            for (c, cell) in row.iter().enumerate() {
                if cell.is_empty() {
                    continue;
                }
                match cell.parse::<f64>() {
                    Ok(n) if numeric[c] => ws.write_number(r as u32 + 1, c as u16, n)?,
                    _ => ws.write_string(r as u32 + 1, c as u16, cell)?,
                };
            }
            Ok(())
        })?;
    }
    let notes = wb.add_worksheet().set_name("填报说明")?;
    notes.write_string(
        0,
        0,
        "本表为模拟数据，由 subsidy sample 生成；金额单位见表头，未注明者为元。",
    )?;
    if large {
        // Streams the worksheet's temporary file into the zip; the workbook is never in memory.
        wb.save(out)
    } else {
        let bytes = wb.save_to_buffer()?;
        std::fs::write(out, bytes).map_err(XlsxError::IoError)
    }
}

#[cfg(test)]
#[path = "sample/tests.rs"]
mod tests;
