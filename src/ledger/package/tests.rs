use std::io::{Cursor, Read};

use rust_xlsxwriter::{Format, Workbook};

use super::*;

/// A workbook of three sheets; `rows_in` says which sheets get their rows.
fn book(rows_in: &[usize]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let money = Format::new().set_num_format("#,##0.00");
    wb.register_format(&money);
    for s in 0..3usize {
        let ws = wb
            .add_worksheet_with_constant_memory()
            .expect("a sheet")
            .set_name(format!("表{s}"))
            .expect("a name");
        ws.write_string(0, 0, "申报编号").expect("a header");
        if rows_in.contains(&s) {
            for r in 1..200u32 {
                ws.write_string(r, 0, format!("HH2023-{r:05}-{s}"))
                    .expect("a cell");
                ws.write_number_with_format(r, 1, f64::from(r) * 1.25, &money)
                    .expect("a cell");
            }
            ws.autofilter(0, 0, 199, 1).expect("a filter");
        } else if s > 0 {
            // The filter's defined name is in workbook.xml, which the main workbook gives.
            ws.autofilter(0, 0, 199, 1).expect("a filter");
        }
    }
    wb.save_to_buffer().expect("saved")
}

/// Assembles packages given as (what, bytes, parts taken).
fn assemble_from(
    given: Vec<(&'static str, Vec<u8>, Vec<&str>)>,
    out: &mut dyn std::io::Write,
) -> Result<(), PackageError> {
    let mut readers: Vec<Cursor<Vec<u8>>> =
        given.iter().map(|g| Cursor::new(g.1.clone())).collect();
    let sources = given
        .iter()
        .zip(readers.iter_mut())
        .map(|((what, _, parts), reader)| Source {
            what,
            reader,
            parts: parts.iter().map(|p| p.to_string()).collect(),
        })
        .collect();
    assemble(sources, out)
}

#[test]
fn sheets_saved_apart_make_the_package_a_single_save_makes_byte_for_byte() {
    let whole = book(&[0, 1, 2]);
    let mut out = Vec::new();
    assemble_from(
        vec![
            ("the main workbook", book(&[0]), vec![]),
            ("the lines", book(&[1]), vec!["xl/worksheets/sheet2.xml"]),
            ("the steps", book(&[2]), vec!["xl/worksheets/sheet3.xml"]),
        ],
        &mut out,
    )
    .expect("assembled");
    assert_eq!(out.len(), whole.len());
    assert!(
        out == whole,
        "the assembled package differs from a single save"
    );
    // And it reads back: the second sheet's rows are there.
    let mut zip = zip::ZipArchive::new(Cursor::new(out)).expect("a zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet2.xml")
        .expect("sheet2")
        .read_to_string(&mut xml)
        .expect("text");
    assert!(xml.contains("HH2023-00199-1"), "{xml}");
}

#[test]
fn without_the_side_sheets_the_package_is_not_the_single_save() {
    // The check above can fail: the main workbook alone lacks the rows.
    let mut out = Vec::new();
    assemble_from(vec![("the main workbook", book(&[0]), vec![])], &mut out).expect("assembled");
    assert!(out != book(&[0, 1, 2]));
    assert_eq!(out, book(&[0]));
}

#[test]
fn a_part_a_source_lacks_is_named() {
    let err = assemble_from(
        vec![
            ("the main workbook", book(&[0]), vec![]),
            (
                "the steps",
                b"PK".repeat(20),
                vec!["xl/worksheets/sheet3.xml"],
            ),
        ],
        &mut Vec::new(),
    )
    .expect_err("not a package");
    assert_eq!(
        err.to_string(),
        "cannot assemble ledger.xlsx: the steps is not a package this program wrote (no end record at its end)"
    );
    let err = assemble_from(
        vec![
            ("the main workbook", book(&[0]), vec![]),
            (
                "the steps",
                book(&[]),
                vec!["xl/worksheets/sheet9.xml", "xl/worksheets/sheet3.xml"],
            ),
        ],
        &mut Vec::new(),
    );
    // sheet9.xml is not in the main workbook: nothing asks for it; sheet3.xml is there.
    assert!(err.is_ok());
    let mut two = zip::ZipWriter::new(Cursor::new(Vec::new()));
    two.start_file("xl/workbook.xml", zip::write::SimpleFileOptions::default())
        .expect("a part");
    let two = two.finish().expect("a zip").into_inner();
    let err = assemble_from(
        vec![
            ("the main workbook", book(&[0]), vec![]),
            ("the steps", two, vec!["xl/worksheets/sheet3.xml"]),
        ],
        &mut Vec::new(),
    )
    .expect_err("no such part");
    assert_eq!(
        err.to_string(),
        "cannot assemble ledger.xlsx: the steps has no part xl/worksheets/sheet3.xml"
    );
}

/// A disk that is full.
struct Full;

impl std::io::Write for Full {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("no space left on device"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_disk_that_fails_is_named() {
    let err = assemble_from(vec![("the main workbook", book(&[0]), vec![])], &mut Full)
        .expect_err("the disk is full");
    assert_eq!(
        err.to_string(),
        "cannot assemble ledger.xlsx: no space left on device"
    );
}
