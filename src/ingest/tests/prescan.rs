//! Unit tests of the pre-checks of `ingest::prescan`: the XML tag scanner, ods content,
//! OLE containers and BIFF streams, built here byte by byte.

use super::*;

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
