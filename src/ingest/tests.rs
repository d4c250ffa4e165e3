//! Unit tests of `ingest`: limits and their messages, the pre-checks (zip, OLE, BIFF, ods
//! content), header binding, and reading small workbooks built here.
use std::io::{Cursor, Seek, SeekFrom, Write};

use super::header::*;
use super::prescan::{biff, ods::*, xml::*};
use super::sniff::*;
use super::*;

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
fn the_tag_scanner_survives_comments_cdata_and_quotes() {
    let xml = br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "<b>">]><!-- a > b <c> --><r a='1>2' b="x"><c/>text<![CDATA[<not a tag>]]></r>"#;
    let mut events = Vec::new();
    let mut scanner = TagScanner::default();
    // Fed a byte at a time: chunk boundaries must not matter.
    for b in xml.chunks(1) {
        scanner.feed(b, &mut |ev| {
            events.push(match ev {
                XmlEvent::Start {
                    name, self_closing, ..
                } => format!(
                    "<{}{}>",
                    String::from_utf8_lossy(name),
                    if self_closing { "/" } else { "" }
                ),
                XmlEvent::End { name } => format!("</{}>", String::from_utf8_lossy(name)),
                XmlEvent::Text(n) => format!("{n}"),
                XmlEvent::Overlong => "overlong".into(),
                XmlEvent::Doctype => "doctype".into(),
            })
        });
    }
    let text: usize = events.iter().filter_map(|e| e.parse::<usize>().ok()).sum();
    let tags: Vec<&String> = events
        .iter()
        .filter(|e| e.parse::<usize>().is_err())
        .collect();
    assert_eq!(tags, ["doctype", "<r>", "<c/>", "</r>"]);
    assert_eq!(text, "text".len() + "<not a tag>]]>".len());
}

#[test]
fn attributes_are_found_by_exact_name_outside_values() {
    let tag = br#"<c x:a="1" a = '2' data="a=&quot;3&quot;" b="a=4">"#;
    assert_eq!(attr(tag, b"a"), Some(&b"2"[..]));
    assert_eq!(attr(tag, b"x:a"), Some(&b"1"[..]));
    assert_eq!(attr(tag, b"b"), Some(&b"a=4"[..]));
    assert_eq!(attr(tag, b"missing"), None);
    assert_eq!(attr_number(br#"<r n="+5" m="12">"#, b"m"), Some(12));
    assert_eq!(attr_number(br#"<r n="+5">"#, b"n"), None);
}

const ODS_HEAD: &str = r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet>"#;

fn ods_check(tables: &str, limits: &Limits) -> Result<(), IngestError> {
    let content =
        format!("{ODS_HEAD}{tables}</office:spreadsheet></office:body></office:document-content>");
    ods_scan(Path::new("t.ods"), content.as_bytes(), limits)
}

#[test]
fn ods_repeats_are_expanded_as_calamine_would() {
    let value = r#"<table:table-cell office:value-type="float" office:value="1"/>"#;
    // 1,000 rows × 10 columns of values: 10,000 cells.
    let grid = r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="10" office:value-type="float" office:value="1"/></table:table-row></table:table>"#;
    let e = ods_check(
        grid,
        &Limits {
            dense_cells: 9_999,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "t.ods, sheet S: the used range A1:J1000 spans 10000 cells, more than the limit of 9999 for .xls/.ods sheets; delete stray cells far from the data, or save the file as .xlsx or .csv");
    assert!(ods_check(
        grid,
        &Limits {
            dense_cells: 10_000,
            ..Limits::default()
        }
    )
    .is_ok());
    // Empty rows between values are expanded; the trailing empty styled area LibreOffice
    // writes (a million rows × 1,024 columns) is not.
    let libre = format!(
        r#"<table:table table:name="S"><table:table-row>{value}</table:table-row><table:table-row table:number-rows-repeated="9"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="4"/>{value}</table:table-row><table:table-row table:number-rows-repeated="1048560"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>"#
    );
    let e = ods_check(
        &libre,
        &Limits {
            dense_cells: 54,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("the used range A1:E11 spans 55 cells"),
        "{e}"
    );
    assert!(ods_check(&libre, &Limits::default()).is_ok());
}

#[test]
fn an_ods_with_a_doctype_is_refused() {
    let content = format!(
        r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "]">]>{ODS_HEAD}</office:spreadsheet></office:body></office:document-content>"#
    );
    let e = ods_scan(Path::new("t.ods"), content.as_bytes(), &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t.ods: the file is damaged or is not a workbook (content.xml carries a DOCTYPE declaration"), "{e}");
}

#[test]
fn an_ods_ending_inside_a_table_or_annotation_is_refused() {
    // calamine's table and annotation loops spin for ever at the end of the file.
    let row = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell></table:table-row>"#;
    let cut = format!(
        r#"{ODS_HEAD}<table:table table:name="S">{row}x/table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let e = ods_scan(Path::new("t.ods"), cut.as_bytes(), &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("content.xml ends inside the table `S`; it was cut short or edited"),
        "{e}"
    );
    // An end tag calamine does not take for the table's (`</table:table x>`) does not close it.
    let odd = format!(
        r#"{ODS_HEAD}<table:table table:name="S">{row}</table:table x></office:spreadsheet></office:body></office:document-content>"#
    );
    assert!(ods_scan(Path::new("t.ods"), odd.as_bytes(), &Limits::default()).is_err());
    let note = format!(
        r#"{ODS_HEAD}<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><office:annotation><text:p>n</text:p></office:spreadsheet>"#
    );
    let e = ods_scan(Path::new("t.ods"), note.as_bytes(), &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("ends inside"), "{e}");
    // Closed properly, and an unnamed table left open (calamine does not read it): fine.
    let fine =
        format!(r#"{ODS_HEAD}<table:table table:name="S">{row}</table:table ><table:table>{row}"#);
    assert!(ods_scan(Path::new("t.ods"), fine.as_bytes(), &Limits::default()).is_ok());
}

#[test]
fn ods_nesting_is_followed_as_calamine_follows_it() {
    let value = r#"<table:table-cell office:value-type="float" office:value="1"/>"#;
    // A table start inside the open table does not restart the count.
    let nested = format!(
        r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="100"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"/></table:table-row><table:table table:name="T"><table:table-row>{value}</table:table-row></table:table>"#
    );
    let e = ods_check(
        &nested,
        &Limits {
            dense_cells: 9_999,
            ..Limits::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("sheet S: the used range A1:CV101 spans 10100 cells"),
        "{e}"
    );
}

#[test]
fn ods_space_runs_and_clones_count_as_text() {
    let spaces = r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2000000000"/>b</text:p></table:table-cell></table:table-row></table:table>"#;
    let e = ods_check(spaces, &Limits::default()).unwrap_err();
    assert_eq!(e.to_string(), "t.ods: the file holds more than 1073741824 bytes of text; split it or check it is not damaged");
    // A 100-byte string cloned into 1,000 columns × 1,000 rows: 100 MB.
    let clones = format!(
        r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>{}</text:p></table:table-cell></table:table-row></table:table>"#,
        "长".repeat(33)
    );
    assert!(ods_check(
        &clones,
        &Limits {
            text_bytes: 50_000_000,
            ..Limits::default()
        }
    )
    .is_err());
    assert!(ods_check(&clones, &Limits::default()).is_ok());
}

/// A version-3 OLE compound file with 512-byte sectors holding the streams (each padded to
/// 4,096 bytes, so none is in the mini stream); `corrupt` may edit the FAT.
fn ole_of(streams: &[(&str, &[u8])], corrupt: impl Fn(&mut Vec<u32>, u32)) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let streams: Vec<(&str, Vec<u8>)> = streams
        .iter()
        .map(|(n, d)| {
            let mut d = d.to_vec();
            d.resize(d.len().max(4096).div_ceil(512) * 512, 0);
            (*n, d)
        })
        .collect();
    let dir_sectors = (streams.len() + 1).div_ceil(4) as u32;
    let mut fat: Vec<u32> = vec![0xFFFF_FFFD];
    let dir_start = 1;
    for i in 0..dir_sectors {
        fat.push(if i + 1 < dir_sectors {
            dir_start + i + 1
        } else {
            END
        });
    }
    let mut starts = Vec::new();
    for (_, d) in &streams {
        let start = fat.len() as u32;
        let n = (d.len() / 512) as u32;
        for i in 0..n {
            fat.push(if i + 1 < n { start + i + 1 } else { END });
        }
        starts.push(start);
    }
    assert!(fat.len() <= 128);
    corrupt(&mut fat, dir_start);
    fat.resize(128, FREE);
    let entry = |name: &str, typ: u8, start: u32, size: u32, child: u32, right: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        e[..units.len()].copy_from_slice(&units);
        e[64..66].copy_from_slice(&(units.len() as u16).to_le_bytes());
        e[66] = typ;
        e[67] = 1;
        e[68..72].copy_from_slice(&FREE.to_le_bytes());
        e[72..76].copy_from_slice(&right.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut dirs = entry("Root Entry", 5, END, 0, 1, FREE);
    for (i, ((name, d), start)) in streams.iter().zip(&starts).enumerate() {
        let right = if i + 1 < streams.len() {
            i as u32 + 2
        } else {
            FREE
        };
        dirs.extend(entry(name, 2, *start, d.len() as u32, FREE, right));
    }
    dirs.resize(dir_sectors as usize * 512, 0);
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(OLE_SIGNATURE);
    for (at, v) in [(24usize, 0x3Eu16), (26, 3), (28, 0xFFFE), (30, 9), (32, 6)] {
        header[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
    for (at, v) in [
        (44usize, 1u32),
        (48, dir_start),
        (56, 4096),
        (60, END),
        (64, 0),
        (68, END),
        (72, 0),
        (76, 0),
    ] {
        header[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    for i in 1..109 {
        header[76 + 4 * i..80 + 4 * i].copy_from_slice(&FREE.to_le_bytes());
    }
    let mut out = header;
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    out.extend(dirs);
    for (_, d) in &streams {
        out.extend(d);
    }
    out
}

#[test]
fn ole_streams_are_found_and_loops_refused() {
    let bytes = ole_of(
        &[("Workbook", b"\x09\x08"), ("EncryptedPackage", b"x")],
        |_, _| {},
    );
    let ole = ole::Ole::parse(&bytes).unwrap();
    assert!(ole.has("encryptedpackage"));
    let stream = ole.stream("WORKBOOK").unwrap().unwrap();
    assert_eq!(stream.len(), 4096);
    assert_eq!(&stream[..2], b"\x09\x08");
    assert!(ole.stream("Book").is_none());
    // The directory chain pointing back to itself.
    let looped = ole_of(&[("Workbook", b"")], |fat, dir| fat[dir as usize] = dir);
    assert_eq!(
        ole::Ole::parse(&looped).err().unwrap(),
        "an OLE sector chain loops"
    );
    let past_end = ole_of(&[("Workbook", b"")], |fat, dir| fat[dir as usize] = 90_000);
    assert!(ole::Ole::parse(&past_end)
        .err()
        .unwrap()
        .contains("points past the end of the file"));
    assert!(ole::Ole::parse(&bytes[..300]).is_err());
}

#[test]
fn an_ole_container_with_an_encrypted_package_is_password_protected() {
    let bytes = ole_of(
        &[("EncryptionInfo", b"\x04\x00"), ("EncryptedPackage", b"x")],
        |_, _| {},
    );
    let e = err_text(read_bytes("enc.xlsx", &bytes, &Limits::default()));
    assert!(e.ends_with("enc.xlsx: the workbook is password-protected; remove the password in Excel/WPS (文件 → 信息 → 保护工作簿) and save again"), "{e}");
    let word = ole_of(&[("WordDocument", b"x")], |_, _| {});
    let e = err_text(read_bytes("doc.xls", &word, &Limits::default()));
    assert!(
        e.contains("an OLE document without a workbook stream"),
        "{e}"
    );
}

fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend((data.len() as u16).to_le_bytes());
    r.extend(data);
    r
}

/// A BIFF8 stream: globals naming one sheet, the sheet's records between BOF and EOF.
fn biff_of(globals: &[u8], sheet: &[u8]) -> Vec<u8> {
    let bof = |dt: u16| {
        rec(
            0x0809,
            &[&0x0600u16.to_le_bytes()[..], &dt.to_le_bytes(), &[0; 12]].concat(),
        )
    };
    let bound = |pos: u32| {
        rec(
            0x0085,
            &[&pos.to_le_bytes()[..], &[0, 0, 2, 0], b"S1"].concat(),
        )
    };
    let head = [bof(5), globals.to_vec(), bound(0), rec(0x000A, &[])].concat();
    let pos = head.len() as u32;
    [
        bof(5),
        globals.to_vec(),
        bound(pos),
        rec(0x000A, &[]),
        bof(0x10),
        sheet.to_vec(),
        rec(0x000A, &[]),
    ]
    .concat()
}

fn number(r: u16, c: u16) -> Vec<u8> {
    rec(
        0x0203,
        &[
            &r.to_le_bytes()[..],
            &c.to_le_bytes(),
            &[0, 0],
            &1.0f64.to_le_bytes(),
        ]
        .concat(),
    )
}

#[test]
fn biff_prescan_sees_what_calamine_would_build() {
    let path = Path::new("b.xls");
    let limits = Limits::default();
    let ok = biff_of(&[], &[number(0, 0), number(9, 3)].concat());
    assert!(biff::check(path, &ok, &limits).is_ok());
    // A cell far away: the dense grid.
    let far = biff_of(&[], &[number(0, 0), number(65535, 255)].concat());
    let e = biff::check(path, &far, &limits).unwrap_err().to_string();
    assert_eq!(e, "b.xls, sheet S1: the used range A1:IV65536 spans 16777216 cells, more than the limit of 8000000 for .xls/.ods sheets; delete stray cells far from the data, or save the file as .xlsx or .csv");
    // DIMENSIONS declaring more than a whole sheet (calamine reserves it).
    let dims = rec(
        0x0200,
        &[
            &0u32.to_le_bytes()[..],
            &0x0010_0001u32.to_le_bytes(),
            &0u16.to_le_bytes(),
            &256u16.to_le_bytes(),
            &[0, 0],
        ]
        .concat(),
    );
    let e = biff::check(path, &biff_of(&[], &dims), &limits)
        .unwrap_err()
        .to_string();
    assert!(e.contains("the used range A1:IV1048577 (declared) spans 268435712 cells, more than the limit of 16777216"), "{e}");
    // FilePass: encrypted.
    let e = biff::check(path, &biff_of(&rec(0x002F, &[1, 0, 1, 0]), &[]), &limits).unwrap_err();
    assert!(matches!(e, IngestError::Encrypted { .. }));
    // Cells per sheet.
    let e = biff::check(
        path,
        &ok,
        &Limits {
            cells_per_sheet: 1,
            ..limits
        },
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "b.xls, sheet S1: more than 1 cells; split the sheet or check it is not damaged"
    );
    // What calamine would panic on is refused as damaged.
    let mut past = biff_of(&[], &[]);
    let at = past.windows(2).position(|w| w == [0x85, 0x00]).unwrap() + 4;
    past[at..at + 4].copy_from_slice(&1_000_000u32.to_le_bytes());
    let e = biff::check(path, &past, &limits).unwrap_err().to_string();
    assert!(
        e.contains("(sheet `S1` starts past the end of the workbook stream)"),
        "{e}"
    );
    let formula = rec(
        0x0006,
        &[&[0u8; 20][..], &500u16.to_le_bytes(), &[0x1E, 1, 0]].concat(),
    );
    let e = biff::check(path, &biff_of(&[], &formula), &limits)
        .unwrap_err()
        .to_string();
    assert!(e.contains("(a formula in sheet `S1` is cut short)"), "{e}");
    // A MulRk of no cells does not end the walk (calamine reads on): the far cell after it counts.
    let mulrk = rec(
        0x00BD,
        &[
            &0u16.to_le_bytes()[..],
            &5u16.to_le_bytes(),
            &4u16.to_le_bytes(),
        ]
        .concat(),
    );
    let after = biff_of(&[], &[mulrk, number(0, 0), number(65535, 255)].concat());
    assert!(biff::check(path, &after, &limits).is_err());
}

#[test]
fn biff_shared_strings_are_measured_across_continue_records() {
    let path = Path::new("s.xls");
    // One string of 30,000 characters: 8,000 in the SST record, the rest in three CONTINUEs
    // (each starting with a flags byte).
    let mut sst = [
        &1u32.to_le_bytes()[..],
        &1u32.to_le_bytes(),
        &30_000u16.to_le_bytes(),
        &[0],
    ]
    .concat();
    sst.extend(vec![b'a'; 8_000]);
    let cont = |n: usize| rec(0x003C, &[&[0u8][..], &vec![b'a'; n]].concat());
    let globals = [rec(0x00FC, &sst), cont(8_000), cont(8_000), cont(6_000)].concat();
    let label = |r: u16| {
        rec(
            0x00FD,
            &[
                &r.to_le_bytes()[..],
                &0u16.to_le_bytes(),
                &0u16.to_le_bytes(),
                &0u32.to_le_bytes(),
            ]
            .concat(),
        )
    };
    let cells: Vec<u8> = (0..100).flat_map(label).collect();
    let stream = biff_of(&globals, &cells);
    // 100 cells × 30,000 characters × 3 bytes at most = 9,000,000 bytes.
    assert!(biff::check(
        path,
        &stream,
        &Limits {
            text_bytes: 9_000_000,
            ..Limits::default()
        }
    )
    .is_ok());
    let e = biff::check(
        path,
        &stream,
        &Limits {
            text_bytes: 8_999_999,
            ..Limits::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, IngestError::TooMuchText { .. }), "{e}");
    // Strings held (not the declared count) against the limit.
    let three = [
        &7u32.to_le_bytes()[..],
        &7u32.to_le_bytes(),
        &[1, 0, 0, b'a', 1, 0, 0, b'b', 1, 0, 0, b'c'],
    ]
    .concat();
    let stream = biff_of(&rec(0x00FC, &three), &[]);
    assert!(biff::check(
        path,
        &stream,
        &Limits {
            shared_strings: 3,
            ..Limits::default()
        }
    )
    .is_ok());
    let e = biff::check(
        path,
        &stream,
        &Limits {
            shared_strings: 2,
            ..Limits::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "s.xls: the shared-string table declares 7 strings, more than the limit of 2; this is not an ordinary workbook");
}

#[test]
fn biff_sheets_that_overlap_are_refused() {
    let bof = |dt: u16| {
        rec(
            0x0809,
            &[&0x0600u16.to_le_bytes()[..], &dt.to_le_bytes(), &[0; 12]].concat(),
        )
    };
    let sheet: Vec<u8> = [
        bof(0x10),
        (0..2000).flat_map(|r| number(r, 0)).collect(),
        rec(0x000A, &[]),
    ]
    .concat();
    let bound = |pos: u32, i: u16| {
        rec(
            0x0085,
            &[
                &pos.to_le_bytes()[..],
                &[0, 0, 2, 0],
                format!("{:02}", i % 100).as_bytes(),
            ]
            .concat(),
        )
    };
    let globals_len = bof(5).len() + 200 * bound(0, 0).len() + 4;
    let globals: Vec<u8> = [
        bof(5),
        (0..200)
            .flat_map(|i| bound(globals_len as u32, i))
            .collect(),
        rec(0x000A, &[]),
    ]
    .concat();
    let stream = [globals, sheet].concat();
    let e = biff::check(Path::new("o.xls"), &stream, &Limits::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("its sheets overlap"), "{e}");
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
        Ok(RawCell::Error(
            "文字过长（6 字符，超过单元格上限 5 字符），未读入".into()
        ))
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
            RawCell::Error(NO_CACHED_RESULT.into()),
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
    let mut rows = Vec::new();
    let mut batch = Batch::default();
    {
        let mut sink = |_: &Batch, row: RawRow| rows.push(row);
        let mut to = Handoff {
            sink: &mut sink,
            filter: None,
        };
        let mut out = SheetOut::new(0, "表", &mut batch, &mut to);
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
    drop(out);
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
