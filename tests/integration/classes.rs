//! Issue 12's classes of messy input, each with its fixtures (`tests/corpus/classes.toml`):
//! the table is checked against the corpus (every item has a class, every class a first
//! fixture and a variant, every fixture exists and is run with its expected results); the
//! workbooks made by hand in LibreOffice (`tests/corpus/libreoffice`) and an input folder as
//! clerks collect them (written at test time) are run end to end.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::tmp;
use crate::common::{read_json, root};
use crate::hostile::{assert_conserved, assert_lines, run_capped, Expected};

#[derive(serde::Deserialize)]
struct Classes {
    class: Vec<Class>,
}

#[derive(serde::Deserialize)]
struct Class {
    item: u32,
    name: String,
    fixtures: Vec<String>,
}

fn corpus() -> PathBuf {
    root().join("tests").join("corpus")
}

fn expected(dir: &Path) -> Expected {
    let path = dir.join("expected.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Why a fixture named in classes.toml does not stand, if it does not.
fn missing(fixture: &str) -> Option<String> {
    if fixture == "folder" {
        return None;
    }
    if let Some(test) = fixture.strip_prefix("test:") {
        let Some((file, name)) = test.split_once("::") else {
            return Some(format!("{fixture}: write test:PATH::NAME"));
        };
        let text = std::fs::read_to_string(root().join(file)).unwrap_or_default();
        return (!text.contains(&format!("fn {name}(")))
            .then(|| format!("no test {name} in {file}"));
    }
    let Some((dir, name)) = fixture.split_once('/') else {
        return Some(format!(
            "{fixture}: write files/, libreoffice/ or parquet/ NAME"
        ));
    };
    if !corpus().join(fixture).is_file() {
        return Some(format!("no file tests/corpus/{fixture}"));
    }
    let checked = match dir {
        // tests/corpus/expected.toml lists files/; libreoffice/ has its own.
        "files" => expected(&corpus()).file.iter().any(|c| c.name == name),
        "libreoffice" => expected(&corpus().join(dir))
            .file
            .iter()
            .any(|c| c.name == name),
        "parquet" => std::fs::read_to_string(root().join("tests/integration/readers.rs"))
            .is_ok_and(|t| t.contains(name)),
        _ => false,
    };
    (!checked).then(|| format!("tests/corpus/{fixture} is run by no expected.toml or test"))
}

#[test]
fn every_class_of_messy_input_has_a_fixture_and_a_variant() {
    let text = std::fs::read_to_string(corpus().join("classes.toml")).unwrap();
    let classes: Classes = toml::from_str(&text).expect("classes.toml parses");
    let mut problems = Vec::new();
    for item in 1..=15 {
        if !classes.class.iter().any(|c| c.item == item) {
            problems.push(format!("issue 12 item {item} has no class"));
        }
    }
    for c in &classes.class {
        if c.fixtures.len() < 2 {
            problems.push(format!(
                "item {} “{}”: a fixture and a variant are needed",
                c.item, c.name
            ));
        }
        for f in &c.fixtures {
            if let Some(why) = missing(f) {
                problems.push(format!("item {} “{}”: {why}", c.item, c.name));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The fixture check refuses what it should: a file or a test that is not there, a file that
/// nothing runs, a name that is no fixture.
#[test]
fn the_class_check_refuses_a_missing_fixture() {
    assert_eq!(
        missing("files/no_such_file.xlsx").as_deref(),
        Some("no file tests/corpus/files/no_such_file.xlsx")
    );
    assert_eq!(
        missing("test:tests/integration/classes.rs::no_such_test").as_deref(),
        Some("no test no_such_test in tests/integration/classes.rs")
    );
    assert_eq!(
        missing("libreoffice/make_fods.py").as_deref(),
        Some("tests/corpus/libreoffice/make_fods.py is run by no expected.toml or test")
    );
    assert_eq!(
        missing("classes.toml").as_deref(),
        Some("classes.toml: write files/, libreoffice/ or parquet/ NAME")
    );
    assert_eq!(missing("files/messy.xlsx"), None);
}

/// Workbooks laid out by hand and saved by LibreOffice Calc: each gives its exit code, payouts
/// to the 分, exceptions and the rows set aside; every .fods source has its saved workbook.
#[test]
fn libreoffice_made_workbooks_give_their_payouts_and_list_what_they_skip() {
    let dir = corpus().join("libreoffice");
    let cases = expected(&dir).file;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".fods") {
            let saved = format!("{stem}.xlsx");
            assert!(
                cases.iter().any(|c| c.name == saved),
                "{name}: its saved {saved} is listed in libreoffice/expected.toml"
            );
        }
    }
    let out_dir = tmp("classes-libreoffice");
    for case in &cases {
        let out = out_dir.join(&case.name);
        let o = run_capped(&out, &[&dir.join(&case.name)]);
        let label = format!("libreoffice/{} ({})", case.name, case.what);
        assert_eq!(o.code, Some(case.exit), "{label}: {}", o.stderr);
        assert!(o.stderr.contains(&case.message), "{label}: {}", o.stderr);
        assert_conserved(&out, case.rows, &label);
        assert_lines(&out, case, &label);
    }
}

/// An input folder as clerks collect it (`make_corpus.py --folder`): the sub-folder's file is
/// read with the others, and each file not read is listed with its reason.
#[test]
fn an_input_folder_reads_its_sub_folders_and_lists_every_file_it_does_not_read() {
    let dir = tmp("classes-folder");
    let input = dir.join("in");
    let o = Command::new("python3")
        .arg(corpus().join("make_corpus.py"))
        .arg("--folder")
        .arg(&input)
        .output()
        .expect("python3 runs (needed by the corpus tests)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.join("out");
    let run = run_capped(&out, &[&input]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let payouts = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    let awards: Vec<String> = csv::Reader::from_reader(payouts.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .map(|r| format!("{}={}", &r[0], &r[4]))
        .collect();
    assert_eq!(
        awards,
        ["FA0=6000000.00", "FA1=6000200.00", "FB0=6000000.00"]
    );
    let text = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    let not_read: Vec<(String, String)> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .map(|r| {
            let path = Path::new(&r[0])
                .strip_prefix(&input)
                .unwrap()
                .display()
                .to_string();
            (path, r[5].to_string())
        })
        .collect();
    let want = [
        ("~$一季度.xlsx", "Office/WPS 锁定文件（~$ 开头，工作簿打开时产生），不是申报数据；未读入"),
        ("二季度/申报表.et", "WPS 表格 .et 格式，本工具不能读取；请在 WPS 中另存为 .xlsx 后放回文件夹"),
        ("二季度/返回上级", "链接指向正在读取的上级文件夹（循环），未读入"),
        ("快捷方式.xlsx", "链接指向的文件不存在，未读入"),
        ("环1.csv", "链接互相指向（循环），找不到实际文件，未读入"),
        ("环2.csv", "链接互相指向（循环），找不到实际文件，未读入"),
        ("说明.docx", "文件类型 .docx 不是本工具读取的类型（.xlsx .xlsm .xls .xlsb .ods .csv .parquet）；未读入"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .collect();
    assert_eq!(not_read, want);
    let manifest = read_json(&out.join("manifest.json"));
    assert_eq!(manifest["totals"]["rows_in"], 3, "{}", manifest["totals"]);
}
