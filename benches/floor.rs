//! The floor of `subsidy run` (DESIGN.md, Performance): what reading the inputs and writing a
//! ledger of the same shape cost with the two I/O libraries alone, no pipeline in between.
//!
//!   floor shape LEDGER.xlsx > shape.json
//!       Untimed. Records, for every sheet of a ledger `subsidy run` wrote: its name, its row
//!       count and up to 1,024 of its rows spread evenly through it (the real cell values, so the
//!       floor writes the same bytes per row and the same kind of text).
//!
//!   floor run --shape shape.json [--scale X] [--mode constant|low|standard] [--zip-level 1-9] [--plain]
//!             --out FLOOR.xlsx INPUT...
//!       Timed. (a) Reads every sheet of every input with calamine's streaming
//!       `worksheet_cells_reader` (.csv with the csv crate), touching every cell; then (b) writes
//!       a workbook with the same sheets and the same number of lines (times X) with
//!       rust_xlsxwriter constant-memory worksheets, cycling through the sampled rows. A sheet
//!       longer than an .xlsx sheet holds continues in `name (2)`, `name (3)` ….
//!       Prints one JSON line: read and write seconds, cells read, lines written. `--mode low`
//!       (rows flushed, shared strings kept) and `--mode standard` (the whole sheet in memory, as
//!       `ledger::workbook` writes today) compare the writer's modes on the same shape;
//!       `--zip-level` sets the deflate level (rust_xlsxwriter's default is 6); `--plain` writes
//!       cells without a per-cell format (the font then comes from the workbook default format).
//!
//! Built by `make bench` as a `[[bench]]` target with `harness = false`; not part of `make test`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use calamine::{open_workbook, DataRef, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};
use serde_json::{json, Value};

const SAMPLE_ROWS: usize = 1_024;
const XLSX_MAX_DATA_ROWS: u64 = 1_048_575;

type Error = Box<dyn std::error::Error>;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let result = match args.first().map(String::as_str) {
        Some("shape") if args.len() == 2 => shape(Path::new(&args[1])),
        Some("run") => run(&args[1..]),
        _ => Err("usage: floor shape LEDGER.xlsx | floor run --shape FILE [--scale X] [--mode constant|low|standard] --out FILE INPUT...".into()),
    };
    if let Err(e) = result {
        eprintln!("floor: {e}");
        std::process::exit(2);
    }
}

fn cell_json(v: DataRef<'_>) -> Value {
    match v {
        DataRef::Empty => Value::Null,
        DataRef::Int(i) => json!(i),
        DataRef::Float(f) => json!(f),
        DataRef::Bool(b) => json!(if b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(d) => json!(d.as_f64()),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => json!(s),
        DataRef::SharedString(s) => json!(s),
        DataRef::Error(e) => json!(e.to_string()),
    }
}

/// Samples rows 0 (the header) and every `stride`-th row; doubles the stride when full.
struct Sampler {
    stride: u32,
    rows: BTreeMap<u32, Vec<Value>>,
}

impl Sampler {
    fn keep(&self, r: u32) -> bool {
        r == 0 || r.is_multiple_of(self.stride)
    }

    fn push(&mut self, r: u32, c: u32, v: Value) {
        if !self.keep(r) {
            return;
        }
        let row = self.rows.entry(r).or_default();
        if row.len() <= c as usize {
            row.resize(c as usize + 1, Value::Null);
        }
        row[c as usize] = v;
        if self.rows.len() > 2 * SAMPLE_ROWS + 1 {
            self.stride *= 2;
            let s = self.stride;
            self.rows.retain(|r, _| *r == 0 || r % s == 0);
        }
    }
}

fn shape(ledger: &Path) -> Result<(), Error> {
    let mut wb: Xlsx<_> = open_workbook(ledger)?;
    let mut sheets = Vec::new();
    for name in wb.sheet_names() {
        let mut sampler = Sampler {
            stride: 1,
            rows: BTreeMap::new(),
        };
        let mut last_row = 0u32;
        let mut any = false;
        let mut reader = wb.worksheet_cells_reader(&name)?;
        while let Some(cell) = reader.next_cell()? {
            let (r, c) = cell.get_position();
            last_row = last_row.max(r);
            any = true;
            let v = cell.get_value().clone();
            if !matches!(v, DataRef::Empty) && sampler.keep(r) {
                sampler.push(r, c, cell_json(v));
            }
        }
        let header = sampler.rows.remove(&0).unwrap_or_default();
        let rows: Vec<Vec<Value>> = sampler.rows.into_values().collect();
        sheets.push(json!({ "name": name, "data_rows": if any { last_row } else { 0 }, "header": header, "samples": rows }));
    }
    println!(
        "{}",
        json!({ "ledger": ledger.display().to_string(), "sheets": sheets })
    );
    Ok(())
}

/// Reads every cell of every sheet; returns the cell count and a digest the optimiser keeps.
fn read_xlsx(path: &Path) -> Result<(u64, u64), Error> {
    let mut wb: Xlsx<_> = open_workbook(path)?;
    let (mut cells, mut h) = (0u64, 0u64);
    for name in wb.sheet_names() {
        let mut reader = wb.worksheet_cells_reader(&name)?;
        while let Some(cell) = reader.next_cell()? {
            let (r, c) = cell.get_position();
            h = h.wrapping_add(u64::from(r) ^ u64::from(c));
            h = h.wrapping_add(match cell.get_value() {
                DataRef::Empty => 0,
                DataRef::Int(i) => *i as u64,
                DataRef::Float(f) => f.to_bits(),
                DataRef::Bool(b) => u64::from(*b),
                DataRef::DateTime(d) => d.as_f64().to_bits(),
                DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                    s.len() as u64 + u64::from(s.as_bytes().first().copied().unwrap_or(0))
                }
                DataRef::SharedString(s) => {
                    s.len() as u64 + u64::from(s.as_bytes().first().copied().unwrap_or(0))
                }
                DataRef::Error(_) => 1,
            });
            cells += 1;
        }
    }
    Ok((cells, black_box(h)))
}

fn read_csv(path: &Path) -> Result<(u64, u64), Error> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)?;
    let (mut cells, mut h) = (0u64, 0u64);
    let mut rec = csv::ByteRecord::new();
    while r.read_byte_record(&mut rec)? {
        for f in rec.iter() {
            h = h.wrapping_add(f.len() as u64 + u64::from(f.first().copied().unwrap_or(0)));
            cells += 1;
        }
    }
    Ok((cells, black_box(h)))
}

fn run(args: &[String]) -> Result<(), Error> {
    let (mut shape_path, mut out, mut scale, mut inputs) = (None, None, 1.0f64, Vec::new());
    let mut mode = Mode::Constant;
    let (mut zip_level, mut plain) = (None, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--shape" => shape_path = it.next().map(PathBuf::from),
            "--out" => out = it.next().map(PathBuf::from),
            "--scale" => scale = it.next().ok_or("--scale needs a number")?.parse()?,
            "--zip-level" => {
                zip_level = Some(it.next().ok_or("--zip-level needs 1-9")?.parse::<u8>()?)
            }
            "--plain" => plain = true,
            "--mode" => {
                mode = match it.next().map(String::as_str) {
                    Some("constant") => Mode::Constant,
                    Some("low") => Mode::Low,
                    Some("standard") => Mode::Standard,
                    _ => return Err("--mode is constant, low or standard".into()),
                }
            }
            _ => inputs.push(PathBuf::from(a)),
        }
    }
    let shape: Value = serde_json::from_str(&std::fs::read_to_string(
        shape_path.ok_or("--shape is required")?,
    )?)?;
    let out = out.ok_or("--out is required")?;

    // (a) read
    let t0 = Instant::now();
    let mut cells = 0;
    for p in &inputs {
        let (n, _) = if p.extension().is_some_and(|e| e == "csv") {
            read_csv(p)?
        } else {
            read_xlsx(p)?
        };
        cells += n;
    }
    let read_s = t0.elapsed().as_secs_f64();

    // (b) write
    let t1 = Instant::now();
    let lines = write_ledger(
        &shape,
        scale,
        WriteOptions {
            mode,
            zip_level,
            plain,
        },
        &out,
    )?;
    let write_s = t1.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({ "read_s": read_s, "write_s": write_s, "total_s": read_s + write_s, "cells_read": cells, "lines_written": lines, "inputs": inputs.len(), "mode": format!("{mode:?}"), "zip_level": zip_level, "plain": plain })
    );
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Constant,
    Low,
    Standard,
}

struct WriteOptions {
    mode: Mode,
    zip_level: Option<u8>,
    plain: bool,
}

fn write_ledger(shape: &Value, scale: f64, opts: WriteOptions, out: &Path) -> Result<u64, Error> {
    let font = "等线";
    let header_fmt = Format::new()
        .set_bold()
        .set_font_name(font)
        .set_background_color(0xDDEBF7);
    let text_fmt = Format::new().set_font_name(font);
    let money_fmt = Format::new().set_num_format("#,##0.00").set_font_name(font);
    let mut wb = Workbook::new();
    if let Some(level) = opts.zip_level {
        wb.set_zip_compression_level(level);
    }
    if opts.plain {
        wb.set_default_format(&text_fmt, 20, 64)?;
    }
    let mut lines = 0u64;
    for sheet in shape["sheets"].as_array().ok_or("shape has no sheets")? {
        let name = sheet["name"].as_str().unwrap_or("sheet");
        let rows = (sheet["data_rows"].as_f64().unwrap_or(0.0) * scale).round() as u64;
        let empty = Vec::new();
        let header = sheet["header"].as_array().unwrap_or(&empty);
        let samples = sheet["samples"].as_array().unwrap_or(&empty);
        let parts = rows.div_ceil(XLSX_MAX_DATA_ROWS).max(1);
        let mut written = 0u64;
        for part in 0..parts {
            let ws = match opts.mode {
                Mode::Constant => wb.add_worksheet_with_constant_memory()?,
                Mode::Low => wb.add_worksheet_with_low_memory()?,
                Mode::Standard => wb.add_worksheet(),
            };
            ws.set_name(if part == 0 {
                name.to_string()
            } else {
                format!("{name} ({})", part + 1)
            })?;
            for (c, h) in header.iter().enumerate() {
                if let Some(s) = h.as_str() {
                    ws.write_string_with_format(0, c as u16, s, &header_fmt)?;
                }
            }
            let here = (rows - written).min(XLSX_MAX_DATA_ROWS);
            for r in 0..here {
                let Some(row) = samples
                    .get(((written + r) % samples.len().max(1) as u64) as usize)
                    .and_then(Value::as_array)
                else {
                    break;
                };
                let xr = r as u32 + 1;
                for (c, v) in row.iter().enumerate() {
                    match v {
                        Value::String(s) if opts.plain => {
                            ws.write_string(xr, c as u16, s)?;
                        }
                        Value::String(s) => {
                            ws.write_string_with_format(xr, c as u16, s, &text_fmt)?;
                        }
                        Value::Number(n) => {
                            ws.write_number_with_format(
                                xr,
                                c as u16,
                                n.as_f64().unwrap_or(0.0),
                                &money_fmt,
                            )?;
                        }
                        _ => {}
                    }
                }
            }
            written += here;
        }
        lines += written;
    }
    wb.save(out)?;
    Ok(lines)
}
