//! Long texts and names (issue 12, item 10): a text longer than a worksheet cell holds and a
//! sheet name longer than Excel's 31 characters never fail the batch; the ledger shows the
//! start of the text with a marker, the CSV keeps it whole.

use std::io::Write;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::cli::{run_into, stderr, subsidy, tmp};

// A reviewed row (审核结论 and 首次 are 是), so its line is a payout in 发放明细, not 待审核.
const HEADER: &str = "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,固定资产投资额（万元）,是否符合申报条件（审核结论）,是否首次/新获认定";
const ROW: &str =
    "A1,91350100M000100Y43,某公司,新城区,2023,hohhot-2022-13-investment-award,\"30,000\",是,是";

fn sheet(path: &Path, name: &str) -> calamine::Range<Data> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    wb.worksheet_range(name).unwrap()
}

/// The column of `header` in a sheet's first row.
fn column(range: &calamine::Range<Data>, header: &str) -> usize {
    range
        .rows()
        .next()
        .unwrap()
        .iter()
        .position(|c| *c == header)
        .unwrap()
}

#[test]
fn other_columns_longer_than_a_cell_are_cut_in_the_ledger_not_the_batch() {
    let dir = tmp("long-extras");
    let input = dir.join("in.csv");
    // Two columns no field binds, 20,000 characters each: 其他列 joins them past 32,767.
    let long = "备".repeat(20_000);
    std::fs::write(
        &input,
        format!("{HEADER},附注一,附注二\n{ROW},{long},{long}\n"),
    )
    .unwrap();
    let out = dir.join("out");
    let o = run_into(&out, &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let details = sheet(&out.join("ledger.xlsx"), "发放明细");
    let extras = details.rows().nth(1).unwrap()[column(&details, "其他列")].to_string();
    assert_eq!(extras.encode_utf16().count(), 32_767);
    assert!(
        extras.ends_with("备…（已截断，全文见输入文件）"),
        "{}",
        &extras[extras.len() - 80..]
    );
    let csv = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    assert!(
        csv.lines().nth(1).unwrap().contains(",6000000.00,"),
        "{csv}"
    );
    // The ledger still verifies: its codes were taken over what it shows.
    let v = subsidy(&["verify", out.join("ledger.xlsx").to_str().unwrap()]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        stderr(&v)
    );
}

/// An `.ods` of one sheet named `name` with the given rows of text cells.
fn ods(path: &Path, name: &str, rows: &[&[&str]]) {
    let mut table = format!(r#"<table:table table:name="{name}">"#);
    for row in rows {
        table.push_str("<table:table-row>");
        for cell in *row {
            table.push_str(&format!(r#"<table:table-cell office:value-type="string"><text:p>{cell}</text:p></table:table-cell>"#));
        }
        table.push_str("</table:table-row>");
    }
    table.push_str("</table:table>");
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{table}</office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    w.start_file("META-INF/manifest.xml", stored).unwrap();
    w.write_all(manifest.as_bytes()).unwrap();
    w.start_file("content.xml", stored).unwrap();
    w.write_all(content.as_bytes()).unwrap();
    w.finish().unwrap();
}

#[test]
fn a_sheet_name_longer_than_31_characters_is_shown_whole() {
    let dir = tmp("long-sheet-name");
    let input = dir.join("in.ods");
    // 40 characters: more than an Excel sheet name may hold; LibreOffice allows it.
    let name = "呼和浩特市新城区二〇二三年度工业和信息化专项资金申报汇总表附件一（第一批）申报企业";
    assert!(name.chars().count() > 31);
    let header: Vec<&str> = HEADER.split(',').collect();
    ods(
        &input,
        name,
        &[
            &header,
            &[
                "A1",
                "91350100M000100Y43",
                "某公司",
                "新城区",
                "2023",
                "hohhot-2022-13-investment-award",
                "三万",
            ],
        ],
    );
    let out = dir.join("out");
    let o = run_into(&out, &input);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let errors = sheet(&out.join("ledger.xlsx"), "数据错误");
    let row = errors.rows().nth(1).unwrap();
    assert_eq!(row[column(&errors, "工作表")].to_string(), name);
    let csv = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    assert!(csv.contains(name), "{csv}");
}
