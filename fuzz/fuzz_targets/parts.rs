//! Fuzzes one part inside a workbook package: the first byte picks a template and a part
//! (`PARTS`), the rest replaces that part, stored uncompressed with a right checksum, so the
//! mutations reach what the whole-file targets rarely do past the zip's checksums — the .ods
//! `content.xml` pre-scan and marks (percent cells, merged ranges), the .xlsx styles (percent
//! formats), merged ranges, shared strings and workbook, and the .xlsb records. Never a panic,
//! a hang or unbounded memory.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use subsidy::domain::fields::Vocabulary;
use subsidy::fuzz::{fuzz_read_part, FuzzFormat};

const ODS: &[u8] = include_bytes!("../seeds/ods/merged_cells.ods");
const XLSX: &[u8] = include_bytes!("../seeds/xlsx/percent_merged.xlsx");
const XLSB: &[u8] = include_bytes!("../seeds/xlsb/basic.xlsb");

/// Selector byte (modulo the length) → format, template, part. make_seeds.py writes the seeds
/// in this order.
const PARTS: [(FuzzFormat, &[u8], &str); 9] = [
    (FuzzFormat::Ods, ODS, "content.xml"),
    (FuzzFormat::Xlsx, XLSX, "xl/worksheets/sheet1.xml"),
    (FuzzFormat::Xlsx, XLSX, "xl/styles.xml"),
    (FuzzFormat::Xlsx, XLSX, "xl/sharedStrings.xml"),
    (FuzzFormat::Xlsx, XLSX, "xl/workbook.xml"),
    (FuzzFormat::Xlsb, XLSB, "xl/workbook.bin"),
    (FuzzFormat::Xlsb, XLSB, "xl/worksheets/sheet1.bin"),
    (FuzzFormat::Xlsb, XLSB, "xl/sharedStrings.bin"),
    (FuzzFormat::Xlsb, XLSB, "xl/styles.bin"),
];

fn vocab() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| Vocabulary::from_json(include_str!("../../config/fields.json"), "fields.json".as_ref()).expect("config/fields.json"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else { return };
    let (format, template, part) = PARTS[usize::from(pick) % PARTS.len()];
    let _ = fuzz_read_part(format, template, part, content, vocab());
});
