//! The crate's layer order (issue 15): each top-level module of `src/` imports only from
//! modules in a lower layer (or its own). Read from the source tree: every `crate::<module>`
//! path in code (comments and doc links are not dependencies), test modules included, so a
//! test of a low layer does not quietly lean on a higher one.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::root;

/// Bottom → top. A module may use any module before it in this list, never one after it.
const LAYERS: [&str; 13] = [
    "domain",
    "rules",
    "ingest",
    "normalise",
    "fuzz",
    "engine",
    "history",
    "ledger",
    "audit",
    "sample",
    "pipeline",
    "compare",
    "cli",
];

/// One import that points up: (file, importing module, imported module).
type Upward = (String, String, String);

/// The code of a Rust source with `//` comments (including doc comments) removed; string
/// literals are kept, which is harmless since none holds `crate::`.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module names a source's code reaches through `crate::`, including each name of a
/// `crate::{a, b::c}` group.
fn imported(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start => {
                        out.insert(ident(&group[j..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

/// Every `.rs` file under `dir`, as paths relative to `src`.
fn sources(dir: &Path, src: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            sources(&path, src, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path.strip_prefix(src).expect("under src").to_path_buf());
        }
    }
}

/// The top-level module a source file belongs to (`ingest/header.rs` → `ingest`); `None` for
/// the crate roots.
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    match name {
        "lib" | "main" => None,
        _ => Some(name.to_string()),
    }
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == module)
}

/// Every import in `src/` that points to a higher layer, and every top-level module missing
/// from [`LAYERS`].
fn violations(src: &Path) -> (Vec<Upward>, BTreeSet<String>) {
    let mut files = Vec::new();
    sources(src, src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    let mut unknown = BTreeSet::new();
    for rel in files {
        let Some(module) = module_of(&rel) else {
            continue;
        };
        let Some(own) = rank(&module) else {
            unknown.insert(module);
            continue;
        };
        let text = std::fs::read_to_string(src.join(&rel)).expect("source readable");
        for used in imported(&strip_comments(&text)) {
            match rank(&used) {
                Some(r) if r > own => {
                    upward.push((rel.display().to_string(), module.clone(), used));
                }
                Some(_) => {}
                None => {
                    unknown.insert(used);
                }
            }
        }
    }
    (upward, unknown)
}

#[test]
fn no_module_imports_from_a_module_above_it() {
    let (upward, unknown) = violations(&root().join("src"));
    assert!(
        unknown.is_empty(),
        "top-level modules not in the layer order (add them to LAYERS): {unknown:?}"
    );
    assert!(
        upward.is_empty(),
        "imports that point up the layer order {LAYERS:?}:\n{}",
        upward
            .iter()
            .map(|(f, m, u)| format!("  src/{f}: {m} uses crate::{u}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The checker itself finds an upward import, a grouped one, and ignores comments.
#[test]
fn layer_check_sees_upward_imports_and_ignores_comments() {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path();
    std::fs::create_dir_all(src.join("domain")).expect("mkdir");
    std::fs::write(src.join("lib.rs"), "pub mod domain;\nuse crate::cli;\n").expect("write");
    std::fs::write(
        src.join("domain/money.rs"),
        "//! See [`crate::ledger`].\nuse crate::{domain::value, engine::batch::Line};\n",
    )
    .expect("write");
    std::fs::write(
        src.join("rules.rs"),
        "use crate::domain::money; // crate::cli\n",
    )
    .expect("write");
    std::fs::write(src.join("attic.rs"), "").expect("write");
    let (upward, unknown) = violations(src);
    assert_eq!(
        upward,
        vec![(
            "domain/money.rs".to_string(),
            "domain".to_string(),
            "engine".to_string()
        )]
    );
    assert_eq!(unknown, BTreeSet::from(["attic".to_string()]));
}
