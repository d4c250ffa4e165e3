//! Readers end to end (issue 12, part 2): Parquet columns typed every way data teams write
//! them, input folders with files that are not read, and formula injection in full-width
//! forms — each through the binary, checked on its ledger.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::root;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("subsidy-readers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `subsidy run` on the inputs; returns the exit code and stderr.
fn run(out: &Path, inputs: &[&Path]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_subsidy"))
        .args(["run", "--quiet", "--config"])
        .arg(root().join("config"))
        .arg("--out")
        .arg(out)
        .args(inputs)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `申报编号=award` of each payouts.csv line.
fn awards(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join("payouts.csv")).unwrap();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .map(|r| format!("{}={}", &r[0], &r[4]))
        .collect()
}

/// `cell|value|reason` of each exceptions.csv line.
fn exceptions(out: &Path) -> Vec<(String, String, String, String)> {
    let text = std::fs::read_to_string(out.join("exceptions.csv")).unwrap();
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .map(|r| {
            (
                r[0].to_string(),
                r[2].to_string(),
                r[4].to_string(),
                r[5].to_string(),
            )
        })
        .collect()
}

fn parquet(name: &str) -> PathBuf {
    root()
        .join("tests")
        .join("corpus")
        .join("parquet")
        .join(name)
}

/// Every integer width (8 to 64 bits, signed and not), float32 from its own shortest text (4.9 万元 is 49,000 元, paid
/// 2%: 980.00), float64, decimals: the awards to the 分.
#[test]
fn parquet_amounts_of_every_numeric_type_pay_to_the_fen() {
    let dir = tmp("parquet-amounts");
    for (file, want) in [
        ("amount_int8.parquet", vec!["N0=600.00", "N1=20000.00"]),
        ("amount_uint8.parquet", vec!["N0=600.00", "N1=40000.00"]),
        ("amount_int16.parquet", vec!["N0=600.00", "N1=6000000.00"]),
        ("amount_uint16.parquet", vec!["N0=600.00", "N1=6000000.00"]),
        ("amount_int32.parquet", vec!["N0=600.00", "N1=6000000.00"]),
        ("amount_uint32.parquet", vec!["N0=600.00", "N1=6000000.00"]),
        ("amount_int64.parquet", vec!["N0=600.00", "N1=6000000.00"]),
        ("amount_uint64.parquet", vec!["N0=600.00", "N1=6000000.00"]),
        ("amount_float.parquet", vec!["N0=980.00", "N1=6000100.00"]),
        ("amount_double.parquet", vec!["N0=980.00", "N1=6000100.00"]),
        (
            "amount_decimal9_2.parquet",
            vec!["D0=980.00", "D1=6000100.00"],
        ),
        (
            "amount_decimal18_4.parquet",
            vec!["D0=980.00", "D1=6000100.00"],
        ),
        (
            "amount_decimal38_10.parquet",
            vec!["D0=980.00", "D1=6000100.00"],
        ),
        (
            "strings_large_string.parquet",
            vec!["S0=600.00", "S1=6000000.00"],
        ),
        // pandas categoricals: dictionary-encoded strings (polars reads them as categoricals).
        (
            "strings_dictionary.parquet",
            vec!["S0=600.00", "S1=6000000.00"],
        ),
    ] {
        let out = dir.join(file);
        let (code, stderr) = run(&out, &[&parquet(file)]);
        assert_eq!(code, Some(0), "{file}: {stderr}");
        assert_eq!(awards(&out), want, "{file}");
    }
}

/// A 38-digit decimal has no exact value here: that cell is an exception showing it whole.
#[test]
fn a_parquet_decimal_past_28_digits_is_an_exception() {
    let dir = tmp("parquet-decimal38");
    let (code, stderr) = run(&dir, &[&parquet("amount_decimal38_0.parquet")]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(awards(&dir), ["D0=800.00"]);
    let e = exceptions(&dir);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0].3,
        "12345678901234567890123456789012345678：有效数字超过 28 位，无法精确计算"
    );
}

/// date32, date64, timestamps with no zone, Asia/Shanghai and UTC are read; a zone this tool
/// cannot place is an exception per cell, never a guessed day.
#[test]
fn parquet_dates_and_timestamps_are_read_or_refused_by_cell() {
    let dir = tmp("parquet-dates");
    for file in [
        "dates_date32.parquet",
        "dates_date64.parquet",
        "dates_timestamp.parquet",
        "dates_timestamp_shanghai.parquet",
        "dates_timestamp_utc.parquet",
    ] {
        let out = dir.join(file);
        let (code, stderr) = run(&out, &[&parquet(file)]);
        assert_eq!(code, Some(0), "{file}: {stderr}");
        // T1 says 否 to 是否首次/新获认定 (a boolean column): not eligible.
        assert_eq!(awards(&out), ["T0=600.00", "T1=0.00"], "{file}");
    }
    let out = dir.join("ny");
    let (code, stderr) = run(&out, &[&parquet("dates_timestamp_new_york.parquet")]);
    assert_eq!(code, Some(1), "{stderr}");
    let e = exceptions(&out);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e.iter()
            .all(|x| x.3
                == "时间戳的时区 America/New_York 无法确定对应的日期；请写为日期或 UTC+8 时间"),
        "{e:?}"
    );
}

/// Issue 12 item 9: a folder's sub-folders are read; each file not read is an exception with
/// its reason.
#[test]
fn a_folder_lists_every_file_it_does_not_read() {
    let dir = tmp("folder");
    let input = dir.join("in");
    let corpus = root().join("tests").join("corpus").join("files");
    std::fs::create_dir_all(input.join("二季度")).unwrap();
    std::fs::copy(
        corpus.join("csv_semicolon.csv"),
        input.join("二季度").join("a.csv"),
    )
    .unwrap();
    std::fs::copy(corpus.join("csv_utf16_tab.csv"), input.join("b.csv")).unwrap();
    for f in ["~$b.xlsx", "申报表.et", "说明.docx"] {
        std::fs::write(input.join(f), b"x").unwrap();
    }
    std::os::unix::fs::symlink(input.join("gone.xlsx"), input.join("link.xlsx")).unwrap();
    let out = dir.join("out");
    let (code, stderr) = run(&out, &[&input]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(awards(&out).len(), 4);
    let got: Vec<(String, String)> = exceptions(&out)
        .into_iter()
        .map(|(file, _, _, reason)| (file.rsplit('/').next().unwrap_or("").to_string(), reason))
        .collect();
    assert_eq!(
        got,
        [
            ("link.xlsx".to_string(), "链接指向的文件不存在，未读入".to_string()),
            ("~$b.xlsx".to_string(), "Office/WPS 锁定文件（~$ 开头，工作簿打开时产生），不是申报数据；未读入".to_string()),
            ("申报表.et".to_string(), "WPS 表格 .et 格式，本工具不能读取；请在 WPS 中另存为 .xlsx 后放回文件夹".to_string()),
            ("说明.docx".to_string(), "文件类型 .docx 不是本工具读取的类型（.xlsx .xlsm .xls .xlsb .ods .csv .parquet）；未读入".to_string()),
        ]
    );
}

/// Issue 12 item 14: full-width ＝ and ＠ starting a name are neutralised in payouts.csv.
#[test]
fn full_width_formula_starts_are_neutralised_in_payouts() {
    let dir = tmp("injection");
    let (code, stderr) = run(
        &dir,
        &[&root().join("tests/corpus/files/injection_fullwidth.csv")],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let text = std::fs::read_to_string(dir.join("payouts.csv")).unwrap();
    let names: Vec<String> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap()[2].to_string())
        .collect();
    assert_eq!(names, ["'＝HYPERLINK(\"http://x\")", "'＠SUM(1+1)"]);
}

/// Workbooks saved by LibreOffice Calc 7.4 (`soffice --headless --convert-to xls|ods` of the
/// corpus' merged_cells.xlsx and of an xlsx whose rate and investment cells have the `0.00%`
/// format): a real writer's MERGEDCELLS, XF/FORMAT records, `number-rows-spanned` and
/// percentage data styles. Names merged down reach every project row; the merged investment is
/// an exception on both its rows; a rate shown as 3% pays 3% (1亿 × 3% = 300万); an
/// investment shown as 50% is an exception.
#[test]
fn libreoffice_saved_merges_and_percents_are_read_as_shown() {
    let dir = tmp("libreoffice");
    let saved = |name: &str| root().join("tests/corpus/libreoffice").join(name);
    for name in ["merged_cells.xls", "merged_cells.ods"] {
        let out = dir.join(name);
        let (code, stderr) = run(&out, &[&saved(name)]);
        assert_eq!(code, Some(1), "{name}: {stderr}");
        assert_eq!(
            awards(&out),
            [
                "MG1=6000200.00",
                "MG2=6000400.00",
                "MG3=6000600.00",
                "MG6=6001200.00"
            ],
            "{name}"
        );
        let cells: Vec<String> = exceptions(&out)
            .into_iter()
            .map(|(_, cell, _, reason)| format!("{cell} {reason}"))
            .collect();
        let reason = "合并单元格 G6:G7（跨 2 行）：金额或数量合并在几行上，是每行各自的数还是几行的合计不能确定；请取消合并，在每行填写各自的数值";
        assert_eq!(
            cells,
            [format!("G6 {reason}"), format!("G7 {reason}")],
            "{name}"
        );
    }
    for name in ["percent.xls", "percent.ods"] {
        let out = dir.join(name);
        let (code, stderr) = run(&out, &[&saved(name)]);
        assert_eq!(code, Some(1), "{name}: {stderr}");
        assert_eq!(awards(&out), ["PC1=3000000.00"], "{name}");
        let got = exceptions(&out);
        assert_eq!(got.len(), 1, "{name}: {got:?}");
        assert_eq!(
            (got[0].1.as_str(), got[0].2.as_str(), got[0].3.as_str()),
            ("G3", "50%", "“50%”是百分数，本栏不是比率，含义不确定"),
            "{name}"
        );
    }
}
