//! Issue 13, tried as a bureau would: a real policy of another province — Anhui's 皖政〔2017〕53号
//! (支持制造强省建设若干政策) — encoded from its text with no change to the code
//! (`examples/policies/anhui-2017-53-manufacturing.toml`), and its worked examples run as a
//! bureau runs them: three yearly batches (`examples/anhui/applications/`), each with the payout
//! history of the years before, every line compared with `examples/anhui/expected/` to the 分.
//! The README's excerpts of the file are checked to be the file's own text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use subsidy::rules::load_policies;

use crate::cli::{stderr, subsidy, tmp};
use crate::common::{root, vocab};

const POLICY: &str = "examples/policies/anhui-2017-53-manufacturing.toml";
/// The batches in the order a bureau runs them; each year's payouts join the history.
const YEARS: [&str; 3] = ["2018", "2019", "2021"];

/// One payout line as compared: what identifies it and what it pays.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Line {
    application_id: String,
    credit_code: String,
    rule_id: String,
    project_id: String,
    line_type: String,
    award: String,
}

/// A CSV file as records by column name.
fn records(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn line_of(r: &BTreeMap<String, String>) -> Line {
    let get = |k: &str| r.get(k).cloned().unwrap_or_default();
    Line {
        application_id: get("application_id"),
        credit_code: get("credit_code"),
        rule_id: get("rule_id"),
        project_id: get("project_id"),
        line_type: get("line_type"),
        award: get("award"),
    }
}

/// The expected lines of a year, each with the words its reason must contain.
fn expected(year: &str) -> Vec<(Line, String)> {
    records(&root().join(format!("examples/anhui/expected/{year}.csv")))
        .iter()
        .map(|r| (line_of(r), r["reason_contains"].clone()))
        .collect()
}

/// Runs the batch of `year` under the Anhui policy with the history gathered so far, and
/// returns payouts.csv's records.
fn run_year(year: &str, history: &Path, out: &Path) -> Vec<BTreeMap<String, String>> {
    let input = format!("examples/anhui/applications/{year}.csv");
    let out_s = out.display().to_string();
    let history_s = history.display().to_string();
    let mut args = vec!["run", "--policy", POLICY, "--out", out_s.as_str()];
    if std::fs::read_dir(history).unwrap().next().is_some() {
        args.extend(["--history", history_s.as_str()]);
    }
    args.push(input.as_str());
    let o = subsidy(&args);
    assert_eq!(o.status.code(), Some(0), "{year}: {}", stderr(&o));
    records(&out.join("payouts.csv"))
}

/// Every worked example of the Anhui policy, year after year: awards, line types, payees and
/// reasons to the 分 — project caps over the project's life, the 不重复享受 limit against the
/// history, the 3-year interest period per loan, the developer+user split with odd cents.
#[test]
fn anhui_policy_pays_every_worked_example_year_after_year() {
    let dir = tmp("anhui");
    let history: PathBuf = dir.join("history");
    std::fs::create_dir_all(&history).unwrap();
    let mut failures = Vec::new();
    for year in YEARS {
        let out = dir.join(format!("out-{year}"));
        let got = run_year(year, &history, &out);
        let mut got_lines: Vec<(Line, String)> = got
            .iter()
            .map(|r| (line_of(r), r["reason"].clone()))
            .collect();
        got_lines.sort();
        let mut want = expected(year);
        want.sort();
        assert_eq!(
            got_lines.iter().map(|(l, _)| l).collect::<Vec<_>>(),
            want.iter().map(|(l, _)| l).collect::<Vec<_>>(),
            "{year}: payout lines differ from examples/anhui/expected/{year}.csv"
        );
        for ((line, reason), (_, words)) in got_lines.iter().zip(&want) {
            if !reason.contains(words.as_str()) {
                failures.push(format!(
                    "{year} {}: reason `{reason}` lacks `{words}`",
                    line.application_id
                ));
            }
        }
        std::fs::copy(out.join("payouts.csv"), history.join(format!("{year}.csv"))).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The examples cover every rule of the file: at least two lines each, one of them 不予支持,
/// and for every rule with a cap, a line the cap cuts (`→` in its reason).
#[test]
fn anhui_examples_cover_every_rule_with_an_ineligible_line_and_a_cap_hit() {
    let vocab = vocab();
    let set = load_policies(&[root().join(POLICY)], &vocab).expect("the Anhui policy loads");
    let rules: Vec<(&str, bool)> = set
        .policies
        .iter()
        .flat_map(|p| p.rules.iter())
        .map(|r| (r.id.as_str(), !r.caps.is_empty()))
        .collect();
    assert_eq!(rules.len(), 8, "{rules:?}");
    let lines: Vec<(Line, String)> = YEARS.iter().flat_map(|y| expected(y)).collect();
    let mut short = Vec::new();
    for (id, capped) in &rules {
        let mine: Vec<&(Line, String)> = lines.iter().filter(|(l, _)| l.rule_id == *id).collect();
        let applications: BTreeSet<&str> = mine
            .iter()
            .map(|(l, _)| l.application_id.as_str())
            .collect();
        let ineligible = mine.iter().any(|(l, _)| l.line_type == "ineligible");
        let cut = mine.iter().any(|(l, words)| {
            l.line_type == "payout" && (words.contains("封顶") || words.contains("剩余"))
        });
        if applications.len() < 2 || !ineligible || (*capped && !cut) {
            short.push(format!(
                "{id}: {} examples, ineligible {ineligible}, cap hit {cut}",
                applications.len()
            ));
        }
    }
    assert!(short.is_empty(), "{}", short.join("\n"));
}

/// The README shows parts of the policy file: each ```toml block of its section
/// "Another province's policy, from its text" is the file's own text, line for line.
#[test]
fn the_readme_shows_the_anhui_file_as_it_is() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let file = std::fs::read_to_string(root().join(POLICY)).unwrap();
    let start = readme
        .find("## Another province's policy, from its text")
        .expect("README has the section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let mut blocks = 0;
    let mut rest = section;
    while let Some(at) = rest.find("```toml\n") {
        let body = &rest[at + 8..];
        let end = body.find("```").expect("a closed block");
        let block = &body[..end];
        assert!(
            file.contains(block),
            "README block not in {POLICY}:\n{block}"
        );
        blocks += 1;
        rest = &body[end + 3..];
    }
    assert!(blocks >= 2, "the section shows {blocks} blocks of the file");
}
