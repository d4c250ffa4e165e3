//! Unit tests of the xlsb format and merge records: percent codes told from quoted ones, cell
//! style formats kept apart from cell formats, positions as calamine yields them, and each
//! damaged record an error with its message.
use super::*;

/// A record: its type and length as variable-length integers, then its body.
fn rec(typ: u16, body: &[u8]) -> Vec<u8> {
    let mut v = if typ < 0x80 {
        vec![typ as u8]
    } else {
        vec![(typ & 0x7F) as u8 | 0x80, (typ >> 7) as u8]
    };
    let mut len = body.len();
    loop {
        let b = (len & 0x7F) as u8;
        len >>= 7;
        if len == 0 {
            v.push(b);
            break;
        }
        v.push(b | 0x80);
    }
    v.extend(body);
    v
}

fn fmt(id: u16, code: &str) -> Vec<u8> {
    let units: Vec<u16> = code.encode_utf16().collect();
    let mut b = id.to_le_bytes().to_vec();
    b.extend((units.len() as u32).to_le_bytes());
    b.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    rec(BRT_FMT, &b)
}

fn xf(ifmt: u16) -> Vec<u8> {
    let mut b = vec![0u8; 16];
    b[2..4].copy_from_slice(&ifmt.to_le_bytes());
    rec(BRT_XF, &b)
}

/// A styles part: custom codes 164 `0.00%`, 165 `"%"0`, 166 `0.0`; one cell style format of
/// the built-in `0%` (not a cell's format); cell formats of 0, 9, 164, 165, 10, 166.
fn styles() -> Vec<u8> {
    let mut s = rec(0x0116, &[]); // BrtBeginStyleSheet
    s.extend(rec(0x0267, &3u32.to_le_bytes())); // BrtBeginFmts
    s.extend(fmt(164, "0.00%"));
    s.extend(fmt(165, "\"%\"0"));
    s.extend(fmt(166, "0.0"));
    s.extend(rec(0x0268, &[]));
    s.extend(rec(0x0272, &1u32.to_le_bytes())); // BrtBeginCellStyleXFs
    s.extend(xf(9));
    s.extend(rec(0x0273, &[]));
    s.extend(rec(BRT_BEGIN_CELL_XFS, &6u32.to_le_bytes()));
    for id in [0, 9, 164, 165, 10, 166] {
        s.extend(xf(id));
    }
    s.extend(rec(BRT_END_CELL_XFS, &[]));
    s.extend(rec(0x0117, &[]));
    s
}

fn row(r: u32) -> Vec<u8> {
    let mut b = r.to_le_bytes().to_vec();
    b.extend([0u8; 13]);
    rec(BRT_ROW_HDR, &b)
}

/// A BrtCellReal at `col` in cell format `style`.
fn real(col: u32, style: u32, v: f64) -> Vec<u8> {
    let mut b = col.to_le_bytes().to_vec();
    b.extend(style.to_le_bytes());
    b.extend(v.to_le_bytes());
    rec(0x0005, &b)
}

fn merge_cell(r0: u32, r1: u32, c0: u32, c1: u32) -> Vec<u8> {
    let b: Vec<u8> = [r0, r1, c0, c1]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    rec(BRT_MERGE_CELL, &b)
}

/// A sheet part: rows 1 and 3 with cells in formats 0–5, then BrtEndSheetData and the merged
/// ranges A2:A4 and C2:D2.
fn sheet(extra_cells: &[u8], merges: &[u8]) -> Vec<u8> {
    let mut s = rec(0x0081, &[]); // BrtBeginSheet
    s.extend(rec(0x0094, &[0; 16])); // BrtWsDim
    s.extend(rec(0x0091, &[])); // BrtBeginSheetData
    s.extend(row(1));
    for (col, style) in [(0, 0), (1, 1), (2, 2), (3, 3)] {
        s.extend(real(col, style, 0.03));
    }
    s.extend(row(3));
    s.extend(real(0, 4, 0.0125));
    s.extend(real(1, 5, 3.0));
    s.extend(extra_cells);
    s.extend(rec(BRT_END_SHEET_DATA, &[]));
    s.extend(rec(0x00B1, &2u32.to_le_bytes())); // BrtBeginMergeCells
    s.extend(merges);
    s.extend(rec(0x00B2, &[]));
    s.extend(rec(0x0082, &[])); // BrtEndSheet
    s
}

fn two_merges() -> Vec<u8> {
    let mut m = merge_cell(1, 3, 0, 0);
    m.extend(merge_cell(1, 1, 2, 3));
    m
}

#[test]
fn percent_codes_are_read_from_cell_formats_not_cell_style_formats() {
    assert_eq!(
        percent_formats(&styles()),
        Ok(Some(vec![false, true, true, false, true, false]))
    );
    // A styles part without a cell format list: no format known.
    assert_eq!(percent_formats(&fmt(164, "0%")), Ok(None));
}

#[test]
fn percent_cells_and_merged_ranges_are_placed_by_row_header_and_column() {
    let formats = percent_formats(&styles()).unwrap().unwrap();
    let marks = sheet_marks(&sheet(&[], &two_merges()), Some(&formats)).unwrap();
    let mut cells: Vec<(u32, u32)> = marks.percent.iter().copied().collect();
    cells.sort_unstable();
    // 0.00% and built-in 0% / 0.00%; the quoted "%"0 and 0.0 are not percents.
    assert_eq!(cells, [(1, 1), (1, 2), (3, 0)]);
    let ranges: Vec<String> = marks.merges.iter().map(Merge::range).collect();
    assert_eq!(ranges, ["A2:A4", "C2:D2"]);
    // Without a cell format list nothing is a percent, and no format is checked.
    let plain = sheet_marks(&sheet(&real(9, 77, 1.0), &two_merges()), None).unwrap();
    assert!(plain.percent.is_empty());
    assert_eq!(plain.merges.len(), 2);
}

#[test]
fn a_cell_naming_a_cell_format_past_the_list_is_an_error() {
    let formats = percent_formats(&styles()).unwrap().unwrap();
    let err = sheet_marks(&sheet(&real(4, 6, 1.0), &[]), Some(&formats)).unwrap_err();
    assert_eq!(
        err,
        XlsbRecordError::StyleOutOfRange {
            cell: "E4".into(),
            style: 6,
            count: 6
        }
    );
    assert_eq!(
        err.to_string(),
        "cell E4 uses cell format 6, but xl/styles.bin defines 6"
    );
}

#[test]
fn a_merged_range_cut_short_is_an_error() {
    let mut merges = merge_cell(1, 3, 0, 0);
    let cut_at = sheet(&[], &merges).len() - 6; // where the second one starts
    merges.extend(rec(BRT_MERGE_CELL, &[1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]));
    let err = sheet_marks(&sheet(&[], &merges), None).unwrap_err();
    assert_eq!(
        err,
        XlsbRecordError::Short {
            name: "BrtMergeCell",
            at: cut_at,
            len: 12,
            need: 16
        }
    );
    assert_eq!(
        err.to_string(),
        format!("record BrtMergeCell at byte {cut_at} holds 12 bytes, fewer than the 16 it needs")
    );
}

#[test]
fn a_part_ending_inside_a_record_is_an_error() {
    let mut part = sheet(&[], &two_merges());
    let len = part.len();
    part.truncate(len - 10); // inside the second BrtMergeCell
    let err = sheet_marks(&part, None).unwrap_err();
    assert!(matches!(err, XlsbRecordError::Cut { .. }), "{err:?}");
    let XlsbRecordError::Cut { at } = err else {
        unreachable!()
    };
    assert_eq!(
        err.to_string(),
        format!("the record at byte {at} runs past the end of the part")
    );
    let mut styles = styles();
    styles.truncate(40);
    assert!(matches!(
        percent_formats(&styles),
        Err(XlsbRecordError::Cut { .. })
    ));
}

#[test]
fn short_format_records_are_errors() {
    let mut b = 164u16.to_le_bytes().to_vec();
    b.extend(5u32.to_le_bytes());
    b.extend([b'0', 0, b'%', 0]); // two of the five characters
    let err = percent_formats(&rec(BRT_FMT, &b)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "record BrtFmt at byte 0 holds 10 bytes, fewer than the 16 it needs"
    );
    let mut s = rec(BRT_BEGIN_CELL_XFS, &1u32.to_le_bytes());
    s.extend(rec(BRT_XF, &[0, 0, 9, 0]));
    assert!(matches!(
        percent_formats(&s),
        Err(XlsbRecordError::Short {
            name: "BrtXF",
            len: 4,
            need: 16,
            ..
        })
    ));
}

#[test]
fn inverted_ranges_and_rows_past_the_sheet_are_errors() {
    let err = sheet_marks(&sheet(&[], &merge_cell(3, 1, 0, 0)), None).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the merged range A4:A2 at byte "),
        "{err}"
    );
    assert!(err.to_string().ends_with(" ends before it starts"), "{err}");
    let err = sheet_marks(&sheet(&row(1 << 20), &[]), None).unwrap_err();
    assert!(err.to_string().starts_with("row 1048577 at byte "), "{err}");
    assert!(
        err.to_string()
            .ends_with(" is past the last row a sheet can hold (1048576)"),
        "{err}"
    );
    let err = sheet_marks(&sheet(&[], &merge_cell(0, u32::MAX, 0, 0)), None).unwrap_err();
    assert!(matches!(
        err,
        XlsbRecordError::RowOutOfRange {
            row: 4294967296,
            ..
        }
    ));
}
