//! Hostile and broken input (issue 6): every file of `tests/corpus/files` gives the exit code
//! and message `tests/corpus/expected.toml` names, in bounded memory (a 4 GiB address-space
//! cap) and time (a timeout), never a panic or a crash; every row of a file that is read
//! ends in the ledger or in 数据错误. Property tests corrupt the cells of a valid batch, and
//! the bytes of workbooks, at random (they stand in for `cargo fuzz`, which needs nightly).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

use crate::cli::tmp;
use crate::common::{read_json, root};

/// Address space the binary may use (KiB): a bomb that got past the limits would abort here.
const MEMORY_CAP_KIB: u64 = 4 * 1024 * 1024;
/// Time one run may take.
const TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) struct Outcome {
    pub(crate) code: Option<i32>,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
}

/// Runs `subsidy run --out OUT FILE...` under the memory cap, killing it after the timeout.
pub(crate) fn run_capped(out: &Path, inputs: &[&Path]) -> Outcome {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_CAP_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_subsidy"))
        .args(["run", "--out"])
        .arg(out)
        .args(inputs)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("subsidy starts");
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::BufReader::new(stderr), &mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("subsidy ran over {TIMEOUT:?} on {inputs:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    Outcome {
        code: status.code(),
        stderr: reader.join().unwrap_or_default(),
        elapsed,
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct Expected {
    pub(crate) file: Vec<Case>,
}

#[derive(serde::Deserialize)]
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) exit: i32,
    pub(crate) message: String,
    pub(crate) rows: Option<u64>,
    /// Lines of exceptions.csv, when given.
    exceptions: Option<u64>,
    /// `申报编号=award` of payouts.csv lines, to the 分, when given: exactly the payout lines.
    #[serde(default)]
    payouts: Vec<String>,
    /// Texts the reasons of exceptions.csv must hold (each in at least one line).
    #[serde(default)]
    reasons: Vec<String>,
    /// `cell=value` of exceptions.csv lines: the value column shows what the cell holds.
    #[serde(default)]
    values: Vec<String>,
    /// Texts the manifest's skipped_sheets must hold (each in at least one entry).
    #[serde(default)]
    skipped: Vec<String>,
    pub(crate) what: String,
}

/// The ledger holds the exceptions and awards the case names.
pub(crate) fn assert_lines(out: &Path, case: &Case, label: &str) {
    if let Some(n) = case.exceptions {
        let text = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
        let got = csv::Reader::from_reader(text.as_bytes()).records().count() as u64;
        assert_eq!(got, n, "{label}: exceptions.csv lines:\n{text}");
    }
    if !case.reasons.is_empty() {
        let text = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
        for want in &case.reasons {
            assert!(
                text.contains(want.as_str()),
                "{label}: exceptions.csv should hold {want:?}:\n{text}"
            );
        }
    }
    if !case.values.is_empty() {
        let text = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
        let got: Vec<String> = csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap())
            .map(|r| format!("{}={}", &r[2], &r[4]))
            .collect();
        for want in &case.values {
            assert!(
                got.contains(want),
                "{label}: exceptions.csv should have the cell and value {want:?}: {got:?}"
            );
        }
    }
    if !case.skipped.is_empty() {
        let manifest = read_json(&out.join("manifest.json"));
        let listed: Vec<&str> = manifest["skipped_sheets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s.as_str())
            .collect();
        for want in &case.skipped {
            assert!(
                listed.iter().any(|s| s.contains(want.as_str())),
                "{label}: the manifest should list {want:?} as set aside: {listed:?}"
            );
        }
    }
    if case.payouts.is_empty() {
        return;
    }
    let text = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let kind = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "line_type")
        .unwrap();
    let mut awards: Vec<String> = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[kind] == "payout")
        .map(|r| format!("{}={}", &r[0], &r[4]))
        .collect();
    awards.sort();
    let mut want = case.payouts.clone();
    want.sort();
    assert_eq!(awards, want, "{label}: the payout lines of payouts.csv");
}

fn corpus() -> PathBuf {
    root().join("tests").join("corpus")
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(corpus().join("expected.toml"))
        .expect("tests/corpus/expected.toml");
    toml::from_str(&text).expect("expected.toml parses")
}

/// The ledger's totals: every row read is computed (a line of 发放明细 or 不予支持) or an
/// exception; `rows`, when given, is how many data rows the input holds.
pub(crate) fn assert_conserved(out: &Path, rows: Option<u64>, label: &str) -> serde_json::Value {
    let manifest = read_json(&out.join("manifest.json"));
    let t = &manifest["totals"];
    let (rows_in, computed, excepted) = (
        t["rows_in"].as_u64().unwrap(),
        t["rows_computed"].as_u64().unwrap(),
        t["rows_exception"].as_u64().unwrap(),
    );
    assert_eq!(
        rows_in,
        computed + excepted,
        "{label}: rows in = computed + exceptions: {t}"
    );
    if let Some(rows) = rows {
        assert_eq!(rows_in, rows, "{label}: every data row of the file is read");
    }
    let payouts = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    let lines = csv::Reader::from_reader(payouts.as_bytes())
        .records()
        .count() as u64;
    assert_eq!(
        lines, computed,
        "{label}: one payouts.csv line per computed row"
    );
    let exit = manifest["exit_code"].as_i64().unwrap();
    assert_eq!(
        exit == 1,
        excepted > 0,
        "{label}: exit 1 exactly when some row is an exception"
    );
    t.clone()
}

#[test]
fn every_corpus_file_gives_its_exit_code_and_message_in_bounded_memory_and_time() {
    let cases = expected().file;
    let files = corpus().join("files");
    let mut listed: Vec<String> = cases.iter().map(|c| c.name.clone()).collect();
    listed.sort();
    let mut present: Vec<String> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(
        listed, present,
        "expected.toml lists exactly the files of tests/corpus/files"
    );
    let dir = tmp("corpus");
    for case in &cases {
        let input = files.join(&case.name);
        let out = dir.join(&case.name);
        let o = run_capped(&out, &[&input]);
        let label = format!("{} ({})", case.name, case.what);
        assert_eq!(o.code, Some(case.exit), "{label}: {}", o.stderr);
        assert!(
            o.stderr.contains(&case.message),
            "{label}: message should contain {:?}: {}",
            case.message,
            o.stderr
        );
        assert!(
            o.elapsed < Duration::from_secs(20),
            "{label}: took {:?}",
            o.elapsed
        );
        if case.exit == 2 {
            // Nothing written, and the message names the file.
            assert!(!out.exists(), "{label}: exit 2 writes nothing");
            assert!(
                o.stderr.contains(&case.name),
                "{label}: the message names the file: {}",
                o.stderr
            );
        } else {
            assert_conserved(&out, case.rows, &label);
            assert_lines(&out, case, &label);
        }
    }
}

#[test]
fn one_bad_file_among_good_ones_stops_the_run_naming_it() {
    let files = corpus().join("files");
    let dir = tmp("corpus-mixed");
    let (good, bad) = (files.join("messy.ods"), files.join("zip_bomb.xlsx"));
    let o = run_capped(&dir.join("out"), &[&good, &bad]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr
            .contains("zip_bomb.xlsx: part `xl/worksheets/sheet1.xml` is compressed"),
        "{}",
        o.stderr
    );
    assert!(!dir.join("out").exists());
}

#[test]
fn a_file_over_200_mib_is_refused_before_it_is_read() {
    let dir = tmp("too-big");
    let path = dir.join("big.csv");
    // Sparse: no disk is used, and subsidy must not read it.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(200 * 1024 * 1024 + 1).unwrap();
    let o = run_capped(&dir.join("out"), &[&path]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("big.csv: the file is 209715201 bytes, more than the limit of 209715200 bytes; split the batch into smaller files"),
        "{}",
        o.stderr
    );
    assert!(o.elapsed < Duration::from_secs(5));
}

#[test]
fn the_corpus_script_writes_the_listed_files() {
    // The committed files are what the committed script writes (same names, same manifest).
    // Bytes are not compared: deflate output may differ between zlib builds.
    // python3 is required (CI has it; so does tools/): a missing tool fails here, never a silent pass.
    let status = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .status();
    assert!(
        status.as_ref().is_ok_and(|s| s.success()),
        "this test runs tests/corpus/make_corpus.py and needs python3 on PATH: {status:?}"
    );
    let dir = tmp("corpus-script");
    let script = corpus().join("make_corpus.py");
    let manifest_before = std::fs::read_to_string(corpus().join("expected.toml")).unwrap();
    let o = Command::new("python3")
        .arg(&script)
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest_after = std::fs::read_to_string(corpus().join("expected.toml")).unwrap();
    assert_eq!(
        manifest_before, manifest_after,
        "make_corpus.py and the committed expected.toml agree"
    );
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&dir), names(&corpus().join("files")));
}

// ---------------------------------------------------------------------------------------------
// Conservation under random corruption
// ---------------------------------------------------------------------------------------------

/// The header of tests/integration/history.rs.
const HEADER: [&str; 9] = [
    "申报编号",
    "统一社会信用代码",
    "企业名称",
    "所属旗县区",
    "申报年度",
    "申报条款编号",
    "固废综合利用量（吨）",
    "获得称号/认定名称",
    "项目实际完成投资额（元）",
];

fn credit_code(n: u32) -> String {
    let first = format!("91150100ABCDE{n:04}");
    let check =
        subsidy::domain::identity::credit_code_check_char(&first).expect("valid characters");
    format!("{first}{check}")
}

/// A valid row applying for one of the rules of history.rs.
fn valid_row(i: u32) -> Vec<String> {
    let (rule, waste, title, invest) = match i % 3 {
        0 => ("hohhot-2022-51-1-solid-waste-utilization", "150000", "", ""),
        1 => (
            "hohhot-2022-31-ip-enterprise-awards",
            "",
            "国家知识产权优势企业",
            "",
        ),
        _ => ("hohhot-2022-49-1-digital-energy-mgmt", "", "", "8000000"),
    };
    [
        format!("P{i}"),
        credit_code(i),
        format!("某公司{i}"),
        "新城区".into(),
        "2023".into(),
        rule.into(),
        waste.into(),
        title.into(),
        invest.into(),
    ]
    .to_vec()
}

/// What a cell may be turned into.
fn corruption() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(String::new())),
        1 => prop::sample::select(vec!["abc", "N/A", "#DIV/0!", "#N/A", "一百万", "１２３", "12万元", "1e400", "--5", " ", "\t", "是", "2023.2.30", "P0", "申报编号"])
            .prop_map(|s| Some(s.to_string())),
        1 => (30usize..80).prop_map(|n| Some("9".repeat(n))),
        1 => prop::sample::select(vec!["=1+1", "+5", "-3", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"y\")", "\t=cmd", "\r=1"]).prop_map(|s| Some(s.to_string())),
        1 => prop::sample::select(vec!["-100", "0", "0.001", "1,000,000", "a,b", "say \"hi\"", "line\nbreak"]).prop_map(|s| Some(s.to_string())),
    ]
}

fn csv_of(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

/// Cases per property: few by default (each case runs the binary); `HOSTILE_CASES=2000`
/// for a longer hunt.
fn cases(default: u32) -> u32 {
    std::env::var("HOSTILE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn next_case(dir: &Path) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let d = dir.join(
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            .to_string(),
    );
    std::fs::create_dir_all(&d).unwrap();
    d
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(24), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_row_is_computed_or_an_exception_under_random_corruption(
        corrupt in prop::collection::vec(prop::collection::vec(corruption(), 9), 1..7),
    ) {
        let rows: Vec<Vec<String>> = corrupt
            .iter()
            .enumerate()
            .map(|(i, cells)| valid_row(i as u32).into_iter().zip(cells).map(|(v, c)| c.clone().unwrap_or(v)).collect())
            .collect();
        let non_blank = rows.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count() as u64;
        let dir = next_case(&tmp("prop-corrupt"));
        let input = dir.join("in.csv");
        std::fs::write(&input, csv_of(&rows)).unwrap();
        let out = dir.join("out");
        let o = run_capped(&out, &[&input]);
        prop_assert!(matches!(o.code, Some(0) | Some(1)), "exit {:?}: {}", o.code, o.stderr);
        assert_conserved(&out, Some(non_blank), "corrupted batch");
    }
}

// ---------------------------------------------------------------------------------------------
// Corrupted workbook bytes: never a crash, a hang or a lost row
// ---------------------------------------------------------------------------------------------

fn zip_of(parts: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, stored) in parts {
        let method = if *stored {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        w.start_file(
            *name,
            zip::write::SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn sheet_xml(rows: &[Vec<String>]) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in std::iter::once(HEADER.map(String::from).to_vec())
        .chain(rows.iter().cloned())
        .enumerate()
    {
        s.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in row.iter().enumerate() {
            let at = format!("{}{}", subsidy::ingest::column_letters(c as u32), r + 1);
            match v.parse::<f64>() {
                Ok(_) if !v.is_empty() => s.push_str(&format!(r#"<c r="{at}"><v>{v}</v></c>"#)),
                _ => s.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t>{v}</t></is></c>"#
                )),
            }
        }
        s.push_str("</row>");
    }
    s.push_str("</sheetData></worksheet>");
    s
}

fn xlsx_with_sheet(sheet: &[u8]) -> Vec<u8> {
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let root = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let wb = format!(
        r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let wb_rels = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
    );
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
    zip_of(&[
        ("[Content_Types].xml", types.as_bytes(), false),
        ("_rels/.rels", root.as_bytes(), false),
        ("xl/workbook.xml", wb.as_bytes(), false),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes(), false),
        ("xl/worksheets/sheet1.xml", sheet, false),
    ])
}

/// An xlsx whose text cells are shared strings and whose 申报年度 cells carry a date style; the
/// shared strings and styles parts are mangled.
fn xlsx_with_shared_strings(
    rows: &[Vec<String>],
    edits: &[(prop::sample::Index, u8, u8)],
) -> Vec<u8> {
    let mut strings: Vec<String> = Vec::new();
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in std::iter::once(HEADER.map(String::from).to_vec())
        .chain(rows.iter().cloned())
        .enumerate()
    {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in row.iter().enumerate() {
            let at = format!("{}{}", subsidy::ingest::column_letters(c as u32), r + 1);
            if r > 0 && c == 4 {
                sheet.push_str(&format!(r#"<c r="{at}" s="1"><v>45000</v></c>"#));
                continue;
            }
            let i = strings.iter().position(|s| s == v).unwrap_or_else(|| {
                strings.push(v.clone());
                strings.len() - 1
            });
            sheet.push_str(&format!(r#"<c r="{at}" t="s"><v>{i}</v></c>"#));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let sst: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">{sst}</sst>"#,
        strings.len()
    );
    let styles = r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>"#;
    let (first, second) = edits.split_at(edits.len() / 2);
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let root = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let wb = format!(
        r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let wb_rels = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>"#
    );
    zip_of(&[
        ("_rels/.rels", root.as_bytes(), false),
        ("xl/workbook.xml", wb.as_bytes(), false),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes(), false),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes(), false),
        (
            "xl/sharedStrings.xml",
            &mangle(sst.into_bytes(), first),
            false,
        ),
        (
            "xl/styles.xml",
            &mangle(styles.as_bytes().to_vec(), second),
            false,
        ),
    ])
}

fn ods_with_content(content: &[u8]) -> Vec<u8> {
    let manifest = br#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#;
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
            true,
        ),
        ("META-INF/manifest.xml", manifest, false),
        ("content.xml", content, false),
    ])
}

fn ods_content(rows: &[Vec<String>]) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S">"#,
    );
    for row in std::iter::once(HEADER.map(String::from).to_vec()).chain(rows.iter().cloned()) {
        s.push_str("<table:table-row>");
        for v in row {
            s.push_str(&format!(r#"<table:table-cell office:value-type="string" table:number-columns-repeated="1"><text:p>{v}</text:p></table:table-cell>"#));
        }
        s.push_str("</table:table-row>");
    }
    s.push_str("</table:table></office:spreadsheet></office:body></office:document-content>");
    s
}

/// Flips, overwrites with XML-ish bytes, or cuts the bytes at the given positions.
fn mangle(mut bytes: Vec<u8>, edits: &[(prop::sample::Index, u8, u8)]) -> Vec<u8> {
    const NOISE: &[u8] = b"<>/\"'=&;:#x0 9\0\xff";
    for (at, kind, b) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = at.index(bytes.len());
        match kind % 4 {
            0 => bytes[i] ^= b | 1,
            1 => bytes[i] = NOISE[*b as usize % NOISE.len()],
            2 => bytes.insert(i, NOISE[*b as usize % NOISE.len()]),
            _ => bytes.truncate(i.max(1)),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(16), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn corrupted_workbooks_never_crash_hang_or_lose_rows(
        format in 0u8..6,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<u8>()), 1..6),
    ) {
        let rows: Vec<Vec<String>> = (0..4).map(valid_row).collect();
        let (name, bytes) = match format {
            // The sheet XML is mangled, then packed: calamine's XML handling is what is tested.
            0 => ("in.xlsx", xlsx_with_sheet(&mangle(sheet_xml(&rows).into_bytes(), &edits))),
            // The package itself is mangled: zip, central directory, deflate streams.
            1 => ("in.xlsx", mangle(xlsx_with_sheet(sheet_xml(&rows).as_bytes()), &edits)),
            2 => ("in.ods", ods_with_content(&mangle(ods_content(&rows).into_bytes(), &edits))),
            // The OLE container of the corpus .xls (header, FAT, directory, stream).
            3 => ("in.xls", mangle(std::fs::read(corpus().join("files").join("messy.xls")).unwrap(), &edits)),
            // Its BIFF records only (the stream starts after three 512-byte sectors and holds
            // 1,322 bytes before its padding); the length is kept so the container stays valid.
            4 => {
                let mut bytes = std::fs::read(corpus().join("files").join("messy.xls")).unwrap();
                let biff = mangle(bytes[1536..1536 + 1322].to_vec(), &edits);
                let n = biff.len().min(1322);
                bytes[1536..1536 + n].copy_from_slice(&biff[..n]);
                ("in.xls", bytes)
            }
            // Shared strings and styles (dates) of an xlsx.
            _ => ("in.xlsx", xlsx_with_shared_strings(&rows, &edits)),
        };
        let dir = next_case(&tmp("prop-bytes"));
        let input = dir.join(name);
        std::fs::write(&input, &bytes).unwrap();
        let out = dir.join("out");
        let o = run_capped(&out, &[&input]);
        prop_assert!(matches!(o.code, Some(0) | Some(1) | Some(2)), "exit {:?} (a crash?): {}", o.code, o.stderr);
        if o.code == Some(2) {
            prop_assert!(o.stderr.contains(name), "the message names the file: {}", o.stderr);
            if o.stderr.contains("the reader failed on this file") {
                // Caught, reported, but still a bug in a reader: say so in the test log.
                eprintln!("caught reader panic (format {format}): {}", o.stderr.lines().find(|l| l.contains("panicked at")).unwrap_or(""));
            }
            prop_assert!(!out.exists());
        } else {
            assert_conserved(&out, None, "corrupted workbook");
        }
    }
}
