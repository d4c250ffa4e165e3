//! Unit tests of `ingest`: limits and their messages, the pre-checks (zip, OLE, BIFF, ods
//! content), header binding, and reading small workbooks built here.
use std::io::{Cursor, Seek, SeekFrom, Write};

use super::header::*;
use super::prescan::{biff, ods::*, xml::*};
use super::sniff::*;
use super::*;

/// The pre-checks (tag scanner, ods, OLE, BIFF) test by test.
mod prescan;

pub(crate) fn vocab() -> Vocabulary {
    Vocabulary::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("config"))
        .expect("config/fields.json loads")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("subsidy-ingest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A zip of (name, bytes) parts, deflated.
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const MAIN: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

/// A one-sheet xlsx with the given `<sheetData>` content (and `<dimension>`, if any).
fn xlsx_of(sheet_data: &str, dimension: Option<&str>) -> Vec<u8> {
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let root = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let wb = format!(
        r#"<workbook {MAIN}><sheets><sheet name="表1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let wb_rels = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
    );
    let dim = dimension
        .map(|d| format!(r#"<dimension ref="{d}"/>"#))
        .unwrap_or_default();
    let sheet =
        format!(r#"<worksheet {MAIN}>{dim}<sheetData>{sheet_data}</sheetData></worksheet>"#);
    zip_of(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", root.as_bytes()),
        ("xl/workbook.xml", wb.as_bytes()),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

fn inline(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn header_row(row: u32) -> String {
    let heads = [
        "申报编号",
        "统一社会信用代码",
        "企业名称",
        "所属旗县区",
        "申报年度",
        "申报条款编号",
        "固定资产投资额（万元）",
    ];
    let cells: String = heads
        .iter()
        .enumerate()
        .map(|(c, h)| inline(&cell_ref(row - 1, c as u32), h))
        .collect();
    format!(r#"<row r="{row}">{cells}</row>"#)
}

fn read_bytes(name: &str, bytes: &[u8], limits: &Limits) -> Result<Batch, IngestError> {
    let dir = tmp(name);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    read_inputs_with(&[path], &vocab(), limits)
}

fn err_text(r: Result<Batch, IngestError>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn column_letters_follow_excel() {
    assert_eq!(column_letters(0), "A");
    assert_eq!(column_letters(25), "Z");
    assert_eq!(column_letters(26), "AA");
    assert_eq!(column_letters(16383), "XFD");
    assert_eq!(cell_ref(4, 1), "B5");
    assert_eq!(cell_ref(u32::MAX, 0), "A4294967296");
}

#[test]
fn decodes_gbk_and_bom() {
    let (gbk, _, _) = encoding_rs::GBK.encode("申报编号,企业名称");
    assert_eq!(decode_text(&gbk), "申报编号,企业名称");
    assert_eq!(decode_text("\u{feff}申报编号".as_bytes()), "申报编号");
}

#[test]
fn error_messages_say_what_to_do() {
    let e = IngestError::Encrypted {
        path: "a.xlsx".into(),
    };
    assert!(e
        .to_string()
        .starts_with("a.xlsx: the workbook is password-protected"));
    let e = IngestError::Unsupported {
        path: "b.et".into(),
        reason: "WPS .et format".into(),
    };
    assert_eq!(e.to_string(), "b.et: not a workbook this tool reads (WPS .et format); save it as .xlsx, .xls, .ods, .csv or .parquet");
}

#[test]
fn every_limit_message_names_the_file_and_the_limit() {
    let p = || PathBuf::from("in/申报.xlsx");
    let cases = [
        (
            IngestError::TooLarge { path: p(), size: 300, limit: 200 },
            "in/申报.xlsx: the file is 300 bytes, more than the limit of 200 bytes; split the batch into smaller files",
        ),
        (
            IngestError::TooManyParts { path: p(), count: 11, limit: 10 },
            "in/申报.xlsx: the package holds 11 parts, more than the limit of 10; this is not an ordinary workbook",
        ),
        (
            IngestError::Unpacked { path: p(), size: 2048, limit: 1024 },
            "in/申报.xlsx: the package would unpack to 2048 bytes, more than the limit of 1024 bytes (a zip bomb?); this is not an ordinary workbook",
        ),
        (
            IngestError::Ratio { path: p(), part: "xl/worksheets/sheet1.xml".into(), ratio: 1025, limit: 100 },
            "in/申报.xlsx: part `xl/worksheets/sheet1.xml` is compressed 1025:1, more than the limit of 100:1 (a zip bomb?); this is not an ordinary workbook",
        ),
        (
            IngestError::ReadBudget { path: p(), limit: 4096 },
            "in/申报.xlsx: reading it would unpack more than 4096 bytes (its parts are read over and over); this is not an ordinary workbook",
        ),
        (
            IngestError::SharedStrings { path: p(), count: 4_000_000_000, limit: 30_000_000 },
            "in/申报.xlsx: the shared-string table declares 4000000000 strings, more than the limit of 30000000; this is not an ordinary workbook",
        ),
        (
            IngestError::PartTooLarge { path: p(), part: "xl/sharedStrings.xml".into(), size: 300, limit: 200 },
            "in/申报.xlsx: part `xl/sharedStrings.xml` unpacks to 300 bytes, more than the limit of 200 bytes for it; split the workbook or save it as .csv",
        ),
        (
            IngestError::DenseRange { path: p(), sheet: "表1".into(), range: "A1:IV65536".into(), cells: 16_777_216, limit: 8_000_000 },
            "in/申报.xlsx, sheet 表1: the used range A1:IV65536 spans 16777216 cells, more than the limit of 8000000 for .xls/.ods sheets; delete stray cells far from the data, or save the file as .xlsx or .csv",
        ),
        (
            IngestError::TooMuchText { path: p(), limit: 1024 },
            "in/申报.xlsx: the file holds more than 1024 bytes of text; split it or check it is not damaged",
        ),
        (
            IngestError::TooManyCells { path: p(), sheet: "表1".into(), limit: 5 },
            "in/申报.xlsx, sheet 表1: more than 5 cells; split the sheet or check it is not damaged",
        ),
        (
            IngestError::Damaged { path: p(), reason: "the file is empty".into() },
            "in/申报.xlsx: the file is damaged or is not a workbook (the file is empty); open it in Excel or WPS and save it again as .xlsx (文件 → 另存为)",
        ),
        (
            IngestError::Panicked { path: p(), message: "index out of bounds".into() },
            "in/申报.xlsx: the reader failed on this file (index out of bounds); open it in Excel or WPS and save it again as .xlsx (文件 → 另存为). This is a bug in subsidy: please report it with the file",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
    }
}

#[test]
fn default_limits_are_the_documented_constants() {
    let l = Limits::default();
    assert_eq!(l.file_bytes, 200 * 1024 * 1024);
    assert_eq!(l.unpacked_bytes, 1024 * 1024 * 1024);
    assert_eq!(
        (l.compression_ratio, l.ratio_checked_from),
        (100, 1024 * 1024)
    );
    assert_eq!(l.zip_entries, 10_000);
    assert_eq!(l.shared_strings, 30_000_000);
    assert_eq!(l.shared_strings_bytes, 256 * 1024 * 1024);
    assert_eq!(l.cells_per_sheet, 30_000_000);
    assert_eq!(l.dense_cells, 8_000_000);
    assert_eq!(l.cell_chars, 32_767);
    assert_eq!(l.text_bytes, 1024 * 1024 * 1024);
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = tmp("size");
    let path = dir.join("big.csv");
    std::fs::write(&path, vec![b'a'; 1000]).unwrap();
    let limits = Limits {
        file_bytes: 999,
        ..Limits::default()
    };
    let e = read_inputs_with(std::slice::from_ref(&path), &vocab(), &limits).unwrap_err();
    assert_eq!(e.to_string(), format!("{}: the file is 1000 bytes, more than the limit of 999 bytes; split the batch into smaller files", path.display()));
}

#[test]
fn content_is_sniffed_not_the_extension() {
    assert_eq!(sniff(b""), Content::Empty);
    assert_eq!(sniff(b"PK\x03\x04rest"), Content::Zip);
    assert_eq!(sniff(OLE_SIGNATURE), Content::Ole);
    assert_eq!(
        sniff(b"  <!DOCTYPE html><html><table>"),
        Content::Text("an HTML page")
    );
    assert_eq!(sniff(b"\xEF\xBB\xBF<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">"), Content::Text("an XML Spreadsheet 2003 file"));
    assert_eq!(
        sniff("申报编号,企业名称\r\n".as_bytes()),
        Content::Text("a text file; if it is CSV, rename it to .csv")
    );
    assert_eq!(sniff(&[0x00, 0x17, 0xFF, 0x03]), Content::Unknown);
}

#[test]
fn zip_limits_come_from_the_central_directory() {
    let repetitive = vec![b'x'; 10_000];
    let bytes = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", &repetitive),
    ]);
    let path = Path::new("w.xlsx");
    let check = |limits: Limits| {
        check_zip(path, &bytes, "xlsx", &limits)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let parts = check(Limits {
        zip_entries: 1,
        ..Limits::default()
    });
    assert_eq!(parts, "w.xlsx: the package holds 2 parts, more than the limit of 1; this is not an ordinary workbook");
    let unpacked = check(Limits {
        unpacked_bytes: 5_000,
        ..Limits::default()
    });
    assert_eq!(unpacked, "w.xlsx: the package would unpack to 10011 bytes, more than the limit of 5000 bytes (a zip bomb?); this is not an ordinary workbook");
    let ratio = check(Limits {
        compression_ratio: 10,
        ratio_checked_from: 1_000,
        ..Limits::default()
    });
    assert!(
        ratio.starts_with("w.xlsx: part `xl/worksheets/sheet1.xml` is compressed "),
        "{ratio}"
    );
    assert!(
        ratio.ends_with(
            ":1, more than the limit of 10:1 (a zip bomb?); this is not an ordinary workbook"
        ),
        "{ratio}"
    );
    let strings = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/sharedStrings.xml", &repetitive),
    ]);
    let e = check_zip(
        path,
        &strings,
        "xlsx",
        &Limits {
            shared_strings_bytes: 9_999,
            ..Limits::default()
        },
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert_eq!(e, "w.xlsx: part `xl/sharedStrings.xml` unpacks to 10000 bytes, more than the limit of 9999 bytes for it; split the workbook or save it as .csv");
    // Under the ratio floor a part is not held to the ratio.
    assert!(check_zip(
        path,
        &bytes,
        "xlsx",
        &Limits {
            compression_ratio: 10,
            ratio_checked_from: 20_000,
            ..Limits::default()
        }
    )
    .is_ok());
    let not_zip = check_zip(
        path,
        b"PK\x03\x04 and then nothing",
        "xlsx",
        &Limits::default(),
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(not_zip.contains("not a complete zip package"), "{not_zip}");
    let no_workbook = check_zip(
        path,
        &zip_of(&[("a.txt", b"hello")]),
        "xlsx",
        &Limits::default(),
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(
        no_workbook.contains("a zip archive that holds no workbook"),
        "{no_workbook}"
    );
}

#[test]
fn the_zip_kind_follows_the_content() {
    let path = Path::new("w.xls");
    let kind = |parts: &[(&str, &[u8])], ext: &str| {
        check_zip(path, &zip_of(parts), ext, &Limits::default())
            .map(|p| p.kind)
            .ok()
    };
    assert_eq!(
        kind(&[("xl/workbook.xml", b"<w/>")], "xls"),
        Some(ZipKind::Xlsx)
    );
    assert_eq!(
        kind(&[("xl/workbook.bin", b"")], "xlsx"),
        Some(ZipKind::Xlsb)
    );
    assert_eq!(
        kind(&[("mimetype", b""), ("content.xml", b"<x/>")], "xlsx"),
        Some(ZipKind::Ods)
    );
}

#[test]
fn shared_string_counts_are_read_as_calamine_reads_them() {
    let sst = |attrs: &str| {
        format!(
            r#"<?xml version="1.0"?><!-- <sst uniqueCount="9"> --><x:sst xmlns:x="m" {attrs}><si><t>a</t></si>"#
        )
    };
    let count = |attrs: &str| declared_shared_strings(sst(attrs).as_bytes(), true);
    assert_eq!(
        count(r#"count="3" uniqueCount="4000000000""#),
        Ok(Some(4_000_000_000))
    );
    assert_eq!(count(r#"uniqueCount='12'"#), Ok(Some(12)));
    assert_eq!(
        count(r#"uniqueCount="99999999999999999999999""#),
        Ok(Some(u64::MAX))
    );
    // Not digits: calamine ignores it; nothing reserved.
    assert_eq!(count(r#"uniqueCount="-1""#), Ok(Some(0)));
    assert_eq!(count(r#"count="1""#), Ok(None));
    // A DOCTYPE could hide the tag from this scan but not from calamine's parser.
    let doctype = r#"<!DOCTYPE sst [<!ENTITY a "]>">]><sst uniqueCount="4000000000">"#;
    assert!(declared_shared_strings(doctype.as_bytes(), true)
        .unwrap_err()
        .contains("DOCTYPE"));
    // A part longer than the head must show its <sst> tag within it.
    let padded = format!(
        r#"<sst {}uniqueCount="4000000000">"#,
        "a=\"\" ".repeat(20_000)
    );
    assert!(declared_shared_strings(&padded.as_bytes()[..64 * 1024], false).is_err());
    assert_eq!(declared_shared_strings(b"<other/>", true), Ok(None));
}

#[test]
fn the_read_budget_weighs_each_part_by_its_ratio() {
    let data = vec![0u8; 100];
    // Bytes 10..20 unpack 50:1, the rest 1:1.
    let mut r = BudgetReader::new(&data, vec![(10, 20, 50)], 1_000);
    assert_eq!(r.cost(0, 10), 10);
    assert_eq!(r.cost(5, 15), 5 + 5 * 50);
    assert_eq!(r.cost(0, 100), 90 + 500);
    let mut buf = [0u8; 100];
    assert_eq!(r.read(&mut buf[..30]).unwrap(), 30);
    r.seek(SeekFrom::Start(0)).unwrap();
    let e = r.read(&mut buf).unwrap_err();
    assert_eq!(e.to_string(), "read budget exceeded");
    assert!(r.exceeded.get());
}

#[test]
fn a_two_row_header_with_merged_cells_is_bound() {
    let v = vocab();
    let t = |s: &str| RawCell::Text(s.into());
    // Row 1: a title. Rows 3–4: 申报编号 and 企业名称 merged down, 基本情况 merged across.
    let cells: Vec<(u32, u32, RawCell)> = vec![
        (0, 0, t("2023年度申报表")),
        (2, 0, t("申报编号")),
        (2, 1, t(" 企业名称 ")),
        (2, 2, t("基本情况")),
        (2, 4, t("申报条款\n编号")),
        (3, 2, t("统一社会信用代码")),
        (3, 3, t("申报年度")),
        (4, 0, t("A1")),
        (4, 1, t("某公司")),
        (4, 2, t("91350100M000100Y43")),
        (4, 3, RawCell::Num(Decimal::from(2023))),
        (4, 4, t("r")),
        (6, 0, t("A2")),
    ];
    let batch = sheet_of(&v, cells);
    let heads: Vec<(u32, &str)> = batch.sheets[0]
        .columns
        .iter()
        .map(|c| (c.col, c.header.as_str()))
        .collect();
    assert_eq!(
        heads,
        [
            (0, "申报编号"),
            (1, "企业名称"),
            (2, "统一社会信用代码"),
            (3, "申报年度"),
            (4, "申报条款\n编号")
        ]
    );
    assert!(batch.sheets[0].columns.iter().all(|c| c.field.is_some()));
    assert_eq!(batch.sheets[0].header_row, 2);
    let rows: Vec<u32> = batch.rows.iter().map(|r| r.row).collect();
    assert_eq!(rows, [4, 6]);
}

#[test]
fn a_first_data_row_is_never_taken_for_a_second_header_row() {
    let v = vocab();
    let t = |s: &str| RawCell::Text(s.into());
    // The data row carries, by accident, text that is a header, but also a value under 申报编号.
    let batch = sheet_of(
        &v,
        [
            (0, 0, t("申报编号")),
            (0, 1, t("企业名称")),
            (1, 0, t("A1")),
            (1, 2, t("申报年度")),
            (1, 1, t("x")),
        ],
    );
    assert_eq!(batch.sheets[0].columns.len(), 2);
    assert_eq!(batch.rows.len(), 1);
    // The row above fills a header the header row leaves empty (merged down).
    let batch = sheet_of(
        &v,
        [
            (0, 0, t("申报编号")),
            (0, 1, t("投资")),
            (1, 1, t("企业名称")),
            (1, 2, t("申报年度")),
            (2, 0, t("A1")),
        ],
    );
    let heads: Vec<&str> = batch.sheets[0]
        .columns
        .iter()
        .map(|c| c.header.as_str())
        .collect();
    assert_eq!(heads, ["申报编号", "企业名称", "申报年度"]);
    assert_eq!(batch.rows.len(), 1);
}

#[test]
fn rows_delivered_out_of_order_or_in_pieces_become_one_row_each() {
    let v = vocab();
    let t = |s: &str| RawCell::Text(s.into());
    let batch = sheet_of(
        &v,
        [
            (0, 0, t("申报编号")),
            (0, 1, t("企业名称")),
            (2, 1, t("b")),
            (1, 0, t("A1")),
            (2, 0, t("A2")),
            (1, 1, t("a")),
        ],
    );
    let rows: Vec<(u32, usize)> = batch.rows.iter().map(|r| (r.row, r.cells.len())).collect();
    assert_eq!(rows, [(1, 2), (2, 2)]);
    assert_eq!(batch.rows[0].cells[0], (0, t("A1")));
}

#[test]
fn long_text_becomes_an_error_cell_and_text_is_budgeted() {
    let limits = Limits {
        cell_chars: 5,
        text_bytes: 100,
        ..Limits::default()
    };
    let mut budget = TextBudget::new(&limits);
    assert_eq!(
        budget.admit(RawCell::Text("长长长长长".into())),
        Ok(RawCell::Text("长长长长长".into()))
    );
    assert_eq!(
        budget.admit(RawCell::Text("abcdef".into())),
        Ok(RawCell::Refused {
            shown: "abcdef".into(),
            reason: "文字过长（6 字符，超过单元格上限 5 字符），未读入".into()
        })
    );
    assert_eq!(
        budget.admit(RawCell::Num(Decimal::ONE)),
        Ok(RawCell::Num(Decimal::ONE))
    );
    assert_eq!(
        budget.admit(RawCell::Text("abcdef".into())),
        Err(Stop::Text)
    );
}

#[test]
fn a_sheet_claiming_xfd1048576_is_streamed_in_bounded_memory() {
    let data = format!(
        r#"{}<row r="2">{}{}</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
        header_row(1),
        inline("A2", "A1"),
        inline("C2", "某公司")
    );
    let bytes = xlsx_of(&data, Some("A1:XFD1048576"));
    let started = std::time::Instant::now();
    let batch = read_bytes("huge.xlsx", &bytes, &Limits::default()).unwrap();
    // A dense read would need 1,048,576 × 16,384 cells (550 GB); the stream holds three rows.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(batch.rows.len(), 1);
    assert_eq!(batch.rows[0].row, 1);
}

#[test]
fn formulas_give_their_cached_result_or_an_error_cell() {
    let data = format!(
        r#"{}<row r="2">{}<c r="G2"><f>100*3</f><v>300</v></c></row><row r="3">{}<c r="G3"><f>H3*2</f></c></row><row r="4">{}<c r="G4" t="e"><v>#N/A</v></c></row>"#,
        header_row(1),
        inline("A2", "A1"),
        inline("A3", "A2"),
        inline("A4", "A3")
    );
    let batch = read_bytes("f.xlsx", &xlsx_of(&data, None), &Limits::default()).unwrap();
    let g: Vec<RawCell> = batch
        .rows
        .iter()
        .map(|r| r.cells.iter().find(|(c, _)| *c == 6).unwrap().1.clone())
        .collect();
    assert_eq!(
        g,
        [
            RawCell::Num(Decimal::from(300)),
            RawCell::Refused {
                shown: String::new(),
                reason: NO_CACHED_RESULT.into()
            },
            RawCell::Error("#N/A".into())
        ]
    );
}

#[test]
fn a_shared_string_bomb_and_cell_limits_stop_the_file() {
    let data = format!(
        r#"{}<row r="2">{}{}</row>"#,
        header_row(1),
        inline("A2", "A1"),
        inline("B2", "x")
    );
    let bytes = xlsx_of(&data, None);
    let e = err_text(read_bytes(
        "cells.xlsx",
        &bytes,
        &Limits {
            cells_per_sheet: 8,
            ..Limits::default()
        },
    ));
    assert!(
        e.ends_with(
            "cells.xlsx, sheet 表1: more than 8 cells; split the sheet or check it is not damaged"
        ),
        "{e}"
    );
    let e = err_text(read_bytes(
        "text.xlsx",
        &bytes,
        &Limits {
            text_bytes: 10,
            ..Limits::default()
        },
    ));
    assert!(e.ends_with("text.xlsx: the file holds more than 10 bytes of text; split it or check it is not damaged"), "{e}");
}

#[test]
fn a_panic_while_reading_is_an_error_naming_the_file() {
    let r: Result<(), IngestError> = guarded(Path::new("p.xls"), || {
        panic!("index out of bounds: the len is 5 but the index is 5")
    });
    assert_eq!(
        r.unwrap_err().to_string(),
        "p.xls: the reader failed on this file (index out of bounds: the len is 5 but the index is 5); open it in Excel or WPS and save it again as .xlsx (文件 → 另存为). This is a bug in subsidy: please report it with the file"
    );
}

#[test]
fn read_table_counts_from_the_used_range_as_before() {
    let data = format!(
        r#"<row r="3">{}{}</row><row r="4">{}</row>"#,
        inline("B3", "credit_code"),
        inline("C3", "award"),
        inline("C4", "1.00")
    );
    let dir = tmp("table");
    let path = dir.join("h.xlsx");
    std::fs::write(&path, xlsx_of(&data, None)).unwrap();
    let table = read_table(&path, "发放明细").unwrap();
    assert_eq!(
        table,
        [
            vec!["credit_code".to_string(), "award".into()],
            vec![String::new(), "1.00".into()]
        ]
    );
    let grid = read_grid(&path).unwrap();
    assert_eq!(grid[0].0, "表1");
    assert_eq!(grid[0].1.len(), 4);
    assert_eq!(grid[0].1[3][2], Some(RawCell::Text("1.00".into())));
}

/// Reads one sheet's cells through a [`SheetBuilder`], collecting the rows it hands on.
pub(crate) fn sheet_of(
    v: &Vocabulary,
    cells: impl IntoIterator<Item = (u32, u32, RawCell)>,
) -> Batch {
    sheet_with_merges(v, cells, Vec::new())
}

/// [`sheet_of`] for a sheet with merged ranges.
pub(super) fn sheet_with_merges(
    v: &Vocabulary,
    cells: impl IntoIterator<Item = (u32, u32, RawCell)>,
    merges: Vec<super::marks::Merge>,
) -> Batch {
    let mut rows = Vec::new();
    let mut batch = Batch::default();
    {
        let mut sink = |_: &Batch, row: RawRow| rows.push(row);
        let mut to = Handoff {
            sink: &mut sink,
            filter: None,
        };
        let mut out = SheetOut::new(0, "表", &mut batch, &mut to).with_merges(merges);
        let mut sb = SheetBuilder::new(v, &Limits::default());
        for (r, c, cell) in cells {
            sb.push(r, c, cell, &mut out).unwrap();
        }
        sb.finish(&mut out);
    }
    batch.rows = rows;
    batch
}

#[test]
fn rows_are_handed_on_while_the_sheet_is_read() {
    let v = vocab();
    let t = |s: &str| RawCell::Text(s.into());
    let seen = std::cell::RefCell::new(Vec::new());
    let mut batch = Batch::default();
    let mut sink = |_: &Batch, row: RawRow| seen.borrow_mut().push(row.row);
    let mut to = Handoff {
        sink: &mut sink,
        filter: None,
    };
    let mut out = SheetOut::new(0, "表", &mut batch, &mut to);
    let mut sb = SheetBuilder::new(&v, &Limits::default());
    sb.push(0, 0, t("申报编号"), &mut out).unwrap();
    sb.push(0, 1, t("企业名称"), &mut out).unwrap();
    for r in 1..100 {
        sb.push(r, 0, t(&format!("A{r}")), &mut out).unwrap();
    }
    // A row that arrives after a later one is held and handed on, sorted, at the end.
    sb.push(50, 1, t("late"), &mut out).unwrap();
    // Every complete row is already handed on; only the last is still open.
    assert_eq!(seen.borrow().len(), 98);
    sb.finish(&mut out);
    let seen = seen.into_inner();
    assert_eq!(seen.len(), 100);
    assert_eq!(seen[..98], (1..99).collect::<Vec<u32>>()[..]);
    assert_eq!(seen[98..], [99, 50]);
    assert_eq!(batch.sheets.len(), 1);
}

#[test]
fn hidden_sheets_are_set_aside_unread() {
    let one = xlsx_of(
        &format!(
            "{}{}",
            header_row(1),
            r#"<row r="2"><c r="A2" t="inlineStr"><is><t>A1</t></is></c></row>"#
        ),
        None,
    );
    // The same package with a second, hidden sheet (a dropdown list) pointing at the same part.
    let mut zip = zip::ZipArchive::new(Cursor::new(one)).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        parts.push((f.name().unwrap().to_string(), data));
    }
    for (name, data) in &mut parts {
        let text = String::from_utf8(data.clone()).unwrap();
        if name == "xl/workbook.xml" {
            *data = text
                .replace(
                    "</sheets>",
                    r#"<sheet name="字典" sheetId="2" state="hidden" r:id="rId1"/></sheets>"#,
                )
                .into_bytes();
        }
    }
    let refs: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let batch = read_bytes("hidden.xlsx", &zip_of(&refs), &Limits::default()).unwrap();
    assert_eq!(batch.sheets.len(), 1);
    assert_eq!(
        batch.set_aside,
        [SetAside {
            file: 0,
            sheet: "字典".into(),
            rows: Vec::new(),
            reason: NotData::HiddenSheet
        }]
    );
}
