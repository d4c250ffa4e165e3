//! Golden ledgers (金样台账): small batches under `tests/golden/<case>/` whose outputs are
//! compared part by part with the known-good outputs kept beside them in `expected/` — every
//! part of `ledger.xlsx` unzipped (`expected/ledger/<part>`), `payouts.csv`, `exceptions.csv`
//! and `manifest.json` — so a changed header, label, number format or trace wording fails with
//! the part and the first line that differs. XML parts are kept one element per line (a line
//! break before each `<` that follows a `>`), so a diff reads; the software version is masked
//! as `{VERSION}`, so a version bump alone needs no re-blessing. Nothing else in the outputs
//! depends on time or place: workbook times are fixed and the runs name their files relative
//! to the project folder.
//!
//! After an intended change to the outputs, re-bless and review the diff before committing:
//! `SUBSIDY_BLESS=1 cargo test --release --locked --test integration golden`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::cli::{stderr, subsidy, tmp};
use crate::common::root;

/// The cases and the exit status each run ends with: a few paid lines with a cap and a split;
/// an unreadable cell (exit 1: ledger written, a row unreadable); a 待审核 line beside a paid
/// one; two ineligible lines (a condition failed, a review said 否).
const CASES: [(&str, i32); 4] = [
    ("paid", 0),
    ("exception", 1),
    ("pending", 0),
    ("ineligible", 0),
];

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn blessing() -> bool {
    std::env::var_os("SUBSIDY_BLESS").is_some_and(|v| v == "1")
}

fn case_dir(case: &str) -> PathBuf {
    root().join("tests").join("golden").join(case)
}

/// A part's text as it is compared: XML one element per line, the version masked.
fn comparable(name: &str, text: &str) -> String {
    let text = text
        .replace(&format!("subsidy {VERSION}"), "subsidy {VERSION}")
        .replace(
            &format!("\"version\": \"{VERSION}\""),
            "\"version\": \"{VERSION}\"",
        );
    if name.ends_with(".xml") || name.ends_with(".rels") {
        text.replace("><", ">\n<")
    } else {
        text
    }
}

fn utf8(name: &str, bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{name} is not UTF-8 text: {e}"))
}

/// The outputs of a run in `out`, part by part: `ledger/<part>` for each part of the
/// workbook, and the other files by name.
fn parts_of(out: &Path) -> BTreeMap<String, String> {
    let mut parts = BTreeMap::new();
    let ledger = out.join("ledger.xlsx");
    let file = std::fs::File::open(&ledger).unwrap_or_else(|e| panic!("{}: {e}", ledger.display()));
    let mut zip = zip::ZipArchive::new(file).unwrap_or_else(|e| panic!("ledger.xlsx: {e}"));
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .unwrap_or_else(|e| panic!("ledger.xlsx: {e}"));
        let name = format!("ledger/{}", part.name().expect("a part's name"));
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        parts.insert(name.clone(), comparable(&name, &utf8(&name, bytes)));
    }
    for name in ["payouts.csv", "exceptions.csv", "manifest.json"] {
        let bytes = std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        parts.insert(name.to_string(), comparable(name, &utf8(name, bytes)));
    }
    parts
}

/// The blessed parts of a case, as [`parts_of`] names them.
fn expected_of(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (bless the golden ledgers: SUBSIDY_BLESS=1)",
                dir.display()
            )
        });
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let name = path
                    .strip_prefix(base)
                    .expect("under the expected folder")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.insert(name, text);
            }
        }
    }
    let mut parts = BTreeMap::new();
    walk(dir, dir, &mut parts);
    parts
}

/// Every difference between the blessed parts and the actual ones: a part missing or added,
/// or the first line that differs in a part, with both versions of it.
fn differences(
    expected: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, want) in expected {
        let Some(got) = actual.get(name) else {
            out.push(format!("{name}: part missing from the output"));
            continue;
        };
        if want == got {
            continue;
        }
        let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
        let line = (0..w.len().max(g.len()))
            .find(|&i| w.get(i) != g.get(i))
            .unwrap_or(w.len());
        let show = |l: Option<&&str>| l.map_or("(end of part)".to_string(), |s| s.to_string());
        out.push(format!(
            "{name} line {}:\n  expected: {}\n  actual:   {}",
            line + 1,
            show(w.get(line)),
            show(g.get(line)),
        ));
    }
    for name in actual.keys().filter(|n| !expected.contains_key(*n)) {
        out.push(format!("{name}: part not in the blessed outputs"));
    }
    out
}

/// Runs a case from the project folder, its files named relative to it (as the manifest and
/// 汇总 record them).
fn run_case(case: &str, status: i32, tag: &str) -> BTreeMap<String, String> {
    let out = tmp(&format!("golden-{case}-{tag}"));
    let input = format!("tests/golden/{case}/input.csv");
    let o = subsidy(&[
        "run",
        "--policy",
        "tests/golden/policy.toml",
        "--out",
        out.to_str().expect("a UTF-8 temporary path"),
        &input,
    ]);
    assert_eq!(o.status.code(), Some(status), "{case}: {}", stderr(&o));
    let parts = parts_of(&out);
    let _ = std::fs::remove_dir_all(&out);
    parts
}

fn bless(dir: &Path, parts: &BTreeMap<String, String>) {
    let _ = std::fs::remove_dir_all(dir);
    for (name, text) in parts {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("a part has a folder"))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn golden_ledgers_match_part_by_part() {
    let mut failures = Vec::new();
    for (case, status) in CASES {
        let actual = run_case(case, status, "match");
        let dir = case_dir(case).join("expected");
        if blessing() {
            bless(&dir, &actual);
            continue;
        }
        for d in differences(&expected_of(&dir), &actual) {
            failures.push(format!("{case}: {d}"));
        }
    }
    assert!(
        failures.is_empty(),
        "golden ledgers differ (if the change is intended, re-bless with \
         SUBSIDY_BLESS=1 cargo test --release --locked --test integration golden, \
         and review the diff):\n{}",
        failures.join("\n")
    );
}

/// The comparison names the part and the line of a changed header label (and would of a
/// changed format or wording), and a part gone or new.
#[test]
fn golden_comparison_names_the_part_and_line_of_a_change() {
    let actual = run_case("paid", 0, "changed");
    let label = "金额（元）";
    let (name, _) = actual
        .iter()
        .find(|(n, t)| n.starts_with("ledger/xl/") && t.contains(label))
        .expect("the 发放明细 header is in some part");
    let mut changed = actual.clone();
    let text = changed[name].replace(label, "金额(元)");
    changed.insert(name.clone(), text);
    changed.remove("exceptions.csv");
    changed.insert("ledger/extra.xml".into(), "<x/>".into());
    let found = differences(&actual, &changed);
    assert_eq!(found.len(), 3, "{found:#?}");
    let line = actual[name]
        .lines()
        .position(|l| l.contains(label))
        .expect("the label's line")
        + 1;
    assert!(
        found
            .iter()
            .any(|d| d.starts_with(&format!("{name} line {line}:")) && d.contains("金额(元)")),
        "{found:#?}"
    );
    assert!(found.contains(&"exceptions.csv: part missing from the output".to_string()));
    assert!(found.contains(&"ledger/extra.xml: part not in the blessed outputs".to_string()));
    assert!(differences(&actual, &actual).is_empty());
}
