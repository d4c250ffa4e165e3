//! Unit tests of CSV decoding and separators (issue 12 item 12).
use super::*;

#[test]
fn decodes_utf8_gbk_and_utf16_with_their_boms() {
    let text = "申报编号,企业名称\r\nA1,甲公司\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(text.as_bytes());
    for (bytes, encoding) in [
        (text.as_bytes().to_vec(), CsvEncoding::Utf8),
        (bom, CsvEncoding::Utf8),
        (gbk.to_vec(), CsvEncoding::Gbk),
        (le, CsvEncoding::Utf16Le),
        (be, CsvEncoding::Utf16Be),
    ] {
        assert_eq!(
            decode_csv(&bytes),
            Ok(DecodedCsv {
                text: text.into(),
                encoding,
                damaged: false
            }),
            "{encoding:?}"
        );
    }
}

/// A UTF-8 file with one row pasted in GBK: UTF-8, and only that row carries U+FFFD.
#[test]
fn stray_gbk_bytes_in_utf8_damage_only_their_lines() {
    let (gbk_row, _, _) = encoding_rs::GBK.encode("A2,乙公司\n");
    let mut bytes = "申报编号,企业名称\nA1,甲公司\n".as_bytes().to_vec();
    bytes.extend(gbk_row.iter());
    bytes.extend("A3,丙公司\n".as_bytes());
    let d = decode_csv(&bytes).expect("decodes");
    assert_eq!(d.encoding, CsvEncoding::Utf8);
    assert!(d.damaged);
    let lines: Vec<&str> = d.text.lines().collect();
    assert_eq!(lines[1], "A1,甲公司");
    assert!(
        lines[2].starts_with("A2,") && lines[2].contains('\u{FFFD}'),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "A3,丙公司");
}

#[test]
fn undecodable_text_says_so() {
    assert_eq!(decode_csv(b"a\0b\0,\0c\0"), Err(CsvError::NulBytes));
    let junk: Vec<u8> = (0..40).flat_map(|_| [0x80u8, 0xFF, b'\n']).collect();
    assert_eq!(
        decode_csv(&junk),
        Err(CsvError::Undecodable { bad: 40, lines: 41 })
    );
    let e = IngestError::Csv {
        path: "a.csv".into(),
        reason: CsvError::NulBytes,
    };
    assert_eq!(
        e.to_string(),
        "a.csv: cannot read the CSV file: the text cannot be decoded: it holds NUL bytes (UTF-16 without a byte-order mark, or not a text file); save it from Excel/WPS as “CSV UTF-8（逗号分隔）”"
    );
}

#[test]
fn detects_comma_tab_semicolon_and_bar() {
    assert_eq!(
        detect_separator("申报编号,企业名称,金额\nA1,\"甲;公司\",\"30,000\"\n"),
        Some(b',')
    );
    assert_eq!(
        detect_separator("申报编号\t企业名称\t金额\nA1\t甲,公司\t30000\n"),
        Some(b'\t')
    );
    assert_eq!(
        detect_separator("标题\n申报编号;企业名称;金额\nA1;甲公司;30000,5\nA2;乙公司;1\n"),
        Some(b';')
    );
    assert_eq!(
        detect_separator("申报编号|企业名称\nA1|甲公司\n"),
        Some(b'|')
    );
    assert_eq!(detect_separator("申报编号\nA1\n"), None);
    let e = IngestError::Csv {
        path: "b.csv".into(),
        reason: CsvError::NoSeparator { encoding: "GBK" },
    };
    assert!(e.to_string().starts_with("b.csv: cannot read the CSV file: the lines cannot be split into columns: no comma, tab, semicolon or `|` separates fields (GBK)"), "{e}");
}

#[test]
fn a_damaged_cell_says_why() {
    assert_eq!(
        damaged_cell("乙\u{FFFD}司", CsvEncoding::Utf8),
        RawCell::Refused {
            shown: "乙\u{FFFD}司".into(),
            reason: "“乙\u{FFFD}司”含有无法按 UTF-8 解码的字节（可能混入了其他编码的文字，如 GBK）；请改正后另存为 UTF-8".into()
        }
    );
}
