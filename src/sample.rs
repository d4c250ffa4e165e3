//! Synthetic application batches (模拟申报数据) for demonstrations and benchmarks: realistic
//! rows built from a profile of row shapes per rule (`samples/profile.json`), with Chinese
//! headers, valid 统一社会信用代码, some 万元 columns and a small share of bad cells.
//! Deterministic for a given seed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;

use crate::fields::{FieldType, Vocabulary};
use crate::normalise::credit_code_check_char;

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

/// A small deterministic generator (SplitMix64); no dependency, same stream everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const REGIONS: [&str; 9] = ["新城区", "回民区", "玉泉区", "赛罕区", "土默特左旗", "托克托县", "和林格尔县", "清水河县", "武川县"];
const NAMES: [&str; 12] = ["青城", "敕勒川", "大青山", "金川", "盛乐", "昭君", "塞北", "草原", "乳都", "云中", "北方", "长城"];
const TRADES: [&str; 8] = ["乳业", "新材料", "光伏科技", "生物医药", "智能装备", "云计算", "环保科技", "食品"];
/// Money columns the sample writes in 万元, as many bureau forms do.
const WAN_FIELDS: [&str; 4] = ["fixed_asset_investment", "completed_investment", "total_investment", "productive_investment"];

fn credit_code(rng: &mut Rng) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut s = String::from("91150");
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

/// Varies an amount by a factor between 0.6 and 1.4, keeping whole units.
fn vary(rng: &mut Rng, text: &str) -> String {
    let Ok(v) = Decimal::from_str_exact(text) else { return text.to_string() };
    if v.is_zero() || !v.fract().is_zero() || v < Decimal::from(20) {
        return text.to_string();
    }
    let factor = Decimal::new(60 + rng.below(81) as i64, 2);
    (v * factor).round().normalize().to_string()
}

/// Writes a batch of `rows` applications for `year` to an .xlsx or .csv file.
pub fn write_sample(profile_path: &Path, vocab: &Vocabulary, rows: usize, seed: u64, year: u32, out: &Path) -> Result<usize, SampleError> {
    let text = std::fs::read_to_string(profile_path)
        .map_err(|e| SampleError::Profile { path: profile_path.display().to_string(), message: e.to_string() })?;
    let profile: Profile =
        serde_json::from_str(&text).map_err(|e| SampleError::Profile { path: profile_path.display().to_string(), message: e.to_string() })?;
    let shapes: Vec<(&String, &BTreeMap<String, serde_json::Value>)> =
        profile.rules.iter().flat_map(|(id, list)| list.iter().map(move |s| (id, s))).collect();
    let mut fields: BTreeSet<&str> = BTreeSet::new();
    for (_, s) in &shapes {
        for k in s.keys() {
            vocab.id(k).ok_or_else(|| SampleError::UnknownField(k.clone()))?;
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
                format!("{}（万元）", crate::fields::split_header_unit(&f.header_zh).0)
            } else {
                f.header_zh.clone()
            }
        })
        .collect();
    let mut rng = Rng(seed);
    let mut enterprises: Vec<(String, String, &str)> = Vec::new();
    for _ in 0..(rows / 3).max(1) {
        let name = format!("呼和浩特市{}{}有限公司", NAMES[rng.below(NAMES.len())], TRADES[rng.below(TRADES.len())]);
        enterprises.push((credit_code(&mut rng), name, REGIONS[rng.below(REGIONS.len())]));
    }
    let mut table: Vec<Vec<String>> = Vec::with_capacity(rows);
    for i in 0..rows {
        let (rule, shape) = shapes[rng.below(shapes.len())];
        let (code, name, region) = enterprises[rng.below(enterprises.len())].clone();
        let mut row = vec![format!("HH{year}-{:05}", i + 1), code, name, region.to_string(), year.to_string(), rule.clone()];
        for k in &columns[identity.len()..] {
            let cell = match shape.get(*k) {
                None => String::new(),
                Some(serde_json::Value::Bool(b)) => if *b { "是" } else { "否" }.to_string(),
                Some(serde_json::Value::String(s)) => {
                    let ty = vocab.get(vocab.id(k).unwrap_or(0)).ty;
                    let v = if matches!(ty, FieldType::Money | FieldType::Quantity) { vary(&mut rng, s) } else { s.clone() };
                    if WAN_FIELDS.contains(k) {
                        Decimal::from_str_exact(&v).map(|d| (d / Decimal::from(10_000)).normalize().to_string()).unwrap_or(v)
                    } else {
                        v
                    }
                }
                Some(other) => other.to_string(),
            };
            row.push(cell);
        }
        table.push(row);
    }
    spoil(&mut table, &mut rng, identity.len());
    let path = out.display().to_string();
    let werr = |e: String| SampleError::Write { path: path.clone(), message: e };
    if out.extension().is_some_and(|e| e == "csv") {
        let mut w = csv::Writer::from_path(out).map_err(|e| werr(e.to_string()))?;
        w.write_record(&headers).map_err(|e| werr(e.to_string()))?;
        for r in &table {
            w.write_record(r).map_err(|e| werr(e.to_string()))?;
        }
        w.flush().map_err(|e| werr(e.to_string()))?;
    } else {
        let bytes = xlsx(&headers, &columns, &table, vocab).map_err(|e| werr(e.to_string()))?;
        std::fs::write(out, bytes).map_err(|e| werr(e.to_string()))?;
    }
    Ok(rows)
}

/// A few realistic faults: a typo'd amount, an error value, a wrong check character and a
/// duplicated application id. Deterministic for the seed.
fn spoil(table: &mut [Vec<String>], rng: &mut Rng, first_data: usize) {
    let n = table.len();
    if n < 20 {
        return;
    }
    for _ in 0..(n / 100).max(2) {
        let r = rng.below(n);
        if let Some(c) = (first_data..table[r].len()).find(|&c| !table[r][c].is_empty() && table[r][c].parse::<f64>().is_ok()) {
            table[r][c] = if rng.below(2) == 0 { "待核定".into() } else { "#N/A".into() };
        }
    }
    let r = rng.below(n);
    let code = &mut table[r][1];
    let last = code.pop().unwrap_or('0');
    code.push(if last == '1' { '2' } else { '1' });
    let (a, b) = (rng.below(n), rng.below(n));
    if a != b {
        table[b][0] = table[a][0].clone();
    }
}

fn xlsx(headers: &[String], keys: &[&str], table: &[Vec<String>], vocab: &Vocabulary) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let fixed = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&fixed));
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("申报汇总表")?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
        ws.set_column_width(c as u16, 16)?;
    }
    for (r, row) in table.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let numeric = vocab.id(keys[c]).map(|f| vocab.get(f).ty.is_numeric()).unwrap_or(false) && c >= 5;
            match cell.parse::<f64>() {
                Ok(n) if numeric => ws.write_number(r as u32 + 1, c as u16, n)?,
                _ => ws.write_string(r as u32 + 1, c as u16, cell)?,
            };
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let notes = wb.add_worksheet().set_name("填报说明")?;
    notes.write_string(0, 0, "本表为模拟数据，由 subsidy sample 生成；金额单位见表头，未注明者为元。")?;
    wb.save_to_buffer()
}
