//! Unit tests of `ingest`.
use super::*;

#[test]
fn column_letters_follow_excel() {
    assert_eq!(column_letters(0), "A");
    assert_eq!(column_letters(25), "Z");
    assert_eq!(column_letters(26), "AA");
    assert_eq!(column_letters(16383), "XFD");
    assert_eq!(cell_ref(4, 1), "B5");
}

#[test]
fn decodes_gbk_and_bom() {
    let (gbk, _, _) = encoding_rs::GBK.encode("申报编号,企业名称");
    assert_eq!(decode_text(&gbk), "申报编号,企业名称");
    assert_eq!(decode_text("\u{feff}申报编号".as_bytes()), "申报编号");
}

#[test]
fn error_messages_say_what_to_do() {
    let e = IngestError::Encrypted { path: "a.xlsx".into() };
    assert!(e.to_string().starts_with("a.xlsx: the workbook is password-protected"));
    let e = IngestError::Unsupported { path: "b.et".into(), reason: "WPS .et format".into() };
    assert_eq!(e.to_string(), "b.et: not a workbook this tool reads (WPS .et format); save it as .xlsx, .xls, .ods or .csv");
}
