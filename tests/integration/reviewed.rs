//! Worked cases written by the second reading of every rule (issue 14): clause parts the
//! catalogue's examples did not reach — a designation the row must carry, a window, a second
//! award of the same sentence. Each case is a row settled alone, as the catalogue's are, with its
//! exact result and, for a 不予支持 line, words its reason must hold. Read from `tests/reviewed/`.

use std::path::PathBuf;

use serde_json::Value as Json;
use subsidy::engine::batch::LineKind;
use subsidy::engine::Context;
use subsidy::rules::params::Params;

use crate::catalogue::{params_for, row_of, settle_alone};
use crate::common::{config, lpr, policies, root, vocab};

/// Every example of `tests/reviewed/*.toml`, with the file it came from.
fn reviewed_examples() -> Vec<(PathBuf, String, Json)> {
    let dir = root().join("tests").join("reviewed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let file: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for rule in file
            .get("rule")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = rule["id"].as_str().unwrap().to_string();
            for ex in rule
                .get("example")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push((path.clone(), id.clone(), serde_json::to_value(ex).unwrap()));
            }
        }
    }
    out
}

#[test]
fn the_second_reading_s_worked_cases_hold() {
    let vocab = vocab();
    let set = policies(&vocab);
    let table = lpr();
    let shipped = Params::load(&config()).expect("config/params.toml loads");
    let examples = reviewed_examples();
    assert!(
        examples.len() >= 20,
        "tests/reviewed holds {} cases",
        examples.len()
    );
    let mut failures = Vec::new();
    for (path, id, ex) in &examples {
        let name = format!(
            "{} {id} ({})",
            path.file_name().unwrap().to_string_lossy(),
            ex["why"].as_str().unwrap_or("")
        );
        let Some((policy, rule)) = set.rule(id) else {
            failures.push(format!("{name}: no rule"));
            continue;
        };
        let row = match row_of(ex["input"].as_object().unwrap(), &vocab) {
            Ok(row) => row,
            Err(e) => {
                failures.push(format!("{name}: input: {e}"));
                continue;
            }
        };
        let params = params_for(ex.get("given"), &shipped);
        let cx = Context {
            vocab: &vocab,
            lpr: &table,
            params: &params,
        };
        let line = settle_alone(policy, rule, &row, cx, id);
        let expected = ex["expected"].as_str().unwrap();
        if line.result_text() != expected {
            failures.push(format!(
                "{name}: expected {expected}, got {}",
                line.result_text()
            ));
        }
        if let Some(words) = ex.get("reason").and_then(Json::as_str) {
            match &line.kind {
                LineKind::Ineligible { reason, .. } | LineKind::Rejected { reason }
                    if reason.contains(words) => {}
                other => failures.push(format!(
                    "{name}: expected a refusal with “{words}”, got {other:?}"
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} reviewed cases differ:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}
