//! The .xlsb records calamine would panic on are refused before it opens the package, with
//! the part and record named; a whole package reads as before. Found by the fuzz targets
//! `xlsb` and `parts` (issue 12).

use std::io::{Cursor, Write};
use std::path::Path;

use super::*;
use crate::ingest::{read_workbook, Batch, Handoff, IngestError, Limits, RawRow};

/// A record: type and length as calamine's 7-bit varints, then the body.
fn rec(typ: u16, body: &[u8]) -> Vec<u8> {
    let mut out = if typ < 0x80 {
        vec![typ as u8]
    } else {
        vec![(typ & 0x7F) as u8 | 0x80, (typ >> 7) as u8]
    };
    let mut n = body.len();
    loop {
        let b = (n & 0x7F) as u8;
        n >>= 7;
        out.push(if n > 0 { b | 0x80 } else { b });
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(body);
    out
}

fn wide_of(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut out = (units.len() as u32).to_le_bytes().to_vec();
    out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    out
}

fn cell(col: u32, rest: &[u8]) -> Vec<u8> {
    let mut out = col.to_le_bytes().to_vec();
    out.extend([0; 4]);
    out.extend_from_slice(rest);
    out
}

const RELS: &str = r#"<Relationships><Relationship Id="rId1" Type="w" Target="worksheets/sheet1.bin"/></Relationships>"#;

fn sst(strings: &[&str]) -> Vec<u8> {
    let n = (strings.len() as u32).to_le_bytes();
    let mut out = rec(0x9F, &[n, n].concat());
    for s in strings {
        out.extend(rec(0x13, &[&[0u8][..], &wide_of(s)].concat()));
    }
    out
}

fn workbook(extra: &[u8]) -> Vec<u8> {
    let mut out = rec(0x83, &[]);
    let body = [&[0u8; 8][..], &wide_of("rId1"), &wide_of("申报表")].concat();
    out.extend(rec(0x9C, &body));
    out.extend(rec(0x90, &[]));
    out.extend_from_slice(extra);
    out.extend(rec(0x9D, &[0; 8]));
    out
}

/// A sheet with the header 申报编号, 企业名称 (shared strings 0, 1) and the cell records `cells`
/// in row 1.
fn sheet(cells: &[u8]) -> Vec<u8> {
    let mut out = rec(0x81, &[]);
    out.extend(rec(0x94, &[0; 16]));
    out.extend(rec(0x91, &[]));
    out.extend(rec(0x00, &[0; 17]));
    out.extend(rec(0x07, &cell(0, &0u32.to_le_bytes())));
    out.extend(rec(0x07, &cell(1, &1u32.to_le_bytes())));
    out.extend(rec(0x00, &[&1u32.to_le_bytes()[..], &[0; 13]].concat()));
    out.extend_from_slice(cells);
    out.extend(rec(0x92, &[]));
    out
}

fn parts(workbook: Vec<u8>, sheet: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    vec![
        ("xl/workbook.bin".into(), workbook),
        (
            "xl/_rels/workbook.bin.rels".into(),
            RELS.as_bytes().to_vec(),
        ),
        (
            "xl/sharedStrings.bin".into(),
            sst(&["申报编号", "企业名称", "A-1", "某公司"]),
        ),
        ("xl/worksheets/sheet1.bin".into(), sheet),
    ]
}

fn checked(parts: &[(String, Vec<u8>)]) -> Result<(), Refusal> {
    check(&mut |name: &str| {
        parts
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, b)| b.clone())
    })
}

fn package(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, data) in parts {
        w.start_file(name.as_str(), options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Reads a package as a run does, without the guard a run has around a reader (a panic
/// fails the test); the rows read.
fn read(bytes: &[u8]) -> Result<usize, IngestError> {
    let vocab = crate::ingest::tests::vocab();
    let mut batch = Batch::default();
    let mut rows = 0;
    let mut sink = |_: &Batch, _: RawRow| rows += 1;
    let mut to = Handoff {
        sink: &mut sink,
        filter: None,
    };
    let path = Path::new("f.xlsb");
    read_workbook(
        bytes,
        path,
        0,
        &vocab,
        &mut batch,
        &Limits::default(),
        &mut to,
    )?;
    Ok(rows)
}

fn good_cell() -> Vec<u8> {
    [
        rec(0x07, &cell(0, &2u32.to_le_bytes())),
        rec(0x07, &cell(1, &3u32.to_le_bytes())),
    ]
    .concat()
}

#[test]
fn a_whole_package_passes_and_reads() {
    let p = parts(workbook(&[]), sheet(&good_cell()));
    assert_eq!(checked(&p), Ok(()));
    assert_eq!(read(&package(&p)).unwrap(), 1);
}

/// Before: calamine's `XlsbCellsReader::next_cell` panicked (`strings[isst]` out of bounds).
#[test]
fn a_shared_string_index_past_the_table_is_refused() {
    let p = parts(
        workbook(&[]),
        sheet(&rec(0x07, &cell(0, &7u32.to_le_bytes()))),
    );
    assert_eq!(
        read(&package(&p)).unwrap_err().to_string(),
        "f.xlsb: the file is damaged or is not a workbook (xl/worksheets/sheet1.bin: a cell (BrtCellIsst) names shared string 7, but the table holds 4); open it in Excel or WPS and save it again as .xlsx (文件 → 另存为)"
    );
}

/// Before: `XlsbCellsReader::new` panicked on `&buf[..16]`; `Xlsb::new` on `buf[8..len]`
/// (BrtBundleSh), `relationships[id]`, `buf[4..8]` (BrtBeginSst) and a defined name's formula.
#[test]
fn records_shorter_than_calamine_reads_are_refused_with_part_and_record() {
    let mut short_dim = rec(0x81, &[]);
    short_dim.extend(rec(0x94, &[0; 6]));
    let p = parts(workbook(&[]), short_dim);
    assert_eq!(
        checked(&p),
        Err("xl/worksheets/sheet1.bin: a BrtWsDim record of 6 bytes, shorter than the 16 it must hold".into())
    );
    let mut wb = rec(0x9C, &[0; 10]);
    wb.extend(rec(0x90, &[]));
    let p = parts(wb, sheet(&good_cell()));
    assert_eq!(
        checked(&p),
        Err(
            "xl/workbook.bin: a BrtBundleSh record of 10 bytes, shorter than the 12 it must hold"
                .into()
        )
    );
    let body = [&[0u8; 8][..], &wide_of("rId9"), &wide_of("x")].concat();
    let p = parts(
        [rec(0x9C, &body), rec(0x90, &[])].concat(),
        sheet(&good_cell()),
    );
    assert_eq!(
        checked(&p),
        Err("xl/workbook.bin: a sheet names the relationship “rId9”, which xl/_rels/workbook.bin.rels does not hold".into())
    );
    let mut p = parts(workbook(&[]), sheet(&good_cell()));
    p[2].1 = rec(0x9F, &[2, 0]);
    assert_eq!(
        checked(&p),
        Err("xl/sharedStrings.bin: a BrtBeginSst record of 2 bytes, shorter than the 8 it must hold".into())
    );
    // A defined name whose formula refers to external sheet 0 of none (PtgRef3d).
    let rgce = [0x3A, 0, 0, 0, 0, 0, 0, 0, 0];
    let name = [
        &[0u8; 9][..],
        &wide_of("n"),
        &(rgce.len() as u32).to_le_bytes(),
        &rgce,
    ]
    .concat();
    let p = parts(workbook(&rec(0x27, &name)), sheet(&good_cell()));
    assert_eq!(
        checked(&p),
        Err("xl/workbook.bin: a defined name's formula (BrtName) names an external sheet the workbook does not list".into())
    );
    let e = read(&package(&p)).unwrap_err();
    assert!(matches!(e, IngestError::Damaged { .. }), "{e}");
}

#[test]
fn formulas_are_followed_token_by_token() {
    // 1 + 2: PtgInt, PtgInt, PtgAdd.
    assert_eq!(formula_fits(&[0x1E, 1, 0, 0x1E, 2, 0, 0x03], 0), Ok(()));
    assert_eq!(formula_fits(&[0x1E, 1], 0), Err("is cut short"));
    assert_eq!(formula_fits(&[0x17, 2, 0, b'a', 0], 0), Err("is cut short"));
    assert_eq!(formula_fits(&[0x19], 0), Err("is cut short"));
    // PtgFunc with index 485: calamine's bound check lets it through to FTAB_ARGC[485].
    assert_eq!(
        formula_fits(&[0x21, 0xE5, 0x01], 0),
        Err("calls a function past calamine's table")
    );
    assert_eq!(formula_fits(&[0x3A, 0, 0, 0, 0, 0, 0, 0, 0], 1), Ok(()));
}

#[test]
fn styles_and_external_sheets_are_read_with_calamines_buffer() {
    // BrtBeginCellXFs counting one BrtXF of 2 bytes: calamine reads buf[2..4].
    let styles = [rec(0x269, &1u32.to_le_bytes()), rec(0x2F, &[0, 0])].concat();
    let mut p = parts(workbook(&[]), sheet(&good_cell()));
    p.push(("xl/styles.bin".into(), styles));
    assert_eq!(
        checked(&p),
        Err("xl/styles.bin: a BrtXF record of 2 bytes, shorter than the 4 it must hold".into())
    );
    // BrtExternSheet counting two entries but holding one and a half.
    let ext = [&2u32.to_le_bytes()[..], &[0; 18]].concat();
    let p = parts(workbook(&rec(0x16A, &ext)), sheet(&good_cell()));
    assert_eq!(
        checked(&p),
        Err("xl/workbook.bin: a BrtExternSheet record of 22 bytes, shorter than the 28 it must hold".into())
    );
}
